/*
 * toolrun.c - running the golu tool from a test (toolrun.h).
 */
#include "toolrun.h"

#include "harness.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

char tool[PATH_MAX];

/* BUILD/tests/tool/test_cli -> BUILD/golu, from /proc/self/exe (argv[0] where
 * that cannot be read). */
void find_tool(const char *argv0)
{
    const char *env = getenv("GOLU_TOOL");
    if (env && *env) {
        snprintf(tool, sizeof tool, "%s", env);
        return;
    }
    char self[PATH_MAX - 16]; /* room for "/../../golu" in tool */
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0)
        self[n] = '\0';
    else
        snprintf(self, sizeof self, "%s", argv0);
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(self, sizeof self, ".");
    snprintf(tool, sizeof tool, "%s/../../golu", self);
}

int tool_reap(pid_t pid, int *sig)
{
    int status;
    *sig = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -2;
    if (WIFSIGNALED(status)) {
        *sig = WTERMSIG(status);
        return -1;
    }
    return WEXITSTATUS(status);
}

int run(const char *const *args, char *out, int *sig)
{
    const char *argv[64];
    int argc = 0;
    argv[argc++] = tool;
    for (int i = 0; args[i] && argc < 63; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    int fd[2];
    out[0] = '\0';
    *sig = 0;
    if (pipe(fd) != 0)
        return -2;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return -2;
    }
    if (pid == 0) {
        dup2(fd[1], 1);
        dup2(fd[1], 2);
        close(fd[0]);
        close(fd[1]);
        alarm(120); /* survives exec: a hung tool dies of SIGALRM */
        execv(tool, (char *const *)argv);
        fprintf(stderr, "exec %s: %s\n", tool, strerror(errno));
        _exit(127);
    }
    close(fd[1]);
    size_t len = 0;
    char sink[4096];
    for (;;) {
        char *dst = len < OUT_CAP - 1 ? out + len : sink;
        size_t room = len < OUT_CAP - 1 ? OUT_CAP - 1 - len : sizeof sink;
        ssize_t r = read(fd[0], dst, room);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (dst != sink)
            len += (size_t)r;
    }
    out[len] = '\0';
    close(fd[0]);
    return tool_reap(pid, sig);
}

int tool_expect(int status, const char *say, const char *const *args, char *out)
{
    char cmd[2048] = "golu";
    for (int i = 0; args[i]; i++)
        snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd), " %s", args[i]);
    int sig, got = run(args, out, &sig);
    if (got == -2)
        return CHECK(0, "`%s`: could not run %s", cmd, tool);
    int ok = CHECK(got == status, "`%s` exited %d (signal %d), want %d; it printed:\n%s",
                   cmd, got, sig, status, out);
    if (say)
        ok &= CHECK(strstr(out, say) != NULL, "`%s` should say \"%s\"; it printed:\n%s",
                    cmd, say, out);
    return ok;
}
