/* conv3x3_generic.c - conv3x3_body.h on 16 floats in an array, fmaf per
 * lane: any CPU (a compiler that targets fused multiply-adds vectorizes
 * it; elsewhere fmaf is libm's, correctly rounded and slow). */
#include <math.h>

typedef struct {
    float f[16];
} cv_v;

static inline cv_v cv_zero(void)
{
    return (cv_v){{0}};
}

static inline cv_v cv_load(const float *p)
{
    cv_v v;
    for (int l = 0; l < 16; l++)
        v.f[l] = p[l];
    return v;
}

static inline void cv_store(float *p, cv_v v)
{
    for (int l = 0; l < 16; l++)
        p[l] = v.f[l];
}

static inline cv_v cv_bcast(float s)
{
    cv_v v;
    for (int l = 0; l < 16; l++)
        v.f[l] = s;
    return v;
}

static inline cv_v cv_add(cv_v a, cv_v b)
{
    for (int l = 0; l < 16; l++)
        a.f[l] = a.f[l] + b.f[l];
    return a;
}

static inline cv_v cv_sub(cv_v a, cv_v b)
{
    for (int l = 0; l < 16; l++)
        a.f[l] = a.f[l] - b.f[l];
    return a;
}

static inline cv_v cv_fma(cv_v a, cv_v b, cv_v c)
{
    for (int l = 0; l < 16; l++)
        c.f[l] = fmaf(a.f[l], b.f[l], c.f[l]);
    return c;
}

#define CV_FCB   1
#define CV_FPB   2
#define CV_WCB   1
#define CV_WCIB  1
#define CV_WTB   3
#define CV_WPU   1
#define CV_GCB   1
#define CV_GTB   2
#define CV_G2T   2
#define CV_G1T   2
#define CV_TABLE nn_conv3x3_generic

#include "conv3x3_body.h"
