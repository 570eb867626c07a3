/*
 * run_state.c - a run's checkpoint, saved and resumed (run.h).
 *
 * run.state (F64, 5): the step reached, the current period's three sums
 * (task.h), the seconds spent. run.metrics (F64, (rows, ncols), ncols the
 * task's): every row so far. run.norm (F64, 6): what the task keeps of its
 * data.
 */
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "checkpoint.h"
#include "run.h"

enum { STATE_LEN = 2 + NN_TASK_SUMS };

double nn_run_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double nn_run_elapsed(const nn_run *r)
{
    return r->seconds_before + (nn_run_now() - r->t_start);
}

int nn_run_save(nn_run *r, nn_err *err)
{
    if (nn_comm_rank(r->comm) != 0)
        return 0; /* rank 0 alone writes */
    char path[PATH_MAX + 32];
    nn_train_path(path, sizeof path, r->c->out, "checkpoint.safetensors");
    double state[STATE_LEN] = {(double)r->step, r->sums[0], r->sums[1], r->sums[2],
                               nn_run_elapsed(r)};
    double none = 0;
    nn_st_tensor extra[3] = {
        {"run.metrics",
         NN_ST_F64,
         2,
         {r->log.n, r->log.ncols},
         r->log.n ? r->log.rows : &none},
        {"run.state", NN_ST_F64, 1, {STATE_LEN}, state},
        {"run.norm", NN_ST_F64, 1, {NN_TASK_NORM}, r->task->norm},
    };
    nn_train_meta meta;
    nn_train_config_to_meta(r->c, &meta);
    return nn_checkpoint_save(path, r->model, &r->optim, extra, 3, meta.meta, meta.n,
                              err);
}

/* The rows a run has at step: one per period ended (task.h), the last
 * period cut short by the end of the run included. */
static long rows_at(const nn_task *t, long step)
{
    long rows = step / t->steps_per_period;
    if (step == t->total_steps && step % t->steps_per_period != 0)
        rows++;
    return rows;
}

/*
 * run.state checked before any of it is used: the step a whole number in
 * [0, the run's steps] (a NaN, negative or huge one would index past the
 * schedule, train extra steps or report a false divergence), the optimizer
 * at the same step, the period's sums finite, the seconds finite and not
 * negative, and run.metrics holding exactly the rows of that step. Each
 * refusal names the file and the key.
 */
static int check_state(const nn_run *r, const double *st, int64_t rows, const char *path,
                       nn_err *err)
{
    double step = st[0], total = (double)r->task->total_steps;
    if (!(step >= 0 && step <= total && step == floor(step)))
        return nn_fail(err,
                       "--resume: %s: run.state step %g is not a whole number in [0, "
                       "%ld] (the run's steps)",
                       path, step, r->task->total_steps);
    if ((double)r->optim.step != step)
        return nn_fail(err, "--resume: %s: optim.step %ld differs from run.state step %g",
                       path, r->optim.step, step);
    for (int k = 0; k < NN_TASK_SUMS; k++)
        if (!isfinite(st[1 + k]))
            return nn_fail(err, "--resume: %s: run.state sum %d is %g, not finite", path,
                           k, st[1 + k]);
    double seconds = st[1 + NN_TASK_SUMS];
    if (!(seconds >= 0 && seconds < 1e12))
        return nn_fail(err, "--resume: %s: run.state seconds %g is not a time", path,
                       seconds);
    long want = rows_at(r->task, (long)step);
    if (rows != want)
        return nn_fail(err,
                       "--resume: %s: run.metrics holds %lld rows; step %ld needs %ld",
                       path, (long long)rows, (long)step, want);
    return 0;
}

/* The run's own tensors: the rows so far and the loop's state. */
static int resume_state(nn_run *r, const nn_st_file *f, const char *path, nn_err *err)
{
    const nn_st_tensor *m = nn_st_find(f, "run.metrics"), *s = nn_st_find(f, "run.state");
    if (!m || !s || m->dtype != NN_ST_F64 || m->ndim != 2 || s->dtype != NN_ST_F64 ||
        s->ndim != 1 || s->shape[0] != STATE_LEN)
        return nn_fail(
            err, "--resume: %s: run.metrics or run.state is missing or malformed", path);
    if (m->shape[1] != r->log.ncols)
        return nn_fail(err,
                       "--resume: %s: run.metrics has rows of %lld columns; this run's "
                       "task (%s) has %d",
                       path, (long long)m->shape[1], r->task->desc->name, r->log.ncols);
    const double *st = s->data;
    if (check_state(r, st, m->shape[0], path, err))
        return -1;
    r->step = (long)st[0];
    for (int k = 0; k < NN_TASK_SUMS; k++)
        r->sums[k] = st[1 + k];
    r->seconds_before = st[1 + NN_TASK_SUMS];
    for (int64_t i = 0; i < m->shape[0]; i++)
        if (nn_metrics_add(&r->log, (const double *)m->data + i * r->log.ncols))
            return nn_fail(err, "--resume: out of memory");
    return 0;
}

int nn_run_resume(nn_run *r, nn_err *err)
{
    char path[PATH_MAX + 32];
    nn_train_path(path, sizeof path, r->c->out, "checkpoint.safetensors");
    nn_st_file *f = NULL;
    nn_err e = {""};
    if (nn_st_open(&f, path, &e) || nn_checkpoint_check(f, path, &e) ||
        nn_checkpoint_load_model(f, path, r->model, &e) ||
        nn_checkpoint_load_optim(f, path, &r->model->params, &r->optim, &e)) {
        nn_st_close(f);
        return nn_fail(err, "--resume: %s", e.msg);
    }
    int rc = resume_state(r, f, path, err);
    nn_st_close(f);
    if (rc)
        return -1;
    /* The metrics files as the checkpoint has them: rows a killed process
     * wrote past its last checkpoint are dropped, so the resumed run's
     * files end as an uninterrupted run's. */
    return nn_metrics_rewrite(&r->log, r->c->out, err);
}
