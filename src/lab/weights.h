/*
 * weights.h - the distribution of trained weights (`golu plot --weights`):
 * the weights of a `golu compare` output's checkpoints
 * (DIR/runs/<act>-s<seed>/checkpoint.safetensors), pooled over the seeds
 * of each activation; their moments (stats.h's lab_moments_of), their
 * density histogram, and the files: weights.csv, weights.dat and the
 * gnuplot script weights.gp that draws weights.png. Running gnuplot and
 * printing are the tool's.
 *
 * The weights taken: every F32 tensor named "*.weight" with 2 or more
 * dimensions (the matrices and kernels, not the norms' scales), optimizer
 * state ("optim.*") excluded.
 *
 *   lab_weights w[n] = {0};
 *   lab_weights_load(dir, acts, n, 1, w, &err);
 *   lab_weights_csv_write(acts, w, n, "out/weights.csv", &err);
 *   lab_weights_plot_write(acts, w, n, "out", terminal, &err);
 *   lab_weights_free(w, n);
 */
#ifndef LAB_WEIGHTS_H
#define LAB_WEIGHTS_H

#include <stddef.h>

#include "error.h"
#include "golu.h"
#include "stats.h"

#define LAB_WEIGHTS_BINS 120 /* histogram bins */

/* What the loaders return: 0, or a failure with its message in the
 * nn_err. */
typedef enum lab_weights_status {
    LAB_WEIGHTS_OK = 0,
    LAB_WEIGHTS_EINPUT = -1, /* the directory or a checkpoint (named) is wrong */
    LAB_WEIGHTS_ENOMEM = -2  /* out of memory (the file being read named) */
} lab_weights_status;

/* The weights of one activation, pooled over its runs in the order read.
 * Zero-initialise; lab_weights_free releases v. */
typedef struct lab_weights {
    double *v; /* the F32 values, exactly */
    size_t n, cap;
    int runs, tensors;
    char seeds[128]; /* "1;2;3" */
    lab_moments m;   /* of v[0..n), after lab_weights_load */
} lab_weights;

void lab_weights_free(lab_weights *w, int n);

/* Appends the weights of one checkpoint to w (w->tensors counts them). A
 * missing file, one that is not safetensors, or one with no weight tensor
 * is LAB_WEIGHTS_EINPUT. */
lab_weights_status lab_weights_checkpoint_add(lab_weights *w, const char *path,
                                              nn_err *err);

/*
 * Reads every run of dir/runs whose name is "<act>-s<seed>" with act one of
 * acts[0..n) (any name golu_act_from_name takes), in name order, into w[a]
 * (indexed like acts; zero-initialised by the caller), then each w[a]'s
 * moments. Every activation must have a run when every_act is 1; at least
 * one must have when 0. Errors: dir not a directory, no runs/, a bad
 * checkpoint, a missing activation, no runs at all.
 */
lab_weights_status lab_weights_load(const char *dir, const golu_act *acts, int n,
                                    int every_act, lab_weights *w, nn_err *err);

/* The histogram's half-width: the widest |mean| + 5 std over the
 * activations with runs (1 when that is not a positive finite number), so
 * that every curve shares the axis and the tails show. */
double lab_weights_hist_range(const lab_weights *w, int n);

/* The density of w's values in LAB_WEIGHTS_BINS equal bins over [-range,
 * range): each value inside adds 1 / (w->n * width) to its bin, so the area
 * over all bins is the fraction of the values inside the range. */
void lab_weights_hist(const lab_weights *w, double range,
                      double density[LAB_WEIGHTS_BINS]);

/* weights.csv: "activation,runs,seeds,tensors,count,mean,std,
 * excess_kurtosis,min,max", one row per activation with runs; the
 * statistics "%.17g", the extremes (floats) "%.9g". 0, or -1 with err. */
int lab_weights_csv_write(const golu_act *acts, const lab_weights *w, int n,
                          const char *path, nn_err *err);

/* dir/weights.dat (the bin centre "%.8g", then each activation's density
 * "%.8g", over lab_weights_hist_range) and dir/weights.gp, which draws
 * weights.png. terminal: the gnuplot line that selects PNG output
 * (gnuplot_script.h). Activations without runs are left out. 0, or -1 with
 * err. */
int lab_weights_plot_write(const golu_act *acts, const lab_weights *w, int n,
                           const char *dir, const char *terminal, nn_err *err);

#endif
