/*
 * test_nn_str.c - nn_str_append (src/nn/str.h) against snprintf of the
 * whole line:
 *
 *   - appends in order, formats as printf does;
 *   - truncates at size - 1 characters, always NUL-terminated, never a byte
 *     past size (a guard byte after the buffer stays);
 *   - once the buffer is full, later appends add nothing.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "str.h"

static void test_appends(void)
{
    char buf[64] = "";
    nn_str_append(buf, sizeof buf, "MLP, %d block%s of %d", 2, "s", 512);
    nn_str_append(buf, sizeof buf, "; ");
    nn_str_append(buf, sizeof buf, "lr %g", 0.01);
    CHECK(strcmp(buf, "MLP, 2 blocks of 512; lr 0.01") == 0, "appended: '%s'", buf);
    char empty[8] = "";
    nn_str_append(empty, sizeof empty, "%s", "");
    CHECK(empty[0] == '\0', "an empty append leaves an empty string");
}

/* Every buffer size from 1 to past the line: the prefix snprintf would give
 * the whole line, the guard untouched. */
static void test_truncation(void)
{
    const char *parts[3] = {"epoch 2", ", the first 2000", " images"};
    char whole[64];
    snprintf(whole, sizeof whole, "%s%s%s", parts[0], parts[1], parts[2]);
    size_t n = strlen(whole);
    for (size_t size = 1; size <= n + 2; size++) {
        char buf[80];
        memset(buf, 'x', sizeof buf);
        buf[0] = '\0';
        for (int k = 0; k < 3; k++)
            nn_str_append(buf, size, "%s", parts[k]);
        size_t want = size - 1 < n ? size - 1 : n;
        CHECK(strlen(buf) == want && strncmp(buf, whole, want) == 0 && buf[size] == 'x',
              "size %zu: '%s' (want the first %zu of '%s'), guard %c", size, buf, want,
              whole, buf[size]);
    }
}

int main(void)
{
    TEST_BEGIN("nn_str");
    test_appends();
    test_truncation();
    return TEST_END();
}
