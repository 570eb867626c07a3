/*
 * test_nn_conv3x3.c - the direct 3x3 convolution (src/nn/conv/conv3x3.h):
 *
 *   - forward, backward data and backward weights against the definition
 *     in long double, each output within the bound of its computation: at
 *     stride 2 (the strided data gradient in four parity phases) and for
 *     the direct weight gradient, a chain of fused multiply-adds and adds,
 *     (terms + 5) * 2^-24 * (sum of |terms|) (Winograd's, from
 *     NN_CONV3X3_WINO_DW_MIN_CIN channels: wino_dw_bound); at stride 1 (from
 *     NN_CONV3X3_WINO_MIN_CIN channels in), Winograd's
 *     F(2x2, 3x3) (conv3x3.h), 9 (channels + 10) 2^-24 * sum over the
 *     channels of (sum |kernel|) * (sum |the tile's 4x4 window|), the
 *     transforms' and the products' roundings (each transformed value a
 *     signed sum of at most 4 window values or 9 weights with coefficients
 *     at most 1; each output a signed sum of 9 products' sums);
 *   - the same bits from every kernel set this CPU runs (AVX-512, AVX2,
 *     generic fmaf): the framework's results do not depend on the ISA;
 *   - the shapes that exercise the driver: channel counts that leave
 *     remainders of the register blocks, planes of one row or one column,
 *     more positions than one pass takes, images grouped with a partial
 *     last group;
 *   - nn_conv2d_forward/backward take this path with the batch cut in two
 *     fixed halves: y the same bits, dw = (dw0 + first half) + second half,
 *     dx NULL and dw NULL skip, a NaN-filled workspace leaks nothing;
 *   - nn_conv2d_forward_then calls its function once per image, with that
 *     image's finished output (this path and the GEMM path).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conv/conv3x3.h"
#include "harness.h"
#include "layers.h"
#include "nn.h"

typedef struct shape_case {
    int n, cin, cout, h, w, stride;
    const char *why;
} shape_case;

static const shape_case cases[] = {
    {3, 3, 5, 7, 9, 1, "remainders of every block"},
    {2, 16, 16, 32, 32, 1, "a ResNet stage-1 layer"},
    {2, 4, 3, 64, 50, 1, "more positions than one pass"},
    {21, 8, 9, 8, 8, 1, "groups of images, the last partial"},
    {2, 1, 1, 1, 1, 1, "one pixel"},
    {1, 2, 3, 1, 17, 1, "one row"},
    {2, 17, 10, 5, 1, 1, "one column"},
    {3, 9, 21, 7, 9, 1, "Winograd: odd sizes, remainders of its blocks"},
    {2, 40, 33, 6, 5, 1, "Winograd: three channel vectors, remainders"},
    {2, 32, 32, 16, 16, 1, "a ResNet stage-2 layer (Winograd's weight gradient)"},
    {3, 3, 5, 7, 9, 2, "stride 2: remainders of every block, odd sizes"},
    {2, 16, 32, 32, 32, 2, "stride 2: a ResNet stage-2 entry"},
    {2, 5, 17, 40, 38, 2, "stride 2: wider than a strip, even sizes"},
    {21, 8, 9, 8, 8, 2, "stride 2: groups of images"},
    {2, 1, 1, 1, 1, 2, "stride 2: one pixel"},
    {1, 2, 3, 2, 17, 2, "stride 2: two rows"},
    {2, 17, 10, 6, 1, 2, "stride 2: one column"},
};

/* The output's rows and columns. */
static int out_h(const shape_case *c)
{
    return (c->h - 1) / c->stride + 1;
}

static int out_w(const shape_case *c)
{
    return (c->w - 1) / c->stride + 1;
}

static uint64_t lcg = 12345;
static float uni(void)
{
    lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)((double)(lcg >> 40) / (double)(1ULL << 24) * 2 - 1);
}

static float *fill(size_t n)
{
    float *p = nn_alloc_floats(n);
    for (size_t i = 0; p && i < n; i++)
        p[i] = uni();
    return p;
}

static float *nans(size_t n)
{
    float *p = nn_alloc_floats(n);
    for (size_t i = 0; p && i < n; i++)
        p[i] = NAN;
    return p;
}

/* x at (img, ci, r, c), 0 outside the plane. */
static long double at(const float *x, const shape_case *c, int img, int ci, int r,
                      int col)
{
    if (r < 0 || r >= c->h || col < 0 || col >= c->w)
        return 0;
    return x[(((size_t)img * c->cin + ci) * c->h + r) * c->w + col];
}

static long double at_dy(const float *dy, const shape_case *c, int img, int co, int r,
                         int col)
{
    if (r < 0 || r >= out_h(c) || col < 0 || col >= out_w(c))
        return 0;
    return dy[(((size_t)img * c->cout + co) * out_h(c) + r) * out_w(c) + col];
}

static const long double U = 1.0L / (1 << 24);

/* got within (terms + 5) u (sum |terms|) of want; counts the misses. */
static long within(float got, long double want, long double mag, long terms)
{
    return fabsl((long double)got - want) <= (terms + 5) * U * mag ? 0 : 1;
}

/* Winograd's bound (above) for output (r, col) of a stride-1 convolution of
 * a (planes of h x w, `chans` of them at p, channel k at p + k * h * w)
 * with kernels w (chans, 9, stride kstride between channels) and a bias
 * or residual of magnitude extra: the tile's window is rows and columns
 * 2 (r / 2) - 1 .. + 2 of the plane. */
static long within_wino(float got, long double want, const float *a, int chans, int h,
                        int w, const float *k, size_t kstride, int r, int col,
                        long double extra)
{
    long double mag = 0;
    for (int ch = 0; ch < chans; ch++) {
        long double ks = 0, win = 0;
        for (int t = 0; t < 9; t++)
            ks += fabsl((long double)k[(size_t)ch * kstride + (size_t)t]);
        for (int i = 2 * (r / 2) - 1; i <= 2 * (r / 2) + 2; i++)
            for (int j = 2 * (col / 2) - 1; j <= 2 * (col / 2) + 2; j++)
                if (i >= 0 && i < h && j >= 0 && j < w)
                    win += fabsl((long double)a[((size_t)ch * h + i) * w + j]);
        mag += ks * win;
    }
    const long double bound = 9 * (chans + 10) * U * mag + 2 * U * (extra + mag);
    return fabsl((long double)got - want) <= bound ? 0 : 1;
}

static void check_forward(const shape_case *c, const float *x, const float *w,
                          const float *b, const float *y)
{
    long bad = 0;
    const int ho = out_h(c), wo = out_w(c), st = c->stride;
    for (int img = 0; img < c->n; img++)
        for (int co = 0; co < c->cout; co++)
            for (int r = 0; r < ho; r++)
                for (int col = 0; col < wo; col++) {
                    long double s = b[co], m = fabsl((long double)b[co]);
                    for (int ci = 0; ci < c->cin; ci++)
                        for (int t = 0; t < 9; t++) {
                            long double v = at(x, c, img, ci, st * r + t / 3 - 1,
                                               st * col + t % 3 - 1) *
                                            w[((size_t)co * c->cin + ci) * 9 + t];
                            s += v, m += fabsl(v);
                        }
                    const float got =
                        y[(((size_t)img * c->cout + co) * ho + r) * wo + col];
                    bad +=
                        st == 1 && c->cin >= NN_CONV3X3_WINO_MIN_CIN
                            ? within_wino(got, s, x + (size_t)img * c->cin * c->h * c->w,
                                          c->cin, c->h, c->w, w + (size_t)co * c->cin * 9,
                                          9, r, col, fabsl((long double)b[co]))
                            : within(got, s, m, (long)c->cin * 9 + 1);
                }
    CHECK(bad == 0, "%dx%dx%dx%d -> %d (%s): forward: %ld outputs outside the bound",
          c->n, c->cin, c->h, c->w, c->cout, c->why, bad);
}

static void check_dx(const shape_case *c, const float *dy, const float *w,
                     const float *dx)
{
    long bad = 0;
    for (int img = 0; img < c->n; img++)
        for (int ci = 0; ci < c->cin; ci++)
            for (int r = 0; r < c->h; r++)
                for (int col = 0; col < c->w; col++) {
                    long double s = 0, m = 0;
                    for (int co = 0; co < c->cout; co++)
                        for (int t = 0; t < 9; t++) {
                            /* x (r, col) meets tap t of output (oy, ox) when
                             * st*oy + t/3 - 1 = r, st*ox + t%3 - 1 = col. */
                            const int ry = r + 1 - t / 3, rx = col + 1 - t % 3;
                            if (ry % c->stride || rx % c->stride)
                                continue;
                            long double v =
                                at_dy(dy, c, img, co, ry / c->stride, rx / c->stride) *
                                w[((size_t)co * c->cin + ci) * 9 + t];
                            s += v, m += fabsl(v);
                        }
                    const float got =
                        dx[(((size_t)img * c->cin + ci) * c->h + r) * c->w + col];
                    /* stride 1: Winograd on dy with the kernels w[co][ci]
                     * (reversed: the same magnitudes) */
                    bad += c->stride == 1 && c->cout >= NN_CONV3X3_WINO_MIN_CIN
                               ? within_wino(got, s,
                                             dy + (size_t)img * c->cout * c->h * c->w,
                                             c->cout, c->h, c->w, w + (size_t)ci * 9,
                                             (size_t)c->cin * 9, r, col, 0)
                               : within(got, s, m, (long)c->cout * 9);
                }
    CHECK(bad == 0, "%dx%dx%dx%d -> %d (%s): dx: %ld outside the bound", c->n, c->cin,
          c->h, c->w, c->cout, c->why, bad);
}

/* dw = dw0 + the sum over the batch (dw0 NULL: 0). */
/* Winograd's weight gradient for the pair (co, ci): 16 (tiles + 8) u *
 * the sum over the batch's tiles of (sum |the tile's 4x4 window of x|) *
 * (sum |the tile's 2x2 dy|) (each sum's products, a transformed window
 * value times a transformed dy value, are bounded so; each weight a signed
 * sum of at most 16 sums with coefficients at most 1). */
static long double wino_dw_bound(const shape_case *c, const float *dy, const float *x,
                                 int co, int ci)
{
    const int ho = out_h(c), wo = out_w(c);
    long double mag = 0;
    long tiles = 0;
    for (int img = 0; img < c->n; img++)
        for (int r = 0; r < ho; r += 2)
            for (int col = 0; col < wo; col += 2, tiles++) {
                long double win = 0, dys = 0;
                for (int i = r - 1; i <= r + 2; i++)
                    for (int j = col - 1; j <= col + 2; j++)
                        win += fabsl(at(x, c, img, ci, i, j));
                for (int i = r; i <= r + 1; i++)
                    for (int j = col; j <= col + 1; j++)
                        dys += fabsl(at_dy(dy, c, img, co, i, j));
                mag += win * dys;
            }
    return 16 * (tiles + 8) * U * mag;
}

static void check_dw(const shape_case *c, const float *dy, const float *x,
                     const float *dw0, const float *dw)
{
    long bad = 0;
    /* A chain per group of images, the groups' sums added in order. */
    const int ho = out_h(c), wo = out_w(c), st = c->stride;
    const long terms = (long)c->n * ho * wo + c->n + 5;
    const int wino = st == 1 && c->cin >= NN_CONV3X3_WINO_DW_MIN_CIN;
    for (int co = 0; co < c->cout; co++)
        for (int ci = 0; ci < c->cin; ci++) {
            const long double wb = wino ? wino_dw_bound(c, dy, x, co, ci) : 0;
            for (int t = 0; t < 9; t++) {
                size_t i = ((size_t)co * c->cin + ci) * 9 + t;
                long double s = dw0 ? dw0[i] : 0, m = fabsl(s);
                for (int img = 0; img < c->n; img++)
                    for (int r = 0; r < ho; r++)
                        for (int col = 0; col < wo; col++) {
                            long double v = at_dy(dy, c, img, co, r, col) *
                                            at(x, c, img, ci, st * r + t / 3 - 1,
                                               st * col + t % 3 - 1);
                            s += v, m += fabsl(v);
                        }
                if (wino)
                    bad += fabsl((long double)dw[i] - s) <= wb + 2 * U * (m + fabsl(s))
                               ? 0
                               : 1;
                else
                    bad += within(dw[i], s, m, terms);
            }
        }
    CHECK(bad == 0, "%dx%dx%dx%d -> %d (%s): dw: %ld outside the bound", c->n, c->cin,
          c->h, c->w, c->cout, c->why, bad);
}

static nn_conv2d_shape shape_of(const shape_case *c)
{
    return (nn_conv2d_shape){c->n, c->cin, c->h, c->w, c->cout, 3, c->stride, 1};
}

typedef struct outputs {
    float *y, *dx, *dw;
} outputs;

/* The three results on the kernels in use, in one call over the batch. */
static outputs run_direct(const shape_case *c, const float *x, const float *w,
                          const float *b, const float *dy)
{
    const nn_conv2d_shape s = shape_of(c);
    const size_t plane = (size_t)c->h * c->w, oplane = (size_t)out_h(c) * out_w(c);
    outputs o = {nans((size_t)c->n * c->cout * oplane),
                 nans((size_t)c->n * c->cin * plane), nans((size_t)c->cout * c->cin * 9)};
    float *work = nans(nn_conv3x3_slice_workspace(&s));
    nn_conv3x3_forward(o.y, x, w, b, &s, 0, c->n, work, NULL);
    nn_conv3x3_backward(o.dx, o.dw, 1, dy, NULL, NULL, x, w, &s, 0, c->n, work);
    free(work);
    return o;
}

static int same(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

static void free_outputs(outputs *o)
{
    free(o->y), free(o->dx), free(o->dw);
}

/* What a then sees: per image, the number of calls and a copy of the
 * output it was given. */
typedef struct seen {
    int *calls;
    float *copy;
    size_t yimg;
} seen;

static void record_image(void *ctx, int img, const float *y)
{
    seen *s = ctx;
    s->calls[img]++;
    memcpy(s->copy + (size_t)img * s->yimg, y, s->yimg * sizeof *y);
}

/* nn_conv2d_forward_then on s: each image once, with its final output. */
static void check_then(const nn_conv2d_shape *s, const float *x, const float *w,
                       const float *b, const char *why)
{
    const size_t yimg = (size_t)s->cout * nn_conv2d_out_h(s) * nn_conv2d_out_w(s);
    float *y = nans((size_t)s->n * yimg), *work = nans(nn_conv2d_workspace(s));
    seen sn = {calloc((size_t)s->n, sizeof(int)), nans((size_t)s->n * yimg), yimg};
    const nn_conv_then then = {record_image, &sn};
    nn_conv2d_forward_then(y, x, w, b, s, work, &then);
    int once = 1;
    for (int i = 0; i < s->n; i++)
        once &= sn.calls[i] == 1;
    CHECK(once && same(sn.copy, y, (size_t)s->n * yimg),
          "%s: forward_then: each image once, with its finished output", why);
    free(y), free(work), free(sn.calls), free(sn.copy);
}

/* A dy source that copies the test's dy, counting each image it makes. */
typedef struct copy_source {
    const float *dy;
    size_t yimg;
    int *made;
} copy_source;

static void copy_images(void *ctx, int i0, int n, float *dy)
{
    copy_source *c = ctx;
    for (int i = 0; i < n; i++)
        c->made[i0 + i]++;
    memcpy(dy, c->dy + (size_t)i0 * c->yimg, (size_t)n * c->yimg * sizeof *dy);
}

/* nn_conv2d_backward_from on s with dy made by a source: dx = nn_conv2d_
 * backward's dx + add, bit for bit, dw as nn_conv2d_backward's (dw_ref,
 * from dw0), each image made once per call; dx NULL: dw alone. */
static void check_backward_from(const nn_conv2d_shape *s, const float *x, const float *w,
                                const float *dy, const float *dx_ref, const float *dw0,
                                const float *dw_ref, const char *why)
{
    const size_t yimg = (size_t)s->cout * nn_conv2d_out_h(s) * nn_conv2d_out_w(s);
    const size_t nx = (size_t)s->n * s->cin * s->h * s->w,
                 nw = (size_t)s->cout * s->cin * 9;
    float *dx = nans(nx), *add = fill(nx), *dw = nn_alloc_floats(nw),
          *work = nans(nn_conv2d_workspace(s)), *want = nn_alloc_floats(nx);
    copy_source cs = {dy, yimg, calloc((size_t)s->n, sizeof(int))};
    const nn_conv_dy_source src = {copy_images, &cs};
    memcpy(dw, dw0, nw * sizeof *dw);
    for (size_t i = 0; i < nx; i++)
        want[i] = dx_ref[i] + add[i];
    CHECK(nn_conv2d_backward_from(dx, dw, &src, add, x, w, s, work) == GOLU_OK,
          "%s: backward_from runs", why);
    int once = 1;
    for (int i = 0; i < s->n; i++)
        once &= cs.made[i] == 1;
    CHECK(once, "%s: backward_from: the source makes each image once", why);
    CHECK(same(dx, want, nx), "%s: backward_from: dx = backward's dx + add, same bits",
          why);
    CHECK(same(dw, dw_ref, nw), "%s: backward_from: dw the same bits", why);
    memcpy(dw, dw0, nw * sizeof *dw);
    CHECK(nn_conv2d_backward_from(NULL, dw, &src, add, x, w, s, work) == GOLU_OK &&
              same(dw, dw_ref, nw),
          "%s: backward_from, dx NULL: dw the same", why);
    free(dx), free(add), free(dw), free(work), free(want), free(cs.made);
}

/* nn_conv2d_forward/backward: the batch in two halves. */
static void check_conv2d(const shape_case *c, const float *x, const float *w,
                         const float *b, const float *dy, const outputs *ref)
{
    const nn_conv2d_shape s = shape_of(c);
    const size_t plane = (size_t)c->h * c->w, nw = (size_t)c->cout * c->cin * 9;
    const size_t ny = (size_t)c->n * c->cout * out_h(c) * out_w(c),
                 nx = (size_t)c->n * c->cin * plane;
    float *y = nans(ny), *dx = nans(nx), *dw = fill(nw), *dw0 = nn_alloc_floats(nw);
    float *db = nn_alloc_floats((size_t)c->cout);
    float *work = nans(nn_conv2d_workspace(&s));
    memcpy(dw0, dw, nw * sizeof *dw);
    memset(db, 0, sizeof(float) * (size_t)c->cout);
    nn_conv2d_forward(y, x, w, b, &s, work);
    CHECK(same(y, ref->y, ny), "%s: nn_conv2d_forward gives the direct path's bits",
          c->why);
    check_then(&s, x, w, b, c->why);
    nn_conv2d_backward(dx, dw, db, dy, x, w, &s, work);
    CHECK(same(dx, ref->dx, nx), "%s: nn_conv2d_backward dx: the direct path's bits",
          c->why);
    /* The halves' sums, added in their fixed order. */
    float *want = nn_alloc_floats(nw), *part = nans(nw);
    float *wk = nans(nn_conv3x3_slice_workspace(&s));
    const int half = c->n >= 2 ? c->n / 2 : c->n;
    memcpy(want, dw0, nw * sizeof *want);
    nn_conv3x3_backward(NULL, want, 0, dy, NULL, NULL, x, w, &s, 0, half, wk);
    if (half < c->n) {
        nn_conv3x3_backward(NULL, part, 1, dy, NULL, NULL, x, w, &s, half, c->n, wk);
        for (size_t i = 0; i < nw; i++)
            want[i] += part[i];
    }
    CHECK(same(dw, want, nw), "%s: nn_conv2d_backward dw = (dw0 + half 1) + half 2",
          c->why);
    check_dw(c, dy, x, dw0, dw);
    /* dw NULL: dx alone, the same bits; dx NULL: dw alone, added again. */
    float *dx2 = nans(nx);
    nn_conv2d_backward(dx2, NULL, NULL, dy, x, w, &s, work);
    CHECK(same(dx2, dx, nx), "%s: dw NULL: dx the same", c->why);
    float *dw2 = nn_alloc_floats(nw);
    memcpy(dw2, dw0, nw * sizeof *dw2);
    nn_conv2d_backward(NULL, dw2, NULL, dy, x, w, &s, work);
    CHECK(same(dw2, dw, nw), "%s: dx NULL: dw the same", c->why);
    check_backward_from(&s, x, w, dy, dx, dw0, dw, c->why);
    free(y), free(dx), free(dw), free(dw0), free(db), free(work), free(want), free(part),
        free(wk), free(dx2), free(dw2);
}

static void run_case(const shape_case *c)
{
    const size_t plane = (size_t)c->h * c->w, oplane = (size_t)out_h(c) * out_w(c);
    float *x = fill((size_t)c->n * c->cin * plane),
          *w = fill((size_t)c->cout * c->cin * 9);
    float *b = fill((size_t)c->cout), *dy = fill((size_t)c->n * c->cout * oplane);
    static const golu_isa isas[] = {GOLU_ISA_SCALAR, GOLU_ISA_AVX2, GOLU_ISA_AVX512};
    outputs ref = {0};
    for (int k = 0; k < 3; k++) {
        if (nn_conv3x3_use(isas[k]) != 0) {
            SKIP("%s: this CPU has no %s", c->why, golu_isa_name(isas[k]));
            continue;
        }
        outputs o = run_direct(c, x, w, b, dy);
        if (k == 0) {
            ref = o;
            check_forward(c, x, w, b, o.y);
            check_dx(c, dy, w, o.dx);
            check_dw(c, dy, x, NULL, o.dw);
            continue;
        }
        CHECK(same(o.y, ref.y, (size_t)c->n * c->cout * oplane) &&
                  same(o.dx, ref.dx, (size_t)c->n * c->cin * plane) &&
                  same(o.dw, ref.dw, (size_t)c->cout * c->cin * 9),
              "%s: %s gives the generic kernels' bits", c->why, golu_isa_name(isas[k]));
        free_outputs(&o);
    }
    nn_conv3x3_use(GOLU_ISA_AUTO);
    check_conv2d(c, x, w, b, dy, &ref);
    free_outputs(&ref);
    free(x), free(w), free(b), free(dy);
}

int main(void)
{
    TEST_BEGIN("nn_conv3x3");
    nn_conv2d_shape s = {1, 1, 4, 4, 1, 3, 1, 1};
    CHECK(nn_conv3x3_applies(&s), "3x3, stride 1, padding 1 applies");
    s.stride = 2;
    CHECK(nn_conv3x3_applies(&s), "stride 2 applies");
    s.stride = 3;
    CHECK(!nn_conv3x3_applies(&s), "stride 3 does not");
    s.stride = 1, s.k = 1, s.pad = 0;
    CHECK(!nn_conv3x3_applies(&s), "1x1 does not");
    CHECK(nn_conv3x3_use((golu_isa)99) == -1, "an unknown ISA is refused");
    CHECK(nn_conv3x3_use(GOLU_ISA_NEON) == -1,
          "NEON has no kernels of its own (the generic ones serve there)");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
    /* The GEMM path's then: a 1x1 convolution, images in groups. */
    nn_conv2d_shape g = {9, 4, 5, 6, 3, 1, 1, 0};
    float *gx = fill((size_t)9 * 4 * 30), *gw = fill(12), *gb = fill(3);
    check_then(&g, gx, gw, gb, "1x1 (GEMM)");
    /* backward_from takes the direct path's shapes only. */
    float *gdw = fill(12), *gdw0 = nn_alloc_floats(12),
          *gwork = nans(nn_conv2d_workspace(&g));
    memcpy(gdw0, gdw, 12 * sizeof *gdw);
    copy_source none = {gx, 0, calloc(9, sizeof(int))};
    const nn_conv_dy_source src = {copy_images, &none};
    CHECK(nn_conv2d_backward_from(NULL, gdw, &src, NULL, gx, gw, &g, gwork) ==
                  GOLU_ERR_SHAPE &&
              same(gdw, gdw0, 12) && none.made[0] == 0,
          "backward_from on a 1x1 convolution: GOLU_ERR_SHAPE, nothing written or made");
    free(gx), free(gw), free(gb), free(gdw), free(gdw0), free(gwork), free(none.made);
    return TEST_END();
}
