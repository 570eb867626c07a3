/* fuzz_checkpoint.c - a checkpoint as golu train --resume and golu eval
 * read it: safetensors, the format key, the configuration in the metadata
 * and its checks. Never a crash; a refusal always says why. (The tensors'
 * round trip is fuzz_safetensors'.) */
#include "checkpoint.h"
#include "fuzz.h"
#include "registry.h"
#include "train/config.h"

int FUZZ_FN(const uint8_t *data, size_t size);
int FUZZ_FN(const uint8_t *data, size_t size)
{
    char path[512];
    fuzz_path(path, sizeof path, "ck");
    if (fuzz_write(path, data, size))
        return 0;
    nn_st_file *f = NULL;
    nn_err err = {""};
    if (nn_st_open(&f, path, &err) == 0) {
        if (nn_checkpoint_check(f, path, &err) == 0) {
            nn_train_config c;
            nn_train_config_defaults(&c, nn_model_at(0));
            err.msg[0] = '\0';
            if (nn_train_config_from_meta(&c, f, path, &err) == 0)
                (void)nn_train_config_check(&c, &err);
            else if (!err.msg[0])
                fuzz_fail("checkpoint: configuration refused without a message");
        }
        nn_st_close(f);
    }
    remove(path);
    return 0;
}
