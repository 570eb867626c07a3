/*
 * test_analysis.c - `golu variance` and `golu plot` end to end on tiny
 * generated data, through the tool as a user runs it.
 *
 *   - variance on 8x8 IDX images (tinydata.h) and on a 3-channel CIFAR-10
 *     batch written here: every value in variance.csv equals an independent
 *     computation here (naive conv with the same counter-RNG weights,
 *     BatchNorm, the activations' formulas, all in double), and the conv
 *     weights in variance.json are those draws;
 *   - the N(0,1) variances equal closed forms (ReLU 1/2 - 1/(2 pi), LeakyReLU,
 *     ELU, identity 1) and, for the smooth ones, a separate Simpson
 *     quadrature;
 *   - without gnuplot the command says so, exits 1 and still writes
 *     variance.md/csv/json;
 *   - plot writes three PNGs (when gnuplot is there) and curves.dat holds
 *     GoLU's reference values; plot --weights on a handmade compare directory
 *     gives the mean, std and kurtosis of exactly the tensors it should take;
 *   - bad input exits 2 and names the flag or the file.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "golu.h"
#include "harness.h"
#include "rng.h"
#include "safetensors.h"
#include "tinydata.h"
#include "toolrun.h"

static char out[OUT_CAP];
static char dir[PATH_MAX - 256];
static int have_gnuplot;

static void path_in(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

/* `golu args...` exits `status` and prints `text` (NULL: anything). */
static int expect(int status, const char *say, const char *const *args)
{
    return tool_expect(status, say, args, out);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n)
        n = 0;
    if (s)
        s[n] = '\0';
    fclose(f);
    return s;
}

static int is_png(const char *path)
{
    unsigned char b[8] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(b, 1, 8, f);
    fclose(f);
    return n == 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The numbers after "name," on the CSV line that starts with it; count. */
static int csv_row(const char *csv, const char *name, double *v, int max)
{
    char key[64];
    snprintf(key, sizeof key, "\n%s,", name);
    const char *p = strstr(csv, key);
    if (!p)
        return 0;
    p += strlen(key);
    int n = 0;
    while (n < max && *p && *p != '\n') {
        char *end;
        v[n++] = strtod(p, &end);
        p = *end == ',' ? end + 1 : end;
    }
    return n;
}

/* ------------------------------------------------------------ data --- */

#define N_IMG   6
#define SIDE    8
#define MAXC    3
#define CIFAR_N 3

static unsigned char idx_px[N_IMG][SIDE * SIDE];
static unsigned char cifar_px[CIFAR_N][3 * 32 * 32];

/* N_IMG 8x8 test images (t10k-*) from tinydata.h; their pixels are read
 * back from the file (past the 16-byte header) for the independent model. */
static void make_idx(const char *d)
{
    char a[PATH_MAX + 64], b[PATH_MAX + 64];
    mkdir(d, 0700);
    snprintf(a, sizeof a, "%s/t10k-images-idx3-ubyte", d);
    snprintf(b, sizeof b, "%s/t10k-labels-idx1-ubyte", d);
    CHECK(tinydata_write_idx(a, b, N_IMG, 12) == 0, "cannot write %s", a);
    FILE *f = fopen(a, "rb");
    int ok = f && fseek(f, 16, SEEK_SET) == 0 &&
             fread(idx_px, 1, sizeof idx_px, f) == sizeof idx_px;
    CHECK(ok, "cannot read back %s", a);
    if (f)
        fclose(f);
}

/* A CIFAR-10 test batch of CIFAR_N random 3x32x32 images. */
static void make_cifar(const char *d)
{
    char a[PATH_MAX + 64];
    mkdir(d, 0700);
    snprintf(a, sizeof a, "%s/test_batch.bin", d);
    FILE *f = fopen(a, "wb");
    for (int i = 0; i < CIFAR_N; i++) {
        fputc(i, f);
        for (int p = 0; p < 3 * 1024; p++)
            cifar_px[i][p] =
                (unsigned char)nn_rng_below(6, (uint64_t)i, (uint64_t)p, 256);
        fwrite(cifar_px[i], 1, sizeof cifar_px[i], f);
    }
    fclose(f);
}

/* ------------------------------------------- the independent model --- */

/* The rows golu variance writes by default, in its order: the kinds of its
 * default --acts, then the identity (-1). Row k is named by the list of
 * activations (golu.h), "identity" for the last. */
static const int ROW_KIND[] = {
    GOLU_ACT_RELU, GOLU_ACT_LEAKY_RELU, GOLU_ACT_ELU,  GOLU_ACT_GELU,
    GOLU_ACT_SILU, GOLU_ACT_MISH,       GOLU_ACT_GOLU, -1};
enum { N_ACTS = sizeof ROW_KIND / sizeof ROW_KIND[0] };

static const char *row_name(int k)
{
    return ROW_KIND[k] < 0 ? "identity" : golu_act_name((golu_act_kind)ROW_KIND[k]);
}

/* Row k's activation by its formula (defaults: LeakyReLU 0.01, ELU 1). */
static double act_f(int k, double x)
{
    switch (ROW_KIND[k]) {
    case GOLU_ACT_RELU: return x > 0 ? x : 0;
    case GOLU_ACT_LEAKY_RELU: return x > 0 ? x : 0.01 * x;
    case GOLU_ACT_ELU: return x > 0 ? x : expm1(x);
    case GOLU_ACT_GELU: return 0.5 * x * erfc(-x / sqrt(2.0));
    case GOLU_ACT_SILU: return x / (1 + exp(-x));
    case GOLU_ACT_MISH: return x * tanh(x > 20 ? x : log1p(exp(x)));
    case GOLU_ACT_GOLU: return x * exp(-exp(-x));
    default: return x;
    }
}

static long double act_fl(int k, long double x)
{
    switch (ROW_KIND[k]) {
    case GOLU_ACT_GELU: return 0.5L * x * erfcl(-x / sqrtl(2.0L));
    case GOLU_ACT_SILU: return x / (1 + expl(-x));
    case GOLU_ACT_MISH: return x * tanhl(log1pl(expl(x)));
    case GOLU_ACT_GOLU: return x * expl(-expl(-x));
    default: return act_f(k, (double)x);
    }
}

/* The tool's conv weights: U(+-1/sqrt(9C)) from the counter RNG. */
static void conv_weights(int c, uint64_t seed, double *w, double *b)
{
    double bound = 1.0 / sqrt(9.0 * c);
    uint64_t sw = nn_rng_stream("variance.conv.weight", 0, 0);
    for (int k = 0; k < 9 * c; k++)
        w[k] = bound * (2.0 * nn_rng_uniform(seed, sw, (uint64_t)k) - 1.0);
    *b = bound *
         (2.0 * nn_rng_uniform(seed, nn_rng_stream("variance.conv.bias", 0, 0), 0) - 1.0);
}

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

/* var[k]: activation k's output variance for one image px (c, h, w). */
static void image_variances(const unsigned char *px, int c, int h, int w,
                            const double *wt, double bias, double *var)
{
    static double x[MAXC * 32 * 32], y[32 * 32], a[32 * 32];
    int hw = h * w;
    for (int i = 0; i < c * hw; i++)
        x[i] = (double)((float)px[i] / 255.0f); /* what the loaders store */
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) {
            double s = bias;
            for (int ch = 0; ch < c; ch++)
                for (int di = -1; di <= 1; di++)
                    for (int dj = -1; dj <= 1; dj++) {
                        int ii = i + di, jj = j + dj;
                        if (ii >= 0 && ii < h && jj >= 0 && jj < w)
                            s += wt[ch * 9 + (di + 1) * 3 + dj + 1] *
                                 x[ch * hw + ii * w + jj];
                    }
            y[i * w + j] = s;
        }
    double m = 0, v = pop_var(y, hw);
    for (int i = 0; i < hw; i++)
        m += y[i];
    m /= hw;
    for (int i = 0; i < hw; i++)
        y[i] = (y[i] - m) / sqrt(v + 1e-5);
    for (int k = 0; k < N_ACTS; k++) {
        for (int i = 0; i < hw; i++)
            a[i] = act_f(k, y[i]);
        var[k] = pop_var(a, hw);
    }
}

/* Var f(Z), Z ~ N(0,1): composite Simpson on [-14, 14], h = 1/512, long
 * double (0 is a grid point, so the kinks cost nothing). */
static double simpson_normal_var(int k)
{
    const int n = 28 * 512;
    const long double h = 28.0L / n,
                      c = 1 / sqrtl(2 * 3.141592653589793238462643383279503L);
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

static double phi_cdf(double x)
{
    return 0.5 * erfc(-x / sqrt(2.0));
}

/* --------------------------------------------------------- variance --- */

static void check_json_weights(const char *json, int c, const double *w, double b)
{
    const char *p = json ? strstr(json, "\"weight\": [") : NULL;
    if (!CHECK(p != NULL, "variance.json has no conv weight"))
        return;
    p += strlen("\"weight\": [");
    int bad = 0;
    for (int k = 0; k < 9 * c; k++) {
        char *end;
        double v = strtod(p, &end);
        bad += v != w[k];
        p = end + (*end == ',');
    }
    CHECK(bad == 0, "%d of the %d conv weights in variance.json differ from the draws",
          bad, 9 * c);
    p = strstr(p, "\"bias\": ");
    CHECK(p && strtod(p + 8, NULL) == b, "variance.json: the conv bias differs");
}

/* The CSV of `golu variance` in o for `nimg` shown images of `total`. */
static void check_csv(const char *o, const unsigned char *px, size_t stride, int total,
                      int nimg, int c, int h, int w)
{
    char path[PATH_MAX + 64];
    double wt[27], b, var[N_IMG][N_ACTS];
    conv_weights(c, 1, wt, &b);
    for (int i = 0; i < total; i++)
        image_variances(px + (size_t)i * stride, c, h, w, wt, b, var[i]);
    snprintf(path, sizeof path, "%s/variance.json", o);
    char *json = read_text(path);
    check_json_weights(json, c, wt, b);
    free(json);
    snprintf(path, sizeof path, "%s/variance.csv", o);
    char *csv = read_text(path);
    if (!CHECK(csv != NULL, "%s missing", path))
        return;
    for (int k = 0; k < N_ACTS; k++) {
        double v[80], mean = 0, m2 = 0;
        int n = csv_row(csv, row_name(k), v, 80);
        if (!CHECK(n == nimg + 4, "%s: row %s has %d values, want %d", path, row_name(k),
                   n, nimg + 4))
            continue;
        for (int i = 0; i < total; i++)
            mean += var[i][k] / total;
        for (int i = 0; i < total; i++)
            m2 += (var[i][k] - mean) * (var[i][k] - mean);
        for (int i = 0; i < nimg; i++)
            CHECK(fabs(v[i] - var[i][k]) <= 1e-10 * var[i][k],
                  "%s %s image %d: %.17g, want %.17g", path, row_name(k), i + 1, v[i],
                  var[i][k]);
        CHECK(fabs(v[nimg] - mean) <= 1e-10 * mean, "%s %s mean: %.17g, want %.17g", path,
              row_name(k), v[nimg], mean);
        CHECK(fabs(v[nimg + 1] - sqrt(m2 / (total - 1))) <= 1e-8 * sqrt(m2 / (total - 1)),
              "%s %s std: %.17g, want %.17g", path, row_name(k), v[nimg + 1],
              sqrt(m2 / (total - 1)));
        CHECK(v[nimg + 2] == total, "%s %s: stats over %g images, want %d", path,
              row_name(k), v[nimg + 2], total);
    }
    free(csv);
}

/* The N(0,1) column against closed forms and a separate quadrature. */
static void check_normal(const char *o)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/variance.csv", o);
    char *csv = read_text(path);
    if (!csv)
        return;
    const double s2pi = sqrt(2 * M_PI), a = 0.01, e = exp(0.5);
    double ef = 1 / s2pi + e * phi_cdf(-1) - 0.5;
    double ef2 = 1 + exp(2.0) * phi_cdf(-2) - 2 * e * phi_cdf(-1);
    const double closed[N_ACTS] = {0.5 - 1 / (2 * M_PI),
                                   (1 + a * a) / 2 - (1 - a) * (1 - a) / (2 * M_PI),
                                   ef2 - ef * ef,
                                   NAN,
                                   NAN,
                                   NAN,
                                   NAN,
                                   1.0};
    CHECK(fabs(closed[0] - 0.3408450569) < 1e-10, "ReLU's closed form");
    for (int k = 0; k < N_ACTS; k++) {
        double v[80];
        int n = csv_row(csv, row_name(k), v, 80);
        if (n < 1)
            continue;
        double got = v[n - 1],
               want = isnan(closed[k]) ? simpson_normal_var(k) : closed[k];
        CHECK(fabs(got - want) < (isnan(closed[k]) ? 1e-9 : 1e-12),
              "Var %s(Z), Z ~ N(0,1): %.15g, want %.15g", row_name(k), got, want);
    }
    free(csv);
}

static void test_variance(void)
{
    char data[PATH_MAX], o[PATH_MAX], path[PATH_MAX + 32];
    path_in(data, sizeof data, "idx");
    path_in(o, sizeof o, "var");
    make_idx(data);
    const char *args[] = {"variance", "--data", data, "--images", "3", "--out", o, NULL};
    expect(have_gnuplot ? 0 : 1, "golu", args);
    static const char *const files[] = {"variance.md", "variance.csv", "variance.json"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", o, files[i]);
        CHECK(exists(path), "%s missing", path);
    }
    snprintf(path, sizeof path, "%s/variance.png", o);
    if (have_gnuplot)
        CHECK(is_png(path), "%s is not a PNG", path);
    check_csv(o, &idx_px[0][0], SIDE * SIDE, N_IMG, 3, 1, SIDE, SIDE);
    check_normal(o);
    snprintf(path, sizeof path, "%s/variance.md", o);
    char *md = read_text(path);
    CHECK(
        md && strstr(md, "0.213-0.321") && strstr(md, "not CIFAR-10"),
        "variance.md should quote the paper's CIFAR numbers and say ours are not CIFAR");
    free(md);

    path_in(data, sizeof data, "cifar");
    path_in(o, sizeof o, "var-cifar");
    make_cifar(data);
    const char *cargs[] = {"variance", "--data", data, "--images", "2", "--out", o, NULL};
    expect(have_gnuplot ? 0 : 1, "CIFAR-10", cargs);
    check_csv(o, &cifar_px[0][0], 3 * 1024, CIFAR_N, 2, 3, 32, 32);
}

/* Without gnuplot: say so, exit 1, keep the other files. */
static void test_no_gnuplot(void)
{
    char data[PATH_MAX], o[PATH_MAX], path[PATH_MAX + 32];
    path_in(data, sizeof data, "idx");
    path_in(o, sizeof o, "var-nognuplot");
    const char *old = getenv("PATH");
    char *saved = old ? strdup(old) : NULL;
    setenv("PATH", "/nonexistent", 1);
    const char *args[] = {"variance", "--data", data, "--out", o, NULL};
    expect(1, "gnuplot", args);
    if (saved)
        setenv("PATH", saved, 1);
    free(saved);
    static const char *const files[] = {"variance.md", "variance.csv", "variance.json"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", o, files[i]);
        CHECK(exists(path), "without gnuplot %s should still be written", path);
    }
}

/* ------------------------------------------------------------- plot --- */

static void test_curves(void)
{
    char o[PATH_MAX], path[PATH_MAX + 32];
    path_in(o, sizeof o, "plot");
    const char *args[] = {"plot", "--out", o, NULL};
    expect(have_gnuplot ? 0 : 1, NULL, args);
    static const char *const pngs[] = {"activations.png", "derivatives.png", "gates.png"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", o, pngs[i]);
        if (have_gnuplot)
            CHECK(is_png(path), "%s is not a PNG", path);
    }
    if (!have_gnuplot)
        SKIP("the PNGs of golu plot: gnuplot with PNG output is not installed");
    /* GoLU is the 7th of 7 default activations: columns 8, 15, 22. */
    snprintf(path, sizeof path, "%s/curves.dat", o);
    char *dat = read_text(path);
    const char *p = dat ? strstr(dat, "\n1.0000 ") : NULL;
    if (!CHECK(p != NULL, "%s has no row for x = 1", path)) {
        free(dat);
        return;
    }
    double v[22];
    char *end = (char *)p;
    for (int i = 0; i < 22; i++)
        v[i] = strtod(end, &end);
    CHECK(fabs(v[7] - 0.692200627555346) < 1e-11, "curves.dat: GoLU(1) = %.15g", v[7]);
    CHECK(fabs(v[14] - 0.946847007598929) < 1e-11, "curves.dat: GoLU'(1) = %.15g", v[14]);
    CHECK(fabs(v[21] - exp(-exp(-1.0))) < 1e-11, "curves.dat: GoLU's gate at 1 = %.15g",
          v[21]);
    free(dat);
}

/* Every activation, drawn in the colour its row of the list (golu.h) gives
 * it: curves.gp names them all and their colours, in the order of --acts. */
static void test_colors(void)
{
    static const struct {
        const char *name, *color;
    } rows[] = {
#define COLOR_ROW_(E, name, value, alias, quiet, a, b, g, grads, rule, kern, color, ...) \
    {name, color},
        GOLU_ACT_LIST(COLOR_ROW_)
#undef COLOR_ROW_
    };
    _Static_assert(sizeof rows / sizeof rows[0] == GOLU_ACT_COUNT,
                   "rows: one per activation");
    char o[PATH_MAX], path[PATH_MAX + 32], acts[512] = "", names[512] = "",
                                           colors[512] = "";
    for (int k = 0; k < GOLU_ACT_COUNT; k++) {
        snprintf(acts + strlen(acts), sizeof acts - strlen(acts), "%s%s", k ? "," : "",
                 rows[k].name);
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                 k ? " " : "", rows[k].name);
        snprintf(colors + strlen(colors), sizeof colors - strlen(colors), "%s%s",
                 k ? " " : "", rows[k].color);
    }
    path_in(o, sizeof o, "plot-colors");
    const char *args[] = {"plot", "--acts", acts, "--out", o, NULL};
    expect(have_gnuplot ? 0 : 1, NULL, args);
    snprintf(path, sizeof path, "%s/curves.gp", o);
    char *gp = read_text(path);
    if (!CHECK(gp != NULL, "%s was not written", path))
        return;
    const char *n = strstr(gp, "\nnames = '"), *c = strstr(gp, "\ncolors = '");
    CHECK(n && strncmp(n + 10, names, strlen(names)) == 0 &&
              n[10 + strlen(names)] == '\'',
          "%s: names are not '%s'", path, names);
    CHECK(c && strncmp(c + 11, colors, strlen(colors)) == 0 &&
              c[11 + strlen(colors)] == '\'',
          "%s: colors are not '%s'", path, colors);
    free(gp);
}

/* A checkpoint with the tensors the analysis takes and some it must not. */
static void write_checkpoint(const char *path, uint64_t seed, float *taken,
                             size_t *ntaken)
{
    static float fc[12], conv[8], bias[4], ln[3], opt[12], scalar2[2];
    static double f64[4];
    for (int i = 0; i < 12; i++)
        fc[i] = (float)nn_rng_normal(seed, 1, (uint64_t)i) * 0.3f, opt[i] = 100.0f;
    for (int i = 0; i < 8; i++) /* heavy-tailed: kurtosis well above the normal's */
        conv[i] = (float)pow(nn_rng_normal(seed, 2, (uint64_t)i), 3);
    for (int i = 0; i < 4; i++)
        bias[i] = 50.0f, f64[i] = 70.0;
    ln[0] = ln[1] = ln[2] = 60.0f, scalar2[0] = scalar2[1] = 80.0f;
    const nn_st_tensor t[] = {
        {"fc1.weight", NN_ST_F32, 2, {4, 3}, fc},
        {"fc1.bias", NN_ST_F32, 1, {4}, bias},
        {"ln.weight", NN_ST_F32, 1, {3}, ln},
        {"optim.m.fc1.weight", NN_ST_F32, 2, {4, 3}, opt},
        {"conv.weight", NN_ST_F32, 4, {2, 1, 2, 2}, conv},
        {"d.weight", NN_ST_F64, 2, {2, 2}, f64},
        {"weightless", NN_ST_F32, 2, {1, 2}, scalar2},
    };
    const nn_st_meta meta[] = {{"format", "golu-checkpoint-1"}};
    nn_err err;
    CHECK(nn_st_write(path, t, 7, meta, 1, &err) == 0, "%s", err.msg);
    memcpy(taken, fc, sizeof fc);
    memcpy(taken + 12, conv, sizeof conv);
    *ntaken = 20;
}

static void mkdirs(const char *base, const char *run)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s", base);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/runs", base);
    mkdir(p, 0700);
    if (run) {
        snprintf(p, sizeof p, "%s/runs/%s", base, run);
        mkdir(p, 0700);
    }
}

static void check_weight_row(const char *csv, const char *act, const float *v, size_t n)
{
    double mean = 0, m2 = 0, m4 = 0, got[16];
    for (size_t i = 0; i < n; i++)
        mean += v[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double c = v[i] - mean;
        m2 += c * c, m4 += c * c * c * c;
    }
    m2 /= (double)n, m4 /= (double)n;
    /* runs,seeds,tensors,count,mean,std,excess_kurtosis */
    int k = csv_row(csv, act, got, 16);
    if (!CHECK(k >= 7, "weights.csv: no full row for %s", act))
        return;
    CHECK(got[0] == 1 && got[1] == 1 && got[2] == 2 && got[3] == (double)n,
          "weights.csv %s: runs %g seed %g tensors %g count %g, want 1 1 2 %zu", act,
          got[0], got[1], got[2], got[3], n);
    CHECK(fabs(got[4] - mean) < 1e-12, "weights.csv %s: mean %.17g, want %.17g", act,
          got[4], mean);
    CHECK(fabs(got[5] - sqrt(m2)) < 1e-12, "weights.csv %s: std %.17g, want %.17g", act,
          got[5], sqrt(m2));
    CHECK(fabs(got[6] - (m4 / (m2 * m2) - 3)) < 1e-9,
          "weights.csv %s: kurtosis %.17g, want %.17g", act, got[6], m4 / (m2 * m2) - 3);
}

static void test_weights(void)
{
    char c[PATH_MAX], o[PATH_MAX], p[PATH_MAX + 64];
    float golu_w[20], relu_w[20];
    size_t ng, nr;
    path_in(c, sizeof c, "compare");
    mkdirs(c, "golu-s1");
    mkdirs(c, "relu-s1");
    mkdirs(c, "notes"); /* not a run: ignored */
    snprintf(p, sizeof p, "%s/runs/golu-s1/checkpoint.safetensors", c);
    write_checkpoint(p, 1, golu_w, &ng);
    snprintf(p, sizeof p, "%s/runs/relu-s1/checkpoint.safetensors", c);
    write_checkpoint(p, 2, relu_w, &nr);
    path_in(o, sizeof o, "plot-weights");
    const char *args[] = {"plot", "--weights", c, "--out", o, NULL};
    expect(have_gnuplot ? 0 : 1, NULL, args);
    snprintf(p, sizeof p, "%s/weights.csv", o);
    char *csv = read_text(p);
    if (CHECK(csv != NULL, "%s missing", p)) {
        check_weight_row(csv, "golu", golu_w, ng);
        check_weight_row(csv, "relu", relu_w, nr);
        CHECK(strstr(csv, "\ngelu,") == NULL, "weights.csv has a row without runs");
    }
    free(csv);
    snprintf(p, sizeof p, "%s/weights.png", o);
    if (have_gnuplot)
        CHECK(is_png(p), "%s is not a PNG", p);
    const char *want_gelu[] = {"plot",      "--weights", c, "--acts",
                               "golu,gelu", "--out",     o, NULL};
    expect(2, "no run of gelu", want_gelu);
}

/* ----------------------------------------------------------- errors --- */

static void test_errors(void)
{
    char data[PATH_MAX], o[PATH_MAX], bad[PATH_MAX], p[PATH_MAX + 64];
    path_in(data, sizeof data, "idx");
    path_in(o, sizeof o, "err");
    path_in(bad, sizeof bad, "no-such-dir");
    const char *a1[] = {"variance",        "--data", data, "--acts",
                        "relu,sigmoidish", "--out",  o,    NULL};
    expect(2, "sigmoidish", a1);
    const char *a2[] = {"variance", "--data", bad, "--out", o, NULL};
    if (expect(2, "--data", a2))
        CHECK(strstr(out, bad) != NULL, "should name %s:\n%s", bad, out);
    const char *a3[] = {"variance", "--data", data, "--images", "7", "--out", o, NULL};
    expect(2, "--images", a3);
    const char *a4[] = {"variance", "--bogus", NULL};
    expect(2, "--bogus", a4);
    const char *a5[] = {"plot", "--acts", "golu,nope", "--out", o, NULL};
    expect(2, "nope", a5);
    const char *a6[] = {"plot", "--weights", bad, "--out", o, NULL};
    expect(2, bad, a6);
    const char *a7[] = {"variance",  "--data", data, "--acts",
                        "golu,golu", "--out",  o,    NULL};
    expect(2, "twice", a7);

    /* A run without its checkpoint, and a checkpoint that is not one. */
    char c[PATH_MAX];
    path_in(c, sizeof c, "compare-missing");
    mkdirs(c, "golu-s1");
    snprintf(p, sizeof p, "%s/runs/golu-s1/checkpoint.safetensors", c);
    const char *a8[] = {"plot", "--weights", c, "--out", o, NULL};
    expect(2, p, a8);
    path_in(c, sizeof c, "compare-bad");
    mkdirs(c, "silu-s2");
    snprintf(p, sizeof p, "%s/runs/silu-s2/checkpoint.safetensors", c);
    FILE *f = fopen(p, "wb");
    fputs("this is not a safetensors file, though it is long enough to have a header", f);
    fclose(f);
    const char *a9[] = {"plot", "--weights", c, "--out", o, NULL};
    expect(2, p, a9);
    path_in(c, sizeof c, "compare-empty");
    mkdir(c, 0700);
    const char *a10[] = {"plot", "--weights", c, "--out", o, NULL};
    expect(2, "runs", a10);
}

int main(int argc, char **argv)
{
    (void)argc;
    TEST_BEGIN("analysis");
    find_tool(argv[0]);
    char tmpl[] = "/tmp/golu-test-analysis-XXXXXX";
    if (!mkdtemp(tmpl)) {
        CHECK(0, "mkdtemp failed");
        return TEST_END();
    }
    snprintf(dir, sizeof dir, "%s", tmpl);
    have_gnuplot = system("gnuplot -e 'set terminal' 2>&1 | grep -q png") == 0;
    if (!have_gnuplot)
        SKIP("gnuplot with PNG output is not installed: the PNG checks are skipped");
    test_variance();
    test_no_gnuplot();
    test_curves();
    test_colors();
    test_weights();
    test_errors();
    if (harness_failures() == 0) {
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    return TEST_END();
}
