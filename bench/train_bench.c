/*
 * train_bench.c - training throughput and peak memory of the C framework on
 * the benchmark configurations of docs/TRAINING.md, on random data (no data
 * loading in the timing), one process per configuration so that the peak
 * memory is the model's own.
 *
 *   train_bench --model mlp|resnet|gpt|unet [--act NAME] [--steps N] [--threads N]
 *               [--profile]
 *
 * mlp:    784-512-512-10 with LayerNorm (2 blocks), batch 128, SGD momentum
 * resnet: ResNet-20 on 3x32x32, batch 128, SGD momentum, weight decay
 * gpt:    4 layers, 4 heads, width 128, context 128, batch 16, bytes, AdamW
 * unet:   3 levels of 16/32/64 on 1x64x64 scenes, 11 classes a pixel, batch 32,
 *         AdamW (the segment recipe)
 * Prints one JSON line: steps/s, examples (or tokens) per second, the
 * median step time, and the peak resident memory (ru_maxrss). Each step is
 * the trainer's own (nn_train_step), on a batch shaped by the model's task.
 *
 * --profile adds the time spent in the matrix products (inside BLAS: the
 * GEMMs, and so the strided convolutions' products; GEMV and AXPY too) and
 * in the direct 3x3 convolutions (src/nn/conv/conv3x3.h, their padded
 * copies included) against the rest of the step: this program defines
 * cblas_sgemm, cblas_sgemv and cblas_saxpy, which the framework's static
 * library binds to, times each call and forwards it to OpenBLAS's (dlsym
 * RTLD_NEXT); the convolutions are wrapped at link time (ld --wrap, see
 * the Makefile). What the framework runs inside a convolution through its
 * hooks (layers.h: the forward's `then`, BatchNorm's statistics; the
 * backward's dy source, BatchNorm's data gradient) is timed apart and
 * counted in the rest, not the products. Calls made on several threads at
 * once add up, so the split is exact at --threads 1 and an upper bound on
 * the products' share above it. Without --profile the wrappers only
 * forward (no clock).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_NEXT */
#endif
#include <cblas.h>
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench.h"
#include "conv/conv3x3.h"
#include "layers.h"
#include "nn.h"
#include "stats.h"
#include "rng.h"

/* The benchmark configurations (docs/TRAINING.md): a model of the registry,
 * its sizes, and the optimizer, clipping and rate of its recipe's kind. */
typedef struct bench_config {
    const char *model;
    int in_c, in_h, in_w, depth, width, layers, heads, context, classes, batch;
    nn_optim_config opt;
    double clip, lr;
    const char *units; /* of the throughput: "images", "tokens" */
} bench_config;

static const bench_config CONFIGS[] = {
    {.model = "mlp",
     .in_c = 1,
     .in_h = 28,
     .in_w = 28,
     .depth = 2,
     .width = 512,
     .classes = 10,
     .batch = 128,
     .opt = {NN_OPT_SGD, 1e-4, 0.9, 0, 0.9, 0.999, 1e-8},
     .lr = 0.01,
     .units = "images"},
    {.model = "resnet",
     .in_c = 3,
     .in_h = 32,
     .in_w = 32,
     .depth = 20,
     .width = 16,
     .classes = 10,
     .batch = 128,
     .opt = {NN_OPT_SGD, 1e-4, 0.9, 0, 0.9, 0.999, 1e-8},
     .lr = 0.01,
     .units = "images"},
    {.model = "gpt",
     .width = 128,
     .layers = 4,
     .heads = 4,
     .context = 128,
     .batch = 16,
     .opt = {NN_OPT_ADAMW, 0.1, 0, 0, 0.9, 0.99, 1e-8},
     .clip = 1.0,
     .lr = 1e-3,
     .units = "tokens"},
    /* the segment recipe's U-Net: 64x64 scenes, 11 classes a pixel */
    {.model = "unet",
     .in_c = 1,
     .in_h = 64,
     .in_w = 64,
     .depth = 3,
     .width = 16,
     .classes = 11,
     .batch = 32,
     .opt = {NN_OPT_ADAMW, 0, 0, 0, 0.9, 0.999, 1e-8},
     .lr = 2e-3,
     .units = "images"},
};

/* ------------------------- time in the products (--profile) --- */

static int profiling;
/* Summed over the calls, every thread: in BLAS, in the direct
 * convolutions' forward and backward, in their hooks, in libgolu's
 * activation kernels (part of the rest, reported beside it). */
static atomic_llong blas_ns, conv_fwd_ns, conv_bwd_ns, hook_fwd_ns, hook_bwd_ns,
    act_fwd_ns, act_bwd_ns;

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* OpenBLAS's name, looked up once (the first call comes from the main
 * thread before any pool exists: the model's creation runs none). */
static void *next_symbol(void **slot, const char *name)
{
    if (!*slot) {
        *slot = dlsym(RTLD_NEXT, name);
        if (!*slot) {
            fprintf(stderr, "train_bench: %s not found in the BLAS library\n", name);
            abort();
        }
    }
    return *slot;
}

#define TIMED(counter, call)                                                             \
    do {                                                                                 \
        if (!profiling) {                                                                \
            call;                                                                        \
            break;                                                                       \
        }                                                                                \
        long long t0_ = now_ns();                                                        \
        call;                                                                            \
        atomic_fetch_add_explicit(&counter, now_ns() - t0_, memory_order_relaxed);       \
    } while (0)

typedef void sgemm_fn(const enum CBLAS_ORDER, const enum CBLAS_TRANSPOSE,
                      const enum CBLAS_TRANSPOSE, const blasint, const blasint,
                      const blasint, const float, const float *, const blasint,
                      const float *, const blasint, const float, float *, const blasint);
typedef void sgemv_fn(const enum CBLAS_ORDER, const enum CBLAS_TRANSPOSE, const blasint,
                      const blasint, const float, const float *, const blasint,
                      const float *, const blasint, const float, float *, const blasint);
typedef void saxpy_fn(const blasint, const float, const float *, const blasint, float *,
                      const blasint);

void cblas_sgemm(const enum CBLAS_ORDER o, const enum CBLAS_TRANSPOSE ta,
                 const enum CBLAS_TRANSPOSE tb, const blasint m, const blasint n,
                 const blasint k, const float alpha, const float *a, const blasint lda,
                 const float *b, const blasint ldb, const float beta, float *c,
                 const blasint ldc)
{
    static void *real;
    sgemm_fn *f;
    void *p = next_symbol(&real, "cblas_sgemm");
    memcpy(&f, &p, sizeof f); /* POSIX: dlsym's result is the function */
    TIMED(blas_ns, f(o, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc));
}

void cblas_sgemv(const enum CBLAS_ORDER o, const enum CBLAS_TRANSPOSE t, const blasint m,
                 const blasint n, const float alpha, const float *a, const blasint lda,
                 const float *x, const blasint incx, const float beta, float *y,
                 const blasint incy)
{
    static void *real;
    sgemv_fn *f;
    void *p = next_symbol(&real, "cblas_sgemv");
    memcpy(&f, &p, sizeof f); /* POSIX: dlsym's result is the function */
    TIMED(blas_ns, f(o, t, m, n, alpha, a, lda, x, incx, beta, y, incy));
}

void cblas_saxpy(const blasint n, const float alpha, const float *x, const blasint incx,
                 float *y, const blasint incy)
{
    static void *real;
    saxpy_fn *f;
    void *p = next_symbol(&real, "cblas_saxpy");
    memcpy(&f, &p, sizeof f); /* POSIX: dlsym's result is the function */
    TIMED(blas_ns, f(n, alpha, x, incx, y, incy));
}

/* The direct convolutions: ld --wrap=nn_conv3x3_forward,... sends the
 * framework's calls here and the __real_ names to the originals (the
 * prototypes checked against conv3x3.h's below). */
void __real_nn_conv3x3_forward(float *y, const float *x, const float *w, const float *b,
                               const nn_conv2d_shape *s, int n0, int n1, float *work,
                               const nn_conv_then *then);
void __real_nn_conv3x3_backward(float *dx, float *dw, int dw_fresh, const float *dy,
                                const nn_conv_dy_source *dy_src, const float *dx_add,
                                const float *x, const float *w, const nn_conv2d_shape *s,
                                int n0, int n1, float *work);
void __wrap_nn_conv3x3_forward(float *y, const float *x, const float *w, const float *b,
                               const nn_conv2d_shape *s, int n0, int n1, float *work,
                               const nn_conv_then *then);
void __wrap_nn_conv3x3_backward(float *dx, float *dw, int dw_fresh, const float *dy,
                                const nn_conv_dy_source *dy_src, const float *dx_add,
                                const float *x, const float *w, const nn_conv2d_shape *s,
                                int n0, int n1, float *work);
_Static_assert(__builtin_types_compatible_p(__typeof__(&__wrap_nn_conv3x3_forward),
                                            __typeof__(&nn_conv3x3_forward)) &&
                   __builtin_types_compatible_p(__typeof__(&__wrap_nn_conv3x3_backward),
                                                __typeof__(&nn_conv3x3_backward)),
               "the wrappers' prototypes are conv3x3.h's");

/* The hooks, timed: ctx is the framework's own hook. */
static void timed_then(void *ctx, int img, const float *y)
{
    const nn_conv_then *t = ctx;
    TIMED(hook_fwd_ns, t->image(t->ctx, img, y));
}

static void timed_dy_source(void *ctx, int i0, int n, float *dy)
{
    const nn_conv_dy_source *d = ctx;
    TIMED(hook_bwd_ns, d->images(d->ctx, i0, n, dy));
}

void __wrap_nn_conv3x3_forward(float *y, const float *x, const float *w, const float *b,
                               const nn_conv2d_shape *s, int n0, int n1, float *work,
                               const nn_conv_then *then)
{
    const nn_conv_then shim = {timed_then, (void *)then};
    if (then && profiling)
        then = &shim;
    TIMED(conv_fwd_ns, __real_nn_conv3x3_forward(y, x, w, b, s, n0, n1, work, then));
}

void __wrap_nn_conv3x3_backward(float *dx, float *dw, int dw_fresh, const float *dy,
                                const nn_conv_dy_source *dy_src, const float *dx_add,
                                const float *x, const float *w, const nn_conv2d_shape *s,
                                int n0, int n1, float *work)
{
    const nn_conv_dy_source shim = {timed_dy_source, (void *)dy_src};
    if (dy_src && profiling)
        dy_src = &shim;
    TIMED(conv_bwd_ns, __real_nn_conv3x3_backward(dx, dw, dw_fresh, dy, dy_src, dx_add, x,
                                                  w, s, n0, n1, work));
}

/* libgolu's activation calls (ld --wrap=golu_forward,--wrap=golu_backward):
 * the framework's layers call nothing else of the kernels. */
golu_status __real_golu_forward(const golu_ctx *ctx, const golu_act *act,
                                golu_dtype dtype, const void *x, void *y, size_t n);
golu_status __real_golu_backward(const golu_ctx *ctx, const golu_act *act,
                                 golu_dtype dtype, const void *x, const void *dy,
                                 void *dx, size_t n);
golu_status __wrap_golu_forward(const golu_ctx *ctx, const golu_act *act,
                                golu_dtype dtype, const void *x, void *y, size_t n);
golu_status __wrap_golu_backward(const golu_ctx *ctx, const golu_act *act,
                                 golu_dtype dtype, const void *x, const void *dy,
                                 void *dx, size_t n);
_Static_assert(__builtin_types_compatible_p(__typeof__(&__wrap_golu_forward),
                                            __typeof__(&golu_forward)) &&
                   __builtin_types_compatible_p(__typeof__(&__wrap_golu_backward),
                                                __typeof__(&golu_backward)),
               "the wrappers' prototypes are golu.h's");

golu_status __wrap_golu_forward(const golu_ctx *ctx, const golu_act *act,
                                golu_dtype dtype, const void *x, void *y, size_t n)
{
    golu_status st;
    TIMED(act_fwd_ns, st = __real_golu_forward(ctx, act, dtype, x, y, n));
    return st;
}

golu_status __wrap_golu_backward(const golu_ctx *ctx, const golu_act *act,
                                 golu_dtype dtype, const void *x, const void *dy,
                                 void *dx, size_t n)
{
    golu_status st;
    TIMED(act_bwd_ns, st = __real_golu_backward(ctx, act, dtype, x, dy, dx, n));
    return st;
}

static const bench_config *config_find(const char *model)
{
    for (size_t i = 0; i < sizeof CONFIGS / sizeof CONFIGS[0]; i++)
        if (strcmp(CONFIGS[i].model, model) == 0 && nn_model_find(model))
            return &CONFIGS[i];
    return NULL;
}

static nn_config config_for(const bench_config *b, golu_act act)
{
    nn_config c;
    memset(&c, 0, sizeof c);
    c.desc = nn_model_find(b->model);
    c.act = act;
    c.classes = b->classes;
    c.vocab = 256;
    c.in_c = b->in_c, c.in_h = b->in_h, c.in_w = b->in_w;
    c.depth = b->depth, c.width = b->width, c.batch = b->batch;
    c.layers = b->layers, c.heads = b->heads, c.context = b->context;
    return c;
}

/* n elements of a batch buffer by its spec: floats N(0, 1) from stream
 * float_stream, integers uniform in the spec's range from int_stream. */
static void *random_batch(const nn_batch_spec *s, size_t n, uint64_t float_stream,
                          uint64_t int_stream)
{
    if (s->dtype == NN_ST_F32) {
        float *x = malloc(n * sizeof *x);
        for (size_t i = 0; x && i < n; i++)
            x[i] = (float)nn_rng_normal(3, float_stream, i);
        return x;
    }
    int32_t *x = malloc(n * sizeof *x);
    for (size_t i = 0; x && i < n; i++)
        x[i] = (int32_t)nn_rng_below(3, int_stream, i, (uint64_t)s->range);
    return x;
}

int main(int argc, char **argv)
{
    const char *model = "mlp", *actname = "golu";
    int steps = 50, threads = 0;
    for (int i = 1; i < argc; i += 2) {
        if (strcmp(argv[i], "--profile") == 0) {
            profiling = 1, i--;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "train_bench: %s needs a value\n", argv[i]);
            return 2;
        }
        if (strcmp(argv[i], "--model") == 0)
            model = argv[i + 1];
        else if (strcmp(argv[i], "--act") == 0)
            actname = argv[i + 1];
        else if (strcmp(argv[i], "--steps") == 0)
            steps = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--threads") == 0)
            threads = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "train_bench: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    const bench_config *bc = config_find(model);
    if (!bc) {
        fprintf(stderr, "train_bench: --model: unknown model '%s'\n", model);
        return 2;
    }
    golu_act act;
    if (golu_act_from_name(actname, &act) != GOLU_OK || steps < 1) {
        fprintf(stderr, "train_bench: bad --act '%s' or --steps %d\n", actname, steps);
        return 2;
    }
    if (threads > 0)
        openblas_set_num_threads(threads);
    nn_config c = config_for(bc, act);
    nn_model *m;
    nn_err err;
    if (nn_model_create(&m, &c, 1, threads, &err)) {
        fprintf(stderr, "train_bench: %s\n", err.msg);
        return 1;
    }
    nn_optim opt;
    if (nn_optim_init(&opt, &bc->opt, &m->params, &err)) {
        fprintf(stderr, "train_bench: %s\n", err.msg);
        return 1;
    }
    nn_batch_spec xs, ys;
    double units;
    nn_model_task(&c)->shape(&c, &xs, &ys, &units);
    void *x = random_batch(&xs, (size_t)c.batch * xs.per_example, 1, 2);
    void *y = random_batch(&ys, (size_t)c.batch * ys.per_example, 1, 3);
    if (!x || !y) {
        fprintf(stderr, "train_bench: out of memory\n");
        return 1;
    }
    int warm = 3, total = warm + steps;
    double *t = malloc((size_t)total * sizeof *t), loss = 0, start = 0;
    for (int s = 0; s < total; s++) {
        if (s == warm) {
            start = lab_bench_now();
            atomic_store(&blas_ns, 0);
            atomic_store(&conv_fwd_ns, 0);
            atomic_store(&conv_bwd_ns, 0);
            atomic_store(&hook_fwd_ns, 0);
            atomic_store(&hook_bwd_ns, 0);
            atomic_store(&act_fwd_ns, 0);
            atomic_store(&act_bwd_ns, 0);
        }
        double t0 = lab_bench_now();
        nn_train_step(m, &opt, x, y, c.batch, (uint64_t)s, bc->clip, bc->lr, &loss);
        t[s] = lab_bench_now() - t0;
    }
    double wall = lab_bench_now() - start;
    double blas_ms = 1e-6 * (double)atomic_load(&blas_ns) / steps;
    double conv_fwd_ms =
        1e-6 * (double)(atomic_load(&conv_fwd_ns) - atomic_load(&hook_fwd_ns)) / steps;
    double conv_bwd_ms =
        1e-6 * (double)(atomic_load(&conv_bwd_ns) - atomic_load(&hook_bwd_ns)) / steps;
    double products_ms = blas_ms + conv_fwd_ms + conv_bwd_ms;
    double act_fwd_ms = 1e-6 * (double)atomic_load(&act_fwd_ns) / steps;
    double act_bwd_ms = 1e-6 * (double)atomic_load(&act_bwd_ns) / steps;
    double median_step = lab_median(t + warm, (size_t)steps);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double per_step = c.batch * units;
    printf("{\"impl\": \"golu\", \"model\": \"%s\", \"act\": \"%s\", \"threads\": %d, "
           "\"steps\": %d, \"steps_per_s\": %.4f, \"%s_per_s\": %.1f, "
           "\"median_step_ms\": %.3f, "
           "\"peak_rss_mb\": %.1f, \"params\": %zu, \"loss\": %.6f",
           model, actname, threads, steps, steps / wall, bc->units,
           per_step * steps / wall, 1e3 * median_step, ru.ru_maxrss / 1024.0,
           nn_params_trainable(&m->params), loss);
    if (profiling) { /* the mean step's time in the products and the rest's share */
        const double step_ms = 1e3 * wall / steps;
        printf(", \"blas_ms_per_step\": %.3f, \"conv3x3_fwd_ms_per_step\": %.3f, "
               "\"conv3x3_bwd_ms_per_step\": %.3f, \"rest_share\": %.4f, "
               "\"act_fwd_ms_per_step\": %.3f, \"act_bwd_ms_per_step\": %.3f, "
               "\"act_share\": %.4f",
               blas_ms, conv_fwd_ms, conv_bwd_ms, 1 - products_ms / step_ms, act_fwd_ms,
               act_bwd_ms, (act_fwd_ms + act_bwd_ms) / step_ms);
    }
    printf("}\n");
    free(t);
    free(x);
    free(y);
    nn_optim_free(&opt);
    nn_model_destroy(m);
    return 0;
}
