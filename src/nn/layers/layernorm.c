/*
 * layernorm.c - layer normalisation over the last dimension (torch's
 * LayerNorm: biased variance, eps inside the square root). Row statistics
 * and the backward's reductions are accumulated in double.
 */
#include <math.h>

#include "real.h"
#include "layers.h"

/* Columns reduced at a time by param_grads (its double accumulators). */
#define COLS 64

/* y, x (n, c); mean (n), rstd (n) saved; gamma (c), beta (c). */
void NN(nn_layernorm_forward)(real *y, real *mean, real *rstd, const real *x,
                              const real *gamma, const real *beta, int n, int c,
                              double eps)
{
    for (int i = 0; i < n; i++) {
        const real *xr = x + (size_t)i * c;
        real *yr = y + (size_t)i * c;
        double m = 0, v = 0;
        for (int j = 0; j < c; j++)
            m += xr[j];
        m = c > 0 ? m / c : 0;
        /* Two passes: no cancellation from E[x^2] - E[x]^2. */
        for (int j = 0; j < c; j++)
            v += ((double)xr[j] - m) * ((double)xr[j] - m);
        v = c > 0 ? v / c : 0;
        double r = 1.0 / sqrt(v + eps);
        for (int j = 0; j < c; j++)
            yr[j] = (real)(((double)xr[j] - m) * r * gamma[j] + beta[j]);
        mean[i] = (real)m;
        rstd[i] = (real)r;
    }
}

/* dgamma (c) += sum over rows of dy * xhat; dbeta (c) += sum of dy. Blocks of
 * COLS columns keep the reads row-major with the sums on the stack. */
static void param_grads(real *dgamma, real *dbeta, const real *dy, const real *x,
                        const real *mean, const real *rstd, int n, int c)
{
    for (int j0 = 0; j0 < c; j0 += COLS) {
        int m = c - j0 < COLS ? c - j0 : COLS;
        double sg[COLS] = {0}, sb[COLS] = {0};
        for (int i = 0; i < n; i++) {
            const real *dyr = dy + (size_t)i * c + j0;
            const real *xr = x + (size_t)i * c + j0;
            for (int j = 0; j < m; j++) {
                double xhat = ((double)xr[j] - mean[i]) * rstd[i];
                sg[j] += dyr[j] * xhat;
                sb[j] += dyr[j];
            }
        }
        for (int j = 0; j < m; j++) {
            if (dgamma)
                dgamma[j0 + j] += (real)sg[j];
            if (dbeta)
                dbeta[j0 + j] += (real)sb[j];
        }
    }
}

/* One row: dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * gamma,
 * the gradient through the row's mean and variance. */
static void row_dx(real *dx, const real *dy, const real *x, double m, double r,
                   const real *gamma, int c)
{
    double s1 = 0, s2 = 0;
    for (int j = 0; j < c; j++) {
        double g = (double)dy[j] * gamma[j];
        s1 += g;
        s2 += g * (((double)x[j] - m) * r);
    }
    s1 /= c;
    s2 /= c;
    for (int j = 0; j < c; j++) {
        double xhat = ((double)x[j] - m) * r;
        dx[j] = (real)(r * ((double)dy[j] * gamma[j] - s1 - xhat * s2));
    }
}

/* dx, dy, x (n, c); mean, rstd (n) from the forward; gamma, dgamma, dbeta (c).
 * dx NULL: skipped; dgamma/dbeta NULL: skipped. */
void NN(nn_layernorm_backward)(real *dx, real *dgamma, real *dbeta, const real *dy,
                               const real *x, const real *mean, const real *rstd,
                               const real *gamma, int n, int c)
{
    if (n <= 0 || c <= 0)
        return;
    if (dgamma || dbeta)
        param_grads(dgamma, dbeta, dy, x, mean, rstd, n, c);
    for (int i = 0; dx && i < n; i++) {
        size_t o = (size_t)i * c;
        row_dx(dx + o, dy + o, x + o, mean[i], rstd[i], gamma, c);
    }
}
