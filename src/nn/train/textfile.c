/*
 * textfile.c - atomic replacement of a text file (textfile.h).
 */
#include "textfile.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int nn_textfile_open(nn_textfile *t, const char *path, nn_err *err)
{
    snprintf(t->path, sizeof t->path, "%s", path);
    snprintf(t->tmp, sizeof t->tmp, "%s.tmp.%ld", path, (long)getpid());
    t->f = fopen(t->tmp, "w");
    if (!t->f)
        return nn_fail(err, "%s: cannot write: %s", path, strerror(errno));
    return 0;
}

int nn_textfile_commit(nn_textfile *t, nn_err *err)
{
    int bad = fflush(t->f) != 0 || ferror(t->f) || fsync(fileno(t->f)) != 0;
    int e = errno;
    if (fclose(t->f) != 0 && !bad)
        bad = 1, e = errno;
    t->f = NULL;
    if (!bad && rename(t->tmp, t->path) != 0)
        bad = 1, e = errno;
    if (bad) {
        remove(t->tmp);
        return nn_fail(err, "%s: cannot write: %s", t->path, strerror(e));
    }
    return 0;
}

void nn_textfile_abort(nn_textfile *t)
{
    if (t->f)
        fclose(t->f);
    t->f = NULL;
    remove(t->tmp);
}
