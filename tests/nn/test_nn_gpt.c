/*
 * test_nn_gpt.c - the byte-level GPT (src/nn/models/gpt.c) on a tiny
 * configuration: 2 layers, 2 heads, width 8, context 6, vocabulary 11,
 * batch 2.
 *
 *   The parameter table: nanoGPT's names in order, shapes, decay flags,
 *   count and size, with and without activation parameters.
 *   Initialisation: biases 0, LayerNorm 1, the weights' spread (c_proj's
 *   scaled by 1/sqrt(2*layers)), a loss near log(vocab); logits() agrees
 *   with the loss.
 *   The gradient of the whole model against central differences of the
 *   float loss, on a sample of every tensor (all of wte), for GoLU with
 *   learnable parameters, GELU, SiLU and PReLU; and with dropout 0.3 in
 *   training mode (the backward must redraw the forward's masks).
 *   Dropout: the same step gives the same loss, another step another one;
 *   eval mode drops nothing (the same loss at every step, equal to the
 *   dropout-free model's).
 *   Batches smaller than cfg.batch: the loss and the gradient are the
 *   means of the single windows'.
 *   Weight tying: no lm_head tensor; a row of wte moves its logit column
 *   (the head) and, for an input token, every column (the embedding).
 *   Bad batch sizes and tokens are refused.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"
#include "model.h"
#include "registry.h"
#include "rng.h"
#include "util.h"

enum { L = 2, NH = 2, C = 8, T = 6, V = 11, B = 2, BT = B * T };

/* Central differences: step relative to max(|v|, FD_MIN_SCALE); accepted
 * error relative to max(|num|, |ana|, FD_FLOOR). The float forward's
 * rounding (~1e-7 in the loss) over 2h ~ 6e-3 gives ~2e-5 of noise, well
 * under FD_TOL * FD_FLOOR. */
#define FD_REL_STEP  1e-2
#define FD_MIN_SCALE 0.3
#define FD_FLOOR     5e-3
#define FD_TOL       2e-2
/* Entries checked per tensor (all of them in smaller tensors and in wte). */
#define FD_SAMPLE 100000

/* Token 0, 7 and 10 never occur in X (the weight-tying test uses 10). */
static const int32_t X[BT] = {1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9};
static const int32_t Y[BT] = {4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 3};
enum { ABSENT = 10, PRESENT = 5 };

static nn_config tiny(golu_act_kind kind, int learn, double dropout)
{
    nn_config c;
    memset(&c, 0, sizeof c);
    c.desc = nn_model_find("gpt");
    c.act = golu_act_default(kind);
    c.learn_act = learn;
    c.batch = B;
    c.layers = L;
    c.heads = NH;
    c.width = C;
    c.context = T;
    c.vocab = V;
    c.dropout = dropout;
    return c;
}

static nn_model *make(const nn_config *c, uint64_t seed)
{
    nn_model *m = NULL;
    nn_err err = {{0}};
    int rc = nn_model_create(&m, c, seed, 1, &err);
    CHECK(rc == 0 && m, "nn_model_create: %s", err.msg);
    return rc == 0 ? m : NULL;
}

/* The loss of one forward; NAN (and a failed check) on an error status. */
static double run(nn_model *m, const int32_t *x, const int32_t *y, int b, int training,
                  uint64_t step)
{
    double loss = NAN;
    golu_status st = m->ops->forward(m, x, y, b, training, step, &loss);
    if (st != GOLU_OK) /* counted only when it fails: it runs ~20000 times */
        CHECK(0, "forward: %s", golu_status_str(st));
    return loss;
}

/* zero_grad, forward, backward: the gradient of the loss at (x, y). */
static double grad_step(nn_model *m, const int32_t *x, const int32_t *y, int b,
                        int training, uint64_t step)
{
    nn_params_zero_grad(&m->params);
    double loss = run(m, x, y, b, training, step);
    golu_status st = m->ops->backward(m);
    CHECK(st == GOLU_OK, "backward: %s", golu_status_str(st));
    return loss;
}

static const nn_param *param(const nn_model *m, const char *name)
{
    int i = nn_params_find(&m->params, name);
    CHECK(i >= 0, "no tensor %s", name);
    return i >= 0 ? &m->params.list[i] : NULL;
}

/* ------------------------------------------------------ parameter table */

/* Appends one expected entry; returns its element count. */
static size_t expect(char names[][NN_PARAM_NAME_MAX], int shapes[][2], int *n,
                     const char *name, int d0, int d1)
{
    snprintf(names[*n], NN_PARAM_NAME_MAX, "%s", name);
    shapes[*n][0] = d0;
    shapes[*n][1] = d1;
    (*n)++;
    return (size_t)d0 * (size_t)(d1 ? d1 : 1);
}

/* nanoGPT's tensors in registration order; returns the count. */
static int expected_table(char names[][NN_PARAM_NAME_MAX], int shapes[][2], size_t *total,
                          const char *const *act_leaves, int nact)
{
    static const struct {
        const char *leaf;
        int d0, d1; /* in units of C (0: none) */
    } LAYER[] = {{"ln_1.weight", 1, 0},        {"ln_1.bias", 1, 0},
                 {"attn.c_attn.weight", 3, 1}, {"attn.c_attn.bias", 3, 0},
                 {"attn.c_proj.weight", 1, 1}, {"attn.c_proj.bias", 1, 0},
                 {"ln_2.weight", 1, 0},        {"ln_2.bias", 1, 0},
                 {"mlp.c_fc.weight", 4, 1},    {"mlp.c_fc.bias", 4, 0},
                 {"mlp.c_proj.weight", 1, 4},  {"mlp.c_proj.bias", 1, 0}};
    char name[NN_PARAM_NAME_MAX];
    int n = 0;
    *total = expect(names, shapes, &n, "transformer.wte.weight", V, C);
    *total += expect(names, shapes, &n, "transformer.wpe.weight", T, C);
    for (int l = 0; l < L; l++)
        for (int k = 0; k < 12; k++) {
            if (k == 10) /* the activation sits between c_fc and c_proj */
                for (int a = 0; a < nact; a++) {
                    snprintf(name, sizeof name, "transformer.h.%d.mlp.act.%s", l,
                             act_leaves[a]);
                    *total += expect(names, shapes, &n, name, 1, 0);
                }
            snprintf(name, sizeof name, "transformer.h.%d.%s", l, LAYER[k].leaf);
            *total += expect(names, shapes, &n, name, LAYER[k].d0 * C, LAYER[k].d1 * C);
        }
    *total += expect(names, shapes, &n, "transformer.ln_f.weight", C, 0);
    *total += expect(names, shapes, &n, "transformer.ln_f.bias", C, 0);
    return n;
}

static void check_table(golu_act_kind kind, int learn, const char *const *leaves,
                        int nact)
{
    enum { MAXP = 2 + L * 15 + 2 };
    char names[MAXP][NN_PARAM_NAME_MAX];
    int shapes[MAXP][2];
    size_t total = 0;
    int n = expected_table(names, shapes, &total, leaves, nact);
    nn_config c = tiny(kind, learn, 0.0);
    nn_model *m = make(&c, 1);
    if (!m)
        return;
    const nn_params *p = &m->params;
    CHECK_INT(p->count, n);
    for (int i = 0; i < n && i < p->count; i++) {
        const nn_param *t = &p->list[i];
        int ndim = shapes[i][1] ? 2 : 1;
        CHECK(strcmp(t->name, names[i]) == 0, "tensor %d: %s, want %s", i, t->name,
              names[i]);
        CHECK(t->ndim == ndim && t->shape[0] == shapes[i][0] &&
                  (ndim == 1 || t->shape[1] == shapes[i][1]),
              "%s: shape (%d, %d) ndim %d, want (%d, %d)", t->name, t->shape[0],
              t->ndim > 1 ? t->shape[1] : 0, t->ndim, shapes[i][0], shapes[i][1]);
        CHECK(t->flags == (ndim == 2 ? (unsigned)NN_PARAM_DECAY : 0u), "%s: flags %u",
              t->name, t->flags);
    }
    CHECK(nn_params_trainable(p) == total, "trainable %zu, want %zu",
          nn_params_trainable(p), total);
    CHECK(nn_params_find(p, "lm_head.weight") < 0, "the head must be tied to wte");
    nn_model_destroy(m);
}

static void test_table(void)
{
    static const char *const GOLU_LEAVES[] = {"alpha", "beta", "gamma"};
    static const char *const PRELU_LEAVES[] = {"weight"};
    check_table(GOLU_ACT_GOLU, 1, GOLU_LEAVES, 3);
    check_table(GOLU_ACT_GOLU, 0, NULL, 0);
    check_table(GOLU_ACT_GELU, 0, NULL, 0);
    check_table(GOLU_ACT_PRELU, 0, PRELU_LEAVES, 1);
}

/* ------------------------------------------------------------------ init */

static double tensor_std(const nn_model *m, const char *name)
{
    const nn_param *t = param(m, name);
    if (!t)
        return NAN;
    const float *v = m->params.data + t->offset;
    double s = 0;
    for (size_t k = 0; k < t->numel; k++)
        s += (double)v[k] * v[k];
    return sqrt(s / (double)t->numel);
}

/* Every element of the tensor equals v. */
static int all_equal(const nn_model *m, const nn_param *t, float v)
{
    const float *d = m->params.data + t->offset;
    for (size_t k = 0; k < t->numel; k++)
        if (d[k] != v)
            return 0;
    return 1;
}

/* The mean cross-entropy of logits (BT, V) against Y, in double. */
static double ce_of_logits(const float *z)
{
    double loss = 0;
    for (int i = 0; i < BT; i++) {
        const float *r = z + (size_t)i * V;
        double mx = r[0], s = 0;
        for (int j = 1; j < V; j++)
            mx = fmax(mx, r[j]);
        for (int j = 0; j < V; j++)
            s += exp(r[j] - mx);
        loss += log(s) - (r[Y[i]] - mx);
    }
    return loss / BT;
}

static void test_init(void)
{
    nn_config c = tiny(GOLU_ACT_GOLU, 1, 0.0);
    nn_model *m = make(&c, 42);
    if (!m)
        return;
    for (int i = 0; i < m->params.count; i++) {
        const nn_param *t = &m->params.list[i];
        size_t len = strlen(t->name);
        if (len > 5 && strcmp(t->name + len - 5, ".bias") == 0)
            CHECK(all_equal(m, t, 0.0f), "%s: not zero at init", t->name);
        else if (strstr(t->name, "ln_") && t->ndim == 1)
            CHECK(all_equal(m, t, 1.0f), "%s: not one at init", t->name);
        else if (strstr(t->name, ".act."))
            CHECK(all_equal(m, t, 1.0f), "%s: GoLU's parameters start at 1", t->name);
    }
    /* N(0, 0.02); c_proj N(0, 0.02/sqrt(2*2)) = 0.01. Sample spreads of
     * 48..256 values: within ~25%. */
    const struct {
        const char *name;
        double std;
    } SPREAD[] = {{"transformer.wte.weight", 0.02},
                  {"transformer.wpe.weight", 0.02},
                  {"transformer.h.0.attn.c_attn.weight", 0.02},
                  {"transformer.h.1.mlp.c_fc.weight", 0.02},
                  {"transformer.h.0.attn.c_proj.weight", 0.01},
                  {"transformer.h.1.mlp.c_proj.weight", 0.01}};
    for (size_t k = 0; k < sizeof SPREAD / sizeof SPREAD[0]; k++) {
        double s = tensor_std(m, SPREAD[k].name);
        CHECK(fabs(s / SPREAD[k].std - 1) < 0.25, "%s: std %g, want about %g",
              SPREAD[k].name, s, SPREAD[k].std);
    }
    double loss = run(m, X, Y, B, 1, 0);
    CHECK(fabs(loss - log((double)V)) < 0.05,
          "loss at init %.6f, want about log(%d) = %.6f", loss, V, log((double)V));
    double direct = ce_of_logits(m->ops->logits(m));
    CHECK(fabs(direct - loss) < 1e-6 * loss, "logits() give loss %.9f, forward %.9f",
          direct, loss);
    /* Two models from one seed are the same; another seed differs. */
    nn_model *m2 = make(&c, 42), *m3 = make(&c, 43);
    if (m2 && m3) {
        size_t bytes = m->params.total * sizeof(float);
        CHECK(memcmp(m->params.data, m2->params.data, bytes) == 0,
              "same seed, other values");
        CHECK(memcmp(m->params.data, m3->params.data, bytes) != 0,
              "another seed, same values");
    }
    nn_model_destroy(m2);
    nn_model_destroy(m3);
    nn_model_destroy(m);
}

/* --------------------------------------------------------------- gradient */

/* Values away from init's near-zero regime, so that attention is peaked,
 * the activation is used across its nonlinearity, and the gradients are
 * large enough for float differences: matrices U(-0.5, 0.5), biases
 * U(-0.2, 0.2), LayerNorm weights 1 + U(-0.3, 0.3), activation parameters
 * their initial value + U(-0.1, 0.1). */
static void randomise(nn_model *m, uint64_t seed)
{
    rng r = {seed};
    for (int i = 0; i < m->params.count; i++) {
        const nn_param *t = &m->params.list[i];
        float *v = m->params.data + t->offset;
        size_t len = strlen(t->name);
        int is_bias = len > 5 && strcmp(t->name + len - 5, ".bias") == 0;
        for (size_t k = 0; k < t->numel; k++) {
            if (t->ndim == 2)
                v[k] = (float)rng_range(&r, -0.5, 0.5);
            else if (is_bias)
                v[k] = (float)rng_range(&r, -0.2, 0.2);
            else if (strstr(t->name, ".act."))
                v[k] += (float)rng_range(&r, -0.1, 0.1);
            else
                v[k] = (float)(1 + rng_range(&r, -0.3, 0.3));
        }
    }
}

/* The central difference of the loss in data[k]. */
static double numeric(nn_model *m, float *data, size_t k, int training, uint64_t step)
{
    float v = data[k];
    double h = FD_REL_STEP * fmax(fabs(v), FD_MIN_SCALE);
    float up = (float)(v + h), down = (float)(v - h);
    data[k] = up;
    double lp = run(m, X, Y, B, training, step);
    data[k] = down;
    double lm = run(m, X, Y, B, training, step);
    data[k] = v;
    return (lp - lm) / ((double)up - (double)down);
}

/* Checks the gradient of every tensor on a sample of its entries; returns
 * the worst relative error. */
static double gradcheck(nn_model *m, const char *label, int training, uint64_t step)
{
    nn_params *p = &m->params;
    grad_step(m, X, Y, B, training, step);
    float *g = malloc(p->total * sizeof *g);
    if (!CHECK(g, "out of memory"))
        return INFINITY;
    memcpy(g, p->grad, p->total * sizeof *g);
    rng r = {0x6a09e667f3bcc908ull};
    double max_err_all = 0;
    for (int i = 0; i < p->count; i++) {
        const nn_param *t = &p->list[i];
        int all = t->numel <= FD_SAMPLE || strcmp(t->name, "transformer.wte.weight") == 0;
        size_t count = all ? t->numel : FD_SAMPLE, bad_k = 0;
        double max_err = 0, bad_num = 0;
        for (size_t j = 0; j < count; j++) {
            size_t k = all ? j : (size_t)(rng_next(&r) % t->numel);
            double num = numeric(m, p->data + t->offset, k, training, step);
            double ana = g[t->offset + k];
            double e = fabs(num - ana) / fmax(fmax(fabs(num), fabs(ana)), FD_FLOOR);
            if (!(e <= max_err)) {
                max_err = e;
                bad_k = k;
                bad_num = num;
            }
        }
        CHECK(max_err <= FD_TOL,
              "%s: %s[%zu]: analytic %.6g, numeric %.6g (rel. error %.3g)", label,
              t->name, bad_k, g[t->offset + bad_k], bad_num, max_err);
        max_err_all = fmax(max_err_all, max_err);
    }
    /* Gradients are not all ~0 (a check that would pass trivially). */
    double norm = 0;
    for (size_t k = 0; k < p->total; k++)
        norm += (double)g[k] * g[k];
    CHECK(sqrt(norm) > 0.1, "%s: gradient norm %g", label, sqrt(norm));
    free(g);
    return max_err_all;
}

static void test_gradient(golu_act_kind kind, int learn, double dropout,
                          const char *label)
{
    nn_config c = tiny(kind, learn, dropout);
    nn_model *m = make(&c, 7);
    if (!m)
        return;
    randomise(m, 99);
    double max_err = gradcheck(m, label, dropout > 0, 3);
    printf("  gradient %-12s worst relative error %.2e\n", label, max_err);
    nn_model_destroy(m);
}

/* -------------------------------------------------------------- reference */

/* nanoGPT's forward written out with the double layers, from the model's
 * parameters; its dropout masks follow gpt.c's documented streams,
 * nn_rng_stream("gpt.dropout.{emb,attn,mlp}", step, layer). */
typedef struct ref {
    const nn_model *m;
    double *p; /* the parameters in double */
    int drop;
    uint64_t step;
    double h[BT * C], h2[BT * C], ln[BT * C], mean[BT], rstd[BT];
    double qkv[BT * 3 * C], att[B * NH * T * T], y[BT * C], br[BT * C];
    double fc[BT * 4 * C], mask[BT * 4 * C], logits[BT * V], probs[BT * V];
    double *work;
} ref;

/* A tensor of the model, by name, in double. */
static const double *ref_param(const ref *r, const char *name)
{
    int i = nn_params_find(&r->m->params, name);
    CHECK(i >= 0, "reference: no tensor %s", name);
    return i >= 0 ? r->p + r->m->params.list[i].offset : r->p;
}

/* "transformer.h.{l}.<leaf>" */
static const double *ref_layer_param(const ref *r, int l, const char *leaf)
{
    char name[NN_PARAM_NAME_MAX];
    snprintf(name, sizeof name, "transformer.h.%d.%s", l, leaf);
    return ref_param(r, name);
}

static void ref_dropout(ref *r, double *x, size_t n, const char *site, int l)
{
    if (r->drop)
        nn_dropout_forward_f64(x, r->mask, x, n, r->m->cfg.dropout, r->m->seed,
                               nn_rng_stream(site, r->step, (uint64_t)l), 0);
}

/* r->ln = LayerNorm(x) with gamma, beta. */
static void ref_ln(ref *r, const double *x, const double *gamma, const double *beta)
{
    nn_layernorm_forward_f64(r->ln, r->mean, r->rstd, x, gamma, beta, BT, C, 1e-5);
}

/* The block's activation with its current parameters. */
static golu_act ref_act(const ref *r, int l)
{
    static const char *const LEAF[3] = {"mlp.act.alpha", "mlp.act.beta", "mlp.act.gamma"};
    golu_act act = r->m->cfg.act;
    double *dst[3] = {&act.alpha, &act.beta, &act.gamma};
    char name[NN_PARAM_NAME_MAX];
    for (int k = 0; k < 3; k++) {
        const char *leaf = act.kind == GOLU_ACT_PRELU ? "mlp.act.weight" : LEAF[k];
        snprintf(name, sizeof name, "transformer.h.%d.%s", l, leaf);
        int i = nn_params_find(&r->m->params, name);
        if (i >= 0 && (act.kind != GOLU_ACT_PRELU || k == 0))
            *dst[k] = r->p[r->m->params.list[i].offset];
    }
    return act;
}

/* r->h = block l (r->h). */
static void ref_block(ref *r, int l)
{
#define RP(leaf) ref_layer_param(r, l, leaf)
    ref_ln(r, r->h, RP("ln_1.weight"), RP("ln_1.bias"));
    nn_linear_forward_f64(r->qkv, r->ln, RP("attn.c_attn.weight"), RP("attn.c_attn.bias"),
                          BT, C, 3 * C);
    nn_attention_forward_f64(r->y, r->att, r->qkv, B, T, C, NH, r->work);
    nn_linear_forward_f64(r->br, r->y, RP("attn.c_proj.weight"), RP("attn.c_proj.bias"),
                          BT, C, C);
    ref_dropout(r, r->br, BT * C, "gpt.dropout.attn", l);
    nn_add_f64(r->h2, r->h, r->br, BT * C);
    ref_ln(r, r->h2, RP("ln_2.weight"), RP("ln_2.bias"));
    nn_linear_forward_f64(r->fc, r->ln, RP("mlp.c_fc.weight"), RP("mlp.c_fc.bias"), BT, C,
                          4 * C);
    golu_act act = ref_act(r, l);
    CHECK_ST(nn_act_forward_f64(r->m->ctx, &act, r->fc, r->fc, BT * 4 * C), GOLU_OK);
    nn_linear_forward_f64(r->br, r->fc, RP("mlp.c_proj.weight"), RP("mlp.c_proj.bias"),
                          BT, 4 * C, C);
    ref_dropout(r, r->br, BT * C, "gpt.dropout.mlp", l);
    nn_add_f64(r->h, r->h2, r->br, BT * C);
#undef RP
}

/* The reference loss of the full batch; logits in r->logits. */
static double ref_loss(ref *r, int training, uint64_t step)
{
    r->drop = training && r->m->cfg.dropout > 0;
    r->step = step;
    const double *wte = ref_param(r, "transformer.wte.weight");
    const double *wpe = ref_param(r, "transformer.wpe.weight");
    nn_embedding_forward_f64(r->h, wte, X, BT, C);
    for (int i = 0; i < B; i++)
        nn_accumulate_f64(r->h + i * T * C, wpe, T * C);
    ref_dropout(r, r->h, BT * C, "gpt.dropout.emb", 0);
    for (int l = 0; l < L; l++)
        ref_block(r, l);
    ref_ln(r, r->h, ref_param(r, "transformer.ln_f.weight"),
           ref_param(r, "transformer.ln_f.bias"));
    nn_linear_forward_f64(r->logits, r->ln, wte, NULL, BT, C, V);
    return nn_softmax_ce_forward_f64(r->probs, r->logits, Y, BT, V);
}

/* The model's loss and logits against the reference's. */
static void check_reference(nn_model *m, int training, uint64_t step, const char *label)
{
    ref *r = calloc(1, sizeof *r);
    double *p = malloc(m->params.total * sizeof *p);
    double *work = malloc((nn_attention_workspace(T, C, NH) + 1) * sizeof *work);
    if (!CHECK(r && p && work, "out of memory"))
        goto out;
    for (size_t k = 0; k < m->params.total; k++)
        p[k] = m->params.data[k];
    r->m = m;
    r->p = p;
    r->work = work;
    double want = ref_loss(r, training, step);
    double got = run(m, X, Y, B, training, step);
    CHECK(fabs(got - want) <= 1e-5 * want, "%s: loss %.9g, reference %.9g", label, got,
          want);
    const float *z = m->ops->logits(m);
    double diff = 0, scale = 0;
    for (int k = 0; k < BT * V; k++) {
        diff = fmax(diff, fabs(z[k] - r->logits[k]));
        scale = fmax(scale, fabs(r->logits[k]));
    }
    CHECK(diff <= 1e-5 * scale, "%s: logits differ by %g (largest %g)", label, diff,
          scale);
out:
    free(work);
    free(p);
    free(r);
}

static void test_reference(golu_act_kind kind, int learn, double dropout,
                           const char *label)
{
    nn_config c = tiny(kind, learn, dropout);
    nn_model *m = make(&c, 17);
    if (!m)
        return;
    randomise(m, 23);
    check_reference(m, 1, 4, label);
    if (dropout > 0) {
        check_reference(m, 1, 5, label);
        check_reference(m, 0, 4, label);
    }
    nn_model_destroy(m);
}

/* ---------------------------------------------------------------- dropout */

static void test_dropout(void)
{
    nn_config c = tiny(GOLU_ACT_GELU, 0, 0.3), c0 = tiny(GOLU_ACT_GELU, 0, 0.0);
    nn_model *m = make(&c, 5), *m0 = make(&c0, 5);
    if (!m || !m0)
        goto out;
    randomise(m, 11);
    memcpy(m0->params.data, m->params.data, m->params.total * sizeof(float));
    double a = run(m, X, Y, B, 1, 7), a2 = run(m, X, Y, B, 1, 7);
    double b = run(m, X, Y, B, 1, 8);
    CHECK(a == a2, "dropout: step 7 twice: %.9g then %.9g", a, a2);
    CHECK(fabs(a - b) > 1e-4, "dropout: steps 7 and 8 give %.9g and %.9g", a, b);
    double e7 = run(m, X, Y, B, 0, 7), e8 = run(m, X, Y, B, 0, 8);
    double plain = run(m0, X, Y, B, 1, 7);
    CHECK(e7 == e8, "eval: steps 7 and 8 give %.9g and %.9g", e7, e8);
    CHECK(e7 == plain, "eval %.9g, the dropout-free model %.9g", e7, plain);
    CHECK(fabs(a - e7) > 1e-4, "training %.9g equals eval %.9g", a, e7);
    /* A model with another seed draws other masks at the same step. */
    nn_model *m2 = make(&c, 6);
    if (m2) {
        memcpy(m2->params.data, m->params.data, m->params.total * sizeof(float));
        double o = run(m2, X, Y, B, 1, 7);
        CHECK(fabs(o - a) > 1e-4, "seeds 5 and 6: %.9g and %.9g", a, o);
    }
    nn_model_destroy(m2);
out:
    nn_model_destroy(m);
    nn_model_destroy(m0);
}

/* ------------------------------------------------------------ small batch */

/* Forward and backward on one window (b = 1) and on both (b = 2): the loss
 * and gradient of two windows are the means of each one's. */
static void test_small_batch(void)
{
    nn_config c = tiny(GOLU_ACT_SILU, 0, 0.0);
    nn_model *m = make(&c, 3);
    if (!m)
        return;
    randomise(m, 21);
    nn_params *p = &m->params;
    float *g = calloc(p->total, sizeof *g);
    if (!CHECK(g, "out of memory"))
        goto out;
    double l0 = grad_step(m, X, Y, 1, 1, 0);
    memcpy(g, p->grad, p->total * sizeof *g);
    double l1 = grad_step(m, X + T, Y + T, 1, 1, 0);
    for (size_t k = 0; k < p->total; k++)
        g[k] = (g[k] + p->grad[k]) / 2;
    double both = grad_step(m, X, Y, 2, 1, 0);
    CHECK(fabs(both - (l0 + l1) / 2) < 1e-6 * both, "b=2 loss %.9g, mean of b=1 %.9g",
          both, (l0 + l1) / 2);
    double max_err = 0, scale = 0;
    for (size_t k = 0; k < p->total; k++) {
        max_err = fmax(max_err, fabs(g[k] - p->grad[k]));
        scale = fmax(scale, fabs(p->grad[k]));
    }
    CHECK(max_err <= 1e-5 * scale, "b=2 gradient vs mean of b=1: max diff %g (max %g)",
          max_err, scale);
out:
    free(g);
    nn_model_destroy(m);
}

/* ---------------------------------------------------------- weight tying */

/* Columns of logits (BT, V) that differ between a and b, as a bit mask. */
static unsigned changed_columns(const float *a, const float *b)
{
    unsigned mask = 0;
    for (int i = 0; i < BT; i++)
        for (int j = 0; j < V; j++)
            if (a[(size_t)i * V + j] != b[(size_t)i * V + j])
                mask |= 1u << j;
    return mask;
}

/* Adds 0.5 to row `tok` of wte; returns which logit columns moved. */
static unsigned move_row(nn_model *m, int tok)
{
    float before[BT * V];
    run(m, X, Y, B, 0, 0);
    memcpy(before, m->ops->logits(m), sizeof before);
    const nn_param *wte = param(m, "transformer.wte.weight");
    if (!wte)
        return 0;
    float *row = m->params.data + wte->offset + (size_t)tok * C;
    for (int j = 0; j < C; j++)
        row[j] += 0.5f;
    run(m, X, Y, B, 0, 0);
    unsigned changed = changed_columns(before, m->ops->logits(m));
    for (int j = 0; j < C; j++)
        row[j] -= 0.5f;
    return changed;
}

static void test_tying(void)
{
    nn_config c = tiny(GOLU_ACT_GOLU, 0, 0.0);
    nn_model *m = make(&c, 9);
    if (!m)
        return;
    randomise(m, 31);
    /* A token absent from the input: only the head uses its row. */
    unsigned absent = move_row(m, ABSENT);
    CHECK(absent == 1u << ABSENT, "row %d of wte moved logit columns %#x, want only %#x",
          ABSENT, absent, 1u << ABSENT);
    /* A token in the input: its embedding moves every hidden state after it. */
    unsigned present = move_row(m, PRESENT);
    CHECK(present == (1u << V) - 1, "row %d of wte moved logit columns %#x, want all",
          PRESENT, present);
    /* The head's share of the gradient reaches an absent token's row. */
    grad_step(m, X, Y, B, 1, 0);
    const nn_param *wte = param(m, "transformer.wte.weight");
    double s = 0;
    for (int j = 0; wte && j < C; j++)
        s += fabs(m->params.grad[wte->offset + (size_t)ABSENT * C + j]);
    CHECK(s > 1e-4, "no gradient into row %d of wte from the head (%g)", ABSENT, s);
    nn_model_destroy(m);
}

/* ----------------------------------------------------------------- errors */

static void test_errors(void)
{
    nn_config c = tiny(GOLU_ACT_GELU, 0, 0.0);
    nn_model *m = make(&c, 1);
    if (!m)
        return;
    double loss = 0;
    int32_t bad[BT];
    memcpy(bad, X, sizeof bad);
    bad[7] = V;
    CHECK_ST(m->ops->forward(m, X, Y, 0, 1, 0, &loss), GOLU_ERR_SHAPE);
    CHECK_ST(m->ops->forward(m, X, Y, B + 1, 1, 0, &loss), GOLU_ERR_SHAPE);
    CHECK_ST(m->ops->forward(m, bad, Y, B, 1, 0, &loss), GOLU_ERR_PARAM);
    CHECK_ST(m->ops->forward(m, X, bad, B, 1, 0, &loss), GOLU_ERR_PARAM);
    bad[7] = -1;
    CHECK_ST(m->ops->forward(m, bad, Y, B, 1, 0, &loss), GOLU_ERR_PARAM);
    nn_model_destroy(m);
}

int main(void)
{
    TEST_BEGIN("nn_gpt");
    test_table();
    test_init();
    test_reference(GOLU_ACT_GOLU, 1, 0.0, "golu");
    test_reference(GOLU_ACT_PRELU, 0, 0.0, "prelu");
    test_reference(GOLU_ACT_SILU, 0, 0.3, "silu+drop");
    test_gradient(GOLU_ACT_GOLU, 1, 0.0, "golu");
    test_gradient(GOLU_ACT_GELU, 0, 0.0, "gelu");
    test_gradient(GOLU_ACT_SILU, 0, 0.0, "silu");
    test_gradient(GOLU_ACT_PRELU, 0, 0.0, "prelu");
    test_gradient(GOLU_ACT_GELU, 0, 0.3, "gelu+drop");
    test_dropout();
    test_small_batch();
    test_tying();
    test_errors();
    return TEST_END();
}
