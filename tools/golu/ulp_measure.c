/*
 * ulp_measure.c - the part of `golu ulp` that does not depend on where the
 * results were computed (ulp.h): statistics, the inputs of each sweep, the
 * measurement of results against the oracle, and the CPU library's calls.
 *
 * Backward errors are measured against max(|f'|, the size of the terms that
 * cancel in f') (golu_ref_bwd_scale_*): near a zero of f' that is the most a
 * rounded computation can promise. The scale costs a second oracle call, so
 * it is computed only where it can change a result: the scaled error never
 * exceeds the plain one, so an input whose plain error is at most 0.5 ulp
 * and at most the running maximum changes neither the counts nor the
 * maximum. For the same reason a result equal to the rounded reference
 * (at most 0.5 ulp) is not measured once the running maximum reaches 0.5.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ulp.h"

/* ------------------------------------------------------------------------ */
/* Statistics                                                                */
/* ------------------------------------------------------------------------ */

void ulp_stats_init(ulp_stats *s)
{
    memset(s, 0, sizeof *s);
    s->max_err = -1;
}

/* Records one measured error (the caller has already counted the input). */
static void stats_add(ulp_stats *s, double err, uint64_t index, double x, double got,
                      long double ref)
{
    if (err > 0.5)
        s->over_half++;
    if (err > 1)
        s->over_one++;
    if (isnan(got) != isnan(ref))
        s->nan_mismatch++;
    if (err > s->max_err || (err == s->max_err && index < s->max_index)) {
        s->max_err = err;
        s->max_index = index;
        s->max_x = x;
        s->max_got = got;
        s->max_ref = ref;
    }
}

static void stats_diff(ulp_stats *s, uint64_t index, double x, double got, double got2)
{
    s->n_diff++;
    if (s->n_examples < ULP_EXAMPLES)
        s->examples[s->n_examples++] = (ulp_example){index, x, got, got2};
}

static int example_cmp(const void *a, const void *b)
{
    uint64_t ia = ((const ulp_example *)a)->index;
    uint64_t ib = ((const ulp_example *)b)->index;
    return ia < ib ? -1 : ia > ib;
}

void ulp_stats_merge(ulp_stats *a, const ulp_stats *b)
{
    a->checked += b->checked;
    a->over_half += b->over_half;
    a->over_one += b->over_one;
    a->nan_mismatch += b->nan_mismatch;
    if (b->max_err > a->max_err ||
        (b->max_err == a->max_err && b->max_index < a->max_index)) {
        a->max_err = b->max_err;
        a->max_index = b->max_index;
        a->max_x = b->max_x;
        a->max_got = b->max_got;
        a->max_ref = b->max_ref;
    }
    ulp_example all[2 * ULP_EXAMPLES];
    int n = 0;
    for (int i = 0; i < a->n_examples; i++)
        all[n++] = a->examples[i];
    for (int i = 0; i < b->n_examples; i++)
        all[n++] = b->examples[i];
    qsort(all, (size_t)n, sizeof all[0], example_cmp);
    a->n_examples = n < ULP_EXAMPLES ? n : ULP_EXAMPLES;
    memcpy(a->examples, all, (size_t)a->n_examples * sizeof all[0]);
    a->n_diff += b->n_diff;
    if (a->status == GOLU_OK)
        a->status = b->status;
}

/* ------------------------------------------------------------------------ */
/* The CPU library                                                           */
/* ------------------------------------------------------------------------ */

golu_status ulp_make_ctx(golu_isa isa, golu_ctx **out)
{
    golu_ctx *ctx;
    golu_status st = golu_ctx_create(&ctx);
    if (st == GOLU_OK)
        st = golu_ctx_set_threads(ctx, 1);
    if (st == GOLU_OK && isa != GOLU_ISA_AUTO)
        st = golu_ctx_set_isa(ctx, isa);
    if (st != GOLU_OK && st != GOLU_ERR_NO_MEMORY)
        golu_ctx_destroy(ctx);
    *out = st == GOLU_OK ? ctx : NULL;
    return st;
}

golu_status ulp_run_kernel(const golu_ctx *ctx, const ulp_opts *o, const void *x,
                           const void *ones, void *y, size_t n)
{
    if (o->dir == GOLU_DIR_FWD)
        return golu_forward(ctx, &o->act, o->dtype, x, y, n);
    return golu_backward(ctx, &o->act, o->dtype, x, ones, y, n);
}

/* ------------------------------------------------------------------------ */
/* float32: every bit pattern                                                */
/* ------------------------------------------------------------------------ */

/* Bit patterns ordered by value: -NaN... -inf ... -0, +0 ... +inf ... +NaN
 * map to consecutive keys (-0 is key -1, +0 key 0). */
static int64_t f32_key(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return (b & 0x80000000u) ? -(int64_t)(b & 0x7fffffffu) - 1 : (int64_t)b;
}

static uint32_t f32_bits_of_key(int64_t k)
{
    return k >= 0 ? (uint32_t)k : 0x80000000u | (uint32_t)(-(k + 1));
}

int ulp_f32_space_of_range(double lo, double hi, ulp_f32_space *sp)
{
    float flo = (float)lo, fhi = (float)hi;
    if ((double)flo < lo)
        flo = nextafterf(flo, INFINITY);
    if ((double)fhi > hi)
        fhi = nextafterf(fhi, -INFINITY);
    if (!(flo <= fhi))
        return 0;
    int64_t klo = flo == 0 ? -1 : f32_key(flo); /* -0 lies in [0, hi] */
    int64_t khi = fhi == 0 ? 0 : f32_key(fhi);
    sp->all = 0;
    sp->key_lo = klo;
    sp->count = (uint64_t)(khi - klo + 1);
    return 1;
}

void ulp_f32_inputs(const ulp_f32_space *sp, uint64_t begin, size_t n, float *x)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t b = sp->all ? (uint32_t)(begin + i)
                             : f32_bits_of_key(sp->key_lo + (int64_t)(begin + i));
        memcpy(&x[i], &b, sizeof b);
    }
}

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

void ulp_measure_f32(const ulp_opts *o, const float *x, const float *y, const float *y2,
                     size_t n, uint64_t begin, ulp_stats *s)
{
    const int bwd = o->dir == GOLU_DIR_BWD;
    s->checked += n;
    for (size_t i = 0; i < n; i++) {
        float got = y[i];
        /* x goes straight into the argument slot: a long double copied
         * through memory costs a failed store forwarding each time. */
        long double ref = golu_ref_ld(&o->act, o->dir, f32_exact(x[i]));
        if (y2 && !same_bits_f32(got, y2[i]))
            stats_diff(s, begin + i, (double)f32_exact(x[i]), (double)f32_exact(got),
                       (double)f32_exact(y2[i]));
        if (s->max_err >= 0.5 && f32_within_half_ulp(got, ref))
            continue; /* at most 0.5 ulp: changes nothing */
        long double xl = f32_exact(x[i]);
        double err = isfinite(got) && isfinite(ref) && fabsl(ref) < 0x1p200L
                         ? f32_err_fast(got, ref)
                         : golu_ulp_err_f32(got, ref, 0);
        if (bwd && (err > 0.5 || err > s->max_err))
            err = golu_ulp_err_f32(got, ref, golu_ref_bwd_scale_ld(&o->act, xl));
        stats_add(s, err, begin + i, (double)xl, (double)f32_exact(got), ref);
    }
}

/* ------------------------------------------------------------------------ */
/* float64: random samples against MPFR                                      */
/* ------------------------------------------------------------------------ */

static uint64_t splitmix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double unit_double(uint64_t r)
{
    return (double)(r >> 11) * 0x1p-53;
}

static const double f64_specials[] = {0.0,
                                      -0.0,
                                      INFINITY,
                                      -INFINITY,
                                      NAN,
                                      1.0,
                                      -1.0,
                                      0x1p-1022,
                                      -0x1p-1022,
                                      0x1p-1074,
                                      -0x1p-1074,
                                      1.7976931348623157e308,
                                      -1.7976931348623157e308,
                                      -0.5671432904097838,
                                      -6.62,
                                      0.5};
enum { N_F64_SPECIALS = sizeof f64_specials / sizeof f64_specials[0] };

double ulp_f64_sample(const ulp_opts *o, uint64_t i)
{
    uint64_t r = splitmix64(splitmix64(o->seed) ^ (i * 0xd1342543de82ef95ULL));
    uint64_t r2 = splitmix64(r);
    if (o->have_range)
        return o->lo + (o->hi - o->lo) * unit_double(r);
    if (i < N_F64_SPECIALS)
        return f64_specials[i];
    switch (r2 % 10) {
    case 0:
    case 1:
    case 2:
    case 3: {
        /* log-uniform: uniform sign, exponent field in [0, 2046] (subnormals
         * included), uniform significand */
        uint64_t bits = (r & 0x800fffffffffffffULL) | ((r2 >> 8) % 2047) << 52;
        double v;
        memcpy(&v, &bits, sizeof v);
        return v;
    }
    case 4:
    case 5:
    case 6: return -6.62 + 5.62 * unit_double(r); /* the hard region [-6.62, -1] */
    default: return -40 + 80 * unit_double(r);
    }
}

static int same_bits_f64(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0 || (isnan(a) && isnan(b));
}

void ulp_measure_f64(const ulp_opts *o, const double *x, const double *y,
                     const double *y2, size_t n, uint64_t begin, ulp_stats *s)
{
    const int bwd = o->dir == GOLU_DIR_BWD;
    s->checked += n;
    for (size_t i = 0; i < n; i++) {
        double xi = x[i], got = y[i];
        long double ref = golu_ref_mpfr(&o->act, o->dir, xi);
        if (y2 && !same_bits_f64(got, y2[i]))
            stats_diff(s, begin + i, xi, got, y2[i]);
        if (got == (double)ref && s->max_err >= 0.5)
            continue;
        double err = golu_ulp_err_f64(got, ref, 0);
        if (bwd && (err > 0.5 || err > s->max_err))
            err = golu_ulp_err_f64(got, ref, golu_ref_bwd_scale_mpfr(&o->act, xi));
        stats_add(s, err, begin + i, xi, got, ref);
    }
}

/* ------------------------------------------------------------------------ */
/* bfloat16 and float16: all 65536 inputs                                    */
/* ------------------------------------------------------------------------ */

static float half_value(golu_dtype dtype, uint16_t h)
{
    if (dtype == GOLU_BF16) {
        uint32_t b = (uint32_t)h << 16;
        float f;
        memcpy(&f, &b, sizeof f);
        return f;
    }
    int e = (h >> 10) & 0x1f, m = h & 0x3ff;
    float v = e == 0x1f ? (m ? NAN : INFINITY)
              : e == 0  ? ldexpf((float)m, -24)
                        : ldexpf((float)(m | 0x400), e - 25);
    return (h & 0x8000) ? -v : v;
}

static double half_err(golu_dtype dtype, uint16_t got, long double ref, long double scale)
{
    return dtype == GOLU_BF16 ? golu_ulp_err_bf16(got, ref, scale)
                              : golu_ulp_err_f16(got, ref, scale);
}

size_t ulp_half_inputs(const ulp_opts *o, uint16_t *x, uint16_t *ones)
{
    size_t n = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float v = half_value(o->dtype, (uint16_t)h);
        if (o->have_range && !(v >= o->lo && v <= o->hi))
            continue;
        x[n] = (uint16_t)h;
        ones[n++] = o->dtype == GOLU_BF16 ? 0x3f80 : 0x3c00;
    }
    return n;
}

void ulp_measure_half(const ulp_opts *o, const uint16_t *x, const uint16_t *y,
                      const uint16_t *y2, size_t n, ulp_stats *s)
{
    s->checked += n;
    for (size_t i = 0; i < n; i++) {
        float xi = half_value(o->dtype, x[i]);
        float got = half_value(o->dtype, y[i]);
        long double ref = golu_ref_ld(&o->act, o->dir, xi);
        if (y2 && y[i] != y2[i] && !(isnan(got) && isnan(half_value(o->dtype, y2[i]))))
            stats_diff(s, i, xi, got, half_value(o->dtype, y2[i]));
        double err = half_err(o->dtype, y[i], ref, 0);
        if (o->dir == GOLU_DIR_BWD && (err > 0.5 || err > s->max_err))
            err = half_err(o->dtype, y[i], ref, golu_ref_bwd_scale_ld(&o->act, xi));
        stats_add(s, err, i, xi, got, ref);
    }
}
