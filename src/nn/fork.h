/*
 * fork.h - the one fork-join the layers use: two pieces of work, one on the
 * calling thread and one on a new thread.
 */
#ifndef NN_FORK_H
#define NN_FORK_H

/*
 * Runs fn(a) on the calling thread and fn(b) on a new thread, then joins.
 * If the thread cannot be created, the caller runs fn(b) too: a busy system
 * gets fewer threads, never an error. The pieces must not depend on which
 * thread runs them (results are the same either way).
 */
void nn_run_two(void *(*fn)(void *), void *a, void *b);

#endif
