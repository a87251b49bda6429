/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Evidence: one attestation report with the certificates that vouch for it. Three byte forms
 * meet here. The GHCB certificate table is what the host hands a guest with an extended report
 * (configfs-tsm `auxblob`, the SNP_GET_EXT_REPORT buffer): 24-byte entries {GUID, offset,
 * length} ending with an all-zero entry, offsets relative to the table. The 2cvm evidence format
 * (docs/evidence.md) is a 24-byte header, the report, and such a table. And the loader accepts
 * what users hold besides: raw reports, reports as hex text, Azure HCL reports. All of it is
 * untrusted: every size and offset is checked against the buffer and the caps in limits.h.
 */
#include "attest/attest_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

/* GUIDs of the certificate table, RFC 4122 byte order (the order of the text form). */
static const struct {
    tcvm_attest_cert_kind_t kind;
    uint8_t guid[TCVM__GUID_SIZE];
} guids[] = {
    {TCVM_ATTEST_CERT_VCEK, /* 63da758d-e664-4564-adc5-f4b93be8accd */
     {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
      0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd}},
    {TCVM_ATTEST_CERT_VLEK, /* a8074bc2-a25a-483e-aae6-39c045a0b8a1 */
     {0xa8, 0x07, 0x4b, 0xc2, 0xa2, 0x5a, 0x48, 0x3e,
      0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1}},
    {TCVM_ATTEST_CERT_ASK, /* 4ab7b379-bbac-4fe4-a02f-05aef327c782 (ASK or ASVK) */
     {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
      0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82}},
    {TCVM_ATTEST_CERT_ARK, /* c0b406a4-a803-4952-9743-3fb6014cd0ae */
     {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
      0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae}},
    {TCVM_ATTEST_CERT_CRL, /* 92f81bc3-5811-4d3d-97ff-d19f88dc67ea */
     {0x92, 0xf8, 0x1b, 0xc3, 0x58, 0x11, 0x4d, 0x3d,
      0x97, 0xff, 0xd1, 0x9f, 0x88, 0xdc, 0x67, 0xea}},
};

/* A placeholder GUID for entries added without one (kind OTHER): 2cvm's own, random v4. */
static const uint8_t other_guid[TCVM__GUID_SIZE] = {0x9b, 0x1d, 0x5e, 0x2a, 0x77, 0x40, 0x4c, 0x1f,
      0x8e, 0x3b, 0x52, 0x61, 0x0c, 0xd4, 0xa9, 0x17};

const char *tcvm_attest_cert_kind_name(tcvm_attest_cert_kind_t kind)
{
    switch (kind) {
    case TCVM_ATTEST_CERT_VCEK:
        return "VCEK";
    case TCVM_ATTEST_CERT_VLEK:
        return "VLEK";
    case TCVM_ATTEST_CERT_ASK:
        return "ASK";
    case TCVM_ATTEST_CERT_ARK:
        return "ARK";
    case TCVM_ATTEST_CERT_CRL:
        return "CRL";
    case TCVM_ATTEST_CERT_OTHER:
        break;
    }
    return "other";
}

const char *tcvm_attest_tee_name(tcvm_attest_tee_t tee)
{
    switch (tee) {
    case TCVM_ATTEST_TEE_SEV_SNP:
        return "sev-snp";
    case TCVM_ATTEST_TEE_SIM:
        return "sim";
    }
    return NULL;
}

const uint8_t *tcvm__cert_kind_guid(tcvm_attest_cert_kind_t kind)
{
    for (size_t i = 0; i < TCVM__ARRAY_COUNT(guids); i++) {
        if (guids[i].kind == kind)
            return guids[i].guid;
    }
    return NULL;
}

/* The kind of a table GUID, in RFC 4122 byte order or in the mixed-endian EFI order. */
static tcvm_attest_cert_kind_t kind_of_guid(const uint8_t *g)
{
    uint8_t swapped[TCVM__GUID_SIZE] = {g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6]};
    memcpy(swapped + 8, g + 8, 8);
    for (size_t i = 0; i < TCVM__ARRAY_COUNT(guids); i++) {
        if (memcmp(guids[i].guid, g, TCVM__GUID_SIZE) == 0 ||
            memcmp(guids[i].guid, swapped, TCVM__GUID_SIZE) == 0)
            return guids[i].kind;
    }
    return TCVM_ATTEST_CERT_OTHER;
}

tcvm_status_t tcvm_attest_evidence_new(tcvm_attest_tee_t tee, const uint8_t *report,
                                       size_t report_size, tcvm_attest_evidence_t **out_evidence,
                                       tcvm_error_t *err)
{
    if (tee != TCVM_ATTEST_TEE_SEV_SNP && tee != TCVM_ATTEST_TEE_SIM)
        return tcvm__errorf(err, TCVM_EINVAL, "evidence: unknown TEE kind %d", (int)tee);
    if (report == NULL || report_size != TCVM_SNP_REPORT_SIZE)
        return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                            "evidence: the report has %zu bytes, want %d", report ? report_size : 0,
                            TCVM_SNP_REPORT_SIZE);
    tcvm_attest_evidence_t *ev = tcvm__calloc(1, sizeof *ev);
    if (ev == NULL)
        return tcvm__errorf(err, TCVM_ENOMEM, "evidence: out of memory");
    ev->tee = tee;
    memcpy(ev->report, report, TCVM_SNP_REPORT_SIZE);
    *out_evidence = ev;
    return TCVM_OK;
}

void tcvm_attest_evidence_destroy(tcvm_attest_evidence_t *ev)
{
    if (ev == NULL)
        return;
    for (size_t i = 0; i < ev->cert_count; i++)
        tcvm__free(ev->certs[i].data);
    tcvm__free(ev->certs);
    tcvm__free(ev);
}

tcvm_status_t tcvm__evidence_add_entry(tcvm_attest_evidence_t *ev, tcvm_attest_cert_kind_t kind,
                                       const uint8_t guid[TCVM__GUID_SIZE], const uint8_t *data,
                                       size_t size, tcvm_error_t *err)
{
    if (ev->cert_count >= TCVM_ATTEST_MAX_CERT_ENTRIES)
        return tcvm__errorf(err, TCVM_ELIMIT, "evidence: more than %u certificates",
                            TCVM_ATTEST_MAX_CERT_ENTRIES);
    if (size == 0 || size > TCVM_ATTEST_MAX_CERT_SIZE)
        return tcvm__errorf(err, TCVM_ELIMIT,
                            "evidence: a certificate of %zu bytes (allowed 1..%zu)", size,
                            TCVM_ATTEST_MAX_CERT_SIZE);
    tcvm__attest_cert_entry_t *grown =
        tcvm__reallocarray(ev->certs, ev->cert_count + 1, sizeof *ev->certs);
    if (grown == NULL)
        return tcvm__errorf(err, TCVM_ENOMEM, "evidence: out of memory");
    ev->certs = grown;
    uint8_t *copy = tcvm__memdup(data, size);
    if (copy == NULL)
        return tcvm__errorf(err, TCVM_ENOMEM, "evidence: out of memory");
    tcvm__attest_cert_entry_t *e = &ev->certs[ev->cert_count++];
    e->kind = kind;
    memcpy(e->guid, guid, TCVM__GUID_SIZE);
    e->data = copy;
    e->size = size;
    return TCVM_OK;
}

tcvm_status_t tcvm_attest_evidence_add_cert(tcvm_attest_evidence_t *ev,
                                            tcvm_attest_cert_kind_t kind, const uint8_t *data,
                                            size_t size, tcvm_error_t *err)
{
    const uint8_t *g = tcvm__cert_kind_guid(kind);
    if (kind != TCVM_ATTEST_CERT_OTHER && g == NULL)
        return tcvm__errorf(err, TCVM_EINVAL, "evidence: unknown certificate kind %d", (int)kind);
    return tcvm__evidence_add_entry(ev, kind, g ? g : other_guid, data, size, err);
}

#define ENTRY_SIZE 24

static bool zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0)
            return false;
    }
    return true;
}

tcvm_status_t tcvm_attest_evidence_add_cert_table(tcvm_attest_evidence_t *ev,
                                                  const uint8_t *table, size_t size,
                                                  tcvm_error_t *err)
{
    if (size == 0)
        return TCVM_OK;
    if (size > TCVM_ATTEST_MAX_CERT_TABLE_SIZE)
        return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                            "certificate table: %zu bytes, over the limit of %zu", size,
                            TCVM_ATTEST_MAX_CERT_TABLE_SIZE);
    /* First pass: find the terminating all-zero entry, so every offset can be checked to point
     * past the table itself. */
    tcvm_cursor_t c = tcvm__cursor(table, size);
    size_t count = 0;
    for (;;) {
        const uint8_t *e;
        size_t at = c.pos;
        if (tcvm__cur_bytes(&c, ENTRY_SIZE, &e) != TCVM_OK)
            return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                                "certificate table: entry %zu at offset %zu runs past the end "
                                "(%zu bytes) without the all-zero terminating entry",
                                count, at, size);
        if (zero(e, TCVM__GUID_SIZE)) {
            if (!zero(e + TCVM__GUID_SIZE, 8))
                return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                                    "certificate table: entry %zu at offset %zu has a zero GUID "
                                    "but a non-zero offset or length",
                                    count, at);
            break;
        }
        if (++count > TCVM_ATTEST_MAX_CERT_ENTRIES)
            return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                                "certificate table: more than %u entries",
                                TCVM_ATTEST_MAX_CERT_ENTRIES);
    }
    size_t table_end = c.pos;
    size_t before = ev->cert_count;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *e = table + i * ENTRY_SIZE;
        uint32_t off = tcvm__le32(e + 16), len = tcvm__le32(e + 20);
        size_t end;
        tcvm_status_t st = TCVM_OK;
        if (len == 0 || len > TCVM_ATTEST_MAX_CERT_SIZE)
            st = tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                              "certificate table: entry %zu has length %u (allowed 1..%zu)", i,
                              len, TCVM_ATTEST_MAX_CERT_SIZE);
        else if (off < table_end || !tcvm__size_add(off, len, &end) || end > size)
            st = tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                              "certificate table: entry %zu (offset %u, length %u) is outside "
                              "the blob area %zu..%zu",
                              i, off, len, table_end, size);
        else
            st = tcvm__evidence_add_entry(ev, kind_of_guid(e), e, table + off, len, err);
        if (st != TCVM_OK) {
            /* all or nothing: drop what this table added */
            while (ev->cert_count > before)
                tcvm__free(ev->certs[--ev->cert_count].data);
            return st;
        }
    }
    return TCVM_OK;
}

tcvm_status_t tcvm__cert_table_build(const tcvm_attest_evidence_t *ev, tcvm_buf_t *out)
{
    size_t n = ev->cert_count;
    if (n == 0)
        return TCVM_OK;
    size_t start = out->size, head = (n + 1) * ENTRY_SIZE, off = head;
    tcvm_status_t st = tcvm__buf_reserve(out, head);
    if (st != TCVM_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        uint8_t e[ENTRY_SIZE];
        memcpy(e, ev->certs[i].guid, TCVM__GUID_SIZE);
        if (off > UINT32_MAX || ev->certs[i].size > UINT32_MAX)
            return TCVM_EOVERFLOW;
        tcvm__put_le32(e + 16, (uint32_t)off);
        tcvm__put_le32(e + 20, (uint32_t)ev->certs[i].size);
        if ((st = tcvm__buf_append(out, e, sizeof e)) != TCVM_OK)
            return st;
        off += ev->certs[i].size;
    }
    uint8_t term[ENTRY_SIZE] = {0};
    if ((st = tcvm__buf_append(out, term, sizeof term)) != TCVM_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        if ((st = tcvm__buf_append(out, ev->certs[i].data, ev->certs[i].size)) != TCVM_OK)
            return st;
    }
    return out->size - start > TCVM_ATTEST_MAX_CERT_TABLE_SIZE ? TCVM_ELIMIT : TCVM_OK;
}

tcvm_status_t tcvm_attest_evidence_encode(const tcvm_attest_evidence_t *ev, uint8_t **out_data,
                                          size_t *out_size)
{
    tcvm_buf_t b = {0};
    uint8_t h[TCVM__EVIDENCE_HEADER_SIZE] = {0};
    memcpy(h, TCVM__EVIDENCE_MAGIC, TCVM__EVIDENCE_MAGIC_SIZE);
    tcvm__put_le16(h + 8, TCVM__EVIDENCE_VERSION);
    tcvm__put_le16(h + 10, (uint16_t)ev->tee);
    tcvm__put_le32(h + 12, 0); /* flags */
    tcvm__put_le32(h + 16, TCVM_SNP_REPORT_SIZE);
    tcvm_status_t st = tcvm__buf_append(&b, h, sizeof h);
    if (st == TCVM_OK)
        st = tcvm__buf_append(&b, ev->report, TCVM_SNP_REPORT_SIZE);
    size_t table_at = b.size;
    if (st == TCVM_OK)
        st = tcvm__cert_table_build(ev, &b);
    if (st != TCVM_OK) {
        tcvm__buf_free(&b);
        return st;
    }
    tcvm__put_le32(b.data + 20, (uint32_t)(b.size - table_at));
    *out_data = b.data;
    *out_size = b.size;
    return TCVM_OK;
}

tcvm_status_t tcvm_attest_evidence_parse(const uint8_t *data, size_t size,
                                         tcvm_attest_evidence_t **out_evidence, tcvm_error_t *err)
{
    if (size > TCVM_ATTEST_MAX_EVIDENCE_SIZE)
        return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                            "evidence: %zu bytes, over the limit of %zu", size,
                            TCVM_ATTEST_MAX_EVIDENCE_SIZE);
    tcvm_cursor_t c = tcvm__cursor(data, size);
    const uint8_t *h;
    if (tcvm__cur_bytes(&c, TCVM__EVIDENCE_HEADER_SIZE, &h) != TCVM_OK)
        return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                            "evidence: %zu bytes, shorter than the %d-byte header", size,
                            TCVM__EVIDENCE_HEADER_SIZE);
    if (memcmp(h, TCVM__EVIDENCE_MAGIC, TCVM__EVIDENCE_MAGIC_SIZE) != 0)
        return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                            "evidence: bad magic at offset 0 (want \"%s\")", TCVM__EVIDENCE_MAGIC);
    uint16_t version = tcvm__le16(h + 8), tee = tcvm__le16(h + 10);
    uint32_t flags = tcvm__le32(h + 12), report_size = tcvm__le32(h + 16);
    uint32_t table_size = tcvm__le32(h + 20);
    if (version != TCVM__EVIDENCE_VERSION)
        return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                            "evidence: format version %u at offset 8 is not supported (want %u)",
                            version, TCVM__EVIDENCE_VERSION);
    if (tee != TCVM_ATTEST_TEE_SEV_SNP && tee != TCVM_ATTEST_TEE_SIM)
        return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                            "evidence: unknown TEE kind %u at offset 10", tee);
    if (flags != 0)
        return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                            "evidence: unknown flags 0x%x at offset 12", flags);
    if (report_size != TCVM_SNP_REPORT_SIZE)
        return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                            "evidence: report size %u at offset 16, want %d", report_size,
                            TCVM_SNP_REPORT_SIZE);
    const uint8_t *report, *table;
    if (tcvm__cur_bytes(&c, report_size, &report) != TCVM_OK)
        return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                            "evidence: the report at offset %d runs past the end (%zu bytes)",
                            TCVM__EVIDENCE_HEADER_SIZE, size);
    size_t table_at = c.pos;
    if (tcvm__cur_bytes(&c, table_size, &table) != TCVM_OK)
        return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                            "evidence: certificate table of %u bytes at offset %zu runs past the "
                            "end (%zu bytes)",
                            table_size, table_at, size);
    if (!tcvm__cur_eof(&c))
        return tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                            "evidence: %zu unexpected bytes after the certificate table at "
                            "offset %zu",
                            tcvm__cur_left(&c), c.pos);
    tcvm_attest_evidence_t *ev;
    tcvm_status_t st =
        tcvm_attest_evidence_new((tcvm_attest_tee_t)tee, report, report_size, &ev, err);
    if (st != TCVM_OK)
        return st;
    st = tcvm_attest_evidence_add_cert_table(ev, table, table_size, err);
    if (st != TCVM_OK) {
        tcvm_attest_evidence_destroy(ev);
        return st;
    }
    *out_evidence = ev;
    return TCVM_OK;
}

/* Decodes hex text (whitespace ignored) of exactly one report. */
static bool hex_report(const uint8_t *data, size_t size, uint8_t *out)
{
    size_t n = 0;
    int hi = -1;
    for (size_t i = 0; i < size; i++) {
        int ch = data[i];
        if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t')
            continue;
        int v;
        if (ch >= '0' && ch <= '9')
            v = ch - '0';
        else if (ch >= 'a' && ch <= 'f')
            v = ch - 'a' + 10;
        else if (ch >= 'A' && ch <= 'F')
            v = ch - 'A' + 10;
        else
            return false;
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (n >= TCVM_SNP_REPORT_SIZE)
            return false;
        out[n++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    return hi < 0 && n == TCVM_SNP_REPORT_SIZE;
}

#define HCL_REPORT_OFFSET 0x20

tcvm_status_t tcvm_attest_evidence_load(const uint8_t *data, size_t size,
                                        tcvm_attest_evidence_t **out_evidence,
                                        const char **out_form, tcvm_error_t *err)
{
    const char *form;
    tcvm_status_t st;
    if (size >= TCVM__EVIDENCE_MAGIC_SIZE &&
        memcmp(data, TCVM__EVIDENCE_MAGIC, TCVM__EVIDENCE_MAGIC_SIZE) == 0) {
        form = "2cvm evidence";
        st = tcvm_attest_evidence_parse(data, size, out_evidence, err);
    } else if (size == TCVM_SNP_REPORT_SIZE) {
        form = "raw report";
        st = tcvm_attest_evidence_new(TCVM_ATTEST_TEE_SEV_SNP, data, size, out_evidence, err);
    } else if (size >= HCL_REPORT_OFFSET + TCVM_SNP_REPORT_SIZE && memcmp(data, "HCLA", 4) == 0) {
        /* Azure's HCL report: a 32-byte header, the SNP report, then runtime data that the
         * SNP report binds only through REPORT_DATA (not verified here) */
        form = "Azure HCL report";
        st = tcvm_attest_evidence_new(TCVM_ATTEST_TEE_SEV_SNP, data + HCL_REPORT_OFFSET,
                                      TCVM_SNP_REPORT_SIZE, out_evidence, err);
    } else {
        uint8_t *report = tcvm__malloc(TCVM_SNP_REPORT_SIZE);
        if (report == NULL)
            return tcvm__errorf(err, TCVM_ENOMEM, "evidence: out of memory");
        if (size <= 4 * TCVM_SNP_REPORT_SIZE && hex_report(data, size, report)) {
            form = "hex report";
            st = tcvm_attest_evidence_new(TCVM_ATTEST_TEE_SEV_SNP, report, TCVM_SNP_REPORT_SIZE,
                                          out_evidence, err);
        } else {
            form = NULL;
            st = tcvm__errorf(err, TCVM_ATTEST_MALFORMED,
                              "%zu bytes are neither 2cvm evidence, a %d-byte report, a report "
                              "in hex, nor an Azure HCL report",
                              size, TCVM_SNP_REPORT_SIZE);
        }
        tcvm__free(report);
    }
    if (st == TCVM_OK && out_form != NULL)
        *out_form = form;
    return st;
}

tcvm_attest_tee_t tcvm_attest_evidence_tee(const tcvm_attest_evidence_t *ev)
{
    return ev->tee;
}

const uint8_t *tcvm_attest_evidence_report(const tcvm_attest_evidence_t *ev)
{
    return ev->report;
}

size_t tcvm_attest_evidence_cert_count(const tcvm_attest_evidence_t *ev)
{
    return ev->cert_count;
}

tcvm_status_t tcvm_attest_evidence_cert(const tcvm_attest_evidence_t *ev, size_t index,
                                        tcvm_attest_cert_kind_t *out_kind,
                                        const uint8_t **out_data, size_t *out_size)
{
    if (index >= ev->cert_count)
        return TCVM_ENOENT;
    *out_kind = ev->certs[index].kind;
    *out_data = ev->certs[index].data;
    *out_size = ev->certs[index].size;
    return TCVM_OK;
}
