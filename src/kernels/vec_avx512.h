/*
 * vec_avx512.h - the vector vocabulary on AVX-512 F/DQ: eight doubles.
 * Semantics identical to vec_scalar.h, lane by lane (see there). vscalefpd
 * multiplies by 2^floor(k) in one instruction, and vreducepd gives
 * a - floor(a) in one: the floor-form reduction costs two instructions here
 * (measured on this kind of CPU: both 1 uop, where vrndscalepd is 2).
 */
#ifndef GOLU_VEC_AVX512_H
#define GOLU_VEC_AVX512_H

#include <immintrin.h>

#define VD_LANES      8
#define VD_ISA_SUFFIX avx512

typedef __m512d vd;
typedef __mmask8 vm;

static inline vd vd_set1(double v)
{
    return _mm512_set1_pd(v);
}
static inline vd vd_add(vd a, vd b)
{
    return _mm512_add_pd(a, b);
}
static inline vd vd_sub(vd a, vd b)
{
    return _mm512_sub_pd(a, b);
}
static inline vd vd_mul(vd a, vd b)
{
    return _mm512_mul_pd(a, b);
}
static inline vd vd_div(vd a, vd b)
{
    return _mm512_div_pd(a, b);
}
static inline vd vd_fma(vd a, vd b, vd c)
{
    return _mm512_fmadd_pd(a, b, c);
}
static inline vd vd_abs(vd a)
{
    return _mm512_abs_pd(a);
}
static inline vd vd_max(vd a, vd b)
{
    return _mm512_max_pd(a, b);
}
static inline vd vd_min(vd a, vd b)
{
    return _mm512_min_pd(a, b);
}

static inline vd vd_round(vd a)
{
    return _mm512_roundscale_pd(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
static inline vd vd_pow2(vd k)
{
    return _mm512_scalef_pd(_mm512_set1_pd(1.0), k);
}
static inline vd vd_scale2(vd p, vd k)
{
    return _mm512_scalef_pd(p, k);
}
/* vreducepd with M = 0, round down, no precision exception: a - floor(a),
 * exactly, in one instruction. vscalefpd takes floor() of its exponent. */
static inline vd vd_frac(vd a)
{
    return _mm512_reduce_pd(a, 0x09);
}
static inline vd vd_scale2_floor(vd p, vd a)
{
    return _mm512_scalef_pd(p, a);
}

static inline vm vd_gt(vd a, vd b)
{
    return _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ);
}
static inline vm vd_ge(vd a, vd b)
{
    return _mm512_cmp_pd_mask(a, b, _CMP_GE_OQ);
}
static inline vm vd_isnan(vd a)
{
    return _mm512_cmp_pd_mask(a, a, _CMP_UNORD_Q);
}
static inline vd vd_select(vm m, vd a, vd b)
{
    return _mm512_mask_blend_pd(m, b, a);
}
/* 1 when any lane of m is set. */
static inline int vd_any(vm m)
{
    return m != 0;
}
/* 1 when any of the 2 * VD_LANES floats at p lies in (lo, hi) (NaN: no). */
static inline int vd_any_in_f32x2(const float *p, float lo, float hi)
{
    __m512 v = _mm512_loadu_ps(p);
    __mmask16 m = _mm512_cmp_ps_mask(v, _mm512_set1_ps(lo), _CMP_GT_OQ);
    return _mm512_mask_cmp_ps_mask(m, v, _mm512_set1_ps(hi), _CMP_LT_OQ) != 0;
}

static inline vd vd_load_f32(const float *p)
{
    return _mm512_cvtps_pd(_mm256_loadu_ps(p));
}
static inline void vd_store_f32(float *p, vd v)
{
    _mm256_storeu_ps(p, _mm512_cvtpd_ps(v));
}

/* Round-to-odd (convert16.h): the conversion truncates (embedded
 * rounding), then the last bit is set where it was inexact. */
static inline void vd_store_f32_odd(float *p, vd v)
{
    __m256 t = _mm512_cvt_roundpd_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    __mmask8 inexact = _mm512_cmp_pd_mask(_mm512_cvtps_pd(t), v, _CMP_NEQ_OQ);
    __m256i u = _mm256_castps_si256(t);
    u = _mm256_mask_or_epi32(u, inexact, u, _mm256_set1_epi32(1));
    _mm256_storeu_si256((__m256i *)p, u);
}

#endif
