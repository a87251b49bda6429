/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS contexts for the runtime's HTTPS server and the participant's client (see tls.h). The
 * identities are raw Ed25519 keys carried in self-signed certificates made here in memory. The
 * server's verify callback is where "nobody but a participant gets past the handshake" is
 * enforced: it ignores chain building entirely (every certificate is self-signed) and accepts a
 * client only when the leaf's Ed25519 key is on the allow list; TLS 1.3's CertificateVerify has
 * already proved possession of the matching private key. The client's verify callback records
 * the server key and, once the key has been checked against attestation evidence and pinned,
 * fails every handshake with any other key, so a later reconnection cannot reach a different
 * server.
 */
#include "crypto/tls.h"

#include "crypto/crypto.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>

#include "tcvm/seal.h"

struct tcvm_tls_server {
    SSL_CTX *ctx;
    uint8_t (*allowed)[32];
    size_t allowed_count;
    tcvm_tls_refused_fn on_refused;
    void *arg;
    pthread_mutex_t lock;
    unsigned long refused;
};

static tcvm_status_t ssl_fail(tcvm_error_t *err, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256] = "no detail";
    if (e != 0)
        ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return tcvm__errorf(err, TCVM_CRYPTO_FAILED, "TLS: %s: %s", what, buf);
}

/* The OpenSSL key object of a signing key, through its PEM form (sign.c keeps its key opaque). */
static EVP_PKEY *sign_key_pkey(const tcvm_sign_key_t *key)
{
    char *pem = NULL;
    size_t size = 0;
    if (tcvm_sign_key_to_pem(key, &pem, &size) != TCVM_OK)
        return NULL;
    BIO *bio = BIO_new_mem_buf(pem, (int)size);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    tcvm_seal_free_secret(pem, size);
    return pkey;
}

/* A self-signed certificate for pkey, valid from an hour ago for ten years. */
static X509 *self_signed(EVP_PKEY *pkey, const char *cn)
{
    X509 *x = X509_new();
    if (x == NULL)
        return NULL;
    uint8_t serial[8];
    if (tcvm__random(serial, sizeof serial) != TCVM_OK)
        goto fail;
    uint64_t s = 0;
    for (size_t i = 0; i < sizeof serial; i++)
        s = (s << 8) | serial[i];
    s &= 0x7fffffffffffffffull;
    X509_NAME *name = X509_get_subject_name(x);
    if (X509_set_version(x, X509_VERSION_3) != 1 ||
        ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), s) != 1 ||
        X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
        X509_gmtime_adj(X509_getm_notAfter(x), 10L * 365 * 24 * 3600) == NULL ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                                   0) != 1 ||
        X509_set_issuer_name(x, name) != 1 || X509_set_pubkey(x, pkey) != 1 ||
        X509_sign(x, pkey, NULL) <= 0)
        goto fail;
    return x;
fail:
    X509_free(x);
    return NULL;
}

/* The raw Ed25519 public key of a certificate; false for any other key type. */
static bool cert_ed25519(X509 *cert, uint8_t out[32])
{
    EVP_PKEY *pk = X509_get0_pubkey(cert);
    size_t n = 32;
    if (pk == NULL || EVP_PKEY_get_id(pk) != EVP_PKEY_ED25519)
        return false;
    return EVP_PKEY_get_raw_public_key(pk, out, &n) == 1 && n == 32;
}

/* ---- server ----------------------------------------------------------------------------- */

static int server_ex_index = -1;
static pthread_once_t ex_once = PTHREAD_ONCE_INIT;
static int client_ex_index = -1;

static void ex_init(void)
{
    server_ex_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    client_ex_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/*
 * The server's judgement of a client certificate. OpenSSL calls this once per certificate of the
 * presented chain (and again for errors); only the leaf (depth 0) carries the identity. A
 * self-signed leaf makes OpenSSL's own verdict (preverify) negative: that verdict is replaced
 * by the allow-list check. Certificates above the leaf are not used for anything.
 */
static int server_verify_cb(int preverify, X509_STORE_CTX *store)
{
    (void)preverify;
    if (X509_STORE_CTX_get_error_depth(store) != 0)
        return 1;
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    if (ssl == NULL)
        return 0;
    tcvm_tls_server_t *s = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), server_ex_index);
    X509 *leaf = X509_STORE_CTX_get_current_cert(store);
    uint8_t key[32];
    bool ok = false, is_ed25519 = leaf != NULL && cert_ed25519(leaf, key);
    if (s != NULL && is_ed25519) {
        for (size_t i = 0; i < s->allowed_count && !ok; i++)
            ok = tcvm__ct_equal(key, s->allowed[i], 32);
    }
    if (!ok) {
        if (s != NULL) {
            pthread_mutex_lock(&s->lock);
            s->refused++;
            pthread_mutex_unlock(&s->lock);
            if (s->on_refused)
                s->on_refused(s->arg, is_ed25519 ? key : NULL);
        }
        X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
        return 0;
    }
    X509_STORE_CTX_set_error(store, X509_V_OK);
    return 1;
}

tcvm_status_t tcvm__tls_server_new(const tcvm_sign_key_t *key, const uint8_t (*allowed)[32],
                                   size_t allowed_count, tcvm_tls_refused_fn on_refused,
                                   void *arg, tcvm_tls_server_t **out, tcvm_error_t *err)
{
    pthread_once(&ex_once, ex_init);
    if (server_ex_index < 0)
        return ssl_fail(err, "no ex_data index");
    tcvm_tls_server_t *s = tcvm__calloc(1, sizeof *s);
    if (s == NULL)
        return tcvm__errorf(err, TCVM_ENOMEM, "TLS: out of memory");
    tcvm_status_t st = TCVM_OK;
    EVP_PKEY *pkey = NULL;
    X509 *cert = NULL;
    pthread_mutex_init(&s->lock, NULL);
    s->on_refused = on_refused;
    s->arg = arg;
    s->allowed = tcvm__calloc(allowed_count ? allowed_count : 1, 32);
    if (s->allowed == NULL) {
        st = tcvm__errorf(err, TCVM_ENOMEM, "TLS: out of memory");
        goto fail;
    }
    if (allowed_count)
        memcpy(s->allowed, allowed, allowed_count * 32);
    s->allowed_count = allowed_count;
    s->ctx = SSL_CTX_new(TLS_server_method());
    if (s->ctx == NULL) {
        st = ssl_fail(err, "cannot make a server context");
        goto fail;
    }
    pkey = sign_key_pkey(key);
    cert = pkey ? self_signed(pkey, "2cvm runtime") : NULL;
    if (cert == NULL) {
        st = ssl_fail(err, "cannot make the runtime's certificate");
        goto fail;
    }
    if (SSL_CTX_set_min_proto_version(s->ctx, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(s->ctx, TLS1_3_VERSION) != 1 ||
        SSL_CTX_use_certificate(s->ctx, cert) != 1 || SSL_CTX_use_PrivateKey(s->ctx, pkey) != 1 ||
        SSL_CTX_check_private_key(s->ctx) != 1 ||
        SSL_CTX_set_ex_data(s->ctx, server_ex_index, s) != 1) {
        st = ssl_fail(err, "cannot configure the server context");
        goto fail;
    }
    /* No session tickets or resumption: every connection presents and proves its key. */
    SSL_CTX_set_options(s->ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(s->ctx, 0);
    SSL_CTX_set_session_cache_mode(s->ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       server_verify_cb);
    X509_free(cert);
    EVP_PKEY_free(pkey);
    *out = s;
    return TCVM_OK;
fail:
    X509_free(cert);
    EVP_PKEY_free(pkey);
    tcvm__tls_server_free(s);
    return st;
}

void tcvm__tls_server_free(tcvm_tls_server_t *s)
{
    if (s == NULL)
        return;
    SSL_CTX_free(s->ctx);
    tcvm__free(s->allowed);
    pthread_mutex_destroy(&s->lock);
    tcvm__free(s);
}

void *tcvm__tls_server_ssl(tcvm_tls_server_t *s)
{
    SSL *ssl = SSL_new(s->ctx);
    ERR_clear_error();
    return ssl;
}

unsigned long tcvm__tls_server_refused(const tcvm_tls_server_t *s)
{
    tcvm_tls_server_t *m = (tcvm_tls_server_t *)s;
    pthread_mutex_lock(&m->lock);
    unsigned long n = m->refused;
    pthread_mutex_unlock(&m->lock);
    return n;
}

bool tcvm__tls_peer_key(void *ssl, uint8_t out[32])
{
    if (ssl == NULL || SSL_get_verify_result(ssl) != X509_V_OK)
        return false;
    X509 *peer = SSL_get0_peer_certificate(ssl);
    return peer != NULL && cert_ed25519(peer, out);
}

/* ---- client ----------------------------------------------------------------------------- */

tcvm_status_t tcvm__tls_client_credentials(const tcvm_sign_key_t *key, tcvm_buf_t *cert_pem,
                                           tcvm_buf_t *key_pem, tcvm_error_t *err)
{
    tcvm_status_t st = TCVM_OK;
    EVP_PKEY *pkey = sign_key_pkey(key);
    X509 *cert = pkey ? self_signed(pkey, "2cvm participant") : NULL;
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;
    size_t pem_size = 0;
    if (cert == NULL || bio == NULL || PEM_write_bio_X509(bio, cert) != 1) {
        st = ssl_fail(err, "cannot make the participant's certificate");
        goto done;
    }
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    if (n <= 0 || tcvm__buf_append(cert_pem, data, (size_t)n) != TCVM_OK ||
        tcvm__buf_append(cert_pem, "", 1) != TCVM_OK) {
        st = tcvm__errorf(err, TCVM_ENOMEM, "TLS: out of memory");
        goto done;
    }
    cert_pem->size--; /* keep the NUL out of the size */
    if (tcvm_sign_key_to_pem(key, &pem, &pem_size) != TCVM_OK ||
        tcvm__buf_append(key_pem, pem, pem_size) != TCVM_OK) {
        st = tcvm__errorf(err, TCVM_ENOMEM, "TLS: cannot write the participant's key");
        goto done;
    }
done:
    if (pem != NULL)
        tcvm_seal_free_secret(pem, pem_size);
    BIO_free(bio);
    X509_free(cert);
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    return st;
}

/*
 * The client's judgement of the server certificate: record the server's Ed25519 key; once a key
 * is pinned (after attestation evidence bound it), refuse any other. Trust in the key comes from
 * the evidence, not from a certificate authority, so OpenSSL's own verdict is not consulted.
 */
static int client_verify_cb(int preverify, X509_STORE_CTX *store)
{
    (void)preverify;
    if (X509_STORE_CTX_get_error_depth(store) != 0)
        return 1;
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    tcvm_tls_client_peer_t *peer =
        ssl ? SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), client_ex_index) : NULL;
    X509 *leaf = X509_STORE_CTX_get_current_cert(store);
    uint8_t key[32];
    if (peer == NULL || leaf == NULL || !cert_ed25519(leaf, key)) {
        if (peer != NULL)
            peer->refused = true;
        return 0;
    }
    if (peer->pinned && !tcvm__ct_equal(key, peer->pin, 32)) {
        peer->refused = true;
        X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
        return 0;
    }
    memcpy(peer->key, key, 32);
    peer->seen = true;
    X509_STORE_CTX_set_error(store, X509_V_OK);
    return 1;
}

tcvm_status_t tcvm__tls_client_setup(void *ssl_ctx, tcvm_tls_client_peer_t *peer)
{
    pthread_once(&ex_once, ex_init);
    SSL_CTX *ctx = ssl_ctx;
    if (client_ex_index < 0 || SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
        SSL_CTX_set_ex_data(ctx, client_ex_index, peer) != 1) {
        ERR_clear_error();
        return TCVM_CRYPTO_FAILED;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, client_verify_cb);
    return TCVM_OK;
}
