/*
 * files.h - files and directories for the tests: a fresh temporary
 * directory, a whole file read or written, a directory tree removed, and
 * the temporary files an atomic writer left behind counted.
 */
#ifndef GOLU_TEST_FILES_H
#define GOLU_TEST_FILES_H

#include <stddef.h>

/* A fresh directory $TMPDIR/<prefix>XXXXXX (/tmp when TMPDIR is unset or
 * empty), its path into buf. 0, or -1 after a failed CHECK naming it. */
int files_tmpdir_make(char *buf, size_t size, const char *prefix);

/* The whole file at path, malloc'd with a NUL after its bytes (so text
 * reads as a string), its length into *size (size may be NULL); NULL when
 * it cannot be read. */
char *files_read(const char *path, size_t *size);

/* files_read of dir/name (no size); NULL when it cannot be read. */
char *files_read_in(const char *dir, const char *name);
/* path holds exactly the n bytes at p afterwards: 0, or -1. */
int files_write(const char *path, const void *p, size_t n);

/* Removes dir and everything below it (as far as it can). */
void files_tree_remove(const char *dir);

/* The end of a test's temporary directory: removed when every check so far
 * passed, kept (for a look at what failed) otherwise. */
void files_tmpdir_done(const char *dir);

/* How many entries of dir have ".tmp." in their names: the temporary
 * files an interrupted atomic write (src/nn/io/outfile.h) leaves. */
int files_temp_count(const char *dir);

#endif
