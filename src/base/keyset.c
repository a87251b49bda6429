/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sets of 64-bit keys, each with the index of the item it was made from, for uniqueness checks
 * in linear time over untrusted input (names in a module or component): open addressing, the
 * table kept at most half full. Equal keys are confirmed by the caller's comparison, so hash
 * collisions cost time, never a wrong verdict.
 */
#include "base/base.h"

#include <sys/random.h>

/* The slot of a key: the key mixed with the set's secret seed (splitmix64's finalizer), high
 * bits first, so crafted names cannot aim at one slot to make the checks quadratic. */
static uint32_t slot(const tcvm__keyset_t *set, uint64_t key)
{
    uint64_t z = key ^ set->seed;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (uint32_t)(z >> 32) & (set->cap - 1);
}

static tcvm_status_t keyset_grow(tcvm__keyset_t *set)
{
    if (set->cap == 0 && getrandom(&set->seed, sizeof set->seed, GRND_NONBLOCK) !=
                             (ssize_t)sizeof set->seed)
        set->seed = (uint64_t)(uintptr_t)set ^ 0x9e3779b97f4a7c15ull; /* no entropy: still mixed */
    uint32_t cap = set->cap ? set->cap * 2 : 16;
    uint64_t *keys = tcvm__calloc(cap, sizeof *keys);
    uint32_t *idx = tcvm__calloc(cap, sizeof *idx);
    if (!keys || !idx) {
        tcvm__free(keys);
        tcvm__free(idx);
        return TCVM_ENOMEM;
    }
    for (uint32_t i = 0; i < set->cap; i++) {
        if (set->idx[i] == 0) continue; /* empty (indices are stored plus one) */
        tcvm__keyset_t grown = {keys, idx, cap, 0, set->seed};
        uint32_t j = slot(&grown, set->keys[i]);
        while (idx[j] != 0)
            j = (j + 1) & (cap - 1);
        keys[j] = set->keys[i];
        idx[j] = set->idx[i];
    }
    tcvm__free(set->keys);
    tcvm__free(set->idx);
    set->keys = keys;
    set->idx = idx;
    set->cap = cap;
    return TCVM_OK;
}

tcvm_status_t tcvm__keyset_add(tcvm__keyset_t *set, uint64_t key, uint32_t index,
                                bool (*same)(const void *ctx, uint32_t index), const void *ctx,
                                uint32_t *found)
{
    *found = UINT32_MAX;
    if (index == UINT32_MAX) return TCVM_ELIMIT;
    if ((uint64_t)(set->n + 1) * 2 > set->cap) {
        tcvm_status_t st = keyset_grow(set);
        if (st != TCVM_OK) return st;
    }
    uint32_t j = slot(set, key);
    for (; set->idx[j] != 0; j = (j + 1) & (set->cap - 1)) {
        if (set->keys[j] == key && same(ctx, set->idx[j] - 1)) {
            *found = set->idx[j] - 1;
            return TCVM_OK;
        }
    }
    set->keys[j] = key;
    set->idx[j] = index + 1;
    set->n++;
    return TCVM_OK;
}

void tcvm__keyset_free(tcvm__keyset_t *set)
{
    tcvm__free(set->keys);
    tcvm__free(set->idx);
    memset(set, 0, sizeof *set);
}
