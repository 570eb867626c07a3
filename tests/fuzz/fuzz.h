/*
 * fuzz.h - what the libFuzzer harnesses of tests/fuzz/ share: the input
 * written to a file of this process (the readers take paths), and the
 * entry point's name.
 *
 * Each fuzz_<reader>.c defines FUZZ_FN(data, size), which is
 * LLVMFuzzerTestOneInput when built alone for libFuzzer (make fuzz) and
 * fuzz_<reader> when test_fuzz_replay.c includes them all to replay the
 * saved corpora and crashes with a plain main(). A harness returns 0 and
 * calls fuzz_fail() (which aborts: a crash, for libFuzzer and the replay
 * alike) when an invariant breaks.
 */
#ifndef GOLU_FUZZ_H
#define GOLU_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef FUZZ_FN
#define FUZZ_FN LLVMFuzzerTestOneInput
#endif

/* A path of this process for file `tag` under $TMPDIR (or /tmp). */
static inline void fuzz_path(char *buf, size_t size, const char *tag)
{
    const char *t = getenv("TMPDIR");
    snprintf(buf, size, "%s/golu-fuzz-%ld-%s", t && *t ? t : "/tmp", (long)getpid(), tag);
}

/* Writes the n bytes at p to path; 0, or -1. */
static inline int fuzz_write(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(p, 1, n, f) == n;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* An invariant broke: says which, and crashes. */
static inline void fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz invariant broken: %s\n", what);
    abort();
}

#endif
