/*
 * test_nn_fork.c - the fork helper of src/nn/fork.h: every piece runs
 * exactly once, piece 0 on the calling thread; pieces that wait for each
 * other (so that no thread can take two) run at once, the others on threads
 * of their own, the pool's workers, which stay for the next run (the same
 * threads again); nn_run_two runs both halves; nn_fork_start's threads run at
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
 * gives once all have. nn_fork_run's: no go, each piece waits until `need`
 * have arrived. */
typedef struct meeting {
    atomic_int arrived, go;
    int need;
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
        while (p->meet->need ? atomic_load(&p->meet->arrived) < p->meet->need
                             : !atomic_load(&p->meet->go))
            sched_yield();
        p->after_meet = 1;
    }
    p->runs++;
    return NULL;
}

/* Runs n pieces that meet (all n at once, or none proceeds) twice; checks
 * each ran once, piece 0 on the caller, the others on other threads, and the
 * second run on the same threads as the first (the pool's, kept). Without
 * the meeting, a thread that is free early may take several pieces. */
static void test_fork_run(void)
{
    static const int counts[] = {1, 2, 3, 8, 9, 40};
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        int n = counts[c];
        piece *p = calloc((size_t)n, sizeof *p);
        pthread_t *first = calloc((size_t)n, sizeof *first);
        int once = 1, own = 1, caller = 1, same = 1;
        for (int round = 0; round < 2; round++) {
            meeting meet = {.need = n};
            atomic_init(&meet.arrived, 0);
            atomic_init(&meet.go, 0);
            memset(p, 0, (size_t)n * sizeof *p);
            for (int k = 0; k < n; k++)
                p[k].meet = &meet;
            nn_fork_run(n, run_piece, p, sizeof *p);
            for (int k = 0; k < n; k++) {
                once &= p[k].runs == 1 && p[k].after_meet;
                own &= k == 0 || !pthread_equal(p[k].self, pthread_self());
                if (round == 0)
                    first[k] = p[k].self;
            }
            caller &= pthread_equal(p[0].self, pthread_self());
            /* The same set of threads: each second-round thread was a
             * first-round one (pieces may swap threads). */
            for (int k = 0; round == 1 && k < n; k++) {
                int found = 0;
                for (int i = 0; i < n; i++)
                    found |= pthread_equal(p[k].self, first[i]);
                same &= found;
            }
        }
        CHECK(once, "%d pieces: each runs once", n);
        CHECK(caller, "%d pieces: piece 0 on the caller", n);
        CHECK(own, "%d pieces: the others on other threads", n);
        CHECK(same, "%d pieces: the second run on the first run's threads", n);
        /* Without a meeting: each once, piece 0 on the caller. */
        memset(p, 0, (size_t)n * sizeof *p);
        nn_fork_run(n, run_piece, p, sizeof *p);
        once = 1;
        for (int k = 0; k < n; k++)
            once &= p[k].runs == 1;
        CHECK(once && pthread_equal(p[0].self, pthread_self()),
              "%d pieces, no meeting: each once, piece 0 on the caller", n);
        free(first);
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
        meet.need = 0; /* the caller's go */
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
