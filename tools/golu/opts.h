/*
 * opts.h - table-driven flags for the golu commands.
 *
 * A command describes its flags once, in a table of cli_opt: the flag, how
 * its value is parsed (with the same messages as the cli_parse_* functions),
 * where it goes in the command's options struct, and its help line. Parsing
 * and the options part of --help both walk the table, so a new flag is one
 * line. Checks that relate several flags stay in the command.
 *
 * Rows are written with designated initializers; a field left out is 0,
 * which is always a safe default (no "given" field, no help function):
 *
 *   {.flag = "--threads", .kind = CLI_OPT_INT, .offset = offsetof(opts, threads),
 *    .min = 1, .max = 64, .given = CLI_OPT_GIVEN(opts, threads_given),
 *    .metavar = "N", .help = "worker threads\n(default: all CPUs)"},
 */
#ifndef GOLU_OPTS_H
#define GOLU_OPTS_H

#include <stddef.h>
#include <stdio.h>

typedef enum cli_opt_kind {
    CLI_OPT_BOOL,   /* bare flag: the int at offset becomes 1 */
    CLI_OPT_INT,    /* int in [min, max] */
    CLI_OPT_LONG,   /* long in [min, max] (max >= 2^63: LONG_MAX) */
    CLI_OPT_DOUBLE, /* double, any value strtod takes */
    CLI_OPT_SIZE,   /* size_t with an optional Ki/Mi/Gi suffix */
    CLI_OPT_STRING, /* const char *, pointing into argv */
    CLI_OPT_ACT,    /* golu_act, by name (cli_parse_act) */
    CLI_OPT_DTYPE,  /* golu_dtype, by name (cli_parse_dtype) */
    CLI_OPT_ISA,    /* golu_isa, by name (cli_parse_isa) */
    CLI_OPT_CUSTOM, /* parse(opts, flag, value) does it */
    CLI_OPT_TEXT,   /* no flag: a line of the usage, help printed as it is
                       (from column 0; each '\n' continues under the help
                       column), e.g. one line for several flags */
} cli_opt_kind;

/* The "given" field of a row: the int `field` of `type`, set to 1 when the
 * flag is given. (Stored as offset + 1, so that 0 means none.) */
#define CLI_OPT_GIVEN(type, field) (offsetof(type, field) + 1)

typedef struct cli_opt {
    const char *flag; /* "--threads"; NULL for CLI_OPT_TEXT */
    cli_opt_kind kind;
    size_t offset; /* of the value in the options struct */
    double min, max;
    /* CLI_OPT_CUSTOM: stores value into opts; 0, or -1 after a message
     * that names the flag. */
    int (*parse)(void *opts, const char *flag, const char *value);
    /* CLI_OPT_GIVEN(type, field), or 0: not tracked. */
    size_t given;
    /* Help: the value's name ("N", NULL for none) and the text; a '\n' in
     * the text continues on a new line under the text's column. NULL help
     * (and no help_fn): not listed (flags for the tests, or flags that a
     * CLI_OPT_TEXT row describes). */
    const char *metavar;
    const char *help;
    /* A text made at run time (a list of activations), used instead of
     * help: given the help column, it returns the whole text with its
     * continuation lines already indented (printed as it is). */
    const char *(*help_fn)(int column);
} cli_opt;

/* What a command does with an argument that does not start with '-'. */
typedef enum cli_opts_positionals {
    CLI_POS_REFUSE,  /* "'x': unexpected argument (see golu C --help)" */
    CLI_POS_COLLECT, /* collected into positional[] */
    CLI_POS_UNKNOWN, /* refused in the words of an unknown option */
} cli_opts_positionals;

/* How a command words a bad argument. */
typedef struct cli_opts_style {
    const char *command; /* "ulp": the "see golu ulp --help" hint */
    int flag_first;      /* 1: "--x: unknown option (see ...)";
                            0: "unknown option '--x' (see ...)" */
    int positionals;     /* a cli_opts_positionals */
    int help_column;     /* where help texts start (e.g. 20) */
} cli_opts_style;

/*
 * Parses argv[1..argc) against the table into opts, in order. An argument
 * that starts with '-' ("-" included) is a flag: one of the table's, or
 * "--help" / "-h", which stops the parse and returns 1 (the caller prints
 * its usage; an error in an earlier argument is reported first; a flag's
 * value is its value, even "--help"). Other arguments go as the
 * style says; collected ones are stored in positional[0..max_positional)
 * with their count. Returns 0, 1 for --help, or -1 after printing what is
 * wrong (the command then exits 2).
 */
int cli_opts_parse(const cli_opt *table, size_t n, const cli_opts_style *style, int argc,
                   char **argv, void *opts, char **positional, int max_positional,
                   int *npositional);

/*
 * cli_opts_parse of argv[1..) up to the first argument the table does not
 * take, for a command that parses the rest its own way (golu eval and golu
 * compare take the training flags after their table's): an unknown flag,
 * "--help" or "-h", a word without "-", or "--flag=..." of a flag that
 * takes no value. The values of the table's flags are skipped over, so
 * "--data --help" is a path. Returns that argument's index, argc when the
 * table took every argument, or -1 after cli_opts_parse's message for a
 * bad argument before it (in the "unknown option '--x'" wording, command
 * in its hint). The caller words the argument it stopped at as its command
 * always has, so that arguments are still checked in order, the first bad
 * one named.
 */
int cli_opts_parse_until(const cli_opt *table, size_t n, const char *command, int argc,
                         char **argv, void *opts);

/* The table's help lines, in table order. */
void cli_opts_usage(FILE *out, const cli_opt *table, size_t n,
                    const cli_opts_style *style);

#endif
