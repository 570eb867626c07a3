/*
 * json_write.c - JSON through jansson (json_write.h).
 */
#include "json_write.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "outfile.h"
#include "realfmt.h"

/* jansson's precision field: the bits JSON_REAL_PRECISION(n) sets. */
#define PRECISION_BITS JSON_REAL_PRECISION(0x1F)

/* 1 when the printed text is an integer: optional spaces and sign, then
 * digits only ("3", "  -12"; not "3.0", "1e5", "nan"). */
static int integer_text(const char *s)
{
    while (*s == ' ')
        s++;
    s += *s == '-' || *s == '+';
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

json_t *nn_json_real(double v)
{
    return nn_json_real_fmt("%.17g", v);
}

json_t *nn_json_real_fmt(const char *fmt, double v)
{
    char text[NN_REALFMT_MAX], *end = NULL;
    if (nn_realfmt_print(text, fmt, v) < 0)
        return NULL;
    double d = isfinite(v) ? strtod(text, NULL) : v;
    if (!isfinite(d))
        return json_null();
    if (integer_text(text)) {
        errno = 0;
        long long i = strtoll(text, &end, 10);
        if (errno != ERANGE)
            return json_integer((json_int_t)i);
    }
    return json_real(d);
}

json_t *nn_json_text(const char *s)
{
    if (!s)
        return json_null();
    size_t n = strlen(s);
    if (nn_json_utf8_valid(s, n))
        return json_stringn(s, n);
    /* Each bad byte becomes the 3 bytes of U+FFFD. */
    char *fixed = malloc(3 * n + 1);
    if (!fixed)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t len = nn_json_utf8_len(s + i, n - i);
        if (len) {
            memcpy(fixed + k, s + i, len);
            k += len;
            i += len;
        } else {
            memcpy(fixed + k, "\xef\xbf\xbd", 3);
            k += 3;
            i++;
        }
    }
    json_t *v = json_stringn(fixed, k);
    free(fixed);
    return v;
}

/* The caller's flags with precision 17 and any top-level value allowed. */
static size_t encode_flags(size_t flags)
{
    return (flags & ~(size_t)PRECISION_BITS) | JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY;
}

/* v and a newline on f: 0, -1 for a write error (f's error flag set), -2
 * when jansson cannot encode v (a string that is not UTF-8, a cycle). */
static int dump(FILE *f, const json_t *v, size_t flags)
{
    int rc = json_dumpf(v, f, encode_flags(flags));
    if (rc == 0)
        fputc('\n', f);
    return ferror(f) ? -1 : rc == 0 ? 0 : -2;
}

int nn_json_write(FILE *f, const char *what, const json_t *v, size_t flags, nn_err *err)
{
    const char *name = what ? what : "JSON";
    if (!f || !v)
        return nn_fail(err, "%s: nn_json_write: NULL argument", name);
    int rc = dump(f, v, flags);
    if (rc == -2)
        return nn_fail(err, "%s: cannot encode the JSON (a string that is not UTF-8?)",
                       name);
    if (rc == -1)
        return nn_fail(err, "%s: cannot write the JSON: a write failed", name);
    return 0;
}

int nn_json_write_file(const char *path, const json_t *v, size_t flags, nn_err *err)
{
    nn_outfile o;
    if (!v)
        return nn_fail(err, "%s: nn_json_write_file: the value is NULL",
                       path ? path : "(null)");
    if (nn_outfile_open(&o, path, err) < 0)
        return -1;
    if (dump(o.f, v, flags) == -2) {
        nn_outfile_abort(&o);
        return nn_fail(err, "%s: cannot encode the JSON (a string that is not UTF-8?)",
                       path);
    }
    /* A failed write left o.f's error flag set: the commit reports it. */
    return nn_outfile_commit(&o, err);
}

int nn_json_string_write(FILE *f, const char *s)
{
    json_t *v = nn_json_text(s);
    int rc = v ? json_dumpf(v, f, JSON_ENCODE_ANY) : -1;
    json_decref(v);
    return rc == 0 && !ferror(f) ? 0 : -1;
}
