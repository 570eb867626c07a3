/*
 * bench_fill.c - the benchmark's inputs (bench.h): splitmix64's sequence
 * from a fixed seed, whose state is a counter, so any part of the array can
 * be filled on its own and the thread count never changes a value.
 */
#include <math.h>
#include <stdint.h>

#include "bench.h"
#include "fork.h"
#include "rng.h"

const char *const lab_dist_names[LAB_DIST_COUNT] = {"normal", "u6", "u46"};

/* Draw k of the sequence from seed, uniform in (0, 1]. */
static double unit_open0(uint64_t seed, uint64_t k)
{
    return (double)((nn_rng_splitmix64(seed, k) >> 11) + 1) * 0x1p-53;
}

/* Draws that one value of dist takes (Box-Muller takes two). */
static uint64_t draws_per_value(int dist)
{
    return dist == LAB_DIST_NORMAL ? 2 : 1;
}

/* Element i's value: draws k = i * draws_per_value(dist) onwards. */
static double draw(int dist, uint64_t seed, uint64_t k)
{
    switch (dist) {
    case LAB_DIST_U6: return -6.0 + 12.0 * unit_open0(seed, k);
    case LAB_DIST_U46: return -4.0 + 10.0 * unit_open0(seed, k);
    default: { /* Box-Muller; one value per pair is plenty here */
        double u1 = unit_open0(seed, k), u2 = unit_open0(seed, k + 1);
        return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
    }
    }
}

/* One part of lab_bench_fill_parts' array: elements [begin, end). */
typedef struct fill_job {
    golu_dtype dtype;
    void *buf;
    size_t begin, end;
    int dist;
    uint64_t seed;
} fill_job;

/* Fills one part (nn_fork_fn). */
static void *fill_main(void *arg)
{
    const fill_job *j = arg;
    uint64_t per = draws_per_value(j->dist);
    for (size_t i = j->begin; i < j->end; i++) {
        double v = draw(j->dist, j->seed, (uint64_t)i * per);
        switch (j->dtype) {
        case GOLU_F64: ((double *)j->buf)[i] = v; break;
        case GOLU_BF16: ((unsigned short *)j->buf)[i] = golu_f32_to_bf16((float)v); break;
        case GOLU_F16: ((unsigned short *)j->buf)[i] = golu_f32_to_f16((float)v); break;
        default: ((float *)j->buf)[i] = (float)v; break;
        }
    }
    return NULL;
}

void lab_bench_fill_parts(golu_dtype dtype, void *buf, size_t n, int dist, uint64_t seed,
                          int parts)
{
    enum { MAX_PARTS = 256 };
    fill_job jobs[MAX_PARTS];
    parts = parts < 1 ? 1 : parts > MAX_PARTS ? MAX_PARTS : parts;
    for (int p = 0; p < parts; p++)
        jobs[p] =
            (fill_job){.dtype = dtype,
                       .buf = buf,
                       .begin = n / (size_t)parts * (size_t)p,
                       .end = p == parts - 1 ? n : n / (size_t)parts * (size_t)(p + 1),
                       .dist = dist,
                       .seed = seed};
    nn_fork_run(parts, fill_main, jobs, sizeof jobs[0]);
}

void lab_bench_fill(golu_dtype dtype, void *buf, size_t n, int dist, uint64_t seed)
{
    lab_bench_fill_parts(dtype, buf, n, dist, seed,
                         n < ((size_t)1 << 20) ? 1 : golu_cpu_count());
}
