/*
 * reference.h - higher-precision oracles for the tests and the golu tool.
 *
 * Not part of libgolu: the library never links these. Two oracles:
 *   long double (x87, 64-bit significand): for float32, bfloat16, float16
 *     results, 40 bits more than float32 needs.
 *   MPFR (256-bit): for float64 results.
 * Both compute the mathematical function of the given input exactly as
 * golu.h defines it, including the limits at +-inf and the kink conventions
 * (derivative of ReLU family at 0 from the left, ELU at 0 from the right).
 */
#ifndef GOLU_REFERENCE_H
#define GOLU_REFERENCE_H

#include <stdint.h>

#include "golu.h"

typedef enum golu_dir {
    GOLU_DIR_FWD = 0, /* f(x) */
    GOLU_DIR_BWD = 1  /* f'(x) (dy = 1) */
} golu_dir;

/* f(x) or f'(x) in long double. NaN in, NaN out. For PReLU the slope is
 * act->alpha. */
long double golu_ref_ld(const golu_act *act, golu_dir dir, long double x);

/*
 * The magnitude that the error of f'(x) is measured against:
 * max(|f'(x)|, s(x)) where s(x) is the size of the terms that cancel in
 * f'(x) (for GoLU s = G(x) = exp(-exp(-x)); GELU Phi(x); SiLU sigmoid(x);
 * Mish tanh(softplus(x)); the others 0). Near a zero of f' an error of
 * 1 ulp of s is the best a rounded computation can promise.
 */
long double golu_ref_bwd_scale_ld(const golu_act *act, long double x);

/* The zero of f' (where the derivative vanishes): 1 and *x0 for GoLU
 * (-W(1/beta)/gamma, Newton in long double), GELU in both forms, SiLU and
 * Mish (docs/MATH.md, to 17 digits); 0 for the kinds without one. */
int golu_ref_deriv_zero(const golu_act *act, double *x0);

/* The same with MPFR at 256 bits, rounded to long double. */
long double golu_ref_mpfr(const golu_act *act, golu_dir dir, double x);
long double golu_ref_bwd_scale_mpfr(const golu_act *act, double x);

/* ------------------------------------------------------------------------ */
/* Errors in ulps (ulp.c)                                                    */
/* ------------------------------------------------------------------------ */

/*
 * |got - ref| in units of the format's ulp at max(|ref|, scale) (scale 0 for a
 * plain ulp error). The ulp of a value v is 2^(e - p + 1) with e the exponent
 * of v, clamped below at the subnormal spacing, p the precision (24 float, 53
 * double, 8 bfloat16, 11 float16). Special cases: both NaN gives 0; one NaN
 * gives +inf; got == ref (infinities and zeros included; a zero of the wrong
 * sign counts as 0.5 ulp of the smallest subnormal) gives 0; an infinite
 * mismatch gives +inf.
 */
double golu_ulp_err_f32(float got, long double ref, long double scale);
double golu_ulp_err_f64(double got, long double ref, long double scale);
double golu_ulp_err_bf16(uint16_t got, long double ref, long double scale);
double golu_ulp_err_f16(uint16_t got, long double ref, long double scale);

#endif
