/*
 * file.c - reading data files (raw or gzip) through zlib: see file.h.
 */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/file_check.h"

enum {
    GZ_BUFFER = 1 << 17,  /* zlib's input buffer (its default, 8 KiB, is slow) */
    READ_CHUNK = 1 << 24, /* largest single gzread (its length is an unsigned) */
    FIRST_ALLOC = 1 << 20 /* first buffer of nn_file_read_alloc */
};

int nn_file_open(nn_file *f, const char *path, nn_err *err)
{
    f->path = path;
    f->gz = NULL;
    /* O_NONBLOCK: a FIFO opens at once and is refused, instead of waiting
     * for a writer; then the file must be a regular one that fits in memory
     * (io/file_check.h). */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return nn_fail(err, "%s: cannot open: %s", path, strerror(errno));
    if (nn_fd_check(fd, path, NN_PATH_FILE, 0, NULL, err)) {
        close(fd);
        return -1;
    }
    errno = 0;
    f->gz = gzdopen(fd, "rb");
    if (!f->gz) {
        close(fd);
        return nn_fail(err, "%s: cannot open: %s", path,
                       errno ? strerror(errno) : "out of memory");
    }
    gzbuffer(f->gz, GZ_BUFFER);
    return 0;
}

void nn_file_close(nn_file *f)
{
    if (f->gz)
        gzclose(f->gz);
    f->gz = NULL;
}

/*
 * Called when gzread returned 0 or -1: an error (a cut-short gzip stream
 * reads as a normal end of file from gzread, so gzerror is the only way to
 * tell) or a clean end of file.
 */
static int check_stream(nn_file *f, nn_err *err)
{
    int errnum = Z_OK;
    const char *msg = gzerror(f->gz, &errnum);
    if (errnum == Z_OK)
        return 0;
    /* zlib's message starts with the path: ours already names it. */
    size_t plen = strlen(f->path);
    if (strncmp(msg, f->path, plen) == 0 && strncmp(msg + plen, ": ", 2) == 0)
        msg += plen + 2;
    if (errnum == Z_ERRNO) /* zlib's message holds strerror's */
        return nn_fail(err, "%s: read error (%s)", f->path, msg);
    if (errnum == Z_BUF_ERROR)
        return nn_fail(err, "%s: truncated gzip data (%s)", f->path, msg);
    return nn_fail(err, "%s: corrupt gzip data (%s)", f->path, msg);
}

int nn_file_read(nn_file *f, void *dst, size_t n, size_t *got, nn_err *err)
{
    unsigned char *p = dst;
    *got = 0;
    while (*got < n) {
        size_t ask = n - *got < READ_CHUNK ? n - *got : READ_CHUNK;
        int r = gzread(f->gz, p + *got, (unsigned)ask);
        if (r <= 0)
            return check_stream(f, err);
        *got += (size_t)r;
    }
    return 0;
}

/* Grows *buf to hold at least need bytes (doubling, at most max). */
static int grow(nn_file *f, uint8_t **buf, size_t *cap, size_t need, size_t max,
                nn_err *err)
{
    size_t c = *cap ? *cap : FIRST_ALLOC;
    while (c < need)
        c = c > SIZE_MAX / 2 ? SIZE_MAX : 2 * c;
    if (c > max)
        c = max;
    uint8_t *nb = realloc(*buf, c);
    if (!nb)
        return nn_fail(err, "%s: out of memory reading %zu bytes", f->path, c);
    *buf = nb;
    *cap = c;
    return 0;
}

int nn_file_read_alloc(nn_file *f, size_t max, uint8_t **buf, size_t *len, nn_err *err)
{
    size_t cap = 0;
    *buf = NULL;
    *len = 0;
    while (*len < max) {
        size_t got;
        if (*len == cap && grow(f, buf, &cap, cap + 1, max, err))
            goto fail;
        if (nn_file_read(f, *buf + *len, cap - *len, &got, err))
            goto fail;
        *len += got;
        if (*len < cap) /* a short read: the end of the file */
            break;
    }
    return 0;
fail:
    free(*buf);
    *buf = NULL;
    *len = 0;
    return -1;
}
