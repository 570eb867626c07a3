/*
 * registry.c - the list of models (registry.h). A new model is one line of
 * NN_MODELS (its file defines nn_model_<name>).
 */
#include "registry.h"

#include <stdio.h>
#include <string.h>

#include "str.h"
#include "train/task.h"

#define NN_MODELS(X) X(mlp) X(resnet) X(gpt) X(unet)

#define DECLARE(name) extern const nn_model_desc nn_model_##name;
NN_MODELS(DECLARE)
#undef DECLARE

#define ENTRY(name) &nn_model_##name,
static const nn_model_desc *const MODELS[] = {NN_MODELS(ENTRY)};
#undef ENTRY
enum { N_MODELS = sizeof MODELS / sizeof MODELS[0] };

const nn_model_desc *nn_model_find(const char *name)
{
    for (int i = 0; i < N_MODELS; i++)
        if (strcmp(MODELS[i]->name, name) == 0)
            return MODELS[i];
    return NULL;
}

int nn_model_count(void)
{
    return N_MODELS;
}

const nn_model_desc *nn_model_at(int i)
{
    return i >= 0 && i < N_MODELS ? MODELS[i] : NULL;
}

const char *nn_model_names(char *buf, size_t size, const char *sep, const char *last_sep)
{
    buf[0] = '\0';
    for (int i = 0; i < N_MODELS; i++) {
        const char *s = i == 0 ? "" : i + 1 == N_MODELS ? last_sep : sep;
        nn_str_append(buf, size, "%s%s", s, MODELS[i]->name);
    }
    return buf;
}

const nn_task_desc *nn_model_task(const nn_config *c)
{
    if (c->task)
        return c->task;
    return c->desc ? c->desc->tasks[0] : NULL;
}

const nn_task_desc *nn_model_task_find(const nn_model_desc *m, const char *key)
{
    for (int i = 0; m->tasks[i]; i++)
        if (strcmp(m->tasks[i]->key, key) == 0)
            return m->tasks[i];
    return NULL;
}

const char *nn_model_task_names(const nn_model_desc *m, char *buf, size_t size,
                                const char *sep, const char *last_sep)
{
    int n = 0;
    while (m->tasks[n])
        n++;
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        const char *s = i == 0 ? "" : i + 1 == n ? last_sep : sep;
        nn_str_append(buf, size, "%s%s", s, m->tasks[i]->key);
    }
    return buf;
}
