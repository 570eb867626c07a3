/*
 * bench.h - what `golu bench` on the CPU (cmd_bench.c) and on a GPU
 * (cmd_bench_gpu.c, built with GOLU_HAVE_CUDA) share: the options, the
 * inputs, the timing scheme and the rows of the table.
 */
#ifndef GOLU_BENCH_H
#define GOLU_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "golu.h"

#define BENCH_MAX_LIST 32

enum { BENCH_FWD = 0, BENCH_BWD = 1 };
extern const char *const bench_dir_names[2]; /* "fwd", "bwd" */

/* Input distributions of x; dy is always BENCH_NORMAL. */
enum { BENCH_NORMAL = 0, BENCH_U6 = 1, BENCH_U46 = 2, BENCH_DIST_COUNT = 3 };
extern const char *const bench_dist_names[BENCH_DIST_COUNT];

/* Fixed seeds: x from seed BENCH_SEED_X + dist, dy from BENCH_SEED_DY. */
#define BENCH_SEED_X  0x5eed0001ULL
#define BENCH_SEED_DY 0x5eed0002ULL

typedef struct bench_options {
    golu_act acts[GOLU_ACT_COUNT * 2];
    int n_acts;
    int dirs[2];
    int n_dirs;
    golu_dtype dtypes[BENCH_MAX_LIST];
    int n_dtypes;
    size_t sizes[BENCH_MAX_LIST];
    int n_sizes;
    int threads[BENCH_MAX_LIST]; /* CPU only */
    int n_threads;
    int dists[BENCH_MAX_LIST];
    int n_dists;
    golu_isa isa; /* CPU only */
    double min_time;
    int json;
    int gpu;    /* --gpu */
    int device; /* --device, with --gpu */
} bench_options;

/*
 * Fills n elements of dtype with draws from dist (a fixed seed), on all
 * CPUs for large n. Element i is a function of (dist, seed, i) only, so
 * every run, thread count and machine gets the same inputs.
 */
void bench_fill(golu_dtype dtype, void *buf, size_t n, int dist, uint64_t seed);

/*
 * Runs `calls` calls of the thing timed and stores the seconds they took in
 * *seconds (wall clock on the CPU, CUDA events on a GPU). Returns 0, or
 * nonzero when a call failed (measuring stops).
 */
typedef int (*bench_batch_fn)(void *arg, long calls, double *seconds);

/*
 * The timing scheme of every row and baseline: one untimed call (page
 * faults, thread start-up, module loading), warm-up of at least 2 calls and
 * min_time/10 s, then batches of about min_time/20 s until min_time has
 * passed (at least 3 batches). *seconds = the median over batches of the
 * time per call. Returns fn's nonzero result if a batch failed.
 */
int bench_measure(bench_batch_fn fn, void *arg, double min_time, double *seconds);

/* One row of the table; the baseline moves the same bytes. */
typedef struct bench_row {
    const char *act, *dir, *dtype, *dist;
    size_t n;
    int threads;                    /* CPU rows; not printed for the GPU */
    double seconds, memcpy_seconds; /* per call */
    size_t bytes;                   /* moved by one call */
} bench_row;

/* The table's column header (text) or nothing (JSON). */
void bench_print_header(const bench_options *o);
/* A row as text or as a JSON object (`first`: no comma before it). */
void bench_print_row(const bench_options *o, const bench_row *r, int first);

/* 1-minute load average, or -1 if unknown. */
double bench_load_average(void);

#ifdef GOLU_HAVE_CUDA
/* The GPU benchmark (cmd_bench_gpu.c): the exit status. */
int bench_gpu(const bench_options *o);
#endif

#endif
