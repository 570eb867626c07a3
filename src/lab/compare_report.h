/*
 * compare_report.h - the files a compare leaves when every run is done:
 * DIR/results.csv, results.json and results.md, and the data and gnuplot
 * scripts of its plots (NAME.dat, NAME.gp in DIR/plots). Drawing the plots (running
 * gnuplot) and the words on the terminal are the tool's.
 *
 *   lab_compare_report R;
 *   lab_compare_report_init(&R, &config, runs, nruns, date, machine, &err);
 *   lab_compare_plots_write(&R, "DIR/plots", terminal, &err);   (then gnuplot)
 *   lab_compare_csv_write(&R, "DIR/results.csv", &err);
 *   lab_compare_json_write(&R, "DIR/results.json", &err);
 *   lab_compare_md_write(&R, "DIR/results.md", plot_note, &err);
 *
 * The statistics are over the runs that did not diverge: mean, the sample
 * standard deviation (n - 1; none for one run), min and max (compare.h). A
 * run that diverged is listed as such and counted apart. Every value comes
 * from the runs given, which the tool reads back from the runs' own files
 * (compare_store.h), so a compare that trained nothing writes the same
 * results as the one that trained everything.
 *
 * Each file is written whole or not at all (io/outfile.h); the tables go
 * through io/table.h, the JSON through jansson (io/json_write.h).
 */
#ifndef LAB_COMPARE_REPORT_H
#define LAB_COMPARE_REPORT_H

#include "compare.h"
#include "compare_store.h"
#include "error.h"

typedef struct lab_compare_report {
    const lab_compare_config *c;
    const nn_task_desc *task; /* the runs' task: their rows' width */
    const nn_task_metric *m;  /* the task's metric */
    const lab_compare_run *runs;
    int nruns;
    lab_compare_summary sum; /* statistics and ranking */
    const char *date;        /* "2024-05-01 14:03 CEST": the caller's words */
    const char *machine;     /* "<cpu>, 2 threads (OpenBLAS Haswell)" */
} lab_compare_report;

/* Sums up runs[0..nruns) (all of c's runs, any order; they stay the
 * caller's, as do date and machine) into R. 0, or -1 with err when out of
 * memory. */
int lab_compare_report_init(lab_compare_report *R, const lab_compare_config *c,
                            const lab_compare_run *runs, int nruns, const char *date,
                            const char *machine, nn_err *err);

/* The sum of the runs' own times (those that have one). */
double lab_compare_report_seconds(const lab_compare_report *R);

/* A value of a table in words, into buf: v with decimals ("0.8123"), or
 * "-" when it is not finite (no result). Returns buf. */
const char *lab_compare_value_text(double v, int decimals, char *buf, size_t size);

/* "seeds 1..3", or "seed 1", into buf. */
const char *lab_compare_seeds_text(int seeds, char *buf, size_t size);

/* results.csv: "act,seed,<metric>,<loss>,seconds,status", one row per run,
 * activation by activation then seed by seed; values "%.10g", empty when
 * not finite. 0, or -1 with err. */
int lab_compare_csv_write(const lab_compare_report *R, const char *path, nn_err *err);

/* results.json: the configuration, the date and machine, the total time,
 * "runs" (as results.csv, every digit), "activations" (n, diverged, mean,
 * std, min, max, loss_mean, loss_std, rank) and "best" (null when no
 * activation has a result). Values that are not finite are null. */
int lab_compare_json_write(const lab_compare_report *R, const char *path, nn_err *err);

/* results.md: the configuration, the table of the final metric with the
 * best mean in bold, the ranking, and the plots, or plot_note (non-empty:
 * why they were not drawn). */
int lab_compare_md_write(const lab_compare_report *R, const char *path,
                         const char *plot_note, nn_err *err);

/*
 * The plots' data and scripts in dir (which must exist): curves (the
 * validation metric per activation, the mean over the seeds that did not
 * diverge), train_loss, and final (mean +/- std, min and max per
 * activation, the best in red), each as NAME.dat and NAME.gp. terminal:
 * the gnuplot line that selects PNG output ("set terminal pngcairo ...").
 * A script finds its data beside itself, so `gnuplot DIR/NAME.gp` redraws
 * NAME.png from any directory. 0, or -1 with err.
 */
int lab_compare_plots_write(const lab_compare_report *R, const char *dir,
                            const char *terminal, nn_err *err);

/* The names of the plots lab_compare_plots_write writes, in order. */
extern const char *const lab_compare_plot_names[3];

#endif
