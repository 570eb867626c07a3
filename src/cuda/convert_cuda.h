/*
 * convert_cuda.h - bfloat16 and float16 to and from float32 on the GPU:
 * dtype.c's integer recipes line for line, so the GPU stores the CPU's bits
 * (the one float addition, in the float16 subnormal case, is IEEE on the
 * GPU: the kernels are built with -ftz=false). Plain C without nvcc, which
 * is how tests/test_cuda_host.c checks them against dtype.c in any build.
 */
#ifndef GOLU_CONVERT_CUDA_H
#define GOLU_CONVERT_CUDA_H

#include <stdint.h>
#include <string.h>

#if defined(__CUDACC__)
#define CFN static __host__ __device__ __forceinline__
#else
#define CFN static inline
#endif

CFN uint32_t cu_f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

CFN float cu_f32_from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* golu_bf16_to_f32 */
CFN float cu_bf16_to_f32(uint16_t h) { return cu_f32_from_bits((uint32_t)h << 16); }

/* golu_f32_to_bf16: nearest even; NaN keeps its sign and top payload, quiet */
CFN uint16_t cu_f32_to_bf16(float f)
{
    uint32_t u = cu_f32_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((u >> 16) | 0x0040u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}

/* golu_f16_to_f32: exact; NaN made quiet */
CFN float cu_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    if (exp == 0x1f)
        return cu_f32_from_bits(sign | 0x7f800000u | (man << 13) | (man ? 0x400000u : 0u));
    if (exp == 0) {
        float v = (float)man * 0x1p-24f;
        return sign ? -v : v;
    }
    return cu_f32_from_bits(sign | ((exp + 112u) << 23) | (man << 13));
}

/* golu_f32_to_f16: nearest even, overflow to inf, subnormals kept */
CFN uint16_t cu_f32_to_f16(float f)
{
    uint32_t u = cu_f32_bits(f);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000u);
    uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u)
        return (uint16_t)(sign | 0x7e00u | ((a >> 13) & 0x3ffu));
    if (a >= 0x477ff000u)
        return (uint16_t)(sign | 0x7c00u);
    if (a < 0x38800000u) {
        float v = cu_f32_from_bits(a) + 0.5f; /* rounds a * 2^24 to an integer */
        return (uint16_t)(sign | (uint16_t)(cu_f32_bits(v) - 0x3f000000u));
    }
    uint32_t r = a + 0x0fffu + ((a >> 13) & 1u) - (112u << 23);
    return (uint16_t)(sign | (uint16_t)(r >> 13));
}

#endif
