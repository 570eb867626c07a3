/*
 * comm.h - the processes that share a training run or a compare: a small
 * communicator with two back ends.
 *
 *   none   one process (nn_comm_none(), or a NULL comm everywhere): rank 0
 *          of 1, every collective a no-op. Always in libgolu_nn.
 *   MPI    Open MPI's MPI_COMM_WORLD (src/mpi/comm_mpi.h): built only when
 *          the Makefile finds Open MPI, into its own libgolu_mpi.a that
 *          only the golu tool links, so libgolu_nn never needs MPI.
 *
 * A back end fills the operations of nn_comm; the framework calls them
 * through the helpers below, which take a NULL comm as "alone". Every
 * collective must be called by every process in the same order (as MPI's
 * are); a failed collective returns -1 (the MPI back end aborts the job
 * instead, as MPI's default error handler does).
 *
 * The sums are in place; with two processes a sum is a single addition, so
 * its bits do not depend on which process adds (a + b == b + a).
 */
#ifndef NN_COMM_H
#define NN_COMM_H

#include <stddef.h>
#include <stdint.h>

typedef struct nn_comm nn_comm;

struct nn_comm {
    int rank, size;   /* this process, of size (size >= 1) */
    const char *name; /* "none", "mpi" */
    void *ctx;        /* the back end's */
    /* buf (n) = the elementwise sum over every process's buf. 0 or -1. */
    int (*sum_f32)(const nn_comm *c, float *buf, size_t n);
    int (*sum_f64)(const nn_comm *c, double *buf, size_t n);
    /* buf (bytes) = root's buf on every process. 0 or -1. */
    int (*bcast)(const nn_comm *c, void *buf, size_t bytes, int root);
    /* Returns when every process has called it. 0 or -1. */
    int (*barrier)(const nn_comm *c);
    /* Ends every process of the job with status code (does not return for
     * MPI; the none back end returns and the caller exits). */
    void (*abort)(const nn_comm *c, int code);
    /* Point to point, for golu compare's dispatcher (NULL where a back end
     * has none): n ints to process `to`; 0 or -1. */
    int (*send)(const nn_comm *c, int to, const int *msg, int n);
    /* n ints from any process into msg, the sender into *from. wait 1:
     * blocks until one arrives (1); wait 0: returns 0 at once when none
     * is there, 1 when one was received. -1 on failure. */
    int (*recv)(const nn_comm *c, int *from, int *msg, int n, int wait);
};

/* The one-process communicator (static; never freed). */
const nn_comm *nn_comm_none(void);

/* c's rank and size; a NULL c is rank 0 of 1. */
int nn_comm_rank(const nn_comm *c);
int nn_comm_size(const nn_comm *c);

/* The collectives through c (NULL: alone, nothing to do). 0 or -1. */
int nn_comm_sum_f32(const nn_comm *c, float *buf, size_t n);
int nn_comm_sum_f64(const nn_comm *c, double *buf, size_t n);
int nn_comm_bcast(const nn_comm *c, void *buf, size_t bytes, int root);
int nn_comm_barrier(const nn_comm *c);
/* c's send and recv; -1 where c has none (alone: nobody to talk to). */
int nn_comm_send(const nn_comm *c, int to, const int *msg, int n);
int nn_comm_recv(const nn_comm *c, int *from, int *msg, int n, int wait);

/*
 * How many processes failed: every process passes failed (0 or 1) and
 * gets the count over all of them (a sum). -1 when the collective failed.
 */
int nn_comm_failures(const nn_comm *c, int failed);

/*
 * Whether every process holds the same value: rank 0's hash is broadcast
 * and compared. Every process gets the number of processes whose hash
 * differs (0: all equal), or -1 when a collective failed.
 */
int nn_comm_same(const nn_comm *c, uint64_t hash);

/* FNV-1a, 64 bits, of n bytes, continuing from h (start with
 * NN_HASH_START): a fingerprint for nn_comm_same. */
#define NN_HASH_START 0xcbf29ce484222325ull
uint64_t nn_hash_bytes(uint64_t h, const void *p, size_t n);

#endif
