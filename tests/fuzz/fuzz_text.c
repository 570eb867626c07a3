/* fuzz_text.c - the text loader on any bytes (the first byte picks the
 * validation fraction): never a crash; a loaded text's splits add up to
 * the file. */
#include "data.h"
#include "fuzz.h"

int FUZZ_FN(const uint8_t *data, size_t size);
int FUZZ_FN(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    double frac = (double)(data[0] % 100) / 100.0;
    data++, size--;
    char path[512];
    fuzz_path(path, sizeof path, "text");
    if (fuzz_write(path, data, size))
        return 0;
    nn_text t;
    memset(&t, 0, sizeof t);
    nn_err err = {""};
    if (nn_text_load(&t, path, frac, 2, &err) == 0) {
        if (t.size != size || t.train_size > t.size || memcmp(t.bytes, data, size))
            fuzz_fail("text: the loaded text is not the file");
        nn_text_free(&t);
    } else if (!err.msg[0])
        fuzz_fail("text: refused without a message");
    remove(path);
    return 0;
}
