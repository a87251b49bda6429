/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Text encodings of keys, digests and ciphertext that 2cvm reads from untrusted files: strict
 * base64 (RFC 4648 section 4, padded or unpadded, canonical only) and Bech32 (BIP-173 checksum,
 * without the 90-character limit, as the age format uses it). Decoders refuse anything a
 * canonical encoder would not have produced, so one value has exactly one accepted spelling.
 * Internal to the library.
 */
#ifndef TCVM_CRYPTO_CODEC_H
#define TCVM_CRYPTO_CODEC_H

#include "base/base.h"

/* Characters base64 uses for size bytes, without the NUL; with pad, rounded up to 4. */
size_t tcvm__b64_encoded_size(size_t size, bool pad);

/* Writes the base64 of (data, size) and a NUL into out (tcvm__b64_encoded_size + 1 bytes). */
void tcvm__b64_encode(const uint8_t *data, size_t size, bool pad, char *out);

/* Most bytes that len base64 characters can decode to. */
static inline size_t tcvm__b64_decoded_max(size_t len)
{
    return len / 4 * 3 + 2;
}

/*
 * Decodes len characters of base64 into out (out_cap bytes). With pad, the input must be a
 * multiple of 4 characters with '=' exactly where needed; without pad, '=' is refused. The unused
 * low bits of the last character must be zero (canonical encoding). No whitespace is accepted.
 * Returns false (out_size untouched) on any violation or when out_cap is too small.
 */
bool tcvm__b64_decode(const char *s, size_t len, bool pad, uint8_t *out, size_t out_cap,
                      size_t *out_size);

/* True when c is in the base64 alphabet (not '='). */
bool tcvm__b64_char(char c);

/*
 * Bech32 (BIP-173) with 8-bit payloads. encode writes the string (lowercase, or uppercase when
 * upper) and a NUL into out; TCVM_ELIMIT when out_size is too small.
 */
tcvm_status_t tcvm__bech32_encode(const char *hrp, const uint8_t *data, size_t size, bool upper,
                                  char *out, size_t out_size);

/*
 * Decodes a Bech32 string of len characters (at most TCVM_AGE_MAX_KEY_TEXT). Writes the
 * human-readable part in lowercase (NUL-terminated, hrp_cap bytes) and the 8-bit payload into
 * data (data_cap bytes). Refuses mixed case, characters outside 33..126, an HRP longer than 83,
 * a data part shorter than the checksum, a bad checksum and non-zero padding bits; err says which.
 * Status: TCVM_CRYPTO_AGE_MALFORMED.
 */
tcvm_status_t tcvm__bech32_decode(const char *s, size_t len, char *hrp, size_t hrp_cap,
                                  uint8_t *data, size_t data_cap, size_t *out_size,
                                  tcvm_error_t *err);

#endif
