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
 * double, in lane_sums.h's fixed order. The GEMMs go by blocks of ATT_ROWS
 * rows and leave out the products the mask makes zero: row block [r0, r1)
 * of S against keys [0, r1) only, its o over those keys only; in the
 * backward dv's and dk's rows [r0, r1) from the queries i >= r0 only. The
 * terms left out are exact zeros, but OpenBLAS's sums depend on the shape
 * of the call (its blocking), so the results differ from the whole
 * square's in the last bits; they depend on t and ATT_ROWS only, never on
 * the thread count.
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

/* Rows of a block of the GEMMs: a multiple of ROW_LANES, so that a row's
 * softmax (which reads whole vectors past its diagonal) reads only scores
 * its block computed. Smaller blocks leave out more products (at t = 128:
 * 37.5 % of the square's at 32 rows, 25 % at 64) in more, smaller calls;
 * the GPT step at t = 128 measured 2.5-3.5 % faster at 32, 1.5-2.5 % at 64
 * (one thread, Zen 5). */
#define ATT_ROWS 32
_Static_assert(ATT_ROWS % ROW_LANES == 0, "ATT_ROWS must be whole vectors");

/* The end of the row block starting at r0. */
static int block_end(int r0, int t)
{
    return r0 + ATT_ROWS < t ? r0 + ATT_ROWS : t;
}

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
        for (int r0 = 0; r0 < t; r0 += ATT_ROWS) {
            const int r1 = block_end(r0, t);
            nn_gemm(CblasRowMajor, CblasNoTrans, CblasTrans, r1 - r0, r1, hs, scale,
                    q + (size_t)r0 * ld, ld, k, ld, 0, a + (size_t)r0 * t, t);
        }
        for (int i = 0; i < t; i++)
            causal_softmax_row(a + (size_t)i * t, i, t);
        for (int r0 = 0; r0 < t; r0 += ATT_ROWS) {
            const int r1 = block_end(r0, t);
            nn_gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r1 - r0, hs, r1, 1,
                    a + (size_t)r0 * t, t, v, ld, 0, o + (size_t)r0 * c, c);
        }
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
        for (int r0 = 0; r0 < t; r0 += ATT_ROWS) {
            const int r1 = block_end(r0, t);
            const size_t diag = (size_t)r0 * t + (size_t)r0; /* A[r0][r0] */
            /* dv's rows [r0, r1) from the queries i >= r0 that see them */
            nn_gemm(CblasRowMajor, CblasTrans, CblasNoTrans, r1 - r0, hs, t - r0, 1,
                    a + diag, t, dout_h + (size_t)r0 * c, c, 0, dv + (size_t)r0 * ld, ld);
            nn_gemm(CblasRowMajor, CblasNoTrans, CblasTrans, r1 - r0, r1, hs, 1,
                    dout_h + (size_t)r0 * c, c, v, ld, 0, da + (size_t)r0 * t, t);
        }
        for (int i = 0; i < t; i++)
            softmax_backward_row(da + (size_t)i * t, a + (size_t)i * t, i, t);
        for (int r0 = 0; r0 < t; r0 += ATT_ROWS) {
            const int r1 = block_end(r0, t);
            const size_t diag = (size_t)r0 * t + (size_t)r0;
            nn_gemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r1 - r0, hs, r1, scale,
                    da + (size_t)r0 * t, t, k, ld, 0, dq + (size_t)r0 * ld, ld);
            nn_gemm(CblasRowMajor, CblasTrans, CblasNoTrans, r1 - r0, hs, t - r0, scale,
                    da + diag, t, q + (size_t)r0 * ld, ld, 0, dk + (size_t)r0 * ld, ld);
        }
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
