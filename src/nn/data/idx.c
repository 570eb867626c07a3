/*
 * idx.c - IDX image and label files (MNIST, Fashion-MNIST), raw or gzip:
 * nn_idx_load and nn_idx_load_dir (data.h).
 *
 * An IDX file is a big-endian header (a magic number, then one 32-bit size
 * per dimension) followed by the unsigned bytes. Headers are not trusted:
 * every size is checked for overflow, and the data is read in chunks up to
 * what the header claims, so a header claiming 2^31 images costs memory only
 * for the bytes the file really holds.
 */
#include "data.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

enum {
    IDX_IMAGES_MAGIC = 0x00000803, /* unsigned bytes, 3 dimensions */
    IDX_LABELS_MAGIC = 0x00000801, /* unsigned bytes, 1 dimension */
    IDX_IMAGES_HEADER = 16,
    IDX_LABELS_HEADER = 8,
    IDX_CLASSES = 10
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads a header of len bytes and checks its magic. */
static int read_header(nn_file *f, uint8_t *hdr, size_t len, uint32_t magic,
                       const char *kind, nn_err *err)
{
    size_t got;
    if (nn_file_read(f, hdr, len, &got, err))
        return -1;
    if (got == 0)
        return nn_fail(err, "%s: empty file (want an IDX %s file)", f->path, kind);
    if (got < len)
        return nn_fail(err, "%s: truncated header: %zu of %zu bytes", f->path, got, len);
    if (be32(hdr) != magic)
        return nn_fail(err, "%s: wrong magic 0x%08x: not an IDX %s file (want 0x%08x)",
                       f->path, be32(hdr), kind, magic);
    return 0;
}

/*
 * Reads the n bytes after the header into *buf. One byte more is asked for,
 * so that trailing data (a file that is not what its header says) is caught.
 */
static int read_payload(nn_file *f, size_t n, uint32_t count, const char *what,
                        uint8_t **buf, nn_err *err)
{
    size_t len;
    if (nn_file_read_alloc(f, n + 1, buf, &len, err))
        return -1;
    if (len == n)
        return 0;
    free(*buf);
    *buf = NULL;
    if (len < n)
        return nn_fail(err,
                       "%s: truncated: header says %u %s (%zu bytes), file holds %zu",
                       f->path, count, what, n, len);
    return nn_fail(err, "%s: trailing data after the %u %s its header declares", f->path,
                   count, what);
}

/* Checks the image dimensions; *bytes = n * h * w. */
static int image_size(const char *path, uint32_t n, uint32_t h, uint32_t w, size_t *bytes,
                      nn_err *err)
{
    /* The floats must be addressable too: (n*h*w) * sizeof(float) <= limit. */
    const uint64_t limit =
        (PTRDIFF_MAX < SIZE_MAX ? PTRDIFF_MAX : SIZE_MAX) / sizeof(float);
    if (n == 0 || h == 0 || w == 0)
        return nn_fail(err, "%s: empty: header says %u images of %ux%u", path, n, h, w);
    uint64_t hw = (uint64_t)h * w; /* < 2^64: no overflow */
    if (n > INT_MAX || h > INT_MAX || w > INT_MAX || hw > limit / n)
        return nn_fail(err, "%s: header says %u images of %ux%u: too large", path, n, h,
                       w);
    *bytes = (size_t)(hw * n);
    return 0;
}

/* Reads an images file: *n images of *h x *w bytes into *bytes. */
static int read_images(const char *path, uint8_t **bytes, uint32_t *n, uint32_t *h,
                       uint32_t *w, nn_err *err)
{
    nn_file f;
    uint8_t hdr[IDX_IMAGES_HEADER];
    size_t size = 0;
    if (nn_file_open(&f, path, err))
        return -1;
    int rc = read_header(&f, hdr, sizeof hdr, IDX_IMAGES_MAGIC, "images", err);
    if (rc == 0) {
        *n = be32(hdr + 4);
        *h = be32(hdr + 8);
        *w = be32(hdr + 12);
        rc = image_size(path, *n, *h, *w, &size, err);
    }
    if (rc == 0)
        rc = read_payload(&f, size, *n, "images", bytes, err);
    nn_file_close(&f);
    return rc;
}

/* Reads a labels file that must hold n labels, each < IDX_CLASSES. */
static int read_labels(const char *path, const char *images_path, uint32_t n,
                       uint8_t **labels, nn_err *err)
{
    nn_file f;
    uint8_t hdr[IDX_LABELS_HEADER];
    if (nn_file_open(&f, path, err))
        return -1;
    int rc = read_header(&f, hdr, sizeof hdr, IDX_LABELS_MAGIC, "labels", err);
    if (rc == 0 && be32(hdr + 4) != n)
        rc = nn_fail(err, "%s: count mismatch: %u labels, but %s holds %u images", path,
                     be32(hdr + 4), images_path, n);
    if (rc == 0)
        rc = read_payload(&f, n, n, "labels", labels, err);
    nn_file_close(&f);
    for (uint32_t i = 0; rc == 0 && i < n; i++)
        if ((*labels)[i] >= IDX_CLASSES)
            rc = nn_fail(err, "%s: label %u of item %u is out of range [0, %d)", path,
                         (*labels)[i], i, IDX_CLASSES);
    return rc;
}

/* Fills out from the validated bytes: pixels byte / 255, labels as int32. */
static int fill_images(nn_images *out, const uint8_t *px, const uint8_t *lb, uint32_t n,
                       uint32_t h, uint32_t w, const char *path, nn_err *err)
{
    size_t count = (size_t)n * h * w;
    float lut[256];
    for (int i = 0; i < 256; i++)
        lut[i] = (float)i / 255.0f;
    out->pixels = malloc(count * sizeof *out->pixels);
    out->labels = malloc((size_t)n * sizeof *out->labels);
    if (!out->pixels || !out->labels) {
        nn_images_free(out);
        return nn_fail(err, "%s: out of memory for %u images", path, n);
    }
    for (size_t i = 0; i < count; i++)
        out->pixels[i] = lut[px[i]];
    for (uint32_t i = 0; i < n; i++)
        out->labels[i] = lb[i];
    out->n = (int)n;
    out->c = 1;
    out->h = (int)h;
    out->w = (int)w;
    out->classes = IDX_CLASSES;
    return 0;
}

int nn_idx_load(nn_images *out, const char *images_path, const char *labels_path,
                nn_err *err)
{
    uint8_t *px = NULL, *lb = NULL;
    uint32_t n = 0, h = 0, w = 0;
    memset(out, 0, sizeof *out);
    int rc = read_images(images_path, &px, &n, &h, &w, err);
    if (rc == 0)
        rc = read_labels(labels_path, images_path, n, &lb, err);
    if (rc == 0)
        rc = fill_images(out, px, lb, n, h, w, images_path, err);
    free(px);
    free(lb);
    return rc;
}

/* dir/prefix-kind, or dir/prefix-kind.gz when only that exists (malloc'd). */
static char *find_file(const char *dir, const char *prefix, const char *kind)
{
    size_t len = strlen(dir) + strlen(prefix) + strlen(kind) + 8;
    char *path = malloc(len);
    if (!path)
        return NULL;
    int end = snprintf(path, len, "%s/%s-%s", dir, prefix, kind);
    if (access(path, F_OK) != 0) {
        memcpy(path + end, ".gz", 4);
        if (access(path, F_OK) != 0)
            path[end] = '\0'; /* neither: name the plain one */
    }
    return path;
}

/* Refuses a path that is missing, naming both names that were tried. */
static int check_exists(const char *path, nn_err *err)
{
    if (access(path, F_OK) == 0)
        return 0;
    return nn_fail(err, "%s: not found (nor %s.gz)", path, path);
}

int nn_idx_load_gray_pair(nn_images *train, nn_images *test, const char *dir,
                          int max_side, const char *who, nn_err *err)
{
    struct stat st;
    nn_err e = {""};
    memset(train, 0, sizeof *train);
    memset(test, 0, sizeof *test);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return nn_fail(err, "--data: %s is not a directory of Fashion-MNIST IDX files",
                       dir);
    if (nn_idx_load_dir(train, dir, "train", &e) ||
        nn_idx_load_dir(test, dir, "test", &e))
        return nn_fail(err, "--data: %s", e.msg);
    if (train->c != 1 || train->h > max_side || train->w > max_side || train->n < 1 ||
        test->n < 1)
        return nn_fail(
            err, "--data: %s: %s one-channel images of at most %dx%d in both splits", dir,
            who, max_side, max_side);
    return 0;
}

int nn_idx_load_dir(nn_images *out, const char *dir, const char *split, nn_err *err)
{
    memset(out, 0, sizeof *out);
    const char *prefix = strcmp(split, "train") == 0  ? "train"
                         : strcmp(split, "test") == 0 ? "t10k"
                                                      : NULL;
    if (!prefix)
        return nn_fail(err, "%s: unknown split \"%s\" (want train or test)", dir, split);
    char *images = find_file(dir, prefix, "images-idx3-ubyte");
    char *labels = find_file(dir, prefix, "labels-idx1-ubyte");
    int rc;
    if (!images || !labels)
        rc = nn_fail(err, "%s: out of memory", dir);
    else if (check_exists(images, err) || check_exists(labels, err))
        rc = -1;
    else
        rc = nn_idx_load(out, images, labels, err);
    free(images);
    free(labels);
    return rc;
}
