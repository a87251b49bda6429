/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel "chase" (irregular memory): pointer chasing around one random cycle through
 * CHASE_NODES list nodes of 16 bytes. The default, 4 Mi nodes (64 MiB), is beyond the private
 * caches, so every step waits for a load from far away; the runner also builds it with 64 Ki
 * nodes (1 MiB, in L2: "chase_l2"), where the engine's own cost per step shows. One unit is
 * 1 Mi steps; the walk starts at node 0 on every run.
 *
 * The node layout is the same natively and in wasm32: the pointer sits in an 8-byte slot (a
 * wasm32 pointer is 4 bytes, a native one 8), so every node is 16 bytes at a 16-byte boundary
 * in both and the walk touches the same cache lines.
 */
#include "bench.h"

#ifndef CHASE_NODES
#define CHASE_NODES (4u << 20)
#endif
#define CHASE_STEPS (1u << 20)

struct node {
    union {
        struct node *p;
        uint64_t slot; /* keeps the pointer's slot 8 bytes wide in wasm32 too */
    } next;
    uint32_t value;
    uint32_t pad;
} __attribute__((aligned(16)));

_Static_assert(sizeof(struct node) == 16, "a node is 16 bytes in every build");
_Static_assert(_Alignof(struct node) == 16, "nodes are 16-byte aligned in every build");

static struct node nodes[CHASE_NODES];
static uint32_t order[CHASE_NODES];

void bench_setup(void)
{
    uint32_t s = 0x2545f491u;
    for (uint32_t i = 0; i < CHASE_NODES; i++)
        order[i] = i;
    /* Sattolo's shuffle: a single cycle through every node */
    for (uint32_t i = CHASE_NODES - 1; i > 0; i--) {
        uint32_t j = bench_rand(&s) % i;
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (uint32_t i = 0; i < CHASE_NODES; i++) {
        nodes[order[i]].next.slot = 0;
        nodes[order[i]].next.p = &nodes[order[(i + 1) % CHASE_NODES]];
        nodes[order[i]].value = bench_rand(&s);
    }
}

uint32_t bench_run(uint32_t units)
{
    const struct node *p = &nodes[0];
    uint32_t s = 0;
    for (uint32_t u = 0; u < units; u++) {
        for (uint32_t i = 0; i < CHASE_STEPS; i++) {
            s = (s ^ p->value) + i;
            p = p->next.p;
        }
    }
    return s;
}
