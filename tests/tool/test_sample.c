/*
 * test_sample.c - `golu sample` end to end on tiny data: a tiny
 * `--model unet --task diffusion` run, then its samples as a PNG (with the
 * .dat and .gp beside it; the same seed gives the same .dat, another seed
 * another); a tiny `--model unet` (segment) run, then its test scenes
 * beside the predicted and true label maps as a PNG (signature, IEND; the
 * .dat's colours: black background, the truth's garments coloured); every
 * refusal exits 2 naming its flag: no checkpoint, an --out that is not a
 * .png, an mlp checkpoint, more --steps than the run's T, --steps of a
 * segment checkpoint, an unknown option. And `golu train --task`'s
 * refusals: a task the model does not learn, an unknown one, with
 * --resume.
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

/* 1 when path is a whole PNG: its signature first, its IEND chunk last. */
static int whole_png(const char *path)
{
    static const unsigned char iend[12] = {0,   0,   0,    0,    'I',  'E',
                                           'N', 'D', 0xae, 0x42, 0x60, 0x82};
    unsigned char head[8], tail[12];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    int ok = fread(head, 1, 8, f) == 8 && fseek(f, -12, SEEK_END) == 0 &&
             fread(tail, 1, 12, f) == 12;
    fclose(f);
    return ok && memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(tail, iend, 12) == 0;
}

/* The segment PNG's data: rows "x y r g b"; counts the black pixels and
 * those of another colour than black, white (the gaps) or grey. */
static void count_colours(const char *dat, long *black, long *coloured)
{
    *black = *coloured = 0;
    FILE *f = fopen(dat, "r");
    int x, y;
    unsigned r, g, b;
    while (f && fscanf(f, "%d %d %u %u %u", &x, &y, &r, &g, &b) == 5) {
        *black += r == 0 && g == 0 && b == 0;
        *coloured += !(r == g && g == b);
    }
    if (f)
        fclose(f);
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
        "train", "--model",     "unet", "--task",        "diffusion", "--data",
        img,     "--depth",     "2",    "--width",       "4",         "--batch",
        "4",     "--epochs",    "1",    "--limit-train", "8",         "--limit-test",
        "4",     "--timesteps", "20",   "--threads",     "1",         "--quiet",
        "--out", ddpm,          NULL};
    if (!expect(0, "test loss", tr))
        return TEST_END();
    /* --task refused: not the model's, unknown, or with --resume */
    const char *t1[] = {"train",     "--model", "mlp", "--task",
                        "diffusion", "--out",   dir,   NULL};
    expect(2, "--task: the mlp model does not learn 'diffusion' (its tasks: images)", t1);
    const char *t2[] = {"train", "--model", "unet", "--task=text", "--out", dir, NULL};
    expect(2,
           "--task: the unet model does not learn 'text' (its tasks: segment or "
           "diffusion)",
           t2);
    const char *t3[] = {"train", "--resume", "--task", "segment", "--out", ddpm, NULL};
    expect(2, "--task: --resume takes the task from the checkpoint", t3);
    const char *t4[] = {"train", "--model", "ddpm", "--out", dir, NULL};
    expect(2, "--model: unknown model 'ddpm'", t4);
    const char *tu[] = {
        "train", "--model",       "unet",  "--data",       img, "--depth",
        "2",     "--width",       "4",     "--batch",      "4", "--epochs",
        "1",     "--limit-train", "8",     "--limit-test", "4", "--threads",
        "1",     "--quiet",       "--out", unet,           NULL};
    expect(0, "test mIoU", tu);
    char mlp[PATH_MAX - 64], mck[PATH_MAX];
    snprintf(mlp, sizeof mlp, "%s/mlp", dir);
    snprintf(mck, sizeof mck, "%s/checkpoint.safetensors", mlp);
    const char *tm[] = {
        "train", "--model",   "mlp", "--data",        img,     "--width",
        "4",     "--batch",   "8",   "--limit-train", "8",     "--limit-test",
        "4",     "--threads", "1",   "--quiet",       "--out", mlp,
        NULL};
    expect(0, "test acc", tm);
    /* refusals */
    const char *none[] = {"sample", "--out", png, NULL};
    expect(2, "--checkpoint: required", none);
    const char *notpng[] = {"sample", "--checkpoint", ck, "--out", dat, NULL};
    expect(2, "--out", notpng);
    const char *wrong[] = {"sample", "--checkpoint", mck, "--out", png, NULL};
    expect(2, "checkpoint of mlp (images); golu sample needs one of --model unet", wrong);
    const char *segsteps[] = {"sample", "--checkpoint", uck, "--out",
                              png,      "--steps",      "3", NULL};
    expect(2, "--steps: only for a checkpoint of --task diffusion", segsteps);
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
    /* the segment checkpoint: scenes, predicted and true label maps */
    char spng[PATH_MAX], sdat[PATH_MAX];
    snprintf(spng, sizeof spng, "%s/seg.png", dir);
    snprintf(sdat, sizeof sdat, "%s/seg.dat", dir);
    const char *sg[] = {"sample", "--checkpoint", uck, "--out",
                        spng,     "--count",      "3", NULL};
    st = run(sg, out, &sig);
    if (st == 1 && strstr(out, "gnuplot"))
        SKIP("golu sample (segment): no gnuplot with PNG on PATH (%s)", out);
    else
        CHECK(st == 0 && whole_png(spng) && strstr(out, "3 test scenes"),
              "segment sample: exit %d, a whole PNG: %s", st, out);
    long black, coloured;
    count_colours(sdat, &black, &coloured);
    /* 3 rows of 3 panels of 64x64 with 1-pixel gaps: 194 x 194 */
    long lines = 0;
    FILE *f = fopen(sdat, "r");
    for (int ch; f && (ch = fgetc(f)) != EOF;)
        lines += ch == '\n';
    if (f)
        fclose(f);
    CHECK(lines == 194L * 194 && black > 1000 && coloured > 100,
          "segment .dat: %ld pixels (want 194x194), %ld black, %ld coloured", lines,
          black, coloured);
    files_tmpdir_done(dir);
    return TEST_END();
}
