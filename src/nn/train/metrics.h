/*
 * metrics.h - a run's metrics: one row per period (task.h's columns), kept
 * in memory, in the checkpoint (run.metrics, F64 (rows, ncols)) and in
 * metrics.csv / metrics.json; and the run's summary.json. The width is the
 * task's (task.h: ncols), the same for every row of a run.
 */
#ifndef NN_TRAIN_METRICS_H
#define NN_TRAIN_METRICS_H

#include "config.h"
#include "error.h"
#include "task.h"
#include "trainer.h"

typedef struct nn_metrics_log {
    int ncols;                  /* 1..NN_METRIC_COLS_MAX */
    const char *const *columns; /* ncols names */
    double *rows;               /* (n, ncols) */
    int n, cap;
} nn_metrics_log;

/* An empty log of rows of ncols columns named columns[0..ncols) (kept,
 * not copied: a task's static names). */
void nn_metrics_init(nn_metrics_log *l, const char *const *columns, int ncols);
/* Appends a row of l->ncols values (copied); 0, or -1 when out of memory. */
int nn_metrics_add(nn_metrics_log *l, const double *row);
/* Frees the rows; the log is empty again, of the same columns. */
void nn_metrics_free(nn_metrics_log *l);

/* metrics.csv and metrics.json in dir (each atomically); 0, or -1 with err. */
int nn_metrics_write(const nn_metrics_log *l, const char *dir, nn_err *err);

/* The files as l has them (resume): metrics.csv and metrics.json rewritten
 * (each atomically) when l has rows, removed when it has none (a run that
 * has not ended a period has no metrics files). 0, or -1 with err. */
int nn_metrics_rewrite(const nn_metrics_log *l, const char *dir, nn_err *err);

/* summary.json in dir: the model, activation and seed, the steps and time,
 * whether it diverged, the training loss and the task's evaluation values.
 * 0, or -1 with err. */
int nn_summary_write(const nn_train_config *c, const nn_train_result *res,
                     const char *dir, nn_err *err);

#endif
