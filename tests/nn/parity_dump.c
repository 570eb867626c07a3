/*
 * parity_dump.c - runs one small model of src/nn through a forward, a
 * backward and ten optimizer steps, and writes everything a PyTorch twin
 * needs to redo the same computation into one safetensors file
 * (tests/nn/test_torch_parity.py reads it; tests/nn/torch_models.py holds the twins).
 *
 *   parity_dump --model mlp|resnet|gpt|unet|ddpm --act NAME [--learn-act] --out FILE
 *
 * Models (nn_model_create, seed 1234, one libgolu thread; batches shaped
 * by the model's task; the ten steps are the trainer's nn_train_step):
 *   mlp     depth 2, width 32, input 1x8x8, 10 classes, batch 8
 *   resnet  depth 8, width 4, input 3x8x8, 10 classes, batch 4
 *   gpt     2 layers, 2 heads, width 16, context 8, vocab 256, dropout 0, batch 3
 *   unet    3 levels of 6/12/24 (GroupNorm 2 and 4 groups of 3), input 1x8x8, 11
 *           classes per pixel, batch 3 (SGD)
 *   ddpm    unet --task diffusion: 2 levels of 6/12 with the time embedding, input 1x8x8,
 * batch 3 (AdamW) Inputs: images N(0, 1), class targets uniform; tokens and targets
 * uniform bytes; unet: a pixel label uniform in [0, 11), every 7th NN_UNET_IGNORE; ddpm:
 * the image N(0, 1) then its step uniform in [0, 1000), targets N(0, 1).
 *
 * Tensors written:
 *   <name>              every parameter and buffer before anything ran (F32)
 *   input.x, input.y    the batch of the first forward (x F32 images or I32 tokens; y
 * I32) out.logits          its logits, training mode out.loss            its mean
 * cross-entropy (F64 scalar) grad.<name>         the gradient of every trainable
 * parameter steps.x.<k>, steps.y.<k>, k = 0..9: the batches of ten optimizer steps, run
 * after that first forward and backward steps.loss          the loss of each step's
 * forward (F64, 10) steps.lr            the learning rate of each step (F64, 10)
 *   final.<name>        every parameter and buffer after the ten steps
 * Optimizers: mlp, resnet: SGD lr 0.05, momentum 0.9, no Nesterov, weight
 * decay 5e-4. gpt: AdamW lr 1e-3, betas (0.9, 0.99), eps 1e-8, weight decay
 * 0.1, gradient norm clipped to 1.0, cosine schedule with 3 warmup steps
 * over 10 steps to min_lr 1e-4. Weight decay only on NN_PARAM_DECAY tensors.
 * Metadata: the configuration as strings, and the names of the decayed
 * tensors and of the buffers ("params.decay", "params.buffer", comma
 * separated).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "rng.h"
#include "safetensors.h"

#define SEED      1234u
#define DATA_SEED 4321u
#define NSTEPS    10
#define NAME_LEN  (NN_PARAM_NAME_MAX + 16)

/* ------------------------------------------------------ tensor list --- */

typedef struct tlist {
    nn_st_tensor *t;
    char (*names)[NAME_LEN];
    int n, cap;
} tlist;

static int tl_add(tlist *l, const char *name, nn_st_dtype dt, int ndim,
                  const int64_t *shape, const void *data)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 64;
        nn_st_tensor *t = realloc(l->t, (size_t)cap * sizeof *t);
        if (!t)
            return -1;
        l->t = t;
        char(*names)[NAME_LEN] = realloc(l->names, (size_t)cap * sizeof *names);
        if (!names)
            return -1;
        l->names = names;
        l->cap = cap;
        /* The names moved: point the tensors at their new places. */
        for (int i = 0; i < l->n; i++)
            l->t[i].name = l->names[i];
    }
    snprintf(l->names[l->n], NAME_LEN, "%s", name);
    nn_st_tensor *t = &l->t[l->n];
    memset(t, 0, sizeof *t);
    t->name = l->names[l->n];
    t->dtype = dt;
    t->ndim = ndim;
    for (int d = 0; d < ndim; d++)
        t->shape[d] = shape[d];
    t->data = data;
    l->n++;
    return 0;
}

/* Every tensor of p (buffers only when with_buffers) as prefix<name>, its
 * values taken from block (p's layout). */
static int tl_add_params(tlist *l, const nn_params *p, const float *block,
                         const char *prefix, int with_buffers)
{
    char name[NAME_LEN];
    for (int i = 0; i < p->count; i++) {
        const nn_param *pa = &p->list[i];
        if (!with_buffers && (pa->flags & NN_PARAM_BUFFER))
            continue;
        int64_t shape[NN_PARAM_MAX_DIMS];
        for (int d = 0; d < pa->ndim; d++)
            shape[d] = pa->shape[d];
        snprintf(name, sizeof name, "%s%s", prefix, pa->name);
        if (tl_add(l, name, NN_ST_F32, pa->ndim, shape, block + pa->offset))
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ data --- */

/* One batch buffer of n elements by its spec: floats N(0, 1) from stream
 * st, integers uniform in the spec's range. */
static void *random_buffer(const nn_batch_spec *spec, size_t n, uint64_t st)
{
    if (spec->dtype == NN_ST_F32) {
        float *f = nn_alloc_floats(n);
        for (size_t i = 0; f && i < n; i++)
            f[i] = (float)nn_rng_normal(DATA_SEED, st, i);
        return f;
    }
    int32_t *v = malloc(n * sizeof *v);
    for (size_t i = 0; v && i < n; i++)
        v[i] = (int32_t)nn_rng_below(DATA_SEED, st, i, (uint64_t)spec->range);
    return v;
}

/* A tensor's shape: (batch, per_example...), per_example as the model sees
 * it: images (c, h, w) when the spec holds that many floats, else a row of
 * values (or nothing for one class index). */
static int shape_of(const nn_config *c, const nn_batch_spec *spec, int64_t shape[4])
{
    shape[0] = c->batch;
    if (spec->dtype == NN_ST_F32 &&
        spec->per_example == (size_t)c->in_c * c->in_h * c->in_w) {
        shape[1] = c->in_c, shape[2] = c->in_h, shape[3] = c->in_w;
        return 4;
    }
    if (spec->per_example == 1)
        return 1;
    shape[1] = (int64_t)spec->per_example;
    return 2;
}

/* Batch k (k = 0: the first forward; k = 1..10: the steps), shaped by the
 * model's task. x and y are malloc'ed. */
static int make_batch(const nn_config *c, const nn_batch_spec *xs_spec,
                      const nn_batch_spec *ys_spec, int k, void **x, int32_t **y)
{
    uint64_t sx = nn_rng_stream("parity.x", (uint64_t)k, 0);
    uint64_t sy = nn_rng_stream("parity.y", (uint64_t)k, 0);
    *x = random_buffer(xs_spec, (size_t)c->batch * xs_spec->per_example, sx);
    *y = random_buffer(ys_spec, (size_t)c->batch * ys_spec->per_example, sy);
    if (!*x || !*y)
        return -1;
    const size_t e = (size_t)c->in_c * c->in_h * c->in_w;
    if (xs_spec->dtype == NN_ST_F32 &&
        xs_spec->per_example == e + 1) /* ddpm: the steps */
        for (int i = 0; i < c->batch; i++)
            ((float *)*x)[i * (e + 1) + e] =
                (float)nn_rng_below(DATA_SEED, sx + 1, i, 1000);
    if (ys_spec->dtype == NN_ST_I32 && ys_spec->per_example > 1 &&
        xs_spec->dtype == NN_ST_F32)
        for (size_t i = 0; i < (size_t)c->batch * ys_spec->per_example; i += 7)
            (*y)[i] = NN_UNET_IGNORE; /* unet: ignored pixels */
    return 0;
}

/* ------------------------------------------------------------ main --- */

static int usage(void)
{
    fprintf(stderr, "usage: parity_dump --model mlp|resnet|gpt --act NAME [--learn-act] "
                    "--out FILE.safetensors\n");
    return 2;
}

/* The model of each torch twin: its sizes, its optimizer family (AdamW
 * with clipping and a cosine schedule, or SGD), and its own metadata. */
typedef struct parity_model {
    const char *name; /* the case, the twin's kind: "ddpm" is unet learning diffusion */
    const char *model;
    const nn_task_desc *task; /* NULL: the model's default */
    int depth, width, in_c, in_hw, classes, layers, heads, context, vocab, batch;
    int adamw;
} parity_model;

static const parity_model MODELS[] = {
    {"mlp", "mlp", NULL, 2, 32, 1, 8, 10, 0, 0, 0, 0, 8, 0},
    {"resnet", "resnet", NULL, 8, 4, 3, 8, 10, 0, 0, 0, 0, 4, 0},
    {"gpt", "gpt", NULL, 0, 16, 0, 0, 0, 2, 2, 8, 256, 3, 1},
    {"unet", "unet", NULL, 3, 6, 1, 8, 11, 0, 0, 0, 0, 3, 0},
    {"ddpm", "unet", &nn_task_diffusion, 2, 6, 1, 8, 1, 0, 0, 0, 0, 3, 1},
};

static const parity_model *parity_find(const char *name)
{
    for (size_t i = 0; i < sizeof MODELS / sizeof MODELS[0]; i++)
        if (strcmp(MODELS[i].name, name) == 0)
            return &MODELS[i];
    return NULL;
}

static void config_for(nn_config *c, const parity_model *pm, const golu_act *act,
                       int learn)
{
    memset(c, 0, sizeof *c);
    c->desc = nn_model_find(pm->model);
    c->task = pm->task;
    c->act = *act;
    c->learn_act = learn;
    c->depth = pm->depth;
    c->width = pm->width;
    c->in_c = pm->in_c;
    c->in_h = c->in_w = pm->in_hw;
    c->classes = pm->classes;
    c->layers = pm->layers;
    c->heads = pm->heads;
    c->context = pm->context;
    c->vocab = pm->vocab;
    c->dropout = 0.0;
    c->batch = pm->batch;
}

/* A comma-separated list of the names of p's tensors with (flags & mask). */
static char *names_with(const nn_params *p, unsigned mask)
{
    size_t len = 1;
    for (int i = 0; i < p->count; i++)
        len += strlen(p->list[i].name) + 1;
    char *s = calloc(len, 1);
    if (!s)
        return NULL;
    for (int i = 0; i < p->count; i++)
        if (p->list[i].flags & mask) {
            if (*s)
                strcat(s, ",");
            strcat(s, p->list[i].name);
        }
    return s;
}

int main(int argc, char **argv)
{
    const char *model_name = NULL, *act_name = NULL, *out = NULL;
    int learn = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--model") == 0 && i + 1 < argc)
            model_name = argv[++i];
        else if (strcmp(argv[i], "--act") == 0 && i + 1 < argc)
            act_name = argv[++i];
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--learn-act") == 0)
            learn = 1;
        else
            return usage();
    }
    if (!model_name || !act_name || !out)
        return usage();
    const parity_model *pm = parity_find(model_name);
    golu_act act;
    if (!pm || !nn_model_find(pm->model)) {
        fprintf(stderr, "parity_dump: unknown model %s\n", model_name);
        return 2;
    }
    if (golu_act_from_name(act_name, &act) != GOLU_OK) {
        fprintf(stderr, "parity_dump: unknown activation %s\n", act_name);
        return 2;
    }

    nn_config cfg;
    config_for(&cfg, pm, &act, learn);
    nn_err err = {{0}};
    nn_model *m = NULL;
    if (nn_model_create(&m, &cfg, SEED, 1, &err)) {
        fprintf(stderr, "parity_dump: %s\n", err.msg);
        return 1;
    }
    nn_params *p = &m->params;
    const int adamw = pm->adamw;
    nn_batch_spec xspec, yspec;
    double units;
    nn_model_task(&cfg)->shape(&cfg, &xspec, &yspec, &units);

    nn_optim_config oc;
    memset(&oc, 0, sizeof oc);
    nn_schedule sch;
    memset(&sch, 0, sizeof sch);
    double clip = 0;
    if (adamw) {
        oc.kind = NN_OPT_ADAMW;
        oc.weight_decay = 0.1;
        oc.beta1 = 0.9;
        oc.beta2 = 0.99;
        oc.eps = 1e-8;
        sch.kind = NN_SCHED_COSINE;
        sch.lr = 1e-3;
        sch.total_steps = NSTEPS;
        sch.warmup = 3;
        sch.min_lr = 1e-4;
        clip = 1.0;
    } else {
        oc.kind = NN_OPT_SGD;
        oc.weight_decay = 5e-4;
        oc.momentum = 0.9;
        oc.nesterov = 0;
        sch.kind = NN_SCHED_CONST;
        sch.lr = 0.05;
        sch.total_steps = NSTEPS;
    }
    nn_optim opt;
    if (nn_optim_init(&opt, &oc, p, &err)) {
        fprintf(stderr, "parity_dump: %s\n", err.msg);
        nn_model_destroy(m);
        return 1;
    }

    int rc = 1;
    tlist tl = {0};
    void *xs[NSTEPS + 1] = {0};
    int32_t *ys[NSTEPS + 1] = {0};
    int64_t xshape[4], yshape[4];
    int xndim = shape_of(&cfg, &xspec, xshape), yndim = shape_of(&cfg, &yspec, yshape);
    nn_st_dtype xdt = xspec.dtype;
    float *init = malloc(p->total * sizeof *init);
    float *grad = malloc(p->total * sizeof *grad);
    float *logits = NULL;
    char *decay = names_with(p, NN_PARAM_DECAY),
         *buffers = names_with(p, NN_PARAM_BUFFER);
    double loss0 = 0, step_loss[NSTEPS], step_lr[NSTEPS];
    if (!init || !grad || !decay || !buffers)
        goto nomem;
    for (int k = 0; k <= NSTEPS; k++)
        if (make_batch(&cfg, &xspec, &yspec, k, &xs[k], &ys[k]))
            goto nomem;

    /* The initial state, then one training-mode forward and backward. */
    memcpy(init, p->data, p->total * sizeof *init);
    if (tl_add_params(&tl, p, init, "", 1) ||
        tl_add(&tl, "input.x", xdt, xndim, xshape, xs[0]) ||
        tl_add(&tl, "input.y", yspec.dtype, yndim, yshape, ys[0]))
        goto nomem;
    nn_params_zero_grad(p);
    golu_status st = m->ops->forward(m, xs[0], ys[0], cfg.batch, 1, 0, &loss0);
    if (st == GOLU_OK)
        st = m->ops->backward(m);
    if (st != GOLU_OK) {
        fprintf(stderr, "parity_dump: the first forward/backward: %s\n",
                golu_status_str(st));
        goto done;
    }
    /* logits: (batch, target..., classes or vocab); per pixel (unet, ddpm):
     * (batch, classes or channels, h, w) */
    int per_pixel = xspec.dtype == NN_ST_F32 && yspec.per_example > 1;
    int64_t out_c = yspec.range ? yspec.range : cfg.in_c;
    size_t nlogits =
        (size_t)cfg.batch * yspec.per_example * (size_t)(yspec.range ? yspec.range : 1);
    if (!(logits = malloc(nlogits * sizeof *logits)))
        goto nomem;
    memcpy(logits, m->ops->logits(m), nlogits * sizeof *logits);
    memcpy(grad, p->grad, p->total * sizeof *grad);
    int64_t lshape[4] = {cfg.batch, 0, 0, 0};
    int lndim = yndim;
    if (per_pixel) {
        int64_t ps[4] = {cfg.batch, out_c, cfg.in_h, cfg.in_w};
        memcpy(lshape, ps, sizeof ps);
        lndim = 4;
    } else {
        lshape[lndim++] = yspec.range;
        for (int d = 1; d < yndim; d++)
            lshape[d] = yshape[d];
    }
    if (tl_add(&tl, "out.logits", NN_ST_F32, lndim, lshape, logits) ||
        tl_add(&tl, "out.loss", NN_ST_F64, 0, lshape, &loss0) ||
        tl_add_params(&tl, p, grad, "grad.", 0))
        goto nomem;

    /* Ten optimizer steps, batch k+1 at step k. */
    char name[NAME_LEN];
    for (int k = 0; k < NSTEPS; k++) {
        step_lr[k] = nn_schedule_lr(&sch, k);
        int rc_step = nn_train_step(m, &opt, xs[k + 1], ys[k + 1], cfg.batch, (uint64_t)k,
                                    clip, step_lr[k], &step_loss[k]);
        if (rc_step != 0) {
            fprintf(stderr, "parity_dump: step %d: %s\n", k,
                    rc_step > 0 ? "the loss is not finite"
                                : "forward or backward failed");
            goto done;
        }
        snprintf(name, sizeof name, "steps.x.%d", k);
        if (tl_add(&tl, name, xdt, xndim, xshape, xs[k + 1]))
            goto nomem;
        snprintf(name, sizeof name, "steps.y.%d", k);
        if (tl_add(&tl, name, yspec.dtype, yndim, yshape, ys[k + 1]))
            goto nomem;
    }
    int64_t nsteps = NSTEPS;
    if (tl_add(&tl, "steps.loss", NN_ST_F64, 1, &nsteps, step_loss) ||
        tl_add(&tl, "steps.lr", NN_ST_F64, 1, &nsteps, step_lr) ||
        tl_add_params(&tl, p, p->data, "final.", 1))
        goto nomem;

    /* The configuration. */
    enum { NMETA = 24, VLEN = 64 };
    char val[NMETA][VLEN];
    nn_st_meta meta[NMETA];
    int nm = 0;
#define META(k_, ...)                                                                    \
    do {                                                                                 \
        snprintf(val[nm], VLEN, __VA_ARGS__);                                            \
        meta[nm].key = k_;                                                               \
        meta[nm].value = val[nm];                                                        \
        nm++;                                                                            \
    } while (0)
    META("model", "%s", pm->name); /* the twin's kind */
    META("act", "%s", golu_act_name(act.kind));
    META("alpha", "%.17g", act.alpha);
    META("beta", "%.17g", act.beta);
    META("gamma", "%.17g", act.gamma);
    META("learn_act", "%d", learn);
    META("batch", "%d", cfg.batch);
    if (xspec.dtype == NN_ST_F32) { /* an image model */
        if (per_pixel)
            META("levels", "%d", cfg.depth);
        META("depth", "%d", cfg.depth);
        META("width", "%d", cfg.width);
        META("input", "%d,%d,%d", cfg.in_c, cfg.in_h, cfg.in_w);
        META("classes", "%d", cfg.classes);
    } else { /* a token model */
        META("layers", "%d", cfg.layers);
        META("heads", "%d", cfg.heads);
        META("width", "%d", cfg.width);
        META("context", "%d", cfg.context);
        META("vocab", "%d", cfg.vocab);
        META("dropout", "%.17g", cfg.dropout);
    }
    if (adamw) {
        META("optim", "adamw");
        META("betas", "%.17g,%.17g", oc.beta1, oc.beta2);
        META("eps", "%.17g", oc.eps);
        META("clip", "%.17g", clip);
        META("schedule", "cosine,warmup=%ld,min_lr=%.17g", sch.warmup, sch.min_lr);
    } else {
        META("optim", "sgd");
        META("momentum", "%.17g", oc.momentum);
        META("nesterov", "%d", oc.nesterov);
    }
    META("lr", "%.17g", sch.lr);
    META("weight_decay", "%.17g", oc.weight_decay);
    META("steps", "%d", NSTEPS);
#undef META
    meta[nm].key = "params.decay";
    meta[nm++].value = decay;
    meta[nm].key = "params.buffer";
    meta[nm++].value = buffers;

    if (nn_st_write(out, tl.t, tl.n, meta, nm, &err)) {
        fprintf(stderr, "parity_dump: %s\n", err.msg);
        goto done;
    }
    rc = 0;
    goto done;
nomem:
    fprintf(stderr, "parity_dump: out of memory\n");
done:
    for (int k = 0; k <= NSTEPS; k++) {
        free(xs[k]);
        free(ys[k]);
    }
    free(tl.t);
    free(tl.names);
    free(init);
    free(grad);
    free(logits);
    free(decay);
    free(buffers);
    nn_optim_free(&opt);
    nn_model_destroy(m);
    return rc;
}
