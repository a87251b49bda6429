/* SPDX-License-Identifier: Apache-2.0 */
/* The valid base manifest of the manifest tests and the change-one-thing helpers. */
#include "manifest_fixture.h"

const char manifest_base[] =
    "{\n"
    "  \"version\": 1,\n"
    "  \"name\": \"icu-risk-study-2026\",\n"
    "  \"description\": \"test agreement\",\n"
    "  \"participants\": [\n"
    "    {\"id\": \"hospital-a\", \"name\": \"Hospital A\", \"signing_key\": \"" KEY_A "\", "
    "\"recipient\": \"" REC_A "\"},\n"
    "    {\"id\": \"hospital-b\", \"signing_key\": \"" KEY_B "\", \"recipient\": \"" REC_B "\"},\n"
    "    {\"id\": \"vendor\", \"signing_key\": \"" KEY_V "\", \"recipient\": \"" REC_V "\"}\n"
    "  ],\n"
    "  \"runtime\": {\n"
    "    \"tee\": \"sev-snp\",\n"
    "    \"measurements\": [\"" MEASUREMENT "\"],\n"
    "    \"min_tcb\": {\"bootloader\": 3, \"tee\": 0, \"snp\": 8, \"microcode\": 115},\n"
    "    \"allow_debug\": false,\n"
    "    \"min_abi\": \"1.51\"\n"
    "  },\n"
    "  \"components\": [\n"
    "    {\"id\": \"prepare-a\", \"owner\": \"hospital-a\", \"digest\": \"" DIGEST1 "\", "
    "\"limits\": {\"memory\": \"256MiB\", \"fuel\": 20000000000, \"time\": \"10m\"}},\n"
    "    {\"id\": \"prepare-b\", \"owner\": \"hospital-b\", \"digest\": \"" DIGEST1 "\", "
    "\"limits\": {\"memory\": \"256MiB\", \"time\": \"10m\"}},\n"
    "    {\"id\": \"risk-model\", \"owner\": \"vendor\", \"digest\": \"" DIGEST1 "\", "
    "\"limits\": {\"memory\": \"512MiB\", \"fuel\": 50000000000}},\n"
    "    {\"id\": \"aggregate\", \"owner\": \"hospital-a\", \"digest\": \"" DIGEST1 "\", "
    "\"limits\": {\"memory\": \"64MiB\", \"fuel\": 1000000000, \"time\": \"15m\"}, "
    "\"description\": \"statistics\"}\n"
    "  ],\n"
    "  \"inputs\": [\n"
    "    {\"id\": \"records-a\", \"owner\": \"hospital-a\", \"max_size\": \"2GiB\", "
    "\"readers\": [\"prepare-a\"]},\n"
    "    {\"id\": \"records-b\", \"owner\": \"hospital-b\", \"max_size\": \"2GiB\", "
    "\"readers\": [\"prepare-b\"]},\n"
    "    {\"id\": \"model-weights\", \"owner\": \"vendor\", \"digest\": \"" DIGEST1 "\", "
    "\"max_size\": \"256MiB\", \"readers\": [\"risk-model\"]}\n"
    "  ],\n"
    "  \"channels\": [\n"
    "    {\"from\": \"aggregate\", \"to\": \"prepare-a\", \"interface\": \"tcvm:demo/prepare\"},\n"
    "    {\"from\": \"aggregate\", \"to\": \"prepare-b\", \"interface\": \"tcvm:demo/prepare\"},\n"
    "    {\"from\": \"prepare-a\", \"to\": \"risk-model\", \"interface\": "
    "\"tcvm:demo/risk-model@1.0.0\"},\n"
    "    {\"from\": \"prepare-b\", \"to\": \"risk-model\", \"interface\": "
    "\"tcvm:demo/risk-model@1.0.0\"}\n"
    "  ],\n"
    "  \"outputs\": [\n"
    "    {\"id\": \"scores-a\", \"writer\": \"prepare-a\", \"recipients\": [\"hospital-a\"], "
    "\"max_size\": \"64MiB\"},\n"
    "    {\"id\": \"scores-b\", \"writer\": \"prepare-b\", \"recipients\": [\"hospital-b\"], "
    "\"max_size\": \"64MiB\"},\n"
    "    {\"id\": \"aggregate-stats\", \"writer\": \"aggregate\", \"recipients\": "
    "[\"hospital-a\", \"hospital-b\", \"vendor\"], \"max_size\": \"1MiB\"}\n"
    "  ],\n"
    "  \"entry\": {\"component\": \"aggregate\", \"export\": \"run\"}\n"
    "}\n";

char *manifest_with(const char *from, const char *to)
{
    const char *at = strstr(manifest_base, from);
    if (at == NULL)
        tcvm_test_fail(__FILE__, __LINE__, "fixture: \"%s\" is not in the base manifest", from);
    size_t head = (size_t)(at - manifest_base), from_len = strlen(from), to_len = strlen(to);
    size_t total = strlen(manifest_base) - from_len + to_len;
    char *s = malloc(total + 1);
    memcpy(s, manifest_base, head);
    memcpy(s + head, to, to_len);
    memcpy(s + head + to_len, at + from_len, total - head - to_len + 1);
    return s;
}

tcvm_manifest_t *manifest_ok(const char *text)
{
    tcvm_manifest_t *m = NULL;
    tcvm_error_t err = {0};
    tcvm_status_t st = tcvm_manifest_parse((const uint8_t *)text, strlen(text), &m, &err);
    if (st != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "manifest does not parse: %s: %s", tcvm_status_name(st),
                       err.message);
    return m;
}

void manifest_expect_text(const char *text, tcvm_status_t status, const char *msg)
{
    tcvm_manifest_t *m = NULL;
    tcvm_error_t err = {0};
    tcvm_status_t st = tcvm_manifest_parse((const uint8_t *)text, strlen(text), &m, &err);
    if (st != status)
        tcvm_test_fail(__FILE__, __LINE__, "got %s (\"%s\"), want %s", tcvm_status_name(st),
                       err.message, tcvm_status_name(status));
    if (m != NULL) tcvm_test_fail(__FILE__, __LINE__, "a failed parse returned a manifest");
    if (strstr(err.message, msg) == NULL)
        tcvm_test_fail(__FILE__, __LINE__, "message:\n  \"%s\"\ndoes not contain\n  \"%s\"",
                       err.message, msg);
}

void manifest_expect(const char *from, const char *to, tcvm_status_t status, const char *msg)
{
    char *text = manifest_with(from, to);
    manifest_expect_text(text, status, msg);
    free(text);
}

tcvm_sign_key_t *example_sign_key(int participant)
{
    uint8_t seed[32];
    memset(seed, 0xa1 + 0x10 * participant, sizeof seed);
    tcvm_sign_key_t *key;
    CHECK_OK(tcvm_sign_key_from_seed(seed, &key));
    return key;
}
