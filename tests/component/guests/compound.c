/* SPDX-License-Identifier: Apache-2.0
 * Test component: records, tuples, variants, enums, flags, options and results, written against
 * the canonical ABI by hand. Layouts used here (size/align): point {s32 x@0, s32 y@4, string@8}
 * 16/4; shape: u8 case@0, payload@4 (f32 | f32,f32) 12/4; flat shape = (i32 case, f32, f32);
 * option<u64> 16/8 (u64@8); option<string> 12/4; result<s32,string> 12/4; result (no payloads)
 * is one i32; result<color,u32> 8/4; tuple<string,u8> 12/4. Flat params above 16 values would
 * be passed in memory; describe stays under that limit (4 + 1 + 3 + 1 = 9 values). */
#include "cabi.h"

typedef struct {
    const uint8_t *ptr;
    uint32_t len;
} str_t;

typedef struct {
    int32_t x, y;
    str_t label;
} point_t;

EXPORT("scale") void *scale(int32_t x, int32_t y, const uint8_t *lp, uint32_t ln, int32_t k) {
    point_t *r = (point_t *)cabi_ret;
    r->x = x * k;
    r->y = y * k;
    r->label.ptr = lp;
    r->label.len = ln;
    return r;
}

EXPORT("swap") void *swap(uint32_t a, const uint8_t *sp, uint32_t sn) {
    uint8_t *r = (uint8_t *)cabi_ret;
    str_t *s = (str_t *)r;
    s->ptr = sp;
    s->len = sn;
    r[8] = (uint8_t)a;
    return r;
}

EXPORT("area") double area(uint32_t kase, float a, float b) {
    switch (kase) {
    case 0: return 3.0 * (double)a * (double)a;
    case 1: return (double)a * (double)b;
    default: return 0.0;
    }
}

EXPORT("make-shape") void *make_shape(uint32_t kind, float a, float b) {
    uint8_t *r = (uint8_t *)cabi_ret;
    memset(r, 0, 12);
    float *payload = (float *)(r + 4);
    if (kind == 0) {
        r[0] = 0;
        payload[0] = a;
    } else if (kind == 1) {
        r[0] = 1;
        payload[0] = a;
        payload[1] = b;
    } else {
        r[0] = 2;
    }
    return r;
}

EXPORT("next-color") uint32_t next_color(uint32_t c) { return (c + 1) % 3; }
EXPORT("toggle") uint32_t toggle(uint32_t p, uint32_t mask) { return (p ^ mask) & 7u; }
EXPORT("invert-wide") uint32_t invert_wide(uint32_t w) { return ~w; }
EXPORT("shift-mid") uint32_t shift_mid(uint32_t m) { return ((m << 1) | (m >> 9)) & 0x3FFu; }

EXPORT("maybe-double") void *maybe_double(uint32_t is_some, uint32_t x) {
    uint8_t *r = (uint8_t *)cabi_ret;
    r[0] = is_some ? 1 : 0;
    *(uint64_t *)(r + 8) = is_some ? (uint64_t)x * 2 : 0;
    return r;
}

EXPORT("maybe-name") void *maybe_name(uint32_t is_some, const uint8_t *p, uint32_t n) {
    uint8_t *r = (uint8_t *)cabi_ret;
    str_t *s = (str_t *)(r + 4);
    if (!is_some) {
        r[0] = 0;
        return r;
    }
    uint8_t *out = cabi_alloc(1, n + 6);
    memcpy(out, "name: ", 6);
    memcpy(out + 6, p, n);
    r[0] = 1;
    s->ptr = out;
    s->len = n + 6;
    return r;
}

static const char div_zero[] = "division by zero";
static const char overflow[] = "overflow";

EXPORT("checked-div") void *checked_div(int32_t a, int32_t b) {
    uint8_t *r = (uint8_t *)cabi_ret;
    str_t *s = (str_t *)(r + 4);
    if (b == 0 || (a == INT32_MIN && b == -1)) {
        r[0] = 1;
        s->ptr = (const uint8_t *)(b == 0 ? div_zero : overflow);
        s->len = b == 0 ? sizeof div_zero - 1 : sizeof overflow - 1;
    } else {
        r[0] = 0;
        *(int32_t *)(r + 4) = a / b;
    }
    return r;
}

EXPORT("check-even") uint32_t check_even(uint32_t x) { return x & 1u; }

EXPORT("parse-color") void *parse_color(const uint8_t *p, uint32_t n) {
    static const char *const names[] = {"red", "green", "blue"};
    uint8_t *r = (uint8_t *)cabi_ret;
    for (uint32_t c = 0; c < 3; c++) {
        const char *name = names[c];
        uint32_t k = 0;
        while (name[k] && k < n && name[k] == (char)p[k]) k++;
        if (!name[k] && k == n) {
            r[0] = 0;
            r[4] = (uint8_t)c;
            return r;
        }
    }
    r[0] = 1;
    *(uint32_t *)(r + 4) = n;
    return r;
}

static uint32_t put_str(uint8_t *out, const char *s) {
    uint32_t n = 0;
    while (s[n]) { out[n] = (uint8_t)s[n]; n++; }
    return n;
}

static uint32_t put_int(uint8_t *out, int64_t v) {
    char tmp[24];
    uint32_t n = 0, len = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (v < 0) out[len++] = '-';
    do { tmp[n++] = (char)('0' + u % 10); u /= 10; } while (u);
    while (n) out[len++] = (uint8_t)tmp[--n];
    return len;
}

/* "label(x,y) color shape-case perms-bits": a string built from every parameter. */
EXPORT("describe")
void *describe(int32_t x, int32_t y, const uint8_t *lp, uint32_t ln, uint32_t color,
               uint32_t kase, float a, float b, uint32_t perms) {
    static const char *const colors[] = {"red", "green", "blue"};
    static const char *const shapes[] = {"circle", "rect", "empty"};
    uint8_t *out = cabi_alloc(1, ln + 96);
    uint32_t n = 0;
    memcpy(out, lp, ln);
    n += ln;
    out[n++] = '(';
    n += put_int(out + n, x);
    out[n++] = ',';
    n += put_int(out + n, y);
    out[n++] = ')';
    out[n++] = ' ';
    n += put_str(out + n, color < 3 ? colors[color] : "?");
    out[n++] = ' ';
    n += put_str(out + n, kase < 3 ? shapes[kase] : "?");
    out[n++] = ' ';
    n += put_int(out + n, (int64_t)(a * 100.0f + b));
    out[n++] = ' ';
    n += put_int(out + n, perms);
    str_t *r = (str_t *)cabi_ret;
    r->ptr = out;
    r->len = n;
    return r;
}
