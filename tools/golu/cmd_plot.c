/*
 * cmd_plot.c - `golu plot`: the paper's figures of the activations, and the
 * distribution of trained weights.
 *
 *   OUT/activations.png   f(x) on [-4, 4]
 *   OUT/derivatives.png   f'(x)
 *   OUT/gates.png         f(x)/x, the gate: exp(-exp(-x)) for GoLU, Phi(x)
 *                         for GELU, sigmoid(x) for SiLU (at x = 0 its limit,
 *                         f'(0))
 * computed by golu_forward/golu_backward in double (curves.dat, curves.gp).
 *
 * With --weights DIR (a `golu compare` output: DIR/runs/<act>-s<seed>/
 * checkpoint.safetensors) also the trained weights: every F32 tensor named
 * "*.weight" with 2 or more dimensions (the matrices and kernels, not the
 * norms' scales), optimizer state excluded, pooled over the seeds of each
 * activation: OUT/weights.png (density histograms) and OUT/weights.csv (mean,
 * std, excess kurtosis per activation).
 *
 * src/lab/curves.h and src/lab/weights.h compute and write the files; this
 * file has the flags, the table on stdout, gnuplot and the exit status.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "analysis.h"
#include "cli.h"
#include "commands.h"
#include "curves.h" /* src/lab */
#include "gnuplot.h"
#include "opts.h"
#include "weights.h" /* src/lab */

_Static_assert(ANALYSIS_MAX_ACTS <= LAB_CURVES_MAX_ACTS, "every --acts list has curves");

typedef struct popts {
    const char *out, *weights;
    analysis_acts acts;
    int acts_given;
} popts;

/* The options and the --acts list, parsed after the flags. */
typedef struct pargs {
    popts o;
    const char *acts;
} pargs;

#define OFF(f) offsetof(pargs, f)
static const cli_opt OPTS[] = {
    {.flag = "--acts",
     .kind = CLI_OPT_STRING,
     .offset = OFF(acts),
     .given = CLI_OPT_GIVEN(pargs, o.acts_given),
     .metavar = "LIST",
     .help = "activations (default " ANALYSIS_DEFAULT_ACTS ";\n"
             "with --weights: every activation that has runs)"},
    {.flag = "--out",
     .kind = CLI_OPT_STRING,
     .offset = OFF(o.out),
     .metavar = "DIR",
     .help = "where the plots go (default golu-plot)"},
    {.flag = "--weights",
     .kind = CLI_OPT_STRING,
     .offset = OFF(o.weights),
     .metavar = "DIR",
     .help = "a golu compare output directory"},
};
#undef OFF
enum { N_OPTS = sizeof OPTS / sizeof OPTS[0] };
static const cli_opts_style STYLE = {"plot", 0, CLI_POS_UNKNOWN, 17};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: golu plot [--acts a,b,...] [--out DIR] [--weights COMPARE_DIR]\n\n"
            "Plots the activations, their derivatives and their gates f(x)/x on\n"
            "[-4, 4] (activations.png, derivatives.png, gates.png). With --weights,\n"
            "also the distribution of the trained weights of a `golu compare` run\n"
            "(COMPARE_DIR/runs/<act>-s<seed>/checkpoint.safetensors, all seeds\n"
            "pooled): weights.png and weights.csv (mean, std, excess kurtosis).\n\n");
    cli_opts_usage(out, OPTS, N_OPTS, &STYLE);
    fprintf(out, "\nExit status: 0 done, 1 a plot failed (gnuplot missing included; the\n"
                 "data files are written), 2 bad input.\n");
}

/* 0 parsed, 1 --help printed, -1 bad usage. */
static int parse_opts(int argc, char **argv, popts *o)
{
    pargs a = {{"golu-plot", NULL, {0}, 0}, ANALYSIS_DEFAULT_ACTS};
    int rc = cli_opts_parse(OPTS, N_OPTS, &STYLE, argc, argv, &a, NULL, 0, NULL);
    if (rc > 0)
        usage(stdout);
    if (rc)
        return rc;
    if (analysis_check_out_acts(a.o.out, a.acts, &a.o.acts))
        return -1;
    *o = a.o;
    return 0;
}

/* ------------------------------------------------------------- curves --- */

/* The activation curves (src/lab/curves.h), then gnuplot: 0, or 1 after a
 * message. */
static int curves(const popts *o)
{
    static lab_curves c; /* static: large for the stack */
    char script[PATH_MAX + 32];
    nn_err err = {""};
    if (lab_curves_compute(&c, o->acts.act, o->acts.n, &err) ||
        lab_curves_write(&c, o->out, gnuplot_terminal(), &err)) {
        cli_error("%s", err.msg);
        return 1;
    }
    analysis_path(script, sizeof script, o->out, "curves.gp");
    return analysis_gp_run(script);
}

/* ------------------------------------------------------------ weights --- */

static void print_weights(const analysis_acts *acts, const lab_weights *w)
{
    printf("\ntrained weights (F32 *.weight, ndim >= 2, all seeds pooled)\n");
    printf("%-12s %5s %10s %12s %12s %10s\n", "activation", "runs", "count", "mean",
           "std", "ex.kurt");
    for (int a = 0; a < acts->n; a++)
        if (w[a].runs)
            printf("%-12s %5d %10zu %12.6f %12.6f %10.4f\n", acts->name[a], w[a].runs,
                   w[a].n, w[a].m.mean, w[a].m.std_population, w[a].m.excess_kurtosis);
}

/* The trained weights of --weights (src/lab/weights.h), read whole before
 * anything is drawn: fills acts (the activations looked for) and w
 * (indexed like acts). 0, or 2 after a message naming the directory or
 * file. */
static int weights_load(const popts *o, analysis_acts *acts, lab_weights *w)
{
    nn_err err = {""};
    *acts = o->acts;
    if (!o->acts_given) /* every activation that has runs */
        analysis_all_acts(acts);
    lab_weights_status rc =
        lab_weights_load(o->weights, acts->act, acts->n, o->acts_given, w, &err);
    if (rc == LAB_WEIGHTS_EINPUT)
        cli_error("--weights: %s", err.msg);
    else if (rc)
        cli_error("%s", err.msg);
    return rc ? 2 : 0;
}

/* weights.csv, weights.dat, weights.gp and the plot: 0, or 1. */
static int weights_write(const popts *o, const analysis_acts *acts, const lab_weights *w)
{
    char path[PATH_MAX + 32];
    nn_err err = {""};
    print_weights(acts, w);
    analysis_path(path, sizeof path, o->out, "weights.csv");
    if (lab_weights_csv_write(acts->act, w, acts->n, path, &err) ||
        lab_weights_plot_write(acts->act, w, acts->n, o->out, gnuplot_terminal(), &err)) {
        cli_error("%s", err.msg);
        return 1;
    }
    analysis_path(path, sizeof path, o->out, "weights.gp");
    return analysis_gp_run(path);
}

int golu_cmd_plot(int argc, char **argv)
{
    static popts o;
    static analysis_acts acts;
    static lab_weights w[ANALYSIS_MAX_ACTS];
    int rc = parse_opts(argc, argv, &o);
    if (rc)
        return rc > 0 ? 0 : 2;
    memset(w, 0, sizeof w);
    if (o.weights)
        rc = weights_load(&o, &acts, w);
    if (!rc && (analysis_make_dir("--out", o.out) || analysis_dir_lock("--out", o.out)))
        rc = 2;
    if (!rc) {
        rc = curves(&o);
        if (o.weights) {
            int wrc = weights_write(&o, &acts, w);
            rc = wrc > rc ? wrc : rc;
        }
    }
    lab_weights_free(w, ANALYSIS_MAX_ACTS);
    if (!rc)
        printf("wrote %s/activations.png, derivatives.png, gates.png%s\n", o.out,
               o.weights ? ", weights.png, weights.csv" : "");
    return rc;
}
