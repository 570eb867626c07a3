/*
 * conv3x3.c - the direct 3x3 convolution's driver (conv3x3.h): the padded
 * planes, the weights and dy with the channels last, the outputs back to
 * planes, the kernels of the CPU (picked once).
 */
#include "conv3x3.h"

#include <pthread.h>
#include <string.h>

/* Pixels a group of images should have for the weight gradient's chains
 * (a chain per weight and group), and the most floats the group's padded
 * planes should take (to stay in a core's L2). */
#define CV_GROUP_PIXELS 1024
#define CV_GROUP_FLOATS (1 << 17)

/* Whether a pass of stride st over cin input channels takes Winograd. */
static int use_wino(int st, int cin)
{
    return st == 1 && cin >= NN_CONV3X3_WINO_MIN_CIN;
}

/* ------------------------------------------------------------ kernels --- */

/* The kernel set in use, picked once (the best this CPU runs), changed only
 * by nn_conv3x3_use. */
static golu_isa kern_isa;
static pthread_once_t kern_once = PTHREAD_ONCE_INIT;

/* The kernels of isa (GOLU_ISA_SCALAR: the generic ones), NULL for an ISA
 * without kernels here or that this CPU lacks (libgolu's detection). */
static const nn_conv3x3_kernels *kernels_of(golu_isa isa)
{
    if (isa == GOLU_ISA_SCALAR)
        return &nn_conv3x3_generic;
#if defined(__x86_64__)
    if (isa == GOLU_ISA_AVX512 && golu_isa_supported(isa))
        return &nn_conv3x3_avx512;
    if (isa == GOLU_ISA_AVX2 && golu_isa_supported(isa))
        return &nn_conv3x3_avx2;
#endif
    return NULL;
}

static void pick_best(void)
{
    kern_isa = kernels_of(GOLU_ISA_AVX512) ? GOLU_ISA_AVX512
               : kernels_of(GOLU_ISA_AVX2) ? GOLU_ISA_AVX2
                                           : GOLU_ISA_SCALAR;
}

static const nn_conv3x3_kernels *kernels(void)
{
    pthread_once(&kern_once, pick_best);
    return kernels_of(kern_isa);
}

int nn_conv3x3_use(golu_isa isa)
{
    pthread_once(&kern_once, pick_best);
    if (isa == GOLU_ISA_AUTO) {
        pick_best();
        return 0;
    }
    if (!kernels_of(isa))
        return -1;
    kern_isa = isa;
    return 0;
}

golu_isa nn_conv3x3_isa(void)
{
    pthread_once(&kern_once, pick_best);
    return kern_isa;
}

/* ----------------------------------------------------------- geometry --- */

typedef struct geom {
    int h, w, pitch; /* the input's; pitch = w + 2 (stride 1: w rounded up to
                        even, + 2: whole Winograd tiles) */
    int ho, wo;      /* the output's (h, w at stride 1) */
    size_t plane;    /* a padded plane: (h + 2) rows (stride 1: h rounded up to
                        even, + 2), rounded up to 16 floats */
    int g;           /* images per group */
} geom;

/* A zero-bordered plane of h rows and pitch p: (h + 2) rows, rounded up to
 * 16 floats. */
static size_t padded_plane(int h, int p)
{
    return ((size_t)(h + 2) * p + 15) & ~(size_t)15;
}

/* n rounded up to even. */
static int even(int n)
{
    return n + (n & 1);
}

static geom geometry(const nn_conv2d_shape *s)
{
    geom g;
    const int one = s->stride == 1;
    g.h = s->h, g.w = s->w, g.pitch = (one ? even(s->w) : s->w) + 2;
    g.ho = nn_conv2d_out_h(s), g.wo = nn_conv2d_out_w(s);
    g.plane = padded_plane(one ? even(g.h) : g.h, g.pitch);
    size_t pixels = (size_t)g.ho * g.wo, per_image = (size_t)(s->cin + s->cout) * g.plane;
    size_t want = (CV_GROUP_PIXELS + pixels - 1) / pixels;
    size_t fit = CV_GROUP_FLOATS / per_image;
    size_t n = want < fit ? want : fit;
    if (n > (size_t)s->n)
        n = (size_t)s->n;
    g.g = n < 1 ? 1 : (int)n;
    return g;
}

int nn_conv3x3_applies(const nn_conv2d_shape *s)
{
    return s->k == 3 && (s->stride == 1 || s->stride == 2) && s->pad == 1 && s->h >= 1 &&
           s->w >= 1 && s->cin >= 1 && s->cout >= 1;
}

/* Output channels rounded up to whole vectors of 16 (dw's lanes). */
static size_t channel_pad(int cout)
{
    return ((size_t)cout + 15) / 16 * 16;
}

static size_t max_z(size_t a, size_t b)
{
    return a > b ? a : b;
}

/* The slice's scratch, in order: padded x (g, cin), padded dy (g, cout),
 * outputs with the channels last (one image, cpad of the wider side), dy
 * with the channels last (g, ho, wo, cpad(cout)), dw's sums
 * (cin, 9, cpad(cout)), the transposed weights (the larger of the forward's
 * and the backward's), a group's dy made by a dy source (g, cout, ho, wo);
 * at stride 1, Winograd's (wino_sizes): one image's padded input with the
 * channels last, its transformed input and products (or transformed dy),
 * the transformed weights, and the weight gradient's sums. */
typedef struct scratch {
    float *xp, *dyp, *yt, *dyt, *acc, *wt, *dys;
    float *xcl, *wv, *wm, *wu, *wdu;
} scratch;

/* Winograd's scratch at stride 1 (0 at stride 2), each sized for the wider
 * side (the forward's and the data gradient's channels swap). */
typedef struct wino_sizes {
    size_t xcl, v, m, u, du;
} wino_sizes;

/* Tiles of 2x2 outputs a band holds (stride 1: the output is the input's
 * size). */
static size_t wino_band_tiles(const geom *g)
{
    const size_t tiles = (size_t)((g->ho + 1) / 2) * (size_t)((g->wo + 1) / 2);
    return tiles < NN_CONV3X3_WINO_BAND ? tiles : NN_CONV3X3_WINO_BAND;
}

static wino_sizes wino_sizes_of(const nn_conv2d_shape *s, const geom *g)
{
    wino_sizes z = {0, 0, 0, 0, 0};
    if (s->stride != 1)
        return z;
    const size_t cmax = max_z(channel_pad(s->cin), channel_pad(s->cout));
    z.xcl = g->plane * cmax;
    z.v = z.m = 16 * wino_band_tiles(g) * cmax;
    z.u = 16 * max_z((size_t)s->cin, (size_t)s->cout) * cmax;
    z.du = 16 * (size_t)s->cin * channel_pad(s->cout);
    return z;
}

static scratch carve(const nn_conv2d_shape *s, const geom *g, float *work)
{
    scratch r;
    const size_t pix = (size_t)g->ho * g->wo;
    const size_t cpo = channel_pad(s->cout), cpi = channel_pad(s->cin);
    r.xp = work;
    r.dyp = r.xp + (size_t)g->g * s->cin * g->plane;
    r.yt = r.dyp + (size_t)g->g * s->cout * g->plane;
    r.dyt = r.yt + pix * max_z(cpo, cpi);
    r.acc = r.dyt + (size_t)g->g * pix * cpo;
    r.wt = r.acc + (size_t)s->cin * 9 * cpo;
    r.dys = r.wt + max_z((size_t)s->cin * 9 * cpo, (size_t)s->cout * 9 * cpi);
    const wino_sizes z = wino_sizes_of(s, g);
    r.xcl = r.dys + (size_t)g->g * s->cout * pix;
    r.wv = r.xcl + z.xcl;
    r.wm = r.wv + z.v;
    r.wu = r.wm + z.m;
    r.wdu = r.wu + z.u;
    return r;
}

size_t nn_conv3x3_slice_workspace(const nn_conv2d_shape *s)
{
    geom g = geometry(s);
    const size_t pix = (size_t)g.ho * g.wo;
    const size_t cpo = channel_pad(s->cout), cpi = channel_pad(s->cin);
    const wino_sizes z = wino_sizes_of(s, &g);
    return (size_t)g.g * (s->cin + s->cout) * g.plane + pix * max_z(cpo, cpi) +
           (size_t)g.g * pix * cpo + (size_t)s->cin * 9 * cpo +
           max_z((size_t)s->cin * 9 * cpo, (size_t)s->cout * 9 * cpi) +
           (size_t)g.g * s->cout * pix + z.xcl + z.v + z.m + z.u + z.du;
}

/* ------------------------------------------------------ planes in, out --- */

/* A row of w values, 8 at a time by fixed-size copies (one vector move
 * each): a memcpy call per row (32 floats at the ResNet's first stage, 8
 * at its last) cost more than the copy, and GCC turns a plain copy loop
 * back into that call. */
static void copy_row(float *restrict d, const float *restrict x, int w)
{
    int c = 0;
    for (; c + 8 <= w; c += 8)
        memcpy(d + c, x + c, 8 * sizeof(float));
    for (; c < w; c++)
        d[c] = x[c];
}

/* d[0 .. n) = 0 by fixed-size stores of 8 floats, the last one overlapping
 * (a memset call per border, two per plane, cost 1 % of a ResNet step). */
static void zero_floats(float *d, size_t n)
{
    if (n < 8) {
        memset(d, 0, sizeof(float) * n);
        return;
    }
    for (size_t c = 0; c + 8 <= n; c += 8)
        memset(d + c, 0, 8 * sizeof(float));
    memset(d + n - 8, 0, 8 * sizeof(float));
}

/* nplanes planes (h, w) of src into padded planes of dst (stride g->plane):
 * the border and the tail zero. */
static void pad_planes(float *dst, const float *src, size_t nplanes, const geom *g)
{
    const int h = g->h, w = g->w, p = g->pitch;
    for (size_t k = 0; k < nplanes; k++) {
        float *d = dst + k * g->plane;
        const float *x = src + k * (size_t)h * w;
        zero_floats(d, (size_t)p + 1);
        for (int r = 0; r < h; r++) {
            float *row = d + (size_t)(r + 1) * p + 1;
            copy_row(row, x + (size_t)r * w, w);
            /* this row's right border (one column, or two where the pitch
             * rounds w up to even), then the next row's left border: stores
             * written out (GCC made a loop of them a memset call per row) */
            row[w] = 0;
            row[w + 1] = 0;
            if (p - w > 2)
                row[w + 2] = 0;
        }
        size_t tail = (size_t)(h + 1) * p + 1;
        zero_floats(d + tail, g->plane - tail);
    }
}

/* wt (cin, 9, cpad) = w (cout, cin, 9) with the output channels last, zero
 * past cout. */
static void transpose_weights(float *wt, const float *w, int cout, int cin, size_t cpad)
{
    for (int ci = 0; ci < cin; ci++)
        for (int t = 0; t < 9; t++) {
            float *d = wt + ((size_t)ci * 9 + t) * cpad;
            for (int co = 0; co < cout; co++)
                d[co] = w[((size_t)co * cin + ci) * 9 + t];
            for (size_t co = (size_t)cout; co < cpad; co++)
                d[co] = 0;
        }
}

/* wt (cout, 9, cpad) for dx: wt[co][t][ci] = w[co][ci][8 - t], the input
 * channels last and zero past cin (the weights with cin and cout swapped
 * and the taps reversed). */
static void transpose_weights_swapped(float *wt, const float *w, int cout, int cin,
                                      size_t cpad)
{
    for (int co = 0; co < cout; co++)
        for (int t = 0; t < 9; t++) {
            float *d = wt + ((size_t)co * 9 + t) * cpad;
            for (int ci = 0; ci < cin; ci++)
                d[ci] = w[((size_t)co * cin + ci) * 9 + 8 - t];
            for (size_t ci = (size_t)cin; ci < cpad; ci++)
                d[ci] = 0;
        }
}

/* Taps of a parity phase along an axis: 1 (kernel index 1) for the even
 * input positions, 2 (kernel indices 0 then 2) for the odd ones. */
static int phase_taps(int parity)
{
    return parity ? 2 : 1;
}

/* Kernel index of tap i of a phase of parity par (conv3x3_body.h's
 * tap_offset reads the matching dy: 0 -> dy row a + 1, 2 -> a). */
static int phase_kernel_index(int parity, int i)
{
    return parity ? 2 * i : 1;
}

/* wt for the strided data gradient: the phases (py, px) in the order
 * (0,0), (0,1), (1,0), (1,1), each (cout, taps, cpad) with wt[co][t][ci]
 * = w[co][ci][ky][kx] of its taps t = a*ntb + b, zero past cin. */
static void phase_weights(float *wt, const float *w, int cout, int cin, size_t cpad)
{
    for (int py = 0; py < 2; py++)
        for (int px = 0; px < 2; px++) {
            const int nta = phase_taps(py), ntb = phase_taps(px);
            for (int co = 0; co < cout; co++)
                for (int a = 0; a < nta; a++)
                    for (int b = 0; b < ntb; b++) {
                        const int t =
                            phase_kernel_index(py, a) * 3 + phase_kernel_index(px, b);
                        float *d =
                            wt + ((size_t)co * nta * ntb + (size_t)(a * ntb + b)) * cpad;
                        for (int ci = 0; ci < cin; ci++)
                            d[ci] = w[((size_t)co * cin + ci) * 9 + t];
                        for (size_t ci = (size_t)cin; ci < cpad; ci++)
                            d[ci] = 0;
                    }
            wt += (size_t)cout * nta * ntb * cpad;
        }
}

/* The padded planes of dy (the output's size) for the strided data
 * gradient. */
static geom dy_geometry(const geom *g)
{
    geom d = *g;
    d.h = g->ho, d.w = g->wo, d.pitch = g->wo + 2;
    d.plane = padded_plane(d.h, d.pitch);
    return d;
}

/* One image's dx (cin, h, w) at stride 2 from its padded dy planes: each
 * parity phase's pixels through yt, then into their places in dx, plus add
 * (the image's (cin, h, w)) when not NULL. */
static void strided_dx_image(const nn_conv3x3_kernels *k, float *dx, const float *add,
                             const float *dyp, const float *wt, int cout, int cin,
                             const geom *g, const geom *gd, float *yt)
{
    const size_t cpad = channel_pad(cin);
    for (int py = 0; py < 2; py++)
        for (int px = 0; px < 2; px++) {
            const int nta = phase_taps(py), ntb = phase_taps(px);
            const int hp = (g->h - py + 1) / 2, wp = (g->w - px + 1) / 2;
            if (hp > 0 && wp > 0) {
                nn_conv3x3_fpass p = {.x = dyp,
                                      .plane = gd->plane,
                                      .wt = wt,
                                      .yt = yt,
                                      .cin = cout,
                                      .cvec = (int)(cpad / 16),
                                      .h = hp,
                                      .w = wp,
                                      .pitch = gd->pitch,
                                      .stride = 1,
                                      .phase_rows = nta,
                                      .phase_cols = ntb};
                k->conv_over(&p);
                for (int ci = 0; ci < cin; ci++)
                    for (int a = 0; a < hp; a++)
                        for (int b = 0; b < wp; b++) {
                            const size_t at =
                                ((size_t)ci * g->h + 2 * a + py) * g->w + 2 * b + px;
                            const float v = yt[((size_t)a * wp + b) * cpad + ci];
                            dx[at] = add ? v + add[at] : v;
                        }
            }
            wt += (size_t)cout * nta * ntb * cpad;
        }
}

/* ---------------------------------------------------------- the passes --- */

/* sc->xcl = one image's planes x (cin, h, w) padded, the channels last:
 * Winograd's input (rows h rounded up to even, + 2). */
static void wino_input(const nn_conv3x3_kernels *k, const float *x, int cin,
                       const geom *g, const scratch *sc)
{
    k->to_lanes_padded(sc->xcl, x, cin, g->h, g->w, g->pitch, even(g->h) + 2,
                       channel_pad(cin));
}

/* A Winograd pass of one image, cin -> cout, over sc's scratch (the
 * forward's; the weight gradient takes xcl, v and the tiles). */
static nn_conv3x3_wpass wino_pass(int cin, int cout, const geom *g, const scratch *sc)
{
    return (nn_conv3x3_wpass){.xcl = sc->xcl,
                              .u = sc->wu,
                              .v = sc->wv,
                              .m = sc->wm,
                              .yt = sc->yt,
                              .cin = cin,
                              .cvi = (int)(channel_pad(cin) / 16),
                              .cvo = (int)(channel_pad(cout) / 16),
                              .tr = (g->ho + 1) / 2,
                              .tc = (g->wo + 1) / 2,
                              .ho = g->ho,
                              .wo = g->wo,
                              .pitch = g->pitch};
}

/* One image's outputs (ho, wo, cpad(cout)) in sc->yt by Winograd from its
 * planes x (cin, h, w), with sc->wu transformed for cin -> cout. */
static void wino_image(const nn_conv3x3_kernels *k, const float *x, int cin, int cout,
                       const geom *g, const scratch *sc)
{
    wino_input(k, x, cin, g, sc);
    const nn_conv3x3_wpass p = wino_pass(cin, cout, g, sc);
    k->wino_over(&p);
}

/* out (nimg, cout, ho*wo) = the convolution at stride st of the images in,
 * plus bias, then plus add (nimg, cout, ho*wo), each when given: image by
 * image through sc->yt, then->image called on each (the batch's image
 * i0 + i) when then is not NULL. By Winograd with sc->wu where use_wino,
 * in then the planes as they are (nimg, cin, h, w); else directly with
 * sc->wt (cin, 9, cpad), in then padded planes (nimg, cin, plane). */
static void conv_images(const nn_conv3x3_kernels *k, float *out, const float *in,
                        const float *bias, const float *add, int nimg, int cin, int cout,
                        const geom *g, int st, const scratch *sc, int i0,
                        const nn_conv_then *then)
{
    const size_t pix = (size_t)g->ho * g->wo, cpad = channel_pad(cout);
    for (int i = 0; i < nimg; i++) {
        if (use_wino(st, cin)) {
            wino_image(k, in + (size_t)i * cin * g->h * g->w, cin, cout, g, sc);
        } else {
            nn_conv3x3_fpass p = {.x = in + (size_t)i * cin * g->plane,
                                  .plane = g->plane,
                                  .wt = sc->wt,
                                  .yt = sc->yt,
                                  .cin = cin,
                                  .cvec = (int)(cpad / 16),
                                  .h = g->ho,
                                  .w = g->wo,
                                  .pitch = g->pitch,
                                  .stride = st};
            k->conv_over(&p);
        }
        k->to_planes(out + (size_t)i * cout * pix, sc->yt, cout, pix, cpad, bias,
                     add ? add + (size_t)i * cout * pix : NULL);
        if (then)
            then->image(then->ctx, i0 + i, out + (size_t)i * cout * pix);
    }
}

void nn_conv3x3_forward(float *y, const float *x, const float *w, const float *b,
                        const nn_conv2d_shape *s, int n0, int n1, float *work,
                        const nn_conv_then *then)
{
    const nn_conv3x3_kernels *k = kernels();
    const geom g = geometry(s);
    const scratch sc = carve(s, &g, work);
    const size_t ximg = (size_t)s->cin * s->h * s->w,
                 yimg = (size_t)s->cout * g.ho * g.wo;
    transpose_weights(sc.wt, w, s->cout, s->cin, channel_pad(s->cout));
    if (use_wino(s->stride, s->cin))
        k->wino_weights(sc.wu, sc.wt, s->cin, channel_pad(s->cout));
    for (int i0 = n0; i0 < n1; i0 += g.g) {
        int ng = n1 - i0 < g.g ? n1 - i0 : g.g;
        const float *in = x + i0 * ximg; /* Winograd pads as it transposes */
        if (!use_wino(s->stride, s->cin)) {
            pad_planes(sc.xp, in, (size_t)ng * s->cin, &g);
            in = sc.xp;
        }
        conv_images(k, y + i0 * yimg, in, b, NULL, ng, s->cin, s->cout, &g, s->stride,
                    &sc, i0, then);
    }
}

/* The weight gradient's Winograd sums sc->wdu += those of the group's
 * nimg images: their planes x (nimg, cin, h, w), their dy with the channels
 * last in sc->dyt (nimg, ho*wo, cpad(cout)). */
static void wino_dw_images(const nn_conv3x3_kernels *k, const float *x, int nimg, int cin,
                           int cout, const geom *g, const scratch *sc)
{
    const size_t cpo = channel_pad(cout);
    for (int i = 0; i < nimg; i++) {
        wino_input(k, x + (size_t)i * cin * g->h * g->w, cin, g, sc);
        const nn_conv3x3_wdwpass p = {.in = wino_pass(cin, cout, g, sc),
                                      .dyt = sc->dyt + (size_t)i * g->ho * g->wo * cpo,
                                      .d = sc->wm,
                                      .du = sc->wdu};
        k->wino_dw(&p);
    }
}

/* dw (cout, cin, 9) = (or +=) acc (cin, 9, cpad). */
static void store_dw(float *dw, const float *acc, int cin, int cout, size_t cpad,
                     int fresh)
{
    for (int co = 0; co < cout; co++)
        for (int ci = 0; ci < cin; ci++)
            for (int t = 0; t < 9; t++) {
                float v = acc[((size_t)ci * 9 + t) * cpad + co];
                float *d = dw + ((size_t)co * cin + ci) * 9 + t;
                *d = fresh ? v : *d + v;
            }
}

void nn_conv3x3_backward(float *dx, float *dw, int dw_fresh, const float *dy,
                         const nn_conv_dy_source *dy_src, const float *dx_add,
                         const float *x, const float *w, const nn_conv2d_shape *s, int n0,
                         int n1, float *work)
{
    const nn_conv3x3_kernels *k = kernels();
    const geom g = geometry(s);
    const scratch sc = carve(s, &g, work);
    const size_t ximg = (size_t)s->cin * s->h * s->w,
                 yimg = (size_t)s->cout * g.ho * g.wo;
    const size_t hw = (size_t)g.ho * g.wo, cpad = channel_pad(s->cout);
    const int wino_w = dw && s->stride == 1 && s->cin >= NN_CONV3X3_WINO_DW_MIN_CIN;
    if (wino_w) /* the sums (acc is written from them at the end) */
        memset(sc.wdu, 0, sizeof(float) * 16 * (size_t)s->cin * cpad);
    else if (dw)
        memset(sc.acc, 0, sizeof(float) * (size_t)s->cin * 9 * cpad);
    if (dx && s->stride == 1) { /* (cout, 9, cpad(cin)): dx is the forward on dy */
        transpose_weights_swapped(sc.wt, w, s->cout, s->cin, channel_pad(s->cin));
        if (use_wino(1, s->cout))
            k->wino_weights(sc.wu, sc.wt, s->cout, channel_pad(s->cin));
    } else if (dx) /* the four phases' (cout, taps, cpad(cin)), 9 taps in all */
        phase_weights(sc.wt, w, s->cout, s->cin, channel_pad(s->cin));
    for (int i0 = n0; i0 < n1; i0 += g.g) {
        int ng = n1 - i0 < g.g ? n1 - i0 : g.g;
        const float *dyg = dy_src ? sc.dys : dy + i0 * yimg; /* the group's dy */
        const float *addg = dx_add ? dx_add + i0 * ximg : NULL;
        if (dy_src)
            dy_src->images(dy_src->ctx, i0, ng, sc.dys);
        if (dw) {
            for (int i = 0; i < ng; i++) /* dy with the channels last */
                k->to_lanes(sc.dyt + (size_t)i * hw * cpad, dyg + (size_t)i * yimg,
                            s->cout, hw, cpad);
            if (wino_w)
                wino_dw_images(k, x + i0 * ximg, ng, s->cin, s->cout, &g, &sc);
            else {
                pad_planes(sc.xp, x + i0 * ximg, (size_t)ng * s->cin, &g);
                nn_conv3x3_dwpass p = {.x = sc.xp,
                                       .ximg = (size_t)s->cin * g.plane,
                                       .plane = g.plane,
                                       .dyt = sc.dyt,
                                       .acc = sc.acc,
                                       .cin = s->cin,
                                       .cvec = (int)(cpad / 16),
                                       .h = g.ho,
                                       .w = g.wo,
                                       .pitch = g.pitch,
                                       .stride = s->stride,
                                       .nimg = ng};
                k->dw_over(&p);
            }
        }
        if (dx && s->stride == 1) {
            const float *in = dyg; /* Winograd pads as it transposes */
            if (!use_wino(1, s->cout)) {
                pad_planes(sc.dyp, dyg, (size_t)ng * s->cout, &g);
                in = sc.dyp;
            }
            conv_images(k, dx + i0 * ximg, in, NULL, addg, ng, s->cout, s->cin, &g, 1,
                        &sc, i0, NULL);
        } else if (dx) {
            const geom gd = dy_geometry(&g);
            pad_planes(sc.dyp, dyg, (size_t)ng * s->cout, &gd);
            for (int i = 0; i < ng; i++)
                strided_dx_image(k, dx + (i0 + i) * ximg, addg ? addg + i * ximg : NULL,
                                 sc.dyp + (size_t)i * s->cout * gd.plane, sc.wt, s->cout,
                                 s->cin, &g, &gd, sc.yt);
        }
    }
    if (wino_w) /* the sums to the 3x3 kernels' (cin, 9, cpad) */
        k->wino_dw_g(sc.acc, sc.wdu, s->cin, cpad);
    if (dw)
        store_dw(dw, sc.acc, s->cin, s->cout, cpad, dw_fresh);
}
