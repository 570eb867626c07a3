/*
 * dist_cli.c - the tool's processes: MPI or alone (dist_cli.h).
 */
#include "dist_cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#ifdef GOLU_HAVE_MPI
#include "comm_mpi.h"
#endif

#ifdef GOLU_HAVE_MPI
static const nn_comm *opened;
#else
/* The launcher's process count from the environment (Open MPI's mpirun,
 * PMI launchers); 1 when not launched by one. */
static int launched_size(void)
{
    const char *v = getenv("OMPI_COMM_WORLD_SIZE");
    if (!v)
        v = getenv("PMI_SIZE");
    return v ? atoi(v) : 1;
}
#endif

int dist_cli_open(const nn_comm **out)
{
    *out = nn_comm_none();
#ifdef GOLU_HAVE_MPI
    if (!nn_comm_mpi_launched())
        return 0;
    nn_err err = {""};
    if (nn_comm_mpi_open(out, &err)) {
        cli_error("MPI: %s", err.msg);
        *out = nn_comm_none();
        return 2;
    }
    opened = *out;
    return 0;
#else
    if (launched_size() > 1) {
        cli_error("started by mpirun with %d processes, but this golu was built "
                  "without MPI (make found no Open MPI; see golu info): each process "
                  "would train alone. Install libopenmpi-dev and rebuild",
                  launched_size());
        return 2;
    }
    return 0;
#endif
}

int dist_cli_close(int rc, int agreed)
{
#ifdef GOLU_HAVE_MPI
    if (!opened)
        return rc;
    if (!agreed && rc != 0 && rc != 2 && rc != 3 && opened->size > 1) {
        fflush(stdout);
        fflush(stderr);
        opened->abort(opened, rc);
    }
    nn_comm_mpi_close();
    opened = NULL;
#else
    (void)agreed;
#endif
    return rc;
}

int dist_cli_local_size(void)
{
    const char *v = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    int n = v ? atoi(v) : 1;
    return n > 0 ? n : 1;
}

const char *dist_cli_describe(int *built)
{
#ifdef GOLU_HAVE_MPI
    static char words[512];
    *built = 1;
    snprintf(words, sizeof words, "built in (%s; mpirun -np N golu train or compare)",
             nn_comm_mpi_version());
    return words;
#else
    *built = 0;
    return "not built in (make found no Open MPI: install libopenmpi-dev and rebuild)";
#endif
}
