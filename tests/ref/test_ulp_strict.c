/*
 * test_ulp_strict.c - the strict measure of a backward sweep (ulp_stats's
 * strict record, ulps of f' itself) reports what the relaxed one (ulps of
 * max(|f'|, scale)) cannot see:
 *
 *   the library's results around GoLU's zero at x* = -W(1) (float32 every
 *   input within 2000 floats, float64 within 300 doubles, bfloat16 all) are
 *   within 1 ulp in both measures;
 *   the same results with one of them moved by 3 ulps next to x* are off by
 *   more than 1 ulp in the strict measure (and counted, at that input),
 *   while the relaxed measure still calls them within 0.5 ulp + a little;
 *   forward sweeps fill the strict record with the same errors;
 *   the merge of two workers' strict records is the one-worker record.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/ref/ulp_sweep.h"
#include "util.h"

#define XSTAR (-0.567143290409784)

static ulp_sweep_opts opts_of(golu_dir dir, golu_dtype dtype)
{
    ulp_sweep_opts o;
    memset(&o, 0, sizeof o);
    o.act = golu_act_default(GOLU_ACT_GOLU);
    o.dir = dir;
    o.dtype = dtype;
    o.isa = GOLU_ISA_AUTO;
    o.threads = 1;
    return o;
}

enum { N32 = 4001, N64 = 601 };

static void test_f32(void)
{
    static float x[N32], ones[N32], y[N32];
    int32_t k0 = (int32_t)f32_bits((float)XSTAR);
    size_t mid = N32 / 2;
    for (size_t i = 0; i < N32; i++) {
        x[i] = bits_f32((uint32_t)(k0 - (int32_t)mid + (int32_t)i));
        ones[i] = 1.0f;
    }
    golu_act act = golu_act_default(GOLU_ACT_GOLU);
    CHECK(golu_backward(NULL, &act, GOLU_F32, x, ones, y, N32) == GOLU_OK, "backward");
    ulp_sweep_opts o = opts_of(GOLU_DIR_BWD, GOLU_F32);
    ulp_stats s, s2, a, b;
    ulp_stats_init(&s);
    ulp_measure_f32(&o, x, y, NULL, N32, 0, &s);
    CHECK(s.strict.max_err <= 1.0 && s.strict.over_one == 0 && s.max_err <= 1.0,
          "f32 around x*: strict %g (%llu over 1), relaxed %g", s.strict.max_err,
          (unsigned long long)s.strict.over_one, s.max_err);
    CHECK(s.strict.max_err >= s.max_err, "strict %g < relaxed %g", s.strict.max_err,
          s.max_err);
    /* two workers, merged: the same record */
    ulp_stats_init(&a);
    ulp_stats_init(&b);
    ulp_measure_f32(&o, x, y, NULL, mid, 0, &a);
    ulp_measure_f32(&o, x + mid, y + mid, NULL, N32 - mid, mid, &b);
    ulp_stats_merge(&b, &a);
    CHECK(b.strict.max_err == s.strict.max_err &&
              b.strict.max_index == s.strict.max_index &&
              b.strict.over_half == s.strict.over_half &&
              b.strict.over_one == s.strict.over_one && b.strict.max_x == s.strict.max_x,
          "merged strict record differs: %g at %llu vs %g at %llu", b.strict.max_err,
          (unsigned long long)b.strict.max_index, s.strict.max_err,
          (unsigned long long)s.strict.max_index);
    /* the result nearest x* moved by 3 ulps */
    size_t bad = mid;
    for (size_t i = 0; i < N32; i++)
        if (fabsf(y[i]) < fabsf(y[bad]))
            bad = i;
    uint32_t yb = f32_bits(y[bad]);
    y[bad] = bits_f32(yb + 3);
    ulp_stats_init(&s2);
    ulp_measure_f32(&o, x, y, NULL, N32, 0, &s2);
    CHECK(s2.strict.max_err > 2.0 && s2.strict.over_one == 1 &&
              s2.strict.max_index == bad,
          "f32 perturbed: strict %g at index %llu (%llu over 1), want > 2 at %zu",
          s2.strict.max_err, (unsigned long long)s2.strict.max_index,
          (unsigned long long)s2.strict.over_one, bad);
    CHECK(s2.max_err <= 0.5 + 1e-3 && s2.over_one == 0,
          "f32 perturbed: the relaxed measure should not see it (%g)", s2.max_err);
    /* forward: the strict record holds the same errors */
    CHECK(golu_forward(NULL, &act, GOLU_F32, x, y, N32) == GOLU_OK, "forward");
    ulp_sweep_opts of = opts_of(GOLU_DIR_FWD, GOLU_F32);
    ulp_stats_init(&s);
    ulp_measure_f32(&of, x, y, NULL, N32, 0, &s);
    CHECK(s.strict.max_err == s.max_err && s.strict.over_half == s.over_half,
          "forward: strict %g vs %g", s.strict.max_err, s.max_err);
}

static void test_f64(void)
{
    static double x[N64], ones[N64], y[N64];
    int64_t k0 = (int64_t)f64_bits(XSTAR);
    for (size_t i = 0; i < N64; i++) {
        x[i] = bits_f64((uint64_t)(k0 - N64 / 2 + (int64_t)i));
        ones[i] = 1.0;
    }
    golu_act act = golu_act_default(GOLU_ACT_GOLU);
    CHECK(golu_backward(NULL, &act, GOLU_F64, x, ones, y, N64) == GOLU_OK, "backward");
    ulp_sweep_opts o = opts_of(GOLU_DIR_BWD, GOLU_F64);
    ulp_stats s;
    ulp_stats_init(&s);
    ulp_measure_f64(&o, x, y, NULL, N64, 0, &s);
    CHECK(s.strict.max_err <= 1.0 && s.max_err <= 1.0,
          "f64 around x*: strict %g, relaxed %g", s.strict.max_err, s.max_err);
    size_t bad = N64 / 2;
    y[bad] = bits_f64(f64_bits(y[bad]) + 5);
    ulp_stats_init(&s);
    ulp_measure_f64(&o, x, y, NULL, N64, 0, &s);
    CHECK(s.strict.max_err > 4.0 && s.strict.over_one == 1 && s.strict.max_index == bad,
          "f64 perturbed: strict %g at %llu", s.strict.max_err,
          (unsigned long long)s.strict.max_index);
    CHECK(s.max_err <= 0.5 + 1e-3, "f64 perturbed: relaxed %g", s.max_err);
}

static void test_half(void)
{
    static uint16_t hx[65536], hones[65536], hy[65536];
    ulp_sweep_opts o = opts_of(GOLU_DIR_BWD, GOLU_BF16);
    size_t n = ulp_half_inputs(&o, hx, hones);
    golu_act act = golu_act_default(GOLU_ACT_GOLU);
    CHECK(golu_backward(NULL, &act, GOLU_BF16, hx, hones, hy, n) == GOLU_OK, "backward");
    ulp_stats s;
    ulp_stats_init(&s);
    ulp_measure_half(&o, hx, hy, NULL, n, &s);
    CHECK(s.strict.max_err <= 1.0, "bf16: strict %g", s.strict.max_err);
    /* the bfloat16 input nearest x*, its result moved by 2 ulps */
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(ulp_half_value(GOLU_BF16, hx[i]) - XSTAR) <
            fabs(ulp_half_value(GOLU_BF16, hx[bad]) - XSTAR))
            bad = i;
    hy[bad] = (uint16_t)(hy[bad] + 2);
    ulp_stats_init(&s);
    ulp_measure_half(&o, hx, hy, NULL, n, &s);
    CHECK(s.strict.max_err > 1.0 && s.strict.over_one == 1 && s.strict.max_index == bad,
          "bf16 perturbed: strict %g at %llu", s.strict.max_err,
          (unsigned long long)s.strict.max_index);
}

int main(void)
{
    TEST_BEGIN("test_ulp_strict");
    test_f32();
    test_f64();
    test_half();
    return TEST_END();
}
