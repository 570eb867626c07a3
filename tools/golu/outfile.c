/*
 * outfile.c - atomic file replacement (outfile.h).
 */
#include "outfile.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int outfile_open(outfile *o, const char *path)
{
    snprintf(o->path, sizeof o->path, "%s", path);
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp.%ld", path, (long)getpid());
    o->f = fopen(o->tmp, "w");
    if (!o->f) {
        cli_error("%s: cannot write: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int outfile_commit(outfile *o)
{
    int bad = fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) != 0;
    int e = errno;
    if (fclose(o->f) != 0 && !bad)
        bad = 1, e = errno;
    o->f = NULL;
    if (!bad && rename(o->tmp, o->path) != 0)
        bad = 1, e = errno;
    if (bad) {
        remove(o->tmp);
        cli_error("%s: cannot write: %s", o->path, strerror(e));
        return -1;
    }
    return 0;
}

void outfile_abort(outfile *o)
{
    if (o->f)
        fclose(o->f);
    o->f = NULL;
    remove(o->tmp);
}
