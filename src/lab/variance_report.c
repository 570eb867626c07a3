/*
 * variance_report.c - the files of `golu variance` (variance_report.h).
 *
 * variance.csv and the Markdown tables are io/table.h tables; variance.json
 * is a jansson tree written by io/json_write.h; variance.dat (gnuplot's
 * data, compared byte for byte by the golden test) and variance.gp are
 * plain text. Every file goes through the atomic writer.
 */
#include "variance_report.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gnuplot_script.h"
#include "io/json_write.h"
#include "io/outfile.h"
#include "io/table.h"

/* The paper's four CIFAR-10 images (docs/MATH.md): the range over them. */
static const struct {
    const char *act, *paper_name;
    double lo, hi;
} PAPER[] = {
    {"golu", "GoLU", 0.213, 0.321},  {"gelu", "GELU", 0.300, 0.370},
    {"silu", "Swish", 0.269, 0.340}, {"relu", "ReLU", 0.302, 0.363},
    {"mish", "Mish", 0.345, 0.420},
};
enum { N_PAPER = sizeof PAPER / sizeof PAPER[0] };

static int paper_index(const char *act)
{
    for (int i = 0; i < N_PAPER; i++)
        if (strcmp(PAPER[i].act, act) == 0)
            return i;
    return -1;
}

/* The name of activation r (r < n_acts). */
static const char *act_name(const lab_variance_report *R, int r)
{
    return golu_act_name(R->acts[r].kind);
}

/* The name of row r in the CSV and JSON: the activation, or "identity". */
static const char *row_name(const lab_variance_report *R, int r)
{
    return r < R->n_acts ? act_name(R, r) : "identity";
}

/* ---------------------------------------------------------------- CSV --- */

/* One row per activation (then identity): each image's variance, mean,
 * std, the images they are over, Var f(Z); reals as "%.17g". */
static nn_table *csv_table(const lab_variance_report *R)
{
    const lab_variance *m = R->m;
    nn_table *t = nn_table_create();
    char name[32];
    int bad = !t || nn_table_col_add(t, "activation", NN_TABLE_STR, NULL) < 0;
    for (int i = 0; !bad && i < m->nimg; i++) {
        snprintf(name, sizeof name, "image_%d", i + 1);
        bad = nn_table_col_add(t, name, NN_TABLE_REAL, "%.17g") < 0;
    }
    bad = bad || nn_table_col_add(t, "mean", NN_TABLE_REAL, "%.17g") < 0 ||
          nn_table_col_add(t, "std", NN_TABLE_REAL, "%.17g") < 0 ||
          nn_table_col_add(t, "stats_images", NN_TABLE_INT, NULL) < 0 ||
          nn_table_col_add(t, "normal_variance", NN_TABLE_REAL, "%.17g") < 0;
    for (int r = 0; !bad && r < m->rows; r++) {
        int c = 0;
        bad = nn_table_row_add(t) < 0 || nn_table_str_set(t, c++, row_name(R, r));
        for (int i = 0; !bad && i < m->nimg; i++)
            bad = nn_table_real_set(t, c++, m->img[r][i]);
        bad = bad || nn_table_real_set(t, c++, m->mean[r]) ||
              nn_table_real_set(t, c++, m->std[r]) ||
              nn_table_int_set(t, c++, m->nstats) ||
              nn_table_real_set(t, c++, m->normal[r]);
    }
    return t; /* a failure above is the table's sticky error */
}

int lab_variance_csv_write(const lab_variance_report *R, const char *path, nn_err *err)
{
    nn_table *t = csv_table(R);
    int rc = t ? nn_table_write_file(t, NN_TABLE_CSV, path, err)
               : nn_fail(err, "out of memory");
    nn_table_free(t);
    return rc;
}

/* --------------------------------------------------------------- JSON --- */

/* v[0..n) as a JSON array of numbers (null for NaN and infinities). */
static json_t *json_reals(const double *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++)
        if (json_array_append_new(a, nn_json_real(v[i]))) {
            json_decref(a);
            a = NULL;
        }
    return a;
}

/* Sets o[key] = v (taking v's reference); nonzero on failure. */
static int put(json_t *o, const char *key, json_t *v)
{
    return json_object_set_new(o, key, v);
}

/* The conv layer: its shape, seed and the weights drawn. */
static json_t *conv_json(const lab_variance_report *R)
{
    const lab_variance *m = R->m;
    json_t *c = json_object();
    int bad = !c || put(c, "in_channels", json_integer(m->c)) ||
              put(c, "out_channels", json_integer(1)) ||
              put(c, "kernel", json_integer(3)) || put(c, "padding", json_integer(1)) ||
              put(c, "seed", json_integer(R->seed)) ||
              put(c, "weight", json_reals(m->weight, m->c * 9)) ||
              put(c, "bias", nn_json_real(m->bias));
    return bad ? (json_decref(c), NULL) : c;
}

static json_t *batchnorm_json(void)
{
    json_t *b = json_object();
    int bad = !b || put(b, "training", json_true()) || put(b, "gamma", json_integer(1)) ||
              put(b, "beta", json_integer(0)) || put(b, "eps", nn_json_real(1e-5));
    return bad ? (json_decref(b), NULL) : b;
}

/* One object per row: the activation, its images, mean, std, Var f(Z). */
static json_t *rows_json(const lab_variance_report *R)
{
    const lab_variance *m = R->m;
    json_t *rows = json_array();
    for (int r = 0; rows && r < m->rows; r++) {
        json_t *row = json_object();
        int bad = json_array_append_new(rows, row) ||
                  put(row, "activation", nn_json_text(row_name(R, r))) ||
                  put(row, "images", json_reals(m->img[r], m->nimg)) ||
                  put(row, "mean", nn_json_real(m->mean[r])) ||
                  put(row, "std", nn_json_real(m->std[r])) ||
                  put(row, "normal_variance", nn_json_real(m->normal[r]));
        if (bad) {
            json_decref(rows);
            rows = NULL;
        }
    }
    return rows;
}

/* The whole of variance.json: a new reference, or NULL when out of memory. */
static json_t *variance_json(const lab_variance_report *R)
{
    const lab_variance *m = R->m;
    json_t *d = json_object(), *shape = json_array();
    int bad = !d || put(d, "data", nn_json_text(R->data)) ||
              put(d, "dataset", nn_json_text(R->dataset)) || put(d, "shape", shape) ||
              json_array_append_new(shape, json_integer(m->c)) ||
              json_array_append_new(shape, json_integer(m->h)) ||
              json_array_append_new(shape, json_integer(m->w)) ||
              put(d, "test_images", json_integer(R->total)) ||
              put(d, "images", json_integer(m->nimg)) ||
              put(d, "stats_images", json_integer(m->nstats)) ||
              put(d, "std_ddof", json_integer(1)) ||
              put(d, "input", nn_json_text("pixel / 255")) ||
              put(d, "conv", conv_json(R)) || put(d, "batchnorm", batchnorm_json()) ||
              put(d, "rows", rows_json(R));
    return bad ? (json_decref(d), NULL) : d;
}

int lab_variance_json_write(const lab_variance_report *R, const char *path, nn_err *err)
{
    json_t *doc = variance_json(R);
    int rc = doc ? nn_json_write_file(path, doc, JSON_INDENT(2), err)
                 : nn_fail(err, "out of memory building variance.json");
    json_decref(doc);
    return rc;
}

/* ----------------------------------------------------------- Markdown --- */

/* min and max over the first nimg images. */
static void image_range(const lab_variance *m, int r, double *lo, double *hi)
{
    *lo = INFINITY, *hi = -INFINITY;
    for (int i = 0; i < m->nimg; i++) {
        *lo = fmin(*lo, m->img[r][i]);
        *hi = fmax(*hi, m->img[r][i]);
    }
}

/* Every column left-aligned ("---"), as the report has always been. */
static void align_left(nn_table *t)
{
    for (int c = 0; c < nn_table_cols(t); c++)
        nn_table_align_set(t, c, NN_TABLE_ALIGN_LEFT);
}

/* The results: each image, mean ± std, Var f(Z). */
static nn_table *md_results(const lab_variance_report *R)
{
    const lab_variance *m = R->m;
    nn_table *t = nn_table_create();
    char name[64], cell[64];
    int bad = !t || nn_table_col_add(t, "activation", NN_TABLE_STR, NULL) < 0;
    for (int i = 0; !bad && i < m->nimg; i++) {
        snprintf(name, sizeof name, "image %d", i + 1);
        bad = nn_table_col_add(t, name, NN_TABLE_REAL, "%.4f") < 0;
    }
    snprintf(name, sizeof name, "mean ± std over %d images", m->nstats);
    bad = bad || nn_table_col_add(t, name, NN_TABLE_STR, NULL) < 0 ||
          nn_table_col_add(t, "Var f(Z), Z ~ N(0,1)", NN_TABLE_REAL, "%.6f") < 0;
    if (!bad)
        align_left(t);
    for (int r = 0; !bad && r < m->rows; r++) {
        int c = 0;
        bad = nn_table_row_add(t) < 0 ||
              nn_table_str_set(t, c++,
                               r < R->n_acts ? act_name(R, r) : "identity (BN output)");
        for (int i = 0; !bad && i < m->nimg; i++)
            bad = nn_table_real_set(t, c++, m->img[r][i]);
        snprintf(cell, sizeof cell, "%.4f ± %.4f", m->mean[r], m->std[r]);
        bad = bad || nn_table_str_set(t, c++, cell) ||
              nn_table_real_set(t, c++, m->normal[r]);
    }
    return t;
}

/* Against the paper: its range over four CIFAR-10 images, ours. */
static nn_table *md_paper_table(const lab_variance_report *R)
{
    const lab_variance *m = R->m;
    nn_table *t = nn_table_create();
    char name[64], cell[64];
    int bad = !t || nn_table_col_add(t, "activation", NN_TABLE_STR, NULL) < 0 ||
              nn_table_col_add(t, "paper: range over 4 CIFAR-10 images", NN_TABLE_STR,
                               NULL) < 0;
    snprintf(name, sizeof name, "ours: range over images 1-%d", m->nimg);
    bad = bad || nn_table_col_add(t, name, NN_TABLE_STR, NULL) < 0;
    snprintf(name, sizeof name, "ours: mean over %d", m->nstats);
    bad = bad || nn_table_col_add(t, name, NN_TABLE_REAL, "%.3f") < 0;
    if (!bad)
        align_left(t);
    for (int r = 0; !bad && r < R->n_acts; r++) {
        int p = paper_index(act_name(R, r));
        double lo, hi;
        image_range(m, r, &lo, &hi);
        bad = nn_table_row_add(t) < 0 || nn_table_str_set(t, 0, act_name(R, r));
        if (p >= 0)
            snprintf(cell, sizeof cell, "%.3f-%.3f (%s)", PAPER[p].lo, PAPER[p].hi,
                     PAPER[p].paper_name);
        else
            snprintf(cell, sizeof cell, "-");
        bad = bad || nn_table_str_set(t, 1, cell);
        snprintf(cell, sizeof cell, "%.3f-%.3f", lo, hi);
        bad = bad || nn_table_str_set(t, 2, cell) || nn_table_real_set(t, 3, m->mean[r]);
    }
    return t;
}

/* A Markdown table on f (what: the file, for messages); frees t. */
static int md_table(FILE *f, const char *what, nn_table *t, nn_err *err)
{
    int rc =
        t ? nn_table_write(t, NN_TABLE_MD, f, what, err) : nn_fail(err, "out of memory");
    nn_table_free(t);
    return rc;
}

static void md_intro(FILE *f, const lab_variance_report *R)
{
    const lab_variance *m = R->m;
    fprintf(
        f,
        "# Latent variance: Conv2d -> BatchNorm2d -> activation\n\n"
        "Data: %s test split (`%s`), %dx%dx%d, pixels / 255. Conv2d(%d->1, 3x3, "
        "padding 1) with PyTorch's default initialisation U(±1/sqrt(%d)) for weight "
        "and bias, seed %ld; BatchNorm2d in training mode over the one image (gamma 1, "
        "beta 0, eps 1e-5); then the activation. Each value is the population variance "
        "of the %d outputs; the std across images divides by n - 1. The last column is "
        "Var f(Z) for an exactly standard normal input (quadrature); the identity row "
        "is the BatchNorm output itself.\n\n",
        R->dataset, R->data, m->c, m->h, m->w, m->c, m->c * 9, R->seed, m->h * m->w);
}

static void md_paper_intro(FILE *f, const lab_variance_report *R)
{
    const lab_variance *m = R->m;
    fprintf(f, "\n## Against the paper\n\n"
               "The paper (docs/MATH.md) shows four CIFAR-10 images through Conv2d(3->1) "
               "-> BatchNorm2d -> activation. ");
    if (R->cifar)
        fputs("These are CIFAR-10 test images too, but not necessarily the paper's four, "
              "and the conv layer's random initialisation differs.\n\n",
              f);
    else
        fprintf(f,
                "Ours are %s images (%d channel%s, %dx%d), not CIFAR-10: compare the "
                "ordering of the activations, not the values. Give `--data` a CIFAR-10 "
                "binary directory to measure on the paper's data.\n\n",
                R->dataset, m->c, m->c == 1 ? "" : "s", m->h, m->w);
}

/* The activation with the smallest value of v[r] (r < n). */
static int argmin_row(const double *v, int n)
{
    int best = 0;
    for (int r = 1; r < n; r++)
        if (v[r] < v[best])
            best = r;
    return best;
}

static void md_ranking(FILE *f, const lab_variance_report *R)
{
    const lab_variance *m = R->m;
    int n = R->n_acts, golu = -1, wins = 0;
    for (int r = 0; r < n; r++)
        if (R->acts[r].kind == GOLU_ACT_GOLU)
            golu = r;
    fprintf(f, "\n## Which activation gives the smallest variance\n\n");
    fprintf(f, "- N(0,1) input: %s.\n", act_name(R, argmin_row(m->normal, n)));
    fprintf(f, "- Mean over %d images: %s.\n", m->nstats,
            act_name(R, argmin_row(m->mean, n)));
    for (int i = 0; i < m->nimg; i++) {
        double v[LAB_VARIANCE_MAX_ROWS];
        for (int r = 0; r < n; r++)
            v[r] = m->img[r][i];
        wins += golu >= 0 && argmin_row(v, n) == golu;
    }
    if (golu >= 0)
        fprintf(f,
                "- GoLU is the smallest on %d of the %d images shown. The paper's claim: "
                "GoLU's is the smallest.\n",
                wins, m->nimg);
}

int lab_variance_md_write(const lab_variance_report *R, const char *path, nn_err *err)
{
    nn_outfile f;
    if (nn_outfile_open(&f, path, err))
        return -1;
    md_intro(f.f, R);
    int rc = md_table(f.f, path, md_results(R), err);
    if (rc == 0) {
        md_paper_intro(f.f, R);
        rc = md_table(f.f, path, md_paper_table(R), err);
    }
    if (rc) {
        nn_outfile_abort(&f);
        return -1;
    }
    md_ranking(f.f, R);
    return nn_outfile_commit(&f, err);
}

/* dir/name into path[PATH_MAX + 32]: 0, or -1 with err when too long. */
static int path_in(char *path, const char *dir, const char *name, nn_err *err)
{
    if ((size_t)snprintf(path, PATH_MAX + 32, "%s/%s", dir, name) >= PATH_MAX + 32)
        return nn_fail(err, "%s/%s: path too long", dir, name);
    return 0;
}

int lab_variance_files_write(const lab_variance_report *R, const char *dir, nn_err *err)
{
    char path[PATH_MAX + 32];
    if (path_in(path, dir, "variance.csv", err) || lab_variance_csv_write(R, path, err) ||
        path_in(path, dir, "variance.json", err) ||
        lab_variance_json_write(R, path, err) || path_in(path, dir, "variance.md", err) ||
        lab_variance_md_write(R, path, err))
        return -1;
    return 0;
}

/* ---------------------------------------------------------------- plot --- */

static int write_plot_data(const lab_variance_report *R, const char *dir, nn_err *err)
{
    const lab_variance *m = R->m;
    nn_outfile f;
    if (lab_gnuplot_file_open(&f, dir, "variance.dat", err))
        return -1;
    fputs("# index activation image_1..image_N mean std normal_variance paper_lo "
          "paper_hi\n",
          f.f);
    for (int r = 0; r < R->n_acts; r++) {
        int p = paper_index(act_name(R, r));
        fprintf(f.f, "%d %s", r, act_name(R, r));
        for (int i = 0; i < m->nimg; i++)
            fprintf(f.f, " %.10g", m->img[r][i]);
        fprintf(f.f, " %.10g %.10g %.10g", m->mean[r], m->std[r], m->normal[r]);
        if (p >= 0)
            fprintf(f.f, " %g %g\n", PAPER[p].lo, PAPER[p].hi);
        else
            fputs(" NaN NaN\n", f.f);
    }
    return nn_outfile_commit(&f, err);
}

static int write_plot_script(const lab_variance_report *R, const char *dir,
                             const char *terminal, nn_err *err)
{
    const lab_variance *m = R->m;
    nn_outfile f;
    int n = m->nimg, mc = n + 3; /* column of the mean */
    if (lab_gnuplot_script_open(&f, dir, "variance.gp", terminal, err))
        return -1;
    fprintf(f.f,
            "set output d.'variance.png'\n"
            "set title 'Variance after Conv2d(%d->1, 3x3) -> BatchNorm2d -> activation "
            "(%s)'\n"
            "set ylabel 'variance of the outputs'\nset grid ytics\n"
            "set xrange [-0.6:%d.6]\nset key bmargin center horizontal\n",
            m->c, R->dataset, R->n_acts - 1);
    fprintf(f.f,
            "plot for [j=1:%d] d.'variance.dat' using ($1-0.3+0.3*(j-1)/%d.0):"
            "(column(j+2)) with points pt 6 ps 0.8 lc rgb '#7f7f7f' "
            "title (j == 1 ? 'images 1-%d' : ''), \\\n",
            n, n > 1 ? n - 1 : 1, n);
    fprintf(f.f,
            "  d.'variance.dat' using 1:%d:%d:xtic(2) with yerrorbars pt 7 ps 1.2 lw 2 "
            "lc rgb '#1f77b4' title 'mean ± std, %d images', \\\n",
            mc, mc + 1, m->nstats);
    fprintf(f.f,
            "  d.'variance.dat' using ($1+0.15):%d with points pt 5 ps 1.3 "
            "lc rgb '#d62728' title 'N(0,1) input', \\\n",
            mc + 2);
    fprintf(f.f,
            "  d.'variance.dat' using ($1+0.3):%d:(0):($%d-$%d) with vectors nohead "
            "lw 4 lc rgb '#2ca02c' title 'paper: 4 CIFAR-10 images (Swish = silu)'\n",
            mc + 3, mc + 4, mc + 3);
    return nn_outfile_commit(&f, err);
}

int lab_variance_plot_write(const lab_variance_report *R, const char *dir,
                            const char *terminal, nn_err *err)
{
    return write_plot_data(R, dir, err) || write_plot_script(R, dir, terminal, err) ? -1
                                                                                    : 0;
}
