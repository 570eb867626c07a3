/*
 * vec_neon.h - the vector vocabulary on AArch64 Advanced SIMD: two doubles.
 * Semantics identical to vec_scalar.h, lane by lane (see there). NEON's own
 * fmax/fmin treat NaN and signed zeros differently from x86's maxpd/minpd, so
 * vd_max/vd_min are written as compare-and-select with x86's meaning: the
 * second operand whenever the comparison is false (NaN included).
 */
#ifndef GOLU_VEC_NEON_H
#define GOLU_VEC_NEON_H

#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>

#define VD_LANES 2
/* Vectors per loop step, even (not measured). */
#define VD_STEP       4
#define VD_ISA_SUFFIX neon

typedef float64x2_t vd;
typedef uint64x2_t vm;

static inline vd vd_set1(double v)
{
    return vdupq_n_f64(v);
}
static inline vd vd_add(vd a, vd b)
{
    return vaddq_f64(a, b);
}
static inline vd vd_sub(vd a, vd b)
{
    return vsubq_f64(a, b);
}
static inline vd vd_mul(vd a, vd b)
{
    return vmulq_f64(a, b);
}
static inline vd vd_div(vd a, vd b)
{
    return vdivq_f64(a, b);
}
static inline vd vd_fma(vd a, vd b, vd c)
{
    return vfmaq_f64(c, a, b);
}
static inline vd vd_abs(vd a)
{
    return vabsq_f64(a);
}
/* -|a|: the sign bit set. */
static inline vd vd_nabs(vd a)
{
    return vreinterpretq_f64_u64(
        vorrq_u64(vreinterpretq_u64_f64(a), vdupq_n_u64(0x8000000000000000ull)));
}
static inline vd vd_max(vd a, vd b)
{
    return vbslq_f64(vcgtq_f64(a, b), a, b);
}
static inline vd vd_min(vd a, vd b)
{
    return vbslq_f64(vcltq_f64(a, b), a, b);
}

/* a - N/16 with N = round(16 a), ties to even (exact: in [-1/32, 1/32]),
 * for |a| <= 1020; the same N as vd_tab16_pow2's (a + 1.5*2^48 rounds alike). */
static inline vd vd_reduce16(vd a)
{
    float64x2_t sh = vdupq_n_f64(0x1.8p48);
    return vsubq_f64(a, vsubq_f64(vaddq_f64(a, sh), sh));
}

/* a - floor(a), exact. */
static inline vd vd_frac(vd a)
{
    return vsubq_f64(a, vrndmq_f64(a));
}

/* floor(a) in the low bits of the result's representation (vd_tab8's index),
 * for 0 <= a < 2^52 with u = vd_frac(a): (a - u) + 1.5*2^52. */
static inline vd vd_floor_index(vd a, vd u)
{
    return vd_add(vd_sub(a, u), vd_set1(0x1.8p52));
}

/* tab[j] with j the low 3 bits of t's representation (t = j + 1.5*2^52 for
 * an integer j in [0, 7]). */
static inline vd vd_tab8(const double *tab, vd t)
{
    uint64x2_t u = vreinterpretq_u64_f64(t);
    float64x2_t s = vdupq_n_f64(tab[vgetq_lane_u64(u, 0) & 7]);
    return vsetq_lane_f64(tab[vgetq_lane_u64(u, 1) & 7], s, 1);
}

/* The table step of exp2 (f32_math.h, exp2t): t = N/16 + 1.5*2^48 for an
 * integer N in [-16320, 16320] holds N in the low bits of its
 * representation; returns tab[N mod 16] * 2^floor(N/16), the scaling done by
 * adding floor(N/16) to the exponent field (tab's entries have magnitudes in
 * [1, 4): no overflow or underflow). */
static inline vd vd_tab16_pow2(const double *tab, vd t)
{
    uint64x2_t u = vreinterpretq_u64_f64(t);
    float64x2_t s = vdupq_n_f64(tab[vgetq_lane_u64(u, 0) & 15]);
    s = vsetq_lane_f64(tab[vgetq_lane_u64(u, 1) & 15], s, 1);
    return vreinterpretq_f64_u64(
        vaddq_u64(vreinterpretq_u64_f64(s), vshlq_n_u64(vshrq_n_u64(u, 4), 52)));
}

static inline vm vd_gt(vd a, vd b)
{
    return vcgtq_f64(a, b);
}
static inline vm vd_ge(vd a, vd b)
{
    return vcgeq_f64(a, b);
}
static inline vm vd_isnan(vd a)
{
    return veorq_u64(vceqq_f64(a, a), vdupq_n_u64(~(uint64_t)0));
}
static inline vd vd_select(vm m, vd a, vd b)
{
    return vbslq_f64(m, a, b);
}
/* 1 when any lane of m is set. */
static inline int vd_any(vm m)
{
    return (vgetq_lane_u64(m, 0) | vgetq_lane_u64(m, 1)) != 0;
}
/* 1 when every one of the n floats at p (n a multiple of 2 * VD_LANES) lies
 * in [lo, hi] (NaN: no). */
static inline int vd_all_in_f32(const float *p, size_t n, float lo, float hi)
{
    uint32x4_t all = vdupq_n_u32(0xffffffffu);
    float32x4_t l = vdupq_n_f32(lo), h = vdupq_n_f32(hi);
    for (size_t i = 0; i < n; i += 4) {
        float32x4_t v = vld1q_f32(p + i);
        all = vandq_u32(all, vandq_u32(vcgeq_f32(v, l), vcleq_f32(v, h)));
    }
    return vminvq_u32(all) != 0;
}

/* 1 when any of the n floats at p (n a multiple of 2 * VD_LANES) has
 * key - bits(p[i]) < span in uint32 arithmetic (kconsts.h). */
static inline int vd_any_key_in_f32(const float *p, size_t n, uint32_t key, uint32_t span)
{
    uint32x4_t acc = vdupq_n_u32(0xffffffffu), k = vdupq_n_u32(key);
    for (size_t i = 0; i < n; i += 4)
        acc = vminq_u32(acc, vsubq_u32(k, vreinterpretq_u32_f32(vld1q_f32(p + i))));
    return vminvq_u32(acc) < span;
}

static inline vd vd_load_f32(const float *p)
{
    return vcvt_f64_f32(vld1_f32(p));
}
static inline void vd_store_f32(float *p, vd v)
{
    vst1_f32(p, vcvt_f32_f64(v));
}
static inline vd vd_load_f64(const double *p)
{
    return vld1q_f64(p);
}
static inline void vd_store_f64(double *p, vd v)
{
    vst1q_f64(p, v);
}
/* Round-to-odd (convert16.h): FCVTXN does it in one instruction. */
static inline void vd_store_f32_odd(float *p, vd v)
{
    vst1_f32(p, vcvtx_f32_f64(v));
}

/* ---------------------------------------------------------- float lanes */

/* Four floats, for ReLU (f32_body.h), whose results are exact in float:
 * max(+0, x) + 0 (x86's max: the second operand unless 0 > x) and dy times
 * (1, 0, or x where x is NaN), as relu_fwd_v and relu_slope_v give them in
 * double. */
#define VF_LANES 4
typedef float32x4_t vf;

static inline vf vf_load(const float *p)
{
    return vld1q_f32(p);
}
static inline void vf_store(float *p, vf v)
{
    vst1q_f32(p, v);
}
static inline vf vf_relu(vf x)
{
    const vf zero = vdupq_n_f32(0.0f);
    return vaddq_f32(vbslq_f32(vcgtq_f32(zero, x), zero, x), zero);
}
static inline vf vf_relu_grad(vf x, vf dy)
{
    const vf zero = vdupq_n_f32(0.0f);
    vf s = vbslq_f32(vcgtq_f32(x, zero), vdupq_n_f32(1.0f), zero);
    return vmulq_f32(dy, vbslq_f32(vceqq_f32(x, x), s, x));
}

#endif
