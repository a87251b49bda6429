/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-2 helpers against the FIPS 180-2 "abc" vectors, one-shot and incremental. */
#include "test.h"

#include "crypto/crypto.h"

static void check_hex(const uint8_t *d, size_t n, const char *want)
{
    char hex[129];
    tcvm__hex_encode(d, n, hex, sizeof hex);
    CHECK_STREQ(hex, want);
}

TEST(crypto_sha2_vectors)
{
    uint8_t d[64];
    CHECK_OK(tcvm__hash(TCVM_HASH_SHA256, "abc", 3, d));
    check_hex(d, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_OK(tcvm__hash(TCVM_HASH_SHA384, "abc", 3, d));
    check_hex(d, 48,
              "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc23"
              "58baeca134c825a7");
    CHECK_OK(tcvm__hash(TCVM_HASH_SHA512, "abc", 3, d));
    check_hex(d, 64,
              "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a8"
              "36ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    tcvm_hash_ctx_t *ctx;
    CHECK_OK(tcvm__hash_init(TCVM_HASH_SHA256, &ctx));
    CHECK_OK(tcvm__hash_update(ctx, "a", 1));
    CHECK_OK(tcvm__hash_update(ctx, "bc", 2));
    CHECK_OK(tcvm__hash_final(ctx, d));
    check_hex(d, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_EQ(tcvm__hash_size(TCVM_HASH_SHA384), 48);
}

TEST(crypto_random)
{
    uint8_t a[32] = {0}, b[32] = {0};
    CHECK_OK(tcvm__random(a, sizeof a));
    CHECK_OK(tcvm__random(b, sizeof b));
    CHECK(!tcvm__ct_equal(a, b, sizeof a));
}
