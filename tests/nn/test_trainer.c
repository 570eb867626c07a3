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
 *   - the configuration's round trip through the checkpoint's metadata;
 *   - bad configurations are refused with the messages the tool prints;
 *   - nn_train_step: a non-finite loss updates nothing; clipping bounds the
 *     gradient norm; lr 0 leaves SGD's weights alone.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "nn.h"
#include "rng.h"
#include "tinydata.h"

static char dir[PATH_MAX - 256];
static char img[PATH_MAX], text[PATH_MAX];

/* ------------------------------------------------------------- hooks --- */

enum { MAX_ROWS = 16 };

typedef struct record {
    double rows[MAX_ROWS][NN_METRIC_COLS];
    int nrows;
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
    (void)task;
    if (r->nrows < MAX_ROWS)
        memcpy(r->rows[r->nrows++], row, sizeof r->rows[0]);
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
    nn_train_hooks h = {r, &r->stop, on_started, on_tick, on_period, on_stopped, NULL};
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
                    double rows[MAX_ROWS][NN_METRIC_COLS])
{
    char path[PATH_MAX + 32], line[1024], want[1024] = "";
    nn_train_path(path, sizeof path, out, "metrics.csv");
    FILE *f = fopen(path, "r");
    if (!CHECK(f != NULL, "%s is missing", path))
        return 0;
    for (int c = 0; c < NN_METRIC_COLS; c++)
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s", c ? "," : "",
                 task->columns[c]);
    strcat(want, "\n");
    if (!fgets(line, sizeof line, f))
        line[0] = '\0';
    CHECK(strcmp(line, want) == 0, "metrics.csv header %s, want %s", line, want);
    int n = 0;
    while (n < MAX_ROWS && fgets(line, sizeof line, f)) {
        char *p = line;
        for (int c = 0; c < NN_METRIC_COLS; c++) {
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
    double csv[MAX_ROWS][NN_METRIC_COLS];
    int n = read_csv(out, task, csv);
    CHECK(n == r->nrows, "%s: metrics.csv has %d rows, the hook saw %d", what, n,
          r->nrows);
    for (int i = 0; i < n && i < r->nrows; i++)
        for (int c = 0; c < NN_METRIC_COLS; c++) {
            char a[32], b[32];
            snprintf(a, sizeof a, "%.10g", r->rows[i][c]);
            snprintf(b, sizeof b, "%.10g", csv[i][c]);
            CHECK(strcmp(a, b) == 0, "%s: row %d column %s: hook %s, metrics.csv %s",
                  what, i, task->columns[c], a, b);
        }
}

/* Every tensor of two checkpoints is identical but the time spent
 * (run.state's last value, the seconds column of run.metrics). */
static void same_checkpoints(const char *what, const char *a_dir, const char *b_dir,
                             int seconds_col)
{
    char a[PATH_MAX + 32], b[PATH_MAX + 32];
    nn_train_path(a, sizeof a, a_dir, "checkpoint.safetensors");
    nn_train_path(b, sizeof b, b_dir, "checkpoint.safetensors");
    nn_st_file *fa = NULL, *fb = NULL;
    nn_err err;
    if (!CHECK(nn_st_open(&fa, a, &err) == 0, "%s: %s", what, err.msg) ||
        !CHECK(nn_st_open(&fb, b, &err) == 0, "%s: %s", what, err.msg)) {
        nn_st_close(fa);
        return;
    }
    CHECK(nn_st_count(fa) == nn_st_count(fb), "%s: %d vs %d tensors", what,
          nn_st_count(fa), nn_st_count(fb));
    int differ = 0;
    for (int i = 0; i < nn_st_count(fa); i++) {
        const nn_st_tensor *ta = nn_st_get(fa, i), *tb = nn_st_find(fb, ta->name);
        if (!CHECK(tb != NULL, "%s: %s is missing", what, ta->name))
            continue;
        size_t count = 1;
        for (int d = 0; d < ta->ndim; d++)
            count *= (size_t)ta->shape[d];
        size_t bytes = count * nn_st_dtype_size(ta->dtype);
        if (strcmp(ta->name, "run.metrics") == 0) {
            const double *ma = ta->data, *mb = tb->data;
            for (size_t k = 0; k < count; k++)
                if ((int)(k % NN_METRIC_COLS) != seconds_col &&
                    memcmp(&ma[k], &mb[k], sizeof *ma) != 0)
                    differ++;
            continue;
        }
        if (strcmp(ta->name, "run.state") == 0)
            bytes -= sizeof(double); /* the last value is the time spent */
        if (memcmp(ta->data, tb->data, bytes) != 0) {
            differ++;
            CHECK(0, "%s: tensor %s differs", what, ta->name);
        }
    }
    CHECK(differ == 0, "%s: %d values differ", what, differ);
    nn_st_close(fa);
    nn_st_close(fb);
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
    same_checkpoints("stopped and resumed vs whole", c.out, whole.out, 7);
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
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/golu-trainer-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        CHECK(0, "mkdtemp %s failed", dir);
        return TEST_END();
    }
    if (!CHECK(tinydata_make(dir) == 0, "cannot write the test data in %s", dir))
        return TEST_END();
    snprintf(img, sizeof img, "%s/img", dir);
    snprintf(text, sizeof text, "%s/text.txt", dir);
    test_mlp();
    test_stop_and_resume();
    test_meta_round_trip();
    test_gpt();
    test_bad_config();
    test_step();
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (harness_failures() == 0 && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return TEST_END();
}
