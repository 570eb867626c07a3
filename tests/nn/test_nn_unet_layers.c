/*
 * test_nn_unet_layers.c - the U-Net's layers of src/nn/layers against
 * direct loops in long double and central differences in double.
 *
 *   GroupNorm: mean, rstd and y against the definition for 1, 2 and 4
 *   groups; dx, dgamma, dbeta against differences (dgamma, dbeta added);
 *   the float build against the double build.
 *   Upsample x2 and channel concatenation: exact values; their backward
 *   against differences (and the adjoint identity: exact).
 *   Time embedding: against sin/cos in long double, both builds.
 *   MSE and per-pixel cross-entropy (with ignored pixels): the loss against
 *   the definition, the gradient against differences, ignored pixels get
 *   exactly 0, the float build against the double build.
 */
#include "layers.h"
#include "util.h"

#define FD_STEP 0x1p-20
#define FD_TOL  1e-6
#define F64_TOL 1e-12
#define F32_TOL 1e-5

/* max |got - want| / max |want|. */
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
    double e = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - want[i]);
        if (isnan(d))
            return NAN;
        e = fmax(e, d);
        m = fmax(m, fabs(want[i]));
    }
    return m > 0 ? e / m : e;
}

static void check_err(const char *what, double err, double tol)
{
    CHECK(err <= tol, "%s: relative error %.3g > %.3g", what, err, tol);
}

typedef double (*loss_fn)(void *state);

/* Checks g (n) against central differences of f in p (n). */
static void check_fd(const char *what, const double *g, double *p, size_t n, loss_fn f,
                     void *state)
{
    double *fd = calloc(n, sizeof *fd);
    for (size_t i = 0; i < n; i++) {
        double v = p[i], h = FD_STEP * fmax(1.0, fabs(v));
        p[i] = v + h;
        double lp = f(state), xp = p[i];
        p[i] = v - h;
        double lm = f(state), xm = p[i];
        p[i] = v;
        fd[i] = (lp - lm) / (xp - xm);
    }
    check_err(what, norm_err(g, fd, n), FD_TOL);
    free(fd);
}

static void to_float(float *f, const double *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        f[i] = (float)d[i];
}

/* ----------------------------------------------------------- groupnorm --- */

enum { GN_N = 2, GN_C = 4, GN_HW = 6, GN_E = GN_N * GN_C * GN_HW };
#define GN_EPS 1e-5

typedef struct gn_state {
    double *x, *gamma, *beta, *y, *r;
    double mean[GN_N * GN_C], rstd[GN_N * GN_C];
    int g;
} gn_state;

static double gn_loss(void *p)
{
    gn_state *st = p;
    nn_groupnorm_forward_f64(st->y, st->mean, st->rstd, st->x, st->gamma, st->beta, GN_N,
                             GN_C, GN_HW, st->g, GN_EPS);
    return dot_ld(st->r, st->y, GN_E);
}

/* y by the definition, in long double. */
static void gn_direct(double *y, const gn_state *st)
{
    int cg = GN_C / st->g, m = cg * GN_HW;
    for (int i = 0; i < GN_N; i++)
        for (int k = 0; k < st->g; k++) {
            const double *xs = st->x + (i * GN_C + k * cg) * GN_HW;
            long double s = 0, q = 0;
            for (int j = 0; j < m; j++)
                s += xs[j];
            long double mu = s / m;
            for (int j = 0; j < m; j++)
                q += (xs[j] - mu) * (xs[j] - mu);
            long double rs = 1 / sqrtl(q / m + GN_EPS);
            for (int j = 0; j < m; j++) {
                int ch = k * cg + j / GN_HW;
                y[(i * GN_C + k * cg) * GN_HW + j] =
                    (double)((xs[j] - mu) * rs * st->gamma[ch] + st->beta[ch]);
            }
        }
}

static void gn_run(int g)
{
    double x[GN_E], y[GN_E], r[GN_E], want[GN_E], gamma[GN_C], beta[GN_C];
    double dx[GN_E], dg[GN_C], db[GN_C];
    char name[96];
    rng rg = {0x6E00u + (unsigned)g};
    fill_range(x, GN_E, &rg, -2, 3);
    for (int i = 0; i < GN_E; i++) /* channel offsets: groups differ */
        x[i] += (i / GN_HW) % GN_C;
    fill_range(r, GN_E, &rg, -1, 1);
    fill_range(gamma, GN_C, &rg, 0.5, 1.5);
    fill_range(beta, GN_C, &rg, -0.5, 0.5);
    gn_state st = {x, gamma, beta, y, r, {0}, {0}, g};
    gn_loss(&st);
    gn_direct(want, &st);
    snprintf(name, sizeof name, "groupnorm g=%d y vs direct", g);
    check_err(name, norm_err(y, want, GN_E), F64_TOL);
    /* dgamma, dbeta accumulate onto 0.5; dx is written over NaN */
    fill_const(dx, GN_E, NAN);
    fill_const(dg, GN_C, 0.5);
    fill_const(db, GN_C, 0.5);
    nn_groupnorm_backward_f64(dx, dg, db, r, x, st.mean, st.rstd, gamma, GN_N, GN_C,
                              GN_HW, g);
    for (int c = 0; c < GN_C; c++)
        dg[c] -= 0.5, db[c] -= 0.5;
    snprintf(name, sizeof name, "groupnorm g=%d dx vs differences", g);
    check_fd(name, dx, x, GN_E, gn_loss, &st);
    snprintf(name, sizeof name, "groupnorm g=%d dgamma (+=) vs differences", g);
    check_fd(name, dg, gamma, GN_C, gn_loss, &st);
    snprintf(name, sizeof name, "groupnorm g=%d dbeta (+=) vs differences", g);
    check_fd(name, db, beta, GN_C, gn_loss, &st);
    /* the float build against the double build */
    gn_loss(&st);
    float fx[GN_E], fy[GN_E], fr[GN_E], fg[GN_C], fb[GN_C], fm[GN_N * GN_C],
        fs[GN_N * GN_C], fdx[GN_E], fdg[GN_C] = {0}, fdb[GN_C] = {0};
    to_float(fx, x, GN_E), to_float(fr, r, GN_E), to_float(fg, gamma, GN_C);
    to_float(fb, beta, GN_C);
    nn_groupnorm_forward(fy, fm, fs, fx, fg, fb, GN_N, GN_C, GN_HW, g, GN_EPS);
    nn_groupnorm_backward(fdx, fdg, fdb, fr, fx, fm, fs, fg, GN_N, GN_C, GN_HW, g);
    snprintf(name, sizeof name, "groupnorm g=%d float y, dx, dgamma vs double", g);
    check_err(name, norm_err_f(fy, y, GN_E), F32_TOL);
    check_err(name, norm_err_f(fdx, dx, GN_E), F32_TOL);
    check_err(name, norm_err_f(fdg, dg, GN_C), F32_TOL);
}

static void test_groupnorm(void)
{
    gn_run(1);
    gn_run(2);
    gn_run(4);
}

/* ---------------------------------------------------- upsample, concat --- */

enum { UN = 2, UC = 3, UH = 3, UW = 4, UX = UN * UC * UH * UW, UY = 4 * UX };

typedef struct up_state {
    double *x, *y, *r;
} up_state;

static double up_loss(void *p)
{
    up_state *st = p;
    nn_upsample2x_forward_f64(st->y, st->x, UN, UC, UH, UW);
    return dot_ld(st->r, st->y, UY);
}

static void test_upsample(void)
{
    double x[UX], y[UY], r[UY], dx[UX];
    rng g = {0x0B5A};
    fill_range(x, UX, &g, -2, 2);
    fill_range(r, UY, &g, -1, 1);
    up_state st = {x, y, r};
    up_loss(&st);
    int bad = 0;
    for (int q = 0; q < UN * UC; q++)
        for (int i = 0; i < 2 * UH; i++)
            for (int j = 0; j < 2 * UW; j++)
                bad +=
                    y[(q * 2 * UH + i) * 2 * UW + j] != x[(q * UH + i / 2) * UW + j / 2];
    CHECK(bad == 0, "upsample: %d values are not their block's input", bad);
    fill_const(dx, UX, NAN);
    nn_upsample2x_backward_f64(dx, r, UN, UC, UH, UW);
    check_fd("upsample dx vs differences", dx, x, UX, up_loss, &st);
    float fx[UX], fy[UY];
    to_float(fx, x, UX);
    nn_upsample2x_forward(fy, fx, UN, UC, UH, UW);
    CHECK(fy[UY - 1] == fx[UX - 1] && fy[0] == fx[0], "upsample float build");
}

enum { CN = 2, CA = 2, CB = 3, CHW = 5, CE = CN * (CA + CB) * CHW };

static void test_concat(void)
{
    double a[CN * CA * CHW], b[CN * CB * CHW], y[CE], dy[CE], da[CN * CA * CHW],
        db[CN * CB * CHW];
    rng g = {0xCA7};
    fill_range(a, CN * CA * CHW, &g, -1, 1);
    fill_range(b, CN * CB * CHW, &g, -1, 1);
    fill_range(dy, CE, &g, -1, 1);
    nn_concat_forward_f64(y, a, b, CN, CA, CB, CHW);
    int bad = 0;
    for (int i = 0; i < CN; i++)
        for (int c = 0; c < CA + CB; c++)
            for (int p = 0; p < CHW; p++) {
                double v = y[(i * (CA + CB) + c) * CHW + p];
                double w =
                    c < CA ? a[(i * CA + c) * CHW + p] : b[(i * CB + c - CA) * CHW + p];
                bad += v != w;
            }
    CHECK(bad == 0, "concat: %d values misplaced", bad);
    /* The backward is the adjoint: <dy, concat(a, b)> = <da, a> + <db, b>,
     * and here exact, being a copy. */
    nn_concat_backward_f64(da, db, dy, CN, CA, CB, CHW);
    long double l = dot_ld(dy, y, CE),
                rgt = dot_ld(da, a, CN * CA * CHW) + dot_ld(db, b, CN * CB * CHW);
    CHECK(fabsl(l - rgt) <= 1e-15L * fabsl(l), "concat adjoint: %Lg vs %Lg", l, rgt);
    fill_const(da, CN * CA * CHW, 7);
    nn_concat_backward_f64(NULL, db, dy, CN, CA, CB, CHW);
    CHECK(da[0] == 7 && db[0] == dy[CA * CHW], "concat NULL da skips");
}

/* -------------------------------------------------------- time embedding --- */

static void test_time_embed(void)
{
    enum { N = 4, D = 10 };
    const int32_t t[N] = {0, 1, 37, 999};
    double y[N * D];
    float fy[N * D];
    nn_time_embed_forward_f64(y, t, N, D);
    nn_time_embed_forward(fy, t, N, D);
    double e = 0, ef = 0;
    for (int i = 0; i < N; i++)
        for (int k = 0; k < D / 2; k++) {
            long double f = powl(10000.0L, -(long double)k / (D / 2)), a = t[i] * f;
            long double s = sinl(a), c = cosl(a);
            e = fmax(e, fabs(y[i * D + k] - (double)s));
            e = fmax(e, fabs(y[i * D + D / 2 + k] - (double)c));
            ef = fmax(ef, fabs(fy[i * D + k] - (double)s));
            ef = fmax(ef, fabs(fy[i * D + D / 2 + k] - (double)c));
        }
    CHECK(e <= 1e-12, "time embedding double: error %.3g", e);
    CHECK(ef <= 1e-7, "time embedding float: error %.3g", ef);
    CHECK(y[0] == 0 && y[D / 2] == 1, "time embedding at t = 0: sin 0, cos 1");
}

/* ------------------------------------------------------------------ mse --- */

enum { MN = 17 };

typedef struct mse_state {
    double *p, *t;
} mse_state;

static double mse_loss(void *s)
{
    mse_state *st = s;
    return nn_mse_forward_f64(st->p, st->t, MN);
}

static void test_mse(void)
{
    double p[MN], t[MN], d[MN];
    rng g = {0x35E};
    fill_range(p, MN, &g, -2, 2);
    fill_range(t, MN, &g, -2, 2);
    long double want = 0;
    for (int i = 0; i < MN; i++)
        want += ((long double)p[i] - t[i]) * ((long double)p[i] - t[i]);
    want /= MN;
    mse_state st = {p, t};
    double got = mse_loss(&st);
    CHECK(fabs(got - (double)want) <= 1e-15 * (double)want, "mse %.17g, want %.17Lg", got,
          want);
    nn_mse_backward_f64(d, p, t, MN, 1.0 / MN);
    check_fd("mse dpred vs differences", d, p, MN, mse_loss, &st);
    float fp[MN], ft[MN], fd[MN];
    to_float(fp, p, MN), to_float(ft, t, MN);
    double fl = nn_mse_forward(fp, ft, MN);
    nn_mse_backward(fd, fp, ft, MN, 1.0 / MN);
    CHECK(fabs(fl - got) <= 1e-6 * got, "mse float %.9g vs double %.9g", fl, got);
    check_err("mse float dpred vs double", norm_err_f(fd, d, MN), F32_TOL);
    CHECK(nn_mse_forward_f64(p, t, 0) == 0, "mse of nothing is 0");
}

/* ------------------------------------------------------------- pixel ce --- */

enum { PN = 2, PK = 4, PHW = 6, PE = PN * PK * PHW, IGNORE = 255 };

typedef struct pce_state {
    double *z, *probs;
    const int32_t *t;
} pce_state;

static double pce_loss(void *s)
{
    pce_state *st = s;
    long cnt;
    return nn_pixel_ce_forward_f64(st->probs, st->z, st->t, PN, PK, PHW, IGNORE, &cnt);
}

static void test_pixel_ce(void)
{
    double z[PE], probs[PE], d[PE];
    int32_t t[PN * PHW];
    rng g = {0x9CE};
    fill_range(z, PE, &g, -3, 3);
    for (int i = 0; i < PN * PHW; i++)
        t[i] = i % 5 == 2 ? IGNORE : (int32_t)((i * 7) % PK);
    long want_cnt = 0;
    long double want = 0;
    for (int i = 0; i < PN; i++)
        for (int p = 0; p < PHW; p++) {
            int tt = t[i * PHW + p];
            if (tt == IGNORE)
                continue;
            long double s = 0;
            for (int k = 0; k < PK; k++)
                s += expl(z[(i * PK + k) * PHW + p]);
            want += logl(s) - z[(i * PK + tt) * PHW + p];
            want_cnt++;
        }
    want /= want_cnt;
    pce_state st = {z, probs, t};
    long cnt;
    double got = nn_pixel_ce_forward_f64(probs, z, t, PN, PK, PHW, IGNORE, &cnt);
    CHECK(cnt == want_cnt, "pixel ce count %ld, want %ld", cnt, want_cnt);
    CHECK(fabs(got - (double)want) <= 1e-14 * (double)want, "pixel ce %.17g, want %.17Lg",
          got, want);
    nn_pixel_ce_backward_f64(d, probs, t, PN, PK, PHW, IGNORE, 1.0 / (double)cnt);
    check_fd("pixel ce dlogits vs differences", d, z, PE, pce_loss, &st);
    int nonzero = 0;
    for (int i = 0; i < PN; i++)
        for (int p = 0; p < PHW; p++)
            for (int k = 0; k < PK && t[i * PHW + p] == IGNORE; k++)
                nonzero += d[(i * PK + k) * PHW + p] != 0;
    CHECK(nonzero == 0, "pixel ce: %d gradients of ignored pixels are not 0", nonzero);
    float fz[PE], fp[PE], fd[PE];
    to_float(fz, z, PE);
    double fl = nn_pixel_ce_forward(fp, fz, t, PN, PK, PHW, IGNORE, &cnt);
    nn_pixel_ce_backward(fd, fp, t, PN, PK, PHW, IGNORE, 1.0 / (double)cnt);
    CHECK(fabs(fl - got) <= 1e-6 * got, "pixel ce float %.9g vs double %.9g", fl, got);
    check_err("pixel ce float dlogits vs double", norm_err_f(fd, d, PE), F32_TOL);
    /* every pixel ignored: loss 0, nothing counted */
    int32_t all[PN * PHW];
    for (int i = 0; i < PN * PHW; i++)
        all[i] = IGNORE;
    got = nn_pixel_ce_forward_f64(probs, z, all, PN, PK, PHW, IGNORE, &cnt);
    CHECK(got == 0 && cnt == 0, "pixel ce with every pixel ignored: %g, %ld", got, cnt);
}

int main(void)
{
    TEST_BEGIN("nn_unet_layers");
    test_groupnorm();
    test_upsample();
    test_concat();
    test_time_embed();
    test_mse();
    test_pixel_ce();
    return TEST_END();
}
