/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel "sha256" (compute): the SHA-256 compression function (FIPS 180-4) over a 16 KiB
 * buffer, as a workload only; 2cvm itself hashes with OpenSSL. One unit hashes the buffer
 * (256 blocks) chained onto the previous unit's state. bench_setup checks the implementation
 * against the FIPS 180-4 example ("abc") and, if it disagrees, makes every checksum 0 so the
 * runner reports a mismatch against the expected value it also checks natively.
 */
#include "bench.h"

#define SHA_BLOCKS 256u

static const uint32_t k[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u,
    0xab1c5ed5u, 0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu,
    0x9bdc06a7u, 0xc19bf174u, 0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu,
    0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau, 0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u,
    0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u, 0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu,
    0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u, 0xa2bfe8a1u, 0xa81a664bu,
    0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u, 0x19a4c116u,
    0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u,
    0xc67178f2u};

static const uint32_t h0[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                               0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};

static uint8_t buffer[SHA_BLOCKS * 64];
static uint32_t ok;

static inline uint32_t ror(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

static void compress(uint32_t st[8], const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6],
             h = st[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + k[i] +
                      w[i];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
    st[4] += e;
    st[5] += f;
    st[6] += g;
    st[7] += h;
}

void bench_setup(void)
{
    /* FIPS 180-4 example: SHA-256("abc") starts ba7816bf and ends f20015ad */
    uint8_t block[64] = {'a', 'b', 'c', 0x80};
    block[63] = 24; /* length in bits */
    uint32_t st[8];
    for (int i = 0; i < 8; i++)
        st[i] = h0[i];
    compress(st, block);
    ok = st[0] == 0xba7816bfu && st[7] == 0xf20015adu;
    uint32_t s = 0x3c6ef372u;
    for (uint32_t i = 0; i < sizeof buffer; i++)
        buffer[i] = (uint8_t)bench_rand(&s);
}

uint32_t bench_run(uint32_t units)
{
    uint32_t st[8];
    for (int i = 0; i < 8; i++)
        st[i] = h0[i];
    for (uint32_t u = 0; u < units; u++)
        for (uint32_t b = 0; b < SHA_BLOCKS; b++)
            compress(st, buffer + 64 * b);
    return ok ? st[0] ^ st[7] : 0;
}
