/*
 * outfile.h - files written whole or not at all: the one atomic file writer
 * of the framework and the tool.
 *
 * nn_outfile_open creates "<path>.tmp.<pid>" and hands out its FILE; the
 * caller writes into it; nn_outfile_commit flushes, fsyncs and closes it,
 * renames it over path and fsyncs the directory holding path, so that after
 * a crash path holds either the old contents or the new, never a mix, and
 * a returned commit survives a power cut. Every failure (creating the
 * temporary file, a write, the fsync, the close, the rename) leaves path as
 * it was and no temporary file behind, and fills an nn_err naming path, the
 * step that failed and the system's reason ("x.json: cannot write: No space
 * left on device (write of x.json.tmp.42 failed)").
 *
 * The directory's fsync after the rename is best effort: some file systems
 * refuse fsync on a directory, and the new file is in place by then, so a
 * failure there is not reported.
 */
#ifndef NN_IO_OUTFILE_H
#define NN_IO_OUTFILE_H

#include <limits.h>
#include <stdio.h>

#include "error.h"

typedef struct nn_outfile {
    FILE *f;             /* the temporary file: write here until commit */
    char path[PATH_MAX]; /* the file to replace */
    char tmp[PATH_MAX + 32];
} nn_outfile;

/* Creates the temporary file for path (which must fit in PATH_MAX bytes).
 * On failure o->f is NULL, nothing was created and err names path. */
int nn_outfile_open(nn_outfile *o, const char *path, nn_err *err);

/* Flush, fsync, close, rename over path, fsync of path's directory. On any
 * failure (a write into o->f that failed earlier included) removes the
 * temporary file, leaves path untouched and says which step failed. o->f is
 * NULL afterwards either way. */
int nn_outfile_commit(nn_outfile *o, nn_err *err);

/* Abandons the file: closes and removes the temporary file, path untouched.
 * Safe after a failed open or a commit (it then does nothing). */
void nn_outfile_abort(nn_outfile *o);

/*
 * Test-only: hook(tmp, path) is called just before every rename of a
 * commit (NULL: none, the default). The golu tool sets it only from
 * GOLU_TEST_KILL_BEFORE_RENAME, for the crash-consistency test that kills a
 * run between a file's write and its rename. Not for anything else.
 */
void nn_outfile_set_rename_hook(void (*hook)(const char *tmp, const char *path));

#endif
