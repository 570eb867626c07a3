/*
 * test_cli.c - the golu command as a user meets it: exit statuses and the
 * words of its messages.
 *
 *   - bad usage exits 2 and names the problem: an unknown command or
 *     option, a bad value (activation, size, range, ...), flags that do
 *     not go together (--gpu with --threads or --isa, --device without
 *     --gpu), checked before any work and before looking for a GPU;
 *   - --help, --version, info and two tiny runs (ulp, bench) exit 0;
 *   - what info, ulp and bench print with --json is one JSON document
 *     (read back with jansson) holding the values and types it should;
 *   - the GPU modes: without a GPU, or in a build without CUDA, `golu
 *     bench --gpu` and `golu ulp --gpu` exit 1 with a message that says so
 *     (never a crash); with a GPU they run briefly and the GPU's bits match
 *     the CPU library's.
 *
 * The tool is $GOLU_TOOL, else BUILD/golu for this program's BUILD/tests/tool/.
 * Each run is a child process with a 120 s alarm: a hang or a crash is a
 * failed check, not a stuck suite.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "golu.h"
#include "harness.h"

#include "toolrun.h"

static char out[OUT_CAP];

/* `golu args...` exits `status` and its output contains `text` (NULL: any
 * output). Returns 1 if both held. */
static int expect(int status, const char *say, const char *const *args)
{
    return tool_expect(status, say, args, out);
}

#define EXPECT(status, text, ...)                                                        \
    expect(status, text, (const char *const[]){__VA_ARGS__, NULL})

/* Bad usage: exit 2, the message names what was wrong. */
static void test_usage(void)
{
    expect(2, "usage: golu <command>", (const char *const[]){NULL});
    EXPECT(2, "unknown command 'frobnicate'", "frobnicate");
    EXPECT(2, "unknown option '--frobnicate'", "--frobnicate");
    EXPECT(2, "unknown command 'frobnicate'", "help", "frobnicate");
    EXPECT(2, "--frobnicate: unknown option", "info", "--frobnicate");

    EXPECT(2, "--frobnicate: unknown option", "bench", "--frobnicate");
    EXPECT(2, "'extra': unexpected argument", "bench", "extra");
    EXPECT(2, "unknown activation 'nope'", "bench", "--act", "golu,nope");
    EXPECT(2, "unknown dtype 'f8'", "bench", "--dtype", "f8");
    EXPECT(2, "unknown direction 'up'", "bench", "--dir", "up");
    EXPECT(2, "unknown suffix", "bench", "--sizes", "12Q");
    EXPECT(2, "is not a size", "bench", "--sizes", "-5");
    EXPECT(2, "between 1 and 16Gi", "bench", "--sizes", "0");
    EXPECT(2, "empty item", "bench", "--sizes", "4Ki,,1Mi");
    EXPECT(2, "--sizes: needs a value", "bench", "--sizes");
    EXPECT(2, "unknown distribution 'cauchy'", "bench", "--dist", "cauchy");
    EXPECT(2, "out of range", "bench", "--min-time", "0");
    EXPECT(2, "out of range", "bench", "--threads", "0");
    EXPECT(2, "unknown ISA 'sse9'", "bench", "--isa", "sse9");

    EXPECT(2, "--act: required", "ulp");
    EXPECT(2, "unknown activation 'gelu2'", "ulp", "--act", "gelu2");
    EXPECT(2, "unknown direction 'sideways'", "ulp", "--act", "golu", "--dir",
           "sideways");
    EXPECT(2, "is not LO:HI", "ulp", "--act", "golu", "--range", "1");
    EXPECT(2, "LO must not exceed HI", "ulp", "--act", "golu", "--range", "5:1");
    EXPECT(2, "--samples: only for --dtype f64", "ulp", "--act", "golu", "--samples",
           "10");
    EXPECT(2, "relu has no parameters", "ulp", "--act", "relu", "--alpha", "2");
    EXPECT(2, "must be finite and > 0", "ulp", "--act", "golu", "--beta", "-1");
    EXPECT(2, "not a number", "ulp", "--act", "golu", "--max-ulp", "one");

    /* Each command's words for an argument it does not take, "-" included,
     * and --help in place: after an earlier error, before a later one. */
    EXPECT(2, "golu info: extra: unknown option (see golu info --help)", "info", "extra");
    EXPECT(2, "golu ulp: 'extra': unexpected argument (see golu ulp --help)", "ulp",
           "--act", "golu", "extra");
    EXPECT(2, "golu bench: -: unknown option (see golu bench --help)", "bench", "-");
    EXPECT(2, "golu variance: unknown option 'extra' (see golu variance --help)",
           "variance", "extra");
    EXPECT(2, "golu plot: unknown option '--json' (see golu plot --help)", "plot",
           "--json");
    EXPECT(2, "golu ulp: --bogus: unknown option", "ulp", "--bogus", "--help");
    EXPECT(0, "usage: golu ulp", "ulp", "--help", "--bogus");
    EXPECT(2, "golu info: --json=1: unknown option", "info", "--json=1");
    EXPECT(2, "--seed: -1 is out of range [0, 9223372036854775807]", "ulp", "--act",
           "golu", "--dtype", "f64", "--seed", "-1");
    EXPECT(2, "--images: 65 is out of range [1, 64]", "variance", "--images", "65");
}

/* The options part of each --help comes from the command's table: a few
 * lines, word for word (a row for three flags, a list made at run time). */
static void test_help(void)
{
    EXPECT(0, "\n  --json    one JSON object instead of text\n", "info", "--help");
    EXPECT(
        0,
        "\n  --alpha A --beta B --gamma G   activation parameters (GoLU: alpha, beta,\n"
        "                    gamma > 0; LeakyReLU/PReLU: alpha; ELU: alpha >= 0)\n",
        "ulp", "--help");
    EXPECT(0, "\n  --act NAME        golu, relu,", "ulp", "--help");
    EXPECT(0,
           "\n  --act LIST        activations, or 'all' (default: all)\n"
           "                    golu,relu,",
           "bench", "--help");
    EXPECT(
        0,
        "\n  --images N     images shown one by one (default 4, as the paper; <= 64)\n",
        "variance", "--help");
    EXPECT(0,
           "\n  --weights DIR  a golu compare output directory\n\nExit status:", "plot",
           "--help");
}

/* The GPU flags' rules hold whether or not there is a GPU: exit 2, before
 * anything looks for one. */
static void test_gpu_usage(void)
{
    EXPECT(2, "--threads: does not apply with --gpu", "bench", "--gpu", "--threads", "2");
    EXPECT(2, "--threads: does not apply with --gpu", "bench", "--threads", "1", "--gpu");
    EXPECT(2, "--isa: does not apply with --gpu", "bench", "--gpu", "--isa", "scalar");
    EXPECT(2, "--device: only with --gpu", "bench", "--device", "0");
    EXPECT(2, "--device: -1 is out of range", "bench", "--gpu", "--device", "-1");
    EXPECT(2, "unknown activation 'nope'", "bench", "--gpu", "--act", "nope");
    EXPECT(2, "--act: required", "ulp", "--gpu");
    EXPECT(2, "--isa: does not apply with --gpu", "ulp", "--gpu", "--act", "golu",
           "--isa", "scalar");
    EXPECT(2, "--device: only with --gpu", "ulp", "--act", "golu", "--device", "0");
    EXPECT(2, "'cpu' is for --gpu", "ulp", "--act", "golu", "--identical-to", "cpu");
    EXPECT(2, "LO must not exceed HI", "ulp", "--gpu", "--act", "golu", "--range", "5:1");
    EXPECT(2, "no bf16 value lies in", "ulp", "--gpu", "--act", "golu", "--dtype", "bf16",
           "--range", "1e39:2e39");
}

/* Things that work, briefly. */
static void test_runs(void)
{
    EXPECT(0, "golu ", "--version");
    EXPECT(0, "commands:", "--help");
    EXPECT(0, "--gpu", "help", "bench");
    EXPECT(0, "--device", "bench", "--help");
    EXPECT(0, "--identical-to", "ulp", "--help");
    EXPECT(0, "ISAs:", "info");
    EXPECT(0, "\"gpus\": [", "info", "--json");
    EXPECT(0, "max error     0 ulp", "ulp", "--act", "relu", "--range", "1:1.001",
           "--max-ulp", "0", "--threads", "1");
    /* the backward's strict measure (ulps of f' itself) beside the relaxed one */
    EXPECT(0, "strict max    ", "ulp", "--act", "golu", "--dir", "bwd", "--range",
           "-0.5672:-0.5671", "--max-strict-ulp", "1", "--threads", "1");
    EXPECT(0, "\"strict_over_1_ulp\": 0", "ulp", "--act", "silu", "--dir", "bwd",
           "--range", "-1.2785:-1.2784", "--max-strict-ulp", "1", "--threads", "1",
           "--json");
    EXPECT(2, "must be a number >= 0", "ulp", "--act", "golu", "--max-strict-ulp", "-1");
    EXPECT(1, "strict max error above --max-strict-ulp 0", "ulp", "--act", "golu",
           "--dir", "bwd", "--range", "-0.5672:-0.5671", "--max-strict-ulp", "0",
           "--threads", "1");
    EXPECT(0, "strict > 1    0", "ulp", "--act", "mish", "--dir", "bwd", "--dtype", "f64",
           "--near-zero", "--samples", "3000", "--max-strict-ulp", "1", "--threads", "1");
    EXPECT(2, "the derivative of relu has no zero", "ulp", "--act", "relu", "--dtype",
           "f64", "--near-zero");
    EXPECT(2, "--near-zero: only for --dtype f64", "ulp", "--act", "golu", "--near-zero");
    /* JSON has no infinity: an infinite bound of --range is null. */
    EXPECT(0, "\"range\": [0, null]", "ulp", "--act", "golu", "--dtype", "f16", "--range",
           "0:inf", "--threads", "1", "--json");
    EXPECT(0, "\"rows\": [", "bench", "--act", "relu", "--dir", "fwd", "--sizes", "4Ki",
           "--threads", "1", "--min-time", "0.01", "--json");
}

/* `golu args...` exits 0 and prints one JSON document: it, or NULL after a
 * failed check. */
static json_t *run_json(const char *const *args)
{
    int sig;
    int rc = run(args, out, &sig);
    if (!CHECK(rc == 0, "golu %s ... exited %d:\n%s", args[0], rc, out))
        return NULL;
    json_error_t e;
    json_t *v = json_loads(out, 0, &e);
    CHECK(v != NULL, "golu %s ... printed no JSON document (%s, line %d):\n%s", args[0],
          e.text, e.line, out);
    return v;
}

/* The member key of o when it has type t, else NULL (a failed check). */
static json_t *member(const json_t *o, const char *key, json_type t)
{
    json_t *v = json_object_get(o, key);
    CHECK(v && json_typeof(v) == t, "JSON: \"%s\" missing or of type %d, want %d", key,
          v ? (int)json_typeof(v) : -1, (int)t);
    return v && json_typeof(v) == t ? v : NULL;
}

static void test_info_json(void)
{
    json_t *d = run_json((const char *const[]){"info", "--json", NULL});
    if (!d)
        return;
    json_t *v = member(d, "version", JSON_STRING),
           *n = member(d, "cpu_count", JSON_INTEGER);
    CHECK(v && strcmp(json_string_value(v), GOLU_VERSION_STRING) == 0, "info: version");
    CHECK(n && json_integer_value(n) == golu_cpu_count(), "info: cpu_count");
    json_t *isas = member(d, "isas", JSON_ARRAY);
    CHECK(isas && json_array_size(isas) >= 1 && json_is_string(json_array_get(isas, 0)) &&
              strcmp(json_string_value(json_array_get(isas, 0)), "scalar") == 0,
          "info: isas should start with scalar");
    member(d, "golu_isa_env_ok", JSON_TRUE);
    member(d, "gpus", JSON_ARRAY);
    json_decref(d);
}

/* ulp --json on [1, 1.001] for ReLU: every float there (1 + k 2^-23 up to
 * 0.001 * 2^23 = 8388.6, so 8389 of them), all exact. */
static void test_ulp_json(void)
{
    json_t *d = run_json((const char *const[]){
        "ulp", "--act", "relu", "--range", "1:1.001", "--threads", "1", "--json", NULL});
    if (!d)
        return;
    json_t *checked = member(d, "checked", JSON_INTEGER),
           *max = member(d, "max_ulp", JSON_INTEGER),
           *range = member(d, "range", JSON_ARRAY);
    CHECK(checked && json_integer_value(checked) == 8389, "ulp: checked %lld, want 8389",
          checked ? (long long)json_integer_value(checked) : -1LL);
    CHECK(max && json_integer_value(max) == 0, "ulp: max_ulp should be the integer 0");
    CHECK(range && json_array_size(range) == 2 &&
              json_number_value(json_array_get(range, 0)) == 1.0 &&
              json_number_value(json_array_get(range, 1)) == 1.001,
          "ulp: range should be [1, 1.001]");
    json_t *at = member(d, "max_at", JSON_OBJECT);
    json_t *x = at ? member(at, "x", JSON_STRING) : NULL;
    CHECK(x && strtod(json_string_value(x), NULL) >= 1.0, "ulp: max_at.x");
    member(d, "pass", JSON_TRUE);
    member(d, "act", JSON_STRING);
    json_decref(d);
}

/* bench --json: the machine, and one row per (act, dir, size, threads). */
static void test_bench_json(void)
{
    json_t *d = run_json((const char *const[]){"bench", "--act", "relu,golu", "--dir",
                                               "fwd", "--sizes", "4Ki", "--threads", "1",
                                               "--min-time", "0.01", "--json", NULL});
    if (!d)
        return;
    json_t *m = member(d, "machine", JSON_OBJECT), *rows = member(d, "rows", JSON_ARRAY);
    json_t *threads = m ? member(m, "threads", JSON_ARRAY) : NULL;
    CHECK(threads && json_array_size(threads) == 1 &&
              json_integer_value(json_array_get(threads, 0)) == 1,
          "bench: machine.threads should be [1]");
    if (CHECK(rows && json_array_size(rows) == 2, "bench: want 2 rows")) {
        for (size_t i = 0; i < 2; i++) {
            json_t *r = json_array_get(rows, i);
            json_t *act = member(r, "act", JSON_STRING),
                   *n = member(r, "n", JSON_INTEGER),
                   *bytes = member(r, "bytes", JSON_INTEGER),
                   *t = member(r, "threads", JSON_INTEGER);
            CHECK(act && strcmp(json_string_value(act), i ? "golu" : "relu") == 0,
                  "bench: row %zu's act", i);
            CHECK(n && json_integer_value(n) == 4096 && bytes &&
                      json_integer_value(bytes) == 2 * 4096 * 4 && t &&
                      json_integer_value(t) == 1,
                  "bench: row %zu: n 4096, bytes 32768, threads 1", i);
            json_t *vs = json_object_get(r, "vs_memcpy");
            CHECK(json_is_number(vs) && json_number_value(vs) > 0,
                  "bench: row %zu's vs_memcpy", i);
        }
    }
    json_decref(d);
}

/* --gpu: a clean refusal without a GPU, a short real run with one. */
static void test_gpu(void)
{
    int sig;
    const char *const info[] = {"info", "--json", NULL};
    if (!CHECK(run(info, out, &sig) == 0, "golu info --json failed:\n%s", out))
        return;
    int no_cuda = strstr(out, "no CUDA support") != NULL;
    int no_gpu = strstr(out, "\"gpus\": []") != NULL;
    if (no_cuda || no_gpu) {
        const char *why =
            no_cuda ? "this build has no CUDA support" : "no GPU is present";
        EXPECT(1, why, "bench", "--gpu");
        EXPECT(1, why, "bench", "--gpu", "--act", "golu", "--sizes", "4Ki", "--json");
        EXPECT(1, why, "bench", "--gpu", "--device", "3");
        EXPECT(1, why, "ulp", "--gpu", "--act", "golu");
        EXPECT(1, why, "ulp", "--gpu", "--act", "golu", "--dtype", "bf16",
               "--identical-to", "cpu");
        EXPECT(1, why, "ulp", "--gpu", "--act", "golu", "--dtype", "f64", "--samples",
               "100");
        SKIP("the GPU modes' runs: %s (only their refusal was checked)", why);
        return;
    }
    EXPECT(2, "there is no GPU 1000", "bench", "--gpu", "--device", "1000");
    EXPECT(0, "\"vs_memcpy\"", "bench", "--gpu", "--act", "golu", "--dir", "fwd,bwd",
           "--dtype", "f32", "--sizes", "64Ki", "--min-time", "0.01", "--json");
    EXPECT(0, "identical to  the CPU's", "ulp", "--gpu", "--act", "golu", "--range",
           "-5:-4.99", "--identical-to", "cpu", "--max-ulp", "1");
    EXPECT(0, "0 inputs differ", "ulp", "--gpu", "--act", "golu", "--dir", "bwd",
           "--range", "-1:-0.99", "--identical-to", "cpu", "--max-ulp", "1");
    EXPECT(0, "0 inputs differ", "ulp", "--gpu", "--act", "golu", "--dtype", "bf16",
           "--identical-to", "cpu");
    EXPECT(0, "0 inputs differ", "ulp", "--gpu", "--act", "silu", "--dtype", "f64",
           "--samples", "2000", "--identical-to", "cpu", "--max-ulp", "1");
}

int main(int argc, char **argv)
{
    (void)argc;
    TEST_BEGIN("test_cli");
    signal(SIGPIPE, SIG_IGN);
    find_tool(argv[0]);
    if (!CHECK(access(tool, X_OK) == 0,
               "the golu tool is not at %s (build it, or set GOLU_TOOL)", tool))
        return TEST_END();
    test_usage();
    test_help();
    test_gpu_usage();
    test_runs();
    test_info_json();
    test_ulp_json();
    test_bench_json();
    test_gpu();
    return TEST_END();
}
