/* SPDX-License-Identifier: Apache-2.0 */
/* Typed values as text (tcvm/wasm_text.h): parsing every literal form, refusing bad text with
 * a message that names it, exact printing, and the print-parse round trip over many bit
 * patterns. */
#include "test.h"

#include "tcvm/wasm_text.h"

#include <locale.h>
#include <math.h>

static tcvm_val_t parse_ok(const char *text)
{
    tcvm_val_t v;
    tcvm_error_t err = {0};
    tcvm_status_t st = tcvm_val_parse(text, strlen(text), &v, &err);
    if (st != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "parse \"%s\": %s: %s", text, tcvm_status_name(st),
                       err.message);
    return v;
}

static void parse_bad(const char *text, tcvm_status_t want, const char *msg_part)
{
    tcvm_val_t v = {.type = TCVM_I32, .of.i32 = 12345};
    tcvm_error_t err = {0};
    tcvm_status_t st = tcvm_val_parse(text, strlen(text), &v, &err);
    if (st != want)
        tcvm_test_fail(__FILE__, __LINE__, "parse \"%s\": got %s, want %s", text,
                       tcvm_status_name(st), tcvm_status_name(want));
    CHECK_CONTAINS(err.message, msg_part);
    CHECK_EQ(v.type, TCVM_I32); /* out_val untouched on failure */
    CHECK_EQ(v.of.i32, 12345);
}

static const char *fmt(tcvm_val_t v, char *buf)
{
    size_t n = tcvm_val_format(&v, buf, TCVM_VAL_TEXT_MAX);
    CHECK(n < TCVM_VAL_TEXT_MAX);
    CHECK_EQ(n, strlen(buf));
    return buf;
}

TEST(wasm_text_integers)
{
    tcvm_val_t v = parse_ok("i32:7");
    CHECK_EQ(v.type, TCVM_I32);
    CHECK_EQ(v.of.i32, 7);
    CHECK_EQ(parse_ok("i32:-1").of.i32, -1);
    CHECK_EQ(parse_ok("i32:+42").of.i32, 42);
    CHECK_EQ(parse_ok("i32:0xffffffff").of.i32, -1);
    CHECK_EQ(parse_ok("i32:4294967295").of.i32, -1);
    CHECK_EQ(parse_ok("i32:-2147483648").of.i32, INT32_MIN);
    CHECK_EQ(parse_ok("i32:0x7FFF_FFFF").of.i32, INT32_MAX);
    CHECK_EQ(parse_ok("i32:1_000_000").of.i32, 1000000);
    CHECK_EQ(parse_ok("i32:-0x10").of.i32, -16);
    v = parse_ok("i64:-1");
    CHECK_EQ(v.type, TCVM_I64);
    CHECK_EQ(v.of.i64, -1);
    CHECK_EQ(parse_ok("i64:18446744073709551615").of.i64, -1);
    CHECK_EQ(parse_ok("i64:-9223372036854775808").of.i64, INT64_MIN);
    CHECK_UEQ((uint64_t)parse_ok("i64:0x8000000000000000").of.i64, 0x8000000000000000u);

    parse_bad("i32:4294967296", TCVM_EFORMAT, "out of range for i32");
    parse_bad("i32:-2147483649", TCVM_EFORMAT, "out of range");
    parse_bad("i64:18446744073709551616", TCVM_EFORMAT, "i64");
    parse_bad("i32:", TCVM_EFORMAT, "not a i32 literal");
    parse_bad("i32:12a", TCVM_EFORMAT, "\"12a\"");
    parse_bad("i32:0x", TCVM_EFORMAT, "not a i32");
    parse_bad("i32:1__0", TCVM_EFORMAT, "not a i32");
    parse_bad("i32:_1", TCVM_EFORMAT, "not a i32");
    parse_bad("i32:1_", TCVM_EFORMAT, "not a i32");
    parse_bad("i32: 1", TCVM_EFORMAT, "not a i32");
    parse_bad("i32:1.0", TCVM_EFORMAT, "not a i32");
    parse_bad("i32:--1", TCVM_EFORMAT, "not a i32");
}

TEST(wasm_text_floats)
{
    tcvm_val_t v = parse_ok("f32:1.5");
    CHECK_EQ(v.type, TCVM_F32);
    CHECK_UEQ(v.of.f32_bits, 0x3fc00000u);
    CHECK_UEQ(parse_ok("f64:1.5").of.f64_bits, 0x3ff8000000000000u);
    CHECK_UEQ(parse_ok("f64:0x1p-3").of.f64_bits, 0x3fc0000000000000u);
    CHECK_UEQ(parse_ok("f32:0x1.8p+1").of.f32_bits, 0x40400000u);
    CHECK_UEQ(parse_ok("f32:0x1p-149").of.f32_bits, 0x00000001u);
    CHECK_UEQ(parse_ok("f32:-0").of.f32_bits, 0x80000000u);
    CHECK_UEQ(parse_ok("f64:1e0").of.f64_bits, 0x3ff0000000000000u);
    CHECK_UEQ(parse_ok("f64:1_000.5").of.f64_bits, 0x408f440000000000u);
    CHECK_UEQ(parse_ok("f64:1.").of.f64_bits, 0x3ff0000000000000u);
    CHECK_UEQ(parse_ok("f64:1E+2").of.f64_bits, 0x4059000000000000u);
    /* decimal rounds directly to f32, not via double (which would round twice) */
    CHECK_UEQ(parse_ok("f32:1.00000017881393432617187499").of.f32_bits, 0x3f800001u);
    CHECK_UEQ(parse_ok("f32:0.1").of.f32_bits, 0x3dcccccdu);
    CHECK_UEQ(parse_ok("f64:0.1").of.f64_bits, 0x3fb999999999999au);
    CHECK_UEQ(parse_ok("f32:inf").of.f32_bits, 0x7f800000u);
    CHECK_UEQ(parse_ok("f32:-inf").of.f32_bits, 0xff800000u);
    CHECK_UEQ(parse_ok("f64:+inf").of.f64_bits, 0x7ff0000000000000u);
    CHECK_UEQ(parse_ok("f32:nan").of.f32_bits, 0x7fc00000u);
    CHECK_UEQ(parse_ok("f32:-nan").of.f32_bits, 0xffc00000u);
    CHECK_UEQ(parse_ok("f64:nan").of.f64_bits, 0x7ff8000000000000u);
    CHECK_UEQ(parse_ok("f32:nan:0x1").of.f32_bits, 0x7f800001u);
    CHECK_UEQ(parse_ok("f32:-nan:0x7fffff").of.f32_bits, 0xffffffffu);
    CHECK_UEQ(parse_ok("f64:nan:0x4000000000000").of.f64_bits, 0x7ff4000000000000u);
    CHECK_UEQ(parse_ok("f32:bits:0x3fc00000").of.f32_bits, 0x3fc00000u);
    CHECK_UEQ(parse_ok("f32:bits:0x1").of.f32_bits, 1u);
    CHECK_UEQ(parse_ok("f64:bits:0xfff0000000000001").of.f64_bits, 0xfff0000000000001u);
    /* the largest finite f32 and the value just below the rounding edge to infinity */
    CHECK_UEQ(parse_ok("f32:3.4028234663852886e38").of.f32_bits, 0x7f7fffffu);
    CHECK_UEQ(parse_ok("f32:0x1.fffffefffffffp127").of.f32_bits, 0x7f7fffffu);

    parse_bad("f32:1e39", TCVM_EFORMAT, "out of range for f32");
    parse_bad("f32:0x1p128", TCVM_EFORMAT, "out of range for f32");
    parse_bad("f64:1e400", TCVM_EFORMAT, "out of range for f64");
    parse_bad("f32:nan:0x0", TCVM_EFORMAT, "payload");
    parse_bad("f32:nan:0x800000", TCVM_EFORMAT, "payload");
    parse_bad("f32:nan:12", TCVM_EFORMAT, "payload");
    parse_bad("f32:bits:0x123456789", TCVM_EFORMAT, "1 to 8 hex digits");
    parse_bad("f32:bits:12", TCVM_EFORMAT, "bits:0x");
    parse_bad("f64:infinity", TCVM_EFORMAT, "not a f64 literal");
    parse_bad("f64:nan(1)", TCVM_EFORMAT, "not a f64 literal");
    parse_bad("f64:.5", TCVM_EFORMAT, "not a f64 literal");
    parse_bad("f64:1e", TCVM_EFORMAT, "not a f64 literal");
    parse_bad("f64:1e+", TCVM_EFORMAT, "not a f64 literal");
    parse_bad("f64:1.5.5", TCVM_EFORMAT, "not a f64 literal");
    parse_bad("f64:0x1e5p1x", TCVM_EFORMAT, "not a f64 literal");
    parse_bad("f64: 1", TCVM_EFORMAT, "not a f64 literal");
    parse_bad("f64:1p3", TCVM_EFORMAT, "not a f64 literal");
    parse_bad("f64:", TCVM_EFORMAT, "not a f64 literal");
    char longer[2000] = "f64:";
    memset(longer + 4, '1', sizeof longer - 5);
    longer[sizeof longer - 1] = '\0';
    parse_bad(longer, TCVM_EFORMAT, "not a f64 literal");
}

TEST(wasm_text_refs_and_types)
{
    tcvm_val_t v = parse_ok("funcref:null");
    CHECK_EQ(v.type, TCVM_FUNCREF);
    CHECK(v.of.funcref == NULL);
    v = parse_ok("externref:null");
    CHECK_EQ(v.type, TCVM_EXTERNREF);
    CHECK(v.of.externref == NULL);
    v = parse_ok("externref:42");
    CHECK((uintptr_t)v.of.externref == 42);
    CHECK((uintptr_t)parse_ok("externref:0x10").of.externref == 16);
    parse_bad("externref:0", TCVM_EFORMAT, "externref:null");
    parse_bad("externref:x", TCVM_EFORMAT, "not an externref");
    parse_bad("funcref:1", TCVM_EFORMAT, "only be written as null");
    parse_bad("v128:0", TCVM_EFORMAT, "not a typed value");
    parse_bad("7", TCVM_EFORMAT, "TYPE:VALUE");
    parse_bad("", TCVM_EFORMAT, "not a typed value");

    tcvm_valtype_t t;
    CHECK(tcvm_valtype_from_name("externref", 9, &t));
    CHECK_EQ(t, TCVM_EXTERNREF);
    CHECK(!tcvm_valtype_from_name("i32x", 4, &t));
    CHECK(!tcvm_valtype_from_name("i3", 2, &t));

    /* parse_as: the bare literal, or a matching prefix */
    tcvm_error_t err = {0};
    CHECK_OK(tcvm_val_parse_as(TCVM_I64, "-5", 2, &v, &err));
    CHECK_EQ(v.type, TCVM_I64);
    CHECK_EQ(v.of.i64, -5);
    CHECK_OK(tcvm_val_parse_as(TCVM_F32, "f32:nan:0x1", 11, &v, &err));
    CHECK_UEQ(v.of.f32_bits, 0x7f800001u);
    CHECK_OK(tcvm_val_parse_as(TCVM_F64, "nan:0x1", 7, &v, &err));
    CHECK_UEQ(v.of.f64_bits, 0x7ff0000000000001u);
    CHECK_STATUS(tcvm_val_parse_as(TCVM_I32, "i64:1", 5, &v, &err), TCVM_WASM_TYPE);
    CHECK_CONTAINS(err.message, "is a i64 but a i32 is expected");
    CHECK_STATUS(tcvm_val_parse_as(TCVM_I32, "x", 1, &v, &err), TCVM_EFORMAT);
    CHECK_STATUS(tcvm_val_parse_as((tcvm_valtype_t)0x7b, "1", 1, &v, &err), TCVM_EINVAL);
    /* the size is honoured: no NUL needed, nothing read past it */
    CHECK_OK(tcvm_val_parse("i32:123456", 6, &v, &err));
    CHECK_EQ(v.of.i32, 12);
}

TEST(wasm_text_format)
{
    char b[TCVM_VAL_TEXT_MAX];
    tcvm_val_t v = {.type = TCVM_I32, .of.i32 = 7};
    CHECK_STREQ(fmt(v, b), "i32:7");
    v.of.i32 = INT32_MIN;
    CHECK_STREQ(fmt(v, b), "i32:-2147483648");
    v = (tcvm_val_t){.type = TCVM_I64, .of.i64 = -1};
    CHECK_STREQ(fmt(v, b), "i64:-1");
    v = (tcvm_val_t){.type = TCVM_F64, .of.f64_bits = 0x3ff8000000000000u};
    CHECK_STREQ(fmt(v, b), "f64:1.5");
    v.of.f64_bits = 0x3fb999999999999au;
    CHECK_STREQ(fmt(v, b), "f64:0.1");
    v.of.f64_bits = 0x8000000000000000u;
    CHECK_STREQ(fmt(v, b), "f64:-0");
    v.of.f64_bits = 0x7ff8000000000000u;
    CHECK_STREQ(fmt(v, b), "f64:nan:0x8000000000000");
    v.of.f64_bits = 0xfff0000000000000u;
    CHECK_STREQ(fmt(v, b), "f64:-inf");
    v.of.f64_bits = 0x0000000000000001u;
    CHECK_STREQ(fmt(v, b), "f64:5e-324");
    v = (tcvm_val_t){.type = TCVM_F32, .of.f32_bits = 0x3dcccccdu};
    CHECK_STREQ(fmt(v, b), "f32:0.1");
    v.of.f32_bits = 0x00000001u;
    CHECK_STREQ(fmt(v, b), "f32:1e-45");
    v.of.f32_bits = 0xffc00000u;
    CHECK_STREQ(fmt(v, b), "f32:-nan:0x400000");
    v.of.f32_bits = 0x7f800001u;
    CHECK_STREQ(fmt(v, b), "f32:nan:0x1");
    v.of.f32_bits = 0x7f7fffffu;
    CHECK_STREQ(fmt(v, b), "f32:3.4028235e+38");
    v.of.f32_bits = 0x4b800000u; /* 16777216 */
    CHECK_STREQ(fmt(v, b), "f32:16777216");
    v = (tcvm_val_t){.type = TCVM_FUNCREF, .of.funcref = NULL};
    CHECK_STREQ(fmt(v, b), "funcref:null");
    v = (tcvm_val_t){.type = TCVM_EXTERNREF, .of.externref = NULL};
    CHECK_STREQ(fmt(v, b), "externref:null");
    v.of.externref = (void *)(uintptr_t)99;
    CHECK_STREQ(fmt(v, b), "externref:99");
    v = (tcvm_val_t){.type = (tcvm_valtype_t)0x7b, .of.f64_bits = 0};
    CHECK_STREQ(fmt(v, b), "?:0x0");

    /* a short buffer is cut and NUL-terminated; the full length is returned */
    char small[5];
    v = (tcvm_val_t){.type = TCVM_I32, .of.i32 = 123456};
    CHECK_EQ(tcvm_val_format(&v, small, sizeof small), 10);
    CHECK_STREQ(small, "i32:");
}

static uint64_t next_rand(uint64_t *s)
{
    /* xorshift64*: a fixed sequence, so failures reproduce */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

static void round_trip(tcvm_val_t v)
{
    char b[TCVM_VAL_TEXT_MAX];
    size_t n = tcvm_val_format(&v, b, sizeof b);
    CHECK(n < sizeof b);
    tcvm_val_t back;
    tcvm_error_t err = {0};
    tcvm_status_t st = tcvm_val_parse(b, n, &back, &err);
    if (st != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "\"%s\" does not parse: %s", b, err.message);
    CHECK_EQ(back.type, v.type);
    if (v.type == TCVM_F32 && back.of.f32_bits != v.of.f32_bits)
        tcvm_test_fail(__FILE__, __LINE__, "\"%s\": 0x%08x came back as 0x%08x", b, v.of.f32_bits,
                       back.of.f32_bits);
    if (v.type == TCVM_F64 && back.of.f64_bits != v.of.f64_bits)
        tcvm_test_fail(__FILE__, __LINE__, "\"%s\": 0x%016llx came back as 0x%016llx", b,
                       (unsigned long long)v.of.f64_bits, (unsigned long long)back.of.f64_bits);
    if (v.type == TCVM_I32) CHECK_EQ(back.of.i32, v.of.i32);
    if (v.type == TCVM_I64) CHECK_EQ(back.of.i64, v.of.i64);
}

TEST(wasm_text_round_trip)
{
    uint64_t s = 0x9e3779b97f4a7c15ull;
    static const uint64_t edges[] = {0,
                                     1,
                                     0x7f,
                                     0x80,
                                     0x7fffffff,
                                     0x80000000,
                                     0xffffffff,
                                     0x7f800000,
                                     0x7fc00000,
                                     0x00800000,
                                     0x007fffff,
                                     0x7ff0000000000000ull,
                                     0x000fffffffffffffull,
                                     0x7fefffffffffffffull,
                                     UINT64_MAX};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        uint64_t e = edges[i];
        round_trip((tcvm_val_t){.type = TCVM_I32, .of.i32 = (int32_t)(uint32_t)e});
        round_trip((tcvm_val_t){.type = TCVM_I64, .of.i64 = (int64_t)e});
        round_trip((tcvm_val_t){.type = TCVM_F32, .of.f32_bits = (uint32_t)e});
        round_trip((tcvm_val_t){.type = TCVM_F32, .of.f32_bits = (uint32_t)e | 0x80000000u});
        round_trip((tcvm_val_t){.type = TCVM_F64, .of.f64_bits = e});
        round_trip((tcvm_val_t){.type = TCVM_F64, .of.f64_bits = e | 0x8000000000000000ull});
    }
    for (int i = 0; i < 20000; i++) {
        uint64_t r = next_rand(&s);
        round_trip((tcvm_val_t){.type = TCVM_F32, .of.f32_bits = (uint32_t)r});
        round_trip((tcvm_val_t){.type = TCVM_F64, .of.f64_bits = r});
        round_trip((tcvm_val_t){.type = TCVM_I64, .of.i64 = (int64_t)r});
        round_trip((tcvm_val_t){.type = TCVM_I32, .of.i32 = (int32_t)(uint32_t)(r >> 7)});
    }
}

TEST(wasm_text_locale_independent)
{
    /* A locale whose decimal separator is a comma must change neither direction. */
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8",  "fr_FR.UTF-8",
                                        "fr_FR.utf8",  "nl_NL.UTF-8", "ru_RU.UTF-8"};
    bool found = false;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !found; i++)
        found =
            setlocale(LC_ALL, names[i]) != NULL && strcmp(localeconv()->decimal_point, ",") == 0;
    if (!found) SKIP("no locale with a decimal comma is installed (e.g. de_DE.UTF-8)");
    char b[TCVM_VAL_TEXT_MAX];
    CHECK_UEQ(parse_ok("f64:1.5").of.f64_bits, 0x3ff8000000000000u);
    tcvm_val_t v = {.type = TCVM_F64, .of.f64_bits = 0x3ff8000000000000u};
    CHECK_STREQ(fmt(v, b), "f64:1.5");
    setlocale(LC_ALL, "C");
}
