/*
 * unet.c - a small U-Net (Ronneberger et al. 2015) with residual blocks, for
 * per-pixel classification (`--model unet --task segment`, the default)
 * and, with a time embedding, for predicting a diffusion's noise
 * (`--task diffusion`). L = depth levels (2 or 3) of widths w, 2w, 4w:
 *
 *     stem: conv 3x3 (in_c -> w)
 *     down.i (i < L): block(w_{i-1} -> w_i) at H/2^i, then avg-pool 2x2
 *                     (the last, the bottom, is not pooled)
 *     up.i (i = L-2 .. 0): upsample x2 the coarser output, concatenate the
 *                     skip down.i's output after it, block(w_{i+1} + w_i -> w_i)
 *     head: conv 1x1 (w -> classes logits | in_c noise)
 *
 *     block(x) = act2(gn2(conv2(act1(gn1(conv1(x))) [+ temb(t)])) + skip(x))
 *
 * conv 3x3 pad 1 with bias, GroupNorm of the largest of 8, 4, 2, 1 groups
 * that divides the channels (eps 1e-5), skip a 1x1 conv when the widths
 * differ, else the identity. Every activation is the one under test. With
 * the time embedding (diffusion): e = sinusoid(t, w) -> time.lin1 (w -> 4w) ->
 * time.act, and each block adds its own linear projection of that (4w ->
 * cout) to every pixel of its channels after act1.
 *
 * Batches: segment: x (b, in_c, H, W) float, target (b, H*W) int32 class per
 * pixel (NN_UNET_IGNORE: not counted), loss the per-pixel cross-entropy;
 * diffusion: x (b, in_c*H*W + 1) float, the noisy image then the step t, target
 * (b, in_c*H*W) the noise, loss the MSE. Parameter names are the torch
 * twin's (tests/nn/torch_models.py). Every intermediate the backward needs
 * is kept (the net is small); five scratch buffers carry the gradients.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fork.h"
#include "real.h"
#include "layers.h"
#include "layers/lane_sums.h"
#include "model.h"
#include "registry.h"
#include "str.h"
#include "train/config.h"
#include "train/task.h"

#define GN_EPS   1e-5
#define NSCRATCH 5
#define MAXLVL   3
#define NBLOCKS  (2 * MAXLVL - 1)

typedef struct un_block {
    int cin, cout, h, w, g; /* input (cin, h, w), output (cout, h, w), groups */
    int conv1, conv1b, gn1w, gn1b, conv2, conv2b, gn2w, gn2b;
    int skipw, skipb; /* -1: identity */
    int tw, tb;       /* the time projection; -1: none */
    nn_actlayer act1, act2;
    const float *in;                      /* (b, cin, h, w): a view */
    float *c1, *g1, *a1, *c2, *s;         /* (b, cout, h, w) saved */
    float *out;                           /* (b, cout, h, w) */
    float *mean1, *rstd1, *mean2, *rstd2; /* (b, g) each */
} un_block;

typedef struct unet {
    int L, time, out_c;
    int wd[MAXLVL];
    int nb;
    un_block bl[NBLOCKS]; /* down.0 .. down.L-1, then up.L-2 .. up.0 */
    int stem, stemb, head, headb;
    int t1w, t1b;
    nn_actlayer tact;
    float *xin;  /* diffusion: (b, in_c, H, W), the image part of x */
    int32_t *ts; /* diffusion: (b) steps */
    float *s0;   /* (b, w, H, W) stem output */
    float *pool[MAXLVL], *cat[MAXLVL], *dskip[MAXLVL];
    float *te, *t1, *ta, *proj, *dta, *dtmp; /* time path */
    float *logits, *probs;                   /* (b, out_c, H, W) */
    float *gnpart; /* (b, 2, widest): a GroupNorm's dgamma and dbeta per image */
    double *bpart; /* (b, widest): a convolution's bias gradient per image */
    float *scratch[NSCRATCH];
    float *work;
    const float *x; /* (b, in_c, H, W): the last forward's image */
    const void *target;
    long count; /* counted pixels of the last forward (unet) */
    int b;
} unet;

/* ------------------------------------------------------------------- plan */

/* GroupNorm groups for c channels. */
static int groups_of(int c)
{
    return c % 8 == 0 ? 8 : c % 4 == 0 ? 4 : c % 2 == 0 ? 2 : 1;
}

static int is_ddpm(const nn_config *c);

/* Shapes of every block, from the configuration alone. */
static void plan(unet *u, const nn_config *c)
{
    u->L = c->depth;
    u->time = is_ddpm(c);
    u->out_c = u->time ? c->in_c : c->classes;
    u->nb = 2 * u->L - 1;
    for (int i = 0; i < u->L; i++)
        u->wd[i] = c->width << i;
    for (int i = 0; i < u->L; i++) {
        un_block *b = &u->bl[i];
        b->cin = i ? u->wd[i - 1] : u->wd[0];
        b->cout = u->wd[i];
        b->h = c->in_h >> i, b->w = c->in_w >> i;
    }
    for (int j = 0; j < u->L - 1; j++) {
        int i = u->L - 2 - j;
        un_block *b = &u->bl[u->L + j];
        b->cin = u->wd[i + 1] + u->wd[i];
        b->cout = u->wd[i];
        b->h = c->in_h >> i, b->w = c->in_w >> i;
    }
    for (int k = 0; k < u->nb; k++)
        u->bl[k].g = groups_of(u->bl[k].cout);
}

static nn_conv2d_shape conv_shape(int n, int cin, int h, int w, int cout, int k)
{
    nn_conv2d_shape cs = {n, cin, h, w, cout, k, 1, k / 2};
    return cs;
}

static size_t maxz(size_t a, size_t b)
{
    return a > b ? a : b;
}

/* The largest conv workspace and the largest tensor, at batch n. */
static void plan_sizes(const unet *u, const nn_config *c, int n, size_t *work,
                       size_t *most)
{
    nn_conv2d_shape cs = conv_shape(n, c->in_c, c->in_h, c->in_w, u->wd[0], 3);
    *work = nn_conv2d_workspace(&cs);
    cs = conv_shape(n, u->wd[0], c->in_h, c->in_w, u->out_c, 1);
    *work = maxz(*work, nn_conv2d_workspace(&cs));
    *most = (size_t)n * maxz((size_t)u->out_c, (size_t)u->wd[0]) * c->in_h * c->in_w;
    for (int k = 0; k < u->nb; k++) {
        const un_block *b = &u->bl[k];
        size_t hw = (size_t)b->h * b->w;
        cs = conv_shape(n, b->cin, b->h, b->w, b->cout, 3);
        *work = maxz(*work, nn_conv2d_workspace(&cs));
        cs = conv_shape(n, b->cout, b->h, b->w, b->cout, 3);
        *work = maxz(*work, nn_conv2d_workspace(&cs));
        cs = conv_shape(n, b->cin, b->h, b->w, b->cout, 1);
        *work = maxz(*work, nn_conv2d_workspace(&cs));
        *most = maxz(*most, (size_t)n * maxz((size_t)b->cin, (size_t)b->cout) * hw);
    }
}

/* ------------------------------------------------------------------ build */

static int add(nn_model *m, const char *prefix, const char *leaf, int ndim,
               const int *shape, unsigned flags, nn_err *err)
{
    char name[NN_PARAM_NAME_MAX];
    snprintf(name, sizeof name, "%.64s.%s", prefix, leaf);
    return nn_params_add(&m->params, name, ndim, shape, flags, err);
}

/* prefix.weight (cout, cin, k, k), prefix.bias (cout) into *w, *b. */
static int add_conv(nn_model *m, const char *prefix, int cin, int cout, int k, int *w,
                    int *b, nn_err *err)
{
    int shape[4] = {cout, cin, k, k};
    *w = add(m, prefix, "weight", 4, shape, NN_PARAM_DECAY, err);
    *b = *w < 0 ? -1 : add(m, prefix, "bias", 1, &cout, 0, err);
    return *b < 0 ? -1 : 0;
}

static int add_gn(nn_model *m, const char *prefix, int c, int *w, int *b, nn_err *err)
{
    *w = add(m, prefix, "weight", 1, &c, 0, err);
    *b = *w < 0 ? -1 : add(m, prefix, "bias", 1, &c, 0, err);
    return *b < 0 ? -1 : 0;
}

static int add_linear(nn_model *m, const char *prefix, int in, int out, int *w, int *b,
                      nn_err *err)
{
    int shape[2] = {out, in};
    *w = add(m, prefix, "weight", 2, shape, NN_PARAM_DECAY, err);
    *b = *w < 0 ? -1 : add(m, prefix, "bias", 1, &out, 0, err);
    return *b < 0 ? -1 : 0;
}

/* Block k's tensors as <pre>.conv1, .gn1, .act1, [.temb], .conv2, .gn2,
 * [.skip], .act2. */
static int add_block(nn_model *m, unet *u, un_block *b, const char *pre, nn_err *err)
{
    const nn_config *c = &m->cfg;
    char name[64];
    b->skipw = b->skipb = b->tw = b->tb = -1;
#define SUB(leaf) (snprintf(name, sizeof name, "%s.%s", pre, leaf), name)
    if (add_conv(m, SUB("conv1"), b->cin, b->cout, 3, &b->conv1, &b->conv1b, err) ||
        add_gn(m, SUB("gn1"), b->cout, &b->gn1w, &b->gn1b, err) ||
        nn_actlayer_add(&b->act1, &m->params, SUB("act1"), &c->act, c->learn_act, err))
        return -1;
    if (u->time && add_linear(m, SUB("temb"), 4 * u->wd[0], b->cout, &b->tw, &b->tb, err))
        return -1;
    if (add_conv(m, SUB("conv2"), b->cout, b->cout, 3, &b->conv2, &b->conv2b, err) ||
        add_gn(m, SUB("gn2"), b->cout, &b->gn2w, &b->gn2b, err))
        return -1;
    if (b->cin != b->cout &&
        add_conv(m, SUB("skip"), b->cin, b->cout, 1, &b->skipw, &b->skipb, err))
        return -1;
    return nn_actlayer_add(&b->act2, &m->params, SUB("act2"), &c->act, c->learn_act, err);
#undef SUB
}

static int add_params(nn_model *m, unet *u, nn_err *err)
{
    const nn_config *c = &m->cfg;
    char pre[32];
    if (u->time &&
        (add_linear(m, "time.lin1", u->wd[0], 4 * u->wd[0], &u->t1w, &u->t1b, err) ||
         nn_actlayer_add(&u->tact, &m->params, "time.act", &c->act, c->learn_act, err)))
        return -1;
    if (add_conv(m, "stem", c->in_c, u->wd[0], 3, &u->stem, &u->stemb, err))
        return -1;
    for (int i = 0; i < u->L; i++) {
        snprintf(pre, sizeof pre, "down.%d", i);
        if (add_block(m, u, &u->bl[i], pre, err))
            return -1;
    }
    for (int j = 0; j < u->L - 1; j++) {
        snprintf(pre, sizeof pre, "up.%d", u->L - 2 - j);
        if (add_block(m, u, &u->bl[u->L + j], pre, err))
            return -1;
    }
    if (add_conv(m, "head", u->wd[0], u->out_c, 1, &u->head, &u->headb, err))
        return -1;
    return nn_params_alloc(&m->params, err);
}

/* Every buffer; *floats (when not NULL) counts them instead, without
 * allocating (the memory estimate). */
static int alloc_all(unet *u, const nn_config *c, double *floats)
{
    const size_t n = (size_t)c->batch, hw0 = (size_t)c->in_h * c->in_w;
    size_t work, most;
    plan_sizes(u, c, c->batch, &work, &most);
    int ok = 1;
    double total = 0;
#define ALLOC(ptr, count)                                                                \
    do {                                                                                 \
        size_t cnt_ = (count);                                                           \
        total += (double)cnt_;                                                           \
        if (!floats)                                                                     \
            ok &= !!((ptr) = nn_alloc_floats(cnt_));                                     \
    } while (0)
    if (u->time) {
        const size_t tdim = 4 * (size_t)u->wd[0];
        ALLOC(u->xin, n * c->in_c * hw0);
        total += (double)n; /* ts */
        if (!floats)
            ok &= !!(u->ts = calloc(n, sizeof *u->ts));
        ALLOC(u->te, n * u->wd[0]);
        ALLOC(u->t1, n * tdim);
        ALLOC(u->ta, n * tdim);
        ALLOC(u->dta, n * tdim);
        ALLOC(u->dtmp, n * tdim);
        ALLOC(u->proj, n * u->wd[u->L - 1]);
    }
    ALLOC(u->s0, n * u->wd[0] * hw0);
    for (int k = 0; k < u->nb; k++) {
        un_block *b = &u->bl[k];
        size_t e = n * b->cout * b->h * b->w, st = n * b->g;
        float **big[] = {&b->c1, &b->g1, &b->a1, &b->c2, &b->s, &b->out};
        float **small[] = {&b->mean1, &b->rstd1, &b->mean2, &b->rstd2};
        for (int q = 0; q < 6; q++)
            ALLOC(*big[q], e);
        for (int q = 0; q < 4; q++)
            ALLOC(*small[q], st);
    }
    for (int i = 0; i + 1 < u->L; i++) {
        size_t hw = (size_t)(c->in_h >> i) * (c->in_w >> i);
        ALLOC(u->pool[i], n * u->wd[i] * hw / 4);
        ALLOC(u->cat[i], n * (u->wd[i] + u->wd[i + 1]) * hw);
        ALLOC(u->dskip[i], n * u->wd[i] * hw);
    }
    ALLOC(u->logits, n * u->out_c * hw0);
    ALLOC(u->gnpart, n * 2 * u->wd[u->L - 1]);
    total += 2.0 * (double)(n * u->wd[u->L - 1]); /* bpart, in doubles */
    if (!floats)
        ok &= !!(u->bpart = calloc(n * u->wd[u->L - 1], sizeof *u->bpart));
    ALLOC(u->probs, n * u->out_c * hw0);
    for (int k = 0; k < NSCRATCH; k++)
        ALLOC(u->scratch[k], most);
    ALLOC(u->work, work);
#undef ALLOC
    if (floats)
        *floats = total;
    return ok ? 0 : -1;
}

static int unet_build(nn_model *m, nn_err *err)
{
    unet *u = calloc(1, sizeof *u);
    if (!u)
        return nn_fail(err, "out of memory");
    m->impl = u;
    plan(u, &m->cfg);
    if (add_params(m, u, err))
        return -1;
    if (alloc_all(u, &m->cfg, NULL))
        return nn_fail(err, "out of memory for the activations (batch %d)", m->cfg.batch);
    return 0;
}

/* ------------------------------------------------------------------- init */

/* torch's Conv2d / Linear default: weight and bias U(+-1/sqrt(fan_in)). */
static void init_pair(nn_params *p, int w, int b, double fan_in, uint64_t seed)
{
    double bound = 1.0 / sqrt(fan_in);
    nn_init_uniform(p, w, bound, seed);
    nn_init_uniform(p, b, bound, seed);
}

static void unet_init(nn_model *m, uint64_t seed)
{
    unet *u = m->impl;
    nn_params *p = &m->params;
    if (u->time) {
        init_pair(p, u->t1w, u->t1b, u->wd[0], seed);
        nn_actlayer_init(&u->tact, p);
    }
    init_pair(p, u->stem, u->stemb, 9.0 * m->cfg.in_c, seed);
    for (int k = 0; k < u->nb; k++) {
        const un_block *b = &u->bl[k];
        init_pair(p, b->conv1, b->conv1b, 9.0 * b->cin, seed);
        init_pair(p, b->conv2, b->conv2b, 9.0 * b->cout, seed);
        nn_init_const(p, b->gn1w, 1.0f), nn_init_const(p, b->gn1b, 0.0f);
        nn_init_const(p, b->gn2w, 1.0f), nn_init_const(p, b->gn2b, 0.0f);
        nn_actlayer_init(&b->act1, p);
        nn_actlayer_init(&b->act2, p);
        if (b->skipw >= 0)
            init_pair(p, b->skipw, b->skipb, b->cin, seed);
        if (b->tw >= 0)
            init_pair(p, b->tw, b->tb, 4.0 * u->wd[0], seed);
    }
    init_pair(p, u->head, u->headb, u->wd[0], seed);
}

/* ------------------------------------------------ image-wise layers */

/* The layers between the blocks (pooling, upsampling, concatenation) work
 * image by image: they run on the batch's two fixed halves (fork.h), the
 * same bits for any thread count. */
typedef enum { OP_POOL_FWD, OP_POOL_BWD, OP_UPCAT_FWD, OP_UPCAT_BWD } image_op;

/* Images [i0, i1) of op. POOL (2x2, stride 2): x is the forward's input (c,
 * h, w) per image, y its output (or back). UPCAT: y (c + c2, 2h, 2w) =
 * [upsampled x (c, h, w), x2 (c2, 2h, 2w)], the upsampling written into the
 * concatenation's first planes (no tensor between them); back (BWD): y (c,
 * h, w) = the upsampling's adjoint of x's first c planes, y2 = its last c2. */
typedef struct image_job {
    image_op op;
    float *y, *y2;
    const float *x, *x2;
    int c, c2, h, w, i0, i1;
} image_job;

static void *image_run(void *arg)
{
    const image_job *j = arg;
    const int n = j->i1 - j->i0;
    const size_t i0 = (size_t)j->i0, small = (size_t)j->c * j->h * j->w;
    const size_t fine = 4 * (size_t)j->h * j->w, cat = (size_t)(j->c + j->c2) * fine;
    switch (j->op) {
    case OP_POOL_FWD:
        nn_avgpool2d_forward(j->y + i0 * small / 4, j->x + i0 * small, n, j->c, j->h,
                             j->w, 2, 2);
        break;
    case OP_POOL_BWD:
        nn_avgpool2d_backward(j->y + i0 * small, j->x + i0 * small / 4, n, j->c, j->h,
                              j->w, 2, 2);
        break;
    case OP_UPCAT_FWD:
        for (size_t i = i0; i < (size_t)j->i1; i++) {
            float *yi = j->y + i * cat;
            nn_upsample2x_forward(yi, j->x + i * small, 1, j->c, j->h, j->w);
            memcpy(yi + (size_t)j->c * fine, j->x2 + i * j->c2 * fine,
                   (size_t)j->c2 * fine * sizeof *yi);
        }
        break;
    case OP_UPCAT_BWD:
        for (size_t i = i0; i < (size_t)j->i1; i++) {
            const float *xi = j->x + i * cat;
            nn_upsample2x_backward(j->y + i * small, xi, 1, j->c, j->h, j->w);
            memcpy(j->y2 + i * j->c2 * fine, xi + (size_t)j->c * fine,
                   (size_t)j->c2 * fine * sizeof *xi);
        }
        break;
    }
    return NULL;
}

static void image_halves(image_job j, int n)
{
    image_job h[2] = {j, j};
    h[0].i0 = 0, h[0].i1 = h[1].i0 = n / 2, h[1].i1 = n;
    const double fine = j.op == OP_UPCAT_FWD || j.op == OP_UPCAT_BWD ? 4 : 1;
    nn_run_halves(image_run, &h[0], &h[1], n * fine * (j.c + j.c2) * j.h * j.w >= 65536);
}

/* ---------------------------------------------------------------- forward */

static const float *P(const nn_model *m, int i)
{
    return nn_param_data(&m->params, i);
}

static float *G(nn_model *m, int i)
{
    return nn_param_grad(&m->params, i);
}

/* y (n, c, hw) += v (n, c) on every pixel. */
static void add_per_channel(float *y, const float *v, int n, int c, int hw)
{
    for (size_t q = 0; q < (size_t)n * c; q++)
        for (int p = 0; p < hw; p++)
            y[q * hw + p] += v[q];
}

/*
 * A block's GroupNorm and activation after each of its convolutions, image
 * by image while the convolution's output is in cache (its `then`, on the
 * convolution's threads): GroupNorm is per image, so nothing waits for the
 * batch. Stage 1: g1 = gn1(c1), a1 = act1(g1) [+ the time projection];
 * stage 2: s = gn2(c2) + res, out = act2(s). The same operations on each
 * image as whole-batch calls of the layers would make, so the same bits
 * (tests/nn/test_trainer_unet.c: on one and on two threads).
 */
typedef struct gn_act_then {
    nn_model *m;
    un_block *b;
    int stage;
    golu_act act;
    const float *extra; /* stage 1: the time projection (n, cout) or NULL;
                           stage 2: res (n, cout, h, w) */
    atomic_int st;      /* GOLU_OK, or a failure of an image's activation */
} gn_act_then;

static void gn_act_image(void *ctx, int img, const float *y)
{
    gn_act_then *t = ctx;
    const un_block *b = t->b;
    const nn_model *m = t->m;
    const int hw = b->h * b->w, g = b->g;
    const size_t e = (size_t)b->cout * hw, off = (size_t)img * e;
    const size_t go = (size_t)img * g;
    golu_status st;
    if (t->stage == 1) {
        nn_groupnorm_forward(b->g1 + off, b->mean1 + go, b->rstd1 + go, y, P(m, b->gn1w),
                             P(m, b->gn1b), 1, b->cout, hw, g, GN_EPS);
        st = nn_act_forward(m->ctx1, &t->act, b->a1 + off, b->g1 + off, e);
        if (t->extra)
            add_per_channel(b->a1 + off, t->extra + (size_t)img * b->cout, 1, b->cout,
                            hw);
    } else {
        float *sv = b->s + off;
        const float *res = t->extra + off;
        nn_groupnorm_forward(sv, b->mean2 + go, b->rstd2 + go, y, P(m, b->gn2w),
                             P(m, b->gn2b), 1, b->cout, hw, g, GN_EPS);
        /* On a convolution's thread OpenBLAS is at one thread, so this
         * does not split again (fork.h). */
        nn_accumulate(sv, res, e);
        st = nn_act_forward(m->ctx1, &t->act, b->out + off, sv, e);
    }
    if (st != GOLU_OK)
        atomic_store(&t->st, (int)st);
}

/* The skip's output (sk, when a 1x1 convolution) or the input: what stage 2
 * adds. */
static const float *skip_forward(nn_model *m, un_block *b, int n, float *sk)
{
    unet *u = m->impl;
    if (b->skipw < 0)
        return b->in;
    nn_conv2d_shape cs = conv_shape(n, b->cin, b->h, b->w, b->cout, 1);
    nn_conv2d_forward(sk, b->in, P(m, b->skipw), P(m, b->skipb), &cs, u->work);
    return sk;
}

/* out = block(in) at batch n; sk is scratch for the 1x1 skip. */
static golu_status block_forward(nn_model *m, un_block *b, int n, float *sk)
{
    unet *u = m->impl;
    nn_conv2d_shape c1 = conv_shape(n, b->cin, b->h, b->w, b->cout, 3);
    nn_conv2d_shape c2 = conv_shape(n, b->cout, b->h, b->w, b->cout, 3);
    gn_act_then t = {.m = m, .b = b, .stage = 1};
    t.act = nn_actlayer_current(&b->act1, &m->params);
    atomic_init(&t.st, GOLU_OK);
    if (b->tw >= 0) {
        nn_linear_forward(u->proj, u->ta, P(m, b->tw), P(m, b->tb), n, 4 * u->wd[0],
                          b->cout);
        t.extra = u->proj;
    }
    const nn_conv_then then = {gn_act_image, &t};
    nn_conv2d_forward_then(b->c1, b->in, P(m, b->conv1), P(m, b->conv1b), &c1, u->work,
                           &then);
    if (atomic_load(&t.st) != GOLU_OK)
        return (golu_status)atomic_load(&t.st);
    t.extra = skip_forward(m, b, n, sk);
    t.stage = 2;
    t.act = nn_actlayer_current(&b->act2, &m->params);
    nn_conv2d_forward_then(b->c2, b->a1, P(m, b->conv2), P(m, b->conv2b), &c2, u->work,
                           &then);
    return (golu_status)atomic_load(&t.st);
}

/* The time path: ta = act(lin1(sinusoid(t))). */
static golu_status time_forward(nn_model *m, int n)
{
    unet *u = m->impl;
    const int w = u->wd[0];
    nn_time_embed_forward(u->te, u->ts, n, w);
    nn_linear_forward(u->t1, u->te, P(m, u->t1w), P(m, u->t1b), n, w, 4 * w);
    return nn_actlayer_forward(&u->tact, m, u->ta, u->t1, (size_t)n * 4 * w);
}

/* diffusion: the image part of x into xin, the steps into ts. */
static void split_input(unet *u, const nn_config *c, const float *x, int n)
{
    const size_t e = (size_t)c->in_c * c->in_h * c->in_w;
    for (int i = 0; i < n; i++) {
        memcpy(u->xin + i * e, x + i * (e + 1), e * sizeof *x);
        u->ts[i] = (int32_t)x[i * (e + 1) + e];
    }
}

/* The loss of the logits against the target. */
static double head_loss(unet *u, const nn_config *c, int n)
{
    const size_t hw = (size_t)c->in_h * c->in_w;
    if (u->time)
        return nn_mse_forward(u->logits, u->target, (size_t)n * u->out_c * hw);
    return nn_pixel_ce_forward(u->probs, u->logits, u->target, n, u->out_c, (int)hw,
                               NN_UNET_IGNORE, &u->count);
}

static golu_status unet_forward(nn_model *m, const void *xv, const void *target, int n,
                                int training, uint64_t step, double *loss)
{
    unet *u = m->impl;
    const nn_config *c = &m->cfg;
    (void)training, (void)step; /* GroupNorm is the same in both modes; no dropout */
    u->b = 0;
    if (n < 1 || n > c->batch)
        return GOLU_ERR_SHAPE;
    const float *x = xv;
    golu_status st = GOLU_OK;
    if (u->time) {
        split_input(u, c, x, n);
        x = u->xin;
        if ((st = time_forward(m, n)) != GOLU_OK)
            return st;
    }
    u->target = target;
    u->x = x;
    nn_conv2d_shape cs = conv_shape(n, c->in_c, c->in_h, c->in_w, u->wd[0], 3);
    nn_conv2d_forward(u->s0, x, P(m, u->stem), P(m, u->stemb), &cs, u->work);
    const float *in = u->s0;
    for (int i = 0; i < u->L && st == GOLU_OK; i++) {
        un_block *b = &u->bl[i];
        b->in = in;
        st = block_forward(m, b, n, u->scratch[0]);
        if (i + 1 < u->L) {
            image_halves((image_job){.op = OP_POOL_FWD,
                                     .y = u->pool[i],
                                     .x = b->out,
                                     .c = b->cout,
                                     .h = b->h,
                                     .w = b->w},
                         n);
            in = u->pool[i];
        }
    }
    const float *prev = u->bl[u->L - 1].out;
    for (int j = 0; j + 1 < u->L && st == GOLU_OK; j++) {
        int i = u->L - 2 - j;
        un_block *b = &u->bl[u->L + j];
        int cp = u->wd[i + 1];
        image_halves((image_job){.op = OP_UPCAT_FWD,
                                 .y = u->cat[i],
                                 .x = prev,
                                 .x2 = u->bl[i].out,
                                 .c = cp,
                                 .c2 = u->wd[i],
                                 .h = b->h / 2,
                                 .w = b->w / 2},
                     n);
        b->in = u->cat[i];
        st = block_forward(m, b, n, u->scratch[0]);
        prev = b->out;
    }
    if (st != GOLU_OK)
        return st;
    cs = conv_shape(n, u->wd[0], c->in_h, c->in_w, u->out_c, 1);
    nn_conv2d_forward(u->logits, prev, P(m, u->head), P(m, u->headb), &cs, u->work);
    *loss = head_loss(u, c, n);
    u->b = n;
    return GOLU_OK;
}

/* --------------------------------------------------------------- backward */

/* v (n, c) = the sum over hw of y (n, c, hw). */
static void sum_per_channel(float *v, const float *y, int n, int c, int hw)
{
    for (size_t q = 0; q < (size_t)n * c; q++) {
        double s = 0;
        for (int p = 0; p < hw; p++)
            s += y[q * hw + p];
        v[q] = (float)s;
    }
}

/* block_backward (below) a pass per layer: for activations with learnable
 * parameters, whose gradients sum over the whole batch. */
static golu_status block_backward_unfused(nn_model *m, un_block *b, const float *dout,
                                          float *din, float *A, float *B, float *C)
{
    unet *u = m->impl;
    const int n = u->b, hw = b->h * b->w;
    const size_t e = (size_t)n * b->cout * hw, ein = (size_t)n * b->cin * hw;
    nn_conv2d_shape c1 = conv_shape(n, b->cin, b->h, b->w, b->cout, 3);
    nn_conv2d_shape c2 = conv_shape(n, b->cout, b->h, b->w, b->cout, 3);
    golu_status st = nn_actlayer_backward(&b->act2, m, A, dout, b->s, e);
    if (st != GOLU_OK)
        return st;
    nn_groupnorm_backward(B, G(m, b->gn2w), G(m, b->gn2b), A, b->c2, b->mean2, b->rstd2,
                          P(m, b->gn2w), n, b->cout, hw, b->g);
    nn_conv2d_backward(C, G(m, b->conv2), G(m, b->conv2b), B, b->a1, P(m, b->conv2), &c2,
                       u->work);
    if (b->tw >= 0) {
        const int tdim = 4 * u->wd[0];
        sum_per_channel(u->proj, C, n, b->cout, hw);
        nn_linear_backward(u->dtmp, G(m, b->tw), G(m, b->tb), u->proj, u->ta, P(m, b->tw),
                           n, tdim, b->cout);
        nn_accumulate(u->dta, u->dtmp, (size_t)n * tdim);
    }
    if ((st = nn_actlayer_backward(&b->act1, m, C, C, b->g1, e)) != GOLU_OK)
        return st;
    nn_groupnorm_backward(B, G(m, b->gn1w), G(m, b->gn1b), C, b->c1, b->mean1, b->rstd1,
                          P(m, b->gn1w), n, b->cout, hw, b->g);
    nn_conv2d_backward(din, G(m, b->conv1), G(m, b->conv1b), B, b->in, P(m, b->conv1),
                       &c1, u->work);
    if (b->skipw >= 0) {
        nn_conv2d_shape cs = conv_shape(n, b->cin, b->h, b->w, b->cout, 1);
        nn_conv2d_backward(C, G(m, b->skipw), G(m, b->skipb), A, b->in, P(m, b->skipw),
                           &cs, u->work);
        nn_accumulate(din, C, ein);
    } else {
        nn_accumulate(din, A, ein);
    }
    return GOLU_OK;
}

/*
 * The backward through a GroupNorm and the activation after it, made a group
 * of images at a time as the convolution before them reads its dy
 * (nn_conv_dy_source: on the convolution's threads, each image in cache;
 * nothing of it is written out but the gradient at the activation's input):
 *
 *   stage 2: A = dout * act2'(s), written (the skip reads it), then conv2's
 *            dy = gn2's data gradient of A;
 *   stage 1: C = C * act1'(g1) in place (the time projection's sums of C
 *            first), then conv1's dy = gn1's data gradient of C.
 *
 * GroupNorm's dgamma and dbeta go per image into gnpart, the sums of the
 * convolution's dy (its bias gradient) per image into bpart; gn_dy_finish
 * adds them in image order. The same bits as the layer-by-layer backward
 * (block_backward_unfused) but for the bias gradients, summed per image
 * first.
 */
typedef struct gn_dy_source {
    nn_model *m;
    const un_block *b;
    int stage;
    golu_act act;
    float *grad;       /* stage 2: A; stage 1: C */
    const float *dout; /* stage 2: the block output's gradient */
    atomic_int st;     /* GOLU_OK, or an image's activation's failure */
} gn_dy_source;

static void gn_dy_images(void *ctx, int i0, int n, float *dy)
{
    gn_dy_source *d = ctx;
    const un_block *b = d->b;
    const nn_model *m = d->m;
    const unet *u = m->impl;
    const int hw = b->h * b->w, c = b->cout, two = d->stage == 2;
    const size_t e = (size_t)c * hw;
    const float *act_in = two ? b->s : b->g1, *x = two ? b->c2 : b->c1;
    const float *mean = two ? b->mean2 : b->mean1, *rstd = two ? b->rstd2 : b->rstd1;
    const float *gamma = P(m, two ? b->gn2w : b->gn1w);
    for (int k = 0; k < n; k++) {
        const int i = i0 + k;
        const size_t off = (size_t)i * e, go = (size_t)i * b->g;
        float *g = d->grad + off, *dyi = dy + (size_t)k * e;
        if (!two && b->tw >= 0)
            sum_per_channel(u->proj + (size_t)i * c, g, 1, c, hw);
        golu_status st = nn_act_backward(m->ctx1, &d->act, g, two ? d->dout + off : g,
                                         act_in + off, e, NULL);
        if (st != GOLU_OK)
            atomic_store(&d->st, (int)st);
        float *part = u->gnpart + (size_t)i * 2 * c;
        memset(part, 0, 2 * (size_t)c * sizeof *part);
        nn_groupnorm_backward(dyi, part, part + c, g, x + off, mean + go, rstd + go,
                              gamma, 1, c, hw, b->g);
        for (int ch = 0; ch < c; ch++)
            u->bpart[(size_t)i * c + ch] = lane_sum(dyi + (size_t)ch * hw, (size_t)hw);
    }
}

/* The per-image parts of gn_dy_images added in image order. */
static void gn_dy_finish(const unet *u, float *dgamma, float *dbeta, float *dbias, int n,
                         int c)
{
    for (int ch = 0; ch < c; ch++) {
        double sb = 0;
        for (int i = 0; i < n; i++) {
            const float *part = u->gnpart + (size_t)i * 2 * c;
            dgamma[ch] += part[ch];
            dbeta[ch] += part[c + ch];
            sb += u->bpart[(size_t)i * c + ch];
        }
        dbias[ch] += (float)sb;
    }
}

/* din = d(block)/d(in) from dout; A, B, C scratch, all five distinct. The
 * block's parameter gradients, and the time projection's input gradient
 * into dta, accumulate. */
static golu_status block_backward(nn_model *m, un_block *b, const float *dout, float *din,
                                  float *A, float *B, float *C)
{
    if (b->act1.nparams || b->act2.nparams)
        return block_backward_unfused(m, b, dout, din, A, B, C);
    unet *u = m->impl;
    const int n = u->b;
    nn_conv2d_shape c1 = conv_shape(n, b->cin, b->h, b->w, b->cout, 3);
    nn_conv2d_shape c2 = conv_shape(n, b->cout, b->h, b->w, b->cout, 3);
    gn_dy_source d = {.m = m, .b = b, .stage = 2, .grad = A, .dout = dout};
    d.act = nn_actlayer_current(&b->act2, &m->params);
    atomic_init(&d.st, GOLU_OK);
    const nn_conv_dy_source src = {gn_dy_images, &d};
    golu_status st = nn_conv2d_backward_from(C, G(m, b->conv2), &src, NULL, b->a1,
                                             P(m, b->conv2), &c2, u->work);
    if (st == GOLU_OK)
        st = (golu_status)atomic_load(&d.st);
    if (st != GOLU_OK)
        return st;
    gn_dy_finish(u, G(m, b->gn2w), G(m, b->gn2b), G(m, b->conv2b), n, b->cout);
    const float *add = A; /* the identity skip's gradient */
    if (b->skipw >= 0) {
        nn_conv2d_shape cs = conv_shape(n, b->cin, b->h, b->w, b->cout, 1);
        nn_conv2d_backward(B, G(m, b->skipw), G(m, b->skipb), A, b->in, P(m, b->skipw),
                           &cs, u->work);
        add = B;
    }
    d.stage = 1, d.grad = C, d.dout = NULL;
    d.act = nn_actlayer_current(&b->act1, &m->params);
    st = nn_conv2d_backward_from(din, G(m, b->conv1), &src, add, b->in, P(m, b->conv1),
                                 &c1, u->work);
    if (st == GOLU_OK)
        st = (golu_status)atomic_load(&d.st);
    if (st != GOLU_OK)
        return st;
    gn_dy_finish(u, G(m, b->gn1w), G(m, b->gn1b), G(m, b->conv1b), n, b->cout);
    if (b->tw >= 0) {
        const int tdim = 4 * u->wd[0];
        nn_linear_backward(u->dtmp, G(m, b->tw), G(m, b->tb), u->proj, u->ta, P(m, b->tw),
                           n, tdim, b->cout);
        nn_accumulate(u->dta, u->dtmp, (size_t)n * tdim);
    }
    return GOLU_OK;
}

/* dlogits into probs: the loss's gradient. */
static void head_grad(unet *u, const nn_config *c, int n)
{
    const size_t hw = (size_t)c->in_h * c->in_w, e = (size_t)n * u->out_c * hw;
    if (u->time)
        nn_mse_backward(u->probs, u->logits, u->target, e, 1.0 / (double)e);
    else
        nn_pixel_ce_backward(u->probs, u->probs, u->target, n, u->out_c, (int)hw,
                             NN_UNET_IGNORE, u->count ? 1.0 / (double)u->count : 0);
}

static golu_status unet_backward(nn_model *m)
{
    unet *u = m->impl;
    const nn_config *c = &m->cfg;
    const int n = u->b;
    if (n < 1)
        return GOLU_ERR_SHAPE;
    float *S[NSCRATCH], *t;
    memcpy(S, u->scratch, sizeof S);
    if (u->time)
        memset(u->dta, 0, (size_t)n * 4 * u->wd[0] * sizeof *u->dta);
    head_grad(u, c, n);
    const un_block *last = u->L > 1 ? &u->bl[u->nb - 1] : &u->bl[0];
    nn_conv2d_shape cs = conv_shape(n, u->wd[0], c->in_h, c->in_w, u->out_c, 1);
    nn_conv2d_backward(S[0], G(m, u->head), G(m, u->headb), u->probs, last->out,
                       P(m, u->head), &cs, u->work);
    golu_status st = GOLU_OK;
    /* up blocks, finest first: S[0] = d(out) -> S[0] = d(the coarser output) */
    for (int j = u->L - 2; j >= 0 && st == GOLU_OK; j--) {
        int i = u->L - 2 - j;
        un_block *b = &u->bl[u->L + j];
        st = block_backward(m, b, S[0], S[1], S[2], S[3], S[4]);
        image_halves((image_job){.op = OP_UPCAT_BWD,
                                 .y = S[0],
                                 .y2 = u->dskip[i],
                                 .x = S[1],
                                 .c = u->wd[i + 1],
                                 .c2 = u->wd[i],
                                 .h = b->h / 2,
                                 .w = b->w / 2},
                     n);
    }
    /* down blocks, coarsest first: S[0] = d(out) of block i */
    for (int i = u->L - 1; i >= 0 && st == GOLU_OK; i--) {
        un_block *b = &u->bl[i];
        st = block_backward(m, b, S[0], S[1], S[2], S[3], S[4]);
        if (i > 0) {
            const un_block *a = &u->bl[i - 1];
            image_halves((image_job){.op = OP_POOL_BWD,
                                     .y = S[0],
                                     .x = S[1],
                                     .c = a->cout,
                                     .h = a->h,
                                     .w = a->w},
                         n);
            nn_accumulate(S[0], u->dskip[i - 1], (size_t)n * a->cout * a->h * a->w);
        } else {
            t = S[0], S[0] = S[1], S[1] = t;
        }
    }
    if (st != GOLU_OK)
        return st;
    cs = conv_shape(n, c->in_c, c->in_h, c->in_w, u->wd[0], 3);
    nn_conv2d_backward(NULL, G(m, u->stem), G(m, u->stemb), S[0], u->x, P(m, u->stem),
                       &cs, u->work);
    if (!u->time)
        return GOLU_OK;
    const int w = u->wd[0];
    if ((st = nn_actlayer_backward(&u->tact, m, u->dta, u->dta, u->t1,
                                   (size_t)n * 4 * w)) != GOLU_OK)
        return st;
    nn_linear_backward(NULL, G(m, u->t1w), G(m, u->t1b), u->dta, u->te, P(m, u->t1w), n,
                       w, 4 * w);
    return GOLU_OK;
}

/* ------------------------------------------------------------------- rest */

static const float *unet_logits(const nn_model *m)
{
    return ((const unet *)m->impl)->logits;
}

static void unet_destroy(nn_model *m)
{
    unet *u = m->impl;
    for (int k = 0; k < u->nb; k++) {
        un_block *b = &u->bl[k];
        float *f[] = {b->c1,  b->g1,    b->a1,    b->c2,    b->s,
                      b->out, b->mean1, b->rstd1, b->mean2, b->rstd2};
        for (size_t i = 0; i < sizeof f / sizeof *f; i++)
            free(f[i]);
    }
    for (int i = 0; i < MAXLVL; i++)
        free(u->pool[i]), free(u->cat[i]), free(u->dskip[i]);
    float *f[] = {u->xin, u->s0,   u->te,     u->t1,    u->ta,   u->proj,
                  u->dta, u->dtmp, u->logits, u->probs, u->work, u->gnpart};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++)
        free(f[i]);
    for (int k = 0; k < NSCRATCH; k++)
        free(u->scratch[k]);
    free(u->ts);
    free(u->bpart);
    free(u);
    m->impl = NULL;
}

static const nn_model_ops unet_ops = {unet_build,    unet_init,   unet_forward,
                                      unet_backward, unet_logits, unet_destroy};

/* ------------------------------------------------------------ descriptor */

/* With the time embedding: learning a diffusion's noise. */
static int is_ddpm(const nn_config *c)
{
    return nn_model_task(c) == &nn_task_diffusion;
}

static int unet_check(const nn_config *c, nn_err *err)
{
    if (c->in_c < 1 || c->in_h < 1 || c->in_w < 1)
        return nn_fail(err, "input shape: %dx%dx%d", c->in_c, c->in_h, c->in_w);
    if (!is_ddpm(c) && c->classes < 2)
        return nn_fail(err, "classes: %d (must be at least 2)", c->classes);
    if (c->depth < 2 || c->depth > MAXLVL)
        return nn_fail(err, "depth: %d (the U-Net's levels: 2 or 3)", c->depth);
    if (c->width < 1 || c->width > 4096)
        return nn_fail(err, "width: %d (the first level's channels: 1 to 4096)",
                       c->width);
    if (is_ddpm(c) && c->width % 2)
        return nn_fail(
            err, "width: %d (the diffusion task's time embedding needs an even width)",
            c->width);
    int f = 1 << (c->depth - 1);
    if (c->in_h % f || c->in_w % f)
        return nn_fail(err,
                       "input %dx%d: a U-Net of depth %d needs sides divisible by %d",
                       c->in_h, c->in_w, c->depth, f);
    return 0;
}

/* The segment recipe; the diffusion task's differs in its length and T. */
static void unet_recipe(nn_train_config *c)
{
    c->model.depth = 3, c->model.width = 16;
    c->model.batch = 32;
    c->epochs = 3;
    c->lr = 2e-3;
    c->opt.kind = NN_OPT_ADAMW;
    c->opt.weight_decay = 0;
    c->sched.kind = NN_SCHED_COSINE;
    c->sched.min_lr = 1e-4;
    c->limit_train = 2000;
    c->limit_test = 500;
    if (!is_ddpm(&c->model))
        return;
    c->timesteps = 1000;
    c->epochs = 2;
    c->limit_train = 20000;
    c->limit_test = 0;
}

static void unet_describe(const nn_config *c, char *buf, size_t size)
{
    nn_str_append(buf, size, "U-Net, %d levels of %d", c->depth, c->width);
    for (int i = 1; i < c->depth; i++)
        nn_str_append(buf, size, "/%d", c->width << i);
    if (is_ddpm(c))
        nn_str_append(buf, size, ", time embedding");
}

/* Conv k x k with bias: its floats. */
static double conv_params(double cin, double cout, double k)
{
    return cout * cin * k * k + cout;
}

/* The parameters add_params registers and the floats alloc_all allocates,
 * from the same plan. */
static void unet_size(const nn_config *c, double *params, double *floats)
{
    unet u;
    memset(&u, 0, sizeof u);
    plan(&u, c);
    double acts = nn_actlayer_count(&c->act, c->learn_act), tdim = 4.0 * u.wd[0];
    double p = conv_params(c->in_c, u.wd[0], 3) + conv_params(u.wd[0], u.out_c, 1);
    if (u.time)
        p += conv_params(u.wd[0], tdim, 1) + acts;
    for (int k = 0; k < u.nb; k++) {
        const un_block *b = &u.bl[k];
        p += conv_params(b->cin, b->cout, 3) + conv_params(b->cout, b->cout, 3) +
             4.0 * b->cout + 2 * acts;
        if (b->cin != b->cout)
            p += conv_params(b->cin, b->cout, 1);
        if (u.time)
            p += conv_params(tdim, b->cout, 1);
    }
    *params = p;
    alloc_all(&u, c, floats);
}

static const nn_task_desc *const UNET_TASKS[] = {&nn_task_segment, &nn_task_diffusion,
                                                 NULL};

const nn_model_desc nn_model_unet = {
    "unet",
    "--task segment (the default): 64x64 Fashion-MNIST scenes, 3 levels of 16/32/64, "
    "AdamW lr 2e-3 cosine, batch 32, 2000 scenes, 3 epochs, 500 test scenes; "
    "--task diffusion: with a time embedding, DDPM noise on Fashion-MNIST padded to "
    "32x32, T 1000, 20000 images, 2 epochs.",
    UNET_TASKS,
    &unet_ops,
    unet_check,
    unet_recipe,
    unet_describe,
    unet_size};
