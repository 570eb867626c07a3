/*
 * cmd_bench.c - `golu bench`: how fast the activations run, against a memcpy
 * that moves the same bytes, measured in the same run.
 *
 * For each (activation, direction, dtype, size, thread count, distribution)
 * it fills x from the distribution (a fixed seed), times golu_forward or
 * golu_backward through a golu_ctx with that thread count and ISA, and prints
 * the median over batches of calls. The baseline is memcpy on the same
 * number of threads moving the same number of bytes:
 *
 *   fwd reads x and writes y:        2 n s bytes; baseline memcpy(n s bytes)
 *   bwd reads x, dy and writes dx:   3 n s bytes; baseline memcpy(1.5 n s bytes)
 *
 * (s = bytes per element.) vs_memcpy = activation time / memcpy time, so 1.00
 * means the activation runs at memory-copy speed.
 *
 * The memcpy on T threads cuts the bytes into T contiguous 64-byte-aligned
 * parts, one per thread (a persistent pool, so thread start-up is not
 * timed), on as many threads as libgolu uses for that size
 * (golu_ctx_threads_for: one below 64Ki elements).
 *
 * Buffers are not rotated: sizes that fit in cache (4Ki, 64Ki elements) are
 * timed from cache on purpose; they show the compute cost. Large sizes show
 * the memory-bound cost.
 *
 * The flags are bench_opts.c's. `golu bench --gpu` runs cmd_bench_gpu.c
 * (built with GOLU_HAVE_CUDA), which shares the table (bench.h) and the
 * measurement library's inputs and timing scheme (src/lab/bench.h, where
 * the memcpy baseline lives too).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cli.h"
#include "commands.h"
#include "golu.h"
#include "io/json_write.h"

#define MAX_LIST BENCH_MAX_LIST

const char *const bench_dir_names[2] = {"fwd", "bwd"};

/* ------------------------------------------------------------------------ */
/* The memcpy baseline                                                       */
/* ------------------------------------------------------------------------ */

/* Baseline times already measured in this run, by (bytes, threads). */
typedef struct baseline {
    size_t bytes;
    int threads;
    double seconds;
} baseline;

static baseline baselines[MAX_LIST * MAX_LIST * MAX_LIST * 2];
static int n_baselines;

/* Median seconds for one memcpy of `bytes` bytes on `threads` threads
 * (lab_bench_memcpy); measured once per run for each (bytes, threads).
 * Returns -1 on failure, after a message. */
static int memcpy_seconds(size_t bytes, int threads, double min_time, double *out)
{
    for (int i = 0; i < n_baselines; i++)
        if (baselines[i].bytes == bytes && baselines[i].threads == threads) {
            *out = baselines[i].seconds;
            return 0;
        }
    nn_err err;
    if (lab_bench_memcpy(bytes, threads, min_time, out, &err) != 0) {
        cli_error("%s", err.msg);
        return -1;
    }
    if (n_baselines < (int)(sizeof baselines / sizeof baselines[0]))
        baselines[n_baselines++] = (baseline){bytes, threads, *out};
    return 0;
}

/* 64-byte-aligned, zeroed (lab_bench_alloc); NULL after a message. */
static void *alloc_aligned(size_t bytes)
{
    void *p = lab_bench_alloc(bytes);
    if (!p)
        cli_error("cannot allocate %zu bytes", bytes);
    return p;
}

/* ------------------------------------------------------------------------ */
/* The activation calls                                                      */
/* ------------------------------------------------------------------------ */

typedef struct act_call {
    const golu_ctx *ctx;
    const golu_act *act;
    golu_dtype dtype;
    int dir;
    const void *x, *dy;
    void *out;
    size_t n;
    golu_status status;
} act_call;

static int act_run(void *arg)
{
    act_call *c = arg;
    c->status = c->dir == BENCH_FWD
                    ? golu_forward(c->ctx, c->act, c->dtype, c->x, c->out, c->n)
                    : golu_backward(c->ctx, c->act, c->dtype, c->x, c->dy, c->out, c->n);
    return c->status != GOLU_OK;
}

/* ------------------------------------------------------------------------ */
/* The machine                                                               */
/* ------------------------------------------------------------------------ */

static const char *baseline_text =
    "memcpy on the same threads moving the same bytes: fwd = memcpy(n*s bytes), "
    "bwd = memcpy(1.5*n*s bytes); vs_memcpy = activation time / memcpy time";

/* The machine and the run's settings as the JSON's "machine" object: a new
 * reference, or NULL when out of memory. */
static json_t *machine_json(const bench_options *o, const char *cpu, const char *isa,
                            double load)
{
    json_t *m = json_object(), *threads = json_array();
    int bad = !m || !threads;
    for (int i = 0; !bad && i < o->n_threads; i++)
        bad = json_array_append_new(threads, json_integer(o->threads[i]));
    bad = bad || json_object_set_new(m, "cpu", nn_json_text(cpu)) ||
          json_object_set_new(m, "cpus", json_integer(golu_cpu_count())) ||
          json_object_set_new(m, "isa", nn_json_text(isa)) ||
          json_object_set(m, "threads", threads) ||
          json_object_set_new(m, "golu_version", nn_json_text(GOLU_VERSION_STRING)) ||
          json_object_set_new(m, "min_time_s", nn_json_real_fmt("%g", o->min_time)) ||
          json_object_set_new(m, "seed", nn_json_text("fixed")) ||
          json_object_set_new(m, "stat", nn_json_text("median of batches"));
    if (!bad && load >= 0)
        bad = json_object_set_new(m, "loadavg_1min", nn_json_real_fmt("%.2f", load));
    bad =
        bad || json_object_set_new(m, "baseline", nn_json_text(baseline_text)) ||
        json_object_set_new(
            m, "cache", nn_json_text("buffers not rotated; small sizes run from cache"));
    json_decref(threads);
    if (bad) {
        json_decref(m);
        return NULL;
    }
    return m;
}

/* The machine's lines before the table (text), or its JSON object (--json);
 * then the report starts. 0, or 1 after a message. */
static int report_open(bench_report *rep, const bench_options *o, const char *isa)
{
    char cpu[256];
    cli_cpu_model(cpu, sizeof cpu);
    double load = lab_bench_load_average();
    if (o->json)
        return bench_report_open(rep, o, machine_json(o, cpu, isa, load));
    printf("machine: cpu \"%s\", %d CPUs, golu %s, isa %s, threads ", cpu,
           golu_cpu_count(), GOLU_VERSION_STRING, isa);
    for (int i = 0; i < o->n_threads; i++)
        printf("%s%d", i ? "," : "", o->threads[i]);
    printf(", min-time %g s", o->min_time);
    if (load >= 0)
        printf(", load %.2f%s", load,
               load > golu_cpu_count() - 0.5 ? " (busy: timings will be noisy)" : "");
    printf("\n");
    printf("baseline: %s (1.00 = memcpy speed); median of batches; buffers not "
           "rotated, small sizes run from cache\n\n",
           baseline_text);
    return bench_report_open(rep, o, NULL);
}

/* ------------------------------------------------------------------------ */
/* The command                                                               */
/* ------------------------------------------------------------------------ */

typedef struct bench_state {
    const bench_options *o;
    golu_ctx *ctxs[MAX_LIST]; /* one per thread count */
    bench_report report;
} bench_state;

/* Every row of one (dtype, n): returns 0, or the exit code. */
static int bench_arrays(bench_state *b, golu_dtype dtype, size_t n)
{
    const bench_options *o = b->o;
    size_t s = golu_dtype_size(dtype), bytes = n * s;
    void *x = alloc_aligned(bytes), *dy = alloc_aligned(bytes),
         *out = alloc_aligned(bytes);
    int rc = (x && dy && out) ? 0 : 1;
    if (rc == 0)
        lab_bench_fill(dtype, dy, n, LAB_DIST_NORMAL, LAB_SEED_DY);

    for (int di = 0; rc == 0 && di < o->n_dists; di++) {
        lab_bench_fill(dtype, x, n, o->dists[di], LAB_SEED_X + (uint64_t)o->dists[di]);
        for (int ai = 0; rc == 0 && ai < o->n_acts; ai++)
            for (int d = 0; rc == 0 && d < o->n_dirs; d++)
                for (int ti = 0; rc == 0 && ti < o->n_threads; ti++) {
                    int dir = o->dirs[d];
                    act_call c = {b->ctxs[ti], &o->acts[ai], dtype, dir,    x,
                                  dy,          out,          n,     GOLU_OK};
                    bench_row r = {golu_act_name(o->acts[ai].kind),
                                   bench_dir_names[dir],
                                   golu_dtype_name(dtype),
                                   lab_dist_names[o->dists[di]],
                                   n,
                                   o->threads[ti],
                                   0,
                                   0,
                                   (dir == BENCH_FWD ? 2 : 3) * bytes};
                    if (lab_bench_measure_calls(act_run, &c, o->min_time, &r.seconds) !=
                        0) {
                        cli_error("%s %s (%s, n=%zu, threads=%d): %s", r.act, r.dir,
                                  r.dtype, n, r.threads, golu_status_str(c.status));
                        rc = 1;
                        break;
                    }
                    int copy_threads = golu_ctx_threads_for(b->ctxs[ti], n);
                    if (memcpy_seconds(r.bytes / 2, copy_threads, o->min_time,
                                       &r.memcpy_seconds) != 0) {
                        rc = 1;
                        break;
                    }
                    rc = bench_report_row(&b->report, &r);
                }
    }
    free(x);
    free(dy);
    free(out);
    return rc;
}

int golu_cmd_bench(int argc, char **argv)
{
    cli_set_command("bench");
    bench_options o;
    int rc = bench_options_parse(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (o.gpu) {
#ifdef GOLU_HAVE_CUDA
        return bench_gpu(&o);
#else
        cli_error("%s", CLI_NO_CUDA);
        return 1;
#endif
    }

    if (o.isa == GOLU_ISA_AUTO && golu_isa_env_status() != GOLU_OK) {
        cli_error("GOLU_ISA: %s", golu_status_str(golu_isa_env_status()));
        return 1;
    }
    bench_state b = {.o = &o};
    golu_status st = GOLU_OK;
    for (int i = 0; st == GOLU_OK && i < o.n_threads; i++) {
        st = golu_ctx_create(&b.ctxs[i]);
        if (st == GOLU_OK)
            st = golu_ctx_set_threads(b.ctxs[i], o.threads[i]);
        if (st == GOLU_OK)
            st = golu_ctx_set_isa(b.ctxs[i], o.isa);
    }
    if (st != GOLU_OK) {
        cli_error("cannot set up a context (isa %s): %s", golu_isa_name(o.isa),
                  golu_status_str(st));
        rc = 1;
    } else {
        rc = report_open(&b.report, &o, golu_isa_name(golu_ctx_isa(b.ctxs[0])));
        for (int t = 0; rc == 0 && t < o.n_dtypes; t++)
            for (int i = 0; rc == 0 && i < o.n_sizes; i++)
                rc = bench_arrays(&b, o.dtypes[t], o.sizes[i]);
        rc = bench_report_close(&b.report, rc);
    }
    for (int i = 0; i < o.n_threads; i++)
        golu_ctx_destroy(b.ctxs[i]);
    return rc;
}
