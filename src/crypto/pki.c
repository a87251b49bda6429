/* SPDX-License-Identifier: Apache-2.0 */
/*
 * X.509, ECDSA P-384 and RSASSA-PSS over OpenSSL 3 (see pki.h). Certificates are parsed and
 * validated only by OpenSSL; this file classifies what OpenSSL decoded (signature parameters,
 * key type), copies raw extension values out for the attestation subsystem, and converts the
 * little-endian (r, s) signatures of SEV-SNP reports to and from the DER form OpenSSL uses.
 * Every path that fails clears OpenSSL's thread error queue so that one failure never shows up
 * as the reason of a later, unrelated one.
 */
#include "crypto/pki.h"

#include "crypto/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Reference counting is not atomic: a certificate is shared only within one thread. */
struct tcvm_x509 {
    X509 *x;
    uint8_t *der;
    size_t der_size;
    uint8_t sha256[TCVM_SHA256_SIZE];
    int refs;
};

struct tcvm_pkey {
    EVP_PKEY *pk;
};

/* Copies the oldest queued OpenSSL reason into buf (or "unknown reason") and clears the queue. */
static void ssl_reason(char *buf, size_t size)
{
    unsigned long e = ERR_get_error();
    if (e == 0)
        snprintf(buf, size, "unknown reason");
    else
        ERR_error_string_n(e, buf, size);
    ERR_clear_error();
}

static tcvm_status_t ssl_fail(tcvm_error_t *err, tcvm_status_t st, const char *what)
{
    char reason[256];
    ssl_reason(reason, sizeof reason);
    return tcvm__errorf(err, st, "%s: %s", what, reason);
}

static tcvm_status_t wrap_x509(X509 *x, const uint8_t *der, size_t der_size, tcvm_x509_t **out)
{
    tcvm_x509_t *c = tcvm__calloc(1, sizeof *c);
    if (c == NULL)
        return TCVM_ENOMEM;
    c->der = tcvm__memdup(der, der_size);
    if (c->der == NULL) {
        tcvm__free(c);
        return TCVM_ENOMEM;
    }
    c->der_size = der_size;
    tcvm_status_t st = tcvm__sha256(der, der_size, c->sha256);
    if (st != TCVM_OK) {
        tcvm__free(c->der);
        tcvm__free(c);
        return st;
    }
    c->x = x;
    c->refs = 1;
    *out = c;
    return TCVM_OK;
}

tcvm_status_t tcvm__x509_parse_der(const uint8_t *der, size_t size, tcvm_x509_t **out_cert,
                                   tcvm_error_t *err)
{
    if (size == 0 || size > INT32_MAX)
        return tcvm__errorf(err, TCVM_EFORMAT, "certificate: bad size %zu", size);
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)size);
    if (x == NULL)
        return ssl_fail(err, TCVM_EFORMAT, "certificate: not a DER X.509 certificate");
    if (p != der + size) {
        X509_free(x);
        return tcvm__errorf(err, TCVM_EFORMAT,
                            "certificate: %zu trailing bytes after the DER certificate",
                            (size_t)(der + size - p));
    }
    tcvm_status_t st = wrap_x509(x, der, size, out_cert);
    if (st != TCVM_OK) {
        X509_free(x);
        return tcvm__errorf(err, st, "certificate: out of memory");
    }
    return TCVM_OK;
}

bool tcvm__pki_is_pem(const uint8_t *data, size_t size)
{
    static const char tag[] = "-----BEGIN ";
    return memmem(data, size, tag, sizeof tag - 1) != NULL;
}

static tcvm_status_t list_push(tcvm_x509_t ***list, size_t *count, tcvm_x509_t *c)
{
    tcvm_x509_t **grown = tcvm__reallocarray(*list, *count + 1, sizeof **list);
    if (grown == NULL)
        return TCVM_ENOMEM;
    grown[*count] = c;
    *list = grown;
    *count += 1;
    return TCVM_OK;
}

tcvm_status_t tcvm__x509_parse_any(const uint8_t *data, size_t size, size_t max_count,
                                   tcvm_x509_t ***list, size_t *count, tcvm_error_t *err)
{
    if (!tcvm__pki_is_pem(data, size)) {
        if (*count >= max_count)
            return tcvm__errorf(err, TCVM_ELIMIT, "more than %zu certificates", max_count);
        tcvm_x509_t *c;
        tcvm_status_t st = tcvm__x509_parse_der(data, size, &c, err);
        if (st != TCVM_OK)
            return st;
        st = list_push(list, count, c);
        if (st != TCVM_OK) {
            tcvm__x509_free(c);
            return tcvm__errorf(err, st, "certificate list: out of memory");
        }
        return TCVM_OK;
    }
    if (size > INT32_MAX)
        return tcvm__errorf(err, TCVM_ELIMIT, "PEM text too large");
    BIO *bio = BIO_new_mem_buf(data, (int)size);
    if (bio == NULL)
        return tcvm__errorf(err, TCVM_ENOMEM, "PEM: out of memory");
    tcvm_status_t st = TCVM_OK;
    size_t found = 0;
    for (;;) {
        ERR_clear_error();
        X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        if (x == NULL) {
            unsigned long e = ERR_peek_last_error();
            if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
                ERR_clear_error();
                break;
            }
            st = ssl_fail(err, TCVM_EFORMAT, "PEM certificate block does not decode");
            break;
        }
        if (*count >= max_count) {
            X509_free(x);
            st = tcvm__errorf(err, TCVM_ELIMIT, "more than %zu certificates", max_count);
            break;
        }
        unsigned char *der = NULL;
        int n = i2d_X509(x, &der);
        if (n <= 0) {
            X509_free(x);
            st = ssl_fail(err, TCVM_EFORMAT, "PEM certificate does not re-encode");
            break;
        }
        tcvm_x509_t *c;
        st = wrap_x509(x, der, (size_t)n, &c);
        OPENSSL_free(der);
        if (st != TCVM_OK) {
            X509_free(x);
            tcvm__errorf(err, st, "certificate: out of memory");
            break;
        }
        st = list_push(list, count, c);
        if (st != TCVM_OK) {
            tcvm__x509_free(c);
            tcvm__errorf(err, st, "certificate list: out of memory");
            break;
        }
        found++;
    }
    BIO_free(bio);
    if (st == TCVM_OK && found == 0)
        st = tcvm__errorf(err, TCVM_EFORMAT, "PEM text holds no CERTIFICATE block");
    return st;
}

tcvm_x509_t *tcvm__x509_ref(tcvm_x509_t *x)
{
    x->refs++;
    return x;
}

void tcvm__x509_free(tcvm_x509_t *x)
{
    if (x == NULL || --x->refs > 0)
        return;
    X509_free(x->x);
    tcvm__free(x->der);
    tcvm__free(x);
}

const uint8_t *tcvm__x509_der(const tcvm_x509_t *x, size_t *out_size)
{
    *out_size = x->der_size;
    return x->der;
}

const uint8_t *tcvm__x509_sha256(const tcvm_x509_t *x)
{
    return x->sha256;
}

void tcvm__x509_subject_cn(const tcvm_x509_t *x, char *buf, size_t size)
{
    if (size == 0)
        return;
    buf[0] = '\0';
    const X509_NAME *name = X509_get_subject_name(x->x);
    int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (idx < 0)
        return;
    const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, idx);
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
    if (n < 0) {
        ERR_clear_error();
        return;
    }
    /* a name with an embedded NUL is not representable as a C string: give "" */
    if (memchr(utf8, 0, (size_t)n) == NULL)
        snprintf(buf, size, "%.*s", n, (const char *)utf8);
    OPENSSL_free(utf8);
}

void tcvm__x509_name_text(const tcvm_x509_t *x, bool issuer, char *buf, size_t size)
{
    if (size == 0)
        return;
    buf[0] = '\0';
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL)
        return;
    const X509_NAME *name = issuer ? X509_get_issuer_name(x->x) : X509_get_subject_name(x->x);
    unsigned long flags = ASN1_STRFLGS_RFC2253 | XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN |
                          XN_FLAG_DUMP_UNKNOWN_FIELDS;
    if (X509_NAME_print_ex(bio, name, 0, flags) >= 0) {
        char *p;
        long n = BIO_get_mem_data(bio, &p);
        if (n > 0)
            snprintf(buf, size, "%.*s", (int)(n > INT_MAX ? INT_MAX : n), p);
    }
    BIO_free(bio);
    ERR_clear_error();
}

bool tcvm__x509_issued_by_name(const tcvm_x509_t *child, const tcvm_x509_t *parent)
{
    return X509_NAME_cmp(X509_get_issuer_name(child->x), X509_get_subject_name(parent->x)) == 0;
}

bool tcvm__x509_self_issued(const tcvm_x509_t *x)
{
    return X509_NAME_cmp(X509_get_issuer_name(x->x), X509_get_subject_name(x->x)) == 0;
}

bool tcvm__x509_is_ca(const tcvm_x509_t *x)
{
    /* X509_get_extension_flags caches the decoded extensions; it may need to write to x */
    uint32_t flags = X509_get_extension_flags(x->x);
    ERR_clear_error();
    return (flags & EXFLAG_CA) != 0;
}

bool tcvm__x509_serial_u64(const tcvm_x509_t *x, uint64_t *out)
{
    uint64_t v;
    if (ASN1_INTEGER_get_uint64(&v, X509_get0_serialNumber(x->x)) != 1) {
        ERR_clear_error();
        return false;
    }
    *out = v;
    return true;
}

static bool asn1_time_to_epoch(const ASN1_TIME *t, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
        ERR_clear_error();
        return false;
    }
    time_t v = timegm(&tm);
    *out = (int64_t)v;
    return true;
}

tcvm_status_t tcvm__x509_validity(const tcvm_x509_t *x, int64_t *out_not_before,
                                  int64_t *out_not_after)
{
    int64_t nb, na;
    if (!asn1_time_to_epoch(X509_get0_notBefore(x->x), &nb) ||
        !asn1_time_to_epoch(X509_get0_notAfter(x->x), &na))
        return TCVM_EFORMAT;
    *out_not_before = nb;
    *out_not_after = na;
    return TCVM_OK;
}

static int algor_nid(const X509_ALGOR *alg)
{
    const ASN1_OBJECT *obj = NULL;
    X509_ALGOR_get0(&obj, NULL, NULL, alg);
    return obj ? OBJ_obj2nid(obj) : NID_undef;
}

/* The RSASSA-PSS parameters are exactly SHA-384, MGF1 with SHA-384, salt 48, trailer 1. */
static bool pss_params_are_sha384(const X509_ALGOR *alg)
{
    int ptype = 0;
    const void *pval = NULL;
    X509_ALGOR_get0(NULL, &ptype, &pval, alg);
    if (ptype != V_ASN1_SEQUENCE || pval == NULL)
        return false;
    const ASN1_STRING *seq = pval;
    const unsigned char *p = ASN1_STRING_get0_data(seq);
    RSA_PSS_PARAMS *pss = d2i_RSA_PSS_PARAMS(NULL, &p, ASN1_STRING_length(seq));
    if (pss == NULL) {
        ERR_clear_error();
        return false;
    }
    bool ok = false;
    X509_ALGOR *mgf_hash = NULL;
    if (pss->hashAlgorithm == NULL || algor_nid(pss->hashAlgorithm) != NID_sha384)
        goto done;
    if (pss->maskGenAlgorithm == NULL || algor_nid(pss->maskGenAlgorithm) != NID_mgf1)
        goto done;
    int mtype = 0;
    const void *mval = NULL;
    X509_ALGOR_get0(NULL, &mtype, &mval, pss->maskGenAlgorithm);
    if (mtype != V_ASN1_SEQUENCE || mval == NULL)
        goto done;
    const unsigned char *mp = ASN1_STRING_get0_data(mval);
    mgf_hash = d2i_X509_ALGOR(NULL, &mp, ASN1_STRING_length(mval));
    if (mgf_hash == NULL || algor_nid(mgf_hash) != NID_sha384)
        goto done;
    uint64_t salt = 0;
    if (pss->saltLength == NULL || ASN1_INTEGER_get_uint64(&salt, pss->saltLength) != 1 ||
        salt != 48)
        goto done;
    uint64_t trailer = 1;
    if (pss->trailerField != NULL &&
        (ASN1_INTEGER_get_uint64(&trailer, pss->trailerField) != 1 || trailer != 1))
        goto done;
    ok = true;
done:
    X509_ALGOR_free(mgf_hash);
    RSA_PSS_PARAMS_free(pss);
    ERR_clear_error();
    return ok;
}

tcvm_pki_sigalg_t tcvm__x509_sigalg(const tcvm_x509_t *x)
{
    const X509_ALGOR *alg = NULL;
    X509_get0_signature(NULL, &alg, x->x);
    if (alg == NULL)
        return TCVM_PKI_SIG_OTHER;
    int nid = algor_nid(alg);
    if (nid == NID_ecdsa_with_SHA384) {
        int ptype = 0;
        X509_ALGOR_get0(NULL, &ptype, NULL, alg);
        return ptype == V_ASN1_UNDEF ? TCVM_PKI_SIG_ECDSA_SHA384 : TCVM_PKI_SIG_OTHER;
    }
    if (nid == NID_rsassaPss)
        return pss_params_are_sha384(alg) ? TCVM_PKI_SIG_RSA_PSS_SHA384 : TCVM_PKI_SIG_OTHER;
    return TCVM_PKI_SIG_OTHER;
}

void tcvm__x509_sigalg_text(const tcvm_x509_t *x, char *buf, size_t size)
{
    const X509_ALGOR *alg = NULL;
    X509_get0_signature(NULL, &alg, x->x);
    const ASN1_OBJECT *obj = NULL;
    if (alg != NULL)
        X509_ALGOR_get0(&obj, NULL, NULL, alg);
    if (size == 0)
        return;
    buf[0] = '\0';
    if (obj != NULL && OBJ_obj2txt(buf, (int)(size > INT_MAX ? INT_MAX : size), obj, 0) < 0)
        buf[0] = '\0';
    ERR_clear_error();
}

tcvm_pki_keytype_t tcvm__x509_keytype(const tcvm_x509_t *x, int *out_bits)
{
    EVP_PKEY *pk = X509_get0_pubkey(x->x);
    ERR_clear_error();
    if (pk == NULL)
        return TCVM_PKI_KEY_OTHER;
    if (out_bits != NULL)
        *out_bits = EVP_PKEY_get_bits(pk);
    int id = EVP_PKEY_get_base_id(pk);
    if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS)
        return TCVM_PKI_KEY_RSA;
    if (id == EVP_PKEY_EC) {
        char group[64];
        size_t n = 0;
        if (EVP_PKEY_get_group_name(pk, group, sizeof group, &n) == 1 &&
            strcmp(group, "secp384r1") == 0)
            return TCVM_PKI_KEY_EC_P384;
        ERR_clear_error();
    }
    return TCVM_PKI_KEY_OTHER;
}

bool tcvm__x509_signed_by(const tcvm_x509_t *child, const tcvm_x509_t *parent)
{
    EVP_PKEY *pk = X509_get0_pubkey(parent->x);
    bool ok = pk != NULL && X509_verify(child->x, pk) == 1;
    ERR_clear_error();
    return ok;
}

tcvm_status_t tcvm__x509_verify_path(const tcvm_x509_t *leaf, const tcvm_x509_t *intermediate,
                                     const tcvm_x509_t *root, char *why, size_t why_size)
{
    tcvm_status_t st = TCVM_ENOMEM;
    snprintf(why, why_size, "out of memory");
    X509_STORE *store = X509_STORE_new();
    if (store == NULL)
        goto out;
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    if (untrusted == NULL)
        goto free_store;
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (ctx == NULL)
        goto free_untrusted;
    if (X509_STORE_add_cert(store, root->x) != 1 || sk_X509_push(untrusted, intermediate->x) <= 0)
        goto free_ctx;
    if (X509_STORE_CTX_init(ctx, store, leaf->x, untrusted) != 1)
        goto free_ctx;
    /*
     * Validity times are checked by the caller at the caller's time. The root's own signature
     * is checked too (OpenSSL skips it by default for a trust anchor). X509_V_FLAG_X509_STRICT
     * is deliberately not set: AMD's VCEK and VLEK have no AuthorityKeyIdentifier.
     */
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_NO_CHECK_TIME | X509_V_FLAG_CHECK_SS_SIGNATURE);
    X509_VERIFY_PARAM_set_depth(param, 2);
    if (X509_verify_cert(ctx) != 1) {
        int e = X509_STORE_CTX_get_error(ctx);
        int depth = X509_STORE_CTX_get_error_depth(ctx);
        snprintf(why, why_size, "%s (at depth %d)", X509_verify_cert_error_string(e), depth);
        st = TCVM_CRYPTO_BAD_SIGNATURE;
        goto free_ctx;
    }
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
    if (chain == NULL || sk_X509_num(chain) != 3 || X509_cmp(sk_X509_value(chain, 0), leaf->x) ||
        X509_cmp(sk_X509_value(chain, 1), intermediate->x) ||
        X509_cmp(sk_X509_value(chain, 2), root->x)) {
        snprintf(why, why_size, "the validated path is not leaf <- intermediate <- root");
        st = TCVM_CRYPTO_BAD_SIGNATURE;
        goto free_ctx;
    }
    st = TCVM_OK;
    why[0] = '\0';
free_ctx:
    X509_STORE_CTX_free(ctx);
free_untrusted:
    sk_X509_free(untrusted);
free_store:
    X509_STORE_free(store);
out:
    ERR_clear_error();
    return st;
}

tcvm_status_t tcvm__x509_ext(const tcvm_x509_t *x, const char *oid, const uint8_t **out_value,
                             size_t *out_size, bool *out_critical)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    if (obj == NULL) {
        ERR_clear_error();
        return TCVM_EINVAL;
    }
    int idx = X509_get_ext_by_OBJ(x->x, obj, -1);
    int again = idx >= 0 ? X509_get_ext_by_OBJ(x->x, obj, idx) : -1;
    ASN1_OBJECT_free(obj);
    ERR_clear_error();
    if (idx < 0)
        return TCVM_ENOENT;
    if (again >= 0)
        return TCVM_EFORMAT;
    X509_EXTENSION *ext = X509_get_ext(x->x, idx);
    const ASN1_OCTET_STRING *data = X509_EXTENSION_get_data(ext);
    if (data == NULL)
        return TCVM_EFORMAT;
    *out_value = ASN1_STRING_get0_data(data);
    *out_size = (size_t)ASN1_STRING_length(data);
    if (out_critical != NULL)
        *out_critical = X509_EXTENSION_get_critical(ext) != 0;
    return TCVM_OK;
}

tcvm_status_t tcvm__der_uint(const uint8_t *der, size_t size, uint64_t *out)
{
    if (size == 0 || size > 64)
        return TCVM_EFORMAT;
    const unsigned char *p = der;
    ASN1_INTEGER *ai = d2i_ASN1_INTEGER(NULL, &p, (long)size);
    tcvm_status_t st = TCVM_EFORMAT;
    uint64_t v;
    if (ai != NULL && p == der + size && ASN1_INTEGER_get_uint64(&v, ai) == 1) {
        *out = v;
        st = TCVM_OK;
    }
    ASN1_INTEGER_free(ai);
    ERR_clear_error();
    return st;
}

tcvm_status_t tcvm__der_ia5(const uint8_t *der, size_t size, char *out, size_t out_size)
{
    if (size == 0 || size > INT32_MAX || out_size == 0)
        return TCVM_EFORMAT;
    const unsigned char *p = der;
    ASN1_IA5STRING *s = d2i_ASN1_IA5STRING(NULL, &p, (long)size);
    tcvm_status_t st = TCVM_EFORMAT;
    if (s != NULL && p == der + size) {
        const unsigned char *d = ASN1_STRING_get0_data(s);
        size_t n = (size_t)ASN1_STRING_length(s);
        st = TCVM_OK;
        for (size_t i = 0; i < n; i++) {
            if (d[i] == 0 || d[i] > 0x7f)
                st = TCVM_EFORMAT;
        }
        if (st == TCVM_OK && n >= out_size)
            st = TCVM_ELIMIT;
        if (st == TCVM_OK) {
            memcpy(out, d, n);
            out[n] = '\0';
        }
    }
    ASN1_IA5STRING_free(s);
    ERR_clear_error();
    return st;
}

tcvm_status_t tcvm__der_octets(const uint8_t *der, size_t size, uint8_t *out, size_t cap,
                               size_t *out_size)
{
    if (size == 0 || size > INT32_MAX)
        return TCVM_EFORMAT;
    const unsigned char *p = der;
    ASN1_OCTET_STRING *s = d2i_ASN1_OCTET_STRING(NULL, &p, (long)size);
    tcvm_status_t st = TCVM_EFORMAT;
    if (s != NULL && p == der + size) {
        size_t n = (size_t)ASN1_STRING_length(s);
        if (n > cap) {
            st = TCVM_ELIMIT;
        } else {
            if (n > 0)
                memcpy(out, ASN1_STRING_get0_data(s), n);
            *out_size = n;
            st = TCVM_OK;
        }
    }
    ASN1_OCTET_STRING_free(s);
    ERR_clear_error();
    return st;
}

static tcvm_status_t append_i2d(tcvm_buf_t *out, int n, unsigned char *der)
{
    tcvm_status_t st = n > 0 ? tcvm__buf_append(out, der, (size_t)n) : TCVM_CRYPTO_FAILED;
    OPENSSL_free(der);
    ERR_clear_error();
    return st;
}

tcvm_status_t tcvm__der_encode_uint(uint64_t v, tcvm_buf_t *out)
{
    ASN1_INTEGER *ai = ASN1_INTEGER_new();
    if (ai == NULL || ASN1_INTEGER_set_uint64(ai, v) != 1) {
        ASN1_INTEGER_free(ai);
        ERR_clear_error();
        return TCVM_ENOMEM;
    }
    unsigned char *der = NULL;
    int n = i2d_ASN1_INTEGER(ai, &der);
    ASN1_INTEGER_free(ai);
    return append_i2d(out, n, der);
}

tcvm_status_t tcvm__der_encode_ia5(const char *s, tcvm_buf_t *out)
{
    ASN1_IA5STRING *a = ASN1_IA5STRING_new();
    if (a == NULL || ASN1_STRING_set(a, s, -1) != 1) {
        ASN1_IA5STRING_free(a);
        ERR_clear_error();
        return TCVM_ENOMEM;
    }
    unsigned char *der = NULL;
    int n = i2d_ASN1_IA5STRING(a, &der);
    ASN1_IA5STRING_free(a);
    return append_i2d(out, n, der);
}

static bool is_p384(EVP_PKEY *pk)
{
    char group[64];
    size_t n = 0;
    bool ok = pk != NULL && EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC &&
              EVP_PKEY_get_group_name(pk, group, sizeof group, &n) == 1 &&
              strcmp(group, "secp384r1") == 0;
    ERR_clear_error();
    return ok;
}

tcvm_status_t tcvm__ecdsa_p384_verify_le(const tcvm_x509_t *cert, const void *msg, size_t size,
                                         const uint8_t *r_le, const uint8_t *s_le)
{
    EVP_PKEY *pk = X509_get0_pubkey(cert->x);
    if (!is_p384(pk))
        return TCVM_CRYPTO_BAD_KEY;
    tcvm_status_t st = TCVM_ENOMEM;
    unsigned char *der = NULL;
    EVP_MD_CTX *md = NULL;
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_lebin2bn(r_le, TCVM_PKI_LE_COMPONENT_SIZE, NULL);
    BIGNUM *s = BN_lebin2bn(s_le, TCVM_PKI_LE_COMPONENT_SIZE, NULL);
    if (sig == NULL || r == NULL || s == NULL)
        goto out;
    if (ECDSA_SIG_set0(sig, r, s) != 1)
        goto out;
    r = s = NULL; /* owned by sig now */
    int n = i2d_ECDSA_SIG(sig, &der);
    if (n <= 0)
        goto out;
    md = EVP_MD_CTX_new();
    if (md == NULL)
        goto out;
    st = TCVM_CRYPTO_FAILED;
    if (EVP_DigestVerifyInit(md, NULL, EVP_sha384(), NULL, pk) != 1)
        goto out;
    st = EVP_DigestVerify(md, der, (size_t)n, msg, size) == 1 ? TCVM_OK
                                                                : TCVM_CRYPTO_BAD_SIGNATURE;
out:
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    ERR_clear_error();
    return st;
}

tcvm_status_t tcvm__pkey_generate_p384(tcvm_pkey_t **out_key)
{
    tcvm_pkey_t *k = tcvm__calloc(1, sizeof *k);
    if (k == NULL)
        return TCVM_ENOMEM;
    k->pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    ERR_clear_error();
    if (k->pk == NULL) {
        tcvm__free(k);
        return TCVM_CRYPTO_FAILED;
    }
    *out_key = k;
    return TCVM_OK;
}

void tcvm__pkey_free(tcvm_pkey_t *key)
{
    if (key == NULL)
        return;
    EVP_PKEY_free(key->pk); /* OpenSSL clears the private scalar when it frees it */
    tcvm__free(key);
}

static tcvm_status_t write_all(int fd, const void *data, size_t size)
{
    const uint8_t *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return TCVM_EIO;
        p += n;
        size -= (size_t)n;
    }
    return TCVM_OK;
}

tcvm_status_t tcvm__pkey_save(const tcvm_pkey_t *key, const char *path, tcvm_error_t *err)
{
    BIO *bio = BIO_new(BIO_s_secmem()); /* cleared when freed */
    if (bio == NULL)
        return tcvm__errorf(err, TCVM_ENOMEM, "%s: out of memory", path);
    if (PEM_write_bio_PrivateKey(bio, key->pk, NULL, NULL, 0, NULL, NULL) != 1) {
        BIO_free(bio);
        return ssl_fail(err, TCVM_CRYPTO_FAILED, "private key does not encode");
    }
    char *pem;
    long n = BIO_get_mem_data(bio, &pem);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        int e = errno;
        BIO_free(bio);
        return tcvm__errorf(err, e == EEXIST ? TCVM_EEXIST : TCVM_EIO, "%s: %s", path,
                            strerror(e));
    }
    tcvm_status_t st = n > 0 ? write_all(fd, pem, (size_t)n) : TCVM_CRYPTO_FAILED;
    if (close(fd) != 0 && st == TCVM_OK)
        st = TCVM_EIO;
    BIO_free(bio);
    if (st != TCVM_OK) {
        unlink(path);
        return tcvm__errorf(err, st, "%s: cannot write the private key", path);
    }
    return TCVM_OK;
}

tcvm_status_t tcvm__pkey_load(const char *path, tcvm_pkey_t **out_key, tcvm_error_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return tcvm__errorf(err, errno == ENOENT ? TCVM_ENOENT : TCVM_EIO, "%s: %s", path,
                            strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return tcvm__errorf(err, TCVM_EIO, "%s: not a regular file", path);
    }
    if ((sb.st_mode & 077) != 0) {
        close(fd);
        return tcvm__errorf(err, TCVM_EPERM,
                            "%s: private key is accessible to group or others (mode %o); "
                            "chmod 600 it",
                            path, (unsigned)(sb.st_mode & 0777));
    }
    if (sb.st_size <= 0 || sb.st_size > 65536) {
        close(fd);
        return tcvm__errorf(err, TCVM_EFORMAT, "%s: implausible key file size", path);
    }
    size_t size = (size_t)sb.st_size;
    uint8_t *buf = tcvm__malloc(size);
    if (buf == NULL) {
        close(fd);
        return tcvm__errorf(err, TCVM_ENOMEM, "%s: out of memory", path);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    tcvm_status_t st = TCVM_OK;
    EVP_PKEY *pk = NULL;
    BIO *bio = got == size ? BIO_new_mem_buf(buf, (int)size) : NULL;
    if (bio == NULL)
        st = tcvm__errorf(err, TCVM_EIO, "%s: cannot read the key", path);
    else if ((pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL)
        st = ssl_fail(err, TCVM_CRYPTO_BAD_KEY, "private key does not decode");
    BIO_free(bio);
    tcvm__wipe(buf, size);
    tcvm__free(buf);
    if (st != TCVM_OK)
        return st;
    if (!is_p384(pk)) {
        EVP_PKEY_free(pk);
        return tcvm__errorf(err, TCVM_CRYPTO_BAD_KEY, "%s: not a P-384 key", path);
    }
    tcvm_pkey_t *k = tcvm__calloc(1, sizeof *k);
    if (k == NULL) {
        EVP_PKEY_free(pk);
        return tcvm__errorf(err, TCVM_ENOMEM, "%s: out of memory", path);
    }
    k->pk = pk;
    *out_key = k;
    return TCVM_OK;
}

bool tcvm__pkey_matches(const tcvm_pkey_t *key, const tcvm_x509_t *cert)
{
    EVP_PKEY *pub = X509_get0_pubkey(cert->x);
    bool ok = pub != NULL && EVP_PKEY_eq(key->pk, pub) == 1;
    ERR_clear_error();
    return ok;
}

tcvm_status_t tcvm__pkey_public_der(const tcvm_pkey_t *key, tcvm_buf_t *out)
{
    unsigned char *der = NULL;
    int n = i2d_PUBKEY(key->pk, &der);
    return append_i2d(out, n, der);
}

tcvm_status_t tcvm__ecdsa_p384_sign_le(const tcvm_pkey_t *key, const void *msg, size_t size,
                                       uint8_t *r_le, uint8_t *s_le)
{
    if (!is_p384(key->pk))
        return TCVM_CRYPTO_BAD_KEY;
    tcvm_status_t st = TCVM_CRYPTO_FAILED;
    unsigned char der[160];
    size_t n = sizeof der;
    ECDSA_SIG *sig = NULL;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md == NULL) {
        st = TCVM_ENOMEM;
        goto out;
    }
    if (EVP_DigestSignInit(md, NULL, EVP_sha384(), NULL, key->pk) != 1 ||
        EVP_DigestSign(md, der, &n, msg, size) != 1)
        goto out;
    const unsigned char *p = der;
    sig = d2i_ECDSA_SIG(NULL, &p, (long)n);
    if (sig == NULL)
        goto out;
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(sig, &r, &s);
    if (BN_bn2lebinpad(r, r_le, TCVM_PKI_LE_COMPONENT_SIZE) < 0 ||
        BN_bn2lebinpad(s, s_le, TCVM_PKI_LE_COMPONENT_SIZE) < 0)
        goto out;
    st = TCVM_OK;
out:
    ECDSA_SIG_free(sig);
    EVP_MD_CTX_free(md);
    ERR_clear_error();
    return st;
}

static bool add_ext_i2d(X509 *x, int nid, void *value, int critical)
{
    return X509_add1_ext_i2d(x, nid, value, critical, X509V3_ADD_DEFAULT) == 1;
}

static bool add_ca_exts(X509 *x, int pathlen)
{
    bool ok = false;
    BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
    ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();
    if (bc == NULL || ku == NULL)
        goto out;
    bc->ca = 0xff;
    if (pathlen >= 0) {
        bc->pathlen = ASN1_INTEGER_new();
        if (bc->pathlen == NULL || ASN1_INTEGER_set(bc->pathlen, pathlen) != 1)
            goto out;
    }
    /* keyUsage bits 5 (keyCertSign) and 6 (cRLSign) */
    if (ASN1_BIT_STRING_set_bit(ku, 5, 1) != 1 || ASN1_BIT_STRING_set_bit(ku, 6, 1) != 1)
        goto out;
    ok = add_ext_i2d(x, NID_basic_constraints, bc, 1) && add_ext_i2d(x, NID_key_usage, ku, 1);
out:
    BASIC_CONSTRAINTS_free(bc);
    ASN1_BIT_STRING_free(ku);
    return ok;
}

static bool add_raw_ext(X509 *x, const tcvm_pki_ext_t *e)
{
    bool ok = false;
    ASN1_OBJECT *obj = OBJ_txt2obj(e->oid, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *ext = NULL;
    if (obj == NULL || os == NULL || e->size > INT32_MAX ||
        ASN1_OCTET_STRING_set(os, e->value, (int)e->size) != 1)
        goto out;
    ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
    ok = ext != NULL && X509_add_ext(x, ext, -1) == 1;
out:
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
    return ok;
}

tcvm_status_t tcvm__x509_issue(const tcvm_pki_cert_spec_t *spec, const tcvm_pkey_t *subject_key,
                               const tcvm_pkey_t *issuer_key, const tcvm_x509_t *issuer,
                               tcvm_x509_t **out_cert, tcvm_error_t *err)
{
    if (issuer == NULL && issuer_key != subject_key)
        return tcvm__errorf(err, TCVM_EINVAL, "a self-signed certificate needs its own key");
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    if (x == NULL || name == NULL)
        goto fail;
    for (size_t i = 0; i < spec->subject_count; i++) {
        if (X509_NAME_add_entry_by_txt(name, spec->subject[i].field, MBSTRING_UTF8,
                                       (const unsigned char *)spec->subject[i].value, -1, -1,
                                       0) != 1)
            goto fail;
    }
    if (X509_set_version(x, X509_VERSION_3) != 1 ||
        ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), spec->serial) != 1 ||
        X509_set_subject_name(x, name) != 1 ||
        X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->x) : name) != 1 ||
        ASN1_TIME_set(X509_getm_notBefore(x), (time_t)spec->not_before) == NULL ||
        ASN1_TIME_set(X509_getm_notAfter(x), (time_t)spec->not_after) == NULL ||
        X509_set_pubkey(x, subject_key->pk) != 1)
        goto fail;
    if (spec->ca && !add_ca_exts(x, spec->pathlen))
        goto fail;
    for (size_t i = 0; i < spec->ext_count; i++) {
        if (!add_raw_ext(x, &spec->exts[i]))
            goto fail;
    }
    if (X509_sign(x, issuer_key->pk, EVP_sha384()) <= 0)
        goto fail;
    X509_NAME_free(name);
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    X509_free(x);
    if (n <= 0)
        return ssl_fail(err, TCVM_CRYPTO_FAILED, "issued certificate does not encode");
    tcvm_status_t st = tcvm__x509_parse_der(der, (size_t)n, out_cert, err);
    OPENSSL_free(der);
    return st;
fail:
    X509_NAME_free(name);
    X509_free(x);
    return ssl_fail(err, TCVM_CRYPTO_FAILED, "cannot issue a certificate");
}

tcvm_status_t tcvm__x509_to_pem(const tcvm_x509_t *x, tcvm_buf_t *out)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL)
        return TCVM_ENOMEM;
    tcvm_status_t st = TCVM_CRYPTO_FAILED;
    if (PEM_write_bio_X509(bio, x->x) == 1) {
        char *p;
        long n = BIO_get_mem_data(bio, &p);
        st = n > 0 ? tcvm__buf_append(out, p, (size_t)n) : TCVM_CRYPTO_FAILED;
    }
    BIO_free(bio);
    ERR_clear_error();
    return st;
}
