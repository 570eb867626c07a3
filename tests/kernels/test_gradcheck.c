/*
 * test_gradcheck.c - gradients against finite differences and naive loops.
 *
 *   golu_backward(GOLU_F64) against central differences of golu_forward for
 *   every activation (defaults and other parameters) on 2000 points in
 *   [-8, 8]; the kink conventions at 0 exactly;
 *   golu_param_grad for GoLU (alpha, beta, gamma), LeakyReLU and PReLU
 *   against differences in the parameter and against the closed forms of
 *   docs/MATH.md, one element at a time and summed; at extreme inputs;
 *   golu_prelu_forward / golu_prelu_backward (dx, dslope) against naive loops
 *   and finite differences, for channels/inner layouts (3, 5), (4, 1), (1, 7).
 */
#include "util.h"

enum { NPTS = 2000 };

/* Step for a central difference at x: about cbrt(eps) relative, a power of
 * two so that x +- h is exact for most x. */
static double step_at(double x)
{
    return 0x1p-17 * fmax(1.0, fabs(x));
}

static double f64_fwd(const golu_act *a, double x)
{
    double y = NAN;
    CHECK_ST(golu_forward(NULL, a, GOLU_F64, &x, &y, 1), GOLU_OK);
    return y;
}

/* ------------------------------------------------- dx vs differences ---- */

/* Activations with a kink in f or f' at 0 for these parameters. */
static int kinked(const golu_act *a)
{
    switch (a->kind) {
    case GOLU_ACT_RELU: return 1;
    case GOLU_ACT_LEAKY_RELU:
    case GOLU_ACT_PRELU: return a->alpha != 1.0;
    case GOLU_ACT_ELU: return 1; /* f' jumps at 0 unless alpha = 1; f'' jumps even then */
    default: return 0;
    }
}

static void check_dx(const golu_act *a, const char *what)
{
    static double x[NPTS], xp[NPTS], xm[NPTS], yp[NPTS], ym[NPTS], y[NPTS], g[NPTS],
        ones[NPTS];
    rng r = {0x6AD + (uint64_t)a->kind};
    for (int i = 0; i < NPTS; i++) {
        x[i] = -8.0 + 16.0 * (i + rng_unit(&r)) / NPTS;
        double h = step_at(x[i]);
        xp[i] = x[i] + h;
        xm[i] = x[i] - h;
        ones[i] = 1.0;
    }
    CHECK_ST(golu_forward(NULL, a, GOLU_F64, xp, yp, NPTS), GOLU_OK);
    CHECK_ST(golu_forward(NULL, a, GOLU_F64, xm, ym, NPTS), GOLU_OK);
    CHECK_ST(golu_forward(NULL, a, GOLU_F64, x, y, NPTS), GOLU_OK);
    CHECK_ST(golu_backward(NULL, a, GOLU_F64, x, ones, g, NPTS), GOLU_OK);
    long bad = 0, skipped = 0;
    double max_rel = 0;
    for (int i = 0; i < NPTS; i++) {
        /* Finite differences straddling a kink measure the average of the
         * one-sided slopes, not f': skip 4 steps around the kink at 0
         * (ReLU/LeakyReLU/PReLU; ELU, whose f'' jumps at 0 even with
         * alpha = 1). The conventions at 0 are checked exactly below. */
        if (kinked(a) && fabs(x[i]) < 4 * step_at(0)) {
            skipped++;
            continue;
        }
        double fd = (yp[i] - ym[i]) / (xp[i] - xm[i]);
        /* truncation ~ h^2 |f'''| ~ 1e-11, rounding ~ eps |f| / h ~ 3e-11 |f| */
        double tol = 1e-8 * (1.0 + fabs(y[i]));
        double e = fabs(fd - g[i]) / tol;
        if (e > max_rel)
            max_rel = e;
        if (!(e <= 1.0) && bad++ < 5)
            CHECK(0, "%s: f'(%.17g) = %.17g, finite difference %.17g", what, x[i], g[i],
                  fd);
    }
    CHECK(bad == 0,
          "%s: %ld of %d points disagree with finite differences (worst %.3g of "
          "the tolerance)",
          what, bad, NPTS, max_rel);
    CHECK(skipped < 5, "%s: skipped %ld points near the kink", what, skipped);
}

static void test_dx(void)
{
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        golu_act a = act_of(k);
        char what[120];
        snprintf(what, sizeof what, "%s default", act_list_name(k));
        check_dx(&a, what);
    }
    const golu_act others[] = {
        {
            GOLU_ACT_GOLU,
            1.3,
            0.7,
            1.9,
        },
        {GOLU_ACT_GOLU, 0.5, 3.0, 0.25},
        {GOLU_ACT_LEAKY_RELU, 0.2, 0, 0},
        {GOLU_ACT_LEAKY_RELU, -0.3, 0, 0},
        {GOLU_ACT_PRELU, 1.7, 0, 0},
        {GOLU_ACT_ELU, 0.5, 0, 0},
        {GOLU_ACT_ELU, 2.0, 0, 0},
        {GOLU_ACT_ELU, 0.0, 0, 0},
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        char what[120];
        snprintf(what, sizeof what, "%s (%g, %g, %g)", act_list_name(others[i].kind),
                 others[i].alpha, others[i].beta, others[i].gamma);
        check_dx(&others[i], what);
    }
}

/* The one-sided conventions of golu.h at the kinks, for x = +0 and -0:
 * ReLU family from the left (0, alpha), ELU from the right (1). */
static void test_kinks(void)
{
    const struct {
        golu_act a;
        double want;
    } cases[] = {
        {{GOLU_ACT_RELU, 0, 0, 0}, 0.0},
        {{GOLU_ACT_LEAKY_RELU, 0.01, 0, 0}, 0.01},
        {{GOLU_ACT_LEAKY_RELU, -0.3, 0, 0}, -0.3},
        {{GOLU_ACT_PRELU, 0.25, 0, 0}, 0.25},
        {{GOLU_ACT_ELU, 1.0, 0, 0}, 1.0},
        {{GOLU_ACT_ELU, 0.5, 0, 0}, 1.0},
        {{GOLU_ACT_ELU, 2.0, 0, 0}, 1.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        golu_act a = cases[i].a;
        if (a.kind == GOLU_ACT_RELU)
            a = act_of(GOLU_ACT_RELU);
        for (int dt = 0; dt < 2; dt++) {
            double x64[2] = {0.0, -0.0}, dy64[2] = {1.0, 1.0}, g64[2];
            float x32[2] = {0.0f, -0.0f}, dy32[2] = {1.0f, 1.0f}, g32[2];
            golu_status st = dt ? golu_backward(NULL, &a, GOLU_F32, x32, dy32, g32, 2)
                                : golu_backward(NULL, &a, GOLU_F64, x64, dy64, g64, 2);
            CHECK_INT(st, GOLU_OK);
            for (int j = 0; j < 2; j++) {
                double got = dt ? g32[j] : g64[j];
                double want = dt ? (double)(float)cases[i].want : cases[i].want;
                CHECK(got == want, "%s(alpha %g)'(%s0) = %g in %s, want %g",
                      act_list_name(a.kind), a.alpha, j ? "-" : "+", got,
                      dt ? "f32" : "f64", want);
            }
        }
    }
}

/* ------------------------------------------------ parameter gradients --- */

/* Closed forms of docs/MATH.md in long double; e * exp(-beta e) is taken as
 * exp(-gamma x - beta e) so that it is 0, not inf * 0, far left. */
static void golu_param_exact(const golu_act *a, long double x, long double out[3])
{
    long double e = expl(-(long double)a->gamma * x);
    long double G = expl(-(long double)a->beta * e);
    long double eG = expl(-(long double)a->gamma * x - (long double)a->beta * e);
    out[0] = x * G;
    out[1] = -(long double)a->alpha * x * eG;
    out[2] = (long double)a->alpha * (long double)a->beta * x * x * eG;
}

static void check_golu_param(const golu_act *a)
{
    enum { NP = 400 };
    static double x[NP], dy[NP];
    rng r = {0x9A4A};
    for (int i = 0; i < NP; i++) {
        x[i] = -8.0 + 16.0 * (i + rng_unit(&r)) / NP;
        dy[i] = rng_range(&r, -2.0, 2.0);
    }
    long bad = 0;
    long double sum[3] = {0, 0, 0}, mag[3] = {0, 0, 0};
    for (int i = 0; i < NP; i++) {
        double out[3] = {NAN, NAN, NAN};
        CHECK_ST(golu_param_grad(NULL, a, GOLU_F64, &x[i], &dy[i], 1, out), GOLU_OK);
        long double ex[3];
        golu_param_exact(a, x[i], ex);
        for (int p = 0; p < 3; p++) {
            long double t = ex[p] * dy[i];
            sum[p] += t;
            mag[p] += fabsl(t);
            /* the closed form: a few ulps of the terms' size */
            long double sc = fabsl(x[i] * dy[i]) * (1 + fabsl(x[i])) * 8;
            int ok = fabsl(out[p] - t) <= 1e-14L * sc;
            /* the difference in the parameter */
            golu_act ap = *a, am = *a;
            double *pp = p == 0 ? &ap.alpha : p == 1 ? &ap.beta : &ap.gamma;
            double *pm = p == 0 ? &am.alpha : p == 1 ? &am.beta : &am.gamma;
            double h = 0x1p-17 * *pp;
            *pp += h;
            *pm -= h;
            double fd = dy[i] * (f64_fwd(&ap, x[i]) - f64_fwd(&am, x[i])) / (*pp - *pm);
            ok &=
                fabs(fd - out[p]) <= 1e-8 * (1 + fabs(x[i] * dy[i]) * (1 + x[i] * x[i]));
            if (!ok && bad++ < 5)
                CHECK(0,
                      "GoLU(%g,%g,%g) param %d at x=%.17g dy=%g: %.17g, closed form "
                      "%.17Lg, "
                      "difference %.17g",
                      a->alpha, a->beta, a->gamma, p, x[i], dy[i], out[p], t, fd);
        }
    }
    CHECK(bad == 0, "GoLU(%g,%g,%g) parameter gradients: %ld bad", a->alpha, a->beta,
          a->gamma, bad);
    /* All at once: the blocked double sum. */
    double out[3];
    CHECK_ST(golu_param_grad(NULL, a, GOLU_F64, x, dy, NP, out), GOLU_OK);
    for (int p = 0; p < 3; p++)
        CHECK(fabsl(out[p] - sum[p]) <= 1e-13L * mag[p],
              "GoLU(%g,%g,%g) sum %d: %.17g vs %.17Lg", a->alpha, a->beta, a->gamma, p,
              out[p], sum[p]);
    /* float32 storage: the same values give the same sums (computed in
     * double from the same floats). */
    float x32[NP], dy32[NP];
    double x64r[NP], dy64r[NP], o32[3], o64[3];
    for (int i = 0; i < NP; i++) {
        x32[i] = (float)x[i];
        dy32[i] = (float)dy[i];
        x64r[i] = x32[i];
        dy64r[i] = dy32[i];
    }
    CHECK_ST(golu_param_grad(NULL, a, GOLU_F32, x32, dy32, NP, o32), GOLU_OK);
    CHECK_ST(golu_param_grad(NULL, a, GOLU_F64, x64r, dy64r, NP, o64), GOLU_OK);
    for (int p = 0; p < 3; p++)
        CHECK(fabs(o32[p] - o64[p]) <= 1e-12 * (double)mag[p],
              "GoLU param %d: f32 %.17g, "
              "f64 %.17g",
              p, o32[p], o64[p]);
}

static void test_golu_param_extremes(void)
{
    golu_act a = act_of(GOLU_ACT_GOLU);
    /* Far left everything vanishes (0, not inf * 0); far right d/dalpha is
     * x and the others vanish. */
    const double xs[] = {-1e30, -1000.0, -40.0, -6.7, 40.0, 1000.0, 1e30, DBL_MAX};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        double dy = 1.0, out[3] = {NAN, NAN, NAN};
        CHECK_ST(golu_param_grad(NULL, &a, GOLU_F64, &xs[i], &dy, 1, out), GOLU_OK);
        long double ex[3];
        golu_param_exact(&a, xs[i], ex);
        for (int p = 0; p < 3; p++)
            CHECK(isfinite(out[p]) &&
                      fabsl(out[p] - ex[p]) <= 1e-15L * fabsl(ex[p]) + 1e-300L,
                  "GoLU param %d at x = %g: %g, want %Lg", p, xs[i], out[p], ex[p]);
    }
    double nan = NAN, one = 1.0, x1 = 1.0, out[3];
    CHECK_ST(golu_param_grad(NULL, &a, GOLU_F64, &nan, &one, 1, out), GOLU_OK);
    CHECK(isnan(out[0]) && isnan(out[1]) && isnan(out[2]), "param_grad(x NaN) = %g %g %g",
          out[0], out[1], out[2]);
    CHECK_ST(golu_param_grad(NULL, &a, GOLU_F64, &x1, &nan, 1, out), GOLU_OK);
    CHECK(isnan(out[0]) && isnan(out[1]) && isnan(out[2]),
          "param_grad(dy NaN) = %g %g %g", out[0], out[1], out[2]);
}

static void check_slope_param(golu_act_kind kind, double alpha)
{
    golu_act a = act_of(kind);
    a.alpha = alpha;
    enum { NP = 400 };
    double x[NP], dy[NP];
    rng r = {0x5107E};
    long double sum = 0, mag = 0;
    long bad = 0;
    for (int i = 0; i < NP; i++) {
        x[i] = i == 0 ? 0.0 : i == 1 ? -0.0 : rng_range(&r, -8.0, 8.0);
        dy[i] = rng_range(&r, -2.0, 2.0);
        double t = x[i] < 0 ? x[i] * dy[i] : 0.0; /* one rounding, as in double */
        sum += t;
        mag += fabs(t);
        double out[3] = {NAN, NAN, NAN};
        CHECK_ST(golu_param_grad(NULL, &a, GOLU_F64, &x[i], &dy[i], 1, out), GOLU_OK);
        golu_act ap = a, am = a;
        double h = 0x1p-10;
        ap.alpha += h;
        am.alpha -= h;
        double fd = dy[i] * (f64_fwd(&ap, x[i]) - f64_fwd(&am, x[i])) / (2 * h);
        int ok = out[0] == t && fabs(fd - out[0]) <= 1e-12 * (1 + fabs(x[i])) &&
                 out[1] == 0 && out[2] == 0;
        if (!ok && bad++ < 5)
            CHECK(0,
                  "%s(%g) d/dalpha at x=%g dy=%g: %.17g (%g %g), want %.17g, diff %.17g",
                  act_list_name(kind), alpha, x[i], dy[i], out[0], out[1], out[2], t, fd);
    }
    CHECK(bad == 0, "%s d/dalpha: %ld bad", act_list_name(kind), bad);
    double out[3];
    CHECK_ST(golu_param_grad(NULL, &a, GOLU_F64, x, dy, NP, out), GOLU_OK);
    CHECK(fabsl(out[0] - sum) <= 1e-13L * mag, "%s d/dalpha sum %.17g, want %.17Lg",
          act_list_name(kind), out[0], sum);
}

static void test_param_grads(void)
{
    golu_act a = act_of(GOLU_ACT_GOLU);
    check_golu_param(&a);
    golu_act b = {GOLU_ACT_GOLU, 1.3, 0.7, 1.9};
    check_golu_param(&b);
    golu_act c = {GOLU_ACT_GOLU, 0.8, 2.5, 0.6};
    check_golu_param(&c);
    test_golu_param_extremes();
    check_slope_param(GOLU_ACT_LEAKY_RELU, 0.01);
    check_slope_param(GOLU_ACT_PRELU, 0.25);
    check_slope_param(GOLU_ACT_PRELU, -1.5);
}

/* ---------------------------------------------------- per-channel PReLU -- */

static void check_prelu_layout(size_t C, size_t inner)
{
    enum { OUTER = 4, MAXE = 4 * 4 * 7 * 5 };
    size_t n = OUTER * C * inner;
    double x[MAXE], dy[MAXE], y[MAXE], dx[MAXE], slope[8], ds[8];
    rng r = {0xC4A7 + C * 31 + inner};
    for (size_t c = 0; c < C; c++)
        slope[c] = rng_range(&r, -1.0, 1.0);
    for (size_t i = 0; i < n; i++) {
        x[i] = i % 17 == 3 ? 0.0 : i % 17 == 5 ? -0.0 : rng_range(&r, -4.0, 4.0);
        dy[i] = rng_range(&r, -2.0, 2.0);
    }
    char what[80];
    snprintf(what, sizeof what, "prelu C=%zu inner=%zu n=%zu", C, inner, n);

    /* Naive loops, float64 (exact: one multiplication each). */
    CHECK_ST(golu_prelu_forward(NULL, GOLU_F64, x, y, n, slope, C, inner), GOLU_OK);
    CHECK_ST(golu_prelu_backward(NULL, GOLU_F64, x, dy, dx, n, slope, C, inner, ds),
             GOLU_OK);
    long double nds[8] = {0}, mag[8] = {0};
    long bad = 0;
    for (size_t i = 0; i < n; i++) {
        size_t c = (i / inner) % C;
        double fy = x[i] > 0 ? x[i] : slope[c] * x[i];
        double fdx = x[i] > 0 ? dy[i] : dy[i] * slope[c];
        if (!(x[i] > 0)) {
            nds[c] += (long double)dy[i] * x[i];
            mag[c] += fabsl((long double)dy[i] * x[i]);
        }
        if ((f64_bits(y[i]) != f64_bits(fy) || f64_bits(dx[i]) != f64_bits(fdx)) &&
            bad++ < 5)
            CHECK(0, "%s i=%zu x=%g: y %g dx %g, naive %g %g", what, i, x[i], y[i], dx[i],
                  fy, fdx);
    }
    CHECK(bad == 0, "%s: %ld elements differ from the naive loop", what, bad);
    for (size_t c = 0; c < C; c++)
        CHECK(fabsl(ds[c] - nds[c]) <= 1e-13L * mag[c],
              "%s dslope[%zu] = %.17g, naive %.17Lg", what, c, ds[c], nds[c]);

    /* dslope against differences of L = sum dy * prelu(x; slope) in
     * slope[c]; L is linear in each slope, so the difference is exact up to
     * rounding. */
    for (size_t c = 0; c < C; c++) {
        double sp[8], sm[8], yp[MAXE], ym[MAXE], h = 0x1p-8;
        memcpy(sp, slope, sizeof sp);
        memcpy(sm, slope, sizeof sm);
        sp[c] += h;
        sm[c] -= h;
        golu_prelu_forward(NULL, GOLU_F64, x, yp, n, sp, C, inner);
        golu_prelu_forward(NULL, GOLU_F64, x, ym, n, sm, C, inner);
        long double L = 0;
        for (size_t i = 0; i < n; i++)
            L += (long double)dy[i] * (yp[i] - ym[i]);
        double fd = (double)(L / (sp[c] - sm[c]));
        CHECK(fabs(fd - ds[c]) <= 1e-12 * (1 + (double)mag[c]),
              "%s dslope[%zu] = %.17g, "
              "difference %.17g",
              what, c, ds[c], fd);
    }
    /* dx against differences in x (away from the kink). */
    bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (fabs(x[i]) < 4 * step_at(0))
            continue;
        size_t c = (i / inner) % C;
        double h = step_at(x[i]);
        double xp = x[i] + h, xm = x[i] - h, yp, ym;
        golu_prelu_forward(NULL, GOLU_F64, &xp, &yp, 1, &slope[c], 1, 1);
        golu_prelu_forward(NULL, GOLU_F64, &xm, &ym, 1, &slope[c], 1, 1);
        double fd = dy[i] * (yp - ym) / (xp - xm);
        if (!(fabs(fd - dx[i]) <= 1e-9) && bad++ < 5)
            CHECK(0, "%s dx[%zu] = %g, difference %g", what, i, dx[i], fd);
    }
    CHECK(bad == 0, "%s: %ld dx disagree with differences", what, bad);

    /* 16-bit and float32 storage: the exact product rounded once. */
    for (int dti = 0; dti < 4; dti++) {
        golu_dtype dt = (golu_dtype)dti;
        if (dt == GOLU_F64)
            continue;
        /* float arrays: room and alignment for float32 and 16-bit values */
        float xb[MAXE], dyb[MAXE], yb[MAXE], dxb[MAXE], sb[8], dsb[8];
        for (size_t i = 0; i < n; i++) {
            elem_set(dt, xb, i, x[i]);
            elem_set(dt, dyb, i, dy[i]);
        }
        for (size_t c = 0; c < C; c++)
            elem_set(dt, sb, c, slope[c]);
        CHECK_ST(golu_prelu_forward(NULL, dt, xb, yb, n, sb, C, inner), GOLU_OK);
        CHECK_ST(golu_prelu_backward(NULL, dt, xb, dyb, dxb, n, sb, C, inner, dsb),
                 GOLU_OK);
        bad = 0;
        long double s[8] = {0};
        for (size_t i = 0; i < n; i++) {
            size_t c = (i / inner) % C;
            long double xv = elem_get(dt, xb, i), gv = elem_get(dt, dyb, i),
                        sv = elem_get(dt, sb, c);
            long double fy = xv > 0 ? xv : sv * xv, fdx = xv > 0 ? gv : gv * sv;
            if (!(xv > 0))
                s[c] += gv * xv;
            long double ry = dt == GOLU_F32    ? round_f32(fy)
                             : dt == GOLU_BF16 ? round_bf16(fy)
                                               : round_f16(fy);
            long double rdx = dt == GOLU_F32    ? round_f32(fdx)
                              : dt == GOLU_BF16 ? round_bf16(fdx)
                                                : round_f16(fdx);
            long double gy = elem_get(dt, yb, i), gdx = elem_get(dt, dxb, i);
            if ((gy != ry || gdx != rdx || !!signbit(gy) != !!signbit(ry)) && bad++ < 5)
                CHECK(0, "%s %s i=%zu x=%Lg: y %Lg dx %Lg, want %Lg %Lg", what,
                      golu_dtype_name(dt), i, xv, gy, gdx, ry, rdx);
        }
        CHECK(bad == 0, "%s %s: %ld differ from one rounding of the exact value", what,
              golu_dtype_name(dt), bad);
        for (size_t c = 0; c < C; c++) {
            long double want = dt == GOLU_F32    ? round_f32(s[c])
                               : dt == GOLU_BF16 ? round_bf16(s[c])
                                                 : round_f16(s[c]);
            long double got = elem_get(dt, dsb, c);
            long double ulp = fabsl(want) * (dt == GOLU_F32    ? 0x1p-23L
                                             : dt == GOLU_BF16 ? 0x1p-7L
                                                               : 0x1p-10L);
            CHECK(fabsl(got - want) <= ulp, "%s %s dslope[%zu] = %Lg, want %Lg", what,
                  golu_dtype_name(dt), c, got, want);
        }
    }
}

static void test_prelu(void)
{
    check_prelu_layout(3, 5);
    check_prelu_layout(4, 1);
    check_prelu_layout(1, 7);
    check_prelu_layout(7, 5);

    /* golu_forward with kind PReLU uses act->alpha for all elements, the
     * same as one channel. */
    double x[6] = {-2, -0.5, 0, 1, 3, -7}, y1[6], y2[6], s = -0.75;
    golu_act a = act_of(GOLU_ACT_PRELU);
    a.alpha = s;
    CHECK_ST(golu_forward(NULL, &a, GOLU_F64, x, y1, 6), GOLU_OK);
    CHECK_ST(golu_prelu_forward(NULL, GOLU_F64, x, y2, 6, &s, 1, 1), GOLU_OK);
    for (int i = 0; i < 6;
         i++) /* values: the sign of a zero may differ (x >= 0 ? x : ..) */
        CHECK(y1[i] == y2[i], "golu_forward(PReLU)(%g) = %g, one channel %g", x[i], y1[i],
              y2[i]);

    /* NaN x: golu.h's formula reads dx = dy * slope and leaves NaN out of
     * dslope (x <= 0 is false), while the rule "NaN in, NaN out" says NaN.
     * Not asserted until the contract says which; printed. */
    double xn = NAN, dyn = 1.0, dxn = 0, dsn = 0, yn = 0;
    golu_prelu_forward(NULL, GOLU_F64, &xn, &yn, 1, &s, 1, 1);
    golu_prelu_backward(NULL, GOLU_F64, &xn, &dyn, &dxn, 1, &s, 1, 1, &dsn);
    CHECK(isnan(yn), "prelu_forward(NaN) = %g", yn);
    printf("note: prelu_backward with x = NaN gives dx = %g, dslope = %g\n", dxn, dsn);
}

int main(void)
{
    TEST_BEGIN("test_gradcheck");
    test_dx();
    test_kinks();
    test_param_grads();
    test_prelu();
    return TEST_END();
}
