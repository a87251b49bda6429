/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The textual part of age v1 files: header parsing with the exact grammar of c2sp.org/age, the
 * X25519 recipient stanza (wrap and unwrap of the file key), the header MAC, and the strict PEM
 * armor. Every reader here takes hostile bytes; errors name the header line that is wrong.
 */
#include "crypto/age.h"

#include "crypto/codec.h"
#include "crypto/crypto.h"
#include "crypto/prim.h"

#include <stdio.h>

static const char x25519_info[] = "age-encryption.org/v1/X25519";
static const uint8_t zero_nonce[12];

#define MALFORMED TCVM_CRYPTO_AGE_MALFORMED

size_t tcvm__age_header_end(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i + 3 < size; i++) {
        if (data[i] != '\n' || memcmp(data + i + 1, "---", 3) != 0) continue;
        const uint8_t *lf = memchr(data + i + 1, '\n', size - i - 1);
        return lf == NULL ? 0 : (size_t)(lf - data) + 1;
    }
    return 0;
}

void tcvm__age_header_free(tcvm_age_header_t *h)
{
    if (h == NULL) return;
    for (size_t i = 0; i < h->stanza_count; i++) {
        tcvm_age_stanza_t *st = &h->stanzas[i];
        for (size_t k = 0; k < st->arg_count; k++)
            tcvm__free(st->args[k]);
        tcvm__free(st->args);
        tcvm__free(st->body);
    }
    tcvm__free(h->stanzas);
    memset(h, 0, sizeof *h);
}

/* A line of the header: [start, start + len) and the line number (1-based). */
typedef struct hline {
    const uint8_t *p;
    size_t len;
    size_t number;
} hline_t;

/* Takes the next LF-terminated line from the cursor. */
static bool next_line(tcvm_cursor_t *c, size_t *number, hline_t *out)
{
    if (tcvm__cur_eof(c)) return false;
    const uint8_t *start = c->data + c->pos;
    const uint8_t *lf = memchr(start, '\n', tcvm__cur_left(c));
    if (lf == NULL) return false;
    out->p = start;
    out->len = (size_t)(lf - start);
    out->number = ++*number;
    c->pos += out->len + 1;
    return true;
}

static bool is_vchar(uint8_t c)
{
    return c >= 0x21 && c <= 0x7e;
}

/* Describes a byte for an error message. */
static const char *byte_name(uint8_t c, char buf[8])
{
    if (c == '\r') return "CR";
    if (c >= 0x21 && c <= 0x7e) {
        buf[0] = '\'';
        buf[1] = (char)c;
        buf[2] = '\'';
        buf[3] = '\0';
        return buf;
    }
    snprintf(buf, 8, "0x%02x", c);
    return buf;
}

static tcvm_status_t parse_args(const hline_t *line, tcvm_age_stanza_t *st, tcvm_error_t *err)
{
    /* "-> " argument *(SP argument) */
    size_t count = 0;
    for (size_t i = 3; i <= line->len; i++) {
        if (i == line->len || line->p[i] == ' ') count++;
    }
    if (count > TCVM_AGE_MAX_STANZA_ARGS)
        return tcvm__errorf(err, MALFORMED, "age header line %zu: more than %u stanza arguments",
                            line->number, TCVM_AGE_MAX_STANZA_ARGS);
    st->args = tcvm__calloc(count, sizeof *st->args);
    if (st->args == NULL) return tcvm__errorf(err, TCVM_ENOMEM, "age header: out of memory");
    size_t start = 3;
    for (size_t i = 3; i <= line->len; i++) {
        if (i < line->len && line->p[i] != ' ') {
            if (!is_vchar(line->p[i])) {
                char b[8];
                return tcvm__errorf(err, MALFORMED,
                                    "age header line %zu: stanza argument contains %s",
                                    line->number, byte_name(line->p[i], b));
            }
            continue;
        }
        if (i == start)
            return tcvm__errorf(err, MALFORMED,
                                "age header line %zu: empty stanza argument (two spaces, or a "
                                "space at the end of the line)",
                                line->number);
        char *arg = tcvm__strndup((const char *)line->p + start, i - start);
        if (arg == NULL) return tcvm__errorf(err, TCVM_ENOMEM, "age header: out of memory");
        st->args[st->arg_count++] = arg;
        start = i + 1;
    }
    return TCVM_OK;
}

/* Reads body lines after an argument line up to and including the first one shorter than 64. */
static tcvm_status_t parse_body(tcvm_cursor_t *c, size_t *number, size_t stanza,
                                tcvm_age_stanza_t *st, tcvm_error_t *err)
{
    tcvm_buf_t body = {0};
    tcvm_status_t rc = TCVM_OK;
    for (;;) {
        hline_t line;
        if (!next_line(c, number, &line)) {
            rc = tcvm__errorf(err, MALFORMED,
                              "age header: stanza %zu ends without a final body line (shorter "
                              "than 64 characters)",
                              stanza);
            goto fail;
        }
        if (line.len > 0 && line.p[0] == '-') {
            rc = tcvm__errorf(err, MALFORMED,
                              "age header line %zu: stanza %zu has no final body line (a body "
                              "ends with a line shorter than 64 characters, which may be empty)",
                              line.number, stanza);
            goto fail;
        }
        if (line.len > 64) {
            rc = tcvm__errorf(err, MALFORMED,
                              "age header line %zu: body line longer than 64 characters",
                              line.number);
            goto fail;
        }
        for (size_t i = 0; i < line.len; i++) {
            if (!tcvm__b64_char((char)line.p[i])) {
                char b[8];
                rc = tcvm__errorf(err, MALFORMED,
                                  "age header line %zu: %s in a stanza body (bodies are "
                                  "unpadded base64)",
                                  line.number, byte_name(line.p[i], b));
                goto fail;
            }
        }
        rc = tcvm__buf_reserve(&body, 48);
        if (rc != TCVM_OK) {
            tcvm__errorf(err, rc, "age header: out of memory");
            goto fail;
        }
        size_t n = 0;
        if (!tcvm__b64_decode((const char *)line.p, line.len, false, body.data + body.size,
                              body.cap - body.size, &n)) {
            rc = tcvm__errorf(err, MALFORMED,
                              "age header line %zu: stanza body is not canonical base64",
                              line.number);
            goto fail;
        }
        body.size += n;
        if (line.len < 64) break;
    }
    st->body = body.data;
    st->body_size = body.size;
    return TCVM_OK;
fail:
    tcvm__buf_free(&body);
    return rc;
}

tcvm_status_t tcvm__age_header_parse(const uint8_t *data, size_t size, tcvm_age_header_t *out,
                                     tcvm_error_t *err)
{
    static const char prefix[] = "age-encryption.org/";
    tcvm_age_header_t h = {0};
    tcvm_status_t rc = TCVM_OK;
    tcvm_cursor_t c = tcvm__cursor(data, size);
    size_t number = 0;
    hline_t line;

    if (size > TCVM_AGE_MAX_HEADER_SIZE)
        return tcvm__errorf(err, MALFORMED, "age header larger than %zu bytes",
                            TCVM_AGE_MAX_HEADER_SIZE);
    if (!next_line(&c, &number, &line) || line.len < sizeof prefix - 1 ||
        memcmp(line.p, prefix, sizeof prefix - 1) != 0)
        return tcvm__errorf(err, MALFORMED,
                            "not an age file: it does not start with the line "
                            "\"age-encryption.org/v1\"");
    if (memchr(line.p, '\r', line.len) != NULL)
        return tcvm__errorf(err, MALFORMED,
                            "age header line 1: CR found; age header lines end with LF only");
    if (line.len != sizeof TCVM_AGE_VERSION_LINE - 2 ||
        memcmp(line.p, TCVM_AGE_VERSION_LINE, line.len) != 0) {
        size_t vlen = line.len - (sizeof prefix - 1);
        return tcvm__errorf(err, TCVM_EUNSUPPORTED,
                            "unsupported age format version \"%.*s\" (2cvm reads v1)",
                            (int)(vlen > 32 ? 32 : vlen), (const char *)line.p + sizeof prefix - 1);
    }
    for (;;) {
        if (!next_line(&c, &number, &line)) {
            rc = tcvm__errorf(err, MALFORMED,
                              "age header ends without its MAC line (\"--- \" and the MAC)");
            goto fail;
        }
        if (line.len >= 3 && memcmp(line.p, "---", 3) == 0) break;
        if (line.len < 3 || memcmp(line.p, "-> ", 3) != 0) {
            rc = tcvm__errorf(err, MALFORMED,
                              "age header line %zu: expected a stanza (\"-> \") or the MAC line "
                              "(\"--- \")",
                              number);
            goto fail;
        }
        if (h.stanza_count == TCVM_AGE_MAX_STANZAS) {
            rc = tcvm__errorf(err, MALFORMED, "age header: more than %u stanzas",
                              TCVM_AGE_MAX_STANZAS);
            goto fail;
        }
        tcvm_age_stanza_t *grown =
            tcvm__reallocarray(h.stanzas, h.stanza_count + 1, sizeof *h.stanzas);
        if (grown == NULL) {
            rc = tcvm__errorf(err, TCVM_ENOMEM, "age header: out of memory");
            goto fail;
        }
        h.stanzas = grown;
        tcvm_age_stanza_t *st = &h.stanzas[h.stanza_count++];
        memset(st, 0, sizeof *st);
        rc = parse_args(&line, st, err);
        if (rc != TCVM_OK) goto fail;
        rc = parse_body(&c, &number, h.stanza_count, st, err);
        if (rc != TCVM_OK) goto fail;
    }
    if (h.stanza_count == 0) {
        rc = tcvm__errorf(err, MALFORMED, "age header has no recipient stanza");
        goto fail;
    }
    /* "---" SP 43base64char LF, and nothing after it belongs to the header */
    if (line.len != 4 + 43 || line.p[3] != ' ') {
        rc = tcvm__errorf(err, MALFORMED,
                          "age header line %zu: the MAC line must be \"--- \" followed by 43 "
                          "base64 characters",
                          line.number);
        goto fail;
    }
    size_t n = 0;
    if (!tcvm__b64_decode((const char *)line.p + 4, 43, false, h.mac, sizeof h.mac, &n) ||
        n != 32) {
        rc = tcvm__errorf(err, MALFORMED,
                          "age header line %zu: the MAC is not canonical base64 of 32 bytes",
                          line.number);
        goto fail;
    }
    if (!tcvm__cur_eof(&c)) {
        rc = tcvm__errorf(err, MALFORMED, "age header: data after the MAC line");
        goto fail;
    }
    h.mac_input_size = (size_t)(line.p - data) + 3;
    h.size = size;
    *out = h;
    return TCVM_OK;
fail:
    tcvm__age_header_free(&h);
    return rc;
}

static tcvm_status_t x25519_wrap_key(const uint8_t shared[32], const uint8_t share[32],
                                     const uint8_t recipient[32], uint8_t out[32])
{
    uint8_t salt[64];
    memcpy(salt, share, 32);
    memcpy(salt + 32, recipient, 32);
    return tcvm__hkdf_sha256(shared, 32, salt, sizeof salt, x25519_info, out);
}

tcvm_status_t tcvm__age_wrap_x25519(const tcvm_age_recipient_t *recipient,
                                    const uint8_t file_key[TCVM_AGE_FILE_KEY_SIZE], tcvm_buf_t *b)
{
    uint8_t eph[32], share[32], shared[32], wrap[32], body[TCVM_AGE_FILE_KEY_SIZE + 16];
    char share_b64[64], body_b64[64];
    tcvm_status_t st = tcvm__random(eph, sizeof eph);
    if (st != TCVM_OK) goto wipe;
    st = tcvm__x25519_public(eph, share);
    if (st != TCVM_OK) goto wipe;
    st = tcvm__x25519(eph, recipient->public_key, shared);
    if (st != TCVM_OK) goto wipe;
    st = x25519_wrap_key(shared, share, recipient->public_key, wrap);
    if (st != TCVM_OK) goto wipe;
    st = tcvm__aead_seal1(wrap, zero_nonce, file_key, TCVM_AGE_FILE_KEY_SIZE, body);
    if (st != TCVM_OK) goto wipe;
    tcvm__b64_encode(share, 32, false, share_b64);
    tcvm__b64_encode(body, sizeof body, false, body_b64);
    st = tcvm__buf_printf(b, "-> X25519 %s\n%s\n", share_b64, body_b64);
wipe:
    tcvm__wipe(eph, sizeof eph);
    tcvm__wipe(shared, sizeof shared);
    tcvm__wipe(wrap, sizeof wrap);
    return st;
}

tcvm_status_t tcvm__age_header_mac(const uint8_t file_key[TCVM_AGE_FILE_KEY_SIZE],
                                   const uint8_t *header, size_t mac_input_size, uint8_t out[32])
{
    uint8_t key[32];
    tcvm_status_t st = tcvm__hkdf_sha256(file_key, TCVM_AGE_FILE_KEY_SIZE, NULL, 0, "header", key);
    if (st == TCVM_OK) st = tcvm__hmac_sha256(key, sizeof key, header, mac_input_size, out);
    tcvm__wipe(key, sizeof key);
    return st;
}

/* Checks an X25519 stanza's shape; on success *share holds its ephemeral share. */
static tcvm_status_t x25519_stanza_shape(const tcvm_age_stanza_t *st, size_t index,
                                         uint8_t share[32], tcvm_error_t *err)
{
    if (st->arg_count != 2)
        return tcvm__errorf(err, MALFORMED,
                            "age header: X25519 stanza %zu has %zu arguments, expected 2", index,
                            st->arg_count);
    size_t n = 0;
    const char *arg = st->args[1];
    if (!tcvm__b64_decode(arg, strlen(arg), false, share, 32, &n) || n != 32)
        return tcvm__errorf(err, MALFORMED,
                            "age header: X25519 stanza %zu: the ephemeral share is not canonical "
                            "base64 of 32 bytes",
                            index);
    /* checked before any decryption, against partitioning-oracle attacks */
    if (st->body_size != TCVM_AGE_FILE_KEY_SIZE + 16)
        return tcvm__errorf(err, MALFORMED,
                            "age header: X25519 stanza %zu: body is %zu bytes, expected 32", index,
                            st->body_size);
    return TCVM_OK;
}

tcvm_status_t tcvm__age_unwrap(const tcvm_age_header_t *h, const tcvm_age_identity_t *ids,
                               size_t count, uint8_t file_key[TCVM_AGE_FILE_KEY_SIZE],
                               tcvm_error_t *err)
{
    size_t x25519 = 0;
    uint8_t share[32];
    for (size_t i = 0; i < h->stanza_count; i++) {
        const tcvm_age_stanza_t *st = &h->stanzas[i];
        if (strcmp(st->args[0], "scrypt") == 0)
            return tcvm__errorf(err, TCVM_EUNSUPPORTED,
                                "age header: passphrase-encrypted (scrypt) files are not "
                                "supported; 2cvm opens files sealed to X25519 recipients");
        if (strcmp(st->args[0], "X25519") != 0)
            continue; /* other recipient types are not for us; the MAC still covers them */
        tcvm_status_t rc = x25519_stanza_shape(st, i + 1, share, err);
        if (rc != TCVM_OK) return rc;
        x25519++;
    }
    for (size_t i = 0; i < h->stanza_count; i++) {
        const tcvm_age_stanza_t *st = &h->stanzas[i];
        if (strcmp(st->args[0], "X25519") != 0) continue;
        size_t n = 0;
        tcvm__b64_decode(st->args[1], strlen(st->args[1]), false, share, 32, &n);
        for (size_t k = 0; k < count; k++) {
            uint8_t shared[32], wrap[32], key[TCVM_AGE_FILE_KEY_SIZE];
            tcvm_status_t rc = tcvm__x25519(ids[k].secret, share, shared);
            if (rc == TCVM_CRYPTO_BAD_KEY)
                return tcvm__errorf(err, MALFORMED,
                                    "age header: X25519 stanza %zu: the ephemeral share is a "
                                    "low-order point",
                                    i + 1);
            if (rc != TCVM_OK) return tcvm__errorf(err, rc, "age: X25519 failed");
            rc = x25519_wrap_key(shared, share, ids[k].public_key, wrap);
            tcvm__wipe(shared, sizeof shared);
            if (rc != TCVM_OK) return tcvm__errorf(err, rc, "age: HKDF failed");
            rc = tcvm__aead_open1(wrap, zero_nonce, st->body, st->body_size, key);
            tcvm__wipe(wrap, sizeof wrap);
            if (rc == TCVM_OK) {
                memcpy(file_key, key, sizeof key);
                tcvm__wipe(key, sizeof key);
                return TCVM_OK;
            }
            if (rc != TCVM_CRYPTO_DECRYPT)
                return tcvm__errorf(err, rc, "age: ChaCha20-Poly1305 failed");
        }
    }
    return tcvm__errorf(err, TCVM_CRYPTO_NO_IDENTITY,
                        "no identity matches: the file has %zu recipient stanza%s (%zu X25519) "
                        "and none opens with the %zu identit%s given",
                        h->stanza_count, h->stanza_count == 1 ? "" : "s", x25519, count,
                        count == 1 ? "y" : "ies");
}

/* ---- armor --------------------------------------------------------------------------------- */

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool tcvm__age_looks_armored(const uint8_t *data, size_t size, bool *decided)
{
    for (size_t i = 0; i < size; i++) {
        if (is_space(data[i])) continue;
        *decided = true;
        return data[i] == '-';
    }
    *decided = false;
    return false;
}

/* Takes the next line ending in LF or CRLF; the last line may lack its end. */
static bool armor_line(tcvm_cursor_t *c, const uint8_t **p, size_t *len, bool *terminated)
{
    if (tcvm__cur_eof(c)) return false;
    const uint8_t *start = c->data + c->pos;
    const uint8_t *lf = memchr(start, '\n', tcvm__cur_left(c));
    size_t n = lf == NULL ? tcvm__cur_left(c) : (size_t)(lf - start);
    c->pos += n + (lf != NULL);
    *terminated = lf != NULL;
    if (n > 0 && start[n - 1] == '\r' && lf != NULL) n--;
    *p = start;
    *len = n;
    return true;
}

tcvm_status_t tcvm__age_armor_decode(const uint8_t *data, size_t size, uint8_t **out,
                                     size_t *out_size, tcvm_error_t *err)
{
    static const char begin[] = TCVM_AGE_ARMOR_BEGIN;
    static const char end[] = TCVM_AGE_ARMOR_END;
    if (size > TCVM_AGE_MAX_ARMORED_SIZE)
        return tcvm__errorf(err, MALFORMED,
                            "armored age file larger than %zu bytes; use the binary form",
                            TCVM_AGE_MAX_ARMORED_SIZE);
    size_t skip = 0;
    while (skip < size && is_space(data[skip]))
        skip++;
    tcvm_cursor_t c = tcvm__cursor(data + skip, size - skip);
    const uint8_t *p;
    size_t len, lineno = 1;
    bool term;
    for (size_t i = 0; i < skip; i++)
        lineno += data[i] == '\n';
    if (!armor_line(&c, &p, &len, &term) || len != sizeof begin - 1 || memcmp(p, begin, len) != 0 ||
        !term)
        return tcvm__errorf(err, MALFORMED, "armor line %zu: expected \"%s\" on a line of its own",
                            lineno, begin);
    uint8_t *bin = tcvm__malloc(size / 4 * 3 + 3);
    if (bin == NULL) return tcvm__errorf(err, TCVM_ENOMEM, "armor: out of memory");
    size_t bin_size = 0;
    bool last_seen = false; /* a line shorter than 64, or one with padding, was read */
    tcvm_status_t rc;
    for (;;) {
        lineno++;
        if (!armor_line(&c, &p, &len, &term)) {
            rc = tcvm__errorf(err, MALFORMED, "armor: no \"%s\" line", end);
            goto fail;
        }
        if (len == sizeof end - 1 && memcmp(p, end, len) == 0) break;
        if (last_seen) {
            rc = tcvm__errorf(err, MALFORMED,
                              "armor line %zu: a line follows the short (last) base64 line; "
                              "expected \"%s\"",
                              lineno, end);
            goto fail;
        }
        if (len == 0 || len > 64 || !term) {
            rc = tcvm__errorf(err, MALFORMED,
                              "armor line %zu: base64 lines must hold 1 to 64 characters and "
                              "end with a line feed",
                              lineno);
            goto fail;
        }
        bool padded = p[len - 1] == '=';
        if (len < 64 || padded) last_seen = true;
        size_t n = 0;
        if (len % 4 != 0 || !tcvm__b64_decode((const char *)p, len, true, bin + bin_size,
                                              size / 4 * 3 + 3 - bin_size, &n)) {
            rc = tcvm__errorf(err, MALFORMED,
                              "armor line %zu: not canonical padded base64 (or whitespace "
                              "inside the armor)",
                              lineno);
            goto fail;
        }
        bin_size += n;
    }
    /* after END: an optional line end, then whitespace only */
    while (!tcvm__cur_eof(&c)) {
        if (!is_space(c.data[c.pos])) {
            rc = tcvm__errorf(err, MALFORMED, "armor: data after \"%s\"", end);
            goto fail;
        }
        c.pos++;
    }
    *out = bin;
    *out_size = bin_size;
    return TCVM_OK;
fail:
    tcvm__free(bin);
    return rc;
}
