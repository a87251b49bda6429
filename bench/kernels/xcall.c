/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel "xcall" (cross-component): the shape of a 2cvm job, where one sandbox calls another
 * through the host. The module plays both sides. As the caller (run_n), it writes a message of
 * XCALL_SIZE bytes into its own memory and calls the import host.peer(message, size); the host
 * copies the message out of the caller's memory into the callee's (the buffer the callee's
 * export "inbox" names), calls the callee's export "recv"(size), and returns its result. The
 * callee reads every word of the message. In wasm the two sides are two instances with two
 * memories, and the embedder (bench/driver.c, bench/v8.mjs) is the host; natively, peer is a
 * plain call that does the same copy, which is the lower bound of what the host can cost.
 *
 * The runner builds it twice: "xcall_small" (16 bytes, 4,096 calls per unit) and
 * "xcall_large" (64 KiB, 16 calls per unit), and each once more as a WebAssembly component
 * (BENCH_COMPONENT, world kernels/xcall.wit): there the message is a list<u32>, and the 2cvm
 * component runtime forwards the caller's import to the callee's export (tcvm_clinker_forward),
 * lifting the list out of one memory and lowering it into the other as a 2cvm channel does.
 */
#include "bench.h"

#ifndef XCALL_SIZE
#define XCALL_SIZE 16u
#endif
#define XCALL_WORDS (XCALL_SIZE / 4u)
#define XCALL_CALLS (XCALL_SIZE <= 4096u ? 4096u : 16u)

_Static_assert(XCALL_SIZE >= 4u && XCALL_SIZE % 4u == 0u, "whole words");

static uint32_t outbox[XCALL_WORDS];
static uint32_t inbox[XCALL_WORDS];

/* The callee's work: reads every word of the message. */
static inline uint32_t receive(const uint32_t *message, uint32_t words)
{
    uint32_t s = 0;
    for (uint32_t i = 0; i < words; i++)
        s += message[i] ^ i;
    return s;
}

#if defined(__wasm__) && defined(BENCH_COMPONENT)
/* As a component (kernels/xcall.wit): the import peer: func(message: list<u32>) -> u32 is
 * lowered to (pointer, count); the export recv takes the same list, which the runtime copies
 * into memory the callee's cabi_realloc hands out: its inbox. */
__attribute__((import_module("$root"), import_name("peer"))) uint32_t
bench_peer_list(const uint32_t *message, uint32_t count);
static uint32_t bench_peer(const uint32_t *message, uint32_t size)
{
    return bench_peer_list(message, size / 4u);
}

BENCH_EXPORT("cabi_realloc") void *xcall_realloc(void *old, uint32_t old_size, uint32_t align,
                                                 uint32_t new_size);
void *xcall_realloc(void *old, uint32_t old_size, uint32_t align, uint32_t new_size)
{
    (void)old;
    (void)old_size;
    if (new_size > sizeof inbox || align > 4u)
        __builtin_trap();
    return inbox;
}

BENCH_EXPORT("recv") uint32_t xcall_recv_list(const uint32_t *message, uint32_t count);
uint32_t xcall_recv_list(const uint32_t *message, uint32_t count)
{
    return receive(message, count);
}
#else
#if defined(__wasm__)
__attribute__((import_module("host"), import_name("peer"))) uint32_t
bench_peer(const uint32_t *message, uint32_t size);

BENCH_EXPORT("inbox") uint32_t *xcall_inbox(void);
uint32_t *xcall_inbox(void)
{
    return inbox;
}
#endif

/* The callee: reads the whole message in its inbox. */
BENCH_EXPORT("recv") uint32_t xcall_recv(uint32_t size);
uint32_t xcall_recv(uint32_t size)
{
    return receive(inbox, size / 4u);
}
#endif

#if !defined(__wasm__)
/* Natively the "host" is a plain call: the same copy, then the callee. */
BENCH_NOINLINE static uint32_t bench_peer(const uint32_t *message, uint32_t size)
{
    __builtin_memcpy(inbox, message, size);
    return xcall_recv(size);
}
#endif

void bench_setup(void)
{
    uint32_t s = 0xa54ff53au;
    for (uint32_t i = 0; i < XCALL_WORDS; i++)
        outbox[i] = bench_rand(&s);
}

uint32_t bench_run(uint32_t units)
{
    uint32_t h = 0;
    for (uint32_t u = 0; u < units; u++) {
        for (uint32_t i = 0; i < XCALL_CALLS; i++) {
            outbox[0] = i + u;
            h = h * 31u + bench_peer(outbox, XCALL_SIZE);
        }
    }
    return h;
}
