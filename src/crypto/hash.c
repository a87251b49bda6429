/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-2 digests and randomness through OpenSSL's EVP interface.
 */
#include "crypto/crypto.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

struct tcvm_hash_ctx {
    EVP_MD_CTX *md;
};

static const EVP_MD *md_of(tcvm_hash_alg_t alg)
{
    switch (alg) {
    case TCVM_HASH_SHA256:
        return EVP_sha256();
    case TCVM_HASH_SHA384:
        return EVP_sha384();
    case TCVM_HASH_SHA512:
        return EVP_sha512();
    }
    return NULL;
}

size_t tcvm__hash_size(tcvm_hash_alg_t alg)
{
    switch (alg) {
    case TCVM_HASH_SHA256:
        return TCVM_SHA256_SIZE;
    case TCVM_HASH_SHA384:
        return TCVM_SHA384_SIZE;
    case TCVM_HASH_SHA512:
        return TCVM_SHA512_SIZE;
    }
    return 0;
}

tcvm_status_t tcvm__hash(tcvm_hash_alg_t alg, const void *data, size_t size, uint8_t *out)
{
    const EVP_MD *md = md_of(alg);
    if (md == NULL)
        return TCVM_EINVAL;
    unsigned int n = 0;
    if (EVP_Digest(data, size, out, &n, md, NULL) != 1)
        return TCVM_CRYPTO_FAILED;
    return TCVM_OK;
}

tcvm_status_t tcvm__hash_init(tcvm_hash_alg_t alg, tcvm_hash_ctx_t **out_ctx)
{
    const EVP_MD *md = md_of(alg);
    if (md == NULL)
        return TCVM_EINVAL;
    tcvm_hash_ctx_t *ctx = tcvm__calloc(1, sizeof *ctx);
    if (ctx == NULL)
        return TCVM_ENOMEM;
    ctx->md = EVP_MD_CTX_new();
    if (ctx->md == NULL)
        goto fail_ctx;
    if (EVP_DigestInit_ex(ctx->md, md, NULL) != 1)
        goto fail_md;
    *out_ctx = ctx;
    return TCVM_OK;
fail_md:
    EVP_MD_CTX_free(ctx->md);
fail_ctx:
    tcvm__free(ctx);
    return TCVM_ENOMEM;
}

tcvm_status_t tcvm__hash_update(tcvm_hash_ctx_t *ctx, const void *data, size_t size)
{
    if (EVP_DigestUpdate(ctx->md, data, size) != 1)
        return TCVM_CRYPTO_FAILED;
    return TCVM_OK;
}

tcvm_status_t tcvm__hash_final(tcvm_hash_ctx_t *ctx, uint8_t *out)
{
    unsigned int n = 0;
    int ok = EVP_DigestFinal_ex(ctx->md, out, &n);
    tcvm__hash_free(ctx);
    return ok == 1 ? TCVM_OK : TCVM_CRYPTO_FAILED;
}

void tcvm__hash_free(tcvm_hash_ctx_t *ctx)
{
    if (ctx == NULL)
        return;
    EVP_MD_CTX_free(ctx->md);
    tcvm__free(ctx);
}

tcvm_status_t tcvm__random(void *out, size_t size)
{
    if (size > INT32_MAX)
        return TCVM_EINVAL;
    if (RAND_bytes(out, (int)size) != 1)
        return TCVM_CRYPTO_FAILED;
    return TCVM_OK;
}
