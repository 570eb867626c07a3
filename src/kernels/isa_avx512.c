/* isa_avx512.c - the float32 kernels for the avx512 path: the vocabulary of
 * vec_avx512.h applied to the kernels of f32_body.h. Compiled with this ISA's
 * flags only (see the Makefile). */
#include "vec_avx512.h"

#define VD_ISA_ENUM GOLU_ISA_AVX512
#include "f32_body.h"
