/*
 * shortcut.c - ResNet's "option A" shortcut (He et al. 2016, CIFAR models):
 * subsample by the stride and zero-pad the channels, a parameter-free
 * identity map to a wider, smaller output.
 */
#include "fork.h"
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

/* Images [i0, i1) of a forward (dy NULL) or backward; the arguments as the
 * public functions name them. */
typedef struct sc_job {
    real *out;
    const real *in;
    int i0, i1, cin, h, w, cout, s, backward;
} sc_job;

static void *run_images(void *arg)
{
    const sc_job *j = arg;
    const int h = j->h, w = j->w, s = j->s;
    const size_t po = (size_t)((h - 1) / s + 1) * ((w - 1) / s + 1), pi = (size_t)h * w;
    const int p = (j->cout - j->cin) / 2; /* zero channels before; the rest after */
    for (int i = j->i0; i < j->i1; i++) {
        if (j->backward) {
            for (int c = 0; c < j->cin; c++)
                upsample(j->out + ((size_t)i * j->cin + c) * pi,
                         j->in + ((size_t)i * j->cout + p + c) * po, h, w, s);
            continue;
        }
        real *yn = j->out + (size_t)i * j->cout * po; /* (cout, ho, wo) */
        memset(yn, 0, sizeof(real) * (size_t)j->cout * po);
        for (int c = 0; c < j->cin; c++)
            subsample(yn + (size_t)(p + c) * po, j->in + ((size_t)i * j->cin + c) * pi, h,
                      w, s);
    }
    return NULL;
}

/* The images in two fixed halves (fork.h; on two threads from 2^16 values
 * of the input): each image is written by one call alone, the same results
 * for any thread count. */
static void run_split(sc_job j, int n)
{
    sc_job half[2] = {j, j};
    half[0].i0 = 0, half[0].i1 = half[1].i0 = n / 2, half[1].i1 = n;
    nn_run_halves(run_images, &half[0], &half[1], (double)n * j.cin * j.h * j.w >= 65536);
}

void NN(nn_shortcut_pad_forward)(real *y, const real *x, int n, int cin, int h, int w,
                                 int cout, int s)
{
    run_split(
        (sc_job){.out = y, .in = x, .cin = cin, .h = h, .w = w, .cout = cout, .s = s}, n);
}

void NN(nn_shortcut_pad_backward)(real *dx, const real *dy, int n, int cin, int h, int w,
                                  int cout, int s)
{
    run_split((sc_job){.out = dx,
                       .in = dy,
                       .cin = cin,
                       .h = h,
                       .w = w,
                       .cout = cout,
                       .s = s,
                       .backward = 1},
              n);
}
