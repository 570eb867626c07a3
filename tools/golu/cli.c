#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/json_write.h"

static const char *command_name = "";

void cli_set_command(const char *name)
{
    command_name = name;
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "golu%s%s: ", *command_name ? " " : "", command_name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_is_flag(const char *arg, const char *flag)
{
    size_t n = strlen(flag);
    return strncmp(arg, flag, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

const char *cli_flag_value(int argc, char **argv, int *i, const char *flag)
{
    const char *arg = argv[*i];
    size_t n = strlen(flag);
    if (arg[n] == '=')
        return arg + n + 1;
    if (*i + 1 >= argc) {
        cli_error("%s: needs a value", flag);
        return NULL;
    }
    return argv[++*i];
}

int cli_parse_long(const char *flag, const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end) {
        cli_error("%s: '%s' is not a whole number", flag, s);
        return -1;
    }
    if (v < min || v > max) {
        cli_error("%s: %ld is out of range [%ld, %ld]", flag, v, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_parse_double(const char *flag, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end) {
        cli_error("%s: '%s' is not a number", flag, s);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_parse_size(const char *flag, const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *s == '-') {
        cli_error("%s: '%s' is not a size (like 4096, 64Ki, 16Mi)", flag, s);
        return -1;
    }
    unsigned shift = 0;
    if (strcmp(end, "Ki") == 0 || strcmp(end, "K") == 0 || strcmp(end, "k") == 0)
        shift = 10;
    else if (strcmp(end, "Mi") == 0 || strcmp(end, "M") == 0)
        shift = 20;
    else if (strcmp(end, "Gi") == 0 || strcmp(end, "G") == 0)
        shift = 30;
    else if (*end) {
        cli_error("%s: '%s' has an unknown suffix (use Ki, Mi or Gi)", flag, s);
        return -1;
    }
    if (shift && v > (~0ULL >> shift)) {
        cli_error("%s: '%s' is too large", flag, s);
        return -1;
    }
    *out = (size_t)(v << shift);
    return 0;
}

int cli_parse_act(const char *flag, const char *s, golu_act *out)
{
    if (golu_act_from_name(s, out) != GOLU_OK) {
        cli_error("%s: unknown activation '%s' (known: %s)", flag, s, cli_acts_known());
        return -1;
    }
    return 0;
}

/* ------------------------------------------- the activations, in words --- */

/* The rows of GOLU_ACT_LIST the texts below need: name and shown alias. */
static const struct {
    const char *name, *alias;
} act_words[] = {
#define CLI_ACT_WORDS_(E, name, value, alias, ...) [GOLU_ACT_##E] = {name, alias},
    GOLU_ACT_LIST(CLI_ACT_WORDS_)
#undef CLI_ACT_WORDS_
};
_Static_assert(sizeof act_words / sizeof act_words[0] == GOLU_ACT_COUNT,
               "act_words: one row per activation");

/* Appends s to buf (len bytes used of size), truncating at the end. */
static void append(char *buf, size_t size, size_t *len, const char *s)
{
    int n = snprintf(buf + *len, size - *len, "%s", s);
    if (n > 0)
        *len += (size_t)n < size - *len ? (size_t)n : size - *len - 1;
}

const char *cli_acts_csv(void)
{
    static char buf[CLI_ACTS_MAX];
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        append(buf, sizeof buf, &len, k ? "," : "");
        append(buf, sizeof buf, &len, act_words[k].name);
    }
    return buf;
}

const char *cli_acts_known(void)
{
    static char buf[CLI_ACTS_MAX];
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        append(buf, sizeof buf, &len, k ? ", " : "");
        append(buf, sizeof buf, &len, act_words[k].name);
        if (act_words[k].alias[0]) {
            append(buf, sizeof buf, &len, ", ");
            append(buf, sizeof buf, &len, act_words[k].alias);
        }
    }
    return buf;
}

const char *cli_acts_help(int column, int indent)
{
    static char buf[CLI_ACTS_MAX];
    size_t len = 0;
    buf[0] = '\0';
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        char item[96];
        snprintf(item, sizeof item, "%s%s%s%s%s", act_words[k].name,
                 act_words[k].alias[0] ? " (" : "", act_words[k].alias,
                 act_words[k].alias[0] ? ")" : "", k + 1 < GOLU_ACT_COUNT ? "," : "");
        int width = (int)strlen(item);
        if (k > 0 && column + 1 + width > CLI_HELP_COLUMNS) {
            append(buf, sizeof buf, &len, "\n");
            for (column = 0; column < indent; column++)
                append(buf, sizeof buf, &len, " ");
        } else if (k > 0) {
            append(buf, sizeof buf, &len, " ");
            column++;
        }
        append(buf, sizeof buf, &len, item);
        column += width;
    }
    return buf;
}

int cli_parse_dtype(const char *flag, const char *s, golu_dtype *out)
{
    if (golu_dtype_from_name(s, out) != GOLU_OK) {
        cli_error("%s: unknown dtype '%s' (known: f32, f64, bf16, f16)", flag, s);
        return -1;
    }
    return 0;
}

int cli_parse_isa(const char *flag, const char *s, golu_isa *out)
{
    golu_isa isa;
    if (golu_isa_from_name(s, &isa) != GOLU_OK) {
        cli_error("%s: unknown ISA '%s' (known: auto, scalar, avx2, avx512, neon)", flag,
                  s);
        return -1;
    }
    if (!golu_isa_supported(isa)) {
        cli_error("%s: this CPU or build cannot run '%s'", flag, s);
        return -1;
    }
    *out = isa;
    return 0;
}

int cli_split_list(const char *flag, char *s, char **items, int max, int *count)
{
    int n = 0;
    for (char *p = s;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (!*p) {
            cli_error("%s: empty item in the list", flag);
            return -1;
        }
        if (n == max) {
            cli_error("%s: more than %d items", flag, max);
            return -1;
        }
        items[n++] = p;
        if (!comma)
            break;
        p = comma + 1;
    }
    *count = n;
    return 0;
}

int cli_json_print(json_t *doc, size_t flags)
{
    nn_err err;
    if (!doc) {
        cli_error("out of memory building the JSON");
        return 1;
    }
    int rc = nn_json_write(stdout, "stdout", doc, flags, &err);
    json_decref(doc);
    if (rc) {
        cli_error("%s", err.msg);
        return 1;
    }
    fflush(stdout);
    return 0;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The CPU's marketing name from /proc/cpuinfo ("model name" on x86, "Model"
 * or "Hardware" elsewhere), trimmed, into buf; "unknown" if none. */
void cli_cpu_model(char *buf, size_t size)
{
    static const char *const keys[] = {"model name", "Model", "Hardware", "cpu model"};
    snprintf(buf, size, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    int best = (int)(sizeof keys / sizeof keys[0]);
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        size_t klen = (size_t)(colon - line);
        while (klen > 0 && isspace((unsigned char)line[klen - 1]))
            klen--;
        for (int k = 0; k < best; k++) {
            if (strlen(keys[k]) != klen || strncmp(line, keys[k], klen) != 0)
                continue;
            char *v = colon + 1;
            while (isspace((unsigned char)*v))
                v++;
            size_t vlen = strlen(v);
            while (vlen > 0 && isspace((unsigned char)v[vlen - 1]))
                v[--vlen] = '\0';
            if (vlen > 0) {
                snprintf(buf, size, "%s", v);
                best = k; /* earlier keys win */
            }
            break;
        }
        if (best == 0)
            break;
    }
    fclose(f);
}
