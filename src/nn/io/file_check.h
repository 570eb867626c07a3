/*
 * file_check.h - what every reader of outside files checks before it reads:
 * the kind of file (a regular file, or a directory where one is expected;
 * never a FIFO, device or socket, which could block forever or never end),
 * its size against a limit and against the machine's memory, and paths the
 * output formats can represent (UTF-8). One place, used by the checkpoint
 * reader (safetensors.c), the data readers (data/file.c), the text loader
 * and compare's JSON files.
 */
#ifndef NN_IO_FILE_CHECK_H
#define NN_IO_FILE_CHECK_H

#include <stdint.h>

#include "error.h"

typedef enum nn_path_kind {
    NN_PATH_FILE, /* a regular file */
    NN_PATH_DIR   /* a directory */
} nn_path_kind;

/*
 * The memory this process can count on, in bytes: MemAvailable of
 * /proc/meminfo where there is one, else the physical pages
 * (sysconf(_SC_PHYS_PAGES) x page size); UINT64_MAX when neither is known.
 */
uint64_t nn_mem_available(void);

/*
 * Checks the file open at fd (path names it in messages): it must be of
 * kind, and a regular file at most limit bytes (0: nn_mem_available()), its
 * size into *size (may be NULL). Refusals name path and what it is ("x:
 * cannot read: it is a FIFO, not a regular file"; "x: 5.0 GB, more than this
 * machine's 2.1 GB of available memory"). 0, or -1 with err.
 */
int nn_fd_check(int fd, const char *path, nn_path_kind kind, uint64_t limit,
                uint64_t *size, nn_err *err);

/* The same for path (stat, following links), without opening it: so a FIFO
 * is refused before an open that would wait for a writer. A missing path
 * is "x: cannot open: No such file or directory". */
int nn_path_check(const char *path, nn_path_kind kind, uint64_t limit, uint64_t *size,
                  nn_err *err);

/* 0 when s is well-formed UTF-8 (shortest forms, no surrogates, at most
 * U+10FFFF); otherwise -1 with err naming label ("--data: the path is not
 * valid UTF-8 (byte 0xff at 12), which the JSON result files cannot
 * hold"). */
int nn_path_utf8(const char *label, const char *s, nn_err *err);

#endif
