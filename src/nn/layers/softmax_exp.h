/*
 * softmax_exp.h - e^x for x <= 0, as the softmaxes use it (the attention's
 * and the cross-entropy's, after subtracting the row's maximum), in a form
 * the vectorizer takes whole: libm's exp is a call per element, and was a
 * twentieth of a GPT step.
 *
 * x = k ln2 + r, k = round(x / ln2) (by the 1.5 * 2^52 shift), ln2 in two
 * parts so that k ln2's high part is exact (|k| < 2^11), e^r by the Taylor
 * series to degree 13 (|r| <= ln2/2: the remainder is below 5e-18
 * relative), 2^k put in the exponent bits. Relative error a few 1e-16:
 * rounded to float, the value is libm's but where libm's lies within that
 * of a float rounding boundary. x below -708 gives e^-708 (the float build
 * rounds both to 0; the sums that take it are at least 1); NaN gives NaN.
 *
 * The double build (NN_F64), which the finite-difference tests use, keeps
 * libm's exp. softmax_expf below is the float form the attention uses.
 */
#ifndef NN_SOFTMAX_EXP_H
#define NN_SOFTMAX_EXP_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "hot.h"

#ifdef NN_F64
static inline double softmax_exp(double x)
{
    return exp(x);
}
#else
/* The callers' optimization options (hot.h), or GCC would not inline it. */
NN_HOT_VECTORIZE static inline double softmax_exp(double x)
{
    const double shift = 0x1.8p52, log2e = 0x1.71547652b82fep0;
    const double ln2_hi = 0x1.62e42fefa3800p-1, ln2_lo = 0x1.ef35793c76730p-45;
    x = x < -708.0 ? -708.0 : x;
    double t = x * log2e + shift, k = t - shift;
    double r = (x - k * ln2_hi) - k * ln2_lo;
    /* Horner from 1/13! down to 1/0!, written out: a loop here would be a
     * loop inside the caller's, which the vectorizer refuses. */
    double p = 1.0 / 6227020800.0;
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    /* t's low bits hold k (two's complement): 2^k = (k + 1023) << 52 */
    uint64_t bits;
    memcpy(&bits, &t, sizeof bits);
    bits = (bits + 1023) << 52;
    double scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/*
 * e^(a - b) for a <= b in float arithmetic, for the attention's
 * probabilities, which are stored as floats: a third of the double form's
 * operations at twice its lanes. a - b = hi + lo exactly (TwoSum), hi =
 * k ln2 + r with k = round(hi log2(e)) by the 1.5 * 2^23 shift, r = (hi -
 * k ln2_hi) - k ln2_lo + lo by fmaf, e^r by the Taylor series to degree 7
 * (|r| <= ln2/2 + 2^-24: the remainder is below 5.4e-9 relative, a tenth of
 * a float ulp), 2^k put in the exponent bits. Within 2 ulp of e^(a - b),
 * whose argument is not rounded first (tests/nn/test_nn_softmax_exp.c
 * measures the bound). Below a - b = -87 (e^-87 = 1.6e-38, near FLT_MIN)
 * it gives 0: such terms are below a float ulp of any row sum, which is at
 * least 1. NaN gives NaN. Every operation is written out (fmaf where fused;
 * the build does not contract), so every ISA's clone gives the same bits.
 */
NN_HOT_VECTORIZE static inline float softmax_expf(float a, float b)
{
    const float shift = 0x1.8p23f, log2e = 0x1.715476p+0f;
    const float ln2_hi = 0x1.62e43p-1f, ln2_lo = -0x1.05c61p-29f;
    float hi = a - b, bb = hi - a, lo = (a - (hi - bb)) + (-b - bb);
    const float xc = hi < -87.0f ? -87.0f : hi;
    float t = fmaf(xc, log2e, shift), k = t - shift;
    float r = fmaf(k, -ln2_hi, xc);
    r = fmaf(k, -ln2_lo, r) + lo;
    float p = 1.0f / 5040.0f;
    p = fmaf(p, r, 1.0f / 720.0f);
    p = fmaf(p, r, 1.0f / 120.0f);
    p = fmaf(p, r, 1.0f / 24.0f);
    p = fmaf(p, r, 1.0f / 6.0f);
    p = fmaf(p, r, 0.5f);
    p = fmaf(p, r, 1.0f);
    p = fmaf(p, r, 1.0f);
    /* t's low bits hold k (two's complement, -126 <= k <= 0): 2^k is
     * (k + 127) << 23, the low 9 bits of t's bits + 127 moved up. */
    uint32_t bits;
    memcpy(&bits, &t, sizeof bits);
    bits = (bits + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return hi < -87.0f ? 0.0f : p * scale;
}
#endif

#endif
