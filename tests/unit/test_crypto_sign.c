/* SPDX-License-Identifier: Apache-2.0 */
/* Ed25519 signing keys: RFC 8032 section 7.1 vectors, PEM round trip, the "ed25519:" text form,
 * and refusal of wrong keys, signatures and PEM contents. */
#include "test.h"

#include "base/base.h"
#include "tcvm/seal.h"

static void unhex(const char *hex, uint8_t *out, size_t size)
{
    CHECK(tcvm__hex_decode(hex, strlen(hex), out, size));
}

TEST(crypto_ed25519_rfc8032_vectors)
{
    static const struct {
        const char *secret, *public_key, *msg, *sig;
    } v[] = {
        {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
         "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
        {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
         "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t seed[32], pub[32], want_pub[32], msg[8], sig[64], want_sig[64];
        size_t msg_size = strlen(v[i].msg) / 2;
        unhex(v[i].secret, seed, 32);
        unhex(v[i].public_key, want_pub, 32);
        unhex(v[i].msg, msg, msg_size);
        unhex(v[i].sig, want_sig, 64);
        tcvm_sign_key_t *key;
        CHECK_OK(tcvm_sign_key_from_seed(seed, &key));
        tcvm_sign_key_public(key, pub);
        CHECK_MEM(pub, want_pub, 32);
        CHECK_OK(tcvm_sign_key_sign(key, msg, msg_size, sig));
        CHECK_MEM(sig, want_sig, 64);
        CHECK_OK(tcvm_sign_verify(pub, msg, msg_size, sig));
        sig[63] ^= 0x01;
        CHECK_STATUS(tcvm_sign_verify(pub, msg, msg_size, sig), TCVM_CRYPTO_BAD_SIGNATURE);
        sig[63] ^= 0x01;
        msg[0] ^= 0x80;
        CHECK_STATUS(tcvm_sign_verify(pub, msg, msg_size + 1, sig), TCVM_CRYPTO_BAD_SIGNATURE);
        tcvm_sign_key_destroy(key);
    }
}

TEST(crypto_sign_pem_round_trip)
{
    tcvm_sign_key_t *key, *again;
    CHECK_OK(tcvm_sign_key_generate(&key));
    char *pem;
    size_t size;
    CHECK_OK(tcvm_sign_key_to_pem(key, &pem, &size));
    CHECK_EQ(strlen(pem), size);
    CHECK_CONTAINS(pem, "-----BEGIN PRIVATE KEY-----");
    tcvm_error_t err = {0};
    CHECK_OK(tcvm_sign_key_from_pem(pem, size, &again, &err));
    uint8_t a[32], b[32], sig[64];
    tcvm_sign_key_public(key, a);
    tcvm_sign_key_public(again, b);
    CHECK_MEM(a, b, 32);
    CHECK_OK(tcvm_sign_key_sign(again, "m", 1, sig));
    CHECK_OK(tcvm_sign_verify(a, "m", 1, sig));
    tcvm_seal_free_secret(pem, size);
    tcvm_sign_key_destroy(key);
    tcvm_sign_key_destroy(again);
    tcvm_sign_key_destroy(NULL);
}

TEST(crypto_sign_pem_refusals)
{
    tcvm_sign_key_t *key = NULL;
    tcvm_error_t err = {0};
    const char *garbage = "hello";
    CHECK_STATUS(tcvm_sign_key_from_pem(garbage, strlen(garbage), &key, &err), TCVM_CRYPTO_BAD_KEY);
    CHECK_CONTAINS(err.message, "no PEM \"PRIVATE KEY\"");
    const char *broken = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    CHECK_STATUS(tcvm_sign_key_from_pem(broken, strlen(broken), &key, &err), TCVM_CRYPTO_BAD_KEY);
    CHECK_CONTAINS(err.message, "does not decode as PKCS#8");
    /* an X25519 key in PKCS#8 is a valid PEM but not a signing key */
    const char *x25519 = "-----BEGIN PRIVATE KEY-----\n"
                         "MC4CAQAwBQYDK2VuBCIEIHAs6TVvT2DqHTQtQp8+ZlHx3A0aS8B3YT0V4WnrEhNV\n"
                         "-----END PRIVATE KEY-----\n";
    CHECK_STATUS(tcvm_sign_key_from_pem(x25519, strlen(x25519), &key, &err), TCVM_CRYPTO_BAD_KEY);
    CHECK_CONTAINS(err.message, "not an Ed25519 key");
    CHECK(key == NULL);
    CHECK_STATUS(tcvm_sign_key_load("/nonexistent/key.pem", &key, &err), TCVM_ENOENT);
    CHECK_CONTAINS(err.message, "/nonexistent/key.pem");
}

TEST(crypto_sign_public_text)
{
    uint8_t pub[32], back[32];
    for (int i = 0; i < 32; i++)
        pub[i] = (uint8_t)(0xa0 + i);
    char text[TCVM_SIGN_PUBLIC_TEXT_SIZE];
    tcvm_sign_public_format(pub, text);
    CHECK_STREQ(text, "ed25519:a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
    tcvm_error_t err = {0};
    CHECK_OK(tcvm_sign_public_parse(text, strlen(text), back, &err));
    CHECK_MEM(back, pub, 32);
    CHECK_STATUS(tcvm_sign_public_parse(text + 1, strlen(text) - 1, back, &err),
                 TCVM_CRYPTO_BAD_KEY);
    CHECK_CONTAINS(err.message, "must start with \"ed25519:\"");
    CHECK_STATUS(tcvm_sign_public_parse(text, strlen(text) - 2, back, &err), TCVM_CRYPTO_BAD_KEY);
    CHECK_CONTAINS(err.message, "64 hex digits");
    text[20] = 'g';
    CHECK_STATUS(tcvm_sign_public_parse(text, strlen(text), back, &err), TCVM_CRYPTO_BAD_KEY);
    CHECK_MEM(back, pub, 32); /* untouched on failure */
}
