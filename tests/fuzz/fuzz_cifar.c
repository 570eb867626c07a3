/* fuzz_cifar.c - the CIFAR-10 binary batch reader on any bytes: never a
 * crash; a loaded set holds size / 3073 images with labels < 10. */
#include "data.h"
#include "fuzz.h"

int FUZZ_FN(const uint8_t *data, size_t size);
int FUZZ_FN(const uint8_t *data, size_t size)
{
    char path[512];
    fuzz_path(path, sizeof path, "cifar");
    if (fuzz_write(path, data, size))
        return 0;
    const char *paths[1] = {path};
    nn_images im = {0};
    nn_err err = {""};
    if (nn_cifar10_load(&im, paths, 1, &err) == 0) {
        if ((size_t)im.n != size / 3073 || size % 3073)
            fuzz_fail("cifar: image count does not match the file");
        for (int i = 0; i < im.n; i++)
            if (im.labels[i] < 0 || im.labels[i] >= 10)
                fuzz_fail("cifar: a label >= 10 was accepted");
        nn_images_free(&im);
    } else if (!err.msg[0]) {
        fuzz_fail("cifar: refused without a message");
    }
    remove(path);
    return 0;
}
