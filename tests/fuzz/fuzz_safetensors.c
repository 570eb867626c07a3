/* fuzz_safetensors.c - the safetensors reader on any bytes, and the round
 * trip: a file it accepts, written back by nn_st_write and read again,
 * gives the same tensors (names, dtypes, shapes, bytes). */
#include "fuzz.h"
#include "safetensors.h"

/* Writes f's tensors to path2, reads them back, compares. */
static void st_round_trip(const nn_st_file *f, const char *path2)
{
    int n = nn_st_count(f);
    nn_st_tensor *t = calloc((size_t)(n > 0 ? n : 1), sizeof *t);
    if (!t)
        return;
    for (int i = 0; i < n; i++)
        t[i] = *nn_st_get(f, i);
    nn_err err;
    if (nn_st_write(path2, t, n, NULL, 0, &err) == 0) {
        nn_st_file *g = NULL;
        if (nn_st_open(&g, path2, &err) != 0)
            fuzz_fail("safetensors: its own file is refused");
        if (nn_st_count(g) != n)
            fuzz_fail("safetensors: tensor count changed");
        for (int i = 0; i < n; i++) {
            const nn_st_tensor *a = &t[i], *b = nn_st_find(g, a->name);
            if (!b || b->dtype != a->dtype || b->ndim != a->ndim)
                fuzz_fail("safetensors: a tensor changed name, dtype or rank");
            size_t count = 1;
            for (int d = 0; d < a->ndim; d++) {
                if (a->shape[d] != b->shape[d])
                    fuzz_fail("safetensors: a shape changed");
                count *= (size_t)a->shape[d];
            }
            if (count && memcmp(a->data, b->data, count * nn_st_dtype_size(a->dtype)))
                fuzz_fail("safetensors: tensor bytes changed");
        }
        nn_st_close(g);
        remove(path2);
    }
    free(t);
}

int FUZZ_FN(const uint8_t *data, size_t size);
int FUZZ_FN(const uint8_t *data, size_t size)
{
    char path[512], path2[520];
    fuzz_path(path, sizeof path, "st");
    snprintf(path2, sizeof path2, "%s.2", path);
    if (fuzz_write(path, data, size))
        return 0;
    nn_st_file *f = NULL;
    nn_err err;
    if (nn_st_open(&f, path, &err) == 0) {
        (void)nn_st_meta_get(f, "format");
        st_round_trip(f, path2);
        nn_st_close(f);
    } else if (!err.msg[0]) {
        fuzz_fail("safetensors: refused without a message");
    }
    remove(path);
    return 0;
}
