/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Consent: the exact signed message, signing and verification, and consent bundles: creation,
 * signing by each participant, completeness, serialization round trip, merging, and refusal of
 * altered manifests, foreign, duplicate and forged signatures and malformed bundles.
 */
#include "manifest_fixture.h"

#include "base/base.h"
#include "crypto/codec.h"

#include <unistd.h>

TEST(manifest_consent_message_bytes)
{
    uint8_t digest[32], msg[TCVM_CONSENT_MESSAGE_SIZE];
    for (int i = 0; i < 32; i++)
        digest[i] = (uint8_t)(0xf0 + i % 16);
    tcvm_manifest_consent_message(digest, msg);
    CHECK_EQ(sizeof msg, 57);
    CHECK_MEM(msg, "2cvm-manifest-consent-v1", 24);
    CHECK_EQ(msg[24], 0);
    CHECK_MEM(msg + 25, digest, 32);
}

TEST(manifest_consent_sign_and_verify)
{
    tcvm_manifest_t *m = manifest_ok(manifest_base);
    tcvm_sign_key_t *vendor = example_sign_key(2), *stranger;
    uint8_t sig[64];
    size_t who = 99;
    tcvm_error_t err = {0};
    CHECK_OK(tcvm_manifest_consent_sign(m, vendor, &who, sig, &err));
    CHECK_EQ(who, 2);
    CHECK_OK(tcvm_manifest_consent_verify(m, 2, sig));
    CHECK_STATUS(tcvm_manifest_consent_verify(m, 1, sig), TCVM_MANIFEST_CONSENT);
    CHECK_STATUS(tcvm_manifest_consent_verify(m, 7, sig), TCVM_MANIFEST_CONSENT);
    /* the signature is over the tagged message, not the bare digest */
    uint8_t bare[64], pub[32];
    CHECK_OK(tcvm_sign_key_sign(vendor, m->digest, 32, bare));
    CHECK_STATUS(tcvm_manifest_consent_verify(m, 2, bare), TCVM_MANIFEST_CONSENT);
    uint8_t msg[57];
    tcvm_manifest_consent_message(m->digest, msg);
    tcvm_sign_key_public(vendor, pub);
    CHECK_OK(tcvm_sign_verify(pub, msg, sizeof msg, sig));
    /* a key that is not a participant's */
    CHECK_OK(tcvm_sign_key_generate(&stranger));
    CHECK_STATUS(tcvm_manifest_consent_sign(m, stranger, &who, sig, &err), TCVM_MANIFEST_CONSENT);
    CHECK_CONTAINS(err.message, "is not the signing key of any participant of this manifest");
    /* a changed byte of the manifest is a different agreement */
    char *other = manifest_with("\"test agreement\"", "\"test agreement \"");
    tcvm_manifest_t *m2 = manifest_ok(other);
    CHECK_OK(tcvm_manifest_consent_sign(m, vendor, &who, sig, &err));
    CHECK_STATUS(tcvm_manifest_consent_verify(m2, 2, sig), TCVM_MANIFEST_CONSENT);
    tcvm_manifest_destroy(m2);
    free(other);
    tcvm_sign_key_destroy(stranger);
    tcvm_sign_key_destroy(vendor);
    tcvm_manifest_destroy(m);
}

static tcvm_bundle_t *parse_bundle(const char *text)
{
    tcvm_bundle_t *b = NULL;
    tcvm_error_t err = {0};
    tcvm_status_t st = tcvm_bundle_parse((const uint8_t *)text, strlen(text), &b, &err);
    if (st != TCVM_OK) tcvm_test_fail(__FILE__, __LINE__, "bundle does not parse: %s", err.message);
    return b;
}

static char *serialize(const tcvm_bundle_t *b)
{
    char *text;
    size_t size;
    CHECK_OK(tcvm_bundle_serialize(b, &text, &size));
    CHECK_EQ(strlen(text), size);
    return text;
}

TEST(manifest_bundle_sign_until_complete)
{
    tcvm_bundle_t *b;
    tcvm_error_t err = {0};
    CHECK_OK(tcvm_bundle_create((const uint8_t *)manifest_base, strlen(manifest_base), &b, &err));
    CHECK(!tcvm_bundle_was_bundle(b));
    CHECK_EQ(tcvm_bundle_signed_count(b), 0);
    CHECK(!tcvm_bundle_complete(b));
    for (int i = 0; i < 3; i++) {
        tcvm_sign_key_t *key = example_sign_key(i);
        size_t who;
        CHECK_OK(tcvm_bundle_sign(b, key, &who));
        CHECK_EQ(who, i);
        CHECK(tcvm_bundle_has_signed(b, who));
        CHECK_EQ(tcvm_bundle_signed_count(b), i + 1);
        CHECK(tcvm_bundle_complete(b) == (i == 2));
        /* signing twice leaves one signature */
        CHECK_OK(tcvm_bundle_sign(b, key, &who));
        CHECK_EQ(tcvm_bundle_signed_count(b), i + 1);
        tcvm_sign_key_destroy(key);
    }
    char *text = serialize(b);
    CHECK_CONTAINS(text, "\"bundle\": \"2cvm-consent-bundle-v1\"");
    tcvm_bundle_t *again = parse_bundle(text);
    CHECK(tcvm_bundle_was_bundle(again));
    CHECK(tcvm_bundle_complete(again));
    const tcvm_manifest_t *m = tcvm_bundle_manifest(again);
    CHECK_EQ(m->size, strlen(manifest_base));
    CHECK_MEM(m->bytes, manifest_base, m->size);
    char *text2 = serialize(again);
    CHECK_STREQ(text2, text); /* stable */
    tcvm_seal_free(text2);
    tcvm_seal_free(text);
    tcvm_bundle_destroy(again);
    tcvm_bundle_destroy(b);
    tcvm_bundle_destroy(NULL);
}

TEST(manifest_bundle_merge)
{
    tcvm_bundle_t *a = parse_bundle(manifest_base), *v = parse_bundle(manifest_base);
    tcvm_sign_key_t *ka = example_sign_key(0), *kv = example_sign_key(2);
    size_t who;
    CHECK_OK(tcvm_bundle_sign(a, ka, &who));
    CHECK_OK(tcvm_bundle_sign(v, kv, &who));
    CHECK_OK(tcvm_bundle_merge(a, v));
    CHECK_EQ(tcvm_bundle_signed_count(a), 2);
    CHECK(tcvm_bundle_has_signed(a, 0));
    CHECK(!tcvm_bundle_has_signed(a, 1));
    CHECK(tcvm_bundle_has_signed(a, 2));
    /* a bundle about other bytes */
    char *other = manifest_with("\"test agreement\"", "\"another agreement\"");
    tcvm_bundle_t *o = parse_bundle(other);
    CHECK_STATUS(tcvm_bundle_merge(a, o), TCVM_MANIFEST_CONSENT);
    CHECK_CONTAINS(tcvm_bundle_error(a)->message, "different manifests");
    tcvm_bundle_destroy(o);
    free(other);
    tcvm_sign_key_destroy(ka);
    tcvm_sign_key_destroy(kv);
    tcvm_bundle_destroy(a);
    tcvm_bundle_destroy(v);
}

/* A signed bundle's text with one replacement, then the expected refusal. */
static void bundle_expect(const char *text, const char *from, const char *to, tcvm_status_t st,
                          const char *msg)
{
    const char *at = strstr(text, from);
    if (at == NULL) tcvm_test_fail(__FILE__, __LINE__, "\"%s\" not in the bundle", from);
    size_t head = (size_t)(at - text), n = strlen(text) - strlen(from) + strlen(to);
    char *s = malloc(n + 1);
    memcpy(s, text, head);
    memcpy(s + head, to, strlen(to));
    memcpy(s + head + strlen(to), at + strlen(from), strlen(at + strlen(from)) + 1);
    tcvm_bundle_t *b = NULL;
    tcvm_error_t err = {0};
    tcvm_status_t got = tcvm_bundle_parse((const uint8_t *)s, n, &b, &err);
    if (got != st)
        tcvm_test_fail(__FILE__, __LINE__, "got %s (%s), want %s", tcvm_status_name(got),
                       err.message, tcvm_status_name(st));
    CHECK(b == NULL);
    CHECK_CONTAINS(err.message, msg);
    free(s);
}

TEST(manifest_bundle_refusals)
{
    tcvm_bundle_t *b = parse_bundle(manifest_base);
    tcvm_sign_key_t *ka = example_sign_key(0), *kb = example_sign_key(1);
    size_t who;
    CHECK_OK(tcvm_bundle_sign(b, ka, &who));
    CHECK_OK(tcvm_bundle_sign(b, kb, &who));
    char *text = serialize(b);
    /* the manifest bytes changed (the digest field then disagrees) */
    char *m2 = manifest_with("\"test agreement\"", "\"test agreemenT\"");
    char *b64 = malloc(tcvm__b64_encoded_size(strlen(m2), true) + 1);
    tcvm__b64_encode((const uint8_t *)m2, strlen(m2), true, b64);
    char *orig = malloc(tcvm__b64_encoded_size(strlen(manifest_base), true) + 1);
    tcvm__b64_encode((const uint8_t *)manifest_base, strlen(manifest_base), true, orig);
    bundle_expect(text, orig, b64, TCVM_MANIFEST_BUNDLE,
                  "bundle: digest: does not match the SHA-256 of the manifest bytes");
    /* ... and with the digest updated too, the signatures no longer verify */
    tcvm_manifest_t *mm = manifest_ok(m2);
    char digest_new[72] = "sha256:", digest_old[72] = "sha256:";
    tcvm__hex_encode(mm->digest, 32, digest_new + 7, 65);
    tcvm__hex_encode(tcvm_bundle_manifest(b)->digest, 32, digest_old + 7, 65);
    tcvm_manifest_destroy(mm);
    char *both = NULL;
    {
        const char *at = strstr(text, orig);
        size_t head = (size_t)(at - text);
        size_t n = strlen(text) - strlen(orig) + strlen(b64);
        both = malloc(n + 1);
        memcpy(both, text, head);
        memcpy(both + head, b64, strlen(b64));
        memcpy(both + head + strlen(b64), at + strlen(orig), strlen(at + strlen(orig)) + 1);
    }
    bundle_expect(both, digest_old, digest_new, TCVM_MANIFEST_CONSENT,
                  "bundle: signatures[0]: the signature of \"hospital-a\" does not verify");
    free(both);
    /* a forged signature */
    const char *sig_at = strstr(text, "\"signature\": \"") + 14;
    char forged[89];
    memcpy(forged, sig_at, 88);
    forged[88] = '\0';
    char flipped[89];
    memcpy(flipped, forged, 89);
    flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
    bundle_expect(text, forged, flipped, TCVM_MANIFEST_CONSENT,
                  "the signature of \"hospital-a\" does not verify");
    /* a participant that does not exist, and a second signature by the same one */
    bundle_expect(text, "\"participant\": \"hospital-b\"", "\"participant\": \"hospital-c\"",
                  TCVM_MANIFEST_CONSENT,
                  "bundle: signatures[1].participant: \"hospital-c\" is not a participant");
    bundle_expect(text, "\"participant\": \"hospital-b\"", "\"participant\": \"hospital-a\"",
                  TCVM_MANIFEST_BUNDLE,
                  "bundle: signatures[1]: a second signature of "
                  "\"hospital-a\"");
    /* shape */
    bundle_expect(text, "\"bundle\": \"2cvm-consent-bundle-v1\"", "\"bundle\": \"v2\"",
                  TCVM_MANIFEST_BUNDLE, "bundle: bundle: must be \"2cvm-consent-bundle-v1\"");
    bundle_expect(text, "\"signatures\"", "\"approvals\"", TCVM_MANIFEST_BUNDLE,
                  "bundle: approvals: unknown field");
    bundle_expect(text, "\"participant\": \"hospital-b\"",
                  "\"participant\": \"hospital-b\", \"at\": 1", TCVM_MANIFEST_BUNDLE,
                  "bundle: signatures[1].at: unknown field");
    bundle_expect(text, forged, "AAAA", TCVM_MANIFEST_BUNDLE,
                  "bundle: signatures[0].signature: must be canonical base64 of a 64-byte "
                  "Ed25519 signature");
    bundle_expect(text, orig, "not base64!", TCVM_MANIFEST_BUNDLE,
                  "bundle: manifest: must be canonical padded base64");
    bundle_expect(text, digest_old, "sha256:00", TCVM_MANIFEST_BUNDLE,
                  "bundle: digest: must be \"sha256:\" followed by 64 hex digits");
    /* a bundle whose manifest itself is bad says so */
    char *bad = manifest_with("\"version\": 1,", "\"version\": 1, \"extra\": 0,");
    char *bad64 = malloc(tcvm__b64_encoded_size(strlen(bad), true) + 1);
    tcvm__b64_encode((const uint8_t *)bad, strlen(bad), true, bad64);
    bundle_expect(text, orig, bad64, TCVM_MANIFEST_SCHEMA,
                  "bundle: manifest: extra: unknown field");
    free(bad64);
    free(bad);
    free(orig);
    free(b64);
    free(m2);
    tcvm_seal_free(text);
    tcvm_sign_key_destroy(ka);
    tcvm_sign_key_destroy(kb);
    tcvm_bundle_destroy(b);
}

TEST(manifest_bundle_save_and_load)
{
    tcvm_bundle_t *b = parse_bundle(manifest_base), *again;
    tcvm_sign_key_t *k = example_sign_key(1);
    size_t who;
    CHECK_OK(tcvm_bundle_sign(b, k, &who));
    char path[] = "/tmp/tcvm-bundle-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    tcvm_error_t err = {0};
    CHECK_OK(tcvm_bundle_save(b, path, &err));
    CHECK_OK(tcvm_bundle_load(path, &again, &err));
    CHECK(tcvm_bundle_has_signed(again, 1));
    CHECK_EQ(tcvm_bundle_signed_count(again), 1);
    tcvm_bundle_destroy(again);
    unlink(path);
    CHECK_STATUS(tcvm_bundle_load(path, &again, &err), TCVM_ENOENT);
    tcvm_sign_key_destroy(k);
    tcvm_bundle_destroy(b);
}
