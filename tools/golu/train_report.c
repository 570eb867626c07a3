/*
 * train_report.c - metrics files (train_report.h).
 */
#include "train_report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "outfile.h"

static const char *const IMAGE_COLS[METRIC_COLS] = {
    "epoch", "step", "train_loss", "train_acc", "test_loss", "test_acc", "lr", "seconds"};
static const char *const TEXT_COLS[METRIC_COLS] = {
    "step", "train_loss", "val_loss", "val_ppl", "val_bpb", "lr", "seconds", "tokens"};

const char *const *metrics_columns(int images)
{
    return images ? IMAGE_COLS : TEXT_COLS;
}

int metrics_add(metrics_log *l, const double row[METRIC_COLS])
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        double *r = realloc(l->rows, (size_t)cap * METRIC_COLS * sizeof *r);
        if (!r)
            return -1;
        l->rows = r;
        l->cap = cap;
    }
    memcpy(l->rows + (size_t)l->n * METRIC_COLS, row, METRIC_COLS * sizeof *row);
    l->n++;
    return 0;
}

void metrics_free(metrics_log *l)
{
    free(l->rows);
    memset(l, 0, sizeof *l);
}

/* JSON has no NaN: null. */
static void json_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
    else
        fputs("null", f);
}

int metrics_write(const metrics_log *l, const char *dir)
{
    const char *const *cols = metrics_columns(l->images);
    char path[PATH_MAX + 32];
    outfile csv, js;
    train_path(path, sizeof path, dir, "metrics.csv");
    if (outfile_open(&csv, path))
        return -1;
    for (int c = 0; c < METRIC_COLS; c++)
        fprintf(csv.f, "%s%s", c ? "," : "", cols[c]);
    fputc('\n', csv.f);
    for (int i = 0; i < l->n; i++)
        for (int c = 0; c < METRIC_COLS; c++)
            fprintf(csv.f, "%.10g%s", l->rows[i * METRIC_COLS + c],
                    c + 1 < METRIC_COLS ? "," : "\n");
    if (outfile_commit(&csv))
        return -1;
    train_path(path, sizeof path, dir, "metrics.json");
    if (outfile_open(&js, path))
        return -1;
    fputs("[\n", js.f);
    for (int i = 0; i < l->n; i++) {
        fputs("  {", js.f);
        for (int c = 0; c < METRIC_COLS; c++) {
            fprintf(js.f, "%s\"%s\": ", c ? ", " : "", cols[c]);
            json_number(js.f, l->rows[i * METRIC_COLS + c]);
        }
        fprintf(js.f, "}%s\n", i + 1 < l->n ? "," : "");
    }
    fputs("]\n", js.f);
    return outfile_commit(&js);
}

int summary_write(const train_opts *o, const train_result *res, const char *dir)
{
    char path[PATH_MAX + 32];
    outfile s;
    train_path(path, sizeof path, dir, "summary.json");
    if (outfile_open(&s, path))
        return -1;
    FILE *f = s.f;
    fprintf(f, "{\n  \"model\": \"%s\",\n  \"act\": \"%s\",\n  \"seed\": %llu,\n",
            nn_model_kind_name(o->model.kind), o->act_name, (unsigned long long)o->seed);
    fprintf(f, "  \"steps\": %ld,\n  \"seconds\": ", res->steps);
    json_number(f, res->seconds);
    fprintf(f, ",\n  \"diverged\": %s,\n  \"train_loss\": ",
            res->diverged ? "true" : "false");
    json_number(f, res->train_loss);
    const char *names[4] = {o->model.kind == NN_MODEL_GPT ? "val_loss" : "test_loss",
                            "test_acc", "val_ppl", "val_bpb"};
    const double vals[4] = {res->val_loss, res->val_acc, res->val_ppl, res->val_bpb};
    for (int k = 0; k < 4; k++) {
        if ((o->model.kind == NN_MODEL_GPT) != (k >= 2) && k != 0)
            continue;
        fprintf(f, ",\n  \"%s\": ", names[k]);
        json_number(f, vals[k]);
    }
    fputs("\n}\n", f);
    return outfile_commit(&s);
}
