/*
 * compare_report.h - `golu compare`: one recipe trained once per activation
 * and seed, then tables and plots of the final metric.
 *
 *   the framework's train/presets.h    the recipes (one table)
 *   src/lab/compare_store.h            DIR/compare.json; a finished run read back
 *   src/lab/compare.h                  per-activation statistics and ranking
 *   cmd_compare.c      flags and checks, the runs (picked up where a stopped
 *                      compare left them), progress
 *   compare_report.c   results.md/csv/json, the plots, the table printed last
 *
 * DIR/runs/<act>-s<seed>/ is an ordinary `golu train` output directory, so
 * every run can also be inspected, evaluated or resumed on its own.
 */
#ifndef GOLU_COMPARE_REPORT_H
#define GOLU_COMPARE_REPORT_H

#include "compare.h"
#include "compare_store.h"

/*
 * Writes DIR/results.{md,csv,json} and DIR/plots/, then prints the table and
 * where the files are. runs: all of the compare's runs, in any order.
 * Returns 0, or 1 when a file could not be
 * written (message printed). A plot that cannot be drawn is a note, not a
 * failure.
 */
int compare_report(const lab_compare_config *c, const lab_compare_run *runs, int nruns);

#endif
