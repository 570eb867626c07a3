/*
 * checkpoint.h - a model, its optimizer state and the run's state in one
 * safetensors file.
 *
 * Tensors: every parameter and buffer under its torch name (so
 * torch's load_state_dict(strict=False) takes them), the optimizer's state
 * as "optim.m.<name>" and "optim.v.<name>", and whatever extra tensors the
 * caller adds (the trainer: metrics history, data normalisation). Metadata:
 * "format" = "golu-checkpoint-1", "optim.step", and the caller's keys (the
 * trainer: the whole configuration). Written atomically (safetensors.h).
 */
#ifndef NN_CHECKPOINT_H
#define NN_CHECKPOINT_H

#include "model.h"
#include "optim.h"
#include "safetensors.h"

#define NN_CHECKPOINT_FORMAT "golu-checkpoint-1"

/* o may be NULL (weights only). */
int nn_checkpoint_save(const char *path, const nn_model *m, const nn_optim *o,
                       const nn_st_tensor *extra, int nextra, const nn_st_meta *meta,
                       int nmeta, nn_err *err);

/* Checks the format key. */
int nn_checkpoint_check(const nn_st_file *f, const char *path, nn_err *err);
/* Copies every parameter and buffer of m from f: each must be there, F32,
 * with m's shape; anything missing or different is refused by name. */
int nn_checkpoint_load_model(const nn_st_file *f, const char *path, nn_model *m,
                             nn_err *err);
/* Restores the optimizer state saved with the model (same layout). */
int nn_checkpoint_load_optim(const nn_st_file *f, const char *path, const nn_params *p,
                             nn_optim *o, nn_err *err);

#endif
