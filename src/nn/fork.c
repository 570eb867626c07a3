/*
 * fork.c - starting and joining threads (fork.h).
 */
#include "fork.h"

#include <stdlib.h>

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

void nn_fork_run(int n, nn_fork_fn fn, void *args, size_t stride)
{
    nn_fork f;
    nn_fork_start(&f, n - 1, fn, piece_of(args, stride, 1), stride);
    fn(args);
    for (int k = 1 + f.started; k < n; k++)
        fn(piece_of(args, stride, k));
    nn_fork_join(&f);
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
