/*
 * test_nn_softmax_exp.c - the softmaxes' e^x (src/nn/layers/softmax_exp.h,
 * float build) against expl in long double (64-bit significand), an
 * independent reference:
 *
 *   - on 10^6 points spread over [-110, 0] and the reduction's seams
 *     (multiples of ln2/2, where k changes), within 4e-16 relative;
 *   - rounded to float, equal to expl's value rounded to float, but for a
 *     handful of near-ties (at most 1 in 10^5);
 *   - e^0 = 1 exactly; NaN gives NaN; below -708 a positive value at most
 *     e^-708 (0 once rounded to float), as the header says.
 *
 * And the attention's float form softmax_expf(a, b) = e^(a - b): on pairs of
 * floats with a - b over [-90, 0] and the seams, within 2 ulp of expl's
 * e^(a - b) (a - b taken exactly); 0 below -87; 1 at a = b; NaN gives NaN.
 */
#include <math.h>
#include <stdio.h>

#include "harness.h"
#include "layers/softmax_exp.h"

static void test_range(void)
{
    long n = 0, float_diff = 0;
    double worst = 0, at = 0;
    for (long i = 0; i <= 1000000; i++) {
        double x = -110.0 * (double)i / 1000000.0;
        /* every tenth point on a seam of the reduction, either side */
        if (i % 10 == 0) {
            double half_ln2 = 0.34657359027997264;
            x = nearbyint(x / half_ln2) * half_ln2 + (i % 20 == 0 ? 1e-12 : -1e-12);
            if (x > 0)
                x = 0;
        }
        long double want = expl((long double)x);
        double got = softmax_exp(x);
        double rel = (double)fabsl(((long double)got - want) / want);
        if (rel > worst)
            worst = rel, at = x;
        float_diff += (float)got != (float)want;
        n++;
    }
    CHECK(worst <= 4e-16, "worst relative error %.3g at x = %.17g (bound 4e-16)", worst,
          at);
    CHECK(float_diff * 100000 <= n, "%ld of %ld differ from expl once rounded to float",
          float_diff, n);
}

static void test_edges(void)
{
    CHECK(softmax_exp(0.0) == 1.0 && softmax_exp(-0.0) == 1.0, "e^0 = %.17g",
          softmax_exp(0.0));
    CHECK(isnan(softmax_exp(NAN)), "NaN in gives %g", softmax_exp(NAN));
    double lim = exp(-708.0);
    for (double x = -708.0; x >= -1e6; x *= 1.7) {
        double y = softmax_exp(x);
        CHECK(y > 0 && y <= lim * (1 + 1e-15) && (float)y == 0.0f, "x = %g gives %g", x,
              y);
    }
    double y = softmax_exp(-INFINITY);
    CHECK(y >= 0 && (float)y == 0.0f, "-inf gives %g", y);
}

/* The error of got in float ulps of want (> 0, a normal float's range). */
static double float_ulps(float got, long double want)
{
    int e;
    frexpl(want, &e); /* want = m 2^e, m in [1/2, 1): ulp 2^(e - 24) */
    return (double)(fabsl((long double)got - want) / ldexpl(1.0L, e - 24));
}

static void test_float_form(void)
{
    long n = 0;
    double worst = 0;
    float wa = 0, wb = 0;
    for (long i = 0; i <= 400000; i++) {
        /* b over [-30, 30], a - b over [-86.9, 0], every tenth on a seam */
        float b = (float)(-30.0 + 60.0 * (double)((i * 7919) % 400001) / 400000.0);
        double d = -86.9 * (double)i / 400000.0;
        if (i % 10 == 0)
            d = nearbyint(d / 0.34657359027997264) * 0.34657359027997264 +
                (i % 20 == 0 ? 1e-6 : -1e-6);
        float a = (float)((double)b + (d > 0 ? 0 : d));
        if (a > b)
            a = b;
        long double want = expl((long double)a - (long double)b);
        double u = float_ulps(softmax_expf(a, b), want);
        if (u > worst)
            worst = u, wa = a, wb = b;
        n++;
    }
    CHECK(worst <= 2.0, "softmax_expf: %.3g ulp at a = %a, b = %a (bound 2)", worst,
          (double)wa, (double)wb);
    printf("softmax_expf: worst %.3f ulp over %ld pairs\n", worst, n);
    CHECK(softmax_expf(3.5f, 3.5f) == 1.0f && softmax_expf(-0.0f, 0.0f) == 1.0f,
          "e^0 = %a", (double)softmax_expf(3.5f, 3.5f));
    CHECK(isnan(softmax_expf(NAN, 1.0f)) && isnan(softmax_expf(1.0f, NAN)),
          "NaN in gives a number");
    const float far[] = {-87.01f, -100.0f, -1e6f, -INFINITY};
    for (int k = 0; k < 4; k++)
        CHECK(softmax_expf(far[k], 0.0f) == 0.0f, "e^%g gives %a", (double)far[k],
              (double)softmax_expf(far[k], 0.0f));
    CHECK(softmax_expf(-86.9f, 0.0f) > 0.0f, "e^-86.9 gives 0");
}

int main(void)
{
    TEST_BEGIN("nn_softmax_exp");
    test_range();
    test_edges();
    test_float_form();
    return TEST_END();
}
