/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime's HTTPS service and the participant's client in one process over loopback: a
 * participant verifies and then works in one TLS session; nothing but the evidence request goes
 * out before verification; a stranger's key fails the handshake and the refusal is in the
 * transcript; simulated evidence is refused unless allowed; evidence checked against another
 * runtime key, another nonce or another manifest fails `report_data` or `host_data`.
 */
#include "host_fixture.h"

#include <pthread.h>

#include "tcvm/net.h"

typedef struct served {
    host_fixture_t f;
    char *manifest_text;
    tcvm_host_t *host;
    tcvm_net_server_t *server;
    pthread_t thread;
    char url[64];
} served_t;

static void *serve(void *arg)
{
    served_t *s = arg;
    tcvm_net_server_run(s->server);
    return NULL;
}

static void serve_start(served_t *s)
{
    s->manifest_text = host_manifest(NULL, NULL);
    host_fixture_init(&s->f, s->manifest_text);
    tcvm_error_t err = {0};
    if (host_fixture_boot(&s->f, 3, true, true, &s->host, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "boot: %s", err.message);
    if (tcvm_net_server_new(s->host, "127.0.0.1", 0, NULL, NULL, &s->server, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "server: %s", err.message);
    snprintf(s->url, sizeof s->url, "https://127.0.0.1:%u",
             (unsigned)tcvm_net_server_port(s->server));
    CHECK_EQ(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void serve_stop(served_t *s)
{
    tcvm_net_server_stop(s->server);
    pthread_join(s->thread, NULL);
    tcvm_net_server_destroy(s->server);
    tcvm_host_destroy(s->host);
    host_fixture_done(&s->f);
    free(s->manifest_text);
}

static tcvm_net_client_t *client(served_t *s, const tcvm_sign_key_t *key, bool allow_sim)
{
    tcvm_net_client_config_t cfg = {.url = s->url, .manifest = s->f.m, .key = key,
                                    .allow_simulated = allow_sim, .timeout_ms = 20000};
    tcvm_net_client_t *c;
    tcvm_error_t err;
    if (tcvm_net_client_new(&cfg, &c, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "client: %s", err.message);
    return c;
}

TEST(net_verify_then_one_session)
{
    served_t s;
    serve_start(&s);
    tcvm_sign_key_t *key = example_sign_key(1);
    tcvm_net_client_t *c = client(&s, key, true);
    long code = 0;
    uint8_t *body = NULL;
    size_t size = 0;
    /* nothing but the evidence request before verification */
    CHECK_EQ(tcvm_net_client_request(c, "GET", "/v1/status", NULL, 0, NULL, &code, &body, &size),
             TCVM_ESTATE);
    CHECK_EQ(tcvm_net_client_handshakes(c), 0);
    tcvm_attest_result_t res;
    uint8_t *ev = NULL;
    size_t ev_size = 0;
    if (tcvm_net_client_verify(c, &res, &ev, &ev_size) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "verify: %s", tcvm_net_client_error(c)->message);
    CHECK(res.simulated);
    uint8_t nonce[32], rkey[32], host_key[32];
    tcvm_net_client_session(c, nonce, rkey);
    tcvm_sign_key_public(tcvm_host_key(s.host), host_key);
    CHECK(memcmp(rkey, host_key, 32) == 0);
    for (int i = 0; i < 5; i++) {
        CHECK_EQ(tcvm_net_client_request(c, "GET", "/v1/status", NULL, 0, NULL, &code, &body,
                                         &size),
                 TCVM_OK);
        CHECK_EQ(code, 200);
        CHECK(memmem(body, size, "\"participant\":\"hospital-b\"", 26) != NULL);
        tcvm_seal_free(body);
    }
    CHECK_EQ(tcvm_net_client_request(c, "GET", "/v1/nonesuch", NULL, 0, NULL, &code, &body,
                                     &size),
             TCVM_OK);
    CHECK_EQ(code, 404);
    tcvm_seal_free(body);
    /* the whole conversation ran over the one connection verification used */
    CHECK_EQ(tcvm_net_client_handshakes(c), 1);

    /* the saved evidence: right with this nonce and key; wrong with another nonce, another key,
     * another manifest */
    tcvm_attest_result_t r2;
    CHECK_EQ(tcvm_net_check_evidence(s.f.m, ev, ev_size, rkey, nonce, true, NULL, &r2), TCVM_OK);
    nonce[0] ^= 1;
    CHECK(tcvm_net_check_evidence(s.f.m, ev, ev_size, rkey, nonce, true, NULL, &r2) != TCVM_OK);
    CHECK_STREQ(r2.check, TCVM_ATTEST_CHECK_REPORT_DATA);
    nonce[0] ^= 1;
    rkey[5] ^= 1;
    CHECK(tcvm_net_check_evidence(s.f.m, ev, ev_size, rkey, nonce, true, NULL, &r2) != TCVM_OK);
    CHECK_STREQ(r2.check, TCVM_ATTEST_CHECK_REPORT_DATA);
    rkey[5] ^= 1;
    CHECK(tcvm_net_check_evidence(s.f.m, ev, ev_size, rkey, nonce, false, NULL, &r2) != TCVM_OK);
    CHECK_STREQ(r2.check, TCVM_ATTEST_CHECK_SIMULATED);
    char *other = host_manifest("\"name\": \"icu-risk-study-2026\"", "\"name\": \"another\"");
    tcvm_manifest_t *om;
    tcvm_error_t err;
    CHECK_EQ(tcvm_manifest_parse((const uint8_t *)other, strlen(other), &om, &err), TCVM_OK);
    CHECK(tcvm_net_check_evidence(om, ev, ev_size, rkey, nonce, true, NULL, &r2) != TCVM_OK);
    CHECK_STREQ(r2.check, TCVM_ATTEST_CHECK_HOST_DATA);
    tcvm_manifest_destroy(om);
    free(other);
    tcvm_seal_free(ev);
    tcvm_net_client_destroy(c);
    tcvm_sign_key_destroy(key);
    serve_stop(&s);
}

TEST(net_stranger_refused_in_handshake)
{
    served_t s;
    serve_start(&s);
    tcvm_sign_key_t *stranger;
    CHECK_EQ(tcvm_sign_key_generate(&stranger), TCVM_OK);
    tcvm_net_client_t *c = client(&s, stranger, true);
    CHECK_EQ(tcvm_net_client_verify(c, NULL, NULL, NULL), TCVM_NET_REFUSED);
    CHECK_CONTAINS(tcvm_net_client_error(c)->message, "TLS session failed");
    tcvm_net_client_destroy(c);
    char *text;
    size_t size;
    CHECK_EQ(tcvm_host_transcript(s.host, &text, &size), TCVM_OK);
    uint8_t pub[32];
    char want[TCVM_SIGN_PUBLIC_TEXT_SIZE];
    tcvm_sign_key_public(stranger, pub);
    tcvm_sign_public_format(pub, want);
    CHECK(memmem(text, size, want, strlen(want)) != NULL);
    CHECK(memmem(text, size, "\"request\":\"tls handshake\"", 25) != NULL);
    tcvm_seal_free(text);
    tcvm_sign_key_destroy(stranger);
    serve_stop(&s);
}

TEST(net_simulated_refused_unless_allowed)
{
    served_t s;
    serve_start(&s);
    tcvm_sign_key_t *key = example_sign_key(2);
    tcvm_net_client_t *c = client(&s, key, false);
    tcvm_attest_result_t res;
    CHECK_EQ(tcvm_net_client_verify(c, &res, NULL, NULL), TCVM_ATTEST_SIMULATED);
    CHECK_STREQ(res.check, TCVM_ATTEST_CHECK_SIMULATED);
    long code;
    uint8_t *body;
    size_t size;
    CHECK_EQ(tcvm_net_client_request(c, "PUT", "/v1/components/risk-model",
                                     (const uint8_t *)"x", 1, NULL, &code, &body, &size),
             TCVM_ESTATE);
    tcvm_net_client_destroy(c);
    char *status;
    size_t ssize;
    CHECK_EQ(tcvm_host_status_json(s.host, 2, &status, &ssize), TCVM_OK);
    CHECK_CONTAINS(status, "\"id\":\"risk-model\",\"owner\":\"vendor\",\"present\":false");
    tcvm_seal_free(status);
    tcvm_sign_key_destroy(key);
    serve_stop(&s);
}

/* A client that verified one runtime refuses a different runtime (another key) that later
 * answers at the same address: its handshake fails on the pinned key, nothing is sent. */
TEST(net_pinned_key_refuses_another_server)
{
    served_t a;
    serve_start(&a);
    uint16_t port = tcvm_net_server_port(a.server);
    tcvm_sign_key_t *key = example_sign_key(0);
    tcvm_net_client_t *c = client(&a, key, true);
    if (tcvm_net_client_verify(c, NULL, NULL, NULL) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "verify: %s", tcvm_net_client_error(c)->message);
    /* the first runtime goes away; another, with its own key, takes its port */
    tcvm_net_server_stop(a.server);
    pthread_join(a.thread, NULL);
    tcvm_net_server_destroy(a.server);
    a.server = NULL;
    tcvm_host_t *other = NULL;
    tcvm_error_t err = {0};
    if (host_fixture_boot(&a.f, 3, true, true, &other, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "boot: %s", err.message);
    if (tcvm_net_server_new(other, "127.0.0.1", port, NULL, NULL, &a.server, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "server on port %u: %s", (unsigned)port, err.message);
    CHECK_EQ(pthread_create(&a.thread, NULL, serve, &a), 0);
    long code = 0;
    uint8_t *body = NULL;
    size_t size = 0;
    uint8_t data[] = "not for them";
    uint8_t sha[32];
    host_sha256(data, sizeof data - 1, sha);
    char header[128] = TCVM_NET_DIGEST_HEADER ": ";
    for (int i = 0; i < 32; i++)
        snprintf(header + strlen(header), 3, "%02x", sha[i]);
    CHECK_EQ(tcvm_net_client_request(c, "PUT", "/v1/inputs/records-a", data, sizeof data - 1,
                                     header, &code, &body, &size),
             TCVM_NET_REFUSED);
    CHECK_CONTAINS(tcvm_net_client_error(c)->message, "other than the attested one");
    char *status;
    size_t ssize;
    CHECK_EQ(tcvm_host_status_json(other, 0, &status, &ssize), TCVM_OK);
    CHECK_CONTAINS(status, "\"id\":\"records-a\",\"owner\":\"hospital-a\",\"present\":false");
    tcvm_seal_free(status);
    tcvm_net_client_destroy(c);
    tcvm_sign_key_destroy(key);
    tcvm_host_destroy(a.host);
    a.host = other;
    serve_stop(&a);
}
