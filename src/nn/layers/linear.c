/*
 * linear.c - the fully connected layer: y = x . w^T + b, torch's layout
 * (w is (out, in)), both products through cblas.
 *
 * Threads: on one or two threads (the layers' setting, OpenBLAS's thread
 * count), a product of LINEAR_SPLIT_MACS multiply-adds or more is cut in
 * two fixed halves along the larger of its two output dimensions (so each
 * half packs the smaller operand again, never the larger), each half one
 * OpenBLAS call at one thread, the two on two threads when the layers run
 * on two (fork.h). OpenBLAS's own split of these products gained 1.4-1.6x
 * at two threads where the halves gain 1.65-2.0x (GPT's 2048-row products,
 * Zen 5), and its worker threads, which spin for a while after a threaded
 * call, then no longer compete with the layers' own. The cut depends on
 * the shape alone, so the results are the same bits on one thread and on
 * two. Smaller products are one call, at one OpenBLAS thread too. On three
 * or more threads every product is one call at all of them: the layers'
 * own work stops at two halves, the products keep scaling, and their
 * rounding then depends on the thread count.
 */
#include "fork.h"
#include "hot.h"
#include "real.h"
#include "layers.h"

/* Columns summed at a time by bias_grad (its double accumulators). */
#define COLS 64

/* Multiply-adds from which a product is cut in halves: at 2^20 a half
 * takes some 10 microseconds at one thread, a pool hand-off about 5. */
#define LINEAR_SPLIT_MACS (1.0 * (1 << 20))

/* One row-major product C (m, n) = op(A) (m, k) . op(B) (k, n) + beta C,
 * alpha 1: the arguments of the cblas call. */
typedef struct gemm_call {
    CBLAS_TRANSPOSE ta, tb;
    int m, n, k;
    const real *a, *b;
    int lda, ldb;
    real beta;
    real *c;
    int ldc;
} gemm_call;

static void *gemm_run(void *arg)
{
    const gemm_call *g = arg;
    nn_gemm(CblasRowMajor, g->ta, g->tb, g->m, g->n, g->k, 1, g->a, g->lda, g->b, g->ldb,
            g->beta, g->c, g->ldc);
    return NULL;
}

/* The product g: on one or two threads in two fixed halves when it is large
 * enough, each at one OpenBLAS thread; on more, one call at all of them
 * (see the top of the file). */
static void gemm_fixed_halves(gemm_call g)
{
    if (openblas_get_num_threads() > 2) {
        gemm_run(&g);
        return;
    }
    if ((double)g.m * g.n * g.k < LINEAR_SPLIT_MACS || (g.m < 2 && g.n < 2)) {
        nn_run_blas1(gemm_run, &g);
        return;
    }
    gemm_call h[2] = {g, g};
    if (g.m >= g.n) { /* rows of C: rows of op(A) */
        const int m0 = g.m / 2;
        h[0].m = m0;
        h[1].m = g.m - m0;
        h[1].a = g.a + (g.ta == CblasNoTrans ? (size_t)m0 * g.lda : (size_t)m0);
        h[1].c = g.c + (size_t)m0 * g.ldc;
    } else { /* columns of C: columns of op(B) */
        const int n0 = g.n / 2;
        h[0].n = n0;
        h[1].n = g.n - n0;
        h[1].b = g.b + (g.tb == CblasNoTrans ? (size_t)n0 : (size_t)n0 * g.ldb);
        h[1].c = g.c + n0;
    }
    nn_run_halves_blas1(gemm_run, &h[0], &h[1], 1);
}

/* Every row of y (n, out) := b (out), or 0 when b is NULL. */
NN_HOT static void rows_fill(real *restrict y, const real *restrict b, int n, int out)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < out; j++)
            y[(size_t)i * out + j] = b ? b[j] : (real)0;
}

/* y (n, out) = x (n, in) . w (out, in)^T + b (out); b may be NULL. */
void NN(nn_linear_forward)(real *y, const real *x, const real *w, const real *b, int n,
                           int in, int out)
{
    if (n <= 0 || out <= 0)
        return;
    /* Start y at the bias (or zero) and let the product add onto it. */
    rows_fill(y, b, n, out);
    if (in <= 0)
        return; /* cblas refuses a leading dimension of 0 */
    gemm_fixed_halves(
        (gemm_call){CblasNoTrans, CblasTrans, n, out, in, x, w, in, in, 1, y, out});
}

/* db (out) += column sums of dy (n, out), in double. Blocks of COLS columns
 * keep the reads row-major without a heap buffer of out accumulators. */
NN_HOT static void bias_grad(real *db, const real *dy, int n, int out)
{
    for (int j0 = 0; j0 < out; j0 += COLS) {
        int m = out - j0 < COLS ? out - j0 : COLS;
        double s[COLS] = {0};
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++)
                s[j] += dy[(size_t)i * out + j0 + j];
        for (int j = 0; j < m; j++)
            db[j0 + j] += (real)s[j];
    }
}

/* dx (n, in) = dy (n, out) . w (out, in); dw (out, in) += dy^T . x (n, in);
 * db (out) += column sums of dy. dx, dw or db NULL: skipped. */
void NN(nn_linear_backward)(real *dx, real *dw, real *db, const real *dy, const real *x,
                            const real *w, int n, int in, int out)
{
    if (n <= 0 || in < 0 || out < 0)
        return;
    if (dx && in > 0 && out == 0)
        for (size_t i = 0; i < (size_t)n * in; i++)
            dx[i] = 0; /* no outputs: nothing flows back */
    if (dx && in > 0 && out > 0)
        gemm_fixed_halves((gemm_call){CblasNoTrans, CblasNoTrans, n, in, out, dy, w, out,
                                      in, 0, dx, in});
    if (dw && in > 0 && out > 0)
        gemm_fixed_halves(
            (gemm_call){CblasTrans, CblasNoTrans, out, in, n, dy, x, out, in, 1, dw, in});
    if (db && out > 0)
        bias_grad(db, dy, n, out);
}
