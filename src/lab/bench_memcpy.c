/*
 * bench_memcpy.c - the baseline of `golu bench`: memcpy on T threads
 * (bench.h).
 *
 * The threads are a pool started before the timing (libgolu starts its
 * threads in each call, so that cost counts against it, not against the
 * baseline): each waits at the start barrier, copies its part and meets the
 * others at the done barrier; the calling thread copies part 0 between the
 * same two barriers. The threads first wait at a gate until every one of
 * them has started, so that a thread that cannot be created leaves none
 * waiting at a barrier forever.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "fork.h"

typedef struct copy_pool {
    int threads;
    unsigned char *dst;
    const unsigned char *src;
    size_t bytes;
    pthread_barrier_t start, done;
    pthread_mutex_t mu;
    pthread_cond_t opened;
    int gate; /* 0 closed, 1 open: run, -1 open: leave */
    int quit;
} copy_pool;

/* A pool thread: the pool and its part. */
typedef struct copy_worker {
    copy_pool *pool;
    int index;
} copy_worker;

/* Part `index` of T contiguous parts, each a multiple of 64 bytes long. */
static void copy_part(const copy_pool *p, int index)
{
    size_t part = (p->bytes / (size_t)p->threads + 63) & ~(size_t)63;
    size_t begin = part * (size_t)index;
    if (begin < p->bytes) {
        size_t len = p->bytes - begin < part ? p->bytes - begin : part;
        memcpy(p->dst + begin, p->src + begin, len);
    }
}

/* A pool thread's life (nn_fork_fn): the gate, then a copy per round. */
static void *copy_worker_main(void *arg)
{
    copy_worker *w = arg;
    copy_pool *p = w->pool;
    pthread_mutex_lock(&p->mu);
    while (p->gate == 0)
        pthread_cond_wait(&p->opened, &p->mu);
    int run = p->gate > 0;
    pthread_mutex_unlock(&p->mu);
    while (run) {
        pthread_barrier_wait(&p->start);
        if (p->quit)
            break;
        copy_part(p, w->index);
        pthread_barrier_wait(&p->done);
    }
    return NULL;
}

/* One timed call (lab_call_fn): every part copied. */
static int copy_run(void *arg)
{
    copy_pool *p = arg;
    if (p->threads == 1) {
        memcpy(p->dst, p->src, p->bytes);
        return 0;
    }
    pthread_barrier_wait(&p->start);
    copy_part(p, 0);
    pthread_barrier_wait(&p->done);
    return 0;
}

/* Opens the gate: the threads run (1) or leave (-1). */
static void open_gate(copy_pool *p, int how)
{
    pthread_mutex_lock(&p->mu);
    p->gate = how;
    pthread_cond_broadcast(&p->opened);
    pthread_mutex_unlock(&p->mu);
}

/* Times the copy with threads-1 pool threads; 0, or -1 with err. */
static int time_pool(copy_pool *p, double min_time, double *seconds, nn_err *err)
{
    int helpers = p->threads - 1;
    copy_worker *w = malloc((size_t)helpers * sizeof *w);
    if (!w)
        return nn_fail(err, "out of memory");
    for (int i = 0; i < helpers; i++)
        w[i] = (copy_worker){p, i + 1};
    nn_fork f;
    nn_fork_start(&f, helpers, copy_worker_main, w, sizeof *w);
    int rc;
    if (f.started < helpers) {
        open_gate(p, -1);
        rc = nn_fail(err, "cannot start memcpy thread %d of %d", f.started + 2,
                     p->threads);
    } else {
        open_gate(p, 1);
        rc = lab_bench_measure_calls(copy_run, p, min_time, seconds);
        p->quit = 1;
        pthread_barrier_wait(&p->start);
    }
    nn_fork_join(&f);
    free(w);
    return rc;
}

int lab_bench_memcpy(size_t bytes, int threads, double min_time, double *seconds,
                     nn_err *err)
{
    copy_pool p = {.threads = threads < 1 ? 1 : threads, .bytes = bytes};
    unsigned char *src = lab_bench_alloc(bytes), *dst = lab_bench_alloc(bytes);
    int rc;
    p.src = src;
    p.dst = dst;
    if (!src || !dst) {
        rc = nn_fail(err, "cannot allocate %zu bytes", bytes);
    } else if (p.threads == 1) {
        rc = lab_bench_measure_calls(copy_run, &p, min_time, seconds);
    } else if (pthread_barrier_init(&p.start, NULL, (unsigned)p.threads)) {
        rc = nn_fail(err, "cannot set up %d memcpy threads", p.threads);
    } else if (pthread_barrier_init(&p.done, NULL, (unsigned)p.threads)) {
        pthread_barrier_destroy(&p.start);
        rc = nn_fail(err, "cannot set up %d memcpy threads", p.threads);
    } else {
        pthread_mutex_init(&p.mu, NULL);
        pthread_cond_init(&p.opened, NULL);
        rc = time_pool(&p, min_time, seconds, err);
        pthread_cond_destroy(&p.opened);
        pthread_mutex_destroy(&p.mu);
        pthread_barrier_destroy(&p.start);
        pthread_barrier_destroy(&p.done);
    }
    free(src);
    free(dst);
    return rc;
}
