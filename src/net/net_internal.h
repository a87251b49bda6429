/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside src/net/: the request dispatcher, separate from libevent's connection handling so that
 * it can be tested and fuzzed without sockets or TLS. Not API.
 */
#ifndef TCVM_NET_INTERNAL_H
#define TCVM_NET_INTERNAL_H

#include "base/base.h"
#include "tcvm/host.h"

/* A reply: HTTP code, its reason phrase, content type and body. */
typedef struct tcvm_net_reply {
    int code;
    const char *reason;
    const char *type;
    tcvm_buf_t body;
} tcvm_net_reply_t;

/*
 * Answers one request of authenticated participant p: method GET (put false) or PUT, the request
 * target as received (uri, NUL-terminated, untrusted), the X-2cvm-SHA256 header (NULL when
 * absent) and the body. Always fills out (release out->body with tcvm__buf_free); never fails.
 */
void tcvm__net_dispatch(tcvm_host_t *host, size_t p, bool put, const char *uri,
                        const char *digest_header, const uint8_t *body, size_t body_size,
                        tcvm_net_reply_t *out);

/*
 * True when the request is GET /v1/evidence with a well-formed nonce (written to out_nonce): the
 * server answers those off the event loop, since asking the TEE for a report can be slow.
 */
bool tcvm__net_evidence_request(bool put, const char *uri,
                                uint8_t out_nonce[TCVM_HOST_NONCE_SIZE]);

/* The reply to an evidence request for nonce (asks the TEE). Safe from any thread. */
void tcvm__net_evidence_reply(tcvm_host_t *host, size_t p,
                              const uint8_t nonce[TCVM_HOST_NONCE_SIZE], tcvm_net_reply_t *out);

#endif
