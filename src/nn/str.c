/*
 * str.c - nn_str_append (str.h).
 */
#include "str.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void nn_str_append(char *buf, size_t size, const char *fmt, ...)
{
    size_t len = strlen(buf);
    if (len >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
}
