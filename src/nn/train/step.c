/*
 * step.c - one training step (trainer.h), the only one: the loop, the
 * benchmark (bench/train_bench.c) and the PyTorch parity dump
 * (tests/nn/parity_dump.c) all call it.
 */
#include <math.h>

#include "trainer.h"

int nn_train_step(nn_model *m, nn_optim *o, const void *x, const void *target, int b,
                  uint64_t step, double clip, double lr, double *loss)
{
    nn_params_zero_grad(&m->params);
    if (m->ops->forward(m, x, target, b, 1, step, loss) != GOLU_OK)
        return -1;
    if (!isfinite(*loss))
        return 1;
    if (m->ops->backward(m) != GOLU_OK)
        return -1;
    if (clip > 0)
        nn_clip_grad_norm(&m->params, clip);
    nn_optim_step(o, &m->params, lr);
    return 0;
}
