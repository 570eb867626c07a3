/*
 * cmd_sample.c - `golu sample`: what a U-Net checkpoint makes, drawn by
 * gnuplot into a PNG. Of a diffusion run: images generated (ancestral DDPM
 * sampling, train/ddpm.h) in a grid. Of a segment run: the first test
 * scenes beside the label maps it predicts and the true ones
 * (train/segment.h).
 */
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blas_setup.h"
#include "cli.h"
#include "commands.h"
#include "gnuplot.h"
#include "image_grid.h"
#include "opts.h"
#include "train.h"
#include "train/ddpm.h"
#include "train/segment.h"

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: golu sample --checkpoint FILE --out FILE.png [--count N] [--steps S]\n"
        "                   [--seed N] [--threads N]\n\n"
        "Draws what a checkpoint of golu train --model unet makes into FILE.png, by\n"
        "gnuplot; FILE.dat and FILE.gp beside it redraw it (gnuplot FILE.gp).\n\n"
        "--task diffusion: generates --count images (default 16), pure noise\n"
        "denoised step by step by the network's noise prediction (ancestral DDPM\n"
        "sampling), in a grid. --steps S (default: the run's T) respaces the\n"
        "schedule over S of its T steps, evenly (faster, rougher). --seed picks\n"
        "the noise (default 1): the same seed gives the same images.\n\n"
        "--task segment: the first --count test scenes (default 16, at most 64;\n"
        "the scenes every run is judged on), one row each: the scene, the label\n"
        "map the model predicts, the true one (background black, each garment\n"
        "class a colour). --steps and --seed do not apply.\n");
}

typedef struct sample_opts {
    const char *ckpt, *out;
    long count, steps, seed, threads;
} sample_opts;

#define OFF(f) offsetof(sample_opts, f)
static const cli_opt SAMPLE_OPTS[] = {
    {.flag = "--checkpoint",
     .kind = CLI_OPT_STRING,
     .offset = OFF(ckpt),
     .metavar = "FILE"},
    {.flag = "--out", .kind = CLI_OPT_STRING, .offset = OFF(out), .metavar = "FILE.png"},
    {.flag = "--count",
     .kind = CLI_OPT_LONG,
     .offset = OFF(count),
     .min = 1,
     .max = 256,
     .metavar = "N"},
    {.flag = "--steps",
     .kind = CLI_OPT_LONG,
     .offset = OFF(steps),
     .min = 1,
     .max = 1000000,
     .metavar = "S"},
    {.flag = "--seed",
     .kind = CLI_OPT_LONG,
     .offset = OFF(seed),
     .max = 1e15,
     .metavar = "N"},
    {.flag = "--threads",
     .kind = CLI_OPT_LONG,
     .offset = OFF(threads),
     .max = 1024,
     .metavar = "N"},
};
#undef OFF

/* The flags into s: -1 to go on, else the exit status (0 after --help, 2
 * after a message). */
static int parse(int argc, char **argv, sample_opts *s)
{
    int stop = cli_opts_parse_until(
        SAMPLE_OPTS, sizeof SAMPLE_OPTS / sizeof SAMPLE_OPTS[0], "sample", argc, argv, s);
    if (stop < 0)
        return 2;
    if (stop < argc) {
        if (strcmp(argv[stop], "--help") == 0 || strcmp(argv[stop], "-h") == 0) {
            usage(stdout);
            return 0;
        }
        cli_error("unknown option '%s' (see golu sample --help)", argv[stop]);
        return 2;
    }
    if (!s->ckpt) {
        cli_error("--checkpoint: required (a checkpoint.safetensors of golu train "
                  "--model unet)");
        return 2;
    }
    size_t n = s->out ? strlen(s->out) : 0;
    if (n < 5 || strcmp(s->out + n - 4, ".png") != 0 || n > PATH_MAX - 64) {
        cli_error("--out: %s (required: the PNG to write, a path ending in .png)",
                  s->out ? s->out : "missing");
        return 2;
    }
    return -1;
}

/* The checkpoint's configuration into o, its model built with batch count
 * and its weights loaded into *m. 0, or 2 after a message. */
static int load(const sample_opts *s, nn_train_config *o, nn_model **m)
{
    nn_st_file *f = NULL;
    nn_err err = {""};
    nn_train_config_defaults(o, nn_model_at(0));
    if (nn_st_open(&f, s->ckpt, &err)) {
        cli_error("--checkpoint: %s", err.msg);
        return 2;
    }
    int bad = nn_checkpoint_check(f, s->ckpt, &err) ||
              nn_train_config_from_meta(o, f, s->ckpt, &err);
    const nn_task_desc *task = bad ? NULL : nn_task_of(o);
    if (!bad && task != &nn_task_diffusion && task != &nn_task_segment) {
        snprintf(err.msg, sizeof err.msg,
                 "%s is a checkpoint of %s (%s); golu sample needs one of --model unet "
                 "(--task segment or diffusion)",
                 s->ckpt, o->model.desc->name, task->key);
        bad = 1;
    }
    o->threads = (int)s->threads;
    o->model.batch = (int)s->count;
    /* what the task gives the model: one channel, 32x32 noisy images, or
     * 64x64 scenes of 11 classes */
    int side = task == &nn_task_segment ? NN_SEGMENT_SIDE : 32;
    o->model.in_c = 1, o->model.in_h = o->model.in_w = side;
    o->model.classes = NN_SEGMENT_CLASSES;
    if (!bad && (nn_model_create(m, &o->model, o->seed, o->threads, &err) ||
                 nn_checkpoint_load_model(f, s->ckpt, *m, &err)))
        bad = 1;
    nn_st_close(f);
    if (bad) {
        cli_error("--checkpoint: %s", err.msg);
        nn_model_destroy(*m);
        *m = NULL;
        return 2;
    }
    return 0;
}

/* --count images generated by the diffusion model m into dir/name's files;
 * 0, 1 after a message. */
static int draw_samples(const sample_opts *s, const nn_train_config *o, nn_model *m,
                        const char *dir, const char *name)
{
    nn_ddpm d;
    nn_err err = {""};
    float *img = malloc((size_t)s->count * 32 * 32 * sizeof *img);
    int rc = !img || nn_ddpm_init(&d, o->timesteps, &err);
    if (!rc) {
        rc = nn_ddpm_sample(m, &d, s->steps ? s->steps : o->timesteps, (uint64_t)s->seed,
                            img, &err) != 0;
        nn_ddpm_free(&d);
    }
    if (!rc)
        rc = lab_image_grid_write(dir, name, img, (int)s->count, 32, 32, -1, 1,
                                  gnuplot_terminal(), &err) != 0;
    if (rc)
        cli_error("%s", img ? err.msg : "out of memory");
    free(img);
    return rc;
}

/* The first --count test scenes, predicted and true label maps, into
 * dir/name's files; 0, 1 after a message. */
static int draw_segments(const sample_opts *s, const nn_train_config *o, nn_model *m,
                         const char *dir, const char *name)
{
    const size_t e = (size_t)NN_SEGMENT_SIDE * NN_SEGMENT_SIDE, n = (size_t)s->count;
    float *scenes = malloc(n * e * sizeof *scenes);
    int32_t *pred = malloc(n * e * sizeof *pred), *truth = malloc(n * e * sizeof *truth);
    nn_err err = {"out of memory"};
    int rc = !scenes || !pred || !truth ||
             nn_segment_show(o, m, (int)n, scenes, pred, truth, &err) != 0;
    const int32_t *maps[2] = {pred, truth};
    const char *titles[3] = {"scene", "predicted", "true"};
    if (!rc)
        rc = lab_label_grid_write(dir, name, scenes, maps, 2, titles, (int)n,
                                  NN_SEGMENT_SIDE, NN_SEGMENT_SIDE, NN_SEGMENT_CLASSES,
                                  gnuplot_terminal(), &err) != 0;
    if (rc)
        cli_error("%s", err.msg);
    free(scenes);
    free(pred);
    free(truth);
    return rc;
}

int golu_cmd_sample(int argc, char **argv)
{
    sample_opts s = {NULL, NULL, 16, 0, 1, 0};
    int status = parse(argc, argv, &s);
    if (status >= 0)
        return status;
    nn_train_config o;
    nn_model *m = NULL;
    if (load(&s, &o, &m))
        return 2;
    int segment = nn_task_of(&o) == &nn_task_segment;
    if (segment && (s.steps || s.count > 64)) {
        cli_error(s.steps ? "--steps: only for a checkpoint of --task diffusion (this "
                            "one segments)"
                          : "--count: at most 64 scenes of a segment checkpoint");
        nn_model_destroy(m);
        return 2;
    }
    if (s.steps > o.timesteps) {
        cli_error("--steps: %ld (at most the run's T, %ld)", s.steps, o.timesteps);
        nn_model_destroy(m);
        return 2;
    }
    blas_setup(o.threads);
    char dirbuf[PATH_MAX], namebuf[PATH_MAX], gerr[512] = "";
    snprintf(dirbuf, sizeof dirbuf, "%s", s.out);
    snprintf(namebuf, sizeof namebuf, "%s", s.out);
    const char *dir = dirname(dirbuf);
    char *name = basename(namebuf);
    name[strlen(name) - 4] = '\0'; /* without .png */
    int rc = segment ? draw_segments(&s, &o, m, dir, name)
                     : draw_samples(&s, &o, m, dir, name);
    nn_model_destroy(m);
    if (rc)
        return 1;
    char gp[PATH_MAX + 8];
    snprintf(gp, sizeof gp, "%s/%s.gp", dir, name);
    if (!gnuplot_available()) {
        cli_error("gnuplot with PNG is not on PATH: wrote %s.dat and %s only (install "
                  "gnuplot-nox, then gnuplot %s)",
                  name, gp, gp);
        return 1;
    }
    if (gnuplot_run(gp, gerr, sizeof gerr)) {
        cli_error("gnuplot: %s", gerr);
        return 1;
    }
    if (segment)
        printf("golu sample: %ld test scenes, predicted and true labels, from %s in %s\n",
               s.count, s.ckpt, s.out);
    else
        printf("golu sample: %ld images from %s in %s\n", s.count, s.ckpt, s.out);
    return 0;
}
