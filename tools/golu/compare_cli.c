/*
 * compare_cli.c - what `golu compare` does when every run is done
 * (compare_cli.h): the files through the measurement library
 * (src/lab/compare_report.h), the plots drawn with gnuplot, and the table
 * printed last.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analysis.h"
#include "blas_setup.h"
#include "cli.h"
#include "compare_cli.h"
#include "compare_report.h"
#include "gnuplot.h"

/* "<cpu>, 2 threads (OpenBLAS Haswell)", for the results' header. */
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

/* Runs the scripts in dir; a plot that cannot be drawn leaves a note (one
 * line) in note. Returns -1 when gnuplot ran and failed (a PNG it could not
 * write included), 0 otherwise (gnuplot missing is a note, not a failure). */
static int draw(const char *dir, char *note, size_t size)
{
    if (!gnuplot_available()) {
        snprintf(note, size,
                 "gnuplot with PNG output is not installed (Debian package gnuplot-nox; "
                 "scripts/setup-debian.sh installs it); the data and scripts are in %s",
                 dir);
        return 0;
    }
    int rc = 0;
    for (int i = 0; i < 3 && !note[0]; i++) {
        char script[PATH_MAX + 64];
        snprintf(script, sizeof script, "%s/%s.gp", dir, lab_compare_plot_names[i]);
        rc = gnuplot_run(script, note, size);
    }
    /* gnuplot's complaint may run over lines: one line, for the table */
    for (char *p = note; *p; p++)
        if (*p == '\n')
            *p = ' ';
    size_t len = strlen(note);
    while (len > 0 && note[len - 1] == ' ')
        note[--len] = '\0';
    return rc;
}

/* The plots' files, then the plots drawn; -1 after a message, 1 when gnuplot
 * failed (the note says why). */
static int plots(const lab_compare_report *R, char *note, size_t size)
{
    char dir[PATH_MAX];
    nn_err err = {""};
    snprintf(dir, sizeof dir, "%s/plots", R->c->out);
    if (analysis_make_dir("--out", dir))
        return -1;
    if (lab_compare_plots_write(R, dir, gnuplot_terminal(), &err)) {
        cli_error("%s", err.msg);
        return -1;
    }
    return draw(dir, note, size) ? 1 : 0;
}

/* results.csv, results.json, results.md; -1 after a message. */
static int results(const lab_compare_report *R, const char *note)
{
    char path[PATH_MAX];
    nn_err err = {""};
    const char *out = R->c->out;
    snprintf(path, sizeof path, "%s/results.csv", out);
    int rc = lab_compare_csv_write(R, path, &err);
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/results.json", out);
        rc = lab_compare_json_write(R, path, &err);
    }
    if (rc == 0) {
        snprintf(path, sizeof path, "%s/results.md", out);
        rc = lab_compare_md_write(R, path, note, &err);
    }
    if (rc)
        cli_error("%s", err.msg);
    return rc;
}

static void print_table(const lab_compare_report *R)
{
    const nn_task_metric *m = R->m;
    int d = m->decimals;
    char seeds[32];
    printf("\nfinal %s (%s is better), %s:\n", m->label,
           m->higher_is_better ? "higher" : "lower",
           lab_compare_seeds_text(R->c->seeds, seeds, sizeof seeds));
    printf("  %-12s %9s %9s %9s %9s %3s  %s\n", "activation", "mean", "std", "min", "max",
           "n", m->loss_label);
    for (int a = 0; a < R->c->nacts; a++) {
        const lab_act_stats *s = &R->sum.stats[a];
        char v[5][32];
        const double x[5] = {s->mean, s->std, s->min, s->max, s->loss_mean};
        for (int k = 0; k < 5; k++)
            lab_compare_value_text(x[k], k == 4 ? 4 : d, v[k], sizeof v[k]);
        printf("%c %-12s %9s %9s %9s %9s %3d  %s%s\n", s->rank == 1 ? '*' : ' ',
               R->c->act_name[a], v[0], v[1], v[2], v[3], s->n, v[4],
               s->diverged ? "  (diverged runs left out)" : "");
    }
    printf("* best mean. Ranking:");
    for (int i = 0; i < R->sum.ranked; i++)
        printf("%s %s", i ? " >" : "", R->c->act_name[R->sum.order[i]]);
    printf("\n");
}

static void print_paths(const char *out, const char *note)
{
    printf("results: %s/results.md (and results.csv, results.json)\n", out);
    if (note[0])
        printf("plots: not drawn: %s\n", note);
    else
        printf("plots:   %s/plots/curves.png, %s/plots/train_loss.png, "
               "%s/plots/final.png\n",
               out, out, out);
}

int compare_cli_report(const lab_compare_config *c, const lab_compare_run *runs,
                       int nruns)
{
    char date[64], mach[512], note[PATH_MAX + 2048] = "";
    time_t now = time(NULL);
    struct tm tm;
    strftime(date, sizeof date, "%Y-%m-%d %H:%M %Z", localtime_r(&now, &tm));
    machine(mach, sizeof mach, c->base.threads);
    lab_compare_report R;
    nn_err err = {""};
    if (lab_compare_report_init(&R, c, runs, nruns, date, mach, &err)) {
        cli_error("%s", err.msg);
        return 1;
    }
    int drawn = plots(&R, note, sizeof note);
    if (drawn < 0 || results(&R, note))
        return 1;
    if (drawn > 0) { /* the results are written; the plots are not */
        cli_error("plots: %s (results in %s/results.md)", note, c->out);
        return 1;
    }
    print_table(&R);
    print_paths(c->out, note);
    return 0;
}
