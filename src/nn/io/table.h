/*
 * table.h - one table, three files: named, typed columns and rows of
 * cells, written as a Markdown pipe table, as CSV or as JSON.
 *
 *   nn_table *t = nn_table_create();
 *   int act = nn_table_col_add(t, "act", NN_TABLE_STR, NULL);
 *   int acc = nn_table_col_add(t, "test_acc", NN_TABLE_REAL, "%.4f");
 *   nn_table_row_add(t);
 *   nn_table_str_set(t, act, "golu");
 *   nn_table_real_set(t, acc, 0.8551);
 *   nn_table_write_file(t, NN_TABLE_CSV, "out/results.csv", &err);
 *   nn_table_free(t);
 *
 * A column holds strings (UTF-8), integers (long long) or reals (double,
 * printed with the column's printf format); any cell may be null (a new
 * row's cells all are). The three formats of one table:
 *
 *   Markdown  | act | test_acc |      header, alignment row (numbers
 *             |---|---:|              right-aligned), one line per row; a
 *             | golu | 0.8551 |       '|' in a cell is written "\|", a line
 *                                     break as a space; null is "-".
 *   CSV       act,test_acc            RFC 4180: a field holding a comma, a
 *             golu,0.8551             quote or a line break is quoted, its
 *                                     quotes doubled; null is an empty
 *                                     field; lines end in "\n".
 *   JSON      [{"act": "golu",        an array of one object per row, keys
 *               "test_acc": 0.8551}]  in column order (NN_TABLE_JSON_ROWS:
 *                                     {"rows": [...]}), through jansson;
 *                                     a real is the value its printed text
 *                                     stands for (io/json_write.h), null
 *                                     when NaN or infinite.
 *
 * In Markdown and CSV a real is exactly its printf text, "nan" and "inf"
 * included. Errors (a wrong column, a cell of the wrong type, invalid
 * UTF-8, out of memory) are sticky: the failing call returns -1, and every
 * later write of the table fails with the first error's message.
 */
#ifndef NN_IO_TABLE_H
#define NN_IO_TABLE_H

#include <jansson.h>
#include <stdio.h>

#include "error.h"

typedef enum nn_table_kind { NN_TABLE_STR, NN_TABLE_INT, NN_TABLE_REAL } nn_table_kind;

typedef enum nn_table_format {
    NN_TABLE_MD,
    NN_TABLE_CSV,
    NN_TABLE_JSON,     /* [{...}, ...] */
    NN_TABLE_JSON_ROWS /* {"rows": [{...}, ...]} */
} nn_table_format;

/* Markdown alignment: AUTO right-aligns integers and reals ("---:") and
 * leaves strings to the default ("---"). */
typedef enum nn_table_align {
    NN_TABLE_ALIGN_AUTO,
    NN_TABLE_ALIGN_LEFT,
    NN_TABLE_ALIGN_RIGHT
} nn_table_align;

typedef struct nn_table nn_table;

/* An empty table, or NULL when out of memory. */
nn_table *nn_table_create(void);
void nn_table_free(nn_table *t);

/* Appends a column (before the first row): its index, or -1. name: UTF-8,
 * unique in the table. fmt: REAL columns only, one double conversion
 * (io/realfmt.h); NULL means "%.17g" (every digit a double has). */
int nn_table_col_add(nn_table *t, const char *name, nn_table_kind kind, const char *fmt);
/* The Markdown alignment of a column (AUTO until set). */
int nn_table_align_set(nn_table *t, int col, nn_table_align align);

/* Appends a row of nulls: its index, or -1. The setters below fill the
 * last row appended. */
long nn_table_row_add(nn_table *t);
/* Cells of the last row; each checks that the column has that kind. s is
 * copied; s NULL sets null. */
int nn_table_str_set(nn_table *t, int col, const char *s);
int nn_table_int_set(nn_table *t, int col, long long v);
int nn_table_real_set(nn_table *t, int col, double v);
int nn_table_null_set(nn_table *t, int col);

/* Columns and rows so far. */
int nn_table_cols(const nn_table *t);
long nn_table_rows(const nn_table *t);

/* The table as JSON rows: a new reference to an array of one object per
 * row (for a caller that puts it inside a larger document), or NULL with
 * err. */
json_t *nn_table_json(const nn_table *t, nn_err *err);

/* Writes the table in a format to f (what names f in messages), or
 * atomically into path (io/outfile.h). -1 with err on the table's sticky
 * error or a failed write. */
int nn_table_write(const nn_table *t, nn_table_format format, FILE *f, const char *what,
                   nn_err *err);
int nn_table_write_file(const nn_table *t, nn_table_format format, const char *path,
                        nn_err *err);

#endif
