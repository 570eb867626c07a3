/*
 * compare_cli.h - the end of `golu compare` on the terminal: the result
 * files written (by the measurement library), the plots drawn, the table
 * printed.
 *
 *   the framework's train/presets.h    the recipes (one table)
 *   src/lab/compare_store.h            DIR/compare.json; a finished run read back
 *   src/lab/compare.h                  per-activation statistics and ranking
 *   src/lab/compare_report.h           results.md/csv/json, the plots' data and
 *                                      scripts
 *   cmd_compare.c      flags and checks, the runs (picked up where a stopped
 *                      compare left them), progress
 *   compare_cli.c      gnuplot run on the scripts, the table printed last
 *
 * DIR/runs/<act>-s<seed>/ is an ordinary `golu train` output directory, so
 * every run can also be inspected, evaluated or resumed on its own.
 */
#ifndef GOLU_COMPARE_CLI_H
#define GOLU_COMPARE_CLI_H

#include "compare.h"
#include "compare_store.h"

/*
 * Writes DIR/plots/ (and draws them), DIR/results.{csv,json,md}, then
 * prints the table and where the files are. runs: all of the compare's
 * runs, in any order. Returns 0, or 1 when a file could not be written
 * (message printed). A plot that cannot be drawn is a note, not a failure.
 */
int compare_cli_report(const lab_compare_config *c, const lab_compare_run *runs,
                       int nruns);

#endif
