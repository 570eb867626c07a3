/*
 * json.h - a small strict JSON parser (a tree of values), for the
 * safetensors header and the framework's own JSON files. Writing JSON goes
 * through jansson (io/json_write.h); json.c says why reading does not.
 *
 * Strict RFC 8259: one value with optional whitespace around it; no trailing
 * commas, comments, single quotes, leading zeros, NaN or bare words. On top
 * of the RFC it refuses what would bite a C program or hide a mistake:
 * nesting deeper than NN_JSON_MAX_DEPTH, a key that appears twice in one
 * object, a string holding U+0000 (strings are C strings), invalid UTF-8 and
 * unpaired surrogates in \u escapes.
 */
#ifndef NN_JSON_H
#define NN_JSON_H

#include <stddef.h>
#include <stdint.h>

/* Arrays and objects nested deeper than this are refused. */
#define NN_JSON_MAX_DEPTH 16

typedef enum nn_json_type {
    NN_JSON_NULL,
    NN_JSON_BOOL,
    NN_JSON_NUMBER,
    NN_JSON_STRING,
    NN_JSON_ARRAY,
    NN_JSON_OBJECT
} nn_json_type;

typedef struct nn_json nn_json;
struct nn_json {
    nn_json_type type;
    size_t offset;   /* byte offset of the value in the text (for messages) */
    int boolean;     /* BOOL */
    int is_int;      /* NUMBER written without fraction or exponent that fits */
    int64_t integer; /* NUMBER: the value when is_int */
    double number;   /* NUMBER: the value (rounded when it is a big integer) */
    char *str;       /* STRING: decoded UTF-8, NUL-terminated */
    size_t len;      /* STRING: bytes; ARRAY, OBJECT: members */
    nn_json *items;  /* ARRAY, OBJECT: the values in document order */
    char **keys;     /* OBJECT: keys[i] is the key of items[i] */
};

/*
 * Parses text[0, len) (no NUL terminator needed). Returns the root (free it
 * with nn_json_free) or NULL with "byte N: problem" in errbuf (if not NULL).
 * Numbers are converted with strtod, so the C locale's decimal point is
 * assumed (the framework never calls setlocale).
 */
nn_json *nn_json_parse(const char *text, size_t len, char *errbuf, size_t errlen);
void nn_json_free(nn_json *v);

/* The member of an object with that key, or NULL (also for a non-object). */
const nn_json *nn_json_get(const nn_json *obj, const char *key);
/* "null", "boolean", "number", "string", "array", "object". */
const char *nn_json_type_name(nn_json_type t);

/* 1 when s[0, len) is well-formed UTF-8 (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF). */
int nn_json_utf8_valid(const char *s, size_t len);
/* The length (1 to 4) of the well-formed UTF-8 character at s[0, n), or 0
 * when there is none there (n = 0 included). */
size_t nn_json_utf8_len(const char *s, size_t n);

#endif
