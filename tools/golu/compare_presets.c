/*
 * compare_presets.c - the recipes of `golu compare` and what their runs are
 * judged by (compare.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "compare.h"
#include "train_report.h"

/*
 * The paper's small-scale recipes (REFERENCE.md) scaled to a CPU with a few
 * cores. A preset keeps its recipe's model, optimizer, schedule and batch
 * (train_opts_defaults); only the amount of training shrinks. Times: one run
 * on 2 cores of a Xeon (OpenBLAS SkylakeX); mlp and quick measured whole,
 * resnet and gpt extrapolated from shortened runs.
 */
static const compare_preset PRESETS[] = {
    /* The MLP ablation unchanged: 1 block of 512 (Linear, LayerNorm, act),
     * SGD lr 0.01 momentum 0.9, batch 128, 8 epochs over all 60000 images;
     * about 15 s a run. */
    {"mlp", NN_MODEL_MLP, "the MLP ablation on Fashion-MNIST: 1 block of 512, 8 epochs",
     0, 0, 0, 3},
    /* ResNet-20, width 16, with the CIFAR recipe (SGD lr 0.1 momentum 0.9,
     * weight decay 1e-4, lr x0.1 at 50% and 75% of the steps) on the first
     * 12000 training images for 4 epochs instead of all of them for 160: the
     * step schedule keeps its shape, being placed at fractions of the steps.
     * A few minutes a run (about 3, mostly training at ~300 images/s). */
    {"resnet", NN_MODEL_RESNET, "ResNet-20 on Fashion-MNIST: 12000 images, 4 epochs", 4,
     12000, 0, 3},
    /* babyGPT shrunk: 4 layers, 4 heads, width 128, context 128 (the paper:
     * 6, 6, 384, 256), batch 16, dropout 0.1, AdamW lr 1e-3 -> 1e-4 cosine,
     * beta2 0.99, 1000 steps on the bytes of the King James Bible; warmup and
     * evaluation every tenth of the steps (100). About 4-5 minutes a run. */
    {"gpt", NN_MODEL_GPT, "a byte-level babyGPT on the King James Bible: 1000 steps", 0,
     0, 1000, 3},
    /* The mlp preset cut to 2 epochs: the main job's check, 7 activations x 2
     * seeds in about a minute (3-4 s a run). */
    {"quick", NN_MODEL_MLP, "the mlp preset cut to 2 epochs: a quick check", 2, 0, 0, 2},
};
enum { N_PRESETS = sizeof PRESETS / sizeof PRESETS[0] };

const compare_preset *compare_preset_find(const char *name)
{
    for (int i = 0; i < N_PRESETS; i++)
        if (strcmp(PRESETS[i].name, name) == 0)
            return &PRESETS[i];
    return NULL;
}

const char *compare_preset_names(void)
{
    static char buf[128];
    buf[0] = '\0';
    for (int i = 0; i < N_PRESETS; i++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? ", " : "",
                 PRESETS[i].name);
    return buf;
}

void compare_presets_usage(FILE *out)
{
    for (int i = 0; i < N_PRESETS; i++)
        fprintf(out, "  %-7s %s (%d seeds)\n", PRESETS[i].name, PRESETS[i].what,
                PRESETS[i].seeds);
}

void compare_preset_opts(const compare_preset *p, train_opts *o)
{
    train_opts_defaults(o, p->model);
    if (p->epochs)
        o->epochs = p->epochs;
    if (p->limit_train)
        o->limit_train = p->limit_train;
    if (p->steps)
        o->steps = p->steps;
}

void compare_preset_finish(const compare_preset *p, train_opts *o)
{
    /* --steps scales the whole run: the warmup and the curves' resolution
     * stay a tenth of it, as in the recipe (100 of 1000). */
    if (p->model == NN_MODEL_GPT) {
        o->sched.warmup = o->steps / 10;
        o->eval_every = o->steps / 10 > 0 ? o->steps / 10 : 1;
    }
}

/* ------------------------------------------------------------ recipe --- */

/* Appends to the string in buf (truncating at size). */
static void add(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add(char *buf, size_t size, const char *fmt, ...)
{
    size_t len = strlen(buf);
    va_list ap;
    va_start(ap, fmt);
    if (len < size)
        vsnprintf(buf + len, size - len, fmt, ap);
    va_end(ap);
}

static void model_summary(const train_opts *o, char *buf, size_t size)
{
    const nn_config *m = &o->model;
    switch (m->kind) {
    case NN_MODEL_MLP:
        add(buf, size, "MLP, %d block%s of %d", m->depth, m->depth == 1 ? "" : "s",
            m->width);
        break;
    case NN_MODEL_RESNET:
        add(buf, size, "ResNet-%d, width %d", m->depth, m->width);
        break;
    case NN_MODEL_GPT:
        add(buf, size, "GPT, %d layers, %d heads, width %d, context %d, dropout %g",
            m->layers, m->heads, m->width, m->context, m->dropout);
        break;
    }
}

static void optim_summary(const train_opts *o, char *buf, size_t size)
{
    if (o->opt.kind == NN_OPT_SGD)
        add(buf, size, "SGD lr %g momentum %g", o->lr, o->opt.momentum);
    else
        add(buf, size, "AdamW lr %g betas (%g, %g)", o->lr, o->opt.beta1, o->opt.beta2);
    if (o->opt.weight_decay > 0)
        add(buf, size, ", weight decay %g", o->opt.weight_decay);
    switch (o->sched.kind) {
    case NN_SCHED_CONST: break;
    case NN_SCHED_STEP:
        add(buf, size, ", lr x%g at 50%% and 75%%", o->sched.gamma);
        break;
    case NN_SCHED_COSINE:
        add(buf, size, ", cosine to %g after %ld warmup steps", o->sched.min_lr,
            o->sched.warmup);
        break;
    }
    if (o->clip > 0)
        add(buf, size, ", clipping at %g", o->clip);
}

void compare_recipe_summary(const train_opts *o, char *buf, size_t size)
{
    buf[0] = '\0';
    model_summary(o, buf, size);
    add(buf, size, "; ");
    optim_summary(o, buf, size);
    add(buf, size, "; batch %d, ", o->model.batch);
    if (o->model.kind == NN_MODEL_GPT) {
        add(buf, size, "%ld steps, evaluated every %ld on %ld batches", o->steps,
            o->eval_every, o->eval_batches);
        return;
    }
    add(buf, size, "%ld epoch%s", o->epochs, o->epochs == 1 ? "" : "s");
    if (o->limit_train)
        add(buf, size, ", the first %ld training images", o->limit_train);
    if (o->limit_test)
        add(buf, size, ", the first %ld test images", o->limit_test);
}

/* ------------------------------------------------------------ metrics --- */

/* Columns of train_report.h: images: epoch, step, train_loss, train_acc,
 * test_loss, test_acc, lr, seconds; gpt: step, train_loss, val_loss,
 * val_ppl, val_bpb, lr, seconds, tokens. */
static const compare_metric IMAGE_METRIC = {
    "test_acc", "test accuracy", "test_loss", "test loss", 1, 5, 4, 0, 2, "epoch", 4};
static const compare_metric TEXT_METRIC = {
    "val_ppl", "validation perplexity", "val_bpb", "bits per byte", 0, 3, 4, 0, 1, "step",
    3};

const compare_metric *compare_metric_of(nn_model_kind model)
{
    return model == NN_MODEL_GPT ? &TEXT_METRIC : &IMAGE_METRIC;
}
