/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The canonical ABI test vectors of the Component Model specification's reference tests
 * (design/mvp/canonical-abi/run_tests.py in the component-model repository): every synchronous
 * case, in this project's own tables, run against the low-level entry points of
 * tcvm/component.h (tcvm_cabi_lift_values, tcvm_cabi_lower_values, tcvm_cabi_load,
 * tcvm_cabi_store, tcvm_cabi_flatten). Each vector is a type (WIT text), the flat core values
 * (and for heap cases the bytes of linear memory), and the expected value, or a trap. As in the
 * reference, a vector that lifts is then lowered again into a fresh memory whose realloc is the
 * reference's bump allocator (five times the input memory, never growing) and lifted back,
 * which must give the same value. Fixed-length lists (a gated feature the runtime refuses) and
 * the async cases are not ported; the resource handle-table case needs instances and is covered
 * by the component test suite's resources/ scripts instead.
 */
#include "test.h"

#include "tcvm/component.h"

#include <setjmp.h>
#include <stdarg.h>

/* ---- the reference's heap: a fixed memory with a bump realloc -------------------------------- */

typedef struct heap {
    uint8_t *bytes;
    size_t size;
    uint32_t last_alloc;
} heap_t;

static uint32_t align_to(uint32_t ptr, uint32_t align)
{
    return (ptr + align - 1) / align * align;
}

/* realloc(original_ptr, original_size, alignment, new_size) exactly as the reference's Heap. */
static tcvm_status_t heap_realloc(tcvm_cabi_memory_t *mem, uint32_t old_ptr, uint32_t old_size,
                                  uint32_t align, uint32_t new_size, uint32_t *out_ptr)
{
    heap_t *h = mem->env;
    if (old_ptr != 0 && new_size < old_size) {
        *out_ptr = align_to(old_ptr, align);
        return TCVM_OK;
    }
    uint32_t ret = align_to(h->last_alloc, align);
    if ((uint64_t)ret + new_size > h->size) return TCVM_TRAP_UNREACHABLE; /* out of heap: trap */
    h->last_alloc = ret + new_size;
    if ((uint64_t)old_ptr + old_size > h->size) return TCVM_TRAP_UNREACHABLE;
    /* the reference copies original_size bytes; what lies past new_size is never read */
    memmove(h->bytes + ret, h->bytes + old_ptr, old_size < new_size ? old_size : new_size);
    *out_ptr = ret;
    return TCVM_OK;
}

static uint8_t empty_memory[8];

static void heap_init(heap_t *h, tcvm_cabi_memory_t *mem, size_t size,
                      tcvm_cstring_encoding_t encoding)
{
    h->size = size;
    h->bytes = size ? calloc(1, size) : empty_memory;
    CHECK(h->bytes != NULL);
    h->last_alloc = 0;
    memset(mem, 0, sizeof *mem);
    mem->data = h->bytes;
    mem->size = size;
    mem->encoding = encoding;
    mem->realloc = heap_realloc;
    mem->env = h;
}

static void heap_free(heap_t *h)
{
    if (h->bytes != empty_memory) free(h->bytes);
}

/* ---- building types and values -------------------------------------------------------------- */

static tcvm_ctypes_t *arena;

static const tcvm_ctype_t *ty(const char *wit)
{
    if (arena == NULL) CHECK_OK(tcvm_ctypes_new(&arena));
    const tcvm_ctype_t *t = NULL;
    tcvm_error_t err;
    memset(&err, 0, sizeof err);
    tcvm_status_t st = tcvm_ctypes_parse(arena, wit, strlen(wit), &t, &err);
    if (st != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "type '%s': %s: %s", wit, tcvm_status_name(st),
                       err.message);
    return t;
}

static tcvm_cval_t V_U(tcvm_ctype_kind_t k, uint64_t v)
{
    return tcvm_cval_u(k, v);
}
static tcvm_cval_t V_S(tcvm_ctype_kind_t k, int64_t v)
{
    return tcvm_cval_s(k, v);
}

static tcvm_cval_t V_STR(const char *utf8, size_t size)
{
    tcvm_cval_t v;
    CHECK_OK(tcvm_cval_string(utf8, size, &v));
    return v;
}
#define V_CSTR(s) V_STR((s), sizeof(s) - 1)

/* A list, record or tuple of count items given as tcvm_cval_t arguments (moved in). */
static tcvm_cval_t V_SEQ(tcvm_ctype_kind_t kind, size_t count, ...)
{
    tcvm_cval_t v;
    CHECK_OK(tcvm_cval_seq(kind, count, &v));
    va_list ap;
    va_start(ap, count);
    for (size_t i = 0; i < count; i++)
        v.of.seq.items[i] = va_arg(ap, tcvm_cval_t);
    va_end(ap);
    return v;
}

/* A case of a variant, enum, option or result; payload (moved in) or none. */
static tcvm_cval_t V_CASE(tcvm_ctype_kind_t kind, uint32_t index, const tcvm_cval_t *payload)
{
    tcvm_cval_t v;
    CHECK_OK(tcvm_cval_case(kind, index, payload, &v));
    return v;
}
static tcvm_cval_t V_CASE1(tcvm_ctype_kind_t kind, uint32_t index, tcvm_cval_t payload)
{
    return V_CASE(kind, index, &payload);
}

/* Describes a value for failure messages (enough to tell two values apart). */
static void describe(const tcvm_cval_t *v, char *buf, size_t size)
{
    size_t n = strlen(buf);
    if (n + 40 >= size) return;
    char *p = buf + n;
    size_t room = size - n;
    switch (v->kind) {
    case TCVM_CT_BOOL:
        snprintf(p, room, "%s", v->of.b ? "true" : "false");
        return;
    case TCVM_CT_S8:
    case TCVM_CT_S16:
    case TCVM_CT_S32:
    case TCVM_CT_S64:
        snprintf(p, room, "%" PRId64, v->of.s);
        return;
    case TCVM_CT_U8:
    case TCVM_CT_U16:
    case TCVM_CT_U32:
    case TCVM_CT_U64:
        snprintf(p, room, "%" PRIu64, v->of.u);
        return;
    case TCVM_CT_F32: {
        uint32_t bits;
        memcpy(&bits, &v->of.f32, 4);
        snprintf(p, room, "%g(f32 0x%08x)", (double)v->of.f32, bits);
        return;
    }
    case TCVM_CT_F64: {
        uint64_t bits;
        memcpy(&bits, &v->of.f64, 8);
        snprintf(p, room, "%g(f64 0x%016" PRIx64 ")", v->of.f64, bits);
        return;
    }
    case TCVM_CT_CHAR:
        snprintf(p, room, "U+%04X", v->of.ch);
        return;
    case TCVM_CT_STRING:
        snprintf(p, room, "\"%.*s\"(%zu bytes)", (int)(v->of.str.size > 40 ? 40 : v->of.str.size),
                 v->of.str.data ? v->of.str.data : "", v->of.str.size);
        return;
    case TCVM_CT_LIST:
    case TCVM_CT_RECORD:
    case TCVM_CT_TUPLE:
        snprintf(p, room, "%s[", tcvm_ctype_kind_name(v->kind));
        for (size_t i = 0; i < v->of.seq.count; i++) {
            if (i) strncat(buf, ", ", size - strlen(buf) - 1);
            describe(&v->of.seq.items[i], buf, size);
        }
        strncat(buf, "]", size - strlen(buf) - 1);
        return;
    case TCVM_CT_VARIANT:
    case TCVM_CT_ENUM:
    case TCVM_CT_OPTION:
    case TCVM_CT_RESULT:
        snprintf(p, room, "%s#%u(", tcvm_ctype_kind_name(v->kind), v->of.var.index);
        if (v->of.var.payload) describe(v->of.var.payload, buf, size);
        strncat(buf, ")", size - strlen(buf) - 1);
        return;
    case TCVM_CT_FLAGS:
        snprintf(p, room, "flags(0x%x)", v->of.flags);
        return;
    default:
        snprintf(p, room, "handle(%u)", v->of.handle);
        return;
    }
}

#define CHECK_VAL(got, want, what)                                                                 \
    do {                                                                                           \
        if (!tcvm_cval_equal((got), (want))) {                                                     \
            char g_[1024] = "", w_[1024] = "";                                                     \
            describe((got), g_, sizeof g_);                                                        \
            describe((want), w_, sizeof w_);                                                       \
            tcvm_test_fail(__FILE__, __LINE__, "%s:\n  got  %s\n  want %s", (what), g_, w_);       \
        }                                                                                          \
    } while (0)

/* ---- the reference's test(): lift flat, compare, lower into a fresh heap, lift again ----------
 */

/* Flat core values are written as raw bits: i32 in the low 32 bits, f32/f64 as their IEEE bits. */
static size_t make_flat(const tcvm_ctype_t *t, const uint64_t *bits, size_t count, tcvm_val_t *out,
                        size_t cap)
{
    tcvm_valtype_t types[64];
    size_t n = tcvm_cabi_flatten(t, types, 64);
    CHECK_EQ(n, count);
    CHECK(n <= cap);
    for (size_t i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        out[i].type = types[i];
        switch (types[i]) {
        case TCVM_I32:
            out[i].of.i32 = (int32_t)(uint32_t)bits[i];
            break;
        case TCVM_I64:
            out[i].of.i64 = (int64_t)bits[i];
            break;
        case TCVM_F32:
            out[i].of.f32_bits = (uint32_t)bits[i];
            break;
        case TCVM_F64:
            out[i].of.f64_bits = bits[i];
            break;
        default:
            tcvm_test_fail(__FILE__, __LINE__, "unexpected flat type %d", (int)types[i]);
        }
    }
    return n;
}

/*
 * The reference's test(t, vals_to_lift, v, cx, dst_encoding, lower_t, lower_v): lifts the flat
 * values from src (a memory, possibly empty), expects want (NULL: a trap); then lowers
 * lower_want (NULL: want) as lower_t (NULL: t) into a heap five times src's size with
 * dst_encoding, and lifts it back.
 */
/* When soft_failures is not NULL, a failing vector is printed and counted instead of ending the
 * test (the string matrix reports every failing combination at once). */
static unsigned *soft_failures;
static jmp_buf soft_jmp;

/* What check_lift holds while it runs, released on its normal exit and after a soft failure. */
static struct {
    tcvm_cval_t *got, *again;
    heap_t *heap;
} live;

static void live_release(void)
{
    if (live.got) tcvm_cval_clear(live.got);
    if (live.again) tcvm_cval_clear(live.again);
    if (live.heap) heap_free(live.heap);
    memset(&live, 0, sizeof live);
}

static void vfail(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void vfail(int line, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (soft_failures == NULL) tcvm_test_fail(__FILE__, line, "%s", msg);
    fprintf(stderr, "%s:%d: mismatch: %s\n", __FILE__, line, msg);
    (*soft_failures)++;
    longjmp(soft_jmp, 1);
}

#define CHECK_VAL_SOFT(got, want, what)                                                            \
    do {                                                                                           \
        if (!tcvm_cval_equal((got), (want))) {                                                     \
            char g_[1024] = "", w_[1024] = "";                                                     \
            describe((got), g_, sizeof g_);                                                        \
            describe((want), w_, sizeof w_);                                                       \
            vfail(__LINE__, "%s:\n  got  %s\n  want %s", (what), g_, w_);                          \
        }                                                                                          \
    } while (0)

static void check_lift(const char *name, const tcvm_ctype_t *t, const uint64_t *bits, size_t count,
                       tcvm_cabi_memory_t *src, tcvm_cval_t *want,
                       tcvm_cstring_encoding_t dst_encoding, const tcvm_ctype_t *lower_t,
                       tcvm_cval_t *lower_want)
{
    tcvm_val_t flat[64];
    size_t n = make_flat(t, bits, count, flat, 64);
    static tcvm_cval_t got;
    memset(&got, 0, sizeof got);
    live.got = &got;
    tcvm_error_t err;
    memset(&err, 0, sizeof err);
    tcvm_status_t st = tcvm_cabi_lift_values(src, &t, 1, flat, n, 16, &got, &err);
    if (want == NULL) {
        if (st != TCVM_COMP_TRAP) {
            char g[1024] = "";
            if (st == TCVM_OK) describe(&got, g, sizeof g);
            vfail(__LINE__, "%s: expected a trap, got %s %s", name, tcvm_status_name(st), g);
        }
        live_release();
        return;
    }
    if (st != TCVM_OK) vfail(__LINE__, "%s: lift: %s: %s", name, tcvm_status_name(st), err.message);
    CHECK_VAL_SOFT(&got, want, name);

    const tcvm_ctype_t *lt = lower_t ? lower_t : t;
    /* as the reference lowers the lifted value (a string with the encoding it came from) */
    tcvm_cval_t *lv = lower_want ? lower_want : &got;
    static heap_t h;
    tcvm_cabi_memory_t dst;
    heap_init(&h, &dst, 5 * src->size, dst_encoding);
    live.heap = &h;
    tcvm_val_t lowered[64];
    size_t ln = 0;
    st = tcvm_cabi_lower_values(&dst, &lt, 1, lv, 16, NULL, lowered, 64, &ln, &err);
    if (st != TCVM_OK)
        vfail(__LINE__, "%s: lower: %s: %s", name, tcvm_status_name(st), err.message);
    tcvm_valtype_t types[64];
    size_t tn = tcvm_cabi_flatten(lt, types, 64);
    CHECK_EQ(ln, tn);
    for (size_t i = 0; i < ln; i++)
        CHECK_EQ(lowered[i].type, types[i]);
    static tcvm_cval_t again;
    memset(&again, 0, sizeof again);
    live.again = &again;
    st = tcvm_cabi_lift_values(&dst, &lt, 1, lowered, ln, 16, &again, &err);
    if (st != TCVM_OK)
        vfail(__LINE__, "%s: re-lift: %s: %s", name, tcvm_status_name(st), err.message);
    CHECK_VAL_SOFT(&again, lv, name);
    live_release();
}

static tcvm_cabi_memory_t no_memory(void)
{
    tcvm_cabi_memory_t m;
    memset(&m, 0, sizeof m);
    m.data = empty_memory;
    m.size = 0;
    return m;
}

/* test() with no memory and the same type for lowering. */
static void vec(const char *name, const char *wit, const uint64_t *bits, size_t count,
                tcvm_cval_t *want)
{
    tcvm_cabi_memory_t m = no_memory();
    check_lift(name, ty(wit), bits, count, &m, want, TCVM_CSTR_UTF8, NULL, NULL);
    if (want) tcvm_cval_clear(want);
}
#define FLAT(...) ((const uint64_t[]){__VA_ARGS__}), (sizeof((const uint64_t[]){__VA_ARGS__}) / 8)

static tcvm_cval_t want_slot;
static tcvm_cval_t *want_tmp(tcvm_cval_t v)
{
    want_slot = v;
    return &want_slot;
}

#define F32_3_14 0x4048f5c3u
#define F64_3_14 0x40091EB851EB851Full

TEST(cabi_vec_record_tuple)
{
    vec("record{x,y,z}", "record { x: u8, y: u16, z: u32 }", FLAT(1, 2, 3),
        want_tmp(V_SEQ(TCVM_CT_RECORD, 3, V_U(TCVM_CT_U8, 1), V_U(TCVM_CT_U16, 2),
                       V_U(TCVM_CT_U32, 3))));
    vec("tuple<tuple<u8,u8>,u8>", "tuple<tuple<u8, u8>, u8>", FLAT(1, 2, 3),
        want_tmp(V_SEQ(TCVM_CT_TUPLE, 2,
                       V_SEQ(TCVM_CT_TUPLE, 2, V_U(TCVM_CT_U8, 1), V_U(TCVM_CT_U8, 2)),
                       V_U(TCVM_CT_U8, 3))));
}

TEST(cabi_vec_flags)
{
    const char *ab = "flags { a, b }";
    vec("flags 0", ab, FLAT(0), want_tmp(tcvm_cval_flags(0)));
    vec("flags 2", ab, FLAT(2), want_tmp(tcvm_cval_flags(2)));
    vec("flags 3", ab, FLAT(3), want_tmp(tcvm_cval_flags(3)));
    vec("flags 4 (bits past the labels are ignored)", ab, FLAT(4), want_tmp(tcvm_cval_flags(0)));
    char wit32[512];
    size_t w = (size_t)snprintf(wit32, sizeof wit32, "flags { ");
    for (int i = 0; i < 32; i++)
        w += (size_t)snprintf(wit32 + w, sizeof wit32 - w, "%sf%d", i ? ", " : "", i);
    snprintf(wit32 + w, sizeof wit32 - w, " }");
    vec("flags 32 all set", wit32, FLAT(0xffffffffu), want_tmp(tcvm_cval_flags(0xffffffffu)));
}

TEST(cabi_vec_variant)
{
    const char *t = "variant { x(u8), y(f32), z }";
    vec("x(42)", t, FLAT(0, 42), want_tmp(V_CASE1(TCVM_CT_VARIANT, 0, V_U(TCVM_CT_U8, 42))));
    vec("x(256) wraps to x(0)", t, FLAT(0, 256),
        want_tmp(V_CASE1(TCVM_CT_VARIANT, 0, V_U(TCVM_CT_U8, 0))));
    vec("y(3.14) through the joined i32", t, FLAT(1, F32_3_14),
        want_tmp(V_CASE1(TCVM_CT_VARIANT, 1, tcvm_cval_f32(3.14f))));
    vec("z", t, FLAT(2, 0xffffffffu), want_tmp(V_CASE(TCVM_CT_VARIANT, 2, NULL)));
    vec("bad case 3", t, FLAT(3, 0), NULL);
}

TEST(cabi_vec_option_result)
{
    vec("option none", "option<f32>", FLAT(0, F32_3_14), want_tmp(V_CASE(TCVM_CT_OPTION, 0, NULL)));
    vec("option some", "option<f32>", FLAT(1, F32_3_14),
        want_tmp(V_CASE1(TCVM_CT_OPTION, 1, tcvm_cval_f32(3.14f))));
    vec("option bad case", "option<f32>", FLAT(2, F32_3_14), NULL);
    vec("result ok", "result<u8, u32>", FLAT(0, 42),
        want_tmp(V_CASE1(TCVM_CT_RESULT, 0, V_U(TCVM_CT_U8, 42))));
    vec("result error", "result<u8, u32>", FLAT(1, 1000),
        want_tmp(V_CASE1(TCVM_CT_RESULT, 1, V_U(TCVM_CT_U32, 1000))));
}

/* variant { w(u8), y(u8) } lifted, then lowered as variant { w(u8) } (a case subset). */
TEST(cabi_vec_variant_lower_subset)
{
    const tcvm_ctype_t *t = ty("variant { w(u8), y(u8) }");
    const tcvm_ctype_t *t2 = ty("variant { w(u8) }");
    tcvm_cabi_memory_t m = no_memory();
    tcvm_cval_t w = V_CASE1(TCVM_CT_VARIANT, 0, V_U(TCVM_CT_U8, 42));
    tcvm_cval_t y = V_CASE1(TCVM_CT_VARIANT, 1, V_U(TCVM_CT_U8, 42));
    check_lift("w(42)", t, FLAT(0, 42), &m, &w, TCVM_CSTR_UTF8, NULL, NULL);
    check_lift("y(42)", t, FLAT(1, 42), &m, &y, TCVM_CSTR_UTF8, NULL, NULL);
    check_lift("w(42) lowered as the one-case variant", t, FLAT(0, 42), &m, &w, TCVM_CSTR_UTF8, t2,
               &w);
    tcvm_cval_clear(&w);
    tcvm_cval_clear(&y);
}

/* The reference's test_pairs: one flat value in, the lifted value (or a trap) out. */
typedef struct pair {
    uint64_t in;
    bool trap;
    uint64_t out; /* unsigned / bits; for signed kinds the two's complement */
} pair_t;

static void pairs(const char *wit, tcvm_ctype_kind_t kind, const pair_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char name[96];
        snprintf(name, sizeof name, "%s lifted from 0x%" PRIx64, wit, p[i].in);
        tcvm_cval_t want;
        switch (kind) {
        case TCVM_CT_BOOL:
            want = tcvm_cval_bool(p[i].out != 0);
            break;
        case TCVM_CT_S8:
        case TCVM_CT_S16:
        case TCVM_CT_S32:
        case TCVM_CT_S64:
            want = V_S(kind, (int64_t)p[i].out);
            break;
        case TCVM_CT_CHAR:
            want = tcvm_cval_char((uint32_t)p[i].out);
            break;
        case TCVM_CT_ENUM:
            want = V_CASE(TCVM_CT_ENUM, (uint32_t)p[i].out, NULL);
            break;
        default:
            want = V_U(kind, p[i].out);
            break;
        }
        vec(name, wit, &p[i].in, 1, p[i].trap ? NULL : &want);
    }
}
#define PAIRS(wit, kind, ...)                                                                      \
    pairs(wit, kind, (const pair_t[]){__VA_ARGS__},                                                \
          sizeof((const pair_t[]){__VA_ARGS__}) / sizeof(pair_t))
#define OK(in, out)                                                                                \
    {                                                                                              \
        (in), false, (uint64_t)(out)                                                               \
    }
#define TRAP(in)                                                                                   \
    {                                                                                              \
        (in), true, 0                                                                              \
    }

TEST(cabi_vec_scalars)
{
    PAIRS("bool", TCVM_CT_BOOL, OK(0, 0), OK(1, 1), OK(2, 1), OK(4294967295u, 1));
    PAIRS("u8", TCVM_CT_U8, OK(127, 127), OK(128, 128), OK(255, 255), OK(256, 0),
          OK(4294967295u, 255), OK(4294967168u, 128), OK(4294967167u, 127));
    PAIRS("s8", TCVM_CT_S8, OK(127, 127), OK(128, -128), OK(255, -1), OK(256, 0),
          OK(4294967295u, -1), OK(4294967168u, -128), OK(4294967167u, 127));
    PAIRS("u16", TCVM_CT_U16, OK(32767, 32767), OK(32768, 32768), OK(65535, 65535), OK(65536, 0),
          OK(0xffffffffu, 65535), OK(0x100000000ull - 32768, 32768),
          OK(0x100000000ull - 32769, 32767));
    PAIRS("s16", TCVM_CT_S16, OK(32767, 32767), OK(32768, -32768), OK(65535, -1), OK(65536, 0),
          OK(0xffffffffu, -1), OK(0x100000000ull - 32768, -32768),
          OK(0x100000000ull - 32769, 32767));
    PAIRS("u32", TCVM_CT_U32, OK(0x7fffffffu, 0x7fffffffu), OK(0x80000000u, 0x80000000u),
          OK(0xffffffffu, 0xffffffffu));
    PAIRS("s32", TCVM_CT_S32, OK(0x7fffffffu, 0x7fffffff), OK(0x80000000u, INT32_MIN),
          OK(0xffffffffu, -1));
    PAIRS("u64", TCVM_CT_U64, OK(INT64_MAX, INT64_MAX),
          OK(0x8000000000000000ull, 0x8000000000000000ull), OK(UINT64_MAX, UINT64_MAX));
    PAIRS("s64", TCVM_CT_S64, OK(INT64_MAX, INT64_MAX), OK(0x8000000000000000ull, INT64_MIN),
          OK(UINT64_MAX, -1));
    PAIRS("char", TCVM_CT_CHAR, OK(0, 0), OK(65, 'A'), OK(0xD7FF, 0xD7FF), TRAP(0xD800),
          TRAP(0xDFFF));
    PAIRS("char", TCVM_CT_CHAR, OK(0xE000, 0xE000), OK(0x10FFFF, 0x10FFFF), TRAP(0x110000),
          TRAP(0xFFFFFFFFu));
    PAIRS("enum { a, b }", TCVM_CT_ENUM, OK(0, 0), OK(1, 1), TRAP(2));
    vec("f32 3.14", "f32", FLAT(F32_3_14), want_tmp(tcvm_cval_f32(3.14f)));
    vec("f64 3.14", "f64", FLAT(F64_3_14), want_tmp(tcvm_cval_f64(3.14)));
}

/* NaNs lift as the canonical NaN (the reference runs in its deterministic profile), both from a
 * flat value and loaded from memory; other values keep their bits. */
TEST(cabi_vec_nan)
{
    static const uint32_t in32[] = {0x7fc00000u, 0x7fc00001u, 0x7fe00000u, 0x7fffffffu,
                                    0xffffffffu, 0x7f800000u, 0x3fc00000u};
    static const uint32_t out32[] = {0x7fc00000u, 0x7fc00000u, 0x7fc00000u, 0x7fc00000u,
                                     0x7fc00000u, 0x7f800000u, 0x3fc00000u};
    static const uint64_t in64[] = {
        0x7ff8000000000000ull, 0x7ff8000000000001ull, 0x7ffc000000000000ull, 0x7fffffffffffffffull,
        0xffffffffffffffffull, 0x7ff0000000000000ull, 0x3ff0000000000000ull};
    static const uint64_t out64[] = {
        0x7ff8000000000000ull, 0x7ff8000000000000ull, 0x7ff8000000000000ull, 0x7ff8000000000000ull,
        0x7ff8000000000000ull, 0x7ff0000000000000ull, 0x3ff0000000000000ull};
    const tcvm_ctype_t *f32 = ty("f32"), *f64 = ty("f64");
    tcvm_error_t err;
    for (size_t i = 0; i < sizeof in32 / sizeof in32[0]; i++) {
        tcvm_cabi_memory_t m = no_memory();
        tcvm_val_t flat = {.type = TCVM_F32, .of.f32_bits = in32[i]};
        tcvm_cval_t v;
        CHECK_OK(tcvm_cabi_lift_values(&m, &f32, 1, &flat, 1, 16, &v, &err));
        uint32_t bits;
        memcpy(&bits, &v.of.f32, 4);
        CHECK_UEQ(bits, out32[i]);
        uint8_t mem[4];
        memcpy(mem, &in32[i], 4); /* little-endian host */
        m.data = mem;
        m.size = 4;
        CHECK_OK(tcvm_cabi_load(&m, f32, 0, &v, &err));
        memcpy(&bits, &v.of.f32, 4);
        CHECK_UEQ(bits, out32[i]);
    }
    for (size_t i = 0; i < sizeof in64 / sizeof in64[0]; i++) {
        tcvm_cabi_memory_t m = no_memory();
        tcvm_val_t flat = {.type = TCVM_F64, .of.f64_bits = in64[i]};
        tcvm_cval_t v;
        CHECK_OK(tcvm_cabi_lift_values(&m, &f64, 1, &flat, 1, 16, &v, &err));
        uint64_t bits;
        memcpy(&bits, &v.of.f64, 8);
        CHECK_UEQ(bits, out64[i]);
        uint8_t mem[8];
        memcpy(mem, &in64[i], 8);
        m.data = mem;
        m.size = 8;
        CHECK_OK(tcvm_cabi_load(&m, f64, 0, &v, &err));
        memcpy(&bits, &v.of.f64, 8);
        CHECK_UEQ(bits, out64[i]);
    }
}

/* ---- strings in the three encodings ------------------------------------------------------------
 */

/* The reference's fun_strings, as code points. */
typedef struct cps {
    size_t n;
    uint32_t cp[8];
} cps_t;

static const cps_t fun_strings[] = {
    {0, {0}},
    {1, {'a'}},
    {2, {'h', 'i'}},
    {1, {0}},
    {3, {'a', 0, 'b'}},
    {1, {0x80}},
    {2, {0x80, 'b'}},
    {4, {'a', 'b', 0xef, 'c'}},
    {2, {0x1ff, 'y'}},
    {3, {'x', 'y', 0x1ff}},
    {3, {'a', 0xd7ff, 'b'}},
    {6, {'a', 0x2ff, 0x3ff, 0x4ff, 'b', 'c'}},
    {1, {0xf123}},
    {5, {0xf123, 0xf123, 'a', 'b', 'c'}},
    {7, {'a', 'b', 'c', 'd', 'e', 'f', 0xf123}},
};

static size_t enc_utf8(const cps_t *s, uint8_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        uint32_t c = s->cp[i];
        if (c < 0x80) {
            out[n++] = (uint8_t)c;
        } else if (c < 0x800) {
            out[n++] = (uint8_t)(0xC0 | (c >> 6));
            out[n++] = (uint8_t)(0x80 | (c & 0x3F));
        } else {
            out[n++] = (uint8_t)(0xE0 | (c >> 12));
            out[n++] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
            out[n++] = (uint8_t)(0x80 | (c & 0x3F));
        }
    }
    return n;
}

static size_t enc_utf16(const cps_t *s, uint8_t *out) /* all BMP here */
{
    for (size_t i = 0; i < s->n; i++) {
        out[2 * i] = (uint8_t)s->cp[i];
        out[2 * i + 1] = (uint8_t)(s->cp[i] >> 8);
    }
    return 2 * s->n;
}

static bool enc_latin1(const cps_t *s, uint8_t *out)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->cp[i] > 0xff) return false;
        out[i] = (uint8_t)s->cp[i];
    }
    return true;
}

static void string_case(tcvm_cstring_encoding_t src_enc, tcvm_cstring_encoding_t dst_enc,
                        const cps_t *s, const uint8_t *encoded, size_t size, uint32_t tagged_units)
{
    static const char *const names[] = {"utf8", "utf16", "latin1+utf16"};
    char name[128];
    snprintf(name, sizeof name, "string of %zu code points, %s -> %s, units 0x%x", s->n,
             names[src_enc], names[dst_enc], tagged_units);
    heap_t h;
    tcvm_cabi_memory_t src;
    heap_init(&h, &src, size, src_enc);
    if (size) memcpy(h.bytes, encoded, size);
    src.realloc = NULL;
    uint8_t utf8[64];
    size_t n8 = enc_utf8(s, utf8);
    tcvm_cval_t want = V_STR((const char *)utf8, n8);
    uint64_t flat[2] = {0, tagged_units};
    if (setjmp(soft_jmp) == 0)
        check_lift(name, ty("string"), flat, 2, &src, &want, dst_enc, NULL, NULL);
    else
        live_release();
    tcvm_cval_clear(&want);
    heap_free(&h);
}

TEST(cabi_vec_strings)
{
    static const tcvm_cstring_encoding_t encs[] = {TCVM_CSTR_UTF8, TCVM_CSTR_UTF16,
                                                   TCVM_CSTR_LATIN1_UTF16};
    size_t cases = 0;
    unsigned failures = 0;
    soft_failures = &failures;
    for (size_t a = 0; a < 3; a++) {
        for (size_t b = 0; b < 3; b++) {
            for (size_t i = 0; i < sizeof fun_strings / sizeof fun_strings[0]; i++) {
                const cps_t *s = &fun_strings[i];
                uint8_t enc[64];
                size_t size;
                switch (encs[a]) {
                case TCVM_CSTR_UTF8:
                    size = enc_utf8(s, enc);
                    string_case(encs[a], encs[b], s, enc, size, (uint32_t)size);
                    cases++;
                    break;
                case TCVM_CSTR_UTF16:
                    size = enc_utf16(s, enc);
                    string_case(encs[a], encs[b], s, enc, size, (uint32_t)(size / 2));
                    cases++;
                    break;
                default:
                    if (enc_latin1(s, enc)) {
                        string_case(encs[a], encs[b], s, enc, s->n, (uint32_t)s->n);
                        cases++;
                    }
                    size = enc_utf16(s, enc);
                    string_case(encs[a], encs[b], s, enc, size, (uint32_t)(size / 2) | 0x80000000u);
                    cases++;
                    break;
                }
            }
        }
    }
    soft_failures = NULL;
    CHECK_EQ(cases, 3 * 15 + 3 * 15 + 3 * (15 + 8) /* 8 of the 15 strings are latin1 */);
    if (failures)
        tcvm_test_fail(__FILE__, __LINE__, "%u of %zu string cases failed", failures, cases);
}

/* Bad encodings trap: invalid UTF-8, an unpaired UTF-16 surrogate, out-of-bounds data. */
TEST(cabi_vec_string_traps)
{
    const tcvm_ctype_t *st = ty("string");
    static const struct {
        tcvm_cstring_encoding_t enc;
        uint8_t bytes[8];
        size_t size;
        uint64_t ptr, units;
    } bad[] = {
        {TCVM_CSTR_UTF8, {0xff}, 1, 0, 1},
        {TCVM_CSTR_UTF8, {0xc3}, 1, 0, 1},
        {TCVM_CSTR_UTF8, {0xed, 0xa0, 0x80}, 3, 0, 3}, /* an encoded surrogate */
        {TCVM_CSTR_UTF16, {0x00, 0xd8}, 2, 0, 1},      /* lone high surrogate */
        {TCVM_CSTR_UTF16, {0x00, 0xdc, 'a', 0}, 4, 0, 2},
        {TCVM_CSTR_UTF16, {'a', 0, 'b', 0}, 4, 1, 1}, /* misaligned */
        {TCVM_CSTR_UTF8, {'a'}, 1, 0, 2},             /* past the end */
        {TCVM_CSTR_UTF8, {'a'}, 1, 0xdeadbeef, 0},    /* out of bounds even when empty */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t mem[8];
        memcpy(mem, bad[i].bytes, sizeof mem);
        tcvm_cabi_memory_t m = no_memory();
        m.data = mem;
        m.size = bad[i].size;
        m.encoding = bad[i].enc;
        tcvm_val_t flat[2] = {{.type = TCVM_I32, .of.i32 = (int32_t)(uint32_t)bad[i].ptr},
                              {.type = TCVM_I32, .of.i32 = (int32_t)(uint32_t)bad[i].units}};
        tcvm_cval_t v;
        memset(&v, 0, sizeof v);
        tcvm_error_t err;
        tcvm_status_t s = tcvm_cabi_lift_values(&m, &st, 1, flat, 2, 16, &v, &err);
        if (s != TCVM_COMP_TRAP)
            tcvm_test_fail(__FILE__, __LINE__, "bad string %zu: got %s, want a trap", i,
                           tcvm_status_name(s));
    }
}

/* ---- values in linear memory (the reference's test_heap) ---------------------------------------
 */

static void heap_vec(const char *name, const char *wit, tcvm_cval_t *want, uint32_t ptr,
                     uint32_t len, const uint8_t *bytes, size_t size)
{
    heap_t h;
    tcvm_cabi_memory_t m;
    heap_init(&h, &m, size, TCVM_CSTR_UTF8);
    if (size) memcpy(h.bytes, bytes, size);
    uint64_t flat[2] = {ptr, len};
    check_lift(name, ty(wit), flat, 2, &m, want, TCVM_CSTR_UTF8, NULL, NULL);
    if (want) tcvm_cval_clear(want);
    heap_free(&h);
}
#define BYTES(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

static tcvm_cval_t list_of(tcvm_ctype_kind_t kind, size_t n, const int64_t *v)
{
    tcvm_cval_t l;
    CHECK_OK(tcvm_cval_seq(TCVM_CT_LIST, n, &l));
    for (size_t i = 0; i < n; i++) {
        switch (kind) {
        case TCVM_CT_BOOL:
            l.of.seq.items[i] = tcvm_cval_bool(v[i] != 0);
            break;
        case TCVM_CT_CHAR:
            l.of.seq.items[i] = tcvm_cval_char((uint32_t)v[i]);
            break;
        case TCVM_CT_FLAGS:
            l.of.seq.items[i] = tcvm_cval_flags((uint32_t)v[i]);
            break;
        case TCVM_CT_S8:
        case TCVM_CT_S16:
        case TCVM_CT_S32:
        case TCVM_CT_S64:
            l.of.seq.items[i] = V_S(kind, v[i]);
            break;
        default:
            l.of.seq.items[i] = V_U(kind, (uint64_t)v[i]);
            break;
        }
    }
    return l;
}
#define LIST(kind, ...)                                                                            \
    list_of(kind, sizeof((const int64_t[]){__VA_ARGS__}) / 8, (const int64_t[]){__VA_ARGS__})

TEST(cabi_vec_heap_scalar_lists)
{
    heap_vec("list<bool>", "list<bool>", want_tmp(LIST(TCVM_CT_BOOL, 1, 0, 1)), 0, 3,
             BYTES(1, 0, 1));
    heap_vec("list<bool> 2 is true", "list<bool>", want_tmp(LIST(TCVM_CT_BOOL, 1, 0, 1)), 0, 3,
             BYTES(1, 0, 2));
    heap_vec("list<bool> at 3", "list<bool>", want_tmp(LIST(TCVM_CT_BOOL, 1, 0, 1)), 3, 3,
             BYTES(0xff, 0xff, 0xff, 1, 0, 1));
    heap_vec("list<u8>", "list<u8>", want_tmp(LIST(TCVM_CT_U8, 1, 2, 3)), 0, 3, BYTES(1, 2, 3));
    heap_vec("list<u16>", "list<u16>", want_tmp(LIST(TCVM_CT_U16, 1, 2, 3)), 0, 3,
             BYTES(1, 0, 2, 0, 3, 0));
    heap_vec("list<u16> misaligned", "list<u16>", NULL, 1, 3, BYTES(0, 1, 0, 2, 0, 3, 0));
    heap_vec("list<u32>", "list<u32>", want_tmp(LIST(TCVM_CT_U32, 1, 2, 3)), 0, 3,
             BYTES(1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0));
    heap_vec("list<u64>", "list<u64>", want_tmp(LIST(TCVM_CT_U64, 1, 2)), 0, 2,
             BYTES(1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0));
    heap_vec("list<s8>", "list<s8>", want_tmp(LIST(TCVM_CT_S8, -1, -2, -3)), 0, 3,
             BYTES(0xff, 0xfe, 0xfd));
    heap_vec("list<s16>", "list<s16>", want_tmp(LIST(TCVM_CT_S16, -1, -2, -3)), 0, 3,
             BYTES(0xff, 0xff, 0xfe, 0xff, 0xfd, 0xff));
    heap_vec("list<s32>", "list<s32>", want_tmp(LIST(TCVM_CT_S32, -1, -2, -3)), 0, 3,
             BYTES(0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xfd, 0xff, 0xff, 0xff));
    heap_vec("list<s64>", "list<s64>", want_tmp(LIST(TCVM_CT_S64, -1, -2)), 0, 2,
             BYTES(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff,
                   0xff, 0xff, 0xff));
    heap_vec("list<char>", "list<char>", want_tmp(LIST(TCVM_CT_CHAR, 'A', 'B', 'c')), 0, 3,
             BYTES(65, 0, 0, 0, 66, 0, 0, 0, 99, 0, 0, 0));
}

TEST(cabi_vec_heap_nested_lists)
{
    heap_vec("list<string>", "list<string>",
             want_tmp(V_SEQ(TCVM_CT_LIST, 2, V_CSTR("hi"), V_CSTR("wat"))), 0, 2,
             BYTES(16, 0, 0, 0, 2, 0, 0, 0, 21, 0, 0, 0, 3, 0, 0, 0, 'h', 'i', 0xf, 0xf, 0xf, 'w',
                   'a', 't'));
    heap_vec("list<list<u8>>", "list<list<u8>>",
             want_tmp(V_SEQ(TCVM_CT_LIST, 3, LIST(TCVM_CT_U8, 3, 4, 5),
                            list_of(TCVM_CT_U8, 0, NULL), LIST(TCVM_CT_U8, 6, 7))),
             0, 3,
             BYTES(24, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 27, 0, 0, 0, 2, 0, 0, 0, 3, 4,
                   5, 6, 7));
    heap_vec("list<list<u16>>", "list<list<u16>>",
             want_tmp(V_SEQ(TCVM_CT_LIST, 1, LIST(TCVM_CT_U16, 5, 6))), 0, 1,
             BYTES(8, 0, 0, 0, 2, 0, 0, 0, 5, 0, 6, 0));
    heap_vec("list<list<u16>> misaligned inner", "list<list<u16>>", NULL, 0, 1,
             BYTES(9, 0, 0, 0, 2, 0, 0, 0, 0, 5, 0, 6, 0));
}

static tcvm_cval_t tup4(uint64_t a, uint64_t b, uint64_t c, uint64_t d, tcvm_ctype_kind_t ka,
                        tcvm_ctype_kind_t kb, tcvm_ctype_kind_t kc, tcvm_ctype_kind_t kd)
{
    return V_SEQ(TCVM_CT_TUPLE, 4, V_U(ka, a), V_U(kb, b), V_U(kc, c), V_U(kd, d));
}

TEST(cabi_vec_heap_tuples_and_flags)
{
    heap_vec("list<tuple<u8,u8,u16,u32>>", "list<tuple<u8, u8, u16, u32>>",
             want_tmp(V_SEQ(TCVM_CT_LIST, 2,
                            tup4(6, 7, 8, 9, TCVM_CT_U8, TCVM_CT_U8, TCVM_CT_U16, TCVM_CT_U32),
                            tup4(4, 5, 6, 7, TCVM_CT_U8, TCVM_CT_U8, TCVM_CT_U16, TCVM_CT_U32))),
             0, 2, BYTES(6, 7, 8, 0, 9, 0, 0, 0, 4, 5, 6, 0, 7, 0, 0, 0));
    heap_vec("list<tuple<u8,u16,u8,u32>> (padding)", "list<tuple<u8, u16, u8, u32>>",
             want_tmp(V_SEQ(TCVM_CT_LIST, 2,
                            tup4(6, 7, 8, 9, TCVM_CT_U8, TCVM_CT_U16, TCVM_CT_U8, TCVM_CT_U32),
                            tup4(4, 5, 6, 7, TCVM_CT_U8, TCVM_CT_U16, TCVM_CT_U8, TCVM_CT_U32))),
             0, 2,
             BYTES(6, 0xff, 7, 0, 8, 0xff, 0xff, 0xff, 9, 0, 0, 0, 4, 0xff, 5, 0, 6, 0xff, 0xff,
                   0xff, 7, 0, 0, 0));
    heap_vec("list<tuple<u16,u8>>", "list<tuple<u16, u8>>",
             want_tmp(V_SEQ(TCVM_CT_LIST, 2,
                            V_SEQ(TCVM_CT_TUPLE, 2, V_U(TCVM_CT_U16, 6), V_U(TCVM_CT_U8, 7)),
                            V_SEQ(TCVM_CT_TUPLE, 2, V_U(TCVM_CT_U16, 8), V_U(TCVM_CT_U8, 9)))),
             0, 2, BYTES(6, 0, 7, 0xff, 8, 0, 9, 0xff));
    heap_vec("list<tuple<tuple<u16,u8>,u8>>", "list<tuple<tuple<u16, u8>, u8>>",
             want_tmp(V_SEQ(TCVM_CT_LIST, 2,
                            V_SEQ(TCVM_CT_TUPLE, 2,
                                  V_SEQ(TCVM_CT_TUPLE, 2, V_U(TCVM_CT_U16, 4), V_U(TCVM_CT_U8, 5)),
                                  V_U(TCVM_CT_U8, 6)),
                            V_SEQ(TCVM_CT_TUPLE, 2,
                                  V_SEQ(TCVM_CT_TUPLE, 2, V_U(TCVM_CT_U16, 7), V_U(TCVM_CT_U8, 8)),
                                  V_U(TCVM_CT_U8, 9)))),
             0, 2, BYTES(4, 0, 5, 0xff, 6, 0xff, 7, 0, 8, 0xff, 9, 0xff));
    heap_vec("list<flags{a,b}>", "list<flags { a, b }>", want_tmp(LIST(TCVM_CT_FLAGS, 0, 2, 3)), 0,
             3, BYTES(0, 2, 3));
    heap_vec("list<flags{a,b}> extra bit", "list<flags { a, b }>",
             want_tmp(LIST(TCVM_CT_FLAGS, 0, 2, 0)), 0, 3, BYTES(0, 2, 4));
    const char *f9 = "list<flags { a0, a1, a2, a3, a4, a5, a6, a7, a8 }>";
    heap_vec("list<flags 9>", f9, want_tmp(LIST(TCVM_CT_FLAGS, 0x1ff, 0)), 0, 2,
             BYTES(0xff, 0x1, 0, 0));
    heap_vec("list<flags 9> extra bit", f9, want_tmp(LIST(TCVM_CT_FLAGS, 0x1ff, 0)), 0, 2,
             BYTES(0xff, 0x3, 0, 0));
    const char *f17 = "list<flags { a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, "
                      "a14, a15, a16 }>";
    heap_vec("list<flags 17>", f17, want_tmp(LIST(TCVM_CT_FLAGS, 0x1ffff, 0)), 0, 2,
             BYTES(0xff, 0xff, 0x1, 0, 0, 0, 0, 0));
    heap_vec("list<flags 17> extra bit", f17, want_tmp(LIST(TCVM_CT_FLAGS, 0x1ffff, 0)), 0, 2,
             BYTES(0xff, 0xff, 0x3, 0, 0, 0, 0, 0));
    char f32[512];
    size_t w = (size_t)snprintf(f32, sizeof f32, "list<flags { ");
    for (int i = 0; i < 32; i++)
        w += (size_t)snprintf(f32 + w, sizeof f32 - w, "%sa%d", i ? ", " : "", i);
    snprintf(f32 + w, sizeof f32 - w, " }>");
    heap_vec("list<flags 32>", f32, want_tmp(LIST(TCVM_CT_FLAGS, 0xffffffffll, 0)), 0, 2,
             BYTES(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0));
}

/* ---- flattening of function types (the reference's test_flatten) -------------------------------
 */

/* Lowering count params: flat when they flatten to at most 16 values, else one i32 pointer to
 * their tuple in memory; lifting a result: flat when it flattens to at most 1 value. */
static void flat_params(const char *name, const tcvm_ctype_t *const *types, size_t count,
                        const tcvm_cval_t *vals, size_t max_flat, const tcvm_valtype_t *want,
                        size_t want_n)
{
    heap_t h;
    tcvm_cabi_memory_t m;
    heap_init(&h, &m, 1024, TCVM_CSTR_UTF8);
    tcvm_val_t flat[64];
    size_t n = 0;
    tcvm_error_t err;
    tcvm_status_t st =
        tcvm_cabi_lower_values(&m, types, count, vals, max_flat, NULL, flat, 64, &n, &err);
    if (st != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "%s: lower: %s: %s", name, tcvm_status_name(st),
                       err.message);
    if (n != want_n)
        tcvm_test_fail(__FILE__, __LINE__, "%s: %zu flat values, want %zu", name, n, want_n);
    for (size_t i = 0; i < n; i++)
        if (flat[i].type != want[i])
            tcvm_test_fail(__FILE__, __LINE__, "%s: flat value %zu is %s, want %s", name, i,
                           tcvm_valtype_name(flat[i].type), tcvm_valtype_name(want[i]));
    /* and back */
    tcvm_cval_t back[32];
    memset(back, 0, sizeof back);
    st = tcvm_cabi_lift_values(&m, types, count, flat, n, max_flat, back, &err);
    if (st != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "%s: lift: %s: %s", name, tcvm_status_name(st),
                       err.message);
    for (size_t i = 0; i < count; i++)
        CHECK_VAL(&back[i], &vals[i], name);
    tcvm_cval_clear_array(back, count);
    heap_free(&h);
}

TEST(cabi_vec_flatten)
{
    const tcvm_ctype_t *u8 = ty("u8"), *f32 = ty("f32"), *f64 = ty("f64");
    const tcvm_ctype_t *p3[] = {u8, f32, f64};
    tcvm_cval_t v3[] = {V_U(TCVM_CT_U8, 1), tcvm_cval_f32(2.5f), tcvm_cval_f64(-3.25)};
    const tcvm_valtype_t w3[] = {TCVM_I32, TCVM_F32, TCVM_F64};
    flat_params("(u8, f32, f64) params", p3, 3, v3, 16, w3, 3);

    /* results: f32 -> [f32]; u8 -> [i32]; tuple<f32> -> [f32]; tuple<f32, f32> -> [i32] */
    const tcvm_ctype_t *r1[] = {f32};
    const tcvm_valtype_t wf32[] = {TCVM_F32}, wi32[] = {TCVM_I32};
    tcvm_cval_t vf = tcvm_cval_f32(1.5f);
    flat_params("f32 result", r1, 1, &vf, 1, wf32, 1);
    const tcvm_ctype_t *r2[] = {u8};
    tcvm_cval_t vu = V_U(TCVM_CT_U8, 7);
    flat_params("u8 result", r2, 1, &vu, 1, wi32, 1);
    const tcvm_ctype_t *r3[] = {ty("tuple<f32>")};
    tcvm_cval_t vt1 = V_SEQ(TCVM_CT_TUPLE, 1, tcvm_cval_f32(4.0f));
    flat_params("tuple<f32> result", r3, 1, &vt1, 1, wf32, 1);
    const tcvm_ctype_t *r4[] = {ty("tuple<f32, f32>")};
    tcvm_cval_t vt2 = V_SEQ(TCVM_CT_TUPLE, 2, tcvm_cval_f32(4.0f), tcvm_cval_f32(5.0f));
    flat_params("tuple<f32, f32> result (spilled)", r4, 1, &vt2, 1, wi32, 1);

    /* 17 u8 params: one i32 pointer */
    const tcvm_ctype_t *p17[17];
    tcvm_cval_t v17[17];
    tcvm_valtype_t w16[16];
    for (int i = 0; i < 17; i++) {
        p17[i] = u8;
        v17[i] = V_U(TCVM_CT_U8, (uint64_t)i * 3);
        if (i < 16) w16[i] = TCVM_I32;
    }
    flat_params("17 u8 params (spilled)", p17, 17, v17, 16, wi32, 1);
    flat_params("16 u8 params (flat)", p17, 16, v17, 16, w16, 16);
    const tcvm_ctype_t *r5[] = {ty("tuple<u8, u8>")};
    tcvm_cval_t vt3 = V_SEQ(TCVM_CT_TUPLE, 2, V_U(TCVM_CT_U8, 1), V_U(TCVM_CT_U8, 2));
    flat_params("tuple<u8, u8> result (spilled)", r5, 1, &vt3, 1, wi32, 1);
    tcvm_cval_clear(&vt1);
    tcvm_cval_clear(&vt2);
    tcvm_cval_clear(&vt3);

    /* sizes, alignments and flat counts of a few types */
    CHECK_EQ(tcvm_cabi_flatten(ty("record { x: u8, y: u16, z: u32 }"), NULL, 0), 3);
    CHECK_EQ(tcvm_cabi_flatten(ty("variant { a(u8), b(f32), c }"), NULL, 0), 2);
    CHECK_EQ(tcvm_cabi_flatten(ty("string"), NULL, 0), 2);
    CHECK_EQ(tcvm_cabi_size(ty("tuple<u8, u16, u8, u32>")), 12);
    CHECK_EQ(tcvm_cabi_align(ty("tuple<u8, u16, u8, u32>")), 4);
    CHECK_EQ(tcvm_cabi_size(ty("option<u64>")), 16);
    CHECK_EQ(tcvm_cabi_align(ty("option<u64>")), 8);
}

/* ---- round trips (the reference's test_roundtrips) ---------------------------------------------
 */

static void roundtrip(const char *name, const char *wit, tcvm_cval_t v)
{
    const tcvm_ctype_t *t = ty(wit);
    heap_t a;
    tcvm_cabi_memory_t ma;
    heap_init(&a, &ma, 1000, TCVM_CSTR_UTF8);
    tcvm_val_t flat[32];
    size_t n = 0;
    tcvm_error_t err;
    tcvm_status_t st = tcvm_cabi_lower_values(&ma, &t, 1, &v, 16, NULL, flat, 32, &n, &err);
    if (st != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "%s: lower: %s: %s", name, tcvm_status_name(st),
                       err.message);
    tcvm_cval_t got;
    st = tcvm_cabi_lift_values(&ma, &t, 1, flat, n, 16, &got, &err);
    if (st != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "%s: lift: %s: %s", name, tcvm_status_name(st),
                       err.message);
    CHECK_VAL(&got, &v, name);
    /* and through memory: store at an aligned spot, load back */
    uint32_t ptr = 0;
    CHECK_OK(heap_realloc(&ma, 0, 0, tcvm_cabi_align(t), tcvm_cabi_size(t), &ptr));
    CHECK_OK(tcvm_cabi_store(&ma, t, &v, ptr, &err));
    tcvm_cval_t loaded;
    CHECK_OK(tcvm_cabi_load(&ma, t, ptr, &loaded, &err));
    CHECK_VAL(&loaded, &v, name);
    tcvm_cval_clear(&loaded);
    tcvm_cval_clear(&got);
    tcvm_cval_clear(&v);
    heap_free(&a);
}

TEST(cabi_vec_roundtrips)
{
    roundtrip("s8", "s8", V_S(TCVM_CT_S8, -1));
    roundtrip("tuple<u16,u16>", "tuple<u16, u16>",
              V_SEQ(TCVM_CT_TUPLE, 2, V_U(TCVM_CT_U16, 3), V_U(TCVM_CT_U16, 4)));
    roundtrip("list<string>", "list<string>", V_SEQ(TCVM_CT_LIST, 1, V_CSTR("hello there")));
    roundtrip("list<list<string>>", "list<list<string>>",
              V_SEQ(TCVM_CT_LIST, 2, V_SEQ(TCVM_CT_LIST, 2, V_CSTR("one"), V_CSTR("two")),
                    V_SEQ(TCVM_CT_LIST, 1, V_CSTR("three"))));
    roundtrip("list<option<tuple<string,u16>>>", "list<option<tuple<string, u16>>>",
              V_SEQ(TCVM_CT_LIST, 1,
                    V_CASE1(TCVM_CT_OPTION, 1,
                            V_SEQ(TCVM_CT_TUPLE, 2, V_CSTR("answer"), V_U(TCVM_CT_U16, 42)))));
    tcvm_cval_t big;
    CHECK_OK(tcvm_cval_seq(TCVM_CT_TUPLE, 17, &big));
    for (int i = 0; i < 16; i++)
        big.of.seq.items[i] = V_U(TCVM_CT_U32, (uint64_t)i + 1);
    big.of.seq.items[16] = V_CSTR("wat");
    roundtrip("variant x(tuple of 16 u32 and a string), 19 flat values",
              "variant { x(tuple<u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, "
              "u32, u32, u32, string>) }",
              V_CASE1(TCVM_CT_VARIANT, 0, big));
    tcvm_ctypes_free(arena);
    arena = NULL;
}

/* ---- the allocation sequence of each (source, destination) encoding pair -------------------- */

typedef struct rec_heap {
    uint8_t bytes[256];
    uint32_t top;
    uint32_t calls[8][4]; /* old_ptr != 0, old_size, align, new_size */
    unsigned n;
} rec_heap_t;

static tcvm_status_t rec_realloc(tcvm_cabi_memory_t *mem, uint32_t old_ptr, uint32_t old_size,
                                 uint32_t align, uint32_t new_size, uint32_t *out_ptr)
{
    rec_heap_t *h = mem->env;
    if (h->n < 8) {
        uint32_t *c = h->calls[h->n++];
        c[0] = old_ptr != 0, c[1] = old_size, c[2] = align, c[3] = new_size;
    }
    uint32_t p = align_to(h->top, align);
    if (p + new_size > sizeof h->bytes) return TCVM_TRAP_UNREACHABLE;
    if (old_ptr) memmove(h->bytes + p, h->bytes + old_ptr, old_size < new_size ? old_size : new_size);
    h->top = p + new_size;
    *out_ptr = p;
    return TCVM_OK;
}

TEST(cabi_string_allocation_sequences)
{
    /* S = "a", U+00E9, U+1D11E: 7 UTF-8 bytes, 4 UTF-16 code units, not Latin-1.
     * L = "a", U+00E9: 3 UTF-8 bytes, 2 code units, Latin-1. Expected calls follow the
     * specification's store_string_into_range for each source encoding. */
    static const char S[] = "a\xc3\xa9\xf0\x9d\x84\x9e", L[] = "a\xc3\xa9";
    static const struct {
        const char *s;
        tcvm_cstring_origin_t from;
        tcvm_cstring_encoding_t to;
        uint32_t units;
        unsigned n;
        uint32_t calls[3][4];
    } v[] = {
        {S, TCVM_CSTR_FROM_UTF8, TCVM_CSTR_UTF8, 7, 1, {{0, 0, 1, 7}}},
        {S, TCVM_CSTR_FROM_UTF16, TCVM_CSTR_UTF8, 7, 3, {{0, 0, 1, 4}, {1, 4, 1, 12}, {1, 12, 1, 7}}},
        {L, TCVM_CSTR_FROM_LATIN1, TCVM_CSTR_UTF8, 3, 3, {{0, 0, 1, 2}, {1, 2, 1, 4}, {1, 4, 1, 3}}},
        {S, TCVM_CSTR_FROM_UTF8, TCVM_CSTR_UTF16, 4, 2, {{0, 0, 2, 14}, {1, 14, 2, 8}}},
        {S, TCVM_CSTR_FROM_UTF16, TCVM_CSTR_UTF16, 4, 1, {{0, 0, 2, 8}}},
        {L, TCVM_CSTR_FROM_LATIN1, TCVM_CSTR_UTF16, 2, 1, {{0, 0, 2, 4}}},
        {S, TCVM_CSTR_FROM_UTF8, TCVM_CSTR_LATIN1_UTF16, 4 | 0x80000000u, 3,
         {{0, 0, 2, 7}, {1, 7, 2, 14}, {1, 14, 2, 8}}},
        {L, TCVM_CSTR_FROM_UTF16, TCVM_CSTR_LATIN1_UTF16, 2, 1, {{0, 0, 2, 2}}},
        {L, TCVM_CSTR_FROM_LATIN1, TCVM_CSTR_LATIN1_UTF16, 2, 1, {{0, 0, 2, 2}}},
        {L, TCVM_CSTR_FROM_LATIN1_UTF16, TCVM_CSTR_LATIN1_UTF16, 2, 2, {{0, 0, 2, 4}, {1, 4, 1, 2}}},
        {S, TCVM_CSTR_FROM_LATIN1_UTF16, TCVM_CSTR_LATIN1_UTF16, 4 | 0x80000000u, 1,
         {{0, 0, 2, 8}}},
        /* an origin the text cannot have (Latin-1 past U+00FF) is taken as UTF-8 */
        {S, TCVM_CSTR_FROM_LATIN1, TCVM_CSTR_UTF8, 7, 1, {{0, 0, 1, 7}}},
    };
    const tcvm_ctype_t *t = ty("string");
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        rec_heap_t h;
        memset(&h, 0, sizeof h);
        h.top = 8;
        tcvm_cabi_memory_t m = {0};
        m.data = h.bytes;
        m.size = sizeof h.bytes;
        m.encoding = v[k].to;
        m.realloc = rec_realloc;
        m.env = &h;
        tcvm_cval_t s;
        CHECK_OK(tcvm_cval_string(v[k].s, strlen(v[k].s), &s));
        s.of.str.origin = v[k].from;
        tcvm_val_t flat[2];
        size_t n = 0;
        tcvm_error_t err = {0};
        CHECK_OK(tcvm_cabi_lower_values(&m, &t, 1, &s, 16, NULL, flat, 2, &n, &err));
        CHECK_EQ(n, 2);
        CHECK_UEQ((uint32_t)flat[1].of.i32, v[k].units);
        CHECK_EQ(h.n, v[k].n);
        for (unsigned i = 0; i < v[k].n && i < h.n; i++)
            for (unsigned j = 0; j < 4; j++)
                if (h.calls[i][j] != v[k].calls[i][j])
                    tcvm_test_fail(__FILE__, __LINE__, "case %zu call %u field %u: %u, want %u", k,
                                   i, j, h.calls[i][j], v[k].calls[i][j]);
        /* the bytes read back as the same text */
        tcvm_cval_t back;
        CHECK_OK(tcvm_cabi_lift_values(&m, &t, 1, flat, 2, 16, &back, &err));
        CHECK(tcvm_cval_equal(&back, &s));
        tcvm_cval_clear(&back);
        tcvm_cval_clear(&s);
    }
}
