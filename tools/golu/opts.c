/*
 * opts.c - table-driven flags (opts.h).
 */
#include "opts.h"

#include <limits.h>
#include <string.h>

#include "cli.h"

static void set_given(const cli_opt *o, void *opts)
{
    if (o->given)
        *(int *)((char *)opts + o->given - 1) = 1;
}

/* A row's bound as a long: a double at or beyond 2^63 (LONG_MAX does not
 * fit in a double) is LONG_MAX, not an overflowing conversion. */
static long bound(double v)
{
    if (v >= (double)LONG_MAX)
        return LONG_MAX;
    if (v <= (double)LONG_MIN)
        return LONG_MIN;
    return (long)v;
}

/* Stores value into opts as o says; 0, or -1 after a message. */
static int store(const cli_opt *o, void *opts, const char *value)
{
    char *p = (char *)opts + o->offset;
    long l;
    switch (o->kind) {
    case CLI_OPT_BOOL: *(int *)p = 1; return 0;
    case CLI_OPT_INT:
        if (cli_parse_long(o->flag, value, bound(o->min), bound(o->max), &l))
            return -1;
        *(int *)p = (int)l;
        return 0;
    case CLI_OPT_LONG:
        return cli_parse_long(o->flag, value, bound(o->min), bound(o->max), (long *)p);
    case CLI_OPT_DOUBLE: return cli_parse_double(o->flag, value, (double *)p);
    case CLI_OPT_SIZE: return cli_parse_size(o->flag, value, (size_t *)p);
    case CLI_OPT_STRING: *(const char **)p = value; return 0;
    case CLI_OPT_ACT: return cli_parse_act(o->flag, value, (golu_act *)p);
    case CLI_OPT_DTYPE: return cli_parse_dtype(o->flag, value, (golu_dtype *)p);
    case CLI_OPT_ISA: return cli_parse_isa(o->flag, value, (golu_isa *)p);
    case CLI_OPT_CUSTOM: return o->parse(opts, o->flag, value);
    case CLI_OPT_TEXT: break;
    }
    return -1;
}

static const cli_opt *find(const cli_opt *table, size_t n, const char *arg)
{
    for (size_t k = 0; k < n; k++)
        if (table[k].kind != CLI_OPT_TEXT && table[k].flag &&
            cli_is_flag(arg, table[k].flag))
            return &table[k];
    return NULL;
}

static void unknown(const cli_opts_style *s, const char *arg)
{
    if (s->flag_first)
        cli_error("%s: unknown option (see golu %s --help)", arg, s->command);
    else
        cli_error("unknown option '%s' (see golu %s --help)", arg, s->command);
}

/* An argument without a leading '-': 0 when collected, -1 after a message. */
static int positional_arg(const cli_opts_style *style, char *a, char **positional,
                          int max_positional, int *npositional)
{
    if (style->positionals == CLI_POS_UNKNOWN) {
        unknown(style, a);
        return -1;
    }
    if (style->positionals != CLI_POS_COLLECT || !npositional ||
        *npositional >= max_positional) {
        cli_error("'%s': unexpected argument (see golu %s --help)", a, style->command);
        return -1;
    }
    positional[(*npositional)++] = a;
    return 0;
}

int cli_opts_parse(const cli_opt *table, size_t n, const cli_opts_style *style, int argc,
                   char **argv, void *opts, char **positional, int max_positional,
                   int *npositional)
{
    if (npositional)
        *npositional = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-') {
            if (positional_arg(style, argv[i], positional, max_positional, npositional))
                return -1;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return 1;
        const cli_opt *o = find(table, n, a);
        if (!o) {
            unknown(style, a);
            return -1;
        }
        const char *value = NULL;
        if (o->kind == CLI_OPT_BOOL) {
            if (a[strlen(o->flag)] == '=') { /* "--json=1": not a flag we know */
                unknown(style, a);
                return -1;
            }
        } else if (!(value = cli_flag_value(argc, argv, &i, o->flag))) {
            return -1;
        }
        if (store(o, opts, value))
            return -1;
        set_given(o, opts);
    }
    return 0;
}

int cli_opts_parse_until(const cli_opt *table, size_t n, const char *command, int argc,
                         char **argv, void *opts)
{
    int stop = 1;
    for (; stop < argc; stop++) {
        const char *a = argv[stop];
        const cli_opt *o = a[0] == '-' && a[1] ? find(table, n, a) : NULL;
        if (!o)
            break; /* unknown, "--help", "-h", or a word */
        int has_value = a[strlen(o->flag)] == '=';
        if (o->kind == CLI_OPT_BOOL && has_value)
            break; /* "--json=1": not a flag the table takes */
        if (o->kind != CLI_OPT_BOOL && !has_value)
            stop++; /* its value */
    }
    cli_opts_style style = {command, 0, 0, 0};
    if (stop > argc)
        stop = argc; /* the last flag lacks its value: the parse says so */
    return cli_opts_parse(table, n, &style, stop, argv, opts, NULL, 0, NULL) ? -1 : stop;
}

/* Prints text from column col, each '\n' continuing under it. */
static void print_help_text(FILE *out, const char *text, int col)
{
    for (const char *p = text; *p; p++) {
        fputc(*p, out);
        if (*p == '\n' && p[1])
            fprintf(out, "%*s", col, "");
    }
    fputc('\n', out);
}

void cli_opts_usage(FILE *out, const cli_opt *table, size_t n,
                    const cli_opts_style *style)
{
    for (size_t k = 0; k < n; k++) {
        const cli_opt *o = &table[k];
        if (o->kind == CLI_OPT_TEXT) {
            if (o->help)
                print_help_text(out, o->help, style->help_column);
            continue;
        }
        if (!o->help && !o->help_fn)
            continue;
        char left[96];
        snprintf(left, sizeof left, "  %s%s%s", o->flag, o->metavar ? " " : "",
                 o->metavar ? o->metavar : "");
        int w = (int)strlen(left);
        /* A flag wider than the column: its text starts 2 spaces later. */
        int pad = w + 2 <= style->help_column ? style->help_column - w : 2;
        fprintf(out, "%s%*s", left, pad, "");
        if (o->help_fn)
            fprintf(out, "%s\n", o->help_fn(style->help_column));
        else
            print_help_text(out, o->help, style->help_column);
    }
}
