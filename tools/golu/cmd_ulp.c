/*
 * cmd_ulp.c - `golu ulp`: how far the shipped kernels are from the exact
 * function, in ulps.
 *
 *   f32 (default)  every float32 bit pattern (or every one whose value lies
 *                  in --range), through golu_forward / golu_backward (dy = 1)
 *                  in blocks of 64Ki, against the long double oracle.
 *                  Worker threads share the bit-pattern space block by block;
 *                  each has its own golu_ctx forced to the ISA, threads = 1.
 *   bf16, f16      all 65536 inputs (or those in --range), against the same
 *                  oracle, errors in ulps of the 16-bit format.
 *   f64            --samples random doubles (log-uniform over the whole
 *                  range, dense in the hard region [-6.62, -1], uniform in
 *                  [-40, 40], and the special values) against MPFR. Sample i
 *                  depends only on the seed and i, so the thread count never
 *                  changes the inputs.
 *
 * Backward errors are measured against max(|f'|, the size of the terms that
 * cancel in f') (golu_ref_bwd_scale_*): near a zero of f' that is the most a
 * rounded computation can promise. The scale costs a second oracle call, so
 * it is computed only where it can change a result: the scaled error never
 * exceeds the plain one, so an input whose plain error is at most 0.5 ulp
 * and at most the running maximum changes neither the counts nor the
 * maximum. For the same reason a result equal to the rounded reference
 * (at most 0.5 ulp) is not measured once the running maximum reaches 0.5.
 *
 * Exit status: 0, or 1 when --max-ulp is exceeded or --identical-to finds a
 * difference (or a kernel call fails), 2 on bad usage.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "golu.h"
#include "../../src/ref/reference.h" /* not on the include path */

#define ULP_BLOCK ((size_t)1 << 16)  /* inputs per kernel call (f32) */
#define ULP_BLOCK_F64 ((size_t)4096) /* inputs per kernel call (f64) */
#define ULP_MAX_THREADS 1024
#define ULP_EXAMPLES 5 /* differing inputs shown by --identical-to */

/* ------------------------------------------------------------------------ */
/* Options                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct ulp_opts {
    golu_act act;
    golu_dir dir;
    golu_dtype dtype;
    golu_isa isa;
    int identical; /* --identical-to given */
    golu_isa isa2;
    int threads;
    int have_range;
    double lo, hi;
    uint64_t samples;
    uint64_t seed;
    int have_max;
    double max_ulp;
    int json;
} ulp_opts;

static void print_usage(void)
{
    printf(
        "usage: golu ulp --act NAME [options]\n"
        "\n"
        "Measures the error of the shipped kernels in ulps against a higher-\n"
        "precision reference (long double for f32/bf16/f16, MPFR for f64).\n"
        "float32 checks every bit pattern; bf16 and f16 all 65536 inputs;\n"
        "f64 random samples.\n"
        "\n"
        "  --act NAME        golu, relu, leaky_relu, prelu, elu, gelu, gelu_tanh,\n"
        "                    silu (swish), mish\n"
        "  --dir fwd|bwd     f(x), or f'(x) as golu_backward with dy = 1 (default fwd)\n"
        "  --dtype T         f32, bf16, f16, f64 (default f32)\n"
        "  --isa ISA         auto, scalar, avx2, avx512, neon (default auto);\n"
        "                    float64 kernels are the same portable code on every ISA\n"
        "  --threads N       worker threads (default: all CPUs)\n"
        "  --range LO:HI     only inputs whose value lies in [LO, HI] (inf allowed\n"
        "                    except for f64, which samples uniformly in the range)\n"
        "  --samples N       f64 only: number of samples (default 1000000)\n"
        "  --seed S          f64 only: the sampling seed (default 1)\n"
        "  --max-ulp U       exit 1 if the largest error exceeds U ulp\n"
        "  --identical-to I  also run ISA I on the same inputs; exit 1 if any\n"
        "                    output differs in bits (any NaN equals any NaN)\n"
        "  --alpha A --beta B --gamma G   activation parameters (GoLU: alpha, beta,\n"
        "                    gamma > 0; LeakyReLU/PReLU: alpha; ELU: alpha >= 0)\n"
        "  --json            one JSON object instead of text (max_ulp is null\n"
        "                    when infinite)\n"
        "\n"
        "Backward errors are in ulps of max(|f'(x)|, s(x)), s the size of the\n"
        "terms that cancel in f' (GoLU: alpha*G(x)), as src/ref/reference.h says.\n");
}

static int parse_dir(const char *flag, const char *s, golu_dir *out)
{
    if (strcmp(s, "fwd") == 0 || strcmp(s, "forward") == 0)
        *out = GOLU_DIR_FWD;
    else if (strcmp(s, "bwd") == 0 || strcmp(s, "backward") == 0)
        *out = GOLU_DIR_BWD;
    else {
        cli_error("%s: unknown direction '%s' (known: fwd, bwd)", flag, s);
        return -1;
    }
    return 0;
}

static int parse_range(const char *flag, const char *s, double *lo, double *hi)
{
    const char *colon = strchr(s, ':');
    char buf[128];
    if (!colon || strchr(colon + 1, ':')) {
        cli_error("%s: '%s' is not LO:HI", flag, s);
        return -1;
    }
    size_t n = (size_t)(colon - s);
    if (n >= sizeof buf) {
        cli_error("%s: '%s' is too long", flag, s);
        return -1;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (cli_parse_double(flag, buf, lo) || cli_parse_double(flag, colon + 1, hi))
        return -1;
    if (isnan(*lo) || isnan(*hi) || *lo > *hi) {
        cli_error("%s: '%s' is not a range (LO must not exceed HI)", flag, s);
        return -1;
    }
    return 0;
}

/* Checks a parameter flag against the activation's rules (golu.h). */
static int check_param(const golu_act *act, const char *flag, int which,
                       double v)
{
    const char *name = golu_act_name(act->kind);
    switch (act->kind) {
    case GOLU_ACT_GOLU:
        if (!isfinite(v) || !(v > 0)) {
            cli_error("%s: %g must be finite and > 0 for golu", flag, v);
            return -1;
        }
        return 0;
    case GOLU_ACT_LEAKY_RELU:
    case GOLU_ACT_PRELU:
    case GOLU_ACT_ELU:
        if (which != 0) {
            cli_error("%s: %s has no such parameter (only --alpha)", flag, name);
            return -1;
        }
        if (!isfinite(v) || (act->kind == GOLU_ACT_ELU && !(v >= 0))) {
            cli_error("%s: %g must be finite%s for %s", flag, v,
                      act->kind == GOLU_ACT_ELU ? " and >= 0" : "", name);
            return -1;
        }
        return 0;
    default:
        cli_error("%s: %s has no parameters", flag, name);
        return -1;
    }
}

/* Returns 0 to run, 1 after --help, 2 on bad usage (message printed). */
static int parse_args(int argc, char **argv, ulp_opts *o)
{
    memset(o, 0, sizeof *o);
    o->dir = GOLU_DIR_FWD;
    o->dtype = GOLU_F32;
    o->isa = GOLU_ISA_AUTO;
    o->threads = golu_cpu_count();
    o->samples = 1000000;
    o->seed = 1;
    int have_act = 0, have_samples = 0, have_seed = 0;
    int have_param[3] = {0, 0, 0};
    const char *param_flag[3] = {"--alpha", "--beta", "--gamma"};
    double param[3] = {0, 0, 0};

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        long l;
        size_t sz;
        int p = -1;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_usage();
            return 1;
        } else if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if (cli_is_flag(a, "--act")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--act")) ||
                cli_parse_act("--act", v, &o->act))
                return 2;
            have_act = 1;
        } else if (cli_is_flag(a, "--dir")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--dir")) ||
                parse_dir("--dir", v, &o->dir))
                return 2;
        } else if (cli_is_flag(a, "--dtype")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--dtype")) ||
                cli_parse_dtype("--dtype", v, &o->dtype))
                return 2;
        } else if (cli_is_flag(a, "--isa")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--isa")) ||
                cli_parse_isa("--isa", v, &o->isa))
                return 2;
        } else if (cli_is_flag(a, "--identical-to")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--identical-to")) ||
                cli_parse_isa("--identical-to", v, &o->isa2))
                return 2;
            o->identical = 1;
        } else if (cli_is_flag(a, "--threads")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--threads")) ||
                cli_parse_long("--threads", v, 1, ULP_MAX_THREADS, &l))
                return 2;
            o->threads = (int)l;
        } else if (cli_is_flag(a, "--range")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--range")) ||
                parse_range("--range", v, &o->lo, &o->hi))
                return 2;
            o->have_range = 1;
        } else if (cli_is_flag(a, "--samples")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--samples")) ||
                cli_parse_size("--samples", v, &sz))
                return 2;
            if (sz == 0) {
                cli_error("--samples: must be at least 1");
                return 2;
            }
            o->samples = sz;
            have_samples = 1;
        } else if (cli_is_flag(a, "--seed")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--seed")) ||
                cli_parse_long("--seed", v, 0, 0x7fffffffffffffffL, &l))
                return 2;
            o->seed = (uint64_t)l;
            have_seed = 1;
        } else if (cli_is_flag(a, "--max-ulp")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--max-ulp")) ||
                cli_parse_double("--max-ulp", v, &o->max_ulp))
                return 2;
            if (!(o->max_ulp >= 0)) {
                cli_error("--max-ulp: %s must be a number >= 0", v);
                return 2;
            }
            o->have_max = 1;
        } else if (cli_is_flag(a, "--alpha")) {
            p = 0;
        } else if (cli_is_flag(a, "--beta")) {
            p = 1;
        } else if (cli_is_flag(a, "--gamma")) {
            p = 2;
        } else if (a[0] == '-') {
            cli_error("%s: unknown option (see golu ulp --help)", a);
            return 2;
        } else {
            cli_error("'%s': unexpected argument (see golu ulp --help)", a);
            return 2;
        }
        if (p >= 0) {
            if (!(v = cli_flag_value(argc, argv, &i, param_flag[p])) ||
                cli_parse_double(param_flag[p], v, &param[p]))
                return 2;
            have_param[p] = 1;
        }
    }

    if (!have_act) {
        cli_error("--act: required (see golu ulp --help)");
        return 2;
    }
    for (int p = 0; p < 3; p++) {
        if (!have_param[p])
            continue;
        if (check_param(&o->act, param_flag[p], p, param[p]))
            return 2;
        double *dst = p == 0 ? &o->act.alpha : p == 1 ? &o->act.beta : &o->act.gamma;
        *dst = param[p];
    }
    if (golu_act_check(&o->act) != GOLU_OK) {
        cli_error("--act: %s", golu_status_str(golu_act_check(&o->act)));
        return 2;
    }
    if (o->dtype != GOLU_F64 && (have_samples || have_seed)) {
        cli_error("%s: only for --dtype f64 (the other dtypes check every input)",
                  have_samples ? "--samples" : "--seed");
        return 2;
    }
    if (o->dtype == GOLU_F64 && o->have_range &&
        !(isfinite(o->lo) && isfinite(o->hi))) {
        cli_error("--range: f64 samples need finite bounds");
        return 2;
    }
    if ((o->isa == GOLU_ISA_AUTO || (o->identical && o->isa2 == GOLU_ISA_AUTO)) &&
        golu_isa_env_status() != GOLU_OK) {
        cli_error("GOLU_ISA='%s': %s", getenv("GOLU_ISA") ? getenv("GOLU_ISA") : "",
                  golu_status_str(golu_isa_env_status()));
        return 2;
    }
    return 0;
}

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

static void stats_init(ulp_stats *s)
{
    memset(s, 0, sizeof *s);
    s->max_err = -1;
}

/* Records one measured error (the caller has already counted the input). */
static void stats_add(ulp_stats *s, double err, uint64_t index, double x,
                      double got, long double ref)
{
    if (err > 0.5)
        s->over_half++;
    if (err > 1)
        s->over_one++;
    if (isnan(got) != isnan(ref))
        s->nan_mismatch++;
    if (err > s->max_err || (err == s->max_err && index < s->max_index)) {
        s->max_err = err;
        s->max_index = index;
        s->max_x = x;
        s->max_got = got;
        s->max_ref = ref;
    }
}

static void stats_diff(ulp_stats *s, uint64_t index, double x, double got,
                       double got2)
{
    s->n_diff++;
    if (s->n_examples < ULP_EXAMPLES)
        s->examples[s->n_examples++] = (ulp_example){index, x, got, got2};
}

static int example_cmp(const void *a, const void *b)
{
    uint64_t ia = ((const ulp_example *)a)->index;
    uint64_t ib = ((const ulp_example *)b)->index;
    return ia < ib ? -1 : ia > ib;
}

/* Folds b into a; ties in the maximum go to the smaller index, so the
 * result does not depend on how the inputs were split among threads. */
static void stats_merge(ulp_stats *a, const ulp_stats *b)
{
    a->checked += b->checked;
    a->over_half += b->over_half;
    a->over_one += b->over_one;
    a->nan_mismatch += b->nan_mismatch;
    if (b->max_err > a->max_err ||
        (b->max_err == a->max_err && b->max_index < a->max_index)) {
        a->max_err = b->max_err;
        a->max_index = b->max_index;
        a->max_x = b->max_x;
        a->max_got = b->max_got;
        a->max_ref = b->max_ref;
    }
    ulp_example all[2 * ULP_EXAMPLES];
    int n = 0;
    for (int i = 0; i < a->n_examples; i++)
        all[n++] = a->examples[i];
    for (int i = 0; i < b->n_examples; i++)
        all[n++] = b->examples[i];
    qsort(all, (size_t)n, sizeof all[0], example_cmp);
    a->n_examples = n < ULP_EXAMPLES ? n : ULP_EXAMPLES;
    memcpy(a->examples, all, (size_t)a->n_examples * sizeof all[0]);
    a->n_diff += b->n_diff;
    if (a->status == GOLU_OK)
        a->status = b->status;
}

/* ------------------------------------------------------------------------ */
/* Running the kernels                                                       */
/* ------------------------------------------------------------------------ */

static golu_status make_ctx(golu_isa isa, golu_ctx **out)
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

static golu_status run_kernel(const golu_ctx *ctx, const ulp_opts *o,
                              const void *x, const void *ones, void *y, size_t n)
{
    if (o->dir == GOLU_DIR_FWD)
        return golu_forward(ctx, &o->act, o->dtype, x, y, n);
    return golu_backward(ctx, &o->act, o->dtype, x, ones, y, n);
}

/* ------------------------------------------------------------------------ */
/* float32: every bit pattern                                                */
/* ------------------------------------------------------------------------ */

/* Bit patterns ordered by value: -NaN... -inf ... -0, +0 ... +inf ... +NaN
 * map to consecutive keys (-0 is key -1, +0 key 0). */
static int64_t f32_key(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return (b & 0x80000000u) ? -(int64_t)(b & 0x7fffffffu) - 1 : (int64_t)b;
}

static uint32_t f32_bits_of_key(int64_t k)
{
    return k >= 0 ? (uint32_t)k : 0x80000000u | (uint32_t)(-(k + 1));
}

typedef struct f32_space {
    int all;        /* every pattern: index = bits */
    int64_t key_lo; /* else index i is the pattern of key key_lo + i */
    uint64_t count;
} f32_space;

/* The patterns whose value lies in [lo, hi]; 0 if there are none. */
static int f32_space_of_range(double lo, double hi, f32_space *sp)
{
    float flo = (float)lo, fhi = (float)hi;
    if ((double)flo < lo)
        flo = nextafterf(flo, INFINITY);
    if ((double)fhi > hi)
        fhi = nextafterf(fhi, -INFINITY);
    if (!(flo <= fhi))
        return 0;
    int64_t klo = flo == 0 ? -1 : f32_key(flo); /* -0 lies in [0, hi] */
    int64_t khi = fhi == 0 ? 0 : f32_key(fhi);
    sp->all = 0;
    sp->key_lo = klo;
    sp->count = (uint64_t)(khi - klo + 1);
    return 1;
}

typedef struct sweep_job {
    const ulp_opts *o;
    f32_space space;
    atomic_uint_fast64_t next_block;
} sweep_job;

typedef struct sweep_worker {
    sweep_job *job;
    ulp_stats stats;
    pthread_t tid;
} sweep_worker;

static int same_bits_f32(float a, float b)
{
    return memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b));
}

/*
 * A float as a long double, exactly, without an x87 load of a subnormal
 * float: that (like storing a long double into a subnormal float) costs a
 * microcode assist of about 150 cycles on x86, which made the tiny-input
 * quarter of the sweep several times slower than the rest.
 */
static inline long double f32_exact(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    if ((b & 0x7f800000u) != 0)
        return f;
    long double v = (long double)(int32_t)(b & 0x7fffffu) * 0x1p-149L;
    return (b >> 31) ? -v : v;
}

/*
 * 1 when got is within half an ulp of ref, whichever of the binades beside
 * got ref lies in (so the error is at most 0.5 ulp, scale or not); decided
 * with integer operations and one long double subtraction. NaN gives 0.
 */
static inline int f32_within_half_ulp(float got, long double ref)
{
    uint32_t b;
    memcpy(&b, &got, sizeof b);
    int E = (int)((b >> 23) & 0xff);
    int e = E ? E - 150 : -149; /* exponent of the ulp of got */
    if ((b & 0x7fffffu) == 0 && E > 1)
        e--; /* a power of two: the binade below has half the spacing */
    uint64_t hb = (uint64_t)(e - 1 + 1023) << 52; /* 2^(e-1), a normal double */
    double half;
    memcpy(&half, &hb, sizeof half);
    return fabsl(f32_exact(got) - ref) <= half;
}

/* 2^k as a long double, |k| <= 1022, from the bits of a double. */
static inline long double pow2_ld(int k)
{
    uint64_t b = (uint64_t)(k + 1023) << 52;
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

/*
 * golu_ulp_err_f32(got, ref, 0) for finite got and ref without the libm
 * calls (ilogbl, ldexpl): it runs for every input until a worker's maximum
 * reaches 0.5 ulp, which for some activations is never (the backward of
 * GoLU stays below 0.5 ulp over the first 10^9 inputs of the sweep).
 */
static inline double f32_err_fast(float got, long double ref)
{
    long double g = f32_exact(got);
    if (g == ref)
        return g == 0 && signbit(g) != signbit(ref) ? 0.5 : 0.0;
    long double a = fabsl(ref);
    int e = -149; /* exponent of the ulp at |ref| */
    if (a >= 0x1p-126L) {
        double d = (double)a; /* may round up to the next power of two */
        uint64_t b;
        memcpy(&b, &d, sizeof b);
        int ed = (int)(b >> 52) - 1023;
        if (pow2_ld(ed) > a)
            ed--;
        e = ed - 23;
    }
    return (double)(fabsl(g - ref) * pow2_ld(-e));
}

static void *f32_worker(void *arg)
{
    sweep_worker *w = arg;
    const sweep_job *job = w->job;
    const ulp_opts *o = job->o;
    ulp_stats *s = &w->stats;
    golu_ctx *ctx = NULL, *ctx2 = NULL;
    float *buf = malloc(4 * ULP_BLOCK * sizeof(float));
    if (!buf) {
        s->status = GOLU_ERR_NO_MEMORY;
        return NULL;
    }
    float *x = buf, *y = buf + ULP_BLOCK, *y2 = buf + 2 * ULP_BLOCK;
    float *ones = buf + 3 * ULP_BLOCK;
    for (size_t i = 0; i < ULP_BLOCK; i++)
        ones[i] = 1.0f;
    s->status = make_ctx(o->isa, &ctx);
    if (s->status == GOLU_OK && o->identical)
        s->status = make_ctx(o->isa2, &ctx2);

    const int bwd = o->dir == GOLU_DIR_BWD;
    while (s->status == GOLU_OK) {
        uint64_t begin = atomic_fetch_add(&w->job->next_block, 1) * ULP_BLOCK;
        if (begin >= job->space.count)
            break;
        size_t n = (size_t)(job->space.count - begin < ULP_BLOCK
                                ? job->space.count - begin
                                : ULP_BLOCK);
        for (size_t i = 0; i < n; i++) {
            uint32_t b = job->space.all
                             ? (uint32_t)(begin + i)
                             : f32_bits_of_key(job->space.key_lo + (int64_t)(begin + i));
            memcpy(&x[i], &b, sizeof b);
        }
        s->status = run_kernel(ctx, o, x, ones, y, n);
        if (s->status == GOLU_OK && ctx2)
            s->status = run_kernel(ctx2, o, x, ones, y2, n);
        if (s->status != GOLU_OK)
            break;
        s->checked += n;
        for (size_t i = 0; i < n; i++) {
            float got = y[i];
            /* x goes straight into the argument slot: a long double copied
             * through memory costs a failed store forwarding each time. */
            long double ref = golu_ref_ld(&o->act, o->dir, f32_exact(x[i]));
            if (ctx2 && !same_bits_f32(got, y2[i]))
                stats_diff(s, begin + i, (double)f32_exact(x[i]),
                           (double)f32_exact(got), (double)f32_exact(y2[i]));
            if (s->max_err >= 0.5 && f32_within_half_ulp(got, ref))
                continue; /* at most 0.5 ulp: changes nothing */
            long double xl = f32_exact(x[i]);
            double err = isfinite(got) && isfinite(ref) && fabsl(ref) < 0x1p200L
                             ? f32_err_fast(got, ref)
                             : golu_ulp_err_f32(got, ref, 0);
            if (bwd && (err > 0.5 || err > s->max_err))
                err = golu_ulp_err_f32(got, ref,
                                       golu_ref_bwd_scale_ld(&o->act, xl));
            stats_add(s, err, begin + i, (double)xl, (double)f32_exact(got), ref);
        }
    }
    golu_ctx_destroy(ctx);
    golu_ctx_destroy(ctx2);
    free(buf);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* float64: random samples against MPFR                                      */
/* ------------------------------------------------------------------------ */

static uint64_t splitmix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double unit_double(uint64_t r) { return (double)(r >> 11) * 0x1p-53; }

static const double f64_specials[] = {
    0.0, -0.0, INFINITY, -INFINITY, NAN, 1.0, -1.0, 0x1p-1022, -0x1p-1022,
    0x1p-1074, -0x1p-1074, 1.7976931348623157e308, -1.7976931348623157e308,
    -0.5671432904097838, -6.62, 0.5};
enum { N_F64_SPECIALS = sizeof f64_specials / sizeof f64_specials[0] };

/* Sample i: a function of (seed, i) only. */
static double f64_sample(const ulp_opts *o, uint64_t i)
{
    uint64_t r = splitmix64(splitmix64(o->seed) ^ (i * 0xd1342543de82ef95ULL));
    uint64_t r2 = splitmix64(r);
    if (o->have_range)
        return o->lo + (o->hi - o->lo) * unit_double(r);
    if (i < N_F64_SPECIALS)
        return f64_specials[i];
    switch (r2 % 10) {
    case 0: case 1: case 2: case 3: {
        /* log-uniform: uniform sign, exponent field in [0, 2046] (subnormals
         * included), uniform significand */
        uint64_t bits = (r & 0x800fffffffffffffULL) | ((r2 >> 8) % 2047) << 52;
        double v;
        memcpy(&v, &bits, sizeof v);
        return v;
    }
    case 4: case 5: case 6:
        return -6.62 + 5.62 * unit_double(r); /* the hard region [-6.62, -1] */
    default:
        return -40 + 80 * unit_double(r);
    }
}

static int same_bits_f64(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b));
}

static void *f64_worker(void *arg)
{
    sweep_worker *w = arg;
    const ulp_opts *o = w->job->o;
    ulp_stats *s = &w->stats;
    golu_ctx *ctx = NULL, *ctx2 = NULL;
    double *buf = malloc(4 * ULP_BLOCK_F64 * sizeof(double));
    if (!buf) {
        s->status = GOLU_ERR_NO_MEMORY;
        return NULL;
    }
    double *x = buf, *y = buf + ULP_BLOCK_F64, *y2 = buf + 2 * ULP_BLOCK_F64;
    double *ones = buf + 3 * ULP_BLOCK_F64;
    for (size_t i = 0; i < ULP_BLOCK_F64; i++)
        ones[i] = 1.0;
    s->status = make_ctx(o->isa, &ctx);
    if (s->status == GOLU_OK && o->identical)
        s->status = make_ctx(o->isa2, &ctx2);

    const int bwd = o->dir == GOLU_DIR_BWD;
    while (s->status == GOLU_OK) {
        uint64_t begin = atomic_fetch_add(&w->job->next_block, 1) * ULP_BLOCK_F64;
        if (begin >= o->samples)
            break;
        size_t n = (size_t)(o->samples - begin < ULP_BLOCK_F64 ? o->samples - begin
                                                               : ULP_BLOCK_F64);
        for (size_t i = 0; i < n; i++)
            x[i] = f64_sample(o, begin + i);
        s->status = run_kernel(ctx, o, x, ones, y, n);
        if (s->status == GOLU_OK && ctx2)
            s->status = run_kernel(ctx2, o, x, ones, y2, n);
        if (s->status != GOLU_OK)
            break;
        s->checked += n;
        for (size_t i = 0; i < n; i++) {
            double xi = x[i], got = y[i];
            long double ref = golu_ref_mpfr(&o->act, o->dir, xi);
            if (ctx2 && !same_bits_f64(got, y2[i]))
                stats_diff(s, begin + i, xi, got, y2[i]);
            if (got == (double)ref && s->max_err >= 0.5)
                continue;
            double err = golu_ulp_err_f64(got, ref, 0);
            if (bwd && (err > 0.5 || err > s->max_err))
                err = golu_ulp_err_f64(got, ref, golu_ref_bwd_scale_mpfr(&o->act, xi));
            stats_add(s, err, begin + i, xi, got, ref);
        }
    }
    golu_ctx_destroy(ctx);
    golu_ctx_destroy(ctx2);
    free(buf);
    return NULL;
}

/* Runs `fn` on o->threads workers and merges their statistics into *out. */
static void run_workers(const ulp_opts *o, sweep_job *job, void *(*fn)(void *),
                        ulp_stats *out)
{
    sweep_worker *w = calloc((size_t)o->threads, sizeof *w);
    stats_init(out);
    if (!w) {
        out->status = GOLU_ERR_NO_MEMORY;
        return;
    }
    int started = 0;
    for (int t = 0; t < o->threads; t++) {
        w[t].job = job;
        stats_init(&w[t].stats);
        if (pthread_create(&w[t].tid, NULL, fn, &w[t]) != 0)
            break;
        started++;
    }
    if (started == 0) /* no thread at all: do the work here */
        fn(&w[started++]);
    else
        for (int t = 0; t < started; t++)
            pthread_join(w[t].tid, NULL);
    for (int t = 0; t < started; t++)
        stats_merge(out, &w[t].stats);
    free(w);
}

/* ------------------------------------------------------------------------ */
/* bfloat16 and float16: all 65536 inputs                                    */
/* ------------------------------------------------------------------------ */

static float half_value(golu_dtype dtype, uint16_t h)
{
    if (dtype == GOLU_BF16) {
        uint32_t b = (uint32_t)h << 16;
        float f;
        memcpy(&f, &b, sizeof f);
        return f;
    }
    int e = (h >> 10) & 0x1f, m = h & 0x3ff;
    float v = e == 0x1f ? (m ? NAN : INFINITY)
              : e == 0  ? ldexpf((float)m, -24)
                        : ldexpf((float)(m | 0x400), e - 25);
    return (h & 0x8000) ? -v : v;
}

static double half_err(golu_dtype dtype, uint16_t got, long double ref,
                       long double scale)
{
    return dtype == GOLU_BF16 ? golu_ulp_err_bf16(got, ref, scale)
                              : golu_ulp_err_f16(got, ref, scale);
}

static void sweep_half(const ulp_opts *o, ulp_stats *s)
{
    enum { N = 65536 };
    static uint16_t x[N], y[N], y2[N], ones[N];
    golu_ctx *ctx = NULL, *ctx2 = NULL;
    size_t n = 0;
    stats_init(s);
    for (uint32_t h = 0; h < N; h++) {
        float v = half_value(o->dtype, (uint16_t)h);
        if (o->have_range && !(v >= o->lo && v <= o->hi))
            continue;
        x[n] = (uint16_t)h;
        ones[n++] = o->dtype == GOLU_BF16 ? 0x3f80 : 0x3c00;
    }
    s->status = make_ctx(o->isa, &ctx);
    if (s->status == GOLU_OK && o->identical)
        s->status = make_ctx(o->isa2, &ctx2);
    if (s->status == GOLU_OK)
        s->status = run_kernel(ctx, o, x, ones, y, n);
    if (s->status == GOLU_OK && ctx2)
        s->status = run_kernel(ctx2, o, x, ones, y2, n);
    if (s->status == GOLU_OK) {
        s->checked = n;
        for (size_t i = 0; i < n; i++) {
            float xi = half_value(o->dtype, x[i]);
            float got = half_value(o->dtype, y[i]);
            long double ref = golu_ref_ld(&o->act, o->dir, xi);
            if (ctx2 && y[i] != y2[i] &&
                !(isnan(got) && isnan(half_value(o->dtype, y2[i]))))
                stats_diff(s, i, xi, got, half_value(o->dtype, y2[i]));
            double err = half_err(o->dtype, y[i], ref, 0);
            if (o->dir == GOLU_DIR_BWD && (err > 0.5 || err > s->max_err))
                err = half_err(o->dtype, y[i], ref,
                               golu_ref_bwd_scale_ld(&o->act, xi));
            stats_add(s, err, i, xi, got, ref);
        }
    }
    golu_ctx_destroy(ctx);
    golu_ctx_destroy(ctx2);
}

/* ------------------------------------------------------------------------ */
/* Report                                                                    */
/* ------------------------------------------------------------------------ */

/* Significant digits that identify a value of the dtype. */
static int dtype_digits(golu_dtype d)
{
    return d == GOLU_F64 ? 17 : d == GOLU_F32 ? 9 : 5;
}

static void print_params(const golu_act *act, int json)
{
    switch (act->kind) {
    case GOLU_ACT_GOLU:
        printf(json ? ", \"alpha\": %.17g, \"beta\": %.17g, \"gamma\": %.17g"
                    : " (alpha %.17g, beta %.17g, gamma %.17g)",
               act->alpha, act->beta, act->gamma);
        break;
    case GOLU_ACT_LEAKY_RELU:
    case GOLU_ACT_PRELU:
    case GOLU_ACT_ELU:
        printf(json ? ", \"alpha\": %.17g" : " (alpha %.17g)", act->alpha);
        break;
    default:
        break;
    }
}

/* A value as a JSON string "hex (decimal)"-free: hex float text. */
static void json_hex(double v)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%a", v);
    cli_json_string(buf);
}

/* A long double in hex as a double would print: 0x1.<up to 16 digits>p<e>
 * (glibc's %La writes x87 values as 0xf.f9...p-11). */
static void ld_hex(long double v, char *buf, size_t size)
{
    if (!isfinite(v) || v == 0) {
        snprintf(buf, size, "%La", v);
        return;
    }
    int e;
    long double m = frexpl(fabsl(v), &e); /* [0.5, 1) */
    /* 2m - 1 has at most 63 fraction bits: the product is an exact integer */
    unsigned long long frac = (unsigned long long)((2 * m - 1) * 0x1p64L);
    int digits = 16;
    while (digits > 0 && (frac & 0xf) == 0) {
        frac >>= 4;
        digits--;
    }
    if (digits)
        snprintf(buf, size, "%s0x1.%0*llxp%+d", v < 0 ? "-" : "", digits, frac, e - 1);
    else
        snprintf(buf, size, "%s0x1p%+d", v < 0 ? "-" : "", e - 1);
}

static void json_hex_ld(long double v)
{
    char buf[80];
    ld_hex(v, buf, sizeof buf);
    cli_json_string(buf);
}

static void report_json(const ulp_opts *o, golu_isa isa, const ulp_stats *s,
                        double secs, int pass)
{
    int dg = dtype_digits(o->dtype);
    printf("{\"act\": ");
    cli_json_string(golu_act_name(o->act.kind));
    print_params(&o->act, 1);
    printf(", \"dir\": \"%s\", \"dtype\": \"%s\", \"isa\": \"%s\", \"threads\": %d",
           o->dir == GOLU_DIR_FWD ? "fwd" : "bwd", golu_dtype_name(o->dtype),
           golu_isa_name(isa), o->dtype == GOLU_F32 || o->dtype == GOLU_F64 ? o->threads : 1);
    if (o->have_range)
        printf(", \"range\": [%.17g, %.17g]", o->lo, o->hi);
    if (o->dtype == GOLU_F64)
        printf(", \"seed\": %llu", (unsigned long long)o->seed);
    printf(", \"checked\": %llu", (unsigned long long)s->checked);
    if (s->max_err < 0 || isinf(s->max_err))
        printf(", \"max_ulp\": null");
    else
        printf(", \"max_ulp\": %.17g", s->max_err);
    if (s->max_err >= 0) {
        printf(", \"max_at\": {\"x\": ");
        json_hex(s->max_x);
        printf(", \"x_dec\": ");
        if (isfinite(s->max_x))
            printf("%.*g", dg, s->max_x);
        else
            printf("null");
        printf(", \"got\": ");
        json_hex(s->max_got);
        printf(", \"ref\": ");
        json_hex_ld(s->max_ref);
        printf("}");
    }
    printf(", \"over_half_ulp\": %llu, \"over_1_ulp\": %llu, \"nan_mismatch\": %llu",
           (unsigned long long)s->over_half, (unsigned long long)s->over_one,
           (unsigned long long)s->nan_mismatch);
    if (o->identical) {
        printf(", \"identical_to\": \"%s\", \"bit_differences\": %llu, \"differences\": [",
               golu_isa_name(o->isa2), (unsigned long long)s->n_diff);
        for (int i = 0; i < s->n_examples; i++) {
            printf(i ? ", {\"x\": " : "{\"x\": ");
            json_hex(s->examples[i].x);
            printf(", \"got\": ");
            json_hex(s->examples[i].got);
            printf(", \"other\": ");
            json_hex(s->examples[i].got2);
            printf("}");
        }
        printf("]");
    }
    if (o->have_max)
        printf(", \"max_ulp_limit\": %.6g", o->max_ulp);
    printf(", \"seconds\": %.2f, \"pass\": %s}\n", secs, pass ? "true" : "false");
}

/* An error for people: 6 digits, except that a value just above a round
 * number says so ("0.5 + 1.1e-16"), so that it never reads as the bound it
 * exceeds. */
static void format_ulp(double v, char *buf, size_t size)
{
    snprintf(buf, size, "%.6g", v);
    double shown = strtod(buf, NULL);
    if (v > shown && v - shown < 1e-9 * shown)
        snprintf(buf, size, "%.6g + %.2g", shown, v - shown);
}

static void report_text(const ulp_opts *o, golu_isa isa, const ulp_stats *s,
                        double secs, int pass)
{
    int dg = dtype_digits(o->dtype);
    printf("activation    %s", golu_act_name(o->act.kind));
    print_params(&o->act, 0);
    printf("\ndirection     %s\n", o->dir == GOLU_DIR_FWD ? "fwd" : "bwd (dy = 1)");
    printf("dtype         %s\n", golu_dtype_name(o->dtype));
    if (o->dtype == GOLU_F64)
        printf("ISA           portable float64 code (threads %d)\n", o->threads);
    else
        printf("ISA           %s%s\n", golu_isa_name(isa),
               o->dtype == GOLU_F32 ? "" : " (16-bit: widened to float32)");
    printf("inputs        %llu", (unsigned long long)s->checked);
    if (o->have_range)
        printf(" (values in [%g, %g])", o->lo, o->hi);
    else if (o->dtype == GOLU_F64)
        printf(" (random, seed %llu)", (unsigned long long)o->seed);
    else
        printf(" (every bit pattern)");
    printf("\n");
    if (s->max_err < 0) {
        printf("max error     - (no inputs)\n");
    } else {
        char err[64];
        format_ulp(s->max_err, err, sizeof err);
        printf("max error     %s ulp\n", err);
        printf("  at x        %a (%.*g)\n", s->max_x, dg, s->max_x);
        printf("  got         %a (%.*g)\n", s->max_got, dg, s->max_got);
        char ref[80];
        ld_hex(s->max_ref, ref, sizeof ref);
        printf("  ref         %s (%.*Lg)\n", ref, dg + 3, s->max_ref);
    }
    printf("> 0.5 ulp     %llu\n", (unsigned long long)s->over_half);
    printf("> 1 ulp       %llu\n", (unsigned long long)s->over_one);
    printf("NaN mismatch  %llu\n", (unsigned long long)s->nan_mismatch);
    if (o->identical) {
        printf("identical to  %s: %llu input%s differ in bits\n",
               golu_isa_name(o->isa2), (unsigned long long)s->n_diff,
               s->n_diff == 1 ? "" : "s");
        for (int i = 0; i < s->n_examples; i++)
            printf("  x %a: %a vs %a\n", s->examples[i].x, s->examples[i].got,
                   s->examples[i].got2);
    }
    printf("time          %.2f s\n", secs);
    if (o->have_max || o->identical) {
        printf("result        %s", pass ? "PASS" : "FAIL");
        if (o->have_max && !(s->max_err <= o->max_ulp))
            printf(": max error above --max-ulp %g", o->max_ulp);
        if (o->identical && s->n_diff)
            printf("%s outputs differ from %s", o->have_max && !(s->max_err <= o->max_ulp) ? ";" : ":",
                   golu_isa_name(o->isa2));
        printf("\n");
    }
}

int golu_cmd_ulp(int argc, char **argv)
{
    cli_set_command("ulp");
    ulp_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : 2;

    ulp_stats s;
    double t0 = cli_now();
    if (o.dtype == GOLU_F32) {
        sweep_job job = {.o = &o, .space = {1, 0, (uint64_t)1 << 32}};
        atomic_init(&job.next_block, 0);
        if (o.have_range && !f32_space_of_range(o.lo, o.hi, &job.space)) {
            cli_error("--range: no float32 value lies in [%g, %g]", o.lo, o.hi);
            return 2;
        }
        run_workers(&o, &job, f32_worker, &s);
    } else if (o.dtype == GOLU_F64) {
        sweep_job job = {.o = &o};
        atomic_init(&job.next_block, 0);
        run_workers(&o, &job, f64_worker, &s);
    } else {
        sweep_half(&o, &s);
    }
    double secs = cli_now() - t0;
    if (s.status != GOLU_OK) {
        cli_error("a kernel call failed: %s", golu_status_str(s.status));
        return 1;
    }
    if (o.have_range && s.checked == 0) {
        cli_error("--range: no %s value lies in [%g, %g]",
                  golu_dtype_name(o.dtype), o.lo, o.hi);
        return 2;
    }

    golu_isa isa = o.isa;
    golu_ctx *ctx;
    if (make_ctx(o.isa, &ctx) == GOLU_OK) {
        isa = golu_ctx_isa(ctx);
        golu_ctx_destroy(ctx);
    }
    int pass = 1;
    if (o.have_max && !(s.max_err <= o.max_ulp))
        pass = 0;
    if (o.identical && s.n_diff)
        pass = 0;
    if (o.json)
        report_json(&o, isa, &s, secs, pass);
    else
        report_text(&o, isa, &s, secs, pass);
    return pass ? 0 : 1;
}
