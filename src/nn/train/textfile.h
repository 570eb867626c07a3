/*
 * textfile.h - a text file written whole or not at all: the content goes to
 * "<path>.tmp.<pid>", is flushed and synced, then renamed over path. The
 * trainer's metrics and summary and compare's configuration go through it.
 *
 * (The framework's one atomic writer, with an fsync of the directory, is
 * being built beside this; this file then becomes a call to it.)
 */
#ifndef NN_TRAIN_TEXTFILE_H
#define NN_TRAIN_TEXTFILE_H

#include <limits.h>
#include <stdio.h>

#include "error.h"

typedef struct nn_textfile {
    FILE *f; /* write the content here */
    char path[PATH_MAX];
    char tmp[PATH_MAX + 32];
} nn_textfile;

/* Opens the temporary file; 0, or -1 with err ("<path>: cannot write: ..."). */
int nn_textfile_open(nn_textfile *t, const char *path, nn_err *err);
/* Flushes, syncs, closes and renames; on any failure removes the temporary
 * file and returns -1 with err naming path. */
int nn_textfile_commit(nn_textfile *t, nn_err *err);
/* Abandons the file (removes the temporary). */
void nn_textfile_abort(nn_textfile *t);

#endif
