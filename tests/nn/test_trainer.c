/*
 * test_trainer.c - the trainer (src/nn/train) through its library API, no
 * tool in between, on tiny generated data (tinydata.h: 8x8 IDX images, a
 * short text):
 *
 *   - a tiny mlp and a tiny gpt train; the rows the period hook sees are
 *     metrics.csv's rows, value for value; the columns hold what they say
 *     (epoch and step counts, tokens = step * batch * context, perplexity =
 *     exp(loss), bits per byte = loss / ln 2); the result is the last row;
 *     every step ticks once; nn_train_eval on the final checkpoint gives the
 *     last epoch's test loss and accuracy, bit for bit;
 *   - the stop flag (set from the tick hook, as a SIGINT handler would)
 *     gives status 3, a stopped hook and a checkpoint; resuming it ends with
 *     the weights and optimizer state of an uninterrupted run, bit for bit;
 *   - a task whose rows are 5 or 11 columns wide (the image task's row cut
 *     down or stretched, a descriptor made here) trains end to end: the
 *     hook's rows are metrics.csv's, the checkpoint's run.metrics is
 *     (rows, width) and holds the image task's values, stop and resume
 *     give the uninterrupted run bit for bit, and a checkpoint of another
 *     width is refused on resume, naming the file and run.metrics; the
 *     metrics log of such widths, to metrics.csv and metrics.json;
 *   - the configuration's round trip through the checkpoint's metadata;
 *   - bad configurations are refused with the messages the tool prints;
 *   - nn_train_step: a non-finite loss updates nothing; clipping bounds the
 *     gradient norm; lr 0 leaves SGD's weights alone.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoints.h"
#include "files.h"
#include "harness.h"
#include "nn.h"
#include "rng.h"
#include "tinydata.h"
#include "train/metrics.h"

static char dir[PATH_MAX - 256];
static char img[PATH_MAX], text[PATH_MAX];

/* ------------------------------------------------------------- hooks --- */

enum { MAX_ROWS = 16 };

typedef struct record {
    double rows[MAX_ROWS][NN_METRIC_COLS_MAX];
    int nrows, ncols; /* ncols: the task's, as the period hook saw it */
    long ticks, last_tick, stop_at, stopped_at;
    int started, resumed, monotonic;
    volatile sig_atomic_t stop;
} record;

static void on_started(void *user, long step, long total, int resumed)
{
    record *r = user;
    (void)total;
    r->started++;
    r->resumed = resumed;
    r->last_tick = step;
}

static void on_tick(void *user, const nn_train_tick *t)
{
    record *r = user;
    r->ticks++;
    r->monotonic &= t->step == r->last_tick + 1 && t->step <= t->total_steps &&
                    t->units_per_step > 0 && t->unit != NULL;
    r->last_tick = t->step;
    if (r->stop_at && t->step == r->stop_at)
        r->stop = 1; /* what a SIGINT handler would do */
}

static void on_period(void *user, const nn_task *task, const double *row)
{
    record *r = user;
    r->ncols = task->desc->ncols;
    if (r->nrows < MAX_ROWS)
        memcpy(r->rows[r->nrows++], row, (size_t)r->ncols * sizeof *row);
}

static void on_stopped(void *user, long step, long total)
{
    record *r = user;
    (void)total;
    r->stopped_at = step;
}

static nn_train_hooks hooks_for(record *r)
{
    memset(r, 0, sizeof *r);
    r->monotonic = 1;
    nn_train_hooks h = {r,         &r->stop,   on_started, on_tick,
                        on_period, on_stopped, NULL,       NULL};
    return h;
}

/* ----------------------------------------------------------- helpers --- */

static void out_dir(nn_train_config *c, const char *name)
{
    snprintf(c->out, sizeof c->out, "%s/%s", dir, name);
}

/* The tiny mlp of the tool tests: 2 epochs of 96 images in batches of 16. */
static void tiny_mlp(nn_train_config *c, const char *name)
{
    nn_train_config_defaults(c, nn_model_find("mlp"));
    snprintf(c->data, sizeof c->data, "%s", img);
    golu_act act = golu_act_default(GOLU_ACT_GOLU);
    nn_train_config_set_act(c, "golu", &act);
    c->model.learn_act = 1;
    c->epochs = 2, c->model.batch = 16, c->model.width = 16, c->threads = 1;
    c->seed = 3;
    out_dir(c, name);
}

static void tiny_gpt(nn_train_config *c, const char *name)
{
    nn_train_config_defaults(c, nn_model_find("gpt"));
    snprintf(c->data, sizeof c->data, "%s", text);
    golu_act act = golu_act_default(GOLU_ACT_SILU);
    nn_train_config_set_act(c, "silu", &act);
    c->model.layers = 1, c->model.heads = 2, c->model.width = 16;
    c->model.context = 16, c->model.batch = 4, c->model.dropout = 0.1;
    c->steps = 8, c->eval_every = 4, c->eval_batches = 2, c->sched.warmup = 2;
    c->threads = 1, c->seed = 6;
    out_dir(c, name);
}

/* metrics.csv of a run as numbers: its rows; the header's names checked
 * against the task's columns. Returns the rows read. */
static int read_csv(const char *out, const nn_task_desc *task,
                    double rows[MAX_ROWS][NN_METRIC_COLS_MAX])
{
    char path[PATH_MAX + 32], line[1024], want[1024] = "";
    nn_train_path(path, sizeof path, out, "metrics.csv");
    FILE *f = fopen(path, "r");
    if (!CHECK(f != NULL, "%s is missing", path))
        return 0;
    for (int c = 0; c < task->ncols; c++)
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s", c ? "," : "",
                 task->columns[c]);
    strcat(want, "\n");
    if (!fgets(line, sizeof line, f))
        line[0] = '\0';
    CHECK(strcmp(line, want) == 0, "metrics.csv header %s, want %s", line, want);
    int n = 0;
    while (n < MAX_ROWS && fgets(line, sizeof line, f)) {
        char *p = line;
        for (int c = 0; c < task->ncols; c++) {
            rows[n][c] = strtod(p, &p);
            p += *p == ',';
        }
        n++;
    }
    fclose(f);
    return n;
}

/* The hook's rows are metrics.csv's (printed with 10 digits: compared as
 * the file prints them). */
static void check_rows_are_csv(const char *what, const record *r, const char *out,
                               const nn_task_desc *task)
{
    double csv[MAX_ROWS][NN_METRIC_COLS_MAX];
    int n = read_csv(out, task, csv);
    CHECK(n == r->nrows, "%s: metrics.csv has %d rows, the hook saw %d", what, n,
          r->nrows);
    for (int i = 0; i < n && i < r->nrows; i++)
        for (int c = 0; c < task->ncols; c++) {
            char a[32], b[32];
            snprintf(a, sizeof a, "%.10g", r->rows[i][c]);
            snprintf(b, sizeof b, "%.10g", csv[i][c]);
            CHECK(strcmp(a, b) == 0, "%s: row %d column %s: hook %s, metrics.csv %s",
                  what, i, task->columns[c], a, b);
        }
}

/* The checkpoints in two run directories are the same but the time spent
 * (checkpoints.h). */
static void same_checkpoints(const char *what, const char *a_dir, const char *b_dir,
                             const nn_task_desc *task)
{
    char a[PATH_MAX + 32], b[PATH_MAX + 32];
    nn_train_path(a, sizeof a, a_dir, "checkpoint.safetensors");
    nn_train_path(b, sizeof b, b_dir, "checkpoint.safetensors");
    checkpoints_compare(what, a, b, task);
}

/* ------------------------------------------------------------- tests --- */

static void test_mlp(void)
{
    nn_train_config c;
    tiny_mlp(&c, "mlp");
    nn_err err = {""};
    CHECK(nn_train_config_check(&c, &err) == 0, "the tiny mlp's configuration: %s",
          err.msg);
    record r;
    nn_train_hooks h = hooks_for(&r);
    nn_train_result res;
    int rc = nn_train_run(&c, 0, &h, &res, &err);
    if (!CHECK(rc == NN_TRAIN_DONE, "mlp: status %d: %s", rc, err.msg))
        return;
    const nn_task_desc *task = nn_task_of(&c);
    CHECK(task == &nn_task_images, "the mlp's task is image classification");
    /* 96 images in batches of 16: 6 steps an epoch, 2 epochs */
    CHECK(r.started == 1 && !r.resumed, "started once, fresh");
    CHECK(r.ticks == 12 && r.monotonic, "mlp: %ld ticks (want 12, one per step)",
          r.ticks);
    CHECK(res.steps == 12 && !res.diverged, "mlp: %ld steps", res.steps);
    if (!CHECK(r.nrows == 2, "mlp: %d rows (want one per epoch: 2)", r.nrows))
        return;
    for (int i = 0; i < 2; i++) {
        CHECK(r.rows[i][0] == i + 1 && r.rows[i][1] == 6 * (i + 1),
              "row %d: epoch %g step %g (want %d, %d)", i, r.rows[i][0], r.rows[i][1],
              i + 1, 6 * (i + 1));
        CHECK(r.rows[i][3] >= 0 && r.rows[i][3] <= 1 && r.rows[i][5] >= 0 &&
                  r.rows[i][5] <= 1,
              "row %d: accuracies %g %g in [0, 1]", i, r.rows[i][3], r.rows[i][5]);
        /* 40 test images: the accuracy is a multiple of 1/40 */
        CHECK(fabs(r.rows[i][5] * 40 - round(r.rows[i][5] * 40)) < 1e-9,
              "row %d: test accuracy %g is not k/40", i, r.rows[i][5]);
        CHECK(r.rows[i][6] == c.lr, "row %d: lr %g (constant schedule: %g)", i,
              r.rows[i][6], c.lr);
    }
    check_rows_are_csv("mlp", &r, c.out, task);
    CHECK(res.train_loss == r.rows[1][2] && res.eval[0] == r.rows[1][4] &&
              res.eval[1] == r.rows[1][5],
          "the result is the last row");
    /* golu eval: the final weights on the test split, as the last epoch saw */
    char ck[PATH_MAX + 32];
    nn_train_path(ck, sizeof ck, c.out, "checkpoint.safetensors");
    nn_train_result ev;
    rc = nn_train_eval(&c, ck, &ev, &err);
    CHECK(rc == 0 && ev.eval[0] == r.rows[1][4] && ev.eval[1] == r.rows[1][5],
          "eval: status %d, loss %.17g acc %.17g; the last epoch: %.17g %.17g (%s)", rc,
          ev.eval[0], ev.eval[1], r.rows[1][4], r.rows[1][5], err.msg);
    char words[256];
    nn_train_result_text(&c, &res, words, sizeof words);
    char want[256];
    snprintf(want, sizeof want, "test acc %.4f, test loss %.4f", res.eval[1],
             res.eval[0]);
    CHECK(strcmp(words, want) == 0, "result in words: '%s', want '%s'", words, want);
    /* summary.json holds the task's evaluation keys */
    char path[PATH_MAX + 32], buf[2048] = "";
    nn_train_path(path, sizeof path, c.out, "summary.json");
    FILE *f = fopen(path, "r");
    if (CHECK(f != NULL, "summary.json is missing")) {
        buf[fread(buf, 1, sizeof buf - 1, f)] = '\0';
        fclose(f);
        CHECK(strstr(buf, "\"test_acc\"") && strstr(buf, "\"model\": \"mlp\"") &&
                  strstr(buf, "\"diverged\": false"),
              "summary.json:\n%s", buf);
    }
    /* the same directory again is refused: it holds a run */
    rc = nn_train_run(&c, 0, NULL, &res, &err);
    CHECK(rc == NN_TRAIN_BAD_INPUT && strstr(err.msg, "already holds a run"),
          "a second run in %s: status %d, '%s'", c.out, rc, err.msg);
}

static void test_stop_and_resume(void)
{
    nn_train_config c;
    tiny_mlp(&c, "mlp-part");
    record r;
    nn_train_hooks h = hooks_for(&r);
    r.stop_at = 4;
    nn_train_result res;
    nn_err err = {""};
    int rc = nn_train_run(&c, 0, &h, &res, &err);
    CHECK(rc == NN_TRAIN_STOPPED, "stop flag: status %d (want 3): %s", rc, err.msg);
    CHECK(r.stopped_at == 4 && res.steps == 4, "stopped at step %ld, result %ld (want 4)",
          r.stopped_at, res.steps);
    char path[PATH_MAX + 32];
    nn_train_path(path, sizeof path, c.out, "summary.json");
    CHECK(access(path, F_OK) != 0, "a stopped run has no summary.json");
    /* resumed: from the checkpoint's own configuration */
    nn_train_config again;
    nn_train_config_defaults(&again, nn_model_find("resnet")); /* overwritten */
    snprintf(again.out, sizeof again.out, "%s", c.out);
    again.threads = 1;
    nn_train_path(path, sizeof path, c.out, "checkpoint.safetensors");
    nn_st_file *f = NULL;
    if (!CHECK(nn_st_open(&f, path, &err) == 0, "%s", err.msg))
        return;
    rc = nn_train_config_from_meta(&again, f, path, &err);
    nn_st_close(f);
    if (!CHECK(rc == 0, "from_meta: %s", err.msg))
        return;
    h = hooks_for(&r);
    rc = nn_train_run(&again, 1, &h, &res, &err);
    CHECK(rc == NN_TRAIN_DONE, "resume: status %d: %s", rc, err.msg);
    CHECK(r.resumed && r.ticks == 8 && r.monotonic,
          "resume: %ld ticks from step 4 (want 8)", r.ticks);
    nn_train_config whole;
    tiny_mlp(&whole, "mlp"); /* test_mlp's run */
    same_checkpoints("stopped and resumed vs whole", c.out, whole.out, &nn_task_images);
}

/* ------------------------------------------- rows of other widths --- */

/* Image classification with rows 5 or 11 wide, as a new task would have:
 * the image task's row cut to epoch, step, train_loss, test_loss, test_acc,
 * or stretched by three columns (step squared, twice the epoch, 7). */
static const char *const COLS5[] = {"epoch", "step", "train_loss", "test_loss",
                                    "test_acc"};
static const char *const COLS11[] = {"epoch",     "step",     "train_loss", "train_acc",
                                     "test_loss", "test_acc", "lr",         "seconds",
                                     "step_sq",   "epoch2",   "seven"};
static const nn_task_metric METRIC5 = {
    "test_acc", "test accuracy", "test_loss", "test loss", 1,   4, 3, 0,
    2,          "epoch",         4,           1,           NULL};
static nn_task_desc task5, task11;
static const nn_task_desc *const TASKS5[] = {&task5, NULL}, *const TASKS11[] = {&task11,
                                                                                NULL};
static nn_model_desc mlp5, mlp11;

static int wide_open(nn_task **out, const nn_train_config *c, nn_config *model,
                     nn_err *err)
{
    int rc = nn_task_images.open(out, c, model, err);
    if (rc == 0)
        (*out)->desc = c->model.desc->tasks[0]; /* task5 or task11 */
    return rc;
}

static void wide_row(const nn_task *t, long step, const double sums[NN_TASK_SUMS],
                     const double eval[NN_TASK_EVAL_MAX], double lr, double seconds,
                     double row[NN_METRIC_COLS_MAX])
{
    double full[NN_METRIC_COLS_MAX]; /* the image task's 8 */
    nn_task_images.row(t, step, sums, eval, lr, seconds, full);
    if (t->desc->ncols == 5) {
        const double v[5] = {full[0], full[1], full[2], full[4], full[5]};
        memcpy(row, v, sizeof v);
        return;
    }
    memcpy(row, full, 8 * sizeof *full);
    row[8] = full[1] * full[1], row[9] = 2 * full[0], row[10] = 7;
}

static void wide_row_text(const nn_task *t, const double *row, char *buf, size_t size)
{
    snprintf(buf, size, "epoch %g of a %d-column task", row[0], t->desc->ncols);
}

/* task5, task11 and an mlp for each: the image task but for the rows. */
static void make_wide_tasks(void)
{
    task5 = task11 = nn_task_images;
    task5.ncols = 5, task5.columns = COLS5, task5.metric = &METRIC5;
    task5.train_loss_col = 2, task5.eval_cols[0] = 3, task5.eval_cols[1] = 4;
    task11.ncols = 11, task11.columns = COLS11;
    nn_task_desc *both[2] = {&task5, &task11};
    for (int k = 0; k < 2; k++) {
        both[k]->name =
            k ? "image classification, 11 columns" : "image classification, 5 columns";
        both[k]->open = wide_open, both[k]->row = wide_row;
        both[k]->row_text = wide_row_text;
    }
    mlp5 = mlp11 = *nn_model_find("mlp");
    mlp5.tasks = TASKS5, mlp11.tasks = TASKS11;
}

/* The run.metrics of dir's checkpoint (at most 2 rows of
 * NN_METRIC_COLS_MAX) into m, its shape into shape; 0, or -1 (a failed
 * CHECK) when it cannot be read or is larger. */
static int read_metrics(const char *dir_, double m[2 * NN_METRIC_COLS_MAX],
                        int64_t shape[2])
{
    char path[PATH_MAX + 32];
    nn_train_path(path, sizeof path, dir_, "checkpoint.safetensors");
    nn_st_file *f = NULL;
    nn_err err;
    if (!CHECK(nn_st_open(&f, path, &err) == 0, "%s", err.msg))
        return -1;
    const nn_st_tensor *t = nn_st_find(f, "run.metrics");
    int ok = t && t->dtype == NN_ST_F64 && t->ndim == 2 && t->shape[0] <= 2 &&
             t->shape[1] <= NN_METRIC_COLS_MAX;
    if (CHECK(ok, "%s: run.metrics is not F64 (<= 2, <= %d)", path, NN_METRIC_COLS_MAX)) {
        shape[0] = t->shape[0], shape[1] = t->shape[1];
        memcpy(m, t->data, (size_t)(shape[0] * shape[1]) * sizeof *m);
    }
    nn_st_close(f);
    return ok ? 0 : -1;
}

/* A run of width columns against test_mlp's run of the same seed: its
 * run.metrics is (2, width), its values the image task's, bit for bit;
 * the extra columns hold what they say. */
static void check_wide_checkpoint(const char *what, const char *out, int width)
{
    nn_train_config mlp;
    tiny_mlp(&mlp, "mlp");
    double ma[2 * NN_METRIC_COLS_MAX], mb[2 * NN_METRIC_COLS_MAX];
    int64_t sa[2], sb[2];
    if (read_metrics(out, ma, sa) || read_metrics(mlp.out, mb, sb) ||
        !CHECK(sa[0] == 2 && sa[1] == width && sb[0] == 2 && sb[1] == 8,
               "%s: run.metrics (%lld, %lld), want (2, %d); the mlp's (2, 8)", what,
               (long long)sa[0], (long long)sa[1], width))
        return;
    static const int from5[5] = {0, 1, 2, 4, 5};
    int differ = 0;
    for (int i = 0; i < 2; i++) {
        const double *ra = ma + i * width, *rb = mb + i * 8;
        for (int c = 0; c < width && c < 8; c++) {
            int src = width == 5 ? from5[c] : c;
            if (src != 7 && memcmp(&ra[c], &rb[src], sizeof *ra) != 0)
                differ++;
        }
        if (width == 11)
            differ += ra[8] != rb[1] * rb[1] || ra[9] != 2 * rb[0] || ra[10] != 7;
    }
    CHECK(differ == 0, "%s: %d values differ from the image task's", what, differ);
}

/* A trained run of width columns: hook, metrics.csv, metrics.json, the
 * checkpoint, the result; then stopped and resumed. */
static void test_width(nn_model_desc *model, int width)
{
    char name[32], what[64];
    snprintf(name, sizeof name, "w%d", width);
    snprintf(what, sizeof what, "%d columns", width);
    nn_train_config c;
    tiny_mlp(&c, name);
    c.model.desc = model, c.model.task = NULL; /* its default */
    record r;
    nn_train_hooks h = hooks_for(&r);
    nn_train_result res;
    nn_err err = {""};
    int rc = nn_train_run(&c, 0, &h, &res, &err);
    if (!CHECK(rc == NN_TRAIN_DONE, "%s: status %d: %s", what, rc, err.msg))
        return;
    const nn_task_desc *task = model->tasks[0];
    CHECK(r.nrows == 2 && r.ncols == width, "%s: %d rows of %d (want 2 of %d)", what,
          r.nrows, r.ncols, width);
    check_rows_are_csv(what, &r, c.out, task);
    CHECK(res.train_loss == r.rows[1][2] &&
              res.eval[0] == r.rows[1][task->eval_cols[0]] &&
              res.eval[1] == r.rows[1][task->eval_cols[1]],
          "%s: the result is the last row", what);
    char path[PATH_MAX + 32], buf[4096] = "";
    nn_train_path(path, sizeof path, c.out, "metrics.json");
    FILE *f = fopen(path, "r");
    if (CHECK(f != NULL, "%s: metrics.json is missing", what)) {
        buf[fread(buf, 1, sizeof buf - 1, f)] = '\0';
        fclose(f);
        char last[64];
        snprintf(last, sizeof last, "\"%s\"", task->columns[width - 1]);
        CHECK(strstr(buf, last) && (width == 5) == !strstr(buf, "\"lr\""),
              "%s: metrics.json's keys:\n%s", what, buf);
    }
    check_wide_checkpoint(what, c.out, width);
    /* stopped after 4 steps and resumed: the whole run, bit for bit */
    char part[32];
    snprintf(part, sizeof part, "w%d-part", width);
    nn_train_config p;
    tiny_mlp(&p, part);
    p.model.desc = model, p.model.task = NULL;
    h = hooks_for(&r);
    r.stop_at = 4;
    rc = nn_train_run(&p, 0, &h, &res, &err);
    CHECK(rc == NN_TRAIN_STOPPED, "%s: stop: status %d (%s)", what, rc, err.msg);
    h = hooks_for(&r);
    rc = nn_train_run(&p, 1, &h, &res, &err);
    CHECK(rc == NN_TRAIN_DONE && r.resumed && r.nrows == 2 && r.ncols == width,
          "%s: resume: status %d, %d rows (%s)", what, rc, r.nrows, err.msg);
    same_checkpoints(what, p.out, c.out, task);
}

/* A checkpoint whose rows have another width than the task's is refused
 * on resume, by file and key; nothing is written. */
static void test_width_refused(void)
{
    static const struct {
        const char *run;
        nn_model_desc *model;
        const char *cols;
    } CASES[] = {{"w11", &mlp5, "11 columns"},
                 {"w5", &mlp11, "5 columns"},
                 {"mlp", &mlp5, "8 columns"},
                 {"w5", NULL, "5 columns"}};
    for (int k = 0; k < 4; k++) {
        nn_train_config c;
        tiny_mlp(&c, CASES[k].run);
        if (CASES[k].model)
            c.model.desc = CASES[k].model, c.model.task = NULL;
        nn_train_result res;
        nn_err err = {""};
        int rc = nn_train_run(&c, 1, NULL, &res, &err);
        char ck[PATH_MAX + 32];
        nn_train_path(ck, sizeof ck, c.out, "checkpoint.safetensors");
        CHECK(rc == NN_TRAIN_BAD_INPUT && strncmp(err.msg, "--resume: ", 10) == 0 &&
                  strstr(err.msg, ck) && strstr(err.msg, "run.metrics") &&
                  strstr(err.msg, CASES[k].cols),
              "resume %s as %s: status %d '%s'", CASES[k].run, nn_task_of(&c)->name, rc,
              err.msg);
    }
    /* the refused runs are as they were */
    nn_train_config c;
    tiny_mlp(&c, "w5");
    check_wide_checkpoint("w5 after the refusals", c.out, 5);
    tiny_mlp(&c, "w11");
    check_wide_checkpoint("w11 after the refusals", c.out, 11);
}

/* The metrics log alone, 5 and 11 columns wide, past its first growth:
 * every value back in metrics.csv. */
static void test_metrics_log(void)
{
    static const char *const names[11] = {"a", "b", "c", "d", "e", "f",
                                          "g", "h", "i", "j", "k"};
    const int widths[2] = {5, 11};
    for (int w = 0; w < 2; w++) {
        int width = widths[w];
        nn_metrics_log l;
        nn_metrics_init(&l, names, width);
        int bad = 0;
        for (int i = 0; i < 20 && !bad; i++) {
            double row[NN_METRIC_COLS_MAX];
            for (int c = 0; c < width; c++)
                row[c] = 100 * i + c + 0.5;
            bad = nn_metrics_add(&l, row);
        }
        CHECK(!bad && l.n == 20 && l.ncols == width, "%d wide: %d rows", width, l.n);
        int differ = 0;
        for (int i = 0; i < l.n; i++)
            for (int c = 0; c < width; c++)
                differ += l.rows[(size_t)i * width + c] != 100 * i + c + 0.5;
        CHECK(differ == 0, "%d wide: %d values differ in memory", width, differ);
        char out[PATH_MAX];
        snprintf(out, sizeof out, "%s/log%d", dir, width);
        mkdir(out, 0777);
        nn_err err = {""};
        CHECK(nn_metrics_write(&l, out, &err) == 0, "%d wide: %s", width, err.msg);
        char path[PATH_MAX + 32], line[512], want[512] = "";
        nn_train_path(path, sizeof path, out, "metrics.csv");
        FILE *f = fopen(path, "r");
        if (CHECK(f != NULL, "%s is missing", path)) {
            for (int c = 0; c < width; c++)
                snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s",
                         c ? "," : "", names[c]);
            CHECK(fgets(line, sizeof line, f) && strncmp(line, want, strlen(want)) == 0 &&
                      line[strlen(want)] == '\n',
                  "%d wide: header %s", width, line);
            int rows = 0;
            differ = 0;
            while (fgets(line, sizeof line, f)) {
                char *p = line;
                for (int c = 0; c < width; c++) {
                    differ += strtod(p, &p) != 100 * rows + c + 0.5;
                    p += *p == ',';
                }
                differ += *p != '\n';
                rows++;
            }
            fclose(f);
            CHECK(rows == 20 && differ == 0, "%d wide: metrics.csv %d rows, %d differ",
                  width, rows, differ);
        }
        nn_metrics_free(&l);
    }
}

/* The configuration read back from a checkpoint is the one written. */
static void test_meta_round_trip(void)
{
    nn_train_config c, back;
    tiny_mlp(&c, "mlp");
    nn_train_config_defaults(&back, nn_model_find("gpt"));
    back.threads = 1, back.stop_after = 9;
    char path[PATH_MAX + 32];
    nn_train_path(path, sizeof path, c.out, "checkpoint.safetensors");
    nn_st_file *f = NULL;
    nn_err err = {""};
    if (!CHECK(nn_st_open(&f, path, &err) == 0, "%s", err.msg))
        return;
    int rc = nn_train_config_from_meta(&back, f, path, &err);
    CHECK(rc == 0, "from_meta: %s", err.msg);
    CHECK(strcmp(nn_st_meta_get(f, "golu.model"), "mlp") == 0 &&
              strcmp(nn_st_meta_get(f, "golu.epochs"), "2") == 0 &&
              strcmp(nn_st_meta_get(f, "golu.lr"), "0.01") == 0 &&
              strcmp(nn_st_meta_get(f, "golu.learn-act"), "1") == 0 &&
              nn_st_meta_get(f, "golu.threads") == NULL,
          "the metadata's keys and values");
    nn_st_close(f);
    CHECK(back.model.desc == c.model.desc && strcmp(back.act_name, "golu") == 0,
          "model and activation read back");
    int n;
    const nn_train_key *keys = nn_train_keys(&n);
    for (int k = 0; k < n; k++) {
        if (keys[k].process)
            continue;
        size_t size = keys[k].type == NN_TRAIN_DOUBLE ? sizeof(double)
                      : keys[k].type == NN_TRAIN_LONG ? sizeof(long)
                      : keys[k].type == NN_TRAIN_U64  ? sizeof(uint64_t)
                                                      : sizeof(int);
        CHECK(memcmp((char *)&back + keys[k].offset, (char *)&c + keys[k].offset, size) ==
                  0,
              "key %s differs after the round trip", keys[k].name);
    }
    CHECK(back.threads == 1 && back.stop_after == 9,
          "process settings are kept, not read back");
    CHECK(strcmp(back.data, c.data) == 0 && back.opt.kind == c.opt.kind &&
              back.sched.kind == c.sched.kind &&
              back.model.act.alpha == c.model.act.alpha,
          "data, optimizer, schedule, activation parameters read back");
}

static void test_gpt(void)
{
    nn_train_config c;
    tiny_gpt(&c, "gpt");
    record r;
    nn_train_hooks h = hooks_for(&r);
    nn_train_result res;
    nn_err err = {""};
    int rc = nn_train_run(&c, 0, &h, &res, &err);
    if (!CHECK(rc == NN_TRAIN_DONE, "gpt: status %d: %s", rc, err.msg))
        return;
    const nn_task_desc *task = nn_task_of(&c);
    CHECK(task == &nn_task_text, "the gpt's task is language modelling");
    CHECK(r.ticks == 8 && r.monotonic, "gpt: %ld ticks (want 8)", r.ticks);
    if (!CHECK(r.nrows == 2, "gpt: %d rows (want 2: every 4 of 8 steps)", r.nrows))
        return;
    for (int i = 0; i < 2; i++) {
        const double *row = r.rows[i];
        double step = 4.0 * (i + 1);
        CHECK(row[0] == step && row[7] == step * 4 * 16,
              "row %d: step %g tokens %g (want %g, %g)", i, row[0], row[7], step,
              step * 64);
        CHECK(row[3] == exp(row[2]) && row[4] == row[2] / log(2.0),
              "row %d: ppl %.17g bpb %.17g from val loss %.17g", i, row[3], row[4],
              row[2]);
        CHECK(row[2] > 0 && row[2] < log(256.0) * 1.5, "row %d: val loss %g", i, row[2]);
    }
    check_rows_are_csv("gpt", &r, c.out, task);
    CHECK(res.eval[0] == r.rows[1][2] && res.eval[1] == r.rows[1][3] &&
              res.eval[2] == r.rows[1][4] && res.train_loss == r.rows[1][1],
          "the gpt result is the last row");
    /* golu eval: every whole window of the validation text, end to end */
    char ck[PATH_MAX + 32];
    nn_train_path(ck, sizeof ck, c.out, "checkpoint.safetensors");
    nn_train_result ev;
    rc = nn_train_eval(&c, ck, &ev, &err);
    CHECK(rc == 0 && isfinite(ev.eval[0]) && ev.eval[1] == exp(ev.eval[0]) &&
              ev.eval[2] == ev.eval[0] / log(2.0),
          "gpt eval: status %d loss %g ppl %g bpb %g (%s)", rc, ev.eval[0], ev.eval[1],
          ev.eval[2], err.msg);
}

/* Each bad configuration is refused with the words the tool prints. */
static void test_bad_config(void)
{
    nn_train_config c;
    nn_err err = {""};
    tiny_mlp(&c, "bad");
    c.out[0] = '\0';
    CHECK(nn_train_config_check(&c, &err) && strstr(err.msg, "--out: required"),
          "no --out: '%s'", err.msg);
    tiny_mlp(&c, "bad");
    golu_act relu = golu_act_default(GOLU_ACT_RELU);
    nn_train_config_set_act(&c, "relu", &relu);
    CHECK(nn_train_config_check(&c, &err) && strstr(err.msg, "--learn-act: only GoLU"),
          "learn-act with relu: '%s'", err.msg);
    tiny_mlp(&c, "bad");
    c.opt.nesterov = 1, c.opt.momentum = 0;
    CHECK(nn_train_config_check(&c, &err) &&
              strcmp(err.msg, "--nesterov: needs --momentum above 0") == 0,
          "nesterov without momentum: '%s'", err.msg);
    tiny_gpt(&c, "bad");
    c.steps = 0;
    CHECK(nn_train_config_check(&c, &err) &&
              strcmp(err.msg, "--steps: must be at least 1 for gpt") == 0,
          "gpt with 0 steps: '%s'", err.msg);
    tiny_gpt(&c, "bad");
    c.sched.warmup = 8;
    CHECK(nn_train_config_check(&c, &err) &&
              strcmp(err.msg, "--warmup: 8 must be below --steps 8") == 0,
          "warmup = steps: '%s'", err.msg);
    /* setting keys from text */
    const nn_train_key *epochs = nn_train_key_find("epochs"),
                       *quiet = nn_train_key_find("quiet"), *lr = nn_train_key_find("lr");
    if (CHECK(epochs && quiet && lr, "the keys epochs, quiet, lr exist")) {
        CHECK(nn_train_key_set(&c, epochs, "--epochs", "0", &err) &&
                  strcmp(err.msg, "--epochs: 0 is out of range [1, 1e+06]") == 0,
              "--epochs 0: '%s'", err.msg);
        CHECK(nn_train_key_set(&c, epochs, "--epochs", "1.5", &err) &&
                  strcmp(err.msg, "--epochs: '1.5' is not a whole number") == 0,
              "--epochs 1.5: '%s'", err.msg);
        CHECK(nn_train_key_set(&c, quiet, "--quiet", "yes", &err) &&
                  strcmp(err.msg, "--quiet: 'yes' is not 0/1/true/false") == 0,
              "--quiet yes: '%s'", err.msg);
        CHECK(nn_train_key_set(&c, lr, "--lr", "x", &err) &&
                  strcmp(err.msg, "--lr: 'x' is not a number") == 0,
              "--lr x: '%s'", err.msg);
        CHECK(nn_train_key_set(&c, epochs, "--epochs", "7", &err) == 0 && c.epochs == 7,
              "--epochs 7 sets 7");
        CHECK(nn_train_key_set(&c, lr, "--lr", "0.25", &err) == 0 && c.lr == 0.25,
              "--lr 0.25 sets 0.25");
    }
    CHECK(nn_train_config_set_optimizer(&c, "--optimizer", "adam", &err) &&
              strcmp(err.msg, "--optimizer: unknown value 'adam' (known: sgd, adamw)") ==
                  0,
          "--optimizer adam: '%s'", err.msg);
    /* a run with bad input: status 2 and the flag named */
    nn_train_result res;
    tiny_mlp(&c, "bad-data");
    snprintf(c.data, sizeof c.data, "%s/nonexistent", dir);
    int rc = nn_train_run(&c, 0, NULL, &res, &err);
    CHECK(rc == NN_TRAIN_BAD_INPUT && strncmp(err.msg, "--data: ", 8) == 0,
          "missing data: status %d '%s'", rc, err.msg);
    tiny_mlp(&c, "bad-depth");
    c.model.desc = nn_model_find("resnet");
    c.model.depth = 9;
    rc = nn_train_run(&c, 0, NULL, &res, &err);
    CHECK(rc == NN_TRAIN_BAD_INPUT && strstr(err.msg, "model: depth: 9") &&
              strstr(err.msg, "6n+2"),
          "resnet depth 9: status %d '%s'", rc, err.msg);
    tiny_mlp(&c, "nothing-to-resume");
    rc = nn_train_run(&c, 1, NULL, &res, &err);
    CHECK(rc == NN_TRAIN_BAD_INPUT && strncmp(err.msg, "--resume: ", 10) == 0,
          "resume without a checkpoint: status %d '%s'", rc, err.msg);
    /* divergence: status 1, res->diverged, a summary that says so */
    tiny_mlp(&c, "nan");
    c.lr = 1e30;
    c.model.learn_act = 0; /* (a learned GoLU would fail its parameter check first) */
    rc = nn_train_run(&c, 0, NULL, &res, &err);
    CHECK(rc == NN_TRAIN_FAILED && res.diverged &&
              strstr(err.msg, "the training loss became"),
          "lr 1e30: status %d diverged %d '%s'", rc, res.diverged, err.msg);
}

/* nn_train_step on a small mlp and random data. */
static void test_step(void)
{
    nn_config m;
    memset(&m, 0, sizeof m);
    m.desc = nn_model_find("mlp");
    m.act = golu_act_default(GOLU_ACT_GOLU);
    m.batch = 4, m.in_c = 1, m.in_h = 4, m.in_w = 4, m.classes = 3;
    m.depth = 1, m.width = 8;
    nn_model *model = NULL;
    nn_err err = {""};
    if (!CHECK(nn_model_create(&model, &m, 1, 1, &err) == 0, "mlp: %s", err.msg))
        return;
    nn_optim opt;
    nn_optim_config oc = {NN_OPT_SGD, 0, 0, 0, 0.9, 0.999, 1e-8};
    nn_optim_init(&opt, &oc, &model->params, &err);
    float x[64];
    int32_t y[4] = {0, 1, 2, 1};
    for (int i = 0; i < 64; i++)
        x[i] = (float)nn_rng_normal(7, 1, (uint64_t)i);
    size_t bytes = model->params.total * sizeof(float);
    float *before = malloc(bytes);
    memcpy(before, model->params.data, bytes);
    double loss;
    int rc = nn_train_step(model, &opt, x, y, 4, 0, 0, 0.0, &loss);
    CHECK(rc == 0 && isfinite(loss) && memcmp(before, model->params.data, bytes) == 0,
          "lr 0: status %d, weights unchanged", rc);
    CHECK(nn_grad_norm(&model->params) > 0, "the step left its gradients");
    rc = nn_train_step(model, &opt, x, y, 4, 1, 1e-3, 0.5, &loss);
    CHECK(rc == 0 && nn_grad_norm(&model->params) <= 1e-3 * (1 + 1e-5),
          "clip 1e-3: gradient norm %g", nn_grad_norm(&model->params));
    CHECK(memcmp(before, model->params.data, bytes) != 0, "lr 0.5 moved the weights");
    memcpy(before, model->params.data, bytes);
    x[5] = NAN;
    rc = nn_train_step(model, &opt, x, y, 4, 2, 0, 0.5, &loss);
    CHECK(rc == 1 && !isfinite(loss) && memcmp(before, model->params.data, bytes) == 0,
          "a NaN input: status %d (want 1), loss %g, weights unchanged", rc, loss);
    free(before);
    nn_optim_free(&opt);
    nn_model_destroy(model);
}

int main(void)
{
    TEST_BEGIN("trainer");
    if (files_tmpdir_make(dir, sizeof dir, "golu-trainer-"))
        return TEST_END();
    if (!CHECK(tinydata_make(dir) == 0, "cannot write the test data in %s", dir))
        return TEST_END();
    snprintf(img, sizeof img, "%s/img", dir);
    snprintf(text, sizeof text, "%s/text.txt", dir);
    test_mlp();
    test_stop_and_resume();
    test_meta_round_trip();
    make_wide_tasks();
    test_width(&mlp5, 5);
    test_width(&mlp11, 11);
    test_width_refused();
    test_metrics_log();
    test_gpt();
    test_bad_config();
    test_step();
    files_tmpdir_done(dir);
    return TEST_END();
}
