/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel "matmul" (compute): C = A x B for 128 x 128 matrices of doubles, in i-k-j order
 * (the inner loop streams a row of B and a row of C). 384 KiB of data, in L2. One unit is one
 * product; one element of A changes during each unit (and is restored after), so no product can
 * be reused. The checksum folds the bits of a few elements of C.
 */
#include "bench.h"

#define MM_N 128u

static double a[MM_N][MM_N], b[MM_N][MM_N], c[MM_N][MM_N];

void bench_setup(void)
{
    uint32_t s = 0x6a09e667u;
    for (uint32_t i = 0; i < MM_N; i++)
        for (uint32_t j = 0; j < MM_N; j++) {
            a[i][j] = (double)(bench_rand(&s) % 2001u) / 1000.0 - 1.0;
            b[i][j] = (double)(bench_rand(&s) % 2001u) / 1000.0 - 1.0;
        }
}

BENCH_NOINLINE static void multiply(void)
{
    for (uint32_t i = 0; i < MM_N; i++) {
        for (uint32_t j = 0; j < MM_N; j++)
            c[i][j] = 0.0;
        for (uint32_t k = 0; k < MM_N; k++) {
            double aik = a[i][k];
            for (uint32_t j = 0; j < MM_N; j++)
                c[i][j] += aik * b[k][j];
        }
    }
}

static uint64_t bits(double d)
{
    union {
        double d;
        uint64_t u;
    } v = {.d = d};
    return v.u;
}

uint32_t bench_run(uint32_t units)
{
    uint64_t h = 0;
    for (uint32_t u = 0; u < units; u++) {
        double *x = &a[u % MM_N][(u * 7u) % MM_N], old = *x;
        *x = old + 0.5;
        multiply();
        *x = old; /* every run starts from the same A */
        for (uint32_t i = 0; i < MM_N; i += 17)
            h = h * 31u + bits(c[i][(i * 5u + u) % MM_N]);
    }
    return (uint32_t)(h ^ (h >> 32));
}
