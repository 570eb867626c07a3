/* isa_avx2_gather.c - the AVX2 + FMA path again, its exponentials' table
 * looked up with a gather (vec_avx2.h, VD_AVX2_GATHER) instead of permutes:
 * the same kernels and bits, faster where gathers are (cpu.c chooses). */
#define VD_AVX2_GATHER 1
#include "isa_avx2.c"
