/*
 * concat.c - concatenation of two NCHW tensors along the channels, as
 * torch.cat((a, b), dim=1): a U-Net's skip connection.
 */
#include <string.h>

#include "real.h"
#include "layers.h"

/* a (n, ca, hw), b (n, cb, hw) -> y (n, ca + cb, hw). */
void NN(nn_concat_forward)(real *y, const real *a, const real *b, int n, int ca, int cb,
                           int hw)
{
    const size_t na = (size_t)ca * hw, nb = (size_t)cb * hw;
    for (int i = 0; i < n; i++) {
        real *yi = y + (size_t)i * (na + nb);
        memcpy(yi, a + (size_t)i * na, na * sizeof *yi);
        memcpy(yi + na, b + (size_t)i * nb, nb * sizeof *yi);
    }
}

/* dy (n, ca + cb, hw) -> da (n, ca, hw), db (n, cb, hw), written; NULL
 * skips one. */
void NN(nn_concat_backward)(real *da, real *db, const real *dy, int n, int ca, int cb,
                            int hw)
{
    const size_t na = (size_t)ca * hw, nb = (size_t)cb * hw;
    for (int i = 0; i < n; i++) {
        const real *dyi = dy + (size_t)i * (na + nb);
        if (da)
            memcpy(da + (size_t)i * na, dyi, na * sizeof *da);
        if (db)
            memcpy(db + (size_t)i * nb, dyi + na, nb * sizeof *db);
    }
}
