/*
 * text.c - a text as bytes for the character-level GPT: nn_text_load,
 * nn_text_free, nn_text_batch (data.h).
 */
#include "data.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "file.h"
#include "rng.h"

/* The whole file through zlib (so a .gz text works too). */
static int read_all(const char *path, uint8_t **buf, size_t *len, nn_err *err)
{
    nn_file f;
    if (nn_file_open(&f, path, err))
        return -1;
    int rc = nn_file_read_alloc(&f, NN_TEXT_MAX_BYTES + 1, buf, len, err);
    nn_file_close(&f);
    if (rc == 0 && *len > NN_TEXT_MAX_BYTES) {
        free(*buf);
        *buf = NULL, *len = 0;
        return nn_fail(err, "%s: larger than the text limit of %zu bytes (1 GiB)", path,
                       NN_TEXT_MAX_BYTES);
    }
    return rc;
}

/* Sets the split of t (size known) and refuses a split below min_size. */
static int split_text(nn_text *t, const char *path, double val_fraction, size_t min_size,
                      nn_err *err)
{
    /* Rounded down: the validation split never takes more than asked. */
    size_t val = (size_t)((double)t->size * val_fraction);
    if (val > t->size)
        val = t->size;
    t->train_size = t->size - val;
    if (t->train_size < min_size)
        return nn_fail(err,
                       "%s: too short: the training split holds %zu bytes, "
                       "need at least %zu",
                       path, t->train_size, min_size);
    /* With val_fraction 0 there is no validation split to refuse. */
    if (val_fraction > 0 && val < min_size)
        return nn_fail(err,
                       "%s: too short: the validation split holds %zu bytes, "
                       "need at least %zu",
                       path, val, min_size);
    return 0;
}

int nn_text_load(nn_text *out, const char *path, double val_fraction, size_t min_size,
                 nn_err *err)
{
    memset(out, 0, sizeof *out);
    /* Written so that NaN fails too. */
    if (!(val_fraction >= 0 && val_fraction < 1))
        return nn_fail(err, "%s: validation fraction %g is not in [0, 1)", path,
                       val_fraction);
    if (read_all(path, &out->bytes, &out->size, err))
        return -1;
    if (split_text(out, path, val_fraction, min_size, err)) {
        nn_text_free(out);
        return -1;
    }
    return 0;
}

void nn_text_free(nn_text *t)
{
    if (!t)
        return;
    free(t->bytes);
    memset(t, 0, sizeof *t);
}

void nn_text_batch(const nn_text *txt, int split, int b, int t, uint64_t seed,
                   uint64_t stream, int32_t *x, int32_t *y)
{
    assert(split == 0 || split == 1);
    const uint8_t *base = txt->bytes + (split ? txt->train_size : 0);
    size_t len = split ? txt->size - txt->train_size : txt->train_size;
    assert(t >= 0 && len > (size_t)t); /* nn_text_load's min_size */
    /* Offsets 0 .. len - t - 1: each window needs t + 1 bytes. */
    uint64_t range = (uint64_t)(len - (size_t)t);
    for (int k = 0; k < b; k++) {
        const uint8_t *w = base + nn_rng_below(seed, stream, (uint64_t)k, range);
        int32_t *xk = x + (size_t)k * t, *yk = y + (size_t)k * t;
        for (int j = 0; j < t; j++) {
            xk[j] = w[j];
            yk[j] = w[j + 1];
        }
    }
}
