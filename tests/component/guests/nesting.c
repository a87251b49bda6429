/* SPDX-License-Identifier: Apache-2.0
 * Test component: deeply nested values. `tree` flattens to 19 core values, more than the 16 a
 * call may pass flat, so it arrives as one pointer to the value in linear memory, and echo-tree
 * returns that same pointer as its result (the result's memory layout is the parameter's).
 * Lists of lists are echoed by their {ptr, len}; option<option<option<option<s16>>>> and the
 * nested results are rebuilt from their flat form into their memory layout by hand:
 * option^4<s16> = case bytes at 0, 2, 4, 6 and the s16 at 8 (size 10, align 2);
 * result<result<u8,string>, result<_,list<s32>>> = case@0, inner case@4, payload@8 (16/4). */
#include "cabi.h"

typedef struct {
    const void *ptr;
    uint32_t len;
} slice_t;

EXPORT("echo-tree") void *echo_tree(void *t) { return t; }

EXPORT("echo-deep-list") void *echo_deep_list(const void *p, uint32_t n) {
    slice_t *r = (slice_t *)cabi_ret;
    r->ptr = p;
    r->len = n;
    return r;
}

EXPORT("echo-opt4") void *echo_opt4(uint32_t d1, uint32_t d2, uint32_t d3, uint32_t d4, uint32_t v) {
    uint8_t *r = (uint8_t *)cabi_ret;
    memset(r, 0, 10);
    r[0] = (uint8_t)d1;
    if (d1) {
        r[2] = (uint8_t)d2;
        if (d2) {
            r[4] = (uint8_t)d3;
            if (d3) {
                r[6] = (uint8_t)d4;
                if (d4) *(int16_t *)(r + 8) = (int16_t)v;
            }
        }
    }
    return r;
}

EXPORT("echo-mixed") void *echo_mixed(const void *p, uint32_t n) {
    slice_t *r = (slice_t *)cabi_ret;
    r->ptr = p;
    r->len = n;
    return r;
}

/* Flat form: outer case, inner case, then the joined payload (i32 u8-or-ptr, i32 len). */
EXPORT("echo-results") void *echo_results(uint32_t outer, uint32_t inner, uint32_t a, uint32_t b) {
    uint8_t *r = (uint8_t *)cabi_ret;
    memset(r, 0, 16);
    r[0] = (uint8_t)outer;
    r[4] = (uint8_t)inner;
    if (outer == 0 && inner == 0) {
        r[8] = (uint8_t)a;
    } else if (inner == 1) {
        *(uint32_t *)(r + 8) = a;
        *(uint32_t *)(r + 12) = b;
    }
    return r;
}

/* Layout of tree: node@0 (case u8, payload@8: leaf 32 bytes or list 8), size 40; depth@40;
 * extra@48 (u64@48, s8@56, char@60, list@64); meta@72 (u64@72, option<string>@80, f32@92);
 * access@96; size 104, align 8. */
EXPORT("count-leaves") uint32_t count_leaves(const uint8_t *t) {
    uint8_t kase = t[0];
    if (kase == 0) return 1;
    if (kase == 1) return *(const uint32_t *)(t + 12);
    return 0;
}
