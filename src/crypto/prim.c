/* SPDX-License-Identifier: Apache-2.0 */
/*
 * X25519, HKDF-SHA-256, HMAC-SHA-256 and ChaCha20-Poly1305 through OpenSSL 3's EVP interface.
 * Every secret that passes through a local buffer is wiped before return.
 */
#include "crypto/prim.h"

#include <limits.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

tcvm_status_t tcvm__x25519_public(const uint8_t secret[32], uint8_t out_public[32])
{
    EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, secret, 32);
    if (key == NULL) return TCVM_CRYPTO_FAILED;
    size_t n = 32;
    int ok = EVP_PKEY_get_raw_public_key(key, out_public, &n);
    EVP_PKEY_free(key);
    return ok == 1 && n == 32 ? TCVM_OK : TCVM_CRYPTO_FAILED;
}

tcvm_status_t tcvm__x25519(const uint8_t secret[32], const uint8_t peer[32], uint8_t out_shared[32])
{
    tcvm_status_t st = TCVM_CRYPTO_FAILED;
    uint8_t shared[32];
    size_t n = sizeof shared;
    EVP_PKEY *own = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, secret, 32);
    if (own == NULL) return TCVM_CRYPTO_FAILED;
    EVP_PKEY *other = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, 32);
    if (other == NULL) goto free_own;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(own, NULL);
    if (ctx == NULL) goto free_other;
    if (EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer(ctx, other) != 1) goto free_ctx;
    /* OpenSSL itself refuses an all-zero result; both refusals mean a low-order peer point */
    if (EVP_PKEY_derive(ctx, shared, &n) != 1 || n != 32) {
        st = TCVM_CRYPTO_BAD_KEY;
        goto free_ctx;
    }
    uint8_t zero[32] = {0};
    if (tcvm__ct_equal(shared, zero, 32)) {
        st = TCVM_CRYPTO_BAD_KEY;
        goto free_ctx;
    }
    memcpy(out_shared, shared, 32);
    st = TCVM_OK;
free_ctx:
    EVP_PKEY_CTX_free(ctx);
free_other:
    EVP_PKEY_free(other);
free_own:
    EVP_PKEY_free(own);
    tcvm__wipe(shared, sizeof shared);
    return st;
}

tcvm_status_t tcvm__hkdf_sha256(const uint8_t *ikm, size_t ikm_size, const uint8_t *salt,
                                size_t salt_size, const char *info, uint8_t out[32])
{
    tcvm_status_t st = TCVM_CRYPTO_FAILED;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    if (kdf == NULL) return st;
    EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
    if (ctx == NULL) goto free_kdf;
    OSSL_PARAM params[5];
    size_t n = 0;
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_size);
    /* RFC 5869: a missing salt is HashLen zeros, the same HMAC key as an empty one */
    if (salt_size > 0)
        params[n++] =
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_size);
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info));
    params[n] = OSSL_PARAM_construct_end();
    if (EVP_KDF_derive(ctx, out, 32, params) == 1) st = TCVM_OK;
    EVP_KDF_CTX_free(ctx);
free_kdf:
    EVP_KDF_free(kdf);
    return st;
}

tcvm_status_t tcvm__hmac_sha256(const uint8_t *key, size_t key_size, const uint8_t *data,
                                size_t size, uint8_t out[32])
{
    size_t n = 0;
    if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, key_size, data, size, out, 32, &n) ==
            NULL ||
        n != 32)
        return TCVM_CRYPTO_FAILED;
    return TCVM_OK;
}

struct tcvm_aead {
    EVP_CIPHER_CTX *ctx;
};

tcvm_status_t tcvm__aead_new(const uint8_t key[32], tcvm_aead_t **out)
{
    tcvm_aead_t *a = tcvm__calloc(1, sizeof *a);
    if (a == NULL) return TCVM_ENOMEM;
    a->ctx = EVP_CIPHER_CTX_new();
    if (a->ctx == NULL) goto free_a;
    if (EVP_CipherInit_ex(a->ctx, EVP_chacha20_poly1305(), NULL, key, NULL, 1) != 1) goto free_ctx;
    *out = a;
    return TCVM_OK;
free_ctx:
    EVP_CIPHER_CTX_free(a->ctx);
free_a:
    tcvm__free(a);
    return TCVM_CRYPTO_FAILED;
}

void tcvm__aead_free(tcvm_aead_t *a)
{
    if (a == NULL) return;
    EVP_CIPHER_CTX_free(a->ctx); /* cleans the key schedule */
    tcvm__free(a);
}

tcvm_status_t tcvm__aead_seal(tcvm_aead_t *a, const uint8_t nonce[12], const uint8_t *in,
                              size_t size, uint8_t *out)
{
    int len = 0;
    if (size > INT_MAX - 16) return TCVM_EINVAL;
    if (EVP_CipherInit_ex(a->ctx, NULL, NULL, NULL, nonce, 1) != 1) return TCVM_CRYPTO_FAILED;
    if (size > 0 && EVP_CipherUpdate(a->ctx, out, &len, in, (int)size) != 1)
        return TCVM_CRYPTO_FAILED;
    int fin = 0;
    if (EVP_CipherFinal_ex(a->ctx, out + len, &fin) != 1 || (size_t)(len + fin) != size)
        return TCVM_CRYPTO_FAILED;
    if (EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_GET_TAG, 16, out + size) != 1)
        return TCVM_CRYPTO_FAILED;
    return TCVM_OK;
}

tcvm_status_t tcvm__aead_open(tcvm_aead_t *a, const uint8_t nonce[12], const uint8_t *in,
                              size_t size, uint8_t *out)
{
    int len = 0;
    if (size < 16 || size > INT_MAX) return TCVM_CRYPTO_DECRYPT;
    size_t ct = size - 16;
    uint8_t tag[16];
    memcpy(tag, in + ct, 16);
    if (EVP_CipherInit_ex(a->ctx, NULL, NULL, NULL, nonce, 0) != 1 ||
        EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_AEAD_SET_TAG, 16, tag) != 1)
        return TCVM_CRYPTO_FAILED;
    if (ct > 0 && EVP_CipherUpdate(a->ctx, out, &len, in, (int)ct) != 1) goto fail;
    int fin = 0;
    if (EVP_CipherFinal_ex(a->ctx, out + len, &fin) != 1 || (size_t)(len + fin) != ct) goto fail;
    return TCVM_OK;
fail:
    /* the tag did not verify: what was decrypted must not be used or kept */
    tcvm__wipe(out, ct);
    return TCVM_CRYPTO_DECRYPT;
}

tcvm_status_t tcvm__aead_seal1(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *in,
                               size_t size, uint8_t *out)
{
    tcvm_aead_t *a;
    tcvm_status_t st = tcvm__aead_new(key, &a);
    if (st != TCVM_OK) return st;
    st = tcvm__aead_seal(a, nonce, in, size, out);
    tcvm__aead_free(a);
    return st;
}

tcvm_status_t tcvm__aead_open1(const uint8_t key[32], const uint8_t nonce[12], const uint8_t *in,
                               size_t size, uint8_t *out)
{
    tcvm_aead_t *a;
    tcvm_status_t st = tcvm__aead_new(key, &a);
    if (st != TCVM_OK) return st;
    st = tcvm__aead_open(a, nonce, in, size, out);
    tcvm__aead_free(a);
    return st;
}
