/* isa_scalar.c - the float32 kernels for the portable path: the vocabulary of
 * vec_scalar.h applied to the kernels of f32_body.h. */
#include "vec_scalar.h"

#define VD_ISA_ENUM     GOLU_ISA_SCALAR
#define CVT_BF16_TO_F32 golu_bf16_to_f32_n
#define CVT_F16_TO_F32  golu_f16_to_f32_n
#define CVT_F32_TO_BF16 golu_f32_to_bf16_n
#define CVT_F32_TO_F16  golu_f32_to_f16_n
#include "f32_body.h"
