/*
 * cmd_variance.c - `golu variance`: the paper's latent-variance measurement
 * (src/lab/variance.h does it: a test image through Conv2d(C -> 1, 3x3,
 * PyTorch's default initialisation from --seed), BatchNorm2d in training
 * mode over that image, then each activation; the population variance of
 * the outputs), with its flags and its reports.
 *
 * Per image for the first --images test images (the paper shows four), mean
 * and std over the first --stats images, and Var f(Z) for Z ~ N(0,1) by
 * quadrature: the variance an activation gives to an exactly standardised
 * input. The "identity" row is the BatchNorm output itself (about 1:
 * var/(var + eps)).
 *
 * Writes OUT/variance.{md,csv,json} and OUT/variance.png (with its .dat and
 * .gp, to redraw by hand).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis.h"
#include "blas_setup.h"
#include "cli.h"
#include "commands.h"
#include "data.h"
#include "outfile.h"
#include "variance.h"

#define DEFAULT_DATA "/usr/share/datasets/fashion-mnist"
#define MAX_IMAGES   LAB_VARIANCE_MAX_IMAGES /* table columns */
#define MAX_ROWS     LAB_VARIANCE_MAX_ROWS   /* the activations, then identity */

_Static_assert(ANALYSIS_MAX_ACTS <= LAB_VARIANCE_MAX_ACTS,
               "every activation --acts takes has a row");

typedef struct vopts {
    const char *data, *out;
    long images, stats, seed;
    analysis_acts acts;
} vopts;

typedef struct vresult {
    char dataset[64]; /* "Fashion-MNIST", "CIFAR-10", "IDX" */
    int cifar;
    int total;      /* images in the test split */
    lab_variance m; /* the shape, the layer, the results */
} vresult;

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

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: golu variance [--data DIR] [--images N] [--stats M] [--acts a,b,...]\n"
        "                     [--seed S] [--out DIR]\n\n"
        "The paper's latent-variance measurement: a test image through a 3x3\n"
        "Conv2d (Cin -> 1, padding 1, PyTorch's default init from --seed), a\n"
        "BatchNorm2d in training mode over that image, then each activation; the\n"
        "variance of the outputs. Also Var f(Z) for Z ~ N(0,1) by quadrature.\n\n"
        "  --data DIR     Fashion-MNIST/MNIST IDX files, or CIFAR-10 binary batches\n"
        "                 (test_batch.bin); default " DEFAULT_DATA "\n"
        "  --images N     images shown one by one (default 4, as the paper; <= %d)\n"
        "  --stats M      images in the mean and std (default 256; capped at the\n"
        "                 test split's size)\n"
        "  --acts LIST    activations (default " ANALYSIS_DEFAULT_ACTS ")\n"
        "  --seed S       seed of the conv layer's initialisation (default 1)\n"
        "  --out DIR      where variance.{md,csv,json,png} go (default golu-variance)\n\n"
        "Exit status: 0 done, 1 the plot failed (gnuplot missing included; the\n"
        "other files are written), 2 bad input.\n",
        MAX_IMAGES);
}

/* ------------------------------------------------------------ options --- */

static int parse_long_flag(int argc, char **argv, int *i, const char *flag, long min,
                           long max, long *out)
{
    const char *v = cli_flag_value(argc, argv, i, flag);
    return !v || cli_parse_long(flag, v, min, max, out) ? -1 : 0;
}

/* 0 parsed, 1 --help printed, -1 bad usage. */
static int parse_opts(int argc, char **argv, vopts *o)
{
    const char *acts = ANALYSIS_DEFAULT_ACTS;
    *o = (vopts){DEFAULT_DATA, "golu-variance", 4, 256, 1, {0}};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int bad = 0;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 1;
        } else if (cli_is_flag(a, "--data")) {
            bad = !(o->data = cli_flag_value(argc, argv, &i, "--data"));
        } else if (cli_is_flag(a, "--out")) {
            bad = !(o->out = cli_flag_value(argc, argv, &i, "--out"));
        } else if (cli_is_flag(a, "--acts")) {
            bad = !(acts = cli_flag_value(argc, argv, &i, "--acts"));
        } else if (cli_is_flag(a, "--images")) {
            bad = parse_long_flag(argc, argv, &i, "--images", 1, MAX_IMAGES, &o->images);
        } else if (cli_is_flag(a, "--stats")) {
            bad = parse_long_flag(argc, argv, &i, "--stats", 1, 1000000, &o->stats);
        } else if (cli_is_flag(a, "--seed")) {
            bad = parse_long_flag(argc, argv, &i, "--seed", 0, 1L << 62, &o->seed);
        } else {
            cli_error("unknown option '%s' (see golu variance --help)", a);
            return -1;
        }
        if (bad)
            return -1;
    }
    if (!*o->out) {
        cli_error("--out: empty directory name");
        return -1;
    }
    return analysis_parse_acts("--acts", acts, &o->acts);
}

/* --------------------------------------------------------------- data --- */

/* The test split of --data: CIFAR-10 when test_batch.bin is there, else IDX. */
static int load_test_images(const vopts *o, nn_images *im, vresult *res)
{
    struct stat st;
    nn_err err = {""};
    if (stat(o->data, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cli_error("--data: %s is not a directory (Fashion-MNIST IDX files or CIFAR-10 "
                  "batches)%s",
                  o->data,
                  strcmp(o->data, DEFAULT_DATA) == 0
                      ? "; install Debian's dataset-fashion-mnist "
                        "(scripts/setup-debian.sh --data)"
                      : "");
        return -1;
    }
    if (lab_variance_images_load(o->data, im, res->dataset, sizeof res->dataset,
                                 &res->cifar, &err)) {
        cli_error("--data: %s", err.msg);
        return -1;
    }
    if (im->c > LAB_VARIANCE_MAX_CIN) {
        cli_error("--data: %s: %d channels, at most %d are supported", o->data, im->c,
                  LAB_VARIANCE_MAX_CIN);
        return -1;
    }
    if (o->images > im->n) {
        cli_error("--images: %ld, but %s has only %d test images", o->images, o->data,
                  im->n);
        return -1;
    }
    res->m.c = im->c, res->m.h = im->h, res->m.w = im->w, res->total = im->n;
    res->m.nimg = (int)o->images;
    res->m.nstats = o->stats < im->n ? (int)o->stats : im->n;
    return 0;
}

/* ------------------------------------------------------------ reports --- */

static void print_table(const vopts *o, const vresult *res)
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

static int write_csv(const vopts *o, const vresult *res)
{
    char path[PATH_MAX + 32];
    outfile f;
    analysis_path(path, sizeof path, o->out, "variance.csv");
    if (outfile_open(&f, path))
        return -1;
    fputs("activation", f.f);
    for (int i = 0; i < res->m.nimg; i++)
        fprintf(f.f, ",image_%d", i + 1);
    fputs(",mean,std,stats_images,normal_variance\n", f.f);
    for (int r = 0; r < res->m.rows; r++) {
        fprintf(f.f, "%s", row_name(o, r));
        for (int i = 0; i < res->m.nimg; i++)
            fprintf(f.f, ",%.17g", res->m.img[r][i]);
        fprintf(f.f, ",%.17g,%.17g,%d,%.17g\n", res->m.mean[r], res->m.std[r],
                res->m.nstats, res->m.normal[r]);
    }
    return outfile_commit(&f);
}

static void json_array(FILE *f, const double *v, int n)
{
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        fputs(i ? ", " : "", f);
        analysis_json_number(f, v[i]);
    }
    fputc(']', f);
}

static void json_rows(FILE *f, const vopts *o, const vresult *res)
{
    fputs("  \"rows\": [\n", f);
    for (int r = 0; r < res->m.rows; r++) {
        fputs("    {\"activation\": ", f);
        analysis_json_string(f, row_name(o, r));
        fputs(", \"images\": ", f);
        json_array(f, res->m.img[r], res->m.nimg);
        fputs(", \"mean\": ", f);
        analysis_json_number(f, res->m.mean[r]);
        fputs(", \"std\": ", f);
        analysis_json_number(f, res->m.std[r]);
        fputs(", \"normal_variance\": ", f);
        analysis_json_number(f, res->m.normal[r]);
        fprintf(f, "}%s\n", r + 1 < res->m.rows ? "," : "");
    }
    fputs("  ]\n", f);
}

static int write_json(const vopts *o, const vresult *res)
{
    char path[PATH_MAX + 32];
    outfile f;
    analysis_path(path, sizeof path, o->out, "variance.json");
    if (outfile_open(&f, path))
        return -1;
    fputs("{\n  \"data\": ", f.f);
    analysis_json_string(f.f, o->data);
    fprintf(f.f,
            ",\n  \"dataset\": \"%s\",\n  \"shape\": [%d, %d, %d],\n"
            "  \"test_images\": %d,\n  \"images\": %d,\n  \"stats_images\": %d,\n"
            "  \"std_ddof\": 1,\n  \"input\": \"pixel / 255\",\n",
            res->dataset, res->m.c, res->m.h, res->m.w, res->total, res->m.nimg,
            res->m.nstats);
    fprintf(f.f,
            "  \"conv\": {\"in_channels\": %d, \"out_channels\": 1, \"kernel\": 3, "
            "\"padding\": 1, \"seed\": %ld,\n           \"weight\": ",
            res->m.c, o->seed);
    json_array(f.f, res->m.weight, res->m.c * 9);
    fputs(", \"bias\": ", f.f);
    analysis_json_number(f.f, res->m.bias);
    fprintf(f.f, "},\n  \"batchnorm\": {\"training\": true, \"gamma\": 1, \"beta\": 0, "
                 "\"eps\": 1e-05},\n");
    json_rows(f.f, o, res);
    fputs("}\n", f.f);
    return outfile_commit(&f);
}

/* min and max over the first nimg images. */
static void image_range(const vresult *res, int r, double *lo, double *hi)
{
    *lo = INFINITY, *hi = -INFINITY;
    for (int i = 0; i < res->m.nimg; i++) {
        *lo = fmin(*lo, res->m.img[r][i]);
        *hi = fmax(*hi, res->m.img[r][i]);
    }
}

static void md_table(FILE *f, const vopts *o, const vresult *res)
{
    fputs("| activation |", f);
    for (int i = 0; i < res->m.nimg; i++)
        fprintf(f, " image %d |", i + 1);
    fprintf(f, " mean ± std over %d images | Var f(Z), Z ~ N(0,1) |\n|---|",
            res->m.nstats);
    for (int i = 0; i < res->m.nimg; i++)
        fputs("---|", f);
    fputs("---|---|\n", f);
    for (int r = 0; r < res->m.rows; r++) {
        fprintf(f, "| %s |", r < o->acts.n ? o->acts.name[r] : "identity (BN output)");
        for (int i = 0; i < res->m.nimg; i++)
            fprintf(f, " %.4f |", res->m.img[r][i]);
        fprintf(f, " %.4f ± %.4f | %.6f |\n", res->m.mean[r], res->m.std[r],
                res->m.normal[r]);
    }
}

static void md_paper(FILE *f, const vopts *o, const vresult *res)
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
    fprintf(f,
            "| activation | paper: range over 4 CIFAR-10 images | ours: range over "
            "images 1-%d | ours: mean over %d |\n|---|---|---|---|\n",
            res->m.nimg, res->m.nstats);
    for (int r = 0; r < o->acts.n; r++) {
        int p = paper_index(o->acts.name[r]);
        double lo, hi;
        image_range(res, r, &lo, &hi);
        fprintf(f, "| %s |", o->acts.name[r]);
        if (p >= 0)
            fprintf(f, " %.3f-%.3f (%s) |", PAPER[p].lo, PAPER[p].hi,
                    PAPER[p].paper_name);
        else
            fputs(" - |", f);
        fprintf(f, " %.3f-%.3f | %.3f |\n", lo, hi, res->m.mean[r]);
    }
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
        double v[MAX_ROWS];
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
    fprintf(
        f.f,
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
    md_table(f.f, o, res);
    md_paper(f.f, o, res);
    md_ranking(f.f, o, res);
    return outfile_commit(&f);
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

static int plot(const vopts *o, const vresult *res)
{
    char script[PATH_MAX + 32];
    if (write_plot_data(o, res) || write_plot_script(o, res))
        return 1;
    analysis_path(script, sizeof script, o->out, "variance.gp");
    return analysis_gp_run(script);
}

/* ----------------------------------------------------------------- run --- */

static int measure(const vopts *o, vresult *res)
{
    nn_images im = {0};
    if (load_test_images(o, &im, res)) {
        nn_images_free(&im);
        return 2;
    }
    nn_err err = {""};
    lab_variance_conv_init(&res->m, (uint64_t)o->seed);
    int rc = lab_variance_measure_images(&res->m, &im, o->acts.act, o->acts.n, &err);
    nn_images_free(&im);
    if (rc)
        cli_error("%s", err.msg);
    for (int r = 0; r < res->m.rows && !rc; r++)
        rc = lab_variance_normal(r < o->acts.n ? &o->acts.act[r] : NULL,
                                 &res->m.normal[r]) != GOLU_OK;
    if (rc)
        cli_error("the measurement failed");
    return rc ? 1 : 0;
}

int golu_cmd_variance(int argc, char **argv)
{
    static vopts o; /* static: the results are large for the stack */
    static vresult res;
    int rc = parse_opts(argc, argv, &o);
    if (rc)
        return rc > 0 ? 0 : 2;
    memset(&res, 0, sizeof res);
    blas_setup(1); /* tiny products: threads would only cost */
    if ((rc = measure(&o, &res)))
        return rc;
    if (analysis_make_dir("--out", o.out))
        return 2;
    print_table(&o, &res);
    if (write_csv(&o, &res) || write_json(&o, &res) || write_md(&o, &res))
        return 1;
    rc = plot(&o, &res);
    printf("\nwrote %s/variance.md, variance.csv, variance.json%s\n", o.out,
           rc ? "" : ", variance.png");
    return rc;
}
