/*
 * data.h - datasets: images with labels (IDX, CIFAR-10 binary) and bytes of
 * text, and the batches drawn from them.
 *
 * Loaders read the whole file into memory, check every size against the
 * file, and on any problem return -1 with an nn_err naming the file and the
 * problem (wrong magic, truncated, sizes that disagree, a label out of
 * range). They never crash on a malformed file.
 */
#ifndef NN_DATA_H
#define NN_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* n images (n, c, h, w) as float in [0, 1] (byte / 255), labels in
 * [0, classes). */
typedef struct nn_images {
    int n, c, h, w;
    int classes;
    float *pixels;
    int32_t *labels;
} nn_images;

/*
 * IDX image and label files (MNIST, Fashion-MNIST), raw or gzip (detected
 * from the content, not the name): images magic 0x00000803 (n, h, w, unsigned
 * bytes), labels 0x00000801 (n). The counts must agree; labels must be < 10
 * (classes = 10). c = 1.
 */
int nn_idx_load(nn_images *out, const char *images_path, const char *labels_path,
                nn_err *err);

/*
 * CIFAR-10 binary batches: records of 1 label byte + 3072 pixel bytes
 * (3, 32, 32). Every file must be a whole number of records; labels < 10.
 * The files are concatenated in the order given.
 */
int nn_cifar10_load(nn_images *out, const char *const *paths, int npaths, nn_err *err);

void nn_images_free(nn_images *im);

/*
 * Fashion-MNIST (or MNIST) from a directory holding
 * {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]: split "train" or "test".
 */
int nn_idx_load_dir(nn_images *out, const char *dir, const char *split, nn_err *err);

/*
 * Both splits of nn_idx_load_dir for a task that needs one-channel images of
 * at most max_side x max_side and at least one in each split; errors name
 * --data, and `who` (e.g. "diffusion needs") says whose need failed.
 */
int nn_idx_load_gray_pair(nn_images *train, nn_images *test, const char *dir,
                          int max_side, const char *who, nn_err *err);

/*
 * Per-channel mean and standard deviation over all images (in double),
 * mean and std hold c values each. Used to normalise.
 */
void nn_images_stats(const nn_images *im, double *mean, double *std);

/*
 * Copies the images idx[0..b-1] into x (b, c, h, w), normalised as
 * (p - mean[ch]) / std[ch], and their labels into y (b).
 */
void nn_images_batch(const nn_images *im, const uint32_t *idx, int b, const double *mean,
                     const double *std, float *x, int32_t *y);

/*
 * A segmentation scene (side x side, side >= the images' sides): 2 to 4 of
 * im's images (channel 0) pasted at places drawn from the counter RNG
 * (seed, stream ("scene", index)), later ones over earlier ones; a pixel of
 * a garment at or above 0.1 covers what is under it, darker ones let it
 * show. x (side*side) the pixels in [0, 1] (0 where nothing is), y
 * (side*side) the labels: 0 background, 1 + the garment's class. A pure
 * function of (im, seed, index).
 */
void nn_scene_compose(const nn_images *im, uint64_t seed, uint64_t index, int side,
                      float *x, int32_t *y);

/* A text as bytes, split into a training part and a validation part. */
typedef struct nn_text {
    uint8_t *bytes; /* the whole file */
    size_t size;
    size_t train_size; /* bytes [0, train_size) train, the rest validates */
} nn_text;

/* The largest text nn_text_load reads (after gzip): 1 GiB. */
#define NN_TEXT_MAX_BYTES ((size_t)1 << 30)

/*
 * Loads a text file of at most NN_TEXT_MAX_BYTES (a larger one is refused).
 * val_fraction in [0, 1): the last part of the file
 * (rounded down to whole bytes) is the validation split. A file shorter than
 * min_size bytes in either split is refused (the GPT needs context + 1 bytes
 * per window).
 */
int nn_text_load(nn_text *out, const char *path, double val_fraction, size_t min_size,
                 nn_err *err);
void nn_text_free(nn_text *t);

/*
 * A batch of b windows of t + 1 bytes: x (b, t) inputs, y (b, t) the next
 * bytes. Training windows start at random offsets drawn from the counter RNG
 * (seed, stream, i) within [0, train_size - t - 1]; validation windows (split
 * 1) at offsets drawn the same way within the validation part.
 */
void nn_text_batch(const nn_text *txt, int split, int b, int t, uint64_t seed,
                   uint64_t stream, int32_t *x, int32_t *y);

#endif
