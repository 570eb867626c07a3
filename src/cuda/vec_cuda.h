/*
 * vec_cuda.h - the vector vocabulary of f32_math.h for CUDA: one double per
 * thread, the semantics of vec_scalar.h exactly, so that the float32
 * activations compute the same double operations in the same order on the
 * GPU as on every CPU path, and give the same bits:
 *   vd_max(a, b) / vd_min(a, b) return b when either is NaN (x86 maxpd/minpd:
 *   a comparison and a select, never CUDA's fmax/fmin, which drop the NaN);
 *   vd_round is round-to-nearest-even by the 1.5*2^52 shifter;
 *   vd_pow2(k) builds 2^k from the bits of k + 1.5*2^52 (k integral, in
 *   [-1022, 1023]); vd_frac(a) = a - floor(a) (exact) and
 *   vd_scale2_floor(p, a) = p * 2^floor(a), the same bit construction.
 * This holds because CUDA's double add, sub, mul, div and fma are IEEE
 * round-to-nearest-even (subnormals included, whatever -ftz says: it only
 * touches float), floor is exact, and the kernels are built with
 * -fmad=false (no multiply-add we did not write, like the CPU's
 * -ffp-contract=off) and without fast math. Only NaN payloads may differ
 * (the GPU returns its canonical NaN where x86 propagates an operand's).
 *
 * Included by the CUDA kernels before f32_math.h; everything here is
 * __host__ __device__ so that the host can compute the kernels' constants.
 * Without nvcc the header is plain C (static inline), which is how
 * tests/test_cuda_host.c checks it against the CPU library in any build.
 */
#ifndef GOLU_VEC_CUDA_H
#define GOLU_VEC_CUDA_H

#include <stdint.h>
#include <string.h>

#if defined(__CUDACC__)
#define VFN static __host__ __device__ __forceinline__
#else
#include <math.h>
#define VFN static inline
#endif

#define VD_LANES 1

typedef double vd;
typedef int vm; /* a lane mask */

VFN vd vd_set1(double v) { return v; }
VFN vd vd_add(vd a, vd b) { return a + b; }
VFN vd vd_sub(vd a, vd b) { return a - b; }
VFN vd vd_mul(vd a, vd b) { return a * b; }
VFN vd vd_div(vd a, vd b) { return a / b; }
VFN vd vd_fma(vd a, vd b, vd c) { return fma(a, b, c); }
VFN vd vd_abs(vd a) { return fabs(a); }
VFN vd vd_max(vd a, vd b) { return a > b ? a : b; }
VFN vd vd_min(vd a, vd b) { return a < b ? a : b; }

VFN uint64_t vd_bits(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

VFN double vd_from_bits(uint64_t u)
{
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

#define VD_SHIFTER 0x1.8p52
VFN vd vd_round(vd a) { return (a + VD_SHIFTER) - VD_SHIFTER; }
VFN vd vd_pow2(vd k)
{
    uint64_t u = vd_bits(k + VD_SHIFTER);
    return vd_from_bits((u << 52) + ((uint64_t)1023 << 52));
}
VFN vd vd_scale2(vd p, vd k) { return p * vd_pow2(k); }
/* a - floor(a), exact; and p * 2^floor(a) (a in [-1022, 1023]). */
VFN vd vd_frac(vd a) { return a - floor(a); }
VFN vd vd_scale2_floor(vd p, vd a) { return p * vd_pow2(floor(a)); }

VFN vm vd_gt(vd a, vd b) { return a > b; }
VFN vm vd_ge(vd a, vd b) { return a >= b; }
VFN vm vd_isnan(vd a) { return a != a; }
/* m ? a : b */
VFN vd vd_select(vm m, vd a, vd b) { return m ? a : b; }

#endif
