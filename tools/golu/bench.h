/*
 * bench.h - what `golu bench` on the CPU (cmd_bench.c) and on a GPU
 * (cmd_bench_gpu.c, built with GOLU_HAVE_CUDA) share: the options and the
 * rows of the table. The inputs, the timing scheme, the memcpy baseline and
 * the load average are the measurement library's (src/lab/bench.h).
 */
#ifndef GOLU_BENCH_H
#define GOLU_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "golu.h"
#include "../../src/lab/bench.h" /* the library's, not this file */

#define BENCH_MAX_LIST 32

enum { BENCH_FWD = 0, BENCH_BWD = 1 };
extern const char *const bench_dir_names[2]; /* "fwd", "bwd" */

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
    int dists[BENCH_MAX_LIST]; /* LAB_DIST_* */
    int n_dists;
    golu_isa isa; /* CPU only */
    double min_time;
    int json;
    int gpu;    /* --gpu */
    int device; /* --device, with --gpu */
} bench_options;

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

#ifdef GOLU_HAVE_CUDA
/* The GPU benchmark (cmd_bench_gpu.c): the exit status. */
int bench_gpu(const bench_options *o);
#endif

#endif
