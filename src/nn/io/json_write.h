/*
 * json_write.h - writing JSON through Debian's jansson: the value is built
 * as a jansson tree (json_object, json_array, json_integer, and the helpers
 * below for reals and text) and written in one call, to a stream or
 * atomically to a file (io/outfile.h). No JSON text is put together by hand
 * anywhere else.
 *
 * Numbers: reals are written with 17 significant digits ("%.17g", which is
 * what jansson's default gives, forced here whatever the flags say), so a
 * reader gets back exactly the double that was written; an integral real
 * gets a ".0" and an exponent loses its '+' and leading zeros (jansson's
 * spelling: 1e-05 -> 1e-5), which changes no value. NaN and inf have no
 * JSON spelling: they are written as null. A value that today's files print
 * with a shorter format ("%.6f") is built with nn_json_real_fmt, which keeps
 * the value the short text stands for.
 */
#ifndef NN_IO_JSON_WRITE_H
#define NN_IO_JSON_WRITE_H

#include <jansson.h>
#include <stdio.h>

#include "error.h"

/* A new reference to a JSON number holding v, or to null when v is NaN or
 * infinite; NULL only when out of memory. */
json_t *nn_json_real(double v);

/* The same for the value that printf(fmt, v) shows ("%.4f" of 0.123456 is
 * the double nearest 0.1235): what a reader of the printed text got. NULL
 * when fmt is not one double conversion (io/realfmt.h) or out of memory. */
json_t *nn_json_real_fmt(const char *fmt, double v);

/* A new reference to a JSON string of s (NULL: null). Bytes that are not
 * well-formed UTF-8 (a file name in another encoding) become U+FFFD, so the
 * result is always writable. NULL only when out of memory. */
json_t *nn_json_text(const char *s);

/* Writes v (any value, not only an object or array) to f, then a newline.
 * flags: jansson's encoding flags (JSON_INDENT(n), JSON_COMPACT,
 * JSON_SORT_KEYS, ...); the precision is always 17. -1 with err naming what
 * (a file name, "stdout") when the value cannot be encoded or f reports a
 * write error. */
int nn_json_write(FILE *f, const char *what, const json_t *v, size_t flags, nn_err *err);

/* The same into path, atomically (nothing at path changes on failure). */
int nn_json_write_file(const char *path, const json_t *v, size_t flags, nn_err *err);

/* s as a JSON string literal, quotes included, on f (the one-value form of
 * nn_json_text + nn_json_write, without the newline): 0, or -1 when out of
 * memory or on a write error. */
int nn_json_string_write(FILE *f, const char *s);

#endif
