/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the SEV-SNP report decoder and its readable rendering: any bytes go to
 * tcvm_snp_report_decode; the loader's forms (raw, hex, HCL) and describe (text and JSON) run on
 * whatever decodes.
 */
#include "attest/attest_internal.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tcvm_snp_report_t r;
    tcvm_error_t err;
    if (tcvm_snp_report_decode(data, size, &r, &err) == TCVM_OK) {
        (void)tcvm_snp_tcb_decode(r.reported_tcb, r.product);
        (void)tcvm_snp_report_signing_key(&r);
    }
    tcvm_attest_evidence_t *ev;
    if (tcvm_attest_evidence_load(data, size, &ev, NULL, &err) == TCVM_OK) {
        char *text = NULL;
        if (tcvm_attest_evidence_describe(ev, NULL, 0, size & 1, &text, &err) == TCVM_OK)
            free(text);
        tcvm_attest_evidence_destroy(ev);
    }
    return 0;
}
