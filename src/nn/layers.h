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

#define NN_LAYERS_DECL_PASS
#include "layers_decl.h" /* float: nn_xxx */
#define NN_F64_DECL
#include "layers_decl.h" /* double: nn_xxx_f64 */
#undef NN_F64_DECL
#undef NN_LAYERS_DECL_PASS

#endif
