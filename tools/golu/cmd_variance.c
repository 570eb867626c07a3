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
 * .gp, to redraw by hand): src/lab/variance_report.h writes the files, this
 * file prints the table and runs gnuplot.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis.h"
#include "blas_setup.h"
#include "cli.h"
#include "commands.h"
#include "data.h"
#include "gnuplot.h"
#include "opts.h"
#include "variance_report.h" /* src/lab/variance_report.h */

#define DEFAULT_DATA "/usr/share/datasets/fashion-mnist"
#define MAX_IMAGES   LAB_VARIANCE_MAX_IMAGES /* table columns */

_Static_assert(ANALYSIS_MAX_ACTS <= LAB_VARIANCE_MAX_ACTS,
               "every activation --acts takes has a row");

typedef struct vopts {
    const char *data, *out;
    long images, stats, seed;
    analysis_acts acts;
} vopts;

/* What was measured, and on what. */
typedef struct vresult {
    char dataset[64]; /* "Fashion-MNIST", "CIFAR-10", "IDX" */
    int cifar;
    int total;      /* images in the test split */
    lab_variance m; /* the shape, the layer, the results */
} vresult;

/* ------------------------------------------------------------ options --- */

/* The options and the --acts list, parsed after the flags. */
typedef struct vargs {
    vopts o;
    const char *acts;
} vargs;

/* The --images help: its bound is the library's. */
static const char *images_help(int column)
{
    static char buf[96];
    (void)column;
    snprintf(buf, sizeof buf, "images shown one by one (default 4, as the paper; <= %d)",
             MAX_IMAGES);
    return buf;
}

#define OFF(f) offsetof(vargs, f)
static const cli_opt OPTS[] = {
    {.flag = "--data",
     .kind = CLI_OPT_STRING,
     .offset = OFF(o.data),
     .metavar = "DIR",
     .help = "Fashion-MNIST/MNIST IDX files, or CIFAR-10 binary batches\n"
             "(test_batch.bin); default " DEFAULT_DATA},
    {.flag = "--images",
     .kind = CLI_OPT_LONG,
     .offset = OFF(o.images),
     .min = 1,
     .max = MAX_IMAGES,
     .metavar = "N",
     .help_fn = images_help},
    {.flag = "--stats",
     .kind = CLI_OPT_LONG,
     .offset = OFF(o.stats),
     .min = 1,
     .max = 1000000,
     .metavar = "M",
     .help = "images in the mean and std (default 256; capped at the\n"
             "test split's size)"},
    {.flag = "--acts",
     .kind = CLI_OPT_STRING,
     .offset = OFF(acts),
     .metavar = "LIST",
     .help = "activations (default " ANALYSIS_DEFAULT_ACTS ")"},
    {.flag = "--seed",
     .kind = CLI_OPT_LONG,
     .offset = OFF(o.seed),
     .max = 0x1p62,
     .metavar = "S",
     .help = "seed of the conv layer's initialisation (default 1)"},
    {.flag = "--out",
     .kind = CLI_OPT_STRING,
     .offset = OFF(o.out),
     .metavar = "DIR",
     .help = "where variance.{md,csv,json,png} go (default golu-variance)"},
};
#undef OFF
enum { N_OPTS = sizeof OPTS / sizeof OPTS[0] };
static const cli_opts_style STYLE = {"variance", 0, CLI_POS_UNKNOWN, 17};

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: golu variance [--data DIR] [--images N] [--stats M] [--acts a,b,...]\n"
        "                     [--seed S] [--out DIR]\n\n"
        "The paper's latent-variance measurement: a test image through a 3x3\n"
        "Conv2d (Cin -> 1, padding 1, PyTorch's default init from --seed), a\n"
        "BatchNorm2d in training mode over that image, then each activation; the\n"
        "variance of the outputs. Also Var f(Z) for Z ~ N(0,1) by quadrature.\n\n");
    cli_opts_usage(out, OPTS, N_OPTS, &STYLE);
    fprintf(out,
            "\nExit status: 0 done, 1 the plot failed (gnuplot missing included; the\n"
            "other files are written), 2 bad input.\n");
}

/* 0 parsed, 1 --help printed, -1 bad usage. */
static int parse_opts(int argc, char **argv, vopts *o)
{
    vargs a = {{DEFAULT_DATA, "golu-variance", 4, 256, 1, {0}}, ANALYSIS_DEFAULT_ACTS};
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

static const char *row_name(const vopts *o, int r)
{
    return r < o->acts.n ? o->acts.name[r] : "identity";
}

/* The table for people, on stdout. */
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

/* OUT/variance.{csv,json,md}, then the plot's files and gnuplot: 0, -1
 * when a report could not be written, 1 when the plot failed (gnuplot
 * missing included); after a message. */
static int write_reports(const vopts *o, const vresult *res)
{
    lab_variance_report R = {&res->m,      o->acts.act, o->acts.n,  o->data,
                             res->dataset, res->cifar,  res->total, o->seed};
    char script[PATH_MAX + 32];
    nn_err err = {""};
    if (lab_variance_files_write(&R, o->out, &err)) {
        cli_error("%s", err.msg);
        return -1;
    }
    if (lab_variance_plot_write(&R, o->out, gnuplot_terminal(), &err)) {
        cli_error("%s", err.msg);
        return 1;
    }
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
    if (analysis_make_dir("--out", o.out) || analysis_dir_lock("--out", o.out))
        return 2;
    print_table(&o, &res);
    if ((rc = write_reports(&o, &res)) < 0)
        return 1;
    printf("\nwrote %s/variance.md, variance.csv, variance.json%s\n", o.out,
           rc ? "" : ", variance.png");
    return rc;
}
