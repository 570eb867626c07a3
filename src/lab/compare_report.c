/*
 * compare_report.c - a compare's results.csv, results.json and results.md
 * (compare_report.h); the plots' files are compare_plots.c's.
 */
#include "compare_report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/json_write.h"
#include "io/outfile.h"
#include "io/table.h"
#include "train/presets.h"

int lab_compare_report_init(lab_compare_report *R, const lab_compare_config *c,
                            const lab_compare_run *runs, int nruns, const char *date,
                            const char *machine, nn_err *err)
{
    memset(R, 0, sizeof *R);
    R->c = c, R->task = nn_task_of(&c->base), R->m = R->task->metric;
    R->runs = runs, R->nruns = nruns;
    R->date = date, R->machine = machine;
    if (lab_compare_aggregate(runs, nruns, c->nacts, R->m->higher_is_better, &R->sum))
        return nn_fail(err, "out of memory");
    return 0;
}

double lab_compare_report_seconds(const lab_compare_report *R)
{
    double t = 0;
    for (int i = 0; i < R->nruns; i++)
        t += isfinite(R->runs[i].seconds) ? R->runs[i].seconds : 0;
    return t;
}

const char *lab_compare_seeds_text(int seeds, char *buf, size_t size)
{
    if (seeds == 1)
        snprintf(buf, size, "seed 1");
    else
        snprintf(buf, size, "seeds 1..%d", seeds);
    return buf;
}

/* ------------------------------------------------------------ the runs --- */

/* A real cell: null when not finite (an empty CSV field, JSON null). */
static void real_set(nn_table *t, int col, double v)
{
    if (isfinite(v))
        nn_table_real_set(t, col, v);
    else
        nn_table_null_set(t, col);
}

/* One row per run, activation by activation, then seed by seed, the reals
 * printed with fmt (NULL: every digit). NULL when out of memory; other
 * failures are the table's sticky error, reported when it is written. */
static nn_table *runs_table(const lab_compare_report *R, const char *fmt)
{
    nn_table *t = nn_table_create();
    if (!t)
        return NULL;
    int act = nn_table_col_add(t, "act", NN_TABLE_STR, NULL);
    int seed = nn_table_col_add(t, "seed", NN_TABLE_INT, NULL);
    int metric = nn_table_col_add(t, R->m->key, NN_TABLE_REAL, fmt);
    int loss = nn_table_col_add(t, R->m->loss_key, NN_TABLE_REAL, fmt);
    int secs = nn_table_col_add(t, "seconds", NN_TABLE_REAL, fmt);
    int status = nn_table_col_add(t, "status", NN_TABLE_STR, NULL);
    for (int a = 0; a < R->c->nacts; a++)
        for (int s = 1; s <= R->c->seeds; s++) {
            const lab_compare_run *r = lab_compare_find(R->runs, R->nruns, a, s);
            if (!r)
                continue;
            nn_table_row_add(t);
            nn_table_str_set(t, act, R->c->act_name[a]);
            nn_table_int_set(t, seed, s);
            real_set(t, metric, r->metric);
            real_set(t, loss, r->loss);
            real_set(t, secs, r->seconds);
            nn_table_str_set(t, status,
                             r->status == LAB_RUN_DIVERGED ? "diverged" : "ok");
        }
    return t;
}

int lab_compare_csv_write(const lab_compare_report *R, const char *path, nn_err *err)
{
    nn_table *t = runs_table(R, "%.10g");
    if (!t)
        return nn_fail(err, "%s: out of memory", path);
    int rc = nn_table_write_file(t, NN_TABLE_CSV, path, err);
    nn_table_free(t);
    return rc;
}

/* ------------------------------------------------------------- the JSON --- */

/* Per activation: n, diverged, the statistics (every digit), the rank. */
static nn_table *acts_table(const lab_compare_report *R)
{
    static const char *const names[6] = {"mean", "std",       "min",
                                         "max",  "loss_mean", "loss_std"};
    nn_table *t = nn_table_create();
    if (!t)
        return NULL;
    int act = nn_table_col_add(t, "act", NN_TABLE_STR, NULL);
    int n = nn_table_col_add(t, "n", NN_TABLE_INT, NULL);
    int diverged = nn_table_col_add(t, "diverged", NN_TABLE_INT, NULL);
    int col[6];
    for (int k = 0; k < 6; k++)
        col[k] = nn_table_col_add(t, names[k], NN_TABLE_REAL, NULL);
    int rank = nn_table_col_add(t, "rank", NN_TABLE_INT, NULL);
    for (int a = 0; a < R->c->nacts; a++) {
        const lab_act_stats *s = &R->sum.stats[a];
        const double v[6] = {s->mean, s->std, s->min, s->max, s->loss_mean, s->loss_std};
        nn_table_row_add(t);
        nn_table_str_set(t, act, R->c->act_name[a]);
        nn_table_int_set(t, n, s->n);
        nn_table_int_set(t, diverged, s->diverged);
        for (int k = 0; k < 6; k++)
            real_set(t, col[k], v[k]);
        nn_table_int_set(t, rank, s->rank);
    }
    return t;
}

/* obj[key] = v (a new reference; NULL, out of memory, fails): 0 or -1. */
static int put(json_t *obj, const char *key, json_t *v)
{
    return json_object_set_new(obj, key, v) < 0 ? -1 : 0;
}

/* A table's rows as obj[key]; -1 with err on failure. */
static int put_table(json_t *obj, const char *key, nn_table *t, nn_err *err)
{
    json_t *rows = t ? nn_table_json(t, err) : NULL;
    if (!t)
        nn_fail(err, "out of memory");
    nn_table_free(t);
    return rows && put(obj, key, rows) == 0 ? 0 : -1;
}

/* Everything but the two tables; NULL when out of memory. */
static json_t *head_json(const lab_compare_report *R)
{
    const lab_compare_config *c = R->c;
    char recipe[512];
    nn_train_recipe_text(&c->base, recipe, sizeof recipe);
    json_t *v = json_object();
    int bad = !v || put(v, "preset", nn_json_text(c->preset->name)) ||
              put(v, "model", nn_json_text(c->base.model.desc->name)) ||
              put(v, "recipe", nn_json_text(recipe)) ||
              put(v, "data", nn_json_text(c->base.data)) ||
              put(v, "seeds", json_integer(c->seeds)) ||
              put(v, "metric", nn_json_text(R->m->key)) ||
              put(v, "higher_is_better", json_boolean(R->m->higher_is_better)) ||
              put(v, "loss", nn_json_text(R->m->loss_key)) ||
              put(v, "date", nn_json_text(R->date)) ||
              put(v, "machine", nn_json_text(R->machine)) ||
              put(v, "seconds", nn_json_real(lab_compare_report_seconds(R)));
    if (bad) {
        json_decref(v);
        return NULL;
    }
    return v;
}

int lab_compare_json_write(const lab_compare_report *R, const char *path, nn_err *err)
{
    nn_err why = {"out of memory"};
    json_t *v = head_json(R);
    int bad =
        !v || put_table(v, "runs", runs_table(R, NULL), &why) ||
        put_table(v, "activations", acts_table(R), &why) ||
        put(v, "best",
            R->sum.ranked ? nn_json_text(R->c->act_name[R->sum.order[0]]) : json_null());
    int rc = bad ? nn_fail(err, "%s: %s", path, why.msg)
                 : nn_json_write_file(path, v, JSON_INDENT(2), err);
    json_decref(v);
    return rc;
}

/* --------------------------------------------------------- results.md --- */

const char *lab_compare_value_text(double v, int decimals, char *buf, size_t size)
{
    if (isfinite(v))
        snprintf(buf, size, "%.*f", decimals, v);
    else
        snprintf(buf, size, "-");
    return buf;
}

/* "1h02m03s" or "2m03s". */
static void duration(char *buf, size_t size, double s)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, size, "%ldh%02ldm%02lds", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, size, "%ldm%02lds", t / 60, t % 60);
}

static void md_header(const lab_compare_report *R, FILE *f)
{
    const lab_compare_config *c = R->c;
    char recipe[512], total[32], seeds[32];
    nn_train_recipe_text(&c->base, recipe, sizeof recipe);
    duration(total, sizeof total, lab_compare_report_seconds(R));
    fprintf(f, "# golu compare: %s\n\n", c->preset->name);
    fprintf(f, "| | |\n|---|---|\n| preset | `%s`: %s |\n| recipe | %s |\n",
            c->preset->name, c->preset->what, recipe);
    fputs("| activations |", f);
    for (int a = 0; a < c->nacts; a++)
        fprintf(f, "%s %s", a ? "," : "", c->act_name[a]);
    fprintf(f, " |\n| seeds | %d per activation (%s) |\n| data | `%s` |\n", c->seeds,
            lab_compare_seeds_text(c->seeds, seeds, sizeof seeds), c->base.data);
    fprintf(f, "| date | %s |\n| machine | %s |\n", R->date, R->machine);
    fprintf(f, "| time | %s of training (%d runs; the sum of the runs' own times) |\n\n",
            total, R->nruns);
}

/* text, in bold when bold. */
static void bold_set(nn_table *t, int col, int bold, const char *text)
{
    char buf[96];
    snprintf(buf, sizeof buf, bold ? "**%s**" : "%s", text);
    nn_table_str_set(t, col, buf);
}

/* One row of the final metric's table: activation a. */
static void md_row(const lab_compare_report *R, nn_table *t, int a)
{
    const lab_act_stats *s = &R->sum.stats[a];
    int best = s->rank == 1, d = R->m->decimals;
    char cell[64], loss[2][32], both[80];
    nn_table_row_add(t);
    bold_set(t, 0, best, R->c->act_name[a]);
    const double v[4] = {s->mean, s->std, s->min, s->max};
    for (int k = 0; k < 4; k++) {
        lab_compare_value_text(v[k], d, cell, sizeof cell);
        bold_set(t, 1 + k, best && k == 0, cell);
    }
    if (s->diverged)
        snprintf(cell, sizeof cell, "%d (%d diverged)", s->n, s->diverged);
    else
        snprintf(cell, sizeof cell, "%d", s->n);
    nn_table_str_set(t, 5, cell);
    lab_compare_value_text(s->loss_mean, 4, loss[0], sizeof loss[0]);
    lab_compare_value_text(s->loss_std, 4, loss[1], sizeof loss[1]);
    if (isfinite(s->loss_std))
        snprintf(both, sizeof both, "%s ± %s", loss[0], loss[1]);
    else
        snprintf(both, sizeof both, "%s", loss[0]);
    nn_table_str_set(t, 6, both);
}

/* The final metric per activation, as words (numbers right-aligned). */
static int md_table(const lab_compare_report *R, FILE *f, const char *path, nn_err *err)
{
    const nn_task_metric *m = R->m;
    fprintf(f, "## Final %s (%s is better)\n\n", m->label,
            m->higher_is_better ? "higher" : "lower");
    char loss[96];
    snprintf(loss, sizeof loss, "%s (mean ± std)", m->loss_label);
    const char *const cols[7] = {"activation", "mean", "std", "min", "max", "n", loss};
    nn_table *t = nn_table_create();
    if (!t)
        return nn_fail(err, "%s: out of memory", path);
    for (int k = 0; k < 7; k++) {
        nn_table_col_add(t, cols[k], NN_TABLE_STR, NULL);
        if (k)
            nn_table_align_set(t, k, NN_TABLE_ALIGN_RIGHT);
    }
    for (int a = 0; a < R->c->nacts; a++)
        md_row(R, t, a);
    int rc = nn_table_write(t, NN_TABLE_MD, f, path, err);
    nn_table_free(t);
    fputs("\nstd: the sample standard deviation over the seeds (n − 1 in the "
          "denominator); the best mean in bold.\n\n",
          f);
    return rc;
}

static void md_ranks(const lab_compare_report *R, FILE *f)
{
    const nn_task_metric *m = R->m;
    int d = m->decimals;
    fprintf(f, "Ranking by mean %s:\n\n", m->label);
    const lab_act_stats *best = R->sum.ranked ? &R->sum.stats[R->sum.order[0]] : NULL;
    for (int i = 0; i < R->c->nacts; i++) {
        int a = R->sum.order[i];
        const lab_act_stats *s = &R->sum.stats[a];
        if (s->n == 0) {
            fprintf(f, "- %s: no result (every run diverged)\n", R->c->act_name[a]);
            continue;
        }
        char mean[32], std[32];
        lab_compare_value_text(s->mean, d, mean, sizeof mean);
        lab_compare_value_text(s->std, d, std, sizeof std);
        fprintf(f, "%d. %s: %s ± %s", s->rank, R->c->act_name[a], mean, std);
        if (s->rank > 1)
            fprintf(f, ", %.*f %s than the best", d, fabs(s->mean - best->mean),
                    m->higher_is_better ? "lower" : "higher");
        fputc('\n', f);
    }
}

int lab_compare_md_write(const lab_compare_report *R, const char *path,
                         const char *plot_note, nn_err *err)
{
    nn_outfile o;
    if (nn_outfile_open(&o, path, err))
        return -1;
    md_header(R, o.f);
    if (md_table(R, o.f, path, err)) {
        nn_outfile_abort(&o);
        return -1;
    }
    md_ranks(R, o.f);
    if (plot_note && plot_note[0])
        fprintf(o.f, "\nPlots: not drawn: %s.\n", plot_note);
    else
        fputs("\n## Plots\n\n![validation curves](plots/curves.png)\n\n"
              "![training loss](plots/train_loss.png)\n\n"
              "![final metric](plots/final.png)\n",
              o.f);
    return nn_outfile_commit(&o, err);
}
