/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Consent bundles: the exact manifest bytes (base64, so no tool can re-encode them on the way)
 * with the consent signatures gathered so far. A bundle never holds a signature that does not
 * verify: signatures are checked when read, added or merged, so "complete" means that every
 * participant's valid consent is present.
 */
#include "manifest/internal.h"

#include "crypto/codec.h"
#include "crypto/io.h"

#define BUNDLE_FORMAT "2cvm-consent-bundle-v1"

struct tcvm_bundle {
    tcvm_manifest_t *m;
    bool was_bundle;
    bool *has; /* per participant */
    uint8_t (*sigs)[TCVM_SIGN_SIGNATURE_SIZE];
    tcvm_error_t error;
};

static tcvm_status_t bundle_new(tcvm_manifest_t *m, tcvm_bundle_t **out, tcvm_error_t *err)
{
    tcvm_bundle_t *b = tcvm__calloc(1, sizeof *b);
    if (b != NULL) {
        b->has = tcvm__calloc(m->participant_count, sizeof *b->has);
        b->sigs = tcvm__calloc(m->participant_count, sizeof *b->sigs);
    }
    if (b == NULL || b->has == NULL || b->sigs == NULL) {
        if (b != NULL) {
            tcvm__free(b->has);
            tcvm__free(b->sigs);
        }
        tcvm__free(b);
        tcvm_manifest_destroy(m);
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    }
    b->m = m;
    *out = b;
    return TCVM_OK;
}

tcvm_status_t tcvm_bundle_create(const uint8_t *data, size_t size, tcvm_bundle_t **out,
                                 tcvm_error_t *err)
{
    tcvm_manifest_t *m;
    tcvm_status_t st = tcvm_manifest_parse(data, size, &m, err);
    if (st != TCVM_OK) return st;
    return bundle_new(m, out, err);
}

/* Reads the "signatures" array into b. */
static tcvm_status_t read_signatures(tcvm_bundle_t *b, json_t *arr, tcvm_error_t *err)
{
    static const char *const known[] = {"participant", "signature"};
    const tcvm_manifest_t *m = b->m;
    if (!json_is_array(arr))
        return tcvm__errorf(err, TCVM_MANIFEST_BUNDLE, "bundle: signatures: must be an array");
    if (json_array_size(arr) > m->participant_count)
        return tcvm__errorf(err, TCVM_MANIFEST_BUNDLE,
                            "bundle: signatures: more signatures than the manifest has "
                            "participants");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *o = json_array_get(arr, i);
        char p[64];
        snprintf(p, sizeof p, "signatures[%zu]", i);
        if (!json_is_object(o))
            return tcvm__errorf(err, TCVM_MANIFEST_BUNDLE, "bundle: %s: must be an object", p);
        const char *key;
        json_t *v;
        json_object_foreach(o, key, v)
        {
            if (strcmp(key, known[0]) != 0 && strcmp(key, known[1]) != 0)
                return tcvm__errorf(err, TCVM_MANIFEST_BUNDLE,
                                    "bundle: %s.%.48s: unknown field (a signature has: "
                                    "participant, signature)",
                                    p, key);
        }
        json_t *who = json_object_get(o, "participant"), *sig = json_object_get(o, "signature");
        if (!json_is_string(who))
            return tcvm__errorf(err, TCVM_MANIFEST_BUNDLE,
                                "bundle: %s.participant: missing or not a string", p);
        if (!json_is_string(sig))
            return tcvm__errorf(err, TCVM_MANIFEST_BUNDLE,
                                "bundle: %s.signature: missing or not a string", p);
        size_t idx;
        const char *id = json_string_value(who);
        if (!tcvm_manifest_find_participant(m, id, &idx))
            return tcvm__errorf(err, TCVM_MANIFEST_CONSENT,
                                "bundle: %s.participant: \"%.64s\" is not a participant of the "
                                "manifest",
                                p, id);
        if (b->has[idx])
            return tcvm__errorf(err, TCVM_MANIFEST_BUNDLE,
                                "bundle: %s: a second signature of \"%s\"", p, id);
        uint8_t raw[TCVM_SIGN_SIGNATURE_SIZE];
        size_t n = 0;
        if (!tcvm__b64_decode(json_string_value(sig), json_string_length(sig), true, raw,
                              sizeof raw, &n) ||
            n != sizeof raw)
            return tcvm__errorf(err, TCVM_MANIFEST_BUNDLE,
                                "bundle: %s.signature: must be canonical base64 of a 64-byte "
                                "Ed25519 signature",
                                p);
        if (tcvm_manifest_consent_verify(m, idx, raw) != TCVM_OK)
            return tcvm__errorf(err, TCVM_MANIFEST_CONSENT,
                                "bundle: %s: the signature of \"%s\" does not verify (made for "
                                "other manifest bytes, or with a key other than the one the "
                                "manifest names)",
                                p, id);
        memcpy(b->sigs[idx], raw, sizeof raw);
        b->has[idx] = true;
    }
    return TCVM_OK;
}

static tcvm_status_t parse_bundle(json_t *root, tcvm_bundle_t **out, tcvm_error_t *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "bundle") != 0 && strcmp(key, "digest") != 0 &&
            strcmp(key, "manifest") != 0 && strcmp(key, "signatures") != 0)
            return tcvm__errorf(err, TCVM_MANIFEST_BUNDLE,
                                "bundle: %.48s: unknown field (a bundle has: bundle, digest, "
                                "manifest, signatures)",
                                key);
    }
    v = json_object_get(root, "bundle");
    if (!json_is_string(v) || strcmp(json_string_value(v), BUNDLE_FORMAT) != 0)
        return tcvm__errorf(err, TCVM_MANIFEST_BUNDLE,
                            "bundle: bundle: must be \"" BUNDLE_FORMAT "\"");
    json_t *text = json_object_get(root, "manifest");
    if (!json_is_string(text))
        return tcvm__errorf(err, TCVM_MANIFEST_BUNDLE, "bundle: manifest: missing or not a string");
    size_t len = json_string_length(text);
    if (len > tcvm__b64_encoded_size(TCVM_MANIFEST_MAX_SIZE, true))
        return tcvm__errorf(err, TCVM_MANIFEST_BUNDLE,
                            "bundle: manifest: larger than the manifest size limit");
    uint8_t *bytes = tcvm__malloc(tcvm__b64_decoded_max(len));
    if (bytes == NULL) return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    size_t size = 0;
    if (!tcvm__b64_decode(json_string_value(text), len, true, bytes, tcvm__b64_decoded_max(len),
                          &size)) {
        tcvm__free(bytes);
        return tcvm__errorf(err, TCVM_MANIFEST_BUNDLE,
                            "bundle: manifest: must be canonical padded base64");
    }
    tcvm_manifest_t *m;
    tcvm_status_t st = tcvm_manifest_parse(bytes, size, &m, err);
    tcvm__free(bytes);
    if (st != TCVM_OK) return tcvm__error_prefix(err, st, "bundle: manifest");
    tcvm_bundle_t *b;
    if ((st = bundle_new(m, &b, err)) != TCVM_OK) return st;
    b->was_bundle = true;
    v = json_object_get(root, "digest");
    uint8_t digest[32];
    if (!json_is_string(v) || json_string_length(v) != 7 + 64 ||
        strncmp(json_string_value(v), "sha256:", 7) != 0 ||
        !tcvm__hex_decode(json_string_value(v) + 7, 64, digest, 32)) {
        st = tcvm__errorf(err, TCVM_MANIFEST_BUNDLE,
                          "bundle: digest: must be \"sha256:\" followed by 64 hex digits");
        goto fail;
    }
    if (memcmp(digest, m->digest, 32) != 0) {
        st = tcvm__errorf(err, TCVM_MANIFEST_BUNDLE,
                          "bundle: digest: does not match the SHA-256 of the manifest bytes");
        goto fail;
    }
    json_t *sigs = json_object_get(root, "signatures");
    if (sigs == NULL) {
        st = tcvm__errorf(err, TCVM_MANIFEST_BUNDLE,
                          "bundle: signatures: missing (required; may be empty)");
        goto fail;
    }
    if ((st = read_signatures(b, sigs, err)) != TCVM_OK) goto fail;
    *out = b;
    return TCVM_OK;
fail:
    tcvm_bundle_destroy(b);
    return st;
}

tcvm_status_t tcvm_bundle_parse(const uint8_t *data, size_t size, tcvm_bundle_t **out,
                                tcvm_error_t *err)
{
    if (size > TCVM_BUNDLE_MAX_SIZE)
        return tcvm__errorf(err, TCVM_MANIFEST_BUNDLE, "bundle larger than %zu bytes",
                            TCVM_BUNDLE_MAX_SIZE);
    if (size == 0) data = (const uint8_t *)"";
    if (memchr(data, '\0', size) != NULL)
        return tcvm__errorf(err, TCVM_MANIFEST_SYNTAX, "contains a NUL byte; not JSON text");
    json_error_t jerr;
    json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL || !json_is_object(root) || json_object_get(root, "bundle") == NULL) {
        /* not a bundle: read it as a bare manifest, whose parser reports JSON errors */
        json_decref(root);
        return tcvm_bundle_create(data, size, out, err);
    }
    tcvm_status_t st = parse_bundle(root, out, err);
    json_decref(root);
    return st;
}

tcvm_status_t tcvm_bundle_load(const char *path, tcvm_bundle_t **out, tcvm_error_t *err)
{
    uint8_t *data;
    size_t size;
    tcvm_status_t st = tcvm__read_file(path, TCVM_BUNDLE_MAX_SIZE, &data, &size, err);
    if (st != TCVM_OK) return st;
    st = tcvm_bundle_parse(data, size, out, err);
    tcvm__free(data);
    if (st != TCVM_OK) return tcvm__error_prefix(err, st, "%s", path);
    return TCVM_OK;
}

bool tcvm_bundle_was_bundle(const tcvm_bundle_t *b)
{
    return b->was_bundle;
}

const tcvm_manifest_t *tcvm_bundle_manifest(const tcvm_bundle_t *b)
{
    return b->m;
}

bool tcvm_bundle_has_signed(const tcvm_bundle_t *b, size_t participant)
{
    return participant < b->m->participant_count && b->has[participant];
}

size_t tcvm_bundle_signed_count(const tcvm_bundle_t *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->m->participant_count; i++)
        n += b->has[i];
    return n;
}

bool tcvm_bundle_complete(const tcvm_bundle_t *b)
{
    return tcvm_bundle_signed_count(b) == b->m->participant_count;
}

tcvm_status_t tcvm_bundle_sign(tcvm_bundle_t *b, const tcvm_sign_key_t *key,
                               size_t *out_participant)
{
    uint8_t sig[TCVM_SIGN_SIGNATURE_SIZE];
    size_t who;
    tcvm_status_t st = tcvm_manifest_consent_sign(b->m, key, &who, sig, &b->error);
    if (st != TCVM_OK) return st;
    memcpy(b->sigs[who], sig, sizeof sig);
    b->has[who] = true;
    *out_participant = who;
    return TCVM_OK;
}

tcvm_status_t tcvm_bundle_merge(tcvm_bundle_t *dst, const tcvm_bundle_t *src)
{
    if (dst->m->size != src->m->size || memcmp(dst->m->digest, src->m->digest, 32) != 0)
        return tcvm__errorf(&dst->error, TCVM_MANIFEST_CONSENT,
                            "the bundles are about different manifests (digests differ)");
    for (size_t i = 0; i < dst->m->participant_count; i++) {
        if (src->has[i] && !dst->has[i]) {
            memcpy(dst->sigs[i], src->sigs[i], TCVM_SIGN_SIGNATURE_SIZE);
            dst->has[i] = true;
        }
    }
    return TCVM_OK;
}

tcvm_status_t tcvm_bundle_serialize(const tcvm_bundle_t *b, char **out, size_t *out_size)
{
    const tcvm_manifest_t *m = b->m;
    tcvm_status_t st = TCVM_ENOMEM;
    char digest[7 + 65] = "sha256:";
    tcvm__hex_encode(m->digest, 32, digest + 7, sizeof digest - 7);
    char *b64 = tcvm__malloc(tcvm__b64_encoded_size(m->size, true) + 1);
    json_t *root = json_object(), *sigs = json_array();
    if (b64 == NULL || root == NULL || sigs == NULL) goto fail;
    tcvm__b64_encode(m->bytes, m->size, true, b64);
    if (json_object_set_new(root, "bundle", json_string(BUNDLE_FORMAT)) != 0 ||
        json_object_set_new(root, "digest", json_string(digest)) != 0 ||
        json_object_set_new(root, "manifest", json_string(b64)) != 0 ||
        json_object_set(root, "signatures", sigs) != 0)
        goto fail;
    for (size_t i = 0; i < m->participant_count; i++) {
        if (!b->has[i]) continue;
        char sig[89];
        tcvm__b64_encode(b->sigs[i], TCVM_SIGN_SIGNATURE_SIZE, true, sig);
        json_t *o = json_object();
        if (o == NULL ||
            json_object_set_new(o, "participant", json_string(m->participants[i].id)) ||
            json_object_set_new(o, "signature", json_string(sig)) || json_array_append_new(sigs, o))
            goto fail;
    }
    size_t flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER;
    size_t n = json_dumpb(root, NULL, 0, flags);
    char *text = n == 0 ? NULL : tcvm__malloc(n + 2);
    if (text == NULL || json_dumpb(root, text, n, flags) != n) goto fail_text;
    text[n] = '\n';
    text[n + 1] = '\0';
    *out = text;
    *out_size = n + 1;
    st = TCVM_OK;
    goto done;
fail_text:
    tcvm__free(text);
fail:
done:
    json_decref(sigs);
    json_decref(root);
    tcvm__free(b64);
    return st;
}

tcvm_status_t tcvm_bundle_save(const tcvm_bundle_t *b, const char *path, tcvm_error_t *err)
{
    char *text;
    size_t size;
    tcvm_status_t st = tcvm_bundle_serialize(b, &text, &size);
    if (st != TCVM_OK) return tcvm__errorf(err, st, "%s: %s", path, tcvm_status_message(st));
    st = tcvm__write_file(path, text, size, 0644, false, err);
    tcvm__free(text);
    return st;
}

const tcvm_error_t *tcvm_bundle_error(const tcvm_bundle_t *b)
{
    return &b->error;
}

void tcvm_bundle_destroy(tcvm_bundle_t *b)
{
    if (b == NULL) return;
    tcvm_manifest_destroy(b->m);
    tcvm__free(b->has);
    tcvm__free(b->sigs);
    tcvm__free(b);
}
