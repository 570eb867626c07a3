/*
 * outfile.h - the tool's face of the framework's atomic file writer
 * (src/nn/io/outfile.h): the content goes to "<path>.tmp.<pid>", is flushed
 * and synced, renamed over path, and path's directory is synced. The same
 * calls as the framework's, printing the error instead of returning it.
 */
#ifndef GOLU_OUTFILE_H
#define GOLU_OUTFILE_H

#include "io/outfile.h"

/* o->f is where the caller writes between open and commit. */
typedef nn_outfile outfile;

/* Opens the temporary file; prints an error naming path and returns -1. */
int outfile_open(outfile *o, const char *path);
/* Flushes, syncs, closes and renames; on any failure removes the temporary
 * file, prints an error naming path and returns -1. */
int outfile_commit(outfile *o);
/* Abandons the file (removes the temporary). */
void outfile_abort(outfile *o);

#endif
