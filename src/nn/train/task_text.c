/*
 * task_text.c - next-byte language modelling (task.h): windows of context
 * bytes (b, t) as int32 tokens, and the byte after each position (b, t) as
 * targets; the model's loss is the mean cross-entropy, its metrics the
 * perplexity exp(loss) and the bits per byte loss / ln 2. A period is
 * eval_every steps.
 *
 * Data: one file of bytes; its last val_fraction validates.
 *
 * The windows of step s are drawn from stream ("train", s), those of the
 * i-th validation batch from ("val", i): every evaluation sees the same
 * eval_batches windows, and a resumed run draws what it would have.
 *
 * Columns: step, train_loss, val_loss, val_ppl, val_bpb, lr, seconds,
 * tokens.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "registry.h"
#include "rng.h"
#include "str.h"
#include "task.h"

enum {
    NCOLS = 8
}; /* a row: step, train loss, val loss, ppl and bpb, lr,
       seconds, tokens */

typedef struct text_task {
    nn_task base;
    nn_text text;
} text_task;

/* The text for the byte-level GPT: $GOLU_KJV, else where the set-up puts it. */
static void text_defaults(nn_train_config *c)
{
    const char *env = getenv("GOLU_KJV");
    const char *home = getenv("HOME");
    if (env && *env)
        snprintf(c->data, sizeof c->data, "%s", env);
    else
        snprintf(c->data, sizeof c->data, "%s/.local/share/golu/kjv.txt",
                 home ? home : "");
}

static int text_check(const nn_train_config *c, nn_err *err)
{
    if (c->steps < 1)
        return nn_fail(err, "--steps: must be at least 1 for %s",
                       c->model.desc ? c->model.desc->name : "this model");
    if (c->sched.kind == NN_SCHED_COSINE && c->sched.warmup >= c->steps)
        return nn_fail(err, "--warmup: %ld must be below --steps %ld", c->sched.warmup,
                       c->steps);
    return 0;
}

/* context tokens in, the context next tokens out; an example counts its
 * tokens. */
static void text_shape(const nn_config *m, nn_batch_spec *x, nn_batch_spec *target,
                       double *units)
{
    *x = (nn_batch_spec){NN_ST_I32, (size_t)m->context, m->vocab};
    *target = (nn_batch_spec){NN_ST_I32, (size_t)m->context, m->vocab};
    *units = m->context;
}

static void text_close(nn_task *base)
{
    text_task *t = (text_task *)base;
    if (!t)
        return;
    nn_text_free(&t->text);
    nn_task_free_batch(base);
    free(t);
}

static int text_open(nn_task **out, const nn_train_config *c, nn_config *model,
                     nn_err *err)
{
    *out = NULL;
    text_task *t = calloc(1, sizeof *t);
    if (!t) {
        nn_fail(err, "out of memory");
        return -2;
    }
    nn_task *b = &t->base;
    b->desc = &nn_task_text, b->cfg = c;
    nn_err e = {""};
    if (nn_text_load(&t->text, c->data, c->val_fraction, (size_t)model->context + 1,
                     &e)) {
        text_close(b);
        return nn_fail(
            err, "--data: %s%s", e.msg,
            getenv("GOLU_KJV") || strstr(c->data, "kjv.txt") == NULL
                ? ""
                : " (scripts/setup-debian.sh --data prepares the King James Bible text)");
    }
    double units;
    text_shape(model, &b->x_spec, &b->target_spec, &units);
    b->steps_per_period = c->eval_every;
    b->total_steps = c->steps;
    b->units_per_step = model->batch * units;
    if (nn_task_alloc_batch(b, model->batch, err)) {
        text_close(b);
        return -2;
    }
    *out = b;
    return 0;
}

static int text_batch(nn_task *base, long step)
{
    text_task *t = (text_task *)base;
    const nn_train_config *c = base->cfg;
    nn_text_batch(&t->text, 0, c->model.batch, c->model.context, c->seed,
                  nn_rng_stream("train", (uint64_t)step, 0), base->x, base->target);
    return c->model.batch;
}

/* sums: the batches' mean losses, (unused), the batches. */
static void text_accumulate(nn_task *t, const nn_model *m, double loss, int b,
                            double sums[NN_TASK_SUMS])
{
    (void)t, (void)m, (void)b;
    sums[0] += loss;
    sums[2] += 1;
}

/* eval[] from the mean loss: loss, perplexity, bits per byte. */
static void from_loss(double loss, double eval[NN_TASK_EVAL_MAX])
{
    eval[0] = loss;
    eval[1] = exp(loss);
    eval[2] = loss / log(2.0);
}

/* Mean loss over the same eval_batches validation windows every time; the
 * batches split among the processes (task.h), summed in batch order. */
static int text_evaluate(nn_task *base, nn_model *m, double eval[NN_TASK_EVAL_MAX])
{
    text_task *t = (text_task *)base;
    const nn_train_config *c = base->cfg;
    double *v = calloc((size_t)c->eval_batches, sizeof *v);
    if (!v)
        return -1;
    for (long i = 0; i < c->eval_batches; i++) {
        if (!nn_task_eval_mine(base, i))
            continue;
        nn_text_batch(&t->text, 1, c->model.batch, c->model.context, c->seed,
                      nn_rng_stream("val", (uint64_t)i, 0), base->x, base->target);
        if (m->ops->forward(m, base->x, base->target, c->model.batch, 0, 0, &v[i]) !=
            GOLU_OK) {
            free(v);
            return -1;
        }
    }
    int rc = nn_task_eval_sum(base, v, (size_t)c->eval_batches);
    double sum = 0;
    for (long i = 0; i < c->eval_batches; i++)
        sum += v[i];
    free(v);
    from_loss(sum / (double)c->eval_batches, eval);
    return rc;
}

/* Mean loss over every whole window of context+1 bytes in the validation
 * text, taken end to end (not the sampled windows of training). */
static int text_evaluate_all(nn_task *base, nn_model *m, double eval[NN_TASK_EVAL_MAX])
{
    text_task *tt = (text_task *)base;
    const nn_text *t = &tt->text;
    int B = base->cfg->model.batch, T = base->cfg->model.context;
    int32_t *x = base->x, *y = base->target;
    size_t val = t->size - t->train_size, windows = (val - 1) / (size_t)T;
    double sum = 0;
    size_t done = 0;
    while (done < windows) {
        int b = windows - done < (size_t)B ? (int)(windows - done) : B;
        for (int i = 0; i < b; i++)
            for (int j = 0; j < T; j++) {
                size_t at = t->train_size + (done + (size_t)i) * (size_t)T + (size_t)j;
                x[i * T + j] = t->bytes[at];
                y[i * T + j] = t->bytes[at + 1];
            }
        double l;
        if (m->ops->forward(m, x, y, b, 0, 0, &l) != GOLU_OK)
            return -1;
        sum += l * b;
        done += (size_t)b;
    }
    from_loss(windows ? sum / (double)windows : NAN, eval);
    return 0;
}

static void text_row(const nn_task *t, long step, const double sums[NN_TASK_SUMS],
                     const double eval[NN_TASK_EVAL_MAX], double lr, double seconds,
                     double row[NN_METRIC_COLS_MAX])
{
    const nn_config *m = &t->cfg->model;
    double train_loss = sums[2] ? sums[0] / sums[2] : NAN;
    double tokens = (double)step * m->batch * m->context;
    const double v[NCOLS] = {(double)step, train_loss, eval[0], eval[1],
                             eval[2],      lr,         seconds, tokens};
    memcpy(row, v, sizeof v);
}

/* --------------------------------------------------------------- words --- */

static void text_row_text(const nn_task *t, const double *row, char *buf, size_t size)
{
    snprintf(buf, size,
             "step %ld/%ld  train loss %.4f  val loss %.4f ppl %.3f bpb %.4f  lr "
             "%.3g  %.1fs",
             (long)row[0], t->total_steps, row[1], row[2], row[3], row[4], row[5],
             row[6]);
}

static void text_result_text(const double eval[NN_TASK_EVAL_MAX], char *buf, size_t size)
{
    snprintf(buf, size, "val loss %.4f, perplexity %.3f, %.4f bits/byte", eval[0],
             eval[1], eval[2]);
}

static void text_describe(double metric, double loss, char *buf, size_t size)
{
    snprintf(buf, size, "val ppl %.3f, %.4f bits/byte", metric, loss);
}

static void text_length_text(const nn_train_config *c, char *buf, size_t size)
{
    nn_str_append(buf, size, "%ld steps, evaluated every %ld on %ld batches", c->steps,
                  c->eval_every, c->eval_batches);
}

static const char *const COLUMNS[] = {"step",    "train_loss", "val_loss", "val_ppl",
                                      "val_bpb", "lr",         "seconds",  "tokens"};
_Static_assert(sizeof COLUMNS / sizeof *COLUMNS == NCOLS, "one name per column");
_Static_assert((int)NCOLS <= (int)NN_METRIC_COLS_MAX, "a row fits the row buffers");
static const char *const EVAL_KEYS[] = {"val_loss", "val_ppl", "val_bpb"};
static const char *const SCALE_KEYS[] = {"steps", NULL};

/* Judged by the last evaluation's perplexity (column 3), with its bits per
 * byte (4); curves against the step (0), training loss in column 1. */
static const nn_task_metric METRIC = {"val_ppl",
                                      "validation perplexity",
                                      "val_bpb",
                                      "bits per byte",
                                      0,
                                      3,
                                      4,
                                      0,
                                      1,
                                      "step",
                                      3,
                                      0,
                                      text_describe};

const nn_task_desc nn_task_text = {
    "text",
    "next-byte language modelling",
    "tok",
    NCOLS,
    COLUMNS,
    sizeof EVAL_KEYS / sizeof *EVAL_KEYS,
    EVAL_KEYS,
    1,
    {2, 3, 4},
    SCALE_KEYS,
    "a GPT",
    &METRIC,
    text_shape,
    text_defaults,
    text_check,
    text_open,
    text_close,
    text_batch,
    text_accumulate,
    text_evaluate,
    text_row,
    text_evaluate_all,
    text_row_text,
    text_result_text,
    text_result_text,
    text_length_text,
};
