/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SEV-SNP verification against real reports and certificates from AMD hardware (the shared test
 * data, testdata/snp): every case of expected.json decodes to the recorded fields and verifies;
 * the pinned ARK fingerprints are those of the ARKs in the data; the expired VLEK verifies only
 * before its expiry; the invalid VCEKs, swapped and foreign VCEKs, a forged ASK and a changed TCB
 * fail with the right check; and every single-bit change of the signed part of two real reports
 * is refused. Tests skip, loudly, when the shared data is absent.
 */
#include "attest_util.h"

#include <jansson.h>

static json_t *load_expected(void)
{
    uint8_t *data;
    size_t size;
    snp_read("expected.json", &data, &size);
    json_error_t jerr;
    json_t *root = json_loadb((const char *)data, size, 0, &jerr);
    tcvm__free(data);
    if (root == NULL)
        tcvm_test_fail(__FILE__, __LINE__, "expected.json: %s", jerr.text);
    json_t *cases = json_object_get(root, "cases");
    CHECK(json_array_size(cases) > 0);
    json_incref(cases);
    json_decref(root);
    return cases;
}

/* The file part of expected.json's "chain" value ("path (comment)"). */
static void first_word(const char *s, char *out, size_t size)
{
    size_t n = strcspn(s, " ");
    snprintf(out, size, "%.*s", (int)n, s);
}

/* Every key of want is in got with an equal value (objects compared key by key). */
static void check_subset(const char *id, const char *path, json_t *want, json_t *got)
{
    if (json_is_object(want)) {
        if (!json_is_object(got))
            tcvm_test_fail(__FILE__, __LINE__, "%s: %s is not an object", id, path);
        const char *k;
        json_t *v;
        json_object_foreach(want, k, v)
        {
            char sub[256];
            snprintf(sub, sizeof sub, "%s.%s", path, k);
            check_subset(id, sub, v, json_object_get(got, k));
        }
        return;
    }
    if (got == NULL || !json_equal(want, got)) {
        char *a = json_dumps(want, JSON_ENCODE_ANY);
        char *b = got ? json_dumps(got, JSON_ENCODE_ANY) : NULL;
        tcvm_test_fail(__FILE__, __LINE__, "%s: %s: want %s, got %s", id, path, a,
                       b ? b : "(missing)");
    }
}

static const char *const skip_keys[] = {"id",    "report",   "fmt", "vek",
                                        "vek_fmt", "chain", "expected", NULL};

static bool skipped_key(const char *k)
{
    for (size_t i = 0; skip_keys[i]; i++) {
        if (strcmp(skip_keys[i], k) == 0)
            return true;
    }
    return false;
}

TEST(attest_expected_decode)
{
    json_t *cases = load_expected();
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        const char *id = json_string_value(json_object_get(c, "id"));
        tcvm_attest_evidence_t *ev =
            snp_load_report(json_string_value(json_object_get(c, "report")));
        uint8_t *vek;
        size_t vek_size;
        snp_read(json_string_value(json_object_get(c, "vek")), &vek, &vek_size);
        char *text = NULL;
        tcvm_error_t err;
        CHECK_OK(tcvm_attest_evidence_describe(ev, vek, vek_size, true, &text, &err));
        json_error_t jerr;
        json_t *got = json_loads(text, 0, &jerr);
        if (got == NULL)
            tcvm_test_fail(__FILE__, __LINE__, "%s: describe output is not JSON: %s", id,
                           jerr.text);
        const char *k;
        json_t *want;
        size_t compared = 0;
        json_object_foreach(c, k, want)
        {
            if (skipped_key(k))
                continue;
            check_subset(id, k, want, json_object_get(got, k));
            compared++;
        }
        CHECK(compared >= 30);
        /* the C structure agrees with the rendering */
        tcvm_snp_report_t r;
        CHECK_OK(tcvm_snp_report_decode(tcvm_attest_evidence_report(ev), TCVM_SNP_REPORT_SIZE, &r,
                                        &err));
        CHECK_EQ(r.version, json_integer_value(json_object_get(c, "version")));
        char hex[97];
        tcvm__hex_encode(r.measurement, 48, hex, sizeof hex);
        CHECK_STREQ(hex, json_string_value(json_object_get(c, "measurement")));
        CHECK_EQ(r.has_cpuid, !json_is_null(json_object_get(c, "cpuid")));
        json_decref(got);
        free(text);
        tcvm__free(vek);
        tcvm_attest_evidence_destroy(ev);
    }
    json_decref(cases);
}

TEST(attest_expected_verify)
{
    json_t *cases = load_expected();
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        const char *id = json_string_value(json_object_get(c, "id"));
        tcvm_attest_evidence_t *ev =
            snp_load_report(json_string_value(json_object_get(c, "report")));
        char chain[256];
        first_word(json_string_value(json_object_get(c, "chain")), chain, sizeof chain);
        const char *certs[] = {json_string_value(json_object_get(c, "vek")), chain, NULL};
        tcvm_attest_policy_t p;
        tcvm_attest_policy_init(&p, ATTEST_TEST_TIME);
        p.allow_debug = true; /* the go-sev-guest sample was launched with debug allowed */
        tcvm_attest_result_t res;
        const char *check = snp_verify(ev, &p, certs, &res);
        if (strcmp(check, "ok") != 0)
            tcvm_test_fail(__FILE__, __LINE__, "%s: %s: %s", id, check, res.message);
        CHECK_STREQ(tcvm_snp_product_name(res.product),
                    json_string_value(json_object_get(c, "product")));
        CHECK_STREQ(res.signer == TCVM_ATTEST_SIGNER_VLEK ? "VLEK" : "VCEK",
                    json_string_value(json_object_get(c, "signer")));
        CHECK(!res.simulated);
        CHECK_UEQ(res.not_checked & TCVM_ATTEST_SKIPPED_MEASUREMENT,
                  TCVM_ATTEST_SKIPPED_MEASUREMENT);
        tcvm_attest_evidence_destroy(ev);
    }
    json_decref(cases);
}

/* The pinned fingerprints are exactly those of the ARKs AMD publishes (as in the test data). */
TEST(attest_ark_pins_match_data)
{
    static const struct {
        const char *file;
        tcvm_snp_product_t product;
    } files[] = {
        {"go-sev-guest/ask_ark_milan.pem", TCVM_SNP_PRODUCT_MILAN},
        {"go-sev-guest/ask_ark_milan_vlek.pem", TCVM_SNP_PRODUCT_MILAN},
        {"go-sev-guest/ask_ark_genoa.pem", TCVM_SNP_PRODUCT_GENOA},
        {"go-sev-guest/ask_ark_genoa_vlek.pem", TCVM_SNP_PRODUCT_GENOA},
        {"go-sev-guest/ask_ark_turin_vcek.pem", TCVM_SNP_PRODUCT_TURIN},
        {"go-sev-guest/ask_ark_turin_vlek.pem", TCVM_SNP_PRODUCT_TURIN},
        {"virtee-sev/builtin/milan/ark.pem", TCVM_SNP_PRODUCT_MILAN},
        {"virtee-sev/builtin/genoa/ark.pem", TCVM_SNP_PRODUCT_GENOA},
        {"virtee-sev/builtin/turin/ark.pem", TCVM_SNP_PRODUCT_TURIN},
    };
    for (size_t f = 0; f < TCVM__ARRAY_COUNT(files); f++) {
        uint8_t *data;
        size_t size;
        snp_read(files[f].file, &data, &size);
        tcvm_x509_t **list = NULL;
        size_t count = 0;
        tcvm_error_t err;
        CHECK_OK(tcvm__x509_parse_any(data, size, 8, &list, &count, &err));
        size_t roots = 0;
        tcvm_x509_t *root = NULL;
        for (size_t i = 0; i < count; i++) {
            if (tcvm__x509_self_issued(list[i]))
                root = list[i];
        }
        for (size_t i = 0; i < count; i++) {
            /* every ASK and ASVK (Turin's included) is signed by its ARK with RSASSA-PSS */
            CHECK(root != NULL && tcvm__x509_signed_by(list[i], root));
            CHECK_EQ(tcvm__x509_sigalg(list[i]), TCVM_PKI_SIG_RSA_PSS_SHA384);
            CHECK(tcvm__x509_is_ca(list[i]));
        }
        for (size_t i = 0; i < count; i++) {
            char cn[64], want[64];
            tcvm__x509_subject_cn(list[i], cn, sizeof cn);
            tcvm_snp_product_t p = tcvm__pinned_ark_product(tcvm__x509_sha256(list[i]));
            if (tcvm__x509_self_issued(list[i])) {
                roots++;
                snprintf(want, sizeof want, "ARK-%s", tcvm_snp_product_name(files[f].product));
                CHECK_STREQ(cn, want);
                CHECK_EQ(p, files[f].product);
                CHECK(tcvm__x509_signed_by(list[i], list[i]));
                CHECK_EQ(tcvm__x509_sigalg(list[i]), TCVM_PKI_SIG_RSA_PSS_SHA384);
                int bits = 0;
                CHECK_EQ(tcvm__x509_keytype(list[i], &bits), TCVM_PKI_KEY_RSA);
                CHECK_EQ(bits, 4096);
            } else {
                CHECK_EQ(p, TCVM_SNP_PRODUCT_UNKNOWN); /* an ASK/ASVK is never a trust anchor */
            }
            tcvm__x509_free(list[i]);
        }
        CHECK_EQ(roots, 1);
        tcvm__free(list);
        tcvm__free(data);
    }
}

static tcvm_x509_t *load_one_cert(const char *rel)
{
    uint8_t *data;
    size_t size;
    snp_read(rel, &data, &size);
    tcvm_x509_t **list = NULL;
    size_t count = 0;
    tcvm_error_t err;
    CHECK_OK(tcvm__x509_parse_any(data, size, 8, &list, &count, &err));
    tcvm__free(data);
    CHECK(count >= 1);
    tcvm_x509_t *x = list[0];
    for (size_t i = 1; i < count; i++)
        tcvm__x509_free(list[i]);
    tcvm__free(list);
    return x;
}

TEST(attest_vek_extensions)
{
    tcvm_error_t err;
    tcvm__vek_ext_t e;
    /* Turin: structVersion 1, 8-byte hwID, fmcSPL */
    tcvm_x509_t *x = load_one_cert("virtee-sev/vcek_turin.der");
    CHECK_OK(tcvm__vek_ext_parse(x, &e, &err));
    CHECK_EQ(e.struct_version, 1);
    CHECK_STREQ(e.product_name, "Turin");
    CHECK(e.has_fmc && e.fmc == 0 && e.bl == 0 && e.tee == 0 && e.snp == 0 && e.ucode == 9);
    CHECK_EQ(e.hwid_size, 8);
    char hex[129];
    tcvm__hex_encode(e.hwid, e.hwid_size, hex, sizeof hex);
    CHECK_STREQ(hex, "1e550a8ee5cf9f4d");
    CHECK(!e.has_spl[0]); /* .3.4 is absent on Turin */
    tcvm__x509_free(x);
    /* legacy raw and OCTET STRING-wrapped hwID both give the 64 bytes 00..3f */
    const char *const forms[2] = {"trustee/test-vcek-invalid-legacy.der",
                                  "trustee/test-vcek-invalid-new.der"};
    for (int f = 0; f < 2; f++) {
        x = load_one_cert(forms[f]);
        CHECK_OK(tcvm__vek_ext_parse(x, &e, &err));
        CHECK_EQ(e.hwid_size, 64);
        CHECK_EQ(e.hwid_wrapped, f == 1);
        for (int i = 0; i < 64; i++)
            CHECK_EQ(e.hwid[i], i);
        tcvm__x509_free(x);
    }
    /* VLEK: cspID, no hwID; ucodeSPL 217 is encoded 02 02 00 d9 */
    x = load_one_cert("trustee/test-vlek.der");
    CHECK_OK(tcvm__vek_ext_parse(x, &e, &err));
    CHECK_EQ(e.hwid_size, 0);
    CHECK(e.has_csp_id);
    CHECK_STREQ(e.csp_id, "CN=cc-us-east-2.amazonaws.com");
    CHECK_EQ(e.ucode, 217);
    CHECK_STREQ(e.product_name, "Milan");
    tcvm__x509_free(x);
    /* the ASK has no AMD extensions */
    x = load_one_cert("go-sev-guest/ask_ark_milan.pem");
    CHECK_OK(tcvm__vek_ext_parse(x, &e, &err));
    CHECK(!e.any);
    tcvm__x509_free(x);
}

static tcvm_attest_evidence_t *vlek_case(void)
{
    return snp_load_report("trustee/test-vlek-report.bin");
}

TEST(attest_vlek_validity_window)
{
    tcvm_attest_evidence_t *ev = vlek_case();
    const char *certs[] = {"trustee/test-vlek.der", "trustee/milan_ask_ark_asvk.pem", NULL};
    tcvm_attest_policy_t p;
    tcvm_attest_result_t res;
    tcvm_attest_policy_init(&p, ATTEST_TEST_TIME); /* 2025-06-01 */
    CHECK_STREQ(snp_verify(ev, &p, certs, &res), "ok");
    CHECK_EQ(res.signer, TCVM_ATTEST_SIGNER_VLEK);
    tcvm_attest_policy_init(&p, 1765405000LL); /* 2025-12-10 22:16:40, just after expiry */
    CHECK_STREQ(snp_verify(ev, &p, certs, &res), "validity");
    CHECK_CONTAINS(res.message, "expired");
    tcvm_attest_policy_init(&p, 1765404861LL - 2); /* 2 s before notAfter 22:14:21 */
    CHECK_STREQ(snp_verify(ev, &p, certs, NULL), "ok");
    tcvm_attest_policy_init(&p, 1733800000LL); /* 2024-12-10 03:06, before notBefore */
    CHECK_STREQ(snp_verify(ev, &p, certs, &res), "validity");
    CHECK_CONTAINS(res.message, "not yet valid");
    tcvm_attest_evidence_destroy(ev);
}

TEST(attest_invalid_vceks_do_not_chain)
{
    tcvm_attest_evidence_t *ev = snp_load_report("trustee/test-report.bin");
    tcvm_attest_policy_t p;
    tcvm_attest_policy_init(&p, ATTEST_TEST_TIME);
    const char *forms[2] = {"trustee/test-vcek-invalid-legacy.der",
                            "trustee/test-vcek-invalid-new.der"};
    for (int f = 0; f < 2; f++) {
        const char *certs[] = {forms[f], "trustee/milan_ask_ark_asvk.pem", NULL};
        tcvm_attest_result_t res;
        CHECK_STREQ(snp_verify(ev, &p, certs, &res), "chain");
    }
    const char *good[] = {"trustee/test-vcek.der", "trustee/milan_ask_ark_asvk.pem", NULL};
    CHECK_STREQ(snp_verify(ev, &p, good, NULL), "ok");
    tcvm_attest_evidence_destroy(ev);
}

TEST(attest_wrong_certificates)
{
    tcvm_attest_policy_t p;
    tcvm_attest_result_t res;
    tcvm_attest_policy_init(&p, ATTEST_TEST_TIME);
    p.allow_debug = true;
    tcvm_attest_evidence_t *milan = snp_load_report("virtee-sev/report_milan.hex");
    tcvm_attest_evidence_t *genoa = snp_load_report("trustee/derived/e2e-evidence-report.bin");
    tcvm_attest_evidence_t *vlek = vlek_case();

    /* a VCEK of another Milan chip: the chain is fine, the chip is not */
    const char *swapped[] = {"go-sev-guest/vcek.testcer", "go-sev-guest/ask_ark_milan.pem", NULL};
    CHECK_STREQ(snp_verify(milan, &p, swapped, &res), "hwid");
    /* a VCEK from another product (a Milan VCEK for a Genoa report) */
    const char *foreign[] = {"go-sev-guest/vcek.testcer", "go-sev-guest/ask_ark_milan.pem", NULL};
    CHECK_STREQ(snp_verify(genoa, &p, foreign, &res), "product");
    CHECK_CONTAINS(res.message, "Genoa");
    const char *turin[] = {"virtee-sev/vcek_turin.der", "virtee-sev/cert_chain_turin", NULL};
    CHECK_STREQ(snp_verify(genoa, &p, turin, &res), "product");
    CHECK_STREQ(snp_verify(milan, &p, turin, &res), "product"); /* v2: by the chip id's shape */
    /* a VCEK whose issuer is absent: the chain given is the wrong product's */
    const char *nochain[] = {"virtee-sev/vcek_milan.der", "go-sev-guest/ask_ark_genoa.pem", NULL};
    CHECK_STREQ(snp_verify(milan, &p, nochain, &res), "chain");
    /* a VCEK with only the ASVK, and a VLEK with only the ASK */
    const char *vcek_asvk[] = {"virtee-sev/vcek_milan.der", "go-sev-guest/ask_ark_milan_vlek.pem",
                               NULL};
    CHECK_STREQ(snp_verify(milan, &p, vcek_asvk, &res), "chain");
    const char *vlek_ask[] = {"trustee/test-vlek.der", "go-sev-guest/ask_ark_milan.pem", NULL};
    CHECK_STREQ(snp_verify(vlek, &p, vlek_ask, &res), "chain");
    /* the report says VLEK but a VCEK is given (and the other way round) */
    const char *vcek_for_vlek[] = {"virtee-sev/vcek_milan.der", "trustee/milan_ask_ark_asvk.pem",
                                   NULL};
    CHECK_STREQ(snp_verify(vlek, &p, vcek_for_vlek, &res), "signing_key");
    const char *vlek_for_vcek[] = {"trustee/test-vlek.der", "trustee/milan_ask_ark_asvk.pem",
                                   NULL};
    CHECK_STREQ(snp_verify(milan, &p, vlek_for_vcek, &res), "signing_key");
    /* no certificates at all; a VCEK without its chain; a chain without the ARK */
    CHECK_STREQ(snp_verify(milan, &p, NULL, &res), "vek");
    const char *alone[] = {"virtee-sev/vcek_milan.der", NULL};
    CHECK_STREQ(snp_verify(milan, &p, alone, &res), "chain");
    const char *no_ark[] = {"virtee-sev/vcek_milan.der", "virtee-sev/builtin/milan/ask.pem", NULL};
    CHECK_STREQ(snp_verify(milan, &p, no_ark, &res), "chain");
    CHECK_CONTAINS(res.message, "ARK");
    const char *ok[] = {"virtee-sev/vcek_milan.der", "virtee-sev/builtin/milan/ask.pem",
                        "virtee-sev/builtin/milan/ark.pem", NULL};
    CHECK_STREQ(snp_verify(milan, &p, ok, &res), "ok");
    tcvm_attest_evidence_destroy(milan);
    tcvm_attest_evidence_destroy(genoa);
    tcvm_attest_evidence_destroy(vlek);
}

/* A Turin VCEK with a report shaped for it: everything up to the signature holds. */
TEST(attest_turin_chain_and_tcb)
{
    uint8_t report[TCVM_SNP_REPORT_SIZE] = {0};
    tcvm__put_le32(report, 3);
    tcvm__put_le64(report + 0x08, 0x30000);
    tcvm__put_le32(report + 0x34, 1);
    report[0x188] = 0x1a; /* Turin */
    report[0x189] = 0x02;
    tcvm_snp_tcb_t t = {0};
    t.microcode = 9;
    uint64_t raw = tcvm_snp_tcb_encode(&t, TCVM_SNP_PRODUCT_TURIN);
    CHECK_UEQ(raw, 0x0900000000000000ull);
    tcvm__put_le64(report + 0x180, raw);
    tcvm__put_le64(report + 0x1f0, raw);
    static const uint8_t hwid[8] = {0x1e, 0x55, 0x0a, 0x8e, 0xe5, 0xcf, 0x9f, 0x4d};
    memcpy(report + 0x1a0, hwid, 8);
    tcvm_attest_evidence_t *ev;
    tcvm_error_t err;
    CHECK_OK(tcvm_attest_evidence_new(TCVM_ATTEST_TEE_SEV_SNP, report, sizeof report, &ev, &err));
    tcvm_attest_policy_t p;
    tcvm_attest_policy_init(&p, ATTEST_TEST_TIME);
    tcvm_attest_result_t res;
    const char *certs[] = {"virtee-sev/vcek_turin.der", "virtee-sev/cert_chain_turin", NULL};
    CHECK_STREQ(snp_verify(ev, &p, certs, &res), "signature");
    CHECK_EQ(res.product, TCVM_SNP_PRODUCT_TURIN);
    CHECK(res.reported_tcb.has_fmc);
    tcvm_attest_evidence_destroy(ev);
    /* the same with the Turin fmc byte changed: the certificate no longer matches */
    report[0x180] = 1;
    CHECK_OK(tcvm_attest_evidence_new(TCVM_ATTEST_TEE_SEV_SNP, report, sizeof report, &ev, &err));
    CHECK_STREQ(snp_verify(ev, &p, certs, &res), "tcb_mismatch");
    CHECK_CONTAINS(res.message, "fmcSPL");
    tcvm_attest_evidence_destroy(ev);
}

static tcvm_attest_evidence_t *mutated(const tcvm_attest_evidence_t *ev, size_t off, uint8_t xor_)
{
    uint8_t r[TCVM_SNP_REPORT_SIZE];
    memcpy(r, tcvm_attest_evidence_report(ev), sizeof r);
    r[off] ^= xor_;
    tcvm_attest_evidence_t *m;
    tcvm_error_t err;
    CHECK_OK(tcvm_attest_evidence_new(TCVM_ATTEST_TEE_SEV_SNP, r, sizeof r, &m, &err));
    return m;
}

TEST(attest_reported_tcb_changed)
{
    tcvm_attest_policy_t p;
    tcvm_attest_policy_init(&p, ATTEST_TEST_TIME);
    tcvm_attest_evidence_t *ev = snp_load_report("trustee/test-report.bin");
    const char *certs[] = {"trustee/test-vcek.der", "trustee/milan_ask_ark_asvk.pem", NULL};
    tcvm_attest_result_t res;
    tcvm_attest_evidence_t *m = mutated(ev, 0x180, 0x01); /* REPORTED_TCB bootloader */
    CHECK_STREQ(snp_verify(m, &p, certs, &res), "tcb_mismatch");
    CHECK_CONTAINS(res.message, "blSPL");
    tcvm_attest_evidence_destroy(m);
    m = mutated(ev, 0x187, 0x01); /* REPORTED_TCB microcode */
    CHECK_STREQ(snp_verify(m, &p, certs, &res), "tcb_mismatch");
    tcvm_attest_evidence_destroy(m);
    m = mutated(ev, 42, 0x01); /* IMAGE_ID, as upstream tests */
    CHECK_STREQ(snp_verify(m, &p, certs, &res), "signature");
    tcvm_attest_evidence_destroy(m);
    tcvm_attest_evidence_destroy(ev);
}

/* A certificate file with one byte changed no longer chains. */
TEST(attest_vcek_bytes_changed)
{
    uint8_t *vcek;
    size_t size;
    snp_read("virtee-sev/vcek_milan.der", &vcek, &size);
    tcvm_attest_evidence_t *ev = snp_load_report("virtee-sev/report_milan.hex");
    tcvm_attest_policy_t p;
    tcvm_attest_policy_init(&p, ATTEST_TEST_TIME);
    const size_t offsets[] = {40, 42, 300, size - 10};
    for (size_t i = 0; i < TCVM__ARRAY_COUNT(offsets); i++) {
        vcek[offsets[i]] ^= 0xff;
        tcvm_attest_verifier_t *v;
        CHECK_OK(tcvm_attest_verifier_new(&p, &v));
        tcvm_attest_result_t res;
        tcvm_status_t st = tcvm_attest_verifier_add_certs(v, vcek, size);
        if (st == TCVM_OK) {
            snp_add_certs(v, "virtee-sev/cert_chain_milan");
            CHECK(tcvm_attest_verifier_verify(v, ev, &res) != TCVM_OK);
            CHECK(strcmp(res.check, "chain") == 0 || strcmp(res.check, "vek") == 0);
        }
        tcvm_attest_verifier_destroy(v);
        vcek[offsets[i]] ^= 0xff;
    }
    tcvm__free(vcek);
    tcvm_attest_evidence_destroy(ev);
}

static void flip_every_bit(const char *report, const char *const *certs)
{
    tcvm_attest_evidence_t *ev = snp_load_report(report);
    tcvm_attest_policy_t p;
    tcvm_attest_policy_init(&p, ATTEST_TEST_TIME);
    p.allow_debug = true;
    CHECK_STREQ(snp_verify(ev, &p, certs, NULL), "ok");
    /* one verifier per attempt (a verifier stays failed), certificates parsed once per file */
    uint8_t *files[4];
    size_t sizes[4], nfiles = 0;
    for (; certs[nfiles]; nfiles++)
        snp_read(certs[nfiles], &files[nfiles], &sizes[nfiles]);
    size_t flips = 0, at_signature = 0;
    for (size_t off = 0; off < TCVM_SNP_SIGNED_SIZE; off++) {
        for (int bit = 0; bit < 8; bit++) {
            tcvm_attest_evidence_t *m = mutated(ev, off, (uint8_t)(1u << bit));
            tcvm_attest_verifier_t *v;
            CHECK_OK(tcvm_attest_verifier_new(&p, &v));
            for (size_t f = 0; f < nfiles; f++)
                CHECK_OK(tcvm_attest_verifier_add_certs(v, files[f], sizes[f]));
            tcvm_attest_result_t res;
            tcvm_status_t st = tcvm_attest_verifier_verify(v, m, &res);
            if (st == TCVM_OK)
                tcvm_test_fail(__FILE__, __LINE__, "%s: flipping bit %d of byte 0x%zx verified",
                               report, bit, off);
            at_signature += strcmp(res.check, "signature") == 0;
            flips++;
            tcvm_attest_verifier_destroy(v);
            tcvm_attest_evidence_destroy(m);
        }
    }
    CHECK_EQ(flips, TCVM_SNP_SIGNED_SIZE * 8);
    CHECK(at_signature > flips / 2);
    for (size_t f = 0; f < nfiles; f++)
        tcvm__free(files[f]);
    tcvm_attest_evidence_destroy(ev);
}

TEST(attest_bitflip_milan_v2)
{
    const char *certs[] = {"go-sev-guest/vcek.testcer", "go-sev-guest/ask_ark_milan.pem", NULL};
    flip_every_bit("go-sev-guest/attestation.bin", certs);
}

TEST(attest_bitflip_genoa_v3)
{
    const char *certs[] = {"trustee/derived/e2e-evidence-vcek.der",
                           "trustee/genoa_ask_ark_asvk.pem", NULL};
    flip_every_bit("trustee/derived/e2e-evidence-report.bin", certs);
}

TEST(attest_bitflip_vlek_v3)
{
    const char *certs[] = {"trustee/test-vlek.der", "trustee/milan_ask_ark_asvk.pem", NULL};
    flip_every_bit("trustee/test-vlek-report.bin", certs);
}

/* Policy checks on the go-sev-guest sample, with the values its own tool tests use. */
TEST(attest_policy_checks_real)
{
    tcvm_attest_evidence_t *ev = snp_load_report("go-sev-guest/attestation.bin");
    const char *certs[] = {"go-sev-guest/vcek.testcer", "go-sev-guest/ask_ark_milan.pem", NULL};
    tcvm_attest_policy_t p;
    tcvm_attest_result_t res;
    tcvm_attest_policy_init(&p, ATTEST_TEST_TIME);
    CHECK_STREQ(snp_verify(ev, &p, certs, &res), "policy_debug"); /* policy 0xb0000 */
    p.allow_debug = true;
    CHECK_STREQ(snp_verify(ev, &p, certs, &res), "ok");
    p.allow_smt = false;
    CHECK_STREQ(snp_verify(ev, &p, certs, &res), "policy_smt");
    p.allow_smt = true;
    p.has_min_abi = true;
    CHECK_STREQ(snp_verify(ev, &p, certs, &res), "ok"); /* ABI 0.0 >= 0.0 */
    p.min_abi_minor = 1;
    CHECK_STREQ(snp_verify(ev, &p, certs, &res), "policy_abi");
    p.has_min_abi = false;
    /* minimum TCB: equal passes, one more in any field fails */
    p.has_min_tcb = true;
    p.min_tcb.bootloader = 2, p.min_tcb.tee = 0, p.min_tcb.snp = 5, p.min_tcb.microcode = 68;
    CHECK_STREQ(snp_verify(ev, &p, certs, &res), "ok");
    p.min_tcb.microcode = 69;
    CHECK_STREQ(snp_verify(ev, &p, certs, &res), "min_tcb");
    CHECK_CONTAINS(res.message, "microcode 68");
    p.min_tcb.microcode = 68, p.min_tcb.snp = 6;
    CHECK_STREQ(snp_verify(ev, &p, certs, &res), "min_tcb");
    p.has_min_tcb = false;
    /* measurement */
    p.measurement_count = 2;
    memset(p.measurements[0], 0x11, 48);
    CHECK(tcvm__hex_decode("b07af9620f3b839b47996422ddec6058338951d984e31211"
                           "5131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01",
                           96, p.measurements[1], 48));
    CHECK_STREQ(snp_verify(ev, &p, certs, &res), "ok");
    CHECK_EQ(res.not_checked & TCVM_ATTEST_SKIPPED_MEASUREMENT, 0);
    p.measurement_count = 1;
    CHECK_STREQ(snp_verify(ev, &p, certs, &res), "measurement");
    p.measurement_count = 0;
    /* host data (32 zero bytes), report data 0102030405 then zeros */
    p.has_host_data = true;
    CHECK_STREQ(snp_verify(ev, &p, certs, &res), "ok");
    p.host_data[31] = 1;
    CHECK_STREQ(snp_verify(ev, &p, certs, &res), "host_data");
    p.has_host_data = false;
    p.has_report_data = true;
    memcpy(p.report_data, "\x01\x02\x03\x04\x05", 5);
    CHECK_STREQ(snp_verify(ev, &p, certs, &res), "ok");
    p.report_data[63] = 9;
    CHECK_STREQ(snp_verify(ev, &p, certs, &res), "report_data");
    p.has_report_data = false;
    /* chip ids */
    p.chip_id_count = 1;
    CHECK_STREQ(snp_verify(ev, &p, certs, &res), "chip_id");
    CHECK(tcvm__hex_decode("3ac3fe21e13fb0990eb28a802e3fb6a29483a6b0753590c951bdd3b8e5378618"
                           "4ca39e359669a2b76a1936776b564ea464cdce40c05f63c9b610c5068b006b5d",
                           128, p.chip_ids[0], 64));
    CHECK_STREQ(snp_verify(ev, &p, certs, &res), "ok");
    CHECK_EQ(res.not_checked, TCVM_ATTEST_SKIPPED_POLICY_ABI | TCVM_ATTEST_SKIPPED_MIN_TCB |
                                  TCVM_ATTEST_SKIPPED_MEASUREMENT |
                                  TCVM_ATTEST_SKIPPED_HOST_DATA | TCVM_ATTEST_SKIPPED_REPORT_DATA);
    tcvm_attest_evidence_destroy(ev);
}

TEST(attest_verifier_stays_failed)
{
    tcvm_attest_evidence_t *ev = snp_load_report("go-sev-guest/attestation.bin");
    tcvm_attest_policy_t p;
    tcvm_attest_policy_init(&p, ATTEST_TEST_TIME);
    p.allow_debug = true;
    tcvm_attest_verifier_t *v;
    CHECK_OK(tcvm_attest_verifier_new(&p, &v));
    snp_add_certs(v, "go-sev-guest/vcek.testcer");
    snp_add_certs(v, "go-sev-guest/ask_ark_milan.pem");
    tcvm_attest_result_t res;
    CHECK_OK(tcvm_attest_verifier_verify(v, ev, &res));
    CHECK_OK(tcvm_attest_verifier_verify(v, ev, &res)); /* success does not latch */
    tcvm_attest_evidence_t *bad = mutated(ev, 0x90, 1);
    CHECK_STATUS(tcvm_attest_verifier_verify(v, bad, &res), TCVM_ATTEST_VERIFY);
    CHECK_STREQ(res.check, "signature");
    /* the good evidence is now refused too */
    CHECK_STATUS(tcvm_attest_verifier_verify(v, ev, &res), TCVM_ESTATE);
    CHECK_STREQ(res.check, "signature");
    CHECK_CONTAINS(res.message, "already refused");
    CHECK_CONTAINS(tcvm_attest_verifier_error(v)->message, "already refused");
    tcvm_attest_verifier_destroy(v);
    tcvm_attest_evidence_destroy(bad);
    tcvm_attest_evidence_destroy(ev);
}

TEST(attest_cert_dir)
{
    char dir[1024];
    if (tcvm_test_shared("testdata/snp/virtee-sev/builtin/milan", dir, sizeof dir) == NULL)
        SKIP("SEV-SNP test data absent");
    tcvm_attest_evidence_t *ev = snp_load_report("virtee-sev/report_milan.hex");
    tcvm_attest_policy_t p;
    tcvm_attest_policy_init(&p, ATTEST_TEST_TIME);
    tcvm_attest_verifier_t *v;
    CHECK_OK(tcvm_attest_verifier_new(&p, &v));
    CHECK_OK(tcvm_attest_verifier_add_cert_dir(v, dir));
    snp_add_certs(v, "virtee-sev/vcek_milan.der");
    tcvm_attest_result_t res;
    CHECK_OK(tcvm_attest_verifier_verify(v, ev, &res));
    tcvm_attest_verifier_destroy(v);
    CHECK_OK(tcvm_attest_verifier_new(&p, &v));
    CHECK_STATUS(tcvm_attest_verifier_add_cert_dir(v, "/nonexistent/dir"), TCVM_ENOENT);
    tcvm_attest_verifier_destroy(v);
    tcvm_attest_evidence_destroy(ev);
}

/* The real ASK with one byte of its public key changed: the ARK's signature no longer covers it. */
TEST(attest_ask_bytes_changed)
{
    uint8_t *ask;
    size_t size;
    snp_read("virtee-sev/builtin/milan/ask.pem", &ask, &size);
    tcvm_x509_t **list = NULL;
    size_t count = 0;
    tcvm_error_t err;
    CHECK_OK(tcvm__x509_parse_any(ask, size, 4, &list, &count, &err));
    size_t der_size;
    const uint8_t *der0 = tcvm__x509_der(list[0], &der_size);
    uint8_t *der = tcvm__memdup(der0, der_size);
    der[400] ^= 0x01; /* inside the RSA modulus */
    tcvm_attest_evidence_t *ev = snp_load_report("virtee-sev/report_milan.hex");
    tcvm_attest_policy_t p;
    tcvm_attest_policy_init(&p, ATTEST_TEST_TIME);
    tcvm_attest_verifier_t *v;
    CHECK_OK(tcvm_attest_verifier_new(&p, &v));
    CHECK_OK(tcvm_attest_verifier_add_certs(v, der, der_size));
    snp_add_certs(v, "virtee-sev/vcek_milan.der");
    snp_add_certs(v, "virtee-sev/builtin/milan/ark.pem");
    tcvm_attest_result_t res;
    CHECK_STATUS(tcvm_attest_verifier_verify(v, ev, &res), TCVM_ATTEST_VERIFY);
    CHECK_STREQ(res.check, "chain");
    tcvm_attest_verifier_destroy(v);
    tcvm_attest_evidence_destroy(ev);
    tcvm__free(der);
    tcvm__x509_free(list[0]);
    tcvm__free(list);
    tcvm__free(ask);
}

/* Adding certificates is all or nothing: a bundle with one bad block adds none. */
TEST(attest_add_certs_all_or_nothing)
{
    uint8_t *vcek;
    size_t size;
    snp_read("virtee-sev/vcek_milan.der", &vcek, &size);
    uint8_t *chain;
    size_t chain_size;
    snp_read("virtee-sev/cert_chain_milan", &chain, &chain_size);
    static const char bad[] = "-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END CERTIFICATE-----\n";
    uint8_t *bundle = tcvm__malloc(chain_size + sizeof bad);
    memcpy(bundle, chain, chain_size);
    memcpy(bundle + chain_size, bad, sizeof bad - 1);
    tcvm_attest_evidence_t *ev = snp_load_report("virtee-sev/report_milan.hex");
    tcvm_attest_policy_t p;
    tcvm_attest_policy_init(&p, ATTEST_TEST_TIME);
    tcvm_attest_verifier_t *v;
    CHECK_OK(tcvm_attest_verifier_new(&p, &v));
    CHECK_OK(tcvm_attest_verifier_add_certs(v, vcek, size));
    CHECK(tcvm_attest_verifier_add_certs(v, bundle, chain_size + sizeof bad - 1) != TCVM_OK);
    CHECK(tcvm_attest_verifier_error(v)->message[0] != '\0');
    tcvm_attest_result_t res;
    CHECK_STATUS(tcvm_attest_verifier_verify(v, ev, &res), TCVM_ATTEST_VERIFY);
    CHECK_STREQ(res.check, "chain"); /* the ASK and ARK of the bad bundle were not added */
    tcvm_attest_verifier_destroy(v);
    CHECK_OK(tcvm_attest_verifier_new(&p, &v));
    CHECK_OK(tcvm_attest_verifier_add_certs(v, vcek, size));
    CHECK_OK(tcvm_attest_verifier_add_certs(v, chain, chain_size));
    CHECK_OK(tcvm_attest_verifier_verify(v, ev, &res));
    tcvm_attest_verifier_destroy(v);
    tcvm_attest_evidence_destroy(ev);
    tcvm__free(bundle);
    tcvm__free(chain);
    tcvm__free(vcek);
}
