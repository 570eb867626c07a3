/*
 * batchnorm2d.c - batch normalisation over (n, hw) per channel of an NCHW
 * tensor, as torch.nn.BatchNorm2d: training mode normalises with the batch
 * statistics (biased variance) and folds them into the running statistics
 * (unbiased variance); eval mode normalises with the running statistics.
 *
 * Precision and speed. Each plane (one image's hw values of a channel) is
 * summed in `real` with LANES independent partial sums (vectorisable, and
 * short chains: a plane is at most a few thousand values), and the planes'
 * sums are added in double. The elementwise passes are in `real` and
 * subtract the mean before scaling, so nothing cancels. The order of every
 * sum is fixed, so results are deterministic.
 *
 * Threads. Channels are independent, so when OpenBLAS is set to 2 or more
 * threads (the layers' thread setting, as in conv2d.c) the channels are cut
 * into two fixed halves, the second run on a new thread: the same results
 * for every thread count.
 */
#include "hot.h"
#include "real.h"
#include "layers.h"
#include "fork.h"

#include <math.h>

/* Partial sums per plane: a multiple of every SIMD width's float count. */
#define LANES 16

/* The LANES partial sums added pairwise, then in double. */
static double lanes_total(const real a[LANES])
{
    real s[LANES / 2];
    for (int l = 0; l < LANES / 2; l++)
        s[l] = a[l] + a[l + LANES / 2];
    for (int w = LANES / 4; w >= 1; w /= 2)
        for (int l = 0; l < w; l++)
            s[l] += s[l + w];
    return (double)s[0];
}

/* Sum of p (hw). */
NN_HOT static double plane_sum(const real *p, int hw)
{
    real a[LANES] = {0};
    int j = 0;
    for (; j + LANES <= hw; j += LANES)
        for (int l = 0; l < LANES; l++)
            a[l] += p[j + l];
    for (int l = 0; j < hw; j++, l++)
        a[l] += p[j];
    return lanes_total(a);
}

/* sum (p - mu)^2 over p (hw). */
NN_HOT static double plane_sqdev(const real *p, int hw, real mu)
{
    real a[LANES] = {0};
    int j = 0;
    for (; j + LANES <= hw; j += LANES)
        for (int l = 0; l < LANES; l++) {
            real d = p[j + l] - mu;
            a[l] += d * d;
        }
    for (int l = 0; j < hw; j++, l++) {
        real d = p[j] - mu;
        a[l] += d * d;
    }
    return lanes_total(a);
}

/* *sdy += sum dy, *sdyx += sum dy * (x - mu) over one plane (hw). */
NN_HOT static void plane_dots(const real *dy, const real *x, int hw, real mu, double *sdy,
                              double *sdyx)
{
    real a[LANES] = {0}, b[LANES] = {0};
    int j = 0;
    for (; j + LANES <= hw; j += LANES)
        for (int l = 0; l < LANES; l++) {
            a[l] += dy[j + l];
            b[l] += dy[j + l] * (x[j + l] - mu);
        }
    for (int l = 0; j < hw; j++, l++) {
        a[l] += dy[j];
        b[l] += dy[j] * (x[j] - mu);
    }
    *sdy += lanes_total(a);
    *sdyx += lanes_total(b);
}

/* Batch mean and biased variance of channel ch of x (n, c, hw), two-pass
 * (the deviations from the first pass's mean: no cancellation). */
static void channel_stats(const real *x, int n, int c, int hw, int ch, double *mean,
                          double *var)
{
    double sum = 0, sq = 0, m = (double)n * hw;
    for (int i = 0; i < n; i++)
        sum += plane_sum(x + ((size_t)i * c + ch) * hw, hw);
    double mu = sum / m;
    for (int i = 0; i < n; i++)
        sq += plane_sqdev(x + ((size_t)i * c + ch) * hw, hw, (real)mu);
    *mean = mu;
    *var = sq / m;
}

/* y = (x - mu) * (rstd * gamma) + beta over channel ch of (n, c, hw). */
NN_HOT static void channel_normalise(real *y, const real *x, int n, int c, int hw, int ch,
                                     double mu, double rstd, double gamma, double beta)
{
    const real m = (real)mu, scale = (real)(rstd * gamma), shift = (real)beta;
    for (int i = 0; i < n; i++) {
        size_t off = ((size_t)i * c + ch) * hw;
        const real *xs = x + off;
        real *ys = y + off;
        int j = 0;
        /* Blocks of LANES through a local copy: fixed-count loops without
         * an aliasing question, which the compiler vectorises. */
        for (; j + LANES <= hw; j += LANES) {
            real t[LANES];
            for (int l = 0; l < LANES; l++)
                t[l] = (xs[j + l] - m) * scale + shift;
            for (int l = 0; l < LANES; l++)
                ys[j + l] = t[l];
        }
        for (; j < hw; j++)
            ys[j] = (xs[j] - m) * scale + shift;
    }
}

/* One thread's channels [c0, c1) of a forward or backward; the arguments
 * as the public functions name them. */
typedef struct bn_job {
    int c0, c1, n, c, hw, training;
    real *y, *mean, *rstd, *running_mean, *running_var; /* forward */
    real *dx, *dgamma, *dbeta;                          /* backward */
    const real *x, *gamma, *beta, *dy;                  /* dy NULL: forward */
    const real *saved_mean, *saved_rstd;                /* backward */
    double momentum, eps;
} bn_job;

/* The forward of channel ch. */
static void channel_forward(const bn_job *j, int ch)
{
    double m = (double)j->n * j->hw, mu, var;
    if (j->training) {
        channel_stats(j->x, j->n, j->c, j->hw, ch, &mu, &var);
        if (j->running_mean)
            j->running_mean[ch] =
                (real)((1 - j->momentum) * j->running_mean[ch] + j->momentum * mu);
        /* torch's unbiased m/(m-1); with one value per channel (which
         * torch rejects) the biased 0 is used rather than a NaN. */
        if (j->running_var)
            j->running_var[ch] = (real)((1 - j->momentum) * j->running_var[ch] +
                                        j->momentum * (m > 1 ? var * m / (m - 1) : var));
    } else {
        mu = j->running_mean[ch];
        var = j->running_var[ch];
    }
    double rs = 1.0 / sqrt(var + j->eps);
    j->mean[ch] = (real)mu;
    j->rstd[ch] = (real)rs;
    if (j->y)
        channel_normalise(j->y, j->x, j->n, j->c, j->hw, ch, mu, rs, j->gamma[ch],
                          j->beta[ch]);
}

/*
 * Channel ch of the backward. With xhat = (x - mean) * rstd, the sums
 * sdy = sum dy and sdx = sum dy * xhat give dbeta and dgamma; in training
 * mode the statistics depend on x too:
 *   dx = gamma * rstd * (dy - sdy/m - xhat * sdx/m),
 * in eval mode they are constants: dx = gamma * rstd * dy.
 */
NN_HOT static void channel_backward(real *dx, real *dgamma, real *dbeta, const real *dy,
                                    const real *x, double mu, double rs, double gamma,
                                    int n, int c, int hw, int ch, int training)
{
    double sdy = 0, sdyx = 0, m = (double)n * hw;
    for (int i = 0; i < n; i++) {
        size_t off = ((size_t)i * c + ch) * hw;
        plane_dots(dy + off, x + off, hw, (real)mu, &sdy, &sdyx);
    }
    double sdx = sdyx * rs;
    if (dgamma)
        dgamma[ch] += (real)sdx;
    if (dbeta)
        dbeta[ch] += (real)sdy;
    if (!dx)
        return;
    /* dx = g * (dy - a - (x - mu) * k), k = rstd * sdx/m folded in. */
    const real g = (real)(gamma * rs), mr = (real)mu;
    const real a = training ? (real)(sdy / m) : 0,
               k = training ? (real)(sdx / m * rs) : 0;
    for (int i = 0; i < n; i++) {
        size_t off = ((size_t)i * c + ch) * hw;
        const real *xs = x + off, *dys = dy + off;
        real *dxs = dx + off;
        int j = 0;
        for (; j + LANES <= hw; j += LANES) { /* as in channel_normalise */
            real t[LANES];
            for (int l = 0; l < LANES; l++)
                t[l] = g * (dys[j + l] - a - (xs[j + l] - mr) * k);
            for (int l = 0; l < LANES; l++)
                dxs[j + l] = t[l];
        }
        for (; j < hw; j++)
            dxs[j] = g * (dys[j] - a - (xs[j] - mr) * k);
    }
}

static void *run_job(void *arg)
{
    const bn_job *j = arg;
    for (int ch = j->c0; ch < j->c1; ch++) {
        if (j->dy)
            channel_backward(j->dx, j->dgamma, j->dbeta, j->dy, j->x, j->saved_mean[ch],
                             j->saved_rstd[ch], j->gamma[ch], j->n, j->c, j->hw, ch,
                             j->training);
        else
            channel_forward(j, ch);
    }
    return NULL;
}

/* Runs j's channels, in two halves on two threads when OpenBLAS has them
 * and the tensor is large enough to pay for a thread (2^16 values); the
 * caller runs everything when a thread cannot be created. */
static void run_split(const bn_job *j)
{
    bn_job half[2] = {*j, *j};
    half[0].c1 = half[1].c0 = j->c / 2;
    nn_run_halves(run_job, &half[0], &half[1],
                  j->c >= 2 && (double)j->n * j->c * j->hw >= 65536);
}

void NN(nn_batchnorm2d_forward)(real *y, real *mean, real *rstd, real *running_mean,
                                real *running_var, const real *x, const real *gamma,
                                const real *beta, int n, int c, int hw, int training,
                                double momentum, double eps)
{
    bn_job j = {.c0 = 0,
                .c1 = c,
                .n = n,
                .c = c,
                .hw = hw,
                .training = training,
                .y = y,
                .mean = mean,
                .rstd = rstd,
                .running_mean = running_mean,
                .running_var = running_var,
                .x = x,
                .gamma = gamma,
                .beta = beta,
                .momentum = momentum,
                .eps = eps};
    run_split(&j);
}

void NN(nn_batchnorm2d_backward)(real *dx, real *dgamma, real *dbeta, const real *dy,
                                 const real *x, const real *mean, const real *rstd,
                                 const real *gamma, int n, int c, int hw, int training)
{
    bn_job j = {.c0 = 0,
                .c1 = c,
                .n = n,
                .c = c,
                .hw = hw,
                .training = training,
                .dx = dx,
                .dgamma = dgamma,
                .dbeta = dbeta,
                .x = x,
                .gamma = gamma,
                .dy = dy,
                .saved_mean = mean,
                .saved_rstd = rstd};
    run_split(&j);
}
