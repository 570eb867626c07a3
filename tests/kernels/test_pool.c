/*
 * test_pool.c - the persistent thread pool (src/kernels/pool.h) and the
 * contexts that own one.
 *
 *   1. golu_pool_run runs every part exactly once, part 0 on the caller, for
 *      part counts from 1 to past GOLU_POOL_MAX_THREADS; a part that starts
 *      a run on its own pool gets it on its own thread (no deadlock).
 *   2. Results are bit-identical for threads 1..8 on odd sizes around the
 *      split threshold and past it (GoLU and ReLU forward and backward,
 *      GoLU parameter gradients, bfloat16, PReLU per channel).
 *   3. A context starts its workers on the first split (threads less one
 *      new threads in /proc/self/task) and keeps them (the same count after
 *      more calls); golu_ctx_destroy joins them (the count is back).
 *   4. Many contexts: 64 alive at once and 200 one after the other, each
 *      used on several threads: results identical, no thread left behind.
 *   5. fork(): a child of a process whose default pool and a context's pool
 *      have workers computes on both (new workers of its own) the same bits
 *      as the parent, and exits; an alarm turns a deadlock into a failure.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "pool.h"
#include "util.h"

/* ------------------------------------------------------- 1. the pool --- */

typedef struct {
    int *runs;
    pthread_t *self;
    golu_pool *pool; /* nested: part 1 runs 3 parts on this pool */
    int nested_runs[3];
    pthread_t nested_self[3];
} count_job;

static void nested_part(void *arg, size_t k)
{
    count_job *j = arg;
    j->nested_runs[k]++;
    j->nested_self[k] = pthread_self();
}

static void count_part(void *arg, size_t k)
{
    count_job *j = arg;
    j->runs[k]++;
    j->self[k] = pthread_self();
    if (j->pool && k == 1)
        golu_pool_run(j->pool, 3, nested_part, j);
}

static void test_pool_parts(void)
{
    golu_pool *p = golu_pool_create();
    if (!CHECK(p != NULL, "golu_pool_create"))
        return;
    static const size_t counts[] = {1, 2, 3, 7, 64, 255, 256, 257, 600};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        size_t n = counts[c];
        int *runs = calloc(n, sizeof *runs);
        pthread_t *self = calloc(n, sizeof *self);
        count_job j = {runs, self, n > 1 ? p : NULL, {0}, {0}};
        golu_pool_run(p, n, count_part, &j);
        int once = 1;
        for (size_t k = 0; k < n; k++)
            once &= runs[k] == 1;
        CHECK(once, "%zu parts: each once", n);
        CHECK(pthread_equal(self[0], pthread_self()), "%zu parts: part 0 on the caller",
              n);
        if (n > 1) {
            int inner = 1;
            for (int k = 0; k < 3; k++)
                inner &=
                    j.nested_runs[k] == 1 && pthread_equal(j.nested_self[k], self[1]);
            CHECK(inner, "%zu parts: a run inside a run is the part's thread's own", n);
        }
        free(runs);
        free(self);
    }
    golu_pool_run(p, 0, count_part, NULL); /* nothing to do, nothing touched */
    golu_pool_destroy(p);
    golu_pool_destroy(NULL);
}

/* ------------------------------------------- 2. identical for 1..8 --- */

/* Odd sizes: below, at and above the threshold, blocks plus a tail. */
static size_t sizes[5];
enum { NSIZES = 5, NMAX = (1 << 20) + 3 };

static float *xs, *dys, *ref, *got, *split_ref;
static uint16_t *xb, *refb, *gotb;

static void make_inputs(void)
{
    sizes[0] = GOLU_PARALLEL_MIN - 1;
    sizes[1] = GOLU_PARALLEL_MIN + 1;
    sizes[2] = GOLU_PARALLEL_MIN * 3 + 7;
    sizes[3] = ((size_t)1 << 16) * 5 + 3;
    sizes[4] = NMAX;
    xs = malloc(NMAX * sizeof *xs);
    dys = malloc(NMAX * sizeof *dys);
    ref = malloc(NMAX * sizeof *ref);
    got = malloc(NMAX * sizeof *got);
    split_ref = malloc(NMAX * sizeof *split_ref);
    xb = malloc(NMAX * sizeof *xb);
    refb = malloc(NMAX * sizeof *refb);
    gotb = malloc(NMAX * sizeof *gotb);
    if (!xs || !dys || !ref || !got || !split_ref || !xb || !refb || !gotb) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    rng r = {0x9001};
    for (size_t i = 0; i < NMAX; i++) {
        xs[i] = (float)rng_range(&r, -8.0, 8.0);
        dys[i] = (float)rng_range(&r, -2.0, 2.0);
        xb[i] = golu_f32_to_bf16(xs[i]);
    }
}

/* One call of kind `what` on ctx into out (float32 or bf16), n elements;
 * parameter gradients into pg. */
static golu_status call(golu_ctx *ctx, int what, size_t n, void *out, double pg[3])
{
    golu_act g = golu_act_default(GOLU_ACT_GOLU), r = golu_act_default(GOLU_ACT_RELU);
    static const float slope[5] = {0.1f, -0.2f, 0.3f, 0.25f, 2.0f};
    switch (what) {
    case 0: return golu_forward(ctx, &g, GOLU_F32, xs, out, n);
    case 1: return golu_backward(ctx, &g, GOLU_F32, xs, dys, out, n);
    case 2: return golu_forward(ctx, &r, GOLU_F32, xs, out, n);
    case 3: return golu_backward(ctx, &r, GOLU_F32, xs, dys, out, n);
    case 4: return golu_forward(ctx, &g, GOLU_BF16, xb, out, n);
    case 5: return golu_param_grad(ctx, &g, GOLU_F32, xs, dys, n, pg);
    default: /* n rounded down to whole channels of 5 x 7 */
        return golu_prelu_forward(ctx, GOLU_F32, xs, out, n - n % 35, slope, 5, 7);
    }
}

static const char *const call_names[] = {"golu fwd", "golu bwd",      "relu fwd",
                                         "relu bwd", "golu bf16 fwd", "golu param_grad",
                                         "prelu fwd"};
enum { NCALLS = 7 };

static void test_identical(void)
{
    golu_ctx *ctx = NULL;
    if (!CHECK_ST(golu_ctx_create(&ctx), GOLU_OK))
        return;
    for (int s = 0; s < NSIZES; s++) {
        size_t n = sizes[s];
        for (int what = 0; what < NCALLS; what++) {
            int bf = what == 4;
            void *r = bf ? (void *)refb : (void *)ref,
                 *o = bf ? (void *)gotb : (void *)got;
            size_t bytes = n * (bf ? 2 : 4);
            double pref[3], pgot[3];
            CHECK_ST(golu_ctx_set_threads(ctx, 1), GOLU_OK);
            memset(r, 0x5A, bytes);
            if (!CHECK_ST(call(ctx, what, n, r, pref), GOLU_OK))
                continue;
            int same = 1;
            for (int t = 2; t <= 8; t++) {
                CHECK_ST(golu_ctx_set_threads(ctx, t), GOLU_OK);
                memset(o, 0x5A, bytes); /* PReLU leaves the tail as it was */
                CHECK_ST(call(ctx, what, n, o, pgot), GOLU_OK);
                same &= what == 5 ? memcmp(pref, pgot, sizeof pref) == 0
                                  : memcmp(r, o, bytes) == 0;
            }
            CHECK(same, "%s, n = %zu: threads 2..8 give the bits of 1", call_names[what],
                  n);
        }
    }
    golu_ctx_destroy(ctx);
}

/* -------------------------------------------- 3. workers, joined ------- */

/* Threads of this process now (/proc/self/task), -1 if unknown. */
static int thread_count(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* The thread count once it reaches want (a joined thread can linger in
 * /proc for a moment after pthread_join), or what it is after 2 s. */
static int thread_count_settled(int want)
{
    int n = thread_count();
    for (int i = 0; i < 2000 && n != want; i++) {
        nanosleep(&(struct timespec){0, 1000000}, NULL);
        n = thread_count();
    }
    return n;
}

/* A split-sized GoLU forward on ctx, compared with split_ref (threads 1). */
static int split_call_same(golu_ctx *ctx)
{
    golu_act g = golu_act_default(GOLU_ACT_GOLU);
    size_t n = sizes[2];
    return golu_forward(ctx, &g, GOLU_F32, xs, got, n) == GOLU_OK &&
           memcmp(got, split_ref, n * sizeof *got) == 0;
}

/* split_ref = sizes[2] elements of GoLU forward on one thread. */
static void make_ref(void)
{
    golu_ctx *one = NULL;
    golu_act g = golu_act_default(GOLU_ACT_GOLU);
    if (golu_ctx_create(&one) != GOLU_OK || golu_ctx_set_threads(one, 1) != GOLU_OK ||
        golu_forward(one, &g, GOLU_F32, xs, split_ref, sizes[2]) != GOLU_OK) {
        fprintf(stderr, "cannot compute the reference\n");
        exit(1);
    }
    golu_ctx_destroy(one);
}

static void test_workers_joined(void)
{
    int base = thread_count();
    if (base < 0) {
        SKIP("/proc/self/task unreadable: worker counts not checked");
        return;
    }
    golu_ctx *ctx = NULL;
    if (!CHECK_ST(golu_ctx_create(&ctx), GOLU_OK))
        return;
    CHECK_INT(thread_count(), base); /* created lazily */
    CHECK_ST(golu_ctx_set_threads(ctx, 4), GOLU_OK);
    CHECK(split_call_same(ctx), "4 threads: the bits of 1");
    CHECK_INT(thread_count(), base + 3);
    for (int i = 0; i < 20; i++)
        CHECK(split_call_same(ctx) || i > 0, "again");
    CHECK_INT(thread_count(), base + 3); /* kept, not restarted */
    CHECK_ST(golu_ctx_set_threads(ctx, 6), GOLU_OK);
    CHECK(split_call_same(ctx), "6 threads: the bits of 1");
    CHECK_INT(thread_count(), base + 5); /* grown */
    CHECK_ST(golu_ctx_set_threads(ctx, 2), GOLU_OK);
    CHECK(split_call_same(ctx), "2 threads after 6: the bits of 1");
    CHECK_INT(thread_count(), base + 5); /* not shrunk */
    golu_ctx_destroy(ctx);
    CHECK_INT(thread_count_settled(base), base);
}

/* ---------------------------------------------- 4. many contexts ------ */

static void test_many_contexts(void)
{
    enum { ALIVE = 64, SERIAL = 200 };
    int base = thread_count();
    golu_ctx *c[ALIVE];
    int ok = 1, same = 1;
    for (int i = 0; i < ALIVE; i++) {
        ok &= golu_ctx_create(&c[i]) == GOLU_OK;
        ok &= ok && golu_ctx_set_threads(c[i], 2 + i % 3) == GOLU_OK;
    }
    if (!CHECK(ok, "%d contexts created", ALIVE))
        return;
    for (int i = 0; i < ALIVE; i++)
        same &= split_call_same(c[i]);
    for (int i = ALIVE - 1; i >= 0; i -= 2) /* in an order of their own */
        golu_ctx_destroy(c[i]);
    for (int i = 0; i < ALIVE; i += 2)
        golu_ctx_destroy(c[i]);
    CHECK(same, "%d contexts alive at once: the bits of 1 thread", ALIVE);
    same = 1;
    for (int i = 0; i < SERIAL && ok; i++) {
        golu_ctx *x = NULL;
        ok &= golu_ctx_create(&x) == GOLU_OK && golu_ctx_set_threads(x, 3) == GOLU_OK;
        same &= ok && split_call_same(x);
        if (i % 2) /* half of them used twice */
            same &= ok && split_call_same(x);
        golu_ctx_destroy(x);
    }
    CHECK(ok && same, "%d contexts one after the other: the bits of 1 thread", SERIAL);
    if (base >= 0)
        CHECK_INT(thread_count_settled(base), base);
}

/* --------------------------------------------------------- 5. fork ---- */

#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif

static void test_fork(void)
{
#ifdef UNDER_TSAN
    SKIP("ThreadSanitizer: fork() of a threaded process is not supported under it");
    return;
#endif
    golu_ctx *ctx = NULL;
    if (!CHECK_ST(golu_ctx_create(&ctx), GOLU_OK))
        return;
    /* Workers in the parent: the context's and the default pool's (the
     * default context runs on every CPU, the context on 3 threads). */
    CHECK_ST(golu_ctx_set_threads(ctx, 3), GOLU_OK);
    CHECK(split_call_same(ctx), "parent, context");
    CHECK(split_call_same(NULL), "parent, default context");
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        CHECK(0, "fork failed");
        golu_ctx_destroy(ctx);
        return;
    }
    if (pid == 0) {
        alarm(60); /* a deadlock ends in SIGALRM, not a hung test */
        int bad = 0;
        for (int i = 0; i < 5; i++) {
            bad += !split_call_same(ctx);
            bad += !split_call_same(NULL);
        }
        golu_ctx *fresh = NULL; /* and a context made in the child */
        bad += golu_ctx_create(&fresh) != GOLU_OK || golu_ctx_set_threads(fresh, 4);
        bad += !split_call_same(fresh);
        golu_ctx_destroy(fresh);
        golu_ctx_destroy(ctx); /* the parent's workers: nothing to join here */
        _exit(bad ? 1 : 0);
    }
    int status = 0;
    pid_t w;
    while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    CHECK(w == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "fork child: computes on the parent's pools and its own (status %d%s)",
          WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
          WIFSIGNALED(status) ? ", killed by a signal" : "");
    CHECK(split_call_same(ctx), "parent after the fork, context");
    CHECK(split_call_same(NULL), "parent after the fork, default context");
    golu_ctx_destroy(ctx);
}

int main(void)
{
    TEST_BEGIN("test_pool");
    make_inputs();
    make_ref();
    test_pool_parts();
    test_identical();
    test_workers_joined();
    test_many_contexts();
    test_fork();
    free(xs);
    free(dys);
    free(ref);
    free(got);
    free(split_ref);
    free(xb);
    free(refb);
    free(gotb);
    return TEST_END();
}
