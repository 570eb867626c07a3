/*
 * mlp.c - the paper's MLP ablation: depth blocks of
 *     Linear(width) -> LayerNorm(width) -> activation
 * then a Linear(classes) head, on flattened images.
 *
 * Parameter names are those of the torch twin (tests/torch_models.py):
 * blocks.{i}.fc.weight/bias, blocks.{i}.ln.weight/bias, blocks.{i}.act.*,
 * head.weight/bias.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"
#include "model.h"
#include "registry.h"
#include "str.h"
#include "train/config.h"
#include "train/task.h"

#define LN_EPS 1e-5

typedef struct mlp_block {
    int fc_w, fc_b, ln_w, ln_b; /* parameter indices */
    nn_actlayer act;
    float *in;     /* (b, in) this block's input (a view: x or the previous act output) */
    float *fc_out; /* (b, width) */
    float *ln_out; /* (b, width) */
    float *ln_mean, *ln_rstd; /* (b) */
    float *act_out;           /* (b, width) */
} mlp_block;

typedef struct mlp {
    int nb; /* blocks */
    int in_dim;
    mlp_block *blocks;
    int head_w, head_b;
    float *logits;  /* (b, classes) */
    float *probs;   /* (b, classes), then dlogits in the backward */
    float *dbuf[2]; /* (b, max(in, width)) gradients flowing back, ping-pong */
    const float *x; /* the last forward's input (b, in) */
    const int32_t *y;
    int b;
} mlp;

static int add(nn_model *m, const char *name, int d0, int d1, unsigned flags, nn_err *err)
{
    int shape[2] = {d0, d1};
    return nn_params_add(&m->params, name, d1 ? 2 : 1, shape, flags, err);
}

static int mlp_build(nn_model *m, nn_err *err)
{
    const nn_config *c = &m->cfg;
    mlp *s = calloc(1, sizeof *s);
    if (!s)
        return nn_fail(err, "out of memory");
    m->impl = s;
    s->nb = c->depth;
    s->in_dim = c->in_c * c->in_h * c->in_w;
    s->blocks = calloc((size_t)s->nb, sizeof *s->blocks);
    if (!s->blocks)
        return nn_fail(err, "out of memory");
    char name[NN_PARAM_NAME_MAX];
    for (int i = 0; i < s->nb; i++) {
        mlp_block *bl = &s->blocks[i];
        int in = i == 0 ? s->in_dim : c->width;
        snprintf(name, sizeof name, "blocks.%d.fc.weight", i);
        bl->fc_w = add(m, name, c->width, in, NN_PARAM_DECAY, err);
        snprintf(name, sizeof name, "blocks.%d.fc.bias", i);
        bl->fc_b = add(m, name, c->width, 0, 0, err);
        snprintf(name, sizeof name, "blocks.%d.ln.weight", i);
        bl->ln_w = add(m, name, c->width, 0, 0, err);
        snprintf(name, sizeof name, "blocks.%d.ln.bias", i);
        bl->ln_b = add(m, name, c->width, 0, 0, err);
        snprintf(name, sizeof name, "blocks.%d.act", i);
        if (bl->fc_w < 0 || bl->fc_b < 0 || bl->ln_w < 0 || bl->ln_b < 0 ||
            nn_actlayer_add(&bl->act, &m->params, name, &c->act, c->learn_act, err))
            return -1;
    }
    s->head_w = add(m, "head.weight", c->classes, c->width, NN_PARAM_DECAY, err);
    s->head_b = add(m, "head.bias", c->classes, 0, 0, err);
    if (s->head_w < 0 || s->head_b < 0 || nn_params_alloc(&m->params, err))
        return -1;

    size_t bw = (size_t)c->batch * (size_t)c->width;
    size_t bmax =
        (size_t)c->batch * (size_t)(s->in_dim > c->width ? s->in_dim : c->width);
    int ok = 1;
    for (int i = 0; i < s->nb; i++) {
        mlp_block *bl = &s->blocks[i];
        ok &= !!(bl->fc_out = nn_alloc_floats(bw));
        ok &= !!(bl->ln_out = nn_alloc_floats(bw));
        ok &= !!(bl->act_out = nn_alloc_floats(bw));
        ok &= !!(bl->ln_mean = nn_alloc_floats((size_t)c->batch));
        ok &= !!(bl->ln_rstd = nn_alloc_floats((size_t)c->batch));
    }
    ok &= !!(s->logits = nn_alloc_floats((size_t)c->batch * (size_t)c->classes));
    ok &= !!(s->probs = nn_alloc_floats((size_t)c->batch * (size_t)c->classes));
    ok &= !!(s->dbuf[0] = nn_alloc_floats(bmax));
    ok &= !!(s->dbuf[1] = nn_alloc_floats(bmax));
    return ok ? 0
              : nn_fail(err, "out of memory for the activations (batch %d)", c->batch);
}

/* torch.nn.Linear's default: weight and bias U(-1/sqrt(in), 1/sqrt(in)). */
static void init_linear(nn_params *p, int w, int b, int in, uint64_t seed)
{
    double bound = 1.0 / sqrt((double)in);
    nn_init_uniform(p, w, bound, seed);
    nn_init_uniform(p, b, bound, seed);
}

static void mlp_init(nn_model *m, uint64_t seed)
{
    mlp *s = m->impl;
    for (int i = 0; i < s->nb; i++) {
        mlp_block *bl = &s->blocks[i];
        init_linear(&m->params, bl->fc_w, bl->fc_b, i == 0 ? s->in_dim : m->cfg.width,
                    seed);
        nn_init_const(&m->params, bl->ln_w, 1.0f);
        nn_init_const(&m->params, bl->ln_b, 0.0f);
        nn_actlayer_init(&bl->act, &m->params);
    }
    init_linear(&m->params, s->head_w, s->head_b, m->cfg.width, seed);
}

static golu_status mlp_forward(nn_model *m, const void *xv, const void *target, int b,
                               int training, uint64_t step, double *loss)
{
    const int32_t *y = target; /* (b) class indices */
    (void)training;            /* no dropout or BatchNorm in this model */
    (void)step;
    mlp *s = m->impl;
    const nn_config *c = &m->cfg;
    nn_params *p = &m->params;
    const float *x = xv; /* (b, in_dim) */
    s->x = x;
    s->y = y;
    s->b = b;
    const float *in = x;
    for (int i = 0; i < s->nb; i++) {
        mlp_block *bl = &s->blocks[i];
        int in_dim = i == 0 ? s->in_dim : c->width;
        bl->in = (float *)in;
        nn_linear_forward(bl->fc_out, in, nn_param_data(p, bl->fc_w),
                          nn_param_data(p, bl->fc_b), b, in_dim, c->width);
        nn_layernorm_forward(bl->ln_out, bl->ln_mean, bl->ln_rstd, bl->fc_out,
                             nn_param_data(p, bl->ln_w), nn_param_data(p, bl->ln_b), b,
                             c->width, LN_EPS);
        golu_status st = nn_actlayer_forward(&bl->act, m, bl->act_out, bl->ln_out,
                                             (size_t)b * (size_t)c->width);
        if (st != GOLU_OK)
            return st;
        in = bl->act_out;
    }
    nn_linear_forward(s->logits, in, nn_param_data(p, s->head_w),
                      nn_param_data(p, s->head_b), b, c->width, c->classes);
    *loss = nn_softmax_ce_forward(s->probs, s->logits, y, b, c->classes);
    return GOLU_OK;
}

static golu_status mlp_backward(nn_model *m)
{
    mlp *s = m->impl;
    const nn_config *c = &m->cfg;
    nn_params *p = &m->params;
    int b = s->b;
    size_t bw = (size_t)b * (size_t)c->width;
    float *dlogits = s->probs; /* (b, classes), in place */
    nn_softmax_ce_backward(dlogits, s->probs, s->y, b, c->classes, 1.0 / b);
    float *d = s->dbuf[0]; /* (b, width): gradient at the head's input */
    const float *head_in = s->blocks[s->nb - 1].act_out;
    nn_linear_backward(d, nn_param_grad(p, s->head_w), nn_param_grad(p, s->head_b),
                       dlogits, head_in, nn_param_data(p, s->head_w), b, c->width,
                       c->classes);
    for (int i = s->nb - 1; i >= 0; i--) {
        mlp_block *bl = &s->blocks[i];
        int in_dim = i == 0 ? s->in_dim : c->width;
        float *other = d == s->dbuf[0] ? s->dbuf[1] : s->dbuf[0];
        golu_status st = nn_actlayer_backward(&bl->act, m, d, d, bl->ln_out, bw);
        if (st != GOLU_OK)
            return st;
        nn_layernorm_backward(other, nn_param_grad(p, bl->ln_w),
                              nn_param_grad(p, bl->ln_b), d, bl->fc_out, bl->ln_mean,
                              bl->ln_rstd, nn_param_data(p, bl->ln_w), b, c->width);
        /* The first block's input gradient is not needed. */
        nn_linear_backward(i == 0 ? NULL : d, nn_param_grad(p, bl->fc_w),
                           nn_param_grad(p, bl->fc_b), other, bl->in,
                           nn_param_data(p, bl->fc_w), b, in_dim, c->width);
    }
    return GOLU_OK;
}

static const float *mlp_logits(const nn_model *m)
{
    return ((const mlp *)m->impl)->logits;
}

static void mlp_destroy(nn_model *m)
{
    mlp *s = m->impl;
    for (int i = 0; s->blocks && i < s->nb; i++) {
        mlp_block *bl = &s->blocks[i];
        free(bl->fc_out);
        free(bl->ln_out);
        free(bl->act_out);
        free(bl->ln_mean);
        free(bl->ln_rstd);
    }
    free(s->blocks);
    free(s->logits);
    free(s->probs);
    free(s->dbuf[0]);
    free(s->dbuf[1]);
    free(s);
    m->impl = NULL;
}

static const nn_model_ops mlp_ops = {mlp_build,    mlp_init,   mlp_forward,
                                     mlp_backward, mlp_logits, mlp_destroy};

/* ------------------------------------------------------------ descriptor */

static int mlp_check(const nn_config *c, nn_err *err)
{
    if (nn_model_check_images(c, err))
        return -1;
    if (c->depth < 1 || c->depth > 64)
        return nn_fail(err, "depth: %d (mlp blocks: 1 to 64)", c->depth);
    return 0;
}

/* The paper's MLP ablation (docs/MATH.md). */
static void mlp_recipe(nn_train_config *c)
{
    c->model.depth = 1, c->model.width = 512;
    c->epochs = 8;
    c->lr = 0.01;
}

static void mlp_describe(const nn_config *m, char *buf, size_t size)
{
    nn_str_append(buf, size, "MLP, %d block%s of %d", m->depth, m->depth == 1 ? "" : "s",
                  m->width);
}

/* The parameters and buffers mlp_build makes (registry.h). */
static void mlp_size(const nn_config *c, double *params, double *floats)
{
    double in = (double)c->in_c * c->in_h * c->in_w, w = c->width, b = c->batch;
    double k = c->classes, acts = nn_actlayer_count(&c->act, c->learn_act);
    *params = in * w + (c->depth - 1) * w * w + c->depth * (3 * w + acts) + k * w + k;
    *floats = c->depth * (3 * b * w + 2 * b) + 2 * b * k + 2 * b * (in > w ? in : w);
}

static const nn_task_desc *const MLP_TASKS[] = {&nn_task_images, NULL};

const nn_model_desc nn_model_mlp = {
    "mlp",
    "Fashion-MNIST, 1 block of 512, SGD momentum 0.9, lr 0.01, batch 128, 8 epochs.",
    MLP_TASKS,
    &mlp_ops,
    mlp_check,
    mlp_recipe,
    mlp_describe,
    mlp_size};
