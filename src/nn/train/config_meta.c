/*
 * config_meta.c - the training configuration's round trip through
 * checkpoint metadata, "golu.<key>" = value (config.h). The keys are those
 * of the first checkpoints: never rename one.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "registry.h"
#include "task.h"

/* A key's value as text: integers in decimal, doubles with 17 digits (they
 * read back to the same bits). */
static void format_value(const nn_train_key *k, const nn_train_config *c, char *buf)
{
    const char *p = (const char *)c + k->offset;
    switch (k->type) {
    case NN_TRAIN_INT:
    case NN_TRAIN_BOOL: snprintf(buf, 64, "%d", *(const int *)p); break;
    case NN_TRAIN_LONG: snprintf(buf, 64, "%ld", *(const long *)p); break;
    case NN_TRAIN_U64:
        snprintf(buf, 64, "%llu", (unsigned long long)*(const uint64_t *)p);
        break;
    case NN_TRAIN_DOUBLE: snprintf(buf, 64, "%.17g", *(const double *)p); break;
    }
}

/* Adds key = value (both copied) to m. */
static void add(nn_train_meta *m, const char *key, const char *value)
{
    if (m->n >= NN_TRAIN_META_MAX)
        return;
    snprintf(m->keys[m->n], sizeof m->keys[m->n], "%s", key);
    snprintf(m->values[m->n], sizeof m->values[m->n], "%s", value);
    m->meta[m->n] = (nn_st_meta){m->keys[m->n], m->values[m->n]};
    m->n++;
}

void nn_train_config_to_meta(const nn_train_config *c, nn_train_meta *m)
{
    int count;
    const nn_train_key *keys = nn_train_keys(&count);
    char key[48], value[64];
    m->n = 0;
    for (int k = 0; k < count; k++) {
        if (keys[k].process == 1)
            continue;
        snprintf(key, sizeof key, "golu.%s", keys[k].name);
        format_value(&keys[k], c, value);
        if (keys[k].process == NN_TRAIN_KEY_NONZERO && strcmp(value, "0") == 0)
            continue;
        add(m, key, value);
    }
    if (m->n < NN_TRAIN_META_MAX) /* may be long: not copied */
        m->meta[m->n++] = (nn_st_meta){"golu.data", c->data};
    add(m, "golu.model", c->model.desc ? c->model.desc->name : "unknown");
    const nn_task_desc *task = nn_model_task(&c->model);
    if (c->model.desc && task != c->model.desc->tasks[0])
        add(m, "golu.task", task->key); /* the default's is absent, as before */
    add(m, "golu.act", c->act_name);
    snprintf(value, sizeof value, "%.17g", c->model.act.alpha);
    add(m, "golu.act.alpha", value);
    snprintf(value, sizeof value, "%.17g", c->model.act.beta);
    add(m, "golu.act.beta", value);
    snprintf(value, sizeof value, "%.17g", c->model.act.gamma);
    add(m, "golu.act.gamma", value);
    add(m, "golu.optimizer", nn_train_optimizer_name(c->opt.kind));
    add(m, "golu.schedule", nn_train_schedule_name(c->sched.kind));
    if (c->shares > 1) { /* only then: a one-share run's checkpoint is as before */
        snprintf(value, sizeof value, "%d", c->shares);
        add(m, "golu.shares", value);
    }
}

/* The value of key, or NULL with err saying it is missing. */
static const char *need(const nn_st_file *f, const char *path, const char *key,
                        nn_err *err)
{
    const char *v = nn_st_meta_get(f, key);
    if (!v)
        nn_fail(err, "%s: metadata %s is missing (not a golu training checkpoint?)", path,
                key);
    return v;
}

/* The activation's parameters: the metadata keys and where they go. */
static const struct {
    const char *key;
    size_t offset;
} ACT_PARAMS[3] = {{"golu.act.alpha", offsetof(golu_act, alpha)},
                   {"golu.act.beta", offsetof(golu_act, beta)},
                   {"golu.act.gamma", offsetof(golu_act, gamma)}};

/*
 * The activation's parameters from text into act (its kind set): each must
 * read whole as a number, and each must pass the library's rule for the kind
 * (golu_act_check, GOLU_ACT_LIST's rule column) on its own, so that the
 * message names the key at fault ("golu.act.beta = -1: not valid for golu").
 */
static int act_params_from_meta(golu_act *act, const char *const v[3], const char *path,
                                nn_err *err)
{
    for (int k = 0; k < 3; k++) {
        char *end;
        errno = 0;
        double x = strtod(v[k], &end);
        if (errno == ERANGE || end == v[k] || *end)
            return nn_fail(err, "%s: metadata %s = '%s' is not a number", path,
                           ACT_PARAMS[k].key, v[k]);
        golu_act one = golu_act_default(act->kind);
        *(double *)((char *)&one + ACT_PARAMS[k].offset) = x;
        if (golu_act_check(&one) != GOLU_OK)
            return nn_fail(err,
                           "%s: metadata %s = %s is not a valid parameter of %s (%s)",
                           path, ACT_PARAMS[k].key, v[k], golu_act_name(act->kind),
                           golu_status_str(golu_act_check(&one)));
        *(double *)((char *)act + ACT_PARAMS[k].offset) = x;
    }
    return 0;
}

/* The strings beyond the table: activation, its parameters, optimizer,
 * schedule and data path. */
static int from_meta_strings(nn_train_config *c, const nn_st_file *f, const char *path,
                             nn_err *err)
{
    static const char *const KEYS[7] = {
        "golu.act",      "golu.optimizer", "golu.schedule", "golu.act.alpha",
        "golu.act.beta", "golu.act.gamma", "golu.data"};
    const char *v[7];
    for (int k = 0; k < 7; k++)
        if (!(v[k] = need(f, path, KEYS[k], err)))
            return -1;
    golu_act act;
    if (golu_act_from_name(v[0], &act) != GOLU_OK)
        return nn_fail(err, "%s: metadata golu.act: unknown activation '%s'", path, v[0]);
    if (act_params_from_meta(&act, v + 3, path, err))
        return -1;
    nn_train_config_set_act(c, v[0], &act);
    char label[PATH_MAX + 64];
    snprintf(label, sizeof label, "%s: metadata golu.data", path);
    if (nn_train_config_set_path(c->data, label, v[6], err))
        return -1;
    snprintf(label, sizeof label, "%s: metadata golu.optimizer", path);
    if (nn_train_config_set_optimizer(c, label, v[1], err))
        return -1;
    snprintf(label, sizeof label, "%s: metadata golu.schedule", path);
    return nn_train_config_set_schedule(c, label, v[2], err);
}

int nn_train_config_from_meta(nn_train_config *c, const nn_st_file *f, const char *path,
                              nn_err *err)
{
    const char *name = need(f, path, "golu.model", err);
    if (!name)
        return -1;
    const nn_model_desc *model = nn_model_find(name);
    if (!model)
        return nn_fail(err, "%s: metadata golu.model: unknown model '%s'", path, name);
    const char *tkey = nn_st_meta_get(f, "golu.task"); /* absent: the default */
    const nn_task_desc *task = tkey ? nn_model_task_find(model, tkey) : model->tasks[0];
    if (!task) {
        char known[128];
        return nn_fail(err,
                       "%s: metadata golu.task: the %s model does not learn '%s' "
                       "(its tasks: %s)",
                       path, name, tkey,
                       nn_model_task_names(model, known, sizeof known, ", ", " or "));
    }
    nn_train_config keep = *c; /* process settings and paths survive */
    nn_train_config_defaults_task(c, model, task);
    c->threads = keep.threads, c->stop_after = keep.stop_after, c->quiet = keep.quiet;
    c->accum = keep.accum;
    memcpy(c->out, keep.out, sizeof c->out);
    int count;
    const nn_train_key *keys = nn_train_keys(&count);
    char key[64], label[PATH_MAX + 96];
    for (int k = 0; k < count; k++) {
        if (keys[k].process == 1)
            continue;
        snprintf(key, sizeof key, "golu.%s", keys[k].name);
        if (keys[k].process == NN_TRAIN_KEY_NONZERO && !nn_st_meta_get(f, key))
            continue; /* absent: 0, the default of every task but diffusion */
        /* Every value within its key's range (the table's min and max), so
         * nothing the trainer sizes or indexes with comes unchecked. */
        snprintf(label, sizeof label, "%s: metadata %s", path, key);
        const char *v = need(f, path, key, err);
        if (!v || nn_train_key_set(c, &keys[k], label, v, err))
            return -1;
    }
    if (from_meta_strings(c, f, path, err))
        return -1;
    const char *shares = nn_st_meta_get(f, "golu.shares"); /* absent: 1 */
    if (shares) {
        char *end;
        long v = strtol(shares, &end, 10);
        if (end == shares || *end || v < 1 || v > 65536)
            return nn_fail(err, "%s: metadata golu.shares: '%s' is not a share count",
                           path, shares);
        c->shares = (int)v;
    }
    return 0;
}

/* The value of key in m, or NULL. */
static const char *meta_value(const nn_train_meta *m, const char *key)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->meta[i].key, key) == 0)
            return m->meta[i].value;
    return NULL;
}

int nn_train_config_match(const nn_train_config *want, const nn_train_config *got,
                          const char *path, nn_err *err)
{
    nn_train_meta a, b;
    nn_train_config_to_meta(want, &a);
    nn_train_config_to_meta(got, &b);
    const nn_task_desc *ta = nn_model_task(&want->model),
                       *tb = nn_model_task(&got->model);
    if (ta != tb)
        return nn_fail(err,
                       "%s: golu.task is %s there, this run's is %s: the checkpoint "
                       "belongs to another run",
                       path, tb->key, ta->key);
    for (int i = 0; i < a.n; i++) {
        const char *there = meta_value(&b, a.meta[i].key);
        if (!there || strcmp(there, a.meta[i].value) != 0)
            return nn_fail(err,
                           "%s: %s is %s there, this run's is %s: the checkpoint belongs "
                           "to another run",
                           path, a.meta[i].key, there ? there : "missing",
                           a.meta[i].value);
    }
    return 0;
}
