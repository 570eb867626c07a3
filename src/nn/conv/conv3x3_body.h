/*
 * conv3x3_body.h - the two loops of the direct 3x3 convolution (conv3x3.h),
 * written once against a vector of 16 floats and included by one file per
 * instruction set (conv3x3_avx512.c, conv3x3_avx2.c, conv3x3_generic.c),
 * which first defines:
 *
 *   cv_v                 16 floats (a zmm, two ymm, or an array)
 *   cv_zero()            all 0
 *   cv_load(p), cv_store(p, v)      16 floats at p, unaligned
 *   cv_bcast(s)          s in every lane
 *   cv_fma(a, b, c)      a*b + c rounded once, lane by lane
 *   CV_TABLE             the name of the table this file exports
 *   cv_add(a, b)         a + b, lane by lane
 *   CV_CB, CV_QB         conv_over: output channels x positions per block
 *   CV_WCB, CV_WCIB, CV_WTB   dw_over: channel vectors (of 16 output
 *                        channels) x input channels x taps (3 or 9) per block
 *   CV_WPU               dw_over: pixels of a row per step
 *
 * The blocking decides only which sums are in registers together; every
 * output's sum runs in the same order (conv3x3.h), so every file gives the
 * same bits. The blocks are always-inline functions called with constant
 * sizes: GCC unrolls them fully and keeps the accumulators in registers
 * (the files are built at -O3).
 */
#include <stddef.h>

#include "conv3x3.h"

#define CV_INLINE static inline __attribute__((always_inline))

/* Input offset of tap t (row-major in the 3x3 window) at pitch P. */
CV_INLINE size_t tap_offset(int t, int pitch)
{
    return (size_t)(t / 3) * (size_t)pitch + (size_t)(t % 3);
}

/*
 * out[co*ocs + ob[j]], 16 lanes, = sum over ci in order, then tap t in
 * order, of w[(co*cin + ci)*9 + t] * in[ci*ics + ib[j] + tap_offset(t)],
 * for output channels co0 .. co0+cb and positions j0 .. j0+qb.
 */
CV_INLINE void conv_block(const nn_conv3x3_pass *p, int co0, int j0, int cb, int qb)
{
    cv_v acc[CV_CB][CV_QB];
    for (int c = 0; c < cb; c++)
        for (int j = 0; j < qb; j++)
            acc[c][j] = cv_zero();
    const size_t wco = (size_t)p->cin * 9;
    for (int ci = 0; ci < p->cin; ci++) {
        const float *in = p->in + (size_t)ci * p->ics;
        const float *w = p->w + (size_t)co0 * wco + (size_t)ci * 9;
        for (int t = 0; t < 9; t++) {
            const size_t off = tap_offset(t, p->pitch);
            cv_v x[CV_QB];
            for (int j = 0; j < qb; j++)
                x[j] = cv_load(in + p->ib[j0 + j] + off);
            for (int c = 0; c < cb; c++) {
                const cv_v wv = cv_bcast(w[c * wco + t]);
                for (int j = 0; j < qb; j++)
                    acc[c][j] = cv_fma(wv, x[j], acc[c][j]);
            }
        }
    }
    for (int c = 0; c < cb; c++)
        for (int j = 0; j < qb; j++)
            cv_store(p->out + (size_t)(co0 + c) * p->ocs + p->ob[j0 + j], acc[c][j]);
}

static void conv_over(const nn_conv3x3_pass *p)
{
    int co0 = 0;
    for (; co0 + CV_CB <= p->cout; co0 += CV_CB) {
        int j0 = 0;
        for (; j0 + CV_QB <= p->npos; j0 += CV_QB)
            conv_block(p, co0, j0, CV_CB, CV_QB);
        for (; j0 < p->npos; j0++)
            conv_block(p, co0, j0, CV_CB, 1);
    }
    for (; co0 < p->cout; co0++) {
        int j0 = 0;
        for (; j0 + CV_QB <= p->npos; j0 += CV_QB)
            conv_block(p, co0, j0, 1, CV_QB);
        for (; j0 < p->npos; j0++)
            conv_block(p, co0, j0, 1, 1);
    }
}

/*
 * The weight gradient with the output channels in the lanes: for the
 * channel vectors v0 .. v0+cb (16 channels each), input channels
 * ci0 .. ci0+cib and taps t0 .. t0+tb, the sum over the group's images and
 * pixels in order of dyt[pixel][channel] * x[ci][pixel + tap], one chain
 * per weight from 0, then added to acc[ci][t][channel]. dy's vectors are
 * aligned loads and x's values broadcasts: no load crosses a cache line.
 */
CV_INLINE void dw_block(const nn_conv3x3_dwpass *p, int v0, int ci0, int t0, int cb,
                        int cib, int tb)
{
    cv_v acc[CV_WCB][CV_WCIB][CV_WTB];
    for (int k = 0; k < cb; k++)
        for (int j = 0; j < cib; j++)
            for (int t = 0; t < tb; t++)
                acc[k][j][t] = cv_zero();
    const size_t cpad = (size_t)p->cvec * 16, pitch = (size_t)p->pitch;
    const int r0 = t0 / 3, nr = tb / 3; /* the taps are whole rows of the window */
    for (int i = 0; i < p->nimg; i++) {
        const float *dyi = p->dyt + (size_t)i * p->h * p->w * cpad + (size_t)v0 * 16;
        const float *xi = p->x + i * p->ximg + (size_t)ci0 * p->plane;
        for (int r = 0; r < p->h; r++) {
            const float *dyr = dyi + (size_t)r * p->w * cpad;
            const float *xr = xi + (size_t)r * pitch;
            int c = 0;
            /* CV_WPU pixels of the row at a time: along a row of the window
             * they share all but two of their x values, broadcast once. */
            for (; c + CV_WPU <= p->w; c += CV_WPU) {
                cv_v d[CV_WPU][CV_WCB];
                for (int u = 0; u < CV_WPU; u++)
                    for (int k = 0; k < cb; k++)
                        d[u][k] = cv_load(dyr + (size_t)(c + u) * cpad + 16 * k);
                for (int j = 0; j < cib; j++)
                    for (int a = 0; a < nr; a++) {
                        const float *xa =
                            xr + j * p->plane + (size_t)(r0 + a) * pitch + c;
                        cv_v xb[CV_WPU + 2];
                        for (int e = 0; e < CV_WPU + 2; e++)
                            xb[e] = cv_bcast(xa[e]);
                        for (int u = 0; u < CV_WPU; u++)
                            for (int b = 0; b < 3; b++)
                                for (int k = 0; k < cb; k++)
                                    acc[k][j][3 * a + b] =
                                        cv_fma(d[u][k], xb[u + b], acc[k][j][3 * a + b]);
                    }
            }
            for (; c < p->w; c++) {
                cv_v d[CV_WCB];
                for (int k = 0; k < cb; k++)
                    d[k] = cv_load(dyr + (size_t)c * cpad + 16 * k);
                for (int j = 0; j < cib; j++)
                    for (int t = 0; t < tb; t++) {
                        const cv_v xs = cv_bcast(
                            xr[j * p->plane + (size_t)(r0 + t / 3) * pitch + c + t % 3]);
                        for (int k = 0; k < cb; k++)
                            acc[k][j][t] = cv_fma(d[k], xs, acc[k][j][t]);
                    }
            }
        }
    }
    for (int k = 0; k < cb; k++)
        for (int j = 0; j < cib; j++)
            for (int t = 0; t < tb; t++) {
                float *a = p->acc + ((size_t)(ci0 + j) * 9 + (size_t)(t0 + t)) * cpad +
                           (size_t)(v0 + k) * 16;
                cv_store(a, cv_add(cv_load(a), acc[k][j][t]));
            }
}

/* Every block of the group: channel vectors in blocks of CV_WCB, then one
 * at a time with input channels in blocks of CV_WCIB, taps in CV_WTB. */
static void dw_over(const nn_conv3x3_dwpass *p)
{
    int v0 = 0;
    if (CV_WCB > 1)
        for (; v0 + CV_WCB <= p->cvec; v0 += CV_WCB)
            for (int ci = 0; ci < p->cin; ci++)
                for (int t0 = 0; t0 < 9; t0 += CV_WTB)
                    dw_block(p, v0, ci, t0, CV_WCB, 1, CV_WTB);
    for (; v0 < p->cvec; v0++) {
        int ci = 0;
        for (; ci + CV_WCIB <= p->cin; ci += CV_WCIB)
            for (int t0 = 0; t0 < 9; t0 += CV_WTB)
                dw_block(p, v0, ci, t0, 1, CV_WCIB, CV_WTB);
        for (; ci < p->cin; ci++)
            for (int t0 = 0; t0 < 9; t0 += CV_WTB)
                dw_block(p, v0, ci, t0, 1, 1, CV_WTB);
    }
}

const nn_conv3x3_kernels CV_TABLE = {conv_over, dw_over};
