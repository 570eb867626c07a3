/*
 * presets.c - the recipes of `golu compare` (presets.h) and a recipe in
 * words.
 */
#include "presets.h"

#include <stdio.h>
#include <string.h>

#include "str.h"
#include "task.h"

/* --steps scales the whole run: the warmup and the curves' resolution stay a
 * tenth of it, as in the recipe (100 of 1000). */
static void tenths(nn_train_config *c)
{
    c->sched.warmup = c->steps / 10;
    c->eval_every = c->steps / 10 > 0 ? c->steps / 10 : 1;
}

/*
 * The paper's small-scale recipes (docs/MATH.md) scaled to a CPU with a few
 * cores. Times: one run on 2 cores of a Xeon (OpenBLAS SkylakeX); mlp and
 * quick measured whole, resnet and gpt extrapolated from shortened runs.
 */
static const nn_preset PRESETS[] = {
    /* The MLP ablation unchanged: 1 block of 512 (Linear, LayerNorm, act),
     * SGD lr 0.01 momentum 0.9, batch 128, 8 epochs over all 60000 images;
     * about 15 s a run. */
    {"mlp", "mlp", NULL, "the MLP ablation on Fashion-MNIST: 1 block of 512, 8 epochs", 0,
     0, 0, 3, NULL},
    /* ResNet-20, width 16, with the CIFAR recipe (SGD lr 0.1 momentum 0.9,
     * weight decay 1e-4, lr x0.1 at 50% and 75% of the steps) on the first
     * 12000 training images for 4 epochs instead of all of them for 160: the
     * step schedule keeps its shape, being placed at fractions of the steps.
     * A few minutes a run (about 3, mostly training at ~300 images/s). */
    {"resnet", "resnet", NULL, "ResNet-20 on Fashion-MNIST: 12000 images, 4 epochs", 4,
     12000, 0, 3, NULL},
    /* babyGPT shrunk: 4 layers, 4 heads, width 128, context 128 (the paper:
     * 6, 6, 384, 256), batch 16, dropout 0.1, AdamW lr 1e-3 -> 1e-4 cosine,
     * beta2 0.99, 1000 steps on the bytes of the King James Bible; warmup and
     * evaluation every tenth of the steps (100). About 4-5 minutes a run. */
    {"gpt", "gpt", NULL, "a byte-level babyGPT on the King James Bible: 1000 steps", 0, 0,
     1000, 3, tenths},
    /* The U-Net segmenting 64x64 scenes of 2-4 garments (11 classes):
     * 3 levels of 16/32/64, AdamW lr 2e-3 cosine, batch 32, judged on 500
     * test scenes (mIoU). The unet recipe's 2000 training scenes (189
     * steps) leave it at a mIoU of 0.14, still climbing; 5000 scenes for 3
     * epochs (471 steps) take about 4 minutes a run at --threads 1, the
     * 21 runs of a compare about 1.4 hours. */
    {"segment", "unet", "segment",
     "U-Net segmenting Fashion-MNIST scenes: 5000 scenes, 3 epochs", 0, 5000, 0, 3, NULL},
    /* DDPM on Fashion-MNIST padded to 32x32, T 1000, the same U-Net with a
     * time embedding, AdamW lr 2e-3 cosine, batch 32, 20000 training
     * images for 2 epochs, judged by the noise MSE over the 10000 test
     * images at fixed draws. About 3-4 minutes a run at --threads 1. */
    {"diffusion", "unet", "diffusion",
     "DDPM noise prediction on Fashion-MNIST 32x32: 2 epochs", 0, 0, 0, 3, NULL},
    /* The mlp preset cut to 2 epochs: the main job's check, 7 activations x 2
     * seeds in about a minute (3-4 s a run). */
    {"quick", "mlp", NULL, "the mlp preset cut to 2 epochs: a quick check", 2, 0, 0, 2,
     NULL},
};
enum { N_PRESETS = sizeof PRESETS / sizeof PRESETS[0] };

const nn_preset *nn_preset_find(const char *name)
{
    for (int i = 0; i < N_PRESETS; i++)
        if (strcmp(PRESETS[i].name, name) == 0)
            return &PRESETS[i];
    return NULL;
}

int nn_preset_count(void)
{
    return N_PRESETS;
}

const nn_preset *nn_preset_at(int i)
{
    return i >= 0 && i < N_PRESETS ? &PRESETS[i] : NULL;
}

const char *nn_preset_names(char *buf, size_t size)
{
    buf[0] = '\0';
    for (int i = 0; i < N_PRESETS; i++) {
        nn_str_append(buf, size, "%s%s", i ? ", " : "", PRESETS[i].name);
    }
    return buf;
}

const nn_model_desc *nn_preset_model(const nn_preset *p)
{
    return nn_model_find(p->model);
}

const nn_task_desc *nn_preset_task(const nn_preset *p)
{
    const nn_model_desc *m = nn_preset_model(p);
    return p->task ? nn_model_task_find(m, p->task) : m->tasks[0];
}

void nn_preset_config(const nn_preset *p, nn_train_config *c)
{
    nn_train_config_defaults_task(c, nn_preset_model(p), nn_preset_task(p));
    if (p->epochs)
        c->epochs = p->epochs;
    if (p->limit_train)
        c->limit_train = p->limit_train;
    if (p->steps)
        c->steps = p->steps;
}

void nn_preset_finish(const nn_preset *p, nn_train_config *c)
{
    if (p->finish)
        p->finish(c);
}

/* ------------------------------------------------------------ recipe --- */

static void optim_text(const nn_train_config *c, char *buf, size_t size)
{
    if (c->opt.kind == NN_OPT_SGD)
        nn_str_append(buf, size, "SGD lr %g momentum %g", c->lr, c->opt.momentum);
    else
        nn_str_append(buf, size, "AdamW lr %g betas (%g, %g)", c->lr, c->opt.beta1,
                      c->opt.beta2);
    if (c->opt.weight_decay > 0)
        nn_str_append(buf, size, ", weight decay %g", c->opt.weight_decay);
    switch (c->sched.kind) {
    case NN_SCHED_CONST: break;
    case NN_SCHED_STEP:
        nn_str_append(buf, size, ", lr x%g at 50%% and 75%%", c->sched.gamma);
        break;
    case NN_SCHED_COSINE:
        nn_str_append(buf, size, ", cosine to %g after %ld warmup steps", c->sched.min_lr,
                      c->sched.warmup);
        break;
    }
    if (c->clip > 0)
        nn_str_append(buf, size, ", clipping at %g", c->clip);
}

void nn_train_recipe_text(const nn_train_config *c, char *buf, size_t size)
{
    buf[0] = '\0';
    c->model.desc->describe(&c->model, buf, size);
    nn_str_append(buf, size, "; ");
    optim_text(c, buf, size);
    nn_str_append(buf, size, "; batch %d, ", c->model.batch);
    nn_task_of(c)->length_text(c, buf, size);
}
