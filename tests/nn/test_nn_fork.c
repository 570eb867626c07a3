/*
 * test_nn_fork.c - the fork helper of src/nn/fork.h: every piece runs
 * exactly once, piece 0 on the calling thread and the others on threads of
 * their own; nn_run_two runs both halves; nn_fork_start's threads run at
 * the same time (each waits until all have arrived) and nn_fork_join waits
 * for them.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "fork.h"
#include "harness.h"

/* nn_fork_start's test: the threads that arrived, and the go the caller
 * gives once all have. */
typedef struct meeting {
    atomic_int arrived, go;
} meeting;

typedef struct piece {
    int runs;
    pthread_t self;
    meeting *meet; /* NULL: no meeting */
    int after_meet;
    char pad[40]; /* a stride that is not the size of a pointer */
} piece;

static void *run_piece(void *arg)
{
    piece *p = arg;
    p->self = pthread_self();
    if (p->meet) {
        atomic_fetch_add(&p->meet->arrived, 1);
        while (!atomic_load(&p->meet->go))
            sched_yield();
        p->after_meet = 1;
    }
    p->runs++;
    return NULL;
}

static void test_fork_run(void)
{
    static const int counts[] = {1, 2, 3, 8, 9, 40};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        int n = counts[c];
        piece *p = calloc((size_t)n, sizeof *p);
        nn_fork_run(n, run_piece, p, sizeof *p);
        int once = 1, own = 1;
        for (int k = 0; k < n; k++) {
            once &= p[k].runs == 1;
            own &= k == 0 || !pthread_equal(p[k].self, pthread_self());
        }
        CHECK(once, "%d pieces: each runs once", n);
        CHECK(pthread_equal(p[0].self, pthread_self()),
              "%d pieces: piece 0 on the caller", n);
        CHECK(own, "%d pieces: the others on other threads", n);
        free(p);
    }
}

static void *add_one(void *arg)
{
    (*(int *)arg)++;
    return NULL;
}

static void test_run_two(void)
{
    int a = 0, b[3] = {0, 0, 0};
    nn_run_two(add_one, &a, &b[1]);
    CHECK(a == 1 && b[0] == 0 && b[1] == 1 && b[2] == 0, "nn_run_two: %d %d %d %d", a,
          b[0], b[1], b[2]);
}

static void test_start_join(void)
{
    enum { N = 12 }; /* more than NN_FORK_FEW: the ids are allocated */
    for (int n = 3; n <= N; n += N - 3) {
        piece p[N];
        meeting meet;
        memset(p, 0, sizeof p);
        atomic_init(&meet.arrived, 0);
        atomic_init(&meet.go, 0);
        for (int k = 0; k < n; k++)
            p[k].meet = &meet;
        nn_fork f;
        nn_fork_start(&f, n, run_piece, p, sizeof p[0]);
        int started = f.started;
        CHECK(started == n, "%d threads started of %d", started, n);
        while (atomic_load(&meet.arrived) < started) /* all running at once */
            sched_yield();
        int early = 0;
        for (int k = 0; k < started; k++)
            early += p[k].runs; /* none may finish before the go */
        atomic_store(&meet.go, 1);
        nn_fork_join(&f);
        int done = 1;
        for (int k = 0; k < started; k++)
            done &= p[k].runs == 1 && p[k].after_meet;
        CHECK(early == 0 && done && f.started == 0, "%d threads: all done after the join",
              n);
    }
    nn_fork f;
    nn_fork_start(&f, 0, run_piece, NULL, 0);
    CHECK(f.started == 0, "no pieces, no threads");
    nn_fork_join(&f);
}

int main(void)
{
    TEST_BEGIN("nn_fork");
    test_fork_run();
    test_run_two();
    test_start_join();
    return TEST_END();
}
