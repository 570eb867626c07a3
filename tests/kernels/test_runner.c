/*
 * test_runner.c - a context's splits on the host's threads
 * (golu_ctx_set_runner) and libgolu_omp's OpenMP runner.
 *
 *   1. The argument checks: the default context has no runner
 *      (GOLU_ERR_NULL); NULL restores the context's own workers.
 *   2. A runner that runs the parts on the calling thread in reverse order
 *      is called for every split and only then (arrays under the split
 *      threshold, or one thread, never reach it), with 2..threads parts, and
 *      every call runs each part once; the results are the bits of one
 *      thread: GoLU and SiLU forward and backward (float32 and float64),
 *      bfloat16, the GoLU parameter gradients, PReLU per channel.
 *   3. A runner that runs each part on a thread of its own (pthreads): the
 *      same bits.
 *   4. golu_omp_runner (when the compiler has OpenMP): the same bits, and
 *      the parts ran on more than one OpenMP thread when the team can have
 *      two (an OpenMP region first shows whether it can).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "internal.h"
#include "util.h"

#ifdef GOLU_TEST_OMP
#include <omp.h>

#include "golu_omp.h"
#endif

enum { N_BIG = (1 << 18) + 77, N_SMALL = 1000, THREADS = 4 };

/* ----------------------------------------------------------- runners --- */

typedef struct {
    long calls;      /* runner calls */
    long parts_seen; /* parts run in all */
    size_t max_parts, min_parts;
    int bad_part; /* a part index out of range or run twice */
} tally;

static void tally_call(tally *t, size_t parts)
{
    t->calls++;
    t->parts_seen += (long)parts;
    if (parts > t->max_parts)
        t->max_parts = parts;
    if (t->min_parts == 0 || parts < t->min_parts)
        t->min_parts = parts;
}

/* Every part on the calling thread, last part first. */
static void reverse_runner(void *arg, size_t parts, golu_task_fn task, void *task_arg)
{
    tally *t = arg;
    tally_call(t, parts);
    for (size_t k = parts; k-- > 0;)
        task(task_arg, k);
}

typedef struct {
    golu_task_fn task;
    void *task_arg;
    size_t part;
} thread_part;

static void *run_thread_part(void *p)
{
    thread_part *tp = p;
    tp->task(tp->task_arg, tp->part);
    return NULL;
}

/* Each part on a new thread of its own, joined before returning. */
static void thread_runner(void *arg, size_t parts, golu_task_fn task, void *task_arg)
{
    tally *t = arg;
    tally_call(t, parts);
    thread_part tp[THREADS];
    pthread_t th[THREADS];
    int started[THREADS] = {0};
    if (parts > THREADS) {
        t->bad_part = 1;
        return;
    }
    for (size_t k = 0; k < parts; k++) {
        tp[k] = (thread_part){task, task_arg, k};
        started[k] = pthread_create(&th[k], NULL, run_thread_part, &tp[k]) == 0;
        if (!started[k])
            task(task_arg, k); /* no thread: run it here, still once */
    }
    for (size_t k = 0; k < parts; k++)
        if (started[k])
            pthread_join(th[k], NULL);
}

/* ------------------------------------------------- the computed bits --- */

/* Everything a context computes in one go, to compare bit for bit. */
typedef struct {
    float *f32[4]; /* GoLU fwd, GoLU bwd, SiLU fwd, SiLU bwd */
    double *f64[2];
    unsigned short *bf16;
    double pgrad[3];
    float *prelu_y, *prelu_dx, prelu_da[8];
} results;

static float *xs, *dys, *alphas;
static double *xd, *dyd;
static unsigned short *xb;

static void make_inputs(void)
{
    xs = malloc(N_BIG * sizeof *xs);
    dys = malloc(N_BIG * sizeof *dys);
    xd = malloc(N_BIG * sizeof *xd);
    dyd = malloc(N_BIG * sizeof *dyd);
    xb = malloc(N_BIG * sizeof *xb);
    alphas = malloc(8 * sizeof *alphas);
    rng r = {12345};
    for (size_t i = 0; i < N_BIG; i++) {
        xs[i] = (float)rng_range(&r, -12.0, 12.0);
        dys[i] = (float)rng_range(&r, -1.0, 1.0);
        xd[i] = rng_range(&r, -12.0, 12.0);
        dyd[i] = rng_range(&r, -1.0, 1.0);
        xb[i] = golu_f32_to_bf16(xs[i]);
    }
    for (int c = 0; c < 8; c++)
        alphas[c] = 0.05f * (float)(c + 1);
}

static void results_alloc(results *r)
{
    memset(r, 0, sizeof *r);
    for (int k = 0; k < 4; k++)
        r->f32[k] = calloc(N_BIG, sizeof(float));
    for (int k = 0; k < 2; k++)
        r->f64[k] = calloc(N_BIG, sizeof(double));
    r->bf16 = calloc(N_BIG, sizeof *r->bf16);
    r->prelu_y = calloc(N_BIG, sizeof(float));
    r->prelu_dx = calloc(N_BIG, sizeof(float));
}

static void results_free(results *r)
{
    for (int k = 0; k < 4; k++)
        free(r->f32[k]);
    for (int k = 0; k < 2; k++)
        free(r->f64[k]);
    free(r->bf16);
    free(r->prelu_y);
    free(r->prelu_dx);
}

/* Every call on n elements with ctx; returns how many failed. */
static int compute(const golu_ctx *ctx, size_t n, results *r)
{
    golu_act golu = golu_act_default(GOLU_ACT_GOLU),
             silu = golu_act_default(GOLU_ACT_SILU);
    golu.alpha = 1.25; /* the general GoLU kernels, and parameter gradients */
    int bad = 0;
    bad += golu_forward(ctx, &golu, GOLU_F32, xs, r->f32[0], n) != GOLU_OK;
    bad += golu_backward(ctx, &golu, GOLU_F32, xs, dys, r->f32[1], n) != GOLU_OK;
    bad += golu_forward(ctx, &silu, GOLU_F32, xs, r->f32[2], n) != GOLU_OK;
    bad += golu_backward(ctx, &silu, GOLU_F32, xs, dys, r->f32[3], n) != GOLU_OK;
    bad += golu_forward(ctx, &golu, GOLU_F64, xd, r->f64[0], n) != GOLU_OK;
    bad += golu_backward(ctx, &golu, GOLU_F64, xd, dyd, r->f64[1], n) != GOLU_OK;
    bad += golu_forward(ctx, &golu, GOLU_BF16, xb, r->bf16, n) != GOLU_OK;
    memset(r->pgrad, 0, sizeof r->pgrad);
    bad += golu_param_grad(ctx, &golu, GOLU_F32, xs, dys, n, r->pgrad) != GOLU_OK;
    /* PReLU: 8 channels of n/8 (n rounded down to a multiple of 8). */
    size_t m = n / 8 * 8;
    bad += golu_prelu_forward(ctx, GOLU_F32, xs, r->prelu_y, m, alphas, 8, 1) != GOLU_OK;
    memset(r->prelu_da, 0, sizeof r->prelu_da);
    bad += golu_prelu_backward(ctx, GOLU_F32, xs, dys, r->prelu_dx, m, alphas, 8, 1,
                               r->prelu_da) != GOLU_OK;
    return bad;
}

/* 1 if a and b hold the same bits for n elements. */
static int same(const results *a, const results *b, size_t n)
{
    for (int k = 0; k < 4; k++)
        if (memcmp(a->f32[k], b->f32[k], n * sizeof(float)))
            return 0;
    for (int k = 0; k < 2; k++)
        if (memcmp(a->f64[k], b->f64[k], n * sizeof(double)))
            return 0;
    return !memcmp(a->bf16, b->bf16, n * sizeof *a->bf16) &&
           !memcmp(a->pgrad, b->pgrad, sizeof a->pgrad) &&
           !memcmp(a->prelu_y, b->prelu_y, n / 8 * 8 * sizeof(float)) &&
           !memcmp(a->prelu_dx, b->prelu_dx, n / 8 * 8 * sizeof(float)) &&
           !memcmp(a->prelu_da, b->prelu_da, sizeof a->prelu_da);
}

static results ref_big, ref_small;

static golu_ctx *new_ctx(int threads)
{
    golu_ctx *c = NULL;
    if (golu_ctx_create(&c) != GOLU_OK || golu_ctx_set_threads(c, threads) != GOLU_OK) {
        golu_ctx_destroy(c);
        return NULL;
    }
    return c;
}

static void make_refs(void)
{
    golu_ctx *one = new_ctx(1);
    results_alloc(&ref_big);
    results_alloc(&ref_small);
    CHECK(one && compute(one, N_BIG, &ref_big) == 0, "the one-thread reference computes");
    CHECK(one && compute(one, N_SMALL, &ref_small) == 0,
          "the one-thread reference computes");
    golu_ctx_destroy(one);
}

/* ------------------------------------------------------------- tests --- */

static void test_arguments(void)
{
    tally t = {0};
    CHECK_EQ_INT(golu_ctx_set_runner(NULL, reverse_runner, &t), GOLU_ERR_NULL);
    golu_ctx *c = new_ctx(THREADS);
    CHECK(c != NULL, "a context");
    if (!c)
        return;
    CHECK_EQ_INT(golu_ctx_set_runner(c, reverse_runner, &t), GOLU_OK);
    CHECK_EQ_INT(golu_ctx_set_runner(c, NULL, &t), GOLU_OK);
    results r;
    results_alloc(&r);
    CHECK(compute(c, N_BIG, &r) == 0 && same(&r, &ref_big, N_BIG),
          "after runner NULL: the pool's results");
    CHECK(t.calls == 0, "a runner set to NULL is not called (%ld calls)", t.calls);
    results_free(&r);
    golu_ctx_destroy(c);
}

/* Runs the whole set with runner on a THREADS-thread context (and the
 * small set, and the big one on 1 thread), checking the bits and the
 * runner's calls. */
static void check_runner(const char *name, golu_runner_fn runner)
{
    tally t = {0};
    golu_ctx *c = new_ctx(THREADS);
    CHECK(c && golu_ctx_set_runner(c, runner, &t) == GOLU_OK, "%s: set", name);
    if (!c)
        return;
    results r;
    results_alloc(&r);
    CHECK(compute(c, N_SMALL, &r) == 0 && same(&r, &ref_small, N_SMALL),
          "%s: %d elements: the one-thread bits", name, N_SMALL);
    CHECK(t.calls == 0,
          "%s: an array under the split threshold never reaches the runner "
          "(%ld calls)",
          name, t.calls);
    CHECK(compute(c, N_BIG, &r) == 0 && same(&r, &ref_big, N_BIG),
          "%s: %d elements: the one-thread bits", name, N_BIG);
    /* 10 calls, each splitting (PReLU splits over its 8 channels). */
    CHECK(t.calls == 10, "%s: every split goes to the runner (%ld calls of 10)", name,
          t.calls);
    CHECK(t.min_parts >= 2 && t.max_parts <= THREADS,
          "%s: 2..%d parts per call (%zu..%zu)", name, THREADS, t.min_parts, t.max_parts);
    CHECK(!t.bad_part, "%s: parts within the thread count", name);
    long calls = t.calls;
    CHECK(golu_ctx_set_threads(c, 1) == GOLU_OK && compute(c, N_BIG, &r) == 0 &&
              same(&r, &ref_big, N_BIG) && t.calls == calls,
          "%s: one thread: same bits, the runner not called", name);
    results_free(&r);
    golu_ctx_destroy(c);
}

#ifdef GOLU_TEST_OMP
typedef struct {
    golu_task_fn task;
    void *task_arg;
    int *seen; /* seen[omp thread] = 1 */
} omp_probe;

static int omp_seen[THREADS];
static omp_probe probe;

/* golu_omp_runner, with each part's OpenMP thread number recorded. */
static void probe_task(void *arg, size_t part)
{
    (void)arg;
    int me = omp_get_thread_num();
    if (me >= 0 && me < THREADS)
        omp_seen[me] = 1;
    probe.task(probe.task_arg, part);
}

static void probing_omp_runner(void *arg, size_t parts, golu_task_fn task, void *task_arg)
{
    tally_call(arg, parts);
    probe.task = task;
    probe.task_arg = task_arg;
    golu_omp_runner(NULL, parts, probe_task, NULL);
}

static void test_omp(void)
{
    check_runner("golu_omp_runner", probing_omp_runner);
    int team = 1;
#pragma omp parallel num_threads(2)
    {
#pragma omp single
        team = omp_get_num_threads();
    }
    if (team < 2) {
        SKIP("OpenMP gives this process one thread: golu_omp_runner's parts cannot be "
             "seen on two");
        return;
    }
    int threads_seen = 0;
    for (int k = 0; k < THREADS; k++)
        threads_seen += omp_seen[k];
    CHECK(threads_seen >= 2, "golu_omp_runner: the parts ran on %d OpenMP threads (>= 2)",
          threads_seen);
}
#endif

int main(void)
{
    TEST_BEGIN("test_runner");
    make_inputs();
    make_refs();
    test_arguments();
    check_runner("reverse_runner", reverse_runner);
    check_runner("thread_runner", thread_runner);
#ifdef GOLU_TEST_OMP
    test_omp();
#else
    SKIP("golu_omp_runner: not built in (OMP=0, or the compiler has no OpenMP)");
#endif
    results_free(&ref_big);
    results_free(&ref_small);
    free(xs);
    free(dys);
    free(xd);
    free(dyd);
    free(xb);
    free(alphas);
    return TEST_END();
}
