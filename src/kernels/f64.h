/*
 * f64.h - double-double helpers shared by the float64 kernels (f64_golu.c,
 * f64_peers.c, through f64_golu.h and f64_peers.h) and by the CUDA kernels
 * (src/cuda), which run the same code on the GPU. Never in the public API.
 *
 * A double-double (hi, lo) stands for the unevaluated sum hi + lo. The
 * building blocks are the classic error-free transformations (two_sum,
 * two_prod with fma), an exp of a double-double argument that returns
 * 2^m * (hi + lo) with about 2^-70 relative error, and a final rounding of
 * (hi + lo) * 2^m that rounds once, also into the subnormal range.
 *
 * Everything relies on -ffp-contract=off (no fma we did not write) and on
 * round-to-nearest.
 */
#ifndef GOLU_F64_H
#define GOLU_F64_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "convert16.h"
#include "internal.h"

/*
 * F64_FN marks every element-level function of the float64 kernels: static
 * inline in C, and also __host__ __device__ under nvcc, so that the CUDA
 * kernels call the very same code (CUDA's double +, -, *, /, fma, floor,
 * frexp, ilogb, scalbn are exact or correctly rounded, as in C).
 */
#if defined(__CUDACC__)
#define F64_FN static __host__ __device__ inline
#else
#define F64_FN static inline
#endif

/* 2^(j/256), j = 0..255, {hi, lo} interleaved (f64_golu.c). Device code
 * reads its own copy in device memory (F64_EXP_TAB picks the one). */
GOLU_HIDDEN extern const double golu_f64_exp_tab[512];
#if defined(__CUDACC__)
#include "f64_exp_tab.h"
static __device__ const double golu_f64_exp_tab_dev[512] = GOLU_F64_EXP_TAB_INIT;
#endif
#if defined(__CUDA_ARCH__)
#define F64_EXP_TAB golu_f64_exp_tab_dev
#else
#define F64_EXP_TAB golu_f64_exp_tab
#endif

/* The GoLU loops of golu_f64_fwd / golu_f64_bwd (f64_golu.c). */
GOLU_HIDDEN void golu_f64_golu_fwd(const double *x, double *y, size_t n,
                                   const golu_act *act);
GOLU_HIDDEN void golu_f64_golu_bwd(const double *x, const double *dy, double *dx,
                                   size_t n, const golu_act *act);

/* From scripts/gen_f64_tables.py: 256/ln2 rounded, and ln2/256 cut in
 * three: HI and MID have at most 30 significant bits (k * HI, k * MID exact
 * for |k| < 2^23), LO is the rest rounded. */
#define F64_INV_LN2_256 0x1.71547652b82fep+8
#define F64_LN2_256_HI  0x1.62e42fe800000p-9
#define F64_LN2_256_MID 0x1.e8e7bcd000000p-39
#define F64_LN2_256_LO  0x1.793c7673007e6p-69

/* 2^k for k in [-1022, 1023]. */
F64_FN double f64_pow2(int k)
{
    return golu_cvt_f64_from_bits((uint64_t)(k + 1023) << 52);
}

/* s + e = a + b exactly, for |a| >= |b| (or a == 0). */
F64_FN void f64_fast_two_sum(double a, double b, double *s, double *e)
{
    double t = a + b;
    *e = b - (t - a);
    *s = t;
}

/* s + e = a + b exactly, any order. */
F64_FN void f64_two_sum(double a, double b, double *s, double *e)
{
    double t = a + b;
    double bb = t - a;
    *e = (a - (t - bb)) + (b - bb);
    *s = t;
}

/*
 * p + e = a * b exactly (barring underflow of e), by fma(). Without -mfma
 * (this file is built for the baseline ISA) fma() is a call into libm, which
 * on x86-64 dispatches to the FMA3 instruction: measured faster than
 * Dekker's split product, which would also overflow for |a| > 2^995.
 */
F64_FN void f64_two_prod(double a, double b, double *p, double *e)
{
    double t = a * b;
    *e = fma(a, b, -t);
    *p = t;
}

/* (ph, pl) ~ (ah + al) * (bh + bl), relative error ~2^-104. */
F64_FN void f64_dd_mul(double ah, double al, double bh, double bl, double *ph, double *pl)
{
    double p, e;
    f64_two_prod(ah, bh, &p, &e);
    e += ah * bl + al * bh;
    f64_fast_two_sum(p, e, ph, pl);
}

/* (sh, sl) ~ (ah + al) + (bh + bl), relative error ~2^-104 unless it
 * cancels to below that. */
F64_FN void f64_dd_add(double ah, double al, double bh, double bl, double *sh, double *sl)
{
    double s, e;
    f64_two_sum(ah, bh, &s, &e);
    e += al + bl;
    f64_fast_two_sum(s, e, sh, sl);
}

/* (qh, ql) ~ (ah + al) / (bh + bl), relative error ~2^-100. */
F64_FN void f64_dd_div(double ah, double al, double bh, double bl, double *qh, double *ql)
{
    double q = ah / bh;
    double ph, pl;
    f64_two_prod(q, bh, &ph, &pl);
    double r = (((ah - ph) - pl) + al) - q * bl; /* ah - ph is exact */
    f64_fast_two_sum(q, r / bh, qh, ql);
}

/*
 * The reduction shared by the two exps below: th + tl = k ln2/256 + rh + rl,
 * |rh| <= ln2/512 + 2^-40, |rl| <= ulp(rh)/2, their sum the exact remainder
 * to ~2^-100. Returns k.
 * Requires |th| <= 14000 (|k| < 2^23) and |tl| <= 2^-40.
 */
F64_FN int64_t f64_exp_reduce(double th, double tl, double *rh, double *rl)
{
    const double shift = 0x1.8p52;
    double kd = th * F64_INV_LN2_256 + shift;
    kd -= shift;
    double r1 = th - kd * F64_LN2_256_HI; /* exact */
    double h, l;
    f64_two_sum(r1, -(kd * F64_LN2_256_MID), &h, &l); /* k*MID exact */
    l += tl - kd * F64_LN2_256_LO;
    f64_two_sum(h, l, rh, rl); /* |rl| <= 2^-63: rl^2, rh^2 rl negligible */
    return (int64_t)kd;
}

/* exp(r) - 1 - rh = rl + rh*rl + rh^2 P(rh), P the degree-4 Taylor tail:
 * truncation below 2^-78 for |r| <= 2^-9.5, rounding ~2^-73. */
F64_FN double f64_expm1_tail(double rh, double rl)
{
    double p = 0x1.6c16c16c16c17p-10;  /* 1/720 */
    p = p * rh + 0x1.1111111111111p-7; /* 1/120 */
    p = p * rh + 0x1.5555555555555p-5; /* 1/24 */
    p = p * rh + 0x1.5555555555555p-3; /* 1/6 */
    p = p * rh + 0.5;
    return (rh * rh) * p + (rl + rh * rl);
}

/*
 * exp(th + tl) = 2^m * (hi + lo), hi + lo in [0.99, 2), relative error below
 * 2^-70: the accurate one, for an exp whose result feeds another exp. Same
 * argument limits as f64_exp_reduce(); callers clamp first.
 */
F64_FN void f64_exp_dd(double th, double tl, int *m, double *hi, double *lo)
{
    double rh, rl, sh, sl, h, l;
    int64_t k = f64_exp_reduce(th, tl, &rh, &rl);
    int j = (int)((uint64_t)k & 255);
    double q = f64_expm1_tail(rh, rl);
    /* 2^(j/256) * (1 + rh + q), T*rh exact */
    double Th = F64_EXP_TAB[2 * j], Tl = F64_EXP_TAB[2 * j + 1];
    f64_two_prod(Th, rh, &sh, &sl);
    double small = sl + Th * q + Tl * (1.0 + rh + q);
    f64_fast_two_sum(Th, sh, &h, &l);
    l += small;
    f64_fast_two_sum(h, l, hi, lo);
    *m = (int)((k - j) / 256);
}

/*
 * The same to 2^-62 relative error (T*rh rounded, no exact product): for an
 * exp whose result is rounded to double next (the outer exp of GoLU, the
 * peers' tails).
 */
F64_FN void f64_exp_dd_fast(double th, double tl, int *m, double *hi, double *lo)
{
    double rh, rl;
    int64_t k = f64_exp_reduce(th, tl, &rh, &rl);
    int j = (int)((uint64_t)k & 255);
    double q = f64_expm1_tail(rh, rl);
    double Th = F64_EXP_TAB[2 * j], Tl = F64_EXP_TAB[2 * j + 1];
    double small = Th * rh + (Th * q + Tl * (1.0 + rh + q));
    f64_fast_two_sum(Th, small, hi, lo);
    *m = (int)((k - j) / 256);
}

/*
 * (hi + lo) * 2^m rounded once to double: the correctly rounded value of the
 * double-double times a power of two, subnormal results included (rounded on
 * the subnormal grid directly, no double rounding), overflow to +-inf,
 * underflow to +-0 with the sign. Requires hi normal or zero and
 * |lo| <= 2^-50 |hi|; m any int.
 */
F64_FN double f64_round_scaled(double hi, double lo, int m)
{
    double r = hi + lo;
    uint64_t rb = golu_cvt_f64_bits(r);
    int be = (int)((rb >> 52) & 0x7ff); /* biased exponent of r */
    if (be == 0)
        return r == 0.0 ? hi : r; /* zero, with the sign of hi */
    if (be == 0x7ff)
        return r;          /* inf, NaN */
    int E = be - 1023 + m; /* exponent of the result */
    if (E >= -1022 && E <= 1023)
        return golu_cvt_f64_from_bits(rb + ((uint64_t)(int64_t)m << 52));
    if (E > 1023)
        return copysign(HUGE_VAL, r);
    if (E < -1076)
        return copysign(0.0, r);
    /* Subnormal: a + b = |hi + lo| * 2^(m + 1022) < 1 (exact scalings); add
     * 1 so that rounding on [1, 2) is rounding on the subnormal grid. */
    double a = scalbn(hi, m + 1022), b = scalbn(lo, m + 1022);
    if (a < 0) {
        a = -a;
        b = -b;
    }
    double s = 1.0 + a;
    double t = ((1.0 - s) + a) + b;
    double res = ((s + t) - 1.0) * 0x1p-1022;
    return copysign(res, r);
}

/*
 * x * (h + l) rounded once, (h, l) a normalised double-double: fma(x, h, x*l)
 * when the product is normal (or zero, or overflows), otherwise both factors
 * scaled to [1, 2) and the product rounded by f64_round_scaled() (a subnormal
 * result rounded once).
 */
F64_FN double f64_mul_dd_round(double x, double h, double l)
{
    double p = x * h;
    if (!(fabs(p) < 0x1p-960) || p == 0.0)
        return fma(x, h, x * l);
    int ex = ilogb(x), eh = ilogb(h);
    double ph, pl, xs = scalbn(x, -ex), hs = scalbn(h, -eh);
    f64_two_prod(xs, hs, &ph, &pl);
    pl += xs * scalbn(l, -eh);
    return f64_round_scaled(ph, pl, ex + eh);
}

/*
 * dy * (dh + dl) * 2^md rounded once (dh normal or zero, the pair
 * normalised): the backward kernels' last step, so that dx is the correctly
 * rounded product even where f'(x) alone would be subnormal or dy * dh would
 * overflow before the scaling. dy = +-0 or +-inf gives the IEEE product with
 * a factor of the sign of dh (a nonzero slope); NaN stays NaN.
 */
F64_FN double f64_mul_scaled(double dy, double dh, double dl, int md)
{
    double ph, pl;
    double ady = fabs(dy);
    if (ady >= 0x1p-900 && ady <= 0x1p900) {
        f64_two_prod(dy, dh, &ph, &pl);
        pl += dy * dl;
        return f64_round_scaled(ph, pl, md);
    }
    if (dy != dy || ady == 0.0 || ady == HUGE_VAL)
        return dy * copysign(ady == 0.0 ? 0.0 : 1.0, dh);
    int e = ilogb(dy);
    dy = scalbn(dy, -e);
    f64_two_prod(dy, dh, &ph, &pl);
    pl += dy * dl;
    return f64_round_scaled(ph, pl, md + e);
}

#endif /* GOLU_F64_H */
