/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS 1.3 for the runtime's HTTPS service and the participant's client, over OpenSSL. Both ends
 * identify themselves with Ed25519 keys: the runtime with its own key (whose hash its attestation
 * report binds), each participant with its manifest signing key. Certificates are only carriers
 * of those keys: each side makes a self-signed certificate from its key in memory, and the peer
 * judges the key, never the certificate chain. The server context refuses, during the handshake,
 * every client whose key is not on its allow list; the client context refuses, once pinned, every
 * server key but the pinned one. Internal API: OpenSSL objects cross this boundary only as void
 * pointers handed between libevent/libcurl and this file.
 */
#ifndef TCVM_CRYPTO_TLS_H
#define TCVM_CRYPTO_TLS_H

#include "base/base.h"
#include "tcvm/seal.h"

/* ---- server ----------------------------------------------------------------------------- */

typedef struct tcvm_tls_server tcvm_tls_server_t;

/* Told of each refused client: its Ed25519 key, or NULL when it presented no Ed25519 key. */
typedef void (*tcvm_tls_refused_fn)(void *arg, const uint8_t *key);

/*
 * A TLS 1.3-only server context presenting a self-signed certificate for key (borrowed only
 * during the call), requiring a client certificate whose Ed25519 public key is one of the
 * allowed_count keys of allowed (copied). Any other client fails the handshake, and on_refused
 * (optional) is called from the handshake.
 */
tcvm_status_t tcvm__tls_server_new(const tcvm_sign_key_t *key, const uint8_t (*allowed)[32],
                                   size_t allowed_count, tcvm_tls_refused_fn on_refused,
                                   void *arg, tcvm_tls_server_t **out, tcvm_error_t *err);
void tcvm__tls_server_free(tcvm_tls_server_t *s);

/* A new server-side SSL object (an `SSL *`) for one connection; NULL on failure. */
void *tcvm__tls_server_ssl(tcvm_tls_server_t *s);

/* Number of handshakes the server refused because of the client key (for the status page). */
unsigned long tcvm__tls_server_refused(const tcvm_tls_server_t *s);

/* The Ed25519 public key of the verified peer of an established `SSL *`; false when none. */
bool tcvm__tls_peer_key(void *ssl, uint8_t out[32]);

/* ---- client ----------------------------------------------------------------------------- */

/*
 * The PEM certificate (self-signed, for the key's own public key) and PEM PKCS#8 private key a
 * client presents. Both buffers are caller-owned; key_pem holds a secret (tcvm__buf_free_secret).
 */
tcvm_status_t tcvm__tls_client_credentials(const tcvm_sign_key_t *key, tcvm_buf_t *cert_pem,
                                           tcvm_buf_t *key_pem, tcvm_error_t *err);

/*
 * What a client learns of and demands from the servers it talks to. `seen` is the key of the
 * last server certificate; once `pinned`, every handshake with another key fails.
 */
typedef struct tcvm_tls_client_peer {
    bool seen;
    uint8_t key[32];
    bool pinned;
    uint8_t pin[32];
    bool refused; /* a handshake was refused because of the pin or a non-Ed25519 key */
} tcvm_tls_client_peer_t;

/*
 * Sets up a client `SSL_CTX *` (as handed over by libcurl) for TLS 1.3 only, recording the
 * server's Ed25519 key in peer (which must outlive the context) and enforcing peer->pin.
 */
tcvm_status_t tcvm__tls_client_setup(void *ssl_ctx, tcvm_tls_client_peer_t *peer);

#endif
