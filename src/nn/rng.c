/*
 * rng.c - the counter-based generator of rng.h.
 */
#include "rng.h"

#include <math.h>

#define GOLDEN 0x9e3779b97f4a7c15ULL /* 2^64 / the golden ratio, odd */

uint64_t nn_rng_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t nn_rng_splitmix64(uint64_t seed, uint64_t k)
{
    return nn_rng_mix64(seed + (k + 1) * GOLDEN);
}

double nn_rng_unit(uint64_t bits)
{
    return (double)(bits >> 11) * 0x1p-53;
}

uint64_t nn_rng_u64(uint64_t seed, uint64_t stream, uint64_t i)
{
    uint64_t h = nn_rng_mix64(seed + GOLDEN);
    h = nn_rng_mix64(h ^ (stream + 2 * GOLDEN));
    return nn_rng_mix64(h ^ (i + 3 * GOLDEN));
}

double nn_rng_uniform(uint64_t seed, uint64_t stream, uint64_t i)
{
    return nn_rng_unit(nn_rng_u64(seed, stream, i));
}

double nn_rng_normal(uint64_t seed, uint64_t stream, uint64_t i)
{
    /* u1 in (0, 1] so the log is finite. */
    double u1 = 1.0 - nn_rng_uniform(seed, stream, 2 * i);
    double u2 = nn_rng_uniform(seed, stream, 2 * i + 1);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

uint64_t nn_rng_below(uint64_t seed, uint64_t stream, uint64_t i, uint64_t bound)
{
    /* Rejection: redraw (with a derived index) while in the biased tail. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
    uint64_t r = nn_rng_u64(seed, stream, i);
    for (uint64_t k = 1; r >= limit; k++)
        r = nn_rng_u64(seed, stream ^ (k * 0xd1b54a32d192ed03ULL), i);
    return r % bound;
}

void nn_rng_permutation(uint32_t *perm, size_t n, uint64_t seed, uint64_t stream)
{
    for (size_t i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)nn_rng_below(seed, stream, i, i);
        uint32_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
}

uint64_t nn_rng_stream(const char *name, uint64_t a, uint64_t b)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a over the name */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 0x100000001b3ULL;
    return nn_rng_mix64(nn_rng_mix64(h ^ nn_rng_mix64(a + 1)) ^
                        (b + 0x632be59bd9b4e019ULL));
}
