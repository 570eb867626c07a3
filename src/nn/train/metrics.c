/*
 * metrics.c - the metrics log and a run's metrics and summary files
 * (metrics.h).
 */
#include "metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "textfile.h"

int nn_metrics_add(nn_metrics_log *l, const double row[NN_METRIC_COLS])
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        double *r = realloc(l->rows, (size_t)cap * NN_METRIC_COLS * sizeof *r);
        if (!r)
            return -1;
        l->rows = r;
        l->cap = cap;
    }
    memcpy(l->rows + (size_t)l->n * NN_METRIC_COLS, row, NN_METRIC_COLS * sizeof *row);
    l->n++;
    return 0;
}

void nn_metrics_free(nn_metrics_log *l)
{
    free(l->rows);
    l->rows = NULL;
    l->n = l->cap = 0;
}

/* JSON has no NaN: null. */
static void json_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
    else
        fputs("null", f);
}

static int write_csv(const nn_metrics_log *l, const char *dir, nn_err *err)
{
    char path[PATH_MAX + 32];
    nn_textfile csv;
    nn_train_path(path, sizeof path, dir, "metrics.csv");
    if (nn_textfile_open(&csv, path, err))
        return -1;
    for (int c = 0; c < NN_METRIC_COLS; c++)
        fprintf(csv.f, "%s%s", c ? "," : "", l->columns[c]);
    fputc('\n', csv.f);
    for (int i = 0; i < l->n; i++)
        for (int c = 0; c < NN_METRIC_COLS; c++)
            fprintf(csv.f, "%.10g%s", l->rows[i * NN_METRIC_COLS + c],
                    c + 1 < NN_METRIC_COLS ? "," : "\n");
    return nn_textfile_commit(&csv, err);
}

static int write_json(const nn_metrics_log *l, const char *dir, nn_err *err)
{
    char path[PATH_MAX + 32];
    nn_textfile js;
    nn_train_path(path, sizeof path, dir, "metrics.json");
    if (nn_textfile_open(&js, path, err))
        return -1;
    fputs("[\n", js.f);
    for (int i = 0; i < l->n; i++) {
        fputs("  {", js.f);
        for (int c = 0; c < NN_METRIC_COLS; c++) {
            fprintf(js.f, "%s\"%s\": ", c ? ", " : "", l->columns[c]);
            json_number(js.f, l->rows[i * NN_METRIC_COLS + c]);
        }
        fprintf(js.f, "}%s\n", i + 1 < l->n ? "," : "");
    }
    fputs("]\n", js.f);
    return nn_textfile_commit(&js, err);
}

int nn_metrics_write(const nn_metrics_log *l, const char *dir, nn_err *err)
{
    return write_csv(l, dir, err) || write_json(l, dir, err) ? -1 : 0;
}

int nn_summary_write(const nn_train_config *c, const nn_train_result *res,
                     const char *dir, nn_err *err)
{
    const nn_task_desc *task = nn_task_of(c);
    char path[PATH_MAX + 32];
    nn_textfile s;
    nn_train_path(path, sizeof path, dir, "summary.json");
    if (nn_textfile_open(&s, path, err))
        return -1;
    FILE *f = s.f;
    fprintf(f, "{\n  \"model\": \"%s\",\n  \"act\": \"%s\",\n  \"seed\": %llu,\n",
            c->model.desc->name, c->act_name, (unsigned long long)c->seed);
    fprintf(f, "  \"steps\": %ld,\n  \"seconds\": ", res->steps);
    json_number(f, res->seconds);
    fprintf(f, ",\n  \"diverged\": %s,\n  \"train_loss\": ",
            res->diverged ? "true" : "false");
    json_number(f, res->train_loss);
    for (int k = 0; k < task->neval; k++) {
        fprintf(f, ",\n  \"%s\": ", task->eval_keys[k]);
        json_number(f, res->eval[k]);
    }
    fputs("\n}\n", f);
    return nn_textfile_commit(&s, err);
}
