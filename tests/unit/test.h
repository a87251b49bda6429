/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The unit-test harness. A test is `TEST(name) { ... }` at the start of a line in any
 * tests/unit/ C file; the build collects the names and registers each as its own ctest test,
 * run in its own process. Checks print both values when they differ and abort the test.
 * SKIP("why") exits with 77, which ctest reports as skipped; it is for tests whose data or tool
 * is absent, never for a failure.
 */
#ifndef TCVM_TEST_H
#define TCVM_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcvm/common.h"

#define TEST(name) void tcvm_test_##name(void)

void tcvm_test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
void tcvm_test_skip(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Path under ../shared, or NULL (after printing why) when shared data is absent. */
const char *tcvm_test_shared(const char *rel, char *buf, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            tcvm_test_fail(__FILE__, __LINE__, "check failed: %s", #cond);                         \
    } while (0)

#define CHECK_INT(a, op, b)                                                                        \
    do {                                                                                           \
        long long va_ = (long long)(a), vb_ = (long long)(b);                                      \
        if (!(va_ op vb_))                                                                         \
            tcvm_test_fail(__FILE__, __LINE__, "%s %s %s: %lld vs %lld", #a, #op, #b, va_, vb_);   \
    } while (0)
#define CHECK_EQ(a, b) CHECK_INT(a, ==, b)

#define CHECK_UEQ(a, b)                                                                            \
    do {                                                                                           \
        unsigned long long va_ = (unsigned long long)(a), vb_ = (unsigned long long)(b);           \
        if (va_ != vb_)                                                                            \
            tcvm_test_fail(__FILE__, __LINE__, "%s == %s: 0x%llx vs 0x%llx", #a, #b, va_, vb_);    \
    } while (0)

#define CHECK_STREQ(a, b)                                                                          \
    do {                                                                                           \
        const char *sa_ = (a), *sb_ = (b);                                                         \
        if (sa_ == NULL || sb_ == NULL || strcmp(sa_, sb_) != 0)                                   \
            tcvm_test_fail(__FILE__, __LINE__, "%s == %s:\n  \"%s\"\n  \"%s\"", #a, #b,           \
                           sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");                            \
    } while (0)

/* The string a contains b. */
#define CHECK_CONTAINS(a, b)                                                                       \
    do {                                                                                           \
        const char *sa_ = (a), *sb_ = (b);                                                         \
        if (sa_ == NULL || sb_ == NULL || strstr(sa_, sb_) == NULL)                                \
            tcvm_test_fail(__FILE__, __LINE__, "%s contains %s:\n  \"%s\"\n  \"%s\"", #a, #b,     \
                           sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");                            \
    } while (0)

#define CHECK_STATUS(expr, want)                                                                   \
    do {                                                                                           \
        tcvm_status_t sa_ = (expr), sb_ = (want);                                                  \
        if (sa_ != sb_)                                                                            \
            tcvm_test_fail(__FILE__, __LINE__, "%s: got %s, want %s", #expr,                       \
                           tcvm_status_name(sa_), tcvm_status_name(sb_));                          \
    } while (0)
#define CHECK_OK(expr) CHECK_STATUS(expr, TCVM_OK)

#define CHECK_MEM(a, b, n)                                                                         \
    do {                                                                                           \
        if (memcmp((a), (b), (n)) != 0)                                                            \
            tcvm_test_fail(__FILE__, __LINE__, "memory %s == %s differs (%zu bytes)", #a, #b,      \
                           (size_t)(n));                                                           \
    } while (0)

#define SKIP(...) tcvm_test_skip(__VA_ARGS__)

#endif
