/*
 * conv3x3.c - the direct 3x3 convolution's driver (conv3x3.h): the padded
 * planes, the lists of positions, dy transposed for the weight gradient,
 * the kernels of the CPU (picked once).
 */
#include "conv3x3.h"

#include <pthread.h>
#include <string.h>

/* Positions per kernel pass (the lists live on the stack). */
#define CV_POS_CHUNK 192
/* Positions (vectors of 16 outputs) a group of images should give a pass,
 * so that a block's setup is spread over enough work, and the most floats
 * the group's padded planes should take (to stay in a core's L2). */
#define CV_GROUP_POS    64
#define CV_GROUP_FLOATS (1 << 17)

/* ------------------------------------------------------------ kernels --- */

static const nn_conv3x3_kernels *kern;
static const char *kern_name;
static pthread_once_t kern_once = PTHREAD_ONCE_INIT;

static int pick(const char *isa)
{
#if defined(__x86_64__)
    __builtin_cpu_init();
    int avx512 = __builtin_cpu_supports("avx512f");
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if ((!isa && avx512) || (isa && !strcmp(isa, "avx512"))) {
        if (!avx512)
            return -1;
        kern = &nn_conv3x3_avx512, kern_name = "avx512";
        return 0;
    }
    if ((!isa && avx2) || (isa && !strcmp(isa, "avx2"))) {
        if (!avx2)
            return -1;
        kern = &nn_conv3x3_avx2, kern_name = "avx2";
        return 0;
    }
#endif
    if (isa && strcmp(isa, "generic"))
        return -1;
    kern = &nn_conv3x3_generic, kern_name = "generic";
    return 0;
}

static void pick_best(void)
{
    pick(NULL);
}

static const nn_conv3x3_kernels *kernels(void)
{
    pthread_once(&kern_once, pick_best);
    return kern;
}

int nn_conv3x3_use(const char *isa)
{
    pthread_once(&kern_once, pick_best);
    const nn_conv3x3_kernels *k = kern;
    const char *name = kern_name;
    if (pick(isa) == 0)
        return 0;
    kern = k, kern_name = name;
    return -1;
}

const char *nn_conv3x3_isa(void)
{
    pthread_once(&kern_once, pick_best);
    return kern_name;
}

/* ----------------------------------------------------------- geometry --- */

typedef struct geom {
    int h, w, pitch; /* pitch = w + 2 */
    size_t plane;    /* a padded plane: (h + 2) rows and the tail, rounded to 16 */
    int nq;          /* vectors of 16 outputs per image: ceil(h*pitch / 16) */
    size_t qplane;   /* an output plane at pitch: nq*16 */
    int g;           /* images per group */
} geom;

static geom geometry(const nn_conv2d_shape *s)
{
    geom g;
    g.h = s->h, g.w = s->w, g.pitch = s->w + 2;
    /* The last vector of outputs starts below h*pitch and reads up to 2
     * rows and 2 columns further, 15 lanes on: (h + 2)*pitch + 18 covers it. */
    g.plane = ((size_t)(g.h + 2) * g.pitch + 18 + 15) & ~(size_t)15;
    g.nq = (int)(((size_t)g.h * g.pitch + 15) / 16);
    g.qplane = (size_t)g.nq * 16;
    size_t per_image = (size_t)(s->cin + s->cout) * g.plane;
    size_t want = (CV_GROUP_POS + (size_t)g.nq - 1) / (size_t)g.nq;
    size_t fit = CV_GROUP_FLOATS / per_image;
    size_t n = want < fit ? want : fit;
    if (n > (size_t)s->n)
        n = (size_t)s->n;
    g.g = n < 1 ? 1 : (int)n;
    return g;
}

int nn_conv3x3_applies(const nn_conv2d_shape *s)
{
    return s->k == 3 && s->stride == 1 && s->pad == 1 && s->h >= 1 && s->w >= 1 &&
           s->cin >= 1 && s->cout >= 1;
}

/* Output channels rounded up to whole vectors of 16 (dw's lanes). */
static size_t channel_pad(int cout)
{
    return ((size_t)cout + 15) / 16 * 16;
}

/* The slice's scratch, in order: padded x (g, cin), padded dy (g, cout),
 * outputs at pitch (g, max(cin, cout)), dy with channels in the lanes
 * (g, h, w, cpad), dw's sums (cin, 9, cpad), the swapped weights
 * (cin, cout, 9). */
typedef struct scratch {
    float *xp, *dyp, *outq, *dyt, *acc, *wswap;
} scratch;

static scratch carve(const nn_conv2d_shape *s, const geom *g, float *work)
{
    scratch r;
    size_t cmax = (size_t)(s->cin > s->cout ? s->cin : s->cout),
           cpad = channel_pad(s->cout);
    r.xp = work;
    r.dyp = r.xp + (size_t)g->g * s->cin * g->plane;
    r.outq = r.dyp + (size_t)g->g * s->cout * g->plane;
    r.dyt = r.outq + (size_t)g->g * cmax * g->qplane;
    r.acc = r.dyt + (size_t)g->g * g->h * g->w * cpad;
    r.wswap = r.acc + (size_t)s->cin * 9 * cpad;
    return r;
}

size_t nn_conv3x3_slice_workspace(const nn_conv2d_shape *s)
{
    geom g = geometry(s);
    size_t cmax = (size_t)(s->cin > s->cout ? s->cin : s->cout),
           cpad = channel_pad(s->cout);
    return (size_t)g.g * (s->cin + s->cout) * g.plane + (size_t)g.g * cmax * g.qplane +
           (size_t)g.g * g.h * g.w * cpad + (size_t)s->cin * 9 * cpad +
           (size_t)s->cout * s->cin * 9;
}

/* ------------------------------------------------------ planes in, out --- */

/* nplanes planes (h, w) of src into padded planes of dst (stride g->plane):
 * the border and the tail zero. */
static void pad_planes(float *dst, const float *src, size_t nplanes, const geom *g)
{
    const int h = g->h, w = g->w, p = g->pitch;
    for (size_t k = 0; k < nplanes; k++) {
        float *d = dst + k * g->plane;
        const float *x = src + k * (size_t)h * w;
        memset(d, 0, sizeof(float) * (size_t)(p + 1));
        for (int r = 0; r < h; r++) {
            float *row = d + (size_t)(r + 1) * p + 1;
            memcpy(row, x + (size_t)r * w, sizeof(float) * (size_t)w);
            row[w] = 0;     /* this row's right border */
            row[w + 1] = 0; /* the next row's left border */
        }
        size_t tail = (size_t)(h + 1) * p + 1;
        memset(d + tail, 0, sizeof(float) * (g->plane - tail));
    }
}

/* nplanes planes at pitch (stride g->qplane) of src into dst (h, w),
 * plus bias[plane mod nbias] when bias is given. */
static void unpad_planes(float *dst, const float *src, size_t nplanes, const geom *g,
                         const float *bias, int nbias)
{
    const int h = g->h, w = g->w, p = g->pitch;
    for (size_t k = 0; k < nplanes; k++) {
        const float *q = src + k * g->qplane;
        float *y = dst + k * (size_t)h * w;
        if (!bias) {
            for (int r = 0; r < h; r++)
                memcpy(y + (size_t)r * w, q + (size_t)r * p, sizeof(float) * (size_t)w);
            continue;
        }
        const float b = bias[k % (size_t)nbias];
        for (int r = 0; r < h; r++)
            for (int c = 0; c < w; c++)
                y[(size_t)r * w + c] = q[(size_t)r * p + c] + b;
    }
}

/* ---------------------------------------------------------- the passes --- */

/*
 * Runs kernel fn over the positions of a group of ng images, in chunks:
 * image i's vector v is at in_img*i + in_at + 16v in the input and
 * out_img*i + out_at + 16v in the output (or dy).
 */
static void over_group(void (*fn)(const nn_conv3x3_pass *), nn_conv3x3_pass p, int ng,
                       int nq, size_t in_img, size_t out_img, size_t out_at)
{
    size_t ib[CV_POS_CHUNK], ob[CV_POS_CHUNK];
    int k = 0;
    p.ib = ib, p.ob = ob;
    for (int i = 0; i < ng; i++)
        for (int v = 0; v < nq; v++) {
            ib[k] = in_img * i + (size_t)v * 16;
            ob[k] = out_img * i + out_at + (size_t)v * 16;
            if (++k == CV_POS_CHUNK) {
                p.npos = k;
                fn(&p);
                k = 0;
            }
        }
    if (k) {
        p.npos = k;
        fn(&p);
    }
}

void nn_conv3x3_forward(float *y, const float *x, const float *w, const float *b,
                        const nn_conv2d_shape *s, int n0, int n1, float *work)
{
    const nn_conv3x3_kernels *k = kernels();
    const geom g = geometry(s);
    const scratch sc = carve(s, &g, work);
    const size_t ximg = (size_t)s->cin * s->h * s->w,
                 yimg = (size_t)s->cout * s->h * s->w;
    for (int i0 = n0; i0 < n1; i0 += g.g) {
        int ng = n1 - i0 < g.g ? n1 - i0 : g.g;
        pad_planes(sc.xp, x + i0 * ximg, (size_t)ng * s->cin, &g);
        nn_conv3x3_pass p = {.in = sc.xp,
                             .ics = g.plane,
                             .out = sc.outq,
                             .ocs = g.qplane,
                             .w = w,
                             .cin = s->cin,
                             .cout = s->cout,
                             .pitch = g.pitch};
        over_group(k->conv_over, p, ng, g.nq, (size_t)s->cin * g.plane,
                   (size_t)s->cout * g.qplane, 0);
        unpad_planes(y + i0 * yimg, sc.outq, (size_t)ng * s->cout, &g, b, s->cout);
    }
}

/* wswap (cin, cout, 9): w (cout, cin, 9) with cin and cout swapped and the
 * taps reversed, so that dx is the forward loop run on dy. */
static void swap_weights(float *wswap, const float *w, int cin, int cout)
{
    for (int ci = 0; ci < cin; ci++)
        for (int co = 0; co < cout; co++)
            for (int t = 0; t < 9; t++)
                wswap[((size_t)ci * cout + co) * 9 + t] =
                    w[((size_t)co * cin + ci) * 9 + 8 - t];
}

/* dyt (nimg, h*w, cpad) = dy (nimg, cout, h*w) with the channels last,
 * channels cout .. cpad zero. */
static void transpose_dy(float *dyt, const float *dy, int nimg, int cout, size_t hw,
                         size_t cpad)
{
    for (int i = 0; i < nimg; i++) {
        float *t = dyt + (size_t)i * hw * cpad;
        const float *d = dy + (size_t)i * cout * hw;
        for (size_t q = 0; q < hw; q++) {
            float *row = t + q * cpad;
            for (int co = 0; co < cout; co++)
                row[co] = d[(size_t)co * hw + q];
            for (size_t co = (size_t)cout; co < cpad; co++)
                row[co] = 0;
        }
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
                         const float *x, const float *w, const nn_conv2d_shape *s, int n0,
                         int n1, float *work)
{
    const nn_conv3x3_kernels *k = kernels();
    const geom g = geometry(s);
    const scratch sc = carve(s, &g, work);
    const size_t ximg = (size_t)s->cin * s->h * s->w,
                 yimg = (size_t)s->cout * s->h * s->w;
    const size_t hw = (size_t)s->h * s->w, cpad = channel_pad(s->cout);
    if (dw)
        memset(sc.acc, 0, sizeof(float) * (size_t)s->cin * 9 * cpad);
    if (dx)
        swap_weights(sc.wswap, w, s->cin, s->cout);
    for (int i0 = n0; i0 < n1; i0 += g.g) {
        int ng = n1 - i0 < g.g ? n1 - i0 : g.g;
        if (dw) {
            pad_planes(sc.xp, x + i0 * ximg, (size_t)ng * s->cin, &g);
            transpose_dy(sc.dyt, dy + i0 * yimg, ng, s->cout, hw, cpad);
            nn_conv3x3_dwpass p = {.x = sc.xp,
                                   .ximg = (size_t)s->cin * g.plane,
                                   .plane = g.plane,
                                   .dyt = sc.dyt,
                                   .acc = sc.acc,
                                   .cin = s->cin,
                                   .cvec = (int)(cpad / 16),
                                   .h = s->h,
                                   .w = s->w,
                                   .pitch = g.pitch,
                                   .nimg = ng};
            k->dw_over(&p);
        }
        if (dx) {
            pad_planes(sc.dyp, dy + i0 * yimg, (size_t)ng * s->cout, &g);
            nn_conv3x3_pass p = {.in = sc.dyp,
                                 .ics = g.plane,
                                 .out = sc.outq,
                                 .ocs = g.qplane,
                                 .w = sc.wswap,
                                 .cin = s->cout,
                                 .cout = s->cin,
                                 .pitch = g.pitch};
            over_group(k->conv_over, p, ng, g.nq, (size_t)s->cout * g.plane,
                       (size_t)s->cin * g.qplane, 0);
            unpad_planes(dx + i0 * ximg, sc.outq, (size_t)ng * s->cin, &g, NULL, 1);
        }
    }
    if (dw)
        store_dw(dw, sc.acc, s->cin, s->cout, cpad, dw_fresh);
}
