/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel "randread" (irregular memory): random reads in a table of 16 Mi u32 (64 MiB, beyond
 * the private caches). The indexes come from a xorshift generator and do not depend on the
 * values read, so the reads are independent and the processor may overlap them: this measures
 * random-access throughput, where "chase" measures latency. One unit is 1 Mi reads.
 */
#include "bench.h"

#define RANDREAD_COUNT (16u << 20)
#define RANDREAD_STEPS (1u << 20)

static uint32_t table[RANDREAD_COUNT];

void bench_setup(void)
{
    uint32_t s = 0x51ed270bu;
    for (uint32_t i = 0; i < RANDREAD_COUNT; i++)
        table[i] = bench_rand(&s);
}

uint32_t bench_run(uint32_t units)
{
    uint32_t s = 0x2545f491u, sum = 0;
    for (uint32_t u = 0; u < units; u++) {
        for (uint32_t i = 0; i < RANDREAD_STEPS; i++)
            sum += table[bench_rand(&s) & (RANDREAD_COUNT - 1)] ^ i;
        sum = sum * 31u + u;
    }
    return sum;
}
