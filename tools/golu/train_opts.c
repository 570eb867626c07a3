/*
 * train_opts.c - the training options: the recipes' defaults, the flags
 * that change them, and their round trip through checkpoint metadata.
 *
 * One table (OPTS) lists every numeric or boolean option once: its flag,
 * where it lives in train_opts, its range, and its help line. Parsing,
 * help and metadata all walk it, so a new option is one line.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "train.h"

typedef enum { T_INT, T_LONG, T_U64, T_DOUBLE, T_BOOL } opt_type;

typedef struct opt_desc {
    const char *flag; /* without the leading "--"; also the metadata key */
    opt_type type;
    size_t offset;
    double min, max;
    const char *help;
} opt_desc;

#define O(f) offsetof(train_opts, f)
static const opt_desc OPTS[] = {
    {"epochs", T_LONG, O(epochs), 1, 1e6, "training epochs (mlp, resnet)"},
    {"steps", T_LONG, O(steps), 0, 1e9, "training steps (gpt)"},
    {"batch", T_INT, O(model.batch), 1, 65536, "examples per step"},
    {"lr", T_DOUBLE, O(lr), 0, 1e30, "peak learning rate"},
    {"momentum", T_DOUBLE, O(opt.momentum), 0, 0.999999, "SGD momentum (0: none)"},
    {"nesterov", T_BOOL, O(opt.nesterov), 0, 1, "SGD: Nesterov momentum"},
    {"weight-decay", T_DOUBLE, O(opt.weight_decay), 0, 10,
     "on weights of Linear/Conv2d/Embedding"},
    {"beta1", T_DOUBLE, O(opt.beta1), 0, 0.999999, "AdamW beta1"},
    {"beta2", T_DOUBLE, O(opt.beta2), 0, 0.999999, "AdamW beta2"},
    {"eps", T_DOUBLE, O(opt.eps), 1e-30, 1, "AdamW epsilon"},
    {"warmup", T_LONG, O(sched.warmup), 0, 1e9, "cosine schedule: warmup steps"},
    {"min-lr", T_DOUBLE, O(sched.min_lr), 0, 100, "cosine schedule: final learning rate"},
    {"gamma", T_DOUBLE, O(sched.gamma), 0, 1, "step schedule: factor at 50% and 75%"},
    {"clip", T_DOUBLE, O(clip), 0, 1e9, "gradient-norm clipping (0: none)"},
    {"seed", T_U64, O(seed), 0, 1e18, "seed of initialisation, data order, dropout"},
    {"threads", T_INT, O(threads), 0, 1024, "threads (0: all CPUs)"},
    {"learn-act", T_BOOL, O(model.learn_act), 0, 1, "GoLU: train alpha, beta, gamma"},
    {"depth", T_INT, O(model.depth), 1, 1000, "mlp blocks / resnet depth (6n+2)"},
    {"width", T_INT, O(model.width), 1, 65536, "mlp/gpt width, resnet first stage width"},
    {"layers", T_INT, O(model.layers), 1, 1000, "gpt layers"},
    {"heads", T_INT, O(model.heads), 1, 1024, "gpt heads"},
    {"context", T_INT, O(model.context), 1, 65536, "gpt context length"},
    {"dropout", T_DOUBLE, O(model.dropout), 0, 0.99, "gpt dropout"},
    {"eval-every", T_LONG, O(eval_every), 1, 1e9, "gpt: steps between evaluations"},
    {"eval-batches", T_LONG, O(eval_batches), 1, 1e6,
     "gpt: validation batches per evaluation"},
    {"val-fraction", T_DOUBLE, O(val_fraction), 0.001, 0.5,
     "gpt: share of the text that validates"},
    {"limit-train", T_LONG, O(limit_train), 0, 1e9,
     "use the first N training images (0: all)"},
    {"limit-test", T_LONG, O(limit_test), 0, 1e9, "use the first N test images (0: all)"},
    {"stop-after", T_LONG, O(stop_after), 0, 1e9,
     "stop after N steps as if interrupted (tests)"},
    {"quiet", T_BOOL, O(quiet), 0, 1, "no progress line"},
};
#undef O
enum { N_OPTS = sizeof OPTS / sizeof OPTS[0] };

/* Options that describe this process, not the run: not saved. */
static int is_process_option(const opt_desc *d)
{
    return strcmp(d->flag, "threads") == 0 || strcmp(d->flag, "stop-after") == 0 ||
           strcmp(d->flag, "quiet") == 0;
}

static const char *const OPTIMIZERS[] = {"sgd", "adamw"};
static const char *const SCHEDULES[] = {"const", "step", "cosine"};

/* The text for the byte-level GPT: $GOLU_KJV, else where the set-up puts it. */
static void default_text_path(char *buf, size_t size)
{
    const char *env = getenv("GOLU_KJV");
    const char *home = getenv("HOME");
    if (env && *env)
        snprintf(buf, size, "%s", env);
    else
        snprintf(buf, size, "%s/.local/share/golu/kjv.txt", home ? home : "");
}

void train_opts_defaults(train_opts *o, nn_model_kind kind)
{
    memset(o, 0, sizeof *o);
    o->model.kind = kind;
    o->model.act = golu_act_default(GOLU_ACT_GOLU);
    snprintf(o->act_name, sizeof o->act_name, "golu");
    o->model.batch = 128;
    o->model.in_c = 1, o->model.in_h = 28, o->model.in_w = 28;
    o->model.classes = 10;
    o->model.vocab = 256;
    /* Every size gets a valid value, used or not, so that a saved
     * configuration always reads back within range. */
    o->model.depth = 1, o->model.width = 128;
    o->epochs = 1;
    o->model.layers = 4, o->model.heads = 4, o->model.context = 128;
    o->seed = 1;
    o->opt = (nn_optim_config){NN_OPT_SGD, 0.0, 0.9, 0, 0.9, 0.999, 1e-8};
    o->sched.kind = NN_SCHED_CONST;
    o->sched.gamma = 0.1;
    o->eval_every = 200;
    o->eval_batches = 20;
    o->val_fraction = 0.1;
    snprintf(o->data, sizeof o->data, "/usr/share/datasets/fashion-mnist");
    switch (kind) {
    case NN_MODEL_MLP: /* the paper's MLP ablation */
        o->model.depth = 1, o->model.width = 512;
        o->epochs = 8;
        o->lr = 0.01;
        break;
    case NN_MODEL_RESNET: /* CIFAR ResNet-20's recipe */
        o->model.depth = 20, o->model.width = 16;
        o->epochs = 10;
        o->lr = 0.1;
        o->opt.weight_decay = 1e-4;
        o->sched.kind = NN_SCHED_STEP;
        break;
    case NN_MODEL_GPT: /* babyGPT's recipe, scaled to a CPU */
        o->model.layers = 4, o->model.heads = 4, o->model.width = 128;
        o->model.context = 128, o->model.batch = 16, o->model.dropout = 0.1;
        o->steps = 2000;
        o->lr = 1e-3;
        o->opt = (nn_optim_config){NN_OPT_ADAMW, 0.1, 0.0, 0, 0.9, 0.99, 1e-8};
        o->sched.kind = NN_SCHED_COSINE;
        o->sched.warmup = 100;
        o->sched.min_lr = 1e-4;
        o->clip = 1.0;
        default_text_path(o->data, sizeof o->data);
        break;
    }
}

static int set_value(train_opts *o, const opt_desc *d, const char *flag, const char *s)
{
    char *p = (char *)o + d->offset;
    double v;
    if (d->type == T_BOOL) {
        if (strcmp(s, "1") && strcmp(s, "0") && strcmp(s, "true") && strcmp(s, "false")) {
            cli_error("%s: '%s' is not 0/1/true/false", flag, s);
            return -1;
        }
        *(int *)p = s[0] == '1' || s[0] == 't';
        return 0;
    }
    if (d->type == T_DOUBLE) {
        if (cli_parse_double(flag, s, &v))
            return -1;
    } else {
        char *end;
        errno = 0;
        v = (double)strtoull(s, &end, 10);
        if (errno || end == s || *end || s[0] == '-') {
            cli_error("%s: '%s' is not a whole number", flag, s);
            return -1;
        }
    }
    if (!(v >= d->min && v <= d->max)) {
        cli_error("%s: %s is out of range [%g, %g]", flag, s, d->min, d->max);
        return -1;
    }
    switch (d->type) {
    case T_INT: *(int *)p = (int)v; break;
    case T_LONG: *(long *)p = (long)v; break;
    case T_U64: *(uint64_t *)p = strtoull(s, NULL, 10); break;
    case T_DOUBLE: *(double *)p = v; break;
    case T_BOOL: break;
    }
    return 0;
}

static int parse_choice(const char *flag, const char *s, const char *const *names, int n)
{
    for (int k = 0; k < n; k++)
        if (strcmp(s, names[k]) == 0)
            return k;
    char known[128] = "";
    for (int k = 0; k < n; k++)
        snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
                 k ? ", " : "", names[k]);
    cli_error("%s: unknown value '%s' (known: %s)", flag, s, known);
    return -1;
}

static int set_act(train_opts *o, const char *flag, const char *s)
{
    if (cli_parse_act(flag, s, &o->model.act))
        return -1;
    snprintf(o->act_name, sizeof o->act_name, "%s", s);
    return 0;
}

static int set_path(char *dst, const char *flag, const char *s)
{
    if (strlen(s) >= PATH_MAX - 32) {
        cli_error("%s: path too long", flag);
        return -1;
    }
    snprintf(dst, PATH_MAX, "%s", s);
    return 0;
}

int train_opts_parse_flag(train_opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (strncmp(a, "--", 2) != 0)
        return 0;
    for (int k = 0; k < N_OPTS; k++) {
        const opt_desc *d = &OPTS[k];
        char flag[48];
        snprintf(flag, sizeof flag, "--%s", d->flag);
        if (!cli_is_flag(a, flag))
            continue;
        if (d->type == T_BOOL && a[strlen(flag)] == '\0') {
            *(int *)((char *)o + d->offset) = 1; /* a bare boolean flag */
            return 1;
        }
        const char *v = cli_flag_value(argc, argv, i, flag);
        return v && set_value(o, d, flag, v) == 0 ? 1 : -1;
    }
    static const char *const STR_FLAGS[] = {"--act", "--data", "--out", "--optimizer",
                                            "--schedule"};
    for (int k = 0; k < 5; k++) {
        if (!cli_is_flag(a, STR_FLAGS[k]))
            continue;
        const char *v = cli_flag_value(argc, argv, i, STR_FLAGS[k]);
        int c;
        if (!v)
            return -1;
        switch (k) {
        case 0: return set_act(o, STR_FLAGS[k], v) ? -1 : 1;
        case 1: return set_path(o->data, STR_FLAGS[k], v) ? -1 : 1;
        case 2: return set_path(o->out, STR_FLAGS[k], v) ? -1 : 1;
        case 3:
            if ((c = parse_choice(STR_FLAGS[k], v, OPTIMIZERS, 2)) < 0)
                return -1;
            o->opt.kind = (nn_opt_kind)c;
            return 1;
        default:
            if ((c = parse_choice(STR_FLAGS[k], v, SCHEDULES, 3)) < 0)
                return -1;
            o->sched.kind = (nn_sched_kind)c;
            return 1;
        }
    }
    return 0;
}

void train_opts_usage(FILE *out)
{
    fprintf(
        out,
        "  --act NAME          activation: %s\n"
        "  --data PATH         images: a directory of IDX files (Fashion-MNIST layout)\n"
        "                      or CIFAR-10 binary batches; gpt: a text file\n"
        "  --out DIR           where the checkpoint and metrics go (required)\n"
        "  --optimizer NAME    sgd or adamw\n"
        "  --schedule NAME     const, step (x gamma at 50%% and 75%%) or cosine\n",
        cli_acts_help(34, 22));
    for (int k = 0; k < N_OPTS; k++) {
        char flag[48];
        snprintf(flag, sizeof flag, "--%s%s", OPTS[k].flag,
                 OPTS[k].type == T_BOOL ? "" : " X");
        fprintf(out, "  %-19s %s\n", flag, OPTS[k].help);
    }
}

int train_opts_check(const train_opts *o)
{
    if (!o->out[0]) {
        cli_error("--out: required (the directory for the checkpoint and metrics)");
        return -1;
    }
    if (o->model.kind == NN_MODEL_GPT && o->steps < 1) {
        cli_error("--steps: must be at least 1 for gpt");
        return -1;
    }
    if (o->opt.nesterov && o->opt.kind == NN_OPT_SGD && o->opt.momentum <= 0) {
        cli_error("--nesterov: needs --momentum above 0");
        return -1;
    }
    if (o->sched.kind == NN_SCHED_COSINE && o->model.kind == NN_MODEL_GPT &&
        o->sched.warmup >= o->steps) {
        cli_error("--warmup: %ld must be below --steps %ld", o->sched.warmup, o->steps);
        return -1;
    }
    if (o->model.learn_act && o->model.act.kind != GOLU_ACT_GOLU) {
        cli_error(
            "--learn-act: only GoLU has parameters to learn this way (PReLU's slope "
            "is always learned)");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------- metadata -- */

static void format_value(const opt_desc *d, const train_opts *o, char *buf)
{
    const char *p = (const char *)o + d->offset;
    switch (d->type) {
    case T_INT:
    case T_BOOL: snprintf(buf, 64, "%d", *(const int *)p); break;
    case T_LONG: snprintf(buf, 64, "%ld", *(const long *)p); break;
    case T_U64:
        snprintf(buf, 64, "%llu", (unsigned long long)*(const uint64_t *)p);
        break;
    case T_DOUBLE: snprintf(buf, 64, "%.17g", *(const double *)p); break;
    }
}

int train_opts_to_meta(const train_opts *o, nn_st_meta *meta, char (*values)[64], int max)
{
    int n = 0;
    static char keys[N_OPTS + 8][48];
    for (int k = 0; k < N_OPTS && n < max; k++) {
        if (is_process_option(&OPTS[k]))
            continue;
        snprintf(keys[n], sizeof keys[n], "golu.%s", OPTS[k].flag);
        format_value(&OPTS[k], o, values[n]);
        meta[n] = (nn_st_meta){keys[n], values[n]};
        n++;
    }
    if (n < max)
        meta[n++] = (nn_st_meta){"golu.data", o->data}; /* may be long: not copied */
    const char *extra_k[] = {"golu.model",    "golu.act",       "golu.act.alpha",
                             "golu.act.beta", "golu.act.gamma", "golu.optimizer",
                             "golu.schedule"};
    for (int k = 0; k < 7 && n < max; k++) {
        snprintf(keys[n], sizeof keys[n], "%s", extra_k[k]);
        switch (k) {
        case 0: snprintf(values[n], 64, "%s", nn_model_kind_name(o->model.kind)); break;
        case 1: snprintf(values[n], 64, "%s", o->act_name); break;
        case 2: snprintf(values[n], 64, "%.17g", o->model.act.alpha); break;
        case 3: snprintf(values[n], 64, "%.17g", o->model.act.beta); break;
        case 4: snprintf(values[n], 64, "%.17g", o->model.act.gamma); break;
        case 5: snprintf(values[n], 64, "%s", OPTIMIZERS[o->opt.kind]); break;
        default: snprintf(values[n], 64, "%s", SCHEDULES[o->sched.kind]); break;
        }
        meta[n] = (nn_st_meta){keys[n], values[n]};
        n++;
    }
    return n;
}

static const char *need(const nn_st_file *f, const char *path, const char *key)
{
    const char *v = nn_st_meta_get(f, key);
    if (!v)
        cli_error("%s: metadata %s is missing (not a golu training checkpoint?)", path,
                  key);
    return v;
}

int train_opts_from_meta(train_opts *o, const nn_st_file *f, const char *path)
{
    const char *model = need(f, path, "golu.model");
    if (!model)
        return -1;
    int kind = nn_model_kind_from_name(model);
    if (kind < 0) {
        cli_error("%s: metadata golu.model: unknown model '%s'", path, model);
        return -1;
    }
    train_opts keep = *o; /* process options and paths survive */
    train_opts_defaults(o, (nn_model_kind)kind);
    o->threads = keep.threads, o->stop_after = keep.stop_after, o->quiet = keep.quiet;
    o->progress_label = keep.progress_label;
    memcpy(o->out, keep.out, sizeof o->out);
    char key[64];
    for (int k = 0; k < N_OPTS; k++) {
        if (is_process_option(&OPTS[k]))
            continue;
        snprintf(key, sizeof key, "golu.%s", OPTS[k].flag);
        const char *v = need(f, path, key);
        if (!v || set_value(o, &OPTS[k], key, v))
            return -1;
    }
    const char *act = need(f, path, "golu.act"), *opt = need(f, path, "golu.optimizer"),
               *sched = need(f, path, "golu.schedule");
    const char *ab[3] = {need(f, path, "golu.act.alpha"), need(f, path, "golu.act.beta"),
                         need(f, path, "golu.act.gamma")};
    const char *data = need(f, path, "golu.data");
    if (!act || !opt || !sched || !ab[0] || !ab[1] || !ab[2] || !data)
        return -1;
    int c;
    if (set_act(o, "golu.act", act) || set_path(o->data, "golu.data", data))
        return -1;
    o->model.act.alpha = strtod(ab[0], NULL);
    o->model.act.beta = strtod(ab[1], NULL);
    o->model.act.gamma = strtod(ab[2], NULL);
    if ((c = parse_choice("golu.optimizer", opt, OPTIMIZERS, 2)) < 0)
        return -1;
    o->opt.kind = (nn_opt_kind)c;
    if ((c = parse_choice("golu.schedule", sched, SCHEDULES, 3)) < 0)
        return -1;
    o->sched.kind = (nn_sched_kind)c;
    return 0;
}
