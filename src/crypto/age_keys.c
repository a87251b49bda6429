/* SPDX-License-Identifier: Apache-2.0 */
/*
 * age X25519 keys: generation, the Bech32 text forms ("age1..." recipients,
 * "AGE-SECRET-KEY-1..." identities) and the line-oriented identity and recipient files that
 * age-keygen writes and `age -i` / `age -R` read.
 */
#include "crypto/age.h"

#include "crypto/codec.h"
#include "crypto/crypto.h"
#include "crypto/io.h"
#include "crypto/prim.h"

#define RECIPIENT_HRP "age"
#define IDENTITY_HRP "AGE-SECRET-KEY-"

tcvm_status_t tcvm_age_identity_from_secret(const uint8_t secret[32], tcvm_age_identity_t *out_id)
{
    tcvm_age_identity_t id;
    memcpy(id.secret, secret, 32);
    tcvm_status_t st = tcvm__x25519_public(id.secret, id.public_key);
    if (st == TCVM_OK) *out_id = id;
    tcvm_age_identity_wipe(&id);
    return st;
}

tcvm_status_t tcvm_age_identity_generate(tcvm_age_identity_t *out_id)
{
    uint8_t secret[32];
    tcvm_status_t st = tcvm__random(secret, sizeof secret);
    if (st == TCVM_OK) st = tcvm_age_identity_from_secret(secret, out_id);
    tcvm__wipe(secret, sizeof secret);
    return st;
}

void tcvm_age_identity_wipe(tcvm_age_identity_t *id)
{
    if (id != NULL) tcvm__wipe(id, sizeof *id);
}

void tcvm_age_identity_recipient(const tcvm_age_identity_t *id, tcvm_age_recipient_t *out)
{
    memcpy(out->public_key, id->public_key, 32);
}

void tcvm_age_identity_format(const tcvm_age_identity_t *id, char out[TCVM_AGE_IDENTITY_TEXT_SIZE])
{
    /* cannot fail: the buffer is sized for this HRP and 32 bytes */
    tcvm__bech32_encode(IDENTITY_HRP, id->secret, 32, true, out, TCVM_AGE_IDENTITY_TEXT_SIZE);
}

void tcvm_age_recipient_format(const tcvm_age_recipient_t *recipient,
                               char out[TCVM_AGE_RECIPIENT_TEXT_SIZE])
{
    tcvm__bech32_encode(RECIPIENT_HRP, recipient->public_key, 32, false, out,
                        TCVM_AGE_RECIPIENT_TEXT_SIZE);
}

/* Decodes a Bech32 key with the given (lowercase) HRP and a 32-byte payload. */
static tcvm_status_t decode_key(const char *text, size_t len, const char *want_hrp,
                                const char *what, uint8_t out[32], tcvm_error_t *err)
{
    char hrp[84];
    uint8_t data[TCVM_AGE_MAX_KEY_TEXT];
    size_t n = 0;
    tcvm_status_t st = tcvm__bech32_decode(text, len, hrp, sizeof hrp, data, sizeof data, &n, err);
    if (st != TCVM_OK) return tcvm__error_prefix(err, st, "%s", what);
    if (strcmp(hrp, want_hrp) != 0) {
        tcvm__wipe(data, n);
        return tcvm__errorf(err, TCVM_CRYPTO_BAD_KEY, "%s: has prefix \"%s1\", expected \"%s1\"",
                            what, hrp, want_hrp);
    }
    if (n != 32) {
        tcvm__wipe(data, n);
        return tcvm__errorf(err, TCVM_CRYPTO_BAD_KEY, "%s: holds %zu bytes, expected 32", what, n);
    }
    memcpy(out, data, 32);
    tcvm__wipe(data, n);
    return TCVM_OK;
}

tcvm_status_t tcvm_age_identity_parse(const char *text, size_t len, tcvm_age_identity_t *out_id,
                                      tcvm_error_t *err)
{
    uint8_t secret[32];
    tcvm_status_t st =
        decode_key(text, len, "age-secret-key-", "age identity (AGE-SECRET-KEY-1...)", secret, err);
    if (st != TCVM_OK) return st;
    st = tcvm_age_identity_from_secret(secret, out_id);
    tcvm__wipe(secret, sizeof secret);
    if (st != TCVM_OK) return tcvm__errorf(err, st, "age identity: X25519 failed");
    return TCVM_OK;
}

tcvm_status_t tcvm_age_recipient_parse(const char *text, size_t len,
                                       tcvm_age_recipient_t *out_recipient, tcvm_error_t *err)
{
    uint8_t pub[32];
    tcvm_status_t st = decode_key(text, len, RECIPIENT_HRP, "age recipient (age1...)", pub, err);
    if (st != TCVM_OK) return st;
    memcpy(out_recipient->public_key, pub, 32);
    return TCVM_OK;
}

/*
 * Walks the lines of a key file, calling each(line, len, number, ctx) for every line that is
 * neither empty nor a '#' comment. A CR before the LF is dropped.
 */
typedef tcvm_status_t (*key_line_fn)(const char *line, size_t len, size_t number, void *ctx);

static tcvm_status_t each_key_line(const char *text, size_t size, key_line_fn each, void *ctx)
{
    size_t pos = 0, number = 0;
    while (pos < size) {
        const char *start = text + pos;
        const char *lf = memchr(start, '\n', size - pos);
        size_t len = lf == NULL ? size - pos : (size_t)(lf - start);
        pos += len + (lf != NULL);
        number++;
        if (len > 0 && start[len - 1] == '\r') len--;
        if (len == 0 || start[0] == '#') continue;
        tcvm_status_t st = each(start, len, number, ctx);
        if (st != TCVM_OK) return st;
    }
    return TCVM_OK;
}

typedef struct id_list {
    tcvm_age_identity_t *ids;
    size_t count;
    tcvm_error_t *err;
} id_list_t;

static tcvm_status_t add_identity(const char *line, size_t len, size_t number, void *ctx)
{
    id_list_t *l = ctx;
    if (len >= 11 && memcmp(line, "AGE-PLUGIN-", 11) == 0)
        return tcvm__errorf(l->err, TCVM_EUNSUPPORTED,
                            "line %zu: age plugin identities are not supported", number);
    if (len >= 5 && memcmp(line, "-----", 5) == 0)
        return tcvm__errorf(l->err, TCVM_CRYPTO_BAD_KEY,
                            "line %zu: a PEM block is not an age identity (use the NAME.age file "
                            "from `2cvm keygen`, not NAME.sign.pem)",
                            number);
    if (l->count == TCVM_AGE_MAX_IDENTITIES)
        return tcvm__errorf(l->err, TCVM_ELIMIT, "more than %u identities",
                            TCVM_AGE_MAX_IDENTITIES);
    tcvm_age_identity_t id;
    tcvm_status_t st = tcvm_age_identity_parse(line, len, &id, l->err);
    if (st != TCVM_OK) return tcvm__error_prefix(l->err, st, "line %zu", number);
    tcvm_age_identity_t *grown = tcvm__reallocarray(NULL, l->count + 1, sizeof *grown);
    if (grown == NULL) {
        tcvm_age_identity_wipe(&id);
        return tcvm__errorf(l->err, TCVM_ENOMEM, "out of memory");
    }
    /* copy by hand instead of realloc so that no stale copy of a secret is left behind */
    if (l->count > 0) memcpy(grown, l->ids, l->count * sizeof *grown);
    tcvm_age_identities_free(l->ids, l->count);
    grown[l->count++] = id;
    l->ids = grown;
    tcvm_age_identity_wipe(&id);
    return TCVM_OK;
}

tcvm_status_t tcvm_age_identities_parse(const char *text, size_t size,
                                        tcvm_age_identity_t **out_ids, size_t *out_count,
                                        tcvm_error_t *err)
{
    id_list_t l = {NULL, 0, err};
    tcvm_status_t st = each_key_line(text, size, add_identity, &l);
    if (st == TCVM_OK && l.count == 0)
        st = tcvm__errorf(err, TCVM_CRYPTO_BAD_KEY,
                          "no identity found (expected a line \"AGE-SECRET-KEY-1...\")");
    if (st != TCVM_OK) {
        tcvm_age_identities_free(l.ids, l.count);
        return st;
    }
    *out_ids = l.ids;
    *out_count = l.count;
    return TCVM_OK;
}

tcvm_status_t tcvm_age_identities_load(const char *path, tcvm_age_identity_t **out_ids,
                                       size_t *out_count, tcvm_error_t *err)
{
    uint8_t *data;
    size_t size;
    tcvm_status_t st = tcvm__read_file(path, 1 << 20, &data, &size, err);
    if (st != TCVM_OK) return st;
    st = tcvm_age_identities_parse((const char *)data, size, out_ids, out_count, err);
    tcvm__wipe(data, size);
    tcvm__free(data);
    if (st != TCVM_OK) return tcvm__error_prefix(err, st, "%s", path);
    return TCVM_OK;
}

void tcvm_age_identities_free(tcvm_age_identity_t *ids, size_t count)
{
    if (ids == NULL) return;
    tcvm__wipe(ids, count * sizeof *ids);
    tcvm__free(ids);
}

typedef struct recipient_list {
    tcvm_age_recipient_t *list;
    size_t count;
    tcvm_error_t *err;
} recipient_list_t;

static tcvm_status_t add_recipient(const char *line, size_t len, size_t number, void *ctx)
{
    recipient_list_t *l = ctx;
    if (l->count == TCVM_AGE_MAX_RECIPIENTS)
        return tcvm__errorf(l->err, TCVM_ELIMIT, "more than %u recipients",
                            TCVM_AGE_MAX_RECIPIENTS);
    tcvm_age_recipient_t r;
    tcvm_status_t st = tcvm_age_recipient_parse(line, len, &r, l->err);
    if (st != TCVM_OK) return tcvm__error_prefix(l->err, st, "line %zu", number);
    tcvm_age_recipient_t *grown = tcvm__reallocarray(l->list, l->count + 1, sizeof *grown);
    if (grown == NULL) return tcvm__errorf(l->err, TCVM_ENOMEM, "out of memory");
    grown[l->count++] = r;
    l->list = grown;
    return TCVM_OK;
}

tcvm_status_t tcvm_age_recipients_parse(const char *text, size_t size,
                                        tcvm_age_recipient_t **out_recipients, size_t *out_count,
                                        tcvm_error_t *err)
{
    recipient_list_t l = {NULL, 0, err};
    tcvm_status_t st = each_key_line(text, size, add_recipient, &l);
    if (st == TCVM_OK && l.count == 0)
        st = tcvm__errorf(err, TCVM_CRYPTO_BAD_KEY, "no recipient found (expected \"age1...\")");
    if (st != TCVM_OK) {
        tcvm__free(l.list);
        return st;
    }
    *out_recipients = l.list;
    *out_count = l.count;
    return TCVM_OK;
}

tcvm_status_t tcvm_age_recipients_load(const char *path, tcvm_age_recipient_t **out_recipients,
                                       size_t *out_count, tcvm_error_t *err)
{
    uint8_t *data;
    size_t size;
    tcvm_status_t st = tcvm__read_file(path, 1 << 20, &data, &size, err);
    if (st != TCVM_OK) return st;
    st = tcvm_age_recipients_parse((const char *)data, size, out_recipients, out_count, err);
    tcvm__free(data);
    if (st != TCVM_OK) return tcvm__error_prefix(err, st, "%s", path);
    return TCVM_OK;
}
