/*
 * test_lab_variance_report.c - the files of src/lab/variance_report.h from
 * a measurement made up here (no images, no conv layer run):
 *
 *   - variance.csv byte for byte against the text written out below;
 *   - variance.json read back with jansson: every value, integers as
 *     integers, the conv weights, the rows in order ending with "identity";
 *   - variance.md: the results' rows, the paper's ranges (and "-" for an
 *     activation the paper does not show), the ranking worked out by hand
 *     (the smallest N(0,1) variance, the smallest mean, GoLU's wins image
 *     by image);
 *     and on CIFAR-10, the words for the paper's data;
 *   - variance.dat byte for byte, and variance.gp: the terminal given, the
 *     data file and the PNG it names, the columns it plots;
 *   - a directory that does not exist: -1 and a message naming the file.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "files.h"
#include "harness.h"
#include "variance_report.h"

static char dir[] = "/tmp/golu-test-variance-report-XXXXXX";

/* relu, golu, mish and the identity over 2 images (5 in the statistics). The
 * numbers are chosen so that relu has the smallest mean, golu the smallest
 * N(0,1) variance and the smallest image 1 but not image 2. */
static lab_variance M;
static golu_act ACTS[3];

static void make_result(void)
{
    static const double img[4][2] = {{0.25, 0.5}, {0.125, 0.75}, {0.5, 0.625}, {1, 1}};
    static const double mean[4] = {0.125, 0.375, 0.5, 1};
    static const double std[4] = {0.0625, 0.1, 0.03125, 0};
    static const double normal[4] = {0.3408, 0.25, 0.375, 1};
    memset(&M, 0, sizeof M);
    M.c = 1, M.h = 2, M.w = 3, M.nimg = 2, M.nstats = 5, M.rows = 4;
    for (int k = 0; k < 9; k++)
        M.weight[k] = k / 8.0 - 0.5;
    M.bias = 0.03125;
    for (int r = 0; r < 4; r++) {
        M.img[r][0] = img[r][0], M.img[r][1] = img[r][1];
        M.mean[r] = mean[r], M.std[r] = std[r], M.normal[r] = normal[r];
    }
    ACTS[0] = golu_act_default(GOLU_ACT_RELU);
    ACTS[1] = golu_act_default(GOLU_ACT_GOLU);
    ACTS[2] = golu_act_default(GOLU_ACT_MISH);
}

static void test_csv(void)
{
    const char *want =
        "activation,image_1,image_2,mean,std,stats_images,normal_variance\n"
        "relu,0.25,0.5,0.125,0.0625,5,0.34079999999999999\n"
        "golu,0.125,0.75,0.375,0.10000000000000001,5,0.25\n"
        "mish,0.5,0.625,0.5,0.03125,5,0.375\n"
        "identity,1,1,1,0,5,1\n";
    char *got = files_read_in(dir, "variance.csv");
    CHECK(got && strcmp(got, want) == 0, "variance.csv:\n%s\nwant:\n%s", got ? got : "-",
          want);
    free(got);
}

/* doc[key] is a JSON integer equal to want. */
static void check_int(const json_t *o, const char *key, long long want)
{
    const json_t *v = json_object_get(o, key);
    CHECK(json_is_integer(v) && json_integer_value(v) == want, "%s: want integer %lld",
          key, want);
}

/* o[key] is a number equal to want (the exact double). */
static void check_num(const json_t *o, const char *key, double want)
{
    const json_t *v = json_object_get(o, key);
    CHECK(json_is_number(v) && json_number_value(v) == want, "%s = %.17g, want %.17g",
          key, json_number_value(v), want);
}

static void check_str(const json_t *o, const char *key, const char *want)
{
    const char *s = json_string_value(json_object_get(o, key));
    CHECK(s && strcmp(s, want) == 0, "%s = %s, want %s", key, s ? s : "(none)", want);
}

static void test_json(void)
{
    char path[512];
    json_error_t e;
    snprintf(path, sizeof path, "%s/variance.json", dir);
    json_t *d = json_load_file(path, 0, &e);
    CHECK(d != NULL, "variance.json: %s", e.text);
    if (!d)
        return;
    check_str(d, "data", "/data/fm");
    check_str(d, "dataset", "IDX");
    const json_t *shape = json_object_get(d, "shape");
    CHECK(json_array_size(shape) == 3 &&
              json_integer_value(json_array_get(shape, 0)) == 1 &&
              json_integer_value(json_array_get(shape, 1)) == 2 &&
              json_integer_value(json_array_get(shape, 2)) == 3,
          "shape [1, 2, 3]");
    check_int(d, "test_images", 10);
    check_int(d, "images", 2);
    check_int(d, "stats_images", 5);
    check_int(d, "std_ddof", 1);
    check_str(d, "input", "pixel / 255");
    const json_t *conv = json_object_get(d, "conv");
    check_int(conv, "in_channels", 1);
    check_int(conv, "out_channels", 1);
    check_int(conv, "kernel", 3);
    check_int(conv, "padding", 1);
    check_int(conv, "seed", 7);
    check_num(conv, "bias", 0.03125);
    const json_t *w = json_object_get(conv, "weight");
    CHECK(json_array_size(w) == 9, "9 conv weights, got %zu", json_array_size(w));
    for (size_t k = 0; k < json_array_size(w); k++)
        CHECK(json_number_value(json_array_get(w, k)) == k / 8.0 - 0.5, "weight %zu", k);
    const json_t *bn = json_object_get(d, "batchnorm");
    CHECK(json_is_true(json_object_get(bn, "training")), "batchnorm training");
    check_int(bn, "gamma", 1);
    check_int(bn, "beta", 0);
    check_num(bn, "eps", 1e-5);
    const json_t *rows = json_object_get(d, "rows");
    static const char *names[] = {"relu", "golu", "mish", "identity"};
    CHECK(json_array_size(rows) == 4, "4 rows, got %zu", json_array_size(rows));
    for (int r = 0; r < 4 && (size_t)r < json_array_size(rows); r++) {
        const json_t *row = json_array_get(rows, (size_t)r);
        const json_t *im = json_object_get(row, "images");
        check_str(row, "activation", names[r]);
        CHECK(json_array_size(im) == 2 &&
                  json_number_value(json_array_get(im, 0)) == M.img[r][0] &&
                  json_number_value(json_array_get(im, 1)) == M.img[r][1],
              "row %d: images", r);
        check_num(row, "mean", M.mean[r]);
        check_num(row, "std", M.std[r]);
        check_num(row, "normal_variance", M.normal[r]);
    }
    /* The identity's 1 is an integer, as "%.17g" writes it. */
    check_int(json_array_get(rows, 3), "mean", 1);
    json_decref(d);
}

static void test_md(void)
{
    static const char *lines[] = {
        "# Latent variance: Conv2d -> BatchNorm2d -> activation\n",
        "Data: IDX test split (`/data/fm`), 1x2x3, pixels / 255. Conv2d(1->1, 3x3, "
        "padding 1) with PyTorch's default initialisation U(±1/sqrt(9)) for weight and "
        "bias, seed 7;",
        "population variance of the 6 outputs;",
        "\n| activation | image 1 | image 2 | mean ± std over 5 images | "
        "Var f(Z), Z ~ N(0,1) |\n|---|---|---|---|---|\n",
        "\n| relu | 0.2500 | 0.5000 | 0.1250 ± 0.0625 | 0.340800 |\n",
        "\n| golu | 0.1250 | 0.7500 | 0.3750 ± 0.1000 | 0.250000 |\n",
        "\n| mish | 0.5000 | 0.6250 | 0.5000 ± 0.0312 | 0.375000 |\n",
        "\n| identity (BN output) | 1.0000 | 1.0000 | 1.0000 ± 0.0000 | 1.000000 |\n",
        "Ours are IDX images (1 channel, 2x3), not CIFAR-10",
        "\n| activation | paper: range over 4 CIFAR-10 images | ours: range over images "
        "1-2 | ours: mean over 5 |\n",
        "\n| relu | 0.302-0.363 (ReLU) | 0.250-0.500 | 0.125 |\n",
        "\n| golu | 0.213-0.321 (GoLU) | 0.125-0.750 | 0.375 |\n",
        "\n| mish | 0.345-0.420 (Mish) | 0.500-0.625 | 0.500 |\n",
        "\n- N(0,1) input: golu.\n- Mean over 5 images: relu.\n"
        "- GoLU is the smallest on 1 of the 2 images shown.",
    };
    char *md = files_read_in(dir, "variance.md");
    CHECK(md != NULL, "variance.md written");
    for (size_t i = 0; md && i < sizeof lines / sizeof lines[0]; i++)
        CHECK(strstr(md, lines[i]) != NULL, "variance.md lacks:\n%s", lines[i]);
    CHECK(md && !strstr(md, "| identity |"), "the paper's table has no identity row");
    free(md);
}

static void test_plot(void)
{
    const char *want_dat =
        "# index activation image_1..image_N mean std normal_variance paper_lo "
        "paper_hi\n"
        "0 relu 0.25 0.5 0.125 0.0625 0.3408 0.302 0.363\n"
        "1 golu 0.125 0.75 0.375 0.1 0.25 0.213 0.321\n"
        "2 mish 0.5 0.625 0.5 0.03125 0.375 0.345 0.42\n";
    char *dat = files_read_in(dir, "variance.dat"),
         *gp = files_read_in(dir, "variance.gp");
    CHECK(dat && strcmp(dat, want_dat) == 0, "variance.dat:\n%s\nwant:\n%s",
          dat ? dat : "-", want_dat);
    static const char *gp_lines[] = {
        ("# Redraw with: gnuplot DIR/variance.gp (from any directory).\n"
         "set terminal png size 640,480\nset termoption noenhanced\n"),
        "\nset output d.'variance.png'\n",
        "-> activation (IDX)'\n",
        "\nset xrange [-0.6:2.6]\n",
        "plot for [j=1:2] d.'variance.dat' using ($1-0.3+0.3*(j-1)/1.0):(column(j+2))",
        "title (j == 1 ? 'images 1-2' : '')",
        "d.'variance.dat' using 1:5:6:xtic(2) with yerrorbars",
        "'mean ± std, 5 images'",
        "d.'variance.dat' using ($1+0.15):7 with points",
        "d.'variance.dat' using ($1+0.3):8:(0):($9-$8) with vectors",
    };
    CHECK(gp != NULL, "variance.gp written");
    for (size_t i = 0; gp && i < sizeof gp_lines / sizeof gp_lines[0]; i++)
        CHECK(strstr(gp, gp_lines[i]) != NULL, "variance.gp lacks:\n%s", gp_lines[i]);
    free(dat);
    free(gp);
}

/* On CIFAR-10 the paper's section says the data is the paper's. */
static void test_md_cifar(const lab_variance_report *R)
{
    lab_variance_report C = *R;
    char path[512];
    nn_err err = {""};
    C.dataset = "CIFAR-10", C.cifar = 1;
    snprintf(path, sizeof path, "%s/cifar.md", dir);
    CHECK(lab_variance_md_write(&C, path, &err) == 0, "cifar.md: %s", err.msg);
    char *md = files_read_in(dir, "cifar.md");
    CHECK(md && strstr(md, "These are CIFAR-10 test images too") &&
              !strstr(md, "not CIFAR-10"),
          "cifar.md: the paper's data");
    free(md);
}

static void test_missing_dir(const lab_variance_report *R)
{
    nn_err err = {""};
    CHECK(lab_variance_files_write(R, "/nonexistent-golu-dir", &err) == -1,
          "no directory: -1");
    CHECK(strstr(err.msg, "/nonexistent-golu-dir/variance.csv") != NULL,
          "the message names the file: %s", err.msg);
    err.msg[0] = '\0';
    CHECK(lab_variance_plot_write(R, "/nonexistent-golu-dir", "set terminal png", &err) ==
              -1,
          "no directory: -1");
    CHECK(strstr(err.msg, "/nonexistent-golu-dir/variance.dat") != NULL,
          "the message names the file: %s", err.msg);
}

int main(void)
{
    TEST_BEGIN("lab_variance_report");
    make_result();
    lab_variance_report R = {&M, ACTS, 3, "/data/fm", "IDX", 0, 10, 7};
    nn_err err = {""};
    if (!mkdtemp(dir)) {
        CHECK(0, "mkdtemp failed");
        return TEST_END();
    }
    CHECK(lab_variance_files_write(&R, dir, &err) == 0, "files: %s", err.msg);
    CHECK(lab_variance_plot_write(&R, dir, "set terminal png size 640,480", &err) == 0,
          "plot: %s", err.msg);
    test_csv();
    test_json();
    test_md();
    test_plot();
    test_md_cifar(&R);
    test_missing_dir(&R);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0, "%s", cmd);
    return TEST_END();
}
