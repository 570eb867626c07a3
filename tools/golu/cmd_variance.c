/*
 * cmd_variance.c - `golu variance`: the paper's latent-variance measurement.
 *
 * One test image x (C, H, W), pixels in [0, 1] (torchvision's ToTensor)
 *   -> Conv2d(C -> 1, 3x3, padding 1) with PyTorch's default initialisation,
 *      weight and bias U(-1/sqrt(9C), +1/sqrt(9C)), drawn from the counter RNG
 *      with --seed (one layer for all images)
 *   -> BatchNorm2d in training mode, statistics over that one image
 *      (gamma 1, beta 0, eps 1e-5)
 *   -> each activation,
 * and the population variance of the H*W outputs. Per image for the first
 * --images test images (the paper shows four), mean and std over the first
 * --stats images, and Var f(Z) for Z ~ N(0,1) by quadrature: the variance an
 * activation gives to an exactly standardised input. The "identity" row is
 * the BatchNorm output itself (about 1: var/(var + eps)).
 *
 * Everything runs in double (the _f64 layers, golu_forward with GOLU_F64).
 * Writes OUT/variance.{md,csv,json} and OUT/variance.png (with its .dat and
 * .gp, to redraw by hand).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "analysis.h"
#include "blas_setup.h"
#include "cli.h"
#include "commands.h"
#include "data.h"
#include "layers.h"
#include "outfile.h"
#include "rng.h"

#define DEFAULT_DATA "/usr/share/datasets/fashion-mnist"
#define MAX_IMAGES   64                      /* table columns */
#define MAX_ROWS     (ANALYSIS_MAX_ACTS + 1) /* the activations, then identity */
#define MAX_CIN      3
#define BN_EPS       1e-5

typedef struct vopts {
    const char *data, *out;
    long images, stats, seed;
    analysis_acts acts;
} vopts;

typedef struct vresult {
    char dataset[64]; /* "Fashion-MNIST", "CIFAR-10", "IDX" */
    int cifar;
    int c, h, w, total; /* image shape; images in the test split */
    int nimg, nstats;
    double weight[MAX_CIN * 9], bias; /* the conv layer (Cout 1) */
    int rows;                         /* acts.n + 1 (identity) */
    double img[MAX_ROWS][MAX_IMAGES];
    double mean[MAX_ROWS], std[MAX_ROWS], normal[MAX_ROWS];
} vresult;

/* The paper's four CIFAR-10 images (REFERENCE.md): the range over them. */
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

static int file_exists(const char *dir, const char *name)
{
    char p[PATH_MAX + 32];
    struct stat st;
    analysis_path(p, sizeof p, dir, name);
    return stat(p, &st) == 0;
}

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
    res->cifar = file_exists(o->data, "test_batch.bin");
    int rc;
    if (res->cifar) {
        char p[PATH_MAX + 32];
        analysis_path(p, sizeof p, o->data, "test_batch.bin");
        const char *paths[1] = {p};
        rc = nn_cifar10_load(im, paths, 1, &err);
        snprintf(res->dataset, sizeof res->dataset, "CIFAR-10");
    } else {
        rc = nn_idx_load_dir(im, o->data, "test", &err);
        snprintf(res->dataset, sizeof res->dataset, "%s",
                 strcasestr(o->data, "fashion") ? "Fashion-MNIST" : "IDX");
    }
    if (rc) {
        cli_error("--data: %s", err.msg);
        return -1;
    }
    if (im->c > MAX_CIN) {
        cli_error("--data: %s: %d channels, at most %d are supported", o->data, im->c,
                  MAX_CIN);
        return -1;
    }
    if (o->images > im->n) {
        cli_error("--images: %ld, but %s has only %d test images", o->images, o->data,
                  im->n);
        return -1;
    }
    res->c = im->c, res->h = im->h, res->w = im->w, res->total = im->n;
    res->nimg = (int)o->images;
    res->nstats = o->stats < im->n ? (int)o->stats : im->n;
    return 0;
}

/* PyTorch's Conv2d default: kaiming_uniform(a = sqrt 5) for the weight is
 * U(+-1/sqrt(fan_in)), and the bias is U(+-1/sqrt(fan_in)) too. Streams
 * "variance.conv.weight"/"variance.conv.bias", index = element. */
static void init_conv(vresult *res, uint64_t seed)
{
    int fan_in = res->c * 9;
    double bound = 1.0 / sqrt((double)fan_in);
    uint64_t sw = nn_rng_stream("variance.conv.weight", 0, 0);
    uint64_t sb = nn_rng_stream("variance.conv.bias", 0, 0);
    for (int k = 0; k < fan_in; k++)
        res->weight[k] = bound * (2.0 * nn_rng_uniform(seed, sw, (uint64_t)k) - 1.0);
    res->bias = bound * (2.0 * nn_rng_uniform(seed, sb, 0) - 1.0);
}

/* ------------------------------------------------------- measurement --- */

/* Population variance (divide by n), two passes. */
static double pop_variance(const double *v, size_t n)
{
    double s = 0, q = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    double m = s / (double)n;
    for (size_t i = 0; i < n; i++)
        q += (v[i] - m) * (v[i] - m);
    return q / (double)n;
}

typedef struct scratch {
    double *x, *y, *z, *a, *work;
} scratch;

static int scratch_alloc(scratch *b, const nn_conv2d_shape *s)
{
    size_t hw = (size_t)s->h * (size_t)s->w;
    b->x = malloc((size_t)s->cin * hw * sizeof *b->x);
    b->y = malloc(hw * sizeof *b->y);
    b->z = malloc(hw * sizeof *b->z);
    b->a = malloc(hw * sizeof *b->a);
    b->work = malloc((nn_conv2d_workspace(s) + 1) * sizeof *b->work);
    return b->x && b->y && b->z && b->a && b->work ? 0 : -1;
}

static void scratch_free(scratch *b)
{
    free(b->x), free(b->y), free(b->z), free(b->a), free(b->work);
}

/* out[r] = the variance of row r's outputs for image idx. */
static int measure_image(const vopts *o, const vresult *res, const nn_images *im, int idx,
                         const nn_conv2d_shape *s, scratch *b, double *out)
{
    size_t hw = (size_t)res->h * (size_t)res->w, chw = (size_t)res->c * hw;
    const float *px = im->pixels + (size_t)idx * chw;
    for (size_t k = 0; k < chw; k++)
        b->x[k] = px[k];
    nn_conv2d_forward_f64(b->y, b->x, res->weight, &res->bias, s, b->work);
    double mean, rstd, gamma = 1, beta = 0;
    nn_batchnorm2d_forward_f64(b->z, &mean, &rstd, NULL, NULL, b->y, &gamma, &beta, 1, 1,
                               (int)hw, 1, 0.1, BN_EPS);
    for (int r = 0; r < o->acts.n; r++) {
        golu_status st = nn_act_forward_f64(NULL, &o->acts.act[r], b->a, b->z, hw);
        if (st != GOLU_OK) {
            cli_error("%s: %s", o->acts.name[r], golu_status_str(st));
            return -1;
        }
        out[r] = pop_variance(b->a, hw);
    }
    out[o->acts.n] = pop_variance(b->z, hw);
    return 0;
}

/* Per-image variances of the first nimg images; mean and sample std (n - 1)
 * over the first nstats (Welford's update, stable for any count). */
static int measure_images(const vopts *o, vresult *res, const nn_images *im)
{
    nn_conv2d_shape s = {1, res->c, res->h, res->w, 1, 3, 1, 1};
    scratch b;
    double m2[MAX_ROWS] = {0}, v[MAX_ROWS];
    int rc = scratch_alloc(&b, &s);
    if (rc)
        cli_error("out of memory");
    int n = res->nimg > res->nstats ? res->nimg : res->nstats;
    for (int r = 0; r < res->rows; r++)
        res->mean[r] = 0;
    for (int i = 0; i < n && !rc; i++) {
        rc = measure_image(o, res, im, i, &s, &b, v);
        for (int r = 0; r < res->rows && !rc; r++) {
            if (i < res->nimg)
                res->img[r][i] = v[r];
            if (i < res->nstats) {
                double d = v[r] - res->mean[r];
                res->mean[r] += d / (i + 1);
                m2[r] += d * (v[r] - res->mean[r]);
            }
        }
    }
    for (int r = 0; r < res->rows; r++)
        res->std[r] = res->nstats > 1 ? sqrt(m2[r] / (res->nstats - 1)) : 0.0;
    scratch_free(&b);
    return rc;
}

/* ------------------------------------------------ N(0,1) quadrature --- */

#define GL_N     16   /* Gauss-Legendre nodes per panel */
#define Q_HALF   14.0 /* integrate over [-14, 14]: the tails are < 1e-40 */
#define Q_PANELS 112  /* panels of width 0.25; 0 is a panel edge (the kinks) */

/* P_n(z) and P_n'(z) by the three-term recurrence. */
static void legendre(int n, long double z, long double *p, long double *dp)
{
    long double p0 = 1, p1 = z;
    for (int k = 2; k <= n; k++) {
        long double p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
        p0 = p1, p1 = p2;
    }
    *p = p1;
    *dp = n * (z * p1 - p0) / (z * z - 1);
}

/* Nodes and weights on [-1, 1]: Newton from Tricomi's initial guesses. */
static void gauss_legendre(int n, long double *x, long double *w)
{
    const long double pi = 3.141592653589793238462643383279502884L;
    for (int i = 0; i < n; i++) {
        long double z = cosl(pi * (i + 0.75L) / (n + 0.5L)), p, dp;
        for (int it = 0; it < 100; it++) {
            legendre(n, z, &p, &dp);
            long double dz = p / dp;
            z -= dz;
            if (fabsl(dz) <= 1e-18L * fabsl(z) + 1e-30L)
                break;
        }
        legendre(n, z, &p, &dp);
        x[i] = z;
        w[i] = 2 / ((1 - z * z) * dp * dp);
    }
}

/*
 * Var f(Z) = E[f(Z)^2] - E[f(Z)]^2 for Z ~ N(0,1), by composite
 * Gauss-Legendre against the normal density in long double; f by
 * golu_forward in double (act NULL: the identity, whose answer is 1).
 * Accurate to about 1e-15: every panel is smooth (kinks sit at 0, an edge).
 */
static int normal_variance(const golu_act *act, double *out)
{
    enum { N = GL_N * Q_PANELS };
    static double z[N], fz[N];
    static long double wq[N];
    long double gx[GL_N], gw[GL_N];
    const long double h = 2 * Q_HALF / Q_PANELS;
    gauss_legendre(GL_N, gx, gw);
    for (int p = 0; p < Q_PANELS; p++)
        for (int k = 0; k < GL_N; k++) {
            long double c = -Q_HALF + h * (p + 0.5L);
            long double zz = (long double)(double)(c + h / 2 * gx[k]);
            z[p * GL_N + k] = (double)zz; /* the density at the node f sees */
            wq[p * GL_N + k] = h / 2 * gw[k] * expl(-zz * zz / 2) /
                               sqrtl(2 * 3.141592653589793238462643383279502884L);
        }
    if (!act)
        memcpy(fz, z, sizeof z);
    else if (golu_forward(NULL, act, GOLU_F64, z, fz, N) != GOLU_OK)
        return -1;
    long double e1 = 0, e2 = 0;
    for (int i = 0; i < N; i++) {
        e1 += wq[i] * fz[i];
        e2 += wq[i] * fz[i] * fz[i];
    }
    *out = (double)(e2 - e1 * e1);
    return 0;
}

/* ------------------------------------------------------------ reports --- */

static void print_table(const vopts *o, const vresult *res)
{
    printf("latent variance: Conv2d(%d->1, 3x3, pad 1, seed %ld) -> BatchNorm2d (train, "
           "one image) -> activation\n%s test images from %s (%dx%dx%d)\n\n",
           res->c, o->seed, res->dataset, o->data, res->c, res->h, res->w);
    printf("%-12s", "activation");
    for (int i = 0; i < res->nimg; i++)
        printf("  image %-3d", i + 1);
    char head[48];
    snprintf(head, sizeof head, "mean +- std (%d)", res->nstats);
    printf("  %-19s  %s\n", head, "N(0,1) var");
    for (int r = 0; r < res->rows; r++) {
        printf("%-12s", row_name(o, r));
        for (int i = 0; i < res->nimg; i++)
            printf("  %9.4f", res->img[r][i]);
        printf("  %8.4f +- %-7.4f  %10.6f\n", res->mean[r], res->std[r], res->normal[r]);
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
    for (int i = 0; i < res->nimg; i++)
        fprintf(f.f, ",image_%d", i + 1);
    fputs(",mean,std,stats_images,normal_variance\n", f.f);
    for (int r = 0; r < res->rows; r++) {
        fprintf(f.f, "%s", row_name(o, r));
        for (int i = 0; i < res->nimg; i++)
            fprintf(f.f, ",%.17g", res->img[r][i]);
        fprintf(f.f, ",%.17g,%.17g,%d,%.17g\n", res->mean[r], res->std[r], res->nstats,
                res->normal[r]);
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
    for (int r = 0; r < res->rows; r++) {
        fputs("    {\"activation\": ", f);
        analysis_json_string(f, row_name(o, r));
        fputs(", \"images\": ", f);
        json_array(f, res->img[r], res->nimg);
        fputs(", \"mean\": ", f);
        analysis_json_number(f, res->mean[r]);
        fputs(", \"std\": ", f);
        analysis_json_number(f, res->std[r]);
        fputs(", \"normal_variance\": ", f);
        analysis_json_number(f, res->normal[r]);
        fprintf(f, "}%s\n", r + 1 < res->rows ? "," : "");
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
            res->dataset, res->c, res->h, res->w, res->total, res->nimg, res->nstats);
    fprintf(f.f,
            "  \"conv\": {\"in_channels\": %d, \"out_channels\": 1, \"kernel\": 3, "
            "\"padding\": 1, \"seed\": %ld,\n           \"weight\": ",
            res->c, o->seed);
    json_array(f.f, res->weight, res->c * 9);
    fputs(", \"bias\": ", f.f);
    analysis_json_number(f.f, res->bias);
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
    for (int i = 0; i < res->nimg; i++) {
        *lo = fmin(*lo, res->img[r][i]);
        *hi = fmax(*hi, res->img[r][i]);
    }
}

static void md_table(FILE *f, const vopts *o, const vresult *res)
{
    fputs("| activation |", f);
    for (int i = 0; i < res->nimg; i++)
        fprintf(f, " image %d |", i + 1);
    fprintf(f, " mean ± std over %d images | Var f(Z), Z ~ N(0,1) |\n|---|", res->nstats);
    for (int i = 0; i < res->nimg; i++)
        fputs("---|", f);
    fputs("---|---|\n", f);
    for (int r = 0; r < res->rows; r++) {
        fprintf(f, "| %s |", r < o->acts.n ? o->acts.name[r] : "identity (BN output)");
        for (int i = 0; i < res->nimg; i++)
            fprintf(f, " %.4f |", res->img[r][i]);
        fprintf(f, " %.4f ± %.4f | %.6f |\n", res->mean[r], res->std[r], res->normal[r]);
    }
}

static void md_paper(FILE *f, const vopts *o, const vresult *res)
{
    fprintf(f, "\n## Against the paper\n\n"
               "The paper (REFERENCE.md) shows four CIFAR-10 images through Conv2d(3->1) "
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
                res->dataset, res->c, res->c == 1 ? "" : "s", res->h, res->w);
    fprintf(f,
            "| activation | paper: range over 4 CIFAR-10 images | ours: range over "
            "images 1-%d | ours: mean over %d |\n|---|---|---|---|\n",
            res->nimg, res->nstats);
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
        fprintf(f, " %.3f-%.3f | %.3f |\n", lo, hi, res->mean[r]);
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
    fprintf(f, "- N(0,1) input: %s.\n", o->acts.name[argmin_row(res->normal, n)]);
    fprintf(f, "- Mean over %d images: %s.\n", res->nstats,
            o->acts.name[argmin_row(res->mean, n)]);
    for (int i = 0; i < res->nimg; i++) {
        double v[MAX_ROWS];
        for (int r = 0; r < n; r++)
            v[r] = res->img[r][i];
        wins += golu >= 0 && argmin_row(v, n) == golu;
    }
    if (golu >= 0)
        fprintf(f,
                "- GoLU is the smallest on %d of the %d images shown. The paper's claim: "
                "GoLU's is the smallest.\n",
                wins, res->nimg);
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
        res->dataset, o->data, res->c, res->h, res->w, res->c, res->c * 9, o->seed,
        res->h * res->w);
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
        for (int i = 0; i < res->nimg; i++)
            fprintf(f.f, " %.10g", res->img[r][i]);
        fprintf(f.f, " %.10g %.10g %.10g", res->mean[r], res->std[r], res->normal[r]);
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
    int n = res->nimg, m = n + 3; /* column of the mean */
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
            res->c, res->dataset, o->acts.n - 1);
    fprintf(f.f,
            "plot for [j=1:%d] d.'variance.dat' using ($1-0.3+0.3*(j-1)/%d.0):"
            "(column(j+2)) with points pt 6 ps 0.8 lc rgb '#7f7f7f' "
            "title (j == 1 ? 'images 1-%d' : ''), \\\n",
            n, n > 1 ? n - 1 : 1, n);
    fprintf(f.f,
            "  d.'variance.dat' using 1:%d:%d:xtic(2) with yerrorbars pt 7 ps 1.2 lw 2 "
            "lc rgb '#1f77b4' title 'mean ± std, %d images', \\\n",
            m, m + 1, res->nstats);
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
    res->rows = o->acts.n + 1;
    init_conv(res, (uint64_t)o->seed);
    int rc = measure_images(o, res, &im);
    nn_images_free(&im);
    for (int r = 0; r < res->rows && !rc; r++)
        rc = normal_variance(r < o->acts.n ? &o->acts.act[r] : NULL, &res->normal[r]);
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
