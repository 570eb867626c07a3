/*
 * json.c - the strict recursive-descent JSON parser of json.h.
 *
 * Every value is parsed into a caller-owned nn_json that is valid to free at
 * any point (members are appended only once complete), so a failure anywhere
 * frees exactly what was built. Recursion is bounded by NN_JSON_MAX_DEPTH.
 *
 * Why not jansson, which writes the framework's JSON (io/json_write.h)?
 * Measured against Debian's jansson 2.14 (json_loadb with
 * JSON_REJECT_DUPLICATES | JSON_DECODE_ANY) on 88 cases (the 18 refusals of
 * test_json, the 23 headers of test_bad_json, and 47 more on the rules of
 * json.h: depth, duplicate keys, U+0000, every kind of invalid
 * UTF-8, unpaired surrogates, big integers, leading zeros, whitespace, NUL
 * bytes) and on 200,000 fuzzed headers of a written file (1 to 4 bytes
 * changed, some cut short): the same accept/refuse decision and the same
 * values on all but these, which jansson lacks or does differently:
 *   - depth: jansson takes 17 levels ("[[[...1...]]]", its limit is 2048,
 *     fixed when it is built); we refuse deeper than NN_JSON_MAX_DEPTH = 16.
 *   - NUL bytes: jansson skips a NUL byte right after a number or a word:
 *     "[1\0]" reads as [1], "{\"a\":1\0}" as {"a":1}, "[true\0]" as [true]
 *     (all 38 fuzzed headers of the 200,000 where the decisions differed).
 *   - it refuses what we read as doubles: integers outside int64
 *     (9223372036854775808, -9223372036854775809: "too big integer"; here the
 *     rounded double with is_int 0) and reals that overflow (1e400: "real
 *     number overflow"; here inf). JSON_DECODE_INT_AS_REAL would take the
 *     big integers but turn every integer into a double (int64 offsets above
 *     2^53 lost).
 *   - its messages do not say what was wrong in the words a user (and
 *     test_bad_json) needs: 18 of its 21 malformed-JSON headers get a message
 *     without the expected words ("invalid token near '0'" for a leading zero,
 *     "unexpected token near ']'" for a trailing comma, "'}' expected near
 *     end of file" for a truncated header, "invalid escape" for an
 *     unterminated string), and no byte offset in the message.
 * The first two could be checked on top (a walk for the depth, memchr for
 * NUL), the last two not, so json.c stays the reader; test_nn_safetensors.c
 * checks that jansson still differs so (re-measure when it fails).
 */
#include "json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const unsigned char *s;
    size_t n, i;
    int depth;
    char *err;
    size_t errlen;
} parser;

static int parse_value(parser *p, nn_json *v);

/* Records "byte AT: message" (the first failure only) and returns -1. */
__attribute__((format(printf, 3, 4))) static int fail(parser *p, size_t at,
                                                      const char *fmt, ...)
{
    if (p->err && p->errlen && !p->err[0]) {
        int k = snprintf(p->err, p->errlen, "byte %zu: ", at);
        if (k >= 0 && (size_t)k < p->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(p->err + k, p->errlen - (size_t)k, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

/* "unexpected 'x'" / "unexpected byte 0x01" / "unexpected end of text". */
static int fail_unexpected(parser *p, const char *wanted)
{
    if (p->i >= p->n)
        return fail(p, p->i, "unexpected end of the text (truncated?), expected %s",
                    wanted);
    unsigned c = p->s[p->i];
    if (c >= 0x20 && c < 0x7f)
        return fail(p, p->i, "unexpected '%c', expected %s", (int)c, wanted);
    return fail(p, p->i, "unexpected byte 0x%02x, expected %s", c, wanted);
}

static void skip_ws(parser *p)
{
    while (p->i < p->n) {
        unsigned char c = p->s[p->i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->i++;
    }
}

/* Frees what v owns (not v itself). */
static void json_clear(nn_json *v)
{
    free(v->str);
    for (size_t k = 0; v->items && k < v->len; k++)
        json_clear(&v->items[k]);
    for (size_t k = 0; v->keys && k < v->len; k++)
        free(v->keys[k]);
    free(v->items);
    free(v->keys);
    memset(v, 0, sizeof *v);
}

void nn_json_free(nn_json *v)
{
    if (!v)
        return;
    json_clear(v);
    free(v);
}

/* ------------------------------------------------------------ UTF-8 ---- */

/* Length of the well-formed UTF-8 sequence at s[0, n), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if ((s[k] & 0xC0) != 0x80)
            return 0;
    return len;
}

size_t nn_json_utf8_len(const char *s, size_t n)
{
    return n ? utf8_seq((const unsigned char *)s, n) : 0;
}

int nn_json_utf8_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t k = utf8_seq(u + i, len - i);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

static size_t utf8_put(char *out, unsigned long cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---------------------------------------------------------- strings ---- */

/* The 4 hex digits at p->i as a code unit, or -1. */
static long hex4(parser *p)
{
    if (p->n - p->i < 4)
        return -1;
    long v = 0;
    for (int k = 0; k < 4; k++) {
        unsigned c = p->s[p->i + (size_t)k];
        int d = c >= '0' && c <= '9'   ? (int)(c - '0')
                : c >= 'a' && c <= 'f' ? (int)(c - 'a' + 10)
                : c >= 'A' && c <= 'F' ? (int)(c - 'A' + 10)
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    p->i += 4;
    return v;
}

/* A \u escape (p->i just past the 'u'), a surrogate pair included: the code
 * point, or -1 after recording why. */
static long unicode_escape(parser *p, size_t at)
{
    long hi = hex4(p);
    if (hi < 0)
        return fail(p, at, "bad \\u escape (needs 4 hex digits)");
    if (hi >= 0xDC00 && hi <= 0xDFFF)
        return fail(p, at, "unpaired surrogate \\u%04lX", hi);
    if (hi < 0xD800 || hi > 0xDBFF)
        return hi ? hi : fail(p, at, "\\u0000 in a string (strings may not hold NUL)");
    if (p->n - p->i < 2 || p->s[p->i] != '\\' || p->s[p->i + 1] != 'u')
        return fail(p, at, "unpaired surrogate \\u%04lX", hi);
    p->i += 2;
    long lo = hex4(p);
    if (lo < 0xDC00 || lo > 0xDFFF)
        return fail(p, at, "unpaired surrogate \\u%04lX", hi);
    return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
}

/* One escape (p->i at the backslash) appended to out; returns its length. */
static long escape(parser *p, char *out)
{
    size_t at = p->i;
    if (p->i + 1 >= p->n)
        return fail(p, at, "unterminated string");
    unsigned char c = p->s[p->i + 1];
    p->i += 2;
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *hit = c ? strchr(from, c) : NULL;
    if (hit) {
        out[0] = to[hit - from];
        return 1;
    }
    if (c != 'u') {
        if (c >= 0x20 && c < 0x7f)
            return fail(p, at, "bad escape \\%c in a string", (int)c);
        return fail(p, at, "bad escape (byte 0x%02x after a backslash)", (unsigned)c);
    }
    long cp = unicode_escape(p, at);
    return cp < 0 ? -1 : (long)utf8_put(out, (unsigned long)cp);
}

/* Where the string starting at p->i (the opening quote) ends: the index of
 * its closing quote, or n when there is none. */
static size_t string_end(const parser *p)
{
    size_t i = p->i + 1;
    while (i < p->n && p->s[i] != '"')
        i += p->s[i] == '\\' ? 2 : 1;
    return i < p->n ? i : p->n;
}

/* A string literal (p->i at the opening quote) decoded into *out. Decoding
 * never lengthens a string, so the raw length bounds the buffer. */
static int parse_string(parser *p, char **out, size_t *len)
{
    size_t start = p->i, end = string_end(p);
    if (end >= p->n)
        return fail(p, start, "unterminated string");
    char *buf = malloc(end - start);
    if (!buf)
        return fail(p, start, "out of memory");
    size_t k = 0;
    p->i++;
    while (p->i < end) {
        unsigned char c = p->s[p->i];
        long m;
        if (c == '\\')
            m = escape(p, buf + k);
        else if (c < 0x20)
            m = fail(p, p->i, "control character 0x%02x in a string (must be escaped)",
                     (unsigned)c);
        else if ((m = (long)utf8_seq(p->s + p->i, end - p->i)) == 0)
            m = fail(p, p->i, "invalid UTF-8 in a string");
        else {
            memcpy(buf + k, p->s + p->i, (size_t)m);
            p->i += (size_t)m;
        }
        if (m < 0) {
            free(buf);
            return -1;
        }
        k += (size_t)m;
    }
    p->i = end + 1;
    buf[k] = '\0';
    *out = buf;
    *len = k;
    return 0;
}

/* ---------------------------------------------------------- numbers ---- */

static size_t digits(const parser *p, size_t i)
{
    while (i < p->n && p->s[i] >= '0' && p->s[i] <= '9')
        i++;
    return i;
}

/* The end of the number at p->i per the JSON grammar into *end; *integral
 * says whether it has neither fraction nor exponent. */
static int number_end(parser *p, size_t *end, int *integral)
{
    size_t i = p->i;
    if (i < p->n && p->s[i] == '-')
        i++;
    if (i >= p->n || p->s[i] < '0' || p->s[i] > '9')
        return fail(p, p->i, "bad number (no digit after '-')");
    if (p->s[i] == '0' && digits(p, i + 1) > i + 1)
        return fail(p, p->i, "bad number (leading zero)");
    i = digits(p, i);
    *integral = 1;
    if (i < p->n && p->s[i] == '.') {
        *integral = 0;
        if (digits(p, i + 1) == i + 1)
            return fail(p, p->i, "bad number (no digit after '.')");
        i = digits(p, i + 1);
    }
    if (i < p->n && (p->s[i] == 'e' || p->s[i] == 'E')) {
        *integral = 0;
        i++;
        if (i < p->n && (p->s[i] == '+' || p->s[i] == '-'))
            i++;
        if (digits(p, i) == i)
            return fail(p, p->i, "bad number (no digit in the exponent)");
        i = digits(p, i);
    }
    *end = i;
    return 0;
}

/* Decimal digits to int64 with overflow detection: 1 when it fits. */
static int to_int64(const unsigned char *s, size_t n, int64_t *out)
{
    int neg = s[0] == '-';
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (size_t i = (size_t)neg; i < n; i++) {
        unsigned d = s[i] - '0';
        if (v > (lim - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    /* -(v - 1) - 1 avoids overflowing at INT64_MIN. */
    *out = neg ? (v ? -(int64_t)(v - 1) - 1 : 0) : (int64_t)v;
    return 1;
}

static int parse_number(parser *p, nn_json *v)
{
    int integral = 0;
    size_t end = 0;
    if (number_end(p, &end, &integral) < 0)
        return -1;
    size_t n = end - p->i;
    char small[64], *tmp = n < sizeof small ? small : malloc(n + 1);
    if (!tmp)
        return fail(p, p->i, "out of memory");
    memcpy(tmp, p->s + p->i, n);
    tmp[n] = '\0';
    v->type = NN_JSON_NUMBER;
    v->number = strtod(tmp, NULL);
    v->is_int = integral && to_int64(p->s + p->i, n, &v->integer);
    if (tmp != small)
        free(tmp);
    p->i = end;
    return 0;
}

/* ------------------------------------------------- arrays, objects ---- */

/* Grows an object's or array's storage for one more member. */
static int reserve(parser *p, nn_json *v, size_t *cap)
{
    if (v->len < *cap)
        return 0;
    size_t ncap = *cap ? 2 * *cap : 4;
    nn_json *items = realloc(v->items, ncap * sizeof *items);
    if (!items)
        return fail(p, p->i, "out of memory");
    v->items = items;
    if (v->type == NN_JSON_OBJECT) {
        char **keys = realloc(v->keys, ncap * sizeof *keys);
        if (!keys)
            return fail(p, p->i, "out of memory");
        v->keys = keys;
    }
    *cap = ncap;
    return 0;
}

/* After a member: ',' followed by another (1), the closing bracket (0) or
 * an error (-1). */
static int next_member(parser *p, char close, const char *what)
{
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == (unsigned char)close) {
        p->i++;
        return 0;
    }
    if (p->i >= p->n || p->s[p->i] != ',')
        return fail_unexpected(p, close == ']' ? "',' or ']'" : "',' or '}'");
    size_t comma = p->i++;
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == (unsigned char)close)
        return fail(p, comma, "trailing comma in %s", what);
    return 1;
}

static int parse_array(parser *p, nn_json *v)
{
    size_t cap = 0;
    v->type = NN_JSON_ARRAY;
    p->i++;
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == ']') {
        p->i++;
        return 0;
    }
    for (;;) {
        if (reserve(p, v, &cap) < 0)
            return -1;
        nn_json *item = &v->items[v->len];
        memset(item, 0, sizeof *item);
        if (parse_value(p, item) < 0) {
            json_clear(item);
            return -1;
        }
        v->len++;
        int r = next_member(p, ']', "an array");
        if (r <= 0)
            return r;
    }
}

typedef struct key_ref {
    const char *key;
    size_t offset;
} key_ref;

static int key_cmp(const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->offset > y->offset) - (x->offset < y->offset);
}

/* Refuses an object with a key that appears twice (sorting: n log n). */
static int check_duplicates(parser *p, const nn_json *v)
{
    if (v->len < 2)
        return 0;
    key_ref *refs = malloc(v->len * sizeof *refs);
    if (!refs)
        return fail(p, v->offset, "out of memory");
    for (size_t k = 0; k < v->len; k++)
        refs[k] = (key_ref){v->keys[k], v->items[k].offset};
    qsort(refs, v->len, sizeof *refs, key_cmp);
    int r = 0;
    for (size_t k = 1; k < v->len && r == 0; k++)
        if (strcmp(refs[k - 1].key, refs[k].key) == 0)
            r = fail(p, refs[k].offset, "duplicate key \"%s\" in an object", refs[k].key);
    free(refs);
    return r;
}

/* One "key": value member appended to the object v. */
static int parse_member(parser *p, nn_json *v, size_t *cap)
{
    skip_ws(p);
    if (p->i >= p->n || p->s[p->i] != '"')
        return fail_unexpected(p, "a string key");
    char *key = NULL;
    size_t klen;
    if (parse_string(p, &key, &klen) < 0)
        return -1;
    skip_ws(p);
    nn_json item = {0};
    int r = p->i < p->n && p->s[p->i] == ':' ? 0 : fail_unexpected(p, "':'");
    if (r == 0) {
        p->i++;
        r = parse_value(p, &item);
    }
    if (r == 0)
        r = reserve(p, v, cap);
    if (r < 0) {
        json_clear(&item);
        free(key);
        return -1;
    }
    v->keys[v->len] = key;
    v->items[v->len++] = item;
    return 0;
}

static int parse_object(parser *p, nn_json *v)
{
    size_t cap = 0;
    v->type = NN_JSON_OBJECT;
    p->i++;
    skip_ws(p);
    if (p->i < p->n && p->s[p->i] == '}') {
        p->i++;
        return 0;
    }
    for (;;) {
        if (parse_member(p, v, &cap) < 0)
            return -1;
        int r = next_member(p, '}', "an object");
        if (r < 0)
            return -1;
        if (r == 0)
            return check_duplicates(p, v);
    }
}

/* ------------------------------------------------------------ values ---- */

static int parse_word(parser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->n - p->i < n || memcmp(p->s + p->i, word, n) != 0)
        return fail_unexpected(p, "a value");
    p->i += n;
    return 0;
}

static int parse_container(parser *p, nn_json *v)
{
    if (p->depth >= NN_JSON_MAX_DEPTH)
        return fail(p, p->i, "nested deeper than %d levels", NN_JSON_MAX_DEPTH);
    p->depth++;
    int r = p->s[p->i] == '[' ? parse_array(p, v) : parse_object(p, v);
    p->depth--;
    return r;
}

static int parse_value(parser *p, nn_json *v)
{
    skip_ws(p);
    v->offset = p->i;
    if (p->i >= p->n)
        return fail_unexpected(p, "a value");
    switch (p->s[p->i]) {
    case '{':
    case '[': return parse_container(p, v);
    case '"': v->type = NN_JSON_STRING; return parse_string(p, &v->str, &v->len);
    case 't':
        v->type = NN_JSON_BOOL;
        v->boolean = 1;
        return parse_word(p, "true");
    case 'f': v->type = NN_JSON_BOOL; return parse_word(p, "false");
    case 'n': v->type = NN_JSON_NULL; return parse_word(p, "null");
    default: break;
    }
    if (p->s[p->i] == '-' || (p->s[p->i] >= '0' && p->s[p->i] <= '9'))
        return parse_number(p, v);
    return fail_unexpected(p, "a value");
}

nn_json *nn_json_parse(const char *text, size_t len, char *errbuf, size_t errlen)
{
    parser p = {(const unsigned char *)text, len, 0, 0, errbuf, errlen};
    if (errbuf && errlen)
        errbuf[0] = '\0';
    nn_json *v = calloc(1, sizeof *v);
    if (!v) {
        fail(&p, 0, "out of memory");
        return NULL;
    }
    if (parse_value(&p, v) == 0) {
        skip_ws(&p);
        if (p.i == p.n)
            return v;
        fail(&p, p.i, "trailing characters after the JSON value");
    }
    nn_json_free(v);
    return NULL;
}

/* ------------------------------------------------------------ access ---- */

const nn_json *nn_json_get(const nn_json *obj, const char *key)
{
    if (!obj || obj->type != NN_JSON_OBJECT)
        return NULL;
    for (size_t k = 0; k < obj->len; k++)
        if (strcmp(obj->keys[k], key) == 0)
            return &obj->items[k];
    return NULL;
}

const char *nn_json_type_name(nn_json_type t)
{
    switch (t) {
    case NN_JSON_NULL: return "null";
    case NN_JSON_BOOL: return "boolean";
    case NN_JSON_NUMBER: return "number";
    case NN_JSON_STRING: return "string";
    case NN_JSON_ARRAY: return "array";
    case NN_JSON_OBJECT: return "object";
    }
    return "?";
}
