/*
 * tinydata.h - tiny generated data for the tests that run the golu tool
 * (test_train, test_compare): a few 8x8 IDX images whose class shows as a
 * bright row, and a short text of a few words. Deterministic: the same bytes
 * every time.
 */
#ifndef GOLU_TEST_TINYDATA_H
#define GOLU_TEST_TINYDATA_H

#include <stdint.h>

/* n images (IDX 0x803, n x 8 x 8) and their labels (IDX 0x801, 10 classes). */
int tinydata_write_idx(const char *images, const char *labels, int n, uint64_t seed);
/* About 7 KB of text from an eight-word vocabulary. */
int tinydata_write_text(const char *path);
/* dir/img: 96 training and 40 test images, Fashion-MNIST's file names;
 * dir/text.txt. Returns 0, or -1 when a file could not be written. */
int tinydata_make(const char *dir);

#endif
