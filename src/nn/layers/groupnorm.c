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

#include "fork.h"
#include "hot.h"
#include "real.h"
#include "layers.h"
#include "lane_sums.h"

#define LANES LANE_SUMS /* lanes_dots' partial sums (lane_sums.h) */

/* *s = sum dy, *sx = sum dy * xhat, xhat = (x - mu) * rs, over hw values,
 * in the lanes' order, in lane_sums.h's quarter vectors. */
NN_HOT static void lanes_dots(const real *dy, const real *x, int hw, double mu, double rs,
                              double *s, double *sx)
{
    lane_quarter_sums a[LANES / LANE_QUARTER] = {{0}}, b[LANES / LANE_QUARTER] = {{0}};
    double ts = 0, tsx = 0;
    int p = 0;
    for (; p + LANES <= hw; p += LANES)
        for (int q = 0; q < LANES / LANE_QUARTER; q++) {
            lane_quarter_sums d, v;
            lane_widen(&d, dy + p + q * LANE_QUARTER);
            lane_widen(&v, x + p + q * LANE_QUARTER);
            a[q] += d;
            b[q] += d * ((v - mu) * rs);
        }
    for (int l = 0; l < LANES; l++)
        ts += a[l / LANE_QUARTER][l % LANE_QUARTER],
            tsx += b[l / LANE_QUARTER][l % LANE_QUARTER];
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

/* GroupNorm's work split in two fixed halves (fork.h: the cut never depends
 * on the thread count) from this many values: the forward by examples, the
 * backward by groups (each channel's dgamma and dbeta then gather the
 * examples in order on one thread, as on one): the same bits either way. A
 * single example is never split: the U-Net calls it image by image from a
 * convolution's threads (models/unet.c). */
#define GN_SPLIT_MIN 65536

typedef struct gn_job {
    real *y, *mean, *rstd, *dx, *dgamma, *dbeta;
    const real *x, *dy, *gamma, *beta;
    const real *cmean, *crstd;
    int n, c, hw, g, lo, hi; /* examples (forward) or groups (backward) [lo, hi) */
    double eps;
} gn_job;

static void *gn_forward_run(void *arg)
{
    const gn_job *j = arg;
    const int cg = j->c / j->g;
    const size_t m = (size_t)cg * (size_t)j->hw;
    for (int i = j->lo; i < j->hi; i++)
        for (int k = 0; k < j->g; k++) {
            size_t off = ((size_t)i * j->c + (size_t)k * cg) * (size_t)j->hw;
            double mu, var;
            group_stats(j->x + off, m, &mu, &var);
            double rs = 1.0 / sqrt(var + j->eps);
            j->mean[(size_t)i * j->g + k] = (real)mu;
            j->rstd[(size_t)i * j->g + k] = (real)rs;
            for (int l = 0; l < cg; l++) {
                int ch = k * cg + l;
                const real scale = (real)(rs * j->gamma[ch]), shift = j->beta[ch],
                           mr = (real)mu;
                plane_out(j->y + off + (size_t)l * j->hw, j->x + off + (size_t)l * j->hw,
                          j->hw, mr, scale, shift);
            }
        }
    return NULL;
}

/* x, y (n, c, hw); mean, rstd (n, g); gamma, beta (c); c % g == 0. */
void NN(nn_groupnorm_forward)(real *y, real *mean, real *rstd, const real *x,
                              const real *gamma, const real *beta, int n, int c, int hw,
                              int g, double eps)
{
    gn_job h[2];
    h[0] = (gn_job){.y = y,
                    .mean = mean,
                    .rstd = rstd,
                    .x = x,
                    .gamma = gamma,
                    .beta = beta,
                    .n = n,
                    .c = c,
                    .hw = hw,
                    .g = g,
                    .lo = 0,
                    .hi = n / 2,
                    .eps = eps};
    h[1] = h[0];
    h[1].lo = n / 2, h[1].hi = n;
    nn_run_halves(gn_forward_run, &h[0], &h[1],
                  n >= 2 && (double)n * c * hw >= GN_SPLIT_MIN);
}

static void *gn_backward_run(void *arg)
{
    const gn_job *j = arg;
    const int cg = j->c / j->g;
    const double m = (double)cg * j->hw;
    for (int i = 0; i < j->n; i++)
        for (int k = j->lo; k < j->hi; k++) {
            size_t off = ((size_t)i * j->c + (size_t)k * cg) * (size_t)j->hw;
            const double mu = j->cmean[(size_t)i * j->g + k],
                         rs = j->crstd[(size_t)i * j->g + k];
            double sd = 0, sdx = 0; /* sum dxhat, sum dxhat * xhat */
            for (int l = 0; l < cg; l++) {
                int ch = k * cg + l;
                const real *xs = j->x + off + (size_t)l * j->hw,
                           *dys = j->dy + off + (size_t)l * j->hw;
                double s, sx;
                lanes_dots(dys, xs, j->hw, mu, rs, &s, &sx);
                if (j->dgamma)
                    j->dgamma[ch] += (real)sx;
                if (j->dbeta)
                    j->dbeta[ch] += (real)s;
                sd += s * j->gamma[ch];
                sdx += sx * j->gamma[ch];
            }
            if (!j->dx)
                continue;
            const double a = sd / m, b = sdx / m;
            for (int l = 0; l < cg; l++) {
                int ch = k * cg + l;
                size_t o = off + (size_t)l * j->hw;
                plane_dx(j->dx + o, j->dy + o, j->x + o, j->hw, mu, rs, j->gamma[ch], a,
                         b);
            }
        }
    return NULL;
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
    gn_job h[2];
    h[0] = (gn_job){.dx = dx,
                    .dgamma = dgamma,
                    .dbeta = dbeta,
                    .dy = dy,
                    .x = x,
                    .cmean = mean,
                    .crstd = rstd,
                    .gamma = gamma,
                    .n = n,
                    .c = c,
                    .hw = hw,
                    .g = g,
                    .lo = 0,
                    .hi = g / 2};
    h[1] = h[0];
    h[1].lo = g / 2, h[1].hi = g;
    nn_run_halves(gn_backward_run, &h[0], &h[1],
                  n >= 2 && g >= 2 && (double)n * c * hw >= GN_SPLIT_MIN);
}
