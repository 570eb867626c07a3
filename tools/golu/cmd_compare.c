/*
 * cmd_compare.c - `golu compare`: one recipe trained once per activation and
 * seed, then results.md/csv/json and plots (compare_cli.h).
 *
 *   golu compare --preset NAME [--acts a,b,...] [--seeds N] [--out DIR]
 *                [--depths d1,d2,...] [--epochs N] [--steps N] [--limit-train N]
 * [--limit-test N]
 *                [--batch N] [--data PATH] [--threads N]
 *
 * Everything is checked before anything is trained: the preset, every
 * activation name, repeats, the seeds, the data (loaded once), and DIR's
 * compare.json against this configuration.
 *
 * The recipes, compare.json, reading runs back and the statistics are the
 * libraries' (train/presets.h, src/lab/compare_store.h, compare.h); this
 * file holds the flags, the words and the order of the runs.
 *
 * Runs go seed by seed (every activation with seed 1, then with seed 2...),
 * so a compare stopped half-way already holds a balanced comparison. Each
 * run is a golu train directory, DIR/runs/<act>-s<seed>: one with
 * summary.json is done, one with only a checkpoint is resumed (its options
 * come from the checkpoint, as with golu train --resume), the others start
 * fresh. So a compare stopped by Ctrl-C, or killed, continues where it was
 * when the same command is given again.
 *
 * Under mpirun (mpirun -np N golu compare ...) the runs not done yet are
 * handed out to the processes one at a time (compare_dist.h), each a
 * one-process run as above; rank 0 then reads them all back and writes the
 * report. The directory is the state, so any N (or none) continues it.
 *
 * --depths d1,d2,... makes it a depth ablation: one whole compare per depth
 * in DIR/depth-<d> (its compare.json records the depth), one after the
 * other, then DIR/depths.md/csv/json: the final metric by depth and
 * activation (src/lab/compare_depths.h).
 */
#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blas_setup.h"
#include "cli.h"
#include "commands.h"
#include "analysis.h"
#include "compare_cli.h"
#include "compare_depths.h"
#include "compare_dist.h"
#include "dist_cli.h"
#include "compare_dist.h"
#include "dist_cli.h"
#include "opts.h"
#include "train.h"

/* ---------------------------------------------------------------- flags --- */

/* What the flags fill: the configuration, and the words read after. */
typedef struct compare_args {
    lab_compare_config *c;
    const char *preset, *acts; /* --preset: read first, by find_preset */
    int seeds;
    const char *depths;
} compare_args;

enum { MAX_DEPTHS = 8 };

/* --depths: the depths of an ablation, in the order given (n 0: none). */
typedef struct depth_list {
    int n;
    int d[MAX_DEPTHS];
} depth_list;

static int set_out(lab_compare_config *c, const char *v)
{
    if (!*v || strlen(v) >= sizeof c->out - 64) {
        cli_error("--out: %s", *v ? "path too long" : "empty");
        return -1;
    }
    snprintf(c->out, sizeof c->out, "%s", v);
    return 0;
}

static int parse_out(void *opts, const char *flag, const char *v)
{
    (void)flag;
    return set_out(((compare_args *)opts)->c, v);
}

/* A training flag into the recipe, as golu train takes it. */
static int parse_training(void *opts, const char *flag, const char *v)
{
    return train_opts_set(&((compare_args *)opts)->c->base, flag, v);
}

#define OFF(f) offsetof(compare_args, f)
static const cli_opt COMPARE_OPTS[] = {
    {.flag = "--preset",
     .kind = CLI_OPT_STRING,
     .offset = OFF(preset),
     .metavar = "NAME",
     .help = "the recipe (above)"},
    {.flag = "--acts",
     .kind = CLI_OPT_STRING,
     .offset = OFF(acts),
     .metavar = "LIST",
     .help = "activations, comma-separated; default:\n" ANALYSIS_DEFAULT_ACTS},
    {.flag = "--seeds",
     .kind = CLI_OPT_INT,
     .offset = OFF(seeds),
     .min = 1,
     .max = 1000,
     .metavar = "N",
     .help = "seeds 1..N per activation (default: the preset's)"},
    {.flag = "--out",
     .kind = CLI_OPT_CUSTOM,
     .parse = parse_out,
     .metavar = "DIR",
     .help = "default: runs/compare-<preset>"},
    {.flag = "--depths",
     .kind = CLI_OPT_STRING,
     .offset = OFF(depths),
     .metavar = "LIST",
     .help = "a depth ablation: the recipe at each depth (--depth's\nmeaning: mlp "
             "blocks), a compare each in DIR/depth-<d>,\nthen DIR/depths.md/csv/json"},
};
#undef OFF

/* The training flags a compare takes: the amount of training (the task's
 * scale keys: --epochs, --limit-train, --limit-test for images, --steps for
 * the GPT; a preset takes only its own task's) and a few more; --stop-after:
 * for the tests, as in golu train. */
#define TRAINING(name, value, text)                                                      \
    {                                                                                    \
        .flag = name, .kind = CLI_OPT_CUSTOM, .parse = parse_training, .metavar = value, \
        .help = text                                                                     \
    }
static const cli_opt SCALING_OPTS[] = {
    TRAINING("--epochs", "N", "images: training epochs"),
    TRAINING("--steps", "N", "gpt: training steps (warmup and evaluations: a tenth)"),
    TRAINING("--limit-train", "N", "images: the first N training images"),
    TRAINING("--limit-test", "N", "images: the first N test images"),
    TRAINING("--batch", "N", "examples per step"),
    TRAINING("--data", "PATH",
             "images: a directory of IDX files or CIFAR-10 batches;\ngpt: a text file"),
    TRAINING("--threads", "N", "threads (0: all CPUs); not part of the configuration"),
    TRAINING("--stop-after", "N",
             "stop the next run after N steps, as Ctrl-C would (tests)"),
};
#undef TRAINING
enum {
    N_COMPARE_OPTS = sizeof COMPARE_OPTS / sizeof COMPARE_OPTS[0],
    N_SCALING_OPTS = sizeof SCALING_OPTS / sizeof SCALING_OPTS[0]
};

static const cli_opts_style HELP_STYLE = {"compare", 0, 0, 22};

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: golu compare --preset NAME [--acts a,b,...] [--seeds N] [--out DIR]\n"
        "                    [--depths d1,d2,...] [--epochs N] [--steps N]\n"
        "                    [--limit-train N] [--limit-test N] [--batch N]\n"
        "                    [--data PATH] [--threads N]\n\n"
        "Trains one recipe once per activation and seed (seeds 1..N), then writes\n"
        "DIR/results.md (mean, std, min, max per activation, best in bold, ranks),\n"
        "results.csv and results.json, and plots drawn with gnuplot in DIR/plots:\n"
        "curves.png (the validation metric), train_loss.png, final.png (the final\n"
        "metric with std error bars, min and max). Image models are judged by the\n"
        "final test accuracy, the GPT by validation perplexity and bits per byte.\n\n"
        "A stopped compare (Ctrl-C) continues where it was when the same command is\n"
        "given again; a DIR made by another configuration is refused.\n\n"
        "--depths 1,2,3,4 (with --preset mlp: the paper's depth ablation) runs a\n"
        "whole compare per depth in DIR/depth-<d>, then writes DIR/depths.md,\n"
        "depths.csv and depths.json: the metric's mean, std, min and max by depth\n"
        "and activation.\n\n"
        "Under Open MPI, `mpirun -np N golu compare ...` hands the runs to N\n"
        "processes one at a time (rank 0 too, and it writes the report); DIR must be\n"
        "one every process sees. A stopped one continues with any N, or without\n"
        "mpirun. See docs/DISTRIBUTED.md.\n\n"
        "presets:\n");
    for (int i = 0; i < nn_preset_count(); i++) {
        const nn_preset *p = nn_preset_at(i);
        fprintf(out, "  %-7s %s (%d seeds)\n", p->name, p->what, p->seeds);
    }
    fputs("\noptions:\n", out);
    cli_opts_usage(out, COMPARE_OPTS, N_COMPARE_OPTS, &HELP_STYLE);
    fputs("scaling the recipe (the rest of it is fixed):\n", out);
    cli_opts_usage(out, SCALING_OPTS, N_SCALING_OPTS, &HELP_STYLE);
}

static int find_preset(int argc, char **argv, const nn_preset **p)
{
    char names[128];
    nn_preset_names(names, sizeof names);
    *p = NULL;
    for (int i = 1; i < argc; i++) {
        if (!cli_is_flag(argv[i], "--preset"))
            continue;
        const char *v = cli_flag_value(argc, argv, &i, "--preset");
        if (!v)
            return -1;
        if (!(*p = nn_preset_find(v))) {
            cli_error("--preset: unknown preset '%s' (known: %s)", v, names);
            return -1;
        }
    }
    if (!*p)
        cli_error("--preset: required (%s; see golu compare --help)", names);
    return *p ? 0 : -1;
}

/* 1 when arg is "--key" of another model's task, not of this one's. */
static int other_task_key(const nn_task_desc *task, const char *arg)
{
    for (int m = 0; m < nn_model_count(); m++)
        for (int i = 0; nn_model_at(m)->tasks[i]; i++) {
            const nn_task_desc *t = nn_model_at(m)->tasks[i];
            for (int k = 0; t->scale_keys[k]; k++) {
                char flag[64];
                snprintf(flag, sizeof flag, "--%s", t->scale_keys[k]);
                if (cli_is_flag(arg, flag) && nn_task_scales(task, t->scale_keys[k]) < 0)
                    return 1;
            }
        }
    return 0;
}

/* The flags into c (the preset chosen) and *acts, in order; the first bad
 * one is named. Another task's scale key is not in the table: it stops the
 * parse and is refused in words that say which key this preset takes. */
static int parse(int argc, char **argv, lab_compare_config *c, const char **acts,
                 const char **depths)
{
    const nn_task_desc *task = nn_task_of(&c->base);
    cli_opt table[N_COMPARE_OPTS + N_SCALING_OPTS];
    size_t n = 0;
    for (int k = 0; k < N_COMPARE_OPTS; k++)
        table[n++] = COMPARE_OPTS[k];
    for (int k = 0; k < N_SCALING_OPTS; k++)
        if (!other_task_key(task, SCALING_OPTS[k].flag))
            table[n++] = SCALING_OPTS[k];
    compare_args args = {c, NULL, *acts, c->seeds, NULL};
    int stop = cli_opts_parse_until(table, n, "compare", argc, argv, &args);
    if (stop < 0)
        return -1;
    c->seeds = args.seeds;
    *acts = args.acts;
    *depths = args.depths;
    if (stop == argc)
        return 0;
    const char *a = argv[stop];
    if (other_task_key(task, a)) {
        size_t len = strcspn(a, "=");
        cli_error("%.*s: the %s preset trains %s, which has no use for it (use --%s)",
                  (int)len, a, c->preset->name, task->trains, task->scale_keys[0]);
    } else
        cli_error("unknown option '%s' (a preset's recipe is fixed but for --epochs, "
                  "--steps, --limit-train, --limit-test, --batch, --data, --threads; see "
                  "golu compare --help)",
                  a);
    return -1;
}

/* ------------------------------------------------------------- checks --- */

/* The data loads (so a missing or malformed file stops the compare before
 * it starts); its path becomes absolute, for the runs' checkpoints and
 * compare.json. */
static int check_data(nn_train_config *o)
{
    nn_err err = {""};
    if (nn_task_check_data(o, &err)) {
        cli_error("%s", err.msg);
        return -1;
    }
    char *real = realpath(o->data, NULL);
    if (real && strlen(real) < sizeof o->data - 32)
        snprintf(o->data, sizeof o->data, "%s", real);
    free(real);
    return 0;
}

/* Creates dir and its parents (as mkdir -p). */
static int make_dirs(const char *dir)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", dir);
    for (char *s = p + 1;; s++) {
        char c = *s;
        if (c != '/' && c != '\0')
            continue;
        *s = '\0';
        struct stat st;
        if (mkdir(p, 0777) != 0 && (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))) {
            cli_error("--out: cannot create directory %s: %s", p, strerror(errno));
            return -1;
        }
        *s = c;
        if (c == '\0')
            return 0;
    }
}

/* The activations of --acts into c. */
static int set_acts(lab_compare_config *c, const char *list)
{
    _Static_assert(ANALYSIS_MAX_ACTS <= LAB_COMPARE_MAX_ACTS, "a compare holds --acts");
    analysis_acts acts;
    if (analysis_parse_acts("--acts", list, &acts))
        return -1;
    c->nacts = acts.n;
    for (int a = 0; a < acts.n; a++)
        c->act[a] = acts.act[a], c->act_name[a] = acts.name[a];
    return 0;
}

/* --depths: whole numbers, each a depth the model takes (its own check),
 * none twice, at most MAX_DEPTHS. */
static int set_depths(const lab_compare_config *c, const char *list, depth_list *out)
{
    char buf[256], *items[MAX_DEPTHS];
    out->n = 0;
    if (!list)
        return 0;
    if (strlen(list) >= sizeof buf) {
        cli_error("--depths: list too long");
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", list);
    int n;
    if (cli_split_list("--depths", buf, items, MAX_DEPTHS, &n))
        return -1;
    for (int i = 0; i < n; i++) {
        long d;
        if (cli_parse_long("--depths", items[i], 1, 1000, &d))
            return -1;
        for (int j = 0; j < i; j++)
            if (out->d[j] == d) {
                cli_error("--depths: %ld is given twice", d);
                return -1;
            }
        nn_config m = c->base.model;
        m.depth = (int)d;
        nn_err err = {""};
        if (m.desc->check(&m, &err)) {
            cli_error("--depths: %ld: the %s model refuses it (%s)", d, m.desc->name,
                      err.msg);
            return -1;
        }
        out->d[out->n++] = (int)d;
    }
    return 0;
}

/* Everything from the command line, checked; nothing is written. */
static int configure(int argc, char **argv, lab_compare_config *c, depth_list *depths)
{
    const char *acts = ANALYSIS_DEFAULT_ACTS, *depth_words = NULL;
    memset(c, 0, sizeof *c);
    if (find_preset(argc, argv, &c->preset))
        return -1;
    nn_preset_config(c->preset, &c->base);
    c->seeds = c->preset->seeds;
    snprintf(c->out, sizeof c->out, "runs/compare-%s", c->preset->name);
    if (parse(argc, argv, c, &acts, &depth_words) || set_acts(c, acts))
        return -1;
    nn_preset_finish(c->preset, &c->base);
    if (set_depths(c, depth_words, depths))
        return -1;
    snprintf(c->base.out, sizeof c->base.out, "%s", c->out);
    nn_err err = {""};
    if (nn_train_config_check(&c->base, &err)) {
        cli_error("%s", err.msg);
        return -1;
    }
    return check_data(&c->base);
}

/* ------------------------------------------------------------ the runs --- */

/* What the progress lines need: counts and times so far. */
typedef struct progress {
    int total, to_train;  /* runs; runs not done yet */
    double fresh_seconds; /* wall time of the runs trained from the start here */
    int fresh;
    double done_seconds; /* the runs' own times of those done before */
    int done;
} progress;

static void print_duration(double s)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        printf("%ldh%02ldm", t / 3600, t / 60 % 60);
    else
        printf("%ldm%02lds", t / 60, t % 60);
}

/* The time left: the mean time of a run so far, times the runs left. */
static void print_time_left(const progress *p)
{
    double mean = p->fresh  ? p->fresh_seconds / p->fresh
                  : p->done ? p->done_seconds / p->done
                            : NAN;
    if (p->to_train > 0 && isfinite(mean)) {
        printf("; about ");
        print_duration(mean * p->to_train);
        printf(" left");
    }
}

static void print_result(const lab_compare_config *c, const lab_compare_run *r)
{
    char words[256];
    if (r->status == LAB_RUN_DIVERGED)
        printf("diverged (the training loss became NaN or infinite): no result");
    else {
        nn_task_of(&c->base)->metric->describe(r->metric, r->loss, words, sizeof words);
        printf("%s", words);
    }
    printf(" (%.1f s)", r->seconds);
}

/* Trains (or resumes) run r in dir. Returns train_cli_run's status, except
 * that a run that diverged, its summary.json written, is a result (0). */
static int train_one(const lab_compare_config *c, lab_compare_run *r, int index,
                     const char *dir, int resume, progress *p)
{
    char label[96];
    snprintf(label, sizeof label, "[%d/%d] %s seed %d", index + 1, p->total,
             c->act_name[r->act], r->seed);
    nn_train_config o;
    nn_err err = {""};
    if (lab_compare_run_config(c, r->act, r->seed, dir, resume, &o, &err)) {
        cli_error("%s", err.msg);
        return 2; /* another run's checkpoint, or an unreadable one */
    }
    o.quiet = 0;
    if (!resume && lab_compare_summary_remove(dir, &err))
        cli_error("%s", err.msg); /* the run goes on */
    /* On a terminal the progress line shows the start; in a log, a line. */
    if (!isatty(1) || !isatty(2)) {
        printf("%s: %s\n", label, resume ? "resuming" : "training");
        fflush(stdout);
    }
    double t0 = cli_now();
    nn_train_result res;
    int rc = train_cli_run(&o, resume, label, &res);
    if (rc == 1 && res.diverged && res.saved)
        rc = 0;
    if (rc == 0 && !resume)
        p->fresh_seconds += cli_now() - t0, p->fresh++;
    return rc;
}

/* How many runs are in each state; prints what is about to happen. */
static void announce(const lab_compare_config *c, progress *p)
{
    int state_count[3] = {0, 0, 0};
    char dir[PATH_MAX];
    for (int s = 1; s <= c->seeds; s++)
        for (int a = 0; a < c->nacts; a++) {
            lab_compare_run_dir(c, a, s, dir, sizeof dir);
            state_count[lab_compare_run_state(dir)]++;
        }
    p->total = c->nacts * c->seeds;
    p->to_train = p->total - state_count[LAB_RUN_DONE];
    printf("golu compare: preset %s, %d activation%s x %d seed%s = %d runs in %s\n",
           c->preset->name, c->nacts, c->nacts == 1 ? "" : "s", c->seeds,
           c->seeds == 1 ? "" : "s", p->total, c->out);
    if (p->to_train == 0)
        printf("all %d runs are done already: nothing to train (delete a run's "
               "directory under %s/runs to train it again)\n",
               p->total, c->out);
    else if (state_count[LAB_RUN_DONE] + state_count[LAB_RUN_PARTIAL] > 0)
        printf("%d runs are done, %d to resume, %d to start: continuing\n",
               state_count[LAB_RUN_DONE], state_count[LAB_RUN_PARTIAL],
               state_count[LAB_RUN_NEW]);
    fflush(stdout);
}

/* After a stop: how to go on. */
static void stopped(const progress *p)
{
    printf("golu compare: stopped with %d of %d runs done; give the same command "
           "again to continue where it stopped\n",
           p->total - p->to_train, p->total);
}

/*
 * Every run, seed by seed: each is trained, resumed or (done before) only
 * read back into runs[] (quiet: without the announcement). Returns 0, or the status to
 * exit with: 3 when a run was stopped (Ctrl-C or --stop-after), 1 or 2 when one failed.
 */
static int run_all(const lab_compare_config *c, lab_compare_run *runs, int quiet)
{
    const nn_task_desc *task = nn_task_of(&c->base);
    progress p = {0, 0, 0, 0, 0, 0};
    if (!quiet)
        announce(c, &p);
    p.total = c->nacts * c->seeds;
    char dir[PATH_MAX];
    nn_err err = {""};
    int k = 0;
    for (int s = 1; s <= c->seeds; s++)
        for (int a = 0; a < c->nacts; a++, k++) {
            lab_compare_run *r = &runs[k];
            r->act = a, r->seed = s;
            lab_compare_run_dir(c, a, s, dir, sizeof dir);
            lab_run_state st = lab_compare_run_state(dir);
            if (st != LAB_RUN_DONE) {
                int rc = train_one(c, r, k, dir, st == LAB_RUN_PARTIAL, &p);
                if (rc == 3)
                    stopped(&p);
                else if (rc)
                    cli_error("the run in %s failed; the compare stops here (the same "
                              "command again retries it)",
                              dir);
                if (rc)
                    return rc;
            }
            if (lab_compare_run_load(dir, task, r, &err)) {
                cli_error("%s", err.msg);
                return 1;
            }
            if (st == LAB_RUN_DONE) {
                p.done_seconds += isfinite(r->seconds) ? r->seconds : 0, p.done++;
                continue;
            }
            p.to_train--;
            printf("[%d/%d] %s seed %d: ", k + 1, p.total, c->act_name[a], s);
            print_result(c, r);
            print_time_left(&p);
            printf("\n");
            fflush(stdout);
        }
    return 0;
}

/* ---------------------------------------------- several processes (MPI) --- */

/* What compare_dist_run's callbacks need. */
typedef struct dist_ctx {
    const lab_compare_config *c;
    progress p;
} dist_ctx;

/* Run k (seed-major order) done already. */
static int dist_done(int k, void *user)
{
    const dist_ctx *d = user;
    char dir[PATH_MAX];
    lab_compare_run_dir(d->c, k % d->c->nacts, k / d->c->nacts + 1, dir, sizeof dir);
    return lab_compare_run_state(dir) == LAB_RUN_DONE;
}

/* Trains (or resumes) run k here, and says its result. */
static int dist_train(int k, void *user)
{
    dist_ctx *d = user;
    const lab_compare_config *c = d->c;
    lab_compare_run r;
    memset(&r, 0, sizeof r);
    r.act = k % c->nacts, r.seed = k / c->nacts + 1;
    char dir[PATH_MAX];
    lab_compare_run_dir(c, r.act, r.seed, dir, sizeof dir);
    lab_run_state st = lab_compare_run_state(dir);
    if (st == LAB_RUN_DONE)
        return 0;
    int rc = train_one(c, &r, k, dir, st == LAB_RUN_PARTIAL, &d->p);
    nn_err err = {""};
    if (rc == 0 && lab_compare_run_load(dir, nn_task_of(&c->base), &r, &err) == 0) {
        printf("[%d/%d] %s seed %d: ", k + 1, d->p.total, c->act_name[r.act], r.seed);
        print_result(c, &r);
        printf("\n");
        fflush(stdout);
    } else if (rc == 0) {
        cli_error("%s", err.msg);
        rc = 1;
    } else if (rc != 3)
        cli_error("the run in %s failed; the compare stops here (the same command "
                  "again retries it)",
                  dir);
    lab_compare_run_free(&r);
    return rc;
}

/* The runs not done yet trained by every process (compare_dist.h): the
 * worst status, the same on every process. */
static int train_distributed(const lab_compare_config *c, const nn_comm *comm)
{
    dist_ctx d = {c, {0, 0, 0, 0, 0, 0}};
    if (nn_comm_rank(comm) == 0) {
        announce(c, &d.p);
        printf("golu compare: %d processes take the runs one at a time\n",
               nn_comm_size(comm));
        fflush(stdout);
    }
    d.p.total = c->nacts * c->seeds;
    return compare_dist_run(comm, d.p.total, dist_train, dist_done, &d);
}

/* The compare's directory made and its compare.json written or checked, by
 * rank 0; 0, or 2 on every process when that failed. */
static int prepare_out(const lab_compare_config *c, const nn_comm *comm)
{
    int rc = 0;
    if (nn_comm_rank(comm) == 0) {
        char runs_dir[PATH_MAX];
        snprintf(runs_dir, sizeof runs_dir, "%s/runs", c->out);
        nn_err err = {""};
        if (make_dirs(c->out) || analysis_dir_lock("--out", c->out))
            rc = 2;
        else if (lab_compare_config_save_or_check(c, &err)) {
            cli_error("%s", err.msg);
            rc = 2;
        } else if (make_dirs(runs_dir))
            rc = 2;
    }
    return nn_comm_failures(comm, rc != 0) != 0 ? 2 : 0;
}

/* One compare, c, to its end: DIR made and checked, the runs trained (by
 * every process under MPI), then rank 0 reads them all back and writes the
 * report; with sum (a depth of an ablation), their statistics into *sum.
 * 0, or the status to exit with. */
static int compare_one(const lab_compare_config *c, const nn_comm *comm,
                       lab_compare_summary *sum)
{
    if (prepare_out(c, comm))
        return 2;
    int rc = 0;
    if (nn_comm_size(comm) > 1) {
        rc = train_distributed(c, comm);
        if (nn_comm_rank(comm) != 0)
            return rc;
        if (rc == 3)
            printf("golu compare: stopped; give the same command again (with any number "
                   "of processes, or none) to continue where it stopped\n");
        if (rc)
            return rc;
    }
    int n = c->nacts * c->seeds;
    lab_compare_run *runs = calloc((size_t)n, sizeof *runs);
    if (!runs) {
        cli_error("out of memory");
        return 1;
    }
    rc = run_all(c, runs, nn_comm_size(comm) > 1); /* distributed: all done now */
    if (rc == 0)
        rc = compare_cli_report(c, runs, n);
    if (rc == 0 && sum &&
        lab_compare_aggregate(runs, n, c->nacts,
                              nn_task_of(&c->base)->metric->higher_is_better, sum)) {
        cli_error("out of memory");
        rc = 1;
    }
    for (int i = 0; i < n; i++)
        lab_compare_run_free(&runs[i]);
    free(runs);
    return rc;
}

/* The depth ablation: a compare per depth in DIR/depth-<d>, then rank 0
 * writes DIR/depths.md/csv/json. 0, or the status to exit with. */
static int compare_depths(const lab_compare_config *c, const depth_list *dl,
                          const nn_comm *comm)
{
    static lab_compare_config part; /* large: not on the stack */
    static lab_compare_summary sums[MAX_DEPTHS];
    int rank0 = nn_comm_rank(comm) == 0;
    for (int i = 0; i < dl->n; i++) {
        part = *c;
        part.depth = dl->d[i];
        part.base.model.depth = dl->d[i];
        /* --out is 64 shorter than the buffer (set_out) */
        snprintf(part.out, sizeof part.out, "%.*s/depth-%d", (int)sizeof part.out - 16,
                 c->out, dl->d[i]);
        snprintf(part.base.out, sizeof part.base.out, "%s", part.out);
        if (rank0) {
            printf("golu compare: depth %d (%d of %d) in %s\n", dl->d[i], i + 1, dl->n,
                   part.out);
            fflush(stdout);
        }
        int rc = compare_one(&part, comm, &sums[i]);
        if (rc == 3 && rank0)
            printf("golu compare: the depth ablation stopped at depth %d; give the same "
                   "command again to continue where it stopped\n",
                   dl->d[i]);
        if (rc)
            return rc;
    }
    if (!rank0)
        return 0;
    nn_err err = {""};
    lab_depth_table *t = lab_depth_table_create(nn_task_of(&c->base)->metric, &err);
    int bad = !t;
    for (int i = 0; i < dl->n && !bad; i++) {
        part = *c;
        part.depth = dl->d[i];
        bad = lab_depth_table_add(t, dl->d[i], &part, &sums[i]) != 0;
    }
    if (t && lab_depth_table_write(t, c->out, &err))
        bad = 1;
    lab_depth_table_free(t);
    if (bad) {
        cli_error("%s", err.msg[0] ? err.msg : "the depth table could not be made");
        return 1;
    }
    printf("golu compare: the depth ablation (%s by depth and activation) in "
           "%s/depths.md, depths.csv, depths.json\n",
           nn_task_of(&c->base)->metric->label, c->out);
    return 0;
}

static int compare_main(int argc, char **argv, const nn_comm *comm)
{
    static lab_compare_config c;
    depth_list depths;
    int bad = configure(argc, argv, &c, &depths) != 0;
    if (nn_comm_failures(comm, bad) != 0)
        return 2;
    /* --threads 0 (all CPUs) under mpirun: the CPUs shared among the
     * processes on this machine. */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int local = dist_cli_local_size();
    if (c.base.threads == 0 && local > 1)
        c.base.threads = cpus / local > 1 ? (int)(cpus / local) : 1;
    blas_setup(c.base.threads);
    return depths.n ? compare_depths(&c, &depths, comm) : compare_one(&c, comm, NULL);
}

int golu_cmd_compare(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    const nn_comm *comm;
    if (dist_cli_open(&comm))
        return 2;
    /* Every process ends at the same point (rank 0's report aside). */
    return dist_cli_close(compare_main(argc, argv, comm), 1);
}
