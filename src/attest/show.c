/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Readable rendering of evidence: every report field, decoded flags, reserved bytes that are not
 * zero, and every certificate with its AMD extensions. One JSON object is built first (keys named
 * after the report fields, in layout order); the text form is a rendering of that same object,
 * so the two can never disagree. Certificate names are printed with OpenSSL's RFC 2253 escaping,
 * so hostile names cannot inject control characters into a terminal.
 */
#include "attest/attest_internal.h"

#include <jansson.h>
#include <stdio.h>
#include <time.h>

static json_t *hexj(const uint8_t *p, size_t n)
{
    char buf[2 * TCVM_SNP_REPORT_SIZE + 1];
    tcvm__hex_encode(p, n, buf, sizeof buf);
    return json_string(buf);
}

static json_t *hexnum(uint64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)v);
    return json_string(buf);
}

static json_t *tcbj(uint64_t raw, tcvm_snp_product_t product)
{
    tcvm_snp_tcb_t t = tcvm_snp_tcb_decode(raw, product);
    char buf[24];
    snprintf(buf, sizeof buf, "0x%016llx", (unsigned long long)raw);
    json_t *o = json_object();
    if (t.has_fmc)
        json_object_set_new(o, "fmc", json_integer(t.fmc));
    json_object_set_new(o, "bl", json_integer(t.bootloader));
    json_object_set_new(o, "tee", json_integer(t.tee));
    json_object_set_new(o, "snp", json_integer(t.snp));
    json_object_set_new(o, "ucode", json_integer(t.microcode));
    json_object_set_new(o, "raw", json_string(buf));
    return o;
}

static json_t *flags_text(uint64_t v, const char *const *names, size_t count, int first_unknown)
{
    tcvm_buf_t b = {0};
    for (size_t i = 0; i < count; i++) {
        if (names[i] != NULL && (v >> i) & 1)
            tcvm__buf_printf(&b, "%s%s", b.size ? ", " : "", names[i]);
    }
    uint64_t unknown = first_unknown < 64 ? v >> first_unknown << first_unknown : 0;
    for (size_t i = 0; i < count; i++) {
        if (names[i] == NULL)
            unknown |= v & (1ull << i);
    }
    if (unknown)
        tcvm__buf_printf(&b, "%sunknown bits 0x%llx", b.size ? ", " : "",
                         (unsigned long long)unknown);
    json_t *s = json_string(b.size ? (const char *)b.data : "none");
    tcvm__buf_free(&b);
    return s;
}

static json_t *policy_text(uint64_t policy)
{
    static const char *const bits[26] = {
        [16] = "smt",           [17] = "reserved-must-be-1", [18] = "migrate_ma",
        [19] = "debug",         [20] = "single_socket",      [21] = "cxl_allow",
        [22] = "mem_aes_256_xts", [23] = "rapl_dis",         [24] = "ciphertext_hiding",
        [25] = "page_swap_disable"};
    char abi[32];
    snprintf(abi, sizeof abi, "abi %u.%u", (unsigned)(policy >> 8) & 0xff,
             (unsigned)policy & 0xff);
    json_t *f = flags_text(policy & ~0xffffull, bits, 26, 26);
    char buf[400];
    snprintf(buf, sizeof buf, "%s, %s", abi, json_string_value(f));
    json_decref(f);
    if (!(policy & TCVM_SNP_POLICY_RESERVED_1)) {
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof buf - n, " (bit 17 is 0: not a launchable policy)");
    }
    return json_string(buf);
}

static void fmt_time(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, size, "%Y-%m-%d %H:%M:%S+00:00", &tm) == 0)
        snprintf(buf, size, "@%lld", (long long)t);
}

static json_t *vek_ext_json(const tcvm__vek_ext_t *e)
{
    json_t *o = json_object();
    if (e->has_struct_version)
        json_object_set_new(o, "structVersion", json_integer((json_int_t)e->struct_version));
    if (e->has_product_name)
        json_object_set_new(o, "productName", json_string(e->product_name));
    if (e->has_bl)
        json_object_set_new(o, "blSPL", json_integer(e->bl));
    if (e->has_tee)
        json_object_set_new(o, "teeSPL", json_integer(e->tee));
    if (e->has_snp)
        json_object_set_new(o, "snpSPL", json_integer(e->snp));
    static const char *const spl[4] = {"spl4", "spl5", "spl6", "spl7"};
    for (int i = 0; i < 4; i++) {
        if (e->has_spl[i])
            json_object_set_new(o, spl[i], json_integer(e->spl[i]));
    }
    if (e->has_ucode)
        json_object_set_new(o, "ucodeSPL", json_integer(e->ucode));
    if (e->has_fmc)
        json_object_set_new(o, "fmcSPL", json_integer(e->fmc));
    if (e->hwid_size)
        json_object_set_new(o, "hwID", hexj(e->hwid, e->hwid_size));
    if (e->hwid_wrapped)
        json_object_set_new(o, "hwID_form", json_string("OCTET STRING"));
    if (e->has_csp_id)
        json_object_set_new(o, "cspID", json_string(e->csp_id));
    return o;
}

/* One certificate as JSON; *out_ext gets its AMD extensions when it has any. */
static json_t *cert_json(const char *kind, const char *origin, const uint8_t *data, size_t size,
                         const tcvm_x509_t *x, tcvm__vek_ext_t *out_ext, bool *out_has_ext)
{
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(kind));
    json_object_set_new(o, "from", json_string(origin));
    json_object_set_new(o, "format", json_string(tcvm__pki_is_pem(data, size) ? "PEM" : "DER"));
    json_object_set_new(o, "size", json_integer((json_int_t)size));
    *out_has_ext = false;
    if (x == NULL) {
        json_object_set_new(o, "error", json_string("does not parse as a certificate"));
        return o;
    }
    char buf[512];
    tcvm__x509_name_text(x, false, buf, sizeof buf);
    json_object_set_new(o, "subject", json_string(buf));
    tcvm__x509_name_text(x, true, buf, sizeof buf);
    json_object_set_new(o, "issuer", json_string(buf));
    uint64_t serial;
    if (tcvm__x509_serial_u64(x, &serial))
        json_object_set_new(o, "serial", json_integer((json_int_t)serial));
    int64_t nb, na;
    if (tcvm__x509_validity(x, &nb, &na) == TCVM_OK) {
        fmt_time(nb, buf, sizeof buf);
        json_object_set_new(o, "not_before", json_string(buf));
        fmt_time(na, buf, sizeof buf);
        json_object_set_new(o, "not_after", json_string(buf));
    }
    tcvm__x509_sigalg_text(x, buf, sizeof buf);
    json_object_set_new(o, "signature", json_string(buf));
    json_object_set_new(o, "sha256", hexj(tcvm__x509_sha256(x), 32));
    tcvm_snp_product_t pinned = tcvm__pinned_ark_product(tcvm__x509_sha256(x));
    if (pinned != TCVM_SNP_PRODUCT_UNKNOWN) {
        snprintf(buf, sizeof buf, "pinned AMD root of %s", tcvm_snp_product_name(pinned));
        json_object_set_new(o, "trust", json_string(buf));
    }
    tcvm_error_t eerr;
    tcvm__vek_ext_t e;
    if (tcvm__vek_ext_parse(x, &e, &eerr) != TCVM_OK) {
        json_object_set_new(o, "amd_extensions_error", json_string(eerr.message));
    } else if (e.any) {
        json_object_set_new(o, "amd_extensions", vek_ext_json(&e));
        *out_ext = e;
        *out_has_ext = true;
    }
    return o;
}

typedef struct cert_src {
    const char *kind, *origin;
    const uint8_t *data;
    size_t size;
} cert_src_t;

/* Nonzero reserved ranges of the report, for its version. */
static json_t *reserved_json(const tcvm_snp_report_t *r)
{
    struct {
        size_t off, len;
    } ranges[] = {{0x04c, 4}, {0x188, 24}, {0x1eb, 1}, {0x1ef, 1}, {0x1f8, 16},
                  {0x208, 0x98}, {0x330, 0x170}};
    if (r->has_cpuid)
        ranges[1].off = 0x18b, ranges[1].len = 21;
    json_t *a = json_array();
    for (size_t i = 0; i < TCVM__ARRAY_COUNT(ranges); i++) {
        if (ranges[i].off == 0x1f8 && r->has_mit_vectors)
            continue;
        const uint8_t *p = r->raw + ranges[i].off;
        size_t n = ranges[i].len, k = 0;
        while (k < n && p[k] == 0)
            k++;
        if (k == n)
            continue;
        json_t *o = json_object();
        json_object_set_new(o, "offset", hexnum(ranges[i].off));
        json_object_set_new(o, "bytes", hexj(p, n));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *sig_component(const uint8_t *le)
{
    uint8_t be[48];
    for (int i = 0; i < 48; i++)
        be[i] = le[47 - i];
    json_t *s = hexj(be, 48);
    for (int i = 48; i < 72; i++) {
        if (le[i] != 0) {
            json_decref(s);
            return hexj(le, 72); /* not a P-384 scalar: show the raw little-endian bytes */
        }
    }
    return s;
}

static json_t *build(const tcvm_attest_evidence_t *ev, const tcvm_snp_report_t *r,
                     const cert_src_t *srcs, size_t nsrc)
{
    /* certificates first: the VEK's productName fixes the product and the TCB layout */
    json_t *certs = json_array();
    json_t *vek_ext = NULL;
    tcvm_snp_product_t product = r->product;
    const char *product_from = r->has_cpuid ? "CPUID" : "chip id shape";
    if (product == TCVM_SNP_PRODUCT_UNKNOWN)
        product_from = "unknown (no CPUID in this version and no VEK)";
    char vek_nb[40] = "", vek_na[40] = "";
    for (size_t i = 0; i < nsrc; i++) {
        tcvm_x509_t **list = NULL;
        size_t count = 0;
        tcvm_error_t perr;
        if (tcvm__x509_parse_any(srcs[i].data, srcs[i].size, TCVM_ATTEST_MAX_CERTS, &list,
                                 &count, &perr) != TCVM_OK) {
            for (size_t k = 0; k < count; k++)
                tcvm__x509_free(list[k]);
            tcvm__free(list);
            list = NULL;
            count = 0;
        }
        for (size_t k = 0; k < (count ? count : 1); k++) {
            tcvm__vek_ext_t e;
            bool has_ext;
            tcvm_x509_t *x = count ? list[k] : NULL;
            json_t *cj = cert_json(srcs[i].kind, srcs[i].origin, srcs[i].data, srcs[i].size, x,
                                   &e, &has_ext);
            json_array_append_new(certs, cj);
            if (has_ext && vek_ext == NULL && e.has_product_name && !tcvm__x509_is_ca(x)) {
                vek_ext = vek_ext_json(&e);
                tcvm_snp_product_t p = tcvm__product_from_name(e.product_name);
                if (p != TCVM_SNP_PRODUCT_UNKNOWN) {
                    product = p;
                    product_from = "VEK productName";
                }
                int64_t nb, na;
                if (tcvm__x509_validity(x, &nb, &na) == TCVM_OK) {
                    fmt_time(nb, vek_nb, sizeof vek_nb);
                    fmt_time(na, vek_na, sizeof vek_na);
                }
            }
        }
        for (size_t k = 0; k < count; k++)
            tcvm__x509_free(list[k]);
        tcvm__free(list);
    }

    json_t *o = json_object();
    json_object_set_new(o, "tee", json_string(tcvm_attest_tee_name(ev->tee)));
    json_object_set_new(o, "product", json_string(tcvm_snp_product_name(product)));
    json_object_set_new(o, "product_from", json_string(product_from));
    unsigned sk = tcvm_snp_report_signing_key(r);
    json_object_set_new(o, "signer",
                        json_string(sk == 0 ? "VCEK" : sk == 1 ? "VLEK" : sk == 7 ? "none"
                                                                                   : "reserved"));
    json_object_set_new(o, "version", json_integer(r->version));
    if (r->version > 5)
        json_object_set_new(o, "version_note",
                            json_string("newer than 5: decoded with the version 5 layout"));
    json_object_set_new(o, "guest_svn", json_integer(r->guest_svn));
    json_object_set_new(o, "policy", hexnum(r->policy));
    json_object_set_new(o, "policy_flags", policy_text(r->policy));
    json_object_set_new(o, "family_id", hexj(r->family_id, 16));
    json_object_set_new(o, "image_id", hexj(r->image_id, 16));
    json_object_set_new(o, "vmpl", json_integer(r->vmpl));
    json_object_set_new(o, "signature_algo", json_integer(r->signature_algo));
    json_object_set_new(o, "current_tcb", tcbj(r->current_tcb, product));
    json_object_set_new(o, "platform_info", hexnum(r->platform_info));
    static const char *const pi_bits[8] = {"smt_en", "tsme_en", "ecc_en", "rapl_dis",
                                           "ciphertext_hiding_dram_en", "alias_check_complete",
                                           NULL, "tio_en"};
    json_object_set_new(o, "platform_info_flags", flags_text(r->platform_info, pi_bits, 8, 8));
    json_t *ki = json_object();
    json_object_set_new(ki, "raw", hexnum(r->key_info));
    json_object_set_new(ki, "author_key_en", json_integer(r->key_info & 1));
    json_object_set_new(ki, "mask_chip_key", json_integer((r->key_info >> 1) & 1));
    json_object_set_new(ki, "signing_key", json_integer(sk));
    if (r->key_info >> 5)
        json_object_set_new(ki, "reserved_bits", hexnum(r->key_info >> 5 << 5));
    json_object_set_new(o, "key_info", ki);
    json_object_set_new(o, "report_data", hexj(r->report_data, 64));
    json_object_set_new(o, "measurement", hexj(r->measurement, 48));
    json_object_set_new(o, "host_data", hexj(r->host_data, 32));
    json_object_set_new(o, "id_key_digest", hexj(r->id_key_digest, 48));
    json_object_set_new(o, "author_key_digest", hexj(r->author_key_digest, 48));
    json_object_set_new(o, "report_id", hexj(r->report_id, 32));
    json_object_set_new(o, "report_id_ma", hexj(r->report_id_ma, 32));
    json_object_set_new(o, "reported_tcb", tcbj(r->reported_tcb, product));
    if (r->has_cpuid) {
        json_t *c = json_object();
        json_object_set_new(c, "fam", hexnum(r->cpuid_fam_id));
        json_object_set_new(c, "mod", hexnum(r->cpuid_mod_id));
        json_object_set_new(c, "step", hexnum(r->cpuid_step));
        json_object_set_new(o, "cpuid", c);
    } else {
        json_object_set_new(o, "cpuid", json_null());
    }
    json_object_set_new(o, "chip_id", hexj(r->chip_id, 64));
    json_object_set_new(o, "committed_tcb", tcbj(r->committed_tcb, product));
    char fw[32];
    snprintf(fw, sizeof fw, "%u.%u.%u", r->current_major, r->current_minor, r->current_build);
    json_object_set_new(o, "current_fw", json_string(fw));
    snprintf(fw, sizeof fw, "%u.%u.%u", r->committed_major, r->committed_minor,
             r->committed_build);
    json_object_set_new(o, "committed_fw", json_string(fw));
    json_object_set_new(o, "launch_tcb", tcbj(r->launch_tcb, product));
    json_object_set_new(o, "launch_mit_vector",
                        r->has_mit_vectors ? hexnum(r->launch_mit_vector) : json_null());
    json_object_set_new(o, "current_mit_vector",
                        r->has_mit_vectors ? hexnum(r->current_mit_vector) : json_null());
    json_t *sig = json_object();
    json_object_set_new(sig, "r", sig_component(r->signature_r));
    json_object_set_new(sig, "s", sig_component(r->signature_s));
    json_object_set_new(o, "signature", sig);
    json_object_set_new(o, "reserved_nonzero", reserved_json(r));
    if (vek_ext != NULL) {
        json_object_set_new(o, "vek_extensions", vek_ext);
        json_object_set_new(o, "vek_not_before", json_string(vek_nb));
        json_object_set_new(o, "vek_not_after", json_string(vek_na));
    }
    json_object_set_new(o, "certificates", certs);
    return o;
}

/* Text: "key: value" per field; objects inline; arrays of objects as indented blocks. */
static void text_value(tcvm_buf_t *b, json_t *v);

static void text_object_inline(tcvm_buf_t *b, json_t *o)
{
    const char *k;
    json_t *v;
    bool first = true;
    json_object_foreach(o, k, v)
    {
        tcvm__buf_printf(b, "%s%s ", first ? "" : ", ", k);
        text_value(b, v);
        first = false;
    }
}

static void text_value(tcvm_buf_t *b, json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        tcvm__buf_printf(b, "%s", json_string_value(v));
        break;
    case JSON_INTEGER:
        tcvm__buf_printf(b, "%lld", (long long)json_integer_value(v));
        break;
    case JSON_NULL:
        tcvm__buf_printf(b, "(not in this version)");
        break;
    case JSON_OBJECT:
        text_object_inline(b, v);
        break;
    default:
        tcvm__buf_printf(b, "?");
        break;
    }
}

static void text_render(tcvm_buf_t *b, json_t *o)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (json_is_array(v)) {
            if (json_array_size(v) == 0)
                tcvm__buf_printf(b, "%-19s none\n", k);
            else
                tcvm__buf_printf(b, "%-19s %zu\n", k, json_array_size(v));
            size_t i;
            json_t *item;
            json_array_foreach(v, i, item)
            {
                const char *ik;
                json_t *iv;
                bool first = true;
                json_object_foreach(item, ik, iv)
                {
                    tcvm__buf_printf(b, "  %s %-17s ", first ? "-" : " ", ik);
                    text_value(b, iv);
                    tcvm__buf_printf(b, "\n");
                    first = false;
                }
            }
            continue;
        }
        tcvm__buf_printf(b, "%-19s ", k);
        text_value(b, v);
        tcvm__buf_printf(b, "\n");
    }
}

tcvm_status_t tcvm_attest_evidence_describe(const tcvm_attest_evidence_t *ev,
                                            const uint8_t *extra_certs, size_t extra_certs_size,
                                            bool json, char **out_text, tcvm_error_t *err)
{
    tcvm_snp_report_t *r = tcvm__malloc(sizeof *r);
    if (r == NULL)
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    tcvm_status_t st = tcvm_snp_report_decode(ev->report, TCVM_SNP_REPORT_SIZE, r, err);
    if (st != TCVM_OK) {
        tcvm__free(r);
        return st;
    }
    size_t nsrc = ev->cert_count + (extra_certs_size ? 1 : 0);
    cert_src_t *srcs = tcvm__calloc(nsrc ? nsrc : 1, sizeof *srcs);
    if (srcs == NULL) {
        tcvm__free(r);
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    }
    size_t n = 0;
    if (extra_certs_size) {
        srcs[n++] = (cert_src_t){"given", "command line", extra_certs, extra_certs_size};
    }
    for (size_t i = 0; i < ev->cert_count; i++)
        srcs[n++] = (cert_src_t){tcvm_attest_cert_kind_name(ev->certs[i].kind), "evidence",
                                 ev->certs[i].data, ev->certs[i].size};
    json_t *o = build(ev, r, srcs, n);
    tcvm__free(srcs);
    tcvm__free(r);
    char *text = NULL;
    if (json) {
        char *s = json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
        if (s != NULL) {
            size_t len = strlen(s);
            text = tcvm__malloc(len + 2);
            if (text != NULL) {
                memcpy(text, s, len);
                text[len] = '\n';
                text[len + 1] = '\0';
            }
            free(s);
        }
    } else {
        tcvm_buf_t b = {0};
        text_render(&b, o);
        if (tcvm__buf_append(&b, "", 1) == TCVM_OK)
            text = (char *)b.data;
        else
            tcvm__buf_free(&b);
    }
    json_decref(o);
    if (text == NULL)
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory rendering the evidence");
    *out_text = text;
    return TCVM_OK;
}
