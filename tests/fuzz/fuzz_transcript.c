/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the transcript verifier: line splitting, the record reader, the chain walk and
 * the head reader and signature check, with the key the seeds were signed with (32 bytes of 0x5a
 * as the Ed25519 seed). A verified transcript must give back its records. Seeds:
 * tests/fuzz/seeds/transcript/, small transcripts made with 2cvm's own writer and that key.
 */
#include "tcvm/transcript.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t pub[32];
    static bool ready;
    if (!ready) {
        uint8_t seed[32];
        memset(seed, 0x5a, sizeof seed);
        tcvm_sign_key_t *key;
        if (tcvm_sign_key_from_seed(seed, &key) != TCVM_OK) abort();
        tcvm_sign_key_public(key, pub);
        tcvm_sign_key_destroy(key);
        ready = true;
    }
    tcvm_transcript_t *t = NULL;
    tcvm_error_t err;
    if (tcvm_transcript_load(data, size, pub, &t, &err) != TCVM_OK) {
        if (t != NULL || err.message[0] == '\0') abort();
        return 0;
    }
    for (size_t i = 0; i < tcvm_transcript_count(t); i++) {
        const char *line, *type;
        size_t n;
        uint64_t when;
        if (tcvm_transcript_record(t, i, &line, &n) != TCVM_OK ||
            tcvm_transcript_record_info(t, i, &when, &type) != TCVM_OK)
            abort();
    }
    tcvm_transcript_destroy(t);
    return 0;
}
