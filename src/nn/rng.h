/*
 * rng.h - a counter-based random number generator: every draw is a pure
 * function of (seed, stream, index).
 *
 * Nothing carries state from one draw to the next, so a run that resumes at
 * step k draws exactly what an uninterrupted run draws at step k, and the
 * order in which layers run never changes their numbers. Streams separate
 * the uses (initialisation of each tensor, each epoch's shuffle, each
 * dropout call); indices count within a stream.
 *
 * The one home of the mixing function (splitmix64's finaliser): the
 * benchmark's inputs and the ulp sweep's float64 samples draw from it too,
 * through nn_rng_mix64 and nn_rng_splitmix64.
 */
#ifndef NN_RNG_H
#define NN_RNG_H

#include <stddef.h>
#include <stdint.h>

/* splitmix64's finaliser: a bijection of 64 bits with full avalanche. */
uint64_t nn_rng_mix64(uint64_t z);
/* Output k (k = 0, 1, ...) of splitmix64 started from state `seed`:
 * nn_rng_mix64(seed + (k + 1) * 0x9e3779b97f4a7c15), a function of
 * (seed, k) alone, so any piece of a sequence can be drawn on its own. */
uint64_t nn_rng_splitmix64(uint64_t seed, uint64_t k);
/* Uniform in [0, 1) from the top 53 of 64 random bits. */
double nn_rng_unit(uint64_t bits);

/* 64 random bits: a splitmix64-style mix of the three inputs. */
uint64_t nn_rng_u64(uint64_t seed, uint64_t stream, uint64_t i);
/* Uniform in [0, 1), 53 bits. */
double nn_rng_uniform(uint64_t seed, uint64_t stream, uint64_t i);
/* Standard normal (Box-Muller on the uniforms at 2i and 2i+1). */
double nn_rng_normal(uint64_t seed, uint64_t stream, uint64_t i);
/* Uniform integer in [0, bound), bound > 0, without modulo bias. */
uint64_t nn_rng_below(uint64_t seed, uint64_t stream, uint64_t i, uint64_t bound);
/* perm = a uniformly random permutation of 0..n-1 (Fisher-Yates). */
void nn_rng_permutation(uint32_t *perm, size_t n, uint64_t seed, uint64_t stream);
/* A stream number from a name and up to two integers (tensor names, epochs). */
uint64_t nn_rng_stream(const char *name, uint64_t a, uint64_t b);

#endif
