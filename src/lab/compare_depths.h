/*
 * compare_depths.h - a depth ablation (`golu compare --depths 1,2,3,4`):
 * one compare per depth (each in DIR/depth-<d>, a whole compare of its
 * own), summed up in one table of the final metric by depth and activation
 * (mean, sample std, min, max over the seeds that did not diverge; the
 * runs with a result, those that diverged, the rank within the depth):
 * DIR/depths.md, depths.csv and depths.json, through io/table.h.
 *
 *   lab_depth_table *t = lab_depth_table_create(task->metric, &err);
 *   lab_depth_table_add(t, 2, &config_of_depth_2, &summary_of_depth_2);
 *   ...
 *   lab_depth_table_write(t, "DIR", &err);
 *   lab_depth_table_free(t);
 */
#ifndef LAB_COMPARE_DEPTHS_H
#define LAB_COMPARE_DEPTHS_H

#include "compare.h"
#include "compare_store.h"
#include "error.h"

typedef struct lab_depth_table lab_depth_table;

/* An empty table of metric m's values, or NULL with err (out of memory). */
lab_depth_table *lab_depth_table_create(const nn_task_metric *m, nn_err *err);
void lab_depth_table_free(lab_depth_table *t);

/* The rows of depth: one per activation of c, in c's order, from sum (of
 * c's runs, lab_compare_aggregate). 0, or -1 (the table's sticky error,
 * reported by lab_depth_table_write). */
int lab_depth_table_add(lab_depth_table *t, int depth, const lab_compare_config *c,
                        const lab_compare_summary *sum);

/* dir/depths.md, depths.csv, depths.json (each written whole or not at
 * all). Reals: in Markdown with the metric's decimals, in CSV and JSON
 * every digit ("%.10g"); no result: "-" in Markdown, empty in CSV, null in
 * JSON. 0, or -1 with err. */
int lab_depth_table_write(const lab_depth_table *t, const char *dir, nn_err *err);

#endif
