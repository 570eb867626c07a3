/*
 * realfmt.h - a double printed with a caller's printf format, checked
 * first, so that a format can come from a table (a column's "%.4f") without
 * -Wformat-nonliteral's danger: anything but one double conversion is
 * refused.
 */
#ifndef NN_IO_REALFMT_H
#define NN_IO_REALFMT_H

#include <stddef.h>

/* The longest text nn_realfmt_print can give, NUL included (%.99f of
 * -DBL_MAX takes 410 bytes). */
#define NN_REALFMT_MAX 512

/* 1 when fmt is exactly one printf conversion of a double and nothing else:
 * '%', flags from "-+ #0", an optional width and an optional '.' precision
 * (at most two digits each), and one of f F e E g G a A. */
int nn_realfmt_valid(const char *fmt);

/* v printed with fmt (which must be valid) into buf[NN_REALFMT_MAX]: the
 * text's length, or -1 for an invalid fmt (buf then holds ""). NaN and inf
 * come out as printf spells them ("nan", "-inf"). */
int nn_realfmt_print(char *buf, const char *fmt, double v);

#endif
