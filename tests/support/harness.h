/*
 * harness.h - a tiny test harness: checks that count, skips that say why,
 * and a summary line that tests/run_all.sh adds up.
 *
 * A test program calls TEST_BEGIN("name") first, any number of CHECK*(),
 * SKIP(), and returns TEST_END() from main(): it prints
 *     name: P passed, F failed, S skipped
 * and exits 1 if anything failed. A failed check prints the file, line, and
 * the values; it does not stop the program (up to a cap of printed lines).
 */
#ifndef GOLU_TEST_HARNESS_H
#define GOLU_TEST_HARNESS_H

#include <stdio.h>

void harness_begin(const char *name);
int harness_end(void);
/* Records one check; prints the message when it failed. Returns ok. */
int harness_check(int ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Records a skipped check and says why. */
void harness_skip(const char *why, ...) __attribute__((format(printf, 1, 2)));
/* Failures so far (for tests that stop early after a failure). */
long harness_failures(void);

#define TEST_BEGIN(name) harness_begin(name)
#define TEST_END()       harness_end()
#define CHECK(cond, ...) harness_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* Each argument is evaluated once. */
#define CHECK_EQ_INT(a, b)                                                               \
    harness_check_eq_int((long long)(a), (long long)(b), #a, #b, __FILE__, __LINE__)
int harness_check_eq_int(long long a, long long b, const char *sa, const char *sb,
                         const char *file, int line);
#define SKIP(...) harness_skip(__VA_ARGS__)

#endif
