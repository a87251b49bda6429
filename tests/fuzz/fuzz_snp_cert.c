/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for certificates and AMD's VCEK/VLEK extensions: the input is parsed as DER or PEM
 * certificates, and every certificate goes through the extension parser and every accessor the
 * verifier and the renderer use. The raw bytes also go straight to the DER value decoders.
 */
#include "attest/attest_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tcvm_x509_t **list = NULL;
    size_t count = 0;
    tcvm_error_t err;
    (void)tcvm__x509_parse_any(data, size, 8, &list, &count, &err);
    for (size_t i = 0; i < count; i++) {
        tcvm_x509_t *x = list[i];
        tcvm__vek_ext_t e;
        (void)tcvm__vek_ext_parse(x, &e, &err);
        char buf[512];
        tcvm__x509_subject_cn(x, buf, sizeof buf);
        tcvm__x509_name_text(x, true, buf, sizeof buf);
        tcvm__x509_name_text(x, false, buf, sizeof buf);
        tcvm__x509_sigalg_text(x, buf, sizeof buf);
        int64_t nb, na;
        (void)tcvm__x509_validity(x, &nb, &na);
        (void)tcvm__x509_sigalg(x);
        (void)tcvm__x509_keytype(x, NULL);
        (void)tcvm__x509_is_ca(x);
        (void)tcvm__x509_self_issued(x);
        (void)tcvm__x509_signed_by(x, x);
        tcvm__x509_free(x);
    }
    tcvm__free(list);
    uint64_t v;
    char s[64];
    uint8_t o[64];
    size_t n;
    (void)tcvm__der_uint(data, size, &v);
    (void)tcvm__der_ia5(data, size, s, sizeof s);
    (void)tcvm__der_octets(data, size, o, sizeof o, &n);
    return 0;
}
