/*
 * upsample.c - nearest-neighbour upsampling by 2 of an NCHW tensor, as
 * torch.nn.Upsample(scale_factor=2, mode="nearest"): each input value fills
 * a 2x2 block of the output.
 */
#include "real.h"
#include "layers.h"

/* x (n, c, h, w) -> y (n, c, 2h, 2w): y[.., i, j] = x[.., i/2, j/2]. */
void NN(nn_upsample2x_forward)(real *y, const real *x, int n, int c, int h, int w)
{
    const size_t planes = (size_t)n * c;
    const int wo = 2 * w;
    for (size_t q = 0; q < planes; q++) {
        const real *xs = x + q * (size_t)h * w;
        real *ys = y + q * (size_t)4 * h * w;
        for (int i = 0; i < h; i++) {
            real *r0 = ys + (size_t)(2 * i) * wo, *r1 = r0 + wo;
            for (int j = 0; j < w; j++) {
                real v = xs[(size_t)i * w + j];
                r0[2 * j] = r0[2 * j + 1] = r1[2 * j] = r1[2 * j + 1] = v;
            }
        }
    }
}

/* dy (n, c, 2h, 2w) -> dx (n, c, h, w): the sum of each 2x2 block. */
void NN(nn_upsample2x_backward)(real *dx, const real *dy, int n, int c, int h, int w)
{
    const size_t planes = (size_t)n * c;
    const int wo = 2 * w;
    for (size_t q = 0; q < planes; q++) {
        real *dxs = dx + q * (size_t)h * w;
        const real *dys = dy + q * (size_t)4 * h * w;
        for (int i = 0; i < h; i++) {
            const real *r0 = dys + (size_t)(2 * i) * wo, *r1 = r0 + wo;
            for (int j = 0; j < w; j++)
                dxs[(size_t)i * w + j] =
                    (r0[2 * j] + r0[2 * j + 1]) + (r1[2 * j] + r1[2 * j + 1]);
        }
    }
}
