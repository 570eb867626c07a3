/*
 * test_cli.c - the golu command as a user meets it: exit statuses and the
 * words of its messages.
 *
 *   - bad usage exits 2 and names the problem: an unknown command or
 *     option, a bad value (activation, size, range, ...), flags that do
 *     not go together (--gpu with --threads or --isa, --device without
 *     --gpu), checked before any work and before looking for a GPU;
 *   - --help, --version, info and two tiny runs (ulp, bench) exit 0;
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
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
    /* JSON has no infinity: an infinite bound of --range is null. */
    EXPECT(0, "\"range\": [0, null]", "ulp", "--act", "golu", "--dtype", "f16", "--range",
           "0:inf", "--threads", "1", "--json");
    EXPECT(0, "\"rows\": [", "bench", "--act", "relu", "--dir", "fwd", "--sizes", "4Ki",
           "--threads", "1", "--min-time", "0.01", "--json");
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
    test_gpu_usage();
    test_runs();
    test_gpu();
    return TEST_END();
}
