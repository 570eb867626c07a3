/*
 * test_nn_threads.c - the framework's layers and optimizer give the same
 * bits on one thread and on two. The thread setting is OpenBLAS's (the
 * layers split their work in two fixed halves when it is 2 or more, and the
 * GEMMs split inside OpenBLAS): each case runs with 1, then 2, on the same
 * inputs, at sizes above the layers' split thresholds, and the outputs are
 * compared byte for byte:
 *
 *   - LayerNorm forward (y, mean, rstd) and backward (dx, dgamma, dbeta);
 *   - BatchNorm2d forward and backward, training mode;
 *   - GroupNorm forward and backward (its halves: examples, then groups);
 *   - Conv2d forward and backward (3x3, padding 1, stride 1 and 2);
 *   - the joins: add, accumulate, the shortcut's subsample and pad, forward
 *     and backward (against their definitions too);
 *   - causal self-attention forward and backward (4 sequences, 4 heads);
 *   - the linear layer, its products cut in halves along rows and along
 *     columns (and against double sums, on three threads too, where the
 *     products are OpenBLAS's whole), and one under the cut;
 *   - the optimizer's step: SGD with momentum and weight decay, AdamW.
 *
 * A split that changed an order of summation would show here, where the
 * finite-difference and parity tests, with their tolerances, would not.
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "layers.h"
#include "nn.h"
#include "optim.h"
#include "rng.h"

/* n floats N(0, 1) from stream s. */
static float *randn(size_t n, uint64_t s)
{
    float *x = nn_alloc_floats(n);
    for (size_t i = 0; x && i < n; i++)
        x[i] = (float)nn_rng_normal(7, s, i);
    return x;
}

static int same(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

static void test_layernorm(void)
{
    enum { N = 256, C = 512 };
    size_t nc = (size_t)N * C;
    float *x = randn(nc, 1), *dy = randn(nc, 2), *g = randn(C, 3), *b = randn(C, 4);
    float *out[2][7];
    for (int t = 0; t < 2; t++) {
        openblas_set_num_threads(t + 1);
        float *y = nn_alloc_floats(nc), *mean = nn_alloc_floats(N),
              *rstd = nn_alloc_floats(N);
        float *dx = nn_alloc_floats(nc), *dg = nn_alloc_floats(C),
              *db = nn_alloc_floats(C);
        nn_layernorm_forward(y, mean, rstd, x, g, b, N, C, 1e-5);
        nn_layernorm_backward(dx, dg, db, dy, x, mean, rstd, g, N, C);
        float *o[7] = {y, mean, rstd, dx, dg, db, NULL};
        memcpy(out[t], o, sizeof o);
    }
    const size_t len[6] = {nc, N, N, nc, C, C};
    static const char *const what[6] = {"y", "mean", "rstd", "dx", "dgamma", "dbeta"};
    for (int k = 0; k < 6; k++) {
        CHECK(same(out[0][k], out[1][k], len[k]), "LayerNorm %s: 1 and 2 threads differ",
              what[k]);
        free(out[0][k]);
        free(out[1][k]);
    }
    free(x), free(dy), free(g), free(b);
}

static void test_batchnorm(void)
{
    enum { N = 32, C = 16, HW = 256 };
    size_t sz = (size_t)N * C * HW;
    float *x = randn(sz, 5), *dy = randn(sz, 6), *g = randn(C, 7), *b = randn(C, 8);
    float *out[2][5];
    for (int t = 0; t < 2; t++) {
        openblas_set_num_threads(t + 1);
        float *y = nn_alloc_floats(sz), *mean = nn_alloc_floats(C),
              *rstd = nn_alloc_floats(C);
        float *rm = nn_alloc_floats(C), *rv = nn_alloc_floats(C);
        float *dx = nn_alloc_floats(sz), *dg = nn_alloc_floats(C),
              *db = nn_alloc_floats(C);
        nn_batchnorm2d_forward(y, mean, rstd, rm, rv, x, g, b, N, C, HW, 1, 0.1, 1e-5);
        nn_batchnorm2d_backward(dx, dg, db, dy, x, mean, rstd, g, N, C, HW, 1);
        float *o[5] = {y, dx, dg, db, rv};
        memcpy(out[t], o, sizeof o);
        free(mean), free(rstd), free(rm);
    }
    const size_t len[5] = {sz, sz, C, C, C};
    static const char *const what[5] = {"y", "dx", "dgamma", "dbeta", "running var"};
    for (int k = 0; k < 5; k++) {
        CHECK(same(out[0][k], out[1][k], len[k]),
              "BatchNorm2d %s: 1 and 2 threads differ", what[k]);
        free(out[0][k]);
        free(out[1][k]);
    }
    free(x), free(dy), free(g), free(b);
}

static void test_groupnorm(void)
{
    enum { N = 8, C = 32, HW = 1024, G = 8 };
    size_t sz = (size_t)N * C * HW;
    float *x = randn(sz, 13), *dy = randn(sz, 14), *g = randn(C, 15), *b = randn(C, 16);
    float *out[2][6];
    for (int t = 0; t < 2; t++) {
        openblas_set_num_threads(t + 1);
        float *y = nn_alloc_floats(sz), *mean = nn_alloc_floats(N * G),
              *rstd = nn_alloc_floats(N * G);
        float *dx = nn_alloc_floats(sz), *dg = nn_alloc_floats(C),
              *db = nn_alloc_floats(C);
        nn_groupnorm_forward(y, mean, rstd, x, g, b, N, C, HW, G, 1e-5);
        nn_groupnorm_backward(dx, dg, db, dy, x, mean, rstd, g, N, C, HW, G);
        float *o[6] = {y, mean, rstd, dx, dg, db};
        memcpy(out[t], o, sizeof o);
    }
    const size_t len[6] = {sz, N * G, N * G, sz, C, C};
    static const char *const what[6] = {"y", "mean", "rstd", "dx", "dgamma", "dbeta"};
    for (int k = 0; k < 6; k++) {
        CHECK(same(out[0][k], out[1][k], len[k]), "GroupNorm %s: 1 and 2 threads differ",
              what[k]);
        free(out[0][k]);
        free(out[1][k]);
    }
    free(x), free(dy), free(g), free(b);
}

/* c channels in and out: 16 takes Winograd's forward and data gradient at
 * stride 1, 32 its weight gradient too (conv3x3.h). */
static void test_conv(int stride, int c)
{
    const nn_conv2d_shape s = {.n = 8,
                               .cin = c,
                               .h = 16,
                               .w = 16,
                               .cout = c,
                               .k = 3,
                               .stride = stride,
                               .pad = 1};
    size_t nx = (size_t)s.n * s.cin * s.h * s.w, nw = (size_t)s.cout * s.cin * 9;
    size_t ny = (size_t)s.n * s.cout * nn_conv2d_out_h(&s) * nn_conv2d_out_w(&s);
    float *x = randn(nx, 9), *w = randn(nw, 10), *b = randn(s.cout, 11),
          *dy = randn(ny, 12);
    float *work = nn_alloc_floats(nn_conv2d_workspace(&s));
    float *out[2][4];
    for (int t = 0; t < 2; t++) {
        openblas_set_num_threads(t + 1);
        float *y = nn_alloc_floats(ny), *dx = nn_alloc_floats(nx),
              *dw = nn_alloc_floats(nw);
        float *db = nn_alloc_floats(s.cout);
        nn_conv2d_forward(y, x, w, b, &s, work);
        nn_conv2d_backward(dx, dw, db, dy, x, w, &s, work);
        float *o[4] = {y, dx, dw, db};
        memcpy(out[t], o, sizeof o);
    }
    const size_t len[4] = {ny, nx, nw, (size_t)s.cout};
    static const char *const what[4] = {"y", "dx", "dw", "db"};
    for (int k = 0; k < 4; k++) {
        CHECK(same(out[0][k], out[1][k], len[k]),
              "Conv2d (stride %d, %d channels) %s: 1 and 2 threads differ", stride, c,
              what[k]);
        free(out[0][k]);
        free(out[1][k]);
    }
    free(x), free(w), free(b), free(dy), free(work);
}

/* add, accumulate and the shortcut (8 images, 16 -> 32 channels, 32x32,
 * stride 2) on 1 and 2 threads, each against its definition. */
static void test_joins(void)
{
    enum { N = 100003, B = 8, CI = 16, CO = 32, H = 32, HO = 16, P = (CO - CI) / 2 };
    const size_t nx = (size_t)B * CI * H * H, ny = (size_t)B * CO * HO * HO;
    float *a = randn(N, 20), *b = randn(N, 21), *x = randn(nx, 22), *dy = randn(ny, 23);
    float *out[2][4];
    for (int t = 0; t < 2; t++) {
        openblas_set_num_threads(t + 1);
        float *sum = nn_alloc_floats(N), *acc = nn_alloc_floats(N);
        float *y = nn_alloc_floats(ny), *dx = nn_alloc_floats(nx);
        memcpy(acc, a, N * sizeof *acc);
        nn_add(sum, a, b, N);
        nn_accumulate(acc, b, N);
        nn_shortcut_pad_forward(y, x, B, CI, H, H, CO, 2);
        nn_shortcut_pad_backward(dx, dy, B, CI, H, H, CO, 2);
        float *o[4] = {sum, acc, y, dx};
        memcpy(out[t], o, sizeof o);
    }
    int ok = 1;
    for (size_t i = 0; i < N; i++)
        ok &= out[0][0][i] == a[i] + b[i] && out[0][1][i] == a[i] + b[i];
    for (int i = 0; i < B; i++)
        for (int c = 0; c < CO; c++)
            for (int r = 0; r < HO; r++)
                for (int q = 0; q < HO; q++) {
                    const int ci = c - P;
                    float want = ci >= 0 && ci < CI
                                     ? x[(((size_t)i * CI + ci) * H + 2 * r) * H + 2 * q]
                                     : 0;
                    ok &= out[0][2][(((size_t)i * CO + c) * HO + r) * HO + q] == want;
                }
    for (int i = 0; i < B; i++)
        for (int c = 0; c < CI; c++)
            for (int r = 0; r < H; r++)
                for (int q = 0; q < H; q++) {
                    float want =
                        r % 2 || q % 2
                            ? 0
                            : dy[(((size_t)i * CO + c + P) * HO + r / 2) * HO + q / 2];
                    ok &= out[0][3][(((size_t)i * CI + c) * H + r) * H + q] == want;
                }
    CHECK(ok, "add, accumulate, shortcut forward and backward: their definitions");
    const size_t len[4] = {N, N, ny, nx};
    static const char *const what[4] = {"add", "accumulate", "shortcut forward",
                                        "shortcut backward"};
    for (int k = 0; k < 4; k++) {
        CHECK(same(out[0][k], out[1][k], len[k]), "%s: 1 and 2 threads differ", what[k]);
        free(out[0][k]);
        free(out[1][k]);
    }
    free(a), free(b), free(x), free(dy);
}

/* A linear layer's inputs: x (n, in), w (out, in), dy (n, out), the bias
 * (out) and dw's value before the backward adds to it (out, in). */
typedef struct lin_case {
    const float *x, *w, *dy, *bias, *dw0;
    int n, in, out;
} lin_case;

/* The largest error of y, dx, dw (dw0 + dy^T x) and db against double
 * sums, each relative to the sum of its terms' magnitudes. */
static double linear_error(const lin_case *L, const float *y, const float *dx,
                           const float *dw, const float *db)
{
    double worst = 0;
    for (int i = 0; i < L->n; i++)
        for (int o = 0; o < L->out; o++) {
            double s = L->bias[o], m = fabs(L->bias[o]);
            for (int k = 0; k < L->in; k++) {
                s += (double)L->x[(size_t)i * L->in + k] * L->w[(size_t)o * L->in + k];
                m += fabs((double)L->x[(size_t)i * L->in + k] *
                          L->w[(size_t)o * L->in + k]);
            }
            worst = fmax(worst, fabs(y[(size_t)i * L->out + o] - s) / m);
        }
    for (int i = 0; i < L->n; i++)
        for (int k = 0; k < L->in; k++) {
            double s = 0, m = 1e-30;
            for (int o = 0; o < L->out; o++) {
                double t =
                    (double)L->dy[(size_t)i * L->out + o] * L->w[(size_t)o * L->in + k];
                s += t, m += fabs(t);
            }
            worst = fmax(worst, fabs(dx[(size_t)i * L->in + k] - s) / m);
        }
    for (int o = 0; o < L->out; o++) {
        double sb = 0, mb = 1e-30;
        for (int k = 0; k < L->in; k++) {
            double s = L->dw0[(size_t)o * L->in + k], m = fabs(s) + 1e-30;
            for (int i = 0; i < L->n; i++) {
                double t =
                    (double)L->dy[(size_t)i * L->out + o] * L->x[(size_t)i * L->in + k];
                s += t, m += fabs(t);
            }
            worst = fmax(worst, fabs(dw[(size_t)o * L->in + k] - s) / m);
        }
        for (int i = 0; i < L->n; i++)
            sb += L->dy[(size_t)i * L->out + o],
                mb += fabs(L->dy[(size_t)i * L->out + o]);
        worst = fmax(worst, fabs(db[o] - sb) / mb);
    }
    return worst;
}

/* The linear layer at sizes it cuts in halves (linear.c): along the rows
 * (n >= out; dw's rows, A transposed) and along the columns (out > n: w
 * transposed; dx's columns), the same bits on 1 and 2 threads, and right. */
static void test_linear(int n, int in, int out, uint64_t seed)
{
    const size_t nx = (size_t)n * in, nw = (size_t)out * in, ny = (size_t)n * out;
    lin_case L = {randn(nx, seed),
                  randn(nw, seed + 1),
                  randn(ny, seed + 2),
                  randn((size_t)out, seed + 3),
                  randn(nw, seed + 4),
                  n,
                  in,
                  out};
    float *res[2][4];
    for (int t = 0; t < 2; t++) {
        openblas_set_num_threads(t + 1);
        float *y = nn_alloc_floats(ny), *dx = nn_alloc_floats(nx),
              *dw = nn_alloc_floats(nw), *db = nn_alloc_floats((size_t)out);
        memcpy(dw, L.dw0, nw * sizeof *dw);
        memset(db, 0, (size_t)out * sizeof *db);
        nn_linear_forward(y, L.x, L.w, L.bias, n, in, out);
        nn_linear_backward(dx, dw, db, L.dy, L.x, L.w, n, in, out);
        float *r[4] = {y, dx, dw, db};
        memcpy(res[t], r, sizeof r);
    }
    const size_t len[4] = {ny, nx, nw, (size_t)out};
    static const char *const what[4] = {"y", "dx", "dw", "db"};
    for (int k = 0; k < 4; k++)
        CHECK(same(res[0][k], res[1][k], len[k]),
              "Linear %dx%d->%d %s: 1 and 2 threads differ", n, in, out, what[k]);
    double err = linear_error(&L, res[1][0], res[1][1], res[1][2], res[1][3]);
    CHECK(err < 1e-5, "Linear %dx%d->%d: relative error %g against double sums", n, in,
          out, err);
    /* Three threads: whole products at OpenBLAS's threads (other bits). */
    openblas_set_num_threads(3);
    memcpy(res[0][2], L.dw0, nw * sizeof(float));
    memset(res[0][3], 0, (size_t)out * sizeof(float));
    nn_linear_forward(res[0][0], L.x, L.w, L.bias, n, in, out);
    nn_linear_backward(res[0][1], res[0][2], res[0][3], L.dy, L.x, L.w, n, in, out);
    err = linear_error(&L, res[0][0], res[0][1], res[0][2], res[0][3]);
    CHECK(err < 1e-5,
          "Linear %dx%d->%d, 3 threads: relative error %g against double sums", n, in,
          out, err);
    for (int k = 0; k < 4; k++)
        free(res[0][k]), free(res[1][k]);
    free((void *)L.x), free((void *)L.w), free((void *)L.dy), free((void *)L.bias),
        free((void *)L.dw0);
}

static void test_attention(void)
{
    enum { B = 4, T = 64, C = 64, NH = 4 };
    size_t nqkv = (size_t)B * T * 3 * C, nout = (size_t)B * T * C;
    size_t natt = (size_t)B * NH * T * T;
    float *qkv = randn(nqkv, 13), *dout = randn(nout, 14);
    float *work = nn_alloc_floats(nn_attention_workspace(T, C, NH));
    float *out[2][3];
    for (int t = 0; t < 2; t++) {
        openblas_set_num_threads(t + 1);
        float *o = nn_alloc_floats(nout), *att = nn_alloc_floats(natt);
        float *dqkv = nn_alloc_floats(nqkv);
        nn_attention_forward(o, att, qkv, B, T, C, NH, work);
        nn_attention_backward(dqkv, dout, qkv, att, B, T, C, NH, work);
        float *r[3] = {o, att, dqkv};
        memcpy(out[t], r, sizeof r);
    }
    const size_t len[3] = {nout, natt, nqkv};
    static const char *const what[3] = {"out", "att", "dqkv"};
    for (int k = 0; k < 3; k++) {
        CHECK(same(out[0][k], out[1][k], len[k]), "attention %s: 1 and 2 threads differ",
              what[k]);
        free(out[0][k]);
        free(out[1][k]);
    }
    free(qkv), free(dout), free(work);
}

/* Three steps of the optimizer on a block of 2^17 + 5 values in three
 * tensors (one decayed), from the same start on 1 and 2 threads. */
static void test_optimizer(nn_opt_kind kind)
{
    float *result[2];
    size_t total = 0;
    for (int t = 0; t < 2; t++) {
        openblas_set_num_threads(t + 1);
        nn_params p;
        memset(&p, 0, sizeof p);
        nn_err err = {""};
        int a[1] = {1 << 16}, c[1] = {1 << 16}, d[1] = {5};
        int ok = nn_params_add(&p, "a", 1, a, NN_PARAM_DECAY, &err) >= 0 &&
                 nn_params_add(&p, "c", 1, c, 0, &err) >= 0 &&
                 nn_params_add(&p, "d", 1, d, 0, &err) >= 0 &&
                 nn_params_alloc(&p, &err) == 0;
        if (!CHECK(ok, "params: %s", err.msg))
            return;
        for (size_t i = 0; i < p.total; i++)
            p.data[i] = (float)nn_rng_normal(8, 1, i);
        nn_optim_config cfg = {kind, 0.01, 0.9, 0, 0.9, 0.999, 1e-8};
        nn_optim o;
        if (!CHECK(nn_optim_init(&o, &cfg, &p, &err) == 0, "optim: %s", err.msg))
            return;
        for (int step = 0; step < 3; step++) {
            for (size_t i = 0; i < p.total; i++)
                p.grad[i] = (float)nn_rng_normal(8, 2 + (uint64_t)step, i);
            nn_optim_step(&o, &p, 0.05);
        }
        total = p.total;
        result[t] = malloc(total * sizeof(float));
        memcpy(result[t], p.data, total * sizeof(float));
        nn_optim_free(&o);
        nn_params_free(&p);
    }
    CHECK(same(result[0], result[1], total), "%s: 1 and 2 threads differ",
          kind == NN_OPT_SGD ? "SGD" : "AdamW");
    free(result[0]);
    free(result[1]);
}

int main(void)
{
    TEST_BEGIN("nn_threads");
    int saved = openblas_get_num_threads();
    test_layernorm();
    test_batchnorm();
    test_groupnorm();
    test_conv(1, 16);
    test_conv(1, 32);
    test_conv(2, 16);
    test_joins();
    test_linear(256, 96, 160, 40);
    test_linear(64, 200, 300, 50);
    test_linear(33, 70, 45, 60); /* under the cut: one call */
    test_attention();
    test_optimizer(NN_OPT_SGD);
    test_optimizer(NN_OPT_ADAMW);
    openblas_set_num_threads(saved);
    return TEST_END();
}
