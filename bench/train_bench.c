/*
 * train_bench.c - training throughput and peak memory of the C framework on
 * the benchmark configurations of docs/TRAINING.md, on random data (no data
 * loading in the timing), one process per configuration so that the peak
 * memory is the model's own.
 *
 *   train_bench --model mlp|resnet|gpt [--act NAME] [--steps N] [--threads N]
 *
 * mlp:    784-512-512-10 with LayerNorm (2 blocks), batch 128, SGD momentum
 * resnet: ResNet-20 on 3x32x32, batch 128, SGD momentum, weight decay
 * gpt:    4 layers, 4 heads, width 128, context 128, batch 16, bytes, AdamW
 * Prints one JSON line: steps/s, examples (or tokens) per second, the
 * median step time, and the peak resident memory (ru_maxrss).
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "model.h"
#include "optim.h"
#include "rng.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static nn_config config_for(const char *model, golu_act act)
{
    nn_config c;
    memset(&c, 0, sizeof c);
    c.act = act;
    c.classes = 10;
    c.vocab = 256;
    if (strcmp(model, "mlp") == 0) {
        c.kind = NN_MODEL_MLP;
        c.in_c = 1, c.in_h = 28, c.in_w = 28, c.depth = 2, c.width = 512, c.batch = 128;
    } else if (strcmp(model, "resnet") == 0) {
        c.kind = NN_MODEL_RESNET;
        c.in_c = 3, c.in_h = 32, c.in_w = 32, c.depth = 20, c.width = 16, c.batch = 128;
    } else {
        c.kind = NN_MODEL_GPT;
        c.layers = 4, c.heads = 4, c.width = 128, c.context = 128, c.batch = 16;
    }
    return c;
}

int main(int argc, char **argv)
{
    const char *model = "mlp", *actname = "golu";
    int steps = 50, threads = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--model") == 0)
            model = argv[i + 1];
        else if (strcmp(argv[i], "--act") == 0)
            actname = argv[i + 1];
        else if (strcmp(argv[i], "--steps") == 0)
            steps = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--threads") == 0)
            threads = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "train_bench: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (strcmp(model, "mlp") && strcmp(model, "resnet") && strcmp(model, "gpt")) {
        fprintf(stderr, "train_bench: --model: unknown model '%s'\n", model);
        return 2;
    }
    golu_act act;
    if (golu_act_from_name(actname, &act) != GOLU_OK || steps < 1) {
        fprintf(stderr, "train_bench: bad --act '%s' or --steps %d\n", actname, steps);
        return 2;
    }
    if (threads > 0)
        openblas_set_num_threads(threads);
    nn_config c = config_for(model, act);
    nn_model *m;
    nn_err err;
    if (nn_model_create(&m, &c, 1, threads, &err)) {
        fprintf(stderr, "train_bench: %s\n", err.msg);
        return 1;
    }
    int gpt = c.kind == NN_MODEL_GPT;
    nn_optim_config oc =
        gpt ? (nn_optim_config){NN_OPT_ADAMW, 0.1, 0, 0, 0.9, 0.99, 1e-8}
            : (nn_optim_config){NN_OPT_SGD, 1e-4, 0.9, 0, 0.9, 0.999, 1e-8};
    nn_optim opt;
    if (nn_optim_init(&opt, &oc, &m->params, &err)) {
        fprintf(stderr, "train_bench: %s\n", err.msg);
        return 1;
    }
    size_t nx =
        gpt ? (size_t)c.batch * c.context : (size_t)c.batch * c.in_c * c.in_h * c.in_w;
    size_t ny = gpt ? nx : (size_t)c.batch;
    float *x = malloc(nx * sizeof *x);
    int32_t *xi = malloc(nx * sizeof *xi), *y = malloc(ny * sizeof *y);
    for (size_t i = 0; i < nx; i++) {
        x[i] = (float)nn_rng_normal(3, 1, i);
        xi[i] = (int32_t)nn_rng_below(3, 2, i, 256);
    }
    for (size_t i = 0; i < ny; i++)
        y[i] = (int32_t)nn_rng_below(3, 3, i, gpt ? 256 : 10);
    int warm = 3, total = warm + steps;
    double *t = malloc((size_t)total * sizeof *t), loss = 0, start = 0;
    for (int s = 0; s < total; s++) {
        if (s == warm)
            start = now();
        double t0 = now();
        nn_params_zero_grad(&m->params);
        m->ops->forward(m, gpt ? (const void *)xi : (const void *)x, y, c.batch, 1,
                        (uint64_t)s, &loss);
        m->ops->backward(m);
        if (gpt)
            nn_clip_grad_norm(&m->params, 1.0);
        nn_optim_step(&opt, &m->params, gpt ? 1e-3 : 0.01);
        t[s] = now() - t0;
    }
    double wall = now() - start;
    qsort(t + warm, (size_t)steps, sizeof *t, cmp_double);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double per_step = gpt ? (double)c.batch * c.context : (double)c.batch;
    printf("{\"impl\": \"golu\", \"model\": \"%s\", \"act\": \"%s\", \"threads\": %d, "
           "\"steps\": %d, \"steps_per_s\": %.4f, \"%s_per_s\": %.1f, "
           "\"median_step_ms\": %.3f, "
           "\"peak_rss_mb\": %.1f, \"params\": %zu, \"loss\": %.6f}\n",
           model, actname, threads, steps, steps / wall, gpt ? "tokens" : "images",
           per_step * steps / wall, 1e3 * t[warm + steps / 2], ru.ru_maxrss / 1024.0,
           nn_params_trainable(&m->params), loss);
    free(t);
    free(x);
    free(xi);
    free(y);
    nn_optim_free(&opt);
    nn_model_destroy(m);
    return 0;
}
