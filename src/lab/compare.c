/*
 * compare.c - a compare's per-activation statistics and ranking
 * (compare.h).
 */
#include "compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

/* Activation act's statistics; v holds 2 * nruns doubles of scratch. */
static void act_aggregate(const lab_compare_run *runs, int nruns, int act, double *v,
                          lab_act_stats *s)
{
    double *l = v + nruns;
    memset(s, 0, sizeof *s);
    s->min = s->max = NAN;
    for (int i = 0; i < nruns; i++) {
        const lab_compare_run *r = &runs[i];
        if (r->act != act)
            continue;
        if (r->status == LAB_RUN_DIVERGED || !isfinite(r->metric)) {
            s->diverged++;
            continue;
        }
        v[s->n] = r->metric, l[s->n] = r->loss;
        s->min = s->n == 0 || r->metric < s->min ? r->metric : s->min;
        s->max = s->n == 0 || r->metric > s->max ? r->metric : s->max;
        s->n++;
    }
    lab_mean_std(v, (size_t)s->n, &s->mean, &s->std);
    lab_mean_std(l, (size_t)s->n, &s->loss_mean, &s->loss_std);
}

/* 1 when activation a ranks before b: a result, then the better mean; ties
 * keep the order given. */
static int ranks_before(const lab_compare_summary *S, int higher_is_better, int a, int b)
{
    const lab_act_stats *x = &S->stats[a], *y = &S->stats[b];
    if ((x->n > 0) != (y->n > 0))
        return x->n > 0;
    if (x->n == 0 || x->mean == y->mean)
        return a < b;
    return higher_is_better ? x->mean > y->mean : x->mean < y->mean;
}

int lab_compare_aggregate(const lab_compare_run *runs, int nruns, int nacts,
                          int higher_is_better, lab_compare_summary *S)
{
    memset(S, 0, sizeof *S);
    if (nacts < 0 || nacts > LAB_COMPARE_MAX_ACTS || nruns < 0)
        return -1;
    double *v = malloc((size_t)(nruns ? nruns : 1) * 2 * sizeof *v);
    if (!v)
        return -1;
    S->nacts = nacts;
    for (int a = 0; a < nacts; a++) {
        act_aggregate(runs, nruns, a, v, &S->stats[a]);
        S->ranked += S->stats[a].n > 0;
    }
    free(v);
    for (int i = 0; i < nacts; i++) { /* insertion sort: a handful of items */
        int a = i, j = i;
        for (; j > 0 && ranks_before(S, higher_is_better, a, S->order[j - 1]); j--)
            S->order[j] = S->order[j - 1];
        S->order[j] = a;
    }
    for (int i = 0; i < nacts; i++)
        S->stats[S->order[i]].rank = S->stats[S->order[i]].n > 0 ? i + 1 : 0;
    return 0;
}

const lab_compare_run *lab_compare_find(const lab_compare_run *runs, int nruns, int act,
                                        int seed)
{
    for (int i = 0; i < nruns; i++)
        if (runs[i].act == act && runs[i].seed == seed)
            return &runs[i];
    return NULL;
}
