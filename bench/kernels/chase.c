/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel "chase": pointer chasing around one random cycle through 65,536 list nodes of 16 bytes
 * (1 MiB, in L2). The node layout is the same natively and in wasm32: the pointer sits in an
 * 8-byte slot (a wasm32 pointer is 4 bytes, a native one 8), so every node is 16 bytes at a
 * 16-byte boundary in both and the walk touches the same cache lines. One unit is one lap.
 */
#include "bench.h"

#define CHASE_COUNT 65536u

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

static struct node nodes[CHASE_COUNT];
static uint32_t order[CHASE_COUNT];

void bench_setup(void)
{
    uint32_t s = 0x2545f491u;
    for (uint32_t i = 0; i < CHASE_COUNT; i++)
        order[i] = i;
    /* Sattolo's shuffle: a single cycle through every node */
    for (uint32_t i = CHASE_COUNT - 1; i > 0; i--) {
        uint32_t j = bench_rand(&s) % i;
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (uint32_t i = 0; i < CHASE_COUNT; i++) {
        nodes[order[i]].next.slot = 0;
        nodes[order[i]].next.p = &nodes[order[(i + 1) % CHASE_COUNT]];
        nodes[order[i]].value = bench_rand(&s);
    }
}

uint32_t bench_run(uint32_t units)
{
    const struct node *p = &nodes[0];
    uint32_t s = 0;
    for (uint32_t u = 0; u < units; u++) {
        for (uint32_t i = 0; i < CHASE_COUNT; i++) {
            s = (s ^ p->value) + i;
            p = p->next.p;
        }
    }
    return s;
}
