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
    /* The float inputs a step of the CPU loops tests (f32_body.h), on their
     * bits: every x in a window (of any activation) has win_key - bits(x) <
     * win_span in uint32 arithmetic (floats of one sign are ordered like
     * their bits); win_span = 0: no window. */
    uint32_t win_key, win_span;
} kconsts;

/* The bits of float f. */
F64_FN uint32_t kconsts_f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* A test a little wider than the window [x0 - w, x0 + w] (1 % wider, far
 * more than rounding the bounds to float): for bounds lo < hi of one sign,
 * x lies in [lo, hi] exactly when its bits lie between theirs, the largest
 * magnitude's bits being the largest. A window across 0 (only general GoLU
 * with a root within its width of 0) takes every float: always correct. */
F64_FN void kconsts_win_bounds(kconsts *c, double x0, double w)
{
    float lo = (float)(x0 - 1.01 * w), hi = (float)(x0 + 1.01 * w);
    if (hi < 0.0f) { /* bits(lo) >= bits(x) >= bits(hi) */
        c->win_key = kconsts_f32_bits(lo);
        c->win_span = kconsts_f32_bits(lo) - kconsts_f32_bits(hi) + 1;
    } else if (lo > 0.0f) { /* bits(hi) >= bits(x) >= bits(lo) */
        c->win_key = kconsts_f32_bits(hi);
        c->win_span = kconsts_f32_bits(hi) - kconsts_f32_bits(lo) + 1;
    } else {
        c->win_key = 0;
        c->win_span = 0xffffffffu;
    }
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
    c.win_key = c.win_span = 0;
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
