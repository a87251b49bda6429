/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/base: status list, cursor and LEB128, allocator caps and budgets, hex,
 * constant-time compare, wiping, UTF-8 validation, fault injection. */
#include "test.h"

#include "base/base.h"

TEST(base_status_names)
{
    CHECK_STREQ(tcvm_status_name(TCVM_OK), "OK");
    CHECK_STREQ(tcvm_status_name(TCVM_WASM_MALFORMED), "WASM_MALFORMED");
    CHECK_STREQ(tcvm_status_name((tcvm_status_t)-12345), "UNKNOWN");
    CHECK_STREQ(tcvm_status_message(TCVM_TRAP_DIV_ZERO), "trap: integer divide by zero");
    CHECK(tcvm_status_is_trap(TCVM_TRAP_UNREACHABLE));
    CHECK(tcvm_status_is_trap(TCVM_TRAP_INTERRUPTED));
    CHECK(!tcvm_status_is_trap(TCVM_WASM_INVALID));
    CHECK(!tcvm_status_is_trap(TCVM_OK));
}

TEST(base_errorf)
{
    tcvm_error_t err;
    tcvm__error_clear(&err);
    CHECK_EQ(err.status, TCVM_OK);
    CHECK_STREQ(err.message, "");
    CHECK_STATUS(tcvm__errorf(&err, TCVM_EINVAL, "bad %s at %d", "thing", 7), TCVM_EINVAL);
    CHECK_STREQ(err.message, "bad thing at 7");
    CHECK_STATUS(tcvm__errorf(NULL, TCVM_EIO, "ignored"), TCVM_EIO);
    char longer[2000];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    tcvm__errorf(&err, TCVM_EIO, "%s", longer);
    CHECK_EQ(strlen(err.message), TCVM_ERROR_MSG_SIZE - 1);
}

TEST(base_uleb)
{
    static const struct {
        uint8_t bytes[12];
        size_t size;
        unsigned bits;
        tcvm_status_t st;
        uint64_t value;
    } cases[] = {
        {{0x00}, 1, 32, TCVM_OK, 0},
        {{0x7f}, 1, 32, TCVM_OK, 127},
        {{0x80, 0x01}, 2, 32, TCVM_OK, 128},
        {{0xff, 0xff, 0xff, 0xff, 0x0f}, 5, 32, TCVM_OK, 0xffffffffu},
        {{0xff, 0xff, 0xff, 0xff, 0x1f}, 5, 32, TCVM_EOVERFLOW, 0},
        {{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 6, 32, TCVM_EFORMAT, 0},
        {{0x80, 0x80}, 2, 32, TCVM_ETRUNC, 0},
        {{0x83, 0x80, 0x80, 0x80, 0x00}, 5, 32, TCVM_OK, 3},
        {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 10, 64, TCVM_OK, UINT64_MAX},
        {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, 10, 64, TCVM_EOVERFLOW, 0},
        {{0x01}, 1, 1, TCVM_OK, 1},
        {{0x02}, 1, 1, TCVM_EOVERFLOW, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tcvm_cursor_t c = tcvm__cursor(cases[i].bytes, cases[i].size);
        uint64_t v = 0xdead;
        tcvm_status_t st = tcvm__cur_uleb(&c, cases[i].bits, &v);
        if (st != cases[i].st)
            tcvm_test_fail(__FILE__, __LINE__, "case %zu: got %s want %s", i, tcvm_status_name(st),
                           tcvm_status_name(cases[i].st));
        if (st == TCVM_OK) {
            CHECK_UEQ(v, cases[i].value);
            CHECK_EQ(c.pos, cases[i].size);
        } else {
            CHECK_EQ(c.pos, 0);
        }
    }
}

TEST(base_sleb)
{
    static const struct {
        uint8_t bytes[12];
        size_t size;
        unsigned bits;
        tcvm_status_t st;
        int64_t value;
    } cases[] = {
        {{0x00}, 1, 32, TCVM_OK, 0},
        {{0x7f}, 1, 32, TCVM_OK, -1},
        {{0x3f}, 1, 32, TCVM_OK, 63},
        {{0x40}, 1, 32, TCVM_OK, -64},
        {{0x80, 0x7f}, 2, 32, TCVM_OK, -128},
        {{0xff, 0xff, 0xff, 0xff, 0x07}, 5, 32, TCVM_OK, INT32_MAX},
        {{0x80, 0x80, 0x80, 0x80, 0x78}, 5, 32, TCVM_OK, INT32_MIN},
        {{0xff, 0xff, 0xff, 0xff, 0x0f}, 5, 32, TCVM_EOVERFLOW, 0},
        {{0x80, 0x80, 0x80, 0x80, 0x70}, 5, 32, TCVM_EOVERFLOW, 0},
        {{0xff, 0xff, 0xff, 0xff, 0x7f}, 5, 32, TCVM_OK, -1},
        {{0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, 6, 32, TCVM_EFORMAT, 0},
        {{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f}, 10, 64, TCVM_OK, INT64_MIN},
        {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00}, 10, 64, TCVM_OK, INT64_MAX},
        {{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 10, 64, TCVM_EOVERFLOW, 0},
        {{0x80, 0x80, 0x80, 0x80, 0x70}, 5, 33, TCVM_OK, -((int64_t)1 << 32)},
        {{0x80, 0x80, 0x80, 0x80, 0x20}, 5, 33, TCVM_EOVERFLOW, 0},
        {{0xc0}, 1, 32, TCVM_ETRUNC, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tcvm_cursor_t c = tcvm__cursor(cases[i].bytes, cases[i].size);
        int64_t v = 0;
        tcvm_status_t st = tcvm__cur_sleb(&c, cases[i].bits, &v);
        if (st != cases[i].st)
            tcvm_test_fail(__FILE__, __LINE__, "case %zu: got %s want %s", i, tcvm_status_name(st),
                           tcvm_status_name(cases[i].st));
        if (st == TCVM_OK)
            CHECK_EQ(v, cases[i].value);
    }
}

TEST(base_cursor_bounds)
{
    const uint8_t data[] = {1, 2, 3, 4, 5, 6, 7};
    tcvm_cursor_t c = tcvm__cursor(data, sizeof data);
    uint32_t v32;
    uint64_t v64;
    const uint8_t *p;
    CHECK_OK(tcvm__cur_u32le(&c, &v32));
    CHECK_UEQ(v32, 0x04030201u);
    CHECK_STATUS(tcvm__cur_u32le(&c, &v32), TCVM_ETRUNC);
    CHECK_EQ(c.pos, 4);
    CHECK_STATUS(tcvm__cur_u64le(&c, &v64), TCVM_ETRUNC);
    CHECK_STATUS(tcvm__cur_bytes(&c, 4, &p), TCVM_ETRUNC);
    CHECK_OK(tcvm__cur_bytes(&c, 3, &p));
    CHECK_EQ(p[0], 5);
    CHECK(tcvm__cur_eof(&c));
    uint8_t b;
    CHECK_STATUS(tcvm__cur_u8(&c, &b), TCVM_ETRUNC);
    CHECK_STATUS(tcvm__cur_bytes(&c, SIZE_MAX, &p), TCVM_ETRUNC);
}

TEST(base_alloc_caps)
{
    CHECK(tcvm__malloc(TCVM_MAX_ALLOC + 1) == NULL);
    CHECK(tcvm__calloc(SIZE_MAX / 2, 4) == NULL);
    CHECK(tcvm__reallocarray(NULL, SIZE_MAX / 8, 16) == NULL);
    void *p = tcvm__malloc(0);
    CHECK(p != NULL);
    tcvm__free(p);
    char *s = tcvm__strndup("abcdef", 3);
    CHECK_STREQ(s, "abc");
    tcvm__free(s);
    tcvm__free(NULL);
}

TEST(base_budget)
{
    tcvm_budget_t b = {0, 100};
    CHECK(tcvm__budget_charge(&b, 60));
    CHECK(!tcvm__budget_charge(&b, 41));
    CHECK_EQ(b.used, 60);
    CHECK(tcvm__budget_charge(&b, 40));
    CHECK(!tcvm__budget_charge(&b, SIZE_MAX));
    tcvm__budget_release(&b, 50);
    CHECK_EQ(b.used, 50);
    tcvm__budget_release(&b, 1000);
    CHECK_EQ(b.used, 0);
}

TEST(base_buf)
{
    tcvm_buf_t b = {0};
    for (int i = 0; i < 1000; i++)
        CHECK_OK(tcvm__buf_printf(&b, "%d,", i));
    CHECK_EQ(b.size, 3890);
    CHECK(memcmp(b.data, "0,1,2,", 6) == 0);
    CHECK_OK(tcvm__buf_append(&b, "x", 1));
    CHECK_EQ(b.data[b.size - 1], 'x');
    tcvm__buf_free_secret(&b);
    CHECK(b.data == NULL);
    CHECK_EQ(b.size, 0);
}

TEST(base_fault_injection)
{
    if (!tcvm__fault_inject_after(2))
        SKIP("library built without TCVM_FAULT_INJECTION");
    void *a = tcvm__malloc(8);
    void *b = tcvm__malloc(8);
    void *c = tcvm__malloc(8);
    CHECK(a != NULL);
    CHECK(b == NULL);
    CHECK(c == NULL);
    CHECK_EQ(tcvm__fault_injected(), 2);
    tcvm__fault_inject_after(0);
    void *d = tcvm__malloc(8);
    CHECK(d != NULL);
    tcvm__free(a);
    tcvm__free(d);
}

TEST(base_hex)
{
    const uint8_t data[] = {0x00, 0x01, 0xab, 0xff};
    char hex[9];
    tcvm__hex_encode(data, sizeof data, hex, sizeof hex);
    CHECK_STREQ(hex, "0001abff");
    uint8_t back[4];
    CHECK(tcvm__hex_decode("0001ABff", 8, back, 4));
    CHECK_MEM(back, data, 4);
    CHECK(!tcvm__hex_decode("0001abf", 7, back, 4));
    CHECK(!tcvm__hex_decode("0001abfg", 8, back, 4));
    char small[4];
    tcvm__hex_encode(data, sizeof data, small, sizeof small);
    CHECK_STREQ(small, "00");
}

TEST(base_ct_and_wipe)
{
    uint8_t a[32], b[32];
    memset(a, 7, sizeof a);
    memset(b, 7, sizeof b);
    CHECK(tcvm__ct_equal(a, b, sizeof a));
    b[31] ^= 1;
    CHECK(!tcvm__ct_equal(a, b, sizeof a));
    CHECK(tcvm__ct_equal(a, b, 0));
    tcvm__wipe(a, sizeof a);
    for (size_t i = 0; i < sizeof a; i++)
        CHECK_EQ(a[i], 0);
    tcvm__wipe(NULL, 10);
}

TEST(base_utf8)
{
    CHECK(tcvm__utf8_valid((const uint8_t *)"", 0));
    CHECK(tcvm__utf8_valid((const uint8_t *)"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15));
    CHECK(!tcvm__utf8_valid((const uint8_t *)"\xc0\x80", 2));         /* overlong NUL */
    CHECK(!tcvm__utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));     /* surrogate */
    CHECK(!tcvm__utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    CHECK(!tcvm__utf8_valid((const uint8_t *)"\xe2\x82", 2));         /* truncated */
    CHECK(!tcvm__utf8_valid((const uint8_t *)"\x80", 1));             /* stray continuation */
    CHECK(!tcvm__utf8_valid((const uint8_t *)"\xe0\x9f\xbf", 3));     /* overlong 3-byte */
}

TEST(base_read_file)
{
    uint8_t *data;
    size_t size;
    tcvm_error_t err;
    CHECK_STATUS(tcvm__read_file("/nonexistent/x", 100, &data, &size, &err), TCVM_ENOENT);
    CHECK_CONTAINS(err.message, "/nonexistent/x");
    CHECK_OK(tcvm__read_file(TCVM_SOURCE_DIR "/CMakeLists.txt", 1 << 20, &data, &size, &err));
    CHECK(size > 100);
    tcvm__free(data);
    CHECK_STATUS(tcvm__read_file(TCVM_SOURCE_DIR "/CMakeLists.txt", 10, &data, &size, &err),
                 TCVM_ELIMIT);
}
