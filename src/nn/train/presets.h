/*
 * presets.h - the recipes `golu compare` trains: a model's default recipe
 * (registry.h) scaled to a machine with a few cores. A preset keeps its
 * recipe's model, optimizer, schedule and batch; only the amount of
 * training shrinks.
 */
#ifndef NN_TRAIN_PRESETS_H
#define NN_TRAIN_PRESETS_H

#include <stddef.h>

#include "config.h"
#include "registry.h"

typedef struct nn_preset {
    const char *name;
    const char *model; /* the registry's name of its model */
    const char *task;  /* its task's key ("diffusion"); NULL: the model's default */
    const char *what;  /* for the help and results.md (60 columns at most) */
    long epochs;       /* 0: the recipe's */
    long limit_train;  /* 0: the recipe's (all) */
    long steps;        /* 0: the recipe's */
    int seeds;         /* the default number of seeds */
    /* What follows from the user's scaling flags once they are in (the
     * warmup and evaluation interval as fractions of the steps); NULL:
     * nothing. */
    void (*finish)(nn_train_config *c);
} nn_preset;

/* The preset of that name, or NULL. */
const nn_preset *nn_preset_find(const char *name);
/* How many there are; the i-th in the table's order (NULL outside). */
int nn_preset_count(void);
const nn_preset *nn_preset_at(int i);
/* "mlp, resnet, gpt, quick" into buf (truncated at size); returns buf. */
const char *nn_preset_names(char *buf, size_t size);
/* Its model's descriptor, and its task (the model's default when the
 * preset names none). */
const nn_model_desc *nn_preset_model(const nn_preset *p);
const struct nn_task_desc *nn_preset_task(const nn_preset *p);

/* c = the preset's recipe, before the user's scaling flags. */
void nn_preset_config(const nn_preset *p, nn_train_config *c);
/* What follows from the flags once they are in (nn_preset.finish). */
void nn_preset_finish(const nn_preset *p, nn_train_config *c);

/* A recipe in one line of words ("MLP, 1 block of 512; SGD lr 0.01
 * momentum 0.9; batch 128, 8 epochs") into buf (truncated at size). */
void nn_train_recipe_text(const nn_train_config *c, char *buf, size_t size);

#endif
