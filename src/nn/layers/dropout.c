/*
 * dropout.c - inverted dropout: each element is zeroed with probability p
 * and the survivors scaled by 1/(1-p), the mask drawn from the counter RNG
 * so that it depends only on (seed, stream, index); index = first + i.
 */
#include "real.h"
#include "layers.h"
#include "rng.h"

/* y, mask, x (n); y may equal x. */
void NN(nn_dropout_forward)(real *y, real *mask, const real *x, size_t n, double p,
                            uint64_t seed, uint64_t stream, uint64_t first)
{
    /* p >= 1 drops everything (every uniform is < 1 <= p): no 1/0 needed. */
    real keep = p < 1 ? (real)(1.0 / (1.0 - p)) : (real)0;
    for (size_t i = 0; i < n; i++) {
        real m = (real)1;
        if (p > 0)
            m = nn_rng_uniform(seed, stream, first + i) < p ? (real)0 : keep;
        mask[i] = m;
        y[i] = x[i] * m;
    }
}

/* dx, dy, mask (n); dx may equal dy. */
void NN(nn_dropout_backward)(real *dx, const real *dy, const real *mask, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dx[i] = dy[i] * mask[i];
}
