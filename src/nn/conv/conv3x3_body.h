/*
 * conv3x3_body.h - the two loops of the direct 3x3 convolution (conv3x3.h),
 * both with 16 output channels in the lanes of a vector,
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
 *   CV_FCB, CV_FPB       conv_over: channel vectors (of 16 output
 *                        channels) x pixels of a row per block
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

/* The offset in the padded plane of tap i of nt along an axis: the 3x3
 * window's 0, 1, 2; a parity phase's (conv3x3.h) single tap 1, or its two
 * taps 2 then 1 (kernel rows 0 then 2). */
CV_INLINE int tap_offset(int nt, int i)
{
    return nt == 3 ? i : nt == 1 ? 1 : 2 - i;
}

/*
 * Outputs of pixels (r, c .. c+pb) for the channel vectors v0 .. v0+cb, at
 * stride st, with nta x ntb taps (constants: st 1 or 2 with 3 x 3 taps, or
 * st 1 with a parity phase's 1 or 2 by 1 or 2): each the sum over ci in
 * order, then tap t = a*ntb + b in order, of wt[ci][t][channel] *
 * x[ci][(st*r + tap_offset(nta, a))*pitch + st*(c + u) + tap_offset(ntb, b)],
 * a chain of fused multiply-adds from 0. A row of the window's
 * st*(pb - 1) + 3 values of x are broadcast once for its taps; the weights
 * are aligned loads.
 */
CV_INLINE void conv_block(const nn_conv3x3_fpass *p, int r, int c, int v0, int cb, int pb,
                          int st, int nta, int ntb)
{
    cv_v acc[CV_FCB][CV_FPB];
    for (int k = 0; k < cb; k++)
        for (int u = 0; u < pb; u++)
            acc[k][u] = cv_zero();
    const size_t cpad = (size_t)p->cvec * 16, pitch = (size_t)p->pitch;
    const float *xr = p->x + (size_t)st * ((size_t)r * pitch + (size_t)c);
    const float *wv0 = p->wt + (size_t)v0 * 16;
    for (int ci = 0; ci < p->cin; ci++) {
        const float *xc = xr + (size_t)ci * p->plane;
        const float *wc = wv0 + (size_t)ci * (size_t)(nta * ntb) * cpad;
        for (int a = 0; a < nta; a++) {
            cv_v xb[2 * CV_FPB + 1];
            for (int e = 0; e < st * (pb - 1) + 3; e++)
                xb[e] = cv_bcast(xc[(size_t)tap_offset(nta, a) * pitch + (size_t)e]);
            for (int b = 0; b < ntb; b++) {
                cv_v wv[CV_FCB];
                for (int k = 0; k < cb; k++)
                    wv[k] = cv_load(wc + (size_t)(a * ntb + b) * cpad + 16 * (size_t)k);
                for (int u = 0; u < pb; u++)
                    for (int k = 0; k < cb; k++)
                        acc[k][u] =
                            cv_fma(wv[k], xb[st * u + tap_offset(ntb, b)], acc[k][u]);
            }
        }
    }
    float *y = p->yt + ((size_t)r * p->w + (size_t)c) * cpad + (size_t)v0 * 16;
    for (int u = 0; u < pb; u++)
        for (int k = 0; k < cb; k++)
            cv_store(y + (size_t)u * cpad + 16 * (size_t)k, acc[k][u]);
}

/* Every channel vector of pixels (r, c .. c+pb). */
CV_INLINE void conv_strip(const nn_conv3x3_fpass *p, int r, int c, int pb, int st,
                          int nta, int ntb)
{
    int v0 = 0;
    if (CV_FCB > 1)
        for (; v0 + CV_FCB <= p->cvec; v0 += CV_FCB)
            conv_block(p, r, c, v0, CV_FCB, pb, st, nta, ntb);
    for (; v0 < p->cvec; v0++)
        conv_block(p, r, c, v0, 1, pb, st, nta, ntb);
}

/* The image's outputs at stride st with nta x ntb taps: rows in strips of
 * CV_FPB pixels, then one by one. */
CV_INLINE void conv_rows(const nn_conv3x3_fpass *p, int st, int nta, int ntb)
{
    for (int r = 0; r < p->h; r++) {
        int c = 0;
        for (; c + CV_FPB <= p->w; c += CV_FPB)
            conv_strip(p, r, c, CV_FPB, st, nta, ntb);
        for (; c < p->w; c++)
            conv_strip(p, r, c, 1, st, nta, ntb);
    }
}

static void conv_over(const nn_conv3x3_fpass *p)
{
    if (p->phase_rows == 0)
        p->stride == 2 ? conv_rows(p, 2, 3, 3) : conv_rows(p, 1, 3, 3);
    else if (p->phase_rows == 1)
        p->phase_cols == 1 ? conv_rows(p, 1, 1, 1) : conv_rows(p, 1, 1, 2);
    else
        p->phase_cols == 1 ? conv_rows(p, 1, 2, 1) : conv_rows(p, 1, 2, 2);
}

/*
 * The weight gradient with the output channels in the lanes: for the
 * channel vectors v0 .. v0+cb (16 channels each), input channels
 * ci0 .. ci0+cib and taps t0 .. t0+tb, the sum over the group's images and
 * output pixels in order of dyt[pixel][channel] * x[ci][st*pixel + tap]
 * (stride st, a constant), one chain per weight from 0, then added to
 * acc[ci][t][channel]. dy's vectors are aligned loads and x's values
 * broadcasts: no load crosses a cache line.
 */
CV_INLINE void dw_block(const nn_conv3x3_dwpass *p, int v0, int ci0, int t0, int cb,
                        int cib, int tb, int st)
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
            const float *xr = xi + (size_t)st * (size_t)r * pitch;
            int c = 0;
            /* CV_WPU pixels of the row at a time: along a row of the window
             * they share x values (at stride 1 all but two), broadcast
             * once. */
            for (; c + CV_WPU <= p->w; c += CV_WPU) {
                cv_v d[CV_WPU][CV_WCB];
                for (int u = 0; u < CV_WPU; u++)
                    for (int k = 0; k < cb; k++)
                        d[u][k] = cv_load(dyr + (size_t)(c + u) * cpad + 16 * k);
                for (int j = 0; j < cib; j++)
                    for (int a = 0; a < nr; a++) {
                        const float *xa =
                            xr + j * p->plane + (size_t)(r0 + a) * pitch + (size_t)st * c;
                        cv_v xb[2 * CV_WPU + 1];
                        for (int e = 0; e < st * (CV_WPU - 1) + 3; e++)
                            xb[e] = cv_bcast(xa[e]);
                        for (int u = 0; u < CV_WPU; u++)
                            for (int b = 0; b < 3; b++)
                                for (int k = 0; k < cb; k++)
                                    acc[k][j][3 * a + b] = cv_fma(d[u][k], xb[st * u + b],
                                                                  acc[k][j][3 * a + b]);
                    }
            }
            for (; c < p->w; c++) {
                cv_v d[CV_WCB];
                for (int k = 0; k < cb; k++)
                    d[k] = cv_load(dyr + (size_t)c * cpad + 16 * k);
                for (int j = 0; j < cib; j++)
                    for (int t = 0; t < tb; t++) {
                        const cv_v xs =
                            cv_bcast(xr[j * p->plane + (size_t)(r0 + t / 3) * pitch +
                                        (size_t)st * c + t % 3]);
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

/* Every block of the group at stride st: channel vectors in blocks of
 * CV_WCB, then one at a time with input channels in blocks of CV_WCIB,
 * taps in CV_WTB. */
CV_INLINE void dw_blocks(const nn_conv3x3_dwpass *p, int st)
{
    int v0 = 0;
    if (CV_WCB > 1)
        for (; v0 + CV_WCB <= p->cvec; v0 += CV_WCB)
            for (int ci = 0; ci < p->cin; ci++)
                for (int t0 = 0; t0 < 9; t0 += CV_WTB)
                    dw_block(p, v0, ci, t0, CV_WCB, 1, CV_WTB, st);
    for (; v0 < p->cvec; v0++) {
        int ci = 0;
        for (; ci + CV_WCIB <= p->cin; ci += CV_WCIB)
            for (int t0 = 0; t0 < 9; t0 += CV_WTB)
                dw_block(p, v0, ci, t0, 1, CV_WCIB, CV_WTB, st);
        for (; ci < p->cin; ci++)
            for (int t0 = 0; t0 < 9; t0 += CV_WTB)
                dw_block(p, v0, ci, t0, 1, 1, CV_WTB, st);
    }
}

static void dw_over(const nn_conv3x3_dwpass *p)
{
    if (p->stride == 2)
        dw_blocks(p, 2);
    else
        dw_blocks(p, 1);
}

/*
 * The transposes between planes (c, pix) and channels last (pix, cpad), in
 * tiles of 16 pixels x 16 channels (cpad is a multiple of 16): with
 * CV_TRANSPOSE16 (16 vectors transposed in registers) a whole tile at a
 * time, element by element otherwise. Values are moved, not computed (the
 * bias and add, each one add in that order), so every ISA gives the same
 * bits.
 */
static void to_planes(float *dst, const float *src, int c, size_t pix, size_t cpad,
                      const float *bias, const float *add)
{
    size_t q0 = 0;
#ifdef CV_TRANSPOSE16
    for (; q0 + 16 <= pix; q0 += 16)
        for (int ch0 = 0; ch0 < c; ch0 += 16) {
            cv_v r[16];
            for (int l = 0; l < 16; l++)
                r[l] = cv_load(src + (q0 + (size_t)l) * cpad + (size_t)ch0);
            CV_TRANSPOSE16(r);
            for (int j = 0; j < 16 && ch0 + j < c; j++) {
                const size_t at = (size_t)(ch0 + j) * pix + q0;
                cv_v v = bias ? cv_add(r[j], cv_bcast(bias[ch0 + j])) : r[j];
                cv_store(dst + at, add ? cv_add(v, cv_load(add + at)) : v);
            }
        }
#endif
    for (; q0 < pix; q0 += 16) {
        const size_t nq = pix - q0 < 16 ? pix - q0 : 16;
        const float *t = src + q0 * cpad;
        for (int ch = 0; ch < c; ch++) {
            const size_t at = (size_t)ch * pix + q0;
            for (size_t l = 0; l < nq; l++) {
                float v =
                    bias ? t[l * cpad + (size_t)ch] + bias[ch] : t[l * cpad + (size_t)ch];
                dst[at + l] = add ? v + add[at + l] : v;
            }
        }
    }
}

static void to_lanes(float *dst, const float *src, int c, size_t pix, size_t cpad)
{
    size_t q0 = 0;
#ifdef CV_TRANSPOSE16
    for (; q0 + 16 <= pix; q0 += 16)
        for (size_t ch0 = 0; ch0 < cpad; ch0 += 16) {
            cv_v r[16];
            for (int j = 0; j < 16; j++)
                r[j] = (int)ch0 + j < c ? cv_load(src + (ch0 + (size_t)j) * pix + q0)
                                        : cv_zero();
            CV_TRANSPOSE16(r);
            for (int l = 0; l < 16; l++)
                cv_store(dst + (q0 + (size_t)l) * cpad + ch0, r[l]);
        }
#endif
    for (; q0 < pix; q0 += 16) {
        const size_t nq = pix - q0 < 16 ? pix - q0 : 16;
        float *t = dst + q0 * cpad;
        for (int ch = 0; ch < c; ch++)
            for (size_t l = 0; l < nq; l++)
                t[l * cpad + (size_t)ch] = src[(size_t)ch * pix + q0 + l];
        for (size_t l = 0; l < nq; l++)
            for (size_t ch = (size_t)c; ch < cpad; ch++)
                t[l * cpad + ch] = 0;
    }
}

const nn_conv3x3_kernels CV_TABLE = {conv_over, dw_over, to_planes, to_lanes};
