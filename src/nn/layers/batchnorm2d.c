/*
 * batchnorm2d.c - batch normalisation over (n, hw) per channel of an NCHW
 * tensor, as torch.nn.BatchNorm2d: training mode normalises with the batch
 * statistics (biased variance) and folds them into the running statistics
 * (unbiased variance); eval mode normalises with the running statistics.
 * Every sum is accumulated in double.
 */
#include "real.h"
#include "layers.h"

#include <math.h>

/*
 * Sums over one plane p (hw) in double. Four accumulators each: the add
 * latency, not the loads, limits a single chain (the order is fixed, so the
 * result is too).
 */
static double plane_sum(const real *p, int hw)
{
    double a[4] = {0, 0, 0, 0};
    int j = 0;
    for (; j + 4 <= hw; j += 4)
        for (int l = 0; l < 4; l++)
            a[l] += p[j + l];
    for (; j < hw; j++)
        a[0] += p[j];
    return (a[0] + a[1]) + (a[2] + a[3]);
}

/* sum (p - mu)^2 over one plane p (hw). */
static double plane_sqdev(const real *p, int hw, double mu)
{
    double a[4] = {0, 0, 0, 0};
    int j = 0;
    for (; j + 4 <= hw; j += 4)
        for (int l = 0; l < 4; l++)
            a[l] += ((double)p[j + l] - mu) * ((double)p[j + l] - mu);
    for (; j < hw; j++)
        a[0] += ((double)p[j] - mu) * ((double)p[j] - mu);
    return (a[0] + a[1]) + (a[2] + a[3]);
}

/* *sdy += sum dy, *sdyx += sum dy * (x - mu) over one plane (hw). */
static void plane_dots(const real *dy, const real *x, int hw, double mu, double *sdy,
                       double *sdyx)
{
    double a[4] = {0, 0, 0, 0}, b[4] = {0, 0, 0, 0};
    int j = 0;
    for (; j + 4 <= hw; j += 4)
        for (int l = 0; l < 4; l++) {
            a[l] += dy[j + l];
            b[l] += dy[j + l] * ((double)x[j + l] - mu);
        }
    for (; j < hw; j++) {
        a[0] += dy[j];
        b[0] += dy[j] * ((double)x[j] - mu);
    }
    *sdy += (a[0] + a[1]) + (a[2] + a[3]);
    *sdyx += (b[0] + b[1]) + (b[2] + b[3]);
}

/* Batch mean and biased variance of channel ch of x (n, c, hw), two-pass. */
static void channel_stats(const real *x, int n, int c, int hw, int ch, double *mean,
                          double *var)
{
    double sum = 0, sq = 0, m = (double)n * hw;
    for (int i = 0; i < n; i++)
        sum += plane_sum(x + ((size_t)i * c + ch) * hw, hw);
    double mu = sum / m;
    for (int i = 0; i < n; i++)
        sq += plane_sqdev(x + ((size_t)i * c + ch) * hw, hw, mu);
    *mean = mu;
    *var = sq / m;
}

/* y = (x - mu) * rstd * gamma + beta over channel ch of (n, c, hw). */
static void channel_normalise(real *y, const real *x, int n, int c, int hw, int ch,
                              double mu, double rstd, double gamma, double beta)
{
    double scale = rstd * gamma, shift = beta - mu * scale;
    for (int i = 0; i < n; i++) {
        size_t off = ((size_t)i * c + ch) * hw;
        for (int j = 0; j < hw; j++)
            y[off + j] = (real)((double)x[off + j] * scale + shift);
    }
}

void NN(nn_batchnorm2d_forward)(real *y, real *mean, real *rstd, real *running_mean,
                                real *running_var, const real *x, const real *gamma,
                                const real *beta, int n, int c, int hw, int training,
                                double momentum, double eps)
{
    double m = (double)n * hw;
    for (int ch = 0; ch < c; ch++) {
        double mu, var;
        if (training) {
            channel_stats(x, n, c, hw, ch, &mu, &var);
            if (running_mean)
                running_mean[ch] =
                    (real)((1 - momentum) * running_mean[ch] + momentum * mu);
            /* torch's unbiased m/(m-1); with one value per channel (which
             * torch rejects) the biased 0 is used rather than a NaN. */
            if (running_var)
                running_var[ch] = (real)((1 - momentum) * running_var[ch] +
                                         momentum * (m > 1 ? var * m / (m - 1) : var));
        } else {
            mu = running_mean[ch];
            var = running_var[ch];
        }
        double rs = 1.0 / sqrt(var + eps);
        mean[ch] = (real)mu;
        rstd[ch] = (real)rs;
        channel_normalise(y, x, n, c, hw, ch, mu, rs, gamma[ch], beta[ch]);
    }
}

/*
 * Channel ch of the backward. With xhat = (x - mean) * rstd, the sums
 * sdy = sum dy and sdx = sum dy * xhat give dbeta and dgamma; in training
 * mode the statistics depend on x too:
 *   dx = gamma * rstd * (dy - sdy/m - xhat * sdx/m),
 * in eval mode they are constants: dx = gamma * rstd * dy.
 */
static void channel_backward(real *dx, real *dgamma, real *dbeta, const real *dy,
                             const real *x, double mu, double rs, double gamma, int n,
                             int c, int hw, int ch, int training)
{
    double sdy = 0, sdyx = 0, m = (double)n * hw;
    for (int i = 0; i < n; i++) {
        size_t off = ((size_t)i * c + ch) * hw;
        plane_dots(dy + off, x + off, hw, mu, &sdy, &sdyx);
    }
    double sdx = sdyx * rs;
    if (dgamma)
        dgamma[ch] += (real)sdx;
    if (dbeta)
        dbeta[ch] += (real)sdy;
    if (!dx)
        return;
    double g = gamma * rs;
    double a = training ? sdy / m : 0, b = training ? sdx / m : 0;
    for (int i = 0; i < n; i++) {
        size_t off = ((size_t)i * c + ch) * hw;
        for (int j = 0; j < hw; j++) {
            double xhat = ((double)x[off + j] - mu) * rs;
            dx[off + j] = (real)(g * ((double)dy[off + j] - a - xhat * b));
        }
    }
}

void NN(nn_batchnorm2d_backward)(real *dx, real *dgamma, real *dbeta, const real *dy,
                                 const real *x, const real *mean, const real *rstd,
                                 const real *gamma, int n, int c, int hw, int training)
{
    for (int ch = 0; ch < c; ch++)
        channel_backward(dx, dgamma, dbeta, dy, x, mean[ch], rstd[ch], gamma[ch], n, c,
                         hw, ch, training);
}
