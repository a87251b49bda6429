/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime object (tcvm/host.h) without the network: REPORT_DATA's exact layout; the boot
 * refusals (missing consent, another TEE, HOST_DATA not the digest, measurement not accepted);
 * the upload policy in every refusal, each recorded in a transcript that still verifies; the
 * lifecycle into the job; output and log access by role and state; and racing uploads of one
 * asset, of which exactly one is taken.
 */
#include "host_fixture.h"

#include <openssl/evp.h>
#include <pthread.h>

TEST(host_report_data_layout)
{
    uint8_t digest[32], key[32], nonce[32], got[64], want[64], key_hash[32];
    for (int i = 0; i < 32; i++) {
        digest[i] = (uint8_t)i;
        key[i] = (uint8_t)(0x40 + i);
        nonce[i] = (uint8_t)(0x80 + i);
    }
    CHECK_EQ(tcvm_host_report_data(digest, key, nonce, got), TCVM_OK);
    /* independently: SHA-512("2cvm-report-data-v1" 0x00 digest SHA-256(key) nonce) */
    unsigned int n = 0;
    CHECK(EVP_Digest(key, 32, key_hash, &n, EVP_sha256(), NULL) == 1);
    uint8_t msg[20 + 96];
    memcpy(msg, "2cvm-report-data-v1", 19);
    msg[19] = 0;
    memcpy(msg + 20, digest, 32);
    memcpy(msg + 52, key_hash, 32);
    memcpy(msg + 84, nonce, 32);
    CHECK(EVP_Digest(msg, sizeof msg, want, &n, EVP_sha512(), NULL) == 1);
    CHECK(memcmp(got, want, 64) == 0);
    nonce[31] ^= 1;
    CHECK_EQ(tcvm_host_report_data(digest, key, nonce, got), TCVM_OK);
    CHECK(memcmp(got, want, 64) != 0);
}

static void expect_boot_refused(const char *manifest, int signers, bool right_host_data,
                                bool right_measurement, const char *msg)
{
    host_fixture_t f;
    host_fixture_init(&f, manifest);
    tcvm_error_t err = {0};
    tcvm_host_t *h = NULL;
    tcvm_status_t st = host_fixture_boot(&f, signers, right_host_data, right_measurement, &h, &err);
    CHECK_EQ(st, TCVM_HOST_POLICY);
    CHECK(h == NULL);
    CHECK_CONTAINS(err.message, msg);
    host_fixture_done(&f);
}

TEST(host_boot_refusals)
{
    char *m = host_manifest(NULL, NULL);
    expect_boot_refused(m, 2, true, true, "the bundle lacks the consent of vendor");
    expect_boot_refused(m, 3, false, true, "HOST_DATA of this VM is");
    expect_boot_refused(m, 3, false, true, "not the manifest digest");
    expect_boot_refused(m, 3, true, false, "launch measurement");
    free(m);
    char *snp = host_manifest("\"tee\": \"sim\"", "\"tee\": \"sev-snp\"");
    expect_boot_refused(snp, 3, true, true, "the manifest accepts the sev-snp TEE");
    free(snp);
}

static const char *state_of(tcvm_host_t *h)
{
    return tcvm_host_state_name(tcvm_host_state(h));
}

static size_t count_type(tcvm_host_t *h, const char *type)
{
    char *text;
    size_t size, n = 0;
    CHECK_EQ(tcvm_host_transcript(h, &text, &size), TCVM_OK);
    tcvm_transcript_t *t;
    tcvm_error_t err;
    uint8_t pub[32];
    tcvm_sign_key_public(tcvm_host_key(h), pub);
    if (tcvm_transcript_load((const uint8_t *)text, size, pub, &t, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "transcript: %s", err.message);
    for (size_t i = 0; i < tcvm_transcript_count(t); i++) {
        uint64_t when;
        const char *ty;
        CHECK_EQ(tcvm_transcript_record_info(t, i, &when, &ty), TCVM_OK);
        n += strcmp(ty, type) == 0;
    }
    tcvm_transcript_destroy(t);
    tcvm_seal_free(text);
    return n;
}

TEST(host_upload_policy)
{
    char *m = host_manifest(NULL, NULL);
    host_fixture_t f;
    host_fixture_init(&f, m);
    tcvm_error_t err = {0};
    tcvm_host_t *h = NULL;
    if (host_fixture_boot(&f, 3, true, true, &h, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "boot: %s", err.message);
    CHECK_STREQ(state_of(h), "PROVISIONING");
    const uint8_t *comp = (const uint8_t *)HOST_COMPONENT_BYTES;
    size_t csize = strlen(HOST_COMPONENT_BYTES);
    uint8_t sha[32], zero[32] = {0};
    host_sha256(comp, csize, sha);

    /* 0 hospital-a, 1 hospital-b, 2 vendor */
    CHECK_EQ(tcvm_host_upload(h, 1, TCVM_HOST_COMPONENT, "prepare-a", comp, csize, sha, &err),
             TCVM_HOST_POLICY);
    CHECK_CONTAINS(err.message, "component prepare-a belongs to hospital-a, not to hospital-b");
    CHECK_EQ(tcvm_host_upload(h, 0, TCVM_HOST_COMPONENT, "nonesuch", comp, csize, sha, &err),
             TCVM_HOST_POLICY);
    CHECK_CONTAINS(err.message, "the manifest names no component \"nonesuch\"");
    CHECK_EQ(tcvm_host_upload(h, 0, TCVM_HOST_COMPONENT, "prepare-a", comp, csize, zero, &err),
             TCVM_HOST_POLICY);
    CHECK_CONTAINS(err.message, "do not have the SHA-256 the uploader stated");
    uint8_t other_sha[32];
    host_sha256((const uint8_t *)"other", 5, other_sha);
    CHECK_EQ(tcvm_host_upload(h, 0, TCVM_HOST_COMPONENT, "prepare-a", (const uint8_t *)"other", 5,
                              other_sha, &err),
             TCVM_HOST_POLICY);
    CHECK_CONTAINS(err.message, "not the digest the manifest names");
    uint8_t big[2048];
    memset(big, 'x', sizeof big);
    uint8_t big_sha[32];
    host_sha256(big, sizeof big, big_sha);
    CHECK_EQ(tcvm_host_upload(h, 0, TCVM_HOST_INPUT, "records-a", big, sizeof big, big_sha, &err),
             TCVM_ELIMIT);
    CHECK_CONTAINS(err.message, "input records-a is 2048 bytes, over its limit of 1024 bytes");
    CHECK_EQ(tcvm_host_asset_limit(h, TCVM_HOST_INPUT, "records-a"), 1024);
    CHECK_EQ(tcvm_host_asset_limit(h, TCVM_HOST_COMPONENT, "prepare-a"),
             TCVM_HOST_MAX_COMPONENT_SIZE);
    CHECK_EQ(tcvm_host_asset_limit(h, TCVM_HOST_INPUT, "nonesuch"), 0);
    CHECK_EQ(count_type(h, "upload.refused"), 5);
    CHECK_EQ(count_type(h, "upload.accepted"), 0);

    /* accepted once, then refused */
    CHECK_EQ(tcvm_host_upload(h, 0, TCVM_HOST_COMPONENT, "prepare-a", comp, csize, sha, &err),
             TCVM_OK);
    CHECK_EQ(tcvm_host_upload(h, 0, TCVM_HOST_COMPONENT, "prepare-a", comp, csize, sha, &err),
             TCVM_HOST_POLICY);
    CHECK_CONTAINS(err.message, "is already in; an asset is uploaded once");

    /* outputs: not a recipient, then not ready */
    uint8_t *out = NULL;
    size_t out_size = 0;
    CHECK_EQ(tcvm_host_output(h, 2, "scores-a", &out, &out_size, &err), TCVM_HOST_POLICY);
    CHECK_CONTAINS(err.message, "vendor is not a recipient of output scores-a");
    CHECK_EQ(tcvm_host_output(h, 0, "scores-a", &out, &out_size, &err), TCVM_HOST_STATE);
    CHECK_CONTAINS(err.message, "is not available: the runtime is PROVISIONING");
    CHECK_EQ(tcvm_host_log(h, 1, "prepare-a", &out, &out_size, &err), TCVM_HOST_POLICY);
    CHECK_CONTAINS(err.message, "the log of prepare-a goes to its owner hospital-a only");

    /* status as JSON */
    char *status;
    size_t ssize;
    CHECK_EQ(tcvm_host_status_json(h, 1, &status, &ssize), TCVM_OK);
    CHECK_CONTAINS(status, "\"state\":\"PROVISIONING\"");
    CHECK_CONTAINS(status, "\"participant\":\"hospital-b\"");
    CHECK_CONTAINS(status, "{\"kind\":\"component\",\"id\":\"prepare-a\",\"owner\":\"hospital-a\","
                           "\"present\":true,\"size\":");
    CHECK_CONTAINS(status, "\"outputs\":[{\"id\":\"scores-b\",\"ready\":false},{\"id\":"
                           "\"aggregate-stats\",\"ready\":false}]");
    tcvm_seal_free(status);

    /* every remaining asset: the job starts on its own thread */
    host_fixture_upload_rest(&f, h);
    tcvm_host_state_t end = tcvm_host_wait(h, 30000);
    CHECK(end == TCVM_HOST_DONE || end == TCVM_HOST_FAILED);
    CHECK_EQ(tcvm_host_upload(h, 1, TCVM_HOST_INPUT, "records-b", comp, csize, sha, &err),
             TCVM_HOST_STATE);
    CHECK_CONTAINS(err.message, "uploads are closed: the runtime is");
    CHECK_EQ(count_type(h, "job.started"), 1);
    CHECK_EQ(count_type(h, end == TCVM_HOST_DONE ? "job.finished" : "job.failed"), 1);
    if (end == TCVM_HOST_FAILED) {
        char why[TCVM_ERROR_MSG_SIZE];
        tcvm_host_failure(h, why, sizeof why);
        CHECK(why[0] != '\0');
        CHECK_EQ(tcvm_host_output(h, 0, "scores-a", &out, &out_size, &err), TCVM_HOST_STATE);
        CHECK_CONTAINS(err.message, "no output of a failed job leaves");
    }
    tcvm_host_destroy(h);
    host_fixture_done(&f);
    free(m);
}

typedef struct racer {
    tcvm_host_t *h;
    tcvm_status_t st;
} racer_t;

static void *race(void *arg)
{
    racer_t *r = arg;
    uint8_t sha[32];
    const uint8_t *comp = (const uint8_t *)HOST_COMPONENT_BYTES;
    host_sha256(comp, strlen(HOST_COMPONENT_BYTES), sha);
    tcvm_error_t err;
    r->st = tcvm_host_upload(r->h, 0, TCVM_HOST_COMPONENT, "prepare-a", comp,
                             strlen(HOST_COMPONENT_BYTES), sha, &err);
    return NULL;
}

TEST(host_racing_uploads_take_one)
{
    char *m = host_manifest(NULL, NULL);
    host_fixture_t f;
    host_fixture_init(&f, m);
    tcvm_error_t err = {0};
    tcvm_host_t *h = NULL;
    if (host_fixture_boot(&f, 3, true, true, &h, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "boot: %s", err.message);
    enum { N = 8 };
    pthread_t t[N];
    racer_t r[N];
    for (int i = 0; i < N; i++) {
        r[i].h = h;
        CHECK_EQ(pthread_create(&t[i], NULL, race, &r[i]), 0);
    }
    int ok = 0, refused = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        ok += r[i].st == TCVM_OK;
        refused += r[i].st == TCVM_HOST_POLICY;
    }
    CHECK_EQ(ok, 1);
    CHECK_EQ(refused, N - 1);
    CHECK_EQ(count_type(h, "upload.accepted"), 1);
    CHECK_EQ(count_type(h, "upload.refused"), N - 1);
    tcvm_host_destroy(h);
    host_fixture_done(&f);
    free(m);
}
