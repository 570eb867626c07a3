/*
 * ulp_sweep.h - the ulp sweep: how far the shipped kernels are from the
 * oracles of reference.h, over every input of a format (float32 bit
 * patterns, all 65536 bfloat16 or float16 inputs) or random float64
 * samples.
 *
 *   ulp_stats.c    the statistics of a sweep and their merge, which does
 *                  not depend on how the inputs were split among threads
 *   ulp_inputs.c   the inputs: float32 spaces of bit patterns, float64
 *                  samples (a function of the seed and the index only), the
 *                  16-bit inputs
 *   ulp_measure.c  results against the oracle, into the statistics
 *   ulp_sweep.c    the CPU library's sweeps on worker threads
 *
 * Whoever computes the results (the CPU library here, a GPU in the golu
 * tool), the same inputs are measured by the same code into the same
 * statistics, so the same bits give the same numbers. Nothing here prints.
 */
#ifndef GOLU_ULP_SWEEP_H
#define GOLU_ULP_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include "golu.h"
#include "reference.h"

#define ULP_EXAMPLES 5 /* differing inputs kept (the smallest indices) */

/* What to sweep. */
typedef struct ulp_sweep_opts {
    golu_act act;
    golu_dir dir;
    golu_dtype dtype;
    golu_isa isa;  /* the CPU path measured (GOLU_ISA_AUTO: the default) */
    int identical; /* also compare the bits of another path ... */
    golu_isa isa2; /* ... this one */
    int threads;   /* worker threads of the f32 and f64 sweeps, >= 1 */
    int have_range;
    double lo, hi;    /* with have_range: only inputs in [lo, hi] */
    uint64_t samples; /* f64 */
    uint64_t seed;    /* f64 */
    int near_zero;    /* f64: half the samples around zero, the zero of f' */
    double zero;      /* (golu_ref_deriv_zero) */
} ulp_sweep_opts;

/* ------------------------------------------------------------------------ */
/* Statistics (ulp_stats.c)                                                  */
/* ------------------------------------------------------------------------ */

/* Inputs and outputs of every dtype are exact as doubles. */
typedef struct ulp_example {
    uint64_t index;
    double x, got, got2;
} ulp_example;

/* The strict measure of a backward sweep: ulps of f'(x) itself (of the
 * exact dy * f'(x)), no scale. Forward sweeps fill it with the same errors. */
typedef struct ulp_strict {
    double max_err; /* -1 before the first input */
    uint64_t max_index;
    double max_x, max_got;
    long double max_ref;
    uint64_t over_half, over_one;
} ulp_strict;

typedef struct ulp_stats {
    uint64_t checked;
    /* the relaxed measure (backward: ulps of max(|f'|, scale)) */
    double max_err; /* -1 before the first input */
    uint64_t max_index;
    double max_x, max_got;
    long double max_ref;
    uint64_t over_half, over_one, nan_mismatch;
    ulp_strict strict;
    uint64_t n_diff;
    int n_examples;
    ulp_example examples[ULP_EXAMPLES];
    golu_status status; /* first failing kernel call */
} ulp_stats;

/* No inputs yet: counts 0, max_err -1, status GOLU_OK. */
void ulp_stats_init(ulp_stats *s);
/* Records the error err of input `index` (x, the result got, the oracle's
 * ref); the caller counts the input in s->checked. Ties in the maximum go
 * to the smaller index. */
void ulp_stats_add(ulp_stats *s, double err, uint64_t index, double x, double got,
                   long double ref);
/* Records the strict error err of input `index` (ulps of the result itself,
 * no scale) into s->strict; ties in the maximum go to the smaller index. */
void ulp_stats_add_strict(ulp_stats *s, double err, uint64_t index, double x, double got,
                          long double ref);
/* Records that input `index` gave got on one path and got2 on the other;
 * the first ULP_EXAMPLES are kept (inputs come in increasing index order
 * within one worker). */
void ulp_stats_diff(ulp_stats *s, uint64_t index, double x, double got, double got2);
/* Folds b into a: sums, the larger maximum (ties to the smaller index), the
 * ULP_EXAMPLES smallest indices of both, a's failure or else b's. Apart
 * from which of several failures is kept, the result does not depend on how
 * the inputs were split among threads, nor on the order of the merges. */
void ulp_stats_merge(ulp_stats *a, const ulp_stats *b);

/* ------------------------------------------------------------------------ */
/* Inputs (ulp_inputs.c)                                                     */
/* ------------------------------------------------------------------------ */

/* float32: the bit patterns of a sweep, index i -> a pattern. */
typedef struct ulp_f32_space {
    int all;        /* every pattern: index = bits */
    int64_t key_lo; /* else index i is the pattern of key key_lo + i */
    uint64_t count;
} ulp_f32_space;

/* Every one of the 2^32 patterns. */
ulp_f32_space ulp_f32_space_all(void);
/* The patterns whose value lies in [lo, hi], in increasing order of value
 * (-0 before +0); 0 if there are none, else 1. */
int ulp_f32_space_of_range(double lo, double hi, ulp_f32_space *sp);
/* x[i] = the input of index begin + i, i < n. */
void ulp_f32_inputs(const ulp_f32_space *sp, uint64_t begin, size_t n, float *x);

/* float64: sample i, a function of (o->seed, i) only: without a range the
 * special values (0, +-inf, NaN, extremes, GoLU's hard points) first, then
 * log-uniform over every exponent (40 %), uniform in the hard region
 * [-6.62, -1] (30 %) and in [-40, 40] (30 %); with one, uniform in it.
 * With o->near_zero (no range), half of the samples after the specials are
 * instead o->zero (1 + s 2^-e (1 + u)), s a random sign, e uniform in
 * [2, 62], u uniform in [0, 1): concentrated at the zero of f' down to the
 * doubles next to it. */
double ulp_f64_sample(const ulp_sweep_opts *o, uint64_t i);

/* The value of a bfloat16 or float16 (dtype) bit pattern h, exactly. */
float ulp_half_value(golu_dtype dtype, uint16_t h);
/* bfloat16 and float16: every input whose value lies in the range (all
 * 65536 without one), index i -> x[i]; ones[i] = 1. Returns the count.
 * x and ones hold 65536. */
size_t ulp_half_inputs(const ulp_sweep_opts *o, uint16_t *x, uint16_t *ones);

/* ------------------------------------------------------------------------ */
/* Measurement (ulp_measure.c)                                               */
/* ------------------------------------------------------------------------ */

/*
 * ulp_measure_*: n results y of the inputs x, whose sweep indices are
 * begin, begin + 1, ..., against the oracle into s (s->checked included).
 * y2, when not NULL, are results of another path on the same inputs: every
 * difference in bits is counted (any NaN equals any NaN). Backward errors
 * are in ulps of max(|f'|, golu_ref_bwd_scale_*) (s's relaxed measure) and
 * in ulps of f' itself (s->strict).
 */
void ulp_measure_f32(const ulp_sweep_opts *o, const float *x, const float *y,
                     const float *y2, size_t n, uint64_t begin, ulp_stats *s);
void ulp_measure_f64(const ulp_sweep_opts *o, const double *x, const double *y,
                     const double *y2, size_t n, uint64_t begin, ulp_stats *s);
/* The 16-bit inputs are numbered from 0 (begin is 0). */
void ulp_measure_half(const ulp_sweep_opts *o, const uint16_t *x, const uint16_t *y,
                      const uint16_t *y2, size_t n, ulp_stats *s);

/* ------------------------------------------------------------------------ */
/* The CPU library's sweeps (ulp_sweep.c)                                    */
/* ------------------------------------------------------------------------ */

/* A context on `isa` (GOLU_ISA_AUTO: the default path) with one thread;
 * *out NULL on failure. */
golu_status ulp_ctx_make(golu_isa isa, golu_ctx **out);
/* f(x) or, for GOLU_DIR_BWD, 1 * f'(x) (ones holds n ones of the dtype). */
golu_status ulp_kernel_run(const golu_ctx *ctx, const ulp_sweep_opts *o, const void *x,
                           const void *ones, void *y, size_t n);

/*
 * The sweep of o->dtype on the CPU library (o->isa; with o->identical also
 * o->isa2, bits compared) into *s, which it initialises: float32 over the
 * patterns of `space` and float64 over o->samples samples, both on
 * o->threads workers, each with its own one-thread context, taking blocks
 * of inputs from a shared counter (the statistics do not depend on the
 * split); bfloat16 and float16 over ulp_half_inputs on the calling thread.
 * A failing kernel call or allocation stops the sweep and lands in
 * s->status. `space` is read for float32 only.
 */
void ulp_sweep_run(const ulp_sweep_opts *o, const ulp_f32_space *space, ulp_stats *s);

#endif
