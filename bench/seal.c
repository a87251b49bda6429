/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Throughput of age sealing and opening in memory (tcvm_seal_buffer / tcvm_open_buffer) for one
 * recipient: the best of several runs over a buffer of random bytes. Built and run by
 * bench/run-seal, which also times the 2cvm and age commands on the same file.
 * Usage: bench-seal [MIB] [RUNS]
 */
#include "tcvm/seal.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    size_t size = mib << 20;
    uint8_t *plain = malloc(size);
    if (plain == NULL || mib == 0 || runs <= 0)
        return 2;
    for (size_t i = 0; i < size; i++)
        plain[i] = (uint8_t)(i * 2654435761u >> 24);
    tcvm_age_identity_t id;
    tcvm_age_recipient_t r;
    if (tcvm_age_identity_generate(&id) != TCVM_OK)
        return 1;
    tcvm_age_identity_recipient(&id, &r);
    double best_seal = 1e9, best_open = 1e9;
    for (int k = 0; k < runs; k++) {
        uint8_t *sealed, *opened;
        size_t sealed_size, opened_size;
        double t0 = now();
        if (tcvm_seal_buffer(&r, 1, 0, plain, size, &sealed, &sealed_size, NULL) != TCVM_OK)
            return 1;
        double t1 = now();
        if (tcvm_open_buffer(&id, 1, sealed, sealed_size, &opened, &opened_size, NULL) != TCVM_OK ||
            opened_size != size)
            return 1;
        double t2 = now();
        if (t1 - t0 < best_seal)
            best_seal = t1 - t0;
        if (t2 - t1 < best_open)
            best_open = t2 - t1;
        tcvm_seal_free(sealed);
        tcvm_seal_free_secret(opened, opened_size);
    }
    printf("in memory, %zu MiB, best of %d: seal %.0f MiB/s, open %.0f MiB/s\n", mib, runs,
           (double)mib / best_seal, (double)mib / best_open);
    free(plain);
    return 0;
}
