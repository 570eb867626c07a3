/*
 * test_train_safety.c - `golu train` under abuse (issue 15, part A), end to
 * end through the tool on tiny generated data:
 *
 *   - a checkpoint with one bad field (step negative, NaN or huge; an
 *     activation parameter the library refuses; a size out of its range;
 *     the optimizer at another step; the rows not those of the step) is
 *     refused on --resume, exit 2, naming the file and the key;
 *   - metrics.csv/json rows past the checkpoint are dropped on resume;
 *   - SIGTERM and SIGHUP stop a run as Ctrl-C does (a checkpoint, exit 3);
 *   - a second command on a directory in use is refused, naming the holder;
 *   - a FIFO or device given as a file argument is refused at once; a
 *     non-UTF-8 --data or --out path is refused before anything is created;
 *   - a configuration that needs more memory than the machine has is
 *     refused before allocating;
 *   - a run killed (SIGKILL) at several points, between a checkpoint's write
 *     and its rename included, then resumed, ends with the tensors and
 *     metrics of an uninterrupted run.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checkpoints.h"
#include "files.h"
#include "harness.h"
#include "io/lock.h"
#include "registry.h"
#include "tinydata.h"
#include "toolrun.h"

static char out[OUT_CAP];
static char dir[PATH_MAX - 256];
static char img[PATH_MAX], text[PATH_MAX];

static void path_in(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

static int expect(int status, const char *say, const char *const *args)
{
    return tool_expect(status, say, args, out);
}

/* A tiny MLP: 96 images, batch 16, so 6 steps an epoch, 12 in all. */
#define MLP_ARGS                                                                         \
    "train", "--model", "mlp", "--act", "golu", "--learn-act", "--data", img,            \
        "--epochs", "2", "--batch", "16", "--width", "16", "--threads", "1", "--quiet"

/* A tiny GPT: 8 steps, an evaluation every 4. */
#define GPT_ARGS                                                                         \
    "train", "--model", "gpt", "--act", "golu", "--layers", "1", "--heads", "2",         \
        "--width", "16", "--context", "16", "--batch", "4", "--steps", "8",              \
        "--eval-every", "4", "--eval-batches", "2", "--warmup", "2", "--data", text,     \
        "--threads", "1", "--quiet"

/* The number of lines of dir/name (-1: unreadable). */
static int lines_in(const char *d, const char *name)
{
    char *s = files_read_in(d, name);
    if (!s)
        return -1;
    int n = 0;
    for (const char *p = s; *p; p++)
        n += *p == '\n';
    free(s);
    return n;
}

/* ------------------------------------------------- resume validation --- */

typedef struct bad_case {
    const char *what;
    const char *key, *value; /* a metadata change, or NULL */
    const char *tensor;      /* or an F64 tensor's element, or NULL */
    long index;
    double x;
    const char *say; /* the key the message must name */
} bad_case;

/* Each case: the partial run's checkpoint with one change, resumed: exit 2,
 * the file and the key named, nothing trained. */
static void check_bad_cases(const char *model, const char *partial, const bad_case *cases,
                            int n)
{
    char src[PATH_MAX], d[PATH_MAX - 64], ck[PATH_MAX];
    snprintf(src, sizeof src, "%s/checkpoint.safetensors", partial);
    for (int i = 0; i < n; i++) {
        const bad_case *b = &cases[i];
        char name[64];
        snprintf(name, sizeof name, "bad-%s-%d", model, i);
        path_in(d, sizeof d, name);
        mkdir(d, 0777);
        snprintf(ck, sizeof ck, "%s/checkpoint.safetensors", d);
        if (checkpoints_edit(src, ck, b->key, b->value, b->tensor, b->index, b->x))
            continue;
        const char *args[] = {"train", "--resume", "--out", d, "--quiet", NULL};
        int sig, rc = run(args, out, &sig);
        CHECK(rc == 2, "%s %s: resume exited %d (signal %d), want 2:\n%s", model, b->what,
              rc, sig, out);
        CHECK(strstr(out, ck) && strstr(out, b->say),
              "%s %s: the message should name %s and %s:\n%s", model, b->what, ck, b->say,
              out);
        CHECK(lines_in(d, "metrics.csv") < 0, "%s %s: the refused resume wrote metrics",
              model, b->what);
    }
}

static void test_resume_validation(void)
{
    char part[PATH_MAX];
    path_in(part, sizeof part, "v-mlp");
    const char *mlp[] = {MLP_ARGS, "--stop-after=7", "--out", part, NULL};
    expect(3, NULL, mlp);
    static const bad_case MLP_CASES[] = {
        {"negative step", NULL, NULL, "run.state", 0, -5, "run.state step"},
        {"NaN step", NULL, NULL, "run.state", 0, NAN, "run.state step"},
        {"huge step", NULL, NULL, "run.state", 0, 9.2e18, "run.state step"},
        {"step past the end", NULL, NULL, "run.state", 0, 13, "run.state step"},
        {"fractional step", NULL, NULL, "run.state", 0, 7.5, "run.state step"},
        {"step without its rows", "optim.step", "12", "run.state", 0, 12, "run.metrics"},
        {"NaN sum", NULL, NULL, "run.state", 1, NAN, "run.state sum"},
        {"negative seconds", NULL, NULL, "run.state", 4, -1, "run.state seconds"},
        {"optimizer at another step", "optim.step", "6", NULL, 0, 0, "optim.step"},
        {"alpha NaN", "golu.act.alpha", "nan", NULL, 0, 0, "golu.act.alpha"},
        {"beta -1", "golu.act.beta", "-1", NULL, 0, 0, "golu.act.beta"},
        {"gamma 0", "golu.act.gamma", "0", NULL, 0, 0, "golu.act.gamma"},
        {"alpha text", "golu.act.alpha", "1x", NULL, 0, 0, "golu.act.alpha"},
        {"batch 0", "golu.batch", "0", NULL, 0, 0, "golu.batch"},
        {"width huge", "golu.width", "1000000000", NULL, 0, 0, "golu.width"},
        {"epochs negative", "golu.epochs", "-3", NULL, 0, 0, "golu.epochs"},
        {"lr NaN", "golu.lr", "nan", NULL, 0, 0, "golu.lr"},
        {"unknown activation", "golu.act", "tanhh", NULL, 0, 0, "golu.act"},
        {"unknown model", "golu.model", "cnn", NULL, 0, 0, "golu.model"},
    };
    check_bad_cases("mlp", part, MLP_CASES, sizeof MLP_CASES / sizeof MLP_CASES[0]);

    path_in(part, sizeof part, "v-gpt");
    const char *gpt[] = {GPT_ARGS, "--stop-after=3", "--out", part, NULL};
    expect(3, NULL, gpt);
    static const bad_case GPT_CASES[] = {
        {"negative step", NULL, NULL, "run.state", 0, -3, "run.state step"},
        {"huge step", NULL, NULL, "run.state", 0, 1e300, "run.state step"},
        {"context 0", "golu.context", "0", NULL, 0, 0, "golu.context"},
        {"heads huge", "golu.heads", "99999", NULL, 0, 0, "golu.heads"},
    };
    check_bad_cases("gpt", part, GPT_CASES, sizeof GPT_CASES / sizeof GPT_CASES[0]);
}

/* --------------------------------------------------- metrics on resume --- */

/* A partial run's metrics files replaced by a whole run's (as a kill after
 * the metrics write and before the checkpoint's would leave them): the
 * resume drops the rows past the checkpoint at once, and the run ends with
 * the whole run's rows. */
static void test_metrics_rewrite(void)
{
    char whole[PATH_MAX - 64], part[PATH_MAX - 64];
    path_in(whole, sizeof whole, "m-whole");
    path_in(part, sizeof part, "m-part");
    const char *a[] = {MLP_ARGS, "--out", whole, NULL};
    const char *b[] = {MLP_ARGS, "--stop-after=7", "--out", part, NULL};
    if (!expect(0, NULL, a) || !expect(3, NULL, b))
        return;
    static const char *const FILES[2] = {"metrics.csv", "metrics.json"};
    for (int k = 0; k < 2; k++) {
        char *s = files_read_in(whole, FILES[k]);
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", part, FILES[k]);
        CHECK(s && files_write(p, s, strlen(s)) == 0, "cannot copy %s", FILES[k]);
        free(s);
    }
    CHECK_EQ_INT(lines_in(part, "metrics.csv"), 3);
    const char *one[] = {"train", "--resume", "--out", part, "--stop-after=1", NULL};
    expect(3, "stopped at step 8/12", one);
    CHECK(lines_in(part, "metrics.csv") == 2,
          "after a resume at step 7 metrics.csv should hold a header and 1 row, not %d "
          "lines",
          lines_in(part, "metrics.csv"));
    char *json = files_read_in(part, "metrics.json");
    CHECK(json && strstr(json, "\"epoch\": 2") == NULL && strstr(json, "\"epoch\": 1"),
          "metrics.json should hold epoch 1 only:\n%s", json ? json : "(missing)");
    free(json);
    const char *rest[] = {"train", "--resume", "--out", part, "--quiet", NULL};
    expect(0, NULL, rest);
    CHECK_EQ_INT(lines_in(part, "metrics.csv"), 3);
}

/* ------------------------------------------------ background commands --- */

/* Starts `golu args...` in the background, stdout and stderr into log, with
 * a 120 s alarm; its pid (-1 when it could not start). */
static pid_t spawn(const char *const *args, const char *log)
{
    const char *argv[64];
    int n = 0;
    argv[n++] = tool;
    for (int i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (fd >= 0)
            dup2(fd, 1), dup2(fd, 2);
        alarm(120);
        execv(tool, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

/* Waits (up to 60 s) until dir/name has more than `lines` lines. */
static int wait_lines(const char *d, const char *name, int lines)
{
    for (int k = 0; k < 6000; k++) {
        if (lines_in(d, name) > lines)
            return 1;
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
    return CHECK(0, "%s/%s never grew past %d lines", d, name, lines);
}

/* ------------------------------------------------- locks and signals --- */

/* A long GPT run in the background holds its directory: a resume and a
 * fresh run beside it are refused at once naming its pid; SIGTERM then
 * stops it with a checkpoint and status 3, as Ctrl-C does; a resume takes
 * over, and SIGHUP stops that one the same way. */
static void test_lock_and_signals(void)
{
    char d[PATH_MAX - 64], log[PATH_MAX], ck[PATH_MAX], pid[32];
    path_in(d, sizeof d, "long");
    path_in(log, sizeof log, "long.log");
    snprintf(ck, sizeof ck, "%s/checkpoint.safetensors", d);
    const char *args[] = {GPT_ARGS, "--steps=1000000", "--eval-every=2", "--out", d,
                          NULL};
    pid_t bg = spawn(args, log);
    if (!CHECK(bg > 0, "cannot start a background run") ||
        !wait_lines(d, "metrics.csv", 1))
        goto stop;
    snprintf(pid, sizeof pid, "pid %ld", (long)bg);
    const char *resume[] = {"train", "--resume", "--out", d, "--quiet", NULL};
    expect(2, pid, resume);
    CHECK(strstr(out, "in use") && strstr(out, d), "the refusal should name %s:\n%s", d,
          out);
    const char *fresh[] = {MLP_ARGS, "--out", d, NULL};
    expect(2, pid, fresh);
    char *lock = files_read_in(d, ".golu.lock");
    CHECK(lock && strtol(lock, NULL, 10) == (long)bg,
          "the lock file holds '%s', want %ld", lock ? lock : "(none)", (long)bg);
    free(lock);
stop:
    if (bg <= 0)
        return;
    kill(bg, SIGTERM);
    int sig, rc = tool_reap(bg, &sig);
    char *said = files_read(log, NULL);
    CHECK(rc == 3 && said && strstr(said, "stopped at step"),
          "SIGTERM: the run exited %d (signal %d), want 3 with a checkpoint; it "
          "printed:\n%s",
          rc, sig, said ? said : "");
    free(said);
    CHECK(access(ck, R_OK) == 0 && files_temp_count(d) == 0,
          "after SIGTERM: a checkpoint and no temporary files in %s", d);
    int rows = lines_in(d, "metrics.csv");
    bg = spawn(resume, log);
    if (!wait_lines(d, "metrics.csv", rows)) {
        kill(bg, SIGKILL);
        tool_reap(bg, &sig);
        return;
    }
    kill(bg, SIGHUP);
    rc = tool_reap(bg, &sig);
    said = files_read(log, NULL);
    CHECK(rc == 3 && said && strstr(said, "stopped at step"),
          "SIGHUP: the resumed run exited %d (signal %d), want 3; it printed:\n%s", rc,
          sig, said ? said : "");
    free(said);
    const char *more[] = {"train", "--resume", "--out", d, "--stop-after=1", NULL};
    expect(3, "stopped at step", more);
}

static int exists_in(const char *name);

/* A directory this test process holds (io/lock.h) is refused by golu plot
 * and golu compare too, naming this pid. */
static void test_lock_other_commands(void)
{
    char d[PATH_MAX - 64], pid[32];
    path_in(d, sizeof d, "held");
    mkdir(d, 0777);
    nn_lock l;
    nn_err err = {""};
    if (!CHECK(nn_lock_take(&l, d, "--out", &err) == 0, "%s", err.msg))
        return;
    snprintf(pid, sizeof pid, "pid %ld", (long)getpid());
    const char *plot[] = {"plot", "--acts", "relu,golu", "--out", d, NULL};
    expect(2, pid, plot);
    const char *cmp[] = {"compare", "--preset", "quick", "--acts", "relu", "--seeds",
                         "1",       "--data",   img,     "--out",  d,      NULL};
    expect(2, pid, cmp);
    CHECK(!exists_in("held/compare.json") && !exists_in("held/runs"),
          "a refused compare wrote into %s", d);
    nn_lock_release(&l);
}

/* ------------------------------------------- compare's checkpoints --- */

/* A compare stopped in its first run finds in that run's folder a
 * checkpoint of another run (another model's, another seed's, another
 * activation's): refused, exit 2, naming the file and the key; with its
 * own checkpoint back it continues. */
static void test_compare_foreign_checkpoint(void)
{
    char cmp[PATH_MAX - 64], ck[PATH_MAX], keep[PATH_MAX], other[PATH_MAX];
    path_in(cmp, sizeof cmp, "cmp");
    const char *args[] = {"compare",   "--preset", "quick",    "--acts", "relu",
                          "--seeds",   "1",        "--epochs", "1",      "--batch",
                          "16",        "--data",   img,        "--out",  cmp,
                          "--threads", "1",        NULL,       NULL};
    const int n = 17;
    args[n] = "--stop-after=2";
    if (!expect(3, NULL, args))
        return;
    args[n] = NULL;
    snprintf(ck, sizeof ck, "%s/runs/relu-s1/checkpoint.safetensors", cmp);
    path_in(keep, sizeof keep, "relu-s1.safetensors");
    path_in(other, sizeof other, "v-mlp/checkpoint.safetensors");
    if (!CHECK(rename(ck, keep) == 0, "cannot move %s", ck))
        return;
    size_t len;
    char *foreign = files_read(other, &len);
    CHECK(foreign && files_write(ck, foreign, len) == 0, "cannot copy %s", other);
    free(foreign);
    expect(2, ck, args);
    CHECK(strstr(out, "golu.") && strstr(out, "another run"),
          "the refusal should name the key that differs:\n%s", out);
    static const char *const EDITS[][3] = {{"golu.seed", "2", "golu.seed"},
                                           {"golu.act", "gelu", "golu.act"},
                                           {"golu.lr", "0.5", "golu.lr"}};
    for (int k = 0; k < 3; k++) {
        if (checkpoints_edit(keep, ck, EDITS[k][0], EDITS[k][1], NULL, 0, 0))
            continue;
        expect(2, ck, args);
        CHECK(strstr(out, EDITS[k][2]) != NULL, "the refusal should name %s:\n%s",
              EDITS[k][2], out);
    }
    CHECK(rename(keep, ck) == 0, "cannot restore %s", ck);
    expect(0, "relu", args);
}

/* ------------------------------------------------- file arguments --- */

/* 1 when dir/name exists. */
static int exists_in(const char *name)
{
    char p[PATH_MAX];
    struct stat st;
    path_in(p, sizeof p, name);
    return lstat(p, &st) == 0;
}

/* A FIFO or device as --data, --checkpoint or a resumed checkpoint is
 * refused at once (exit 2, the path named); a checkpoint with a 4 GiB sparse
 * tail is refused before it is read; a --data or --out path that is not
 * UTF-8 is refused (exit 2, the flag named) before anything is created. */
static void test_file_args(void)
{
    char fifo[PATH_MAX], d[PATH_MAX - 64], ck[PATH_MAX], big[PATH_MAX], o[PATH_MAX];
    path_in(fifo, sizeof fifo, "fifo");
    path_in(o, sizeof o, "f-out");
    if (!CHECK(mkfifo(fifo, 0666) == 0, "mkfifo %s", fifo))
        return;
    const char *gpt[] = {"train", "--model", "gpt", "--data", fifo, "--out", o, NULL};
    expect(2, "FIFO", gpt);
    CHECK(strstr(out, fifo) != NULL, "the refusal should name %s:\n%s", fifo, out);
    const char *dev[] = {"train",     "--model", "gpt", "--data",
                         "/dev/zero", "--out",   o,     NULL};
    expect(2, "/dev/zero: cannot read: it is a character device", dev);
    const char *ev[] = {"eval", "--checkpoint", fifo, NULL};
    expect(2, "FIFO", ev);
    CHECK(!exists_in("f-out"), "a refused run created %s", o);
    path_in(d, sizeof d, "f-resume");
    snprintf(ck, sizeof ck, "%s/checkpoint.safetensors", d);
    mkdir(d, 0777);
    CHECK(mkfifo(ck, 0666) == 0, "mkfifo %s", ck);
    const char *resume[] = {"train", "--resume", "--out", d, NULL};
    expect(2, "FIFO", resume);
    /* a valid checkpoint with a sparse 4 GiB tail */
    char src[PATH_MAX];
    path_in(src, sizeof src, "v-mlp/checkpoint.safetensors");
    path_in(big, sizeof big, "big.safetensors");
    size_t len;
    char *bytes = files_read(src, &len);
    int fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    CHECK(bytes && fd >= 0 && write(fd, bytes, len) == (ssize_t)len &&
              ftruncate(fd, (off_t)4 << 30) == 0,
          "cannot make %s", big);
    free(bytes);
    if (fd >= 0)
        close(fd);
    const char *ev_big[] = {"eval", "--checkpoint", big, NULL};
    expect(2, big, ev_big);
    CHECK(strstr(out, "not read") || strstr(out, "available memory"),
          "a 4 GiB checkpoint should be refused before it is read:\n%s", out);
    remove(big);
    /* paths JSON cannot hold */
    char bad[PATH_MAX], badout[PATH_MAX];
    path_in(bad, sizeof bad, "img\xff");
    path_in(badout, sizeof badout, "out\xfe");
    CHECK(symlink(img, bad) == 0, "symlink %s", bad);
    const char *u1[] = {"train", "--model", "mlp", "--data", bad, "--out", o, NULL};
    expect(2, "--data: the path is not valid UTF-8", u1);
    const char *u2[] = {"train", "--model", "mlp", "--data", img, "--out", badout, NULL};
    expect(2, "--out: the path is not valid UTF-8", u2);
    char cmpout[PATH_MAX];
    path_in(cmpout, sizeof cmpout, "f-cmp");
    const char *u3[] = {"compare", "--preset", "quick", "--data",
                        bad,       "--out",    cmpout,  NULL};
    expect(2, "--data: the path is not valid UTF-8", u3);
    CHECK(!exists_in("f-out") && !exists_in("out\xfe") && !exists_in("f-cmp"),
          "a refused command created its --out");
}

/* ----------------------------------------------------------- memory --- */

/* A 200-billion-parameter GPT is refused before it is allocated, exit 2,
 * saying how much it needs; nothing is created. */
static void test_memory(void)
{
    char o[PATH_MAX];
    path_in(o, sizeof o, "huge");
    const char *args[] = {"train", "--model", "gpt", "--layers", "1000", "--width",
                          "4096",  "--data",  text,  "--out",    o,      NULL};
    expect(2, "this configuration needs", args);
    CHECK(strstr(out, "GB") && strstr(out, "available"), "the refusal:\n%s", out);
    CHECK(!exists_in("huge"), "a refused run created %s", o);
    /* golu eval of a checkpoint whose configuration claims a 270-billion-
     * parameter MLP: refused before the model is allocated */
    char src[PATH_MAX], a[PATH_MAX], b[PATH_MAX];
    path_in(src, sizeof src, "v-mlp/checkpoint.safetensors");
    path_in(a, sizeof a, "wide.safetensors");
    path_in(b, sizeof b, "huge.safetensors");
    if (checkpoints_edit(src, a, "golu.width", "65536", NULL, 0, 0) ||
        checkpoints_edit(a, b, "golu.depth", "64", NULL, 0, 0))
        return;
    const char *ev[] = {"eval", "--checkpoint", b, NULL};
    expect(2, "this configuration needs", ev);
}

/* ------------------------------------------------ crash consistency --- */

/* dir/metrics.csv without its "seconds" column (malloc'd; NULL: none). */
static char *csv_without_seconds(const char *d)
{
    char *s = files_read_in(d, "metrics.csv");
    if (!s)
        return NULL;
    int skip = -1, col = 0;
    for (const char *p = s; *p && *p != '\n'; p++) /* the header's columns */
        if (*p == ',')
            col++;
        else if (strncmp(p, "seconds", 7) == 0 && (p == s || p[-1] == ','))
            skip = col;
    char *o = malloc(strlen(s) + 1), *w = o;
    col = 0;
    for (const char *p = s; o && *p; p++) {
        if (*p == '\n')
            col = -1;
        else if (*p == ',' && ++col == skip)
            continue;
        if (col != skip || *p == '\n')
            *w++ = *p;
        if (col == -1)
            col = 0;
    }
    if (w)
        *w = '\0';
    free(s);
    return o;
}

/*
 * The run of args killed with SIGKILL just before its n-th rename (the
 * test-only GOLU_TEST_KILL_BEFORE_RENAME), for n = 1, 2, ... until a run
 * gets through: each killed run is taken up again (resumed where it has a
 * checkpoint, started again where the kill came before the first one) and
 * must end with the whole run's tensors and metrics (times aside) and no
 * temporary file left. Returns the number of kill points tried.
 */
static int check_crashes(const char *model, const char *const *args, const char *whole)
{
    char ckw[PATH_MAX], d[PATH_MAX - 64], ck[PATH_MAX], name[64];
    snprintf(ckw, sizeof ckw, "%s/checkpoint.safetensors", whole);
    char *want = csv_without_seconds(whole);
    int n;
    for (n = 1; n <= 24; n++) {
        snprintf(name, sizeof name, "crash-%s-%d", model, n);
        path_in(d, sizeof d, name);
        snprintf(ck, sizeof ck, "%s/checkpoint.safetensors", d);
        const char *argv[48];
        int k = 0;
        for (; args[k]; k++)
            argv[k] = args[k];
        argv[k++] = "--out", argv[k++] = d, argv[k] = NULL;
        char count[16];
        snprintf(count, sizeof count, "%d", n);
        setenv("GOLU_TEST_KILL_BEFORE_RENAME", count, 1);
        int sig, rc = run(argv, out, &sig);
        unsetenv("GOLU_TEST_KILL_BEFORE_RENAME");
        if (rc == 0)
            break; /* no n-th rename: every point was tried */
        if (!CHECK(rc == -1 && sig == SIGKILL, "%s: kill %d: exited %d (signal %d):\n%s",
                   model, n, rc, sig, out))
            continue;
        CHECK(files_temp_count(d) == 1, "%s: kill %d should leave one temporary file",
              model, n);
        const char *resume[] = {"train", "--resume", "--out", d, "--quiet", NULL};
        if (access(ck, R_OK) == 0)
            tool_expect(0, NULL, resume, out);
        else
            tool_expect(0, NULL, argv, out);
        char what[96];
        snprintf(what, sizeof what, "%s killed before rename %d", model, n);
        checkpoints_compare(what, ckw, ck, nn_model_find(model)->tasks[0]);
        char *got = csv_without_seconds(d);
        CHECK(want && got && strcmp(want, got) == 0, "%s: metrics.csv\n%s\nwant\n%s",
              what, got ? got : "(none)", want ? want : "(none)");
        free(got);
        CHECK(files_temp_count(d) == 0, "%s: temporary files left in %s", what, d);
    }
    free(want);
    return n - 1;
}

static void test_crash_consistency(void)
{
    char whole[PATH_MAX - 64];
    path_in(whole, sizeof whole, "m-whole"); /* test_metrics_rewrite's */
    const char *mlp[] = {MLP_ARGS, NULL};
    int points = check_crashes("mlp", mlp, whole);
    /* a checkpoint at the start, metrics.csv, metrics.json and the
     * checkpoint at each of the 2 epochs' ends, summary.json */
    CHECK(points == 8, "mlp: %d kill points, want 8", points);
    path_in(whole, sizeof whole, "g-whole");
    const char *gpt[] = {GPT_ARGS, "--dropout", "0.1", NULL};
    const char *gw[] = {GPT_ARGS, "--dropout", "0.1", "--out", whole, NULL};
    if (!expect(0, NULL, gw))
        return;
    points = check_crashes("gpt", gpt, whole);
    CHECK(points == 8, "gpt: %d kill points, want 8", points);
}

int main(int argc, char **argv)
{
    (void)argc;
    TEST_BEGIN("train_safety");
    find_tool(argv[0]);
    if (files_tmpdir_make(dir, sizeof dir, "golu-safety-"))
        return TEST_END();
    if (!CHECK(tinydata_make(dir) == 0, "cannot write the test data in %s", dir))
        return TEST_END();
    snprintf(img, sizeof img, "%s/img", dir);
    path_in(text, sizeof text, "text.txt");
    test_resume_validation();
    test_metrics_rewrite();
    test_lock_and_signals();
    test_compare_foreign_checkpoint();
    test_lock_other_commands();
    test_file_args();
    test_memory();
    test_crash_consistency();
    files_tmpdir_done(dir);
    return TEST_END();
}
