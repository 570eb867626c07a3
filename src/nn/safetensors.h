/*
 * safetensors.h - reading and writing the safetensors format (the format
 * PyTorch's safetensors package and Hugging Face use).
 *
 * Layout: 8 bytes little-endian header length N, N bytes of JSON
 * {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
 *  "__metadata__": {"key": "value", ...}}, then the data, tensors packed in
 * the order written, little-endian.
 *
 * Writing is atomic (io/outfile.h): the file is written to
 * "<path>.tmp.<pid>", flushed, fsync'ed and renamed over path, and the
 * directory is fsync'ed, so a crash never leaves a half-written file at
 * path. Reading checks everything (header length within the file,
 * valid JSON, known dtypes, offsets in bounds, contiguous and
 * non-overlapping, shape product matching the byte count) and refuses a file
 * that fails any check with a message naming the file and the problem.
 */
#ifndef NN_SAFETENSORS_H
#define NN_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef enum nn_st_dtype {
    NN_ST_F32 = 0,
    NN_ST_F64 = 1,
    NN_ST_I32 = 2,
    NN_ST_I64 = 3,
    NN_ST_U8 = 4
} nn_st_dtype;

#define NN_ST_MAX_DIMS 8

typedef struct nn_st_tensor {
    const char *name;
    nn_st_dtype dtype;
    int ndim;
    int64_t shape[NN_ST_MAX_DIMS];
    const void *data; /* ndim == 0 is a scalar (one element) */
} nn_st_tensor;

typedef struct nn_st_meta {
    const char *key;
    const char *value;
} nn_st_meta;

/* Writes the tensors (in the order given) and metadata atomically. */
int nn_st_write(const char *path, const nn_st_tensor *tensors, int ntensors,
                const nn_st_meta *meta, int nmeta, nn_err *err);

/* A file read into memory. */
typedef struct nn_st_file nn_st_file;

int nn_st_open(nn_st_file **out, const char *path, nn_err *err);
void nn_st_close(nn_st_file *f);
int nn_st_count(const nn_st_file *f);
/* The i-th tensor (in file order) / the tensor of that name, or NULL. The
 * pointers live until nn_st_close. data is aligned for its dtype. */
const nn_st_tensor *nn_st_get(const nn_st_file *f, int i);
const nn_st_tensor *nn_st_find(const nn_st_file *f, const char *name);
/* A metadata value, or NULL. */
const char *nn_st_meta_get(const nn_st_file *f, const char *key);
/* How many metadata entries f has; the i-th (in file order), or NULL. The
 * pointers live until nn_st_close. */
int nn_st_meta_count(const nn_st_file *f);
const nn_st_meta *nn_st_meta_at(const nn_st_file *f, int i);

/* Bytes per element of a dtype; its name ("F32"). */
size_t nn_st_dtype_size(nn_st_dtype dt);
const char *nn_st_dtype_name(nn_st_dtype dt);

#endif
