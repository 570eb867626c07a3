/*
 * test_lab_stats.c - the statistics of src/lab/stats.h against values
 * worked out by hand and against long double recomputations.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "harness.h"
#include "stats.h"

static int close_to(double got, double want, double rel)
{
    return fabs(got - want) <= rel * fabs(want);
}

static void test_mean_std(void)
{
    double v[10];
    for (int i = 0; i < 10; i++)
        v[i] = i + 1;
    double mean, std;
    lab_mean_std(v, 10, &mean, &std);
    /* 1..10: mean 5.5; sum of squared deviations 82.5; 82.5 / 9 */
    CHECK(mean == 5.5, "mean of 1..10 = %.17g", mean);
    CHECK(close_to(std, sqrt(82.5 / 9), 1e-15), "std of 1..10 = %.17g", std);
    lab_mean_std(v, 1, &mean, &std);
    CHECK(mean == 1 && isnan(std), "one value: mean %g std %g (want 1, NaN)", mean, std);
    lab_mean_std(v, 0, &mean, &std);
    CHECK(isnan(mean) && isnan(std), "no values: mean %g std %g", mean, std);
    /* A large offset: the two-pass form keeps the spread exact. */
    double w[3] = {1e9 + 1, 1e9 + 2, 1e9 + 3};
    lab_mean_std(w, 3, &mean, &std);
    CHECK(mean == 1e9 + 2 && std == 1, "offset sample: mean %.17g std %.17g", mean, std);
}

/* Welford against a long double two-pass on a deterministic sample. */
static void test_welford(void)
{
    enum { N = 1000 };
    double v[N];
    uint64_t s = 12345;
    for (int i = 0; i < N; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        v[i] = 100.0 + (double)(s >> 11) * 0x1p-53 * 3.0;
    }
    lab_welford w;
    lab_welford_init(&w);
    CHECK(isnan(lab_welford_std(&w)), "empty Welford std is NaN");
    long double sum = 0, ss = 0;
    for (int i = 0; i < N; i++) {
        lab_welford_add(&w, v[i]);
        sum += v[i];
    }
    long double mean = sum / N;
    for (int i = 0; i < N; i++)
        ss += (v[i] - mean) * (v[i] - mean);
    double want = (double)sqrtl(ss / (N - 1));
    CHECK(close_to(w.mean, (double)mean, 1e-14), "Welford mean %.17g, want %.17g", w.mean,
          (double)mean);
    CHECK(close_to(lab_welford_std(&w), want, 1e-12), "Welford std %.17g, want %.17g",
          lab_welford_std(&w), want);
    CHECK_EQ_INT(w.n, N);
    lab_welford one;
    lab_welford_init(&one);
    lab_welford_add(&one, 7);
    CHECK(one.mean == 7 && isnan(lab_welford_std(&one)), "one value: mean %g std %g",
          one.mean, lab_welford_std(&one));
}

static void test_median(void)
{
    double odd[5] = {5, 1, 4, 2, 3};
    CHECK(lab_median(odd, 5) == 3, "median of 5 values");
    CHECK(odd[0] == 1 && odd[4] == 5, "sorted in place");
    double even[4] = {10, -2, 4, 1};
    CHECK(lab_median(even, 4) == 2.5, "median of 4 values = %g", lab_median(even, 4));
    double one[1] = {-3};
    CHECK(lab_median(one, 1) == -3, "median of one value");
    CHECK(isnan(lab_median(one, 0)), "median of nothing is NaN");
    double with_nan[3] = {NAN, 2, 1};
    double m = lab_median(with_nan, 3);
    CHECK(m == 2 && isnan(with_nan[2]), "a NaN sorts last: median %g", m);
}

static void test_moments(void)
{
    /* {-1, 1}: mean 0, population std 1, m4 / m2^2 = 1, excess kurtosis -2. */
    double pm[4] = {-1, 1, -1, 1};
    lab_moments m;
    lab_moments_of(pm, 4, &m);
    CHECK(m.mean == 0 && m.std_population == 1 && m.excess_kurtosis == -2 &&
              m.min == -1 && m.max == 1,
          "+-1: mean %g std %g kurt %g min %g max %g", m.mean, m.std_population,
          m.excess_kurtosis, m.min, m.max);
    /* 0,0,0,0,4: mean 0.8; deviations -0.8 x4, 3.2; m2 = 2.56; m4 = 21.2992;
     * kurtosis 21.2992 / 6.5536 - 3 = 0.25 */
    double spike[5] = {0, 0, 4, 0, 0};
    lab_moments_of(spike, 5, &m);
    CHECK(close_to(m.mean, 0.8, 1e-15) && close_to(m.std_population, 1.6, 1e-15) &&
              close_to(m.excess_kurtosis, 0.25, 1e-13),
          "spike: mean %.17g std %.17g kurt %.17g", m.mean, m.std_population,
          m.excess_kurtosis);
    double c[3] = {2, 2, 2};
    lab_moments_of(c, 3, &m);
    CHECK(m.std_population == 0 && isnan(m.excess_kurtosis), "constant sample");
    lab_moments_of(c, 0, &m);
    CHECK(isnan(m.mean) && isnan(m.min), "empty sample gives NaN");
}

int main(void)
{
    TEST_BEGIN("lab_stats");
    test_mean_std();
    test_welford();
    test_median();
    test_moments();
    return TEST_END();
}
