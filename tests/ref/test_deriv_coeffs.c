/*
 * test_deriv_coeffs.c - the derivative windows' constants (src/kernels/
 * deriv_coeffs.h, generated with mpmath; deriv_golu.h, computed per parameter
 * set) against closed forms of f' written here in 256-bit MPFR:
 *
 *   x0 = hi + lo + lo2 is a zero of f': |f'(x0)| <= 2^-150;
 *   c1 (hi + lo) is f''(x0) to 2^-100 relative (a central difference with
 *   h = 2^-80, whose own error is below 2^-150);
 *   the polynomials as the kernels use them, 10 terms in |d| <= 2^-6 (float64)
 *   and 4 in |d| <= 2^-8 (float32), are f'(x0 + d) to 2^-56 and 2^-33
 *   relative to |c1 d|;
 *   general GoLU (deriv_golu.h) for beta from 1e-100 to 500: t* a zero of F to
 *   2^-98 max(1, 1/|t*|) relative to F_1 |t*| (t* is good to about 2^-104,
 *   and F_1 = e^-w* (1 + w*) with w* = -1/t* grows that error by w*), F_1 to
 *   the same, and the 10-term polynomial
 *   within its width to 2^-56.
 */
#include <math.h>
#include <mpfr.h>
#include <stdio.h>

#include "../../src/kernels/deriv_golu.h"
#include "util.h"

#define PREC 256

typedef void (*dfun)(mpfr_t r, const mpfr_t x, const double *prm);

/* GoLU'(x) = alpha g (1 + beta gamma x e), e = exp(-gamma x), g = exp(-beta e);
 * prm = alpha, beta, gamma. */
static void d_golu(mpfr_t r, const mpfr_t x, const double *prm)
{
    mpfr_t e, g, t;
    mpfr_inits2(PREC, e, g, t, (mpfr_ptr)0);
    mpfr_mul_d(t, x, -prm[2], MPFR_RNDN);
    mpfr_exp(e, t, MPFR_RNDN);
    mpfr_mul_d(g, e, -prm[1], MPFR_RNDN);
    mpfr_exp(g, g, MPFR_RNDN);
    mpfr_mul(t, x, e, MPFR_RNDN);
    mpfr_mul_d(t, t, prm[1] * prm[2], MPFR_RNDN); /* exact for the test's values */
    mpfr_add_ui(t, t, 1, MPFR_RNDN);
    mpfr_mul(r, g, t, MPFR_RNDN);
    mpfr_mul_d(r, r, prm[0], MPFR_RNDN);
    mpfr_clears(e, g, t, (mpfr_ptr)0);
}

/* GELU' = Phi(x) + x phi(x). */
static void d_gelu(mpfr_t r, const mpfr_t x, const double *prm)
{
    (void)prm;
    mpfr_t a, b, c;
    mpfr_inits2(PREC, a, b, c, (mpfr_ptr)0);
    mpfr_sqrt_ui(c, 2, MPFR_RNDN);
    mpfr_div(a, x, c, MPFR_RNDN);
    mpfr_neg(a, a, MPFR_RNDN);
    mpfr_erfc(a, a, MPFR_RNDN);
    mpfr_div_ui(a, a, 2, MPFR_RNDN); /* Phi */
    mpfr_sqr(b, x, MPFR_RNDN);
    mpfr_div_si(b, b, -2, MPFR_RNDN);
    mpfr_exp(b, b, MPFR_RNDN);
    mpfr_const_pi(c, MPFR_RNDN);
    mpfr_mul_ui(c, c, 2, MPFR_RNDN);
    mpfr_sqrt(c, c, MPFR_RNDN);
    mpfr_div(b, b, c, MPFR_RNDN);
    mpfr_mul(b, b, x, MPFR_RNDN);
    mpfr_add(r, a, b, MPFR_RNDN);
    mpfr_clears(a, b, c, (mpfr_ptr)0);
}

/* GELU tanh form: f' = (1 + tanh u)/2 + x sech^2(u) u'/2,
 * u = k (x + 0.044715 x^3), u' = k (1 + 3 * 0.044715 x^2), k = sqrt(2/pi). */
static void d_gelu_tanh(mpfr_t r, const mpfr_t x, const double *prm)
{
    (void)prm;
    mpfr_t k, c, x2, u, du, th, s;
    mpfr_inits2(PREC, k, c, x2, u, du, th, s, (mpfr_ptr)0);
    mpfr_const_pi(k, MPFR_RNDN);
    mpfr_ui_div(k, 2, k, MPFR_RNDN);
    mpfr_sqrt(k, k, MPFR_RNDN);
    mpfr_set_str(c, "0.044715", 10, MPFR_RNDN);
    mpfr_sqr(x2, x, MPFR_RNDN);
    mpfr_mul(u, x2, c, MPFR_RNDN);
    mpfr_mul_ui(du, u, 3, MPFR_RNDN);
    mpfr_add_ui(u, u, 1, MPFR_RNDN);
    mpfr_mul(u, u, x, MPFR_RNDN);
    mpfr_mul(u, u, k, MPFR_RNDN);
    mpfr_add_ui(du, du, 1, MPFR_RNDN);
    mpfr_mul(du, du, k, MPFR_RNDN);
    mpfr_tanh(th, u, MPFR_RNDN);
    mpfr_sqr(s, th, MPFR_RNDN);
    mpfr_ui_sub(s, 1, s, MPFR_RNDN); /* sech^2 */
    mpfr_mul(s, s, x, MPFR_RNDN);
    mpfr_mul(s, s, du, MPFR_RNDN);
    mpfr_add_ui(th, th, 1, MPFR_RNDN);
    mpfr_add(r, th, s, MPFR_RNDN);
    mpfr_div_ui(r, r, 2, MPFR_RNDN);
    mpfr_clears(k, c, x2, u, du, th, s, (mpfr_ptr)0);
}

/* SiLU' = s (1 + x (1 - s)), s = 1 / (1 + e^-x). */
static void d_silu(mpfr_t r, const mpfr_t x, const double *prm)
{
    (void)prm;
    mpfr_t s, t;
    mpfr_inits2(PREC, s, t, (mpfr_ptr)0);
    mpfr_neg(s, x, MPFR_RNDN);
    mpfr_exp(s, s, MPFR_RNDN);
    mpfr_add_ui(s, s, 1, MPFR_RNDN);
    mpfr_ui_div(s, 1, s, MPFR_RNDN);
    mpfr_ui_sub(t, 1, s, MPFR_RNDN);
    mpfr_mul(t, t, x, MPFR_RNDN);
    mpfr_add_ui(t, t, 1, MPFR_RNDN);
    mpfr_mul(r, s, t, MPFR_RNDN);
    mpfr_clears(s, t, (mpfr_ptr)0);
}

/* Mish' = T + x sech^2(sp) sigmoid(x), sp = log(1 + e^x), T = tanh(sp). */
static void d_mish(mpfr_t r, const mpfr_t x, const double *prm)
{
    (void)prm;
    mpfr_t e, sp, t, s, sg;
    mpfr_inits2(PREC, e, sp, t, s, sg, (mpfr_ptr)0);
    mpfr_exp(e, x, MPFR_RNDN);
    mpfr_log1p(sp, e, MPFR_RNDN);
    mpfr_tanh(t, sp, MPFR_RNDN);
    mpfr_sqr(s, t, MPFR_RNDN);
    mpfr_ui_sub(s, 1, s, MPFR_RNDN);
    mpfr_add_ui(sg, e, 1, MPFR_RNDN);
    mpfr_div(sg, e, sg, MPFR_RNDN);
    mpfr_mul(s, s, sg, MPFR_RNDN);
    mpfr_mul(s, s, x, MPFR_RNDN);
    mpfr_add(r, t, s, MPFR_RNDN);
    mpfr_clears(e, sp, t, s, sg, (mpfr_ptr)0);
}

/* f'(x0 + d) as a long double ratio to c1 d: (f'(x0 + d) - P(d)) / (c1 d),
 * P the first n terms of c (c[1] + c1l the first). */
static double poly_rel_err(dfun f, const double *prm, mpfr_t x0, const double *c,
                           double c1l, int n, double d)
{
    mpfr_t x, fx, p, dd, term;
    mpfr_inits2(PREC, x, fx, p, dd, term, (mpfr_ptr)0);
    mpfr_set_d(dd, d, MPFR_RNDN);
    mpfr_add(x, x0, dd, MPFR_RNDN);
    f(fx, x, prm);
    mpfr_set_d(p, c[n], MPFR_RNDN);
    for (int k = n - 1; k >= 1; k--) {
        mpfr_mul(p, p, dd, MPFR_RNDN);
        mpfr_add_d(p, p, c[k], MPFR_RNDN);
        if (k == 1)
            mpfr_add_d(p, p, c1l, MPFR_RNDN);
    }
    mpfr_mul(p, p, dd, MPFR_RNDN);
    mpfr_sub(term, fx, p, MPFR_RNDN);
    mpfr_div_d(term, term, (c[1] + c1l) * d, MPFR_RNDN);
    double e = fabs(mpfr_get_d(term, MPFR_RNDN));
    mpfr_clears(x, fx, p, dd, term, (mpfr_ptr)0);
    return e;
}

/* The zero and c1 of a window at x0 (an exact MPFR value). */
static void check_zero_c1(const char *name, dfun f, const double *prm, mpfr_t x0,
                          double c1h, double c1l, double zero_tol, double c1_tol)
{
    mpfr_t v, a, b, h;
    mpfr_inits2(PREC, v, a, b, h, (mpfr_ptr)0);
    f(v, x0, prm);
    double z = fabs(mpfr_get_d(v, MPFR_RNDN));
    CHECK(z <= zero_tol * fabs(c1h), "%s: |f'(x0)| = %g, want <= %g |c1|", name, z,
          zero_tol);
    mpfr_set_d(h, 0x1p-80, MPFR_RNDN);
    mpfr_add(a, x0, h, MPFR_RNDN);
    mpfr_sub(b, x0, h, MPFR_RNDN);
    f(v, a, prm);
    f(a, b, prm);
    mpfr_sub(v, v, a, MPFR_RNDN);
    mpfr_mul_2si(v, v, 79, MPFR_RNDN); /* / (2h) */
    mpfr_sub_d(v, v, c1h, MPFR_RNDN);
    mpfr_sub_d(v, v, c1l, MPFR_RNDN);
    double rel = fabs(mpfr_get_d(v, MPFR_RNDN) / c1h);
    CHECK(rel <= c1_tol, "%s: c1 off by %g relative (want <= %g)", name, rel, c1_tol);
    mpfr_clears(v, a, b, h, (mpfr_ptr)0);
}

/* The polynomial over its window, nd points each side. */
static double poly_worst(dfun f, const double *prm, mpfr_t x0, const double *c,
                         double c1l, int n, double width)
{
    double w = 0;
    for (int j = 1; j <= 16; j++)
        for (int s = -1; s <= 1; s += 2) {
            double e = poly_rel_err(f, prm, x0, c, c1l, n, s * width * j / 16.0);
            w = e > w ? e : w;
        }
    return w;
}

static void check_fixed(const char *name, dfun f, deriv_win w)
{
    double prm[3] = {1, 1, 1};
    mpfr_t x0;
    mpfr_init2(x0, PREC);
    mpfr_set_d(x0, w.x0h, MPFR_RNDN);
    mpfr_add_d(x0, x0, w.x0l, MPFR_RNDN);
    mpfr_add_d(x0, x0, w.x0l2, MPFR_RNDN);
    check_zero_c1(name, f, prm, x0, w.c[1], w.c1l, 0x1p-150, 0x1p-100);
    double e64 = poly_worst(f, prm, x0, w.c, w.c1l, DERIV_NCOEF, DERIV_F64_WIDTH);
    double e32 = poly_worst(f, prm, x0, w.c, 0.0, 4, DERIV_F32_WIDTH);
    CHECK(e64 <= 0x1p-56, "%s: float64 polynomial off by %g relative", name, e64);
    CHECK(e32 <= 0x1p-33, "%s: float32 polynomial off by %g relative", name, e32);
    printf("  %-10s x0 = %.17g: float64 polynomial %.3g, float32 %.3g (relative)\n", name,
           w.x0h, e64, e32);
    mpfr_clear(x0);
}

/* General GoLU with beta (alpha = gamma = 1: F itself). */
static void check_general(double beta)
{
    double prm[3] = {1, beta, 1};
    golu_win w;
    golu_win_make(beta, DERIV_NCOEF, 0x1p-8, 62.0, &w);
    if (!CHECK(w.width > 0, "beta %g: no window", beta))
        return;
    char name[64];
    snprintf(name, sizeof name, "golu beta %g", beta);
    mpfr_t t0;
    mpfr_init2(t0, PREC);
    mpfr_set_d(t0, w.th, MPFR_RNDN);
    mpfr_add_d(t0, t0, w.tl, MPFR_RNDN);
    /* F_1 = e^-w* (1 + w*), w* = -1/t*: t*'s 2^-104 grows by w* */
    double tol = 0x1p-98 * fmax(1.0, -1.0 / w.th);
    check_zero_c1(name, d_golu, prm, t0, w.f[1], w.f1l, tol * fabs(w.th), tol);
    double e = poly_worst(d_golu, prm, t0, w.f, w.f1l, DERIV_NCOEF, w.width);
    CHECK(e <= 0x1p-56, "%s: polynomial off by %g relative", name, e);
    printf("  %-18s t* = %.17g, width %.3g: polynomial %.3g (relative)\n", name, w.th,
           w.width, e);
    mpfr_clear(t0);
}

int main(void)
{
    TEST_BEGIN("test_deriv_coeffs");
    printf("derivative windows against MPFR:\n");
    check_fixed("golu", d_golu, deriv_win_golu());
    check_fixed("gelu", d_gelu, deriv_win_gelu());
    check_fixed("gelu_tanh", d_gelu_tanh, deriv_win_gelu_tanh());
    check_fixed("silu", d_silu, deriv_win_silu());
    check_fixed("mish", d_mish, deriv_win_mish());
    const double betas[] = {1.0, 0.5, 3.0, 1e-10, 100.0, 1e-100, 500.0};
    for (size_t i = 0; i < sizeof betas / sizeof betas[0]; i++)
        check_general(betas[i]);
    return TEST_END();
}
