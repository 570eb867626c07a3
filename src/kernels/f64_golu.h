/*
 * f64_golu.h - the float64 GoLU element functions: forward and backward of
 * one element (default and general parameters) and the parameter-gradient
 * terms. The method and the measured errors are in f64_golu.c, which runs
 * them over arrays; the CUDA kernels (src/cuda) call the same functions, so
 * the GPU computes the same double operations in the same order.
 *
 * F64_FN (f64.h) makes them static inline in C and __host__ __device__
 * under nvcc.
 */
#ifndef GOLU_F64_GOLU_H
#define GOLU_F64_GOLU_H

#include <math.h>

#include "deriv_golu.h"
#include "f64.h"

/* The parameters in the forms the general path uses. */
typedef struct golu_prm {
    int deflt; /* alpha == beta == gamma == 1 */
    double alpha, gamma;
    double am, bm; /* alpha = am * 2^ea, beta = bm * 2^eb, am, bm in [0.5, 1) */
    int ea, eb;
    golu_win win; /* the derivative's window (deriv_golu.h); width 0: none */
} golu_prm;

F64_FN golu_prm golu_prm_make(const golu_act *act)
{
    golu_prm p;
    p.deflt = act->alpha == 1.0 && act->beta == 1.0 && act->gamma == 1.0;
    p.alpha = act->alpha;
    p.gamma = act->gamma;
    p.am = frexp(act->alpha, &p.ea);
    p.bm = frexp(act->beta, &p.eb);
    /* |S| >= 2^-8 outside (the closed form's S is within 2^-70 absolute
     * there); the terms past delta^10 below 2^-62 */
    if (p.deflt)
        golu_win_make(0.0, DERIV_NCOEF, 0.0, 0.0, &p.win); /* none: deriv.h's */
    else
        golu_win_make(act->beta, DERIV_NCOEF, 0x1p-8, 62.0, &p.win);
    return p;
}

/* u = exp(-x) as a double-double, for x in [-7.4, 700]: u >= 2^-1010. */
F64_FN void golu_u_default(double x, double *uh, double *ul)
{
    int mu;
    f64_exp_dd(-x, 0.0, &mu, uh, ul);
    double s = f64_pow2(mu);
    *uh *= s;
    *ul *= s;
}

/*
 * GoLU(x), default parameters. Worst error measured: 0.5015 ulp at
 * x = -6.1208820050334047 (the bound from the analysis is about 0.5 + 2^-6:
 * u carries < 2^-70 relative error, amplified by u <= 900, and exp(-u) adds
 * 2^-62).
 * x < -6.8 gives -0 (the exact value is below 2^-1200); x > 700 gives x (the
 * exact value is x(1 - e^-x) and rounds to x from x > 37.5 on).
 */
F64_FN double golu_fwd_default(double x)
{
    if (!(x >= -6.8))
        return x != x ? x + x : -0.0;
    if (x > 700.0 || x == 0.0)
        return x;
    double uh, ul, gh, gl, ph, pl;
    int mg;
    golu_u_default(x, &uh, &ul);
    f64_exp_dd_fast(-uh, -ul, &mg, &gh, &gl);
    if (mg >= -960 && fabs(x) >= 0x1p-1000) {
        /* x*G is normal and so is gl*2^mg (else its rounding would cost up
         * to 2^-1075 / G): scale G exactly, round x*(gh + gl) once */
        double s = f64_pow2(mg);
        return fma(x, gh * s, x * (gl * s));
    }
    int sc = 0;
    if (fabs(x) < 0x1p-900) { /* keep x*G normal, so it is rounded once */
        x *= 0x1p200;
        sc = 200;
    }
    f64_two_prod(x, gh, &ph, &pl);
    pl += x * gl;
    return f64_round_scaled(ph, pl, mg - sc);
}

/*
 * dy * GoLU'(x), default parameters: GoLU'(x) = G * (1 + x*u), G = exp(-u),
 * u = exp(-x), as a double-double times 2^m, then times dy rounded once.
 * Worst error measured: 0.5015 ulp of max(|GoLU'|, G) at
 * x = -4.6976268584902279 (dy = 1), 0.5020 ulp with random dy.
 * Below x = -7.4 |GoLU'(x)| < 2^-2300 and dy * GoLU'(x) rounds to -0 * dy
 * for every finite dy.
 */
F64_FN double golu_bwd_default(double x, double dy)
{
    if (!(x >= -7.4)) {
        if (x != x)
            return x + dy;
        if (x == -HUGE_VAL)
            return dy * -0.0; /* the limit -0: NaN for an infinite dy */
        return isfinite(dy) ? dy * -0.0 : -dy;
    }
    if (x > 700.0)
        return dy; /* GoLU'(x) = 1 - (x-1)e^-x + ..., rounds to 1 */
    double uh, ul, ph, pl, sh, sl, gh, gl, dh, dl;
    int mg;
    const deriv_win win = deriv_win_golu();
    if (deriv_win_f64(&win, x, &dh, &dl)) /* near the zero at -W(1) */
        return f64_mul_scaled(dy, dh, dl, 0);
    golu_u_default(x, &uh, &ul);
    f64_two_prod(x, uh, &ph, &pl); /* x*u */
    pl += x * ul;
    f64_two_sum(1.0, ph, &sh, &sl); /* s = 1 + x*u */
    sl += pl;
    f64_two_sum(sh, sl, &sh, &sl);
    f64_exp_dd_fast(-uh, -ul, &mg, &gh, &gl);
    f64_dd_mul(gh, gl, sh, sl, &dh, &dl);
    if (mg >= -900) {
        /* the common case: scale exactly, one fma; keep it if it is normal
         * (so rounded once) and finite */
        double sc = f64_pow2(mg);
        double r = fma(dy, dh * sc, dy * (dl * sc));
        if (fabs(r) >= 0x1p-1000 && fabs(r) <= 0x1p1000)
            return r;
    }
    return f64_mul_scaled(dy, dh, dl, mg);
}

/* c = gamma * x; u = exp(-c) = 2^mu (uh + ul); w = beta * u = 2^Ew (wh + wl).
 * Only for |c| <= 1e4. */
F64_FN int golu_w_general(const golu_prm *p, double ch, double cl, double *wh, double *wl)
{
    int mu;
    double uh, ul, h, l;
    f64_exp_dd(-ch, -cl, &mu, &uh, &ul);
    f64_two_prod(p->bm, uh, &h, &l);
    l += p->bm * ul;
    f64_fast_two_sum(h, l, wh, wl);
    return mu + p->eb;
}

/*
 * GoLU(x) for any alpha, beta, gamma > 0 finite. Worst error measured:
 * 0.5015 ulp (alpha = 2, x = -6.1208820050334047). |gamma*x| > 1e4 saturates (alpha*x or
 * -0); w = beta*u >= 2^12 gives a signed zero (|alpha x| e^-w < 2^-4000); w < 2^-1000
 * gives alpha*x.
 */
F64_FN double golu_fwd_general(double x, const golu_prm *p)
{
    if (x != x)
        return x + x;
    if (x == 0.0 || isinf(x))
        return x > 0 ? x : x == 0.0 ? p->alpha * x : -0.0;
    double ch, cl, wh, wl, ah, al, gh, gl, fh, fl;
    f64_two_prod(p->gamma, x, &ch, &cl);
    if (ch > 1e4)
        return p->alpha * x;
    if (ch < -1e4)
        return -0.0;
    int Ew = golu_w_general(p, ch, cl, &wh, &wl);
    if (Ew > 12)
        return copysign(0.0, x);
    int ex;
    double xm = frexp(x, &ex);
    f64_two_prod(p->am, xm, &ah, &al); /* alpha*x = (ah + al) 2^(ea+ex) */
    if (Ew < -1000)
        return f64_round_scaled(ah, al, p->ea + ex);
    double s = f64_pow2(Ew);
    int mg;
    f64_exp_dd_fast(-wh * s, -wl * s, &mg, &gh, &gl);
    f64_dd_mul(ah, al, gh, gl, &fh, &fl);
    return f64_round_scaled(fh, fl, p->ea + ex + mg);
}

/*
 * dy * GoLU'(x) in the window, t = gamma x = ch + cl (exact) within
 * p->win.width of t*: delta = (ch - th) + (cl - tl) as a double-double (the
 * first difference exact, Sterbenz), F(delta) by its Taylor polynomial,
 * times alpha = am 2^ea and dy, rounded once.
 */
F64_FN double golu_bwd_window(double ch, double cl, double dy, const golu_prm *p)
{
    double s, e, b1, b2, h, l;
    f64_two_sum(cl, -p->win.tl, &s, &e);
    f64_two_sum(ch - p->win.th, s, &b1, &b2);
    f64_fast_two_sum(b1, b2 + e, &b1, &b2);
    deriv_poly_dd(p->win.f, p->win.f1l, DERIV_NCOEF, b1, b2, &h, &l);
    f64_dd_mul(h, l, p->am, 0.0, &h, &l);
    return f64_mul_scaled(dy, h, l, p->ea);
}

/*
 * dy * GoLU'(x) for any parameters: GoLU'(x) = alpha * G * (1 + c*w) with
 * c = gamma*x, w = beta*exp(-c), G = exp(-w). Worst error measured:
 * 0.5010 ulp of max(|GoLU'|, alpha G).
 */
F64_FN double golu_bwd_general(double x, double dy, const golu_prm *p)
{
    if (x != x || dy != dy)
        return x + dy;
    if (isinf(x))
        return x > 0 ? dy * p->alpha : dy * -0.0;
    double ch, cl, wh, wl, ph, pl, sh, sl, gh, gl, dh, dl;
    f64_two_prod(p->gamma, x, &ch, &cl);
    if (ch > 1e4)
        return dy * p->alpha;
    if (ch < -1e4)
        return isfinite(dy) ? dy * -0.0 : -dy;
    int Ew = golu_w_general(p, ch, cl, &wh, &wl);
    if (Ew > 12) {
        /* |dy * GoLU'| < 2^2048 * 2^27 * e^-4000: a zero of the sign of
         * 1 + c*w. */
        int neg = x < 0 && ldexp(fabs(ch) * wh, Ew) > 1.0;
        if (!isfinite(dy))
            return neg ? -dy : dy;
        return dy * (neg ? -0.0 : 0.0);
    }
    if (Ew < -1000)
        return dy * p->alpha;                /* |c*w| < 2^-980, G = 1 */
    if (fabs(ch - p->win.th) < p->win.width) /* near the zero: the window */
        return golu_bwd_window(ch, cl, dy, p);
    double s = f64_pow2(Ew);
    wh *= s;
    wl *= s;
    f64_dd_mul(ch, cl, wh, wl, &ph, &pl);
    f64_two_sum(1.0, ph, &sh, &sl);
    sl += pl;
    f64_two_sum(sh, sl, &sh, &sl);
    int mg;
    f64_exp_dd_fast(-wh, -wl, &mg, &gh, &gl);
    f64_dd_mul(gh, gl, sh, sl, &dh, &dl);
    f64_dd_mul(dh, dl, p->am, 0.0, &dh, &dl);
    return f64_mul_scaled(dy, dh, dl, p->ea + mg);
}

/*
 * The three parameter derivatives of GoLU at one x (finite, nonzero dy
 * handled by the caller): t[0] = x G, t[1] = -alpha x e G, t[2] = alpha x^2 w G
 * with e = exp(-gamma x), w = beta e, G = exp(-w). Plain double (relative
 * error ~1e-15, ~1e-13 in the log-space tail); where G underflows the terms
 * are taken in log space so that they go to 0, never to inf*0.
 */
F64_FN void golu_param_terms(double x, const golu_act *act, double la, double lb,
                             double t[3])
{
    double a = act->alpha;
    double ng = -act->gamma * x; /* log e */
    double e = exp(ng), w = act->beta * e;
    if (w <= 700.0) {
        double G = exp(-w);
        t[0] = x * G;
        t[1] = -a * ((x * e) * G);
        t[2] = a * ((x * (x * w)) * G);
        return;
    }
    if (ng == HUGE_VAL) { /* x -> -inf: every term -> 0 */
        t[0] = t[1] = t[2] = 0.0;
        return;
    }
    double sx = x < 0 ? -1.0 : 1.0, lx = log(fabs(x));
    t[0] = sx * exp(lx - w);
    t[1] = -sx * exp(la + lx + ng - w);
    t[2] = exp(la + 2.0 * lx + (lb + ng) - w);
}

/*
 * Adds dy * the three terms at one element to s[0..2], as the float64 and
 * GPU parameter-gradient sums do: NaN in x or dy makes all three NaN, dy = 0
 * and x = -inf add nothing (every term's limit is 0), x = +inf adds dy * x to
 * d/dalpha only. la = log(alpha), lb = log(beta).
 */
F64_FN void golu_param_add(double xi, double d, const golu_act *act, double la, double lb,
                           double s[3])
{
    double t[3];
    if (xi != xi || d != d) {
        s[0] += xi + d;
        s[1] += xi + d;
        s[2] += xi + d;
        return;
    }
    if (d == 0.0 || xi == -HUGE_VAL)
        return; /* every term is 0 (the limit for x = -inf) */
    if (xi == HUGE_VAL) {
        s[0] += d * xi; /* d/dalpha = x; the others -> 0 */
        return;
    }
    golu_param_terms(xi, act, la, lb, t);
    s[0] += d * t[0];
    s[1] += d * t[1];
    s[2] += d * t[2];
}

#endif /* GOLU_F64_GOLU_H */
