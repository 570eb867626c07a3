/*
 * resnet.c - the CIFAR-style ResNet of He et al. (2016), depth 6n+2 with
 * "option A" (zero-padded identity) shortcuts:
 *
 *     conv1 3x3 (in_c -> w) -> bn1 -> act
 *     layer1: n BasicBlocks of width w      (stride 1)
 *     layer2: n BasicBlocks of width 2w     (the first one stride 2)
 *     layer3: n BasicBlocks of width 4w     (the first one stride 2)
 *     global average pool -> linear (4w -> classes) -> softmax cross-entropy
 *
 *     BasicBlock(x) = act2(bn2(conv2(act1(bn1(conv1(x))))) + shortcut(x))
 *
 * Parameter names are those of the torch twin: conv1.weight, bn1.*, act.*,
 * layer{1,2,3}.{j}.{conv1,bn1,act1,conv2,bn2,act2}.*, linear.weight/bias;
 * BatchNorm's running_mean/running_var are NN_PARAM_BUFFER tensors.
 *
 * Memory. The forward keeps four tensors per block: both conv outputs (c1,
 * c2: BatchNorm's backward needs its input), act1's output (a1: conv2's
 * input, which conv2's weight gradient reads) and the block output (out:
 * the next block's conv input and shortcut). What the backward also needs is
 * elementwise and cheap, so it is recomputed from them with the saved
 * per-channel mean/rstd: the BN outputs (the activations' inputs) and the
 * shortcut sum. a1 is kept rather than recomputed: recomputing it cost a
 * BatchNorm pass over memory and an activation forward per block, about 3 %
 * of a ResNet-20 step, for 44 MB. Everything else lives in four scratch
 * buffers of the largest activation's size, shared by all layers and
 * rotated through the backward, and one conv workspace sized for the
 * largest conv. ResNet-20, batch 128, 3x32x32: 192.9 MB saved (the stem's
 * 2 and the blocks' 36 tensors), 33.6 MB of scratch, and the workspace.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fork.h"
#include "hot.h"
#include "layers.h"
#include "model.h"
#include "registry.h"
#include "str.h"
#include "train/config.h"
#include "train/task.h"

#define BN_EPS      1e-5
#define BN_MOMENTUM 0.1
#define NSCRATCH    4

/* One BatchNorm2d: parameter indices and the statistics of the last forward. */
typedef struct rn_bn {
    int w, b, rm, rv;   /* weight, bias, running_mean, running_var */
    float *mean, *rstd; /* (c) views into resnet.stats */
} rn_bn;

typedef struct rn_block {
    int cin, cout, stride;
    int h, w;         /* input plane */
    int ho, wo;       /* output plane */
    int conv1, conv2; /* parameter indices */
    rn_bn bn1, bn2;
    nn_actlayer act1, act2;
    const float *in; /* (b, cin, h, w): a view of the previous output */
    float *c1, *c2;  /* (b, cout, ho, wo) conv outputs */
    float *a1;       /* (b, cout, ho, wo) act1's output: conv2's input */
    float *out;      /* (b, cout, ho, wo) act2's output */
} rn_block;

typedef struct resnet {
    /* stem */
    int conv1;
    rn_bn bn1;
    nn_actlayer act;
    float *c0, *a0; /* (b, w, in_h, in_w) conv and act outputs */
    /* stages */
    int nb;
    rn_block *blocks;
    /* head */
    int lin_w, lin_b;
    int feat;      /* 4w: the pooled features */
    float *pool;   /* (b, feat) */
    float *dpool;  /* (b, feat) */
    float *logits; /* (b, classes) */
    float *probs;  /* (b, classes), then dlogits in the backward */
    /* shared */
    float *stats;             /* every BN's mean and rstd */
    float *scratch[NSCRATCH]; /* each (batch, the largest c*h*w of any activation) */
    float *work;              /* the conv workspace (the largest nn_conv2d_workspace) */
    double *plane_sums;       /* (batch, feat, 3): a BN's per-plane sums or statistics */
    float *bn_coef;           /* (3, feat): a BN backward's per-channel g, a, k */
    /* the last forward */
    const float *x;   /* (b, in_c, in_h, in_w) */
    const int32_t *y; /* (b) */
    int b;            /* 0 until a forward completes */
    int training;
} resnet;

/* ------------------------------------------------------------------ build */

static int add(nn_model *m, const char *name, int ndim, const int *shape, unsigned flags,
               nn_err *err)
{
    return nn_params_add(&m->params, name, ndim, shape, flags, err);
}

/* prefix.weight (cout, cin, 3, 3); -1 on failure. */
static int add_conv(nn_model *m, const char *prefix, int cin, int cout, nn_err *err)
{
    char name[NN_PARAM_NAME_MAX];
    int shape[4] = {cout, cin, 3, 3};
    snprintf(name, sizeof name, "%.64s.weight", prefix);
    return add(m, name, 4, shape, NN_PARAM_DECAY, err);
}

/* prefix.weight, .bias, .running_mean, .running_var, each (c). */
static int add_bn(nn_model *m, rn_bn *bn, const char *prefix, int c, nn_err *err)
{
    static const char *const leaf[4] = {"weight", "bias", "running_mean", "running_var"};
    int *idx[4] = {&bn->w, &bn->b, &bn->rm, &bn->rv};
    char name[NN_PARAM_NAME_MAX];
    for (int k = 0; k < 4; k++) {
        snprintf(name, sizeof name, "%.64s.%s", prefix, leaf[k]);
        *idx[k] = add(m, name, 1, &c, k < 2 ? 0 : NN_PARAM_BUFFER, err);
        if (*idx[k] < 0)
            return -1;
    }
    return 0;
}

/* Registers block bl's tensors as layer{stage+1}.{j}.* */
static int add_block(nn_model *m, rn_block *bl, int stage, int j, nn_err *err)
{
    const nn_config *c = &m->cfg;
    char pre[64], name[NN_PARAM_NAME_MAX];
    snprintf(pre, sizeof pre, "layer%d.%d", stage + 1, j);
    snprintf(name, sizeof name, "%s.conv1", pre);
    if ((bl->conv1 = add_conv(m, name, bl->cin, bl->cout, err)) < 0)
        return -1;
    snprintf(name, sizeof name, "%s.bn1", pre);
    if (add_bn(m, &bl->bn1, name, bl->cout, err))
        return -1;
    snprintf(name, sizeof name, "%s.act1", pre);
    if (nn_actlayer_add(&bl->act1, &m->params, name, &c->act, c->learn_act, err))
        return -1;
    snprintf(name, sizeof name, "%s.conv2", pre);
    if ((bl->conv2 = add_conv(m, name, bl->cout, bl->cout, err)) < 0)
        return -1;
    snprintf(name, sizeof name, "%s.bn2", pre);
    if (add_bn(m, &bl->bn2, name, bl->cout, err))
        return -1;
    snprintf(name, sizeof name, "%s.act2", pre);
    return nn_actlayer_add(&bl->act2, &m->params, name, &c->act, c->learn_act, err);
}

/* The blocks' shapes: stage widths w, 2w, 4w; stride 2 entering stages 2, 3. */
static void plan_blocks(resnet *s, const nn_config *c)
{
    int n = s->nb / 3, cin = c->width, h = c->in_h, w = c->in_w;
    for (int i = 0; i < s->nb; i++) {
        rn_block *bl = &s->blocks[i];
        int stage = i / n;
        bl->cin = cin;
        bl->cout = c->width << stage;
        bl->stride = stage > 0 && i % n == 0 ? 2 : 1;
        bl->h = h;
        bl->w = w;
        bl->ho = (h - 1) / bl->stride + 1; /* 3x3, pad 1 */
        bl->wo = (w - 1) / bl->stride + 1;
        cin = bl->cout;
        h = bl->ho;
        w = bl->wo;
    }
}

static nn_conv2d_shape conv_shape(int n, int cin, int h, int w, int cout, int stride)
{
    nn_conv2d_shape cs = {n, cin, h, w, cout, 3, stride, 1};
    return cs;
}

/* The largest workspace any conv needs at the full batch. */
static size_t max_workspace(const resnet *s, const nn_config *c)
{
    nn_conv2d_shape cs = conv_shape(c->batch, c->in_c, c->in_h, c->in_w, c->width, 1);
    size_t most = nn_conv2d_workspace(&cs);
    for (int i = 0; i < s->nb; i++) {
        const rn_block *bl = &s->blocks[i];
        size_t w1, w2;
        cs = conv_shape(c->batch, bl->cin, bl->h, bl->w, bl->cout, bl->stride);
        w1 = nn_conv2d_workspace(&cs);
        cs = conv_shape(c->batch, bl->cout, bl->ho, bl->wo, bl->cout, 1);
        w2 = nn_conv2d_workspace(&cs);
        most = w1 > most ? w1 : most;
        most = w2 > most ? w2 : most;
    }
    return most;
}

/* bn's mean and rstd (c each) at p; returns the next free place. */
static float *place_stats(rn_bn *bn, float *p, int c)
{
    bn->mean = p;
    bn->rstd = p + c;
    return p + 2 * c;
}

/* Points every BN's mean/rstd into one block of 2 * (sum of channels). */
static int alloc_stats(resnet *s, const nn_config *c)
{
    size_t total = 2 * (size_t)c->width;
    for (int i = 0; i < s->nb; i++)
        total += 4 * (size_t)s->blocks[i].cout;
    if (!(s->stats = nn_alloc_floats(total)))
        return -1;
    float *p = s->stats;
    p = place_stats(&s->bn1, p, c->width);
    for (int i = 0; i < s->nb; i++) {
        p = place_stats(&s->blocks[i].bn1, p, s->blocks[i].cout);
        p = place_stats(&s->blocks[i].bn2, p, s->blocks[i].cout);
    }
    return 0;
}

/* The saved activations, the scratch buffers and the workspace. */
static int alloc_buffers(resnet *s, const nn_config *c)
{
    size_t nb = (size_t)c->batch;
    size_t stem = nb * (size_t)c->width * (size_t)c->in_h * (size_t)c->in_w;
    size_t most = stem; /* the largest activation: the stem's or a block input's */
    int ok = 1;
    ok &= !!(s->c0 = nn_alloc_floats(stem));
    ok &= !!(s->a0 = nn_alloc_floats(stem));
    for (int i = 0; i < s->nb; i++) {
        rn_block *bl = &s->blocks[i];
        size_t n = nb * (size_t)bl->cout * (size_t)bl->ho * (size_t)bl->wo;
        most = n > most ? n : most;
        ok &= !!(bl->c1 = nn_alloc_floats(n));
        ok &= !!(bl->a1 = nn_alloc_floats(n));
        ok &= !!(bl->c2 = nn_alloc_floats(n));
        ok &= !!(bl->out = nn_alloc_floats(n));
    }
    for (int k = 0; k < NSCRATCH; k++)
        ok &= !!(s->scratch[k] = nn_alloc_floats(most));
    ok &= !!(s->work = nn_alloc_floats(max_workspace(s, c)));
    ok &= !!(s->pool = nn_alloc_floats(nb * (size_t)s->feat));
    ok &= !!(s->dpool = nn_alloc_floats(nb * (size_t)s->feat));
    ok &= !!(s->plane_sums = malloc(nb * (size_t)s->feat * 3 * sizeof(double)));
    ok &= !!(s->bn_coef = nn_alloc_floats(3 * (size_t)s->feat));
    ok &= !!(s->logits = nn_alloc_floats(nb * (size_t)c->classes));
    ok &= !!(s->probs = nn_alloc_floats(nb * (size_t)c->classes));
    return ok && alloc_stats(s, c) == 0 ? 0 : -1;
}

static int resnet_build(nn_model *m, nn_err *err)
{
    const nn_config *c = &m->cfg;
    resnet *s = calloc(1, sizeof *s);
    if (!s)
        return nn_fail(err, "out of memory");
    m->impl = s;
    s->nb = 3 * ((c->depth - 2) / 6);
    s->feat = 4 * c->width;
    s->blocks = calloc((size_t)s->nb, sizeof *s->blocks);
    if (!s->blocks)
        return nn_fail(err, "out of memory");
    plan_blocks(s, c);

    int lin_shape[2] = {c->classes, s->feat};
    if ((s->conv1 = add_conv(m, "conv1", c->in_c, c->width, err)) < 0 ||
        add_bn(m, &s->bn1, "bn1", c->width, err) ||
        nn_actlayer_add(&s->act, &m->params, "act", &c->act, c->learn_act, err))
        return -1;
    for (int i = 0; i < s->nb; i++)
        if (add_block(m, &s->blocks[i], i / (s->nb / 3), i % (s->nb / 3), err))
            return -1;
    s->lin_w = add(m, "linear.weight", 2, lin_shape, NN_PARAM_DECAY, err);
    s->lin_b = add(m, "linear.bias", 1, &c->classes, 0, err);
    if (s->lin_w < 0 || s->lin_b < 0 || nn_params_alloc(&m->params, err))
        return -1;
    if (alloc_buffers(s, c))
        return nn_fail(err, "out of memory for the activations (batch %d)", c->batch);
    return 0;
}

/* ------------------------------------------------------------------- init */

/* torch.nn.Conv2d's default (kaiming_uniform, a = sqrt(5)): U(+-1/sqrt(fan_in)). */
static void init_conv(nn_params *p, int i, int cin, uint64_t seed)
{
    nn_init_uniform(p, i, 1.0 / sqrt(9.0 * cin), seed);
}

static void init_bn(nn_params *p, const rn_bn *bn)
{
    nn_init_const(p, bn->w, 1.0f);
    nn_init_const(p, bn->b, 0.0f);
    nn_init_const(p, bn->rm, 0.0f);
    nn_init_const(p, bn->rv, 1.0f);
}

static void resnet_init(nn_model *m, uint64_t seed)
{
    resnet *s = m->impl;
    nn_params *p = &m->params;
    init_conv(p, s->conv1, m->cfg.in_c, seed);
    init_bn(p, &s->bn1);
    nn_actlayer_init(&s->act, p);
    for (int i = 0; i < s->nb; i++) {
        rn_block *bl = &s->blocks[i];
        init_conv(p, bl->conv1, bl->cin, seed);
        init_bn(p, &bl->bn1);
        nn_actlayer_init(&bl->act1, p);
        init_conv(p, bl->conv2, bl->cout, seed);
        init_bn(p, &bl->bn2);
        nn_actlayer_init(&bl->act2, p);
    }
    double bound = 1.0 / sqrt((double)s->feat); /* torch.nn.Linear's default */
    nn_init_uniform(p, s->lin_w, bound, seed);
    nn_init_uniform(p, s->lin_b, bound, seed);
}

/* ---------------------------------------------------------------- forward */

/* BN_BLOCK values at a time as one vector of GCC's and clang's vector
 * extension (NN_VEC_BYTES, hot.h; loaded and stored with memcpy: no
 * alignment or aliasing question, y may be res): full-width SIMD whatever
 * the ISA, where GCC's -O3 split a loop over the block into pieces of 8, 4,
 * 2 and 1 lanes. */
typedef float bn_lanes __attribute__((vector_size(NN_VEC_BYTES)));
#define BN_BLOCK ((int)(sizeof(bn_lanes) / sizeof(float)))

/* y (hw) = (x - mean) * scale + beta [+ res]; res may be NULL. */
NN_HOT static void plane_apply(float *y, const float *x, const float *res, float mean,
                               float scale, float beta, int hw)
{
    int k = 0;
    for (; k + BN_BLOCK <= hw; k += BN_BLOCK) {
        bn_lanes t, r;
        memcpy(&t, x + k, sizeof t);
        t = (t - mean) * scale + beta;
        if (res) {
            memcpy(&r, res + k, sizeof r);
            t += r;
        }
        memcpy(y + k, &t, sizeof t);
    }
    for (; k < hw; k++) {
        float v = (x[k] - mean) * scale + beta;
        y[k] = res ? v + res[k] : v;
    }
}

/* y (n, c, hw) = bn(x) [+ res] with the statistics of the last forward
 * (nn_batchnorm2d_forward with y NULL computes them; the forward applies
 * them here too, so a recomputed output is the forward's, bit for bit).
 * The mean is subtracted first, as in the layer: nothing cancels. res,
 * when not NULL, is added (the shortcut, fused to save a pass); y may be
 * res. */
static void bn_apply(float *y, const float *x, const float *res, const rn_bn *bn,
                     const nn_params *p, int n, int c, int hw)
{
    const float *gamma = nn_param_data(p, bn->w), *beta = nn_param_data(p, bn->b);
    for (int i = 0; i < n; i++)
        for (int ch = 0; ch < c; ch++) {
            size_t off = ((size_t)i * c + ch) * (size_t)hw;
            const float scale = (float)((double)bn->rstd[ch] * gamma[ch]);
            plane_apply(y + off, x + off, res ? res + off : NULL, bn->mean[ch], scale,
                        beta[ch], hw);
        }
}

/*
 * A recomputed BatchNorm output and the activation on it, image by image
 * while the image is in cache, the batch in two halves on two threads (the
 * layers' threads, fork.h) when it is large enough:
 *
 *   forward:  y = act(bn(x) [+ res])
 *   backward: t = bn(x) [+ res], then dx = dy * act'(t); t is one image of
 *             a per-thread scratch (nothing is kept). An activation whose
 *             output gives its derivative (nn_act_slope_from_output) takes it
 *             from y, which the forward kept: no t.
 *
 * The same bits as bn_apply followed by the activation over the whole batch
 * (both are element by element). Activations with learnable parameters,
 * whose gradients would be summed per image, take that unfused path.
 */
typedef struct bn_act_job {
    nn_model *m;
    const nn_actlayer *act;
    const rn_bn *bn;
    float *y; /* forward: the output; backward: scratch of one image */
    const float *x, *res;
    const float *kept; /* backward: the forward's output y, or NULL */
    float *dx;         /* backward: dx = dy * act'(t), dx may be dy; NULL: forward */
    const float *dy;
    double *plane_sums; /* backward: BN's per-plane sums of dx (b, c, 2) */
    int c, hw, i0, i1;
    golu_status st;
} bn_act_job;

static void *bn_act_run(void *arg)
{
    bn_act_job *j = arg;
    const nn_params *p = &j->m->params;
    const golu_act act = nn_actlayer_current(j->act, p);
    const size_t img = (size_t)j->c * j->hw;
    for (int i = j->i0; i < j->i1 && j->st == GOLU_OK; i++) {
        const size_t off = (size_t)i * img;
        const float *res = j->res ? j->res + off : NULL;
        if (!j->dx) {
            bn_apply(j->y + off, j->x + off, res, j->bn, p, 1, j->c, j->hw);
            j->st = nn_act_forward(j->m->ctx1, &act, j->y + off, j->y + off, img);
        } else {
            const float *t = j->y;
            if (j->kept)
                t = j->kept + off;
            else
                bn_apply(j->y, j->x + off, res, j->bn, p, 1, j->c, j->hw);
            j->st =
                nn_act_backward(j->m->ctx1, &act, j->dx + off, j->dy + off, t, img, NULL);
            for (int ch = 0; ch < j->c; ch++) {
                const size_t at = off + (size_t)ch * j->hw;
                nn_batchnorm2d_plane_sums(j->plane_sums + 2 * ((size_t)i * j->c + ch),
                                          j->dx + at, j->x + at, j->bn->mean[ch], j->hw);
            }
        }
    }
    return NULL;
}

/* Runs the two halves of job (its i0, i1, y set here): in the backward,
 * scratch holds one image per half (one in all for a batch of one, whose
 * first half is empty). */
static golu_status bn_act(bn_act_job job, int b, float *scratch)
{
    bn_act_job half[2] = {job, job};
    const size_t img = (size_t)job.c * job.hw;
    half[0].i0 = 0, half[0].i1 = half[1].i0 = b / 2, half[1].i1 = b;
    if (job.dx)
        half[0].y = scratch, half[1].y = scratch + (b >= 2 ? img : 0);
    nn_run_halves(bn_act_run, &half[0], &half[1], (double)b * img >= 65536);
    return half[0].st != GOLU_OK ? half[0].st : half[1].st;
}

/* out = act(bn(x) [+ res]) for the whole batch (forward). */
static golu_status bn_act_forward(nn_model *m, const nn_actlayer *a, float *out,
                                  const float *x, const float *res, const rn_bn *bn,
                                  int b, int c, int hw)
{
    const size_t n = (size_t)b * c * hw;
    if (a->nparams) {
        bn_apply(out, x, res, bn, &m->params, b, c, hw);
        return nn_actlayer_forward(a, m, out, out, n);
    }
    bn_act_job j = {
        .m = m, .act = a, .bn = bn, .y = out, .x = x, .res = res, .c = c, .hw = hw};
    return bn_act(j, b, NULL);
}

/*
 * The backward through y = act(bn(x) [+ res]) up to BN's data gradient: dy = dy
 * * act'(bn(x) [+ res]) in place (the gradient at the sum, which the
 * shortcut takes too), BN's parameter gradients added, and the coefficients
 * of its data gradient in s->bn_coef, which bn_dx_source (below) turns into
 * dx for the convolution before it as that convolution's backward reads
 * it: dx is never written out. scratch (the batch's size) holds the
 * recomputed activation input; y is the forward's output, which gives the
 * derivative where nn_act_slope_from_output says so (res is then not read and may
 * be NULL). The fused path takes BN's per-plane sums
 * while each image is in cache; an activation with learnable parameters
 * (whose gradients are summed over the batch) takes them in a pass of
 * their own.
 */
static golu_status act_bn_backward(nn_model *m, const nn_actlayer *a, const rn_bn *bn,
                                   float *scratch, float *dy, const float *x,
                                   const float *res, const float *y, int b, int c, int hw)
{
    resnet *s = m->impl;
    nn_params *p = &m->params;
    const size_t n = (size_t)b * c * hw;
    golu_status st;
    if (a->nparams) {
        bn_apply(scratch, x, res, bn, p, b, c, hw);
        st = nn_actlayer_backward(a, m, dy, dy, scratch, n);
        for (int i = 0; i < b; i++)
            for (int ch = 0; ch < c; ch++) {
                const size_t at = ((size_t)i * c + ch) * hw;
                nn_batchnorm2d_plane_sums(s->plane_sums + 2 * ((size_t)i * c + ch),
                                          dy + at, x + at, bn->mean[ch], hw);
            }
    } else {
        bn_act_job j = {.m = m,
                        .act = a,
                        .bn = bn,
                        .x = x,
                        .res = res,
                        .kept = nn_act_slope_from_output(&a->act) ? y : NULL,
                        .dx = dy,
                        .dy = dy,
                        .plane_sums = s->plane_sums,
                        .c = c,
                        .hw = hw};
        st = bn_act(j, b, scratch);
    }
    if (st == GOLU_OK)
        nn_batchnorm2d_backward_coefs(
            s->bn_coef, nn_param_grad(p, bn->w), nn_param_grad(p, bn->b), bn->rstd,
            nn_param_data(p, bn->w), s->plane_sums, b, c, hw, s->training);
    return st;
}

/* A convolution's dy source (layers.h): BN's data gradient from the
 * gradient at its output (dy) and its input (x), with the coefficients that
 * act_bn_backward left in coef: the same bits as the whole tensor's
 * nn_batchnorm2d_backward_sums, made a group of images at a time in the
 * convolution's scratch. */
typedef struct bn_dx_source {
    const float *dy, *x, *mean, *coef;
    int c, hw;
} bn_dx_source;

static void bn_dx_images(void *ctx, int i0, int n, float *dx)
{
    const bn_dx_source *d = ctx;
    const size_t img = (size_t)d->c * d->hw;
    for (int i = 0; i < n; i++)
        for (int ch = 0; ch < d->c; ch++) {
            const size_t at = (size_t)(i0 + i) * img + (size_t)ch * d->hw;
            nn_batchnorm2d_plane_dx(dx + (size_t)i * img + (size_t)ch * d->hw, d->dy + at,
                                    d->x + at, d->mean[ch], d->coef[ch],
                                    d->coef[d->c + ch], d->coef[2 * d->c + ch], d->hw);
        }
}

/* The backward of the convolution wi (shape cs, input x) whose output went
 * through bn, after act_bn_backward(bn, dy, c_out): dw added to wi's
 * gradient, dx (NULL: skipped) = the data gradient + dx_add (NULL:
 * nothing). */
static golu_status conv_backward_through_bn(nn_model *m, float *dx, const float *dx_add,
                                            int wi, const nn_conv2d_shape *cs,
                                            const float *x, const rn_bn *bn,
                                            const float *dy, const float *c_out)
{
    resnet *s = m->impl;
    nn_params *p = &m->params;
    bn_dx_source d = {.dy = dy,
                      .x = c_out,
                      .mean = bn->mean,
                      .coef = s->bn_coef,
                      .c = cs->cout,
                      .hw = nn_conv2d_out_h(cs) * nn_conv2d_out_w(cs)};
    const nn_conv_dy_source src = {bn_dx_images, &d};
    return nn_conv2d_backward_from(dx, nn_param_grad(p, wi), &src, dx_add, x,
                                   nn_param_data(p, wi), cs, s->work);
}

/* A convolution's `then` (layers.h): the per-plane statistics of each
 * image of its output for the BatchNorm after it, (b, c, 3) in st. */
typedef struct stats_then {
    double *st;
    int c, hw;
} stats_then;

static void plane_stats_of_image(void *ctx, int img, const float *y)
{
    const stats_then *t = ctx;
    for (int ch = 0; ch < t->c; ch++)
        nn_batchnorm2d_plane_stats(t->st + 3 * ((size_t)img * t->c + ch),
                                   y + (size_t)ch * t->hw, t->hw);
}

/* y = the convolution cs of x with the weights wi, and the statistics of
 * bn on y in the forward's mode, saved in mean/rstd (training also moves
 * the running statistics): in training taken from each image's output
 * while it is in cache, no pass over y. bn_apply and bn_act_forward
 * apply them. */
static void conv_bn_stats(nn_model *m, float *y, const float *x, int wi,
                          const nn_conv2d_shape *cs, const rn_bn *bn)
{
    resnet *s = m->impl;
    nn_params *p = &m->params;
    const int c = cs->cout, hw = nn_conv2d_out_h(cs) * nn_conv2d_out_w(cs);
    stats_then st = {s->plane_sums, c, hw};
    const nn_conv_then then = {plane_stats_of_image, &st};
    nn_conv2d_forward_then(y, x, nn_param_data(p, wi), NULL, cs, s->work,
                           s->training ? &then : NULL);
    nn_batchnorm2d_stats_of_planes(bn->mean, bn->rstd, nn_param_data(p, bn->rm),
                                   nn_param_data(p, bn->rv), nn_param_data(p, bn->w),
                                   s->plane_sums, cs->n, c, hw, s->training, BN_MOMENTUM,
                                   BN_EPS);
}

/* Whether the shortcut is the identity (else option A: subsample, pad). */
static int is_identity(const rn_block *bl)
{
    return bl->stride == 1 && bl->cin == bl->cout;
}

/* out (b, cout, ho, wo) = the block on bl->in. */
static golu_status block_forward(nn_model *m, rn_block *bl, int b)
{
    int hw = bl->ho * bl->wo;
    nn_conv2d_shape cs1 = conv_shape(b, bl->cin, bl->h, bl->w, bl->cout, bl->stride);
    nn_conv2d_shape cs2 = conv_shape(b, bl->cout, bl->ho, bl->wo, bl->cout, 1);

    conv_bn_stats(m, bl->c1, bl->in, bl->conv1, &cs1, &bl->bn1);
    golu_status st =
        bn_act_forward(m, &bl->act1, bl->a1, bl->c1, NULL, &bl->bn1, b, bl->cout, hw);
    if (st != GOLU_OK)
        return st;
    conv_bn_stats(m, bl->c2, bl->a1, bl->conv2, &cs2, &bl->bn2);
    const float *res = bl->in;
    if (!is_identity(bl)) {
        nn_shortcut_pad_forward(bl->out, bl->in, b, bl->cin, bl->h, bl->w, bl->cout,
                                bl->stride);
        res = bl->out;
    }
    return bn_act_forward(m, &bl->act2, bl->out, bl->c2, res, &bl->bn2, b, bl->cout, hw);
}

/* a0 = act(bn1(conv1(x))). */
static golu_status stem_forward(nn_model *m, const float *x, int b)
{
    resnet *s = m->impl;
    const nn_config *c = &m->cfg;
    int hw = c->in_h * c->in_w;
    nn_conv2d_shape cs = conv_shape(b, c->in_c, c->in_h, c->in_w, c->width, 1);
    conv_bn_stats(m, s->c0, x, s->conv1, &cs, &s->bn1);
    return bn_act_forward(m, &s->act, s->a0, s->c0, NULL, &s->bn1, b, c->width, hw);
}

static golu_status resnet_forward(nn_model *m, const void *xv, const void *target, int b,
                                  int training, uint64_t step, double *loss)
{
    const int32_t *y = target; /* (b) class indices */
    (void)step;                /* no dropout */
    resnet *s = m->impl;
    const nn_config *c = &m->cfg;
    nn_params *p = &m->params;
    s->b = 0; /* no backward until this forward completes */
    if (b < 1 || b > c->batch)
        return GOLU_ERR_SHAPE;
    s->x = xv;
    s->y = y;
    s->training = training;
    golu_status st = stem_forward(m, s->x, b);
    const float *in = s->a0;
    for (int i = 0; st == GOLU_OK && i < s->nb; i++) {
        rn_block *bl = &s->blocks[i];
        bl->in = in;
        st = block_forward(m, bl, b);
        in = bl->out;
    }
    if (st != GOLU_OK)
        return st;
    const rn_block *last = &s->blocks[s->nb - 1];
    nn_global_avgpool_forward(s->pool, last->out, b, s->feat, last->ho * last->wo);
    nn_linear_forward(s->logits, s->pool, nn_param_data(p, s->lin_w),
                      nn_param_data(p, s->lin_b), b, s->feat, c->classes);
    *loss = nn_softmax_ce_forward(s->probs, s->logits, y, b, c->classes);
    s->b = b;
    return GOLU_OK;
}

/* --------------------------------------------------------------- backward */

/*
 * The block's backward. On entry sc[0] holds G = dL/d(out); sc[1..3] (T, U,
 * V) are free. On return sc[0] holds dL/d(in) and sc[1..3] are free again:
 * the pointers rotate, nothing is copied. Each buffer's use in turn:
 *   U = shortcut(in)                     (when not the identity)
 *   T = s2 = bn2(c2) + shortcut(in)      (recomputed act2 input, image by
 *                                         image: T is only scratch here)
 *   G = ds2 = G * act2'(s2)              (in place; kept for the shortcut)
 *   V = da1 = conv2_backward(bn2_backward(G); a1)   (BN's data gradient
 *                                         made inside the convolution's
 *                                         backward, a1 kept by the forward)
 *   U = t1 = bn1(c1)                     (recomputed act1 input, scratch as
 *                                         above)
 *   V = dt1 = V * act1'(t1)              (in place)
 *   U = shortcut_backward(G)             (when not the identity)
 *   T = din = conv1_backward(bn1_backward(V); in) + (G or U)
 * With an activation whose output gives its derivative (nn_act_slope_from_output)
 * s2 and t1 are not recomputed: act2' is read off out, act1' off a1.
 */

/* G = dL/d(out) -> G = ds2 (kept), bn2's coefficients; T, U scratch. */
static golu_status block_backward_tail(nn_model *m, rn_block *bl, float *G, float *T,
                                       float *U)
{
    resnet *s = m->impl;
    const int b = s->b, hw = bl->ho * bl->wo;
    const float *res = NULL; /* not needed when out gives act2's derivative */
    if (!nn_act_slope_from_output(&bl->act2.act)) {
        res = bl->in;
        if (!is_identity(bl)) {
            nn_shortcut_pad_forward(U, bl->in, b, bl->cin, bl->h, bl->w, bl->cout,
                                    bl->stride);
            res = U;
        }
    }
    return act_bn_backward(m, &bl->act2, &bl->bn2, T, G, bl->c2, res, bl->out, b,
                           bl->cout, hw);
}

/* G = ds2 -> V = dt1, bn1's coefficients (conv2's and bn1's gradients
 * added); U is scratch. */
static golu_status block_backward_mid(nn_model *m, rn_block *bl, const float *G, float *U,
                                      float *V)
{
    resnet *s = m->impl;
    const int b = s->b, hw = bl->ho * bl->wo;
    nn_conv2d_shape cs2 = conv_shape(b, bl->cout, bl->ho, bl->wo, bl->cout, 1);
    golu_status st = conv_backward_through_bn(m, V, NULL, bl->conv2, &cs2, bl->a1,
                                              &bl->bn2, G, bl->c2);
    if (st != GOLU_OK)
        return st;
    return act_bn_backward(m, &bl->act1, &bl->bn1, U, V, bl->c1, NULL, bl->a1, b,
                           bl->cout, hw);
}

static golu_status block_backward(nn_model *m, rn_block *bl, float *sc[NSCRATCH])
{
    resnet *s = m->impl;
    const int b = s->b;
    float *G = sc[0], *T = sc[1], *U = sc[2], *V = sc[3];
    nn_conv2d_shape cs1 = conv_shape(b, bl->cin, bl->h, bl->w, bl->cout, bl->stride);
    golu_status st = block_backward_tail(m, bl, G, T, U);
    if (st == GOLU_OK)
        st = block_backward_mid(m, bl, G, U, V);
    if (st != GOLU_OK)
        return st;
    const float *shortcut_grad = G;
    if (!is_identity(bl)) {
        nn_shortcut_pad_backward(U, G, b, bl->cin, bl->h, bl->w, bl->cout, bl->stride);
        shortcut_grad = U;
    }
    st = conv_backward_through_bn(m, T, shortcut_grad, bl->conv1, &cs1, bl->in, &bl->bn1,
                                  V, bl->c1);
    sc[0] = T; /* T holds dL/d(in); G is free */
    sc[1] = G;
    return st;
}

/* The stem's parameter gradients from G = dL/d(a0); U scratch. */
static golu_status stem_backward(nn_model *m, float *G, float *U)
{
    resnet *s = m->impl;
    const nn_config *c = &m->cfg;
    const int b = s->b, hw = c->in_h * c->in_w;
    nn_conv2d_shape cs = conv_shape(b, c->in_c, c->in_h, c->in_w, c->width, 1);
    golu_status st =
        act_bn_backward(m, &s->act, &s->bn1, U, G, s->c0, NULL, s->a0, b, c->width, hw);
    if (st != GOLU_OK)
        return st;
    /* The input image needs no gradient. */
    return conv_backward_through_bn(m, NULL, NULL, s->conv1, &cs, s->x, &s->bn1, G,
                                    s->c0);
}

static golu_status resnet_backward(nn_model *m)
{
    resnet *s = m->impl;
    const nn_config *c = &m->cfg;
    nn_params *p = &m->params;
    const int b = s->b;
    if (b < 1)
        return GOLU_ERR_SHAPE; /* no completed forward */
    float *sc[NSCRATCH];
    memcpy(sc, s->scratch, sizeof sc);

    float *dlogits = s->probs; /* (b, classes), in place */
    nn_softmax_ce_backward(dlogits, s->probs, s->y, b, c->classes, 1.0 / b);
    nn_linear_backward(s->dpool, nn_param_grad(p, s->lin_w), nn_param_grad(p, s->lin_b),
                       dlogits, s->pool, nn_param_data(p, s->lin_w), b, s->feat,
                       c->classes);
    const rn_block *last = &s->blocks[s->nb - 1];
    nn_global_avgpool_backward(sc[0], s->dpool, b, s->feat, last->ho * last->wo);
    for (int i = s->nb - 1; i >= 0; i--) {
        golu_status st = block_backward(m, &s->blocks[i], sc);
        if (st != GOLU_OK)
            return st;
    }
    return stem_backward(m, sc[0], sc[1]);
}

/* ------------------------------------------------------------------- rest */

static const float *resnet_logits(const nn_model *m)
{
    return ((const resnet *)m->impl)->logits;
}

static void resnet_destroy(nn_model *m)
{
    resnet *s = m->impl;
    for (int i = 0; s->blocks && i < s->nb; i++) {
        free(s->blocks[i].c1);
        free(s->blocks[i].a1);
        free(s->blocks[i].c2);
        free(s->blocks[i].out);
    }
    free(s->blocks);
    free(s->c0);
    free(s->a0);
    free(s->pool);
    free(s->dpool);
    free(s->logits);
    free(s->probs);
    free(s->stats);
    free(s->plane_sums);
    free(s->bn_coef);
    for (int k = 0; k < NSCRATCH; k++)
        free(s->scratch[k]);
    free(s->work);
    free(s);
    m->impl = NULL;
}

static const nn_model_ops resnet_ops = {resnet_build,    resnet_init,   resnet_forward,
                                        resnet_backward, resnet_logits, resnet_destroy};

/* ------------------------------------------------------------ descriptor */

static int resnet_check(const nn_config *c, nn_err *err)
{
    if (nn_model_check_images(c, err))
        return -1;
    if (c->depth < 8 || (c->depth - 2) % 6 != 0)
        return nn_fail(err,
                       "depth: %d (resnet depth is 6n+2: 8, 14, 20, 32, 44, 56, 110)",
                       c->depth);
    return 0;
}

/* CIFAR ResNet-20's recipe. */
static void resnet_recipe(nn_train_config *c)
{
    c->model.depth = 20, c->model.width = 16;
    c->epochs = 10;
    c->lr = 0.1;
    c->opt.weight_decay = 1e-4;
    c->sched.kind = NN_SCHED_STEP;
}

static void resnet_describe(const nn_config *m, char *buf, size_t size)
{
    nn_str_append(buf, size, "ResNet-%d, width %d", m->depth, m->width);
}

/* The parameters and buffers resnet_build and alloc_buffers make
 * (registry.h), from the same plan of the blocks. */
static void resnet_size(const nn_config *c, double *params, double *floats)
{
    resnet s;
    memset(&s, 0, sizeof s);
    s.nb = 3 * ((c->depth - 2) / 6);
    s.feat = 4 * c->width;
    s.blocks = calloc((size_t)s.nb + 1, sizeof *s.blocks);
    if (!s.blocks) { /* too deep to plan: the depth alone says it is huge */
        *params = *floats = 1e30;
        return;
    }
    plan_blocks(&s, c);
    double acts = nn_actlayer_count(&c->act, c->learn_act), b = c->batch;
    double stem = b * c->width * c->in_h * c->in_w, most = stem;
    *params = 9.0 * c->in_c * c->width + 4.0 * c->width + acts +
              (double)c->classes * s.feat + c->classes;
    *floats = 2 * stem + 2.0 * c->width;
    for (int i = 0; i < s.nb; i++) {
        const rn_block *bl = &s.blocks[i];
        double n = b * bl->cout * bl->ho * bl->wo;
        *params += 9.0 * bl->cin * bl->cout + 9.0 * bl->cout * bl->cout + 8.0 * bl->cout +
                   2 * acts;
        *floats += 4 * n + 4.0 * bl->cout;
        most = n > most ? n : most;
    }
    *floats += NSCRATCH * most + (double)max_workspace(&s, c) + 2 * b * s.feat +
               3.0 * s.feat + 6 * b * s.feat /* plane_sums, doubles */ +
               2 * b * c->classes;
    free(s.blocks);
}

static const nn_task_desc *const RESNET_TASKS[] = {&nn_task_images, NULL};

const nn_model_desc nn_model_resnet = {
    "resnet",
    "ResNet-20, lr 0.1, weight decay 1e-4, x0.1 at 50% and 75%, 10 epochs.",
    RESNET_TASKS,
    &resnet_ops,
    resnet_check,
    resnet_recipe,
    resnet_describe,
    resnet_size};
