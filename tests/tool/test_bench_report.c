/*
 * test_bench_report.c - the table `golu bench` prints (tools/golu/
 * bench_report.c), without timing anything: rows made up here go through
 * the report as text and as JSON, CPU and GPU, and what comes out is read
 * back (the JSON with jansson) and compared with values computed here.
 * This is the only test of the GPU's JSON on a machine without a GPU.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../tools/golu/bench.h"
#include "harness.h"

static char buf[65536], errbuf[4096];

/* fd's output since `saved` was taken, into b; fd restored. */
static void restore(int fd, int saved, FILE *tmp, char *b, size_t size)
{
    fflush(fd == 1 ? stdout : stderr);
    dup2(saved, fd);
    close(saved);
    rewind(tmp);
    size_t got = fread(b, 1, size - 1, tmp);
    b[got] = '\0';
    fclose(tmp);
}

/* Runs the report over rows[0..n) (close with `status`) with stdout
 * captured into buf and stderr into errbuf; returns what close returned. */
static int report(const bench_options *o, json_t *machine, const bench_row *rows, int n,
                  int status)
{
    fflush(stdout);
    fflush(stderr);
    FILE *out = tmpfile(), *err = tmpfile();
    int saved_out = dup(1), saved_err = dup(2);
    dup2(fileno(out), 1);
    dup2(fileno(err), 2);
    bench_report r;
    int rc = bench_report_open(&r, o, machine);
    for (int i = 0; rc == 0 && i < n; i++)
        rc = bench_report_row(&r, &rows[i]);
    rc = bench_report_close(&r, rc ? rc : status);
    restore(1, saved_out, out, buf, sizeof buf);
    restore(2, saved_err, err, errbuf, sizeof errbuf);
    return rc;
}

static const bench_row ROWS[] = {
    {"golu", "fwd", "f32", "normal", (size_t)1 << 20, 4, 2e-5, 1.6e-5, (size_t)8 << 20},
    {"relu", "bwd", "bf16", "u6", 4096, 1, 3.3e-7, 1.1e-7, 3 * 2 * 4096},
};

/* v printed as "%.6g" and read back: what the JSON should hold. */
static double g6(double v)
{
    char s[64];
    snprintf(s, sizeof s, "%.6g", v);
    return strtod(s, NULL);
}

static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* One JSON row against the bench_row it came from. */
static void check_row(const json_t *j, const bench_row *r, int gpu)
{
    static const char *const keys[] = {"act",
                                       "dir",
                                       "dtype",
                                       "n",
                                       "threads",
                                       "dist",
                                       "seconds",
                                       "ns_per_elem",
                                       "gelem_per_s",
                                       "bytes",
                                       "gb_per_s",
                                       "memcpy_seconds",
                                       "memcpy_gb_per_s",
                                       "vs_memcpy"};
    /* the keys, in order; GPU rows have no thread count */
    const char *key;
    json_t *v;
    size_t k = 0;
    int order = 1;
    json_object_foreach((json_t *)j, key, v)
    {
        k += gpu && k == 4; /* skip "threads" */
        order &= k < 14 && strcmp(key, keys[k++]) == 0;
    }
    CHECK(order && k == 14, "%s row: keys not in the table's order (%zu)", r->act, k);
    CHECK(strcmp(json_string_value(json_object_get(j, "act")), r->act) == 0 &&
              strcmp(json_string_value(json_object_get(j, "dist")), r->dist) == 0,
          "%s row: act or dist", r->act);
    CHECK(json_is_integer(json_object_get(j, "n")) &&
              json_integer_value(json_object_get(j, "n")) == (json_int_t)r->n &&
              json_integer_value(json_object_get(j, "bytes")) == (json_int_t)r->bytes,
          "%s row: n and bytes as integers", r->act);
    CHECK(gpu ? json_object_get(j, "threads") == NULL
              : json_integer_value(json_object_get(j, "threads")) == r->threads,
          "%s row: threads", r->act);
    double n = (double)r->n, b = (double)r->bytes;
    CHECK(num(j, "seconds") == g6(r->seconds) &&
              num(j, "ns_per_elem") == g6(r->seconds / n * 1e9) &&
              num(j, "gelem_per_s") == g6(n / r->seconds / 1e9) &&
              num(j, "gb_per_s") == g6(b / r->seconds / 1e9) &&
              num(j, "memcpy_seconds") == g6(r->memcpy_seconds) &&
              num(j, "memcpy_gb_per_s") == g6(b / r->memcpy_seconds / 1e9) &&
              num(j, "vs_memcpy") == g6(r->seconds / r->memcpy_seconds),
          "%s row: the derived numbers (%.17g ns/elem, %.17g vs_memcpy)", r->act,
          num(j, "ns_per_elem"), num(j, "vs_memcpy"));
}

static void test_json(int gpu)
{
    bench_options o = {.json = 1, .gpu = gpu};
    json_t *m = json_pack("{s:s}", "cpu", "test CPU");
    int rc = report(&o, m, ROWS, 2, 0);
    json_error_t e;
    json_t *d = json_loads(buf, 0, &e);
    if (!CHECK(rc == 0 && d, "gpu %d: rc %d, no JSON (%s):\n%s", gpu, rc, e.text, buf))
        return;
    json_t *mach = json_object_get(d, "machine"), *rows = json_object_get(d, "rows");
    CHECK(json_object_size(d) == 2 && mach &&
              strcmp(json_string_value(json_object_get(mach, "cpu")), "test CPU") == 0,
          "gpu %d: the machine object", gpu);
    if (CHECK(json_array_size(rows) == 2, "gpu %d: %zu rows", gpu, json_array_size(rows)))
        for (size_t i = 0; i < 2; i++)
            check_row(json_array_get(rows, i), &ROWS[i], gpu);
    json_decref(d);
}

/* A failed run prints no partial JSON and keeps its status. */
static void test_failed_json(void)
{
    bench_options o = {.json = 1};
    int rc = report(&o, json_object(), ROWS, 2, 1);
    CHECK(rc == 1 && buf[0] == '\0', "a failed run: rc %d, printed '%s'", rc, buf);
    rc = report(&o, NULL, ROWS, 2, 0); /* out of memory building the machine */
    CHECK(rc == 1 && buf[0] == '\0' && strstr(errbuf, "out of memory"),
          "no machine object: rc %d, printed '%s', said '%s'", rc, buf, errbuf);
}

static void test_text(void)
{
    bench_options o = {0};
    int rc = report(&o, NULL, ROWS, 2, 0);
    /* 2e-5 s over 2^20 elements: 0.019 ns/elem; 8 MiB in 2e-5 s: 419.43 GB/s */
    CHECK(rc == 0 && strstr(buf, "  thr dist     ns/elem") &&
              strstr(buf, "golu       fwd f32      1Mi    4 normal     0.019    52.429 "
                          "  419.43      524.29      1.25\n") &&
              strstr(buf, "relu       bwd bf16     4Ki    1 u6         0.081    12.412"),
          "CPU text:\n%s", buf);
    o.gpu = 1;
    rc = report(&o, NULL, ROWS, 1, 0);
    /* GPU rows: us/call (20.00), no thread count */
    CHECK(rc == 0 && strstr(buf, "n dist     us/call") && !strstr(buf, "thr") &&
              strstr(buf, "golu       fwd f32      1Mi normal     20.00    52.429"),
          "GPU text:\n%s", buf);
}

int main(void)
{
    TEST_BEGIN("bench_report");
    test_json(0);
    test_json(1);
    test_failed_json();
    test_text();
    return TEST_END();
}
