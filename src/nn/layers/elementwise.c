/*
 * elementwise.c - the residual add and the gradient accumulation where two
 * paths of a model join.
 */
#include "hot.h"
#include "real.h"
#include "layers.h"

/* The loops are static (hot.h: NN_HOT is for functions of one file). */
NN_HOT static void add(real *y, const real *a, const real *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = a[i] + b[i];
}

NN_HOT static void accumulate(real *restrict y, const real *restrict x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] += x[i];
}

/* y, a, b (n); y may equal a or b. */
void NN(nn_add)(real *y, const real *a, const real *b, size_t n)
{
    add(y, a, b, n);
}

/* y += x, both (n). */
void NN(nn_accumulate)(real *y, const real *x, size_t n)
{
    accumulate(y, x, n);
}
