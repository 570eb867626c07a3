/*
 * variance_report.h - what `golu variance` (cmd_variance.c) measured and
 * how it is reported (variance_report.c): the table on stdout, and
 * OUT/variance.{md,csv,json} with the plot (variance.dat, variance.gp,
 * variance.png).
 */
#ifndef GOLU_VARIANCE_REPORT_H
#define GOLU_VARIANCE_REPORT_H

#include "analysis.h"
#include "variance.h" /* src/lab/variance.h */

typedef struct vopts {
    const char *data, *out;
    long images, stats, seed;
    analysis_acts acts;
} vopts;

typedef struct vresult {
    char dataset[64]; /* "Fashion-MNIST", "CIFAR-10", "IDX" */
    int cifar;
    int total;      /* images in the test split */
    lab_variance m; /* the shape, the layer, the results */
} vresult;

/* The table for people, on stdout. */
void variance_report_print(const vopts *o, const vresult *res);

/* OUT/variance.csv, variance.json and variance.md, each written atomically.
 * 0, or 1 (the exit status) after a message naming the file. */
int variance_report_files(const vopts *o, const vresult *res);

/* variance.dat and variance.gp, then gnuplot draws variance.png. 0, or 1
 * after a message (gnuplot missing included). */
int variance_report_plot(const vopts *o, const vresult *res);

#endif
