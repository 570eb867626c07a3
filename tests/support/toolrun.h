/*
 * toolrun.h - running the golu tool from a test: a child process with its
 * output captured and a 120 s alarm, so a hang or a crash is a failed
 * check, not a stuck suite.
 *
 * The tool is $GOLU_TOOL, else BUILD/golu for a program in BUILD/tests/.
 */
#ifndef GOLU_TEST_TOOLRUN_H
#define GOLU_TEST_TOOLRUN_H

#include <limits.h>
#include <sys/types.h>

#define OUT_CAP 65536

extern char tool[PATH_MAX];

/* Sets `tool` (call first, with argv[0]). */
void find_tool(const char *argv0);

/* Waits for pid (EINTR retried): its exit status, -1 after a signal (the
 * signal in *sig, else 0), -2 when waitpid fails. */
int tool_reap(pid_t pid, int *sig);

/*
 * Runs the tool with args (NULL-terminated), stdout and stderr together
 * into out (truncated to OUT_CAP - 1). Returns the exit status, or -1 after
 * a signal (the signal in *sig), -2 if it could not be run.
 */
int run(const char *const *args, char *out, int *sig);

/*
 * A check: `golu args...` exits `status` and its output (left in out)
 * contains `say` (NULL: anything). Returns 1 if both held; a failure prints
 * the command line and what it printed.
 */
int tool_expect(int status, const char *say, const char *const *args, char *out);

#endif
