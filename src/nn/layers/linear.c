/*
 * linear.c - the fully connected layer: y = x . w^T + b, torch's layout
 * (w is (out, in)), both products through cblas.
 */
#include "hot.h"
#include "real.h"
#include "layers.h"

/* Columns summed at a time by bias_grad (its double accumulators). */
#define COLS 64

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
    nn_gemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, out, in, 1, x, in, w, in, 1, y,
            out);
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
        nn_gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, in, out, 1, dy, out, w, in,
                0, dx, in);
    if (dw && in > 0 && out > 0)
        nn_gemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, n, 1, dy, out, x, in, 1,
                dw, in);
    if (db && out > 0)
        bias_grad(db, dy, n, out);
}
