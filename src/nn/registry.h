/*
 * registry.h - the models the trainer knows, each described once: its name,
 * its tasks (train/task.h: what it learns from, its loss, metrics and
 * evaluation), the checks of its configuration, its default recipe, its
 * help line and the words that describe a configuration of it.
 *
 * Adding a model: one model file under src/nn/models/ that defines its ops
 * and its descriptor (`const nn_model_desc nn_model_<name>`), one line in
 * src/nn/models/registry.c's list, and its tests. Nothing else asks which
 * model it is: the trainer, the tool and the tests go through the
 * descriptor and its task.
 */
#ifndef NN_REGISTRY_H
#define NN_REGISTRY_H

#include <stddef.h>

#include "error.h"
#include "model.h"

struct nn_train_config;
struct nn_task_desc;

struct nn_model_desc {
    const char *name; /* "mlp": --model, the metadata golu.model, summaries */
    /* Its recipe's defaults in words, for golu train --help (one sentence,
     * "Fashion-MNIST, 1 block of 512, ..."). */
    const char *help;
    /* The tasks it can learn (train/task.h), NULL-terminated, its default
     * first: mlp and resnet {images}, gpt {text}, unet {segment,
     * diffusion}. The configuration's nn_config.task picks one. */
    const struct nn_task_desc *const *tasks;
    const nn_model_ops *ops;
    /* The checks of a configuration that are this model's own (sizes that
     * must fit its architecture); nn_model_create runs them after the
     * shared ones. 0, or -1 with the setting named in err. */
    int (*check)(const nn_config *c, nn_err *err);
    /* Its default recipe: sets in c what differs from the defaults every
     * model shares (nn_train_config_defaults calls it). */
    void (*recipe)(struct nn_train_config *c);
    /* The architecture in words ("MLP, 1 block of 512"), appended to buf
     * (NUL-terminated, truncated at size). */
    void (*describe)(const nn_config *c, char *buf, size_t size);
    /* What a model of configuration c (checked) will hold, before it is
     * built, for the memory estimate (train/memory.h): *params, the floats
     * of its parameters and buffers; *floats, the floats of its saved
     * activations, scratch and workspace at c->batch. Doubles, so a
     * configuration of any size is counted without overflow. */
    void (*size)(const nn_config *c, double *params, double *floats);
};

/* The model of that name, or NULL. */
const nn_model_desc *nn_model_find(const char *name);
/* The task of configuration c: c->task, or its model's default
 * (c->desc->tasks[0]) when that is NULL. */
const struct nn_task_desc *nn_model_task(const nn_config *c);
/* The task of m whose key (nn_task_desc.key: "segment") is key, or NULL
 * when m cannot learn it. */
const struct nn_task_desc *nn_model_task_find(const nn_model_desc *m, const char *key);
/* m's task keys, the default first, joined by sep, the last two by
 * last_sep ("segment or diffusion"), into buf (truncated at size);
 * returns buf. */
const char *nn_model_task_names(const nn_model_desc *m, char *buf, size_t size,
                                const char *sep, const char *last_sep);

/* How many models there are; the i-th (0 <= i < count) in the registry's
 * order, NULL outside. */
int nn_model_count(void);
const nn_model_desc *nn_model_at(int i);

/*
 * The names in the registry's order, joined by sep, the last two by
 * last_sep: (", ", " or ") gives "mlp, resnet or gpt". Written into buf
 * (truncated at size); returns buf.
 */
const char *nn_model_names(char *buf, size_t size, const char *sep, const char *last_sep);

#endif
