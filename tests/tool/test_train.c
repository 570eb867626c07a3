/*
 * test_train.c - `golu train` and `golu eval` end to end on tiny generated
 * data (8x8 IDX images, a short text), through the tool as a user runs it.
 *
 *   - each model trains and leaves checkpoint, metrics.csv/json and
 *     summary.json holding the values it printed;
 *   - a run stopped part-way (--stop-after) and continued with --resume ends
 *     with the same weights, optimizer state and metrics, bit for bit, as an
 *     uninterrupted run (mlp, resnet with BatchNorm, gpt with dropout);
 *   - golu eval on the checkpoint gives the test loss of the last epoch;
 *   - the MLP and the GPT on one thread and on two: the same checkpoint;
 *   - bad input exits 2 and names the flag or file; a loss that explodes
 *     stops the run (exit 1), keeping a checkpoint.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoints.h"
#include "files.h"
#include "harness.h"
#include "registry.h"
#include "tinydata.h"
#include "toolrun.h"

static char out[OUT_CAP];
static char dir[PATH_MAX - 256];

static void path_in(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

/* `golu args...` exits `status` and prints `text` (NULL: anything). */
static int expect(int status, const char *say, const char *const *args)
{
    return tool_expect(status, say, args, out);
}

/* ----------------------------------------------------------- models --- */

static char img[PATH_MAX], text[PATH_MAX];

/* Runs args + "--out <dir>/<name>" and returns the checkpoint's path. */
static int train(const char *name, int status, const char *say, const char *const *args,
                 const char *extra)
{
    const char *argv[48];
    int n = 0;
    char outdir[PATH_MAX];
    path_in(outdir, sizeof outdir, name);
    for (int i = 0; args[i]; i++)
        argv[n++] = args[i];
    if (extra)
        argv[n++] = extra;
    argv[n++] = "--out";
    argv[n++] = outdir;
    argv[n] = NULL;
    return expect(status, say, argv);
}

static void check_resume(const char *model, const char *const *args, const char *stop)
{
    char whole[PATH_MAX - 64], part[PATH_MAX - 64], a[PATH_MAX], b[PATH_MAX], name[64];
    snprintf(name, sizeof name, "%s-whole", model);
    train(name, 0, NULL, args, NULL);
    path_in(whole, sizeof whole, name);
    snprintf(name, sizeof name, "%s-part", model);
    train(name, 3, "--resume", args, stop);
    path_in(part, sizeof part, name);
    const char *resume[] = {"train", "--resume", "--out", part, "--quiet", NULL};
    expect(0, NULL, resume);
    snprintf(a, sizeof a, "%s/checkpoint.safetensors", whole);
    snprintf(b, sizeof b, "%s/checkpoint.safetensors", part);
    checkpoints_compare(model, a, b, nn_model_find(model)->tasks[0]);
}

/* The metrics files of a run hold `rows` rows and the summary its result. */
static void check_outputs(const char *name, int rows, const char *key)
{
    char p[PATH_MAX], line[1024];
    snprintf(p, sizeof p, "%s/%s/metrics.csv", dir, name);
    FILE *f = fopen(p, "r");
    if (!CHECK(f != NULL, "%s is missing", p))
        return;
    int n = 0;
    while (fgets(line, sizeof line, f))
        n++;
    fclose(f);
    CHECK(n == rows + 1, "%s: %d lines, want a header and %d rows", p, n, rows);
    snprintf(p, sizeof p, "%s/%s/summary.json", dir, name);
    f = fopen(p, "r");
    if (!CHECK(f != NULL, "%s is missing", p))
        return;
    size_t len = fread(line, 1, sizeof line - 1, f);
    line[len] = '\0';
    fclose(f);
    CHECK(strstr(line, key) != NULL, "%s lacks %s:\n%s", p, key, line);
    snprintf(p, sizeof p, "%s/%s/metrics.json", dir, name);
    CHECK(access(p, R_OK) == 0, "%s is missing", p);
}

static void test_mlp(void)
{
    const char *args[] = {"train",       "--model", "mlp",     "--act",    "golu",
                          "--learn-act", "--data",  img,       "--epochs", "2",
                          "--batch",     "16",      "--width", "16",       "--threads",
                          "1",           "--quiet", NULL};
    check_resume("mlp", args, "--stop-after=7");
    check_outputs("mlp-whole", 2, "\"test_acc\"");
    /* eval gives the last epoch's test loss */
    char ck[PATH_MAX], csv[PATH_MAX], line[512], last[512] = "";
    snprintf(ck, sizeof ck, "%s/mlp-whole/checkpoint.safetensors", dir);
    const char *ev[] = {"eval", "--checkpoint", ck, "--json", NULL};
    if (expect(0, "\"test_loss\"", ev)) {
        snprintf(csv, sizeof csv, "%s/mlp-whole/metrics.csv", dir);
        FILE *f = fopen(csv, "r");
        while (f && fgets(line, sizeof line, f))
            snprintf(last, sizeof last, "%s", line);
        if (f)
            fclose(f);
        double cols[8] = {0};
        sscanf(last, "%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &cols[0], &cols[1], &cols[2],
               &cols[3], &cols[4], &cols[5], &cols[6], &cols[7]);
        const char *p = strstr(out, "\"test_loss\": ");
        double loss = p ? strtod(p + 13, NULL) : NAN;
        CHECK(fabs(loss - cols[4]) <= 1e-6 * fabs(cols[4]),
              "eval test loss %.9g, the run's last epoch %.9g", loss, cols[4]);
    }
}

static void test_resnet(void)
{
    const char *args[] = {"train",     "--model",  "resnet",  "--act",   "gelu",
                          "--depth",   "8",        "--width", "4",       "--data",
                          img,         "--epochs", "2",       "--batch", "16",
                          "--threads", "1",        "--quiet", NULL};
    check_resume("resnet", args, "--stop-after=5");
    check_outputs("resnet-whole", 2, "\"test_acc\"");
}

static void test_gpt(void)
{
    const char *args[] = {
        "train", "--model",        "gpt", "--act",     "prelu", "--layers",
        "1",     "--heads",        "2",   "--width",   "16",    "--context",
        "16",    "--batch",        "4",   "--steps",   "8",     "--eval-every",
        "4",     "--eval-batches", "2",   "--warmup",  "2",     "--dropout",
        "0.1",   "--data",         text,  "--threads", "1",     "--quiet",
        NULL};
    check_resume("gpt", args, "--stop-after=3");
    check_outputs("gpt-whole", 2, "\"val_bpb\"");
    char ck[PATH_MAX];
    snprintf(ck, sizeof ck, "%s/gpt-whole/checkpoint.safetensors", dir);
    const char *ev[] = {"eval", "--checkpoint", ck, NULL};
    expect(0, "bits/byte", ev);
}

/* ---------------------------------------------------------- threads --- */

/* args trained on one thread and on two: the same checkpoint, bit for bit
 * (the sizes make the linear layers cut their products in halves). */
static void check_threads(const char *model, const char *const *args)
{
    char a[PATH_MAX], b[PATH_MAX], name[64];
    for (int t = 1; t <= 2; t++) {
        snprintf(name, sizeof name, "%s-threads%d", model, t);
        train(name, 0, NULL, args, t == 1 ? "--threads=1" : "--threads=2");
    }
    snprintf(a, sizeof a, "%s/%s-threads1/checkpoint.safetensors", dir, model);
    snprintf(b, sizeof b, "%s/%s-threads2/checkpoint.safetensors", dir, model);
    checkpoints_compare(model, a, b, nn_model_find(model)->tasks[0]);
}

static void test_threads(void)
{
    const char *mlp[] = {"train",  "--model", "mlp",      "--act",   "golu",
                         "--data", img,       "--epochs", "1",       "--batch",
                         "64",     "--width", "256",      "--quiet", NULL};
    check_threads("mlp", mlp);
    const char *gpt[] = {
        "train", "--model",        "gpt", "--act",    "golu", "--layers",
        "1",     "--heads",        "2",   "--width",  "64",   "--context",
        "32",    "--batch",        "8",   "--steps",  "3",    "--eval-every",
        "3",     "--eval-batches", "1",   "--warmup", "1",    "--data",
        text,    "--quiet",        NULL};
    check_threads("gpt", gpt);
}

/* ----------------------------------------------------------- errors --- */

static void test_errors(void)
{
    const char *base[] = {"train", "--model", "mlp", "--data", img, "--quiet", NULL};
    train("e1", 2, "unknown activation 'foo'", base, "--act=foo");
    train("e2", 2, "unknown option '--bogus'", base, "--bogus");
    train("e3", 2, "--epochs: 0 is out of range", base, "--epochs=0");
    const char *learn[] = {"train", "--model", "mlp",         "--data", img,
                           "--act", "relu",    "--learn-act", NULL};
    train("e4", 2, "--learn-act: only GoLU", learn, NULL);
    const char *nomodel[] = {"train", "--out", "x", NULL};
    expect(2, "--model: required", nomodel);
    const char *badmodel[] = {"train", "--model", "cnn", "--out", "x", NULL};
    expect(2, "unknown model 'cnn'", badmodel);
    const char *noout[] = {"train", "--model", "mlp", "--data", img, NULL};
    expect(2, "--out: required", noout);
    const char *nodata[] = {"train", "--model", "mlp", "--data", "/nonexistent/fm", NULL};
    train("e5", 2, "/nonexistent/fm", nodata, NULL);
    const char *depth[] = {"train", "--model", "resnet", "--depth",
                           "9",     "--data",  img,      NULL};
    train("e6", 2, "6n+2", depth, NULL);
    char d[PATH_MAX];
    path_in(d, sizeof d, "mlp-whole");
    const char *relr[] = {"train", "--resume", "--out", d, "--lr", "0.5", NULL};
    expect(2, "--resume takes the configuration", relr);
    path_in(d, sizeof d, "img");
    const char *again[] = {"train", "--model", "mlp", "--data", img, "--quiet", NULL};
    train("mlp-whole", 2, "already holds a run", again, NULL);
    const char *noresume[] = {"train", "--resume", "--out", d, NULL};
    expect(2, "checkpoint.safetensors", noresume);
    /* a truncated checkpoint is refused by name */
    char ck[PATH_MAX], bad[PATH_MAX];
    snprintf(ck, sizeof ck, "%s/mlp-whole/checkpoint.safetensors", dir);
    path_in(bad, sizeof bad, "cut.safetensors");
    FILE *fi = fopen(ck, "rb"), *fo = fopen(bad, "wb");
    char buf[4096];
    size_t got = fi ? fread(buf, 1, sizeof buf, fi) : 0;
    if (fo)
        fwrite(buf, 1, got / 2, fo);
    if (fi)
        fclose(fi);
    if (fo)
        fclose(fo);
    const char *ev[] = {"eval", "--checkpoint", bad, NULL};
    expect(2, "cut.safetensors", ev);
}

static void test_divergence(void)
{
    const char *args[] = {"train", "--model",  "mlp",     "--data",  img,
                          "--lr",  "1e30",     "--batch", "16",      "--width",
                          "16",    "--epochs", "3",       "--quiet", NULL};
    train("nan", 1, "training loss became", args, NULL);
    char ck[PATH_MAX];
    snprintf(ck, sizeof ck, "%s/nan/checkpoint.safetensors", dir);
    CHECK(access(ck, R_OK) == 0, "a diverged run keeps its last good checkpoint %s", ck);
}

int main(int argc, char **argv)
{
    (void)argc;
    TEST_BEGIN("train");
    find_tool(argv[0]);
    if (files_tmpdir_make(dir, sizeof dir, "golu-train-"))
        return TEST_END();
    if (!CHECK(tinydata_make(dir) == 0, "cannot write the test data in %s", dir))
        return TEST_END();
    snprintf(img, sizeof img, "%s/img", dir);
    path_in(text, sizeof text, "text.txt");
    test_mlp();
    test_resnet();
    test_gpt();
    test_threads();
    test_errors();
    test_divergence();
    files_tmpdir_done(dir);
    return TEST_END();
}
