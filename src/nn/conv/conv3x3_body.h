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
 *   CV_CB, CV_QB         conv_over: output channels x positions per block
 *   CV_DCB, CV_DTB       dw_over: output channels x taps per block
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
 * lanes[((co*cin + ci)*9 + t)*16 + l] += dy[co*ocs + ob[j] + l] *
 * in[ci*ics + ib[j] + tap_offset(t) + l], over positions j in order, for
 * output channels co0 .. co0+cb and taps t0 .. t0+tb of input channel ci.
 */
CV_INLINE void dw_block(const nn_conv3x3_pass *p, int co0, int ci, int t0, int cb, int tb)
{
    cv_v acc[CV_DCB][CV_DTB];
    float *lanes = p->lanes + ((size_t)co0 * p->cin + (size_t)ci) * 9 * 16;
    const size_t lco = (size_t)p->cin * 9 * 16;
    for (int c = 0; c < cb; c++)
        for (int t = 0; t < tb; t++)
            acc[c][t] = cv_load(lanes + c * lco + (size_t)(t0 + t) * 16);
    size_t off[CV_DTB];
    for (int t = 0; t < tb; t++)
        off[t] = tap_offset(t0 + t, p->pitch);
    const float *in = p->in + (size_t)ci * p->ics;
    const float *dy = p->dy + (size_t)co0 * p->ocs;
    for (int j = 0; j < p->npos; j++) {
        cv_v d[CV_DCB];
        for (int c = 0; c < cb; c++)
            d[c] = cv_load(dy + c * p->ocs + p->ob[j]);
        const float *x = in + p->ib[j];
        for (int t = 0; t < tb; t++) {
            const cv_v xv = cv_load(x + off[t]);
            for (int c = 0; c < cb; c++)
                acc[c][t] = cv_fma(d[c], xv, acc[c][t]);
        }
    }
    for (int c = 0; c < cb; c++)
        for (int t = 0; t < tb; t++)
            cv_store(lanes + c * lco + (size_t)(t0 + t) * 16, acc[c][t]);
}

static void dw_over(const nn_conv3x3_pass *p)
{
    int co0 = 0;
    for (; co0 + CV_DCB <= p->cout; co0 += CV_DCB)
        for (int ci = 0; ci < p->cin; ci++)
            for (int t0 = 0; t0 < 9; t0 += CV_DTB)
                dw_block(p, co0, ci, t0, CV_DCB, CV_DTB);
    for (; co0 < p->cout; co0++)
        for (int ci = 0; ci < p->cin; ci++)
            for (int t0 = 0; t0 < 9; t0 += CV_DTB)
                dw_block(p, co0, ci, t0, 1, CV_DTB);
}

const nn_conv3x3_kernels CV_TABLE = {conv_over, dw_over};
