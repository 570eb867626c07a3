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

#define VD_LANES      2
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
static inline vd vd_max(vd a, vd b)
{
    return vbslq_f64(vcgtq_f64(a, b), a, b);
}
static inline vd vd_min(vd a, vd b)
{
    return vbslq_f64(vcltq_f64(a, b), a, b);
}

#define VD_SHIFTER 0x1.8p52
static inline vd vd_round(vd a)
{
    return vrndnq_f64(a);
}
static inline vd vd_pow2(vd k)
{
    uint64x2_t u = vreinterpretq_u64_f64(vaddq_f64(k, vdupq_n_f64(VD_SHIFTER)));
    u = vaddq_u64(vshlq_n_u64(u, 52), vdupq_n_u64((uint64_t)1023 << 52));
    return vreinterpretq_f64_u64(u);
}
static inline vd vd_scale2(vd p, vd k)
{
    return vmulq_f64(p, vd_pow2(k));
}
static inline vd vd_frac(vd a)
{
    return vsubq_f64(a, vrndmq_f64(a));
}
static inline vd vd_scale2_floor(vd p, vd a)
{
    return vd_scale2(p, vrndmq_f64(a));
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
/* 1 when any of the 2 * VD_LANES floats at p lies in (lo, hi) (NaN: no). */
static inline int vd_any_in_f32x2(const float *p, float lo, float hi)
{
    float32x4_t v = vld1q_f32(p);
    uint32x4_t m =
        vandq_u32(vcgtq_f32(v, vdupq_n_f32(lo)), vcltq_f32(v, vdupq_n_f32(hi)));
    return vmaxvq_u32(m) != 0;
}

static inline vd vd_load_f32(const float *p)
{
    return vcvt_f64_f32(vld1_f32(p));
}
static inline void vd_store_f32(float *p, vd v)
{
    vst1_f32(p, vcvt_f32_f64(v));
}
/* Round-to-odd (convert16.h): FCVTXN does it in one instruction. */
static inline void vd_store_f32_odd(float *p, vd v)
{
    vst1_f32(p, vcvtx_f32_f64(v));
}

#endif
