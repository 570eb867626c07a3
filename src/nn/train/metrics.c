/*
 * metrics.c - the metrics log and a run's metrics and summary files
 * (metrics.h).
 */
#include "metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/json_write.h"
#include "io/table.h"
#include "registry.h"

void nn_metrics_init(nn_metrics_log *l, const char *const *columns, int ncols)
{
    memset(l, 0, sizeof *l);
    l->columns = columns;
    l->ncols = ncols;
}

int nn_metrics_add(nn_metrics_log *l, const double *row)
{
    size_t w = (size_t)l->ncols;
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        double *r = realloc(l->rows, (size_t)cap * w * sizeof *r);
        if (!r)
            return -1;
        l->rows = r;
        l->cap = cap;
    }
    memcpy(l->rows + (size_t)l->n * w, row, w * sizeof *row);
    l->n++;
    return 0;
}

void nn_metrics_free(nn_metrics_log *l)
{
    free(l->rows);
    l->rows = NULL;
    l->n = l->cap = 0;
}

/* The log as a table: one "%.10g" real column per metric (the text the
 * files have always had; NaN prints "nan" in CSV and is null in JSON).
 * NULL when out of memory. */
static nn_table *metrics_table(const nn_metrics_log *l)
{
    nn_table *t = nn_table_create();
    for (int c = 0; t && c < l->ncols; c++)
        nn_table_col_add(t, l->columns[c], NN_TABLE_REAL, "%.10g");
    for (int i = 0; t && i < l->n; i++) {
        nn_table_row_add(t);
        for (int c = 0; c < l->ncols; c++)
            nn_table_real_set(t, c, l->rows[(size_t)i * l->ncols + c]);
    }
    return t; /* a failure above is sticky: the write reports it */
}

int nn_metrics_write(const nn_metrics_log *l, const char *dir, nn_err *err)
{
    nn_table *t = metrics_table(l);
    if (!t)
        return nn_fail(err, "%s: out of memory writing the metrics", dir);
    char csv[PATH_MAX + 32], json[PATH_MAX + 32];
    nn_train_path(csv, sizeof csv, dir, "metrics.csv");
    nn_train_path(json, sizeof json, dir, "metrics.json");
    int rc = nn_table_write_file(t, NN_TABLE_CSV, csv, err) ||
                     nn_table_write_file(t, NN_TABLE_JSON, json, err)
                 ? -1
                 : 0;
    nn_table_free(t);
    return rc;
}

int nn_metrics_rewrite(const nn_metrics_log *l, const char *dir, nn_err *err)
{
    if (l->n > 0)
        return nn_metrics_write(l, dir, err);
    static const char *const FILES[2] = {"metrics.csv", "metrics.json"};
    for (int k = 0; k < 2; k++) {
        char p[PATH_MAX + 32];
        nn_train_path(p, sizeof p, dir, FILES[k]);
        if (remove(p) != 0 && errno != ENOENT)
            return nn_fail(err, "%s: cannot remove: %s", p, strerror(errno));
    }
    return 0;
}

/* obj[key] = v (a new reference, NULL when out of memory): -1 on failure. */
static int put(json_t *obj, const char *key, json_t *v)
{
    return json_object_set_new(obj, key, v) < 0 ? -1 : 0;
}

/* summary.json's tree; NULL when out of memory. Reals are "%.10g", as the
 * file's text has always been. */
static json_t *summary_json(const nn_train_config *c, const nn_train_result *res)
{
    const nn_task_desc *task = nn_task_of(c);
    json_t *s = json_object();
    int bad = !s || put(s, "model", nn_json_text(c->model.desc->name)) ||
              put(s, "act", nn_json_text(c->act_name)) ||
              put(s, "seed", json_integer((json_int_t)c->seed)) ||
              put(s, "steps", json_integer((json_int_t)res->steps)) ||
              put(s, "seconds", nn_json_real_fmt("%.10g", res->seconds)) ||
              put(s, "diverged", json_boolean(res->diverged)) ||
              put(s, "train_loss", nn_json_real_fmt("%.10g", res->train_loss));
    for (int k = 0; k < task->neval && !bad; k++)
        bad = put(s, task->eval_keys[k], nn_json_real_fmt("%.10g", res->eval[k]));
    if (bad) {
        json_decref(s);
        return NULL;
    }
    return s;
}

int nn_summary_write(const nn_train_config *c, const nn_train_result *res,
                     const char *dir, nn_err *err)
{
    char path[PATH_MAX + 32];
    nn_train_path(path, sizeof path, dir, "summary.json");
    json_t *s = summary_json(c, res);
    if (!s)
        return nn_fail(err, "%s: out of memory writing the summary", path);
    int rc = nn_json_write_file(path, s, JSON_INDENT(2), err);
    json_decref(s);
    return rc;
}
