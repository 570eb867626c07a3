/*
 * conv3x3.h - the 3x3 convolution (padding 1, stride 1 or 2) in float,
 * without a column matrix: what nn_conv2d_forward/backward run for that
 * shape instead of im2col and GEMMs (conv2d.c).
 *
 * Layout. Each input plane (h, w) is copied into a zero-bordered plane of
 * pitch P = w + 2 and h + 2 rows (at stride 1, h and w rounded up to even
 * first: whole Winograd tiles), so that tap (a, b) of output pixel (r, c)
 * is at (s*r + a)*P + s*c + b at stride s: no test for the border in the
 * loops. Winograd's input is that padded layout with the channels last,
 * made from the planes in one pass (to_lanes_padded). The outputs are
 * computed 16 output channels at a time, a vector, with the channels
 * padded with zeros to a multiple of 16, and the results, pixel-major, are
 * transposed back to planes.
 *
 *   forward:         y = w * x (channels cin -> cout). Stride 1 (from
 *                    NN_CONV3X3_WINO_MIN_CIN input channels) by
 *                    Winograd's F(2x2, 3x3) (Lavin and Gray, 2016): the
 *                    padded planes with the channels last, each tile of
 *                    2x2 outputs from its 4x4 window as 16 products of
 *                    transformed values (B' d B and G g G', each summed
 *                    over the input channels) and their transform back
 *                    (A' m A): 16 multiply-adds per tile and channel pair
 *                    instead of 36 (conv3x3_body.h, wino_over). Stride 2
 *                    directly: a value of x is broadcast and multiplies a
 *                    vector of weights (transposed to (cin, 9, channels)),
 *                    for a strip of pixels along a row
 *   backward data:   dx = w' * dy, w' the weights with cin and cout swapped
 *                    and the taps reversed: at stride 1 the forward's
 *                    loop on dy (Winograd from NN_CONV3X3_WINO_MIN_CIN
 *                    output channels); at stride 2 the direct loop in four
 *                    parity phases: the input pixels (2a + py, 2b + px)
 *                    meet only the taps of kernel row 1 (py 0) or rows 0
 *                    and 2 (py 1), columns likewise, so each phase is the
 *                    same loop with 1 or 2 by 1 or 2 taps over the padded
 *                    dy, and no multiply-add is wasted
 *   backward weight: at stride 1 from NN_CONV3X3_WINO_DW_MIN_CIN input
 *                    channels by Winograd: for each tile, the forward's
 *                    transformed input times the transformed gradient of
 *                    its outputs (A dY A'), summed over the slice's tiles
 *                    into 16 sums per channel pair, then G' sums G;
 *                    otherwise directly:
 *                    dw[co][ci][t] = sum over the batch's pixels of
 *                    dy[co][pixel] * x[ci][pixel + tap t], with dy
 *                    transposed so that 16 output channels are a vector
 *                    and x broadcast: one chain per weight and group of
 *                    images, the groups' sums added in order
 *
 * Bits. Every output is computed by operations in a fixed order (direct:
 * a chain of fused multiply-adds over input channel, then tap; Winograd:
 * the transforms' adds in a fixed order, a chain per product over the
 * input channels; dw: image, then pixel, a chain per group of images, the
 * groups added in order; Winograd's dw: a chain per sum over the slice's
 * images and tiles in order), the same on every instruction set
 * (conv3x3_avx512.c, _avx2.c, _generic.c: 16 lanes each, as one zmm, two
 * ymm or sixteen fmaf calls) and every thread count (the batch slices are
 * those of conv2d.c). The forward adds the bias after the sum. Winograd's
 * error is a few times the direct sum's (tests/nn/test_nn_conv3x3.c
 * checks each output against its bound).
 */
#ifndef NN_CONV3X3_H
#define NN_CONV3X3_H

#include <stddef.h>

#include "layers.h"

/* Stride 1 takes Winograd from this many input channels of the pass (the
 * forward's cin, the data gradient's cout); below, the 16 lanes of its
 * transforms carry mostly zeros (the stem's 3 channels ran 1.4x slower
 * than the direct loop), and the direct loop serves. */
#define NN_CONV3X3_WINO_MIN_CIN 8

/* The stride-1 weight gradient takes Winograd from this many input
 * channels: at 16 its transforms (of x and of dy, each a pass the direct
 * loop does not make) cost what its products save. */
#define NN_CONV3X3_WINO_DW_MIN_CIN 32

/* The most tiles the Winograd kernels hold at once (a band: its
 * transformed input and products stay in the L1 cache). */
#define NN_CONV3X3_WINO_BAND 16

/* One pass of conv_over: one image. h, w are the output's rows and
 * columns; stride is 1 or 2. phase_rows, phase_cols 0: the 3x3 window;
 * else a parity phase of the strided data gradient (below): 1 or 2 taps
 * along each axis, stride 1. */
typedef struct nn_conv3x3_fpass {
    const float *x; /* the image's padded planes, channel ci at ci*plane */
    size_t plane;
    const float *wt; /* (cin, taps, cvec*16): weights, output channels in the lanes */
    float *yt;       /* (h, w, cvec*16): the outputs, channels in the lanes */
    int cin, cvec, h, w, pitch, stride, phase_rows, phase_cols;
} nn_conv3x3_fpass;

/* One pass of the weight gradient over a group of images. h, w are dy's
 * (the output's) rows and columns; stride is 1 or 2. */
typedef struct nn_conv3x3_dwpass {
    const float *x; /* padded planes: image i, channel ci at i*ximg + ci*plane */
    size_t ximg, plane;
    const float *dyt; /* (nimg, h, w, cvec*16): dy, channels in the lanes (0-padded) */
    float *acc;       /* (cin, 9, cvec*16): the group's sums are added to it */
    int cin, cvec, h, w, pitch, stride, nimg;
} nn_conv3x3_dwpass;

/* One image of the stride-1 convolution by Winograd's F(2x2, 3x3): tiles of
 * 2x2 outputs, tr x tc of them (the output's rows and columns, rounded up
 * to even, halved). */
typedef struct nn_conv3x3_wpass {
    const float *xcl; /* (2tr + 2, pitch, cvi*16): the padded input, channels last */
    const float *u;   /* (16, cin, cvo*16): the transformed weights */
    float
        *v; /* (NN_CONV3X3_WINO_BAND, 16, cvi*16): scratch, a band's transformed input */
    float *m;  /* (NN_CONV3X3_WINO_BAND, 16, cvo*16): scratch, a band's products */
    float *yt; /* (ho, wo, cvo*16): the outputs, channels in the lanes */
    int cin, cvi, cvo, tr, tc, ho, wo, pitch;
} nn_conv3x3_wpass;

/* One image of the stride-1 weight gradient by Winograd (tiles as in
 * nn_conv3x3_wpass). */
typedef struct nn_conv3x3_wdwpass {
    nn_conv3x3_wpass in; /* the image: xcl, v, cin, cvi, cvo and the tiles (u, m, yt
                            unused) */
    const float *dyt;    /* (ho, wo, cvo*16): dy, channels in the lanes */
    float *d;  /* (NN_CONV3X3_WINO_BAND, 16, cvo*16): scratch, a band's transformed dy */
    float *du; /* (16, cin, cvo*16): the sums, added to */
} nn_conv3x3_wdwpass;

typedef struct nn_conv3x3_kernels {
    void (*conv_over)(const nn_conv3x3_fpass *p);
    void (*dw_over)(const nn_conv3x3_dwpass *p);
    void (*wino_over)(const nn_conv3x3_wpass *p);
    /* Winograd's u (16, cin, cpad) = G g G' of each kernel g of wt (cin, 9,
     * cpad) (cpad a multiple of 16). */
    void (*wino_weights)(float *u, const float *wt, int cin, size_t cpad);
    void (*wino_dw)(const nn_conv3x3_wdwpass *p);
    /* acc (cin, 9, cpad) = G' du G of each input channel's du (16, cin,
     * cpad): the weight gradient from Winograd's sums. */
    void (*wino_dw_g)(float *acc, const float *du, int cin, size_t cpad);
    /* dst (c, pix) = src (pix, cpad) with the channels first, + bias[ch]
     * when bias is not NULL, then + add (c, pix) when add is not NULL. */
    void (*to_planes)(float *dst, const float *src, int c, size_t pix, size_t cpad,
                      const float *bias, const float *add);
    /* dst (pix, cpad) = src (c, pix) with the channels last, 0 past c. */
    void (*to_lanes)(float *dst, const float *src, int c, size_t pix, size_t cpad);
    /* dst (rows, pitch, cpad) = src (c, h, w) with the channels last, 0 past
     * c, inside a zero border: plane pixel (r, col) at (r + 1, col + 1). */
    void (*to_lanes_padded)(float *dst, const float *src, int c, int h, int w, int pitch,
                            int rows, size_t cpad);
} nn_conv3x3_kernels;

extern const nn_conv3x3_kernels nn_conv3x3_generic;
#if defined(__x86_64__)
extern const nn_conv3x3_kernels nn_conv3x3_avx2, nn_conv3x3_avx512;
#endif

/* Whether the direct path computes shape s (k 3, stride 1 or 2, padding 1). */
int nn_conv3x3_applies(const nn_conv2d_shape *s);

/* Scratch for one batch slice, in floats. */
size_t nn_conv3x3_slice_workspace(const nn_conv2d_shape *s);

/* y (n, cout, ho, wo) for images [n0, n1) of x; b may be NULL; then (NULL:
 * nothing) is called on each image's output once it is written. */
void nn_conv3x3_forward(float *y, const float *x, const float *w, const float *b,
                        const nn_conv2d_shape *s, int n0, int n1, float *work,
                        const nn_conv_then *then);

/* For images [n0, n1): dx written (NULL: skipped), dx_add (NULL: nothing)
 * added to it; dw (NULL: skipped) gets the slice's sum, written when
 * dw_fresh, else added. dy is read from dy, or when dy_src is not NULL
 * made by it a group of images at a time (into the slice's scratch). */
void nn_conv3x3_backward(float *dx, float *dw, int dw_fresh, const float *dy,
                         const nn_conv_dy_source *dy_src, const float *dx_add,
                         const float *x, const float *w, const nn_conv2d_shape *s, int n0,
                         int n1, float *work);

/* Tests: run the kernels of isa (GOLU_ISA_AVX512, GOLU_ISA_AVX2, or
 * GOLU_ISA_SCALAR for the generic ones; GOLU_ISA_AUTO: the best this CPU
 * has). Returns 0, or -1 (nothing changed) for an ISA without kernels here
 * or that the CPU lacks. Not while convolutions run on other threads. */
int nn_conv3x3_use(golu_isa isa);

/* The kernels in use. */
golu_isa nn_conv3x3_isa(void);

#endif
