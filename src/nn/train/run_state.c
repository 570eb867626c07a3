/*
 * run_state.c - a run's checkpoint, saved and resumed (run.h).
 *
 * run.state (F64, 5): the step reached, the current period's three sums
 * (task.h), the seconds spent. run.metrics (F64, (rows, ncols), ncols the
 * task's): every row so far. run.norm (F64, 6): what the task keeps of its
 * data.
 */
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
    if (r->step > r->task->total_steps)
        return nn_fail(err, "--resume: %s is at step %ld, past the run's %ld steps", path,
                       r->step, r->task->total_steps);
    return 0;
}
