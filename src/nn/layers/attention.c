/*
 * attention.c - causal multi-head self-attention on nanoGPT's fused qkv
 * layout, with per-(batch, head) GEMMs read straight from the strided qkv
 * rows (no copies):
 *
 *   S = q . k^T / sqrt(hs)   (t, t)
 *   A = softmax over j <= i of S, A[i][j > i] = 0   (saved in att)
 *   o = A . v                (t, hs), written into its head's columns of out
 *
 * The softmax's exponentials are float's (softmax_exp.h); it sums in
 * double, in lane_sums.h's fixed order. The GEMMs
 * compute the whole (t, t) square; the masked half costs flops but the
 * masked entries are exact zeros.
 *
 * Threads: the (batch, head) pairs in two fixed halves (run_halves).
 */
#include "fork.h"
#include "hot.h"
#include "real.h"
#include "lane_sums.h"
#include "layers.h"
#include "softmax_exp.h"

#include <math.h>

#ifndef NN_F64
size_t nn_attention_workspace(int t, int c, int nh)
{
    (void)c;
    (void)nh;
    return 2 * (size_t)t * t; /* dA (t, t) of one (batch, head) per half */
}
#endif

/* Lanes of the row loops below: whole vectors on every SIMD width. */
#define ROW_LANES 16

/* row[j] = e^(row[j] - mx) for j < n, stored as real (softmax_exp.h: in
 * float for the float build). */
NN_HOT static void exp_shifted(real *row, real mx, int n)
{
#ifdef NN_F64
    for (int j = 0; j < n; j++)
        row[j] = softmax_exp(row[j] - mx);
#else
    for (int j = 0; j < n; j++)
        row[j] = softmax_expf(row[j], mx);
#endif
}

/* The largest of row[0..n) (n >= 1) as the loop "mx = row[0]; row[j] > mx:
 * mx = row[j]" finds it (a NaN at 0 stays, NaNs later are passed over),
 * in ROW_LANES lanes that each start at row[0]: the same value. */
NN_HOT static real row_max(const real *row, int n)
{
    real m[ROW_LANES], mx = row[0];
    for (int l = 0; l < ROW_LANES; l++)
        m[l] = row[0];
    int j = 0;
    for (; j + ROW_LANES <= n; j += ROW_LANES)
        for (int l = 0; l < ROW_LANES; l++)
            m[l] = row[j + l] > m[l] ? row[j + l] : m[l];
    for (; j < n; j++)
        mx = row[j] > mx ? row[j] : mx;
    for (int l = 0; l < ROW_LANES; l++)
        mx = m[l] > mx ? m[l] : mx;
    return mx;
}

/* row[j] *= inv for j < n, rounded to real. */
NN_HOT static void row_scale(real *row, double inv, int n)
{
    for (int j = 0; j < n; j++)
        row[j] = (real)(row[j] * inv);
}

/* drow[j] = arow[j] * (drow[j] - dot) for j < n, rounded to real. */
NN_HOT static void row_softmax_grad(real *drow, const real *arow, double dot, int n)
{
    for (int j = 0; j < n; j++)
        drow[j] = (real)(arow[j] * ((double)drow[j] - dot));
}

/* Row i of a (t, t) score matrix -> causal softmax probabilities in place.
 * The exponentials run over whole vectors past i (up to t): those entries
 * are zeroed after, and the loop has no scalar remainder. */
static void causal_softmax_row(real *row, int i, int t)
{
    const real mx = row_max(row, i + 1);
    int n = (i + 1 + ROW_LANES - 1) / ROW_LANES * ROW_LANES;
    exp_shifted(row, mx, n < t ? n : t);
    /* Sum what is stored, so that the stored row sums to 1 as closely as
     * the final division allows. */
    double inv = 1.0 / lane_sum(row, (size_t)i + 1);
    row_scale(row, inv, i + 1);
    for (int j = i + 1; j < t; j++)
        row[j] = 0;
}

/* Row i of the softmax backward in place: dA row -> dS row,
 * dS_ij = A_ij * (dA_ij - sum_k A_ik dA_ik); 0 above the diagonal. */
static void softmax_backward_row(real *drow, const real *arow, int i, int t)
{
    row_softmax_grad(drow, arow, lane_dot(arow, drow, (size_t)i + 1), i + 1);
    for (int j = i + 1; j < t; j++)
        drow[j] = 0;
}

/* What one thread does: the (batch, head) pairs [p0, p1), pair = bi * nh +
 * h; the arguments as the public functions name them. */
typedef struct att_job {
    int p0, p1, t, c, nh;
    real *out, *att, *dqkv, *da; /* da: this half's (t, t) scratch */
    const real *qkv, *dout, *att_in;
} att_job;

static void *forward_pairs(void *arg)
{
    const att_job *j = arg;
    const int t = j->t, c = j->c, hs = c / j->nh, ld = 3 * c;
    const real scale = (real)(1.0 / sqrt((double)hs));
    for (int pr = j->p0; pr < j->p1; pr++) {
        int bi = pr / j->nh, h = pr % j->nh;
        const real *q = j->qkv + (size_t)bi * t * ld + h * hs; /* (t, hs), ld 3c */
        const real *k = q + c, *v = q + 2 * c;
        real *a = j->att + (size_t)pr * t * t;          /* (t, t) */
        real *o = j->out + (size_t)bi * t * c + h * hs; /* (t, hs), ld c */
        nn_gemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, t, hs, scale, q, ld, k, ld, 0,
                a, t);
        for (int i = 0; i < t; i++)
            causal_softmax_row(a + (size_t)i * t, i, t);
        nn_gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, hs, t, 1, a, t, v, ld, 0, o,
                c);
    }
    return NULL;
}

/*
 * Per (batch, head), with dO the head's columns of dout:
 *   dv = A^T . dO;  dA = dO . v^T;  dS = softmax backward of dA;
 *   dq = dS . k / sqrt(hs);  dk = dS^T . q / sqrt(hs).
 * Each of dq, dk, dv is written (beta = 0) exactly once.
 */
static void *backward_pairs(void *arg)
{
    const att_job *j = arg;
    const int t = j->t, c = j->c, hs = c / j->nh, ld = 3 * c;
    const real scale = (real)(1.0 / sqrt((double)hs));
    real *da = j->da; /* (t, t) */
    for (int pr = j->p0; pr < j->p1; pr++) {
        int bi = pr / j->nh, h = pr % j->nh;
        size_t row0 = (size_t)bi * t * ld + h * hs;
        const real *q = j->qkv + row0, *k = q + c, *v = q + 2 * c;  /* ld 3c */
        real *dq = j->dqkv + row0, *dk = dq + c, *dv = dq + 2 * c;  /* ld 3c */
        const real *a = j->att_in + (size_t)pr * t * t;             /* (t, t) */
        const real *dout_h = j->dout + (size_t)bi * t * c + h * hs; /* ld c */
        nn_gemm(CblasRowMajor, CblasTrans, CblasNoTrans, t, hs, t, 1, a, t, dout_h, c, 0,
                dv, ld);
        nn_gemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, t, hs, 1, dout_h, c, v, ld, 0,
                da, t);
        for (int i = 0; i < t; i++)
            softmax_backward_row(da + (size_t)i * t, a + (size_t)i * t, i, t);
        nn_gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, t, hs, t, scale, da, t, k, ld,
                0, dq, ld);
        nn_gemm(CblasRowMajor, CblasTrans, CblasNoTrans, t, hs, t, scale, da, t, q, ld, 0,
                dk, ld);
    }
    return NULL;
}

/* The pairs in two fixed halves. With OpenBLAS at 2 or more threads the
 * halves run on two threads, OpenBLAS at 1 thread meanwhile: its split of
 * these small (t, t) and (t, hs) products costs more than it brings (as
 * the convolutions' in conv2d.c). Every pair is computed alone, so the
 * results do not depend on the thread count. */
static void run_halves(void *(*fn)(void *), att_job *half, int pairs)
{
    half[0].p0 = 0, half[0].p1 = half[1].p0 = pairs / 2, half[1].p1 = pairs;
    nn_run_halves_blas1(fn, &half[0], &half[1], pairs >= 2);
}

void NN(nn_attention_forward)(real *out, real *att, const real *qkv, int b, int t, int c,
                              int nh, real *work)
{
    (void)work; /* the forward needs no scratch */
    att_job j = {.t = t, .c = c, .nh = nh, .out = out, .att = att, .qkv = qkv};
    att_job half[2] = {j, j};
    run_halves(forward_pairs, half, b * nh);
}

void NN(nn_attention_backward)(real *dqkv, const real *dout, const real *qkv,
                               const real *att, int b, int t, int c, int nh, real *work)
{
    att_job j = {
        .t = t, .c = c, .nh = nh, .dqkv = dqkv, .qkv = qkv, .dout = dout, .att_in = att};
    att_job half[2] = {j, j};
    half[0].da = work, half[1].da = work + (size_t)t * t;
    run_halves(backward_pairs, half, b * nh);
}
