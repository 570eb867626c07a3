/*
 * fork.h - the one way golu's code outside libgolu runs work on several
 * threads: n pieces of work, each fn(piece), a piece being an element of
 * an array (args + k * stride bytes).
 *
 *   nn_fork_run     n pieces on the calling thread and the persistent
 *                   workers of the process's pool (libgolu's default pool,
 *                   src/kernels/pool.h: started once, then woken per run,
 *                   no thread start per call); returns when all are done.
 *                   A piece without a worker (none could be created, or
 *                   the pool is busy with another run) runs on the calling
 *                   thread: a busy system gets fewer threads, never an
 *                   error.
 *   nn_run_two      the same for two pieces given as two pointers (the
 *                   layers' batch and channel halves).
 *   nn_fork_start   for pools whose threads wait for each other (they must
 *   nn_fork_join    all run at once, so a piece cannot fall back to the
 *                   caller): starts every piece on a new thread, stopping at
 *                   the first that cannot be created, and later joins the
 *                   ones that started.
 *
 * The pieces must not depend on which thread runs them.
 */
#ifndef NN_FORK_H
#define NN_FORK_H

#include <pthread.h>
#include <stddef.h>

typedef void *(*nn_fork_fn)(void *piece);

enum { NN_FORK_FEW = 8 }; /* thread ids kept without an allocation */

/* Threads started by nn_fork_start: pieces 0 .. started-1 run on them. */
typedef struct nn_fork {
    int started;
    pthread_t *tids; /* `few`, or an allocation for more than NN_FORK_FEW */
    pthread_t few[NN_FORK_FEW];
} nn_fork;

/*
 * Runs fn on pieces args + k * stride, k = 0 .. n-1 (n >= 1), each once, on
 * the calling thread and the pool's workers (any piece on any of them);
 * returns when every piece is done.
 */
void nn_fork_run(int n, nn_fork_fn fn, void *args, size_t stride);

/*
 * Starts fn on pieces args + k * stride, k = 0 .. n-1, each on a new
 * thread, in order, stopping at the first thread that cannot be created
 * (or when the ids for more than NN_FORK_FEW threads cannot be allocated).
 * f->started says how many run; the caller deals with the rest. Every
 * nn_fork_start is followed by one nn_fork_join.
 */
void nn_fork_start(nn_fork *f, int n, nn_fork_fn fn, void *args, size_t stride);

/* Waits for the threads nn_fork_start started and releases f. */
void nn_fork_join(nn_fork *f);

/*
 * Runs fn(a) on the calling thread and fn(b) on a new thread, then joins
 * (nn_fork_run on two pieces): if the thread cannot be created, the caller
 * runs fn(b) too.
 */
void nn_run_two(void *(*fn)(void *), void *a, void *b);

/*
 * The layers' two fixed halves (the cut never depends on the thread count,
 * so neither do the results): fn(a) and fn(b) on two threads when split is
 * true and OpenBLAS is set to 2 or more threads (the layers' thread
 * setting), else one after the other on the caller.
 */
void nn_run_halves(void *(*fn)(void *), void *a, void *b, int split);
/* The same with OpenBLAS at 1 thread while the halves run (and restored):
 * for halves that make matrix products of their own, which OpenBLAS splits
 * less well and, worse, differently for each thread count (conv2d.c,
 * attention.c, linear.c). */
void nn_run_halves_blas1(void *(*fn)(void *), void *a, void *b, int split);
/* fn(arg) on the caller with OpenBLAS at 1 thread (and restored). */
void nn_run_blas1(void *(*fn)(void *), void *arg);

#endif
