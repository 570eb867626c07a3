/*
 * convert16.h - the bits of floats and doubles, and bfloat16 and float16 to
 * and from float32, round to nearest even, with integer recipes: the one source of these
 * conversions for the CPU (dtype.c's public functions wrap them; the SIMD paths are
 * checked against them) and the GPU (src/cuda/store_cuda.h), so both store the same bits.
 * The one float addition, in the float16 subnormal case, is IEEE on both (the GPU kernels
 * are built with -ftz=false).
 */
#ifndef GOLU_CONVERT16_H
#define GOLU_CONVERT16_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__CUDACC__)
#define CFN static __host__ __device__ __forceinline__
#else
#define CFN static inline
#endif

CFN uint32_t golu_cvt_f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

CFN float golu_cvt_f32_from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

CFN uint64_t golu_cvt_f64_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

CFN double golu_cvt_f64_from_bits(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* exact */
CFN float golu_cvt_bf16_to_f32(uint16_t h)
{
    return golu_cvt_f32_from_bits((uint32_t)h << 16);
}

/* nearest even; NaN keeps its sign and top payload, made quiet */
CFN uint16_t golu_cvt_f32_to_bf16(float f)
{
    uint32_t u = golu_cvt_f32_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((u >> 16) | 0x0040u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

/* exact; a NaN is made quiet (as IEEE and vcvtph2ps do) */
CFN float golu_cvt_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    if (exp == 0x1f)
        return golu_cvt_f32_from_bits(sign | 0x7f800000u | (man << 13) |
                                      (man ? 0x400000u : 0u));
    if (exp == 0) {
        float v = (float)man * 0x1p-24f;
        return sign ? -v : v;
    }
    return golu_cvt_f32_from_bits(sign | ((exp + 112u) << 23) | (man << 13));
}

/* nearest even, overflow to inf, subnormals kept */
CFN uint16_t golu_cvt_f32_to_f16(float f)
{
    uint32_t u = golu_cvt_f32_bits(f);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000u);
    uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u)
        return (uint16_t)(sign | 0x7e00u | ((a >> 13) & 0x3ffu));
    if (a >= 0x477ff000u)
        return (uint16_t)(sign | 0x7c00u);
    if (a < 0x38800000u) {
        float v = golu_cvt_f32_from_bits(a) + 0.5f; /* rounds a * 2^24 to an integer */
        return (uint16_t)(sign | (uint16_t)(golu_cvt_f32_bits(v) - 0x3f000000u));
    }
    uint32_t r = a + 0x0fffu + ((a >> 13) & 1u) - (112u << 23);
    return (uint16_t)(sign | (uint16_t)(r >> 13));
}

/*
 * A double rounded to float with round-to-odd: truncate toward zero, then set
 * the last bit if anything was dropped. Rounding that float to nearest into a
 * format at least 2 bits narrower (bfloat16, float16) gives that format's
 * nearest value to v itself: one rounding, not two. NaN stays NaN.
 */
CFN float golu_cvt_f64_to_f32_odd(double v)
{
    float r = (float)v; /* nearest: the truncation, or one step beyond it */
    uint32_t u = golu_cvt_f32_bits(r);
    if ((double)r != v && v == v) {
        if (fabs((double)r) > fabs(v)) /* rounded away from zero: step back */
            u -= 1;
        u |= 1;
    }
    return golu_cvt_f32_from_bits(u);
}

#endif
