/*
 * test_nn_resnet.c - the CIFAR-style ResNet (src/nn/models/resnet.c).
 *
 *   - the parameter table: names in the torch twin's order, shapes, flags,
 *     counts (ResNet-20 on CIFAR-10 has 269,722 trainable parameters);
 *   - PyTorch's default initialisation (bounds, BatchNorm's constants);
 *   - the forward against a double reference written here from the f64
 *     layers: this checks the wiring (stem, stage widths and strides, where
 *     the activations sit, the option-A shortcuts, the head), in training and
 *     in eval mode, for a full and a partial batch, on odd image sizes too;
 *   - BatchNorm's running statistics after training forwards (torch's rule,
 *     against the stem conv computed here), and that eval mode uses them;
 *   - the gradients of every trainable tensor against central finite
 *     differences of the float loss, for GoLU with learnable parameters,
 *     GELU, PReLU and Mish, in training mode and in eval mode; and that the
 *     backward adds into the gradients rather than overwriting them;
 *   - ReLU's and LeakyReLU's gradients, taken from the kept outputs, the
 *     same bits as PReLU's with the same fixed slope, which recomputes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "layers.h"
#include "model.h"
#include "registry.h"
#include "params.h"

#define CLASSES 3
#define SIDE    8

/* ---------------------------------------------------------------- helpers */

static nn_config small_cfg(int in_c, int h, int w, golu_act_kind kind, int learn,
                           int batch)
{
    nn_config c;
    memset(&c, 0, sizeof c);
    c.desc = nn_model_find("resnet");
    c.act = golu_act_default(kind);
    c.learn_act = learn;
    c.batch = batch;
    c.in_c = in_c;
    c.in_h = h;
    c.in_w = w;
    c.classes = CLASSES;
    c.depth = 8;
    c.width = 4;
    return c;
}

static nn_model *make(const nn_config *c, uint64_t seed)
{
    nn_model *m = NULL;
    nn_err err = {{0}};
    if (!CHECK(nn_model_create(&m, c, seed, 1, &err) == 0, "nn_model_create: %s",
               err.msg))
        return NULL;
    return m;
}

/* Inputs in [-1, 1) from a fixed LCG; targets cycling over the classes. */
static void make_batch(float *x, int32_t *y, int b, size_t img, unsigned seed)
{
    unsigned s = seed * 2654435761u + 12345u;
    for (size_t i = 0; i < (size_t)b * img; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)((s >> 8) / 8388608.0 - 1.0);
    }
    for (int i = 0; i < b; i++)
        y[i] = (int32_t)((i + seed) % CLASSES);
}

static double run_forward(nn_model *m, const float *x, const int32_t *y, int b,
                          int training)
{
    double loss = NAN;
    golu_status st = m->ops->forward(m, x, y, b, training, 0, &loss);
    CHECK(st == GOLU_OK, "forward: %s", golu_status_str(st));
    return loss;
}

static int param(const nn_model *m, const char *name)
{
    int i = nn_params_find(&m->params, name);
    CHECK(i >= 0, "no tensor %s", name);
    return i;
}

/* ------------------------------------------------------ the parameter table */

typedef struct want_param {
    char name[NN_PARAM_NAME_MAX];
    int ndim, shape[4];
    unsigned flags;
} want_param;

static void want(want_param *w, int *n, const char *name, int ndim, int d0, int d1,
                 unsigned flags)
{
    want_param *p = &w[(*n)++];
    snprintf(p->name, sizeof p->name, "%s", name);
    p->ndim = ndim;
    p->shape[0] = d0;
    p->shape[1] = d1;
    p->shape[2] = p->shape[3] = 3; /* only conv weights have 4 dims */
    p->flags = flags;
}

static void want_conv(want_param *w, int *n, const char *pre, int cin, int cout)
{
    char name[NN_PARAM_NAME_MAX];
    snprintf(name, sizeof name, "%.64s.weight", pre);
    want(w, n, name, 4, cout, cin, NN_PARAM_DECAY);
}

static void want_bn(want_param *w, int *n, const char *pre, int c)
{
    static const char *const leaf[4] = {"weight", "bias", "running_mean", "running_var"};
    char name[NN_PARAM_NAME_MAX];
    for (int k = 0; k < 4; k++) {
        snprintf(name, sizeof name, "%.64s.%s", pre, leaf[k]);
        want(w, n, name, 1, c, 0, k < 2 ? 0 : NN_PARAM_BUFFER);
    }
}

/* GoLU with learn_act: alpha, beta, gamma; PReLU: weight; else nothing. */
static void want_act(want_param *w, int *n, const char *pre, const nn_config *c)
{
    static const char *const golu[3] = {"alpha", "beta", "gamma"};
    char name[NN_PARAM_NAME_MAX];
    int count = c->act.kind == GOLU_ACT_PRELU                  ? 1
                : c->act.kind == GOLU_ACT_GOLU && c->learn_act ? 3
                                                               : 0;
    for (int k = 0; k < count; k++) {
        snprintf(name, sizeof name, "%.64s.%s", pre,
                 c->act.kind == GOLU_ACT_PRELU ? "weight" : golu[k]);
        want(w, n, name, 1, 1, 0, 0);
    }
}

/* The expected table, in the torch twin's state_dict order. */
static int expected_table(want_param *w, const nn_config *c)
{
    int n = 0, nb = (c->depth - 2) / 6, cin = c->width;
    char pre[64], name[NN_PARAM_NAME_MAX];
    want_conv(w, &n, "conv1", c->in_c, c->width);
    want_bn(w, &n, "bn1", c->width);
    want_act(w, &n, "act", c);
    for (int stage = 0; stage < 3; stage++)
        for (int j = 0; j < nb; j++) {
            int cout = c->width << stage;
            snprintf(pre, sizeof pre, "layer%d.%d", stage + 1, j);
            snprintf(name, sizeof name, "%s.conv1", pre);
            want_conv(w, &n, name, cin, cout);
            snprintf(name, sizeof name, "%s.bn1", pre);
            want_bn(w, &n, name, cout);
            snprintf(name, sizeof name, "%s.act1", pre);
            want_act(w, &n, name, c);
            snprintf(name, sizeof name, "%s.conv2", pre);
            want_conv(w, &n, name, cout, cout);
            snprintf(name, sizeof name, "%s.bn2", pre);
            want_bn(w, &n, name, cout);
            snprintf(name, sizeof name, "%s.act2", pre);
            want_act(w, &n, name, c);
            cin = cout;
        }
    want(w, &n, "linear.weight", 2, c->classes, 4 * c->width, NN_PARAM_DECAY);
    want(w, &n, "linear.bias", 1, c->classes, 0, 0);
    return n;
}

static void check_table(const nn_config *c)
{
    nn_model *m = make(c, 1);
    if (!m)
        return;
    want_param *w = calloc(1024, sizeof *w);
    int n = expected_table(w, c);
    const nn_params *p = &m->params;
    CHECK_EQ_INT(p->count, n);
    size_t total = 0, buffers = 0;
    for (int i = 0; i < n && i < p->count; i++) {
        const nn_param *q = &p->list[i];
        int same = strcmp(q->name, w[i].name) == 0 && q->ndim == w[i].ndim &&
                   q->flags == w[i].flags;
        size_t numel = 1;
        for (int d = 0; d < w[i].ndim; d++) {
            same &= q->shape[d] == w[i].shape[d];
            numel *= (size_t)w[i].shape[d];
        }
        CHECK(same && q->numel == numel,
              "tensor %d: %s (ndim %d, flags %u), want %s (ndim %d, flags %u)", i,
              q->name, q->ndim, q->flags, w[i].name, w[i].ndim, w[i].flags);
        total += numel;
        buffers += w[i].flags & NN_PARAM_BUFFER ? numel : 0;
    }
    CHECK(nn_params_trainable(p) == total - buffers, "trainable %zu, want %zu",
          nn_params_trainable(p), total - buffers);
    free(w);
    nn_model_destroy(m);
}

/* The closed forms: conv weights, BN (2 trainable + 2 buffers per channel),
 * the head, and k parameters per activation layer (1 + 6n of them). */
static void check_counts(void)
{
    nn_config c = small_cfg(3, 32, 32, GOLU_ACT_RELU, 0, 1);
    c.depth = 20;
    c.width = 16;
    c.classes = 10;
    nn_model *m = make(&c, 1);
    if (m) {
        CHECK(nn_params_trainable(&m->params) == 269722,
              "ResNet-20: %zu trainable, want 269722", nn_params_trainable(&m->params));
        CHECK(m->params.count == 1 + 4 + 9 * (2 + 8) + 2, "ResNet-20: %d tensors",
              m->params.count);
        nn_model_destroy(m);
    }
    c = small_cfg(1, SIDE, SIDE, GOLU_ACT_GOLU, 1, 2); /* depth 8, width 4 */
    m = make(&c, 1);
    if (m) {
        /* convs 1*4*9 + (4*4 + 4*4 + 4*8 + 8*8 + 8*16 + 16*16)*9, BN 2*(4+2*(4+8+16)),
         * linear 16*3+3, 7 GoLU layers of 3 */
        size_t want = 36 + 9 * (16 + 16 + 32 + 64 + 128 + 256) + 2 * 60 + 51 + 21;
        CHECK(nn_params_trainable(&m->params) == want, "depth 8: %zu trainable, want %zu",
              nn_params_trainable(&m->params), want);
        nn_model_destroy(m);
    }
}

/* ------------------------------------------------------------ initialisation */

/* The uniform bound of a weight tensor (conv: 1/sqrt(cin*9); linear weight
 * and bias: 1/sqrt(in)), or -1 for a tensor initialised to a constant. */
static double init_bound(const nn_param *q)
{
    if (q->ndim == 4)
        return 1.0 / sqrt(9.0 * q->shape[1]);
    if (q->ndim == 2)
        return 1.0 / sqrt((double)q->shape[1]);
    if (strcmp(q->name, "linear.bias") == 0)
        return 0.25; /* 1/sqrt(4w) with w = 4 */
    return -1;
}

/* The constant of the other tensors: BN weight and running_var 1, BN bias and
 * running_mean 0, PReLU's slope (a weight of one element) 0.25. */
static float init_const(const nn_param *q)
{
    const char *leaf = strrchr(q->name, '.') + 1;
    if (strcmp(leaf, "weight") == 0)
        return q->shape[0] == 1 ? 0.25f : 1.0f;
    return strcmp(leaf, "running_var") == 0 ? 1.0f : 0.0f;
}

static void check_init(void)
{
    nn_config c = small_cfg(3, SIDE, SIDE, GOLU_ACT_PRELU, 0, 2);
    nn_model *m = make(&c, 7);
    if (!m)
        return;
    const nn_params *p = &m->params;
    for (int i = 0; i < p->count; i++) {
        const nn_param *q = &p->list[i];
        const float *v = nn_param_data(p, i);
        float lo = INFINITY, hi = -INFINITY, big = 0;
        for (size_t k = 0; k < q->numel; k++) {
            lo = fminf(lo, v[k]);
            hi = fmaxf(hi, v[k]);
            big = fmaxf(big, fabsf(v[k]));
        }
        double bound = init_bound(q);
        if (bound > 0) {
            /* U(-bound, bound): inside, and (36+ draws) reaching past half of it */
            CHECK(big <= bound && big > 0.5 * bound, "%s: max |w| %g, bound %g", q->name,
                  big, bound);
        } else {
            float want = init_const(q);
            CHECK(lo == want && hi == want, "%s: [%g, %g], want %g", q->name, lo, hi,
                  want);
        }
    }
    nn_model_destroy(m);
}

/* --------------------------------------------------------- double reference */

/* The model's values in double, read by name. */
typedef struct ref {
    const nn_model *m;
    double *pd; /* every value of the table */
    int training;
    int b;
} ref;

static double *ref_p(const ref *r, const char *pre, const char *leaf)
{
    char name[NN_PARAM_NAME_MAX];
    snprintf(name, sizeof name, "%.64s%s%s", pre, *leaf ? "." : "", leaf);
    int i = param(r->m, name);
    return i < 0 ? r->pd : r->pd + r->m->params.list[i].offset;
}

static void ref_act(const ref *r, const char *pre, double *x, size_t n)
{
    golu_act act = r->m->cfg.act;
    if (act.kind == GOLU_ACT_PRELU) {
        act.alpha = *ref_p(r, pre, "weight");
    } else if (act.kind == GOLU_ACT_GOLU && r->m->cfg.learn_act) {
        act.alpha = *ref_p(r, pre, "alpha");
        act.beta = *ref_p(r, pre, "beta");
        act.gamma = *ref_p(r, pre, "gamma");
    }
    CHECK(nn_act_forward_f64(r->m->ctx, &act, x, x, n) == GOLU_OK, "reference act %s",
          pre);
}

/* y (b, cout, ho, wo) = pre.bn(pre.conv(x)) ; the shape is updated to the output. */
static void ref_conv_bn(const ref *r, double *y, const double *x, const char *conv,
                        const char *bn, int cin, int *h, int *w, int cout, int stride)
{
    nn_conv2d_shape cs = {r->b, cin, *h, *w, cout, 3, stride, 1};
    double mean[64], rstd[64], *work = malloc(nn_conv2d_workspace(&cs) * sizeof *work);
    nn_conv2d_forward_f64(y, x, ref_p(r, conv, "weight"), NULL, &cs, work);
    free(work);
    *h = nn_conv2d_out_h(&cs);
    *w = nn_conv2d_out_w(&cs);
    /* the running statistics are a copy here: their update is not kept */
    nn_batchnorm2d_forward_f64(y, mean, rstd, ref_p(r, bn, "running_mean"),
                               ref_p(r, bn, "running_var"), y, ref_p(r, bn, "weight"),
                               ref_p(r, bn, "bias"), r->b, cout, *h * *w, r->training,
                               0.1, 1e-5);
}

/* x (b, cin, h, w) -> x (b, cout, h', w'): one BasicBlock; t, u scratch. */
static void ref_block(const ref *r, const char *pre, double *x, double *t, double *u,
                      int cin, int *h, int *w, int cout, int stride)
{
    char n1[64], n2[64];
    int h0 = *h, w0 = *w;
    snprintf(n1, sizeof n1, "%s.conv1", pre);
    snprintf(n2, sizeof n2, "%s.bn1", pre);
    ref_conv_bn(r, t, x, n1, n2, cin, h, w, cout, stride);
    size_t n = (size_t)r->b * cout * *h * *w;
    snprintf(n1, sizeof n1, "%s.act1", pre);
    ref_act(r, n1, t, n);
    int h1 = *h, w1 = *w;
    snprintf(n1, sizeof n1, "%s.conv2", pre);
    snprintf(n2, sizeof n2, "%s.bn2", pre);
    ref_conv_bn(r, u, t, n1, n2, cout, &h1, &w1, cout, 1);
    /* shortcut: identity, or x[:, :, ::s, ::s] zero-padded to cout channels */
    if (stride == 1 && cin == cout)
        memcpy(t, x, n * sizeof *t);
    else
        nn_shortcut_pad_forward_f64(t, x, r->b, cin, h0, w0, cout, stride);
    for (size_t i = 0; i < n; i++)
        x[i] = u[i] + t[i];
    snprintf(n1, sizeof n1, "%s.act2", pre);
    ref_act(r, n1, x, n);
}

/* The model's loss and logits (b, classes) computed in double. */
static double ref_forward(const nn_model *m, const float *xf, const int32_t *y, int b,
                          int training, double *logits)
{
    const nn_config *c = &m->cfg;
    size_t big = (size_t)b * 4 * c->width * (c->in_c + 1) * c->in_h * c->in_w;
    ref r = {m, malloc(m->params.total * sizeof(double)), training, b};
    double *x = malloc(big * sizeof *x), *t = malloc(big * sizeof *t),
           *u = malloc(big * sizeof *u);
    for (size_t i = 0; i < m->params.total; i++)
        r.pd[i] = m->params.data[i];
    for (size_t i = 0; i < (size_t)b * c->in_c * c->in_h * c->in_w; i++)
        t[i] = xf[i];
    int h = c->in_h, w = c->in_w, cin = c->width, nb = (c->depth - 2) / 6;
    ref_conv_bn(&r, x, t, "conv1", "bn1", c->in_c, &h, &w, c->width, 1);
    ref_act(&r, "act", x, (size_t)b * c->width * h * w);
    for (int stage = 0; stage < 3; stage++)
        for (int j = 0; j < nb; j++) {
            char pre[32];
            snprintf(pre, sizeof pre, "layer%d.%d", stage + 1, j);
            int cout = c->width << stage;
            ref_block(&r, pre, x, t, u, cin, &h, &w, cout, stage > 0 && j == 0 ? 2 : 1);
            cin = cout;
        }
    nn_global_avgpool_forward_f64(t, x, b, cin, h * w);
    nn_linear_forward_f64(logits, t, ref_p(&r, "linear", "weight"),
                          ref_p(&r, "linear", "bias"), b, cin, c->classes);
    double loss = nn_softmax_ce_forward_f64(u, logits, y, b, c->classes);
    free(x);
    free(t);
    free(u);
    free(r.pd);
    return loss;
}

/* The float model agrees with the reference on the loss and every logit. */
static void check_vs_ref(nn_model *m, const float *x, const int32_t *y, int b,
                         int training, const char *what)
{
    double want[64 * CLASSES];
    double loss = run_forward(m, x, y, b, training);
    double ref_loss = ref_forward(m, x, y, b, training, want);
    const float *lg = m->ops->logits(m);
    double worst = 0;
    for (int i = 0; i < b * CLASSES; i++)
        worst = fmax(worst, fabs(lg[i] - want[i]) / (1e-3 + fabs(want[i])));
    CHECK(fabs(loss - ref_loss) < 1e-5 * (1 + ref_loss) && worst < 1e-4,
          "%s: loss %.9g, reference %.9g; worst logit error %.3g", what, loss, ref_loss,
          worst);
}

static void check_forward(void)
{
    static const int shapes[3][3] = {{1, SIDE, SIDE}, {3, SIDE, SIDE}, {3, 7, 9}};
    float x[3 * 3 * 7 * 9 + 3 * 3 * SIDE * SIDE];
    int32_t y[3];
    for (int s = 0; s < 3; s++) {
        nn_config c =
            small_cfg(shapes[s][0], shapes[s][1], shapes[s][2], GOLU_ACT_GOLU, 1, 3);
        nn_model *m = make(&c, 11 + s);
        if (!m)
            continue;
        char what[64];
        make_batch(x, y, 3, (size_t)c.in_c * c.in_h * c.in_w, 5 + s);
        snprintf(what, sizeof what, "%dx%dx%d train", c.in_c, c.in_h, c.in_w);
        check_vs_ref(m, x, y, 3, 1, what);
        snprintf(what, sizeof what, "%dx%dx%d train b=2", c.in_c, c.in_h, c.in_w);
        check_vs_ref(m, x, y, 2, 1, what);
        snprintf(what, sizeof what, "%dx%dx%d eval", c.in_c, c.in_h, c.in_w);
        check_vs_ref(m, x, y, 3, 0, what);
        nn_model_destroy(m);
    }
}

/* At initialisation the logits are small: the loss is near log(classes),
 * and it is the cross-entropy of the logits the model returns. */
static void check_init_loss(void)
{
    enum { B = 16, K = 10 };
    nn_config c = small_cfg(3, SIDE, SIDE, GOLU_ACT_GOLU, 0, B);
    c.classes = K;
    nn_model *m = make(&c, 3);
    if (!m)
        return;
    float x[B * 3 * SIDE * SIDE];
    int32_t y[B];
    make_batch(x, y, B, 3 * SIDE * SIDE, 1);
    for (int i = 0; i < B; i++)
        y[i] = i % K;
    double loss = run_forward(m, x, y, B, 1);
    const float *lg = m->ops->logits(m);
    double ce = 0;
    for (int i = 0; i < B; i++) {
        double mx = lg[i * K], s = 0;
        for (int k = 1; k < K; k++)
            mx = fmax(mx, lg[i * K + k]);
        for (int k = 0; k < K; k++)
            s += exp(lg[i * K + k] - mx);
        ce += log(s) - (lg[i * K + y[i]] - mx);
    }
    ce /= B;
    CHECK(fabs(loss - log((double)K)) < 0.15, "initial loss %g, log(%d) = %g", loss, K,
          log(K));
    CHECK(fabs(loss - ce) < 1e-6, "loss %.9g, cross-entropy of the logits %.9g", loss,
          ce);
    CHECK(run_forward(m, x, y, B, 1) == loss, "training forward is not deterministic");
    nn_model_destroy(m);
}

/* Calls outside the contract are refused rather than run: a backward with no
 * forward, a batch larger than the model was built for, an empty one. */
static void check_refusals(void)
{
    nn_config c = small_cfg(1, SIDE, SIDE, GOLU_ACT_GELU, 0, 2);
    nn_model *m = make(&c, 5);
    if (!m)
        return;
    float x[3 * SIDE * SIDE];
    int32_t y[3];
    double loss = 0;
    make_batch(x, y, 3, SIDE * SIDE, 2);
    CHECK(m->ops->backward(m) != GOLU_OK, "backward before any forward ran");
    CHECK(m->ops->forward(m, x, y, 3, 1, 0, &loss) != GOLU_OK,
          "forward of 3 > batch 2 ran");
    CHECK(m->ops->forward(m, x, y, 0, 1, 0, &loss) != GOLU_OK,
          "forward of 0 examples ran");
    CHECK(m->ops->backward(m) != GOLU_OK, "backward after a refused forward ran");
    CHECK(m->ops->forward(m, x, y, 2, 1, 0, &loss) == GOLU_OK &&
              m->ops->backward(m) == GOLU_OK,
          "forward/backward of a full batch failed");
    nn_model_destroy(m);
}

/* ------------------------------------------------ running statistics, eval */

/* Channel means and unbiased variances (w) of the stem conv, computed here. */
static void stem_conv_stats(const nn_model *m, const float *x, int b, double *mean,
                            double *var)
{
    const nn_config *c = &m->cfg;
    const float *wt = nn_param_data(&m->params, param(m, "conv1.weight"));
    int H = c->in_h, W = c->in_w, C = c->in_c;
    for (int co = 0; co < c->width; co++) {
        double s = 0, s2 = 0, cnt = (double)b * H * W;
        for (int i = 0; i < b; i++)
            for (int oh = 0; oh < H; oh++)
                for (int ow = 0; ow < W; ow++) {
                    double v = 0;
                    for (int ci = 0; ci < C; ci++)
                        for (int kh = 0; kh < 3; kh++)
                            for (int kw = 0; kw < 3; kw++) {
                                int ih = oh + kh - 1, iw = ow + kw - 1;
                                if (ih >= 0 && ih < H && iw >= 0 && iw < W)
                                    v += (double)wt[((co * C + ci) * 3 + kh) * 3 + kw] *
                                         x[((i * C + ci) * H + ih) * W + iw];
                            }
                    s += v;
                    s2 += v * v;
                }
        mean[co] = s / cnt;
        var[co] = (s2 - s * s / cnt) / (cnt - 1);
    }
}

static void check_running_stats(void)
{
    nn_config c = small_cfg(3, SIDE, SIDE, GOLU_ACT_GELU, 0, 3);
    nn_model *m = make(&c, 21);
    if (!m)
        return;
    float x[3 * 3 * SIDE * SIDE];
    int32_t y[3];
    make_batch(x, y, 3, 3 * SIDE * SIDE, 9);
    double mean[4], var[4];
    stem_conv_stats(m, x, 3, mean, var);
    const float *rm = nn_param_data(&m->params, param(m, "bn1.running_mean"));
    const float *rv = nn_param_data(&m->params, param(m, "bn1.running_var"));
    /* torch: r = (1 - 0.1) r + 0.1 stat, from r = 0 (mean) and 1 (var) */
    for (int step = 1; step <= 2; step++) {
        run_forward(m, x, y, 3, 1);
        double keep = pow(0.9, step);
        for (int k = 0; k < 4; k++) {
            double wm = (1 - keep) * mean[k], wv = keep + (1 - keep) * var[k];
            CHECK(fabs(rm[k] - wm) < 1e-5 * (1 + fabs(wm)) &&
                      fabs(rv[k] - wv) < 1e-5 * (1 + wv),
                  "step %d bn1 channel %d: running (%g, %g), want (%g, %g)", step, k,
                  rm[k], rv[k], wm, wv);
        }
        CHECK(fabs(rm[0]) > 1e-4 || fabs(rv[0] - 1) > 1e-4,
              "bn1 running stats did not move");
    }
    /* Eval: the running statistics stay, the loss differs from training's,
     * and each example's logits do not depend on the others. */
    float before[8];
    double tl = run_forward(m, x, y, 3, 1);
    memcpy(before, rm, 4 * sizeof *rm);
    memcpy(before + 4, rv, 4 * sizeof *rv);
    double el = run_forward(m, x, y, 3, 0);
    CHECK(memcmp(before, rm, 4 * sizeof *rm) == 0 &&
              memcmp(before + 4, rv, 4 * sizeof *rv) == 0,
          "eval forward changed the running statistics");
    CHECK(fabs(el - tl) > 1e-6, "eval loss %g equals the training loss", el);
    float all[3 * CLASSES];
    memcpy(all, m->ops->logits(m), sizeof all);
    run_forward(m, x + 3 * SIDE * SIDE, y + 1, 1, 0); /* example 1 alone */
    const float *one = m->ops->logits(m);
    double d = 0;
    for (int k = 0; k < CLASSES; k++)
        d = fmax(d, fabs(one[k] - all[CLASSES + k]));
    CHECK(d < 1e-5, "eval logits of example 1 depend on the batch: %g", d);
    nn_model_destroy(m);
}

/* ------------------------------------------------------ finite differences */

/*
 * The finite-difference step and the error floor. The loss is computed in
 * float: it carries rounding noise of ~1e-7, so a central difference over a
 * step h has noise ~1e-7/h, against truncation error ~h^2. Smooth
 * activations: h = 3e-3 * max(|v|, 0.3), noise under 1e-4. PReLU's kink
 * needs a smaller step (a step that moves an activation input across 0
 * mixes both slopes), so its floor is higher.
 */
typedef struct fd_plan {
    float rel, min; /* h = max(rel * |v|, min) */
    double floor;   /* absolute error allowed besides 2e-2 relative */
} fd_plan;

static fd_plan plan_for(golu_act_kind kind)
{
    fd_plan smooth = {3e-3f, 1e-3f, 1e-4}, kinked = {1e-3f, 1e-4f, 6e-4};
    return kind == GOLU_ACT_PRELU ? kinked : smooth;
}

typedef struct fd_tally {
    int checked, bad, meaningful;
    double worst;
} fd_tally;

/* Central difference of the loss in element k of tensor i against g. */
static void fd_one(nn_model *m, const float *g, int i, size_t k, const float *x,
                   const int32_t *y, int b, int training, fd_tally *t, const char *label)
{
    const fd_plan pl = plan_for(m->cfg.act.kind);
    float *v = nn_param_data(&m->params, i) + k;
    const float v0 = *v;
    const float h = fmaxf(pl.rel * fabsf(v0), pl.min);
    const float up = v0 + h, down = v0 - h;
    *v = up;
    double lp = run_forward(m, x, y, b, training);
    *v = down;
    double lm = run_forward(m, x, y, b, training);
    *v = v0;
    double fd = (lp - lm) / ((double)up - (double)down);
    double an = g[m->params.list[i].offset + k];
    double err = fabs(fd - an), tol = 2e-2 * fmax(fabs(fd), fabs(an)) + pl.floor;
    t->checked++;
    t->meaningful += fabs(an) > 10 * pl.floor;
    t->worst = fmax(t->worst, err / tol);
    if (err > tol && t->bad++ < 5)
        CHECK(0, "%s: d loss / d %s[%zu]: analytic %.6g, finite difference %.6g", label,
              m->params.list[i].name, k, an, fd);
}

/* The gradient of every trainable tensor (up to 3 elements of each) against
 * finite differences; buffers get no gradient. */
static void grad_check(nn_model *m, const float *x, const int32_t *y, int b, int training,
                       const char *label)
{
    nn_params *p = &m->params;
    nn_params_zero_grad(p);
    run_forward(m, x, y, b, training);
    CHECK(m->ops->backward(m) == GOLU_OK, "%s: backward", label);
    float *g = malloc(p->total * sizeof *g);
    memcpy(g, p->grad, p->total * sizeof *g);
    fd_tally t = {0, 0, 0, 0};
    for (int i = 0; i < p->count; i++) {
        const nn_param *q = &p->list[i];
        if (q->flags & NN_PARAM_BUFFER) {
            double s = 0;
            for (size_t k = 0; k < q->numel; k++)
                s += fabs(g[q->offset + k]);
            CHECK(s == 0, "%s: buffer %s has a gradient", label, q->name);
            continue;
        }
        for (size_t j = 0; j < 3 && j < q->numel; j++)
            fd_one(m, g, i, (j * 2654435761u + (size_t)i * 97u) % q->numel, x, y, b,
                   training, &t, label);
    }
    CHECK(t.bad == 0, "%s: %d of %d gradients off (worst %.2f of the tolerance)", label,
          t.bad, t.checked, t.worst);
    /* Most sampled gradients are well above the floor: the check has teeth. */
    CHECK(t.meaningful * 10 >= t.checked * 6,
          "%s: only %d of %d gradients above 10x the floor", label, t.meaningful,
          t.checked);
    if (getenv("NN_TEST_VERBOSE"))
        printf("%s: %d checked, %d above 10x the floor, worst %.3f of the tolerance\n",
               label, t.checked, t.meaningful, t.worst);
    free(g);
}

/* Backward adds: a second forward/backward without zeroing doubles the gradients. */
static void check_accumulates(nn_model *m, const float *x, const int32_t *y, int b)
{
    nn_params *p = &m->params;
    nn_params_zero_grad(p);
    run_forward(m, x, y, b, 1);
    m->ops->backward(m);
    float *g = malloc(p->total * sizeof *g);
    memcpy(g, p->grad, p->total * sizeof *g);
    run_forward(m, x, y, b, 1);
    m->ops->backward(m);
    double worst = 0, norm = 0;
    for (size_t k = 0; k < p->total; k++) {
        worst = fmax(worst, fabs(p->grad[k] - 2 * g[k]) / (1e-6 + fabs(g[k])));
        norm += fabs(g[k]);
    }
    CHECK(worst < 1e-5 && norm > 0, "gradients do not accumulate: worst %g, |g| %g",
          worst, norm);
    free(g);
}

static void check_gradients(void)
{
    static const golu_act_kind kinds[4] = {GOLU_ACT_GOLU, GOLU_ACT_GELU, GOLU_ACT_PRELU,
                                           GOLU_ACT_MISH};
    float x[3 * 3 * SIDE * SIDE];
    int32_t y[3];
    for (int in_c = 1; in_c <= 3; in_c += 2)
        for (int a = 0; a < 4; a++) {
            nn_config c = small_cfg(in_c, SIDE, SIDE, kinds[a], 1, 3);
            nn_model *m = make(&c, 100 + a);
            if (!m)
                continue;
            char label[64];
            make_batch(x, y, 3, (size_t)in_c * SIDE * SIDE, 31 + a);
            snprintf(label, sizeof label, "%s %dx8x8 train", golu_act_name(kinds[a]),
                     in_c);
            grad_check(m, x, y, 3, 1, label);
            if (a == 0) {
                /* a partial batch, then eval mode (after the stats moved) */
                snprintf(label, sizeof label, "%s %dx8x8 train b=2",
                         golu_act_name(kinds[a]), in_c);
                grad_check(m, x, y, 2, 1, label);
                snprintf(label, sizeof label, "%s %dx8x8 eval", golu_act_name(kinds[a]),
                         in_c);
                grad_check(m, x, y, 3, 0, label);
                check_accumulates(m, x, y, 3);
            }
            nn_model_destroy(m);
        }
}

/* ------------------------------------ the derivative from the kept output */

/* Sets every tensor of `to` to the same-named tensor of `from`; returns how
 * many it set. */
static int copy_params(nn_model *to, const nn_model *from)
{
    int copied = 0;
    for (int i = 0; i < from->params.count; i++) {
        const nn_param *q = &from->params.list[i];
        int j = nn_params_find(&to->params, q->name);
        if (j < 0 || to->params.list[j].numel != q->numel)
            continue;
        memcpy(nn_param_data(&to->params, j), nn_param_data(&from->params, i),
               q->numel * sizeof(float));
        copied++;
    }
    return copied;
}

/*
 * ReLU and LeakyReLU with alpha > 0 take their derivative from the
 * activation's kept output instead of recomputing its input (resnet.c,
 * nn_act_slope_from_output); PReLU with the same fixed slope computes the same
 * function and takes the recomputing path. The loss and every gradient the
 * two models share must be the same bits (== for zeros of either sign), in
 * training and in eval mode.
 */
static void check_slope_from_output(void)
{
    static const struct {
        golu_act_kind kind;
        double alpha;
    } cases[2] = {{GOLU_ACT_RELU, 0.0}, {GOLU_ACT_LEAKY_RELU, 0.25}};
    enum { B = 3 };
    float x[B * 3 * SIDE * SIDE];
    int32_t y[B];
    make_batch(x, y, B, (size_t)3 * SIDE * SIDE, 77);
    for (int k = 0; k < 2; k++)
        for (int training = 1; training >= 0; training--) {
            nn_config c = small_cfg(3, SIDE, SIDE, cases[k].kind, 0, B);
            c.act.alpha = cases[k].alpha;
            nn_config cp = small_cfg(3, SIDE, SIDE, GOLU_ACT_PRELU, 0, B);
            cp.act.alpha = cases[k].alpha;
            nn_model *m = make(&c, 5), *mp = make(&cp, 6);
            if (!m || !mp) {
                nn_model_destroy(m);
                nn_model_destroy(mp);
                continue;
            }
            int copied = copy_params(mp, m);
            CHECK(copied == m->params.count, "%d of %d tensors copied", copied,
                  m->params.count);
            nn_params_zero_grad(&m->params);
            nn_params_zero_grad(&mp->params);
            double loss = run_forward(m, x, y, B, training);
            double loss_p = run_forward(mp, x, y, B, training);
            CHECK(m->ops->backward(m) == GOLU_OK && mp->ops->backward(mp) == GOLU_OK,
                  "backward");
            CHECK(loss == loss_p, "%s: loss %.9g, PReLU's %.9g",
                  golu_act_name(c.act.kind), loss, loss_p);
            int differ = 0, nonzero = 0;
            for (int i = 0; i < m->params.count; i++) {
                const nn_param *q = &m->params.list[i];
                const float *g = nn_param_grad(&m->params, i);
                const float *gp = nn_param_grad(&mp->params, param(mp, q->name));
                for (size_t e = 0; e < q->numel; e++) {
                    differ += g[e] != gp[e];
                    nonzero += g[e] != 0;
                }
            }
            CHECK(differ == 0 && nonzero > 100,
                  "%s alpha %g, %s: %d gradients differ from PReLU's (%d nonzero)",
                  golu_act_name(c.act.kind), c.act.alpha, training ? "train" : "eval",
                  differ, nonzero);
            nn_model_destroy(m);
            nn_model_destroy(mp);
        }
}

int main(void)
{
    TEST_BEGIN("nn_resnet");
    nn_config c = small_cfg(1, SIDE, SIDE, GOLU_ACT_GOLU, 1, 2);
    check_table(&c);
    c = small_cfg(3, SIDE, SIDE, GOLU_ACT_PRELU, 0, 2);
    check_table(&c);
    c = small_cfg(3, 32, 32, GOLU_ACT_RELU, 0, 1);
    c.depth = 20;
    c.width = 16;
    c.classes = 10;
    check_table(&c);
    check_counts();
    check_init();
    check_forward();
    check_init_loss();
    check_refusals();
    check_running_stats();
    check_gradients();
    check_slope_from_output();
    return TEST_END();
}
