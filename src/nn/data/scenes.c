/*
 * scenes.c - segmentation scenes composed from single-garment images
 * (data.h, nn_scene_compose).
 */
#include <string.h>

#include "data.h"
#include "rng.h"

/* A garment's pixel at or above this (of 1) is the garment; below, it lets
 * what is under it show (Fashion-MNIST's background is 0). */
#define OPAQUE 0.1f

void nn_scene_compose(const nn_images *im, uint64_t seed, uint64_t index, int side,
                      float *x, int32_t *y)
{
    const uint64_t st = nn_rng_stream("scene", index, 0);
    const int span = side - im->w + 1, spanh = side - im->h + 1;
    int k = 2 + (int)nn_rng_below(seed, st, 0, 3); /* 2, 3 or 4 garments */
    memset(x, 0, (size_t)side * side * sizeof *x);
    memset(y, 0, (size_t)side * side * sizeof *y);
    for (int g = 0; g < k; g++) {
        uint32_t i =
            (uint32_t)nn_rng_below(seed, st, 1 + 3 * (uint64_t)g, (uint64_t)im->n);
        int top = (int)nn_rng_below(seed, st, 2 + 3 * (uint64_t)g, (uint64_t)spanh);
        int left = (int)nn_rng_below(seed, st, 3 + 3 * (uint64_t)g, (uint64_t)span);
        const float *p = im->pixels + (size_t)i * im->h * im->w; /* channel 0 */
        for (int r = 0; r < im->h; r++)
            for (int c = 0; c < im->w; c++) {
                float v = p[r * im->w + c];
                if (v < OPAQUE)
                    continue;
                size_t o = (size_t)(top + r) * side + (size_t)(left + c);
                x[o] = v;
                y[o] = im->labels[i] + 1;
            }
    }
}
