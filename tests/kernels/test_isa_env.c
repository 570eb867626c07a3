/*
 * test_isa_env.c - the GOLU_ISA environment variable forces a SIMD path.
 *
 * The parent re-runs this program (execve of /proc/self/exe) with GOLU_ISA
 * set to each path name and to a bogus one, and checks that each child
 * passed. In the child:
 *   - a path this CPU has: golu_isa_env_status() is GOLU_OK,
 *     golu_isa_default() and a default context's path are the forced one,
 *     and GoLU computed through ctx NULL matches the oracle (1 ulp) and the
 *     same path chosen explicitly, bit for bit;
 *   - a path this CPU or build lacks: golu_isa_env_status() is
 *     GOLU_ERR_ISA_UNSUPPORTED and every compute call on the default path
 *     returns it (a forced path never silently becomes another), while an
 *     explicitly chosen path still works;
 *   - an unknown name: the same with GOLU_ERR_ISA.
 * A child's summary line is named so that tests/run_all.sh counts only the
 * parent's.
 */
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/ref/reference.h"
#include "util.h"

extern char **environ;

enum { N = 64 };

static void inputs(float x[N])
{
    for (int i = 0; i < N; i++)
        x[i] = -6.0f + 26.0f * (float)i / N;
    x[0] = 0.0f;
    x[1] = -0.0f;
    x[2] = INFINITY;
    x[3] = -INFINITY;
    x[4] = NAN;
    x[5] = -0.567143290409784f;
}

/* GoLU forward and backward through ctx against the oracle. */
static void check_golu(const golu_ctx *ctx, const char *label, float y[N], float dx[N])
{
    golu_act g = golu_act_default(GOLU_ACT_GOLU);
    float x[N], ones[N];
    inputs(x);
    for (int i = 0; i < N; i++)
        ones[i] = 1.0f;
    CHECK_ST(golu_forward(ctx, &g, GOLU_F32, x, y, N), GOLU_OK);
    CHECK_ST(golu_backward(ctx, &g, GOLU_F32, x, ones, dx, N), GOLU_OK);
    for (int i = 0; i < N; i++) {
        long double rf = golu_ref_ld(&g, GOLU_DIR_FWD, x[i]);
        long double rb = golu_ref_ld(&g, GOLU_DIR_BWD, x[i]);
        long double sb = golu_ref_bwd_scale_ld(&g, x[i]);
        CHECK(golu_ulp_err_f32(y[i], rf, 0) <= 1.0, "%s: GoLU(%a) = %a, want %La", label,
              (double)x[i], (double)y[i], rf);
        CHECK(golu_ulp_err_f32(dx[i], rb, sb) <= 1.0, "%s: GoLU'(%a) = %a, want %La",
              label, (double)x[i], (double)dx[i], rb);
    }
}

/* Every compute entry point on the default path returns want. */
static void check_refused(const golu_ctx *ctx, golu_status want, const char *label)
{
    golu_act g = golu_act_default(GOLU_ACT_GOLU);
    float x[N], y[N], dy[N], slope[1] = {0.25f}, ds[1];
    double out[3];
    inputs(x);
    for (int i = 0; i < N; i++)
        dy[i] = 1.0f;
    CHECK(golu_forward(ctx, &g, GOLU_F32, x, y, N) == want, "%s: forward", label);
    CHECK(golu_backward(ctx, &g, GOLU_F32, x, dy, y, N) == want, "%s: backward", label);
    CHECK(golu_param_grad(ctx, &g, GOLU_F32, x, dy, N, out) == want, "%s: param_grad",
          label);
    CHECK(golu_prelu_forward(ctx, GOLU_F32, x, y, N, slope, 1, 1) == want,
          "%s: prelu_forward", label);
    CHECK(golu_prelu_backward(ctx, GOLU_F32, x, dy, y, N, slope, 1, 1, ds) == want,
          "%s: prelu_backward", label);
    double xd[4] = {1, 2, 3, 4}, yd[4];
    CHECK(golu_forward(ctx, &g, GOLU_F64, xd, yd, 4) == want, "%s: forward f64", label);
}

/* best: the path a process without GOLU_ISA picks ("-" if unknown). */
static int child(const char *name, const char *best)
{
    char label[64];
    snprintf(label, sizeof label, "child(GOLU_ISA=%s)", name);
    TEST_BEGIN(label);
    const char *env = getenv("GOLU_ISA");
    CHECK(env && strcmp(env, name) == 0, "GOLU_ISA is %s in the child",
          env ? env : "unset");

    golu_isa isa = GOLU_ISA_COUNT;
    int known = golu_isa_from_name(name, &isa) == GOLU_OK;
    golu_ctx *ctx = NULL;
    if (!CHECK(golu_ctx_create(&ctx) == GOLU_OK, "golu_ctx_create"))
        return TEST_END();
    float y[N], dx[N], y2[N], dx2[N];

    if (known && isa == GOLU_ISA_AUTO) {
        /* docs/API.md: GOLU_ISA=auto is the automatic choice */
        CHECK_ST(golu_isa_env_status(), GOLU_OK);
        golu_isa def = golu_isa_default();
        CHECK(def != GOLU_ISA_AUTO && golu_isa_supported(def),
              "%s: golu_isa_default() = %s", label, golu_isa_name(def));
        CHECK(strcmp(best, "-") == 0 || strcmp(best, golu_isa_name(def)) == 0,
              "%s: default %s, without GOLU_ISA %s", label, golu_isa_name(def), best);
        CHECK(golu_ctx_isa(ctx) == def, "%s: default context runs on %s", label,
              golu_isa_name(golu_ctx_isa(ctx)));
        check_golu(NULL, label, y, dx);
    } else if (known && golu_isa_supported(isa)) {
        CHECK_ST(golu_isa_env_status(), GOLU_OK);
        CHECK(golu_isa_default() == isa, "%s: golu_isa_default() = %s", label,
              golu_isa_name(golu_isa_default()));
        CHECK(golu_ctx_isa(ctx) == isa, "%s: default context runs on %s", label,
              golu_isa_name(golu_ctx_isa(ctx)));
        check_golu(NULL, label, y, dx);
        /* the same path chosen explicitly gives the same bits */
        CHECK_ST(golu_ctx_set_isa(ctx, isa), GOLU_OK);
        check_golu(ctx, label, y2, dx2);
        CHECK(memcmp(y, y2, sizeof y) == 0 && memcmp(dx, dx2, sizeof dx) == 0,
              "%s: ctx NULL and an explicit %s context differ", label, name);
        /* read once per process */
        setenv("GOLU_ISA", "bogus", 1);
        CHECK(golu_isa_default() == isa && golu_isa_env_status() == GOLU_OK,
              "%s: GOLU_ISA read again after the first use", label);
    } else {
        golu_status want = known ? GOLU_ERR_ISA_UNSUPPORTED : GOLU_ERR_ISA;
        if (known)
            SKIP("GOLU_ISA=%s: not supported here; checked that it is refused", name);
        CHECK(golu_isa_env_status() == want, "%s: golu_isa_env_status() = %s, want %s",
              label, golu_status_str(golu_isa_env_status()), golu_status_str(want));
        CHECK(golu_ctx_isa(ctx) == GOLU_ISA_AUTO,
              "%s: default context reports %s, want auto", label,
              golu_isa_name(golu_ctx_isa(ctx)));
        check_refused(NULL, want, label);
        check_refused(ctx, want, label);
        /* An explicit path is not affected by the environment. */
        CHECK_ST(golu_ctx_set_isa(ctx, GOLU_ISA_SCALAR), GOLU_OK);
        check_golu(ctx, label, y, dx);
    }
    golu_ctx_destroy(ctx);
    return TEST_END();
}

/* Runs this program with GOLU_ISA=name; returns its exit status or -1. */
static int spawn(const char *argv0, const char *name, const char *best)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **envp = calloc(n + 2, sizeof *envp);
    char var[64];
    snprintf(var, sizeof var, "GOLU_ISA=%s", name);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "GOLU_ISA=", 9) != 0)
            envp[m++] = environ[i];
    envp[m++] = var;
    envp[m] = NULL;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        char *args[] = {(char *)argv0, (char *)"--child", (char *)name, (char *)best,
                        NULL};
        execve("/proc/self/exe", args, envp);
        perror("execve /proc/self/exe");
        _exit(127);
    }
    free(envp);
    int ws = 0;
    if (pid < 0 || waitpid(pid, &ws, 0) != pid)
        return -1;
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--child") == 0)
        return child(argv[2], argv[3]);
    TEST_BEGIN("test_isa_env");
    const char *names[] = {"scalar", "avx2",  "avx512", "neon",
                           "auto",   "bogus", "AVX9000"};
    /* the automatic choice, when this process has no GOLU_ISA of its own */
    const char *best = getenv("GOLU_ISA") ? "-" : golu_isa_name(golu_isa_default());
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        golu_isa isa;
        if (golu_isa_from_name(names[i], &isa) == GOLU_OK && !golu_isa_supported(isa))
            SKIP(
                "GOLU_ISA=%s: this CPU/build lacks the path; only its refusal is checked",
                names[i]);
        int rc = spawn(argv[0], names[i], best);
        CHECK(rc == 0, "child with GOLU_ISA=%s exited %d", names[i], rc);
    }
    return TEST_END();
}
