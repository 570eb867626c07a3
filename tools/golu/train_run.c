/*
 * train_run.c - the training loop (train.h).
 *
 * Everything a step draws is a pure function of (seed, step): the data order
 * of epoch e is the permutation of stream ("epoch", e), GPT windows come from
 * stream ("train", step), dropout masks from (seed, step). So a run resumed
 * from a checkpoint at step k continues exactly as if it had never stopped,
 * and the final weights are the same bits (for the same thread count).
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "rng.h"
#include "train.h"
#include "train_data.h"
#include "train_report.h"

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

void train_path(char *buf, size_t size, const char *dir, const char *file)
{
    snprintf(buf, size, "%s/%s", dir, file);
}

/* Everything the loop carries between steps. */
typedef struct run {
    const train_opts *o;
    train_data data;
    nn_model *model;
    nn_optim optim;
    nn_schedule sched;
    long step, total_steps, steps_per_epoch;
    /* the current epoch / interval: sums for its mean loss and accuracy */
    double loss_sum, correct, count;
    metrics_log log;
    double seconds_before; /* elapsed in earlier processes (resume) */
    double t_start;
    long step_start;
    uint32_t *perm; /* images: this epoch's order */
    long perm_epoch;
    float *x; /* a batch: images (B, C, H, W) or tokens */
    int32_t *xi, *y;
} run;

static double elapsed(const run *r)
{
    return r->seconds_before + (cli_now() - r->t_start);
}

/* ------------------------------------------------------------ batches --- */

static int batch_images(run *r, long step)
{
    const nn_images *tr = &r->data.train;
    int B = r->o->model.batch;
    long epoch = step / r->steps_per_epoch, k = step % r->steps_per_epoch;
    if (r->perm_epoch != epoch) {
        nn_rng_permutation(r->perm, (size_t)tr->n, r->o->seed,
                           nn_rng_stream("epoch", (uint64_t)epoch, 0));
        r->perm_epoch = epoch;
    }
    long first = k * B;
    int b =
        (int)(first + B <= tr->n ? B : tr->n - first); /* the last batch may be short */
    nn_images_batch(tr, r->perm + first, b, r->data.mean, r->data.std, r->x, r->y);
    return b;
}

/* Correct predictions among the last forward's b rows. */
static int count_correct(const nn_model *m, const int32_t *y, int b)
{
    const float *logits = m->ops->logits(m);
    int k = m->cfg.classes, correct = 0;
    for (int i = 0; i < b; i++) {
        int best = 0;
        for (int j = 1; j < k; j++)
            if (logits[(size_t)i * k + j] > logits[(size_t)i * k + best])
                best = j;
        correct += best == y[i];
    }
    return correct;
}

/* ----------------------------------------------------------- evaluate --- */

/* Mean loss (and accuracy) over the test images, in eval mode. */
static int evaluate_images(run *r, double *loss, double *acc)
{
    const nn_images *te = &r->data.test;
    int B = r->o->model.batch;
    uint32_t *idx = malloc((size_t)B * sizeof *idx);
    if (!idx)
        return -1;
    double sum = 0, correct = 0;
    for (int first = 0; first < te->n; first += B) {
        int b = first + B <= te->n ? B : te->n - first;
        for (int i = 0; i < b; i++)
            idx[i] = (uint32_t)(first + i);
        nn_images_batch(te, idx, b, r->data.mean, r->data.std, r->x, r->y);
        double l;
        if (r->model->ops->forward(r->model, r->x, r->y, b, 0, 0, &l) != GOLU_OK) {
            free(idx);
            return -1;
        }
        sum += l * b;
        correct += count_correct(r->model, r->y, b);
    }
    free(idx);
    *loss = te->n ? sum / te->n : NAN;
    *acc = te->n ? correct / te->n : NAN;
    return 0;
}

/* Mean loss over the same eval_batches validation windows every time. */
static int evaluate_text(run *r, double *loss)
{
    const train_opts *o = r->o;
    double sum = 0;
    for (long i = 0; i < o->eval_batches; i++) {
        nn_text_batch(&r->data.text, 1, o->model.batch, o->model.context, o->seed,
                      nn_rng_stream("val", (uint64_t)i, 0), r->xi, r->y);
        double l;
        if (r->model->ops->forward(r->model, r->xi, r->y, o->model.batch, 0, 0, &l) !=
            GOLU_OK)
            return -1;
        sum += l;
    }
    *loss = sum / (double)o->eval_batches;
    return 0;
}

/* ------------------------------------------------------------- a step --- */

/* One optimizer step. Returns 0, or 1 when the loss is not finite. */
static int train_step(run *r, double *loss_out)
{
    const train_opts *o = r->o;
    nn_model *m = r->model;
    int b;
    const void *x;
    if (r->data.images) {
        b = batch_images(r, r->step);
        x = r->x;
    } else {
        b = o->model.batch;
        nn_text_batch(&r->data.text, 0, b, o->model.context, o->seed,
                      nn_rng_stream("train", (uint64_t)r->step, 0), r->xi, r->y);
        x = r->xi;
    }
    double loss;
    nn_params_zero_grad(&m->params);
    if (m->ops->forward(m, x, r->y, b, 1, (uint64_t)r->step, &loss) != GOLU_OK)
        return -1;
    *loss_out = loss;
    if (!isfinite(loss))
        return 1;
    if (m->ops->backward(m) != GOLU_OK)
        return -1;
    if (o->clip > 0)
        nn_clip_grad_norm(&m->params, o->clip);
    nn_optim_step(&r->optim, &m->params, nn_schedule_lr(&r->sched, r->step));
    if (r->data.images) {
        r->correct += count_correct(m, r->y, b);
        r->loss_sum += loss * b;
        r->count += b;
    } else {
        r->loss_sum += loss;
        r->count += 1;
    }
    r->step++;
    return 0;
}

/* ------------------------------------------------ checkpoint and rows --- */

/* The run's own state in the checkpoint: the metrics so far, the sums of
 * the current epoch, the time spent, the data normalisation. */
static int save_checkpoint(run *r)
{
    const train_opts *o = r->o;
    char path[PATH_MAX + 32];
    train_path(path, sizeof path, o->out, "checkpoint.safetensors");
    double state[5] = {(double)r->step, r->loss_sum, r->correct, r->count, elapsed(r)};
    double norm[6] = {r->data.mean[0], r->data.mean[1], r->data.mean[2],
                      r->data.std[0],  r->data.std[1],  r->data.std[2]};
    double none = 0;
    nn_st_tensor extra[3] = {
        {"run.metrics",
         NN_ST_F64,
         2,
         {r->log.n, METRIC_COLS},
         r->log.n ? r->log.rows : &none},
        {"run.state", NN_ST_F64, 1, {5}, state},
        {"run.norm", NN_ST_F64, 1, {6}, norm},
    };
    nn_st_meta meta[64];
    char values[64][64];
    int nmeta = train_opts_to_meta(o, meta, values, 64);
    nn_err err = {""};
    if (nn_checkpoint_save(path, r->model, &r->optim, extra, 3, meta, nmeta, &err)) {
        cli_error("%s", err.msg);
        return -1;
    }
    return 0;
}

/* Restores the model, optimizer and run state from o->out's checkpoint. */
static int resume_from(run *r)
{
    char path[PATH_MAX + 32];
    train_path(path, sizeof path, r->o->out, "checkpoint.safetensors");
    nn_st_file *f = NULL;
    nn_err err = {""};
    if (nn_st_open(&f, path, &err) || nn_checkpoint_check(f, path, &err) ||
        nn_checkpoint_load_model(f, path, r->model, &err) ||
        nn_checkpoint_load_optim(f, path, &r->model->params, &r->optim, &err)) {
        cli_error("--resume: %s", err.msg);
        nn_st_close(f);
        return -1;
    }
    const nn_st_tensor *m = nn_st_find(f, "run.metrics"), *s = nn_st_find(f, "run.state");
    if (!m || !s || m->dtype != NN_ST_F64 || m->ndim != 2 || m->shape[1] != METRIC_COLS ||
        s->dtype != NN_ST_F64 || s->ndim != 1 || s->shape[0] != 5) {
        cli_error("--resume: %s: run.metrics or run.state is missing or malformed", path);
        nn_st_close(f);
        return -1;
    }
    const double *st = s->data;
    r->step = (long)st[0], r->loss_sum = st[1], r->correct = st[2], r->count = st[3];
    r->seconds_before = st[4];
    for (int64_t i = 0; i < m->shape[0]; i++)
        if (metrics_add(&r->log, (const double *)m->data + i * METRIC_COLS)) {
            nn_st_close(f);
            return -1;
        }
    nn_st_close(f);
    if (r->step > r->total_steps) {
        cli_error("--resume: %s is at step %ld, past the run's %ld steps", path, r->step,
                  r->total_steps);
        return -1;
    }
    return 0;
}

/* Ends an epoch (images) or an evaluation interval (gpt): evaluates, adds a
 * row, writes the metrics and the checkpoint. */
static int end_period(run *r, train_result *res)
{
    const train_opts *o = r->o;
    double row[METRIC_COLS];
    double lr = nn_schedule_lr(&r->sched, r->step - 1);
    double train_loss = r->count ? r->loss_sum / r->count : NAN;
    if (r->data.images) {
        double loss, acc;
        if (evaluate_images(r, &loss, &acc))
            return -1;
        double epoch = (double)((r->step + r->steps_per_epoch - 1) / r->steps_per_epoch);
        double v[METRIC_COLS] = {
            epoch, (double)r->step, train_loss, r->correct / r->count, loss, acc,
            lr,    elapsed(r)};
        memcpy(row, v, sizeof row);
        res->val_loss = loss, res->val_acc = acc;
        if (!o->quiet && !o->progress_label)
            printf("epoch %ld/%ld  train loss %.4f acc %.4f  test loss %.4f acc %.4f  lr "
                   "%.3g  %.1fs\n",
                   (long)epoch, o->epochs, train_loss, v[3], loss, acc, lr, v[7]);
    } else {
        double loss;
        if (evaluate_text(r, &loss))
            return -1;
        double tokens = (double)r->step * o->model.batch * o->model.context;
        double v[METRIC_COLS] = {(double)r->step, train_loss, loss,       exp(loss),
                                 loss / log(2.0), lr,         elapsed(r), tokens};
        memcpy(row, v, sizeof row);
        res->val_loss = loss, res->val_ppl = v[3], res->val_bpb = v[4];
        if (!o->quiet && !o->progress_label)
            printf("step %ld/%ld  train loss %.4f  val loss %.4f ppl %.3f bpb %.4f  lr "
                   "%.3g  %.1fs\n",
                   r->step, r->total_steps, train_loss, loss, v[3], v[4], lr, v[6]);
    }
    fflush(stdout);
    res->train_loss = train_loss;
    r->loss_sum = r->correct = r->count = 0;
    if (metrics_add(&r->log, row) || metrics_write(&r->log, o->out))
        return -1;
    return save_checkpoint(r);
}

/* ----------------------------------------------------------- progress --- */

/* The width of the progress line on the terminal now (0: none), so that
 * clearing it wipes exactly that much: a longer blank line would wrap. */
static int progress_width;

static void progress(const run *r, double loss)
{
    static double last;
    double now = cli_now();
    if (r->o->quiet || !isatty(2) || now - last < 0.25)
        return;
    last = now;
    double rate = (double)(r->step - r->step_start) / (now - r->t_start);
    double left = rate > 0 ? (double)(r->total_steps - r->step) / rate : 0;
    double unit = r->data.images ? r->o->model.batch
                                 : (double)r->o->model.batch * r->o->model.context;
    const char *label = r->o->progress_label;
    int w = fprintf(
        stderr, "\r%s%sstep %ld/%ld  loss %.4f  %.0f %s/s  %ldm%02lds left   ",
        label ? label : "", label ? ": " : "", r->step, r->total_steps, loss, rate * unit,
        r->data.images ? "img" : "tok", (long)left / 60, (long)left % 60);
    if (w - 1 > progress_width)
        progress_width = w - 1;
}

static void clear_progress(const run *r)
{
    if (!r->o->quiet && isatty(2) && progress_width > 0)
        fprintf(stderr, "\r%*s\r", progress_width, "");
    progress_width = 0;
}

/* ------------------------------------------------------------ set-up --- */

static int setup(run *r, const train_opts *o, int resume)
{
    nn_config cfg = o->model;
    if (train_data_load(&r->data, o, &cfg))
        return 2;
    r->log.images = r->data.images;
    nn_err err = {""};
    if (nn_model_create(&r->model, &cfg, o->seed, o->threads ? o->threads : 0, &err)) {
        cli_error("model: %s", err.msg);
        return 2;
    }
    if (nn_optim_init(&r->optim, &o->opt, &r->model->params, &err)) {
        cli_error("optimizer: %s", err.msg);
        return 2;
    }
    if (r->data.images) {
        r->steps_per_epoch = (r->data.train.n + cfg.batch - 1) / cfg.batch;
        r->total_steps = r->steps_per_epoch * o->epochs;
        r->perm = malloc((size_t)r->data.train.n * sizeof *r->perm);
        r->x = nn_alloc_floats((size_t)cfg.batch * cfg.in_c * cfg.in_h * cfg.in_w);
        r->y = malloc((size_t)cfg.batch * sizeof *r->y);
    } else {
        r->steps_per_epoch = o->eval_every;
        r->total_steps = o->steps;
        r->xi = malloc((size_t)cfg.batch * cfg.context * sizeof *r->xi);
        r->y = malloc((size_t)cfg.batch * cfg.context * sizeof *r->y);
    }
    if ((r->data.images && (!r->perm || !r->x)) || !r->y || (!r->data.images && !r->xi)) {
        cli_error("out of memory for the batches");
        return 1;
    }
    r->perm_epoch = -1;
    r->sched = o->sched;
    r->sched.lr = o->lr;
    r->sched.total_steps = r->total_steps;
    if (r->sched.kind == NN_SCHED_STEP) {
        r->sched.milestones[0] = 0.5, r->sched.milestones[1] = 0.75;
        r->sched.nmilestones = 2;
    }
    if (mkdir(o->out, 0777) != 0 && !resume) {
        struct stat st;
        if (stat(o->out, &st) != 0 || !S_ISDIR(st.st_mode)) {
            cli_error("--out: cannot create directory %s", o->out);
            return 2;
        }
        /* Never overwrite a run: its checkpoint may be all that is left of it. */
        char ck[PATH_MAX + 32];
        train_path(ck, sizeof ck, o->out, "checkpoint.safetensors");
        if (stat(ck, &st) == 0) {
            cli_error(
                "--out: %s already holds a run; continue it with --resume, or choose "
                "another directory",
                o->out);
            return 2;
        }
    }
    if (resume && resume_from(r))
        return 2;
    return 0;
}

static void teardown(run *r)
{
    nn_optim_free(&r->optim);
    nn_model_destroy(r->model);
    train_data_free(&r->data);
    metrics_free(&r->log);
    free(r->perm);
    free(r->x);
    free(r->xi);
    free(r->y);
}

/* ---------------------------------------------------------- the loop --- */

static int loop(run *r, train_result *res)
{
    const train_opts *o = r->o;
    long period = r->steps_per_epoch;
    while (r->step < r->total_steps) {
        double loss = 0;
        int rc = train_step(r, &loss);
        if (rc < 0) {
            clear_progress(r);
            cli_error("internal error in a training step (a bug: please report it)");
            return 1;
        }
        if (rc > 0) {
            clear_progress(r);
            cli_error("the training loss became %s at step %ld; stopped. The last good "
                      "checkpoint is in %s (lower --lr, or add --clip)",
                      isnan(loss) ? "NaN" : "infinite", r->step + 1, o->out);
            res->diverged = 1;
            return 1;
        }
        progress(r, loss);
        int last = r->step == r->total_steps;
        if (r->step % period == 0 || last) {
            clear_progress(r);
            if (end_period(r, res))
                return 1;
        }
        if (!last && (interrupted ||
                      (o->stop_after && r->step - r->step_start >= o->stop_after))) {
            clear_progress(r);
            if (save_checkpoint(r))
                return 1;
            printf(
                "stopped at step %ld/%ld; continue with: golu train --resume --out %s\n",
                r->step, r->total_steps, o->out);
            return 3;
        }
    }
    return 0;
}

int train_run(const train_opts *o, int resume, train_result *res)
{
    run r;
    memset(&r, 0, sizeof r);
    memset(res, 0, sizeof *res);
    res->val_loss = res->val_acc = res->val_ppl = res->val_bpb = res->train_loss = NAN;
    r.o = o;
    int rc = setup(&r, o, resume);
    if (rc == 0) {
        interrupted = 0;
        void (*old)(int) = signal(SIGINT, on_sigint);
        r.t_start = cli_now();
        r.step_start = r.step;
        /* A checkpoint from the start, so that there is always a last good one. */
        if (!resume && save_checkpoint(&r))
            rc = 1;
        if (resume && r.step == r.total_steps && !o->quiet && !o->progress_label)
            printf("the run in %s has already finished\n", o->out);
        if (rc == 0)
            rc = loop(&r, res);
        signal(SIGINT, old);
        res->steps = r.step;
        res->seconds = elapsed(&r);
        if (rc == 0 && r.log.n > 0) {
            const double *last = r.log.rows + (size_t)(r.log.n - 1) * METRIC_COLS;
            if (r.data.images) {
                res->train_loss = last[2], res->val_loss = last[4],
                res->val_acc = last[5];
            } else {
                res->train_loss = last[1], res->val_loss = last[2];
                res->val_ppl = last[3], res->val_bpb = last[4];
            }
        }
        if (rc == 0 || res->diverged)
            summary_write(o, res, o->out);
    }
    teardown(&r);
    return rc;
}

/* ------------------------------------------------------------- eval ---- */

/* Mean loss over every whole window of context+1 bytes in the validation
 * text, taken end to end (not the sampled windows of training). */
static int evaluate_text_full(run *r, double *loss)
{
    const nn_text *t = &r->data.text;
    int B = r->o->model.batch, T = r->o->model.context;
    size_t val = t->size - t->train_size, windows = (val - 1) / (size_t)T;
    double sum = 0;
    size_t done = 0;
    while (done < windows) {
        int b = windows - done < (size_t)B ? (int)(windows - done) : B;
        for (int i = 0; i < b; i++)
            for (int j = 0; j < T; j++) {
                size_t at = t->train_size + (done + (size_t)i) * (size_t)T + (size_t)j;
                r->xi[i * T + j] = t->bytes[at];
                r->y[i * T + j] = t->bytes[at + 1];
            }
        double l;
        if (r->model->ops->forward(r->model, r->xi, r->y, b, 0, 0, &l) != GOLU_OK)
            return -1;
        sum += l * b;
        done += (size_t)b;
    }
    *loss = windows ? sum / (double)windows : NAN;
    return 0;
}

int train_eval(const train_opts *o, const char *checkpoint, train_result *res)
{
    run r;
    memset(&r, 0, sizeof r);
    memset(res, 0, sizeof *res);
    res->val_loss = res->val_acc = res->val_ppl = res->val_bpb = res->train_loss = NAN;
    r.o = o;
    int rc = 2;
    nn_config cfg = o->model;
    nn_err err = {""};
    nn_st_file *f = NULL;
    if (train_data_load(&r.data, o, &cfg))
        goto out;
    if (nn_model_create(&r.model, &cfg, o->seed, o->threads, &err)) {
        cli_error("model: %s", err.msg);
        goto out;
    }
    if (nn_st_open(&f, checkpoint, &err) || nn_checkpoint_check(f, checkpoint, &err) ||
        nn_checkpoint_load_model(f, checkpoint, r.model, &err)) {
        cli_error("--checkpoint: %s", err.msg);
        goto out;
    }
    size_t nb = (size_t)cfg.batch * (cfg.kind == NN_MODEL_GPT
                                         ? (size_t)cfg.context
                                         : (size_t)cfg.in_c * cfg.in_h * cfg.in_w);
    r.x = nn_alloc_floats(nb);
    r.xi = malloc(nb * sizeof *r.xi);
    r.y = malloc(nb * sizeof *r.y);
    rc = 1;
    if (!r.x || !r.xi || !r.y)
        goto out;
    if (r.data.images) {
        if (evaluate_images(&r, &res->val_loss, &res->val_acc) == 0)
            rc = 0;
    } else if (evaluate_text_full(&r, &res->val_loss) == 0) {
        res->val_ppl = exp(res->val_loss);
        res->val_bpb = res->val_loss / log(2.0);
        rc = 0;
    }
out:
    nn_st_close(f);
    teardown(&r);
    return rc;
}
