/*
 * blas_setup.h - OpenBLAS set up for the training commands.
 */
#ifndef GOLU_BLAS_SETUP_H
#define GOLU_BLAS_SETUP_H

/*
 * Debian's OpenBLAS 0.3.21 does not know recent Xeons and falls back to its
 * slowest kernels ("Prescott", about 5x slower matrix products). It reads
 * OPENBLAS_CORETYPE only when it loads, so when that is unset and the CPU
 * has AVX-512, this sets it and re-executes the program (once; the caller's
 * own setting always wins). Call first thing in main().
 */
void blas_fix_coretype(int argc, char **argv);
/* Threads for the matrix products (0: all CPUs). */
void blas_setup(int threads);
/* OpenBLAS's name for the kernels it uses ("SkylakeX", "Cooperlake"). */
const char *blas_corename(void);

#endif
