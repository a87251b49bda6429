/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel "seqcopy" (sequential memory): a streaming copy of 32 Mi u64 (256 MiB) into a second
 * array of the same size, far larger than any cache of the reference machine. Each pass adds
 * its own number to every element (dst[i] = src[i] + u), so it cannot become a plain memcpy
 * or be skipped, and the checksum reads a few elements spread over the destination. One unit
 * is one pass (256 MiB read, 256 MiB written).
 */
#include "bench.h"

#define SEQCOPY_COUNT (32u << 20)

static uint64_t src[SEQCOPY_COUNT];
static uint64_t dst[SEQCOPY_COUNT];

void bench_setup(void)
{
    uint64_t x = 0xd1b54a32d192ed03ull;
    for (uint32_t i = 0; i < SEQCOPY_COUNT; i++) {
        x += 0x9e3779b97f4a7c15ull;
        src[i] = x ^ (x >> 31);
    }
}

BENCH_NOINLINE static void copy_pass(uint64_t *to, const uint64_t *from, uint32_t n, uint64_t u)
{
    for (uint32_t i = 0; i < n; i++)
        to[i] = from[i] + u;
}

uint32_t bench_run(uint32_t units)
{
    uint64_t h = 0;
    for (uint32_t u = 0; u < units; u++) {
        copy_pass(dst, src, SEQCOPY_COUNT, u);
        for (uint32_t k = 0; k < SEQCOPY_COUNT; k += SEQCOPY_COUNT / 64 + 7)
            h = h * 31u + dst[k];
    }
    return (uint32_t)(h ^ (h >> 32));
}
