/*
 * deriv_golu.h - general GoLU's derivative window: where GoLU' vanishes for a
 * parameter set, and the Taylor coefficients there (docs/MATH.md, section 8).
 *
 *     GoLU'(x) = alpha F(t),  t = gamma x,  F = g S,  g = exp(-w),
 *     w = beta e^-t,  S = 1 + t w.
 *
 * F vanishes where t e^-t = -1/beta: t* = -v with v = W(1/beta) (Lambert's
 * W: v e^v = 1/beta), and there w* = 1/v. In delta = t - t*,
 * w = w* e^-delta, so w_k = w* (-1)^k / k!; S_0 = 0, S_k = t* w_k + w_(k-1);
 * g = exp(-w) by the power-series exp recurrence g_k = (1/k) sum_j j (-w_j)
 * g_(k-j); F_k = sum_j g_j S_(k-j). F_1 = exp(-1/v) (1 + 1/v) is taken in
 * double-double (the float64 kernels need it to 2^-100), the others in double.
 *
 * v is found in double (Halley's iteration on v e^v = z, z = 1/beta) and
 * refined by two Newton steps in double-double with an exp accurate to about
 * 2^-100 (deriv_exp_dd, slow: for constants only). Computed once per call of
 * the library (api.c; on the GPU's host side), never per element.
 *
 * The window exists for beta in [2^-1000, 2^1000] with w* <= 600 (F_1 >=
 * e^-600, so nothing in it underflows); elsewhere width = 0 and the closed
 * form is used (its error bound relative to max(|f'|, alpha G) still holds).
 */
#ifndef GOLU_DERIV_GOLU_H
#define GOLU_DERIV_GOLU_H

#include "deriv.h"
#include "f64.h"

#define GOLU_WIN_NF (DERIV_NCOEF + 2) /* f[1] .. f[11] */

/* The window of F in t: |t - t*| < width (0: none); f[k] = F^(k)(t*)/k!
 * (f[1] the high part, f1l the low part of F_1; f[0] unused). */
typedef struct golu_win {
    double th, tl, width, f1l;
    double f[GOLU_WIN_NF];
} golu_win;

/* e^(ah + al) as a double-double, relative error about 2^-100, for
 * |ah| <= 700: r = a - k ln2 (the three-part ln2/256 of f64.h), e^(r/32) by
 * its Taylor series to r^16 in double-double, squared five times. */
F64_FN void deriv_exp_dd(double ah, double al, double *h, double *l)
{
    double kd = nearbyint(ah * (F64_INV_LN2_256 / 256.0)) * 256.0;
    double r1 = ah - kd * F64_LN2_256_HI; /* exact */
    double rh, rl, sh = 1.0, sl = 0.0;
    f64_two_sum(r1, -(kd * F64_LN2_256_MID), &rh, &rl);
    rl += al - kd * F64_LN2_256_LO;
    f64_fast_two_sum(rh * 0x1p-5, rl * 0x1p-5, &rh, &rl);
    for (int i = 16; i >= 1; i--) { /* s = 1 + s r / i */
        f64_dd_mul(sh, sl, rh, rl, &sh, &sl);
        f64_dd_div(sh, sl, (double)i, 0.0, &sh, &sl);
        f64_dd_add(1.0, 0.0, sh, sl, &sh, &sl);
    }
    for (int i = 0; i < 5; i++)
        f64_dd_mul(sh, sl, sh, sl, &sh, &sl);
    int k = (int)(kd / 256.0);
    *h = ldexp(sh, k);
    *l = ldexp(sl, k);
}

/* v = W(z) for z = 1/beta, beta in [2^-1000, 2^1000], as (vh, vl). */
F64_FN void deriv_lambert_w(double beta, double *vh, double *vl)
{
    double zh, zl;
    f64_dd_div(1.0, 0.0, beta, 0.0, &zh, &zl);
    double v = zh <= 2.718281828459045 ? log1p(zh) : log(zh) - log(log(zh));
    for (int i = 0; i < 100; i++) { /* Halley on v e^v - z */
        double e = exp(v), f = v * e - zh;
        double dv = f / (e * (v + 1.0) - (v + 2.0) * f / (2.0 * v + 2.0));
        v -= dv;
        if (!(fabs(dv) > 0x1p-50 * v))
            break;
    }
    double h = v, l = 0.0;
    for (int i = 0; i < 2; i++) { /* Newton in double-double */
        double eh, el, ph, pl, rh, rl, dh, dl;
        deriv_exp_dd(h, l, &eh, &el);
        f64_dd_mul(h, l, eh, el, &ph, &pl);
        f64_dd_add(ph, pl, -zh, -zl, &rh, &rl); /* v e^v - z */
        f64_dd_mul(eh, el, h + 1.0, 0.0, &dh, &dl);
        f64_dd_add(h, l, -(rh / dh), 0.0, &h, &l);
    }
    *vh = h;
    *vl = l;
}

/*
 * The window of general GoLU with this beta: t* and F's coefficients
 * f[1..11]; width = scale / |S_1| (where |S| ~ scale at the edges), narrowed
 * until the terms past the n-th are below 2^-tail relative to F_1's.
 */
F64_FN void golu_win_make(double beta, int n, double scale, double tail, golu_win *win)
{
    win->th = win->tl = win->width = win->f1l = 0.0;
    for (int k = 0; k < GOLU_WIN_NF; k++)
        win->f[k] = 0.0;
    if (!(beta >= 0x1p-1000 && beta <= 0x1p1000))
        return;
    double vh, vl, qh, ql, eh, el, fh, fl;
    deriv_lambert_w(beta, &vh, &vl);
    f64_dd_div(1.0, 0.0, vh, vl, &qh, &ql); /* w* = 1/v */
    if (!(qh <= 600.0))
        return;
    deriv_exp_dd(-qh, -ql, &eh, &el);
    f64_dd_add(1.0, 0.0, qh, ql, &fh, &fl);
    f64_dd_mul(eh, el, fh, fl, &fh, &fl); /* F_1 = e^-w* (1 + w*) */
    double w[GOLU_WIN_NF], s[GOLU_WIN_NF], g[GOLU_WIN_NF];
    double ts = -vh, fact = 1.0;
    for (int k = 0; k < GOLU_WIN_NF; k++) {
        if (k > 0)
            fact *= (double)k;
        w[k] = (k & 1 ? -qh : qh) / fact;
        s[k] = k == 0 ? 0.0 : ts * w[k] + w[k - 1];
    }
    g[0] = eh;
    for (int k = 1; k < GOLU_WIN_NF; k++) {
        double a = 0.0;
        for (int j = 1; j <= k; j++)
            a += (double)j * -w[j] * g[k - j];
        g[k] = a / (double)k;
    }
    for (int k = 1; k < GOLU_WIN_NF; k++) {
        double a = 0.0;
        for (int j = 0; j < k; j++)
            a += g[j] * s[k - j];
        win->f[k] = a;
    }
    win->f[1] = fh;
    win->f1l = fl;
    win->th = -vh;
    win->tl = -vl;
    double width = scale / fabs(s[1]);
    double ratio = fabs(win->f[n + 1] / fh); /* the first term left out */
    if (ratio * pow(width, n) > ldexp(1.0, -(int)tail))
        width = pow(ldexp(1.0, -(int)tail) / ratio, 1.0 / n);
    win->width = width;
}

#endif /* GOLU_DERIV_GOLU_H */
