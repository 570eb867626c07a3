/*
 * config.c - the training configuration's defaults, its table of keys,
 * setting a key from text, and the checks of the whole (config.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/file_check.h"
#include "registry.h"
#include "task.h"

#define O(f) offsetof(nn_train_config, f)
static const nn_train_key KEYS[] = {
    {"epochs", NN_TRAIN_LONG, O(epochs), 1, 1e6, "training epochs (mlp, resnet)", 0},
    {"steps", NN_TRAIN_LONG, O(steps), 0, 1e9, "training steps (gpt)", 0},
    {"batch", NN_TRAIN_INT, O(model.batch), 1, 65536, "examples per step", 0},
    {"lr", NN_TRAIN_DOUBLE, O(lr), 0, 1e30, "peak learning rate", 0},
    {"momentum", NN_TRAIN_DOUBLE, O(opt.momentum), 0, 0.999999, "SGD momentum (0: none)",
     0},
    {"nesterov", NN_TRAIN_BOOL, O(opt.nesterov), 0, 1, "SGD: Nesterov momentum", 0},
    {"weight-decay", NN_TRAIN_DOUBLE, O(opt.weight_decay), 0, 10,
     "on weights of Linear/Conv2d/Embedding", 0},
    {"beta1", NN_TRAIN_DOUBLE, O(opt.beta1), 0, 0.999999, "AdamW beta1", 0},
    {"beta2", NN_TRAIN_DOUBLE, O(opt.beta2), 0, 0.999999, "AdamW beta2", 0},
    {"eps", NN_TRAIN_DOUBLE, O(opt.eps), 1e-30, 1, "AdamW epsilon", 0},
    {"warmup", NN_TRAIN_LONG, O(sched.warmup), 0, 1e9, "cosine schedule: warmup steps",
     0},
    {"min-lr", NN_TRAIN_DOUBLE, O(sched.min_lr), 0, 100,
     "cosine schedule: final learning rate", 0},
    {"gamma", NN_TRAIN_DOUBLE, O(sched.gamma), 0, 1,
     "step schedule: factor at 50% and 75%", 0},
    {"clip", NN_TRAIN_DOUBLE, O(clip), 0, 1e9, "gradient-norm clipping (0: none)", 0},
    {"seed", NN_TRAIN_U64, O(seed), 0, 1e18,
     "seed of initialisation, data order, dropout", 0},
    {"threads", NN_TRAIN_INT, O(threads), 0, 1024, "threads (0: all CPUs)", 1},
    {"learn-act", NN_TRAIN_BOOL, O(model.learn_act), 0, 1,
     "GoLU: train alpha, beta, gamma", 0},
    {"depth", NN_TRAIN_INT, O(model.depth), 1, 1000, "mlp blocks / resnet depth (6n+2)",
     0},
    {"width", NN_TRAIN_INT, O(model.width), 1, 65536,
     "mlp/gpt width, resnet first stage width", 0},
    {"layers", NN_TRAIN_INT, O(model.layers), 1, 1000, "gpt layers", 0},
    {"heads", NN_TRAIN_INT, O(model.heads), 1, 1024, "gpt heads", 0},
    {"context", NN_TRAIN_INT, O(model.context), 1, 65536, "gpt context length", 0},
    {"dropout", NN_TRAIN_DOUBLE, O(model.dropout), 0, 0.99, "gpt dropout", 0},
    {"eval-every", NN_TRAIN_LONG, O(eval_every), 1, 1e9, "gpt: steps between evaluations",
     0},
    {"eval-batches", NN_TRAIN_LONG, O(eval_batches), 1, 1e6,
     "gpt: validation batches per evaluation", 0},
    {"val-fraction", NN_TRAIN_DOUBLE, O(val_fraction), 0.001, 0.5,
     "gpt: share of the text that validates", 0},
    {"limit-train", NN_TRAIN_LONG, O(limit_train), 0, 1e9,
     "use the first N training images (0: all)", 0},
    {"timesteps", NN_TRAIN_LONG, O(timesteps), 0, 1e6,
     "diffusion: the noise steps T (linear beta 1e-4..0.02)", NN_TRAIN_KEY_NONZERO},
    {"limit-test", NN_TRAIN_LONG, O(limit_test), 0, 1e9,
     "use the first N test images (0: all)", 0},
    {"stop-after", NN_TRAIN_LONG, O(stop_after), 0, 1e9,
     "stop after N steps as if interrupted (tests)", 1},
    {"quiet", NN_TRAIN_BOOL, O(quiet), 0, 1, "no progress line", 1},
    {"accum", NN_TRAIN_INT, O(accum), 1, 4096,
     "micro-batches per step and process (gradient accumulation)", 1},
};
#undef O
enum { N_KEYS = sizeof KEYS / sizeof KEYS[0] };

const nn_train_key *nn_train_keys(int *count)
{
    *count = N_KEYS;
    return KEYS;
}

const nn_train_key *nn_train_key_find(const char *name)
{
    for (int k = 0; k < N_KEYS; k++)
        if (strcmp(KEYS[k].name, name) == 0)
            return &KEYS[k];
    return NULL;
}

/* Whole decimal numbers, no sign; the value as a double for the range. */
static int parse_whole(const char *label, const char *s, double *v, nn_err *err)
{
    char *end;
    errno = 0;
    *v = (double)strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return nn_fail(err, "%s: '%s' is not a whole number", label, s);
    return 0;
}

int nn_train_key_set(nn_train_config *c, const nn_train_key *k, const char *label,
                     const char *s, nn_err *err)
{
    char *p = (char *)c + k->offset;
    double v;
    if (k->type == NN_TRAIN_BOOL) {
        if (strcmp(s, "1") && strcmp(s, "0") && strcmp(s, "true") && strcmp(s, "false"))
            return nn_fail(err, "%s: '%s' is not 0/1/true/false", label, s);
        *(int *)p = s[0] == '1' || s[0] == 't';
        return 0;
    }
    if (k->type == NN_TRAIN_DOUBLE) {
        char *end;
        errno = 0;
        v = strtod(s, &end);
        if (errno || end == s || *end)
            return nn_fail(err, "%s: '%s' is not a number", label, s);
    } else if (parse_whole(label, s, &v, err)) {
        return -1;
    }
    if (!(v >= k->min && v <= k->max))
        return nn_fail(err, "%s: %s is out of range [%g, %g]", label, s, k->min, k->max);
    switch (k->type) {
    case NN_TRAIN_INT: *(int *)p = (int)v; break;
    case NN_TRAIN_LONG: *(long *)p = (long)v; break;
    case NN_TRAIN_U64: *(uint64_t *)p = strtoull(s, NULL, 10); break;
    case NN_TRAIN_DOUBLE: *(double *)p = v; break;
    case NN_TRAIN_BOOL: break;
    }
    return 0;
}

int nn_train_config_set_path(char *dst, const char *label, const char *s, nn_err *err)
{
    if (strlen(s) >= PATH_MAX - 32)
        return nn_fail(err, "%s: path too long", label);
    snprintf(dst, PATH_MAX, "%s", s);
    return 0;
}

/* The index of s in names[0..n), or -1 with err listing them. */
static int parse_choice(const char *label, const char *s, const char *const *names, int n,
                        nn_err *err)
{
    for (int k = 0; k < n; k++)
        if (strcmp(s, names[k]) == 0)
            return k;
    char known[128] = "";
    for (int k = 0; k < n; k++)
        snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
                 k ? ", " : "", names[k]);
    return nn_fail(err, "%s: unknown value '%s' (known: %s)", label, s, known);
}

/* Indexed by nn_opt_kind and nn_sched_kind. */
static const char *const OPTIMIZERS[] = {"sgd", "adamw"};
static const char *const SCHEDULES[] = {"const", "step", "cosine"};
_Static_assert(sizeof OPTIMIZERS / sizeof *OPTIMIZERS == NN_OPT_ADAMW + 1,
               "one name per nn_opt_kind");
_Static_assert(sizeof SCHEDULES / sizeof *SCHEDULES == NN_SCHED_COSINE + 1,
               "one name per nn_sched_kind");

const char *nn_train_optimizer_name(nn_opt_kind k)
{
    return OPTIMIZERS[k];
}

const char *nn_train_schedule_name(nn_sched_kind k)
{
    return SCHEDULES[k];
}

int nn_train_config_set_optimizer(nn_train_config *c, const char *label, const char *s,
                                  nn_err *err)
{
    int k = parse_choice(label, s, OPTIMIZERS, 2, err);
    if (k < 0)
        return -1;
    c->opt.kind = (nn_opt_kind)k;
    return 0;
}

int nn_train_config_set_schedule(nn_train_config *c, const char *label, const char *s,
                                 nn_err *err)
{
    int k = parse_choice(label, s, SCHEDULES, 3, err);
    if (k < 0)
        return -1;
    c->sched.kind = (nn_sched_kind)k;
    return 0;
}

void nn_train_config_set_act(nn_train_config *c, const char *name, const golu_act *act)
{
    c->model.act = *act;
    snprintf(c->act_name, sizeof c->act_name, "%s", name);
}

void nn_train_config_defaults(nn_train_config *c, const nn_model_desc *model)
{
    nn_train_config_defaults_task(c, model, NULL);
}

void nn_train_config_defaults_task(nn_train_config *c, const nn_model_desc *model,
                                   const struct nn_task_desc *task)
{
    memset(c, 0, sizeof *c);
    c->model.desc = model;
    c->model.task = task ? task : model ? model->tasks[0] : NULL;
    c->model.act = golu_act_default(GOLU_ACT_GOLU);
    snprintf(c->act_name, sizeof c->act_name, "golu");
    c->model.batch = 128;
    c->model.in_c = 1, c->model.in_h = 28, c->model.in_w = 28;
    c->model.classes = 10;
    c->model.vocab = 256;
    c->model.depth = 1, c->model.width = 128;
    c->epochs = 1;
    c->model.layers = 4, c->model.heads = 4, c->model.context = 128;
    c->seed = 1;
    c->accum = 1, c->shares = 1;
    c->opt = (nn_optim_config){NN_OPT_SGD, 0.0, 0.9, 0, 0.9, 0.999, 1e-8};
    c->sched.kind = NN_SCHED_CONST;
    c->sched.gamma = 0.1;
    c->eval_every = 200;
    c->eval_batches = 20;
    c->val_fraction = 0.1;
    if (!model)
        return;
    c->model.task->defaults(c);
    model->recipe(c);
}

int nn_train_config_check(const nn_train_config *c, nn_err *err)
{
    if (!c->out[0])
        return nn_fail(err, "--out: required (the directory for the checkpoint and "
                            "metrics)");
    if (!c->model.desc)
        return nn_fail(err, "--model: required");
    /* Both go into the result files (the checkpoint's JSON header, compare's
     * JSON): refused now, before anything is created, if JSON cannot hold
     * them. */
    if (nn_path_utf8("--data", c->data, err) || nn_path_utf8("--out", c->out, err))
        return -1;
    const struct nn_task_desc *task = nn_model_task(&c->model);
    if (!nn_model_task_find(c->model.desc, task->key)) {
        char known[128];
        return nn_fail(
            err, "--task: the %s model does not learn %s (its tasks: %s)",
            c->model.desc->name, task->key,
            nn_model_task_names(c->model.desc, known, sizeof known, ", ", " or "));
    }
    if (task->check(c, err))
        return -1;
    if (c->opt.nesterov && c->opt.kind == NN_OPT_SGD && c->opt.momentum <= 0)
        return nn_fail(err, "--nesterov: needs --momentum above 0");
    if (c->shares < 1 || c->model.batch % c->shares != 0)
        return nn_fail(err,
                       "--batch: %d examples cannot be split into %d equal shares (the "
                       "processes times --accum); choose a batch they divide",
                       c->model.batch, c->shares);
    if (c->model.learn_act && c->model.act.kind != GOLU_ACT_GOLU)
        return nn_fail(err, "--learn-act: only GoLU has parameters to learn this way "
                            "(PReLU's slope is always learned)");
    return 0;
}
