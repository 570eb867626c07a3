/*
 * task_diffusion.c - DDPM training (task.h, ddpm.h): Fashion-MNIST images
 * centred in 32x32 (zero padding), mapped to [-1, 1] (2p - 1); each
 * training example gets a step t uniform in [0, T) and a noise eps ~ N(0,
 * 1) drawn from the counter RNG (seed, step, its place in the batch); the
 * model sees x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps and t (x: the
 * image then t, as float) and predicts eps (target), the loss the MSE. The
 * metric is that loss over the test images, each at a (t, eps) drawn from a
 * fixed seed: every run, whatever its seed and activation, is judged on the
 * same draws. A period is an epoch over the training images (--limit-train
 * of them; 0: all), the order of epoch e the permutation of stream
 * ("epoch", e).
 *
 * Columns: epoch, step, train_loss, test_loss, lr, seconds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "ddpm.h"
#include "rng.h"
#include "str.h"
#include "task.h"

#define DEFAULT_DATA "/usr/share/datasets/fashion-mnist"
#define TEST_SEED    20260102u

enum { NCOLS = 6, SIDE = 32 };

typedef struct dif_task {
    nn_task base;
    nn_images train, test;
    nn_ddpm ddpm;
    uint32_t *perm;
    long perm_epoch;
    float *x0, *eps; /* (SIDE*SIDE) one example's image and noise */
} dif_task;

/* Image i of im, centred in SIDE x SIDE and mapped to [-1, 1], into x0. */
static void pad_image(const nn_images *im, int i, float *x0)
{
    const int top = (SIDE - im->h) / 2, left = (SIDE - im->w) / 2;
    const float *p = im->pixels + (size_t)i * im->h * im->w;
    for (int k = 0; k < SIDE * SIDE; k++)
        x0[k] = -1;
    for (int r = 0; r < im->h; r++)
        for (int c = 0; c < im->w; c++)
            x0[(top + r) * SIDE + left + c] = 2 * p[r * im->w + c] - 1;
}

/* Example k of the batch buffers: image i of im noised at the step and
 * noise drawn from (seed, stream, draw). */
static void put_example(dif_task *t, const nn_images *im, int i, uint64_t seed,
                        uint64_t stream, uint64_t draw, int k)
{
    const size_t e = (size_t)SIDE * SIDE;
    float *x = (float *)t->base.x + k * (e + 1), *eps = (float *)t->base.target + k * e;
    long step = (long)nn_rng_below(seed, stream, draw * (e + 1), (uint64_t)t->ddpm.T);
    for (size_t p = 0; p < e; p++)
        eps[p] = (float)nn_rng_normal(seed, stream, draw * (e + 1) + 1 + p);
    pad_image(im, i, t->x0);
    nn_ddpm_noise(&t->ddpm, x, t->x0, eps, step, e);
    x[e] = (float)step;
}

static void dif_shape(const nn_config *m, nn_batch_spec *x, nn_batch_spec *target,
                      double *units)
{
    size_t e = (size_t)m->in_c * m->in_h * m->in_w;
    *x = (nn_batch_spec){NN_ST_F32, e + 1, 0};
    *target = (nn_batch_spec){NN_ST_F32, e, 0};
    *units = 1;
}

static void dif_close(nn_task *base)
{
    dif_task *t = (dif_task *)base;
    if (!t)
        return;
    nn_images_free(&t->train);
    nn_images_free(&t->test);
    nn_ddpm_free(&t->ddpm);
    nn_task_free_batch(base);
    free(t->perm);
    free(t->x0);
    free(t);
}

static int load(dif_task *t, const nn_train_config *c, nn_err *err)
{
    if (nn_idx_load_gray_pair(&t->train, &t->test, c->data, SIDE, "diffusion needs", err))
        return -1;
    if (c->limit_train > 0 && c->limit_train < t->train.n)
        t->train.n = (int)c->limit_train;
    if (c->limit_test > 0 && c->limit_test < t->test.n)
        t->test.n = (int)c->limit_test;
    return nn_ddpm_init(&t->ddpm, c->timesteps, err);
}

static int dif_open(nn_task **out, const nn_train_config *c, nn_config *model,
                    nn_err *err)
{
    *out = NULL;
    dif_task *t = calloc(1, sizeof *t);
    if (!t) {
        nn_fail(err, "out of memory");
        return -2;
    }
    nn_task *b = &t->base;
    b->desc = &nn_task_diffusion, b->cfg = c;
    if (load(t, c, err)) {
        dif_close(b);
        return -1;
    }
    model->in_c = 1, model->in_h = SIDE, model->in_w = SIDE, model->classes = 1;
    int B = model->batch;
    double units;
    dif_shape(model, &b->x_spec, &b->target_spec, &units);
    b->steps_per_period = (t->train.n + B - 1) / B;
    b->total_steps = b->steps_per_period * c->epochs;
    b->units_per_step = B * units;
    t->perm_epoch = -1;
    t->perm = malloc((size_t)t->train.n * sizeof *t->perm);
    t->x0 = nn_alloc_floats((size_t)SIDE * SIDE);
    if (!t->perm || !t->x0 || nn_task_alloc_batch(b, B, err)) {
        dif_close(b);
        nn_fail(err, "out of memory for the batches");
        return -2;
    }
    *out = b;
    return 0;
}

static int dif_batch(nn_task *base, long step)
{
    dif_task *t = (dif_task *)base;
    int B = base->cfg->model.batch;
    long spe = base->steps_per_period, epoch = step / spe, k = step % spe;
    if (t->perm_epoch != epoch) {
        nn_rng_permutation(t->perm, (size_t)t->train.n, base->cfg->seed,
                           nn_rng_stream("epoch", (uint64_t)epoch, 0));
        t->perm_epoch = epoch;
    }
    long first = k * B;
    int b = (int)(first + B <= t->train.n ? B : t->train.n - first);
    uint64_t stream = nn_rng_stream("noise", (uint64_t)step, 0);
    for (int i = 0; i < b; i++)
        put_example(t, &t->train, (int)t->perm[first + i], base->cfg->seed, stream,
                    (uint64_t)i, i);
    return b;
}

/* sums: the loss summed over examples, 0, the examples. */
static void dif_accumulate(nn_task *t, const nn_model *m, double loss, int b,
                           double sums[NN_TASK_SUMS])
{
    (void)t, (void)m;
    sums[0] += loss * b;
    sums[2] += b;
}

/* The mean loss over the test images at their fixed draws; batches split
 * among the processes (task.h). */
static int dif_evaluate(nn_task *base, nn_model *m, double eval[NN_TASK_EVAL_MAX])
{
    dif_task *t = (dif_task *)base;
    int B = base->cfg->model.batch, n = t->test.n;
    long nb = (n + B - 1) / B;
    double *v = calloc((size_t)(nb ? nb : 1), sizeof *v);
    if (!v)
        return -1;
    uint64_t stream = nn_rng_stream("test", 0, 0);
    for (long j = 0; j < nb; j++) {
        if (!nn_task_eval_mine(base, j))
            continue;
        int first = (int)(j * B), b = first + B <= n ? B : n - first;
        for (int i = 0; i < b; i++)
            put_example(t, &t->test, first + i, TEST_SEED, stream, (uint64_t)(first + i),
                        i);
        double l;
        if (m->ops->forward(m, base->x, base->target, b, 0, 0, &l) != GOLU_OK) {
            free(v);
            return -1;
        }
        v[j] = l * b;
    }
    if (nn_task_eval_sum(base, v, (size_t)nb)) {
        free(v);
        return -1;
    }
    double sum = 0;
    for (long j = 0; j < nb; j++)
        sum += v[j];
    free(v);
    eval[0] = sum / n;
    return 0;
}

static void dif_row(const nn_task *t, long step, const double sums[NN_TASK_SUMS],
                    const double eval[NN_TASK_EVAL_MAX], double lr, double seconds,
                    double row[NN_METRIC_COLS_MAX])
{
    long spe = t->steps_per_period;
    const double v[NCOLS] = {(double)((step + spe - 1) / spe),
                             (double)step,
                             sums[2] ? sums[0] / sums[2] : NAN,
                             eval[0],
                             lr,
                             seconds};
    memcpy(row, v, sizeof v);
}

static void dif_row_text(const nn_task *t, const double *row, char *buf, size_t size)
{
    snprintf(buf, size, "epoch %ld/%ld  train loss %.5f  test loss %.5f  lr %.3g  %.1fs",
             (long)row[0], t->cfg->epochs, row[2], row[3], row[4], row[5]);
}

static void dif_result_text(const double eval[NN_TASK_EVAL_MAX], char *buf, size_t size)
{
    snprintf(buf, size, "test loss %.5f", eval[0]);
}

static void dif_describe(double metric, double loss, char *buf, size_t size)
{
    snprintf(buf, size, "test loss %.5f, train loss %.5f", metric, loss);
}

static void dif_length_text(const nn_train_config *c, char *buf, size_t size)
{
    nn_str_append(buf, size, "%ld epoch%s, T %ld", c->epochs, c->epochs == 1 ? "" : "s",
                  c->timesteps);
    if (c->limit_train)
        nn_str_append(buf, size, ", the first %ld training images", c->limit_train);
    if (c->limit_test)
        nn_str_append(buf, size, ", the first %ld test images", c->limit_test);
}

static void dif_defaults(nn_train_config *c)
{
    snprintf(c->data, sizeof c->data, "%s", DEFAULT_DATA);
}

static int dif_check(const nn_train_config *c, nn_err *err)
{
    if (c->timesteps < 2)
        return nn_fail(err, "--timesteps: %ld (diffusion needs at least 2 steps)",
                       c->timesteps);
    return 0;
}

static const char *const COLUMNS[] = {"epoch",     "step", "train_loss",
                                      "test_loss", "lr",   "seconds"};
_Static_assert(sizeof COLUMNS / sizeof *COLUMNS == NCOLS, "one name per column");
static const char *const EVAL_KEYS[] = {"test_loss"};
static const char *const SCALE_KEYS[] = {"epochs", "limit-train", "limit-test", NULL};

/* Judged by the last epoch's test loss (column 3, lower is better), its
 * training loss (2) beside it. */
static const nn_task_metric METRIC = {
    "test_loss", "test loss", "train_loss", "train loss", 0, 3, 2, 0, 2, "epoch",
    5,           1,           dif_describe};

const nn_task_desc nn_task_diffusion = {
    "diffusion",
    "diffusion",
    "img",
    NCOLS,
    COLUMNS,
    sizeof EVAL_KEYS / sizeof *EVAL_KEYS,
    EVAL_KEYS,
    2,
    {3},
    SCALE_KEYS,
    "a denoiser",
    &METRIC,
    dif_shape,
    dif_defaults,
    dif_check,
    dif_open,
    dif_close,
    dif_batch,
    dif_accumulate,
    dif_evaluate,
    dif_row,
    dif_evaluate,
    dif_row_text,
    dif_result_text,
    dif_result_text,
    dif_length_text,
};
