/*
 * compare.h - `golu compare`: one recipe trained once per activation and
 * seed, then tables and plots of the final metric.
 *
 *   compare_presets.c  the recipes (one table) and what each model's metric is
 *   cmd_compare.c      flags and checks, the runs (picked up where a stopped
 *                      compare left them), progress
 *   compare_files.c    DIR/compare.json; a finished run read back
 *   compare_report.c   results.md/csv/json, the plots, the table printed last
 *
 * DIR/runs/<act>-s<seed>/ is an ordinary `golu train` output directory, so
 * every run can also be inspected, evaluated or resumed on its own.
 */
#ifndef GOLU_COMPARE_H
#define GOLU_COMPARE_H

#include <limits.h>
#include <stdio.h>

#include "analysis.h"
#include "train.h"

/* A recipe: a model's defaults (train_opts_defaults) scaled to this machine. */
typedef struct compare_preset {
    const char *name;
    nn_model_kind model;
    const char *what; /* for the help and results.md (60 columns at most) */
    long epochs;      /* images; 0: the model's default */
    long limit_train; /* images; 0: all */
    long steps;       /* gpt */
    int seeds;        /* the default --seeds */
} compare_preset;

/* The preset of that name, or NULL. */
const compare_preset *compare_preset_find(const char *name);
/* "mlp, resnet, gpt, quick" (for messages). */
const char *compare_preset_names(void);
/* One line per preset, for --help. */
void compare_presets_usage(FILE *out);
/* o = the preset's recipe (before the user's scaling flags). */
void compare_preset_opts(const compare_preset *p, train_opts *o);
/* What follows from the flags once they are in (gpt: warmup and evaluation
 * interval are a tenth of the steps). */
void compare_preset_finish(const compare_preset *p, train_opts *o);
/* The recipe in one line of words ("MLP, 1 block of 512; SGD lr 0.01 ..."). */
void compare_recipe_summary(const train_opts *o, char *buf, size_t size);

/* What a model's runs are judged by, and where it is in run.metrics
 * (train_report.h's columns). */
typedef struct compare_metric {
    const char *key, *label;           /* "test_acc", "test accuracy" */
    const char *loss_key, *loss_label; /* "test_loss" / "val_bpb", "bits per byte" */
    int higher_is_better;
    int col, loss_col;         /* the final value: the last row's */
    int x_col, train_loss_col; /* the curves */
    const char *x_label;       /* "epoch" or "step" */
    int decimals;              /* in tables */
} compare_metric;

const compare_metric *compare_metric_of(nn_model_kind model);

/* The configuration of a compare: what DIR/compare.json records. */
typedef struct compare_config {
    const compare_preset *preset;
    analysis_acts acts;
    int seeds;
    train_opts base; /* every run's options but act, seed and out */
    char out[PATH_MAX - 64];
} compare_config;

typedef enum { RUN_OK, RUN_DIVERGED } compare_status;

/* One finished run, read back from its directory. */
typedef struct compare_run {
    int act, seed; /* act: index into the config's acts */
    compare_status status;
    double metric, loss; /* the last row's (NaN when diverged) */
    double seconds;      /* the run's own time (summary.json) */
    double *rows;        /* run.metrics: (nrows, METRIC_COLS) */
    int nrows;
} compare_run;

/*
 * DIR/compare.json: written when DIR has none; otherwise it must hold this
 * very configuration, or the message names the first thing that differs.
 * 0, or -1 (message printed).
 */
int compare_config_save_or_check(const compare_config *c);

/* Reads a finished run back from its directory: summary.json (time,
 * divergence) and the checkpoint's run.metrics. 0, or -1 with a message. */
int compare_run_load(const char *dir, const compare_metric *m, compare_run *r);
void compare_run_free(compare_run *r);

/*
 * Writes DIR/results.{md,csv,json} and DIR/plots/, then prints the table and
 * where the files are. runs: all of the compare's runs, in any order.
 * Returns 0, or 1 when a file could not be
 * written (message printed). A plot that cannot be drawn is a note, not a
 * failure.
 */
int compare_report(const compare_config *c, const compare_run *runs, int nruns);

#endif
