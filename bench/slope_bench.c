/*
 * slope_bench.c - what keeping the slope saves a training step:
 * golu_forward_slope + golu_backward_slope against golu_forward +
 * golu_backward, float32, N(0,1) inputs, on one context, the two pairs
 * alternated call for call so that both see the same machine.
 *
 *   make slope-bench && build/bench/slope_bench [--threads T] [--rounds R]
 *        [--acts golu,gelu,...] [--sizes 8Ki,64Ki,...]
 *
 * Prints, per activation and size, the median time per element of each
 * pair over R rounds (each round times a batch of calls of each), the range
 * of the ratio over the rounds, and the median ratio (kept / ordinary:
 * below 1, keeping the slope is faster). Buffers are not rotated: sizes up
 * to a few hundred Ki run from the caches, larger ones from memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "golu.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Parses "64Ki", "1Mi", "5000": 0 on a bad value. */
static size_t parse_size(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s)
        return 0;
    if (strcmp(end, "Ki") == 0)
        v <<= 10;
    else if (strcmp(end, "Mi") == 0)
        v <<= 20;
    else if (*end)
        return 0;
    return (size_t)v;
}

typedef struct bufs {
    float *x, *y, *dy, *dx;
    double *slope;
    size_t n;
} bufs;

/* Seconds per call of the ordinary pair (kept = 0) or the kept one. */
static double time_pair(const golu_ctx *ctx, const golu_act *act, const bufs *b, int kept,
                        int reps, golu_status *st)
{
    double t0 = now();
    for (int r = 0; r < reps && *st == GOLU_OK; r++) {
        if (kept) {
            *st = golu_forward_slope(ctx, act, GOLU_F32, b->x, b->y, b->slope, b->n);
            if (*st == GOLU_OK)
                *st = golu_backward_slope(ctx, GOLU_F32, b->slope, b->dy, b->dx, b->n);
        } else {
            *st = golu_forward(ctx, act, GOLU_F32, b->x, b->y, b->n);
            if (*st == GOLU_OK)
                *st = golu_backward(ctx, act, GOLU_F32, b->x, b->dy, b->dx, b->n);
        }
    }
    return (now() - t0) / reps;
}

static void fill_normal(float *v, size_t n, unsigned long long seed)
{
    for (size_t i = 0; i < n; i += 2) { /* Box-Muller on a splitmix64 stream */
        double u[2];
        for (int k = 0; k < 2; k++) {
            unsigned long long z = (seed += 0x9e3779b97f4a7c15ull);
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
            u[k] = ((double)((z ^ (z >> 31)) >> 11) + 0.5) * 0x1p-53;
        }
        double r = __builtin_sqrt(-2.0 * __builtin_log(u[0]));
        v[i] = (float)(r * __builtin_cos(6.283185307179586 * u[1]));
        if (i + 1 < n)
            v[i + 1] = (float)(r * __builtin_sin(6.283185307179586 * u[1]));
    }
}

int main(int argc, char **argv)
{
    int threads = 1, rounds = 7;
    const char *acts = "golu,gelu,gelu_tanh,silu,mish,elu,relu";
    const char *sizes = "8Ki,64Ki,256Ki,1Mi,4Mi";
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "slope_bench: %s needs a value\n", argv[i]);
            return 2;
        }
        if (strcmp(argv[i], "--threads") == 0)
            threads = atoi(v);
        else if (strcmp(argv[i], "--rounds") == 0)
            rounds = atoi(v);
        else if (strcmp(argv[i], "--acts") == 0)
            acts = v;
        else if (strcmp(argv[i], "--sizes") == 0)
            sizes = v;
        else {
            fprintf(stderr, "slope_bench: unknown flag %s\n", argv[i]);
            return 2;
        }
        i++;
    }
    if (threads < 1 || rounds < 1 || rounds > 99) {
        fprintf(stderr, "slope_bench: --threads must be >= 1 and --rounds in 1..99\n");
        return 2;
    }
    golu_ctx *ctx;
    if (golu_ctx_create(&ctx) != GOLU_OK ||
        golu_ctx_set_threads(ctx, threads) != GOLU_OK) {
        fprintf(stderr, "slope_bench: cannot make a context of %d threads\n", threads);
        return 1;
    }
    printf(
        "golu_forward_slope + golu_backward_slope (kept) against golu_forward + "
        "golu_backward (ordinary), float32, N(0,1), %d thread(s), isa %s, median of %d "
        "alternated rounds\n\n",
        threads, golu_isa_name(golu_ctx_isa(ctx)), rounds);
    printf("| act | n | ordinary ns/elem | kept ns/elem | kept / ordinary (range) |\n");
    printf("|---|---|---|---|---|\n");
    char alist[256], slist[256];
    snprintf(alist, sizeof alist, "%s", acts);
    int rc = 0;
    for (char *as = NULL, *a = strtok_r(alist, ",", &as); a && !rc;
         a = strtok_r(NULL, ",", &as)) {
        golu_act act;
        if (golu_act_from_name(a, &act) != GOLU_OK) {
            fprintf(stderr, "slope_bench: --acts: unknown activation '%s'\n", a);
            return 2;
        }
        snprintf(slist, sizeof slist, "%s", sizes);
        for (char *ss = NULL, *s = strtok_r(slist, ",", &ss); s && !rc;
             s = strtok_r(NULL, ",", &ss)) {
            size_t n = parse_size(s);
            if (n == 0) {
                fprintf(stderr, "slope_bench: --sizes: bad size '%s'\n", s);
                return 2;
            }
            bufs b = {malloc(n * 4), malloc(n * 4), malloc(n * 4),
                      malloc(n * 4), malloc(n * 8), n};
            if (!b.x || !b.y || !b.dy || !b.dx || !b.slope) {
                fprintf(stderr, "slope_bench: out of memory at n = %zu\n", n);
                return 1;
            }
            fill_normal(b.x, n, 1);
            fill_normal(b.dy, n, 2);
            int reps = (int)(20e6 / (double)n) + 1;
            if (reps > 2000)
                reps = 2000;
            golu_status st = GOLU_OK;
            time_pair(ctx, &act, &b, 0, 1 + reps / 4, &st); /* warm both */
            time_pair(ctx, &act, &b, 1, 1 + reps / 4, &st);
            double to[99], tk[99], q[99];
            for (int r = 0; r < rounds && st == GOLU_OK; r++) {
                int first = r % 2;
                double t1 = time_pair(ctx, &act, &b, first, reps, &st);
                double t2 = time_pair(ctx, &act, &b, !first, reps, &st);
                tk[r] = first ? t1 : t2;
                to[r] = first ? t2 : t1;
                q[r] = tk[r] / to[r];
            }
            if (st != GOLU_OK) {
                fprintf(stderr, "slope_bench: %s n=%zu: %s\n", a, n, golu_status_str(st));
                rc = 1;
            } else {
                double qs[99];
                memcpy(qs, q, sizeof(double) * (size_t)rounds);
                qsort(qs, (size_t)rounds, sizeof *qs, cmp_double);
                printf("| %s | %s | %.3f | %.3f | **%.2f** (%.2f-%.2f) |\n", a, s,
                       median(to, rounds) / (double)n * 1e9,
                       median(tk, rounds) / (double)n * 1e9, median(q, rounds), qs[0],
                       qs[rounds - 1]);
                fflush(stdout);
            }
            free(b.x), free(b.y), free(b.dy), free(b.dx), free(b.slope);
        }
    }
    golu_ctx_destroy(ctx);
    return rc;
}
