/* SPDX-License-Identifier: Apache-2.0
 * Test component: lists. A list parameter is (ptr, count) with the elements laid out at their
 * canonical size and alignment; a list result is {ptr, count} in the return area. Lists of
 * strings and of lists hold {ptr, len} pairs. make-bytes and make-strings produce megabytes of
 * result (the large-list cases), sum-bytes produces the same bytes and sums them in the guest. */
#include "cabi.h"

typedef struct {
    const void *ptr;
    uint32_t len;
} slice_t;

static slice_t *ret_slice(const void *ptr, uint32_t len) {
    slice_t *r = (slice_t *)cabi_ret;
    r->ptr = ptr;
    r->len = len;
    return r;
}

static uint8_t byte_at(uint32_t i, uint8_t seed) { return (uint8_t)(i * 31u + seed + (i >> 8)); }

EXPORT("echo-bytes") void *echo_bytes(const uint8_t *p, uint32_t n) { return ret_slice(p, n); }

EXPORT("make-bytes") void *make_bytes(uint32_t n, uint32_t seed) {
    if (n > 64u * 1024 * 1024) __builtin_trap();
    uint8_t *out = cabi_alloc(1, n);
    for (uint32_t i = 0; i < n; i++) out[i] = byte_at(i, (uint8_t)seed);
    return ret_slice(out, n);
}

EXPORT("sum-bytes") uint64_t sum_bytes(uint32_t n, uint32_t seed) {
    uint64_t s = 0;
    for (uint32_t i = 0; i < n; i++) s += byte_at(i, (uint8_t)seed);
    return s;
}

EXPORT("sum-u32s") uint64_t sum_u32s(const uint32_t *xs, uint32_t n) {
    uint64_t s = 0;
    for (uint32_t i = 0; i < n; i++) s += xs[i];
    return s;
}

EXPORT("reverse-s64s") void *reverse_s64s(const int64_t *xs, uint32_t n) {
    int64_t *out = cabi_alloc(8, (size_t)n * 8);
    for (uint32_t i = 0; i < n; i++) out[i] = xs[n - 1 - i];
    return ret_slice(out, n);
}

EXPORT("make-f64s") void *make_f64s(uint32_t n) {
    double *out = cabi_alloc(8, (size_t)n * 8);
    double x = 0.5;
    for (uint32_t i = 0; i < n; i++) {
        out[i] = x;
        x = x * -1.25 + 0.125;
    }
    return ret_slice(out, n);
}

EXPORT("scale-f32s") void *scale_f32s(const float *xs, uint32_t n, float k) {
    float *out = cabi_alloc(4, (size_t)n * 4);
    for (uint32_t i = 0; i < n; i++) out[i] = xs[i] * k;
    return ret_slice(out, n);
}

EXPORT("echo-s8s") void *echo_s8s(const void *p, uint32_t n) { return ret_slice(p, n); }
EXPORT("echo-u16s") void *echo_u16s(const void *p, uint32_t n) { return ret_slice(p, n); }
EXPORT("echo-s16s") void *echo_s16s(const void *p, uint32_t n) { return ret_slice(p, n); }
EXPORT("echo-s32s") void *echo_s32s(const void *p, uint32_t n) { return ret_slice(p, n); }
EXPORT("echo-u64s") void *echo_u64s(const void *p, uint32_t n) { return ret_slice(p, n); }
EXPORT("echo-bools") void *echo_bools(const void *p, uint32_t n) { return ret_slice(p, n); }
EXPORT("echo-chars") void *echo_chars(const void *p, uint32_t n) { return ret_slice(p, n); }

EXPORT("split-words") void *split_words(const uint8_t *s, uint32_t n) {
    uint32_t count = 0;
    for (uint32_t i = 0; i < n; i++)
        if (s[i] != ' ' && (i == 0 || s[i - 1] == ' ')) count++;
    slice_t *words = cabi_alloc(4, (size_t)count * sizeof(slice_t));
    uint32_t w = 0;
    for (uint32_t i = 0; i < n;) {
        while (i < n && s[i] == ' ') i++;
        if (i == n) break;
        uint32_t start = i;
        while (i < n && s[i] != ' ') i++;
        words[w].ptr = s + start; /* points into the argument: it stays valid for the result */
        words[w].len = i - start;
        w++;
    }
    return ret_slice(words, count);
}

EXPORT("join-words")
void *join_words(const slice_t *words, uint32_t count, const uint8_t *sep, uint32_t sep_len) {
    uint32_t total = 0;
    for (uint32_t i = 0; i < count; i++) total += words[i].len + (i ? sep_len : 0);
    uint8_t *out = cabi_alloc(1, total);
    uint32_t at = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (i) { memcpy(out + at, sep, sep_len); at += sep_len; }
        memcpy(out + at, words[i].ptr, words[i].len);
        at += words[i].len;
    }
    return ret_slice(out, total);
}

EXPORT("lengths") void *lengths(const slice_t *xss, uint32_t count) {
    uint32_t *out = cabi_alloc(4, (size_t)count * 4);
    for (uint32_t i = 0; i < count; i++) {
        const uint16_t *xs = xss[i].ptr;
        uint32_t sum = 0;
        for (uint32_t k = 0; k < xss[i].len; k++) sum += xs[k];
        out[i] = xss[i].len * 100000u + sum;
    }
    return ret_slice(out, count);
}

/* n strings "item-<i>-ü" (non-ASCII in every one). */
EXPORT("make-strings") void *make_strings(uint32_t n) {
    slice_t *out = cabi_alloc(4, (size_t)n * sizeof(slice_t));
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *s = cabi_alloc(1, 20);
        uint32_t len = 0;
        memcpy(s, "item-", 5);
        len = 5;
        char digits[10];
        uint32_t d = 0, v = i;
        do { digits[d++] = (char)('0' + v % 10); v /= 10; } while (v);
        while (d) s[len++] = (uint8_t)digits[--d];
        s[len++] = '-';
        s[len++] = 0xC3;
        s[len++] = 0xBC;
        out[i].ptr = s;
        out[i].len = len;
    }
    return ret_slice(out, n);
}
