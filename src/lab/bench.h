/*
 * bench.h - the benchmark harness of `golu bench` (CPU and GPU): the
 * timing scheme, the inputs, the memcpy baseline, the machine's load.
 *
 *   bench.c         lab_bench_measure (the timing scheme), wall-clock
 *                   batches of CPU calls, aligned buffers, the load average
 *   bench_fill.c    lab_bench_fill: inputs from fixed seeds, the same on
 *                   every run, thread count and machine
 *   bench_memcpy.c  lab_bench_memcpy: the baseline, memcpy on T threads
 *
 * Nothing here prints: failures come back as a status and an nn_err.
 */
#ifndef LAB_BENCH_H
#define LAB_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "golu.h"

/* ------------------------------------------------------------------------ */
/* Timing (bench.c)                                                          */
/* ------------------------------------------------------------------------ */

/*
 * Runs `calls` calls of the thing timed and stores the seconds they took in
 * *seconds (wall clock on the CPU, CUDA events on a GPU). Returns 0, or
 * nonzero when a call failed (measuring stops).
 */
typedef int (*lab_batch_fn)(void *arg, long calls, double *seconds);

/*
 * The timing scheme of every row and baseline: one untimed call (page
 * faults, thread start-up, module loading), warm-up of at least 2 calls and
 * min_time/10 s, then batches of about min_time/20 s until min_time has
 * passed (at least 3 batches, at most 1000). *seconds = the median over
 * batches of the time per call. Returns fn's nonzero result if a batch
 * failed.
 */
int lab_bench_measure(lab_batch_fn fn, void *arg, double min_time, double *seconds);

/* One call of a thing timed on the CPU; returns 0, or nonzero to stop. */
typedef int (*lab_call_fn)(void *arg);

/* lab_bench_measure of fn(arg) timed by the wall clock (CLOCK_MONOTONIC)
 * around batches of calls. Returns fn's nonzero result if a call failed. */
int lab_bench_measure_calls(lab_call_fn fn, void *arg, double min_time, double *seconds);

/* Seconds on the monotonic clock. */
double lab_bench_now(void);

/* bytes (0 allowed) rounded up to 64, 64-byte aligned and zeroed, so pages
 * are faulted in before any timing; NULL when out of memory. free() it. */
void *lab_bench_alloc(size_t bytes);

/* The 1-minute load average (/proc/loadavg), or -1 if unknown. Above the
 * CPU count, other processes compete with a benchmark and its timings are
 * noisy. */
double lab_bench_load_average(void);

/* ------------------------------------------------------------------------ */
/* Inputs (bench_fill.c)                                                     */
/* ------------------------------------------------------------------------ */

/* Input distributions of x; dy is always LAB_DIST_NORMAL. */
enum { LAB_DIST_NORMAL = 0, LAB_DIST_U6 = 1, LAB_DIST_U46 = 2, LAB_DIST_COUNT = 3 };
/* "normal" (N(0,1)), "u6" (uniform on (-6, 6]), "u46" (uniform on (-4, 6]) */
extern const char *const lab_dist_names[LAB_DIST_COUNT];

/* Fixed seeds: x from seed LAB_SEED_X + dist, dy from LAB_SEED_DY. */
#define LAB_SEED_X  0x5eed0001ULL
#define LAB_SEED_DY 0x5eed0002ULL

/*
 * Fills n elements of dtype (f32, f64, bf16, f16; a 16-bit element is the
 * float rounded to nearest even) with draws from dist and seed, cut into
 * `parts` contiguous parts run on as many threads (nn_fork_run; parts < 1
 * counts as 1). Element i is a function of (dist, seed, i) only: draw k of
 * splitmix64 from state seed (nn_rng_splitmix64) with k = i for the
 * uniforms and k = 2i, 2i + 1 for the normal (Box-Muller, one value per
 * pair), each draw a uniform on (0, 1] from its top 53 bits.
 */
void lab_bench_fill_parts(golu_dtype dtype, void *buf, size_t n, int dist, uint64_t seed,
                          int parts);

/* lab_bench_fill_parts with one part below 2^20 elements and one per CPU
 * (at most 256) above: a 2^28-element array takes seconds on one. */
void lab_bench_fill(golu_dtype dtype, void *buf, size_t n, int dist, uint64_t seed);

/* ------------------------------------------------------------------------ */
/* The memcpy baseline (bench_memcpy.c)                                      */
/* ------------------------------------------------------------------------ */

/*
 * *seconds = lab_bench_measure's median time of one memcpy of `bytes` bytes
 * (bytes >= 1) on `threads` threads: the bytes cut into `threads`
 * contiguous parts, each a multiple of 64 bytes long, one per thread; the
 * threads are started before the timing (a pool) and the calling thread
 * copies part 0. Returns 0, or -1 with err filled (memory, threads).
 */
int lab_bench_memcpy(size_t bytes, int threads, double min_time, double *seconds,
                     nn_err *err);

#endif
