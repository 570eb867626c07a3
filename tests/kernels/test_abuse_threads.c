/*
 * test_abuse_threads.c - libgolu called from many threads at once, the
 * concurrent part of the API-abuse tests (scripts/test.sh also runs this one
 * binary under ThreadSanitizer: make SAN=thread BUILD=build-tsan).
 *
 *   1. The first calls into the library (the once-only CPU detection) made
 *      by 8 threads at the same instant: all see the same answers.
 *   2. 8 threads on one shared context (2 worker threads each call, so the
 *      library's own threads run too), then 8 on the default (NULL)
 *      context: every result bit-identical to one computed alone.
 *   3. Threads creating, configuring, using and destroying their own
 *      contexts while others compute on a shared one, and refused calls
 *      (bad arguments) mixed in: statuses and results as when alone.
 */
#include <pthread.h>

#include "util.h"

enum { NTHREADS = 8, BIG = (1 << 18) + 77, SMALL = 1000, ROUNDS = 3 };

static float *xs, *dys, *ref_y, *ref_dx, *slope;
static float ref_dslope[4];
static double ref_pg[3];

static pthread_barrier_t start;

/* ---------------------------------------------------- 1. first calls --- */

typedef struct {
    int cpus;
    golu_isa isa, ctx_isa;
    golu_status env;
    golu_status st;
    float y[4];
} first_seen;

static void *first_calls(void *arg)
{
    first_seen *s = arg;
    static const float x[4] = {-1.0f, 0.0f, 0.5f, 3.0f};
    pthread_barrier_wait(&start);
    golu_act g = golu_act_default(GOLU_ACT_GOLU);
    s->st = golu_forward(NULL, &g, GOLU_F32, x, s->y, 4);
    s->isa = golu_isa_default();
    s->env = golu_isa_env_status();
    s->cpus = golu_cpu_count();
    s->ctx_isa = golu_ctx_isa(NULL);
    return NULL;
}

static void test_first_calls(void)
{
    pthread_t t[NTHREADS];
    first_seen seen[NTHREADS];
    memset(seen, 0, sizeof seen);
    pthread_barrier_init(&start, NULL, NTHREADS);
    for (int i = 0; i < NTHREADS; i++)
        if (pthread_create(&t[i], NULL, first_calls, &seen[i]) != 0) {
            CHECK(0, "pthread_create");
            exit(1);
        }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < NTHREADS; i++) {
        CHECK_ST(seen[i].st, GOLU_OK);
        CHECK(seen[i].isa == seen[0].isa && seen[i].env == seen[0].env &&
                  seen[i].cpus == seen[0].cpus && seen[i].ctx_isa == seen[0].ctx_isa,
              "thread %d saw another CPU detection than thread 0", i);
        CHECK(memcmp(seen[i].y, seen[0].y, sizeof seen[0].y) == 0,
              "thread %d computed other bits than thread 0", i);
    }
}

/* ----------------------------------------------------- 2. shared work --- */

/* The work every thread repeats: forward, backward and parameter gradients
 * of GoLU on BIG elements, per-channel PReLU on (BIG/4 ... ) as 4 channels;
 * results checked against the references. Returns the mismatches. */
static int work_once(const golu_ctx *ctx, float *y, float *dx, size_t n)
{
    golu_act g = golu_act_default(GOLU_ACT_GOLU);
    int bad = 0;
    double pg[3];
    float ds[4];
    bad += golu_forward(ctx, &g, GOLU_F32, xs, y, n) != GOLU_OK;
    bad += memcmp(y, ref_y, n * sizeof *y) != 0;
    bad += golu_backward(ctx, &g, GOLU_F32, xs, dys, dx, n) != GOLU_OK;
    bad += memcmp(dx, ref_dx, n * sizeof *dx) != 0;
    if (n == BIG) {
        bad += golu_param_grad(ctx, &g, GOLU_F32, xs, dys, n, pg) != GOLU_OK;
        bad += memcmp(pg, ref_pg, sizeof pg) != 0;
        bad += golu_prelu_backward(ctx, GOLU_F32, xs, dys, NULL, BIG - 1, slope, 4,
                                   (BIG - 1) / 4, ds) != GOLU_OK;
        bad += memcmp(ds, ref_dslope, sizeof ds) != 0;
    }
    /* A refused call between: it must change nothing for the others. */
    bad += golu_forward(ctx, &g, GOLU_F32, xs, xs + 1, n) != GOLU_ERR_ALIAS;
    return bad;
}

typedef struct {
    const golu_ctx *ctx;
    int own_ctx; /* 1: make, use and destroy contexts of its own meanwhile */
    int bad;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    float *y = malloc(BIG * sizeof *y), *dx = malloc(BIG * sizeof *dx);
    if (!y || !dx) {
        w->bad = -1;
        free(y);
        free(dx);
        return NULL;
    }
    pthread_barrier_wait(&start);
    for (int r = 0; r < ROUNDS; r++) {
        if (w->own_ctx) {
            golu_ctx *c = NULL;
            if (golu_ctx_create(&c) != GOLU_OK) {
                w->bad++;
                continue;
            }
            w->bad += golu_ctx_set_threads(c, 1 + r % 3) != GOLU_OK;
            w->bad += golu_ctx_set_isa(c, GOLU_ISA_SCALAR) != GOLU_OK;
            w->bad += golu_ctx_set_threads(c, -1) != GOLU_ERR_THREADS;
            w->bad += work_once(c, y, dx, SMALL);
            w->bad += work_once(c, y, dx, BIG);
            golu_ctx_destroy(c);
        } else {
            w->bad += work_once(w->ctx, y, dx, r % 2 ? SMALL : BIG);
        }
    }
    free(y);
    free(dx);
    return NULL;
}

/* Runs NTHREADS workers, started together; own_every: every how many
 * threads one makes its own contexts (0: none). */
static void run_workers(const golu_ctx *ctx, int own_every, const char *what)
{
    pthread_t t[NTHREADS];
    worker w[NTHREADS];
    pthread_barrier_init(&start, NULL, NTHREADS);
    for (int i = 0; i < NTHREADS; i++) {
        w[i] = (worker){ctx, own_every && i % own_every == 0, 0};
        if (pthread_create(&t[i], NULL, work, &w[i]) != 0) {
            CHECK(0, "pthread_create");
            exit(1);
        }
    }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < NTHREADS; i++)
        CHECK(w[i].bad == 0, "%s: thread %d: %d results or statuses differ", what, i,
              w[i].bad);
}

/* The references, computed on one thread with the scalar path: every path
 * gives GoLU's float32 bits, and the sums do not depend on threads. */
static int make_refs(void)
{
    xs = malloc(BIG * sizeof *xs);
    dys = malloc(BIG * sizeof *dys);
    ref_y = malloc(BIG * sizeof *ref_y);
    ref_dx = malloc(BIG * sizeof *ref_dx);
    slope = malloc(4 * sizeof *slope);
    if (!xs || !dys || !ref_y || !ref_dx || !slope)
        return 0;
    rng r = {0xAB05E};
    for (size_t i = 0; i < BIG; i++) {
        xs[i] = (float)rng_range(&r, -8.0, 6.0);
        dys[i] = (float)rng_range(&r, -2.0, 2.0);
    }
    for (int c = 0; c < 4; c++)
        slope[c] = 0.125f * (float)(c + 1);
    golu_ctx *one = ctx_for_isa(GOLU_ISA_SCALAR, 1);
    golu_act g = golu_act_default(GOLU_ACT_GOLU);
    int ok = one && golu_forward(one, &g, GOLU_F32, xs, ref_y, BIG) == GOLU_OK &&
             golu_backward(one, &g, GOLU_F32, xs, dys, ref_dx, BIG) == GOLU_OK &&
             golu_param_grad(one, &g, GOLU_F32, xs, dys, BIG, ref_pg) == GOLU_OK &&
             golu_prelu_backward(one, GOLU_F32, xs, dys, NULL, BIG - 1, slope, 4,
                                 (BIG - 1) / 4, ref_dslope) == GOLU_OK;
    golu_ctx_destroy(one);
    return ok;
}

int main(void)
{
    TEST_BEGIN("test_abuse_threads");
    test_first_calls();
    if (!CHECK(make_refs(), "the references could not be computed"))
        return TEST_END();
    golu_ctx *shared = NULL;
    CHECK_ST(golu_ctx_create(&shared), GOLU_OK);
    CHECK_ST(golu_ctx_set_threads(shared, 2), GOLU_OK);
    run_workers(shared, 0, "one shared context");
    run_workers(NULL, 0, "the default context");
    run_workers(shared, 2, "contexts made and destroyed beside a shared one");
    golu_ctx_destroy(shared);
    free(xs);
    free(dys);
    free(ref_y);
    free(ref_dx);
    free(slope);
    return TEST_END();
}
