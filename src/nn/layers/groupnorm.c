/*
 * groupnorm.c - group normalisation of an NCHW tensor, as torch.nn.GroupNorm:
 * the c channels of each example are cut into g groups of c/g consecutive
 * channels, and each (example, group) is normalised by its own mean and
 * biased variance, then scaled and shifted per channel. Batch-independent:
 * training and evaluation compute the same thing.
 *
 * Precision. Sums over a group (at most a few tens of thousands of values)
 * are taken in double, two-pass (the deviations from the first pass's mean),
 * in a fixed order: deterministic, nothing cancels. Each sum runs in LANES
 * interleaved partial sums (lane l takes the values i = l mod LANES, in
 * order), added lane 0 to LANES-1, then the values past the last whole
 * group: the same order on every ISA, and vector accumulators instead of
 * one latency-bound chain (hot.h).
 */
#include <math.h>

#include "hot.h"
#include "real.h"
#include "layers.h"
#include "lane_sums.h"

#define LANES LANE_SUMS /* lanes_dots' partial sums (lane_sums.h) */

/* *s = sum dy, *sx = sum dy * xhat, xhat = (x - mu) * rs, over hw values,
 * in the lanes' order. */
NN_HOT static void lanes_dots(const real *dy, const real *x, int hw, double mu, double rs,
                              double *s, double *sx)
{
    double a[LANES] = {0}, b[LANES] = {0}, ts = 0, tsx = 0;
    int p = 0;
    for (; p + LANES <= hw; p += LANES)
        for (int l = 0; l < LANES; l++) {
            double xh = (x[p + l] - mu) * rs;
            a[l] += dy[p + l];
            b[l] += dy[p + l] * xh;
        }
    for (int l = 0; l < LANES; l++)
        ts += a[l], tsx += b[l];
    for (; p < hw; p++) {
        double xh = (x[p] - mu) * rs;
        ts += dy[p];
        tsx += dy[p] * xh;
    }
    *s = ts, *sx = tsx;
}

/* ys = (xs - mr) * scale + shift over hw values. */
NN_HOT static void plane_out(real *restrict ys, const real *restrict xs, int hw, real mr,
                             real scale, real shift)
{
    for (int p = 0; p < hw; p++)
        ys[p] = (xs[p] - mr) * scale + shift;
}

/* dxs = rs * (dys * gamma - a - xhat * b) over hw values. */
NN_HOT static void plane_dx(real *restrict dxs, const real *restrict dys,
                            const real *restrict xs, int hw, double mu, double rs,
                            double gamma, double a, double b)
{
    for (int p = 0; p < hw; p++) {
        double xh = (xs[p] - mu) * rs;
        dxs[p] = (real)(rs * (dys[p] * gamma - a - xh * b));
    }
}

/* Mean and biased variance of the m values at p. */
static void group_stats(const real *p, size_t m, double *mean, double *var)
{
    double mu = lane_sum(p, m) / (double)m;
    *mean = mu;
    *var = lane_sq_dev(p, m, mu) / (double)m;
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
                plane_out(y + off + (size_t)j * hw, x + off + (size_t)j * hw, hw, mr,
                          scale, shift);
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
                double s, sx;
                lanes_dots(dys, xs, hw, mu, rs, &s, &sx);
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
                size_t o = off + (size_t)j * hw;
                plane_dx(dx + o, dy + o, x + o, hw, mu, rs, gamma[ch], a, b);
            }
        }
}
