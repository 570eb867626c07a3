/*
 * train.h - one training run: its options, the loop that runs it, and the
 * files it leaves in its output directory. `golu train` and `golu eval`
 * use it (and `golu compare` runs it once per activation and seed).
 *
 * The output directory holds
 *   checkpoint.safetensors  weights, optimizer state, metrics so far, the
 *                           whole configuration (metadata "golu.*")
 *   metrics.csv, metrics.json   one row per epoch (images) or per
 *                           evaluation interval (gpt)
 *   summary.json            the final metrics (written when the run ends)
 * Every file is written to a temporary name and renamed into place.
 */
#ifndef GOLU_TRAIN_H
#define GOLU_TRAIN_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "checkpoint.h"
#include "model.h"
#include "optim.h"

typedef struct train_opts {
    nn_config model;
    char act_name[32];
    char data[PATH_MAX]; /* images: a directory; gpt: a text file */
    char out[PATH_MAX];
    long epochs; /* images */
    long steps;  /* gpt (images: computed from epochs) */
    double lr;
    nn_optim_config opt;
    nn_schedule sched; /* kind, milestones, gamma, warmup, min_lr; lr and
                          total_steps filled in from the above */
    double clip;       /* 0: no clipping */
    uint64_t seed;
    int threads;         /* 0: all CPUs */
    long eval_every;     /* gpt: steps between evaluations */
    long eval_batches;   /* gpt: validation batches per evaluation */
    double val_fraction; /* gpt: the end of the text that validates */
    long limit_train;    /* images: use the first N training images (0: all) */
    long limit_test;
    long stop_after; /* stop after this many steps in this process,
                        as if interrupted (0: never); for testing --resume */
    int quiet;       /* no progress line */
    /* golu compare: the progress line starts with this label ("[3/14] gelu
     * seed 1") and the per-epoch lines are left out. Not saved. */
    const char *progress_label;
} train_opts;

/* The defaults of a model's recipe (REFERENCE.md), data path included. */
void train_opts_defaults(train_opts *o, nn_model_kind kind);

/* Parses one training flag at argv[*i] into o. Returns 1 if it was one, 0 if
 * not a training flag, -1 on a bad value (message printed). */
int train_opts_parse_flag(train_opts *o, int argc, char **argv, int *i);
/* The help text for the training flags. */
void train_opts_usage(FILE *out);
/* Checks the whole configuration; prints what is wrong. 0 if good. */
int train_opts_check(const train_opts *o);

/* Configuration <-> checkpoint metadata ("golu.<key>" = value). */
int train_opts_to_meta(const train_opts *o, nn_st_meta *meta, char (*values)[64],
                       int max);
int train_opts_from_meta(train_opts *o, const nn_st_file *f, const char *path);

typedef struct train_result {
    double train_loss;       /* the last epoch's / interval's mean */
    double val_loss;         /* on the test split (images) or validation text */
    double val_acc;          /* images; NaN for gpt */
    double val_ppl, val_bpb; /* gpt; NaN for images */
    long steps;
    double seconds;
    int diverged; /* the loss became NaN or inf */
} train_result;

/*
 * Runs (or, with resume, continues) the run described by o in o->out.
 * Prints progress unless quiet, errors always. Returns 0 when the run
 * finished, 1 when it failed or diverged, 2 on bad input, 3 when stopped
 * early (stop_after or Ctrl-C) with a checkpoint to resume from.
 */
int train_run(const train_opts *o, int resume, train_result *res);

/*
 * Evaluates the checkpoint's weights on o's data (the test images, or the
 * whole validation text in consecutive windows). Returns 0, 1 on failure,
 * 2 on bad input (message printed).
 */
int train_eval(const train_opts *o, const char *checkpoint, train_result *res);

/* The path of a file in the output directory. */
void train_path(char *buf, size_t size, const char *dir, const char *file);

#endif
