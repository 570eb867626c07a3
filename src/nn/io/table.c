/*
 * table.c - the table and its three formats (table.h).
 *
 * Cells live in one row-major array of nrows x ncols; a string cell owns
 * its copy. Markdown and CSV are written cell by cell with the escaping
 * each format needs; JSON is a jansson tree written by io/json_write.h.
 */
#include "table.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "json_write.h"
#include "outfile.h"
#include "realfmt.h"

typedef struct column {
    char *name;
    nn_table_kind kind;
    char *fmt; /* REAL: the printf format */
    nn_table_align align;
} column;

typedef struct cell {
    int set; /* 0: null */
    union {
        char *s;
        long long i;
        double r;
    } v;
} cell;

struct nn_table {
    column *cols;
    int ncols, capcols;
    cell *cells; /* nrows x ncols */
    long nrows, caprows;
    int failed;
    nn_err err; /* the first failure */
};

static const char *const kind_names[] = {"strings", "integers", "reals"};

/* Records the first failure (later ones keep it) and returns -1. */
__attribute__((format(printf, 2, 3))) static int table_fail(nn_table *t, const char *fmt,
                                                            ...)
{
    if (t && !t->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(t->err.msg, sizeof t->err.msg, fmt, ap);
        va_end(ap);
        t->failed = 1;
    }
    return -1;
}

nn_table *nn_table_create(void)
{
    return calloc(1, sizeof(nn_table));
}

/* Empties a cell (a string cell frees its copy). */
static void cell_clear(const nn_table *t, cell *c, int col)
{
    if (c->set && t->cols[col].kind == NN_TABLE_STR)
        free(c->v.s);
    c->set = 0;
}

void nn_table_free(nn_table *t)
{
    if (!t)
        return;
    for (long r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncols; c++)
            cell_clear(t, &t->cells[r * t->ncols + c], c);
    for (int c = 0; c < t->ncols; c++) {
        free(t->cols[c].name);
        free(t->cols[c].fmt);
    }
    free(t->cols);
    free(t->cells);
    free(t);
}

/* ------------------------------------------------------------ building -- */

/* A new column's name: present, UTF-8, not taken. */
static int check_name(nn_table *t, const char *name)
{
    if (!name || !nn_json_utf8_valid(name, strlen(name)))
        return table_fail(t, "column %d: the name is %s", t->ncols,
                          name ? "not valid UTF-8" : "NULL");
    for (int c = 0; c < t->ncols; c++)
        if (strcmp(t->cols[c].name, name) == 0)
            return table_fail(t, "column \"%s\" appears twice", name);
    return 0;
}

int nn_table_col_add(nn_table *t, const char *name, nn_table_kind kind, const char *fmt)
{
    if (!t || check_name(t, name) < 0)
        return -1;
    if (t->nrows > 0)
        return table_fail(t, "column \"%s\": added after the first row", name);
    if ((unsigned)kind > NN_TABLE_REAL)
        return table_fail(t, "column \"%s\": kind %d is not STR, INT or REAL", name,
                          (int)kind);
    if (kind == NN_TABLE_REAL && fmt && !nn_realfmt_valid(fmt))
        return table_fail(t,
                          "column \"%s\": \"%s\" is not one printf conversion of a "
                          "double",
                          name, fmt);
    if (t->ncols == t->capcols) {
        int cap = t->capcols ? 2 * t->capcols : 8;
        column *c = realloc(t->cols, (size_t)cap * sizeof *c);
        if (!c)
            return table_fail(t, "out of memory");
        t->cols = c;
        t->capcols = cap;
    }
    column *c = &t->cols[t->ncols];
    *c = (column){strdup(name), kind, NULL, NN_TABLE_ALIGN_AUTO};
    if (kind == NN_TABLE_REAL)
        c->fmt = strdup(fmt ? fmt : "%.17g");
    if (!c->name || (kind == NN_TABLE_REAL && !c->fmt)) {
        free(c->name);
        free(c->fmt);
        return table_fail(t, "out of memory");
    }
    return t->ncols++;
}

int nn_table_align_set(nn_table *t, int col, nn_table_align align)
{
    if (!t || col < 0 || col >= t->ncols || (unsigned)align > NN_TABLE_ALIGN_RIGHT)
        return table_fail(t, "nn_table_align_set: no column %d or bad alignment", col);
    t->cols[col].align = align;
    return 0;
}

long nn_table_row_add(nn_table *t)
{
    if (!t)
        return -1;
    if (t->ncols == 0)
        return table_fail(t, "a row added to a table without columns");
    if (t->nrows == t->caprows) {
        long cap = t->caprows ? 2 * t->caprows : 16;
        cell *c = realloc(t->cells, (size_t)cap * (size_t)t->ncols * sizeof *c);
        if (!c)
            return table_fail(t, "out of memory");
        t->cells = c;
        t->caprows = cap;
    }
    memset(&t->cells[t->nrows * t->ncols], 0, (size_t)t->ncols * sizeof(cell));
    return t->nrows++;
}

/* The cell of column col in the last row, cleared, after checking that the
 * column exists and holds kind; NULL (recorded) otherwise. */
static cell *cell_at(nn_table *t, int col, nn_table_kind kind)
{
    if (!t)
        return NULL;
    if (t->nrows == 0) {
        table_fail(t, "a cell set before the first row");
        return NULL;
    }
    if (col < 0 || col >= t->ncols) {
        table_fail(t, "row %ld: no column %d (the table has %d)", t->nrows - 1, col,
                   t->ncols);
        return NULL;
    }
    if (t->cols[col].kind != kind) {
        table_fail(t, "row %ld, column \"%s\": it holds %s, not %s", t->nrows - 1,
                   t->cols[col].name, kind_names[t->cols[col].kind], kind_names[kind]);
        return NULL;
    }
    cell *c = &t->cells[(t->nrows - 1) * t->ncols + col];
    cell_clear(t, c, col);
    return c;
}

int nn_table_str_set(nn_table *t, int col, const char *s)
{
    cell *c = cell_at(t, col, NN_TABLE_STR);
    if (!c || !s)
        return c ? 0 : -1;
    if (!nn_json_utf8_valid(s, strlen(s)))
        return table_fail(t, "row %ld, column \"%s\": the text is not valid UTF-8",
                          t->nrows - 1, t->cols[col].name);
    if (!(c->v.s = strdup(s)))
        return table_fail(t, "out of memory");
    c->set = 1;
    return 0;
}

int nn_table_int_set(nn_table *t, int col, long long v)
{
    cell *c = cell_at(t, col, NN_TABLE_INT);
    if (!c)
        return -1;
    c->v.i = v;
    c->set = 1;
    return 0;
}

int nn_table_real_set(nn_table *t, int col, double v)
{
    cell *c = cell_at(t, col, NN_TABLE_REAL);
    if (!c)
        return -1;
    c->v.r = v;
    c->set = 1;
    return 0;
}

int nn_table_null_set(nn_table *t, int col)
{
    if (!t || col < 0 || col >= t->ncols)
        return table_fail(t, "nn_table_null_set: no column %d", col);
    return cell_at(t, col, t->cols[col].kind) ? 0 : -1;
}

int nn_table_cols(const nn_table *t)
{
    return t ? t->ncols : 0;
}

long nn_table_rows(const nn_table *t)
{
    return t ? t->nrows : 0;
}

/* ---------------------------------------------------------------- JSON -- */

/* A new reference to a cell's JSON value, or NULL when out of memory. */
static json_t *cell_json(const column *col, const cell *c)
{
    if (!c->set)
        return json_null();
    switch (col->kind) {
    case NN_TABLE_STR: return json_string(c->v.s);
    case NN_TABLE_INT: return json_integer((json_int_t)c->v.i);
    case NN_TABLE_REAL: return nn_json_real_fmt(col->fmt, c->v.r);
    }
    return NULL;
}

/* The rows as a jansson array, or NULL when out of memory. */
static json_t *rows_json(const nn_table *t)
{
    json_t *rows = json_array();
    for (long r = 0; rows && r < t->nrows; r++) {
        json_t *obj = json_object();
        int bad = !obj || json_array_append_new(rows, obj) < 0;
        for (int c = 0; c < t->ncols && !bad; c++)
            bad = json_object_set_new(
                      obj, t->cols[c].name,
                      cell_json(&t->cols[c], &t->cells[r * t->ncols + c])) < 0;
        if (bad) {
            json_decref(rows);
            rows = NULL;
        }
    }
    return rows;
}

json_t *nn_table_json(const nn_table *t, nn_err *err)
{
    if (!t)
        return nn_fail(err, "nn_table_json: the table is NULL"), NULL;
    if (t->failed)
        return nn_fail(err, "table: %s", t->err.msg), NULL;
    json_t *rows = rows_json(t);
    if (!rows)
        nn_fail(err, "table: out of memory building the JSON");
    return rows;
}

/* The document of a JSON format: the rows, or {"rows": rows}. */
static json_t *doc_json(const nn_table *t, nn_table_format format)
{
    json_t *rows = rows_json(t);
    if (!rows || format == NN_TABLE_JSON)
        return rows;
    json_t *doc = json_object();
    if (!doc || json_object_set_new(doc, "rows", rows) < 0) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* ----------------------------------------------------- Markdown and CSV -- */

/* A cell's text for Markdown and CSV into buf[NN_REALFMT_MAX] (strings:
 * the string itself). */
static const char *cell_text(const column *col, const cell *c, const char *null_text,
                             char *buf)
{
    if (!c->set)
        return null_text;
    switch (col->kind) {
    case NN_TABLE_STR: return c->v.s;
    case NN_TABLE_INT: snprintf(buf, NN_REALFMT_MAX, "%lld", c->v.i); return buf;
    case NN_TABLE_REAL: nn_realfmt_print(buf, col->fmt, c->v.r); return buf;
    }
    return "";
}

/* " text |" with '|' escaped and line breaks as spaces. */
static void md_cell(FILE *f, const char *s)
{
    fputc(' ', f);
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else
            fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
    fputs(" |", f);
}

/* A column's part of the Markdown alignment row. */
static const char *md_rule(const column *c)
{
    int right = c->align == NN_TABLE_ALIGN_RIGHT ||
                (c->align == NN_TABLE_ALIGN_AUTO && c->kind != NN_TABLE_STR);
    return right ? "---:|" : "---|";
}

/* Header, alignment row and rows as a Markdown pipe table. */
static void write_md(const nn_table *t, FILE *f)
{
    char buf[NN_REALFMT_MAX];
    fputc('|', f);
    for (int c = 0; c < t->ncols; c++)
        md_cell(f, t->cols[c].name);
    fputs("\n|", f);
    for (int c = 0; c < t->ncols; c++)
        fputs(md_rule(&t->cols[c]), f);
    fputc('\n', f);
    for (long r = 0; r < t->nrows; r++) {
        fputc('|', f);
        for (int c = 0; c < t->ncols; c++)
            md_cell(f, cell_text(&t->cols[c], &t->cells[r * t->ncols + c], "-", buf));
        fputc('\n', f);
    }
}

/* One CSV field: quoted (quotes doubled) when it holds , " CR or LF. */
static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Header and rows as CSV, "\n" line ends. */
static void write_csv(const nn_table *t, FILE *f)
{
    char buf[NN_REALFMT_MAX];
    for (int c = 0; c < t->ncols; c++) {
        fputs(c ? "," : "", f);
        csv_field(f, t->cols[c].name);
    }
    fputc('\n', f);
    for (long r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncols; c++) {
            csv_field(f, cell_text(&t->cols[c], &t->cells[r * t->ncols + c], "", buf));
            fputc(c + 1 < t->ncols ? ',' : '\n', f);
        }
}

/* -------------------------------------------------------------- writing -- */

/* The checks before anything is written: a table, no sticky error, a
 * known format. */
static int check_writable(const nn_table *t, nn_table_format format, const char *what,
                          nn_err *err)
{
    if (!t)
        return nn_fail(err, "%s: the table is NULL", what);
    if (t->failed)
        return nn_fail(err, "%s: table: %s", what, t->err.msg);
    if ((unsigned)format > NN_TABLE_JSON_ROWS)
        return nn_fail(err, "%s: table format %d is not MD, CSV or JSON", what,
                       (int)format);
    return 0;
}

/* The table in a format on f; a failed write leaves f's error flag set.
 * -1 (with err) only when out of memory building the JSON or when jansson
 * cannot encode it. */
static int emit(const nn_table *t, nn_table_format format, FILE *f, const char *what,
                nn_err *err)
{
    if (format == NN_TABLE_MD || format == NN_TABLE_CSV) {
        (format == NN_TABLE_MD ? write_md : write_csv)(t, f);
        return 0;
    }
    json_t *doc = doc_json(t, format);
    if (!doc)
        return nn_fail(err, "%s: table: out of memory building the JSON", what);
    int rc = nn_json_write(f, what, doc, JSON_INDENT(2), err);
    json_decref(doc);
    return rc < 0 && !ferror(f) ? -1 : 0;
}

int nn_table_write(const nn_table *t, nn_table_format format, FILE *f, const char *what,
                   nn_err *err)
{
    what = what ? what : "table";
    if (check_writable(t, format, what, err) < 0 || emit(t, format, f, what, err) < 0)
        return -1;
    if (ferror(f))
        return nn_fail(err, "%s: cannot write the table: a write failed", what);
    return 0;
}

int nn_table_write_file(const nn_table *t, nn_table_format format, const char *path,
                        nn_err *err)
{
    nn_outfile o;
    const char *what = path ? path : "(null)";
    if (check_writable(t, format, what, err) < 0 || nn_outfile_open(&o, path, err) < 0)
        return -1;
    if (emit(t, format, o.f, path, err) < 0) {
        nn_outfile_abort(&o);
        return -1;
    }
    /* A failed write left o.f's error flag set: the commit reports it. */
    return nn_outfile_commit(&o, err);
}
