/*
 * opts.h - table-driven flags for the golu commands.
 *
 * A command describes its flags once, in a table of cli_opt: the flag, how
 * its value is parsed (with the same messages as the cli_parse_* functions),
 * where it goes in the command's options struct, and its help line. Parsing
 * and the options part of --help both walk the table, so a new flag is one
 * line. Checks that relate several flags stay in the command.
 */
#ifndef GOLU_OPTS_H
#define GOLU_OPTS_H

#include <stddef.h>
#include <stdio.h>

typedef enum cli_opt_kind {
    CLI_OPT_BOOL,   /* bare flag: the int at offset becomes 1 */
    CLI_OPT_INT,    /* int in [min, max] */
    CLI_OPT_LONG,   /* long in [min, max] */
    CLI_OPT_DOUBLE, /* double, any value strtod takes */
    CLI_OPT_SIZE,   /* size_t with an optional Ki/Mi/Gi suffix */
    CLI_OPT_STRING, /* const char *, pointing into argv */
    CLI_OPT_CUSTOM, /* parse(opts, flag, value) does it */
} cli_opt_kind;

/* No "given" field: CLI_OPT(...)'s default. */
#define CLI_OPT_UNTRACKED ((size_t)-1)

typedef struct cli_opt {
    const char *flag; /* "--threads" */
    cli_opt_kind kind;
    size_t offset; /* of the value in the options struct */
    double min, max;
    /* CLI_OPT_CUSTOM: stores value into opts; 0, or -1 after a message
     * that names the flag. */
    int (*parse)(void *opts, const char *flag, const char *value);
    /* Offset of an int set to 1 when the flag is given, or
     * CLI_OPT_UNTRACKED. */
    size_t given;
    /* Help: the value's name ("N", NULL for none) and the text; a '\n' in
     * the text continues on a new line under the text's column. NULL help:
     * not listed (flags for the tests). */
    const char *metavar;
    const char *help;
} cli_opt;

/* How a command words a bad argument. */
typedef struct cli_opts_style {
    const char *command; /* "ulp": the "see golu ulp --help" hint */
    int flag_first;      /* 1: "--x: unknown option (see ...)";
                            0: "unknown option '--x' (see ...)" */
    int positionals;     /* arguments without "--" allowed (collected) */
    int help_column;     /* where help texts start (e.g. 20) */
} cli_opts_style;

/*
 * Parses argv[1..argc) against the table into opts. "--help"/"-h" are the
 * caller's (handled before). Positional arguments are stored in
 * positional[0..max_positional) with their count when the style allows
 * them, else refused. Returns 0, or -1 after printing what is wrong (the
 * command then exits 2).
 */
int cli_opts_parse(const cli_opt *table, size_t n, const cli_opts_style *style, int argc,
                   char **argv, void *opts, char **positional, int max_positional,
                   int *npositional);

/* The table's help lines, in table order. */
void cli_opts_usage(FILE *out, const cli_opt *table, size_t n,
                    const cli_opts_style *style);

#endif
