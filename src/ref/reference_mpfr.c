/*
 * reference_mpfr.c - the 256-bit MPFR oracle for float64 results.
 *
 * Every function of golu.h evaluated in forms that do not cancel at any x
 * (x * sigmoid instead of 0.5x(1 + tanh), sech^2 instead of 1 - tanh^2), so
 * that 256 bits give far more than the 64 bits of the long double returned.
 * MPFR's exponent range is huge, so nothing underflows on the way; the final
 * mpfr_get_ld() rounds once (to 0 below the long double range).
 *
 * Thread safety: each thread has its own MPFR variables (_Thread_local,
 * initialised on the thread's first call, freed when the thread exits through
 * a pthread key destructor; the main thread's live until the process ends).
 */
#include <math.h>
#include <mpfr.h>
#include <pthread.h>

#include "reference.h"

enum { REF_PREC = 256, REF_NVARS = 8 };

static _Thread_local int ref_ready;
static _Thread_local mpfr_t ref_v[REF_NVARS];
static _Thread_local mpfr_t ref_w; /* precision set per use */

static pthread_once_t ref_once = PTHREAD_ONCE_INIT;
static pthread_key_t ref_key;
static int ref_key_ok;

/* At the exit of a thread that used the oracle: free its variables and
 * MPFR's caches (so that leak checkers see nothing). */
static void ref_thread_exit(void *unused)
{
    (void)unused;
    if (!ref_ready)
        return;
    for (int i = 0; i < REF_NVARS; i++)
        mpfr_clear(ref_v[i]);
    mpfr_clear(ref_w);
    mpfr_free_cache();
    ref_ready = 0;
}

static void ref_make_key(void)
{
    ref_key_ok = pthread_key_create(&ref_key, ref_thread_exit) == 0;
}

static void ref_init(void)
{
    if (ref_ready)
        return;
    for (int i = 0; i < REF_NVARS; i++)
        mpfr_init2(ref_v[i], REF_PREC);
    mpfr_init2(ref_w, REF_PREC);
    ref_ready = 1;
    pthread_once(&ref_once, ref_make_key);
    if (ref_key_ok)
        pthread_setspecific(ref_key, &ref_ready); /* any non-NULL value */
}

#define RN MPFR_RNDN

/* s = 1 / (1 + exp(-z)); z is overwritten. */
static void ref_sigmoid(mpfr_t s, mpfr_t z)
{
    mpfr_neg(z, z, RN);
    mpfr_exp(z, z, RN);
    mpfr_add_ui(z, z, 1, RN);
    mpfr_ui_div(s, 1, z, RN);
}

/* GoLU pieces: e = exp(-gamma x), w = beta e, g = alpha exp(-w). */
static void ref_golu_parts(const golu_act *act, double x, mpfr_t e, mpfr_t w, mpfr_t g)
{
    mpfr_set_d(e, x, RN);
    mpfr_mul_d(e, e, -act->gamma, RN);
    mpfr_exp(e, e, RN);
    mpfr_mul_d(w, e, act->beta, RN);
    mpfr_neg(g, w, RN);
    mpfr_exp(g, g, RN);
    mpfr_mul_d(g, g, act->alpha, RN);
}

/* GELU tanh form: y = 2 sqrt(2/pi) (x + 0.044715 x^3); its derivative dy. */
static void ref_gelu_tanh_arg(double x, mpfr_t y, mpfr_t dy, mpfr_t t)
{
    mpfr_set_str(t, "0.044715", 10, RN);
    mpfr_set_d(y, x, RN);
    mpfr_sqr(y, y, RN); /* x^2 */
    mpfr_mul_ui(dy, y, 3, RN);
    mpfr_mul(dy, dy, t, RN);
    mpfr_add_ui(dy, dy, 1, RN); /* 1 + 3c x^2 */
    mpfr_mul(y, y, t, RN);
    mpfr_add_ui(y, y, 1, RN);
    mpfr_mul_d(y, y, x, RN); /* x + c x^3 */
    mpfr_const_pi(t, RN);
    mpfr_ui_div(t, 8, t, RN);
    mpfr_sqrt(t, t, RN); /* 2 sqrt(2/pi) */
    mpfr_mul(y, y, t, RN);
    mpfr_mul(dy, dy, t, RN);
}

/* Mish pieces: T = tanh(softplus(x)), sp = softplus(x). */
static void ref_mish_parts(double x, mpfr_t T, mpfr_t sp)
{
    mpfr_set_d(sp, x, RN);
    mpfr_exp(sp, sp, RN);
    mpfr_log1p(sp, sp, RN);
    mpfr_tanh(T, sp, RN);
}

/*
 * Phi(x) = erfc(-x / sqrt(2)) / 2 into p (t is scratch). mpfr_erfc takes
 * milliseconds for arguments in [5, 30], so: for |x| >= 12.8 (z >= 9.05) the
 * asymptotic series erfc(z) = e^-z^2 / (z sqrt(pi)) sum_n (-1)^n (2n-1)!! /
 * (2z^2)^n, summed to its smallest term (relative error < e^-z^2 < 2^-118);
 * below, erf at 140 + 1.45 z^2 bits, enough for 1 - erf(z) to keep 128 bits.
 */
static void ref_phi_cdf(double x, mpfr_t p, mpfr_t t)
{
    mpfr_ptr w = ref_w, term = ref_v[6], v = ref_v[7];
    double ax = fabs(x);
    if (ax >= 12.8) {
        mpfr_set_d(v, x, RN);
        mpfr_sqr(v, v, RN);       /* x^2 = 2 z^2, exact */
        mpfr_ui_div(v, 1, v, RN); /* 1 / (2 z^2) */
        mpfr_set_ui(p, 1, RN);    /* the sum */
        mpfr_set_ui(term, 1, RN);
        for (unsigned n = 1; n < 400; n++) {
            mpfr_mul(t, term, v, RN);
            mpfr_mul_ui(t, t, 2 * n - 1, RN);
            mpfr_neg(t, t, RN);
            if (mpfr_cmpabs(t, term) >= 0)
                break; /* the series starts to diverge */
            mpfr_set(term, t, RN);
            mpfr_add(p, p, term, RN);
            if (mpfr_get_exp(term) < mpfr_get_exp(p) - REF_PREC)
                break;
        }
        mpfr_set_d(t, x, RN);
        mpfr_sqr(t, t, RN);
        mpfr_div_2ui(t, t, 1, RN);
        mpfr_neg(t, t, RN);
        mpfr_exp(t, t, RN); /* e^-z^2 */
        mpfr_mul(p, p, t, RN);
        mpfr_const_pi(t, RN);
        mpfr_div_2ui(t, t, 1, RN);
        mpfr_sqrt(t, t, RN);
        mpfr_mul_d(t, t, ax, RN); /* z sqrt(pi) = |x| sqrt(pi/2) */
        mpfr_div(p, p, t, RN);    /* erfc(z) */
        mpfr_div_2ui(p, p, 1, RN);
        if (x > 0)
            mpfr_ui_sub(p, 1, p, RN);
        return;
    }
    mpfr_set_prec(w, 140 + (mpfr_prec_t)(0.73 * x * x));
    mpfr_sqrt_ui(w, 2, RN);
    mpfr_set_d(t, x, RN);
    mpfr_div(w, t, w, RN); /* -z = x / sqrt(2) */
    mpfr_erf(w, w, RN);    /* erf(x / sqrt(2)) = 1 - erfc(z) */
    mpfr_add_ui(w, w, 1, RN);
    mpfr_div_2ui(p, w, 1, RN);
}

/* The value at x = +-inf (the limits); dir as in golu_ref_mpfr. */
static long double ref_inf(const golu_act *act, golu_dir dir, double x)
{
    int pos = x > 0;
    if (dir == GOLU_DIR_FWD) {
        switch (act->kind) {
        case GOLU_ACT_RELU: return pos ? (long double)x : 0.0L;
        case GOLU_ACT_LEAKY_RELU:
        case GOLU_ACT_PRELU: return pos ? (long double)x : (long double)act->alpha * x;
        case GOLU_ACT_ELU: return pos ? (long double)x : -(long double)act->alpha;
        default: /* x * gate(x): +inf, and -0 at -inf */
            return pos ? (long double)x : -0.0L;
        }
    }
    switch (act->kind) {
    case GOLU_ACT_GOLU: return pos ? (long double)act->alpha : -0.0L;
    case GOLU_ACT_RELU: return pos ? 1.0L : 0.0L;
    case GOLU_ACT_LEAKY_RELU:
    case GOLU_ACT_PRELU: return pos ? 1.0L : (long double)act->alpha;
    case GOLU_ACT_ELU: return pos ? 1.0L : 0.0L;
    default: /* GELU, GELU tanh, SiLU, Mish: 1 and -0 */ return pos ? 1.0L : -0.0L;
    }
}

/*
 * 1 when x is so far out on the negative side that f(x) and f'(x) are below
 * the long double range (|f| < 2^-16445 ~ e^-11398): the result is then -0.
 * Avoids MPFR's own overflow of exp() (to inf, then inf * 0) for huge |x|.
 */
static int ref_negligible(const golu_act *act, double x)
{
    switch (act->kind) {
    case GOLU_ACT_GOLU: /* w >= 2^-1074 e^10000 > e^9000 */ return -act->gamma * x > 1e4;
    case GOLU_ACT_GELU: /* |f| < exp(-x^2/2) */
    case GOLU_ACT_GELU_TANH: /* |f| < |x| exp(0.1 x^3) */ return x < -200.0;
    case GOLU_ACT_SILU: /* |f| < |x| exp(x) */
    case GOLU_ACT_MISH: return x < -12000.0;
    default: return 0;
    }
}

long double golu_ref_mpfr(const golu_act *act, golu_dir dir, double x)
{
    if (isnan(x))
        return (long double)x;
    if (isinf(x))
        return ref_inf(act, dir, x);
    if (ref_negligible(act, x))
        return -0.0L;
    ref_init();
    mpfr_t *v = ref_v;
    mpfr_ptr r = v[0], a = v[1], b = v[2], c = v[3], d = v[4];
    int fwd = dir == GOLU_DIR_FWD;

    switch (act->kind) {
    case GOLU_ACT_GOLU:
        ref_golu_parts(act, x, a, b, c); /* a = e, b = w, c = alpha G */
        if (fwd) {
            mpfr_mul_d(r, c, x, RN);
        } else { /* alpha G (1 + gamma x w) */
            mpfr_mul_d(r, b, x, RN);
            mpfr_mul_d(r, r, act->gamma, RN);
            mpfr_add_ui(r, r, 1, RN);
            mpfr_mul(r, r, c, RN);
        }
        break;
    case GOLU_ACT_RELU:
        if (fwd)
            return x > 0 ? (long double)x : 0.0L;
        return x > 0 ? 1.0L : 0.0L;
    case GOLU_ACT_LEAKY_RELU:
    case GOLU_ACT_PRELU:
        if (!fwd)
            return x > 0 ? 1.0L : (long double)act->alpha;
        if (x > 0)
            return (long double)x;
        mpfr_set_d(r, x, RN);
        mpfr_mul_d(r, r, act->alpha, RN);
        break;
    case GOLU_ACT_ELU:
        if (fwd && x > 0)
            return (long double)x;
        if (!fwd && x >= 0)
            return 1.0L;
        mpfr_set_d(r, x, RN);
        if (fwd)
            mpfr_expm1(r, r, RN);
        else
            mpfr_exp(r, r, RN);
        mpfr_mul_d(r, r, act->alpha, RN);
        break;
    case GOLU_ACT_GELU:
        ref_phi_cdf(x, a, b); /* a = Phi */
        if (fwd) {
            mpfr_mul_d(r, a, x, RN);
        } else { /* Phi + x phi, phi = exp(-x^2/2) / sqrt(2 pi) */
            mpfr_set_d(b, x, RN);
            mpfr_sqr(b, b, RN);
            mpfr_div_2ui(b, b, 1, RN);
            mpfr_neg(b, b, RN);
            mpfr_exp(b, b, RN);
            mpfr_const_pi(c, RN);
            mpfr_mul_2ui(c, c, 1, RN);
            mpfr_sqrt(c, c, RN);
            mpfr_div(b, b, c, RN);
            mpfr_mul_d(b, b, x, RN);
            mpfr_add(r, a, b, RN);
        }
        break;
    case GOLU_ACT_GELU_TANH:
    case GOLU_ACT_SILU:
        /* x s(y): y = 2u(x) for GELU tanh (y' = dy), y = x for SiLU. */
        if (act->kind == GOLU_ACT_SILU) {
            mpfr_set_d(a, x, RN);
            mpfr_set_ui(d, 1, RN);
        } else {
            ref_gelu_tanh_arg(x, a, d, b);
        }
        mpfr_set(c, a, RN);
        ref_sigmoid(b, c); /* b = s(y) */
        if (fwd) {
            mpfr_mul_d(r, b, x, RN);
        } else { /* s (1 + x y' (1 - s)), 1 - s = s(-y) */
            mpfr_neg(a, a, RN);
            ref_sigmoid(c, a);
            mpfr_mul(r, c, d, RN);
            mpfr_mul_d(r, r, x, RN);
            mpfr_add_ui(r, r, 1, RN);
            mpfr_mul(r, r, b, RN);
        }
        break;
    case GOLU_ACT_MISH:
        ref_mish_parts(x, a, b); /* a = T, b = sp */
        if (fwd) {
            mpfr_mul_d(r, a, x, RN);
        } else { /* T + x sech^2(sp) sigmoid(x) */
            mpfr_sech(b, b, RN);
            mpfr_sqr(b, b, RN);
            mpfr_set_d(c, x, RN);
            ref_sigmoid(d, c);
            mpfr_mul(r, b, d, RN);
            mpfr_mul_d(r, r, x, RN);
            mpfr_add(r, r, a, RN);
        }
        break;
    default: return (long double)NAN;
    }
    return mpfr_get_ld(r, RN);
}

long double golu_ref_bwd_scale_mpfr(const golu_act *act, double x)
{
    if (isnan(x))
        return (long double)x;
    int pos = x > 0;
    if (!isinf(x) && ref_negligible(act, x))
        return 0.0L;
    ref_init();
    mpfr_ptr r = ref_v[0], a = ref_v[1], b = ref_v[2], c = ref_v[3];
    switch (act->kind) {
    case GOLU_ACT_GOLU: /* alpha G */
        if (isinf(x))
            return pos ? (long double)act->alpha : 0.0L;
        ref_golu_parts(act, x, a, b, r);
        break;
    case GOLU_ACT_GELU: /* Phi */
        if (isinf(x))
            return pos ? 1.0L : 0.0L;
        ref_phi_cdf(x, r, a);
        break;
    case GOLU_ACT_GELU_TANH: /* sigmoid(2u) = (1 + tanh u) / 2 */
    case GOLU_ACT_SILU:      /* sigmoid(x) */
        if (isinf(x))
            return pos ? 1.0L : 0.0L;
        if (act->kind == GOLU_ACT_SILU)
            mpfr_set_d(a, x, RN);
        else
            ref_gelu_tanh_arg(x, a, b, c);
        ref_sigmoid(r, a);
        break;
    case GOLU_ACT_MISH: /* tanh(softplus(x)) */
        if (isinf(x))
            return pos ? 1.0L : 0.0L;
        ref_mish_parts(x, r, a);
        break;
    default: return 0.0L;
    }
    return mpfr_get_ld(r, RN);
}
