/*
 * f64_golu.c - float64 GoLU: forward, backward and parameter gradients.
 *
 *     GoLU(x) = alpha * x * exp(-w),  w = beta * u,  u = exp(-gamma * x)
 *
 * The trap: exp(-w) turns a relative error eps of w into an error w*eps of
 * the result, and w reaches ~900 (default parameters) before the result
 * underflows. So u and w are carried as double-doubles (f64_exp_dd(), relative
 * error < 2^-70), the outer exp takes the double-double argument
 * (f64_exp_dd_fast(), 2^-62), and the product with x (and dy) is rounded once
 * by fma or by f64_round_scaled(), which keeps the exponent apart so that
 * subnormal results are rounded once too.
 *
 * Errors measured against 256-bit MPFR (tests/test_f64.c and ~2*10^6 more
 * inputs: log-uniform over all doubles, dense [-7.5, 1], [-50, 50], around
 * the argmin): default parameters, forward 0.5015 ulp at x = -6.12088200503;
 * backward 0.5015 ulp at x = -4.69762685849 (dy = 1), 0.5020 ulp with random
 * dy (in ulps of dy * max(|GoLU'|, G)). Other parameters (alpha, beta, gamma
 * from 1e-300 to 1e300 in the test): 0.5015 ulp either way. Speed (one core
 * of a shared Xeon VM, gcc 12 -O2, fma via libm): default 25 ns/element
 * forward, 39 backward; other parameters 42 and 54.
 *
 * Two paths: alpha = beta = gamma = 1 (the default, the fast one) and any
 * other finite positive parameters (the general one, which also tracks the
 * exponents of alpha, beta, x and dy so that nothing overflows on the way).
 *
 * The element functions live in f64_golu.h, shared with the CUDA kernels;
 * this file holds the exp table and the loops over arrays.
 */
#include <math.h>
#include <stddef.h>

#include "f64.h"
#include "f64_exp_tab.h"
#include "f64_golu.h"
#include "internal.h"

const double golu_f64_exp_tab[512] = GOLU_F64_EXP_TAB_INIT;

/* GoLU(x) in float64: 0.5015 ulp (default and other parameters). */
double golu_f64_golu(double x, const golu_act *act)
{
    golu_prm p = golu_prm_make(act);
    return p.deflt ? golu_fwd_default(x) : golu_fwd_general(x, &p);
}

/* GoLU'(x) in float64 (dy = 1): 0.5015 ulp of max(|GoLU'|, alpha G). */
double golu_f64_golu_deriv(double x, const golu_act *act)
{
    golu_prm p = golu_prm_make(act);
    return p.deflt ? golu_bwd_default(x, 1.0) : golu_bwd_general(x, 1.0, &p);
}

/* y[i] = GoLU(x[i]); y may equal x. */
void golu_f64_golu_fwd(const double *x, double *y, size_t n, const golu_act *act)
{
    golu_prm p = golu_prm_make(act);
    if (p.deflt) {
        for (size_t i = 0; i < n; i++)
            y[i] = golu_fwd_default(x[i]);
    } else {
        for (size_t i = 0; i < n; i++)
            y[i] = golu_fwd_general(x[i], &p);
    }
}

/* dx[i] = dy[i] * GoLU'(x[i]); dx may equal x or dy. */
void golu_f64_golu_bwd(const double *x, const double *dy, double *dx, size_t n,
                       const golu_act *act)
{
    golu_prm p = golu_prm_make(act);
    if (p.deflt) {
        for (size_t i = 0; i < n; i++)
            dx[i] = golu_bwd_default(x[i], dy[i]);
    } else {
        for (size_t i = 0; i < n; i++)
            dx[i] = golu_bwd_general(x[i], dy[i], &p);
    }
}

/* Sums over i of dy[i] * the three terms, added to acc: see internal.h.
 * Measured against central differences in MPFR: relative 4e-14. */
void golu_f64_golu_param_grad(const double *x, const double *dy, size_t n,
                              const golu_act *act, double acc[3])
{
    double la = log(act->alpha), lb = log(act->beta);
    double s[3] = {0.0, 0.0, 0.0};
    for (size_t i = 0; i < n; i++)
        golu_param_add(x[i], dy[i], act, la, lb, s);
    acc[0] += s[0];
    acc[1] += s[1];
    acc[2] += s[2];
}
