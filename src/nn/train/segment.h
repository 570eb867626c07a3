/*
 * segment.h - what the segmentation task (task_segment.c) shows of a
 * trained model: the first test scenes, the label maps it predicts for
 * them and their true label maps (golu sample draws them side by side).
 */
#ifndef NN_TRAIN_SEGMENT_H
#define NN_TRAIN_SEGMENT_H

#include <stdint.h>

#include "config.h"
#include "error.h"
#include "model.h"

/* The scenes' side and their classes (0 background, 1 + a garment's). */
enum { NN_SEGMENT_SIDE = 64, NN_SEGMENT_CLASSES = 11 };

/*
 * Test scenes 0..n-1 of the segment task configured by c (its data, read
 * again here), the same scenes every run is evaluated on, run through m
 * (a model of c's, built for a batch of at least n, in evaluation mode):
 * scenes (n, 64, 64) the pixels in [0, 1], pred and truth (n, 64, 64) the
 * predicted (the largest logit's class) and the true labels. 0, or -1
 * with err (the data, memory, a failed forward).
 */
int nn_segment_show(const nn_train_config *c, nn_model *m, int n, float *scenes,
                    int32_t *pred, int32_t *truth, nn_err *err);

#endif
