/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel "crc32": table-driven CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) one byte
 * at a time over a 64 KiB buffer. One unit is one pass; the CRC carries from pass to pass.
 */
#include "bench.h"

#define CRC_SIZE 65536u

static uint8_t buffer[CRC_SIZE];
static uint32_t table[256];

void bench_setup(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        table[n] = c;
    }
    uint32_t s = 0x9e3779b9u;
    for (uint32_t i = 0; i < CRC_SIZE; i++)
        buffer[i] = (uint8_t)bench_rand(&s);
}

uint32_t bench_run(uint32_t units)
{
    uint32_t crc = 0xffffffffu;
    for (uint32_t u = 0; u < units; u++) {
        for (uint32_t i = 0; i < CRC_SIZE; i++)
            crc = table[(crc ^ buffer[i]) & 0xff] ^ (crc >> 8);
    }
    return crc ^ 0xffffffffu;
}
