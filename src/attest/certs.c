/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AMD's VCEK/VLEK certificate extensions and the pinned AMD roots. The extensions live under
 * 1.3.6.1.4.1.3704.1: structVersion and the SPLs are DER INTEGERs, productName and cspID are
 * IA5Strings, and hwID is the chip id as raw bytes (64, or 8 on Turin) or, in some issued
 * certificates, the same bytes wrapped in an OCTET STRING. X.509 and DER decoding is OpenSSL's
 * (crypto/pki.h); this file checks the shapes of the values AMD defines.
 *
 * The ARK of each product is trusted only by the SHA-256 of its DER encoding, pinned below. The
 * values are the digests of AMD's public ARK-Milan, ARK-Genoa and ARK-Turin certificates (the
 * KDS cert_chain responses), which are self-signed RSA-4096 roots valid until 2045-2048.
 */
#include "attest/attest_internal.h"

#include <stdio.h>

static const struct {
    tcvm_snp_product_t product;
    uint8_t sha256[32];
} pinned_arks[] = {
    {TCVM_SNP_PRODUCT_MILAN, /* CN=ARK-Milan, 2020-10-22 .. 2045-10-22 */
     {0x69, 0xd0, 0x63, 0xb4, 0x53, 0x44, 0xd2, 0x6a,
      0x2e, 0x94, 0xe1, 0xf4, 0x21, 0x0d, 0xe4, 0x9e,
      0xf5, 0x55, 0x30, 0x82, 0x87, 0xd4, 0xc1, 0x74,
      0x44, 0x5c, 0x95, 0x63, 0x9a, 0x54, 0x0b, 0xcd}},
    {TCVM_SNP_PRODUCT_GENOA, /* CN=ARK-Genoa, 2022-01-26 .. 2047 */
     {0x4c, 0x65, 0x98, 0xd1, 0x9c, 0x18, 0x71, 0x9c,
      0x5d, 0xfd, 0x4a, 0x7d, 0x33, 0x5f, 0x67, 0x4e,
      0x5b, 0xfe, 0x1d, 0x8f, 0x80, 0x0c, 0xea, 0x2c,
      0xf2, 0x70, 0xc1, 0x0d, 0x10, 0x3d, 0xb2, 0xf1}},
    {TCVM_SNP_PRODUCT_TURIN, /* CN=ARK-Turin, 2023-05-15 .. 2048 */
     {0x1f, 0x08, 0x41, 0x61, 0xa4, 0x4b, 0xb6, 0xd9,
      0x37, 0x78, 0xa9, 0x04, 0x87, 0x7d, 0x48, 0x19,
      0xca, 0xfa, 0x5d, 0x05, 0xef, 0x41, 0x93, 0xb2,
      0xde, 0xd9, 0xdd, 0x9c, 0x73, 0xdd, 0x3f, 0x6a}},
};

tcvm_snp_product_t tcvm__pinned_ark_product(const uint8_t sha256[32])
{
    for (size_t i = 0; i < TCVM__ARRAY_COUNT(pinned_arks); i++) {
        if (memcmp(pinned_arks[i].sha256, sha256, 32) == 0)
            return pinned_arks[i].product;
    }
    return TCVM_SNP_PRODUCT_UNKNOWN;
}

tcvm_snp_product_t tcvm__product_from_name(const char *name)
{
    static const struct {
        const char *name;
        tcvm_snp_product_t product;
    } names[] = {
        {"Milan", TCVM_SNP_PRODUCT_MILAN},
        {"Genoa", TCVM_SNP_PRODUCT_GENOA},
        {"Turin", TCVM_SNP_PRODUCT_TURIN},
    };
    size_t n = strcspn(name, "-");
    for (size_t i = 0; i < TCVM__ARRAY_COUNT(names); i++) {
        if (strlen(names[i].name) == n && strncmp(names[i].name, name, n) == 0)
            return names[i].product;
    }
    return TCVM_SNP_PRODUCT_UNKNOWN;
}

/* Looks up one extension; *present tells whether it exists. Refuses a critical one. */
static tcvm_status_t ext_value(const tcvm_x509_t *x, const char *oid, const uint8_t **value,
                              size_t *size, bool *present, tcvm_error_t *err)
{
    bool critical = false;
    tcvm_status_t st = tcvm__x509_ext(x, oid, value, size, &critical);
    *present = false;
    if (st == TCVM_ENOENT)
        return TCVM_OK;
    if (st == TCVM_EFORMAT)
        return tcvm__errorf(err, TCVM_ATTEST_MALFORMED, "certificate extension %s appears twice",
                            oid);
    if (st != TCVM_OK)
        return tcvm__errorf(err, st, "certificate extension %s: %s", oid, tcvm_status_message(st));
    if (critical)
        return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                            "certificate extension %s is marked critical", oid);
    *present = true;
    return TCVM_OK;
}

static tcvm_status_t ext_spl(const tcvm_x509_t *x, const char *oid, bool *has, uint8_t *out,
                             bool *any, tcvm_error_t *err)
{
    const uint8_t *v;
    size_t n;
    tcvm_status_t st = ext_value(x, oid, &v, &n, has, err);
    if (st != TCVM_OK || !*has)
        return st;
    *any = true;
    uint64_t value;
    if (tcvm__der_uint(v, n, &value) != TCVM_OK)
        return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                            "certificate extension %s: not a DER INTEGER (%zu bytes)", oid, n);
    if (value > 255)
        return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                            "certificate extension %s: SPL %llu is over 255", oid,
                            (unsigned long long)value);
    *out = (uint8_t)value;
    return TCVM_OK;
}

static bool printable(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    }
    return true;
}

static tcvm_status_t ext_string(const tcvm_x509_t *x, const char *oid, bool *has, char *out,
                                size_t out_size, bool *any, tcvm_error_t *err)
{
    const uint8_t *v;
    size_t n;
    tcvm_status_t st = ext_value(x, oid, &v, &n, has, err);
    if (st != TCVM_OK || !*has)
        return st;
    *any = true;
    st = tcvm__der_ia5(v, n, out, out_size);
    if (st == TCVM_ELIMIT)
        return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                            "certificate extension %s: string longer than %zu bytes", oid,
                            out_size - 1);
    if (st != TCVM_OK || !printable(out))
        return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                            "certificate extension %s: not a printable DER IA5String", oid);
    return TCVM_OK;
}

static tcvm_status_t ext_hwid(const tcvm_x509_t *x, tcvm__vek_ext_t *out, tcvm_error_t *err)
{
    const uint8_t *v;
    size_t n;
    bool has;
    tcvm_status_t st = ext_value(x, TCVM__AMD_OID_HWID, &v, &n, &has, err);
    if (st != TCVM_OK || !has)
        return st;
    out->any = true;
    /* raw bytes (the form KDS issues) are exactly 64 or 8 bytes; anything else must be an
     * OCTET STRING holding 64 or 8 bytes */
    if (n == 64 || n == 8) {
        memcpy(out->hwid, v, n);
        out->hwid_size = n;
        return TCVM_OK;
    }
    size_t got = 0;
    if (tcvm__der_octets(v, n, out->hwid, sizeof out->hwid, &got) == TCVM_OK &&
        (got == 64 || got == 8)) {
        out->hwid_size = got;
        out->hwid_wrapped = true;
        return TCVM_OK;
    }
    memset(out->hwid, 0, sizeof out->hwid);
    return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                        "certificate extension %s (hwID): %zu bytes, want 64 or 8 raw bytes or an "
                        "OCTET STRING of them",
                        TCVM__AMD_OID_HWID, n);
}

tcvm_status_t tcvm__vek_ext_parse(const tcvm_x509_t *x, tcvm__vek_ext_t *out, tcvm_error_t *err)
{
    tcvm__vek_ext_t e;
    memset(&e, 0, sizeof e);
    tcvm_status_t st;
    const uint8_t *v;
    size_t n;

    st = ext_value(x, TCVM__AMD_OID_STRUCT_VERSION, &v, &n, &e.has_struct_version, err);
    if (st != TCVM_OK)
        return st;
    if (e.has_struct_version) {
        e.any = true;
        if (tcvm__der_uint(v, n, &e.struct_version) != TCVM_OK)
            return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                                "certificate extension %s (structVersion): not a DER INTEGER",
                                TCVM__AMD_OID_STRUCT_VERSION);
    }
    st = ext_string(x, TCVM__AMD_OID_PRODUCT_NAME, &e.has_product_name, e.product_name,
                    sizeof e.product_name, &e.any, err);
    if (st != TCVM_OK)
        return st;
    static const char *const spl_oids[4] = {TCVM__AMD_OID_SPL4, TCVM__AMD_OID_SPL5,
                                            TCVM__AMD_OID_SPL6, TCVM__AMD_OID_SPL7};
    if ((st = ext_spl(x, TCVM__AMD_OID_BL_SPL, &e.has_bl, &e.bl, &e.any, err)) != TCVM_OK ||
        (st = ext_spl(x, TCVM__AMD_OID_TEE_SPL, &e.has_tee, &e.tee, &e.any, err)) != TCVM_OK ||
        (st = ext_spl(x, TCVM__AMD_OID_SNP_SPL, &e.has_snp, &e.snp, &e.any, err)) != TCVM_OK ||
        (st = ext_spl(x, TCVM__AMD_OID_UCODE_SPL, &e.has_ucode, &e.ucode, &e.any, err)) !=
            TCVM_OK ||
        (st = ext_spl(x, TCVM__AMD_OID_FMC_SPL, &e.has_fmc, &e.fmc, &e.any, err)) != TCVM_OK)
        return st;
    for (int i = 0; i < 4; i++) {
        st = ext_spl(x, spl_oids[i], &e.has_spl[i], &e.spl[i], &e.any, err);
        if (st != TCVM_OK)
            return st;
    }
    st = ext_hwid(x, &e, err);
    if (st != TCVM_OK)
        return st;
    st = ext_string(x, TCVM__AMD_OID_CSP_ID, &e.has_csp_id, e.csp_id, sizeof e.csp_id, &e.any,
                    err);
    if (st != TCVM_OK)
        return st;
    *out = e;
    return TCVM_OK;
}
