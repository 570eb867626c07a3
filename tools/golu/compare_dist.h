/*
 * compare_dist.h - golu compare over several processes (mpirun -np N golu
 * compare ...): whole runs handed out one at a time.
 *
 * Rank 0 is the dispatcher and works too: it hands out run indices in the
 * compare's order (seed by seed), skipping the runs already done, to each
 * process that asks (itself included), answering the others between its
 * own training steps (train_cli_set_poll) and while it waits. A process
 * that finishes a run asks for the next one, so N processes finish a
 * compare about N times sooner. The runs live in the compare's directory as
 * always (it must be one every process sees: a shared filesystem across
 * machines), so a stopped distributed compare continues with any N, or
 * without MPI, from the same directory. After a run fails or stops, no
 * more are handed out; the processes end with the worst status.
 */
#ifndef GOLU_COMPARE_DIST_H
#define GOLU_COMPARE_DIST_H

#include "comm.h"

/*
 * Trains every run not yet done, by index k (0 .. n-1) through
 * train(k, user) on whichever process gets it (train returns 0, or the
 * status a failed (1, 2) or stopped (3) run gives); done(k, user) on rank 0
 * says whether run k is done already. Returns the worst status over every
 * process (0: all trained), the same on every process.
 */
int compare_dist_run(const nn_comm *comm, int n, int (*train)(int k, void *user),
                     int (*done)(int k, void *user), void *user);

#endif
