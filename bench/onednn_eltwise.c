/*
 * onednn_eltwise.c - oneDNN's eltwise primitives beside libgolu: speed and
 * accuracy, float32, one thread (a benchmark program only: libgolu never
 * depends on oneDNN; `make onednn-bench` builds this when dnnl.h is found).
 *
 *   build/bench/onednn_eltwise [--sizes 4Ki,64Ki,1Mi,16Mi] [--min-time 0.2]
 *                              [--acts gelu,gelu_tanh,silu,mish,elu,relu]
 *                              [--range -100,100] [--samples 4Mi]
 *                              [--no-speed] [--no-ulp]
 *
 * Speed: forward (y = f(x)) and backward (dx = dy * f'(x)) on x ~ N(0, 1),
 * dy ~ N(0, 1), preallocated outputs; per size, oneDNN and libgolu (a context
 * with one thread, the default SIMD path) alternated in rounds, the median
 * ns/element of each and the ratio onednn/golu (above 1: golu faster).
 *
 * Accuracy: both on the same float32 inputs, against the project's oracle
 * (src/ref: long double, the error measure of `golu ulp`, backward with
 * dy = 1 in ulps of max(|f'|, the cancelling terms)): the float32 inputs in
 * --range, every one when they are at most --samples, else blocks of 256
 * consecutive ones spread evenly over them (--samples in all), so the
 * maxima are lower bounds of the true worst case, the same lower bound for
 * both; then f and f' at -inf, +inf and NaN, beside the oracle's. oneDNN's
 * forward-training primitive, its backward from the source (use_dst off);
 * alpha 1 for SiLU (x sigmoid(x)) and ELU, 0 for ReLU.
 *
 * oneDNN runs on OpenMP here: the program starts itself again with
 * OMP_NUM_THREADS=1 when that is not set, so that oneDNN has one thread.
 * Exits 0, 1 when a oneDNN or libgolu call fails, 2 on bad usage.
 */
#include <dnnl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "golu.h"
#include "stats.h"
#include "ulp_sweep.h"

typedef struct act_map {
    const char *name; /* libgolu's name */
    dnnl_alg_kind_t alg;
    float alpha, beta;
} act_map;

static const act_map ACTS[] = {
    {"gelu", dnnl_eltwise_gelu_erf, 0.0f, 0.0f},
    {"gelu_tanh", dnnl_eltwise_gelu_tanh, 0.0f, 0.0f},
    {"silu", dnnl_eltwise_swish, 1.0f, 0.0f},
    {"mish", dnnl_eltwise_mish, 0.0f, 0.0f},
    {"elu", dnnl_eltwise_elu, 1.0f, 0.0f},
    {"relu", dnnl_eltwise_relu, 0.0f, 0.0f},
};
enum { NACTS = sizeof ACTS / sizeof ACTS[0], MAX_SIZES = 16 };

typedef struct opts {
    size_t sizes[MAX_SIZES];
    int nsizes;
    double min_time;
    int use[NACTS];
    double lo, hi;
    uint64_t samples;
    int speed, ulp;
} opts;

/* ---------------------------------------------------------------- oneDNN */

typedef struct dnnl_op {
    dnnl_engine_t eng;
    dnnl_stream_t strm;
    dnnl_primitive_t fwd, bwd;
    dnnl_memory_t x, y, dy, dx;
} dnnl_op;

#define DNNL_TRY(call)                                                                   \
    do {                                                                                 \
        dnnl_status_t st_ = (call);                                                      \
        if (st_ != dnnl_success) {                                                       \
            fprintf(stderr, "onednn_eltwise: %s failed (status %d)\n", #call, (int)st_); \
            exit(1);                                                                     \
        }                                                                                \
    } while (0)

/* The forward and backward primitives of a on n floats at x, y, dy, dx. */
static void dnnl_op_make(dnnl_op *op, dnnl_engine_t eng, dnnl_stream_t strm,
                         const act_map *a, size_t n, float *x, float *y, float *dy,
                         float *dx)
{
    dnnl_memory_desc_t md;
    dnnl_dims_t dims = {(dnnl_dim_t)n};
    dnnl_eltwise_desc_t fd, bd;
    dnnl_primitive_desc_t fpd, bpd;
    op->eng = eng;
    op->strm = strm;
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&md, 1, dims, dnnl_f32, dnnl_a));
    DNNL_TRY(dnnl_eltwise_forward_desc_init(&fd, dnnl_forward_training, a->alg, &md,
                                            a->alpha, a->beta));
    DNNL_TRY(dnnl_primitive_desc_create(&fpd, &fd, NULL, eng, NULL));
    DNNL_TRY(dnnl_primitive_create(&op->fwd, fpd));
    DNNL_TRY(dnnl_eltwise_backward_desc_init(&bd, a->alg, &md, &md, a->alpha, a->beta));
    DNNL_TRY(dnnl_primitive_desc_create(&bpd, &bd, NULL, eng, fpd));
    DNNL_TRY(dnnl_primitive_create(&op->bwd, bpd));
    dnnl_primitive_desc_destroy(bpd);
    dnnl_primitive_desc_destroy(fpd);
    DNNL_TRY(dnnl_memory_create(&op->x, &md, eng, x));
    DNNL_TRY(dnnl_memory_create(&op->y, &md, eng, y));
    DNNL_TRY(dnnl_memory_create(&op->dy, &md, eng, dy));
    DNNL_TRY(dnnl_memory_create(&op->dx, &md, eng, dx));
}

static void dnnl_op_free(dnnl_op *op)
{
    dnnl_memory_destroy(op->x);
    dnnl_memory_destroy(op->y);
    dnnl_memory_destroy(op->dy);
    dnnl_memory_destroy(op->dx);
    dnnl_primitive_destroy(op->fwd);
    dnnl_primitive_destroy(op->bwd);
}

/* y = f(x) (bwd 0) or dx = dy * f'(x) (bwd 1), waited for. */
static void dnnl_op_run(const dnnl_op *op, int bwd)
{
    if (!bwd) {
        dnnl_exec_arg_t args[2] = {{DNNL_ARG_SRC, op->x}, {DNNL_ARG_DST, op->y}};
        DNNL_TRY(dnnl_primitive_execute(op->fwd, op->strm, 2, args));
    } else {
        dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, op->x},
                                   {DNNL_ARG_DIFF_DST, op->dy},
                                   {DNNL_ARG_DIFF_SRC, op->dx}};
        DNNL_TRY(dnnl_primitive_execute(op->bwd, op->strm, 3, args));
    }
    DNNL_TRY(dnnl_stream_wait(op->strm));
}

/* --------------------------------------------------------------- libgolu */

typedef struct golu_op {
    const golu_ctx *ctx;
    golu_act act;
    const float *x, *dy;
    float *y, *dx;
    size_t n;
} golu_op;

static void golu_op_run(const golu_op *op, int bwd)
{
    golu_status st =
        bwd ? golu_backward(op->ctx, &op->act, GOLU_F32, op->x, op->dy, op->dx, op->n)
            : golu_forward(op->ctx, &op->act, GOLU_F32, op->x, op->y, op->n);
    if (st != GOLU_OK) {
        fprintf(stderr, "onednn_eltwise: libgolu %s: %s\n", golu_act_name(op->act.kind),
                golu_status_str(st));
        exit(1);
    }
}

/* ----------------------------------------------------------------- timing */

/* Seconds per call of the one picked (which 0: oneDNN, 1: libgolu), `reps`
 * calls timed together. */
static double time_one(int which, const dnnl_op *d, const golu_op *g, int bwd, long reps)
{
    double t0 = lab_bench_now();
    for (long r = 0; r < reps; r++) {
        if (which == 0)
            dnnl_op_run(d, bwd);
        else
            golu_op_run(g, bwd);
    }
    return (lab_bench_now() - t0) / (double)reps;
}

/* Median seconds per call of oneDNN (out[0]) and libgolu (out[1]): warm-up,
 * then rounds of batches of about min_time / 40 s each, the two alternated
 * (which goes first alternates too), until min_time has passed for both. */
static void time_pair(const dnnl_op *d, const golu_op *g, int bwd, double min_time,
                      double out[2])
{
    enum { MAX_ROUNDS = 400 };
    double t[2][MAX_ROUNDS];
    long reps[2];
    for (int w = 0; w < 2; w++) {
        time_one(w, d, g, bwd, 2);
        double per = time_one(w, d, g, bwd, 3);
        double target = min_time / 40;
        reps[w] = per >= target ? 1 : (long)(target / per);
    }
    int rounds = 0;
    double start = lab_bench_now();
    while (rounds < MAX_ROUNDS &&
           (rounds < 5 || lab_bench_now() - start < 2 * min_time)) {
        for (int k = 0; k < 2; k++) {
            int w = (rounds + k) % 2;
            t[w][rounds] = time_one(w, d, g, bwd, reps[w]);
        }
        rounds++;
    }
    for (int w = 0; w < 2; w++)
        out[w] = lab_median(t[w], (size_t)rounds);
}

/* Standard normal samples from a fixed seed (xorshift and Box-Muller). */
static void fill_normal(float *v, size_t n, uint64_t seed)
{
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i += 2) {
        double u[2];
        for (int k = 0; k < 2; k++) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            u[k] = ((double)(s >> 11) + 0.5) / 9007199254740992.0;
        }
        double r = sqrt(-2.0 * log(u[0])), a = 6.283185307179586 * u[1];
        v[i] = (float)(r * cos(a));
        if (i + 1 < n)
            v[i + 1] = (float)(r * sin(a));
    }
}

static void fmt_n(char *buf, size_t len, size_t n)
{
    if (n >= (1u << 20) && n % (1u << 20) == 0)
        snprintf(buf, len, "%zuMi", n >> 20);
    else if (n >= 1024 && n % 1024 == 0)
        snprintf(buf, len, "%zuKi", n >> 10);
    else
        snprintf(buf, len, "%zu", n);
}

static void speed(const opts *o, dnnl_engine_t eng, dnnl_stream_t strm,
                  const golu_ctx *ctx)
{
    size_t nmax = 0;
    for (int i = 0; i < o->nsizes; i++)
        nmax = o->sizes[i] > nmax ? o->sizes[i] : nmax;
    float *x = malloc(nmax * sizeof *x), *dy = malloc(nmax * sizeof *dy);
    float *y = malloc(nmax * sizeof *y), *dx = malloc(nmax * sizeof *dx);
    if (!x || !dy || !y || !dx) {
        fprintf(stderr, "onednn_eltwise: out of memory for %zu elements\n", nmax);
        exit(1);
    }
    fill_normal(x, nmax, 1);
    fill_normal(dy, nmax, 2);
    memset(y, 0, nmax * sizeof *y);
    memset(dx, 0, nmax * sizeof *dx);
    printf("\n### speed: float32, 1 thread, x ~ N(0,1), ns/element (median of alternated "
           "rounds, %g s each side)\n\n",
           o->min_time);
    printf("| act | dir | n | oneDNN | libgolu | oneDNN / libgolu |\n");
    printf("|---|---|---|---|---|---|\n");
    for (int a = 0; a < NACTS; a++) {
        if (!o->use[a])
            continue;
        golu_act act;
        golu_act_from_name(ACTS[a].name, &act);
        for (int bwd = 0; bwd < 2; bwd++)
            for (int i = 0; i < o->nsizes; i++) {
                size_t n = o->sizes[i];
                dnnl_op d;
                dnnl_op_make(&d, eng, strm, &ACTS[a], n, x, y, dy, dx);
                golu_op g = {ctx, act, x, dy, y, dx, n};
                double t[2];
                time_pair(&d, &g, bwd, o->min_time, t);
                char nb[32];
                fmt_n(nb, sizeof nb, n);
                printf("| %s | %s | %s | %.3f | %.3f | %.2f |\n", ACTS[a].name,
                       bwd ? "bwd" : "fwd", nb, t[0] * 1e9 / (double)n,
                       t[1] * 1e9 / (double)n, t[0] / t[1]);
                fflush(stdout);
                dnnl_op_free(&d);
            }
    }
    free(x);
    free(dy);
    free(y);
    free(dx);
}

/* ---------------------------------------------------------------- accuracy */

/* f (bwd 0) or f' (bwd 1) at x on oneDNN (d, block-sized, x its input
 * buffer) and libgolu (g), for the table of special inputs. */
static void special_row(const char *name, int bwd, float *x, const dnnl_op *d, float *yd,
                        const golu_op *g, float *yg, const golu_act *act)
{
    static const float xs[3] = {-INFINITY, INFINITY, NAN};
    printf("| %s | %s |", name, bwd ? "bwd" : "fwd");
    for (int k = 0; k < 3; k++) {
        x[0] = xs[k];
        dnnl_op_run(d, bwd);
        golu_op_run(g, bwd);
        long double want = golu_ref_ld(act, bwd ? GOLU_DIR_BWD : GOLU_DIR_FWD, xs[k]);
        printf(" %g / %g / %Lg |", (double)yd[0], (double)yg[0], want);
    }
    printf("\n");
}

static void accuracy(const opts *o, dnnl_engine_t eng, dnnl_stream_t strm,
                     const golu_ctx *ctx)
{
    enum { BLOCK = 256 };
    ulp_f32_space sp;
    if (!ulp_f32_space_of_range(o->lo, o->hi, &sp)) {
        fprintf(stderr, "onednn_eltwise: --range holds no float32\n");
        exit(2);
    }
    uint64_t blocks = (sp.count + BLOCK - 1) / BLOCK,
             want = (o->samples + BLOCK - 1) / BLOCK;
    uint64_t used = blocks < want ? blocks : want;
    float x[BLOCK], ones[BLOCK], yd[BLOCK], yg[BLOCK], tmp[BLOCK];
    for (int i = 0; i < BLOCK; i++)
        ones[i] = 1.0f;
    printf(
        "\n### accuracy: float32 in [%g, %g], %s %llu inputs (blocks of %d consecutive "
        "ones), against the long double oracle (golu ulp's measure)\n\n",
        o->lo, o->hi, used == blocks ? "all" : "a sample of",
        (unsigned long long)(used == blocks ? sp.count : used * BLOCK), BLOCK);
    printf(
        "| act | dir | oneDNN max ulp | at x | oneDNN > 1 ulp | libgolu max ulp | at x | "
        "libgolu > 1 ulp |\n");
    printf("|---|---|---|---|---|---|---|---|\n");
    for (int a = 0; a < NACTS; a++) {
        if (!o->use[a])
            continue;
        golu_act act;
        golu_act_from_name(ACTS[a].name, &act);
        for (int bwd = 0; bwd < 2; bwd++) {
            ulp_sweep_opts uo;
            memset(&uo, 0, sizeof uo);
            uo.act = act;
            uo.dir = bwd ? GOLU_DIR_BWD : GOLU_DIR_FWD;
            uo.dtype = GOLU_F32;
            uo.threads = 1;
            ulp_stats sd, sg;
            ulp_stats_init(&sd);
            ulp_stats_init(&sg);
            dnnl_op d;
            /* The outputs of a backward call land in yd; the forward's too. */
            dnnl_op_make(&d, eng, strm, &ACTS[a], BLOCK, x, yd, ones, yd);
            golu_op g = {ctx, act, x, ones, yg, yg, BLOCK};
            for (uint64_t b = 0; b < used; b++) {
                uint64_t begin = (blocks * b / used) * BLOCK;
                size_t n = sp.count - begin < BLOCK ? (size_t)(sp.count - begin) : BLOCK;
                ulp_f32_inputs(&sp, begin, n, x);
                for (size_t i = n; i < BLOCK; i++)
                    x[i] = x[0];
                memcpy(tmp, x, sizeof tmp);
                dnnl_op_run(&d, bwd);
                golu_op_run(&g, bwd);
                ulp_measure_f32(&uo, tmp, yd, NULL, n, begin, &sd);
                ulp_measure_f32(&uo, tmp, yg, NULL, n, begin, &sg);
            }
            printf("| %s | %s | %.3g | %.9g | %llu | %.3g | %.9g | %llu |\n",
                   ACTS[a].name, bwd ? "bwd" : "fwd", sd.max_err, sd.max_x,
                   (unsigned long long)sd.over_one, sg.max_err, sg.max_x,
                   (unsigned long long)sg.over_one);
            fflush(stdout);
            dnnl_op_free(&d);
        }
    }
    printf("\n### special inputs: oneDNN / libgolu / oracle\n\n");
    printf("| act | dir | x = -inf | x = +inf | x = NaN |\n|---|---|---|---|---|\n");
    for (int a = 0; a < NACTS; a++) {
        if (!o->use[a])
            continue;
        golu_act act;
        golu_act_from_name(ACTS[a].name, &act);
        for (int bwd = 0; bwd < 2; bwd++) {
            dnnl_op d;
            memset(x, 0, sizeof x);
            dnnl_op_make(&d, eng, strm, &ACTS[a], 1, x, yd, ones, yd);
            golu_op g = {ctx, act, x, ones, yg, yg, 1};
            special_row(ACTS[a].name, bwd, x, &d, yd, &g, yg, &act);
            dnnl_op_free(&d);
        }
    }
}

/* ------------------------------------------------------------------ main */

static int parse_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s)
        return 0;
    if (strcmp(end, "Ki") == 0)
        v <<= 10;
    else if (strcmp(end, "Mi") == 0)
        v <<= 20;
    else if (*end)
        return 0;
    *out = (size_t)v;
    return v > 0;
}

static int usage(const char *why, const char *arg)
{
    fprintf(stderr, "onednn_eltwise: %s%s%s\n", why, arg ? ": " : "", arg ? arg : "");
    fprintf(stderr, "usage: onednn_eltwise [--sizes 4Ki,64Ki,1Mi,16Mi] [--min-time S] "
                    "[--acts gelu,gelu_tanh,silu,mish,elu,relu] [--range LO,HI] "
                    "[--samples N] [--no-speed] [--no-ulp]\n");
    return 2;
}

static int parse(int argc, char **argv, opts *o)
{
    static const size_t def[] = {4096, 65536, 1 << 20, 16 << 20};
    memset(o, 0, sizeof *o);
    for (int i = 0; i < 4; i++)
        o->sizes[i] = def[i];
    o->nsizes = 4;
    o->min_time = 0.2;
    o->lo = -100.0;
    o->hi = 100.0;
    o->samples = (uint64_t)1 << 22;
    o->speed = o->ulp = 1;
    for (int a = 0; a < NACTS; a++)
        o->use[a] = 1;
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(f, "--no-speed") == 0) {
            o->speed = 0;
        } else if (strcmp(f, "--no-ulp") == 0) {
            o->ulp = 0;
        } else if (!v) {
            return usage("unknown flag or missing value", f);
        } else if (strcmp(f, "--sizes") == 0) {
            char buf[512];
            snprintf(buf, sizeof buf, "%s", v);
            o->nsizes = 0;
            for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
                if (o->nsizes == MAX_SIZES || !parse_size(t, &o->sizes[o->nsizes++]))
                    return usage("--sizes: not a size list (like 4Ki,1Mi)", v);
            }
            i++;
        } else if (strcmp(f, "--min-time") == 0) {
            o->min_time = atof(v);
            if (!(o->min_time > 0))
                return usage("--min-time: must be > 0", v);
            i++;
        } else if (strcmp(f, "--range") == 0) {
            char *end;
            o->lo = strtod(v, &end);
            if (*end != ',')
                return usage("--range: not LO,HI", v);
            o->hi = strtod(end + 1, &end);
            if (*end || !(o->lo <= o->hi))
                return usage("--range: not LO,HI with LO <= HI", v);
            i++;
        } else if (strcmp(f, "--samples") == 0) {
            size_t n;
            if (!parse_size(v, &n) || n < 256)
                return usage("--samples: a count of at least 256 (suffixes Ki, Mi)", v);
            o->samples = n;
            i++;
        } else if (strcmp(f, "--acts") == 0) {
            char buf[512];
            snprintf(buf, sizeof buf, "%s", v);
            memset(o->use, 0, sizeof o->use);
            for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
                int found = 0;
                for (int a = 0; a < NACTS; a++)
                    if (strcmp(t, ACTS[a].name) == 0)
                        found = o->use[a] = 1;
                if (!found)
                    return usage("--acts: not one of gelu,gelu_tanh,silu,mish,elu,relu",
                                 t);
            }
            i++;
        } else {
            return usage("unknown flag", f);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (!getenv("OMP_NUM_THREADS")) { /* read when the OpenMP runtime loads */
        setenv("OMP_NUM_THREADS", "1", 1);
        execv("/proc/self/exe", argv);
        perror("onednn_eltwise: cannot restart itself with OMP_NUM_THREADS=1");
        return 1;
    }
    opts o;
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc;
    const dnnl_version_t *ver = dnnl_version();
    golu_ctx *ctx = NULL;
    if (golu_ctx_create(&ctx) != GOLU_OK || golu_ctx_set_threads(ctx, 1) != GOLU_OK) {
        fprintf(stderr, "onednn_eltwise: cannot make a libgolu context\n");
        return 1;
    }
    dnnl_engine_t eng;
    dnnl_stream_t strm;
    DNNL_TRY(dnnl_engine_create(&eng, dnnl_cpu, 0));
    DNNL_TRY(dnnl_stream_create(&strm, eng, dnnl_stream_default_flags));
    printf(
        "oneDNN %d.%d.%d (OMP_NUM_THREADS=%s, ONEDNN_MAX_CPU_ISA=%s) beside libgolu %s "
        "on path %s, 1 thread\n",
        ver->major, ver->minor, ver->patch, getenv("OMP_NUM_THREADS"),
        getenv("ONEDNN_MAX_CPU_ISA") ? getenv("ONEDNN_MAX_CPU_ISA") : "unset",
        GOLU_VERSION_STRING, golu_isa_name(golu_ctx_isa(ctx)));
    if (o.speed)
        speed(&o, eng, strm, ctx);
    if (o.ulp)
        accuracy(&o, eng, strm, ctx);
    dnnl_stream_destroy(strm);
    dnnl_engine_destroy(eng);
    golu_ctx_destroy(ctx);
    return 0;
}
