/*
 * conv2d.c - 2-D convolution (NCHW, square kernel, zero padding).
 *
 * In float, a 3x3 convolution of padding 1 and stride 1 or 2 (every
 * convolution of the ResNet and the U-Net) is computed without a column
 * matrix, each batch slice below by src/nn/conv/conv3x3.h (Winograd's
 * F(2x2, 3x3) at stride 1, directly at stride 2; the same bits on every
 * ISA; faster than oneDNN's direct kernels, 2.6-3.3x faster than the GEMMs
 * here on ResNet-20's layers before Winograd). Every other shape, and the
 * double build of the
 * finite-difference checks, are im2col (col2im) and GEMMs through cblas:
 *
 * The batch is processed in groups of g images (g from conv_group: as many as
 * keep the column matrix near NN_CONV_COL_TARGET elements, so that it stays
 * in cache while the GEMM reads it, and the GEMM is wide enough for
 * OpenBLAS to split across its threads). For one group, with K = cin*k*k and
 * P = ho*wo:
 *
 *   col   (K, g*P)      column j*P + p holds image j's patch at output pixel p
 *   stage (cout, g*P)   the GEMM's (cout, g*P) side: y before it is scattered
 *                       back to NCHW, dy gathered from NCHW (only when g > 1;
 *                       with g = 1 the image's own (cout, P) plane is used)
 *
 *   forward:  stage = w (cout, K) . col;  y_n = stage columns + b
 *   backward: dw += dy_stage . col^T;  col = w^T . dy_stage;  dx = col2im(col)
 *
 * Threads. The batch is always cut into NN_CONV_SLICES fixed halves (n >= 2).
 * When OpenBLAS is set to 2 or more threads, each half runs on its own
 * thread with OpenBLAS set to 1 thread for the duration (and restored): the
 * small GEMMs of a ResNet split badly inside OpenBLAS, whose idle threads
 * also spin against the serial im2col/col2im, while halves of the batch
 * share nothing but dw. The second half's dw goes to a private buffer,
 * added after the join. The cut and that order are the same with one
 * thread, so results do not depend on the thread count (--resume with
 * another --threads continues bit for bit).
 *
 * nn_conv2d_workspace() = NN_CONV_SLICES * (K*g*P + (g > 1 ? cout*g*P : 0))
 * + cout*K elements, g for that shape (at most n): bounded by the group
 * target, not by the batch. The backward also accepts a NULL dw (as it does
 * dx and db).
 */
#include "hot.h"
#include "real.h"
#include "layers.h"
#include "fork.h"
#include "conv/conv3x3.h"

#include <stddef.h>
#include <string.h>

/* Slices of the batch run in parallel (fixed: the workspace is sized for it). */
#define NN_CONV_SLICES 2

/*
 * Target size of the column matrix of one group, in elements (tuning). 2^18
 * (1 MiB of floats) keeps it in a core's L2 and still groups the small late
 * ResNet stages (64 channels at 8x8: 7 images, a 448-column GEMM); measured
 * on 2 cores with OpenBLAS, larger groups gained nothing with 2 threads and
 * lost up to 25% with 1.
 */
#ifndef NN_CONV_COL_TARGET
#define NN_CONV_COL_TARGET (1 << 18)
#endif

/* Images per group for shape s (>= 1, <= n). */
static int conv_group(const nn_conv2d_shape *s, int ho, int wo)
{
    size_t col_one = (size_t)s->cin * s->k * s->k * ho * wo;
    size_t g = col_one ? NN_CONV_COL_TARGET / col_one : 1;
    if (g < 1)
        g = 1;
    if (g > (size_t)s->n)
        g = s->n > 0 ? (size_t)s->n : 1;
    return (int)g;
}

/* One slice's scratch: col (K, g*p), then stage (cout, g*p) when g > 1;
 * or the direct path's, whichever is larger (the double build, for the
 * finite-difference checks, always takes the GEMMs but carves the same
 * workspace). */
static size_t gemm_slice_workspace(const nn_conv2d_shape *s)
{
    int ho = (s->h + 2 * s->pad - s->k) / s->stride + 1;
    int wo = (s->w + 2 * s->pad - s->k) / s->stride + 1;
    size_t g = (size_t)conv_group(s, ho, wo), p = (size_t)ho * wo;
    size_t kk = (size_t)s->cin * s->k * s->k;
    return kk * g * p + (g > 1 ? (size_t)s->cout * g * p : 0);
}

static size_t slice_workspace(const nn_conv2d_shape *s)
{
    size_t gemm = gemm_slice_workspace(s);
    if (!nn_conv3x3_applies(s))
        return gemm;
    size_t direct = nn_conv3x3_slice_workspace(s);
    return direct > gemm ? direct : gemm;
}

#ifndef NN_F64
int nn_conv2d_out_h(const nn_conv2d_shape *s)
{
    return (s->h + 2 * s->pad - s->k) / s->stride + 1;
}

int nn_conv2d_out_w(const nn_conv2d_shape *s)
{
    return (s->w + 2 * s->pad - s->k) / s->stride + 1;
}

size_t nn_conv2d_workspace(const nn_conv2d_shape *s)
{
    size_t kk = (size_t)s->cin * s->k * s->k;
    return NN_CONV_SLICES * slice_workspace(s) + (size_t)s->cout * kk;
}
#endif

/*
 * Output positions o in [*lo, *hi) whose input position o*stride + off lies
 * in [0, in): the part of a row (or column) of patches that is not padding.
 */
static void valid_range(int off, int stride, int in, int out, int *lo, int *hi)
{
    int a = off >= 0 ? 0 : (-off + stride - 1) / stride;
    int b = in - 1 - off < 0 ? 0 : (in - 1 - off) / stride + 1;
    if (b > out)
        b = out;
    if (a > b)
        a = b;
    *lo = a;
    *hi = b;
}

/*
 * One row of the column matrix: dst (ho*wo) = x plane (h, w) read at
 * (oh*stride + di, ow*stride + dj), zero where that falls in the padding.
 */
NN_HOT static void patch_row(real *dst, const real *plane, int di, int dj,
                             const nn_conv2d_shape *s, int ho, int wo)
{
    const int st = s->stride, w = s->w;
    int oh0, oh1, ow0, ow1;
    valid_range(di, st, s->h, ho, &oh0, &oh1);
    valid_range(dj, st, w, wo, &ow0, &ow1);
    if (oh0 == oh1 || ow0 == ow1) {
        memset(dst, 0, sizeof(real) * (size_t)ho * wo);
        return;
    }
    memset(dst, 0, sizeof(real) * (size_t)oh0 * wo);
    if (st == 1 && wo == w) {
        /* Output and input rows have the same length, so the whole valid
         * block is one shifted copy; the entries that wrapped around a row
         * end are the padding columns, zeroed just after. */
        size_t q0 = (size_t)oh0 * wo + ow0, q1 = (size_t)(oh1 - 1) * wo + ow1;
        memcpy(dst + q0, plane + q0 + (ptrdiff_t)di * w + dj, sizeof(real) * (q1 - q0));
        for (int oh = oh0; oh < oh1; oh++) {
            real *d = dst + (size_t)oh * wo;
            for (int ow = 0; ow < ow0; ow++)
                d[ow] = 0;
            for (int ow = ow1; ow < wo; ow++)
                d[ow] = 0;
        }
    } else {
        for (int oh = oh0; oh < oh1; oh++) {
            const real *src = plane + (size_t)(oh * st + di) * w + dj;
            real *d = dst + (size_t)oh * wo;
            for (int ow = 0; ow < ow0; ow++)
                d[ow] = 0;
            for (int ow = ow0; ow < ow1; ow++)
                d[ow] = src[ow * st];
            for (int ow = ow1; ow < wo; ow++)
                d[ow] = 0;
        }
    }
    memset(dst + (size_t)oh1 * wo, 0, sizeof(real) * (size_t)(ho - oh1) * wo);
}

/* d (n) += s (n), through BLAS: this file is built for the baseline ISA,
 * OpenBLAS picks the CPU's widest vectors at run time. */
static void add_to(real *d, const real *s, size_t n)
{
    nn_axpy((int)n, 1, s, 1, d, 1);
}

/*
 * The adjoint of patch_row: plane (h, w) += src (ho*wo) added back where it
 * was read from. src is scratch: its padding entries may be zeroed.
 */
static void patch_row_add(real *plane, real *src, int di, int dj,
                          const nn_conv2d_shape *s, int ho, int wo)
{
    const int st = s->stride, w = s->w;
    int oh0, oh1, ow0, ow1;
    valid_range(di, st, s->h, ho, &oh0, &oh1);
    valid_range(dj, st, w, wo, &ow0, &ow1);
    if (oh0 == oh1 || ow0 == ow1)
        return;
    if (st == 1 && wo == w) {
        /* As in patch_row: one shifted add over the valid block, after
         * zeroing the padding columns that would wrap onto a neighbour. */
        for (int oh = oh0; oh < oh1; oh++) {
            real *d = src + (size_t)oh * wo;
            for (int ow = 0; ow < ow0; ow++)
                d[ow] = 0;
            for (int ow = ow1; ow < wo; ow++)
                d[ow] = 0;
        }
        ptrdiff_t q0 = (ptrdiff_t)oh0 * wo + ow0, q1 = (ptrdiff_t)(oh1 - 1) * wo + ow1;
        add_to(plane + q0 + (ptrdiff_t)di * w + dj, src + q0, (size_t)(q1 - q0));
        return;
    }
    for (int oh = oh0; oh < oh1; oh++) {
        real *d = plane + (size_t)(oh * st + di) * w + dj;
        const real *r = src + (size_t)oh * wo;
        if (st == 1)
            add_to(d + ow0, r + ow0, (size_t)(ow1 - ow0));
        else
            for (int ow = ow0; ow < ow1; ow++)
                d[ow * st] += r[ow];
    }
}

/* col (K, ldc) columns [0, ho*wo) = the patches of one image x (cin, h, w);
 * row (c, ki, kj) reads plane c shifted by (ki - pad, kj - pad). */
static void im2col(real *col, size_t ldc, const real *x, const nn_conv2d_shape *s, int ho,
                   int wo)
{
    const int k = s->k;
    const size_t plane = (size_t)s->h * s->w;
    for (int c = 0; c < s->cin; c++)
        for (int ki = 0; ki < k; ki++)
            for (int kj = 0; kj < k; kj++)
                patch_row(col + (size_t)((c * k + ki) * k + kj) * ldc, x + c * plane,
                          ki - s->pad, kj - s->pad, s, ho, wo);
}

/* dx (cin, h, w) = the adjoint of im2col applied to col (K, ldc) columns
 * [0, ho*wo) (which it overwrites in places). */
static void col2im(real *dx, real *col, size_t ldc, const nn_conv2d_shape *s, int ho,
                   int wo)
{
    const int k = s->k;
    const size_t plane = (size_t)s->h * s->w;
    memset(dx, 0, sizeof(real) * (size_t)s->cin * plane);
    for (int c = 0; c < s->cin; c++)
        for (int ki = 0; ki < k; ki++)
            for (int kj = 0; kj < k; kj++)
                patch_row_add(dx + c * plane, col + (size_t)((c * k + ki) * k + kj) * ldc,
                              ki - s->pad, kj - s->pad, s, ho, wo);
}

/* The column matrix (K, g*p) of images [n0, n0 + g) of x. */
static void group_im2col(real *col, const real *x, int n0, int g,
                         const nn_conv2d_shape *s, int ho, int wo)
{
    size_t p = (size_t)ho * wo, img = (size_t)s->cin * s->h * s->w;
    for (int j = 0; j < g; j++)
        im2col(col + j * p, (size_t)g * p, x + (n0 + j) * img, s, ho, wo);
}

/* y (cout, p): row co = b[co]. */
NN_HOT static void fill_bias(real *y, const real *b, int cout, size_t p)
{
    for (int co = 0; co < cout; co++)
        for (size_t i = 0; i < p; i++)
            y[co * p + i] = b[co];
}

/* What one thread does: images [n0, n1) of a conv, with its own scratch. */
typedef struct conv_job {
    const nn_conv2d_shape *s;
    int n0, n1;
    real *work;        /* slice_workspace(s) elements */
    real *y;           /* forward: y (n, cout, ho, wo) */
    const real *x, *w; /* x (n, cin, h, w), w (cout, K) */
    const real *b;     /* forward: b (cout) or NULL */
    real *dx, *dw;     /* backward: dx (n, cin, h, w), dw (cout, K); NULL skips */
    const real *dy;    /* backward: dy (n, cout, ho, wo) */
    int dw_fresh;      /* backward: the first GEMM writes dw (beta 0) */
#ifndef NN_F64
    const nn_conv_then *then;        /* forward: called on each image's output, or NULL */
    const nn_conv_dy_source *dy_src; /* backward: makes dy (then dy is NULL), or NULL */
    const float *dx_add;             /* backward: added to dx, or NULL */
#endif
} conv_job;

/* Slices for a batch of n: the cut does not depend on the thread count, so
 * neither do the results. */
static int conv_slices(int n)
{
    return n >= NN_CONV_SLICES ? NN_CONV_SLICES : 1;
}

static void *run_job(void *arg);

/*
 * Runs job[0..slices) (job[i].n0, n1 unset: set here to the fixed cut).
 * When OpenBLAS has the threads, the later slices run on new threads with
 * OpenBLAS single-threaded meanwhile (a thread that cannot be created has
 * its slice run by the caller); otherwise one after the other.
 */
static void run_slices(conv_job *job, int slices)
{
    const int n = job[0].s->n;
    for (int i = 0; i < slices; i++) {
        job[i].n0 = (int)((long)n * i / slices);
        job[i].n1 = (int)((long)n * (i + 1) / slices);
    }
    if (slices < NN_CONV_SLICES) {
        run_job(&job[0]);
        return;
    }
    nn_run_halves_blas1(run_job, &job[0], &job[1], 1); /* NN_CONV_SLICES is 2 */
}

/* Calls j's then (float; NULL: nothing) on images [n0, n0 + g) of y. */
static void call_then(const conv_job *j, int n0, int g, size_t yimg)
{
#ifndef NN_F64
    for (int i = 0; j->then && i < g; i++)
        j->then->image(j->then->ctx, n0 + i, j->y + (n0 + i) * yimg);
#else
    (void)j, (void)n0, (void)g, (void)yimg;
#endif
}

/* A 1x1 convolution at stride 1 without padding: each image's (cin, p)
 * planes are its own column matrix, so its products read x, dy and write y,
 * dx in place, an image at a time (no im2col, no gather or scatter: those
 * copies were a pass over memory each). */
static int is_pointwise(const nn_conv2d_shape *s)
{
    return s->k == 1 && s->stride == 1 && s->pad == 0;
}

/* The forward of images [j->n0, j->n1) of a pointwise convolution: the
 * bias first, the GEMM adds to it (beta = 1), as slice_forward does with
 * one image a group. */
static void pointwise_forward(const conv_job *j)
{
    const nn_conv2d_shape *s = j->s;
    const size_t p = (size_t)s->h * s->w, yimg = (size_t)s->cout * p;
    for (int n = j->n0; n < j->n1; n++) {
        real *yn = j->y + n * yimg;
        if (j->b)
            fill_bias(yn, j->b, s->cout, p);
        nn_gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->cout, (int)p, s->cin, 1,
                j->w, s->cin, j->x + n * (size_t)s->cin * p, (int)p, j->b ? 1 : 0, yn,
                (int)p);
        call_then(j, n, 1, yimg);
    }
}

/* The backward of images [j->n0, j->n1) of a pointwise convolution: dw
 * gathers the images one product each, in order; dx = w' dy per image. */
static void pointwise_backward(const conv_job *j)
{
    const nn_conv2d_shape *s = j->s;
    const size_t p = (size_t)s->h * s->w, ximg = (size_t)s->cin * p;
    const size_t yimg = (size_t)s->cout * p;
    int fresh = j->dw_fresh;
    for (int n = j->n0; n < j->n1; n++) {
        const real *dyn = j->dy + n * yimg;
        if (j->dw) {
            nn_gemm(CblasRowMajor, CblasNoTrans, CblasTrans, s->cout, s->cin, (int)p, 1,
                    dyn, (int)p, j->x + n * ximg, (int)p, fresh ? 0 : 1, j->dw, s->cin);
            fresh = 0;
        }
        if (j->dx)
            nn_gemm(CblasRowMajor, CblasTrans, CblasNoTrans, s->cin, (int)p, s->cout, 1,
                    j->w, s->cin, dyn, (int)p, 0, j->dx + n * ximg, (int)p);
    }
}

/* The forward of images [j->n0, j->n1). */
static void slice_forward(const conv_job *j)
{
    const nn_conv2d_shape *s = j->s;
    if (is_pointwise(s)) {
        pointwise_forward(j);
        return;
    }
    const int ho = nn_conv2d_out_h(s), wo = nn_conv2d_out_w(s);
    const int kk = s->cin * s->k * s->k, gmax = conv_group(s, ho, wo);
    const size_t p = (size_t)ho * wo, yimg = (size_t)s->cout * p;
    const real *w = j->w, *b = j->b;
    real *col = j->work;                           /* (K, g*p) */
    real *stage = j->work + (size_t)kk * gmax * p; /* (cout, g*p) when g > 1 */
    for (int n0 = j->n0; n0 < j->n1; n0 += gmax) {
        int g = j->n1 - n0 < gmax ? j->n1 - n0 : gmax;
        size_t gp = (size_t)g * p;
        group_im2col(col, j->x, n0, g, s, ho, wo);
        if (g == 1) {
            /* The image's own plane is the GEMM's output; a bias goes in
             * first and the GEMM adds to it (beta = 1). */
            real *yn = j->y + n0 * yimg; /* (cout, p) */
            if (b)
                fill_bias(yn, b, s->cout, p);
            nn_gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->cout, (int)p, kk, 1, w,
                    kk, col, (int)p, b ? 1 : 0, yn, (int)p);
            call_then(j, n0, 1, yimg);
            continue;
        }
        nn_gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->cout, (int)gp, kk, 1, w, kk,
                col, (int)gp, 0, stage, (int)gp);
        /* Scatter (cout, g*p) to g images (cout, p), adding the bias. */
        for (int i = 0; i < g; i++)
            for (int co = 0; co < s->cout; co++) {
                real *dst = j->y + (n0 + i) * yimg + co * p;
                const real *src = stage + co * gp + i * p;
                real bias = b ? b[co] : 0;
                for (size_t q = 0; q < p; q++)
                    dst[q] = src[q] + bias;
            }
        call_then(j, n0, g, yimg);
    }
}

/* The forward's jobs, each slice on its thread; then: an nn_conv_then
 * (float) or NULL. */
static void forward_slices(real *y, const real *x, const real *w, const real *b,
                           const nn_conv2d_shape *s, real *work, const void *then)
{
    conv_job job[NN_CONV_SLICES];
    for (int i = 0; i < NN_CONV_SLICES; i++) {
        job[i] = (conv_job){.s = s,
                            .work = work + i * slice_workspace(s),
                            .y = y,
                            .x = x,
                            .w = w,
                            .b = b};
#ifndef NN_F64
        job[i].then = then;
#endif
    }
    (void)then;
    run_slices(job, conv_slices(s->n));
}

void NN(nn_conv2d_forward)(real *y, const real *x, const real *w, const real *b,
                           const nn_conv2d_shape *s, real *work)
{
    forward_slices(y, x, w, b, s, work, NULL);
}

#ifndef NN_F64
void nn_conv2d_forward_then(float *y, const float *x, const float *w, const float *b,
                            const nn_conv2d_shape *s, float *work,
                            const nn_conv_then *then)
{
    forward_slices(y, x, w, b, s, work, then);
}
#endif

/* db[co] += the sums of dy (n, cout, p) over n and p, in double, for the
 * channels co in [c0, c1). */
NN_HOT static void bias_grad_range(real *db, const real *dy, int n, int cout, size_t p,
                                   int c0, int c1)
{
    for (int co = c0; co < c1; co++) {
        /* Eight independent sums: one chain would wait on each add. */
        double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int i = 0; i < n; i++) {
            const real *d = dy + ((size_t)i * cout + co) * p;
            size_t q = 0;
            for (; q + 8 <= p; q += 8)
                for (int l = 0; l < 8; l++)
                    acc[l] += d[q + l];
            for (; q < p; q++)
                acc[0] += d[q];
        }
        db[co] += (real)(((acc[0] + acc[1]) + (acc[2] + acc[3])) +
                         ((acc[4] + acc[5]) + (acc[6] + acc[7])));
    }
}

typedef struct bias_job {
    real *db;
    const real *dy;
    int n, cout, c0, c1;
    size_t p;
} bias_job;

static void *bias_grad_run(void *arg)
{
    const bias_job *j = arg;
    bias_grad_range(j->db, j->dy, j->n, j->cout, j->p, j->c0, j->c1);
    return NULL;
}

/* db (cout) += the sums of dy (n, cout, p) over n and p: the channels in two
 * fixed halves (fork.h; each channel's sum is one thread's, the same bits
 * for any thread count). */
static void bias_grad(real *db, const real *dy, int n, int cout, size_t p)
{
    bias_job h[2] = {{db, dy, n, cout, 0, cout / 2, p},
                     {db, dy, n, cout, cout / 2, cout, p}};
    nn_run_halves(bias_grad_run, &h[0], &h[1], (double)n * cout * p >= 65536);
}

/* The backward of images [j->n0, j->n1): dx written, dw accumulated. */
static void slice_backward(const conv_job *j)
{
    const nn_conv2d_shape *s = j->s;
    if (is_pointwise(s)) {
        pointwise_backward(j);
        return;
    }
    const int ho = nn_conv2d_out_h(s), wo = nn_conv2d_out_w(s);
    const int kk = s->cin * s->k * s->k, gmax = conv_group(s, ho, wo);
    const size_t p = (size_t)ho * wo, yimg = (size_t)s->cout * p;
    const size_t ximg = (size_t)s->cin * s->h * s->w;
    real *col = j->work;                           /* (K, g*p) */
    real *stage = j->work + (size_t)kk * gmax * p; /* (cout, g*p) when g > 1 */
    int fresh = j->dw_fresh;
    for (int n0 = j->n0; n0 < j->n1; n0 += gmax) {
        int g = j->n1 - n0 < gmax ? j->n1 - n0 : gmax;
        size_t gp = (size_t)g * p;
        const real *dyg = j->dy + n0 * yimg; /* (cout, g*p) after the gather */
        if (g > 1) {
            for (int i = 0; i < g; i++)
                for (int co = 0; co < s->cout; co++)
                    memcpy(stage + co * gp + i * p, j->dy + (n0 + i) * yimg + co * p,
                           sizeof(real) * p);
            dyg = stage;
        }
        if (j->dw) {
            group_im2col(col, j->x, n0, g, s, ho, wo);
            nn_gemm(CblasRowMajor, CblasNoTrans, CblasTrans, s->cout, kk, (int)gp, 1, dyg,
                    (int)gp, col, (int)gp, fresh ? 0 : 1, j->dw, kk);
            fresh = 0;
        }
        if (j->dx) {
            nn_gemm(CblasRowMajor, CblasTrans, CblasNoTrans, kk, (int)gp, s->cout, 1,
                    j->w, kk, dyg, (int)gp, 0, col, (int)gp);
            for (int i = 0; i < g; i++)
                col2im(j->dx + (n0 + i) * ximg, col + i * p, gp, s, ho, wo);
        }
    }
}

static void *run_job(void *arg)
{
    const conv_job *j = arg;
#ifndef NN_F64
    if (nn_conv3x3_applies(j->s)) { /* float only: the direct path */
        if (!j->dy && !j->dy_src) {
            nn_conv3x3_forward(j->y, j->x, j->w, j->b, j->s, j->n0, j->n1, j->work,
                               j->then);
            return NULL;
        }
        nn_conv3x3_backward(j->dx, j->dw, j->dw_fresh, j->dy, j->dy_src, j->dx_add, j->x,
                            j->w, j->s, j->n0, j->n1, j->work);
        return NULL;
    }
#endif
    if (j->dy)
        slice_backward(j);
    else
        slice_forward(j);
    return NULL;
}

/* Runs a backward's jobs (backward_jobs), the second slice's dw to a
 * private part (NN_CONV_SLICES is 2) added after the join: a fixed order. */
static void backward_slices(conv_job *job, real *dw, const nn_conv2d_shape *s, real *work)
{
    const size_t ndw = (size_t)s->cout * s->cin * s->k * s->k;
    real *dw_part = work + NN_CONV_SLICES * slice_workspace(s); /* (cout, K) */
    const int slices = conv_slices(s->n);
    if (slices > 1 && dw) {
        job[1].dw = dw_part;
        job[1].dw_fresh = 1;
    }
    run_slices(job, slices);
    if (slices > 1 && dw)
        for (size_t i = 0; i < ndw; i++)
            dw[i] += dw_part[i];
}

/* The jobs of a backward over dy (in float, dy NULL and dy_src, dx_add set
 * after: made as used). */
static void backward_jobs(conv_job *job, real *dx, real *dw, const real *dy,
                          const real *x, const real *w, const nn_conv2d_shape *s,
                          real *work)
{
    for (int i = 0; i < NN_CONV_SLICES; i++)
        job[i] = (conv_job){.s = s,
                            .work = work + i * slice_workspace(s),
                            .x = x,
                            .w = w,
                            .dx = dx,
                            .dw = dw,
                            .dy = dy};
}

void NN(nn_conv2d_backward)(real *dx, real *dw, real *db, const real *dy, const real *x,
                            const real *w, const nn_conv2d_shape *s, real *work)
{
    const size_t p = (size_t)nn_conv2d_out_h(s) * nn_conv2d_out_w(s);
    if (db)
        bias_grad(db, dy, s->n, s->cout, p);
    if (!dw && !dx)
        return;
    conv_job job[NN_CONV_SLICES];
    backward_jobs(job, dx, dw, dy, x, w, s, work);
    backward_slices(job, dw, s, work);
}

#ifndef NN_F64
golu_status nn_conv2d_backward_from(float *dx, float *dw, const nn_conv_dy_source *dy_src,
                                    const float *dx_add, const float *x, const float *w,
                                    const nn_conv2d_shape *s, float *work)
{
    if (!nn_conv3x3_applies(s))
        return GOLU_ERR_SHAPE;
    if (!dw && !dx)
        return GOLU_OK;
    conv_job job[NN_CONV_SLICES];
    backward_jobs(job, dx, dw, NULL, x, w, s, work);
    for (int i = 0; i < NN_CONV_SLICES; i++) {
        job[i].dy_src = dy_src;
        job[i].dx_add = dx ? dx_add : NULL;
    }
    backward_slices(job, dw, s, work);
    return GOLU_OK;
}
#endif
