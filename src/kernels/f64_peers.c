/*
 * f64_peers.c - float64 forward and backward of every activation but GoLU
 * (f64_golu.c), and the float64 kernel tables golu_f64_fwd / golu_f64_bwd.
 *
 * Backward: each slope function returns f'(x) unrounded, as (h + l) * 2^m,
 * and dx = dy * f'(x) is rounded once (f64_mul_scaled), subnormal dx too.
 * The errors stated above each function are the worst measured against the
 * 256-bit MPFR oracle (src/ref/reference_mpfr.c) over 10^6 inputs per
 * function: log-uniform over all doubles of both signs plus dense samples of
 * [-50, 50], [-4, 4], [-45, 0] and [-800, -15]; backward errors are in ulps of
 * max(|f'(x)|, s(x)) with s the scale of reference.h (dy = 1; random dy in
 * tests/test_f64.c: the same to 0.001 ulp).
 *
 * Method: SiLU, GELU tanh and Mish are x times a gate computed in
 * double-double from f64_exp_dd_fast() (the gate's argument is a double-double
 * too, so GELU tanh's x^3 term costs nothing in the far tail), and rounded
 * once by fma or f64_round_scaled(), which also rounds subnormal results once.
 * GELU (erf form) uses the C library's erfcl/expl in long double with a
 * first-order correction for the rounding of x/sqrt(2): 11 spare bits where
 * long double is the x87 80-bit type (x86) or binary128; where long double is
 * double, expect erfc's own error (~3 ulp in glibc) instead.
 *
 * Limits: f(+inf) = +inf, f(-inf) = -0 (ELU: -alpha; LeakyReLU: alpha*x),
 * f'(+inf) = 1, f'(-inf) = -0 (ReLU 0, LeakyReLU alpha, ELU +0). NaN in x
 * gives NaN; NaN in dy gives NaN (dy * slope).
 *
 * The element functions but GELU's live in f64_peers.h, shared with the CUDA
 * kernels; this file holds GELU (long double) and the loops over arrays.
 */
#include <math.h>
#include <stddef.h>

#include "f64.h"
#include "f64_peers.h"
#include "internal.h"

/* ------------------------------------------------------------ GELU (erf) */

/*
 * Phi(x) = erfc(z) / 2, z = -x/sqrt(2) = zh + zl (double-double), in long
 * double: erfc(zh + zl) = erfc(zh) - (2/sqrt(pi)) e^-zh^2 zl to first order
 * (the second-order term is below 2^-100 relative). |x| <= 40.
 */
static long double gelu_cdf_ld(double x)
{
    double ph, pl;
    f64_two_prod(x, F64_RSQRT2_HI, &ph, &pl);
    pl += x * F64_RSQRT2_LO;
    double zh = -ph, zl = -pl;
    const long double c = (long double)F64_2_SQRTPI_HI + F64_2_SQRTPI_LO;
    long double z = zh;
    long double e = erfcl(z) - c * expl(-z * z) * zl;
    return 0.5L * e;
}

/* GELU(x) = x Phi(x). Worst measured: 0.5010 ulp at x = -29.167297114666138.
 * x > 40 gives x,
 * x < -40 gives -0 (|f| < e^-800). */
static double gelu_f(double x, const golu_act *act)
{
    (void)act;
    if (x != x || x == 0.0)
        return x + x;
    if (x > 40.0)
        return x;
    if (x < -40.0)
        return -0.0;
    return (double)((long double)x * gelu_cdf_ld(x));
}

/* GELU'(x) = Phi(x) + x phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi) with x^2
 * taken exactly (x^2 = sh + sl, e^-sl/2 to first order). Worst measured:
 * 0.5010 ulp of max(|f'|, Phi) at x = -2.2994315422591907. */
static f64_slope gelu_d(double x, const golu_act *act)
{
    (void)act;
    double sh, sl;
    int e;
    f64_slope w;
    if (x != x)
        return slope_exact(x);
    if (slope_window(deriv_win_gelu(), x, &w))
        return w;
    if (x > 40.0)
        return slope_exact(1.0);
    if (x < -60.0) /* |f'| < 60 e^-1800 */
        return slope_exact(-0.0);
    const long double r = (long double)F64_RSQRT2PI_HI + F64_RSQRT2PI_LO;
    f64_two_prod(x, x, &sh, &sl);
    long double phi = expl(-0.5L * sh) * (1.0L - 0.5L * sl) * r;
    long double d = frexpl(gelu_cdf_ld(x) + (long double)x * phi, &e);
    double h = (double)d;
    return slope_dd(h, (double)(d - h), e);
}

/* ------------------------------------------------------------------ loops */

/* y[i] = f(x[i]); dx[i] = dy[i] * f'(x[i]). Each element is read before its
 * output is written, so y == x, dx == x and dx == dy are fine. */
#define F64_LOOPS(name)                                                                  \
    static void golu_f64_##name##_fwd(const double *x, double *y, size_t n,              \
                                      const golu_act *act)                               \
    {                                                                                    \
        for (size_t i = 0; i < n; i++)                                                   \
            y[i] = name##_f(x[i], act);                                                  \
    }                                                                                    \
    static void golu_f64_##name##_bwd(const double *x, const double *dy, double *dx,     \
                                      size_t n, const golu_act *act)                     \
    {                                                                                    \
        for (size_t i = 0; i < n; i++)                                                   \
            dx[i] = f64_slope_apply(name##_d(x[i], act), dy[i]);                         \
    }

F64_LOOPS(relu)
F64_LOOPS(leaky)
F64_LOOPS(elu)
F64_LOOPS(gelu)
F64_LOOPS(gelu_tanh)
F64_LOOPS(silu)
F64_LOOPS(mish)

/* The tables, one entry per GOLU_ACT_LIST row (internal.h): the row's kernel
 * family's loops, golu_f64_<kern>_fwd/_bwd (GoLU's are in f64_golu.c). */
#define F64_KERNEL(fn) golu_f64_##fn
#define F64_FWD_(...)  GOLU_ACT_KERNEL_ENTRY(F64_KERNEL, fwd, __VA_ARGS__)
#define F64_BWD_(...)  GOLU_ACT_KERNEL_ENTRY(F64_KERNEL, bwd, __VA_ARGS__)

const golu_f64_fwd_fn golu_f64_fwd[GOLU_ACT_COUNT] = {GOLU_ACT_LIST(F64_FWD_)};
const golu_f64_bwd_fn golu_f64_bwd[GOLU_ACT_COUNT] = {GOLU_ACT_LIST(F64_BWD_)};
_Static_assert(sizeof golu_f64_fwd / sizeof golu_f64_fwd[0] == GOLU_ACT_COUNT,
               "golu_f64_fwd: one per kind");
_Static_assert(sizeof golu_f64_bwd / sizeof golu_f64_bwd[0] == GOLU_ACT_COUNT,
               "golu_f64_bwd: one per kind");
