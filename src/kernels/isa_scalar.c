/* isa_scalar.c - the float32 kernels for the scalar path: the vocabulary of
 * vec_scalar.h applied to the kernels of f32_body.h. Compiled with this ISA's
 * flags only (see the Makefile). */
#include "vec_scalar.h"

#define VD_ISA_ENUM GOLU_ISA_SCALAR
#include "f32_body.h"
