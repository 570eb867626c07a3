/*
 * shortcut.c - ResNet's "option A" shortcut (He et al. 2016, CIFAR models):
 * subsample by the stride and zero-pad the channels, a parameter-free
 * identity map to a wider, smaller output.
 */
#include "real.h"
#include "layers.h"

#include <string.h>

/* y plane (ho, wo) = x plane (h, w) at rows and columns 0, s, 2s, ... */
static void subsample(real *y, const real *x, int h, int w, int s)
{
    const int ho = (h - 1) / s + 1, wo = (w - 1) / s + 1;
    for (int i = 0; i < ho; i++)
        for (int j = 0; j < wo; j++)
            y[i * wo + j] = x[(size_t)i * s * w + (size_t)j * s];
}

/* The adjoint: dx plane (h, w) = dy plane (ho, wo) spread back, 0 between. */
static void upsample(real *dx, const real *dy, int h, int w, int s)
{
    const int ho = (h - 1) / s + 1, wo = (w - 1) / s + 1;
    memset(dx, 0, sizeof(real) * (size_t)h * w);
    for (int i = 0; i < ho; i++)
        for (int j = 0; j < wo; j++)
            dx[(size_t)i * s * w + (size_t)j * s] = dy[i * wo + j];
}

void NN(nn_shortcut_pad_forward)(real *y, const real *x, int n, int cin, int h, int w,
                                 int cout, int s)
{
    const size_t po = (size_t)((h - 1) / s + 1) * ((w - 1) / s + 1), pi = (size_t)h * w;
    const int p = (cout - cin) / 2; /* zero channels before; the rest after */
    for (int i = 0; i < n; i++) {
        real *yn = y + (size_t)i * cout * po; /* (cout, ho, wo) */
        memset(yn, 0, sizeof(real) * (size_t)cout * po);
        for (int j = 0; j < cin; j++)
            subsample(yn + (size_t)(p + j) * po, x + ((size_t)i * cin + j) * pi, h, w, s);
    }
}

void NN(nn_shortcut_pad_backward)(real *dx, const real *dy, int n, int cin, int h, int w,
                                  int cout, int s)
{
    const size_t po = (size_t)((h - 1) / s + 1) * ((w - 1) / s + 1), pi = (size_t)h * w;
    const int p = (cout - cin) / 2;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < cin; j++)
            upsample(dx + ((size_t)i * cin + j) * pi,
                     dy + ((size_t)i * cout + p + j) * po, h, w, s);
}
