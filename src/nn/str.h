/*
 * str.h - building a line of words in a caller's fixed buffer: the
 * descriptions, recipes and name lists the framework hands the tools
 * ("MLP, 1 block of 512; SGD lr 0.01 ..."). Never more than size bytes,
 * always NUL-terminated.
 */
#ifndef NN_STR_H
#define NN_STR_H

#include <stddef.h>

/*
 * Appends printf's fmt to the string in buf (NUL-terminated, size bytes),
 * truncating at size - 1 characters; once buf is full, nothing more is
 * added. buf must hold a string (its first byte '\0' for an empty one).
 * Named nn_str_, not nn_text_: nn_text is the text task's data (data.h).
 */
void nn_str_append(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
