/*
 * ulp.h - what `golu ulp` on the CPU (cmd_ulp.c) and on a GPU
 * (cmd_ulp_gpu.c, built with GOLU_HAVE_CUDA) share: the options
 * (ulp_opts.c), and the report of either (ulp_report.c). The sweep
 * itself (inputs, measurement against the oracle, statistics, the CPU
 * library's workers) is src/ref/ulp_sweep.h: whoever computes the results,
 * the same inputs are measured by the same code into the same statistics,
 * so a GPU sweep and a CPU sweep print the same numbers for the same bits.
 */
#ifndef GOLU_TOOL_ULP_H
#define GOLU_TOOL_ULP_H

#include <stddef.h>
#include <stdint.h>

#include "golu.h"
#include "../../src/ref/ulp_sweep.h" /* not on the include path */

typedef struct ulp_opts {
    ulp_sweep_opts sweep; /* what is swept (with --gpu: isa2 is the CPU
                             library's path of --identical-to) */
    int have_max;
    double max_ulp;
    int have_max_strict; /* --max-strict-ulp */
    double max_strict;
    int json;
    int gpu;    /* --gpu: the results come from golu_cuda_* */
    int device; /* --device */
} ulp_opts;

/* Parses the flags (ulp_opts.c) into o and checks the rules between them.
 * Returns 0 to run, 1 after printing --help, 2 on bad usage (message
 * printed). */
int ulp_options_parse(int argc, char **argv, ulp_opts *o);

/* Where the results came from and what they were compared with. */
typedef struct ulp_report {
    golu_isa isa;    /* the CPU path that computed them (CPU sweeps) */
    const char *gpu; /* --gpu: the GPU's name; else NULL */
    golu_isa isa2;   /* --identical-to: the path compared with, resolved */
    double secs;
    int pass;
} ulp_report;

/* The report for people, on stdout. */
void ulp_report_text(const ulp_opts *o, const ulp_report *r, const ulp_stats *s);

struct json_t; /* jansson's (io/json_write.h) */
/* The same numbers as one JSON object (--json): a new reference, or NULL
 * when out of memory. Reals are the values of the texts printf gives
 * (io/json_write.h): "%.17g", x_dec the dtype's digits, max_ulp_limit
 * "%.6g", seconds "%.2f"; max_ulp is null when infinite, and so is a
 * --range bound that is (JSON has no infinity). */
struct json_t *ulp_report_json(const ulp_opts *o, const ulp_report *r,
                               const ulp_stats *s);

#ifdef GOLU_HAVE_CUDA
/*
 * The sweep of o->sweep.dtype with the results of golu_cuda_forward/backward
 * on GPU o->device, measured on o->sweep.threads CPU threads into *s (a
 * failing kernel call in s->status). With o->sweep.identical, the CPU
 * library on o->sweep.isa2 computes the same inputs and the bits are
 * compared. The GPU's name goes into gpu_name. Returns 0, or the exit
 * status after a message (no GPU, a CUDA error).
 */
int ulp_gpu_sweep(const ulp_opts *o, const ulp_f32_space *space, ulp_stats *s,
                  char *gpu_name, size_t name_len);
#endif

#endif
