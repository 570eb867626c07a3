/*
 * f32_math.h - the float32 activations as functions of one vector of doubles,
 * written once against the vector vocabulary (vd, vd_add, vd_fma, ...; see
 * vec_scalar.h for the exact semantics). Included after a vec_*.h by
 * f32_body.h (the CPU loops) and by the CUDA kernels, where vd is one double
 * per thread: the same operations in the same order give the same bits.
 *
 * Method (all activations): widen x to double, compute in double with
 * tables and polynomials accurate to 2^-38 or better, round once to float.
 * The double result carries a relative error of at most about 2^-35 (GELU's
 * erfc tail; GoLU 2^-37.9), so the float32 result is within 0.5 + 2^-11 ulp
 * of the exact value wherever the exact value does not cancel. Only the final conversion
 * can produce a float subnormal; no double intermediate is ever subnormal (the clamps
 * below see to it), so no input takes a slow microcode path.
 *
 * VFN marks these functions: static inline on the CPU, __device__ on the GPU.
 * Worst errors measured over all 2^32 inputs: docs/ACCURACY.md.
 */
#ifndef GOLU_F32_MATH_H
#define GOLU_F32_MATH_H

#include <float.h>

#include "coeffs.h"
#include "deriv.h"
#include "golu.h"
#include "kconsts.h"

#ifndef VFN
#if defined(__GNUC__)
/* Always inlined: GCC outlines some of these on its own (a call per vector
 * in the loops). */
#define VFN static inline __attribute__((always_inline))
#else
#define VFN static inline
#endif
#endif

#define LOG2E 0x1.71547652b82fep+0 /* log2(e) rounded */
#define LN2   0x1.62e42fefa39efp-1 /* ln(2) rounded */

/* Clamps that keep every double intermediate finite and normal. */
#define EXP2_ARG_MAX    1020.0    /* 2^a stays in [2^-1020, 2^1020] */
#define GOLU_B_MIN      (-1020.0) /* outer exp2 argument: G >= 2^-1020 */
#define X_MAX_FOR_SLOPE 0x1p64    /* beyond this f'(x) is its limit in float */

/* f'(-inf) is a limit the clamps cannot reach (they leave a tiny nonzero
 * slope): set it exactly, so that dy = inf at x = -inf gives inf * 0 = NaN as
 * IEEE arithmetic says, not inf. */
VFN vd slope_at_neg_inf(vd x, double limit, vd slope)
{
    return vd_select(vd_gt(vd_set1(-FLT_MAX), x), vd_set1(limit), slope);
}

/*
 * Near a zero x0 = hi + lo of f' (the window of deriv.h): f'(x) as its
 * Taylor polynomial d (c1 + d (c2 + d (c3 + d c4))), d = (x - hi) - lo, the
 * first subtraction exact (dh = x - hi; for general GoLU gamma x - hi),
 * blended into the lanes of `in` (|dh| < width); the other lanes, NaN and
 * infinite x among them, keep `slope`.
 */
VFN vd deriv_window_v(vm in, vd dh, vd slope, double lo, double c1, double c2, double c3,
                      double c4)
{
    vd d = vd_sub(dh, vd_set1(lo));
    vd p = vd_fma(vd_fma(vd_fma(vd_set1(c4), d, vd_set1(c3)), d, vd_set1(c2)), d,
                  vd_set1(c1));
    return vd_select(in, vd_mul(d, p), slope);
}

VFN vm deriv_in_window_v(vd dh, double width)
{
    return vd_gt(vd_set1(width), vd_abs(dh));
}

/*
 * The kernels of an activation with a window: <name>_slope0_v is the closed
 * form, <name>_slope_v the closed form with the window blended in (what the
 * GPU and single vectors use). The CPU loops (f32_body.h) test the floats
 * of a step of two vectors against the window's bounds at once and take the
 * closed form alone when none is inside: a rare, predictable branch, so the
 * common path pays two compares and a test per step and keeps its code
 * (optimized-routines' special-case pattern).
 */
#define DERIV_FIXED_V(name, A)                                                           \
    VFN vd name##_slope_v(vd x, const kconsts *c)                                        \
    {                                                                                    \
        vd dh = vd_sub(x, vd_set1(DERIV_##A##_X0_HI));                                   \
        return deriv_window_v(deriv_in_window_v(dh, DERIV_##A##_F32_WIDTH), dh,          \
                              name##_slope0_v(x, c), DERIV_##A##_X0_LO,                  \
                              DERIV_##A##_C1_HI, DERIV_##A##_C2, DERIV_##A##_C3,         \
                              DERIV_##A##_C4);                                           \
    }

/*
 * The forward with its slope (golu_forward_slope): <name>_fwd_slope0_v(x,
 * c, &slope) returns f(x) with golu_fwd's bits and sets slope to the closed
 * form's (slope0's) bits, computing their common work once;
 * <name>_fwd_slope_v blends the window in as DERIV_FIXED_V does.
 * FWD_SLOPE_PAIR_V makes the pair of a forward and a slope that share
 * nothing worth sharing (or whose clamps differ).
 */
#define FWD_SLOPE_PAIR_V(name, fwd, slope)                                               \
    VFN vd name##_fwd_slope_v(vd x, const kconsts *c, vd *s)                             \
    {                                                                                    \
        *s = slope(x, c);                                                                \
        return fwd(x, c);                                                                \
    }

#define FWD_SLOPE0_PAIR_V(name, fwd, slope0)                                             \
    VFN vd name##_fwd_slope0_v(vd x, const kconsts *c, vd *s)                            \
    {                                                                                    \
        *s = slope0(x, c);                                                               \
        return fwd(x, c);                                                                \
    }

/* The closed-form slope alone, from the pair (the forward's work is then dead
 * code the compiler drops): one formula for the backward and the pair. */
#define SLOPE0_OF_PAIR_V(name)                                                           \
    VFN vd name##_slope0_v(vd x, const kconsts *c)                                       \
    {                                                                                    \
        vd s;                                                                            \
        (void)name##_fwd_slope0_v(x, c, &s);                                             \
        return s;                                                                        \
    }

#define DERIV_FIXED_PAIR_V(name, A)                                                      \
    VFN vd name##_fwd_slope_v(vd x, const kconsts *c, vd *s)                             \
    {                                                                                    \
        vd s0, y = name##_fwd_slope0_v(x, c, &s0);                                       \
        vd dh = vd_sub(x, vd_set1(DERIV_##A##_X0_HI));                                   \
        *s = deriv_window_v(deriv_in_window_v(dh, DERIV_##A##_F32_WIDTH), dh, s0,        \
                            DERIV_##A##_X0_LO, DERIV_##A##_C1_HI, DERIV_##A##_C2,        \
                            DERIV_##A##_C3, DERIV_##A##_C4);                             \
        return y;                                                                        \
    }

/* ------------------------------------------------------------ exponentials */

/*
 * The tables of coeffs.h. The CUDA build keeps a copy in constant memory for
 * the device and one for the host (the VFN functions are both).
 */
#if defined(__CUDACC__)
#define GOLU_TABN(name, n, ...)                                                          \
    static __constant__ double name##_dev[n] = __VA_ARGS__;                              \
    static const double name##_host[n] = __VA_ARGS__;
#if defined(__CUDA_ARCH__)
#define GOLU_TAB(name) name##_dev
#else
#define GOLU_TAB(name) name##_host
#endif
#else
#define GOLU_TABN(name, n, ...) static const double name##_host[n] = __VA_ARGS__;
#define GOLU_TAB(name)          name##_host
#endif
/* (the tables' braces hold commas: passed on as __VA_ARGS__) */
#define GOLU_TAB16(name, ...) GOLU_TABN(name, 16, __VA_ARGS__)
#define GOLU_TAB8(name, ...)  GOLU_TABN(name, 8, __VA_ARGS__)

GOLU_TAB16(exp2t_tab, EXP2T_TAB)
GOLU_TAB16(golu_inner_tab, GOLU_INNER_TAB)

/*
 * 2^a as tab[N mod 16] * 2^floor(N/16) * 2^f: N = round(16 a) (ties to even),
 * f = a - N/16 in [-1/32, 1/32], exact (the shifter 1.5*2^48 has ulp 1/16, so
 * a + shifter rounds a to N/16 and leaves N in its low bits; a - N/16 is
 * exact by Sterbenz's lemma or because N = 0). Returns s and f*Q(f); the
 * callers finish with s + s*f*Q(f) (one fma), or s - 1 + s*f*Q(f) for
 * expm1. Valid for |a| <= 1020 (callers clamp); NaN gives NaN through f.
 */
#define EXP2T_SHIFTER 0x1.8p48

VFN vd exp2t_split(vd a, const double *tab, vd *s)
{
    *s = vd_tab16_pow2(tab, vd_add(a, vd_set1(EXP2T_SHIFTER)));
    return vd_reduce16(a);
}

/* Q(f) and f*Q(f) of the degree-5 polynomial (relative error 2^-47.4 on
 * [-1/32, 1/32]). */
VFN vd exp2t_q5(vd f)
{
    return vd_fma(vd_fma(vd_fma(vd_fma(vd_set1(EXP2T_D5_Q5), f, vd_set1(EXP2T_D5_Q4)), f,
                                vd_set1(EXP2T_D5_Q3)),
                         f, vd_set1(EXP2T_D5_Q2)),
                  f, vd_set1(EXP2T_D5_Q1));
}
VFN vd exp2t_fq5(vd f)
{
    return vd_mul(f, exp2t_q5(f));
}

/* f*Q(f) of the degree-4 polynomial (2^-38.5): GoLU's outer exp. */
VFN vd exp2t_fq4(vd f)
{
    vd q = vd_fma(vd_fma(vd_fma(vd_set1(EXP2T_D4_Q4), f, vd_set1(EXP2T_D4_Q3)), f,
                         vd_set1(EXP2T_D4_Q2)),
                  f, vd_set1(EXP2T_D4_Q1));
    return vd_mul(f, q);
}

/* tab's scale times 2^a (tab: exp2t_tab, or golu_inner_tab for -log2(e)
 * 2^a) with the degree-5 polynomial, a in [-1020, 1020]. */
VFN vd exp2t(vd a, const double *tab)
{
    vd s;
    vd f = exp2t_split(a, tab, &s);
    return vd_fma(s, exp2t_fq5(f), s);
}

/* 2^a for a in [-1020, 1020] (callers clamp): relative error 2^-47.4 plus
 * the table's rounding, 2^-53. */
VFN vd exp2_core(vd a)
{
    return exp2t(a, GOLU_TAB(exp2t_tab));
}

VFN vd clamp_exp2_arg(vd a)
{
    /* max first, then min, both with the data second: NaN passes through. */
    return vd_min(vd_set1(EXP2_ARG_MAX), vd_max(vd_set1(-EXP2_ARG_MAX), a));
}

/*
 * Two builds of each exponential formula below: CLAMPED, for every input
 * (inf and NaN among them: x and the exponents are clamped so that every
 * intermediate is finite and normal), and IN_RANGE, the same arithmetic
 * with the clamps left out, for inputs where none of them binds: there it
 * gives the same bits with two to seven operations fewer per vector. The
 * CPU loops (f32_body.h) take the IN_RANGE build (<name>_inr_*) for a step
 * whose floats all lie in its range, <NAME>_INR_LO..HI; the GPU takes the
 * CLAMPED one everywhere.
 */
#define CLAMPED  1
#define IN_RANGE 0

/* max(lo, x) and min(hi, x) when clamping, the data second (NaN passes). */
VFN vd clamp_lo(int clamp, double lo, vd x)
{
    return clamp ? vd_max(vd_set1(lo), x) : x;
}
VFN vd clamp_hi(int clamp, double hi, vd x)
{
    return clamp ? vd_min(vd_set1(hi), x) : x;
}

/* 2^a, a clamped to [-1020, 1020] when clamping. */
VFN vd exp2_cl(vd a, int clamp)
{
    return exp2_core(clamp ? clamp_exp2_arg(a) : a);
}

/* e^x, clamped to [2^-1020, 2^1020] when clamping: relative error 2^-47 +
 * |x|*2^-53. */
VFN vd exp_cl(vd x, int clamp)
{
    return exp2_cl(vd_mul(x, vd_set1(LOG2E)), clamp);
}
VFN vd exp_v(vd x)
{
    return exp_cl(x, CLAMPED);
}

/*
 * e^-z as s * 2^f, the table step of exp_v(-z) (z * -log2(e) is
 * -(z * log2(e)) exactly: the rounding is symmetric, one subtraction
 * fewer); e^-z itself is then s + s*f*Q(f), as exp2t finishes. And 1 + e^-z
 * with the sum folded into the polynomial: 1 + s * (1 + f*Q(f)), two fmas
 * after Q where 1 + e^-z takes a product, an fma and a sum (SiLU's and
 * GELU tanh's forward 3-6 % faster on AVX-512). Relative errors 2^-47.4
 * (the polynomial's) plus two roundings of 2^-53; e^-z clamped to
 * [2^-1020, 2^1020] when clamping.
 */
VFN vd exp_neg_split(vd z, int clamp, vd *s)
{
    vd a = vd_mul(z, vd_set1(-LOG2E));
    return exp2t_split(clamp ? clamp_exp2_arg(a) : a, GOLU_TAB(exp2t_tab), s);
}
VFN vd one_plus_exp_of_split(vd s, vd f, vd q)
{
    return vd_fma(s, vd_fma(f, q, vd_set1(1.0)), vd_set1(1.0));
}
VFN vd one_plus_exp_neg_cl(vd z, int clamp)
{
    vd s;
    vd f = exp_neg_split(z, clamp, &s);
    return one_plus_exp_of_split(s, f, exp2t_q5(f));
}

/* clang-format off: it joins the macro calls below, and not the same way twice */
/* The forward, its pair with the slope and the slope alone of an
 * activation <name> from <name>_fwd_cl and <name>_fwd_slope0_cl: the
 * CLAMPED build under the plain names, the IN_RANGE one as <name>_inr. */
#define CLAMP_BUILDS_V(name)                                                             \
    VFN vd name##_fwd_v(vd x, const kconsts *c)                                          \
    {                                                                                    \
        return name##_fwd_cl(x, c, CLAMPED);                                             \
    }                                                                                    \
    VFN vd name##_inr_fwd_v(vd x, const kconsts *c)                                      \
    {                                                                                    \
        return name##_fwd_cl(x, c, IN_RANGE);                                            \
    }                                                                                    \
    VFN vd name##_fwd_slope0_v(vd x, const kconsts *c, vd *s)                            \
    {                                                                                    \
        return name##_fwd_slope0_cl(x, c, s, CLAMPED);                                   \
    }                                                                                    \
    VFN vd name##_inr_fwd_slope0_v(vd x, const kconsts *c, vd *s)                        \
    {                                                                                    \
        return name##_fwd_slope0_cl(x, c, s, IN_RANGE);                                  \
    }                                                                                    \
    SLOPE0_OF_PAIR_V(name)                                                               \
    SLOPE0_OF_PAIR_V(name##_inr)

/* ... with the derivative window A (deriv.h) blended into both. */
#define CLAMP_BUILDS_WIN_V(name, A)                                                      \
    CLAMP_BUILDS_V(name)                                                                 \
    DERIV_FIXED_V(name, A)                                                               \
    DERIV_FIXED_V(name##_inr, A)                                                         \
    DERIV_FIXED_PAIR_V(name, A)                                                          \
    DERIV_FIXED_PAIR_V(name##_inr, A)
/* clang-format on */

/* slope_at_neg_inf when clamping (no input in a range is -inf). */
VFN vd slope_at_neg_inf_cl(int clamp, vd x, double limit, vd slope)
{
    return clamp ? slope_at_neg_inf(x, limit, slope) : slope;
}

/* e^x - 1 for x <= 0 (ELU): s - 1 + s*f*Q(f). Near 0, N = 0 and s = 1
 * exactly, so the result is f*Q(f) with no cancellation; elsewhere
 * |e^x - 1| >= 0.021 and s - 1 is exact or small against it. */
VFN vd expm1_neg_v(vd x)
{
    vd a = vd_max(vd_set1(-100.0), vd_mul(x, vd_set1(LOG2E)));
    vd s;
    vd f = exp2t_split(a, GOLU_TAB(exp2t_tab), &s);
    return vd_fma(s, exp2t_fq5(f), vd_sub(s, vd_set1(1.0)));
}

/* ------------------------------------------------------------------- GoLU */

/*
 * The gate G = exp(-exp(-x)) and the outer exponent b = -log2(e)*exp(-x), for
 * x already clamped to [GOLU1_X_MIN, GOLU1_X_MAX]: b = -log2(e) * 2^a with
 * a = -x log2(e), then G = 2^b. b's relative error, 2^-46.3 (the degree-5
 * polynomial's 2^-47.4, the table's and the fma's roundings, and a's
 * rounding times |a| ln 2 <= 40), is amplified by |b| ln 2 = exp(-x) (at
 * most 89 where the float result is normal): 2^-39.8; the outer degree-4
 * polynomial adds 2^-38.5 and the products 2^-52. So the double result is
 * within 2^-37.9 of exact, and the float result within 0.5 + 2^-13.9 =
 * 0.50007 ulp.
 */
#define GOLU1_X_MIN  (-5.5)      /* GoLU'(-5.5) = -8.9e-104: times any float, +-0 */
#define GOLU1_X_MAX  40.0        /* exp(-40) = 4e-18: G = 1 to 2^-29 */
#define GOLU1_INR_LO GOLU1_X_MIN /* the clamps bind outside */
#define GOLU1_INR_HI GOLU1_X_MAX

VFN vd golu1_gate(vd xc, vd *b_out)
{
    vd s2;
    vd b = exp2t(vd_mul(xc, vd_set1(-LOG2E)), GOLU_TAB(golu_inner_tab));
    *b_out = b;
    vd f2 = exp2t_split(b, GOLU_TAB(exp2t_tab), &s2);
    return vd_fma(s2, exp2t_fq4(f2), s2);
}

/* GoLU with alpha = beta = gamma = 1. Below -5.5 the result is -0 (computed
 * at -5.5 and rounded); above 40 the gate is 1 to 2^-29, so GoLU(x) = x and
 * +inf gives +inf. Worst: 0.5xx ulp (docs/ACCURACY.md). */
VFN vd golu1_fwd_cl(vd x, const kconsts *c, int clamp)
{
    (void)c;
    vd xl = clamp_lo(clamp, GOLU1_X_MIN, x);
    vd b;
    vd g = golu1_gate(clamp_hi(clamp, GOLU1_X_MAX, xl), &b);
    return vd_mul(xl, g);
}

/* GoLU'(x) = G * (1 + x exp(-x)) = G * fma(b, -x ln 2, 1): no inf*0, and near
 * the zero at x = -0.567 the second factor's absolute error is 2^-40 (the
 * contract is 1 ulp of G there). */
/* Both from one gate: golu1_fwd_v's clamped x below, then the slope's. */
VFN vd golu1_fwd_slope0_cl(vd x, const kconsts *c, vd *slope, int clamp)
{
    (void)c;
    vd xl = clamp_lo(clamp, GOLU1_X_MIN, x);
    vd xc = clamp_hi(clamp, GOLU1_X_MAX, xl);
    vd b;
    vd g = golu1_gate(xc, &b);
    *slope = slope_at_neg_inf_cl(
        clamp, x, -0.0, vd_mul(g, vd_fma(b, vd_mul(xc, vd_set1(-LN2)), vd_set1(1.0))));
    return vd_mul(xl, g);
}
CLAMP_BUILDS_WIN_V(golu1, GOLU)

/*
 * General parameters: G = exp(-beta*exp(-gamma*x)). The clamps are on the
 * exponents instead of x (where GoLU saturates depends on the parameters):
 * a = -gamma*x*log2(e) in [-1020, 1020], b = beta * (-log2(e)) * 2^a at
 * least -1020, so every intermediate is finite and normal. x itself is
 * clamped below at -FLT_MAX so that -inf gives alpha*(-FLT_MAX)*2^-1020 -> -0.
 */
VFN vd golu_gate(vd xl, const kconsts *c, vd *b_out)
{
    vd a = clamp_exp2_arg(vd_mul(xl, vd_set1(c->neg_gamma_log2e)));
    vd b = exp2t(a, GOLU_TAB(golu_inner_tab));
    b = vd_max(vd_set1(GOLU_B_MIN), vd_mul(b, vd_set1(c->beta)));
    *b_out = b;
    return exp2_core(b);
}

VFN vd golu_fwd_v(vd x, const kconsts *c)
{
    vd xl = vd_max(vd_set1(-FLT_MAX), x);
    vd b;
    vd g = golu_gate(xl, c, &b);
    return vd_mul(vd_mul(xl, vd_set1(c->alpha)), g);
}

/* alpha*G*(1 + beta*gamma*x*exp(-gamma*x)), the second factor as
 * fma(b, -gamma*ln2*x, 1); x clamped above at 2^64 so that +inf gives the
 * limit alpha instead of inf*0. */
VFN vd golu_slope0_v(vd x, const kconsts *c)
{
    vd xl = vd_min(vd_set1(X_MAX_FOR_SLOPE), vd_max(vd_set1(-FLT_MAX), x));
    vd b;
    vd g = golu_gate(xl, c, &b);
    vd s = vd_fma(b, vd_mul(xl, vd_set1(c->neg_gamma_ln2)), vd_set1(1.0));
    return slope_at_neg_inf(x, -0.0, vd_mul(vd_mul(g, vd_set1(c->alpha)), s));
}

/* General GoLU's window, in t = gamma x: gamma x - th rounded once (d's
 * relative error 2^-53); win_w = 0 (no window) selects no lane. */
VFN vd golu_slope_v(vd x, const kconsts *c)
{
    vd dh = vd_fma(vd_set1(c->gamma), x, vd_set1(-c->win_th));
    return deriv_window_v(deriv_in_window_v(dh, c->win_w), dh, golu_slope0_v(x, c),
                          c->win_tl, c->win_c[1], c->win_c[2], c->win_c[3], c->win_c[4]);
}

/* x clamped at 2^64 for the slope can change general GoLU's gate (small
 * gamma): computed apart. */
FWD_SLOPE0_PAIR_V(golu, golu_fwd_v, golu_slope0_v)
FWD_SLOPE_PAIR_V(golu, golu_fwd_v, golu_slope_v)

/* ------------------------------------------------------------ ReLU family */

/* ReLU(x) = x > 0 ? x : +0; NaN stays NaN. Exact. */
VFN vd relu_fwd_v(vd x, const kconsts *c)
{
    (void)c;
    /* max(0, x) keeps NaN but gives -0 for -0; adding +0 makes it +0. */
    return vd_add(vd_max(vd_set1(0.0), x), vd_set1(0.0));
}

/* LeakyReLU / PReLU: x > 0 ? x : alpha*x, rounded once. */
VFN vd leaky_fwd_v(vd x, const kconsts *c)
{
    return vd_select(vd_gt(x, vd_set1(0.0)), x, vd_mul(x, vd_set1(c->alpha)));
}

/* Slope of the ReLU family: 1 for x > 0, alpha for x <= 0 (the left
 * derivative at 0), NaN for NaN. */
VFN vd leaky_slope_v(vd x, const kconsts *c)
{
    vd s = vd_select(vd_gt(x, vd_set1(0.0)), vd_set1(1.0), vd_set1(c->alpha));
    return vd_select(vd_isnan(x), x, s);
}

VFN vd relu_slope_v(vd x, const kconsts *c)
{
    (void)c;
    vd s = vd_select(vd_gt(x, vd_set1(0.0)), vd_set1(1.0), vd_set1(0.0));
    return vd_select(vd_isnan(x), x, s);
}

/* -------------------------------------------------------------------- ELU */

/* ELU: x > 0 ? x : alpha*(e^x - 1). */
VFN vd elu_fwd_v(vd x, const kconsts *c)
{
    return vd_select(vd_gt(x, vd_set1(0.0)), x,
                     vd_mul(vd_set1(c->alpha), expm1_neg_v(x)));
}

/* ELU': x >= 0 ? 1 : alpha*e^x (1 at 0, from the right). */
VFN vd elu_slope_v(vd x, const kconsts *c)
{
    vd s = vd_select(vd_ge(x, vd_set1(0.0)), vd_set1(1.0),
                     vd_mul(vd_set1(c->alpha), exp_v(x)));
    return slope_at_neg_inf(x, 0.0, s);
}

FWD_SLOPE_PAIR_V(relu, relu_fwd_v, relu_slope_v)
FWD_SLOPE_PAIR_V(leaky, leaky_fwd_v, leaky_slope_v)
FWD_SLOPE_PAIR_V(elu, elu_fwd_v, elu_slope_v)

/* ------------------------------------- x * sigmoid(z(x)): SiLU, GELU tanh */

/* x / (1 + e^-z): no cancellation for either sign of z. */
VFN vd x_sigmoid(vd xl, vd z, int clamp)
{
    return vd_div(xl, one_plus_exp_neg_cl(z, clamp));
}

/*
 * x_sigmoid(xl, z) and d/dx [x sigmoid(z)] = (d + x z' e) / d^2 (at xb) from
 * one exponential, e = e^-z, d = 1 + e: one fma and one product before the
 * division (s + x z' e s^2 with s = 1/d took two products after it, on the
 * division's latency: the backward 8 % slower). d^2 is finite for
 * z >= SIGMOID_Z_MIN, which the callers' ranges (<NAME>_INR_LO) keep and
 * the CLAMPED build clamps to: below it every float result is +-0 (or
 * +-inf for an infinite dy), as the clamped z gives too, the forward's
 * x / d included (|x| / e^350 < 2^-377).
 */
#define SIGMOID_Z_MIN (-350.0) /* e^350 = 2^504.9: d^2 < 2^1010 */

/* The slope's x: clamped to +-2^64 when clamping (+inf gives the limit
 * instead of inf*0; below -2^64, x z' e / d^2 <= 2^190 / e^350 keeps the
 * tanh form's x^3 from lifting the slope out of float's zeros). */
VFN vd sigmoid_slope_x(int clamp, vd xl)
{
    return clamp_lo(clamp, -X_MAX_FOR_SLOPE, clamp_hi(clamp, X_MAX_FOR_SLOPE, xl));
}

VFN vd x_sigmoid_pair(vd xl, vd xb, vd z, vd dz, vd *slope, int clamp)
{
    vd s;
    vd f = exp_neg_split(clamp_lo(clamp, SIGMOID_Z_MIN, z), clamp, &s);
    vd q = exp2t_q5(f);
    vd e = vd_fma(s, vd_mul(f, q), s); /* e^-z, as exp2t finishes it */
    vd d = vd_add(vd_set1(1.0), e);
    *slope = vd_div(vd_fma(vd_mul(xb, dz), e, d), vd_mul(d, d));
    /* The forward's d, one_plus_exp_neg_cl's (beyond SIGMOID_Z_MIN, where z
     * was clamped, both quotients round to the same float zero). */
    return vd_div(xl, one_plus_exp_of_split(s, f, q));
}

VFN vd clamp_x_fwd_cl(int clamp, vd x)
{
    return clamp_lo(clamp, -FLT_MAX, x);
}
VFN vd clamp_x_slope(vd x)
{
    return vd_min(vd_set1(X_MAX_FOR_SLOPE), vd_max(vd_set1(-FLT_MAX), x));
}

/* SiLU(x) = x / (1 + e^-x); the clamps bind beyond |x| = 707, the
 * slope's z clamp (SIGMOID_Z_MIN) below -350. */
#define SILU_INR_LO SIGMOID_Z_MIN
#define SILU_INR_HI (-SIGMOID_Z_MIN)

VFN vd silu_fwd_cl(vd x, const kconsts *c, int clamp)
{
    (void)c;
    vd xl = clamp_x_fwd_cl(clamp, x);
    return x_sigmoid(xl, xl, clamp);
}

/* One exponential, of the forward's x: where the slope's x (clamped at
 * +-2^64) differs, x is beyond SIGMOID_Z_MIN or e^-x is clamped to 2^-1020. */
VFN vd silu_fwd_slope0_cl(vd x, const kconsts *c, vd *slope, int clamp)
{
    (void)c;
    vd xl = clamp_x_fwd_cl(clamp, x);
    vd xb = sigmoid_slope_x(clamp, xl);
    vd s;
    vd y = x_sigmoid_pair(xl, xb, xl, vd_set1(1.0), &s, clamp);
    *slope = slope_at_neg_inf_cl(clamp, x, -0.0, s);
    return y;
}
CLAMP_BUILDS_WIN_V(silu, SILU)

/* GELU, tanh form: 0.5 x (1 + tanh(u)) = x sigmoid(2u),
 * 2u = x (c1 + c2 x^2), c1 = 2 sqrt(2/pi), c2 = c1 * 0.044715. */
#define GELU_TANH_C1 0x1.9884533d43651p+0 /* 2*sqrt(2/pi) */
#define GELU_TANH_C2 0x1.2444f2a4d8b4bp-4 /* 2*sqrt(2/pi)*0.044715 */

/* |2u| < 350 for |x| <= 16 (|2u| < 318): no clamp binds, SIGMOID_Z_MIN's
 * neither. */
#define GELU_TANH_INR_LO (-16.0)
#define GELU_TANH_INR_HI 16.0

VFN vd gelu_tanh_fwd_cl(vd x, const kconsts *c, int clamp)
{
    (void)c;
    vd xl = clamp_x_fwd_cl(clamp, x);
    vd x2 = vd_mul(xl, xl);
    vd z = vd_mul(xl, vd_fma(x2, vd_set1(GELU_TANH_C2), vd_set1(GELU_TANH_C1)));
    return x_sigmoid(xl, z, clamp);
}

/* One exponential, of the forward's z: where the slope's x (clamped at
 * +-2^64) differs, z is beyond SIGMOID_Z_MIN or e^-z is clamped to 2^-1020. */
VFN vd gelu_tanh_fwd_slope0_cl(vd x, const kconsts *c, vd *slope, int clamp)
{
    (void)c;
    vd xl = clamp_x_fwd_cl(clamp, x);
    vd xb = sigmoid_slope_x(clamp, xl);
    vd z =
        vd_mul(xl, vd_fma(vd_mul(xl, xl), vd_set1(GELU_TANH_C2), vd_set1(GELU_TANH_C1)));
    vd dz = vd_fma(vd_mul(xb, xb), vd_set1(3.0 * GELU_TANH_C2), vd_set1(GELU_TANH_C1));
    vd s;
    vd y = x_sigmoid_pair(xl, xb, z, dz, &s, clamp);
    *slope = slope_at_neg_inf_cl(clamp, x, -0.0, s);
    return y;
}
CLAMP_BUILDS_WIN_V(gelu_tanh, GELU_TANH)

/* ------------------------------------------------------------ GELU (erf) */

#define SQRT1_2 0x1.6a09e667f3bcdp-1

/* erfc(z) for z >= 0: t exp(-z^2 + S(u)) with t = 2/(2+z) (coeffs.h), 0 for
 * z > 12 (erfc(12) = 1.4e-64: every float GELU there is 0). Relative error
 * 2^-35.4 from S, plus z^2 * 2^-53 from rounding the exponent. NaN passes. */
VFN vd erfc_pos_v(vd z)
{
    vd zc = vd_min(vd_set1(ERFC_ZMAX), z);
    vd t = vd_div(vd_set1(2.0), vd_add(vd_set1(2.0), zc));
    vd u = vd_fma(t, vd_set1(ERFC_U_SCALE), vd_set1(ERFC_U_SHIFT));
    vd s = vd_set1(ERFC_S14);
    s = vd_fma(s, u, vd_set1(ERFC_S13));
    s = vd_fma(s, u, vd_set1(ERFC_S12));
    s = vd_fma(s, u, vd_set1(ERFC_S11));
    s = vd_fma(s, u, vd_set1(ERFC_S10));
    s = vd_fma(s, u, vd_set1(ERFC_S9));
    s = vd_fma(s, u, vd_set1(ERFC_S8));
    s = vd_fma(s, u, vd_set1(ERFC_S7));
    s = vd_fma(s, u, vd_set1(ERFC_S6));
    s = vd_fma(s, u, vd_set1(ERFC_S5));
    s = vd_fma(s, u, vd_set1(ERFC_S4));
    s = vd_fma(s, u, vd_set1(ERFC_S3));
    s = vd_fma(s, u, vd_set1(ERFC_S2));
    s = vd_fma(s, u, vd_set1(ERFC_S1));
    s = vd_fma(s, u, vd_set1(ERFC_S0));
    vd e = vd_mul(t, exp_v(vd_fma(vd_sub(vd_set1(0.0), zc), zc, s)));
    return vd_select(vd_gt(z, vd_set1(ERFC_ZMAX)), vd_set1(0.0), e);
}

GOLU_TAB8(gelu_s0, GELU_S_C0)
GOLU_TAB8(gelu_s1, GELU_S_C1)
GOLU_TAB8(gelu_s2, GELU_S_C2)
GOLU_TAB8(gelu_s3, GELU_S_C3)
GOLU_TAB8(gelu_s4, GELU_S_C4)
GOLU_TAB8(gelu_s5, GELU_S_C5)
GOLU_TAB8(gelu_s6, GELU_S_C6)
GOLU_TAB8(gelu_s7, GELU_S_C7)
GOLU_TAB8(gelu_s8, GELU_S_C8)

#define GELU_S_STEP(p, k) vd_fma(p, u, vd_tab8(GOLU_TAB(gelu_s##k), t))

/*
 * Phi(-|x|) on the central range |x| < GELU_XFAST, where most inputs lie,
 * from nax = -|x|: S(|x|)^4 with S from piece j = floor(2|x|) of coeffs.h, a
 * polynomial in u = frac(2|x|) whose coefficients are looked up by j.
 * Phi(-x)^(1/4) falls slowly enough for degree 8 on pieces of width 1/2:
 * relative error 2^-42.4 after the two squarings, no exponential, no
 * division. Outside the range the result is garbage; the callers blend it
 * away.
 */
VFN vd gelu_tail_central(vd nax)
{
    vd y = vd_mul(nax, vd_set1(-8.0 / GELU_XFAST)); /* 2|x|: exact */
    vd u = vd_frac(y);
    vd t = vd_floor_index(y, u); /* j in the low bits */
    vd s = vd_tab8(GOLU_TAB(gelu_s8), t);
    s = GELU_S_STEP(s, 7);
    s = GELU_S_STEP(s, 6);
    s = GELU_S_STEP(s, 5);
    s = GELU_S_STEP(s, 4);
    s = GELU_S_STEP(s, 3);
    s = GELU_S_STEP(s, 2);
    s = GELU_S_STEP(s, 1);
    s = GELU_S_STEP(s, 0);
    vd s2 = vd_mul(s, s);
    return vd_mul(s2, s2);
}

/* phi(x) = e^(-x^2/2) / sqrt(2 pi), the normal density, as 2^(-x^2 log2(e)/2)
 * with 1/sqrt(2 pi) in the table (each entry rounded once), from x or -|x|:
 * relative error 2^-47 plus x^2/2 times 2^-53. The exponent is clamped only
 * when clamp is set: for |x| < GELU_XFAST it needs no clamp. */
GOLU_TAB16(gelu_dens_tab, GELU_DENS_TAB)

VFN vd gelu_density(vd x, int clamp)
{
    vd a = vd_mul(vd_mul(x, x), vd_set1(-0.5 * LOG2E));
    return exp2t(clamp ? clamp_exp2_arg(a) : a, GOLU_TAB(gelu_dens_tab));
}

/* -|x| with a NaN taken as -0 (vd_min returns its second operand on NaN): the
 * caller's x then brings the only NaN to the result, its payload and sign
 * the same on every path. */
VFN vd gelu_neg_abs(vd x)
{
    return vd_min(vd_nabs(x), vd_set1(-0.0));
}

/* Phi(-|x|) for every x from nax = gelu_neg_abs(x): the central pieces below
 * GELU_XFAST, erfc beyond; and the density phi(x) in *dens unless dens is
 * NULL (the forward needs none). */
VFN vd gelu_tail(vd nax, vd *dens)
{
    if (dens)
        *dens = gelu_density(nax, CLAMPED);
    vd q = gelu_tail_central(nax);
    vd qe = vd_mul(vd_set1(0.5), erfc_pos_v(vd_mul(nax, vd_set1(-SQRT1_2))));
    return vd_select(vd_gt(nax, vd_set1(-GELU_XFAST)), q, qe);
}

/* Phi(x) = q for x < 0, 1 - q otherwise, q = Phi(-|x|): the small tail is
 * always the one computed, so neither side cancels. */
VFN vd normal_cdf_from_tail(vd x, vd q)
{
    return vd_select(vd_gt(vd_set1(0.0), x), q, vd_sub(vd_set1(1.0), q));
}

/* x Phi(x) = max(x, 0) - |x| q with q = Phi(-|x|), nax = -|x| (finite): one
 * rounding, and no selection between the two sides. max(-0, x) keeps the
 * sign of a zero result as x Phi(x) has it: -0 for x <= -0 (x Phi(x) < 0 or
 * -0), x itself for x >= +0. */
VFN vd gelu_x_cdf(vd x, vd nax, vd q)
{
    return vd_fma(nax, q, vd_max(vd_set1(-0.0), x));
}

/*
 * GELU(x) = x Phi(x). The _central forms are the same arithmetic for
 * |x| < GELU_XFAST alone (the CPU loops take them for steps whose inputs
 * all lie there, f32_body.h): they give the same bits there. The product
 * takes -|x| clamped to -FLT_MAX so that x = +inf (q = 0) gives inf, not
 * inf * 0.
 */
VFN vd gelu_fwd_v(vd x, const kconsts *c)
{
    (void)c;
    vd xl = clamp_x_fwd_cl(CLAMPED, x);
    vd nax = gelu_neg_abs(xl);
    vd q = gelu_tail(nax, NULL);
    return gelu_x_cdf(xl, vd_max(vd_set1(-FLT_MAX), nax), q);
}

VFN vd gelu_fwd_central_v(vd x, const kconsts *c)
{
    (void)c;
    vd nax = vd_nabs(x);
    return gelu_x_cdf(x, nax, gelu_tail_central(nax));
}

/* GELU' = Phi(x) + x phi(x). */
VFN vd gelu_slope0_v(vd x, const kconsts *c)
{
    (void)c;
    vd xb = clamp_x_slope(x);
    vd dens;
    vd q = gelu_tail(gelu_neg_abs(xb), &dens);
    return slope_at_neg_inf(x, -0.0, vd_fma(xb, dens, normal_cdf_from_tail(xb, q)));
}
DERIV_FIXED_V(gelu, GELU)

VFN vd gelu_central_slope0_v(vd x, const kconsts *c)
{
    (void)c;
    vd q = gelu_tail_central(vd_nabs(x));
    vd dens = gelu_density(x, IN_RANGE);
    return vd_fma(x, dens, normal_cdf_from_tail(x, q));
}
DERIV_FIXED_V(gelu_central, GELU)

/* One tail for both: the slope's x (clamped at 2^64) and the forward's
 * give the same tail (0 and the density's clamp) wherever they differ. */
VFN vd gelu_fwd_slope0_v(vd x, const kconsts *c, vd *slope)
{
    (void)c;
    vd xl = clamp_x_fwd_cl(CLAMPED, x);
    vd xb = vd_min(vd_set1(X_MAX_FOR_SLOPE), xl);
    vd nax = gelu_neg_abs(xl);
    vd dens;
    vd q = gelu_tail(nax, &dens);
    *slope = slope_at_neg_inf(x, -0.0, vd_fma(xb, dens, normal_cdf_from_tail(xb, q)));
    return gelu_x_cdf(xl, vd_max(vd_set1(-FLT_MAX), nax), q);
}
DERIV_FIXED_PAIR_V(gelu, GELU)

VFN vd gelu_central_fwd_slope0_v(vd x, const kconsts *c, vd *slope)
{
    (void)c;
    vd nax = vd_nabs(x);
    vd q = gelu_tail_central(nax);
    vd dens = gelu_density(x, IN_RANGE);
    *slope = vd_fma(x, dens, normal_cdf_from_tail(x, q));
    return gelu_x_cdf(x, nax, q);
}
DERIV_FIXED_PAIR_V(gelu_central, GELU)

/* ------------------------------------------------------------------- Mish */

/* Mish(x) = x tanh(log(1 + e^x)) = x n / (n + 2) with n = w (w + 2), w = e^x
 * (tanh(log(1+w)) = ((1+w)^2 - 1) / ((1+w)^2 + 1)): no cancellation. */
#define MISH_X_MAX  40.0     /* n/(n+2) == 1 in double well before this */
#define MISH_INR_LO (-700.0) /* the exponential's clamp binds below -707 */
#define MISH_INR_HI MISH_X_MAX

VFN vd mish_fwd_cl(vd x, const kconsts *c, int clamp)
{
    (void)c;
    vd xl = clamp_x_fwd_cl(clamp, x);
    vd w = exp_cl(clamp_hi(clamp, MISH_X_MAX, xl), clamp);
    vd n = vd_mul(w, vd_add(w, vd_set1(2.0)));
    return vd_mul(xl, vd_div(n, vd_add(n, vd_set1(2.0))));
}

/* Mish' = T + x sech^2(sp) sigmoid(x), T = n/(n+2),
 * sech^2(sp) = 4 (n+1) / (n+2)^2, sigmoid(x) = w / (1 + w); the forward with
 * it from one exponential (both clamp it at 40) and one n/(n+2). */
VFN vd mish_fwd_slope0_cl(vd x, const kconsts *c, vd *slope, int clamp)
{
    (void)c;
    vd xl = clamp_x_fwd_cl(clamp, x);
    vd xb = clamp_hi(clamp, X_MAX_FOR_SLOPE, xl);
    vd w = exp_cl(clamp_hi(clamp, MISH_X_MAX, xl), clamp);
    vd n = vd_mul(w, vd_add(w, vd_set1(2.0)));
    vd n2 = vd_add(n, vd_set1(2.0));
    vd t = vd_div(n, n2);
    vd sech2 = vd_div(vd_mul(vd_set1(4.0), vd_add(n, vd_set1(1.0))), vd_mul(n2, n2));
    vd sig = vd_div(w, vd_add(w, vd_set1(1.0)));
    *slope = slope_at_neg_inf_cl(clamp, x, -0.0, vd_fma(vd_mul(xb, sech2), sig, t));
    return vd_mul(xl, t);
}
CLAMP_BUILDS_WIN_V(mish, MISH)

/* The default parameters take the specialised GoLU kernels. */
VFN int golu_is_default(const golu_act *act)
{
    return act->alpha == 1.0 && act->beta == 1.0 && act->gamma == 1.0;
}

#endif
