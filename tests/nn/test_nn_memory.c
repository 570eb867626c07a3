/*
 * test_nn_memory.c - the memory estimate of a configuration
 * (src/nn/train/memory.h, the descriptors' size):
 *   - for tiny models of every kind (mlp, resnet, gpt; with learned
 *     activation parameters and dropout), the parameter count is exactly
 *     what the built model registers, and the activation estimate is within
 *     5% + 16 KiB of what nn_model_create really allocates beyond the
 *     parameters and gradients (measured with glibc's mallinfo2, the
 *     allocations counted as the allocator sees them; skipped under a
 *     sanitizer, whose allocator mallinfo2 does not see);
 *   - the optimizer's part: SGD one float a parameter, AdamW two;
 *   - a 200-billion-parameter GPT is refused, saying how much it needs.
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "model.h"
#include "registry.h"
#include "train/memory.h"
#include "train/task.h"

/* Bytes the allocator holds for us now. */
static double held(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (double)mi.uordblks + (double)mi.hblkhd;
}

static nn_config base(const char *model)
{
    nn_config c;
    memset(&c, 0, sizeof c);
    c.desc = nn_model_find(model);
    c.act = golu_act_default(GOLU_ACT_GOLU);
    c.batch = 32;
    c.in_c = 1, c.in_h = 28, c.in_w = 28, c.classes = 10;
    c.depth = 2, c.width = 64;
    c.layers = 2, c.heads = 4, c.context = 32, c.vocab = 256;
    return c;
}

static void check_model(const char *what, const nn_config *c)
{
    nn_optim_config sgd = {NN_OPT_SGD, 0, 0.9, 0, 0.9, 0.999, 1e-8};
    nn_memory m;
    nn_memory_estimate(c, &sgd, &m);
    double before = held();
    nn_model *model = NULL;
    nn_err err = {""};
    if (!CHECK(nn_model_create(&model, c, 1, 1, &err) == 0, "%s: %s", what, err.msg))
        return;
    double used = held() - before;
    double params = 0; /* the parameters' own floats (total adds alignment) */
    for (int i = 0; i < model->params.count; i++)
        params += (double)model->params.list[i].numel;
    double padded = (double)model->params.total;
    CHECK(m.params == 4 * params && m.grads == 4 * params,
          "%s: estimated %.0f parameter bytes, the model has %.0f parameters", what,
          m.params, params);
    CHECK(m.optim == 4 * params, "%s: SGD state %.0f bytes for %.0f parameters", what,
          m.optim, params);
    double acts = used - 8 * padded; /* data and grad, each total floats */
    if (acts <= 0) /* ASan's allocator: mallinfo2 does not see its blocks */
        SKIP("%s: the allocation cannot be measured (not glibc's malloc)", what);
    else
        CHECK(fabs(acts - m.activations) <= 0.05 * acts + 16384,
              "%s: activations estimated %.0f bytes, allocated %.0f", what, m.activations,
              acts);
    nn_model_destroy(model);
}

int main(void)
{
    TEST_BEGIN("nn_memory");
    nn_config c = base("mlp");
    check_model("mlp", &c);
    c.learn_act = 1, c.depth = 3;
    check_model("mlp, 3 blocks, learned GoLU", &c);
    c = base("resnet");
    c.depth = 8, c.width = 8, c.in_c = 3, c.in_h = 32, c.in_w = 32, c.batch = 8;
    check_model("resnet-8", &c);
    c.act = golu_act_default(GOLU_ACT_PRELU), c.depth = 14;
    check_model("resnet-14, PReLU", &c);
    c = base("unet");
    c.depth = 3, c.width = 8, c.in_h = c.in_w = 32, c.classes = 11, c.batch = 4;
    check_model("unet, 3 levels", &c);
    c = base("unet");
    c.task = &nn_task_diffusion;
    c.depth = 2, c.width = 6, c.in_h = c.in_w = 16, c.batch = 4;
    c.act = golu_act_default(GOLU_ACT_PRELU);
    check_model("unet diffusion, 2 levels, PReLU", &c);
    c = base("gpt");
    check_model("gpt", &c);
    c.dropout = 0.1, c.act = golu_act_default(GOLU_ACT_PRELU);
    check_model("gpt, dropout, PReLU", &c);

    /* AdamW keeps two floats a parameter */
    nn_optim_config adamw = {NN_OPT_ADAMW, 0, 0, 0, 0.9, 0.999, 1e-8};
    nn_memory m;
    nn_memory_estimate(&c, &adamw, &m);
    CHECK(m.optim == 2 * m.params, "AdamW state %.0f for %.0f parameter bytes", m.optim,
          m.params);
    CHECK(m.total == m.params + m.grads + m.optim + m.activations, "total %.0f", m.total);

    /* a 200-billion-parameter GPT: 1000 layers of width 4096 */
    c = base("gpt");
    c.layers = 1000, c.width = 4096, c.heads = 4;
    nn_memory_estimate(&c, &adamw, &m);
    CHECK(m.params / 4 > 2.0e11 && m.params / 4 < 2.1e11, "%.4g parameters",
          m.params / 4);
    nn_err err = {""};
    CHECK(nn_memory_check(&m, (uint64_t)64 << 30, &err) == -1 &&
              strstr(err.msg, "needs") && strstr(err.msg, "GB") &&
              strstr(err.msg, "68.7 GB"),
          "refusal: %s", err.msg);
    nn_memory tiny = {1, 1, 1, 1, 4};
    CHECK(nn_memory_check(&tiny, 4, &err) == 0, "4 bytes fit in 4");
    return TEST_END();
}
