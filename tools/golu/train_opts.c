/*
 * train_opts.c - the training flags: each sets one setting of the
 * framework's configuration (train/config.h, whose table of keys gives the
 * numeric and boolean flags, their ranges and help lines), and their help;
 * and the table-driven parse that train, eval and compare share (train.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "train.h"

/* The flags that take a word or a path, beside the framework's keys. */
static const char *const STR_FLAGS[] = {"--act", "--data", "--out", "--optimizer",
                                        "--schedule"};
enum { N_STR_FLAGS = sizeof STR_FLAGS / sizeof STR_FLAGS[0] };

/* The framework's key whose flag ("--name") arg is, or NULL. */
static const nn_train_key *key_of(const char *arg, char *flag, size_t size)
{
    int n;
    const nn_train_key *keys = nn_train_keys(&n);
    for (int k = 0; k < n; k++) {
        snprintf(flag, size, "--%s", keys[k].name);
        if (cli_is_flag(arg, flag))
            return &keys[k];
    }
    return NULL;
}

/* 1 when arg is a word or path flag (its name into flag), else 0. */
static int string_flag_of(const char *arg, char *flag, size_t size)
{
    for (int s = 0; s < N_STR_FLAGS; s++)
        if (cli_is_flag(arg, STR_FLAGS[s])) {
            snprintf(flag, size, "%s", STR_FLAGS[s]);
            return 1;
        }
    return 0;
}

/* A word or path flag's value into o; 0, or -1 after a message. */
static int set_string(nn_train_config *o, const char *flag, const char *v)
{
    nn_err err = {""};
    int rc = 0;
    if (strcmp(flag, "--act") == 0) {
        golu_act act;
        if (cli_parse_act(flag, v, &act))
            return -1;
        nn_train_config_set_act(o, v, &act);
    } else if (strcmp(flag, "--data") == 0)
        rc = nn_train_config_set_path(o->data, flag, v, &err);
    else if (strcmp(flag, "--out") == 0)
        rc = nn_train_config_set_path(o->out, flag, v, &err);
    else if (strcmp(flag, "--optimizer") == 0)
        rc = nn_train_config_set_optimizer(o, flag, v, &err);
    else
        rc = nn_train_config_set_schedule(o, flag, v, &err);
    if (rc)
        cli_error("%s", err.msg);
    return rc;
}

int train_opts_set(nn_train_config *o, const char *flag, const char *value)
{
    char name[48];
    const nn_train_key *k = key_of(flag, name, sizeof name);
    if (k) {
        nn_err err = {""};
        if (nn_train_key_set(o, k, flag, value, &err)) {
            cli_error("%s", err.msg);
            return -1;
        }
        return 0;
    }
    if (string_flag_of(flag, name, sizeof name))
        return set_string(o, name, value);
    cli_error("%s: not a training flag", flag);
    return -1;
}

int train_opts_parse_flag(nn_train_config *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (strncmp(a, "--", 2) != 0)
        return 0;
    char flag[48];
    const nn_train_key *k = key_of(a, flag, sizeof flag);
    if (!k && !string_flag_of(a, flag, sizeof flag))
        return 0;
    const char *v = k && k->type == NN_TRAIN_BOOL && a[strlen(flag)] == '\0'
                        ? "1" /* a bare boolean flag */
                        : cli_flag_value(argc, argv, i, flag);
    return v && train_opts_set(o, flag, v) == 0 ? 1 : -1;
}

void train_opts_usage(FILE *out)
{
    fprintf(
        out,
        "  --act NAME          activation: %s\n"
        "  --data PATH         images: a directory of IDX files (Fashion-MNIST layout)\n"
        "                      or CIFAR-10 binary batches; gpt: a text file\n"
        "  --out DIR           where the checkpoint and metrics go (required)\n"
        "  --optimizer NAME    sgd or adamw\n"
        "  --schedule NAME     const, step (x gamma at 50%% and 75%%) or cosine\n",
        cli_acts_help(34, 22));
    int n;
    const nn_train_key *keys = nn_train_keys(&n);
    for (int k = 0; k < n; k++) {
        char flag[48];
        snprintf(flag, sizeof flag, "--%s%s", keys[k].name,
                 keys[k].type == NN_TRAIN_BOOL ? "" : " X");
        fprintf(out, "  %-19s %s\n", flag, keys[k].help);
    }
}
