/*
 * hot.h - NN_HOT marks a loop-heavy function of the framework (the
 * optimizer's update, normalization, im2col): it is compiled once per x86
 * level (AVX-512, AVX2, baseline) and the CPU's best is picked when the
 * program loads (target_clones, an ifunc), and GCC vectorizes its loops as
 * at -O3 (the rest of the framework is built at -O2, whose vectorizer
 * leaves loops with a remainder scalar).
 *
 * -fno-trapping-math too, so that a loop with a select or a conversion to
 * float is if-converted: it changes no value (golu reads no floating-point
 * exception flags), it only lets GCC compute both sides of a select.
 *
 * Every clone computes the same bits: the vectorizer never reassociates
 * floating-point operations without -ffast-math (which golu never uses),
 * -ffp-contract=off keeps it from fusing a multiply and an add, and
 * vector division and square root round as the scalar ones do. Only loops
 * that are element by element (or whose sums run in a fixed order) belong
 * here.
 *
 * NN_HOT goes on static functions only: an exported clone would need the
 * attribute wherever it is declared.
 *
 * Elsewhere (clang, another architecture, sanitizer builds, where ifuncs
 * and their resolvers run before the sanitizer's runtime is up) NN_HOT only
 * asks for the vectorizer, for the baseline ISA.
 */
#ifndef NN_HOT_H
#define NN_HOT_H

/* The widest vector of GCC's and clang's vector extension a hot loop holds
 * (more lanes go in several): 32 bytes, an AVX2 register. The AVX2 clone
 * keeps a wider one on the stack and moves it through memory every
 * iteration (a BatchNorm plane's sum 0.7 ns a value on Zen 3, three times
 * slower). */
#define NN_VEC_BYTES 32

#if defined(__GNUC__) && !defined(__clang__)
#define NN_HOT_VECTORIZE __attribute__((optimize("O3", "no-trapping-math")))
#else
#define NN_HOT_VECTORIZE /* clang vectorizes at -O2 */
#endif

/* GCC only: clang 14 gives the resolvers of static clones external names,
 * so the float and double builds of one file collide at link time. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&                   \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__) &&                   \
    !defined(NN_NO_CLONES)
#define NN_HOT                                                                           \
    NN_HOT_VECTORIZE                                                                     \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define NN_HOT NN_HOT_VECTORIZE
#endif

#endif
