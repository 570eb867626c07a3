/*
 * outfile.c - atomic file replacement (outfile.h) over nn_outfile.
 */
#include "outfile.h"

#include "cli.h"

int outfile_open(outfile *o, const char *path)
{
    nn_err err;
    if (nn_outfile_open(o, path, &err) == 0)
        return 0;
    cli_error("%s", err.msg);
    return -1;
}

int outfile_commit(outfile *o)
{
    nn_err err;
    if (nn_outfile_commit(o, &err) == 0)
        return 0;
    cli_error("%s", err.msg);
    return -1;
}

void outfile_abort(outfile *o)
{
    nn_outfile_abort(o);
}
