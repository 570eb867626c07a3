/*
 * model.c - what every model shares: creation with a checked configuration
 * (the model's own checks through its descriptor, registry.h),
 * the activation layer with learnable parameters, aligned buffers.
 */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"
#include "registry.h"

int nn_model_check(const nn_config *c, nn_err *err)
{
    if (!c->desc)
        return nn_fail(err, "model: none given");
    if (golu_act_check(&c->act) != GOLU_OK)
        return nn_fail(err, "activation: invalid kind or parameters");
    if (c->batch < 1)
        return nn_fail(err, "batch: %d (must be at least 1)", c->batch);
    return c->desc->check(c, err);
}

int nn_model_check_images(const nn_config *c, nn_err *err)
{
    if (c->in_c < 1 || c->in_h < 1 || c->in_w < 1)
        return nn_fail(err, "input shape: %dx%dx%d", c->in_c, c->in_h, c->in_w);
    if (c->classes < 2)
        return nn_fail(err, "classes: %d (must be at least 2)", c->classes);
    if (c->width < 1)
        return nn_fail(err, "width: %d (must be at least 1)", c->width);
    return 0;
}

int nn_model_create(nn_model **out, const nn_config *cfg, uint64_t seed, int threads,
                    nn_err *err)
{
    *out = NULL;
    if (nn_model_check(cfg, err))
        return -1;
    nn_model *m = calloc(1, sizeof *m);
    if (!m)
        return nn_fail(err, "out of memory");
    m->cfg = *cfg;
    m->seed = seed;
    m->ops = cfg->desc->ops;
    if (golu_ctx_create(&m->ctx) != GOLU_OK ||
        golu_ctx_set_threads(m->ctx, threads) != GOLU_OK ||
        golu_ctx_create(&m->ctx1) != GOLU_OK ||
        golu_ctx_set_threads(m->ctx1, 1) != GOLU_OK) {
        nn_model_destroy(m);
        return nn_fail(err, "threads: %d: cannot set up libgolu", threads);
    }
    if (m->ops->build(m, err)) {
        nn_model_destroy(m);
        return -1;
    }
    m->ops->init(m, seed);
    *out = m;
    return 0;
}

void nn_model_destroy(nn_model *m)
{
    if (!m)
        return;
    if (m->impl)
        m->ops->destroy(m);
    nn_params_free(&m->params);
    golu_ctx_destroy(m->ctx);
    golu_ctx_destroy(m->ctx1);
    free(m);
}

/* ------------------------------------------------------- activation layer */

int nn_actlayer_count(const golu_act *act, int learn)
{
    return act->kind == GOLU_ACT_PRELU ? 1 : act->kind == GOLU_ACT_GOLU && learn ? 3 : 0;
}

int nn_actlayer_add(nn_actlayer *a, nn_params *p, const char *prefix, const golu_act *act,
                    int learn, nn_err *err)
{
    static const char *const GOLU_NAMES[3] = {"alpha", "beta", "gamma"};
    char name[NN_PARAM_NAME_MAX];
    a->act = *act;
    a->p[0] = a->p[1] = a->p[2] = -1;
    /* torch's nn.PReLU(): one slope, "weight"; learned GoLU: alpha, beta, gamma */
    a->nparams = nn_actlayer_count(act, learn);
    for (int k = 0; k < a->nparams; k++) {
        const char *leaf = act->kind == GOLU_ACT_PRELU ? "weight" : GOLU_NAMES[k];
        if (snprintf(name, sizeof name, "%s.%s", prefix, leaf) >= (int)sizeof name)
            return nn_fail(err, "parameter name too long: %s", prefix);
        int one = 1;
        a->p[k] = nn_params_add(p, name, 1, &one, 0, err);
        if (a->p[k] < 0)
            return -1;
    }
    return 0;
}

void nn_actlayer_init(const nn_actlayer *a, nn_params *p)
{
    const double v[3] = {a->act.alpha, a->act.beta, a->act.gamma};
    for (int k = 0; k < a->nparams; k++)
        nn_init_const(p, a->p[k], (float)v[k]);
}

/* The activation with the parameters' current values. */
golu_act nn_actlayer_current(const nn_actlayer *a, const nn_params *p)
{
    golu_act act = a->act;
    double *dst[3] = {&act.alpha, &act.beta, &act.gamma};
    for (int k = 0; k < a->nparams; k++)
        *dst[k] = *nn_param_data(p, a->p[k]);
    return act;
}

golu_status nn_actlayer_forward(const nn_actlayer *a, const nn_model *m, float *y,
                                const float *x, size_t n)
{
    golu_act act = nn_actlayer_current(a, &m->params);
    return nn_act_forward(m->ctx, &act, y, x, n);
}

golu_status nn_actlayer_backward(const nn_actlayer *a, nn_model *m, float *dx,
                                 const float *dy, const float *x, size_t n)
{
    golu_act act = nn_actlayer_current(a, &m->params);
    double dparam[3] = {0, 0, 0};
    golu_status st =
        nn_act_backward(m->ctx, &act, dx, dy, x, n, a->nparams ? dparam : NULL);
    for (int k = 0; k < a->nparams; k++)
        *nn_param_grad(&m->params, a->p[k]) += (float)dparam[k];
    return st;
}
