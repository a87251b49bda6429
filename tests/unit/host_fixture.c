/* SPDX-License-Identifier: Apache-2.0 */
/* The runtime fixture of the host and net tests (host_fixture.h). */
#include "host_fixture.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <unistd.h>

#include "tcvm/attest.h"

static char *replace(char *s, const char *from, const char *to, bool all)
{
    for (;;) {
        char *at = strstr(s, from);
        if (at == NULL)
            return s;
        size_t head = (size_t)(at - s), fl = strlen(from), tl = strlen(to);
        char *n = malloc(strlen(s) - fl + tl + 1);
        memcpy(n, s, head);
        memcpy(n + head, to, tl);
        memcpy(n + head + tl, at + fl, strlen(at + fl) + 1);
        free(s);
        s = n;
        if (!all)
            return s;
    }
}

void host_sha256(const uint8_t *data, size_t size, uint8_t out[32])
{
    unsigned int n = 0;
    CHECK(EVP_Digest(data, size, out, &n, EVP_sha256(), NULL) == 1);
}

char *host_manifest(const char *from, const char *to)
{
    uint8_t sha[32];
    char digest[80] = "sha256:";
    host_sha256((const uint8_t *)HOST_COMPONENT_BYTES, strlen(HOST_COMPONENT_BYTES), sha);
    for (int i = 0; i < 32; i++)
        snprintf(digest + 7 + 2 * i, 3, "%02x", sha[i]);
    char *s = strdup(manifest_base);
    s = replace(s, "\"tee\": \"sev-snp\"", "\"tee\": \"sim\"", false);
    s = replace(s, "\"microcode\": 115", "\"microcode\": 84", false);
    s = replace(s, ",\n    \"min_abi\": \"1.51\"", "", false);
    s = replace(s, DIGEST1, digest, true);
    s = replace(s, "\"id\": \"records-a\", \"owner\": \"hospital-a\", \"max_size\": \"2GiB\"",
                "\"id\": \"records-a\", \"owner\": \"hospital-a\", \"max_size\": \"1KiB\"", false);
    if (from != NULL) {
        CHECK(strstr(s, from) != NULL);
        s = replace(s, from, to, false);
    }
    return s;
}

void host_fixture_init(host_fixture_t *f, const char *manifest)
{
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/tcvm-host-test-XXXXXX");
    CHECK(mkdtemp(f->dir) != NULL);
    f->manifest = strdup(manifest);
    tcvm_error_t err;
    if (tcvm_manifest_parse((const uint8_t *)manifest, strlen(manifest), &f->m, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "fixture manifest: %s", err.message);
}

tcvm_status_t host_fixture_boot(host_fixture_t *f, int signers, bool right_host_data,
                                bool right_measurement, tcvm_host_t **out, tcvm_error_t *err)
{
    tcvm_bundle_t *b;
    CHECK_EQ(tcvm_bundle_create((const uint8_t *)f->manifest, strlen(f->manifest), &b, err),
             TCVM_OK);
    for (int i = 0; i < signers; i++) {
        tcvm_sign_key_t *k = example_sign_key(i);
        size_t who;
        CHECK_EQ(tcvm_bundle_sign(b, k, &who), TCVM_OK);
        tcvm_sign_key_destroy(k);
    }
    char *json;
    size_t size;
    CHECK_EQ(tcvm_bundle_serialize(b, &json, &size), TCVM_OK);
    tcvm_bundle_destroy(b);
    tcvm_attest_provider_config_t cfg;
    tcvm_attest_provider_config_init(&cfg);
    cfg.sim_dir = f->dir;
    memcpy(cfg.sim_measurement, f->m->runtime.measurements[0], 48);
    if (!right_measurement)
        cfg.sim_measurement[0] ^= 1;
    memcpy(cfg.sim_host_data, f->m->digest, 32);
    if (!right_host_data)
        memset(cfg.sim_host_data, 0xee, 32);
    tcvm_attest_provider_t *p;
    CHECK_EQ(tcvm_attest_provider_open("sim", &cfg, &p, err), TCVM_OK);
    tcvm_status_t st = tcvm_host_create((const uint8_t *)json, size, p, out, err);
    tcvm_seal_free(json);
    return st;
}

void host_fixture_upload_rest(host_fixture_t *f, tcvm_host_t *h)
{
    const uint8_t *data = (const uint8_t *)HOST_COMPONENT_BYTES;
    size_t size = strlen(HOST_COMPONENT_BYTES);
    uint8_t sha[32];
    host_sha256(data, size, sha);
    tcvm_error_t err;
    for (size_t i = 0; i < f->m->component_count; i++)
        (void)tcvm_host_upload(h, f->m->components[i].owner, TCVM_HOST_COMPONENT,
                               f->m->components[i].id, data, size, sha, &err);
    for (size_t i = 0; i < f->m->input_count; i++)
        (void)tcvm_host_upload(h, f->m->inputs[i].owner, TCVM_HOST_INPUT, f->m->inputs[i].id, data,
                               size, sha, &err);
}

void host_fixture_done(host_fixture_t *f)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(f->manifest);
    tcvm_manifest_destroy(f->m);
}
