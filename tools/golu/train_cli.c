/*
 * train_cli.c - a training run on the terminal (train.h): the hooks of the
 * framework's trainer turned into the progress line (stderr, a terminal
 * only), the per-period lines and the stop notice (stdout), the errors, and
 * Ctrl-C turned into the trainer's stop flag.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "train.h"

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

typedef struct view {
    const nn_train_config *o;
    const char *label;
    int handler; /* the SIGINT handler is installed */
    void (*old)(int);
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

/* Ctrl-C from here on stops the run; says when a resumed run was done. */
static void on_started(void *user, long step, long total, int resumed)
{
    view *v = user;
    interrupted = 0;
    v->old = signal(SIGINT, on_sigint);
    v->handler = 1;
    if (resumed && step == total && !v->o->quiet && !v->label)
        printf("the run in %s has already finished\n", v->o->out);
}

static void on_tick(void *user, const nn_train_tick *t)
{
    const view *v = user;
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

int train_cli_run(const nn_train_config *o, int resume, const char *label,
                  nn_train_result *res)
{
    view v = {o, label, 0, SIG_DFL};
    nn_train_hooks hooks = {&v, &interrupted, on_started, on_tick, on_period, on_stopped};
    nn_err err = {""};
    int rc = nn_train_run(o, resume, &hooks, res, &err);
    if (v.handler)
        signal(SIGINT, v.old);
    clear_progress(&v);
    if (rc == NN_TRAIN_FAILED || rc == NN_TRAIN_BAD_INPUT)
        cli_error("%s", err.msg);
    return rc;
}
