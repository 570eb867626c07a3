/*
 * run.c - the training loop (trainer.h): set-up, steps, the end of each
 * period, stopping, the result.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "memory.h"
#include "registry.h"
#include "run.h"

void nn_train_path(char *buf, size_t size, const char *dir, const char *file)
{
    snprintf(buf, size, "%s/%s", dir, file);
}

/* ------------------------------------------------------------- set-up --- */

/* c->out made (or found) and locked by rank 0 (io/lock.h: refused at once
 * while another command holds it; its stale temporary files swept), unless
 * it already holds a run (never overwritten: its checkpoint may be all that
 * is left of it) and this is not a resume. The other ranks write nothing. */
static int make_out(nn_run *r, int resume, nn_err *err)
{
    const nn_train_config *c = r->c;
    if (nn_comm_rank(r->comm) != 0)
        return 0;
    struct stat st;
    if (mkdir(c->out, 0777) != 0 && (stat(c->out, &st) != 0 || !S_ISDIR(st.st_mode)))
        return nn_fail(err, "--out: cannot create directory %s", c->out);
    if (nn_lock_take(&r->lock, c->out, "--out", err))
        return -1;
    char ck[PATH_MAX + 32];
    nn_train_path(ck, sizeof ck, c->out, "checkpoint.safetensors");
    if (!resume && stat(ck, &st) == 0)
        return nn_fail(err,
                       "--out: %s already holds a run; continue it with --resume, or "
                       "choose another directory",
                       c->out);
    return 0;
}

/* The schedule of the run: the configured one over the task's steps (the
 * step schedule's milestones at 50% and 75%). */
static void make_schedule(nn_run *r)
{
    r->sched = r->c->sched;
    r->sched.lr = r->c->lr;
    r->sched.total_steps = r->task->total_steps;
    if (r->sched.kind == NN_SCHED_STEP) {
        r->sched.milestones[0] = 0.5, r->sched.milestones[1] = 0.75;
        r->sched.nmilestones = 2;
    }
}

/* Data, model, optimizer, directory, and (resume) the saved state. An
 * NN_TRAIN_* status. */
static int setup(nn_run *r, int resume, nn_err *err)
{
    const nn_train_config *c = r->c;
    const nn_task_desc *task = nn_task_of(c);
    nn_config cfg = c->model;
    nn_err e = {""};
    if (!task) {
        nn_fail(err, "--model: required");
        return NN_TRAIN_BAD_INPUT;
    }
    int opened = task->open(&r->task, c, &cfg, err);
    if (opened)
        return opened == -2 ? NN_TRAIN_FAILED : NN_TRAIN_BAD_INPUT;
    nn_metrics_init(&r->log, task->columns, task->ncols);
    /* Before allocating the model: a configuration that cannot fit in the
     * machine's memory is refused, saying how much it needs. */
    if (nn_memory_check_config(&cfg, &c->opt, err))
        return NN_TRAIN_BAD_INPUT;
    if (nn_model_create(&r->model, &cfg, c->seed, c->threads, &e)) {
        nn_fail(err, "model: %s", e.msg);
        return NN_TRAIN_BAD_INPUT;
    }
    if (nn_optim_init(&r->optim, &c->opt, &r->model->params, &e)) {
        nn_fail(err, "optimizer: %s", e.msg);
        return NN_TRAIN_BAD_INPUT;
    }
    r->task->comm = r->comm;
    if (nn_shares_init(r, err))
        return NN_TRAIN_FAILED;
    make_schedule(r);
    if (make_out(r, resume, err) || (resume && nn_run_resume(r, err)))
        return NN_TRAIN_BAD_INPUT;
    return NN_TRAIN_DONE;
}

static void teardown(nn_run *r)
{
    nn_shares_free(r);
    nn_lock_release(&r->lock);
    nn_optim_free(&r->optim);
    nn_model_destroy(r->model);
    if (r->task)
        r->task->desc->close(r->task);
    nn_metrics_free(&r->log);
}

/* -------------------------------------------------------- the periods --- */

/* Ends a period: evaluates, adds the row, writes the metrics and the
 * checkpoint. 0, or -1 with err. */
static int end_period(nn_run *r, nn_train_result *res, nn_err *err)
{
    const nn_task_desc *d = r->task->desc;
    double eval[NN_TASK_EVAL_MAX], row[NN_METRIC_COLS_MAX];
    double lr = nn_schedule_lr(&r->sched, r->step - 1);
    if (d->evaluate(r->task, r->model, eval))
        return nn_fail(err, "internal error in an evaluation (a bug: please report it)");
    d->row(r->task, r->step, r->sums, eval, lr, nn_run_elapsed(r), row);
    for (int k = 0; k < d->neval; k++)
        res->eval[k] = eval[k];
    res->train_loss = row[d->train_loss_col];
    if (r->hooks->period)
        r->hooks->period(r->hooks->user, r->task, row);
    for (int k = 0; k < NN_TASK_SUMS; k++)
        r->sums[k] = 0;
    if (nn_metrics_add(&r->log, row))
        return nn_fail(err, "out of memory");
    if (nn_shares_check(r, err))
        return -1;
    if (nn_comm_rank(r->comm) == 0 && nn_metrics_write(&r->log, r->c->out, err))
        return -1;
    return nn_run_save(r, err);
}

/* rc (0 or -1 with err) agreed among the processes: -1 on every one when
 * any failed, err saying so where another did. */
static int agree(const nn_run *r, int rc, nn_err *err)
{
    int failed = nn_comm_failures(r->comm, rc != 0);
    if (failed == 0)
        return 0;
    if (rc == 0)
        nn_fail(err, "%s",
                failed < 0 ? "a collective operation between the processes failed"
                           : "another process failed (its message says why); stopped");
    return -1;
}

static void tick(const nn_run *r, double loss)
{
    if (!r->hooks->tick)
        return;
    nn_train_tick t = {r->step,
                       r->task->total_steps,
                       loss,
                       r->step - r->step_start,
                       nn_run_now() - r->t_start,
                       r->task->units_per_step,
                       r->task->desc->unit};
    r->hooks->tick(r->hooks->user, &t);
}

/* A stop asked for (by the flag or stop_after) on any of the processes. */
static int stop_requested(const nn_run *r)
{
    long stop_after = r->c->stop_after;
    int stop = (r->hooks->stop && *r->hooks->stop) ||
               (stop_after && r->step - r->step_start >= stop_after);
    return nn_comm_failures(r->comm, stop) != 0;
}

/* ----------------------------------------------------------- the loop --- */

static int loop(nn_run *r, nn_train_result *res, nn_err *err)
{
    const nn_train_config *c = r->c;
    long total = r->task->total_steps, period = r->task->steps_per_period;
    while (r->step < total) {
        double loss = 0;
        int b = r->task->desc->batch(r->task, r->step);
        int rc = nn_run_step(r, b, &loss, r->sums);
        if (rc < 0) {
            nn_fail(err, "internal error in a training step (a bug: please report it)");
            return NN_TRAIN_FAILED;
        }
        if (rc > 0) {
            res->diverged = 1;
            nn_fail(err,
                    "the training loss became %s at step %ld; stopped. The last good "
                    "checkpoint is in %s (lower --lr, or add --clip)",
                    isnan(loss) ? "NaN" : "infinite", r->step + 1, c->out);
            return NN_TRAIN_FAILED;
        }
        r->step++;
        tick(r, loss);
        int last = r->step == total;
        if ((r->step % period == 0 || last) && agree(r, end_period(r, res, err), err))
            return NN_TRAIN_FAILED;
        if (!last && stop_requested(r)) {
            if (agree(r, nn_run_save(r, err), err))
                return NN_TRAIN_FAILED;
            if (r->hooks->stopped)
                r->hooks->stopped(r->hooks->user, r->step, total);
            return NN_TRAIN_STOPPED;
        }
    }
    return NN_TRAIN_DONE;
}

static void result_clear(nn_train_result *res)
{
    memset(res, 0, sizeof *res);
    res->train_loss = NAN;
    for (int k = 0; k < NN_TASK_EVAL_MAX; k++)
        res->eval[k] = NAN;
}

/* The final result: the last row's values. */
static void result_from_log(const nn_run *r, nn_train_result *res)
{
    const nn_task_desc *d = r->task->desc;
    const double *last = r->log.rows + (size_t)(r->log.n - 1) * r->log.ncols;
    res->train_loss = last[d->train_loss_col];
    for (int k = 0; k < d->neval; k++)
        res->eval[k] = last[d->eval_cols[k]];
}

/* The run's shares and each process's accum: a fresh run's from the
 * processes and c->accum; a resumed run's from its checkpoint (c->shares),
 * split among the processes when their number M divides it (the same
 * bits), else, when M divides the batch, changed to M shares of one each
 * (r->shares_from says from how many: the sums are taken in another order,
 * BatchNorm's statistics over other shares). NN_TRAIN_DONE or BAD_INPUT
 * with err; the same on every process (their configurations are equal). */
static int make_shares(nn_run *r, int resume, nn_err *err)
{
    nn_train_config *c = &r->cfg;
    int n = nn_comm_size(r->comm), b = c->model.batch;
    if (c->accum < 1)
        c->accum = 1;
    if (!resume)
        c->shares = n * c->accum;
    else if (c->shares < 1) {
        nn_fail(err, "--resume: the checkpoint's share count %d is not positive",
                c->shares);
        return NN_TRAIN_BAD_INPUT;
    } else if (c->shares % n == 0)
        c->accum = c->shares / n;
    else if (b % n == 0) {
        r->shares_from = c->shares;
        c->shares = n, c->accum = 1;
    } else {
        nn_fail(err,
                "--resume: the run was trained in %d shares of each batch (processes x "
                "--accum) of --batch %d examples; %d processes can take equal parts of "
                "neither: use a number of processes that divides %d (one that divides "
                "%d continues with the same bits)",
                c->shares, b, n, b, c->shares);
        return NN_TRAIN_BAD_INPUT;
    }
    if (b % c->shares != 0) {
        nn_fail(err,
                "--batch: %d examples cannot be split into %d equal shares (%d "
                "process%s x --accum %d); choose a batch they divide",
                b, c->shares, n, n == 1 ? "" : "es", c->accum);
        return NN_TRAIN_BAD_INPUT;
    }
    return NN_TRAIN_DONE;
}

/* The processes' configurations are equal: a hash of every saved key
 * (the checkpoint's metadata) and of the process settings that steer the
 * loop, compared with rank 0's. NN_TRAIN_DONE or BAD_INPUT with err. */
static int same_config(const nn_run *r, nn_err *err)
{
    if (nn_comm_size(r->comm) == 1)
        return NN_TRAIN_DONE;
    nn_train_meta meta;
    nn_train_config_to_meta(r->c, &meta);
    uint64_t h = NN_HASH_START;
    for (int i = 0; i < meta.n; i++) {
        h = nn_hash_bytes(h, meta.meta[i].key, strlen(meta.meta[i].key) + 1);
        h = nn_hash_bytes(h, meta.meta[i].value, strlen(meta.meta[i].value) + 1);
    }
    long steer[3] = {r->c->stop_after, r->c->accum, r->c->shares};
    h = nn_hash_bytes(h, steer, sizeof steer);
    int differ = nn_comm_same(r->comm, h);
    if (differ == 0)
        return NN_TRAIN_DONE;
    if (differ < 0)
        nn_fail(err, "the processes could not compare their configurations");
    else
        nn_fail(err,
                "the processes were given different configurations (%d of %d differ "
                "from rank 0's): give every process of the job the same flags",
                differ, nn_comm_size(r->comm));
    return NN_TRAIN_BAD_INPUT;
}

/* summary.json, which marks the run finished: a run whose summary could not
 * be written has failed (err names the file; a divergence it was to record
 * is said too), and res->saved tells a divergence that is on disk from one
 * that is not. Returns the run's status. */
static int write_summary(const nn_train_config *c, nn_train_result *res, int rc,
                         nn_err *err)
{
    nn_err e = {""};
    if (nn_summary_write(c, res, c->out, &e) == 0) {
        res->saved = 1;
        return rc;
    }
    if (res->diverged) {
        nn_err why = *err;
        nn_fail(err, "%s (the run had diverged: %.200s)", e.msg, why.msg);
    } else
        *err = e;
    return NN_TRAIN_FAILED;
}

int nn_train_run(const nn_train_config *c, int resume, const nn_train_hooks *hooks,
                 nn_train_result *res, nn_err *err)
{
    static const nn_train_hooks none;
    nn_run r;
    memset(&r, 0, sizeof r);
    r.lock.fd = -1;
    result_clear(res);
    r.cfg = *c;
    r.c = &r.cfg;
    r.hooks = hooks ? hooks : &none;
    r.comm = r.hooks->comm;
    /* Other ranks call no hooks: only the stop flag. */
    nn_train_hooks quiet = {0};
    if (nn_comm_rank(r.comm) != 0) {
        quiet.stop = r.hooks->stop;
        r.hooks = &quiet;
    }
    if (!resume)
        r.cfg.shares = 1; /* a fresh run's come from the processes */
    int rc = same_config(&r, err);
    if (rc == NN_TRAIN_DONE)
        rc = make_shares(&r, resume, err);
    if (rc == NN_TRAIN_DONE) {
        rc = setup(&r, resume, err);
        if (agree(&r, rc != NN_TRAIN_DONE ? -1 : 0, err) && rc == NN_TRAIN_DONE)
            rc = NN_TRAIN_FAILED;
    }
    if (rc == NN_TRAIN_DONE) {
        r.t_start = nn_run_now();
        r.step_start = r.step;
        /* A checkpoint from the start, so that there is always a last good one. */
        if (!resume && agree(&r, nn_run_save(&r, err), err))
            rc = NN_TRAIN_FAILED;
        if (rc == NN_TRAIN_DONE && r.shares_from && r.hooks->reshared)
            r.hooks->reshared(r.hooks->user, r.step, r.shares_from, r.c->shares);
        if (rc == NN_TRAIN_DONE && r.hooks->started)
            r.hooks->started(r.hooks->user, r.step, r.task->total_steps, resume);
        if (rc == NN_TRAIN_DONE)
            rc = loop(&r, res, err);
        res->steps = r.step;
        res->seconds = nn_run_elapsed(&r);
        if (rc == NN_TRAIN_DONE && r.log.n > 0)
            result_from_log(&r, res);
        if ((rc == NN_TRAIN_DONE || res->diverged) && nn_comm_rank(r.comm) == 0)
            rc = write_summary(r.c, res, rc, err);
    }
    teardown(&r);
    return rc;
}
