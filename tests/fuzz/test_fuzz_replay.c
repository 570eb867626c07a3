/*
 * test_fuzz_replay.c - every libFuzzer harness of tests/fuzz/ replayed on
 * its saved corpus (tests/fuzz/corpus/<reader>/) and on every crash found
 * so far (tests/fuzz/crashes/<reader>/), with a plain main(): part of the
 * suite, so under ASan+UBSan in the sanitizer run, with or without
 * libFuzzer. A crash or a broken invariant aborts this program (a failure).
 * `make fuzz SECONDS=N` fuzzes each harness for N seconds.
 */
#include <dirent.h>

#include "harness.h"

#define FUZZ_FN fuzz_json
#include "fuzz_json.c"
#undef FUZZ_FN
#define FUZZ_FN fuzz_safetensors
#include "fuzz_safetensors.c"
#undef FUZZ_FN
#define FUZZ_FN fuzz_checkpoint
#include "fuzz_checkpoint.c"
#undef FUZZ_FN
#define FUZZ_FN fuzz_idx
#include "fuzz_idx.c"
#undef FUZZ_FN
#define FUZZ_FN fuzz_cifar
#include "fuzz_cifar.c"
#undef FUZZ_FN
#define FUZZ_FN fuzz_text
#include "fuzz_text.c"
#undef FUZZ_FN

static const struct {
    const char *name;
    int (*fn)(const uint8_t *, size_t);
} harnesses[] = {{"json", fuzz_json},
                 {"safetensors", fuzz_safetensors},
                 {"checkpoint", fuzz_checkpoint},
                 {"idx", fuzz_idx},
                 {"cifar", fuzz_cifar},
                 {"text", fuzz_text}};

/* Runs fn on every file of dir; the number of files (0 for no dir). */
static int replay_dir(const char *dir, int (*fn)(const uint8_t *, size_t))
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        static uint8_t buf[1 << 20];
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        fn(buf, len);
        n++;
    }
    closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    (void)argc, (void)argv;
    TEST_BEGIN("test_fuzz_replay");
    for (size_t i = 0; i < sizeof harnesses / sizeof *harnesses; i++) {
        char dir[256];
        snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", harnesses[i].name);
        int seeds = replay_dir(dir, harnesses[i].fn);
        CHECK(seeds > 0, "%s: no seed inputs in %s (run from the repository root)",
              harnesses[i].name, dir);
        snprintf(dir, sizeof dir, "tests/fuzz/crashes/%s", harnesses[i].name);
        int crashes = replay_dir(dir, harnesses[i].fn);
        CHECK(1, "%s: %d seeds, %d past crashes replayed", harnesses[i].name, seeds,
              crashes);
        printf("%s: %d seeds, %d past crashes replayed\n", harnesses[i].name, seeds,
               crashes);
        /* the empty input too */
        harnesses[i].fn((const uint8_t *)"", 0);
    }
    return TEST_END();
}
