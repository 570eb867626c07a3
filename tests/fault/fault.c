/*
 * fault.c - an LD_PRELOAD shim that makes one file operation fail, for the
 * fault-injection test (tests/tool/test_fault.c); the Makefile builds it as
 * $(BUILD)/tests/fault/libfault.so. It is test code, never linked into the
 * library or the tool.
 *
 * Controlled by the environment:
 *   GOLU_FAULT_CALL   open | write | fsync | close | rename: which operation
 *   GOLU_FAULT_PATH   a glob (fnmatch, no flags) matched against the whole
 *                     path as the program passed it (for rename: the old or
 *                     the new name)
 *   GOLU_FAULT_N      the N-th matching call fails (1 = the first; default 1)
 *   GOLU_FAULT_ERRNO  ENOSPC or EIO (default), the error it fails with
 *   GOLU_FAULT_LOG    a file to which one line is appended when the fault
 *                     fires (so that a test knows it did)
 * Without GOLU_FAULT_CALL every call passes through unchanged.
 *
 * What it catches: open, open64, openat, openat64, fopen, fopen64 (open,
 * for reading or writing); on files opened for writing only: write on a
 * matched descriptor and every write of a matched stdio stream
 * (write); fsync and fdatasync of a matched descriptor (fsync); close of a
 * matched descriptor and fclose of a matched write stream (close: the descriptor
 * is really closed, then the error is reported, as the kernel does on a
 * network file system); rename (rename). A stdio stream opened for writing
 * on a matched path is a fopencookie stream over the real descriptor, so
 * that its writes, which glibc makes inside itself, pass through here;
 * fileno() gives the real descriptor.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

enum { OP_NONE, OP_OPEN, OP_WRITE, OP_FSYNC, OP_CLOSE, OP_RENAME };
enum { MAX_FD = 4096, MAX_STREAMS = 64 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int op = OP_NONE, err_no = EIO;
static long nth = 1, seen;
static const char *pattern, *log_path;
static unsigned char fd_matched[MAX_FD];

static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static FILE *(*real_fopen)(const char *, const char *);
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_close)(int);
static int (*real_fileno)(FILE *);
static int (*real_rename)(const char *, const char *);

static void init(void)
{
    real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
    real_openat = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
    real_fopen = (FILE * (*)(const char *, const char *)) dlsym(RTLD_NEXT, "fopen");
    real_write = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
    real_fileno = (int (*)(FILE *))dlsym(RTLD_NEXT, "fileno");
    real_rename = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    const char *c = getenv("GOLU_FAULT_CALL");
    static const char *const names[] = {"", "open", "write", "fsync", "close", "rename"};
    for (int i = 1; c && i < 6; i++)
        if (strcmp(c, names[i]) == 0)
            op = i;
    pattern = getenv("GOLU_FAULT_PATH");
    if (!pattern)
        pattern = "*";
    const char *n = getenv("GOLU_FAULT_N");
    if (n && atol(n) > 0)
        nth = atol(n);
    const char *e = getenv("GOLU_FAULT_ERRNO");
    if (e && strcmp(e, "ENOSPC") == 0)
        err_no = ENOSPC;
    log_path = getenv("GOLU_FAULT_LOG");
}

static int matches(const char *path)
{
    return op != OP_NONE && path && fnmatch(pattern, path, 0) == 0;
}

/* Counts one call of operation o on a matched file; 1 (errno set) when it
 * is the one to fail. */
static int fire(int o, const char *what)
{
    if (o != op)
        return 0;
    pthread_mutex_lock(&lock);
    int hit = ++seen == nth;
    pthread_mutex_unlock(&lock);
    if (!hit)
        return 0;
    if (log_path) {
        int fd = real_open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd >= 0) {
            char line[600];
            int len = snprintf(
                line, sizeof line, "%d %s %s\n", (int)getpid(),
                (const char *[]){"", "open", "write", "fsync", "close", "rename"}[o],
                what ? what : "?");
            if (len > 0)
                (void)real_write(fd, line, (size_t)len < sizeof line ? (size_t)len : 0);
            real_close(fd);
        }
    }
    errno = err_no;
    return 1;
}

static void mark_fd(int fd, int on)
{
    if (fd >= 0 && fd < MAX_FD)
        fd_matched[fd] = (unsigned char)on;
}

static int fd_is_matched(int fd)
{
    return fd >= 0 && fd < MAX_FD && fd_matched[fd];
}

/* ------------------------------------------------------- descriptors --- */

static int open_common(int dirfd, const char *path, int flags, mode_t mode, int at)
{
    pthread_once(&once, init);
    int m = matches(path);
    if (m && fire(OP_OPEN, path))
        return -1;
    int fd = at ? real_openat(dirfd, path, flags, mode) : real_open(path, flags, mode);
    /* Writes, fsyncs and closes are failed only on files opened to write. */
    mark_fd(fd, m && (flags & O_ACCMODE) != O_RDONLY);
    return fd;
}

static mode_t mode_arg(int flags, va_list ap)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int)
                                                                 : 0;
}

int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return open_common(AT_FDCWD, path, flags, mode, 0);
}

int open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return open_common(AT_FDCWD, path, flags, mode, 0);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return open_common(dirfd, path, flags, mode, 1);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t mode = mode_arg(flags, ap);
    va_end(ap);
    return open_common(dirfd, path, flags, mode, 1);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    pthread_once(&once, init);
    if (fd_is_matched(fd) && fire(OP_WRITE, "(descriptor)"))
        return -1;
    return real_write(fd, buf, n);
}

int fsync(int fd)
{
    pthread_once(&once, init);
    if (fd_is_matched(fd) && fire(OP_FSYNC, "(descriptor)"))
        return -1;
    return real_fsync(fd);
}

int fdatasync(int fd)
{
    pthread_once(&once, init);
    if (fd_is_matched(fd) && fire(OP_FSYNC, "(descriptor)"))
        return -1;
    return real_fdatasync(fd);
}

int close(int fd)
{
    pthread_once(&once, init);
    int m = fd_is_matched(fd);
    mark_fd(fd, 0);
    int rc = real_close(fd);
    if (m && rc == 0 && fire(OP_CLOSE, "(descriptor)"))
        return -1;
    return rc;
}

int rename(const char *from, const char *to)
{
    pthread_once(&once, init);
    if ((matches(from) || matches(to)) && fire(OP_RENAME, to))
        return -1;
    return real_rename(from, to);
}

/* ----------------------------------------------------------- streams --- */

typedef struct {
    FILE *f;
    int fd;
    char path[512];
} stream;

static stream streams[MAX_STREAMS];

static ssize_t cookie_write(void *c, const char *buf, size_t n)
{
    stream *s = c;
    if (fire(OP_WRITE, s->path))
        return -1;
    size_t done = 0;
    while (done < n) {
        ssize_t w = real_write(s->fd, buf + done, n - done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return done ? (ssize_t)done : -1;
        }
        done += (size_t)w;
    }
    return (ssize_t)done;
}

static ssize_t cookie_read(void *c, char *buf, size_t n)
{
    return read(((stream *)c)->fd, buf, n);
}

static int cookie_seek(void *c, off64_t *off, int whence)
{
    off64_t r = lseek64(((stream *)c)->fd, *off, whence);
    if (r < 0)
        return -1;
    *off = r;
    return 0;
}

static int cookie_close(void *c)
{
    stream *s = c;
    int fd = s->fd;
    char path[512];
    memcpy(path, s->path, sizeof path);
    pthread_mutex_lock(&lock);
    s->f = NULL;
    s->fd = -1;
    pthread_mutex_unlock(&lock);
    mark_fd(fd, 0);
    int rc = real_close(fd);
    if (rc == 0 && fire(OP_CLOSE, path))
        return -1;
    return rc;
}

/* A stdio stream over path opened with mode; matched write streams become
 * cookie streams over the real descriptor. */
static FILE *fopen_common(const char *path, const char *mode)
{
    pthread_once(&once, init);
    int m = matches(path);
    if (m && fire(OP_OPEN, path))
        return NULL;
    int writing = mode && (strchr(mode, 'w') || strchr(mode, 'a') || strchr(mode, '+'));
    if (!m || !writing)
        return real_fopen(path, mode);
    int flags = strchr(mode, '+') ? O_RDWR : O_WRONLY;
    flags |= mode[0] == 'w' ? O_CREAT | O_TRUNC : mode[0] == 'a' ? O_CREAT | O_APPEND : 0;
    int fd = real_open(path, flags | O_CLOEXEC, 0666);
    if (fd < 0)
        return NULL;
    stream *s = NULL;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < MAX_STREAMS && !s; i++)
        if (!streams[i].f && streams[i].fd <= 0)
            s = &streams[i];
    if (s)
        s->fd = fd;
    pthread_mutex_unlock(&lock);
    if (!s) {
        real_close(fd);
        errno = EMFILE;
        return NULL;
    }
    snprintf(s->path, sizeof s->path, "%s", path);
    mark_fd(fd, 1);
    cookie_io_functions_t io = {cookie_read, cookie_write, cookie_seek, cookie_close};
    FILE *f = fopencookie(s, mode, io);
    if (!f) {
        s->fd = -1;
        mark_fd(fd, 0);
        real_close(fd);
        return NULL;
    }
    s->f = f;
    return f;
}

FILE *fopen(const char *path, const char *mode)
{
    return fopen_common(path, mode);
}

FILE *fopen64(const char *path, const char *mode)
{
    return fopen_common(path, mode);
}

int fileno(FILE *f)
{
    pthread_once(&once, init);
    pthread_mutex_lock(&lock);
    int fd = -1;
    for (int i = 0; i < MAX_STREAMS; i++)
        if (streams[i].f == f && f)
            fd = streams[i].fd;
    pthread_mutex_unlock(&lock);
    return fd >= 0 ? fd : real_fileno(f);
}
