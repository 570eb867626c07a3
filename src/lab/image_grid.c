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

/* Black, then ten well-separated colours (matplotlib's tab10, its grey
 * made yellow so that grey means an ignored pixel only), then five more. */
static const unsigned LABEL_COLOURS[16] = {
    0x000000, 0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2,
    0xffd92f, 0xbcbd22, 0x17becf, 0xaec7e8, 0xffbb78, 0x98df8a, 0xff9896, 0xc5b0d5};

unsigned lab_label_colour(int l)
{
    return l >= 0 && l < 16 ? LABEL_COLOURS[l] : 0x808080;
}

/* Pixel (y, x) of column col of row i as 0xRRGGBB: the image in grey, or a
 * label map's colour. */
static unsigned label_grid_pixel(const float *images, const int32_t *const *maps, int i,
                                 int col, int h, int w, int y, int x, int classes)
{
    size_t at = ((size_t)i * h + y) * w + x;
    if (col == 0) {
        double v = images[at];
        unsigned g = (unsigned)(255 * (v < 0 ? 0 : v > 1 ? 1 : v) + 0.5);
        return g << 16 | g << 8 | g;
    }
    int32_t l = maps[col - 1][at];
    return l >= 0 && l < classes ? lab_label_colour(l) : 0x808080;
}

int lab_label_grid_write(const char *dir, const char *name, const float *images,
                         const int32_t *const *maps, int nmaps, const char *const *titles,
                         int n, int h, int w, int classes, const char *terminal,
                         nn_err *err)
{
    if (n < 1 || h < 1 || w < 1 || nmaps < 0 || classes < 1 || classes > 16)
        return nn_fail(err, "%s: no label grid of %d images of %dx%d, %d classes", name,
                       n, h, w, classes);
    int cols = 1 + nmaps, H = n * (h + 1) - 1, W = cols * (w + 1) - 1;
    char file[256];
    nn_outfile dat, gp;
    snprintf(file, sizeof file, "%s.dat", name);
    if (lab_gnuplot_file_open(&dat, dir, file, err))
        return -1;
    for (int r = 0; r < H; r++)
        for (int c = 0; c < W; c++) {
            int i = r / (h + 1), y = r % (h + 1), col = c / (w + 1), x = c % (w + 1);
            unsigned p = y == h || x == w ? 0xffffff
                                          : label_grid_pixel(images, maps, i, col, h, w,
                                                             y, x, classes);
            /* gnuplot's y goes upwards: the first row on top */
            fprintf(dat.f, "%d %d %u %u %u\n", c, H - 1 - r, p >> 16, p >> 8 & 255,
                    p & 255);
        }
    if (nn_outfile_commit(&dat, err))
        return -1;
    snprintf(file, sizeof file, "%s.gp", name);
    if (lab_gnuplot_script_open(&gp, dir, file, terminal, err))
        return -1;
    fprintf(gp.f,
            "set output d.\"%s.png\"\nunset key\nunset border\nunset tics\n"
            "set size ratio -1\nset xrange [-0.5:%d.5]\nset yrange [-0.5:%d.5]\n"
            "set tmargin 2\n",
            name, W - 1, H + 1);
    for (int c = 0; c < cols; c++)
        fprintf(gp.f, "set label %d \"%s\" at %g,%d center front\n", c + 1,
                titles && titles[c] ? titles[c] : "", c * (w + 1) + (w - 1) / 2.0, H + 1);
    fprintf(gp.f, "plot d.\"%s.dat\" using 1:2:3:4:5 with rgbimage\n", name);
    return nn_outfile_commit(&gp, err);
}
