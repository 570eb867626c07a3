/*
 * gelu_f64_cuda.h - float64 GELU (erf form) on the GPU.
 *
 * The CPU computes Phi(x) with erfcl/expl in long double (f64_peers.c); the
 * GPU has no long double. Here the small tail T = erfc(z)/2, z = |x|/sqrt 2,
 * is erfcx(z) e^(-z^2) / 2: erfcx is CUDA's, e^(-z^2) is f64_exp_dd_fast()
 * of the double-double -z^2 with its exponent kept apart (so nothing is
 * subnormal before the final rounding), and Phi(x) = T for x < 0, 1 - T
 * otherwise: the tail is always the computed part, nothing cancels.
 *
 * Error: CUDA's erfcx is listed at 4 ulp in the CUDA C++ Programming Guide
 * (double-precision functions; from "extensive but not exhaustive" tests,
 * not a guarantee). 4 ulp of erfcx is a relative error of at most 2^-50,
 * which is up to 8 ulp of a result in a less favourable binade; the rest
 * (the correction for the rounding of z, carried unrounded, the exp at
 * 2^-62, the final rounding) adds under 1 ulp: with an erfcx correct to
 * long double in its place, tests/test_cuda_host.c measures at most 1.000
 * ulp from the CPU's result. So GELU and GELU' (in ulps of max(|f'|, Phi),
 * as on the CPU) are within 9 ulp on the GPU, the same bits on every GPU.
 * Not measured on a GPU yet: tests/test_cuda.c checks 10 ulp there.
 *
 * Without nvcc the header is plain C and calls an erfcx() that the includer
 * provides: tests/test_cuda_host.c runs it on the host with an erfcx accurate
 * to long double, which measures this code's own error (the part that is
 * not erfcx's).
 */
#ifndef GOLU_GELU_F64_CUDA_H
#define GOLU_GELU_F64_CUDA_H

#include "f64.h"
#include "f64_peers.h"

#if defined(__CUDACC__)
#define GFN static __device__ inline
#else
#define GFN static inline
#endif

/* z = |x| / sqrt(2) as a normalised double-double. */
GFN void gelu_z(double ax, double *zh, double *zl)
{
    double ph, pl;
    f64_two_prod(ax, F64_RSQRT2_HI, &ph, &pl);
    pl += ax * F64_RSQRT2_LO;
    f64_fast_two_sum(ph, pl, zh, zl);
}

/*
 * For z = zh + zl in [0, 42.5]: e^(-z^2) = 2^m (gh + gl) (returns m), and
 * half of erfcx(z) as the double-double (hh, hl): CUDA's erfcx(zh) plus the
 * first-order correction for zl (erfcx'(z) = 2z erfcx(z) - 2/sqrt(pi)),
 * kept unrounded. -z^2 = -(zh^2 + 2 zh zl) with zh^2 exact (two products),
 * |2 zh zl + the low part| < 2^-40 as f64_exp_dd_fast() needs.
 */
GFN int gelu_gauss(double zh, double zl, double *hh, double *hl, double *gh, double *gl)
{
    double e = erfcx(zh), sh, sl;
    f64_fast_two_sum(0.5 * e, 0.5 * zl * (2.0 * zh * e - F64_2_SQRTPI_HI), hh, hl);
    int m;
    f64_two_prod(zh, zh, &sh, &sl);
    f64_exp_dd_fast(-sh, -(sl + 2.0 * zh * zl), &m, gh, gl);
    return m;
}

/* GELU(x) = x Phi(x). x > 40 gives x, x < -40 gives -0, as on the CPU. */
GFN double gelu_f_cuda(double x, const golu_act *act)
{
    (void)act;
    double zh, zl, hh, hl, gh, gl, th, tl, ph, pl;
    if (x != x || x == 0.0)
        return x + x;
    if (x > 40.0)
        return x;
    if (x < -40.0)
        return -0.0;
    gelu_z(fabs(x), &zh, &zl);
    int m = gelu_gauss(zh, zl, &hh, &hl, &gh, &gl);
    f64_dd_mul(hh, hl, gh, gl, &th, &tl); /* T = 2^m (th + tl) */
    if (x < 0) {
        /* x T rounded once; a tiny x is scaled so that x th stays normal */
        int sc = 0;
        if (fabs(x) < 0x1p-900) {
            x *= 0x1p200;
            sc = 200;
        }
        f64_two_prod(x, th, &ph, &pl);
        pl += x * tl;
        return f64_round_scaled(ph, pl, m - sc);
    }
    if (m < -100)
        return x; /* T < 2^-99: x (1 - T) rounds to x */
    double s = f64_pow2(m);
    f64_dd_add(1.0, 0.0, -th * s, -tl * s, &ph, &pl);
    return f64_mul_dd_round(x, ph, pl);
}

/*
 * GELU'(x) = Phi(x) + x phi(x), phi(x) = e^(-z^2) / sqrt(2 pi): with
 * G = e^(-z^2), G (erfcx/2 + x/sqrt(2 pi)) for x < 0 and
 * 1 + G (x/sqrt(2 pi) - erfcx/2) for x >= 0, in double-double.
 */
GFN f64_slope gelu_d_cuda(double x, const golu_act *act)
{
    (void)act;
    double zh, zl, hh, hl, gh, gl, rh, rl, bh, bl, qh, ql;
    f64_slope w;
    if (x != x)
        return slope_exact(x);
    if (slope_window(deriv_win_gelu(), x, &w)) /* near the zero: deriv.h */
        return w;
    if (x > 40.0)
        return slope_exact(1.0);
    if (x < -60.0) /* |f'| < 60 e^-1800 */
        return slope_exact(-0.0);
    gelu_z(fabs(x), &zh, &zl);
    int m = gelu_gauss(zh, zl, &hh, &hl, &gh, &gl);
    f64_two_prod(x, F64_RSQRT2PI_HI, &rh, &rl); /* x / sqrt(2 pi) */
    rl += x * F64_RSQRT2PI_LO;
    if (x < 0) {
        f64_dd_add(hh, hl, rh, rl, &bh, &bl);
        f64_dd_mul(bh, bl, gh, gl, &qh, &ql);
        return slope_dd(qh, ql, m);
    }
    if (m < -100) /* |f' - 1| < 2^-90: f' rounds to 1 (as in long double) */
        return slope_exact(1.0);
    double s = f64_pow2(m);
    f64_dd_add(rh, rl, -hh, -hl, &bh, &bl);
    f64_dd_mul(bh, bl, gh * s, gl * s, &qh, &ql);
    f64_dd_add(1.0, 0.0, qh, ql, &bh, &bl);
    return slope_dd(bh, bl, 0);
}

#endif
