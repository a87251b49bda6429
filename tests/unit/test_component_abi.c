/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The canonical ABI through its direct entry points (tcvm_cabi_*), on a plain byte array with a
 * recording bump realloc: sizes, alignments and flattening of every kind of type, the exact
 * realloc sequences of the string encodings, memory layout of stored values, lifting rules
 * (modulo for narrow integers, non-zero bools, canonical NaNs) and every lifting trap, the
 * MAX_FLAT spills through memory, and the variant join coercions.
 */
#include "test.h"

#include "tcvm/component.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MEM_SIZE 65536

typedef struct rmem {
    tcvm_cabi_memory_t m;
    uint8_t bytes[MEM_SIZE];
    uint32_t bump;
    char log[1024]; /* "(old,old_size,align,new_size)" per call */
} rmem_t;

static tcvm_status_t rec_realloc(tcvm_cabi_memory_t *m, uint32_t old, uint32_t old_size,
                                 uint32_t align, uint32_t new_size, uint32_t *out)
{
    rmem_t *r = m->env;
    size_t l = strlen(r->log);
    snprintf(r->log + l, sizeof r->log - l, "(%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 ")",
             old, old_size, align, new_size);
    uint32_t p = (r->bump + align - 1) / align * align;
    if (old && old_size)
        memmove(r->bytes + p, r->bytes + old, old_size < new_size ? old_size : new_size);
    r->bump = p + new_size;
    *out = p;
    return TCVM_OK;
}

static rmem_t *rmem(tcvm_cstring_encoding_t enc)
{
    rmem_t *r = calloc(1, sizeof *r);
    CHECK(r != NULL);
    r->m.data = r->bytes;
    r->m.size = MEM_SIZE;
    r->m.encoding = enc;
    r->m.realloc = rec_realloc;
    r->m.env = r;
    r->bump = 1024;
    return r;
}

static const tcvm_ctype_t *ty(tcvm_ctypes_t *a, const char *text)
{
    const tcvm_ctype_t *t;
    tcvm_error_t err = {0};
    if (tcvm_ctypes_parse(a, text, strlen(text), &t, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "type %s: %s", text, err.message);
    return t;
}

static tcvm_cval_t val(const tcvm_ctype_t *t, const char *text)
{
    tcvm_cval_t v;
    tcvm_error_t err = {0};
    if (tcvm_wave_parse(t, text, strlen(text), &v, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "value %s: %s", text, err.message);
    return v;
}

static void flat_text(const tcvm_ctype_t *t, char *out, size_t size)
{
    tcvm_valtype_t f[32];
    size_t n = tcvm_cabi_flatten(t, f, 32);
    out[0] = 0;
    for (size_t i = 0; i < n && i < 32; i++) {
        size_t l = strlen(out);
        snprintf(out + l, size - l, "%s%s", i ? " " : "", tcvm_valtype_name(f[i]));
    }
}

TEST(component_abi_layout_and_flattening)
{
    static const struct {
        const char *type;
        uint32_t size, align;
        const char *flat;
    } v[] = {
        {"bool", 1, 1, "i32"},
        {"s8", 1, 1, "i32"},
        {"u16", 2, 2, "i32"},
        {"u32", 4, 4, "i32"},
        {"s64", 8, 8, "i64"},
        {"f32", 4, 4, "f32"},
        {"f64", 8, 8, "f64"},
        {"char", 4, 4, "i32"},
        {"string", 8, 4, "i32 i32"},
        {"list<u64>", 8, 4, "i32 i32"},
        {"record { a: u8, b: u32 }", 8, 4, "i32 i32"},
        {"record { a: u8, b: u8, c: u16 }", 4, 2, "i32 i32 i32"},
        {"tuple<u8, u16, u8>", 6, 2, "i32 i32 i32"},
        {"tuple<u8, f64>", 16, 8, "i32 f64"},
        {"variant { a(u8), b(u64) }", 16, 8, "i32 i64"},
        {"variant { a(f32), b(u32) }", 8, 4, "i32 i32"},
        {"variant { a(f32) }", 8, 4, "i32 f32"},
        {"variant { a(f64), b(f32) }", 16, 8, "i32 i64"},
        {"variant { a(f64), b(s64) }", 16, 8, "i32 i64"},
        {"variant { a, b }", 1, 1, "i32"},
        {"option<u8>", 2, 1, "i32 i32"},
        {"option<string>", 12, 4, "i32 i32 i32"},
        {"result<u64, string>", 16, 8, "i32 i64 i32"},
        {"result", 1, 1, "i32"},
        {"result<_, f32>", 8, 4, "i32 f32"},
        {"enum { a, b, c }", 1, 1, "i32"},
        {"flags { a }", 1, 1, "i32"},
        {"flags { a0, a1, a2, a3, a4, a5, a6, a7, a8 }", 2, 2, "i32"},
        {"flags { a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16 }", 4,
         4, "i32"},
        {"own<1>", 4, 4, "i32"},
        {"borrow<1>", 4, 4, "i32"},
        {"tuple<option<u8>, result<u16, u64>>", 24, 8, "i32 i32 i32 i64"},
    };
    tcvm_ctypes_t *a;
    CHECK_OK(tcvm_ctypes_new(&a));
    char flat[256];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        const tcvm_ctype_t *t = ty(a, v[i].type);
        if (tcvm_cabi_size(t) != v[i].size || tcvm_cabi_align(t) != v[i].align)
            tcvm_test_fail(__FILE__, __LINE__, "%s: size %u align %u, want %u %u", v[i].type,
                           tcvm_cabi_size(t), tcvm_cabi_align(t), v[i].size, v[i].align);
        flat_text(t, flat, sizeof flat);
        if (strcmp(flat, v[i].flat) != 0)
            tcvm_test_fail(__FILE__, __LINE__, "%s: flat [%s], want [%s]", v[i].type, flat,
                           v[i].flat);
    }
    /* an enum of 257 cases needs a 16-bit discriminant */
    const char *labels[257];
    char names[257][8];
    for (int i = 0; i < 257; i++) {
        snprintf(names[i], sizeof names[i], "c%d", i);
        labels[i] = names[i];
    }
    const tcvm_ctype_t *e;
    CHECK_OK(tcvm_ctypes_enum(a, 257, labels, &e));
    CHECK_EQ(tcvm_cabi_size(e), 2);
    CHECK_OK(tcvm_ctypes_enum(a, 256, labels, &e));
    CHECK_EQ(tcvm_cabi_size(e), 1);
    tcvm_ctypes_free(a);
}

static void store_string(tcvm_cstring_encoding_t enc, const char *s, const char *want_log,
                         uint32_t want_units, const uint8_t *want_bytes, size_t want_n)
{
    tcvm_ctypes_t *a;
    CHECK_OK(tcvm_ctypes_new(&a));
    rmem_t *r = rmem(enc);
    const tcvm_ctype_t *t = ty(a, "string");
    tcvm_cval_t v;
    CHECK_OK(tcvm_cval_string(s, strlen(s), &v));
    tcvm_error_t err = {0};
    if (tcvm_cabi_store(&r->m, t, &v, 8, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "store: %s", err.message);
    CHECK_STREQ(r->log, want_log);
    uint32_t ptr = (uint32_t)r->bytes[8] | (uint32_t)r->bytes[9] << 8 |
                   (uint32_t)r->bytes[10] << 16 | (uint32_t)r->bytes[11] << 24;
    uint32_t units = (uint32_t)r->bytes[12] | (uint32_t)r->bytes[13] << 8 |
                     (uint32_t)r->bytes[14] << 16 | (uint32_t)r->bytes[15] << 24;
    CHECK_UEQ(units, want_units);
    CHECK_MEM(r->bytes + ptr, want_bytes, want_n);
    /* and it lifts back to the same text */
    tcvm_cval_t back;
    CHECK_OK(tcvm_cabi_load(&r->m, t, 8, &back, &err));
    CHECK(tcvm_cval_equal(&v, &back));
    tcvm_cval_clear(&back);
    tcvm_cval_clear(&v);
    free(r);
    tcvm_ctypes_free(a);
}

TEST(component_abi_string_utf8)
{
    store_string(TCVM_CSTR_UTF8, "héllo", "(0,0,1,6)", 6, (const uint8_t *)"h\xc3\xa9llo", 6);
    store_string(TCVM_CSTR_UTF8, "", "(0,0,1,0)", 0, (const uint8_t *)"", 0);
}

TEST(component_abi_string_utf16)
{
    /* worst case 2 * 6 UTF-8 bytes, then shrunk to the 5 code units written */
    static const uint8_t h[] = {'h', 0, 0xe9, 0, 'l', 0, 'l', 0, 'o', 0};
    store_string(TCVM_CSTR_UTF16, "héllo", "(0,0,2,12)(1024,12,2,10)", 5, h, sizeof h);
    static const uint8_t e[] = {0x3d, 0xd8, 0x00, 0xde}; /* U+1F600 as a surrogate pair */
    store_string(TCVM_CSTR_UTF16, "😀", "(0,0,2,8)(1024,8,2,4)", 2, e, sizeof e);
    static const uint8_t x[] = {'a', 0, 'b', 0};
    store_string(TCVM_CSTR_UTF16, "ab", "(0,0,2,4)", 2, x, sizeof x);
}

TEST(component_abi_string_latin1_utf16)
{
    /* fits Latin-1: shrunk from 6 bytes to 5 */
    static const uint8_t l1[] = {'h', 0xe9, 'l', 'l', 'o'};
    store_string(TCVM_CSTR_LATIN1_UTF16, "héllo", "(0,0,2,6)(1024,6,2,5)", 5, l1, sizeof l1);
    /* a code point past Latin-1: inflated in place to UTF-16, tagged */
    static const uint8_t u16[] = {'a', 0, 0x3d, 0xd8, 0x00, 0xde};
    store_string(TCVM_CSTR_LATIN1_UTF16, "a😀", "(0,0,2,5)(1024,5,2,10)(1030,10,2,6)",
                 3u | 0x80000000u, u16, sizeof u16);
    static const uint8_t plain[] = {'a', 'b'};
    store_string(TCVM_CSTR_LATIN1_UTF16, "ab", "(0,0,2,2)", 2, plain, sizeof plain);
}

static tcvm_status_t load_raw(tcvm_cstring_encoding_t enc, const char *type, const uint8_t *bytes,
                              size_t n, uint32_t at, uint32_t ptr, tcvm_cval_t *out, char *msg)
{
    tcvm_ctypes_t *a;
    CHECK_OK(tcvm_ctypes_new(&a));
    rmem_t *r = rmem(enc);
    memcpy(r->bytes + at, bytes, n);
    tcvm_error_t err = {0};
    tcvm_status_t st = tcvm_cabi_load(&r->m, ty(a, type), ptr, out, &err);
    snprintf(msg, 256, "%.200s", err.message);
    free(r);
    tcvm_ctypes_free(a);
    return st;
}

#define STR_AT(p, n)                                                                               \
    (uint8_t)(p), (uint8_t)((p) >> 8), 0, 0, (uint8_t)(n), (uint8_t)((n) >> 8),                    \
        (uint8_t)((n) >> 16), (uint8_t)((n) >> 24)

TEST(component_abi_lift_traps)
{
    char msg[256];
    tcvm_cval_t v;
    /* utf-8: invalid bytes */
    {
        const uint8_t m[] = {STR_AT(16, 2), 0xc3, 0x28};
        CHECK_STATUS(load_raw(TCVM_CSTR_UTF8, "string", m, sizeof m, 8, 8, &v, msg),
                     TCVM_COMP_TRAP);
        CHECK_CONTAINS(msg, "UTF-8");
    }
    /* utf-16: a lone low surrogate; an odd pointer */
    {
        const uint8_t m[] = {STR_AT(16, 1), 0x00, 0xdc};
        CHECK_STATUS(load_raw(TCVM_CSTR_UTF16, "string", m, sizeof m, 8, 8, &v, msg),
                     TCVM_COMP_TRAP);
        CHECK_CONTAINS(msg, "UTF-16");
        const uint8_t o[] = {STR_AT(17, 1)};
        CHECK_STATUS(load_raw(TCVM_CSTR_UTF16, "string", o, sizeof o, 8, 8, &v, msg),
                     TCVM_COMP_TRAP);
        CHECK_CONTAINS(msg, "aligned");
    }
    /* latin1+utf16: the tag selects UTF-16 (and its alignment) */
    {
        const uint8_t m[] = {STR_AT(16, 0x80000001u), 'A', 0};
        CHECK_OK(load_raw(TCVM_CSTR_LATIN1_UTF16, "string", m, sizeof m, 8, 8, &v, msg));
        CHECK_EQ(v.of.str.size, 1);
        CHECK(v.of.str.data[0] == 'A');
        tcvm_cval_clear(&v);
        const uint8_t l[] = {STR_AT(16, 2), 0xe9, 'x'};
        CHECK_OK(load_raw(TCVM_CSTR_LATIN1_UTF16, "string", l, sizeof l, 8, 8, &v, msg));
        CHECK_EQ(v.of.str.size, 3); /* é is two UTF-8 bytes */
        tcvm_cval_clear(&v);
    }
    /* bounds: string past the end; string length past 2^28-1; record pointer misaligned */
    {
        const uint8_t m[] = {STR_AT(65530, 10)};
        CHECK_STATUS(load_raw(TCVM_CSTR_UTF8, "string", m, sizeof m, 8, 8, &v, msg),
                     TCVM_COMP_TRAP);
        CHECK_CONTAINS(msg, "outside memory");
        const uint8_t big[] = {STR_AT(0, 0x10000000u)};
        CHECK_STATUS(load_raw(TCVM_CSTR_UTF8, "string", big, sizeof big, 8, 8, &v, msg),
                     TCVM_COMP_TRAP);
        const uint8_t z[4] = {0};
        CHECK_STATUS(load_raw(TCVM_CSTR_UTF8, "u32", z, 4, 8, 9, &v, msg), TCVM_COMP_TRAP);
        CHECK_CONTAINS(msg, "aligned");
        CHECK_STATUS(load_raw(TCVM_CSTR_UTF8, "u64", z, 4, 8, 65532, &v, msg), TCVM_COMP_TRAP);
    }
    /* chars: surrogates and values past U+10FFFF */
    {
        const uint8_t s[] = {0x00, 0xd8, 0, 0};
        CHECK_STATUS(load_raw(TCVM_CSTR_UTF8, "char", s, 4, 8, 8, &v, msg), TCVM_COMP_TRAP);
        const uint8_t b[] = {0x00, 0x00, 0x11, 0};
        CHECK_STATUS(load_raw(TCVM_CSTR_UTF8, "char", b, 4, 8, 8, &v, msg), TCVM_COMP_TRAP);
    }
    /* discriminants out of range, for variants, enums, options and results */
    {
        const uint8_t d[] = {3, 0, 0, 0, 0, 0, 0, 0};
        CHECK_STATUS(load_raw(TCVM_CSTR_UTF8, "enum { a, b, c }", d, 1, 8, 8, &v, msg),
                     TCVM_COMP_TRAP);
        CHECK_STATUS(load_raw(TCVM_CSTR_UTF8, "option<u8>", d, 2, 8, 8, &v, msg), TCVM_COMP_TRAP);
        CHECK_STATUS(load_raw(TCVM_CSTR_UTF8, "result<u32>", d, 8, 8, 8, &v, msg), TCVM_COMP_TRAP);
        CHECK_STATUS(load_raw(TCVM_CSTR_UTF8, "variant { a(u8), b }", d, 2, 8, 8, &v, msg),
                     TCVM_COMP_TRAP);
    }
    /* lists: misaligned element pointer */
    {
        const uint8_t m[] = {STR_AT(18, 1)};
        CHECK_STATUS(load_raw(TCVM_CSTR_UTF8, "list<u32>", m, sizeof m, 8, 8, &v, msg),
                     TCVM_COMP_TRAP);
    }
}

TEST(component_abi_lift_rules)
{
    tcvm_ctypes_t *a;
    CHECK_OK(tcvm_ctypes_new(&a));
    rmem_t *r = rmem(TCVM_CSTR_UTF8);
    tcvm_cval_t v;
    /* bool: any non-zero byte is true */
    r->bytes[8] = 2;
    CHECK_OK(tcvm_cabi_load(&r->m, ty(a, "bool"), 8, &v, NULL));
    CHECK(v.of.b);
    /* narrow integers from flat i32 values are taken modulo */
    const tcvm_ctype_t *ts[3] = {ty(a, "u8"), ty(a, "s8"), ty(a, "s16")};
    tcvm_val_t flat[3] = {tcvm_val_i32(0x1ff), tcvm_val_i32(0x80), tcvm_val_i32(0x18000)};
    tcvm_cval_t out[3];
    CHECK_OK(tcvm_cabi_lift_values(&r->m, ts, 3, flat, 3, 16, out, NULL));
    CHECK_EQ(out[0].of.u, 255);
    CHECK_EQ(out[1].of.s, -128);
    CHECK_EQ(out[2].of.s, -32768);
    /* flags: bits past the labels are ignored */
    r->bytes[8] = 0xff;
    CHECK_OK(tcvm_cabi_load(&r->m, ty(a, "flags { x, y, z }"), 8, &v, NULL));
    CHECK_UEQ(v.of.flags, 7);
    /* NaNs are canonical after lifting, and stored canonical */
    const uint8_t nan[4] = {0x01, 0x00, 0xc0, 0x7f};
    memcpy(r->bytes + 16, nan, 4);
    const tcvm_ctype_t *f32 = ty(a, "f32");
    CHECK_OK(tcvm_cabi_load(&r->m, f32, 16, &v, NULL));
    CHECK_OK(tcvm_cabi_store(&r->m, f32, &v, 20, NULL));
    const uint8_t canon[4] = {0x00, 0x00, 0xc0, 0x7f};
    CHECK_MEM(r->bytes + 20, canon, 4);
    /* wrong flat arity is refused */
    CHECK_STATUS(tcvm_cabi_lift_values(&r->m, ts, 3, flat, 2, 16, out, NULL), TCVM_WASM_TYPE);
    free(r);
    tcvm_ctypes_free(a);
}

TEST(component_abi_store_layout)
{
    tcvm_ctypes_t *a;
    CHECK_OK(tcvm_ctypes_new(&a));
    rmem_t *r = rmem(TCVM_CSTR_UTF8);
    const tcvm_ctype_t *t = ty(a, "record { a: u8, b: u32, c: option<u16>, d: list<u8> }");
    CHECK_EQ(tcvm_cabi_size(t), 20);
    CHECK_EQ(tcvm_cabi_align(t), 4);
    tcvm_cval_t v = val(t, "{a: 1, b: 305419896, c: some(513), d: [7, 8]}");
    CHECK_OK(tcvm_cabi_store(&r->m, t, &v, 32, NULL));
    static const uint8_t want[20] = {1,    0,    0,    0,    0x78, 0x56, 0x34, 0x12, 1, 0,
                                     0x01, 0x02, 0x00, 0x04, 0,    0,    2,    0,    0, 0};
    CHECK_MEM(r->bytes + 32, want, 20);
    CHECK_STREQ(r->log, "(0,0,1,2)");
    CHECK(r->bytes[1024] == 7 && r->bytes[1025] == 8);
    tcvm_cval_t back;
    CHECK_OK(tcvm_cabi_load(&r->m, t, 32, &back, NULL));
    CHECK(tcvm_cval_equal(&v, &back));
    /* storing at a misaligned or out-of-bounds place traps */
    CHECK_STATUS(tcvm_cabi_store(&r->m, t, &v, 34, NULL), TCVM_COMP_TRAP);
    CHECK_STATUS(tcvm_cabi_store(&r->m, t, &v, MEM_SIZE - 16, NULL), TCVM_COMP_TRAP);
    /* a value of the wrong shape is refused, not stored */
    tcvm_cval_t wrong = tcvm_cval_u(TCVM_CT_U32, 1);
    CHECK_STATUS(tcvm_cabi_store(&r->m, t, &wrong, 32, NULL), TCVM_WASM_TYPE);
    tcvm_cval_clear(&v);
    tcvm_cval_clear(&back);
    free(r);
    tcvm_ctypes_free(a);
}

TEST(component_abi_flat_spill)
{
    tcvm_ctypes_t *a;
    CHECK_OK(tcvm_ctypes_new(&a));
    rmem_t *r = rmem(TCVM_CSTR_UTF8);
    /* 17 u8 parameters flatten to 17 i32: more than 16, so they travel as a tuple in memory */
    const tcvm_ctype_t *ts[17];
    tcvm_cval_t vs[17], back[17];
    for (int i = 0; i < 17; i++) {
        ts[i] = ty(a, "u8");
        vs[i] = tcvm_cval_u(TCVM_CT_U8, (uint64_t)(i + 100));
    }
    tcvm_val_t flat[17];
    size_t nflat = 0;
    CHECK_OK(tcvm_cabi_lower_values(&r->m, ts, 17, vs, 16, NULL, flat, 17, &nflat, NULL));
    CHECK_EQ(nflat, 1);
    CHECK_STREQ(r->log, "(0,0,1,17)");
    CHECK_EQ(flat[0].of.i32, 1024);
    CHECK_EQ(r->bytes[1024 + 16], 116);
    CHECK_OK(tcvm_cabi_lift_values(&r->m, ts, 17, flat, 1, 16, back, NULL));
    for (int i = 0; i < 17; i++)
        CHECK_EQ(back[i].of.u, (uint64_t)(i + 100));
    /* results past MAX_FLAT_RESULTS into a caller-provided out-pointer: nothing flat */
    const tcvm_ctype_t *two[1] = {ty(a, "tuple<u32, u64>")};
    tcvm_cval_t pair = val(two[0], "(7, 9)");
    uint32_t outp = 64;
    CHECK_OK(tcvm_cabi_lower_values(&r->m, two, 1, &pair, 1, &outp, flat, 17, &nflat, NULL));
    CHECK_EQ(nflat, 0);
    CHECK_EQ(r->bytes[64], 7);
    CHECK_EQ(r->bytes[72], 9);
    /* a misaligned out-pointer traps */
    outp = 66;
    CHECK_STATUS(tcvm_cabi_lower_values(&r->m, two, 1, &pair, 1, &outp, flat, 17, &nflat, NULL),
                 TCVM_COMP_TRAP);
    tcvm_cval_clear(&pair);
    free(r);
    tcvm_ctypes_free(a);
}

TEST(component_abi_variant_join)
{
    tcvm_ctypes_t *a;
    CHECK_OK(tcvm_ctypes_new(&a));
    rmem_t *r = rmem(TCVM_CSTR_UTF8);
    const tcvm_ctype_t *t = ty(a, "variant { a(f32), b(u64), c }");
    tcvm_val_t flat[4];
    size_t n;
    /* a(1.5): the f32 travels as the bits in the i64 slot */
    tcvm_cval_t v = val(t, "a(1.5)");
    CHECK_OK(tcvm_cabi_lower_values(&r->m, &t, 1, &v, 16, NULL, flat, 4, &n, NULL));
    CHECK_EQ(n, 2);
    CHECK_EQ(flat[0].of.i32, 0);
    CHECK_EQ(flat[1].type, TCVM_I64);
    CHECK_UEQ((uint64_t)flat[1].of.i64, 0x3fc00000u);
    tcvm_cval_t back;
    CHECK_OK(tcvm_cabi_lift_values(&r->m, &t, 1, flat, 2, 16, &back, NULL));
    CHECK(tcvm_cval_equal(&v, &back));
    tcvm_cval_clear(&back);
    tcvm_cval_clear(&v);
    /* c: no payload, the slot is zero-filled */
    v = val(t, "c");
    CHECK_OK(tcvm_cabi_lower_values(&r->m, &t, 1, &v, 16, NULL, flat, 4, &n, NULL));
    CHECK_EQ(n, 2);
    CHECK_EQ(flat[0].of.i32, 2);
    CHECK_EQ(flat[1].of.i64, 0);
    tcvm_cval_clear(&v);
    /* i32 payloads in an i64 slot: high bits are dropped when lifting */
    const tcvm_ctype_t *u = ty(a, "variant { a(u32), b(s64) }");
    tcvm_val_t in[2] = {tcvm_val_i32(0), tcvm_val_i64((int64_t)0x1234567800000005ll)};
    CHECK_OK(tcvm_cabi_lift_values(&r->m, &u, 1, in, 2, 16, &back, NULL));
    CHECK_EQ(back.of.var.payload->of.u, 5);
    tcvm_cval_clear(&back);
    /* discriminant out of range in flat form traps too */
    in[0] = tcvm_val_i32(2);
    CHECK_STATUS(tcvm_cabi_lift_values(&r->m, &u, 1, in, 2, 16, &back, NULL), TCVM_COMP_TRAP);
    free(r);
    tcvm_ctypes_free(a);
}

TEST(component_abi_needs_realloc_and_memory)
{
    tcvm_ctypes_t *a;
    CHECK_OK(tcvm_ctypes_new(&a));
    rmem_t *r = rmem(TCVM_CSTR_UTF8);
    r->m.realloc = NULL;
    const tcvm_ctype_t *t = ty(a, "string");
    tcvm_cval_t v;
    CHECK_OK(tcvm_cval_string("x", 1, &v));
    tcvm_error_t err = {0};
    CHECK_STATUS(tcvm_cabi_store(&r->m, t, &v, 8, &err), TCVM_COMP_TRAP);
    CHECK_CONTAINS(err.message, "realloc");
    tcvm_cval_clear(&v);
    free(r);
    tcvm_ctypes_free(a);
}

TEST(component_abi_tree_cap)
{
    /* a list of 2^25 + 1 u8 in memory is refused before any tree is built */
    size_t n = (1u << 25) + 1, size = n + 64;
    uint8_t *bytes = calloc(1, size);
    CHECK(bytes != NULL);
    tcvm_cabi_memory_t m = {bytes, size, TCVM_CSTR_UTF8, NULL, NULL};
    bytes[0] = 64; /* ptr = 64, len = n */
    bytes[4] = (uint8_t)n, bytes[5] = (uint8_t)(n >> 8), bytes[6] = (uint8_t)(n >> 16);
    bytes[7] = (uint8_t)(n >> 24);
    tcvm_ctypes_t *a;
    CHECK_OK(tcvm_ctypes_new(&a));
    tcvm_cval_t v;
    tcvm_error_t err = {0};
    CHECK_STATUS(tcvm_cabi_load(&m, ty(a, "list<u8>"), 0, &v, &err), TCVM_COMP_TRAP);
    CHECK_CONTAINS(err.message, "elements");
    /* a list within the cap lifts (the cap itself would build a 1 GiB tree: not here) */
    n = 1000;
    bytes[4] = (uint8_t)n, bytes[5] = (uint8_t)(n >> 8), bytes[6] = 0, bytes[7] = 0;
    CHECK_OK(tcvm_cabi_load(&m, ty(a, "list<u8>"), 0, &v, &err));
    CHECK_EQ(v.of.seq.count, n);
    tcvm_cval_clear(&v);
    tcvm_ctypes_free(a);
    free(bytes);
}
