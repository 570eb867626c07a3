/*
 * pixel_ce.c - softmax cross-entropy per pixel of an NCHW logits tensor, as
 * torch.nn.functional.cross_entropy(logits, target, ignore_index=ignore):
 * the softmax runs over the k channels of each pixel; the loss is the mean
 * of -log p[target] over the pixels whose target is not `ignore`. The
 * exponentials and sums in double.
 */
#include <math.h>

#include "fork.h"
#include "hot.h"
#include "real.h"
#include "layers.h"
#include "softmax_exp.h"

/* Pixels handled together: the softmax runs across them, one class after
 * the other, so that its loops go along the rows of the NCHW planes. */
#define BLOCK 64

/* For the np pixels at z (classes at stride hw): mx[q] = the largest logit,
 * s[q] = the sum of e^(z - mx) over the classes, in class order. */
NN_HOT static void block_sums(double *restrict mx, double *restrict s, const real *z,
                              int k, int hw, int np)
{
    for (int q = 0; q < np; q++)
        mx[q] = z[q];
    for (int j = 1; j < k; j++)
        for (int q = 0; q < np; q++) {
            double v = z[(size_t)j * hw + q];
            mx[q] = v > mx[q] ? v : mx[q];
        }
    for (int q = 0; q < np; q++)
        s[q] = 0;
    for (int j = 0; j < k; j++)
        for (int q = 0; q < np; q++)
            s[q] += softmax_exp((double)z[(size_t)j * hw + q] - mx[q]);
}

/* probs = e^(z - mx) / s for the np pixels, every class. */
NN_HOT static void block_probs(real *probs, const real *z, const double *restrict mx,
                               const double *restrict s, int k, int hw, int np)
{
    for (int j = 0; j < k; j++)
        for (int q = 0; q < np; q++) {
            size_t o = (size_t)j * hw + q;
            probs[o] = (real)(softmax_exp((double)z[o] - mx[q]) / s[q]);
        }
}

/* Images [i0, i1) of the forward: probs, and the loss summed pixel by
 * pixel in order into *loss, the counted pixels into *count. */
typedef struct ce_fwd_job {
    real *probs;
    const real *logits;
    const int32_t *targets;
    int i0, i1, k, hw, ignore;
    double loss;
    long count;
} ce_fwd_job;

static void *ce_forward_run(void *arg)
{
    ce_fwd_job *c = arg;
    double loss = 0, mx[BLOCK], s[BLOCK];
    long cnt = 0;
    const int k = c->k, hw = c->hw;
    for (int i = c->i0; i < c->i1; i++)
        for (int p0 = 0; p0 < hw; p0 += BLOCK) {
            int np = hw - p0 < BLOCK ? hw - p0 : BLOCK;
            size_t o = (size_t)i * k * hw + p0;
            const int32_t *t = c->targets + (size_t)i * hw + p0;
            block_sums(mx, s, c->logits + o, k, hw, np);
            /* z[t] read before probs overwrites an aliased logits */
            for (int q = 0; q < np; q++)
                if (t[q] != c->ignore) {
                    loss += log(s[q]) -
                            ((double)c->logits[o + (size_t)t[q] * hw + q] - mx[q]);
                    cnt++;
                }
            block_probs(c->probs + o, c->logits + o, mx, s, k, hw, np);
        }
    c->loss = loss, c->count = cnt;
    return NULL;
}

/* probs, logits (n, k, hw); targets (n, hw) in [0, k) or ignore. *count
 * gets the pixels counted; returns the mean loss over them (0 if none):
 * -log probs[t] taken as log(sum) - (z[t] - max), so that a tiny probs[t]
 * loses nothing to rounding. The images in two fixed halves (fork.h), each
 * half's loss summed pixel by pixel in order, then the first half's plus
 * the second's: the same bits for any thread count. */
double NN(nn_pixel_ce_forward)(real *probs, const real *logits, const int32_t *targets,
                               int n, int k, int hw, int ignore, long *count)
{
    ce_fwd_job h[2] = {{probs, logits, targets, 0, n / 2, k, hw, ignore, 0, 0},
                       {probs, logits, targets, n / 2, n, k, hw, ignore, 0, 0}};
    nn_run_halves(ce_forward_run, &h[0], &h[1], (double)n * k * hw >= 65536);
    const long cnt = h[0].count + h[1].count;
    *count = cnt;
    return cnt ? (h[0].loss + h[1].loss) / (double)cnt : 0;
}

typedef struct ce_job {
    real *dlogits;
    const real *probs;
    const int32_t *targets;
    int i0, i1, k, hw, ignore;
    double scale;
} ce_job;

/* Images [i0, i1) of the backward, plane by plane (each value is its own,
 * so any order gives the same bits). */
static void *ce_backward_run(void *arg)
{
    const ce_job *c = arg;
    for (int i = c->i0; i < c->i1; i++)
        for (int j = 0; j < c->k; j++) {
            const int32_t *t = c->targets + (size_t)i * c->hw;
            const size_t o = ((size_t)i * c->k + j) * c->hw;
            for (int p = 0; p < c->hw; p++) {
                double g =
                    t[p] == c->ignore
                        ? 0
                        : ((double)c->probs[o + p] - (j == t[p] ? 1.0 : 0.0)) * c->scale;
                c->dlogits[o + p] = (real)g;
            }
        }
    return NULL;
}

/* dlogits (n, k, hw) = (probs - onehot) * scale on counted pixels, 0 on
 * ignored ones; scale = dloss / count for the mean. dlogits may equal
 * probs. The images in two fixed halves (fork.h). */
void NN(nn_pixel_ce_backward)(real *dlogits, const real *probs, const int32_t *targets,
                              int n, int k, int hw, int ignore, double scale)
{
    ce_job h[2] = {{dlogits, probs, targets, 0, n / 2, k, hw, ignore, scale},
                   {dlogits, probs, targets, n / 2, n, k, hw, ignore, scale}};
    nn_run_halves(ce_backward_run, &h[0], &h[1], (double)n * k * hw >= 65536);
}
