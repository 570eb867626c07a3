/*
 * memory.c - a configuration's memory, estimated and checked (memory.h).
 */
#include "memory.h"

#include "io/file_check.h"
#include "registry.h"

void nn_memory_estimate(const nn_config *cfg, const nn_optim_config *opt, nn_memory *m)
{
    double params = 0, floats = 0;
    cfg->desc->size(cfg, &params, &floats);
    double f = sizeof(float);
    m->params = params * f;
    m->grads = params * f;
    m->optim = !opt ? 0 : (opt->kind == NN_OPT_ADAMW ? 2 : 1) * params * f;
    m->activations = floats * f;
    m->total = m->params + m->grads + m->optim + m->activations;
}

int nn_memory_check(const nn_memory *m, uint64_t available, nn_err *err)
{
    if (m->total <= (double)available)
        return 0;
    const double GB = 1e9;
    return nn_fail(
        err,
        "this configuration needs %.3g GB (parameters %.3g GB, gradients "
        "%.3g GB, optimizer state %.3g GB, activations for the batch %.3g GB), "
        "more than the %.3g GB this machine has available; make the model "
        "(--width, --depth, --layers, --context) or --batch smaller",
        m->total / GB, m->params / GB, m->grads / GB, m->optim / GB, m->activations / GB,
        (double)available / GB);
}

int nn_memory_check_config(const nn_config *cfg, const nn_optim_config *opt, nn_err *err)
{
    nn_err e = {""};
    if (nn_model_check(cfg, &e))
        return 0;
    nn_memory m;
    nn_memory_estimate(cfg, opt, &m);
    return nn_memory_check(&m, nn_mem_available(), err);
}
