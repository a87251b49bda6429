/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel "calls": many small function calls that are never inlined. One unit is 1,024 steps;
 * each step makes five calls: step() directly, which calls two leaves directly and one of four
 * leaves through a function-pointer table (call_indirect in wasm), and that leaf calls one more.
 */
#include "bench.h"

#define CALLS_STEPS 1024u

BENCH_NOINLINE static uint32_t rotl5(uint32_t x)
{
    return (x << 5) | (x >> 27);
}
BENCH_NOINLINE static uint32_t add_golden(uint32_t x)
{
    return x + 0x9e3779b9u;
}
BENCH_NOINLINE static uint32_t op_mul(uint32_t x, uint32_t y)
{
    return rotl5(x) * (y | 1u);
}
BENCH_NOINLINE static uint32_t op_xor(uint32_t x, uint32_t y)
{
    return rotl5(x ^ y);
}
BENCH_NOINLINE static uint32_t op_sub(uint32_t x, uint32_t y)
{
    return add_golden(x - y);
}
BENCH_NOINLINE static uint32_t op_add(uint32_t x, uint32_t y)
{
    return add_golden(x + y);
}

typedef uint32_t (*op_fn)(uint32_t, uint32_t);
static op_fn ops[4];

BENCH_NOINLINE static uint32_t step(uint32_t h, uint32_t i)
{
    uint32_t a = rotl5(h);
    uint32_t b = add_golden(a ^ i);
    return ops[(b >> 7) & 3](b, i);
}

void bench_setup(void)
{
    ops[0] = op_mul;
    ops[1] = op_xor;
    ops[2] = op_sub;
    ops[3] = op_add;
}

uint32_t bench_run(uint32_t units)
{
    uint32_t h = 1;
    for (uint32_t u = 0; u < units; u++) {
        for (uint32_t i = 0; i < CALLS_STEPS; i++)
            h = step(h, i + u);
    }
    return h;
}
