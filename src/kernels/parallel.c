/*
 * parallel.c - splitting an index range across threads.
 *
 * Threads are created for the call and joined before it returns: no pool, no
 * state between calls, nothing to clean up, safe after fork(). Creating a
 * thread costs tens of microseconds, so callers split only arrays of
 * GOLU_PARALLEL_MIN elements or more (golu_threads_for).
 *
 * Work is cut into fixed blocks of `grain` elements and the blocks are dealt
 * to threads in contiguous runs. Which thread runs a block never changes what
 * the block computes, so results are the same for every thread count.
 */
#include <pthread.h>

#include "internal.h"

enum { MAX_THREADS = 256 };

typedef struct {
    golu_range_fn body;
    void *arg;
    size_t n, grain, block_begin, block_end;
} worker;

static void run_blocks(const worker *w)
{
    for (size_t b = w->block_begin; b < w->block_end; b++) {
        size_t begin = b * w->grain;
        size_t end = begin + w->grain < w->n ? begin + w->grain : w->n;
        w->body(w->arg, begin, end);
    }
}

static void *worker_main(void *p)
{
    run_blocks(p);
    return NULL;
}

void golu_parallel_for(size_t n, size_t grain, int threads, golu_range_fn body, void *arg)
{
    if (n == 0)
        return;
    if (grain == 0)
        grain = n;
    size_t blocks = (n + grain - 1) / grain;
    size_t t = threads > 0 ? (size_t)threads : 1;
    if (t > MAX_THREADS)
        t = MAX_THREADS;
    if (t > blocks) /* blocks >= 1 since n > 0 */
        t = blocks;

    worker w[MAX_THREADS];
    pthread_t tid[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    w[0] = (worker){body, arg, n, grain, 0, blocks / t};
    for (size_t i = 1; i < t; i++)
        w[i] = (worker){body, arg, n, grain, blocks * i / t, blocks * (i + 1) / t};
    /* Thread 0 is the caller; if a thread cannot be created, the caller runs
     * its share too, so a busy system degrades to fewer threads, not to an
     * error. */
    for (size_t i = 1; i < t; i++)
        started[i] = pthread_create(&tid[i], NULL, worker_main, &w[i]) == 0;
    run_blocks(&w[0]);
    for (size_t i = 1; i < t; i++) {
        if (started[i])
            pthread_join(tid[i], NULL);
        else
            run_blocks(&w[i]);
    }
}
