/*
 * cpu.c - which SIMD paths this CPU can run, detected once per process.
 *
 * x86-64: cpuid for the instruction sets and xgetbv for the operating
 * system's support of the wider registers (a CPU with AVX-512 under an OS that
 * does not save ZMM state must not take the AVX-512 path). AArch64: Advanced
 * SIMD is part of the base architecture.
 *
 * The environment variable GOLU_ISA forces a path (case-insensitive; empty
 * counts as unset). It is read once, with the detection; an unknown name
 * (GOLU_ERR_ISA) or a path this CPU lacks (GOLU_ERR_ISA_UNSUPPORTED) is
 * remembered as an error that the compute calls on GOLU_ISA_AUTO return
 * (golu_isa_env_status).
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

static struct {
    int supported[GOLU_ISA_COUNT];
    int fast_gather; /* the AVX2 path's gather build pays (vec_avx2.h) */
    golu_isa best;
    golu_isa chosen; /* best, or what GOLU_ISA names */
    golu_status env_status;
} cpu;

static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__) || defined(__i386__)
static unsigned long long read_xcr0(void)
{
    unsigned eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

/* AMD family 19h or later (Zen 3, 4, 5): gathers fast enough that the AVX2
 * path's gather build beats its permutes (measured on Zen 3; vec_avx2.h).
 * Elsewhere the permutes: Zen 2's gathers are slow, and so are those of the
 * Intel cores whose microcode mitigates Gather Data Sampling. */
static int amd_zen3_or_later(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d))
        return 0;
    /* "AuthenticAMD" in ebx, edx, ecx */
    if (b != 0x68747541u || d != 0x69746e65u || c != 0x444d4163u)
        return 0;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    unsigned family = (a >> 8) & 0xf;
    if (family == 0xf)
        family += (a >> 20) & 0xff;
    return family >= 0x19;
}

static void detect_x86(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1,
        f16c = (c >> 29) & 1;
    if (!osxsave || !avx)
        return;
    unsigned long long xcr0 = read_xcr0();
    int ymm_os = (xcr0 & 0x6) == 0x6;   /* SSE and AVX state */
    int zmm_os = (xcr0 & 0xe6) == 0xe6; /* plus opmask, ZMM_Hi256, Hi16_ZMM */
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return;
    int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1,
        avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
    if (ymm_os && avx2 && fma && f16c)
        cpu.supported[GOLU_ISA_AVX2] = 1;
    if (cpu.supported[GOLU_ISA_AVX2] && zmm_os && avx512f && avx512dq && avx512bw &&
        avx512vl)
        cpu.supported[GOLU_ISA_AVX512] = 1;
    cpu.fast_gather = amd_zen3_or_later();
}
#endif

/* The table of isa, the AVX2 build as the detection chose (cpu.fast_gather);
 * NULL when this build lacks the path. */
static const golu_kernel_table *table_for(golu_isa isa)
{
    switch (isa) {
    case GOLU_ISA_SCALAR: return &golu_kernels_scalar;
#if defined(GOLU_HAVE_AVX2)
    case GOLU_ISA_AVX2:
        return cpu.fast_gather ? &golu_kernels_avx2_gather : &golu_kernels_avx2;
#endif
#if defined(GOLU_HAVE_AVX512)
    case GOLU_ISA_AVX512: return &golu_kernels_avx512;
#endif
#if defined(GOLU_HAVE_NEON)
    case GOLU_ISA_NEON: return &golu_kernels_neon;
#endif
    default: return NULL;
    }
}

static void detect(void)
{
    cpu.supported[GOLU_ISA_AUTO] = 1;
    cpu.supported[GOLU_ISA_SCALAR] = 1;
#if defined(__x86_64__) || defined(__i386__)
    detect_x86();
#endif
#if defined(__aarch64__)
    cpu.supported[GOLU_ISA_NEON] = 1;
#endif
    /* Only paths this build contains count as supported. */
    for (int i = GOLU_ISA_SCALAR; i < GOLU_ISA_COUNT; i++)
        if (cpu.supported[i] && !table_for((golu_isa)i))
            cpu.supported[i] = 0;

    cpu.best = GOLU_ISA_SCALAR;
    static const golu_isa preference[] = {GOLU_ISA_AVX512, GOLU_ISA_AVX2, GOLU_ISA_NEON};
    for (size_t i = 0; i < sizeof preference / sizeof preference[0]; i++) {
        if (cpu.supported[preference[i]]) {
            cpu.best = preference[i];
            break;
        }
    }

    cpu.chosen = cpu.best;
    cpu.env_status = GOLU_OK;
    const char *env = getenv("GOLU_ISA");
    if (env && *env) {
        golu_isa isa;
        if (golu_isa_from_name(env, &isa) != GOLU_OK) {
            cpu.env_status = GOLU_ERR_ISA;
        } else if (!cpu.supported[isa]) {
            cpu.env_status = GOLU_ERR_ISA_UNSUPPORTED;
        } else if (isa != GOLU_ISA_AUTO) {
            cpu.chosen = isa;
        }
    }
}

static void ensure_detected(void)
{
    pthread_once(&cpu_once, detect);
}

static const char *const isa_names[GOLU_ISA_COUNT] = {"auto", "scalar", "avx2", "avx512",
                                                      "neon"};

const char *golu_isa_name(golu_isa isa)
{
    return (unsigned)isa < GOLU_ISA_COUNT ? isa_names[isa] : "?";
}

golu_status golu_isa_from_name(const char *name, golu_isa *out)
{
    if (!name || !out)
        return GOLU_ERR_NULL;
    for (int i = 0; i < GOLU_ISA_COUNT; i++) {
        if (strcasecmp(name, isa_names[i]) == 0) {
            *out = (golu_isa)i;
            return GOLU_OK;
        }
    }
    return GOLU_ERR_NAME;
}

int golu_isa_supported(golu_isa isa)
{
    ensure_detected();
    return (unsigned)isa < GOLU_ISA_COUNT && cpu.supported[isa];
}

golu_isa golu_isa_default(void)
{
    ensure_detected();
    return cpu.chosen;
}

golu_status golu_isa_env_status(void)
{
    ensure_detected();
    return cpu.env_status;
}

int golu_cpu_count(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0)
            return n;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

int golu_cpu_count_recent(void)
{
    /* Per thread, as sched_getaffinity(0) answers per thread. */
    static _Thread_local int count;
    static _Thread_local long long stamp; /* CLOCK_MONOTONIC_COARSE, ns */
    struct timespec ts;
    long long now = 0;
    if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) == 0)
        now = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    if (count > 0 && now != 0 && now - stamp < GOLU_CPU_COUNT_REFRESH_NS)
        return count;
    count = golu_cpu_count();
    stamp = now;
    return count;
}

const golu_kernel_table *golu_kernels_for(golu_isa isa)
{
    ensure_detected();
    return table_for(isa);
}
