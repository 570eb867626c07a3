/*
 * deriv.h - the derivatives where they vanish: near a zero x0 of f' the
 * kernels compute f'(x) from its Taylor expansion in d = x - x0 instead of
 * from the closed form, whose terms cancel there (docs/MATH.md, section 8).
 *
 *     f'(x0 + d) = c1 d + c2 d^2 + ... + cN d^N,   ck = f^(k+1)(x0) / k!
 *
 * x0 is held as hi + lo (+ lo2) so that d is formed exactly: x - hi is exact
 * (Sterbenz: x is within a factor 2 of hi in the window); float32 takes
 * (x - hi) - lo, float64 keeps d as a double-double from the triple-double
 * hi + lo + lo2 (accurate to 2^-160: the double nearest x0 is only about
 * 2^-55 from it, so d needs x0 to well below 2^-108).
 *
 * The windows: |d| < DERIV_<A>_F32_WIDTH (at most DERIV_F32_WIDTH) with 4
 * coefficients for the float32 family (f32_math.h; truncation below 2^-33
 * relative to f'), |d| <
 * DERIV_F64_WIDTH with 10 for float64 (truncation below 2^-66). Each is wide
 * enough that outside it the closed form is within 0.54 ulp (float32) and
 * 0.52 ulp (float64) of f' itself, measured (docs/ACCURACY.md).
 *
 * Shared with the CUDA kernels (F64_FN is __host__ __device__ there). The
 * coefficients of the fixed activations are in deriv_coeffs.h (generated);
 * general GoLU's are computed per parameter set (deriv_golu.h).
 */
#ifndef GOLU_DERIV_H
#define GOLU_DERIV_H

#include "deriv_coeffs.h"
#include "f64.h"

#define DERIV_F32_WIDTH 0x1p-8 /* the widest float32 window (GELU's) */
/* Each activation's float32 window: GELU's closed form needs 2^-8 to stay
 * within 0.54 ulp of f' outside it, the others 2^-16 (measured); 2^-12 keeps
 * the steps that take the window rare (each costs a branch miss). */
#define DERIV_GOLU_F32_WIDTH      0x1p-12
#define DERIV_GELU_F32_WIDTH      0x1p-8
#define DERIV_GELU_TANH_F32_WIDTH 0x1p-12
#define DERIV_SILU_F32_WIDTH      0x1p-12
#define DERIV_MISH_F32_WIDTH      0x1p-12
#define DERIV_F64_WIDTH           0x1p-6
#define DERIV_NCOEF               10 /* float64: c1 .. c10 */

/* A window: x0 = x0h + x0l + x0l2, c[k] = f^(k+1)(x0)/k! (c[1] the high part of c1,
 * c1l its low part; c[0] unused). */
typedef struct deriv_win {
    double x0h, x0l, x0l2, c1l;
    double c[DERIV_NCOEF + 1];
} deriv_win;

#define DERIV_WIN_INIT(A)                                                                \
    {                                                                                    \
        DERIV_##A##_X0_HI, DERIV_##A##_X0_LO, DERIV_##A##_X0_LO2, DERIV_##A##_C1_LO,     \
        {                                                                                \
            0.0, DERIV_##A##_C1_HI, DERIV_##A##_C2, DERIV_##A##_C3, DERIV_##A##_C4,      \
                DERIV_##A##_C5, DERIV_##A##_C6, DERIV_##A##_C7, DERIV_##A##_C8,          \
                DERIV_##A##_C9, DERIV_##A##_C10                                          \
        }                                                                                \
    }

/* The fixed windows (functions, so that device code has them too). */
F64_FN deriv_win deriv_win_golu(void)
{
    deriv_win w = DERIV_WIN_INIT(GOLU);
    return w;
}
F64_FN deriv_win deriv_win_gelu(void)
{
    deriv_win w = DERIV_WIN_INIT(GELU);
    return w;
}
F64_FN deriv_win deriv_win_gelu_tanh(void)
{
    deriv_win w = DERIV_WIN_INIT(GELU_TANH);
    return w;
}
F64_FN deriv_win deriv_win_silu(void)
{
    deriv_win w = DERIV_WIN_INIT(SILU);
    return w;
}
F64_FN deriv_win deriv_win_mish(void)
{
    deriv_win w = DERIV_WIN_INIT(MISH);
    return w;
}

/*
 * d = (dh + dl) as a double-double: (h + l) = sum c[k] d^k, k = 1..n, c1 as
 * (c[1], c1l). The tail c2 + d (c3 + ...) in double (its rounding errors
 * weigh |d| <= 2^-6 against c1), c1 + d * tail and the product with d in
 * double-double: relative error about 2^-58 plus the truncation.
 */
F64_FN void deriv_poly_dd(const double *c, double c1l, int n, double dh, double dl,
                          double *h, double *l)
{
    double t = c[n];
    for (int k = n - 1; k >= 2; k--)
        t = fma(t, dh, c[k]);
    double ph, pl, sh, sl;
    f64_two_prod(t, dh, &ph, &pl); /* d * tail */
    f64_two_sum(c[1], ph, &sh, &sl);
    sl += pl + c1l + t * dl;
    f64_fast_two_sum(sh, sl, &sh, &sl);
    f64_dd_mul(sh, sl, dh, dl, h, l);
}

/*
 * The float64 window of a fixed activation: 1 and f'(x) in (h + l) when
 * |x - x0| < DERIV_F64_WIDTH, else 0 (NaN gives 0).
 */
F64_FN int deriv_win_f64(const deriv_win *w, double x, double *h, double *l)
{
    double dh = x - w->x0h; /* exact in the window */
    if (!(fabs(dh) < DERIV_F64_WIDTH))
        return 0;
    double d1, d2;
    f64_two_sum(dh, -w->x0l, &d1, &d2);
    f64_fast_two_sum(d1, d2 - w->x0l2, &d1, &d2);
    deriv_poly_dd(w->c, w->c1l, DERIV_NCOEF, d1, d2, h, l);
    return 1;
}

#endif /* GOLU_DERIV_H */
