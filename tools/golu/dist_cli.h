/*
 * dist_cli.h - the processes of a golu command: Open MPI's when the tool is
 * built with it (GOLU_HAVE_MPI) and started by mpirun, else this one alone
 * (the framework's one-process communicator, src/nn/comm.h).
 *
 * golu train and golu compare open it; every other command runs alone.
 * Only rank 0 prints results; the others print their own failures.
 */
#ifndef GOLU_DIST_CLI_H
#define GOLU_DIST_CLI_H

#include "comm.h"

/*
 * Starts MPI when this process was started by mpirun (and the build has
 * MPI) and sets *out to the job's communicator; otherwise *out is the
 * one-process one. Returns 0, or 2 after a message (started by mpirun with
 * several processes, but built without MPI: each would train alone).
 */
int dist_cli_open(const nn_comm **out);

/*
 * Ends MPI after the command with status rc: MPI_Finalize when every
 * process ends alike (agreed, or rc 0, 2: refused alike, 3: stopped
 * alike); any other status under several processes aborts the whole job
 * with it (a process that failed alone must not leave the others waiting).
 * No-op without MPI. Returns rc.
 */
int dist_cli_close(int rc, int agreed);

/* The processes started on this machine by mpirun (1 alone): golu train's
 * default thread count divides the CPUs among them. */
int dist_cli_local_size(void);

/* "built in (Open MPI v4.1.4)" or "not built in (...)", for golu info;
 * *built 1 or 0. */
const char *dist_cli_describe(int *built);

#endif
