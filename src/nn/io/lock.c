/*
 * lock.c - the output directory's lock and the sweep of stale temporary
 * files (lock.h).
 */
#include "lock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* The pid written in the lock file at fd, or 0 when it holds none. */
static long holder_pid(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return strtol(buf, NULL, 10);
}

int nn_lock_take(nn_lock *l, const char *dir, const char *label, nn_err *err)
{
    char path[PATH_MAX + 32];
    l->fd = -1;
    snprintf(path, sizeof path, "%s/%s", dir, NN_LOCK_FILE);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd < 0)
        return nn_fail(err, "%s: cannot open the lock file %s: %s", label, path,
                       strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        long pid = holder_pid(fd);
        close(fd);
        if (e != EWOULDBLOCK)
            return nn_fail(err, "%s: cannot lock %s: %s", label, path, strerror(e));
        char who[48] = "pid unknown";
        if (pid > 0)
            snprintf(who, sizeof who, "pid %ld", pid);
        return nn_fail(err,
                       "%s: %s is in use by another golu command (%s); wait for it to "
                       "end, or choose another directory",
                       label, dir, who);
    }
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
        int e = errno;
        close(fd);
        return nn_fail(err, "%s: cannot write the lock file %s: %s", label, path,
                       strerror(e));
    }
    l->fd = fd;
    if (nn_tmp_sweep(dir, NULL, err)) {
        nn_lock_release(l);
        return -1;
    }
    return 0;
}

void nn_lock_release(nn_lock *l)
{
    if (l->fd >= 0)
        close(l->fd); /* the lock goes with it */
    l->fd = -1;
}

/* The pid of a name "<something>.tmp.<digits>", or 0 when it is not one. */
static long tmp_pid(const char *name)
{
    const char *t = NULL;
    for (const char *p = strstr(name, ".tmp."); p; p = strstr(p + 1, ".tmp."))
        t = p;
    if (!t || t == name)
        return 0;
    const char *d = t + 5;
    if (!*d || strspn(d, "0123456789") != strlen(d) || strlen(d) > 9)
        return 0;
    return strtol(d, NULL, 10);
}

/* 1 when pid is a process that exists (ours to signal or not). */
static int alive(long pid)
{
    return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

int nn_tmp_sweep(const char *dir, int *removed, nn_err *err)
{
    int count = 0;
    if (removed)
        *removed = 0;
    DIR *d = opendir(dir);
    if (!d)
        return nn_fail(err, "%s: cannot read the directory: %s", dir, strerror(errno));
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        long pid = tmp_pid(e->d_name);
        if (pid <= 0 || alive(pid))
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) == 0)
            count++;
    }
    closedir(d);
    if (removed)
        *removed = count;
    return 0;
}
