/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the 2cvm evidence format and the GHCB certificate table inside it: evidence
 * that parses is re-encoded (and must parse again to the same bytes), rendered, and verified
 * with simulated evidence allowed, so the certificates it carries reach the chain checks. The
 * input also goes to the certificate-table reader directly.
 */
#include "attest/attest_internal.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tcvm_attest_evidence_t *ev;
    tcvm_error_t err;
    if (tcvm_attest_evidence_parse(data, size, &ev, &err) == TCVM_OK) {
        uint8_t *enc;
        size_t enc_size;
        if (tcvm_attest_evidence_encode(ev, &enc, &enc_size) == TCVM_OK) {
            tcvm_attest_evidence_t *again;
            if (tcvm_attest_evidence_parse(enc, enc_size, &again, &err) != TCVM_OK)
                abort(); /* what we write we must read */
            uint8_t *enc2;
            size_t enc2_size;
            if (tcvm_attest_evidence_encode(again, &enc2, &enc2_size) != TCVM_OK ||
                enc2_size != enc_size || memcmp(enc, enc2, enc_size) != 0)
                abort(); /* and re-encoding is stable */
            free(enc2);
            tcvm_attest_evidence_destroy(again);
            free(enc);
        }
        char *text = NULL;
        if (tcvm_attest_evidence_describe(ev, NULL, 0, false, &text, &err) == TCVM_OK)
            free(text);
        tcvm_attest_policy_t p;
        tcvm_attest_policy_init(&p, 1748736000); /* 2025-06-01 */
        p.allow_simulated = true;
        tcvm_attest_verifier_t *v;
        if (tcvm_attest_verifier_new(&p, &v) == TCVM_OK) {
            tcvm_attest_result_t res;
            (void)tcvm_attest_verifier_verify(v, ev, &res);
            tcvm_attest_verifier_destroy(v);
        }
        tcvm_attest_evidence_destroy(ev);
    }
    uint8_t report[TCVM_SNP_REPORT_SIZE] = {0};
    tcvm__put_le32(report, 2);
    if (tcvm_attest_evidence_new(TCVM_ATTEST_TEE_SEV_SNP, report, sizeof report, &ev, &err) ==
        TCVM_OK) {
        (void)tcvm_attest_evidence_add_cert_table(ev, data, size, &err);
        tcvm_attest_evidence_destroy(ev);
    }
    return 0;
}
