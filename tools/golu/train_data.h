/*
 * train_data.h - the data of a training run, loaded from the options: the
 * images' training and test splits with their normalisation, or the text.
 */
#ifndef GOLU_TRAIN_DATA_H
#define GOLU_TRAIN_DATA_H

#include "data.h"
#include "train.h"

typedef struct train_data {
    int images; /* 1: train/test images; 0: text */
    nn_images train, test;
    double mean[3], std[3]; /* per channel, from the training split */
    nn_text text;
} train_data;

/*
 * Loads what o names (o->data) for o's model and fills the model's input
 * shape (in_c, in_h, in_w, classes) into *cfg. Prints an error naming the
 * path and returns -1 when the data is missing or malformed.
 */
int train_data_load(train_data *d, const train_opts *o, nn_config *cfg);
void train_data_free(train_data *d);

#endif
