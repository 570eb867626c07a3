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

int main(void)
{
    TEST_BEGIN("nn_softmax_exp");
    test_range();
    test_edges();
    return TEST_END();
}
