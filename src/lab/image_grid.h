/*
 * image_grid.h - a grid of grey images as a plot's files (gnuplot_script.h):
 * dir/name.dat, the grid as one matrix of pixel values (rows top first,
 * images one pixel apart, the gaps at the lowest value), and dir/name.gp,
 * which draws it in grey (lo black, hi white) into dir/name.png. The tool
 * runs the script (tools/golu/gnuplot.h).
 */
#ifndef LAB_IMAGE_GRID_H
#define LAB_IMAGE_GRID_H

#include <stddef.h>

#include "error.h"

/* The columns of a grid of n images: the smallest c with c * c >= n. */
int lab_image_grid_cols(int n);

/*
 * images (n, h, w); values clamped to [lo, hi] (lo < hi). terminal: the
 * PNG terminal line (gnuplot_terminal()). 0, or -1 with err.
 */
int lab_image_grid_write(const char *dir, const char *name, const float *images, int n,
                         int h, int w, double lo, double hi, const char *terminal,
                         nn_err *err);

#endif
