/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The participant's client (tcvm/net.h) on libcurl. One curl handle per client keeps one
 * connection, so verification and what follows it run in the same TLS session. The client
 * presents a self-signed certificate for its manifest signing key; it trusts the runtime's TLS
 * key only through attestation: the evidence for a fresh nonce must bind (REPORT_DATA) the
 * digest of the participant's own manifest, the TLS key this connection presented, and the
 * nonce. Until that check passes no request but the evidence request is sent; after it, the key
 * is pinned in the TLS context, so a reconnection to any other key fails in the handshake.
 */
#include "tcvm/net.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include <pthread.h>
#include <time.h>

#include "base/base.h"
#include "crypto/crypto.h"
#include "crypto/tls.h"

#define CLIENT_MAX_RESPONSE ((size_t)2 << 30)

struct tcvm_net_client {
    CURL *curl;
    char *url;
    const tcvm_manifest_t *manifest;
    bool allow_simulated;
    char *cert_dir;
    tcvm_buf_t cert_pem;
    tcvm_buf_t key_pem;
    tcvm_tls_client_peer_t peer;
    unsigned long connections;
    bool verified;
    uint8_t nonce[TCVM_HOST_NONCE_SIZE];
    tcvm_buf_t response;
    tcvm_error_t err;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_status = CURLE_FAILED_INIT;

static void curl_init(void)
{
    curl_init_status = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *arg)
{
    tcvm_net_client_t *c = arg;
    size_t n = size * nmemb;
    if (c->response.size + n > CLIENT_MAX_RESPONSE ||
        tcvm__buf_append(&c->response, data, n) != TCVM_OK)
        return 0; /* makes curl fail the transfer */
    return n;
}

static CURLcode on_ssl_ctx(CURL *curl, void *ssl_ctx, void *arg)
{
    (void)curl;
    tcvm_net_client_t *c = arg;
    return tcvm__tls_client_setup(ssl_ctx, &c->peer) == TCVM_OK ? CURLE_OK
                                                                : CURLE_SSL_CONNECT_ERROR;
}

tcvm_status_t tcvm_net_client_new(const tcvm_net_client_config_t *cfg, tcvm_net_client_t **out,
                                  tcvm_error_t *err)
{
    pthread_once(&curl_once, curl_init);
    if (curl_init_status != CURLE_OK)
        return tcvm__errorf(err, TCVM_NET_FAILED, "libcurl cannot be initialised");
    if (cfg->url == NULL || strncmp(cfg->url, "https://", 8) != 0)
        return tcvm__errorf(err, TCVM_EINVAL, "the runtime's URL must start with https://");
    tcvm_net_client_t *c = tcvm__calloc(1, sizeof *c);
    if (c == NULL)
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    tcvm_status_t st;
    c->manifest = cfg->manifest;
    c->allow_simulated = cfg->allow_simulated;
    c->url = tcvm__strdup(cfg->url);
    c->cert_dir = cfg->cert_dir ? tcvm__strdup(cfg->cert_dir) : NULL;
    c->curl = curl_easy_init();
    if (c->url == NULL || c->curl == NULL || (cfg->cert_dir && c->cert_dir == NULL)) {
        st = tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
        goto fail;
    }
    size_t len = strlen(c->url);
    while (len > 8 && c->url[len - 1] == '/')
        c->url[--len] = '\0';
    st = tcvm__tls_client_credentials(cfg->key, &c->cert_pem, &c->key_pem, err);
    if (st != TCVM_OK)
        goto fail;
    struct curl_blob cert = {c->cert_pem.data, c->cert_pem.size, CURL_BLOB_NOCOPY};
    struct curl_blob key = {c->key_pem.data, c->key_pem.size, CURL_BLOB_NOCOPY};
    CURL *h = c->curl;
    /* Trust comes from the evidence, not from a CA: OpenSSL's chain verdict is replaced by the
     * verify callback tcvm__tls_client_setup installs (record, then pin the key). */
    if (curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM") != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM") != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_SSLVERSION,
                         (long)(CURL_SSLVERSION_TLSv1_3 | CURL_SSLVERSION_MAX_DEFAULT)) !=
            CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_SSL_SESSIONID_CACHE, 0L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, c) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_WRITEDATA, c) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK ||
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, cfg->timeout_ms > 0 ? cfg->timeout_ms : 60000L) !=
            CURLE_OK) {
        st = tcvm__errorf(err, TCVM_NET_FAILED,
                          "this libcurl lacks an option 2cvm needs (TLS 1.3, certificate blobs)");
        goto fail;
    }
    *out = c;
    return TCVM_OK;
fail:
    tcvm_net_client_destroy(c);
    return st;
}

void tcvm_net_client_destroy(tcvm_net_client_t *c)
{
    if (c == NULL)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    tcvm__free(c->url);
    tcvm__free(c->cert_dir);
    tcvm__buf_free(&c->cert_pem);
    tcvm__buf_free_secret(&c->key_pem);
    tcvm__buf_free(&c->response);
    tcvm__free(c);
}

const tcvm_error_t *tcvm_net_client_error(const tcvm_net_client_t *c)
{
    return &c->err;
}

unsigned long tcvm_net_client_handshakes(const tcvm_net_client_t *c)
{
    return c->connections;
}

void tcvm_net_client_session(const tcvm_net_client_t *c, uint8_t out_nonce[TCVM_HOST_NONCE_SIZE],
                             uint8_t out_runtime_key[TCVM_SIGN_PUBLIC_SIZE])
{
    memcpy(out_nonce, c->nonce, TCVM_HOST_NONCE_SIZE);
    memcpy(out_runtime_key, c->peer.pinned ? c->peer.pin : c->peer.key, TCVM_SIGN_PUBLIC_SIZE);
}

/* One transfer; the body is in c->response. */
static tcvm_status_t perform(tcvm_net_client_t *c, const char *method, const char *path,
                             const uint8_t *body, size_t body_size, const char *extra_header,
                             long *out_code)
{
    char url[2048];
    if ((size_t)snprintf(url, sizeof url, "%s%s", c->url, path) >= sizeof url)
        return tcvm__errorf(&c->err, TCVM_EINVAL, "URL too long");
    c->response.size = 0;
    CURL *h = c->curl;
    struct curl_slist *headers = curl_slist_append(NULL, "Expect:");
    if (headers && extra_header)
        headers = curl_slist_append(headers, extra_header);
    if (headers == NULL)
        return tcvm__errorf(&c->err, TCVM_ENOMEM, "out of memory");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    if (strcmp(method, "PUT") == 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? (const char *)body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_size);
    } else {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    char curl_err[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
    CURLcode rc = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) {
        if (c->peer.refused)
            return tcvm__errorf(&c->err, TCVM_NET_REFUSED,
                                "%s: the server presented a TLS key other than the attested one",
                                c->url);
        if (rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
            rc == CURLE_GOT_NOTHING)
            return tcvm__errorf(&c->err, TCVM_NET_REFUSED,
                                "%s: the TLS session failed (%s); the runtime accepts only the "
                                "signing keys of the manifest's participants",
                                c->url, curl_err[0] ? curl_err : curl_easy_strerror(rc));
        return tcvm__errorf(&c->err, TCVM_NET_FAILED, "%s: %s", url,
                            curl_err[0] ? curl_err : curl_easy_strerror(rc));
    }
    long code = 0, connects = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
    c->connections += (unsigned long)(connects > 0 ? connects : 0);
    *out_code = code;
    return TCVM_OK;
}

/* The server's JSON error message from the last response, or a generic one. */
static void server_message(tcvm_net_client_t *c, long code, char *out, size_t out_size)
{
    json_t *j = json_loadb((const char *)c->response.data, c->response.size, 0, NULL);
    const char *msg = j ? json_string_value(json_object_get(j, "error")) : NULL;
    snprintf(out, out_size, "HTTP %ld: %s", code, msg ? msg : "no detail");
    json_decref(j);
}

tcvm_status_t tcvm_net_check_evidence(const tcvm_manifest_t *manifest, const uint8_t *evidence,
                                      size_t size,
                                      const uint8_t runtime_key[TCVM_SIGN_PUBLIC_SIZE],
                                      const uint8_t nonce[TCVM_HOST_NONCE_SIZE],
                                      bool allow_simulated, const char *cert_dir,
                                      tcvm_attest_result_t *out_result)
{
    tcvm_attest_result_t local;
    tcvm_attest_result_t *res = out_result ? out_result : &local;
    memset(res, 0, sizeof *res);
    tcvm_attest_policy_t *policy = tcvm__calloc(1, sizeof *policy);
    tcvm_attest_evidence_t *ev = NULL;
    tcvm_attest_verifier_t *v = NULL;
    tcvm_error_t err = {0};
    json_t *doc = NULL;
    char *runtime = NULL;
    tcvm_status_t st;
    if (policy == NULL) {
        st = TCVM_ENOMEM;
        snprintf(res->message, sizeof res->message, "out of memory");
        goto done;
    }
    tcvm_attest_policy_init(policy, (int64_t)time(NULL));
    doc = json_loadb((const char *)manifest->bytes, manifest->size, 0, NULL);
    runtime = doc ? json_dumps(json_object_get(doc, "runtime"), JSON_COMPACT) : NULL;
    st = runtime ? tcvm_attest_policy_apply_runtime_json(policy, runtime, strlen(runtime), &err)
                 : TCVM_ENOMEM;
    if (st != TCVM_OK) {
        snprintf(res->message, sizeof res->message, "the manifest's runtime section: %.400s",
                 err.message);
        goto done;
    }
    /* A sim manifest does not by itself make simulated evidence acceptable: only the
     * participant's explicit choice does. */
    policy->allow_simulated = allow_simulated;
    policy->has_host_data = true;
    memcpy(policy->host_data, manifest->digest, TCVM_SNP_HOST_DATA_SIZE);
    policy->has_report_data = true;
    st = tcvm_host_report_data(manifest->digest, runtime_key, nonce, policy->report_data);
    if (st == TCVM_OK)
        st = tcvm_attest_evidence_parse(evidence, size, &ev, &err);
    if (st != TCVM_OK) {
        res->status = st;
        res->check = TCVM_ATTEST_CHECK_FORMAT;
        snprintf(res->message, sizeof res->message, "%s", err.message);
        goto done;
    }
    st = tcvm_attest_verifier_new(policy, &v);
    if (st == TCVM_OK && cert_dir != NULL)
        st = tcvm_attest_verifier_add_cert_dir(v, cert_dir);
    if (st != TCVM_OK) {
        snprintf(res->message, sizeof res->message, "cannot set up the verifier: %.400s",
                 v ? tcvm_attest_verifier_error(v)->message : tcvm_status_message(st));
        goto done;
    }
    st = tcvm_attest_verifier_verify(v, ev, res);
done:
    if (st != TCVM_OK && res->status == TCVM_OK)
        res->status = st;
    free(runtime);
    json_decref(doc);
    tcvm_attest_verifier_destroy(v);
    tcvm_attest_evidence_destroy(ev);
    tcvm__free(policy);
    return st;
}

tcvm_status_t tcvm_net_client_verify(tcvm_net_client_t *c, tcvm_attest_result_t *out_result,
                                     uint8_t **out_evidence, size_t *out_size)
{
    tcvm_attest_result_t local;
    tcvm_attest_result_t *res = out_result ? out_result : &local;
    memset(res, 0, sizeof *res);
    if (c->verified)
        return tcvm__errorf(&c->err, TCVM_ESTATE, "this session is already verified");
    tcvm_status_t st = tcvm__random(c->nonce, sizeof c->nonce);
    if (st != TCVM_OK)
        return tcvm__errorf(&c->err, st, "no randomness for the nonce");
    char hex[2 * TCVM_HOST_NONCE_SIZE + 1];
    tcvm__hex_encode(c->nonce, sizeof c->nonce, hex, sizeof hex);
    char path[128];
    snprintf(path, sizeof path, "/v1/evidence?nonce=%s", hex);
    long code = 0;
    st = perform(c, "GET", path, NULL, 0, NULL, &code);
    if (st != TCVM_OK)
        return st;
    if (code != 200) {
        char msg[TCVM_ERROR_MSG_SIZE];
        server_message(c, code, msg, sizeof msg);
        return tcvm__errorf(&c->err, TCVM_NET_REFUSED, "evidence: %s", msg);
    }
    if (!c->peer.seen || c->connections != 1)
        return tcvm__errorf(&c->err, TCVM_NET_PROTOCOL,
                            "could not tell which TLS key the runtime presented");
    st = tcvm_net_check_evidence(c->manifest, c->response.data, c->response.size, c->peer.key,
                                 c->nonce, c->allow_simulated, c->cert_dir, res);
    if (st != TCVM_OK)
        return tcvm__errorf(&c->err, st, "attestation refused (%s): %s",
                            res->check ? res->check : "setup", res->message);
    memcpy(c->peer.pin, c->peer.key, sizeof c->peer.pin);
    c->peer.pinned = true;
    c->verified = true;
    if (out_evidence != NULL) {
        uint8_t *copy = tcvm__memdup(c->response.data, c->response.size);
        if (copy == NULL)
            return tcvm__errorf(&c->err, TCVM_ENOMEM, "out of memory");
        *out_evidence = copy;
        *out_size = c->response.size;
    }
    return TCVM_OK;
}

tcvm_status_t tcvm_net_client_request(tcvm_net_client_t *c, const char *method, const char *path,
                                      const uint8_t *body, size_t body_size,
                                      const char *extra_header, long *out_code, uint8_t **out,
                                      size_t *out_size)
{
    /* The rule the whole client rests on: nothing but the evidence request before the runtime
     * has proved it runs the agreed build locked to this participant's manifest. */
    if (!c->verified || !c->peer.pinned)
        return tcvm__errorf(&c->err, TCVM_ESTATE,
                            "the runtime has not been verified in this session");
    long code = 0;
    tcvm_status_t st = perform(c, method, path, body, body_size, extra_header, &code);
    if (st != TCVM_OK)
        return st;
    if (!tcvm__ct_equal(c->peer.key, c->peer.pin, 32))
        return tcvm__errorf(&c->err, TCVM_NET_REFUSED, "the runtime's TLS key changed");
    uint8_t *copy = tcvm__memdup(c->response.data ? c->response.data : (const uint8_t *)"",
                                 c->response.size);
    if (copy == NULL)
        return tcvm__errorf(&c->err, TCVM_ENOMEM, "out of memory");
    if (code != 200) {
        char msg[TCVM_ERROR_MSG_SIZE];
        server_message(c, code, msg, sizeof msg);
        tcvm__errorf(&c->err, TCVM_NET_REFUSED, "%s", msg);
    }
    *out_code = code;
    *out = copy;
    *out_size = c->response.size;
    return TCVM_OK;
}

tcvm_status_t tcvm_net_client_upload(tcvm_net_client_t *c, const char *collection,
                                     const char *id, const char *path, size_t part_size,
                                     tcvm_net_upload_result_t *out)
{
    memset(out, 0, sizeof *out);
    if (part_size == 0 || part_size > TCVM_NET_UPLOAD_PART_MAX)
        part_size = TCVM_NET_UPLOAD_PART_MAX;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return tcvm__errorf(&c->err, TCVM_EIO, "cannot open %s: %s", path, strerror(errno));
    struct stat st_file;
    if (fstat(fileno(f), &st_file) != 0 || !S_ISREG(st_file.st_mode)) {
        fclose(f);
        return tcvm__errorf(&c->err, TCVM_EIO, "%s is not a regular file", path);
    }
    uint64_t total = (uint64_t)st_file.st_size;
    uint8_t *part = tcvm__malloc(part_size);
    tcvm_hash_ctx_t *hash = NULL;
    tcvm_status_t st = part == NULL ? TCVM_ENOMEM : tcvm__hash_init(TCVM_HASH_SHA256, &hash);
    if (st != TCVM_OK) {
        tcvm__free(part);
        fclose(f);
        return tcvm__errorf(&c->err, st, "out of memory");
    }
    uint64_t offset = 0;
    for (;;) {
        size_t want = total - offset < part_size ? (size_t)(total - offset) : part_size;
        size_t got = want ? fread(part, 1, want, f) : 0;
        if (got != want) {
            st = tcvm__errorf(&c->err, TCVM_EIO, "%s: read failed or the file shrank at byte %llu",
                              path, (unsigned long long)(offset + got));
            break;
        }
        bool last = offset + got == total;
        char header[128] = "";
        if ((st = tcvm__hash_update(hash, part, got)) != TCVM_OK)
            break;
        if (last) {
            if (fgetc(f) != EOF) {
                st = tcvm__errorf(&c->err, TCVM_EIO, "%s grew while it was uploaded", path);
                break;
            }
            st = tcvm__hash_final(hash, out->sha256);
            hash = NULL;
            if (st != TCVM_OK)
                break;
            char hex[65];
            tcvm__hex_encode(out->sha256, 32, hex, sizeof hex);
            snprintf(header, sizeof header, "%s: %s", TCVM_NET_DIGEST_HEADER, hex);
        }
        char target[256];
        snprintf(target, sizeof target, "/v1/%.16s/%.64s?offset=%llu&last=%d", collection, id,
                 (unsigned long long)offset, last ? 1 : 0);
        tcvm_seal_free(out->response);
        out->response = NULL;
        st = tcvm_net_client_request(c, "PUT", target, part, got, last ? header : NULL,
                                     &out->code, &out->response, &out->response_size);
        if (st != TCVM_OK)
            break;
        out->parts++;
        offset += got;
        out->sent = offset;
        if (out->code != 200 || last)
            break;
    }
    tcvm__hash_free(hash);
    tcvm__wipe(part, part_size);
    tcvm__free(part);
    fclose(f);
    return st;
}
