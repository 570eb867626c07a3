/*
 * variance_report.h - the files of a latent-variance measurement
 * (variance.h): DIR/variance.csv, variance.json and variance.md, and the
 * plot's data and script, variance.dat and variance.gp. Drawing the plot
 * (running gnuplot), the table on the terminal and the words around them
 * are the tool's (tools/golu/cmd_variance.c).
 *
 *   lab_variance_report R = {&m, acts, n_acts, data, "Fashion-MNIST", 0,
 *                            10000, seed};
 *   lab_variance_files_write(&R, "out", &err);   (csv, json, md)
 *   lab_variance_plot_write(&R, "out", terminal, &err);   (then gnuplot)
 *
 * Rows are the activations in the order given, then the identity (the
 * BatchNorm output). Each file is written whole or not at all
 * (io/outfile.h); the tables go through io/table.h, the JSON through
 * jansson (io/json_write.h). Nothing here prints.
 */
#ifndef LAB_VARIANCE_REPORT_H
#define LAB_VARIANCE_REPORT_H

#include "error.h"
#include "golu.h"
#include "variance.h"

/* What the files say: the measurement and how it was made. Everything
 * stays the caller's. */
typedef struct lab_variance_report {
    const lab_variance *m; /* m->rows == n_acts + 1 */
    const golu_act *acts;  /* rows 0..n_acts-1, named by golu_act_name */
    int n_acts;
    const char *data;    /* the data directory, as the user gave it */
    const char *dataset; /* "Fashion-MNIST", "CIFAR-10", "IDX" */
    int cifar;           /* 1: CIFAR-10, the paper's data */
    int total;           /* images in the test split */
    long seed;           /* the conv layer's seed */
} lab_variance_report;

/* variance.csv: "activation,image_1..image_N,mean,std,stats_images,
 * normal_variance", one row per activation then "identity"; reals "%.17g".
 * 0, or -1 with err. */
int lab_variance_csv_write(const lab_variance_report *R, const char *path, nn_err *err);

/* variance.json: the data, the shape, the image counts, the conv layer
 * (its weights and bias), the BatchNorm settings and one object per row
 * (activation, images, mean, std, normal_variance). 0, or -1 with err. */
int lab_variance_json_write(const lab_variance_report *R, const char *path, nn_err *err);

/* variance.md: what was measured, the table of results, the paper's
 * ranges against ours, and which activation gives the smallest variance
 * (for the N(0,1) input, on the mean, and how often GoLU is the smallest
 * image by image). 0, or -1 with err. */
int lab_variance_md_write(const lab_variance_report *R, const char *path, nn_err *err);

/* The three above into dir (which must exist), in the order csv, json,
 * md; stops at the first failure. 0, or -1 with err. */
int lab_variance_files_write(const lab_variance_report *R, const char *dir, nn_err *err);

/*
 * dir/variance.dat (per activation: index, name, each image, mean, std,
 * Var f(Z), the paper's range or NaN NaN; "%.10g") and dir/variance.gp,
 * which draws variance.png from it. terminal: the gnuplot line that selects
 * PNG output (gnuplot_script.h). 0, or -1 with err.
 */
int lab_variance_plot_write(const lab_variance_report *R, const char *dir,
                            const char *terminal, nn_err *err);

#endif
