/* ctx.c - execution contexts: thread count, SIMD path, thread pool or the
 * host's runner. */
#include <stdlib.h>

#include "internal.h"
#include "pool.h"

golu_status golu_ctx_create(golu_ctx **out)
{
    if (!out)
        return GOLU_ERR_NULL;
    golu_ctx *ctx = malloc(sizeof *ctx);
    golu_pool *pool = golu_pool_create(); /* no threads yet */
    if (!ctx || !pool) {
        free(ctx);
        golu_pool_destroy(pool);
        return GOLU_ERR_NO_MEMORY;
    }
    ctx->threads = 0;
    ctx->isa = GOLU_ISA_AUTO;
    ctx->pool = pool;
    ctx->runner = NULL;
    ctx->runner_arg = NULL;
    *out = ctx;
    return GOLU_OK;
}

void golu_ctx_destroy(golu_ctx *ctx)
{
    if (!ctx)
        return;
    golu_pool_destroy(ctx->pool); /* joins its threads */
    free(ctx);
}

golu_pool *golu_ctx_pool(const golu_ctx *ctx)
{
    return ctx ? ctx->pool : golu_pool_default();
}

golu_status golu_ctx_set_threads(golu_ctx *ctx, int threads)
{
    if (!ctx)
        return GOLU_ERR_NULL;
    if (threads < 0)
        return GOLU_ERR_THREADS;
    ctx->threads = threads;
    return GOLU_OK;
}

golu_status golu_ctx_set_runner(golu_ctx *ctx, golu_runner_fn runner, void *runner_arg)
{
    if (!ctx)
        return GOLU_ERR_NULL;
    ctx->runner = runner;
    ctx->runner_arg = runner ? runner_arg : NULL;
    return GOLU_OK;
}

int golu_ctx_threads(const golu_ctx *ctx)
{
    int t = ctx ? ctx->threads : 0;
    return t > 0 ? t : golu_cpu_count();
}

int golu_ctx_threads_for(const golu_ctx *ctx, size_t n)
{
    /* Small arrays run on the caller: the CPU count is not asked for. */
    if (n < GOLU_PARALLEL_MIN)
        return 1;
    int t = ctx ? ctx->threads : 0;
    return t > 0 ? t : golu_cpu_count_recent();
}

golu_status golu_ctx_set_isa(golu_ctx *ctx, golu_isa isa)
{
    if (!ctx)
        return GOLU_ERR_NULL;
    if ((unsigned)isa >= GOLU_ISA_COUNT)
        return GOLU_ERR_ISA;
    if (!golu_isa_supported(isa))
        return GOLU_ERR_ISA_UNSUPPORTED;
    ctx->isa = isa;
    return GOLU_OK;
}

golu_isa golu_ctx_isa(const golu_ctx *ctx)
{
    golu_isa isa = ctx ? ctx->isa : GOLU_ISA_AUTO;
    if (isa != GOLU_ISA_AUTO)
        return isa;
    return golu_isa_env_status() == GOLU_OK ? golu_isa_default() : GOLU_ISA_AUTO;
}

golu_status golu_ctx_resolve(const golu_ctx *ctx, golu_isa *isa)
{
    golu_isa chosen = ctx ? ctx->isa : GOLU_ISA_AUTO;
    if (chosen == GOLU_ISA_AUTO) {
        golu_status env = golu_isa_env_status();
        if (env != GOLU_OK)
            return env;
        chosen = golu_isa_default();
    }
    *isa = chosen;
    return GOLU_OK;
}
