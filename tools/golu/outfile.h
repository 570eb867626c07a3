/*
 * outfile.h - files written whole or not at all: the content goes to
 * "<path>.tmp.<pid>", is flushed and synced, then renamed over path.
 */
#ifndef GOLU_OUTFILE_H
#define GOLU_OUTFILE_H

#include <limits.h>
#include <stdio.h>

typedef struct outfile {
    FILE *f;
    char path[PATH_MAX];
    char tmp[PATH_MAX + 32];
} outfile;

/* Opens the temporary file; prints an error naming path and returns -1. */
int outfile_open(outfile *o, const char *path);
/* Flushes, syncs, closes and renames; on any failure removes the temporary
 * file, prints an error naming path and returns -1. */
int outfile_commit(outfile *o);
/* Abandons the file (removes the temporary). */
void outfile_abort(outfile *o);

#endif
