/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cross-instance calls carrying list<u8> through the host: a caller component loops calling
 * its import f(list<u8>) -> list<u8>, which the host forwards (tcvm_clinker_forward) to the
 * echo-bytes export of a second instance: the argument is moved from the caller's memory into
 * the callee's, the result back into the caller's, memory to memory. Sizes 16 B, 4 KiB and
 * 1 MiB; calls per second and bytes per second (both directions: 2 x size per call), next to a
 * plain memcpy of the same bytes (two copies of the size per iteration) in the same run.
 * Built and run by bench/run-component. Usage: bench-component-forward [interp|aot] [SECONDS]
 */
#include "tcvm/component.h"
#include "tcvm/wasm.h"

#include "component_bins.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static tcvm_status_t count_hook(void *env, const char *name, uint64_t bytes)
{
    (void)name;
    *(uint64_t *)env += bytes;
    return TCVM_OK;
}

static int die(const char *what, const char *msg)
{
    fprintf(stderr, "bench-component-forward: %s: %s\n", what, msg);
    return 1;
}

int main(int argc, char **argv)
{
    tcvm_engine_config_t cfg = {0};
    if (argc > 1 && strcmp(argv[1], "aot") == 0) cfg.tier = TCVM_TIER_AOT;
    double secs = argc > 2 ? strtod(argv[2], NULL) : 1.0;
    if (cfg.tier == TCVM_TIER_AOT && !tcvm_aot_available(NULL)) {
        printf("aot tier not available (needs wasm2c and a C compiler)\n");
        return 0;
    }
    tcvm_engine_t *e;
    tcvm_error_t err = {0};
    if (tcvm_engine_new(&cfg, &e) != TCVM_OK) return die("engine", "cannot make one");
    tcvm_component_t *callee_c, *caller_c;
    if (tcvm_component_new(e, bench_callee, sizeof bench_callee, &callee_c, &err, NULL) != TCVM_OK)
        return die("callee", err.message);
    if (tcvm_component_new(e, bench_caller, sizeof bench_caller, &caller_c, &err, NULL) != TCVM_OK)
        return die("caller", err.message);
    tcvm_cinstance_t *callee, *caller;
    if (tcvm_cinstance_new(e, callee_c, NULL, NULL, &callee, &err) != TCVM_OK)
        return die("callee instance", err.message);
    tcvm_clinker_t *l;
    uint64_t moved = 0;
    if (tcvm_clinker_new(&l) != TCVM_OK ||
        tcvm_clinker_forward(l, NULL, "f", callee, "echo-bytes", count_hook, &moved) != TCVM_OK)
        return die("linker", "cannot define the forward");
    if (tcvm_cinstance_new(e, caller_c, l, NULL, &caller, &err) != TCVM_OK)
        return die("caller instance", err.message);
    tcvm_cfunc_t *run = tcvm_cinstance_func(caller, "run");

    printf("cross-instance call f(list<u8>) -> list<u8> through the host, %s tier\n",
           cfg.tier == TCVM_TIER_AOT ? "aot" : "interp");
    printf("%10s %14s %14s %16s %16s %9s\n", "size", "calls/s", "MiB/s", "memcpy iter/s",
           "memcpy MiB/s", "ratio");
    static const size_t sizes[] = {16, 4096, 1 << 20};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        /* calibrate: iterations for about secs seconds */
        uint32_t iters = 1;
        double t = 0;
        tcvm_cval_t r;
        for (;;) {
            tcvm_cval_t args[2] = {tcvm_cval_u(TCVM_CT_U32, n), tcvm_cval_u(TCVM_CT_U32, iters)};
            double t0 = now();
            if (tcvm_cfunc_call(caller, run, args, 2, &r) != TCVM_OK)
                return die("run", tcvm_cinstance_error(caller)->message);
            t = now() - t0;
            if ((uint64_t)r.of.u != ((uint64_t)n * iters & 0xffffffffu))
                return die("run", "the results do not add up");
            if (t >= secs || iters >= (1u << 30)) break;
            double scale = t > 0 ? secs / t * 1.1 : 16;
            if (scale > 16) scale = 16;
            if (scale < 2) scale = 2;
            iters = (uint32_t)(iters * scale);
        }
        double calls = iters / t, bytes = calls * 2.0 * (double)n;
        /* memcpy of the same bytes, same number of iterations */
        uint8_t *a = malloc(n), *b = malloc(n);
        if (!a || !b) return die("memcpy", "out of memory");
        memset(a, 1, n);
        uint64_t sink = 0;
        double t0 = now();
        for (uint32_t i = 0; i < iters; i++) {
            a[i % n] = (uint8_t)i;
            memcpy(b, a, n);
            b[(i * 7) % n] ^= 1;
            memcpy(a, b, n);
            sink += a[(i * 13) % n];
        }
        double tm = now() - t0;
        if (tm <= 0) tm = 1e-9;
        double mcalls = iters / tm, mbytes = mcalls * 2.0 * (double)n;
        char label[16];
        snprintf(label, sizeof label,
                 n >= (1 << 20) ? "%zu MiB"
                 : n >= 1024    ? "%zu KiB"
                                : "%zu B",
                 n >= (1 << 20) ? n >> 20
                 : n >= 1024    ? n >> 10
                                : n);
        printf("%10s %14.0f %14.1f %16.0f %16.1f %8.1fx\n", label, calls, bytes / 1048576.0, mcalls,
               mbytes / 1048576.0, mcalls / calls);
        free(a);
        free(b);
        if (sink == 42) printf(" ");
    }
    printf("(MiB/s counts both directions, 2 x size per call; ratio = memcpy iterations per "
           "call; hook saw %llu argument bytes)\n",
           (unsigned long long)moved);
    tcvm_cinstance_free(caller);
    tcvm_cinstance_free(callee);
    tcvm_clinker_free(l);
    tcvm_component_free(caller_c);
    tcvm_component_free(callee_c);
    tcvm_engine_free(e);
    return 0;
}
