#include "harness.h"

#include <stdarg.h>
#include <stdlib.h>

static const char *test_name = "test";
static long n_pass, n_fail, n_skip;
enum { MAX_PRINTED_FAILURES = 50 };

void harness_begin(const char *name)
{
    test_name = name;
    n_pass = n_fail = n_skip = 0;
}

int harness_check(int ok, const char *file, int line, const char *fmt, ...)
{
    if (ok) {
        n_pass++;
        return 1;
    }
    n_fail++;
    if (n_fail <= MAX_PRINTED_FAILURES) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "FAIL %s:%d: ", file, line);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    } else if (n_fail == MAX_PRINTED_FAILURES + 1) {
        fprintf(stderr, "(further failures not printed)\n");
    }
    return 0;
}

int harness_check_eq_int(long long a, long long b, const char *sa, const char *sb,
                         const char *file, int line)
{
    return harness_check(a == b, file, line, "%s == %s: %lld != %lld", sa, sb, a, b);
}

void harness_skip(const char *why, ...)
{
    va_list ap;
    va_start(ap, why);
    n_skip++;
    printf("SKIP %s: ", test_name);
    vprintf(why, ap);
    putchar('\n');
    va_end(ap);
}

long harness_failures(void)
{
    return n_fail;
}

int harness_end(void)
{
    printf("%s: %ld passed, %ld failed, %ld skipped\n", test_name, n_pass, n_fail,
           n_skip);
    fflush(stdout);
    return n_fail ? EXIT_FAILURE : EXIT_SUCCESS;
}
