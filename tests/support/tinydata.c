/*
 * tinydata.c - tiny generated data for the tool tests (tinydata.h).
 */
#include "tinydata.h"

#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "rng.h"

static void put_be32(FILE *f, unsigned v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    fwrite(b, 1, 4, f);
}

/* Closes both; -1 if either had failed. */
static int close_both(FILE *a, FILE *b)
{
    int bad = 0;
    if (a)
        bad |= ferror(a) | fclose(a);
    if (b)
        bad |= ferror(b) | fclose(b);
    return bad ? -1 : 0;
}

int tinydata_write_idx(const char *images, const char *labels, int n, uint64_t seed)
{
    FILE *fi = fopen(images, "wb"), *fl = fopen(labels, "wb");
    if (!fi || !fl) {
        close_both(fi, fl);
        return -1;
    }
    put_be32(fi, 0x803), put_be32(fi, (unsigned)n), put_be32(fi, 8), put_be32(fi, 8);
    put_be32(fl, 0x801), put_be32(fl, (unsigned)n);
    for (int i = 0; i < n; i++) {
        int label = (int)nn_rng_below(seed, 1, (uint64_t)i, 10);
        fputc(label, fl);
        for (int p = 0; p < 64; p++) {
            int v = (int)nn_rng_below(seed, 2, (uint64_t)(i * 64 + p), 60);
            if (p / 8 == label % 8)
                v += 150 + 20 * (label / 8);
            fputc(v, fi);
        }
    }
    return close_both(fi, fl);
}

int tinydata_write_text(const char *path)
{
    static const char *const words[] = {"in ",   "the ", "beginning ", "was ",
                                        "word ", "and ", "light ",     "\n"};
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    for (int i = 0; i < 1500; i++)
        fputs(words[nn_rng_below(7, 3, (uint64_t)i, 8)], f);
    return close_both(f, NULL);
}

int tinydata_make(const char *dir)
{
    char a[PATH_MAX], b[PATH_MAX];
    snprintf(a, sizeof a, "%s/img", dir);
    if (mkdir(a, 0700) != 0)
        return -1;
    snprintf(a, sizeof a, "%s/img/train-images-idx3-ubyte", dir);
    snprintf(b, sizeof b, "%s/img/train-labels-idx1-ubyte", dir);
    if (tinydata_write_idx(a, b, 96, 11))
        return -1;
    snprintf(a, sizeof a, "%s/img/t10k-images-idx3-ubyte", dir);
    snprintf(b, sizeof b, "%s/img/t10k-labels-idx1-ubyte", dir);
    if (tinydata_write_idx(a, b, 40, 12))
        return -1;
    snprintf(a, sizeof a, "%s/text.txt", dir);
    return tinydata_write_text(a);
}
