/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The request dispatcher of the runtime's HTTPS service: from an authenticated participant, a
 * method, a request target, the digest header and a body, to a reply. Every piece is untrusted:
 * the target is parsed with libevent's URI and query parsers, ids must be manifest ids
 * ([a-z0-9._-], at most 64 bytes), the nonce and the digest exactly 64 hex digits; anything else
 * is a 400 or 404 with a JSON error. The runtime (tcvm/host.h) decides everything else. Status
 * codes map to HTTP codes here, in one table.
 */
#include "net/net_internal.h"

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <sys/queue.h>

#include "tcvm/net.h"

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
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
    }
}

static void reply(tcvm_net_reply_t *out, int code, const char *type, const void *data, size_t size)
{
    out->code = code;
    out->reason = reason_phrase(code);
    out->type = type;
    out->body.size = 0;
    if (tcvm__buf_append(&out->body, data, size) != TCVM_OK) {
        out->code = 500;
        out->reason = reason_phrase(500);
        out->body.size = 0;
    }
}

static void reply_error(tcvm_net_reply_t *out, tcvm_status_t st, const char *message)
{
    json_t *j = json_object();
    if (j != NULL) {
        json_object_set_new(j, "status", json_string(tcvm_status_name(st)));
        json_object_set_new(j, "error", json_string(message));
    }
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(j);
    reply(out, http_code(st), "application/json", text ? text : "{}", text ? strlen(text) : 2);
    free(text);
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

static bool hex64(const char *hex, uint8_t out[32])
{
    return hex != NULL && strlen(hex) == 64 && tcvm__hex_decode(hex, 64, out, 32);
}

static bool evidence_nonce(const char *query, uint8_t nonce[TCVM_HOST_NONCE_SIZE])
{
    struct evkeyvalq params;
    TAILQ_INIT(&params);
    bool ok = query != NULL && evhttp_parse_query_str(query, &params) == 0 &&
              hex64(evhttp_find_header(&params, "nonce"), nonce);
    evhttp_clear_headers(&params);
    return ok;
}

void tcvm__net_evidence_reply(tcvm_host_t *host, size_t p,
                              const uint8_t nonce[TCVM_HOST_NONCE_SIZE], tcvm_net_reply_t *out)
{
    out->body = (tcvm_buf_t){0};
    uint8_t *ev = NULL;
    size_t size = 0;
    tcvm_error_t err = {0};
    tcvm_status_t st = tcvm_host_evidence(host, p, nonce, &ev, &size, &err);
    if (st != TCVM_OK) {
        reply_error(out, st, err.message);
        return;
    }
    reply(out, 200, "application/octet-stream", ev, size);
    tcvm_seal_free(ev);
}

bool tcvm__net_evidence_request(bool put, const char *uri_text,
                                uint8_t out_nonce[TCVM_HOST_NONCE_SIZE])
{
    if (put || uri_text == NULL)
        return false;
    struct evhttp_uri *uri = evhttp_uri_parse_with_flags(uri_text, 0);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    bool ok = path != NULL && strcmp(path, "/v1/evidence") == 0 &&
              evidence_nonce(evhttp_uri_get_query(uri), out_nonce);
    if (uri != NULL)
        evhttp_uri_free(uri);
    return ok;
}

static void do_evidence(tcvm_host_t *host, size_t p, const char *query, tcvm_net_reply_t *out)
{
    uint8_t nonce[TCVM_HOST_NONCE_SIZE];
    if (!evidence_nonce(query, nonce)) {
        reply_error(out, TCVM_EINVAL, "give ?nonce= with 64 hex digits (a fresh 32-byte nonce)");
        return;
    }
    tcvm__net_evidence_reply(host, p, nonce, out);
}

static void do_upload(tcvm_host_t *host, size_t p, tcvm_host_asset_kind_t kind, const char *id,
                      const char *digest_header, const uint8_t *body, size_t size,
                      tcvm_net_reply_t *out)
{
    uint8_t claimed[TCVM_DIGEST_SIZE];
    if (!hex64(digest_header, claimed)) {
        tcvm_host_record_refusal(host, p, "upload", "no " TCVM_NET_DIGEST_HEADER " header");
        reply_error(out, TCVM_EINVAL,
                    "state the SHA-256 of the body in the " TCVM_NET_DIGEST_HEADER " header");
        return;
    }
    tcvm_error_t err = {0};
    tcvm_status_t st = tcvm_host_upload(host, p, kind, id, body ? body : (const uint8_t *)"",
                                        size, claimed, &err);
    if (st != TCVM_OK) {
        reply_error(out, st, err.message);
        return;
    }
    json_t *j = json_pack("{s:s, s:s, s:I, s:s}", "accepted", tcvm_host_asset_kind_name(kind),
                          "id", id, "size", (json_int_t)size, "state",
                          tcvm_host_state_name(tcvm_host_state(host)));
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(j);
    reply(out, 200, "application/json", text ? text : "{}", text ? strlen(text) : 2);
    free(text);
}

static void do_sealed(tcvm_host_t *host, size_t p, const char *id, bool log,
                      tcvm_net_reply_t *out)
{
    uint8_t *data = NULL;
    size_t size = 0;
    tcvm_error_t err = {0};
    tcvm_status_t st = log ? tcvm_host_log(host, p, id, &data, &size, &err)
                           : tcvm_host_output(host, p, id, &data, &size, &err);
    if (st != TCVM_OK) {
        reply_error(out, st, err.message);
        return;
    }
    reply(out, 200, "application/octet-stream", data, size);
    tcvm_seal_free(data);
}

void tcvm__net_dispatch(tcvm_host_t *host, size_t p, bool put, const char *uri_text,
                        const char *digest_header, const uint8_t *body, size_t body_size,
                        tcvm_net_reply_t *out)
{
    out->body = (tcvm_buf_t){0};
    struct evhttp_uri *uri = uri_text ? evhttp_uri_parse_with_flags(uri_text, 0) : NULL;
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
    const char *id;
    if (path == NULL) {
        reply_error(out, TCVM_EINVAL, "malformed request target");
    } else if (!put) {
        char *text = NULL;
        size_t size = 0;
        tcvm_status_t st = TCVM_ENOENT;
        const char *type = "application/json";
        if (strcmp(path, "/v1/evidence") == 0) {
            do_evidence(host, p, query, out);
            goto done;
        } else if ((id = id_after(path, "/v1/outputs/")) != NULL) {
            do_sealed(host, p, id, false, out);
            goto done;
        } else if ((id = id_after(path, "/v1/logs/")) != NULL) {
            do_sealed(host, p, id, true, out);
            goto done;
        } else if (strcmp(path, "/v1/manifest") == 0) {
            st = tcvm_host_bundle(host, &text, &size);
        } else if (strcmp(path, "/v1/status") == 0) {
            st = tcvm_host_status_json(host, p, &text, &size);
        } else if (strcmp(path, "/v1/outputs") == 0) {
            st = tcvm_host_outputs_json(host, p, &text, &size);
        } else if (strcmp(path, "/v1/transcript") == 0) {
            st = tcvm_host_transcript(host, &text, &size);
            type = "text/plain";
        } else {
            reply_error(out, TCVM_ENOENT, "no such endpoint (see docs/api.md)");
            goto done;
        }
        if (st == TCVM_OK)
            reply(out, 200, type, text, size);
        else
            reply_error(out, st, tcvm_status_message(st));
        tcvm_seal_free(text);
    } else if ((id = id_after(path, "/v1/components/")) != NULL) {
        do_upload(host, p, TCVM_HOST_COMPONENT, id, digest_header, body, body_size, out);
    } else if ((id = id_after(path, "/v1/inputs/")) != NULL) {
        do_upload(host, p, TCVM_HOST_INPUT, id, digest_header, body, body_size, out);
    } else {
        reply_error(out, TCVM_ENOENT, "no such endpoint (see docs/api.md)");
    }
done:
    if (uri != NULL)
        evhttp_uri_free(uri);
}
