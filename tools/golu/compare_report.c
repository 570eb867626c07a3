/*
 * compare_report.c - what `golu compare` leaves when every run is done
 * (compare.h): per-activation statistics, results.md/csv/json, the plots,
 * and the table printed last.
 *
 * The statistics are over the runs that did not diverge: mean, the sample
 * standard deviation (n - 1; none for one run), min and max, computed by
 * the measurement library (src/lab/compare.h). A run that diverged is
 * listed as such and counted apart.
 *
 * Every value comes from the runs' own files (lab_compare_run_load), never from
 * this process's memory, so a compare that trained nothing writes the same
 * results.csv as the one that trained everything.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "blas_setup.h"
#include "cli.h"
#include "analysis.h"
#include "compare_report.h"
#include "gnuplot.h"
#include "outfile.h"

typedef struct report {
    const lab_compare_config *c;
    const nn_task_metric *m;
    const lab_compare_run *runs;
    int nruns;
    lab_compare_summary sum;         /* statistics and ranking (src/lab/compare.h) */
    char plot_note[PATH_MAX + 2048]; /* why plots are missing ("" when drawn) */
} report;

/* The run of (act, seed), or NULL. */
static const lab_compare_run *find_run(const report *R, int act, int seed)
{
    return lab_compare_find(R->runs, R->nruns, act, seed);
}

/* --------------------------------------------------------------- words --- */

static void fmt_value(char *buf, size_t size, int decimals, double v)
{
    if (isfinite(v))
        snprintf(buf, size, "%.*f", decimals, v);
    else
        snprintf(buf, size, "-");
}

static double total_seconds(const report *R)
{
    double t = 0;
    for (int i = 0; i < R->nruns; i++)
        t += isfinite(R->runs[i].seconds) ? R->runs[i].seconds : 0;
    return t;
}

static void duration(char *buf, size_t size, double s)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, size, "%ldh%02ldm%02lds", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, size, "%ldm%02lds", t / 60, t % 60);
}

/* "seeds 1..3", or "seed 1". */
static const char *seeds_text(int seeds)
{
    static char buf[32];
    if (seeds == 1)
        return "seed 1";
    snprintf(buf, sizeof buf, "seeds 1..%d", seeds);
    return buf;
}

static void machine(char *buf, size_t size, int threads)
{
    char cpu[256];
    cli_cpu_model(cpu, sizeof cpu);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (threads > 0)
        snprintf(buf, size, "%s, %d thread%s (OpenBLAS %s)", cpu, threads,
                 threads == 1 ? "" : "s", blas_corename());
    else
        snprintf(buf, size, "%s, all %ld CPUs (OpenBLAS %s)", cpu, cpus, blas_corename());
}

/* ---------------------------------------------------------- results.csv --- */

static void csv_value(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
}

/* One row per run, activation by activation, then seed by seed. */
static int write_csv(const report *R, const char *path)
{
    outfile o;
    if (outfile_open(&o, path))
        return -1;
    fprintf(o.f, "act,seed,%s,%s,seconds,status\n", R->m->key, R->m->loss_key);
    for (int a = 0; a < R->c->nacts; a++)
        for (int s = 1; s <= R->c->seeds; s++) {
            const lab_compare_run *r = find_run(R, a, s);
            if (!r)
                continue;
            fprintf(o.f, "%s,%d,", R->c->act_name[a], s);
            csv_value(o.f, r->metric);
            fputc(',', o.f);
            csv_value(o.f, r->loss);
            fputc(',', o.f);
            csv_value(o.f, r->seconds);
            fprintf(o.f, ",%s\n", r->status == LAB_RUN_DIVERGED ? "diverged" : "ok");
        }
    return outfile_commit(&o);
}

/* --------------------------------------------------------- results.json --- */

static void json_key_string(FILE *f, const char *key, const char *value)
{
    fprintf(f, "  \"%s\": ", key);
    analysis_json_string(f, value);
    fputs(",\n", f);
}

static void json_runs(const report *R, FILE *f)
{
    const nn_task_metric *m = R->m;
    fputs("  \"runs\": [\n", f);
    int first = 1;
    for (int a = 0; a < R->c->nacts; a++)
        for (int s = 1; s <= R->c->seeds; s++) {
            const lab_compare_run *r = find_run(R, a, s);
            if (!r)
                continue;
            fprintf(f,
                    "%s    {\"act\": \"%s\", \"seed\": %d, \"%s\": ", first ? "" : ",\n",
                    R->c->act_name[a], s, m->key);
            analysis_json_number(f, r->metric);
            fprintf(f, ", \"%s\": ", m->loss_key);
            analysis_json_number(f, r->loss);
            fputs(", \"seconds\": ", f);
            analysis_json_number(f, r->seconds);
            fprintf(f, ", \"status\": \"%s\"}",
                    r->status == LAB_RUN_DIVERGED ? "diverged" : "ok");
            first = 0;
        }
    fputs("\n  ],\n", f);
}

static void json_stats(const report *R, FILE *f)
{
    static const char *const names[6] = {"mean", "std",       "min",
                                         "max",  "loss_mean", "loss_std"};
    fputs("  \"activations\": [\n", f);
    for (int a = 0; a < R->c->nacts; a++) {
        const lab_act_stats *s = &R->sum.stats[a];
        const double v[6] = {s->mean, s->std, s->min, s->max, s->loss_mean, s->loss_std};
        fprintf(f, "    {\"act\": \"%s\", \"n\": %d, \"diverged\": %d", R->c->act_name[a],
                s->n, s->diverged);
        for (int k = 0; k < 6; k++) {
            fprintf(f, ", \"%s\": ", names[k]);
            analysis_json_number(f, v[k]);
        }
        fprintf(f, ", \"rank\": %d}%s\n", s->rank, a + 1 < R->c->nacts ? "," : "");
    }
    fputs("  ],\n", f);
}

static int write_json(const report *R, const char *path, const char *date)
{
    const lab_compare_config *c = R->c;
    char recipe[512], mach[512];
    nn_train_recipe_text(&c->base, recipe, sizeof recipe);
    machine(mach, sizeof mach, c->base.threads);
    outfile o;
    if (outfile_open(&o, path))
        return -1;
    FILE *f = o.f;
    fputs("{\n", f);
    json_key_string(f, "preset", c->preset->name);
    json_key_string(f, "model", c->base.model.desc->name);
    json_key_string(f, "recipe", recipe);
    json_key_string(f, "data", c->base.data);
    fprintf(f, "  \"seeds\": %d,\n", c->seeds);
    json_key_string(f, "metric", R->m->key);
    fprintf(f, "  \"higher_is_better\": %s,\n",
            R->m->higher_is_better ? "true" : "false");
    json_key_string(f, "loss", R->m->loss_key);
    json_key_string(f, "date", date);
    json_key_string(f, "machine", mach);
    fputs("  \"seconds\": ", f);
    analysis_json_number(f, total_seconds(R));
    fputs(",\n", f);
    json_runs(R, f);
    json_stats(R, f);
    fputs("  \"best\": ", f);
    if (R->sum.ranked)
        analysis_json_string(f, c->act_name[R->sum.order[0]]);
    else
        fputs("null", f);
    fputs("\n}\n", f);
    return outfile_commit(&o);
}

/* ----------------------------------------------------------- results.md --- */

static void md_header(const report *R, FILE *f, const char *date)
{
    const lab_compare_config *c = R->c;
    char recipe[512], mach[512], total[32];
    nn_train_recipe_text(&c->base, recipe, sizeof recipe);
    machine(mach, sizeof mach, c->base.threads);
    duration(total, sizeof total, total_seconds(R));
    fprintf(f, "# golu compare: %s\n\n", c->preset->name);
    fprintf(f, "| | |\n|---|---|\n| preset | `%s`: %s |\n| recipe | %s |\n",
            c->preset->name, c->preset->what, recipe);
    fputs("| activations |", f);
    for (int a = 0; a < c->nacts; a++)
        fprintf(f, "%s %s", a ? "," : "", c->act_name[a]);
    fprintf(f, " |\n| seeds | %d per activation (%s) |\n| data | `%s` |\n", c->seeds,
            seeds_text(c->seeds), c->base.data);
    fprintf(f, "| date | %s |\n| machine | %s |\n", date, mach);
    fprintf(f, "| time | %s of training (%d runs; the sum of the runs' own times) |\n\n",
            total, R->nruns);
}

/* One cell: value in bold for the best activation. */
static void md_cell(FILE *f, int bold, const char *text)
{
    fprintf(f, bold ? " **%s** |" : " %s |", text);
}

static void md_table(const report *R, FILE *f)
{
    const nn_task_metric *m = R->m;
    int d = m->decimals;
    fprintf(f, "## Final %s (%s is better)\n\n", m->label,
            m->higher_is_better ? "higher" : "lower");
    fprintf(f, "| activation | mean | std | min | max | n | %s (mean ± std) |\n",
            m->loss_label);
    fputs("|---|---:|---:|---:|---:|---:|---:|\n", f);
    for (int a = 0; a < R->c->nacts; a++) {
        const lab_act_stats *s = &R->sum.stats[a];
        int best = s->rank == 1;
        char cell[64], loss[2][32];
        fputs("|", f);
        md_cell(f, best, R->c->act_name[a]);
        const double v[4] = {s->mean, s->std, s->min, s->max};
        for (int k = 0; k < 4; k++) {
            fmt_value(cell, sizeof cell, d, v[k]);
            md_cell(f, best && k == 0, cell);
        }
        if (s->diverged)
            fprintf(f, " %d (%d diverged) |", s->n, s->diverged);
        else
            fprintf(f, " %d |", s->n);
        fmt_value(loss[0], sizeof loss[0], 4, s->loss_mean);
        fmt_value(loss[1], sizeof loss[1], 4, s->loss_std);
        if (isfinite(s->loss_std))
            fprintf(f, " %s ± %s |\n", loss[0], loss[1]);
        else
            fprintf(f, " %s |\n", loss[0]);
    }
    fputs("\nstd: the sample standard deviation over the seeds (n − 1 in the "
          "denominator); the best mean in bold.\n\n",
          f);
}

static void md_ranks(const report *R, FILE *f)
{
    const nn_task_metric *m = R->m;
    int d = m->decimals;
    fprintf(f, "Ranking by mean %s:\n\n", m->label);
    const lab_act_stats *best = R->sum.ranked ? &R->sum.stats[R->sum.order[0]] : NULL;
    for (int i = 0; i < R->c->nacts; i++) {
        int a = R->sum.order[i];
        const lab_act_stats *s = &R->sum.stats[a];
        if (s->n == 0) {
            fprintf(f, "- %s: no result (every run diverged)\n", R->c->act_name[a]);
            continue;
        }
        char mean[32], std[32];
        fmt_value(mean, sizeof mean, d, s->mean);
        fmt_value(std, sizeof std, d, s->std);
        fprintf(f, "%d. %s: %s ± %s", s->rank, R->c->act_name[a], mean, std);
        if (s->rank > 1)
            fprintf(f, ", %.*f %s than the best", d, fabs(s->mean - best->mean),
                    m->higher_is_better ? "lower" : "higher");
        fputc('\n', f);
    }
}

static int write_md(const report *R, const char *path, const char *date)
{
    outfile o;
    if (outfile_open(&o, path))
        return -1;
    md_header(R, o.f, date);
    md_table(R, o.f);
    md_ranks(R, o.f);
    if (R->plot_note[0])
        fprintf(o.f, "\nPlots: not drawn: %s.\n", R->plot_note);
    else
        fputs("\n## Plots\n\n![validation curves](plots/curves.png)\n\n"
              "![training loss](plots/train_loss.png)\n\n"
              "![final metric](plots/final.png)\n",
              o.f);
    return outfile_commit(&o);
}

/* ---------------------------------------------------------------- plots --- */

/* Activation a's curve: column col of its rows against column x_col, the
 * mean over the seeds that did not diverge. Returns the points written. */
static int write_curve(const report *R, FILE *f, int a, int col)
{
    int points = 0;
    for (int i = 0;; i++) {
        double sum = 0, x = NAN;
        int n = 0;
        for (int k = 0; k < R->nruns; k++) {
            const lab_compare_run *r = &R->runs[k];
            if (r->act != a || r->status == LAB_RUN_DIVERGED || i >= r->nrows)
                continue;
            sum += r->rows[(size_t)i * NN_METRIC_COLS + col];
            x = r->rows[(size_t)i * NN_METRIC_COLS + R->m->x_col];
            n++;
        }
        if (n == 0)
            break;
        if (points++ == 0)
            fprintf(f, "# %s\n", R->c->act_name[a]);
        fprintf(f, "%.10g %.10g\n", x, sum / n);
    }
    if (points)
        fputs("\n\n", f); /* the next gnuplot index */
    return points;
}

static int open_plot_files(outfile *dat, outfile *gp, const char *dir, const char *name)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s.dat", dir, name);
    if (outfile_open(dat, path))
        return -1;
    snprintf(path, sizeof path, "%s/%s.gp", dir, name);
    if (outfile_open(gp, path)) {
        outfile_abort(dat);
        return -1;
    }
    char gpname[64];
    snprintf(gpname, sizeof gpname, "%s.gp", name);
    analysis_gp_prologue(gp->f, gpname);
    fprintf(gp->f, "set output d.\"%s.png\"\nset grid\n", name);
    return 0;
}

static int commit_plot_files(outfile *dat, outfile *gp)
{
    int rc = outfile_commit(dat);
    if (rc)
        outfile_abort(gp);
    return rc || outfile_commit(gp) ? -1 : 0;
}

/* curves (the validation metric) or train_loss, one line per activation. */
static int curves_plot(const report *R, const char *dir, const char *name, int col,
                       const char *ylabel)
{
    outfile dat, gp;
    if (open_plot_files(&dat, &gp, dir, name))
        return -1;
    fprintf(gp.f, "set title \"%s: %s, mean over %d seed%s\"\n", R->c->preset->name,
            ylabel, R->c->seeds, R->c->seeds == 1 ? "" : "s");
    fprintf(gp.f, "set xlabel \"%s\"\nset ylabel \"%s\"\nset key outside right\n",
            R->m->x_label, ylabel);
    if (col == R->m->col && !R->m->higher_is_better)
        fputs("set logscale y\n", gp.f); /* perplexity falls by orders */
    if (R->m->x_is_epoch && R->c->base.epochs <= 20)
        fputs("set xtics 1\n", gp.f); /* whole epochs */
    int index = 0;
    for (int a = 0; a < R->c->nacts; a++) {
        if (!write_curve(R, dat.f, a, col))
            continue;
        fprintf(gp.f, "%s d.\"%s.dat\" index %d using 1:2 with linespoints title \"%s\"",
                index ? ", \\\n    " : "plot", name, index, R->c->act_name[a]);
        index++;
    }
    fputs(index ? "\n"
                : "set label \"no results\" at graph 0.5, 0.5 center\n"
                  "plot 1/0 notitle\n",
          gp.f);
    return commit_plot_files(&dat, &gp);
}

/* final: mean +/- std per activation, the best in red, and beside each the
 * range from min to max. */
static int final_plot(const report *R, const char *dir)
{
    outfile dat, gp;
    if (open_plot_files(&dat, &gp, dir, "final"))
        return -1;
    fprintf(dat.f, "# index act mean std min max best\n");
    for (int a = 0; a < R->c->nacts; a++) {
        const lab_act_stats *s = &R->sum.stats[a];
        if (s->n > 0) /* one run has no spread: an error bar of 0 */
            fprintf(dat.f, "%d %s %.10g %.10g %.10g %.10g %d\n", a, R->c->act_name[a],
                    s->mean, isfinite(s->std) ? s->std : 0.0, s->min, s->max,
                    s->rank == 1);
    }
    FILE *f = gp.f;
    fprintf(f, "set title \"%s: final %s (mean +/- std over %d seed%s; min and max)\"\n",
            R->c->preset->name, R->m->label, R->c->seeds, R->c->seeds == 1 ? "" : "s");
    fprintf(f, "set ylabel \"%s\"\nset xrange [-0.5:%d.5]\nset key outside right\n",
            R->m->label, R->c->nacts - 1);
    fputs("set style fill empty\nset bars 2\nset offsets 0, 0, graph 0.1, graph 0.1\n",
          f);
    fputs("plot d.\"final.dat\" using 1:3:4:xtic(2) with yerrorbars pt 7 ps 1.2 lc rgb "
          "\"#1f77b4\" title \"mean +/- std\", \\\n"
          "    d.\"final.dat\" using 1:($7 > 0 ? $3 : 1/0):4 with yerrorbars pt 7 ps 1.6 "
          "lc "
          "rgb \"#d62728\" title \"best mean\", \\\n"
          "    d.\"final.dat\" using ($1 + 0.12):3:5:6 with yerrorbars pt 0 lc rgb "
          "\"#777777\" title \"min .. max\"\n",
          f);
    return commit_plot_files(&dat, &gp);
}

/* Runs the scripts; a plot that cannot be drawn leaves a note. */
static void draw(report *R, const char *dir)
{
    static const char *const names[3] = {"curves", "train_loss", "final"};
    if (!gnuplot_available()) {
        snprintf(R->plot_note, sizeof R->plot_note,
                 "gnuplot with PNG output is not installed (Debian package gnuplot-nox; "
                 "scripts/setup-debian.sh installs it); the data and scripts are in %s",
                 dir);
        return;
    }
    for (int i = 0; i < 3 && !R->plot_note[0]; i++) {
        char script[PATH_MAX + 64];
        snprintf(script, sizeof script, "%s/%s.gp", dir, names[i]);
        gnuplot_run(script, R->plot_note, sizeof R->plot_note);
    }
    /* gnuplot's complaint may run over lines: one line, for the table */
    for (char *p = R->plot_note; *p; p++)
        if (*p == '\n')
            *p = ' ';
    size_t len = strlen(R->plot_note);
    while (len > 0 && R->plot_note[len - 1] == ' ')
        R->plot_note[--len] = '\0';
}

static int plots(report *R)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/plots", R->c->out);
    if (analysis_make_dir("--out", dir))
        return -1;
    if (curves_plot(R, dir, "curves", R->m->col, R->m->label) ||
        curves_plot(R, dir, "train_loss", R->m->train_loss_col, "training loss") ||
        final_plot(R, dir))
        return -1;
    draw(R, dir);
    return 0;
}

/* --------------------------------------------------------------- stdout --- */

static void print_table(const report *R)
{
    const nn_task_metric *m = R->m;
    int d = m->decimals;
    printf("\nfinal %s (%s is better), %s:\n", m->label,
           m->higher_is_better ? "higher" : "lower", seeds_text(R->c->seeds));
    printf("  %-12s %9s %9s %9s %9s %3s  %s\n", "activation", "mean", "std", "min", "max",
           "n", m->loss_label);
    for (int a = 0; a < R->c->nacts; a++) {
        const lab_act_stats *s = &R->sum.stats[a];
        char v[5][32];
        const double x[5] = {s->mean, s->std, s->min, s->max, s->loss_mean};
        for (int k = 0; k < 5; k++)
            fmt_value(v[k], sizeof v[k], k == 4 ? 4 : d, x[k]);
        printf("%c %-12s %9s %9s %9s %9s %3d  %s%s\n", s->rank == 1 ? '*' : ' ',
               R->c->act_name[a], v[0], v[1], v[2], v[3], s->n, v[4],
               s->diverged ? "  (diverged runs left out)" : "");
    }
    printf("* best mean. Ranking:");
    for (int i = 0; i < R->sum.ranked; i++)
        printf("%s %s", i ? " >" : "", R->c->act_name[R->sum.order[i]]);
    printf("\n");
}

static void print_paths(const report *R)
{
    const char *out = R->c->out;
    printf("results: %s/results.md (and results.csv, results.json)\n", out);
    if (R->plot_note[0])
        printf("plots: not drawn: %s\n", R->plot_note);
    else
        printf("plots:   %s/plots/curves.png, %s/plots/train_loss.png, "
               "%s/plots/final.png\n",
               out, out, out);
}

/* ------------------------------------------------------------- the lot --- */

int compare_report(const lab_compare_config *c, const lab_compare_run *runs, int nruns)
{
    report *R = calloc(1, sizeof *R);
    if (!R) {
        cli_error("out of memory");
        return 1;
    }
    R->c = c, R->m = nn_task_of(&c->base)->metric;
    R->runs = runs, R->nruns = nruns;
    if (lab_compare_aggregate(runs, nruns, c->nacts, R->m->higher_is_better, &R->sum)) {
        cli_error("out of memory");
        free(R);
        return 1;
    }
    char date[64], path[PATH_MAX];
    time_t now = time(NULL);
    struct tm tm;
    strftime(date, sizeof date, "%Y-%m-%d %H:%M %Z", localtime_r(&now, &tm));
    int rc = plots(R);
    snprintf(path, sizeof path, "%s/results.csv", c->out);
    rc = rc || write_csv(R, path);
    snprintf(path, sizeof path, "%s/results.json", c->out);
    rc = rc || write_json(R, path, date);
    snprintf(path, sizeof path, "%s/results.md", c->out);
    rc = rc || write_md(R, path, date);
    if (rc == 0) {
        print_table(R);
        print_paths(R);
    }
    free(R);
    return rc ? 1 : 0;
}
