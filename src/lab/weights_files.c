/*
 * weights_files.c - the histogram of trained weights and the files of
 * `golu plot --weights` (weights.h): weights.csv through io/table.h,
 * weights.dat and weights.gp as text, each through the atomic writer.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gnuplot_script.h"
#include "io/outfile.h"
#include "io/table.h"
#include "weights.h"

double lab_weights_hist_range(const lab_weights *w, int n)
{
    double r = 0;
    for (int a = 0; a < n; a++)
        if (w[a].runs)
            r = fmax(r, fabs(w[a].m.mean) + 5 * w[a].m.std_population);
    return r > 0 && isfinite(r) ? r : 1.0;
}

void lab_weights_hist(const lab_weights *w, double range,
                      double density[LAB_WEIGHTS_BINS])
{
    double width = 2 * range / LAB_WEIGHTS_BINS;
    memset(density, 0, LAB_WEIGHTS_BINS * sizeof *density);
    for (size_t i = 0; i < w->n; i++) {
        double b = floor((w->v[i] + range) / width);
        if (b >= 0 && b < LAB_WEIGHTS_BINS)
            density[(int)b] += 1.0 / ((double)w->n * width);
    }
}

int lab_weights_csv_write(const golu_act *acts, const lab_weights *w, int n,
                          const char *path, nn_err *err)
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
    nn_table *t = nn_table_create();
    int bad = !t;
    for (size_t c = 0; !bad && c < sizeof cols / sizeof cols[0]; c++)
        bad = nn_table_col_add(t, cols[c].name, cols[c].kind, cols[c].fmt) < 0;
    for (int a = 0; !bad && a < n; a++) {
        const lab_moments *m = &w[a].m;
        if (!w[a].runs)
            continue;
        bad = nn_table_row_add(t) < 0 ||
              nn_table_str_set(t, 0, golu_act_name(acts[a].kind)) ||
              nn_table_int_set(t, 1, w[a].runs) || nn_table_str_set(t, 2, w[a].seeds) ||
              nn_table_int_set(t, 3, w[a].tensors) ||
              nn_table_int_set(t, 4, (long long)w[a].n) ||
              nn_table_real_set(t, 5, m->mean) ||
              nn_table_real_set(t, 6, m->std_population) ||
              nn_table_real_set(t, 7, m->excess_kurtosis) ||
              nn_table_real_set(t, 8, m->min) || nn_table_real_set(t, 9, m->max);
    }
    int rc = t ? nn_table_write_file(t, NN_TABLE_CSV, path, err)
               : nn_fail(err, "out of memory");
    nn_table_free(t);
    return rc;
}

/* weights.dat: bin centre, then each activation's density. */
static int write_histograms(const golu_act *acts, const lab_weights *w, int n,
                            const char *dir, nn_err *err)
{
    double range = lab_weights_hist_range(w, n), width = 2 * range / LAB_WEIGHTS_BINS;
    double *h = malloc((size_t)(n > 0 ? n : 1) * LAB_WEIGHTS_BINS * sizeof *h);
    nn_outfile out;
    if (!h)
        return nn_fail(err, "out of memory");
    for (int a = 0; a < n; a++)
        lab_weights_hist(&w[a], range, h + (size_t)a * LAB_WEIGHTS_BINS);
    if (lab_gnuplot_file_open(&out, dir, "weights.dat", err)) {
        free(h);
        return -1;
    }
    fputs("# weight (bin centre), density per activation:", out.f);
    for (int a = 0; a < n; a++)
        if (w[a].runs)
            fprintf(out.f, " %s", golu_act_name(acts[a].kind));
    fputc('\n', out.f);
    for (int b = 0; b < LAB_WEIGHTS_BINS; b++) {
        fprintf(out.f, "%.8g", -range + (b + 0.5) * width);
        for (int a = 0; a < n; a++)
            if (w[a].runs)
                fprintf(out.f, " %.8g", h[(size_t)a * LAB_WEIGHTS_BINS + b]);
        fputc('\n', out.f);
    }
    free(h);
    return nn_outfile_commit(&out, err);
}

/* The names or colours of the activations with runs, space-separated, as
 * a gnuplot string: key = '...'. */
static void word_list(FILE *f, const char *key, const golu_act *acts,
                      const lab_weights *w, int n, int colors)
{
    fprintf(f, "%s = '", key);
    for (int a = 0, k = 0; a < n; a++)
        if (w[a].runs)
            fprintf(f, "%s%s", k++ ? " " : "",
                    colors ? lab_gnuplot_act_color(acts[a].kind)
                           : golu_act_name(acts[a].kind));
    fputs("'\n", f);
}

static int write_script(const golu_act *acts, const lab_weights *w, int n,
                        const char *dir, const char *terminal, nn_err *err)
{
    nn_outfile out;
    int found = 0;
    for (int a = 0; a < n; a++)
        found += w[a].runs > 0;
    if (lab_gnuplot_script_open(&out, dir, "weights.gp", terminal, err))
        return -1;
    FILE *f = out.f;
    word_list(f, "names", acts, w, n, 0);
    word_list(f, "colors", acts, w, n, 1);
    fputs("set output d.'weights.png'\n"
          "set title 'Trained weights (F32 *.weight, 2+ dimensions), all seeds'\n"
          "set xlabel 'weight'\nset ylabel 'density'\nset grid\nset key right top\n",
          f);
    fprintf(f,
            "plot for [j=1:%d] d.'weights.dat' using 1:(column(1+j)) with steps "
            "lw (word(names, j) eq 'golu' ? 3 : 1.5) lc rgb word(colors, j) "
            "title word(names, j)\n",
            found);
    return nn_outfile_commit(&out, err);
}

int lab_weights_plot_write(const golu_act *acts, const lab_weights *w, int n,
                           const char *dir, const char *terminal, nn_err *err)
{
    return write_histograms(acts, w, n, dir, err) ||
                   write_script(acts, w, n, dir, terminal, err)
               ? -1
               : 0;
}
