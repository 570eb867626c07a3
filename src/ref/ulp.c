/*
 * ulp.c - errors in units in the last place, for float32, float64, bfloat16
 * and float16 results measured against a long double reference.
 *
 * The contract is in reference.h. One addition: a result that is +-inf where
 * the reference lies beyond the format's overflow threshold (so that rounding
 * it to nearest gives that infinity) is the correctly rounded result and
 * counts as 0.5 ulp, not as an infinite mismatch.
 */
#include "reference.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* A binary format: precision p (significand bits, the implicit one
 * included), exponent of the smallest subnormal spacing, largest exponent. */
typedef struct ulp_format {
    int p;
    int e_sub;
    int e_max;
} ulp_format;

static const ulp_format FMT_F32 = {24, -149, 127};
static const ulp_format FMT_F64 = {53, -1074, 1023};
static const ulp_format FMT_BF16 = {8, -133, 127};
static const ulp_format FMT_F16 = {11, -24, 15};

/* Exponent of the ulp of a value of magnitude m (m >= 0, finite). */
static int ulp_exponent(long double m, const ulp_format *f)
{
    if (m == 0)
        return f->e_sub;
    int e = ilogbl(m) - (f->p - 1);
    return e < f->e_sub ? f->e_sub : e;
}

static double ulp_err(long double got, long double ref, long double scale,
                      const ulp_format *f)
{
    int got_nan = isnan(got), ref_nan = isnan(ref);
    if (got_nan || ref_nan)
        return got_nan && ref_nan ? 0.0 : INFINITY;
    if (!(scale > 0) || isinf(scale)) /* NaN, negative or inf: no scale */
        scale = 0;
    if (got == ref) {
        if (got != 0 || signbit(got) == signbit(ref))
            return 0.0;
        /* A zero of the wrong sign: half the smallest subnormal spacing. */
        return (double)ldexpl(0.5L, f->e_sub - ulp_exponent(scale, f));
    }
    if (isinf(got)) {
        /* Rounding to nearest sends |ref| >= (2 - 2^-p) 2^e_max to inf. */
        long double overflow = ldexpl(2.0L - ldexpl(1.0L, -f->p), f->e_max);
        if (!isinf(ref) && signbit(got) == signbit(ref) && fabsl(ref) >= overflow)
            return 0.5;
        return INFINITY;
    }
    if (isinf(ref))
        return INFINITY;
    long double m = fabsl(ref) > scale ? fabsl(ref) : scale;
    return (double)ldexpl(fabsl(got - ref), -ulp_exponent(m, f));
}

double golu_ulp_err_f32(float got, long double ref, long double scale)
{
    return ulp_err(got, ref, scale, &FMT_F32);
}

double golu_ulp_err_f64(double got, long double ref, long double scale)
{
    return ulp_err(got, ref, scale, &FMT_F64);
}

double golu_ulp_err_bf16(uint16_t got, long double ref, long double scale)
{
    /* bfloat16 is the upper half of a float32: exact, NaN stays NaN. */
    uint32_t bits = (uint32_t)got << 16;
    float v;
    memcpy(&v, &bits, sizeof v);
    return ulp_err(v, ref, scale, &FMT_BF16);
}

/* IEEE binary16 to long double, exactly. */
static long double f16_value(uint16_t h)
{
    int exp = (h >> 10) & 0x1f;
    int man = h & 0x3ff;
    long double v;
    if (exp == 0x1f)
        v = man ? (long double)NAN : (long double)INFINITY;
    else if (exp == 0)
        v = ldexpl((long double)man, -24);
    else
        v = ldexpl((long double)(man | 0x400), exp - 25);
    return (h & 0x8000) ? -v : v;
}

double golu_ulp_err_f16(uint16_t got, long double ref, long double scale)
{
    return ulp_err(f16_value(got), ref, scale, &FMT_F16);
}
