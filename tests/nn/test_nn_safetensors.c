/*
 * test_nn_safetensors.c - the safetensors reader and writer
 * (src/nn/safetensors.c) and the JSON parser under it (src/nn/json.c, and
 * the differences from jansson that keep it): round trips of every dtype (scalars and
 * empty tensors included), the header's layout, atomic replacement and failed writes,
 * refusal of malformed files with a message naming the file and the problem, a
 * deterministic fuzz loop, and a cross-check with Python/numpy both ways.
 * Everything happens in a fresh mkdtemp directory, removed at the end.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "json.h"
#include "safetensors.h"
#include "util.h"

static char g_dir[512];

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------ helpers --- */

static const char *in_dir(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", g_dir, name);
    return buf;
}

/* A file of the 8-byte length hlen, the header text and data. */
static void make_file(const char *path, uint64_t hlen, const char *header,
                      const void *data, size_t ndata)
{
    size_t nh = strlen(header), n = 8 + nh + ndata;
    unsigned char *b = malloc(n);
    for (int k = 0; k < 8; k++)
        b[k] = (unsigned char)(hlen >> (8 * k));
    memcpy(b + 8, header, nh);
    if (ndata)
        memcpy(b + 8 + nh, data, ndata);
    CHECK(files_write(path, b, n) == 0, "cannot write %s", path);
    free(b);
}

static nn_st_file *open_ok(const char *path)
{
    nn_st_file *f = NULL;
    nn_err err = {{0}};
    int rc = nn_st_open(&f, path, &err);
    CHECK(rc == 0 && f, "nn_st_open(%s) = %d: %s", path, rc, err.msg);
    return rc == 0 ? f : NULL;
}

static void write_ok(const char *path, const nn_st_tensor *t, int n, const nn_st_meta *m,
                     int nm)
{
    nn_err err = {{0}};
    int rc = nn_st_write(path, t, n, m, nm, &err);
    CHECK(rc == 0, "nn_st_write(%s) = %d: %s", path, rc, err.msg);
}

/* nn_st_open refuses path with -1 and a message naming it and saying want. */
static void expect_refused(const char *label, const char *path, const char *want)
{
    nn_st_file *f = NULL;
    nn_err err = {{0}};
    int rc = nn_st_open(&f, path, &err);
    CHECK(rc == -1 && f == NULL, "%s: nn_st_open = %d, want -1", label, rc);
    if (rc == 0)
        nn_st_close(f);
    CHECK(strstr(err.msg, path) != NULL, "%s: message does not name %s: %s", label, path,
          err.msg);
    CHECK(strstr(err.msg, want) != NULL, "%s: message lacks \"%s\": %s", label, want,
          err.msg);
}

/* A file with this header (its true length) and data must be refused. */
static void bad_header(const char *label, const char *header, const void *data,
                       size_t ndata, const char *want)
{
    char path[600];
    in_dir(path, sizeof path, "bad.safetensors");
    make_file(path, strlen(header), header, data, ndata);
    expect_refused(label, path, want);
}

static size_t tensor_bytes(const nn_st_tensor *t)
{
    size_t n = nn_st_dtype_size(t->dtype);
    for (int d = 0; d < t->ndim; d++)
        n *= (size_t)t->shape[d];
    return n;
}

/* got has want's name, dtype, shape and bytes, and aligned data. */
static void check_tensor_eq(const nn_st_tensor *got, const nn_st_tensor *want)
{
    if (!CHECK(got != NULL, "tensor \"%s\" missing", want->name))
        return;
    CHECK(strcmp(got->name, want->name) == 0, "name \"%s\", want \"%s\"", got->name,
          want->name);
    CHECK(got->dtype == want->dtype && got->ndim == want->ndim,
          "\"%s\": dtype %d ndim %d, want %d %d", want->name, (int)got->dtype, got->ndim,
          (int)want->dtype, want->ndim);
    int same = got->ndim == want->ndim;
    for (int d = 0; same && d < want->ndim; d++)
        same = got->shape[d] == want->shape[d];
    CHECK(same, "\"%s\": shape differs", want->name);
    size_t n = tensor_bytes(want);
    CHECK(got->data != NULL, "\"%s\": data is NULL", want->name);
    CHECK(got->data && (uintptr_t)got->data % nn_st_dtype_size(want->dtype) == 0,
          "\"%s\": data %p not aligned for %s", want->name, got->data,
          nn_st_dtype_name(want->dtype));
    CHECK(n == 0 || (got->data && memcmp(got->data, want->data, n) == 0),
          "\"%s\": bytes differ", want->name);
}

/* ----------------------------------------------------- the JSON parser --- */

static void test_json(void)
{
    char e[256];
    const char *text = " {\"a\": [1, -0, 2.5e1, true, false, null, \"x\\u00e9\"],"
                       " \"b\": {\"c\": -9223372036854775808}} ";
    nn_json *v = nn_json_parse(text, strlen(text), e, sizeof e);
    if (CHECK(v != NULL, "json parse: %s", e)) {
        const nn_json *a = nn_json_get(v, "a");
        CHECK(a && a->type == NN_JSON_ARRAY && a->len == 7, "json: array a");
        if (a && a->len == 7) {
            CHECK(a->items[0].is_int && a->items[0].integer == 1, "json: 1");
            CHECK(a->items[1].is_int && a->items[1].integer == 0, "json: -0");
            CHECK(!a->items[2].is_int && a->items[2].number == 25.0, "json: 2.5e1");
            CHECK(a->items[3].type == NN_JSON_BOOL && a->items[3].boolean, "json: true");
            CHECK(a->items[5].type == NN_JSON_NULL, "json: null");
            CHECK(a->items[6].type == NN_JSON_STRING &&
                      strcmp(a->items[6].str, "x\xc3\xa9") == 0,
                  "json: \\u00e9");
        }
        const nn_json *c = nn_json_get(nn_json_get(v, "b"), "c");
        CHECK(c && c->is_int && c->integer == INT64_MIN, "json: INT64_MIN");
        nn_json_free(v);
    }
    v = nn_json_parse("9223372036854775808", 19, e, sizeof e);
    CHECK(v && !v->is_int && v->number == 0x1p63, "json: 2^63 is not an int64");
    nn_json_free(v);

    /* Exactly NN_JSON_MAX_DEPTH levels parse; one more does not. */
    char deep[64];
    for (int d = NN_JSON_MAX_DEPTH; d <= NN_JSON_MAX_DEPTH + 1; d++) {
        for (int k = 0; k < d; k++) {
            deep[k] = '[';
            deep[2 * d - 1 - k] = ']';
        }
        v = nn_json_parse(deep, (size_t)(2 * d), e, sizeof e);
        CHECK((v != NULL) == (d == NN_JSON_MAX_DEPTH), "json: depth %d: %s", d, e);
        nn_json_free(v);
    }

    /* Escaping (jansson, as every writer does) and parsing back gives the
     * string again. */
    const char *s = "q\"b\\s/\n\t\r\x01\x1f \xc3\xa9\xf0\x9d\x84\x9e end";
    json_t *js = json_string(s);
    char *q = js ? json_dumps(js, JSON_ENCODE_ANY) : NULL;
    size_t n = q ? strlen(q) : 0;
    CHECK(q && n == json_dumpb(js, NULL, 0, JSON_ENCODE_ANY), "json escape length");
    v = q ? nn_json_parse(q, n, e, sizeof e) : NULL;
    CHECK(v && v->type == NN_JSON_STRING && strcmp(v->str, s) == 0, "json escape: %s",
          q ? q : "(null)");
    nn_json_free(v);
    free(q);
    json_decref(js);

    /* A surrogate pair decodes to one 4-byte character. */
    v = nn_json_parse("\"\\ud834\\udd1e\"", 14, e, sizeof e);
    CHECK(v && strcmp(v->str, "\xf0\x9d\x84\x9e") == 0, "json: surrogate pair: %s", e);
    nn_json_free(v);

    static const char *const bad[] = {"",
                                      "[1,]",
                                      "{\"a\":1,}",
                                      "[01]",
                                      "[1.]",
                                      "[-]",
                                      "[1e]",
                                      "'a'",
                                      "[NaN]",
                                      "tru",
                                      "{} {}",
                                      "\"\\x\"",
                                      "[\"\xc0\xaf\"]",
                                      "{1:2}",
                                      "{\"a\" 1}",
                                      "[1 2]",
                                      "\"\\ud800\"",
                                      "\"\\udc00\""};
    for (size_t k = 0; k < NELEM(bad); k++) {
        e[0] = '\0';
        v = nn_json_parse(bad[k], strlen(bad[k]), e, sizeof e);
        CHECK(v == NULL && strncmp(e, "byte ", 5) == 0,
              "json: \"%s\" accepted or no "
              "position: %s",
              bad[k], e);
        nn_json_free(v);
    }
    CHECK(nn_json_utf8_valid("\xe2\x9c\x93", 3) &&
              !nn_json_utf8_valid("\xed\xa0\x80", 3) &&
              !nn_json_utf8_valid("\xf4\x90\x80\x80", 4) &&
              !nn_json_utf8_valid("\xe2\x9c", 2),
          "json: UTF-8 validation");
}

/* What json.c's opening comment measured: jansson (json_loadb with
 * JSON_REJECT_DUPLICATES | JSON_DECODE_ANY) takes 17 levels and a NUL byte
 * after a number, refuses integers outside int64 and 1e400, and words its
 * messages without what was wrong. When one of these fails, jansson changed:
 * measure again and update the comment (or move the reader to jansson). */
static void test_jansson_differs(void)
{
    static const struct {
        const char *text;
        size_t len;
        int json_c_takes, jansson_takes;
    } c[] = {
        {"[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]", 35, 0, 1},
        {"[1\0]", 4, 0, 1},
        {"{\"a\":1\0}", 8, 0, 1},
        {"[true\0]", 7, 0, 1},
        {"[9223372036854775808]", 21, 1, 0},
        {"[-9223372036854775809]", 22, 1, 0},
        {"[1e400]", 7, 1, 0},
    };
    for (size_t k = 0; k < NELEM(c); k++) {
        nn_json *v = nn_json_parse(c[k].text, c[k].len, NULL, 0);
        json_error_t je;
        json_t *j = json_loadb(c[k].text, c[k].len,
                               JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
        CHECK((v != NULL) == c[k].json_c_takes && (j != NULL) == c[k].jansson_takes,
              "case %zu (%.*s): json.c %s, jansson %s", k, (int)c[k].len, c[k].text,
              v ? "takes it" : "refuses", j ? "takes it" : "refuses");
        nn_json_free(v);
        json_decref(j);
    }
    json_error_t je;
    json_t *j = json_loads("[01]", 0, &je);
    CHECK(!j && !strstr(je.text, "leading zero"), "jansson now says: %s", je.text);
    json_decref(j);
}

/* ---------------------------------------------------------- round trip --- */

static float g_f32a[6] = {1.5f, -0.0f, 3.25f, 1e-40f /* subnormal */, 65504.0f, NAN};
static float g_f32s = 3.5f;
static double g_f64[5] = {1.0 / 3.0, -2.5, 1e300, 5e-324, -0.0};
static int32_t g_i32[8] = {INT32_MIN, -1, 0, 1, 2, 3, 1000000, INT32_MAX};
static int64_t g_i64[3] = {INT64_MIN, -1, INT64_MAX};
static uint8_t g_u8[7] = {0, 1, 2, 127, 128, 254, 255};
static double g_f64b[3] = {0.1, 0.2, 0.30000000000000004};
static int32_t g_i32u[1] = {42};
static uint8_t g_u8s = 200;
static int32_t g_i32b[2] = {-5, 5};

/* Every dtype; an odd U8 before an F64 puts the F64 off its alignment. */
static int sample_tensors(nn_st_tensor *t)
{
    static const nn_st_tensor s[] = {
        {"layer.0/weight", NN_ST_F32, 2, {2, 3}, g_f32a},
        {"scalar", NN_ST_F32, 0, {0}, &g_f32s},
        {"f64 \"quoted\" \\ name", NN_ST_F64, 1, {5}, g_f64},
        {"i32", NN_ST_I32, 3, {2, 2, 2}, g_i32},
        {"i64", NN_ST_I64, 1, {3}, g_i64},
        {"u8.odd", NN_ST_U8, 1, {7}, g_u8},
        {"after_odd.f64", NN_ST_F64, 1, {3}, g_f64b},
        {"empty", NN_ST_F32, 2, {0, 3}, NULL},
        {"i64.empty", NN_ST_I64, 1, {0}, NULL},
        {"unicode \xc3\xa9 \xe2\x9c\x93 \xf0\x9d\x84\x9e", NN_ST_I32, 1, {1}, g_i32u},
        {"u8.scalar", NN_ST_U8, 0, {0}, &g_u8s},
        {"i32.after", NN_ST_I32, 1, {2}, g_i32b},
    };
    memcpy(t, s, sizeof s);
    return (int)NELEM(s);
}

static const nn_st_meta g_meta[] = {
    {"note", "he said \"hi\" \\ C:\\path\\"},
    {"unicode", "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9d\x84\x9e"},
    {"control", "tab\there\nnewline \x01 \x1f"},
    {"empty", ""},
    {"key with \"quote\"", "v"},
};

/* The raw file: length a multiple of 8, space padding, valid JSON with the
 * tensors in order and __metadata__ last, data area of the right size. */
static void check_layout_bytes(const char *path, const nn_st_tensor *t, int n)
{
    size_t size = 0;
    unsigned char *b = (unsigned char *)files_read(path, &size);
    if (!CHECK(b && size >= 8, "cannot read back %s", path)) {
        free(b);
        return;
    }
    uint64_t hlen = 0;
    for (int k = 7; k >= 0; k--)
        hlen = hlen << 8 | b[k];
    CHECK(hlen % 8 == 0 && hlen <= size - 8, "header length %llu (file %zu bytes)",
          (unsigned long long)hlen, size);
    if (hlen > size - 8) {
        free(b);
        return;
    }
    size_t end = (size_t)hlen;
    while (end > 0 && b[8 + end - 1] == ' ')
        end--;
    CHECK(end > 0 && b[8 + end - 1] == '}' && hlen - end < 8,
          "header padding: %llu bytes of spaces", (unsigned long long)(hlen - end));
    char e[256];
    nn_json *h = nn_json_parse((const char *)b + 8, (size_t)hlen, e, sizeof e);
    if (CHECK(h && h->type == NN_JSON_OBJECT && h->len == (size_t)n + 1,
              "header JSON: %s", e)) {
        for (int i = 0; i < n; i++)
            CHECK(strcmp(h->keys[i], t[i].name) == 0, "header key %d is \"%s\"", i,
                  h->keys[i]);
        CHECK(strcmp(h->keys[n], "__metadata__") == 0, "__metadata__ is not last");
    }
    nn_json_free(h);
    size_t data = 0;
    for (int i = 0; i < n; i++)
        data += tensor_bytes(&t[i]);
    CHECK(size - 8 - hlen == data, "data area %llu bytes, want %zu",
          (unsigned long long)(size - 8 - hlen), data);
    free(b);
}

static void test_round_trip(void)
{
    char path[600];
    nn_st_tensor t[16];
    int n = sample_tensors(t);
    in_dir(path, sizeof path, "round.safetensors");
    write_ok(path, t, n, g_meta, (int)NELEM(g_meta));
    CHECK_INT(files_temp_count(g_dir), 0);
    check_layout_bytes(path, t, n);
    nn_st_file *f = open_ok(path);
    if (!f)
        return;
    CHECK_INT(nn_st_count(f), n);
    for (int i = 0; i < n && i < nn_st_count(f); i++) {
        check_tensor_eq(nn_st_get(f, i), &t[i]);
        CHECK(nn_st_find(f, t[i].name) == nn_st_get(f, i), "nn_st_find(\"%s\")",
              t[i].name);
    }
    CHECK(nn_st_get(f, -1) == NULL && nn_st_get(f, n) == NULL, "nn_st_get out of range");
    CHECK(nn_st_find(f, "nope") == NULL, "nn_st_find(nope)");
    for (size_t k = 0; k < NELEM(g_meta); k++) {
        const char *v = nn_st_meta_get(f, g_meta[k].key);
        CHECK(v && strcmp(v, g_meta[k].value) == 0, "metadata \"%s\" = \"%s\"",
              g_meta[k].key, v ? v : "(null)");
    }
    CHECK(nn_st_meta_get(f, "nope") == NULL, "nn_st_meta_get(nope)");
    nn_st_close(f);
}

/* The exact header for a small case, and a file with nothing in it. */
static void test_exact_header(void)
{
    char path[600];
    float v[2] = {1, 2};
    nn_st_tensor t = {"a", NN_ST_F32, 1, {2}, v};
    nn_st_meta m = {"k", "v"};
    in_dir(path, sizeof path, "exact.safetensors");
    write_ok(path, &t, 1, &m, 1);
    size_t size = 0;
    unsigned char *b = (unsigned char *)files_read(path, &size);
    const char *want = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                       "\"__metadata__\":{\"k\":\"v\"}}";
    size_t wl = strlen(want), padded = (wl + 7) / 8 * 8;
    CHECK(b && size == 8 + padded + 8 && b[0] == padded && memcmp(b + 8, want, wl) == 0 &&
              memcmp(b + 8 + padded, v, 8) == 0,
          "exact header: %zu bytes", size);
    free(b);

    in_dir(path, sizeof path, "nothing.safetensors");
    write_ok(path, NULL, 0, NULL, 0);
    b = (unsigned char *)files_read(path, &size);
    CHECK(b && size == 16 && b[0] == 8 && memcmp(b + 8, "{}      ", 8) == 0,
          "empty file: %zu bytes", size);
    free(b);
    nn_st_file *f = open_ok(path);
    CHECK(f && nn_st_count(f) == 0 && nn_st_get(f, 0) == NULL, "empty file has tensors");
    nn_st_close(f);
}

/* --------------------------------------------------------- writing ------ */

static void expect_write_refused(const char *label, const char *path,
                                 const nn_st_tensor *t, int n, const nn_st_meta *m,
                                 int nm, const char *want)
{
    nn_err err = {{0}};
    int rc = nn_st_write(path, t, n, m, nm, &err);
    CHECK(rc == -1, "%s: nn_st_write = %d, want -1", label, rc);
    CHECK(strstr(err.msg, path) && strstr(err.msg, want),
          "%s: message lacks %s / \"%s\": %s", label, path, want, err.msg);
    CHECK(access(path, F_OK) != 0, "%s: %s exists after a refused write", label, path);
    CHECK_INT(files_temp_count(g_dir), 0);
}

static void test_write_refused(void)
{
    char path[600], missing[600], dir[600];
    float v[4] = {0};
    nn_st_tensor ok = {"a", NN_ST_F32, 1, {4}, v};
    nn_st_tensor t[2] = {ok, ok};
    in_dir(path, sizeof path, "refused.safetensors");
    expect_write_refused("duplicate", path, t, 2, NULL, 0, "twice");
    t[1].name = "__metadata__";
    expect_write_refused("reserved", path, t, 2, NULL, 0, "reserved");
    t[1] = ok;
    t[1].name = "b";
    t[1].shape[0] = -1;
    expect_write_refused("negative dim", path, t, 2, NULL, 0, "negative");
    t[1].shape[0] = 4;
    t[1].ndim = NN_ST_MAX_DIMS + 1;
    expect_write_refused("ndim", path, t, 2, NULL, 0, "ndim");
    t[1].ndim = 1;
    t[1].dtype = (nn_st_dtype)7;
    expect_write_refused("dtype", path, t, 2, NULL, 0, "dtype");
    t[1].dtype = NN_ST_F32;
    t[1].data = NULL;
    expect_write_refused("NULL data", path, t, 2, NULL, 0, "NULL");
    t[1].data = v;
    t[1].name = "bad \xff utf8";
    expect_write_refused("UTF-8", path, t, 2, NULL, 0, "UTF-8");
    t[1].name = NULL;
    expect_write_refused("NULL name", path, t, 2, NULL, 0, "NULL");
    t[1].name = "b";
    nn_st_meta m[2] = {{"k", "v"}, {"k", "w"}};
    expect_write_refused("duplicate meta", path, t, 2, m, 2, "twice");
    m[1].key = "j";
    m[1].value = NULL;
    expect_write_refused("NULL meta value", path, t, 2, m, 2, "NULL");

    /* A missing directory: creating the temp file fails. */
    snprintf(missing, sizeof missing, "%s/no/such/dir/x.safetensors", g_dir);
    expect_write_refused("missing dir", missing, &ok, 1, NULL, 0, strerror(ENOENT));
    /* A directory in the way: the rename fails and the temp file goes. */
    in_dir(dir, sizeof dir, "adir");
    CHECK(mkdir(dir, 0700) == 0, "mkdir %s", dir);
    nn_err err = {{0}};
    CHECK(nn_st_write(dir, &ok, 1, NULL, 0, &err) == -1 && strstr(err.msg, dir) &&
              strstr(err.msg, "rename"),
          "writing over a directory: %s", err.msg);
    CHECK_INT(files_temp_count(g_dir), 0);
}

/* An existing file is replaced by a new inode (rename), never rewritten in
 * place: a hard link to the old one and an open nn_st_file keep the old
 * contents. */
static void test_replace(void)
{
    char path[600], old[600];
    float a[2] = {1, 2};
    int32_t bv[3] = {7, 8, 9};
    nn_st_tensor ta = {"a", NN_ST_F32, 1, {2}, a}, tb = {"b", NN_ST_I32, 1, {3}, bv};
    in_dir(path, sizeof path, "replace.safetensors");
    in_dir(old, sizeof old, "replace.old");
    write_ok(path, &ta, 1, NULL, 0);
    struct stat s1, s2;
    CHECK(stat(path, &s1) == 0 && link(path, old) == 0, "stat/link %s", path);
    nn_st_file *fa = open_ok(path);
    write_ok(path, &tb, 1, NULL, 0);
    CHECK(stat(path, &s2) == 0 && s2.st_ino != s1.st_ino,
          "replaced in place (same inode)");
    nn_st_file *fb = open_ok(path), *fo = open_ok(old);
    CHECK(fb && nn_st_count(fb) == 1 && nn_st_find(fb, "a") == NULL,
          "new file has \"a\"");
    if (fb)
        check_tensor_eq(nn_st_find(fb, "b"), &tb);
    if (fo)
        check_tensor_eq(nn_st_find(fo, "a"), &ta);
    if (fa)
        check_tensor_eq(nn_st_find(fa, "a"), &ta);
    nn_st_close(fa);
    nn_st_close(fb);
    nn_st_close(fo);
    CHECK_INT(files_temp_count(g_dir), 0);
}

/* ------------------------------------------------------ malformed files --- */

#define T_OK "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}"

static void test_short_and_lengths(void)
{
    char path[600];
    in_dir(path, sizeof path, "short.safetensors");
    CHECK(files_write(path, "", 0) == 0, "write");
    expect_refused("empty file", path, "too short");
    CHECK(files_write(path, "\x02\0\0\0\0\0\0", 7) == 0, "write");
    expect_refused("7 bytes", path, "too short");
    make_file(path, 1000, "{}", NULL, 0);
    expect_refused("header length > file", path, "exceeds");
    make_file(path, 1ull << 63, "{}", NULL, 0);
    expect_refused("header length 2^63", path, "exceeds");
    make_file(path, UINT64_MAX, "{}", NULL, 0);
    expect_refused("header length 2^64-1", path, "exceeds");
    make_file(path, 0, "", NULL, 0);
    expect_refused("header length 0", path, "invalid JSON");
    in_dir(path, sizeof path, "does-not-exist.safetensors");
    expect_refused("missing file", path, "cannot open");
    in_dir(path, sizeof path, "adir");
    expect_refused("a directory", path, "not a regular file");
}

static void test_bad_json(void)
{
    static const struct {
        const char *label, *header, *want;
    } c[] = {
        {"truncated", "{\"a\":{\"dtype\":\"F32\"", "truncated"},
        {"trailing comma", "{\"a\":" T_OK ",}", "trailing comma"},
        {"trailing comma in array",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,],\"data_offsets\":[0,4]}}",
         "trailing comma"},
        {"unterminated string", "{\"a", "unterminated string"},
        {"unterminated at escape", "{\"a\\", "unterminated string"},
        {"bad escape", "{\"a\\q\":" T_OK "}", "bad escape"},
        {"bad \\u", "{\"a\\u12G4\":" T_OK "}", "\\u escape"},
        {"unpaired surrogate", "{\"a\\ud800\":" T_OK "}", "surrogate"},
        {"\\u0000", "{\"a\\u0000\":" T_OK "}", "NUL"},
        {"control character", "{\"a\tb\":" T_OK "}", "control character"},
        {"invalid UTF-8", "{\"a\xff\":" T_OK "}", "UTF-8"},
        {"overlong UTF-8", "{\"a\xc0\xaf\":" T_OK "}", "UTF-8"},
        {"leading zero",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[01],\"data_offsets\":[0,4]}}",
         "leading zero"},
        {"trailing garbage", "{\"a\":" T_OK "} x", "trailing characters"},
        {"two objects", "{}{}", "trailing characters"},
        {"single quotes", "{'a':1}", "unexpected"},
        {"comment", "{/* c */}", "unexpected"},
        {"NaN", "{\"a\":NaN}", "unexpected"},
        {"missing colon", "{\"a\" " T_OK "}", "':'"},
        {"too deep", "{\"a\":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}", "nested deeper"},
        {"duplicate name", "{\"a\":" T_OK ",\"a\":" T_OK "}", "duplicate key"},
        {"top level array", "[1, 2]", "not an object"},
        {"top level string", "\"x\"", "not an object"},
    };
    float v[2] = {0};
    for (size_t k = 0; k < NELEM(c); k++)
        bad_header(c[k].label, c[k].header, v, 4, c[k].want);
}

static void test_bad_entries(void)
{
    static const struct {
        const char *label, *header;
        size_t ndata;
        const char *want;
    } c[] = {
        {"unknown dtype",
         "{\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4,
         "unsupported dtype \"BF16\""},
        {"dtype not a string",
         "{\"a\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
         "dtype is a JSON number"},
        {"offsets out of bounds",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
         "\"data_offsets\":[0,8]}}",
         4, "past the end"},
        {"offsets reversed",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", 4,
         "end before"},
        {"offsets negative",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 4,
         "data_offsets"},
        {"offsets float",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4.0]}}", 4,
         "data_offsets"},
        {"offsets of three",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
         "\"data_offsets\":[0,4,4]}}",
         4, "data_offsets"},
        {"overlap",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
         "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
         12, "overlap"},
        {"empty tensor inside another",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
         "\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}",
         8, "overlap"},
        {"gap",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
         "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
         12, "gap"},
        {"not starting at 0",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
         "\"data_offsets\":[4,8]}}",
         8, "gap"},
        {"bytes after the last tensor", "{\"a\":" T_OK "}", 8, "cover"},
        {"shape product mismatch",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[0,24]}}", 24,
         "needs 32"},
        {"negative shape",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4,
         "shape[0]"},
        {"fractional shape",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],"
         "\"data_offsets\":[0,4]}}",
         4, "shape[0]"},
        {"shape overflow",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],"
         "\"data_offsets\":[0,0]}}",
         0, "overflows"},
        {"nine dims",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],"
         "\"data_offsets\":[0,4]}}",
         4, "dimensions"},
        {"shape not an array",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":1,\"data_offsets\":[0,4]}}", 4,
         "shape is a JSON number"},
        {"missing field", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4,
         "\"shape\" is missing"},
        {"unknown field",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],"
         "\"x\":1}}",
         4, "unknown field \"x\""},
        {"entry not an object", "{\"a\":5}", 0, "not an object"},
        {"non-string metadata", "{\"__metadata__\":{\"k\":5},\"a\":" T_OK "}", 4,
         "not a string"},
        {"metadata not an object", "{\"__metadata__\":[],\"a\":" T_OK "}", 4,
         "__metadata__ is a JSON array"},
        {"truncated data",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8,
         "truncated"},
    };
    static const unsigned char data[64] = {0};
    for (size_t k = 0; k < NELEM(c); k++)
        bad_header(c[k].label, c[k].header, data, c[k].ndata, c[k].want);
}

/* What other writers may do and the reader must take: whitespace, \u escapes
 * in names, metadata first, no padding (data misaligned). */
static void test_foreign_valid(void)
{
    char path[600];
    const char *h = " {\n  \"__metadata__\" : { \"k\" : \"\\u00e9\" } ,\n"
                    "  \"\\u00e9\\ud834\\udd1e\" : {\"shape\": [2], \"dtype\": \"F64\","
                    " \"data_offsets\": [0, 16]}\t}\r\n";
    double v[2] = {0.5, -4.0};
    in_dir(path, sizeof path, "foreign.safetensors");
    CHECK((8 + strlen(h)) % 8 != 0, "test header happens to be aligned");
    make_file(path, strlen(h), h, v, sizeof v);
    nn_st_file *f = open_ok(path);
    if (!f)
        return;
    nn_st_tensor want = {"\xc3\xa9\xf0\x9d\x84\x9e", NN_ST_F64, 1, {2}, v};
    check_tensor_eq(nn_st_find(f, want.name), &want);
    const char *m = nn_st_meta_get(f, "k");
    CHECK(m && strcmp(m, "\xc3\xa9") == 0, "metadata \\u00e9");
    nn_st_close(f);
}

/* --------------------------------------------------------------- fuzz --- */

/* Reads every byte of every tensor and metadata value (ASan checks them). */
static unsigned touch_all(const nn_st_file *f)
{
    unsigned sum = 0;
    for (int i = 0; i < nn_st_count(f); i++) {
        const nn_st_tensor *t = nn_st_get(f, i);
        const unsigned char *p = t->data;
        for (size_t k = 0, n = tensor_bytes(t); k < n; k++)
            sum += p[k];
        sum += (unsigned)strlen(t->name);
    }
    const char *m = nn_st_meta_get(f, "note");
    return sum + (m ? (unsigned)strlen(m) : 0);
}

/* One random change: flip bits, plant a JSON character, or truncate. Half
 * of the positions fall in the header, where the parsing is. */
static size_t mutate(unsigned char *b, size_t n, size_t hdr_end, rng *r)
{
    static const char special[] = "{}[]\":,\\-0123456789.eEu \xff\x80";
    size_t pos = (rng_next(r) & 1) ? rng_next(r) % hdr_end : rng_next(r) % n;
    switch (rng_next(r) % 4) {
    case 0: b[pos] ^= (unsigned char)(1 + rng_next(r) % 255); break;
    case 1: b[pos] = (unsigned char)special[rng_next(r) % (sizeof special - 1)]; break;
    case 2: return pos;
    default:
        for (int k = 0; k < 3; k++)
            b[rng_next(r) % hdr_end] ^= (unsigned char)(1u << (rng_next(r) % 8));
    }
    return n;
}

static void test_fuzz(void)
{
    char src[600], path[600];
    nn_st_tensor t[16];
    int n = sample_tensors(t);
    in_dir(src, sizeof src, "fuzz_src.safetensors");
    in_dir(path, sizeof path, "fuzz.safetensors");
    write_ok(src, t, n, g_meta, (int)NELEM(g_meta));
    size_t size = 0;
    unsigned char *orig = (unsigned char *)files_read(src, &size),
                  *b = malloc(size ? size : 1);
    if (!CHECK(orig && b && size > 8, "fuzz: cannot read %s", src)) {
        free(orig);
        free(b);
        return;
    }
    size_t hdr_end = 8 + (size_t)(orig[0] | orig[1] << 8 | orig[2] << 16);
    rng r = {20240601};
    int opened = 0, refused = 0, unnamed = 0;
    unsigned sink = 0;
    for (int it = 0; it < 2000; it++) {
        memcpy(b, orig, size);
        size_t len = mutate(b, size, hdr_end, &r);
        files_write(path, b, len);
        nn_st_file *f = NULL;
        nn_err err = {{0}};
        if (nn_st_open(&f, path, &err) == 0) {
            sink += touch_all(f);
            nn_st_close(f);
            opened++;
        } else {
            refused++;
            if (!strstr(err.msg, path) && unnamed++ < 5)
                printf("fuzz %d: message does not name the file: %s\n", it, err.msg);
        }
    }
    CHECK(unnamed == 0, "fuzz: %d refusals without the file's name", unnamed);
    CHECK(opened > 0 && refused > 0, "fuzz: %d opened, %d refused (sum %u)", opened,
          refused, sink);
    free(orig);
    free(b);
}

/* ------------------------------------------------------------- python --- */

static const char py_check_c[] =
    "import json, struct, sys\n"
    "import numpy as np\n"
    "b = open(sys.argv[1], 'rb').read()\n"
    "n = struct.unpack('<Q', b[:8])[0]\n"
    "assert n % 8 == 0, 'header length %d' % n\n"
    "hdr = json.loads(b[8:8 + n].decode('utf-8'))\n"
    "data = b[8 + n:]\n"
    "meta = hdr.pop('__metadata__')\n"
    "assert meta == {'epoch': '3', 'note': 'q\"b\\\\ \\u00e9'}, meta\n"
    "want = {\n"
    "  'w': ('F32', [2, 3], np.arange(6, dtype='<f4') * np.float32(0.25) - "
    "np.float32(1)),\n"
    "  'b': ('F64', [3], [1 / 3, -2.5, 1e300]),\n"
    "  'idx': ('I32', [4], [-1, 0, 7, 2**31 - 1]),\n"
    "  'big': ('I64', [2], [-2**63, 123456789012345]),\n"
    "  'mask': ('U8', [5], [0, 1, 2, 254, 255]),\n"
    "  's': ('F32', [], 3.5),\n"
    "  'e': ('F32', [0], []),\n"
    "  '\\u00fcn\\u00ef': ('I32', [1], [42]),\n"
    "}\n"
    "assert list(hdr) == list(want), list(hdr)\n"
    "dt = {'F32': '<f4', 'F64': '<f8', 'I32': '<i4', 'I64': '<i8', 'U8': 'u1'}\n"
    "end = 0\n"
    "for name, (d, shape, vals) in want.items():\n"
    "    e = hdr[name]\n"
    "    assert e['dtype'] == d and e['shape'] == shape, (name, e)\n"
    "    b0, b1 = e['data_offsets']\n"
    "    assert b0 == end, (name, b0, end)\n"
    "    a = np.frombuffer(data[b0:b1], dtype=dt[d]).reshape(shape)\n"
    "    w = np.asarray(vals, dtype=dt[d]).reshape(shape)\n"
    "    assert a.tobytes() == w.tobytes(), (name, a, w)\n"
    "    end = b1\n"
    "assert end == len(data), (end, len(data))\n";

static const char py_write[] =
    "import json, struct, sys\n"
    "import numpy as np\n"
    "ts = [('u', 'U8', np.array([1, 2, 3], dtype='u1')),\n"
    "      ('d', 'F64', np.array([[0.5, -1.25], [1e-300, 3.0]], dtype='<f8')),\n"
    "      ('i', 'I64', np.array([-2**63, 0, 2**63 - 1], dtype='<i8')),\n"
    "      ('f', 'F32', np.array([1.5, -2.0], dtype='<f4')),\n"
    "      ('\\u03bb/\\U0001d11e', 'I32', np.array([7], dtype='<i4')),\n"
    "      ('s', 'F64', np.array(2.25, dtype='<f8'))]\n"
    "hdr = {'__metadata__': {'from': 'python', 'q': 'a\"b\\\\c\\u00e9'}}\n"
    "data = b''\n"
    "for name, d, a in ts:\n"
    "    hdr[name] = {'dtype': d, 'shape': list(a.shape),\n"
    "                 'data_offsets': [len(data), len(data) + a.nbytes]}\n"
    "    data += a.tobytes()\n"
    "h = json.dumps(hdr).encode()\n"
    "if len(h) % 8 == 0:\n"
    "    h += b' '\n"
    "open(sys.argv[1], 'wb').write(struct.pack('<Q', len(h)) + h + data)\n";

/* Runs python3 on a script (written to the directory) with one argument. */
static int run_python(const char *script, const char *name, const char *arg)
{
    char spath[600], cmd[2000];
    in_dir(spath, sizeof spath, name);
    FILE *f = fopen(spath, "w");
    if (!f)
        return -1;
    fputs(script, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s'", spath, arg);
    return system(cmd);
}

static void python_reads_c(void)
{
    char path[600];
    float w[6];
    for (int i = 0; i < 6; i++)
        w[i] = (float)i * 0.25f - 1.0f;
    double bv[3] = {1.0 / 3.0, -2.5, 1e300};
    int32_t idx[4] = {-1, 0, 7, INT32_MAX}, u[1] = {42};
    int64_t big[2] = {INT64_MIN, 123456789012345};
    uint8_t mask[5] = {0, 1, 2, 254, 255};
    float s = 3.5f;
    nn_st_tensor t[] = {
        {"w", NN_ST_F32, 2, {2, 3}, w},   {"b", NN_ST_F64, 1, {3}, bv},
        {"idx", NN_ST_I32, 1, {4}, idx},  {"big", NN_ST_I64, 1, {2}, big},
        {"mask", NN_ST_U8, 1, {5}, mask}, {"s", NN_ST_F32, 0, {0}, &s},
        {"e", NN_ST_F32, 1, {0}, NULL},   {"\xc3\xbcn\xc3\xaf", NN_ST_I32, 1, {1}, u}};
    nn_st_meta m[] = {{"epoch", "3"}, {"note", "q\"b\\ \xc3\xa9"}};
    in_dir(path, sizeof path, "from_c.safetensors");
    write_ok(path, t, (int)NELEM(t), m, (int)NELEM(m));
    CHECK(run_python(py_check_c, "check_c.py", path) == 0,
          "python could not read the C file back correctly");
}

static void c_reads_python(void)
{
    char path[600];
    in_dir(path, sizeof path, "from_py.safetensors");
    if (!CHECK(run_python(py_write, "write.py", path) == 0, "python could not write"))
        return;
    nn_st_file *f = open_ok(path);
    if (!f)
        return;
    uint8_t u[3] = {1, 2, 3};
    double d[4] = {0.5, -1.25, 1e-300, 3.0}, s = 2.25;
    int64_t i[3] = {INT64_MIN, 0, INT64_MAX};
    float fl[2] = {1.5f, -2.0f};
    int32_t l[1] = {7};
    nn_st_tensor want[] = {{"u", NN_ST_U8, 1, {3}, u},
                           {"d", NN_ST_F64, 2, {2, 2}, d},
                           {"i", NN_ST_I64, 1, {3}, i},
                           {"f", NN_ST_F32, 1, {2}, fl},
                           {"\xce\xbb/\xf0\x9d\x84\x9e", NN_ST_I32, 1, {1}, l},
                           {"s", NN_ST_F64, 0, {0}, &s}};
    CHECK_INT(nn_st_count(f), (int)NELEM(want));
    for (int k = 0; k < (int)NELEM(want) && k < nn_st_count(f); k++)
        check_tensor_eq(nn_st_get(f, k), &want[k]);
    const char *from = nn_st_meta_get(f, "from"), *q = nn_st_meta_get(f, "q");
    CHECK(from && strcmp(from, "python") == 0, "metadata from");
    CHECK(q && strcmp(q, "a\"b\\c\xc3\xa9") == 0, "metadata q = %s", q ? q : "(null)");
    nn_st_close(f);
}

static void test_python(void)
{
    if (access("/usr/bin/python3", X_OK) != 0 ||
        system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
        SKIP("/usr/bin/python3 with numpy not found: no cross-check with Python");
        return;
    }
    python_reads_c();
    c_reads_python();
}

/* --------------------------------------------------------------- main --- */

int main(void)
{
    TEST_BEGIN("nn_safetensors");
    if (files_tmpdir_make(g_dir, sizeof g_dir, "golu_st_"))
        return TEST_END();
    CHECK(nn_st_dtype_size(NN_ST_F64) == 8 && nn_st_dtype_size(NN_ST_U8) == 1 &&
              strcmp(nn_st_dtype_name(NN_ST_I64), "I64") == 0,
          "dtype size/name");
    test_json();
    test_jansson_differs();
    test_round_trip();
    test_exact_header();
    test_write_refused();
    test_replace();
    test_short_and_lengths();
    test_bad_json();
    test_bad_entries();
    test_foreign_valid();
    test_fuzz();
    test_python();
    files_tree_remove(g_dir);
    return TEST_END();
}
