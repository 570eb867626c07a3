/*
 * variance.h - the paper's latent-variance measurement (`golu variance`;
 * docs/MATH.md has the paper's numbers).
 *
 * One test image x (C, H, W), pixels in [0, 1] (torchvision's ToTensor)
 *   -> Conv2d(C -> 1, 3x3, padding 1) with PyTorch's default initialisation,
 *      weight and bias U(-1/sqrt(9C), +1/sqrt(9C)), drawn from the counter RNG
 *      (one layer for all images)
 *   -> BatchNorm2d in training mode, statistics over that one image
 *      (gamma 1, beta 0, eps LAB_VARIANCE_BN_EPS)
 *   -> each activation,
 * and the population variance of the H*W outputs; per image, and the mean
 * and sample std over images. Also Var f(Z) for Z ~ N(0,1) by quadrature:
 * the variance an activation gives to an exactly standardised input.
 * Everything runs in double (the _f64 layers, golu_forward with GOLU_F64).
 *
 *   variance.c         the images, the conv layer, the measurement
 *   variance_normal.c  the N(0,1) quadrature
 *
 * Nothing here prints: failures come back as -1 and an nn_err.
 */
#ifndef LAB_VARIANCE_H
#define LAB_VARIANCE_H

#include <stddef.h>
#include <stdint.h>

#include "data.h"
#include "error.h"
#include "golu.h"

#define LAB_VARIANCE_MAX_IMAGES 64 /* images kept one by one */
#define LAB_VARIANCE_MAX_ACTS   16
#define LAB_VARIANCE_MAX_ROWS   (LAB_VARIANCE_MAX_ACTS + 1) /* the identity last */
#define LAB_VARIANCE_MAX_CIN    3
#define LAB_VARIANCE_BN_EPS     1e-5

/* A measurement: its shape and layer, then the results by row (the
 * activations in the order given, then the identity: the BatchNorm output
 * itself, about 1 = var / (var + eps)). */
typedef struct lab_variance {
    int c, h, w; /* image shape, c <= LAB_VARIANCE_MAX_CIN */
    int nimg;    /* images 0..nimg-1 kept in img, <= LAB_VARIANCE_MAX_IMAGES */
    int nstats;  /* images 0..nstats-1 in mean and std */
    double weight[LAB_VARIANCE_MAX_CIN * 9], bias; /* the conv layer (Cout 1) */
    int rows;                                      /* activations + 1 */
    double img[LAB_VARIANCE_MAX_ROWS][LAB_VARIANCE_MAX_IMAGES];
    double mean[LAB_VARIANCE_MAX_ROWS], std[LAB_VARIANCE_MAX_ROWS];
    double normal[LAB_VARIANCE_MAX_ROWS]; /* Var f(Z), lab_variance_normal */
} lab_variance;

/*
 * The test split of dir into *im: CIFAR-10 when dir holds test_batch.bin
 * (*cifar = 1, dataset "CIFAR-10"), else Fashion-MNIST/MNIST IDX files
 * (*cifar = 0, dataset "Fashion-MNIST" when dir's name contains "fashion",
 * any case, else "IDX"). Returns 0, or -1 with err (the loader's message).
 */
int lab_variance_images_load(const char *dir, nn_images *im, char *dataset,
                             size_t dataset_size, int *cifar, nn_err *err);

/*
 * PyTorch's Conv2d default: kaiming_uniform(a = sqrt 5) for the weight is
 * U(+-1/sqrt(fan_in)), and the bias is U(+-1/sqrt(fan_in)) too, fan_in =
 * 9 v->c: element k of the weight is nn_rng_uniform(seed, stream, k) of
 * stream "variance.conv.weight", the bias element 0 of "variance.conv.bias"
 * (nn_rng_stream(name, 0, 0)).
 */
void lab_variance_conv_init(lab_variance *v, uint64_t seed);

/*
 * Measures images 0 .. max(v->nimg, v->nstats)-1 of im (shape v->c, h, w)
 * through v's conv layer, BatchNorm and acts[0..n_acts): sets v->rows =
 * n_acts + 1, v->img, and v->mean and v->std over the first v->nstats
 * (Welford; std 0 for one image). Returns 0, or -1 with err (out of memory;
 * an activation that fails, by name).
 */
int lab_variance_measure_images(lab_variance *v, const nn_images *im,
                                const golu_act *acts, int n_acts, nn_err *err);

/*
 * *out = Var f(Z) = E[f(Z)^2] - E[f(Z)]^2 for Z ~ N(0,1), by composite
 * Gauss-Legendre (16 nodes on each of 112 panels of width 0.25 over
 * [-14, 14], 0 a panel edge, so the kinks cost nothing) against the normal
 * density in long double; f by golu_forward in double (act NULL: the
 * identity, whose answer is 1). Accurate to about 1e-15. Returns golu_forward's
 * status.
 */
golu_status lab_variance_normal(const golu_act *act, double *out);

#endif
