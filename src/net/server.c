/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime's HTTPS service: libevent's evhttp (which does all HTTP parsing) over
 * bufferevent_openssl with the TLS context of src/crypto/tls.c. Authentication happens in the
 * handshake (only manifest signing keys get through); each request then looks up the
 * participant from the connection's verified client key and hands the request to the runtime
 * (tcvm/host.h), which decides. This file only routes, maps statuses to HTTP codes and writes
 * replies; no policy lives here except the per-body size cap evhttp enforces before the body is
 * read (the largest asset limit). The endpoints are documented in docs/api.md.
 */
#include "tcvm/net.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "base/base.h"
#include "crypto/tls.h"

struct tcvm_net_server {
    tcvm_host_t *host;
    tcvm_tls_server_t *tls;
    struct event_base *base;
    struct evhttp *http;
    uint16_t port;
    void (*log)(void *arg, const char *line);
    void *log_arg;
};

static void logf_(tcvm_net_server_t *s, const char *fmt, ...) TCVM__PRINTF(2, 3);
static void logf_(tcvm_net_server_t *s, const char *fmt, ...)
{
    if (s->log == NULL)
        return;
    char line[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    s->log(s->log_arg, line);
}

static struct bufferevent *make_bev(struct event_base *base, void *arg)
{
    tcvm_net_server_t *s = arg;
    void *ssl = tcvm__tls_server_ssl(s->tls);
    if (ssl == NULL)
        return NULL;
    return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                          BEV_OPT_CLOSE_ON_FREE);
}

static void on_tls_refused(void *arg, const uint8_t *key)
{
    tcvm_net_server_t *s = arg;
    char reason[160];
    if (key != NULL) {
        char text[TCVM_SIGN_PUBLIC_TEXT_SIZE];
        tcvm_sign_public_format(key, text);
        snprintf(reason, sizeof reason, "TLS client key %s is not a participant's", text);
    } else {
        snprintf(reason, sizeof reason, "TLS client certificate without an Ed25519 key");
    }
    logf_(s, "refused handshake: %s", reason);
    tcvm_host_record_refusal(s->host, TCVM_HOST_NOBODY, "tls handshake", reason);
}

static int http_code(tcvm_status_t st)
{
    switch (st) {
    case TCVM_OK:
        return 200;
    case TCVM_HOST_POLICY:
    case TCVM_EPERM:
        return 403;
    case TCVM_HOST_STATE:
        return 409;
    case TCVM_ENOENT:
        return 404;
    case TCVM_ELIMIT:
        return 413;
    case TCVM_EINVAL:
    case TCVM_EFORMAT:
        return 400;
    case TCVM_ATTEST_PROVIDER:
        return 503;
    default:
        return 500;
    }
}

static const char *reason_phrase(int code)
{
    switch (code) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
    }
}

static void reply_error(struct evhttp_request *req, tcvm_status_t st, const char *message)
{
    int code = http_code(st);
    json_t *j = json_object();
    json_object_set_new(j, "status", json_string(tcvm_status_name(st)));
    json_object_set_new(j, "error", json_string(message));
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(j);
    struct evbuffer *b = evbuffer_new();
    if (b != NULL && text != NULL)
        evbuffer_add(b, text, strlen(text));
    free(text);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
    evhttp_send_reply(req, code, reason_phrase(code), b);
    evbuffer_free(b);
}

static void reply_data(struct evhttp_request *req, const char *type, const void *data,
                       size_t size)
{
    struct evbuffer *b = evbuffer_new();
    if (b == NULL || evbuffer_add(b, data, size) != 0) {
        evbuffer_free(b);
        reply_error(req, TCVM_ENOMEM, "out of memory");
        return;
    }
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
    evhttp_send_reply(req, 200, "OK", b);
    evbuffer_free(b);
}

/* The participant behind the request's connection, from the key the handshake verified. */
static bool request_participant(tcvm_net_server_t *s, struct evhttp_request *req, size_t *out)
{
    struct evhttp_connection *conn = evhttp_request_get_connection(req);
    struct bufferevent *bev = conn ? evhttp_connection_get_bufferevent(conn) : NULL;
    void *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
    uint8_t key[32];
    return ssl != NULL && tcvm__tls_peer_key(ssl, key) &&
           tcvm_manifest_find_signer(tcvm_host_manifest(s->host), key, out);
}

static void do_evidence(tcvm_net_server_t *s, struct evhttp_request *req, size_t p,
                        const char *query)
{
    struct evkeyvalq params;
    TAILQ_INIT(&params);
    const char *nonce_hex = NULL;
    if (query != NULL && evhttp_parse_query_str(query, &params) == 0)
        nonce_hex = evhttp_find_header(&params, "nonce");
    uint8_t nonce[TCVM_HOST_NONCE_SIZE];
    if (nonce_hex == NULL || strlen(nonce_hex) != 2 * TCVM_HOST_NONCE_SIZE ||
        !tcvm__hex_decode(nonce_hex, strlen(nonce_hex), nonce, sizeof nonce)) {
        evhttp_clear_headers(&params);
        reply_error(req, TCVM_EINVAL, "give ?nonce= with 64 hex digits (a fresh 32-byte nonce)");
        return;
    }
    evhttp_clear_headers(&params);
    uint8_t *ev = NULL;
    size_t size = 0;
    tcvm_error_t err = {0};
    tcvm_status_t st = tcvm_host_evidence(s->host, p, nonce, &ev, &size, &err);
    if (st != TCVM_OK) {
        reply_error(req, st, err.message);
        return;
    }
    reply_data(req, "application/octet-stream", ev, size);
    tcvm_seal_free(ev);
}

static void do_text(struct evhttp_request *req, tcvm_status_t st, const char *type, char *text,
                    size_t size)
{
    if (st != TCVM_OK) {
        reply_error(req, st, tcvm_status_message(st));
        return;
    }
    reply_data(req, type, text, size);
    tcvm_seal_free(text);
}

static void do_upload(tcvm_net_server_t *s, struct evhttp_request *req, size_t p,
                      tcvm_host_asset_kind_t kind, const char *id)
{
    const char *hex = evhttp_find_header(evhttp_request_get_input_headers(req),
                                         TCVM_NET_DIGEST_HEADER);
    uint8_t claimed[TCVM_DIGEST_SIZE];
    if (hex == NULL || strlen(hex) != 64 || !tcvm__hex_decode(hex, 64, claimed, sizeof claimed)) {
        tcvm_host_record_refusal(s->host, p, "upload", "no " TCVM_NET_DIGEST_HEADER " header");
        reply_error(req, TCVM_EINVAL,
                    "state the SHA-256 of the body in the " TCVM_NET_DIGEST_HEADER " header");
        return;
    }
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t size = evbuffer_get_length(in);
    /* evbuffer_pullup makes the body contiguous in place (no second copy of the body). */
    const uint8_t *data = size ? evbuffer_pullup(in, -1) : (const uint8_t *)"";
    tcvm_error_t err = {0};
    tcvm_status_t st = data ? tcvm_host_upload(s->host, p, kind, id, data, size, claimed, &err)
                            : tcvm__errorf(&err, TCVM_ENOMEM, "out of memory");
    evbuffer_drain(in, size);
    if (st != TCVM_OK) {
        reply_error(req, st, err.message);
        return;
    }
    json_t *j = json_pack("{s:s, s:s, s:I, s:s}", "accepted", tcvm_host_asset_kind_name(kind),
                          "id", id, "size", (json_int_t)size, "state",
                          tcvm_host_state_name(tcvm_host_state(s->host)));
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(j);
    reply_data(req, "application/json", text ? text : "{}", text ? strlen(text) : 2);
    free(text);
}

static void do_output(tcvm_net_server_t *s, struct evhttp_request *req, size_t p, const char *id,
                      bool log)
{
    uint8_t *data = NULL;
    size_t size = 0;
    tcvm_error_t err = {0};
    tcvm_status_t st = log ? tcvm_host_log(s->host, p, id, &data, &size, &err)
                           : tcvm_host_output(s->host, p, id, &data, &size, &err);
    if (st != TCVM_OK) {
        reply_error(req, st, err.message);
        return;
    }
    reply_data(req, "application/octet-stream", data, size);
    tcvm_seal_free(data);
}

/* A path segment that could be an id (the manifest's id alphabet), else NULL. */
static const char *id_after(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(path, prefix, n) != 0)
        return NULL;
    const char *id = path + n;
    size_t len = strlen(id);
    if (len == 0 || len > TCVM_MANIFEST_MAX_ID_SIZE)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        char c = id[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return NULL;
    }
    return id;
}

static void handle(struct evhttp_request *req, void *arg)
{
    tcvm_net_server_t *s = arg;
    size_t p;
    if (!request_participant(s, req, &p)) {
        reply_error(req, TCVM_EPERM, "not authenticated as a participant");
        return;
    }
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
    if (path == NULL) {
        reply_error(req, TCVM_EINVAL, "malformed request target");
        return;
    }
    const char *who = tcvm_host_manifest(s->host)->participants[p].id;
    logf_(s, "%s %s %.200s", who, method == EVHTTP_REQ_PUT ? "PUT" : "GET", path);
    const char *id;
    char *text = NULL;
    size_t size = 0;
    if (method == EVHTTP_REQ_GET) {
        tcvm_status_t st = TCVM_ENOENT;
        const char *type = "application/json";
        if (strcmp(path, "/v1/evidence") == 0) {
            do_evidence(s, req, p, query);
            return;
        }
        if ((id = id_after(path, "/v1/outputs/")) != NULL) {
            do_output(s, req, p, id, false);
            return;
        }
        if ((id = id_after(path, "/v1/logs/")) != NULL) {
            do_output(s, req, p, id, true);
            return;
        }
        if (strcmp(path, "/v1/manifest") == 0) {
            st = tcvm_host_bundle(s->host, &text, &size);
        } else if (strcmp(path, "/v1/status") == 0) {
            st = tcvm_host_status_json(s->host, p, &text, &size);
        } else if (strcmp(path, "/v1/outputs") == 0) {
            st = tcvm_host_outputs_json(s->host, p, &text, &size);
        } else if (strcmp(path, "/v1/transcript") == 0) {
            st = tcvm_host_transcript(s->host, &text, &size);
            type = "text/plain";
        } else {
            reply_error(req, TCVM_ENOENT, "no such endpoint (see docs/api.md)");
            return;
        }
        do_text(req, st, type, text, size);
        return;
    }
    if (method == EVHTTP_REQ_PUT) {
        if ((id = id_after(path, "/v1/components/")) != NULL) {
            do_upload(s, req, p, TCVM_HOST_COMPONENT, id);
            return;
        }
        if ((id = id_after(path, "/v1/inputs/")) != NULL) {
            do_upload(s, req, p, TCVM_HOST_INPUT, id);
            return;
        }
    }
    /* the input buffer of an unknown PUT is dropped with the request */
    reply_error(req, TCVM_ENOENT, "no such endpoint (see docs/api.md)");
}

tcvm_status_t tcvm_net_server_new(tcvm_host_t *host, const char *address, uint16_t port,
                                  void (*log)(void *arg, const char *line), void *log_arg,
                                  tcvm_net_server_t **out, tcvm_error_t *err)
{
    static int threads_ready = -1;
    if (threads_ready < 0)
        threads_ready = evthread_use_pthreads();
    tcvm_net_server_t *s = tcvm__calloc(1, sizeof *s);
    if (s == NULL)
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    s->host = host;
    s->log = log;
    s->log_arg = log_arg;
    const tcvm_manifest_t *m = tcvm_host_manifest(host);
    uint8_t(*keys)[32] = tcvm__calloc(m->participant_count, 32);
    if (keys == NULL) {
        tcvm__free(s);
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < m->participant_count; i++)
        memcpy(keys[i], m->participants[i].signing_key, 32);
    tcvm_status_t st = tcvm__tls_server_new(tcvm_host_key(host), (const uint8_t(*)[32])keys,
                                            m->participant_count, on_tls_refused, s, &s->tls, err);
    tcvm__free(keys);
    if (st != TCVM_OK)
        goto fail;
    s->base = event_base_new();
    s->http = s->base ? evhttp_new(s->base) : NULL;
    if (s->http == NULL) {
        st = tcvm__errorf(err, TCVM_NET_FAILED, "cannot set up the event loop");
        goto fail;
    }
    /* evhttp refuses a body over this before reading it (413); each asset's own limit is
     * checked by the runtime. */
    uint64_t max_body = 0;
    for (size_t i = 0; i < m->component_count; i++) {
        uint64_t l = tcvm_host_asset_limit(host, TCVM_HOST_COMPONENT, m->components[i].id);
        max_body = l > max_body ? l : max_body;
    }
    for (size_t i = 0; i < m->input_count; i++) {
        uint64_t l = tcvm_host_asset_limit(host, TCVM_HOST_INPUT, m->inputs[i].id);
        max_body = l > max_body ? l : max_body;
    }
    evhttp_set_max_body_size(s->http, (ev_ssize_t)max_body);
    evhttp_set_max_headers_size(s->http, 16384);
    evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_PUT);
    evhttp_set_timeout(s->http, 120);
    evhttp_set_bevcb(s->http, make_bev, s);
    evhttp_set_gencb(s->http, handle, s);
    struct evhttp_bound_socket *bound = evhttp_bind_socket_with_handle(s->http, address, port);
    if (bound == NULL) {
        st = tcvm__errorf(err, TCVM_NET_FAILED, "cannot listen on %s:%u", address,
                          (unsigned)port);
        goto fail;
    }
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    evutil_socket_t fd = evhttp_bound_socket_get_fd(bound);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET)
            s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        else if (ss.ss_family == AF_INET6)
            s->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    *out = s;
    return TCVM_OK;
fail:
    tcvm_net_server_destroy(s);
    return st;
}

uint16_t tcvm_net_server_port(const tcvm_net_server_t *s)
{
    return s->port;
}

tcvm_status_t tcvm_net_server_run(tcvm_net_server_t *s)
{
    return event_base_dispatch(s->base) < 0 ? TCVM_NET_FAILED : TCVM_OK;
}

void tcvm_net_server_stop(tcvm_net_server_t *s)
{
    event_base_loopbreak(s->base);
}

void tcvm_net_server_destroy(tcvm_net_server_t *s)
{
    if (s == NULL)
        return;
    if (s->http)
        evhttp_free(s->http);
    if (s->base)
        event_base_free(s->base);
    tcvm__tls_server_free(s->tls);
    tcvm__free(s);
}
