/*
 * pool.c - 2-D max and average pooling (square window k, stride s, no
 * padding) and global average pooling, NCHW.
 */
#include "real.h"
#include "layers.h"

#include <math.h>
#include <string.h>

/* Output extent of a pooling window k with stride s over n positions. */
static int pool_out(int n, int k, int s)
{
    return (n - k) / s + 1;
}

/* Index within the plane (h, w) of the maximum of the window at (i0, j0):
 * the first maximum in row-major order; a NaN wins (the first one). */
static int32_t window_argmax(const real *plane, int w, int i0, int j0, int k)
{
    int32_t best = i0 * w + j0;
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++) {
            int32_t idx = (i0 + a) * w + j0 + b;
            if (isnan(plane[best]))
                return best;
            if (plane[idx] > plane[best] || isnan(plane[idx]))
                best = idx;
        }
    return best;
}

void NN(nn_maxpool2d_forward)(real *y, int32_t *argmax, const real *x, int n, int c,
                              int h, int w, int k, int s)
{
    const int ho = pool_out(h, k, s), wo = pool_out(w, k, s);
    for (size_t pl = 0; pl < (size_t)n * c; pl++) {
        const real *xp = x + pl * h * w;     /* (h, w) */
        real *yp = y + pl * ho * wo;         /* (ho, wo) */
        int32_t *ap = argmax + pl * ho * wo; /* (ho, wo) */
        for (int i = 0; i < ho; i++)
            for (int j = 0; j < wo; j++) {
                int32_t idx = window_argmax(xp, w, i * s, j * s, k);
                ap[i * wo + j] = idx;
                yp[i * wo + j] = xp[idx];
            }
    }
}

void NN(nn_maxpool2d_backward)(real *dx, const real *dy, const int32_t *argmax, int n,
                               int c, int h, int w, int k, int s)
{
    const size_t po = (size_t)pool_out(h, k, s) * pool_out(w, k, s);
    const size_t pi = (size_t)h * w;
    memset(dx, 0, sizeof(real) * (size_t)n * c * pi);
    /* Overlapping windows (s < k) can pick the same input: add, not set. */
    for (size_t pl = 0; pl < (size_t)n * c; pl++)
        for (size_t q = 0; q < po; q++)
            dx[pl * pi + argmax[pl * po + q]] += dy[pl * po + q];
}

void NN(nn_avgpool2d_forward)(real *y, const real *x, int n, int c, int h, int w, int k,
                              int s)
{
    const int ho = pool_out(h, k, s), wo = pool_out(w, k, s);
    const double inv = 1.0 / ((double)k * k);
    for (size_t pl = 0; pl < (size_t)n * c; pl++) {
        const real *xp = x + pl * h * w; /* (h, w) */
        real *yp = y + pl * ho * wo;     /* (ho, wo) */
        for (int i = 0; i < ho; i++)
            for (int j = 0; j < wo; j++) {
                double acc = 0;
                for (int a = 0; a < k; a++)
                    for (int b = 0; b < k; b++)
                        acc += xp[(i * s + a) * w + j * s + b];
                yp[i * wo + j] = (real)(acc * inv);
            }
    }
}

void NN(nn_avgpool2d_backward)(real *dx, const real *dy, int n, int c, int h, int w,
                               int k, int s)
{
    const int ho = pool_out(h, k, s), wo = pool_out(w, k, s);
    const double inv = 1.0 / ((double)k * k);
    memset(dx, 0, sizeof(real) * (size_t)n * c * h * w);
    for (size_t pl = 0; pl < (size_t)n * c; pl++) {
        real *dp = dx + pl * h * w;         /* (h, w) */
        const real *gp = dy + pl * ho * wo; /* (ho, wo) */
        for (int i = 0; i < ho; i++)
            for (int j = 0; j < wo; j++) {
                real g = (real)(gp[i * wo + j] * inv);
                for (int a = 0; a < k; a++)
                    for (int b = 0; b < k; b++)
                        dp[(i * s + a) * w + j * s + b] += g;
            }
    }
}

void NN(nn_global_avgpool_forward)(real *y, const real *x, int n, int c, int hw)
{
    for (size_t pl = 0; pl < (size_t)n * c; pl++) {
        double acc = 0;
        for (int j = 0; j < hw; j++)
            acc += x[pl * hw + j];
        y[pl] = (real)(acc / hw);
    }
}

void NN(nn_global_avgpool_backward)(real *dx, const real *dy, int n, int c, int hw)
{
    for (size_t pl = 0; pl < (size_t)n * c; pl++) {
        real g = (real)(dy[pl] / (double)hw);
        for (int j = 0; j < hw; j++)
            dx[pl * hw + j] = g;
    }
}
