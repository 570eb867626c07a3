/*
 * test_fault.c - every result file of every command, made to fail to be
 * written (issue 15, defect 4): the LD_PRELOAD shim tests/fault/fault.c
 * fails the open, a write, the fsync, the close or the rename of that file
 * with ENOSPC or EIO. Each case asserts that the fault fired, that the
 * command exits non-zero (not by a signal) with a message naming the file
 * and without its success line, that the file is as it was before the
 * command (byte-equal, or still absent) and that no temporary file is left.
 * For compare, a run whose file failed is not counted done: the same
 * command again trains it and succeeds. ulp, bench and eval write to the
 * standard output: sent to /dev/full they exit non-zero too.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "files.h"
#include "harness.h"
#include "tinydata.h"
#include "toolrun.h"

static char out[OUT_CAP];
static char root[PATH_MAX - 512], img[PATH_MAX], shim[PATH_MAX], flog[PATH_MAX];
static int cases;

static const char *const OPS[5] = {"open", "write", "fsync", "close", "rename"};

/* A command line: args, then "--out DIR" appended unless no_out. */
typedef struct {
    const char *name;        /* for messages */
    const char *const *args; /* NULL-terminated, without --out */
    const char *success;     /* text only a success prints */
} command;

static int run_in(const command *c, const char *dir, const char *extra, char *said)
{
    const char *argv[40];
    int n = 0, sig = 0;
    for (int i = 0; c->args[i]; i++)
        argv[n++] = c->args[i];
    if (extra)
        argv[n++] = extra;
    argv[n++] = "--out";
    argv[n++] = dir;
    argv[n] = NULL;
    int rc = run(argv, said, &sig);
    return rc == -1 ? -100 - sig : rc;
}

static void fault_env(const char *op, const char *file, int k)
{
    char glob[PATH_MAX + 8];
    snprintf(glob, sizeof glob, "*/%s*", file);
    setenv("LD_PRELOAD", shim, 1);
    setenv("GOLU_FAULT_CALL", op, 1);
    setenv("GOLU_FAULT_PATH", glob, 1);
    setenv("GOLU_FAULT_ERRNO", k % 2 ? "EIO" : "ENOSPC", 1);
    setenv("GOLU_FAULT_LOG", flog, 1);
    remove(flog);
}

static void fault_clear(void)
{
    unsetenv("LD_PRELOAD");
    unsetenv("GOLU_FAULT_CALL");
}

/* Copies the regular files of src (one level) into dst (made). */
static void copy_flat(const char *src, const char *dst)
{
    char cmd[3 * PATH_MAX];
    snprintf(cmd, sizeof cmd, "cp -R '%s' '%s'", src, dst);
    CHECK(system(cmd) == 0, "%s failed", cmd);
}

/*
 * One case: dir holds the state before (made by the caller); the command
 * runs with op failing on file (a path under dir, relative); the checks.
 * removed: the file must be gone afterwards (a PNG gnuplot wrote short: the
 * tool removes it) instead of as it was.
 */
static void case_run(const command *c, const char *dir, const char *file, const char *op,
                     int k, int removed)
{
    char path[2 * PATH_MAX], sub[2 * PATH_MAX], what[256];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    snprintf(what, sizeof what, "%s: %s of %s", c->name, op, file);
    size_t before_n = 0;
    char *before = files_read(path, &before_n);
    fault_env(op, file, k);
    int rc = run_in(c, dir, NULL, out);
    fault_clear();
    cases++;
    char *fired = files_read(flog, NULL);
    if (!CHECK(fired && fired[0], "%s: the fault never fired (output:\n%s)", what, out)) {
        free(fired);
        free(before);
        return;
    }
    free(fired);
    const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    CHECK(rc > 0, "%s: exit status %d, want a failure (output:\n%s)", what, rc, out);
    CHECK(strstr(out, base) != NULL, "%s: the message does not name %s:\n%s", what, base,
          out);
    CHECK(strstr(out, c->success) == NULL, "%s: printed its success line:\n%s", what,
          out);
    size_t after_n = 0;
    char *after = files_read(path, &after_n);
    if (removed)
        CHECK(after == NULL, "%s: the broken %s was not removed", what, path);
    else if (before)
        CHECK(after && after_n == before_n && memcmp(after, before, after_n) == 0,
              "%s: %s changed though its write failed", what, path);
    else
        CHECK(after == NULL, "%s: %s exists though its write failed", what, path);
    free(before);
    free(after);
    snprintf(sub, sizeof sub, "%s", path);
    char *slash = strrchr(sub, '/');
    if (slash)
        *slash = '\0';
    CHECK(files_temp_count(sub) == 0, "%s: temporary files left in %s", what, sub);
}

/* case_run for a file the tool writes itself (atomically). */
static void one_case(const command *c, const char *dir, const char *file, const char *op,
                     int k)
{
    case_run(c, dir, file, op, k, 0);
}

/* 1 when a real gnuplot drew the plots (test_compare finds out). */
static int have_gnuplot;

/* ------------------------------------------------------------- train --- */

static const char *const TRAIN[] = {
    "train", "--model",   "mlp", "--act",   "golu", "--data",
    img,     "--epochs",  "2",   "--batch", "16",   "--width",
    "16",    "--threads", "1",   "--quiet", NULL};
static const char *const RESUME[] = {"train", "--resume", "--quiet", NULL};
static const char *const TRAIN_FILES[] = {"checkpoint.safetensors", "metrics.csv",
                                          "metrics.json", "summary.json"};

static void test_train(void)
{
    command fresh = {"train", TRAIN, "results in"};
    command resume = {"train --resume", RESUME, "results in"};
    char dir[PATH_MAX], tmpl[PATH_MAX];
    snprintf(tmpl, sizeof tmpl, "%s/train-stopped", root);
    CHECK(run_in(&fresh, tmpl, "--stop-after=5", out) == 3, "a stopped run:\n%s", out);
    int k = 0;
    for (int f = 0; f < 4; f++)
        for (int o = 0; o < 5; o++, k++) {
            snprintf(dir, sizeof dir, "%s/train-%d", root, k);
            one_case(&fresh, dir, TRAIN_FILES[f], OPS[o], k);
            snprintf(dir, sizeof dir, "%s/resume-%d", root, k);
            copy_flat(tmpl, dir);
            one_case(&resume, dir, TRAIN_FILES[f], OPS[o], k);
        }
}

/* ----------------------------------------------------------- compare --- */

static const char *const COMPARE[] = {
    "compare", "--preset", "quick", "--acts", "relu,golu", "--seeds",   "1", "--epochs",
    "1",       "--batch",  "16",    "--data", img,         "--threads", "1", NULL};

static void test_compare(void)
{
    command c = {"compare", COMPARE, "Ranking:"};
    static const char *const run_files[] = {
        "runs/golu-s1/checkpoint.safetensors", "runs/golu-s1/metrics.csv",
        "runs/golu-s1/metrics.json", "runs/golu-s1/summary.json", "compare.json"};
    static const char *const report_files[] = {
        "results.md",       "results.csv",          "results.json",
        "plots/curves.dat", "plots/curves.gp",      "plots/final.dat",
        "plots/final.gp",   "plots/train_loss.dat", "plots/train_loss.gp",
        "plots/final.png",  "plots/curves.png",     "plots/train_loss.png"};
    char dir[PATH_MAX], done[PATH_MAX];
    int k = 0;
    /* A run's files: the compare fails; run again, it trains that run. */
    for (int f = 0; f < 5; f++)
        for (int j = 0; j < 2; j++, k++) {
            const char *op = OPS[(f + 2 * j) % 5];
            snprintf(dir, sizeof dir, "%s/compare-%d", root, k);
            one_case(&c, dir, run_files[f], op, k);
            if (f == 4)
                continue;
            int rc = run_in(&c, dir, NULL, out);
            CHECK(rc == 0 && strstr(out, "golu seed 1: test acc") != NULL,
                  "compare after a failed %s of %s: the run was not trained again "
                  "(exit %d):\n%s",
                  op, run_files[f], rc, out);
        }
    /* The report's files: a finished compare given again keeps its files. */
    snprintf(done, sizeof done, "%s/compare-done", root);
    CHECK(run_in(&c, done, NULL, out) == 0, "compare:\n%s", out);
    have_gnuplot = strstr(out, "plots: not drawn") == NULL;
    if (!have_gnuplot)
        SKIP("gnuplot with PNG output is not installed: the faults in the PNGs gnuplot "
             "writes are not tried (test_fake_gnuplot still checks a short PNG)");
    for (size_t f = 0; f < sizeof report_files / sizeof *report_files; f++)
        for (int j = 0; j < 2; j++, k++) {
            int png = strstr(report_files[f], ".png") != NULL;
            if (png && !have_gnuplot)
                continue;
            /* gnuplot writes a PNG itself: a failed open is its error; a
             * failed write it ignores, and the tool finds the PNG short
             * and removes it */
            const char *op = png ? (j ? "write" : "open") : OPS[(f + 2 * j) % 5];
            snprintf(dir, sizeof dir, "%s/compare-%d", root, k);
            copy_flat(done, dir);
            case_run(&c, dir, report_files[f], op, k, png && j);
        }
}

/* --------------------------------------------------- variance, plot ---- */

static void test_analysis(void)
{
    static const char *const variance[] = {"variance", "--data", img,
                                           "--stats",  "8",      NULL};
    static const char *const plot[] = {"plot", NULL};
    command v = {"variance", variance, "variance.json, variance.png"};
    command p = {"plot", plot, "wrote "};
    static const char *const vfiles[] = {"variance.md", "variance.csv", "variance.json",
                                         "variance.dat", "variance.gp"};
    static const char *const pfiles[] = {"curves.dat", "curves.gp"};
    char dir[PATH_MAX], tmpl[PATH_MAX], tmpl_v[PATH_MAX];
    snprintf(tmpl_v, sizeof tmpl_v, "%s/variance-done", root);
    CHECK(run_in(&v, tmpl_v, NULL, out) == 0, "variance:\n%s", out);
    for (int f = 0; f < 5; f++)
        for (int j = 0; j < 2; j++) {
            snprintf(dir, sizeof dir, "%s/variance-%d-%d", root, f, j);
            copy_flat(tmpl_v, dir);
            one_case(&v, dir, vfiles[f], OPS[(f + 2 * j) % 5], f + j);
        }
    snprintf(tmpl, sizeof tmpl, "%s/plot-done", root);
    CHECK(run_in(&p, tmpl, NULL, out) == 0, "plot:\n%s", out);
    for (int f = 0; f < 2; f++)
        for (int o = 0; o < 5; o++) {
            snprintf(dir, sizeof dir, "%s/plot-%d-%d", root, f, o);
            copy_flat(tmpl, dir);
            one_case(&p, dir, pfiles[f], OPS[o], o);
        }
    if (!have_gnuplot)
        return;
    snprintf(dir, sizeof dir, "%s/variance-png", root);
    copy_flat(tmpl_v, dir);
    case_run(&v, dir, "variance.png", "write", 1, 1);
    snprintf(dir, sizeof dir, "%s/plot-png", root);
    copy_flat(tmpl, dir);
    case_run(&p, dir, "gates.png", "write", 0, 1);
}

/*
 * A gnuplot on PATH that exits 0 after writing only the PNG signature to
 * each output of its script (what a full disk leaves): golu plot fails,
 * naming the first PNG, prints no success line and leaves no broken PNG.
 */
static void test_fake_gnuplot(void)
{
    static const char fake[] =
        "#!/bin/sh\n"
        "case \"$*\" in *'set terminal'*) echo '   png    PNG images'; exit 0 ;; esac\n"
        "d=$(dirname \"$1\")\n"
        "sed -n \"s/^set output d\\.[\\\"']\\([^\\\"']*\\)[\\\"'].*/\\1/p\" \"$1\" |\n"
        "    while read -r f; do printf '\\211PNG\\r\\n\\032\\n' > \"$d/$f\"; done\n";
    char bin[PATH_MAX], gp[PATH_MAX + 16], dir[PATH_MAX], path[PATH_MAX + 32];
    snprintf(bin, sizeof bin, "%s/fakebin", root);
    snprintf(gp, sizeof gp, "%s/gnuplot", bin);
    FILE *f = mkdir(bin, 0777) == 0 ? fopen(gp, "w") : NULL;
    if (!CHECK(f && fputs(fake, f) >= 0 && fclose(f) == 0 && chmod(gp, 0755) == 0,
               "cannot write %s", gp))
        return;
    const char *old = getenv("PATH");
    char *saved = strdup(old ? old : "/usr/bin:/bin");
    char path_env[PATH_MAX + 4096];
    snprintf(path_env, sizeof path_env, "%s:%s", bin, saved);
    setenv("PATH", path_env, 1);
    static const char *const plot[] = {"plot", NULL};
    command p = {"plot (fake gnuplot)", plot, "wrote "};
    snprintf(dir, sizeof dir, "%s/plot-fake", root);
    int rc = run_in(&p, dir, NULL, out);
    setenv("PATH", saved, 1);
    free(saved);
    cases++;
    CHECK(rc == 1, "plot with PNGs written short: exit %d, want 1:\n%s", rc, out);
    CHECK(strstr(out, "activations.png") && strstr(out, "did not write"),
          "plot with PNGs written short: the message does not name the PNG:\n%s", out);
    CHECK(strstr(out, p.success) == NULL,
          "plot with PNGs written short: success line:\n%s", out);
    static const char *const pngs[] = {"activations.png", "derivatives.png", "gates.png"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, pngs[i]);
        CHECK(access(path, F_OK) != 0, "plot with PNGs written short: %s left", path);
    }
}

/* ----------------------------------------------------- standard output - */

static void test_stdout(void)
{
    static const char *const cmds[] = {
        "ulp --act relu --dtype bf16",
        "ulp --act golu --dtype f16 --json",
        "bench --act relu --dir fwd --sizes 4Ki --threads 1 --min-time 0.01",
        "info",
    };
    char cmd[2 * PATH_MAX + 512], err[PATH_MAX];
    snprintf(err, sizeof err, "%s/stderr.txt", root);
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++) {
        snprintf(cmd, sizeof cmd, "'%s' %s > /dev/full 2> '%s'", tool, cmds[i], err);
        int st = system(cmd);
        cases++;
        char *said = files_read(err, NULL);
        CHECK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 1,
              "golu %s > /dev/full: exit status %d, want 1", cmds[i],
              st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        CHECK(said && strstr(said, "cannot write the standard output"),
              "golu %s > /dev/full: no message (%s)", cmds[i], said ? said : "");
        free(said);
    }
}

int main(int argc, char **argv)
{
    (void)argc;
    TEST_BEGIN("test_fault");
    find_tool(argv[0]);
    snprintf(shim, sizeof shim, "%s", tool);
    char *slash = strrchr(shim, '/');
    snprintf(slash ? slash + 1 : shim,
             sizeof shim - (size_t)(slash ? slash + 1 - shim : 0),
             "tests/fault/libfault.so");
    if (access(shim, R_OK) != 0) {
        CHECK(0, "%s is missing (make tests builds it)", shim);
        return TEST_END();
    }
    /* An ASan build's tool with the shim preloaded before its runtime. */
    const char *asan = getenv("ASAN_OPTIONS");
    char aopt[1024];
    snprintf(aopt, sizeof aopt, "%s%sverify_asan_link_order=0", asan ? asan : "",
             asan && *asan ? ":" : "");
    setenv("ASAN_OPTIONS", aopt, 1);
    if (files_tmpdir_make(root, sizeof root, "golu-fault-"))
        return TEST_END();
    char data[PATH_MAX - 64];
    snprintf(data, sizeof data, "%s/data", root);
    snprintf(img, sizeof img, "%s/img", data);
    snprintf(flog, sizeof flog, "%s/fault.log", root);
    if (!CHECK(mkdir(data, 0777) == 0 && tinydata_make(data) == 0, "tiny data"))
        return TEST_END();
    test_train();
    test_compare();
    test_analysis();
    test_fake_gnuplot();
    test_stdout();
    printf("test_fault: %d failed writes injected\n", cases);
    files_tmpdir_done(root);
    return TEST_END();
}
