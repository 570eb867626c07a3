/*
 * run.h - what the loop (run.c) and its checkpoints (run_state.c) share: the
 * state a run carries between steps. Internal to src/nn/train.
 */
#ifndef NN_TRAIN_RUN_H
#define NN_TRAIN_RUN_H

#include "io/lock.h"
#include "metrics.h"
#include "trainer.h"

typedef struct nn_run {
    const nn_train_config *c;
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
    nn_lock lock; /* c->out's, held from set-up to teardown */
} nn_run;

/* Monotonic seconds. */
double nn_run_now(void);
/* Seconds spent on the run, earlier processes included. */
double nn_run_elapsed(const nn_run *r);

/* The checkpoint of the run as it stands: model, optimizer, run.metrics,
 * run.state (step, the period's sums, seconds), run.norm, configuration.
 * 0, or -1 with err. */
int nn_run_save(nn_run *r, nn_err *err);
/* Restores model, optimizer, metrics and state from c->out's checkpoint.
 * 0, or -1 with err ("--resume: ..."). */
int nn_run_resume(nn_run *r, nn_err *err);

#endif
