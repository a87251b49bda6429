/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the age v1 format (c2sp.org/age) shared by the header code (age_header.c), the
 * stream code (age.c) and the tests and fuzz targets: the parsed header, X25519 stanza wrapping
 * and unwrapping, the header MAC, and ASCII armor. The public API is in tcvm/seal.h.
 */
#ifndef TCVM_CRYPTO_AGE_H
#define TCVM_CRYPTO_AGE_H

#include "base/base.h"
#include "tcvm/seal.h"

#define TCVM_AGE_FILE_KEY_SIZE 16
#define TCVM_AGE_NONCE_SIZE 16
#define TCVM_AGE_CHUNK_SIZE 65536
#define TCVM_AGE_TAG_SIZE 16
#define TCVM_AGE_ENC_CHUNK_SIZE (TCVM_AGE_CHUNK_SIZE + TCVM_AGE_TAG_SIZE)
#define TCVM_AGE_VERSION_LINE "age-encryption.org/v1\n"
#define TCVM_AGE_ARMOR_BEGIN "-----BEGIN AGE ENCRYPTED FILE-----"
#define TCVM_AGE_ARMOR_END "-----END AGE ENCRYPTED FILE-----"

/* One recipient stanza: its arguments (args[0] is the type) and decoded body. */
typedef struct tcvm_age_stanza {
    char **args;
    size_t arg_count;
    uint8_t *body;
    size_t body_size;
} tcvm_age_stanza_t;

/* A parsed header. */
typedef struct tcvm_age_header {
    tcvm_age_stanza_t *stanzas;
    size_t stanza_count;
    uint8_t mac[32];
    size_t mac_input_size; /* bytes the MAC covers: everything through "---" */
    size_t size;           /* the whole header, through the LF of the MAC line */
} tcvm_age_header_t;

/*
 * Where the header ends in a stream prefix: the size through the LF that ends the first line
 * starting with "---", or 0 when that line has not arrived yet.
 */
size_t tcvm__age_header_end(const uint8_t *data, size_t size);

/*
 * Parses exactly (data, size) as a v1 header with the strict grammar of the specification:
 * version line, one or more stanzas (arguments of VCHAR separated by single spaces; body in
 * canonical unpadded base64 wrapped at 64 columns, ending with a shorter line), then the MAC
 * line "--- " + 43 base64 characters + LF, which must end the data. err names the line.
 * Status: TCVM_CRYPTO_AGE_MALFORMED (or TCVM_EUNSUPPORTED for another format version).
 */
tcvm_status_t tcvm__age_header_parse(const uint8_t *data, size_t size, tcvm_age_header_t *out,
                                     tcvm_error_t *err);
void tcvm__age_header_free(tcvm_age_header_t *h);

/*
 * Finds the file key: checks every X25519 stanza's shape (two arguments, a canonical 32-byte
 * share, a 32-byte body), refuses scrypt stanzas, ignores other types, and tries each identity
 * on each X25519 stanza. TCVM_CRYPTO_NO_IDENTITY when none unwraps.
 */
tcvm_status_t tcvm__age_unwrap(const tcvm_age_header_t *h, const tcvm_age_identity_t *ids,
                               size_t count, uint8_t file_key[TCVM_AGE_FILE_KEY_SIZE],
                               tcvm_error_t *err);

/* Appends an X25519 stanza wrapping file_key for recipient to b (text, with LFs). */
tcvm_status_t tcvm__age_wrap_x25519(const tcvm_age_recipient_t *recipient,
                                    const uint8_t file_key[TCVM_AGE_FILE_KEY_SIZE], tcvm_buf_t *b);

/* HMAC-SHA-256 of (header, mac_input_size) under HKDF(file key, "", "header"). */
tcvm_status_t tcvm__age_header_mac(const uint8_t file_key[TCVM_AGE_FILE_KEY_SIZE],
                                   const uint8_t *header, size_t mac_input_size, uint8_t out[32]);

/* True when the first byte that is not SP, TAB, CR or LF is '-' (armored); false for binary or
 * when only whitespace has been seen (*decided then false). */
bool tcvm__age_looks_armored(const uint8_t *data, size_t size, bool *decided);

/*
 * Decodes the strict PEM armor of RFC 7468 with label "AGE ENCRYPTED FILE": whitespace allowed
 * only before BEGIN and after END, LF or CRLF line ends, lines of 64 characters except a last
 * line of 1 to 64, canonical padded base64, nothing else. *out (owned by the caller) holds the
 * binary age file. Status: TCVM_CRYPTO_AGE_MALFORMED with the line in err.
 */
tcvm_status_t tcvm__age_armor_decode(const uint8_t *data, size_t size, uint8_t **out,
                                     size_t *out_size, tcvm_error_t *err);

#endif
