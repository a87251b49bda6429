/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Benchmark driver for the 2cvm engine: loads a kernel's wasm32 module through the public API
 * (tcvm/wasm.h), calls its "setup" export once, then times only the call of "run_n"(UNITS),
 * REPS times, and prints the checksum and the median, minimum and maximum seconds as
 * "key value" lines, like the native driver. With --fuel the engine meters fuel (every
 * instruction counted), to show what metering costs.
 * Usage: driver MODULE.wasm UNITS REPS [--fuel]
 */
#define _POSIX_C_SOURCE 200809L
#include "tcvm/wasm.h"

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

int main(int argc, char **argv)
{
    unsigned long units, reps;
    bool fuel = argc == 5 && strcmp(argv[4], "--fuel") == 0;
    if ((argc != 4 && !fuel) || parse_count(argv[2], UINT32_MAX, &units) != 0 ||
        parse_count(argv[3], MAX_REPS, &reps) != 0 || reps == 0) {
        fprintf(stderr, "usage: %s MODULE.wasm UNITS REPS (1..%d) [--fuel]\n", argv[0], MAX_REPS);
        return 2;
    }
    size_t size = 0;
    uint8_t *bytes = read_all(argv[1], &size);
    if (bytes == NULL) {
        fprintf(stderr, "driver: cannot read %s\n", argv[1]);
        return 1;
    }

    int rc = 1;
    tcvm_engine_t *engine = NULL;
    tcvm_module_t *module = NULL;
    tcvm_store_t *store = NULL;
    tcvm_instance_t *instance = NULL;
    tcvm_error_t err = {0};
    tcvm_engine_config_t config = {.fuel = fuel};
    tcvm_status_t st = tcvm_engine_new(&config, &engine);
    if (st != TCVM_OK) {
        rc = fail("engine", st, NULL);
        goto out;
    }
    double t_load = now();
    st = tcvm_module_new(engine, bytes, size, &module, &err);
    t_load = now() - t_load;
    if (st != TCVM_OK) {
        rc = fail(argv[1], st, err.message);
        goto out;
    }
    if ((st = tcvm_store_new(engine, NULL, &store)) != TCVM_OK) {
        rc = fail("store", st, NULL);
        goto out;
    }
    if (fuel && (st = tcvm_store_set_fuel(store, UINT64_MAX)) != TCVM_OK) {
        rc = fail("fuel", st, NULL);
        goto out;
    }
    st = tcvm_instance_new(store, module, NULL, 0, &instance, &err);
    if (st != TCVM_OK) {
        rc = fail("instantiate", st, err.message);
        goto out;
    }
    tcvm_func_t *setup = tcvm_instance_func(instance, "setup");
    tcvm_func_t *run = tcvm_instance_func(instance, "run_n");
    if (setup == NULL || run == NULL) {
        fprintf(stderr, "driver: %s does not export setup and run_n\n", argv[1]);
        goto out;
    }
    st = tcvm_func_call(store, setup, NULL, 0, NULL, 0);
    if (st != TCVM_OK) {
        rc = fail("setup", st, tcvm_store_error(store)->message);
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
    qsort(times, reps, sizeof times[0], cmp_double);
    printf("checksum %u\nmedian %.9f\nmin %.9f\nmax %.9f\nload %.9f\n", checksum,
           times[reps / 2], times[0], times[reps - 1], t_load);
    rc = 0;
out:
    tcvm_store_free(store);
    tcvm_module_free(module);
    tcvm_engine_free(engine);
    free(bytes);
    return rc;
}
