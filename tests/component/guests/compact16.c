/* SPDX-License-Identifier: Apache-2.0
 * Test component whose canonical options say latin1+utf16 (string-encoding: compact-utf16): a
 * string crosses as (ptr, tagged length): bit 31 clear, Latin-1 bytes; bit 31 set, UTF-16 code
 * units. The host picks Latin-1 when it can; describe reports which it got, concat and repeat
 * keep Latin-1 when both inputs are Latin-1 and widen otherwise, widen always answers UTF-16.
 * Strings of this encoding are 2-aligned whatever their tag, Latin-1 ones included. jco cannot
 * transpile this encoding, so the differential test checks these cases against written
 * expectations instead. */
#include "cabi.h"

#define UTF16_TAG 0x80000000u

typedef struct {
    const void *ptr;
    uint32_t tagged;
} cstr_t;

static cstr_t *ret_str(const void *ptr, uint32_t tagged) {
    cstr_t *r = (cstr_t *)cabi_ret;
    r->ptr = ptr;
    r->tagged = tagged;
    return r;
}

static uint32_t units(uint32_t tagged) { return tagged & ~UTF16_TAG; }

/* Copies a string as UTF-16 code units into out (Latin-1 bytes widen to one unit each). */
static void put16(uint16_t *out, const void *p, uint32_t tagged) {
    uint32_t n = units(tagged);
    if (tagged & UTF16_TAG) {
        memcpy(out, p, (size_t)n * 2);
    } else {
        const uint8_t *b = p;
        for (uint32_t i = 0; i < n; i++) out[i] = b[i];
    }
}

EXPORT("echo-string") void *echo_string(const void *p, uint32_t t) { return ret_str(p, t); }

/* "latin1 N" or "utf16 N": how the string arrived (Latin-1, so 1 byte per unit). */
EXPORT("describe") void *describe(const void *p, uint32_t t) {
    (void)p;
    uint8_t *out = cabi_alloc(2, 20);
    const char *kind = (t & UTF16_TAG) ? "utf16 " : "latin1 ";
    uint32_t n = 0;
    while (kind[n]) { out[n] = (uint8_t)kind[n]; n++; }
    char digits[10];
    uint32_t d = 0, v = units(t);
    do { digits[d++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (d) out[n++] = (uint8_t)digits[--d];
    return ret_str(out, n);
}

EXPORT("concat") void *concat(const void *a, uint32_t at, const void *b, uint32_t bt) {
    uint32_t an = units(at), bn = units(bt);
    if (!(at & UTF16_TAG) && !(bt & UTF16_TAG)) {
        uint8_t *out = cabi_alloc(2, an + bn);
        memcpy(out, a, an);
        memcpy(out + an, b, bn);
        return ret_str(out, an + bn);
    }
    uint16_t *out = cabi_alloc(2, (size_t)(an + bn) * 2);
    put16(out, a, at);
    put16(out + an, b, bt);
    return ret_str(out, (an + bn) | UTF16_TAG);
}

EXPORT("widen") void *widen(const void *p, uint32_t t) {
    uint32_t n = units(t);
    uint16_t *out = cabi_alloc(2, (size_t)n * 2);
    put16(out, p, t);
    return ret_str(out, n | UTF16_TAG);
}

EXPORT("repeat") void *repeat(const void *p, uint32_t t, uint32_t times) {
    uint32_t n = units(t);
    uint32_t unit = (t & UTF16_TAG) ? 2 : 1;
    uint64_t total = (uint64_t)n * times;
    if (total > 32u * 1024 * 1024) __builtin_trap();
    uint8_t *out = cabi_alloc(2, (size_t)total * unit);
    for (uint32_t k = 0; k < times; k++) memcpy(out + (size_t)k * n * unit, p, (size_t)n * unit);
    return ret_str(out, (uint32_t)total | (t & UTF16_TAG));
}
