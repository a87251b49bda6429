/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime's HTTPS service: libevent's evhttp (which does all HTTP parsing) over
 * bufferevent_openssl with the TLS context of src/crypto/tls.c. Authentication happens in the
 * handshake (only manifest signing keys get through); each request then looks up the
 * participant from the connection's verified client key and hands the request to the runtime
 * (tcvm/host.h), which decides. This file holds the connection side: the TLS bufferevents, who
 * is asking, the body and the reply; dispatch.c turns a request into a reply. Evidence requests
 * go to a worker thread (asking the TEE for a report can be slow) and their replies come back
 * to the loop through event_base_once, so no request waits for the TEE. No policy lives
 * here except the per-body size cap evhttp enforces before the body is read (the largest asset
 * limit). The endpoints are documented in docs/api.md.
 */
#include "tcvm/net.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include "base/base.h"
#include "crypto/tls.h"
#include "net/net_internal.h"

/* An evidence request on its way through the worker thread and back to the loop. */
typedef struct evidence_job {
    struct evidence_job *next;
    tcvm_net_server_t *s;
    struct evhttp_request *req;
    size_t p;
    uint8_t nonce[TCVM_HOST_NONCE_SIZE];
    tcvm_net_reply_t reply;
} evidence_job_t;

struct tcvm_net_server {
    tcvm_host_t *host;
    tcvm_tls_server_t *tls;
    struct event_base *base;
    struct evhttp *http;
    uint16_t port;
    void (*log)(void *arg, const char *line);
    void *log_arg;
    unsigned long tls_refused;
    /* the evidence worker: asking the TEE can be slow, so it never runs on the event loop */
    pthread_t worker;
    bool worker_running;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    evidence_job_t *queue, *queue_tail;
    evidence_job_t *undelivered; /* replies the loop could not be handed (out of memory) */
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

/* Handshakes refused individually recorded in the transcript; past this, only counts at
 * powers of two, so that anyone on the network cannot fill the transcript (its caps would fail
 * the job) by knocking with certificates. */
#define TLS_REFUSALS_RECORDED 64u

static void on_tls_refused(void *arg, const uint8_t *key)
{
    tcvm_net_server_t *s = arg;
    unsigned long n = ++s->tls_refused; /* handshakes run on the event loop thread only */
    char reason[160];
    if (key != NULL) {
        char text[TCVM_SIGN_PUBLIC_TEXT_SIZE];
        tcvm_sign_public_format(key, text);
        snprintf(reason, sizeof reason, "TLS client key %s is not a participant's", text);
    } else {
        snprintf(reason, sizeof reason, "TLS client certificate without an Ed25519 key");
    }
    logf_(s, "refused handshake: %s", reason);
    if (n <= TLS_REFUSALS_RECORDED) {
        tcvm_host_record_refusal(s->host, TCVM_HOST_NOBODY, "tls handshake", reason);
    } else if ((n & (n - 1)) == 0) {
        snprintf(reason, sizeof reason, "%lu TLS handshakes refused so far (only the first %u "
                                        "are recorded one by one)",
                 n, TLS_REFUSALS_RECORDED);
        tcvm_host_record_refusal(s->host, TCVM_HOST_NOBODY, "tls handshake", reason);
    }
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

static void send_reply(struct evhttp_request *req, const tcvm_net_reply_t *r)
{
    struct evbuffer *b = evbuffer_new();
    if (b != NULL && r->body.size && evbuffer_add(b, r->body.data, r->body.size) != 0) {
        evbuffer_free(b);
        b = NULL;
    }
    if (b == NULL) {
        evhttp_send_error(req, 500, "Internal Server Error");
        return;
    }
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", r->type);
    evhttp_send_reply(req, r->code, r->reason, b);
    evbuffer_free(b);
}

/* On the loop thread: sends a finished evidence reply. A request whose connection closed in the
 * meantime was detached by evhttp and is freed by evhttp_send_reply. */
static void deliver(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    evidence_job_t *j = arg;
    logf_(j->s, "%s GET /v1/evidence -> %d", tcvm_host_manifest(j->s->host)->participants[j->p].id,
          j->reply.code);
    send_reply(j->req, &j->reply);
    tcvm__buf_free(&j->reply.body);
    tcvm__free(j);
}

static void *evidence_worker(void *arg)
{
    tcvm_net_server_t *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        while (s->queue == NULL && !s->stopping)
            pthread_cond_wait(&s->wake, &s->lock);
        evidence_job_t *j = s->queue;
        if (j == NULL) { /* stopping, and the queue is drained */
            pthread_mutex_unlock(&s->lock);
            return NULL;
        }
        s->queue = j->next;
        if (s->queue == NULL)
            s->queue_tail = NULL;
        pthread_mutex_unlock(&s->lock);
        tcvm__net_evidence_reply(s->host, j->p, j->nonce, &j->reply);
        struct timeval now = {0, 0};
        if (event_base_once(s->base, -1, EV_TIMEOUT, deliver, j, &now) != 0) {
            pthread_mutex_lock(&s->lock);
            j->next = s->undelivered;
            s->undelivered = j;
            pthread_mutex_unlock(&s->lock);
        }
    }
}

static void handle(struct evhttp_request *req, void *arg)
{
    tcvm_net_server_t *s = arg;
    tcvm_net_reply_t r = {0};
    size_t p;
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    const char *uri = evhttp_request_get_uri(req);
    if (!request_participant(s, req, &p)) {
        /* cannot happen past the handshake; refuse anyway rather than guess */
        evhttp_send_error(req, 403, "Forbidden");
        return;
    }
    const char *who = tcvm_host_manifest(s->host)->participants[p].id;
    uint8_t nonce[TCVM_HOST_NONCE_SIZE];
    if (s->worker_running && tcvm__net_evidence_request(method == EVHTTP_REQ_PUT, uri, nonce)) {
        evidence_job_t *j = tcvm__calloc(1, sizeof *j);
        if (j == NULL) {
            evhttp_send_error(req, 500, "Internal Server Error");
            return;
        }
        j->s = s;
        j->req = req;
        j->p = p;
        memcpy(j->nonce, nonce, sizeof nonce);
        pthread_mutex_lock(&s->lock);
        if (s->queue_tail)
            s->queue_tail->next = j;
        else
            s->queue = j;
        s->queue_tail = j;
        pthread_cond_signal(&s->wake);
        pthread_mutex_unlock(&s->lock);
        return; /* answered by deliver() */
    }
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t size = evbuffer_get_length(in);
    /* evbuffer_pullup makes the body contiguous in place (no second copy of the body). */
    const uint8_t *body = size ? evbuffer_pullup(in, -1) : NULL;
    if (size && body == NULL) {
        evhttp_send_error(req, 500, "Internal Server Error");
        return;
    }
    const char *digest =
        evhttp_find_header(evhttp_request_get_input_headers(req), TCVM_NET_DIGEST_HEADER);
    tcvm__net_dispatch(s->host, p, method == EVHTTP_REQ_PUT, uri, digest, body, size, &r);
    evbuffer_drain(in, size);
    if (s->log != NULL) {
        /* the target is the client's text: keep control characters out of the operator's log */
        char shown[201];
        size_t n = 0;
        for (const char *u = uri ? uri : "?"; *u && n < sizeof shown - 1; u++)
            shown[n++] = (*u >= 0x20 && *u < 0x7f) ? *u : '?';
        shown[n] = '\0';
        logf_(s, "%s %s %s -> %d", who, method == EVHTTP_REQ_PUT ? "PUT" : "GET", shown, r.code);
    }
    send_reply(req, &r);
    tcvm__buf_free(&r.body);
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
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
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
    /* without the worker, evidence is answered on the loop like any request */
    s->worker_running = pthread_create(&s->worker, NULL, evidence_worker, s) == 0;
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
    if (s->worker_running) {
        /* the worker answers what is queued, hands it to the loop, and ends; the loop then
         * delivers those replies while the connections still exist */
        pthread_mutex_lock(&s->lock);
        s->stopping = true;
        pthread_cond_signal(&s->wake);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->worker, NULL);
        event_base_loop(s->base, EVLOOP_NONBLOCK);
    }
    if (s->http)
        evhttp_free(s->http);
    /* Closing connections defers the release of their TLS bufferevents to the loop: run it
     * once so that every connection's SSL object is freed before the base is. */
    if (s->base) {
        event_base_loop(s->base, EVLOOP_NONBLOCK);
        event_base_free(s->base);
    }
    while (s->undelivered != NULL) { /* their requests went with their connections */
        evidence_job_t *j = s->undelivered;
        s->undelivered = j->next;
        tcvm__buf_free(&j->reply.body);
        tcvm__free(j);
    }
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    tcvm__tls_server_free(s->tls);
    tcvm__free(s);
}
