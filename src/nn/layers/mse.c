/*
 * mse.c - the mean squared error, as torch.nn.functional.mse_loss with its
 * default mean reduction; the sum in double.
 */
#include "real.h"
#include "layers.h"

/* pred, target (n): mean (pred - target)^2 (0 for n = 0). */
double NN(nn_mse_forward)(const real *pred, const real *target, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)pred[i] - target[i];
        s += d * d;
    }
    return n ? s / (double)n : 0;
}

/* dpred (n) = 2 (pred - target) * scale; scale = dloss / n for the mean.
 * dpred may equal pred. */
void NN(nn_mse_backward)(real *dpred, const real *pred, const real *target, size_t n,
                         double scale)
{
    for (size_t i = 0; i < n; i++)
        dpred[i] = (real)(2.0 * ((double)pred[i] - target[i]) * scale);
}
