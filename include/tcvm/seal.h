/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Participant keys and sealed outputs.
 *
 * A participant has two key pairs: an Ed25519 signing key (its identity: consent signatures,
 * TLS client authentication) and an X25519 age key (outputs are encrypted to it). Outputs are
 * sealed in the age v1 format (c2sp.org/age) with X25519 recipient stanzas and the STREAM
 * payload, so a recipient can open them with 2cvm or with the stock `age` tool, and 2cvm opens
 * what `age` made. The byte-level rules, and what is refused, are in docs/seal.md.
 *
 * Opening releases no plaintext that has not been authenticated to the end of the stream when
 * the buffer and file forms are used: tcvm_open_buffer returns plaintext only on success, and
 * tcvm_open_file writes to a temporary file that is renamed into place only on success.
 */
#ifndef TCVM_SEAL_H
#define TCVM_SEAL_H

#include "tcvm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Ed25519 signing keys ------------------------------------------------------------- */

#define TCVM_SIGN_PUBLIC_SIZE 32
#define TCVM_SIGN_SIGNATURE_SIZE 64
/* "ed25519:" + 64 hex digits + NUL */
#define TCVM_SIGN_PUBLIC_TEXT_SIZE 73

/* An Ed25519 private key. Opaque; the secret lives only inside OpenSSL's key object. */
typedef struct tcvm_sign_key tcvm_sign_key_t;

/* Generates a new key from the OS CSPRNG. On success *out_key is owned by the caller. */
TCVM_API tcvm_status_t tcvm_sign_key_generate(tcvm_sign_key_t **out_key);

/* Makes the key whose RFC 8032 private key (seed) is the 32 bytes given. Owned by the caller. */
TCVM_API tcvm_status_t tcvm_sign_key_from_seed(const uint8_t seed[32], tcvm_sign_key_t **out_key);

/*
 * Reads a PEM "PRIVATE KEY" (PKCS#8) holding an Ed25519 key from (pem, size). Any other key type
 * or encrypted PEM is refused (TCVM_CRYPTO_BAD_KEY, detail in err). Owned by the caller.
 */
TCVM_API tcvm_status_t tcvm_sign_key_from_pem(const char *pem, size_t size,
                                              tcvm_sign_key_t **out_key, tcvm_error_t *err);

/* tcvm_sign_key_from_pem on the contents of the file at path. */
TCVM_API tcvm_status_t tcvm_sign_key_load(const char *path, tcvm_sign_key_t **out_key,
                                          tcvm_error_t *err);

/* Writes the key as PEM PKCS#8 into a new NUL-terminated buffer (*out_pem, *out_size without
 * the NUL), owned by the caller and to be released with tcvm_seal_free_secret. */
TCVM_API tcvm_status_t tcvm_sign_key_to_pem(const tcvm_sign_key_t *key, char **out_pem,
                                            size_t *out_size);

/* The 32-byte public key. */
TCVM_API void tcvm_sign_key_public(const tcvm_sign_key_t *key,
                                   uint8_t out_public[TCVM_SIGN_PUBLIC_SIZE]);

/* Signs (msg, size) with Ed25519 (pure, no pre-hash). */
TCVM_API tcvm_status_t tcvm_sign_key_sign(const tcvm_sign_key_t *key, const void *msg, size_t size,
                                          uint8_t out_sig[TCVM_SIGN_SIGNATURE_SIZE]);

/* Frees the key; accepts NULL. */
TCVM_API void tcvm_sign_key_destroy(tcvm_sign_key_t *key);

/* TCVM_OK when sig is a valid Ed25519 signature of (msg, size) by public_key, else
 * TCVM_CRYPTO_BAD_SIGNATURE. */
TCVM_API tcvm_status_t tcvm_sign_verify(const uint8_t public_key[TCVM_SIGN_PUBLIC_SIZE],
                                        const void *msg, size_t size,
                                        const uint8_t sig[TCVM_SIGN_SIGNATURE_SIZE]);

/* Parses the text form "ed25519:" + 64 hex digits (len bytes of text). */
TCVM_API tcvm_status_t tcvm_sign_public_parse(const char *text, size_t len,
                                              uint8_t out_public[TCVM_SIGN_PUBLIC_SIZE],
                                              tcvm_error_t *err);

/* Writes the text form "ed25519:<lowercase hex>" and a NUL. */
TCVM_API void tcvm_sign_public_format(const uint8_t public_key[TCVM_SIGN_PUBLIC_SIZE],
                                      char out[TCVM_SIGN_PUBLIC_TEXT_SIZE]);

/* ---- age X25519 keys ------------------------------------------------------------------ */

/* "age1" + 58 characters + NUL */
#define TCVM_AGE_RECIPIENT_TEXT_SIZE 63
/* "AGE-SECRET-KEY-1" + 58 characters + NUL */
#define TCVM_AGE_IDENTITY_TEXT_SIZE 75

/* An X25519 recipient: the public key outputs are encrypted to. */
typedef struct tcvm_age_recipient {
    uint8_t public_key[32];
} tcvm_age_recipient_t;

/* An X25519 identity: the secret that opens what was sealed to its public key. Wipe it with
 * tcvm_age_identity_wipe when done. */
typedef struct tcvm_age_identity {
    uint8_t secret[32];
    uint8_t public_key[32];
} tcvm_age_identity_t;

/* Generates a new identity from the OS CSPRNG. */
TCVM_API tcvm_status_t tcvm_age_identity_generate(tcvm_age_identity_t *out_id);

/* The identity whose secret scalar is the 32 bytes given. */
TCVM_API tcvm_status_t tcvm_age_identity_from_secret(const uint8_t secret[32],
                                                     tcvm_age_identity_t *out_id);

/* Parses "AGE-SECRET-KEY-1..." (Bech32, HRP "AGE-SECRET-KEY-", 32-byte payload). */
TCVM_API tcvm_status_t tcvm_age_identity_parse(const char *text, size_t len,
                                               tcvm_age_identity_t *out_id, tcvm_error_t *err);

/* Writes the identity's text form (uppercase Bech32) and a NUL. */
TCVM_API void tcvm_age_identity_format(const tcvm_age_identity_t *id,
                                       char out[TCVM_AGE_IDENTITY_TEXT_SIZE]);

/* The recipient of an identity. */
TCVM_API void tcvm_age_identity_recipient(const tcvm_age_identity_t *id,
                                          tcvm_age_recipient_t *out_recipient);

/* Overwrites the identity with zeros. */
TCVM_API void tcvm_age_identity_wipe(tcvm_age_identity_t *id);

/*
 * Parses an identity file as `age-keygen` writes it and `age -i` reads it: one identity per
 * line, with empty lines and lines starting with '#' ignored (LF or CRLF line ends). On success
 * *out_ids (an array of *out_count, at least one) is owned by the caller and released with
 * tcvm_age_identities_free, which wipes it. err names the line of a bad entry.
 */
TCVM_API tcvm_status_t tcvm_age_identities_parse(const char *text, size_t size,
                                                 tcvm_age_identity_t **out_ids, size_t *out_count,
                                                 tcvm_error_t *err);

/* tcvm_age_identities_parse on the file at path. */
TCVM_API tcvm_status_t tcvm_age_identities_load(const char *path, tcvm_age_identity_t **out_ids,
                                                size_t *out_count, tcvm_error_t *err);

/* Wipes and frees an identity array; accepts NULL. */
TCVM_API void tcvm_age_identities_free(tcvm_age_identity_t *ids, size_t count);

/* Parses "age1..." (Bech32, HRP "age", 32-byte payload, lowercase). */
TCVM_API tcvm_status_t tcvm_age_recipient_parse(const char *text, size_t len,
                                                tcvm_age_recipient_t *out_recipient,
                                                tcvm_error_t *err);

/* Writes the recipient's text form and a NUL. */
TCVM_API void tcvm_age_recipient_format(const tcvm_age_recipient_t *recipient,
                                        char out[TCVM_AGE_RECIPIENT_TEXT_SIZE]);

/*
 * Parses a recipients file: one "age1..." per line, empty lines and '#' comments ignored. On
 * success *out_recipients (at least one) is owned by the caller (tcvm_seal_free).
 */
TCVM_API tcvm_status_t tcvm_age_recipients_parse(const char *text, size_t size,
                                                 tcvm_age_recipient_t **out_recipients,
                                                 size_t *out_count, tcvm_error_t *err);

/* tcvm_age_recipients_parse on the file at path (at most 1 MiB). */
TCVM_API tcvm_status_t tcvm_age_recipients_load(const char *path,
                                                tcvm_age_recipient_t **out_recipients,
                                                size_t *out_count, tcvm_error_t *err);

/* ---- keygen --------------------------------------------------------------------------- */

/* Where tcvm_keygen_write put a participant's files (paths owned by the struct). */
typedef struct tcvm_keygen_paths {
    char sign_key[4096];     /* NAME.sign.pem: Ed25519 PKCS#8 PEM, mode 0600 */
    char age_identity[4096]; /* NAME.age: age identity file, mode 0600 */
    char public_file[4096];  /* NAME.pub.json: the participant entry for a manifest */
} tcvm_keygen_paths_t;

/*
 * Generates a participant's signing key and age identity and writes the three files above into
 * dir. name must be a valid manifest id (docs/manifest.md). Existing files are refused
 * (TCVM_EEXIST) unless overwrite is true. Secret files are created with mode 0600 and written
 * whole or not at all.
 */
TCVM_API tcvm_status_t tcvm_keygen_write(const char *dir, const char *name, bool overwrite,
                                         tcvm_keygen_paths_t *out_paths, tcvm_error_t *err);

/* ---- sealing ---------------------------------------------------------------------------- */

/* Receives output bytes; a non-OK return aborts the operation with that status. */
typedef tcvm_status_t (*tcvm_seal_write_fn)(void *ctx, const uint8_t *data, size_t size);

/* Flag for tcvm_seal_begin and friends: write the ASCII-armored (PEM) form. */
#define TCVM_SEAL_ARMOR 1u

/* A streaming encryptor: an age file for a fixed set of recipients. */
typedef struct tcvm_sealer tcvm_sealer_t;

/*
 * Starts an age file to count recipients (1..TCVM_AGE_MAX_RECIPIENTS). A fresh file key, nonce
 * and ephemeral keys are drawn from the CSPRNG. Output goes to write(ctx, ...), which must stay
 * valid until finish or destroy. On success *out is owned by the caller.
 */
TCVM_API tcvm_status_t tcvm_seal_begin(const tcvm_age_recipient_t *recipients, size_t count,
                                       unsigned flags, tcvm_seal_write_fn write, void *ctx,
                                       tcvm_sealer_t **out, tcvm_error_t *err);

/* Adds plaintext; full 64 KiB chunks are encrypted and written as they fill. */
TCVM_API tcvm_status_t tcvm_seal_update(tcvm_sealer_t *s, const void *data, size_t size);

/* Encrypts the final chunk and writes the rest. After any failure the sealer refuses further
 * calls. */
TCVM_API tcvm_status_t tcvm_seal_finish(tcvm_sealer_t *s);

/* The detail of the sealer's last failure. */
TCVM_API const tcvm_error_t *tcvm_seal_error(const tcvm_sealer_t *s);

/* Wipes and frees the sealer; accepts NULL. */
TCVM_API void tcvm_seal_destroy(tcvm_sealer_t *s);

/* Seals (plaintext, size) into a new buffer (*out, *out_size) owned by the caller (tcvm_seal_free).
 */
TCVM_API tcvm_status_t tcvm_seal_buffer(const tcvm_age_recipient_t *recipients, size_t count,
                                        unsigned flags, const void *plaintext, size_t size,
                                        uint8_t **out, size_t *out_size, tcvm_error_t *err);

/*
 * Seals the file in_path (NULL: standard input) into out_path (NULL: standard output). A file
 * output is written to a temporary file beside it and renamed into place on success only.
 */
TCVM_API tcvm_status_t tcvm_seal_file(const tcvm_age_recipient_t *recipients, size_t count,
                                      unsigned flags, const char *in_path, const char *out_path,
                                      tcvm_error_t *err);

/* ---- opening ---------------------------------------------------------------------------- */

/* A streaming decryptor over binary or armored age files. */
typedef struct tcvm_opener tcvm_opener_t;

/*
 * Starts opening with count identities (borrowed; they must outlive the opener). Plaintext goes
 * to write(ctx, ...) one authenticated 64 KiB chunk at a time; it is NOT final until
 * tcvm_open_finish returns TCVM_OK (a later chunk may be missing or forged), so a caller that
 * must not release partial plaintext holds it back, as tcvm_open_buffer and tcvm_open_file do.
 */
TCVM_API tcvm_status_t tcvm_open_begin(const tcvm_age_identity_t *ids, size_t count,
                                       tcvm_seal_write_fn write, void *ctx, tcvm_opener_t **out);

/* Feeds ciphertext. After any failure the opener refuses further calls and wipes its keys. */
TCVM_API tcvm_status_t tcvm_open_update(tcvm_opener_t *o, const void *data, size_t size);

/* Signals the end of the ciphertext; TCVM_OK only if the whole stream authenticated. */
TCVM_API tcvm_status_t tcvm_open_finish(tcvm_opener_t *o);

/* The detail of the opener's last failure. */
TCVM_API const tcvm_error_t *tcvm_open_error(const tcvm_opener_t *o);

/* Wipes and frees the opener; accepts NULL. */
TCVM_API void tcvm_open_destroy(tcvm_opener_t *o);

/* Opens (data, size) whole: on success only, *out (owned by the caller, release with
 * tcvm_seal_free_secret) holds the plaintext. */
TCVM_API tcvm_status_t tcvm_open_buffer(const tcvm_age_identity_t *ids, size_t count,
                                        const void *data, size_t size, uint8_t **out,
                                        size_t *out_size, tcvm_error_t *err);

/*
 * Opens in_path (NULL: standard input) into out_path (NULL: standard output). A file output is
 * written to a temporary file (mode 0600) beside it and renamed into place only after the whole
 * stream authenticated; on failure it is removed. Standard output receives the plaintext only
 * after the whole stream authenticated, so it is held in memory, at most TCVM_SEAL_MAX_BUFFERED
 * bytes (256 MiB); larger plaintexts need a file output.
 */
TCVM_API tcvm_status_t tcvm_open_file(const tcvm_age_identity_t *ids, size_t count,
                                      const char *in_path, const char *out_path, tcvm_error_t *err);

/* ---- memory ----------------------------------------------------------------------------- */

/* Frees a buffer returned by a function of seal.h, manifest.h or transcript.h; accepts NULL. */
TCVM_API void tcvm_seal_free(void *ptr);

/* Wipes size bytes at ptr, then frees it; for secrets and plaintext. Accepts NULL. */
TCVM_API void tcvm_seal_free_secret(void *ptr, size_t size);

#ifdef __cplusplus
}
#endif

#endif
