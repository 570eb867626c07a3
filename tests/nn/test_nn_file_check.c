/*
 * test_nn_file_check.c - the checks before a read (src/nn/io/file_check.h):
 *   - a FIFO, a character device, a directory where a file is expected (and
 *     a file where a directory is) are refused, naming the path and what it
 *     is, without opening (a FIFO would block);
 *   - a file over the limit is refused, one at it passes, its size given;
 *   - the machine's memory is a plausible figure;
 *   - UTF-8: valid sequences of 1 to 4 bytes pass; bytes that are not UTF-8,
 *     overlong forms, surrogates, code points past U+10FFFF and a cut-short
 *     sequence are refused, naming the flag and the byte's offset;
 *   - the readers use the checks: safetensors, IDX and text loaders refuse
 *     a FIFO at once.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data.h"
#include "files.h"
#include "harness.h"
#include "io/file_check.h"
#include "safetensors.h"

static char dir[PATH_MAX - 64];

static void test_kinds(void)
{
    char fifo[PATH_MAX], file[PATH_MAX];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    snprintf(file, sizeof file, "%s/file", dir);
    nn_err err = {""};
    uint64_t size = 0;
    if (!CHECK(mkfifo(fifo, 0666) == 0, "mkfifo %s", fifo))
        return;
    CHECK(nn_path_check(fifo, NN_PATH_FILE, 0, NULL, &err) == -1 &&
              strstr(err.msg, fifo) && strstr(err.msg, "FIFO"),
          "a FIFO: %s", err.msg);
    CHECK(nn_path_check("/dev/null", NN_PATH_FILE, 0, NULL, &err) == -1 &&
              strstr(err.msg, "character device"),
          "/dev/null: %s", err.msg);
    CHECK(nn_path_check(dir, NN_PATH_FILE, 0, NULL, &err) == -1 &&
              strstr(err.msg, "a directory, not a regular file"),
          "a directory as a file: %s", err.msg);
    CHECK(nn_path_check(dir, NN_PATH_DIR, 0, NULL, &err) == 0, "a directory: %s",
          err.msg);
    files_write(file, "0123456789", 10);
    CHECK(nn_path_check(file, NN_PATH_DIR, 0, NULL, &err) == -1 &&
              strstr(err.msg, "not a directory"),
          "a file as a directory: %s", err.msg);
    CHECK(nn_path_check(file, NN_PATH_FILE, 10, &size, &err) == 0 && size == 10,
          "a 10-byte file at a limit of 10: %s (size %llu)", err.msg,
          (unsigned long long)size);
    CHECK(nn_path_check(file, NN_PATH_FILE, 9, NULL, &err) == -1 &&
              strstr(err.msg, "limit"),
          "a 10-byte file over a limit of 9: %s", err.msg);
    CHECK(nn_path_check("/nonexistent/x", NN_PATH_FILE, 0, NULL, &err) == -1 &&
              strstr(err.msg, "/nonexistent/x: cannot open"),
          "a missing file: %s", err.msg);
    int fd = open(fifo, O_RDONLY | O_NONBLOCK);
    CHECK(fd >= 0 && nn_fd_check(fd, fifo, NN_PATH_FILE, 0, NULL, &err) == -1 &&
              strstr(err.msg, "FIFO"),
          "an open FIFO: %s", err.msg);
    if (fd >= 0)
        close(fd);
    /* the readers: each refuses the FIFO (and returns: none blocks) */
    nn_st_file *st = NULL;
    CHECK(nn_st_open(&st, fifo, &err) == -1 && strstr(err.msg, "FIFO"), "safetensors: %s",
          err.msg);
    nn_text t;
    CHECK(nn_text_load(&t, fifo, 0.1, 4, &err) == -1 && strstr(err.msg, "FIFO"),
          "text: %s", err.msg);
    nn_images im;
    CHECK(nn_idx_load(&im, fifo, file, &err) == -1 && strstr(err.msg, "FIFO"), "idx: %s",
          err.msg);
}

static void test_memory(void)
{
    uint64_t m = nn_mem_available();
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    uint64_t phys = (uint64_t)pages * (uint64_t)page;
    CHECK(m >= (1u << 20) && m <= phys, "available memory %llu, physical %llu",
          (unsigned long long)m, (unsigned long long)phys);
}

static void test_utf8(void)
{
    static const char *const GOOD[] = {"",
                                       "/tmp/data",
                                       "caf\xc3\xa9",
                                       "\xe2\x82\xac",
                                       "\xf0\x9f\x98\x80/x",
                                       "\xf4\x8f\xbf\xbf"};
    static const struct {
        const char *s;
        size_t at;
    } BAD[] = {{"ab\xff", 2},
               {"\xc0\x80", 0},
               {"x\xed\xa0\x80", 1},
               {"\xf4\x90\x80\x80", 0},
               {"\xe2\x82", 0},
               {"\x80", 0},
               {"\xf8\x88\x80\x80\x80", 0},
               {"\xe0\x80\xaf", 0}};
    nn_err err = {""};
    for (size_t k = 0; k < sizeof GOOD / sizeof *GOOD; k++)
        CHECK(nn_path_utf8("--data", GOOD[k], &err) == 0, "good %zu refused: %s", k,
              err.msg);
    for (size_t k = 0; k < sizeof BAD / sizeof *BAD; k++) {
        char at[32];
        snprintf(at, sizeof at, "at %zu)", BAD[k].at);
        CHECK(nn_path_utf8("--data", BAD[k].s, &err) == -1 && strstr(err.msg, "--data") &&
                  strstr(err.msg, "UTF-8") && strstr(err.msg, at),
              "bad %zu: %s", k, err.msg);
    }
}

int main(void)
{
    TEST_BEGIN("nn_file_check");
    if (files_tmpdir_make(dir, sizeof dir, "golu-fcheck-"))
        return TEST_END();
    test_kinds();
    test_memory();
    test_utf8();
    files_tmpdir_done(dir);
    return TEST_END();
}
