/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal interfaces of the attestation subsystem, shared by its files: the evidence object,
 * the GHCB certificate-table codec, the AMD certificate extensions and the pinned AMD roots,
 * product detection, and the provider ops table that the `sev-snp` and `sim` backends fill.
 * Nothing here is public API.
 */
#ifndef TCVM_ATTEST_INTERNAL_H
#define TCVM_ATTEST_INTERNAL_H

#include "tcvm/attest.h"

#include "base/base.h"
#include "crypto/pki.h"

/* ---- evidence ----------------------------------------------------------------------------- */

#define TCVM__GUID_SIZE 16

typedef struct tcvm__attest_cert_entry {
    tcvm_attest_cert_kind_t kind;
    uint8_t guid[TCVM__GUID_SIZE]; /* as it appeared in a table (RFC 4122 byte order) */
    uint8_t *data;
    size_t size;
} tcvm__attest_cert_entry_t;

struct tcvm_attest_evidence {
    tcvm_attest_tee_t tee;
    uint8_t report[TCVM_SNP_REPORT_SIZE];
    tcvm__attest_cert_entry_t *certs;
    size_t cert_count;
};

/* The 2cvm evidence format (docs/evidence.md). */
#define TCVM__EVIDENCE_MAGIC "2cvmevid"
#define TCVM__EVIDENCE_MAGIC_SIZE 8
#define TCVM__EVIDENCE_VERSION 1u
#define TCVM__EVIDENCE_HEADER_SIZE 24

/* The RFC 4122 byte form of the GUID of kind (NULL for OTHER). */
const uint8_t *tcvm__cert_kind_guid(tcvm_attest_cert_kind_t kind);

/* Adds one entry with an explicit GUID (copied data). */
tcvm_status_t tcvm__evidence_add_entry(tcvm_attest_evidence_t *ev, tcvm_attest_cert_kind_t kind,
                                       const uint8_t guid[TCVM__GUID_SIZE], const uint8_t *data,
                                       size_t size, tcvm_error_t *err);

/* Builds a GHCB certificate table of the evidence's certificates into out. */
tcvm_status_t tcvm__cert_table_build(const tcvm_attest_evidence_t *ev, tcvm_buf_t *out);

/* ---- AMD certificate extensions (OID 1.3.6.1.4.1.3704.1.*) ----------------------------------- */

#define TCVM__AMD_OID_STRUCT_VERSION "1.3.6.1.4.1.3704.1.1"
#define TCVM__AMD_OID_PRODUCT_NAME "1.3.6.1.4.1.3704.1.2"
#define TCVM__AMD_OID_BL_SPL "1.3.6.1.4.1.3704.1.3.1"
#define TCVM__AMD_OID_TEE_SPL "1.3.6.1.4.1.3704.1.3.2"
#define TCVM__AMD_OID_SNP_SPL "1.3.6.1.4.1.3704.1.3.3"
#define TCVM__AMD_OID_SPL4 "1.3.6.1.4.1.3704.1.3.4"
#define TCVM__AMD_OID_SPL5 "1.3.6.1.4.1.3704.1.3.5"
#define TCVM__AMD_OID_SPL6 "1.3.6.1.4.1.3704.1.3.6"
#define TCVM__AMD_OID_SPL7 "1.3.6.1.4.1.3704.1.3.7"
#define TCVM__AMD_OID_UCODE_SPL "1.3.6.1.4.1.3704.1.3.8"
#define TCVM__AMD_OID_FMC_SPL "1.3.6.1.4.1.3704.1.3.9"
#define TCVM__AMD_OID_HWID "1.3.6.1.4.1.3704.1.4"
#define TCVM__AMD_OID_CSP_ID "1.3.6.1.4.1.3704.1.5"

/* The AMD extensions of a VCEK or VLEK; each has_ flag says whether the extension is present. */
typedef struct tcvm__vek_ext {
    bool any; /* at least one AMD extension is present */
    bool has_struct_version;
    uint64_t struct_version;
    bool has_product_name;
    char product_name[64];
    bool has_bl, has_tee, has_snp, has_ucode, has_fmc;
    uint8_t bl, tee, snp, ucode, fmc;
    bool has_spl[4]; /* .3.4 .. .3.7 */
    uint8_t spl[4];
    size_t hwid_size; /* 0 = absent; 64 (Milan, Genoa) or 8 (Turin) */
    bool hwid_wrapped; /* the value was an OCTET STRING rather than raw bytes */
    uint8_t hwid[TCVM_SNP_CHIP_ID_SIZE];
    bool has_csp_id;
    char csp_id[256];
} tcvm__vek_ext_t;

/*
 * Reads the AMD extensions of a certificate. Absent extensions are not an error; a present one
 * with a malformed value is (TCVM_ATTEST_MALFORMED, the OID named in err), as is a critical one.
 */
tcvm_status_t tcvm__vek_ext_parse(const tcvm_x509_t *x, tcvm__vek_ext_t *out, tcvm_error_t *err);

/* The product named by a productName value ("Milan-B0" -> Milan; the part before '-'). */
tcvm_snp_product_t tcvm__product_from_name(const char *name);
/* The product from CPUID family and model (UNKNOWN when not recognised). */
tcvm_snp_product_t tcvm__product_from_cpuid(uint8_t fam, uint8_t model);

/* The product whose AMD root (ARK) has this SHA-256 DER fingerprint; UNKNOWN when not pinned. */
tcvm_snp_product_t tcvm__pinned_ark_product(const uint8_t sha256[32]);

/* The subject CN prefix every certificate of the simulated TEE carries. */
#define TCVM__SIM_CN_PREFIX "SIMULATED "

/* ---- providers ------------------------------------------------------------------------------- */

typedef struct tcvm__attest_provider_ops {
    const char *name;
    tcvm_status_t (*open)(const tcvm_attest_provider_config_t *cfg, void **out_state,
                          tcvm_error_t *err);
    tcvm_status_t (*get)(void *state, const uint8_t report_data[TCVM_SNP_REPORT_DATA_SIZE],
                         tcvm_attest_evidence_t **out_evidence, const char **out_interface,
                         tcvm_error_t *err);
    void (*close)(void *state);
} tcvm__attest_provider_ops_t;

extern const tcvm__attest_provider_ops_t tcvm__provider_sev_snp;
extern const tcvm__attest_provider_ops_t tcvm__provider_sim;

#endif
