/*
 * slope_sweep.c - golu_forward_slope and golu_backward_slope against
 * golu_forward and golu_backward on every one of the 2^32 float32 inputs,
 * every activation (GoLU also at other parameters), on the default path:
 * y and dx must be the same bits (NaN: any NaN). Part of
 * `make check-exhaustive` (tests/exhaustive.sh); about two minutes on two
 * cores.
 *
 * dy runs through a fixed cycle of values (1, -0.75, 3e-39, 2^100, ...), so
 * that the product with the kept slope is checked at several scales,
 * subnormal results included.
 *
 * Usage: slope_sweep [ACT ...]   (default: every activation). Prints one line
 * per activation and "N passed, M failed"; exit 1 on any difference.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golu.h"

enum { CHUNK = 1 << 22 };

static const float DY[] = {1.0f, -0.75f, 3e-39f, 0x1p100f, 1.5e-10f, -7.0f, 0.1f};

static int same_f32(float a, float b)
{
    return memcmp(&a, &b, sizeof a) == 0 || (a != a && b != b);
}

/* Elements where a and b differ (both NaN: no); prints the first few of
 * *bad, which it adds to. */
static void compare(const char *label, const char *what, const float *x, const float *dy,
                    const float *a, const float *b, long *bad)
{
    for (size_t i = 0; i < CHUNK; i++)
        if (!same_f32(a[i], b[i]) && (*bad)++ < 5)
            printf("  %s %s: x = %a, dy = %a: %a, the slope call %a\n", label, what,
                   (double)x[i], (double)dy[i], (double)a[i], (double)b[i]);
}

/* Differences over all inputs for act, or -1 when a call fails. */
static long sweep(const golu_act *act, const char *label, float *x, float *dy, float *y1,
                  float *y2, double *sl)
{
    long bad = 0;
    for (uint64_t base = 0; base < (1ull << 32); base += CHUNK) {
        for (size_t i = 0; i < CHUNK; i++) {
            uint32_t u = (uint32_t)(base + i);
            memcpy(&x[i], &u, sizeof u);
            dy[i] = DY[(base + i) % (sizeof DY / sizeof DY[0])];
        }
        golu_status st = golu_forward(NULL, act, GOLU_F32, x, y1, CHUNK);
        if (st == GOLU_OK)
            st = golu_forward_slope(NULL, act, GOLU_F32, x, y2, sl, CHUNK);
        if (st == GOLU_OK)
            compare(label, "forward", x, dy, y1, y2, &bad);
        if (st == GOLU_OK)
            st = golu_backward(NULL, act, GOLU_F32, x, dy, y1, CHUNK);
        if (st == GOLU_OK)
            st = golu_backward_slope(NULL, GOLU_F32, sl, dy, y2, CHUNK);
        if (st != GOLU_OK) {
            printf("FAIL %s: %s\n", label, golu_status_str(st));
            return -1;
        }
        compare(label, "backward", x, dy, y1, y2, &bad);
    }
    return bad;
}

int main(int argc, char **argv)
{
    float *x = malloc(CHUNK * sizeof *x), *dy = malloc(CHUNK * sizeof *dy),
          *y1 = malloc(CHUNK * sizeof *y1), *y2 = malloc(CHUNK * sizeof *y2);
    double *sl = malloc(CHUNK * sizeof *sl);
    if (!x || !dy || !y1 || !y2 || !sl) {
        fprintf(stderr, "slope_sweep: out of memory\n");
        return 1;
    }
    int pass = 0, fail = 0;
    int n_acts = argc > 1 ? argc - 1 : GOLU_ACT_COUNT + 1;
    for (int a = 0; a < n_acts; a++) {
        golu_act act;
        char label[64];
        if (argc > 1) {
            if (golu_act_from_name(argv[a + 1], &act) != GOLU_OK) {
                fprintf(stderr, "slope_sweep: unknown activation '%s'\n", argv[a + 1]);
                return 2;
            }
            snprintf(label, sizeof label, "%s", argv[a + 1]);
        } else if (a < GOLU_ACT_COUNT) {
            act = golu_act_default((golu_act_kind)a);
            snprintf(label, sizeof label, "%s", golu_act_name(act.kind));
        } else { /* GoLU at other parameters: its window from kconsts */
            act = golu_act_default(GOLU_ACT_GOLU);
            act.alpha = 1.3, act.beta = 0.7, act.gamma = 1.5;
            snprintf(label, sizeof label, "golu(1.3, 0.7, 1.5)");
        }
        long bad = sweep(&act, label, x, dy, y1, y2, sl);
        if (bad == 0) {
            printf("%-20s every float32 input: forward_slope and backward_slope give the "
                   "bits of forward and backward\n",
                   label);
            pass++;
        } else {
            printf("FAIL %-15s %ld results differ\n", label, bad);
            fail++;
        }
        fflush(stdout);
    }
    free(x), free(dy), free(y1), free(y2), free(sl);
    printf("%d passed, %d failed\n", pass, fail);
    return fail != 0;
}
