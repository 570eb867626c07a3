/*
 * layers.h - the layers: forward and backward as plain functions over
 * caller-owned buffers (no hidden allocation, no global state).
 *
 * Declares each function twice: for float (nn_xxx, used for training) and
 * for double (nn_xxx_f64, used by the finite-difference checks). The
 * declarations themselves are in layers_decl.h.
 */
#ifndef NN_LAYERS_H
#define NN_LAYERS_H

#include <stddef.h>
#include <stdint.h>

#include "golu.h"

/* Shapes shared by both precisions. */
typedef struct nn_conv2d_shape {
    int n, cin, h, w; /* input (N, Cin, H, W) */
    int cout, k;      /* weight (Cout, Cin, k, k) */
    int stride, pad;  /* zero padding on every side */
} nn_conv2d_shape;

/* Output height and width: (h + 2*pad - k) / stride + 1. */
int nn_conv2d_out_h(const nn_conv2d_shape *s);
int nn_conv2d_out_w(const nn_conv2d_shape *s);
/* Scratch for nn_conv2d_forward/backward, in elements. */
size_t nn_conv2d_workspace(const nn_conv2d_shape *s);
/* Scratch for nn_attention_forward/backward, in elements. */
size_t nn_attention_workspace(int t, int c, int nh);
/* 1 when act's derivative taken at its output y = f(x) instead of x gives
 * nn_act_backward the same bits for every x, so that a backward may read a
 * kept output instead of the input: ReLU, and LeakyReLU with alpha > 0
 * (y > 0 exactly where x > 0, y NaN where x is; alpha = 0 would make
 * f(-inf) = 0 * -inf a NaN). */
int nn_act_slope_from_output(const golu_act *act);

/* What a float convolution's forward calls for each image img of the
 * batch, on the thread that computed its output y (cout, ho, wo), right
 * after, while y is in cache (so that statistics of the output cost no
 * pass over memory). The images' calls may run on two threads at once. */
typedef struct nn_conv_then {
    void (*image)(void *ctx, int img, const float *y);
    void *ctx;
} nn_conv_then;

/* nn_conv2d_forward, then `then` on each image's output (NULL: nothing). */
void nn_conv2d_forward_then(float *y, const float *x, const float *w, const float *b,
                            const nn_conv2d_shape *s, float *work,
                            const nn_conv_then *then);

/* Where a float convolution's backward takes dy from when a caller makes it
 * as it is used instead of writing it out first (BatchNorm's data gradient,
 * say: no pass over memory to write it, none to read it back): images(ctx,
 * i0, n, dy) writes dy (n, cout, ho, wo) of the batch's images [i0, i0 + n),
 * on the thread that uses it, into the convolution's scratch. The calls may
 * run on two threads at once, on disjoint images. */
typedef struct nn_conv_dy_source {
    void (*images)(void *ctx, int i0, int n, float *dy);
    void *ctx;
} nn_conv_dy_source;

/* nn_conv2d_backward without a bias, with dy from dy_src and dx = the data
 * gradient + dx_add (n, cin, h, w) when dx_add is not NULL (a gradient that
 * reaches x by another path: a residual connection); dx and dw may each be
 * NULL, dx_add must not overlap dx. The same bits as nn_conv2d_backward on
 * the dy that dy_src makes, followed by dx += dx_add. Only for the shapes of
 * the direct 3x3 path (k 3, padding 1, stride 1 or 2): GOLU_ERR_SHAPE for
 * any other, and nothing written. */
golu_status nn_conv2d_backward_from(float *dx, float *dw, const nn_conv_dy_source *dy_src,
                                    const float *dx_add, const float *x, const float *w,
                                    const nn_conv2d_shape *s, float *work);

#define NN_LAYERS_DECL_PASS
#include "layers_decl.h" /* float: nn_xxx */
#define NN_F64_DECL
#include "layers_decl.h" /* double: nn_xxx_f64 */
#undef NN_F64_DECL
#undef NN_LAYERS_DECL_PASS

#endif
