/* isa_avx2.c - the float32 kernels for the avx2 path: the vocabulary of
 * vec_avx2.h applied to the kernels of f32_body.h. Compiled with this ISA's
 * flags only (see the Makefile). */
#include "vec_avx2.h"

#define VD_ISA_ENUM GOLU_ISA_AVX2
#include "f32_body.h"
