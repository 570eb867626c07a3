/*
 * test_lab_compare.c - a compare's aggregation (src/lab/compare.h) on runs
 * made up here, against statistics worked out in long double: counts of
 * results and divergences, mean, sample std (none for one run), min, max,
 * the loss's mean and std, and the ranking both ways with ties in the
 * order given.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "compare.h"
#include "harness.h"

#define D LAB_RUN_DIVERGED
#define K LAB_RUN_OK

/* act 0: 0.80, 0.90 and one diverged run; act 1: 0.85, 0.87 and one whose
 * metric is infinite; act 2: only diverged runs; act 3: act 0's values in
 * the other order (a tie); act 4: one run. */
static const lab_compare_run RUNS[] = {
    {0, 1, K, 0.80, 0.50, 1, NULL, 0},     {1, 1, K, 0.85, 0.45, 1, NULL, 0},
    {2, 1, D, NAN, NAN, 1, NULL, 0},       {3, 1, K, 0.90, 0.60, 1, NULL, 0},
    {4, 1, K, 0.70, 0.90, 1, NULL, 0},     {0, 2, K, 0.90, 0.40, 1, NULL, 0},
    {1, 2, K, 0.87, 0.47, 1, NULL, 0},     {2, 2, D, NAN, NAN, 1, NULL, 0},
    {3, 2, K, 0.80, 0.70, 1, NULL, 0},     {0, 3, D, NAN, NAN, 1, NULL, 0},
    {1, 3, K, INFINITY, 0.30, 1, NULL, 0},
};
enum { NRUNS = sizeof RUNS / sizeof RUNS[0], NACTS = 5 };

/* Mean and sample std of v[0..n) in long double. */
static void reference(const double *v, int n, long double *mean, long double *std)
{
    long double s = 0, ss = 0;
    for (int i = 0; i < n; i++)
        s += v[i];
    *mean = s / n;
    for (int i = 0; i < n; i++)
        ss += (v[i] - *mean) * (v[i] - *mean);
    *std = n > 1 ? sqrtl(ss / (n - 1)) : NAN;
}

static int close_to(double got, long double want)
{
    if (isnan(want))
        return isnan(got);
    return fabsl(got - want) <= 1e-15L * fabsl(want);
}

static void check_act(const lab_compare_summary *S, int act, int n, int diverged,
                      const double *metric, const double *loss, double min, double max)
{
    const lab_act_stats *s = &S->stats[act];
    CHECK(s->n == n && s->diverged == diverged, "act %d: n %d diverged %d (want %d, %d)",
          act, s->n, s->diverged, n, diverged);
    if (n == 0) {
        CHECK(isnan(s->mean) && isnan(s->std) && isnan(s->min) && isnan(s->max) &&
                  isnan(s->loss_mean),
              "act %d: no result, no statistics", act);
        return;
    }
    long double mean, std, lmean, lstd;
    reference(metric, n, &mean, &std);
    reference(loss, n, &lmean, &lstd);
    CHECK(close_to(s->mean, mean) && close_to(s->std, std),
          "act %d: mean %.17g std %.17g, want %.17Lg %.17Lg", act, s->mean, s->std, mean,
          std);
    CHECK(close_to(s->loss_mean, lmean) && close_to(s->loss_std, lstd),
          "act %d: loss mean %.17g std %.17g, want %.17Lg %.17Lg", act, s->loss_mean,
          s->loss_std, lmean, lstd);
    CHECK(s->min == min && s->max == max, "act %d: min %g max %g, want %g %g", act,
          s->min, s->max, min, max);
}

static void check_order(const lab_compare_summary *S, const int *order, const int *rank,
                        const char *how)
{
    for (int i = 0; i < NACTS; i++) {
        CHECK(S->order[i] == order[i], "%s: place %d is act %d, want %d", how, i,
              S->order[i], order[i]);
        CHECK(S->stats[i].rank == rank[i], "%s: act %d ranks %d, want %d", how, i,
              S->stats[i].rank, rank[i]);
    }
    CHECK(S->ranked == 4, "%s: %d ranked (want 4: act 2 has no result)", how, S->ranked);
}

static void test_aggregate(void)
{
    lab_compare_summary S;
    if (!CHECK(lab_compare_aggregate(RUNS, NRUNS, NACTS, 1, &S) == 0, "aggregate"))
        return;
    CHECK(S.nacts == NACTS, "nacts %d", S.nacts);
    const double m0[2] = {0.80, 0.90}, l0[2] = {0.50, 0.40};
    const double m1[2] = {0.85, 0.87}, l1[2] = {0.45, 0.47};
    const double m3[2] = {0.90, 0.80}, l3[2] = {0.60, 0.70};
    const double m4[1] = {0.70}, l4[1] = {0.90};
    check_act(&S, 0, 2, 1, m0, l0, 0.80, 0.90);
    check_act(&S, 1, 2, 1, m1, l1, 0.85, 0.87);
    check_act(&S, 2, 0, 2, NULL, NULL, NAN, NAN);
    check_act(&S, 3, 2, 0, m3, l3, 0.80, 0.90);
    check_act(&S, 4, 1, 0, m4, l4, 0.70, 0.70);
    CHECK(S.stats[0].mean == S.stats[3].mean, "acts 0 and 3 tie exactly");
    /* higher is better: 0.86 > 0.85 = 0.85 (act 0 first: given first) > 0.70 */
    const int hi_order[NACTS] = {1, 0, 3, 4, 2}, hi_rank[NACTS] = {2, 1, 0, 3, 4};
    check_order(&S, hi_order, hi_rank, "higher is better");
    lab_compare_summary L;
    lab_compare_aggregate(RUNS, NRUNS, NACTS, 0, &L);
    const int lo_order[NACTS] = {4, 0, 3, 1, 2}, lo_rank[NACTS] = {2, 4, 0, 3, 1};
    check_order(&L, lo_order, lo_rank, "lower is better");
}

/* The runs in another order give the same statistics (two values an
 * activation: their sums commute). */
static void test_order_of_runs(void)
{
    lab_compare_run rev[NRUNS];
    for (int i = 0; i < NRUNS; i++)
        rev[i] = RUNS[NRUNS - 1 - i];
    lab_compare_summary a, b;
    lab_compare_aggregate(RUNS, NRUNS, NACTS, 1, &a);
    lab_compare_aggregate(rev, NRUNS, NACTS, 1, &b);
    CHECK(memcmp(a.order, b.order, sizeof a.order) == 0, "the same ranking");
    for (int k = 0; k < NACTS; k++) {
        const lab_act_stats *x = &a.stats[k], *y = &b.stats[k];
        const double u[6] = {x->mean, x->std, x->min, x->max, x->loss_mean, x->loss_std};
        const double v[6] = {y->mean, y->std, y->min, y->max, y->loss_mean, y->loss_std};
        for (int j = 0; j < 6; j++)
            CHECK(u[j] == v[j] || (isnan(u[j]) && isnan(v[j])),
                  "act %d value %d: %.17g vs %.17g", k, j, u[j], v[j]);
    }
}

static void test_find_and_limits(void)
{
    const lab_compare_run *r = lab_compare_find(RUNS, NRUNS, 1, 2);
    CHECK(r == &RUNS[6], "run (1, 2) found");
    CHECK(lab_compare_find(RUNS, NRUNS, 1, 4) == NULL, "run (1, 4) is not there");
    lab_compare_summary S;
    CHECK(lab_compare_aggregate(RUNS, NRUNS, LAB_COMPARE_MAX_ACTS + 1, 1, &S) == -1,
          "too many activations are refused");
    CHECK(lab_compare_aggregate(NULL, 0, 2, 1, &S) == 0 && S.ranked == 0 &&
              S.stats[0].rank == 0 && S.order[0] == 0 && S.order[1] == 1,
          "no runs: nothing ranked, the order given");
}

int main(void)
{
    TEST_BEGIN("lab_compare");
    test_aggregate();
    test_order_of_runs();
    test_find_and_limits();
    return TEST_END();
}
