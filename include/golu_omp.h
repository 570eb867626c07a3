/*
 * golu_omp.h - libgolu_omp: a runner (golu_ctx_set_runner) that runs a
 * context's splits on the OpenMP runtime's threads.
 *
 * For programs whose own parallel work is OpenMP (PyTorch on Linux, many
 * inference engines): libgolu's parts then run on the team the program's
 * OpenMP regions use, instead of on libgolu's workers beside them, so no
 * core is held by a thread spinning after the last region while another
 * waits for it. It pays only when libgolu_omp and the program share one
 * OpenMP runtime (here libgomp.so.1, GCC's); with another runtime in the
 * process (a vendored or Intel libgomp) the two teams compete again.
 *
 *   golu_ctx_set_runner(ctx, golu_omp_runner, NULL);
 *
 * The parts run as one `omp parallel for` of golu_ctx_threads(ctx) threads
 * at most, one part per thread (a team smaller than that, from
 * OMP_THREAD_LIMIT or a nested region, runs several parts per thread). The
 * runner_arg is unused. Link with -lgolu_omp (libgolu_omp.so, built beside
 * libgolu.so when the compiler has OpenMP).
 */
#ifndef GOLU_OMP_H
#define GOLU_OMP_H

#include "golu.h"

#ifdef __cplusplus
extern "C" {
#endif

GOLU_API void golu_omp_runner(void *runner_arg, size_t parts, golu_task_fn task,
                              void *task_arg);

#ifdef __cplusplus
}
#endif

#endif /* GOLU_OMP_H */
