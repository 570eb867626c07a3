/* fuzz_idx.c - the IDX reader (raw or gzip): the input is the image file
 * (first byte even) or the label file (odd), the other made to match the
 * count in the input's header where it can be read. Never a crash; a
 * loaded set has consistent sizes and labels < 10. */
#include "data.h"
#include "fuzz.h"

/* A valid IDX file of n labels (or n 2x2 images). */
static int idx_partner(const char *path, uint32_t n, int images)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    unsigned char h[16] = {0,
                           0,
                           8,
                           images ? 3 : 1,
                           (unsigned char)(n >> 24),
                           (unsigned char)(n >> 16),
                           (unsigned char)(n >> 8),
                           (unsigned char)n,
                           0,
                           0,
                           0,
                           2,
                           0,
                           0,
                           0,
                           2};
    fwrite(h, 1, images ? 16 : 8, f);
    for (uint32_t i = 0; i < n * (images ? 4u : 1u); i++)
        fputc((int)(i % 10), f);
    return fclose(f);
}

int FUZZ_FN(const uint8_t *data, size_t size);
int FUZZ_FN(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int labels_fuzzed = data[0] & 1;
    data++, size--;
    char a[512], b[512];
    fuzz_path(a, sizeof a, "idx-in");
    fuzz_path(b, sizeof b, "idx-other");
    uint32_t n = 1;
    if (size >= 8)
        n = (uint32_t)data[4] << 24 | (uint32_t)data[5] << 16 | (uint32_t)data[6] << 8 |
            data[7];
    if (n > 4096)
        n = 4096;
    if (fuzz_write(a, data, size) || idx_partner(b, n, labels_fuzzed))
        return 0;
    nn_images im = {0};
    nn_err err = {""};
    int rc = labels_fuzzed ? nn_idx_load(&im, b, a, &err) : nn_idx_load(&im, a, b, &err);
    if (rc == 0) {
        for (int i = 0; i < im.n; i++)
            if (im.labels[i] < 0 || im.labels[i] >= 10)
                fuzz_fail("idx: a label >= 10 was accepted");
        nn_images_free(&im);
    } else if (!err.msg[0]) {
        fuzz_fail("idx: refused without a message");
    }
    remove(a);
    remove(b);
    return 0;
}
