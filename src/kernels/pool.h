/*
 * pool.h - persistent worker threads: the one way golu runs work on several
 * threads (libgolu's split of large arrays, and the framework's pieces
 * through src/nn/fork.c).
 *
 * A pool is cheap to create: it starts no thread. Its workers are started on
 * the first run that needs them (as many as that run's parts less one, the
 * caller being one of them), then wait for the next run, spinning a few
 * microseconds before they sleep on a condition variable. golu_pool_destroy
 * stops and joins them.
 *
 * Part 0 of a run is the caller's; the others are claimed one at a time by
 * whichever thread is free (the caller too, once part 0 is done), so which
 * thread runs a part never matters: a part must compute the same whatever
 * thread runs it, and then results never depend on the pool.
 *
 * One run at a time per pool: a run that finds the pool busy (another thread
 * is running on it, or a part running on it starts a run of its own) runs
 * all its parts on the calling thread instead. So does a run whose workers
 * cannot be started (then with the workers it has).
 *
 * fork(): a child process has none of its parent's workers. Every pool
 * notices the fork on its next run (or destroy) and starts afresh in the
 * child; the parent's pools are unaffected.
 */
#ifndef GOLU_POOL_H
#define GOLU_POOL_H

#include <stddef.h>

#include "golu.h"

#if defined(__GNUC__)
#define GOLU_POOL_HIDDEN __attribute__((visibility("hidden")))
#else
#define GOLU_POOL_HIDDEN
#endif

typedef struct golu_pool golu_pool;

/* One part of a run: fn(arg, part), part in [0, parts); the public task
 * type, so that the same part functions serve a host's runner
 * (golu_ctx_set_runner). */
typedef golu_task_fn golu_pool_fn;

/* Most threads a run uses, the caller included. */
enum { GOLU_POOL_MAX_THREADS = 256 };

/* A new pool without threads, or NULL when out of memory. */
GOLU_POOL_HIDDEN golu_pool *golu_pool_create(void);

/* Stops and joins the pool's workers and frees it; NULL is allowed. Not
 * while a run on it is in progress. */
GOLU_POOL_HIDDEN void golu_pool_destroy(golu_pool *pool);

/*
 * Runs fn(arg, k) for every k in [0, parts) and returns when all are done:
 * on the calling thread and up to min(parts, GOLU_POOL_MAX_THREADS) - 1 of
 * the pool's workers. pool NULL, parts 1 or a busy pool: all on the caller.
 */
GOLU_POOL_HIDDEN void golu_pool_run(golu_pool *pool, size_t parts, golu_pool_fn fn,
                                    void *arg);

/* The process's own pool, for the default context and the framework; it
 * lives until the process exits (its workers are joined then). */
GOLU_POOL_HIDDEN golu_pool *golu_pool_default(void);

#endif /* GOLU_POOL_H */
