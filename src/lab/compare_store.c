/*
 * compare_store.c - a compare's configuration file and its runs read back
 * (compare_store.h).
 */
#include "compare_store.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/json_write.h"
#include "io/file_check.h"
#include "json.h"
#include "registry.h"
#include "safetensors.h"
#include "str.h"
#include "train/trainer.h"

#define CONFIG_FORMAT "golu-compare-1"

/* The whole of a small file, NUL-terminated (free it); NULL with errno. */
static char *read_small_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - 1 - n, f);
        if (n < cap - 1 || cap >= (1u << 24))
            break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger, cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        errno = bad ? EIO : ENOMEM;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Parses a JSON file; NULL with err naming it. */
static nn_json *read_json_any(const char *path, nn_err *err)
{
    size_t len;
    if (nn_path_check(path, NN_PATH_FILE, 1u << 24, NULL, err)) /* read_small_file's */
        return NULL;
    char *text = read_small_file(path, &len);
    if (!text) {
        nn_fail(err, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char msg[128] = "";
    nn_json *v = nn_json_parse(text, len, msg, sizeof msg);
    free(text);
    if (!v)
        nn_fail(err, "%s: not valid JSON (%s)", path, msg);
    return v;
}

/* Parses a JSON file holding an object; NULL with err naming it. */
static nn_json *read_json(const char *path, nn_err *err)
{
    nn_json *v = read_json_any(path, err);
    if (v && v->type != NN_JSON_OBJECT) {
        nn_fail(err, "%s: not a JSON object", path);
        nn_json_free(v);
        v = NULL;
    }
    return v;
}

/* ------------------------------------------------------- compare.json --- */

/* obj[key] = v (a new reference, NULL when out of memory): -1 on failure. */
static int put(json_t *obj, const char *key, json_t *v)
{
    return json_object_set_new(obj, key, v) < 0 ? -1 : 0;
}

/* The activations' names as a JSON array; NULL when out of memory. */
static json_t *acts_json(const lab_compare_config *c)
{
    json_t *acts = json_array();
    for (int i = 0; acts && i < c->nacts; i++)
        if (json_array_append_new(acts, nn_json_text(c->act_name[i])) < 0) {
            json_decref(acts);
            acts = NULL;
        }
    return acts;
}

/* The configuration as compare.json holds it: only what changes results
 * (not --threads, which changes the time, nor --stop-after). The amount of
 * training is the task's scale keys ("limit-train" as "limit_train").
 * NULL when out of memory. */
static json_t *config_tree(const lab_compare_config *c)
{
    const nn_train_config *o = &c->base;
    const nn_task_desc *task = nn_task_of(o);
    json_t *v = json_object();
    int bad =
        !v || put(v, "format", json_string(CONFIG_FORMAT)) ||
        put(v, "preset", nn_json_text(c->preset->name)) ||
        put(v, "model", nn_json_text(o->model.desc->name)) ||
        /* the task only when not the model's default: older
         * compare.json files continue */
        (task != o->model.desc->tasks[0] && put(v, "task", nn_json_text(task->key))) ||
        put(v, "acts", acts_json(c)) || put(v, "seeds", json_integer(c->seeds)) ||
        (c->depth > 0 && put(v, "depth", json_integer(c->depth)));
    for (int i = 0; task->scale_keys[i] && !bad; i++) {
        const nn_train_key *k = nn_train_key_find(task->scale_keys[i]);
        char name[48];
        snprintf(name, sizeof name, "%s", k->name);
        for (char *p = name; *p; p++)
            *p = *p == '-' ? '_' : *p;
        bad = put(v, name, json_integer(*(const long *)((const char *)o + k->offset)));
    }
    bad = bad || put(v, "batch", json_integer(o->model.batch)) ||
          put(v, "data", nn_json_text(o->data));
    if (bad) {
        json_decref(v);
        return NULL;
    }
    return v;
}

/* A value in words, for the message that says what differs. */
static void value_text(const nn_json *v, char *buf, size_t size)
{
    buf[0] = '\0';
    if (!v) {
        snprintf(buf, size, "nothing");
        return;
    }
    switch (v->type) {
    case NN_JSON_STRING: snprintf(buf, size, "%s", v->str); break;
    case NN_JSON_NUMBER: snprintf(buf, size, "%.17g", v->number); break;
    case NN_JSON_BOOL: snprintf(buf, size, "%s", v->boolean ? "true" : "false"); break;
    case NN_JSON_ARRAY:
        for (size_t i = 0; i < v->len; i++) {
            char item[256];
            value_text(&v->items[i], item, sizeof item);
            nn_str_append(buf, size, "%s%s", i ? "," : "", item);
        }
        break;
    default: snprintf(buf, size, "(%s)", nn_json_type_name(v->type)); break;
    }
}

/* The first key whose value differs between had and want (in want's order,
 * then keys only had has); NULL when they agree. */
static const char *first_difference(const nn_json *had, const nn_json *want, char *a,
                                    char *b, size_t size)
{
    for (int pass = 0; pass < 2; pass++) {
        const nn_json *from = pass ? had : want, *other = pass ? want : had;
        for (size_t i = 0; i < from->len; i++) {
            const char *key = from->keys[i];
            value_text(nn_json_get(had, key), a, size);
            value_text(nn_json_get(want, key), b, size);
            if (strcmp(a, b) != 0 || !nn_json_get(other, key))
                return key;
        }
    }
    return NULL;
}

static int write_config_file(const char *path, const lab_compare_config *c, nn_err *err)
{
    json_t *v = config_tree(c);
    if (!v)
        return nn_fail(err, "%s: out of memory", path);
    int rc = nn_json_write_file(path, v, JSON_INDENT(2), err);
    json_decref(v);
    return rc;
}

/* The configuration rendered and parsed by the reader of the file, to
 * compare with the file's; NULL when out of memory. */
static nn_json *config_json(const lab_compare_config *c)
{
    json_t *v = config_tree(c);
    char *text = v ? json_dumps(v, JSON_REAL_PRECISION(17)) : NULL;
    json_decref(v);
    nn_json *parsed = text ? nn_json_parse(text, strlen(text), NULL, 0) : NULL;
    free(text);
    return parsed;
}

int lab_compare_config_save_or_check(const lab_compare_config *c, nn_err *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/compare.json", c->out);
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT)
        return write_config_file(path, c, err); /* a new compare */
    nn_json *had = read_json(path, err), *want = had ? config_json(c) : NULL;
    if (!had || !want) {
        if (had)
            nn_fail(err, "out of memory");
        nn_json_free(had);
        return -1;
    }
    char a[1024], b[1024];
    const char *key = first_difference(had, want, a, b, sizeof a);
    if (key)
        nn_fail(err,
                "--out: %s holds a compare of another configuration: %s is %s there, %s "
                "in this command. Give the same flags to continue that compare, or "
                "another --out",
                c->out, key, a, b);
    nn_json_free(had);
    nn_json_free(want);
    return key ? -1 : 0;
}

void lab_compare_run_dir(const lab_compare_config *c, int act, int seed, char *buf,
                         size_t size)
{
    snprintf(buf, size, "%s/runs/%s-s%d", c->out, c->act_name[act], seed);
}

/* 1 when dir/file exists. */
static int exists(const char *dir, const char *file)
{
    char p[PATH_MAX + 32];
    nn_train_path(p, sizeof p, dir, file);
    return access(p, F_OK) == 0;
}

lab_run_state lab_compare_run_state(const char *dir)
{
    int checkpoint = exists(dir, "checkpoint.safetensors");
    if (exists(dir, "summary.json") && (checkpoint || exists(dir, "metrics.json")))
        return LAB_RUN_DONE;
    return checkpoint ? LAB_RUN_PARTIAL : LAB_RUN_NEW;
}

/* The options saved in dir's checkpoint. */
static int saved_config(const char *dir, nn_train_config *o, nn_err *err)
{
    char path[PATH_MAX + 32];
    nn_train_path(path, sizeof path, dir, "checkpoint.safetensors");
    nn_st_file *f = NULL;
    nn_err why = {""};
    if (nn_st_open(&f, path, &why))
        return nn_fail(err, "%s (delete %s to train that run again)", why.msg, dir);
    int rc = nn_train_config_from_meta(o, f, path, err);
    nn_st_close(f);
    return rc;
}

int lab_compare_run_config(const lab_compare_config *c, int act, int seed,
                           const char *dir, int resume, nn_train_config *o, nn_err *err)
{
    *o = c->base;
    snprintf(o->out, sizeof o->out, "%s", dir);
    nn_train_config_set_act(o, c->act_name[act], &c->act[act]);
    o->seed = (uint64_t)seed;
    if (!resume)
        return 0;
    /* The checkpoint found must be this run's: another model's, activation's
     * or seed's would be reported as this run's result. */
    nn_train_config want = *o;
    char path[PATH_MAX + 32];
    nn_train_path(path, sizeof path, dir, "checkpoint.safetensors");
    if (saved_config(dir, o, err))
        return -1;
    nn_err why = {""};
    if (nn_train_config_match(&want, o, path, &why))
        return nn_fail(err, "%s (delete %s to train that run again)", why.msg, dir);
    return 0;
}

int lab_compare_summary_remove(const char *dir, nn_err *err)
{
    char p[PATH_MAX + 32];
    nn_train_path(p, sizeof p, dir, "summary.json");
    if (remove(p) != 0 && errno != ENOENT)
        return nn_fail(err, "cannot remove %s: %s", p, strerror(errno));
    return 0;
}

/* ------------------------------------------------------- a run's results --- */

/* summary.json's time and whether the run diverged. */
static int load_summary(const char *dir, lab_compare_run *r, nn_err *err)
{
    char path[PATH_MAX + 32];
    nn_train_path(path, sizeof path, dir, "summary.json");
    nn_json *s = read_json(path, err);
    if (!s)
        return -1;
    const nn_json *sec = nn_json_get(s, "seconds"), *div = nn_json_get(s, "diverged");
    int ok = div && div->type == NN_JSON_BOOL;
    if (ok) {
        r->status = div->boolean ? LAB_RUN_DIVERGED : LAB_RUN_OK;
        r->seconds = sec && sec->type == NN_JSON_NUMBER ? sec->number : NAN;
    } else
        nn_fail(err, "%s: \"diverged\" is missing (not a golu train summary?)", path);
    nn_json_free(s);
    return ok ? 0 : -1;
}

/* r->rows for nrows rows of ncols; 0, or -1 with err. */
static int rows_alloc(lab_compare_run *r, size_t nrows, int ncols, nn_err *err)
{
    if (nrows == 0)
        return 0;
    r->rows = malloc(nrows * (size_t)ncols * sizeof *r->rows);
    if (!r->rows)
        return nn_fail(err, "out of memory");
    r->nrows = (int)nrows;
    return 0;
}

/* The checkpoint's run.metrics: every row of the run, ncols columns each. */
static int load_checkpoint_metrics(const char *dir, int ncols, lab_compare_run *r,
                                   nn_err *err)
{
    char path[PATH_MAX + 32];
    nn_train_path(path, sizeof path, dir, "checkpoint.safetensors");
    nn_st_file *f = NULL;
    if (nn_st_open(&f, path, err))
        return -1;
    const nn_st_tensor *t = nn_st_find(f, "run.metrics");
    int ok = t && t->dtype == NN_ST_F64 && t->ndim == 2 && t->shape[0] < 1000000;
    if (!ok)
        nn_fail(err, "%s: run.metrics is missing or malformed", path);
    else if (t->shape[1] != ncols)
        ok = 0,
        nn_fail(err, "%s: run.metrics has rows of %lld columns; the task's have %d", path,
                (long long)t->shape[1], ncols);
    else if (rows_alloc(r, (size_t)t->shape[0], ncols, err))
        ok = 0;
    else if (r->nrows > 0)
        memcpy(r->rows, t->data, (size_t)r->nrows * (size_t)ncols * sizeof *r->rows);
    nn_st_close(f);
    return ok ? 0 : -1;
}

/* One row of metrics.json: the task's columns by name, null for NaN. */
static int json_metrics_row(const nn_json *o, const nn_task_desc *task, double *row,
                            const char *path, size_t i, nn_err *err)
{
    if (o->type != NN_JSON_OBJECT)
        return nn_fail(err, "%s: row %zu is not an object", path, i + 1);
    for (int c = 0; c < task->ncols; c++) {
        const nn_json *v = nn_json_get(o, task->columns[c]);
        if (v && v->type == NN_JSON_NUMBER)
            row[c] = v->number;
        else if (v && v->type == NN_JSON_NULL)
            row[c] = NAN;
        else
            return nn_fail(err,
                           "%s: row %zu has no number \"%s\" (not this task's metrics?)",
                           path, i + 1, task->columns[c]);
    }
    return 0;
}

/* metrics.json, for a run kept without its checkpoint (a compare committed
 * to a repository): the same rows, at the file's 10 significant digits. */
static int load_json_metrics(const char *dir, const nn_task_desc *task,
                             lab_compare_run *r, nn_err *err)
{
    char path[PATH_MAX + 32];
    nn_train_path(path, sizeof path, dir, "metrics.json");
    nn_json *a = read_json_any(path, err);
    if (!a)
        return -1;
    int rc = 0;
    if (a->type != NN_JSON_ARRAY || a->len >= 1000000)
        rc = nn_fail(err, "%s: not an array of metric rows", path);
    else
        rc = rows_alloc(r, a->len, task->ncols, err);
    for (size_t i = 0; rc == 0 && i < a->len; i++)
        rc = json_metrics_row(&a->items[i], task, r->rows + i * (size_t)task->ncols, path,
                              i, err);
    nn_json_free(a);
    return rc;
}

/* Every row of the run: from the checkpoint when there is one, else from
 * metrics.json. */
static int load_metrics(const char *dir, const nn_task_desc *task, lab_compare_run *r,
                        nn_err *err)
{
    int rc = exists(dir, "checkpoint.safetensors")
                 ? load_checkpoint_metrics(dir, task->ncols, r, err)
                 : load_json_metrics(dir, task, r, err);
    if (rc) {
        free(r->rows);
        r->rows = NULL, r->nrows = 0;
    }
    return rc;
}

int lab_compare_run_load(const char *dir, const nn_task_desc *task, lab_compare_run *r,
                         nn_err *err)
{
    const nn_task_metric *m = task->metric;
    r->rows = NULL, r->nrows = 0;
    if (load_summary(dir, r, err) || load_metrics(dir, task, r, err))
        return -1;
    r->metric = r->loss = NAN;
    if (r->status == LAB_RUN_DIVERGED)
        return 0; /* its last row is the last good one, not a result */
    if (r->nrows == 0)
        return nn_fail(err, "%s: the run finished without a row of metrics", dir);
    const double *last = r->rows + (size_t)(r->nrows - 1) * task->ncols;
    r->metric = last[m->col];
    r->loss = last[m->loss_col];
    return 0;
}

void lab_compare_run_free(lab_compare_run *r)
{
    free(r->rows);
    r->rows = NULL;
    r->nrows = 0;
}
