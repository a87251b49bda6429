/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Benchmark driver for the 2cvm engine: loads a kernel's wasm32 module through the public API
 * (tcvm/wasm.h) on the chosen tier, calls its "setup" export once, then times only the call of
 * "run_n"(UNITS), REPS times, and prints "key value" lines like the native driver: the
 * checksum, the median, minimum and maximum seconds, every repetition ("times"), and the time
 * tcvm_module_new took ("load": for the AOT tier, translation and compilation, or loading the
 * cached shared object).
 *
 * With --peer the module is a cross-component kernel (kernels/xcall.c): it is instantiated
 * twice, each instance in its own store with its own memory, and the driver is the host between
 * them. The caller's import host.peer(ptr, size) copies size bytes out of the caller's memory
 * into the callee's inbox through the embedding API (bounds-checked on both sides), calls the
 * callee's export "recv", and returns its result, as the 2cvm runtime does for a channel.
 *
 * With --component the file is the component build of that kernel (kernels/xcall.wit): two
 * component instances, and the caller's import "peer" is forwarded to the callee's export
 * "recv" by the component runtime (tcvm_clinker_forward), which lifts the list out of the
 * caller's memory and lowers it into the callee's, as 2cvm does for a channel. That mode is
 * compiled in with -DBENCH_WITH_COMPONENT, which the runner passes when the library has the
 * component runtime.
 *
 * Usage: driver MODULE.wasm UNITS REPS [--tier interp|aot] [--fuel] [--cache DIR] [--peer]
 *        [--component] [--load-only]
 */
#define _POSIX_C_SOURCE 200809L
#include "tcvm/wasm.h"
#if defined(BENCH_WITH_COMPONENT)
#include "tcvm/component.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_REPS 100
#define MAX_MODULE_SIZE (64u << 20)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int parse_count(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

static uint8_t *read_all(const char *path, size_t *out_size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    uint8_t *buf = malloc(MAX_MODULE_SIZE);
    size_t n = buf ? fread(buf, 1, MAX_MODULE_SIZE, f) : 0;
    int bad = ferror(f) || !feof(f);
    fclose(f);
    if (buf == NULL || bad) {
        free(buf);
        return NULL;
    }
    *out_size = n;
    return buf;
}

static int fail(const char *what, tcvm_status_t st, const char *detail)
{
    fprintf(stderr, "driver: %s: %s%s%s\n", what, tcvm_status_name(st),
            detail && detail[0] ? ": " : "", detail ? detail : "");
    return 1;
}

/* The host between the two instances of a cross-component kernel. */
struct peer {
    tcvm_memory_t *from;   /* the caller's memory */
    tcvm_store_t *store;   /* the callee's store */
    tcvm_memory_t *to;     /* the callee's memory */
    tcvm_func_t *recv;     /* the callee's "recv" */
    uint32_t inbox;        /* where the callee wants the message */
};

static tcvm_status_t host_peer(void *env, tcvm_caller_t *caller, const tcvm_val_t *args,
                               tcvm_val_t *results)
{
    struct peer *p = env;
    uint32_t ptr = (uint32_t)args[0].of.i32, size = (uint32_t)args[1].of.i32;
    if ((uint64_t)p->inbox + size > tcvm_memory_size(p->to))
        return tcvm_caller_trapf(caller, "message of %u bytes does not fit the callee", size);
    /* bounds-checked read out of the caller, straight into the callee's checked range */
    tcvm_status_t st = tcvm_memory_read(p->from, ptr, tcvm_memory_data(p->to) + p->inbox, size);
    if (st != TCVM_OK)
        return tcvm_caller_trapf(caller, "message outside the caller's memory");
    tcvm_val_t arg = tcvm_val_i32((int32_t)size);
    st = tcvm_func_call(p->store, p->recv, &arg, 1, results, 1);
    if (st != TCVM_OK)
        return tcvm_caller_trapf(caller, "callee: %s", tcvm_store_error(p->store)->message);
    return TCVM_OK;
}

static tcvm_status_t host_refuse(void *env, tcvm_caller_t *caller, const tcvm_val_t *args,
                                 tcvm_val_t *results)
{
    (void)env;
    (void)args;
    (void)results;
    return tcvm_caller_trapf(caller, "the callee has no peer");
}

static void report(double *times, unsigned long reps, uint32_t checksum, double t_load);

#if defined(BENCH_WITH_COMPONENT)
static tcvm_status_t component_refuse(void *env, tcvm_ccall_t *call, const tcvm_cval_t *args,
                                      size_t arg_count, tcvm_cval_t *result)
{
    (void)env;
    (void)args;
    (void)arg_count;
    (void)result;
    return tcvm_ccall_trapf(call, "the callee has no peer");
}

/* The --component mode: the two sides of kernels/xcall.c as component instances. */
static int run_component(tcvm_engine_t *engine, const uint8_t *bytes, size_t size,
                         unsigned long units, unsigned long reps, bool load_only)
{
    int rc = 1;
    tcvm_component_t *comp = NULL;
    tcvm_clinker_t *callee_linker = NULL, *linker = NULL;
    tcvm_cinstance_t *callee = NULL, *caller = NULL;
    tcvm_error_t err = {0};
    double t_load = now();
    tcvm_status_t st = tcvm_component_new(engine, bytes, size, &comp, &err, NULL);
    t_load = now() - t_load;
    if (st != TCVM_OK) {
        rc = fail("component", st, err.message);
        goto out;
    }
    if (load_only) {
        printf("load %.9f\n", t_load);
        rc = 0;
        goto out;
    }
    if ((st = tcvm_clinker_new(&callee_linker)) != TCVM_OK ||
        (st = tcvm_clinker_define_func(callee_linker, NULL, "peer", component_refuse, NULL,
                                       NULL)) != TCVM_OK ||
        (st = tcvm_cinstance_new(engine, comp, callee_linker, NULL, &callee, &err)) != TCVM_OK) {
        rc = fail("callee", st, err.message);
        goto out;
    }
    if ((st = tcvm_clinker_new(&linker)) != TCVM_OK ||
        (st = tcvm_clinker_forward(linker, NULL, "peer", callee, "recv", NULL, NULL)) !=
            TCVM_OK ||
        (st = tcvm_cinstance_new(engine, comp, linker, NULL, &caller, &err)) != TCVM_OK) {
        rc = fail("caller", st, err.message);
        goto out;
    }
    tcvm_cfunc_t *setup = tcvm_cinstance_func(caller, "setup");
    tcvm_cfunc_t *run = tcvm_cinstance_func(caller, "run-n");
    if (setup == NULL || run == NULL) {
        fprintf(stderr, "driver: the component does not export setup and run-n\n");
        goto out;
    }
    if ((st = tcvm_cfunc_call(caller, setup, NULL, 0, NULL)) != TCVM_OK) {
        rc = fail("setup", st, tcvm_cinstance_error(caller)->message);
        goto out;
    }
    double times[MAX_REPS];
    uint32_t checksum = 0;
    for (unsigned long r = 0; r < reps; r++) {
        tcvm_cval_t arg = tcvm_cval_u(TCVM_CT_U32, units), result;
        double t0 = now();
        st = tcvm_cfunc_call(caller, run, &arg, 1, &result);
        times[r] = now() - t0;
        if (st != TCVM_OK) {
            rc = fail("run-n", st, tcvm_cinstance_error(caller)->message);
            goto out;
        }
        uint32_t c = (uint32_t)result.of.u;
        tcvm_cval_clear(&result);
        if (r > 0 && c != checksum) {
            fprintf(stderr, "driver: checksum changed between repetitions: %u then %u\n",
                    checksum, c);
            goto out;
        }
        checksum = c;
    }
    report(times, reps, checksum, t_load);
    rc = 0;
out:
    tcvm_cinstance_free(caller);
    tcvm_cinstance_free(callee);
    tcvm_clinker_free(linker);
    tcvm_clinker_free(callee_linker);
    tcvm_component_free(comp);
    return rc;
}
#endif

static void report(double *times, unsigned long reps, uint32_t checksum, double t_load)
{
    printf("times");
    for (unsigned long r = 0; r < reps; r++)
        printf("%s%.9f", r ? "," : " ", times[r]);
    printf("\n");
    qsort(times, reps, sizeof times[0], cmp_double);
    printf("checksum %u\nmedian %.9f\nmin %.9f\nmax %.9f\nload %.9f\n", checksum,
           times[reps / 2], times[0], times[reps - 1], t_load);
}

/* Instantiates module in a new store; peer_fn (may be NULL) satisfies an import host.peer. */
static int instantiate(tcvm_engine_t *engine, tcvm_module_t *module, bool fuel,
                       tcvm_host_fn_t peer_fn, void *peer_env, tcvm_store_t **out_store,
                       tcvm_instance_t **out_instance)
{
    tcvm_error_t err = {0};
    tcvm_status_t st = tcvm_store_new(engine, NULL, out_store);
    if (st != TCVM_OK)
        return fail("store", st, NULL);
    if (fuel && (st = tcvm_store_set_fuel(*out_store, UINT64_MAX)) != TCVM_OK)
        return fail("fuel", st, NULL);
    tcvm_extern_t imports[1];
    size_t import_count = tcvm_module_import_count(module);
    if (import_count > 1 || (import_count == 1 && peer_fn == NULL)) {
        fprintf(stderr, "driver: the module has imports other than host.peer\n");
        return 1;
    }
    if (import_count == 1) {
        static const tcvm_valtype_t types[] = {TCVM_I32, TCVM_I32, TCVM_I32};
        tcvm_functype_t type = {.param_count = 2, .result_count = 1, .params = types,
                                .results = types + 2};
        tcvm_func_t *f;
        if ((st = tcvm_func_new_host(*out_store, &type, peer_fn, peer_env, NULL, &f)) !=
            TCVM_OK)
            return fail("host function", st, NULL);
        imports[0].kind = TCVM_EXTERN_FUNC;
        imports[0].of.func = f;
    }
    st = tcvm_instance_new(*out_store, module, imports, import_count, out_instance, &err);
    if (st != TCVM_OK)
        return fail("instantiate", st, err.message);
    tcvm_func_t *setup = tcvm_instance_func(*out_instance, "setup");
    if (setup == NULL) {
        fprintf(stderr, "driver: the module does not export setup\n");
        return 1;
    }
    if ((st = tcvm_func_call(*out_store, setup, NULL, 0, NULL, 0)) != TCVM_OK)
        return fail("setup", st, tcvm_store_error(*out_store)->message);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long units, reps;
    bool fuel = false, peer_mode = false, load_only = false, component = false;
    tcvm_engine_config_t config = {0};
    int bad = argc < 4;
    for (int i = 4; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--fuel") == 0)
            fuel = true;
        else if (strcmp(argv[i], "--peer") == 0)
            peer_mode = true;
        else if (strcmp(argv[i], "--load-only") == 0)
            load_only = true;
        else if (strcmp(argv[i], "--component") == 0)
            component = true;
        else if (strcmp(argv[i], "--cache") == 0 && i + 1 < argc)
            config.aot_cache_dir = argv[++i];
        else if (strcmp(argv[i], "--tier") == 0 && i + 1 < argc) {
            i++;
            if (strcmp(argv[i], "aot") == 0)
                config.tier = TCVM_TIER_AOT;
            else if (strcmp(argv[i], "interp") == 0)
                config.tier = TCVM_TIER_INTERP;
            else
                bad = 1;
        } else
            bad = 1;
    }
    if (bad || parse_count(argv[2], UINT32_MAX, &units) != 0 ||
        parse_count(argv[3], MAX_REPS, &reps) != 0 || reps == 0) {
        fprintf(stderr,
                "usage: %s MODULE.wasm UNITS REPS (1..%d) [--tier interp|aot] [--fuel] "
                "[--cache DIR] [--peer] [--component] [--load-only]\n",
                argv[0], MAX_REPS);
        return 2;
    }
    config.fuel = fuel;
    size_t size = 0;
    uint8_t *bytes = read_all(argv[1], &size);
    if (bytes == NULL) {
        fprintf(stderr, "driver: cannot read %s\n", argv[1]);
        return 1;
    }

    int rc = 1;
    tcvm_engine_t *engine = NULL;
    tcvm_module_t *module = NULL;
    tcvm_store_t *store = NULL, *callee_store = NULL;
    tcvm_instance_t *instance = NULL, *callee = NULL;
    tcvm_error_t err = {0};
    struct peer peer = {0};
    tcvm_status_t st = tcvm_engine_new(&config, &engine);
    if (st != TCVM_OK) {
        rc = fail("engine", st, NULL);
        goto out;
    }
    if (component) {
#if defined(BENCH_WITH_COMPONENT)
        rc = run_component(engine, bytes, size, units, reps, load_only);
#else
        fprintf(stderr, "driver: built without the component runtime\n");
#endif
        goto out;
    }
    double t_load = now();
    st = tcvm_module_new(engine, bytes, size, &module, &err);
    t_load = now() - t_load;
    if (st != TCVM_OK) {
        rc = fail(argv[1], st, err.message);
        goto out;
    }
    if (load_only) {
        printf("load %.9f\n", t_load);
        rc = 0;
        goto out;
    }
    if (peer_mode) {
        /* the callee first: the caller's host function needs its store, memory and exports */
        if (instantiate(engine, module, fuel, host_refuse, NULL, &callee_store, &callee) != 0)
            goto out;
        tcvm_func_t *inbox = tcvm_instance_func(callee, "inbox");
        peer.recv = tcvm_instance_func(callee, "recv");
        peer.to = tcvm_instance_memory(callee, "memory");
        peer.store = callee_store;
        tcvm_val_t at;
        if (inbox == NULL || peer.recv == NULL || peer.to == NULL ||
            tcvm_func_call(callee_store, inbox, NULL, 0, &at, 1) != TCVM_OK) {
            fprintf(stderr, "driver: %s is not a cross-component kernel\n", argv[1]);
            goto out;
        }
        peer.inbox = (uint32_t)at.of.i32;
    }
    if (instantiate(engine, module, fuel, host_peer, &peer, &store, &instance) != 0)
        goto out;
    peer.from = tcvm_instance_memory(instance, "memory");
    tcvm_func_t *run = tcvm_instance_func(instance, "run_n");
    if (run == NULL || (peer_mode && peer.from == NULL)) {
        fprintf(stderr, "driver: %s does not export run_n (and memory)\n", argv[1]);
        goto out;
    }
    double times[MAX_REPS];
    uint32_t checksum = 0;
    for (unsigned long r = 0; r < reps; r++) {
        tcvm_val_t arg = tcvm_val_i32((int32_t)(uint32_t)units), result;
        double t0 = now();
        st = tcvm_func_call(store, run, &arg, 1, &result, 1);
        times[r] = now() - t0;
        if (st != TCVM_OK) {
            rc = fail("run_n", st, tcvm_store_error(store)->message);
            goto out;
        }
        uint32_t c = (uint32_t)result.of.i32;
        if (r > 0 && c != checksum) {
            fprintf(stderr, "driver: checksum changed between repetitions: %u then %u\n",
                    checksum, c);
            goto out;
        }
        checksum = c;
    }
    report(times, reps, checksum, t_load);
    rc = 0;
out:
    tcvm_store_free(store);
    tcvm_store_free(callee_store);
    tcvm_module_free(module);
    tcvm_engine_free(engine);
    free(bytes);
    return rc;
}
