/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SEV-SNP ATTESTATION_REPORT (AMD SEV-SNP firmware ABI, versions 2, 3 and 5): a fixed
 * 1184-byte little-endian structure, decoded field by field with a bounded cursor in the order
 * of the layout table, never by casting a struct over the bytes. Version 3 added the CPUID
 * family/model/stepping bytes at 0x188; version 5 the two mitigation vectors at 0x1F8. Reserved
 * bytes are not interpreted and not refused. Also here: the two TCB_VERSION layouts and product
 * detection from CPUID.
 */
#include "attest/attest_internal.h"

#include <stdio.h>

const char *tcvm_snp_product_name(tcvm_snp_product_t product)
{
    switch (product) {
    case TCVM_SNP_PRODUCT_MILAN:
        return "Milan";
    case TCVM_SNP_PRODUCT_GENOA:
        return "Genoa";
    case TCVM_SNP_PRODUCT_TURIN:
        return "Turin";
    case TCVM_SNP_PRODUCT_VENICE:
        return "Venice";
    case TCVM_SNP_PRODUCT_UNKNOWN:
        break;
    }
    return "unknown";
}

static bool turin_layout(tcvm_snp_product_t product)
{
    return product == TCVM_SNP_PRODUCT_TURIN || product == TCVM_SNP_PRODUCT_VENICE;
}

tcvm_snp_tcb_t tcvm_snp_tcb_decode(uint64_t raw, tcvm_snp_product_t product)
{
    tcvm_snp_tcb_t t;
    memset(&t, 0, sizeof t);
    uint8_t b[8];
    tcvm__put_le64(b, raw);
    t.raw = raw;
    if (turin_layout(product)) {
        t.has_fmc = true;
        t.fmc = b[0];
        t.bootloader = b[1];
        t.tee = b[2];
        t.snp = b[3];
        memcpy(t.reserved, b + 4, 3);
    } else {
        t.bootloader = b[0];
        t.tee = b[1];
        memcpy(t.reserved, b + 2, 4);
        t.snp = b[6];
    }
    t.microcode = b[7];
    return t;
}

uint64_t tcvm_snp_tcb_encode(const tcvm_snp_tcb_t *tcb, tcvm_snp_product_t product)
{
    uint8_t b[8] = {0};
    if (turin_layout(product)) {
        b[0] = tcb->fmc;
        b[1] = tcb->bootloader;
        b[2] = tcb->tee;
        b[3] = tcb->snp;
        memcpy(b + 4, tcb->reserved, 3);
    } else {
        b[0] = tcb->bootloader;
        b[1] = tcb->tee;
        memcpy(b + 2, tcb->reserved, 4);
        b[6] = tcb->snp;
    }
    b[7] = tcb->microcode;
    return tcvm__le64(b);
}

tcvm_snp_product_t tcvm__product_from_cpuid(uint8_t fam, uint8_t model)
{
    if (fam == 0x19) {
        if (model <= 0x0f)
            return TCVM_SNP_PRODUCT_MILAN;
        if ((model >= 0x10 && model <= 0x1f) || (model >= 0xa0 && model <= 0xaf))
            return TCVM_SNP_PRODUCT_GENOA;
    } else if (fam == 0x1a) {
        if (model <= 0x11)
            return TCVM_SNP_PRODUCT_TURIN;
        if ((model >= 0x50 && model <= 0x57) || (model >= 0x90 && model <= 0xaf) ||
            (model >= 0xc0 && model <= 0xc7))
            return TCVM_SNP_PRODUCT_VENICE;
    }
    return TCVM_SNP_PRODUCT_UNKNOWN;
}

static bool all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* Reads n bytes at the cursor into out. */
static tcvm_status_t take(tcvm_cursor_t *c, void *out, size_t n)
{
    const uint8_t *p;
    tcvm_status_t st = tcvm__cur_bytes(c, n, &p);
    if (st == TCVM_OK)
        memcpy(out, p, n);
    return st;
}

static tcvm_status_t skip(tcvm_cursor_t *c, size_t n)
{
    const uint8_t *p;
    return tcvm__cur_bytes(c, n, &p);
}

static tcvm_status_t u8(tcvm_cursor_t *c, uint8_t *out)
{
    return tcvm__cur_u8(c, out);
}

tcvm_status_t tcvm_snp_report_decode(const uint8_t *data, size_t size, tcvm_snp_report_t *out,
                                     tcvm_error_t *err)
{
    if (data == NULL || size != TCVM_SNP_REPORT_SIZE)
        return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                            "report: %zu bytes, an SEV-SNP attestation report has exactly %d",
                            data ? size : 0, TCVM_SNP_REPORT_SIZE);
    tcvm_snp_report_t *r = tcvm__calloc(1, sizeof *r);
    if (r == NULL)
        return tcvm__errorf(err, TCVM_ENOMEM, "report: out of memory");
    tcvm_cursor_t c = tcvm__cursor(data, size);
    tcvm_status_t st = TCVM_OK;
    /* The layout, in order; every read is bounded by the cursor (size was checked above). */
    st |= tcvm__cur_u32le(&c, &r->version);                  /* 0x000 */
    st |= tcvm__cur_u32le(&c, &r->guest_svn);                /* 0x004 */
    st |= tcvm__cur_u64le(&c, &r->policy);                   /* 0x008 */
    st |= take(&c, r->family_id, sizeof r->family_id);       /* 0x010 */
    st |= take(&c, r->image_id, sizeof r->image_id);         /* 0x020 */
    st |= tcvm__cur_u32le(&c, &r->vmpl);                     /* 0x030 */
    st |= tcvm__cur_u32le(&c, &r->signature_algo);           /* 0x034 */
    st |= tcvm__cur_u64le(&c, &r->current_tcb);              /* 0x038 */
    st |= tcvm__cur_u64le(&c, &r->platform_info);            /* 0x040 */
    st |= tcvm__cur_u32le(&c, &r->key_info);                 /* 0x048 */
    st |= skip(&c, 4);                                       /* 0x04C reserved */
    st |= take(&c, r->report_data, sizeof r->report_data);   /* 0x050 */
    st |= take(&c, r->measurement, sizeof r->measurement);   /* 0x090 */
    st |= take(&c, r->host_data, sizeof r->host_data);       /* 0x0C0 */
    st |= take(&c, r->id_key_digest, 48);                    /* 0x0E0 */
    st |= take(&c, r->author_key_digest, 48);                /* 0x110 */
    st |= take(&c, r->report_id, 32);                        /* 0x140 */
    st |= take(&c, r->report_id_ma, 32);                     /* 0x160 */
    st |= tcvm__cur_u64le(&c, &r->reported_tcb);             /* 0x180 */
    st |= u8(&c, &r->cpuid_fam_id);                          /* 0x188 (v3+) */
    st |= u8(&c, &r->cpuid_mod_id);                          /* 0x189 (v3+) */
    st |= u8(&c, &r->cpuid_step);                            /* 0x18A (v3+) */
    st |= skip(&c, 21);                                      /* 0x18B reserved */
    st |= take(&c, r->chip_id, sizeof r->chip_id);           /* 0x1A0 */
    st |= tcvm__cur_u64le(&c, &r->committed_tcb);            /* 0x1E0 */
    st |= u8(&c, &r->current_build);                         /* 0x1E8 */
    st |= u8(&c, &r->current_minor);                         /* 0x1E9 */
    st |= u8(&c, &r->current_major);                         /* 0x1EA */
    st |= skip(&c, 1);                                       /* 0x1EB reserved */
    st |= u8(&c, &r->committed_build);                       /* 0x1EC */
    st |= u8(&c, &r->committed_minor);                       /* 0x1ED */
    st |= u8(&c, &r->committed_major);                       /* 0x1EE */
    st |= skip(&c, 1);                                       /* 0x1EF reserved */
    st |= tcvm__cur_u64le(&c, &r->launch_tcb);               /* 0x1F0 */
    st |= tcvm__cur_u64le(&c, &r->launch_mit_vector);        /* 0x1F8 (v5) */
    st |= tcvm__cur_u64le(&c, &r->current_mit_vector);       /* 0x200 (v5) */
    st |= skip(&c, 0x98);                                    /* 0x208 reserved */
    st |= take(&c, r->signature_r, sizeof r->signature_r);   /* 0x2A0 */
    st |= take(&c, r->signature_s, sizeof r->signature_s);   /* 0x2E8 */
    st |= skip(&c, 0x170);                                   /* 0x330 reserved */
    if (st != TCVM_OK || !tcvm__cur_eof(&c)) {
        /* cannot happen with the size checked above; kept so a layout edit cannot overrun */
        tcvm__free(r);
        return tcvm__errorf(err, TCVM_EINTERNAL, "report: layout does not add up to %d bytes",
                            TCVM_SNP_REPORT_SIZE);
    }
    if (r->version < 2) {
        uint32_t v = r->version;
        tcvm__free(r);
        return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                            "report: version %u at offset 0x0 is not supported (2 or later)", v);
    }
    r->has_cpuid = r->version >= 3;
    if (!r->has_cpuid)
        r->cpuid_fam_id = r->cpuid_mod_id = r->cpuid_step = 0; /* reserved before v3 */
    r->has_mit_vectors = r->version >= 5;
    if (!r->has_mit_vectors)
        r->launch_mit_vector = r->current_mit_vector = 0; /* reserved before v5 */
    if (r->has_cpuid) {
        r->product = tcvm__product_from_cpuid(r->cpuid_fam_id, r->cpuid_mod_id);
    } else if (!all_zero(r->chip_id, 8) && all_zero(r->chip_id + 8, 56)) {
        /* version 2 has no CPUID: an 8-byte chip id is the Turin shape */
        r->product = TCVM_SNP_PRODUCT_TURIN;
    } else {
        r->product = TCVM_SNP_PRODUCT_UNKNOWN;
    }
    memcpy(r->raw, data, TCVM_SNP_REPORT_SIZE);
    memcpy(out, r, sizeof *r);
    tcvm__free(r);
    return TCVM_OK;
}
