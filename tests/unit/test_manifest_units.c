/* SPDX-License-Identifier: Apache-2.0 */
/* Sizes and durations as people write them: the accepted forms, every refusal and its message,
 * overflow, and formatting back in the largest exact unit. */
#include "test.h"

#include "tcvm/manifest.h"

static void size_is(const char *text, uint64_t want)
{
    uint64_t v = 0;
    tcvm_error_t err = {0};
    tcvm_status_t st = tcvm_manifest_parse_size(text, strlen(text), &v, &err);
    if (st != TCVM_OK) tcvm_test_fail(__FILE__, __LINE__, "%s: %s", text, err.message);
    CHECK_UEQ(v, want);
}

static void size_bad(const char *text, const char *msg)
{
    uint64_t v = 12345;
    tcvm_error_t err = {0};
    CHECK_STATUS(tcvm_manifest_parse_size(text, strlen(text), &v, &err), TCVM_MANIFEST_VALUE);
    CHECK_CONTAINS(err.message, msg);
    CHECK_EQ(v, 12345); /* untouched */
}

TEST(manifest_size_accepted_forms)
{
    size_is("0B", 0);
    size_is("1B", 1);
    size_is("64KiB", 65536);
    size_is("256MiB", 256ull << 20);
    size_is("4GiB", 4ull << 30);
    size_is("2TiB", 2ull << 40);
    size_is("1kB", 1000);
    size_is("1MB", 1000000);
    size_is("1GB", 1000000000);
    size_is("3TB", 3000000000000ull);
    size_is("18446744073709551615B", UINT64_MAX);
    size_is("16777215TiB", 16777215ull << 40);
}

TEST(manifest_size_refusals)
{
    size_bad("", "empty size");
    size_bad("MiB", "size must start with a number");
    size_bad("-1MiB", "size must not have a sign");
    size_bad("+1MiB", "size must not have a sign");
    size_bad("1.5GiB", "size must be a whole number; use a smaller unit instead of a fraction");
    size_bad("1,5GiB", "size must be a whole number");
    size_bad("0064KiB", "size must not have leading zeros");
    size_bad("1024", "size needs a unit, e.g. \"64MiB\"");
    size_bad("64 MiB", "size must not have a space between number and unit");
    size_bad("64KB", "unit \"KB\" is ambiguous: write \"kB\" (1000 bytes) or \"KiB\" (1024 bytes)");
    size_bad("64mib", "unknown unit \"mib\" in size; use one of B, kB, MB, GB, TB, KiB, MiB, GiB, "
                      "TiB");
    size_bad("64MIB", "unknown unit \"MIB\"");
    size_bad("64MiB ", "unknown unit \"MiB \"");
    size_bad("64Mb", "unknown unit \"Mb\"");
    size_bad("18446744073709551616B", "size is too large");
    size_bad("16777216TiB", "size is too large");
    size_bad("99999999999999999999999B", "size is too large");
}

TEST(manifest_duration_accepted_and_refused)
{
    uint64_t v;
    tcvm_error_t err = {0};
    CHECK_OK(tcvm_manifest_parse_duration("500ms", 5, &v, &err));
    CHECK_EQ(v, 500);
    CHECK_OK(tcvm_manifest_parse_duration("30s", 3, &v, &err));
    CHECK_EQ(v, 30000);
    CHECK_OK(tcvm_manifest_parse_duration("2m", 2, &v, &err));
    CHECK_EQ(v, 120000);
    CHECK_OK(tcvm_manifest_parse_duration("24h", 3, &v, &err));
    CHECK_EQ(v, 86400000);
    CHECK_OK(tcvm_manifest_parse_duration("0ms", 3, &v, &err));
    CHECK_EQ(v, 0);
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"30", "duration needs a unit, e.g. \"30s\""},
        {"30 s", "duration must not have a space"},
        {"1.5s", "duration must be a whole number"},
        {"30sec", "unknown unit \"sec\" in duration; use one of ms, s, m (minutes), h"},
        {"1d", "unknown unit \"d\""},
        {"30S", "unknown unit \"S\""},
        {"1h30m", "unknown unit \"h30m\""},
        {"-5s", "duration must not have a sign"},
        {"07s", "duration must not have leading zeros"},
        {"18446744073709551615h", "duration is too large"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_STATUS(tcvm_manifest_parse_duration(bad[i].text, strlen(bad[i].text), &v, &err),
                     TCVM_MANIFEST_VALUE);
        CHECK_CONTAINS(err.message, bad[i].msg);
    }
}

TEST(manifest_size_and_duration_format)
{
    char out[32];
    static const struct {
        uint64_t v;
        const char *s;
    } sizes[] = {{0, "0B"},
                 {1, "1B"},
                 {1000, "1kB"},
                 {1024, "1KiB"},
                 {65536, "64KiB"},
                 {256ull << 20, "256MiB"},
                 {1000000000, "1GB"},
                 {4ull << 30, "4GiB"},
                 {1000001, "1000001B"}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        tcvm_manifest_format_size(sizes[i].v, out);
        CHECK_STREQ(out, sizes[i].s);
    }
    tcvm_manifest_format_size(1536, out); /* 1.5 KiB: no exact binary unit above B */
    CHECK_STREQ(out, "1536B");
    tcvm_manifest_format_size(1500, out);
    CHECK_STREQ(out, "1500B");
    tcvm_manifest_format_size(UINT64_MAX, out);
    CHECK_STREQ(out, "18446744073709551615B");
    /* formatting and parsing agree */
    uint64_t back;
    tcvm_manifest_format_size(48ull << 30, out);
    CHECK_OK(tcvm_manifest_parse_size(out, strlen(out), &back, NULL));
    CHECK_UEQ(back, 48ull << 30);
    tcvm_manifest_format_duration(600000, out);
    CHECK_STREQ(out, "10m");
    tcvm_manifest_format_duration(1500, out);
    CHECK_STREQ(out, "1500ms");
    tcvm_manifest_format_duration(7200000, out);
    CHECK_STREQ(out, "2h");
    tcvm_manifest_format_duration(0, out);
    CHECK_STREQ(out, "0ms");
}
