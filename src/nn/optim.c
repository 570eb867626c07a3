/*
 * optim.c - SGD, AdamW, clipping and schedules of optim.h. Updates are
 * computed in double per element and stored as float.
 */
#include "optim.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fork.h"
#include "hot.h"

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
 * the first step); d = nesterov ? d + mu*buf : buf; w -= lr*d. The cases are
 * separate loops, so that each one vectorizes. */
NN_HOT static void sgd_plain(float *restrict w, const float *restrict g, size_t n,
                             double lr, double wd)
{
    for (size_t i = 0; i < n; i++)
        w[i] = (float)((double)w[i] - lr * ((double)g[i] + wd * (double)w[i]));
}

NN_HOT static void sgd_momentum(float *restrict w, const float *restrict g,
                                float *restrict buf, size_t n, double lr, double wd,
                                double mu, int first, int nesterov)
{
    if (first) /* buf = d */
        for (size_t i = 0; i < n; i++) {
            double d = (double)g[i] + wd * (double)w[i];
            buf[i] = (float)d;
            w[i] = (float)((double)w[i] - lr * (nesterov ? d + mu * d : d));
        }
    else if (nesterov)
        for (size_t i = 0; i < n; i++) {
            double d = (double)g[i] + wd * (double)w[i];
            double b = mu * (double)buf[i] + d;
            buf[i] = (float)b;
            w[i] = (float)((double)w[i] - lr * (d + mu * b));
        }
    else
        for (size_t i = 0; i < n; i++) {
            double d = (double)g[i] + wd * (double)w[i];
            double b = mu * (double)buf[i] + d;
            buf[i] = (float)b;
            w[i] = (float)((double)w[i] - lr * b);
        }
}

/* torch.optim.AdamW: w *= 1 - lr*wd; m, v moments; w -= lr/bc1 * m /
 * (sqrt(v)/sqrt(bc2) + eps). */
NN_HOT static void adamw_range(float *restrict w, const float *restrict g,
                               float *restrict m, float *restrict v, size_t n, double lr,
                               double wd, double b1, double b2, double eps,
                               double step_size, double sbc2)
{
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

/* One update of the block's elements [lo, hi): every trainable tensor's
 * part in it. */
typedef struct optim_piece {
    const nn_optim *o;
    nn_params *p;
    double lr;
    size_t lo, hi;
} optim_piece;

static void *optim_piece_run(void *arg)
{
    const optim_piece *k = arg;
    const nn_optim *o = k->o;
    const nn_optim_config *cfg = &o->cfg;
    double b1 = cfg->beta1, b2 = cfg->beta2;
    double bc1 = 1.0 - pow(b1, (double)o->step), bc2 = 1.0 - pow(b2, (double)o->step);
    for (int t = 0; t < k->p->count; t++) {
        const nn_param *pa = &k->p->list[t];
        size_t lo = pa->offset > k->lo ? pa->offset : k->lo;
        size_t hi = pa->offset + pa->numel < k->hi ? pa->offset + pa->numel : k->hi;
        if ((pa->flags & NN_PARAM_BUFFER) || lo >= hi)
            continue;
        double wd = (pa->flags & NN_PARAM_DECAY) ? cfg->weight_decay : 0.0;
        float *w = k->p->data + lo, *m = o->m + lo;
        const float *g = k->p->grad + lo;
        size_t n = hi - lo;
        if (cfg->kind == NN_OPT_ADAMW)
            adamw_range(w, g, m, o->v + lo, n, k->lr, wd, b1, b2, cfg->eps, k->lr / bc1,
                        sqrt(bc2));
        else if (cfg->momentum > 0)
            sgd_momentum(w, g, m, n, k->lr, wd, cfg->momentum, o->step == 1,
                         cfg->nesterov);
        else
            sgd_plain(w, g, n, k->lr, wd);
    }
    return NULL;
}

/* Below this many elements one thread updates them all (a second one's
 * wake-up costs more than it saves). */
#define NN_OPTIM_SPLIT_MIN (1 << 16)

void nn_optim_step(nn_optim *o, nn_params *p, double lr)
{
    o->step++;
    /* Every element is updated on its own, so the cut of the block changes
     * no bit; halves of it on two threads when OpenBLAS has two or more. */
    int pieces =
        p->total >= NN_OPTIM_SPLIT_MIN && openblas_get_num_threads() >= 2 ? 2 : 1;
    optim_piece k[2];
    for (int i = 0; i < pieces; i++)
        k[i] = (optim_piece){o, p, lr, p->total * (size_t)i / (size_t)pieces,
                             p->total * (size_t)(i + 1) / (size_t)pieces};
    if (pieces == 1)
        optim_piece_run(&k[0]);
    else
        nn_fork_run(pieces, optim_piece_run, k, sizeof k[0]);
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
