/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel "sort" (compute): sorts 16 Ki u32 keys (64 KiB) with a recursive quicksort
 * (median-of-three pivot, insertion sort below 16 keys). One unit copies the unsorted keys,
 * changes one of them, and sorts; the checksum samples the sorted array. Branchy code with
 * real recursion: it also pays for whatever each call costs.
 */
#include "bench.h"

#define SORT_COUNT (16u << 10)

static uint32_t keys[SORT_COUNT];
static uint32_t work[SORT_COUNT];

void bench_setup(void)
{
    uint32_t s = 0xbb67ae85u;
    for (uint32_t i = 0; i < SORT_COUNT; i++)
        keys[i] = bench_rand(&s);
}

static void insertion(uint32_t *v, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        uint32_t x = v[i], j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

static void swap(uint32_t *x, uint32_t *y)
{
    uint32_t t = *x;
    *x = *y;
    *y = t;
}

BENCH_NOINLINE static void quicksort(uint32_t *v, uint32_t n)
{
    while (n > 16) {
        uint32_t m = n / 2;
        if (v[m] < v[0])
            swap(&v[m], &v[0]);
        if (v[n - 1] < v[0])
            swap(&v[n - 1], &v[0]);
        if (v[n - 1] < v[m])
            swap(&v[n - 1], &v[m]);
        uint32_t pivot = v[m];
        uint32_t i = 0, j = n - 1;
        for (;;) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i >= j)
                break;
            swap(&v[i], &v[j]);
            i++;
            j--;
        }
        /* recurse into the smaller side, loop on the larger */
        uint32_t left = j + 1;
        if (left < n - left) {
            quicksort(v, left);
            v += left;
            n -= left;
        } else {
            quicksort(v + left, n - left);
            n = left;
        }
    }
    insertion(v, n);
}

uint32_t bench_run(uint32_t units)
{
    uint32_t h = 0;
    for (uint32_t u = 0; u < units; u++) {
        for (uint32_t i = 0; i < SORT_COUNT; i++)
            work[i] = keys[i];
        work[u % SORT_COUNT] ^= u * 0x9e3779b9u;
        quicksort(work, SORT_COUNT);
        for (uint32_t i = 0; i < SORT_COUNT; i += 257)
            h = h * 31u + work[i];
    }
    return h;
}
