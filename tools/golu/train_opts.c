/*
 * train_opts.c - the training flags: each sets one setting of the
 * framework's configuration (train/config.h, whose table of keys gives the
 * numeric and boolean flags, their ranges and help lines), and their help.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "train.h"

/* A numeric or boolean flag of the framework's table at argv[*i]: 1, 0 if
 * not one, -1 on a bad value (message printed). */
static int parse_key(nn_train_config *o, int argc, char **argv, int *i)
{
    int n;
    const nn_train_key *keys = nn_train_keys(&n);
    nn_err err = {""};
    for (int k = 0; k < n; k++) {
        char flag[48];
        snprintf(flag, sizeof flag, "--%s", keys[k].name);
        if (!cli_is_flag(argv[*i], flag))
            continue;
        const char *v = keys[k].type == NN_TRAIN_BOOL && argv[*i][strlen(flag)] == '\0'
                            ? "1" /* a bare boolean flag */
                            : cli_flag_value(argc, argv, i, flag);
        if (!v)
            return -1;
        if (nn_train_key_set(o, &keys[k], flag, v, &err)) {
            cli_error("%s", err.msg);
            return -1;
        }
        return 1;
    }
    return 0;
}

/* The flags that take a word or a path. */
static int parse_string(nn_train_config *o, const char *flag, const char *v)
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

int train_opts_parse_flag(nn_train_config *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    if (strncmp(a, "--", 2) != 0)
        return 0;
    int r = parse_key(o, argc, argv, i);
    if (r)
        return r;
    static const char *const STR_FLAGS[] = {"--act", "--data", "--out", "--optimizer",
                                            "--schedule"};
    for (int k = 0; k < 5; k++) {
        if (!cli_is_flag(a, STR_FLAGS[k]))
            continue;
        const char *v = cli_flag_value(argc, argv, i, STR_FLAGS[k]);
        return v && parse_string(o, STR_FLAGS[k], v) == 0 ? 1 : -1;
    }
    return 0;
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
