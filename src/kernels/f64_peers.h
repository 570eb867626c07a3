/*
 * f64_peers.h - the float64 element functions of the peers (all but GoLU and
 * the erf form of GELU, which needs long double): f(x) rounded once, and
 * f'(x) as an unrounded f64_slope for the backward's single rounding. The
 * method and the measured errors are in f64_peers.c, which runs them over
 * arrays; the CUDA kernels (src/cuda) call the same functions.
 *
 * F64_FN (f64.h) makes them static inline in C and __host__ __device__
 * under nvcc.
 */
#ifndef GOLU_F64_PEERS_H
#define GOLU_F64_PEERS_H

#include <math.h>

#include "deriv.h"
#include "f64.h"

/* From scripts/gen_f64_tables.py (mpmath, 300 bits), double-double pairs. */
#define F64_RSQRT2_HI   0x1.6a09e667f3bcdp-1 /* 1/sqrt(2) */
#define F64_RSQRT2_LO   -0x1.bdd3413b26456p-55
#define F64_RSQRT2PI_HI 0x1.9884533d43651p-2 /* 1/sqrt(2 pi) */
#define F64_RSQRT2PI_LO -0x1.cbc0d30ebfd15p-56
#define F64_2_SQRTPI_HI 0x1.20dd750429b6dp+0 /* 2/sqrt(pi) */
#define F64_2_SQRTPI_LO 0x1.1ae3a914fed80p-56
#define F64_GELU_K1_HI  0x1.9884533d43651p+0 /* 2 sqrt(2/pi) */
#define F64_GELU_K1_LO  -0x1.cbc0d30ebfd15p-54
#define F64_GELU_K3_HI  0x1.2444f2a4d8b4bp-4 /* 2 sqrt(2/pi) * 0.044715 */
#define F64_GELU_K3_LO  -0x1.6c843a29d1c70p-61

/*
 * A slope f'(x) as the derivative functions return it: (h + l) * 2^m, to be
 * multiplied by dy and rounded once (f64_mul_scaled), or, when exact is set,
 * the double h to be multiplied by dy as IEEE does (NaN, limits, exact
 * slopes such as 1 or alpha).
 */
typedef struct f64_slope {
    double h, l;
    int m, exact;
} f64_slope;

F64_FN f64_slope slope_exact(double v)
{
    f64_slope s = {v, 0.0, 0, 1};
    return s;
}

F64_FN f64_slope slope_dd(double h, double l, int m)
{
    f64_slope s = {h, l, m, 0};
    return s;
}

/* The slope from a fixed window (deriv.h) when x is in it: 1 and *s set. */
F64_FN int slope_window(deriv_win w, double x, f64_slope *s)
{
    double h, l;
    if (!deriv_win_f64(&w, x, &h, &l))
        return 0;
    *s = slope_dd(h, l, 0);
    return 1;
}

/* ------------------------------------------------------------ ReLU family */

/* ReLU(x) = x > 0 ? x : +0. Exact. */
F64_FN double relu_f(double x, const golu_act *act)
{
    (void)act;
    return x > 0 ? x : x != x ? x : 0.0;
}

/* ReLU'(x) = x > 0 ? 1 : 0 (0 at 0, from the left). Exact. */
F64_FN f64_slope relu_d(double x, const golu_act *act)
{
    (void)act;
    return slope_exact(x > 0 ? 1.0 : x != x ? x : 0.0);
}

/* LeakyReLU / PReLU: x > 0 ? x : alpha*x, rounded once (0.5 ulp). */
F64_FN double leaky_f(double x, const golu_act *act)
{
    return x > 0 ? x : act->alpha * x;
}

/* Slope: x > 0 ? 1 : alpha (alpha at 0, from the left). Exact. */
F64_FN f64_slope leaky_d(double x, const golu_act *act)
{
    return slope_exact(x > 0 ? 1.0 : x != x ? x : act->alpha);
}

/* -------------------------------------------------------------------- ELU */

/* ELU: x > 0 ? x : alpha*expm1(x), expm1 as a double-double (a Taylor
 * series below 2^-13, e^x - 1 from f64_exp_dd() above, which is exact enough
 * down there) and alpha times it rounded once. Worst measured: 0.5010 ulp at
 * x = -0.53790207291167302 (alpha = 1; 0.5000 with alpha = 0.3). Below -40
 * expm1 is -1 + e^x, rounded to -1. */
F64_FN double elu_f(double x, const golu_act *act)
{
    double a = act->alpha, eh, el, dh, dl;
    int m;
    if (x > 0)
        return x;
    if (x == 0.0 || x != x || x < -40.0)
        return a * (x == 0.0 ? x : expm1(x));
    if (x > -0x1p-13) {
        /* x + x^2 (1/2 + x/6 + x^2/24 + x^3/120): the rest < 2^-76 x */
        double t = 0x1.1111111111111p-7;
        t = t * x + 0x1.5555555555555p-5;
        t = t * x + 0x1.5555555555555p-3;
        t = t * x + 0.5;
        f64_fast_two_sum(x, (x * x) * t, &dh, &dl);
        return f64_mul_dd_round(a, dh, dl);
    }
    if (x > -0.5)
        f64_exp_dd(x, 0.0, &m, &eh, &el); /* 1 - e^x cancels: 2^-68 */
    else
        f64_exp_dd_fast(x, 0.0, &m, &eh, &el);
    double s = f64_pow2(m);
    f64_dd_add(eh * s, el * s, -1.0, 0.0, &dh, &dl);
    return f64_mul_dd_round(a, dh, dl);
}

/* ELU': x >= 0 ? 1 : alpha*e^x (1 at 0, from the right), alpha*e^x rounded
 * once (subnormal results too, any alpha). Worst measured: 0.5015 ulp at
 * x = -1.4447533851719285. */
F64_FN f64_slope elu_d(double x, const golu_act *act)
{
    if (x >= 0)
        return slope_exact(1.0);
    if (x != x)
        return slope_exact(x);
    if (x < -1600.0) /* alpha e^x < 2^1024 e^-1600 = 2^-1284 */
        return slope_exact(act->alpha * 0.0);
    double h, l, ph, pl;
    int m, ea;
    f64_exp_dd_fast(x, 0.0, &m, &h, &l);
    double am = frexp(act->alpha, &ea); /* alpha = am 2^ea: no overflow */
    f64_two_prod(am, h, &ph, &pl);
    pl += am * l;
    return slope_dd(ph, pl, m + ea);
}

/* ------------------------------------------------- x * sigmoid(y): helpers */

/* e^(yh + yl) as a double-double (eh, el); the exponent must be in the
 * normal range (callers cut the tails before). */
F64_FN void exp_dd_scaled(double yh, double yl, double *eh, double *el)
{
    int m;
    double h, l;
    f64_exp_dd_fast(yh, yl, &m, &h, &l);
    double s = f64_pow2(m);
    *eh = h * s;
    *el = l * s;
}

/*
 * x * sigmoid(y), y = yh + yl accurate to ~2^-100 relative, |yh| <= 800,
 * rounded once: error 0.5 ulp + ~2^-9. y >= 0: x / (1 + e^-y); y < 0:
 * x e^y / (1 + e^y), with x e^y rounded by f64_round_scaled() once e^y is
 * below 2^-70 (so subnormal results are rounded once too).
 */
F64_FN double xsig_f(double x, double yh, double yl)
{
    double eh, el, dh, dl, qh, ql;
    if (yh >= 0) {
        exp_dd_scaled(-yh, -yl, &eh, &el);
        f64_dd_add(1.0, 0.0, eh, el, &dh, &dl);
        double q = x / dh;
        double r = fma(-q, dh, x) - q * dl; /* fma exact: q = RN(x/dh) */
        return q + r / dh;
    }
    int m;
    double h, l, ph, pl;
    f64_exp_dd_fast(yh, yl, &m, &h, &l);
    if (m < -70) { /* e^y < 2^-69: x e^y / (1 + e^y) = x e^y (1 - e^y ...) */
        f64_two_prod(x, h, &ph, &pl);
        pl += x * l;
        return f64_round_scaled(ph, pl, m);
    }
    double s = f64_pow2(m);
    eh = h * s;
    el = l * s;
    f64_dd_add(1.0, 0.0, eh, el, &dh, &dl);
    f64_dd_div(eh, el, dh, dl, &qh, &ql);
    return f64_mul_dd_round(x, qh, ql);
}

/*
 * d/dx [x sigmoid(y(x))] = s (1 + p (1 - s)), s = sigmoid(y), p = x y'(x)
 * given as a double-double; in the forms (1 + e + p e) / (1 + e)^2 with
 * e = e^-y for y >= 0, and e (1 + e + p) / (1 + e)^2 with e = e^y for y < 0
 * (no cancellation but the one in 1 + e + p, which is taken in
 * double-double). |yh| <= 800.
 */
F64_FN f64_slope xsig_d(double yh, double yl, double ph, double pl)
{
    double eh, el, ah, al, nh, nl, dh, dl, qh, ql;
    if (yh >= 0) {
        exp_dd_scaled(-yh, -yl, &eh, &el);
        f64_dd_mul(ph, pl, eh, el, &nh, &nl);   /* p e */
        f64_dd_add(1.0, 0.0, eh, el, &ah, &al); /* 1 + e */
        f64_dd_add(ah, al, nh, nl, &nh, &nl);   /* 1 + e + p e */
        f64_dd_mul(ah, al, ah, al, &dh, &dl);
        f64_dd_div(nh, nl, dh, dl, &qh, &ql);
        return slope_dd(qh, ql, 0);
    }
    int m;
    double h, l;
    f64_exp_dd_fast(yh, yl, &m, &h, &l);
    if (m < -70) { /* e (1 + p) (1 + O(e)) */
        f64_dd_add(1.0, 0.0, ph, pl, &nh, &nl);
        f64_dd_mul(nh, nl, h, l, &qh, &ql);
        return slope_dd(qh, ql, m);
    }
    double s = f64_pow2(m);
    eh = h * s;
    el = l * s;
    f64_dd_add(1.0, 0.0, eh, el, &ah, &al); /* 1 + e */
    f64_dd_add(ah, al, ph, pl, &nh, &nl);   /* 1 + e + p */
    f64_dd_mul(nh, nl, eh, el, &nh, &nl);
    f64_dd_mul(ah, al, ah, al, &dh, &dl);
    f64_dd_div(nh, nl, dh, dl, &qh, &ql);
    return slope_dd(qh, ql, 0);
}

/* ------------------------------------------------------------------- SiLU */

/* SiLU(x) = x sigmoid(x). Worst measured: 0.5005 ulp at x = -350.33897552535.
 * x > 40 gives x
 * (e^-x < 2^-57), x < -760 gives -0 (|x e^x| < 2^-1090). */
F64_FN double silu_f(double x, const golu_act *act)
{
    (void)act;
    if (x != x || x == 0.0)
        return x + x;
    if (x > 40.0)
        return x;
    if (x < -760.0)
        return -0.0;
    return xsig_f(x, x, 0.0);
}

/* SiLU'(x) = s (1 + x (1 - s)). Worst measured: 0.5005 ulp of
 * max(|f'|, sigmoid) at x = -46.065877889752528. */
F64_FN f64_slope silu_d(double x, const golu_act *act)
{
    (void)act;
    f64_slope w;
    if (x != x)
        return slope_exact(x);
    if (slope_window(deriv_win_silu(), x, &w))
        return w;
    if (x > 50.0)
        return slope_exact(1.0); /* x e^-x < 2^-66 */
    if (x < -1600.0)             /* |x e^x| < 2^-2300 */
        return slope_exact(-0.0);
    return xsig_d(x, 0.0, x, 0.0);
}

/* -------------------------------------------------------------- GELU tanh */

/* y = 2u = x (K1 + K3 x^2) and p = x y' = x (K1 + 3 K3 x^2), double-double
 * (|x| <= 22 here, so nothing overflows). */
F64_FN void gelu_tanh_args(double x, double *yh, double *yl, double *ph, double *pl)
{
    double sh, sl, th, tl, ah, al, h, l;
    f64_two_prod(x, x, &sh, &sl);
    f64_dd_mul(F64_GELU_K3_HI, F64_GELU_K3_LO, sh, sl, &th, &tl);
    f64_dd_add(F64_GELU_K1_HI, F64_GELU_K1_LO, th, tl, &ah, &al);
    f64_dd_mul(ah, al, x, 0.0, yh, yl);
    f64_two_prod(3.0, th, &h, &l);
    l += 3.0 * tl;
    f64_dd_add(F64_GELU_K1_HI, F64_GELU_K1_LO, h, l, &ah, &al);
    f64_dd_mul(ah, al, x, 0.0, ph, pl);
}

/* GELU tanh form, 0.5 x (1 + tanh(u)) = x sigmoid(2u), the constants
 * 0.044715 and sqrt(2/pi) taken exactly. Worst measured: 0.5005 ulp at
 * x = -3.5877977518726354. x > 10
 * gives x (e^-2u < 2^-125); x < -22 gives -0 (2u < -795). */
F64_FN double gelu_tanh_f(double x, const golu_act *act)
{
    (void)act;
    double yh, yl, ph, pl;
    if (x != x || x == 0.0)
        return x + x;
    if (x > 10.0)
        return x;
    if (x < -22.0)
        return -0.0;
    gelu_tanh_args(x, &yh, &yl, &ph, &pl);
    return xsig_f(x, yh, yl);
}

/* GELU tanh derivative. Worst measured: 0.5005 ulp of
 * max(|f'|, sigmoid(2u)) at x = -16.62542513409916. */
F64_FN f64_slope gelu_tanh_d(double x, const golu_act *act)
{
    (void)act;
    double yh, yl, ph, pl;
    f64_slope w;
    if (x != x)
        return slope_exact(x);
    if (slope_window(deriv_win_gelu_tanh(), x, &w))
        return w;
    if (x > 10.0)
        return slope_exact(1.0);
    if (x < -28.0) /* 2u < -1600: |x u' e^2u| < 2^-2300 */
        return slope_exact(-0.0);
    gelu_tanh_args(x, &yh, &yl, &ph, &pl);
    return xsig_d(yh, yl, ph, pl);
}

/* ------------------------------------------------------------------- Mish */

/*
 * tanh(softplus(x)) = n / (n + 2), n = e (e + 2), e = e^x: no cancellation
 * anywhere. Double-double; x in [-50, 30] (e normal).
 */
F64_FN void mish_gate(double eh, double el, double *nh, double *nl, double *dh,
                      double *dl, double *th, double *tl)
{
    double ah, al;
    f64_dd_add(eh, el, 2.0, 0.0, &ah, &al);
    f64_dd_mul(eh, el, ah, al, nh, nl);
    f64_dd_add(*nh, *nl, 2.0, 0.0, dh, dl);
    f64_dd_div(*nh, *nl, *dh, *dl, th, tl);
}

/* Mish(x) = x tanh(softplus(x)). Worst measured: 0.5010 ulp at
 * x = -2.8253620884853277. x > 20 gives x
 * (1 - T < 2^-56), x < -760 gives -0; below e^x = 2^-70 it is x e^x. */
F64_FN double mish_f(double x, const golu_act *act)
{
    (void)act;
    double h, l, ph, pl, nh, nl, dh, dl, th, tl;
    int m;
    if (x != x || x == 0.0)
        return x + x;
    if (x > 20.0)
        return x;
    if (x < -760.0)
        return -0.0;
    f64_exp_dd_fast(x, 0.0, &m, &h, &l);
    if (m < -70) {
        f64_two_prod(x, h, &ph, &pl);
        pl += x * l;
        return f64_round_scaled(ph, pl, m);
    }
    double s = f64_pow2(m);
    mish_gate(h * s, l * s, &nh, &nl, &dh, &dl, &th, &tl);
    return f64_mul_dd_round(x, th, tl);
}

/*
 * Mish'(x) = T + x sigmoid(x) sech^2(softplus(x)), sech^2 = 1 - T^2 =
 * 4 (n + 1) / (n + 2)^2, all in double-double. Worst measured: 0.5005 ulp of
 * max(|f'|, T) at x = -4.1168045217619849. x > 30 gives 1 (4x e^-2x < 2^-79); below e^x =
 * 2^-70 it is (1 + x) e^x (1 + x exact there).
 */
F64_FN f64_slope mish_d(double x, const golu_act *act)
{
    (void)act;
    double h, l, eh, el, nh, nl, dh, dl, th, tl, ah, al, bh, bl;
    int m;
    f64_slope w;
    if (x != x)
        return slope_exact(x);
    if (slope_window(deriv_win_mish(), x, &w))
        return w;
    if (x > 30.0)
        return slope_exact(1.0);
    if (x < -1600.0)
        return slope_exact(-0.0);
    f64_exp_dd_fast(x, 0.0, &m, &h, &l);
    if (m < -70) {
        f64_dd_mul(1.0 + x, 0.0, h, l, &ah, &al);
        return slope_dd(ah, al, m);
    }
    double s = f64_pow2(m);
    eh = h * s;
    el = l * s;
    mish_gate(eh, el, &nh, &nl, &dh, &dl, &th, &tl);
    /* x sigmoid(x) = x e / (1 + e) */
    f64_dd_add(1.0, 0.0, eh, el, &ah, &al);
    f64_dd_div(eh, el, ah, al, &ah, &al);
    f64_dd_mul(ah, al, x, 0.0, &ah, &al);
    /* 4 (n + 1) / (n + 2)^2 */
    f64_dd_add(nh, nl, 1.0, 0.0, &bh, &bl);
    f64_dd_mul(bh, bl, 4.0, 0.0, &bh, &bl);
    f64_dd_div(bh, bl, dh, dl, &bh, &bl);
    f64_dd_div(bh, bl, dh, dl, &bh, &bl);
    f64_dd_mul(ah, al, bh, bl, &ah, &al);
    f64_dd_add(th, tl, ah, al, &ah, &al);
    return slope_dd(ah, al, 0);
}

/* dy * f'(x) rounded once, from the slope the derivative functions return. */
F64_FN double f64_slope_apply(f64_slope d, double dy)
{
    return d.exact ? dy * d.h : f64_mul_scaled(dy, d.h, d.l, d.m);
}

#endif /* GOLU_F64_PEERS_H */
