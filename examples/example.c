/*
 * example.c - libgolu in a C program: GoLU forward and backward on float32,
 * bfloat16 through the same call, and errors as status codes.
 *
 *   make install PREFIX=$HOME/.local
 *   cc example.c $(PKG_CONFIG_PATH=$HOME/.local/lib/pkgconfig pkg-config --cflags --libs
 * golu)
 */
#include <stdio.h>

#include <golu.h>

int main(void)
{
    float x[5] = {-2.0f, -0.5f, 0.0f, 1.0f, 3.0f}, y[5], dy[5] = {1, 1, 1, 1, 1}, dx[5];

    golu_act act;
    golu_status st = golu_act_from_name("golu", &act); /* alpha = beta = gamma = 1 */
    if (st != GOLU_OK) {
        fprintf(stderr, "golu: %s\n", golu_status_str(st));
        return 1;
    }

    /* NULL context: all CPUs, the best SIMD path this CPU has. */
    if ((st = golu_forward(NULL, &act, GOLU_F32, x, y, 5)) != GOLU_OK ||
        (st = golu_backward(NULL, &act, GOLU_F32, x, dy, dx, 5)) != GOLU_OK) {
        fprintf(stderr, "golu: %s\n", golu_status_str(st));
        return 1;
    }
    for (int i = 0; i < 5; i++)
        printf("GoLU(%+.2f) = %+.9f   GoLU'(%+.2f) = %+.9f\n", x[i], y[i], x[i], dx[i]);

    /* bfloat16 storage: computed in float32, rounded once. In place. */
    unsigned short h[5];
    for (int i = 0; i < 5; i++)
        h[i] = golu_f32_to_bf16(x[i]);
    golu_forward(NULL, &act, GOLU_BF16, h, h, 5);
    printf("bf16 GoLU(3) = %g\n", golu_bf16_to_f32(h[4]));

    /* A context pins the thread count and the SIMD path. */
    golu_ctx *ctx;
    if (golu_ctx_create(&ctx) != GOLU_OK)
        return 1;
    golu_ctx_set_threads(ctx, 1);
    golu_ctx_set_isa(ctx, GOLU_ISA_SCALAR);
    golu_forward(ctx, &act, GOLU_F32, x, y, 5);
    printf("scalar path, 1 thread: GoLU(1) = %.9f\n", y[3]);
    golu_ctx_destroy(ctx);

    /* Mistakes come back as status codes, never as a crash or a message. */
    act.beta = -1.0;
    st = golu_forward(NULL, &act, GOLU_F32, x, y, 5);
    printf("beta = -1: %s\n", golu_status_str(st));
    return st == GOLU_ERR_PARAM ? 0 : 1;
}
