/*
 * analysis.h - what `golu variance` and `golu plot` share: the activation
 * list they take (--acts), their output directory, and gnuplot scripts
 * that can be rerun by hand from any directory.
 */
#ifndef GOLU_ANALYSIS_H
#define GOLU_ANALYSIS_H

#include <stddef.h>
#include <stdio.h>

#include "golu.h"

/* The paper's peers plus GoLU, in the order tables and plots show them. */
#define ANALYSIS_DEFAULT_ACTS "relu,leaky_relu,elu,gelu,silu,mish,golu"
#define ANALYSIS_MAX_ACTS     16

typedef struct analysis_acts {
    int n;
    golu_act act[ANALYSIS_MAX_ACTS];     /* default parameters */
    const char *name[ANALYSIS_MAX_ACTS]; /* canonical: "silu" for "swish" */
} analysis_acts;

/* Parses a comma-separated list of libgolu activation names. Unknown names
 * and repeats are errors naming the flag and the name (returns -1). */
int analysis_parse_acts(const char *flag, const char *list, analysis_acts *out);

/* Every activation of GOLU_ACT_LIST, in list order but GoLU last (drawn
 * over the others), with its defaults. */
void analysis_all_acts(analysis_acts *out);
_Static_assert(GOLU_ACT_COUNT <= ANALYSIS_MAX_ACTS, "ANALYSIS_MAX_ACTS: too small");

/* Creates dir (one level) unless it is already a directory; -1 with a message
 * naming the flag otherwise. */
int analysis_make_dir(const char *flag, const char *dir);

/* buf = dir "/" file. */
void analysis_path(char *buf, size_t size, const char *dir, const char *file);

/* A JSON string literal / number (null for NaN and infinities; the value
 * of its "%.17g" text, an integer when that text is one) on f, through
 * io/json_write.h. For compare's reports until they build their JSON as a
 * jansson tree; new code builds a tree and writes it with json_write.h. */
void analysis_json_string(FILE *f, const char *s);
void analysis_json_number(FILE *f, double v);

/*
 * Starts a gnuplot script: the PNG terminal, and `d`, the directory the
 * script lies in (with its trailing slash), so that `gnuplot DIR/x.gp` finds
 * its data files from any working directory. Scripts name their files as
 * d."file". name: the script's own file name, for the comment at its top.
 */
void analysis_gp_prologue(FILE *f, const char *name);

/* A fixed colour per activation ("#rrggbb"), the same in every plot; GoLU
 * is red. */
const char *analysis_color(golu_act_kind kind);

/* Runs a script the command wrote. 0 on success; else says why (gnuplot
 * missing included) and returns 1, the command's exit status. */
int analysis_gp_run(const char *script);

#endif
