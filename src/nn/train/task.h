/*
 * task.h - what a model learns and how it is judged: a task owns its data
 * (loaded from the configuration; the batch of a step; the held-out split),
 * what its batches hold (the model's forward takes them as they are), its
 * metrics and their columns, its evaluation (per period and over the whole
 * held-out split), its summary fields, its progress unit, and what
 * `golu compare` judges it by. The training loop (trainer.h) knows none of
 * it: it asks the task for a batch, runs the step, and hands the loss back.
 *
 * Tasks today: image classification (task_images.c: class indices as
 * targets, cross-entropy, accuracy) and next-byte language modelling
 * (task_text.c: the next byte of every position as targets, perplexity,
 * bits per byte). A task for per-pixel labels (segmentation) or float
 * targets (a denoiser's noise) is one more file of the same shape: it
 * declares its batches' types in x_spec and target_spec and fills them.
 *
 * A run is a sequence of periods (an image task's epochs, the text task's
 * evaluation intervals); each ends with an evaluation and one row of the
 * task's ncols metrics (metrics.csv, metrics.json, and the checkpoint's
 * run.metrics (rows, ncols)). Each task says how many columns its rows
 * have (both tasks today: 8), up to NN_METRIC_COLS_MAX, the size of the
 * fixed row buffers.
 */
#ifndef NN_TRAIN_TASK_H
#define NN_TRAIN_TASK_H

#include <stddef.h>
#include <stdint.h>

#include "comm.h"
#include "config.h"
#include "error.h"
#include "model.h"
#include "safetensors.h"

enum {
    NN_METRIC_COLS_MAX = 16, /* the most columns a task's rows may have */
    NN_TASK_EVAL_MAX = 4,
    NN_TASK_SUMS = 3, /* the running sums of a period, saved in checkpoints */
    NN_TASK_NORM = 6  /* what the task keeps of its data (run.norm) */
};

/* What one example of a batch holds. */
typedef struct nn_batch_spec {
    nn_st_dtype dtype;  /* NN_ST_F32 or NN_ST_I32 */
    size_t per_example; /* elements */
    int64_t range;      /* integers: the values lie in [0, range); floats: 0 */
} nn_batch_spec;

/* What `golu compare` judges a task's runs by, and where that is in the
 * rows. */
typedef struct nn_task_metric {
    const char *key, *label;           /* "test_acc", "test accuracy" */
    const char *loss_key, *loss_label; /* "test_loss" / "val_bpb", "bits per byte" */
    int higher_is_better;
    int col, loss_col;         /* the final value: the last row's */
    int x_col, train_loss_col; /* the curves */
    const char *x_label;       /* "epoch" or "step" */
    int decimals;              /* in tables */
    int x_is_epoch;            /* x counts the configuration's epochs */
    /* One run's result in words ("test acc 0.8123, test loss 0.5012"). */
    void (*describe)(double metric, double loss, char *buf, size_t size);
} nn_task_metric;

typedef struct nn_task nn_task;
typedef struct nn_task_desc nn_task_desc;

/* A task with its data loaded, as the loop sees it. Each task's own state
 * follows this header in a larger struct. */
struct nn_task {
    const nn_task_desc *desc;
    const nn_train_config *cfg;
    nn_batch_spec x_spec, target_spec;
    void *x, *target; /* one batch: (cfg->model.batch, per_example) each */
    long steps_per_period, total_steps;
    double units_per_step;     /* for the progress rate: examples or tokens */
    double norm[NN_TASK_NORM]; /* saved as run.norm (images: mean, std) */
    /* The processes that share the run (NULL: this one alone), set by the
     * trainer after open: evaluate splits its batches among them
     * (nn_task_eval_mine) and sums their values (nn_task_eval_sum). */
    const nn_comm *comm;
};

struct nn_task_desc {
    const char *key;  /* "images": --task, the metadata golu.task */
    const char *name; /* "image classification" */
    const char *unit; /* of the progress rate: "img", "tok" */
    /* The metrics' columns (metrics.csv's header, metrics.json's keys):
     * ncols names, 1 <= ncols <= NN_METRIC_COLS_MAX. A row is ncols
     * values in this order everywhere. */
    int ncols;
    const char *const *columns;
    /* The evaluation's values, in this order everywhere (summary.json,
     * golu eval --json): {"test_loss", "test_acc"}. */
    int neval;
    const char *const *eval_keys;
    /* Where the final result is in a row: the training loss, then each
     * evaluation value. */
    int train_loss_col;
    int eval_cols[NN_TASK_EVAL_MAX];
    /* The keys that set the amount of training (NULL-terminated): what a
     * compare may scale, and what its compare.json records. */
    const char *const *scale_keys;
    const char *trains; /* in words: "on images", "a GPT" */
    const nn_task_metric *metric;

    /* What a batch holds for a model configured as m (its input shape
     * filled in), and the units of the progress rate one example counts
     * for (1 image; context tokens). */
    void (*shape)(const nn_config *m, nn_batch_spec *x, nn_batch_spec *target,
                  double *units_per_example);
    /* Sets the task's defaults in c (its data path). */
    void (*defaults)(nn_train_config *c);
    /* The task's checks of a configuration; 0, or -1 with err. */
    int (*check)(const nn_train_config *c, nn_err *err);
    /*
     * Loads c's data, fills the model's input shape into *model (image
     * tasks: in_c, in_h, in_w, classes), allocates the batch buffers and
     * sets the lengths (steps_per_period, total_steps). 0; -1 with err
     * when the data is missing or malformed ("--data: ..."); -2 with err
     * when memory ran out.
     */
    int (*open)(nn_task **out, const nn_train_config *c, nn_config *model, nn_err *err);
    void (*close)(nn_task *t);
    /* The training batch of step into t->x, t->target (a pure function of
     * the seed and the step); returns its size b <= batch. */
    int (*batch)(nn_task *t, long step);
    /* Adds a forward's loss (and what the model's last forward says, as the
     * correct predictions) into the period's sums. t->x and t->target hold
     * the b examples of that forward: the whole batch, or under --accum or
     * MPI one share of it (train/shares.c calls it once per share). */
    void (*accumulate)(nn_task *t, const nn_model *m, double loss, int b,
                       double sums[NN_TASK_SUMS]);
    /* The end of a period's evaluation: the values of eval_keys, the same on
     * every process of t->comm and the same bits for any number of them
     * (nn_task_eval_mine, nn_task_eval_sum). 0, or -1 when a forward failed
     * or memory ran out. */
    int (*evaluate)(nn_task *t, nn_model *m, double eval[NN_TASK_EVAL_MAX]);
    /* The period's row (ncols values) from the step reached, its sums, its
     * evaluation, the learning rate of its last step and the time spent. */
    void (*row)(const nn_task *t, long step, const double sums[NN_TASK_SUMS],
                const double eval[NN_TASK_EVAL_MAX], double lr, double seconds,
                double row[NN_METRIC_COLS_MAX]);
    /* golu eval: the values of eval_keys over the whole held-out split. */
    int (*evaluate_all)(nn_task *t, nn_model *m, double eval[NN_TASK_EVAL_MAX]);

    /* In words, into buf (truncated at size): a row ("epoch 2/8  train loss
     * ..."), a finished run's result, a checkpoint's evaluation. */
    void (*row_text)(const nn_task *t, const double *row, char *buf, size_t size);
    void (*result_text)(const double eval[NN_TASK_EVAL_MAX], char *buf, size_t size);
    void (*eval_text)(const double eval[NN_TASK_EVAL_MAX], char *buf, size_t size);
    /* The amount of training in c, in words ("8 epochs, the first 2000
     * training images"), appended to buf (truncated at size). */
    void (*length_text)(const nn_train_config *c, char *buf, size_t size);
};

/* The tasks (task_images.c, task_text.c). */
extern const nn_task_desc nn_task_images, nn_task_text, nn_task_segment,
    nn_task_diffusion;

/* The task of a configuration: the one its model learns (nn_model_task). */
const nn_task_desc *nn_task_of(const nn_train_config *c);

/* Loads c's data once and lets it go: 0 when the task could train on it,
 * else -1 with err ("--data: ..."). */
int nn_task_check_data(const nn_train_config *c, nn_err *err);

/* The index of a scale key of d ("epochs") in its list, or -1. */
int nn_task_scales(const nn_task_desc *d, const char *key);

/*
 * For the tasks' evaluations, split among t->comm's processes: batch i of
 * an evaluation is this process's when i % size == rank (1) or not (0).
 * Each process stores its batches' values at their index in v (n values per
 * batch, nb batches; zeros elsewhere), and nn_task_eval_sum sums v over the
 * processes, so every process then holds every batch's values: a value
 * plus zeros is that value exactly, and the caller adds them up in batch
 * order, as one process would. 0, or -1 when the collective failed.
 */
int nn_task_eval_mine(const nn_task *t, long i);
int nn_task_eval_sum(const nn_task *t, double *v, size_t n);

/* For the tasks: one batch's buffers by their specs, in t->x and t->target
 * (floats aligned as the layers want). 0, or -2 with err (out of memory). */
int nn_task_alloc_batch(nn_task *t, int batch, nn_err *err);
void nn_task_free_batch(nn_task *t);

#endif
