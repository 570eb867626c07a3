/*
 * test_lab_compare_report.c - a compare's result files
 * (src/lab/compare_report.h) from a set of runs made here: three
 * activations over two seeds, given out of order, one run of golu and both
 * of gelu diverged:
 *
 *   - results.csv is the exact text: one row per run, activation by
 *     activation then seed by seed, "%.10g", empty fields for a diverged
 *     run's values;
 *   - results.json holds the configuration, the total time, every run and
 *     per activation n, diverged, mean, sample std, min, max, the loss's
 *     mean and std and the rank, recomputed here (null where there is no
 *     value), and the best activation; integers are written as integers;
 *   - results.md has the table with the best mean in bold, the ranking and
 *     the plots, or the note saying why there are none;
 *   - the plots' data are the means over the seeds that did not diverge,
 *     the scripts name their data and the terminal given; the same data
 *     from rows 11 columns wide (a task made here);
 *   - a file that cannot be written fails with its name.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compare_report.h"
#include "files.h"
#include "harness.h"
#include "json.h"
#include "nn.h"

static char dir[PATH_MAX - 256];

enum { NACTS = 3, SEEDS = 2, NRUNS = NACTS * SEEDS, NROWS = 2 };

/* The runs: act 0 relu, 1 golu, 2 gelu. */
static const struct {
    int act, seed, diverged;
    double metric, loss, seconds;
} RUNS[NRUNS] = {
    /* out of order on purpose */
    {1, 2, 1, NAN, NAN, 0.25},  {0, 2, 0, 0.90, 0.70, 2.5}, {2, 1, 1, NAN, NAN, 0.125},
    {0, 1, 0, 0.85, 0.80, 1.5}, {1, 1, 0, 0.95, 0.50, 1.0}, {2, 2, 1, NAN, NAN, 0.125},
};

static double rows[NRUNS][NROWS * NN_METRIC_COLS_MAX];

/* Row i of run k (task->ncols columns): epoch i + 1, the metric 0.1 below
 * the final one in the first epoch, the training loss 1 + k + i; 99
 * elsewhere. */
static void make_runs(const nn_task_desc *task, lab_compare_run *runs)
{
    const nn_task_metric *m = task->metric;
    for (int k = 0; k < NRUNS; k++) {
        lab_compare_run *r = &runs[k];
        r->act = RUNS[k].act, r->seed = RUNS[k].seed;
        r->status = RUNS[k].diverged ? LAB_RUN_DIVERGED : LAB_RUN_OK;
        r->metric = RUNS[k].metric, r->loss = RUNS[k].loss, r->seconds = RUNS[k].seconds;
        for (int i = 0; i < NROWS; i++) {
            double *row = rows[k] + i * task->ncols;
            for (int c = 0; c < task->ncols; c++)
                row[c] = 99; /* what a diverged run's rows hold must not show */
            row[m->x_col] = i + 1;
            row[m->col] = RUNS[k].diverged ? 99 : RUNS[k].metric - 0.1 * (NROWS - 1 - i);
            row[m->train_loss_col] = RUNS[k].diverged ? 99 : 1 + k + i;
        }
        r->rows = rows[k], r->nrows = NROWS;
    }
}

static void config_for(lab_compare_config *c)
{
    memset(c, 0, sizeof *c);
    c->preset = nn_preset_find("quick");
    nn_preset_config(c->preset, &c->base);
    nn_preset_finish(c->preset, &c->base);
    snprintf(c->base.data, sizeof c->base.data, "/data/fm \"x\"");
    static const golu_act_kind kinds[NACTS] = {GOLU_ACT_RELU, GOLU_ACT_GOLU,
                                               GOLU_ACT_GELU};
    static const char *const names[NACTS] = {"relu", "golu", "gelu"};
    c->nacts = NACTS;
    for (int a = 0; a < NACTS; a++)
        c->act[a] = golu_act_default(kinds[a]), c->act_name[a] = names[a];
    c->seeds = SEEDS;
    snprintf(c->out, sizeof c->out, "%s", dir);
}

static char *slurp(const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!CHECK(f != NULL, "%s is missing", path))
        return NULL;
    char *buf = calloc(1, 1 << 16);
    if (buf)
        fread(buf, 1, (1 << 16) - 1, f);
    fclose(f);
    return buf;
}

static void path_of(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
}

/* --------------------------------------------------------- results.csv --- */

static void test_csv(const lab_compare_report *R)
{
    char path[PATH_MAX];
    nn_err err = {""};
    path_of(path, sizeof path, "results.csv");
    if (!CHECK(lab_compare_csv_write(R, path, &err) == 0, "csv: %s", err.msg))
        return;
    char *got = slurp("results.csv");
    const char *want = "act,seed,test_acc,test_loss,seconds,status\n"
                       "relu,1,0.85,0.8,1.5,ok\n"
                       "relu,2,0.9,0.7,2.5,ok\n"
                       "golu,1,0.95,0.5,1,ok\n"
                       "golu,2,,,0.25,diverged\n"
                       "gelu,1,,,0.125,diverged\n"
                       "gelu,2,,,0.125,diverged\n";
    CHECK(got && strcmp(got, want) == 0, "results.csv:\n%s\nwant:\n%s", got, want);
    free(got);
}

/* -------------------------------------------------------- results.json --- */

static double number(const nn_json *o, const char *key)
{
    const nn_json *v = nn_json_get(o, key);
    return v && v->type == NN_JSON_NUMBER ? v->number : NAN;
}

static int is_null(const nn_json *o, const char *key)
{
    const nn_json *v = nn_json_get(o, key);
    return v && v->type == NN_JSON_NULL;
}

static const char *string(const nn_json *o, const char *key)
{
    const nn_json *v = nn_json_get(o, key);
    return v && v->type == NN_JSON_STRING ? v->str : "";
}

static int close_to(double a, double b)
{
    return fabs(a - b) <= 1e-12 * fmax(1, fabs(b));
}

/* One activation's entry against values computed here (NAN: null). */
static void check_act(const nn_json *g, const char *name, int n, int diverged,
                      const double want[6], int rank)
{
    static const char *const keys[6] = {"mean", "std",       "min",
                                        "max",  "loss_mean", "loss_std"};
    CHECK(strcmp(string(g, "act"), name) == 0, "activation %s: act is %s", name,
          string(g, "act"));
    CHECK(number(g, "n") == n && number(g, "diverged") == diverged &&
              number(g, "rank") == rank,
          "%s: n %g diverged %g rank %g, want %d %d %d", name, number(g, "n"),
          number(g, "diverged"), number(g, "rank"), n, diverged, rank);
    for (int k = 0; k < 6; k++) {
        if (isnan(want[k]))
            CHECK(is_null(g, keys[k]), "%s: %s should be null", name, keys[k]);
        else
            CHECK(close_to(number(g, keys[k]), want[k]), "%s: %s %.17g, want %.17g", name,
                  keys[k], number(g, keys[k]), want[k]);
    }
}

static void check_runs(const nn_json *runs)
{
    if (!CHECK(runs && runs->type == NN_JSON_ARRAY && runs->len == NRUNS,
               "runs should list %d runs", NRUNS))
        return;
    /* in file order: relu 1, 2, golu 1, 2, gelu 1, 2 */
    static const int order[NRUNS] = {3, 1, 4, 0, 2, 5};
    static const char *const names[NACTS] = {"relu", "golu", "gelu"};
    for (int i = 0; i < NRUNS; i++) {
        const nn_json *r = &runs->items[i];
        int k = order[i];
        CHECK(strcmp(string(r, "act"), names[RUNS[k].act]) == 0 &&
                  number(r, "seed") == RUNS[k].seed &&
                  number(r, "seconds") == RUNS[k].seconds,
              "run %d: %s seed %g %g s", i, string(r, "act"), number(r, "seed"),
              number(r, "seconds"));
        CHECK(strcmp(string(r, "status"), RUNS[k].diverged ? "diverged" : "ok") == 0,
              "run %d: status %s", i, string(r, "status"));
        if (RUNS[k].diverged)
            CHECK(is_null(r, "test_acc") && is_null(r, "test_loss"),
                  "run %d diverged: its values should be null", i);
        else /* every digit: the very doubles */
            CHECK(number(r, "test_acc") == RUNS[k].metric &&
                      number(r, "test_loss") == RUNS[k].loss,
                  "run %d: %.17g %.17g", i, number(r, "test_acc"),
                  number(r, "test_loss"));
    }
}

static void test_json(const lab_compare_report *R)
{
    char path[PATH_MAX];
    nn_err err = {""};
    path_of(path, sizeof path, "results.json");
    if (!CHECK(lab_compare_json_write(R, path, &err) == 0, "json: %s", err.msg))
        return;
    char *text = slurp("results.json");
    char msg[128] = "";
    nn_json *j = text ? nn_json_parse(text, strlen(text), msg, sizeof msg) : NULL;
    if (!CHECK(j != NULL, "results.json: %s", msg)) {
        free(text);
        return;
    }
    CHECK(strcmp(string(j, "preset"), "quick") == 0 &&
              strcmp(string(j, "model"), "mlp") == 0 &&
              strcmp(string(j, "data"), "/data/fm \"x\"") == 0 &&
              strcmp(string(j, "metric"), "test_acc") == 0 &&
              strcmp(string(j, "loss"), "test_loss") == 0 &&
              strcmp(string(j, "date"), "2024-05-01 14:03 UTC") == 0 &&
              strcmp(string(j, "machine"), "a CPU, 1 thread") == 0,
          "results.json's configuration:\n%s", text);
    const nn_json *hib = nn_json_get(j, "higher_is_better");
    CHECK(hib && hib->type == NN_JSON_BOOL && hib->boolean, "higher_is_better");
    CHECK(number(j, "seconds") == 5.5, "seconds %g, want 5.5", number(j, "seconds"));
    /* integers stay integers (Python tells 2 from 2.0) */
    CHECK(strstr(text, "\"seeds\": 2,") && strstr(text, "\"seed\": 1,") &&
              strstr(text, "\"n\": 2,") && strstr(text, "\"rank\": 1\n"),
          "results.json should write integers as integers:\n%s", text);
    check_runs(nn_json_get(j, "runs"));
    const nn_json *acts = nn_json_get(j, "activations");
    if (CHECK(acts && acts->type == NN_JSON_ARRAY && acts->len == NACTS,
              "activations should list %d", NACTS)) {
        double mean = (0.85 + 0.90) / 2, lmean = (0.80 + 0.70) / 2;
        double std =
            sqrt(((0.85 - mean) * (0.85 - mean) + (0.90 - mean) * (0.90 - mean)));
        double lstd =
            sqrt(((0.80 - lmean) * (0.80 - lmean) + (0.70 - lmean) * (0.70 - lmean)));
        const double relu[6] = {mean, std, 0.85, 0.90, lmean, lstd};
        const double golu[6] = {0.95, NAN, 0.95, 0.95, 0.50, NAN};
        const double gelu[6] = {NAN, NAN, NAN, NAN, NAN, NAN};
        check_act(&acts->items[0], "relu", 2, 0, relu, 2);
        check_act(&acts->items[1], "golu", 1, 1, golu, 1);
        check_act(&acts->items[2], "gelu", 0, 2, gelu, 0);
    }
    CHECK(strcmp(string(j, "best"), "golu") == 0, "best %s, want golu",
          string(j, "best"));
    nn_json_free(j);
    free(text);
}

/* ---------------------------------------------------------- results.md --- */

static void test_md(const lab_compare_report *R)
{
    char path[PATH_MAX];
    nn_err err = {""};
    path_of(path, sizeof path, "results.md");
    if (!CHECK(lab_compare_md_write(R, path, "", &err) == 0, "md: %s", err.msg))
        return;
    char *md = slurp("results.md");
    static const char *const want[] = {
        "# golu compare: quick\n",
        "| activations | relu, golu, gelu |\n",
        "| seeds | 2 per activation (seeds 1..2) |\n",
        "| data | `/data/fm \"x\"` |\n",
        "| date | 2024-05-01 14:03 UTC |\n| machine | a CPU, 1 thread |\n",
        "| time | 0m06s of training (6 runs;",
        "## Final test accuracy (higher is better)\n\n"
        "| activation | mean | std | min | max | n | test loss (mean ± std) |\n"
        "|---|---:|---:|---:|---:|---:|---:|\n"
        "| relu | 0.8750 | 0.0354 | 0.8500 | 0.9000 | 2 | 0.7500 ± 0.0707 |\n"
        "| **golu** | **0.9500** | - | 0.9500 | 0.9500 | 1 (1 diverged) | 0.5000 |\n"
        "| gelu | - | - | - | - | 0 (2 diverged) | - |\n",
        "Ranking by mean test accuracy:\n\n"
        "1. golu: 0.9500 ± -\n"
        "2. relu: 0.8750 ± 0.0354, 0.0750 lower than the best\n"
        "- gelu: no result (every run diverged)\n",
        "## Plots\n\n![validation curves](plots/curves.png)\n",
    };
    for (size_t i = 0; md && i < sizeof want / sizeof want[0]; i++)
        CHECK(strstr(md, want[i]) != NULL, "results.md lacks\n%s\nin:\n%s", want[i], md);
    free(md);
    if (!CHECK(lab_compare_md_write(R, path, "gnuplot is missing", &err) == 0, "md: %s",
               err.msg))
        return;
    md = slurp("results.md");
    CHECK(md && strstr(md, "\nPlots: not drawn: gnuplot is missing.\n") &&
              !strstr(md, "## Plots"),
          "results.md should carry the note instead of the plots:\n%s", md);
    free(md);
}

/* --------------------------------------------------------------- plots --- */

static void test_plots(const lab_compare_report *R)
{
    char plots[PATH_MAX];
    nn_err err = {""};
    path_of(plots, sizeof plots, "plots");
    mkdir(plots, 0777);
    if (!CHECK(lab_compare_plots_write(R, plots, "set terminal png", &err) == 0,
               "plots: %s", err.msg))
        return;
    /* the metric's curve: per epoch the mean over the seeds that did not
     * diverge; gelu has none */
    char want[512];
    snprintf(want, sizeof want,
             "# relu\n1 %.10g\n2 %.10g\n\n\n# golu\n1 %.10g\n2 %.10g\n\n\n",
             ((0.85 - 0.1) + (0.90 - 0.1)) / 2, (0.85 + 0.90) / 2, 0.95 - 0.1, 0.95);
    char *got = slurp("plots/curves.dat");
    CHECK(got && strcmp(got, want) == 0, "curves.dat:\n%s\nwant:\n%s", got, want);
    free(got);
    /* training loss: runs 3 and 1 (relu seeds 1, 2), run 4 (golu seed 1) */
    snprintf(want, sizeof want, "# relu\n1 3\n2 4\n\n\n# golu\n1 5\n2 6\n\n\n");
    got = slurp("plots/train_loss.dat");
    CHECK(got && strcmp(got, want) == 0, "train_loss.dat:\n%s\nwant:\n%s", got, want);
    free(got);
    double mean = (0.85 + 0.90) / 2;
    double std = sqrt((0.85 - mean) * (0.85 - mean) + (0.90 - mean) * (0.90 - mean));
    snprintf(want, sizeof want,
             "# index act mean std min max best\n0 relu %.10g %.10g 0.85 0.9 0\n"
             "1 golu 0.95 0 0.95 0.95 1\n",
             mean, std);
    got = slurp("plots/final.dat");
    CHECK(got && strcmp(got, want) == 0, "final.dat:\n%s\nwant:\n%s", got, want);
    free(got);
    got = slurp("plots/curves.gp");
    CHECK(got && strncmp(got, "# Redraw with: gnuplot DIR/curves.gp", 36) == 0 &&
              strstr(got, "\nset terminal png\n") &&
              strstr(got, "set output d.\"curves.png\"\n") &&
              strstr(got, "set xtics 1\n") &&
              strstr(got, "plot d.\"curves.dat\" index 0 using 1:2 with linespoints "
                          "title \"relu\", \\\n     d.\"curves.dat\" index 1 using 1:2 "
                          "with linespoints title \"golu\"\n") &&
              !strstr(got, "gelu"),
          "curves.gp:\n%s", got);
    free(got);
    got = slurp("plots/final.gp");
    CHECK(got && strstr(got, "set xrange [-0.5:2.5]\n") &&
              strstr(got, "set title \"quick: final test accuracy (mean +/- std over 2 "
                          "seeds; min and max)\"\n"),
          "final.gp:\n%s", got);
    free(got);
}

/* A directory that is not there: each writer fails naming its file. */
static void test_failures(const lab_compare_report *R)
{
    char path[PATH_MAX];
    nn_err err = {""};
    path_of(path, sizeof path, "missing/results.csv");
    CHECK(lab_compare_csv_write(R, path, &err) == -1 && strstr(err.msg, path),
          "csv into a missing directory: %s", err.msg);
    path_of(path, sizeof path, "missing/results.json");
    CHECK(lab_compare_json_write(R, path, &err) == -1 && strstr(err.msg, path),
          "json into a missing directory: %s", err.msg);
    path_of(path, sizeof path, "missing/results.md");
    CHECK(lab_compare_md_write(R, path, "", &err) == -1 && strstr(err.msg, path),
          "md into a missing directory: %s", err.msg);
    path_of(path, sizeof path, "missing");
    CHECK(lab_compare_plots_write(R, path, "set terminal png", &err) == -1 &&
              strstr(err.msg, "missing/curves.dat"),
          "plots into a missing directory: %s", err.msg);
    path_of(path, sizeof path, "missing");
    CHECK(access(path, F_OK) != 0, "nothing should have been created");
}

int main(void)
{
    TEST_BEGIN("lab_compare_report");
    if (files_tmpdir_make(dir, sizeof dir, "golu-lab-report-"))
        return TEST_END();
    lab_compare_config c;
    config_for(&c);
    lab_compare_run runs[NRUNS];
    make_runs(nn_task_of(&c.base), runs);
    lab_compare_report R;
    nn_err err = {""};
    if (!CHECK(lab_compare_report_init(&R, &c, runs, NRUNS, "2024-05-01 14:03 UTC",
                                       "a CPU, 1 thread", &err) == 0,
               "init: %s", err.msg))
        return TEST_END();
    CHECK(lab_compare_report_seconds(&R) == 5.5, "total %g s, want 5.5",
          lab_compare_report_seconds(&R));
    char buf[32];
    CHECK(strcmp(lab_compare_seeds_text(1, buf, sizeof buf), "seed 1") == 0 &&
              strcmp(lab_compare_seeds_text(3, buf, sizeof buf), "seeds 1..3") == 0,
          "seeds text %s", buf);
    test_csv(&R);
    test_json(&R);
    test_md(&R);
    test_plots(&R);
    test_failures(&R);
    /* the same plots from rows 11 columns wide: the image task's first 8,
     * then three more */
    nn_task_desc task11 = nn_task_images;
    task11.ncols = 11;
    nn_model_desc model11 = *c.base.model.desc;
    const nn_task_desc *tasks11[] = {&task11, NULL};
    model11.tasks = tasks11;
    c.base.model.desc = &model11, c.base.model.task = NULL;
    make_runs(&task11, runs);
    if (CHECK(lab_compare_report_init(&R, &c, runs, NRUNS, "2024-05-01 14:03 UTC",
                                      "a CPU, 1 thread", &err) == 0 &&
                  R.task == &task11,
              "init, 11 columns: %s", err.msg))
        test_plots(&R);
    files_tmpdir_done(dir);
    return TEST_END();
}
