/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simulated TEE and forged chains: sim keys are made once (private keys 0600) and reused;
 * sim evidence verifies only with allow_simulated, under every product layout, and binds the
 * measurement, HOST_DATA and REPORT_DATA it was given; a correctly signed report whose VCEK
 * certifies another TCB fails `tcb_mismatch`; chains forged with AMD's names (a forged ASK under
 * the real ARK, a forged ARK) fail `chain`.
 */
#include "attest_util.h"

#include "crypto/crypto.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>



static tcvm_attest_evidence_t *sim_evidence(const char *keys, tcvm_snp_product_t product,
                                            const uint8_t *report_data)
{
    tcvm_attest_provider_config_t cfg;
    tcvm_attest_provider_config_init(&cfg);
    cfg.sim_dir = keys;
    cfg.sim_product = product;
    memset(cfg.sim_measurement, 0xab, sizeof cfg.sim_measurement);
    memset(cfg.sim_host_data, 0xcd, sizeof cfg.sim_host_data);
    if (product == TCVM_SNP_PRODUCT_TURIN) {
        cfg.sim_tcb.fmc = 2;
        cfg.sim_tcb.bootloader = 1;
    }
    tcvm_attest_provider_t *p;
    tcvm_error_t err;
    if (tcvm_attest_provider_open("sim", &cfg, &p, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "sim: %s", err.message);
    CHECK_STREQ(tcvm_attest_provider_interface(p), "sim");
    tcvm_attest_evidence_t *ev;
    if (tcvm_attest_provider_get(p, report_data, &ev, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "sim get: %s", err.message);
    tcvm_attest_provider_destroy(p);
    return ev;
}

static const char *verify_ev(const tcvm_attest_evidence_t *ev, const tcvm_attest_policy_t *p,
                             tcvm_attest_result_t *res)
{
    return snp_verify(ev, p, NULL, res);
}

static void sim_policy(tcvm_attest_policy_t *p)
{
    tcvm_attest_policy_init(p, (int64_t)time(NULL));
    p->allow_simulated = true;
}

TEST(attest_sim_keys_made_once)
{
    char dir[1024], keys[1100], path[1200];
    attest_temp_dir(dir, sizeof dir);
    snprintf(keys, sizeof keys, "%s/keys", dir);
    uint8_t rd[64] = {1, 2, 3};
    tcvm_attest_evidence_t *a = sim_evidence(keys, TCVM_SNP_PRODUCT_UNKNOWN, rd);
    struct stat sb;
    CHECK_EQ(stat(keys, &sb), 0);
    CHECK_EQ(sb.st_mode & 0777, 0700);
    static const char *const priv[3] = {"ark.key", "ask.key", "vcek.key"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", keys, priv[i]);
        CHECK_EQ(stat(path, &sb), 0);
        CHECK_EQ(sb.st_mode & 0777, 0600);
    }
    tcvm_attest_evidence_t *b = sim_evidence(keys, TCVM_SNP_PRODUCT_UNKNOWN, rd);
    /* same root and same chip (key reused), different report id (another simulated guest) */
    tcvm_attest_cert_kind_t ka, kb;
    const uint8_t *da, *db;
    size_t sa, sb2;
    CHECK_OK(tcvm_attest_evidence_cert(a, 2, &ka, &da, &sa));
    CHECK_OK(tcvm_attest_evidence_cert(b, 2, &kb, &db, &sb2));
    CHECK_EQ(ka, TCVM_ATTEST_CERT_ARK);
    CHECK_EQ(sa, sb2);
    CHECK_MEM(da, db, sa);
    CHECK_MEM(tcvm_attest_evidence_report(a) + 0x1a0, tcvm_attest_evidence_report(b) + 0x1a0, 64);
    CHECK(memcmp(tcvm_attest_evidence_report(a) + 0x140, tcvm_attest_evidence_report(b) + 0x140,
                 32) != 0);
    /* a private key readable by others is refused */
    snprintf(path, sizeof path, "%s/vcek.key", keys);
    CHECK_EQ(chmod(path, 0644), 0);
    tcvm_attest_provider_config_t cfg;
    tcvm_attest_provider_config_init(&cfg);
    cfg.sim_dir = keys;
    tcvm_attest_provider_t *p;
    tcvm_error_t err;
    CHECK_STATUS(tcvm_attest_provider_open("sim", &cfg, &p, &err), TCVM_EPERM);
    CHECK_CONTAINS(err.message, "vcek.key");
    CHECK_EQ(chmod(path, 0600), 0);
    /* a directory with keys but no ark.pem is not silently regenerated */
    snprintf(path, sizeof path, "%s/ark.pem", keys);
    CHECK_EQ(unlink(path), 0);
    CHECK_STATUS(tcvm_attest_provider_open("sim", &cfg, &p, &err), TCVM_ESTATE);
    tcvm_attest_evidence_destroy(a);
    tcvm_attest_evidence_destroy(b);
    attest_rm_tree(dir);
}

TEST(attest_sim_verifies_only_when_allowed)
{
    char dir[1024], keys[1100];
    attest_temp_dir(dir, sizeof dir);
    snprintf(keys, sizeof keys, "%s/keys", dir);
    static const tcvm_snp_product_t products[3] = {TCVM_SNP_PRODUCT_MILAN, TCVM_SNP_PRODUCT_GENOA,
                                                   TCVM_SNP_PRODUCT_TURIN};
    for (int i = 0; i < 3; i++) {
        uint8_t rd[64];
        memset(rd, 0x40 + i, sizeof rd);
        tcvm_attest_evidence_t *ev = sim_evidence(keys, products[i], rd);
        CHECK_EQ(tcvm_attest_evidence_tee(ev), TCVM_ATTEST_TEE_SIM);
        tcvm_attest_policy_t p;
        tcvm_attest_result_t res;
        tcvm_attest_policy_init(&p, (int64_t)time(NULL));
        CHECK_STREQ(verify_ev(ev, &p, &res), "simulated");
        CHECK_EQ(res.status, TCVM_ATTEST_SIMULATED);
        sim_policy(&p);
        p.measurement_count = 1;
        memset(p.measurements[0], 0xab, 48);
        p.has_host_data = true;
        memset(p.host_data, 0xcd, 32);
        p.has_report_data = true;
        memcpy(p.report_data, rd, 64);
        p.has_min_tcb = true;
        p.min_tcb.bootloader = 1;
        p.min_tcb.snp = 23;
        p.min_tcb.microcode = 84;
        p.min_tcb.has_fmc = true;
        p.min_tcb.fmc = 2;
        CHECK_STREQ(verify_ev(ev, &p, &res), "ok");
        CHECK(res.simulated);
        CHECK_EQ(res.product, products[i]);
        CHECK_EQ(res.report.version, 5);
        CHECK_EQ(res.reported_tcb.has_fmc, products[i] == TCVM_SNP_PRODUCT_TURIN);
        p.min_tcb.microcode = 85;
        CHECK_STREQ(verify_ev(ev, &p, &res), "min_tcb");
        p.min_tcb.microcode = 84;
        p.report_data[0] ^= 1;
        CHECK_STREQ(verify_ev(ev, &p, &res), "report_data");
        p.report_data[0] ^= 1;
        p.host_data[0] = 0;
        CHECK_STREQ(verify_ev(ev, &p, &res), "host_data");
        p.host_data[0] = 0xcd;
        p.measurements[0][47] = 0;
        CHECK_STREQ(verify_ev(ev, &p, &res), "measurement");

        /* the same evidence relabelled as sev-snp: its root still gives it away */
        tcvm_attest_evidence_t *relabelled;
        tcvm_error_t err;
        uint8_t *enc;
        size_t enc_size;
        CHECK_OK(tcvm_attest_evidence_encode(ev, &enc, &enc_size));
        tcvm__put_le16(enc + 10, TCVM_ATTEST_TEE_SEV_SNP);
        CHECK_OK(tcvm_attest_evidence_parse(enc, enc_size, &relabelled, &err));
        free(enc);
        tcvm_attest_policy_init(&p, (int64_t)time(NULL));
        CHECK_STREQ(verify_ev(relabelled, &p, &res), "simulated");
        CHECK_CONTAINS(res.message, "SIMULATED ARK");
        tcvm_attest_evidence_destroy(relabelled);
        tcvm_attest_evidence_destroy(ev);
    }
    attest_rm_tree(dir);
}

static tcvm_pkey_t *load_key(const char *keys, const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", keys, name);
    tcvm_pkey_t *k;
    tcvm_error_t err;
    if (tcvm__pkey_load(path, &k, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "%s", err.message);
    return k;
}

static tcvm_x509_t *parse_der(const uint8_t *d, size_t n)
{
    tcvm_x509_t *x;
    tcvm_error_t err;
    CHECK_OK(tcvm__x509_parse_der(d, n, &x, &err));
    return x;
}

/* A VCEK-shaped certificate: AMD extensions for a Genoa TCB, signed by issuer_key. */
static tcvm_x509_t *issue_vek(const tcvm_pki_name_attr_t *subject, size_t nsubject,
                              const tcvm_pkey_t *key, const tcvm_pkey_t *issuer_key,
                              const tcvm_x509_t *issuer, const uint8_t *hwid, uint8_t ucode,
                              size_t hwid_size)
{
    tcvm_buf_t v[7] = {{0}};
    CHECK_OK(tcvm__der_encode_uint(0, &v[0]));
    CHECK_OK(tcvm__der_encode_ia5("Genoa", &v[1]));
    CHECK_OK(tcvm__der_encode_uint(10, &v[2]));
    CHECK_OK(tcvm__der_encode_uint(0, &v[3]));
    CHECK_OK(tcvm__der_encode_uint(23, &v[4]));
    CHECK_OK(tcvm__der_encode_uint(ucode, &v[5]));
    tcvm_pki_ext_t ext[7] = {
        {TCVM__AMD_OID_STRUCT_VERSION, v[0].data, v[0].size},
        {TCVM__AMD_OID_PRODUCT_NAME, v[1].data, v[1].size},
        {TCVM__AMD_OID_BL_SPL, v[2].data, v[2].size},
        {TCVM__AMD_OID_TEE_SPL, v[3].data, v[3].size},
        {TCVM__AMD_OID_SNP_SPL, v[4].data, v[4].size},
        {TCVM__AMD_OID_UCODE_SPL, v[5].data, v[5].size},
        {TCVM__AMD_OID_HWID, hwid, hwid_size},
    };
    int64_t now = (int64_t)time(NULL);
    tcvm_pki_cert_spec_t spec = {.subject = subject, .subject_count = nsubject, .serial = 0,
                                 .not_before = now - 86400, .not_after = now + 86400 * 365,
                                 .ca = false, .pathlen = -1, .exts = ext, .ext_count = 7};
    tcvm_x509_t *x;
    tcvm_error_t err;
    if (tcvm__x509_issue(&spec, key, issuer_key, issuer, &x, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "issue: %s", err.message);
    for (int i = 0; i < 7; i++)
        tcvm__buf_free(&v[i]);
    return x;
}

static tcvm_attest_evidence_t *with_certs(const tcvm_attest_evidence_t *src,
                                          tcvm_attest_tee_t tee, const tcvm_x509_t *const *certs,
                                          size_t n)
{
    tcvm_attest_evidence_t *ev;
    tcvm_error_t err;
    CHECK_OK(tcvm_attest_evidence_new(tee, tcvm_attest_evidence_report(src), TCVM_SNP_REPORT_SIZE,
                                      &ev, &err));
    static const tcvm_attest_cert_kind_t kinds[3] = {TCVM_ATTEST_CERT_VCEK, TCVM_ATTEST_CERT_ASK,
                                                     TCVM_ATTEST_CERT_ARK};
    for (size_t i = 0; i < n; i++) {
        size_t size;
        const uint8_t *der = tcvm__x509_der(certs[i], &size);
        CHECK_OK(tcvm_attest_evidence_add_cert(ev, kinds[i], der, size, &err));
    }
    return ev;
}

/* A report correctly signed by the VCEK-like key, but its certificate says another TCB. */
TEST(attest_sim_tcb_mismatch)
{
    char dir[1024], keys[1100];
    attest_temp_dir(dir, sizeof dir);
    snprintf(keys, sizeof keys, "%s/keys", dir);
    uint8_t rd[64] = {0};
    tcvm_attest_evidence_t *ev = sim_evidence(keys, TCVM_SNP_PRODUCT_GENOA, rd);
    tcvm_pkey_t *ask_key = load_key(keys, "ask.key"), *vcek_key = load_key(keys, "vcek.key");
    tcvm_attest_cert_kind_t k;
    const uint8_t *d;
    size_t n;
    CHECK_OK(tcvm_attest_evidence_cert(ev, 1, &k, &d, &n));
    tcvm_x509_t *ask = parse_der(d, n);
    CHECK_OK(tcvm_attest_evidence_cert(ev, 2, &k, &d, &n));
    tcvm_x509_t *ark = parse_der(d, n);
    tcvm_pki_name_attr_t name[2] = {{"O", "test"}, {"CN", "SIMULATED VCEK"}};
    const uint8_t *chip = tcvm_attest_evidence_report(ev) + 0x1a0;
    tcvm_x509_t *good = issue_vek(name, 2, vcek_key, ask_key, ask, chip, 84, 64);
    tcvm_x509_t *other = issue_vek(name, 2, vcek_key, ask_key, ask, chip, 85, 64);
    tcvm_attest_policy_t p;
    sim_policy(&p);
    tcvm_attest_result_t res;
    const tcvm_x509_t *set[3] = {good, ask, ark};
    tcvm_attest_evidence_t *e2 = with_certs(ev, TCVM_ATTEST_TEE_SIM, set, 3);
    CHECK_STREQ(verify_ev(e2, &p, &res), "ok");
    tcvm_attest_evidence_destroy(e2);
    set[0] = other;
    e2 = with_certs(ev, TCVM_ATTEST_TEE_SIM, set, 3);
    CHECK_STREQ(verify_ev(e2, &p, &res), "tcb_mismatch");
    CHECK_CONTAINS(res.message, "ucodeSPL 85");
    tcvm_attest_evidence_destroy(e2);
    /* a VCEK for another chip, and one signed by a key that is not the ASK's */
    uint8_t other_chip[64];
    memset(other_chip, 7, sizeof other_chip);
    tcvm_x509_t *swapped = issue_vek(name, 2, vcek_key, ask_key, ask, other_chip, 84, 64);
    set[0] = swapped;
    e2 = with_certs(ev, TCVM_ATTEST_TEE_SIM, set, 3);
    CHECK_STREQ(verify_ev(e2, &p, &res), "hwid");
    tcvm_attest_evidence_destroy(e2);
    /* a Genoa VCEK with a Turin-shaped (8-byte) hwID that matches the first 8 bytes */
    tcvm_x509_t *short_id = issue_vek(name, 2, vcek_key, ask_key, ask, chip, 84, 8);
    set[0] = short_id;
    e2 = with_certs(ev, TCVM_ATTEST_TEE_SIM, set, 3);
    CHECK_STREQ(verify_ev(e2, &p, &res), "hwid");
    CHECK_CONTAINS(res.message, "8 bytes");
    tcvm_attest_evidence_destroy(e2);
    tcvm__x509_free(short_id);
    tcvm_x509_t *rogue = issue_vek(name, 2, vcek_key, vcek_key, ask, chip, 84, 64);
    set[0] = rogue;
    e2 = with_certs(ev, TCVM_ATTEST_TEE_SIM, set, 3);
    CHECK_STREQ(verify_ev(e2, &p, &res), "chain");
    tcvm_attest_evidence_destroy(e2);
    tcvm__x509_free(good);
    tcvm__x509_free(other);
    tcvm__x509_free(swapped);
    tcvm__x509_free(rogue);
    tcvm__x509_free(ask);
    tcvm__x509_free(ark);
    tcvm__pkey_free(ask_key);
    tcvm__pkey_free(vcek_key);
    tcvm_attest_evidence_destroy(ev);
    attest_rm_tree(dir);
}

static const tcvm_pki_name_attr_t amd_names[3][6] = {
#define AMD_DN(cn)                                                                                 \
    {{"OU", "Engineering"}, {"C", "US"}, {"L", "Santa Clara"}, {"ST", "CA"},                      \
     {"O", "Advanced Micro Devices"}, {"CN", cn}}
    AMD_DN("ARK-Milan"),
    AMD_DN("SEV-Milan"),
    AMD_DN("SEV-VCEK"),
#undef AMD_DN
};

/*
 * Forgeries with AMD's names: a report signed by the attacker's key, a VCEK for it with the
 * right extensions, and a forged ASK named SEV-Milan; with the real ARK-Milan, and with a
 * forged ARK-Milan. Both must fail at the chain.
 */
TEST(attest_forged_ask_and_ark)
{
    tcvm_pkey_t *fark_key, *fask_key, *vek_key;
    CHECK_OK(tcvm__pkey_generate_p384(&fark_key));
    CHECK_OK(tcvm__pkey_generate_p384(&fask_key));
    CHECK_OK(tcvm__pkey_generate_p384(&vek_key));
    int64_t now = (int64_t)time(NULL);
    tcvm_error_t err;
    tcvm_pki_cert_spec_t spec = {.subject = amd_names[0], .subject_count = 6, .serial = 1,
                                 .not_before = now - 86400, .not_after = now + 86400 * 365,
                                 .ca = true, .pathlen = 1};
    tcvm_x509_t *fark, *fask;
    CHECK_OK(tcvm__x509_issue(&spec, fark_key, fark_key, NULL, &fark, &err));
    spec.subject = amd_names[1];
    spec.pathlen = 0;
    CHECK_OK(tcvm__x509_issue(&spec, fask_key, fark_key, fark, &fask, &err));
    /* a Milan v2 report, signed by the attacker */
    uint8_t r[TCVM_SNP_REPORT_SIZE] = {0};
    tcvm__put_le32(r, 2);
    tcvm__put_le64(r + 8, 0x30000);
    tcvm__put_le32(r + 0x34, 1);
    tcvm_snp_tcb_t t = {0};
    t.bootloader = 10, t.snp = 23, t.microcode = 84;
    tcvm__put_le64(r + 0x180, tcvm_snp_tcb_encode(&t, TCVM_SNP_PRODUCT_MILAN));
    memset(r + 0x1a0, 0x5a, 64);
    uint8_t hwid[64];
    memset(hwid, 0x5a, sizeof hwid);
    tcvm_x509_t *vek = issue_vek(amd_names[2], 6, vek_key, fask_key, fask, hwid, 84, 64);
    CHECK_OK(tcvm__ecdsa_p384_sign_le(vek_key, r, TCVM_SNP_SIGNED_SIZE, r + 0x2a0, r + 0x2e8));
    tcvm_attest_evidence_t *base;
    CHECK_OK(tcvm_attest_evidence_new(TCVM_ATTEST_TEE_SEV_SNP, r, sizeof r, &base, &err));
    tcvm_attest_policy_t p;
    tcvm_attest_policy_init(&p, now);
    p.allow_simulated = true; /* even this does not make a forged AMD chain acceptable */
    tcvm_attest_result_t res;
    /* forged ARK and ASK */
    const tcvm_x509_t *set[3] = {vek, fask, fark};
    tcvm_attest_evidence_t *ev = with_certs(base, TCVM_ATTEST_TEE_SEV_SNP, set, 3);
    CHECK_STREQ(verify_ev(ev, &p, &res), "chain");
    CHECK_CONTAINS(res.message, "not one of AMD's pinned ARKs");
    tcvm_attest_evidence_destroy(ev);
    /* forged ASK under the real ARK-Milan (given separately, as --chain would) */
    const tcvm_x509_t *two[2] = {vek, fask};
    ev = with_certs(base, TCVM_ATTEST_TEE_SEV_SNP, two, 2);
    const char *real_ark[] = {"virtee-sev/builtin/milan/ark.pem", NULL};
    CHECK_STREQ(snp_verify(ev, &p, real_ark, &res), "chain");
    tcvm_attest_evidence_destroy(ev);
    /* the report itself is sound: the same forged chain with the attacker's own root would
     * pass every other check, which shows the chain is what stops it */
    CHECK_OK(tcvm__ecdsa_p384_verify_le(vek, r, TCVM_SNP_SIGNED_SIZE, r + 0x2a0, r + 0x2e8));
    tcvm__x509_free(vek);
    tcvm__x509_free(fask);
    tcvm__x509_free(fark);
    tcvm__pkey_free(fark_key);
    tcvm__pkey_free(fask_key);
    tcvm__pkey_free(vek_key);
    tcvm_attest_evidence_destroy(base);
}
