/*
 * cmd_bench_gpu.c - `golu bench --gpu`: libgolu's CUDA kernels against a
 * device-to-device copy of the same bytes, measured in the same run on the
 * same GPU. Built only with GOLU_HAVE_CUDA; cmd_bench.c parses the flags.
 *
 * Bytes moved: forward reads x and writes y (2 n s bytes, s the element
 * size); backward reads x and dy and writes dx (3 n s). The baseline is
 * cudaMemcpyAsync device to device moving the same bytes: n s bytes copied
 * for a forward, 1.5 n s for a backward, as the CPU bench's memcpy.
 * vs_memcpy = kernel time / copy time: 1.00 is copy speed; the goal for
 * GoLU, GELU and SiLU at 2^28 elements in float32 and bfloat16 (issue 3),
 * 90 % of the copy's bandwidth, is vs_memcpy <= 1.11.
 *
 * Timing: lab_bench_measure's scheme (warm-up, batches of about min-time/20 s,
 * the median batch's time per call) with CUDA events around each batch on
 * one stream. Buffers rotate call to call over sets that together hold at
 * least 4x the L2 cache (50 MB on an H100), so no call finds its inputs in
 * L2: at 2^20 float32 elements that is 17 sets of 12 MiB. Inputs: x from
 * --dist and dy from N(0, 1), the CPU bench's generator and seeds.
 */
#include <cuda_runtime_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cli.h"
#include "golu.h"
#include "golu_cuda.h"
#include "gpu.h"
#include "io/json_write.h"

#define MAX_SETS  1024
#define SET_ALIGN ((size_t)256) /* each array starts 256-byte aligned */

/* ------------------------------------------------------------------------ */
/* Buffers                                                                   */
/* ------------------------------------------------------------------------ */

/* Rotating sets in one device allocation; set k is [x | dy | out] at
 * base + k * stride, each array `part` bytes apart (n s rounded up). */
typedef struct sets {
    char *base;
    size_t bytes;  /* n s */
    size_t part;   /* n s rounded up to SET_ALIGN */
    size_t stride; /* 3 part */
    int count;
} sets;

/* As many sets as cover 4x the L2 (at least 2, at most as fit in 90 % of
 * the free memory). Returns 0, or 1 after a message. */
static int sets_alloc(sets *s, size_t bytes, const gpu_device *dev)
{
    size_t free_b = 0, total_b = 0;
    if (gpu_check(cudaMemGetInfo(&free_b, &total_b), "cudaMemGetInfo"))
        return 1;
    s->bytes = bytes;
    s->part = (bytes + SET_ALIGN - 1) / SET_ALIGN * SET_ALIGN;
    s->stride = 3 * s->part;
    size_t want = (4 * (size_t)dev->l2_bytes + s->stride - 1) / s->stride;
    size_t fit = free_b / 10 * 9 / s->stride;
    want = want < 2 ? 2 : want > MAX_SETS ? MAX_SETS : want;
    if (fit < 2) {
        cli_error("not enough GPU memory: two sets of x, dy and out take %.2f GiB, "
                  "%.2f GiB are free",
                  2.0 * (double)s->stride / (1 << 30), (double)free_b / (1 << 30));
        return 1;
    }
    s->count = (int)(want < fit ? want : fit);
    return gpu_check(cudaMalloc((void **)&s->base, (size_t)s->count * s->stride),
                     "cudaMalloc");
}

/* The host array h (n s bytes) into array `which` (0 x, 1 dy) of every set. */
static int sets_upload(const sets *s, int which, const void *h)
{
    for (int k = 0; k < s->count; k++) {
        char *d = s->base + (size_t)k * s->stride + (size_t)which * s->part;
        if (gpu_check(cudaMemcpy(d, h, s->bytes, cudaMemcpyHostToDevice), "cudaMemcpy"))
            return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Timing                                                                    */
/* ------------------------------------------------------------------------ */

/* What a timed call does: an activation, or the copy baseline. */
typedef struct gpu_timed {
    const golu_act *act; /* NULL: the copy */
    int dir;
    golu_dtype dtype;
    size_t n;
    const sets *s;
    cudaStream_t stream;
    cudaEvent_t e0, e1;
    long next;          /* the set the next call uses */
    golu_status status; /* of a failed activation call */
} gpu_timed;

/* Bytes the copy baseline copies to move as many as the activation. */
static size_t copy_bytes(int dir, size_t bytes)
{
    return dir == BENCH_BWD ? bytes + bytes / 2 : bytes;
}

/* One call on set b. The copy: fwd moves n s bytes from x to out; bwd
 * 1.5 n s bytes from [x, dy) to the end of the set (over half of dy: the
 * baselines run before dy is filled). */
static int gpu_call(gpu_timed *t, char *b)
{
    size_t part = t->s->part, nb = t->s->bytes;
    if (!t->act) {
        size_t bytes = copy_bytes(t->dir, nb);
        char *dst = t->dir == BENCH_BWD ? b + t->s->stride - bytes : b + 2 * part;
        return gpu_check(
            cudaMemcpyAsync(dst, b, bytes, cudaMemcpyDeviceToDevice, t->stream),
            "cudaMemcpyAsync");
    }
    t->status = t->dir == BENCH_FWD ? golu_cuda_forward(t->act, t->dtype, b, b + 2 * part,
                                                        t->n, t->stream)
                                    : golu_cuda_backward(t->act, t->dtype, b, b + part,
                                                         b + 2 * part, t->n, t->stream);
    return t->status != GOLU_OK;
}

/* lab_batch_fn: `calls` calls between two events on the stream. */
static int gpu_batch(void *arg, long calls, double *seconds)
{
    gpu_timed *t = arg;
    if (gpu_check(cudaEventRecord(t->e0, t->stream), "cudaEventRecord"))
        return 1;
    for (long k = 0; k < calls; k++) {
        char *b = t->s->base + (size_t)(t->next++ % t->s->count) * t->s->stride;
        if (gpu_call(t, b))
            return 1;
    }
    float ms = 0;
    if (gpu_check(cudaEventRecord(t->e1, t->stream), "cudaEventRecord") ||
        gpu_check(cudaEventSynchronize(t->e1), "cudaEventSynchronize") ||
        gpu_check(cudaEventElapsedTime(&ms, t->e0, t->e1), "cudaEventElapsedTime"))
        return 1;
    *seconds = 1e-3 * (double)ms;
    return 0;
}

/* Copy baselines already measured in this run, by bytes copied. */
typedef struct baseline {
    size_t bytes;
    double seconds;
} baseline;

static baseline baselines[BENCH_MAX_LIST * BENCH_MAX_LIST * 2];
static int n_baselines;

static const baseline *find_baseline(size_t bytes)
{
    for (int i = 0; i < n_baselines; i++)
        if (baselines[i].bytes == bytes)
            return &baselines[i];
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Output                                                                    */
/* ------------------------------------------------------------------------ */

static const char *baseline_text =
    "cudaMemcpyAsync device to device moving the same bytes: fwd = copy(n*s bytes), "
    "bwd = copy(1.5*n*s bytes); vs_memcpy = kernel time / copy time";

static const char *cache_text =
    "buffers rotated call to call over sets covering 4x the L2 cache (at least 2 "
    "sets): no size runs from L2";

/* Sets m[key] = v (taking v's reference); nonzero on failure. */
static int put(json_t *m, const char *key, json_t *v)
{
    return json_object_set_new(m, key, v);
}

/* The GPU, the host and the run's settings as the JSON's "machine" object:
 * a new reference, or NULL when out of memory. */
static json_t *machine_json(const bench_options *o, const gpu_device *d, const char *cpu,
                            const char *runtime, const char *driver)
{
    char cc[32];
    snprintf(cc, sizeof cc, "%d.%d", d->cc_major, d->cc_minor);
    json_t *m = json_object();
    int bad =
        !m || put(m, "gpu", nn_json_text(d->name)) ||
        put(m, "device", json_integer(d->index)) || put(m, "sms", json_integer(d->sms)) ||
        put(m, "l2_bytes", json_integer(d->l2_bytes)) ||
        put(m, "memory_bytes", json_integer(d->memory_bytes)) ||
        put(m, "cc", nn_json_text(cc)) || put(m, "cuda_runtime", nn_json_text(runtime)) ||
        put(m, "cuda_driver", nn_json_text(driver)) || put(m, "cpu", nn_json_text(cpu)) ||
        put(m, "golu_version", nn_json_text(GOLU_VERSION_STRING)) ||
        put(m, "min_time_s", nn_json_real_fmt("%g", o->min_time)) ||
        put(m, "seed", nn_json_text("fixed")) ||
        put(m, "stat", nn_json_text("median of batches")) ||
        put(m, "timer", nn_json_text("CUDA events")) ||
        put(m, "baseline", nn_json_text(baseline_text)) ||
        put(m, "cache", nn_json_text(cache_text));
    if (bad) {
        json_decref(m);
        return NULL;
    }
    return m;
}

/* The machine's lines before the table (text), or its JSON object (--json);
 * then the report starts. 0, or 1 after a message. */
static int report_open(bench_report *rep, const bench_options *o, const gpu_device *d)
{
    char cpu[256], runtime[32], driver[32];
    cli_cpu_model(cpu, sizeof cpu);
    gpu_versions(runtime, driver, sizeof runtime);
    if (o->json)
        return bench_report_open(rep, o, machine_json(o, d, cpu, runtime, driver));
    printf("machine: gpu %d \"%s\", %d SMs, L2 %.0f MiB, %.1f GiB, cc %d.%d, CUDA "
           "runtime "
           "%s, driver %s; cpu \"%s\"; golu %s, min-time %g s\n",
           d->index, d->name, d->sms, (double)d->l2_bytes / (1 << 20),
           (double)d->memory_bytes / (1 << 30), d->cc_major, d->cc_minor, runtime, driver,
           cpu, GOLU_VERSION_STRING, o->min_time);
    printf("baseline: %s (1.00 = copy speed; 1.11 = 90 %% of its bandwidth); CUDA "
           "events, median of batches; %s\n\n",
           baseline_text, cache_text);
    return bench_report_open(rep, o, NULL);
}

/* ------------------------------------------------------------------------ */
/* The benchmark                                                             */
/* ------------------------------------------------------------------------ */

typedef struct gpu_state {
    const bench_options *o;
    const gpu_device *dev;
    cudaStream_t stream;
    cudaEvent_t e0, e1;
    bench_report report;
} gpu_state;

/* A timed call on g's stream and events; act NULL: the copy. */
static gpu_timed timed(const gpu_state *g, const golu_act *act, int dir, golu_dtype dtype,
                       size_t n, const sets *s)
{
    gpu_timed t = {.act = act,
                   .dir = dir,
                   .dtype = dtype,
                   .n = n,
                   .s = s,
                   .stream = g->stream,
                   .e0 = g->e0,
                   .e1 = g->e1,
                   .status = GOLU_OK};
    return t;
}

/* The copy baselines that (dtype, n)'s rows need, measured on s before any
 * input is written (the backward's copy overwrites half of dy). */
static int measure_baselines(gpu_state *g, const sets *s, golu_dtype dtype, size_t n)
{
    for (int d = 0; d < g->o->n_dirs; d++) {
        int dir = g->o->dirs[d];
        size_t bytes = copy_bytes(dir, s->bytes);
        if (find_baseline(bytes) ||
            n_baselines == (int)(sizeof baselines / sizeof baselines[0]))
            continue;
        gpu_timed t = timed(g, NULL, dir, dtype, n, s);
        double sec;
        if (lab_bench_measure(gpu_batch, &t, g->o->min_time, &sec) != 0)
            return 1;
        baselines[n_baselines++] = (baseline){bytes, sec};
    }
    return 0;
}

/* Every row of one (dtype, n): returns 0, or the exit status. */
static int bench_arrays(gpu_state *g, golu_dtype dtype, size_t n)
{
    const bench_options *o = g->o;
    size_t bytes = n * golu_dtype_size(dtype);
    sets s = {NULL, 0, 0, 0, 0};
    void *h = malloc(bytes);
    int rc = h ? 0 : 1;
    if (!h)
        cli_error("cannot allocate %zu bytes of host memory", bytes);
    rc = rc || sets_alloc(&s, bytes, g->dev) || measure_baselines(g, &s, dtype, n);
    if (rc == 0) {
        lab_bench_fill(dtype, h, n, LAB_DIST_NORMAL, LAB_SEED_DY);
        rc = sets_upload(&s, 1, h);
    }
    for (int di = 0; rc == 0 && di < o->n_dists; di++) {
        lab_bench_fill(dtype, h, n, o->dists[di], LAB_SEED_X + (uint64_t)o->dists[di]);
        rc = sets_upload(&s, 0, h);
        for (int ai = 0; rc == 0 && ai < o->n_acts; ai++)
            for (int d = 0; rc == 0 && d < o->n_dirs; d++) {
                int dir = o->dirs[d];
                gpu_timed t = timed(g, &o->acts[ai], dir, dtype, n, &s);
                bench_row r = {.act = golu_act_name(o->acts[ai].kind),
                               .dir = bench_dir_names[dir],
                               .dtype = golu_dtype_name(dtype),
                               .dist = lab_dist_names[o->dists[di]],
                               .n = n,
                               .bytes = (dir == BENCH_FWD ? 2 : 3) * bytes};
                if (lab_bench_measure(gpu_batch, &t, o->min_time, &r.seconds) != 0) {
                    if (t.status != GOLU_OK)
                        cli_error("%s %s (%s, n=%zu): %s", r.act, r.dir, r.dtype, n,
                                  golu_status_str(t.status));
                    rc = 1;
                    break;
                }
                const baseline *b = find_baseline(copy_bytes(dir, bytes));
                if (!b) {
                    cli_error("too many sizes for the baseline table");
                    rc = 1;
                    break;
                }
                r.memcpy_seconds = b->seconds;
                rc = bench_report_row(&g->report, &r);
            }
    }
    cudaFree(s.base);
    free(h);
    return rc;
}

int bench_gpu(const bench_options *o)
{
    gpu_device dev;
    int rc = gpu_open(o->device, &dev);
    if (rc)
        return rc;
    gpu_state g = {.o = o, .dev = &dev};
    if (gpu_check(cudaStreamCreate(&g.stream), "cudaStreamCreate") ||
        gpu_check(cudaEventCreate(&g.e0), "cudaEventCreate") ||
        gpu_check(cudaEventCreate(&g.e1), "cudaEventCreate"))
        rc = 1;
    if (rc == 0) {
        rc = report_open(&g.report, o, &dev);
        for (int t = 0; rc == 0 && t < o->n_dtypes; t++)
            for (int i = 0; rc == 0 && i < o->n_sizes; i++)
                rc = bench_arrays(&g, o->dtypes[t], o->sizes[i]);
        rc = bench_report_close(&g.report, rc);
    }
    if (g.e0)
        cudaEventDestroy(g.e0);
    if (g.e1)
        cudaEventDestroy(g.e1);
    if (g.stream)
        cudaStreamDestroy(g.stream);
    return rc;
}
