/*
 * gpu_bench.c - libgolu's CUDA kernels against a device-to-device copy of
 * the same bytes, measured in the same run on the same GPU.
 *
 *   gpu_bench [--act golu,gelu,...|all] [--dtype f32,bf16] [--dir fwd,bwd]
 *             [--sizes 1Mi,16Mi,256Mi] [--reps 21] [--device 0] [--json]
 *
 * Bytes moved: forward reads x and writes y (2 n s bytes, s the element
 * size); backward reads x and dy and writes dx (3 n s). The baseline is
 * cudaMemcpyAsync device to device moving the same bytes: n s bytes copied
 * for a forward, 1.5 n s for a backward. vs_copy = copy time / kernel time:
 * 1.00 is copy speed (the goal for GoLU, GELU and SiLU at 2^28 elements in
 * float32 and bfloat16 is 0.90 or more).
 *
 * Timing: CUDA events around batches of calls on one stream; the batch
 * size makes a batch last about 2 ms (from a warm-up); the row reports the
 * median batch's time per call over --reps batches. Buffers rotate call to
 * call over sets that together hold at least 4x the L2 cache, so no call
 * finds its inputs in L2 (at 2^20 elements a set is a few MiB). Inputs:
 * x and dy from N(0, 1), fixed seed, the same for every activation.
 */
#include <cuda_runtime_api.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golu.h"
#include "golu_cuda.h"

#define MAX_LIST 16
#define MAX_SETS 64

typedef struct options {
    golu_act acts[MAX_LIST];
    int nacts;
    golu_dtype dtypes[MAX_LIST];
    int ndtypes;
    int dirs[2]; /* 0 = fwd, 1 = bwd */
    int ndirs;
    size_t sizes[MAX_LIST];
    int nsizes;
    int reps, device, json;
} options;

/* One timed configuration's result. */
typedef struct row {
    const char *act, *dir;
    golu_dtype dtype;
    size_t n;
    double ms, copy_ms; /* per call */
} row;

/* A bad flag or value: says which, exits 2. */
static void die(const char *what, const char *value)
{
    fprintf(stderr, "gpu_bench: %s (%s)\n", what, value);
    exit(2);
}

static void check_cuda(cudaError_t e, const char *what)
{
    if (e != cudaSuccess) {
        fprintf(stderr, "gpu_bench: %s: %s\n", what, cudaGetErrorString(e));
        exit(1);
    }
}

static void check_golu(golu_status st, const char *what)
{
    if (st != GOLU_OK) {
        fprintf(stderr, "gpu_bench: %s: %s\n", what, golu_status_str(st));
        exit(1);
    }
}

/* ---------------------------------------------------------- options ---- */

/* "16Mi" -> 16 * 2^20; plain numbers, Ki, Mi, Gi. 0 on a bad value. */
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
    else if (strcmp(end, "Gi") == 0)
        v <<= 30;
    else if (*end)
        return 0;
    return (size_t)v;
}

/* Calls item(opts, token) for each comma-separated token of list. */
static void each_item(char *list, options *o, void (*item)(options *, const char *))
{
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
        item(o, t);
}

static void add_act(options *o, const char *name)
{
    if (strcmp(name, "all") == 0) {
        for (int k = 0; k < GOLU_ACT_COUNT && o->nacts < MAX_LIST; k++)
            o->acts[o->nacts++] = golu_act_default((golu_act_kind)k);
        return;
    }
    if (o->nacts == MAX_LIST || golu_act_from_name(name, &o->acts[o->nacts]) != GOLU_OK)
        die("--act: unknown or too many activations", name);
    o->nacts++;
}

static void add_dtype(options *o, const char *name)
{
    if (o->ndtypes == MAX_LIST || golu_dtype_from_name(name, &o->dtypes[o->ndtypes]) != GOLU_OK)
        die("--dtype: unknown or too many dtypes", name);
    o->ndtypes++;
}

static void add_dir(options *o, const char *name)
{
    int d = strcmp(name, "fwd") == 0 ? 0 : strcmp(name, "bwd") == 0 ? 1 : -1;
    if (d < 0 || o->ndirs == 2)
        die("--dir: fwd or bwd", name);
    o->dirs[o->ndirs++] = d;
}

static void add_size(options *o, const char *s)
{
    size_t n = parse_size(s);
    if (n == 0 || o->nsizes == MAX_LIST)
        die("--sizes: a positive count, optionally with Ki, Mi or Gi", s);
    o->sizes[o->nsizes++] = n;
}

static void parse_args(int argc, char **argv, options *o)
{
    char defaults[4][32] = {"all", "f32,bf16", "fwd,bwd", "1Mi,16Mi,256Mi"};
    char *lists[4] = {NULL, NULL, NULL, NULL};
    memset(o, 0, sizeof *o);
    o->reps = 21;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(a, "--json") == 0)
            o->json = 1;
        else if (strcmp(a, "--act") == 0 && has_value)
            lists[0] = argv[++i];
        else if (strcmp(a, "--dtype") == 0 && has_value)
            lists[1] = argv[++i];
        else if (strcmp(a, "--dir") == 0 && has_value)
            lists[2] = argv[++i];
        else if (strcmp(a, "--sizes") == 0 && has_value)
            lists[3] = argv[++i];
        else if (strcmp(a, "--reps") == 0 && has_value)
            o->reps = atoi(argv[++i]);
        else if (strcmp(a, "--device") == 0 && has_value)
            o->device = atoi(argv[++i]);
        else
            die("unknown or incomplete option (see bench/gpu_bench.c)", a);
    }
    if (o->reps < 3)
        die("--reps: at least 3", "too few");
    void (*items[4])(options *, const char *) = {add_act, add_dtype, add_dir, add_size};
    for (int k = 0; k < 4; k++)
        each_item(lists[k] ? lists[k] : defaults[k], o, items[k]);
}

/* ---------------------------------------------------------- buffers ---- */

/* Rotating sets, each one block [x | dy | out] of 3 n s bytes. */
typedef struct sets {
    char *base[MAX_SETS];
    int count;
    size_t bytes; /* n s */
} sets;

/* As many sets as cover 4x the L2 (at least 2, as many as fit). */
static void sets_alloc(sets *s, size_t bytes, int device)
{
    int l2 = 0;
    size_t free_b = 0, total_b = 0;
    check_cuda(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, device), "L2 size");
    check_cuda(cudaMemGetInfo(&free_b, &total_b), "cudaMemGetInfo");
    size_t set = 3 * bytes;
    size_t want = (4 * (size_t)l2 + set - 1) / set, fit = free_b / 10 * 9 / set;
    want = want < 2 ? 2 : want > MAX_SETS ? MAX_SETS : want;
    if (fit < 2)
        die("not enough device memory for two sets of buffers", "--sizes");
    s->count = (int)(want < fit ? want : fit);
    s->bytes = bytes;
    for (int i = 0; i < s->count; i++)
        check_cuda(cudaMalloc((void **)&s->base[i], set), "cudaMalloc");
}

static void sets_free(sets *s)
{
    for (int i = 0; i < s->count; i++)
        cudaFree(s->base[i]);
}

/* n values from N(0, 1) (Box-Muller, fixed seed) in the dtype. */
static void *normal_values(golu_dtype dt, size_t n, uint64_t seed)
{
    void *h = malloc(n * golu_dtype_size(dt));
    if (!h)
        die("out of host memory", "malloc");
    for (size_t i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        double u1 = ((seed >> 11) + 0.5) * 0x1p-53;
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        double u2 = (seed >> 11) * 0x1p-53;
        double v = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
        switch (dt) {
        case GOLU_F32: ((float *)h)[i] = (float)v; break;
        case GOLU_F64: ((double *)h)[i] = v; break;
        case GOLU_BF16: ((uint16_t *)h)[i] = golu_f32_to_bf16((float)v); break;
        case GOLU_F16: ((uint16_t *)h)[i] = golu_f32_to_f16((float)v); break;
        }
    }
    return h;
}

/* x and dy into every set. */
static void sets_fill(sets *s, golu_dtype dt, size_t n)
{
    void *x = normal_values(dt, n, 1), *dy = normal_values(dt, n, 2);
    for (int i = 0; i < s->count; i++) {
        check_cuda(cudaMemcpy(s->base[i], x, s->bytes, cudaMemcpyHostToDevice), "copy x");
        check_cuda(cudaMemcpy(s->base[i] + s->bytes, dy, s->bytes, cudaMemcpyHostToDevice),
                   "copy dy");
    }
    free(x);
    free(dy);
}

/* ----------------------------------------------------------- timing ---- */

/* What one timed call does: an activation or the copy baseline. */
typedef struct job {
    const golu_act *act; /* NULL: the copy */
    int bwd;
    golu_dtype dtype;
    size_t n;
    sets *s;
    cudaStream_t stream;
} job;

static void run_once(const job *j, int k)
{
    char *b = j->s->base[k % j->s->count];
    size_t nb = j->s->bytes;
    if (!j->act) {
        size_t bytes = j->bwd ? nb + nb / 2 : nb; /* moves 3 n s or 2 n s */
        check_cuda(cudaMemcpyAsync(b + (j->bwd ? bytes : 2 * nb), b, bytes,
                                   cudaMemcpyDeviceToDevice, j->stream),
                   "cudaMemcpyAsync");
    } else if (j->bwd) {
        check_golu(golu_cuda_backward(j->act, j->dtype, b, b + nb, b + 2 * nb, j->n, j->stream),
                   "golu_cuda_backward");
    } else {
        check_golu(golu_cuda_forward(j->act, j->dtype, b, b + 2 * nb, j->n, j->stream),
                   "golu_cuda_forward");
    }
}

/* Milliseconds for `calls` calls, timed by events on the stream. */
static double time_batch(const job *j, int calls, cudaEvent_t e0, cudaEvent_t e1)
{
    float ms = 0.0f;
    check_cuda(cudaEventRecord(e0, j->stream), "cudaEventRecord");
    for (int k = 0; k < calls; k++)
        run_once(j, k);
    check_cuda(cudaEventRecord(e1, j->stream), "cudaEventRecord");
    check_cuda(cudaEventSynchronize(e1), "cudaEventSynchronize");
    check_cuda(cudaEventElapsedTime(&ms, e0, e1), "cudaEventElapsedTime");
    return ms;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median milliseconds per call: warm-up, a batch size for ~2 ms batches,
 * then reps batches. */
static double time_job(const job *j, int reps)
{
    cudaEvent_t e0, e1;
    check_cuda(cudaEventCreate(&e0), "cudaEventCreate");
    check_cuda(cudaEventCreate(&e1), "cudaEventCreate");
    time_batch(j, 3, e0, e1); /* warm-up */
    double one = time_batch(j, 3, e0, e1) / 3;
    int calls = one > 0 ? (int)(2.0 / one) : 1000;
    calls = calls < 1 ? 1 : calls > 1000 ? 1000 : calls;
    double *t = malloc((size_t)reps * sizeof *t);
    if (!t)
        die("out of host memory", "malloc");
    for (int r = 0; r < reps; r++)
        t[r] = time_batch(j, calls, e0, e1) / calls;
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    double med = t[reps / 2];
    free(t);
    cudaEventDestroy(e0);
    cudaEventDestroy(e1);
    return med;
}

/* ----------------------------------------------------------- output ---- */

static double bytes_moved(const row *r)
{
    return (strcmp(r->dir, "bwd") == 0 ? 3.0 : 2.0) * (double)r->n *
           (double)golu_dtype_size(r->dtype);
}

static void print_header(const struct cudaDeviceProp *p, const options *o)
{
    int driver = 0, runtime = 0;
    cudaDriverGetVersion(&driver);
    cudaRuntimeGetVersion(&runtime);
    if (o->json) {
        printf("{\"device\": {\"name\": \"%s\", \"sms\": %d, \"l2_bytes\": %d, "
               "\"memory_bytes\": %zu, \"cc\": \"%d.%d\", \"driver\": %d, \"runtime\": %d}, "
               "\"reps\": %d, \"rows\": [",
               p->name, p->multiProcessorCount, p->l2CacheSize, p->totalGlobalMem, p->major,
               p->minor, driver, runtime, o->reps);
        return;
    }
    printf("device %d: %s, %d SMs, L2 %d MiB, %.1f GiB, cc %d.%d, driver %d, runtime %d\n",
           o->device, p->name, p->multiProcessorCount, p->l2CacheSize >> 20,
           (double)p->totalGlobalMem / (1u << 30), p->major, p->minor, driver, runtime);
    printf("%-10s %-3s %-4s %11s %10s %8s %8s %10s %8s\n", "act", "dir", "type", "n", "us/call",
           "Gelem/s", "GB/s", "copyGB/s", "vs_copy");
}

static void print_row(const row *r, const options *o, int first)
{
    double gb = bytes_moved(r) / (r->ms * 1e6), copy_gb = bytes_moved(r) / (r->copy_ms * 1e6);
    if (o->json) {
        printf("%s\n  {\"act\": \"%s\", \"dir\": \"%s\", \"dtype\": \"%s\", \"n\": %zu, "
               "\"ms\": %.6f, \"copy_ms\": %.6f, \"gbps\": %.2f, \"copy_gbps\": %.2f, "
               "\"vs_copy\": %.4f}",
               first ? "" : ",", r->act, r->dir, golu_dtype_name(r->dtype), r->n, r->ms,
               r->copy_ms, gb, copy_gb, r->copy_ms / r->ms);
        return;
    }
    printf("%-10s %-3s %-4s %11zu %10.2f %8.2f %8.1f %10.1f %8.3f\n", r->act, r->dir,
           golu_dtype_name(r->dtype), r->n, r->ms * 1e3, (double)r->n / (r->ms * 1e6), gb,
           copy_gb, r->copy_ms / r->ms);
    fflush(stdout);
}

/* -------------------------------------------------------------- main ---- */

int main(int argc, char **argv)
{
    options o;
    parse_args(argc, argv, &o);
    if (golu_cuda_device_count() == 0) {
        fprintf(stderr, "gpu_bench: no GPU is present\n");
        return 1;
    }
    struct cudaDeviceProp prop;
    check_cuda(cudaSetDevice(o.device), "cudaSetDevice");
    check_cuda(cudaGetDeviceProperties(&prop, o.device), "cudaGetDeviceProperties");
    cudaStream_t stream;
    check_cuda(cudaStreamCreate(&stream), "cudaStreamCreate");
    print_header(&prop, &o);
    int first = 1;
    for (int si = 0; si < o.nsizes; si++) {
        for (int ti = 0; ti < o.ndtypes; ti++) {
            size_t n = o.sizes[si];
            sets s;
            sets_alloc(&s, n * golu_dtype_size(o.dtypes[ti]), o.device);
            sets_fill(&s, o.dtypes[ti], n);
            for (int di = 0; di < o.ndirs; di++) {
                job copy = {NULL, o.dirs[di], o.dtypes[ti], n, &s, stream};
                double copy_ms = time_job(&copy, o.reps);
                for (int a = 0; a < o.nacts; a++) {
                    job j = {&o.acts[a], o.dirs[di], o.dtypes[ti], n, &s, stream};
                    row r = {golu_act_name(o.acts[a].kind), o.dirs[di] ? "bwd" : "fwd",
                             o.dtypes[ti], n, time_job(&j, o.reps), copy_ms};
                    print_row(&r, &o, first);
                    first = 0;
                }
            }
            sets_free(&s);
        }
    }
    if (o.json)
        printf("\n]}\n");
    cudaStreamDestroy(stream);
    return 0;
}
