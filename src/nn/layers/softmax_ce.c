/*
 * softmax_ce.c - softmax cross-entropy over the rows of a logits matrix:
 * probabilities (max-subtracted) and the mean negative log-likelihood, with
 * the exponentials and sums in double.
 */
#include <math.h>

#include "hot.h"
#include "real.h"
#include "layers.h"
#include "softmax_exp.h"

/* e[j] = e^(z[j] - mx) for j < n (n <= CHUNK). */
NN_HOT static void exp_chunk(double *restrict e, const real *z, double mx, int n)
{
    for (int j = 0; j < n; j++)
        e[j] = softmax_exp((double)z[j] - mx);
}

/* p[j] = e^(z[j] - mx) / s for j < k; p may equal z. */
NN_HOT static void normalise(real *p, const real *z, double mx, double s, int k)
{
    for (int j = 0; j < k; j++)
        p[j] = (real)(softmax_exp((double)z[j] - mx) / s);
}

/* The exponentials summed per chunk, in order, after the chunk's loop
 * (which vectorizes) has computed them. */
#define CHUNK 64

/* One row: p (k) = softmax(z (k)); returns -log p[t], taken as
 * log(sum) - (z[t] - max) so that a tiny p[t] loses nothing to rounding. */
static double row_softmax(real *p, const real *z, int t, int k)
{
    double mx = z[0];
    for (int j = 1; j < k; j++)
        if (z[j] > mx)
            mx = z[j];
    double s = 0, e[CHUNK];
    for (int j0 = 0; j0 < k; j0 += CHUNK) {
        int n = k - j0 < CHUNK ? k - j0 : CHUNK;
        exp_chunk(e, z + j0, mx, n);
        for (int j = 0; j < n; j++)
            s += e[j];
    }
    double zt = (double)z[t] - mx; /* read before p overwrites an aliased z */
    normalise(p, z, mx, s, k);
    return log(s) - zt;
}

/* probs, logits (n, k); targets (n). Returns the mean loss (0 for n = 0). */
double NN(nn_softmax_ce_forward)(real *probs, const real *logits, const int32_t *targets,
                                 int n, int k)
{
    if (n <= 0 || k <= 0)
        return 0;
    double loss = 0;
    for (int i = 0; i < n; i++) {
        size_t o = (size_t)i * k;
        loss += row_softmax(probs + o, logits + o, targets[i], k);
    }
    return loss / n;
}

/* dlogits, probs (n, k); targets (n); dlogits may equal probs. */
void NN(nn_softmax_ce_backward)(real *dlogits, const real *probs, const int32_t *targets,
                                int n, int k, double scale)
{
    for (int i = 0; i < n; i++) {
        size_t o = (size_t)i * k;
        for (int j = 0; j < k; j++) {
            double g = (double)probs[o + j] - (j == targets[i] ? 1.0 : 0.0);
            dlogits[o + j] = (real)(g * scale);
        }
    }
}
