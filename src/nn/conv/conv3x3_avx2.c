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

/* a[0..8) transposed in place: row j becomes column j (32-bit and 64-bit
 * interleaves within the 128-bit lanes, then the lanes exchanged). */
static inline void transpose8(__m256 *a[8])
{
    __m256 t[8], u[8];
    for (int k = 0; k < 4; k++) {
        t[2 * k] = _mm256_unpacklo_ps(*a[2 * k], *a[2 * k + 1]);
        t[2 * k + 1] = _mm256_unpackhi_ps(*a[2 * k], *a[2 * k + 1]);
    }
    for (int k = 0; k < 2; k++) {
        u[4 * k] = _mm256_shuffle_ps(t[4 * k], t[4 * k + 2], 0x44);
        u[4 * k + 1] = _mm256_shuffle_ps(t[4 * k], t[4 * k + 2], 0xee);
        u[4 * k + 2] = _mm256_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0x44);
        u[4 * k + 3] = _mm256_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0xee);
    }
    for (int k = 0; k < 4; k++) {
        *a[k] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x20);
        *a[k + 4] = _mm256_permute2f128_ps(u[k], u[k + 4], 0x31);
    }
}

/* r[0..16) transposed in place, as four 8 x 8 blocks: each block
 * transposed where it is, then the two off the diagonal exchanged (rows
 * 0-7's high halves with rows 8-15's low halves). Without it the
 * transposes between planes and channels last went element by element,
 * 16 % of a ResNet-20 step on Zen 3. */
static inline void cv_transpose16(cv_v r[16])
{
    for (int b = 0; b < 4; b++) {
        __m256 *a[8];
        for (int k = 0; k < 8; k++)
            a[k] = b & 1 ? &r[(b >> 1) * 8 + k].hi : &r[(b >> 1) * 8 + k].lo;
        transpose8(a);
    }
    for (int k = 0; k < 8; k++) {
        __m256 t = r[k].hi;
        r[k].hi = r[k + 8].lo;
        r[k + 8].lo = t;
    }
}
#define CV_TRANSPOSE16 cv_transpose16

/* 16 registers (a vector of 16 floats is two): one channel vector x 2
 * pixels (2 sums, 4 broadcasts, a weight vector); dw: one channel vector x
 * a row's 3 taps (3 sums, dy, 3 broadcasts); Winograd's products: one
 * channel vector x 6 tiles (6 sums, a weight vector, a broadcast at a
 * time: 15 registers; on Zen 3 the ResNet-20's convolution backward 8 %
 * faster than 4 tiles, 7 spilled; two input channels a block in dw, 6
 * sums, ran slower). */
#define CV_FCB   1
#define CV_FPB   2
#define CV_WCB   1
#define CV_WCIB  1
#define CV_WTB   3
#define CV_WPU   1
#define CV_GCB   1
#define CV_GTB   4
#define CV_G2T   4
#define CV_G1T   6
#define CV_TABLE nn_conv3x3_avx2

#include "conv3x3_body.h"
