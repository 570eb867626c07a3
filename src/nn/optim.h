/*
 * optim.h - optimizers (SGD with momentum, Nesterov and weight decay; AdamW),
 * learning-rate schedules and gradient-norm clipping, as PyTorch defines
 * them (torch.optim.SGD, torch.optim.AdamW, clip_grad_norm_).
 *
 * State (momentum buffers, Adam moments) is one block in the parameter
 * block's layout; buffers (NN_PARAM_BUFFER) are never touched. Weight decay
 * applies to tensors flagged NN_PARAM_DECAY only.
 */
#ifndef NN_OPTIM_H
#define NN_OPTIM_H

#include "error.h"
#include "params.h"

typedef enum nn_opt_kind { NN_OPT_SGD, NN_OPT_ADAMW } nn_opt_kind;

typedef struct nn_optim_config {
    nn_opt_kind kind;
    double weight_decay;
    double momentum;          /* SGD: 0 disables */
    int nesterov;             /* SGD: needs momentum > 0 */
    double beta1, beta2, eps; /* AdamW */
} nn_optim_config;

typedef struct nn_optim {
    nn_optim_config cfg;
    size_t total;
    float *m;  /* SGD momentum buffer / Adam first moment */
    float *v;  /* Adam second moment (NULL for SGD) */
    long step; /* steps taken (Adam's bias correction) */
} nn_optim;

int nn_optim_init(nn_optim *o, const nn_optim_config *cfg, const nn_params *p,
                  nn_err *err);
void nn_optim_free(nn_optim *o);
/* One update of every trainable tensor with learning rate lr. */
void nn_optim_step(nn_optim *o, nn_params *p, double lr);

/* The L2 norm of all trainable gradients (summed in double). */
double nn_grad_norm(const nn_params *p);
/* clip_grad_norm_: if norm > max_norm, scales the gradients by
 * max_norm / (norm + 1e-6). Returns the norm before clipping. */
double nn_clip_grad_norm(nn_params *p, double max_norm);

/* Learning-rate schedules, a pure function of the step. */
typedef enum nn_sched_kind {
    NN_SCHED_CONST,
    NN_SCHED_STEP,
    NN_SCHED_COSINE
} nn_sched_kind;

typedef struct nn_schedule {
    nn_sched_kind kind;
    double lr; /* the base (peak) rate */
    long total_steps;
    /* step: lr * gamma^(number of milestones passed); milestones as fractions
     * of total_steps (0.5 and 0.75 for the ResNet recipe) */
    double milestones[4];
    int nmilestones;
    double gamma;
    /* cosine: linear warmup from lr/warmup to lr over `warmup` steps, then
     * cosine decay to min_lr at total_steps */
    long warmup;
    double min_lr;
} nn_schedule;

/* The learning rate for step (0-based). */
double nn_schedule_lr(const nn_schedule *s, long step);

#endif
