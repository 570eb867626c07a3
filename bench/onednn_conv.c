/*
 * onednn_conv.c - the framework's convolution (src/nn/layers/conv2d.c: the
 * 3x3 kernels of src/nn/conv: Winograd at stride 1, direct at 2) against oneDNN's
 * convolution primitives on the shapes of the ResNet-20 of docs/TRAINING.md (batch 128,
 * 3x3, padding 1), forward, backward data and backward weights, one thread on each side.
 * A benchmark only, to decide whether the framework should take oneDNN's convolutions
 * (issue: a trainer at the speed of its matrix products): nothing else links oneDNN.
 *
 *   onednn_conv [--batch N] [--reps N] [--plain]
 *
 * oneDNN gets its best: format_tag_any for every tensor (its blocked
 * layouts, nChw16c and the like), with the reorders from and to NCHW timed
 * separately, since a framework that keeps NCHW tensors pays them and one
 * that keeps oneDNN's layouts end to end does not. Both sides run on one
 * thread (OpenBLAS set to 1; oneDNN's OpenMP runtime through
 * omp_set_num_threads(1)). Each time is the median of --reps runs after one
 * warm-up. oneDNN's results are compared with the framework's (largest
 * difference relative to the largest value) so that a fast wrong answer
 * shows.
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <oneapi/dnnl/dnnl.h>

#include "bench.h"
#include "conv/conv3x3.h"
#include "layers.h"
#include "nn.h"
#include "rng.h"
#include "stats.h"

void omp_set_num_threads(int n); /* libgomp, which Debian's oneDNN uses */

#define TRY(call)                                                                        \
    do {                                                                                 \
        dnnl_status_t st_ = (call);                                                      \
        if (st_ != dnnl_success) {                                                       \
            fprintf(stderr, "onednn_conv: %s failed (status %d)\n", #call, (int)st_);    \
            exit(1);                                                                     \
        }                                                                                \
    } while (0)

enum { MAX_REPS = 64 };

typedef struct shape {
    int cin, cout, hw, stride;
} shape;

/* ResNet-20 width 16 on 32x32: the 3x3 convolutions of each stage (the
 * stem's 3 -> 16, the stages' c -> c, and the strided c -> 2c). */
static const shape SHAPES[] = {
    {3, 16, 32, 1},  {16, 16, 32, 1}, {16, 32, 32, 2},
    {32, 32, 16, 1}, {32, 64, 16, 2}, {64, 64, 8, 1},
};

static float *randn(size_t n, uint64_t s)
{
    float *x = nn_alloc_floats(n);
    for (size_t i = 0; x && i < n; i++)
        x[i] = (float)nn_rng_normal(11, s, i);
    if (!x) {
        fprintf(stderr, "onednn_conv: out of memory\n");
        exit(1);
    }
    return x;
}

/* A oneDNN tensor in its chosen layout, with the user's NCHW (or OIHW)
 * buffer beside it and the reorders between the two. */
typedef struct dtensor {
    dnnl_memory_t user, mem;
    dnnl_primitive_t to, from; /* user -> mem, mem -> user; NULL: same layout */
} dtensor;

static void dtensor_make(dtensor *t, dnnl_engine_t eng, const dnnl_memory_desc_t *want,
                         const dnnl_memory_desc_t *user_md, float *user)
{
    TRY(dnnl_memory_create(&t->user, user_md, eng, user));
    t->to = t->from = NULL;
    if (dnnl_memory_desc_equal(want, user_md)) {
        t->mem = t->user;
        return;
    }
    TRY(dnnl_memory_create(&t->mem, want, eng, DNNL_MEMORY_ALLOCATE));
    dnnl_primitive_desc_t pd;
    TRY(dnnl_reorder_primitive_desc_create(&pd, user_md, eng, want, eng, NULL));
    TRY(dnnl_primitive_create(&t->to, pd));
    dnnl_primitive_desc_destroy(pd);
    TRY(dnnl_reorder_primitive_desc_create(&pd, want, eng, user_md, eng, NULL));
    TRY(dnnl_primitive_create(&t->from, pd));
    dnnl_primitive_desc_destroy(pd);
}

static void reorder(dnnl_primitive_t r, dnnl_memory_t a, dnnl_memory_t b, dnnl_stream_t s)
{
    if (!r)
        return;
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, a}, {DNNL_ARG_TO, b}};
    TRY(dnnl_primitive_execute(r, s, 2, args));
}

static double max_rel_diff(const float *a, const float *b, size_t n)
{
    double d = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs((double)a[i] - b[i]));
        m = fmax(m, fabs((double)b[i]));
    }
    return m > 0 ? d / m : d;
}

typedef struct timing {
    double ours[3], dnnl[3], reorders; /* fwd, bwd data, bwd weights */
    char alg[3];                       /* oneDNN's faster: 'd' direct, 'w' Winograd */
    double diff[3];
} timing;

static double median_of(double *t, int n)
{
    return lab_median(t, (size_t)n);
}

/* --plain: oneDNN on NCHW/OIHW as they are (what a drop-in for the
 * framework's convolution would get) instead of its own layouts */
static int plain;

/* oneDNN's times (fwd, bwd data, bwd weights) of shape sh by algorithm
 * alg, in layouts of its choosing (NCHW with --plain), and its results in
 * y2, dx2, dw2 (NCHW, OIHW); -1 where oneDNN does not implement alg for
 * this shape or CPU. */
static int onednn_shape(dnnl_alg_kind_t alg, const shape *sh, int batch, int reps,
                        dnnl_engine_t eng, dnnl_stream_t strm, float *x, float *w,
                        float *dy, float *y2, float *dx2, float *dw2, double dnnl[3],
                        double *reorders)
{
    const int ho = (sh->hw - 1) / sh->stride + 1, wo = ho;
    double t[MAX_REPS];
    dnnl_dims_t xd = {batch, sh->cin, sh->hw, sh->hw}, yd = {batch, sh->cout, ho, wo};
    dnnl_dims_t wd = {sh->cout, sh->cin, 3, 3}, st = {sh->stride, sh->stride};
    dnnl_dims_t pl = {1, 1}, pr = {1, 1};
    dnnl_memory_desc_t x_any, y_any, w_any, x_user, y_user, w_user;
    dnnl_format_tag_t act_tag = plain ? dnnl_nchw : dnnl_format_tag_any;
    dnnl_format_tag_t w_tag = plain ? dnnl_oihw : dnnl_format_tag_any;
    TRY(dnnl_memory_desc_init_by_tag(&x_any, 4, xd, dnnl_f32, act_tag));
    TRY(dnnl_memory_desc_init_by_tag(&y_any, 4, yd, dnnl_f32, act_tag));
    TRY(dnnl_memory_desc_init_by_tag(&w_any, 4, wd, dnnl_f32, w_tag));
    TRY(dnnl_memory_desc_init_by_tag(&x_user, 4, xd, dnnl_f32, dnnl_nchw));
    TRY(dnnl_memory_desc_init_by_tag(&y_user, 4, yd, dnnl_f32, dnnl_nchw));
    TRY(dnnl_memory_desc_init_by_tag(&w_user, 4, wd, dnnl_f32, dnnl_oihw));
    dnnl_convolution_desc_t fd, bdd, bwd;
    dnnl_primitive_desc_t fpd, bdpd, bwpd;
    if (dnnl_convolution_forward_desc_init(&fd, dnnl_forward_training, alg, &x_any,
                                           &w_any, NULL, &y_any, st, pl,
                                           pr) != dnnl_success ||
        dnnl_primitive_desc_create(&fpd, &fd, NULL, eng, NULL) != dnnl_success)
        return -1; /* the algorithm is not implemented for this shape or CPU */
    if (dnnl_convolution_backward_data_desc_init(&bdd, alg, &x_any, &w_any, &y_any, st,
                                                 pl, pr) != dnnl_success ||
        dnnl_primitive_desc_create(&bdpd, &bdd, NULL, eng, fpd) != dnnl_success) {
        dnnl_primitive_desc_destroy(fpd);
        return -1;
    }
    if (dnnl_convolution_backward_weights_desc_init(&bwd, alg, &x_any, &w_any, NULL,
                                                    &y_any, st, pl, pr) != dnnl_success ||
        dnnl_primitive_desc_create(&bwpd, &bwd, NULL, eng, fpd) != dnnl_success) {
        dnnl_primitive_desc_destroy(fpd);
        dnnl_primitive_desc_destroy(bdpd);
        return -1;
    }
    dnnl_primitive_t fp, bdp, bwp;
    TRY(dnnl_primitive_create(&fp, fpd));
    TRY(dnnl_primitive_create(&bdp, bdpd));
    TRY(dnnl_primitive_create(&bwp, bwpd));
    /* each primitive's own layouts (the backward ones may differ from the
     * forward's), filled from the NCHW/OIHW buffers by reorders outside the
     * timings, which are timed as the reorders' cost */
    dtensor X, W, Y, DY1, W1, DX, X2, DY2, DW;
    dtensor_make(&X, eng, dnnl_primitive_desc_query_md(fpd, dnnl_query_src_md, 0),
                 &x_user, x);
    dtensor_make(&W, eng, dnnl_primitive_desc_query_md(fpd, dnnl_query_weights_md, 0),
                 &w_user, w);
    dtensor_make(&Y, eng, dnnl_primitive_desc_query_md(fpd, dnnl_query_dst_md, 0),
                 &y_user, y2);
    dtensor_make(&DY1, eng, dnnl_primitive_desc_query_md(bdpd, dnnl_query_diff_dst_md, 0),
                 &y_user, dy);
    dtensor_make(&W1, eng, dnnl_primitive_desc_query_md(bdpd, dnnl_query_weights_md, 0),
                 &w_user, w);
    dtensor_make(&DX, eng, dnnl_primitive_desc_query_md(bdpd, dnnl_query_diff_src_md, 0),
                 &x_user, dx2);
    dtensor_make(&X2, eng, dnnl_primitive_desc_query_md(bwpd, dnnl_query_src_md, 0),
                 &x_user, x);
    dtensor_make(&DY2, eng, dnnl_primitive_desc_query_md(bwpd, dnnl_query_diff_dst_md, 0),
                 &y_user, dy);
    dtensor_make(&DW, eng,
                 dnnl_primitive_desc_query_md(bwpd, dnnl_query_diff_weights_md, 0),
                 &w_user, dw2);
    double r0 = lab_bench_now();
    dtensor *in[6] = {&X, &W, &DY1, &W1, &X2, &DY2};
    for (int i = 0; i < 6; i++)
        reorder(in[i]->to, in[i]->user, in[i]->mem, strm);
    TRY(dnnl_stream_wait(strm));
    double to_time = lab_bench_now() - r0;
    for (int phase = 0; phase < 3; phase++) {
        for (int r = 0; r <= reps; r++) {
            double t0 = lab_bench_now();
            if (phase == 0) {
                dnnl_exec_arg_t a[3] = {{DNNL_ARG_SRC, X.mem},
                                        {DNNL_ARG_WEIGHTS, W.mem},
                                        {DNNL_ARG_DST, Y.mem}};
                TRY(dnnl_primitive_execute(fp, strm, 3, a));
            } else if (phase == 1) {
                dnnl_exec_arg_t a[3] = {{DNNL_ARG_DIFF_DST, DY1.mem},
                                        {DNNL_ARG_WEIGHTS, W1.mem},
                                        {DNNL_ARG_DIFF_SRC, DX.mem}};
                TRY(dnnl_primitive_execute(bdp, strm, 3, a));
            } else {
                dnnl_exec_arg_t a[3] = {{DNNL_ARG_SRC, X2.mem},
                                        {DNNL_ARG_DIFF_DST, DY2.mem},
                                        {DNNL_ARG_DIFF_WEIGHTS, DW.mem}};
                TRY(dnnl_primitive_execute(bwp, strm, 3, a));
            }
            TRY(dnnl_stream_wait(strm));
            if (r > 0)
                t[r - 1] = lab_bench_now() - t0;
        }
        dnnl[phase] = median_of(t, reps);
    }
    r0 = lab_bench_now();
    reorder(Y.from, Y.mem, Y.user, strm);
    reorder(DX.from, DX.mem, DX.user, strm);
    reorder(DW.from, DW.mem, DW.user, strm);
    TRY(dnnl_stream_wait(strm));
    *reorders = to_time + (lab_bench_now() - r0);
    dtensor *all[9] = {&X, &W, &Y, &DY1, &W1, &DX, &X2, &DY2, &DW};
    for (int i = 0; i < 9; i++) {
        if (all[i]->mem != all[i]->user)
            dnnl_memory_destroy(all[i]->mem);
        dnnl_memory_destroy(all[i]->user);
        if (all[i]->to)
            dnnl_primitive_destroy(all[i]->to);
        if (all[i]->from)
            dnnl_primitive_destroy(all[i]->from);
    }
    dnnl_primitive_destroy(fp);
    dnnl_primitive_destroy(bdp);
    dnnl_primitive_destroy(bwp);
    dnnl_primitive_desc_destroy(fpd);
    dnnl_primitive_desc_destroy(bdpd);
    dnnl_primitive_desc_destroy(bwpd);
    return 0;
}

static void run_shape(const shape *sh, int batch, int reps, dnnl_engine_t eng,
                      dnnl_stream_t strm, timing *out)
{
    nn_conv2d_shape s = {.n = batch,
                         .cin = sh->cin,
                         .h = sh->hw,
                         .w = sh->hw,
                         .cout = sh->cout,
                         .k = 3,
                         .stride = sh->stride,
                         .pad = 1};
    int ho = nn_conv2d_out_h(&s), wo = nn_conv2d_out_w(&s);
    size_t nx = (size_t)batch * sh->cin * sh->hw * sh->hw;
    size_t ny = (size_t)batch * sh->cout * ho * wo, nw = (size_t)sh->cout * sh->cin * 9;
    float *x = randn(nx, 1), *w = randn(nw, 2), *dy = randn(ny, 3);
    float *y = randn(ny, 4), *dx = randn(nx, 5), *dw = randn(nw, 6);
    float *y2 = randn(ny, 7), *dx2 = randn(nx, 8), *dw2 = randn(nw, 9);
    float *y3 = randn(ny, 10), *dx3 = randn(nx, 11), *dw3 = randn(nw, 12);
    float *work = nn_alloc_floats(nn_conv2d_workspace(&s));
    double t[MAX_REPS];

    /* ours */
    for (int phase = 0; phase < 3; phase++) {
        for (int r = 0; r <= reps; r++) {
            double t0 = lab_bench_now();
            if (phase == 0)
                nn_conv2d_forward(y, x, w, NULL, &s, work);
            else if (phase == 1)
                nn_conv2d_backward(dx, NULL, NULL, dy, x, w, &s, work);
            else
                nn_conv2d_backward(NULL, dw, NULL, dy, x, w, &s, work);
            if (r > 0)
                t[r - 1] = lab_bench_now() - t0;
        }
        out->ours[phase] = median_of(t, reps);
    }

    /* oneDNN with each algorithm it offers (Winograd only where it
     * implements it); each phase's faster kept */
    static const dnnl_alg_kind_t algs[2] = {dnnl_convolution_direct,
                                            dnnl_convolution_winograd};
    for (int k = 0; k < 3; k++)
        out->dnnl[k] = INFINITY, out->alg[k] = '-';
    out->reorders = INFINITY;
    for (int i = 0; i < 2; i++) {
        double d[3], re;
        /* y2, dx2, dw2: the direct algorithm's results, compared below */
        if (onednn_shape(algs[i], sh, batch, reps, eng, strm, x, w, dy, i == 0 ? y2 : y3,
                         i == 0 ? dx2 : dx3, i == 0 ? dw2 : dw3, d, &re))
            continue;
        for (int k = 0; k < 3; k++)
            if (d[k] < out->dnnl[k])
                out->dnnl[k] = d[k], out->alg[k] = i == 0 ? 'd' : 'w';
        out->reorders = fmin(out->reorders, re);
    }
    /* ours once more for the comparison: the weight gradient accumulates */
    memset(dw, 0, nw * sizeof *dw);
    nn_conv2d_backward(NULL, dw, NULL, dy, x, w, &s, work);
    out->diff[0] = max_rel_diff(y2, y, ny);
    out->diff[1] = max_rel_diff(dx2, dx, nx);
    out->diff[2] = max_rel_diff(dw2, dw, nw);

    free(x), free(w), free(dy), free(y), free(dx), free(dw), free(y2), free(dx2),
        free(dw2), free(y3), free(dx3), free(dw3);
    free(work);
}

int main(int argc, char **argv)
{
    int batch = 128, reps = 5;
    for (int i = 1; i < argc; i += 2) {
        if (strcmp(argv[i], "--plain") == 0) {
            plain = 1, i--;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "onednn_conv: %s needs a value\n", argv[i]);
            return 2;
        }
        if (strcmp(argv[i], "--batch") == 0)
            batch = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--reps") == 0)
            reps = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "onednn_conv: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (batch < 1 || reps < 1 || reps > MAX_REPS) {
        fprintf(stderr, "onednn_conv: --batch >= 1, --reps 1..%d\n", MAX_REPS);
        return 2;
    }
    openblas_set_num_threads(1);
    omp_set_num_threads(1);
    dnnl_engine_t eng;
    dnnl_stream_t strm;
    TRY(dnnl_engine_create(&eng, dnnl_cpu, 0));
    TRY(dnnl_stream_create(&strm, eng, dnnl_stream_default_flags));
    printf(
        "# 3x3 convolutions of ResNet-20 (width 16, 32x32), batch %d, one thread, "
        "median of %d; ms per call; ours: src/nn/conv (%s kernels: Winograd at "
        "stride 1 from %d input channels, else direct), oneDNN %d.%d in %s, the faster "
        "of its direct (d) and Winograd (w) algorithms where it has both\n\n",
        batch, reps, golu_isa_name(nn_conv3x3_isa()), NN_CONV3X3_WINO_MIN_CIN,
        dnnl_version()->major, dnnl_version()->minor,
        plain ? "NCHW and OIHW (--plain)" : "its own layouts");
    printf("| cin -> cout, size, stride | fwd ours / oneDNN | bwd data | bwd weights | "
           "oneDNN's reorders | max rel diff fwd, data, weights "
           "|\n|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof SHAPES / sizeof SHAPES[0]; i++) {
        timing tm;
        run_shape(&SHAPES[i], batch, reps, eng, strm, &tm);
        printf("| %d -> %d, %d, %d | %.2f / %.2f (%c) = %.2f | %.2f / %.2f (%c) = %.2f | "
               "%.2f / %.2f (%c) = %.2f | %.2f | %.1e, %.1e, %.1e |\n",
               SHAPES[i].cin, SHAPES[i].cout, SHAPES[i].hw, SHAPES[i].stride,
               1e3 * tm.ours[0], 1e3 * tm.dnnl[0], tm.alg[0], tm.ours[0] / tm.dnnl[0],
               1e3 * tm.ours[1], 1e3 * tm.dnnl[1], tm.alg[1], tm.ours[1] / tm.dnnl[1],
               1e3 * tm.ours[2], 1e3 * tm.dnnl[2], tm.alg[2], tm.ours[2] / tm.dnnl[2],
               1e3 * tm.reorders, tm.diff[0], tm.diff[1], tm.diff[2]);
        fflush(stdout);
    }
    dnnl_stream_destroy(strm);
    dnnl_engine_destroy(eng);
    return 0;
}
