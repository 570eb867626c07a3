/*
 * vec_avx512.h - the vector vocabulary on AVX-512 F/DQ: eight doubles.
 * Semantics identical to vec_scalar.h, lane by lane (see there). vreducepd
 * gives a - round(16 a)/16 in one instruction, off the dependency chain of
 * the shifter sum, and vpermt2pd looks up a 16-entry table held in two
 * registers.
 */
#ifndef GOLU_VEC_AVX512_H
#define GOLU_VEC_AVX512_H

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#define VD_LANES 8
/* Vectors per loop step, even (measured best of 8, 12 and 16 for GoLU on Zen 5). */
#define VD_STEP       12
#define VD_STEP_WIDE  16 /* for the shortest chains (SiLU: f32_body.h) */
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
/* -|a|: the sign bit set. */
static inline vd vd_nabs(vd a)
{
    return _mm512_or_pd(a, _mm512_set1_pd(-0.0));
}
static inline vd vd_max(vd a, vd b)
{
    return _mm512_max_pd(a, b);
}
static inline vd vd_min(vd a, vd b)
{
    return _mm512_min_pd(a, b);
}

/* a - N/16 with N = round(16 a), ties to even (exact: in [-1/32, 1/32]),
 * for |a| <= 1020; the same N as vd_tab16_pow2's (a + 1.5*2^48 rounds alike).
 * vreducepd with M = 4, round to nearest: one instruction. */
static inline vd vd_reduce16(vd a)
{
    return _mm512_reduce_pd(a, 0x48);
}

/* a - floor(a), exact: vreducepd with M = 0, round down. */
static inline vd vd_frac(vd a)
{
    return _mm512_reduce_pd(a, 0x09);
}

/* floor(a) in the low bits of the result's representation (vd_tab8's index),
 * for 0 <= a < 2^52 with u = vd_frac(a): vcvttpd2qq, one instruction where
 * the other paths add (a - u) to 1.5*2^52. */
static inline vd vd_floor_index(vd a, vd u)
{
    (void)u;
    return _mm512_castsi512_pd(_mm512_cvttpd_epi64(a));
}

/* tab[j] with j the low 3 bits of t's representation (t = j + 1.5*2^52 for
 * an integer j in [0, 7]).  vpermpd
 * reads the low 3 bits of each index: the table in one register. */
static inline vd vd_tab8(const double *tab, vd t)
{
    return _mm512_permutexvar_pd(_mm512_castpd_si512(t), _mm512_loadu_pd(tab));
}

/* The table step of exp2 (f32_math.h, exp2t): t = N/16 + 1.5*2^48 for an
 * integer N in [-16320, 16320] holds N in the low bits of its
 * representation; returns tab[N mod 16] * 2^floor(N/16), the scaling done by
 * adding floor(N/16) to the exponent field (tab's entries have magnitudes in
 * [1, 4): no overflow or underflow).
 *
 * Two instructions besides the lookup: t << 48 puts N's low 16 bits at the
 * top, N mod 16 at bit 48 and floor(N/16) mod 2^12 in the exponent field;
 * the table registers have j << 48 taken off entry j beforehand (loop
 * invariant: the compiler hoists it), so the sum is tab[j]'s bits plus
 * floor(N/16) in the exponent, as (t >> 4) << 52 added to tab[j] gives on
 * the other paths: the same bits. vpermt2q reads the low 4 bits of each
 * index: the table in two registers. */
static inline vd vd_tab16_pow2(const double *tab, vd t)
{
    const __m512i j_lo = _mm512_slli_epi64(_mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0), 48);
    const __m512i j_hi =
        _mm512_slli_epi64(_mm512_set_epi64(15, 14, 13, 12, 11, 10, 9, 8), 48);
    __m512i lo = _mm512_sub_epi64(_mm512_castpd_si512(_mm512_loadu_pd(tab)), j_lo);
    __m512i hi = _mm512_sub_epi64(_mm512_castpd_si512(_mm512_loadu_pd(tab + 8)), j_hi);
    __m512i u = _mm512_castpd_si512(t);
    __m512i s = _mm512_permutex2var_epi64(lo, u, hi);
    return _mm512_castsi512_pd(_mm512_add_epi64(s, _mm512_slli_epi64(u, 48)));
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
/* 1 when every one of the n floats at p (n a multiple of 2 * VD_LANES) lies
 * in [lo, hi] (NaN: no). */
static inline int vd_all_in_f32(const float *p, size_t n, float lo, float hi)
{
    if (lo == -hi) {
        /* A symmetric range: the largest |x| as the bits with the sign
         * cleared, by unsigned maxima (a NaN's bits exceed every float's):
         * two instructions per 16 floats and no chain through a mask. */
        union {
            float f;
            int i;
        } b = {hi};
        __m512i acc = _mm512_setzero_si512(), m = _mm512_set1_epi32(0x7fffffff);
        _Pragma("GCC unroll 16") for (size_t i = 0; i < n; i += 16) acc =
            _mm512_max_epu32(acc, _mm512_and_si512(_mm512_loadu_si512(p + i), m));
        return _mm512_cmpgt_epu32_mask(acc, _mm512_set1_epi32(b.i)) == 0;
    }
    __mmask16 all = 0xffff;
    __m512 l = _mm512_set1_ps(lo), h = _mm512_set1_ps(hi);
    _Pragma("GCC unroll 16") for (size_t i = 0; i < n; i += 16)
    {
        __m512 v = _mm512_loadu_ps(p + i);
        all = _mm512_mask_cmp_ps_mask(all, v, l, _CMP_GE_OQ);
        all = _mm512_mask_cmp_ps_mask(all, v, h, _CMP_LE_OQ);
    }
    return all == 0xffff;
}

/* 1 when any of the n floats at p (n a multiple of 2 * VD_LANES) has
 * key - bits(p[i]) < span in uint32 arithmetic (kconsts.h). */
static inline int vd_any_key_in_f32(const float *p, size_t n, uint32_t key, uint32_t span)
{
    /* The least key - bits of the n: two instructions per 16 floats. */
    __m512i acc = _mm512_set1_epi32(-1), k = _mm512_set1_epi32((int)key);
    _Pragma("GCC unroll 16") for (size_t i = 0; i < n; i += 16) acc =
        _mm512_min_epu32(acc, _mm512_sub_epi32(k, _mm512_loadu_si512(p + i)));
    return _mm512_cmplt_epu32_mask(acc, _mm512_set1_epi32((int)span)) != 0;
}

static inline vd vd_load_f32(const float *p)
{
    return _mm512_cvtps_pd(_mm256_loadu_ps(p));
}
static inline void vd_store_f32(float *p, vd v)
{
    _mm256_storeu_ps(p, _mm512_cvtpd_ps(v));
}
static inline vd vd_load_f64(const double *p)
{
    return _mm512_loadu_pd(p);
}
static inline void vd_store_f64(double *p, vd v)
{
    _mm512_storeu_pd(p, v);
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

/* ---------------------------------------------------------- float lanes */

/* Sixteen floats, for ReLU (f32_body.h), whose results are exact in float:
 * max(+0, x) + 0 and dy times (1, 0, or x where x is NaN), as relu_fwd_v and
 * relu_slope_v give them in double. */
#define VF_LANES 16
typedef __m512 vf;

static inline vf vf_load(const float *p)
{
    return _mm512_loadu_ps(p);
}
static inline void vf_store(float *p, vf v)
{
    _mm512_storeu_ps(p, v);
}
/* Both by vfixupimmps, one instruction each: it sorts each x into eight
 * classes and answers per class from a table of nibbles, class j at bits
 * 4j (QNaN, SNaN, zero, +1, -inf, +inf, negative, positive). ReLU: NaN ->
 * x made quiet (2), +1, +inf, positive -> x (1), the rest +0 (8); its
 * slope: NaN -> x made quiet, +1, +inf, positive -> +1 (10), the rest +0. */
#define VF_RELU_TABLE       0x18181822
#define VF_RELU_SLOPE_TABLE 0xA8A8A822
static inline vf vf_relu(vf x)
{
    return _mm512_fixupimm_ps(x, x, _mm512_set1_epi32(VF_RELU_TABLE), 0);
}
static inline vf vf_relu_grad(vf x, vf dy)
{
    vf s = _mm512_fixupimm_ps(x, x, _mm512_set1_epi32(VF_RELU_SLOPE_TABLE), 0);
    return _mm512_mul_ps(dy, s);
}

#endif
