/*
 * bench_opts.c - the flags of `golu bench` (bench.h): one cli_opt table for
 * parsing and --help, the lists each flag takes, and the rules of --gpu.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cli.h"
#include "opts.h"

#define MAX_LIST    BENCH_MAX_LIST
#define MAX_THREADS 4096

/* The options and what the rules of --gpu need to know. */
typedef struct bench_args {
    bench_options o;
    int have_dtype, have_sizes, have_device;
    const char *cpu_only; /* the last of --threads, --isa given */
} bench_args;

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

static int parse_acts(void *args, const char *flag, const char *s)
{
    bench_options *o = &((bench_args *)args)->o;
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

static int parse_dirs(void *args, const char *flag, const char *s)
{
    bench_options *o = &((bench_args *)args)->o;
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

static int parse_dtypes(void *args, const char *flag, const char *s)
{
    bench_options *o = &((bench_args *)args)->o;
    char *copy, *items[MAX_LIST];
    int n, rc = split_copy(flag, s, &copy, items, &n);
    for (int i = 0; rc == 0 && i < n; i++)
        rc = cli_parse_dtype(flag, items[i], &o->dtypes[i]);
    o->n_dtypes = n;
    free(copy);
    return rc;
}

static int parse_sizes(void *args, const char *flag, const char *s)
{
    bench_options *o = &((bench_args *)args)->o;
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
static int parse_threads(void *args, const char *flag, const char *s)
{
    bench_options *o = &((bench_args *)args)->o;
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
    ((bench_args *)args)->cpu_only = flag;
    return rc;
}

static int parse_dists(void *args, const char *flag, const char *s)
{
    bench_options *o = &((bench_args *)args)->o;
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

static int parse_isa(void *args, const char *flag, const char *s)
{
    bench_args *a = args;
    if (cli_parse_isa(flag, s, &a->o.isa))
        return -1;
    a->cpu_only = flag;
    return 0;
}

static int parse_min_time(void *args, const char *flag, const char *s)
{
    double *t = &((bench_args *)args)->o.min_time;
    if (cli_parse_double(flag, s, t))
        return -1;
    if (!(*t > 0 && *t <= 60)) {
        cli_error("%s: %s is out of range (0, 60] seconds", flag, s);
        return -1;
    }
    return 0;
}

/* The --act help: its default, then every activation's name. */
static const char *acts_help(int column)
{
    static char buf[CLI_ACTS_MAX + 128];
    snprintf(buf, sizeof buf, "activations, or 'all' (default: all)\n%*s%s", column, "",
             cli_acts_csv());
    return buf;
}

#define OFF(f)   offsetof(bench_args, f)
#define GIVEN(f) CLI_OPT_GIVEN(bench_args, f)
static const cli_opt OPTS[] = {
    {.flag = "--act",
     .kind = CLI_OPT_CUSTOM,
     .parse = parse_acts,
     .metavar = "LIST",
     .help_fn = acts_help},
    {.flag = "--dir",
     .kind = CLI_OPT_CUSTOM,
     .parse = parse_dirs,
     .metavar = "LIST",
     .help = "fwd,bwd (default: fwd,bwd)"},
    {.flag = "--dtype",
     .kind = CLI_OPT_CUSTOM,
     .parse = parse_dtypes,
     .given = GIVEN(have_dtype),
     .metavar = "LIST",
     .help = "f32,f64,bf16,f16 (default: f32; --gpu: f32,bf16)"},
    {.flag = "--sizes",
     .kind = CLI_OPT_CUSTOM,
     .parse = parse_sizes,
     .given = GIVEN(have_sizes),
     .metavar = "LIST",
     .help = "elements per array, suffixes Ki Mi Gi\n"
             "(default: 4Ki,64Ki,1Mi,16Mi; --gpu: 1Mi,16Mi,256Mi)"},
    {.flag = "--threads",
     .kind = CLI_OPT_CUSTOM,
     .parse = parse_threads,
     .metavar = "LIST",
     .help = "thread counts, numbers or 'all' = every CPU (default: 1,all)"},
    {.flag = "--dist",
     .kind = CLI_OPT_CUSTOM,
     .parse = parse_dists,
     .metavar = "LIST",
     .help = "inputs x: normal = N(0,1), u6 = uniform[-6,6],\n"
             "u46 = uniform[-4,6] (default: normal); dy is N(0,1)"},
    {.flag = "--isa",
     .kind = CLI_OPT_CUSTOM,
     .parse = parse_isa,
     .metavar = "ISA",
     .help = "auto,scalar,avx2,avx512,neon (default: auto)"},
    {.flag = "--min-time",
     .kind = CLI_OPT_CUSTOM,
     .parse = parse_min_time,
     .metavar = "SEC",
     .help = "time per row, after warm-up (default: 0.2)"},
    {.flag = "--json",
     .kind = CLI_OPT_BOOL,
     .offset = OFF(o.json),
     .help = "one JSON object {\"machine\": {...}, \"rows\": [...]}"},
    {.flag = "--gpu",
     .kind = CLI_OPT_BOOL,
     .offset = OFF(o.gpu),
     .help = "time golu_cuda_forward / golu_cuda_backward on a GPU\n"
             "instead (builds with CUDA); --threads and --isa do not\n"
             "apply there"},
    {.flag = "--device",
     .kind = CLI_OPT_INT,
     .offset = OFF(o.device),
     .max = 1023,
     .given = GIVEN(have_device),
     .metavar = "N",
     .help = "the GPU to use, with --gpu (default: 0)"},
};
#undef OFF
#undef GIVEN
enum { N_OPTS = sizeof OPTS / sizeof OPTS[0] };
static const cli_opts_style STYLE = {"bench", 1, CLI_POS_REFUSE, 20};

static void print_usage(void)
{
    printf("usage: golu bench [options]\n"
           "       golu bench --gpu [--device N] [options]\n"
           "\n"
           "Times golu_forward / golu_backward and a memcpy that moves the same bytes,\n"
           "in the same run, and prints one row per combination of the lists below.\n"
           "\n");
    cli_opts_usage(stdout, OPTS, N_OPTS, &STYLE);
    printf("\n"
           "Columns: ns/elem (median batch time / n), Gelem/s, GB/s (bytes moved:\n"
           "fwd reads n and writes n elements, bwd reads 2n and writes n), memcpy GB/s\n"
           "and vs_memcpy = activation time / memcpy time for the same bytes\n"
           "(1.00 = as fast as memcpy). Baseline: fwd = memcpy of n elements' bytes;\n"
           "bwd = memcpy of 1.5x n elements' bytes (reads and writes 3n in all).\n"
           "On T threads the memcpy cuts the bytes into T contiguous parts, one per\n"
           "thread (threads started before timing; libgolu wakes its context's\n"
           "workers in each call, so that cost counts against it), as many as\n"
           "libgolu uses for that size (golu_ctx_threads_for: one thread below 64Ki\n"
           "elements).\n"
           "Buffers are not rotated: 4Ki and 64Ki are cache-resident by design\n"
           "(they measure compute); 16Mi measures memory bandwidth.\n"
           "Inputs come from a fixed seed, so every run times the same data.\n"
           "\n"
           "With --gpu: us/call instead of ns/elem and no thr column; the baseline\n"
           "is cudaMemcpyAsync device to device of the same bytes, timed in the same\n"
           "run; CUDA events around batches, median of batches; buffers rotate call\n"
           "to call over sets covering 4x the L2 cache, so no size runs from L2.\n"
           "vs_memcpy 1.11 is 90 %% of the copy's bandwidth.\n");
}

int bench_options_parse(int argc, char **argv, bench_options *o)
{
    bench_args a = {0};
    int rc = parse_acts(&a, "--act", "all");
    rc |= parse_dirs(&a, "--dir", "fwd,bwd");
    rc |= parse_dtypes(&a, "--dtype", "f32");
    rc |= parse_sizes(&a, "--sizes", "4Ki,64Ki,1Mi,16Mi");
    rc |= parse_threads(&a, "--threads", "1,all");
    rc |= parse_dists(&a, "--dist", "normal");
    a.o.isa = GOLU_ISA_AUTO;
    a.o.min_time = 0.2;
    a.cpu_only = NULL; /* the defaults are not flags given */
    if (rc)
        return 2;
    rc = cli_opts_parse(OPTS, N_OPTS, &STYLE, argc, argv, &a, NULL, 0, NULL);
    if (rc > 0)
        print_usage();
    if (rc)
        return rc > 0 ? 1 : 2;

    if (!a.o.gpu) {
        if (a.have_device) {
            cli_error("--device: only with --gpu");
            return 2;
        }
        *o = a.o;
        return 0;
    }
    /* A GPU has no CPU threads or SIMD paths to choose: refuse rather than
     * ignore them, so that no one reads a row as measured with them. */
    if (a.cpu_only) {
        cli_error("%s: does not apply with --gpu (the GPU benchmark has no CPU %s)",
                  a.cpu_only, strcmp(a.cpu_only, "--isa") == 0 ? "SIMD path" : "threads");
        return 2;
    }
    a.o.n_threads = 0;
    rc = 0;
    if (!a.have_dtype)
        rc |= parse_dtypes(&a, "--dtype", "f32,bf16");
    if (!a.have_sizes)
        rc |= parse_sizes(&a, "--sizes", "1Mi,16Mi,256Mi");
    *o = a.o;
    return rc ? 2 : 0;
}
