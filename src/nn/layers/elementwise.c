/*
 * elementwise.c - the residual add and the gradient accumulation where two
 * paths of a model join.
 */
#include "real.h"
#include "layers.h"

/* y, a, b (n); y may equal a or b. */
void NN(nn_add)(real *y, const real *a, const real *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = a[i] + b[i];
}

/* y += x, both (n). */
void NN(nn_accumulate)(real *y, const real *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] += x[i];
}
