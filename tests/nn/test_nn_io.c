/*
 * test_nn_io.c - the output layer (src/nn/io): the atomic file writer
 * (contents after a commit; the old contents after an abort, a failed write
 * and a failed rename; no temporary file left; a missing directory named),
 * the checked double formats, the JSON writer (every double reads back as
 * itself, NaN and inf as null, escaping, bad UTF-8), and the table writer's
 * three formats against text written out by hand, CSV quoting, JSON read
 * back with jansson, and its sticky errors. Everything happens in a fresh
 * mkdtemp directory, removed at the end.
 */
#include <errno.h>
#include <float.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "io/json_write.h"
#include "io/outfile.h"
#include "io/realfmt.h"
#include "io/table.h"
#include "rng.h"
#include "util.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static char g_dir[512];

/* ------------------------------------------------------------ helpers --- */

static const char *in_dir(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", g_dir, name);
    return buf;
}

static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    CHECK(f && fputs(text, f) >= 0 && fclose(f) == 0, "cannot write %s", path);
}

/* path holds exactly want. */
static void check_file(const char *label, const char *path, const char *want)
{
    char *got = files_read(path, NULL);
    CHECK(got && strcmp(got, want) == 0, "%s: %s holds \"%s\", want \"%s\"", label, path,
          got ? got : "(missing)", want);
    free(got);
}

/* err.msg holds every one of the NULL-terminated words. */
static void check_msg(const char *label, const nn_err *err, const char *w1,
                      const char *w2, const char *w3)
{
    const char *w[3] = {w1, w2, w3};
    for (int k = 0; k < 3; k++)
        CHECK(!w[k] || strstr(err->msg, w[k]), "%s: message lacks \"%s\": %s", label,
              w[k], err->msg);
}

/* ------------------------------------------------------ atomic writer --- */

static void test_outfile_commit_abort(void)
{
    char path[600];
    nn_outfile o;
    nn_err err = {{0}};
    in_dir(path, sizeof path, "a.txt");
    CHECK(nn_outfile_open(&o, path, &err) == 0 && o.f, "open: %s", err.msg);
    CHECK(access(path, F_OK) != 0, "the file exists before the commit");
    CHECK_INT(files_temp_count(g_dir), 1);
    fputs("first\n", o.f);
    CHECK(nn_outfile_commit(&o, &err) == 0 && o.f == NULL, "commit: %s", err.msg);
    check_file("commit", path, "first\n");
    CHECK_INT(files_temp_count(g_dir), 0);
    nn_outfile_abort(&o); /* after a commit: does nothing */
    check_file("abort after commit", path, "first\n");

    CHECK(nn_outfile_open(&o, path, &err) == 0, "open: %s", err.msg);
    fputs("second, abandoned\n", o.f);
    nn_outfile_abort(&o);
    check_file("abort", path, "first\n");
    CHECK_INT(files_temp_count(g_dir), 0);

    /* A bare file name: the directory to sync is ".". */
    char cwd[PATH_MAX];
    CHECK(getcwd(cwd, sizeof cwd) && chdir(g_dir) == 0, "chdir %s", g_dir);
    CHECK(nn_outfile_open(&o, "bare.txt", &err) == 0, "open bare: %s", err.msg);
    fputs("bare\n", o.f);
    CHECK(nn_outfile_commit(&o, &err) == 0, "commit bare: %s", err.msg);
    CHECK(chdir(cwd) == 0, "chdir back");
    check_file("bare name", in_dir(path, sizeof path, "bare.txt"), "bare\n");
}

/* A write that fails for real: the file size limit (RLIMIT_FSIZE, SIGXFSZ
 * ignored) makes write(2) return EFBIG, as a full disk returns ENOSPC. */
static void test_outfile_write_fails(void)
{
    char path[600];
    nn_outfile o;
    nn_err err = {{0}};
    in_dir(path, sizeof path, "big.txt");
    put_file(path, "old\n");
    struct rlimit old_lim, lim;
    if (getrlimit(RLIMIT_FSIZE, &old_lim) != 0) {
        SKIP("getrlimit(RLIMIT_FSIZE) failed: no real write failure");
        return;
    }
    void (*old_sig)(int) = signal(SIGXFSZ, SIG_IGN);
    CHECK(nn_outfile_open(&o, path, &err) == 0, "open: %s", err.msg);
    lim = old_lim;
    lim.rlim_cur = 1000;
    int limited = setrlimit(RLIMIT_FSIZE, &lim) == 0;
    for (int i = 0; i < 1000; i++)
        fputs("0123456789", o.f);
    int rc = nn_outfile_commit(&o, &err);
    setrlimit(RLIMIT_FSIZE, &old_lim);
    signal(SIGXFSZ, old_sig);
    CHECK(limited, "setrlimit failed");
    CHECK(rc == -1, "commit of a file over the size limit succeeded");
    check_msg("EFBIG", &err, path, strerror(EFBIG), "write of");
    check_file("failed write", path, "old\n");
    CHECK_INT(files_temp_count(g_dir), 0);

    /* A stream whose error flag is set (reading a write-only stream): the
     * lost errno reads as EIO. */
    CHECK(nn_outfile_open(&o, path, &err) == 0, "open: %s", err.msg);
    fputs("new\n", o.f);
    (void)fgetc(o.f);
    CHECK(nn_outfile_commit(&o, &err) == -1, "commit of a stream in error succeeded");
    check_msg("ferror", &err, path, strerror(EIO), "write of");
    check_file("stream error", path, "old\n");
    CHECK_INT(files_temp_count(g_dir), 0);
}

static void test_outfile_refused(void)
{
    char path[700], dir[600], want[700];
    nn_outfile o;
    nn_err err = {{0}};
    /* A missing directory: named, nothing created. */
    snprintf(dir, sizeof dir, "%s/no/such", g_dir);
    snprintf(path, sizeof path, "%s/x.txt", dir);
    CHECK(nn_outfile_open(&o, path, &err) == -1 && o.f == NULL, "open in a missing dir");
    snprintf(want, sizeof want, "the directory %s does not exist", dir);
    check_msg("missing dir", &err, path, strerror(ENOENT), want);
    nn_outfile_abort(&o); /* after a failed open: does nothing */
    CHECK_INT(files_temp_count(g_dir), 0);

    /* A directory in the way: the rename fails, the temp file goes. */
    in_dir(path, sizeof path, "adir");
    CHECK(mkdir(path, 0700) == 0, "mkdir %s", path);
    CHECK(nn_outfile_open(&o, path, &err) == 0, "open: %s", err.msg);
    fputs("x", o.f);
    CHECK(nn_outfile_commit(&o, &err) == -1, "renaming over a directory succeeded");
    check_msg("rename", &err, path, "rename of", strerror(EISDIR));
    struct stat st;
    CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode), "the directory is gone");
    CHECK_INT(files_temp_count(g_dir), 0);

    /* Paths: NULL, empty, too long. */
    CHECK(nn_outfile_open(&o, NULL, &err) == -1, "NULL path");
    CHECK(nn_outfile_open(&o, "", &err) == -1 && strstr(err.msg, "empty"), "empty: %s",
          err.msg);
    char *long_path = malloc(PATH_MAX + 10);
    memset(long_path, 'a', PATH_MAX + 9);
    long_path[PATH_MAX + 9] = '\0';
    CHECK(nn_outfile_open(&o, long_path, &err) == -1 && strstr(err.msg, "too long"),
          "long path: %s", err.msg);
    free(long_path);
}

/* ---------------------------------------------------------- realfmt --- */

static void test_realfmt(void)
{
    static const char *const good[] = {"%g",      "%.17g", "%.4f", "%10.3e", "%-+ #0f",
                                       "%99.99f", "%a",    "%E",   "%.G",    "%F"};
    static const char *const bad[] = {"",    "%",    "%d",    "%s",     "x%f", "%f ",
                                      "%%",  "%lf",  "%100f", "%.100f", "%*f", "%.*f",
                                      "%ff", "%f%f", "%n",    "%Lf",    "f",   NULL};
    for (size_t k = 0; k < NELEM(good); k++)
        CHECK(nn_realfmt_valid(good[k]), "\"%s\" refused", good[k]);
    for (size_t k = 0; k < NELEM(bad); k++)
        CHECK(!nn_realfmt_valid(bad[k]), "\"%s\" accepted", bad[k] ? bad[k] : "(null)");

    char buf[NN_REALFMT_MAX];
    CHECK(nn_realfmt_print(buf, "%.4f", 0.123456) == 6 && strcmp(buf, "0.1235") == 0,
          "%%.4f: %s", buf);
    CHECK(nn_realfmt_print(buf, "%8.2e", -1234.5) == 9 && strcmp(buf, "-1.23e+03") == 0,
          "%%8.2e: %s", buf);
    CHECK(nn_realfmt_print(buf, "%g", NAN) == 3 && strcmp(buf, "nan") == 0, "NaN: %s",
          buf);
    CHECK(nn_realfmt_print(buf, "%.1f", -INFINITY) == 4 && strcmp(buf, "-inf") == 0,
          "-inf: %s", buf);
    CHECK(nn_realfmt_print(buf, "%s", 1.0) == -1 && buf[0] == '\0', "%%s printed: %s",
          buf);
    /* The longest text: -DBL_MAX with 99 decimals. */
    int n = nn_realfmt_print(buf, "%99.99f", -DBL_MAX);
    CHECK(n == 410 && buf[0] == '-' && strlen(buf) == 410, "-DBL_MAX: %d bytes", n);
}

/* -------------------------------------------------------- JSON writer --- */

/* Writes v to path, reads it back with jansson; NULL on failure. */
static json_t *json_round_trip(const char *path, const json_t *v, size_t flags)
{
    nn_err err = {{0}};
    if (!CHECK(nn_json_write_file(path, v, flags, &err) == 0, "write %s: %s", path,
               err.msg))
        return NULL;
    json_error_t je;
    json_t *back = json_load_file(path, JSON_DECODE_ANY, &je);
    CHECK(back != NULL, "%s does not read back: %s", path, je.text);
    return back;
}

/* Random doubles of every exponent (bit patterns), the awkward ones, and
 * the non-finite ones (null): each reads back with the same bits, even with
 * a low precision asked for. */
static void test_json_reals(void)
{
    static const double special[] = {0.1,      -0.0,     5e-324,   DBL_MIN,     DBL_MAX,
                                     -DBL_MAX, 1.0 / 3,  1e21,     123456789.0, 0.5,
                                     NAN,      INFINITY, -INFINITY};
    enum { NRAND = 2000 };
    double v[NELEM(special) + NRAND];
    size_t n = 0;
    for (size_t k = 0; k < NELEM(special); k++)
        v[n++] = special[k];
    for (uint64_t i = 0; n < NELEM(v); i++) {
        uint64_t bits = nn_rng_u64(7, 1, i);
        double d;
        memcpy(&d, &bits, sizeof d);
        if (isfinite(d))
            v[n++] = d;
    }
    json_t *arr = json_array();
    for (size_t k = 0; k < n; k++)
        json_array_append_new(arr, nn_json_real(v[k]));
    char path[600];
    in_dir(path, sizeof path, "reals.json");
    json_t *back = json_round_trip(path, arr, JSON_COMPACT | JSON_REAL_PRECISION(3));
    size_t bad = 0;
    for (size_t k = 0; back && k < n; k++) {
        json_t *b = json_array_get(back, k);
        int ok;
        if (!isfinite(v[k]))
            ok = json_is_null(b);
        else if (v[k] == 0 && signbit(v[k]))
            ok = json_is_integer(b) && json_integer_value(b) == 0; /* "-0" */
        else if (v[k] == floor(v[k]) && fabs(v[k]) < 1e17)
            ok = json_is_integer(b) && (double)json_integer_value(b) == v[k];
        else {
            double d = json_is_real(b) ? json_real_value(b) : NAN;
            ok = memcmp(&d, &v[k], sizeof d) == 0;
        }
        if (!ok && bad++ < 5)
            CHECK(0, "real %zu: %.17g does not read back", k, v[k]);
    }
    CHECK(back && bad == 0, "%zu of %zu reals differ", bad, n);
    json_decref(back);
    json_decref(arr);
    CHECK_INT(files_temp_count(g_dir), 0);

    /* Integral values below 1e17 are integers, as "%.17g" prints them. */
    static const struct {
        const char *fmt;
        double v;
        const char *want;
    } as_text[] = {{"%.17g", 123456789.0, "123456789"},
                   {"%.17g", -0.0, "0"},
                   {"%.17g", 0.5, "0.5"},
                   {"%.17g", 1e17, "1e17"},
                   {"%.17g", 99999999999999984.0, "99999999999999984"},
                   {"%.10g", 2.0, "2"},
                   {"%.4f", 2.0, "2.0"},
                   {"%.3e", -0.0, "-0.0"},
                   {"%.0f", 1e300, "1.0000000000000001e300"},
                   {"%.10g", 0.1 + 0.2, "0.29999999999999999"},
                   {"%.3e", DBL_MAX, "null"}};
    for (size_t k = 0; k < NELEM(as_text); k++) {
        json_t *j = nn_json_real_fmt(as_text[k].fmt, as_text[k].v);
        char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
        CHECK(t && strcmp(t, as_text[k].want) == 0, "%s of %.17g: %s, want %s",
              as_text[k].fmt, as_text[k].v, t ? t : "(null)", as_text[k].want);
        free(t);
        json_decref(j);
    }

    /* A short format keeps the value its text stands for. */
    json_t *r = nn_json_real_fmt("%.4f", 0.123456);
    CHECK(r && json_is_real(r) && json_real_value(r) == strtod("0.1235", NULL),
          "%%.4f: %.17g", r ? json_real_value(r) : 0);
    json_decref(r);
    r = nn_json_real_fmt("%.4f", NAN);
    CHECK(r && json_is_null(r), "%%.4f of NaN is not null");
    json_decref(r);
    CHECK(nn_json_real_fmt("%d", 1.0) == NULL, "%%d accepted");
}

/* Escaping: the exact text of a string literal, and a document with every
 * awkward character read back equal. */
static void test_json_text(void)
{
    const char *s = "q\"b\\s/\n\t\r\b\f\x01\x1f\x7f \xc3\xa9\xf0\x9d\x84\x9e end";
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    CHECK(m && nn_json_string_write(m, s) == 0, "nn_json_string_write");
    if (m)
        fclose(m);
    const char *want =
        "\"q\\\"b\\\\s/\\n\\t\\r\\b\\f\\u0001\\u001F\x7f \xc3\xa9\xf0\x9d\x84"
        "\x9e end\"";
    CHECK(buf && strcmp(buf, want) == 0, "string literal: %s", buf ? buf : "(null)");
    free(buf);

    /* Bytes that are not UTF-8 become U+FFFD; NULL becomes null. */
    json_t *t = nn_json_text("a\xff"
                             "b\xc3");
    CHECK(t && strcmp(json_string_value(t), "a\xef\xbf\xbd"
                                            "b\xef\xbf\xbd") == 0,
          "bad UTF-8 not replaced");
    json_decref(t);
    t = nn_json_text(NULL);
    CHECK(t && json_is_null(t), "NULL text is not null");
    json_decref(t);

    json_t *doc = json_pack("{s:s, s:[s, s], s:{s:I}}", "name", s, "list", "\xe2\x9c\x93",
                            "", "nested", "k\"ey", (json_int_t)LLONG_MIN);
    char path[600];
    in_dir(path, sizeof path, "text.json");
    json_t *back = json_round_trip(path, doc, JSON_INDENT(2) | JSON_SORT_KEYS);
    CHECK(back && json_equal(doc, back), "document does not read back equal");
    char *text = files_read(path, NULL);
    CHECK(text && text[0] == '{' && text[strlen(text) - 1] == '\n', "file: %s",
          text ? text : "(null)");
    free(text);
    json_decref(back);
    json_decref(doc);

    nn_err err = {{0}};
    char missing[700];
    snprintf(missing, sizeof missing, "%s/none/x.json", g_dir);
    json_t *one = json_integer(1);
    CHECK(nn_json_write_file(missing, one, 0, &err) == -1 && strstr(err.msg, missing),
          "write into a missing directory: %s", err.msg);
    json_decref(one);
}

/* -------------------------------------------------------------- tables --- */

/* The table of the format tests: every kind, nulls, NaN and inf, text that
 * needs quoting in CSV and escaping in Markdown and JSON. */
static nn_table *sample_table(void)
{
    nn_table *t = nn_table_create();
    int act = nn_table_col_add(t, "act", NN_TABLE_STR, NULL);
    int n = nn_table_col_add(t, "n", NN_TABLE_INT, NULL);
    int acc = nn_table_col_add(t, "test_acc", NN_TABLE_REAL, "%.4f");
    int raw = nn_table_col_add(t, "raw, exact", NN_TABLE_REAL, NULL);
    CHECK(act == 0 && n == 1 && acc == 2 && raw == 3, "column indices %d %d %d %d", act,
          n, acc, raw);
    CHECK(nn_table_row_add(t) == 0, "row 0");
    nn_table_str_set(t, act, "golu");
    nn_table_int_set(t, n, 3);
    nn_table_real_set(t, acc, 0.85514);
    nn_table_real_set(t, raw, 0.1);
    nn_table_row_add(t);
    nn_table_str_set(t, act, "say \"hi\", | then\nbye \xc3\xa9");
    nn_table_int_set(t, n, -9223372036854775807LL - 1);
    nn_table_real_set(t, acc, NAN);
    nn_table_real_set(t, raw, -INFINITY);
    nn_table_row_add(t); /* nulls, but one */
    nn_table_real_set(t, raw, -1.5e-300);
    return t;
}

/* The table written to a memory stream. */
static char *table_text(const nn_table *t, nn_table_format fmt)
{
    char *buf = NULL;
    size_t len = 0;
    nn_err err = {{0}};
    FILE *m = open_memstream(&buf, &len);
    int rc = m ? nn_table_write(t, fmt, m, "memory", &err) : -1;
    if (m)
        fclose(m);
    CHECK(rc == 0, "nn_table_write(%d): %s", (int)fmt, err.msg);
    return buf;
}

static void check_text(const char *label, const char *got, const char *want)
{
    CHECK(got && strcmp(got, want) == 0, "%s:\n--- got\n%s--- want\n%s", label,
          got ? got : "(null)\n", want);
}

static void test_table_formats(void)
{
    nn_table *t = sample_table();
    CHECK(nn_table_cols(t) == 4 && nn_table_rows(t) == 3, "table is %d x %ld",
          nn_table_cols(t), nn_table_rows(t));
    char *md = table_text(t, NN_TABLE_MD);
    check_text(
        "markdown", md,
        "| act | n | test_acc | raw, exact |\n"
        "|---|---:|---:|---:|\n"
        "| golu | 3 | 0.8551 | 0.10000000000000001 |\n"
        "| say \"hi\", \\| then bye \xc3\xa9 | -9223372036854775808 | nan | -inf |\n"
        "| - | - | - | -1.5000000000000001e-300 |\n");
    char *csv = table_text(t, NN_TABLE_CSV);
    check_text("csv", csv,
               "act,n,test_acc,\"raw, exact\"\n"
               "golu,3,0.8551,0.10000000000000001\n"
               "\"say \"\"hi\"\", | then\nbye \xc3\xa9\",-9223372036854775808,nan,-inf\n"
               ",,,-1.5000000000000001e-300\n");
    char *js = table_text(t, NN_TABLE_JSON);
    check_text("json", js,
               "[\n"
               "  {\n"
               "    \"act\": \"golu\",\n"
               "    \"n\": 3,\n"
               "    \"test_acc\": 0.85509999999999997,\n"
               "    \"raw, exact\": 0.10000000000000001\n"
               "  },\n"
               "  {\n"
               "    \"act\": \"say \\\"hi\\\", | then\\nbye \xc3\xa9\",\n"
               "    \"n\": -9223372036854775808,\n"
               "    \"test_acc\": null,\n"
               "    \"raw, exact\": null\n"
               "  },\n"
               "  {\n"
               "    \"act\": null,\n"
               "    \"n\": null,\n"
               "    \"test_acc\": null,\n"
               "    \"raw, exact\": -1.5000000000000001e-300\n"
               "  }\n"
               "]\n");
    free(md);
    free(csv);
    free(js);

    /* Alignment set by hand; the rows object. */
    nn_table_align_set(t, 0, NN_TABLE_ALIGN_RIGHT);
    nn_table_align_set(t, 1, NN_TABLE_ALIGN_LEFT);
    md = table_text(t, NN_TABLE_MD);
    CHECK(md && strstr(md, "\n|---:|---|---:|---:|\n"), "alignment row: %s",
          md ? md : "(null)");
    free(md);
    js = table_text(t, NN_TABLE_JSON_ROWS);
    json_error_t je;
    json_t *doc = js ? json_loads(js, 0, &je) : NULL;
    CHECK(doc && json_is_array(json_object_get(doc, "rows")) &&
              json_object_size(doc) == 1 &&
              json_array_size(json_object_get(doc, "rows")) == 3,
          "rows object: %s", js ? js : "(null)");
    json_decref(doc);
    free(js);
    nn_table_free(t);
}

/* The JSON of a table read back with jansson: the values given (a short
 * format's value as its text stands for it), NaN and inf as null. */
static void test_table_json_values(void)
{
    static const double reals[] = {0.1, -0.0, 5e-324, DBL_MAX, 1.0 / 3, NAN, INFINITY};
    static const char *const texts[] = {
        "plain", "", "tab\there", "\x01\x1f", "\xf0\x9d\x84\x9e", "q\"\\", "comma,", "x"};
    nn_table *t = nn_table_create();
    nn_table_col_add(t, "s", NN_TABLE_STR, NULL);
    nn_table_col_add(t, "i", NN_TABLE_INT, NULL);
    nn_table_col_add(t, "r", NN_TABLE_REAL, NULL);
    nn_table_col_add(t, "r3", NN_TABLE_REAL, "%.3e");
    for (size_t k = 0; k < NELEM(reals); k++) {
        nn_table_row_add(t);
        nn_table_str_set(t, 0, texts[k]);
        nn_table_int_set(t, 1, (long long)k * 1000000007LL - 3);
        nn_table_real_set(t, 2, reals[k]);
        nn_table_real_set(t, 3, reals[k]);
    }
    char path[600];
    nn_err err = {{0}};
    in_dir(path, sizeof path, "table.json");
    CHECK(nn_table_write_file(t, NN_TABLE_JSON, path, &err) == 0, "write: %s", err.msg);
    CHECK_INT(files_temp_count(g_dir), 0);
    json_error_t je;
    json_t *back = json_load_file(path, 0, &je);
    CHECK(back && json_array_size(back) == NELEM(reals), "%s: %s", path, je.text);
    for (size_t k = 0; back && k < NELEM(reals); k++) {
        json_t *row = json_array_get(back, k);
        json_t *s = json_object_get(row, "s"), *i = json_object_get(row, "i");
        json_t *r = json_object_get(row, "r"), *r3 = json_object_get(row, "r3");
        CHECK(json_object_size(row) == 4, "row %zu: %zu keys", k, json_object_size(row));
        CHECK(json_is_string(s) && strcmp(json_string_value(s), texts[k]) == 0,
              "row %zu: s", k);
        CHECK(json_is_integer(i) &&
                  json_integer_value(i) == (long long)k * 1000000007LL - 3,
              "row %zu: i", k);
        if (!isfinite(reals[k])) {
            CHECK(json_is_null(r) && json_is_null(r3), "row %zu: non-finite not null", k);
            continue;
        }
        char text[64];
        snprintf(text, sizeof text, "%.3e", reals[k]);
        double want3 = strtod(text, NULL), got = json_number_value(r);
        /* "%.17g" of -0.0 is the integer text "-0": 0. */
        if (reals[k] == 0)
            CHECK(json_is_integer(r) && json_integer_value(r) == 0, "row %zu: r of 0", k);
        else
            CHECK(json_is_real(r) && memcmp(&got, &reals[k], sizeof got) == 0,
                  "row %zu: r %.17g, want %.17g", k, got, reals[k]);
        /* DBL_MAX's "1.798e+308" is above DBL_MAX: it stands for inf, null. */
        if (isinf(want3))
            CHECK(json_is_null(r3), "row %zu: r3 of %s is not null", k, text);
        else
            CHECK(json_is_real(r3) && json_real_value(r3) == want3,
                  "row %zu: r3 %.17g, want %s", k, json_real_value(r3), text);
    }
    json_decref(back);

    /* The file formats equal the stream formats. */
    for (int f = NN_TABLE_MD; f <= NN_TABLE_JSON_ROWS; f++) {
        in_dir(path, sizeof path, "table.out");
        CHECK(nn_table_write_file(t, (nn_table_format)f, path, &err) == 0, "write: %s",
              err.msg);
        char *file = files_read(path, NULL), *mem = table_text(t, (nn_table_format)f);
        CHECK(file && mem && strcmp(file, mem) == 0, "format %d: file and stream differ",
              f);
        free(file);
        free(mem);
    }
    nn_table_free(t);
}

/* A bad call returns -1, and every later write fails with its message, the
 * file untouched. */
static void expect_sticky(const char *label, nn_table *t, int rc, const char *want)
{
    char path[600];
    nn_err err = {{0}};
    in_dir(path, sizeof path, "sticky.csv");
    put_file(path, "old\n");
    CHECK(rc == -1, "%s: the call returned %d", label, rc);
    CHECK(nn_table_write_file(t, NN_TABLE_CSV, path, &err) == -1, "%s: written", label);
    check_msg(label, &err, path, want, NULL);
    check_file(label, path, "old\n");
    json_t *j = nn_table_json(t, &err);
    CHECK(j == NULL && strstr(err.msg, want), "%s: nn_table_json: %s", label, err.msg);
    json_decref(j);
    CHECK_INT(files_temp_count(g_dir), 0);
    nn_table_free(t);
}

static nn_table *one_row_table(void)
{
    nn_table *t = nn_table_create();
    nn_table_col_add(t, "s", NN_TABLE_STR, NULL);
    nn_table_col_add(t, "r", NN_TABLE_REAL, NULL);
    nn_table_row_add(t);
    return t;
}

static void test_table_errors(void)
{
    nn_table *t = one_row_table();
    expect_sticky("wrong kind", t, nn_table_int_set(t, 1, 3),
                  "holds reals, not integers");
    t = one_row_table();
    int rc = nn_table_real_set(t, 2, 1.0);
    nn_table_real_set(t, 5, 1.0); /* a second error keeps the first */
    expect_sticky("no column", t, rc, "no column 2");
    t = one_row_table();
    expect_sticky("bad UTF-8", t, nn_table_str_set(t, 0, "a\xff"), "not valid UTF-8");
    t = one_row_table();
    expect_sticky("column after a row", t,
                  nn_table_col_add(t, "late", NN_TABLE_INT, NULL), "after the first row");
    t = nn_table_create();
    nn_table_col_add(t, "a", NN_TABLE_INT, NULL);
    expect_sticky("duplicate column", t, nn_table_col_add(t, "a", NN_TABLE_STR, NULL),
                  "appears twice");
    t = nn_table_create();
    expect_sticky("bad format", t, nn_table_col_add(t, "r", NN_TABLE_REAL, "%d"),
                  "not one printf conversion");
    t = nn_table_create();
    nn_table_col_add(t, "a", NN_TABLE_INT, NULL);
    expect_sticky("cell before a row", t, nn_table_int_set(t, 0, 1),
                  "before the first row");

    /* Null is allowed in any column; a table without rows writes its
     * header alone. */
    t = nn_table_create();
    nn_table_col_add(t, "a", NN_TABLE_INT, NULL);
    char *csv = table_text(t, NN_TABLE_CSV), *js = table_text(t, NN_TABLE_JSON);
    check_text("empty csv", csv, "a\n");
    check_text("empty json", js, "[]\n");
    free(csv);
    free(js);
    nn_table_row_add(t);
    nn_table_int_set(t, 0, 4);
    CHECK(nn_table_null_set(t, 0) == 0, "null set");
    csv = table_text(t, NN_TABLE_CSV);
    check_text("null csv", csv, "a\n\n");
    free(csv);
    nn_table_free(t);
}

/* --------------------------------------------------------------- main --- */

int main(void)
{
    TEST_BEGIN("nn_io");
    if (files_tmpdir_make(g_dir, sizeof g_dir, "golu_io_"))
        return TEST_END();
    test_outfile_commit_abort();
    test_outfile_write_fails();
    test_outfile_refused();
    test_realfmt();
    test_json_reals();
    test_json_text();
    test_table_formats();
    test_table_json_values();
    test_table_errors();
    files_tree_remove(g_dir);
    return TEST_END();
}
