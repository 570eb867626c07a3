/*
 * blas_setup.c - OpenBLAS's kernel choice and threads (blas_setup.h).
 */
#include "blas_setup.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "golu.h"

void blas_fix_coretype(int argc, char **argv)
{
    (void)argc;
    if (getenv("OPENBLAS_CORETYPE") || getenv("GOLU_NO_REEXEC"))
        return;
    const char *core = openblas_get_corename();
    int generic = !core || strcmp(core, "Prescott") == 0 || strcmp(core, "Core2") == 0 ||
                  strcmp(core, "Nehalem") == 0;
    int avx512 = golu_isa_supported(GOLU_ISA_AVX512);
    if (!generic || (!avx512 && !golu_isa_supported(GOLU_ISA_AVX2)))
        return;
    setenv("OPENBLAS_CORETYPE", avx512 ? "SkylakeX" : "Haswell", 1);
    setenv("GOLU_NO_REEXEC", "1", 1); /* never loop */
    execv("/proc/self/exe", argv);
    /* exec failed: carry on with the slow kernels */
}

void blas_setup(int threads)
{
    if (threads > 0)
        openblas_set_num_threads(threads);
}

const char *blas_corename(void)
{
    const char *c = openblas_get_corename();
    return c ? c : "unknown";
}
