/*
 * realfmt.c - checked printf formats for doubles (realfmt.h).
 */
#include "realfmt.h"

#include <stdio.h>
#include <string.h>

/* Up to two decimal digits at *p; advances past them. */
static void skip_digits(const char **p)
{
    for (int k = 0; k < 2 && **p >= '0' && **p <= '9'; k++)
        (*p)++;
}

int nn_realfmt_valid(const char *fmt)
{
    if (!fmt || fmt[0] != '%')
        return 0;
    const char *p = fmt + 1;
    while (*p && strchr("-+ #0", *p))
        p++;
    skip_digits(&p);
    if (*p == '.') {
        p++;
        skip_digits(&p);
    }
    return *p && strchr("fFeEgGaA", *p) && p[1] == '\0';
}

int nn_realfmt_print(char *buf, const char *fmt, double v)
{
    buf[0] = '\0';
    if (!nn_realfmt_valid(fmt))
        return -1;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    /* fmt was checked above: one double conversion, nothing else. */
    int n = snprintf(buf, NN_REALFMT_MAX, fmt, v);
#pragma GCC diagnostic pop
    return n >= 0 && n < NN_REALFMT_MAX ? n : -1;
}
