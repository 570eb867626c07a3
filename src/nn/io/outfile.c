/*
 * outfile.c - the atomic file writer of outfile.h.
 */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Test-only (outfile.h): called before each rename. */
static void (*rename_hook)(const char *tmp, const char *path);

void nn_outfile_set_rename_hook(void (*hook)(const char *tmp, const char *path))
{
    rename_hook = hook;
}

/* The directory holding path ("." for a bare name, "/" for "/x") into buf. */
static void dir_of(char *buf, size_t size, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, size, ".");
    else
        snprintf(buf, size, "%.*s", slash == path ? 1 : (int)(slash - path), path);
}

/* fsync of the directory holding path, so that the rename itself is durable.
 * Best effort (see outfile.h). */
static void sync_dir(const char *path)
{
    char dir[PATH_MAX];
    dir_of(dir, sizeof dir, path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

int nn_outfile_open(nn_outfile *o, const char *path, nn_err *err)
{
    o->f = NULL;
    o->tmp[0] = '\0';
    if (!path)
        return nn_fail(err, "nn_outfile_open: path is NULL");
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof o->path)
        return nn_fail(err, "%.200s: cannot write: the path is %s", path,
                       n ? "too long" : "empty");
    memcpy(o->path, path, n + 1);
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp.%ld", path, (long)getpid());
    o->f = fopen(o->tmp, "wb");
    if (o->f)
        return 0;
    int e = errno;
    char dir[PATH_MAX];
    struct stat st;
    dir_of(dir, sizeof dir, path);
    int missing = e == ENOENT && stat(dir, &st) != 0;
    nn_fail(err, "%s: cannot write: %s (%s %s%s)", path, strerror(e),
            missing ? "the directory" : "cannot create", missing ? dir : o->tmp,
            missing ? " does not exist" : "");
    o->tmp[0] = '\0';
    return -1;
}

int nn_outfile_commit(nn_outfile *o, nn_err *err)
{
    if (!o->f)
        return nn_fail(err, "%s: cannot write: the file is not open", o->path);
    const char *step = NULL;
    int e = 0;
    errno = 0;
    /* A write that failed before the flush leaves the error flag set with
     * nothing left to flush: EIO stands for its lost errno. */
    if (fflush(o->f) != 0)
        step = "write", e = errno;
    else if (ferror(o->f))
        step = "write", e = EIO;
    else if (fsync(fileno(o->f)) != 0)
        step = "fsync", e = errno;
    if (fclose(o->f) != 0 && !step)
        step = "close", e = errno;
    o->f = NULL;
    if (!step && rename_hook)
        rename_hook(o->tmp, o->path);
    if (!step && rename(o->tmp, o->path) != 0)
        step = "rename", e = errno;
    if (step) {
        remove(o->tmp);
        nn_fail(err, "%s: cannot write: %s (%s of %s failed)", o->path,
                strerror(e ? e : EIO), step, o->tmp);
        o->tmp[0] = '\0';
        return -1;
    }
    o->tmp[0] = '\0';
    sync_dir(o->path);
    return 0;
}

void nn_outfile_abort(nn_outfile *o)
{
    if (o->f)
        fclose(o->f);
    o->f = NULL;
    if (o->tmp[0])
        remove(o->tmp);
    o->tmp[0] = '\0';
}
