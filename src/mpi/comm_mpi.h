/*
 * comm_mpi.h - the communicator's Open MPI back end (src/nn/comm.h):
 * MPI_COMM_WORLD. Compiled only when the Makefile finds Open MPI, into
 * libgolu_mpi.a, which only the golu tool links (with -DGOLU_HAVE_MPI); the
 * framework (libgolu_nn) never depends on MPI. This header does not include
 * mpi.h: callers need no MPI flags.
 *
 * A process started by mpirun (or srun, through PMIx) initialises MPI; one
 * started on its own does not, and runs alone (nn_comm_none), so that
 * `golu train` without mpirun behaves exactly as a build without MPI.
 * Failing collectives end the job (MPI_ERRORS_ARE_FATAL, MPI's default), as
 * does a process that dies: mpirun then stops every other one.
 */
#ifndef GOLU_COMM_MPI_H
#define GOLU_COMM_MPI_H

#include "comm.h"
#include "error.h"

/* 1 when this process was started by an MPI launcher (Open MPI's mpirun
 * sets OMPI_COMM_WORLD_SIZE; PMIx launchers PMIX_RANK). */
int nn_comm_mpi_launched(void);

/*
 * Initialises MPI (once) and sets *out to MPI_COMM_WORLD's communicator.
 * 0, or -1 with err.
 */
int nn_comm_mpi_open(const nn_comm **out, nn_err *err);

/* Finalises MPI when nn_comm_mpi_open initialised it (at most once). */
void nn_comm_mpi_close(void);

/* The Open MPI library's version ("Open MPI v4.1.4, ..."), its first line. */
const char *nn_comm_mpi_version(void);

/* Wall time of MPI_Wtime (seconds), for the all-reduce benchmark. */
double nn_comm_mpi_wtime(void);

#endif
