/*
 * shortcut.c - ResNet's "option A" shortcut (He et al. 2016, CIFAR models):
 * subsample by the stride and zero-pad the channels, a parameter-free
 * identity map to a wider, smaller output.
 */
#include "fork.h"
#include "hot.h"
#include "real.h"
#include "layers.h"

#include <string.h>

/* y plane (ho, wo) = x plane (h, w) at rows and columns 0, s, 2s, ...
 * (NN_HOT: at stride 2 the row's gather vectorizes, with a constant
 * stride). next, when not NULL, is the plane read next: each row read
 * here prefetches its row there (the rows read are s apart, a pattern
 * the hardware's prefetchers did not follow: at stride 2 this loop took
 * twice the time without it). */
NN_HOT static void subsample(real *y, const real *x, const real *next, int h, int w,
                             int s)
{
    const int ho = (h - 1) / s + 1, wo = (w - 1) / s + 1;
    for (int i = 0; i < ho; i++) {
        const real *xr = x + (size_t)i * s * w;
        real *yr = y + (size_t)i * wo;
        if (next)
            for (size_t b = 0; b < sizeof(real) * (size_t)w; b += 64)
                __builtin_prefetch((const char *)(next + (size_t)i * s * w) + b);
        if (s == 2)
            for (int j = 0; j < wo; j++)
                yr[j] = xr[2 * j];
        else
            for (int j = 0; j < wo; j++)
                yr[j] = xr[(size_t)j * s];
    }
}

/* The adjoint: dx plane (h, w) = dy plane (ho, wo) spread back, 0 between:
 * row by row, each written once (the rows between, zeros; at stride 2 the
 * others as pairs (value, 0), which vectorize). */
NN_HOT static void upsample(real *dx, const real *dy, int h, int w, int s)
{
    const int wo = (w - 1) / s + 1;
    for (int r = 0; r < h; r++) {
        real *d = dx + (size_t)r * w;
        if (r % s) {
            memset(d, 0, sizeof(real) * (size_t)w);
            continue;
        }
        const real *t = dy + (size_t)(r / s) * wo;
        if (s == 2 && w == 2 * wo) {
            for (int j = 0; j < wo; j++) {
                d[2 * j] = t[j];
                d[2 * j + 1] = 0;
            }
            continue;
        }
        memset(d, 0, sizeof(real) * (size_t)w);
        for (int j = 0; j < wo; j++)
            d[(size_t)j * s] = t[j];
    }
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
        for (int c = 0; c < j->cin; c++) {
            const real *xc = j->in + ((size_t)i * j->cin + c) * pi;
            const int last = i == j->i1 - 1 && c == j->cin - 1;
            subsample(yn + (size_t)(p + c) * po, xc, last ? NULL : xc + pi, h, w, s);
        }
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
