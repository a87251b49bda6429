/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Byte formats of the attestation subsystem, without the shared data: the report layout (every
 * field at its offset, per version), the TCB layouts, the GHCB certificate table (good tables,
 * both GUID byte orders, and every kind of malformed table), the 2cvm evidence format and the
 * loader's other forms, the runtime-section policy, and allocation failures on every path.
 */
#include "attest_util.h"

#include "crypto/crypto.h"

#include <stdlib.h>

/* A report whose every byte is its offset's low byte, with the version set. */
static void patterned(uint8_t *r, uint32_t version)
{
    for (size_t i = 0; i < TCVM_SNP_REPORT_SIZE; i++)
        r[i] = (uint8_t)(i * 7 + 3);
    tcvm__put_le32(r, version);
}

TEST(attest_report_layout)
{
    uint8_t r[TCVM_SNP_REPORT_SIZE];
    tcvm_snp_report_t d;
    tcvm_error_t err;
    for (uint32_t version = 2; version <= 6; version++) {
        patterned(r, version);
        CHECK_OK(tcvm_snp_report_decode(r, sizeof r, &d, &err));
        CHECK_EQ(d.version, version);
        CHECK_UEQ(d.guest_svn, tcvm__le32(r + 0x4));
        CHECK_UEQ(d.policy, tcvm__le64(r + 0x8));
        CHECK_MEM(d.family_id, r + 0x10, 16);
        CHECK_MEM(d.image_id, r + 0x20, 16);
        CHECK_UEQ(d.vmpl, tcvm__le32(r + 0x30));
        CHECK_UEQ(d.signature_algo, tcvm__le32(r + 0x34));
        CHECK_UEQ(d.current_tcb, tcvm__le64(r + 0x38));
        CHECK_UEQ(d.platform_info, tcvm__le64(r + 0x40));
        CHECK_UEQ(d.key_info, tcvm__le32(r + 0x48));
        CHECK_MEM(d.report_data, r + 0x50, 64);
        CHECK_MEM(d.measurement, r + 0x90, 48);
        CHECK_MEM(d.host_data, r + 0xc0, 32);
        CHECK_MEM(d.id_key_digest, r + 0xe0, 48);
        CHECK_MEM(d.author_key_digest, r + 0x110, 48);
        CHECK_MEM(d.report_id, r + 0x140, 32);
        CHECK_MEM(d.report_id_ma, r + 0x160, 32);
        CHECK_UEQ(d.reported_tcb, tcvm__le64(r + 0x180));
        CHECK_EQ(d.has_cpuid, version >= 3);
        CHECK_EQ(d.cpuid_fam_id, version >= 3 ? r[0x188] : 0);
        CHECK_EQ(d.cpuid_mod_id, version >= 3 ? r[0x189] : 0);
        CHECK_EQ(d.cpuid_step, version >= 3 ? r[0x18a] : 0);
        CHECK_MEM(d.chip_id, r + 0x1a0, 64);
        CHECK_UEQ(d.committed_tcb, tcvm__le64(r + 0x1e0));
        CHECK_EQ(d.current_build, r[0x1e8]);
        CHECK_EQ(d.current_minor, r[0x1e9]);
        CHECK_EQ(d.current_major, r[0x1ea]);
        CHECK_EQ(d.committed_build, r[0x1ec]);
        CHECK_EQ(d.committed_minor, r[0x1ed]);
        CHECK_EQ(d.committed_major, r[0x1ee]);
        CHECK_UEQ(d.launch_tcb, tcvm__le64(r + 0x1f0));
        CHECK_EQ(d.has_mit_vectors, version >= 5);
        CHECK_UEQ(d.launch_mit_vector, version >= 5 ? tcvm__le64(r + 0x1f8) : 0);
        CHECK_UEQ(d.current_mit_vector, version >= 5 ? tcvm__le64(r + 0x200) : 0);
        CHECK_MEM(d.signature_r, r + 0x2a0, 72);
        CHECK_MEM(d.signature_s, r + 0x2e8, 72);
        CHECK_MEM(d.raw, r, sizeof r);
    }
    /* refused: other sizes, versions 0 and 1; out is untouched */
    memset(&d, 0x77, sizeof d);
    CHECK_STATUS(tcvm_snp_report_decode(r, sizeof r - 1, &d, &err), TCVM_ATTEST_MALFORMED);
    CHECK_CONTAINS(err.message, "1183 bytes");
    tcvm__put_le32(r, 1);
    CHECK_STATUS(tcvm_snp_report_decode(r, sizeof r, &d, &err), TCVM_ATTEST_MALFORMED);
    CHECK_CONTAINS(err.message, "version 1");
    CHECK_EQ(d.version, 0x77777777);
}

TEST(attest_product_detection)
{
    uint8_t r[TCVM_SNP_REPORT_SIZE] = {0};
    tcvm_snp_report_t d;
    tcvm_error_t err;
    static const struct {
        uint8_t fam, model;
        tcvm_snp_product_t want;
    } cases[] = {
        {0x19, 0x01, TCVM_SNP_PRODUCT_MILAN},  {0x19, 0x11, TCVM_SNP_PRODUCT_GENOA},
        {0x19, 0xa0, TCVM_SNP_PRODUCT_GENOA},  {0x1a, 0x02, TCVM_SNP_PRODUCT_TURIN},
        {0x1a, 0x11, TCVM_SNP_PRODUCT_TURIN},  {0x1a, 0x90, TCVM_SNP_PRODUCT_VENICE},
        {0x19, 0x30, TCVM_SNP_PRODUCT_UNKNOWN}, {0x17, 0x31, TCVM_SNP_PRODUCT_UNKNOWN},
    };
    for (size_t i = 0; i < TCVM__ARRAY_COUNT(cases); i++) {
        tcvm__put_le32(r, 3);
        r[0x188] = cases[i].fam;
        r[0x189] = cases[i].model;
        CHECK_OK(tcvm_snp_report_decode(r, sizeof r, &d, &err));
        CHECK_EQ(d.product, cases[i].want);
    }
    /* version 2: only the Turin chip-id shape is recognised */
    memset(r, 0, sizeof r);
    tcvm__put_le32(r, 2);
    r[0x1a0] = 1;
    CHECK_OK(tcvm_snp_report_decode(r, sizeof r, &d, &err));
    CHECK_EQ(d.product, TCVM_SNP_PRODUCT_TURIN);
    r[0x1a0 + 40] = 1;
    CHECK_OK(tcvm_snp_report_decode(r, sizeof r, &d, &err));
    CHECK_EQ(d.product, TCVM_SNP_PRODUCT_UNKNOWN);
    CHECK_STREQ(tcvm_snp_product_name(TCVM_SNP_PRODUCT_GENOA), "Genoa");
}

TEST(attest_tcb_layouts)
{
    /* Milan/Genoa: 0x4405000000000002 is ucode 68, snp 5, tee 0, bl 2 */
    tcvm_snp_tcb_t t = tcvm_snp_tcb_decode(0x4405000000000002ull, TCVM_SNP_PRODUCT_MILAN);
    CHECK(!t.has_fmc);
    CHECK_EQ(t.microcode, 68);
    CHECK_EQ(t.snp, 5);
    CHECK_EQ(t.tee, 0);
    CHECK_EQ(t.bootloader, 2);
    CHECK_UEQ(tcvm_snp_tcb_encode(&t, TCVM_SNP_PRODUCT_GENOA), 0x4405000000000002ull);
    /* Turin: 0x4700000002000100 is fmc 0, bl 1, tee 0, snp 2, ucode 0x47 */
    t = tcvm_snp_tcb_decode(0x4700000002000100ull, TCVM_SNP_PRODUCT_TURIN);
    CHECK(t.has_fmc);
    CHECK_EQ(t.fmc, 0);
    CHECK_EQ(t.bootloader, 1);
    CHECK_EQ(t.tee, 0);
    CHECK_EQ(t.snp, 2);
    CHECK_EQ(t.microcode, 0x47);
    CHECK_UEQ(tcvm_snp_tcb_encode(&t, TCVM_SNP_PRODUCT_TURIN), 0x4700000002000100ull);
    /* reserved bytes are kept */
    t = tcvm_snp_tcb_decode(0x0001020304050607ull, TCVM_SNP_PRODUCT_GENOA);
    CHECK_EQ(t.reserved[0], 5);
    CHECK_EQ(t.reserved[3], 2);
    CHECK_UEQ(tcvm_snp_tcb_encode(&t, TCVM_SNP_PRODUCT_GENOA), 0x0001020304050607ull);
}

/* Builds a table by hand: entries (guid, offset, length), a terminator, then blobs. */
static size_t put_entry(uint8_t *t, size_t i, const uint8_t *guid, uint32_t off, uint32_t len)
{
    memcpy(t + i * 24, guid, 16);
    tcvm__put_le32(t + i * 24 + 16, off);
    tcvm__put_le32(t + i * 24 + 20, len);
    return i + 1;
}

TEST(attest_cert_table)
{
    static const uint8_t vcek[16] = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                                     0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
    /* the same GUID in the mixed-endian EFI order */
    static const uint8_t vcek_efi[16] = {0x8d, 0x75, 0xda, 0x63, 0x64, 0xe6, 0x64, 0x45,
                                         0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
    static const uint8_t unknown[16] = {0xec, 0xae, 0x0c, 0x0f, 0x95, 0x02, 0x43, 0xb1,
                                        0xaf, 0xc6, 0x0a, 0xe2, 0xe0, 0xd5, 0x65, 0xb6};
    uint8_t report[TCVM_SNP_REPORT_SIZE] = {0};
    tcvm_attest_evidence_t *ev;
    tcvm_error_t err;
    CHECK_OK(tcvm_attest_evidence_new(TCVM_ATTEST_TEE_SEV_SNP, report, sizeof report, &ev, &err));
    uint8_t t[4096] = {0};
    put_entry(t, 0, vcek, 96, 4);
    put_entry(t, 1, vcek_efi, 100, 3);
    put_entry(t, 2, unknown, 103, 2);
    memcpy(t + 96, "AAAABBBCC", 9);
    CHECK_OK(tcvm_attest_evidence_add_cert_table(ev, t, sizeof t, &err)); /* trailing padding */
    CHECK_EQ(tcvm_attest_evidence_cert_count(ev), 3);
    tcvm_attest_cert_kind_t k;
    const uint8_t *d;
    size_t n;
    CHECK_OK(tcvm_attest_evidence_cert(ev, 1, &k, &d, &n));
    CHECK_EQ(k, TCVM_ATTEST_CERT_VCEK);
    CHECK_EQ(n, 3);
    CHECK_MEM(d, "BBB", 3);
    CHECK_OK(tcvm_attest_evidence_cert(ev, 2, &k, &d, &n));
    CHECK_EQ(k, TCVM_ATTEST_CERT_OTHER);
    CHECK_STATUS(tcvm_attest_evidence_cert(ev, 3, &k, &d, &n), TCVM_ENOENT);
    /* an empty buffer and an immediately terminated table add nothing */
    CHECK_OK(tcvm_attest_evidence_add_cert_table(ev, t, 0, &err));
    uint8_t zero[24] = {0};
    CHECK_OK(tcvm_attest_evidence_add_cert_table(ev, zero, sizeof zero, &err));
    CHECK_EQ(tcvm_attest_evidence_cert_count(ev), 3);

    /* malformed tables: each refused with the problem named, nothing added */
    struct {
        uint32_t off, len;
        size_t size;
        const char *msg;
    } bad[] = {
        {24, 4, sizeof t, "outside the blob area"},           /* points into the table */
        {4090, 8, sizeof t, "outside the blob area"},         /* past the end */
        {0xfffffff0u, 0x20, sizeof t, "outside the blob area"}, /* offset + length overflows */
        {96, 0, sizeof t, "length 0"},
        {96, 4, 40, "without the all-zero terminating entry"},
    };
    for (size_t i = 0; i < TCVM__ARRAY_COUNT(bad); i++) {
        memset(t, 0, sizeof t);
        put_entry(t, 0, vcek, bad[i].off, bad[i].len);
        CHECK_STATUS(tcvm_attest_evidence_add_cert_table(ev, t, bad[i].size, &err),
                     TCVM_ATTEST_MALFORMED);
        CHECK_CONTAINS(err.message, bad[i].msg);
        CHECK_EQ(tcvm_attest_evidence_cert_count(ev), 3);
    }
    /* a terminator with a zero GUID but a length */
    memset(t, 0, sizeof t);
    tcvm__put_le32(t + 20, 5);
    CHECK_STATUS(tcvm_attest_evidence_add_cert_table(ev, t, sizeof t, &err), TCVM_ATTEST_MALFORMED);
    /* more entries than allowed */
    uint8_t *big = calloc(1, 100 * 24 + 64);
    for (size_t i = 0; i < 70; i++)
        put_entry(big, i, vcek, 99 * 24, 1);
    CHECK_STATUS(tcvm_attest_evidence_add_cert_table(ev, big, 100 * 24 + 64, &err),
                 TCVM_ATTEST_MALFORMED);
    CHECK_CONTAINS(err.message, "more than");
    free(big);
    /* a good entry followed by a bad one: all or nothing */
    memset(t, 0, sizeof t);
    put_entry(t, 0, vcek, 96, 4);
    put_entry(t, 1, vcek, 96, 9000);
    CHECK_STATUS(tcvm_attest_evidence_add_cert_table(ev, t, sizeof t, &err), TCVM_ATTEST_MALFORMED);
    CHECK_EQ(tcvm_attest_evidence_cert_count(ev), 3);
    tcvm_attest_evidence_destroy(ev);
}

TEST(attest_evidence_format)
{
    uint8_t report[TCVM_SNP_REPORT_SIZE];
    patterned(report, 5);
    tcvm_attest_evidence_t *ev, *back;
    tcvm_error_t err;
    CHECK_OK(tcvm_attest_evidence_new(TCVM_ATTEST_TEE_SIM, report, sizeof report, &ev, &err));
    CHECK_OK(tcvm_attest_evidence_add_cert(ev, TCVM_ATTEST_CERT_VCEK, (const uint8_t *)"vcek", 4,
                                           &err));
    CHECK_OK(tcvm_attest_evidence_add_cert(ev, TCVM_ATTEST_CERT_ARK, (const uint8_t *)"ark!!", 5,
                                           &err));
    CHECK_STATUS(tcvm_attest_evidence_add_cert(ev, TCVM_ATTEST_CERT_ASK, NULL, 0, &err),
                 TCVM_ELIMIT);
    uint8_t *enc;
    size_t size;
    CHECK_OK(tcvm_attest_evidence_encode(ev, &enc, &size));
    CHECK_EQ(size, 24 + TCVM_SNP_REPORT_SIZE + 3 * 24 + 9);
    CHECK_MEM(enc, "2cvmevid", 8);
    CHECK_EQ(tcvm__le16(enc + 8), 1);
    CHECK_EQ(tcvm__le16(enc + 10), 2);
    CHECK_EQ(tcvm__le32(enc + 16), TCVM_SNP_REPORT_SIZE);
    CHECK_EQ(tcvm__le32(enc + 20), 3 * 24 + 9);
    CHECK_OK(tcvm_attest_evidence_parse(enc, size, &back, &err));
    CHECK_EQ(tcvm_attest_evidence_tee(back), TCVM_ATTEST_TEE_SIM);
    CHECK_MEM(tcvm_attest_evidence_report(back), report, sizeof report);
    CHECK_EQ(tcvm_attest_evidence_cert_count(back), 2);
    tcvm_attest_cert_kind_t k;
    const uint8_t *d;
    size_t n;
    CHECK_OK(tcvm_attest_evidence_cert(back, 1, &k, &d, &n));
    CHECK_EQ(k, TCVM_ATTEST_CERT_ARK);
    CHECK_MEM(d, "ark!!", 5);
    tcvm_attest_evidence_destroy(back);
    /* every truncation fails cleanly */
    for (size_t cut = 0; cut < size; cut++) {
        tcvm_status_t st = tcvm_attest_evidence_parse(enc, cut, &back, &err);
        CHECK_STATUS(st, TCVM_ATTEST_MALFORMED);
    }
    /* header fields */
    struct {
        size_t at;
        uint8_t value;
        const char *msg;
    } bad[] = {{0, 'X', "magic"}, {8, 2, "format version"}, {10, 3, "TEE kind"},
               {12, 1, "flags"},  {16, 0, "report size"},  {20, 0, "after the certificate"}};
    for (size_t i = 0; i < TCVM__ARRAY_COUNT(bad); i++) {
        uint8_t saved = enc[bad[i].at];
        enc[bad[i].at] = bad[i].value;
        CHECK_STATUS(tcvm_attest_evidence_parse(enc, size, &back, &err), TCVM_ATTEST_MALFORMED);
        CHECK_CONTAINS(err.message, bad[i].msg);
        enc[bad[i].at] = saved;
    }
    /* trailing bytes */
    uint8_t *longer = malloc(size + 1);
    memcpy(longer, enc, size);
    longer[size] = 0;
    CHECK_STATUS(tcvm_attest_evidence_parse(longer, size + 1, &back, &err), TCVM_ATTEST_MALFORMED);
    free(longer);
    free(enc);
    tcvm_attest_evidence_destroy(ev);
}

TEST(attest_evidence_load_forms)
{
    uint8_t report[TCVM_SNP_REPORT_SIZE];
    patterned(report, 3);
    tcvm_attest_evidence_t *ev;
    tcvm_error_t err;
    const char *form;
    CHECK_OK(tcvm_attest_evidence_load(report, sizeof report, &ev, &form, &err));
    CHECK_STREQ(form, "raw report");
    CHECK_EQ(tcvm_attest_evidence_tee(ev), TCVM_ATTEST_TEE_SEV_SNP);
    tcvm_attest_evidence_destroy(ev);
    /* hex with line breaks, upper case */
    char *hex = malloc(2 * sizeof report + 64);
    size_t h = 0;
    for (size_t i = 0; i < sizeof report; i++) {
        h += (size_t)snprintf(hex + h, 4, "%02X", report[i]);
        if (i % 32 == 31)
            hex[h++] = '\n';
    }
    CHECK_OK(tcvm_attest_evidence_load((uint8_t *)hex, h, &ev, &form, &err));
    CHECK_STREQ(form, "hex report");
    CHECK_MEM(tcvm_attest_evidence_report(ev), report, sizeof report);
    tcvm_attest_evidence_destroy(ev);
    hex[5] = 'g';
    CHECK_STATUS(tcvm_attest_evidence_load((uint8_t *)hex, h, &ev, &form, &err),
                 TCVM_ATTEST_MALFORMED);
    free(hex);
    /* Azure HCL: "HCLA", the report at 0x20, runtime data after it */
    uint8_t hcl[0x20 + TCVM_SNP_REPORT_SIZE + 100] = {'H', 'C', 'L', 'A'};
    memcpy(hcl + 0x20, report, sizeof report);
    CHECK_OK(tcvm_attest_evidence_load(hcl, sizeof hcl, &ev, &form, &err));
    CHECK_STREQ(form, "Azure HCL report");
    CHECK_MEM(tcvm_attest_evidence_report(ev), report, sizeof report);
    tcvm_attest_evidence_destroy(ev);
    CHECK_STATUS(tcvm_attest_evidence_load(hcl, 100, &ev, &form, &err), TCVM_ATTEST_MALFORMED);
    CHECK_CONTAINS(err.message, "neither");
}

static tcvm_status_t apply(tcvm_attest_policy_t *p, const char *json, tcvm_error_t *err)
{
    return tcvm_attest_policy_apply_runtime_json(p, json, strlen(json), err);
}

TEST(attest_policy_runtime_json)
{
    tcvm_attest_policy_t p;
    tcvm_error_t err;
    tcvm_attest_policy_init(&p, 1000);
    CHECK(p.allow_smt && !p.allow_debug && !p.allow_migration_agent && !p.allow_simulated);
    const char *good =
        "{\"tee\": \"sim\", \"measurements\": [\"" /* 96 hex digits */
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b"
        "2c2d2e2f\"], \"min_tcb\": {\"bootloader\": 3, \"tee\": 0, \"snp\": 8, \"microcode\": 115,"
        " \"fmc\": 1}, \"allow_debug\": false, \"allow_smt\": false, \"allow_migration_agent\": "
        "true, \"min_abi\": \"1.51\", \"chip_ids\": [\"" /* 128 hex digits */
        "aa00000000000000000000000000000000000000000000000000000000000000"
        "00000000000000000000000000000000000000000000000000000000000000bb\"]}";
    CHECK_OK(apply(&p, good, &err));
    CHECK(p.allow_simulated && !p.allow_smt && p.allow_migration_agent && !p.allow_debug);
    CHECK_EQ(p.measurement_count, 1);
    CHECK_EQ(p.measurements[0][47], 0x2f);
    CHECK(p.has_min_tcb && p.min_tcb.bootloader == 3 && p.min_tcb.microcode == 115);
    CHECK(p.min_tcb.has_fmc && p.min_tcb.fmc == 1);
    CHECK(p.has_min_abi && p.min_abi_major == 1 && p.min_abi_minor == 51);
    CHECK_EQ(p.chip_id_count, 1);
    CHECK_EQ(p.chip_ids[0][63], 0xbb);
    CHECK_EQ(p.verify_time, 1000);
    /* a whole manifest: the runtime section is taken, the rest left to the manifest */
    tcvm_attest_policy_t q;
    tcvm_attest_policy_init(&q, 0);
    char manifest[2048];
    snprintf(manifest, sizeof manifest, "{\"participants\": [], \"runtime\": %s}", good);
    CHECK_OK(apply(&q, manifest, &err));
    CHECK_EQ(q.measurement_count, 1);

    struct {
        const char *json, *msg;
    } bad[] = {
        {"[1]", "must be a JSON object"},
        {"{\"tee\": \"sev-snp\"", "line"},
        {"{\"tee\": \"tdx\", \"measurements\": [\"00\"]}", "runtime.tee"},
        {"{\"measurements\": []}", "measurements"},
        {"{\"tee\": \"sev-snp\"}", "\"measurements\" is missing"},
        {"{\"tee\": \"sev-snp\", \"measurements\": [\"abcd\"]}", "measurements[0]"},
        {"{\"tee\": \"sev-snp\", \"measurments\": []}", "unknown key \"measurments\""},
        {"{\"tee\": \"sev-snp\", \"allow_debug\": 1}", "allow_debug"},
        {"{\"tee\": \"sev-snp\", \"min_tcb\": {\"bootloader\": 1}}", "\"tee\" is missing"},
        {"{\"tee\": \"sev-snp\", \"min_tcb\": {\"bootloader\": 256}}", "min_tcb.bootloader"},
        {"{\"tee\": \"sev-snp\", \"min_tcb\": {\"bl\": 1}}", "unknown key \"bl\""},
        {"{\"tee\": \"sev-snp\", \"min_abi\": \"1\"}", "min_abi"},
        {"{\"tee\": \"sev-snp\", \"min_abi\": \"1.2.3\"}", "min_abi"},
        {"{\"tee\": \"sev-snp\", \"chip_ids\": \"ab\"}", "chip_ids"},
        {"{\"tee\": \"sev-snp\", \"tee\": \"sim\"}", "duplicate"},
        {"{\"runtime\": 5}", "must be a JSON object"},
    };
    for (size_t i = 0; i < TCVM__ARRAY_COUNT(bad); i++) {
        tcvm_attest_policy_t before = p;
        tcvm_status_t st = apply(&p, bad[i].json, &err);
        if (st == TCVM_OK)
            tcvm_test_fail(__FILE__, __LINE__, "accepted: %s", bad[i].json);
        CHECK_CONTAINS(err.message, bad[i].msg);
        CHECK(memcmp(&before, &p, sizeof p) == 0); /* unchanged on failure */
    }
}

/* Every allocation of parse, encode, describe and verify may fail without a crash or leak. */
TEST(attest_allocation_failures)
{
    uint8_t report[TCVM_SNP_REPORT_SIZE];
    patterned(report, 5);
    tcvm_attest_evidence_t *ev;
    tcvm_error_t err;
    CHECK_OK(tcvm_attest_evidence_new(TCVM_ATTEST_TEE_SEV_SNP, report, sizeof report, &ev, &err));
    CHECK_OK(tcvm_attest_evidence_add_cert(ev, TCVM_ATTEST_CERT_VCEK, report, 100, &err));
    uint8_t *enc;
    size_t size;
    CHECK_OK(tcvm_attest_evidence_encode(ev, &enc, &size));
    if (!tcvm__fault_inject_after(0))
        SKIP("library built without fault injection");
    int failures = 0;
    for (unsigned long n = 1; n < 200; n++) {
        tcvm__fault_inject_after(n);
        tcvm_attest_evidence_t *back = NULL;
        tcvm_status_t st = tcvm_attest_evidence_parse(enc, size, &back, &err);
        uint8_t *enc2 = NULL;
        size_t size2;
        if (st == TCVM_OK)
            st = tcvm_attest_evidence_encode(back, &enc2, &size2);
        char *text = NULL;
        if (st == TCVM_OK)
            st = tcvm_attest_evidence_describe(back, NULL, 0, (n & 1) != 0, &text, &err);
        tcvm_attest_policy_t p;
        tcvm_attest_policy_init(&p, 0);
        tcvm_attest_verifier_t *v = NULL;
        if (st == TCVM_OK)
            st = tcvm_attest_verifier_new(&p, &v);
        if (st == TCVM_OK) {
            tcvm_attest_result_t res;
            tcvm_attest_verifier_verify(v, back, &res); /* fails (no real certificate) */
        }
        bool injected = tcvm__fault_injected() > 0;
        tcvm__fault_inject_after(0);
        tcvm_attest_verifier_destroy(v);
        free(text);
        free(enc2);
        tcvm_attest_evidence_destroy(back);
        if (!injected) {
            CHECK_OK(st);
            break;
        }
        failures++;
    }
    CHECK(failures > 3);
    free(enc);
    tcvm_attest_evidence_destroy(ev);
}

TEST(attest_real_allocation_failures)
{
    tcvm_attest_evidence_t *ev = snp_load_report("virtee-sev/report_milan.hex");
    uint8_t *vcek, *chain;
    size_t vs, cs;
    snp_read("virtee-sev/vcek_milan.der", &vcek, &vs);
    snp_read("virtee-sev/cert_chain_milan", &chain, &cs);
    tcvm_attest_policy_t p;
    tcvm_attest_policy_init(&p, ATTEST_TEST_TIME);
    if (!tcvm__fault_inject_after(0))
        SKIP("library built without fault injection");
    for (unsigned long n = 1; n < 500; n++) {
        tcvm__fault_inject_after(n);
        tcvm_attest_verifier_t *v = NULL;
        tcvm_status_t st = tcvm_attest_verifier_new(&p, &v);
        if (st == TCVM_OK)
            st = tcvm_attest_verifier_add_certs(v, vcek, vs);
        if (st == TCVM_OK)
            st = tcvm_attest_verifier_add_certs(v, chain, cs);
        tcvm_attest_result_t res;
        if (st == TCVM_OK)
            st = tcvm_attest_verifier_verify(v, ev, &res);
        bool injected = tcvm__fault_injected() > 0;
        tcvm__fault_inject_after(0);
        tcvm_attest_verifier_destroy(v);
        if (!injected) {
            CHECK_OK(st);
            break;
        }
        /* a failed allocation may never turn into an acceptance of something else */
        CHECK(st != TCVM_OK || res.check == NULL);
    }
    tcvm__free(vcek);
    tcvm__free(chain);
    tcvm_attest_evidence_destroy(ev);
}
