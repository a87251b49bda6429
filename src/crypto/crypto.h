/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal crypto helpers over OpenSSL. src/crypto/ is the only place in 2cvm that calls OpenSSL
 * directly; every other subsystem goes through these functions (or the public tcvm/ headers
 * built on them). Digests here are one-shot or incremental; they never fail on valid arguments
 * other than through allocation, which they report.
 */
#ifndef TCVM_CRYPTO_INTERNAL_H
#define TCVM_CRYPTO_INTERNAL_H

#include "base/base.h"

#define TCVM_SHA256_SIZE 32
#define TCVM_SHA384_SIZE 48
#define TCVM_SHA512_SIZE 64

typedef enum tcvm_hash_alg {
    TCVM_HASH_SHA256,
    TCVM_HASH_SHA384,
    TCVM_HASH_SHA512,
} tcvm_hash_alg_t;

/* Size in bytes of the digest of alg. */
size_t tcvm__hash_size(tcvm_hash_alg_t alg);

/* One-shot digest of (data, size) into out (tcvm__hash_size(alg) bytes). */
tcvm_status_t tcvm__hash(tcvm_hash_alg_t alg, const void *data, size_t size, uint8_t *out);

static inline tcvm_status_t tcvm__sha256(const void *data, size_t size, uint8_t out[32])
{
    return tcvm__hash(TCVM_HASH_SHA256, data, size, out);
}

/* Incremental digest. init allocates; final writes the digest and frees; free alone aborts. */
typedef struct tcvm_hash_ctx tcvm_hash_ctx_t;
tcvm_status_t tcvm__hash_init(tcvm_hash_alg_t alg, tcvm_hash_ctx_t **out_ctx);
tcvm_status_t tcvm__hash_update(tcvm_hash_ctx_t *ctx, const void *data, size_t size);
tcvm_status_t tcvm__hash_final(tcvm_hash_ctx_t *ctx, uint8_t *out);
void tcvm__hash_free(tcvm_hash_ctx_t *ctx);

/* Fills out with size bytes from the OS CSPRNG (via OpenSSL). */
tcvm_status_t tcvm__random(void *out, size_t size);

#endif
