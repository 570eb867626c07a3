/*
 * error.h - how the framework reports failure without printing.
 *
 * Functions that can fail on input (files, shapes, configurations) return 0
 * on success and -1 on failure, and fill an nn_err with one line that names
 * the file, tensor or setting and says what is wrong ("data/x.idx: truncated:
 * header says 60000 images, file holds 1203"). The tools print it.
 */
#ifndef NN_ERROR_H
#define NN_ERROR_H

typedef struct nn_err {
    char msg[512];
} nn_err;

/* Formats the message into err (if not NULL) and returns -1. */
int nn_fail(nn_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
