/*
 * cli.h - what every golu subcommand shares: error messages that name the
 * flag and the problem, and parsers for the values flags take.
 *
 * Parsers return 0 on success and print "golu <cmd>: <flag>: <problem>" to
 * stderr and return -1 on failure; the command then exits with status 2.
 */
#ifndef GOLU_CLI_H
#define GOLU_CLI_H

#include <stddef.h>

#include "golu.h"

struct json_t; /* jansson's (io/json_write.h); not included here */

/* Sets the subcommand name used in messages ("ulp", "bench"). */
void cli_set_command(const char *name);
/* Prints "golu <cmd>: <message>\n" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The value of a flag at argv[*i]: either "--flag=value" (returned after the
 * '=') or "--flag value" (advances *i). NULL (with a message) if missing. */
const char *cli_flag_value(int argc, char **argv, int *i, const char *flag);
/* 1 if argv[i] is `flag` or starts with `flag=`. */
int cli_is_flag(const char *arg, const char *flag);

int cli_parse_long(const char *flag, const char *s, long min, long max, long *out);
int cli_parse_double(const char *flag, const char *s, double *out);
/* Sizes with an optional binary suffix: 4096, 4Ki, 64Ki, 1Mi, 16Mi, 1Gi. */
int cli_parse_size(const char *flag, const char *s, size_t *out);
int cli_parse_act(const char *flag, const char *s, golu_act *out);
int cli_parse_dtype(const char *flag, const char *s, golu_dtype *out);
int cli_parse_isa(const char *flag, const char *s, golu_isa *out);

/*
 * The activations in words, from GOLU_ACT_LIST (golu.h) in list order, for
 * usage texts and messages. Each returns a static buffer that the next call
 * of the same function overwrites.
 *   cli_acts_csv()        "golu,relu,leaky_relu,...,mish": the names
 *   cli_acts_known()      "golu, relu, ..., silu, swish, mish": the names
 *                         and the aliases shown in help texts
 *   cli_acts_help(c, i)   "golu, relu, ..., silu (swish), mish" for a usage
 *                         text: the list starts at column c, and wraps to
 *                         lines indented by i columns so that no line is
 *                         longer than CLI_HELP_COLUMNS
 */
#define CLI_ACTS_MAX     1024
#define CLI_HELP_COLUMNS 80
const char *cli_acts_csv(void);
const char *cli_acts_known(void);
const char *cli_acts_help(int column, int indent);

/*
 * Splits a comma-separated list in place (s is modified): stores up to `max`
 * pointers in items and the count in *count. Empty items and too many items
 * are errors.
 */
int cli_split_list(const char *flag, char *s, char **items, int max, int *count);

/* Prints doc, a jansson tree whose reference this call takes (NULL: out of
 * memory while building it), on stdout as one JSON value and a newline
 * (flags: jansson's, e.g. 0 for one line, JSON_INDENT(2)). Returns 0, or 1
 * (the command's exit status) after a message. */
int cli_json_print(struct json_t *doc, size_t flags);

/* The CPU's marketing name from /proc/cpuinfo, or "unknown". */
void cli_cpu_model(char *buf, size_t size);

/* What --gpu says in a build without the CUDA part (exit status 1). */
#define CLI_NO_CUDA                                                                      \
    "--gpu: this build has no CUDA support (nvcc was not found when it was built, "      \
    "or CUDA=0; see docs/CUDA.md)"

/* Monotonic time in seconds. */
double cli_now(void);

#endif
