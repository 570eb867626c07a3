/*
 * shares.c - one step of a run whose global batch is split into shares
 * (run.h): gradient accumulation (--accum K, K shares in one process) and
 * data parallelism (N processes under MPI, each taking K shares), the same
 * arithmetic in both.
 *
 * A step's batch of b examples (the task's whole batch, the same on every
 * process: data order and GPT windows are functions of (seed, step,
 * position in the batch)) is cut into S = N x K shares, share s holding
 * positions [s b / S, (s + 1) b / S). Process r runs shares r K .. r K + K - 1
 * in order; for each: the buffers (BatchNorm's running statistics) set back
 * to where the step found them, zeroed gradients, forward (dropout drawn by
 * the examples' positions in the whole batch, nn_model.example0) and
 * backward on the share alone (BatchNorm normalises with the share's own
 * statistics, as PyTorch's DistributedDataParallel without SyncBatchNorm),
 * then, with w = (its examples) / b (1/S for whole batches):
 *
 *     G += w g_s      the gradient          (G starts at 0)
 *     R += w R_s      the buffers after it  (R starts at 0)
 *     L += w loss_s   the loss
 *     the task's sums of the share
 *
 * then one in-place sum over the processes of G (the single flat gradient
 * block), of R and of (L, sums): the averaged gradient, the mean of the
 * shares' running statistics, the mean loss. Every process then holds the
 * same values and takes the same clipping and optimizer step.
 *
 * With two shares every sum is a single addition 0 + w g_0 + w g_1 (which
 * process adds does not matter: a + b == b + a), so `mpirun -np 2` and
 * `--accum 2` give the same bits; with more, the order of the additions
 * may differ between N and K (MPI's reduction order), nothing else.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

int nn_shares_init(nn_run *r, nn_err *err)
{
    nn_shares *sh = &r->shares;
    memset(sh, 0, sizeof *sh);
    if (r->c->shares == 1)
        return 0;
    const nn_params *p = &r->model->params;
    for (int i = 0; i < p->count; i++)
        if (p->list[i].flags & NN_PARAM_BUFFER)
            sh->nbuf += p->list[i].numel;
    sh->grad = nn_alloc_floats(p->total);
    sh->buf0 = nn_alloc_floats(sh->nbuf);
    sh->buf = nn_alloc_floats(sh->nbuf);
    if (!sh->grad || !sh->buf0 || !sh->buf)
        return nn_fail(err, "out of memory for the shares' gradient");
    return 0;
}

void nn_shares_free(nn_run *r)
{
    free(r->shares.grad);
    free(r->shares.buf0);
    free(r->shares.buf);
    memset(&r->shares, 0, sizeof r->shares);
}

/* Between the model's buffers and a contiguous copy v (nbuf): to_model 0
 * copies out, 1 copies in, 2 adds w times the model's into v. */
static void buffers(nn_model *m, float *v, int to_model, float w)
{
    const nn_params *p = &m->params;
    size_t at = 0;
    for (int i = 0; i < p->count; i++) {
        const nn_param *pa = &p->list[i];
        if (!(pa->flags & NN_PARAM_BUFFER))
            continue;
        float *d = nn_param_data(p, i);
        if (to_model == 0)
            memcpy(v + at, d, pa->numel * sizeof *d);
        else if (to_model == 1)
            memcpy(d, v + at, pa->numel * sizeof *d);
        else
            for (size_t k = 0; k < pa->numel; k++)
                v[at + k] += w * d[k];
        at += pa->numel;
    }
}

/* The byte offset of example e in a batch buffer of spec s. */
static size_t offset_of(const nn_batch_spec *s, int e)
{
    return (size_t)e * s->per_example * nn_st_dtype_size(s->dtype);
}

/* Share s of the step: forward and backward on its examples, added into
 * the step's sums (shares.c's comment). 0, -1 (a bug). */
static int run_share(nn_run *r, int s, int b, uint64_t step, double small[], double *sums)
{
    nn_shares *sh = &r->shares;
    nn_model *m = r->model;
    nn_task *t = r->task;
    int S = r->c->shares;
    int lo = (int)((long)s * b / S), hi = (int)((long)(s + 1) * b / S), bs = hi - lo;
    if (bs == 0)
        return 0; /* a short last batch left this share nothing */
    buffers(m, sh->buf0, 1, 0);
    nn_params_zero_grad(&m->params);
    void *x = t->x, *target = t->target;
    m->example0 = lo;
    t->x = (char *)x + offset_of(&t->x_spec, lo);
    t->target = (char *)target + offset_of(&t->target_spec, lo);
    double loss = 0;
    int rc = m->ops->forward(m, t->x, t->target, bs, 1, step, &loss) == GOLU_OK ? 0 : -1;
    float w = (float)((double)bs / b);
    small[0] += (double)w * loss;
    if (rc == 0 && isfinite(loss)) {
        rc = m->ops->backward(m) == GOLU_OK ? 0 : -1;
        const float *g = m->params.grad;
        for (size_t i = 0; i < m->params.total; i++)
            sh->grad[i] += w * g[i];
        buffers(m, sh->buf, 2, w);
        t->desc->accumulate(t, m, loss, bs, sums);
    }
    t->x = x, t->target = target, m->example0 = 0;
    return rc;
}

int nn_shares_check(const nn_run *r, nn_err *err)
{
    if (nn_comm_size(r->comm) == 1)
        return 0;
    const nn_params *p = &r->model->params;
    uint64_t h = nn_hash_bytes(NN_HASH_START, p->data, p->total * sizeof *p->data);
    h = nn_hash_bytes(h, r->optim.m,
                      r->optim.m ? r->optim.total * sizeof *r->optim.m : 0);
    int differ = nn_comm_same(r->comm, h);
    if (differ == 0)
        return 0;
    return nn_fail(
        err,
        "after step %ld the processes' weights differ (%d of %d from rank 0's): "
        "a reduction that is not the same everywhere (a bug: please report it)",
        r->step, differ < 0 ? 0 : differ, nn_comm_size(r->comm));
}

int nn_run_step(nn_run *r, int b, double *loss, double sums[NN_TASK_SUMS])
{
    const nn_train_config *c = r->c;
    nn_model *m = r->model;
    uint64_t step = (uint64_t)r->step;
    double lr = nn_schedule_lr(&r->sched, r->step);
    if (c->shares == 1) { /* the plain step, as it always was */
        int rc = nn_train_step(m, &r->optim, r->task->x, r->task->target, b, step,
                               c->clip, lr, loss);
        if (rc == 0)
            r->task->desc->accumulate(r->task, m, *loss, b, sums);
        return rc;
    }
    nn_shares *sh = &r->shares;
    double small[1 + NN_TASK_SUMS] = {0}; /* the loss, then the task's sums */
    memset(sh->grad, 0, m->params.total * sizeof *sh->grad);
    memset(sh->buf, 0, sh->nbuf * sizeof *sh->buf);
    buffers(m, sh->buf0, 0, 0);
    int rank = nn_comm_rank(r->comm);
    for (int k = 0; k < c->accum; k++)
        if (run_share(r, rank * c->accum + k, b, step, small, small + 1))
            return -1;
    if (nn_comm_sum_f32(r->comm, sh->grad, m->params.total) ||
        nn_comm_sum_f32(r->comm, sh->buf, sh->nbuf) ||
        nn_comm_sum_f64(r->comm, small, 1 + NN_TASK_SUMS))
        return -1;
    *loss = small[0];
    if (!isfinite(*loss)) {
        buffers(m, sh->buf0, 1, 0); /* as the plain step: nothing moved */
        return 1;
    }
    memcpy(m->params.grad, sh->grad, m->params.total * sizeof *sh->grad);
    buffers(m, sh->buf, 1, 0);
    for (int k = 0; k < NN_TASK_SUMS; k++)
        sums[k] += small[1 + k];
    if (c->clip > 0)
        nn_clip_grad_norm(&m->params, c->clip);
    nn_optim_step(&r->optim, &m->params, lr);
    return 0;
}
