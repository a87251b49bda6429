/* SPDX-License-Identifier: Apache-2.0 */
/*
 * X.509 certificates, ECDSA P-384 and RSASSA-PSS through OpenSSL, for the attestation subsystem:
 * parse certificates (DER or PEM), read their names, validity, keys, signature algorithms and raw
 * extension values, decode the DER values AMD puts inside its extensions, validate a three-level
 * path with OpenSSL, verify and make the little-endian (r, s) ECDSA signatures of SEV-SNP
 * reports, generate and store P-384 keys, and issue certificates (for the simulated TEE).
 * Internal API; every OpenSSL object stays behind the opaque types declared here, and every
 * failure clears OpenSSL's error queue after copying its reason into the caller's error.
 */
#ifndef TCVM_CRYPTO_PKI_H
#define TCVM_CRYPTO_PKI_H

#include "base/base.h"

/* One parsed certificate, reference counted (tcvm__x509_ref / tcvm__x509_free). */
typedef struct tcvm_x509 tcvm_x509_t;
/* One private key (P-384 in this project). */
typedef struct tcvm_pkey tcvm_pkey_t;

typedef enum tcvm_pki_sigalg {
    TCVM_PKI_SIG_OTHER = 0,
    TCVM_PKI_SIG_RSA_PSS_SHA384, /* RSASSA-PSS, SHA-384, MGF1-SHA-384, salt 48 (exactly) */
    TCVM_PKI_SIG_ECDSA_SHA384,
} tcvm_pki_sigalg_t;

typedef enum tcvm_pki_keytype {
    TCVM_PKI_KEY_OTHER = 0,
    TCVM_PKI_KEY_RSA,
    TCVM_PKI_KEY_EC_P384,
} tcvm_pki_keytype_t;

/* ---- parsing ---------------------------------------------------------------------------- */

/* Parses exactly one DER certificate that spans all of (der, size). */
tcvm_status_t tcvm__x509_parse_der(const uint8_t *der, size_t size, tcvm_x509_t **out_cert,
                                   tcvm_error_t *err);

/* True when data looks like PEM text (contains a "-----BEGIN " line). */
bool tcvm__pki_is_pem(const uint8_t *data, size_t size);

/*
 * Parses a DER certificate or every CERTIFICATE block of a PEM text. Appends new references to
 * *list (grown with tcvm__reallocarray; the caller frees each entry and the array) and adds to
 * *count. Refuses more than max_count certificates in total and PEM text without a certificate.
 */
tcvm_status_t tcvm__x509_parse_any(const uint8_t *data, size_t size, size_t max_count,
                                   tcvm_x509_t ***list, size_t *count, tcvm_error_t *err);

/* Adds a reference; returns x. */
tcvm_x509_t *tcvm__x509_ref(tcvm_x509_t *x);
/* Drops a reference; NULL is accepted. */
void tcvm__x509_free(tcvm_x509_t *x);

/* The DER encoding (borrowed, lives as long as x). */
const uint8_t *tcvm__x509_der(const tcvm_x509_t *x, size_t *out_size);
/* SHA-256 of the DER encoding (32 bytes, borrowed). */
const uint8_t *tcvm__x509_sha256(const tcvm_x509_t *x);

/* The subject commonName as UTF-8 ("" when absent or not representable); always terminated. */
void tcvm__x509_subject_cn(const tcvm_x509_t *x, char *buf, size_t size);
/* The subject or issuer name on one line ("CN=..., O=..."); always terminated. */
void tcvm__x509_name_text(const tcvm_x509_t *x, bool issuer, char *buf, size_t size);
/* The issuer name of child equals the subject name of parent. */
bool tcvm__x509_issued_by_name(const tcvm_x509_t *child, const tcvm_x509_t *parent);
/* Subject equals issuer. */
bool tcvm__x509_self_issued(const tcvm_x509_t *x);
/* basicConstraints says CA:TRUE. */
bool tcvm__x509_is_ca(const tcvm_x509_t *x);
/* The serial number when it fits 64 bits (false otherwise). */
bool tcvm__x509_serial_u64(const tcvm_x509_t *x, uint64_t *out);

/* notBefore and notAfter as seconds since the epoch (UTC). */
tcvm_status_t tcvm__x509_validity(const tcvm_x509_t *x, int64_t *out_not_before,
                                  int64_t *out_not_after);

/* The certificate's signature algorithm, classified exactly (see tcvm_pki_sigalg_t). */
tcvm_pki_sigalg_t tcvm__x509_sigalg(const tcvm_x509_t *x);
/* Short text of the signature algorithm, for messages ("rsassaPss", "ecdsa-with-SHA384"). */
void tcvm__x509_sigalg_text(const tcvm_x509_t *x, char *buf, size_t size);
/* The subject public key's type; *out_bits (optional) gets its size in bits. */
tcvm_pki_keytype_t tcvm__x509_keytype(const tcvm_x509_t *x, int *out_bits);

/* The signature on child verifies with parent's public key (nothing else is checked). */
bool tcvm__x509_signed_by(const tcvm_x509_t *child, const tcvm_x509_t *parent);

/*
 * OpenSSL path validation of leaf <- intermediate <- root with root as the only trust anchor and
 * the intermediate as the only untrusted certificate; validity times are not checked here (the
 * caller checks them at its own time). Checks that the built path is exactly these three
 * certificates. On failure writes OpenSSL's reason to why and returns TCVM_CRYPTO_BAD_SIGNATURE
 * (or TCVM_ENOMEM).
 */
tcvm_status_t tcvm__x509_verify_path(const tcvm_x509_t *leaf, const tcvm_x509_t *intermediate,
                                     const tcvm_x509_t *root, char *why, size_t why_size);

/*
 * The raw contents of the extnValue OCTET STRING of the extension with the dotted oid (borrowed,
 * lives as long as x). TCVM_ENOENT when absent, TCVM_EFORMAT when present more than once.
 * *out_critical (optional) tells whether it is marked critical.
 */
tcvm_status_t tcvm__x509_ext(const tcvm_x509_t *x, const char *oid, const uint8_t **out_value,
                             size_t *out_size, bool *out_critical);

/* ---- DER values inside extensions --------------------------------------------------------- */

/* A DER INTEGER spanning all of (der, size), non-negative and < 2^64. */
tcvm_status_t tcvm__der_uint(const uint8_t *der, size_t size, uint64_t *out);
/* A DER IA5String spanning all of (der, size), copied with a NUL (size must fit). */
tcvm_status_t tcvm__der_ia5(const uint8_t *der, size_t size, char *out, size_t out_size);
/* A DER OCTET STRING spanning all of (der, size); its contents are copied (up to cap). */
tcvm_status_t tcvm__der_octets(const uint8_t *der, size_t size, uint8_t *out, size_t cap,
                               size_t *out_size);
/* Appends the DER encoding of an INTEGER / IA5String to out. */
tcvm_status_t tcvm__der_encode_uint(uint64_t v, tcvm_buf_t *out);
tcvm_status_t tcvm__der_encode_ia5(const char *s, tcvm_buf_t *out);

/* ---- ECDSA P-384 with the SEV-SNP signature layout ----------------------------------------- */

#define TCVM_PKI_LE_COMPONENT_SIZE 72 /* r and s: little-endian, zero-padded to 72 bytes */

/*
 * Verifies an ECDSA P-384 / SHA-384 signature over (msg, size) with the certificate's public key;
 * r and s are 72-byte little-endian integers. TCVM_CRYPTO_BAD_KEY when the key is not P-384,
 * TCVM_CRYPTO_BAD_SIGNATURE when the signature does not verify.
 */
tcvm_status_t tcvm__ecdsa_p384_verify_le(const tcvm_x509_t *cert, const void *msg, size_t size,
                                         const uint8_t *r_le, const uint8_t *s_le);

/* ---- keys and issuing (the simulated TEE and tests) ----------------------------------------- */

tcvm_status_t tcvm__pkey_generate_p384(tcvm_pkey_t **out_key);
void tcvm__pkey_free(tcvm_pkey_t *key);
/* Writes the key as PKCS#8 PEM to a new file (O_EXCL) with mode 0600. */
tcvm_status_t tcvm__pkey_save(const tcvm_pkey_t *key, const char *path, tcvm_error_t *err);
/* Reads a PEM private key; refuses a file that group or others may read or write. */
tcvm_status_t tcvm__pkey_load(const char *path, tcvm_pkey_t **out_key, tcvm_error_t *err);
/* The key is the private half of the certificate's public key. */
bool tcvm__pkey_matches(const tcvm_pkey_t *key, const tcvm_x509_t *cert);
/* DER SubjectPublicKeyInfo of the key, appended to out. */
tcvm_status_t tcvm__pkey_public_der(const tcvm_pkey_t *key, tcvm_buf_t *out);
/* ECDSA P-384 / SHA-384 over (msg, size); writes 72-byte little-endian r and s. */
tcvm_status_t tcvm__ecdsa_p384_sign_le(const tcvm_pkey_t *key, const void *msg, size_t size,
                                       uint8_t *r_le, uint8_t *s_le);

/* A name attribute ("CN", "O", "OU", "C", "L", "ST") and its UTF-8 value. */
typedef struct tcvm_pki_name_attr {
    const char *field;
    const char *value;
} tcvm_pki_name_attr_t;

/* A non-critical extension with a dotted oid and the raw bytes of its extnValue contents. */
typedef struct tcvm_pki_ext {
    const char *oid;
    const uint8_t *value;
    size_t size;
} tcvm_pki_ext_t;

typedef struct tcvm_pki_cert_spec {
    const tcvm_pki_name_attr_t *subject; /* in order */
    size_t subject_count;
    uint64_t serial;
    int64_t not_before; /* seconds since the epoch */
    int64_t not_after;
    bool ca;          /* basicConstraints CA:TRUE (critical) and keyUsage certSign, cRLSign */
    int pathlen;      /* CA path length constraint; < 0 for none */
    const tcvm_pki_ext_t *exts;
    size_t ext_count;
} tcvm_pki_cert_spec_t;

/*
 * Issues a certificate for subject_key signed with ECDSA-SHA384 by issuer_key, with issuer's
 * subject as the issuer name; issuer NULL makes it self-signed (issuer_key must then be
 * subject_key).
 */
tcvm_status_t tcvm__x509_issue(const tcvm_pki_cert_spec_t *spec, const tcvm_pkey_t *subject_key,
                               const tcvm_pkey_t *issuer_key, const tcvm_x509_t *issuer,
                               tcvm_x509_t **out_cert, tcvm_error_t *err);

/* Appends the PEM encoding of the certificate to out. */
tcvm_status_t tcvm__x509_to_pem(const tcvm_x509_t *x, tcvm_buf_t *out);

#endif
