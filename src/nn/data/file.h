/*
 * file.h - reading data files through zlib, for the loaders in src/nn/data
 * (internal: not part of the framework's interface).
 *
 * gzopen/gzread read gzip files and, transparently, raw files: the format is
 * told from the content, never from the name. Every failure (cannot open, a
 * read error, a corrupt or cut-short gzip stream) becomes an nn_err that
 * names the file.
 */
#ifndef NN_DATA_FILE_H
#define NN_DATA_FILE_H

#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

#include "error.h"

typedef struct nn_file {
    gzFile gz;
    const char *path; /* borrowed: for messages */
} nn_file;

int nn_file_open(nn_file *f, const char *path, nn_err *err);
void nn_file_close(nn_file *f);

/* Reads up to n bytes into dst; *got < n only at the end of the file. */
int nn_file_read(nn_file *f, void *dst, size_t n, size_t *got, nn_err *err);

/*
 * Reads up to max bytes into *buf (malloc'd; the caller frees it; NULL when
 * nothing was read), *len bytes read. The buffer grows as data arrives, so a
 * size claimed by a header costs memory only for bytes that exist.
 */
int nn_file_read_alloc(nn_file *f, size_t max, uint8_t **buf, size_t *len, nn_err *err);

#endif
