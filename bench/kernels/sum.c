/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel "sum": a sequential sum over an array of 65,536 u32 (256 KiB, in L2). One unit is one
 * pass; each pass mixes in its own number so passes cannot be merged.
 */
#include "bench.h"

#define SUM_COUNT 65536u

static uint32_t data[SUM_COUNT];

void bench_setup(void)
{
    uint32_t s = 0x12345678u;
    for (uint32_t i = 0; i < SUM_COUNT; i++)
        data[i] = bench_rand(&s);
}

uint32_t bench_run(uint32_t units)
{
    uint32_t total = 0;
    for (uint32_t u = 0; u < units; u++) {
        uint32_t s = 0;
        for (uint32_t i = 0; i < SUM_COUNT; i++)
            s += data[i] ^ u;
        total = total * 31u + s;
    }
    return total;
}
