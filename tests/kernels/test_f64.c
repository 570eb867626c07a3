/*
 * test_f64.c - float64 results against the 256-bit MPFR oracle, through the
 * public API (golu_forward / golu_backward / golu_param_grad, GOLU_F64).
 *
 *   GoLU, default parameters: forward and backward (dy = 1 and random dy)
 *   within 0.53 ulp (the design bound of f64_golu.c, 0.5 + 2^-5) on 2*10^5
 *   log-uniform inputs of both signs, and dense samples of the hard regions:
 *   [-6.62, -1] (where exp(-u) amplifies u's error), around the argmin
 *   -W(1), the underflow and saturation thresholds, subnormal inputs; the
 *   table of docs/MATH.md; the special values.
 *   GoLU, other parameters: within 0.6 ulp (measured 0.51).
 *   Every peer: within 0.53 ulp forward and backward, also dx = dy * f'(x)
 *   for random dy (backward in ulps of max(|f'|, scale), the scales of
 *   reference.h); the limits at +-inf, NaN, -0, the kinks at 0.
 *   golu_param_grad for GoLU against central differences of the MPFR oracle
 *   in each parameter (relative 1e-6), zeros in the x -> -inf limit, NaNs.
 *   In place calls (y == x, dx == dy, dx == x) and lengths 0..17.
 * Worst errors are printed; deterministic (fixed seeds).
 */
#include <mpfr.h>

#include "../../src/ref/reference.h"
#include "util.h"

enum { BATCH = 4096 };

/* A finite double with uniformly random bits (so log-uniform over the whole
 * range), both signs. */
static double rand_double(rng *r)
{
    for (;;) {
        double x = bits_f64(rng_next(r));
        if (isfinite(x))
            return x;
    }
}

/* ----------------------------------------------------- accuracy sweeps -- */

typedef double (*sampler)(rng *r, void *arg);

/* Uniform in [arg[0], arg[1]). */
static double samp_range(rng *r, void *arg)
{
    const double *a = arg;
    return rng_range(r, a[0], a[1]);
}

static double samp_any(rng *r, void *arg)
{
    (void)arg;
    return rand_double(r);
}

/* x* + t with |t| log-uniform in [2^-60, 2^-4]. */
static double samp_argmin(rng *r, void *arg)
{
    (void)arg;
    double t = ldexp(1.0 + rng_unit(r), -4 - (int)(rng_next(r) % 57));
    return -0.567143290409784 + ((rng_next(r) & 1) ? t : -t);
}

/* Subnormal or tiny normal, both signs. */
static double samp_tiny(rng *r, void *arg)
{
    (void)arg;
    double x = bits_f64(rng_next(r) & 0x001fffffffffffffull); /* < 2^-1021 */
    return (rng_next(r) & 1) ? -x : x;
}

/*
 * n inputs from `samp` through golu_forward and golu_backward (once with
 * dy = 1, once with random dy, log-uniform magnitude in [2^-30, 2^30] and
 * sometimes huge or tiny), errors into wf, wb (dy = 1) and wd (random dy).
 */
static void sweep(const golu_act *act, long n, sampler samp, void *arg, rng *r, worst *wf,
                  worst *wb, worst *wd)
{
    static double x[BATCH], y[BATCH], dy[BATCH], one[BATCH], dx1[BATCH], dxr[BATCH];
    for (int i = 0; i < BATCH; i++)
        one[i] = 1.0;
    for (long done = 0; done < n; done += BATCH) {
        size_t m = (size_t)(n - done < BATCH ? n - done : BATCH);
        for (size_t i = 0; i < m; i++) {
            x[i] = samp(r, arg);
            int e = (int)(rng_next(r) % 61) - 30;
            if (i % 64 == 0)
                e = (i % 128 == 0) ? 1000 : -1000;
            dy[i] = ldexp(rng_range(r, 1.0, 2.0), e) * ((rng_next(r) & 1) ? -1 : 1);
        }
        if (!CHECK_ST(golu_forward(NULL, act, GOLU_F64, x, y, m), GOLU_OK) ||
            !CHECK_ST(golu_backward(NULL, act, GOLU_F64, x, one, dx1, m), GOLU_OK) ||
            !CHECK_ST(golu_backward(NULL, act, GOLU_F64, x, dy, dxr, m), GOLU_OK))
            return;
        for (size_t i = 0; i < m; i++) {
            long double rf = golu_ref_mpfr(act, GOLU_DIR_FWD, x[i]);
            worst_add(wf, golu_ulp_err_f64(y[i], rf, 0), x[i]);
            long double rb = golu_ref_mpfr(act, GOLU_DIR_BWD, x[i]);
            double e1 = golu_ulp_err_f64(dx1[i], rb, 0);
            long double rd = rb * (long double)dy[i];
            double e2 = golu_ulp_err_f64(dxr[i], rd, 0);
            if (e1 > 0.5 || e2 > 0.5) { /* measure against the scale */
                long double s = golu_ref_bwd_scale_mpfr(act, x[i]);
                e1 = golu_ulp_err_f64(dx1[i], rb, s);
                e2 = golu_ulp_err_f64(dxr[i], rd, s * fabsl((long double)dy[i]));
            }
            worst_add(wb, e1, x[i]);
            worst_add(wd, e2, x[i]);
        }
    }
}

static void report(const char *what, const worst *w, double bound)
{
    printf("  %-34s worst %.4f ulp at x = %a (%.17g), %ld inputs\n", what, w->err, w->x,
           w->x, w->count);
    CHECK(w->err <= bound, "%s: %.4f ulp at x = %a exceeds %.2f", what, w->err, w->x,
          bound);
}

static void test_golu_default(void)
{
    golu_act act = golu_act_default(GOLU_ACT_GOLU);
    rng r = {1};
    worst wf = {0}, wb = {0}, wd = {0};
    double hard[] = {-6.62, -1.0};
    double under[] = {-6.8, -6.5};    /* results subnormal, then 0 */
    double zero_bwd[] = {-7.5, -7.2}; /* GoLU' underflows near dy*2^-2100 */
    double small[] = {-1e-3, 1e-3};
    double sat[] = {30.0, 45.0}; /* GoLU(x) rounds to x from 37.5 */
    double mid[] = {-8.0, 40.0};
    sweep(&act, 200000, samp_any, NULL, &r, &wf, &wb, &wd);
    sweep(&act, 30000, samp_range, hard, &r, &wf, &wb, &wd);
    sweep(&act, 10000, samp_argmin, NULL, &r, &wf, &wb, &wd);
    sweep(&act, 5000, samp_range, under, &r, &wf, &wb, &wd);
    sweep(&act, 2000, samp_range, zero_bwd, &r, &wf, &wb, &wd);
    sweep(&act, 3000, samp_range, small, &r, &wf, &wb, &wd);
    sweep(&act, 3000, samp_range, sat, &r, &wf, &wb, &wd);
    sweep(&act, 20000, samp_range, mid, &r, &wf, &wb, &wd);
    sweep(&act, 3000, samp_tiny, NULL, &r, &wf, &wb, &wd);
    report("golu forward", &wf, 0.53);
    report("golu backward (dy = 1)", &wb, 0.53);
    report("golu backward (random dy)", &wd, 0.53);
}

/* The values of docs/MATH.md (15 digits), relative 1e-14. */
static void test_golu_table(void)
{
    golu_act act = golu_act_default(GOLU_ACT_GOLU);
    static const double tab[][3] = {
        {-5, -1.75369459823231e-64, -2.59920616505135e-62},
        {-4.5, -3.6246753403834e-39, -3.25477392628082e-37},
        {-4, -7.76935041982561e-24, -4.22249822276754e-22},
        {-3, -5.67653608451488e-9, -1.12124096426492e-7},
        {-2, -0.00123595797866219, -0.00851458385092474},
        {-1, -0.0659880358453125, -0.113386042888705},
        {-0.5, -0.0961478227739825, 0.0337746850089938},
        {0.5, 0.272619605946303, 0.710591361337814},
        {1, 0.692200627555346, 0.946847007598929},
        {2, 1.74684603698623, 1.1098329216794},
        {5, 4.96642351033921, 1.02674820045552},
        {10, 9.99954601100799, 1.00040857978736},
        {0, 0, 0.367879441171442},
        {-0.567143290409784, -0.0972601312276394, 0},
        {2.23864583460628, NAN, 1.11339727527568},
        {-1.06009031989321, NAN, -0.114878311548679},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        double x = tab[i][0], y, d, one = 1.0;
        CHECK_ST(golu_forward(NULL, &act, GOLU_F64, &x, &y, 1), GOLU_OK);
        CHECK_ST(golu_backward(NULL, &act, GOLU_F64, &x, &one, &d, 1), GOLU_OK);
        if (!isnan(tab[i][1]))
            CHECK(fabs(y - tab[i][1]) <= 1e-14 * fabs(tab[i][1]),
                  "GoLU(%g) = %.17g, want %.15g", x, y, tab[i][1]);
        /* at x* the slope is 0 up to the rounding of x*: |G'' dx| < 1e-16 */
        double tol = tab[i][2] == 0 ? 1e-15 : 1e-14 * fabs(tab[i][2]);
        CHECK(fabs(d - tab[i][2]) <= tol, "GoLU'(%g) = %.17g, want %.15g", x, d,
              tab[i][2]);
    }
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* f(x) for one x through the API. */
static double fwd1(const golu_act *a, double x)
{
    double y = 12345.0;
    CHECK_ST(golu_forward(NULL, a, GOLU_F64, &x, &y, 1), GOLU_OK);
    return y;
}

static double bwd1(const golu_act *a, double x, double dy)
{
    double dx = 12345.0;
    CHECK_ST(golu_backward(NULL, a, GOLU_F64, &x, &dy, &dx, 1), GOLU_OK);
    return dx;
}

static void test_golu_specials(void)
{
    golu_act g = golu_act_default(GOLU_ACT_GOLU);
    golu_act gp = {GOLU_ACT_GOLU, 2.5, 0.5, 3.0};
    const golu_act *acts[] = {&g, &gp};
    for (int k = 0; k < 2; k++) {
        const golu_act *a = acts[k];
        double al = a->alpha;
        CHECK(same_bits(fwd1(a, 0.0), 0.0), "GoLU(+0) = +0");
        CHECK(same_bits(fwd1(a, -0.0), -0.0), "GoLU(-0) = -0");
        CHECK(same_bits(fwd1(a, INFINITY), INFINITY), "GoLU(+inf) = +inf");
        CHECK(same_bits(fwd1(a, -INFINITY), -0.0), "GoLU(-inf) = -0");
        CHECK(isnan(fwd1(a, NAN)), "GoLU(NaN) = NaN");
        CHECK(same_bits(fwd1(a, -1e300), -0.0), "GoLU(-1e300) = -0");
        CHECK(same_bits(fwd1(a, 1e300), al * 1e300), "GoLU(1e300) = alpha*1e300");
        CHECK(bwd1(a, INFINITY, 1.0) == al, "GoLU'(+inf) = alpha");
        CHECK(bwd1(a, INFINITY, -3.0) == -3.0 * al, "dy * GoLU'(+inf)");
        CHECK(same_bits(bwd1(a, -INFINITY, 1.0), -0.0), "GoLU'(-inf) = -0");
        CHECK(same_bits(bwd1(a, -INFINITY, -2.0), 0.0), "-2 * GoLU'(-inf) = +0");
        CHECK(same_bits(bwd1(a, -1e300, 1.0), -0.0), "GoLU'(-1e300) = -0");
        CHECK(bwd1(a, 1e300, 1.0) == al, "GoLU'(1e300) = alpha");
        double xs[] = {0.0,  -0.0,  1.0,    -1.0,     -0.567,    -10.0,
                       40.0, 1e300, -1e300, INFINITY, -INFINITY, 0x1p-1074};
        for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
            CHECK(isnan(bwd1(a, xs[i], NAN)), "NaN dy at x = %g gives NaN", xs[i]);
            CHECK(isnan(bwd1(a, NAN, xs[i])), "NaN x with dy = %g gives NaN", xs[i]);
        }
        CHECK(bwd1(a, 1.0, INFINITY) == INFINITY, "inf dy at x = 1");
        CHECK(bwd1(a, -1.5, INFINITY) == -INFINITY, "inf dy at x = -1.5 (slope < 0)");
        CHECK(same_bits(bwd1(a, 2.0, 0.0), 0.0) && same_bits(bwd1(a, 2.0, -0.0), -0.0),
              "zero dy keeps its sign where the slope is > 0");
    }
    /* the smallest subnormals: GoLU(x) = x/e rounded, GoLU'(x) = 1/e */
    for (int k = 1; k < 40; k++) {
        double x = k * 0x1p-1074;
        long double rf = golu_ref_mpfr(&g, GOLU_DIR_FWD, x);
        double y = fwd1(&g, -x);
        CHECK(golu_ulp_err_f64(y, -rf, 0) <= 0.5, "GoLU(-%d * 2^-1074) = %a", k, y);
    }
}

/* Other parameters: sweeps within 0.6 ulp. */
static void test_golu_params(void)
{
    static const double prm[][3] = {
        {2, 1, 1},         {0.5, 3, 0.7},         {1, 0.1, 10}, {1e-3, 1e3, 1e-2},
        {3, 1e-8, 1},      {1e5, 1, 1e-5},        {1, 1e30, 3}, {0.7, 1.3, 1e-300},
        {1e300, 2, 1e200}, {1e-300, 1e-300, 0.5},
    };
    worst wf = {0}, wb = {0}, wd = {0};
    rng r = {7};
    for (size_t k = 0; k < sizeof prm / sizeof prm[0]; k++) {
        golu_act a = {GOLU_ACT_GOLU, prm[k][0], prm[k][1], prm[k][2]};
        double span[] = {-12.0 / prm[k][2], 40.0 / prm[k][2]};
        if (!isfinite(span[0]) || !isfinite(span[1])) {
            span[0] = -1e300;
            span[1] = 1e300;
        }
        sweep(&a, 4000, samp_any, NULL, &r, &wf, &wb, &wd);
        sweep(&a, 4000, samp_range, span, &r, &wf, &wb, &wd);
    }
    report("golu(alpha, beta, gamma) forward", &wf, 0.6);
    report("golu(alpha, beta, gamma) backward", &wb, 0.6);
    report("golu(alpha, beta, gamma) dy*bwd", &wd, 0.6);
}

/* ------------------------------------------------------------ peers ----- */

static void test_peers(void)
{
    for (int k = 1; k < GOLU_ACT_COUNT; k++) {
        golu_act variants[2] = {golu_act_default((golu_act_kind)k),
                                golu_act_default((golu_act_kind)k)};
        int nv = 1;
        if (k == GOLU_ACT_LEAKY_RELU || k == GOLU_ACT_PRELU) {
            variants[1].alpha = -1.7;
            nv = 2;
        } else if (k == GOLU_ACT_ELU) {
            variants[1].alpha = 0.3;
            nv = 2;
        }
        for (int v = 0; v < nv; v++) {
            golu_act *a = &variants[v];
            rng r = {100 + (uint64_t)k};
            worst wf = {0}, wb = {0}, wd = {0};
            long n = k == GOLU_ACT_GELU ? 36000 : 40000;
            double wide[] = {-50.0, 50.0}, near0[] = {-4.0, 4.0},
                   tail[] = {-800.0, -15.0};
            sweep(a, n, samp_any, NULL, &r, &wf, &wb, &wd);
            sweep(a, n, samp_range, wide, &r, &wf, &wb, &wd);
            sweep(a, n / 2, samp_range, near0, &r, &wf, &wb, &wd);
            sweep(a, n / 4, samp_range, tail, &r, &wf, &wb, &wd);
            sweep(a, 1000, samp_tiny, NULL, &r, &wf, &wb, &wd);
            char name[64], prm[32] = "";
            if (k == GOLU_ACT_LEAKY_RELU || k == GOLU_ACT_PRELU || k == GOLU_ACT_ELU)
                snprintf(prm, sizeof prm, "(%g)", a->alpha);
            snprintf(name, sizeof name, "%s%s forward", act_list_name(k), prm);
            report(name, &wf, 0.53);
            snprintf(name, sizeof name, "%s%s backward", act_list_name(k), prm);
            report(name, &wb, 0.53);
            snprintf(name, sizeof name, "%s%s backward (random dy)", act_list_name(k),
                     prm);
            report(name, &wd, 0.53);
        }
        /* the limits and NaN */
        golu_act *a = &variants[0];
        double pinf = fwd1(a, INFINITY), ninf = fwd1(a, -INFINITY);
        long double rp = golu_ref_mpfr(a, GOLU_DIR_FWD, INFINITY);
        long double rn = golu_ref_mpfr(a, GOLU_DIR_FWD, -INFINITY);
        CHECK(golu_ulp_err_f64(pinf, rp, 0) == 0 && golu_ulp_err_f64(ninf, rn, 0) == 0,
              "%s(+-inf) = %g, %g", act_list_name(k), pinf, ninf);
        double dp = bwd1(a, INFINITY, 1.0), dn = bwd1(a, -INFINITY, 1.0);
        rp = golu_ref_mpfr(a, GOLU_DIR_BWD, INFINITY);
        rn = golu_ref_mpfr(a, GOLU_DIR_BWD, -INFINITY);
        CHECK(golu_ulp_err_f64(dp, rp, 0) == 0 && golu_ulp_err_f64(dn, rn, 0) <= 0.5,
              "%s'(+-inf) = %g, %g", act_list_name(k), dp, dn);
        CHECK(isnan(fwd1(a, NAN)) && isnan(bwd1(a, NAN, 1.0)) &&
                  isnan(bwd1(a, 1.0, NAN)) && isnan(bwd1(a, -1.0, NAN)),
              "%s: NaN in, NaN out", act_list_name(k));
        CHECK(same_bits(fwd1(a, -0.0), k == GOLU_ACT_RELU ? 0.0 : -0.0), "%s(-0) = %g",
              act_list_name(k), fwd1(a, -0.0));
    }
    /* kinks: ReLU family from the left at 0, ELU from the right */
    golu_act relu = golu_act_default(GOLU_ACT_RELU),
             leaky = golu_act_default(GOLU_ACT_LEAKY_RELU);
    golu_act elu = {GOLU_ACT_ELU, 0.3, 0, 0};
    CHECK(bwd1(&relu, 0.0, 1.0) == 0.0 && bwd1(&relu, -0.0, 1.0) == 0.0, "ReLU'(0) = 0");
    CHECK(bwd1(&leaky, 0.0, 1.0) == leaky.alpha, "LeakyReLU'(0) = alpha");
    CHECK(bwd1(&elu, 0.0, 1.0) == 1.0 && bwd1(&elu, -0.0, 1.0) == 1.0, "ELU'(0) = 1");
}

/* ------------------------------------------------------ parameter grads -- */

/* alpha x exp(-beta exp(-gamma x)) in MPFR, the parameters in p[0..2]. */
static void golu_mp(mpfr_t r, double x, mpfr_t p[3], mpfr_t t)
{
    mpfr_mul_d(t, p[2], -x, MPFR_RNDN);
    mpfr_exp(t, t, MPFR_RNDN);
    mpfr_mul(t, t, p[1], MPFR_RNDN);
    mpfr_neg(t, t, MPFR_RNDN);
    mpfr_exp(t, t, MPFR_RNDN);
    mpfr_mul(t, t, p[0], MPFR_RNDN);
    mpfr_mul_d(r, t, x, MPFR_RNDN);
}

/* dGoLU/dparam_k at x: a central difference in MPFR at 320 bits with the
 * step p_k 2^-80 (truncation ~2^-160, rounding ~2^-240: exact to long
 * double). */
static long double fd_param(const golu_act *a, int k, double x)
{
    mpfr_t p[3], fp, fm, t;
    double v[3] = {a->alpha, a->beta, a->gamma};
    for (int i = 0; i < 3; i++)
        mpfr_init2(p[i], 320);
    mpfr_inits2(320, fp, fm, t, (mpfr_ptr)0);
    for (int s = 0; s < 2; s++) {
        for (int i = 0; i < 3; i++)
            mpfr_set_d(p[i], v[i], MPFR_RNDN);
        mpfr_set_d(t, s ? -0x1p-80 : 0x1p-80, MPFR_RNDN);
        mpfr_add_ui(t, t, 1, MPFR_RNDN);
        mpfr_mul(p[k], p[k], t, MPFR_RNDN); /* p_k (1 +- 2^-80), exact */
        golu_mp(s ? fm : fp, x, p, t);
    }
    mpfr_sub(fp, fp, fm, MPFR_RNDN);
    mpfr_div_d(fp, fp, v[k] * 0x1p-79, MPFR_RNDN);
    long double d = mpfr_get_ld(fp, MPFR_RNDN);
    for (int i = 0; i < 3; i++)
        mpfr_clear(p[i]);
    mpfr_clears(fp, fm, t, (mpfr_ptr)0);
    return d;
}

static void test_param_grad(void)
{
    static const double prm[][3] = {{1, 1, 1}, {2, 0.5, 1.5}, {0.3, 4, 0.25}};
    rng r = {55};
    double worst_rel = 0;
    for (size_t s = 0; s < sizeof prm / sizeof prm[0]; s++) {
        golu_act a = {GOLU_ACT_GOLU, prm[s][0], prm[s][1], prm[s][2]};
        enum { NP = 300 };
        double x[NP], dy[NP], out[3];
        long double sum[3] = {0, 0, 0}, mag[3] = {0, 0, 0};
        for (int i = 0; i < NP; i++) {
            x[i] = rng_range(&r, -6.0, 10.0) / a.gamma;
            dy[i] = rng_range(&r, -2.0, 2.0);
            if (!CHECK_ST(golu_param_grad(NULL, &a, GOLU_F64, &x[i], &dy[i], 1, out),
                          GOLU_OK))
                return;
            for (int k = 0; k < 3; k++) {
                /* relative 1e-6, or 1e-300 absolute: the terms are plain
                 * double and go through the subnormals to 0 */
                long double fd = fd_param(&a, k, x[i]) * dy[i];
                long double err = fabsl(out[k] - fd);
                if (fabsl(fd) > 1e-290L && (double)(err / fabsl(fd)) > worst_rel)
                    worst_rel = (double)(err / fabsl(fd));
                CHECK(err <= 1e-6L * fabsl(fd) + 1e-300L,
                      "param grad %d at x = %.17g (%g,%g,%g): %.17g vs fd %.17Lg", k,
                      x[i], a.alpha, a.beta, a.gamma, out[k], fd);
                sum[k] += fd;
                mag[k] += fabsl(fd);
            }
        }
        CHECK_ST(golu_param_grad(NULL, &a, GOLU_F64, x, dy, NP, out), GOLU_OK);
        for (int k = 0; k < 3; k++)
            CHECK(fabsl(out[k] - sum[k]) <= 1e-6L * mag[k],
                  "summed param grad %d: %.17g vs %.17Lg", k, out[k], sum[k]);
    }
    printf("  %-34s worst relative error %.3g vs central differences\n",
           "golu param grad", worst_rel);

    /* limits: x -> -inf gives 0 (not NaN); NaN in x or dy gives NaN */
    golu_act g = golu_act_default(GOLU_ACT_GOLU);
    golu_act gp = {GOLU_ACT_GOLU, 3, 1e-5, 2};
    const golu_act *acts[] = {&g, &gp};
    for (int k = 0; k < 2; k++) {
        double xs[] = {-INFINITY, -1e300, -1e5, -800, -40}, dys[] = {1, -3, 1, 2, 1};
        double out[3] = {-1, -1, -1};
        CHECK_ST(golu_param_grad(NULL, acts[k], GOLU_F64, xs, dys, 5, out), GOLU_OK);
        CHECK(out[0] == 0 && out[1] == 0 && out[2] == 0,
              "param grad at x -> -inf: %g %g %g (want 0)", out[0], out[1], out[2]);
        double xi = INFINITY, d1 = 1.0;
        CHECK_ST(golu_param_grad(NULL, acts[k], GOLU_F64, &xi, &d1, 1, out), GOLU_OK);
        CHECK(out[0] == INFINITY && out[1] == 0 && out[2] == 0,
              "param grad at +inf: %g %g %g", out[0], out[1], out[2]);
        double xn[] = {1.0, NAN, 2.0}, dn[] = {1.0, 1.0, 1.0};
        CHECK_ST(golu_param_grad(NULL, acts[k], GOLU_F64, xn, dn, 3, out), GOLU_OK);
        CHECK(isnan(out[0]) && isnan(out[1]) && isnan(out[2]), "NaN x in param grad");
        double xq[] = {1.0, -1.0}, dq[] = {NAN, 1.0};
        CHECK_ST(golu_param_grad(NULL, acts[k], GOLU_F64, xq, dq, 2, out), GOLU_OK);
        CHECK(isnan(out[0]) && isnan(out[1]) && isnan(out[2]), "NaN dy in param grad");
    }
}

/* ------------------------------------------------------ lengths, aliasing */

static void test_alias_lengths(void)
{
    rng r = {9};
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        golu_act a = golu_act_default((golu_act_kind)k);
        for (size_t n = 0; n <= 17; n++) {
            double x[17], dy[17], y[17], dx[17], buf[17], buf2[17];
            for (size_t i = 0; i < n; i++) {
                x[i] = rng_range(&r, -8, 8);
                dy[i] = rng_range(&r, -2, 2);
            }
            CHECK_ST(golu_forward(NULL, &a, GOLU_F64, x, y, n), GOLU_OK);
            CHECK_ST(golu_backward(NULL, &a, GOLU_F64, x, dy, dx, n), GOLU_OK);
            memcpy(buf, x, sizeof x);
            CHECK_ST(golu_forward(NULL, &a, GOLU_F64, buf, buf, n), GOLU_OK);
            int ok = memcmp(buf, y, n * sizeof(double)) == 0;
            memcpy(buf, dy, sizeof dy);
            CHECK_ST(golu_backward(NULL, &a, GOLU_F64, x, buf, buf, n), GOLU_OK);
            ok &= memcmp(buf, dx, n * sizeof(double)) == 0;
            memcpy(buf2, x, sizeof x);
            CHECK_ST(golu_backward(NULL, &a, GOLU_F64, buf2, dy, buf2, n), GOLU_OK);
            ok &= memcmp(buf2, dx, n * sizeof(double)) == 0;
            for (size_t i = 0; i < n; i++)
                ok &= same_bits(y[i], fwd1(&a, x[i])) &&
                      same_bits(dx[i], bwd1(&a, x[i], dy[i]));
            CHECK(ok, "%s: n = %zu, in place and one at a time agree", act_list_name(k),
                  n);
        }
    }
}

int main(void)
{
    TEST_BEGIN("test_f64");
    test_golu_table();
    test_golu_specials();
    test_alias_lengths();
    test_golu_default();
    test_golu_params();
    test_peers();
    test_param_grad();
    return TEST_END();
}
