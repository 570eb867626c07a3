/*
 * compare_dist.c - golu compare's runs handed out to processes
 * (compare_dist.h).
 *
 * Messages (ints): a process asks rank 0 with {k, status} of the run it
 * finished (k = -1: none yet); rank 0 answers {next} (-1: nothing more),
 * and when every run is over, {the worst status} to each. Waiting
 * processes look for their message every 2 ms rather than in a blocking
 * receive, which would spin a CPU that rank 0's training needs.
 */
#include "compare_dist.h"

#include <time.h>

#include "train.h"

typedef struct dispatch {
    const nn_comm *comm;
    int n, next;  /* runs; the next index to look at */
    int worst;    /* the worst status so far */
    int finished; /* processes told there is nothing more */
    int (*done)(int k, void *user);
    void *user;
} dispatch;

static const struct timespec PAUSE = {0, 2000000}; /* 2 ms between looks */

/* One int from rank 0 into *v, waiting without spinning. 0 or -1. */
static int wait_for(const nn_comm *comm, int *v)
{
    int from, got;
    while ((got = nn_comm_recv(comm, &from, v, 1, 0)) == 0)
        nanosleep(&PAUSE, NULL);
    return got == 1 ? 0 : -1;
}

/* A worse status: a failure (1, 2) over a stop (3) over success (0). */
static int worse(int a, int b)
{
    int ra = a == 0 ? 0 : a == 3 ? 1 : 2, rb = b == 0 ? 0 : b == 3 ? 1 : 2;
    return ra >= rb ? a : b;
}

/* The next run to train, or -1 (all handed out, or one failed or stopped). */
static int next_run(dispatch *d)
{
    if (d->worst != 0)
        return -1;
    while (d->next < d->n && d->done(d->next, d->user))
        d->next++;
    return d->next < d->n ? d->next++ : -1;
}

/* Answers every request waiting (rank 0). */
static void serve(void *p)
{
    dispatch *d = p;
    int from, msg[2];
    while (nn_comm_recv(d->comm, &from, msg, 2, 0) == 1) {
        if (msg[0] >= 0)
            d->worst = worse(d->worst, msg[1]);
        int k = next_run(d);
        nn_comm_send(d->comm, from, &k, 1);
        d->finished += k < 0;
    }
}

int compare_dist_run(const nn_comm *comm, int n, int (*train)(int k, void *user),
                     int (*done)(int k, void *user), void *user)
{
    dispatch d = {comm, n, 0, 0, 0, done, user};
    int rank = nn_comm_rank(comm), size = nn_comm_size(comm);
    if (rank == 0) {
        train_cli_set_poll(serve, &d);
        for (int k = next_run(&d); k >= 0; k = next_run(&d))
            d.worst = worse(d.worst, train(k, user));
        train_cli_set_poll(NULL, NULL);
        while (d.finished < size - 1) {
            serve(&d);
            if (d.finished < size - 1)
                nanosleep(&PAUSE, NULL);
        }
        for (int r = 1; r < size; r++)
            if (nn_comm_send(comm, r, &d.worst, 1))
                return 1;
        return d.worst;
    }
    int msg[2] = {-1, 0}, k, worst;
    for (;;) {
        if (nn_comm_send(comm, 0, msg, 2) || wait_for(comm, &k))
            return 1;
        if (k < 0)
            break;
        msg[0] = k, msg[1] = train(k, user);
    }
    return wait_for(comm, &worst) ? 1 : worst;
}
