/*
 * comm_mpi.c - the communicator over MPI_COMM_WORLD (comm_mpi.h).
 */
#include "comm_mpi.h"

#include <limits.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

static nn_comm world;
static int opened;

int nn_comm_mpi_launched(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") != NULL || getenv("PMIX_RANK") != NULL;
}

/* MPI counts are ints: larger blocks go in pieces of INT_MAX / 2. */
enum { PIECE = INT_MAX / 2 };

static int mpi_sum(void *buf, size_t n, MPI_Datatype type, size_t size)
{
    char *p = buf;
    while (n > 0) {
        int k = n > (size_t)PIECE ? PIECE : (int)n;
        if (MPI_Allreduce(MPI_IN_PLACE, p, k, type, MPI_SUM, MPI_COMM_WORLD) !=
            MPI_SUCCESS)
            return -1;
        p += (size_t)k * size, n -= (size_t)k;
    }
    return 0;
}

static int mpi_sum_f32(const nn_comm *c, float *buf, size_t n)
{
    (void)c;
    return mpi_sum(buf, n, MPI_FLOAT, sizeof *buf);
}

static int mpi_sum_f64(const nn_comm *c, double *buf, size_t n)
{
    (void)c;
    return mpi_sum(buf, n, MPI_DOUBLE, sizeof *buf);
}

static int mpi_bcast(const nn_comm *c, void *buf, size_t bytes, int root)
{
    (void)c;
    char *p = buf;
    while (bytes > 0) {
        int k = bytes > (size_t)PIECE ? PIECE : (int)bytes;
        if (MPI_Bcast(p, k, MPI_BYTE, root, MPI_COMM_WORLD) != MPI_SUCCESS)
            return -1;
        p += k, bytes -= (size_t)k;
    }
    return 0;
}

static int mpi_barrier(const nn_comm *c)
{
    (void)c;
    return MPI_Barrier(MPI_COMM_WORLD) == MPI_SUCCESS ? 0 : -1;
}

static void mpi_abort(const nn_comm *c, int code)
{
    (void)c;
    MPI_Abort(MPI_COMM_WORLD, code);
}

enum { TAG = 17 }; /* golu's point-to-point messages */

static int mpi_send(const nn_comm *c, int to, const int *msg, int n)
{
    (void)c;
    return MPI_Send(msg, n, MPI_INT, to, TAG, MPI_COMM_WORLD) == MPI_SUCCESS ? 0 : -1;
}

static int mpi_recv(const nn_comm *c, int *from, int *msg, int n, int wait)
{
    (void)c;
    MPI_Status st;
    if (!wait) {
        int there = 0;
        if (MPI_Iprobe(MPI_ANY_SOURCE, TAG, MPI_COMM_WORLD, &there, &st) != MPI_SUCCESS)
            return -1;
        if (!there)
            return 0;
    }
    if (MPI_Recv(msg, n, MPI_INT, wait ? MPI_ANY_SOURCE : st.MPI_SOURCE, TAG,
                 MPI_COMM_WORLD, &st) != MPI_SUCCESS)
        return -1;
    *from = st.MPI_SOURCE;
    return 1;
}

int nn_comm_mpi_open(const nn_comm **out, nn_err *err)
{
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited) {
        if (MPI_Init(NULL, NULL) != MPI_SUCCESS)
            return nn_fail(err, "MPI_Init failed");
        opened = 1;
    }
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    world =
        (nn_comm){rank,      size,        "mpi",     NULL,     mpi_sum_f32, mpi_sum_f64,
                  mpi_bcast, mpi_barrier, mpi_abort, mpi_send, mpi_recv};
    *out = &world;
    return 0;
}

void nn_comm_mpi_close(void)
{
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (opened && !finalized)
        MPI_Finalize();
    opened = 0;
}

const char *nn_comm_mpi_version(void)
{
    static char v[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(v, &len);
    v[strcspn(v, "\n,")] = '\0';
    return v;
}

double nn_comm_mpi_wtime(void)
{
    return MPI_Wtime();
}
