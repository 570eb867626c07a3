/*
 * trainer.h - one training run: the loop, resume, metrics, evaluation.
 *
 * A run lives in its output directory (cfg->out):
 *   checkpoint.safetensors  weights, optimizer state, the metrics so far
 *                           (run.metrics), the loop's state (run.state),
 *                           the task's data normalisation (run.norm), and
 *                           the whole configuration (metadata "golu.*")
 *   metrics.csv, metrics.json   one row per period (task.h)
 *   summary.json            the final result (written when the run ends)
 * Every file is written to a temporary name and renamed into place.
 *
 * Everything a step draws is a pure function of (seed, step): the task's
 * batches and the model's dropout masks. So a run resumed from a checkpoint
 * at step k continues exactly as if it had never stopped, and the final
 * weights are the same bits (for the same thread count).
 *
 * Shares (train/shares.c): every global batch of c->model.batch examples is
 * split into shares = processes x c->accum equal parts, each a forward and
 * backward of its own, their gradients averaged before one optimizer step.
 * With hooks->comm of N processes (MPI), every process runs the same loop
 * on its c->accum shares; the gradient is summed over them in place; rank 0
 * alone writes the directory (checkpoints, metrics, summary) and calls the
 * hooks (all read hooks->stop; a stop anywhere stops all); the periods'
 * evaluations are split among them. The processes' configurations must be
 * the same (checked through a hash: a difference is refused, BAD_INPUT).
 * A fresh run fixes its shares (saved as golu.shares); a resumed one keeps
 * them (c->shares, read from the checkpoint), and may run on any number of
 * processes that divides them, giving the same bits. On M processes that
 * do not divide them but divide the batch, it continues in M shares (one
 * each; hooks->reshared says so, and the checkpoints save M from then on):
 * correct, but not the bits of an uninterrupted run (the gradients' sums
 * in another order, BatchNorm's statistics over other shares). Other M are
 * refused (BAD_INPUT, naming --batch). Every process reads c->data and,
 * resuming, c->out's checkpoint.
 *
 * The trainer never prints. Errors fill an nn_err (the message names the
 * flag or file: "--data: ...", "--resume: ..."); progress goes through the
 * hooks, which the caller formats and prints; a stop request arrives
 * through a flag the caller owns (set it from a SIGINT handler: the trainer
 * installs none).
 */
#ifndef NN_TRAIN_TRAINER_H
#define NN_TRAIN_TRAINER_H

#include <signal.h>
#include <stdint.h>

#include "comm.h"
#include "config.h"
#include "error.h"
#include "model.h"
#include "optim.h"
#include "task.h"

/* What a run ended with. */
typedef struct nn_train_result {
    double train_loss;             /* the last period's mean */
    double eval[NN_TASK_EVAL_MAX]; /* the task's eval_keys (NaN: none yet) */
    long steps;                    /* reached */
    double seconds;                /* spent, over every process */
    int diverged;                  /* the loss became NaN or inf */
    int saved; /* summary.json was written: the run is finished on disk */
} nn_train_result;

/* After every step, for a progress line. */
typedef struct nn_train_tick {
    long step, total_steps; /* steps done, of */
    double loss;            /* this step's */
    long steps_here;        /* steps done by this process */
    double seconds_here;    /* since this process started the loop */
    double units_per_step;  /* examples or tokens (the task's unit) */
    const char *unit;       /* "img", "tok" */
} nn_train_tick;

/* The caller's side of a run; every member may be NULL. */
typedef struct nn_train_hooks {
    void *user; /* handed to every hook */
    /* Stops the run after the current step (with a checkpoint, status 3)
     * when it becomes nonzero. */
    volatile sig_atomic_t *stop;
    /* The run is set up (data, model, directory) and starts, or (resumed)
     * continues, at step of total (step == total: it had finished). */
    void (*started)(void *user, long step, long total, int resumed);
    void (*tick)(void *user, const nn_train_tick *t);
    /* A period ended: its row (task.h's columns). */
    void (*period)(void *user, const nn_task *task, const double *row);
    /* The run stopped early (stop flag or stop_after) at step of total,
     * its checkpoint saved. */
    void (*stopped)(void *user, long step, long total);
    /* The processes that train this run together (comm.h; NULL: this one
     * alone): data parallelism, below. */
    const nn_comm *comm;
    /* A resumed run continues at step in `to` shares of every batch instead
     * of the `from` its checkpoint was written with (its processes do not
     * divide from; below): called once, before started. */
    void (*reshared)(void *user, long step, int from, int to);
} nn_train_hooks;

/* Status of nn_train_run and nn_train_eval. */
enum {
    NN_TRAIN_DONE = 0,
    NN_TRAIN_FAILED = 1, /* or diverged (res->diverged) */
    NN_TRAIN_BAD_INPUT = 2,
    NN_TRAIN_STOPPED = 3 /* early, with a checkpoint to resume from */
};

/*
 * Runs (resume = 0) or continues (resume = 1) the run c describes, in
 * c->out (created; a directory already holding a run is refused unless
 * resuming). hooks may be NULL. Returns an NN_TRAIN_* status; err says why
 * for FAILED and BAD_INPUT. *res is filled in every case (NaN where there is
 * nothing). A result file that cannot be written (metrics, checkpoint,
 * summary.json) fails the run: NN_TRAIN_FAILED, err naming the file.
 */
int nn_train_run(const nn_train_config *c, int resume, const nn_train_hooks *hooks,
                 nn_train_result *res, nn_err *err);

/*
 * Evaluates a checkpoint's weights on c's data: the task's evaluation over
 * its whole held-out split (res->eval). Returns NN_TRAIN_DONE, FAILED or
 * BAD_INPUT (err: "--checkpoint: ...", "--data: ...").
 */
int nn_train_eval(const nn_train_config *c, const char *checkpoint, nn_train_result *res,
                  nn_err *err);

/*
 * One training step, the same for every caller (the loop, the benchmark,
 * the parity dump): zero the gradients, forward in training mode on (x,
 * target) of b examples with dropout seeded by step, backward, clip the
 * gradient norm to clip (0: none), and one optimizer update at rate lr.
 * Returns 0; 1 when the loss is not finite (then nothing after the forward
 * ran); -1 when the forward or backward failed (a bug). *loss: the forward's.
 */
int nn_train_step(nn_model *m, nn_optim *o, const void *x, const void *target, int b,
                  uint64_t step, double clip, double lr, double *loss);

/* The path of a file in a run's directory: dir "/" file. */
void nn_train_path(char *buf, size_t size, const char *dir, const char *file);

/* The task's evaluation in words ("val loss 1.2345, perplexity ..."), for a
 * finished run (result) or a checkpoint (eval): buf truncated at size. */
void nn_train_result_text(const nn_train_config *c, const nn_train_result *r, char *buf,
                          size_t size);
void nn_train_eval_text(const nn_train_config *c, const nn_train_result *r, char *buf,
                        size_t size);
/* A row in words ("epoch 2/8  train loss ..."). */
void nn_train_row_text(const nn_task *t, const double *row, char *buf, size_t size);

#endif
