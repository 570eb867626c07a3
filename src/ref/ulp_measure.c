/*
 * ulp_measure.c - results against the oracle (ulp_sweep.h).
 *
 * Backward errors are measured against max(|f'|, the size of the terms that
 * cancel in f') (golu_ref_bwd_scale_*): near a zero of f' that is the most a
 * rounded computation can promise without an expansion about the zero. They
 * are also measured strictly, in ulps of f' itself (s->strict): the plain
 * error, taken before the scale. An input skipped below is within 0.5 ulp
 * in both measures, and the strict maximum is at least the relaxed one.
 *
 * The scale costs a second oracle call, so
 * it is computed only where it can change a result: the scaled error never
 * exceeds the plain one, so an input whose plain error is at most 0.5 ulp
 * and at most the running maximum changes neither the counts nor the
 * maximum. For the same reason a result equal to the rounded reference
 * (at most 0.5 ulp) is not measured once the running maximum reaches 0.5.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ulp_sweep.h"

/* ------------------------------------------------------------------------ */
/* float32                                                                   */
/* ------------------------------------------------------------------------ */

/* Equal bits, or both NaN. */
static int same_bits_f32(float a, float b)
{
    return memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b));
}

/*
 * A float as a long double, exactly, without an x87 load of a subnormal
 * float: that (like storing a long double into a subnormal float) costs a
 * microcode assist of about 150 cycles on x86, which made the tiny-input
 * quarter of the sweep several times slower than the rest.
 */
static inline long double f32_exact(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    if ((b & 0x7f800000u) != 0)
        return f;
    long double v = (long double)(int32_t)(b & 0x7fffffu) * 0x1p-149L;
    return (b >> 31) ? -v : v;
}

/*
 * 1 when got is within half an ulp of ref, whichever of the binades beside
 * got ref lies in (so the error is at most 0.5 ulp, scale or not); decided
 * with integer operations and one long double subtraction. NaN gives 0.
 */
static inline int f32_within_half_ulp(float got, long double ref)
{
    uint32_t b;
    memcpy(&b, &got, sizeof b);
    int E = (int)((b >> 23) & 0xff);
    int e = E ? E - 150 : -149; /* exponent of the ulp of got */
    if ((b & 0x7fffffu) == 0 && E > 1)
        e--; /* a power of two: the binade below has half the spacing */
    uint64_t hb = (uint64_t)(e - 1 + 1023) << 52; /* 2^(e-1), a normal double */
    double half;
    memcpy(&half, &hb, sizeof half);
    return fabsl(f32_exact(got) - ref) <= half;
}

/* 2^k as a long double, |k| <= 1022, from the bits of a double. */
static inline long double pow2_ld(int k)
{
    uint64_t b = (uint64_t)(k + 1023) << 52;
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

/*
 * golu_ulp_err_f32(got, ref, 0) for finite got and ref without the libm
 * calls (ilogbl, ldexpl): it runs for every input until a worker's maximum
 * reaches 0.5 ulp, which for some activations is never (the backward of
 * GoLU stays below 0.5 ulp over the first 10^9 inputs of the sweep).
 */
static inline double f32_err_fast(float got, long double ref)
{
    long double g = f32_exact(got);
    if (g == ref)
        return g == 0 && signbit(g) != signbit(ref) ? 0.5 : 0.0;
    long double a = fabsl(ref);
    int e = -149; /* exponent of the ulp at |ref| */
    if (a >= 0x1p-126L) {
        double d = (double)a; /* may round up to the next power of two */
        uint64_t b;
        memcpy(&b, &d, sizeof b);
        int ed = (int)(b >> 52) - 1023;
        if (pow2_ld(ed) > a)
            ed--;
        e = ed - 23;
    }
    return (double)(fabsl(g - ref) * pow2_ld(-e));
}

void ulp_measure_f32(const ulp_sweep_opts *o, const float *x, const float *y,
                     const float *y2, size_t n, uint64_t begin, ulp_stats *s)
{
    const int bwd = o->dir == GOLU_DIR_BWD;
    s->checked += n;
    for (size_t i = 0; i < n; i++) {
        float got = y[i];
        /* x goes straight into the argument slot: a long double copied
         * through memory costs a failed store forwarding each time. */
        long double ref = golu_ref_ld(&o->act, o->dir, f32_exact(x[i]));
        if (y2 && !same_bits_f32(got, y2[i]))
            ulp_stats_diff(s, begin + i, (double)f32_exact(x[i]), (double)f32_exact(got),
                           (double)f32_exact(y2[i]));
        if (s->max_err >= 0.5 && f32_within_half_ulp(got, ref))
            continue; /* at most 0.5 ulp: changes nothing */
        long double xl = f32_exact(x[i]);
        double err = isfinite(got) && isfinite(ref) && fabsl(ref) < 0x1p200L
                         ? f32_err_fast(got, ref)
                         : golu_ulp_err_f32(got, ref, 0);
        ulp_stats_add_strict(s, err, begin + i, (double)xl, (double)f32_exact(got), ref);
        if (bwd && (err > 0.5 || err > s->max_err))
            err = golu_ulp_err_f32(got, ref, golu_ref_bwd_scale_ld(&o->act, xl));
        ulp_stats_add(s, err, begin + i, (double)xl, (double)f32_exact(got), ref);
    }
}

/* ------------------------------------------------------------------------ */
/* float64: against MPFR                                                     */
/* ------------------------------------------------------------------------ */

/* Equal bits, or both NaN. */
static int same_bits_f64(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b));
}

void ulp_measure_f64(const ulp_sweep_opts *o, const double *x, const double *y,
                     const double *y2, size_t n, uint64_t begin, ulp_stats *s)
{
    const int bwd = o->dir == GOLU_DIR_BWD;
    s->checked += n;
    for (size_t i = 0; i < n; i++) {
        double xi = x[i], got = y[i];
        long double ref = golu_ref_mpfr(&o->act, o->dir, xi);
        if (y2 && !same_bits_f64(got, y2[i]))
            ulp_stats_diff(s, begin + i, xi, got, y2[i]);
        if (got == (double)ref && s->max_err >= 0.5)
            continue;
        double err = golu_ulp_err_f64(got, ref, 0);
        ulp_stats_add_strict(s, err, begin + i, xi, got, ref);
        if (bwd && (err > 0.5 || err > s->max_err))
            err = golu_ulp_err_f64(got, ref, golu_ref_bwd_scale_mpfr(&o->act, xi));
        ulp_stats_add(s, err, begin + i, xi, got, ref);
    }
}

/* ------------------------------------------------------------------------ */
/* bfloat16 and float16                                                      */
/* ------------------------------------------------------------------------ */

/* golu_ulp_err_bf16 or _f16 by dtype. */
static double half_err(golu_dtype dtype, uint16_t got, long double ref, long double scale)
{
    return dtype == GOLU_BF16 ? golu_ulp_err_bf16(got, ref, scale)
                              : golu_ulp_err_f16(got, ref, scale);
}

void ulp_measure_half(const ulp_sweep_opts *o, const uint16_t *x, const uint16_t *y,
                      const uint16_t *y2, size_t n, ulp_stats *s)
{
    s->checked += n;
    for (size_t i = 0; i < n; i++) {
        float xi = ulp_half_value(o->dtype, x[i]);
        float got = ulp_half_value(o->dtype, y[i]);
        long double ref = golu_ref_ld(&o->act, o->dir, xi);
        if (y2 && y[i] != y2[i] &&
            !(isnan(got) && isnan(ulp_half_value(o->dtype, y2[i]))))
            ulp_stats_diff(s, i, xi, got, ulp_half_value(o->dtype, y2[i]));
        double err = half_err(o->dtype, y[i], ref, 0);
        ulp_stats_add_strict(s, err, i, xi, got, ref);
        if (o->dir == GOLU_DIR_BWD && (err > 0.5 || err > s->max_err))
            err = half_err(o->dtype, y[i], ref, golu_ref_bwd_scale_ld(&o->act, xi));
        ulp_stats_add(s, err, i, xi, got, ref);
    }
}
