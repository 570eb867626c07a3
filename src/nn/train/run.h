/*
 * run.h - what the loop (run.c) and its checkpoints (run_state.c) share: the
 * state a run carries between steps. Internal to src/nn/train.
 */
#ifndef NN_TRAIN_RUN_H
#define NN_TRAIN_RUN_H

#include "io/lock.h"
#include "metrics.h"
#include "trainer.h"

/* The step's sums over shares (shares.c); empty for a one-share run. */
typedef struct nn_shares {
    float *grad;       /* (params.total) the weighted sum of the shares' gradients */
    float *buf0, *buf; /* (nbuf) the buffers as the step found them; their sum */
    size_t nbuf;       /* the buffers' (BatchNorm's running statistics) floats */
} nn_shares;

typedef struct nn_run {
    const nn_train_config *c; /* &cfg */
    nn_train_config cfg;      /* the caller's, with this run's shares and accum */
    const nn_comm *comm;      /* the processes (NULL: this one alone) */
    const nn_train_hooks *hooks;
    nn_task *task;
    nn_model *model;
    nn_optim optim;
    nn_schedule sched;
    long step;
    double sums[NN_TASK_SUMS]; /* the current period's (task.h) */
    nn_metrics_log log;
    double seconds_before; /* elapsed in earlier processes (resume) */
    double t_start;        /* this process's start of the loop */
    long step_start;
    nn_shares shares;
    int shares_from; /* resumed with other shares: the checkpoint's count (0: kept) */
    nn_lock lock;    /* c->out's, held from set-up to teardown */
} nn_run;

/* The shares' buffers for a run of more than one share (after the model
 * exists); 0, or -1 with err (out of memory). nn_shares_free: any time. */
int nn_shares_init(nn_run *r, nn_err *err);
void nn_shares_free(nn_run *r);

/*
 * Step r->step on the task's batch of b examples (already drawn): forward,
 * backward, the gradient summed over the shares of every process, clipping
 * and the optimizer; the task's sums of the step added into sums (the
 * same on every process). A one-share run is nn_train_step itself. Returns
 * 0; 1 when the loss is not finite (on every process; nothing was
 * updated); -1 on a bug or a failed collective. *loss: the step's mean.
 */
int nn_run_step(nn_run *r, int b, double *loss, double sums[NN_TASK_SUMS]);

/* The processes hold the same weights and optimizer state (a hash
 * compared with rank 0's), checked at the end of every period: 0, or -1
 * with err. Alone: 0. */
int nn_shares_check(const nn_run *r, nn_err *err);

/* Monotonic seconds. */
double nn_run_now(void);
/* Seconds spent on the run, earlier processes included. */
double nn_run_elapsed(const nn_run *r);

/* The checkpoint of the run as it stands: model, optimizer, run.metrics,
 * run.state (step, the period's sums, seconds), run.norm, configuration;
 * written by rank 0 only (others return 0). 0, or -1 with err. */
int nn_run_save(nn_run *r, nn_err *err);
/* Restores model, optimizer, metrics and state from c->out's checkpoint.
 * 0, or -1 with err ("--resume: ..."). */
int nn_run_resume(nn_run *r, nn_err *err);

#endif
