/*
 * variance.c - the latent-variance measurement (variance.h).
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "layers.h"
#include "rng.h"
#include "stats.h"
#include "variance.h"

/* ------------------------------------------------------------ images --- */

int lab_variance_images_load(const char *dir, nn_images *im, char *dataset,
                             size_t dataset_size, int *cifar, nn_err *err)
{
    char p[PATH_MAX + 32];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, "test_batch.bin");
    *cifar = stat(p, &st) == 0;
    if (*cifar) {
        const char *paths[1] = {p};
        snprintf(dataset, dataset_size, "CIFAR-10");
        return nn_cifar10_load(im, paths, 1, err);
    }
    snprintf(dataset, dataset_size, "%s",
             strcasestr(dir, "fashion") ? "Fashion-MNIST" : "IDX");
    return nn_idx_load_dir(im, dir, "test", err);
}

/* ------------------------------------------------------- the layer --- */

void lab_variance_conv_init(lab_variance *v, uint64_t seed)
{
    int fan_in = v->c * 9;
    double bound = 1.0 / sqrt((double)fan_in);
    uint64_t sw = nn_rng_stream("variance.conv.weight", 0, 0);
    uint64_t sb = nn_rng_stream("variance.conv.bias", 0, 0);
    for (int k = 0; k < fan_in; k++)
        v->weight[k] = bound * (2.0 * nn_rng_uniform(seed, sw, (uint64_t)k) - 1.0);
    v->bias = bound * (2.0 * nn_rng_uniform(seed, sb, 0) - 1.0);
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

/* One image's buffers: x (C, H, W), the conv output y, the BatchNorm
 * output z, an activation's output a (H, W each), the conv's workspace. */
typedef struct scratch {
    double *x, *y, *z, *a, *work;
} scratch;

/* 0, or -1 when out of memory (scratch_free frees what was allocated). */
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

/* Frees what scratch_alloc allocated (free(NULL) for what it could not). */
static void scratch_free(scratch *b)
{
    free(b->x), free(b->y), free(b->z), free(b->a), free(b->work);
}

/* out[r] = the variance of row r's outputs for image idx; 0 or -1 with err. */
static int measure_image(const lab_variance *v, const nn_images *im, int idx,
                         const golu_act *acts, int n_acts, const nn_conv2d_shape *s,
                         scratch *b, double *out, nn_err *err)
{
    size_t hw = (size_t)v->h * (size_t)v->w, chw = (size_t)v->c * hw;
    const float *px = im->pixels + (size_t)idx * chw;
    for (size_t k = 0; k < chw; k++)
        b->x[k] = px[k];
    nn_conv2d_forward_f64(b->y, b->x, v->weight, &v->bias, s, b->work);
    double mean, rstd, gamma = 1, beta = 0;
    nn_batchnorm2d_forward_f64(b->z, &mean, &rstd, NULL, NULL, b->y, &gamma, &beta, 1, 1,
                               (int)hw, 1, 0.1, LAB_VARIANCE_BN_EPS);
    for (int r = 0; r < n_acts; r++) {
        golu_status st = nn_act_forward_f64(NULL, &acts[r], b->a, b->z, hw);
        if (st != GOLU_OK)
            return nn_fail(err, "%s: %s", golu_act_name(acts[r].kind),
                           golu_status_str(st));
        out[r] = pop_variance(b->a, hw);
    }
    out[n_acts] = pop_variance(b->z, hw);
    return 0;
}

int lab_variance_measure_images(lab_variance *v, const nn_images *im,
                                const golu_act *acts, int n_acts, nn_err *err)
{
    nn_conv2d_shape s = {1, v->c, v->h, v->w, 1, 3, 1, 1};
    scratch b;
    lab_welford wf[LAB_VARIANCE_MAX_ROWS];
    double row[LAB_VARIANCE_MAX_ROWS];
    v->rows = n_acts + 1;
    int rc = scratch_alloc(&b, &s) ? nn_fail(err, "out of memory") : 0;
    int n = v->nimg > v->nstats ? v->nimg : v->nstats;
    for (int r = 0; r < v->rows; r++)
        lab_welford_init(&wf[r]);
    for (int i = 0; i < n && !rc; i++) {
        rc = measure_image(v, im, i, acts, n_acts, &s, &b, row, err);
        for (int r = 0; r < v->rows && !rc; r++) {
            if (i < v->nimg)
                v->img[r][i] = row[r];
            if (i < v->nstats)
                lab_welford_add(&wf[r], row[r]);
        }
    }
    for (int r = 0; r < v->rows; r++) {
        v->mean[r] = wf[r].mean;
        v->std[r] = v->nstats > 1 ? lab_welford_std(&wf[r]) : 0.0;
    }
    scratch_free(&b);
    return rc;
}
