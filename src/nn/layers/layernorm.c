/*
 * layernorm.c - layer normalisation over the last dimension (torch's
 * LayerNorm: biased variance, eps inside the square root). Row statistics
 * and the backward's reductions are accumulated in double.
 *
 * A row's sums run in LANES interleaved partial sums (lane l takes the
 * columns j = l mod LANES, in order), added lane 0 to LANES-1, then the
 * columns past the last whole group: one fixed order, the same on every
 * ISA and thread count, which the vectorizer turns into two or four vector
 * accumulators instead of one latency-bound chain.
 *
 * Threads: rows (and the parameter gradients' column blocks) in two fixed
 * halves, on two threads when OpenBLAS has them (run_halves).
 */
#include <math.h>
#include <string.h>

#include "fork.h"
#include "hot.h"
#include "real.h"
#include "layers.h"
#include "lane_sums.h"

/* Columns reduced at a time by param_grads (its double accumulators). */
#define COLS 64

/* Partial sums of row_dx's reductions (see the top; lane_sums.h). */
#define LANES LANE_SUMS

NN_HOT static void row_out(real *restrict y, const real *restrict x, double m, double r,
                           const real *restrict gamma, const real *restrict beta, int c)
{
    for (int j = 0; j < c; j++)
        y[j] = (real)(((double)x[j] - m) * r * gamma[j] + beta[j]);
}

/* What one thread does: rows [r0, r1) of the forward or of dx, or the
 * parameter gradients' columns [c0, c1) (c0 a multiple of COLS); the
 * arguments as the public functions name them. */
typedef struct ln_job {
    int r0, r1, c0, c1, n, c;
    real *y, *mean, *rstd;     /* forward */
    real *dx, *dgamma, *dbeta; /* backward */
    int dx_add;                /* dx += the input gradient instead of = */
    const real *x, *gamma, *beta, *dy, *saved_mean, *saved_rstd;
    double eps;
} ln_job;

static void *forward_rows(void *arg)
{
    const ln_job *j = arg;
    const int c = j->c;
    for (int i = j->r0; i < j->r1; i++) {
        const real *xr = j->x + (size_t)i * c;
        double m = c > 0 ? lane_sum(xr, (size_t)c) / c : 0;
        /* Two passes: no cancellation from E[x^2] - E[x]^2. */
        double v = c > 0 ? lane_sq_dev(xr, (size_t)c, m) / c : 0;
        double r = 1.0 / sqrt(v + j->eps);
        row_out(j->y + (size_t)i * c, xr, m, r, j->gamma, j->beta, c);
        j->mean[i] = (real)m;
        j->rstd[i] = (real)r;
    }
    return NULL;
}

/* Runs fn on j's rows (and columns) in two halves, on two threads when
 * OpenBLAS has them (the layers' thread setting, as in conv2d.c) and the
 * tensor pays for a wake-up (2^16 values). Rows are independent and each
 * column's sum runs over all rows in order on one thread, so the results
 * do not depend on the thread count. */
static void run_halves(void *(*fn)(void *), const ln_job *j)
{
    ln_job half[2] = {*j, *j};
    int blocks = (j->c + COLS - 1) / COLS;
    half[0].r0 = 0, half[0].r1 = half[1].r0 = j->n / 2, half[1].r1 = j->n;
    half[0].c0 = 0, half[0].c1 = half[1].c0 = blocks / 2 * COLS, half[1].c1 = j->c;
    nn_run_halves(fn, &half[0], &half[1], j->n >= 2 && (double)j->n * j->c >= 65536);
}

/* y, x (n, c); mean (n), rstd (n) saved; gamma (c), beta (c). */
void NN(nn_layernorm_forward)(real *y, real *mean, real *rstd, const real *x,
                              const real *gamma, const real *beta, int n, int c,
                              double eps)
{
    ln_job j = {.n = n,
                .c = c,
                .y = y,
                .mean = mean,
                .rstd = rstd,
                .x = x,
                .gamma = gamma,
                .beta = beta,
                .eps = eps};
    run_halves(forward_rows, &j);
}

/* dgamma (c) += sum over rows of dy * xhat; dbeta (c) += sum of dy. Blocks of
 * COLS columns keep the reads row-major with the sums on the stack. */
NN_HOT static void param_grads(real *dgamma, real *dbeta, const real *dy, const real *x,
                               const real *mean, const real *rstd, int n, int c, int c0,
                               int c1)
{
    for (int j0 = c0; j0 < c1; j0 += COLS) {
        int m = c1 - j0 < COLS ? c1 - j0 : COLS;
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
 * the gradient through the row's mean and variance; the two sums in the
 * lanes' order. add: dx += that instead (rounded to real first, as a
 * separate accumulation would). */
NN_HOT static void row_dx(real *restrict dx, const real *restrict dy,
                          const real *restrict x, double m, double r,
                          const real *restrict gamma, int c, int add)
{
    lane_quarter_sums a1[LANES / LANE_QUARTER] = {{0}}, a2[LANES / LANE_QUARTER] = {{0}};
    double s1 = 0, s2 = 0;
    int j = 0;
    for (; j + LANES <= c; j += LANES)
        for (int q = 0; q < LANES / LANE_QUARTER; q++) {
            int k = j + q * LANE_QUARTER;
            lane_quarter_sums d, w, v;
            lane_widen(&d, dy + k);
            lane_widen(&w, gamma + k);
            lane_widen(&v, x + k);
            lane_quarter_sums g = d * w;
            a1[q] += g;
            a2[q] += g * ((v - m) * r);
        }
    for (int l = 0; l < LANES; l++)
        s1 += a1[l / LANE_QUARTER][l % LANE_QUARTER],
            s2 += a2[l / LANE_QUARTER][l % LANE_QUARTER];
    for (; j < c; j++) {
        double g = (double)dy[j] * gamma[j];
        s1 += g;
        s2 += g * (((double)x[j] - m) * r);
    }
    s1 /= c;
    s2 /= c;
    for (j = 0; j < c; j++) {
        double xhat = ((double)x[j] - m) * r;
        real v = (real)(r * ((double)dy[j] * gamma[j] - s1 - xhat * s2));
        dx[j] = add ? dx[j] + v : v;
    }
}

static void *param_grad_cols(void *arg)
{
    const ln_job *j = arg;
    param_grads(j->dgamma, j->dbeta, j->dy, j->x, j->saved_mean, j->saved_rstd, j->n,
                j->c, j->c0, j->c1);
    return NULL;
}

static void *dx_rows(void *arg)
{
    const ln_job *j = arg;
    for (int i = j->r0; i < j->r1; i++) {
        size_t o = (size_t)i * j->c;
        row_dx(j->dx + o, j->dy + o, j->x + o, j->saved_mean[i], j->saved_rstd[i],
               j->gamma, j->c, j->dx_add);
    }
    return NULL;
}

static void backward(real *dx, int dx_add, real *dgamma, real *dbeta, const real *dy,
                     const real *x, const real *mean, const real *rstd, const real *gamma,
                     int n, int c)
{
    if (n <= 0 || c <= 0)
        return;
    ln_job j = {.n = n,
                .c = c,
                .dx = dx,
                .dx_add = dx_add,
                .dgamma = dgamma,
                .dbeta = dbeta,
                .x = x,
                .gamma = gamma,
                .dy = dy,
                .saved_mean = mean,
                .saved_rstd = rstd};
    if (dgamma || dbeta)
        run_halves(param_grad_cols, &j);
    if (dx)
        run_halves(dx_rows, &j);
}

/* dx, dy, x (n, c); mean, rstd (n) from the forward; gamma, dgamma, dbeta (c).
 * dx NULL: skipped; dgamma/dbeta NULL: skipped. The parameter gradients are
 * done before dx is written (dx may be dy). */
void NN(nn_layernorm_backward)(real *dx, real *dgamma, real *dbeta, const real *dy,
                               const real *x, const real *mean, const real *rstd,
                               const real *gamma, int n, int c)
{
    backward(dx, 0, dgamma, dbeta, dy, x, mean, rstd, gamma, n, c);
}

/* The same with dx += the input gradient (dx must not overlap dy or x): a
 * residual stream's gradient taken in, with the bits of writing it to a
 * buffer and accumulating that. */
void NN(nn_layernorm_backward_add)(real *dx, real *dgamma, real *dbeta, const real *dy,
                                   const real *x, const real *mean, const real *rstd,
                                   const real *gamma, int n, int c)
{
    backward(dx, 1, dgamma, dbeta, dy, x, mean, rstd, gamma, n, c);
}
