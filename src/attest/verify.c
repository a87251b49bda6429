/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verification of SEV-SNP evidence, in the order AMD's trust model needs it: the report is well
 * formed and signed; a VCEK or VLEK is found; it chains through the ASK (VCEK) or ASVK (VLEK) to
 * an ARK whose SHA-256 is pinned in certs.c, with RSASSA-PSS/SHA-384 on every link; the product
 * named by the ARK, the VEK's productName and the report's CPUID agree; every certificate is
 * valid at the caller's time; the VCEK belongs to the report's chip and certifies its
 * REPORTED_TCB; the ECDSA P-384 signature over bytes 0..0x29F verifies; then the caller's
 * policy. The first failing check is named (TCVM_ATTEST_CHECK_*) and the verifier latches it.
 *
 * Certificates come from three places, in this order of precedence: those the caller added,
 * those in the evidence, those of a directory the caller named. None is trusted for what it
 * says; only the pinned roots are trusted, and the simulated TEE's root only when the policy
 * allows simulated evidence.
 */
#include "attest/attest_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

typedef struct cert_list {
    tcvm_x509_t **items;
    size_t count;
} cert_list_t;

struct tcvm_attest_verifier {
    tcvm_attest_policy_t policy;
    cert_list_t given; /* tcvm_attest_verifier_add_certs */
    cert_list_t dir;   /* tcvm_attest_verifier_add_cert_dir */
    bool failed;
    const char *failed_check;
    char failed_message[TCVM_ERROR_MSG_SIZE];
    tcvm_error_t error;
};

static void list_free(cert_list_t *l)
{
    for (size_t i = 0; i < l->count; i++)
        tcvm__x509_free(l->items[i]);
    tcvm__free(l->items);
    l->items = NULL;
    l->count = 0;
}

tcvm_status_t tcvm_attest_verifier_new(const tcvm_attest_policy_t *policy,
                                       tcvm_attest_verifier_t **out_verifier)
{
    tcvm_attest_verifier_t *v = tcvm__calloc(1, sizeof *v);
    if (v == NULL)
        return TCVM_ENOMEM;
    v->policy = *policy;
    *out_verifier = v;
    return TCVM_OK;
}

void tcvm_attest_verifier_destroy(tcvm_attest_verifier_t *v)
{
    if (v == NULL)
        return;
    list_free(&v->given);
    list_free(&v->dir);
    tcvm__free(v);
}

const tcvm_error_t *tcvm_attest_verifier_error(const tcvm_attest_verifier_t *v)
{
    return &v->error;
}

tcvm_status_t tcvm_attest_verifier_add_certs(tcvm_attest_verifier_t *v, const uint8_t *data,
                                             size_t size)
{
    if (size > TCVM_ATTEST_MAX_CERT_FILE_SIZE)
        return tcvm__errorf(&v->error, TCVM_ELIMIT, "certificates: %zu bytes, over the limit",
                            size);
    /* all or nothing: a bundle with one bad certificate adds none of them */
    cert_list_t got = {NULL, 0};
    tcvm_status_t st = tcvm__x509_parse_any(data, size, TCVM_ATTEST_MAX_CERTS, &got.items,
                                            &got.count, &v->error);
    if (st == TCVM_OK && v->given.count + got.count > TCVM_ATTEST_MAX_CERTS)
        st = tcvm__errorf(&v->error, TCVM_ELIMIT, "certificates: more than %u in total",
                          TCVM_ATTEST_MAX_CERTS);
    tcvm_x509_t **grown = NULL;
    if (st == TCVM_OK) {
        grown = tcvm__reallocarray(v->given.items, v->given.count + got.count,
                                   sizeof *v->given.items);
        if (grown == NULL)
            st = tcvm__errorf(&v->error, TCVM_ENOMEM, "certificates: out of memory");
    }
    if (st != TCVM_OK) {
        list_free(&got);
        return st;
    }
    memcpy(grown + v->given.count, got.items, got.count * sizeof *got.items);
    v->given.items = grown;
    v->given.count += got.count;
    tcvm__free(got.items);
    return TCVM_OK;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

tcvm_status_t tcvm_attest_verifier_add_cert_dir(tcvm_attest_verifier_t *v, const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL)
        return tcvm__errorf(&v->error, TCVM_ENOENT, "%s: %s", path, strerror(errno));
    char **names = NULL;
    size_t count = 0;
    tcvm_status_t st = TCVM_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (count >= TCVM_ATTEST_MAX_CERT_DIR_FILES) {
            st = tcvm__errorf(&v->error, TCVM_ELIMIT, "%s: more than %u entries", path,
                              TCVM_ATTEST_MAX_CERT_DIR_FILES);
            break;
        }
        char **grown = tcvm__reallocarray(names, count + 1, sizeof *names);
        char *copy = grown ? tcvm__strdup(de->d_name) : NULL;
        if (grown != NULL)
            names = grown;
        if (copy == NULL) {
            st = tcvm__errorf(&v->error, TCVM_ENOMEM, "%s: out of memory", path);
            break;
        }
        names[count++] = copy;
    }
    closedir(d);
    if (count > 1)
        qsort(names, count, sizeof *names, cmp_names);
    for (size_t i = 0; st == TCVM_OK && i < count; i++) {
        char file[4096];
        struct stat sb;
        if (snprintf(file, sizeof file, "%s/%s", path, names[i]) >= (int)sizeof file)
            continue;
        if (stat(file, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        uint8_t *data;
        size_t size;
        tcvm_error_t ferr;
        if (tcvm__read_file(file, TCVM_ATTEST_MAX_CERT_FILE_SIZE, &data, &size, &ferr) != TCVM_OK)
            continue; /* unreadable or too large: not a certificate file */
        cert_list_t got = {NULL, 0};
        tcvm_status_t pst = tcvm__x509_parse_any(data, size, TCVM_ATTEST_MAX_CERTS, &got.items,
                                                 &got.count, &ferr);
        tcvm__free(data);
        if (pst != TCVM_OK) {
            list_free(&got); /* not a certificate file (a CRL, notes, ...): skipped */
            continue;
        }
        for (size_t k = 0; k < got.count; k++) {
            tcvm_x509_t **grown =
                v->dir.count < TCVM_ATTEST_MAX_CERTS
                    ? tcvm__reallocarray(v->dir.items, v->dir.count + 1, sizeof *v->dir.items)
                    : NULL;
            if (grown == NULL) {
                st = tcvm__errorf(&v->error, TCVM_ELIMIT,
                                  "%s: more than %u certificates (or out of memory)", path,
                                  TCVM_ATTEST_MAX_CERTS);
                break;
            }
            v->dir.items = grown;
            v->dir.items[v->dir.count++] = tcvm__x509_ref(got.items[k]);
        }
        list_free(&got);
    }
    for (size_t i = 0; i < count; i++)
        tcvm__free(names[i]);
    tcvm__free(names);
    return st;
}

/* ---- one verification ------------------------------------------------------------------ */

typedef struct vctx {
    const tcvm_attest_policy_t *policy;
    const tcvm_attest_evidence_t *ev;
    tcvm_attest_result_t *res;
    const tcvm_snp_report_t *r;
    cert_list_t *sources[3]; /* given, evidence, dir */
    cert_list_t ev_certs;
    tcvm_x509_t *vek, *inter, *root;
    tcvm__vek_ext_t ext;
    bool vlek;
    tcvm_snp_product_t ark_product;
} vctx_t;

static tcvm_status_t fail(vctx_t *c, const char *check, tcvm_status_t st, const char *fmt, ...)
    TCVM__PRINTF(4, 5);

static tcvm_status_t fail(vctx_t *c, const char *check, tcvm_status_t st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->res->message, sizeof c->res->message, fmt, ap);
    va_end(ap);
    c->res->check = check;
    c->res->status = st;
    return st;
}

static void fmt_time(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(buf, size, "@%lld", (long long)t);
}

static void cert_label(const tcvm_x509_t *x, char *buf, size_t size)
{
    char cn[128];
    tcvm__x509_subject_cn(x, cn, sizeof cn);
    snprintf(buf, size, "CN=%s", cn[0] ? cn : "(none)");
}

/* A leaf with AMD's extensions and a P-384 key shape: a VCEK or VLEK (or the sim's VCEK). */
static bool is_vek_candidate(const tcvm_x509_t *x)
{
    const uint8_t *v;
    size_t n;
    if (tcvm__x509_is_ca(x) || tcvm__x509_self_issued(x))
        return false;
    return tcvm__x509_ext(x, TCVM__AMD_OID_PRODUCT_NAME, &v, &n, NULL) != TCVM_ENOENT ||
           tcvm__x509_ext(x, TCVM__AMD_OID_HWID, &v, &n, NULL) != TCVM_ENOENT;
}

/* How well a VEK candidate fits the report: its type, chip and TCB. */
static int vek_score(const vctx_t *c, const tcvm_x509_t *x)
{
    tcvm__vek_ext_t e;
    if (tcvm__vek_ext_parse(x, &e, NULL) != TCVM_OK)
        return 0;
    bool is_vlek = e.hwid_size == 0;
    unsigned want = tcvm_snp_report_signing_key(c->r);
    int score = 0;
    if ((want == TCVM_SNP_SIGNING_KEY_VLEK) == is_vlek)
        score += 4;
    if (is_vlek || memcmp(e.hwid, c->r->chip_id, e.hwid_size) == 0)
        score += 2;
    tcvm_snp_tcb_t t = tcvm_snp_tcb_decode(c->r->reported_tcb,
                                           tcvm__product_from_name(e.product_name));
    if (e.bl == t.bootloader && e.tee == t.tee && e.snp == t.snp && e.ucode == t.microcode)
        score += 1;
    return score;
}

static tcvm_status_t parse_evidence_certs(vctx_t *c)
{
    for (size_t i = 0; i < c->ev->cert_count; i++) {
        const tcvm__attest_cert_entry_t *e = &c->ev->certs[i];
        if (e->kind == TCVM_ATTEST_CERT_CRL)
            continue;
        tcvm_error_t perr;
        tcvm_status_t st = tcvm__x509_parse_any(e->data, e->size, TCVM_ATTEST_MAX_CERTS,
                                                &c->ev_certs.items, &c->ev_certs.count, &perr);
        if (st == TCVM_ENOMEM)
            return fail(c, TCVM_ATTEST_CHECK_VEK, st, "out of memory");
        if (st == TCVM_OK || e->kind == TCVM_ATTEST_CERT_OTHER)
            continue; /* an unknown entry that is not a certificate is not ours to judge */
        bool vek = e->kind == TCVM_ATTEST_CERT_VCEK || e->kind == TCVM_ATTEST_CERT_VLEK;
        return fail(c, vek ? TCVM_ATTEST_CHECK_VEK : TCVM_ATTEST_CHECK_CHAIN,
                    TCVM_ATTEST_VERIFY, "the %s in the evidence (entry %zu) does not parse: %s",
                    tcvm_attest_cert_kind_name(e->kind), i, perr.message);
    }
    return TCVM_OK;
}

static tcvm_status_t find_vek(vctx_t *c)
{
    for (int s = 0; s < 3 && c->vek == NULL; s++) {
        int best = -1;
        for (size_t i = 0; i < c->sources[s]->count; i++) {
            tcvm_x509_t *x = c->sources[s]->items[i];
            if (!is_vek_candidate(x))
                continue;
            int score = vek_score(c, x);
            if (score > best) {
                best = score;
                c->vek = x;
            }
        }
    }
    if (c->vek == NULL)
        return fail(c, TCVM_ATTEST_CHECK_VEK, TCVM_ATTEST_VERIFY,
                    "no VCEK or VLEK certificate: the evidence carries none and none was given "
                    "(use --vcek, or --certs with a directory that holds it)");
    char label[160];
    cert_label(c->vek, label, sizeof label);
    tcvm_error_t perr;
    if (tcvm__vek_ext_parse(c->vek, &c->ext, &perr) != TCVM_OK)
        return fail(c, TCVM_ATTEST_CHECK_VEK, TCVM_ATTEST_VERIFY, "the VEK (%s): %s", label,
                    perr.message);
    if (tcvm__x509_keytype(c->vek, NULL) != TCVM_PKI_KEY_EC_P384)
        return fail(c, TCVM_ATTEST_CHECK_VEK, TCVM_ATTEST_VERIFY,
                    "the VEK (%s) does not have an ECDSA P-384 key", label);
    if (!c->ext.has_product_name)
        return fail(c, TCVM_ATTEST_CHECK_VEK, TCVM_ATTEST_VERIFY,
                    "the VEK (%s) has no productName extension (%s)", label,
                    TCVM__AMD_OID_PRODUCT_NAME);
    /* a VCEK names the chip it belongs to (hwID); a VLEK does not */
    c->vlek = c->ext.hwid_size == 0;
    unsigned sk = tcvm_snp_report_signing_key(c->r);
    if (sk != TCVM_SNP_SIGNING_KEY_VCEK && sk != TCVM_SNP_SIGNING_KEY_VLEK)
        return fail(c, TCVM_ATTEST_CHECK_SIGNING_KEY, TCVM_ATTEST_VERIFY,
                    "KEY_INFO.SIGNING_KEY is %u, a reserved value (0 = VCEK, 1 = VLEK)", sk);
    if ((sk == TCVM_SNP_SIGNING_KEY_VLEK) != c->vlek)
        return fail(c, TCVM_ATTEST_CHECK_SIGNING_KEY, TCVM_ATTEST_VERIFY,
                    "the report says it was signed with a %s but the certificate (%s) is a %s",
                    sk == TCVM_SNP_SIGNING_KEY_VLEK ? "VLEK" : "VCEK", label,
                    c->vlek ? "VLEK" : "VCEK");
    c->res->signer = c->vlek ? TCVM_ATTEST_SIGNER_VLEK : TCVM_ATTEST_SIGNER_VCEK;
    return TCVM_OK;
}

/* Finds the certificate among all sources whose subject is child's issuer (self-issued when
 * want_root). Among several, prefers a pinned root, then one whose key verifies child; the
 * signature is only tried when there is a choice to make (path validation checks it anyway). */
static tcvm_x509_t *find_issuer(vctx_t *c, const tcvm_x509_t *child, bool want_root)
{
    tcvm_x509_t *cands[16];
    size_t n = 0;
    for (int s = 0; s < 3; s++) {
        for (size_t i = 0; i < c->sources[s]->count && n < TCVM__ARRAY_COUNT(cands); i++) {
            tcvm_x509_t *x = c->sources[s]->items[i];
            if (x != child && tcvm__x509_issued_by_name(child, x) &&
                tcvm__x509_self_issued(x) == want_root && tcvm__x509_is_ca(x))
                cands[n++] = x;
        }
    }
    if (n <= 1)
        return n ? cands[0] : NULL;
    tcvm_x509_t *best = NULL;
    int best_score = -1;
    for (size_t i = 0; i < n; i++) {
        int score = 0;
        if (want_root && tcvm__pinned_ark_product(tcvm__x509_sha256(cands[i])) != 0)
            score += 2;
        if (tcvm__x509_signed_by(child, cands[i]))
            score += 1;
        if (score > best_score) {
            best_score = score;
            best = cands[i];
        }
    }
    return best;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static tcvm_status_t check_chain(vctx_t *c)
{
    char vek_label[160], issuer[512];
    cert_label(c->vek, vek_label, sizeof vek_label);
    c->inter = find_issuer(c, c->vek, false);
    if (c->inter == NULL) {
        tcvm__x509_name_text(c->vek, true, issuer, sizeof issuer);
        return fail(c, TCVM_ATTEST_CHECK_CHAIN, TCVM_ATTEST_VERIFY,
                    "no certificate of the VEK's issuer (%s) was supplied: give the %s and ARK "
                    "with --chain or --certs",
                    issuer, c->vlek ? "ASVK" : "ASK");
    }
    c->root = find_issuer(c, c->inter, true);
    if (c->root == NULL) {
        tcvm__x509_name_text(c->inter, true, issuer, sizeof issuer);
        return fail(c, TCVM_ATTEST_CHECK_CHAIN, TCVM_ATTEST_VERIFY,
                    "no root certificate (%s) was supplied: give the ARK with --chain or --certs",
                    issuer);
    }
    char inter_cn[128], root_cn[128], vek_cn[128];
    tcvm__x509_subject_cn(c->inter, inter_cn, sizeof inter_cn);
    tcvm__x509_subject_cn(c->root, root_cn, sizeof root_cn);
    tcvm__x509_subject_cn(c->vek, vek_cn, sizeof vek_cn);
    c->ark_product = tcvm__pinned_ark_product(tcvm__x509_sha256(c->root));
    tcvm_pki_sigalg_t want_alg = TCVM_PKI_SIG_RSA_PSS_SHA384;
    if (c->ark_product == TCVM_SNP_PRODUCT_UNKNOWN) {
        char hex[65];
        tcvm__hex_encode(tcvm__x509_sha256(c->root), 32, hex, sizeof hex);
        if (!has_prefix(root_cn, TCVM__SIM_CN_PREFIX))
            return fail(c, TCVM_ATTEST_CHECK_CHAIN, TCVM_ATTEST_VERIFY,
                        "the root CN=%s (SHA-256 %s) is not one of AMD's pinned ARKs", root_cn,
                        hex);
        /* the simulated TEE's root: never trusted unless the policy allows simulated evidence */
        c->res->simulated = true;
        if (!c->policy->allow_simulated)
            return fail(c, TCVM_ATTEST_CHECK_SIMULATED, TCVM_ATTEST_SIMULATED,
                        "the chain ends at the simulated TEE's root CN=%s (SHA-256 %s); simulated "
                        "evidence is refused unless explicitly allowed",
                        root_cn, hex);
        if (!has_prefix(inter_cn, TCVM__SIM_CN_PREFIX) || !has_prefix(vek_cn, TCVM__SIM_CN_PREFIX))
            return fail(c, TCVM_ATTEST_CHECK_CHAIN, TCVM_ATTEST_VERIFY,
                        "a simulated root may only issue simulated certificates (CN=%s, CN=%s)",
                        inter_cn, vek_cn);
        want_alg = TCVM_PKI_SIG_ECDSA_SHA384;
    } else {
        /* AMD's naming: ASK "SEV-<product>" issues VCEKs, ASVK "SEV-VLEK-<product>" VLEKs */
        char want_inter[64];
        snprintf(want_inter, sizeof want_inter, "%s%s", c->vlek ? "SEV-VLEK-" : "SEV-",
                 tcvm_snp_product_name(c->ark_product));
        if (strcmp(inter_cn, want_inter) != 0)
            return fail(c, TCVM_ATTEST_CHECK_CHAIN, TCVM_ATTEST_VERIFY,
                        "the %s (%s) must be issued by CN=%s, not by CN=%s",
                        c->vlek ? "VLEK" : "VCEK", vek_label, want_inter, inter_cn);
    }
    const tcvm_x509_t *links[3] = {c->vek, c->inter, c->root};
    for (int i = 0; i < 3; i++) {
        if (tcvm__x509_sigalg(links[i]) != want_alg) {
            char label[160], alg[64];
            cert_label(links[i], label, sizeof label);
            tcvm__x509_sigalg_text(links[i], alg, sizeof alg);
            return fail(c, TCVM_ATTEST_CHECK_CHAIN, TCVM_ATTEST_VERIFY,
                        "%s is signed with %s, want %s", label, alg,
                        want_alg == TCVM_PKI_SIG_RSA_PSS_SHA384
                            ? "RSASSA-PSS with SHA-384, MGF1-SHA-384, salt 48"
                            : "ECDSA with SHA-384");
        }
    }
    char why[256];
    tcvm_status_t st = tcvm__x509_verify_path(c->vek, c->inter, c->root, why, sizeof why);
    if (st != TCVM_OK)
        return fail(c, TCVM_ATTEST_CHECK_CHAIN, TCVM_ATTEST_VERIFY,
                    "%s <- CN=%s <- CN=%s does not validate: %s", vek_label, inter_cn, root_cn,
                    why);
    return TCVM_OK;
}

static tcvm_status_t check_product(vctx_t *c)
{
    tcvm_snp_product_t p = tcvm__product_from_name(c->ext.product_name);
    if (p == TCVM_SNP_PRODUCT_UNKNOWN)
        return fail(c, TCVM_ATTEST_CHECK_PRODUCT, TCVM_ATTEST_VERIFY,
                    "the VEK's productName \"%s\" is not Milan, Genoa or Turin",
                    c->ext.product_name);
    if (c->ark_product != TCVM_SNP_PRODUCT_UNKNOWN && c->ark_product != p)
        return fail(c, TCVM_ATTEST_CHECK_PRODUCT, TCVM_ATTEST_VERIFY,
                    "the VEK is for %s but its root is ARK-%s", c->ext.product_name,
                    tcvm_snp_product_name(c->ark_product));
    const tcvm_snp_report_t *r = c->r;
    if (r->has_cpuid) {
        tcvm_snp_product_t cp = tcvm__product_from_cpuid(r->cpuid_fam_id, r->cpuid_mod_id);
        if (cp != p)
            return fail(c, TCVM_ATTEST_CHECK_PRODUCT, TCVM_ATTEST_VERIFY,
                        "the report's CPUID (family 0x%x, model 0x%x) is %s, the VEK is for %s",
                        r->cpuid_fam_id, r->cpuid_mod_id, tcvm_snp_product_name(cp),
                        c->ext.product_name);
    } else if (!c->vlek) {
        /* version 2 has no CPUID; the chip id's shape still tells Turin (8 bytes) apart */
        static const uint8_t zero[TCVM_SNP_CHIP_ID_SIZE];
        bool turin_shape = r->product == TCVM_SNP_PRODUCT_TURIN;
        if (memcmp(r->chip_id, zero, sizeof zero) != 0 &&
            turin_shape != (p == TCVM_SNP_PRODUCT_TURIN))
            return fail(c, TCVM_ATTEST_CHECK_PRODUCT, TCVM_ATTEST_VERIFY,
                        "the report's chip id has the shape of %s, the VEK is for %s",
                        turin_shape ? "Turin" : "Milan or Genoa", c->ext.product_name);
    }
    c->res->product = p;
    c->res->reported_tcb = tcvm_snp_tcb_decode(r->reported_tcb, p);
    return TCVM_OK;
}

static tcvm_status_t check_validity(vctx_t *c)
{
    const tcvm_x509_t *links[3] = {c->vek, c->inter, c->root};
    static const char *const roles[3] = {NULL, "intermediate", "root"};
    for (int i = 0; i < 3; i++) {
        int64_t nb, na;
        char label[160], at[40], b[40], a[40];
        cert_label(links[i], label, sizeof label);
        if (tcvm__x509_validity(links[i], &nb, &na) != TCVM_OK)
            return fail(c, TCVM_ATTEST_CHECK_VALIDITY, TCVM_ATTEST_VERIFY,
                        "%s: validity times do not decode", label);
        int64_t t = c->policy->verify_time;
        if (t < nb || t > na) {
            fmt_time(t, at, sizeof at);
            fmt_time(nb, b, sizeof b);
            fmt_time(na, a, sizeof a);
            return fail(c, TCVM_ATTEST_CHECK_VALIDITY, TCVM_ATTEST_VERIFY,
                        "the %s (%s) is valid from %s to %s, not at %s (%s)",
                        i == 0 ? (c->vlek ? "VLEK" : "VCEK") : roles[i], label, b, a, at,
                        t > na ? "expired" : "not yet valid");
        }
    }
    return TCVM_OK;
}

static tcvm_status_t check_hwid(vctx_t *c)
{
    if (c->vlek)
        return TCVM_OK;
    /* Turin and later identify the chip by 8 bytes, earlier products by 64 */
    size_t want_size = c->res->product == TCVM_SNP_PRODUCT_TURIN ? 8 : TCVM_SNP_CHIP_ID_SIZE;
    if (c->ext.hwid_size != want_size)
        return fail(c, TCVM_ATTEST_CHECK_HWID, TCVM_ATTEST_VERIFY,
                    "the VCEK's hwID has %zu bytes; a %s hwID has %zu", c->ext.hwid_size,
                    tcvm_snp_product_name(c->res->product), want_size);
    if (memcmp(c->ext.hwid, c->r->chip_id, c->ext.hwid_size) != 0) {
        char want[129], got[129];
        tcvm__hex_encode(c->ext.hwid, c->ext.hwid_size, want, sizeof want);
        tcvm__hex_encode(c->r->chip_id, c->ext.hwid_size, got, sizeof got);
        return fail(c, TCVM_ATTEST_CHECK_HWID, TCVM_ATTEST_VERIFY,
                    "the VCEK is for chip %.16s... but the report's CHIP_ID is %.16s...", want,
                    got);
    }
    return TCVM_OK;
}

static tcvm_status_t check_tcb(vctx_t *c)
{
    const tcvm__vek_ext_t *e = &c->ext;
    const tcvm_snp_tcb_t *t = &c->res->reported_tcb;
    struct {
        const char *name;
        bool has;
        uint8_t cert, report;
    } f[] = {
        {"blSPL", e->has_bl, e->bl, t->bootloader},
        {"teeSPL", e->has_tee, e->tee, t->tee},
        {"snpSPL", e->has_snp, e->snp, t->snp},
        {"ucodeSPL", e->has_ucode, e->ucode, t->microcode},
        {"fmcSPL", e->has_fmc, e->fmc, t->fmc},
    };
    size_t n = t->has_fmc ? 5 : 4;
    for (size_t i = 0; i < n; i++) {
        if (!f[i].has)
            return fail(c, TCVM_ATTEST_CHECK_TCB_MISMATCH, TCVM_ATTEST_VERIFY,
                        "the VEK has no %s extension", f[i].name);
        if (f[i].cert != f[i].report)
            return fail(c, TCVM_ATTEST_CHECK_TCB_MISMATCH, TCVM_ATTEST_VERIFY,
                        "the VEK certifies %s %u but the report's REPORTED_TCB (0x%016llx) has "
                        "%u",
                        f[i].name, f[i].cert, (unsigned long long)t->raw, f[i].report);
    }
    return TCVM_OK;
}

static tcvm_status_t check_signature(vctx_t *c)
{
    tcvm_status_t st = tcvm__ecdsa_p384_verify_le(c->vek, c->r->raw, TCVM_SNP_SIGNED_SIZE,
                                                  c->r->signature_r, c->r->signature_s);
    if (st == TCVM_ENOMEM)
        return fail(c, TCVM_ATTEST_CHECK_SIGNATURE, st, "out of memory");
    if (st != TCVM_OK)
        return fail(c, TCVM_ATTEST_CHECK_SIGNATURE, TCVM_ATTEST_VERIFY,
                    "the report's ECDSA P-384 signature does not verify with the %s's key",
                    c->vlek ? "VLEK" : "VCEK");
    return TCVM_OK;
}

static tcvm_status_t check_tcb_min(vctx_t *c, const char *which, uint64_t raw)
{
    const tcvm_snp_tcb_t *m = &c->policy->min_tcb;
    tcvm_snp_tcb_t t = tcvm_snp_tcb_decode(raw, c->res->product);
    struct {
        const char *name;
        uint8_t have, min;
    } f[] = {
        {"bootloader", t.bootloader, m->bootloader},
        {"tee", t.tee, m->tee},
        {"snp", t.snp, m->snp},
        {"microcode", t.microcode, m->microcode},
        {"fmc", t.fmc, m->fmc},
    };
    size_t n = (t.has_fmc && m->has_fmc) ? 5 : 4;
    for (size_t i = 0; i < n; i++) {
        if (f[i].have < f[i].min)
            return fail(c, TCVM_ATTEST_CHECK_MIN_TCB, TCVM_ATTEST_VERIFY,
                        "%s %s %u is below the minimum %u", which, f[i].name, f[i].have,
                        f[i].min);
    }
    return TCVM_OK;
}

static tcvm_status_t check_policy(vctx_t *c)
{
    const tcvm_attest_policy_t *p = c->policy;
    const tcvm_snp_report_t *r = c->r;
    tcvm_attest_result_t *res = c->res;
    if ((r->policy & TCVM_SNP_POLICY_DEBUG) && !p->allow_debug)
        return fail(c, TCVM_ATTEST_CHECK_POLICY_DEBUG, TCVM_ATTEST_VERIFY,
                    "the guest policy (0x%llx) allows debugging, which lets the host read and "
                    "change the guest's memory",
                    (unsigned long long)r->policy);
    if ((r->policy & TCVM_SNP_POLICY_MIGRATE_MA) && !p->allow_migration_agent)
        return fail(c, TCVM_ATTEST_CHECK_POLICY_MA, TCVM_ATTEST_VERIFY,
                    "the guest policy (0x%llx) allows a migration agent",
                    (unsigned long long)r->policy);
    if ((r->policy & TCVM_SNP_POLICY_SMT) && !p->allow_smt)
        return fail(c, TCVM_ATTEST_CHECK_POLICY_SMT, TCVM_ATTEST_VERIFY,
                    "the guest policy (0x%llx) allows SMT, which the policy refuses",
                    (unsigned long long)r->policy);
    unsigned major = (unsigned)(r->policy >> 8) & 0xff, minor = (unsigned)r->policy & 0xff;
    if (!p->has_min_abi)
        res->not_checked |= TCVM_ATTEST_SKIPPED_POLICY_ABI;
    else if (major < p->min_abi_major || (major == p->min_abi_major && minor < p->min_abi_minor))
        return fail(c, TCVM_ATTEST_CHECK_POLICY_ABI, TCVM_ATTEST_VERIFY,
                    "the guest policy requires firmware ABI %u.%u, below the minimum %u.%u", major,
                    minor, p->min_abi_major, p->min_abi_minor);
    if (!p->has_min_tcb) {
        res->not_checked |= TCVM_ATTEST_SKIPPED_MIN_TCB;
    } else {
        tcvm_status_t st = check_tcb_min(c, "REPORTED_TCB", r->reported_tcb);
        if (st == TCVM_OK)
            st = check_tcb_min(c, "LAUNCH_TCB", r->launch_tcb);
        if (st != TCVM_OK)
            return st;
    }
    if (p->measurement_count == 0) {
        res->not_checked |= TCVM_ATTEST_SKIPPED_MEASUREMENT;
    } else {
        bool found = false;
        for (size_t i = 0; i < p->measurement_count && i < TCVM_ATTEST_MAX_MEASUREMENTS; i++)
            found |= tcvm__ct_equal(p->measurements[i], r->measurement, TCVM_SNP_MEASUREMENT_SIZE);
        if (!found) {
            char hex[97];
            tcvm__hex_encode(r->measurement, TCVM_SNP_MEASUREMENT_SIZE, hex, sizeof hex);
            return fail(c, TCVM_ATTEST_CHECK_MEASUREMENT, TCVM_ATTEST_VERIFY,
                        "the launch measurement %s is not one of the %zu accepted", hex,
                        p->measurement_count);
        }
    }
    if (!p->has_host_data)
        res->not_checked |= TCVM_ATTEST_SKIPPED_HOST_DATA;
    else if (!tcvm__ct_equal(p->host_data, r->host_data, TCVM_SNP_HOST_DATA_SIZE)) {
        char hex[65];
        tcvm__hex_encode(r->host_data, TCVM_SNP_HOST_DATA_SIZE, hex, sizeof hex);
        return fail(c, TCVM_ATTEST_CHECK_HOST_DATA, TCVM_ATTEST_VERIFY,
                    "HOST_DATA %s is not the expected value", hex);
    }
    if (!p->has_report_data)
        res->not_checked |= TCVM_ATTEST_SKIPPED_REPORT_DATA;
    else if (!tcvm__ct_equal(p->report_data, r->report_data, TCVM_SNP_REPORT_DATA_SIZE))
        return fail(c, TCVM_ATTEST_CHECK_REPORT_DATA, TCVM_ATTEST_VERIFY,
                    "REPORT_DATA is not the expected value (stale, replayed or relayed "
                    "evidence, or another key or nonce)");
    if (p->chip_id_count == 0) {
        res->not_checked |= TCVM_ATTEST_SKIPPED_CHIP_ID;
    } else {
        bool found = false;
        for (size_t i = 0; i < p->chip_id_count && i < TCVM_ATTEST_MAX_CHIP_IDS; i++)
            found |= memcmp(p->chip_ids[i], r->chip_id, TCVM_SNP_CHIP_ID_SIZE) == 0;
        if (!found) {
            char hex[129];
            tcvm__hex_encode(r->chip_id, TCVM_SNP_CHIP_ID_SIZE, hex, sizeof hex);
            return fail(c, TCVM_ATTEST_CHECK_CHIP_ID, TCVM_ATTEST_VERIFY,
                        "CHIP_ID %.32s... is not one of the %zu pinned chips", hex,
                        p->chip_id_count);
        }
    }
    return TCVM_OK;
}

static tcvm_status_t run_checks(vctx_t *c)
{
    tcvm_attest_result_t *res = c->res;
    tcvm_error_t derr;
    tcvm_status_t st = tcvm_snp_report_decode(c->ev->report, TCVM_SNP_REPORT_SIZE, &res->report,
                                              &derr);
    if (st != TCVM_OK)
        return fail(c, TCVM_ATTEST_CHECK_FORMAT, TCVM_ATTEST_MALFORMED, "%s", derr.message);
    c->r = &res->report;
    if (c->r->signature_algo != 1)
        return fail(c, TCVM_ATTEST_CHECK_FORMAT, TCVM_ATTEST_MALFORMED,
                    "SIGNATURE_ALGO is %u; only 1 (ECDSA P-384 with SHA-384) is defined",
                    c->r->signature_algo);
    if (tcvm_snp_report_signing_key(c->r) == TCVM_SNP_SIGNING_KEY_NONE)
        return fail(c, TCVM_ATTEST_CHECK_FORMAT, TCVM_ATTEST_MALFORMED,
                    "KEY_INFO.SIGNING_KEY is 7: the report is not signed");
    if (c->ev->tee == TCVM_ATTEST_TEE_SIM && !c->policy->allow_simulated) {
        res->simulated = true;
        return fail(c, TCVM_ATTEST_CHECK_SIMULATED, TCVM_ATTEST_SIMULATED,
                    "the evidence comes from the simulated TEE, which proves nothing about "
                    "hardware; it is refused unless simulated evidence is explicitly allowed");
    }
    if ((st = parse_evidence_certs(c)) != TCVM_OK || (st = find_vek(c)) != TCVM_OK ||
        (st = check_chain(c)) != TCVM_OK || (st = check_product(c)) != TCVM_OK ||
        (st = check_validity(c)) != TCVM_OK || (st = check_hwid(c)) != TCVM_OK ||
        (st = check_tcb(c)) != TCVM_OK || (st = check_signature(c)) != TCVM_OK ||
        (st = check_policy(c)) != TCVM_OK)
        return st;
    return TCVM_OK;
}

tcvm_status_t tcvm_attest_verifier_verify(tcvm_attest_verifier_t *v,
                                          const tcvm_attest_evidence_t *ev,
                                          tcvm_attest_result_t *out_result)
{
    memset(out_result, 0, sizeof *out_result);
    if (v->failed) {
        /* security objects stay failed: no second chance with other evidence */
        out_result->status = TCVM_ESTATE;
        out_result->check = v->failed_check;
        snprintf(out_result->message, sizeof out_result->message,
                 "this verifier already refused evidence (%s: %.400s); use a new verifier",
                 v->failed_check, v->failed_message);
        tcvm__errorf(&v->error, TCVM_ESTATE, "%s", out_result->message);
        return TCVM_ESTATE;
    }
    vctx_t c;
    memset(&c, 0, sizeof c);
    c.policy = &v->policy;
    c.ev = ev;
    c.res = out_result;
    c.sources[0] = &v->given;
    c.sources[1] = &c.ev_certs;
    c.sources[2] = &v->dir;
    tcvm_status_t st = run_checks(&c);
    list_free(&c.ev_certs);
    if (st != TCVM_OK) {
        v->failed = true;
        v->failed_check = out_result->check;
        snprintf(v->failed_message, sizeof v->failed_message, "%s", out_result->message);
        tcvm__errorf(&v->error, st, "%s: %s", out_result->check, out_result->message);
        return st;
    }
    out_result->status = TCVM_OK;
    out_result->check = NULL;
    out_result->message[0] = '\0';
    tcvm__error_clear(&v->error);
    return TCVM_OK;
}
