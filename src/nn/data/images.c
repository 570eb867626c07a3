/*
 * images.c - what is done with an nn_images once loaded: nn_images_free,
 * nn_images_stats, nn_images_batch (data.h).
 */
#include "data.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void nn_images_free(nn_images *im)
{
    if (!im)
        return;
    free(im->pixels);
    free(im->labels);
    memset(im, 0, sizeof *im);
}

/* Sum over channel ch of (p - center)^k, k = 1 or 2, in double. */
static double channel_sum(const nn_images *im, int ch, double center, int k)
{
    size_t plane = (size_t)im->h * im->w;
    double s = 0;
    for (size_t i = 0; i < (size_t)im->n; i++) {
        const float *p = im->pixels + (i * im->c + ch) * plane;
        for (size_t j = 0; j < plane; j++) {
            double d = (double)p[j] - center;
            s += k == 1 ? d : d * d;
        }
    }
    return s;
}

void nn_images_stats(const nn_images *im, double *mean, double *std)
{
    double count = (double)im->n * im->h * im->w;
    for (int ch = 0; ch < im->c; ch++) {
        /* Two passes: the variance about the mean, not E[p^2] - mean^2,
         * which cancels badly. */
        mean[ch] = count > 0 ? channel_sum(im, ch, 0.0, 1) / count : 0.0;
        std[ch] = count > 0 ? sqrt(channel_sum(im, ch, mean[ch], 2) / count) : 0.0;
    }
}

void nn_images_batch(const nn_images *im, const uint32_t *idx, int b, const double *mean,
                     const double *std, float *x, int32_t *y)
{
    size_t plane = (size_t)im->h * im->w;
    size_t size = (size_t)im->c * plane;
    for (int k = 0; k < b; k++) {
        assert(idx[k] < (uint32_t)im->n);
        const float *src = im->pixels + (size_t)idx[k] * size;
        float *dst = x + (size_t)k * size;
        for (int ch = 0; ch < im->c; ch++) {
            /* A constant channel (std 0) is only centred, not blown up. */
            double s = std[ch] > 0 ? std[ch] : 1.0;
            for (size_t j = 0; j < plane; j++) {
                size_t o = (size_t)ch * plane + j;
                dst[o] = (float)(((double)src[o] - mean[ch]) / s);
            }
        }
        y[k] = im->labels[idx[k]];
    }
}
