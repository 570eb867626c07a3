/*
 * omp_runner.c - golu_omp_runner (golu_omp.h): a context's parts as one
 * OpenMP parallel loop, so that they run on the OpenMP team the rest of the
 * program uses.
 */
#include "golu_omp.h"

void golu_omp_runner(void *runner_arg, size_t parts, golu_task_fn task, void *task_arg)
{
    (void)runner_arg;
    if (parts == 0)
        return;
    /* libgolu asks for at most 256 parts (golu.h): an int team, one part each. */
    int n = (int)parts;
#pragma omp parallel for num_threads(n) schedule(static, 1)
    for (int k = 0; k < n; k++)
        task(task_arg, (size_t)k);
}
