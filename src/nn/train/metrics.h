/*
 * metrics.h - a run's metrics: one row per period (task.h's columns), kept
 * in memory, in the checkpoint (run.metrics, F64 (rows, NN_METRIC_COLS)) and
 * in metrics.csv / metrics.json; and the run's summary.json.
 */
#ifndef NN_TRAIN_METRICS_H
#define NN_TRAIN_METRICS_H

#include "config.h"
#include "error.h"
#include "task.h"
#include "trainer.h"

typedef struct nn_metrics_log {
    const char *const *columns; /* NN_METRIC_COLS names */
    double *rows;               /* (n, NN_METRIC_COLS) */
    int n, cap;
} nn_metrics_log;

/* Appends a row (copied); 0, or -1 when out of memory. */
int nn_metrics_add(nn_metrics_log *l, const double row[NN_METRIC_COLS]);
void nn_metrics_free(nn_metrics_log *l);

/* metrics.csv and metrics.json in dir (each atomically); 0, or -1 with err. */
int nn_metrics_write(const nn_metrics_log *l, const char *dir, nn_err *err);

/* summary.json in dir: the model, activation and seed, the steps and time,
 * whether it diverged, the training loss and the task's evaluation values.
 * 0, or -1 with err. */
int nn_summary_write(const nn_train_config *c, const nn_train_result *res,
                     const char *dir, nn_err *err);

#endif
