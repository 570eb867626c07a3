/*
 * ulp.h - what `golu ulp` on the CPU (cmd_ulp.c) and on a GPU
 * (cmd_ulp_gpu.c, built with GOLU_HAVE_CUDA) share: the options, the
 * inputs of a sweep, the measurement of results against the oracle and the
 * statistics (ulp_measure.c). Whoever computes the results, the same inputs
 * are measured by the same code into the same statistics, so a GPU sweep
 * and a CPU sweep print the same numbers for the same bits.
 */
#ifndef GOLU_TOOL_ULP_H
#define GOLU_TOOL_ULP_H

#include <stddef.h>
#include <stdint.h>

#include "golu.h"
#include "../../src/ref/reference.h" /* not on the include path */

#define ULP_EXAMPLES 5 /* differing inputs shown by --identical-to */

typedef struct ulp_opts {
    golu_act act;
    golu_dir dir;
    golu_dtype dtype;
    golu_isa isa;
    int identical; /* --identical-to given */
    golu_isa isa2; /* its path (with --gpu: the CPU library's path) */
    int threads;
    int have_range;
    double lo, hi;
    uint64_t samples;
    uint64_t seed;
    int have_max;
    double max_ulp;
    int json;
    int gpu;    /* --gpu: the results come from golu_cuda_* */
    int device; /* --device */
} ulp_opts;

/* ------------------------------------------------------------------------ */
/* Statistics                                                                */
/* ------------------------------------------------------------------------ */

/* Inputs and outputs of every dtype are exact as doubles. */
typedef struct ulp_example {
    uint64_t index;
    double x, got, got2;
} ulp_example;

typedef struct ulp_stats {
    uint64_t checked;
    double max_err; /* -1 before the first input */
    uint64_t max_index;
    double max_x, max_got;
    long double max_ref;
    uint64_t over_half, over_one, nan_mismatch;
    uint64_t n_diff;
    int n_examples;
    ulp_example examples[ULP_EXAMPLES];
    golu_status status; /* first failing kernel call */
} ulp_stats;

void ulp_stats_init(ulp_stats *s);
/* Folds b into a; ties in the maximum go to the smaller index, so the
 * result does not depend on how the inputs were split among threads. */
void ulp_stats_merge(ulp_stats *a, const ulp_stats *b);

/* ------------------------------------------------------------------------ */
/* The CPU library                                                           */
/* ------------------------------------------------------------------------ */

/* A context on `isa` (GOLU_ISA_AUTO: the default path) with one thread. */
golu_status ulp_make_ctx(golu_isa isa, golu_ctx **out);
/* f(x) or, for GOLU_DIR_BWD, 1 * f'(x) (ones holds n ones of the dtype). */
golu_status ulp_run_kernel(const golu_ctx *ctx, const ulp_opts *o, const void *x,
                           const void *ones, void *y, size_t n);

/* ------------------------------------------------------------------------ */
/* Inputs and measurement                                                    */
/* ------------------------------------------------------------------------ */

/*
 * ulp_measure_*: n results y of the inputs x, whose sweep indices are
 * begin, begin + 1, ..., against the oracle into s (s->checked included).
 * y2, when not NULL, are results of another path on the same inputs: every
 * difference in bits is counted (any NaN equals any NaN).
 */

/* float32: the bit patterns of a sweep, index i -> a pattern. */
typedef struct ulp_f32_space {
    int all;        /* every pattern: index = bits */
    int64_t key_lo; /* else index i is the pattern of key key_lo + i */
    uint64_t count;
} ulp_f32_space;

/* The patterns whose value lies in [lo, hi]; 0 if there are none. */
int ulp_f32_space_of_range(double lo, double hi, ulp_f32_space *sp);
/* x[i] = the input of index begin + i, i < n. */
void ulp_f32_inputs(const ulp_f32_space *sp, uint64_t begin, size_t n, float *x);
void ulp_measure_f32(const ulp_opts *o, const float *x, const float *y, const float *y2,
                     size_t n, uint64_t begin, ulp_stats *s);

/* float64: sample i, a function of (seed, i) only. */
double ulp_f64_sample(const ulp_opts *o, uint64_t i);
void ulp_measure_f64(const ulp_opts *o, const double *x, const double *y,
                     const double *y2, size_t n, uint64_t begin, ulp_stats *s);

/* bfloat16 and float16: every input whose value lies in --range (all 65536
 * without one), index i -> x[i]; ones[i] = 1. Returns the count. x and
 * ones hold 65536. */
size_t ulp_half_inputs(const ulp_opts *o, uint16_t *x, uint16_t *ones);
void ulp_measure_half(const ulp_opts *o, const uint16_t *x, const uint16_t *y,
                      const uint16_t *y2, size_t n, ulp_stats *s);

/* ------------------------------------------------------------------------ */
/* The GPU (cmd_ulp_gpu.c)                                                   */
/* ------------------------------------------------------------------------ */

#ifdef GOLU_HAVE_CUDA
/*
 * The sweep of o->dtype with the results of golu_cuda_forward/backward on
 * GPU o->device, measured on o->threads CPU threads into *s (a failing
 * kernel call in s->status). With o->identical, the CPU library on
 * o->isa2 computes the same inputs and the bits are compared. The GPU's
 * name goes into gpu_name. Returns 0, or the exit status after a message
 * (no GPU, a CUDA error).
 */
int ulp_gpu_sweep(const ulp_opts *o, const ulp_f32_space *space, ulp_stats *s,
                  char *gpu_name, size_t name_len);
#endif

#endif
