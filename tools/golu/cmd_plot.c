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
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis.h"
#include "cli.h"
#include "commands.h"
#include "io/table.h"
#include "opts.h"
#include "outfile.h"
#include "safetensors.h"

#define X_MIN     -4.0
#define X_POINTS  801 /* step 0.01 */
#define HIST_BINS 120

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
    if (!*a.o.out) {
        cli_error("--out: empty directory name");
        return -1;
    }
    if (analysis_parse_acts("--acts", a.acts, &a.o.acts))
        return -1;
    *o = a.o;
    return 0;
}

/* ------------------------------------------------------------- curves --- */

/* curves.dat: x, then f, f' and the gate of each activation (n columns each). */
static int write_curves(const popts *o)
{
    static double x[X_POINTS], f[ANALYSIS_MAX_ACTS][X_POINTS],
        d[ANALYSIS_MAX_ACTS][X_POINTS];
    static double ones[X_POINTS];
    char path[PATH_MAX + 32];
    for (int i = 0; i < X_POINTS; i++)
        x[i] = X_MIN + i / 100.0, ones[i] = 1.0;
    for (int a = 0; a < o->acts.n; a++)
        if (golu_forward(NULL, &o->acts.act[a], GOLU_F64, x, f[a], X_POINTS) ||
            golu_backward(NULL, &o->acts.act[a], GOLU_F64, x, ones, d[a], X_POINTS)) {
            cli_error("%s: the library refused the activation", o->acts.name[a]);
            return -1;
        }
    outfile out;
    analysis_path(path, sizeof path, o->out, "curves.dat");
    if (outfile_open(&out, path))
        return -1;
    fputs("# x, f(x) of each activation, f'(x) of each, f(x)/x of each:", out.f);
    for (int a = 0; a < o->acts.n; a++)
        fprintf(out.f, " %s", o->acts.name[a]);
    fputc('\n', out.f);
    for (int i = 0; i < X_POINTS; i++) {
        fprintf(out.f, "%.4f", x[i]);
        for (int a = 0; a < o->acts.n; a++)
            fprintf(out.f, " %.12g", f[a][i]);
        for (int a = 0; a < o->acts.n; a++)
            fprintf(out.f, " %.12g", d[a][i]);
        for (int a = 0; a < o->acts.n; a++) /* the gate's limit at 0 is f'(0) */
            fprintf(out.f, " %.12g", x[i] != 0 ? f[a][i] / x[i] : d[a][i]);
        fputc('\n', out.f);
    }
    return outfile_commit(&out);
}

/* `set` lines and the plot of one quantity (columns first+1 .. first+n). */
static void curves_panel(FILE *f, const popts *o, const char *png, const char *title,
                         const char *ylabel, int first)
{
    fprintf(f, "\nset output d.'%s'\nset title '%s'\nset ylabel \"%s\"\n", png, title,
            ylabel);
    fprintf(f,
            "plot for [j=1:%d] d.'curves.dat' using 1:(column(%d+j)) with lines "
            "lw (word(names, j) eq 'golu' ? 3.5 : 1.8) lc rgb word(colors, j) "
            "title word(names, j)\n",
            o->acts.n, first);
}

static int write_curves_script(const popts *o)
{
    char path[PATH_MAX + 32];
    outfile out;
    int n = o->acts.n;
    analysis_path(path, sizeof path, o->out, "curves.gp");
    if (outfile_open(&out, path))
        return -1;
    FILE *f = out.f;
    analysis_gp_prologue(f, "curves.gp");
    fputs("names = '", f);
    for (int a = 0; a < n; a++)
        fprintf(f, "%s%s", a ? " " : "", o->acts.name[a]);
    fputs("'\ncolors = '", f);
    for (int a = 0; a < n; a++)
        fprintf(f, "%s%s", a ? " " : "", analysis_color(o->acts.act[a].kind));
    fputs("'\nset xrange [-4:4]\nset xlabel 'x'\nset grid\nset key left top\n"
          "set xzeroaxis\n",
          f);
    curves_panel(f, o, "activations.png", "Activations", "f(x)", 1);
    curves_panel(f, o, "derivatives.png", "Derivatives", "f'(x)", 1 + n);
    fputs("set yrange [-0.1:1.2]\n", f);
    curves_panel(f, o, "gates.png",
                 "Gates f(x)/x: GoLU exp(-exp(-x)), GELU Phi(x), SiLU sigmoid(x)",
                 "f(x) / x", 1 + 2 * n);
    return outfile_commit(&out);
}

/* ------------------------------------------------------------ weights --- */

/* The weights of one activation, pooled over its runs. */
typedef struct act_weights {
    float *v;
    size_t n, cap;
    int runs, tensors;
    char seeds[128]; /* "1;2;3" */
    double mean, std, kurt, min, max;
} act_weights;

static int push(act_weights *w, const float *v, size_t n)
{
    if (w->n + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->n + n)
            cap *= 2;
        float *p = realloc(w->v, cap * sizeof *p);
        if (!p)
            return -1;
        w->v = p, w->cap = cap;
    }
    memcpy(w->v + w->n, v, n * sizeof *v);
    w->n += n;
    return 0;
}

/* The tensors this analysis takes: F32 "*.weight", ndim >= 2, not optim.*. */
static int is_weight(const nn_st_tensor *t)
{
    size_t len = strlen(t->name);
    return t->dtype == NN_ST_F32 && t->ndim >= 2 && len > 7 &&
           strcmp(t->name + len - 7, ".weight") == 0 &&
           strncmp(t->name, "optim.", 6) != 0;
}

/* Adds one checkpoint's weights; -1 after a message naming the file. */
static int add_checkpoint(act_weights *w, const char *path)
{
    nn_st_file *f = NULL;
    nn_err err = {""};
    struct stat st;
    if (stat(path, &st) != 0) {
        cli_error("--weights: %s: no such file (the run has no checkpoint)", path);
        return -1;
    }
    if (nn_st_open(&f, path, &err)) {
        cli_error("--weights: %s", err.msg);
        return -1;
    }
    int found = 0, rc = 0;
    for (int i = 0; i < nn_st_count(f) && !rc; i++) {
        const nn_st_tensor *t = nn_st_get(f, i);
        if (!is_weight(t))
            continue;
        size_t count = 1;
        for (int k = 0; k < t->ndim; k++)
            count *= (size_t)t->shape[k];
        found++;
        if (push(w, t->data, count)) {
            cli_error("out of memory reading %s", path);
            rc = -1;
        }
    }
    nn_st_close(f);
    if (!rc && !found) {
        cli_error("--weights: %s: no F32 tensor named *.weight with 2 or more dimensions",
                  path);
        rc = -1;
    }
    w->tensors += found;
    return rc;
}

/* "golu-s12" -> the activation's index in acts and seed 12; -1 if the name
 * is not a run of one of them. */
static int parse_run_name(const char *name, const analysis_acts *acts, long *seed)
{
    const char *dash = strrchr(name, '-');
    char act[64], *end;
    if (!dash || dash[1] != 's' || dash[2] < '0' || dash[2] > '9' ||
        (size_t)(dash - name) >= sizeof act)
        return -1;
    *seed = strtol(dash + 2, &end, 10);
    if (*end)
        return -1;
    memcpy(act, name, (size_t)(dash - name));
    act[dash - name] = '\0';
    golu_act a;
    if (golu_act_from_name(act, &a) != GOLU_OK)
        return -1;
    for (int i = 0; i < acts->n; i++)
        if (acts->act[i].kind == a.kind)
            return i;
    return -1;
}

/* Reads every run of DIR/runs into w (indexed like acts), in name order. */
static int read_runs(const char *dir, const analysis_acts *acts, act_weights *w)
{
    char runs[PATH_MAX], path[PATH_MAX + 320];
    struct dirent **names;
    snprintf(runs, sizeof runs, "%s/runs", dir);
    int n = scandir(runs, &names, NULL, alphasort), rc = 0;
    if (n < 0) {
        cli_error("--weights: %s: not a golu compare output (no runs/ directory)", dir);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        long seed;
        int a = parse_run_name(names[i]->d_name, acts, &seed);
        if (!rc && a >= 0) {
            snprintf(path, sizeof path, "%s/%s/checkpoint.safetensors", runs,
                     names[i]->d_name);
            rc = add_checkpoint(&w[a], path);
            size_t len = strlen(w[a].seeds);
            snprintf(w[a].seeds + len, sizeof w[a].seeds - len, "%s%ld", len ? ";" : "",
                     seed);
            w[a].runs++;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

/* Mean, population std and excess kurtosis (m4 / m2^2 - 3), in two passes. */
static void weight_stats(act_weights *w)
{
    double s = 0, m2 = 0, m4 = 0;
    w->min = INFINITY, w->max = -INFINITY;
    for (size_t i = 0; i < w->n; i++) {
        s += w->v[i];
        w->min = fmin(w->min, w->v[i]);
        w->max = fmax(w->max, w->v[i]);
    }
    w->mean = s / (double)w->n;
    for (size_t i = 0; i < w->n; i++) {
        double c = w->v[i] - w->mean, c2 = c * c;
        m2 += c2, m4 += c2 * c2;
    }
    m2 /= (double)w->n, m4 /= (double)w->n;
    w->std = sqrt(m2);
    w->kurt = m2 > 0 ? m4 / (m2 * m2) - 3.0 : NAN;
}

/* weights.csv: one row per activation with runs; its statistics as
 * "%.17g", the extremes (floats) as "%.9g". */
static int write_weights_csv(const popts *o, const analysis_acts *acts,
                             const act_weights *w)
{
    static const struct {
        const char *name;
        nn_table_kind kind;
        const char *fmt;
    } cols[] = {
        {"activation", NN_TABLE_STR, NULL}, {"runs", NN_TABLE_INT, NULL},
        {"seeds", NN_TABLE_STR, NULL},      {"tensors", NN_TABLE_INT, NULL},
        {"count", NN_TABLE_INT, NULL},      {"mean", NN_TABLE_REAL, "%.17g"},
        {"std", NN_TABLE_REAL, "%.17g"},    {"excess_kurtosis", NN_TABLE_REAL, "%.17g"},
        {"min", NN_TABLE_REAL, "%.9g"},     {"max", NN_TABLE_REAL, "%.9g"},
    };
    char path[PATH_MAX + 32];
    nn_err err;
    nn_table *t = nn_table_create();
    int bad = !t;
    for (size_t c = 0; !bad && c < sizeof cols / sizeof cols[0]; c++)
        bad = nn_table_col_add(t, cols[c].name, cols[c].kind, cols[c].fmt) < 0;
    for (int a = 0; !bad && a < acts->n; a++) {
        if (!w[a].runs)
            continue;
        bad = nn_table_row_add(t) < 0 || nn_table_str_set(t, 0, acts->name[a]) ||
              nn_table_int_set(t, 1, w[a].runs) || nn_table_str_set(t, 2, w[a].seeds) ||
              nn_table_int_set(t, 3, w[a].tensors) ||
              nn_table_int_set(t, 4, (long long)w[a].n) ||
              nn_table_real_set(t, 5, w[a].mean) || nn_table_real_set(t, 6, w[a].std) ||
              nn_table_real_set(t, 7, w[a].kurt) || nn_table_real_set(t, 8, w[a].min) ||
              nn_table_real_set(t, 9, w[a].max);
    }
    analysis_path(path, sizeof path, o->out, "weights.csv");
    int rc = t ? nn_table_write_file(t, NN_TABLE_CSV, path, &err) : -1;
    if (rc)
        cli_error("%s", t ? err.msg : "out of memory");
    nn_table_free(t);
    return rc;
}

/* weights.dat: bin centre, then each activation's density (the area over
 * all bins is the fraction of its weights inside the range). */
static int write_histograms(const popts *o, const analysis_acts *acts,
                            const act_weights *w, double range)
{
    static double h[ANALYSIS_MAX_ACTS][HIST_BINS];
    double width = 2 * range / HIST_BINS;
    char path[PATH_MAX + 32];
    memset(h, 0, sizeof h);
    for (int a = 0; a < acts->n; a++)
        for (size_t i = 0; i < w[a].n; i++) {
            double b = floor((w[a].v[i] + range) / width);
            if (b >= 0 && b < HIST_BINS)
                h[a][(int)b] += 1.0 / ((double)w[a].n * width);
        }
    outfile out;
    analysis_path(path, sizeof path, o->out, "weights.dat");
    if (outfile_open(&out, path))
        return -1;
    fputs("# weight (bin centre), density per activation:", out.f);
    for (int a = 0; a < acts->n; a++)
        if (w[a].runs)
            fprintf(out.f, " %s", acts->name[a]);
    fputc('\n', out.f);
    for (int b = 0; b < HIST_BINS; b++) {
        fprintf(out.f, "%.8g", -range + (b + 0.5) * width);
        for (int a = 0; a < acts->n; a++)
            if (w[a].runs)
                fprintf(out.f, " %.8g", h[a][b]);
        fputc('\n', out.f);
    }
    return outfile_commit(&out);
}

static int write_weights_script(const popts *o, const analysis_acts *acts,
                                const act_weights *w, int found)
{
    char path[PATH_MAX + 32];
    outfile out;
    analysis_path(path, sizeof path, o->out, "weights.gp");
    if (outfile_open(&out, path))
        return -1;
    FILE *f = out.f;
    analysis_gp_prologue(f, "weights.gp");
    fputs("names = '", f);
    for (int a = 0, k = 0; a < acts->n; a++)
        if (w[a].runs)
            fprintf(f, "%s%s", k++ ? " " : "", acts->name[a]);
    fputs("'\ncolors = '", f);
    for (int a = 0, k = 0; a < acts->n; a++)
        if (w[a].runs)
            fprintf(f, "%s%s", k++ ? " " : "", analysis_color(acts->act[a].kind));
    fputs("'\nset output d.'weights.png'\n"
          "set title 'Trained weights (F32 *.weight, 2+ dimensions), all seeds'\n"
          "set xlabel 'weight'\nset ylabel 'density'\nset grid\nset key right top\n",
          f);
    fprintf(f,
            "plot for [j=1:%d] d.'weights.dat' using 1:(column(1+j)) with steps "
            "lw (word(names, j) eq 'golu' ? 3 : 1.5) lc rgb word(colors, j) "
            "title word(names, j)\n",
            found);
    return outfile_commit(&out);
}

static void print_weights(const analysis_acts *acts, const act_weights *w)
{
    printf("\ntrained weights (F32 *.weight, ndim >= 2, all seeds pooled)\n");
    printf("%-12s %5s %10s %12s %12s %10s\n", "activation", "runs", "count", "mean",
           "std", "ex.kurt");
    for (int a = 0; a < acts->n; a++)
        if (w[a].runs)
            printf("%-12s %5d %10zu %12.6f %12.6f %10.4f\n", acts->name[a], w[a].runs,
                   w[a].n, w[a].mean, w[a].std, w[a].kurt);
}

/* The histogram's range: +-(|mean| + 5 std), the widest over the
 * activations, so every curve shares the axis and the tails show. */
static double hist_range(const analysis_acts *acts, const act_weights *w)
{
    double r = 0;
    for (int a = 0; a < acts->n; a++)
        if (w[a].runs)
            r = fmax(r, fabs(w[a].mean) + 5 * w[a].std);
    return r > 0 && isfinite(r) ? r : 1.0;
}

/* The trained weights of --weights, read whole before anything is drawn:
 * fills acts (the activations looked for) and w (indexed like acts).
 * 0, or 2 after a message naming the directory or file. */
static int weights_load(const popts *o, analysis_acts *acts, act_weights *w)
{
    int found = 0;
    struct stat st;
    *acts = o->acts;
    if (!o->acts_given) /* every activation that has runs */
        analysis_all_acts(acts);
    if (stat(o->weights, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cli_error("--weights: %s is not a directory (a golu compare output)", o->weights);
        return 2;
    }
    if (read_runs(o->weights, acts, w))
        return 2;
    for (int a = 0; a < acts->n; a++) {
        if (w[a].runs)
            found++, weight_stats(&w[a]);
        else if (o->acts_given) {
            cli_error("--weights: %s/runs has no run of %s (%s-s<seed>)", o->weights,
                      acts->name[a], acts->name[a]);
            return 2;
        }
    }
    if (!found) {
        cli_error("--weights: %s/runs holds no <act>-s<seed> run directories",
                  o->weights);
        return 2;
    }
    return 0;
}

/* weights.csv, weights.dat, weights.gp and the plot: 0, or 1. */
static int weights_write(const popts *o, const analysis_acts *acts, const act_weights *w)
{
    int found = 0;
    char script[PATH_MAX + 32];
    for (int a = 0; a < acts->n; a++)
        found += w[a].runs > 0;
    print_weights(acts, w);
    if (write_weights_csv(o, acts, w) ||
        write_histograms(o, acts, w, hist_range(acts, w)) ||
        write_weights_script(o, acts, w, found))
        return 1;
    analysis_path(script, sizeof script, o->out, "weights.gp");
    return analysis_gp_run(script);
}

/* The activation curves: 0, or 1. */
static int curves(const popts *o)
{
    char script[PATH_MAX + 32];
    if (write_curves(o) || write_curves_script(o))
        return 1;
    analysis_path(script, sizeof script, o->out, "curves.gp");
    return analysis_gp_run(script);
}

int golu_cmd_plot(int argc, char **argv)
{
    static popts o;
    static analysis_acts acts;
    static act_weights w[ANALYSIS_MAX_ACTS];
    int rc = parse_opts(argc, argv, &o);
    if (rc)
        return rc > 0 ? 0 : 2;
    memset(w, 0, sizeof w);
    if (o.weights)
        rc = weights_load(&o, &acts, w);
    if (!rc && analysis_make_dir("--out", o.out))
        rc = 2;
    if (!rc) {
        rc = curves(&o);
        if (o.weights) {
            int wrc = weights_write(&o, &acts, w);
            rc = wrc > rc ? wrc : rc;
        }
    }
    for (int a = 0; a < ANALYSIS_MAX_ACTS; a++)
        free(w[a].v);
    if (!rc)
        printf("wrote %s/activations.png, derivatives.png, gates.png%s\n", o.out,
               o.weights ? ", weights.png, weights.csv" : "");
    return rc;
}
