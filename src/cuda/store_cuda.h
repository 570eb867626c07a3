/*
 * store_cuda.h - element storage on the GPU: how each dtype widens to double
 * and how a double result is stored, the same bits as the CPU library.
 *
 *   float32:  widen exactly; store (float)v, one rounding to nearest even.
 *   float64:  as is.
 *   bfloat16, float16: widen to float32 exactly, compute; store by rounding
 *             to float32 with round-to-odd, then to 16 bits (nearest even):
 *             one rounding of the double in effect, as api.c does.
 * The 16-bit conversions are the CPU's own (src/kernels/convert16.h).
 *
 * Each storage type also says how many elements one 16-byte load holds (V).
 */
#ifndef GOLU_STORE_CUDA_H
#define GOLU_STORE_CUDA_H

#include "convert16.h"

#define SFN static __device__ __forceinline__

/* ---------------------------------------------------------- storage types */

struct st_f32 {
    typedef float T;
    enum { V = 4 };
    SFN double load(T v) { return v; }
    SFN T store(double v) { return (float)v; }
};

struct st_f64 {
    typedef double T;
    enum { V = 2 };
    SFN double load(T v) { return v; }
    SFN T store(double v) { return v; }
};

struct st_bf16 {
    typedef uint16_t T;
    enum { V = 8 };
    SFN double load(T v) { return golu_cvt_bf16_to_f32(v); }
    SFN T store(double v) { return golu_cvt_f32_to_bf16(golu_cvt_f64_to_f32_odd(v)); }
};

struct st_f16 {
    typedef uint16_t T;
    enum { V = 8 };
    SFN double load(T v) { return golu_cvt_f16_to_f32(v); }
    SFN T store(double v) { return golu_cvt_f32_to_f16(golu_cvt_f64_to_f32_odd(v)); }
};

#endif
