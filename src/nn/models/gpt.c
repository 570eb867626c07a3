/*
 * gpt.c - the byte-level GPT: nanoGPT's layout (pre-LayerNorm blocks,
 * learned positions, weight tying), on full windows of T = context tokens.
 *
 *     h = drop(wte[x] + wpe[0..T-1])                       x (B, T) tokens
 *     per layer:
 *         h = h + drop(attn.c_proj(attn(attn.c_attn(ln_1(h)))))
 *         h = h + drop(mlp.c_proj(act(mlp.c_fc(ln_2(h)))))  c_fc C -> 4C
 *     logits = ln_f(h) . wte^T                              (B, T, V)
 *     loss = mean cross-entropy over the B*T positions
 *
 * The head has no weight of its own: lm_head is wte, so wte's gradient is
 * the sum of the embedding's scatter-add and the head's product. The
 * attention layer has no dropout on its probabilities (unlike nanoGPT's
 * attn_dropout); dropout is on the embeddings and on each residual branch.
 *
 * Parameter names are nanoGPT's state_dict names: transformer.wte.weight,
 * transformer.wpe.weight, transformer.h.{i}.{ln_1, attn.c_attn, attn.c_proj,
 * ln_2, mlp.c_fc, mlp.act, mlp.c_proj}.*, transformer.ln_f.*.
 *
 * Memory. The forward keeps per layer what the backward reads: the
 * residual stream before each branch (ln_1's and ln_2's inputs), each
 * LayerNorm's output and statistics (the next product's input), qkv and the
 * attention probabilities (the attention backward), the attention output
 * (c_proj's input), c_fc's output (the activation's input) and the
 * activation's output (c_proj's input); plus the logits and the
 * probabilities, and each dropout mask as one bit per element (1/32 of the
 * float mask; redrawing it from its stream in the backward would cost as
 * much as the forward's draw). Rebuilding the LayerNorms' and the
 * activation's outputs in the backward instead would save 6 (B, T, C) a
 * layer and cost 3-5 % of a step (docs/TRAINING.md); kept, the peak is
 * still about a fifth of torch's. Everything else lives in scratch shared
 * by all layers: three (B, T, C) buffers, one (B, T, 3C) buffer, the
 * forward's float dropout mask and one attention workspace.
 *
 * Dropout masks are drawn from the stream
 * nn_rng_stream("gpt.dropout.{emb,attn,mlp}", step, layer) with the model's
 * seed: each call site of each step has its own mask, and the same step
 * always draws the same masks.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"
#include "model.h"
#include "registry.h"
#include "rng.h"
#include "str.h"
#include "train/config.h"
#include "train/task.h"

#define LN_EPS   1e-5
#define INIT_STD 0.02

/* The dropout sites of a layer (the embeddings' is layer 0's SITE_EMB). The
 * (layer, site) pair numbers the saved masks: SITE_EMB is 0, layer l's
 * attention and MLP branches are 2l+1 and 2l+2. */
enum { SITE_EMB, SITE_ATTN, SITE_MLP };

/* A LayerNorm's output and statistics, kept for the backward: its output
 * is the next product's input (that product's weight gradient reads it),
 * its statistics the LayerNorm backward's. */
typedef struct gpt_ln {
    float *y;           /* (B, T, C) */
    float *mean, *rstd; /* (B, T) */
} gpt_ln;

typedef struct gpt_layer {
    /* parameter indices */
    int ln1_w, ln1_b, attn_w, attn_b, aproj_w, aproj_b;
    int ln2_w, ln2_b, fc_w, fc_b, mproj_w, mproj_b;
    nn_actlayer act;
    /* saved for the backward */
    float *res;  /* (B, T, C) the layer's input: ln_1's input */
    gpt_ln ln1;  /* ln_1's output: c_attn's input */
    float *res2; /* (B, T, C) after the attention branch: ln_2's input */
    gpt_ln ln2;  /* ln_2's output: c_fc's input */
    float *qkv;  /* (B, T, 3C) c_attn's output */
    float *att;  /* (B, NH, T, T) attention probabilities */
    float *atty; /* (B, T, C) attention output, heads concatenated: c_proj's input */
    float *fch;  /* (B, T, 4C) c_fc's output: the activation's input */
    float *fca;  /* (B, T, 4C) the activation's output: c_proj's input; then dfch */
} gpt_layer;

typedef struct gpt {
    int L, B, T, C, NH, V;
    int wte, wpe, lnf_w, lnf_b; /* parameter indices */
    gpt_layer *layers;
    /* saved */
    float *res_f;  /* (B, T, C) the last layer's output: ln_f's input */
    gpt_ln lnf;    /* ln_f's output: the head's input */
    float *logits; /* (B, T, V) */
    float *probs;  /* (B, T, V) softmax; dlogits in the backward */
    /* scratch, shared by every layer */
    float *wide;   /* (B, T, 3C) dqkv */
    float *branch; /* (B, T, C) a branch's output; then a branch's gradient (dropout) */
    float *g_res;  /* (B, T, C) the gradient on the residual stream */
    float *g_ln;   /* (B, T, C) the gradient at a LayerNorm's output (or atty) */
    float *mask;   /* (B, T, C) the dropout layer's mask; NULL when cfg.dropout is 0 */
    uint8_t *kept; /* (2L+1, B*T*C/8) the saved masks, 1 bit per element (kept = 1);
                      NULL when cfg.dropout is 0 */
    size_t kept_bytes; /* per mask */
    float *work;       /* nn_attention_workspace(T, C, NH) */
    /* the last forward */
    const int32_t *x, *y; /* (b, T) the caller's buffers */
    int b;
    int drop; /* dropout was applied (training and p > 0) */
    uint64_t step;
} gpt;

/* ------------------------------------------------------------------ build */

static int add(nn_model *m, const char *name, int d0, int d1, nn_err *err)
{
    int shape[2] = {d0, d1};
    /* Weight decay on the matrices (embeddings, linear weights) only. */
    return nn_params_add(&m->params, name, d1 ? 2 : 1, shape, d1 ? NN_PARAM_DECAY : 0,
                         err);
}

/* "transformer.h.{i}.<leaf>" registered as (d0) or (d0, d1); -1 on error. */
static int add_h(nn_model *m, int i, const char *leaf, int d0, int d1, nn_err *err)
{
    char name[NN_PARAM_NAME_MAX];
    snprintf(name, sizeof name, "transformer.h.%d.%s", i, leaf);
    return add(m, name, d0, d1, err);
}

static int add_layer(nn_model *m, gpt_layer *ly, int i, nn_err *err)
{
    const int C = m->cfg.width;
    ly->ln1_w = add_h(m, i, "ln_1.weight", C, 0, err);
    ly->ln1_b = add_h(m, i, "ln_1.bias", C, 0, err);
    ly->attn_w = add_h(m, i, "attn.c_attn.weight", 3 * C, C, err);
    ly->attn_b = add_h(m, i, "attn.c_attn.bias", 3 * C, 0, err);
    ly->aproj_w = add_h(m, i, "attn.c_proj.weight", C, C, err);
    ly->aproj_b = add_h(m, i, "attn.c_proj.bias", C, 0, err);
    ly->ln2_w = add_h(m, i, "ln_2.weight", C, 0, err);
    ly->ln2_b = add_h(m, i, "ln_2.bias", C, 0, err);
    ly->fc_w = add_h(m, i, "mlp.c_fc.weight", 4 * C, C, err);
    ly->fc_b = add_h(m, i, "mlp.c_fc.bias", 4 * C, 0, err);
    char prefix[NN_PARAM_NAME_MAX];
    snprintf(prefix, sizeof prefix, "transformer.h.%d.mlp.act", i);
    if (nn_actlayer_add(&ly->act, &m->params, prefix, &m->cfg.act, m->cfg.learn_act, err))
        return -1;
    ly->mproj_w = add_h(m, i, "mlp.c_proj.weight", C, 4 * C, err);
    ly->mproj_b = add_h(m, i, "mlp.c_proj.bias", C, 0, err);
    const int idx[] = {ly->ln1_w,   ly->ln1_b,   ly->attn_w,  ly->attn_b,
                       ly->aproj_w, ly->aproj_b, ly->ln2_w,   ly->ln2_b,
                       ly->fc_w,    ly->fc_b,    ly->mproj_w, ly->mproj_b};
    for (size_t k = 0; k < sizeof idx / sizeof idx[0]; k++)
        if (idx[k] < 0)
            return -1;
    return 0;
}

static int alloc_ln(gpt_ln *ln, size_t bt, size_t btc)
{
    ln->y = nn_alloc_floats(btc);
    ln->mean = nn_alloc_floats(bt);
    ln->rstd = nn_alloc_floats(bt);
    return ln->y && ln->mean && ln->rstd;
}

static void free_ln(gpt_ln *ln)
{
    free(ln->y);
    free(ln->mean);
    free(ln->rstd);
}

/* The saved activations and the scratch, for cfg.batch windows. */
static int alloc_buffers(gpt *s, double dropout)
{
    size_t bt = (size_t)s->B * (size_t)s->T, btc = bt * (size_t)s->C;
    size_t att = (size_t)s->B * (size_t)s->NH * (size_t)s->T * (size_t)s->T;
    int ok = 1;
    for (int l = 0; l < s->L; l++) {
        gpt_layer *ly = &s->layers[l];
        ok &= !!(ly->res = nn_alloc_floats(btc));
        ok &= alloc_ln(&ly->ln1, bt, btc);
        ok &= !!(ly->res2 = nn_alloc_floats(btc));
        ok &= alloc_ln(&ly->ln2, bt, btc);
        ok &= !!(ly->qkv = nn_alloc_floats(3 * btc));
        ok &= !!(ly->att = nn_alloc_floats(att));
        ok &= !!(ly->atty = nn_alloc_floats(btc));
        ok &= !!(ly->fch = nn_alloc_floats(4 * btc));
        ok &= !!(ly->fca = nn_alloc_floats(4 * btc));
    }
    ok &= !!(s->res_f = nn_alloc_floats(btc));
    ok &= !!(s->logits = nn_alloc_floats(bt * (size_t)s->V));
    ok &= !!(s->probs = nn_alloc_floats(bt * (size_t)s->V));
    ok &= alloc_ln(&s->lnf, bt, btc);
    ok &= !!(s->wide = nn_alloc_floats(3 * btc));
    ok &= !!(s->branch = nn_alloc_floats(btc));
    ok &= !!(s->g_res = nn_alloc_floats(btc));
    ok &= !!(s->g_ln = nn_alloc_floats(btc));
    if (dropout > 0) {
        s->kept_bytes = (btc + 7) / 8;
        ok &= !!(s->mask = nn_alloc_floats(btc));
        ok &= !!(s->kept = calloc((size_t)(2 * s->L + 1), s->kept_bytes));
    }
    ok &= !!(s->work = nn_alloc_floats(nn_attention_workspace(s->T, s->C, s->NH)));
    return ok ? 0 : -1;
}

static int gpt_build(nn_model *m, nn_err *err)
{
    const nn_config *c = &m->cfg;
    gpt *s = calloc(1, sizeof *s);
    if (!s)
        return nn_fail(err, "out of memory");
    m->impl = s;
    s->L = c->layers;
    s->B = c->batch;
    s->T = c->context;
    s->C = c->width;
    s->NH = c->heads;
    s->V = c->vocab;
    s->layers = calloc((size_t)s->L, sizeof *s->layers);
    if (!s->layers)
        return nn_fail(err, "out of memory");
    s->wte = add(m, "transformer.wte.weight", s->V, s->C, err);
    s->wpe = add(m, "transformer.wpe.weight", s->T, s->C, err);
    if (s->wte < 0 || s->wpe < 0)
        return -1;
    for (int l = 0; l < s->L; l++)
        if (add_layer(m, &s->layers[l], l, err))
            return -1;
    s->lnf_w = add(m, "transformer.ln_f.weight", s->C, 0, err);
    s->lnf_b = add(m, "transformer.ln_f.bias", s->C, 0, err);
    if (s->lnf_w < 0 || s->lnf_b < 0 || nn_params_alloc(&m->params, err))
        return -1;
    if (alloc_buffers(s, c->dropout))
        return nn_fail(err, "out of memory for the activations (batch %d, context %d)",
                       c->batch, c->context);
    return 0;
}

/* ------------------------------------------------------------------- init */

/* nanoGPT: every Linear and Embedding weight N(0, 0.02), the residual
 * projections (c_proj) N(0, 0.02/sqrt(2*layers)), biases 0, LayerNorm 1 and 0. */
static void gpt_init(nn_model *m, uint64_t seed)
{
    gpt *s = m->impl;
    nn_params *p = &m->params;
    double proj_std = INIT_STD / sqrt(2.0 * s->L);
    nn_init_normal(p, s->wte, INIT_STD, seed);
    nn_init_normal(p, s->wpe, INIT_STD, seed);
    for (int l = 0; l < s->L; l++) {
        gpt_layer *ly = &s->layers[l];
        nn_init_const(p, ly->ln1_w, 1.0f);
        nn_init_const(p, ly->ln1_b, 0.0f);
        nn_init_normal(p, ly->attn_w, INIT_STD, seed);
        nn_init_const(p, ly->attn_b, 0.0f);
        nn_init_normal(p, ly->aproj_w, proj_std, seed);
        nn_init_const(p, ly->aproj_b, 0.0f);
        nn_init_const(p, ly->ln2_w, 1.0f);
        nn_init_const(p, ly->ln2_b, 0.0f);
        nn_init_normal(p, ly->fc_w, INIT_STD, seed);
        nn_init_const(p, ly->fc_b, 0.0f);
        nn_actlayer_init(&ly->act, p);
        nn_init_normal(p, ly->mproj_w, proj_std, seed);
        nn_init_const(p, ly->mproj_b, 0.0f);
    }
    nn_init_const(p, s->lnf_w, 1.0f);
    nn_init_const(p, s->lnf_b, 0.0f);
}

/* ---------------------------------------------------------------- forward */

/* The dropout stream of one call site of one step. */
static uint64_t drop_stream(uint64_t step, int layer, int site)
{
    static const char *const NAMES[] = {"gpt.dropout.emb", "gpt.dropout.attn",
                                        "gpt.dropout.mlp"};
    return nn_rng_stream(NAMES[site], step, (uint64_t)layer);
}

/* The saved mask of one call site. */
static uint8_t *kept_bits(const gpt *s, int layer, int site)
{
    int k = site == SITE_EMB ? 0 : 2 * layer + site;
    return s->kept + (size_t)k * s->kept_bytes;
}

/* Dropout in place on a (n) buffer when this forward drops; the mask is
 * saved as bits. */
static void dropout(const nn_model *m, float *x, size_t n, int layer, int site)
{
    const gpt *s = m->impl;
    if (!s->drop)
        return;
    /* Counted from the whole batch's start: a share (train/shares.c) draws
     * the masks of its examples' positions in the whole batch. */
    uint64_t first = (uint64_t)m->example0 * (uint64_t)s->T * (uint64_t)s->C;
    nn_dropout_forward(x, s->mask, x, n, m->cfg.dropout, m->seed,
                       drop_stream(s->step, layer, site), first);
    uint8_t *bits = kept_bits(s, layer, site);
    size_t full = n / 8;
    for (size_t k = 0; k < full; k++) {
        const float *mk = s->mask + 8 * k;
        bits[k] =
            (uint8_t)((mk[0] != 0.0f) | (mk[1] != 0.0f) << 1 | (mk[2] != 0.0f) << 2 |
                      (mk[3] != 0.0f) << 3 | (mk[4] != 0.0f) << 4 | (mk[5] != 0.0f) << 5 |
                      (mk[6] != 0.0f) << 6 | (mk[7] != 0.0f) << 7);
    }
    if (n % 8) {
        unsigned byte = 0;
        for (size_t j = 0; j < n % 8; j++)
            byte |= (unsigned)(s->mask[8 * full + j] != 0.0f) << j;
        bits[full] = (uint8_t)byte;
    }
}

/* dx (n) = dy (n) * the call site's saved mask (0 or 1/(1-p), as the
 * dropout layer's); dx may equal dy. */
static void dropout_backward(const nn_model *m, float *dx, const float *dy, size_t n,
                             int layer, int site)
{
    const gpt *s = m->impl;
    const uint8_t *bits = kept_bits(s, layer, site);
    const float value[2] = {0.0f, (float)(1.0 / (1.0 - m->cfg.dropout))};
    for (size_t i = 0; i < n; i += 8) {
        size_t len = n - i < 8 ? n - i : 8;
        unsigned byte = *bits++;
        for (size_t j = 0; j < len; j++)
            dx[i + j] = dy[i + j] * value[(byte >> j) & 1u];
    }
}

/* res (b, T, C) = wte[x] + wpe[0..T-1], then dropout. */
static void embed(nn_model *m, float *res, const int32_t *x, int b)
{
    gpt *s = m->impl;
    size_t tc = (size_t)s->T * (size_t)s->C;
    nn_embedding_forward(res, nn_param_data(&m->params, s->wte), x, b * s->T, s->C);
    for (int i = 0; i < b; i++)
        nn_accumulate(res + (size_t)i * tc, nn_param_data(&m->params, s->wpe), tc);
    dropout(m, res, (size_t)b * tc, 0, SITE_EMB);
}

/* ln (n, C) = LayerNorm(x (n, C)), with its statistics. */
static void layernorm(nn_model *m, gpt_ln *ln, const float *x, int w, int bias, int n)
{
    gpt *s = m->impl;
    nn_layernorm_forward(ln->y, ln->mean, ln->rstd, x, nn_param_data(&m->params, w),
                         nn_param_data(&m->params, bias), n, s->C, LN_EPS);
}

/* out (n, C) = in + drop(branch (n, C)); branch is overwritten. */
static void residual(nn_model *m, float *out, const float *in, int n, int layer, int site)
{
    gpt *s = m->impl;
    size_t nc = (size_t)n * (size_t)s->C;
    dropout(m, s->branch, nc, layer, site);
    nn_add(out, in, s->branch, nc);
}

/* One block: ly->res -> out (b, T, C). */
static golu_status layer_forward(nn_model *m, int l, float *out, int b)
{
    gpt *s = m->impl;
    gpt_layer *ly = &s->layers[l];
    const nn_params *p = &m->params;
    int n = b * s->T, C = s->C;
    layernorm(m, &ly->ln1, ly->res, ly->ln1_w, ly->ln1_b, n);
    nn_linear_forward(ly->qkv, ly->ln1.y, nn_param_data(p, ly->attn_w),
                      nn_param_data(p, ly->attn_b), n, C, 3 * C);
    nn_attention_forward(ly->atty, ly->att, ly->qkv, b, s->T, C, s->NH, s->work);
    nn_linear_forward(s->branch, ly->atty, nn_param_data(p, ly->aproj_w),
                      nn_param_data(p, ly->aproj_b), n, C, C);
    residual(m, ly->res2, ly->res, n, l, SITE_ATTN);

    layernorm(m, &ly->ln2, ly->res2, ly->ln2_w, ly->ln2_b, n);
    nn_linear_forward(ly->fch, ly->ln2.y, nn_param_data(p, ly->fc_w),
                      nn_param_data(p, ly->fc_b), n, C, 4 * C);
    golu_status st =
        nn_actlayer_forward(&ly->act, m, ly->fca, ly->fch, (size_t)n * 4 * C);
    if (st != GOLU_OK)
        return st;
    nn_linear_forward(s->branch, ly->fca, nn_param_data(p, ly->mproj_w),
                      nn_param_data(p, ly->mproj_b), n, 4 * C, C);
    residual(m, out, ly->res2, n, l, SITE_MLP);
    return GOLU_OK;
}

/* Every token and target in [0, V). */
static int tokens_ok(const int32_t *t, size_t n, int v)
{
    for (size_t i = 0; i < n; i++)
        if (t[i] < 0 || t[i] >= v)
            return 0;
    return 1;
}

static golu_status gpt_forward(nn_model *m, const void *xv, const void *target, int b,
                               int training, uint64_t step, double *loss)
{
    const int32_t *y = target; /* (b, T) the next tokens */
    gpt *s = m->impl;
    const int32_t *x = xv; /* (b, T) */
    size_t bt = (size_t)b * (size_t)s->T;
    if (b < 1 || b > s->B)
        return GOLU_ERR_SHAPE;
    if (!tokens_ok(x, bt, s->V) || !tokens_ok(y, bt, s->V))
        return GOLU_ERR_PARAM; /* the embedding and the loss would index out of bounds */
    s->x = x;
    s->y = y;
    s->b = b;
    s->step = step;
    s->drop = training && m->cfg.dropout > 0;
    embed(m, s->layers[0].res, x, b);
    for (int l = 0; l < s->L; l++) {
        float *out = l + 1 < s->L ? s->layers[l + 1].res : s->res_f;
        golu_status st = layer_forward(m, l, out, b);
        if (st != GOLU_OK)
            return st;
    }
    layernorm(m, &s->lnf, s->res_f, s->lnf_w, s->lnf_b, (int)bt);
    /* The head is wte itself: logits (bt, V) = ln_f (bt, C) . wte (V, C)^T. */
    nn_linear_forward(s->logits, s->lnf.y, nn_param_data(&m->params, s->wte), NULL,
                      (int)bt, s->C, s->V);
    *loss = nn_softmax_ce_forward(s->probs, s->logits, y, (int)bt, s->V);
    return GOLU_OK;
}

/* --------------------------------------------------------------- backward */

/* The gradient into a branch's output: g_res through the branch's dropout
 * (into s->branch), or g_res itself when nothing was dropped. */
static const float *branch_grad(nn_model *m, int n, int layer, int site)
{
    gpt *s = m->impl;
    if (!s->drop)
        return s->g_res;
    dropout_backward(m, s->branch, s->g_res, (size_t)n * (size_t)s->C, layer, site);
    return s->branch;
}

/* Gradient through LayerNorm(x) given g_ln at its output (ln: its saved
 * statistics); adds the input gradient into g_res. */
static void layernorm_backward(nn_model *m, const gpt_ln *ln, const float *x, int w,
                               int bias, int n)
{
    gpt *s = m->impl;
    nn_params *p = &m->params;
    nn_layernorm_backward_add(s->g_res, nn_param_grad(p, w), nn_param_grad(p, bias),
                              s->g_ln, x, ln->mean, ln->rstd, nn_param_data(p, w), n,
                              s->C);
}

/* The MLP branch of layer l: g_res, the gradient at its output, becomes the
 * gradient at res2 (the skip path passes g_res on; the branch's is added). */
static golu_status mlp_backward(nn_model *m, gpt_layer *ly, int l, int n)
{
    gpt *s = m->impl;
    nn_params *p = &m->params;
    int C = s->C;
    size_t n4 = (size_t)n * 4 * (size_t)C;
    const float *g_out = branch_grad(m, n, l, SITE_MLP); /* (n, C) */
    /* c_proj's weight gradient from its saved input, the activation's
     * output, before dx overwrites it (and then becomes dfch in place). */
    const float *w = nn_param_data(p, ly->mproj_w);
    nn_linear_backward(NULL, nn_param_grad(p, ly->mproj_w), nn_param_grad(p, ly->mproj_b),
                       g_out, ly->fca, w, n, 4 * C, C);
    /* dw NULL: x is not read. */
    nn_linear_backward(ly->fca, NULL, NULL, g_out, NULL, w, n, 4 * C, C);
    golu_status st = nn_actlayer_backward(&ly->act, m, ly->fca, ly->fca, ly->fch, n4);
    if (st != GOLU_OK)
        return st;
    nn_linear_backward(s->g_ln, nn_param_grad(p, ly->fc_w), nn_param_grad(p, ly->fc_b),
                       ly->fca, ly->ln2.y, nn_param_data(p, ly->fc_w), n, C, 4 * C);
    layernorm_backward(m, &ly->ln2, ly->res2, ly->ln2_w, ly->ln2_b, n);
    return GOLU_OK;
}

/* The attention branch, likewise: g_res becomes the gradient at ly->res. */
static void attn_backward(nn_model *m, gpt_layer *ly, int l, int n)
{
    gpt *s = m->impl;
    nn_params *p = &m->params;
    int C = s->C;
    const float *g_out = branch_grad(m, n, l, SITE_ATTN); /* (n, C) */
    float *g_atty = s->g_ln;                              /* (n, C) */
    float *g_qkv = s->wide;                               /* (n, 3C) */
    nn_linear_backward(g_atty, nn_param_grad(p, ly->aproj_w),
                       nn_param_grad(p, ly->aproj_b), g_out, ly->atty,
                       nn_param_data(p, ly->aproj_w), n, C, C);
    nn_attention_backward(g_qkv, g_atty, ly->qkv, ly->att, s->b, s->T, C, s->NH, s->work);
    nn_linear_backward(s->g_ln, nn_param_grad(p, ly->attn_w),
                       nn_param_grad(p, ly->attn_b), g_qkv, ly->ln1.y,
                       nn_param_data(p, ly->attn_w), n, C, 3 * C);
    layernorm_backward(m, &ly->ln1, ly->res, ly->ln1_w, ly->ln1_b, n);
}

/* The head and ln_f: g_res = the gradient at the last layer's output. */
static void head_backward(nn_model *m, int n)
{
    gpt *s = m->impl;
    nn_params *p = &m->params;
    float *dlogits = s->probs; /* (n, V), in place */
    nn_softmax_ce_backward(dlogits, s->probs, s->y, n, s->V, 1.0 / n);
    /* The head's share of wte's gradient. */
    nn_linear_backward(s->g_ln, nn_param_grad(p, s->wte), NULL, dlogits, s->lnf.y,
                       nn_param_data(p, s->wte), n, s->C, s->V);
    nn_layernorm_backward(s->g_res, nn_param_grad(p, s->lnf_w),
                          nn_param_grad(p, s->lnf_b), s->g_ln, s->res_f, s->lnf.mean,
                          s->lnf.rstd, nn_param_data(p, s->lnf_w), n, s->C);
}

/* The embeddings: the input's share of wte's gradient, and wpe's. */
static void embed_backward(nn_model *m, int n)
{
    gpt *s = m->impl;
    nn_params *p = &m->params;
    size_t tc = (size_t)s->T * (size_t)s->C;
    if (s->drop)
        dropout_backward(m, s->g_res, s->g_res, (size_t)n * (size_t)s->C, 0, SITE_EMB);
    nn_embedding_backward(nn_param_grad(p, s->wte), s->g_res, s->x, n, s->C);
    for (int i = 0; i < s->b; i++)
        nn_accumulate(nn_param_grad(p, s->wpe), s->g_res + (size_t)i * tc, tc);
}

static golu_status gpt_backward(nn_model *m)
{
    gpt *s = m->impl;
    int n = s->b * s->T;
    head_backward(m, n);
    for (int l = s->L - 1; l >= 0; l--) {
        gpt_layer *ly = &s->layers[l];
        golu_status st = mlp_backward(m, ly, l, n);
        if (st != GOLU_OK)
            return st;
        attn_backward(m, ly, l, n);
    }
    embed_backward(m, n);
    return GOLU_OK;
}

/* ------------------------------------------------------------------- rest */

static const float *gpt_logits(const nn_model *m)
{
    return ((const gpt *)m->impl)->logits;
}

static void gpt_destroy(nn_model *m)
{
    gpt *s = m->impl;
    for (int l = 0; s->layers && l < s->L; l++) {
        gpt_layer *ly = &s->layers[l];
        free(ly->res);
        free(ly->res2);
        free_ln(&ly->ln1);
        free_ln(&ly->ln2);
        free(ly->qkv);
        free(ly->att);
        free(ly->atty);
        free(ly->fch);
        free(ly->fca);
    }
    free(s->layers);
    free(s->res_f);
    free(s->logits);
    free(s->probs);
    free_ln(&s->lnf);
    free(s->wide);
    free(s->branch);
    free(s->g_res);
    free(s->g_ln);
    free(s->mask);
    free(s->kept);
    free(s->work);
    free(s);
    m->impl = NULL;
}

static const nn_model_ops gpt_ops = {gpt_build,    gpt_init,   gpt_forward,
                                     gpt_backward, gpt_logits, gpt_destroy};

/* ------------------------------------------------------------ descriptor */

static int gpt_check(const nn_config *c, nn_err *err)
{
    if (c->layers < 1)
        return nn_fail(err, "layers: %d (must be at least 1)", c->layers);
    if (c->heads < 1 || c->width < 1 || c->width % c->heads != 0)
        return nn_fail(err, "width %d must be a positive multiple of heads %d", c->width,
                       c->heads);
    if (c->context < 1)
        return nn_fail(err, "context: %d (must be at least 1)", c->context);
    if (c->vocab < 2)
        return nn_fail(err, "vocab: %d (must be at least 2)", c->vocab);
    if (!(c->dropout >= 0.0 && c->dropout < 1.0))
        return nn_fail(err, "dropout: %g (must be in [0, 1))", c->dropout);
    return 0;
}

/* babyGPT's recipe, scaled to a CPU. */
static void gpt_recipe(nn_train_config *c)
{
    c->model.layers = 4, c->model.heads = 4, c->model.width = 128;
    c->model.context = 128, c->model.batch = 16, c->model.dropout = 0.1;
    c->steps = 2000;
    c->lr = 1e-3;
    c->opt = (nn_optim_config){NN_OPT_ADAMW, 0.1, 0.0, 0, 0.9, 0.99, 1e-8};
    c->sched.kind = NN_SCHED_COSINE;
    c->sched.warmup = 100;
    c->sched.min_lr = 1e-4;
    c->clip = 1.0;
}

static void gpt_describe(const nn_config *m, char *buf, size_t size)
{
    nn_str_append(buf, size, "GPT, %d layers, %d heads, width %d, context %d, dropout %g",
                  m->layers, m->heads, m->width, m->context, m->dropout);
}

/* The parameters and buffers gpt_build and alloc_buffers make (registry.h). */
static void gpt_size(const nn_config *c, double *params, double *floats)
{
    double C = c->width, T = c->context, V = c->vocab, L = c->layers, B = c->batch;
    double acts = nn_actlayer_count(&c->act, c->learn_act);
    *params = V * C + T * C + L * (12 * C * C + 13 * C + acts) + 2 * C;
    double bt = B * T, btc = bt * C, att = B * c->heads * T * T;
    *floats = L * (16 * btc + att + 4 * bt) + 8 * btc + 2 * bt * V + 2 * bt +
              (double)nn_attention_workspace(c->context, c->width, c->heads);
    if (c->dropout > 0) /* the mask, and the kept bits as bytes */
        *floats += btc + (2 * L + 1) * (btc / 8) / sizeof(float);
}

static const nn_task_desc *const GPT_TASKS[] = {&nn_task_text, NULL};

const nn_model_desc nn_model_gpt = {
    "gpt",
    "the King James Bible by bytes, 4 layers, 4 heads, width 128, context 128, batch "
    "16, AdamW lr 1e-3 -> 1e-4 (cosine, warmup 100), beta2 0.99, weight decay 0.1, "
    "clip 1, dropout 0.1, 2000 steps.",
    GPT_TASKS,
    &gpt_ops,
    gpt_check,
    gpt_recipe,
    gpt_describe,
    gpt_size};
