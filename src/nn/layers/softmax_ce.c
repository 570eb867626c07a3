/*
 * softmax_ce.c - softmax cross-entropy over the rows of a logits matrix:
 * probabilities (max-subtracted) and the mean negative log-likelihood, with
 * the exponentials and sums in double.
 */
#include <math.h>

#include "real.h"
#include "layers.h"

/* One row: p (k) = softmax(z (k)); returns -log p[t], taken as
 * log(sum) - (z[t] - max) so that a tiny p[t] loses nothing to rounding. */
static double row_softmax(real *p, const real *z, int t, int k)
{
    double mx = z[0];
    for (int j = 1; j < k; j++)
        if (z[j] > mx)
            mx = z[j];
    double s = 0;
    for (int j = 0; j < k; j++)
        s += exp((double)z[j] - mx);
    double zt = (double)z[t] - mx; /* read before p overwrites an aliased z */
    for (int j = 0; j < k; j++)
        p[j] = (real)(exp((double)z[j] - mx) / s);
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
