/* isa_dump.c - dumps every activation's fwd and bwd outputs, and the slopes
 * golu_forward_slope keeps, on a strided sample of all
 * float32 bit patterns (every 65537th), and on every bfloat16 and float16
 * input, on one ISA, to compare paths across
 * machines bit for bit (scripts/check-neon.sh). NaN results are written as one
 * canonical NaN (payloads may differ). Usage: isa_dump OUT_FILE ISA_NUMBER */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "golu.h"
int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: isa_dump OUT_FILE ISA_NUMBER\n");
        return 2;
    }
    uint32_t stride = 65537;
    size_t n = 0;
    for (uint64_t b = 0; b < (1ull << 32); b += stride)
        n++;
    float *x = malloc(n * 4), *y = malloc(n * 4), *dy = malloc(n * 4);
    double *sl = malloc(n * 8);
    size_t k = 0;
    for (uint64_t b = 0; b < (1ull << 32); b += stride, k++) {
        uint32_t u = (uint32_t)b;
        memcpy(&x[k], &u, 4);
        dy[k] = 1.0f - 0.25f * (float)(k % 3);
    }
    FILE *f = fopen(argv[1], "wb");
    golu_ctx *c;
    golu_ctx_create(&c);
    golu_ctx_set_threads(c, 1);
    golu_isa isa = (golu_isa)atoi(argv[2]);
    if (golu_ctx_set_isa(c, isa)) {
        printf("unsupported\n");
        return 1;
    }
    for (int a = 0; a < GOLU_ACT_COUNT; a++) {
        golu_act act = golu_act_default(a);
        golu_forward(c, &act, GOLU_F32, x, y, n);
        for (size_t i = 0; i < n; i++)
            if (y[i] != y[i])
                y[i] = __builtin_nanf("");
        fwrite(y, 4, n, f);
        golu_backward(c, &act, GOLU_F32, x, dy, y, n);
        for (size_t i = 0; i < n; i++)
            if (y[i] != y[i])
                y[i] = __builtin_nanf("");
        fwrite(y, 4, n, f);
        golu_forward_slope(c, &act, GOLU_F32, x, y, sl, n);
        for (size_t i = 0; i < n; i++)
            if (sl[i] != sl[i])
                sl[i] = __builtin_nan("");
        fwrite(sl, 8, n, f);
    }
    /* every 16-bit input, both 16-bit types */
    unsigned short *h = malloc(65536 * 2), *hy = malloc(65536 * 2),
                   *hdy = malloc(65536 * 2);
    for (uint32_t i = 0; i < 65536; i++)
        h[i] = (unsigned short)i;
    for (int t = 0; t < 2; t++) {
        golu_dtype dt = t ? GOLU_F16 : GOLU_BF16;
        for (uint32_t i = 0; i < 65536; i++)
            hdy[i] = t ? golu_f32_to_f16(0.75f) : golu_f32_to_bf16(0.75f);
        for (int a = 0; a < GOLU_ACT_COUNT; a++) {
            golu_act act = golu_act_default(a);
            for (int dir = 0; dir < 2; dir++) {
                if (dir == 0)
                    golu_forward(c, &act, dt, h, hy, 65536);
                else
                    golu_backward(c, &act, dt, h, hdy, hy, 65536);
                for (uint32_t i = 0; i < 65536; i++) /* one canonical NaN per format */
                    if ((hy[i] & 0x7fff) > (t ? 0x7c00 : 0x7f80))
                        hy[i] = t ? 0x7e00 : 0x7fc0;
                fwrite(hy, 2, 65536, f);
            }
        }
    }
    fclose(f);
    printf("%s: %zu float32 inputs, all 16-bit inputs\n", golu_isa_name(isa), n);
    return 0;
}
