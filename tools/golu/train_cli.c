/*
 * train_cli.c - a training run on the terminal (train.h): the hooks of the
 * framework's trainer turned into the progress line (stderr, a terminal
 * only), the per-period lines and the stop notice (stdout), the errors, and
 * Ctrl-C, SIGTERM (kill, systemd) and SIGHUP (a closed terminal) turned into
 * the trainer's stop flag: each stops the run after the current step with a
 * checkpoint (status 3).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "io/outfile.h"
#include "train.h"

static volatile sig_atomic_t interrupted;

/* The signals that stop a run, each the same way. */
static const int STOP_SIGNALS[3] = {SIGINT, SIGTERM, SIGHUP};
enum { N_STOP_SIGNALS = 3 };

static void on_stop_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

typedef struct view {
    const nn_train_config *o;
    const char *label;
    int handler; /* the stop handlers are installed */
    struct sigaction old[N_STOP_SIGNALS];
} view;

/* The width of the progress line on the terminal now (0: none), so that
 * clearing it wipes exactly that much: a longer blank line would wrap. */
static int progress_width;

static void clear_progress(const view *v)
{
    if (!v->o->quiet && isatty(2) && progress_width > 0)
        fprintf(stderr, "\r%*s\r", progress_width, "");
    progress_width = 0;
}

/* Ctrl-C, SIGTERM and SIGHUP from here on stop the run; says when a resumed
 * run was done. */
static void on_started(void *user, long step, long total, int resumed)
{
    view *v = user;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    for (int k = 0; k < N_STOP_SIGNALS; k++)
        sigaction(STOP_SIGNALS[k], &sa, &v->old[k]);
    v->handler = 1;
    if (resumed && step == total && !v->o->quiet && !v->label)
        printf("the run in %s has already finished\n", v->o->out);
}

/* Called from every tick (golu compare's dispatcher under MPI). */
static void (*poll_fn)(void *);
static void *poll_user;

void train_cli_set_poll(void (*poll)(void *user), void *user)
{
    poll_fn = poll, poll_user = user;
}

static void on_tick(void *user, const nn_train_tick *t)
{
    const view *v = user;
    if (poll_fn)
        poll_fn(poll_user);
    static double last;
    double now = cli_now();
    if (v->o->quiet || !isatty(2) || now - last < 0.25)
        return;
    last = now;
    double rate = (double)t->steps_here / t->seconds_here;
    double left = rate > 0 ? (double)(t->total_steps - t->step) / rate : 0;
    const char *label = v->label;
    int w =
        fprintf(stderr, "\r%s%sstep %ld/%ld  loss %.4f  %.0f %s/s  %ldm%02lds left   ",
                label ? label : "", label ? ": " : "", t->step, t->total_steps, t->loss,
                rate * t->units_per_step, t->unit, (long)left / 60, (long)left % 60);
    if (w - 1 > progress_width)
        progress_width = w - 1;
}

static void on_period(void *user, const nn_task *task, const double *row)
{
    const view *v = user;
    clear_progress(v);
    if (!v->o->quiet && !v->label) {
        char line[512];
        nn_train_row_text(task, row, line, sizeof line);
        printf("%s\n", line);
    }
    fflush(stdout);
}

static void on_stopped(void *user, long step, long total)
{
    const view *v = user;
    clear_progress(v);
    printf("stopped at step %ld/%ld; continue with: golu train --resume --out %s\n", step,
           total, v->o->out);
}

/* A resumed run on processes that do not divide its shares (trainer.h):
 * said on stderr, --quiet or not, since its bits change. */
static void on_reshared(void *user, long step, int from, int to)
{
    const view *v = user;
    cli_error("--resume: the run in %s was trained in %d shares of each batch; from "
              "step %ld on it continues in %d (one per process): correct, but not the "
              "bits of an uninterrupted run (sums in another order, BatchNorm "
              "statistics per share); its checkpoints now say %d",
              v->o->out, from, step, to, to);
}

/* The processes the next runs train on (NULL: this one alone). */
static const nn_comm *train_comm;

void train_cli_set_comm(const nn_comm *comm)
{
    train_comm = comm;
}

/* Whether this process prints the failure rc, err: rank 0 every one; the
 * others only their own (a refusal is the same everywhere, and rank 0 says
 * it), with their rank. */
static int print_failure(int rc, const char *msg)
{
    int rank = nn_comm_rank(train_comm);
    if (rank == 0)
        return 1;
    if (rc != NN_TRAIN_FAILED || strncmp(msg, "another process failed", 22) == 0)
        return 0;
    cli_error("rank %d: %s", rank, msg);
    return 0;
}

/* Test-only: the count of renames left before the kill (see below). */
static long renames_left;

static void kill_before_rename(const char *tmp, const char *path)
{
    (void)tmp, (void)path;
    if (--renames_left == 0)
        raise(SIGKILL);
}

/*
 * Test-only, for the crash-consistency test (tests/tool/test_train_safety.c):
 * GOLU_TEST_KILL_BEFORE_RENAME=n kills this process with SIGKILL just before
 * the n-th atomic rename (counted from the start of the process), as a crash
 * after a file's write and before its rename would. Never set it otherwise.
 */
static void test_hook_install(void)
{
    const char *n = getenv("GOLU_TEST_KILL_BEFORE_RENAME");
    if (!n || renames_left > 0 || (renames_left = strtol(n, NULL, 10)) <= 0)
        return;
    nn_outfile_set_rename_hook(kill_before_rename);
}

int train_cli_run(const nn_train_config *o, int resume, const char *label,
                  nn_train_result *res)
{
    view v;
    memset(&v, 0, sizeof v);
    v.o = o, v.label = label;
    nn_train_hooks hooks = {&v,        &interrupted, on_started, on_tick,
                            on_period, on_stopped,   train_comm, on_reshared};
    nn_err err = {""};
    test_hook_install();
    int rc = nn_train_run(o, resume, &hooks, res, &err);
    for (int k = 0; v.handler && k < N_STOP_SIGNALS; k++)
        sigaction(STOP_SIGNALS[k], &v.old[k], NULL);
    clear_progress(&v);
    if ((rc == NN_TRAIN_FAILED || rc == NN_TRAIN_BAD_INPUT) && print_failure(rc, err.msg))
        cli_error("%s", err.msg);
    return rc;
}
