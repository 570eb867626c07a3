/*
 * test_cli_acts.c - the golu command names the activations from the list
 * (GOLU_ACT_LIST, golu.h) through tools/golu/cli.c (cli_acts_*):
 *   - `golu ulp --help` and `golu train --help`: the --act text is every
 *     activation in list order, an alias as "name (alias)", ", " between
 *     them, wrapped greedily (a line breaks only where the next item would
 *     pass column 80), continuation lines indented under the first;
 *   - `golu bench --help`: every name, comma-separated, on one line;
 *   - an unknown name: the message lists every name and every alias.
 * The expected texts are built here from the list's rows, not by cli.c.
 */
#include <stdio.h>
#include <string.h>

#include "golu.h"
#include "harness.h"
#include "toolrun.h"

enum { COLUMNS = 80 };

static char out[OUT_CAP];

static const struct {
    const char *name, *alias;
} rows[] = {
#define ROW_(E, name, value, alias, ...) {name, alias},
    GOLU_ACT_LIST(ROW_)
#undef ROW_
};
_Static_assert(sizeof rows / sizeof rows[0] == GOLU_ACT_COUNT, "rows: one per kind");

/* Row k as a help text shows it: "silu (swish)", then "," unless last. */
static void item(int k, char *buf, size_t size)
{
    snprintf(buf, size, "%s%s%s%s%s", rows[k].name, rows[k].alias[0] ? " (" : "",
             rows[k].alias, rows[k].alias[0] ? ")" : "",
             k + 1 < GOLU_ACT_COUNT ? "," : "");
}

/*
 * The usage text of `golu cmd --help` has a line starting with `lead`
 * (the flag, its padding and any words before the list); the list follows
 * it and goes on over lines indented by `indent` spaces.
 */
static void check_wrapped(const char *cmd, const char *lead, int indent)
{
    const char *args[] = {cmd, "--help", NULL};
    if (!tool_expect(0, lead, args, out))
        return;
    const char *line = strstr(out, lead);
    int lines = 0;
    size_t at = strlen(lead); /* where the next item starts on this line */
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        char want[96];
        item(k, want, sizeof want);
        size_t w = strlen(want);
        const char *p = line + at;
        if (strncmp(p, want, w) == 0) {
            at += w;
        } else {
            /* The item starts the next line: it must not have fitted here. */
            size_t len = (size_t)(strchr(line, '\n') - line);
            if (!CHECK(p == line + len, "%s --help: '%s' expected at column %zu: %.40s",
                       cmd, want, at, p) ||
                !CHECK(len + 1 + w > COLUMNS,
                       "%s --help: '%s' would fit after column %zu but wraps", cmd, want,
                       len))
                return;
            line = p + 1;
            lines++;
            for (int i = 0; i < indent; i++)
                if (!CHECK(line[i] == ' ', "%s --help: continuation not indented %d", cmd,
                           indent))
                    return;
            if (!CHECK(strncmp(line + indent, want, w) == 0,
                       "%s --help: line %d of the list starts %.40s, want '%s'", cmd,
                       lines + 1, line + indent, want))
                return;
            at = (size_t)indent + w;
        }
        if (k + 1 < GOLU_ACT_COUNT && line[at] == ' ')
            at++;
        CHECK(at <= COLUMNS, "%s --help: the list passes column %d", cmd, COLUMNS);
    }
    CHECK(line[at] == '\n', "%s --help: text after the list: %.20s", cmd, line + at);
}

static void test_help(void)
{
    check_wrapped("ulp", "  --act NAME        ", 20);
    check_wrapped("train", "  --act NAME          activation: ", 22);

    char want[1024] = "\n                    ";
    for (int k = 0; k < GOLU_ACT_COUNT; k++)
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s", k ? "," : "",
                 rows[k].name);
    strcat(want, "\n");
    const char *bench[] = {"bench", "--help", NULL};
    tool_expect(0, want, bench, out);
}

static void test_unknown(void)
{
    char want[1024] = "unknown activation 'nope' (known: ";
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s", k ? ", " : "",
                 rows[k].name);
        if (rows[k].alias[0])
            snprintf(want + strlen(want), sizeof want - strlen(want), ", %s",
                     rows[k].alias);
    }
    strcat(want, ")\n");
    const char *ulp[] = {"ulp", "--act", "nope", NULL};
    tool_expect(2, want, ulp, out);
    const char *train[] = {"train", "--model", "mlp", "--act", "nope", NULL};
    tool_expect(2, "unknown activation 'nope' (known: ", train, out);
}

int main(int argc, char **argv)
{
    (void)argc;
    TEST_BEGIN("cli_acts");
    find_tool(argv[0]);
    test_help();
    test_unknown();
    return TEST_END();
}
