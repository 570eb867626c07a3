/* isa_dump.c - dumps every activation's fwd and bwd outputs on a strided sample of all
 * float32 bit patterns (every 65537th) on one ISA, to compare paths across
 * machines bit for bit (scripts/check-neon.sh). NaN results are written as one
 * canonical NaN (payloads may differ). Usage: isa_dump OUT_FILE ISA_NUMBER */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "golu.h"
int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: isa_dump OUT_FILE ISA_NUMBER\n"); return 2; }
  uint32_t stride = 65537;
  size_t n = 0; for (uint64_t b = 0; b < (1ull<<32); b += stride) n++;
  float *x = malloc(n*4), *y = malloc(n*4), *dy = malloc(n*4);
  size_t k = 0;
  for (uint64_t b = 0; b < (1ull << 32); b += stride, k++) {
    uint32_t u = (uint32_t)b;
    memcpy(&x[k], &u, 4);
    dy[k] = 1.0f - 0.25f * (float)(k % 3);
  }
  FILE *f = fopen(argv[1], "wb");
  golu_ctx *c; golu_ctx_create(&c); golu_ctx_set_threads(c, 1);
  golu_isa isa = (golu_isa)atoi(argv[2]);
  if (golu_ctx_set_isa(c, isa)) { printf("unsupported\n"); return 1; }
  for (int a = 0; a < GOLU_ACT_COUNT; a++) { golu_act act = golu_act_default(a);
    golu_forward(c, &act, GOLU_F32, x, y, n); for (size_t i = 0; i < n; i++) if (y[i] != y[i]) y[i] = __builtin_nanf("");  fwrite(y, 4, n, f);
    golu_backward(c, &act, GOLU_F32, x, dy, y, n); for (size_t i = 0; i < n; i++) if (y[i] != y[i]) y[i] = __builtin_nanf(""); fwrite(y, 4, n, f); }
  fclose(f); printf("%s: %zu inputs\n", golu_isa_name(isa), n); return 0;
}
