/*
 * train.h - the command layer of training, shared by `golu train`, `golu
 * eval` and `golu compare`: training flags into a configuration (the
 * framework's nn_train_config, train/config.h), their help, and a run with
 * its words on the terminal (the progress line, the per-period lines, the
 * stop, the errors) and Ctrl-C, SIGTERM and SIGHUP.
 */
#ifndef GOLU_TRAIN_H
#define GOLU_TRAIN_H

#include <stdio.h>

#include "nn.h"
#include "opts.h"

/* Parses one training flag at argv[*i] into o. Returns 1 if it was one, 0 if
 * not a training flag, -1 on a bad value (message printed). */
int train_opts_parse_flag(nn_train_config *o, int argc, char **argv, int *i);
/* Sets the training flag named flag ("--epochs", "--data") to value, as
 * train_opts_parse_flag would: 0, or -1 after a message naming the flag.
 * For a command's table (a CLI_OPT_CUSTOM row) that takes some of them. */
int train_opts_set(nn_train_config *o, const char *flag, const char *value);
/* The help text for the training flags. */
void train_opts_usage(FILE *out);

/*
 * Runs (or, with resume, continues) the run o describes (nn_train_run),
 * printing its progress unless o->quiet, and errors always. label (golu
 * compare: "[3/14] gelu seed 1") starts the progress line and leaves out
 * the per-period lines; NULL for golu train. Ctrl-C, SIGTERM and SIGHUP stop
 * the run after the current step, with a checkpoint. Returns nn_train_run's status: 0
 * done, 1 failed or diverged, 2 bad input, 3 stopped early.
 */
int train_cli_run(const nn_train_config *o, int resume, const char *label,
                  nn_train_result *res);

/* The processes that train_cli_run's runs train on together (golu train
 * under mpirun: dist_cli.h); NULL (the start): this one alone, as golu
 * compare's runs always are. */
void train_cli_set_comm(const nn_comm *comm);

/* poll(user) after every step of train_cli_run's runs (NULL: none): golu
 * compare's dispatcher answers the other processes from there. */
void train_cli_set_poll(void (*poll)(void *user), void *user);

#endif
