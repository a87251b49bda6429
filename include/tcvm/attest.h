/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SEV-SNP attestation: decode attestation reports (versions 2, 3 and 5), carry a report and its
 * certificates together as evidence, verify evidence against AMD's pinned roots and an explicit
 * policy, and get evidence from a provider (the `sev-snp` guest interfaces, or the `sim` software
 * TEE for development and tests, which every verifier refuses unless told otherwise).
 *
 * Verification names the first check that fails with a stable string (TCVM_ATTEST_CHECK_*) and
 * a message; a verifier that has failed stays failed. Nothing here uses the network.
 */
#ifndef TCVM_ATTEST_H
#define TCVM_ATTEST_H

#include "tcvm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the attestation report ------------------------------------------------------------------ */

#define TCVM_SNP_REPORT_SIZE 1184      /* 0x4A0 */
#define TCVM_SNP_SIGNED_SIZE 672       /* 0x2A0: the bytes the signature covers */
#define TCVM_SNP_REPORT_DATA_SIZE 64
#define TCVM_SNP_MEASUREMENT_SIZE 48
#define TCVM_SNP_HOST_DATA_SIZE 32
#define TCVM_SNP_CHIP_ID_SIZE 64

/* The processor generation, which fixes the TCB layout and the AMD root. */
typedef enum tcvm_snp_product {
    TCVM_SNP_PRODUCT_UNKNOWN = 0,
    TCVM_SNP_PRODUCT_MILAN,
    TCVM_SNP_PRODUCT_GENOA, /* also Siena and Bergamo */
    TCVM_SNP_PRODUCT_TURIN,
    TCVM_SNP_PRODUCT_VENICE, /* recognised from CPUID only; not verifiable (no pinned root) */
} tcvm_snp_product_t;

/* "Milan", "Genoa", "Turin", "Venice" or "unknown". */
TCVM_API const char *tcvm_snp_product_name(tcvm_snp_product_t product);

/*
 * A TCB_VERSION. Milan and Genoa: byte 0 bootloader, 1 TEE, 2..5 reserved, 6 SNP, 7 microcode.
 * Turin and later: byte 0 FMC, 1 bootloader, 2 TEE, 3 SNP, 4..6 reserved, 7 microcode.
 */
typedef struct tcvm_snp_tcb {
    uint64_t raw;
    bool has_fmc; /* Turin layout */
    uint8_t fmc;
    uint8_t bootloader;
    uint8_t tee;
    uint8_t snp;
    uint8_t microcode;
    uint8_t reserved[4]; /* the reserved bytes in order (3 used in the Turin layout) */
} tcvm_snp_tcb_t;

/* Splits a raw TCB_VERSION with the layout of product (Milan/Genoa layout when unknown). */
TCVM_API tcvm_snp_tcb_t tcvm_snp_tcb_decode(uint64_t raw, tcvm_snp_product_t product);
/* Builds the raw TCB_VERSION from the named fields (and reserved bytes) for product. */
TCVM_API uint64_t tcvm_snp_tcb_encode(const tcvm_snp_tcb_t *tcb, tcvm_snp_product_t product);

/* GUEST_POLICY bits. */
#define TCVM_SNP_POLICY_SMT (1ull << 16)
#define TCVM_SNP_POLICY_RESERVED_1 (1ull << 17) /* must be 1 */
#define TCVM_SNP_POLICY_MIGRATE_MA (1ull << 18)
#define TCVM_SNP_POLICY_DEBUG (1ull << 19)
#define TCVM_SNP_POLICY_SINGLE_SOCKET (1ull << 20)
#define TCVM_SNP_POLICY_CXL_ALLOW (1ull << 21)
#define TCVM_SNP_POLICY_MEM_AES_256_XTS (1ull << 22)
#define TCVM_SNP_POLICY_RAPL_DIS (1ull << 23)
#define TCVM_SNP_POLICY_CIPHERTEXT_HIDING (1ull << 24)
#define TCVM_SNP_POLICY_PAGE_SWAP_DISABLE (1ull << 25)

/* KEY_INFO.SIGNING_KEY values. */
#define TCVM_SNP_SIGNING_KEY_VCEK 0u
#define TCVM_SNP_SIGNING_KEY_VLEK 1u
#define TCVM_SNP_SIGNING_KEY_NONE 7u

/*
 * Every field of an ATTESTATION_REPORT. Fields that a version does not have are zero and their
 * has_ flag is false. Reserved bytes are not interpreted; `raw` keeps the whole report so that
 * nothing is lost (tcvm_attest_evidence_text shows reserved bytes that are not zero).
 */
typedef struct tcvm_snp_report {
    uint32_t version;
    uint32_t guest_svn;
    uint64_t policy;
    uint8_t family_id[16];
    uint8_t image_id[16];
    uint32_t vmpl;
    uint32_t signature_algo;
    uint64_t current_tcb;
    uint64_t platform_info;
    uint32_t key_info;
    uint8_t report_data[TCVM_SNP_REPORT_DATA_SIZE];
    uint8_t measurement[TCVM_SNP_MEASUREMENT_SIZE];
    uint8_t host_data[TCVM_SNP_HOST_DATA_SIZE];
    uint8_t id_key_digest[48];
    uint8_t author_key_digest[48];
    uint8_t report_id[32];
    uint8_t report_id_ma[32];
    uint64_t reported_tcb;
    bool has_cpuid; /* version 3 and later */
    uint8_t cpuid_fam_id;
    uint8_t cpuid_mod_id;
    uint8_t cpuid_step;
    uint8_t chip_id[TCVM_SNP_CHIP_ID_SIZE];
    uint64_t committed_tcb;
    uint8_t current_build, current_minor, current_major;
    uint8_t committed_build, committed_minor, committed_major;
    uint64_t launch_tcb;
    bool has_mit_vectors; /* version 5 and later */
    uint64_t launch_mit_vector;
    uint64_t current_mit_vector;
    uint8_t signature_r[72]; /* little-endian, as in the report */
    uint8_t signature_s[72];
    /* The product as far as the report alone tells: CPUID (v3+), else the Turin chip-id shape. */
    tcvm_snp_product_t product;
    uint8_t raw[TCVM_SNP_REPORT_SIZE];
} tcvm_snp_report_t;

/*
 * Decodes a report of exactly TCVM_SNP_REPORT_SIZE bytes. Refuses other sizes and versions
 * below 2 (TCVM_ATTEST_MALFORMED with the detail in err); a version above 5 is decoded with the
 * version 5 layout. Reserved bits are never refused. out is written only on success.
 */
TCVM_API tcvm_status_t tcvm_snp_report_decode(const uint8_t *data, size_t size,
                                              tcvm_snp_report_t *out, tcvm_error_t *err);

/* KEY_INFO fields. */
static inline unsigned tcvm_snp_report_signing_key(const tcvm_snp_report_t *r)
{
    return (r->key_info >> 2) & 7u;
}

/* ---- evidence: a report with its certificates ------------------------------------------------ */

typedef enum tcvm_attest_tee {
    TCVM_ATTEST_TEE_SEV_SNP = 1,
    TCVM_ATTEST_TEE_SIM = 2,
} tcvm_attest_tee_t;

/* "sev-snp" or "sim" (NULL for other values). */
TCVM_API const char *tcvm_attest_tee_name(tcvm_attest_tee_t tee);

/* What a certificate in evidence is, by the GUID of its certificate-table entry. */
typedef enum tcvm_attest_cert_kind {
    TCVM_ATTEST_CERT_VCEK = 1,
    TCVM_ATTEST_CERT_VLEK,
    TCVM_ATTEST_CERT_ASK, /* the ASK, or the ASVK (the table uses one GUID for both) */
    TCVM_ATTEST_CERT_ARK,
    TCVM_ATTEST_CERT_CRL,
    TCVM_ATTEST_CERT_OTHER, /* an entry with a GUID this version does not know; kept */
} tcvm_attest_cert_kind_t;

/* "VCEK", "VLEK", "ASK", "ARK", "CRL", "other". */
TCVM_API const char *tcvm_attest_cert_kind_name(tcvm_attest_cert_kind_t kind);

/* A report and the certificates that came with it (see docs/evidence.md). */
typedef struct tcvm_attest_evidence tcvm_attest_evidence_t;

/* New evidence from a raw report (copied), with no certificates. */
TCVM_API tcvm_status_t tcvm_attest_evidence_new(tcvm_attest_tee_t tee, const uint8_t *report,
                                                size_t report_size,
                                                tcvm_attest_evidence_t **out_evidence,
                                                tcvm_error_t *err);

/*
 * Parses the 2cvm evidence format exactly (magic, header, report, certificate table). The
 * certificate table is checked for shape (entries, offsets, sizes); certificate contents are
 * parsed only when used. out_evidence is owned by the caller.
 */
TCVM_API tcvm_status_t tcvm_attest_evidence_parse(const uint8_t *data, size_t size,
                                                  tcvm_attest_evidence_t **out_evidence,
                                                  tcvm_error_t *err);

/*
 * Loads evidence from any of the forms a user may hold: the 2cvm evidence format, a raw
 * 1184-byte report, a report written as hex text, or an Azure HCL report (the SNP report at
 * offset 0x20). Reports without certificates are taken as `sev-snp`. *out_form (optional) gets a
 * short description of the form found ("2cvm evidence", "raw report", ...; static storage).
 */
TCVM_API tcvm_status_t tcvm_attest_evidence_load(const uint8_t *data, size_t size,
                                                 tcvm_attest_evidence_t **out_evidence,
                                                 const char **out_form, tcvm_error_t *err);

/*
 * Reads a GHCB certificate table (the extended-report certs buffer, or configfs-tsm `auxblob`)
 * and adds its certificates to the evidence. An empty buffer (size 0) or one that starts with
 * the terminating all-zero entry adds nothing.
 */
TCVM_API tcvm_status_t tcvm_attest_evidence_add_cert_table(tcvm_attest_evidence_t *ev,
                                                           const uint8_t *table, size_t size,
                                                           tcvm_error_t *err);

/* Adds one certificate (DER or PEM bytes, copied) of the given kind. */
TCVM_API tcvm_status_t tcvm_attest_evidence_add_cert(tcvm_attest_evidence_t *ev,
                                                     tcvm_attest_cert_kind_t kind,
                                                     const uint8_t *data, size_t size,
                                                     tcvm_error_t *err);

/* Serialises to the 2cvm evidence format into a new buffer owned by the caller (free()). */
TCVM_API tcvm_status_t tcvm_attest_evidence_encode(const tcvm_attest_evidence_t *ev,
                                                   uint8_t **out_data, size_t *out_size);

TCVM_API tcvm_attest_tee_t tcvm_attest_evidence_tee(const tcvm_attest_evidence_t *ev);
/* The 1184 report bytes (borrowed from ev). */
TCVM_API const uint8_t *tcvm_attest_evidence_report(const tcvm_attest_evidence_t *ev);
TCVM_API size_t tcvm_attest_evidence_cert_count(const tcvm_attest_evidence_t *ev);
/* The index-th certificate: kind and bytes (borrowed from ev). */
TCVM_API tcvm_status_t tcvm_attest_evidence_cert(const tcvm_attest_evidence_t *ev, size_t index,
                                                 tcvm_attest_cert_kind_t *out_kind,
                                                 const uint8_t **out_data, size_t *out_size);
TCVM_API void tcvm_attest_evidence_destroy(tcvm_attest_evidence_t *ev);

/*
 * Renders every field of the report and every certificate readably, as text (json false) or as
 * one JSON object (json true) whose keys follow the names of the report fields. extra_certs
 * (DER or PEM, may be NULL) are shown too, and help determine the product and TCB layout. The
 * NUL-terminated result is owned by the caller (free()).
 */
TCVM_API tcvm_status_t tcvm_attest_evidence_describe(const tcvm_attest_evidence_t *ev,
                                                     const uint8_t *extra_certs,
                                                     size_t extra_certs_size, bool json,
                                                     char **out_text, tcvm_error_t *err);

/* ---- the verification policy --------------------------------------------------------------- */

#define TCVM_ATTEST_MAX_MEASUREMENTS 64
#define TCVM_ATTEST_MAX_CHIP_IDS 64

/*
 * What a verifier accepts. Built by tcvm_attest_policy_init and then set field by field, or from
 * a manifest's `runtime` section. The expected values are optional: a check whose expected value
 * is absent (count 0, has_ false) is not applied, and the result says so.
 */
typedef struct tcvm_attest_policy {
    int64_t verify_time;  /* certificates must be valid at this instant (seconds, UTC) */
    bool allow_simulated; /* accept evidence of the `sim` TEE (never for real use) */
    bool allow_debug;     /* accept GUEST_POLICY.DEBUG = 1 (default false) */
    bool allow_smt;       /* accept GUEST_POLICY.SMT = 1 (default true) */
    bool allow_migration_agent; /* accept GUEST_POLICY.MIGRATE_MA = 1 (default false) */
    bool has_min_abi; /* the GUEST_POLICY ABI must be at least min_abi_major.min_abi_minor */
    uint8_t min_abi_major;
    uint8_t min_abi_minor;
    bool has_min_tcb; /* REPORTED_TCB and LAUNCH_TCB at least min_tcb, field by field */
    tcvm_snp_tcb_t min_tcb; /* bootloader, tee, snp, microcode; fmc when has_fmc (Turin) */
    size_t measurement_count; /* MEASUREMENT must be one of these */
    uint8_t measurements[TCVM_ATTEST_MAX_MEASUREMENTS][TCVM_SNP_MEASUREMENT_SIZE];
    bool has_host_data;
    uint8_t host_data[TCVM_SNP_HOST_DATA_SIZE];
    bool has_report_data;
    uint8_t report_data[TCVM_SNP_REPORT_DATA_SIZE];
    size_t chip_id_count; /* CHIP_ID must be one of these */
    uint8_t chip_ids[TCVM_ATTEST_MAX_CHIP_IDS][TCVM_SNP_CHIP_ID_SIZE];
} tcvm_attest_policy_t;

/* The defaults: nothing expected, debug and migration agent refused, SMT allowed. */
TCVM_API void tcvm_attest_policy_init(tcvm_attest_policy_t *policy, int64_t verify_time);

/*
 * Applies a manifest's `runtime` section (JSON text of the object: tee, measurements, min_tcb,
 * allow_debug, allow_smt, allow_migration_agent, min_abi, chip_ids) to policy. Unknown keys and
 * malformed values are refused with the key named in err; policy is changed only on success.
 * "tee": "sim" sets allow_simulated.
 */
TCVM_API tcvm_status_t tcvm_attest_policy_apply_runtime_json(tcvm_attest_policy_t *policy,
                                                             const char *json, size_t size,
                                                             tcvm_error_t *err);

/* ---- verification ---------------------------------------------------------------------------- */

/* Stable names of the checks, in the order they run. */
#define TCVM_ATTEST_CHECK_FORMAT "format"             /* the report decodes and is signed */
#define TCVM_ATTEST_CHECK_SIMULATED "simulated"       /* sim evidence without allow_simulated */
#define TCVM_ATTEST_CHECK_VEK "vek"                   /* a VCEK/VLEK certificate is present */
#define TCVM_ATTEST_CHECK_SIGNING_KEY "signing_key"   /* KEY_INFO agrees with the cert type */
#define TCVM_ATTEST_CHECK_CHAIN "chain"               /* VEK <- ASK/ASVK <- pinned ARK */
#define TCVM_ATTEST_CHECK_PRODUCT "product"           /* ARK, VEK and CPUID agree */
#define TCVM_ATTEST_CHECK_VALIDITY "validity"         /* every cert valid at verify_time */
#define TCVM_ATTEST_CHECK_HWID "hwid"                 /* VCEK hwID = CHIP_ID */
#define TCVM_ATTEST_CHECK_TCB_MISMATCH "tcb_mismatch" /* VEK SPLs = REPORTED_TCB */
#define TCVM_ATTEST_CHECK_SIGNATURE "signature"       /* ECDSA P-384 over bytes 0..0x29F */
#define TCVM_ATTEST_CHECK_POLICY_DEBUG "policy_debug"
#define TCVM_ATTEST_CHECK_POLICY_MA "policy_migration_agent"
#define TCVM_ATTEST_CHECK_POLICY_SMT "policy_smt"
#define TCVM_ATTEST_CHECK_POLICY_ABI "policy_abi"
#define TCVM_ATTEST_CHECK_MIN_TCB "min_tcb"
#define TCVM_ATTEST_CHECK_MEASUREMENT "measurement"
#define TCVM_ATTEST_CHECK_HOST_DATA "host_data"
#define TCVM_ATTEST_CHECK_REPORT_DATA "report_data"
#define TCVM_ATTEST_CHECK_CHIP_ID "chip_id"

/* Which key signed the report, as established by verification. */
typedef enum tcvm_attest_signer {
    TCVM_ATTEST_SIGNER_NONE = 0,
    TCVM_ATTEST_SIGNER_VCEK,
    TCVM_ATTEST_SIGNER_VLEK,
} tcvm_attest_signer_t;

/* Bits of tcvm_attest_result_t.not_checked: optional checks that had no expected value. */
#define TCVM_ATTEST_SKIPPED_POLICY_ABI (1u << 0)
#define TCVM_ATTEST_SKIPPED_MIN_TCB (1u << 1)
#define TCVM_ATTEST_SKIPPED_MEASUREMENT (1u << 2)
#define TCVM_ATTEST_SKIPPED_HOST_DATA (1u << 3)
#define TCVM_ATTEST_SKIPPED_REPORT_DATA (1u << 4)
#define TCVM_ATTEST_SKIPPED_CHIP_ID (1u << 5)

/* The outcome of one verification. */
typedef struct tcvm_attest_result {
    tcvm_status_t status;  /* TCVM_OK, or why it failed */
    const char *check;     /* the failed check (TCVM_ATTEST_CHECK_*); NULL on success */
    char message[TCVM_ERROR_MSG_SIZE];
    bool simulated;        /* the chain ended at the sim TEE's root */
    tcvm_snp_product_t product;
    tcvm_attest_signer_t signer;
    uint32_t not_checked;  /* TCVM_ATTEST_SKIPPED_* */
    tcvm_snp_report_t report; /* decoded (valid when check is not "format") */
    tcvm_snp_tcb_t reported_tcb; /* REPORTED_TCB in the product's layout */
} tcvm_attest_result_t;

/*
 * A verifier holds a copy of a policy and the certificates the caller supplies. It is a security
 * object: after one verification fails it refuses every later call (TCVM_ESTATE, repeating the
 * first failure), so a caller cannot probe it into accepting something else.
 */
typedef struct tcvm_attest_verifier tcvm_attest_verifier_t;

TCVM_API tcvm_status_t tcvm_attest_verifier_new(const tcvm_attest_policy_t *policy,
                                                tcvm_attest_verifier_t **out_verifier);

/*
 * Adds certificates (DER, or PEM with one or more certificates; copied) that take precedence
 * over those in the evidence: a VCEK/VLEK given here is the one used.
 */
TCVM_API tcvm_status_t tcvm_attest_verifier_add_certs(tcvm_attest_verifier_t *v,
                                                      const uint8_t *data, size_t size);

/*
 * Adds every certificate found in the regular files of a directory (not recursive; files that
 * are not certificates are skipped). They are used after the evidence's own certificates.
 */
TCVM_API tcvm_status_t tcvm_attest_verifier_add_cert_dir(tcvm_attest_verifier_t *v,
                                                         const char *path);

/*
 * Verifies evidence against the policy. Returns TCVM_OK when every check passes; otherwise
 * TCVM_ATTEST_VERIFY (TCVM_ATTEST_SIMULATED for the `simulated` check, TCVM_ATTEST_MALFORMED for
 * `format`) with the failed check and message in *out_result (which is always written, and must
 * not be NULL).
 */
TCVM_API tcvm_status_t tcvm_attest_verifier_verify(tcvm_attest_verifier_t *v,
                                                   const tcvm_attest_evidence_t *ev,
                                                   tcvm_attest_result_t *out_result);

/* The detail of the verifier's last failure (adding certificates, or verification). */
TCVM_API const tcvm_error_t *tcvm_attest_verifier_error(const tcvm_attest_verifier_t *v);

TCVM_API void tcvm_attest_verifier_destroy(tcvm_attest_verifier_t *v);

/* ---- providers: getting evidence inside a guest ------------------------------------------- */

typedef struct tcvm_attest_provider_config {
    /* sev-snp */
    const char *tsm_root;  /* configfs-tsm report directory; NULL = /sys/kernel/config/tsm/report */
    const char *tsm_entry; /* use this entry of tsm_root (kept); NULL: a fresh one, removed */
    const char *device;    /* NULL = /dev/sev-guest */
    bool set_vmpl;         /* request `vmpl` instead of the default (the guest's own level) */
    uint32_t vmpl;
    /* sim */
    const char *sim_dir; /* key directory, created on first use (required for sim) */
    tcvm_snp_product_t sim_product; /* UNKNOWN = Genoa */
    uint8_t sim_measurement[TCVM_SNP_MEASUREMENT_SIZE];
    uint8_t sim_host_data[TCVM_SNP_HOST_DATA_SIZE];
    uint64_t sim_policy;  /* 0 = 0x30000 (SMT allowed, reserved bit) */
    tcvm_snp_tcb_t sim_tcb; /* the TCB it reports and certifies */
} tcvm_attest_provider_config_t;

/* Sets the config to defaults (all zero, sim TCB bootloader 10, snp 23, microcode 84). */
TCVM_API void tcvm_attest_provider_config_init(tcvm_attest_provider_config_t *cfg);

typedef struct tcvm_attest_provider tcvm_attest_provider_t;

/*
 * Opens the provider named "sev-snp" or "sim". cfg is read during the call only (strings are
 * copied). TCVM_ATTEST_PROVIDER when the interface is not there, with the detail in err.
 */
TCVM_API tcvm_status_t tcvm_attest_provider_open(const char *name,
                                                 const tcvm_attest_provider_config_t *cfg,
                                                 tcvm_attest_provider_t **out_provider,
                                                 tcvm_error_t *err);

/*
 * Gets fresh evidence whose REPORT_DATA is report_data (64 bytes). The evidence is owned by the
 * caller. A provider whose guest channel failed stays failed (the kernel disables the VMPCK).
 */
TCVM_API tcvm_status_t
tcvm_attest_provider_get(tcvm_attest_provider_t *p,
                         const uint8_t report_data[TCVM_SNP_REPORT_DATA_SIZE],
                         tcvm_attest_evidence_t **out_evidence, tcvm_error_t *err);

/* Which interface the provider used last ("configfs-tsm", "sev-guest ioctl", "sim"). */
TCVM_API const char *tcvm_attest_provider_interface(const tcvm_attest_provider_t *p);

TCVM_API void tcvm_attest_provider_destroy(tcvm_attest_provider_t *p);

#ifdef __cplusplus
}
#endif

#endif
