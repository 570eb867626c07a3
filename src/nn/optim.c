/*
 * optim.c - SGD, AdamW, clipping and schedules of optim.h. Updates are
 * computed in double per element and stored as float.
 */
#include "optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int nn_optim_init(nn_optim *o, const nn_optim_config *cfg, const nn_params *p,
                  nn_err *err)
{
    memset(o, 0, sizeof *o);
    o->cfg = *cfg;
    o->total = p->total;
    if (cfg->kind == NN_OPT_SGD && cfg->nesterov && cfg->momentum <= 0)
        return nn_fail(err, "nesterov needs a momentum above 0 (momentum %g)",
                       cfg->momentum);
    o->m = nn_alloc_floats(p->total);
    if (cfg->kind == NN_OPT_ADAMW)
        o->v = nn_alloc_floats(p->total);
    if (!o->m || (cfg->kind == NN_OPT_ADAMW && !o->v)) {
        nn_optim_free(o);
        return nn_fail(err, "out of memory for the optimizer state");
    }
    return 0;
}

void nn_optim_free(nn_optim *o)
{
    free(o->m);
    free(o->v);
    o->m = o->v = NULL;
}

/* torch.optim.SGD (dampening 0): d = g + wd*w; buf = mu*buf + d (buf = d on
 * the first step); d = nesterov ? d + mu*buf : buf; w -= lr*d. */
static void sgd_tensor(const nn_optim *o, float *w, const float *g, float *buf, size_t n,
                       double lr, double wd, int first)
{
    double mu = o->cfg.momentum;
    for (size_t i = 0; i < n; i++) {
        double d = (double)g[i] + wd * (double)w[i];
        if (mu > 0) {
            double b = first ? d : mu * (double)buf[i] + d;
            buf[i] = (float)b;
            d = o->cfg.nesterov ? d + mu * b : b;
        }
        w[i] = (float)((double)w[i] - lr * d);
    }
}

/* torch.optim.AdamW: w *= 1 - lr*wd; m, v moments; w -= lr/bc1 * m /
 * (sqrt(v)/sqrt(bc2) + eps). */
static void adamw_tensor(const nn_optim *o, float *w, const float *g, float *m, float *v,
                         size_t n, double lr, double wd)
{
    double b1 = o->cfg.beta1, b2 = o->cfg.beta2, eps = o->cfg.eps;
    double bc1 = 1.0 - pow(b1, (double)o->step);
    double bc2 = 1.0 - pow(b2, (double)o->step);
    double step_size = lr / bc1, sbc2 = sqrt(bc2);
    for (size_t i = 0; i < n; i++) {
        double gi = g[i];
        double wi = (double)w[i] * (1.0 - lr * wd);
        double mi = b1 * (double)m[i] + (1.0 - b1) * gi;
        double vi = b2 * (double)v[i] + (1.0 - b2) * gi * gi;
        m[i] = (float)mi;
        v[i] = (float)vi;
        w[i] = (float)(wi - step_size * mi / (sqrt(vi) / sbc2 + eps));
    }
}

void nn_optim_step(nn_optim *o, nn_params *p, double lr)
{
    o->step++;
    for (int t = 0; t < p->count; t++) {
        const nn_param *pa = &p->list[t];
        if (pa->flags & NN_PARAM_BUFFER)
            continue;
        double wd = (pa->flags & NN_PARAM_DECAY) ? o->cfg.weight_decay : 0.0;
        float *w = p->data + pa->offset;
        const float *g = p->grad + pa->offset;
        if (o->cfg.kind == NN_OPT_SGD)
            sgd_tensor(o, w, g, o->m + pa->offset, pa->numel, lr, wd, o->step == 1);
        else
            adamw_tensor(o, w, g, o->m + pa->offset, o->v + pa->offset, pa->numel, lr,
                         wd);
    }
}

double nn_grad_norm(const nn_params *p)
{
    double s = 0;
    for (int t = 0; t < p->count; t++) {
        const nn_param *pa = &p->list[t];
        if (pa->flags & NN_PARAM_BUFFER)
            continue;
        const float *g = p->grad + pa->offset;
        for (size_t i = 0; i < pa->numel; i++)
            s += (double)g[i] * (double)g[i];
    }
    return sqrt(s);
}

double nn_clip_grad_norm(nn_params *p, double max_norm)
{
    double norm = nn_grad_norm(p);
    if (norm > max_norm) {
        float scale = (float)(max_norm / (norm + 1e-6));
        for (int t = 0; t < p->count; t++) {
            const nn_param *pa = &p->list[t];
            if (pa->flags & NN_PARAM_BUFFER)
                continue;
            float *g = p->grad + pa->offset;
            for (size_t i = 0; i < pa->numel; i++)
                g[i] *= scale;
        }
    }
    return norm;
}

double nn_schedule_lr(const nn_schedule *s, long step)
{
    switch (s->kind) {
    case NN_SCHED_CONST: return s->lr;
    case NN_SCHED_STEP: {
        double lr = s->lr;
        for (int i = 0; i < s->nmilestones; i++)
            if ((double)step >= s->milestones[i] * (double)s->total_steps)
                lr *= s->gamma;
        return lr;
    }
    case NN_SCHED_COSINE:
        if (step < s->warmup)
            return s->lr * (double)(step + 1) / (double)s->warmup;
        if (step >= s->total_steps)
            return s->min_lr;
        {
            double t = (double)(step - s->warmup) / (double)(s->total_steps - s->warmup);
            return s->min_lr +
                   0.5 * (s->lr - s->min_lr) * (1.0 + cos(3.141592653589793 * t));
        }
    }
    return s->lr;
}
