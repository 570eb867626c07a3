/*
 * nn.h - the training framework in one header: models and their layers,
 * optimizers, datasets, checkpoints, the registry of models (each with its
 * task), and the trainer (configuration, the loop, evaluation, the recipes
 * and compare's presets).
 *
 *   nn_train_config c;
 *   nn_train_config_defaults(&c, nn_model_find("mlp"));
 *   snprintf(c.out, sizeof c.out, "runs/x");
 *   if (nn_train_config_check(&c, &err) == 0)
 *       rc = nn_train_run(&c, 0, &hooks, &result, &err);
 *
 * The framework never prints and never exits: failures come back as a
 * status and an nn_err message; progress comes back through hooks.
 */
#ifndef NN_NN_H
#define NN_NN_H

#include "checkpoint.h"
#include "data.h"
#include "error.h"
#include "layers.h"
#include "model.h"
#include "optim.h"
#include "params.h"
#include "registry.h"
#include "train/config.h"
#include "train/presets.h"
#include "train/task.h"
#include "train/trainer.h"

#endif
