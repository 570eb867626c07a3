/*
 * test_ref.c - the oracles themselves: the long double reference against
 * docs/MATH.md's 40-digit table, the peers' known minima and slopes, limits,
 * kinks and NaN; the long double oracle against the MPFR one; and the ulp
 * error functions on hand-made cases.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../../src/ref/reference.h"
#include "harness.h"

static golu_act act_of(golu_act_kind kind, double alpha)
{
    golu_act a = {kind, 1.0, 1.0, 1.0};
    a.alpha = alpha;
    return a;
}

static const golu_act GOLU = {GOLU_ACT_GOLU, 1.0, 1.0, 1.0};

static long double f(const golu_act *a, long double x)
{
    return golu_ref_ld(a, GOLU_DIR_FWD, x);
}

static long double df(const golu_act *a, long double x)
{
    return golu_ref_ld(a, GOLU_DIR_BWD, x);
}

/* |got - want| <= rel * |want|, want given to 15 digits in docs/MATH.md. */
#define CHECK_REL(got, want, rel)                                                        \
    CHECK(fabsl((got) - (want)) <= (rel)*fabsl(want),                                    \
          "%s = %.18Lg, want %.15Lg (rel %.1e)", #got, (long double)(got),               \
          (long double)(want), (double)(rel))

#define CHECK_SAME(got, want)                                                            \
    CHECK(memcmp(&(long double){got}, &(long double){want}, 10) == 0 ||                  \
              (isnan(got) && isnan(want)),                                               \
          "%s = %La, want %La", #got, (long double)(got), (long double)(want))

/* ------------------------------------------------------------------------ */

static void test_golu_table(void)
{
    static const struct {
        double x;
        long double y, dy;
    } rows[] = {
        {-5, -1.75369459823231e-64L, -2.59920616505135e-62L},
        {-4.5, -3.6246753403834e-39L, -3.25477392628082e-37L},
        {-4, -7.76935041982561e-24L, -4.22249822276754e-22L},
        {-3, -5.67653608451488e-9L, -1.12124096426492e-7L},
        {-2, -0.00123595797866219L, -0.00851458385092474L},
        {-1, -0.0659880358453125L, -0.113386042888705L},
        {-0.5, -0.0961478227739825L, 0.0337746850089938L},
        {0.5, 0.272619605946303L, 0.710591361337814L},
        {1, 0.692200627555346L, 0.946847007598929L},
        {2, 1.74684603698623L, 1.1098329216794L},
        {5, 4.96642351033921L, 1.02674820045552L},
        {10, 9.99954601100799L, 1.00040857978736L},
    };
    /* 15 digits printed: 1e-14 relative (the 14-digit rows round at 5e-15). */
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        CHECK_REL(f(&GOLU, rows[i].x), rows[i].y, 1e-14L);
        CHECK_REL(df(&GOLU, rows[i].x), rows[i].dy, 1e-14L);
    }

    /* The minimum at x* = -W(1): value, and f' = 0 there (f'' ~ 0.5, so an
     * x* known to 1e-15 leaves |f'| < 1e-15). */
    const long double xs = -0.567143290409784L;
    CHECK_REL(f(&GOLU, xs), -0.0972601312276394L, 1e-14L);
    CHECK(fabsl(df(&GOLU, xs)) < 2e-15L, "GoLU'(x*) = %Lg", df(&GOLU, xs));
    CHECK(df(&GOLU, xs - 1e-6L) < 0 && df(&GOLU, xs + 1e-6L) > 0,
          "GoLU' changes sign at x*");

    CHECK_SAME(f(&GOLU, 0.0L), 0.0L);
    CHECK_SAME(f(&GOLU, -0.0L), -0.0L);
    CHECK_REL(df(&GOLU, 0.0L), 0.367879441171442L, 1e-14L);
    CHECK_REL(df(&GOLU, -0.0L), 0.367879441171442L, 1e-14L);
    /* GoLU''(0) = 2/e by a central difference of the oracle's f'. */
    const long double h = 1e-6L;
    long double d2 = (df(&GOLU, h) - df(&GOLU, -h)) / (2 * h);
    CHECK_REL(d2, 0.735758882342885L, 1e-10L);

    /* Extreme slopes: values, and f'' = 0 there (central differences). */
    const long double xmax = 2.23864583460628L, xmin = -1.06009031989321L;
    CHECK_REL(df(&GOLU, xmax), 1.11339727527568L, 1e-14L);
    CHECK_REL(df(&GOLU, xmin), -0.114878311548679L, 1e-14L);
    CHECK(fabsl(df(&GOLU, xmax + h) - df(&GOLU, xmax - h)) / (2 * h) < 1e-9L,
          "GoLU'' = 0 at the largest slope");
    CHECK(fabsl(df(&GOLU, xmin + h) - df(&GOLU, xmin - h)) / (2 * h) < 1e-9L,
          "GoLU'' = 0 at the most negative slope");
}

/* General parameters against the closed forms evaluated directly. */
static void test_golu_params(void)
{
    const golu_act g = {GOLU_ACT_GOLU, 1.7, 0.6, 2.3};
    const long double xs[] = {-3.1L, -0.7L, -0.01L, 1e-9L, 0.02L, 0.5L, 4.0L};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        long double x = xs[i];
        long double e = expl(-g.gamma * x), G = expl(-g.beta * e);
        long double y = g.alpha * x * G;
        long double dy = g.alpha * G * (1 + g.beta * g.gamma * x * e);
        /* The direct form loses about |gamma x| beta e 2^-63 (2^-51 at
         * x = -3.1), the oracle about as much. */
        CHECK_REL(f(&g, x), y, 1e-14L);
        CHECK_REL(df(&g, x), dy, 1e-14L);
    }
    /* The limits carry alpha. */
    CHECK_SAME(df(&g, INFINITY), (long double)g.alpha);
    CHECK_SAME(f(&g, INFINITY), (long double)INFINITY);
    CHECK_SAME(f(&g, -INFINITY), -0.0L);
    CHECK_SAME(df(&g, -INFINITY), -0.0L);
    CHECK_SAME(golu_ref_bwd_scale_ld(&g, INFINITY), (long double)g.alpha);
}

/* ------------------------------------------------------------------------ */

static void test_peers(void)
{
    const golu_act gelu = act_of(GOLU_ACT_GELU, 0), silu = act_of(GOLU_ACT_SILU, 0),
                   mish = act_of(GOLU_ACT_MISH, 0), gt = act_of(GOLU_ACT_GELU_TANH, 0);

    /* Slopes at 0 (exact values). */
    CHECK_REL(df(&gelu, 0.0L), 0.5L, 1e-18L);
    CHECK_REL(df(&gt, 0.0L), 0.5L, 1e-18L);
    CHECK_REL(df(&silu, 0.0L), 0.5L, 1e-18L);
    CHECK_REL(df(&mish, 0.0L), 0.6L, 1e-18L);
    CHECK_REL(df(&GOLU, 0.0L), expl(-1.0L), 1e-18L);

    /* Minima, given to 5 digits: the value within 1e-5, f' = 0 between
     * x - 1e-5 and x + 1e-5. */
    static const struct {
        golu_act_kind kind;
        long double x, y;
    } minima[] = {
        {GOLU_ACT_GELU, -0.75179L, -0.16997L},
        {GOLU_ACT_SILU, -1.27846L, -0.27846L},
        {GOLU_ACT_MISH, -1.19243L, -0.30884L},
    };
    for (size_t i = 0; i < sizeof minima / sizeof minima[0]; i++) {
        golu_act a = act_of(minima[i].kind, 0);
        long double x = minima[i].x;
        CHECK(fabsl(f(&a, x) - minima[i].y) <= 1e-5L, "%s min %.8Lg, want %.5Lg",
              golu_act_name(a.kind), f(&a, x), minima[i].y);
        CHECK(df(&a, x - 1e-5L) < 0 && df(&a, x + 1e-5L) > 0,
              "%s' changes sign near %.5Lg", golu_act_name(a.kind), x);
    }
    /* The tanh form stays within 4.8e-4 of the erf form (the largest
     * difference is 4.73e-4, near x = -2.7). */
    for (long double x = -6; x <= 6; x += 0.125L)
        CHECK(fabsl(f(&gt, x) - f(&gelu, x)) < 4.8e-4L, "gelu_tanh(%Lg)", x);

    /* SiLU: x sigmoid(x) in closed form; Mish at 1: tanh(log(1+e)). */
    CHECK_REL(f(&silu, 2.0L), 2.0L / (1 + expl(-2.0L)), 1e-18L);
    CHECK_REL(f(&mish, 1.0L), tanhl(log1pl(expl(1.0L))), 1e-18L);
    /* GELU at 1: Phi(1) = 0.841344746068542948585232545632... */
    CHECK_REL(f(&gelu, 1.0L), 0.841344746068542948585L, 1e-18L);
}

static void test_kinks(void)
{
    const golu_act relu = act_of(GOLU_ACT_RELU, 0);
    const golu_act leaky = act_of(GOLU_ACT_LEAKY_RELU, 0.01);
    const golu_act prelu = act_of(GOLU_ACT_PRELU, 0.25);
    const golu_act elu = act_of(GOLU_ACT_ELU, 1.0), elu2 = act_of(GOLU_ACT_ELU, 2.0);

    CHECK_SAME(df(&relu, 0.0L), 0.0L);
    CHECK_SAME(df(&relu, -0.0L), 0.0L);
    CHECK_SAME(df(&relu, 0x1p-149L), 1.0L);
    CHECK_SAME(f(&relu, -3.0L), 0.0L);
    CHECK_SAME(f(&relu, 3.0L), 3.0L);
    CHECK_SAME(df(&leaky, 0.0L), (long double)0.01);
    CHECK_SAME(df(&prelu, 0.0L), 0.25L);
    CHECK_SAME(f(&prelu, -2.0L), -0.5L);
    CHECK_SAME(f(&leaky, -2.0L), -2.0L * (long double)0.01);
    CHECK_SAME(df(&elu, 0.0L), 1.0L);
    CHECK_SAME(df(&elu, -0.0L), 1.0L);
    CHECK_SAME(df(&elu2, 0.0L), 1.0L);
    CHECK_REL(df(&elu2, -1e-30L), 2.0L, 1e-18L); /* from the left: alpha */
    CHECK_REL(f(&elu2, -1.0L), 2 * expm1l(-1.0L), 1e-18L);
    CHECK_REL(f(&elu, -1e-5L), expm1l(-1e-5L), 1e-18L);
    CHECK_REL(df(&elu2, -3.0L), 2 * expl(-3.0L), 1e-18L);
    CHECK_SAME(f(&elu, 0.5L), 0.5L);
}

/* Every kind at +-inf, NaN and +-0. */
static void test_limits(void)
{
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        golu_act a = act_of((golu_act_kind)k, k == GOLU_ACT_LEAKY_RELU ? 0.01
                                              : k == GOLU_ACT_PRELU    ? 0.25
                                                                       : 1.0);
        const char *n = golu_act_name(a.kind);
        long double neg_fwd = -0.0L, neg_bwd = -0.0L;
        switch (a.kind) {
        case GOLU_ACT_RELU:
            neg_fwd = 0.0L;
            neg_bwd = 0.0L;
            break;
        case GOLU_ACT_LEAKY_RELU:
        case GOLU_ACT_PRELU:
            neg_fwd = -INFINITY;
            neg_bwd = (long double)a.alpha;
            break;
        case GOLU_ACT_ELU:
            neg_fwd = -1.0L;
            neg_bwd = 0.0L;
            break;
        default: break;
        }
        CHECK(f(&a, INFINITY) == INFINITY, "%s(+inf)", n);
        CHECK(df(&a, INFINITY) == 1.0L, "%s'(+inf) = %Lg", n, df(&a, INFINITY));
        CHECK_SAME(f(&a, -INFINITY), neg_fwd);
        CHECK_SAME(df(&a, -INFINITY), neg_bwd);
        CHECK(isnan(f(&a, NAN)) && isnan(df(&a, NAN)), "%s(NaN)", n);
        CHECK(isnan(golu_ref_bwd_scale_ld(&a, NAN)), "%s scale(NaN)", n);
        long double s_inf = golu_ref_bwd_scale_ld(&a, INFINITY);
        long double s_ninf = golu_ref_bwd_scale_ld(&a, -INFINITY);
        CHECK(s_inf == 0 || s_inf == 1, "%s scale(+inf) = %Lg", n, s_inf);
        CHECK(s_ninf == 0, "%s scale(-inf) = %Lg", n, s_ninf);
        /* Far out: no NaN, signs right, saturation. */
        CHECK(f(&a, 1e30L) == 1e30L && df(&a, 1e30L) == 1, "%s(1e30)", n);
        CHECK(!isnan(f(&a, -1e30L)) && !isnan(df(&a, -1e30L)), "%s(-1e30)", n);
        if (a.kind != GOLU_ACT_RELU) /* relu(-0) is +0 */
            CHECK_SAME(f(&a, -0.0L), -0.0L);
        CHECK_SAME(f(&a, 0.0L), 0.0L);
    }
    CHECK_SAME(f(&GOLU, -100.0L), -0.0L);
    CHECK_SAME(df(&GOLU, -100.0L), -0.0L);
    CHECK_SAME(f(&GOLU, -4.6e4L), -0.0L);
    CHECK(f(&GOLU, 100.0L) == 100.0L && df(&GOLU, 100.0L) == 1, "golu(100)");
}

/* The long double oracle agrees with the MPFR one to 2^-53 of the scale
 * (it is about 2^-55 where float32 results are not zero). */
static void test_against_mpfr(void)
{
    uint64_t r = 0x9e3779b97f4a7c15ULL;
    long fails = 0, n = 0;
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        golu_act a = act_of((golu_act_kind)k, k == GOLU_ACT_LEAKY_RELU ? 0.01
                                              : k == GOLU_ACT_PRELU    ? 0.25
                                                                       : 1.0);
        for (int i = 0; i < 3000; i++) {
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            float x = (float)(((double)(r >> 11) * 0x1p-53) * 40 - 20);
            if (i % 3 == 0)
                x = ldexpf(x, -(int)(r % 40));
            for (int dir = 0; dir < 2; dir++) {
                long double got = golu_ref_ld(&a, (golu_dir)dir, x);
                long double want = golu_ref_mpfr(&a, (golu_dir)dir, x);
                long double m = fabsl(want);
                if (dir == GOLU_DIR_BWD)
                    m = fmaxl(m, golu_ref_bwd_scale_mpfr(&a, x));
                if (m < 0x1p-160L) /* far below float32: irrelevant */
                    continue;
                n++;
                if (!(fabsl(got - want) <= 0x1p-53L * m) && fails++ < 10)
                    CHECK(0, "%s %s at %a: %La vs mpfr %La", golu_act_name(a.kind),
                          dir ? "bwd" : "fwd", x, got, want);
            }
        }
    }
    CHECK(fails == 0, "%ld of %ld disagree with MPFR", fails, n);
    CHECK(n > 30000, "only %ld comparisons with MPFR", n);
}

/* ------------------------------------------------------------------------ */

static uint16_t f16_bits(uint16_t b)
{
    return b;
}

static void test_ulp(void)
{
    const float one_up = nextafterf(1.0f, 2.0f), one_down = nextafterf(1.0f, 0.0f);
    /* exact, one ulp, half ulp */
    CHECK(golu_ulp_err_f32(1.0f, 1.0L, 0) == 0, "f32 exact");
    CHECK(golu_ulp_err_f32(one_up, 1.0L, 0) == 1, "f32 one ulp up");
    CHECK(golu_ulp_err_f32(1.0f, 1.0L + 0x1p-24L, 0) == 0.5, "f32 half ulp");
    CHECK(golu_ulp_err_f32(one_down, 1.0L, 0) == 0.5, "f32 below 1: ulp of ref");
    CHECK(golu_ulp_err_f32(-3.0f, -3.0L - 0x1p-22L, 0) == 1, "f32 negative");
    CHECK(golu_ulp_err_f32(1.0f, 1.0L + 0x1p-30L, 0) == 0x1p-7, "f32 fraction");
    /* subnormals: the spacing is 2^-149 below 2^-126 */
    CHECK(golu_ulp_err_f32(0x1p-149f, 0.0L, 0) == 1, "f32 min subnormal vs 0");
    CHECK(golu_ulp_err_f32(3 * 0x1p-149f, 0x1p-149L, 0) == 2, "f32 subnormals");
    CHECK(golu_ulp_err_f32(0x1p-149f, 0x1.8p-149L, 0) == 0.5, "f32 subnormal half");
    CHECK(golu_ulp_err_f32(0x1p-126f, 0x1p-126L + 0x1p-149L, 0) == 1, "f32 min normal");
    /* signed zeros */
    CHECK(golu_ulp_err_f32(0.0f, 0.0L, 0) == 0, "f32 +0");
    CHECK(golu_ulp_err_f32(-0.0f, -0.0L, 0) == 0, "f32 -0");
    CHECK(golu_ulp_err_f32(-0.0f, 0.0L, 0) == 0.5, "f32 -0 vs +0");
    CHECK(golu_ulp_err_f32(0.0f, -0.0L, 0) == 0.5, "f32 +0 vs -0");
    CHECK(golu_ulp_err_f32(-0.0f, 0.0L, 1.0L) == 0x1p-127, "f32 -0 vs +0, scale 1");
    /* NaN and infinities */
    CHECK(golu_ulp_err_f32(NAN, NAN, 0) == 0, "f32 NaN NaN");
    CHECK(golu_ulp_err_f32(-NAN, NAN, 0) == 0, "f32 any NaN");
    CHECK(isinf(golu_ulp_err_f32(NAN, 1.0L, 0)), "f32 NaN vs 1");
    CHECK(isinf(golu_ulp_err_f32(1.0f, NAN, 0)), "f32 1 vs NaN");
    CHECK(golu_ulp_err_f32(INFINITY, INFINITY, 0) == 0, "f32 inf");
    CHECK(golu_ulp_err_f32(-INFINITY, -INFINITY, 0) == 0, "f32 -inf");
    CHECK(isinf(golu_ulp_err_f32(INFINITY, -INFINITY, 0)), "f32 inf vs -inf");
    CHECK(isinf(golu_ulp_err_f32(INFINITY, 1.0L, 0)), "f32 inf vs 1");
    CHECK(isinf(golu_ulp_err_f32(FLT_MAX, INFINITY, 0)), "f32 max vs inf");
    CHECK(golu_ulp_err_f32(INFINITY, 1e39L, 0) == 0.5, "f32 overflow rounds to inf");
    CHECK(isinf(golu_ulp_err_f32(INFINITY, (long double)FLT_MAX, 0)), "f32 inf vs max");
    /* scale: the ulp is taken at max(|ref|, scale) */
    CHECK(golu_ulp_err_f32(0x1p-30f, 0.0L, 1.0L) == 0x1p-7, "f32 scale");
    CHECK(golu_ulp_err_f32(0.5f, 0.5L + 0x1p-25L, 0.75L) == 0.5, "f32 scale 0.75");
    CHECK(golu_ulp_err_f32(0.5f, 0.5L + 0x1p-25L, 1.0L) == 0.25, "f32 scale 1");
    CHECK(golu_ulp_err_f32(2.0f, 2.0L + 0x1p-22L, 1.0L) == 1, "scale below |ref|");

    /* float64 */
    CHECK(golu_ulp_err_f64(1.0 + 0x1p-52, 1.0L, 0) == 1, "f64 one ulp");
    CHECK(golu_ulp_err_f64(1.0, 1.0L + 0x1p-53L, 0) == 0.5, "f64 half ulp");
    CHECK(golu_ulp_err_f64(0x1p-1074, 0.0L, 0) == 1, "f64 min subnormal");
    CHECK(golu_ulp_err_f64(-0.0, 0.0L, 0) == 0.5, "f64 signed zero");
    CHECK(isinf(golu_ulp_err_f64(NAN, 0.0L, 0)), "f64 NaN");

    /* bfloat16: 8 bits of precision, subnormal spacing 2^-133 */
    CHECK(golu_ulp_err_bf16(0x3f80, 1.0L, 0) == 0, "bf16 exact");
    CHECK(golu_ulp_err_bf16(0x3f81, 1.0L, 0) == 1, "bf16 one ulp");
    CHECK(golu_ulp_err_bf16(0x3f80, 1.0L + 0x1p-8L, 0) == 0.5, "bf16 half ulp");
    CHECK(golu_ulp_err_bf16(0xbf80, -1.0L - 0x1p-9L, 0) == 0.25, "bf16 negative");
    CHECK(golu_ulp_err_bf16(0x0001, 0.0L, 0) == 1, "bf16 min subnormal");
    CHECK(golu_ulp_err_bf16(0x8000, 0.0L, 0) == 0.5, "bf16 signed zero");
    CHECK(golu_ulp_err_bf16(0x7fc0, NAN, 0) == 0, "bf16 NaN");
    CHECK(isinf(golu_ulp_err_bf16(0x7f80, 1.0L, 0)), "bf16 inf vs 1");

    /* float16: 11 bits, subnormal spacing 2^-24, overflow at 65520 */
    CHECK(golu_ulp_err_f16(f16_bits(0x3c00), 1.0L, 0) == 0, "f16 exact");
    CHECK(golu_ulp_err_f16(f16_bits(0x3c01), 1.0L, 0) == 1, "f16 one ulp");
    CHECK(golu_ulp_err_f16(f16_bits(0x3c00), 1.0L + 0x1p-11L, 0) == 0.5, "f16 half");
    CHECK(golu_ulp_err_f16(f16_bits(0x0001), 0.0L, 0) == 1, "f16 min subnormal");
    CHECK(golu_ulp_err_f16(f16_bits(0x0003), 0x1p-24L, 0) == 2, "f16 subnormals");
    CHECK(golu_ulp_err_f16(f16_bits(0x0400), 0x1p-14L, 0) == 0, "f16 min normal");
    CHECK(golu_ulp_err_f16(f16_bits(0xc000), -2.0L - 0x1p-9L, 0) == 1, "f16 -2");
    CHECK(golu_ulp_err_f16(f16_bits(0x8000), 0.0L, 0) == 0.5, "f16 signed zero");
    CHECK(golu_ulp_err_f16(f16_bits(0x7bff), 65504.0L, 0) == 0, "f16 max");
    CHECK(golu_ulp_err_f16(f16_bits(0x7c00), 65520.0L, 0) == 0.5, "f16 overflow");
    CHECK(isinf(golu_ulp_err_f16(f16_bits(0x7c00), 65519.0L, 0)), "f16 not overflow");
    CHECK(golu_ulp_err_f16(f16_bits(0x7e00), NAN, 0) == 0, "f16 NaN");
    CHECK(isinf(golu_ulp_err_f16(f16_bits(0x7e00), 0.0L, 0)), "f16 NaN vs 0");
}

int main(void)
{
    TEST_BEGIN("test_ref");
    test_golu_table();
    test_golu_params();
    test_peers();
    test_kinks();
    test_limits();
    test_against_mpfr();
    test_ulp();
    return TEST_END();
}
