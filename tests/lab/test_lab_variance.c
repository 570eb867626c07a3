/*
 * test_lab_variance.c - the latent-variance measurement of src/lab/variance.h:
 *
 *   - the N(0,1) quadrature against closed forms (identity 1, ReLU
 *     1/2 - 1/(2 pi), LeakyReLU, ELU) and, for GoLU, GELU and SiLU, against
 *     a composite Simpson rule written here in long double;
 *   - the conv layer's weights against the counter RNG's draws;
 *   - the measurement of constructed images (1 and 3 channels) against a
 *     direct computation here in double: naive convolution, BatchNorm over
 *     the image, the activations' formulas, population variances, and the
 *     mean and sample std over images;
 *   - the loader's choice between CIFAR-10 and IDX and its dataset names.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "rng.h"
#include "tinydata.h"
#include "variance.h"

static const long double PI_L = 3.141592653589793238462643383279502884L;

/* |got - want| <= tol (absolute: the values are of order 1). */
#define CHECK_NEAR(got, want, tol, what)                                                 \
    CHECK(fabs((double)(got) - (double)(want)) <= (tol), "%s = %.17g, want %.17g", what, \
          (double)(got), (double)(want))

/* ------------------------------------------------------- quadrature --- */

static long double phi_cdf(long double x)
{
    return 0.5L * erfcl(-x / sqrtl(2.0L));
}

/* The activations by their formulas (golu.h's defaults). */
static long double act_fl(golu_act_kind k, long double x)
{
    switch (k) {
    case GOLU_ACT_GOLU: return x * expl(-expl(-x));
    case GOLU_ACT_GELU: return x * phi_cdf(x);
    case GOLU_ACT_SILU: return x / (1 + expl(-x));
    case GOLU_ACT_RELU: return x > 0 ? x : 0;
    default: return x;
    }
}

/* Var f(Z) by composite Simpson on [-14, 14], h = 1/512. */
static double simpson_normal_var(golu_act_kind k)
{
    const int n = 28 * 512;
    const long double h = 28.0L / n, c = 1 / sqrtl(2 * PI_L);
    long double e1 = 0, e2 = 0;
    for (int i = 0; i <= n; i++) {
        long double z = -14 + h * i, wt = (i == 0 || i == n) ? 1 : (i % 2 ? 4 : 2);
        long double f = act_fl(k, z), p = c * expl(-z * z / 2);
        e1 += wt * f * p;
        e2 += wt * f * f * p;
    }
    e1 *= h / 3, e2 *= h / 3;
    return (double)(e2 - e1 * e1);
}

static void test_normal_closed_forms(void)
{
    double v = -1;
    CHECK(lab_variance_normal(NULL, &v) == GOLU_OK, "identity: status");
    CHECK_NEAR(v, 1.0, 1e-14, "Var Z");

    golu_act relu = golu_act_default(GOLU_ACT_RELU);
    CHECK(lab_variance_normal(&relu, &v) == GOLU_OK, "relu: status");
    CHECK_NEAR(v, 0.5 - 1 / (2 * M_PI), 1e-14, "Var ReLU(Z)");

    /* LeakyReLU(a): E f = (1 - a) / sqrt(2 pi), E f^2 = (1 + a^2) / 2. */
    golu_act leaky = golu_act_default(GOLU_ACT_LEAKY_RELU);
    long double a = leaky.alpha;
    CHECK(lab_variance_normal(&leaky, &v) == GOLU_OK, "leaky_relu: status");
    CHECK_NEAR(v, (1 + a * a) / 2 - (1 - a) * (1 - a) / (2 * PI_L), 1e-14,
               "Var LeakyReLU(Z)");

    /* ELU(1): with I(c) = integral over x < 0 of e^(cx) phi(x) =
     * e^(c^2/2) Phi(-c): E f = 1/sqrt(2 pi) + I(1) - 1/2,
     * E f^2 = 1/2 + I(2) - 2 I(1) + 1/2. */
    golu_act elu = golu_act_default(GOLU_ACT_ELU);
    long double i1 = expl(0.5L) * phi_cdf(-1), i2 = expl(2.0L) * phi_cdf(-2);
    long double ef = 1 / sqrtl(2 * PI_L) + i1 - 0.5L, ef2 = 1 + i2 - 2 * i1;
    CHECK(elu.alpha == 1.0, "ELU's default alpha is 1");
    CHECK(lab_variance_normal(&elu, &v) == GOLU_OK, "elu: status");
    CHECK_NEAR(v, ef2 - ef * ef, 1e-14, "Var ELU(Z)");

    static const golu_act_kind smooth[] = {GOLU_ACT_GOLU, GOLU_ACT_GELU, GOLU_ACT_SILU};
    for (int k = 0; k < 3; k++) {
        golu_act act = golu_act_default(smooth[k]);
        CHECK(lab_variance_normal(&act, &v) == GOLU_OK, "%s: status",
              golu_act_name(smooth[k]));
        double want = simpson_normal_var(smooth[k]);
        CHECK(fabs(v - want) <= 1e-12, "Var %s(Z) = %.17g, Simpson %.17g",
              golu_act_name(smooth[k]), v, want);
    }
}

/* ------------------------------------------------------ measurement --- */

enum { NIMG = 5, MAXC = 3, MAXHW = 7 * 9 };

/* Population variance, two passes, in double. */
static double pop_var(const double *v, int n)
{
    double m = 0, q = 0;
    for (int i = 0; i < n; i++)
        m += v[i];
    m /= n;
    for (int i = 0; i < n; i++)
        q += (v[i] - m) * (v[i] - m);
    return q / n;
}

/* act_fl in double (relu and golu: the rows measured). */
static double act_f(golu_act_kind k, double x)
{
    return k == GOLU_ACT_RELU ? (x > 0 ? x : 0) : x * exp(-exp(-x));
}

/* want[r]: row r's variance for image px (c, h, w): acts, then identity. */
static void direct_image(const float *px, int c, int h, int w, const double *wt,
                         double bias, const golu_act_kind *kinds, int n, double *want)
{
    double y[MAXHW], a[MAXHW];
    int hw = h * w;
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) {
            double s = bias;
            for (int ch = 0; ch < c; ch++)
                for (int di = -1; di <= 1; di++)
                    for (int dj = -1; dj <= 1; dj++) {
                        int ii = i + di, jj = j + dj;
                        if (ii >= 0 && ii < h && jj >= 0 && jj < w)
                            s += wt[ch * 9 + (di + 1) * 3 + dj + 1] *
                                 (double)px[ch * hw + ii * w + jj];
                    }
            y[i * w + j] = s;
        }
    double m = 0, v = pop_var(y, hw);
    for (int i = 0; i < hw; i++)
        m += y[i];
    m /= hw;
    for (int i = 0; i < hw; i++)
        y[i] = (y[i] - m) / sqrt(v + 1e-5);
    for (int r = 0; r < n; r++) {
        for (int i = 0; i < hw; i++)
            a[i] = act_f(kinds[r], y[i]);
        want[r] = pop_var(a, hw);
    }
    want[n] = pop_var(y, hw);
}

/* Images of shape (c, h, w) with pixels k/255, k from a seeded generator. */
static void make_images(nn_images *im, int n, int c, int h, int w, uint64_t seed)
{
    im->n = n, im->c = c, im->h = h, im->w = w, im->classes = 10;
    im->pixels = malloc((size_t)n * c * h * w * sizeof *im->pixels);
    im->labels = calloc((size_t)n, sizeof *im->labels);
    for (size_t i = 0; i < (size_t)n * c * h * w; i++)
        im->pixels[i] = (float)nn_rng_below(seed, 3, i, 256) / 255.0f;
}

static void check_measurement(int c, int h, int w, int nimg, int nstats, uint64_t seed)
{
    static lab_variance v;
    static const golu_act_kind kinds[2] = {GOLU_ACT_RELU, GOLU_ACT_GOLU};
    golu_act acts[2] = {golu_act_default(kinds[0]), golu_act_default(kinds[1])};
    nn_images im;
    make_images(&im, NIMG, c, h, w, seed);
    memset(&v, 0, sizeof v);
    v.c = c, v.h = h, v.w = w, v.nimg = nimg, v.nstats = nstats;
    lab_variance_conv_init(&v, seed);

    /* The weights are the RNG's draws, U(+-1/sqrt(9c)). */
    double bound = 1 / sqrt(9.0 * c);
    uint64_t sw = nn_rng_stream("variance.conv.weight", 0, 0);
    long bad = 0;
    for (int k = 0; k < 9 * c; k++)
        bad += v.weight[k] != bound * (2 * nn_rng_uniform(seed, sw, (uint64_t)k) - 1);
    bad +=
        v.bias !=
        bound *
            (2 * nn_rng_uniform(seed, nn_rng_stream("variance.conv.bias", 0, 0), 0) - 1);
    CHECK(bad == 0, "c=%d: %ld conv parameters are not the RNG's draws", c, bad);

    nn_err err = {""};
    int rc = lab_variance_measure_images(&v, &im, acts, 2, &err);
    CHECK(rc == 0 && v.rows == 3, "c=%d: rc %d (%s), rows %d", c, rc, err.msg, v.rows);

    double want[NIMG][3];
    for (int i = 0; i < NIMG; i++)
        direct_image(im.pixels + (size_t)i * c * h * w, c, h, w, v.weight, v.bias, kinds,
                     2, want[i]);
    for (int r = 0; r < 3; r++) {
        for (int i = 0; i < nimg; i++)
            CHECK(fabs(v.img[r][i] - want[i][r]) <= 1e-12 * want[i][r],
                  "c=%d row %d image %d: %.17g, direct %.17g", c, r, i, v.img[r][i],
                  want[i][r]);
        double m = 0, q = 0;
        for (int i = 0; i < nstats; i++)
            m += want[i][r];
        m /= nstats;
        for (int i = 0; i < nstats; i++)
            q += (want[i][r] - m) * (want[i][r] - m);
        double sd = nstats > 1 ? sqrt(q / (nstats - 1)) : 0;
        CHECK(fabs(v.mean[r] - m) <= 1e-12 * m, "c=%d row %d: mean %.17g, want %.17g", c,
              r, v.mean[r], m);
        CHECK(fabs(v.std[r] - sd) <= 1e-9 * m, "c=%d row %d: std %.17g, want %.17g", c, r,
              v.std[r], sd);
    }
    /* The identity row is var / (var + eps), just below 1. */
    CHECK(v.img[2][0] < 1 && v.img[2][0] > 0.99, "identity row %.17g", v.img[2][0]);
    nn_images_free(&im);
}

static void test_measurement(void)
{
    check_measurement(1, 7, 9, 2, 5, 11);
    check_measurement(3, 4, 5, 5, 3, 12);
    check_measurement(1, 3, 3, 1, 1, 13);
}

/* ------------------------------------------------------------ loader --- */

static void test_images_load(void)
{
    char tmpl[] = "/tmp/golu-test-lab-variance-XXXXXX";
    if (!mkdtemp(tmpl)) {
        CHECK(0, "mkdtemp failed");
        return;
    }
    char fashion[PATH_MAX], cifar[PATH_MAX], p[PATH_MAX + 32];
    snprintf(fashion, sizeof fashion, "%s/Fashion", tmpl);
    snprintf(cifar, sizeof cifar, "%s/cifar", tmpl);
    CHECK(mkdir(fashion, 0700) == 0 && tinydata_make(fashion) == 0, "tinydata_make");
    snprintf(fashion, sizeof fashion, "%s/Fashion/img", tmpl);

    nn_images im = {0};
    nn_err err = {""};
    char name[64];
    int is_cifar = -1;
    int rc = lab_variance_images_load(fashion, &im, name, sizeof name, &is_cifar, &err);
    CHECK(rc == 0 && is_cifar == 0 && strcmp(name, "Fashion-MNIST") == 0,
          "IDX: rc %d (%s), cifar %d, name %s", rc, err.msg, is_cifar, name);
    CHECK(im.n == 40 && im.c == 1 && im.h == 8 && im.w == 8, "IDX: the 40 test images");
    nn_images_free(&im);

    mkdir(cifar, 0700);
    snprintf(p, sizeof p, "%s/test_batch.bin", cifar);
    FILE *f = fopen(p, "wb");
    for (int i = 0; f && i < 2; i++) {
        fputc(i, f);
        for (int k = 0; k < 3072; k++)
            fputc((k * 7 + i) & 255, f);
    }
    if (f)
        fclose(f);
    memset(&im, 0, sizeof im);
    rc = lab_variance_images_load(cifar, &im, name, sizeof name, &is_cifar, &err);
    CHECK(rc == 0 && is_cifar == 1 && strcmp(name, "CIFAR-10") == 0,
          "CIFAR-10: rc %d (%s), cifar %d, name %s", rc, err.msg, is_cifar, name);
    CHECK(im.n == 2 && im.c == 3 && im.h == 32 && im.w == 32 &&
              im.pixels[1] == 7.0f / 255.0f,
          "CIFAR-10: two 3x32x32 images");
    nn_images_free(&im);

    memset(&im, 0, sizeof im);
    err.msg[0] = '\0';
    rc = lab_variance_images_load(tmpl, &im, name, sizeof name, &is_cifar, &err);
    CHECK(rc == -1 && err.msg[0] && strcmp(name, "IDX") == 0,
          "no data: rc %d, message '%s', name %s", rc, err.msg, name);
    nn_images_free(&im);

    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
    CHECK(system(cmd) == 0, "cleanup");
}

int main(void)
{
    TEST_BEGIN("lab_variance");
    test_normal_closed_forms();
    test_measurement();
    test_images_load();
    return TEST_END();
}
