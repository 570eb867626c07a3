/*
 * kconsts.h - the constants a float32-family kernel needs, made once per call
 * of the library from the activation's parameters (api.c; the GPU's
 * launchers on the host), never per block or per element: general GoLU's
 * derivative window costs a Lambert W in double-double (deriv_golu.h).
 */
#ifndef GOLU_KCONSTS_H
#define GOLU_KCONSTS_H

#include "deriv.h"
#include "deriv_golu.h"
#include "golu.h"

#define KC_LOG2E 0x1.71547652b82fep+0 /* log2(e) rounded */
#define KC_LN2   0x1.62e42fefa39efp-1 /* ln(2) rounded */

typedef struct kconsts {
    double alpha, beta, gamma;
    double neg_gamma_log2e; /* GoLU: a = -gamma*x*log2(e) */
    double neg_gamma_ln2;   /* GoLU: beta*gamma*x*exp(-gamma*x) = b * x * this */
    int golu_default;       /* GoLU with alpha = beta = gamma = 1 */
    /* General GoLU's derivative window, in t = gamma x: |t - t*| < win_w,
     * t* = win_th + win_tl, GoLU' = sum win_c[k] (t - t*)^k (k = 1..4;
     * win_c[k] = alpha F_k); win_w = 0: none. */
    double win_th, win_tl, win_w;
    double win_c[5];
    /* The float inputs a step of the CPU loops tests (f32_body.h): every x
     * in a window (of any activation) has |x - win_fmid| < win_fhalf, that
     * difference taken in float; 0, 0: no window. */
    float win_fmid, win_fhalf;
} kconsts;

/* A float test a little wider than the window [x0 - w, x0 + w]: 1 % wider,
 * plus 2 ulps of x0 for rounding the centre to float (x - mid is exact in
 * float for x within a factor 2 of mid, and large otherwise). */
F64_FN void kconsts_win_bounds(kconsts *c, double x0, double w)
{
    c->win_fmid = (float)x0;
    c->win_fhalf = (float)(1.01 * w + 0x1p-23 * (x0 < 0 ? -x0 : x0));
}

/* The constants of act (validated); general GoLU's window only with
 * `window` (the backward needs it; the forward does not). */
F64_FN kconsts kconsts_make(const golu_act *act, int window)
{
    kconsts c;
    c.alpha = act->alpha;
    c.beta = act->beta;
    c.gamma = act->gamma;
    c.neg_gamma_log2e = -act->gamma * KC_LOG2E;
    c.neg_gamma_ln2 = -act->gamma * KC_LN2;
    c.golu_default = act->alpha == 1.0 && act->beta == 1.0 && act->gamma == 1.0;
    c.win_th = c.win_tl = c.win_w = 0.0;
    for (int k = 0; k < 5; k++)
        c.win_c[k] = 0.0;
    c.win_fmid = c.win_fhalf = 0.0f;
    switch (act->kind) {
    case GOLU_ACT_GOLU:
        if (c.golu_default)
            kconsts_win_bounds(&c, DERIV_GOLU_X0_HI, DERIV_GOLU_F32_WIDTH);
        break;
    case GOLU_ACT_GELU:
        kconsts_win_bounds(&c, DERIV_GELU_X0_HI, DERIV_GELU_F32_WIDTH);
        break;
    case GOLU_ACT_GELU_TANH:
        kconsts_win_bounds(&c, DERIV_GELU_TANH_X0_HI, DERIV_GELU_TANH_F32_WIDTH);
        break;
    case GOLU_ACT_SILU:
        kconsts_win_bounds(&c, DERIV_SILU_X0_HI, DERIV_SILU_F32_WIDTH);
        break;
    case GOLU_ACT_MISH:
        kconsts_win_bounds(&c, DERIV_MISH_X0_HI, DERIV_MISH_F32_WIDTH);
        break;
    default: break;
    }
    if (!window || act->kind != GOLU_ACT_GOLU || c.golu_default)
        return c;
    golu_win w;
    /* |S| >= 2^-11 outside (the closed form's S is within 2^-40 absolute),
     * terms past d^4 below 2^-33 */
    golu_win_make(act->beta, 4, 0x1p-11, 33.0, &w);
    int ok = w.width > 0.0;
    for (int k = 1; k <= 4; k++) {
        c.win_c[k] = act->alpha * w.f[k];
        ok = ok && isfinite(c.win_c[k]);
    }
    c.win_c[1] = act->alpha * (w.f[1] + w.f1l);
    if (ok && c.win_c[1] != 0.0) {
        c.win_th = w.th;
        c.win_tl = w.tl;
        c.win_w = w.width;
        /* |gamma x - th| < w: x in ((th - w)/gamma, (th + w)/gamma) */
        kconsts_win_bounds(&c, w.th / act->gamma, w.width / act->gamma);
    }
    return c;
}

#endif /* GOLU_KCONSTS_H */
