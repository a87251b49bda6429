/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel "seqsum" (sequential memory): a streaming sum over 64 Mi u64 (512 MiB), far larger
 * than any cache of the reference machine, so each pass streams from DRAM. One unit is one
 * pass; each pass mixes in its own number so passes cannot be merged. The elements are 8 bytes
 * so that a wasm32 build (no SIMD) moves 8 bytes per load, like a native scalar build.
 */
#include "bench.h"

#ifndef SEQSUM_COUNT /* seqsum_l2 builds it with 128 Ki (1 MiB, in L2) */
#define SEQSUM_COUNT (64u << 20)
#endif

static uint64_t data[SEQSUM_COUNT];

void bench_setup(void)
{
    /* cheap to build (interpreters run this too) but not a pattern a compiler can fold */
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (uint32_t i = 0; i < SEQSUM_COUNT; i++) {
        x += 0x9e3779b97f4a7c15ull;
        data[i] = x ^ (x >> 29);
    }
}

uint32_t bench_run(uint32_t units)
{
    uint64_t total = 0;
    for (uint32_t u = 0; u < units; u++) {
        uint64_t s = 0;
        for (uint32_t i = 0; i < SEQSUM_COUNT; i++)
            s += data[i] ^ u;
        total = total * 31u + s;
    }
    return (uint32_t)(total ^ (total >> 32));
}
