/* SPDX-License-Identifier: Apache-2.0
 * Test component: strings in UTF-8 (the canonical ABI's default encoding). A string parameter
 * arrives as (ptr, len) in bytes, allocated by the caller through cabi_realloc; a string result
 * goes through the return area as {ptr, len} (8 bytes, align 4). reverse-chars and count-chars
 * walk code points, so non-ASCII text must arrive intact; repeat builds strings of megabytes.
 * Several exports have post-return functions that check they get the pointer the export gave. */
#include "cabi.h"

typedef struct {
    const uint8_t *ptr;
    uint32_t len;
} str_t;

static str_t *ret_str(const uint8_t *ptr, uint32_t len) {
    str_t *r = (str_t *)cabi_ret;
    r->ptr = ptr;
    r->len = len;
    return r;
}

/* Length of the UTF-8 sequence starting with byte b (input is valid UTF-8: the host checked). */
static uint32_t seq_len(uint8_t b) {
    return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
}

static void *last_ret;

static void check_post(void *p) {
    if (p != last_ret) __builtin_trap();
    last_ret = 0;
}

EXPORT("echo-string") void *echo_string(const uint8_t *p, uint32_t n) { return last_ret = ret_str(p, n); }
EXPORT("cabi_post_echo-string") void post_echo_string(void *p) { check_post(p); }

EXPORT("count-chars") uint32_t count_chars(const uint8_t *p, uint32_t n) {
    uint32_t count = 0;
    for (uint32_t i = 0; i < n; i += seq_len(p[i])) count++;
    return count;
}

EXPORT("reverse-chars") void *reverse_chars(const uint8_t *p, uint32_t n) {
    uint8_t *out = cabi_alloc(1, n);
    uint32_t i = 0;
    while (i < n) {
        uint32_t k = seq_len(p[i]);
        memcpy(out + (n - i - k), p + i, k);
        i += k;
    }
    return last_ret = ret_str(out, n);
}
EXPORT("cabi_post_reverse-chars") void post_reverse_chars(void *p) { check_post(p); }

EXPORT("concat") void *concat(const uint8_t *a, uint32_t an, const uint8_t *b, uint32_t bn) {
    uint8_t *out = cabi_alloc(1, an + bn);
    memcpy(out, a, an);
    memcpy(out + an, b, bn);
    return ret_str(out, an + bn);
}

EXPORT("repeat") void *repeat(const uint8_t *p, uint32_t n, uint32_t times) {
    uint64_t total = (uint64_t)n * times;
    if (total > 64u * 1024 * 1024) __builtin_trap();
    uint8_t *out = cabi_alloc(1, (size_t)total);
    for (uint32_t t = 0; t < times; t++) memcpy(out + (size_t)t * n, p, n);
    return ret_str(out, (uint32_t)total);
}

EXPORT("upper-ascii") void *upper_ascii(const uint8_t *p, uint32_t n) {
    uint8_t *out = cabi_alloc(1, n);
    for (uint32_t i = 0; i < n; i++) out[i] = (p[i] >= 'a' && p[i] <= 'z') ? p[i] - 32 : p[i];
    return ret_str(out, n);
}

/* The index-th code point; traps (unreachable) past the end. */
EXPORT("char-at") uint32_t char_at(const uint8_t *p, uint32_t n, uint32_t index) {
    uint32_t i = 0;
    for (; i < n && index > 0; index--) i += seq_len(p[i]);
    if (i >= n) __builtin_trap();
    uint32_t k = seq_len(p[i]);
    uint32_t c = k == 1 ? p[i] : k == 2 ? p[i] & 0x1F : k == 3 ? p[i] & 0x0F : p[i] & 0x07;
    for (uint32_t j = 1; j < k; j++) c = (c << 6) | (p[i + j] & 0x3F);
    return c;
}

static uint32_t put_utf8(uint8_t *out, uint32_t c) {
    if (c < 0x80) { out[0] = (uint8_t)c; return 1; }
    if (c < 0x800) { out[0] = 0xC0 | (c >> 6); out[1] = 0x80 | (c & 0x3F); return 2; }
    if (c < 0x10000) {
        out[0] = 0xE0 | (c >> 12); out[1] = 0x80 | ((c >> 6) & 0x3F); out[2] = 0x80 | (c & 0x3F);
        return 3;
    }
    out[0] = 0xF0 | (c >> 18); out[1] = 0x80 | ((c >> 12) & 0x3F);
    out[2] = 0x80 | ((c >> 6) & 0x3F); out[3] = 0x80 | (c & 0x3F);
    return 4;
}

EXPORT("from-chars") void *from_chars(uint32_t a, uint32_t b, uint32_t c) {
    uint8_t *out = cabi_alloc(1, 12);
    uint32_t n = put_utf8(out, a);
    n += put_utf8(out + n, b);
    n += put_utf8(out + n, c);
    return ret_str(out, n);
}
