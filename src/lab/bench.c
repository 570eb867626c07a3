/*
 * bench.c - the timing scheme and its helpers (bench.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "stats.h"

#define MIN_BATCHES 3
#define MAX_BATCHES 1000

double lab_bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int lab_bench_measure(lab_batch_fn fn, void *arg, double min_time, double *seconds)
{
    double t;
    int rc = fn(arg, 1, &t); /* first call: page faults, thread start-up */
    if (rc)
        return rc;
    long calls = 0;
    double elapsed = 0;
    do {
        if ((rc = fn(arg, 1, &t)) != 0)
            return rc;
        calls++;
        elapsed += t;
    } while (calls < 2 || elapsed < min_time / 10);

    double per_call = elapsed / (double)calls, target = min_time / 20;
    long reps = per_call >= target ? 1 : (long)(target / per_call);
    double times[MAX_BATCHES];
    size_t nb = 0;
    double start = lab_bench_now();
    while (nb < MAX_BATCHES && (nb < MIN_BATCHES || lab_bench_now() - start < min_time)) {
        if ((rc = fn(arg, reps, &t)) != 0)
            return rc;
        times[nb++] = t / (double)reps;
    }
    *seconds = lab_median(times, nb);
    return 0;
}

/* A CPU call and its argument, for wall_batch. */
typedef struct wall_timed {
    lab_call_fn fn;
    void *arg;
} wall_timed;

/* lab_batch_fn of CPU calls: the wall-clock time of `calls` calls. */
static int wall_batch(void *arg, long calls, double *seconds)
{
    const wall_timed *c = arg;
    double t0 = lab_bench_now();
    for (long k = 0; k < calls; k++) {
        int rc = c->fn(c->arg);
        if (rc)
            return rc;
    }
    *seconds = lab_bench_now() - t0;
    return 0;
}

int lab_bench_measure_calls(lab_call_fn fn, void *arg, double min_time, double *seconds)
{
    wall_timed c = {fn, arg};
    return lab_bench_measure(wall_batch, &c, min_time, seconds);
}

void *lab_bench_alloc(size_t bytes)
{
    size_t rounded = (bytes + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, rounded ? rounded : 64);
    if (p)
        memset(p, 0, rounded);
    return p;
}

double lab_bench_load_average(void)
{
    double load = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &load) != 1)
            load = -1;
        fclose(f);
    }
    return load;
}
