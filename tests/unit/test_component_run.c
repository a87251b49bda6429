/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Components run end to end: built with the test builder around real core modules (wat2wasm),
 * instantiated with host functions, called with typed values. The round-trip component lowers
 * a host import `f` and lifts an export `g` whose core code passes its flat arguments straight to
 * `f`: a value given to `g` is lowered into the component's memory, lifted again for the host's
 * `f`, which returns it, lowered into memory once more and lifted as `g`'s result. Every WIT
 * value type goes through it, in the three string encodings and on both tiers.
 */
#include "test.h"
#include "test_component_util.h"
#include "wat.h"

#include "tcvm/component.h"
#include "tcvm/wasm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *vt_name(tcvm_valtype_t t)
{
    return tcvm_valtype_name(t);
}

/* The allocator module: one memory, a bump realloc that grows memory and copies. */
static const char alloc_wat[] =
    "(module (memory (export \"mem\") 1)\n"
    "  (global $bump (mut i32) (i32.const 4096))\n"
    "  (global (export \"calls\") (mut i32) (i32.const 0))\n"
    "  (func (export \"realloc\") (param $old i32) (param $osz i32) (param $al i32)\n"
    "        (param $nsz i32) (result i32) (local $p i32)\n"
    "    global.get 1 i32.const 1 i32.add global.set 1\n"
    "    global.get $bump local.get $al i32.add i32.const 1 i32.sub\n"
    "    i32.const 0 local.get $al i32.sub i32.and local.set $p\n"
    "    local.get $p local.get $nsz i32.add global.set $bump\n"
    "    (block (loop\n"
    "      global.get $bump memory.size i32.const 16 i32.shl i32.le_u br_if 1\n"
    "      i32.const 1 memory.grow i32.const -1 i32.eq (if (then unreachable))\n"
    "      br 0))\n"
    "    local.get $old (if (then local.get $p local.get $old\n"
    "      local.get $osz local.get $nsz local.get $osz local.get $nsz i32.lt_u select\n"
    "      memory.copy))\n"
    "    local.get $p))\n";

/* Builds the round-trip component for a function type with these params and result. */
static void build_roundtrip(cb_t *out, size_t np, const tcvm_ctype_t *const *params,
                            const tcvm_ctype_t *result, uint8_t encoding)
{
    /* flat signature */
    tcvm_valtype_t flat[64];
    size_t nf = 0;
    for (size_t i = 0; i < np; i++) {
        size_t k = tcvm_cabi_flatten(params[i], nf < 64 ? flat + nf : NULL, nf < 64 ? 64 - nf : 0);
        nf += k;
    }
    bool pspill = nf > 16;
    size_t rn = result ? tcvm_cabi_flatten(result, NULL, 0) : 0;
    tcvm_valtype_t rflat[1];
    if (result && rn == 1) tcvm_cabi_flatten(result, rflat, 1);
    bool rspill = rn > 1;

    char wat[8192];
    size_t w = 0;
    w += (size_t)snprintf(wat + w, sizeof wat - w,
                          "(module (import \"m\" \"mem\" (memory 1))\n"
                          "  (import \"h\" \"f\" (func $f");
    size_t ncore = pspill ? 1 : nf;
    for (size_t i = 0; i < ncore; i++)
        w += (size_t)snprintf(wat + w, sizeof wat - w, " (param %s)",
                              pspill ? "i32" : vt_name(flat[i]));
    if (rspill) w += (size_t)snprintf(wat + w, sizeof wat - w, " (param i32)");
    if (result && !rspill)
        w += (size_t)snprintf(wat + w, sizeof wat - w, " (result %s)", vt_name(rflat[0]));
    w += (size_t)snprintf(wat + w, sizeof wat - w, "))\n  (func (export \"g\")");
    for (size_t i = 0; i < ncore; i++)
        w += (size_t)snprintf(wat + w, sizeof wat - w, " (param %s)",
                              pspill ? "i32" : vt_name(flat[i]));
    if (result)
        w += (size_t)snprintf(wat + w, sizeof wat - w, " (result %s)",
                              rspill ? "i32" : vt_name(rflat[0]));
    for (size_t i = 0; i < ncore; i++)
        w += (size_t)snprintf(wat + w, sizeof wat - w, " local.get %zu", i);
    if (rspill) w += (size_t)snprintf(wat + w, sizeof wat - w, " i32.const 8");
    w += (size_t)snprintf(wat + w, sizeof wat - w, " call $f");
    if (rspill) w += (size_t)snprintf(wat + w, sizeof wat - w, " i32.const 8");
    w += (size_t)snprintf(wat + w, sizeof wat - w, "))\n");
    if (w >= sizeof wat) tcvm_test_fail(__FILE__, __LINE__, "wat too long");

    size_t m0n, m1n;
    uint8_t *m0 = tcvm_test_wat(alloc_wat, &m0n);
    uint8_t *m1 = tcvm_test_wat(wat, &m1n);
    cb_t s = {0};
    cb_preamble(out);
    /* types: the function type */
    cb_types_t ts = {0};
    static const char *const pnames[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j",
                                         "k", "l", "m", "n", "o", "p", "q", "r", "s", "t"};
    uint32_t fti = cb_type_func(&ts, np, pnames, params, result);
    cb_types_emit(&ts, out);
    /* import "f" (func (type fti)) -> func 0 */
    cb_u32(&s, 1);
    cb_u8(&s, 0x00);
    cb_name(&s, "f");
    cb_u8(&s, 0x01);
    cb_u32(&s, fti);
    cb_section(out, 10, &s);
    cb_free(&s);
    /* core module 0 (allocator), instance 0 */
    cb_bytes(&s, m0, m0n);
    cb_section(out, 1, &s);
    cb_free(&s);
    cb_u32(&s, 1);
    cb_u8(&s, 0x00);
    cb_u32(&s, 0);
    cb_u32(&s, 0);
    cb_section(out, 2, &s);
    cb_free(&s);
    /* aliases: core memory 0 = inst0.mem, core func 0 = inst0.realloc */
    cb_u32(&s, 2);
    cb_u8(&s, 0x00), cb_u8(&s, 0x02), cb_u8(&s, 0x01), cb_u32(&s, 0), cb_name(&s, "mem");
    cb_u8(&s, 0x00), cb_u8(&s, 0x00), cb_u8(&s, 0x01), cb_u32(&s, 0), cb_name(&s, "realloc");
    cb_section(out, 6, &s);
    cb_free(&s);
    /* canon lower func 0 -> core func 1 */
    cb_u32(&s, 1);
    cb_u8(&s, 0x01), cb_u8(&s, 0x00), cb_u32(&s, 0);
    cb_u32(&s, 3);
    cb_u8(&s, encoding);
    cb_u8(&s, 0x03), cb_u32(&s, 0);
    cb_u8(&s, 0x04), cb_u32(&s, 0);
    cb_section(out, 8, &s);
    cb_free(&s);
    /* core instance 1 = {f: core func 1} */
    cb_u32(&s, 1);
    cb_u8(&s, 0x01);
    cb_u32(&s, 1);
    cb_name(&s, "f");
    cb_u8(&s, 0x00);
    cb_u32(&s, 1);
    cb_section(out, 2, &s);
    cb_free(&s);
    /* core module 1 (main), instance 2 with h=inst1, m=inst0 */
    cb_bytes(&s, m1, m1n);
    cb_section(out, 1, &s);
    cb_free(&s);
    cb_u32(&s, 1);
    cb_u8(&s, 0x00);
    cb_u32(&s, 1);
    cb_u32(&s, 2);
    cb_name(&s, "h"), cb_u8(&s, 0x12), cb_u32(&s, 1);
    cb_name(&s, "m"), cb_u8(&s, 0x12), cb_u32(&s, 0);
    cb_section(out, 2, &s);
    cb_free(&s);
    /* alias core func 2 = inst2.g */
    cb_u32(&s, 1);
    cb_u8(&s, 0x00), cb_u8(&s, 0x00), cb_u8(&s, 0x01), cb_u32(&s, 2), cb_name(&s, "g");
    cb_section(out, 6, &s);
    cb_free(&s);
    /* canon lift core func 2 (type fti) -> func 1 */
    cb_u32(&s, 1);
    cb_u8(&s, 0x00), cb_u8(&s, 0x00), cb_u32(&s, 2);
    cb_u32(&s, 3);
    cb_u8(&s, encoding);
    cb_u8(&s, 0x03), cb_u32(&s, 0);
    cb_u8(&s, 0x04), cb_u32(&s, 0);
    cb_u32(&s, fti);
    cb_section(out, 8, &s);
    cb_free(&s);
    /* export "g" func 1 */
    cb_u32(&s, 1);
    cb_u8(&s, 0x00), cb_name(&s, "g"), cb_u8(&s, 0x01), cb_u32(&s, 1), cb_u8(&s, 0x00);
    cb_section(out, 11, &s);
    cb_free(&s);
    free(m0);
    free(m1);
}

typedef struct echo_env {
    int calls;
} echo_env_t;

static tcvm_status_t echo(void *env, tcvm_ccall_t *call, const tcvm_cval_t *args, size_t n,
                          tcvm_cval_t *result)
{
    (void)call;
    ((echo_env_t *)env)->calls++;
    if (!result) return TCVM_OK;
    if (n == 0) return TCVM_TRAP_HOST;
    return tcvm_cval_copy(&args[n - 1], result);
}

/* Runs g(args) -> result on the round-trip component; checks the result equals the last arg. */
static void roundtrip(tcvm_tier_t tier, uint8_t encoding, const char *type_text,
                      const char *value_text, const char *want_text)
{
    tcvm_ctypes_t *a;
    CHECK_OK(tcvm_ctypes_new(&a));
    const tcvm_ctype_t *t;
    tcvm_error_t err = {0};
    if (tcvm_ctypes_parse(a, type_text, strlen(type_text), &t, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "type %s: %s", type_text, err.message);
    cb_t bin = {0};
    build_roundtrip(&bin, 1, &t, t, encoding);
    tcvm_engine_config_t ecfg = {0};
    ecfg.tier = tier;
    tcvm_engine_t *e;
    CHECK_OK(tcvm_engine_new(&ecfg, &e));
    tcvm_component_t *c = ct_load(e, &bin);
    tcvm_clinker_t *l;
    CHECK_OK(tcvm_clinker_new(&l));
    echo_env_t env = {0};
    CHECK_OK(tcvm_clinker_define_func(l, NULL, "f", echo, &env, NULL));
    tcvm_cinstance_t *inst;
    if (tcvm_cinstance_new(e, c, l, NULL, &inst, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "instantiate: %s", err.message);
    tcvm_cfunc_t *g = tcvm_cinstance_func(inst, "g");
    CHECK(g != NULL);
    tcvm_cval_t v, r;
    if (tcvm_wave_parse(t, value_text, strlen(value_text), &v, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "value %s: %s", value_text, err.message);
    tcvm_status_t st = tcvm_cfunc_call(inst, g, &v, 1, &r);
    if (st != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "g(%s) as %s: %s: %s", value_text, type_text,
                       tcvm_status_name(st), tcvm_cinstance_error(inst)->message);
    CHECK_EQ(env.calls, 1);
    char *text = tcvm_wave_print(t, &r);
    CHECK_STREQ(text, want_text ? want_text : value_text);
    if (!want_text) CHECK(tcvm_cval_equal(&v, &r));
    tcvm_ctext_free(text);
    tcvm_cval_clear(&v);
    tcvm_cval_clear(&r);
    tcvm_cinstance_free(inst);
    tcvm_clinker_free(l);
    tcvm_component_free(c);
    tcvm_engine_free(e);
    tcvm_ctypes_free(a);
    cb_free(&bin);
}

static const struct {
    const char *type, *value, *want;
} cases[] = {
    {"bool", "true", NULL},
    {"bool", "false", NULL},
    {"s8", "-128", NULL},
    {"u8", "255", NULL},
    {"s16", "-32768", NULL},
    {"u16", "65535", NULL},
    {"s32", "-2147483648", NULL},
    {"u32", "4294967295", NULL},
    {"s64", "-9223372036854775808", NULL},
    {"u64", "18446744073709551615", NULL},
    {"f32", "1.5", NULL},
    {"f32", "-0", NULL},
    {"f32", "nan", NULL},
    {"f32", "inf", NULL},
    {"f64", "0.1", NULL},
    {"f64", "-inf", NULL},
    {"f64", "1e21", "1000000000000000000000"},
    {"f64", "1.5e-7", "0.00000015"},
    {"char", "'x'", NULL},
    {"char", "'\\u{10ffff}'", "'\U0010ffff'"},
    {"char", "'😀'", NULL},
    {"string", "\"\"", NULL},
    {"string", "\"hello\"", NULL},
    {"string", "\"héllo wörld\"", NULL},
    {"string", "\"日本語 😀 \\n\\t\\\"\"", NULL},
    {"string", "\"ÿ\"", NULL},
    {"list<u8>", "[]", NULL},
    {"list<u8>", "[1, 2, 255]", NULL},
    {"list<s64>", "[-1, 9223372036854775807]", NULL},
    {"list<string>", "[\"a\", \"\", \"ü\"]", NULL},
    {"list<list<u16>>", "[[1], [], [2, 3]]", NULL},
    {"record { a: u8, b: string, c: f64 }", "{a: 1, b: \"x\", c: 2.5}", NULL},
    {"tuple<u8, u64, char>", "(1, 2, 'c')", NULL},
    {"tuple<f32, f64, s8, u32>", "(0.5, -0.25, -3, 7)", NULL},
    {"variant { a, b(u32), c(string), d(f64) }", "a", NULL},
    {"variant { a, b(u32), c(string), d(f64) }", "b(7)", NULL},
    {"variant { a, b(u32), c(string), d(f64) }", "c(\"zz\")", NULL},
    {"variant { a, b(u32), c(string), d(f64) }", "d(3.25)", NULL},
    {"variant { a(f32), b(u64) }", "a(1.5)", NULL},
    {"variant { a(f32), b(u64) }", "b(18446744073709551615)", NULL},
    {"enum { red, green, blue }", "blue", NULL},
    {"option<u32>", "none", NULL},
    {"option<u32>", "some(5)", NULL},
    {"option<option<string>>", "some(none)", NULL},
    {"option<option<string>>", "some(some(\"q\"))", NULL},
    {"result<u32, string>", "ok(1)", NULL},
    {"result<u32, string>", "err(\"bad\")", NULL},
    {"result", "ok", NULL},
    {"result", "err", NULL},
    {"result<_, u8>", "err(9)", NULL},
    {"result<f32>", "ok(2)", NULL},
    {"flags { read, write, exec }", "{}", NULL},
    {"flags { read, write, exec }", "{read, exec}", NULL},
    {"flags { a0, a1, a2, a3, a4, a5, a6, a7, a8 }", "{a0, a8}", NULL},
    {"flags { b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15, b16, b17 }",
     "{b1, b17}", NULL},
    {"list<record { k: string, v: option<list<tuple<char, bool>>> }>",
     "[{k: \"a\", v: none}, {k: \"b\", v: some([('x', true), ('y', false)])}]", NULL},
    {"tuple<u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8, u8>",
     "(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17)", NULL},
};

TEST(component_roundtrip_every_type_utf8)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        roundtrip(TCVM_TIER_INTERP, 0x00, cases[i].type, cases[i].value, cases[i].want);
}

TEST(component_roundtrip_every_type_utf16)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        roundtrip(TCVM_TIER_INTERP, 0x01, cases[i].type, cases[i].value, cases[i].want);
}

TEST(component_roundtrip_every_type_latin1_utf16)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        roundtrip(TCVM_TIER_INTERP, 0x02, cases[i].type, cases[i].value, cases[i].want);
}

TEST(component_roundtrip_aot)
{
    if (!tcvm_aot_available(NULL)) SKIP("the AOT tier needs wasm2c and a C compiler");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i += 3)
        roundtrip(TCVM_TIER_AOT, 0x00, cases[i].type, cases[i].value, cases[i].want);
}

TEST(component_roundtrip_large_list)
{
    /* 1 MiB list<u8> and a 300 KB string through memory growth in realloc */
    tcvm_ctypes_t *a;
    CHECK_OK(tcvm_ctypes_new(&a));
    const tcvm_ctype_t *t;
    CHECK_OK(tcvm_ctypes_parse(a, "list<u8>", 8, &t, NULL));
    cb_t bin = {0};
    build_roundtrip(&bin, 1, &t, t, 0);
    tcvm_engine_t *e;
    CHECK_OK(tcvm_engine_new(NULL, &e));
    tcvm_component_t *c = ct_load(e, &bin);
    tcvm_clinker_t *l;
    CHECK_OK(tcvm_clinker_new(&l));
    echo_env_t env = {0};
    CHECK_OK(tcvm_clinker_define_func(l, NULL, "f", echo, &env, NULL));
    tcvm_cinstance_t *inst;
    CHECK_OK(tcvm_cinstance_new(e, c, l, NULL, &inst, NULL));
    tcvm_cval_t v, r;
    size_t n = 1 << 20;
    CHECK_OK(tcvm_cval_seq(TCVM_CT_LIST, n, &v));
    for (size_t i = 0; i < n; i++)
        v.of.seq.items[i] = tcvm_cval_u(TCVM_CT_U8, (i * 7) & 0xff);
    CHECK_OK(tcvm_cfunc_call(inst, tcvm_cinstance_func(inst, "g"), &v, 1, &r));
    CHECK_EQ(r.of.seq.count, n);
    CHECK(tcvm_cval_equal(&v, &r));
    tcvm_cval_clear(&v);
    tcvm_cval_clear(&r);
    tcvm_cinstance_free(inst);
    tcvm_clinker_free(l);
    tcvm_component_free(c);
    tcvm_engine_free(e);
    tcvm_ctypes_free(a);
    cb_free(&bin);
}

TEST(component_roundtrip_many_params_spill)
{
    /* 17 flat parameters go through memory (MAX_FLAT_PARAMS = 16) on both sides */
    tcvm_ctypes_t *a;
    CHECK_OK(tcvm_ctypes_new(&a));
    const tcvm_ctype_t *ps[17];
    for (int i = 0; i < 17; i++)
        ps[i] = tcvm_ctype_primitive(i % 2 ? TCVM_CT_U64 : TCVM_CT_U8);
    cb_t bin = {0};
    build_roundtrip(&bin, 17, ps, ps[16], 0);
    tcvm_engine_t *e;
    CHECK_OK(tcvm_engine_new(NULL, &e));
    tcvm_component_t *c = ct_load(e, &bin);
    tcvm_clinker_t *l;
    CHECK_OK(tcvm_clinker_new(&l));
    echo_env_t env = {0};
    CHECK_OK(tcvm_clinker_define_func(l, NULL, "f", echo, &env, NULL));
    tcvm_cinstance_t *inst;
    CHECK_OK(tcvm_cinstance_new(e, c, l, NULL, &inst, NULL));
    tcvm_cval_t args[17], r;
    for (int i = 0; i < 17; i++)
        args[i] = tcvm_cval_u(i % 2 ? TCVM_CT_U64 : TCVM_CT_U8, 200 + i);
    CHECK_OK(tcvm_cfunc_call(inst, tcvm_cinstance_func(inst, "g"), args, 17, &r));
    CHECK_EQ(r.kind, TCVM_CT_U8);
    CHECK_EQ(r.of.u, 216);
    tcvm_cinstance_free(inst);
    tcvm_clinker_free(l);
    tcvm_component_free(c);
    tcvm_engine_free(e);
    tcvm_ctypes_free(a);
    cb_free(&bin);
}
