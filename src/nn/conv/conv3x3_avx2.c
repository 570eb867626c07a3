/* conv3x3_avx2.c - conv3x3_body.h on two ymm of 8 floats (AVX2 + FMA).
 * Compiled with this ISA's flags only (see the Makefile). */
#include <immintrin.h>

typedef struct {
    __m256 lo, hi;
} cv_v;

static inline cv_v cv_zero(void)
{
    return (cv_v){_mm256_setzero_ps(), _mm256_setzero_ps()};
}

static inline cv_v cv_load(const float *p)
{
    return (cv_v){_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)};
}

static inline void cv_store(float *p, cv_v v)
{
    _mm256_storeu_ps(p, v.lo);
    _mm256_storeu_ps(p + 8, v.hi);
}

static inline cv_v cv_bcast(float s)
{
    return (cv_v){_mm256_set1_ps(s), _mm256_set1_ps(s)};
}

static inline cv_v cv_add(cv_v a, cv_v b)
{
    return (cv_v){_mm256_add_ps(a.lo, b.lo), _mm256_add_ps(a.hi, b.hi)};
}

static inline cv_v cv_sub(cv_v a, cv_v b)
{
    return (cv_v){_mm256_sub_ps(a.lo, b.lo), _mm256_sub_ps(a.hi, b.hi)};
}

static inline cv_v cv_fma(cv_v a, cv_v b, cv_v c)
{
    return (cv_v){_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)};
}

/* 16 registers (a vector of 16 floats is two): one channel vector x 2
 * pixels (2 sums, 4 broadcasts, a weight vector); dw: one channel vector x
 * a row's 3 taps (3 sums, dy, 3 broadcasts); Winograd's products: one
 * channel vector x 4 tiles (4 sums, 4 broadcasts, a weight vector). */
#define CV_FCB   1
#define CV_FPB   2
#define CV_WCB   1
#define CV_WCIB  1
#define CV_WTB   3
#define CV_WPU   1
#define CV_GCB   1
#define CV_GTB   4
#define CV_G2T   4
#define CV_G1T   4
#define CV_TABLE nn_conv3x3_avx2

#include "conv3x3_body.h"
