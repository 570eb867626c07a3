/*
 * train_report.h - a run's metrics: one row per epoch (images) or per
 * evaluation (gpt), kept in memory, in the checkpoint (tensor "run.metrics",
 * F64 (rows, 8)) and in metrics.csv / metrics.json.
 *
 * Columns, images: epoch, step, train_loss, train_acc, test_loss, test_acc,
 * lr, seconds. gpt: step, train_loss, val_loss, val_ppl, val_bpb, lr,
 * seconds, tokens.
 */
#ifndef GOLU_TRAIN_REPORT_H
#define GOLU_TRAIN_REPORT_H

#include "train.h"

enum { METRIC_COLS = 8 };

typedef struct metrics_log {
    int images;
    double *rows; /* (n, METRIC_COLS) */
    int n, cap;
} metrics_log;

int metrics_add(metrics_log *l, const double row[METRIC_COLS]);
void metrics_free(metrics_log *l);
const char *const *metrics_columns(int images);

/* metrics.csv and metrics.json in dir (atomically). */
int metrics_write(const metrics_log *l, const char *dir);
/* summary.json: the options that matter, the last row, the time. */
int summary_write(const train_opts *o, const train_result *res, const char *dir);

#endif
