/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the age decoder: the whole opener (armor detection and decoding, header
 * grammar, X25519 unwrap, MAC, STREAM) with the identity the seeds were sealed to, fed whole and
 * in uneven pieces, plus the header parser and the key-file parsers on the same bytes. Seeds:
 * tests/fuzz/seeds/age/ (files sealed by 2cvm to the age specification's example key).
 */
#include "crypto/age.h"

#include <stdlib.h>

static tcvm_status_t discard(void *ctx, const uint8_t *data, size_t size)
{
    size_t *total = ctx;
    (void)data;
    *total += size;
    return TCVM_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static tcvm_age_identity_t id;
    static bool ready;
    if (!ready) {
        uint8_t secret[32];
        memset(secret, 0x42, sizeof secret); /* AGE-SECRET-KEY-1GFPYYSJZ... of the spec */
        if (tcvm_age_identity_from_secret(secret, &id) != TCVM_OK) abort();
        ready = true;
    }

    /* all at once: plaintext only on success */
    uint8_t *out = NULL;
    size_t out_size = 0;
    tcvm_error_t err;
    tcvm_status_t whole = tcvm_open_buffer(&id, 1, data, size, &out, &out_size, &err);
    if (whole == TCVM_OK)
        tcvm_seal_free_secret(out, out_size);
    else if (out != NULL || err.message[0] == '\0')
        abort(); /* a failure must say why and release nothing */

    /* in pieces whose sizes come from the data: the verdict must not depend on them */
    tcvm_opener_t *o;
    size_t total = 0;
    if (tcvm_open_begin(&id, 1, discard, &total, &o) != TCVM_OK) abort();
    tcvm_status_t st = TCVM_OK;
    size_t pos = 0, step = size > 0 ? (size_t)data[0] % 97 + 1 : 1;
    while (st == TCVM_OK && pos < size) {
        size_t n = size - pos < step ? size - pos : step;
        st = tcvm_open_update(o, data + pos, n);
        pos += n;
        step = step * 7 % 65599 + 1;
    }
    if (st == TCVM_OK) st = tcvm_open_finish(o);
    tcvm_open_destroy(o);
    if ((st == TCVM_OK) != (whole == TCVM_OK)) abort();
    if (st == TCVM_OK && total != out_size) abort();

    /* the header parser alone, on the header-shaped prefix */
    size_t end = tcvm__age_header_end(data, size);
    if (end > 0) {
        tcvm_age_header_t h;
        if (tcvm__age_header_parse(data, end, &h, &err) == TCVM_OK) tcvm__age_header_free(&h);
    }

    /* the key-file parsers */
    tcvm_age_identity_t *ids;
    size_t count;
    if (tcvm_age_identities_parse((const char *)data, size, &ids, &count, &err) == TCVM_OK)
        tcvm_age_identities_free(ids, count);
    tcvm_age_recipient_t *rs;
    if (tcvm_age_recipients_parse((const char *)data, size, &rs, &count, &err) == TCVM_OK)
        tcvm_seal_free(rs);
    return 0;
}
