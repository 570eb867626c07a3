/*
 * bench.h - what `golu bench` on the CPU (cmd_bench.c) and on a GPU
 * (cmd_bench_gpu.c, built with GOLU_HAVE_CUDA) share: the options and the
 * report (bench_report.c). The inputs, the timing scheme, the memcpy
 * baseline and the load average are the measurement library's
 * (src/lab/bench.h).
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

/* Parses the flags (bench_opts.c) into o, the defaults for the CPU or
 * (--gpu) the GPU filled in. Returns 0 to run, 1 after printing --help, 2
 * on bad usage (message printed). */
int bench_options_parse(int argc, char **argv, bench_options *o);

struct json_t;   /* jansson's (io/json_write.h) */
struct nn_table; /* io/table.h */

/*
 * The report of a run. As text, the column header and each row are printed
 * as soon as they are known (the machine's lines come first, from the
 * caller). With --json the rows are kept in a table (io/table.h) and the
 * whole document, {"machine": {...}, "rows": [{...}, ...]}, is printed by
 * bench_report_close after the last row; a run that fails prints none.
 */
typedef struct bench_report {
    const bench_options *o;
    struct json_t *machine; /* --json: the "machine" object */
    struct nn_table *rows;  /* --json: one row per measurement */
} bench_report;

/* Starts the report: the text's column header, or (--json) the table of
 * rows, keeping `machine` (this call takes its reference; NULL: out of
 * memory). Returns 0, or 1 after a message. */
int bench_report_open(bench_report *r, const bench_options *o, struct json_t *machine);
/* One measured row: printed (text), or kept (--json). 0, or 1 after a
 * message. */
int bench_report_row(bench_report *r, const bench_row *row);
/* Ends the report: with --json and status 0, prints the document. Frees
 * what the report holds. Returns status, or 1 when the document cannot be
 * written. */
int bench_report_close(bench_report *r, int status);

#ifdef GOLU_HAVE_CUDA
/* The GPU benchmark (cmd_bench_gpu.c): the exit status. */
int bench_gpu(const bench_options *o);
#endif

#endif
