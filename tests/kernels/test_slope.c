/*
 * test_slope.c - the forward that keeps the slope (golu_forward_slope) and
 * the backward from it (golu_backward_slope).
 *
 *   1. The same bits as golu_forward and golu_backward: every activation
 *      (GoLU with its default and with other parameters, every peer),
 *      float32, bfloat16 and float16, on every SIMD path, on inputs that
 *      cover the derivative windows, the saturations, the tails and the
 *      special values; in place (y == x, dx == dy) too; and the kept doubles
 *      themselves equal on every path.
 *   2. The kept slope against f' in long double (GoLU, SiLU, ELU: closed
 *      forms) on [-5.5, 30] (below, GoLU keeps f'(-5.5), whose product with
 *      any float is +-0 like f'(x)'s): within 2^-34 of max(|f'|, the size of
 *      its terms).
 *   3. Two threads give the bits of one.
 *   4. The argument checks: float64 is GOLU_ERR_UNSUPPORTED, an unknown
 *      dtype GOLU_ERR_DTYPE, NULL buffers, overlaps, n = 0.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "util.h"

enum { N = 6007, N_BIG = (1 << 18) + 13 };

static const golu_dtype DTYPES[] = {GOLU_F32, GOLU_BF16, GOLU_F16};

/* Inputs: dense around every zero of a derivative and the saturations,
 * N(0, 3), the special values. */
static void fill_inputs(double *x, size_t n, rng *r)
{
    static const double special[] = {0.0,   -0.0,      INFINITY, -INFINITY, NAN,
                                     1e-40, -1e-40,    FLT_MAX,  -FLT_MAX,  -5.5,
                                     40.0,  -0.567143, -0.7518,  -1.2785,   -1.1924,
                                     -4.6,  -88.0,     88.0,     1e30,      -1e30};
    size_t ns = sizeof special / sizeof special[0], k = 0;
    for (; k < ns && k < n; k++)
        x[k] = special[k];
    static const double centres[] = {-0.567143290409784, -0.751791524693564,
                                     -1.278464542761074, -1.192402,
                                     -0.2 /* general GoLU below */};
    for (; k < n; k++) {
        double u = rng_unit(r);
        if (k % 3 == 0) /* within 2^-6 of a zero */
            x[k] = centres[k / 3 % 5] + (u - 0.5) * 0x1p-5;
        else if (k % 3 == 1)
            x[k] = rng_range(r, -12.0, 12.0);
        else
            x[k] = rng_range(r, -100.0, 100.0) * u * u;
    }
}

static void *alloc(size_t bytes)
{
    void *p = calloc(1, bytes ? bytes : 1);
    if (!p) {
        fprintf(stderr, "test_slope: out of memory\n");
        exit(1);
    }
    return p;
}

/* The activations checked: each kind at its defaults, and GoLU at other
 * parameters (its window then comes from kconsts). */
static int act_at(int i, golu_act *out)
{
    if (i < GOLU_ACT_COUNT) {
        *out = act_of(i);
        return 1;
    }
    if (i == GOLU_ACT_COUNT) {
        *out = golu_act_default(GOLU_ACT_GOLU);
        out->alpha = 1.3;
        out->beta = 0.7;
        out->gamma = 1.5;
        return 1;
    }
    return 0;
}

/* Number of elements i < n where a and b (dtype dt) differ. */
static long count_diff(golu_dtype dt, const void *a, const void *b, size_t n,
                       size_t *first)
{
    long bad = 0;
    for (size_t i = 0; i < n; i++)
        if (!elem_same(dt, a, b, i) && bad++ == 0)
            *first = i;
    return bad;
}

/* 1. and 3.: on ctx, n elements of x (doubles, stored in dt), dy from r. */
static void check_same_bits(golu_ctx *ctx, const char *path, const golu_act *act,
                            golu_dtype dt, const double *xd, size_t n, rng *r,
                            double *slope_out)
{
    size_t es = golu_dtype_size(dt);
    void *x = alloc(n * es), *dy = alloc(n * es), *y_ref = alloc(n * es),
         *dx_ref = alloc(n * es), *y = alloc(n * es), *dx = alloc(n * es);
    double *sl = alloc(n * sizeof *sl);
    for (size_t i = 0; i < n; i++) {
        elem_set(dt, x, i, xd[i]);
        elem_set(dt, dy, i, i % 97 == 0 ? (i % 2 ? INFINITY : NAN) : rng_range(r, -3, 3));
    }
    const char *an = act_list_name(act->kind), *dn = golu_dtype_name(dt);
    CHECK_ST(golu_forward(ctx, act, dt, x, y_ref, n), GOLU_OK);
    CHECK_ST(golu_backward(ctx, act, dt, x, dy, dx_ref, n), GOLU_OK);

    CHECK_ST(golu_forward_slope(ctx, act, dt, x, y, sl, n), GOLU_OK);
    CHECK_ST(golu_backward_slope(ctx, dt, sl, dy, dx, n), GOLU_OK);
    size_t at = 0;
    long bad = count_diff(dt, y, y_ref, n, &at);
    CHECK(bad == 0,
          "%s %s %s (%g,%g,%g): forward_slope's y differs from golu_forward's in "
          "%ld of %zu, first at x = %.9g",
          path, an, dn, act->alpha, act->beta, act->gamma, bad, n, xd[at]);
    bad = count_diff(dt, dx, dx_ref, n, &at);
    CHECK(bad == 0,
          "%s %s %s (%g,%g,%g): backward_slope's dx differs from golu_backward's "
          "in %ld of %zu, first at x = %.9g",
          path, an, dn, act->alpha, act->beta, act->gamma, bad, n, xd[at]);

    /* In place: y over x, then dx over dy. */
    double *sl2 = alloc(n * sizeof *sl2);
    void *xy = alloc(n * es), *dydx = alloc(n * es);
    memcpy(xy, x, n * es);
    memcpy(dydx, dy, n * es);
    CHECK_ST(golu_forward_slope(ctx, act, dt, xy, xy, sl2, n), GOLU_OK);
    CHECK_ST(golu_backward_slope(ctx, dt, sl2, dydx, dydx, n), GOLU_OK);
    CHECK(count_diff(dt, xy, y_ref, n, &at) == 0 &&
              count_diff(dt, dydx, dx_ref, n, &at) == 0,
          "%s %s %s: in place, the bits differ (first at x = %.9g)", path, an, dn,
          xd[at]);
    CHECK(memcmp(sl, sl2, n * sizeof *sl) == 0, "%s %s %s: in place, other slopes", path,
          an, dn);
    if (slope_out)
        memcpy(slope_out, sl, n * sizeof *sl);
    free(x), free(dy), free(y_ref), free(dx_ref), free(y), free(dx), free(sl), free(sl2);
    free(xy), free(dydx);
}

static void test_paths(void)
{
    rng r = {0x5107e};
    double *xd = alloc(N * sizeof *xd), *scalar_sl = alloc(N * sizeof *scalar_sl),
           *sl = alloc(N * sizeof *sl);
    fill_inputs(xd, N, &r);
    golu_act act;
    for (int a = 0; act_at(a, &act); a++) {
        for (size_t d = 0; d < sizeof DTYPES / sizeof DTYPES[0]; d++) {
            golu_isa isa;
            for (int ii = 0; isa_at(ii, &isa); ii++) {
                golu_ctx *ctx = ctx_for_isa(isa, 1);
                if (!ctx)
                    continue;
                check_same_bits(ctx, golu_isa_name(isa), &act, DTYPES[d], xd, N, &r, sl);
                if (isa == GOLU_ISA_SCALAR) {
                    memcpy(scalar_sl, sl, N * sizeof *sl);
                } else {
                    long bad = 0;
                    for (size_t i = 0; i < N; i++)
                        bad += f64_bits(sl[i]) != f64_bits(scalar_sl[i]) &&
                               !(isnan(sl[i]) && isnan(scalar_sl[i]));
                    CHECK(bad == 0,
                          "%s %s %s: %ld kept slopes differ from the scalar path's",
                          golu_isa_name(isa), act_list_name(act.kind),
                          golu_dtype_name(DTYPES[d]), bad);
                }
                golu_ctx_destroy(ctx);
            }
        }
    }
    free(xd), free(scalar_sl), free(sl);
}

/* 2. f' in long double for a few closed forms; the size of the terms that
 * cancel near f's zero (G for GoLU, sigma for SiLU), 1 otherwise. */
static long double ref_slope(int kind, long double x, long double *scale)
{
    switch (kind) {
    case GOLU_ACT_GOLU: {
        long double g = expl(-expl(-x));
        *scale = g;
        return g * (1.0L + x * expl(-x));
    }
    case GOLU_ACT_SILU: {
        long double s = 1.0L / (1.0L + expl(-x));
        *scale = s;
        return s * (1.0L + x * (1.0L - s));
    }
    case GOLU_ACT_ELU: *scale = 1.0L; return x >= 0 ? 1.0L : expl(x);
    }
    return NAN;
}

static void test_slope_values(void)
{
    static const int kinds[] = {GOLU_ACT_GOLU, GOLU_ACT_SILU, GOLU_ACT_ELU};
    rng r = {0x51093};
    enum { M = 20000 };
    float *x = alloc(M * sizeof *x), *y = alloc(M * sizeof *y);
    double *sl = alloc(M * sizeof *sl);
    for (size_t i = 0; i < M; i++)
        x[i] = (float)(i % 2 ? rng_range(&r, -5.5, 30)
                             : -0.5671433 + rng_range(&r, -1e-3, 1e-3));
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        golu_act act = act_of(kinds[k]);
        CHECK_ST(golu_forward_slope(NULL, &act, GOLU_F32, x, y, sl, M), GOLU_OK);
        double most = 0, at = 0;
        for (size_t i = 0; i < M; i++) {
            long double scale = 1.0L, ref = ref_slope(kinds[k], x[i], &scale);
            long double s = fabsl(ref) > scale ? fabsl(ref) : scale;
            double err = s > 0 ? (double)(fabsl((long double)sl[i] - ref) / s) : 0.0;
            if (!(err <= most))
                most = err, at = x[i];
        }
        CHECK(most <= 0x1p-34,
              "%s: kept slope off f' by %.3g (relative to its scale) at "
              "x = %.9g",
              act_list_name(kinds[k]), most, at);
    }
    free(x), free(y), free(sl);
}

static void test_threads(void)
{
    rng r = {0x7e4d};
    double *xd = alloc(N_BIG * sizeof *xd);
    fill_inputs(xd, N_BIG, &r);
    golu_ctx *one = NULL, *two = NULL;
    if (!CHECK(golu_ctx_create(&one) == GOLU_OK && golu_ctx_create(&two) == GOLU_OK,
               "golu_ctx_create"))
        return;
    golu_ctx_set_threads(one, 1);
    golu_ctx_set_threads(two, 2);
    static const golu_act_kind kinds[] = {GOLU_ACT_GOLU, GOLU_ACT_GELU, GOLU_ACT_SILU};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        golu_act act = act_of(kinds[k]);
        float *x = alloc(N_BIG * sizeof *x), *y1 = alloc(N_BIG * sizeof *y1),
              *y2 = alloc(N_BIG * sizeof *y2);
        double *s1 = alloc(N_BIG * sizeof *s1), *s2 = alloc(N_BIG * sizeof *s2);
        for (size_t i = 0; i < N_BIG; i++)
            x[i] = (float)xd[i];
        CHECK_ST(golu_forward_slope(one, &act, GOLU_F32, x, y1, s1, N_BIG), GOLU_OK);
        CHECK_ST(golu_forward_slope(two, &act, GOLU_F32, x, y2, s2, N_BIG), GOLU_OK);
        CHECK(memcmp(y1, y2, N_BIG * sizeof *y1) == 0 &&
                  memcmp(s1, s2, N_BIG * sizeof *s1) == 0,
              "%s: two threads give other bits than one", act_list_name(kinds[k]));
        for (size_t i = 0; i < N_BIG; i++)
            x[i] = (float)rng_range(&r, -2, 2); /* dy */
        CHECK_ST(golu_backward_slope(one, GOLU_F32, s1, x, y1, N_BIG), GOLU_OK);
        CHECK_ST(golu_backward_slope(two, GOLU_F32, s1, x, y2, N_BIG), GOLU_OK);
        CHECK(memcmp(y1, y2, N_BIG * sizeof *y1) == 0,
              "%s: backward_slope on two threads gives other bits",
              act_list_name(kinds[k]));
        free(x), free(y1), free(y2), free(s1), free(s2);
    }
    golu_ctx_destroy(one);
    golu_ctx_destroy(two);
    free(xd);
}

static void test_checks(void)
{
    golu_act act = golu_act_default(GOLU_ACT_GOLU), bad_act = act;
    bad_act.kind = (golu_act_kind)99;
    float x[64] = {0}, y[64], dy[64] = {0};
    double sl[64], xd[8] = {0}, yd[8];
    double big[96];
    CHECK_ST(golu_forward_slope(NULL, &act, GOLU_F64, xd, yd, sl, 8),
             GOLU_ERR_UNSUPPORTED);
    CHECK_ST(golu_backward_slope(NULL, GOLU_F64, sl, xd, yd, 8), GOLU_ERR_UNSUPPORTED);
    CHECK_ST(golu_forward_slope(NULL, &act, (golu_dtype)42, x, y, sl, 8), GOLU_ERR_DTYPE);
    CHECK_ST(golu_backward_slope(NULL, (golu_dtype)42, sl, dy, y, 8), GOLU_ERR_DTYPE);
    CHECK_ST(golu_forward_slope(NULL, &bad_act, GOLU_F32, x, y, sl, 8), GOLU_ERR_ACT);
    CHECK_ST(golu_forward_slope(NULL, NULL, GOLU_F32, x, y, sl, 8), GOLU_ERR_NULL);
    CHECK_ST(golu_forward_slope(NULL, &act, GOLU_F32, x, y, NULL, 8), GOLU_ERR_NULL);
    CHECK_ST(golu_forward_slope(NULL, &act, GOLU_F32, x, NULL, sl, 8), GOLU_ERR_NULL);
    CHECK_ST(golu_backward_slope(NULL, GOLU_F32, NULL, dy, y, 8), GOLU_ERR_NULL);
    CHECK_ST(golu_backward_slope(NULL, GOLU_F32, sl, NULL, y, 8), GOLU_ERR_NULL);
    CHECK_ST(golu_backward_slope(NULL, GOLU_F32, sl, dy, NULL, 8), GOLU_ERR_NULL);
    CHECK_ST(golu_forward_slope(NULL, &act, GOLU_F32, NULL, NULL, NULL, 0), GOLU_OK);
    CHECK_ST(golu_backward_slope(NULL, GOLU_F32, NULL, NULL, NULL, 0), GOLU_OK);
    /* The slope over x or y, over dy or dx: the doubles of big hold both. */
    float *fb = (float *)big;
    CHECK_ST(golu_forward_slope(NULL, &act, GOLU_F32, fb, y, big + 4, 16),
             GOLU_ERR_ALIAS);
    CHECK_ST(golu_forward_slope(NULL, &act, GOLU_F32, x, fb + 8, big, 16),
             GOLU_ERR_ALIAS);
    CHECK_ST(golu_backward_slope(NULL, GOLU_F32, big, fb + 4, y, 16),
             GOLU_OK); /* inputs */
    CHECK_ST(golu_backward_slope(NULL, GOLU_F32, big, dy, fb + 30, 16), GOLU_ERR_ALIAS);
    CHECK_ST(golu_forward_slope(NULL, &act, GOLU_F32, x, x + 1, sl, 16), GOLU_ERR_ALIAS);
    CHECK_ST(golu_backward_slope(NULL, GOLU_F32, sl, dy, dy + 1, 16), GOLU_ERR_ALIAS);
    CHECK_ST(golu_forward_slope(NULL, &act, GOLU_F32, x, x, sl, 16), GOLU_OK);
    CHECK_ST(golu_backward_slope(NULL, GOLU_F32, sl, dy, dy, 16), GOLU_OK);
    CHECK(strcmp(golu_status_str(GOLU_ERR_UNSUPPORTED), "unknown status") != 0,
          "GOLU_ERR_UNSUPPORTED has its sentence: %s",
          golu_status_str(GOLU_ERR_UNSUPPORTED));
}

int main(void)
{
    TEST_BEGIN("test_slope");
    skip_missing_isas();
    test_checks();
    test_paths();
    test_slope_values();
    test_threads();
    return TEST_END();
}
