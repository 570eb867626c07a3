/*
 * omp_runner.c - golu_omp_runner (golu_omp.h): a context's parts as one
 * OpenMP parallel loop, so that they run on the OpenMP team the rest of the
 * program uses.
 */
#include <limits.h>

#include "golu_omp.h"

void golu_omp_runner(void *runner_arg, size_t parts, golu_task_fn task, void *task_arg)
{
    (void)runner_arg;
    if (parts == 0)
        return;
    /* num_threads is an int; libgolu asks for at most its context's count. */
    int team = parts > (size_t)INT_MAX ? INT_MAX : (int)parts;
    long n = parts > (size_t)LONG_MAX ? LONG_MAX : (long)parts;
#pragma omp parallel for num_threads(team) schedule(static, 1)
    for (long k = 0; k < n; k++)
        task(task_arg, (size_t)k);
}
