/*
 * cmd_compare.c - `golu compare`: one recipe trained once per activation and
 * seed, then results.md/csv/json and plots (compare.h).
 *
 *   golu compare --preset NAME [--acts a,b,...] [--seeds N] [--out DIR]
 *                [--epochs N] [--steps N] [--limit-train N] [--limit-test N]
 *                [--batch N] [--data PATH] [--threads N]
 *
 * Everything is checked before anything is trained: the preset, every
 * activation name, repeats, the seeds, the data (loaded once), and DIR's
 * compare.json against this configuration.
 *
 * Runs go seed by seed (every activation with seed 1, then with seed 2...),
 * so a compare stopped half-way already holds a balanced comparison. Each
 * run is a golu train directory, DIR/runs/<act>-s<seed>: one with
 * summary.json is done, one with only a checkpoint is resumed (its options
 * come from the checkpoint, as with golu train --resume), the others start
 * fresh. So a compare stopped by Ctrl-C, or killed, continues where it was
 * when the same command is given again.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blas_setup.h"
#include "cli.h"
#include "commands.h"
#include "compare.h"
#include "train_data.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: golu compare --preset NAME [--acts a,b,...] [--seeds N] [--out DIR]\n"
            "                    [--epochs N] [--steps N] [--limit-train N] "
            "[--limit-test N]\n"
            "                    [--batch N] [--data PATH] [--threads N]\n\n"
            "Trains one recipe once per activation and seed (seeds 1..N), then writes\n"
            "DIR/results.md (mean, std, min, max per activation, best in bold, ranks),\n"
            "results.csv and results.json, and plots drawn with gnuplot in DIR/plots:\n"
            "curves.png (the validation metric), train_loss.png, final.png (the final\n"
            "metric with std error bars, min and max). Image models are judged by the\n"
            "final test accuracy, the GPT by validation perplexity and bits per byte.\n\n"
            "A stopped compare (Ctrl-C) continues where it was when the same command is\n"
            "given again; a DIR made by another configuration is refused.\n\n"
            "presets:\n");
    compare_presets_usage(out);
    fprintf(
        out,
        "\noptions:\n"
        "  --preset NAME       the recipe (above)\n"
        "  --acts LIST         activations, comma-separated; default:\n"
        "                      %s\n"
        "  --seeds N           seeds 1..N per activation (default: the preset's)\n"
        "  --out DIR           default: runs/compare-<preset>\n"
        "scaling the recipe (the rest of it is fixed):\n"
        "  --epochs N          images: training epochs\n"
        "  --steps N           gpt: training steps (warmup and evaluations: a tenth)\n"
        "  --limit-train N     images: the first N training images\n"
        "  --limit-test N      images: the first N test images\n"
        "  --batch N           examples per step\n"
        "  --data PATH         images: a directory of IDX files or CIFAR-10 batches;\n"
        "                      gpt: a text file\n"
        "  --threads N         threads (0: all CPUs); not part of the configuration\n"
        "  --stop-after N      stop the next run after N steps, as Ctrl-C would "
        "(tests)\n",
        ANALYSIS_DEFAULT_ACTS);
}

/* ---------------------------------------------------------------- flags --- */

/* The training flags that scale a preset, and the models each makes sense
 * for (--stop-after: for the tests, as in golu train). */
static const struct {
    const char *flag;
    int images, gpt;
} SCALING[] = {
    {"--epochs", 1, 0},     {"--steps", 0, 1},      {"--limit-train", 1, 0},
    {"--limit-test", 1, 0}, {"--batch", 1, 1},      {"--data", 1, 1},
    {"--threads", 1, 1},    {"--stop-after", 1, 1},
};
enum { N_SCALING = sizeof SCALING / sizeof SCALING[0] };

static int find_preset(int argc, char **argv, const compare_preset **p)
{
    *p = NULL;
    for (int i = 1; i < argc; i++) {
        if (!cli_is_flag(argv[i], "--preset"))
            continue;
        const char *v = cli_flag_value(argc, argv, &i, "--preset");
        if (!v)
            return -1;
        if (!(*p = compare_preset_find(v))) {
            cli_error("--preset: unknown preset '%s' (known: %s)", v,
                      compare_preset_names());
            return -1;
        }
    }
    if (!*p)
        cli_error("--preset: required (%s; see golu compare --help)",
                  compare_preset_names());
    return *p ? 0 : -1;
}

/* A scaling flag at argv[*i] into c->base: 1, 0 if not one, -1 on error. */
static int scaling_flag(compare_config *c, int argc, char **argv, int *i)
{
    int gpt = c->preset->model == NN_MODEL_GPT;
    for (int k = 0; k < N_SCALING; k++) {
        if (!cli_is_flag(argv[*i], SCALING[k].flag))
            continue;
        if (!(gpt ? SCALING[k].gpt : SCALING[k].images)) {
            cli_error("%s: the %s preset trains %s, which has no use for it (%s)",
                      SCALING[k].flag, c->preset->name, gpt ? "a GPT" : "on images",
                      gpt ? "use --steps" : "use --epochs");
            return -1;
        }
        return train_opts_parse_flag(&c->base, argc, argv, i) == 1 ? 1 : -1;
    }
    return 0;
}

static int set_out(compare_config *c, const char *v)
{
    if (!*v || strlen(v) >= sizeof c->out - 64) {
        cli_error("--out: %s", *v ? "path too long" : "empty");
        return -1;
    }
    snprintf(c->out, sizeof c->out, "%s", v);
    return 0;
}

static int parse(int argc, char **argv, compare_config *c, const char **acts)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        long seeds;
        if (cli_is_flag(a, "--preset")) {
            cli_flag_value(argc, argv, &i, "--preset"); /* read by find_preset */
        } else if (cli_is_flag(a, "--acts")) {
            if (!(*acts = cli_flag_value(argc, argv, &i, "--acts")))
                return -1;
        } else if (cli_is_flag(a, "--seeds")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--seeds")) ||
                cli_parse_long("--seeds", v, 1, 1000, &seeds))
                return -1;
            c->seeds = (int)seeds;
        } else if (cli_is_flag(a, "--out")) {
            if (!(v = cli_flag_value(argc, argv, &i, "--out")) || set_out(c, v))
                return -1;
        } else {
            int r = scaling_flag(c, argc, argv, &i);
            if (r < 0)
                return -1;
            if (r == 0) {
                cli_error("unknown option '%s' (a preset's recipe is fixed but for "
                          "--epochs, --steps, --limit-train, --limit-test, --batch, "
                          "--data, --threads; see golu compare --help)",
                          a);
                return -1;
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------------- checks --- */

/* The data loads (so a missing or malformed file stops the compare before
 * it starts); its path becomes absolute, for the runs' checkpoints and
 * compare.json. */
static int check_data(train_opts *o)
{
    train_data d;
    nn_config cfg = o->model;
    int rc = train_data_load(&d, o, &cfg);
    train_data_free(&d);
    if (rc)
        return -1;
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

/* Everything from the command line, checked; nothing is written. */
static int configure(int argc, char **argv, compare_config *c)
{
    const char *acts = ANALYSIS_DEFAULT_ACTS;
    memset(c, 0, sizeof *c);
    if (find_preset(argc, argv, &c->preset))
        return -1;
    compare_preset_opts(c->preset, &c->base);
    c->seeds = c->preset->seeds;
    snprintf(c->out, sizeof c->out, "runs/compare-%s", c->preset->name);
    if (parse(argc, argv, c, &acts) || analysis_parse_acts("--acts", acts, &c->acts))
        return -1;
    compare_preset_finish(c->preset, &c->base);
    snprintf(c->base.out, sizeof c->base.out, "%s", c->out);
    if (train_opts_check(&c->base) || check_data(&c->base))
        return -1;
    return 0;
}

/* ------------------------------------------------------------ the runs --- */

typedef enum { STATE_NEW, STATE_PARTIAL, STATE_DONE } run_state;

static void run_dir(const compare_config *c, int act, int seed, char *buf, size_t size)
{
    snprintf(buf, size, "%s/runs/%s-s%d", c->out, c->acts.name[act], seed);
}

static int exists(const char *dir, const char *file)
{
    char p[PATH_MAX + 32];
    train_path(p, sizeof p, dir, file);
    return access(p, F_OK) == 0;
}

static run_state state_of(const char *dir)
{
    if (!exists(dir, "checkpoint.safetensors"))
        return STATE_NEW; /* a summary without its checkpoint has no curves */
    return exists(dir, "summary.json") ? STATE_DONE : STATE_PARTIAL;
}

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

static void print_result(const compare_config *c, const compare_run *r)
{
    if (r->status == RUN_DIVERGED)
        printf("diverged (the training loss became NaN or infinite): no result");
    else if (c->base.model.kind == NN_MODEL_GPT)
        printf("val ppl %.3f, %.4f bits/byte", r->metric, r->loss);
    else
        printf("test acc %.4f, test loss %.4f", r->metric, r->loss);
    printf(" (%.1f s)", r->seconds);
}

/* A summary.json left without its checkpoint would make the run look done
 * if it stopped part-way: it goes before the run starts again. */
static void remove_summary(const char *dir)
{
    char p[PATH_MAX + 32];
    train_path(p, sizeof p, dir, "summary.json");
    if (remove(p) != 0 && errno != ENOENT)
        cli_error("cannot remove %s: %s", p, strerror(errno));
}

/* The options of one run: fresh from the recipe, or (resume) the
 * checkpoint's own, as golu train --resume takes them. */
static int run_opts(const compare_config *c, const compare_run *r, const char *dir,
                    int resume, train_opts *o)
{
    *o = c->base;
    snprintf(o->out, sizeof o->out, "%s", dir);
    if (!resume) {
        o->model.act = c->acts.act[r->act];
        snprintf(o->act_name, sizeof o->act_name, "%s", c->acts.name[r->act]);
        o->seed = (uint64_t)r->seed;
        return 0;
    }
    char path[PATH_MAX + 32];
    train_path(path, sizeof path, dir, "checkpoint.safetensors");
    nn_st_file *f = NULL;
    nn_err err = {""};
    if (nn_st_open(&f, path, &err)) {
        cli_error("%s (delete %s to train that run again)", err.msg, dir);
        return -1;
    }
    int rc = train_opts_from_meta(o, f, path);
    nn_st_close(f);
    return rc;
}

/* Trains (or resumes) run r in dir. Returns train_run's status, except that
 * a run that diverged is a result (0). */
static int train_one(const compare_config *c, compare_run *r, int index, const char *dir,
                     int resume, progress *p)
{
    char label[96];
    snprintf(label, sizeof label, "[%d/%d] %s seed %d", index + 1, p->total,
             c->acts.name[r->act], r->seed);
    train_opts o;
    if (run_opts(c, r, dir, resume, &o))
        return 1;
    o.quiet = 0;
    o.progress_label = label;
    if (!resume)
        remove_summary(dir);
    /* On a terminal the progress line shows the start; in a log, a line. */
    if (!isatty(1) || !isatty(2)) {
        printf("%s: %s\n", label, resume ? "resuming" : "training");
        fflush(stdout);
    }
    double t0 = cli_now();
    train_result res;
    int rc = train_run(&o, resume, &res);
    if (rc == 1 && res.diverged)
        rc = 0;
    if (rc == 0 && !resume)
        p->fresh_seconds += cli_now() - t0, p->fresh++;
    return rc;
}

/* How many runs are in each state; prints what is about to happen. */
static void announce(const compare_config *c, progress *p)
{
    int state_count[3] = {0, 0, 0};
    char dir[PATH_MAX];
    for (int s = 1; s <= c->seeds; s++)
        for (int a = 0; a < c->acts.n; a++) {
            run_dir(c, a, s, dir, sizeof dir);
            state_count[state_of(dir)]++;
        }
    p->total = c->acts.n * c->seeds;
    p->to_train = p->total - state_count[STATE_DONE];
    printf("golu compare: preset %s, %d activation%s x %d seed%s = %d runs in %s\n",
           c->preset->name, c->acts.n, c->acts.n == 1 ? "" : "s", c->seeds,
           c->seeds == 1 ? "" : "s", p->total, c->out);
    if (p->to_train == 0)
        printf("all %d runs are done already: nothing to train (delete a run's "
               "directory under %s/runs to train it again)\n",
               p->total, c->out);
    else if (state_count[STATE_DONE] + state_count[STATE_PARTIAL] > 0)
        printf("%d runs are done, %d to resume, %d to start: continuing\n",
               state_count[STATE_DONE], state_count[STATE_PARTIAL],
               state_count[STATE_NEW]);
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
 * read back into runs[]. Returns 0, or the status to exit with: 3 when a run
 * was stopped (Ctrl-C or --stop-after), 1 or 2 when one failed.
 */
static int run_all(const compare_config *c, compare_run *runs)
{
    const compare_metric *m = compare_metric_of(c->base.model.kind);
    progress p = {0, 0, 0, 0, 0, 0};
    announce(c, &p);
    char dir[PATH_MAX];
    int k = 0;
    for (int s = 1; s <= c->seeds; s++)
        for (int a = 0; a < c->acts.n; a++, k++) {
            compare_run *r = &runs[k];
            r->act = a, r->seed = s;
            run_dir(c, a, s, dir, sizeof dir);
            run_state st = state_of(dir);
            if (st != STATE_DONE) {
                int rc = train_one(c, r, k, dir, st == STATE_PARTIAL, &p);
                if (rc == 3)
                    stopped(&p);
                else if (rc)
                    cli_error("the run in %s failed; the compare stops here (the same "
                              "command again retries it)",
                              dir);
                if (rc)
                    return rc;
            }
            if (compare_run_load(dir, m, r))
                return 1;
            if (st == STATE_DONE) {
                p.done_seconds += isfinite(r->seconds) ? r->seconds : 0, p.done++;
                continue;
            }
            p.to_train--;
            printf("[%d/%d] %s seed %d: ", k + 1, p.total, c->acts.name[a], s);
            print_result(c, r);
            print_time_left(&p);
            printf("\n");
            fflush(stdout);
        }
    return 0;
}

int golu_cmd_compare(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    compare_config c;
    if (configure(argc, argv, &c))
        return 2;
    char runs_dir[PATH_MAX];
    snprintf(runs_dir, sizeof runs_dir, "%s/runs", c.out);
    if (make_dirs(c.out) || compare_config_save_or_check(&c) || make_dirs(runs_dir))
        return 2;
    blas_setup(c.base.threads);
    int n = c.acts.n * c.seeds;
    compare_run *runs = calloc((size_t)n, sizeof *runs);
    if (!runs) {
        cli_error("out of memory");
        return 1;
    }
    int rc = run_all(&c, runs);
    if (rc == 0)
        rc = compare_report(&c, runs, n);
    for (int i = 0; i < n; i++)
        compare_run_free(&runs[i]);
    free(runs);
    return rc;
}
