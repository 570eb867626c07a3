/*
 * cmd_ulp_gpu.c - `golu ulp --gpu`: the GPU's results measured against the
 * oracle with the CPU sweep's code (src/ref/ulp_sweep.h), so that the
 * statistics and the report are the CPU's. Built only with GOLU_HAVE_CUDA.
 *
 * float32 and float64: the main thread drives the GPU in blocks (2^26
 * float32 inputs, 2^22 float64 samples): it writes a block's inputs into
 * pinned host memory, copies them to the device, calls golu_cuda_forward
 * or golu_cuda_backward (dy = 1) and copies the results back. Meanwhile
 * --threads CPU threads measure the previous block, 64Ki inputs at a time
 * (the oracle costs far more than the GPU: it sets the pace), and for
 * --identical-to run the CPU library on the same piece (a one-thread
 * context on that path each, as the CPU sweep does) and compare the bits.
 * Two host slots alternate: the GPU fills one while the threads read the
 * other. The threads wait for each other at the end of a block: a float32
 * block is 1024 pieces, 64 per thread on 16 CPUs, so the wait costs about
 * one piece in 64. (A 2^26 block takes 4 x 256 MiB of pinned memory and
 * 3 x 256 MiB on the device.)
 *
 * bfloat16 and float16: all 65536 inputs (or those in --range) in one call,
 * measured on this thread, as the CPU sweep does.
 *
 * The main thread waits on the GPU through a blocking-sync event, so it
 * does not take a CPU from the oracle while it waits. The measuring threads
 * are one pool for the whole sweep (nn_fork_start / nn_fork_join).
 */
#include <cuda_runtime_api.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fork.h"
#include "golu.h"
#include "golu_cuda.h"
#include "gpu.h"
#include "ulp.h"

#define BLOCK_F32 ((size_t)1 << 26) /* inputs per GPU call */
#define BLOCK_F64 ((size_t)1 << 22)
#define PIECE     ((size_t)1 << 16) /* inputs a measuring thread takes at a time */

/* ------------------------------------------------------------------------ */
/* The GPU side                                                              */
/* ------------------------------------------------------------------------ */

/* One block's inputs and the GPU's results, in pinned host memory. */
typedef struct slot {
    void *x, *y;
    uint64_t begin; /* sweep index of x[0] */
    size_t n;
} slot;

typedef struct gpu_run {
    const ulp_sweep_opts *o;
    const ulp_f32_space *space;
    size_t esize, block;
    void *dx, *dones, *dout; /* device, `block` elements each */
    cudaStream_t stream;
    cudaEvent_t done; /* blocking sync */
    slot slots[2];
} gpu_run;

/* The dtype's 1 in n elements of buf. */
static void fill_ones(golu_dtype dtype, void *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (dtype == GOLU_F64)
            ((double *)buf)[i] = 1.0;
        else
            ((float *)buf)[i] = 1.0f;
}

static int gpu_run_open(gpu_run *g)
{
    size_t bytes = g->block * g->esize;
    if (gpu_check(cudaStreamCreate(&g->stream), "cudaStreamCreate") ||
        gpu_check(cudaEventCreateWithFlags(&g->done, cudaEventBlockingSync |
                                                         cudaEventDisableTiming),
                  "cudaEventCreateWithFlags") ||
        gpu_check(cudaMalloc(&g->dx, bytes), "cudaMalloc") ||
        gpu_check(cudaMalloc(&g->dout, bytes), "cudaMalloc"))
        return 1;
    for (int k = 0; k < 2; k++)
        if (gpu_check(cudaMallocHost(&g->slots[k].x, bytes), "cudaMallocHost") ||
            gpu_check(cudaMallocHost(&g->slots[k].y, bytes), "cudaMallocHost"))
            return 1;
    if (g->o->dir != GOLU_DIR_BWD)
        return 0;
    /* dy = 1, uploaded once through a slot not in use yet */
    fill_ones(g->o->dtype, g->slots[0].x, g->block);
    return gpu_check(cudaMalloc(&g->dones, bytes), "cudaMalloc") ||
           gpu_check(cudaMemcpy(g->dones, g->slots[0].x, bytes, cudaMemcpyHostToDevice),
                     "cudaMemcpy");
}

static void gpu_run_close(gpu_run *g)
{
    for (int k = 0; k < 2; k++) {
        if (g->slots[k].x)
            cudaFreeHost(g->slots[k].x);
        if (g->slots[k].y)
            cudaFreeHost(g->slots[k].y);
    }
    cudaFree(g->dx);
    cudaFree(g->dones);
    cudaFree(g->dout);
    if (g->done)
        cudaEventDestroy(g->done);
    if (g->stream)
        cudaStreamDestroy(g->stream);
}

/* Inputs [begin, begin + n) into sl, through the GPU, results back into
 * sl. Returns 0, or 1 after a message. */
static int gpu_block(gpu_run *g, slot *sl, uint64_t begin, size_t n)
{
    const ulp_sweep_opts *o = g->o;
    if (o->dtype == GOLU_F32)
        ulp_f32_inputs(g->space, begin, n, sl->x);
    else
        for (size_t i = 0; i < n; i++)
            ((double *)sl->x)[i] = ulp_f64_sample(o, begin + i);
    sl->begin = begin;
    sl->n = n;
    size_t bytes = n * g->esize;
    if (gpu_check(cudaMemcpyAsync(g->dx, sl->x, bytes, cudaMemcpyHostToDevice, g->stream),
                  "cudaMemcpyAsync"))
        return 1;
    golu_status st =
        o->dir == GOLU_DIR_FWD
            ? golu_cuda_forward(&o->act, o->dtype, g->dx, g->dout, n, g->stream)
            : golu_cuda_backward(&o->act, o->dtype, g->dx, g->dones, g->dout, n,
                                 g->stream);
    if (st != GOLU_OK) {
        cli_error("golu_cuda_%s (n = %zu): %s",
                  o->dir == GOLU_DIR_FWD ? "forward" : "backward", n,
                  golu_status_str(st));
        return 1;
    }
    return gpu_check(
               cudaMemcpyAsync(sl->y, g->dout, bytes, cudaMemcpyDeviceToHost, g->stream),
               "cudaMemcpyAsync") ||
           gpu_check(cudaEventRecord(g->done, g->stream), "cudaEventRecord") ||
           gpu_check(cudaEventSynchronize(g->done), "waiting for the GPU");
}

/* ------------------------------------------------------------------------ */
/* The measuring threads                                                     */
/* ------------------------------------------------------------------------ */

typedef struct pool {
    const ulp_sweep_opts *o;
    size_t esize;
    pthread_mutex_t mu;
    pthread_cond_t go, idle;
    unsigned long generation; /* one per block handed out */
    int busy;                 /* threads still on the current block */
    int quit;
    const slot *cur;
    atomic_uint_fast64_t next_piece;
    atomic_int failed; /* a CPU library call failed: stop */
} pool;

typedef struct worker {
    pool *p;
    ulp_stats stats;
    golu_ctx *ctx2;  /* --identical-to: the CPU library on that path */
    void *y2, *ones; /* PIECE elements each */
} worker;

/* Pieces of the current block until none is left. */
static void measure_block(worker *w, const slot *b)
{
    pool *p = w->p;
    const ulp_sweep_opts *o = p->o;
    for (;;) {
        uint64_t off = atomic_fetch_add(&p->next_piece, 1) * PIECE;
        if (off >= b->n || w->stats.status != GOLU_OK)
            break;
        size_t m = b->n - off < PIECE ? (size_t)(b->n - off) : PIECE;
        const void *x = (const char *)b->x + off * p->esize;
        const void *y = (const char *)b->y + off * p->esize;
        if (w->ctx2) {
            w->stats.status = ulp_kernel_run(w->ctx2, o, x, w->ones, w->y2, m);
            if (w->stats.status != GOLU_OK) {
                atomic_store(&p->failed, 1);
                break;
            }
        }
        if (o->dtype == GOLU_F32)
            ulp_measure_f32(o, x, y, w->ctx2 ? w->y2 : NULL, m, b->begin + off,
                            &w->stats);
        else
            ulp_measure_f64(o, x, y, w->ctx2 ? w->y2 : NULL, m, b->begin + off,
                            &w->stats);
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    pool *p = w->p;
    unsigned long seen = 0;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->quit && p->generation == seen)
            pthread_cond_wait(&p->go, &p->mu);
        if (p->quit) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        seen = p->generation;
        const slot *b = p->cur;
        pthread_mutex_unlock(&p->mu);
        measure_block(w, b);
        pthread_mutex_lock(&p->mu);
        if (--p->busy == 0)
            pthread_cond_signal(&p->idle);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

/* Hands block b to all `started` threads. */
static void pool_publish(pool *p, const slot *b, int started)
{
    pthread_mutex_lock(&p->mu);
    p->cur = b;
    atomic_store(&p->next_piece, 0);
    p->busy = started;
    p->generation++;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
}

/* Waits until every thread is done with the current block. */
static void pool_wait(pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->busy > 0)
        pthread_cond_wait(&p->idle, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

/* ------------------------------------------------------------------------ */
/* The sweeps                                                                */
/* ------------------------------------------------------------------------ */

/* Prepares each thread's CPU context for --identical-to and starts the
 * threads as one pool in f; returns how many started, 0 after a message. */
static int workers_start(pool *p, worker *w, int threads, nn_fork *f)
{
    const ulp_sweep_opts *o = p->o;
    for (int t = 0; t < threads; t++) {
        w[t].p = p;
        ulp_stats_init(&w[t].stats);
        if (!o->identical)
            continue;
        w[t].y2 = malloc(PIECE * p->esize);
        w[t].ones = malloc(PIECE * p->esize);
        if (!w[t].y2 || !w[t].ones) {
            w[t].stats.status = GOLU_ERR_NO_MEMORY;
        } else {
            fill_ones(o->dtype, w[t].ones, PIECE);
            w[t].stats.status = ulp_ctx_make(o->isa2, &w[t].ctx2);
        }
        if (w[t].stats.status != GOLU_OK)
            atomic_store(&p->failed, 1); /* reported once the threads stop */
    }
    nn_fork_start(f, threads, worker_main, w, sizeof *w);
    if (f->started == 0)
        cli_error("cannot start a measuring thread");
    return f->started;
}

/* Stops the threads of f (NULL: workers_start was not called) and folds
 * every thread's statistics into *s (one that did not start holds at most
 * the failure of its preparation). */
static void workers_stop(pool *p, worker *w, int threads, nn_fork *f, ulp_stats *s)
{
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->go);
    pthread_mutex_unlock(&p->mu);
    if (f)
        nn_fork_join(f);
    for (int t = 0; t < threads; t++) {
        if (f)
            ulp_stats_merge(s, &w[t].stats);
        golu_ctx_destroy(w[t].ctx2);
        free(w[t].y2);
        free(w[t].ones);
    }
}

/* float32 (every pattern in the space) or float64 (o->samples samples). */
static int sweep_blocks(const ulp_sweep_opts *o, const ulp_f32_space *space, ulp_stats *s)
{
    uint64_t count = o->dtype == GOLU_F32 ? space->count : o->samples;
    size_t block = o->dtype == GOLU_F32 ? BLOCK_F32 : BLOCK_F64;
    gpu_run g = {.o = o,
                 .space = space,
                 .esize = golu_dtype_size(o->dtype),
                 .block = count < block ? (size_t)count : block};
    pool p = {.o = o, .esize = g.esize};
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.go, NULL);
    pthread_cond_init(&p.idle, NULL);
    atomic_init(&p.next_piece, 0);
    atomic_init(&p.failed, 0);
    worker *w = calloc((size_t)o->threads, sizeof *w);
    nn_fork f;
    int started = 0, forked = 0, rc = 1;
    if (!w)
        cli_error("out of memory");
    else if (gpu_run_open(&g) == 0) {
        forked = 1;
        started = workers_start(&p, w, o->threads, &f);
    }
    if (started > 0) {
        rc = gpu_block(&g, &g.slots[0], 0, g.block);
        for (uint64_t k = 0; rc == 0 && k * g.block < count; k++) {
            pool_publish(&p, &g.slots[k % 2], started);
            uint64_t next = (k + 1) * g.block;
            if (next < count)
                rc = gpu_block(&g, &g.slots[(k + 1) % 2], next,
                               count - next < g.block ? (size_t)(count - next) : g.block);
            pool_wait(&p);
            if (atomic_load(&p.failed))
                break; /* s->status says why */
        }
    }
    if (w)
        workers_stop(&p, w, o->threads, forked ? &f : NULL, s);
    free(w);
    gpu_run_close(&g);
    pthread_cond_destroy(&p.idle);
    pthread_cond_destroy(&p.go);
    pthread_mutex_destroy(&p.mu);
    return rc;
}

/* bfloat16 and float16: one call for every input. */
static int sweep_half(const ulp_sweep_opts *o, ulp_stats *s)
{
    enum { N = 65536 };
    static uint16_t x[N], y[N], y2[N], ones[N];
    size_t n = ulp_half_inputs(o, x, ones), bytes = n * sizeof x[0];
    void *dx = NULL, *dones = NULL, *dout = NULL;
    int rc =
        gpu_check(cudaMalloc(&dx, bytes), "cudaMalloc") ||
        gpu_check(cudaMalloc(&dones, bytes), "cudaMalloc") ||
        gpu_check(cudaMalloc(&dout, bytes), "cudaMalloc") ||
        gpu_check(cudaMemcpy(dx, x, bytes, cudaMemcpyHostToDevice), "cudaMemcpy") ||
        gpu_check(cudaMemcpy(dones, ones, bytes, cudaMemcpyHostToDevice), "cudaMemcpy");
    if (rc == 0) {
        golu_status st =
            o->dir == GOLU_DIR_FWD
                ? golu_cuda_forward(&o->act, o->dtype, dx, dout, n, NULL)
                : golu_cuda_backward(&o->act, o->dtype, dx, dones, dout, n, NULL);
        if (st != GOLU_OK) {
            cli_error("golu_cuda_%s: %s", o->dir == GOLU_DIR_FWD ? "forward" : "backward",
                      golu_status_str(st));
            rc = 1;
        } else {
            rc = gpu_check(cudaMemcpy(y, dout, bytes, cudaMemcpyDeviceToHost),
                           "cudaMemcpy");
        }
    }
    cudaFree(dx);
    cudaFree(dones);
    cudaFree(dout);
    if (rc)
        return rc;
    golu_ctx *ctx2 = NULL;
    if (o->identical) {
        s->status = ulp_ctx_make(o->isa2, &ctx2);
        if (s->status == GOLU_OK)
            s->status = ulp_kernel_run(ctx2, o, x, ones, y2, n);
        golu_ctx_destroy(ctx2);
    }
    if (s->status == GOLU_OK)
        ulp_measure_half(o, x, y, o->identical ? y2 : NULL, n, s);
    return 0;
}

int ulp_gpu_sweep(const ulp_opts *o, const ulp_f32_space *space, ulp_stats *s,
                  char *gpu_name, size_t name_len)
{
    ulp_stats_init(s);
    gpu_device dev;
    int rc = gpu_open(o->device, &dev);
    if (rc)
        return rc;
    snprintf(gpu_name, name_len, "%s", dev.name);
    const ulp_sweep_opts *sw = &o->sweep;
    return sw->dtype == GOLU_BF16 || sw->dtype == GOLU_F16 ? sweep_half(sw, s)
                                                           : sweep_blocks(sw, space, s);
}
