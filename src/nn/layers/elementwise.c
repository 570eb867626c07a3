/*
 * elementwise.c - the residual add and the gradient accumulation where two
 * paths of a model join. Large arrays are cut into two fixed halves, run
 * on two threads with the layers' threads (fork.h): element by element,
 * the same results for any thread count.
 */
#include "fork.h"
#include "hot.h"
#include "real.h"
#include "layers.h"

/* The loops are static (hot.h: NN_HOT is for functions of one file). */
NN_HOT static void add(real *y, const real *a, const real *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = a[i] + b[i];
}

NN_HOT static void accumulate(real *restrict y, const real *restrict x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] += x[i];
}

/* One half: y[i0, i1) = a + b, or y += x when b is NULL (x is a). */
typedef struct ew_job {
    real *y;
    const real *a, *b;
    size_t i0, i1;
} ew_job;

static void *run_ew(void *arg)
{
    const ew_job *j = arg;
    const size_t k = j->i0, m = j->i1 - j->i0;
    if (j->b)
        add(j->y + k, j->a + k, j->b + k, m);
    else
        accumulate(j->y + k, j->a + k, m);
    return NULL;
}

/* Halves from 2^16 elements: below, a thread costs more than it saves. */
static void run_split(real *y, const real *a, const real *b, size_t n)
{
    ew_job half[2] = {{y, a, b, 0, n / 2}, {y, a, b, n / 2, n}};
    nn_run_halves(run_ew, &half[0], &half[1], n >= 65536);
}

/* y, a, b (n); y may equal a or b. */
void NN(nn_add)(real *y, const real *a, const real *b, size_t n)
{
    run_split(y, a, b, n);
}

/* y += x, both (n). */
void NN(nn_accumulate)(real *y, const real *x, size_t n)
{
    run_split(y, x, NULL, n);
}
