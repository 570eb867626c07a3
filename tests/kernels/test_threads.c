/*
 * test_threads.c - results do not depend on the thread count.
 *
 * On arrays of 1Mi+13 elements (far above the threading threshold, and not
 * a multiple of any block size), thread counts 1, 2, 3, 0 (all CPUs) and 7
 * must give bit-identical forward and backward results, GoLU / LeakyReLU /
 * PReLU parameter gradients and per-channel PReLU dx and dslope, on every
 * SIMD path (which activations and dtypes on which path: see main()). Also:
 * one context shared by several caller threads at once.
 */
#include <pthread.h>

#include "util.h"

enum { N = (1 << 20) + 13, NT = 5 };
/* The finite lower part: 524290 = 2 * 5 * 13 * 37 * 109, far above the
 * threading threshold too. */
enum { NFIN = 524290 };
static const int thread_counts[NT] = {1, 2, 3, 0, 7};

static void *xs[4], *dys[4], *ref, *got, *ref2;

static void make_inputs(void)
{
    rng r = {0x7EAD5};
    for (int dt = 0; dt < 4; dt++) {
        size_t sz = golu_dtype_size((golu_dtype)dt);
        xs[dt] = malloc(N * sz);
        dys[dt] = malloc(N * sz);
        if (!xs[dt] || !dys[dt]) {
            fprintf(stderr, "out of memory\n");
            exit(1);
        }
        for (size_t i = 0; i < N; i++) {
            /* NaN, -inf, -0 only in the upper half: sums use the lower. */
            uint64_t c = i < NFIN ? 999 : rng_next(&r) % 1000;
            double v = c == 0   ? NAN
                       : c == 1 ? -INFINITY
                       : c == 2 ? -0.0
                                : rng_range(&r, -10.0, 20.0);
            elem_set((golu_dtype)dt, xs[dt], i, v);
            elem_set((golu_dtype)dt, dys[dt], i, rng_range(&r, -2.0, 2.0));
        }
    }
    ref = malloc(N * 8);
    ref2 = malloc(N * 8);
    got = malloc(N * 8);
    if (!ref || !ref2 || !got) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
}

/* Index of the first byte-level difference in elements, or -1. */
static long first_diff(const void *a, const void *b, size_t n, size_t sz)
{
    if (memcmp(a, b, n * sz) == 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (memcmp((const char *)a + i * sz, (const char *)b + i * sz, sz) != 0)
            return (long)i;
    return -1;
}

static void check_elementwise(golu_ctx *ctx, golu_isa isa, golu_dtype dt, int k, int bwd)
{
    size_t sz = golu_dtype_size(dt);
    golu_act a = golu_act_default((golu_act_kind)k);
    for (int t = 0; t < NT; t++) {
        CHECK_ST(golu_ctx_set_threads(ctx, thread_counts[t]), GOLU_OK);
        void *out = t == 0 ? ref : got;
        memset(out, 0x5A, N * sz);
        golu_status st = bwd ? golu_backward(ctx, &a, dt, xs[dt], dys[dt], out, N)
                             : golu_forward(ctx, &a, dt, xs[dt], out, N);
        if (!CHECK(st == GOLU_OK, "%s: %s", act_list_name(k), golu_status_str(st)))
            return;
        if (t == 0)
            continue;
        long d = first_diff(ref, got, N, sz);
        CHECK(d < 0, "%s %s %s %s: %d threads differ from 1 thread at %ld (x = %Lg)",
              act_list_name(k), bwd ? "bwd" : "fwd", golu_dtype_name(dt),
              golu_isa_name(isa), thread_counts[t], d,
              d >= 0 ? elem_get(dt, xs[dt], (size_t)d) : 0.0L);
    }
}

static void check_param_grad(golu_ctx *ctx, golu_isa isa, golu_dtype dt, int k)
{
    golu_act a = golu_act_default((golu_act_kind)k);
    double first[3] = {0, 0, 0};
    const size_t n = NFIN; /* NaN-free: a NaN sum would compare poorly */
    for (int t = 0; t < NT; t++) {
        double out[3] = {NAN, NAN, NAN};
        CHECK_ST(golu_ctx_set_threads(ctx, thread_counts[t]), GOLU_OK);
        golu_status st = golu_param_grad(ctx, &a, dt, xs[dt], dys[dt], n, out);
        if (!CHECK(st == GOLU_OK, "param_grad: %s", golu_status_str(st)))
            return;
        if (t == 0) {
            memcpy(first, out, sizeof first);
            continue;
        }
        CHECK(
            memcmp(first, out, sizeof first) == 0,
            "param_grad %s %s %s n=%zu: %d threads give (%.17g, %.17g, %.17g), 1 thread "
            "(%.17g, %.17g, %.17g)",
            act_list_name(k), golu_dtype_name(dt), golu_isa_name(isa), n,
            thread_counts[t], out[0], out[1], out[2], first[0], first[1], first[2]);
    }
}

static void check_prelu(golu_ctx *ctx, golu_isa isa, golu_dtype dt)
{
    size_t sz = golu_dtype_size(dt);
    const size_t n = NFIN;
    const struct {
        size_t c, inner;
    } layouts[] = {{5, 1}, {13, 37 * 109}, {1, 1}};
    unsigned char slope[13 * 8], ds_ref[13 * 8], ds[13 * 8];
    for (int c = 0; c < 13; c++)
        elem_set(dt, slope, (size_t)c, 0.25 - 0.125 * c);
    for (size_t l = 0; l < sizeof layouts / sizeof layouts[0]; l++) {
        size_t C = layouts[l].c, inner = layouts[l].inner;
        for (int t = 0; t < NT; t++) {
            CHECK_ST(golu_ctx_set_threads(ctx, thread_counts[t]), GOLU_OK);
            void *out = t == 0 ? ref : got;
            unsigned char *dso = t == 0 ? ds_ref : ds;
            golu_status st = golu_prelu_forward(ctx, dt, xs[dt], out, n, slope, C, inner);
            CHECK(st == GOLU_OK, "prelu_forward: %s", golu_status_str(st));
            if (t > 0) {
                long d = first_diff(ref, got, n, sz);
                CHECK(d < 0, "prelu_forward %s %s C=%zu: %d threads differ at %ld",
                      golu_dtype_name(dt), golu_isa_name(isa), C, thread_counts[t], d);
            }
            out = t == 0 ? ref2 : got;
            memset(out, 0, n * sz);
            memset(dso, 0x77, sizeof ds);
            st = golu_prelu_backward(ctx, dt, xs[dt], dys[dt], out, n, slope, C, inner,
                                     dso);
            CHECK(st == GOLU_OK, "prelu_backward: %s", golu_status_str(st));
            if (t > 0) {
                long d = first_diff(ref2, got, n, sz);
                CHECK(d < 0, "prelu_backward dx %s %s C=%zu: %d threads differ at %ld",
                      golu_dtype_name(dt), golu_isa_name(isa), C, thread_counts[t], d);
                CHECK(memcmp(ds_ref, ds, C * sz) == 0,
                      "prelu_backward dslope %s %s C=%zu: %d threads differ",
                      golu_dtype_name(dt), golu_isa_name(isa), C, thread_counts[t]);
            }
        }
    }
}

/* ------------------------------------------- one context, many callers --- */

typedef struct job {
    const golu_ctx *ctx;
    void *out;
    golu_status st;
} job;

static void *job_run(void *arg)
{
    job *j = arg;
    golu_act g = golu_act_default(GOLU_ACT_GOLU);
    j->st = golu_backward(j->ctx, &g, GOLU_F32, xs[GOLU_F32], dys[GOLU_F32], j->out, N);
    return NULL;
}

static void check_shared_ctx(void)
{
    golu_ctx *ctx = NULL;
    if (!CHECK(golu_ctx_create(&ctx) == GOLU_OK, "golu_ctx_create"))
        return;
    golu_ctx_set_threads(ctx, 2);
    golu_act g = golu_act_default(GOLU_ACT_GOLU);
    CHECK_ST(golu_backward(ctx, &g, GOLU_F32, xs[GOLU_F32], dys[GOLU_F32], ref, N),
             GOLU_OK);
    enum { J = 3 };
    job jobs[J];
    pthread_t tid[J];
    for (int i = 0; i < J; i++) {
        jobs[i].ctx = ctx;
        jobs[i].out = malloc(N * sizeof(float));
        jobs[i].st = GOLU_ERR_NULL;
        if (pthread_create(&tid[i], NULL, job_run, &jobs[i]) != 0) {
            CHECK(0, "pthread_create");
            jobs[i].out = NULL;
        }
    }
    for (int i = 0; i < J; i++) {
        if (!jobs[i].out)
            continue;
        pthread_join(tid[i], NULL);
        CHECK_INT(jobs[i].st, GOLU_OK);
        CHECK(first_diff(ref, jobs[i].out, N, sizeof(float)) < 0,
              "caller thread %d: results differ with a shared context", i);
        free(jobs[i].out);
    }
    golu_ctx_destroy(ctx);
}

int main(void)
{
    TEST_BEGIN("test_threads");
    skip_missing_isas();
    make_inputs();
    /*
     * The split into blocks is the same code for every activation; what
     * differs is the dtype (float32 direct, float64, 16-bit through float32
     * chunks), the direction and the path. On the default path: every
     * activation in float32, GoLU and LeakyReLU in every dtype, the
     * parameter gradients and per-channel PReLU in every dtype. On the other
     * paths: GoLU in float32 and the 16-bit types, LeakyReLU, the parameter
     * gradients and PReLU in float32 (float64 runs the same portable code on
     * every path). This keeps the program within its time budget.
     */
    golu_isa isa;
    for (int ii = 0; isa_at(ii, &isa); ii++) {
        golu_ctx *ctx = ctx_for_isa(isa, 1);
        if (!ctx)
            continue;
        int full = isa == golu_isa_default();
        for (int dt = 0; dt < 4; dt++) {
            if (!full && dt == GOLU_F64)
                continue;
            for (int k = 0; k < GOLU_ACT_COUNT; k++) {
                int want = (k == GOLU_ACT_GOLU) ||
                           (k == GOLU_ACT_LEAKY_RELU && (full || dt == GOLU_F32)) ||
                           (full && dt == GOLU_F32);
                for (int bwd = 0; want && bwd < 2; bwd++)
                    check_elementwise(ctx, isa, (golu_dtype)dt, k, bwd);
            }
            if (!full && dt != GOLU_F32)
                continue;
            check_param_grad(ctx, isa, (golu_dtype)dt, GOLU_ACT_GOLU);
            check_param_grad(ctx, isa, (golu_dtype)dt, GOLU_ACT_LEAKY_RELU);
            check_param_grad(ctx, isa, (golu_dtype)dt, GOLU_ACT_PRELU);
            check_prelu(ctx, isa, (golu_dtype)dt);
        }
        golu_ctx_destroy(ctx);
    }
    check_shared_ctx();
    for (int dt = 0; dt < 4; dt++) {
        free(xs[dt]);
        free(dys[dt]);
    }
    free(ref);
    free(ref2);
    free(got);
    return TEST_END();
}
