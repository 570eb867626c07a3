/*
 * vec_scalar.h - the vector vocabulary with one lane: plain C doubles.
 *
 * Every operation has the exact IEEE semantics of its SIMD counterparts in
 * vec_avx2.h and vec_avx512.h, which is why all paths give identical bits:
 *   vd_max(a, b) / vd_min(a, b) return b when either is NaN (x86 maxpd/minpd);
 *   vd_reduce16(a) rounds 16 a to nearest even with the 1.5*2^48 shifter
 *   (AVX-512's vreducepd, exact), never with a conversion to int;
 *   vd_tab16_pow2 builds its power of two from the bits of that same sum,
 *   so a NaN gives garbage instead of undefined behaviour, and the NaN
 *   propagates through the factor multiplied by it.
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

#define VD_LANES 1
/* Vectors per loop step, even (the reference path; its speed matters little). */
#define VD_STEP       4
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
/* -|a|: the sign bit set. */
VFN vd vd_nabs(vd a)
{
    return -fabs(a);
}
VFN vd vd_max(vd a, vd b)
{
    return a > b ? a : b;
}
VFN vd vd_min(vd a, vd b)
{
    return a < b ? a : b;
}

/* a - N/16 with N = round(16 a), ties to even (exact: in [-1/32, 1/32]),
 * for |a| <= 1020; the same N as vd_tab16_pow2's (a + 1.5*2^48 rounds alike). */
VFN vd vd_reduce16(vd a)
{
    return a - ((a + 0x1.8p48) - 0x1.8p48);
}

/* a - floor(a), exact. */
VFN vd vd_frac(vd a)
{
    return a - floor(a);
}

/* floor(a) in the low bits of the result's representation (vd_tab8's index),
 * for 0 <= a < 2^52 with u = vd_frac(a): (a - u) + 1.5*2^52. */
VFN vd vd_floor_index(vd a, vd u)
{
    return vd_add(vd_sub(a, u), vd_set1(0x1.8p52));
}

/* tab[j] with j the low 3 bits of t's representation (t = j + 1.5*2^52 for
 * an integer j in [0, 7]). */
VFN vd vd_tab8(const double *tab, vd t)
{
    return tab[golu_cvt_f64_bits(t) & 7];
}

/* The table step of exp2 (f32_math.h, exp2t): t = N/16 + 1.5*2^48 for an
 * integer N in [-16320, 16320] holds N in the low bits of its
 * representation; returns tab[N mod 16] * 2^floor(N/16), the scaling done by
 * adding floor(N/16) to the exponent field (tab's entries have magnitudes in
 * [1, 4): no overflow or underflow). */
VFN vd vd_tab16_pow2(const double *tab, vd t)
{
    uint64_t u = golu_cvt_f64_bits(t);
    uint64_t s = golu_cvt_f64_bits(tab[u & 15]);
    return golu_cvt_f64_from_bits(s + ((u >> 4) << 52));
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
/* 1 when every one of the n floats at p lies in [lo, hi] (NaN: no). */
VFN int vd_all_in_f32(const float *p, size_t n, float lo, float hi)
{
    int all = 1;
    for (size_t i = 0; i < n; i++)
        all &= (p[i] >= lo) & (p[i] <= hi);
    return all;
}

/* 1 when any of the n floats at p (n a multiple of 2 * VD_LANES) has
 * key - bits(p[i]) < span in uint32 arithmetic (kconsts.h). */
VFN int vd_any_key_in_f32(const float *p, size_t n, uint32_t key, uint32_t span)
{
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, p + i, sizeof u);
        any |= (uint32_t)(key - u) < span;
    }
    return any;
}

VFN vd vd_load_f32(const float *p)
{
    return (double)*p;
}
VFN void vd_store_f32(float *p, vd v)
{
    *p = (float)v;
}

/* The doubles of a kept slope (golu_forward_slope): as they are. */
VFN vd vd_load_f64(const double *p)
{
    return *p;
}
VFN void vd_store_f64(double *p, vd v)
{
    *p = v;
}

/* Rounds to float with round-to-odd (convert16.h), for results that go on
 * to bfloat16 or float16: then they are rounded once. */
VFN void vd_store_f32_odd(float *p, vd v)
{
    *p = golu_cvt_f64_to_f32_odd(v);
}

/* ---------------------------------------------------------- float lanes */

/* One float, for ReLU (f32_body.h), whose results are exact in float:
 * max(+0, x) + 0 (x86's max: x unless 0 > x, so NaN passes) and dy times
 * (1, 0, or x where x is NaN), as relu_fwd_v and relu_slope_v give them in
 * double. */
#define VF_LANES 1
typedef float vf;

VFN vf vf_load(const float *p)
{
    return *p;
}
VFN void vf_store(float *p, vf v)
{
    *p = v;
}
VFN vf vf_relu(vf x)
{
    return (0.0f > x ? 0.0f : x) + 0.0f;
}
VFN vf vf_relu_grad(vf x, vf dy)
{
    vf s = x > 0.0f ? 1.0f : 0.0f;
    return dy * (x != x ? x : s);
}

#endif
