/*
 * image_grid.c - a grid of grey images as a .dat matrix and a gnuplot
 * script (image_grid.h).
 */
#include "image_grid.h"

#include <stdio.h>

#include "gnuplot_script.h"
#include "io/outfile.h"

int lab_image_grid_cols(int n)
{
    int c = 1;
    while (c * c < n)
        c++;
    return c;
}

/* The grid's pixel (r, c): an image's value clamped to [lo, hi], or lo in
 * the gaps and past the last image. */
static double grid_value(const float *im, int n, int h, int w, int cols, int r, int c,
                         double lo, double hi)
{
    int gr = r / (h + 1), gc = c / (w + 1), y = r % (h + 1), x = c % (w + 1);
    int k = gr * cols + gc;
    if (y == h || x == w || k >= n)
        return lo;
    double v = im[((size_t)k * h + y) * w + x];
    return v < lo ? lo : v > hi ? hi : v;
}

int lab_image_grid_write(const char *dir, const char *name, const float *images, int n,
                         int h, int w, double lo, double hi, const char *terminal,
                         nn_err *err)
{
    int cols = lab_image_grid_cols(n), rows = (n + cols - 1) / cols;
    int H = rows * (h + 1) - 1, W = cols * (w + 1) - 1;
    char file[256];
    nn_outfile dat, gp;
    snprintf(file, sizeof file, "%s.dat", name);
    if (lab_gnuplot_file_open(&dat, dir, file, err))
        return -1;
    /* gnuplot's matrix rows go upwards: write the bottom row first */
    for (int r = H - 1; r >= 0; r--)
        for (int c = 0; c < W; c++)
            fprintf(dat.f, "%.4g%c", grid_value(images, n, h, w, cols, r, c, lo, hi),
                    c + 1 < W ? ' ' : '\n');
    if (nn_outfile_commit(&dat, err))
        return -1;
    snprintf(file, sizeof file, "%s.gp", name);
    if (lab_gnuplot_script_open(&gp, dir, file, terminal, err))
        return -1;
    fprintf(gp.f,
            "set output d.\"%s.png\"\nunset key\nunset border\nunset tics\n"
            "unset colorbox\nset palette grey\nset cbrange [%g:%g]\n"
            "set size ratio -1\nset xrange [-0.5:%d.5]\nset yrange [-0.5:%d.5]\n"
            "plot d.\"%s.dat\" matrix with image\n",
            name, lo, hi, W - 1, H - 1, name);
    return nn_outfile_commit(&gp, err);
}
