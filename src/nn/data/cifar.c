/*
 * cifar.c - CIFAR-10 binary batches: nn_cifar10_load (data.h).
 *
 * A batch file is a run of 3073-byte records: one label byte, then the
 * 32x32 image as three planes (red, green, blue), already the (c, h, w)
 * layout of nn_images. Files are read through zlib (raw or gzip).
 */
#include "data.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"

enum {
    CIFAR_C = 3,
    CIFAR_HW = 32,
    CIFAR_PIXELS = CIFAR_C * CIFAR_HW * CIFAR_HW, /* 3072 */
    CIFAR_RECORD = 1 + CIFAR_PIXELS,              /* 3073 */
    CIFAR_CLASSES = 10
};

/* Reads a whole file; more than room records (the int count) is refused. */
static int read_records(const char *path, size_t room, uint8_t **buf, size_t *records,
                        nn_err *err)
{
    nn_file f;
    size_t len, max = room * CIFAR_RECORD + 1;
    if (nn_file_open(&f, path, err))
        return -1;
    int rc = nn_file_read_alloc(&f, max, buf, &len, err);
    nn_file_close(&f);
    if (rc == 0 && len == 0)
        rc = nn_fail(err, "%s: empty file", path);
    else if (rc == 0 && len == max)
        rc = nn_fail(err, "%s: too large: more than %zu records in all", path, room);
    else if (rc == 0 && len % CIFAR_RECORD != 0)
        rc = nn_fail(err,
                     "%s: truncated or wrong size: %zu bytes is not a whole number "
                     "of %d-byte records",
                     path, len, CIFAR_RECORD);
    if (rc) {
        free(*buf);
        *buf = NULL;
        return -1;
    }
    *records = len / CIFAR_RECORD;
    return 0;
}

/* Makes room for n more images in out (whose n is the count so far). */
static int grow_images(nn_images *out, size_t n, const char *path, nn_err *err)
{
    size_t total = (size_t)out->n + n;
    float *px = realloc(out->pixels, total * CIFAR_PIXELS * sizeof *px);
    if (px)
        out->pixels = px;
    int32_t *lb = realloc(out->labels, total * sizeof *lb);
    if (lb)
        out->labels = lb;
    if (!px || !lb)
        return nn_fail(err, "%s: out of memory for %zu images", path, total);
    return 0;
}

/* Checks the labels of one file and appends its records to out. */
static int append_records(nn_images *out, const uint8_t *buf, size_t records,
                          const char *path, nn_err *err)
{
    for (size_t r = 0; r < records; r++)
        if (buf[r * CIFAR_RECORD] >= CIFAR_CLASSES)
            return nn_fail(err, "%s: label %u of record %zu is out of range [0, %d)",
                           path, buf[r * CIFAR_RECORD], r, CIFAR_CLASSES);
    if (grow_images(out, records, path, err))
        return -1;
    float lut[256];
    for (int i = 0; i < 256; i++)
        lut[i] = (float)i / 255.0f;
    for (size_t r = 0; r < records; r++) {
        const uint8_t *rec = buf + r * CIFAR_RECORD;
        float *dst = out->pixels + ((size_t)out->n + r) * CIFAR_PIXELS;
        out->labels[(size_t)out->n + r] = rec[0];
        for (int i = 0; i < CIFAR_PIXELS; i++)
            dst[i] = lut[rec[1 + i]];
    }
    out->n += (int)records;
    return 0;
}

static int load_file(nn_images *out, const char *path, nn_err *err)
{
    uint8_t *buf = NULL;
    size_t records = 0;
    /* The most images in all: the count is an int, the floats must fit size_t. */
    size_t most = SIZE_MAX / (CIFAR_PIXELS * sizeof(float));
    if (most > INT_MAX)
        most = INT_MAX;
    if (read_records(path, most - (size_t)out->n, &buf, &records, err))
        return -1;
    int rc = append_records(out, buf, records, path, err);
    free(buf);
    return rc;
}

int nn_cifar10_load(nn_images *out, const char *const *paths, int npaths, nn_err *err)
{
    memset(out, 0, sizeof *out);
    if (npaths <= 0)
        return nn_fail(err, "CIFAR-10: no files given");
    for (int i = 0; i < npaths; i++) {
        if (load_file(out, paths[i], err)) {
            nn_images_free(out);
            return -1;
        }
    }
    out->c = CIFAR_C;
    out->h = CIFAR_HW;
    out->w = CIFAR_HW;
    out->classes = CIFAR_CLASSES;
    return 0;
}
