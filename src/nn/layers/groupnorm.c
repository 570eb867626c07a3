/*
 * groupnorm.c - group normalisation of an NCHW tensor, as torch.nn.GroupNorm:
 * the c channels of each example are cut into g groups of c/g consecutive
 * channels, and each (example, group) is normalised by its own mean and
 * biased variance, then scaled and shifted per channel. Batch-independent:
 * training and evaluation compute the same thing.
 *
 * Precision. Sums over a group (at most a few tens of thousands of values)
 * are taken in double, two-pass (the deviations from the first pass's mean),
 * in a fixed order: deterministic, nothing cancels.
 */
#include <math.h>

#include "real.h"
#include "layers.h"

/* Mean and biased variance of the m values at p. */
static void group_stats(const real *p, size_t m, double *mean, double *var)
{
    double s = 0, q = 0;
    for (size_t i = 0; i < m; i++)
        s += p[i];
    double mu = s / (double)m;
    for (size_t i = 0; i < m; i++) {
        double d = p[i] - mu;
        q += d * d;
    }
    *mean = mu;
    *var = q / (double)m;
}

/* x, y (n, c, hw); mean, rstd (n, g); gamma, beta (c); c % g == 0. */
void NN(nn_groupnorm_forward)(real *y, real *mean, real *rstd, const real *x,
                              const real *gamma, const real *beta, int n, int c, int hw,
                              int g, double eps)
{
    const int cg = c / g;
    const size_t m = (size_t)cg * (size_t)hw;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < g; k++) {
            size_t off = ((size_t)i * c + (size_t)k * cg) * (size_t)hw;
            double mu, var;
            group_stats(x + off, m, &mu, &var);
            double rs = 1.0 / sqrt(var + eps);
            mean[(size_t)i * g + k] = (real)mu;
            rstd[(size_t)i * g + k] = (real)rs;
            for (int j = 0; j < cg; j++) {
                int ch = k * cg + j;
                const real scale = (real)(rs * gamma[ch]), shift = beta[ch],
                           mr = (real)mu;
                const real *xs = x + off + (size_t)j * hw;
                real *ys = y + off + (size_t)j * hw;
                for (int p = 0; p < hw; p++)
                    ys[p] = (xs[p] - mr) * scale + shift;
            }
        }
}

/*
 * With xhat = (x - mean) * rstd and dxhat = dy * gamma, over the m values
 * of a group: dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat));
 * dgamma[ch] += sum dy * xhat, dbeta[ch] += sum dy over the channel's
 * values of every example. dx NULL skips it; dx must not alias dy.
 */
void NN(nn_groupnorm_backward)(real *dx, real *dgamma, real *dbeta, const real *dy,
                               const real *x, const real *mean, const real *rstd,
                               const real *gamma, int n, int c, int hw, int g)
{
    const int cg = c / g;
    const double m = (double)cg * hw;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < g; k++) {
            size_t off = ((size_t)i * c + (size_t)k * cg) * (size_t)hw;
            const double mu = mean[(size_t)i * g + k], rs = rstd[(size_t)i * g + k];
            double sd = 0, sdx = 0; /* sum dxhat, sum dxhat * xhat */
            for (int j = 0; j < cg; j++) {
                int ch = k * cg + j;
                const real *xs = x + off + (size_t)j * hw,
                           *dys = dy + off + (size_t)j * hw;
                double s = 0, sx = 0;
                for (int p = 0; p < hw; p++) {
                    double xh = (xs[p] - mu) * rs;
                    s += dys[p];
                    sx += dys[p] * xh;
                }
                if (dgamma)
                    dgamma[ch] += (real)sx;
                if (dbeta)
                    dbeta[ch] += (real)s;
                sd += s * gamma[ch];
                sdx += sx * gamma[ch];
            }
            if (!dx)
                continue;
            const double a = sd / m, b = sdx / m;
            for (int j = 0; j < cg; j++) {
                int ch = k * cg + j;
                const real *xs = x + off + (size_t)j * hw,
                           *dys = dy + off + (size_t)j * hw;
                real *dxs = dx + off + (size_t)j * hw;
                for (int p = 0; p < hw; p++) {
                    double xh = (xs[p] - mu) * rs;
                    dxs[p] = (real)(rs * (dys[p] * gamma[ch] - a - xh * b));
                }
            }
        }
}
