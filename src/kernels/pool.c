/*
 * pool.c - persistent worker threads (pool.h).
 *
 * A run is posted under the pool's mutex (the job, the claim counter reset,
 * the generation advanced, the workers woken); the caller runs part 0, and
 * every thread claims the other parts with an atomic counter until none is
 * left. The caller waits until
 * every part is done and no worker is still inside the run, then closes it:
 * a worker that wakes late finds it closed and goes back to waiting, so no
 * worker ever touches a finished run's job.
 *
 * Waiting is a short spin on the generation (workers) or the done counter
 * (the caller), then a condition variable: the spin saves the wake-up's
 * system calls when runs follow each other closely, and is short enough to
 * cost little when they do not.
 *
 * fork(): a pthread_atfork handler advances a process-wide epoch in the
 * child; a pool whose epoch differs was made by the parent (its workers do
 * not exist here, its mutexes may be held by threads that do not exist
 * either), so it is reset before use, without joining anything.
 */
#include "pool.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

/* How long a waiting thread spins before it sleeps, in nanoseconds. */
#ifndef GOLU_POOL_SPIN_NS
#define GOLU_POOL_SPIN_NS 20000
#endif

enum { MAX_WORKERS = GOLU_POOL_MAX_THREADS - 1 };

/* What a worker starts with: its pool, and the generation current when it
 * was created (it joins every later run, even one posted before it ran). */
typedef struct pool_worker {
    struct golu_pool *pool;
    unsigned born;
} pool_worker;

typedef struct pool_job {
    golu_pool_fn fn;
    void *arg;
    size_t parts;
} pool_job;

struct golu_pool {
    pthread_mutex_t run_mu; /* held for a whole run: one run at a time */
    pthread_mutex_t mu;     /* guards the job, open, stop and the cond waits */
    pthread_cond_t wake;    /* a new generation or stop */
    pthread_cond_t idle;    /* a run's last part done / last worker out */
    pool_job job;           /* the current run, read by workers under mu */
    int open;               /* 1 while the current run accepts workers */
    int stop;               /* workers exit */
    atomic_uint gen;        /* advanced by every run */
    atomic_size_t next;     /* the next part to claim */
    atomic_size_t done;     /* parts finished */
    atomic_int active;      /* workers inside the current run */
    atomic_uint epoch;      /* the fork epoch the workers belong to */
    int nworkers;
    pthread_t tids[MAX_WORKERS];
    pool_worker workers[MAX_WORKERS];
};

/* ----------------------------------------------------------------- fork */

static atomic_uint fork_epoch;
static pthread_mutex_t reset_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* Around fork(): reset_mu is held across it, so that no pool is half-reset
 * in the child; the child then advances the epoch. */
static void fork_prepare(void)
{
    pthread_mutex_lock(&reset_mu);
}

static void fork_parent(void)
{
    pthread_mutex_unlock(&reset_mu);
}

static void fork_child(void)
{
    atomic_fetch_add(&fork_epoch, 1);
    pthread_mutex_unlock(&reset_mu);
}

static void atfork_register(void)
{
    pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* Fresh synchronisation objects and no workers, epoch now. */
static void pool_init(golu_pool *p, unsigned now)
{
    pthread_mutex_init(&p->run_mu, NULL);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->idle, NULL);
    p->job = (pool_job){NULL, NULL, 0};
    p->open = 0;
    p->stop = 0;
    atomic_init(&p->gen, 0);
    atomic_init(&p->next, 0);
    atomic_init(&p->done, 0);
    atomic_init(&p->active, 0);
    atomic_store(&p->epoch, now);
    p->nworkers = 0;
}

/* 1 when p was made before a fork() that this process is the child of. The
 * parent's threads are gone: its objects are re-made, nothing joined. */
static int pool_forked(golu_pool *p)
{
    unsigned now = atomic_load_explicit(&fork_epoch, memory_order_acquire);
    if (atomic_load(&p->epoch) == now)
        return 0;
    pthread_mutex_lock(&reset_mu);
    if (atomic_load(&p->epoch) != now)
        pool_init(p, now);
    pthread_mutex_unlock(&reset_mu);
    return 1;
}

/* -------------------------------------------------------------- waiting */

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Spins up to GOLU_POOL_SPIN_NS until ready(p, want); 1 if it got there. */
static int spin_until(int (*ready)(golu_pool *, size_t), golu_pool *p, size_t want)
{
    long long end = 0;
    for (unsigned i = 1;; i++) {
        if (ready(p, want))
            return 1;
        cpu_relax();
        if ((i & 63) == 0) { /* the clock only now and then */
            long long t = now_ns();
            if (end == 0)
                end = t + GOLU_POOL_SPIN_NS;
            else if (t >= end)
                return 0;
        }
    }
}

/* A worker's wait is over: the generation moved past `seen`. */
static int gen_moved(golu_pool *p, size_t seen)
{
    return atomic_load_explicit(&p->gen, memory_order_acquire) != (unsigned)seen;
}

/* The caller's wait is over: all `parts` done and no worker inside. */
static int run_over(golu_pool *p, size_t parts)
{
    return atomic_load_explicit(&p->done, memory_order_acquire) >= parts &&
           atomic_load_explicit(&p->active, memory_order_acquire) == 0;
}

/* -------------------------------------------------------------- running */

/* Claims and runs parts of job until none is left. */
static void run_parts(golu_pool *p, const pool_job *job)
{
    for (;;) {
        size_t k = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
        if (k >= job->parts)
            return;
        job->fn(job->arg, k);
        atomic_fetch_add_explicit(&p->done, 1, memory_order_acq_rel);
    }
}

/* Tells a waiting caller that the run may be over. */
static void signal_idle(golu_pool *p)
{
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->idle);
    pthread_mutex_unlock(&p->mu);
}

/* A worker's life: wait for a generation, join its run if still open. */
static void *worker_main(void *arg)
{
    const pool_worker *w = arg;
    golu_pool *p = w->pool;
    unsigned seen = w->born;
    for (;;) {
        spin_until(gen_moved, p, seen);
        pthread_mutex_lock(&p->mu);
        while (!p->stop && atomic_load(&p->gen) == seen)
            pthread_cond_wait(&p->wake, &p->mu);
        if (p->stop) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        seen = atomic_load(&p->gen);
        if (!p->open) {
            pthread_mutex_unlock(&p->mu);
            continue;
        }
        atomic_fetch_add(&p->active, 1);
        pool_job job = p->job;
        pthread_mutex_unlock(&p->mu);
        run_parts(p, &job);
        if (atomic_fetch_sub(&p->active, 1) == 1)
            signal_idle(p);
    }
}

/* Starts workers until the pool has `want` (fewer if a thread cannot be
 * created). Workers have every signal blocked: signals go to the
 * application's own threads. Called with run_mu held. */
static void grow(golu_pool *p, int want)
{
    if (p->nworkers >= want)
        return;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (; p->nworkers < want; p->nworkers++) {
        pool_worker *w = &p->workers[p->nworkers];
        *w = (pool_worker){p, atomic_load(&p->gen)};
        if (pthread_create(&p->tids[p->nworkers], NULL, worker_main, w) != 0)
            break;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* All parts on the calling thread. */
static void run_inline(size_t parts, golu_pool_fn fn, void *arg)
{
    for (size_t k = 0; k < parts; k++)
        fn(arg, k);
}

void golu_pool_run(golu_pool *p, size_t parts, golu_pool_fn fn, void *arg)
{
    if (parts == 0)
        return;
    if (!p || parts == 1) {
        run_inline(parts, fn, arg);
        return;
    }
    pool_forked(p);
    if (pthread_mutex_trylock(&p->run_mu) != 0) {
        run_inline(parts, fn, arg);
        return;
    }
    size_t want = parts - 1 < MAX_WORKERS ? parts - 1 : MAX_WORKERS;
    grow(p, (int)want);
    if (p->nworkers == 0) {
        pthread_mutex_unlock(&p->run_mu);
        run_inline(parts, fn, arg);
        return;
    }
    pool_job job = {fn, arg, parts};
    pthread_mutex_lock(&p->mu);
    p->job = job;
    atomic_store(&p->next, 1); /* part 0 is the caller's */
    atomic_store(&p->done, 0);
    p->open = 1;
    atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);

    fn(arg, 0);
    atomic_fetch_add_explicit(&p->done, 1, memory_order_acq_rel);
    run_parts(p, &job);

    spin_until(run_over, p, parts);
    pthread_mutex_lock(&p->mu);
    while (!run_over(p, parts))
        pthread_cond_wait(&p->idle, &p->mu);
    p->open = 0;
    pthread_mutex_unlock(&p->mu);
    pthread_mutex_unlock(&p->run_mu);
}

/* --------------------------------------------------------- create, free */

golu_pool *golu_pool_create(void)
{
    pthread_once(&atfork_once, atfork_register);
    golu_pool *p = malloc(sizeof *p);
    if (p)
        pool_init(p, atomic_load(&fork_epoch));
    return p;
}

/* Stops and joins p's workers (none in a child of the process that made
 * them) and destroys its objects. */
static void pool_stop(golu_pool *p)
{
    if (!pool_forked(p)) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->mu);
        for (int i = 0; i < p->nworkers; i++)
            pthread_join(p->tids[i], NULL);
    }
    p->nworkers = 0;
    pthread_cond_destroy(&p->idle);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
    pthread_mutex_destroy(&p->run_mu);
}

void golu_pool_destroy(golu_pool *p)
{
    if (!p)
        return;
    pool_stop(p);
    free(p);
}

/* ---------------------------------------------------- the default pool */

static golu_pool *default_pool;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void default_make(void)
{
    default_pool = golu_pool_create();
}

golu_pool *golu_pool_default(void)
{
    pthread_once(&default_once, default_make);
    return default_pool;
}

/*
 * At exit (or when a shared libgolu is unloaded) the default pool's workers
 * are stopped and joined, unless a run is in progress on another thread; its
 * run lock stays held, so any later run goes inline.
 */
__attribute__((destructor)) static void default_at_exit(void)
{
    golu_pool *p = default_pool;
    if (!p || pool_forked(p) || pthread_mutex_trylock(&p->run_mu) != 0)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nworkers; i++)
        pthread_join(p->tids[i], NULL);
    p->nworkers = 0;
}
