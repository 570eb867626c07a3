/*
 * test_nn_layers.c - the basic layers of src/nn/layers against finite
 * differences and direct computations.
 *
 *   Linear, LayerNorm, the activation layer (every libgolu kind; GoLU,
 *   PReLU and LeakyReLU parameters), softmax cross-entropy and Embedding:
 *   the double build's gradients of L = sum r_i y_i (r fixed and random)
 *   against central differences in every input and parameter; parameter
 *   gradients accumulate (two backward calls give twice), dx is written
 *   (a NaN-filled dx comes back clean); the float build against the double
 *   build on the same inputs (Linear, LayerNorm, softmax CE).
 *   Softmax CE: the loss against a direct computation, logits of 1000.
 *   Dropout: p = 0 is the identity; p = 0.5 keeps about half, scaled by 2;
 *   the mask is a function of (seed, stream); backward = dy * mask.
 *   nn_add and nn_accumulate, in place included.
 *   nn_act_slope_from_output: the backward at f(x) equals the one at x
 *   where it says so.
 */
#include "layers.h"
#include "rng.h"
#include "util.h"

/* Step of the central differences, relative to the value, and the largest
 * relative error accepted: truncation ~ h^2 ~ 1e-12, rounding of L ~
 * 1e-15 / h ~ 1e-9, against a floor of 1e-3 on the gradient's size. */
#define FD_STEP  0x1p-20
#define FD_FLOOR 1e-3
#define FD_TOL   1e-6
/* float build against double build. */
#define F32_TOL 1e-5

enum { MAXN = 5, MAXC = 7, MAXE = MAXN * MAXC * MAXC };

/* ------------------------------------------------------------ helpers --- */

static double rel_err(double a, double b, double floor_)
{
    return fabs(a - b) / fmax(fmax(fabs(a), fabs(b)), floor_);
}

static int rand_int(rng *r, int lo, int hi) /* in [lo, hi] */
{
    return lo + (int)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

/* The scalar loss of a layer as a function of its buffers. */
typedef double (*loss_fn)(void *state);

/* Central differences of f in every element of p (n) against the analytic
 * gradient g (n). */
static void check_fd(const char *what, loss_fn f, void *state, double *p, size_t n,
                     const double *g)
{
    double worst_err = 0;
    size_t worst_i = 0;
    double worst_fd = 0;
    for (size_t i = 0; i < n; i++) {
        double v = p[i], h = FD_STEP * fmax(1.0, fabs(v));
        p[i] = v + h;
        double lp = f(state);
        p[i] = v - h;
        double lm = f(state);
        p[i] = v;
        double fd = (lp - lm) / ((v + h) - (v - h));
        double e = rel_err(fd, g[i], FD_FLOOR);
        if (!(e <= worst_err)) {
            worst_err = e;
            worst_i = i;
            worst_fd = fd;
        }
    }
    if (getenv("FD_DEBUG")) /* FD_DEBUG=1: every worst error (the margins) */
        printf("%-34s %.3g\n", what, worst_err);
    CHECK(worst_err <= FD_TOL,
          "%s: [%zu] analytic %.17g, finite difference %.17g (relative error %.3g)", what,
          worst_i, g[worst_i], worst_fd, worst_err);
}

/* b (n) holds twice a (n): a parameter gradient accumulated twice. */
static void check_twice(const char *what, const double *a, const double *b, size_t n)
{
    double e = 0;
    for (size_t i = 0; i < n; i++)
        e = fmax(e, rel_err(b[i], 2 * a[i], 1e-300));
    CHECK(e <= 1e-14, "%s: a second backward does not add (relative error %.3g)", what,
          e);
}

/* a (n) and b (n) are equal, NaN counting as different. */
static void check_same(const char *what, const double *a, const double *b, size_t n)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += !(a[i] == b[i]);
    CHECK(bad == 0, "%s: %zu of %zu values differ", what, bad, n);
}

/* The float result f (n) against the double one d (n). */
static void check_f32(const char *what, const float *f, const double *d, size_t n)
{
    double e = 0;
    for (size_t i = 0; i < n; i++)
        e = fmax(e, isnan(f[i]) ? INFINITY : fabs(f[i] - d[i]) / fmax(fabs(d[i]), 1.0));
    CHECK(e <= F32_TOL, "%s: float build off the double build by %.3g", what, e);
}

/* ------------------------------------------------------------- Linear --- */

typedef struct {
    int n, in, out;
    double x[MAXE], w[MAXE], b[MAXC], r[MAXE], y[MAXE];
} lin_state;

static double lin_loss(void *sv)
{
    lin_state *s = sv;
    nn_linear_forward_f64(s->y, s->x, s->w, s->b, s->n, s->in, s->out);
    return dot_ld(s->r, s->y, (size_t)s->n * s->out);
}

/* Forward against a direct triple loop. */
static void lin_check_forward(lin_state *s)
{
    nn_linear_forward_f64(s->y, s->x, s->w, s->b, s->n, s->in, s->out);
    double e = 0;
    for (int i = 0; i < s->n; i++)
        for (int o = 0; o < s->out; o++) {
            double v = s->b[o];
            for (int k = 0; k < s->in; k++)
                v += s->x[i * s->in + k] * s->w[o * s->in + k];
            e = fmax(e, rel_err(s->y[i * s->out + o], v, 1e-3));
        }
    CHECK(e <= 1e-13, "linear forward: off a direct loop by %.3g", e);
    double ynb[MAXE];
    nn_linear_forward_f64(ynb, s->x, s->w, NULL, s->n, s->in, s->out);
    e = 0;
    for (int i = 0; i < s->n; i++)
        for (int o = 0; o < s->out; o++)
            e = fmax(e, fabs(ynb[i * s->out + o] + s->b[o] - s->y[i * s->out + o]));
    CHECK(e <= 1e-13, "linear forward with b = NULL: off by %.3g", e);
}

static void lin_check_float(lin_state *s)
{
    size_t nx = (size_t)s->n * s->in, nw = (size_t)s->out * s->in,
           ny = (size_t)s->n * s->out;
    float xf[MAXE], wf[MAXE], bf[MAXC], rf[MAXE], yf[MAXE], dxf[MAXE];
    float dwf[MAXE] = {0}, dbf[MAXC] = {0};
    double dx[MAXE], dw[MAXE] = {0}, db[MAXC] = {0};
    round_to_float(xf, s->x, nx);
    round_to_float(wf, s->w, nw);
    round_to_float(bf, s->b, (size_t)s->out);
    round_to_float(rf, s->r, ny);
    nn_linear_forward(yf, xf, wf, bf, s->n, s->in, s->out);
    nn_linear_forward_f64(s->y, s->x, s->w, s->b, s->n, s->in, s->out);
    check_f32("linear y", yf, s->y, ny);
    nn_linear_backward(dxf, dwf, dbf, rf, xf, wf, s->n, s->in, s->out);
    nn_linear_backward_f64(dx, dw, db, s->r, s->x, s->w, s->n, s->in, s->out);
    check_f32("linear dx", dxf, dx, nx);
    check_f32("linear dw", dwf, dw, nw);
    check_f32("linear db", dbf, db, (size_t)s->out);
}

static void test_linear(uint64_t seed)
{
    static lin_state s;
    rng r = {seed};
    s.n = rand_int(&r, 3, 5);
    s.in = rand_int(&r, 4, 7);
    s.out = rand_int(&r, 4, 7);
    size_t nx = (size_t)s.n * s.in, nw = (size_t)s.out * s.in, ny = (size_t)s.n * s.out;
    fill_range(s.x, nx, &r, -2, 2);
    fill_range(s.w, nw, &r, -1, 1);
    fill_range(s.b, (size_t)s.out, &r, -1, 1);
    fill_range(s.r, ny, &r, -1, 1);
    lin_check_forward(&s);

    double dx[MAXE], dx2[MAXE];
    double dw[MAXE] = {0}, db[MAXC] = {0}, dw2[MAXE] = {0}, db2[MAXC] = {0};
    fill_const(dx, nx, NAN); /* written, not accumulated: the NaN must go */
    nn_linear_backward_f64(dx, dw, db, s.r, s.x, s.w, s.n, s.in, s.out);
    check_fd("linear dx", lin_loss, &s, s.x, nx, dx);
    check_fd("linear dw", lin_loss, &s, s.w, nw, dw);
    check_fd("linear db", lin_loss, &s, s.b, (size_t)s.out, db);

    fill_const(dx2, nx, 1e300);
    nn_linear_backward_f64(dx2, dw2, db2, s.r, s.x, s.w, s.n, s.in, s.out);
    nn_linear_backward_f64(dx2, dw2, db2, s.r, s.x, s.w, s.n, s.in, s.out);
    check_same("linear dx (second call)", dx, dx2, nx);
    check_twice("linear dw", dw, dw2, nw);
    check_twice("linear db", db, db2, (size_t)s.out);

    /* NULL dx and db: dw alone, the same values. */
    double dw3[MAXE] = {0};
    nn_linear_backward_f64(NULL, dw3, NULL, s.r, s.x, s.w, s.n, s.in, s.out);
    check_same("linear dw (dx, db NULL)", dw, dw3, nw);
    lin_check_float(&s);
}

/* ---------------------------------------------------------- LayerNorm --- */

#define LN_EPS 1e-5

typedef struct {
    int n, c;
    double x[MAXE], gamma[MAXC], beta[MAXC], r[MAXE], y[MAXE], mean[MAXN], rstd[MAXN];
} ln_state;

static double ln_loss(void *sv)
{
    ln_state *s = sv;
    nn_layernorm_forward_f64(s->y, s->mean, s->rstd, s->x, s->gamma, s->beta, s->n, s->c,
                             LN_EPS);
    return dot_ld(s->r, s->y, (size_t)s->n * s->c);
}

/* mean, rstd and y against the definitions, row by row. */
static void ln_check_forward(ln_state *s)
{
    ln_loss(s);
    double e = 0;
    for (int i = 0; i < s->n; i++) {
        const double *xr = s->x + i * s->c;
        double m = 0, v = 0;
        for (int j = 0; j < s->c; j++)
            m += xr[j] / s->c;
        for (int j = 0; j < s->c; j++)
            v += (xr[j] - m) * (xr[j] - m) / s->c;
        double rs = 1 / sqrt(v + LN_EPS);
        e = fmax(e, fabs(s->mean[i] - m));
        e = fmax(e, rel_err(s->rstd[i], rs, 1e-300));
        for (int j = 0; j < s->c; j++)
            e = fmax(e, fabs(s->y[i * s->c + j] -
                             ((xr[j] - m) * rs * s->gamma[j] + s->beta[j])));
    }
    CHECK(e <= 1e-13, "layernorm forward: off the definition by %.3g", e);
}

static void ln_check_float(ln_state *s)
{
    size_t nx = (size_t)s->n * s->c, c = (size_t)s->c;
    float xf[MAXE], gf[MAXC], bf[MAXC], rf[MAXE], yf[MAXE], mf[MAXN], sf[MAXN], dxf[MAXE];
    float dgf[MAXC] = {0}, dbf[MAXC] = {0};
    double dx[MAXE], dg[MAXC] = {0}, db[MAXC] = {0};
    round_to_float(xf, s->x, nx);
    round_to_float(gf, s->gamma, c);
    round_to_float(bf, s->beta, c);
    round_to_float(rf, s->r, nx);
    nn_layernorm_forward(yf, mf, sf, xf, gf, bf, s->n, s->c, LN_EPS);
    ln_loss(s);
    check_f32("layernorm y", yf, s->y, nx);
    check_f32("layernorm mean", mf, s->mean, (size_t)s->n);
    check_f32("layernorm rstd", sf, s->rstd, (size_t)s->n);
    nn_layernorm_backward(dxf, dgf, dbf, rf, xf, mf, sf, gf, s->n, s->c);
    nn_layernorm_backward_f64(dx, dg, db, s->r, s->x, s->mean, s->rstd, s->gamma, s->n,
                              s->c);
    check_f32("layernorm dx", dxf, dx, nx);
    check_f32("layernorm dgamma", dgf, dg, c);
    check_f32("layernorm dbeta", dbf, db, c);

    /* The _add form: start + the written dx, rounded as a float sum, bit
     * for bit; the parameter gradients accumulate the same way. */
    float acc[MAXE], start[MAXE], dg2[MAXC] = {0}, db2[MAXC] = {0};
    size_t off = 0;
    for (size_t i = 0; i < nx; i++)
        acc[i] = start[i] = (float)(0.37 * (double)i - 1.1);
    nn_layernorm_backward_add(acc, dg2, db2, rf, xf, mf, sf, gf, s->n, s->c);
    for (size_t i = 0; i < nx; i++)
        off += !(acc[i] == start[i] + dxf[i]);
    CHECK(off == 0, "layernorm dx added: %zu of %zu values differ from start + dx", off,
          nx);
    off = 0;
    for (size_t j = 0; j < c; j++)
        off += !(dg2[j] == dgf[j] && db2[j] == dbf[j]);
    CHECK(off == 0, "layernorm _add: %zu parameter gradients differ", off);
}

static void test_layernorm(uint64_t seed)
{
    static ln_state s;
    rng r = {seed};
    s.n = rand_int(&r, 3, 5);
    s.c = rand_int(&r, 4, 7);
    size_t nx = (size_t)s.n * s.c, c = (size_t)s.c;
    fill_range(s.x, nx, &r, -2, 2);
    fill_range(s.gamma, c, &r, 0.5, 1.5);
    fill_range(s.beta, c, &r, -0.5, 0.5);
    fill_range(s.r, nx, &r, -1, 1);
    ln_check_forward(&s);

    double dx[MAXE], dx2[MAXE];
    double dg[MAXC] = {0}, db[MAXC] = {0}, dg2[MAXC] = {0}, db2[MAXC] = {0};
    ln_loss(&s); /* mean and rstd of the unperturbed x */
    fill_const(dx, nx, NAN);
    nn_layernorm_backward_f64(dx, dg, db, s.r, s.x, s.mean, s.rstd, s.gamma, s.n, s.c);
    fill_const(dx2, nx, -7.0);
    nn_layernorm_backward_f64(dx2, dg2, db2, s.r, s.x, s.mean, s.rstd, s.gamma, s.n, s.c);
    nn_layernorm_backward_f64(dx2, dg2, db2, s.r, s.x, s.mean, s.rstd, s.gamma, s.n, s.c);
    check_same("layernorm dx (second call)", dx, dx2, nx);
    check_twice("layernorm dgamma", dg, dg2, c);
    check_twice("layernorm dbeta", db, db2, c);
    /* The rows of dx sum to 0: y does not depend on a shift of x's row. */
    double e = 0;
    for (int i = 0; i < s.n; i++) {
        double t = 0;
        for (int j = 0; j < s.c; j++)
            t += dx[i * s.c + j];
        e = fmax(e, fabs(t));
    }
    CHECK(e <= 1e-13, "layernorm dx rows sum to %.3g, want 0", e);

    check_fd("layernorm dx", ln_loss, &s, s.x, nx, dx);
    check_fd("layernorm dgamma", ln_loss, &s, s.gamma, c, dg);
    check_fd("layernorm dbeta", ln_loss, &s, s.beta, c, db);
    ln_check_float(&s);
}

/* --------------------------------------------------------- Activation --- */

enum { ACT_N = 40 };

typedef struct {
    golu_act act;
    double x[ACT_N], r[ACT_N], y[ACT_N];
} act_state;

static double act_loss(void *sv)
{
    act_state *s = sv;
    if (nn_act_forward_f64(NULL, &s->act, s->y, s->x, ACT_N) != GOLU_OK)
        return NAN;
    return dot_ld(s->r, s->y, ACT_N);
}

static int has_kink(golu_act_kind k)
{
    return k == GOLU_ACT_RELU || k == GOLU_ACT_LEAKY_RELU || k == GOLU_ACT_PRELU ||
           k == GOLU_ACT_ELU;
}

static int nparams(golu_act_kind k)
{
    return k == GOLU_ACT_GOLU ? 3 : (k == GOLU_ACT_PRELU || k == GOLU_ACT_LEAKY_RELU);
}

/* The parameter gradients against differences in act's alpha, beta, gamma. */
static void act_check_params(act_state *s, const double dp[3], const char *name)
{
    double *p[3] = {&s->act.alpha, &s->act.beta, &s->act.gamma};
    static const char *const pname[3] = {"alpha", "beta", "gamma"};
    for (int k = 0; k < nparams(s->act.kind); k++) {
        char what[80];
        snprintf(what, sizeof what, "%s d/d%s", name, pname[k]);
        check_fd(what, act_loss, s, p[k], 1, &dp[k]);
    }
}

static void test_act_kind(golu_act act, uint64_t seed)
{
    static act_state s;
    rng r = {seed};
    const char *name = golu_act_name(act.kind);
    s.act = act;
    for (int i = 0; i < ACT_N; i++) {
        do /* central differences across a kink measure neither side */
            s.x[i] = rng_range(&r, -4, 4);
        while (has_kink(act.kind) && fabs(s.x[i]) < 1e-3);
        s.r[i] = rng_range(&r, -1, 1);
    }
    CHECK_ST(nn_act_forward_f64(NULL, &act, s.y, s.x, ACT_N), GOLU_OK);
    double want[ACT_N];
    CHECK_ST(golu_forward(NULL, &act, GOLU_F64, s.x, want, ACT_N), GOLU_OK);
    check_same(name, s.y, want, ACT_N);

    /* Parameters: a pre-filled dparam gets the gradient added. */
    double dx[ACT_N], d0[3] = {0, 0, 0}, d1[3] = {0.5, -1.5, 2.5};
    fill_const(dx, ACT_N, NAN);
    CHECK_ST(nn_act_backward_f64(NULL, &act, dx, s.r, s.x, ACT_N, d0), GOLU_OK);
    CHECK_ST(nn_act_backward_f64(NULL, &act, NULL, s.r, s.x, ACT_N, d1), GOLU_OK);
    char what[80];
    snprintf(what, sizeof what, "%s dx", name);
    check_fd(what, act_loss, &s, s.x, ACT_N, dx);
    act_check_params(&s, d0, name);
    double e = fmax(fmax(fabs(d1[0] - 0.5 - d0[0]), fabs(d1[1] + 1.5 - d0[1])),
                    fabs(d1[2] - 2.5 - d0[2]));
    CHECK(e <= 1e-12, "%s: dparam does not accumulate (off by %.3g)", name, e);
    if (nparams(act.kind) == 0)
        CHECK(d0[0] == 0 && d0[1] == 0 && d0[2] == 0,
              "%s: no parameters, yet dparam = %g %g %g", name, d0[0], d0[1], d0[2]);

    /* dx == dy: the same dx and the same parameter gradients (they are
     * taken before dy is overwritten). */
    double g[ACT_N], d2[3] = {0, 0, 0};
    memcpy(g, s.r, sizeof g);
    CHECK_ST(nn_act_backward_f64(NULL, &act, g, g, s.x, ACT_N, d2), GOLU_OK);
    check_same("act in place dx", dx, g, ACT_N);
    check_same("act in place dparam", d0, d2, 3);
}

static void test_act(void)
{
    for (int k = 0; k < GOLU_ACT_COUNT; k++)
        test_act_kind(golu_act_default((golu_act_kind)k), 0xAC7 + (uint64_t)k);
    test_act_kind((golu_act){GOLU_ACT_GOLU, 1.3, 0.8, 1.2}, 0xAC70);
    test_act_kind((golu_act){GOLU_ACT_PRELU, -0.4, 0, 0}, 0xAC71);
    test_act_kind((golu_act){GOLU_ACT_LEAKY_RELU, 0.2, 0, 0}, 0xAC72);
    test_act_kind((golu_act){GOLU_ACT_ELU, 0.5, 0, 0}, 0xAC73);

    /* The float build runs libgolu's float32 path; the library's status
     * comes back. */
    float xf[4] = {-1.5f, -0.25f, 0.5f, 2.0f}, yf[4], dyf[4] = {1, -0.5f, 2, 0.75f},
          dxf[4];
    golu_act g = {GOLU_ACT_GOLU, 1.3, 0.8, 1.2};
    double want[4], xd[4], dyd[4], dxd[4], dp[3] = {0, 0, 0}, dpd[3] = {0, 0, 0};
    for (int i = 0; i < 4; i++) {
        xd[i] = xf[i];
        dyd[i] = dyf[i];
    }
    CHECK_ST(nn_act_forward(NULL, &g, yf, xf, 4), GOLU_OK);
    CHECK_ST(golu_forward(NULL, &g, GOLU_F64, xd, want, 4), GOLU_OK);
    check_f32("act float y", yf, want, 4);
    CHECK_ST(nn_act_backward(NULL, &g, dxf, dyf, xf, 4, dp), GOLU_OK);
    CHECK_ST(nn_act_backward_f64(NULL, &g, dxd, dyd, xd, 4, dpd), GOLU_OK);
    check_f32("act float dx", dxf, dxd, 4);
    double e = 0;
    for (int k = 0; k < 3; k++)
        e = fmax(e, rel_err(dp[k], dpd[k], 1.0));
    CHECK(e <= F32_TOL, "act float dparam %g %g %g, double %g %g %g", dp[0], dp[1], dp[2],
          dpd[0], dpd[1], dpd[2]);
    golu_act bad = {GOLU_ACT_GOLU, -1.0, 1.0, 1.0};
    CHECK_ST(nn_act_forward(NULL, &bad, yf, xf, 4), GOLU_ERR_PARAM);
    CHECK_ST(nn_act_backward(NULL, &bad, dxf, dyf, xf, 4, dp), GOLU_ERR_PARAM);
    bad.kind = GOLU_ACT_COUNT;
    CHECK_ST(nn_act_backward_f64(NULL, &bad, xd, xd, xd, 4, NULL), GOLU_ERR_ACT);
}

/* ------------------------------------------------ Softmax cross-entropy --- */

typedef struct {
    int n, k;
    double scale; /* L = scale * mean loss */
    double z[MAXE], p[MAXE];
    int32_t t[MAXN];
} ce_state;

static double ce_loss(void *sv)
{
    ce_state *s = sv;
    return s->scale * nn_softmax_ce_forward_f64(s->p, s->z, s->t, s->n, s->k);
}

/* The mean of -log(exp(z_t) / sum_j exp(z_j)) in long double, directly. */
static double ce_direct(const ce_state *s)
{
    long double L = 0;
    for (int i = 0; i < s->n; i++) {
        long double sum = 0;
        for (int j = 0; j < s->k; j++)
            sum += expl((long double)s->z[i * s->k + j]);
        L -= logl(expl((long double)s->z[i * s->k + s->t[i]]) / sum);
    }
    return (double)(L / s->n);
}

static void ce_check_float(ce_state *s)
{
    size_t nz = (size_t)s->n * s->k;
    float zf[MAXE], pf[MAXE], df[MAXE];
    double d[MAXE];
    round_to_float(zf, s->z, nz);
    double lf = nn_softmax_ce_forward(pf, zf, s->t, s->n, s->k);
    double ld = nn_softmax_ce_forward_f64(s->p, s->z, s->t, s->n, s->k);
    CHECK(rel_err(lf, ld, 1.0) <= 1e-12, "softmax ce loss: float %.17g, double %.17g", lf,
          ld);
    check_f32("softmax ce probs", pf, s->p, nz);
    nn_softmax_ce_backward(df, pf, s->t, s->n, s->k, 1.0 / s->n);
    nn_softmax_ce_backward_f64(d, s->p, s->t, s->n, s->k, 1.0 / s->n);
    check_f32("softmax ce dlogits", df, d, nz);
}

static void ce_check_large(void)
{
    /* Row 0: two equal maxima, loss log 2; row 1: the target one below the
     * maximum, loss log(1 + e); exp(1000) would overflow unshifted. */
    const double z[8] = {1000, 1000, -1000, 0, 1000, 999, 0, -1000};
    const int32_t t[2] = {0, 1};
    const double want = (log(2.0) + log1p(exp(1.0))) / 2;
    double p[8], d[8];
    float zf[8], pf[8], dfl[8];
    for (int i = 0; i < 8; i++)
        zf[i] = (float)z[i];
    double L = nn_softmax_ce_forward_f64(p, z, t, 2, 4);
    double Lf = nn_softmax_ce_forward(pf, zf, t, 2, 4);
    CHECK(rel_err(L, want, 1e-300) <= 1e-14, "softmax ce at 1000: %.17g, want %.17g", L,
          want);
    CHECK(rel_err(Lf, want, 1e-300) <= 1e-14,
          "softmax ce float at 1000: %.17g, want %.17g", Lf, want);
    nn_softmax_ce_backward_f64(d, p, t, 2, 4, 0.5);
    nn_softmax_ce_backward(dfl, pf, t, 2, 4, 0.5);
    int finite = 1;
    for (int i = 0; i < 8; i++)
        finite &= isfinite(p[i]) && isfinite(d[i]) && isfinite(pf[i]) && isfinite(dfl[i]);
    CHECK(finite, "softmax ce at 1000: a probability or gradient is not finite");
    CHECK(fabs(p[0] - 0.5) <= 1e-15 && fabs(p[1] - 0.5) <= 1e-15 && p[2] == 0,
          "softmax at 1000: p = %g %g %g %g", p[0], p[1], p[2], p[3]);
    CHECK(fabs(d[0] + 0.25) <= 1e-15,
          "softmax ce at 1000: dlogits[0] = %.17g, want -0.25", d[0]);
}

static void test_softmax_ce(uint64_t seed)
{
    static ce_state s;
    rng r = {seed};
    s.n = rand_int(&r, 3, 5);
    s.k = rand_int(&r, 4, 7);
    size_t nz = (size_t)s.n * s.k;
    fill_range(s.z, nz, &r, -3, 3);
    for (int i = 0; i < s.n; i++)
        s.t[i] = (int32_t)rand_int(&r, 0, s.k - 1);
    s.scale = 1.0;
    double L = ce_loss(&s), want = ce_direct(&s);
    CHECK(rel_err(L, want, 1e-300) <= 1e-14, "softmax ce loss %.17g, direct %.17g", L,
          want);
    double e = 0;
    for (int i = 0; i < s.n; i++) {
        double t = 0;
        for (int j = 0; j < s.k; j++)
            t += s.p[i * s.k + j];
        e = fmax(e, fabs(t - 1));
    }
    CHECK(e <= 1e-15, "softmax rows sum to 1 +- %.3g", e);

    /* The plain mean (scale 1/n) and a scaled loss (dloss = 1.7). */
    const double scales[2] = {1.0, 1.7};
    for (int c = 0; c < 2; c++) {
        s.scale = scales[c];
        ce_loss(&s);
        double d[MAXE];
        fill_const(d, nz, NAN);
        nn_softmax_ce_backward_f64(d, s.p, s.t, s.n, s.k, s.scale / s.n);
        check_fd(c ? "softmax ce dlogits (scale 1.7)" : "softmax ce dlogits", ce_loss, &s,
                 s.z, nz, d);
        /* dlogits == probs (the differences left p perturbed) */
        ce_loss(&s);
        nn_softmax_ce_backward_f64(s.p, s.p, s.t, s.n, s.k, s.scale / s.n);
        check_same("softmax ce in place", d, s.p, nz);
    }
    ce_check_float(&s);
    ce_check_large();
}

/* ------------------------------------------------------------ Dropout --- */

enum { DROP_N = 10000 };

static void dropout_check_p0(const double *x)
{
    static double y[DROP_N], m[DROP_N];
    nn_dropout_forward_f64(y, m, x, DROP_N, 0.0, 1, 2, 0);
    size_t bad = 0;
    for (size_t i = 0; i < DROP_N; i++)
        bad += !(y[i] == x[i] && m[i] == 1.0);
    CHECK(bad == 0, "dropout p = 0: %zu elements changed", bad);
}

/* p = 0.1: survivors scaled by exactly (real)(1 / 0.9), in both builds. */
static void dropout_check_scale(void)
{
    float xf[100], yf[100], mf[100];
    double x[100], y[100], m[100];
    for (int i = 0; i < 100; i++)
        xf[i] = 1.0f, x[i] = 1.0;
    nn_dropout_forward(yf, mf, xf, 100, 0.1, 5, 6, 0);
    nn_dropout_forward_f64(y, m, x, 100, 0.1, 5, 6, 0);
    size_t bad = 0, zeros = 0;
    for (int i = 0; i < 100; i++) {
        zeros += m[i] == 0;
        bad +=
            !((m[i] == 0 || m[i] == 1 / 0.9) && (float)m[i] == mf[i] && yf[i] == mf[i]);
    }
    CHECK(bad == 0, "dropout p = 0.1: %zu masks not 0 or 1/0.9, or float != double", bad);
    CHECK(zeros > 0 && zeros < 30, "dropout p = 0.1: %zu of 100 dropped", zeros);
}

static void test_dropout(void)
{
    static double x[DROP_N], y[DROP_N], m[DROP_N], m2[DROP_N], dy[DROP_N], dx[DROP_N];
    rng r = {0xD50};
    fill_range(x, DROP_N, &r, -2, 2);
    fill_range(dy, DROP_N, &r, -2, 2);
    dropout_check_p0(x);

    const uint64_t seed = 42, stream = 7;
    nn_dropout_forward_f64(y, m, x, DROP_N, 0.5, seed, stream, 0);
    size_t zeros = 0, bad = 0, rng_bad = 0;
    for (size_t i = 0; i < DROP_N; i++) {
        zeros += m[i] == 0;
        bad += !((m[i] == 0 || m[i] == 2) && y[i] == x[i] * m[i]);
        rng_bad += (m[i] == 0) != (nn_rng_uniform(seed, stream, i) < 0.5);
    }
    CHECK(bad == 0, "dropout p = 0.5: %zu masks not in {0, 2} or y != x * mask", bad);
    CHECK(zeros >= 4500 && zeros <= 5500, "dropout p = 0.5: %zu of %d dropped", zeros,
          DROP_N);
    CHECK(rng_bad == 0, "dropout: %zu masks disagree with nn_rng_uniform < p", rng_bad);

    /* The same (seed, stream): the same mask, also in place (y == x). */
    memcpy(y, x, sizeof y);
    nn_dropout_forward_f64(y, m2, y, DROP_N, 0.5, seed, stream, 0);
    check_same("dropout same (seed, stream)", m, m2, DROP_N);
    bad = 0;
    for (size_t i = 0; i < DROP_N; i++)
        bad += !(y[i] == x[i] * m[i]);
    CHECK(bad == 0, "dropout in place: %zu wrong", bad);
    /* Another stream or seed: about half the decisions differ. */
    for (int v = 0; v < 2; v++) {
        nn_dropout_forward_f64(y, m2, x, DROP_N, 0.5, seed + (uint64_t)v,
                               stream + (uint64_t)(1 - v), 0);
        size_t diff = 0;
        for (size_t i = 0; i < DROP_N; i++)
            diff += m[i] != m2[i];
        CHECK(diff > 4000 && diff < 6000, "dropout: another %s changes %zu of %d masks",
              v ? "seed" : "stream", diff, DROP_N);
    }
    /* A share starting at element `first` draws the whole buffer's masks from
     * there on (data-parallel shares of a batch, train/shares.c). */
    {
        enum { FIRST = 1234 };
        nn_dropout_forward_f64(y, m2, x + FIRST, DROP_N - FIRST, 0.5, seed, stream,
                               FIRST);
        check_same("dropout from element first", m + FIRST, m2, DROP_N - FIRST);
    }
    /* Backward: dy * mask, also in place. */
    fill_const(dx, DROP_N, NAN);
    nn_dropout_backward_f64(dx, dy, m, DROP_N);
    bad = 0;
    for (size_t i = 0; i < DROP_N; i++)
        bad += !(dx[i] == dy[i] * m[i]);
    nn_dropout_backward_f64(dy, dy, m, DROP_N);
    check_same("dropout backward in place", dx, dy, DROP_N);
    CHECK(bad == 0, "dropout backward: %zu of %d differ from dy * mask", bad, DROP_N);
    dropout_check_scale();
}

/* ---------------------------------------------------------- Embedding --- */

enum { EMB_V = 5, EMB_N = 6 };

typedef struct {
    int c;
    double table[EMB_V * MAXC], r[EMB_N * MAXC], y[EMB_N * MAXC];
    int32_t idx[EMB_N];
} emb_state;

static double emb_loss(void *sv)
{
    emb_state *s = sv;
    nn_embedding_forward_f64(s->y, s->table, s->idx, EMB_N, s->c);
    return dot_ld(s->r, s->y, (size_t)EMB_N * s->c);
}

static void test_embedding(uint64_t seed)
{
    static emb_state s;
    rng r = {seed};
    s.c = rand_int(&r, 4, 7);
    /* Row 2 three times, row 4 never. */
    const int32_t idx[EMB_N] = {2, 0, 2, 3, 1, 2};
    memcpy(s.idx, idx, sizeof idx);
    size_t nt = (size_t)EMB_V * s.c, ny = (size_t)EMB_N * s.c;
    fill_range(s.table, nt, &r, -1, 1);
    fill_range(s.r, ny, &r, -1, 1);
    emb_loss(&s);
    size_t bad = 0;
    for (int i = 0; i < EMB_N; i++)
        for (int j = 0; j < s.c; j++)
            bad += s.y[i * s.c + j] != s.table[idx[i] * s.c + j];
    CHECK(bad == 0, "embedding forward: %zu values not the table's", bad);

    double dt[EMB_V * MAXC], d0[EMB_V * MAXC];
    fill_range(d0, nt, &r, -1, 1);
    memcpy(dt, d0, sizeof dt);
    nn_embedding_backward_f64(dt, s.r, s.idx, EMB_N, s.c);
    double e = 0;
    for (int j = 0; j < s.c; j++) {
        /* rows 2 (three dy rows), 4 (none) */
        double want2 =
            d0[2 * s.c + j] + s.r[0 * s.c + j] + s.r[2 * s.c + j] + s.r[5 * s.c + j];
        e = fmax(e, fabs(dt[2 * s.c + j] - want2));
        e = fmax(e, fabs(dt[4 * s.c + j] - d0[4 * s.c + j]));
    }
    CHECK(e <= 1e-15, "embedding backward: repeated/unused rows off by %.3g", e);
    for (size_t i = 0; i < nt; i++)
        dt[i] -= d0[i];
    check_fd("embedding dtable", emb_loss, &s, s.table, nt, dt);
}

/* ------------------------------------------------------ add/accumulate --- */

static void test_elementwise(void)
{
    double a[7] = {1, 2, 3, 4, 5, 6, 7}, b[7] = {0.5, -2, 1e-3, 0, -4, 8, 1};
    double y[7], a2[7];
    nn_add_f64(y, a, b, 7);
    memcpy(a2, a, sizeof a);
    nn_add_f64(a2, a2, b, 7); /* y == a */
    size_t bad = 0;
    for (int i = 0; i < 7; i++)
        bad += !(y[i] == a[i] + b[i] && a2[i] == y[i]);
    CHECK(bad == 0, "nn_add: %zu wrong", bad);
    memcpy(a2, a, sizeof a);
    nn_accumulate_f64(a2, b, 7);
    nn_accumulate_f64(a2, b, 7);
    bad = 0;
    for (int i = 0; i < 7; i++)
        bad += !(a2[i] == (a[i] + b[i]) + b[i]);
    CHECK(bad == 0, "nn_accumulate: %zu wrong", bad);
    float fa[3] = {1, 2, 3}, fb[3] = {0.25f, -2, 4};
    nn_add(fa, fa, fb, 3);
    nn_accumulate(fa, fb, 3);
    CHECK(fa[0] == 1.5f && fa[1] == -2 && fa[2] == 11, "float add/accumulate: %g %g %g",
          fa[0], fa[1], fa[2]);
}

/*
 * nn_act_slope_from_output: where it says yes, the float backward taken at
 * y = f(x) gives the bits of the one taken at x, for special and ordinary
 * x (zeros, infinities, NaN, subnormals, both signs); it says no for every
 * other kind and for LeakyReLU with alpha <= 0, where f(-inf) or the sign
 * of y breaks that.
 */
static void test_slope_from_output(void)
{
    const float x[] = {-INFINITY, -3e38f, -2.5f, -1e-40f,  -0.0f, 0.0f, 1e-40f,
                       1e-30f,    0.75f,  3e38f, INFINITY, NAN,   -NAN};
    enum { NX = sizeof x / sizeof x[0] };
    float dy[NX], y[NX], at_x[NX], at_y[NX];
    for (int i = 0; i < NX; i++)
        dy[i] = i % 2 ? -1.25f : 0.5f;
    const golu_act yes[] = {golu_act_default(GOLU_ACT_RELU),
                            golu_act_default(GOLU_ACT_LEAKY_RELU),
                            {GOLU_ACT_LEAKY_RELU, 0.25, 0, 0},
                            {GOLU_ACT_LEAKY_RELU, 1e-30, 0, 0}};
    for (size_t k = 0; k < sizeof yes / sizeof yes[0]; k++) {
        const golu_act *a = &yes[k];
        CHECK(nn_act_slope_from_output(a), "%s alpha %g: not from its output",
              golu_act_name(a->kind), a->alpha);
        CHECK_ST(nn_act_forward(NULL, a, y, x, NX), GOLU_OK);
        CHECK_ST(nn_act_backward(NULL, a, at_x, dy, x, NX, NULL), GOLU_OK);
        CHECK_ST(nn_act_backward(NULL, a, at_y, dy, y, NX, NULL), GOLU_OK);
        CHECK(memcmp(at_x, at_y, sizeof at_x) == 0,
              "%s alpha %g: the backward at f(x) differs from the one at x",
              golu_act_name(a->kind), a->alpha);
    }
    const golu_act no[] = {{GOLU_ACT_LEAKY_RELU, 0, 0, 0},
                           {GOLU_ACT_LEAKY_RELU, -0.5, 0, 0}};
    for (size_t k = 0; k < sizeof no / sizeof no[0]; k++)
        CHECK(!nn_act_slope_from_output(&no[k]), "LeakyReLU alpha %g: from its output",
              no[k].alpha);
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        golu_act a = golu_act_default((golu_act_kind)k);
        if (k != GOLU_ACT_RELU && k != GOLU_ACT_LEAKY_RELU)
            CHECK(!nn_act_slope_from_output(&a), "%s: from its output",
                  golu_act_name(a.kind));
    }
}

int main(void)
{
    TEST_BEGIN("nn_layers");
    for (uint64_t k = 0; k < 3; k++) {
        test_linear(0x11 + k);
        test_layernorm(0x22 + k);
        test_softmax_ce(0x33 + k);
        test_embedding(0x44 + k);
    }
    test_act();
    test_slope_from_output();
    test_dropout();
    test_elementwise();
    return TEST_END();
}
