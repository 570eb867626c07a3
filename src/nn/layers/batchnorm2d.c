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
#include <string.h>

/* Partial sums per plane: a multiple of every SIMD width's float count. */
#define LANES 16

/* The LANES partial sums as PIECES vectors of GCC's and clang's vector
 * extension (NN_VEC_BYTES each, hot.h), piece k holding lanes k * PIECE_LEN
 * on: the compiler keeps them in registers and adds lane by lane, whatever
 * the SIMD width, the same operations as a loop over the lanes (which
 * GCC's -O3 turned into a transpose of every block: 20 KB of permutes,
 * slower than scalar code). */
typedef real piece __attribute__((vector_size(NN_VEC_BYTES)));
#define PIECE_LEN ((int)(sizeof(piece) / sizeof(real)))
#define PIECES    (LANES / PIECE_LEN)

/* p[0..PIECE_LEN) as a piece (memcpy: no alignment or aliasing question);
 * by pointer: a vector returned by value from a baseline function would
 * change the ABI. */
NN_HOT_VECTORIZE static inline void load_piece(piece *v, const real *p)
{
    memcpy(v, p, sizeof *v);
}

/* The LANES partial sums, lane l in s[l], added pairwise (lane l and
 * l + LANES/2, and so on down), then in double. Inline, with the callers'
 * optimisation attribute (GCC inlines no function whose attribute
 * differs): a call per plane cost as much as the plane's sums. */
NN_HOT_VECTORIZE static inline double lanes_total(real s[LANES])
{
    for (int w = LANES / 2; w >= 1; w /= 2)
        for (int l = 0; l < w; l++)
            s[l] += s[l + w];
    return (double)s[0];
}

/* Sum of p (hw). */
NN_HOT static double plane_sum(const real *p, int hw)
{
    piece a[PIECES] = {{0}};
    real s[LANES];
    int j = 0;
    for (; j + LANES <= hw; j += LANES)
        for (int k = 0; k < PIECES; k++) {
            piece v;
            load_piece(&v, p + j + k * PIECE_LEN);
            a[k] += v;
        }
    memcpy(s, a, sizeof s);
    for (int l = 0; j < hw; j++, l++)
        s[l] += p[j];
    return lanes_total(s);
}

/* sums[0] = sum dy, sums[1] = sum dy * (x - mean) over one plane (hw). */
NN_HOT static void plane_dots(double sums[2], const real *dy, const real *x, real mean,
                              int hw)
{
    piece a[PIECES] = {{0}}, b[PIECES] = {{0}};
    real sa[LANES], sb[LANES];
    int j = 0;
    for (; j + LANES <= hw; j += LANES)
        for (int k = 0; k < PIECES; k++) {
            piece d, v;
            load_piece(&d, dy + j + k * PIECE_LEN);
            load_piece(&v, x + j + k * PIECE_LEN);
            a[k] += d;
            b[k] += d * (v - mean);
        }
    memcpy(sa, a, sizeof sa);
    memcpy(sb, b, sizeof sb);
    for (int l = 0; j < hw; j++, l++) {
        sa[l] += dy[j];
        sb[l] += dy[j] * (x[j] - mean);
    }
    sums[0] = lanes_total(sa);
    sums[1] = lanes_total(sb);
}

/* dev[0] = sum (x - a)^2, dev[1] = sum (x - a) over one plane (hw). */
NN_HOT static void plane_devs(double dev[2], const real *x, int hw, real a)
{
    piece q[PIECES] = {{0}}, s[PIECES] = {{0}};
    real sq[LANES], ss[LANES];
    int j = 0;
    for (; j + LANES <= hw; j += LANES)
        for (int k = 0; k < PIECES; k++) {
            piece d;
            load_piece(&d, x + j + k * PIECE_LEN);
            d -= a;
            s[k] += d;
            q[k] += d * d;
        }
    memcpy(sq, q, sizeof sq);
    memcpy(ss, s, sizeof ss);
    for (int l = 0; j < hw; j++, l++) {
        real d = x[j] - a;
        ss[l] += d;
        sq[l] += d * d;
    }
    dev[0] = lanes_total(sq);
    dev[1] = lanes_total(ss);
}

/* (NN_HOT is for static functions: hot.h.) */
void NN(nn_batchnorm2d_plane_stats)(double st[3], const real *x, int hw)
{
    st[0] = plane_sum(x, hw);
    plane_devs(st + 1, x, hw, (real)(st[0] / hw));
}

void NN(nn_batchnorm2d_plane_sums)(double sums[2], const real *dy, const real *x,
                                   real mean, int hw)
{
    plane_dots(sums, dy, x, mean, hw);
}

/* Channels whose accumulators a pass keeps at once (on the stack): the
 * passes go image by image over a chunk of channels, reading memory in
 * order, while each channel's sums still add its planes in image order. */
#define CHUNK 64

/* The offset of channel ch of image i in (n, c, hw). */
static size_t plane_at(int i, int c, int ch, int hw)
{
    return ((size_t)i * c + ch) * (size_t)hw;
}

/* Batch mean and biased variance of channels [c0, c1) (at most CHUNK) of
 * x (n, c, hw), two-pass (the deviations from the first pass's mean: no
 * cancellation). */
static void chunk_stats(const real *x, int n, int c, int hw, int c0, int c1,
                        double mean[CHUNK], double var[CHUNK])
{
    double sum[CHUNK] = {0}, sq[CHUNK] = {0}, m = (double)n * hw;
    for (int i = 0; i < n; i++)
        for (int ch = c0; ch < c1; ch++)
            sum[ch - c0] += plane_sum(x + plane_at(i, c, ch, hw), hw);
    for (int k = 0; k < c1 - c0; k++)
        mean[k] = sum[k] / m;
    for (int i = 0; i < n; i++)
        for (int ch = c0; ch < c1; ch++) {
            double dev[2]; /* the squares' sum; the deviations' is not needed */
            plane_devs(dev, x + plane_at(i, c, ch, hw), hw, (real)mean[ch - c0]);
            sq[ch - c0] += dev[0];
        }
    for (int k = 0; k < c1 - c0; k++)
        var[k] = sq[k] / m;
}

/* ys (hw) = (xs - m) * scale + shift (plane_dx below: the backward's
 * dxs = g * (dys - a - (xs - m) * k)), a piece at a time. */
NN_HOT static void plane_normalise(real *ys, const real *xs, real m, real scale,
                                   real shift, int hw)
{
    int j = 0;
    for (; j + PIECE_LEN <= hw; j += PIECE_LEN) {
        piece v;
        load_piece(&v, xs + j);
        v = (v - m) * scale + shift;
        memcpy(ys + j, &v, sizeof v);
    }
    for (; j < hw; j++)
        ys[j] = (xs[j] - m) * scale + shift;
}

NN_HOT static void plane_dx(real *dxs, const real *dys, const real *xs, real m, real g,
                            real a, real k, int hw)
{
    int j = 0;
    for (; j + PIECE_LEN <= hw; j += PIECE_LEN) {
        piece d, v;
        load_piece(&d, dys + j);
        load_piece(&v, xs + j);
        d = g * (d - a - (v - m) * k);
        memcpy(dxs + j, &d, sizeof d);
    }
    for (; j < hw; j++)
        dxs[j] = g * (dys[j] - a - (xs[j] - m) * k);
}

/* The batch statistics of channel ch from per-plane ones (n, c, 3): with
 * S_i plane i's sum, Q_i and D_i the sums of the squares and of its
 * deviations from a_i = its rounded mean, the mean is sum S_i / m (as the
 * two-pass statistics take it) and the squared deviations from it add up
 * as Q_i + 2 (a_i - mean) D_i + hw (a_i - mean)^2 (an identity: the
 * deviations from a_i are small, so their sums lose nothing to the
 * rounding of a plane's large sum). */
static void stats_of_planes(const double *st, int n, int c, int hw, int ch, double *mean,
                            double *var)
{
    double sum = 0, q = 0, m = (double)n * hw;
    for (int i = 0; i < n; i++)
        sum += st[3 * ((size_t)i * c + ch)];
    const double mu = sum / m;
    for (int i = 0; i < n; i++) {
        const double *p = st + 3 * ((size_t)i * c + ch);
        const double d = (double)(real)(p[0] / hw) - mu;
        q += p[1] + 2 * d * p[2] + hw * d * d;
    }
    *mean = mu;
    *var = q / m;
}

/* One thread's channels [c0, c1) of a forward or backward; the arguments
 * as the public functions name them. */
typedef struct bn_job {
    int c0, c1, n, c, hw, training;
    real *y, *mean, *rstd, *running_mean, *running_var; /* forward */
    real *dx, *dgamma, *dbeta;                          /* backward */
    const real *x, *gamma, *beta, *dy;                  /* dy NULL: forward */
    const real *saved_mean, *saved_rstd;                /* backward */
    const double *plane_sums;                           /* backward, or NULL */
    const double *plane_stats;                          /* forward, or NULL */
    double momentum, eps;
} bn_job;

/* The forward of channels [c0, c1) (at most CHUNK). */
static void chunk_forward(const bn_job *j, int c0, int c1)
{
    double m = (double)j->n * j->hw, mu[CHUNK], var[CHUNK];
    real sm[CHUNK], scale[CHUNK];
    if (j->training && j->plane_stats)
        for (int ch = c0; ch < c1; ch++)
            stats_of_planes(j->plane_stats, j->n, j->c, j->hw, ch, &mu[ch - c0],
                            &var[ch - c0]);
    else if (j->training)
        chunk_stats(j->x, j->n, j->c, j->hw, c0, c1, mu, var);
    for (int ch = c0; ch < c1; ch++) {
        const int k = ch - c0;
        if (!j->training) {
            mu[k] = j->running_mean[ch];
            var[k] = j->running_var[ch];
        } else {
            if (j->running_mean)
                j->running_mean[ch] =
                    (real)((1 - j->momentum) * j->running_mean[ch] + j->momentum * mu[k]);
            /* torch's unbiased m/(m-1); with one value per channel (which
             * torch rejects) the biased 0 is used rather than a NaN. */
            if (j->running_var)
                j->running_var[ch] =
                    (real)((1 - j->momentum) * j->running_var[ch] +
                           j->momentum * (m > 1 ? var[k] * m / (m - 1) : var[k]));
        }
        double rs = 1.0 / sqrt(var[k] + j->eps);
        j->mean[ch] = (real)mu[k];
        j->rstd[ch] = (real)rs;
        sm[k] = (real)mu[k];
        scale[k] = (real)(rs * j->gamma[ch]);
    }
    if (!j->y)
        return;
    for (int i = 0; i < j->n; i++)
        for (int ch = c0; ch < c1; ch++) {
            size_t off = plane_at(i, j->c, ch, j->hw);
            plane_normalise(j->y + off, j->x + off, sm[ch - c0], scale[ch - c0],
                            j->beta[ch], j->hw);
        }
}

/*
 * The backward of channels [c0, c1) (at most CHUNK). With xhat = (x - mean)
 * * rstd, the sums sdy = sum dy and sdx = sum dy * xhat give dbeta and
 * dgamma; in training mode the statistics depend on x too:
 *   dx = gamma * rstd * (dy - sdy/m - xhat * sdx/m),
 * in eval mode they are constants: dx = gamma * rstd * dy.
 */
/* The backward's per-channel part for channels [c0, c1): dgamma and dbeta
 * added, and g, a, k (indexed ch - c0) of dx's formula. */
static void chunk_coefs(const bn_job *j, int c0, int c1, real *g, real *a, real *k)
{
    const int n = j->n, c = j->c, hw = j->hw;
    double sdy[CHUNK] = {0}, sdyx[CHUNK] = {0}, m = (double)n * hw;
    for (int i = 0; i < n; i++)
        for (int ch = c0; ch < c1; ch++) {
            double ps[2];
            size_t off = plane_at(i, c, ch, hw);
            if (j->plane_sums)
                memcpy(ps, j->plane_sums + 2 * ((size_t)i * c + ch), sizeof ps);
            else
                plane_dots(ps, j->dy + off, j->x + off, j->saved_mean[ch], hw);
            sdy[ch - c0] += ps[0];
            sdyx[ch - c0] += ps[1];
        }
    /* dx = g * (dy - a - (x - mu) * k), k = rstd * sdx/m folded in. */
    for (int ch = c0; ch < c1; ch++) {
        const int q = ch - c0;
        const double rs = j->saved_rstd[ch], sdx = sdyx[q] * rs;
        if (j->dgamma)
            j->dgamma[ch] += (real)sdx;
        if (j->dbeta)
            j->dbeta[ch] += (real)sdy[q];
        g[q] = (real)(j->gamma[ch] * rs);
        a[q] = j->training ? (real)(sdy[q] / m) : 0;
        k[q] = j->training ? (real)(sdx / m * rs) : 0;
    }
}

static void chunk_backward(const bn_job *j, int c0, int c1)
{
    real g[CHUNK], a[CHUNK], k[CHUNK];
    chunk_coefs(j, c0, c1, g, a, k);
    if (!j->dx)
        return;
    for (int i = 0; i < j->n; i++)
        for (int ch = c0; ch < c1; ch++) {
            size_t off = plane_at(i, j->c, ch, j->hw);
            plane_dx(j->dx + off, j->dy + off, j->x + off, j->saved_mean[ch], g[ch - c0],
                     a[ch - c0], k[ch - c0], j->hw);
        }
}

static void *run_job(void *arg)
{
    const bn_job *j = arg;
    for (int c0 = j->c0; c0 < j->c1; c0 += CHUNK) {
        int c1 = j->c1 - c0 < CHUNK ? j->c1 : c0 + CHUNK;
        if (j->dy)
            chunk_backward(j, c0, c1);
        else
            chunk_forward(j, c0, c1);
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

/* A job over all c channels of an (n, c, hw) tensor, the rest unset. */
static bn_job channels_job(int n, int c, int hw, int training)
{
    return (bn_job){.c0 = 0, .c1 = c, .n = n, .c = c, .hw = hw, .training = training};
}

/* A forward's job over all c channels: the statistics' part (what it
 * normalises with is added by the caller). */
static bn_job forward_job(real *mean, real *rstd, real *running_mean, real *running_var,
                          const real *gamma, int n, int c, int hw, int training,
                          double momentum, double eps)
{
    bn_job j = channels_job(n, c, hw, training);
    j.mean = mean, j.rstd = rstd, j.running_mean = running_mean,
    j.running_var = running_var;
    j.gamma = gamma, j.momentum = momentum, j.eps = eps;
    return j;
}

void NN(nn_batchnorm2d_forward)(real *y, real *mean, real *rstd, real *running_mean,
                                real *running_var, const real *x, const real *gamma,
                                const real *beta, int n, int c, int hw, int training,
                                double momentum, double eps)
{
    bn_job j = forward_job(mean, rstd, running_mean, running_var, gamma, n, c, hw,
                           training, momentum, eps);
    j.y = y, j.x = x, j.beta = beta;
    run_split(&j);
}

void NN(nn_batchnorm2d_stats_of_planes)(real *mean, real *rstd, real *running_mean,
                                        real *running_var, const real *gamma,
                                        const double *plane_stats, int n, int c, int hw,
                                        int training, double momentum, double eps)
{
    bn_job j = forward_job(mean, rstd, running_mean, running_var, gamma, n, c, hw,
                           training, momentum, eps);
    j.plane_stats = plane_stats;
    run_job(&j); /* c channels of n sums: no memory pass to split */
}

/* A backward's job over all c channels: the coefficients' part (dx, dy, x
 * and the mean, for dx itself, are added by the caller). */
static bn_job backward_job(real *dgamma, real *dbeta, const real *rstd, const real *gamma,
                           const double *plane_sums, int n, int c, int hw, int training)
{
    bn_job j = channels_job(n, c, hw, training);
    j.dgamma = dgamma, j.dbeta = dbeta, j.gamma = gamma, j.saved_rstd = rstd;
    j.plane_sums = plane_sums;
    return j;
}

void NN(nn_batchnorm2d_backward_sums)(real *dx, real *dgamma, real *dbeta, const real *dy,
                                      const real *x, const real *mean, const real *rstd,
                                      const real *gamma, const double *plane_sums, int n,
                                      int c, int hw, int training)
{
    bn_job j = backward_job(dgamma, dbeta, rstd, gamma, plane_sums, n, c, hw, training);
    j.dx = dx, j.dy = dy, j.x = x, j.saved_mean = mean;
    run_split(&j);
}

void NN(nn_batchnorm2d_backward)(real *dx, real *dgamma, real *dbeta, const real *dy,
                                 const real *x, const real *mean, const real *rstd,
                                 const real *gamma, int n, int c, int hw, int training)
{
    NN(nn_batchnorm2d_backward_sums)
    (dx, dgamma, dbeta, dy, x, mean, rstd, gamma, NULL, n, c, hw, training);
}

void NN(nn_batchnorm2d_backward_coefs)(real *coef, real *dgamma, real *dbeta,
                                       const real *rstd, const real *gamma,
                                       const double *plane_sums, int n, int c, int hw,
                                       int training)
{
    const bn_job j =
        backward_job(dgamma, dbeta, rstd, gamma, plane_sums, n, c, hw, training);
    for (int c0 = 0; c0 < c; c0 += CHUNK) {
        const int c1 = c - c0 < CHUNK ? c : c0 + CHUNK;
        chunk_coefs(&j, c0, c1, coef + c0, coef + c + c0, coef + 2 * (size_t)c + c0);
    }
}

void NN(nn_batchnorm2d_plane_dx)(real *dx, const real *dy, const real *x, real mean,
                                 real g, real a, real k, int hw)
{
    plane_dx(dx, dy, x, mean, g, a, k, hw);
}
