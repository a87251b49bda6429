/* SPDX-License-Identifier: Apache-2.0 */
/* Strict base64 (RFC 4648 vectors, canonical-only decoding) and Bech32 (the BIP-173 valid and
 * invalid test vectors, 8-bit payload conversion). */
#include "test.h"

#include "crypto/codec.h"

static void b64_round(const char *plain, const char *padded, const char *raw)
{
    char out[64];
    size_t n = strlen(plain);
    tcvm__b64_encode((const uint8_t *)plain, n, true, out);
    CHECK_STREQ(out, padded);
    CHECK_EQ(tcvm__b64_encoded_size(n, true), strlen(padded));
    tcvm__b64_encode((const uint8_t *)plain, n, false, out);
    CHECK_STREQ(out, raw);
    CHECK_EQ(tcvm__b64_encoded_size(n, false), strlen(raw));
    uint8_t dec[64];
    size_t m = 99;
    CHECK(tcvm__b64_decode(padded, strlen(padded), true, dec, sizeof dec, &m));
    CHECK_EQ(m, n);
    CHECK_MEM(dec, plain, n);
    m = 99;
    CHECK(tcvm__b64_decode(raw, strlen(raw), false, dec, sizeof dec, &m));
    CHECK_EQ(m, n);
    CHECK_MEM(dec, plain, n);
}

TEST(crypto_base64_rfc4648_vectors)
{
    b64_round("", "", "");
    b64_round("f", "Zg==", "Zg");
    b64_round("fo", "Zm8=", "Zm8");
    b64_round("foo", "Zm9v", "Zm9v");
    b64_round("foob", "Zm9vYg==", "Zm9vYg");
    b64_round("fooba", "Zm9vYmE=", "Zm9vYmE");
    b64_round("foobar", "Zm9vYmFy", "Zm9vYmFy");
}

TEST(crypto_base64_refuses_non_canonical)
{
    uint8_t out[16];
    size_t n = 77;
#define BAD(s, pad) CHECK(!tcvm__b64_decode(s, strlen(s), pad, out, sizeof out, &n))
    BAD("Zh", false);   /* unused bits set: canonical is "Zg" */
    BAD("Zm9", false);  /* canonical is "Zm8" */
    BAD("Zg==", false); /* padding where none is allowed */
    BAD("Zg", true);    /* padding missing */
    BAD("Zg=", true);   /* short padding */
    BAD("Zm8==", true); /* too much padding */
    BAD("Z===", true);  /* one data character cannot encode a byte */
    BAD("Z", false);
    BAD("Zm 9v", false); /* whitespace */
    BAD("Zm9v\n", false);
    BAD("Zm-v", false); /* URL-safe alphabet is not base64 */
    BAD("Zm_v", false);
    BAD("Z=9v", true); /* '=' inside */
#undef BAD
    CHECK_EQ(n, 77); /* out_size untouched on failure */
    /* capacity is checked before writing */
    CHECK(!tcvm__b64_decode("Zm9vYmFy", 8, false, out, 5, &n));
    CHECK(tcvm__b64_decode("Zm9vYmFy", 8, false, out, 6, &n));
    CHECK_EQ(n, 6);
}

TEST(crypto_bech32_bip173_valid)
{
    static const char *valid[] = {
        "A12UEL5L",
        "a12uel5l",
        "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt"
        "5tgs",
        "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
        "11"
        "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
        "c8247j",
        "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
        "?1ezyfcl",
    };
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        char hrp[84];
        uint8_t data[128];
        size_t n;
        tcvm_error_t err = {0};
        tcvm_status_t st = tcvm__bech32_decode(valid[i], strlen(valid[i]), hrp, sizeof hrp, data,
                                               sizeof data, &n, &err);
        if (st != TCVM_OK) tcvm_test_fail(__FILE__, __LINE__, "%s: %s", valid[i], err.message);
    }
    char hrp[84];
    uint8_t data[64];
    size_t n;
    CHECK_OK(tcvm__bech32_decode("A12UEL5L", 8, hrp, sizeof hrp, data, sizeof data, &n, NULL));
    CHECK_STREQ(hrp, "a");
    CHECK_EQ(n, 0);
}

TEST(crypto_bech32_bip173_invalid)
{
    static const struct {
        const char *s;
        size_t len;
        const char *msg;
    } invalid[] = {
        {"\x20"
         "1nwldj5",
         8, "not printable"},
        {"\x7f"
         "1axkwrx",
         8, "not printable"},
        {"\x80"
         "1eym55h",
         8, "not printable"},
        {"an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1"
         "569pvx",
         90, "longer than 83"},
        {"pzry9x0s0muk", 12, "no '1' separator"},
        {"1pzry9x0s0muk", 13, "empty human-readable part"},
        {"x1b4n0q5v", 9, "not a bech32 character"},
        {"li1dgmt3", 8, "shorter than its 6-character checksum"},
        {"de1lg7wt\xff", 9, "not printable"},
        {"A1G7SGD8", 8, "checksum"},
        {"10a06t8", 7, "empty human-readable part"},
        {"1qzzfhee", 8, "empty human-readable part"},
        {"a12UEL5L", 8, "mixes upper and lower case"},
    };
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        char hrp[84];
        uint8_t data[128];
        size_t n;
        tcvm_error_t err = {0};
        CHECK_STATUS(tcvm__bech32_decode(invalid[i].s, invalid[i].len, hrp, sizeof hrp, data,
                                         sizeof data, &n, &err),
                     TCVM_CRYPTO_AGE_MALFORMED);
        CHECK_CONTAINS(err.message, invalid[i].msg);
    }
}

TEST(crypto_bech32_round_trip_and_case)
{
    uint8_t key[32];
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)(i * 7 + 1);
    char lower[100], upper[100];
    CHECK_OK(tcvm__bech32_encode("age", key, 32, false, lower, sizeof lower));
    CHECK_OK(tcvm__bech32_encode("AGE-SECRET-KEY-", key, 32, true, upper, sizeof upper));
    CHECK(strncmp(lower, "age1", 4) == 0);
    CHECK_EQ(strlen(lower), 62);
    CHECK(strncmp(upper, "AGE-SECRET-KEY-1", 16) == 0);
    CHECK_EQ(strlen(upper), 74);
    char hrp[84];
    uint8_t out[64];
    size_t n;
    CHECK_OK(tcvm__bech32_decode(upper, strlen(upper), hrp, sizeof hrp, out, sizeof out, &n, NULL));
    CHECK_STREQ(hrp, "age-secret-key-");
    CHECK_EQ(n, 32);
    CHECK_MEM(out, key, 32);
    /* a too-small output buffer is refused, not overrun */
    CHECK_STATUS(tcvm__bech32_encode("age", key, 32, false, lower, 62), TCVM_ELIMIT);
    tcvm_error_t err;
    CHECK_STATUS(tcvm__bech32_decode(upper, strlen(upper), hrp, sizeof hrp, out, 31, &n, &err),
                 TCVM_CRYPTO_AGE_MALFORMED);
    CHECK_CONTAINS(err.message, "payload longer than 31 bytes");
    /* one changed character breaks the checksum */
    upper[20] = upper[20] == 'Q' ? 'P' : 'Q';
    CHECK_STATUS(
        tcvm__bech32_decode(upper, strlen(upper), hrp, sizeof hrp, out, sizeof out, &n, &err),
        TCVM_CRYPTO_AGE_MALFORMED);
    CHECK_CONTAINS(err.message, "checksum");
}
