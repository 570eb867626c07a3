/*
 * test_sample.c - `golu sample` end to end on tiny data: a tiny ddpm run,
 * then its samples as a PNG (with the .dat and .gp beside it; the same
 * seed gives the same .dat, another seed another); every refusal exits 2
 * naming its flag: no checkpoint, an --out that is not a .png, a unet
 * checkpoint, more --steps than the run's T, an unknown option. Also
 * `golu train --model unet` on tiny data (the segment task's words).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "harness.h"
#include "tinydata.h"
#include "toolrun.h"

static char out[OUT_CAP];
static char dir[PATH_MAX - 256];

static int expect(int status, const char *say, const char *const *args)
{
    return tool_expect(status, say, args, out);
}

/* The whole of a file (malloc'ed, NUL-terminated), or NULL. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

int main(int argc, char **argv)
{
    (void)argc;
    TEST_BEGIN("sample");
    find_tool(argv[0]);
    if (files_tmpdir_make(dir, sizeof dir, "golu-sample-"))
        return TEST_END();
    if (!CHECK(tinydata_make(dir) == 0, "cannot write the test data in %s", dir))
        return TEST_END();
    char img[PATH_MAX - 64], ddpm[PATH_MAX - 64], unet[PATH_MAX - 64], ck[PATH_MAX],
        uck[PATH_MAX];
    char png[PATH_MAX], dat[PATH_MAX], png2[PATH_MAX], dat2[PATH_MAX];
    snprintf(img, sizeof img, "%s/img", dir);
    snprintf(ddpm, sizeof ddpm, "%s/ddpm", dir);
    snprintf(unet, sizeof unet, "%s/unet", dir);
    snprintf(ck, sizeof ck, "%s/checkpoint.safetensors", ddpm);
    snprintf(uck, sizeof uck, "%s/checkpoint.safetensors", unet);
    snprintf(png, sizeof png, "%s/s.png", dir);
    snprintf(dat, sizeof dat, "%s/s.dat", dir);
    snprintf(png2, sizeof png2, "%s/t.png", dir);
    snprintf(dat2, sizeof dat2, "%s/t.dat", dir);
    const char *tr[] = {
        "train", "--model",       "ddpm", "--data",       img,     "--depth",
        "2",     "--width",       "4",    "--batch",      "4",     "--epochs",
        "1",     "--limit-train", "8",    "--limit-test", "4",     "--timesteps",
        "20",    "--threads",     "1",    "--quiet",      "--out", ddpm,
        NULL};
    if (!expect(0, "test loss", tr))
        return TEST_END();
    const char *tu[] = {
        "train", "--model",       "unet",  "--data",       img, "--depth",
        "2",     "--width",       "4",     "--batch",      "4", "--epochs",
        "1",     "--limit-train", "8",     "--limit-test", "4", "--threads",
        "1",     "--quiet",       "--out", unet,           NULL};
    expect(0, "test mIoU", tu);
    /* refusals */
    const char *none[] = {"sample", "--out", png, NULL};
    expect(2, "--checkpoint: required", none);
    const char *notpng[] = {"sample", "--checkpoint", ck, "--out", dat, NULL};
    expect(2, "--out", notpng);
    const char *wrong[] = {"sample", "--checkpoint", uck, "--out", png, NULL};
    expect(2, "needs one of --model ddpm", wrong);
    const char *steps[] = {"sample", "--checkpoint", ck,   "--out",
                           png,      "--steps",      "21", NULL};
    expect(2, "--steps: 21", steps);
    const char *count[] = {"sample", "--checkpoint", ck,  "--out",
                           png,      "--count",      "0", NULL};
    expect(2, "--count", count);
    const char *unknown[] = {"sample", "--checkpoint", ck, "--out", png, "--bogus", NULL};
    expect(2, "unknown option '--bogus'", unknown);
    /* samples: PNG when gnuplot is there; the .dat either way */
    const char *s1[] = {"sample", "--checkpoint", ck,  "--out",  png, "--count",
                        "4",      "--steps",      "5", "--seed", "3", NULL};
    const char *s2[] = {"sample", "--checkpoint", ck,  "--out",  png2, "--count",
                        "4",      "--steps",      "5", "--seed", "3",  NULL};
    int sig = 0, st = run(s1, out, &sig);
    int have_png = access(png, F_OK) == 0;
    if (st == 1 && strstr(out, "gnuplot"))
        SKIP("golu sample: no gnuplot with PNG on PATH (%s)", out);
    else
        CHECK(st == 0 && have_png && strstr(out, "4 images"), "sample: exit %d: %s", st,
              out);
    run(s2, out, &sig);
    char *a = slurp(dat), *b = slurp(dat2);
    CHECK(a && b && strcmp(a, b) == 0 && strlen(a) > 1000,
          "the same seed gives the same samples");
    free(b);
    s2[10] = "4";
    run(s2, out, &sig);
    b = slurp(dat2);
    CHECK(a && b && strcmp(a, b) != 0, "another seed, other samples");
    free(a);
    free(b);
    files_tmpdir_done(dir);
    return TEST_END();
}
