/*
 * model.h - the models the trainer knows (the paper's MLP ablation, a
 * CIFAR-style ResNet, a byte-level GPT) behind one small interface.
 *
 * A model owns its parameter table (params.h), the activations it saves for
 * the backward pass (sized for the batch given at creation), and a golu_ctx.
 * One training step is nn_train_step (train/trainer.h):
 *     nn_params_zero_grad(&m->params);
 *     m->ops->forward(m, x, target, b, 1, step, &loss);   training mode
 *     m->ops->backward(m);                                gradients accumulate
 * then clipping and the optimizer. What x and target hold is the model's
 * task's business (train/task.h): images (b, c, h, w) as float with class
 * indices (b) as int32 for mlp and resnet; tokens (b, t) as int32 with the
 * next tokens (b, t) for gpt. Forward returns the mean loss (here: the
 * cross-entropy).
 *
 * Which model a configuration builds is its descriptor (registry.h): its
 * name, its task, its checks, its recipe and these ops.
 */
#ifndef NN_MODEL_H
#define NN_MODEL_H

#include <stdint.h>

#include "error.h"
#include "golu.h"
#include "params.h"

typedef struct nn_model_desc nn_model_desc;
struct nn_task_desc;

/* The per-pixel label that the U-Net's loss does not count (torch's
 * cross_entropy default ignore_index). */
#define NN_UNET_IGNORE (-100)

typedef struct nn_config {
    const nn_model_desc *desc; /* which model (registry.h) */
    /* The task it learns: one of desc->tasks (registry.h); NULL: the
     * model's default, desc->tasks[0]. Read it with nn_model_task. */
    const struct nn_task_desc *task;
    golu_act act;  /* the activation, with its initial parameters */
    int learn_act; /* GoLU: alpha, beta, gamma are trained (PReLU's slope always is) */
    int batch;     /* the largest batch a forward call takes */
    /* images (mlp, resnet) */
    int in_c, in_h, in_w;
    int classes;
    /* mlp: depth blocks of Linear(width) -> LayerNorm -> act, then Linear(classes) */
    /* resnet: depth = 6n + 2 (20, 32, 44, 56, 110), stage widths width, 2w, 4w */
    int depth;
    int width;
    /* unet: depth levels (2 or 3) of widths width, 2 width, 4 width */
    /* gpt: layers, heads, width (d_model), context, vocab (256: bytes) */
    int layers, heads, context, vocab;
    double dropout; /* gpt: after attention, after the MLP, on the embeddings */
} nn_config;

typedef struct nn_model nn_model;

typedef struct nn_model_ops {
    /* Registers the parameters, allocates them and the saved activations. */
    int (*build)(nn_model *m, nn_err *err);
    /* PyTorch's default initialisation (GPT: nanoGPT's), from the seed. */
    void (*init)(nn_model *m, uint64_t seed);
    /*
     * Runs the model on b <= cfg.batch examples; training selects dropout
     * and BatchNorm's batch statistics (and updates running statistics);
     * `step` seeds dropout (counter RNG: the same step gives the same masks).
     * Stores the mean cross-entropy in *loss. Returns a golu_status (only a
     * bug gives anything but GOLU_OK).
     */
    golu_status (*forward)(nn_model *m, const void *x, const void *target, int b,
                           int training, uint64_t step, double *loss);
    /* Gradients of the last forward's loss, added into params.grad. */
    golu_status (*backward)(nn_model *m);
    /* Logits of the last forward: (b, classes) for images, (b, t, vocab) for gpt. */
    const float *(*logits)(const nn_model *m);
    void (*destroy)(nn_model *m);
} nn_model_ops;

struct nn_model {
    nn_config cfg;
    nn_params params;
    const nn_model_ops *ops;
    golu_ctx *ctx;  /* libgolu settings (threads) for the activations */
    golu_ctx *ctx1; /* one thread: for activations run on the layers' own threads */
    void *impl;     /* the model's own state */
    uint64_t seed;  /* dropout masks depend on (seed, step) */
    /* The position in the step's whole batch of the next forward's first
     * example (a share's offset under --accum or MPI, train/shares.c; 0
     * otherwise): dropout draws each element by its position in the whole
     * batch, so a share gets the masks the whole batch would. */
    long example0;
};

/* Checks the configuration (every value named in the message: what all
 * models share here, the rest by the descriptor's check), builds and
 * initialises the model cfg->desc names. threads: libgolu threads for the
 * activations. */
/* The checks nn_model_create runs first: what every model shares (a valid
 * activation, a batch), then the descriptor's own. 0, or -1 with err. */
int nn_model_check(const nn_config *c, nn_err *err);
int nn_model_create(nn_model **out, const nn_config *cfg, uint64_t seed, int threads,
                    nn_err *err);
void nn_model_destroy(nn_model *m);

/* For the image models' checks: an input shape, at least two classes, a
 * width. 0, or -1 with the setting named in err. */
int nn_model_check_images(const nn_config *c, nn_err *err);

/* ---------------------------------------------------------------------------
 * The activation layer as models use it: registers the learnable parameters
 * (PReLU: "<prefix>.weight", one slope as torch's nn.PReLU(); GoLU with
 * learn_act: "<prefix>.alpha", ".beta", ".gamma"), and runs the activation
 * with their current values.
 */
typedef struct nn_actlayer {
    golu_act act; /* kind and fixed parameters */
    int p[3];     /* parameter indices, -1 when fixed */
    int nparams;
} nn_actlayer;

/* How many parameters nn_actlayer_add registers for act (learn: GoLU's
 * learn_act): PReLU 1, learned GoLU 3, else 0. */
int nn_actlayer_count(const golu_act *act, int learn);
int nn_actlayer_add(nn_actlayer *a, nn_params *p, const char *prefix, const golu_act *act,
                    int learn, nn_err *err);
/* Sets the learnable parameters to the activation's initial values. */
void nn_actlayer_init(const nn_actlayer *a, nn_params *p);
golu_status nn_actlayer_forward(const nn_actlayer *a, const nn_model *m, float *y,
                                const float *x, size_t n);
/* The activation with the parameters' current values. */
golu_act nn_actlayer_current(const nn_actlayer *a, const nn_params *p);
/* dx = dy * f'(x); the parameters' gradients are added into params.grad. */
golu_status nn_actlayer_backward(const nn_actlayer *a, nn_model *m, float *dx,
                                 const float *dy, const float *x, size_t n);

#endif
