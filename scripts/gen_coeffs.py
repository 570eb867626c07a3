#!/usr/bin/python3
"""Generates src/kernels/coeffs.h: minimax polynomials for the float32 kernels.

Every float32 kernel computes in double, and its exponentials come from one
shape: 2^f = 1 + f*Q(f), where Q is fitted so that the *relative* error of
1 + f*Q(f) is as small as possible (minimax, by Lawson's iteratively
reweighted least squares at 60 digits), then rounded to double. The constant
term is pinned to exactly 1, so 2^0 is exact.

One reduction: a = N/16 + f with N = round(16 a) and f in [-1/32, 1/32]
(two additions with a shifter, no conversion); 2^(N/16) comes from a table of
16 doubles (one permute on AVX-512) scaled by 2^floor(N/16) through the
exponent bits, so the polynomial only covers [-1/32, 1/32]. Round-to-nearest
also serves expm1: N = 0 near 0, where 2^(N/16) = 1 exactly.

Run: /usr/bin/python3 scripts/gen_coeffs.py > src/kernels/coeffs.h  (about a minute)
(needs python3-mpmath). The header records the measured error of the rounded
coefficients, evaluated in exact arithmetic over 20001 points.
"""
import sys
from mpmath import mp, mpf, matrix, lu_solve, log, e, erfc, cos, pi, sqrt, exp

mp.dps = 60
LOG2E = 1 / log(2)


def fit_exp2(degq, lo, hi, npts=1500, iters=60):
    """Q of degree degq minimising max |(1 + f Q(f)) / 2^f - 1| on [lo, hi]."""
    # Chebyshev points concentrate where the error peaks (the ends).
    from mpmath import cos, pi
    mid, half = (mpf(lo) + hi) / 2, (mpf(hi) - lo) / 2
    pts = [mid + half * cos(pi * (i + mpf(1) / 2) / npts) for i in range(npts)]
    target = [(mpf(2) ** f - 1) / mpf(2) ** f for f in pts]
    cols = [[f ** (j + 1) / mpf(2) ** f for f in pts] for j in range(degq + 1)]
    w = [mpf(1)] * npts
    coef = None
    for _ in range(iters):
        m = degq + 1
        a = matrix(m, m)
        b = matrix(m, 1)
        for j in range(m):
            for k in range(j, m):
                s = mp.fsum(w[i] * cols[j][i] * cols[k][i] for i in range(npts))
                a[j, k] = a[k, j] = s
            b[j] = mp.fsum(w[i] * cols[j][i] * target[i] for i in range(npts))
        coef = lu_solve(a, b)
        res = [abs(sum(coef[j] * cols[j][i] for j in range(m)) - target[i])
               for i in range(npts)]
        tot = mp.fsum(w[i] * res[i] for i in range(npts))
        w = [w[i] * res[i] / tot for i in range(npts)]
    return [coef[j] for j in range(degq + 1)]


def to_double(v):
    return float(v)


def max_rel_err(c0, q, lo, hi, scale=1):
    """Max relative error of c0 + f*Q(f) (rounded coefficients, exact
    arithmetic) against scale*2^f on [lo, hi]."""
    worst = mpf(0)
    for i in range(20001):
        f = mpf(lo) + (mpf(hi) - lo) * i / 20000
        p = mpf(0)
        for c in reversed(q):
            p = p * f + mpf(c)
        p = mpf(c0) + f * p
        err = abs(p / (scale * mpf(2) ** f) - 1)
        worst = max(worst, err)
    return worst


def emit(name, comment, c0, q, lo, hi, scale=1):
    err = max_rel_err(c0, q, lo, hi, scale)
    print(f"/* {comment}")
    print(f" * max relative error of the rounded coefficients: {float(err):.3e} "
          f"(2^{float(log(err, 2)):.1f})")
    print(f" * {name}_Qj is the coefficient of f^j. */")
    print(f"#define {name}_C0 {float(c0).hex()}")
    for j, c in enumerate(q):
        print(f"#define {name}_Q{j + 1} {float(c).hex()}")
    print()


# erfc(z) = t * exp(-z^2 + S(t)), t = 2 / (2 + z), for z in [0, ERFC_ZMAX]
# (the form of Numerical Recipes' erfcc, fitted here to 2^-35 instead of
# 2^-23). S is a polynomial in u = (t - mid) / half in [-1, 1].
ERFC_ZMAX = 12


def erfc_s(t):
    z = 2 / t - 2
    return log(erfc(z) / t) + z * z


def fit_erfc_s(deg, npts=500, iters=30):
    tlo = mpf(2) / (2 + ERFC_ZMAX)
    mid, half = (tlo + 1) / 2, (1 - tlo) / 2
    pts = [mid + half * cos(pi * (i + mpf(1) / 2) / npts) for i in range(npts)]
    tgt = [erfc_s(t) for t in pts]
    us = [(t - mid) / half for t in pts]
    cols = [[u ** j for u in us] for j in range(deg + 1)]
    w = [mpf(1)] * npts
    for _ in range(iters):
        m = deg + 1
        a = matrix(m, m)
        b = matrix(m, 1)
        for j in range(m):
            for k in range(j, m):
                a[j, k] = a[k, j] = mp.fsum(w[i] * cols[j][i] * cols[k][i]
                                            for i in range(npts))
            b[j] = mp.fsum(w[i] * cols[j][i] * tgt[i] for i in range(npts))
        c = lu_solve(a, b)
        res = [abs(mp.fsum(c[j] * cols[j][i] for j in range(m)) - tgt[i])
               for i in range(npts)]
        tot = mp.fsum(w[i] * res[i] for i in range(npts))
        w = [w[i] * res[i] / tot for i in range(npts)]
    coef = [float(c[j]) for j in range(deg + 1)]
    # the error of the rounded coefficients, on a finer grid
    worst = mpf(0)
    for i in range(4001):
        t = tlo + (1 - tlo) * i / 4000
        u = (t - mid) / half
        v = mpf(0)
        for cj in reversed(coef):
            v = v * u + mpf(cj)
        worst = max(worst, abs(v - erfc_s(t)))
    return mid, half, coef, worst


def emit_erfc():
    mid, half, coef, err = fit_erfc_s(14)
    print("/* erfc(z) = t exp(-z^2 + S(u)), t = 2/(2+z), u = (t - MID)/HALF, for z in")
    print(f" * [0, {ERFC_ZMAX}]; S of degree {len(coef) - 1}, max absolute error of the rounded")
    print(f" * coefficients {float(err):.3e} (2^{float(log(err, 2)):.1f}) = the relative "
          "error of erfc. */")
    print(f"#define ERFC_ZMAX {ERFC_ZMAX}.0")
    print(f"#define ERFC_U_SCALE {float(1 / half).hex()}")
    print(f"#define ERFC_U_SHIFT {float(-mid / half).hex()}")
    for j, c in enumerate(coef):
        print(f"#define ERFC_S{j} {c.hex()}")
    print()


# GELU's central pieces: Phi(-|x|) for |x| < GELU_XFAST as the fourth power of
# a polynomial. Phi(-x)^(1/4) falls four times slower than Phi(-x) (its
# logarithm's slope is a quarter), so a short polynomial fits it: 8 pieces of
# width GELU_XFAST/8, on each a polynomial of degree GELU_DEG in u = |x|
# 8/GELU_XFAST - j in [0, 1); the k-th coefficients of the 8 pieces form a
# table of 8 (one permute each on AVX-512). Two squarings give Phi(-|x|): no
# exponential and no division (the derivative's density has its own exp).
# Beyond GELU_XFAST the erfc form above takes over.
GELU_XFAST = 4
GELU_DEG = 8
GELU_ROOT = 4


def gelu_root(x):
    return (erfc(x / sqrt(2)) / 2) ** (mpf(1) / GELU_ROOT)


def emit_gelu():
    from mpmath import chebyfit
    w = mpf(GELU_XFAST) / 8
    pieces = []
    worst = mpf(0)
    cond = mpf(0)
    for j in range(8):
        poly = chebyfit(lambda u: gelu_root(w * (j + u)), [0, 1], GELU_DEG + 1)
        coef = [float(a) for a in reversed(poly)]  # coef[k] of u^k
        pieces.append(coef)
        for i in range(801):
            u = mpf(i) / 800
            p = mpf(0)
            size = mpf(0)
            for a in reversed(coef):
                p = p * u + mpf(a)
                size = size * u + abs(mpf(a))
            worst = max(worst, abs((p / gelu_root(w * (j + u))) ** GELU_ROOT - 1))
            cond = max(cond, size / p)
    print(f"/* Phi(-|x|) = S(|x|)^{GELU_ROOT} for |x| < {GELU_XFAST}: S on 8 pieces of width "
          f"{GELU_XFAST}/8,")
    print(f" * each a polynomial of degree {GELU_DEG} in u = |x| 8/{GELU_XFAST} - j in [0, 1).")
    print(" * GELU_S_Ck[j] is piece j's coefficient of u^k. Max relative error of")
    print(" * S^4 with the rounded coefficients (exact arithmetic, 801 points a piece):")
    print(f" * {float(worst):.3e} (2^{float(log(worst, 2)):.1f}); sum |c_k| u^k / S at most "
          f"{float(cond):.2f}. */")
    print(f"#define GELU_XFAST {GELU_XFAST}.0")
    for k in range(GELU_DEG + 1):
        vals = ", ".join(pieces[j][k].hex() for j in range(8))
        print(f"#define GELU_S_C{k} {{{vals}}}")
    print()


def emit_table(name, comment, scale):
    """scale * 2^(j/16), j = 0..15, each rounded once to double."""
    print(f"/* {comment} */")
    vals = ", ".join(float(scale * mpf(2) ** (mpf(j) / 16)).hex() for j in range(16))
    print(f"#define {name} {{{vals}}}")
    print()


def main():
    half = mpf(1) / 2
    h32 = mpf(1) / 32
    q5 = fit_exp2(4, -h32, h32)    # degree-5 2^f on [-1/32, 1/32]
    q4 = fit_exp2(3, -h32, h32)    # degree-4 2^f on [-1/32, 1/32]
    print("/* coeffs.h - generated by scripts/gen_coeffs.py; do not edit. */")
    print("#ifndef GOLU_COEFFS_H\n#define GOLU_COEFFS_H\n")
    print("/* 2^a = 2^(N/16) * 2^f with N = round(16 a), f = a - N/16 in [-1/32, 1/32]:")
    print(" * 2^(N/16) = TAB[N mod 16] * 2^floor(N/16) from a table of 16, 2^f from")
    print(" * a short polynomial (f32_math.h, exp2t). */")
    emit_table("EXP2T_TAB", "2^(j/16), j = 0..15.", 1)
    # GoLU's inner exp returns -log2(e) * exp(-x) directly: its table holds
    # -log2(e) * 2^(j/16), each entry rounded once; the polynomial is 2^f's.
    emit_table("GOLU_INNER_TAB", "-log2(e) * 2^(j/16), j = 0..15: GoLU's inner exp, "
               "whose result is the outer exp2's argument.", -LOG2E)
    emit_table("GELU_DENS_TAB", "2^(j/16) / sqrt(2 pi), j = 0..15: GELU's density "
               "as one exp2.", 1 / sqrt(2 * pi))
    emit("EXP2T_D5", "2^f ~ 1 + f*Q(f) on [-1/32, 1/32], degree 5: the general exp "
         "and GoLU's inner one (whose error GoLU amplifies).",
         1, [to_double(c) for c in q5], -h32, h32)
    emit("EXP2T_D4", "2^f ~ 1 + f*Q(f) on [-1/32, 1/32], degree 4: GoLU's outer exp, "
         "whose error is not amplified.", 1, [to_double(c) for c in q4], -h32, h32)
    emit_erfc()
    emit_gelu()
    print("#endif")


if __name__ == "__main__":
    sys.exit(main())
