/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every benchmark kernel shares. A kernel is one C file compiled twice, natively (gcc -O2)
 * and to wasm32 (clang --target=wasm32 -O2, no SIMD, no libc), from the same source and with
 * the same data. It defines
 *   void bench_setup(void)            builds its data (deterministic, from a fixed seed);
 *   uint32_t bench_run(uint32_t n)    runs n units of work and returns a checksum that depends
 *                                     on every unit, so nothing can be skipped or hoisted.
 * In wasm they are the exports "setup" and "run_n". A build for wabt's wasm-interp (which can
 * only call parameterless exports) defines BENCH_INTERP_UNITS and exports just "run", which
 * does setup and then that many units. A build as a WebAssembly component core module
 * (BENCH_COMPONENT, see kernels/xcall.wit) exports "setup" and "run-n".
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdint.h>

#if defined(__wasm__)
#define BENCH_EXPORT(name) __attribute__((export_name(name)))
#else
#define BENCH_EXPORT(name)
#endif

/* A function the compiler must really call: never inlined, cloned or specialised. */
#if defined(__clang__)
#define BENCH_NOINLINE __attribute__((noinline))
#else
#define BENCH_NOINLINE __attribute__((noipa))
#endif

/* xorshift32: the one pseudo-random source of every kernel's data. */
static inline uint32_t bench_rand(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

void bench_setup(void);
uint32_t bench_run(uint32_t units);

#if defined(BENCH_INTERP_UNITS)
BENCH_EXPORT("run") uint32_t bench_interp_run(void);
uint32_t bench_interp_run(void)
{
    bench_setup();
    return bench_run(BENCH_INTERP_UNITS);
}
#elif defined(__wasm__) && defined(BENCH_COMPONENT)
/* a component (kernels/xcall.wit): export names are kebab-case */
BENCH_EXPORT("setup") void bench_wasm_setup(void);
void bench_wasm_setup(void)
{
    bench_setup();
}
BENCH_EXPORT("run-n") uint32_t bench_wasm_run(uint32_t units);
uint32_t bench_wasm_run(uint32_t units)
{
    return bench_run(units);
}
#elif defined(__wasm__)
BENCH_EXPORT("setup") void bench_wasm_setup(void);
void bench_wasm_setup(void)
{
    bench_setup();
}
BENCH_EXPORT("run_n") uint32_t bench_wasm_run(uint32_t units);
uint32_t bench_wasm_run(uint32_t units)
{
    return bench_run(units);
}
#endif

#endif
