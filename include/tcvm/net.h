/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The wire: the runtime's HTTPS service (libevent's evhttp over bufferevent_openssl, TLS 1.3
 * only, participants authenticated by client certificates carrying their manifest signing keys)
 * and the participant's client (libcurl), which checks the runtime's attestation evidence for a
 * fresh nonce before it sends anything, then pins the runtime's TLS key for the rest of the
 * session. The endpoints are specified in docs/api.md.
 */
#ifndef TCVM_NET_H
#define TCVM_NET_H

#include "tcvm/attest.h"
#include "tcvm/common.h"
#include "tcvm/host.h"
#include "tcvm/manifest.h"
#include "tcvm/seal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The header an upload states its SHA-256 in (64 hex digits). */
#define TCVM_NET_DIGEST_HEADER "X-2cvm-SHA256"
/* The largest body of one upload part (PUT ...?offset=N&last=0|1); the server refuses a
 * larger body before reading it, whatever the asset's limit. Uploads larger than this go in
 * several parts (docs/api.md). */
#define TCVM_NET_UPLOAD_PART_MAX ((size_t)4 << 20)

/* ---- server ------------------------------------------------------------------------------ */

typedef struct tcvm_net_server tcvm_net_server_t;

/*
 * Binds the runtime's HTTPS service to address:port (port 0 picks a free port) for host
 * (borrowed; must outlive the server). log (optional) receives one line per request.
 */
TCVM_API tcvm_status_t tcvm_net_server_new(tcvm_host_t *host, const char *address, uint16_t port,
                                           void (*log)(void *arg, const char *line), void *log_arg,
                                           tcvm_net_server_t **out, tcvm_error_t *err);

/* The port the server listens on. */
TCVM_API uint16_t tcvm_net_server_port(const tcvm_net_server_t *s);

/* Serves until tcvm_net_server_stop (from any thread or a signal handler's thread). */
TCVM_API tcvm_status_t tcvm_net_server_run(tcvm_net_server_t *s);

/* Makes tcvm_net_server_run return; safe from another thread. */
TCVM_API void tcvm_net_server_stop(tcvm_net_server_t *s);

/* Closes every connection and frees; accepts NULL. */
TCVM_API void tcvm_net_server_destroy(tcvm_net_server_t *s);

/* ---- client ------------------------------------------------------------------------------ */

typedef struct tcvm_net_client tcvm_net_client_t;

typedef struct tcvm_net_client_config {
    const char *url;                 /* "https://host:port" */
    const tcvm_manifest_t *manifest; /* the participant's own copy (borrowed) */
    const tcvm_sign_key_t *key;      /* the participant's signing key (borrowed) */
    bool allow_simulated;            /* accept evidence of the `sim` TEE */
    const char *cert_dir;            /* optional: AMD certificates for sev-snp verification */
    long timeout_ms;                 /* per request; 0 = 60 s */
} tcvm_net_client_config_t;

/* A client for one runtime. Nothing is sent until tcvm_net_client_verify. */
TCVM_API tcvm_status_t tcvm_net_client_new(const tcvm_net_client_config_t *cfg,
                                           tcvm_net_client_t **out, tcvm_error_t *err);

/*
 * Fetches evidence for a fresh random nonce and verifies it: the AMD chain (or the sim chain
 * when allowed), the manifest's runtime policy (measurement, TCB, debug...), HOST_DATA = the
 * digest of the participant's manifest, and REPORT_DATA = the binding of that digest, the TLS
 * key of this very connection and the nonce. On success the server's key is pinned: every later
 * request of this client goes to that key or fails. *out_result (optional) gets the details;
 * *out_evidence (optional) the evidence bytes (tcvm_seal_free). TCVM_ATTEST_* on failure.
 */
TCVM_API tcvm_status_t tcvm_net_client_verify(tcvm_net_client_t *c,
                                              tcvm_attest_result_t *out_result,
                                              uint8_t **out_evidence, size_t *out_size);

/* The nonce the last verification used and the runtime key it pinned. */
TCVM_API void tcvm_net_client_session(const tcvm_net_client_t *c,
                                      uint8_t out_nonce[TCVM_HOST_NONCE_SIZE],
                                      uint8_t out_runtime_key[TCVM_SIGN_PUBLIC_SIZE]);

/*
 * Checks evidence (2cvm evidence format) against a manifest, a runtime key and a nonce as
 * tcvm_net_client_verify does; offline (for saved evidence). Same results.
 */
TCVM_API tcvm_status_t tcvm_net_check_evidence(const tcvm_manifest_t *manifest,
                                               const uint8_t *evidence, size_t size,
                                               const uint8_t runtime_key[TCVM_SIGN_PUBLIC_SIZE],
                                               const uint8_t nonce[TCVM_HOST_NONCE_SIZE],
                                               bool allow_simulated, const char *cert_dir,
                                               tcvm_attest_result_t *out_result);

/*
 * One request after verification (TCVM_ESTATE before). method "GET" or "PUT"; path e.g.
 * "/v1/status"; body (may be NULL) for PUT, with extra_header (may be NULL) "Name: value".
 * The response body is returned in *out (tcvm_seal_free) and the HTTP code in *out_code; an
 * HTTP error code is not a failure of this call (the body then holds the server's JSON error).
 */
TCVM_API tcvm_status_t tcvm_net_client_request(tcvm_net_client_t *c, const char *method,
                                               const char *path, const uint8_t *body,
                                               size_t body_size, const char *extra_header,
                                               long *out_code, uint8_t **out, size_t *out_size);

/* What tcvm_net_client_upload did. */
typedef struct tcvm_net_upload_result {
    long code;            /* HTTP code of the last request sent (200 when accepted) */
    uint64_t sent;        /* bytes sent */
    unsigned long parts;  /* requests sent */
    uint8_t sha256[32];   /* of the file's bytes (valid when every byte was read) */
    uint8_t *response;    /* body of the last response (tcvm_seal_free) */
    size_t response_size;
} tcvm_net_upload_result_t;

/*
 * Uploads the file at path as asset id of collection ("components" or "inputs") after
 * verification (TCVM_ESTATE before): streamed from disk in parts of part_size bytes (0 or more
 * than TCVM_NET_UPLOAD_PART_MAX means TCVM_NET_UPLOAD_PART_MAX), never holding more than one
 * part, the last part stating the SHA-256 of the whole file. Stops at the first part the runtime
 * refuses (out->code, and the server's message in tcvm_net_client_error). An HTTP refusal is
 * not a failure of this call; a file that changes size while it is read is.
 */
TCVM_API tcvm_status_t tcvm_net_client_upload(tcvm_net_client_t *c, const char *collection,
                                              const char *id, const char *path,
                                              size_t part_size, tcvm_net_upload_result_t *out);

/* Number of TLS handshakes the client made (1 when everything ran in one session). */
TCVM_API unsigned long tcvm_net_client_handshakes(const tcvm_net_client_t *c);

/* The detail of the client's last failure. */
TCVM_API const tcvm_error_t *tcvm_net_client_error(const tcvm_net_client_t *c);

/* Frees; accepts NULL. */
TCVM_API void tcvm_net_client_destroy(tcvm_net_client_t *c);

#ifdef __cplusplus
}
#endif

#endif
