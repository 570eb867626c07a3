/*
 * json_write.h - writing JSON through Debian's jansson: the value is built
 * as a jansson tree (json_object, json_array, json_integer, and the helpers
 * below for reals and text) and written in one call, to a stream or
 * atomically to a file (io/outfile.h). No JSON text is put together by hand
 * anywhere else.
 *
 * Numbers: a real is written as the text printf gives it, "%.17g" (every
 * digit a double has, so a reader gets back exactly the double written) or
 * a shorter format that today's files use ("%.10g"), and the JSON holds the
 * value that text stands for. When the text is an integer ("3", "-12",
 * "%.17g" of any integral value below 1e17; one beyond int64 stays a real)
 * the JSON holds that integer, as the hand-written files did, so that a reader that tells
 * integers from reals (Python) reads what it read before; "-0" becomes 0 (a JSON integer
 * has no sign of zero). Other reals are written by jansson with 17
 * significant digits: "0.8551" comes out as 0.85509999999999997, the same
 * double; an exponent loses its '+' and leading zeros (1e-05 -> 1e-5).
 * NaN, inf, and a text that overflows ("%.3e" of DBL_MAX is 1.798e+308)
 * have no JSON number: they are written as null.
 */
#ifndef NN_IO_JSON_WRITE_H
#define NN_IO_JSON_WRITE_H

#include <jansson.h>
#include <stdio.h>

#include "error.h"

/* A new reference to the JSON number of v printed with "%.17g" (an integer
 * when that text is one), null when v is NaN or infinite; NULL only when
 * out of memory. */
json_t *nn_json_real(double v);

/* The same for the text printf(fmt, v) ("%.4f" of 0.123456 is the double
 * nearest 0.1235, "%.10g" of 2.0 the integer 2): what a reader of that text
 * got. NULL when fmt is not one double conversion (io/realfmt.h) or out of
 * memory. */
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
