/*
 * parallel.c - splitting an index range across threads.
 *
 * The threads are a pool's (pool.h): the context's own, or the process's
 * default pool for the default context; or, for a context given a runner
 * (golu_ctx_set_runner), the host's. They are started on the first
 * split and then wait for the next, so a split costs a wake-up (a few
 * microseconds), not a thread start (tens); GOLU_PARALLEL_MIN is set by that
 * cost.
 *
 * Work is cut into fixed blocks of `grain` elements and the blocks are dealt
 * in contiguous runs, one run per thread. Which thread runs a run never
 * changes what its blocks compute, so results are the same for every thread
 * count.
 */
#include "internal.h"
#include "pool.h"

typedef struct {
    golu_range_fn body;
    void *arg;
    size_t n, grain, blocks, runs;
} split;

/* Run k of the split (golu_pool_fn): blocks [blocks*k/runs, blocks*(k+1)/runs). */
static void run_blocks(void *p, size_t k)
{
    const split *s = p;
    size_t b0 = s->blocks * k / s->runs, b1 = s->blocks * (k + 1) / s->runs;
    for (size_t b = b0; b < b1; b++) {
        size_t begin = b * s->grain;
        size_t end = begin + s->grain < s->n ? begin + s->grain : s->n;
        s->body(s->arg, begin, end);
    }
}

void golu_parallel_for(const golu_ctx *ctx, size_t n, size_t grain, int threads,
                       golu_range_fn body, void *arg)
{
    if (n == 0)
        return;
    if (grain == 0)
        grain = n;
    size_t blocks = (n + grain - 1) / grain;
    size_t t = threads > 0 ? (size_t)threads : 1;
    if (t > GOLU_POOL_MAX_THREADS)
        t = GOLU_POOL_MAX_THREADS;
    if (t > blocks) /* blocks >= 1 since n > 0 */
        t = blocks;
    split s = {body, arg, n, grain, blocks, t};
    if (t == 1) {
        run_blocks(&s, 0);
        return;
    }
    if (ctx && ctx->runner)
        ctx->runner(ctx->runner_arg, t, run_blocks, &s);
    else
        golu_pool_run(golu_ctx_pool(ctx), t, run_blocks, &s);
}
