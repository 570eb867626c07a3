/*
 * compare_plots.c - the data files and gnuplot scripts of a compare's
 * plots (compare_report.h): curves.{dat,gp}, train_loss.{dat,gp},
 * final.{dat,gp}.
 *
 * A .dat file holds one gnuplot index per activation ("# act" and rows of
 * "x y", "%.10g"), two blank lines apart; a script starts with the PNG
 * terminal and `d`, the directory it lies in, so that it finds its data
 * from any working directory.
 */
#include <math.h>
#include <stdio.h>

#include "compare_report.h"
#include "gnuplot_script.h"
#include "io/outfile.h"

const char *const lab_compare_plot_names[3] = {"curves", "train_loss", "final"};

/* The top of a script (gnuplot_script.h), then its output and grid. */
static void prologue(FILE *f, const char *terminal, const char *name)
{
    char script[64];
    snprintf(script, sizeof script, "%s.gp", name);
    lab_gnuplot_prologue_write(f, terminal, script);
    fprintf(f, "set output d.\"%s.png\"\nset grid\n", name);
}

/* Activation a's curve: column col of its rows (the task's ncols wide)
 * against the metric's x column, the mean over the seeds that did not
 * diverge. Returns the points
 * written. */
static int write_curve(const lab_compare_report *R, FILE *f, int a, int col)
{
    int points = 0;
    for (int i = 0;; i++) {
        double sum = 0, x = NAN;
        int n = 0;
        for (int k = 0; k < R->nruns; k++) {
            const lab_compare_run *r = &R->runs[k];
            if (r->act != a || r->status == LAB_RUN_DIVERGED || i >= r->nrows)
                continue;
            const double *row = r->rows + (size_t)i * R->task->ncols;
            sum += row[col];
            x = row[R->m->x_col];
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

/* dir/name.dat and dir/name.gp opened, the script's prologue written. */
static int open_files(nn_outfile *dat, nn_outfile *gp, const char *dir, const char *name,
                      const char *terminal, nn_err *err)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s.dat", dir, name);
    if (nn_outfile_open(dat, path, err))
        return -1;
    snprintf(path, sizeof path, "%s/%s.gp", dir, name);
    if (nn_outfile_open(gp, path, err)) {
        nn_outfile_abort(dat);
        return -1;
    }
    prologue(gp->f, terminal, name);
    return 0;
}

/* Both files committed (the script only after its data). */
static int commit_files(nn_outfile *dat, nn_outfile *gp, nn_err *err)
{
    if (nn_outfile_commit(dat, err)) {
        nn_outfile_abort(gp);
        return -1;
    }
    return nn_outfile_commit(gp, err);
}

/* curves (the validation metric) or train_loss: one line per activation. */
static int curves_plot(const lab_compare_report *R, const char *dir, const char *name,
                       int col, const char *ylabel, const char *terminal, nn_err *err)
{
    nn_outfile dat, gp;
    if (open_files(&dat, &gp, dir, name, terminal, err))
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
    return commit_files(&dat, &gp, err);
}

/* final: mean +/- std per activation, the best in red, and beside each the
 * range from min to max. */
static int final_plot(const lab_compare_report *R, const char *dir, const char *terminal,
                      nn_err *err)
{
    nn_outfile dat, gp;
    if (open_files(&dat, &gp, dir, "final", terminal, err))
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
    return commit_files(&dat, &gp, err);
}

int lab_compare_plots_write(const lab_compare_report *R, const char *dir,
                            const char *terminal, nn_err *err)
{
    const nn_task_metric *m = R->m;
    if (curves_plot(R, dir, "curves", m->col, m->label, terminal, err) ||
        curves_plot(R, dir, "train_loss", m->train_loss_col, "training loss", terminal,
                    err) ||
        final_plot(R, dir, terminal, err))
        return -1;
    return 0;
}
