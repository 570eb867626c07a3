/*
 * bench_report.c - the table `golu bench` prints (bench.h): aligned text
 * rows as they are measured, or one JSON document at the end whose rows
 * are an io/table.h table.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "cli.h"
#include "io/json_write.h"
#include "io/table.h"

/* 4Ki, 16Mi, 1Gi where n is a multiple; else the number. */
static void format_size(size_t n, char *buf, size_t len)
{
    if (n % ((size_t)1 << 30) == 0)
        snprintf(buf, len, "%zuGi", n >> 30);
    else if (n % ((size_t)1 << 20) == 0)
        snprintf(buf, len, "%zuMi", n >> 20);
    else if (n % ((size_t)1 << 10) == 0)
        snprintf(buf, len, "%zuKi", n >> 10);
    else
        snprintf(buf, len, "%zu", n);
}

/* The JSON rows' columns, in order: name, kind (reals as "%.6g"). GPU rows
 * have no threads. */
static const struct {
    const char *name;
    nn_table_kind kind;
} COLUMNS[] = {
    {"act", NN_TABLE_STR},
    {"dir", NN_TABLE_STR},
    {"dtype", NN_TABLE_STR},
    {"n", NN_TABLE_INT},
    {"threads", NN_TABLE_INT},
    {"dist", NN_TABLE_STR},
    {"seconds", NN_TABLE_REAL},
    {"ns_per_elem", NN_TABLE_REAL},
    {"gelem_per_s", NN_TABLE_REAL},
    {"bytes", NN_TABLE_INT},
    {"gb_per_s", NN_TABLE_REAL},
    {"memcpy_seconds", NN_TABLE_REAL},
    {"memcpy_gb_per_s", NN_TABLE_REAL},
    {"vs_memcpy", NN_TABLE_REAL},
};
enum { N_COLUMNS = sizeof COLUMNS / sizeof COLUMNS[0] };

/* The column header of the text. GPU rows have no thread count, and
 * us/call where the CPU's have ns/elem (a GPU call on 2^28 elements takes
 * about 0.003 ns per element). */
static void print_header(const bench_options *o)
{
    if (o->gpu)
        printf("%-10s %-3s %-5s %6s %-6s %9s %9s %8s %11s %9s\n", "act", "dir", "dtype",
               "n", "dist", "us/call", "Gelem/s", "GB/s", "memcpyGB/s", "vs_memcpy");
    else
        printf("%-10s %-3s %-5s %6s %4s %-6s %9s %9s %8s %11s %9s\n", "act", "dir",
               "dtype", "n", "thr", "dist", "ns/elem", "Gelem/s", "GB/s", "memcpyGB/s",
               "vs_memcpy");
    fflush(stdout);
}

int bench_report_open(bench_report *r, const bench_options *o, json_t *machine)
{
    *r = (bench_report){o, NULL, NULL};
    if (!o->json) {
        json_decref(machine);
        print_header(o);
        return 0;
    }
    r->machine = machine;
    r->rows = nn_table_create();
    int bad = !machine || !r->rows;
    for (int c = 0; !bad && c < N_COLUMNS; c++)
        if (!(o->gpu && strcmp(COLUMNS[c].name, "threads") == 0))
            bad = nn_table_col_add(r->rows, COLUMNS[c].name, COLUMNS[c].kind, "%.6g") < 0;
    if (bad) {
        cli_error("out of memory");
        bench_report_close(r, 1);
        return 1;
    }
    return 0;
}

/* The row's values in the order of COLUMNS' reals. */
static void row_reals(const bench_row *r, double v[7])
{
    v[0] = r->seconds;
    v[1] = r->seconds * 1e9 / (double)r->n;      /* ns per element */
    v[2] = (double)r->n / r->seconds * 1e-9;     /* Gelem/s */
    v[3] = (double)r->bytes / r->seconds * 1e-9; /* GB/s */
    v[4] = r->memcpy_seconds;
    v[5] = (double)r->bytes / r->memcpy_seconds * 1e-9;
    v[6] = r->seconds / r->memcpy_seconds; /* vs_memcpy */
}

/* The row into the JSON table, column by column in COLUMNS' order. */
static int row_json(bench_report *rep, const bench_row *r)
{
    nn_table *t = rep->rows;
    double v[7];
    row_reals(r, v);
    int c = 0, k = 0, bad = nn_table_row_add(t) < 0;
    bad = bad || nn_table_str_set(t, c++, r->act) || nn_table_str_set(t, c++, r->dir) ||
          nn_table_str_set(t, c++, r->dtype) || nn_table_int_set(t, c++, (long long)r->n);
    if (!rep->o->gpu)
        bad = bad || nn_table_int_set(t, c++, r->threads);
    bad = bad || nn_table_str_set(t, c++, r->dist);
    for (int i = 0; !bad && i < 3; i++)
        bad = nn_table_real_set(t, c++, v[k++]);
    bad = bad || nn_table_int_set(t, c++, (long long)r->bytes);
    for (int i = 0; !bad && i < 4; i++)
        bad = nn_table_real_set(t, c++, v[k++]);
    return bad;
}

int bench_report_row(bench_report *rep, const bench_row *r)
{
    if (rep->o->json) {
        if (row_json(rep, r) == 0)
            return 0;
        /* A failed cell is the table's sticky error: nn_table_json says it. */
        nn_err err = {"out of memory"};
        json_decref(nn_table_json(rep->rows, &err));
        cli_error("%s", err.msg);
        return 1;
    }
    double v[7];
    char n[32];
    row_reals(r, v);
    format_size(r->n, n, sizeof n);
    if (rep->o->gpu)
        printf("%-10s %-3s %-5s %6s %-6s %9.2f %9.3f %8.2f %11.2f %9.2f\n", r->act,
               r->dir, r->dtype, n, r->dist, r->seconds * 1e6, v[2], v[3], v[5], v[6]);
    else
        printf("%-10s %-3s %-5s %6s %4d %-6s %9.3f %9.3f %8.2f %11.2f %9.2f\n", r->act,
               r->dir, r->dtype, n, r->threads, r->dist, v[1], v[2], v[3], v[5], v[6]);
    fflush(stdout);
    return 0;
}

/* The document {"machine": ..., "rows": [...]}: a new reference, or NULL
 * after a message. */
static json_t *report_doc(const bench_report *r)
{
    nn_err err;
    json_t *rows = nn_table_json(r->rows, &err);
    if (!rows) {
        cli_error("%s", err.msg);
        return NULL;
    }
    json_t *doc = json_object();
    if (!doc || json_object_set(doc, "machine", r->machine)) {
        json_decref(rows);
        json_decref(doc);
        doc = NULL;
    } else if (json_object_set_new(doc, "rows", rows)) { /* rows went with it */
        json_decref(doc);
        doc = NULL;
    }
    if (!doc)
        cli_error("out of memory building the JSON");
    return doc;
}

int bench_report_close(bench_report *r, int status)
{
    if (r->o && r->o->json && status == 0) {
        json_t *doc = report_doc(r);
        status = doc ? cli_json_print(doc, JSON_INDENT(2)) : 1;
    }
    json_decref(r->machine);
    nn_table_free(r->rows);
    r->machine = NULL;
    r->rows = NULL;
    return status;
}
