/*
 * analysis.h - what `golu variance` and `golu plot` share: the activation
 * list they take (--acts), their output directory, and running the gnuplot
 * scripts that the library writes beside their data (src/lab/gnuplot_script.h,
 * variance_report.h, curves.h, weights.h).
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

/* What variance and plot check once their flags are parsed: --out is not
 * empty and is UTF-8 (their JSON files must be able to name it), and --acts (list) names
 * known activations, stored in *acts. 0, or -1 after a message naming the flag. */
int analysis_check_out_acts(const char *out, const char *list, analysis_acts *acts);

/* Every activation of GOLU_ACT_LIST, in list order but GoLU last (drawn
 * over the others), with its defaults. */
void analysis_all_acts(analysis_acts *out);
_Static_assert(GOLU_ACT_COUNT <= ANALYSIS_MAX_ACTS, "ANALYSIS_MAX_ACTS: too small");

/* Creates dir (one level) unless it is already a directory; -1 with a message
 * naming the flag otherwise. */
int analysis_make_dir(const char *flag, const char *dir);
/* Takes dir's lock (the framework's io/lock.h: one writing command per
 * directory; stale temporary files swept) for the rest of the process; -1
 * with a message naming the flag, dir and the holder's pid when another
 * command holds it. Up to four directories a process. */
int analysis_dir_lock(const char *flag, const char *dir);

/* buf = dir "/" file. */
void analysis_path(char *buf, size_t size, const char *dir, const char *file);

/* Runs a script the command wrote. 0 on success; else says why (gnuplot
 * missing included) and returns 1, the command's exit status. */
int analysis_gp_run(const char *script);

#endif
