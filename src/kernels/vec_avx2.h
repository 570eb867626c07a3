/*
 * vec_avx2.h - the vector vocabulary on AVX2 + FMA: four doubles.
 * Semantics identical to vec_scalar.h, lane by lane (see there).
 */
#ifndef GOLU_VEC_AVX2_H
#define GOLU_VEC_AVX2_H

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Two builds (cpu.c picks one per CPU, the same bits): isa_avx2.c looks the
 * exponentials' 16-entry table up with permutes (vd_tab16_split), and
 * isa_avx2_gather.c, with VD_AVX2_GATHER defined, with a gather, which
 * frees the shuffle units and the registers of table words (four a table): on Zen 3
 * GoLU's forward and backward 17-18 % faster, SiLU's 12-14 %. Gathers are
 * slow elsewhere (Zen 2, and the Intel cores whose microcode mitigates
 * Gather Data Sampling), so the permutes stay the default.
 */
#define VD_LANES 4
/* Vectors per loop step, even (16 registers: more would spill). GELU's
 * coefficient lookups load their tables (no register holds them): 4
 * vectors a step ran its forward 10 % and backward 15 % faster than 8.
 * The gather build holds no table words: 6 vectors a step spill less
 * than 8 (GoLU's forward 1.99 -> 1.87 ns a float on Zen 3). */
#ifdef VD_AVX2_GATHER
#define VD_STEP       6
#define VD_ISA_SUFFIX avx2_gather
#else
#define VD_STEP       8
#define VD_ISA_SUFFIX avx2
#endif
#define VD_STEP_GELU 4

typedef __m256d vd;
typedef __m256d vm;

static inline vd vd_set1(double v)
{
    return _mm256_set1_pd(v);
}
static inline vd vd_add(vd a, vd b)
{
    return _mm256_add_pd(a, b);
}
static inline vd vd_sub(vd a, vd b)
{
    return _mm256_sub_pd(a, b);
}
static inline vd vd_mul(vd a, vd b)
{
    return _mm256_mul_pd(a, b);
}
static inline vd vd_div(vd a, vd b)
{
    return _mm256_div_pd(a, b);
}
static inline vd vd_fma(vd a, vd b, vd c)
{
    return _mm256_fmadd_pd(a, b, c);
}
static inline vd vd_abs(vd a)
{
    return _mm256_andnot_pd(_mm256_set1_pd(-0.0), a);
}
/* -|a|: the sign bit set. */
static inline vd vd_nabs(vd a)
{
    return _mm256_or_pd(a, _mm256_set1_pd(-0.0));
}
static inline vd vd_max(vd a, vd b)
{
    return _mm256_max_pd(a, b);
}
static inline vd vd_min(vd a, vd b)
{
    return _mm256_min_pd(a, b);
}

/* a - N/16 with N = round(16 a), ties to even (exact: in [-1/32, 1/32]),
 * for |a| <= 1020; the same N as vd_tab16_pow2's (a + 1.5*2^48 rounds alike). */
static inline vd vd_reduce16(vd a)
{
    __m256d k = _mm256_sub_pd(_mm256_add_pd(a, _mm256_set1_pd(0x1.8p48)),
                              _mm256_set1_pd(0x1.8p48));
    return _mm256_sub_pd(a, k);
}

/* a - floor(a), exact. */
static inline vd vd_frac(vd a)
{
    return _mm256_sub_pd(a, _mm256_floor_pd(a));
}

/* floor(a) in the low bits of the result's representation (vd_tab8's index),
 * for 0 <= a < 2^52 with u = vd_frac(a): (a - u) + 1.5*2^52. */
static inline vd vd_floor_index(vd a, vd u)
{
    return vd_add(vd_sub(a, u), vd_set1(0x1.8p52));
}

/* tab[j] with j the low 3 bits of t's representation (t = j + 1.5*2^52 for
 * an integer j in [0, 7]), without a gather (slow on many CPUs that stop at
 * AVX2; GELU's nine lookups a vector ran 1.4-1.7 times slower as gathers
 * even on Zen 3): vpermd picks the double j mod 4 of each group of four,
 * and a blend on bit 2 chooses the group. */
static inline vd vd_tab8(const double *tab, vd t)
{
    __m256i u = _mm256_castpd_si256(t);
    __m256i j2 = _mm256_slli_epi64(_mm256_and_si256(u, _mm256_set1_epi64x(3)), 1);
    __m256i idx = _mm256_add_epi32(_mm256_or_si256(j2, _mm256_slli_epi64(j2, 32)),
                                   _mm256_set1_epi64x((long long)1 << 32));
    __m256d m2 = _mm256_castsi256_pd(_mm256_slli_epi64(u, 61));
    return _mm256_blendv_pd(_mm256_castsi256_pd(_mm256_permutevar8x32_epi32(
                                _mm256_loadu_si256((const __m256i *)tab), idx)),
                            _mm256_castsi256_pd(_mm256_permutevar8x32_epi32(
                                _mm256_loadu_si256((const __m256i *)(tab + 4)), idx)),
                            m2);
}

/* The 8 low (hi = 0) or high (hi = 1) 32-bit words of tab[0..7]: the
 * table's halves apart, for vd_tab16_split. It reads the constant table
 * alone, so the compiler takes it out of the loops (GCC 12 does: four
 * vperm2i128 a kernel, before its loop). */
static inline __m256i tab_words8(const double *tab, int hi)
{
    const __m256i even_odd = _mm256_set_epi32(7, 5, 3, 1, 6, 4, 2, 0);
    __m256i a =
        _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)tab), even_odd);
    __m256i b = _mm256_permutevar8x32_epi32(
        _mm256_loadu_si256((const __m256i *)(tab + 4)), even_odd);
    return hi ? _mm256_permute2x128_si256(a, b, 0x31)
              : _mm256_permute2x128_si256(a, b, 0x20);
}

/* tab[j] for j the low 4 bits of each lane of u (16 entries): the low and
 * the high words looked up apart, each with one index for both halves of
 * the table (vpermd picks j mod 8, a blend on bit 3 the half), then joined:
 * 4 vpermd, 2 blends and one word blend, where the doubles picked whole
 * (as vd_tab8 does, twice) took 4 vpermd, 3 blends and more index
 * arithmetic: AVX2's SiLU 6-9 % and GoLU's backward 7 % faster. The same
 * entries, so the same bits. */
#ifdef VD_AVX2_GATHER
/* tab[j] for j the low 4 bits of each lane of u: one gather (the build
 * for the CPUs whose gathers are fast; the permutes below otherwise). */
static inline vd vd_tab16_split(const double *tab, __m256i u)
{
    return _mm256_i64gather_pd(tab, _mm256_and_si256(u, _mm256_set1_epi64x(15)), 8);
}
#else
static inline vd vd_tab16_split(const double *tab, __m256i u)
{
    __m256i j = _mm256_and_si256(u, _mm256_set1_epi64x(7));
    __m256i idx = _mm256_or_si256(j, _mm256_slli_epi64(j, 32));
    __m256d m3 = _mm256_castsi256_pd(_mm256_slli_epi64(u, 60));
    __m256d lo = _mm256_blendv_pd(
        _mm256_castsi256_pd(_mm256_permutevar8x32_epi32(tab_words8(tab, 0), idx)),
        _mm256_castsi256_pd(_mm256_permutevar8x32_epi32(tab_words8(tab + 8, 0), idx)),
        m3);
    __m256d hi = _mm256_blendv_pd(
        _mm256_castsi256_pd(_mm256_permutevar8x32_epi32(tab_words8(tab, 1), idx)),
        _mm256_castsi256_pd(_mm256_permutevar8x32_epi32(tab_words8(tab + 8, 1), idx)),
        m3);
    return _mm256_castsi256_pd(
        _mm256_blend_epi32(_mm256_castpd_si256(lo), _mm256_castpd_si256(hi), 0xAA));
}
#endif

/* The table step of exp2 (f32_math.h, exp2t): t = N/16 + 1.5*2^48 for an
 * integer N in [-16320, 16320] holds N in the low bits of its
 * representation; returns tab[N mod 16] * 2^floor(N/16), the scaling done by
 * adding floor(N/16) to the exponent field (tab's entries have magnitudes in
 * [1, 4): no overflow or underflow). */
static inline vd vd_tab16_pow2(const double *tab, vd t)
{
    __m256i u = _mm256_castpd_si256(t);
    __m256i s = _mm256_castpd_si256(vd_tab16_split(tab, u));
    return _mm256_castsi256_pd(
        _mm256_add_epi64(s, _mm256_slli_epi64(_mm256_srli_epi64(u, 4), 52)));
}

static inline vm vd_gt(vd a, vd b)
{
    return _mm256_cmp_pd(a, b, _CMP_GT_OQ);
}
static inline vm vd_ge(vd a, vd b)
{
    return _mm256_cmp_pd(a, b, _CMP_GE_OQ);
}
static inline vm vd_isnan(vd a)
{
    return _mm256_cmp_pd(a, a, _CMP_UNORD_Q);
}
static inline vd vd_select(vm m, vd a, vd b)
{
    return _mm256_blendv_pd(b, a, m);
}
/* 1 when any lane of m is set. */
static inline int vd_any(vm m)
{
    return _mm256_movemask_pd(m) != 0;
}
/* 1 when every one of the n floats at p (n a multiple of 2 * VD_LANES) lies
 * in [lo, hi] (NaN: no). */
static inline int vd_all_in_f32(const float *p, size_t n, float lo, float hi)
{
    if (lo == -hi) {
        /* A symmetric range: the largest |x| as the bits with the sign
         * cleared, by unsigned maxima (a NaN's bits exceed every float's). */
        union {
            float f;
            int i;
        } b = {hi};
        __m256i acc = _mm256_setzero_si256(), m = _mm256_set1_epi32(0x7fffffff);
        _Pragma("GCC unroll 16") for (size_t i = 0; i < n; i += 8) acc = _mm256_max_epu32(
            acc, _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(p + i)), m));
        return _mm256_movemask_ps(_mm256_castsi256_ps(
                   _mm256_cmpeq_epi32(_mm256_max_epu32(acc, _mm256_set1_epi32(b.i)),
                                      _mm256_set1_epi32(b.i)))) == 0xff;
    }
    __m256 all = _mm256_castsi256_ps(_mm256_set1_epi32(-1));
    __m256 l = _mm256_set1_ps(lo), h = _mm256_set1_ps(hi);
    _Pragma("GCC unroll 16") for (size_t i = 0; i < n; i += 8)
    {
        __m256 v = _mm256_loadu_ps(p + i);
        all = _mm256_and_ps(all, _mm256_and_ps(_mm256_cmp_ps(v, l, _CMP_GE_OQ),
                                               _mm256_cmp_ps(v, h, _CMP_LE_OQ)));
    }
    return _mm256_movemask_ps(all) == 0xff;
}

/* 1 when any of the n floats at p (n a multiple of 2 * VD_LANES) has
 * key - bits(p[i]) < span in uint32 arithmetic (kconsts.h). */
static inline int vd_any_key_in_f32(const float *p, size_t n, uint32_t key, uint32_t span)
{
    __m256i acc = _mm256_set1_epi32(-1), k = _mm256_set1_epi32((int)key);
    _Pragma("GCC unroll 16") for (size_t i = 0; i < n; i += 8) acc = _mm256_min_epu32(
        acc, _mm256_sub_epi32(k, _mm256_loadu_si256((const __m256i *)(p + i))));
    if (span == 0)
        return 0;
    /* acc < span, unsigned: min(acc, span - 1) == acc. */
    __m256i s1 = _mm256_set1_epi32((int)(span - 1));
    __m256i le = _mm256_cmpeq_epi32(_mm256_min_epu32(acc, s1), acc);
    return _mm256_movemask_epi8(le) != 0;
}

static inline vd vd_load_f32(const float *p)
{
    return _mm256_cvtps_pd(_mm_loadu_ps(p));
}
static inline void vd_store_f32(float *p, vd v)
{
    _mm_storeu_ps(p, _mm256_cvtpd_ps(v));
}
static inline vd vd_load_f64(const double *p)
{
    return _mm256_loadu_pd(p);
}
static inline void vd_store_f64(double *p, vd v)
{
    _mm256_storeu_pd(p, v);
}

/* Round-to-odd (convert16.h), as the scalar path does it: nearest, one
 * step back toward zero where that went away from zero, then the last bit
 * where the conversion was inexact. The 64-bit masks are narrowed to the
 * float lanes by taking their low halves. */
static inline void vd_store_f32_odd(float *p, vd v)
{
    __m128 r = _mm256_cvtpd_ps(v);
    __m256d back = _mm256_cvtps_pd(r);
    __m256d sign = _mm256_set1_pd(-0.0);
    __m256d away = _mm256_cmp_pd(_mm256_andnot_pd(sign, back), _mm256_andnot_pd(sign, v),
                                 _CMP_GT_OQ);
    __m256d inexact = _mm256_cmp_pd(back, v, _CMP_NEQ_OQ);
    const __m256i low = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    __m128i away32 = _mm256_castsi256_si128(
        _mm256_permutevar8x32_epi32(_mm256_castpd_si256(away), low));
    __m128i inexact32 = _mm256_castsi256_si128(
        _mm256_permutevar8x32_epi32(_mm256_castpd_si256(inexact), low));
    __m128i u = _mm_add_epi32(_mm_castps_si128(r), away32); /* -1 where away */
    u = _mm_or_si128(u, _mm_and_si128(inexact32, _mm_set1_epi32(1)));
    _mm_storeu_si128((__m128i *)p, u);
}

/* ---------------------------------------------------------- float lanes */

/* Eight floats, for ReLU (f32_body.h), whose results are exact in float:
 * max(+0, x) + 0 and dy times (1, 0, or x where x is NaN), as relu_fwd_v and
 * relu_slope_v give them in double. */
#define VF_LANES 8
typedef __m256 vf;

static inline vf vf_load(const float *p)
{
    return _mm256_loadu_ps(p);
}
static inline void vf_store(float *p, vf v)
{
    _mm256_storeu_ps(p, v);
}
static inline vf vf_relu(vf x)
{
    const vf zero = _mm256_setzero_ps();
    return _mm256_add_ps(_mm256_max_ps(zero, x), zero);
}
static inline vf vf_relu_grad(vf x, vf dy)
{
    const vf zero = _mm256_setzero_ps();
    vf s = _mm256_and_ps(_mm256_cmp_ps(x, zero, _CMP_GT_OQ), _mm256_set1_ps(1.0f));
    return _mm256_mul_ps(dy, _mm256_blendv_ps(s, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q)));
}

#endif
