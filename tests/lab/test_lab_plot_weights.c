/*
 * test_lab_plot_weights.c - trained weights for `golu plot --weights`
 * (src/lab/weights.h), on a compare directory made here:
 *
 *   - the tensors taken (F32 "*.weight", 2+ dimensions, not optim.*) and
 *     those left (biases, norms' 1-D scales, F64, optimizer state), pooled
 *     over seeds in run-name order, runs of other activations and other
 *     directories ignored, "swish-s3" read as silu;
 *   - the moments: mean 0, std 1/2, excess kurtosis -2 for +-1/2, and a
 *     two-pass long double computation here for the other sample;
 *   - weights.csv byte for byte; the histogram's counts in bins worked out
 *     by hand; its range; weights.dat and weights.gp;
 *   - the errors: not a directory, no runs/, an activation without runs, no
 *     runs at all, a file that is not a checkpoint, one without weights.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "harness.h"
#include "safetensors.h"
#include "weights.h"

static char dir[] = "/tmp/golu-test-weights-XXXXXX";
static char out[PATH_MAX];

static void run_dir(const char *base, const char *run)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", base);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/runs", base);
    mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/runs/%s", base, run);
    mkdir(p, 0700);
}

/* base/runs/run/checkpoint.safetensors holding a (2x2) and b (1x1x2x2)
 * as weights, and tensors the analysis must not take (all 99). */
static void checkpoint(const char *base, const char *run, const float a[4],
                       const float b[4])
{
    static const float skip[4] = {99, 99, 99, 99};
    static const double skip64[4] = {99, 99, 99, 99};
    const nn_st_tensor t[] = {
        {"fc.weight", NN_ST_F32, 2, {2, 2}, a},
        {"fc.bias", NN_ST_F32, 1, {4}, skip},
        {"norm.weight", NN_ST_F32, 1, {4}, skip},
        {"optim.m.fc.weight", NN_ST_F32, 2, {2, 2}, skip},
        {"conv.weight", NN_ST_F32, 4, {1, 1, 2, 2}, b},
        {"d.weight", NN_ST_F64, 2, {2, 2}, skip64},
        {"weightish", NN_ST_F32, 2, {2, 2}, skip},
    };
    char p[PATH_MAX];
    nn_err err = {""};
    run_dir(base, run);
    snprintf(p, sizeof p, "%s/runs/%s/checkpoint.safetensors", base, run);
    CHECK(nn_st_write(p, t, 7, NULL, 0, &err) == 0, "%s", err.msg);
}

static const float HALF[4] = {-0.5f, 0.5f, 0.5f, -0.5f};
static const float SEQ[4] = {-1.0f, 0.25f, 0.5f, 3.0f}, SEQ2[4] = {0.1f, -2, 0, 0.75f};

/* relu (no runs), golu (s1, s2), silu (as swish-s3): w indexed like acts. */
static golu_act ACTS[3];
static lab_weights W[3];

static void test_load(void)
{
    nn_err err = {""};
    checkpoint(dir, "golu-s2", HALF, HALF);
    checkpoint(dir, "golu-s1", HALF, HALF);
    checkpoint(dir, "swish-s3", SEQ, SEQ2);
    checkpoint(dir, "mish-s1", SEQ, SEQ); /* not asked for */
    run_dir(dir, "notes");                /* not a run */
    run_dir(dir, "golu-sx");
    ACTS[0] = golu_act_default(GOLU_ACT_RELU);
    ACTS[1] = golu_act_default(GOLU_ACT_GOLU);
    ACTS[2] = golu_act_default(GOLU_ACT_SILU);
    CHECK(lab_weights_load(dir, ACTS, 3, 1, W, &err) == LAB_WEIGHTS_EINPUT &&
              strstr(err.msg, "/runs has no run of relu (relu-s<seed>)"),
          "relu missing: %s", err.msg);
    lab_weights_free(W, 3);
    memset(W, 0, sizeof W);
    CHECK(lab_weights_load(dir, ACTS, 3, 0, W, &err) == LAB_WEIGHTS_OK, "%s", err.msg);
    CHECK(W[0].runs == 0 && W[0].n == 0, "relu: no runs");
    CHECK(W[1].runs == 2 && W[1].tensors == 4 && W[1].n == 16 &&
              strcmp(W[1].seeds, "1;2") == 0,
          "golu: runs %d tensors %d n %zu seeds %s", W[1].runs, W[1].tensors, W[1].n,
          W[1].seeds);
    CHECK(W[2].runs == 1 && W[2].tensors == 2 && W[2].n == 8 &&
              strcmp(W[2].seeds, "3") == 0,
          "silu: runs %d tensors %d n %zu seeds %s", W[2].runs, W[2].tensors, W[2].n,
          W[2].seeds);
    int order = W[2].n == 8;
    for (int i = 0; order && i < 4; i++)
        order = W[2].v[i] == (double)SEQ[i] && W[2].v[4 + i] == (double)SEQ2[i];
    CHECK(order, "silu's values in file order, exactly");
    /* +-1/2: mean 0, population std 1/2, m4 / m2^2 = 1. */
    CHECK(W[1].m.mean == 0 && W[1].m.std_population == 0.5 &&
              W[1].m.excess_kurtosis == -2 && W[1].m.min == -0.5 && W[1].m.max == 0.5,
          "golu: %g %g %g %g %g", W[1].m.mean, W[1].m.std_population,
          W[1].m.excess_kurtosis, W[1].m.min, W[1].m.max);
    long double s = 0, m2 = 0, m4 = 0, mean;
    for (int i = 0; i < 4; i++)
        s += (long double)SEQ[i] + SEQ2[i];
    mean = s / 8;
    for (int i = 0; i < 8; i++) {
        long double c = (i < 4 ? SEQ[i] : SEQ2[i - 4]) - mean;
        m2 += c * c, m4 += c * c * c * c;
    }
    m2 /= 8, m4 /= 8;
    CHECK(fabs(W[2].m.mean - (double)mean) < 1e-16 &&
              fabs(W[2].m.std_population - (double)sqrtl(m2)) < 1e-15 &&
              fabs(W[2].m.excess_kurtosis - (double)(m4 / (m2 * m2) - 3)) < 1e-14 &&
              W[2].m.min == -2 && W[2].m.max == 3,
          "silu: mean %.17g std %.17g kurt %.17g", W[2].m.mean, W[2].m.std_population,
          W[2].m.excess_kurtosis);
}

static void test_hist(void)
{
    /* range 60, 120 bins: width 1; 8 values, each adds 1/8. */
    static double v[8] = {-60, -59.5, 0, 0.5, 59.75, 60, -60.5, 1e9};
    lab_weights w = {.v = v, .n = 8, .runs = 1};
    double h[LAB_WEIGHTS_BINS], area = 0;
    lab_weights_hist(&w, 60, h);
    CHECK(h[0] == 0.25 && h[60] == 0.25 && h[119] == 0.125,
          "bins 0, 60, 119: %g %g %g, want 0.25 0.25 0.125", h[0], h[60], h[119]);
    for (int b = 0; b < LAB_WEIGHTS_BINS; b++)
        area += h[b];
    CHECK(area == 0.625, "area %g: 5 of the 8 values inside", area);
    /* range: the widest |mean| + 5 std over activations with runs. */
    lab_weights r[3] = {{.runs = 1}, {.runs = 0}, {.runs = 2}};
    r[0].m.mean = -0.5, r[0].m.std_population = 0.25;
    r[1].m.mean = 100, r[1].m.std_population = 100; /* no runs: not counted */
    r[2].m.mean = 0.125, r[2].m.std_population = 0.125;
    CHECK(lab_weights_hist_range(r, 3) == 1.75, "range %g, want 1.75",
          lab_weights_hist_range(r, 3));
    r[0].m.std_population = NAN; /* fmax passes over a NaN */
    CHECK(lab_weights_hist_range(r, 3) == 0.75, "range with a NaN: %g, want 0.75",
          lab_weights_hist_range(r, 3));
    r[2].m.mean = NAN;
    CHECK(lab_weights_hist_range(r, 3) == 1.0, "range of NaNs: 1");
    r[2].m.mean = INFINITY;
    CHECK(lab_weights_hist_range(r, 3) == 1.0, "infinite range: 1");
    CHECK(lab_weights_hist_range(r, 0) == 1.0, "range of nothing: 1");
}

static void test_files(void)
{
    nn_err err = {""};
    char path[PATH_MAX + 64];
    snprintf(out, sizeof out, "%s/out", dir);
    mkdir(out, 0700);
    snprintf(path, sizeof path, "%s/weights.csv", out);
    CHECK(lab_weights_csv_write(ACTS, W, 3, path, &err) == 0, "csv: %s", err.msg);
    CHECK(lab_weights_plot_write(ACTS, W, 3, out, "set terminal png", &err) == 0,
          "plot: %s", err.msg);
    char want[1024], *csv = files_read_in(out, "weights.csv");
    snprintf(want, sizeof want,
             "activation,runs,seeds,tensors,count,mean,std,excess_kurtosis,min,max\n"
             "golu,2,1;2,4,16,0,0.5,-2,-0.5,0.5\n"
             "silu,1,3,2,8,%.17g,%.17g,%.17g,-2,3\n",
             W[2].m.mean, W[2].m.std_population, W[2].m.excess_kurtosis);
    CHECK(csv && strcmp(csv, want) == 0, "weights.csv:\n%s\nwant:\n%s", csv ? csv : "-",
          want);
    free(csv);
    /* range: silu's |mean| + 5 std is the wider. */
    double range = fabs(W[2].m.mean) + 5 * W[2].m.std_population, width = range / 60;
    char *dat = files_read_in(out, "weights.dat"), *gp = files_read_in(out, "weights.gp");
    snprintf(want, sizeof want,
             "# weight (bin centre), density per activation: golu silu\n%.8g ",
             -range + 0.5 * width);
    CHECK(dat && strncmp(dat, want, strlen(want)) == 0, "weights.dat starts:\n%.200s",
          dat ? dat : "-");
    int lines = 0;
    for (const char *p = dat; p && *p; p++)
        lines += *p == '\n';
    CHECK(lines == 1 + LAB_WEIGHTS_BINS, "weights.dat: %d lines", lines);
    /* golu's 16 values at +-0.5: two bins of 8 / (16 width) each. */
    int b = (int)floor((0.5 + range) / width);
    double hg[LAB_WEIGHTS_BINS];
    lab_weights_hist(&W[1], range, hg);
    CHECK(fabs(hg[b] - 0.5 / width) < 1e-12, "golu's bin of 0.5: %g, want %g", hg[b],
          0.5 / width);
    static const char *gp_want[] = {
        "# Redraw with: gnuplot DIR/weights.gp (from any directory).\nset terminal png\n",
        "\nnames = 'golu silu'\ncolors = '",
        "\nset output d.'weights.png'\n",
        "plot for [j=1:2] d.'weights.dat' using 1:(column(1+j)) with steps",
    };
    for (size_t i = 0; gp && i < sizeof gp_want / sizeof gp_want[0]; i++)
        CHECK(strstr(gp, gp_want[i]) != NULL, "weights.gp lacks:\n%s", gp_want[i]);
    CHECK(gp != NULL, "weights.gp written");
    free(dat);
    free(gp);
}

static void test_errors(void)
{
    nn_err err = {""};
    lab_weights w[3] = {{0}};
    char p[PATH_MAX + 64];
    CHECK(lab_weights_load("/nonexistent-golu-dir", ACTS, 3, 0, w, &err) ==
                  LAB_WEIGHTS_EINPUT &&
              strstr(err.msg, "/nonexistent-golu-dir is not a directory"),
          "%s", err.msg);
    snprintf(p, sizeof p, "%s/out", dir); /* a directory, no runs/ */
    CHECK(lab_weights_load(p, ACTS, 3, 0, w, &err) == LAB_WEIGHTS_EINPUT &&
              strstr(err.msg, "not a golu compare output (no runs/ directory)"),
          "%s", err.msg);
    snprintf(p, sizeof p, "%s/empty", dir);
    run_dir(p, "notes");
    CHECK(lab_weights_load(p, ACTS, 3, 0, w, &err) == LAB_WEIGHTS_EINPUT &&
              strstr(err.msg, "/runs holds no <act>-s<seed> run directories"),
          "%s", err.msg);
    run_dir(p, "relu-s1"); /* no checkpoint */
    CHECK(lab_weights_load(p, ACTS, 3, 0, w, &err) == LAB_WEIGHTS_EINPUT &&
              strstr(err.msg, "relu-s1/checkpoint.safetensors: no such file"),
          "%s", err.msg);
    lab_weights_free(w, 3);
    memset(w, 0, sizeof w);
    snprintf(p, sizeof p, "%s/empty/runs/relu-s1/checkpoint.safetensors", dir);
    FILE *f = fopen(p, "wb");
    if (f) {
        fputs("this is not a safetensors file, though it is long enough to have a header",
              f);
        fclose(f);
    }
    CHECK(lab_weights_checkpoint_add(&w[0], p, &err) == LAB_WEIGHTS_EINPUT &&
              strstr(err.msg, "checkpoint.safetensors"),
          "not safetensors: %s", err.msg);
    const float one[2] = {1, 2};
    const nn_st_tensor t[] = {{"fc.bias", NN_ST_F32, 1, {2}, one}};
    CHECK(nn_st_write(p, t, 1, NULL, 0, &err) == 0, "%s", err.msg);
    CHECK(lab_weights_checkpoint_add(&w[0], p, &err) == LAB_WEIGHTS_EINPUT &&
              strstr(err.msg, ": no F32 tensor named *.weight with 2 or more dimensions"),
          "no weights: %s", err.msg);
    lab_weights_free(w, 3);
}

int main(void)
{
    TEST_BEGIN("lab_plot_weights");
    if (!mkdtemp(dir)) {
        CHECK(0, "mkdtemp failed");
        return TEST_END();
    }
    test_load();
    test_hist();
    test_files();
    test_errors();
    lab_weights_free(W, 3);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0, "%s", cmd);
    return TEST_END();
}
