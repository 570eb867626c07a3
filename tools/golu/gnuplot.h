/*
 * gnuplot.h - drawing PNG plots with gnuplot (Debian's gnuplot-nox, installed
 * by scripts/setup-debian.sh). A command writes its data files and a gnuplot
 * script next to the plot, then runs the script: the plot can be redrawn or
 * restyled by hand later with `gnuplot FILE.gp`.
 */
#ifndef GOLU_GNUPLOT_H
#define GOLU_GNUPLOT_H

#include <stddef.h>

/* 1 when a gnuplot that can write PNG (pngcairo or png) is on PATH. */
int gnuplot_available(void);
/* The PNG terminal line to put at the top of a script, e.g.
 * "set terminal pngcairo size 900,600 font ',10'". */
const char *gnuplot_terminal(void);
/* Runs `gnuplot script`, then checks that each PNG the script writes is
 * whole (ends with its IEND chunk; a broken one is removed); on failure
 * returns -1 and puts gnuplot's complaint (or why it could not run, or
 * which PNG is broken) in err. */
int gnuplot_run(const char *script, char *err, size_t errsize);

#endif
