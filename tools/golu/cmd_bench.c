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
 * (golu_ctx_threads_for: one below 256Ki elements).
 *
 * Buffers are not rotated: sizes that fit in cache (4Ki, 64Ki elements) are
 * timed from cache on purpose; they show the compute cost. Large sizes show
 * the memory-bound cost.
 *
 * `golu bench --gpu` parses the same flags here and runs cmd_bench_gpu.c
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

#define MAX_LIST    BENCH_MAX_LIST
#define MAX_THREADS 4096

const char *const bench_dir_names[2] = {"fwd", "bwd"};

static void print_usage(void)
{
    printf("usage: golu bench [options]\n"
           "       golu bench --gpu [--device N] [options]\n"
           "\n"
           "Times golu_forward / golu_backward and a memcpy that moves the same bytes,\n"
           "in the same run, and prints one row per combination of the lists below.\n"
           "\n"
           "  --act LIST        activations, or 'all' (default: all)\n"
           "                    %s\n"
           "  --dir LIST        fwd,bwd (default: fwd,bwd)\n"
           "  --dtype LIST      f32,f64,bf16,f16 (default: f32; --gpu: f32,bf16)\n"
           "  --sizes LIST      elements per array, suffixes Ki Mi Gi\n"
           "                    (default: 4Ki,64Ki,1Mi,16Mi; --gpu: 1Mi,16Mi,256Mi)\n"
           "  --threads LIST    thread counts, numbers or 'all' = every CPU (default: "
           "1,all)\n"
           "  --dist LIST       inputs x: normal = N(0,1), u6 = uniform[-6,6],\n"
           "                    u46 = uniform[-4,6] (default: normal); dy is N(0,1)\n"
           "  --isa ISA         auto,scalar,avx2,avx512,neon (default: auto)\n"
           "  --min-time SEC    time per row, after warm-up (default: 0.2)\n"
           "  --json            one JSON object {\"machine\": {...}, \"rows\": [...]}\n"
           "  --gpu             time golu_cuda_forward / golu_cuda_backward on a GPU\n"
           "                    instead (builds with CUDA); --threads and --isa do not\n"
           "                    apply there\n"
           "  --device N        the GPU to use, with --gpu (default: 0)\n"
           "\n"
           "Columns: ns/elem (median batch time / n), Gelem/s, GB/s (bytes moved:\n"
           "fwd reads n and writes n elements, bwd reads 2n and writes n), memcpy GB/s\n"
           "and vs_memcpy = activation time / memcpy time for the same bytes\n"
           "(1.00 = as fast as memcpy). Baseline: fwd = memcpy of n elements' bytes;\n"
           "bwd = memcpy of 1.5x n elements' bytes (reads and writes 3n in all).\n"
           "On T threads the memcpy cuts the bytes into T contiguous parts, one per\n"
           "thread (threads started before timing; libgolu starts its threads in\n"
           "each call, so that cost counts against it), as many as libgolu uses for\n"
           "that size (golu_ctx_threads_for: one thread below 256Ki elements).\n"
           "Buffers are not rotated: 4Ki and 64Ki are cache-resident by design\n"
           "(they measure compute); 16Mi measures memory bandwidth.\n"
           "Inputs come from a fixed seed, so every run times the same data.\n"
           "\n"
           "With --gpu: us/call instead of ns/elem and no thr column; the baseline\n"
           "is cudaMemcpyAsync device to device of the same bytes, timed in the same\n"
           "run; CUDA events around batches, median of batches; buffers rotate call\n"
           "to call over sets covering 4x the L2 cache, so no size runs from L2.\n"
           "vs_memcpy 1.11 is 90 %% of the copy's bandwidth.\n",
           cli_acts_csv());
}

/* ------------------------------------------------------------------------ */
/* Flag parsing                                                              */
/* ------------------------------------------------------------------------ */

/* Splits a copy of s into items; the caller frees *copy. */
static int split_copy(const char *flag, const char *s, char **copy, char **items,
                      int *count)
{
    *copy = strdup(s);
    if (!*copy) {
        cli_error("%s: out of memory", flag);
        return -1;
    }
    return cli_split_list(flag, *copy, items, MAX_LIST, count);
}

static int parse_acts(const char *flag, const char *s, bench_options *o)
{
    if (strcmp(s, "all") == 0) {
        for (int k = 0; k < GOLU_ACT_COUNT; k++)
            o->acts[k] = golu_act_default((golu_act_kind)k);
        o->n_acts = GOLU_ACT_COUNT;
        return 0;
    }
    char *copy, *items[MAX_LIST];
    int n, rc = split_copy(flag, s, &copy, items, &n);
    if (rc == 0 && n > (int)(sizeof o->acts / sizeof o->acts[0])) {
        cli_error("%s: too many activations", flag);
        rc = -1;
    }
    for (int i = 0; rc == 0 && i < n; i++)
        rc = cli_parse_act(flag, items[i], &o->acts[i]);
    o->n_acts = n;
    free(copy);
    return rc;
}

static int parse_dirs(const char *flag, const char *s, bench_options *o)
{
    char *copy, *items[MAX_LIST];
    int n, rc = split_copy(flag, s, &copy, items, &n);
    o->n_dirs = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        int d = strcmp(items[i], "fwd") == 0   ? BENCH_FWD
                : strcmp(items[i], "bwd") == 0 ? BENCH_BWD
                                               : -1;
        if (d < 0) {
            cli_error("%s: unknown direction '%s' (known: fwd, bwd)", flag, items[i]);
            rc = -1;
        } else if (o->n_dirs == 2) {
            cli_error("%s: more than 2 items", flag);
            rc = -1;
        } else {
            o->dirs[o->n_dirs++] = d;
        }
    }
    free(copy);
    return rc;
}

static int parse_dtypes(const char *flag, const char *s, bench_options *o)
{
    char *copy, *items[MAX_LIST];
    int n, rc = split_copy(flag, s, &copy, items, &n);
    for (int i = 0; rc == 0 && i < n; i++)
        rc = cli_parse_dtype(flag, items[i], &o->dtypes[i]);
    o->n_dtypes = n;
    free(copy);
    return rc;
}

static int parse_sizes(const char *flag, const char *s, bench_options *o)
{
    char *copy, *items[MAX_LIST];
    int n, rc = split_copy(flag, s, &copy, items, &n);
    for (int i = 0; rc == 0 && i < n; i++) {
        rc = cli_parse_size(flag, items[i], &o->sizes[i]);
        if (rc == 0 && (o->sizes[i] == 0 || o->sizes[i] > ((size_t)1 << 34))) {
            cli_error("%s: '%s' must be between 1 and 16Gi elements", flag, items[i]);
            rc = -1;
        }
    }
    o->n_sizes = n;
    free(copy);
    return rc;
}

/* Thread counts: numbers, or "all" = golu_cpu_count(); duplicates dropped. */
static int parse_threads(const char *flag, const char *s, bench_options *o)
{
    char *copy, *items[MAX_LIST];
    int n, rc = split_copy(flag, s, &copy, items, &n);
    o->n_threads = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        long t;
        if (strcmp(items[i], "all") == 0)
            t = golu_cpu_count();
        else if (cli_parse_long(flag, items[i], 1, MAX_THREADS, &t) != 0) {
            rc = -1;
            break;
        }
        int dup = 0;
        for (int j = 0; j < o->n_threads; j++)
            dup |= o->threads[j] == (int)t;
        if (!dup)
            o->threads[o->n_threads++] = (int)t;
    }
    free(copy);
    return rc;
}

static int parse_dists(const char *flag, const char *s, bench_options *o)
{
    char *copy, *items[MAX_LIST];
    int n, rc = split_copy(flag, s, &copy, items, &n);
    for (int i = 0; rc == 0 && i < n; i++) {
        o->dists[i] = -1;
        for (int d = 0; d < LAB_DIST_COUNT; d++)
            if (strcmp(items[i], lab_dist_names[d]) == 0)
                o->dists[i] = d;
        if (o->dists[i] < 0) {
            cli_error("%s: unknown distribution '%s' (known: normal, u6, u46)", flag,
                      items[i]);
            rc = -1;
        }
    }
    o->n_dists = n;
    free(copy);
    return rc;
}

/* Returns 0 to run, 1 after --help, 2 on a bad flag (message printed). */
static int parse_options(int argc, char **argv, bench_options *o)
{
    memset(o, 0, sizeof *o);
    int rc = parse_acts("--act", "all", o);
    rc |= parse_dirs("--dir", "fwd,bwd", o);
    rc |= parse_dtypes("--dtype", "f32", o);
    rc |= parse_sizes("--sizes", "4Ki,64Ki,1Mi,16Mi", o);
    rc |= parse_threads("--threads", "1,all", o);
    rc |= parse_dists("--dist", "normal", o);
    o->isa = GOLU_ISA_AUTO;
    o->min_time = 0.2;
    if (rc)
        return 2;

    /* Flags given, for the rules of --gpu. */
    int have_dtype = 0, have_sizes = 0;
    const char *cpu_only = NULL, *device_flag = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_usage();
            return 1;
        } else if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if (strcmp(a, "--gpu") == 0) {
            o->gpu = 1;
        } else if (cli_is_flag(a, "--device")) {
            long d;
            if (!(v = cli_flag_value(argc, argv, &i, "--device")) ||
                cli_parse_long("--device", v, 0, 1023, &d))
                return 2;
            o->device = (int)d;
            device_flag = "--device";
        } else if (cli_is_flag(a, "--act")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--act")) ||
                parse_acts("--act", v, o))
                return 2;
        } else if (cli_is_flag(a, "--dir")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--dir")) ||
                parse_dirs("--dir", v, o))
                return 2;
        } else if (cli_is_flag(a, "--dtype")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--dtype")) ||
                parse_dtypes("--dtype", v, o))
                return 2;
            have_dtype = 1;
        } else if (cli_is_flag(a, "--sizes")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--sizes")) ||
                parse_sizes("--sizes", v, o))
                return 2;
            have_sizes = 1;
        } else if (cli_is_flag(a, "--threads")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--threads")) ||
                parse_threads("--threads", v, o))
                return 2;
            cpu_only = "--threads";
        } else if (cli_is_flag(a, "--dist")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--dist")) ||
                parse_dists("--dist", v, o))
                return 2;
        } else if (cli_is_flag(a, "--isa")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--isa")) ||
                cli_parse_isa("--isa", v, &o->isa))
                return 2;
            cpu_only = "--isa";
        } else if (cli_is_flag(a, "--min-time")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--min-time")) ||
                cli_parse_double("--min-time", v, &o->min_time))
                return 2;
            if (!(o->min_time > 0 && o->min_time <= 60)) {
                cli_error("--min-time: %s is out of range (0, 60] seconds", v);
                return 2;
            }
        } else if (a[0] != '-') {
            cli_error("'%s': unexpected argument (see golu bench --help)", a);
            return 2;
        } else {
            cli_error("%s: unknown option (see golu bench --help)", a);
            return 2;
        }
    }

    if (!o->gpu) {
        if (device_flag) {
            cli_error("--device: only with --gpu");
            return 2;
        }
        return 0;
    }
    /* A GPU has no CPU threads or SIMD paths to choose: refuse rather than
     * ignore them, so that no one reads a row as measured with them. */
    if (cpu_only) {
        cli_error("%s: does not apply with --gpu (the GPU benchmark has no CPU %s)",
                  cpu_only, strcmp(cpu_only, "--isa") == 0 ? "SIMD path" : "threads");
        return 2;
    }
    o->n_threads = 0;
    rc = 0;
    if (!have_dtype)
        rc |= parse_dtypes("--dtype", "f32,bf16", o);
    if (!have_sizes)
        rc |= parse_sizes("--sizes", "1Mi,16Mi,256Mi", o);
    return rc ? 2 : 0;
}

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
/* Output                                                                    */
/* ------------------------------------------------------------------------ */

static const char *baseline_text =
    "memcpy on the same threads moving the same bytes: fwd = memcpy(n*s bytes), "
    "bwd = memcpy(1.5*n*s bytes); vs_memcpy = activation time / memcpy time";

/* 4Ki, 16Mi, 1Gi where n is a multiple; else the number. */
static void format_size(size_t n, char *buf, size_t len)
{
    if (n % ((size_t)1 << 30) == 0)
        snprintf(buf, len, "%zuGi", n >> 30);
    else if (n % ((size_t)1 << 20) == 0)
        snprintf(buf, len, "%zuMi", n >> 20);
    else if (n % ((size_t)1 << 10) == 0)
        snprintf(buf, len, "%zuKi", n >> 10);
    else
        snprintf(buf, len, "%zu", n);
}

static void print_machine(const bench_options *o, const char *isa)
{
    char cpu[256];
    cli_cpu_model(cpu, sizeof cpu);
    double load = lab_bench_load_average();
    if (o->json) {
        printf("{\"machine\": {\"cpu\": ");
        cli_json_string(cpu);
        printf(", \"cpus\": %d, \"isa\": ", golu_cpu_count());
        cli_json_string(isa);
        printf(", \"threads\": [");
        for (int i = 0; i < o->n_threads; i++)
            printf("%s%d", i ? ", " : "", o->threads[i]);
        printf("], \"golu_version\": \"%s\", \"min_time_s\": %g, \"seed\": \"fixed\", "
               "\"stat\": \"median of batches\", ",
               GOLU_VERSION_STRING, o->min_time);
        if (load >= 0)
            printf("\"loadavg_1min\": %.2f, ", load);
        printf("\"baseline\": ");
        cli_json_string(baseline_text);
        printf(", \"cache\": \"buffers not rotated; small sizes run from cache\"},\n"
               " \"rows\": [");
    } else {
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
    }
    bench_print_header(o);
}

/* GPU rows have no thread count, and us/call where the CPU's have ns/elem
 * (a GPU call on 2^28 elements takes about 0.003 ns per element). */
void bench_print_header(const bench_options *o)
{
    if (o->json)
        return;
    if (o->gpu)
        printf("%-10s %-3s %-5s %6s %-6s %9s %9s %8s %11s %9s\n", "act", "dir", "dtype",
               "n", "dist", "us/call", "Gelem/s", "GB/s", "memcpyGB/s", "vs_memcpy");
    else
        printf("%-10s %-3s %-5s %6s %4s %-6s %9s %9s %8s %11s %9s\n", "act", "dir",
               "dtype", "n", "thr", "dist", "ns/elem", "Gelem/s", "GB/s", "memcpyGB/s",
               "vs_memcpy");
    fflush(stdout);
}

void bench_print_row(const bench_options *o, const bench_row *r, int first)
{
    double ns = r->seconds * 1e9 / (double)r->n;
    double gelem = (double)r->n / r->seconds * 1e-9;
    double gbs = (double)r->bytes / r->seconds * 1e-9;
    double mgbs = (double)r->bytes / r->memcpy_seconds * 1e-9;
    double ratio = r->seconds / r->memcpy_seconds;
    char n[32];
    format_size(r->n, n, sizeof n);
    if (o->json) {
        printf("%s\n  {\"act\": \"%s\", \"dir\": \"%s\", \"dtype\": \"%s\", \"n\": %zu, ",
               first ? "" : ",", r->act, r->dir, r->dtype, r->n);
        if (!o->gpu)
            printf("\"threads\": %d, ", r->threads);
        printf(
            "\"dist\": \"%s\", \"seconds\": %.6g, \"ns_per_elem\": %.6g, "
            "\"gelem_per_s\": %.6g, \"bytes\": %zu, \"gb_per_s\": %.6g, "
            "\"memcpy_seconds\": %.6g, \"memcpy_gb_per_s\": %.6g, \"vs_memcpy\": %.6g}",
            r->dist, r->seconds, ns, gelem, r->bytes, gbs, r->memcpy_seconds, mgbs,
            ratio);
    } else if (o->gpu) {
        printf("%-10s %-3s %-5s %6s %-6s %9.2f %9.3f %8.2f %11.2f %9.2f\n", r->act,
               r->dir, r->dtype, n, r->dist, r->seconds * 1e6, gelem, gbs, mgbs, ratio);
    } else {
        printf("%-10s %-3s %-5s %6s %4d %-6s %9.3f %9.3f %8.2f %11.2f %9.2f\n", r->act,
               r->dir, r->dtype, n, r->threads, r->dist, ns, gelem, gbs, mgbs, ratio);
    }
    fflush(stdout);
}

/* ------------------------------------------------------------------------ */
/* The command                                                               */
/* ------------------------------------------------------------------------ */

typedef struct bench_state {
    const bench_options *o;
    golu_ctx *ctxs[MAX_LIST]; /* one per thread count */
    int rows;
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
                    bench_print_row(o, &r, b->rows++ == 0);
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
    int rc = parse_options(argc, argv, &o);
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
    bench_state b = {&o, {0}, 0};
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
        print_machine(&o, golu_isa_name(golu_ctx_isa(b.ctxs[0])));
        for (int t = 0; rc == 0 && t < o.n_dtypes; t++)
            for (int i = 0; rc == 0 && i < o.n_sizes; i++)
                rc = bench_arrays(&b, o.dtypes[t], o.sizes[i]);
        if (o.json)
            printf("\n]}\n");
    }
    for (int i = 0; i < o.n_threads; i++)
        golu_ctx_destroy(b.ctxs[i]);
    return rc;
}
