/*
 * test_nn_spatial.c - the image and sequence layers of src/nn/layers against
 * direct loops and finite differences.
 *
 *   Conv2d: the double build against a direct 7-loop convolution (and its
 *   direct adjoint for dx, dw, db) over k = 1, 3, stride 1, 2, pad 0, 1,
 *   cin 1, 3, cout 2, 4, non-square planes, bias or none, batches that fill
 *   one group, several, and a partial last one; gradients against central
 *   differences of L = sum r_i y_i; dw, db accumulate (twice gives twice), dx
 *   is written (NaN-prefilled), NULL dx/db skip; the float build against
 *   the double build.
 *   BatchNorm2d: training and eval forward against direct computation, the
 *   running statistics against torch's rule (momentum, unbiased variance);
 *   dx, dgamma, dbeta against differences in both modes.
 *   Pools: max (with its argmax, first maximum, NaN), average and global
 *   average against direct loops, dx against differences.
 *   Shortcut (option A): 16 -> 32 channels at stride 2, odd channel
 *   differences, the identity; backward against differences.
 *   Attention: out and att against a direct double implementation for
 *   nh = 1, 2 (rows sum to 1, exact zeros above the diagonal), dqkv against
 *   differences; the float build against the double build.
 */
#include "layers.h"
#include "util.h"

/* Central differences: step relative to the value; error measured
 * normwise (the worst element against the largest element of the
 * reference), so an element near 0 is not held to a relative bound. The
 * layers are smooth where they are checked: truncation ~ h^2 ~ 1e-12,
 * rounding ~ 1e-16 |L| / h ~ 1e-10. */
#define FD_STEP 0x1p-20
#define FD_TOL  1e-6
/* double build against direct double loops (different summation orders). */
#define F64_TOL 1e-12
/* float build against the double build. */
#define F32_TOL 1e-5

/* ------------------------------------------------------------ helpers --- */

static void *xalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

static double *dnew(size_t n)
{
    return xalloc(n, sizeof(double));
}

static float *fnew(size_t n)
{
    return xalloc(n, sizeof(float));
}

static void fill_value_f(float *a, size_t n, float v)
{
    for (size_t i = 0; i < n; i++)
        a[i] = v;
}

/* max |got - want| / max |want| (a NaN anywhere gives NaN). */
static double norm_err(const double *got, const double *want, size_t n)
{
    double e = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(got[i] - want[i]);
        if (isnan(d))
            return NAN;
        e = fmax(e, d);
        m = fmax(m, fabs(want[i]));
    }
    return m > 0 ? e / m : e;
}

static double norm_err_f(const float *got, const double *want, size_t n)
{
    double *g = dnew(n);
    for (size_t i = 0; i < n; i++)
        g[i] = got[i];
    double e = norm_err(g, want, n);
    free(g);
    return e;
}

static void check_err(const char *what, double err, double tol)
{
    CHECK(err <= tol, "%s: relative error %.3g > %.3g", what, err, tol);
}

/* A scalar loss of some buffers, for differences. */
typedef double (*loss_fn)(void *state);

/* g (n) = central differences of f in each element of p (n). */
static void fd_grad(double *g, double *p, size_t n, loss_fn f, void *state)
{
    for (size_t i = 0; i < n; i++) {
        double v = p[i], h = FD_STEP * fmax(1.0, fabs(v));
        p[i] = v + h;
        double lp = f(state);
        double xp = p[i];
        p[i] = v - h;
        double lm = f(state);
        double xm = p[i];
        p[i] = v;
        g[i] = (lp - lm) / (xp - xm);
    }
}

/* Checks an analytic gradient g (n) against differences of f in p (n). */
static void check_fd(const char *what, const double *g, double *p, size_t n, loss_fn f,
                     void *state)
{
    double *fd = dnew(n);
    fd_grad(fd, p, n, f, state);
    check_err(what, norm_err(g, fd, n), FD_TOL);
    free(fd);
}

/* ------------------------------------------------------------- conv2d --- */

typedef struct conv_case {
    nn_conv2d_shape s;
    int bias;
    int fd; /* also check against differences (small cases) */
} conv_case;

static size_t conv_ny(const nn_conv2d_shape *s)
{
    return (size_t)s->n * s->cout * nn_conv2d_out_h(s) * nn_conv2d_out_w(s);
}
static size_t conv_nx(const nn_conv2d_shape *s)
{
    return (size_t)s->n * s->cin * s->h * s->w;
}
static size_t conv_nw(const nn_conv2d_shape *s)
{
    return (size_t)s->cout * s->cin * s->k * s->k;
}

/* Input (i, j) of output (oh, ow) tap (a, b), or -1 in the padding. */
static long conv_tap(const nn_conv2d_shape *s, int ci, int oh, int ow, int a, int b)
{
    int ih = oh * s->stride - s->pad + a, iw = ow * s->stride - s->pad + b;
    if (ih < 0 || ih >= s->h || iw < 0 || iw >= s->w)
        return -1;
    return ((long)ci * s->h + ih) * s->w + iw;
}

/* y (n, cout, ho, wo) by the definition, in long double. */
static void conv_direct(double *y, const double *x, const double *w, const double *b,
                        const nn_conv2d_shape *s)
{
    const int ho = nn_conv2d_out_h(s), wo = nn_conv2d_out_w(s), k = s->k;
    for (int n = 0; n < s->n; n++)
        for (int co = 0; co < s->cout; co++)
            for (int oh = 0; oh < ho; oh++)
                for (int ow = 0; ow < wo; ow++) {
                    const double *xn = x + (size_t)n * s->cin * s->h * s->w;
                    long double acc = b ? b[co] : 0;
                    for (int ci = 0; ci < s->cin; ci++)
                        for (int a = 0; a < k; a++)
                            for (int c = 0; c < k; c++) {
                                long t = conv_tap(s, ci, oh, ow, a, c);
                                if (t >= 0)
                                    acc += (long double)xn[t] *
                                           w[((co * s->cin + ci) * k + a) * k + c];
                            }
                    y[(((size_t)n * s->cout + co) * ho + oh) * wo + ow] = (double)acc;
                }
}

/* The adjoint of conv_direct: dx =, dw =, db = (double sums). */
static void conv_direct_backward(double *dx, double *dw, double *db, const double *dy,
                                 const double *x, const double *w,
                                 const nn_conv2d_shape *s)
{
    const int ho = nn_conv2d_out_h(s), wo = nn_conv2d_out_w(s), k = s->k;
    const size_t ximg = (size_t)s->cin * s->h * s->w;
    fill_const(dx, conv_nx(s), 0);
    fill_const(dw, conv_nw(s), 0);
    fill_const(db, (size_t)s->cout, 0);
    for (int n = 0; n < s->n; n++)
        for (int co = 0; co < s->cout; co++)
            for (int oh = 0; oh < ho; oh++)
                for (int ow = 0; ow < wo; ow++) {
                    double g = dy[(((size_t)n * s->cout + co) * ho + oh) * wo + ow];
                    db[co] += g;
                    for (int ci = 0; ci < s->cin; ci++)
                        for (int a = 0; a < k; a++)
                            for (int c = 0; c < k; c++) {
                                long t = conv_tap(s, ci, oh, ow, a, c);
                                size_t wi = (size_t)((co * s->cin + ci) * k + a) * k + c;
                                if (t < 0)
                                    continue;
                                dx[n * ximg + t] += g * w[wi];
                                dw[wi] += g * x[n * ximg + t];
                            }
                }
}

typedef struct conv_state {
    const nn_conv2d_shape *s;
    double *x, *w, *b, *y, *r, *work;
} conv_state;

static double conv_loss(void *p)
{
    conv_state *st = p;
    nn_conv2d_forward_f64(st->y, st->x, st->w, st->b, st->s, st->work);
    return dot_ld(st->r, st->y, conv_ny(st->s));
}

static void conv_name(char *buf, size_t len, const conv_case *c, const char *what)
{
    const nn_conv2d_shape *s = &c->s;
    snprintf(buf, len, "conv2d n%d cin%d %dx%d cout%d k%d s%d p%d%s: %s", s->n, s->cin,
             s->h, s->w, s->cout, s->k, s->stride, s->pad, c->bias ? " bias" : "", what);
}

/* The double build's backward: += for dw/db, = for dx, NULL skips. */
static void conv_check_backward(const conv_case *c, conv_state *st, const double *dx_ref,
                                const double *dw_ref, const double *db_ref)
{
    const nn_conv2d_shape *s = &c->s;
    size_t nx = conv_nx(s), nw = conv_nw(s), co = (size_t)s->cout;
    double *dx = dnew(nx), *dw = dnew(nw), *db = dnew(co), *want = dnew(nw);
    char name[160];
    rng r = {77};
    /* dw, db start from values of their own; dx from NaN (must be written). */
    double *dw0 = dnew(nw), *db0 = dnew(co);
    fill_range(dw0, nw, &r, -1, 1);
    fill_range(db0, co, &r, -1, 1);
    memcpy(dw, dw0, nw * sizeof *dw);
    memcpy(db, db0, co * sizeof *db);
    fill_const(dx, nx, NAN);
    fill_const(st->work, nn_conv2d_workspace(s), NAN);
    nn_conv2d_backward_f64(dx, dw, c->bias ? db : NULL, st->r, st->x, st->w, s, st->work);
    conv_name(name, sizeof name, c, "dx");
    check_err(name, norm_err(dx, dx_ref, nx), F64_TOL);
    for (size_t i = 0; i < nw; i++)
        want[i] = dw0[i] + dw_ref[i];
    conv_name(name, sizeof name, c, "dw += (once)");
    check_err(name, norm_err(dw, want, nw), F64_TOL);
    if (c->bias) {
        for (size_t i = 0; i < co; i++)
            want[i] = db0[i] + db_ref[i];
        conv_name(name, sizeof name, c, "db += (once)");
        check_err(name, norm_err(db, want, co), F64_TOL);
    } else {
        conv_name(name, sizeof name, c, "db NULL leaves db alone");
        CHECK(memcmp(db, db0, co * sizeof *db) == 0, "%s", name);
    }
    /* Again with dx NULL: dw and db gain a second copy. */
    nn_conv2d_backward_f64(NULL, dw, db, st->r, st->x, st->w, s, st->work);
    for (size_t i = 0; i < nw; i++)
        want[i] = dw0[i] + 2 * dw_ref[i];
    conv_name(name, sizeof name, c, "dw += (twice, dx NULL)");
    check_err(name, norm_err(dw, want, nw), F64_TOL);
    for (size_t i = 0; i < co; i++)
        want[i] = db0[i] + (c->bias ? 2 : 1) * db_ref[i];
    conv_name(name, sizeof name, c, "db += (dx NULL)");
    check_err(name, norm_err(db, want, co), F64_TOL);
    free(dx), free(dw), free(db), free(want), free(dw0), free(db0);
}

/* Differences of L = sum r*y in x, w, b against the direct adjoint. */
static void conv_check_fd(const conv_case *c, conv_state *st, const double *dx_ref,
                          const double *dw_ref, const double *db_ref)
{
    char name[160];
    conv_name(name, sizeof name, c, "dx vs differences");
    check_fd(name, dx_ref, st->x, conv_nx(&c->s), conv_loss, st);
    conv_name(name, sizeof name, c, "dw vs differences");
    check_fd(name, dw_ref, st->w, conv_nw(&c->s), conv_loss, st);
    if (c->bias) {
        conv_name(name, sizeof name, c, "db vs differences");
        check_fd(name, db_ref, st->b, (size_t)c->s.cout, conv_loss, st);
    }
}

/* The float build on the same (float-rounded) inputs. */
static void conv_check_f32(const conv_case *c, conv_state *st, const double *y_ref,
                           const double *dx_ref, const double *dw_ref,
                           const double *db_ref)
{
    const nn_conv2d_shape *s = &c->s;
    size_t nx = conv_nx(s), nw = conv_nw(s), ny = conv_ny(s), co = (size_t)s->cout;
    float *x = fnew(nx), *w = fnew(nw), *b = fnew(co), *y = fnew(ny), *r = fnew(ny);
    float *dx = fnew(nx), *dw = fnew(nw), *db = fnew(co);
    float *work = fnew(nn_conv2d_workspace(s));
    char name[160];
    for (size_t i = 0; i < nx; i++)
        x[i] = (float)st->x[i];
    for (size_t i = 0; i < nw; i++)
        w[i] = (float)st->w[i];
    for (size_t i = 0; i < co; i++)
        b[i] = (float)st->b[i];
    for (size_t i = 0; i < ny; i++)
        r[i] = (float)st->r[i];
    fill_value_f(y, ny, NAN);
    nn_conv2d_forward(y, x, w, c->bias ? b : NULL, s, work);
    conv_name(name, sizeof name, c, "float y vs double");
    check_err(name, norm_err_f(y, y_ref, ny), F32_TOL);
    fill_value_f(dx, nx, NAN);
    nn_conv2d_backward(dx, dw, c->bias ? db : NULL, r, x, w, s, work);
    conv_name(name, sizeof name, c, "float dx vs double");
    check_err(name, norm_err_f(dx, dx_ref, nx), F32_TOL);
    conv_name(name, sizeof name, c, "float dw vs double");
    check_err(name, norm_err_f(dw, dw_ref, nw), F32_TOL);
    if (c->bias) {
        conv_name(name, sizeof name, c, "float db vs double");
        check_err(name, norm_err_f(db, db_ref, co), F32_TOL);
    }
    free(x), free(w), free(b), free(y), free(r), free(dx), free(dw), free(db), free(work);
}

static void conv_run(const conv_case *c, uint64_t seed)
{
    const nn_conv2d_shape *s = &c->s;
    size_t nx = conv_nx(s), nw = conv_nw(s), ny = conv_ny(s), co = (size_t)s->cout;
    conv_state st = {.s = s, .x = dnew(nx), .w = dnew(nw), .b = dnew(co)};
    st.y = dnew(ny);
    st.r = dnew(ny);
    st.work = dnew(nn_conv2d_workspace(s));
    double *y_ref = dnew(ny), *dx_ref = dnew(nx), *dw_ref = dnew(nw), *db_ref = dnew(co);
    rng r = {seed};
    char name[160];
    /* Inputs that float holds exactly, so the float check sees the same. */
    float *tmp = fnew(nx > nw ? nx : nw);
    fill_range(st.x, nx, &r, -1, 1);
    round_to_float(tmp, st.x, nx);
    fill_range(st.w, nw, &r, -1, 1);
    round_to_float(tmp, st.w, nw);
    fill_range(st.b, co, &r, -1, 1);
    round_to_float(tmp, st.b, co);
    free(tmp);
    tmp = fnew(ny);
    fill_range(st.r, ny, &r, -1, 1);
    round_to_float(tmp, st.r, ny);
    free(tmp);

    fill_const(st.y, ny, NAN);
    fill_const(st.work, nn_conv2d_workspace(s), NAN);
    nn_conv2d_forward_f64(st.y, st.x, st.w, c->bias ? st.b : NULL, s, st.work);
    conv_direct(y_ref, st.x, st.w, c->bias ? st.b : NULL, s);
    conv_name(name, sizeof name, c, "y vs direct");
    check_err(name, norm_err(st.y, y_ref, ny), F64_TOL);

    conv_direct_backward(dx_ref, dw_ref, db_ref, st.r, st.x, st.w, s);
    conv_check_backward(c, &st, dx_ref, dw_ref, db_ref);
    double *b = st.b;
    if (!c->bias)
        st.b = NULL; /* the loss of a convolution without bias */
    if (c->fd)
        conv_check_fd(c, &st, dx_ref, dw_ref, db_ref);
    st.b = b;
    conv_check_f32(c, &st, y_ref, dx_ref, dw_ref, db_ref);
    free(st.x), free(st.w), free(st.b), free(st.y), free(st.r), free(st.work);
    free(y_ref), free(dx_ref), free(dw_ref), free(db_ref);
}

static void test_conv2d(void)
{
    /* {n, cin, h, w, cout, k, stride, pad}, bias, fd */
    static const conv_case cases[] = {
        {{2, 1, 5, 7, 2, 3, 1, 1}, 1, 1},
        {{2, 3, 6, 5, 4, 3, 2, 1}, 0, 1},
        {{2, 3, 7, 6, 4, 1, 1, 0}, 1, 1},
        {{2, 1, 6, 7, 4, 1, 2, 0}, 0, 1},
        {{2, 3, 5, 6, 2, 3, 1, 0}, 0, 1},
        {{2, 3, 8, 7, 4, 3, 2, 0}, 1, 1},
        {{2, 3, 5, 5, 4, 1, 2, 1}, 1, 1},
        {{2, 1, 4, 9, 2, 3, 2, 1}, 1, 1},
        {{2, 3, 2, 3, 2, 3, 1, 1}, 1, 1}, /* planes smaller than the kernel */
        {{2, 3, 9, 1, 2, 3, 1, 1}, 1, 1}, /* one column */
        {{5, 3, 6, 5, 4, 3, 1, 1}, 1, 0}, /* many images in one group */
        /* Large planes: with conv2d.c's group target of 2^18 elements, one
         * image per group (K*P = 297000), then groups of 2 and a partial
         * last group of 1 (K*P = 108900). */
        {{2, 3, 110, 100, 2, 3, 1, 1}, 1, 0},
        {{3, 1, 110, 110, 2, 3, 1, 1}, 0, 0},
        {{3, 1, 111, 113, 2, 3, 2, 1}, 1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        conv_run(&cases[i], 100 + i);
    nn_conv2d_shape s = {1, 3, 7, 5, 2, 3, 2, 1};
    CHECK_INT(nn_conv2d_out_h(&s), 4);
    CHECK_INT(nn_conv2d_out_w(&s), 3);
}

/* -------------------------------------------------------- batchnorm2d --- */

enum { BN_N = 3, BN_C = 4, BN_HW = 5, BN_E = BN_N * BN_C * BN_HW };
#define BN_EPS 1e-5
#define BN_MOM 0.1

typedef struct bn_state {
    double *x, *gamma, *beta, *rm, *rv, *y, *r;
    double mean[BN_C], rstd[BN_C];
    int training;
} bn_state;

static double bn_loss(void *p)
{
    bn_state *st = p;
    /* Training mode without running statistics: nothing drifts between
     * evaluations. */
    nn_batchnorm2d_forward_f64(st->y, st->mean, st->rstd, st->training ? NULL : st->rm,
                               st->training ? NULL : st->rv, st->x, st->gamma, st->beta,
                               BN_N, BN_C, BN_HW, st->training, BN_MOM, BN_EPS);
    return dot_ld(st->r, st->y, BN_E);
}

/* Per-channel batch mean and biased variance by the definition. */
static void bn_direct_stats(const double *x, double *mu, double *var)
{
    for (int c = 0; c < BN_C; c++) {
        long double s = 0, q = 0;
        for (int n = 0; n < BN_N; n++)
            for (int j = 0; j < BN_HW; j++)
                s += x[(n * BN_C + c) * BN_HW + j];
        long double m = s / (BN_N * BN_HW);
        for (int n = 0; n < BN_N; n++)
            for (int j = 0; j < BN_HW; j++) {
                long double d = x[(n * BN_C + c) * BN_HW + j] - m;
                q += d * d;
            }
        mu[c] = (double)m;
        var[c] = (double)(q / (BN_N * BN_HW));
    }
}

static void bn_check_forward(bn_state *st, const double *rm0, const double *rv0)
{
    double mu[BN_C], var[BN_C], want[BN_E], rm[BN_C], rv[BN_C];
    bn_direct_stats(st->x, mu, var);
    /* training: batch statistics; running ones updated as torch does */
    nn_batchnorm2d_forward_f64(st->y, st->mean, st->rstd, st->rm, st->rv, st->x,
                               st->gamma, st->beta, BN_N, BN_C, BN_HW, 1, BN_MOM, BN_EPS);
    const double m = BN_N * BN_HW;
    for (int c = 0; c < BN_C; c++) {
        double rs = 1 / sqrt(var[c] + BN_EPS);
        for (int n = 0; n < BN_N; n++)
            for (int j = 0; j < BN_HW; j++) {
                int i = (n * BN_C + c) * BN_HW + j;
                want[i] = (st->x[i] - mu[c]) * rs * st->gamma[c] + st->beta[c];
            }
        rm[c] = 0.9 * rm0[c] + 0.1 * mu[c];
        rv[c] = 0.9 * rv0[c] + 0.1 * var[c] * m / (m - 1);
        CHECK(fabs(st->mean[c] - mu[c]) <= 1e-14, "bn mean[%d] %.17g, want %.17g", c,
              st->mean[c], mu[c]);
        CHECK(fabs(st->rstd[c] - rs) <= 1e-13 * rs, "bn rstd[%d] %.17g, want %.17g", c,
              st->rstd[c], rs);
    }
    check_err("bn training y vs direct", norm_err(st->y, want, BN_E), F64_TOL);
    check_err("bn running_mean (momentum 0.1)", norm_err(st->rm, rm, BN_C), F64_TOL);
    check_err("bn running_var (unbiased)", norm_err(st->rv, rv, BN_C), F64_TOL);
    /* eval: the running statistics normalise, and are left alone */
    memcpy(rm, st->rm, sizeof rm);
    memcpy(rv, st->rv, sizeof rv);
    nn_batchnorm2d_forward_f64(st->y, st->mean, st->rstd, st->rm, st->rv, st->x,
                               st->gamma, st->beta, BN_N, BN_C, BN_HW, 0, BN_MOM, BN_EPS);
    for (int c = 0; c < BN_C; c++) {
        double rs = 1 / sqrt(rv[c] + BN_EPS);
        for (int n = 0; n < BN_N; n++)
            for (int j = 0; j < BN_HW; j++) {
                int i = (n * BN_C + c) * BN_HW + j;
                want[i] = (st->x[i] - rm[c]) * rs * st->gamma[c] + st->beta[c];
            }
        CHECK(st->mean[c] == st->rm[c] && fabs(st->rstd[c] - rs) <= 1e-13 * rs,
              "bn eval mean/rstd[%d] = %g/%g, want %g/%g", c, st->mean[c], st->rstd[c],
              st->rm[c], rs);
    }
    check_err("bn eval y vs direct", norm_err(st->y, want, BN_E), F64_TOL);
    CHECK(memcmp(st->rm, rm, sizeof rm) == 0 && memcmp(st->rv, rv, sizeof rv) == 0,
          "bn eval leaves the running statistics alone");
}

static void bn_check_grads(bn_state *st, int training)
{
    double dx[BN_E], dg[BN_C], dbt[BN_C], g0[BN_C], b0[BN_C];
    char name[96];
    const char *mode = training ? "training" : "eval";
    st->training = training;
    bn_loss(st); /* mean, rstd of this mode */
    fill_const(dx, BN_E, NAN);
    for (int c = 0; c < BN_C; c++) {
        g0[c] = dg[c] = 0.25 * c - 0.3;
        b0[c] = dbt[c] = 0.5 - 0.125 * c;
    }
    nn_batchnorm2d_backward_f64(dx, dg, dbt, st->r, st->x, st->mean, st->rstd, st->gamma,
                                BN_N, BN_C, BN_HW, training);
    for (int c = 0; c < BN_C; c++) {
        dg[c] -= g0[c]; /* what was added */
        dbt[c] -= b0[c];
    }
    snprintf(name, sizeof name, "bn %s dx vs differences", mode);
    check_fd(name, dx, st->x, BN_E, bn_loss, st);
    snprintf(name, sizeof name, "bn %s dgamma (+=) vs differences", mode);
    check_fd(name, dg, st->gamma, BN_C, bn_loss, st);
    snprintf(name, sizeof name, "bn %s dbeta (+=) vs differences", mode);
    check_fd(name, dbt, st->beta, BN_C, bn_loss, st);
}

/* y NULL: the same statistics (saved and running, both modes), no output. */
static void test_batchnorm2d_stats_only(void)
{
    float x[BN_E], y[BN_E], gamma[BN_C], beta[BN_C];
    rng g = {0xB5};
    for (int i = 0; i < BN_E; i++)
        x[i] = (float)(rng_range(&g, -1, 3) + (i / BN_HW) % BN_C);
    for (int c = 0; c < BN_C; c++)
        gamma[c] = (float)rng_range(&g, 0.5, 1.5),
        beta[c] = (float)rng_range(&g, -0.5, 0.5);
    for (int training = 0; training < 2; training++) {
        float mean[2][BN_C], rstd[2][BN_C], rm[2][BN_C], rv[2][BN_C];
        for (int k = 0; k < 2; k++) {
            for (int c = 0; c < BN_C; c++)
                rm[k][c] = 0.25f * (float)c, rv[k][c] = 1.5f;
            nn_batchnorm2d_forward(k ? NULL : y, mean[k], rstd[k], rm[k], rv[k], x, gamma,
                                   beta, BN_N, BN_C, BN_HW, training, BN_MOM, BN_EPS);
        }
        CHECK(memcmp(mean[0], mean[1], sizeof mean[0]) == 0 &&
                  memcmp(rstd[0], rstd[1], sizeof rstd[0]) == 0 &&
                  memcmp(rm[0], rm[1], sizeof rm[0]) == 0 &&
                  memcmp(rv[0], rv[1], sizeof rv[0]) == 0,
              "bn y NULL (training %d): the same statistics as with y", training);
    }
}

/*
 * float BatchNorm on planes with whole groups of the 16 partial sums and a
 * remainder (hw 37), more channels than one pass keeps (70 > 64), odd
 * channel halves: forward and backward against long double, and the
 * backward from per-plane sums (nn_batchnorm2d_plane_sums, as a fused
 * caller takes them) bit for bit the plain backward's.
 */
enum { BP_N = 3, BP_C = 70, BP_HW = 37, BP_E = BP_N * BP_C * BP_HW };

static size_t bp_at(int n, int c, int j)
{
    return ((size_t)n * BP_C + c) * BP_HW + j;
}

/* The backward by its definition in long double: dx, dgamma, dbeta. */
static void bp_reference(double *dx, double *dg, double *db, const float *x,
                         const float *dy, const float *gamma)
{
    const long double m = BP_N * BP_HW;
    for (int c = 0; c < BP_C; c++) {
        long double s = 0, q = 0, sdy = 0, sdyx = 0;
        for (int n = 0; n < BP_N; n++)
            for (int j = 0; j < BP_HW; j++)
                s += x[bp_at(n, c, j)];
        long double mu = s / m;
        for (int n = 0; n < BP_N; n++)
            for (int j = 0; j < BP_HW; j++)
                q += (x[bp_at(n, c, j)] - mu) * (x[bp_at(n, c, j)] - mu);
        long double rs = 1 / sqrtl(q / m + BN_EPS);
        for (int n = 0; n < BP_N; n++)
            for (int j = 0; j < BP_HW; j++) {
                sdy += dy[bp_at(n, c, j)];
                sdyx += dy[bp_at(n, c, j)] * (x[bp_at(n, c, j)] - mu) * rs;
            }
        dg[c] = (double)sdyx;
        db[c] = (double)sdy;
        for (int n = 0; n < BP_N; n++)
            for (int j = 0; j < BP_HW; j++) {
                size_t i = bp_at(n, c, j);
                long double xh = (x[i] - mu) * rs;
                dx[i] = (double)(gamma[c] * rs * (dy[i] - sdy / m - xh * sdyx / m));
            }
    }
}

static void test_batchnorm2d_planes(void)
{
    float *x = fnew(BP_E), *dy = fnew(BP_E), *y = fnew(BP_E), *dx[2];
    float gamma[BP_C], beta[BP_C], mean[BP_C], rstd[BP_C], dg[2][BP_C], db[2][BP_C];
    double *want = dnew(BP_E), wdg[BP_C], wdb[BP_C];
    double *sums = dnew(2 * (size_t)BP_N * BP_C);
    rng g = {0xB6};
    for (size_t i = 0; i < BP_E; i++) {
        x[i] = (float)(rng_range(&g, -1, 3) + (double)((i / BP_HW) % 7));
        dy[i] = (float)rng_range(&g, -1, 1);
    }
    for (int c = 0; c < BP_C; c++)
        gamma[c] = (float)rng_range(&g, 0.5, 1.5),
        beta[c] = (float)rng_range(&g, -0.5, 0.5);
    nn_batchnorm2d_forward(y, mean, rstd, NULL, NULL, x, gamma, beta, BP_N, BP_C, BP_HW,
                           1, BN_MOM, BN_EPS);
    for (int c = 0; c < BP_C; c++) { /* y against the definition */
        long double s = 0, q = 0, m = BP_N * BP_HW;
        for (int n = 0; n < BP_N; n++)
            for (int j = 0; j < BP_HW; j++)
                s += x[bp_at(n, c, j)];
        for (int n = 0; n < BP_N; n++)
            for (int j = 0; j < BP_HW; j++)
                q += (x[bp_at(n, c, j)] - s / m) * (x[bp_at(n, c, j)] - s / m);
        long double rs = 1 / sqrtl(q / m + BN_EPS);
        for (int n = 0; n < BP_N; n++)
            for (int j = 0; j < BP_HW; j++) {
                size_t i = bp_at(n, c, j);
                want[i] = (double)((x[i] - s / m) * rs * gamma[c] + beta[c]);
            }
    }
    check_err("bn float y (hw 37, 70 channels) vs long double", norm_err_f(y, want, BP_E),
              4e-6);
    bp_reference(want, wdg, wdb, x, dy, gamma);
    for (int k = 0; k < 2; k++) {
        dx[k] = fnew(BP_E);
        fill_value_f(dx[k], BP_E, NAN);
        for (int c = 0; c < BP_C; c++)
            dg[k][c] = db[k][c] = 0;
    }
    nn_batchnorm2d_backward(dx[0], dg[0], db[0], dy, x, mean, rstd, gamma, BP_N, BP_C,
                            BP_HW, 1);
    for (int n = 0; n < BP_N; n++)
        for (int c = 0; c < BP_C; c++)
            nn_batchnorm2d_plane_sums(sums + 2 * ((size_t)n * BP_C + c),
                                      dy + bp_at(n, c, 0), x + bp_at(n, c, 0), mean[c],
                                      BP_HW);
    nn_batchnorm2d_backward_sums(dx[1], dg[1], db[1], dy, x, mean, rstd, gamma, sums,
                                 BP_N, BP_C, BP_HW, 1);
    check_err("bn float dx vs long double", norm_err_f(dx[0], want, BP_E), 2e-5);
    check_err("bn float dgamma vs long double", norm_err_f(dg[0], wdg, BP_C), 2e-5);
    check_err("bn float dbeta vs long double", norm_err_f(db[0], wdb, BP_C), 2e-5);
    CHECK(memcmp(dx[0], dx[1], BP_E * sizeof(float)) == 0 &&
              memcmp(dg[0], dg[1], sizeof dg[0]) == 0 &&
              memcmp(db[0], db[1], sizeof db[0]) == 0,
          "bn backward from plane sums: the plain backward's bits");
    /* In two parts (as a convolution's dy source makes dx): the coefficients,
     * then each plane; dgamma, dbeta added as the whole backward adds them. */
    float coef[3 * BP_C], dg2[BP_C], db2[BP_C], *dx2 = fnew(BP_E);
    fill_value_f(dx2, BP_E, NAN);
    for (int c = 0; c < BP_C; c++)
        dg2[c] = db2[c] = 0;
    nn_batchnorm2d_backward_coefs(coef, dg2, db2, rstd, gamma, sums, BP_N, BP_C, BP_HW,
                                  1);
    for (int n = 0; n < BP_N; n++)
        for (int c = 0; c < BP_C; c++)
            nn_batchnorm2d_plane_dx(dx2 + bp_at(n, c, 0), dy + bp_at(n, c, 0),
                                    x + bp_at(n, c, 0), mean[c], coef[c], coef[BP_C + c],
                                    coef[2 * BP_C + c], BP_HW);
    CHECK(memcmp(dx[0], dx2, BP_E * sizeof(float)) == 0 &&
              memcmp(dg[0], dg2, sizeof dg2) == 0 && memcmp(db[0], db2, sizeof db2) == 0,
          "bn backward as coefficients then planes: the plain backward's bits");
    nn_batchnorm2d_backward_coefs(coef, NULL, NULL, rstd, gamma, sums, BP_N, BP_C, BP_HW,
                                  0);
    int eval_ok = 1;
    for (int c = 0; c < BP_C; c++)
        eval_ok &= coef[c] == (float)((double)gamma[c] * rstd[c]) &&
                   coef[BP_C + c] == 0 && coef[2 * BP_C + c] == 0;
    CHECK(eval_ok, "bn backward coefficients in eval mode: gamma * rstd, 0, 0");
    free(x), free(dy), free(y), free(dx[0]), free(dx[1]), free(dx2), free(want),
        free(sums);
}

/* The statistics from per-plane ones (a convolution's then, as the ResNet
 * takes them): the plain forward's mean and rstd and running statistics
 * up to rounding, in training; in eval mode the running ones, bit for bit,
 * whatever plane_stats holds. Channel means far from 0 against their
 * spread, where a one-pass variance would cancel. */
static void test_batchnorm2d_stats_of_planes(void)
{
    float *x = fnew(BP_E), gamma[BP_C];
    float mean[2][BP_C], rstd[2][BP_C], rm[2][BP_C], rv[2][BP_C];
    double *st = dnew(3 * (size_t)BP_N * BP_C);
    rng g = {0xB7};
    for (size_t i = 0; i < BP_E; i++)
        x[i] = (float)(rng_range(&g, -0.01, 0.01) + 100.0 * (double)((i / BP_HW) % 5));
    for (int c = 0; c < BP_C; c++)
        gamma[c] = (float)rng_range(&g, 0.5, 1.5);
    for (int training = 1; training >= 0; training--) {
        for (int k = 0; k < 2; k++)
            for (int c = 0; c < BP_C; c++)
                rm[k][c] = 0.25f * (float)c, rv[k][c] = 1.5f;
        nn_batchnorm2d_forward(NULL, mean[0], rstd[0], rm[0], rv[0], x, gamma, gamma,
                               BP_N, BP_C, BP_HW, training, BN_MOM, BN_EPS);
        for (size_t i = 0; i < 3 * (size_t)BP_N * BP_C; i++)
            st[i] = training ? 0 : NAN;
        for (int n = 0; training && n < BP_N; n++)
            for (int c = 0; c < BP_C; c++)
                nn_batchnorm2d_plane_stats(st + 3 * ((size_t)n * BP_C + c),
                                           x + bp_at(n, c, 0), BP_HW);
        nn_batchnorm2d_stats_of_planes(mean[1], rstd[1], rm[1], rv[1], gamma, st, BP_N,
                                       BP_C, BP_HW, training, BN_MOM, BN_EPS);
        double em = 0, er = 0, erm = 0, erv = 0;
        for (int c = 0; c < BP_C; c++) {
            em = fmax(em,
                      fabs((double)mean[1][c] - mean[0][c]) / (fabs(mean[0][c]) + 1e-3));
            er = fmax(er, fabs((double)rstd[1][c] - rstd[0][c]) / rstd[0][c]);
            erm = fmax(erm, fabs((double)rm[1][c] - rm[0][c]) / (fabs(rm[0][c]) + 1e-3));
            erv = fmax(erv, fabs((double)rv[1][c] - rv[0][c]) / rv[0][c]);
        }
        if (training)
            CHECK(em <= 2e-7 && er <= 2e-5 && erm <= 2e-7 && erv <= 2e-6,
                  "bn statistics of planes (means 0-400, spread 0.01): relative "
                  "differences "
                  "mean %.3g rstd %.3g running %.3g %.3g",
                  em, er, erm, erv);
        else
            CHECK(em == 0 && er == 0 && erm == 0 && erv == 0,
                  "bn statistics of planes, eval: the running statistics' bits");
    }
    free(x), free(st);
}

static void test_batchnorm2d(void)
{
    double x[BN_E], y[BN_E], r[BN_E], gamma[BN_C], beta[BN_C], rm[BN_C], rv[BN_C];
    double rm0[BN_C], rv0[BN_C];
    rng g = {0xB4};
    fill_range(x, BN_E, &g, -2, 3);
    for (int i = 0; i < BN_E; i++) /* channel offsets, so means differ */
        x[i] += (i / BN_HW) % BN_C;
    fill_range(r, BN_E, &g, -1, 1);
    fill_range(gamma, BN_C, &g, 0.5, 1.5);
    fill_range(beta, BN_C, &g, -0.5, 0.5);
    fill_range(rm0, BN_C, &g, -0.5, 0.5);
    fill_range(rv0, BN_C, &g, 0.5, 2);
    memcpy(rm, rm0, sizeof rm);
    memcpy(rv, rv0, sizeof rv);
    bn_state st = {x, gamma, beta, rm, rv, y, r, {0}, {0}, 1};
    bn_check_forward(&st, rm0, rv0);
    bn_check_grads(&st, 1);
    bn_check_grads(&st, 0);
}

/* -------------------------------------------------------------- pools --- */

enum { PN = 2, PC = 3, PH = 7, PW = 6, PE = PN * PC * PH * PW };

typedef struct pool_state {
    double *x, *y, *r;
    int32_t *argmax;
    int kind, k, s; /* kind 0 max, 1 average, 2 global average */
} pool_state;

static size_t pool_ny(const pool_state *st)
{
    if (st->kind == 2)
        return PN * PC;
    return (size_t)PN * PC * ((PH - st->k) / st->s + 1) * ((PW - st->k) / st->s + 1);
}

static double pool_loss(void *p)
{
    pool_state *st = p;
    if (st->kind == 0)
        nn_maxpool2d_forward_f64(st->y, st->argmax, st->x, PN, PC, PH, PW, st->k, st->s);
    else if (st->kind == 1)
        nn_avgpool2d_forward_f64(st->y, st->x, PN, PC, PH, PW, st->k, st->s);
    else
        nn_global_avgpool_forward_f64(st->y, st->x, PN, PC, PH * PW);
    return dot_ld(st->r, st->y, pool_ny(st));
}

/* y and argmax by the definition (the global pool: k = PH, PW). */
static void pool_direct(double *y, int32_t *am, const double *x, int kind, int k, int s)
{
    int kh = kind == 2 ? PH : k, kw = kind == 2 ? PW : k, sv = kind == 2 ? 1 : s;
    int ho = (PH - kh) / sv + 1, wo = (PW - kw) / sv + 1;
    for (int pl = 0; pl < PN * PC; pl++)
        for (int i = 0; i < ho; i++)
            for (int j = 0; j < wo; j++) {
                double best = -INFINITY, sum = 0;
                int bi = -1;
                for (int a = 0; a < kh; a++)
                    for (int b = 0; b < kw; b++) {
                        int idx = (i * sv + a) * PW + j * sv + b;
                        double v = x[pl * PH * PW + idx];
                        sum += v;
                        if (v > best)
                            best = v, bi = idx;
                    }
                int o = (pl * ho + i) * wo + j;
                y[o] = kind == 0 ? best : sum / (kh * kw);
                if (am)
                    am[o] = bi;
            }
}

static void pool_backward(double *dx, const pool_state *st)
{
    if (st->kind == 0)
        nn_maxpool2d_backward_f64(dx, st->r, st->argmax, PN, PC, PH, PW, st->k, st->s);
    else if (st->kind == 1)
        nn_avgpool2d_backward_f64(dx, st->r, PN, PC, PH, PW, st->k, st->s);
    else
        nn_global_avgpool_backward_f64(dx, st->r, PN, PC, PH * PW);
}

static void pool_check(pool_state *st)
{
    static const char *const kinds[] = {"maxpool", "avgpool", "global avgpool"};
    double y_ref[PE], dx[PE];
    int32_t am_ref[PE];
    char name[96];
    size_t ny = pool_ny(st);
    snprintf(name, sizeof name, "%s k%d s%d", kinds[st->kind], st->k, st->s);
    pool_loss(st);
    pool_direct(y_ref, am_ref, st->x, st->kind, st->k, st->s);
    CHECK(norm_err(st->y, y_ref, ny) <= F64_TOL, "%s: y vs direct, error %.3g", name,
          norm_err(st->y, y_ref, ny));
    if (st->kind == 0)
        CHECK(memcmp(st->argmax, am_ref, ny * sizeof *am_ref) == 0,
              "%s: argmax vs direct", name);
    fill_const(dx, PE, NAN);
    pool_backward(dx, st);
    strcat(name, ": dx vs differences");
    check_fd(name, dx, st->x, PE, pool_loss, st);
}

/* Max pool's rules: the first of equal maxima; a NaN wins. */
static void test_maxpool_ties(void)
{
    double x[8] = {1, 3, 3, 2, /* row 0 */ 3, 0, NAN, 5 /* row 1 */}, y[2];
    int32_t am[2];
    nn_maxpool2d_forward_f64(y, am, x, 1, 1, 2, 4, 2, 2);
    CHECK(y[0] == 3 && am[0] == 1, "maxpool tie: y %g at %d, want 3 at 1", y[0], am[0]);
    CHECK(isnan(y[1]) && am[1] == 6, "maxpool NaN: y %g at %d, want NaN at 6", y[1],
          am[1]);
    double x2[4] = {NAN, 7, NAN, 1}, y2[1];
    int32_t am2[1];
    nn_maxpool2d_forward_f64(y2, am2, x2, 1, 1, 2, 2, 2, 2);
    CHECK(isnan(y2[0]) && am2[0] == 0, "maxpool first NaN: at %d, want 0", am2[0]);
}

static void test_pools(void)
{
    double x[PE], y[PE], r[PE];
    int32_t am[PE];
    uint32_t perm[PE];
    rng g = {0x9001};
    /* Distinct values 2/PE apart: a difference step cannot move a max. */
    for (int i = 0; i < PE; i++)
        perm[i] = (uint32_t)i;
    for (int i = PE - 1; i > 0; i--) {
        int j = (int)(rng_next(&g) % (uint64_t)(i + 1));
        uint32_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (int i = 0; i < PE; i++)
        x[i] = (perm[i] + 0.5) * 2.0 / PE - 1.0;
    fill_range(r, PE, &g, -1, 1);
    static const int ks[][2] = {{2, 2}, {3, 2}, {3, 1}, {2, 3}};
    for (int kind = 0; kind < 2; kind++)
        for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
            pool_state st = {x, y, r, am, kind, ks[i][0], ks[i][1]};
            pool_check(&st);
        }
    fill_range(x, PE, &g, -1, 1);
    pool_state st = {x, y, r, am, 2, 0, 0};
    pool_check(&st);
    test_maxpool_ties();
}

/* ----------------------------------------------------------- shortcut --- */

typedef struct sc_state {
    double *x, *y, *r;
    int n, cin, h, w, cout, s;
} sc_state;

static size_t sc_ny(const sc_state *st)
{
    return (size_t)st->n * st->cout * ((st->h - 1) / st->s + 1) *
           ((st->w - 1) / st->s + 1);
}

static double sc_loss(void *p)
{
    sc_state *st = p;
    nn_shortcut_pad_forward_f64(st->y, st->x, st->n, st->cin, st->h, st->w, st->cout,
                                st->s);
    return dot_ld(st->r, st->y, sc_ny(st));
}

static void sc_check(int n, int cin, int h, int w, int cout, int s)
{
    const int ho = (h - 1) / s + 1, wo = (w - 1) / s + 1, p = (cout - cin) / 2;
    size_t nx = (size_t)n * cin * h * w;
    sc_state st = {dnew(nx), NULL, NULL, n, cin, h, w, cout, s};
    size_t ny = sc_ny(&st);
    double *want = dnew(ny), *dx = dnew(nx);
    char name[96];
    rng g = {(uint64_t)(cin * 1000 + cout * 10 + s)};
    st.y = dnew(ny);
    st.r = dnew(ny);
    fill_range(st.x, nx, &g, -1, 1);
    fill_range(st.r, ny, &g, -1, 1);
    fill_const(st.y, ny, NAN);
    sc_loss(&st);
    for (int i = 0; i < n; i++)
        for (int co = 0; co < cout; co++)
            for (int a = 0; a < ho; a++)
                for (int b = 0; b < wo; b++) {
                    int ci = co - p;
                    want[((i * cout + co) * ho + a) * wo + b] =
                        ci >= 0 && ci < cin
                            ? st.x[((i * cin + ci) * h + a * s) * w + b * s]
                            : 0;
                }
    snprintf(name, sizeof name, "shortcut %d->%d s%d %dx%d", cin, cout, s, h, w);
    CHECK(memcmp(st.y, want, ny * sizeof *want) == 0, "%s: y vs direct", name);
    fill_const(dx, nx, NAN);
    nn_shortcut_pad_backward_f64(dx, st.r, n, cin, h, w, cout, s);
    strcat(name, ": dx vs differences");
    check_fd(name, dx, st.x, nx, sc_loss, &st);
    if (cin == cout && s == 1) {
        sc_loss(&st);
        CHECK(memcmp(st.y, st.x, nx * sizeof *dx) == 0 &&
                  memcmp(dx, st.r, nx * sizeof *dx) == 0,
              "shortcut %d->%d s1: y = x and dx = dy", cin, cout);
    }
    free(st.x), free(st.y), free(st.r), free(want), free(dx);
}

static void test_shortcut(void)
{
    sc_check(2, 16, 5, 6, 32, 2);
    sc_check(2, 16, 4, 4, 32, 2);
    sc_check(2, 3, 5, 4, 8, 2); /* odd difference: 2 zero channels before, 3 after */
    sc_check(2, 4, 3, 5, 4, 1); /* the identity */
    sc_check(1, 2, 5, 5, 2, 3);
}

/* ---------------------------------------------------------- attention --- */

/* Rows of up to 37 scores: the softmax's row loops (attention.c) run whole
 * vectors of 16 and remainders. */
enum { AB = 2, AT = 37, AC = 8 };

typedef struct att_state {
    double *qkv, *out, *att, *r, *work;
    int nh;
} att_state;

static double att_loss(void *p)
{
    att_state *st = p;
    nn_attention_forward_f64(st->out, st->att, st->qkv, AB, AT, AC, st->nh, st->work);
    return dot_ld(st->r, st->out, AB * AT * AC);
}

/* out, att by the definition, in long double. */
static void att_direct(double *out, double *att, const double *qkv, int nh)
{
    const int hs = AC / nh;
    for (int b = 0; b < AB; b++)
        for (int h = 0; h < nh; h++)
            for (int i = 0; i < AT; i++) {
                long double s[AT], mx = -INFINITY, sum = 0;
                const double *q = qkv + (b * AT + i) * 3 * AC + h * hs;
                for (int j = 0; j <= i; j++) {
                    const double *k = qkv + (b * AT + j) * 3 * AC + AC + h * hs;
                    s[j] = 0;
                    for (int d = 0; d < hs; d++)
                        s[j] += (long double)q[d] * k[d];
                    s[j] /= sqrtl(hs);
                    mx = s[j] > mx ? s[j] : mx;
                }
                for (int j = 0; j <= i; j++)
                    sum += s[j] = expl(s[j] - mx);
                double *a = att + ((b * nh + h) * AT + i) * AT;
                for (int j = 0; j < AT; j++)
                    a[j] = j <= i ? (double)(s[j] / sum) : 0;
                for (int d = 0; d < hs; d++) {
                    long double o = 0;
                    for (int j = 0; j <= i; j++)
                        o +=
                            s[j] / sum * qkv[(b * AT + j) * 3 * AC + 2 * AC + h * hs + d];
                    out[(b * AT + i) * AC + h * hs + d] = (double)o;
                }
            }
}

/* Rows sum to 1 (within tol) and hold exact zeros above the diagonal. */
static void att_check_rows(const char *what, const double *att, int nh, double tol)
{
    int zeros = 1;
    double dev = 0;
    for (int row = 0; row < AB * nh * AT; row++) {
        int i = row % AT;
        double s = 0;
        for (int j = 0; j < AT; j++) {
            s += att[row * AT + j];
            if (j > i && att[row * AT + j] != 0)
                zeros = 0;
        }
        dev = fmax(dev, fabs(s - 1));
    }
    CHECK(dev <= tol, "%s: a row of att sums to 1 +- %.3g", what, dev);
    CHECK(zeros, "%s: att is exactly 0 above the diagonal", what);
}

static void att_check_f32(const att_state *st, const double *dqkv)
{
    enum { NQ = AB * AT * 3 * AC, NO = AB * AT * AC, NA = AB * 2 * AT * AT };
    float qkv[NQ], out[NO], att[NA], r[NO], dq[NQ], work[2 * AT * AT];
    double attd[NA];
    char name[64];
    for (int i = 0; i < NQ; i++)
        qkv[i] = (float)st->qkv[i];
    for (int i = 0; i < NO; i++)
        r[i] = (float)st->r[i];
    fill_value_f(att, NA, NAN);
    nn_attention_forward(out, att, qkv, AB, AT, AC, st->nh, work);
    size_t na = (size_t)AB * st->nh * AT * AT;
    snprintf(name, sizeof name, "attention nh%d float out", st->nh);
    check_err(name, norm_err_f(out, st->out, NO), F32_TOL);
    snprintf(name, sizeof name, "attention nh%d float att", st->nh);
    check_err(name, norm_err_f(att, st->att, na), F32_TOL);
    for (size_t i = 0; i < na; i++)
        attd[i] = att[i];
    att_check_rows(name, attd, st->nh, 1e-6);
    fill_value_f(dq, NQ, NAN);
    if (!CHECK(nn_attention_workspace(AT, AC, st->nh) <= 2 * AT * AT,
               "attention workspace %zu floats: more than the test's buffer",
               nn_attention_workspace(AT, AC, st->nh)))
        return;
    fill_value_f(work, 2 * AT * AT, NAN);
    nn_attention_backward(dq, r, qkv, att, AB, AT, AC, st->nh, work);
    snprintf(name, sizeof name, "attention nh%d float dqkv", st->nh);
    check_err(name, norm_err_f(dq, dqkv, NQ), F32_TOL);
}

static void att_run(int nh)
{
    enum { NQ = AB * AT * 3 * AC, NO = AB * AT * AC, NA = AB * 2 * AT * AT };
    double qkv[NQ], out[NO], att[NA], r[NO], dq[NQ], out_ref[NO], att_ref[NA];
    float tmp[NQ];
    CHECK(nn_attention_workspace(AT, AC, nh) >= (size_t)AT * AT, "attention workspace");
    double *work = dnew(nn_attention_workspace(AT, AC, nh));
    att_state st = {qkv, out, att, r, work, nh};
    char name[64];
    rng g = {0xA77 + (uint64_t)nh};
    fill_range(qkv, NQ, &g, -1.5, 1.5);
    round_to_float(tmp, qkv, NQ);
    fill_range(r, NO, &g, -1, 1);
    round_to_float(tmp, r, NO);
    size_t na = (size_t)AB * nh * AT * AT;
    fill_const(att, NA, NAN);
    att_loss(&st);
    att_direct(out_ref, att_ref, qkv, nh);
    snprintf(name, sizeof name, "attention nh%d out vs direct", nh);
    check_err(name, norm_err(out, out_ref, NO), F64_TOL);
    snprintf(name, sizeof name, "attention nh%d att vs direct", nh);
    check_err(name, norm_err(att, att_ref, na), F64_TOL);
    att_check_rows(name, att, nh, 1e-14);
    fill_const(dq, NQ, NAN);
    fill_const(work, nn_attention_workspace(AT, AC, nh), NAN);
    nn_attention_backward_f64(dq, r, qkv, att, AB, AT, AC, nh, work);
    snprintf(name, sizeof name, "attention nh%d dqkv vs differences", nh);
    check_fd(name, dq, qkv, NQ, att_loss, &st);
    att_loss(&st); /* out, att of the unperturbed qkv again */
    att_check_f32(&st, dq);
    free(work);
}

static void test_attention(void)
{
    att_run(2);
    att_run(1);
    /* t = 1: the single probability is 1 and out = v. */
    double qkv[6] = {0.3, -2, 0.7, 1.5, -0.25, 4}, out[2], att[2], work[1];
    nn_attention_forward_f64(out, att, qkv, 1, 1, 2, 2, work);
    CHECK(att[0] == 1 && att[1] == 1 && out[0] == -0.25 && out[1] == 4,
          "attention t=1: att %g %g, out %g %g", att[0], att[1], out[0], out[1]);
}

int main(void)
{
    TEST_BEGIN("nn_spatial");
    test_conv2d();
    test_batchnorm2d();
    test_batchnorm2d_stats_only();
    test_batchnorm2d_planes();
    test_batchnorm2d_stats_of_planes();
    test_pools();
    test_shortcut();
    test_attention();
    return TEST_END();
}
