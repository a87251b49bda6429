/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The symmetric and key-agreement primitives the age format is built from, as thin wrappers over
 * OpenSSL: X25519 (RFC 7748), HKDF-SHA-256 (RFC 5869), HMAC-SHA-256 and ChaCha20-Poly1305
 * (RFC 8439). None of them is implemented here; each call goes to OpenSSL's EVP interface.
 * Internal to the library.
 */
#ifndef TCVM_CRYPTO_PRIM_H
#define TCVM_CRYPTO_PRIM_H

#include "base/base.h"

#define TCVM_X25519_SIZE 32
#define TCVM_AEAD_KEY_SIZE 32
#define TCVM_AEAD_NONCE_SIZE 12
#define TCVM_AEAD_TAG_SIZE 16

/* out_public = X25519(secret, basepoint). */
tcvm_status_t tcvm__x25519_public(const uint8_t secret[32], uint8_t out_public[32]);

/*
 * out_shared = X25519(secret, peer). Fails with TCVM_CRYPTO_BAD_KEY when the result is all zero
 * bytes (peer is a low-order point): callers must not derive keys from such a secret.
 */
tcvm_status_t tcvm__x25519(const uint8_t secret[32], const uint8_t peer[32],
                           uint8_t out_shared[32]);

/* 32 bytes of HKDF-SHA-256(ikm, salt, info); an empty salt means HashLen zero bytes. */
tcvm_status_t tcvm__hkdf_sha256(const uint8_t *ikm, size_t ikm_size, const uint8_t *salt,
                                size_t salt_size, const char *info, uint8_t out[32]);

/* HMAC-SHA-256 of (data, size) under key. */
tcvm_status_t tcvm__hmac_sha256(const uint8_t *key, size_t key_size, const uint8_t *data,
                                size_t size, uint8_t out[32]);

/*
 * A ChaCha20-Poly1305 context holding one key, for many messages with distinct nonces. The key
 * is copied into OpenSSL's context and wiped from it by free.
 */
typedef struct tcvm_aead tcvm_aead_t;
tcvm_status_t tcvm__aead_new(const uint8_t key[32], tcvm_aead_t **out);
void tcvm__aead_free(tcvm_aead_t *a);
/* out (size + 16 bytes) = ciphertext || tag of (in, size), no associated data. */
tcvm_status_t tcvm__aead_seal(tcvm_aead_t *a, const uint8_t nonce[12], const uint8_t *in,
                              size_t size, uint8_t *out);
/* out (size - 16 bytes) = plaintext of (in, size >= 16); TCVM_CRYPTO_DECRYPT when the tag does
 * not verify, in which case out holds no plaintext (it is wiped). */
tcvm_status_t tcvm__aead_open(tcvm_aead_t *a, const uint8_t nonce[12], const uint8_t *in,
                              size_t size, uint8_t *out);

/* One-shot forms for single small messages (key wrapping). */
tcvm_status_t tcvm__aead_seal1(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *in,
                               size_t size, uint8_t *out);
tcvm_status_t tcvm__aead_open1(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *in,
                               size_t size, uint8_t *out);

#endif
