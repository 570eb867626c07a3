/*
 * test_opts.c - the table-driven flag parser of the golu commands
 * (tools/golu/opts.c): values of every kind land where the table says, the
 * error messages are the commands' own words, and the help lines line up;
 * cli_opts_parse_until stops at the first argument the table does not
 * take, after parsing what came before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../tools/golu/cli.h"
#include "../../tools/golu/opts.h"
#include "harness.h"

typedef struct demo {
    int json, threads, threads_given;
    long seed, big;
    double lo;
    size_t n;
    const char *out;
    int custom;
    golu_act act;
    golu_dtype dtype;
    golu_isa isa;
} demo;

static int parse_custom(void *opts, const char *flag, const char *value)
{
    if (strcmp(value, "yes") != 0) {
        cli_error("%s: '%s' is not yes", flag, value);
        return -1;
    }
    ((demo *)opts)->custom = 42;
    return 0;
}

/* A help text made at run time: its second line indented by the column. */
static const char *help_made(int column)
{
    static char buf[128];
    snprintf(buf, sizeof buf, "made at run time\n%*scolumn %d", column, "", column);
    return buf;
}

#define OFF(f) offsetof(demo, f)
static const cli_opt TABLE[] = {
    {.flag = "--json", .kind = CLI_OPT_BOOL, .offset = OFF(json), .help = "JSON out"},
    {.flag = "--threads",
     .kind = CLI_OPT_INT,
     .offset = OFF(threads),
     .min = 1,
     .max = 64,
     .given = CLI_OPT_GIVEN(demo, threads_given),
     .metavar = "N",
     .help = "worker threads\n(default: all CPUs)"},
    {.flag = "--seed",
     .kind = CLI_OPT_LONG,
     .offset = OFF(seed),
     .max = 1000,
     .metavar = "S",
     .help = "seed"},
    {.kind = CLI_OPT_TEXT, .help = "  --lo X --n N     two flags\non one line"},
    {.flag = "--lo", .kind = CLI_OPT_DOUBLE, .offset = OFF(lo), .metavar = "X"},
    {.flag = "--n", .kind = CLI_OPT_SIZE, .offset = OFF(n), .metavar = "N"},
    {.flag = "--out",
     .kind = CLI_OPT_STRING,
     .offset = OFF(out),
     .metavar = "DIR",
     .help_fn = help_made},
    {.flag = "--custom", .kind = CLI_OPT_CUSTOM, .parse = parse_custom, .metavar = "yes"},
    {.flag = "--act", .kind = CLI_OPT_ACT, .offset = OFF(act), .metavar = "NAME"},
    {.flag = "--dtype", .kind = CLI_OPT_DTYPE, .offset = OFF(dtype), .metavar = "T"},
    {.flag = "--isa", .kind = CLI_OPT_ISA, .offset = OFF(isa), .metavar = "ISA"},
    /* 2^63: the whole range of a long, LONG_MAX included */
    {.flag = "--big",
     .kind = CLI_OPT_LONG,
     .offset = OFF(big),
     .max = 0x1p63,
     .metavar = "B",
     .help = "a long"},
};
#undef OFF
enum { N = sizeof TABLE / sizeof TABLE[0] };

static char errbuf[4096];

/* argv: "demo" and args (NULL-terminated); returns argc. */
static int make_argv(char **argv, const char *const *args)
{
    int argc = 0;
    argv[argc++] = (char *)"demo";
    while (*args)
        argv[argc++] = (char *)*args++;
    argv[argc] = NULL;
    return argc;
}

/* stderr into a temporary file until capture_end, which reads it into
 * errbuf. */
static FILE *capture_begin(int *saved)
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    *saved = dup(2);
    dup2(fileno(tmp), 2);
    return tmp;
}

static void capture_end(FILE *tmp, int saved)
{
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t got = fread(errbuf, 1, sizeof errbuf - 1, tmp);
    errbuf[got] = '\0';
    fclose(tmp);
}

/* Parses args (NULL-terminated) with stderr captured into errbuf. */
static int parse(const cli_opts_style *st, demo *d, char **pos, int *npos,
                 const char *const *args)
{
    char *argv[32];
    int argc = make_argv(argv, args), saved;
    FILE *tmp = capture_begin(&saved);
    int rc = cli_opts_parse(TABLE, N, st, argc, argv, d, pos, 4, npos);
    capture_end(tmp, saved);
    return rc;
}

/* cli_opts_parse_until of args, stderr captured into errbuf. */
static int parse_until(demo *d, const char *const *args)
{
    char *argv[32];
    int argc = make_argv(argv, args), saved;
    FILE *tmp = capture_begin(&saved);
    int rc = cli_opts_parse_until(TABLE, N, "demo", argc, argv, d);
    capture_end(tmp, saved);
    return rc;
}

static const cli_opts_style FLAG_FIRST = {"demo", 1, CLI_POS_COLLECT, 20};
static const cli_opts_style QUOTED = {"demo", 0, CLI_POS_REFUSE, 20};
static const cli_opts_style AS_UNKNOWN = {"demo", 0, CLI_POS_UNKNOWN, 20};

static void test_values(void)
{
    demo d = {0};
    char *pos[4];
    int npos;
    const char *args[] = {"--json",   "--threads", "8",     "--seed=77", "--lo",
                          "-2.5",     "--n",       "64Ki",  "--out",     "x/y",
                          "--custom", "yes",       "extra", NULL};
    CHECK(parse(&FLAG_FIRST, &d, pos, &npos, args) == 0, "parse failed: %s", errbuf);
    CHECK(d.json == 1 && d.threads == 8 && d.threads_given == 1 && d.seed == 77,
          "json %d threads %d given %d seed %ld", d.json, d.threads, d.threads_given,
          d.seed);
    CHECK(d.lo == -2.5 && d.n == 65536 && strcmp(d.out, "x/y") == 0 && d.custom == 42,
          "lo %g n %zu out %s custom %d", d.lo, d.n, d.out, d.custom);
    CHECK(npos == 1 && strcmp(pos[0], "extra") == 0, "positional: %d", npos);
    demo e = {0};
    const char *none[] = {NULL};
    CHECK(parse(&FLAG_FIRST, &e, pos, &npos, none) == 0 && e.threads_given == 0 &&
              npos == 0,
          "no arguments");
    /* A row without a "given" field writes nothing else (json lies at
     * offset 0, where a "given" offset of 0 would point). */
    demo g = {0};
    const char *seed_only[] = {"--seed", "5", NULL};
    CHECK(parse(&FLAG_FIRST, &g, pos, &npos, seed_only) == 0 && g.seed == 5 &&
              g.json == 0 && g.threads_given == 0,
          "--seed 5: seed %ld json %d given %d", g.seed, g.json, g.threads_given);
    /* A bound of 2^63 is LONG_MAX, not an overflow. */
    demo b = {0};
    const char *big[] = {"--big", "9223372036854775807", NULL};
    CHECK(parse(&FLAG_FIRST, &b, pos, &npos, big) == 0 && b.big == 9223372036854775807L,
          "--big LONG_MAX: %ld (%s)", b.big, errbuf);
    /* The library's names: an alias, a dtype, an ISA. */
    demo k = {0};
    const char *named[] = {"--act", "swish", "--dtype=bf16", "--isa", "scalar", NULL};
    CHECK(parse(&FLAG_FIRST, &k, pos, &npos, named) == 0 && k.act.kind == GOLU_ACT_SILU &&
              k.dtype == GOLU_BF16 && k.isa == GOLU_ISA_SCALAR,
          "--act swish --dtype bf16 --isa scalar: kind %d dtype %d isa %d (%s)",
          (int)k.act.kind, (int)k.dtype, (int)k.isa, errbuf);
}

/* --help and -h stop the parse (1); what came before is parsed, an error
 * before them is reported first, and a flag's value is never --help. */
static void test_help(void)
{
    demo d = {0};
    char *pos[4];
    int npos;
    const char *help[] = {"--threads", "3", "--help", "--bogus", NULL};
    CHECK(parse(&QUOTED, &d, pos, &npos, help) == 1 && d.threads == 3 && !errbuf[0],
          "--threads 3 --help --bogus: want 1, quietly");
    const char *h[] = {"-h", NULL};
    CHECK(parse(&QUOTED, &d, pos, &npos, h) == 1, "-h: want 1");
    const char *bad_first[] = {"--bogus", "--help", NULL};
    CHECK(parse(&QUOTED, &d, pos, &npos, bad_first) == -1 && strstr(errbuf, "--bogus"),
          "--bogus --help: want the error");
    demo v = {0};
    const char *value[] = {"--out", "--help", NULL};
    CHECK(parse(&QUOTED, &v, pos, &npos, value) == 0 && v.out &&
              strcmp(v.out, "--help") == 0,
          "--out --help: --help is the value");
}

/* args exits -1 with a message containing want. */
static void refused(const cli_opts_style *st, const char *want, const char *const *args)
{
    demo d = {0};
    char *pos[4];
    int npos;
    int rc = parse(st, &d, pos, &npos, args);
    CHECK(rc == -1 && strstr(errbuf, want), "%s...: rc %d, said '%s', want '%s'", args[0],
          rc, errbuf, want);
}

static void test_errors(void)
{
    cli_set_command("demo");
    refused(&FLAG_FIRST, "golu demo: --bogus: unknown option (see golu demo --help)",
            (const char *const[]){"--bogus", NULL});
    refused(&QUOTED, "golu demo: unknown option '--bogus' (see golu demo --help)",
            (const char *const[]){"--bogus", NULL});
    refused(&QUOTED, "'extra': unexpected argument (see golu demo --help)",
            (const char *const[]){"extra", NULL});
    refused(&FLAG_FIRST, "--threads: 65 is out of range [1, 64]",
            (const char *const[]){"--threads", "65", NULL});
    refused(&FLAG_FIRST, "--threads: 'x' is not a whole number",
            (const char *const[]){"--threads=x", NULL});
    refused(&FLAG_FIRST, "--seed: needs a value", (const char *const[]){"--seed", NULL});
    refused(&FLAG_FIRST, "--lo: 'a' is not a number",
            (const char *const[]){"--lo", "a", NULL});
    refused(&FLAG_FIRST, "--n: '3Xi' has an unknown suffix",
            (const char *const[]){"--n", "3Xi", NULL});
    refused(&FLAG_FIRST, "--custom: 'no' is not yes",
            (const char *const[]){"--custom", "no", NULL});
    refused(&FLAG_FIRST, "--act: unknown activation 'foo'",
            (const char *const[]){"--act", "foo", NULL});
    refused(&FLAG_FIRST, "--dtype: unknown dtype 'f8'",
            (const char *const[]){"--dtype", "f8", NULL});
    refused(&FLAG_FIRST, "--isa: ", (const char *const[]){"--isa", "avx9000", NULL});
    refused(&FLAG_FIRST, "--json=1: unknown option",
            (const char *const[]){"--json=1", NULL});
    /* A flag that only starts like a known one is not that flag. */
    refused(&FLAG_FIRST, "--jsonx: unknown option",
            (const char *const[]){"--jsonx", NULL});
    /* "-" is a flag, and not one of ours. */
    refused(&FLAG_FIRST, "golu demo: -: unknown option (see golu demo --help)",
            (const char *const[]){"-", NULL});
    /* Positionals refused in the words of an unknown option. */
    refused(&AS_UNKNOWN, "golu demo: unknown option 'extra' (see golu demo --help)",
            (const char *const[]){"extra", NULL});
    refused(&AS_UNKNOWN, "golu demo: unknown option '' (see golu demo --help)",
            (const char *const[]){"", NULL});
    /* More positionals than room: refused. */
    refused(&FLAG_FIRST, "'e': unexpected argument",
            (const char *const[]){"a", "b", "c", "d", "e", NULL});
    refused(&FLAG_FIRST, "--big: 'x' is not a whole number",
            (const char *const[]){"--big", "x", NULL});
}

/* Where cli_opts_parse_until stops, what it parsed before, and its errors
 * in the "unknown option '--x'" words. */
static void test_until(void)
{
    cli_set_command("demo");
    demo d = {0};
    CHECK(parse_until(&d, (const char *const[]){"--json", "--threads", "8", "--bogus",
                                                "--seed", "5", NULL}) == 4 &&
              d.json == 1 && d.threads == 8 && d.threads_given == 1 && d.seed == 0,
          "stops at --bogus (4), after --json and --threads 8: json %d threads %d seed "
          "%ld (%s)",
          d.json, d.threads, d.seed, errbuf);
    CHECK(errbuf[0] == '\0', "nothing said: '%s'", errbuf);
    demo e = {0};
    CHECK(parse_until(&e, (const char *const[]){"--json", "--n", "4", NULL}) == 4 &&
              e.json == 1 && e.n == 4,
          "every argument taken: argc (4), n %zu", e.n);
    demo f = {0};
    CHECK(parse_until(&f, (const char *const[]){"--out", "--help", "-h", NULL}) == 3 &&
              f.out && strcmp(f.out, "--help") == 0,
          "a flag's value is its value, even --help; stops at -h (3): out %s",
          f.out ? f.out : "(none)");
    demo g = {0};
    CHECK(parse_until(&g, (const char *const[]){"--seed=5", "word", "--json", NULL}) ==
                  2 &&
              g.seed == 5 && g.json == 0,
          "stops at a word (2): seed %ld json %d", g.seed, g.json);
    demo h = {0};
    CHECK(parse_until(&h, (const char *const[]){"--json=1", NULL}) == 1 && h.json == 0,
          "--json=1 is not the table's: stops at 1, json %d", h.json);
    CHECK(parse_until(&h, (const char *const[]){"--jsonx", NULL}) == 1,
          "--jsonx is not --json: stops at 1");
    CHECK(parse_until(&h, (const char *const[]){"-", NULL}) == 1, "- stops at 1");
    demo k = {0};
    CHECK(parse_until(&k, (const char *const[]){"--threads", "65", "--bogus", NULL}) ==
                  -1 &&
              strstr(errbuf, "--threads: 65 is out of range [1, 64]"),
          "a bad value before the stop: -1, '%s'", errbuf);
    CHECK(parse_until(&k, (const char *const[]){"--json", "--seed", NULL}) == -1 &&
              strstr(errbuf, "--seed: needs a value"),
          "the last flag lacks its value: -1, '%s'", errbuf);
}

static void test_usage(void)
{
    FILE *tmp = tmpfile();
    cli_opts_usage(tmp, TABLE, N, &FLAG_FIRST);
    rewind(tmp);
    char buf[2048];
    size_t got = fread(buf, 1, sizeof buf - 1, tmp);
    buf[got] = '\0';
    fclose(tmp);
    const char *want = "  --json            JSON out\n"
                       "  --threads N       worker threads\n"
                       "                    (default: all CPUs)\n"
                       "  --seed S          seed\n"
                       "  --lo X --n N     two flags\n"
                       "                    on one line\n"
                       "  --out DIR         made at run time\n"
                       "                    column 20\n"
                       "  --big B           a long\n";
    CHECK(strcmp(buf, want) == 0, "usage:\n%s\nwant:\n%s", buf, want);
}

int main(void)
{
    TEST_BEGIN("opts");
    test_values();
    test_help();
    test_errors();
    test_until();
    test_usage();
    return TEST_END();
}
