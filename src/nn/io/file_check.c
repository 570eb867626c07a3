/*
 * file_check.c - checks before reading a file (file_check.h).
 */
#include "file_check.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

uint64_t nn_mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    unsigned long long kb = 0;
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f))
        found = sscanf(line, "MemAvailable: %llu kB", &kb) == 1;
    if (f)
        fclose(f);
    if (found)
        return (uint64_t)kb * 1024;
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0)
        return (uint64_t)pages * (uint64_t)page;
    return UINT64_MAX;
}

/* What st is, in words, for a refusal. */
static const char *kind_name(const struct stat *st)
{
    if (S_ISFIFO(st->st_mode))
        return "a FIFO";
    if (S_ISCHR(st->st_mode))
        return "a character device";
    if (S_ISBLK(st->st_mode))
        return "a block device";
    if (S_ISSOCK(st->st_mode))
        return "a socket";
    if (S_ISDIR(st->st_mode))
        return "a directory";
    if (S_ISREG(st->st_mode))
        return "a regular file";
    return "not a file";
}

/* The checks on st (see nn_fd_check). */
static int check_stat(const struct stat *st, const char *path, nn_path_kind kind,
                      uint64_t limit, uint64_t *size, nn_err *err)
{
    int want_dir = kind == NN_PATH_DIR;
    if (want_dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))
        return nn_fail(err, "%s: cannot read: it is %s, not %s", path, kind_name(st),
                       want_dir ? "a directory" : "a regular file");
    if (want_dir)
        return 0;
    uint64_t n = (uint64_t)st->st_size;
    int machine = limit == 0;
    if (machine)
        limit = nn_mem_available();
    if (n > limit)
        return nn_fail(err, "%s: %.1f MB, more than %s %.1f MB", path, (double)n / 1e6,
                       machine ? "this machine's available memory," : "the limit of",
                       (double)limit / 1e6);
    if (size)
        *size = n;
    return 0;
}

int nn_fd_check(int fd, const char *path, nn_path_kind kind, uint64_t limit,
                uint64_t *size, nn_err *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return nn_fail(err, "%s: cannot stat: %s", path, strerror(errno));
    return check_stat(&st, path, kind, limit, size, err);
}

int nn_path_check(const char *path, nn_path_kind kind, uint64_t limit, uint64_t *size,
                  nn_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return nn_fail(err, "%s: cannot open: %s", path, strerror(errno));
    return check_stat(&st, path, kind, limit, size, err);
}

/* The length of the UTF-8 sequence at s, 0 when it is not well formed. */
static int utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    int n = c >= 0xc2 && c <= 0xdf   ? 2
            : c >= 0xe0 && c <= 0xef ? 3
            : c >= 0xf0 && c <= 0xf4 ? 4
                                     : 0;
    unsigned lo = 0x80, hi = 0xbf; /* the second byte's range */
    if (c == 0xe0)
        lo = 0xa0; /* no overlong 3-byte forms */
    else if (c == 0xed)
        hi = 0x9f; /* no surrogates */
    else if (c == 0xf0)
        lo = 0x90; /* no overlong 4-byte forms */
    else if (c == 0xf4)
        hi = 0x8f; /* at most U+10FFFF */
    for (int k = 1; k < n; k++) {
        unsigned b = s[k];
        if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf))
            return 0;
    }
    return n;
}

int nn_path_utf8(const char *label, const char *s, nn_err *err)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; p[i];) {
        int n = utf8_len(p + i);
        if (!n)
            return nn_fail(err,
                           "%s: the path is not valid UTF-8 (byte 0x%02x at %zu), which "
                           "the JSON result files cannot hold; rename it",
                           label, p[i], i);
        i += (size_t)n;
    }
    return 0;
}
