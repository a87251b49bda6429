/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Commitment Manifest: the agreement every participant signs and the policy the runtime
 * enforces. A manifest is a JSON document (schema version 1, docs/manifest.md) naming the
 * participants and their keys, the accepted runtime (TEE, launch measurements, minimum TCB),
 * the components with their digests and limits, the inputs and who may read them, the channels
 * between components, the outputs and who receives them, and the entry point.
 *
 * Its digest is SHA-256 of the exact file bytes. Each participant consents by signing a
 * domain-separated message containing the digest with its Ed25519 key; a consent bundle carries
 * the manifest bytes and the signatures and is complete when every participant has signed.
 *
 * Parsing refuses anything that does not follow the schema or is inconsistent, with a message
 * that names the JSON line and column (syntax) or the field path, e.g. "components[2].owner".
 * A parsed manifest is a read-only plain struct; everything it points to is owned by it.
 */
#ifndef TCVM_MANIFEST_H
#define TCVM_MANIFEST_H

#include "tcvm/common.h"
#include "tcvm/seal.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TCVM_MANIFEST_VERSION 1
#define TCVM_DIGEST_SIZE 32
#define TCVM_SNP_MEASUREMENT_SIZE 48
#define TCVM_SNP_CHIP_ID_SIZE 64

/* The kind of trusted execution environment the agreement accepts. */
typedef enum tcvm_tee {
    TCVM_TEE_SEV_SNP = 1, /* "sev-snp": an AMD SEV-SNP confidential VM */
    TCVM_TEE_SIM = 2,     /* "sim": the software stand-in, for development and tests only */
} tcvm_tee_t;

/* Minimum TCB component versions (SNP TCB_VERSION fields). */
typedef struct tcvm_manifest_tcb {
    uint8_t bootloader;
    uint8_t tee;
    uint8_t snp;
    uint8_t microcode;
    bool has_fmc; /* "fmc" given (Turin and later) */
    uint8_t fmc;
} tcvm_manifest_tcb_t;

/*
 * The manifest's "runtime" section: what a verifier accepts as the VM running this agreement.
 * The attestation subsystem's verification policy carries the same fields.
 */
typedef struct tcvm_manifest_runtime {
    tcvm_tee_t tee;
    size_t measurement_count; /* at least 1 */
    const uint8_t (*measurements)[TCVM_SNP_MEASUREMENT_SIZE];
    tcvm_manifest_tcb_t min_tcb;
    bool allow_debug;           /* default false */
    bool allow_smt;             /* default true */
    bool allow_migration_agent; /* default false */
    bool has_min_abi;           /* "min_abi" given */
    uint8_t min_abi_major;
    uint8_t min_abi_minor;
    size_t chip_id_count; /* 0: any machine */
    const uint8_t (*chip_ids)[TCVM_SNP_CHIP_ID_SIZE];
} tcvm_manifest_runtime_t;

typedef struct tcvm_manifest_participant {
    const char *id;
    const char *name; /* display name; NULL when absent */
    uint8_t signing_key[TCVM_SIGN_PUBLIC_SIZE];
    tcvm_age_recipient_t recipient;
} tcvm_manifest_participant_t;

/* Indexes below refer to the manifest's arrays (participants, components, ...). */
typedef struct tcvm_manifest_component {
    const char *id;
    size_t owner; /* participant */
    uint8_t digest[TCVM_DIGEST_SIZE];
    uint64_t memory_limit;   /* bytes of linear memory, all memories together */
    uint64_t fuel_limit;     /* 0: not limited by fuel */
    uint64_t time_limit_ms;  /* 0: not limited by wall-clock time */
    const char *description; /* NULL when absent */
} tcvm_manifest_component_t;

typedef struct tcvm_manifest_input {
    const char *id;
    size_t owner; /* participant */
    bool has_digest;
    uint8_t digest[TCVM_DIGEST_SIZE];
    uint64_t max_size;
    size_t reader_count;   /* at least 1 */
    const size_t *readers; /* components */
    const char *description;
} tcvm_manifest_input_t;

typedef struct tcvm_manifest_channel {
    size_t from;           /* component that calls */
    size_t to;             /* component that exports the interface */
    const char *interface; /* WIT interface name, e.g. "tcvm:demo/risk-model" */
} tcvm_manifest_channel_t;

typedef struct tcvm_manifest_output {
    const char *id;
    size_t writer;            /* component */
    size_t recipient_count;   /* at least 1 */
    const size_t *recipients; /* participants */
    uint64_t max_size;
    const char *description;
} tcvm_manifest_output_t;

typedef struct tcvm_manifest_entry {
    size_t component;
    const char *export_name; /* "run", or "ns:pkg/iface#run" */
} tcvm_manifest_entry_t;

typedef struct tcvm_manifest_arena tcvm_manifest_arena_t;

/* A parsed and checked manifest. Read-only; release with tcvm_manifest_destroy. */
typedef struct tcvm_manifest {
    uint32_t version;
    const char *name;
    const char *description;
    uint8_t digest[TCVM_DIGEST_SIZE]; /* SHA-256 of bytes */
    const uint8_t *bytes;             /* the exact file bytes */
    size_t size;
    size_t participant_count;
    const tcvm_manifest_participant_t *participants;
    tcvm_manifest_runtime_t runtime;
    size_t component_count;
    const tcvm_manifest_component_t *components;
    size_t input_count;
    const tcvm_manifest_input_t *inputs;
    size_t channel_count;
    const tcvm_manifest_channel_t *channels;
    size_t output_count;
    const tcvm_manifest_output_t *outputs;
    tcvm_manifest_entry_t entry;
    tcvm_manifest_arena_t *arena; /* private: owns everything above */
} tcvm_manifest_t;

/*
 * Parses and checks a manifest from (data, size), at most TCVM_MANIFEST_MAX_SIZE bytes. The bytes
 * are copied. Status: TCVM_MANIFEST_SYNTAX (not JSON: err gives line and column),
 * TCVM_MANIFEST_SCHEMA (a field is missing, unknown, of the wrong type or badly formed),
 * TCVM_MANIFEST_SEMANTIC (ids, references or limits are inconsistent). On success *out is owned
 * by the caller.
 */
TCVM_API tcvm_status_t tcvm_manifest_parse(const uint8_t *data, size_t size, tcvm_manifest_t **out,
                                           tcvm_error_t *err);

/* tcvm_manifest_parse on the file at path (the message then starts with the path). */
TCVM_API tcvm_status_t tcvm_manifest_load(const char *path, tcvm_manifest_t **out,
                                          tcvm_error_t *err);

/* Frees the manifest and everything it points to; accepts NULL. */
TCVM_API void tcvm_manifest_destroy(tcvm_manifest_t *m);

/* Index lookups by id; false when absent. */
TCVM_API bool tcvm_manifest_find_participant(const tcvm_manifest_t *m, const char *id,
                                             size_t *out_index);
TCVM_API bool tcvm_manifest_find_component(const tcvm_manifest_t *m, const char *id,
                                           size_t *out_index);
TCVM_API bool tcvm_manifest_find_input(const tcvm_manifest_t *m, const char *id, size_t *out_index);
TCVM_API bool tcvm_manifest_find_output(const tcvm_manifest_t *m, const char *id,
                                        size_t *out_index);

/* The participant whose signing key is public_key; false when none. */
TCVM_API bool tcvm_manifest_find_signer(const tcvm_manifest_t *m,
                                        const uint8_t public_key[TCVM_SIGN_PUBLIC_SIZE],
                                        size_t *out_index);

/* Policy queries the runtime enforces. Out-of-range indexes answer false. */
/* The input is routed to the component (the component is one of its readers). */
TCVM_API bool tcvm_manifest_may_read(const tcvm_manifest_t *m, size_t component, size_t input);
/* The component is the output's writer. */
TCVM_API bool tcvm_manifest_may_write(const tcvm_manifest_t *m, size_t component, size_t output);
/* A channel lets component from call interface of component to. */
TCVM_API bool tcvm_manifest_may_call(const tcvm_manifest_t *m, size_t from, size_t to,
                                     const char *interface);
/* The participant is a recipient of the output. */
TCVM_API bool tcvm_manifest_receives(const tcvm_manifest_t *m, size_t participant, size_t output);

/* ---- sizes and durations ---------------------------------------------------------------- */

/*
 * Parses a size as people write it: a whole number without leading zeros immediately followed
 * by a unit: B, kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024).
 * "256MiB", "64KiB", "1GB", "0B". Refused: no unit, a space, fractions, signs, "KB" (ambiguous),
 * other case, overflow past 2^64 - 1. Status TCVM_MANIFEST_VALUE with the reason in err.
 */
TCVM_API tcvm_status_t tcvm_manifest_parse_size(const char *text, size_t len, uint64_t *out_bytes,
                                                tcvm_error_t *err);

/*
 * Parses a duration: a whole number without leading zeros immediately followed by ms, s, m
 * (minutes) or h. "500ms", "30s", "2m". The result is in milliseconds. Status
 * TCVM_MANIFEST_VALUE.
 */
TCVM_API tcvm_status_t tcvm_manifest_parse_duration(const char *text, size_t len, uint64_t *out_ms,
                                                    tcvm_error_t *err);

/* Writes bytes in the largest unit that expresses it exactly ("256MiB", "1GB", "1000001B"). */
TCVM_API void tcvm_manifest_format_size(uint64_t bytes, char out[32]);

/* Writes ms in the largest unit that expresses it exactly ("2m", "30s", "1500ms"). */
TCVM_API void tcvm_manifest_format_duration(uint64_t ms, char out[32]);

/* ---- consent ---------------------------------------------------------------------------- */

/*
 * The consent message a participant signs: the 24 ASCII bytes "2cvm-manifest-consent-v1", one
 * zero byte, then the 32-byte manifest digest; 57 bytes in all.
 */
#define TCVM_CONSENT_TAG "2cvm-manifest-consent-v1"
#define TCVM_CONSENT_MESSAGE_SIZE 57

TCVM_API void tcvm_manifest_consent_message(const uint8_t digest[TCVM_DIGEST_SIZE],
                                            uint8_t out[TCVM_CONSENT_MESSAGE_SIZE]);

/*
 * Signs m's consent message with key. The key must be the signing key of one of m's
 * participants (TCVM_MANIFEST_CONSENT otherwise); *out_participant names which.
 */
TCVM_API tcvm_status_t tcvm_manifest_consent_sign(const tcvm_manifest_t *m,
                                                  const tcvm_sign_key_t *key,
                                                  size_t *out_participant,
                                                  uint8_t out_sig[TCVM_SIGN_SIGNATURE_SIZE],
                                                  tcvm_error_t *err);

/* TCVM_OK when sig is participant's valid consent signature on m, else
 * TCVM_MANIFEST_CONSENT. */
TCVM_API tcvm_status_t tcvm_manifest_consent_verify(const tcvm_manifest_t *m, size_t participant,
                                                    const uint8_t sig[TCVM_SIGN_SIGNATURE_SIZE]);

/* ---- consent bundles -------------------------------------------------------------------- */

/*
 * A consent bundle: the exact manifest bytes and the consent signatures gathered so far (at
 * most one per participant, each verified when added). Its JSON form is in docs/manifest.md.
 */
typedef struct tcvm_bundle tcvm_bundle_t;

/* A bundle with no signatures for the manifest in (data, size) (parsed and checked). */
TCVM_API tcvm_status_t tcvm_bundle_create(const uint8_t *data, size_t size, tcvm_bundle_t **out,
                                          tcvm_error_t *err);

/*
 * Reads a bundle from (data, size). Also accepts a bare manifest, read as a bundle with no
 * signatures. Every signature must verify and belong to a distinct participant; the embedded
 * digest must match the bytes. Status TCVM_MANIFEST_BUNDLE (malformed bundle),
 * TCVM_MANIFEST_CONSENT (a bad signature), or a manifest status (prefixed "manifest: ").
 */
TCVM_API tcvm_status_t tcvm_bundle_parse(const uint8_t *data, size_t size, tcvm_bundle_t **out,
                                         tcvm_error_t *err);

/* tcvm_bundle_parse on the file at path. */
TCVM_API tcvm_status_t tcvm_bundle_load(const char *path, tcvm_bundle_t **out, tcvm_error_t *err);

/* True when the input of tcvm_bundle_parse was a bundle, false for a bare manifest. */
TCVM_API bool tcvm_bundle_was_bundle(const tcvm_bundle_t *b);

/* The manifest the bundle is about (owned by the bundle). */
TCVM_API const tcvm_manifest_t *tcvm_bundle_manifest(const tcvm_bundle_t *b);

/* Whether participant has signed. */
TCVM_API bool tcvm_bundle_has_signed(const tcvm_bundle_t *b, size_t participant);

/* Number of participants that have signed. */
TCVM_API size_t tcvm_bundle_signed_count(const tcvm_bundle_t *b);

/* True when every participant has signed: the manifest may be run. */
TCVM_API bool tcvm_bundle_complete(const tcvm_bundle_t *b);

/* Adds key's consent signature; *out_participant names who signed. Signing again is allowed
 * and leaves one signature (Ed25519 signatures are deterministic). */
TCVM_API tcvm_status_t tcvm_bundle_sign(tcvm_bundle_t *b, const tcvm_sign_key_t *key,
                                        size_t *out_participant);

/* Adds the signatures of src to dst; both must be about the same manifest bytes. */
TCVM_API tcvm_status_t tcvm_bundle_merge(tcvm_bundle_t *dst, const tcvm_bundle_t *src);

/* Writes the bundle's JSON form into a new buffer (owned by the caller, tcvm_seal_free). */
TCVM_API tcvm_status_t tcvm_bundle_serialize(const tcvm_bundle_t *b, char **out, size_t *out_size);

/* Writes the bundle's JSON form to path, whole or not at all (temporary file, then rename). */
TCVM_API tcvm_status_t tcvm_bundle_save(const tcvm_bundle_t *b, const char *path,
                                        tcvm_error_t *err);

/* The detail of the bundle's last failure. */
TCVM_API const tcvm_error_t *tcvm_bundle_error(const tcvm_bundle_t *b);

/* Frees the bundle; accepts NULL. */
TCVM_API void tcvm_bundle_destroy(tcvm_bundle_t *b);

#ifdef __cplusplus
}
#endif

#endif
