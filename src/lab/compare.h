/*
 * compare.h - a compare's aggregation: the runs of several activations over
 * several seeds summed up per activation (mean, sample std, min, max of the
 * final metric; mean and std of the second value, a loss), and the
 * activations ranked by their mean.
 *
 * Statistics are over the runs that did not diverge; a run that diverged (or
 * whose metric is not finite) is counted apart. The arithmetic is
 * lab_mean_std's (stats.h): sums in run order.
 */
#ifndef LAB_COMPARE_H
#define LAB_COMPARE_H

#include <stddef.h>

enum { LAB_COMPARE_MAX_ACTS = 16 };

typedef enum lab_run_status { LAB_RUN_OK, LAB_RUN_DIVERGED } lab_run_status;

/* One finished run (compare_store.h reads it back from its directory). */
typedef struct lab_compare_run {
    int act, seed; /* act: index into the compare's activations */
    lab_run_status status;
    double metric, loss; /* the last row's (NaN when diverged) */
    double seconds;      /* the run's own time */
    double *rows;        /* its metrics: (nrows, the task's ncols) */
    int nrows;
} lab_compare_run;

/* One activation's runs, summed up. */
typedef struct lab_act_stats {
    int n, diverged;            /* runs with a result; runs that diverged */
    double mean, std, min, max; /* of the metric; std NaN for n < 2 */
    double loss_mean, loss_std; /* of the second value (loss, bits/byte) */
    int rank;                   /* 1: the best mean; 0: no result */
} lab_act_stats;

typedef struct lab_compare_summary {
    int nacts;
    lab_act_stats stats[LAB_COMPARE_MAX_ACTS];
    int order[LAB_COMPARE_MAX_ACTS]; /* activations, best first */
    int ranked;                      /* how many have a result */
} lab_compare_summary;

/*
 * Sums up runs[0..nruns) (any order) of activations 0..nacts-1: per
 * activation its statistics, then the ranking: activations with a result
 * first, by mean (higher_is_better says which way), ties in index order.
 * Returns 0, or -1 when nacts is out of range or memory ran out.
 */
int lab_compare_aggregate(const lab_compare_run *runs, int nruns, int nacts,
                          int higher_is_better, lab_compare_summary *out);

/* The run of (act, seed), or NULL. */
const lab_compare_run *lab_compare_find(const lab_compare_run *runs, int nruns, int act,
                                        int seed);

#endif
