/*
 * checkpoints.h - two training checkpoints compared, for the tests that
 * stop a run and resume it (tests/nn/test_trainer.c through the library,
 * tests/tool/test_train.c through the tool): the resumed run must end
 * where the uninterrupted one did, bit for bit.
 */
#ifndef GOLU_TEST_CHECKPOINTS_H
#define GOLU_TEST_CHECKPOINTS_H

#include "train/task.h"

/*
 * Every tensor of the checkpoints at paths a and b has the same name, type,
 * shape and bytes, but the time spent, which differs between processes:
 * run.state's last value and, in run.metrics (rows of task's ncols
 * columns), the column task names "seconds" (if any). Each tensor that is
 * missing, shaped otherwise or differing is a failed CHECK naming what and
 * the tensor. Returns how many values and tensors differ (0: the same).
 */
int checkpoints_compare(const char *what, const char *a, const char *b,
                        const nn_task_desc *task);

/*
 * A copy of the checkpoint at src written to dst (through the library's
 * safetensors writer, so dst is well formed) with at most two changes:
 * metadata `key` set to `value` (key NULL: none; a key src lacks is added),
 * and element `index` of the F64 tensor `tensor` set to x (tensor NULL:
 * none). For the tests that feed a resume a checkpoint with one bad field.
 * 0, or -1 after a failed CHECK naming what went wrong.
 */
int checkpoints_edit(const char *src, const char *dst, const char *key, const char *value,
                     const char *tensor, long index, double x);

#endif
