/*
 * train.h - the command layer of training, shared by `golu train`, `golu
 * eval` and `golu compare`: training flags into a configuration (the
 * framework's nn_train_config, train/config.h), their help, and a run with
 * its words on the terminal (the progress line, the per-period lines, the
 * stop, the errors) and Ctrl-C.
 */
#ifndef GOLU_TRAIN_H
#define GOLU_TRAIN_H

#include <stdio.h>

#include "nn.h"

/* Parses one training flag at argv[*i] into o. Returns 1 if it was one, 0 if
 * not a training flag, -1 on a bad value (message printed). */
int train_opts_parse_flag(nn_train_config *o, int argc, char **argv, int *i);
/* The help text for the training flags. */
void train_opts_usage(FILE *out);

/*
 * Runs (or, with resume, continues) the run o describes (nn_train_run),
 * printing its progress unless o->quiet, and errors always. label (golu
 * compare: "[3/14] gelu seed 1") starts the progress line and leaves out
 * the per-period lines; NULL for golu train. Ctrl-C stops the run after the
 * current step, with a checkpoint. Returns nn_train_run's status: 0 done,
 * 1 failed or diverged, 2 bad input, 3 stopped early.
 */
int train_cli_run(const nn_train_config *o, int resume, const char *label,
                  nn_train_result *res);

#endif
