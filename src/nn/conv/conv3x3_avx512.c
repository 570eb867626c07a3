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

/* 32 registers: 2 channel vectors x 8 pixels (16 sums, 10 broadcasts, 2
 * weight vectors); dw: 2
 * channel vectors x 9 taps or one vector x 2 input channels x 9 taps (18
 * sums), 3 pixels (3 or 6 dy vectors, 5 broadcasts). */
#define CV_FCB   2
#define CV_FPB   8
#define CV_WCB   2
#define CV_WCIB  2
#define CV_WTB   9
#define CV_WPU   3
#define CV_TABLE nn_conv3x3_avx512

#include "conv3x3_body.h"
