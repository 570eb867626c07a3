/*
 * task_segment.c - semantic segmentation (task.h): 64x64 scenes composed
 * from Fashion-MNIST (nn_scene_compose: 2 to 4 garments, placed and
 * overlapped), a label per pixel (0 background, 1 + the garment's class:
 * 11 classes). Training scene i is composed from the training split with
 * the run's seed; test scene j from the test split with a fixed seed, so
 * that every run is judged on the same scenes. The input is the scene
 * mapped to [-1, 1] (2p - 1). The model's loss is the per-pixel
 * cross-entropy; the metrics, over the test scenes: the mean intersection
 * over union of the classes (those present in the truth or the prediction)
 * and the pixel accuracy. A period is an epoch over the training scenes
 * (--limit-train of them; 0: one per training image), the order of epoch
 * e the permutation of stream ("epoch", e) as for images.
 *
 * Columns: epoch, step, train_loss, train_acc, test_loss, test_miou,
 * test_acc, lr, seconds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "rng.h"
#include "segment.h"
#include "str.h"
#include "task.h"

#define DEFAULT_DATA "/usr/share/datasets/fashion-mnist"
#define TEST_SEED    20260101u /* the test scenes' composition, the same for every run */

enum { NCOLS = 9, SIDE = NN_SEGMENT_SIDE, CLASSES = NN_SEGMENT_CLASSES };
enum { NCONF = CLASSES * CLASSES };

typedef struct seg_task {
    nn_task base;
    nn_images train, test;
    long ntrain, ntest; /* scenes */
    uint32_t *perm;
    long perm_epoch;
} seg_task;

/* Scene `index` into example k of the batch buffers. */
static void put_scene(nn_task *b, const nn_images *im, uint64_t seed, uint64_t index,
                      int k)
{
    const size_t e = (size_t)SIDE * SIDE;
    float *x = (float *)b->x + k * e;
    nn_scene_compose(im, seed, index, SIDE, x, (int32_t *)b->target + k * e);
    for (size_t i = 0; i < e; i++)
        x[i] = 2 * x[i] - 1;
}

static void seg_shape(const nn_config *m, nn_batch_spec *x, nn_batch_spec *target,
                      double *units)
{
    *x = (nn_batch_spec){NN_ST_F32, (size_t)m->in_c * m->in_h * m->in_w, 0};
    *target = (nn_batch_spec){NN_ST_I32, (size_t)m->in_h * m->in_w, m->classes};
    *units = 1;
}

static void seg_close(nn_task *base)
{
    seg_task *t = (seg_task *)base;
    if (!t)
        return;
    nn_images_free(&t->train);
    nn_images_free(&t->test);
    nn_task_free_batch(base);
    free(t->perm);
    free(t);
}

static int load(seg_task *t, const nn_train_config *c, nn_err *err)
{
    if (nn_idx_load_gray_pair(&t->train, &t->test, c->data, SIDE, "the scenes need", err))
        return -1;
    t->ntrain = c->limit_train ? c->limit_train : t->train.n;
    t->ntest = c->limit_test ? c->limit_test : t->test.n;
    return 0;
}

static int seg_open(nn_task **out, const nn_train_config *c, nn_config *model,
                    nn_err *err)
{
    *out = NULL;
    seg_task *t = calloc(1, sizeof *t);
    if (!t) {
        nn_fail(err, "out of memory");
        return -2;
    }
    nn_task *b = &t->base;
    b->desc = &nn_task_segment, b->cfg = c;
    if (load(t, c, err)) {
        seg_close(b);
        return -1;
    }
    model->in_c = 1, model->in_h = SIDE, model->in_w = SIDE, model->classes = CLASSES;
    int B = model->batch;
    double units;
    seg_shape(model, &b->x_spec, &b->target_spec, &units);
    b->steps_per_period = (t->ntrain + B - 1) / B;
    b->total_steps = b->steps_per_period * c->epochs;
    b->units_per_step = B * units;
    t->perm_epoch = -1;
    t->perm = malloc((size_t)t->ntrain * sizeof *t->perm);
    if (!t->perm || nn_task_alloc_batch(b, B, err)) {
        seg_close(b);
        nn_fail(err, "out of memory for the batches");
        return -2;
    }
    *out = b;
    return 0;
}

static int seg_batch(nn_task *base, long step)
{
    seg_task *t = (seg_task *)base;
    int B = base->cfg->model.batch;
    long spe = base->steps_per_period, epoch = step / spe, k = step % spe;
    if (t->perm_epoch != epoch) {
        nn_rng_permutation(t->perm, (size_t)t->ntrain, base->cfg->seed,
                           nn_rng_stream("epoch", (uint64_t)epoch, 0));
        t->perm_epoch = epoch;
    }
    long first = k * B;
    int b = (int)(first + B <= t->ntrain ? B : t->ntrain - first);
    for (int i = 0; i < b; i++)
        put_scene(base, &t->train, base->cfg->seed, t->perm[first + i], i);
    return b;
}

/* The predicted class of every pixel of the last forward's b scenes into
 * the confusion counts conf[truth * CLASSES + predicted] (when not NULL);
 * returns the correct pixels. */
static long confusion(const nn_model *m, const int32_t *y, int b, double *conf)
{
    const float *z = m->ops->logits(m);
    const size_t hw = (size_t)SIDE * SIDE;
    long correct = 0;
    for (int i = 0; i < b; i++)
        for (size_t p = 0; p < hw; p++) {
            const float *zp = z + (size_t)i * CLASSES * hw + p;
            int best = 0;
            for (int k = 1; k < CLASSES; k++)
                if (zp[k * hw] > zp[best * hw])
                    best = k;
            int truth = y[i * hw + p];
            correct += best == truth;
            if (conf)
                conf[truth * CLASSES + best] += 1;
        }
    return correct;
}

/* The largest logit's class of every pixel of the last forward's b scenes
 * (the first class on ties, as confusion counts it). */
static void predict(const nn_model *m, int b, int32_t *pred)
{
    const float *z = m->ops->logits(m);
    const size_t hw = (size_t)SIDE * SIDE;
    for (int i = 0; i < b; i++)
        for (size_t p = 0; p < hw; p++) {
            const float *zp = z + (size_t)i * CLASSES * hw + p;
            int best = 0;
            for (int k = 1; k < CLASSES; k++)
                if (zp[k * hw] > zp[best * hw])
                    best = k;
            pred[i * hw + p] = best;
        }
}

int nn_segment_show(const nn_train_config *c, nn_model *m, int n, float *scenes,
                    int32_t *pred, int32_t *truth, nn_err *err)
{
    nn_train_config one = *c; /* the task keeps a pointer to it */
    one.model.batch = n;
    nn_config model = one.model;
    nn_task *t = NULL;
    if (seg_open(&t, &one, &model, err))
        return -1;
    const size_t e = (size_t)SIDE * SIDE;
    for (int i = 0; i < n; i++)
        put_scene(t, &((seg_task *)t)->test, TEST_SEED, (uint64_t)i, i);
    double loss;
    int rc = m->ops->forward(m, t->x, t->target, n, 0, 0, &loss) == GOLU_OK ? 0 : -1;
    if (rc == 0) {
        predict(m, n, pred);
        memcpy(truth, t->target, (size_t)n * e * sizeof *truth);
        const float *x = t->x;
        for (size_t i = 0; i < (size_t)n * e; i++)
            scenes[i] = (x[i] + 1) / 2;
    } else
        nn_fail(err, "the model's forward failed on the test scenes");
    seg_close(t);
    return rc;
}

/* sums: the loss summed over scenes, the pixel accuracy summed over scenes,
 * the scenes. */
static void seg_accumulate(nn_task *t, const nn_model *m, double loss, int b,
                           double sums[NN_TASK_SUMS])
{
    sums[0] += loss * b;
    sums[1] += (double)confusion(m, t->target, b, NULL) / (SIDE * SIDE);
    sums[2] += b;
}

/* Mean IoU over the classes present in truth or prediction, from the
 * confusion counts; pixel accuracy. */
static void scores(const double *conf, double *miou, double *acc)
{
    double sum = 0, diag = 0, all = 0;
    int present = 0;
    for (int k = 0; k < CLASSES; k++) {
        double tp = conf[k * CLASSES + k], row = 0, col = 0;
        for (int j = 0; j < CLASSES; j++)
            row += conf[k * CLASSES + j], col += conf[j * CLASSES + k];
        diag += tp, all += row;
        if (row + col - tp > 0)
            sum += tp / (row + col - tp), present++;
    }
    *miou = present ? sum / present : NAN;
    *acc = all > 0 ? diag / all : NAN;
}

/* Test loss (per pixel, averaged over scenes), mean IoU and pixel accuracy
 * over the test scenes; batches split among the processes (task.h). */
static int seg_evaluate(nn_task *base, nn_model *m, double eval[NN_TASK_EVAL_MAX])
{
    seg_task *t = (seg_task *)base;
    int B = base->cfg->model.batch;
    long nb = (t->ntest + B - 1) / B, per = 1 + NCONF;
    double *v = calloc((size_t)(nb ? nb : 1) * per, sizeof *v);
    if (!v)
        return -1;
    for (long j = 0; j < nb; j++) {
        if (!nn_task_eval_mine(base, j))
            continue;
        long first = j * B;
        int b = (int)(first + B <= t->ntest ? B : t->ntest - first);
        for (int i = 0; i < b; i++)
            put_scene(base, &t->test, TEST_SEED, (uint64_t)(first + i), i);
        double l;
        if (m->ops->forward(m, base->x, base->target, b, 0, 0, &l) != GOLU_OK) {
            free(v);
            return -1;
        }
        v[j * per] = l * b;
        confusion(m, base->target, b, v + j * per + 1);
    }
    if (nn_task_eval_sum(base, v, (size_t)(nb * per))) {
        free(v);
        return -1;
    }
    double loss = 0, conf[NCONF] = {0};
    for (long j = 0; j < nb; j++) {
        loss += v[j * per];
        for (int k = 0; k < NCONF; k++)
            conf[k] += v[j * per + 1 + k];
    }
    free(v);
    eval[0] = loss / (double)t->ntest;
    scores(conf, &eval[1], &eval[2]);
    return 0;
}

static void seg_row(const nn_task *t, long step, const double sums[NN_TASK_SUMS],
                    const double eval[NN_TASK_EVAL_MAX], double lr, double seconds,
                    double row[NN_METRIC_COLS_MAX])
{
    long spe = t->steps_per_period;
    double n = sums[2];
    const double v[NCOLS] = {(double)((step + spe - 1) / spe),
                             (double)step,
                             n ? sums[0] / n : NAN,
                             n ? sums[1] / n : NAN,
                             eval[0],
                             eval[1],
                             eval[2],
                             lr,
                             seconds};
    memcpy(row, v, sizeof v);
}

static void seg_row_text(const nn_task *t, const double *row, char *buf, size_t size)
{
    snprintf(buf, size,
             "epoch %ld/%ld  train loss %.4f acc %.4f  test loss %.4f mIoU %.4f acc "
             "%.4f  lr %.3g  %.1fs",
             (long)row[0], t->cfg->epochs, row[2], row[3], row[4], row[5], row[6], row[7],
             row[8]);
}

static void seg_result_text(const double eval[NN_TASK_EVAL_MAX], char *buf, size_t size)
{
    snprintf(buf, size, "test mIoU %.4f, pixel acc %.4f, test loss %.4f", eval[1],
             eval[2], eval[0]);
}

static void seg_eval_text(const double eval[NN_TASK_EVAL_MAX], char *buf, size_t size)
{
    snprintf(buf, size, "test loss %.4f, mIoU %.4f, pixel acc %.4f", eval[0], eval[1],
             eval[2]);
}

static void seg_describe(double metric, double loss, char *buf, size_t size)
{
    snprintf(buf, size, "test mIoU %.4f, test loss %.4f", metric, loss);
}

static void seg_length_text(const nn_train_config *c, char *buf, size_t size)
{
    nn_str_append(buf, size, "%ld epoch%s", c->epochs, c->epochs == 1 ? "" : "s");
    if (c->limit_train)
        nn_str_append(buf, size, " of %ld scenes", c->limit_train);
    if (c->limit_test)
        nn_str_append(buf, size, ", %ld test scenes", c->limit_test);
}

static void seg_defaults(nn_train_config *c)
{
    snprintf(c->data, sizeof c->data, "%s", DEFAULT_DATA);
}

static int seg_check(const nn_train_config *c, nn_err *err)
{
    (void)c, (void)err;
    return 0;
}

static const char *const COLUMNS[] = {"epoch",     "step",      "train_loss",
                                      "train_acc", "test_loss", "test_miou",
                                      "test_acc",  "lr",        "seconds"};
_Static_assert(sizeof COLUMNS / sizeof *COLUMNS == NCOLS, "one name per column");
static const char *const EVAL_KEYS[] = {"test_loss", "test_miou", "test_acc"};
static const char *const SCALE_KEYS[] = {"epochs", "limit-train", "limit-test", NULL};

/* Judged by the last epoch's test mIoU (column 5), with its test loss (4). */
static const nn_task_metric METRIC = {
    "test_miou", "test mean IoU", "test_loss", "test loss", 1,           5, 4, 0,
    2,           "epoch",         4,           1,           seg_describe};

const nn_task_desc nn_task_segment = {
    "segment",      "segmentation",
    "scene",        NCOLS,
    COLUMNS,        sizeof EVAL_KEYS / sizeof *EVAL_KEYS,
    EVAL_KEYS,      2,
    {4, 5, 6},      SCALE_KEYS,
    "on scenes",    &METRIC,
    seg_shape,      seg_defaults,
    seg_check,      seg_open,
    seg_close,      seg_batch,
    seg_accumulate, seg_evaluate,
    seg_row,        seg_evaluate,
    seg_row_text,   seg_result_text,
    seg_eval_text,  seg_length_text,
};
