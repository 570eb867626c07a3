/*
 * test_mpi.c - golu train and golu compare under Open MPI, end to end on
 * tiny generated data: `mpirun -np 2 --oversubscribe golu ...` (two
 * processes on the 2-core test machine). Skipped, saying why, when mpirun
 * is not on the PATH or the tool was built without MPI (golu info). Open
 * MPI refuses to run as root unless told: the test sets
 * OMPI_ALLOW_RUN_AS_ROOT=1 and OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1. Under a
 * sanitizer build, the processes mpirun starts run without LeakSanitizer
 * (ASAN_OPTIONS=detect_leaks=0): Open MPI leaves memory allocated at
 * MPI_Finalize, in components it has unloaded (their stacks cannot be
 * named in a suppression); every other sanitizer check stays on, and the
 * shares' code is leak-checked through the library by test_train_shares.
 *
 *   - -np 2 gives the checkpoint (weights, optimizer state, metrics) of
 *     --accum 2 in one process, bit for bit: mlp, resnet (BatchNorm), gpt
 *     (dropout);
 *   - a run stopped under MPI resumes under MPI, and one written by two
 *     processes resumes in one: both end where the uninterrupted run did;
 *     one of 2 shares of batch 6 resumes on -np 3 in 3 shares (said, and
 *     saved), and is refused on -np 4 (--batch named);
 *   - a distributed compare gives one process's results.csv (but for the
 *     seconds column); one stopped under MPI continues without MPI to the
 *     same results;
 *   - refusals: a batch the processes do not divide (--batch named), and
 *     processes given different configurations (mpirun's MPMD form);
 *   - a process killed (kill -9) mid-run ends the job with a non-zero exit;
 *     the last checkpoint is intact and resumes.
 */
#include <dirent.h>
#include <fcntl.h>
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
#include "registry.h"
#include "tinydata.h"
#include "toolrun.h"

static char out[OUT_CAP];
static char dir[PATH_MAX - 256];
static char golu[PATH_MAX], mpirun[PATH_MAX];
static char img[PATH_MAX], text[PATH_MAX];

/* mpirun on the PATH into `mpirun`; 0 when there is none. */
static int find_mpirun(void)
{
    const char *path = getenv("PATH");
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path ? path : "/usr/bin:/bin");
    char *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        snprintf(mpirun, sizeof mpirun, "%s/mpirun", d);
        if (access(mpirun, X_OK) == 0)
            return 1;
    }
    return 0;
}

/* The environment of the processes mpirun starts (on 1) or of golu alone
 * (0): leak checking off for the first (above). */
static void mpi_env(int on)
{
    static char saved[1024];
    static int had;
    if (on) {
        const char *v = getenv("ASAN_OPTIONS");
        had = v != NULL;
        snprintf(saved, sizeof saved, "%s", v ? v : "");
        char opts[1100];
        snprintf(opts, sizeof opts, "%s%sdetect_leaks=0", saved, *saved ? ":" : "");
        setenv("ASAN_OPTIONS", opts, 1);
    } else if (had)
        setenv("ASAN_OPTIONS", saved, 1);
    else
        unsetenv("ASAN_OPTIONS");
}

/* `mpirun -np 2 --oversubscribe golu args...` (np 0: golu alone) exits
 * status and prints say (NULL: anything). */
static int mpi_expect(int np, int status, const char *say, const char *const *args)
{
    const char *argv[64];
    int n = 0;
    char nps[16];
    snprintf(nps, sizeof nps, "%d", np);
    if (np > 0) {
        argv[n++] = "-np", argv[n++] = nps, argv[n++] = "--oversubscribe";
        argv[n++] = golu;
        snprintf(tool, sizeof tool, "%s", mpirun);
    }
    for (int i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    if (np > 0)
        mpi_env(1);
    int ok = tool_expect(status, say, argv, out);
    if (np > 0)
        mpi_env(0);
    snprintf(tool, sizeof tool, "%s", golu);
    return ok;
}

static void path_in(char *buf, size_t size, const char *name, const char *file)
{
    snprintf(buf, size, "%s/%s%s%s", dir, name, file ? "/" : "", file ? file : "");
}

/* Trains args (+ extra) into dir/name on np processes (0: alone). */
static int train(int np, const char *name, int status, const char *const *args,
                 const char *const *extra)
{
    const char *argv[64];
    int n = 0;
    char o[PATH_MAX];
    path_in(o, sizeof o, name, NULL);
    argv[n++] = "train";
    for (int i = 0; args[i]; i++)
        argv[n++] = args[i];
    for (int i = 0; extra && extra[i]; i++)
        argv[n++] = extra[i];
    argv[n++] = "--out", argv[n++] = o, argv[n] = NULL;
    return mpi_expect(np, status, NULL, argv);
}

static int same(const char *what, const char *a, const char *b, const char *model)
{
    char pa[PATH_MAX], pb[PATH_MAX];
    path_in(pa, sizeof pa, a, "checkpoint.safetensors");
    path_in(pb, sizeof pb, b, "checkpoint.safetensors");
    return checkpoints_compare(what, pa, pb, nn_model_find(model)->tasks[0]) == 0;
}

static const char *MLP[] = {"--model",  "mlp", "--act",     "golu", "--data",  img,
                            "--epochs", "2",   "--batch",   "16",   "--width", "16",
                            "--seed",   "3",   "--threads", "1",    "--quiet", NULL};
static const char *RESNET[] = {"--model",  "resnet",    "--act",   "gelu",    "--depth",
                               "8",        "--width",   "4",       "--data",  img,
                               "--epochs", "2",         "--batch", "16",      "--seed",
                               "5",        "--threads", "1",       "--quiet", NULL};
static const char *GPT[] = {
    "--model",      "gpt", "--act",          "silu", "--layers",  "1", "--heads",   "2",
    "--width",      "16",  "--context",      "16",   "--batch",   "4", "--steps",   "8",
    "--eval-every", "4",   "--eval-batches", "3",    "--warmup",  "2", "--dropout", "0.1",
    "--data",       text,  "--seed",         "6",    "--threads", "1", "--quiet",   NULL};

static void test_np2_equals_accum2(void)
{
    const char *const *args[3] = {MLP, RESNET, GPT};
    const char *names[3] = {"mlp", "resnet", "gpt"};
    const char *accum[] = {"--accum", "2", NULL};
    for (int m = 0; m < 3; m++) {
        char a[32], b[32];
        snprintf(a, sizeof a, "%s-np2", names[m]);
        snprintf(b, sizeof b, "%s-accum2", names[m]);
        train(2, a, 0, args[m], NULL);
        train(0, b, 0, args[m], accum);
        CHECK(same(names[m], a, b, names[m]),
              "%s: mpirun -np 2 and --accum 2 give the same checkpoint", names[m]);
    }
}

static void test_resume(void)
{
    const char *stop4[] = {"--stop-after", "4", NULL};
    char o[PATH_MAX];
    /* Stopped under MPI, resumed under MPI. */
    train(2, "mlp-stop", 3, MLP, stop4);
    path_in(o, sizeof o, "mlp-stop", NULL);
    const char *resume[] = {"train", "--resume", "--out", o, "--quiet", NULL};
    mpi_expect(2, 0, NULL, resume);
    CHECK(same("mlp np2 stopped, resumed np2", "mlp-stop", "mlp-np2", "mlp"),
          "a run stopped under MPI resumes under MPI to the uninterrupted run");
    /* Written by two processes, resumed by one (its 2 shares: --accum 2). */
    train(2, "gpt-stop", 3, GPT, stop4);
    path_in(o, sizeof o, "gpt-stop", NULL);
    mpi_expect(0, 0, NULL, resume);
    CHECK(same("gpt np2 stopped, resumed alone", "gpt-stop", "gpt-np2", "gpt"),
          "a run of two processes resumes in one to the uninterrupted run");
    /* Batch 6 in 2 shares, resumed on 3 processes: in 3 shares, said and
     * saved; on 4 (which divide neither 2 nor 6): refused naming --batch. */
    const char *b6[] = {"--batch", "6", "--stop-after", "4", NULL};
    train(2, "mlp-b6", 3, MLP, b6);
    path_in(o, sizeof o, "mlp-b6", NULL);
    mpi_expect(4, 2, "divides 6", resume);
    CHECK(strstr(out, "--batch 6") && strstr(out, "2 shares") &&
              strstr(out, "4 processes"),
          "the refusal names --batch 6, 2 shares and 4 processes:\n%s", out);
    mpi_expect(3, 0, "continues in 3", resume);
    char ck[PATH_MAX];
    path_in(ck, sizeof ck, "mlp-b6", "checkpoint.safetensors");
    nn_st_file *f = NULL;
    nn_err e = {""};
    const char *saved =
        nn_st_open(&f, ck, &e) == 0 ? nn_st_meta_get(f, "golu.shares") : NULL;
    CHECK(saved && strcmp(saved, "3") == 0, "the checkpoint says 3 shares (%s): %s",
          saved ? saved : "none", e.msg);
    nn_st_close(f);
}

/* results.csv without its seconds column (the 5th). */
static int results_without_seconds(const char *name, char *buf, size_t size)
{
    char p[PATH_MAX];
    path_in(p, sizeof p, name, "results.csv");
    FILE *f = fopen(p, "r");
    if (!f)
        return -1;
    char line[1024];
    buf[0] = '\0';
    while (fgets(line, sizeof line, f)) {
        int col = 0;
        for (char *s = line; *s; s++) {
            if (*s == ',')
                col++;
            if (col != 4 || *s == ',')
                snprintf(buf + strlen(buf), size - strlen(buf), "%c", *s);
        }
    }
    fclose(f);
    return 0;
}

static void test_compare(void)
{
    char o1[PATH_MAX], o2[PATH_MAX], o3[PATH_MAX];
    path_in(o1, sizeof o1, "cmp1", NULL);
    path_in(o2, sizeof o2, "cmp2", NULL);
    path_in(o3, sizeof o3, "cmp3", NULL);
#define CMP(o)                                                                           \
    "compare", "--preset", "quick", "--acts", "relu,golu", "--seeds", "2", "--epochs",   \
        "1", "--batch", "16", "--data", img, "--threads", "1", "--out", o
    const char *one[] = {CMP(o1), NULL};
    const char *two[] = {CMP(o2), NULL};
    const char *stop[] = {CMP(o3), "--stop-after", "3", NULL};
    const char *cont[] = {CMP(o3), NULL};
#undef CMP
    mpi_expect(0, 0, NULL, one);
    mpi_expect(2, 0, "2 processes take the runs", two);
    mpi_expect(2, 3, "stopped", stop);
    mpi_expect(0, 0, "continuing", cont);
    static char a[8192], b[8192], c[8192];
    int ok = results_without_seconds("cmp1", a, sizeof a) == 0 &&
             results_without_seconds("cmp2", b, sizeof b) == 0 &&
             results_without_seconds("cmp3", c, sizeof c) == 0;
    CHECK(ok && strlen(a) > 40, "results.csv of the three compares read back");
    CHECK(ok && strcmp(a, b) == 0,
          "a compare on two processes gives one process's results.csv:\n%s\n%s", a, b);
    CHECK(ok && strcmp(a, c) == 0,
          "a compare stopped on two processes, continued on one: the same results:\n%s",
          c);
}

static void test_refusals(void)
{
    char o[PATH_MAX];
    path_in(o, sizeof o, "refused", NULL);
    const char *argv[64];
    int n = 0;
    argv[n++] = "train";
    for (int i = 0; MLP[i]; i++)
        argv[n++] = MLP[i];
    argv[n++] = "--batch", argv[n++] = "15", argv[n++] = "--out", argv[n++] = o;
    argv[n] = NULL;
    mpi_expect(2, 2, "--batch: 15 examples cannot be split into 2 equal shares", argv);
    /* MPMD: two programs of different learning rates. */
    const char *mpmd[80];
    int k = 0;
    const char *lr[2] = {"0.01", "0.02"};
    for (int p = 0; p < 2; p++) {
        if (p)
            mpmd[k++] = ":";
        mpmd[k++] = "-np", mpmd[k++] = "1", mpmd[k++] = golu, mpmd[k++] = "train";
        for (int i = 0; MLP[i]; i++)
            mpmd[k++] = MLP[i];
        mpmd[k++] = "--lr", mpmd[k++] = lr[p], mpmd[k++] = "--out", mpmd[k++] = o;
    }
    mpmd[k] = NULL;
    snprintf(tool, sizeof tool, "%s", mpirun);
    mpi_env(1);
    tool_expect(2, "different configurations", mpmd, out);
    mpi_env(0);
    snprintf(tool, sizeof tool, "%s", golu);
}

/* A child process of parent (from /proc), the highest pid; 0 when none. */
static pid_t child_of(pid_t parent)
{
    DIR *d = opendir("/proc");
    pid_t found = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char p[300], buf[512];
        snprintf(p, sizeof p, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(p, "r");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        const char *close_paren = strrchr(buf, ')');
        int ppid = 0, pid = atoi(buf);
        if (close_paren && sscanf(close_paren + 2, "%*c %d", &ppid) == 1 &&
            ppid == (int)parent && strstr(buf, "(golu)") && pid > found)
            found = pid;
    }
    if (d)
        closedir(d);
    return found;
}

static void test_kill(void)
{
    char o[PATH_MAX], metrics[PATH_MAX];
    path_in(o, sizeof o, "gpt-kill", NULL);
    path_in(metrics, sizeof metrics, "gpt-kill", "metrics.csv");
    const char *argv[64];
    int n = 0;
    argv[n++] = mpirun, argv[n++] = "-np", argv[n++] = "2", argv[n++] = "--oversubscribe";
    argv[n++] = golu, argv[n++] = "train";
    for (int i = 0; GPT[i]; i++)
        argv[n++] = GPT[i];
    argv[n++] = "--steps", argv[n++] = "1000000", argv[n++] = "--out", argv[n++] = o;
    argv[n] = NULL;
    fflush(stdout);
    mpi_env(1);
    pid_t job = fork();
    if (job == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1), dup2(null, 2);
        alarm(120);
        execv(mpirun, (char *const *)argv);
        _exit(127);
    }
    mpi_env(0);
    if (!CHECK(job > 0, "fork"))
        return;
    /* Until the first period's metrics are written (step 4), then a little. */
    struct stat st;
    pid_t victim = 0;
    for (int i = 0; i < 600 && !victim; i++) {
        nanosleep(&(struct timespec){0, 100000000}, NULL);
        if (stat(metrics, &st) == 0)
            victim = child_of(job);
    }
    int status = 0;
    if (CHECK(victim > 0, "the job's processes were not found running")) {
        nanosleep(&(struct timespec){0, 300000000}, NULL);
        kill(victim, SIGKILL);
    } else
        kill(job, SIGKILL);
    waitpid(job, &status, 0);
    CHECK(!(WIFEXITED(status) && WEXITSTATUS(status) == 0),
          "a job with a killed process must not exit 0");
    const char *resume[] = {"train", "--resume", "--out", o, "--stop-after", "2", NULL};
    mpi_expect(0, 3, "stopped at step", resume);
}

int main(int argc, char **argv)
{
    TEST_BEGIN("mpi");
    find_tool(argv[0]);
    (void)argc;
    snprintf(golu, sizeof golu, "%s", tool);
    if (!find_mpirun()) {
        SKIP("mpirun is not on the PATH (scripts/setup-debian.sh installs Open MPI)");
        return TEST_END();
    }
    const char *info[] = {"info", NULL};
    int sig;
    if (run(info, out, &sig) != 0 || !strstr(out, "MPI:         built in")) {
        SKIP("this golu was built without MPI (golu info)");
        return TEST_END();
    }
    setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    if (files_tmpdir_make(dir, sizeof dir, "golu-mpi-"))
        return TEST_END();
    if (!CHECK(tinydata_make(dir) == 0, "cannot write the test data in %s", dir))
        return TEST_END();
    snprintf(img, sizeof img, "%s/img", dir);
    snprintf(text, sizeof text, "%s/text.txt", dir);
    test_np2_equals_accum2();
    test_resume();
    test_compare();
    test_refusals();
    test_kill();
    files_tmpdir_done(dir);
    return TEST_END();
}
