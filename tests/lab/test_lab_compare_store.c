/*
 * test_lab_compare_store.c - what a compare keeps in its directory
 * (src/lab/compare_store.h), on files written here:
 *
 *   - compare.json holds the configuration (preset, model, activations,
 *     seeds, the task's amount of training, batch, data), read back with
 *     the JSON parser and checked value by value; the same configuration
 *     again is accepted, another one refused naming what differs;
 *   - a finished run is read back from a summary.json and a checkpoint
 *     holding run.metrics made here: its metric and loss are the last
 *     row's columns the task's metric names; a diverged run has none;
 *     malformed files are refused by name;
 *   - a run directory is new, partial (a checkpoint) or done (checkpoint
 *     and summary, or summary and metrics.json: a run kept without its
 *     checkpoint, whose rows are read from metrics.json by column name); a fresh run's
 * configuration is the recipe with its activation and seed, a resumed one needs its
 * checkpoint.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compare_store.h"
#include "files.h"
#include "harness.h"
#include "json.h"
#include "nn.h"

static char dir[PATH_MAX - 256];

static void config_for(lab_compare_config *c, const char *preset, const char *out)
{
    memset(c, 0, sizeof *c);
    c->preset = nn_preset_find(preset);
    nn_preset_config(c->preset, &c->base);
    nn_preset_finish(c->preset, &c->base);
    snprintf(c->base.data, sizeof c->base.data, "/data/x \"y\"");
    c->nacts = 2;
    c->act[0] = golu_act_default(GOLU_ACT_RELU), c->act_name[0] = "relu";
    c->act[1] = golu_act_default(GOLU_ACT_GOLU), c->act_name[1] = "golu";
    c->seeds = 2;
    snprintf(c->out, sizeof c->out, "%s/%s", dir, out);
    mkdir(c->out, 0777);
}

static nn_json *read_json(const char *path)
{
    static char buf[1 << 14];
    FILE *f = fopen(path, "rb");
    if (!CHECK(f != NULL, "%s is missing", path))
        return NULL;
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    char err[128] = "";
    nn_json *v = nn_json_parse(buf, n, err, sizeof err);
    CHECK(v != NULL, "%s: %s", path, err);
    return v;
}

static double number(const nn_json *o, const char *key)
{
    const nn_json *v = nn_json_get(o, key);
    return v && v->type == NN_JSON_NUMBER ? v->number : NAN;
}

static const char *string(const nn_json *o, const char *key)
{
    const nn_json *v = nn_json_get(o, key);
    return v && v->type == NN_JSON_STRING ? v->str : "";
}

static void test_config(void)
{
    lab_compare_config c;
    config_for(&c, "quick", "quick");
    nn_err err = {""};
    if (!CHECK(lab_compare_config_save_or_check(&c, &err) == 0, "a new compare: %s",
               err.msg))
        return;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/compare.json", c.out);
    nn_json *j = read_json(path);
    if (!j)
        return;
    const nn_json *acts = nn_json_get(j, "acts");
    CHECK(strcmp(string(j, "format"), "golu-compare-1") == 0 &&
              strcmp(string(j, "preset"), "quick") == 0 &&
              strcmp(string(j, "model"), "mlp") == 0,
          "format, preset, model");
    CHECK(acts && acts->type == NN_JSON_ARRAY && acts->len == 2 &&
              strcmp(acts->items[0].str, "relu") == 0 &&
              strcmp(acts->items[1].str, "golu") == 0,
          "acts [relu, golu]");
    CHECK(number(j, "seeds") == 2 && number(j, "epochs") == 2 &&
              number(j, "limit_train") == 0 && number(j, "limit_test") == 0 &&
              number(j, "batch") == 128 && !nn_json_get(j, "steps"),
          "seeds 2, epochs 2, limit_train 0, limit_test 0, batch 128, no steps");
    CHECK(strcmp(string(j, "data"), "/data/x \"y\"") == 0, "data: '%s'",
          string(j, "data"));
    CHECK(j->len == 10, "%zu keys (want 10)", j->len);
    nn_json_free(j);
    /* the same again: accepted; threads do not matter */
    c.base.threads = 7;
    CHECK(lab_compare_config_save_or_check(&c, &err) == 0, "the same compare: %s",
          err.msg);
    c.seeds = 3;
    CHECK(lab_compare_config_save_or_check(&c, &err) == -1 &&
              strstr(err.msg, "seeds is 2 there, 3 in this command"),
          "3 seeds: '%s'", err.msg);
    c.seeds = 2, c.act_name[1] = "gelu";
    CHECK(lab_compare_config_save_or_check(&c, &err) == -1 &&
              strstr(err.msg, "acts is relu,golu there, relu,gelu in this command"),
          "other acts: '%s'", err.msg);
    /* the gpt preset records its steps, not epochs */
    config_for(&c, "gpt", "gpt");
    c.base.steps = 40;
    CHECK(lab_compare_config_save_or_check(&c, &err) == 0, "gpt compare: %s", err.msg);
    snprintf(path, sizeof path, "%s/compare.json", c.out);
    if ((j = read_json(path))) {
        CHECK(number(j, "steps") == 40 && !nn_json_get(j, "epochs") &&
                  strcmp(string(j, "model"), "gpt") == 0,
              "gpt: steps 40, no epochs");
        nn_json_free(j);
    }
    /* a broken compare.json is refused by name */
    config_for(&c, "quick", "broken");
    snprintf(path, sizeof path, "%s/compare.json", c.out);
    FILE *f = fopen(path, "w");
    fputs("{\"format\": ", f);
    fclose(f);
    CHECK(lab_compare_config_save_or_check(&c, &err) == -1 && strstr(err.msg, path) &&
              strstr(err.msg, "not valid JSON"),
          "broken compare.json: '%s'", err.msg);
}

/* A run directory: summary.json with the text given, and (rows >= 0) a
 * checkpoint with run.metrics of that many rows of width columns, row i
 * column c = 10 i + c. */
static void make_run(const char *run, const char *summary, int rows, int width)
{
    mkdir(run, 0777);
    char path[PATH_MAX + 32];
    nn_train_path(path, sizeof path, run, "summary.json");
    FILE *f = fopen(path, "w");
    fputs(summary, f);
    fclose(f);
    if (rows < 0)
        return;
    double m[4 * NN_METRIC_COLS_MAX], none = 0;
    for (int i = 0; i < rows * width; i++)
        m[i] = 10 * (i / width) + i % width;
    nn_st_tensor t = {"run.metrics", NN_ST_F64, 2, {rows, width}, rows ? m : &none};
    nn_train_path(path, sizeof path, run, "checkpoint.safetensors");
    nn_err err;
    CHECK(nn_st_write(path, &t, 1, NULL, 0, &err) == 0, "%s", err.msg);
}

static void test_runs(void)
{
    lab_compare_config c;
    config_for(&c, "quick", "runs-of-quick");
    char runs[PATH_MAX], run[PATH_MAX];
    snprintf(runs, sizeof runs, "%s/runs", c.out);
    mkdir(runs, 0777);
    lab_compare_run_dir(&c, 1, 2, run, sizeof run);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "%s/runs/golu-s2", c.out);
    CHECK(strcmp(run, want) == 0, "run dir %s, want %s", run, want);
    const nn_task_desc *img = &nn_task_images; /* test_acc: column 5, loss 4 */
    make_run(run, "{\"seconds\": 1.5, \"diverged\": false}", 3, img->ncols);
    lab_compare_run r;
    nn_err err = {""};
    int rc = lab_compare_run_load(run, img, &r, &err);
    CHECK(rc == 0 && r.status == LAB_RUN_OK && r.seconds == 1.5 && r.nrows == 3 &&
              r.metric == 25 && r.loss == 24,
          "a run: status %d rows %d metric %g loss %g seconds %g (%s)", rc, r.nrows,
          r.metric, r.loss, r.seconds, err.msg);
    CHECK(r.rows && r.rows[img->ncols + 3] == 13, "its rows are run.metrics");
    lab_compare_run_free(&r);
    CHECK(r.rows == NULL && r.nrows == 0, "freed");
    /* the text task's metric: perplexity in column 3, bits per byte in 4 */
    rc = lab_compare_run_load(run, &nn_task_text, &r, &err);
    CHECK(rc == 0 && r.metric == 23 && r.loss == 24, "text metric %g loss %g", r.metric,
          r.loss);
    lab_compare_run_free(&r);
    /* a task of 5 columns (metric in 4, loss in 3): its rows are 5 wide, and
     * a run of another width is refused by file and key */
    static const nn_task_metric m5 = {
        "test_acc", "test accuracy", "test_loss", "test loss", 1,   4, 3, 0,
        2,          "epoch",         4,           1,           NULL};
    nn_task_desc task5 = nn_task_images;
    task5.ncols = 5, task5.metric = &m5;
    make_run(run, "{\"seconds\": 1, \"diverged\": false}", 3, 5);
    rc = lab_compare_run_load(run, &task5, &r, &err);
    CHECK(rc == 0 && r.nrows == 3 && r.metric == 24 && r.loss == 23 && r.rows &&
              r.rows[5 + 2] == 12,
          "5 columns: status %d rows %d metric %g loss %g (%s)", rc, r.nrows, r.metric,
          r.loss, err.msg);
    lab_compare_run_free(&r);
    char ck[PATH_MAX + 32];
    nn_train_path(ck, sizeof ck, run, "checkpoint.safetensors");
    rc = lab_compare_run_load(run, img, &r, &err);
    CHECK(rc == -1 && r.rows == NULL && strstr(err.msg, ck) &&
              strstr(err.msg, "run.metrics has rows of 5 columns; the task's have 8"),
          "5 columns read as 8: status %d '%s'", rc, err.msg);
    make_run(run, "{\"seconds\": 1, \"diverged\": false}", 2, 11);
    rc = lab_compare_run_load(run, &task5, &r, &err);
    CHECK(rc == -1 && strstr(err.msg, ck) &&
              strstr(err.msg, "run.metrics has rows of 11 columns; the task's have 5"),
          "11 columns read as 5: status %d '%s'", rc, err.msg);
    /* diverged: no result, the rows kept for the curves */
    make_run(run, "{\"diverged\": true}", 1, img->ncols);
    rc = lab_compare_run_load(run, img, &r, &err);
    CHECK(rc == 0 && r.status == LAB_RUN_DIVERGED && isnan(r.metric) && isnan(r.loss) &&
              isnan(r.seconds) && r.nrows == 1,
          "a diverged run: status %d metric %g", rc, r.metric);
    lab_compare_run_free(&r);
    /* refusals */
    make_run(run, "{\"seconds\": 2}", 1, img->ncols);
    CHECK(lab_compare_run_load(run, img, &r, &err) == -1 &&
              strstr(err.msg, "\"diverged\" is missing"),
          "no diverged: '%s'", err.msg);
    make_run(run, "{\"diverged\": false}", 0, img->ncols);
    CHECK(lab_compare_run_load(run, img, &r, &err) == -1 &&
              strstr(err.msg, "the run finished without a row of metrics"),
          "no rows: '%s'", err.msg);
    lab_compare_run_free(&r);
    lab_compare_run_dir(&c, 0, 1, run, sizeof run);
    make_run(run, "{\"diverged\": false}", -1, img->ncols);
    CHECK(lab_compare_run_load(run, img, &r, &err) == -1 &&
              strstr(err.msg, "metrics.json"),
          "no checkpoint, no metrics.json: '%s'", err.msg);
}

/* dir/metrics.json := text. */
static void put_metrics_json(const char *run, const char *text)
{
    char path[PATH_MAX + 32];
    nn_train_path(path, sizeof path, run, "metrics.json");
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

/* A run kept without its checkpoint (a compare committed to a repository):
 * done, its rows read from metrics.json by the task's column names, null as
 * NaN; a file that is not the task's is refused by name. */
static void test_kept_runs(void)
{
    lab_compare_config c;
    config_for(&c, "quick", "kept");
    char runs[PATH_MAX], run[PATH_MAX];
    snprintf(runs, sizeof runs, "%s/runs", c.out);
    mkdir(runs, 0777);
    lab_compare_run_dir(&c, 0, 1, run, sizeof run);
    make_run(run, "{\"seconds\": 2.5, \"diverged\": false}", -1, 0);
    CHECK(lab_compare_run_state(run) == LAB_RUN_NEW, "a summary alone: new");
    /* columns in another order than the task's, one null */
    put_metrics_json(run,
                     "[{\"test_acc\": 0.5, \"epoch\": 1, \"step\": 10, \"train_loss\": "
                     "null, \"train_acc\": 0.25, \"test_loss\": 2, \"lr\": 0.1, "
                     "\"seconds\": 1},\n {\"epoch\": 2, \"step\": 20, \"train_loss\": "
                     "0.75, \"train_acc\": 0.5, \"test_loss\": 1.25, \"test_acc\": "
                     "0.8125, \"lr\": 0.01, \"seconds\": 2.5}]");
    CHECK(lab_compare_run_state(run) == LAB_RUN_DONE, "summary and metrics.json: done");
    const nn_task_desc *img = &nn_task_images;
    lab_compare_run r;
    nn_err err = {""};
    int rc = lab_compare_run_load(run, img, &r, &err);
    CHECK(rc == 0 && r.status == LAB_RUN_OK && r.seconds == 2.5 && r.nrows == 2 &&
              r.metric == 0.8125 && r.loss == 1.25,
          "kept run: status %d rows %d metric %g loss %g (%s)", rc, r.nrows, r.metric,
          r.loss, err.msg);
    CHECK(r.rows && isnan(r.rows[2]) && r.rows[5] == 0.5 && r.rows[img->ncols + 1] == 20,
          "its rows by column name");
    lab_compare_run_free(&r);
    char path[PATH_MAX + 32];
    nn_train_path(path, sizeof path, run, "metrics.json");
    /* the text task's columns are not the images' */
    rc = lab_compare_run_load(run, &nn_task_text, &r, &err);
    CHECK(rc == -1 && r.rows == NULL && strstr(err.msg, path) && strstr(err.msg, "row 1"),
          "another task's metrics: '%s'", err.msg);
    put_metrics_json(run, "{\"epoch\": 1}");
    CHECK(lab_compare_run_load(run, img, &r, &err) == -1 && strstr(err.msg, path) &&
              strstr(err.msg, "not an array"),
          "an object: '%s'", err.msg);
    put_metrics_json(run, "[1, 2]");
    CHECK(lab_compare_run_load(run, img, &r, &err) == -1 &&
              strstr(err.msg, "row 1 is not an object"),
          "numbers: '%s'", err.msg);
    put_metrics_json(run, "[{\"epoch\": ");
    CHECK(lab_compare_run_load(run, img, &r, &err) == -1 && strstr(err.msg, path) &&
              strstr(err.msg, "not valid JSON"),
          "truncated: '%s'", err.msg);
    put_metrics_json(run, "[]");
    CHECK(lab_compare_run_load(run, img, &r, &err) == -1 &&
              strstr(err.msg, "without a row of metrics"),
          "no rows: '%s'", err.msg);
}

/* Where a run stands, its configuration, and a stale summary removed. */
static void test_run_states(void)
{
    lab_compare_config c;
    config_for(&c, "quick", "states");
    char runs[PATH_MAX], run[PATH_MAX], path[PATH_MAX + 32];
    snprintf(runs, sizeof runs, "%s/runs", c.out);
    mkdir(runs, 0777);
    lab_compare_run_dir(&c, 0, 1, run, sizeof run);
    CHECK(lab_compare_run_state(run) == LAB_RUN_NEW, "no directory: new");
    make_run(run, "{\"diverged\": false}", -1, nn_task_images.ncols);
    CHECK(lab_compare_run_state(run) == LAB_RUN_NEW, "a summary alone: new");
    nn_err err = {""};
    CHECK(lab_compare_summary_remove(run, &err) == 0, "remove: %s", err.msg);
    nn_train_path(path, sizeof path, run, "summary.json");
    CHECK(access(path, F_OK) != 0, "%s should be gone", path);
    CHECK(lab_compare_summary_remove(run, &err) == 0, "no summary to remove: %s",
          err.msg);
    make_run(run, "{\"diverged\": false}", 1, nn_task_images.ncols);
    CHECK(lab_compare_run_state(run) == LAB_RUN_DONE, "summary and checkpoint: done");
    remove(path);
    CHECK(lab_compare_run_state(run) == LAB_RUN_PARTIAL, "a checkpoint alone: partial");
    /* a fresh run: the recipe, this activation and seed, this directory */
    nn_train_config o;
    c.base.epochs = 3;
    lab_compare_run_dir(&c, 1, 2, run, sizeof run);
    CHECK(lab_compare_run_config(&c, 1, 2, run, 0, &o, &err) == 0, "fresh: %s", err.msg);
    CHECK(o.seed == 2 && strcmp(o.act_name, "golu") == 0 &&
              o.model.act.kind == GOLU_ACT_GOLU && strcmp(o.out, run) == 0 &&
              o.epochs == 3 && strcmp(o.data, c.base.data) == 0,
          "fresh run: seed %llu act %s out %s epochs %ld", (unsigned long long)o.seed,
          o.act_name, o.out, o.epochs);
    /* resumed: the checkpoint's own options, which must be there */
    CHECK(lab_compare_run_config(&c, 1, 2, run, 1, &o, &err) == -1 &&
              strstr(err.msg, "checkpoint.safetensors") &&
              strstr(err.msg, "to train that run again"),
          "resume without a checkpoint: '%s'", err.msg);
}

int main(void)
{
    TEST_BEGIN("lab_compare_store");
    if (files_tmpdir_make(dir, sizeof dir, "golu-store-"))
        return TEST_END();
    test_config();
    test_runs();
    test_run_states();
    test_kept_runs();
    files_tmpdir_done(dir);
    return TEST_END();
}
