/*
 * fork.c - starting and joining threads (fork.h).
 */
#include "fork.h"

#include <cblas.h>
#include <stdlib.h>

#include "pool.h"

/* Piece k of the array at args. */
static void *piece_of(void *args, size_t stride, int k)
{
    return (char *)args + (size_t)k * stride;
}

void nn_fork_start(nn_fork *f, int n, nn_fork_fn fn, void *args, size_t stride)
{
    f->started = 0;
    f->tids = f->few;
    if (n > NN_FORK_FEW && !(f->tids = malloc((size_t)n * sizeof *f->tids))) {
        f->tids = f->few; /* nothing started: nn_fork_join has nothing to free */
        return;
    }
    while (f->started < n && pthread_create(&f->tids[f->started], NULL, fn,
                                            piece_of(args, stride, f->started)) == 0)
        f->started++;
}

void nn_fork_join(nn_fork *f)
{
    for (int k = 0; k < f->started; k++)
        pthread_join(f->tids[k], NULL);
    if (f->tids != f->few)
        free(f->tids);
    f->tids = f->few;
    f->started = 0;
}

/* nn_fork_run's pieces as a pool run. */
typedef struct fork_run {
    nn_fork_fn fn;
    void *args;
    size_t stride;
} fork_run;

/* Runs piece k (golu_pool_fn). */
static void fork_run_piece(void *arg, size_t k)
{
    const fork_run *r = arg;
    r->fn(piece_of(r->args, r->stride, (int)k));
}

void nn_fork_run(int n, nn_fork_fn fn, void *args, size_t stride)
{
    fork_run r = {fn, args, stride};
    golu_pool_run(golu_pool_default(), n > 0 ? (size_t)n : 0, fork_run_piece, &r);
}

/* nn_run_two's pieces: the same function on two unrelated pointers. */
typedef struct two_piece {
    void *(*fn)(void *);
    void *arg;
} two_piece;

/* Runs one of nn_run_two's pieces (nn_fork_fn). */
static void *two_piece_run(void *piece)
{
    const two_piece *p = piece;
    return p->fn(p->arg);
}

void nn_run_two(void *(*fn)(void *), void *a, void *b)
{
    two_piece pieces[2] = {{fn, a}, {fn, b}};
    nn_fork_run(2, two_piece_run, pieces, sizeof pieces[0]);
}

void nn_run_halves(void *(*fn)(void *), void *a, void *b, int split)
{
    if (split && openblas_get_num_threads() >= 2) {
        nn_run_two(fn, a, b);
        return;
    }
    fn(a);
    fn(b);
}

void nn_run_blas1(void *(*fn)(void *), void *arg)
{
    int saved = openblas_get_num_threads();
    if (saved < 2) {
        fn(arg);
        return;
    }
    openblas_set_num_threads(1);
    fn(arg);
    openblas_set_num_threads(saved);
}

void nn_run_halves_blas1(void *(*fn)(void *), void *a, void *b, int split)
{
    int saved = openblas_get_num_threads();
    if (!split || saved < 2) {
        fn(a);
        fn(b);
        return;
    }
    openblas_set_num_threads(1);
    nn_run_two(fn, a, b);
    openblas_set_num_threads(saved);
}
