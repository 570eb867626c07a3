/*
 * task_images.c - image classification (task.h): images (b, c, h, w) as
 * float, normalised per channel with the training split's mean and std, and
 * their class indices (b) as int32; the model's loss is the cross-entropy,
 * its metric the accuracy. A period is an epoch.
 *
 * Data: a directory with Fashion-MNIST/MNIST IDX files
 * ({train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]) or CIFAR-10 binary
 * batches (data_batch_1..5.bin, test_batch.bin).
 *
 * The order of epoch e is the permutation of stream ("epoch", e): a pure
 * function of (seed, step), so a resumed run draws what it would have.
 *
 * Columns: epoch, step, train_loss, train_acc, test_loss, test_acc, lr,
 * seconds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data.h"
#include "rng.h"
#include "str.h"
#include "task.h"

#define DEFAULT_DATA "/usr/share/datasets/fashion-mnist"

enum {
    NCOLS = 8
}; /* a row: epoch, step, train loss and accuracy, test loss and
       accuracy, lr, seconds */

typedef struct img_task {
    nn_task base;
    nn_images train, test;
    double mean[3], std[3]; /* per channel, from the training split */
    uint32_t *perm;         /* this epoch's order */
    long perm_epoch;
    uint32_t *idx; /* (batch) the evaluation's indices */
} img_task;

/* ---------------------------------------------------------------- data --- */

static int exists(const char *dir, const char *name)
{
    char p[PATH_MAX + 64];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &st) == 0;
}

static int load_cifar(img_task *t, const char *dir, nn_err *err)
{
    char paths[6][PATH_MAX + 32];
    const char *train[5];
    for (int i = 0; i < 5; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/data_batch_%d.bin", dir, i + 1);
        train[i] = paths[i];
    }
    snprintf(paths[5], sizeof paths[5], "%s/test_batch.bin", dir);
    const char *test[1] = {paths[5]};
    if (nn_cifar10_load(&t->train, train, 5, err))
        return -1;
    return nn_cifar10_load(&t->test, test, 1, err);
}

/* Keeps the first `limit` images (0: all). */
static void limit_images(nn_images *im, long limit)
{
    if (limit > 0 && limit < im->n)
        im->n = (int)limit;
}

static int load(img_task *t, const nn_train_config *c, nn_err *err)
{
    struct stat st;
    if (stat(c->data, &st) != 0 || !S_ISDIR(st.st_mode))
        return nn_fail(err,
                       "--data: %s is not a directory of images (Fashion-MNIST IDX files "
                       "or CIFAR-10 batches)%s",
                       c->data,
                       strcmp(c->data, DEFAULT_DATA) == 0
                           ? "; install Debian's dataset-fashion-mnist "
                             "(scripts/setup-debian.sh --data)"
                           : "");
    nn_err e = {""};
    int rc;
    if (exists(c->data, "data_batch_1.bin"))
        rc = load_cifar(t, c->data, &e);
    else
        rc = nn_idx_load_dir(&t->train, c->data, "train", &e) ||
             nn_idx_load_dir(&t->test, c->data, "test", &e);
    if (rc)
        return nn_fail(err, "--data: %s", e.msg);
    limit_images(&t->train, c->limit_train);
    limit_images(&t->test, c->limit_test);
    nn_images_stats(&t->train, t->mean, t->std);
    return 0;
}

/* Images (c, h, w) as float, one class index. */
static void img_shape(const nn_config *m, nn_batch_spec *x, nn_batch_spec *target,
                      double *units)
{
    *x = (nn_batch_spec){NN_ST_F32, (size_t)m->in_c * m->in_h * m->in_w, 0};
    *target = (nn_batch_spec){NN_ST_I32, 1, m->classes};
    *units = 1;
}

static void img_close(nn_task *base)
{
    img_task *t = (img_task *)base;
    if (!t)
        return;
    nn_images_free(&t->train);
    nn_images_free(&t->test);
    nn_task_free_batch(base);
    free(t->perm);
    free(t->idx);
    free(t);
}

static int img_open(nn_task **out, const nn_train_config *c, nn_config *model,
                    nn_err *err)
{
    *out = NULL;
    img_task *t = calloc(1, sizeof *t);
    if (!t) {
        nn_fail(err, "out of memory");
        return -2;
    }
    nn_task *b = &t->base;
    b->desc = &nn_task_images, b->cfg = c;
    if (load(t, c, err)) {
        img_close(b);
        return -1;
    }
    model->in_c = t->train.c, model->in_h = t->train.h, model->in_w = t->train.w;
    model->classes = t->train.classes;
    int B = model->batch;
    double units;
    img_shape(model, &b->x_spec, &b->target_spec, &units);
    b->steps_per_period = (t->train.n + B - 1) / B;
    b->total_steps = b->steps_per_period * c->epochs;
    b->units_per_step = B * units;
    for (int k = 0; k < 3; k++)
        b->norm[k] = t->mean[k], b->norm[3 + k] = t->std[k];
    t->perm_epoch = -1;
    t->perm = malloc((size_t)(t->train.n ? t->train.n : 1) * sizeof *t->perm);
    t->idx = malloc((size_t)B * sizeof *t->idx);
    if (!t->perm || !t->idx || nn_task_alloc_batch(b, B, err)) {
        img_close(b);
        nn_fail(err, "out of memory for the batches");
        return -2;
    }
    *out = b;
    return 0;
}

/* ------------------------------------------------------------- batches --- */

static int img_batch(nn_task *base, long step)
{
    img_task *t = (img_task *)base;
    const nn_images *tr = &t->train;
    int B = base->cfg->model.batch;
    long spe = base->steps_per_period;
    long epoch = step / spe, k = step % spe;
    if (t->perm_epoch != epoch) {
        nn_rng_permutation(t->perm, (size_t)tr->n, base->cfg->seed,
                           nn_rng_stream("epoch", (uint64_t)epoch, 0));
        t->perm_epoch = epoch;
    }
    long first = k * B;
    int b =
        (int)(first + B <= tr->n ? B : tr->n - first); /* the last batch may be short */
    nn_images_batch(tr, t->perm + first, b, t->mean, t->std, base->x, base->target);
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

/* sums: the loss summed over images, the correct ones, the images. */
static void img_accumulate(nn_task *t, const nn_model *m, double loss, int b,
                           double sums[NN_TASK_SUMS])
{
    sums[1] += count_correct(m, t->target, b);
    sums[0] += loss * b;
    sums[2] += b;
}

/* ---------------------------------------------------------- evaluation --- */

/* Mean loss and accuracy over the test images, in eval mode; the batches
 * split among the processes (task.h), summed in batch order. */
static int img_evaluate(nn_task *base, nn_model *m, double eval[NN_TASK_EVAL_MAX])
{
    img_task *t = (img_task *)base;
    const nn_images *te = &t->test;
    int B = base->cfg->model.batch;
    long nb = (te->n + B - 1) / B;
    double *v = calloc((size_t)(nb ? nb : 1) * 2, sizeof *v); /* loss * b, correct */
    if (!v)
        return -1;
    for (long j = 0; j < nb; j++) {
        if (!nn_task_eval_mine(base, j))
            continue;
        int first = (int)(j * B), b = first + B <= te->n ? B : te->n - first;
        for (int i = 0; i < b; i++)
            t->idx[i] = (uint32_t)(first + i);
        nn_images_batch(te, t->idx, b, t->mean, t->std, base->x, base->target);
        double l;
        if (m->ops->forward(m, base->x, base->target, b, 0, 0, &l) != GOLU_OK) {
            free(v);
            return -1;
        }
        v[2 * j] = l * b;
        v[2 * j + 1] = count_correct(m, base->target, b);
    }
    if (nn_task_eval_sum(base, v, (size_t)nb * 2)) {
        free(v);
        return -1;
    }
    double sum = 0, correct = 0;
    for (long j = 0; j < nb; j++)
        sum += v[2 * j], correct += v[2 * j + 1];
    free(v);
    eval[0] = te->n ? sum / te->n : NAN;
    eval[1] = te->n ? correct / te->n : NAN;
    return 0;
}

static void img_row(const nn_task *t, long step, const double sums[NN_TASK_SUMS],
                    const double eval[NN_TASK_EVAL_MAX], double lr, double seconds,
                    double row[NN_METRIC_COLS_MAX])
{
    long spe = t->steps_per_period;
    double train_loss = sums[2] ? sums[0] / sums[2] : NAN;
    double epoch = (double)((step + spe - 1) / spe);
    const double v[NCOLS] = {epoch,   (double)step, train_loss, sums[1] / sums[2],
                             eval[0], eval[1],      lr,         seconds};
    memcpy(row, v, sizeof v);
}

/* --------------------------------------------------------------- words --- */

static void img_row_text(const nn_task *t, const double *row, char *buf, size_t size)
{
    snprintf(buf, size,
             "epoch %ld/%ld  train loss %.4f acc %.4f  test loss %.4f acc %.4f  lr "
             "%.3g  %.1fs",
             (long)row[0], t->cfg->epochs, row[2], row[3], row[4], row[5], row[6],
             row[7]);
}

static void img_result_text(const double eval[NN_TASK_EVAL_MAX], char *buf, size_t size)
{
    snprintf(buf, size, "test acc %.4f, test loss %.4f", eval[1], eval[0]);
}

static void img_eval_text(const double eval[NN_TASK_EVAL_MAX], char *buf, size_t size)
{
    snprintf(buf, size, "test loss %.4f, test acc %.4f", eval[0], eval[1]);
}

static void img_describe(double metric, double loss, char *buf, size_t size)
{
    snprintf(buf, size, "test acc %.4f, test loss %.4f", metric, loss);
}

static void img_length_text(const nn_train_config *c, char *buf, size_t size)
{
    nn_str_append(buf, size, "%ld epoch%s", c->epochs, c->epochs == 1 ? "" : "s");
    if (c->limit_train)
        nn_str_append(buf, size, ", the first %ld training images", c->limit_train);
    if (c->limit_test)
        nn_str_append(buf, size, ", the first %ld test images", c->limit_test);
}

/* ---------------------------------------------------------- the rest --- */

static void img_defaults(nn_train_config *c)
{
    snprintf(c->data, sizeof c->data, "%s", DEFAULT_DATA);
}

static int img_check(const nn_train_config *c, nn_err *err)
{
    (void)c, (void)err;
    return 0;
}

static const char *const COLUMNS[] = {"epoch",     "step",     "train_loss", "train_acc",
                                      "test_loss", "test_acc", "lr",         "seconds"};
_Static_assert(sizeof COLUMNS / sizeof *COLUMNS == NCOLS, "one name per column");
_Static_assert((int)NCOLS <= (int)NN_METRIC_COLS_MAX, "a row fits the row buffers");
static const char *const EVAL_KEYS[] = {"test_loss", "test_acc"};
static const char *const SCALE_KEYS[] = {"epochs", "limit-train", "limit-test", NULL};

/* Judged by the last epoch's test accuracy (column 5), with its test loss
 * (4); curves against the epoch (0), training loss in column 2. */
static const nn_task_metric METRIC = {
    "test_acc", "test accuracy", "test_loss", "test loss", 1,           5, 4, 0,
    2,          "epoch",         4,           1,           img_describe};

const nn_task_desc nn_task_images = {
    "images",       "image classification",
    "img",          NCOLS,
    COLUMNS,        sizeof EVAL_KEYS / sizeof *EVAL_KEYS,
    EVAL_KEYS,      2,
    {4, 5},         SCALE_KEYS,
    "on images",    &METRIC,
    img_shape,      img_defaults,
    img_check,      img_open,
    img_close,      img_batch,
    img_accumulate, img_evaluate,
    img_row,        img_evaluate,
    img_row_text,   img_result_text,
    img_eval_text,  img_length_text,
};
