/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Allocation failure at every allocation, one after another, in the manifest parser, the bundle
 * reader and writer, the transcript and the age sealer and opener: each call must either
 * succeed or fail with TCVM_ENOMEM, give back no object, and leak nothing (the sanitizer build
 * checks leaks). The loop stops when a run completes without an injected failure.
 */
#include "manifest_fixture.h"

#include "base/base.h"
#include "tcvm/transcript.h"

#define MAX_STEPS 20000

static void expect_ok_or_enomem(tcvm_status_t st, unsigned long n, const char *what)
{
    if (st != TCVM_OK && st != TCVM_ENOMEM)
        tcvm_test_fail(__FILE__, __LINE__, "%s with allocation %lu failing: %s", what, n,
                       tcvm_status_name(st));
}

TEST(manifest_faults_parse)
{
    if (!tcvm__fault_inject_after(0)) SKIP("the library was built without TCVM_FAULT_INJECTION");
    for (unsigned long n = 1; n < MAX_STEPS; n++) {
        tcvm_manifest_t *m = NULL;
        tcvm_error_t err;
        tcvm__fault_inject_after(n);
        tcvm_status_t st =
            tcvm_manifest_parse((const uint8_t *)manifest_base, strlen(manifest_base), &m, &err);
        unsigned long injected = tcvm__fault_injected();
        tcvm__fault_inject_after(0);
        expect_ok_or_enomem(st, n, "tcvm_manifest_parse");
        CHECK((st == TCVM_OK) == (m != NULL));
        tcvm_manifest_destroy(m);
        if (injected == 0) {
            CHECK_OK(st);
            return;
        }
    }
    tcvm_test_fail(__FILE__, __LINE__, "still failing after %d allocations", MAX_STEPS);
}

TEST(manifest_faults_bundle)
{
    if (!tcvm__fault_inject_after(0)) SKIP("the library was built without TCVM_FAULT_INJECTION");
    tcvm_bundle_t *signed_bundle;
    CHECK_OK(tcvm_bundle_parse((const uint8_t *)manifest_base, strlen(manifest_base),
                               &signed_bundle, NULL));
    tcvm_sign_key_t *key = example_sign_key(1);
    size_t who;
    CHECK_OK(tcvm_bundle_sign(signed_bundle, key, &who));
    char *text;
    size_t size;
    CHECK_OK(tcvm_bundle_serialize(signed_bundle, &text, &size));
    for (unsigned long n = 1; n < MAX_STEPS; n++) {
        tcvm_bundle_t *b = NULL;
        char *out = NULL;
        size_t out_size;
        tcvm__fault_inject_after(n);
        tcvm_status_t st = tcvm_bundle_parse((const uint8_t *)text, size, &b, NULL);
        if (st == TCVM_OK) {
            st = tcvm_bundle_serialize(b, &out, &out_size);
            if (st == TCVM_OK) CHECK_STREQ(out, text);
        }
        unsigned long injected = tcvm__fault_injected();
        tcvm__fault_inject_after(0);
        expect_ok_or_enomem(st, n, "bundle parse and serialize");
        tcvm_seal_free(out);
        tcvm_bundle_destroy(b);
        if (injected == 0) break;
    }
    tcvm_seal_free(text);
    tcvm_sign_key_destroy(key);
    tcvm_bundle_destroy(signed_bundle);
}

TEST(manifest_faults_transcript)
{
    if (!tcvm__fault_inject_after(0)) SKIP("the library was built without TCVM_FAULT_INJECTION");
    tcvm_sign_key_t *key = example_sign_key(0);
    uint8_t pub[32];
    tcvm_sign_key_public(key, pub);
    for (unsigned long n = 1; n < MAX_STEPS; n++) {
        tcvm_transcript_t *t = NULL, *loaded = NULL;
        char *text = NULL;
        size_t size;
        tcvm__fault_inject_after(n);
        tcvm_status_t st = tcvm_transcript_create(key, &t);
        for (int i = 0; st == TCVM_OK && i < 40; i++) {
            tcvm_transcript_field_t f = TCVM_TFIELD_U64("i", (uint64_t)i);
            size_t before = tcvm_transcript_count(t);
            st = tcvm_transcript_append_at(t, 1000 + (uint64_t)i, "step.done", &f, 1);
            CHECK_EQ(tcvm_transcript_count(t), before + (st == TCVM_OK)); /* all or nothing */
        }
        if (st == TCVM_OK) st = tcvm_transcript_serialize(t, &text, &size);
        if (st == TCVM_OK) {
            st = tcvm_transcript_load((const uint8_t *)text, size, pub, &loaded, NULL);
            if (st == TCVM_OK) CHECK_EQ(tcvm_transcript_count(loaded), 40);
        }
        unsigned long injected = tcvm__fault_injected();
        tcvm__fault_inject_after(0);
        expect_ok_or_enomem(st, n, "transcript");
        tcvm_transcript_destroy(loaded);
        tcvm_seal_free(text);
        tcvm_transcript_destroy(t);
        if (injected == 0) break;
    }
    tcvm_sign_key_destroy(key);
}

TEST(manifest_faults_age)
{
    if (!tcvm__fault_inject_after(0)) SKIP("the library was built without TCVM_FAULT_INJECTION");
    uint8_t secret[32];
    memset(secret, 3, sizeof secret);
    tcvm_age_identity_t id;
    CHECK_OK(tcvm_age_identity_from_secret(secret, &id));
    tcvm_age_recipient_t r;
    tcvm_age_identity_recipient(&id, &r);
    size_t plain_size = 150000;
    uint8_t *plain = calloc(1, plain_size);
    for (unsigned armor = 0; armor < 2; armor++) {
        for (unsigned long n = 1; n < MAX_STEPS; n++) {
            uint8_t *sealed = NULL, *opened = NULL;
            size_t sealed_size, opened_size;
            tcvm__fault_inject_after(n);
            tcvm_status_t st =
                tcvm_seal_buffer(&r, 1, armor, plain, plain_size, &sealed, &sealed_size, NULL);
            if (st == TCVM_OK)
                st = tcvm_open_buffer(&id, 1, sealed, sealed_size, &opened, &opened_size, NULL);
            unsigned long injected = tcvm__fault_injected();
            tcvm__fault_inject_after(0);
            expect_ok_or_enomem(st, n, "seal and open");
            if (st == TCVM_OK)
                CHECK_EQ(opened_size, plain_size);
            else
                CHECK(opened == NULL);
            tcvm_seal_free_secret(opened, opened_size);
            tcvm_seal_free(sealed);
            if (injected == 0) break;
        }
    }
    free(plain);
}
