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
 * libm's exp.
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
#endif

#endif
