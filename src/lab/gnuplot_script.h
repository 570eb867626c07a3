/*
 * gnuplot_script.h - the files behind a plot: a data file and a gnuplot
 * script beside it, each written whole or not at all (io/outfile.h), that
 * the tool then hands to gnuplot (tools/golu/gnuplot.h runs it; nothing
 * here starts a process). The script can be rerun by hand:
 * `gnuplot DIR/NAME.gp` redraws NAME.png from any working directory.
 *
 *   nn_outfile gp;
 *   lab_gnuplot_script_open(&gp, dir, "x.gp", terminal, &err);
 *   fprintf(gp.f, "set output d.'x.png'\nplot d.'x.dat' using 1:2\n");
 *   nn_outfile_commit(&gp, &err);
 */
#ifndef LAB_GNUPLOT_SCRIPT_H
#define LAB_GNUPLOT_SCRIPT_H

#include <stdio.h>

#include "error.h"
#include "golu.h"
#include "io/outfile.h"

/*
 * Starts a gnuplot script on f: a comment saying how to redraw it (name:
 * the script's own file name), the terminal line (terminal: the caller's
 * "set terminal pngcairo size 900,600 font ',10'" or plain png), no
 * enhanced text (so names like leaky_relu come out as written), and `d`,
 * the directory the script lies in with its trailing slash, computed by
 * gnuplot itself from ARG0, so that the script names its files d."file".
 */
void lab_gnuplot_prologue_write(FILE *f, const char *terminal, const char *name);

/* Opens dir/name for writing through o (the atomic writer): 0, or -1 with
 * err (a path too long, or nn_outfile_open's message). */
int lab_gnuplot_file_open(nn_outfile *o, const char *dir, const char *name, nn_err *err);

/* lab_gnuplot_file_open, then the prologue: 0, or -1 with err. */
int lab_gnuplot_script_open(nn_outfile *o, const char *dir, const char *name,
                            const char *terminal, nn_err *err);

/* A fixed colour per activation ("#rrggbb", from GOLU_ACT_LIST), the same
 * in every plot; GoLU is red. "#000000" for a kind out of range. */
const char *lab_gnuplot_act_color(golu_act_kind kind);

#endif
