/*
 * test_nn_registry.c - the registry of models (src/nn/registry.h), their
 * tasks (train/task.h) and compare's presets (train/presets.h):
 *
 *   - every model is found by its name, names are unique, an unknown name
 *     is not found, the names join as the messages say them;
 *   - each model's default recipe passes its own checks and the trainer's,
 *     and its descriptor is whole (ops, task, words);
 *   - each task names its ncols columns (8 for both tasks today, at most
 *     NN_METRIC_COLS_MAX), its evaluation keys are
 *     columns of its rows, its scale keys are whole-number settings;
 *   - every preset's model is in the registry and its configuration passes
 *     the checks; the recipes in words, written out here by hand.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "nn.h"

static void test_models(void)
{
    static const char *const NAMES[] = {"mlp", "resnet", "gpt", "unet"};
    int n = nn_model_count();
    CHECK_EQ_INT(n, 4);
    for (int i = 0; i < 4; i++) {
        const nn_model_desc *m = nn_model_find(NAMES[i]);
        CHECK(m != NULL && m == nn_model_at(i) && strcmp(m->name, NAMES[i]) == 0,
              "model %s is found by name, at %d", NAMES[i], i);
    }
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            CHECK(strcmp(nn_model_at(i)->name, nn_model_at(j)->name) != 0,
                  "models %d and %d share the name %s", i, j, nn_model_at(i)->name);
    CHECK(nn_model_find("cnn") == NULL && nn_model_find("") == NULL,
          "unknown names are not found");
    CHECK(nn_model_at(-1) == NULL && nn_model_at(n) == NULL, "nothing outside the list");
    char buf[128];
    CHECK(strcmp(nn_model_names(buf, sizeof buf, ", ", " or "),
                 "mlp, resnet, gpt or unet") == 0,
          "names: '%s'", buf);
    CHECK(strcmp(nn_model_names(buf, sizeof buf, "|", "|"), "mlp|resnet|gpt|unet") == 0,
          "names: '%s'", buf);
    CHECK(strcmp(nn_model_names(buf, 8, ", ", ", "), "mlp, re") == 0,
          "names truncated: '%s'", buf);
}

/* Each model's recipe, for each of its tasks, is valid by its own checks
 * and the trainer's. */
static void test_recipes(void)
{
    for (int i = 0; i < nn_model_count(); i++) {
        const nn_model_desc *m = nn_model_at(i);
        CHECK(m->ops && m->tasks && m->tasks[0] && m->check && m->recipe && m->describe &&
                  m->help && m->help[0],
              "%s: a whole descriptor", m->name);
        for (int t = 0; m->tasks && m->tasks[t]; t++) {
            nn_train_config c;
            nn_train_config_defaults_task(&c, m, m->tasks[t]);
            snprintf(c.out, sizeof c.out, "/nonexistent/out");
            nn_err err = {""};
            CHECK(c.model.desc == m && nn_task_of(&c) == m->tasks[t],
                  "%s %s: the config's model and task", m->name, m->tasks[t]->key);
            CHECK(nn_train_config_check(&c, &err) == 0,
                  "%s %s: its recipe fails the checks: %s", m->name, m->tasks[t]->key,
                  err.msg);
            CHECK(m->check(&c.model, &err) == 0,
                  "%s %s: its recipe fails its own checks: %s", m->name, m->tasks[t]->key,
                  err.msg);
            CHECK(c.data[0] != '\0', "%s: a default data path", m->name);
        }
        nn_train_config c;
        nn_train_config_defaults(&c, m);
        CHECK(nn_task_of(&c) == m->tasks[0], "%s: the default task first", m->name);
    }
    /* each model's own check refuses what its architecture cannot take */
    nn_train_config c;
    nn_err err = {""};
    nn_train_config_defaults(&c, nn_model_find("resnet"));
    c.model.depth = 21;
    CHECK(c.model.desc->check(&c.model, &err) && strstr(err.msg, "depth: 21"),
          "resnet depth 21: '%s'", err.msg);
    nn_train_config_defaults(&c, nn_model_find("gpt"));
    c.model.heads = 3;
    CHECK(c.model.desc->check(&c.model, &err) &&
              strcmp(err.msg, "width 128 must be a positive multiple of heads 3") == 0,
          "gpt width 128, heads 3: '%s'", err.msg);
    nn_train_config_defaults(&c, nn_model_find("unet"));
    c.model.depth = 4;
    CHECK(c.model.desc->check(&c.model, &err) && strstr(err.msg, "depth: 4"),
          "unet depth 4: '%s'", err.msg);
    c.model.depth = 3, c.model.in_h = 30;
    CHECK(c.model.desc->check(&c.model, &err) && strstr(err.msg, "divisible by 4"),
          "unet 30x28 at depth 3: '%s'", err.msg);
    c.model.in_h = 64, c.model.width = 15;
    CHECK(c.model.desc->check(&c.model, &err) == 0, "unet segment width 15: '%s'",
          err.msg);
    CHECK(c.timesteps == 0 && c.epochs == 3, "unet segment's recipe: no T, 3 epochs");
    nn_train_config_defaults_task(&c, nn_model_find("unet"), &nn_task_diffusion);
    c.model.width = 15;
    CHECK(c.model.desc->check(&c.model, &err) && strstr(err.msg, "even width"),
          "unet diffusion width 15: '%s'", err.msg);
    CHECK(c.timesteps == 1000 && c.epochs == 2 && c.limit_train == 20000,
          "unet diffusion's recipe: T = 1000 (%ld), 2 epochs, 20000 images", c.timesteps);
    c.timesteps = 1;
    snprintf(c.out, sizeof c.out, "/nonexistent/out");
    CHECK(nn_train_config_check(&c, &err) && strstr(err.msg, "--timesteps: 1"),
          "unet diffusion T = 1: '%s'", err.msg);
    nn_train_config_defaults(&c, nn_model_find("mlp"));
    c.model.depth = 65;
    CHECK(c.model.desc->check(&c.model, &err) && strstr(err.msg, "mlp blocks: 1 to 64"),
          "mlp depth 65: '%s'", err.msg);
}

/* The tasks each model learns, found by key, listed in words; a pair the
 * model cannot learn refused naming --task; the task in the metadata only
 * when it is not the model's default. */
static void test_model_tasks(void)
{
    const nn_model_desc *unet = nn_model_find("unet"), *mlp = nn_model_find("mlp");
    const nn_model_desc *gpt = nn_model_find("gpt");
    char buf[64];
    CHECK(strcmp(nn_model_task_names(unet, buf, sizeof buf, ", ", " or "),
                 "segment or diffusion") == 0,
          "unet's tasks: '%s'", buf);
    CHECK(strcmp(nn_model_task_names(mlp, buf, sizeof buf, ", ", " or "), "images") == 0,
          "mlp's tasks: '%s'", buf);
    CHECK(strcmp(nn_model_task_names(gpt, buf, sizeof buf, ", ", " or "), "text") == 0,
          "gpt's tasks: '%s'", buf);
    CHECK(nn_model_task_find(unet, "segment") == &nn_task_segment &&
              nn_model_task_find(unet, "diffusion") == &nn_task_diffusion &&
              nn_model_task_find(unet, "text") == NULL &&
              nn_model_task_find(mlp, "diffusion") == NULL &&
              nn_model_task_find(mlp, "images") == &nn_task_images,
          "tasks found by key");
    nn_config mc;
    memset(&mc, 0, sizeof mc);
    mc.desc = unet;
    CHECK(nn_model_task(&mc) == &nn_task_segment, "no task: the model's default");
    mc.task = &nn_task_diffusion;
    CHECK(nn_model_task(&mc) == &nn_task_diffusion, "the task chosen");

    nn_train_config c;
    nn_err err = {""};
    nn_train_config_defaults(&c, mlp);
    snprintf(c.out, sizeof c.out, "/nonexistent/out");
    c.model.task = &nn_task_diffusion;
    CHECK(nn_train_config_check(&c, &err) &&
              strcmp(err.msg, "--task: the mlp model does not learn diffusion (its "
                              "tasks: images)") == 0,
          "mlp with diffusion: '%s'", err.msg);

    nn_train_meta m;
    nn_train_config_defaults(&c, unet);
    nn_train_config_to_meta(&c, &m);
    int found = 0;
    for (int i = 0; i < m.n; i++)
        found += strcmp(m.meta[i].key, "golu.task") == 0;
    CHECK(found == 0, "the default task: no golu.task (checkpoints as before)");
    nn_train_config_defaults_task(&c, unet, &nn_task_diffusion);
    nn_train_config_to_meta(&c, &m);
    for (int i = 0; i < m.n; i++)
        if (strcmp(m.meta[i].key, "golu.task") == 0)
            found += strcmp(m.meta[i].value, "diffusion") == 0 ? 1 : 100;
    CHECK(found == 1, "diffusion: golu.task = diffusion (%d)", found);
    nn_train_config seg;
    nn_train_config_defaults(&seg, unet);
    CHECK(nn_train_config_match(&c, &seg, "ck", &err) != 0 &&
              strstr(err.msg, "golu.task is segment there, this run's is diffusion"),
          "another task is another run: '%s'", err.msg);
}

static void test_tasks(void)
{
    const nn_task_desc *tasks[4] = {&nn_task_images, &nn_task_text, &nn_task_segment,
                                    &nn_task_diffusion};
    for (int t = 0; t < 4; t++) {
        const nn_task_desc *d = tasks[t];
        if (t < 2) /* the first tasks' checkpoints have 8 */
            CHECK(d->ncols == 8, "%s: %d columns (want 8: the checkpoints' width)",
                  d->name, d->ncols);
        CHECK(d->ncols >= 1 && d->ncols <= NN_METRIC_COLS_MAX, "%s: %d columns", d->name,
              d->ncols);
        int cols = 0;
        while (cols < d->ncols && d->columns[cols] && *d->columns[cols])
            cols++;
        CHECK(cols == d->ncols, "%s: %d named columns of %d", d->name, cols, d->ncols);
        for (int a = 0; a < cols; a++)
            for (int b = a + 1; b < cols; b++)
                CHECK(strcmp(d->columns[a], d->columns[b]) != 0,
                      "%s: column %s named twice", d->name, d->columns[a]);
        CHECK(d->neval >= 1 && d->neval <= NN_TASK_EVAL_MAX, "%s: %d evaluation values",
              d->name, d->neval);
        const nn_task_metric *m = d->metric;
        int in_row = cols == d->ncols && d->neval <= NN_TASK_EVAL_MAX;
        const int idx[] = {d->train_loss_col, m->col, m->loss_col, m->x_col,
                           m->train_loss_col};
        for (int k = 0; k < (int)(sizeof idx / sizeof *idx); k++)
            in_row &= idx[k] >= 0 && idx[k] < d->ncols;
        for (int k = 0; k < d->neval && k < NN_TASK_EVAL_MAX; k++)
            in_row &= d->eval_cols[k] >= 0 && d->eval_cols[k] < d->ncols;
        if (!CHECK(in_row, "%s: a column index outside its %d columns", d->name,
                   d->ncols))
            continue;
        for (int k = 0; k < d->neval; k++)
            CHECK(strcmp(d->columns[d->eval_cols[k]], d->eval_keys[k]) == 0,
                  "%s: evaluation key %s is column %d, named %s", d->name,
                  d->eval_keys[k], d->eval_cols[k], d->columns[d->eval_cols[k]]);
        CHECK(strcmp(d->columns[d->train_loss_col], "train_loss") == 0,
              "%s: the training loss column", d->name);
        CHECK(strcmp(d->columns[m->col], m->key) == 0 &&
                  strcmp(d->columns[m->loss_col], m->loss_key) == 0 &&
                  strcmp(d->columns[m->x_col], m->x_label) == 0,
              "%s: compare's metric %s, %s against %s are its columns", d->name, m->key,
              m->loss_key, m->x_label);
        CHECK(d->scale_keys[0] != NULL, "%s: at least one scale key", d->name);
        for (int k = 0; d->scale_keys[k]; k++) {
            const nn_train_key *key = nn_train_key_find(d->scale_keys[k]);
            CHECK(key && key->type == NN_TRAIN_LONG && !key->process,
                  "%s: scale key %s is a saved whole-number setting", d->name,
                  d->scale_keys[k]);
            CHECK(nn_task_scales(d, d->scale_keys[k]) == k, "%s: nn_task_scales(%s)",
                  d->name, d->scale_keys[k]);
        }
        CHECK(nn_task_scales(d, "batch") < 0, "%s: batch is not a scale key", d->name);
    }
    CHECK(strcmp(nn_task_images.unit, "img") == 0 &&
              strcmp(nn_task_text.unit, "tok") == 0,
          "progress units");
    /* batch shapes for a model configuration */
    nn_train_config c;
    nn_batch_spec x, y;
    double units;
    nn_train_config_defaults(&c, nn_model_find("gpt"));
    nn_task_text.shape(&c.model, &x, &y, &units);
    CHECK(x.dtype == NN_ST_I32 && x.per_example == 128 && x.range == 256 &&
              y.dtype == NN_ST_I32 && y.per_example == 128 && units == 128,
          "text batches: tokens (128) and next tokens (128), 128 units an example");
    nn_train_config_defaults(&c, nn_model_find("mlp"));
    nn_task_images.shape(&c.model, &x, &y, &units);
    CHECK(x.dtype == NN_ST_F32 && x.per_example == 784 && y.dtype == NN_ST_I32 &&
              y.per_example == 1 && y.range == 10 && units == 1,
          "image batches: 1x28x28 floats and a class index of 10");
}

static void test_presets(void)
{
    static const char *const NAMES[] = {"mlp",     "resnet",    "gpt",
                                        "segment", "diffusion", "quick"};
    static const nn_task_desc *const TASKS[] = {&nn_task_images,    &nn_task_images,
                                                &nn_task_text,      &nn_task_segment,
                                                &nn_task_diffusion, &nn_task_images};
    char buf[128];
    CHECK_EQ_INT(nn_preset_count(), 6);
    CHECK(strcmp(nn_preset_names(buf, sizeof buf),
                 "mlp, resnet, gpt, segment, diffusion, quick") == 0,
          "preset names: '%s'", buf);
    for (int i = 0; i < nn_preset_count(); i++) {
        const nn_preset *p = nn_preset_at(i);
        CHECK(p == nn_preset_find(NAMES[i]), "preset %s found", NAMES[i]);
        CHECK(nn_preset_model(p) != NULL, "preset %s: model %s is in the registry",
              p->name, p->model);
        nn_train_config c;
        nn_preset_config(p, &c);
        nn_preset_finish(p, &c);
        CHECK(nn_preset_task(p) == TASKS[i] && nn_task_of(&c) == TASKS[i],
              "preset %s: task %s", p->name, nn_task_of(&c)->key);
        snprintf(c.out, sizeof c.out, "/nonexistent/out");
        nn_err err = {""};
        CHECK(nn_train_config_check(&c, &err) == 0, "preset %s: %s", p->name, err.msg);
        CHECK(p->seeds >= 1 && strlen(p->what) <= 60, "preset %s: seeds, words", p->name);
    }
    CHECK(nn_preset_find("huge") == NULL, "an unknown preset");
    /* gpt's preset: warmup and evaluations every tenth of its 1000 steps */
    nn_train_config c;
    const nn_preset *gpt = nn_preset_find("gpt");
    nn_preset_config(gpt, &c);
    c.steps = 50;
    nn_preset_finish(gpt, &c);
    CHECK(c.steps == 50 && c.sched.warmup == 5 && c.eval_every == 5,
          "gpt preset with 50 steps: warmup %ld, every %ld", c.sched.warmup,
          c.eval_every);
    c.steps = 5;
    nn_preset_finish(gpt, &c);
    CHECK(c.sched.warmup == 0 && c.eval_every == 1, "5 steps: warmup %ld, every %ld",
          c.sched.warmup, c.eval_every);
    /* recipes in words */
    char words[512];
    nn_preset_config(nn_preset_find("quick"), &c);
    nn_train_recipe_text(&c, words, sizeof words);
    CHECK(strcmp(words, "MLP, 1 block of 512; SGD lr 0.01 momentum 0.9; batch 128, 2 "
                        "epochs") == 0,
          "quick: '%s'", words);
    nn_preset_config(nn_preset_find("resnet"), &c);
    nn_train_recipe_text(&c, words, sizeof words);
    CHECK(strcmp(words, "ResNet-20, width 16; SGD lr 0.1 momentum 0.9, weight decay "
                        "0.0001, lr x0.1 at 50% and 75%; batch 128, 4 epochs, the first "
                        "12000 training images") == 0,
          "resnet: '%s'", words);
    nn_preset_config(gpt, &c);
    nn_preset_finish(gpt, &c);
    nn_train_recipe_text(&c, words, sizeof words);
    CHECK(strcmp(words, "GPT, 4 layers, 4 heads, width 128, context 128, dropout 0.1; "
                        "AdamW lr 0.001 betas (0.9, 0.99), weight decay 0.1, cosine to "
                        "0.0001 after 100 warmup steps, clipping at 1; batch 16, 1000 "
                        "steps, evaluated every 100 on 20 batches") == 0,
          "gpt: '%s'", words);
}

int main(void)
{
    TEST_BEGIN("nn_registry");
    test_models();
    test_recipes();
    test_model_tasks();
    test_tasks();
    test_presets();
    return TEST_END();
}
