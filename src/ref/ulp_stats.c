/*
 * ulp_stats.c - the statistics of an ulp sweep (ulp_sweep.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ulp_sweep.h"

void ulp_stats_init(ulp_stats *s)
{
    memset(s, 0, sizeof *s);
    s->max_err = -1;
    s->strict.max_err = -1;
}

/* Folds one error into a strict record (ties to the smaller index). */
static void strict_add(ulp_strict *t, double err, uint64_t index, double x, double got,
                       long double ref)
{
    if (err > 0.5)
        t->over_half++;
    if (err > 1)
        t->over_one++;
    if (err > t->max_err || (err == t->max_err && index < t->max_index)) {
        t->max_err = err;
        t->max_index = index;
        t->max_x = x;
        t->max_got = got;
        t->max_ref = ref;
    }
}

void ulp_stats_add_strict(ulp_stats *s, double err, uint64_t index, double x, double got,
                          long double ref)
{
    strict_add(&s->strict, err, index, x, got, ref);
}

void ulp_stats_add(ulp_stats *s, double err, uint64_t index, double x, double got,
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

void ulp_stats_diff(ulp_stats *s, uint64_t index, double x, double got, double got2)
{
    s->n_diff++;
    if (s->n_examples < ULP_EXAMPLES)
        s->examples[s->n_examples++] = (ulp_example){index, x, got, got2};
}

/* By sweep index (qsort). */
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
    a->strict.over_half += b->strict.over_half;
    a->strict.over_one += b->strict.over_one;
    if (b->strict.max_err > a->strict.max_err ||
        (b->strict.max_err == a->strict.max_err &&
         b->strict.max_index < a->strict.max_index)) {
        uint64_t oh = a->strict.over_half, oo = a->strict.over_one;
        a->strict = b->strict;
        a->strict.over_half = oh;
        a->strict.over_one = oo;
    }
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
