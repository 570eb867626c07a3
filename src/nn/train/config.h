/*
 * config.h - a training run's configuration (nn_train_config, a plain
 * struct): the model and its activation, the data, the amount of training,
 * the optimizer and its schedule, and what belongs to this process only.
 *
 * One table (nn_train_keys) lists every numeric or boolean setting once: its
 * key (the command line's flag without "--", and the checkpoint metadata's
 * "golu.<key>"), where it lives in the struct, its range and its help line.
 * Setting from text, help and metadata all walk it, so a new setting is one
 * line. The configuration goes into every checkpoint as metadata and comes
 * back from it (resume, golu eval); the keys never change, so old
 * checkpoints keep resuming.
 *
 * Nothing here prints: a bad value fills an nn_err whose message names the
 * flag or key ("--epochs: 0 is out of range [1, 1e+06]").
 */
#ifndef NN_TRAIN_CONFIG_H
#define NN_TRAIN_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "golu.h"
#include "model.h"
#include "optim.h"
#include "safetensors.h"

typedef struct nn_train_config {
    nn_config model; /* model.desc: which model (registry.h) */
    char act_name[32];
    char data[PATH_MAX]; /* what the task reads: images, a directory; text, a file */
    char out[PATH_MAX];  /* the run's directory */
    long epochs;         /* image tasks */
    long steps;          /* text (image tasks: computed from epochs) */
    double lr;
    nn_optim_config opt;
    nn_schedule sched; /* kind, milestones, gamma, warmup, min_lr; lr and
                          total_steps filled in from the above */
    double clip;       /* 0: no clipping */
    uint64_t seed;
    int threads;         /* 0: all CPUs */
    long eval_every;     /* text: steps between evaluations */
    long eval_batches;   /* text: validation batches per evaluation */
    double val_fraction; /* text: the end of the text that validates */
    long limit_train;    /* images: use the first N training images (0: all) */
    long limit_test;
    long timesteps;  /* diffusion: the noise schedule's steps T (0 elsewhere) */
    long stop_after; /* stop after this many steps in this process, as if
                        interrupted (0: never); for testing resume */
    int accum;       /* micro-batches per process and step (--accum; 1: none) */
    int shares;      /* the run's shares of every global batch: processes x
                        accum, fixed when the run starts (saved as golu.shares
                        when above 1; train/shares.c); a resume on processes
                        that do not divide it changes it (trainer.h) */
    int quiet;       /* for the caller: no progress line (the trainer itself
                        never prints) */
} nn_train_config;

typedef enum nn_train_key_type {
    NN_TRAIN_INT,
    NN_TRAIN_LONG,
    NN_TRAIN_U64,
    NN_TRAIN_DOUBLE,
    NN_TRAIN_BOOL
} nn_train_key_type;

/* One numeric or boolean setting. */
typedef struct nn_train_key {
    const char *name; /* "epochs": the flag without "--", metadata "golu.epochs" */
    nn_train_key_type type;
    size_t offset; /* in nn_train_config */
    double min, max;
    const char *help;
    int process; /* describes this process, not the run: not saved, and kept
                    when a configuration is read back (threads, stop-after,
                    quiet); NN_TRAIN_KEY_NONZERO: saved only when not 0, and
                    0 when absent (a key newer than old checkpoints) */
} nn_train_key;

#define NN_TRAIN_KEY_NONZERO 2

/* The table, in the order help lists it; *count gets its length. */
const nn_train_key *nn_train_keys(int *count);
/* The key of that name, or NULL. */
const nn_train_key *nn_train_key_find(const char *name);

/*
 * Sets k in c from text: booleans take 1/0/true/false, integers whole
 * decimal numbers, doubles anything strtod reads whole; the value must lie in
 * [min, max]. label names the setting in the message ("--epochs",
 * "golu.epochs"). 0, or -1 with err.
 */
int nn_train_key_set(nn_train_config *c, const nn_train_key *k, const char *label,
                     const char *value, nn_err *err);

/* --data / --out: a path shorter than PATH_MAX - 32 into dst (which holds
 * PATH_MAX). 0, or -1 with err ("<label>: path too long"). */
int nn_train_config_set_path(char *dst, const char *label, const char *value,
                             nn_err *err);
/* --optimizer sgd|adamw, --schedule const|step|cosine: 0, or -1 with err
 * listing the known names. */
int nn_train_config_set_optimizer(nn_train_config *c, const char *label,
                                  const char *value, nn_err *err);
int nn_train_config_set_schedule(nn_train_config *c, const char *label, const char *value,
                                 nn_err *err);
/* "sgd", "adamw"; "const", "step", "cosine". */
const char *nn_train_optimizer_name(nn_opt_kind k);
const char *nn_train_schedule_name(nn_sched_kind k);
/* The activation (its kind and parameters) and the name it was given by. */
void nn_train_config_set_act(nn_train_config *c, const char *name, const golu_act *act);

/*
 * c = the defaults of model's recipe: what every model shares, then the
 * task's (its data path), then the model's own (nn_model_desc.recipe). Every
 * size gets a valid value, used or not, so that a saved configuration
 * always reads back within range.
 */
void nn_train_config_defaults(nn_train_config *c, const nn_model_desc *model);
/* The same for one of model's tasks (task NULL: its default, tasks[0]);
 * the caller has checked that model learns task (nn_model_task_find). */
struct nn_task_desc;
void nn_train_config_defaults_task(nn_train_config *c, const nn_model_desc *model,
                                   const struct nn_task_desc *task);

/* Checks the whole configuration (the task's checks included; --data and
 * --out valid UTF-8, as the JSON result files need); 0, or -1 with err
 * naming the flag ("--out: required ..."). */
int nn_train_config_check(const nn_train_config *c, nn_err *err);

/* ------------------------------------------------------------ metadata -- */

enum { NN_TRAIN_META_MAX = 64 };

/* The configuration as checkpoint metadata; meta[0..n) point into keys,
 * values and the configuration (golu.data), which must outlive them. */
typedef struct nn_train_meta {
    nn_st_meta meta[NN_TRAIN_META_MAX];
    char keys[NN_TRAIN_META_MAX][48];
    char values[NN_TRAIN_META_MAX][64];
    int n;
} nn_train_meta;

/* "golu.<key>" = value for every saved key, golu.data, golu.model,
 * golu.task (only when it is not the model's default, so that the
 * checkpoints of a model's default task are as they were before it),
 * golu.act (and its .alpha, .beta, .gamma), golu.optimizer, golu.schedule. */
void nn_train_config_to_meta(const nn_train_config *c, nn_train_meta *m);

/*
 * Reads a configuration back from a checkpoint's metadata (path names the
 * file in messages): the defaults of the model and its task (golu.task;
 * absent: the model's default), then every saved key. c's
 * process settings (threads, stop_after, quiet) and out are kept. 0, or -1
 * with err naming the missing or bad key.
 */
int nn_train_config_from_meta(nn_train_config *c, const nn_st_file *f, const char *path,
                              nn_err *err);

/*
 * 0 when got (read back from the checkpoint at path) describes the same run
 * as want: the model and its task, the activation and its parameters, the optimizer, the
 * schedule, the data path and every saved key of the table (seed included;
 * process settings aside), each compared as its metadata text. Otherwise -1
 * with err naming path and the first key that differs ("<path>: golu.seed
 * is 2 there, this run's is 1").
 */
int nn_train_config_match(const nn_train_config *want, const nn_train_config *got,
                          const char *path, nn_err *err);

#endif
