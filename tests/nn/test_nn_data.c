/*
 * test_nn_data.c - the data loaders of src/nn/data (data.h).
 *
 * Writes small files into a fresh directory (mkdtemp under $TMPDIR or /tmp,
 * removed at the end) and checks:
 *   - IDX images and labels, raw and gzip: shapes, every pixel (byte / 255)
 *     and label exactly; nn_idx_load_dir finding name and name.gz;
 *   - malformed IDX files (wrong magic, empty, truncated header or data,
 *     trailing data, count mismatch, label >= 10, a gzip cut short or
 *     corrupted, a missing file, headers claiming absurd sizes): each returns
 *     -1 with a message naming the file and the problem, and leaves nothing
 *     allocated (the sanitizer build checks for leaks);
 *   - CIFAR-10: two files concatenated in order, a size that is not whole
 *     records, a label of 10, an error in the second file;
 *   - text: split sizes, windows (y is x shifted by one, the offsets are the
 *     counter RNG's, every window lies inside its split), determinism per
 *     (seed, stream), refusals;
 *   - nn_images_stats and nn_images_batch on values whose results are exact;
 *   - the real Fashion-MNIST, when the dataset-fashion-mnist package is
 *     installed (SKIP otherwise).
 */
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "data.h"
#include "rng.h"
#include "util.h"

/* ------------------------------------------------------ temp files ----- */

enum { MAX_FILES = 64, DIR_LEN = 256, PATH_LEN = 512 };
static char tmpdir[DIR_LEN];
static char files[MAX_FILES][PATH_LEN];
static int nfiles;

static int make_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    int len = snprintf(tmpdir, sizeof tmpdir, "%s/golu_nn_data_XXXXXX", base);
    return len > 0 && (size_t)len < sizeof tmpdir && mkdtemp(tmpdir) != NULL;
}

/* tmpdir/name, remembered so that cleanup() removes it. */
static const char *tmp_path(const char *name)
{
    if (nfiles == MAX_FILES) {
        fprintf(stderr, "test_nn_data: more than %d files\n", MAX_FILES);
        exit(1);
    }
    int len = snprintf(files[nfiles], PATH_LEN, "%s/%s", tmpdir, name);
    if (len < 0 || len >= PATH_LEN) {
        fprintf(stderr, "test_nn_data: path too long: %s/%s\n", tmpdir, name);
        exit(1);
    }
    return files[nfiles++];
}

static void cleanup(void)
{
    for (int i = 0; i < nfiles; i++)
        unlink(files[i]);
    rmdir(tmpdir);
}

static void write_raw(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(data, 1, n, f) == n;
    if (f)
        ok = fclose(f) == 0 && ok;
    CHECK(ok, "writing %s", path);
}

static void write_gz(const char *path, const void *data, size_t n)
{
    gzFile f = gzopen(path, "wb");
    int ok = f && (n == 0 || gzwrite(f, data, (unsigned)n) == (int)n);
    if (f)
        ok = gzclose(f) == Z_OK && ok;
    CHECK(ok, "writing %s", path);
}

/* The whole of a file (malloc'd). */
static uint8_t *read_back(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    *n = 0;
    if (f && fseek(f, 0, SEEK_END) == 0) {
        long len = ftell(f);
        buf = malloc(len > 0 ? (size_t)len : 1);
        if (buf && len >= 0 && fseek(f, 0, SEEK_SET) == 0)
            *n = fread(buf, 1, (size_t)len, f);
    }
    if (f)
        fclose(f);
    return buf;
}

/* ------------------------------------------------------ IDX bytes ------ */

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* An images file: header (magic, n, h, w) then data_len bytes of px. */
static uint8_t *idx_images(uint32_t magic, uint32_t n, uint32_t h, uint32_t w,
                           const uint8_t *px, size_t data_len, size_t *len)
{
    *len = 16 + data_len;
    uint8_t *b = malloc(*len);
    put_be32(b, magic);
    put_be32(b + 4, n);
    put_be32(b + 8, h);
    put_be32(b + 12, w);
    if (data_len)
        memcpy(b + 16, px, data_len);
    return b;
}

static uint8_t *idx_labels(uint32_t magic, uint32_t n, const uint8_t *lb, size_t data_len,
                           size_t *len)
{
    *len = 8 + data_len;
    uint8_t *b = malloc(*len);
    put_be32(b, magic);
    put_be32(b + 4, n);
    if (data_len)
        memcpy(b + 8, lb, data_len);
    return b;
}

/* ------------------------------------------------------ checks ---------- */

/* A refused load: -1, the message names path and problem, nothing kept. */
static void expect_fail(int rc, const nn_err *err, const nn_images *im, const char *path,
                        const char *word, const char *what)
{
    CHECK(rc == -1, "%s: rc = %d, want -1", what, rc);
    CHECK(strstr(err->msg, path) != NULL, "%s: message \"%s\" does not name %s", what,
          err->msg, path);
    CHECK(strstr(err->msg, word) != NULL, "%s: message \"%s\" does not say \"%s\"", what,
          err->msg, word);
    if (im)
        CHECK(im->pixels == NULL && im->labels == NULL && im->n == 0,
              "%s: the failed load left data behind", what);
}

/* im holds n images of c x h x w whose bytes are px, labels lb. */
static void expect_images(const nn_images *im, int n, int c, int h, int w,
                          const uint8_t *px, const uint8_t *lb, const char *what)
{
    if (!CHECK(im->n == n && im->c == c && im->h == h && im->w == w && im->classes == 10,
               "%s: shape (%d, %d, %d, %d) classes %d, want (%d, %d, %d, %d) 10", what,
               im->n, im->c, im->h, im->w, im->classes, n, c, h, w))
        return;
    size_t count = (size_t)n * c * h * w, bad = 0;
    for (size_t i = 0; i < count; i++)
        bad += im->pixels[i] != (float)px[i] / 255.0f;
    CHECK(bad == 0, "%s: %zu of %zu pixels differ from byte / 255", what, bad, count);
    bad = 0;
    for (int i = 0; i < n; i++)
        bad += im->labels[i] != lb[i];
    CHECK(bad == 0, "%s: %zu of %d labels differ", what, bad, n);
}

static void fill_random(uint8_t *p, size_t n, uint64_t seed)
{
    rng r = {seed};
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(rng_next(&r) >> 56);
}

/* ------------------------------------------------------ IDX ------------- */

enum { N = 12, H = 3, W = 4, NPX = N * H * W };

static uint8_t g_px[NPX], g_lb[N];
/* Valid files: images raw and gzip, labels raw and gzip. */
static const char *img_raw, *img_gz, *lab_raw, *lab_gz;

static void write_valid_idx(void)
{
    size_t len;
    fill_random(g_px, NPX, 1);
    g_px[0] = 0;
    g_px[1] = 255;
    for (int i = 0; i < N; i++)
        g_lb[i] = (uint8_t)((i * 7) % 10);
    uint8_t *b = idx_images(0x803, N, H, W, g_px, NPX, &len);
    img_raw = tmp_path("img.idx");
    img_gz = tmp_path("img.idx.gz");
    write_raw(img_raw, b, len);
    write_gz(img_gz, b, len);
    free(b);
    b = idx_labels(0x801, N, g_lb, N, &len);
    lab_raw = tmp_path("lab.idx");
    lab_gz = tmp_path("lab.bin"); /* gzip under a name without .gz */
    write_raw(lab_raw, b, len);
    write_gz(lab_gz, b, len);
    free(b);
}

static void test_idx_valid(void)
{
    const char *imgs[2] = {img_raw, img_gz}, *labs[2] = {lab_gz, lab_raw};
    for (int k = 0; k < 2; k++) {
        nn_images im;
        nn_err err = {""};
        int rc = nn_idx_load(&im, imgs[k], labs[k], &err);
        if (CHECK(rc == 0, "nn_idx_load(%s, %s): %s", imgs[k], labs[k], err.msg))
            expect_images(&im, N, 1, H, W, g_px, g_lb, imgs[k]);
        nn_images_free(&im);
        CHECK(im.pixels == NULL && im.labels == NULL, "nn_images_free clears the struct");
    }
}

/* Writes an images file from header fields and data, then loads it. */
static void idx_bad_images(const char *name, uint32_t magic, uint32_t n, uint32_t h,
                           uint32_t w, size_t data_len, const char *word)
{
    size_t len;
    uint8_t *data = calloc(data_len + 1, 1);
    uint8_t *b = idx_images(magic, n, h, w, data, data_len, &len);
    const char *path = tmp_path(name);
    write_raw(path, b, len);
    nn_images im;
    nn_err err = {""};
    int rc = nn_idx_load(&im, path, lab_raw, &err);
    expect_fail(rc, &err, &im, path, word, name);
    free(b);
    free(data);
}

/* Writes a prefix (or the whole plus extra bytes) of a valid file, raw. */
static void idx_bad_bytes(const char *name, const char *from, size_t keep, size_t extra,
                          int images, const char *word)
{
    size_t len;
    uint8_t *b = read_back(from, &len);
    b = realloc(b, len + extra);
    memset(b + len, 7, extra);
    const char *path = tmp_path(name);
    write_raw(path, b, keep < len ? keep : len + extra);
    free(b);
    nn_images im;
    nn_err err = {""};
    int rc = images ? nn_idx_load(&im, path, lab_raw, &err)
                    : nn_idx_load(&im, img_raw, path, &err);
    expect_fail(rc, &err, &im, path, word, name);
}

static void test_idx_malformed(void)
{
    size_t big = (size_t)-1;
    idx_bad_images("magic.idx", 0x801, N, H, W, NPX, "magic");
    idx_bad_images("magic2.idx", 0x08030000, N, H, W, NPX, "magic");
    idx_bad_images("short.idx", 0x803, N, H, W, NPX - 5, "truncated");
    idx_bad_images("zero.idx", 0x803, 0, H, W, 0, "empty");
    /* Headers claiming huge sizes: refused without allocating them (under
     * ASan an attempt would abort on the allocation size). */
    idx_bad_images("n2p31.idx", 0x803, 0x80000000u, 28, 28, 84, "too large");
    idx_bad_images("nbig.idx", 0x803, 0x7fffffffu, 28, 28, 84, "truncated");
    idx_bad_images("hwbig.idx", 0x803, 1, 0xffffffffu, 0xffffffffu, 84, "too large");
    idx_bad_bytes("empty.idx", img_raw, 0, 0, 1, "empty");
    idx_bad_bytes("hdr.idx", img_raw, 10, 0, 1, "truncated");
    idx_bad_bytes("trail.idx", img_raw, big, 1, 1, "trailing");
    idx_bad_bytes("lhdr.idx", lab_raw, 5, 0, 0, "truncated");
    idx_bad_bytes("ldata.idx", lab_raw, 8 + N - 1, 0, 0, "truncated");
    idx_bad_bytes("lempty.idx", lab_raw, 0, 0, 0, "empty");

    size_t len;
    uint8_t lb[N];
    memcpy(lb, g_lb, N);
    uint8_t *b = idx_labels(0x801, N - 1, lb, N - 1, &len);
    const char *path = tmp_path("count.idx");
    write_raw(path, b, len);
    free(b);
    nn_images im;
    nn_err err = {""};
    expect_fail(nn_idx_load(&im, img_raw, path, &err), &err, &im, path, "mismatch",
                "count mismatch");

    lb[N - 2] = 10;
    b = idx_labels(0x801, N, lb, N, &len);
    path = tmp_path("label10.idx");
    write_gz(path, b, len);
    free(b);
    expect_fail(nn_idx_load(&im, img_raw, path, &err), &err, &im, path, "range",
                "label 10");

    b = idx_labels(0x803, N, g_lb, N, &len);
    path = tmp_path("lmagic.idx");
    write_raw(path, b, len);
    free(b);
    expect_fail(nn_idx_load(&im, img_raw, path, &err), &err, &im, path, "magic",
                "labels magic");

    path = tmp_path("missing.idx");
    expect_fail(nn_idx_load(&im, path, lab_raw, &err), &err, &im, path, "open",
                "missing images");
    expect_fail(nn_idx_load(&im, img_raw, path, &err), &err, &im, path, "open",
                "missing labels");
    expect_fail(nn_idx_load(&im, tmpdir, lab_raw, &err), &err, &im, tmpdir, "read",
                "a directory");
}

/* gzip files cut short or corrupted. */
static void test_idx_gzip_damage(void)
{
    enum { GN = 40, GH = 28, GW = 28 };
    size_t len, glen;
    uint8_t *px = malloc(GN * GH * GW);
    fill_random(px, GN * GH * GW, 2); /* incompressible: the gzip is as big */
    uint8_t *b = idx_images(0x803, GN, GH, GW, px, GN * GH * GW, &len);
    const char *whole = tmp_path("big.gz");
    write_gz(whole, b, len);
    free(b);
    free(px);
    uint8_t *gz = read_back(whole, &glen);
    struct {
        const char *name;
        size_t keep;
        const char *word;
    } cut[] = {{"cut_half.gz", glen / 2, "truncated"},
               {"cut_trailer.gz", glen - 4, "truncated"}, /* all data, no size */
               {"cut_head.gz", 12, "truncated"}};
    for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
        const char *path = tmp_path(cut[i].name);
        write_raw(path, gz, cut[i].keep);
        nn_images im;
        nn_err err = {""};
        expect_fail(nn_idx_load(&im, path, lab_raw, &err), &err, &im, path, cut[i].word,
                    cut[i].name);
    }
    /* A flipped byte inside the compressed data: a data or CRC error. */
    gz[glen / 2] ^= 0x55;
    gz[glen / 2 + 1] ^= 0xAA;
    const char *path = tmp_path("corrupt.gz");
    write_raw(path, gz, glen);
    nn_images im;
    nn_err err = {""};
    expect_fail(nn_idx_load(&im, path, lab_raw, &err), &err, &im, path, "gzip",
                "corrupt gzip");
    free(gz);
}

static void test_idx_dir(void)
{
    size_t len;
    uint8_t *b = read_back(img_raw, &len);
    write_gz(tmp_path("train-images-idx3-ubyte.gz"), b, len); /* only .gz */
    free(b);
    b = read_back(lab_raw, &len);
    write_raw(tmp_path("train-labels-idx1-ubyte"), b, len); /* only plain */
    free(b);

    nn_images im;
    nn_err err = {""};
    int rc = nn_idx_load_dir(&im, tmpdir, "train", &err);
    if (CHECK(rc == 0, "nn_idx_load_dir(train): %s", err.msg))
        expect_images(&im, N, 1, H, W, g_px, g_lb, "load_dir train");
    nn_images_free(&im);

    char want[PATH_LEN];
    int wl = snprintf(want, sizeof want, "%s/t10k-images-idx3-ubyte", tmpdir);
    CHECK(wl > 0 && (size_t)wl < sizeof want, "path fits");
    expect_fail(nn_idx_load_dir(&im, tmpdir, "test", &err), &err, &im, want, "not found",
                "load_dir test (missing)");
    expect_fail(nn_idx_load_dir(&im, tmpdir, "val", &err), &err, &im, tmpdir, "split",
                "load_dir unknown split");
}

/* ------------------------------------------------------ CIFAR-10 -------- */

enum { REC = 3073 };

static uint8_t *cifar_records(int n, uint64_t seed, const uint8_t *labels)
{
    uint8_t *b = malloc((size_t)n * REC);
    fill_random(b, (size_t)n * REC, seed);
    for (int r = 0; r < n; r++)
        b[(size_t)r * REC] = labels[r];
    return b;
}

static void test_cifar(void)
{
    const uint8_t la[2] = {3, 9}, lb[3] = {0, 7, 1};
    uint8_t *a = cifar_records(2, 10, la), *b = cifar_records(3, 11, lb);
    const char *pa = tmp_path("data_batch_1.bin"), *pb = tmp_path("data_batch_2.bin");
    write_raw(pa, a, 2 * REC);
    write_gz(pb, b, 3 * REC);

    /* What the concatenation must hold: pixels and labels in order. */
    uint8_t *px = malloc(5 * 3072), lab[5];
    for (int r = 0; r < 5; r++) {
        const uint8_t *rec = r < 2 ? a + (size_t)r * REC : b + (size_t)(r - 2) * REC;
        memcpy(px + (size_t)r * 3072, rec + 1, 3072);
        lab[r] = rec[0];
    }
    nn_images im;
    nn_err err = {""};
    const char *both[2] = {pa, pb};
    int rc = nn_cifar10_load(&im, both, 2, &err);
    if (CHECK(rc == 0, "nn_cifar10_load: %s", err.msg))
        expect_images(&im, 5, 3, 32, 32, px, lab, "cifar concatenated");
    nn_images_free(&im);
    free(px);

    const char *odd = tmp_path("odd.bin");
    write_raw(odd, a, 2 * REC - 1);
    const char *bad_second[2] = {pa, odd};
    expect_fail(nn_cifar10_load(&im, bad_second, 2, &err), &err, &im, odd, "3073",
                "cifar not whole records");

    a[REC] = 10; /* the second record's label */
    const char *l10 = tmp_path("label10.bin");
    write_raw(l10, a, 2 * REC);
    expect_fail(nn_cifar10_load(&im, &l10, 1, &err), &err, &im, l10, "range",
                "cifar label 10");

    const char *empty = tmp_path("empty.bin");
    write_raw(empty, a, 0);
    expect_fail(nn_cifar10_load(&im, &empty, 1, &err), &err, &im, empty, "empty",
                "cifar empty");
    const char *missing = tmp_path("missing.bin");
    expect_fail(nn_cifar10_load(&im, &missing, 1, &err), &err, &im, missing, "open",
                "cifar missing");
    CHECK(nn_cifar10_load(&im, both, 0, &err) == -1, "cifar with no files refused");
    free(a);
    free(b);
}

/* ------------------------------------------------------ text ------------ */

enum { TSIZE = 1000, TT = 16, TB = 64 };
static uint8_t g_text[TSIZE + 1]; /* one more for the 1001-byte file */

/* Where a window (t + 1 bytes) sits in g_text; random bytes make it unique. */
static long locate(const int32_t *x, const int32_t *y, int t)
{
    for (long p = 0; p + t < TSIZE; p++) {
        int j = 0;
        while (j < t && g_text[p + j] == x[j] && g_text[p + j + 1] == y[j])
            j++;
        if (j == t)
            return p;
    }
    return -1;
}

/* Checks one batch of split `split` against offsets drawn as specified. */
static void check_windows(const nn_text *txt, int split, uint64_t seed, uint64_t stream)
{
    int32_t x[TB * TT], y[TB * TT];
    nn_text_batch(txt, split, TB, TT, seed, stream, x, y);
    size_t base = split ? txt->train_size : 0;
    size_t len = split ? txt->size - txt->train_size : txt->train_size;
    long bad_rng = 0, bad_shift = 0, outside = 0;
    for (int k = 0; k < TB; k++) {
        const int32_t *xk = x + k * TT, *yk = y + k * TT;
        size_t o = base + (size_t)nn_rng_below(seed, stream, (uint64_t)k, len - TT);
        for (int j = 0; j < TT; j++) {
            bad_rng += xk[j] != g_text[o + j] || yk[j] != g_text[o + j + 1];
            bad_shift += j + 1 < TT && yk[j] != xk[j + 1];
        }
        long p = locate(xk, yk, TT);
        outside += p < (long)base || (size_t)p + TT >= base + len;
    }
    CHECK(bad_rng == 0, "split %d: %ld bytes differ from the offsets nn_rng_below gives",
          split, bad_rng);
    CHECK(bad_shift == 0, "split %d: y is not x shifted by one (%ld)", split, bad_shift);
    CHECK(outside == 0, "split %d: %ld of %d windows outside the split", split, outside,
          TB);
}

static void test_text_batches(const nn_text *txt)
{
    check_windows(txt, 0, 42, 7);
    check_windows(txt, 1, 42, 7);
    int32_t x1[TB * TT], y1[TB * TT], x2[TB * TT], y2[TB * TT];
    nn_text_batch(txt, 0, TB, TT, 42, 7, x1, y1);
    nn_text_batch(txt, 0, TB, TT, 42, 7, x2, y2);
    CHECK(memcmp(x1, x2, sizeof x1) == 0 && memcmp(y1, y2, sizeof y1) == 0,
          "same (seed, stream): same batch");
    nn_text_batch(txt, 0, TB, TT, 42, 8, x2, y2);
    CHECK(memcmp(x1, x2, sizeof x1) != 0, "another stream: another batch");
    nn_text_batch(txt, 0, TB, TT, 43, 7, x2, y2);
    CHECK(memcmp(x1, x2, sizeof x1) != 0, "another seed: another batch");
}

/* A split of exactly t + 3 bytes: the three offsets, the last one included. */
static void test_text_edges(void)
{
    enum { S = TT + 3, NB = 200 };
    const char *path = tmp_path("edge.txt");
    write_raw(path, g_text, S);
    nn_text txt;
    nn_err err = {""};
    if (!CHECK(nn_text_load(&txt, path, 0.0, TT + 1, &err) == 0, "edge: %s", err.msg))
        return;
    CHECK(txt.train_size == S, "val_fraction 0: train is all %zu bytes", txt.train_size);
    int32_t *x = malloc(sizeof *x * NB * TT), *y = malloc(sizeof *y * NB * TT);
    nn_text_batch(&txt, 0, NB, TT, 1, 2, x, y);
    int seen[3] = {0, 0, 0};
    for (int k = 0; k < NB; k++) {
        long p = locate(x + k * TT, y + k * TT, TT);
        if (CHECK(p >= 0 && p < 3, "edge: window %d at %ld", k, p))
            seen[p] = 1;
    }
    CHECK(seen[0] && seen[1] && seen[2], "edge: offsets 0, 1, 2 all drawn (%d %d %d)",
          seen[0], seen[1], seen[2]);
    free(x);
    free(y);
    nn_text_free(&txt);
}

static void test_text(void)
{
    fill_random(g_text, TSIZE + 1, 3);
    const char *path = tmp_path("text.txt"), *gz = tmp_path("text.txt.gz");
    write_raw(path, g_text, TSIZE);
    write_gz(gz, g_text, TSIZE);
    nn_text txt;
    nn_err err = {""};
    if (CHECK(nn_text_load(&txt, path, 0.1, TT + 1, &err) == 0, "text: %s", err.msg)) {
        CHECK(txt.size == TSIZE && txt.train_size == 900, "split 1000 at 0.1: %zu, %zu",
              txt.size, txt.train_size);
        CHECK(memcmp(txt.bytes, g_text, TSIZE) == 0, "text bytes");
        test_text_batches(&txt);
        nn_text_free(&txt);
    }
    if (CHECK(nn_text_load(&txt, gz, 0.25, TT + 1, &err) == 0, "text.gz: %s", err.msg)) {
        CHECK(txt.size == TSIZE && txt.train_size == 750, "gzip text split: %zu, %zu",
              txt.size, txt.train_size);
        CHECK(memcmp(txt.bytes, g_text, TSIZE) == 0, "gzip text bytes");
        nn_text_free(&txt);
    }
    const char *odd = tmp_path("odd.txt");
    write_raw(odd, g_text, 1001);
    if (CHECK(nn_text_load(&txt, odd, 0.25, 1, &err) == 0, "odd: %s", err.msg)) {
        CHECK(txt.train_size == 751, "1001 at 0.25: validation rounded down to 250 (%zu)",
              txt.size - txt.train_size);
        nn_text_free(&txt);
    }
    expect_fail(nn_text_load(&txt, path, 0.1, 101, &err), &err, NULL, path, "short",
                "validation split too short");
    expect_fail(nn_text_load(&txt, path, 0.1, 901, &err), &err, NULL, path, "short",
                "training split too short");
    CHECK(txt.bytes == NULL, "a refused text keeps nothing");
    expect_fail(nn_text_load(&txt, path, 1.0, 1, &err), &err, NULL, path, "fraction",
                "val_fraction 1");
    expect_fail(nn_text_load(&txt, path, -0.1, 1, &err), &err, NULL, path, "fraction",
                "val_fraction -0.1");
    const char *missing = tmp_path("missing.txt");
    expect_fail(nn_text_load(&txt, missing, 0.1, 1, &err), &err, NULL, missing, "open",
                "missing text");
    test_text_edges();
}

/* ------------------------------------------------------ stats, batch ---- */

/* Values whose mean, deviation and normalised values are exact. */
static void test_stats_batch(void)
{
    /* 2 images, 2 channels of 1x2: channel 0 holds 0,1,0,1 (mean 0.5, std
     * 0.5), channel 1 holds 0.25,0.25,0.75,0.75 (mean 0.5, std 0.25). */
    float px[8] = {0, 1, 0.25f, 0.25f, 1, 0, 0.75f, 0.75f};
    int32_t lb[2] = {4, 9};
    nn_images im = {
        .n = 2, .c = 2, .h = 1, .w = 2, .classes = 10, .pixels = px, .labels = lb};
    double mean[2], std[2];
    nn_images_stats(&im, mean, std);
    CHECK(mean[0] == 0.5 && std[0] == 0.5, "channel 0: mean %.17g std %.17g", mean[0],
          std[0]);
    CHECK(mean[1] == 0.5 && std[1] == 0.25, "channel 1: mean %.17g std %.17g", mean[1],
          std[1]);
    uint32_t idx[3] = {1, 0, 1};
    float x[12];
    int32_t y[3];
    nn_images_batch(&im, idx, 3, mean, std, x, y);
    const float want[12] = {1, -1, 1, 1, -1, 1, -1, -1, 1, -1, 1, 1};
    CHECK(memcmp(x, want, sizeof want) == 0, "normalised batch values");
    CHECK(y[0] == 9 && y[1] == 4 && y[2] == 9, "batch labels %d %d %d", y[0], y[1], y[2]);
}

/* ------------------------------------------------------ Fashion-MNIST --- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void check_real(const nn_images *im, int n, const char *split)
{
    if (!CHECK(im->n == n && im->c == 1 && im->h == 28 && im->w == 28 &&
                   im->classes == 10,
               "fashion-mnist %s: shape (%d, %d, %d, %d)", split, im->n, im->c, im->h,
               im->w))
        return;
    int seen[10] = {0};
    for (int i = 0; i < im->n; i++)
        seen[im->labels[i]]++;
    for (int k = 0; k < 10; k++)
        CHECK(seen[k] > 0, "fashion-mnist %s: class %d present", split, k);
    double mean, std;
    nn_images_stats(im, &mean, &std);
    /* The published statistics of the training set: 0.2860, 0.3530. */
    if (n == 60000)
        CHECK(fabs(mean - 0.2860) < 1e-3 && fabs(std - 0.3530) < 1e-3,
              "fashion-mnist train: mean %.4f std %.4f", mean, std);
}

static void test_fashion_mnist(void)
{
    const char *dir = "/usr/share/datasets/fashion-mnist";
    struct stat st;
    if (stat(dir, &st) != 0) {
        SKIP("the package dataset-fashion-mnist is missing (no %s): the real "
             "Fashion-MNIST is not loaded",
             dir);
        return;
    }
    nn_images im;
    nn_err err = {""};
    double t0 = now();
    int rc = nn_idx_load_dir(&im, dir, "train", &err);
    double t1 = now();
    if (CHECK(rc == 0, "fashion-mnist train: %s", err.msg)) {
        printf("fashion-mnist: train set (60000 images) loaded in %.3f s\n", t1 - t0);
        check_real(&im, 60000, "train");
    }
    nn_images_free(&im);
    rc = nn_idx_load_dir(&im, dir, "test", &err);
    if (CHECK(rc == 0, "fashion-mnist test: %s", err.msg))
        check_real(&im, 10000, "test");
    nn_images_free(&im);
}

int main(void)
{
    TEST_BEGIN("nn_data");
    if (!CHECK(make_tmpdir(), "mkdtemp(%s)", tmpdir))
        return TEST_END();
    write_valid_idx();
    test_idx_valid();
    test_idx_malformed();
    test_idx_gzip_damage();
    test_idx_dir();
    test_cifar();
    test_text();
    test_stats_batch();
    test_fashion_mnist();
    cleanup();
    return TEST_END();
}
