/*
 * ulp_sweep.c - the CPU library's sweeps (ulp_sweep.h).
 *
 *   f32       the patterns of a space, through golu_forward / golu_backward
 *             (dy = 1) in blocks of 64Ki; worker threads take blocks from a
 *             shared counter, each with its own golu_ctx forced to the ISA,
 *             threads = 1.
 *   f64       o->samples samples in blocks of 4096 likewise; sample i
 *             depends only on the seed and i, so the thread count never
 *             changes the inputs.
 *   bf16, f16 every input (or those in the range) in one call, on the
 *             calling thread.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "fork.h"
#include "ulp_sweep.h"

#define BLOCK_F32 ((size_t)1 << 16) /* inputs per kernel call (f32) */
#define BLOCK_F64 ((size_t)4096)    /* inputs per kernel call (f64) */

golu_status ulp_ctx_make(golu_isa isa, golu_ctx **out)
{
    golu_ctx *ctx;
    golu_status st = golu_ctx_create(&ctx);
    if (st == GOLU_OK)
        st = golu_ctx_set_threads(ctx, 1);
    if (st == GOLU_OK && isa != GOLU_ISA_AUTO)
        st = golu_ctx_set_isa(ctx, isa);
    if (st != GOLU_OK && st != GOLU_ERR_NO_MEMORY)
        golu_ctx_destroy(ctx);
    *out = st == GOLU_OK ? ctx : NULL;
    return st;
}

golu_status ulp_kernel_run(const golu_ctx *ctx, const ulp_sweep_opts *o, const void *x,
                           const void *ones, void *y, size_t n)
{
    if (o->dir == GOLU_DIR_FWD)
        return golu_forward(ctx, &o->act, o->dtype, x, y, n);
    return golu_backward(ctx, &o->act, o->dtype, x, ones, y, n);
}

/* ------------------------------------------------------------------------ */
/* float32 and float64 on worker threads                                     */
/* ------------------------------------------------------------------------ */

typedef struct sweep_job {
    const ulp_sweep_opts *o;
    ulp_f32_space space;
    uint64_t count; /* inputs in all */
    atomic_uint_fast64_t next_block;
} sweep_job;

typedef struct sweep_worker {
    sweep_job *job;
    ulp_stats stats;
} sweep_worker;

/* The next block [*begin, *begin + n) of the job; 0 when none is left. */
static size_t next_block(sweep_job *job, size_t block, uint64_t *begin)
{
    *begin = atomic_fetch_add(&job->next_block, 1) * block;
    if (*begin >= job->count)
        return 0;
    return (size_t)(job->count - *begin < block ? job->count - *begin : block);
}

/* The worker's contexts on o->isa and, with o->identical, o->isa2. */
static golu_status worker_ctxs(const ulp_sweep_opts *o, golu_ctx **ctx, golu_ctx **ctx2)
{
    golu_status st = ulp_ctx_make(o->isa, ctx);
    if (st == GOLU_OK && o->identical)
        st = ulp_ctx_make(o->isa2, ctx2);
    return st;
}

/* A worker of the float32 sweep (nn_fork_fn). */
static void *f32_worker(void *arg)
{
    sweep_worker *w = arg;
    sweep_job *job = w->job;
    const ulp_sweep_opts *o = job->o;
    ulp_stats *s = &w->stats;
    golu_ctx *ctx = NULL, *ctx2 = NULL;
    float *buf = malloc(4 * BLOCK_F32 * sizeof(float));
    if (!buf) {
        s->status = GOLU_ERR_NO_MEMORY;
        return NULL;
    }
    float *x = buf, *y = buf + BLOCK_F32, *y2 = buf + 2 * BLOCK_F32;
    float *ones = buf + 3 * BLOCK_F32;
    for (size_t i = 0; i < BLOCK_F32; i++)
        ones[i] = 1.0f;
    s->status = worker_ctxs(o, &ctx, &ctx2);
    uint64_t begin;
    size_t n;
    while (s->status == GOLU_OK && (n = next_block(job, BLOCK_F32, &begin)) > 0) {
        ulp_f32_inputs(&job->space, begin, n, x);
        s->status = ulp_kernel_run(ctx, o, x, ones, y, n);
        if (s->status == GOLU_OK && ctx2)
            s->status = ulp_kernel_run(ctx2, o, x, ones, y2, n);
        if (s->status != GOLU_OK)
            break;
        ulp_measure_f32(o, x, y, ctx2 ? y2 : NULL, n, begin, s);
    }
    golu_ctx_destroy(ctx);
    golu_ctx_destroy(ctx2);
    free(buf);
    return NULL;
}

/* A worker of the float64 sweep (nn_fork_fn). */
static void *f64_worker(void *arg)
{
    sweep_worker *w = arg;
    sweep_job *job = w->job;
    const ulp_sweep_opts *o = job->o;
    ulp_stats *s = &w->stats;
    golu_ctx *ctx = NULL, *ctx2 = NULL;
    double *buf = malloc(4 * BLOCK_F64 * sizeof(double));
    if (!buf) {
        s->status = GOLU_ERR_NO_MEMORY;
        return NULL;
    }
    double *x = buf, *y = buf + BLOCK_F64, *y2 = buf + 2 * BLOCK_F64;
    double *ones = buf + 3 * BLOCK_F64;
    for (size_t i = 0; i < BLOCK_F64; i++)
        ones[i] = 1.0;
    s->status = worker_ctxs(o, &ctx, &ctx2);
    uint64_t begin;
    size_t n;
    while (s->status == GOLU_OK && (n = next_block(job, BLOCK_F64, &begin)) > 0) {
        for (size_t i = 0; i < n; i++)
            x[i] = ulp_f64_sample(o, begin + i);
        s->status = ulp_kernel_run(ctx, o, x, ones, y, n);
        if (s->status == GOLU_OK && ctx2)
            s->status = ulp_kernel_run(ctx2, o, x, ones, y2, n);
        if (s->status != GOLU_OK)
            break;
        ulp_measure_f64(o, x, y, ctx2 ? y2 : NULL, n, begin, s);
    }
    golu_ctx_destroy(ctx);
    golu_ctx_destroy(ctx2);
    free(buf);
    return NULL;
}

/* Runs `fn` on o->threads workers and merges their statistics into *out. */
static void run_workers(sweep_job *job, nn_fork_fn fn, ulp_stats *out)
{
    int threads = job->o->threads < 1 ? 1 : job->o->threads;
    sweep_worker *w = calloc((size_t)threads, sizeof *w);
    if (!w) {
        out->status = GOLU_ERR_NO_MEMORY;
        return;
    }
    for (int t = 0; t < threads; t++) {
        w[t].job = job;
        ulp_stats_init(&w[t].stats);
    }
    nn_fork_run(threads, fn, w, sizeof *w);
    for (int t = 0; t < threads; t++)
        ulp_stats_merge(out, &w[t].stats);
    free(w);
}

/* ------------------------------------------------------------------------ */
/* bfloat16 and float16                                                      */
/* ------------------------------------------------------------------------ */

/* Every 16-bit input of the range in one call per path. */
static void sweep_half(const ulp_sweep_opts *o, ulp_stats *s)
{
    enum { N = 65536 };
    uint16_t *buf = malloc(4 * N * sizeof *buf);
    if (!buf) {
        s->status = GOLU_ERR_NO_MEMORY;
        return;
    }
    uint16_t *x = buf, *y = buf + N, *y2 = buf + 2 * N, *ones = buf + 3 * N;
    golu_ctx *ctx = NULL, *ctx2 = NULL;
    size_t n = ulp_half_inputs(o, x, ones);
    s->status = worker_ctxs(o, &ctx, &ctx2);
    if (s->status == GOLU_OK)
        s->status = ulp_kernel_run(ctx, o, x, ones, y, n);
    if (s->status == GOLU_OK && ctx2)
        s->status = ulp_kernel_run(ctx2, o, x, ones, y2, n);
    if (s->status == GOLU_OK)
        ulp_measure_half(o, x, y, ctx2 ? y2 : NULL, n, s);
    golu_ctx_destroy(ctx);
    golu_ctx_destroy(ctx2);
    free(buf);
}

/* ------------------------------------------------------------------------ */

void ulp_sweep_run(const ulp_sweep_opts *o, const ulp_f32_space *space, ulp_stats *s)
{
    ulp_stats_init(s);
    if (o->dtype == GOLU_BF16 || o->dtype == GOLU_F16) {
        sweep_half(o, s);
        return;
    }
    sweep_job job = {.o = o};
    if (o->dtype == GOLU_F32) {
        job.space = *space;
        job.count = space->count;
    } else {
        job.count = o->samples;
    }
    atomic_init(&job.next_block, 0);
    run_workers(&job, o->dtype == GOLU_F32 ? f32_worker : f64_worker, s);
}
