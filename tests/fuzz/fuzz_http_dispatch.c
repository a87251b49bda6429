/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the runtime's request dispatcher (src/net/dispatch.c) against a live runtime
 * (sim TEE, keys in a temporary directory): the request target through libevent's URI and query
 * parsers, ids, the nonce, the digest header and the body, all from the input. Input layout:
 * byte 0 picks the participant (bits 0-1) and the method (bit 2: PUT); then the target up to
 * '\n'; then the digest header up to '\n' (an empty line: no header); the rest is the body.
 * Every reply must be a known HTTP code with a body; a runtime whose state left PROVISIONING
 * (every asset uploaded) is replaced. Seeds: tests/fuzz/seeds/http_dispatch/.
 */
#include "net/net_internal.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tcvm/attest.h"
#include "tcvm/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static tcvm_host_t *host;
static char *bundle;
static size_t bundle_size;

/* SHA-256 of the 9 bytes "component" */
#define COMPONENT_SHA "6985ca1f4daa5a584a28eae043a239cb96689af1337ea13afb63e00c2bf512fa"

static void make_bundle(void)
{
    tcvm_sign_key_t *keys[2];
    char pub[2][TCVM_SIGN_PUBLIC_TEXT_SIZE];
    tcvm_age_identity_t id;
    char rcpt[2][TCVM_AGE_RECIPIENT_TEXT_SIZE];
    for (int i = 0; i < 2; i++) {
        uint8_t seed[32], k[32];
        memset(seed, 0x30 + i, sizeof seed);
        if (tcvm_sign_key_from_seed(seed, &keys[i]) != TCVM_OK ||
            tcvm_age_identity_from_secret(seed, &id) != TCVM_OK)
            abort();
        tcvm_sign_key_public(keys[i], k);
        tcvm_sign_public_format(k, pub[i]);
        tcvm_age_recipient_t r;
        tcvm_age_identity_recipient(&id, &r);
        tcvm_age_recipient_format(&r, rcpt[i]);
    }
    char m[4096];
    int n = snprintf(
        m, sizeof m,
        "{\"version\": 1, \"name\": \"fuzz\", \"participants\": ["
        "{\"id\": \"p0\", \"signing_key\": \"%s\", \"recipient\": \"%s\"},"
        "{\"id\": \"p1\", \"signing_key\": \"%s\", \"recipient\": \"%s\"}],"
        "\"runtime\": {\"tee\": \"sim\", \"measurements\": [\"%096d\"], \"min_tcb\": "
        "{\"bootloader\": 0, \"tee\": 0, \"snp\": 0, \"microcode\": 0}},"
        "\"components\": [{\"id\": \"c\", \"owner\": \"p0\", \"digest\": \"sha256:"
        COMPONENT_SHA "\", \"limits\": {\"memory\": \"1MiB\", \"fuel\": 1000}}],"
        "\"inputs\": [{\"id\": \"in\", \"owner\": \"p1\", \"max_size\": \"1KiB\", \"readers\": "
        "[\"c\"]}],"
        "\"channels\": [], \"outputs\": [{\"id\": \"out\", \"writer\": \"c\", \"recipients\": "
        "[\"p1\"], \"max_size\": \"1KiB\"}], \"entry\": {\"component\": \"c\", \"export\": "
        "\"run\"}}",
        pub[0], rcpt[0], pub[1], rcpt[1], 0);
    tcvm_bundle_t *b;
    tcvm_error_t err;
    size_t who;
    if (tcvm_bundle_create((const uint8_t *)m, (size_t)n, &b, &err) != TCVM_OK ||
        tcvm_bundle_sign(b, keys[0], &who) != TCVM_OK ||
        tcvm_bundle_sign(b, keys[1], &who) != TCVM_OK ||
        tcvm_bundle_serialize(b, &bundle, &bundle_size) != TCVM_OK) {
        fprintf(stderr, "fuzz_http_dispatch: %s\n", err.message);
        abort();
    }
    tcvm_bundle_destroy(b);
    for (int i = 0; i < 2; i++)
        tcvm_sign_key_destroy(keys[i]);
}

static void boot(void)
{
    tcvm_host_destroy(host);
    host = NULL;
    tcvm_bundle_t *b;
    tcvm_error_t err;
    if (tcvm_bundle_parse((const uint8_t *)bundle, bundle_size, &b, &err) != TCVM_OK)
        abort();
    tcvm_attest_provider_config_t cfg;
    tcvm_attest_provider_config_init(&cfg);
    cfg.sim_dir = dir;
    memcpy(cfg.sim_host_data, tcvm_bundle_manifest(b)->digest, 32);
    memcpy(cfg.sim_measurement, tcvm_bundle_manifest(b)->runtime.measurements[0], 48);
    tcvm_bundle_destroy(b);
    tcvm_attest_provider_t *p;
    if (tcvm_attest_provider_open("sim", &cfg, &p, &err) != TCVM_OK ||
        tcvm_host_create((const uint8_t *)bundle, bundle_size, p, &host, &err) != TCVM_OK) {
        fprintf(stderr, "fuzz_http_dispatch: boot: %s\n", err.message);
        abort();
    }
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* The sim TEE's key directory goes when the fuzzer exits. */
static void remove_dir(void)
{
    nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (host == NULL) {
        snprintf(dir, sizeof dir, "/tmp/tcvm-fuzz-http-XXXXXX");
        if (mkdtemp(dir) == NULL)
            abort();
        atexit(remove_dir);
        make_bundle();
        boot();
    }
    if (size == 0)
        return 0;
    size_t p = data[0] & 3; /* 2 and 3 are out of range: the dispatcher is told who; it must
                               cope with what the manifest says of them (nothing) */
    if (p > 1)
        p = 1;
    bool put = (data[0] & 4) != 0;
    const uint8_t *s = data + 1, *end = data + size;
    const uint8_t *nl = memchr(s, '\n', (size_t)(end - s));
    char *uri = strndup((const char *)s, nl ? (size_t)(nl - s) : (size_t)(end - s));
    s = nl ? nl + 1 : end;
    char *digest = NULL;
    if (s < end) {
        nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        digest = n ? strndup((const char *)s, n) : NULL;
        s = nl ? nl + 1 : end;
    }
    tcvm_net_reply_t r;
    tcvm__net_dispatch(host, p, put, uri, digest, s, (size_t)(end - s), &r);
    if (r.code != 200 && r.code != 400 && r.code != 403 && r.code != 404 && r.code != 409 &&
        r.code != 413 && r.code != 500 && r.code != 503)
        abort();
    if (r.code != 200 && r.body.size == 0)
        abort();
    tcvm__buf_free(&r.body);
    free(uri);
    free(digest);
    if (tcvm_host_state(host) != TCVM_HOST_PROVISIONING) {
        tcvm_host_wait(host, 10000);
        boot();
    }
    return 0;
}
