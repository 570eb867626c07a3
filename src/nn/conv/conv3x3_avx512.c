/* conv3x3_avx512.c - conv3x3_body.h on one zmm of 16 floats (AVX-512F).
 * Compiled with this ISA's flags only (see the Makefile). */
#include <immintrin.h>

typedef __m512 cv_v;
#define cv_zero()       _mm512_setzero_ps()
#define cv_load(p)      _mm512_loadu_ps(p)
#define cv_store(p, v)  _mm512_storeu_ps((p), (v))
#define cv_bcast(s)     _mm512_set1_ps(s)
#define cv_fma(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define cv_add(a, b)    _mm512_add_ps((a), (b))
#define cv_sub(a, b)    _mm512_sub_ps((a), (b))

/* r[0..16) transposed in place: row j becomes column j (the usual three
 * stages: 32-bit, 64-bit and 128-bit interleaves). */
static inline void cv_transpose16(__m512 r[16])
{
    __m512 t[16];
    for (int k = 0; k < 8; k++) {
        t[2 * k] = _mm512_unpacklo_ps(r[2 * k], r[2 * k + 1]);
        t[2 * k + 1] = _mm512_unpackhi_ps(r[2 * k], r[2 * k + 1]);
    }
    for (int k = 0; k < 4; k++) {
        __m512d a = _mm512_castps_pd(t[4 * k]), b = _mm512_castps_pd(t[4 * k + 1]);
        __m512d c = _mm512_castps_pd(t[4 * k + 2]), d = _mm512_castps_pd(t[4 * k + 3]);
        r[4 * k] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
        r[4 * k + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
        r[4 * k + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
        r[4 * k + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    for (int k = 0; k < 4; k++) {
        t[k] = _mm512_shuffle_f32x4(r[k], r[k + 4], 0x88);
        t[k + 4] = _mm512_shuffle_f32x4(r[k], r[k + 4], 0xdd);
        t[k + 8] = _mm512_shuffle_f32x4(r[k + 8], r[k + 12], 0x88);
        t[k + 12] = _mm512_shuffle_f32x4(r[k + 8], r[k + 12], 0xdd);
    }
    for (int k = 0; k < 8; k++) {
        r[k] = _mm512_shuffle_f32x4(t[k], t[k + 8], 0x88);
        r[k + 8] = _mm512_shuffle_f32x4(t[k], t[k + 8], 0xdd);
    }
}
#define CV_TRANSPOSE16 cv_transpose16

/* 32 registers: 2 channel vectors x 8 pixels (16 sums, 10 broadcasts, 2
 * weight vectors); dw: 2 channel vectors x 9 taps or one vector x 2 input
 * channels x 9 taps (18 sums), 3 pixels at a time (3 or 6 dy vectors, 5
 * broadcasts); Winograd's products: 2 channel vectors x 12 tiles (24 sums,
 * 2 weight vectors, a broadcast at a time). */
#define CV_FCB   2
#define CV_FPB   8
#define CV_WCB   2
#define CV_WCIB  2
#define CV_WTB   9
#define CV_WPU   3
#define CV_GCB   4
#define CV_GTB   6
#define CV_G2T   12
#define CV_G1T   16
#define CV_TABLE nn_conv3x3_avx512

#include "conv3x3_body.h"
