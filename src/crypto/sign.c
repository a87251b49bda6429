/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ed25519 signing keys through OpenSSL: generation, PKCS#8 PEM in and out, pure Ed25519 signing
 * and verification, and the "ed25519:<hex>" text form of public keys used in manifests and
 * transcripts. The private key never leaves OpenSSL's key object except as PEM for keygen.
 */
#include "base/base.h"
#include "crypto/io.h"
#include "tcvm/seal.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

struct tcvm_sign_key {
    EVP_PKEY *pkey;
    uint8_t public_key[32];
};

static const char ed25519_prefix[] = "ed25519:";

static tcvm_status_t wrap_pkey(EVP_PKEY *pkey, tcvm_sign_key_t **out_key)
{
    tcvm_sign_key_t *key = tcvm__calloc(1, sizeof *key);
    if (key == NULL) {
        EVP_PKEY_free(pkey);
        return TCVM_ENOMEM;
    }
    size_t n = sizeof key->public_key;
    if (EVP_PKEY_get_raw_public_key(pkey, key->public_key, &n) != 1 || n != 32) {
        EVP_PKEY_free(pkey);
        tcvm__free(key);
        return TCVM_CRYPTO_FAILED;
    }
    key->pkey = pkey;
    *out_key = key;
    return TCVM_OK;
}

tcvm_status_t tcvm_sign_key_generate(tcvm_sign_key_t **out_key)
{
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (pkey == NULL) return TCVM_CRYPTO_FAILED;
    return wrap_pkey(pkey, out_key);
}

tcvm_status_t tcvm_sign_key_from_seed(const uint8_t seed[32], tcvm_sign_key_t **out_key)
{
    EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
    if (pkey == NULL) return TCVM_CRYPTO_FAILED;
    return wrap_pkey(pkey, out_key);
}

/* PEM_read_bio_PrivateKey would prompt on a terminal for an encrypted key; refuse instead. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

tcvm_status_t tcvm_sign_key_from_pem(const char *pem, size_t size, tcvm_sign_key_t **out_key,
                                     tcvm_error_t *err)
{
    if (size > 65536)
        return tcvm__errorf(err, TCVM_CRYPTO_BAD_KEY, "signing key: PEM larger than 64 KiB");
    if (memmem(pem, size, "-----BEGIN PRIVATE KEY-----", 27) == NULL)
        return tcvm__errorf(err, TCVM_CRYPTO_BAD_KEY,
                            "signing key: no PEM \"PRIVATE KEY\" (PKCS#8) block; expected the "
                            "NAME.sign.pem file written by `2cvm keygen`");
    BIO *bio = BIO_new_mem_buf(pem, (int)size);
    if (bio == NULL) return tcvm__errorf(err, TCVM_ENOMEM, "signing key: out of memory");
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL);
    BIO_free(bio);
    if (pkey == NULL)
        return tcvm__errorf(err, TCVM_CRYPTO_BAD_KEY,
                            "signing key: the PRIVATE KEY block does not decode as PKCS#8");
    if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(pkey);
        return tcvm__errorf(err, TCVM_CRYPTO_BAD_KEY,
                            "signing key: not an Ed25519 key (2cvm identities are Ed25519)");
    }
    tcvm_status_t st = wrap_pkey(pkey, out_key);
    if (st != TCVM_OK) return tcvm__errorf(err, st, "signing key: %s", tcvm_status_message(st));
    return TCVM_OK;
}

tcvm_status_t tcvm_sign_key_load(const char *path, tcvm_sign_key_t **out_key, tcvm_error_t *err)
{
    uint8_t *data;
    size_t size;
    tcvm_status_t st = tcvm__read_file(path, 65536, &data, &size, err);
    if (st != TCVM_OK) return st;
    st = tcvm_sign_key_from_pem((const char *)data, size, out_key, err);
    tcvm__wipe(data, size);
    tcvm__free(data);
    if (st != TCVM_OK) return tcvm__error_prefix(err, st, "%s", path);
    return TCVM_OK;
}

tcvm_status_t tcvm_sign_key_to_pem(const tcvm_sign_key_t *key, char **out_pem, size_t *out_size)
{
    tcvm_status_t st = TCVM_CRYPTO_FAILED;
    BIO *bio = BIO_new(BIO_s_secmem());
    if (bio == NULL) return TCVM_ENOMEM;
    if (PEM_write_bio_PrivateKey(bio, key->pkey, NULL, NULL, 0, NULL, NULL) != 1) goto free_bio;
    char *mem = NULL;
    long n = BIO_get_mem_data(bio, &mem);
    if (n <= 0 || mem == NULL) goto free_bio;
    char *copy = tcvm__malloc((size_t)n + 1);
    if (copy == NULL) {
        st = TCVM_ENOMEM;
        goto free_bio;
    }
    memcpy(copy, mem, (size_t)n);
    copy[n] = '\0';
    *out_pem = copy;
    *out_size = (size_t)n;
    st = TCVM_OK;
free_bio:
    BIO_free(bio); /* secure-heap BIO: cleared on free */
    return st;
}

void tcvm_sign_key_public(const tcvm_sign_key_t *key, uint8_t out_public[32])
{
    memcpy(out_public, key->public_key, 32);
}

tcvm_status_t tcvm_sign_key_sign(const tcvm_sign_key_t *key, const void *msg, size_t size,
                                 uint8_t out_sig[64])
{
    tcvm_status_t st = TCVM_CRYPTO_FAILED;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL) return TCVM_ENOMEM;
    size_t n = 64;
    if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, key->pkey) == 1 &&
        EVP_DigestSign(ctx, out_sig, &n, msg, size) == 1 && n == 64)
        st = TCVM_OK;
    EVP_MD_CTX_free(ctx);
    return st;
}

void tcvm_sign_key_destroy(tcvm_sign_key_t *key)
{
    if (key == NULL) return;
    EVP_PKEY_free(key->pkey);
    tcvm__free(key);
}

tcvm_status_t tcvm_sign_verify(const uint8_t public_key[32], const void *msg, size_t size,
                               const uint8_t sig[64])
{
    tcvm_status_t st = TCVM_CRYPTO_BAD_SIGNATURE;
    EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, public_key, 32);
    if (pkey == NULL) return TCVM_CRYPTO_BAD_SIGNATURE;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL) {
        st = TCVM_ENOMEM;
        goto free_pkey;
    }
    if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
        EVP_DigestVerify(ctx, sig, 64, msg, size) == 1)
        st = TCVM_OK;
    EVP_MD_CTX_free(ctx);
free_pkey:
    EVP_PKEY_free(pkey);
    return st;
}

tcvm_status_t tcvm_sign_public_parse(const char *text, size_t len, uint8_t out_public[32],
                                     tcvm_error_t *err)
{
    size_t plen = sizeof ed25519_prefix - 1;
    if (len < plen || memcmp(text, ed25519_prefix, plen) != 0)
        return tcvm__errorf(err, TCVM_CRYPTO_BAD_KEY, "signing key must start with \"ed25519:\"");
    uint8_t key[32];
    if (len - plen != 64 || !tcvm__hex_decode(text + plen, 64, key, 32))
        return tcvm__errorf(err, TCVM_CRYPTO_BAD_KEY,
                            "signing key must be \"ed25519:\" followed by 64 hex digits");
    memcpy(out_public, key, 32);
    return TCVM_OK;
}

void tcvm_sign_public_format(const uint8_t public_key[32], char out[TCVM_SIGN_PUBLIC_TEXT_SIZE])
{
    memcpy(out, ed25519_prefix, sizeof ed25519_prefix - 1);
    tcvm__hex_encode(public_key, 32, out + sizeof ed25519_prefix - 1,
                     TCVM_SIGN_PUBLIC_TEXT_SIZE - (sizeof ed25519_prefix - 1));
}

void tcvm_seal_free(void *ptr)
{
    tcvm__free(ptr);
}

void tcvm_seal_free_secret(void *ptr, size_t size)
{
    if (ptr == NULL) return;
    tcvm__wipe(ptr, size);
    tcvm__free(ptr);
}
