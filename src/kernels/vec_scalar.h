/*
 * vec_scalar.h - the vector vocabulary with one lane: plain C doubles.
 *
 * Every operation has the exact IEEE semantics of its SIMD counterparts in
 * vec_avx2.h and vec_avx512.h, which is why all paths give identical bits:
 *   vd_max(a, b) / vd_min(a, b) return b when either is NaN (x86 maxpd/minpd);
 *   vd_round is round-to-nearest-even, done with the 1.5*2^52 shifter (valid
 *   for |a| < 2^51; callers clamp first), never with a conversion to int;
 *   vd_pow2(k) builds 2^k from the bits of k + 1.5*2^52 (k integral, in
 *   [-1022, 1023]), so a NaN k gives garbage instead of undefined behaviour,
 *   and the NaN propagates through the factor multiplied by it;
 *   vd_frac(a) = a - floor(a) (exact) and vd_scale2_floor(p, a) =
 *   p * 2^floor(a) are AVX-512's vreducepd and vscalefpd.
 * fma() is the C library's, correctly rounded (a single instruction where the
 * CPU has FMA: glibc selects it at load time).
 *
 * The CUDA kernels use this same vocabulary, one double per thread (VFN is
 * __host__ __device__ under nvcc): CUDA's double add, sub, mul, div and fma
 * are IEEE round-to-nearest-even (subnormals included; -ftz only touches
 * float), floor is exact, and the kernels are built with -fmad=false and no
 * fast math, so the GPU computes the CPU's bits. Only NaN payloads may
 * differ (the GPU returns its canonical NaN).
 */
#ifndef GOLU_VEC_SCALAR_H
#define GOLU_VEC_SCALAR_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "convert16.h"

#if defined(__CUDACC__)
#define VFN static __host__ __device__ __forceinline__
#else
#define VFN static inline
#endif

#define VD_LANES      1
#define VD_ISA_SUFFIX scalar

typedef double vd;
typedef int vm; /* a lane mask */

VFN vd vd_set1(double v)
{
    return v;
}
VFN vd vd_add(vd a, vd b)
{
    return a + b;
}
VFN vd vd_sub(vd a, vd b)
{
    return a - b;
}
VFN vd vd_mul(vd a, vd b)
{
    return a * b;
}
VFN vd vd_div(vd a, vd b)
{
    return a / b;
}
VFN vd vd_fma(vd a, vd b, vd c)
{
    return fma(a, b, c);
}
VFN vd vd_abs(vd a)
{
    return fabs(a);
}
VFN vd vd_max(vd a, vd b)
{
    return a > b ? a : b;
}
VFN vd vd_min(vd a, vd b)
{
    return a < b ? a : b;
}

#define VD_SHIFTER 0x1.8p52
VFN vd vd_round(vd a)
{
    /* Without -ffast-math the compiler keeps both roundings. */
    return (a + VD_SHIFTER) - VD_SHIFTER;
}
VFN vd vd_pow2(vd k)
{
    uint64_t u = golu_cvt_f64_bits(k + VD_SHIFTER);
    return golu_cvt_f64_from_bits((u << 52) + ((uint64_t)1023 << 52));
}
VFN vd vd_scale2(vd p, vd k)
{
    return p * vd_pow2(k);
}
/* a - floor(a), exact; and p * 2^floor(a) (a in [-1022, 1023]). */
VFN vd vd_frac(vd a)
{
    return a - floor(a);
}
VFN vd vd_scale2_floor(vd p, vd a)
{
    return p * vd_pow2(floor(a));
}

VFN vm vd_gt(vd a, vd b)
{
    return a > b;
}
VFN vm vd_ge(vd a, vd b)
{
    return a >= b;
}
VFN vm vd_isnan(vd a)
{
    return a != a;
}
/* m ? a : b */
VFN vd vd_select(vm m, vd a, vd b)
{
    return m ? a : b;
}
/* 1 when any lane of m is set (for a rare path taken only when needed). */
VFN int vd_any(vm m)
{
    return m != 0;
}
/* 1 when any of the 2 * VD_LANES floats at p lies in (lo, hi) (NaN: no). */
VFN int vd_any_in_f32x2(const float *p, float lo, float hi)
{
    return (p[0] > lo && p[0] < hi) || (p[1] > lo && p[1] < hi);
}

VFN vd vd_load_f32(const float *p)
{
    return (double)*p;
}
VFN void vd_store_f32(float *p, vd v)
{
    *p = (float)v;
}

/* Rounds to float with round-to-odd (convert16.h), for results that go on
 * to bfloat16 or float16: then they are rounded once. */
VFN void vd_store_f32_odd(float *p, vd v)
{
    *p = golu_cvt_f64_to_f32_odd(v);
}

#endif
