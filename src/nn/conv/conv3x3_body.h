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
 *   cv_sub(a, b)         a - b, lane by lane
 *   CV_GCB, CV_GTB       wino_over's products: channel vectors (1, 2 or 4)
 *                        x tiles per block of the widest kind; CV_G2T and
 *                        CV_G1T tiles (at most 16) for blocks of two and
 *                        one vector
 *
 * The blocking decides only which sums are in registers together; every
 * output's sum runs in the same order (conv3x3.h), so every file gives the
 * same bits. The blocks are always-inline functions called with constant
 * sizes: GCC unrolls them fully and keeps the accumulators in registers
 * (the files are built at -O3).
 */
#include <stddef.h>
#include <string.h>

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
 * Winograd's F(2x2, 3x3) for the stride-1 convolution of one image
 * (conv3x3.h): each tile of 2x2 outputs from its 4x4 window of the padded
 * input in three steps, channels in the lanes throughout.
 *
 *   wino_in:   v[t][xi] = (B' d B)[xi] for each tile t, d its window
 *   wino_mul:  m[t][xi] = sum over ci in order of u[xi][ci] * v[t][xi][ci],
 *              one chain of fused multiply-adds from 0 per (t, xi, lane)
 *   wino_out:  the tile's outputs (A' m A), those inside the plane stored
 *
 * (Tile-major: a tile's 16 transformed vectors are neighbours. Stored
 * xi-major, 16 arrays a power of two apart, they fell in the same cache
 * sets and the transforms ran 3x slower.)
 *
 * B' = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], A' = [1 1 1 0; 0 1 -1 -1],
 * each row's terms added left to right, rows before columns: the same
 * operations in the same order on every ISA.
 */
CV_INLINE void wino_rows_in(const cv_v d[4], cv_v e[4])
{
    e[0] = cv_sub(d[0], d[2]);
    e[1] = cv_add(d[1], d[2]);
    e[2] = cv_sub(d[2], d[1]);
    e[3] = cv_sub(d[1], d[3]);
}

/* out (no x no) = F in F' for in (ni x ni), both row-major, F the 1-D
 * transform f (ni values to no): f down each column, then along each row.
 * Every transform of Winograd's (B'dB, A'mA, GgG', A dY A', G'uG) is one,
 * so all run their operations in this one order. */
typedef void wino_1d(const cv_v *in, cv_v *out);
CV_INLINE void wino_2d(const cv_v *in, int ni, int no, wino_1d *f, cv_v *out)
{
    cv_v t[4 * 4]; /* t[a * ni + b]: f down column b, its value a */
    for (int b = 0; b < ni; b++) {
        cv_v col[4], o[4];
        for (int a = 0; a < ni; a++)
            col[a] = in[a * ni + b];
        f(col, o);
        for (int a = 0; a < no; a++)
            t[a * ni + b] = o[a];
    }
    for (int a = 0; a < no; a++)
        f(t + a * ni, out + a * no);
}

/* A tile's row and column as the tiles are walked row-major, ncol a row. */
typedef struct wino_tile {
    int r, c, ncol;
} wino_tile;

CV_INLINE wino_tile wino_tile_at(int t, int ncol)
{
    wino_tile q = {t / ncol, t % ncol, ncol};
    return q;
}

CV_INLINE void wino_tile_next(wino_tile *q)
{
    if (++q->c == q->ncol) {
        q->c = 0;
        q->r++;
    }
}

/* v[t - t0] for the tiles t0 .. t1 (row-major over the tr x tc tiles). */
static void wino_in(const nn_conv3x3_wpass *p, int t0, int t1)
{
    const size_t cpi = (size_t)p->cvi * 16;
    wino_tile q = wino_tile_at(t0, p->tc);
    for (int tt = t0; tt < t1; tt++, wino_tile_next(&q)) {
        const size_t t = (size_t)(tt - t0);
        for (int k = 0; k < p->cvi; k++) {
            const float *x =
                p->xcl + ((size_t)2 * q.r * p->pitch + 2 * (size_t)q.c) * cpi + 16 * k;
            cv_v d[16], v[16];
            for (int a = 0; a < 4; a++)
                for (int b = 0; b < 4; b++)
                    d[4 * a + b] = cv_load(x + ((size_t)a * p->pitch + (size_t)b) * cpi);
            wino_2d(d, 4, 4, wino_rows_in, v);
            for (int xi = 0; xi < 16; xi++)
                cv_store(p->v + (t * 16 + (size_t)xi) * cpi + 16 * k, v[xi]);
        }
    }
}

/* m[t0 .. t0+tb][xi] for the channel vectors v0 .. v0+cb (cb * tb at most
 * CV_GCB * CV_GTB, and tb at most 16: GCC unrolls no longer loop fully, and
 * the sums would leave the registers). cvi is p->cvi, a constant where the
 * caller can make it one: then the tiles' broadcasts are constant
 * displacements from one pointer (with a variable stride GCC kept each
 * tile's offset in a register and spilled them). */
CV_INLINE void wino_mul_block(const nn_conv3x3_wpass *p, int xi, size_t t0, int v0,
                              int cb, int tb, int cvi)
{
    cv_v acc[24];
    for (int q = 0; q < cb * tb; q++)
        acc[q] = cv_zero();
    const size_t cpi = (size_t)cvi * 16, cpo = (size_t)p->cvo * 16;
    const float *v = p->v + (t0 * 16 + (size_t)xi) * cpi;
    const float *u = p->u + (size_t)xi * p->cin * cpo + (size_t)v0 * 16;
    for (int ci = 0; ci < p->cin; ci++) {
        cv_v w[4];
        for (int k = 0; k < cb; k++)
            w[k] = cv_load(u + (size_t)ci * cpo + 16 * (size_t)k);
        for (int i = 0; i < tb; i++) {
            const cv_v b = cv_bcast(v[(size_t)i * 16 * cpi + (size_t)ci]);
            for (int k = 0; k < cb; k++)
                acc[k * tb + i] = cv_fma(w[k], b, acc[k * tb + i]);
        }
    }
    float *m = p->m + (t0 * 16 + (size_t)xi) * cpo + (size_t)v0 * 16;
    for (int k = 0; k < cb; k++)
        for (int i = 0; i < tb; i++)
            cv_store(m + (size_t)i * 16 * cpo + 16 * (size_t)k, acc[k * tb + i]);
}

/* All of m[.][xi] for the vectors v0 .. v0+cb: blocks of tb tiles, the
 * tiles left in blocks of 4, then one by one. */
CV_INLINE void wino_mul_tiles(const nn_conv3x3_wpass *p, size_t tiles, int xi, int v0,
                              int cb, int tb, int cvi)
{
    size_t t = 0;
    for (; t + (size_t)tb <= tiles; t += (size_t)tb)
        wino_mul_block(p, xi, t, v0, cb, tb, cvi);
    for (; t + 4 <= tiles; t += 4)
        wino_mul_block(p, xi, t, v0, cb, 4, cvi);
    for (; t < tiles; t++)
        wino_mul_block(p, xi, t, v0, cb, 1, cvi);
}

CV_INLINE void wino_mul_cvi(const nn_conv3x3_wpass *p, size_t tiles, int cvi)
{
    for (int xi = 0; xi < 16; xi++) {
        int v0 = 0;
        if (CV_GCB >= 4)
            for (; v0 + 4 <= p->cvo; v0 += 4)
                wino_mul_tiles(p, tiles, xi, v0, 4, CV_GTB, cvi);
        if (CV_GCB >= 2)
            for (; v0 + 2 <= p->cvo; v0 += 2)
                wino_mul_tiles(p, tiles, xi, v0, 2, CV_G2T, cvi);
        for (; v0 < p->cvo; v0++)
            wino_mul_tiles(p, tiles, xi, v0, 1, CV_G1T, cvi);
    }
}

/* The products of the first `tiles` tiles of v, specialised for the
 * ResNet's channel counts (16, 32, 64: one, two or four vectors). */
static void wino_mul(const nn_conv3x3_wpass *p, size_t tiles)
{
    switch (p->cvi) {
    case 1: wino_mul_cvi(p, tiles, 1); break;
    case 2: wino_mul_cvi(p, tiles, 2); break;
    case 4: wino_mul_cvi(p, tiles, 4); break;
    default: wino_mul_cvi(p, tiles, p->cvi); break;
    }
}

CV_INLINE void wino_rows_out(const cv_v m[4], cv_v s[2])
{
    s[0] = cv_add(cv_add(m[0], m[1]), m[2]);
    s[1] = cv_sub(cv_sub(m[1], m[2]), m[3]);
}

/* The outputs of the tiles t0 .. t1 from m[t - t0]. */
static void wino_out(const nn_conv3x3_wpass *p, int t0, int t1)
{
    const size_t cpo = (size_t)p->cvo * 16;
    wino_tile q = wino_tile_at(t0, p->tc);
    for (int tt = t0; tt < t1; tt++, wino_tile_next(&q)) {
        const size_t t = (size_t)(tt - t0);
        for (int k = 0; k < p->cvo; k++) {
            const float *m = p->m + t * 16 * cpo + 16 * (size_t)k;
            cv_v mv[16], y[4];
            for (int xi = 0; xi < 16; xi++)
                mv[xi] = cv_load(m + (size_t)xi * cpo);
            wino_2d(mv, 4, 2, wino_rows_out, y);
            for (int i = 0; i < 2 && 2 * q.r + i < p->ho; i++)
                for (int j = 0; j < 2 && 2 * q.c + j < p->wo; j++)
                    cv_store(p->yt +
                                 ((size_t)(2 * q.r + i) * p->wo + (size_t)(2 * q.c + j)) *
                                     cpo +
                                 16 * (size_t)k,
                             y[2 * i + j]);
        }
    }
}

/* out = G in (G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]): the sums left
 * to right, then halved (exact). */
CV_INLINE void wino_g(const cv_v in[3], cv_v out[4])
{
    const cv_v half = cv_bcast(0.5f), zero = cv_zero();
    out[0] = in[0];
    out[1] = cv_fma(cv_add(cv_add(in[0], in[1]), in[2]), half, zero);
    out[2] = cv_fma(cv_add(cv_sub(in[0], in[1]), in[2]), half, zero);
    out[3] = in[2];
}

/* u (16, cin, cpad) = G g G' for each 3x3 kernel g of wt (cin, 9, cpad),
 * the lanes' channels side by side. */
static void wino_weights(float *u, const float *wt, int cin, size_t cpad)
{
    for (int ci = 0; ci < cin; ci++)
        for (size_t l = 0; l < cpad; l += 16) {
            cv_v g[9], o[16];
            for (int t = 0; t < 9; t++)
                g[t] = cv_load(wt + ((size_t)ci * 9 + (size_t)t) * cpad + l);
            wino_2d(g, 3, 4, wino_g, o);
            for (int xi = 0; xi < 16; xi++)
                cv_store(u + ((size_t)xi * cin + (size_t)ci) * cpad + l, o[xi]);
        }
}

/* Tiles per band: as many as keep a band's v and m within CV_WINO_BAND
 * floats (in the L1 cache), in whole blocks of the widest products (at
 * least one), at most NN_CONV3X3_WINO_BAND (the scratch's size). */
#define CV_WINO_BAND 8192
_Static_assert(CV_G1T <= NN_CONV3X3_WINO_BAND && CV_G2T <= NN_CONV3X3_WINO_BAND &&
                   CV_GTB <= NN_CONV3X3_WINO_BAND,
               "a block of the products fits a band");

/* wino_over's band for products in blocks of `block` tiles. */
static int wino_band(const nn_conv3x3_wpass *p, int block)
{
    int band = CV_WINO_BAND / (16 * 16 * (p->cvi + p->cvo));
    band = band < block ? block : band / block * block;
    return band > NN_CONV3X3_WINO_BAND ? NN_CONV3X3_WINO_BAND / block * block : band;
}

static void wino_over(const nn_conv3x3_wpass *p)
{
    const int block = CV_GCB >= 4 && p->cvo >= 4   ? CV_GTB
                      : CV_GCB >= 2 && p->cvo >= 2 ? CV_G2T
                                                   : CV_G1T;
    const int band = wino_band(p, block);
    const int tiles = p->tr * p->tc;
    for (int t0 = 0; t0 < tiles; t0 += band) {
        const int t1 = tiles - t0 < band ? tiles : t0 + band;
        wino_in(p, t0, t1);
        wino_mul(p, (size_t)(t1 - t0));
        wino_out(p, t0, t1);
    }
}

/*
 * Winograd's weight gradient (conv3x3.h): with Y = A' (U . V) A per tile,
 * dL/dU = sum over the tiles of (A dY A') . V and dL/dg = G' (dL/dU) G.
 *
 *   wino_dy:      d[t][xi] = (A dY A')[xi] for each tile t, dY its 2x2
 *                 outputs' gradients (0 outside the plane)
 *   wino_dw_mul:  du[xi][ci] += sum over the band's tiles in order of
 *                 v[t][xi][ci] * d[t][xi], one chain per (xi, ci, lane)
 *                 through all the slice's images and tiles
 *   wino_dw_g:    acc[ci][3p + q] = (G' du G)[p][q]
 *
 * A = [1 0; 1 1; 1 -1; 0 -1]; each row's terms added left to right, rows
 * before columns, as in the forward.
 */
CV_INLINE void wino_rows_dy(const cv_v a[2], cv_v out[4])
{
    out[0] = a[0];
    out[1] = cv_add(a[0], a[1]);
    out[2] = cv_sub(a[0], a[1]);
    out[3] = cv_sub(cv_zero(), a[1]);
}

/* d[t - t0] for the tiles t0 .. t1 from dyt (ho, wo, cvo*16). */
static void wino_dy(const nn_conv3x3_wdwpass *p, int t0, int t1)
{
    const size_t cpo = (size_t)p->in.cvo * 16;
    wino_tile q = wino_tile_at(t0, p->in.tc);
    for (int tt = t0; tt < t1; tt++, wino_tile_next(&q)) {
        const size_t t = (size_t)(tt - t0);
        const int r0 = 2 * q.r, c0 = 2 * q.c;
        for (int k = 0; k < p->in.cvo; k++) {
            cv_v y[4], o[16]; /* the tile's dY, 0 past the plane's last row or column */
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++)
                    y[2 * i + j] =
                        r0 + i < p->in.ho && c0 + j < p->in.wo
                            ? cv_load(p->dyt +
                                      ((size_t)(r0 + i) * p->in.wo + (size_t)(c0 + j)) *
                                          cpo +
                                      16 * (size_t)k)
                            : cv_zero();
            wino_2d(y, 2, 4, wino_rows_dy, o);
            for (int xi = 0; xi < 16; xi++)
                cv_store(p->d + (t * 16 + (size_t)xi) * cpo + 16 * (size_t)k, o[xi]);
        }
    }
}

/* du[xi][ci0 .. ci0+ib][v0 .. v0+cb] += the band's (nt tiles) products. */
CV_INLINE void wino_dw_block(const nn_conv3x3_wdwpass *p, int xi, int ci0, int v0, int cb,
                             int ib, size_t nt, int cvi)
{
    const size_t cpi = (size_t)cvi * 16, cpo = (size_t)p->in.cvo * 16;
    float *du = p->du + ((size_t)xi * p->in.cin + (size_t)ci0) * cpo + (size_t)v0 * 16;
    cv_v acc[24];
    for (int k = 0; k < cb; k++)
        for (int j = 0; j < ib; j++)
            acc[k * ib + j] = cv_load(du + (size_t)j * cpo + 16 * (size_t)k);
    const float *v = p->in.v + (size_t)xi * cpi + (size_t)ci0;
    const float *d = p->d + (size_t)xi * cpo + (size_t)v0 * 16;
    for (size_t t = 0; t < nt; t++, v += 16 * cpi, d += 16 * cpo) {
        cv_v w[4];
        for (int k = 0; k < cb; k++)
            w[k] = cv_load(d + 16 * (size_t)k);
        for (int j = 0; j < ib; j++) {
            const cv_v b = cv_bcast(v[j]);
            for (int k = 0; k < cb; k++)
                acc[k * ib + j] = cv_fma(w[k], b, acc[k * ib + j]);
        }
    }
    for (int k = 0; k < cb; k++)
        for (int j = 0; j < ib; j++)
            cv_store(du + (size_t)j * cpo + 16 * (size_t)k, acc[k * ib + j]);
}

/* Every input channel of du[xi] for the vectors v0 .. v0+cb: blocks of ib
 * channels, the channels left in blocks of 4, then one by one. */
CV_INLINE void wino_dw_chans(const nn_conv3x3_wdwpass *p, int xi, int v0, int cb, int ib,
                             size_t nt, int cvi)
{
    int ci = 0;
    for (; ci + ib <= p->in.cin; ci += ib)
        wino_dw_block(p, xi, ci, v0, cb, ib, nt, cvi);
    for (; ci + 4 <= p->in.cin; ci += 4)
        wino_dw_block(p, xi, ci, v0, cb, 4, nt, cvi);
    for (; ci < p->in.cin; ci++)
        wino_dw_block(p, xi, ci, v0, cb, 1, nt, cvi);
}

CV_INLINE void wino_dw_mul_cvi(const nn_conv3x3_wdwpass *p, size_t nt, int cvi)
{
    for (int xi = 0; xi < 16; xi++) {
        int v0 = 0;
        if (CV_GCB >= 4)
            for (; v0 + 4 <= p->in.cvo; v0 += 4)
                wino_dw_chans(p, xi, v0, 4, CV_GTB, nt, cvi);
        if (CV_GCB >= 2)
            for (; v0 + 2 <= p->in.cvo; v0 += 2)
                wino_dw_chans(p, xi, v0, 2, CV_G2T, nt, cvi);
        for (; v0 < p->in.cvo; v0++)
            wino_dw_chans(p, xi, v0, 1, CV_G1T, nt, cvi);
    }
}

/* The products of a band of nt tiles, specialised as wino_mul is. */
static void wino_dw_mul(const nn_conv3x3_wdwpass *p, size_t nt)
{
    switch (p->in.cvi) {
    case 1: wino_dw_mul_cvi(p, nt, 1); break;
    case 2: wino_dw_mul_cvi(p, nt, 2); break;
    case 4: wino_dw_mul_cvi(p, nt, 4); break;
    default: wino_dw_mul_cvi(p, nt, p->in.cvi); break;
    }
}

/* Bands of NN_CONV3X3_WINO_BAND tiles (each band loads and stores the sums
 * once: the more tiles, the fewer times). */
static void wino_dw(const nn_conv3x3_wdwpass *p)
{
    const int band = NN_CONV3X3_WINO_BAND;
    const int tiles = p->in.tr * p->in.tc;
    for (int t0 = 0; t0 < tiles; t0 += band) {
        const int t1 = tiles - t0 < band ? tiles : t0 + band;
        wino_in(&p->in, t0, t1);
        wino_dy(p, t0, t1);
        wino_dw_mul(p, (size_t)(t1 - t0));
    }
}

/* out = G' in (G' = [1 1/2 1/2 0; 0 1/2 -1/2 0; 0 1/2 1/2 1]): the halved
 * sums as wino_g halves them. */
CV_INLINE void wino_gt(const cv_v in[4], cv_v out[3])
{
    const cv_v half = cv_bcast(0.5f), zero = cv_zero();
    const cv_v s = cv_fma(cv_add(in[1], in[2]), half, zero);
    out[0] = cv_add(in[0], s);
    out[1] = cv_fma(cv_sub(in[1], in[2]), half, zero);
    out[2] = cv_add(s, in[3]);
}

/* acc (cin, 9, cpad) = G' du G for each input channel (du (16, cin, cpad)). */
static void wino_dw_g(float *acc, const float *du, int cin, size_t cpad)
{
    for (int ci = 0; ci < cin; ci++)
        for (size_t l = 0; l < cpad; l += 16) {
            cv_v d[16], o[9];
            for (int xi = 0; xi < 16; xi++)
                d[xi] = cv_load(du + ((size_t)xi * cin + (size_t)ci) * cpad + l);
            wino_2d(d, 4, 3, wino_gt, o);
            for (int t = 0; t < 9; t++)
                cv_store(acc + ((size_t)ci * 9 + (size_t)t) * cpad + l, o[t]);
        }
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

/* n pixels (of cpad floats) of dst from pixel p0 set to 0. */
static void zero_pixels(float *dst, size_t p0, size_t n, size_t cpad)
{
    memset(dst + p0 * cpad, 0, sizeof(float) * n * cpad);
}

/*
 * dst (rows, pitch, cpad) = the planes src (c, h, w) with the channels last
 * (0 past c), plane pixel (r, col) at padded pixel (r + 1, col + 1) inside a
 * zero border (rows >= h + 2, pitch >= w + 2): pad_planes then to_lanes in
 * one pass, without the padded planes between. The plane's pixels are
 * taken 16 at a time in order (across rows when w < 16), each stored at its
 * padded place.
 */
static void to_lanes_padded(float *dst, const float *src, int c, int h, int w, int pitch,
                            int rows, size_t cpad)
{
    const size_t pix = (size_t)h * w, pt = (size_t)pitch;
    zero_pixels(dst, 0, pt + 1, cpad); /* row 0, row 1's left border */
    for (int r = 0; r < h; r++)        /* right border(s), the next row's left */
        zero_pixels(dst, (size_t)(r + 1) * pt + (size_t)w + 1, pt - (size_t)w, cpad);
    zero_pixels(dst, (size_t)(h + 1) * pt + 1, (size_t)(rows - h - 1) * pt - 1, cpad);
    size_t q0 = 0;
    int r0 = 0, c0 = 0; /* pixel q0's row and column */
#ifdef CV_TRANSPOSE16
    for (; q0 + 16 <= pix; q0 += 16) {
        for (size_t ch0 = 0; ch0 < cpad; ch0 += 16) {
            cv_v v[16];
            for (int j = 0; j < 16; j++)
                v[j] = (int)ch0 + j < c ? cv_load(src + (ch0 + (size_t)j) * pix + q0)
                                        : cv_zero();
            CV_TRANSPOSE16(v);
            int r = r0, col = c0;
            for (int l = 0; l < 16; l++) {
                cv_store(dst + ((size_t)(r + 1) * pt + (size_t)col + 1) * cpad + ch0,
                         v[l]);
                if (++col == w)
                    col = 0, r++;
            }
        }
        for (c0 += 16; c0 >= w; c0 -= w)
            r0++;
    }
#endif
    for (; q0 < pix; q0++) {
        float *t = dst + ((size_t)(r0 + 1) * pt + (size_t)c0 + 1) * cpad;
        for (int ch = 0; ch < c; ch++)
            t[ch] = src[(size_t)ch * pix + q0];
        for (size_t ch = (size_t)c; ch < cpad; ch++)
            t[ch] = 0;
        if (++c0 == w)
            c0 = 0, r0++;
    }
}

const nn_conv3x3_kernels CV_TABLE = {conv_over,    dw_over,  wino_over,
                                     wino_weights, wino_dw,  wino_dw_g,
                                     to_planes,    to_lanes, to_lanes_padded};
