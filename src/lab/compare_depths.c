/*
 * compare_depths.c - a depth ablation's table (compare_depths.h): two
 * nn_tables of the same rows, one printed for reading (the metric's
 * decimals), one with every digit (CSV, JSON).
 */
#include "compare_depths.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "io/table.h"

enum { N_STATS = 4 };

struct lab_depth_table {
    const nn_task_metric *m;
    nn_table *t[2]; /* [0] for Markdown, [1] for CSV and JSON */
    int depth, act, n, diverged, stat[N_STATS], rank;
};

/* The columns of t, reals printed with fmt; -1 when a column failed. */
static int add_columns(lab_depth_table *d, nn_table *t, const char *fmt)
{
    static const char *const STATS[N_STATS] = {"mean", "std", "min", "max"};
    d->depth = nn_table_col_add(t, "depth", NN_TABLE_INT, NULL);
    d->act = nn_table_col_add(t, "act", NN_TABLE_STR, NULL);
    d->n = nn_table_col_add(t, "n", NN_TABLE_INT, NULL);
    d->diverged = nn_table_col_add(t, "diverged", NN_TABLE_INT, NULL);
    int bad = d->depth < 0 || d->act < 0 || d->n < 0 || d->diverged < 0;
    for (int k = 0; k < N_STATS; k++) {
        char name[64];
        snprintf(name, sizeof name, "%s_%s", d->m->key, STATS[k]);
        bad |= (d->stat[k] = nn_table_col_add(t, name, NN_TABLE_REAL, fmt)) < 0;
    }
    d->rank = nn_table_col_add(t, "rank", NN_TABLE_INT, NULL);
    return bad || d->rank < 0 ? -1 : 0;
}

lab_depth_table *lab_depth_table_create(const nn_task_metric *m, nn_err *err)
{
    lab_depth_table *d = calloc(1, sizeof *d);
    char fmt[16];
    if (d) {
        d->m = m;
        snprintf(fmt, sizeof fmt, "%%.%df", m->decimals);
        d->t[0] = nn_table_create();
        d->t[1] = nn_table_create();
    }
    /* the same columns in both tables: the indices agree */
    if (!d || !d->t[0] || !d->t[1] || add_columns(d, d->t[0], fmt) ||
        add_columns(d, d->t[1], "%.10g")) {
        lab_depth_table_free(d);
        nn_fail(err, "out of memory");
        return NULL;
    }
    return d;
}

void lab_depth_table_free(lab_depth_table *d)
{
    if (!d)
        return;
    nn_table_free(d->t[0]);
    nn_table_free(d->t[1]);
    free(d);
}

/* A real cell, null when not finite. */
static int real_cell(nn_table *t, int col, double v)
{
    return isfinite(v) ? nn_table_real_set(t, col, v) : nn_table_null_set(t, col);
}

int lab_depth_table_add(lab_depth_table *d, int depth, const lab_compare_config *c,
                        const lab_compare_summary *sum)
{
    int bad = 0;
    for (int k = 0; k < 2; k++) {
        nn_table *t = d->t[k];
        for (int a = 0; a < c->nacts; a++) {
            const lab_act_stats *s = &sum->stats[a];
            const double v[N_STATS] = {s->mean, s->std, s->min, s->max};
            bad |= nn_table_row_add(t) < 0 || nn_table_int_set(t, d->depth, depth) ||
                   nn_table_str_set(t, d->act, c->act_name[a]) ||
                   nn_table_int_set(t, d->n, s->n) ||
                   nn_table_int_set(t, d->diverged, s->diverged);
            for (int j = 0; j < N_STATS && s->n > 0; j++)
                bad |= real_cell(t, d->stat[j], v[j]);
            bad |= s->rank > 0 ? nn_table_int_set(t, d->rank, s->rank) : 0;
        }
    }
    return bad ? -1 : 0;
}

int lab_depth_table_write(const lab_depth_table *d, const char *dir, nn_err *err)
{
    static const struct {
        const char *file;
        int table;
        nn_table_format format;
    } FILES[3] = {{"depths.md", 0, NN_TABLE_MD},
                  {"depths.csv", 1, NN_TABLE_CSV},
                  {"depths.json", 1, NN_TABLE_JSON_ROWS}};
    for (int k = 0; k < 3; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, FILES[k].file);
        if (nn_table_write_file(d->t[FILES[k].table], FILES[k].format, path, err))
            return -1;
    }
    return 0;
}
