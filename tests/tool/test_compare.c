/*
 * test_compare.c - `golu compare` end to end on tiny generated data (8x8
 * IDX images, a short text; tinydata.h), through the tool as a user runs it.
 *
 *   - a compare stopped part-way (--stop-after) exits 3, says how to go on,
 *     and the same command again finishes it (resuming the stopped run);
 *   - results.csv and results.json hold every run's values from its
 *     summary.json, and per activation the mean, sample std, min and max
 *     recomputed here; results.md has the table with the best mean in bold;
 *   - the plots are PNG files (skipped, with gnuplot's absence as the
 *     reason, where gnuplot cannot draw);
 *   - the same command again trains nothing and writes the same
 *     results.csv; a run whose files are deleted is trained again alone,
 *     to the same values (runs are deterministic for a seed and a thread
 *     count);
 *   - what a repository keeps of a compare (compare.json, summary.json and
 *     metrics.json, no checkpoints) gives the same results.csv, training
 *     nothing, and is continued like any compare;
 *   - a run that diverged is listed as such and left out of the statistics;
 *   - the gpt preset reports perplexity and bits per byte;
 *   - --depths 1,3: a compare per depth in DIR/depth-<d> (compare.json
 *     records it), stopped and continued like any compare, then
 *     depths.csv/md/json whose mean, std, min and max per depth and
 *     activation are those recomputed here from the runs' summary.json;
 *   - bad input exits 2, names the culprit, and trains nothing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"
#include "harness.h"
#include "json.h"
#include "tinydata.h"
#include "toolrun.h"

static char out[OUT_CAP];
static char dir[PATH_MAX - 256];
static char img[PATH_MAX], text[PATH_MAX], cmp[PATH_MAX];

static const char *const ACTS[2] = {"relu", "golu"};
enum { SEEDS = 2 };

/* `golu args...` exits `status` and prints `text` (NULL: anything). */
static int expect(int status, const char *say, const char *const *args)
{
    return tool_expect(status, say, args, out);
}

/* The compare of the tests in out_dir, with extra arguments. */
static int compare_in(const char *out_dir, int status, const char *say,
                      const char *extra1, const char *extra2)
{
    const char *args[32] = {"compare",   "--preset", "quick",    "--acts", "relu,golu",
                            "--seeds",   "2",        "--epochs", "1",      "--batch",
                            "16",        "--data",   img,        "--out",  out_dir,
                            "--threads", "1"};
    int n = 17;
    if (extra1)
        args[n++] = extra1;
    if (extra2)
        args[n++] = extra2;
    args[n] = NULL;
    return expect(status, say, args);
}

static int compare(int status, const char *say, const char *extra1, const char *extra2)
{
    return compare_in(cmp, status, say, extra1, extra2);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 16];
    *len = fread(buf, 1, sizeof buf - 1, f);
    buf[*len] = '\0';
    fclose(f);
    char *copy = malloc(*len + 1);
    if (copy)
        memcpy(copy, buf, *len + 1);
    return copy;
}

static nn_json *read_json(const char *path)
{
    size_t len;
    char *t = slurp(path, &len), err[128] = "";
    if (!CHECK(t != NULL, "%s is missing", path))
        return NULL;
    nn_json *v = nn_json_parse(t, len, err, sizeof err);
    CHECK(v != NULL, "%s does not parse: %s", path, err);
    free(t);
    return v;
}

static double num(const nn_json *obj, const char *key)
{
    const nn_json *v = nn_json_get(obj, key);
    return v && v->type == NN_JSON_NUMBER ? v->number : NAN;
}

static int close_to(double a, double b)
{
    return fabs(a - b) <= 1e-8 * fmax(1.0, fabs(b));
}

/* ------------------------------------------------ the values themselves --- */

/* A run's values as its own summary.json has them. */
typedef struct run_values {
    double metric, loss, seconds;
} run_values;

static int summary_values(const char *out_dir, const char *act, int seed,
                          const char *mkey, const char *lkey, run_values *v)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/runs/%s-s%d/summary.json", out_dir, act, seed);
    nn_json *s = read_json(p);
    if (!s)
        return -1;
    v->metric = num(s, mkey), v->loss = num(s, lkey), v->seconds = num(s, "seconds");
    nn_json_free(s);
    return CHECK(isfinite(v->metric) && isfinite(v->loss), "%s lacks %s or %s", p, mkey,
                 lkey)
               ? 0
               : -1;
}

/* results.csv has exactly one row per run, with the summary's values. */
static void check_csv(const char *out_dir, const char *const *acts, int nacts, int seeds,
                      const char *mkey, const char *lkey)
{
    char p[PATH_MAX + 64], header[128];
    snprintf(p, sizeof p, "%s/results.csv", out_dir);
    size_t len;
    char *csv = slurp(p, &len);
    if (!CHECK(csv != NULL, "%s is missing", p))
        return;
    snprintf(header, sizeof header, "act,seed,%s,%s,seconds,status\n", mkey, lkey);
    CHECK(strncmp(csv, header, strlen(header)) == 0, "%s: header %.60s, want %s", p, csv,
          header);
    int rows = 0;
    for (char *line = strchr(csv, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        char act[32];
        int seed;
        double m, l, s;
        if (!CHECK(sscanf(line + 1, "%31[^,],%d,%lf,%lf,%lf,ok", act, &seed, &m, &l,
                          &s) == 5,
                   "%s: bad row %.80s", p, line + 1))
            break;
        int known = 0;
        for (int a = 0; a < nacts; a++)
            known |= strcmp(act, acts[a]) == 0;
        CHECK(known && seed >= 1 && seed <= seeds, "%s: a row for %s seed %d", p, act,
              seed);
        run_values v;
        if (summary_values(out_dir, act, seed, mkey, lkey, &v) == 0)
            CHECK(close_to(m, v.metric) && close_to(l, v.loss) && close_to(s, v.seconds),
                  "%s: %s seed %d has %.10g %.10g %.10g; summary.json %.10g %.10g %.10g",
                  p, act, seed, m, l, s, v.metric, v.loss, v.seconds);
        rows++;
    }
    CHECK_EQ_INT(rows, nacts * seeds);
    free(csv);
}

typedef struct stats {
    double mean, std, min, max;
} stats;

/* Mean, sample std, min, max of an activation's runs, from summary.json. */
static stats expected_stats(const char *out_dir, const char *act, int seeds,
                            const char *mkey, const char *lkey)
{
    stats s = {0, 0, INFINITY, -INFINITY};
    double v[16];
    for (int i = 0; i < seeds; i++) {
        run_values r = {NAN, NAN, NAN};
        summary_values(out_dir, act, i + 1, mkey, lkey, &r);
        v[i] = r.metric;
        s.mean += v[i] / seeds;
        s.min = fmin(s.min, v[i]), s.max = fmax(s.max, v[i]);
    }
    for (int i = 0; i < seeds; i++)
        s.std += (v[i] - s.mean) * (v[i] - s.mean) / (seeds - 1);
    s.std = sqrt(s.std);
    return s;
}

/* results.json's aggregates agree with the runs; returns the best act. */
static int check_json(const char *out_dir, const char *const *acts, int nacts, int seeds,
                      const char *mkey, const char *lkey, int higher_better, stats *st)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/results.json", out_dir);
    nn_json *j = read_json(p);
    if (!j)
        return 0;
    const nn_json *aggs = nn_json_get(j, "activations"), *runs = nn_json_get(j, "runs");
    CHECK(runs && runs->type == NN_JSON_ARRAY && runs->len == (size_t)(nacts * seeds),
          "%s: runs should list %d runs", p, nacts * seeds);
    int best = 0;
    if (CHECK(aggs && aggs->type == NN_JSON_ARRAY && aggs->len == (size_t)nacts,
              "%s: activations should list %d", p, nacts))
        for (int a = 0; a < nacts; a++) {
            st[a] = expected_stats(out_dir, acts[a], seeds, mkey, lkey);
            const nn_json *g = &aggs->items[a];
            const nn_json *name = nn_json_get(g, "act");
            CHECK(name && name->type == NN_JSON_STRING && strcmp(name->str, acts[a]) == 0,
                  "%s: activation %d should be %s", p, a, acts[a]);
            int std_ok = seeds < 2 ? isnan(num(g, "std")) /* null: no spread in one run */
                                   : close_to(num(g, "std"), st[a].std);
            CHECK(close_to(num(g, "mean"), st[a].mean) && std_ok &&
                      close_to(num(g, "min"), st[a].min) &&
                      close_to(num(g, "max"), st[a].max),
                  "%s: %s: mean %.10g std %.10g min %.10g max %.10g, recomputed %.10g "
                  "%.10g "
                  "%.10g %.10g",
                  p, acts[a], num(g, "mean"), num(g, "std"), num(g, "min"), num(g, "max"),
                  st[a].mean, st[a].std, st[a].min, st[a].max);
            CHECK(num(g, "n") == seeds, "%s: %s: n %g, want %d", p, acts[a], num(g, "n"),
                  seeds);
            if (higher_better ? st[a].mean > st[best].mean : st[a].mean < st[best].mean)
                best = a;
        }
    const nn_json *b = nn_json_get(j, "best");
    CHECK(b && b->type == NN_JSON_STRING && strcmp(b->str, acts[best]) == 0,
          "%s: best should be %s", p, acts[best]);
    nn_json_free(j);
    return best;
}

/* results.md: one table row per activation with its mean, the best bold. */
static void check_md(const char *out_dir, const char *const *acts, int nacts,
                     const stats *st, int best, int decimals)
{
    char p[PATH_MAX + 64], row[128];
    snprintf(p, sizeof p, "%s/results.md", out_dir);
    size_t len;
    char *md = slurp(p, &len);
    if (!CHECK(md != NULL, "%s is missing", p))
        return;
    for (int a = 0; a < nacts; a++) {
        if (a == best)
            snprintf(row, sizeof row, "| **%s** | **%.*f** | %.*f |", acts[a], decimals,
                     st[a].mean, decimals, st[a].std);
        else
            snprintf(row, sizeof row, "| %s | %.*f | %.*f |", acts[a], decimals,
                     st[a].mean, decimals, st[a].std);
        CHECK(strstr(md, row) != NULL, "%s should have the row \"%s\":\n%s", p, row, md);
    }
    CHECK(strstr(md, "| activation | mean | std | min | max | n |") != NULL,
          "%s: no table header", p);
    free(md);
}

static void check_results(const char *out_dir, const char *const *acts, int nacts,
                          int seeds, int gpt)
{
    const char *mkey = gpt ? "val_ppl" : "test_acc",
               *lkey = gpt ? "val_bpb" : "test_loss";
    stats st[8];
    check_csv(out_dir, acts, nacts, seeds, mkey, lkey);
    int best = check_json(out_dir, acts, nacts, seeds, mkey, lkey, !gpt, st);
    if (seeds >= 2)
        check_md(out_dir, acts, nacts, st, best, gpt ? 3 : 4);
}

/* The plots are PNG files, unless the tool said why it could not draw. */
static void check_plots(const char *said)
{
    const char *note = strstr(said, "plots: not drawn: ");
    if (note) {
        const char *end = strchr(note, '\n');
        SKIP("%.*s", end ? (int)(end - note) : 200, note);
        return;
    }
    static const char *const names[3] = {"curves", "train_loss", "final"};
    for (int i = 0; i < 3; i++) {
        char p[PATH_MAX + 64];
        unsigned char magic[8] = {0};
        snprintf(p, sizeof p, "%s/plots/%s.png", cmp, names[i]);
        FILE *f = fopen(p, "rb");
        size_t got = f ? fread(magic, 1, 8, f) : 0;
        if (f)
            fclose(f);
        CHECK(got == 8 && memcmp(magic, "\x89PNG\r\n\x1a\n", 8) == 0, "%s is not a PNG",
              p);
        snprintf(p, sizeof p, "%s/plots/%s.gp", cmp, names[i]);
        CHECK(access(p, R_OK) == 0, "%s is missing", p);
        snprintf(p, sizeof p, "%s/plots/%s.dat", cmp, names[i]);
        CHECK(access(p, R_OK) == 0, "%s is missing", p);
    }
}

/* ------------------------------------------------------------- the runs --- */

static int exists(const char *what)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/%s", cmp, what);
    return access(p, F_OK) == 0;
}

/* results.csv without its seconds column (times differ between trainings). */
static char *csv_without_seconds(const char *out_dir)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/results.csv", out_dir);
    size_t len;
    char *csv = slurp(p, &len);
    if (!csv)
        return NULL;
    char *w = csv;
    for (char *r = csv; *r;) { /* drop the 5th field of every line */
        int field = 0;
        while (*r && *r != '\n') {
            if (*r == ',')
                field++;
            if (field != 4)
                *w++ = *r;
            r++;
        }
        if (*r)
            *w++ = *r++;
    }
    *w = '\0';
    return csv;
}

static void test_stop_and_continue(void)
{
    compare(3, "give the same command again", "--stop-after", "3");
    CHECK(exists("compare.json"), "compare.json should be written before training");
    CHECK(exists("runs/relu-s1/checkpoint.safetensors") &&
              !exists("runs/relu-s1/summary.json"),
          "the stopped run should have a checkpoint and no summary");
    if (!compare(0, "0 runs are done, 1 to resume, 3 to start", NULL, NULL))
        return;
    CHECK(strstr(out, "[4/4] golu seed 2: test acc") != NULL, "progress lines:\n%s", out);
    check_results(cmp, ACTS, 2, SEEDS, 0);
    check_plots(out);
}

static void test_rerun(void)
{
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/results.csv", cmp);
    size_t len1, len2;
    char *before = slurp(p, &len1);
    compare(0, "nothing to train", NULL, NULL);
    CHECK(strstr(out, "training") == NULL, "a rerun should train nothing:\n%s", out);
    char *after = slurp(p, &len2);
    CHECK(before && after && len1 == len2 && memcmp(before, after, len1) == 0,
          "results.csv changed on a rerun:\n%s\nthen\n%s", before, after);
    free(before);
    free(after);
}

/* A run lost (its summary and checkpoint deleted) is trained again alone,
 * to the same values. */
static void test_pick_up(void)
{
    char *before = csv_without_seconds(cmp), p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/runs/golu-s2/summary.json", cmp);
    CHECK(remove(p) == 0, "remove %s", p);
    snprintf(p, sizeof p, "%s/runs/golu-s2/checkpoint.safetensors", cmp);
    CHECK(remove(p) == 0, "remove %s", p);
    compare(0, "3 runs are done, 0 to resume, 1 to start", NULL, NULL);
    CHECK(strstr(out, "[1/4]") == NULL && strstr(out, "[4/4] golu seed 2") != NULL,
          "only golu seed 2 should be trained:\n%s", out);
    char *after = csv_without_seconds(cmp);
    CHECK(before && after && strcmp(before, after) == 0,
          "the retrained run should give the same values:\n%s\nthen\n%s", before, after);
    free(before);
    free(after);
    check_results(cmp, ACTS, 2, SEEDS, 0);
}

/* from/name copied to to/name; 0 or -1. */
static int copy_file(const char *from, const char *to, const char *name)
{
    char *body = files_read_in(from, name), p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/%s", to, name);
    int rc = CHECK(body && files_write(p, body, strlen(body)) == 0, "copy %s/%s to %s",
                   from, name, p)
                 ? 0
                 : -1;
    free(body);
    return rc;
}

/* What a repository keeps of a compare (compare.json, and each run's
 * summary.json and metrics.json, no checkpoint) is reported again as it
 * was, training nothing; a run missing there is trained again alone. */
static void test_kept_without_checkpoints(void)
{
    char kept[PATH_MAX], from[PATH_MAX + 64], to[PATH_MAX + 64];
    snprintf(kept, sizeof kept, "%s/kept", dir);
    snprintf(to, sizeof to, "%s/runs", kept);
    if (!CHECK(mkdir(kept, 0777) == 0 && mkdir(to, 0777) == 0, "mkdir %s", to) ||
        copy_file(cmp, kept, "compare.json"))
        return;
    for (int a = 0; a < 2; a++)
        for (int s = 1; s <= SEEDS; s++) {
            snprintf(from, sizeof from, "%s/runs/%s-s%d", cmp, ACTS[a], s);
            snprintf(to, sizeof to, "%s/runs/%s-s%d", kept, ACTS[a], s);
            if (!CHECK(mkdir(to, 0777) == 0, "mkdir %s", to) ||
                copy_file(from, to, "summary.json") ||
                copy_file(from, to, "metrics.json"))
                return;
        }
    if (!compare_in(kept, 0, "all 4 runs are done already: nothing to train", NULL, NULL))
        return;
    CHECK(strstr(out, "training") == NULL, "kept runs should train nothing:\n%s", out);
    char *want = files_read_in(cmp, "results.csv"),
         *got = files_read_in(kept, "results.csv");
    CHECK(want && got && strcmp(want, got) == 0,
          "results.csv from the kept files differs:\n%s\nthen\n%s", want, got);
    free(got);
    check_results(kept, ACTS, 2, SEEDS, 0);
    /* a kept run that lost its metrics.json counts as new and is retrained
     * to the same values (with a checkpoint, this time) */
    snprintf(to, sizeof to, "%s/runs/relu-s2/metrics.json", kept);
    CHECK(remove(to) == 0, "remove %s", to);
    if (compare_in(kept, 0, "3 runs are done, 0 to resume, 1 to start", NULL, NULL)) {
        char *w = csv_without_seconds(cmp), *g = csv_without_seconds(kept);
        CHECK(w && g && strcmp(w, g) == 0,
              "the run trained again in the kept compare differs:\n%s\nthen\n%s", w, g);
        free(w);
        free(g);
    }
    free(want);
}

/* A run that diverged is listed as such and left out of the statistics. */
static void test_diverged(void)
{
    char o[PATH_MAX + 64];
    snprintf(o, sizeof o, "%s/runs/relu-s2", cmp);
    const char *train[] = {"train", "--model", "mlp",  "--act",   "relu", "--seed",
                           "2",     "--lr",    "1e30", "--batch", "16",   "--data",
                           img,     "--out",   o,      "--quiet", NULL};
    char cmd[PATH_MAX + 80];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", o);
    if (!CHECK(system(cmd) == 0, "%s failed", cmd) ||
        !expect(1, "training loss became", train))
        return;
    if (!compare(0, "nothing to train", NULL, NULL))
        return;
    CHECK(strstr(out, "(diverged runs left out)") != NULL, "the table:\n%s", out);
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/results.csv", cmp);
    size_t len;
    char *csv = slurp(p, &len);
    CHECK(csv && strstr(csv, "\nrelu,2,,,") && strstr(csv, ",diverged\n"),
          "%s should list relu seed 2 as diverged:\n%s", p, csv ? csv : "");
    free(csv);
    snprintf(p, sizeof p, "%s/results.json", cmp);
    nn_json *j = read_json(p);
    const nn_json *aggs = j ? nn_json_get(j, "activations") : NULL;
    if (CHECK(aggs && aggs->type == NN_JSON_ARRAY && aggs->len == 2, "%s", p)) {
        run_values v = {NAN, NAN, NAN};
        summary_values(cmp, "relu", 1, "test_acc", "test_loss", &v);
        const nn_json *relu = &aggs->items[0];
        CHECK(num(relu, "n") == 1 && num(relu, "diverged") == 1 &&
                  close_to(num(relu, "mean"), v.metric) && isnan(num(relu, "std")),
              "%s: relu should have n 1, 1 diverged, the mean of seed 1 (%.10g) and "
              "no std",
              p, v.metric);
    }
    nn_json_free(j);
    snprintf(p, sizeof p, "%s/results.md", cmp);
    char *md = slurp(p, &len);
    CHECK(md && strstr(md, "| 1 (1 diverged) |"), "%s:\n%s", p, md ? md : "");
    free(md);
}

static void test_gpt(void)
{
    char o[PATH_MAX];
    snprintf(o, sizeof o, "%s/gpt", dir);
    const char *args[] = {"compare",   "--preset", "gpt",     "--acts", "relu,golu",
                          "--seeds",   "1",        "--steps", "2",      "--batch",
                          "2",         "--data",   text,      "--out",  o,
                          "--threads", "1",        NULL};
    if (expect(0, "val ppl", args)) {
        check_results(o, ACTS, 2, 1, 1);
        CHECK(strstr(out, "validation perplexity (lower is better)") != NULL,
              "the gpt table:\n%s", out);
    }
}

/* ------------------------------------------------------------- depths --- */

/* The depth ablation of the mlp preset at depths 1 and 3. */
static void test_depths(void)
{
    char dep[PATH_MAX], p[PATH_MAX + 64];
    snprintf(dep, sizeof dep, "%s/dep", dir);
    const char *args[] = {"compare", "--preset",  "mlp",       "--depths", "1,3",
                          "--acts",  "relu,golu", "--seeds",   "2",        "--epochs",
                          "1",       "--batch",   "16",        "--data",   img,
                          "--out",   dep,         "--threads", "1",        "--stop-after",
                          "2",       NULL};
    expect(3, "the depth ablation stopped at depth 1", args);
    args[19] = NULL; /* without --stop-after */
    if (!expect(0, "the depth ablation (test accuracy by depth and activation)", args))
        return;
    expect(0, "all 4 runs are done already", args);
    snprintf(p, sizeof p, "%s/depth-3/compare.json", dep);
    nn_json *cj = read_json(p);
    CHECK(cj && num(cj, "depth") == 3, "%s records depth 3", p);
    nn_json_free(cj);
    snprintf(p, sizeof p, "%s/depths.csv", dep);
    size_t len;
    char *csv = slurp(p, &len);
    if (!CHECK(csv != NULL, "%s is missing", p))
        return;
    const char *header = "depth,act,n,diverged,test_acc_mean,test_acc_std,test_acc_min,"
                         "test_acc_max,rank\n";
    CHECK(strncmp(csv, header, strlen(header)) == 0, "%s: header %.80s", p, csv);
    int rows = 0;
    for (char *line = strchr(csv, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        int depth, n, diverged, rank;
        char act[32];
        double m, sd, lo, hi;
        if (!CHECK(sscanf(line + 1, "%d,%31[^,],%d,%d,%lf,%lf,%lf,%lf,%d", &depth, act,
                          &n, &diverged, &m, &sd, &lo, &hi, &rank) == 9,
                   "%s: bad row %.80s", p, line + 1))
            break;
        CHECK(depth == (rows < 2 ? 1 : 3) && strcmp(act, ACTS[rows % 2]) == 0 && n == 2 &&
                  diverged == 0 && rank >= 1 && rank <= 2,
              "%s: row %d: depth %d %s n %d", p, rows, depth, act, n);
        char sub[PATH_MAX + 32];
        snprintf(sub, sizeof sub, "%s/depth-%d", dep, depth);
        stats want = expected_stats(sub, act, SEEDS, "test_acc", "test_loss");
        CHECK(close_to(m, want.mean) && close_to(sd, want.std) &&
                  close_to(lo, want.min) && close_to(hi, want.max),
              "%s: depth %d %s: %g %g %g %g, want %g %g %g %g", p, depth, act, m, sd, lo,
              hi, want.mean, want.std, want.min, want.max);
        rows++;
    }
    CHECK_EQ_INT(rows, 4);
    free(csv);
    snprintf(p, sizeof p, "%s/depths.md", dep);
    char *md = slurp(p, &len);
    CHECK(md && strstr(md, "| depth | act |") && strstr(md, "| 3 | golu | 2 | 0 |"),
          "%s: the Markdown table", p);
    free(md);
    snprintf(p, sizeof p, "%s/depths.json", dep);
    nn_json *j = read_json(p);
    const nn_json *r = j ? nn_json_get(j, "rows") : NULL;
    CHECK(r && r->type == NN_JSON_ARRAY && r->len == 4 && num(&r->items[3], "depth") == 3,
          "%s: 4 rows", p);
    nn_json_free(j);
}

/* ------------------------------------------------------------- errors --- */

/* args + "--out <dir>/<name>" exits 2 saying `say`, and trains nothing. */
static void refused(const char *name, const char *say, const char *const *args)
{
    const char *argv[40];
    int n = 0;
    char o[PATH_MAX];
    snprintf(o, sizeof o, "%s/%s", dir, name);
    for (int i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n++] = "--out";
    argv[n++] = o;
    argv[n] = NULL;
    expect(2, say, argv);
    CHECK(access(o, F_OK) != 0, "%s exists: a refused compare should create nothing", o);
}

static void test_errors(void)
{
    char nodata[PATH_MAX];
    snprintf(nodata, sizeof nodata, "%s/no-such-data", dir);
    const char *preset[] = {"compare", "--preset", "cnn", NULL};
    refused("e1", "unknown preset 'cnn'", preset);
    const char *act[] = {"compare",  "--preset", "quick", "--acts",
                         "relu,foo", "--data",   img,     NULL};
    refused("e2", "unknown activation 'foo'", act);
    const char *dup[] = {"compare",         "--preset", "quick", "--acts",
                         "silu,relu,swish", "--data",   img,     NULL};
    refused("e3", "'swish' is given twice", dup);
    const char *seeds[] = {"compare", "--seeds", "0", "--preset", "quick", NULL};
    refused("e4", "--seeds: 0 is out of range", seeds);
    const char *data[] = {"compare", "--preset", "quick", "--data", nodata, NULL};
    refused("e5", nodata, data);
    const char *lr[] = {"compare", "--preset", "quick", "--lr", "0.1", NULL};
    refused("e6", "unknown option '--lr'", lr);
    const char *steps[] = {"compare", "--preset", "quick", "--steps", "10", NULL};
    refused("e7", "--steps: the quick preset", steps);
    const char *none[] = {"compare", "--acts", "relu", NULL};
    refused("e8", "--preset: required", none);
    const char *d0[] = {"compare", "--preset", "mlp", "--depths", "1,0", NULL};
    refused("e9", "--depths: 0 is out of range", d0);
    const char *d2[] = {"compare", "--preset", "mlp", "--depths", "2,3,2", NULL};
    refused("e10", "--depths: 2 is given twice", d2);
    const char *dr[] = {"compare", "--preset", "resnet", "--depths", "20,21", NULL};
    refused("e11", "--depths: 21: the resnet model refuses it", dr);
    /* the same DIR with another configuration */
    compare(2, "seeds is 2 there, 3 in this command", "--seeds", "3");
    compare(2, "acts is relu,golu there, relu,gelu in this command", "--acts",
            "relu,gelu");
    CHECK(!exists("runs/relu-s3") && !exists("runs/gelu-s1"),
          "a refused configuration should train nothing");
    const char *help[] = {"compare", "--help", NULL};
    expect(0, "--preset NAME", help);
}

int main(int argc, char **argv)
{
    (void)argc;
    TEST_BEGIN("compare");
    find_tool(argv[0]);
    if (files_tmpdir_make(dir, sizeof dir, "golu-compare-"))
        return TEST_END();
    if (!CHECK(tinydata_make(dir) == 0, "cannot write the test data in %s", dir))
        return TEST_END();
    snprintf(img, sizeof img, "%s/img", dir);
    snprintf(text, sizeof text, "%s/text.txt", dir);
    snprintf(cmp, sizeof cmp, "%s/cmp", dir);
    test_stop_and_continue();
    test_rerun();
    test_pick_up();
    test_kept_without_checkpoints();
    test_diverged();
    test_gpt();
    test_depths();
    test_errors();
    files_tmpdir_done(dir);
    return TEST_END();
}
