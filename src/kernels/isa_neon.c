/* isa_neon.c - the float32 kernels for the AArch64 Advanced SIMD path: the
 * vocabulary of vec_neon.h applied to the kernels of f32_body.h. The 16-bit
 * conversions are the portable ones. */
#include "vec_neon.h"

#define VD_ISA_ENUM     GOLU_ISA_NEON
#define CVT_BF16_TO_F32 golu_bf16_to_f32_n
#define CVT_F16_TO_F32  golu_f16_to_f32_n
#define CVT_F32_TO_BF16 golu_f32_to_bf16_n
#define CVT_F32_TO_F16  golu_f32_to_f16_n
#include "f32_body.h"
