/*
 * test_trainer_unet.c - the U-Net's tasks through the library, on tiny
 * generated data (8x8 images: 64x64 scenes; padded to 32x32 for diffusion):
 *
 *   segment: a tiny unet run, one row per epoch with the task's 9 columns
 *     (mIoU and pixel accuracy in [0, 1], the accuracy a whole number of
 *     pixels of the test scenes), golu eval's values equal to the last row,
 *     a stopped and resumed run bit for bit the whole one.
 *   diffusion: a tiny unet diffusion run (T = 50), golu.timesteps and
 *              golu.task saved (and absent
 *     from a run that has none), stop and resume bit for bit, the test loss
 *     the same for two runs of different seeds at init (the fixed draws).
 *   DDPM: the schedule against the definition in long double; the noising;
 *     the sampler deterministic for a seed, different for another, finite.
 *   Scenes: 2 to 4 garments, labels 0 where the pixel is 0, 1 + class
 *     where a garment shows; the same scene for the same (seed, index).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoints.h"
#include "files.h"
#include "harness.h"
#include "nn.h"
#include "tinydata.h"
#include "train/ddpm.h"

static char dir[PATH_MAX - 256];
static char img[PATH_MAX];

enum { MAX_ROWS = 8 };

typedef struct record {
    double rows[MAX_ROWS][NN_METRIC_COLS_MAX];
    int nrows;
    long stop_at;
    volatile sig_atomic_t stop;
} record;

static void on_tick(void *user, const nn_train_tick *t)
{
    record *r = user;
    if (r->stop_at && t->step == r->stop_at)
        r->stop = 1;
}

static void on_period(void *user, const nn_task *task, const double *row)
{
    record *r = user;
    if (r->nrows < MAX_ROWS)
        memcpy(r->rows[r->nrows++], row, (size_t)task->desc->ncols * sizeof *row);
}

static nn_train_hooks hooks_for(record *r)
{
    memset(r, 0, sizeof *r);
    nn_train_hooks h = {r, &r->stop, NULL, on_tick, on_period, NULL, NULL, NULL};
    return h;
}

/* A tiny run of unet learning task ("segment", "diffusion") into dir/name. */
static void tiny(nn_train_config *c, const char *task, const char *name)
{
    const nn_model_desc *unet = nn_model_find("unet");
    nn_train_config_defaults_task(c, unet, nn_model_task_find(unet, task));
    snprintf(c->data, sizeof c->data, "%s", img);
    golu_act act = golu_act_default(GOLU_ACT_GOLU);
    nn_train_config_set_act(c, "golu", &act);
    c->model.depth = 2, c->model.width = 4, c->model.batch = 4;
    c->epochs = 2, c->limit_train = 8, c->limit_test = 6, c->threads = 1, c->seed = 5;
    if (c->timesteps)
        c->timesteps = 50;
    snprintf(c->out, sizeof c->out, "%s/%s", dir, name);
}

static void same_checkpoints(const char *what, const char *a_dir, const char *b_dir,
                             const nn_task_desc *task)
{
    char a[PATH_MAX + 32], b[PATH_MAX + 32];
    nn_train_path(a, sizeof a, a_dir, "checkpoint.safetensors");
    nn_train_path(b, sizeof b, b_dir, "checkpoint.safetensors");
    checkpoints_compare(what, a, b, task);
}

/* A run of c stopped after step 2 and resumed from its checkpoint ends as
 * the whole run in whole_dir. */
static void check_resume(nn_train_config *c, const char *whole_dir)
{
    record r;
    nn_train_hooks h = hooks_for(&r);
    r.stop_at = 2;
    nn_train_result res;
    nn_err err = {""};
    int rc = nn_train_run(c, 0, &h, &res, &err);
    CHECK(rc == NN_TRAIN_STOPPED, "%s: stop: status %d: %s", c->out, rc, err.msg);
    h = hooks_for(&r);
    rc = nn_train_run(c, 1, &h, &res, &err);
    CHECK(rc == NN_TRAIN_DONE, "%s: resume: status %d: %s", c->out, rc, err.msg);
    same_checkpoints(c->out, c->out, whole_dir, nn_task_of(c));
}

/* The run of c again on two threads (the layers' halves, the convolutions'
 * slices and their GroupNorm-and-activation hooks on both) ends with the
 * same checkpoint, bit for bit. */
static void check_two_threads(const nn_train_config *c, const char *name)
{
    nn_train_config two;
    tiny(&two, nn_task_of(c)->name, name);
    two.threads = 2;
    record r;
    nn_train_hooks h = hooks_for(&r);
    nn_train_result res;
    nn_err err = {""};
    int rc = nn_train_run(&two, 0, &h, &res, &err);
    if (CHECK(rc == NN_TRAIN_DONE, "%s: status %d: %s", name, rc, err.msg))
        same_checkpoints(name, two.out, c->out, nn_task_of(c));
}

static void test_segment(void)
{
    nn_train_config c;
    tiny(&c, "segment", "seg");
    record r;
    nn_train_hooks h = hooks_for(&r);
    nn_train_result res;
    nn_err err = {""};
    int rc = nn_train_run(&c, 0, &h, &res, &err);
    if (!CHECK(rc == NN_TRAIN_DONE, "segment: status %d: %s", rc, err.msg))
        return;
    CHECK(nn_task_of(&c) == &nn_task_segment && nn_task_segment.ncols == 9,
          "unet's task is segmentation, 9 columns");
    if (!CHECK(r.nrows == 2 && res.steps == 4, "segment: %d rows, %ld steps (want 2, 4)",
               r.nrows, res.steps))
        return;
    for (int i = 0; i < 2; i++) {
        const double *w = r.rows[i];
        CHECK(w[0] == i + 1 && w[1] == 2 * (i + 1), "row %d: epoch %g step %g", i, w[0],
              w[1]);
        CHECK(w[5] > 0 && w[5] <= 1 && w[6] > 0 && w[6] <= 1 && w[3] >= 0 && w[3] <= 1,
              "row %d: mIoU %g, accuracies %g %g in [0, 1]", i, w[5], w[6], w[3]);
        /* 6 test scenes of 64x64: the accuracy counts whole pixels */
        double px = w[6] * 6 * 64 * 64;
        CHECK(fabs(px - round(px)) < 1e-6, "row %d: accuracy %.17g is not k/24576", i,
              w[6]);
        CHECK(isfinite(w[2]) && isfinite(w[4]) && w[4] > 0, "row %d: losses %g %g", i,
              w[2], w[4]);
    }
    char ck[PATH_MAX + 32];
    nn_train_path(ck, sizeof ck, c.out, "checkpoint.safetensors");
    nn_train_result ev;
    rc = nn_train_eval(&c, ck, &ev, &err);
    CHECK(rc == 0 && ev.eval[0] == r.rows[1][4] && ev.eval[1] == r.rows[1][5] &&
              ev.eval[2] == r.rows[1][6],
          "eval: %.17g %.17g %.17g; the last epoch: %.17g %.17g %.17g (%s)", ev.eval[0],
          ev.eval[1], ev.eval[2], r.rows[1][4], r.rows[1][5], r.rows[1][6], err.msg);
    nn_train_config part;
    tiny(&part, "segment", "seg-part");
    check_resume(&part, c.out);
    check_two_threads(&c, "seg-2t");
}

static void test_diffusion(void)
{
    nn_train_config c;
    tiny(&c, "diffusion", "dif");
    CHECK(c.timesteps == 50, "diffusion: timesteps %ld", c.timesteps);
    record r;
    nn_train_hooks h = hooks_for(&r);
    nn_train_result res;
    nn_err err = {""};
    int rc = nn_train_run(&c, 0, &h, &res, &err);
    if (!CHECK(rc == NN_TRAIN_DONE, "diffusion: status %d: %s", rc, err.msg))
        return;
    if (!CHECK(r.nrows == 2, "diffusion: %d rows", r.nrows))
        return;
    /* the noise has variance 1: an untrained denoiser's MSE is near 1 */
    CHECK(r.rows[1][3] > 0.05 && r.rows[1][3] < 5 && isfinite(r.rows[1][2]),
          "diffusion: test loss %g, train loss %g", r.rows[1][3], r.rows[1][2]);
    CHECK(res.eval[0] == r.rows[1][3], "the result is the last row's test loss");
    char ck[PATH_MAX + 32];
    nn_train_path(ck, sizeof ck, c.out, "checkpoint.safetensors");
    nn_st_file *f = NULL;
    if (CHECK(nn_st_open(&f, ck, &err) == 0, "%s", err.msg)) {
        const char *v = nn_st_meta_get(f, "golu.timesteps");
        CHECK(v && strcmp(v, "50") == 0, "golu.timesteps = %s", v ? v : "(missing)");
        v = nn_st_meta_get(f, "golu.task");
        CHECK(v && strcmp(v, "diffusion") == 0, "golu.task = %s", v ? v : "(missing)");
        nn_train_config back;
        memset(&back, 0, sizeof back);
        CHECK(nn_train_config_from_meta(&back, f, ck, &err) == 0 &&
                  back.timesteps == 50 && nn_task_of(&back) == &nn_task_diffusion,
              "timesteps and task read back: %ld (%s)", back.timesteps, err.msg);
        nn_st_close(f);
    }
    /* a golu.task the model does not learn is refused by name */
    char bad[PATH_MAX + 64];
    snprintf(bad, sizeof bad, "%s/bad-task.safetensors", dir);
    if (checkpoints_edit(ck, bad, "golu.task", "text", NULL, 0, 0) == 0 &&
        CHECK(nn_st_open(&f, bad, &err) == 0, "%s", err.msg)) {
        nn_train_config back;
        memset(&back, 0, sizeof back);
        CHECK(nn_train_config_from_meta(&back, f, bad, &err) != 0 &&
                  strstr(err.msg, "metadata golu.task: the unet model does not learn "
                                  "'text' (its tasks: segment or diffusion)"),
              "golu.task = text: '%s'", err.msg);
        nn_st_close(f);
    }
    nn_train_config part;
    tiny(&part, "diffusion", "dif-part");
    check_resume(&part, c.out);
    check_two_threads(&c, "dif-2t");
    /* a checkpoint of the default task has no golu.timesteps, no golu.task */
    nn_train_config seg;
    tiny(&seg, "segment", "seg");
    nn_train_path(ck, sizeof ck, seg.out, "checkpoint.safetensors");
    if (CHECK(nn_st_open(&f, ck, &err) == 0, "%s", err.msg)) {
        CHECK(nn_st_meta_get(f, "golu.timesteps") == NULL &&
                  nn_st_meta_get(f, "golu.task") == NULL,
              "unet segment's checkpoint has no golu.timesteps, no golu.task");
        nn_st_close(f);
    }
}

static void test_ddpm(void)
{
    nn_ddpm d;
    nn_err err = {""};
    CHECK(nn_ddpm_init(&d, 1, &err) == -1 && strstr(err.msg, "timesteps: 1"), "T = 1: %s",
          err.msg);
    if (!CHECK(nn_ddpm_init(&d, 1000, &err) == 0, "%s", err.msg))
        return;
    long double a = 1, worst = 0;
    for (int t = 0; t < 1000; t++) {
        long double beta = 1e-4L + (0.02L - 1e-4L) * t / 999.0L;
        a *= 1 - beta;
        worst = fmaxl(worst, fabsl(d.abar[t] - a) / a);
        worst = fmaxl(worst, fabsl(d.beta[t] - beta) / beta);
    }
    CHECK(worst < 1e-12L && d.beta[0] == 1e-4 && fabs(d.beta[999] - 0.02) < 1e-17,
          "the schedule: worst relative error %Lg", worst);
    /* abar_999 of the linear schedule is about 4.04e-5 */
    CHECK(d.abar[999] > 3.9e-5 && d.abar[999] < 4.2e-5, "abar_T %g", d.abar[999]);
    float x0[3] = {1, -1, 0.5f}, eps[3] = {0.5f, 2, -1}, xt[3];
    nn_ddpm_noise(&d, xt, x0, eps, 10, 3);
    for (int i = 0; i < 3; i++) {
        double want = sqrt(d.abar[10]) * x0[i] + sqrt(1 - d.abar[10]) * eps[i];
        CHECK(xt[i] == (float)want, "noise[%d] %.9g, want %.9g", i, xt[i], want);
    }
    /* the sampler on a tiny untrained model */
    nn_config mc;
    memset(&mc, 0, sizeof mc);
    mc.desc = nn_model_find("unet");
    mc.task = &nn_task_diffusion;
    mc.act = golu_act_default(GOLU_ACT_GOLU);
    mc.batch = 2, mc.in_c = 1, mc.in_h = mc.in_w = 8, mc.depth = 2, mc.width = 4;
    nn_model *m = NULL;
    if (CHECK(nn_model_create(&m, &mc, 7, 1, &err) == 0, "%s", err.msg)) {
        float s1[128], s2[128], s3[128];
        int ok = nn_ddpm_sample(m, &d, 5, 11, s1, &err) == 0 &&
                 nn_ddpm_sample(m, &d, 5, 11, s2, &err) == 0 &&
                 nn_ddpm_sample(m, &d, 5, 12, s3, &err) == 0;
        CHECK(ok, "sampling: %s", err.msg);
        int finite = 1;
        for (int i = 0; i < 128; i++)
            finite &= isfinite(s1[i]);
        CHECK(finite && memcmp(s1, s2, sizeof s1) == 0 && memcmp(s1, s3, sizeof s1) != 0,
              "samples: finite, the same for a seed, not for another");
        CHECK(nn_ddpm_sample(m, &d, 1001, 11, s1, &err) == -1 && strstr(err.msg, "steps"),
              "1001 steps of 1000: %s", err.msg);
        nn_model_destroy(m);
    }
    nn_ddpm_free(&d);
}

static void test_scenes(void)
{
    nn_images im;
    nn_err err = {""};
    if (!CHECK(nn_idx_load_dir(&im, img, "train", &err) == 0, "%s", err.msg))
        return;
    float x[64 * 64], x2[64 * 64];
    int32_t y[64 * 64], y2[64 * 64];
    int bad = 0, labelled = 0, classes_ok = 1;
    for (uint64_t i = 0; i < 20; i++) {
        nn_scene_compose(&im, 3, i, 64, x, y);
        for (int p = 0; p < 64 * 64; p++) {
            bad += (y[p] == 0) != (x[p] == 0);
            labelled += y[p] != 0;
            classes_ok &= y[p] >= 0 && y[p] <= 10;
        }
    }
    CHECK(bad == 0 && classes_ok && labelled > 20 * 64,
          "scenes: %d pixels whose label disagrees with the pixel, %d labelled", bad,
          labelled);
    nn_scene_compose(&im, 3, 7, 64, x, y);
    nn_scene_compose(&im, 3, 7, 64, x2, y2);
    CHECK(memcmp(x, x2, sizeof x) == 0 && memcmp(y, y2, sizeof y) == 0,
          "the same scene for the same (seed, index)");
    nn_scene_compose(&im, 4, 7, 64, x2, y2);
    CHECK(memcmp(y, y2, sizeof y) != 0, "another seed, another scene");
    nn_images_free(&im);
}

int main(void)
{
    TEST_BEGIN("trainer_unet");
    if (files_tmpdir_make(dir, sizeof dir, "golu-trainer-unet-"))
        return TEST_END();
    if (!CHECK(tinydata_make(dir) == 0, "cannot write the test data in %s", dir))
        return TEST_END();
    snprintf(img, sizeof img, "%s/img", dir);
    test_scenes();
    test_ddpm();
    test_segment();
    test_diffusion();
    files_tmpdir_done(dir);
    return TEST_END();
}
