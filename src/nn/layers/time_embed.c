/*
 * time_embed.c - the sinusoidal embedding of a diffusion step (Vaswani et
 * al.'s position encoding, as DDPM uses it): with h = dim / 2 and
 * f_k = 10000^(-k/h), row i is sin(t_i f_0), ..., sin(t_i f_{h-1}),
 * cos(t_i f_0), ..., cos(t_i f_{h-1}). Computed in double, rounded once.
 * The input is an integer step: there is no backward.
 */
#include <math.h>

#include "real.h"
#include "layers.h"

/* t (n) -> y (n, dim); dim even. */
void NN(nn_time_embed_forward)(real *y, const int32_t *t, int n, int dim)
{
    const int h = dim / 2;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < h; k++) {
            double f = exp(-log(10000.0) * k / h), a = (double)t[i] * f;
            y[(size_t)i * dim + k] = (real)sin(a);
            y[(size_t)i * dim + h + k] = (real)cos(a);
        }
}
