/*
 * test_nn_lock.c - the output directory's lock and the sweep of stale
 * temporary files (src/nn/io/lock.h):
 *   - the lock file holds the holder's pid; a second taker (another open of
 *     the file, in this process or another) is refused with a message naming
 *     the directory and that pid; after a release, or the holder's death by
 *     SIGKILL, the directory can be taken again;
 *   - taking the lock removes exactly the "<name>.tmp.<pid>" files of dead
 *     pids, leaving a live process's and every other name.
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "files.h"
#include "harness.h"
#include "io/lock.h"

static char dir[PATH_MAX - 64];

static int exists(const char *name)
{
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &st) == 0;
}

static void touch(const char *name)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    files_write(p, "x", 1);
}

/* A pid that is no process now: a child that has exited and been reaped. */
static long dead_pid(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    return (long)pid;
}

static void test_same_process(void)
{
    nn_lock a, b;
    nn_err err = {""};
    if (!CHECK(nn_lock_take(&a, dir, "--out", &err) == 0, "take: %s", err.msg))
        return;
    char *s = files_read_in(dir, NN_LOCK_FILE);
    CHECK(s && strtol(s, NULL, 10) == (long)getpid(),
          "the lock file holds '%s', want %ld", s ? s : "(none)", (long)getpid());
    free(s);
    char pid[32];
    snprintf(pid, sizeof pid, "pid %ld", (long)getpid());
    CHECK(nn_lock_take(&b, dir, "--out", &err) == -1 && b.fd == -1,
          "a second lock on %s was granted", dir);
    CHECK(strstr(err.msg, "--out: ") && strstr(err.msg, dir) && strstr(err.msg, pid),
          "the refusal should name --out, %s and %s: %s", dir, pid, err.msg);
    nn_lock_release(&a);
    nn_lock_release(&a); /* twice is safe */
    CHECK(nn_lock_take(&b, dir, "--out", &err) == 0, "after release: %s", err.msg);
    nn_lock_release(&b);
}

static void test_other_process(void)
{
    int ready[2];
    if (!CHECK(pipe(ready) == 0, "pipe"))
        return;
    pid_t child = fork();
    if (child == 0) {
        nn_lock l;
        nn_err e;
        char ok = nn_lock_take(&l, dir, "--out", &e) == 0 ? 'y' : 'n';
        if (write(ready[1], &ok, 1) != 1)
            _exit(1);
        pause(); /* holds the lock until killed */
        _exit(0);
    }
    char ok = 'n';
    CHECK(read(ready[0], &ok, 1) == 1 && ok == 'y', "the child could not take the lock");
    close(ready[0]);
    close(ready[1]);
    nn_lock l;
    nn_err err = {""};
    char pid[32];
    snprintf(pid, sizeof pid, "pid %ld", (long)child);
    CHECK(nn_lock_take(&l, dir, "--out", &err) == -1,
          "a directory held by another process was granted");
    CHECK(strstr(err.msg, pid) != NULL, "the refusal should name %s: %s", pid, err.msg);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    CHECK(nn_lock_take(&l, dir, "--out", &err) == 0,
          "the lock of a process killed by SIGKILL should be free: %s", err.msg);
    nn_lock_release(&l);
}

static void test_sweep(void)
{
    char dead[64], live[64], deadmore[64], metrics[64];
    long d = dead_pid();
    snprintf(dead, sizeof dead, "checkpoint.safetensors.tmp.%ld", d);
    snprintf(metrics, sizeof metrics, "metrics.csv.tmp.%ld", d);
    snprintf(live, sizeof live, "summary.json.tmp.%ld", (long)getpid());
    snprintf(deadmore, sizeof deadmore, "notes.tmp.%ld.bak", d);
    static const char *const KEEP[] = {"results.csv", "a.tmp.12x", "b.tmp.",
                                       ".tmp.1",      "c.tmpx.1",  "d.tmp.-1"};
    touch(dead);
    touch(metrics);
    touch(live);
    touch(deadmore);
    for (size_t k = 0; k < sizeof KEEP / sizeof *KEEP; k++)
        touch(KEEP[k]);
    nn_lock l;
    nn_err err = {""};
    if (!CHECK(nn_lock_take(&l, dir, "--out", &err) == 0, "take: %s", err.msg))
        return;
    CHECK(!exists(dead) && !exists(metrics), "stale %s / %s should be gone", dead,
          metrics);
    CHECK(exists(live), "%s belongs to a live process: it should stay", live);
    CHECK(exists(deadmore), "%s is not the writer's pattern: it should stay", deadmore);
    for (size_t k = 0; k < sizeof KEEP / sizeof *KEEP; k++)
        CHECK(exists(KEEP[k]), "%s should stay", KEEP[k]);
    nn_lock_release(&l);
    int removed = -1;
    touch(dead);
    CHECK(nn_tmp_sweep(dir, &removed, &err) == 0 && removed == 1,
          "nn_tmp_sweep removed %d, want 1", removed);
    CHECK(nn_tmp_sweep("/nonexistent/dir", &removed, &err) == -1 &&
              strstr(err.msg, "/nonexistent/dir"),
          "a missing directory: %s", err.msg);
}

int main(void)
{
    TEST_BEGIN("nn_lock");
    if (files_tmpdir_make(dir, sizeof dir, "golu-lock-"))
        return TEST_END();
    test_same_process();
    test_other_process();
    test_sweep();
    nn_lock l;
    nn_err err = {""};
    CHECK(nn_lock_take(&l, "/nonexistent/dir", "--out", &err) == -1 &&
              strstr(err.msg, "/nonexistent/dir"),
          "a missing directory: %s", err.msg);
    files_tmpdir_done(dir);
    return TEST_END();
}
