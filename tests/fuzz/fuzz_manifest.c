/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the manifest parser: the JSON reader, the schema and semantic stages and the
 * consent-bundle reader (which also reads bare manifests), plus the size and duration grammars
 * on the same bytes. Whatever the input, a failure must come with a message and no object, and
 * a success must give a manifest whose references all resolve. Seeds: tests/fuzz/seeds/manifest/.
 */
#include "tcvm/manifest.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_resolved(const tcvm_manifest_t *m)
{
    for (size_t i = 0; i < m->component_count; i++)
        if (m->components[i].owner >= m->participant_count) abort();
    for (size_t i = 0; i < m->input_count; i++)
        for (size_t k = 0; k < m->inputs[i].reader_count; k++)
            if (m->inputs[i].readers[k] >= m->component_count ||
                !tcvm_manifest_may_read(m, m->inputs[i].readers[k], i))
                abort();
    for (size_t i = 0; i < m->channel_count; i++)
        if (m->channels[i].from >= m->component_count || m->channels[i].to >= m->component_count ||
            !tcvm_manifest_may_call(m, m->channels[i].from, m->channels[i].to,
                                    m->channels[i].interface))
            abort();
    for (size_t i = 0; i < m->output_count; i++)
        if (m->outputs[i].writer >= m->component_count ||
            !tcvm_manifest_may_write(m, m->outputs[i].writer, i))
            abort();
    if (m->entry.component >= m->component_count) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tcvm_manifest_t *m = NULL;
    tcvm_error_t err;
    if (tcvm_manifest_parse(data, size, &m, &err) == TCVM_OK) {
        check_resolved(m);
        tcvm_manifest_destroy(m);
    } else if (m != NULL || err.message[0] == '\0') {
        abort();
    }

    tcvm_bundle_t *b = NULL;
    if (tcvm_bundle_parse(data, size, &b, &err) == TCVM_OK) {
        check_resolved(tcvm_bundle_manifest(b));
        char *text;
        size_t n;
        if (tcvm_bundle_serialize(b, &text, &n) == TCVM_OK) {
            /* what 2cvm writes, 2cvm reads back the same */
            tcvm_bundle_t *again;
            if (tcvm_bundle_parse((const uint8_t *)text, n, &again, &err) != TCVM_OK ||
                tcvm_bundle_signed_count(again) != tcvm_bundle_signed_count(b))
                abort();
            tcvm_bundle_destroy(again);
            tcvm_seal_free(text);
        }
        tcvm_bundle_destroy(b);
    } else if (b != NULL || err.message[0] == '\0') {
        abort();
    }

    uint64_t v;
    size_t len = size < 64 ? size : 64;
    if (tcvm_manifest_parse_size((const char *)data, len, &v, &err) == TCVM_OK) {
        char text[32];
        uint64_t back;
        tcvm_manifest_format_size(v, text);
        if (tcvm_manifest_parse_size(text, strlen(text), &back, &err) != TCVM_OK || back != v)
            abort();
    }
    if (tcvm_manifest_parse_duration((const char *)data, len, &v, &err) == TCVM_OK) {
        char text[32];
        uint64_t back;
        tcvm_manifest_format_duration(v, text);
        if (tcvm_manifest_parse_duration(text, strlen(text), &back, &err) != TCVM_OK || back != v)
            abort();
    }
    return 0;
}
