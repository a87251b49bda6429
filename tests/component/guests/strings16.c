/* SPDX-License-Identifier: Apache-2.0
 * Test component whose canonical options say UTF-16 (string-encoding: utf16): every string
 * crosses as (ptr, length in 16-bit code units), 2-aligned, so the host transcodes between its
 * UTF-8 and the guest's UTF-16 in both directions. reverse-chars keeps surrogate pairs together;
 * repeat builds strings of megabytes; split-words returns a list of strings pointing into the
 * argument. */
#include "cabi.h"

typedef struct {
    const uint16_t *ptr;
    uint32_t len; /* code units */
} str16_t;

static str16_t *ret_str(const uint16_t *ptr, uint32_t len) {
    str16_t *r = (str16_t *)cabi_ret;
    r->ptr = ptr;
    r->len = len;
    return r;
}

static int is_high(uint16_t u) { return u >= 0xD800 && u < 0xDC00; }

EXPORT("echo-string") void *echo_string(const uint16_t *p, uint32_t n) { return ret_str(p, n); }
EXPORT("count-units") uint32_t count_units(const uint16_t *p, uint32_t n) { (void)p; return n; }

EXPORT("reverse-chars") void *reverse_chars(const uint16_t *p, uint32_t n) {
    uint16_t *out = cabi_alloc(2, (size_t)n * 2);
    uint32_t i = 0;
    while (i < n) {
        uint32_t k = (is_high(p[i]) && i + 1 < n) ? 2 : 1;
        memcpy(out + (n - i - k), p + i, k * 2);
        i += k;
    }
    return ret_str(out, n);
}

EXPORT("concat") void *concat(const uint16_t *a, uint32_t an, const uint16_t *b, uint32_t bn) {
    uint16_t *out = cabi_alloc(2, (size_t)(an + bn) * 2);
    memcpy(out, a, (size_t)an * 2);
    memcpy(out + an, b, (size_t)bn * 2);
    return ret_str(out, an + bn);
}

EXPORT("repeat") void *repeat(const uint16_t *p, uint32_t n, uint32_t times) {
    uint64_t total = (uint64_t)n * times;
    if (total > 32u * 1024 * 1024) __builtin_trap();
    uint16_t *out = cabi_alloc(2, (size_t)total * 2);
    for (uint32_t t = 0; t < times; t++) memcpy(out + (size_t)t * n, p, (size_t)n * 2);
    return ret_str(out, (uint32_t)total);
}

EXPORT("split-words") void *split_words(const uint16_t *s, uint32_t n) {
    uint32_t count = 0;
    for (uint32_t i = 0; i < n; i++)
        if (s[i] != ' ' && (i == 0 || s[i - 1] == ' ')) count++;
    str16_t *words = cabi_alloc(4, (size_t)count * sizeof(str16_t));
    uint32_t w = 0;
    for (uint32_t i = 0; i < n;) {
        while (i < n && s[i] == ' ') i++;
        if (i == n) break;
        uint32_t start = i;
        while (i < n && s[i] != ' ') i++;
        words[w].ptr = s + start;
        words[w].len = i - start;
        w++;
    }
    str16_t *r = (str16_t *)cabi_ret;
    r->ptr = (const uint16_t *)words;
    r->len = count;
    return r;
}
