/*
 * util.h - helpers shared by the test programs (header only: the Makefile
 * links each tests/test_*.c with harness.o alone, so everything here is
 * static inline).
 *
 *   bits of floats, a seeded generator, the list of SIMD paths to run on,
 *   correct rounding of a long double to bfloat16/float16/float32, element
 *   access for every dtype, and a tracker of the worst error and its input.
 */
#ifndef GOLU_TEST_UTIL_H
#define GOLU_TEST_UTIL_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golu.h"
#include "harness.h"

/* ------------------------------------------------------------ checks ---- */

/*
 * harness.h's CHECK_EQ_INT(a, b) evaluates a and b twice (once to compare,
 * once for the message), so CHECK_EQ_INT(golu_forward(.., x, x, ..), 0)
 * would run an in-place call twice. These evaluate their arguments once.
 */
static inline int check_int_(long long a, long long b, const char *sa, const char *sb,
                             const char *file, int line)
{
    return harness_check(a == b, file, line, "%s == %s: %lld != %lld", sa, sb, a, b);
}
#define CHECK_INT(a, b)                                                                  \
    check_int_((long long)(a), (long long)(b), #a, #b, __FILE__, __LINE__)

static inline int check_status_(golu_status got, golu_status want, const char *expr,
                                const char *file, int line)
{
    return harness_check(got == want, file, line, "%s = %s (%d), want %s (%d)", expr,
                         golu_status_str(got), (int)got, golu_status_str(want),
                         (int)want);
}
/* CHECK_ST(call, status): the call returns that status. */
#define CHECK_ST(call, want) check_status_((call), (want), #call, __FILE__, __LINE__)

/* ------------------------------------------------------------ bits ------ */

static inline uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline uint64_t f64_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static inline double bits_f64(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* ------------------------------------------------------- generator ------ */

/* splitmix64: small, fast, and the same sequence everywhere for a seed. */
typedef struct rng {
    uint64_t s;
} rng;

static inline uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline double rng_unit(rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1p-53;
}

/* Uniform in [lo, hi). */
static inline double rng_range(rng *r, double lo, double hi)
{
    return lo + (hi - lo) * rng_unit(r);
}

/* ------------------------------------------------------- SIMD paths ----- */

/*
 * Every concrete path (AUTO excluded) in enum order; *isa_out receives the
 * i-th one. Returns 0 past the end.
 */
static inline int isa_at(int i, golu_isa *isa_out)
{
    if (i < 0 || i >= GOLU_ISA_COUNT - 1)
        return 0;
    *isa_out = (golu_isa)(GOLU_ISA_SCALAR + i);
    return 1;
}

/* One SKIP line per path this CPU or build lacks (call once per program). */
static inline void skip_missing_isas(void)
{
    golu_isa isa;
    for (int i = 0; isa_at(i, &isa); i++)
        if (!golu_isa_supported(isa))
            SKIP("SIMD path %s is not supported by this CPU/build: not tested",
                 golu_isa_name(isa));
}

/*
 * A context forced onto `isa` with `threads` threads, or NULL when this CPU
 * or build lacks the path (see skip_missing_isas). A failure to create or
 * configure a supported path is a failed check.
 */
static inline golu_ctx *ctx_for_isa(golu_isa isa, int threads)
{
    golu_ctx *ctx = NULL;
    if (!golu_isa_supported(isa))
        return NULL;
    if (!CHECK(golu_ctx_create(&ctx) == GOLU_OK && ctx, "golu_ctx_create"))
        return NULL;
    golu_status st = golu_ctx_set_isa(ctx, isa);
    if (!CHECK(st == GOLU_OK, "golu_ctx_set_isa(%s): %s", golu_isa_name(isa),
               golu_status_str(st))) {
        golu_ctx_destroy(ctx);
        return NULL;
    }
    st = golu_ctx_set_threads(ctx, threads);
    if (!CHECK(st == GOLU_OK, "golu_ctx_set_threads(%d): %s", threads,
               golu_status_str(st))) {
        golu_ctx_destroy(ctx);
        return NULL;
    }
    return ctx;
}

/* ------------------------------------------------- correct rounding ----- */

/*
 * v rounded to nearest (ties to even) in a binary format with p bits of
 * precision and normal exponents emin..emax, subnormals included; overflow
 * gives an infinity of v's sign, a result of zero keeps v's sign. The value
 * is returned as a long double (it is exactly representable in the format).
 */
static inline long double round_fmt(long double v, int p, int emin, int emax)
{
    if (isnan(v) || isinf(v) || v == 0)
        return v;
    int e = ilogbl(v);
    if (e < emin)
        e = emin;
    long double q = ldexpl(1.0L, e - p + 1);
    long double r = rintl(v / q) * q; /* the default mode: nearest even */
    if (fabsl(r) >= ldexpl(1.0L, emax + 1))
        return copysignl((long double)INFINITY, v);
    if (r == 0)
        return copysignl(0.0L, v);
    return r;
}

static inline long double round_bf16(long double v)
{
    return round_fmt(v, 8, -126, 127);
}
static inline long double round_f16(long double v)
{
    return round_fmt(v, 11, -14, 15);
}
static inline long double round_f32(long double v)
{
    return round_fmt(v, 24, -126, 127);
}

/* The bits of a value representable in bfloat16 (NaN gives a quiet NaN). */
static inline uint16_t bf16_encode(long double r)
{
    if (isnan(r))
        return (uint16_t)(signbit(r) ? 0xFFC0 : 0x7FC0);
    return (uint16_t)(f32_bits((float)r) >> 16);
}

/* The bits of a value representable in float16 (NaN gives a quiet NaN). */
static inline uint16_t f16_encode(long double r)
{
    uint16_t s = signbit(r) ? 0x8000 : 0;
    if (isnan(r))
        return (uint16_t)(s | 0x7E00);
    r = fabsl(r);
    if (isinf(r))
        return (uint16_t)(s | 0x7C00);
    if (r == 0)
        return s;
    int e = ilogbl(r);
    if (e < -14)
        return (uint16_t)(s | (uint16_t)(r * 0x1p24L));
    uint16_t m = (uint16_t)(ldexpl(r, -e) * 1024.0L - 1024.0L);
    return (uint16_t)(s | (uint16_t)((e + 15) << 10) | m);
}

/* The value of float16 bits, decoded independently of the library. */
static inline long double f16_decode(uint16_t h)
{
    int s = h >> 15, e = (h >> 10) & 0x1F, m = h & 0x3FF;
    long double v;
    if (e == 0x1F)
        v = m ? (long double)NAN : (long double)INFINITY;
    else if (e == 0)
        v = ldexpl((long double)m, -24);
    else
        v = ldexpl((long double)(m + 1024), e - 25);
    return s ? -v : v;
}

static inline int bf16_isnan(uint16_t h)
{
    return (h & 0x7F80) == 0x7F80 && (h & 0x7F);
}
static inline int f16_isnan(uint16_t h)
{
    return (h & 0x7C00) == 0x7C00 && (h & 0x3FF);
}

/* ----------------------------------------------------- dtype access ----- */

static inline long double elem_get(golu_dtype dt, const void *buf, size_t i)
{
    switch (dt) {
    case GOLU_F32: return ((const float *)buf)[i];
    case GOLU_F64: return ((const double *)buf)[i];
    case GOLU_BF16: return golu_bf16_to_f32(((const uint16_t *)buf)[i]);
    case GOLU_F16: return golu_f16_to_f32(((const uint16_t *)buf)[i]);
    }
    return NAN;
}

/* Stores v rounded to the dtype (a single rounding from double). */
static inline void elem_set(golu_dtype dt, void *buf, size_t i, double v)
{
    switch (dt) {
    case GOLU_F32: ((float *)buf)[i] = (float)v; break;
    case GOLU_F64: ((double *)buf)[i] = v; break;
    case GOLU_BF16: ((uint16_t *)buf)[i] = bf16_encode(round_bf16(v)); break;
    case GOLU_F16: ((uint16_t *)buf)[i] = f16_encode(round_f16(v)); break;
    }
}

/* 1 when element i of a and b hold the same bits, or both hold a NaN. */
static inline int elem_same(golu_dtype dt, const void *a, const void *b, size_t i)
{
    size_t sz = golu_dtype_size(dt);
    if (memcmp((const char *)a + i * sz, (const char *)b + i * sz, sz) == 0)
        return 1;
    return isnan(elem_get(dt, a, i)) && isnan(elem_get(dt, b, i));
}

/* -------------------------------------------------- worst error --------- */

typedef struct worst {
    double err; /* largest error seen (ulps) */
    double x;   /* the input that gave it */
    long count; /* inputs measured */
} worst;

static inline void worst_add(worst *w, double err, double x)
{
    w->count++;
    if (err > w->err || (isnan(err) && !isnan(w->err))) {
        w->err = err;
        w->x = x;
    }
}

/* ------------------------------------------------------ activations ----- */

/* A GOLU_ACT_LIST row (golu.h), read from the list itself rather than
 * through the library: what the tests expect of each kind. rule and kern
 * are the list's tokens as strings ("positive", "leaky"). */
typedef struct act_list_row {
    const char *name, *alias, *quiet;
    int value;
    double alpha, beta, gamma;
    int grads;
    const char *rule, *kern, *color, *desc;
} act_list_row;

/* The row of kind k, or NULL for an unknown kind. */
static inline const act_list_row *act_list_row_of(int kind)
{
    static const act_list_row rows[] = {
#define UTIL_ACT_ROW_(E, name, value, alias, quiet, a, b, g, grads, rule, kern, color,   \
                      desc)                                                              \
    [GOLU_ACT_##                                                                         \
        E] = {name, alias, quiet, value, a, b, g, grads, #rule, #kern, color, desc},
        GOLU_ACT_LIST(UTIL_ACT_ROW_)
#undef UTIL_ACT_ROW_
    };
    _Static_assert(sizeof rows / sizeof rows[0] == GOLU_ACT_COUNT,
                   "rows: one per activation");
    return kind >= 0 && kind < GOLU_ACT_COUNT ? &rows[kind] : NULL;
}

/* The canonical name of a kind from the list (not through golu_act_name);
 * "?" for an unknown kind. For messages, and as golu_act_name's expected
 * value. */
static inline const char *act_list_name(int kind)
{
    const act_list_row *r = act_list_row_of(kind);
    return r ? r->name : "?";
}

/* An activation by kind with its defaults. */
static inline golu_act act_of(int kind)
{
    return golu_act_default((golu_act_kind)kind);
}

/* ------------------------------------------ buffers for layer checks ---- */

static inline void fill_range(double *a, size_t n, rng *r, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        a[i] = rng_range(r, lo, hi);
}

static inline void fill_const(double *a, size_t n, double v)
{
    for (size_t i = 0; i < n; i++)
        a[i] = v;
}

/* Rounds a to float in place and copies it to f: the float and double
 * builds of a layer then see the same values. */
static inline void round_to_float(float *f, double *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        f[i] = (float)a[i];
        a[i] = f[i];
    }
}

/* sum a[i]*b[i] in long double: in a finite difference the terms that did
 * not move cancel exactly, so the loss's own rounding stays far below it. */
static inline double dot_ld(const double *a, const double *b, size_t n)
{
    long double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (long double)a[i] * b[i];
    return (double)s;
}

#endif
