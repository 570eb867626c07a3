/*
 * variance_report.c - the reports of `golu variance` (variance_report.h).
 *
 * variance.csv and the Markdown tables are io/table.h tables; variance.json
 * is a jansson tree written by io/json_write.h; variance.dat (gnuplot's
 * data, compared byte for byte by the golden test) and variance.gp are
 * plain text. Every file goes through the atomic writer.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "io/json_write.h"
#include "io/table.h"
#include "outfile.h"
#include "variance_report.h"

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

static const char *row_name(const vopts *o, int r)
{
    return r < o->acts.n ? o->acts.name[r] : "identity";
}

/* ------------------------------------------------------------- stdout --- */

void variance_report_print(const vopts *o, const vresult *res)
{
    printf("latent variance: Conv2d(%d->1, 3x3, pad 1, seed %ld) -> BatchNorm2d (train, "
           "one image) -> activation\n%s test images from %s (%dx%dx%d)\n\n",
           res->m.c, o->seed, res->dataset, o->data, res->m.c, res->m.h, res->m.w);
    printf("%-12s", "activation");
    for (int i = 0; i < res->m.nimg; i++)
        printf("  image %-3d", i + 1);
    char head[48];
    snprintf(head, sizeof head, "mean +- std (%d)", res->m.nstats);
    printf("  %-19s  %s\n", head, "N(0,1) var");
    for (int r = 0; r < res->m.rows; r++) {
        printf("%-12s", row_name(o, r));
        for (int i = 0; i < res->m.nimg; i++)
            printf("  %9.4f", res->m.img[r][i]);
        printf("  %8.4f +- %-7.4f  %10.6f\n", res->m.mean[r], res->m.std[r],
               res->m.normal[r]);
    }
}

/* ---------------------------------------------------------------- CSV --- */

/* One row per activation (then identity): each image's variance, mean,
 * std, the images they are over, Var f(Z); reals as "%.17g". */
static nn_table *csv_table(const vopts *o, const vresult *res)
{
    nn_table *t = nn_table_create();
    char name[32];
    int bad = !t || nn_table_col_add(t, "activation", NN_TABLE_STR, NULL) < 0;
    for (int i = 0; !bad && i < res->m.nimg; i++) {
        snprintf(name, sizeof name, "image_%d", i + 1);
        bad = nn_table_col_add(t, name, NN_TABLE_REAL, "%.17g") < 0;
    }
    bad = bad || nn_table_col_add(t, "mean", NN_TABLE_REAL, "%.17g") < 0 ||
          nn_table_col_add(t, "std", NN_TABLE_REAL, "%.17g") < 0 ||
          nn_table_col_add(t, "stats_images", NN_TABLE_INT, NULL) < 0 ||
          nn_table_col_add(t, "normal_variance", NN_TABLE_REAL, "%.17g") < 0;
    for (int r = 0; !bad && r < res->m.rows; r++) {
        int c = 0;
        bad = nn_table_row_add(t) < 0 || nn_table_str_set(t, c++, row_name(o, r));
        for (int i = 0; !bad && i < res->m.nimg; i++)
            bad = nn_table_real_set(t, c++, res->m.img[r][i]);
        bad = bad || nn_table_real_set(t, c++, res->m.mean[r]) ||
              nn_table_real_set(t, c++, res->m.std[r]) ||
              nn_table_int_set(t, c++, res->m.nstats) ||
              nn_table_real_set(t, c++, res->m.normal[r]);
    }
    return t; /* a failure above is the table's sticky error */
}

/* A table written whole into OUT/name: 0, or -1 after a message. Frees t. */
static int write_table(const vopts *o, nn_table *t, nn_table_format format,
                       const char *name)
{
    char path[PATH_MAX + 32];
    nn_err err;
    analysis_path(path, sizeof path, o->out, name);
    int rc = t ? nn_table_write_file(t, format, path, &err) : -1;
    if (rc)
        cli_error("%s", t ? err.msg : "out of memory");
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
static json_t *conv_json(const vopts *o, const vresult *res)
{
    json_t *c = json_object();
    int bad = !c || put(c, "in_channels", json_integer(res->m.c)) ||
              put(c, "out_channels", json_integer(1)) ||
              put(c, "kernel", json_integer(3)) || put(c, "padding", json_integer(1)) ||
              put(c, "seed", json_integer(o->seed)) ||
              put(c, "weight", json_reals(res->m.weight, res->m.c * 9)) ||
              put(c, "bias", nn_json_real(res->m.bias));
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
static json_t *rows_json(const vopts *o, const vresult *res)
{
    json_t *rows = json_array();
    for (int r = 0; rows && r < res->m.rows; r++) {
        json_t *row = json_object();
        int bad = json_array_append_new(rows, row) ||
                  put(row, "activation", nn_json_text(row_name(o, r))) ||
                  put(row, "images", json_reals(res->m.img[r], res->m.nimg)) ||
                  put(row, "mean", nn_json_real(res->m.mean[r])) ||
                  put(row, "std", nn_json_real(res->m.std[r])) ||
                  put(row, "normal_variance", nn_json_real(res->m.normal[r]));
        if (bad) {
            json_decref(rows);
            rows = NULL;
        }
    }
    return rows;
}

/* The whole of variance.json: a new reference, or NULL when out of memory. */
static json_t *variance_json(const vopts *o, const vresult *res)
{
    json_t *d = json_object(), *shape = json_array();
    int bad = !d || put(d, "data", nn_json_text(o->data)) ||
              put(d, "dataset", nn_json_text(res->dataset)) || put(d, "shape", shape) ||
              json_array_append_new(shape, json_integer(res->m.c)) ||
              json_array_append_new(shape, json_integer(res->m.h)) ||
              json_array_append_new(shape, json_integer(res->m.w)) ||
              put(d, "test_images", json_integer(res->total)) ||
              put(d, "images", json_integer(res->m.nimg)) ||
              put(d, "stats_images", json_integer(res->m.nstats)) ||
              put(d, "std_ddof", json_integer(1)) ||
              put(d, "input", nn_json_text("pixel / 255")) ||
              put(d, "conv", conv_json(o, res)) ||
              put(d, "batchnorm", batchnorm_json()) || put(d, "rows", rows_json(o, res));
    return bad ? (json_decref(d), NULL) : d;
}

static int write_json(const vopts *o, const vresult *res)
{
    char path[PATH_MAX + 32];
    nn_err err;
    analysis_path(path, sizeof path, o->out, "variance.json");
    json_t *doc = variance_json(o, res);
    int rc = doc ? nn_json_write_file(path, doc, JSON_INDENT(2), &err) : -1;
    if (rc)
        cli_error("%s", doc ? err.msg : "out of memory building variance.json");
    json_decref(doc);
    return rc;
}

/* ----------------------------------------------------------- Markdown --- */

/* min and max over the first nimg images. */
static void image_range(const vresult *res, int r, double *lo, double *hi)
{
    *lo = INFINITY, *hi = -INFINITY;
    for (int i = 0; i < res->m.nimg; i++) {
        *lo = fmin(*lo, res->m.img[r][i]);
        *hi = fmax(*hi, res->m.img[r][i]);
    }
}

/* Every column left-aligned ("---"), as the report has always been. */
static void align_left(nn_table *t)
{
    for (int c = 0; c < nn_table_cols(t); c++)
        nn_table_align_set(t, c, NN_TABLE_ALIGN_LEFT);
}

/* The results: each image, mean ± std, Var f(Z). */
static nn_table *md_results(const vopts *o, const vresult *res)
{
    nn_table *t = nn_table_create();
    char name[64], cell[64];
    int bad = !t || nn_table_col_add(t, "activation", NN_TABLE_STR, NULL) < 0;
    for (int i = 0; !bad && i < res->m.nimg; i++) {
        snprintf(name, sizeof name, "image %d", i + 1);
        bad = nn_table_col_add(t, name, NN_TABLE_REAL, "%.4f") < 0;
    }
    snprintf(name, sizeof name, "mean ± std over %d images", res->m.nstats);
    bad = bad || nn_table_col_add(t, name, NN_TABLE_STR, NULL) < 0 ||
          nn_table_col_add(t, "Var f(Z), Z ~ N(0,1)", NN_TABLE_REAL, "%.6f") < 0;
    if (!bad)
        align_left(t);
    for (int r = 0; !bad && r < res->m.rows; r++) {
        int c = 0;
        bad = nn_table_row_add(t) < 0 ||
              nn_table_str_set(t, c++,
                               r < o->acts.n ? o->acts.name[r] : "identity (BN output)");
        for (int i = 0; !bad && i < res->m.nimg; i++)
            bad = nn_table_real_set(t, c++, res->m.img[r][i]);
        snprintf(cell, sizeof cell, "%.4f ± %.4f", res->m.mean[r], res->m.std[r]);
        bad = bad || nn_table_str_set(t, c++, cell) ||
              nn_table_real_set(t, c++, res->m.normal[r]);
    }
    return t;
}

/* Against the paper: its range over four CIFAR-10 images, ours. */
static nn_table *md_paper_table(const vopts *o, const vresult *res)
{
    nn_table *t = nn_table_create();
    char name[64], cell[64];
    int bad = !t || nn_table_col_add(t, "activation", NN_TABLE_STR, NULL) < 0 ||
              nn_table_col_add(t, "paper: range over 4 CIFAR-10 images", NN_TABLE_STR,
                               NULL) < 0;
    snprintf(name, sizeof name, "ours: range over images 1-%d", res->m.nimg);
    bad = bad || nn_table_col_add(t, name, NN_TABLE_STR, NULL) < 0;
    snprintf(name, sizeof name, "ours: mean over %d", res->m.nstats);
    bad = bad || nn_table_col_add(t, name, NN_TABLE_REAL, "%.3f") < 0;
    if (!bad)
        align_left(t);
    for (int r = 0; !bad && r < o->acts.n; r++) {
        int p = paper_index(o->acts.name[r]);
        double lo, hi;
        image_range(res, r, &lo, &hi);
        bad = nn_table_row_add(t) < 0 || nn_table_str_set(t, 0, o->acts.name[r]);
        if (p >= 0)
            snprintf(cell, sizeof cell, "%.3f-%.3f (%s)", PAPER[p].lo, PAPER[p].hi,
                     PAPER[p].paper_name);
        else
            snprintf(cell, sizeof cell, "-");
        bad = bad || nn_table_str_set(t, 1, cell);
        snprintf(cell, sizeof cell, "%.3f-%.3f", lo, hi);
        bad = bad || nn_table_str_set(t, 2, cell) ||
              nn_table_real_set(t, 3, res->m.mean[r]);
    }
    return t;
}

/* A Markdown table on f (what: the file, for messages); frees t. */
static int md_table(FILE *f, const char *what, nn_table *t)
{
    nn_err err;
    int rc = t ? nn_table_write(t, NN_TABLE_MD, f, what, &err) : -1;
    if (rc)
        cli_error("%s", t ? err.msg : "out of memory");
    nn_table_free(t);
    return rc;
}

static void md_intro(FILE *f, const vopts *o, const vresult *res)
{
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
        res->dataset, o->data, res->m.c, res->m.h, res->m.w, res->m.c, res->m.c * 9,
        o->seed, res->m.h * res->m.w);
}

static void md_paper_intro(FILE *f, const vresult *res)
{
    fprintf(f, "\n## Against the paper\n\n"
               "The paper (docs/MATH.md) shows four CIFAR-10 images through Conv2d(3->1) "
               "-> BatchNorm2d -> activation. ");
    if (res->cifar)
        fputs("These are CIFAR-10 test images too, but not necessarily the paper's four, "
              "and the conv layer's random initialisation differs.\n\n",
              f);
    else
        fprintf(f,
                "Ours are %s images (%d channel%s, %dx%d), not CIFAR-10: compare the "
                "ordering of the activations, not the values. Give `--data` a CIFAR-10 "
                "binary directory to measure on the paper's data.\n\n",
                res->dataset, res->m.c, res->m.c == 1 ? "" : "s", res->m.h, res->m.w);
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

static void md_ranking(FILE *f, const vopts *o, const vresult *res)
{
    int n = o->acts.n, golu = -1, wins = 0;
    for (int r = 0; r < n; r++)
        if (o->acts.act[r].kind == GOLU_ACT_GOLU)
            golu = r;
    fprintf(f, "\n## Which activation gives the smallest variance\n\n");
    fprintf(f, "- N(0,1) input: %s.\n", o->acts.name[argmin_row(res->m.normal, n)]);
    fprintf(f, "- Mean over %d images: %s.\n", res->m.nstats,
            o->acts.name[argmin_row(res->m.mean, n)]);
    for (int i = 0; i < res->m.nimg; i++) {
        double v[LAB_VARIANCE_MAX_ROWS];
        for (int r = 0; r < n; r++)
            v[r] = res->m.img[r][i];
        wins += golu >= 0 && argmin_row(v, n) == golu;
    }
    if (golu >= 0)
        fprintf(f,
                "- GoLU is the smallest on %d of the %d images shown. The paper's claim: "
                "GoLU's is the smallest.\n",
                wins, res->m.nimg);
}

static int write_md(const vopts *o, const vresult *res)
{
    char path[PATH_MAX + 32];
    outfile f;
    analysis_path(path, sizeof path, o->out, "variance.md");
    if (outfile_open(&f, path))
        return -1;
    md_intro(f.f, o, res);
    int rc = md_table(f.f, path, md_results(o, res));
    if (rc == 0) {
        md_paper_intro(f.f, res);
        rc = md_table(f.f, path, md_paper_table(o, res));
    }
    if (rc) {
        outfile_abort(&f);
        return -1;
    }
    md_ranking(f.f, o, res);
    return outfile_commit(&f);
}

int variance_report_files(const vopts *o, const vresult *res)
{
    if (write_table(o, csv_table(o, res), NN_TABLE_CSV, "variance.csv") ||
        write_json(o, res) || write_md(o, res))
        return 1;
    return 0;
}

/* ---------------------------------------------------------------- plot --- */

static int write_plot_data(const vopts *o, const vresult *res)
{
    char path[PATH_MAX + 32];
    outfile f;
    analysis_path(path, sizeof path, o->out, "variance.dat");
    if (outfile_open(&f, path))
        return -1;
    fputs("# index activation image_1..image_N mean std normal_variance paper_lo "
          "paper_hi\n",
          f.f);
    for (int r = 0; r < o->acts.n; r++) {
        int p = paper_index(o->acts.name[r]);
        fprintf(f.f, "%d %s", r, o->acts.name[r]);
        for (int i = 0; i < res->m.nimg; i++)
            fprintf(f.f, " %.10g", res->m.img[r][i]);
        fprintf(f.f, " %.10g %.10g %.10g", res->m.mean[r], res->m.std[r],
                res->m.normal[r]);
        if (p >= 0)
            fprintf(f.f, " %g %g\n", PAPER[p].lo, PAPER[p].hi);
        else
            fputs(" NaN NaN\n", f.f);
    }
    return outfile_commit(&f);
}

static int write_plot_script(const vopts *o, const vresult *res)
{
    char path[PATH_MAX + 32];
    outfile f;
    int n = res->m.nimg, m = n + 3; /* column of the mean */
    analysis_path(path, sizeof path, o->out, "variance.gp");
    if (outfile_open(&f, path))
        return -1;
    analysis_gp_prologue(f.f, "variance.gp");
    fprintf(f.f,
            "set output d.'variance.png'\n"
            "set title 'Variance after Conv2d(%d->1, 3x3) -> BatchNorm2d -> activation "
            "(%s)'\n"
            "set ylabel 'variance of the outputs'\nset grid ytics\n"
            "set xrange [-0.6:%d.6]\nset key bmargin center horizontal\n",
            res->m.c, res->dataset, o->acts.n - 1);
    fprintf(f.f,
            "plot for [j=1:%d] d.'variance.dat' using ($1-0.3+0.3*(j-1)/%d.0):"
            "(column(j+2)) with points pt 6 ps 0.8 lc rgb '#7f7f7f' "
            "title (j == 1 ? 'images 1-%d' : ''), \\\n",
            n, n > 1 ? n - 1 : 1, n);
    fprintf(f.f,
            "  d.'variance.dat' using 1:%d:%d:xtic(2) with yerrorbars pt 7 ps 1.2 lw 2 "
            "lc rgb '#1f77b4' title 'mean ± std, %d images', \\\n",
            m, m + 1, res->m.nstats);
    fprintf(f.f,
            "  d.'variance.dat' using ($1+0.15):%d with points pt 5 ps 1.3 "
            "lc rgb '#d62728' title 'N(0,1) input', \\\n",
            m + 2);
    fprintf(f.f,
            "  d.'variance.dat' using ($1+0.3):%d:(0):($%d-$%d) with vectors nohead "
            "lw 4 lc rgb '#2ca02c' title 'paper: 4 CIFAR-10 images (Swish = silu)'\n",
            m + 3, m + 4, m + 3);
    return outfile_commit(&f);
}

int variance_report_plot(const vopts *o, const vresult *res)
{
    char script[PATH_MAX + 32];
    if (write_plot_data(o, res) || write_plot_script(o, res))
        return 1;
    analysis_path(script, sizeof script, o->out, "variance.gp");
    return analysis_gp_run(script);
}
