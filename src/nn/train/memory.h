/*
 * memory.h - the memory a training configuration needs, computed before
 * anything of it is allocated, and the refusal of one that cannot fit.
 *
 * The model's part comes from its descriptor (registry.h: size), the
 * optimizer's from its kind (SGD one float a parameter, AdamW two). The
 * data is not counted here: the readers refuse a file larger than the
 * available memory before reading it (io/file_check.h), and a loaded data
 * set is already out of what /proc/meminfo calls available.
 */
#ifndef NN_TRAIN_MEMORY_H
#define NN_TRAIN_MEMORY_H

#include <stdint.h>

#include "error.h"
#include "model.h"
#include "optim.h"

/* Bytes, as doubles (a configuration may need more than 2^64). */
typedef struct nn_memory {
    double params;      /* weights and buffers */
    double grads;       /* one float a weight */
    double optim;       /* the optimizer's state */
    double activations; /* saved activations, scratch, workspace at the batch */
    double total;
} nn_memory;

/* The estimate for the model cfg describes (checked, shapes filled in by
 * the task) trained with optimizer opt (NULL: none, as for an evaluation). */
void nn_memory_estimate(const nn_config *cfg, const nn_optim_config *opt, nn_memory *m);

/* 0 when m->total fits in available bytes; otherwise -1 with err saying
 * how much the configuration needs, of what, and how much there is. */
int nn_memory_check(const nn_memory *m, uint64_t available, nn_err *err);

/* Both, for the machine: when cfg passes the model's checks
 * (nn_model_check; otherwise 0, and nn_model_create says what is wrong), 0
 * if its estimate fits in nn_mem_available(), else -1 with err. */
int nn_memory_check_config(const nn_config *cfg, const nn_optim_config *opt, nn_err *err);

#endif
