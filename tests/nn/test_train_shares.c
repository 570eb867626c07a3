/*
 * test_train_shares.c - batches in shares (src/nn/train/shares.c) and the
 * communicator (src/nn/comm.h) through the library, on tiny generated
 * data, without MPI: two or three "processes" are threads joined by a
 * communicator made here (a shared buffer and a barrier), an independent
 * stand-in for the MPI back end.
 *
 *   - the one-process communicator: rank 0 of 1, collectives leave the
 *     data alone; FNV-1a's published values; nn_comm_same and
 *     nn_comm_failures over two threads;
 *   - two processes give the same checkpoint as --accum 2 in one, bit for
 *     bit (weights, optimizer state, metrics), for the mlp, the resnet
 *     (BatchNorm's running statistics the mean of the shares') and the gpt
 *     (dropout masks by position in the whole batch); evaluation split
 *     between them gives one process's values bit for bit;
 *   - --accum 2 agrees with the plain run to float32 rounding (mlp, gpt);
 *   - stop and resume with shares: a two-process run stopped half-way and
 *     resumed in one process (its checkpoint says 2 shares: --accum 2 is
 *     implied) ends where the uninterrupted run does, bit for bit;
 *   - a run of 2 shares (batch 6) resumed on 3 processes continues in 3
 *     shares (said through the hook on rank 0, saved), within float32
 *     rounding of the uninterrupted run; stopped again and resumed in one
 *     process it gives the 3-process continuation's bits;
 *   - refusals: a batch the shares do not divide (--batch named), a
 *     resume on a number of processes that divides neither the shares nor
 *     the batch (--batch named), processes given different configurations
 *     (both refuse);
 *   - golu.shares is saved only above 1 (a plain run's checkpoint is as
 *     before) and read back.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoints.h"
#include "files.h"
#include "harness.h"
#include "nn.h"
#include "tinydata.h"

static char dir[PATH_MAX - 256];
static char img[PATH_MAX], text[PATH_MAX];

/* ----------------------------------------- a communicator of threads --- */

enum { RANKS = 3, STAGE = 1 << 20 }; /* up to RANKS threads */

typedef struct shared {
    pthread_barrier_t bar;
    double stage[RANKS][STAGE / 8]; /* each rank's contribution */
} shared;

static shared *S;

/* The sums add the ranks' values in rank order: with two, a single
 * addition a + b. */
static int t_sum_f32(const nn_comm *c, float *buf, size_t n)
{
    for (size_t at = 0; at < n; at += STAGE / 4) {
        size_t k = n - at < STAGE / 4 ? n - at : STAGE / 4;
        memcpy(S->stage[c->rank], buf + at, k * sizeof *buf);
        pthread_barrier_wait(&S->bar);
        for (size_t i = 0; i < k; i++) {
            float v = ((const float *)S->stage[0])[i];
            for (int r = 1; r < c->size; r++)
                v += ((const float *)S->stage[r])[i];
            buf[at + i] = v;
        }
        pthread_barrier_wait(&S->bar);
    }
    return 0;
}

static int t_sum_f64(const nn_comm *c, double *buf, size_t n)
{
    for (size_t at = 0; at < n; at += STAGE / 8) {
        size_t k = n - at < STAGE / 8 ? n - at : STAGE / 8;
        memcpy(S->stage[c->rank], buf + at, k * sizeof *buf);
        pthread_barrier_wait(&S->bar);
        for (size_t i = 0; i < k; i++) {
            double v = S->stage[0][i];
            for (int r = 1; r < c->size; r++)
                v += S->stage[r][i];
            buf[at + i] = v;
        }
        pthread_barrier_wait(&S->bar);
    }
    return 0;
}

static int t_bcast(const nn_comm *c, void *buf, size_t bytes, int root)
{
    if (bytes > STAGE)
        return -1;
    if (c->rank == root)
        memcpy(S->stage[root], buf, bytes);
    pthread_barrier_wait(&S->bar);
    if (c->rank != root)
        memcpy(buf, S->stage[root], bytes);
    pthread_barrier_wait(&S->bar);
    return 0;
}

static int t_barrier(const nn_comm *c)
{
    (void)c;
    pthread_barrier_wait(&S->bar);
    return 0;
}

static void t_abort(const nn_comm *c, int code)
{
    (void)c, (void)code;
}

/* Rank r of n threads. */
static nn_comm comm_of(int r, int n)
{
    nn_comm c = {r,       n,         "threads", NULL, t_sum_f32, t_sum_f64,
                 t_bcast, t_barrier, t_abort,   NULL, NULL};
    return c;
}

/* One rank's run. */
typedef struct job {
    nn_train_config c;
    int resume, rc;
    nn_comm comm;
    nn_train_result res;
    nn_err err;
    long reshared_step; /* the reshared hook's arguments (-1: not called) */
    int reshared_from, reshared_to;
} job;

static void on_reshared(void *user, long step, int from, int to)
{
    job *j = user;
    j->reshared_step = step, j->reshared_from = from, j->reshared_to = to;
}

static void *run_job(void *p)
{
    job *j = p;
    nn_train_hooks h = {.user = j, .comm = &j->comm, .reshared = on_reshared};
    j->reshared_step = -1;
    j->rc = nn_train_run(&j->c, j->resume, &h, &j->res, &j->err);
    return NULL;
}

/* c (and, when other is not NULL, other on rank 1) trained by n threads
 * (j[0 .. n-1] filled). */
static void run_n(int n, const nn_train_config *c, const nn_train_config *other,
                  int resume, job j[RANKS])
{
    memset(j, 0, RANKS * sizeof *j);
    pthread_barrier_init(&S->bar, NULL, (unsigned)n);
    pthread_t t[RANKS];
    for (int r = 0; r < n; r++)
        j[r].c = r == 1 && other ? *other : *c, j[r].resume = resume,
        j[r].comm = comm_of(r, n);
    for (int r = 1; r < n; r++)
        pthread_create(&t[r], NULL, run_job, &j[r]);
    run_job(&j[0]);
    for (int r = 1; r < n; r++)
        pthread_join(t[r], NULL);
    pthread_barrier_destroy(&S->bar);
}

/* c (and, when other is not NULL, other on rank 1) trained by two
 * threads; rank 0's status, rank 1's into *rc1, messages into err0/err1. */
static int run_two(const nn_train_config *c, const nn_train_config *other, int resume,
                   int *rc1, nn_err *err0, nn_err *err1)
{
    job j[RANKS];
    run_n(2, c, other, resume, j);
    *rc1 = j[1].rc;
    if (err0)
        *err0 = j[0].err;
    if (err1)
        *err1 = j[1].err;
    return j[0].rc;
}

static int run_one(const nn_train_config *c, int resume, nn_err *err)
{
    nn_train_result res;
    return nn_train_run(c, resume, NULL, &res, err);
}

/* ------------------------------------------------------------ configs --- */

static void tiny_mlp(nn_train_config *c, const char *name)
{
    nn_train_config_defaults(c, nn_model_find("mlp"));
    snprintf(c->data, sizeof c->data, "%s", img);
    c->epochs = 2, c->model.batch = 16, c->model.width = 16, c->threads = 1, c->seed = 3;
    snprintf(c->out, sizeof c->out, "%s/%s", dir, name);
}

static void tiny_resnet(nn_train_config *c, const char *name)
{
    nn_train_config_defaults(c, nn_model_find("resnet"));
    snprintf(c->data, sizeof c->data, "%s", img);
    c->epochs = 2, c->model.batch = 16, c->model.width = 4, c->model.depth = 8;
    c->threads = 1, c->seed = 5;
    snprintf(c->out, sizeof c->out, "%s/%s", dir, name);
}

static void tiny_gpt(nn_train_config *c, const char *name)
{
    nn_train_config_defaults(c, nn_model_find("gpt"));
    snprintf(c->data, sizeof c->data, "%s", text);
    c->model.layers = 1, c->model.heads = 2, c->model.width = 16;
    c->model.context = 16, c->model.batch = 4, c->model.dropout = 0.1;
    c->steps = 8, c->eval_every = 4, c->eval_batches = 3, c->sched.warmup = 2;
    c->threads = 1, c->seed = 6;
    snprintf(c->out, sizeof c->out, "%s/%s", dir, name);
}

static const char *ckpt(const nn_train_config *c, char *buf, size_t size)
{
    nn_train_path(buf, size, c->out, "checkpoint.safetensors");
    return buf;
}

/* The largest |a - b| over the trained tensors of two checkpoints, relative
 * to the largest |a|; -1 when one cannot be read. */
static double weights_diff(const nn_train_config *a, const nn_train_config *b)
{
    char pa[PATH_MAX + 32], pb[PATH_MAX + 32];
    nn_model *ma = NULL, *mb = NULL;
    nn_st_file *fa = NULL, *fb = NULL;
    nn_err e = {""};
    nn_config ca = a->model;
    double worst = -1, big = 0;
    if (nn_task_of(a)->open != NULL) {
        nn_task *t = NULL;
        if (nn_task_of(a)->open(&t, a, &ca, &e) == 0)
            nn_task_of(a)->close(t);
    }
    if (nn_model_create(&ma, &ca, 1, 1, &e) || nn_model_create(&mb, &ca, 1, 1, &e) ||
        nn_st_open(&fa, ckpt(a, pa, sizeof pa), &e) ||
        nn_st_open(&fb, ckpt(b, pb, sizeof pb), &e) ||
        nn_checkpoint_load_model(fa, pa, ma, &e) ||
        nn_checkpoint_load_model(fb, pb, mb, &e))
        goto out;
    worst = 0;
    for (size_t i = 0; i < ma->params.total; i++) {
        double x = ma->params.data[i], y = mb->params.data[i];
        worst = fabs(x - y) > worst ? fabs(x - y) : worst;
        big = fabs(x) > big ? fabs(x) : big;
    }
    worst = big > 0 ? worst / big : worst;
out:
    CHECK(worst >= 0, "reading two checkpoints: %s", e.msg);
    nn_st_close(fa);
    nn_st_close(fb);
    nn_model_destroy(ma);
    nn_model_destroy(mb);
    return worst;
}

/* --------------------------------------------------------------- tests --- */

static void test_comm(void)
{
    const nn_comm *c = nn_comm_none();
    float f[3] = {1, 2, 3};
    double d = 4;
    CHECK(nn_comm_rank(c) == 0 && nn_comm_size(c) == 1 && nn_comm_rank(NULL) == 0 &&
              nn_comm_size(NULL) == 1,
          "the one-process communicator is rank 0 of 1");
    CHECK(nn_comm_sum_f32(c, f, 3) == 0 && f[0] == 1 && f[2] == 3 &&
              nn_comm_sum_f64(NULL, &d, 1) == 0 && d == 4 &&
              nn_comm_bcast(c, f, sizeof f, 0) == 0 && nn_comm_barrier(c) == 0,
          "alone, the collectives leave the data alone");
    CHECK(nn_comm_failures(c, 1) == 1 && nn_comm_failures(NULL, 0) == 0 &&
              nn_comm_same(c, 42) == 0,
          "alone: failures count this process, same is always true");
    int from, msg = 0;
    CHECK(nn_comm_send(c, 0, &msg, 1) == -1 &&
              nn_comm_recv(NULL, &from, &msg, 1, 0) == -1,
          "alone: nobody to send to or receive from");
    /* FNV-1a 64's published test values. */
    CHECK(nn_hash_bytes(NN_HASH_START, "", 0) == 0xcbf29ce484222325ull &&
              nn_hash_bytes(NN_HASH_START, "a", 1) == 0xaf63dc4c8601ec8cull &&
              nn_hash_bytes(NN_HASH_START, "foobar", 6) == 0x85944171f73967e8ull,
          "FNV-1a 64 of \"\", \"a\", \"foobar\"");
}

/* Two threads, then --accum 2 in one: the same checkpoint. */
static void two_equals_accum(void (*make)(nn_train_config *, const char *),
                             const char *name)
{
    char n2[64], na[64], pa[PATH_MAX + 32], pb[PATH_MAX + 32];
    snprintf(n2, sizeof n2, "%s-np2", name);
    snprintf(na, sizeof na, "%s-accum2", name);
    nn_train_config c2, ca;
    make(&c2, n2);
    make(&ca, na);
    ca.accum = 2;
    int rc1;
    nn_err e0 = {""}, e1 = {""};
    int rc0 = run_two(&c2, NULL, 0, &rc1, &e0, &e1);
    CHECK(rc0 == 0 && rc1 == 0, "%s on two processes: %d %d (%s / %s)", name, rc0, rc1,
          e0.msg, e1.msg);
    CHECK(run_one(&ca, 0, &e0) == 0, "%s --accum 2: %s", name, e0.msg);
    CHECK(checkpoints_compare(name, ckpt(&c2, pa, sizeof pa), ckpt(&ca, pb, sizeof pb),
                              nn_task_of(&c2)) == 0,
          "%s: two processes and --accum 2 give the same checkpoint", name);
}

static void test_two_equals_accum(void)
{
    two_equals_accum(tiny_mlp, "mlp");
    two_equals_accum(tiny_resnet, "resnet");
    two_equals_accum(tiny_gpt, "gpt");
}

/* --accum 2 against the plain run: float32 rounding apart. */
static void test_accum_near_plain(void)
{
    void (*make[2])(nn_train_config *, const char *) = {tiny_mlp, tiny_gpt};
    const char *names[2] = {"mlp", "gpt"};
    for (int m = 0; m < 2; m++) {
        nn_train_config p, a;
        char np[64], na[64];
        snprintf(np, sizeof np, "%s-plain", names[m]);
        snprintf(na, sizeof na, "%s-accum2", names[m]);
        make[m](&p, np);
        make[m](&a, na);
        nn_err e = {""};
        CHECK(run_one(&p, 0, &e) == 0, "%s plain: %s", names[m], e.msg);
        double d = weights_diff(&p, &a);
        CHECK(d > 0 && d < 1e-5,
              "%s: --accum 2 within float32 rounding of the plain run (largest relative "
              "difference %.3g; 0 would mean the shares were not used)",
              names[m], d);
    }
}

static void test_resume(void)
{
    nn_train_config whole, part;
    tiny_gpt(&whole, "gpt-accum2"); /* trained above */
    tiny_gpt(&part, "gpt-stop");
    part.stop_after = 5;
    int rc1;
    nn_err e0 = {""}, e1 = {""};
    int rc0 = run_two(&part, NULL, 0, &rc1, &e0, &e1);
    CHECK(rc0 == NN_TRAIN_STOPPED && rc1 == NN_TRAIN_STOPPED,
          "two processes stopped after 5 steps: %d %d", rc0, rc1);
    /* Resumed in one process, its configuration read from the checkpoint. */
    char path[PATH_MAX + 32], pw[PATH_MAX + 32];
    nn_train_config r;
    memset(&r, 0, sizeof r);
    snprintf(r.out, sizeof r.out, "%s", part.out);
    r.threads = 1;
    nn_st_file *f = NULL;
    int ok = nn_st_open(&f, ckpt(&part, path, sizeof path), &e0) == 0 &&
             nn_train_config_from_meta(&r, f, path, &e0) == 0;
    nn_st_close(f);
    CHECK(ok && r.shares == 2, "the checkpoint says 2 shares (%d): %s", r.shares, e0.msg);
    nn_train_config three = r;
    int rcx = nn_train_run(&three, 1, &(nn_train_hooks){.comm = nn_comm_none()},
                           &(nn_train_result){0}, &e1);
    CHECK(rcx == 0, "resumed in one process: %d %s", rcx, e1.msg);
    CHECK(checkpoints_compare("2 -> 1", path, ckpt(&whole, pw, sizeof pw),
                              nn_task_of(&whole)) == 0,
          "two processes stopped, resumed in one: the uninterrupted run's checkpoint");
}

/* The configuration saved in c's checkpoint, its out and threads kept. */
static int saved_config(const nn_train_config *c, nn_train_config *r, nn_err *e)
{
    char path[PATH_MAX + 32];
    memset(r, 0, sizeof *r);
    snprintf(r->out, sizeof r->out, "%s", c->out);
    r->threads = 1;
    nn_st_file *f = NULL;
    int rc = nn_st_open(&f, ckpt(c, path, sizeof path), e) == 0 &&
                     nn_train_config_from_meta(r, f, path, e) == 0
                 ? 0
                 : -1;
    nn_st_close(f);
    return rc;
}

/* A run of 2 shares (batch 6) resumed on 3 processes, which do not divide
 * 2 but divide 6: it continues in 3 shares, says so once (rank 0's hook),
 * saves 3, and ends within float32 rounding of the uninterrupted run (the
 * MLP has no BatchNorm: only the order of the sums changed). Stopped again
 * and resumed in one process (--accum 3 implied by the saved count), it
 * ends on the bits of the 3-process continuation. */
static void test_reshare(void)
{
    nn_train_config whole, a, b, r;
    tiny_mlp(&whole, "b6-np2");
    tiny_mlp(&a, "b6-to3");
    tiny_mlp(&b, "b6-to3-to1");
    whole.model.batch = a.model.batch = b.model.batch = 6;
    a.stop_after = b.stop_after = 4;
    job j[RANKS];
    run_n(2, &whole, NULL, 0, j);
    CHECK(j[0].rc == 0 && j[1].rc == 0, "batch 6 on two processes: %s", j[0].err.msg);
    run_n(2, &a, NULL, 0, j);
    CHECK(j[0].rc == NN_TRAIN_STOPPED && j[1].rc == NN_TRAIN_STOPPED,
          "stopped after 4 steps: %d %d", j[0].rc, j[1].rc);
    run_n(2, &b, NULL, 0, j);
    nn_err e = {""};
    int ok = saved_config(&a, &r, &e) == 0;
    CHECK(ok && r.shares == 2, "the checkpoint says 2 shares (%d): %s", r.shares, e.msg);
    run_n(3, &r, NULL, 1, j);
    CHECK(j[0].rc == 0 && j[1].rc == 0 && j[2].rc == 0,
          "2 shares resumed on 3 processes: %d %d %d (%s)", j[0].rc, j[1].rc, j[2].rc,
          j[0].err.msg);
    CHECK(j[0].reshared_step == 4 && j[0].reshared_from == 2 && j[0].reshared_to == 3 &&
              j[1].reshared_step == -1 && j[2].reshared_step == -1,
          "rank 0 alone is told: from 2 shares to 3 at step 4 (%ld, %d, %d)",
          j[0].reshared_step, j[0].reshared_from, j[0].reshared_to);
    ok = saved_config(&a, &r, &e) == 0;
    CHECK(ok && r.shares == 3, "the checkpoint now says 3 shares (%d): %s", r.shares,
          e.msg);
    double d = weights_diff(&a, &whole);
    CHECK(d > 0 && d < 1e-5,
          "2 -> 3 shares: within float32 rounding of the uninterrupted run (largest "
          "relative difference %.3g; 0 would mean the shares did not change)",
          d);
    /* 2 shares, 3 from step 4, stopped at 8, the rest in one process. */
    ok = saved_config(&b, &r, &e) == 0;
    r.stop_after = 4;
    run_n(3, &r, NULL, 1, j);
    CHECK(ok && j[0].rc == NN_TRAIN_STOPPED && j[0].reshared_to == 3,
          "2 shares resumed on 3, stopped again: %d %s", j[0].rc, j[0].err.msg);
    ok = saved_config(&b, &r, &e) == 0;
    CHECK(ok && r.shares == 3, "saved 3 shares (%d): %s", r.shares, e.msg);
    job one;
    memset(&one, 0, sizeof one);
    one.c = r, one.resume = 1, one.comm = *nn_comm_none();
    run_job(&one);
    char pa[PATH_MAX + 32], pb[PATH_MAX + 32];
    CHECK(one.rc == 0 && one.reshared_step == -1, "then in one process: %d %s", one.rc,
          one.err.msg);
    CHECK(checkpoints_compare("2 -> 3 -> 1", ckpt(&b, pb, sizeof pb),
                              ckpt(&a, pa, sizeof pa), nn_task_of(&a)) == 0,
          "3 shares saved, resumed in one process: the 3-process continuation's bits");
}

static void test_refusals(void)
{
    nn_train_config c;
    nn_err e = {""};
    tiny_mlp(&c, "refused-batch");
    c.accum = 3;
    CHECK(run_one(&c, 0, &e) == NN_TRAIN_BAD_INPUT && strstr(e.msg, "--batch: 16") &&
              strstr(e.msg, "3 equal shares"),
          "batch 16 in 3 shares is refused naming --batch: %s", e.msg);
    /* Two processes of different learning rates: both refuse. */
    nn_train_config a, b;
    tiny_mlp(&a, "refused-config");
    b = a;
    b.lr = a.lr * 2;
    int rc1;
    nn_err e0 = {""}, e1 = {""};
    int rc0 = run_two(&a, &b, 0, &rc1, &e0, &e1);
    CHECK(rc0 == NN_TRAIN_BAD_INPUT && rc1 == NN_TRAIN_BAD_INPUT &&
              strstr(e0.msg, "different configurations") &&
              strstr(e1.msg, "different configurations"),
          "different configurations refused on both: %d %d (%s)", rc0, rc1, e0.msg);
    /* A run of 3 shares of 9 examples resumed on 2 processes (which divide
     * neither). */
    tiny_mlp(&c, "refused-resume");
    c.model.batch = 9, c.accum = 3, c.stop_after = 1;
    CHECK(run_one(&c, 0, &e) == NN_TRAIN_STOPPED, "3 shares, stopped: %s", e.msg);
    c.shares = 3, c.stop_after = 0;
    rc0 = run_two(&c, NULL, 1, &rc1, &e0, &e1);
    CHECK(rc0 == NN_TRAIN_BAD_INPUT && rc1 == NN_TRAIN_BAD_INPUT &&
              strstr(e0.msg, "3 shares") && strstr(e0.msg, "--batch 9") &&
              strstr(e0.msg, "2 processes") && strstr(e0.msg, "divides 9") &&
              strstr(e0.msg, "divides 3"),
          "3 shares of 9 on 2 processes refused naming --batch: %d %s", rc0, e0.msg);
}

static void test_meta(void)
{
    nn_train_config c;
    tiny_mlp(&c, "meta");
    nn_train_meta m;
    nn_train_config_to_meta(&c, &m);
    int found = 0;
    for (int i = 0; i < m.n; i++)
        found += strcmp(m.meta[i].key, "golu.shares") == 0;
    CHECK(found == 0, "one share: no golu.shares in the metadata");
    c.shares = 4;
    nn_train_config_to_meta(&c, &m);
    for (int i = 0; i < m.n; i++)
        if (strcmp(m.meta[i].key, "golu.shares") == 0)
            found = strcmp(m.meta[i].value, "4") == 0 ? 1 : -1;
    CHECK(found == 1, "4 shares: golu.shares = 4");
}

int main(void)
{
    TEST_BEGIN("train_shares");
    S = calloc(1, sizeof *S);
    if (!CHECK(S != NULL, "out of memory") ||
        files_tmpdir_make(dir, sizeof dir, "golu-shares-"))
        return TEST_END();
    if (!CHECK(tinydata_make(dir) == 0, "cannot write the test data in %s", dir))
        return TEST_END();
    snprintf(img, sizeof img, "%s/img", dir);
    snprintf(text, sizeof text, "%s/text.txt", dir);
    test_comm();
    test_meta();
    test_two_equals_accum();
    test_accum_near_plain();
    test_resume();
    test_reshare();
    test_refusals();
    files_tmpdir_done(dir);
    free(S);
    return TEST_END();
}
