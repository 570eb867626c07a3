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
#include <stdint.h>

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

/*
 * Label maps beside the images they label, as dir/name.dat (one line
 * "x y r g b" per pixel, for gnuplot's rgbimage) and dir/name.gp, which
 * draws them into dir/name.png: row i holds images[i] (n, h, w) in grey
 * (values clamped to [0, 1], 0 black), then maps[k][i] for each of the
 * nmaps label maps (each (n, h, w) of labels), one pixel of white between
 * them; titles[0..nmaps] head the columns. A label l in [0, classes) is
 * lab_label_colour(l): 0 black, the others a colour each; any other label
 * (an ignored pixel) mid grey. classes: 1 to 16. 0, or -1 with err.
 */
int lab_label_grid_write(const char *dir, const char *name, const float *images,
                         const int32_t *const *maps, int nmaps, const char *const *titles,
                         int n, int h, int w, int classes, const char *terminal,
                         nn_err *err);

/* The colour of label l (0 <= l < 16) as 0xRRGGBB: 0 black (the
 * background), then ten well-separated colours and five more. */
unsigned lab_label_colour(int l);

#endif
