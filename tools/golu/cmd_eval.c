/*
 * cmd_eval.c - `golu eval`: a checkpoint's loss and accuracy (images) or
 * perplexity and bits per byte (gpt) on its data's held-out split: the
 * evaluation of the model's task (nn_train_eval), in words or JSON.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "blas_setup.h"
#include "cli.h"
#include "commands.h"
#include "io/json_write.h"
#include "train.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: golu eval --checkpoint FILE [--data PATH] [--threads N] [--json]\n\n"
            "Evaluates a checkpoint written by golu train: images on the test split,\n"
            "text on the whole validation part (consecutive windows). The model, the\n"
            "activation and the data path come from the checkpoint; --data overrides\n"
            "the path.\n");
}

typedef struct eval_opts {
    const char *ckpt, *data;
    long threads;
    int json;
} eval_opts;

/* The flags (their words are in usage(), which lists none of them). */
#define OFF(f) offsetof(eval_opts, f)
static const cli_opt EVAL_OPTS[] = {
    {.flag = "--checkpoint",
     .kind = CLI_OPT_STRING,
     .offset = OFF(ckpt),
     .metavar = "FILE"},
    {.flag = "--data", .kind = CLI_OPT_STRING, .offset = OFF(data), .metavar = "PATH"},
    {.flag = "--threads",
     .kind = CLI_OPT_LONG,
     .offset = OFF(threads),
     .max = 1024,
     .metavar = "N"},
    {.flag = "--json", .kind = CLI_OPT_BOOL, .offset = OFF(json)},
};
#undef OFF

/* The flags into e. Returns -1 to go on, else the status to exit with (0
 * after --help, 2 after a message). */
static int parse(int argc, char **argv, eval_opts *e)
{
    int stop = cli_opts_parse_until(EVAL_OPTS, sizeof EVAL_OPTS / sizeof EVAL_OPTS[0],
                                    "eval", argc, argv, e);
    if (stop < 0)
        return 2;
    if (stop < argc) {
        const char *a = argv[stop];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        cli_error("unknown option '%s' (see golu eval --help)", a);
        return 2;
    }
    if (!e->ckpt) {
        cli_error(
            "--checkpoint: required (a checkpoint.safetensors written by golu train)");
        return 2;
    }
    return -1;
}

/* The results as one line of JSON: the checkpoint and the task's values
 * ("%.8g", what this line has always said). */
static int print_json(const char *ckpt, const nn_task_desc *task,
                      const nn_train_result *r)
{
    json_t *v = json_object();
    int bad = !v || json_object_set_new(v, "checkpoint", nn_json_text(ckpt)) < 0;
    for (int k = 0; k < task->neval && !bad; k++)
        bad = json_object_set_new(v, task->eval_keys[k],
                                  nn_json_real_fmt("%.8g", r->eval[k])) < 0;
    nn_err err = {""};
    if (bad)
        snprintf(err.msg, sizeof err.msg, "out of memory");
    else
        bad = nn_json_write(stdout, "stdout", v, 0, &err) < 0;
    json_decref(v);
    if (bad)
        cli_error("%s", err.msg);
    return bad ? 1 : 0;
}

int golu_cmd_eval(int argc, char **argv)
{
    eval_opts e = {NULL, NULL, 0, 0};
    int status = parse(argc, argv, &e);
    if (status >= 0)
        return status;
    const char *ckpt = e.ckpt, *data = e.data;
    nn_train_config o;
    nn_train_config_defaults(&o, nn_model_at(0));
    nn_st_file *f = NULL;
    nn_err err = {""};
    if (nn_st_open(&f, ckpt, &err)) {
        cli_error("--checkpoint: %s", err.msg);
        return 2;
    }
    int bad = nn_checkpoint_check(f, ckpt, &err);
    if (bad)
        cli_error("--checkpoint: %s", err.msg);
    else if ((bad = nn_train_config_from_meta(&o, f, ckpt, &err)))
        cli_error("%s", err.msg);
    nn_st_close(f);
    if (bad)
        return 2;
    if (data)
        snprintf(o.data, sizeof o.data, "%s", data);
    o.threads = (int)e.threads;
    blas_setup(o.threads);
    nn_train_result r;
    int rc = nn_train_eval(&o, ckpt, &r, &err);
    if (rc) {
        cli_error("%s", err.msg);
        return rc;
    }
    const nn_task_desc *task = nn_task_of(&o);
    if (e.json)
        return print_json(ckpt, task, &r);
    char words[256];
    nn_train_eval_text(&o, &r, words, sizeof words);
    printf("%s: %s %s: %s\n", ckpt, o.model.desc->name, o.act_name, words);
    return 0;
}
