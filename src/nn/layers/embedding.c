/*
 * embedding.c - the lookup table layer: rows of a table picked by index, and
 * the scatter-add of their gradients.
 */
#include <string.h>

#include "real.h"
#include "layers.h"

/* y (n, c) row i = table (v, c) row idx[i]; idx (n) in [0, v). */
void NN(nn_embedding_forward)(real *y, const real *table, const int32_t *idx, int n,
                              int c)
{
    if (c <= 0)
        return;
    for (int i = 0; i < n; i++)
        memcpy(y + (size_t)i * c, table + (size_t)idx[i] * c, (size_t)c * sizeof(real));
}

/* dtable (v, c) row idx[i] += dy (n, c) row i; a repeated index sums. */
void NN(nn_embedding_backward)(real *dtable, const real *dy, const int32_t *idx, int n,
                               int c)
{
    for (int i = 0; i < n; i++) {
        real *d = dtable + (size_t)idx[i] * c;
        const real *g = dy + (size_t)i * c;
        for (int j = 0; j < c; j++)
            d[j] += g[j];
    }
}
