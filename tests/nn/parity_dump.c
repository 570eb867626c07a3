/*
 * parity_dump.c - runs one small model of src/nn through a forward, a
 * backward and ten optimizer steps, and writes everything a PyTorch twin
 * needs to redo the same computation into one safetensors file
 * (tests/nn/test_torch_parity.py reads it; tests/nn/torch_models.py holds the twins).
 *
 *   parity_dump --model mlp|resnet|gpt --act NAME [--learn-act] --out FILE
 *
 * Models (nn_model_create, seed 1234, one libgolu thread):
 *   mlp     depth 2, width 32, input 1x8x8, 10 classes, batch 8
 *   resnet  depth 8, width 4, input 3x8x8, 10 classes, batch 4
 *   gpt     2 layers, 2 heads, width 16, context 8, vocab 256, dropout 0, batch 3
 * Inputs: images N(0, 1), class targets uniform; tokens and targets uniform bytes.
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

#include "model.h"
#include "optim.h"
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

/* Batch k (k = 0: the first forward; k = 1..10: the steps). x and y are
 * malloc'ed; *xdt says x's dtype. Shapes into xs/ys. */
static int make_batch(const nn_config *c, int k, void **x, int32_t **y, int *xndim,
                      int64_t xs[4], int *yndim, int64_t ys[2])
{
    uint64_t sx = nn_rng_stream("parity.x", (uint64_t)k, 0);
    uint64_t sy = nn_rng_stream("parity.y", (uint64_t)k, 0);
    if (c->kind == NN_MODEL_GPT) {
        size_t n = (size_t)c->batch * (size_t)c->context;
        int32_t *xi = malloc(n * sizeof *xi);
        *y = malloc(n * sizeof **y);
        if (!xi || !*y) {
            free(xi);
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            xi[i] = (int32_t)nn_rng_below(DATA_SEED, sx, i, (uint64_t)c->vocab);
            (*y)[i] = (int32_t)nn_rng_below(DATA_SEED, sy, i, (uint64_t)c->vocab);
        }
        *x = xi;
        *xndim = 2;
        xs[0] = c->batch;
        xs[1] = c->context;
        *yndim = 2;
        ys[0] = c->batch;
        ys[1] = c->context;
        return 0;
    }
    size_t per = (size_t)c->in_c * (size_t)c->in_h * (size_t)c->in_w;
    size_t n = (size_t)c->batch * per;
    float *xf = nn_alloc_floats(n);
    *y = malloc((size_t)c->batch * sizeof **y);
    if (!xf || !*y) {
        free(xf);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        xf[i] = (float)nn_rng_normal(DATA_SEED, sx, i);
    for (int i = 0; i < c->batch; i++)
        (*y)[i] = (int32_t)nn_rng_below(DATA_SEED, sy, (uint64_t)i, (uint64_t)c->classes);
    *x = xf;
    *xndim = 4;
    xs[0] = c->batch;
    xs[1] = c->in_c;
    xs[2] = c->in_h;
    xs[3] = c->in_w;
    *yndim = 1;
    ys[0] = c->batch;
    return 0;
}

/* ------------------------------------------------------------ main --- */

static int usage(void)
{
    fprintf(stderr, "usage: parity_dump --model mlp|resnet|gpt --act NAME [--learn-act] "
                    "--out FILE.safetensors\n");
    return 2;
}

static void config_for(nn_config *c, nn_model_kind kind, const golu_act *act, int learn)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->act = *act;
    c->learn_act = learn;
    switch (kind) {
    case NN_MODEL_MLP:
        c->depth = 2;
        c->width = 32;
        c->in_c = 1;
        c->in_h = c->in_w = 8;
        c->classes = 10;
        c->batch = 8;
        break;
    case NN_MODEL_RESNET:
        c->depth = 8;
        c->width = 4;
        c->in_c = 3;
        c->in_h = c->in_w = 8;
        c->classes = 10;
        c->batch = 4;
        break;
    case NN_MODEL_GPT:
        c->layers = 2;
        c->heads = 2;
        c->width = 16;
        c->context = 8;
        c->vocab = 256;
        c->dropout = 0.0;
        c->batch = 3;
        break;
    }
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
    int kind = nn_model_kind_from_name(model_name);
    golu_act act;
    if (kind < 0) {
        fprintf(stderr, "parity_dump: unknown model %s\n", model_name);
        return 2;
    }
    if (golu_act_from_name(act_name, &act) != GOLU_OK) {
        fprintf(stderr, "parity_dump: unknown activation %s\n", act_name);
        return 2;
    }

    nn_config cfg;
    config_for(&cfg, (nn_model_kind)kind, &act, learn);
    nn_err err = {{0}};
    nn_model *m = NULL;
    if (nn_model_create(&m, &cfg, SEED, 1, &err)) {
        fprintf(stderr, "parity_dump: %s\n", err.msg);
        return 1;
    }
    nn_params *p = &m->params;
    const int is_gpt = cfg.kind == NN_MODEL_GPT;

    nn_optim_config oc;
    memset(&oc, 0, sizeof oc);
    nn_schedule sch;
    memset(&sch, 0, sizeof sch);
    double clip = 0;
    if (is_gpt) {
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
    int64_t xshape[4], yshape[2];
    int xndim = 0, yndim = 0;
    nn_st_dtype xdt = is_gpt ? NN_ST_I32 : NN_ST_F32;
    float *init = malloc(p->total * sizeof *init);
    float *grad = malloc(p->total * sizeof *grad);
    float *logits = NULL;
    char *decay = names_with(p, NN_PARAM_DECAY),
         *buffers = names_with(p, NN_PARAM_BUFFER);
    double loss0 = 0, step_loss[NSTEPS], step_lr[NSTEPS];
    if (!init || !grad || !decay || !buffers)
        goto nomem;
    for (int k = 0; k <= NSTEPS; k++)
        if (make_batch(&cfg, k, &xs[k], &ys[k], &xndim, xshape, &yndim, yshape))
            goto nomem;

    /* The initial state, then one training-mode forward and backward. */
    memcpy(init, p->data, p->total * sizeof *init);
    if (tl_add_params(&tl, p, init, "", 1) ||
        tl_add(&tl, "input.x", xdt, xndim, xshape, xs[0]) ||
        tl_add(&tl, "input.y", NN_ST_I32, yndim, yshape, ys[0]))
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
    size_t nlogits = is_gpt ? (size_t)cfg.batch * (size_t)cfg.context * (size_t)cfg.vocab
                            : (size_t)cfg.batch * (size_t)cfg.classes;
    if (!(logits = malloc(nlogits * sizeof *logits)))
        goto nomem;
    memcpy(logits, m->ops->logits(m), nlogits * sizeof *logits);
    memcpy(grad, p->grad, p->total * sizeof *grad);
    int64_t lshape[3] = {cfg.batch, is_gpt ? cfg.context : cfg.classes, cfg.vocab};
    if (tl_add(&tl, "out.logits", NN_ST_F32, is_gpt ? 3 : 2, lshape, logits) ||
        tl_add(&tl, "out.loss", NN_ST_F64, 0, lshape, &loss0) ||
        tl_add_params(&tl, p, grad, "grad.", 0))
        goto nomem;

    /* Ten optimizer steps, batch k+1 at step k. */
    char name[NAME_LEN];
    for (int k = 0; k < NSTEPS; k++) {
        nn_params_zero_grad(p);
        st = m->ops->forward(m, xs[k + 1], ys[k + 1], cfg.batch, 1, (uint64_t)k,
                             &step_loss[k]);
        if (st == GOLU_OK)
            st = m->ops->backward(m);
        if (st != GOLU_OK) {
            fprintf(stderr, "parity_dump: step %d: %s\n", k, golu_status_str(st));
            goto done;
        }
        if (clip > 0)
            nn_clip_grad_norm(p, clip);
        step_lr[k] = nn_schedule_lr(&sch, k);
        nn_optim_step(&opt, p, step_lr[k]);
        snprintf(name, sizeof name, "steps.x.%d", k);
        if (tl_add(&tl, name, xdt, xndim, xshape, xs[k + 1]))
            goto nomem;
        snprintf(name, sizeof name, "steps.y.%d", k);
        if (tl_add(&tl, name, NN_ST_I32, yndim, yshape, ys[k + 1]))
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
    META("model", "%s", nn_model_kind_name(cfg.kind));
    META("act", "%s", golu_act_name(act.kind));
    META("alpha", "%.17g", act.alpha);
    META("beta", "%.17g", act.beta);
    META("gamma", "%.17g", act.gamma);
    META("learn_act", "%d", learn);
    META("batch", "%d", cfg.batch);
    if (is_gpt) {
        META("layers", "%d", cfg.layers);
        META("heads", "%d", cfg.heads);
        META("width", "%d", cfg.width);
        META("context", "%d", cfg.context);
        META("vocab", "%d", cfg.vocab);
        META("dropout", "%.17g", cfg.dropout);
        META("optim", "adamw");
        META("betas", "%.17g,%.17g", oc.beta1, oc.beta2);
        META("eps", "%.17g", oc.eps);
        META("clip", "%.17g", clip);
        META("schedule", "cosine,warmup=%ld,min_lr=%.17g", sch.warmup, sch.min_lr);
    } else {
        META("depth", "%d", cfg.depth);
        META("width", "%d", cfg.width);
        META("input", "%d,%d,%d", cfg.in_c, cfg.in_h, cfg.in_w);
        META("classes", "%d", cfg.classes);
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
