/*
 * compare_files.c - what `golu compare` keeps in its directory and reads
 * back (compare.h): DIR/compare.json, the configuration, written before any
 * training so that a second command on the same DIR continues the same
 * compare or is refused; and a finished run's results, read from its
 * summary.json and its checkpoint's run.metrics.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compare.h"
#include "json.h"
#include "outfile.h"
#include "safetensors.h"
#include "train_report.h"

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

/* Parses a JSON file; NULL with a message naming it. */
static nn_json *read_json(const char *path)
{
    size_t len;
    char *text = read_small_file(path, &len);
    if (!text) {
        cli_error("%s: %s", path, strerror(errno));
        return NULL;
    }
    char err[128] = "";
    nn_json *v = nn_json_parse(text, len, err, sizeof err);
    free(text);
    if (!v)
        cli_error("%s: not valid JSON (%s)", path, err);
    else if (v->type != NN_JSON_OBJECT) {
        cli_error("%s: not a JSON object", path);
        nn_json_free(v);
        v = NULL;
    }
    return v;
}

/* ------------------------------------------------------- compare.json --- */

/* The configuration as compare.json holds it: only what changes results
 * (not --threads, which changes the time, nor --stop-after). */
static void write_config(FILE *f, const compare_config *c)
{
    const train_opts *o = &c->base;
    fprintf(f, "{\n  \"format\": \"%s\",\n  \"preset\": \"%s\",\n  \"model\": \"%s\",\n",
            CONFIG_FORMAT, c->preset->name, nn_model_kind_name(o->model.kind));
    fputs("  \"acts\": [", f);
    for (int i = 0; i < c->acts.n; i++) {
        fputs(i ? ", " : "", f);
        analysis_json_string(f, c->acts.name[i]);
    }
    fprintf(f, "],\n  \"seeds\": %d,\n", c->seeds);
    if (o->model.kind == NN_MODEL_GPT)
        fprintf(f, "  \"steps\": %ld,\n", o->steps);
    else
        fprintf(f,
                "  \"epochs\": %ld,\n  \"limit_train\": %ld,\n  \"limit_test\": %ld,\n",
                o->epochs, o->limit_train, o->limit_test);
    fprintf(f, "  \"batch\": %d,\n  \"data\": ", o->model.batch);
    analysis_json_string(f, o->data);
    fputs("\n}\n", f);
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
            size_t len = strlen(buf);
            snprintf(buf + len, size - len, "%s%s", i ? "," : "", item);
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

static int write_config_file(const char *path, const compare_config *c)
{
    outfile f;
    if (outfile_open(&f, path))
        return -1;
    write_config(f.f, c);
    return outfile_commit(&f);
}

/* The configuration rendered and parsed, to compare with the file's. */
static nn_json *config_json(const compare_config *c)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    write_config(f, c);
    fclose(f);
    nn_json *v = text ? nn_json_parse(text, len, NULL, 0) : NULL;
    free(text);
    return v;
}

int compare_config_save_or_check(const compare_config *c)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/compare.json", c->out);
    FILE *probe = fopen(path, "rb");
    if (!probe && errno == ENOENT)
        return write_config_file(path, c); /* a new compare */
    if (!probe) {
        cli_error("%s: %s", path, strerror(errno));
        return -1;
    }
    fclose(probe);
    nn_json *had = read_json(path), *want = had ? config_json(c) : NULL;
    if (!had || !want) {
        if (had)
            cli_error("out of memory");
        nn_json_free(had);
        return -1;
    }
    char a[1024], b[1024];
    const char *key = first_difference(had, want, a, b, sizeof a);
    if (key)
        cli_error("--out: %s holds a compare of another configuration: %s is %s there, "
                  "%s in this command. Give the same flags to continue that compare, or "
                  "another --out",
                  c->out, key, a, b);
    nn_json_free(had);
    nn_json_free(want);
    return key ? -1 : 0;
}

/* ------------------------------------------------------- a run's results --- */

/* summary.json's time and whether the run diverged. */
static int load_summary(const char *dir, compare_run *r)
{
    char path[PATH_MAX + 32];
    train_path(path, sizeof path, dir, "summary.json");
    nn_json *s = read_json(path);
    if (!s)
        return -1;
    const nn_json *sec = nn_json_get(s, "seconds"), *div = nn_json_get(s, "diverged");
    int ok = div && div->type == NN_JSON_BOOL;
    if (ok) {
        r->status = div->boolean ? RUN_DIVERGED : RUN_OK;
        r->seconds = sec && sec->type == NN_JSON_NUMBER ? sec->number : NAN;
    } else
        cli_error("%s: \"diverged\" is missing (not a golu train summary?)", path);
    nn_json_free(s);
    return ok ? 0 : -1;
}

/* The checkpoint's run.metrics: every row of the run. */
static int load_metrics(const char *dir, compare_run *r)
{
    char path[PATH_MAX + 32];
    train_path(path, sizeof path, dir, "checkpoint.safetensors");
    nn_st_file *f = NULL;
    nn_err err = {""};
    if (nn_st_open(&f, path, &err)) {
        cli_error("%s", err.msg);
        return -1;
    }
    const nn_st_tensor *t = nn_st_find(f, "run.metrics");
    int ok = t && t->dtype == NN_ST_F64 && t->ndim == 2 && t->shape[1] == METRIC_COLS &&
             t->shape[0] < 1000000;
    if (!ok)
        cli_error("%s: run.metrics is missing or malformed", path);
    else if (t->shape[0] > 0) {
        size_t count = (size_t)t->shape[0] * METRIC_COLS;
        r->rows = malloc(count * sizeof *r->rows);
        if (r->rows) {
            memcpy(r->rows, t->data, count * sizeof *r->rows);
            r->nrows = (int)t->shape[0];
        } else
            ok = 0, cli_error("out of memory");
    }
    nn_st_close(f);
    return ok ? 0 : -1;
}

int compare_run_load(const char *dir, const compare_metric *m, compare_run *r)
{
    r->rows = NULL, r->nrows = 0;
    if (load_summary(dir, r) || load_metrics(dir, r))
        return -1;
    r->metric = r->loss = NAN;
    if (r->status == RUN_DIVERGED)
        return 0; /* its last row is the last good one, not a result */
    if (r->nrows == 0) {
        cli_error("%s: the run finished without a row of metrics", dir);
        return -1;
    }
    const double *last = r->rows + (size_t)(r->nrows - 1) * METRIC_COLS;
    r->metric = last[m->col];
    r->loss = last[m->loss_col];
    return 0;
}

void compare_run_free(compare_run *r)
{
    free(r->rows);
    r->rows = NULL;
    r->nrows = 0;
}
