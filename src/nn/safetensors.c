/*
 * safetensors.c - the safetensors reader and atomic writer of safetensors.h.
 *
 * Writing: the header is built as a jansson object (tensors in the order
 * given, then "__metadata__" when there is any), dumped compact, padded with
 * spaces to a multiple of 8 bytes as the reference implementation does (so
 * the data area starts 8-aligned), and the file goes through the atomic
 * writer (io/outfile.h: temporary file, fsync, rename, fsync of the
 * directory).
 *
 * Reading: the whole file is read into one buffer; the header is parsed by
 * json.c and every entry is checked before anything is handed out. The
 * tensors point into that buffer, except the ones whose bytes are not aligned
 * for their dtype there (a writer that does not pad, or a U8 tensor of odd
 * length before an F32 one): those are copied into their own allocation.
 */
#include "safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/file_check.h"
#include "io/outfile.h"
#include "json.h"

/* The reference implementation refuses headers above 100 MB; so do we. */
#define MAX_HEADER 100000000ull
#define NDTYPES    5

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_BIG_ENDIAN 1
#else
#define HOST_BIG_ENDIAN 0
#endif

static const char *const dtype_names[NDTYPES] = {"F32", "F64", "I32", "I64", "U8"};
static const size_t dtype_sizes[NDTYPES] = {4, 8, 4, 8, 1};

size_t nn_st_dtype_size(nn_st_dtype dt)
{
    return (unsigned)dt < NDTYPES ? dtype_sizes[dt] : 0;
}

const char *nn_st_dtype_name(nn_st_dtype dt)
{
    return (unsigned)dt < NDTYPES ? dtype_names[dt] : "?";
}

/* Bytes of a tensor (dims already checked non-negative); -1 on overflow. A
 * zero dimension makes it empty whatever the others are. */
static int shape_bytes(const int64_t *shape, int ndim, size_t elsize, uint64_t *bytes)
{
    for (int d = 0; d < ndim; d++)
        if (shape[d] == 0) {
            *bytes = 0;
            return 0;
        }
    uint64_t n = elsize;
    for (int d = 0; d < ndim; d++) {
        uint64_t s = (uint64_t)shape[d];
        if (n > UINT64_MAX / s)
            return -1;
        n *= s;
    }
    if (n > SIZE_MAX)
        return -1;
    *bytes = n;
    return 0;
}

/* "[2, 3]" into buf (cut short when it does not fit). */
static const char *shape_str(char *buf, size_t n, const int64_t *shape, int ndim)
{
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int d = 0; d < ndim && k < n; d++)
        k += (size_t)snprintf(buf + k, n - k, "%s%lld", d ? ", " : "",
                              (long long)shape[d]);
    if (k < n)
        snprintf(buf + k, n - k, "]");
    return buf;
}

/* Reverses the bytes of each elsize-byte element (big-endian hosts only). */
static void swap_bytes(unsigned char *p, size_t nbytes, size_t elsize)
{
    for (size_t i = 0; i + elsize <= nbytes; i += elsize)
        for (size_t a = i, b = i + elsize - 1; a < b; a++, b--) {
            unsigned char t = p[a];
            p[a] = p[b];
            p[b] = t;
        }
}

/* ============================================================ writing === */

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A name that appears twice in names[0, n) into *dup: 1, none: 0, no
 * memory: -1. */
static int find_duplicate(const char *const *names, int n, const char **dup)
{
    if (n < 2)
        return 0;
    const char **s = malloc((size_t)n * sizeof *s);
    if (!s)
        return -1;
    memcpy(s, names, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, str_cmp);
    int found = 0;
    for (int i = 1; i < n && !found; i++)
        if (strcmp(s[i - 1], s[i]) == 0) {
            *dup = s[i];
            found = 1;
        }
    free(s);
    return found;
}

/* Fails on a name twice in names[0, n) (what: "tensor name"). */
static int check_unique(const char *path, const char *const *names, int n,
                        const char *what, nn_err *err)
{
    const char *dup = NULL;
    int r = find_duplicate(names, n, &dup);
    if (r < 0)
        return nn_fail(err, "%s: out of memory", path);
    if (r > 0)
        return nn_fail(err, "%s: %s \"%s\" appears twice", path, what, dup);
    return 0;
}

static int check_text(const char *path, const char *s, const char *what, int i,
                      nn_err *err)
{
    if (!s)
        return nn_fail(err, "%s: %s %d is NULL", path, what, i);
    if (!nn_json_utf8_valid(s, strlen(s)))
        return nn_fail(err, "%s: %s %d is not valid UTF-8", path, what, i);
    return 0;
}

/* One tensor to write: name, dtype, shape, data; its size into *bytes. */
static int check_tensor(const char *path, const nn_st_tensor *t, int i, uint64_t *bytes,
                        nn_err *err)
{
    if (check_text(path, t->name, "the name of tensor", i, err) < 0)
        return -1;
    if (strcmp(t->name, "__metadata__") == 0)
        return nn_fail(err, "%s: tensor %d: the name \"__metadata__\" is reserved", path,
                       i);
    if ((unsigned)t->dtype >= NDTYPES)
        return nn_fail(err,
                       "%s: tensor \"%s\": dtype %d is not one of F32 F64 I32 I64 U8",
                       path, t->name, (int)t->dtype);
    if (t->ndim < 0 || t->ndim > NN_ST_MAX_DIMS)
        return nn_fail(err, "%s: tensor \"%s\": ndim %d is not in 0..%d", path, t->name,
                       t->ndim, NN_ST_MAX_DIMS);
    for (int d = 0; d < t->ndim; d++)
        if (t->shape[d] < 0)
            return nn_fail(err, "%s: tensor \"%s\": shape[%d] = %lld is negative", path,
                           t->name, d, (long long)t->shape[d]);
    if (shape_bytes(t->shape, t->ndim, dtype_sizes[t->dtype], bytes) < 0)
        return nn_fail(err, "%s: tensor \"%s\": its size overflows", path, t->name);
    if (*bytes && !t->data)
        return nn_fail(err, "%s: tensor \"%s\": data is NULL", path, t->name);
    return 0;
}

/* Every argument of nn_st_write; the tensors' byte sizes into sizes. */
static int check_args(const char *path, const nn_st_tensor *t, int n, const nn_st_meta *m,
                      int nmeta, uint64_t *sizes, const char **names, nn_err *err)
{
    uint64_t total = 0;
    for (int i = 0; i < n; i++) {
        if (check_tensor(path, &t[i], i, &sizes[i], err) < 0)
            return -1;
        /* The offsets are written as JSON (int64) integers. */
        if (sizes[i] > (uint64_t)INT64_MAX - total)
            return nn_fail(err, "%s: the tensors' total size overflows", path);
        total += sizes[i];
        names[i] = t[i].name;
    }
    if (check_unique(path, names, n, "tensor name", err) < 0)
        return -1;
    for (int i = 0; i < nmeta; i++) {
        if (check_text(path, m[i].key, "metadata key", i, err) < 0 ||
            check_text(path, m[i].value, "metadata value", i, err) < 0)
            return -1;
        names[i] = m[i].key;
    }
    return check_unique(path, names, nmeta, "metadata key", err);
}

/* {"dtype": "F32", "shape": [..], "data_offsets": [off, off + bytes]}. */
static json_t *tensor_entry(const nn_st_tensor *t, uint64_t off, uint64_t bytes)
{
    json_t *shape = json_array(), *e = json_object();
    for (int d = 0; shape && d < t->ndim; d++)
        if (json_array_append_new(shape, json_integer((json_int_t)t->shape[d])) < 0)
            break;
    if (!shape || !e || json_array_size(shape) != (size_t)t->ndim ||
        json_object_set_new(e, "dtype", json_string(dtype_names[t->dtype])) < 0 ||
        json_object_set_new(e, "shape", shape) < 0 ||
        json_object_set_new(
            e, "data_offsets",
            json_pack("[II]", (json_int_t)off, (json_int_t)(off + bytes))) < 0) {
        json_decref(e);
        return NULL;
    }
    return e;
}

/* The header object: the tensors in the order given, then "__metadata__"
 * when there is any (jansson keeps insertion order); NULL when out of
 * memory. The names were checked: valid UTF-8, unique, not reserved. */
static json_t *header_json(const nn_st_tensor *t, int n, const uint64_t *sizes,
                           const nn_st_meta *m, int nmeta)
{
    json_t *h = json_object(), *meta = nmeta > 0 ? json_object() : NULL;
    int bad = !h || (nmeta > 0 && !meta);
    uint64_t off = 0;
    for (int i = 0; i < n && !bad; i++) {
        bad = json_object_set_new(h, t[i].name, tensor_entry(&t[i], off, sizes[i])) < 0;
        off += sizes[i];
    }
    for (int i = 0; i < nmeta && !bad; i++)
        bad = json_object_set_new(meta, m[i].key, json_string(m[i].value)) < 0;
    if (!bad && meta) {
        bad = json_object_set_new(h, "__metadata__", meta) < 0;
        meta = NULL;
    }
    json_decref(meta);
    if (bad) {
        json_decref(h);
        return NULL;
    }
    return h;
}

/* The header text (compact JSON), padded with spaces to a multiple of 8
 * bytes, into *out (malloc'd) and its length into *len. */
static int header_text(const char *path, const nn_st_tensor *t, int n,
                       const uint64_t *sizes, const nn_st_meta *m, int nmeta, char **out,
                       size_t *len, nn_err *err)
{
    json_t *h = header_json(t, n, sizes, m, nmeta);
    size_t k = h ? json_dumpb(h, NULL, 0, JSON_COMPACT) : 0;
    size_t padded = (k + 7) / 8 * 8;
    char *text = k && k <= MAX_HEADER ? malloc(padded) : NULL;
    if (text && json_dumpb(h, text, k, JSON_COMPACT) != k) {
        free(text);
        text = NULL;
    }
    json_decref(h);
    if (!text)
        return nn_fail(err, "%s: %s", path,
                       k > MAX_HEADER ? "header too large"
                                      : "out of memory building the header");
    memset(text + k, ' ', padded - k);
    *out = text;
    *len = padded;
    return 0;
}

/* nbytes of elsize-byte elements, little-endian. */
static int write_data(FILE *f, const void *data, size_t nbytes, size_t elsize)
{
    if (!HOST_BIG_ENDIAN || elsize == 1)
        return fwrite(data, 1, nbytes, f) == nbytes ? 0 : -1;
    unsigned char chunk[4096]; /* a multiple of every element size */
    for (size_t off = 0; off < nbytes; off += sizeof chunk) {
        size_t k = nbytes - off < sizeof chunk ? nbytes - off : sizeof chunk;
        memcpy(chunk, (const unsigned char *)data + off, k);
        swap_bytes(chunk, k, elsize);
        if (fwrite(chunk, 1, k, f) != k)
            return -1;
    }
    return 0;
}

/* Length, header, data; stops at the first failed write (the stream's error
 * flag then makes nn_outfile_commit fail). */
static void write_contents(FILE *f, const char *h, size_t hlen, const nn_st_tensor *t,
                           int n, const uint64_t *sizes)
{
    unsigned char len[8];
    for (int k = 0; k < 8; k++)
        len[k] = (unsigned char)((uint64_t)hlen >> (8 * k));
    if (fwrite(len, 1, 8, f) != 8 || fwrite(h, 1, hlen, f) != hlen)
        return;
    for (int i = 0; i < n; i++)
        if (sizes[i] &&
            write_data(f, t[i].data, (size_t)sizes[i], dtype_sizes[t[i].dtype]) < 0)
            return;
}

/* The checked arguments written through the atomic writer. */
static int write_file(const char *path, const nn_st_tensor *t, int n,
                      const uint64_t *sizes, const nn_st_meta *m, int nmeta, nn_err *err)
{
    char *h = NULL;
    size_t hlen = 0;
    nn_outfile o;
    if (header_text(path, t, n, sizes, m, nmeta, &h, &hlen, err) < 0)
        return -1;
    int rc = nn_outfile_open(&o, path, err);
    if (rc == 0) {
        write_contents(o.f, h, hlen, t, n, sizes);
        rc = nn_outfile_commit(&o, err);
    }
    free(h);
    return rc;
}

int nn_st_write(const char *path, const nn_st_tensor *tensors, int ntensors,
                const nn_st_meta *meta, int nmeta, nn_err *err)
{
    if (!path)
        return nn_fail(err, "nn_st_write: path is NULL");
    if (ntensors < 0 || nmeta < 0 || (ntensors && !tensors) || (nmeta && !meta))
        return nn_fail(err, "%s: nn_st_write: bad tensor or metadata list", path);
    int most = ntensors > nmeta ? ntensors : nmeta;
    uint64_t *sizes = malloc(((size_t)ntensors + 1) * sizeof *sizes);
    const char **names = malloc(((size_t)most + 1) * sizeof *names);
    int rc = -1;
    if (!sizes || !names)
        nn_fail(err, "%s: out of memory", path);
    else if (check_args(path, tensors, ntensors, meta, nmeta, sizes, names, err) == 0)
        rc = write_file(path, tensors, ntensors, sizes, meta, nmeta, err);
    free(names);
    free(sizes);
    return rc;
}

/* ============================================================ reading === */

struct nn_st_file {
    unsigned char *buf; /* the whole file */
    nn_json *header;    /* the parsed header: names and metadata point into it */
    nn_st_tensor *tensors;
    int ntensors;
    nn_st_meta *meta;
    int nmeta;
    void **copies; /* aligned copies of tensors misaligned in buf */
    int ncopies;
};

/* A tensor's byte range in the data area, for the layout check. */
typedef struct range {
    uint64_t b, e;
    int idx;
} range;

/* Where empty tensors point: non-NULL and aligned for every dtype. */
static const union {
    int64_t i;
    double d;
} empty_anchor = {0};

static int64_t json_count(const nn_json *v);

/* What the header declares of the data, before the file is read whole. */
typedef struct declared {
    uint64_t end;      /* 8 + the header's length + the largest tensor end */
    char name[128];    /* the tensor that ends last */
    int64_t b, e;      /* its data_offsets */
    uint64_t data_len; /* the data area the file has */
} declared;

/*
 * What the header declares (*d), read with pread before the file is read
 * whole, so that a file whose declared tensors do not end where it ends
 * (cut short, or with a huge tail: a sparse 4 GiB file) is refused before
 * it costs its size in memory and time. 1 when known; 0 when the header is
 * too malformed to say (the full parse then says why: every tensor's
 * data_offsets must be [b, e] with 0 <= b <= e).
 */
static int declare(int fd, uint64_t size, declared *d)
{
    unsigned char len8[8];
    if (size < 8 || pread(fd, len8, 8, 0) != 8)
        return 0;
    uint64_t n = 0;
    for (int k = 7; k >= 0; k--)
        n = n << 8 | len8[k];
    if (n > size - 8 || n > MAX_HEADER)
        return 0;
    char *text = malloc(n ? (size_t)n : 1);
    if (!text || pread(fd, text, (size_t)n, 8) != (ssize_t)n) {
        free(text);
        return 0;
    }
    nn_json *h = nn_json_parse(text, (size_t)n, NULL, 0);
    free(text);
    int known = h && h->type == NN_JSON_OBJECT;
    memset(d, 0, sizeof *d);
    for (size_t k = 0; known && k < h->len; k++) {
        if (strcmp(h->keys[k], "__metadata__") == 0)
            continue;
        const nn_json *o = h->items[k].type == NN_JSON_OBJECT
                               ? nn_json_get(&h->items[k], "data_offsets")
                               : NULL;
        int ok = o && o->type == NN_JSON_ARRAY && o->len == 2;
        int64_t b = ok ? json_count(&o->items[0]) : -1;
        int64_t e = ok ? json_count(&o->items[1]) : -1;
        known = b >= 0 && e >= b;
        if (known && (uint64_t)e >= d->end) {
            d->end = (uint64_t)e, d->b = b, d->e = e;
            snprintf(d->name, sizeof d->name, "%s", h->keys[k]);
        }
    }
    nn_json_free(h);
    d->data_len = size - 8 - n;
    d->end += 8 + n;
    return known;
}

static int read_fd(int fd, const char *path, unsigned char **out, size_t *size,
                   nn_err *err)
{
    uint64_t fsize = 0;
    declared d;
    if (nn_fd_check(fd, path, NN_PATH_FILE, 0, &fsize, err))
        return -1;
    if ((uintmax_t)fsize >= SIZE_MAX)
        return nn_fail(err, "%s: too large to read into memory", path);
    int known = declare(fd, fsize, &d);
    if (known && d.end > fsize)
        return nn_fail(err,
                       "%s: tensor \"%s\": data_offsets [%lld, %lld] run past the end of "
                       "the data area (%llu bytes): truncated file?",
                       path, d.name, (long long)d.b, (long long)d.e,
                       (unsigned long long)d.data_len);
    if (known && d.end < fsize)
        return nn_fail(err,
                       "%s: the tensors cover %llu bytes but the data area holds %llu "
                       "(bytes after the last tensor); not read",
                       path, (unsigned long long)(d.end - (fsize - d.data_len)),
                       (unsigned long long)d.data_len);
    size_t n = (size_t)fsize, got = 0;
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf)
        return nn_fail(err, "%s: out of memory reading %zu bytes", path, n);
    errno = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got != n) {
        int e = errno;
        free(buf);
        return nn_fail(err, "%s: read %zu of %zu bytes: %s", path, got, n,
                       got < n && e ? strerror(e) : "the file changed while read");
    }
    *out = buf;
    *size = n;
    return 0;
}

static int read_file(const char *path, unsigned char **out, size_t *size, nn_err *err)
{
    /* O_NONBLOCK: a FIFO opens at once (and is then refused) instead of
     * waiting for a writer. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return nn_fail(err, "%s: cannot open: %s", path, strerror(errno));
    int rc = read_fd(fd, path, out, size, err);
    close(fd);
    return rc;
}

/* The 8-byte little-endian header length, checked against the file. */
static int header_length(const unsigned char *buf, size_t size, const char *path,
                         size_t *hlen, nn_err *err)
{
    if (size < 8)
        return nn_fail(err,
                       "%s: too short for a safetensors file: %zu bytes (the header "
                       "length alone takes 8)",
                       path, size);
    uint64_t n = 0;
    for (int k = 7; k >= 0; k--)
        n = n << 8 | buf[k];
    if (n > size - 8)
        return nn_fail(err,
                       "%s: header length %llu exceeds the file (%zu bytes after the "
                       "8-byte length): truncated or not safetensors",
                       path, (unsigned long long)n, size - 8);
    if (n > MAX_HEADER)
        return nn_fail(err, "%s: header length %llu is over the limit of %llu bytes",
                       path, (unsigned long long)n, MAX_HEADER);
    *hlen = (size_t)n;
    return 0;
}

/* A non-negative JSON integer, or -1. */
static int64_t json_count(const nn_json *v)
{
    return v->type == NN_JSON_NUMBER && v->is_int && v->integer >= 0 ? v->integer : -1;
}

static int load_dtype(const char *path, const char *name, const nn_json *v,
                      nn_st_dtype *dt, nn_err *err)
{
    if (v->type != NN_JSON_STRING)
        return nn_fail(err, "%s: tensor \"%s\": dtype is a JSON %s, not a string", path,
                       name, nn_json_type_name(v->type));
    for (int k = 0; k < NDTYPES; k++)
        if (strcmp(v->str, dtype_names[k]) == 0) {
            *dt = (nn_st_dtype)k;
            return 0;
        }
    return nn_fail(err,
                   "%s: tensor \"%s\": unknown or unsupported dtype \"%s\" (known: "
                   "F32 F64 I32 I64 U8)",
                   path, name, v->str);
}

static int load_shape(const char *path, const char *name, const nn_json *v,
                      nn_st_tensor *t, nn_err *err)
{
    if (v->type != NN_JSON_ARRAY)
        return nn_fail(err, "%s: tensor \"%s\": shape is a JSON %s, not an array", path,
                       name, nn_json_type_name(v->type));
    if (v->len > NN_ST_MAX_DIMS)
        return nn_fail(err, "%s: tensor \"%s\": shape has %zu dimensions (at most %d)",
                       path, name, v->len, NN_ST_MAX_DIMS);
    for (size_t d = 0; d < v->len; d++) {
        t->shape[d] = json_count(&v->items[d]);
        if (t->shape[d] < 0)
            return nn_fail(err,
                           "%s: tensor \"%s\": shape[%zu] is not a non-negative "
                           "integer",
                           path, name, d);
    }
    t->ndim = (int)v->len;
    return 0;
}

static int load_offsets(const char *path, const char *name, const nn_json *v,
                        size_t dsize, range *r, nn_err *err)
{
    int64_t b = -1, e = -1;
    if (v->type == NN_JSON_ARRAY && v->len == 2) {
        b = json_count(&v->items[0]);
        e = json_count(&v->items[1]);
    }
    if (b < 0 || e < 0)
        return nn_fail(err,
                       "%s: tensor \"%s\": data_offsets is not [begin, end] with "
                       "non-negative integers",
                       path, name);
    if (b > e)
        return nn_fail(err,
                       "%s: tensor \"%s\": data_offsets [%lld, %lld] end before they "
                       "begin",
                       path, name, (long long)b, (long long)e);
    if ((uint64_t)e > dsize)
        return nn_fail(err,
                       "%s: tensor \"%s\": data_offsets [%lld, %lld] run past the "
                       "end of the data area (%zu bytes): truncated file?",
                       path, name, (long long)b, (long long)e, dsize);
    r->b = (uint64_t)b;
    r->e = (uint64_t)e;
    return 0;
}

/* Its byte count matches shape x dtype size. */
static int check_size(const char *path, const char *name, const nn_st_tensor *t,
                      const range *r, nn_err *err)
{
    char sh[96];
    uint64_t bytes;
    if (shape_bytes(t->shape, t->ndim, dtype_sizes[t->dtype], &bytes) < 0)
        return nn_fail(err,
                       "%s: tensor \"%s\": shape %s is too large (its size overflows)",
                       path, name, shape_str(sh, sizeof sh, t->shape, t->ndim));
    if (bytes != r->e - r->b)
        return nn_fail(err,
                       "%s: tensor \"%s\": data_offsets [%llu, %llu] hold %llu bytes "
                       "but %s shape %s needs %llu",
                       path, name, (unsigned long long)r->b, (unsigned long long)r->e,
                       (unsigned long long)(r->e - r->b), dtype_names[t->dtype],
                       shape_str(sh, sizeof sh, t->shape, t->ndim),
                       (unsigned long long)bytes);
    return 0;
}

/* Only the three fields of the format, each present. */
static int check_fields(const char *path, const char *name, const nn_json *v, nn_err *err)
{
    static const char *const fields[] = {"dtype", "shape", "data_offsets"};
    if (v->type != NN_JSON_OBJECT)
        return nn_fail(err, "%s: tensor \"%s\": its entry is a JSON %s, not an object",
                       path, name, nn_json_type_name(v->type));
    for (size_t k = 0; k < v->len; k++)
        if (strcmp(v->keys[k], "dtype") && strcmp(v->keys[k], "shape") &&
            strcmp(v->keys[k], "data_offsets"))
            return nn_fail(err, "%s: tensor \"%s\": unknown field \"%s\"", path, name,
                           v->keys[k]);
    for (int k = 0; k < 3; k++)
        if (!nn_json_get(v, fields[k]))
            return nn_fail(err, "%s: tensor \"%s\": \"%s\" is missing", path, name,
                           fields[k]);
    return 0;
}

static int load_tensor(const char *path, const char *name, const nn_json *v, size_t dsize,
                       nn_st_tensor *t, range *r, nn_err *err)
{
    t->name = name;
    if (check_fields(path, name, v, err) < 0 ||
        load_dtype(path, name, nn_json_get(v, "dtype"), &t->dtype, err) < 0 ||
        load_shape(path, name, nn_json_get(v, "shape"), t, err) < 0 ||
        load_offsets(path, name, nn_json_get(v, "data_offsets"), dsize, r, err) < 0)
        return -1;
    return check_size(path, name, t, r, err);
}

static int load_meta(nn_st_file *f, const char *path, const nn_json *m, nn_err *err)
{
    if (m->type != NN_JSON_OBJECT)
        return nn_fail(err, "%s: __metadata__ is a JSON %s, not an object", path,
                       nn_json_type_name(m->type));
    if (m->len > (size_t)INT32_MAX)
        return nn_fail(err, "%s: too many metadata entries", path);
    f->meta = calloc(m->len ? m->len : 1, sizeof *f->meta);
    if (!f->meta)
        return nn_fail(err, "%s: out of memory", path);
    for (size_t k = 0; k < m->len; k++) {
        if (m->items[k].type != NN_JSON_STRING)
            return nn_fail(err, "%s: __metadata__ \"%s\" is a JSON %s, not a string",
                           path, m->keys[k], nn_json_type_name(m->items[k].type));
        f->meta[k] = (nn_st_meta){m->keys[k], m->items[k].str};
    }
    f->nmeta = (int)m->len;
    return 0;
}

/* Every member of the header: the tensors (in file order) and metadata. */
static int load_entries(nn_st_file *f, const char *path, size_t dsize, range *ranges,
                        nn_err *err)
{
    const nn_json *h = f->header;
    for (size_t k = 0; k < h->len; k++) {
        int rc;
        if (strcmp(h->keys[k], "__metadata__") == 0)
            rc = load_meta(f, path, &h->items[k], err);
        else {
            ranges[f->ntensors].idx = f->ntensors;
            rc = load_tensor(path, h->keys[k], &h->items[k], dsize,
                             &f->tensors[f->ntensors], &ranges[f->ntensors], err);
            f->ntensors++;
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int range_cmp(const void *a, const void *b)
{
    const range *x = a, *y = b;
    if (x->b != y->b)
        return x->b < y->b ? -1 : 1;
    return (x->e > y->e) - (x->e < y->e);
}

/* The ranges, sorted, tile the data area exactly: no overlap, no gap, no
 * byte left over. */
static int check_layout(const nn_st_file *f, const char *path, range *r, size_t dsize,
                        nn_err *err)
{
    qsort(r, (size_t)f->ntensors, sizeof *r, range_cmp);
    uint64_t end = 0;
    for (int i = 0; i < f->ntensors; i++) {
        const char *name = f->tensors[r[i].idx].name;
        if (i && r[i].b < end)
            return nn_fail(err,
                           "%s: tensors \"%s\" and \"%s\" overlap (bytes [%llu, %llu] "
                           "and [%llu, %llu])",
                           path, f->tensors[r[i - 1].idx].name, name,
                           (unsigned long long)r[i - 1].b, (unsigned long long)r[i - 1].e,
                           (unsigned long long)r[i].b, (unsigned long long)r[i].e);
        if (r[i].b > end)
            return nn_fail(err,
                           "%s: gap in the data: bytes [%llu, %llu) belong to no "
                           "tensor (the next is \"%s\")",
                           path, (unsigned long long)end, (unsigned long long)r[i].b,
                           name);
        end = r[i].e;
    }
    if (end != dsize)
        return nn_fail(err,
                       "%s: the tensors cover %llu bytes but the data area holds %zu "
                       "(bytes after the last tensor)",
                       path, (unsigned long long)end, dsize);
    return 0;
}

/* Points each tensor at its bytes, copying the ones misaligned in buf. */
static int place_data(nn_st_file *f, const char *path, unsigned char *data,
                      const range *sorted, nn_err *err)
{
    f->copies = calloc((size_t)f->ntensors + 1, sizeof *f->copies);
    if (!f->copies)
        return nn_fail(err, "%s: out of memory", path);
    for (int i = 0; i < f->ntensors; i++) {
        nn_st_tensor *t = &f->tensors[sorted[i].idx];
        size_t n = (size_t)(sorted[i].e - sorted[i].b), el = dtype_sizes[t->dtype];
        unsigned char *p = data + sorted[i].b;
        if (n == 0) {
            t->data = &empty_anchor;
            continue;
        }
        if ((uintptr_t)p % el) {
            unsigned char *c = malloc(n); /* malloc's alignment suits every dtype */
            if (!c)
                return nn_fail(err, "%s: out of memory", path);
            memcpy(c, p, n);
            f->copies[f->ncopies++] = c;
            p = c;
        }
        if (HOST_BIG_ENDIAN && el > 1)
            swap_bytes(p, n, el);
        t->data = p;
    }
    return 0;
}

/* Everything after reading: header, entries, layout, data pointers. */
static int parse_file(nn_st_file *f, const char *path, size_t size, nn_err *err)
{
    size_t hlen = 0;
    char jerr[256];
    if (header_length(f->buf, size, path, &hlen, err) < 0)
        return -1;
    f->header = nn_json_parse((const char *)f->buf + 8, hlen, jerr, sizeof jerr);
    if (!f->header)
        return nn_fail(err, "%s: invalid JSON in the header: %s", path, jerr);
    if (f->header->type != NN_JSON_OBJECT)
        return nn_fail(err, "%s: the header is a JSON %s, not an object", path,
                       nn_json_type_name(f->header->type));
    if (f->header->len > (size_t)INT32_MAX)
        return nn_fail(err, "%s: too many tensors", path);
    size_t dsize = size - 8 - hlen;
    f->tensors = calloc(f->header->len + 1, sizeof *f->tensors);
    range *ranges = calloc(f->header->len + 1, sizeof *ranges);
    int rc = -1;
    if (!f->tensors || !ranges)
        nn_fail(err, "%s: out of memory", path);
    else if (load_entries(f, path, dsize, ranges, err) == 0 &&
             check_layout(f, path, ranges, dsize, err) == 0)
        rc = place_data(f, path, f->buf + 8 + hlen, ranges, err);
    free(ranges);
    return rc;
}

int nn_st_open(nn_st_file **out, const char *path, nn_err *err)
{
    if (!out || !path)
        return nn_fail(err, "%s: nn_st_open: NULL argument", path ? path : "(null)");
    *out = NULL;
    nn_st_file *f = calloc(1, sizeof *f);
    size_t size = 0;
    if (!f)
        return nn_fail(err, "%s: out of memory", path);
    if (read_file(path, &f->buf, &size, err) < 0 || parse_file(f, path, size, err) < 0) {
        nn_st_close(f);
        return -1;
    }
    *out = f;
    return 0;
}

void nn_st_close(nn_st_file *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->ncopies; i++)
        free(f->copies[i]);
    free(f->copies);
    free(f->tensors);
    free(f->meta);
    nn_json_free(f->header);
    free(f->buf);
    free(f);
}

int nn_st_count(const nn_st_file *f)
{
    return f ? f->ntensors : 0;
}

const nn_st_tensor *nn_st_get(const nn_st_file *f, int i)
{
    return f && i >= 0 && i < f->ntensors ? &f->tensors[i] : NULL;
}

const nn_st_tensor *nn_st_find(const nn_st_file *f, const char *name)
{
    for (int i = 0; f && name && i < f->ntensors; i++)
        if (strcmp(f->tensors[i].name, name) == 0)
            return &f->tensors[i];
    return NULL;
}

const char *nn_st_meta_get(const nn_st_file *f, const char *key)
{
    for (int i = 0; f && key && i < f->nmeta; i++)
        if (strcmp(f->meta[i].key, key) == 0)
            return f->meta[i].value;
    return NULL;
}

int nn_st_meta_count(const nn_st_file *f)
{
    return f ? f->nmeta : 0;
}

const nn_st_meta *nn_st_meta_at(const nn_st_file *f, int i)
{
    return f && i >= 0 && i < f->nmeta ? &f->meta[i] : NULL;
}
