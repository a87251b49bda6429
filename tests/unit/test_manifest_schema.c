/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manifest parser's syntax and schema checks, one test per check, each asserting the
 * message: the JSON line and column for syntax errors, the field path and what is expected for
 * schema errors. Each test changes one thing in the valid base document of manifest_fixture.c.
 */
#include "manifest_fixture.h"

#include "base/base.h"

#define SYNTAX TCVM_MANIFEST_SYNTAX
#define SCHEMA TCVM_MANIFEST_SCHEMA

TEST(manifest_base_parses)
{
    tcvm_manifest_t *m = manifest_ok(manifest_base);
    CHECK_EQ(m->version, 1);
    CHECK_STREQ(m->name, "icu-risk-study-2026");
    CHECK_EQ(m->participant_count, 3);
    CHECK_STREQ(m->participants[0].name, "Hospital A");
    CHECK(m->participants[1].name == NULL);
    CHECK_EQ(m->component_count, 4);
    CHECK_EQ(m->components[0].memory_limit, 256ull << 20);
    CHECK_EQ(m->components[0].fuel_limit, 20000000000ull);
    CHECK_EQ(m->components[0].time_limit_ms, 600000);
    CHECK_EQ(m->components[1].fuel_limit, 0);
    CHECK_EQ(m->components[2].time_limit_ms, 0);
    CHECK_EQ(m->components[3].owner, 0);
    CHECK_STREQ(m->components[3].description, "statistics");
    CHECK_EQ(m->input_count, 3);
    CHECK(!m->inputs[0].has_digest);
    CHECK(m->inputs[2].has_digest);
    CHECK_EQ(m->inputs[2].readers[0], 2);
    CHECK_EQ(m->channel_count, 4);
    CHECK_STREQ(m->channels[2].interface, "tcvm:demo/risk-model@1.0.0");
    CHECK_EQ(m->output_count, 3);
    CHECK_EQ(m->outputs[2].recipient_count, 3);
    CHECK_EQ(m->outputs[2].recipients[2], 2);
    CHECK_EQ(m->entry.component, 3);
    CHECK_STREQ(m->entry.export_name, "run");
    const tcvm_manifest_runtime_t *rt = &m->runtime;
    CHECK_EQ(rt->tee, TCVM_TEE_SEV_SNP);
    CHECK_EQ(rt->measurement_count, 1);
    CHECK_EQ(rt->measurements[0][0], 0x54);
    CHECK_EQ(rt->measurements[0][47], 0x79);
    CHECK_EQ(rt->min_tcb.microcode, 115);
    CHECK(!rt->min_tcb.has_fmc);
    CHECK(!rt->allow_debug);
    CHECK(rt->allow_smt); /* default */
    CHECK(!rt->allow_migration_agent);
    CHECK(rt->has_min_abi);
    CHECK_EQ(rt->min_abi_major, 1);
    CHECK_EQ(rt->min_abi_minor, 51);
    CHECK_EQ(rt->chip_id_count, 0);
    /* the digest is SHA-256 of the exact bytes */
    CHECK_EQ(m->size, strlen(manifest_base));
    CHECK_MEM(m->bytes, manifest_base, m->size);
    tcvm_manifest_destroy(m);
    tcvm_manifest_destroy(NULL);
}

TEST(manifest_runtime_optional_fields)
{
    char *text = manifest_with("\"min_abi\": \"1.51\"",
                               "\"min_abi\": \"0.0\", \"allow_smt\": false, "
                               "\"allow_migration_agent\": true, \"chip_ids\": [\"" MEASUREMENT
                               "54f3664f8a48e454bf2d150d92247083\"]");
    char *again = NULL;
    tcvm_manifest_t *m = manifest_ok(text);
    CHECK(!m->runtime.allow_smt);
    CHECK(m->runtime.allow_migration_agent);
    CHECK_EQ(m->runtime.chip_id_count, 1);
    CHECK_EQ(m->runtime.chip_ids[0][48], 0x54);
    CHECK_EQ(m->runtime.min_abi_minor, 0);
    tcvm_manifest_destroy(m);
    free(text);
    text = manifest_with("\"microcode\": 115}", "\"microcode\": 115, \"fmc\": 2}");
    m = manifest_ok(text);
    CHECK(m->runtime.min_tcb.has_fmc);
    CHECK_EQ(m->runtime.min_tcb.fmc, 2);
    tcvm_manifest_destroy(m);
    free(text);
    text = manifest_with("\"tee\": \"sev-snp\"", "\"tee\": \"sim\"");
    m = manifest_ok(text);
    CHECK_EQ(m->runtime.tee, TCVM_TEE_SIM);
    tcvm_manifest_destroy(m);
    free(text);
    free(again);
}

/* ---- syntax ------------------------------------------------------------------------------- */

TEST(manifest_syntax_error_has_line_and_column)
{
    manifest_expect("\"name\": \"icu-risk-study-2026\",", "\"name\": \"icu-risk-study-2026\",,",
                    SYNTAX, "line 3, column 33: string or '}' expected near ','");
}

TEST(manifest_syntax_duplicate_key)
{
    manifest_expect("\"version\": 1,", "\"version\": 1, \"version\": 1,", SYNTAX,
                    "duplicate object key");
}

TEST(manifest_syntax_top_level_not_object)
{
    manifest_expect_text("[1, 2]", SYNTAX, "the document must be a JSON object");
}

TEST(manifest_syntax_nul_byte)
{
    static const char text[] = "{\"version\": 1}\0";
    tcvm_manifest_t *m;
    tcvm_error_t err;
    CHECK_STATUS(tcvm_manifest_parse((const uint8_t *)text, sizeof text, &m, &err), SYNTAX);
    CHECK_CONTAINS(err.message, "NUL byte");
}

TEST(manifest_syntax_too_large)
{
    size_t n = TCVM_MANIFEST_MAX_SIZE + 1;
    uint8_t *big = malloc(n);
    memset(big, ' ', n);
    tcvm_manifest_t *m;
    tcvm_error_t err;
    CHECK_STATUS(tcvm_manifest_parse(big, n, &m, &err), SYNTAX);
    CHECK_CONTAINS(err.message, "larger than 1048576 bytes");
    free(big);
}

TEST(manifest_syntax_invalid_utf8)
{
    manifest_expect("\"test agreement\"", "\"test \xff agreement\"", SYNTAX,
                    "unable to decode byte 0xff");
}

TEST(manifest_syntax_empty)
{
    manifest_expect_text("", SYNTAX, "line 1, column 0:");
}

/* ---- top level ----------------------------------------------------------------------------- */

TEST(manifest_version_missing)
{
    manifest_expect("\"version\": 1,", "", SCHEMA, "version: missing (required)");
}

TEST(manifest_version_not_integer)
{
    manifest_expect("\"version\": 1,", "\"version\": 1.0,", SCHEMA,
                    "version: must be a whole number");
}

TEST(manifest_version_unsupported)
{
    manifest_expect("\"version\": 1,", "\"version\": 2, \"future\": true,", SCHEMA,
                    "version: 2 is not supported (this 2cvm reads version 1)");
}

TEST(manifest_version_negative)
{
    manifest_expect("\"version\": 1,", "\"version\": -1,", SCHEMA, "version: must not be negative");
}

TEST(manifest_unknown_top_level_field)
{
    manifest_expect("\"version\": 1,", "\"version\": 1, \"allow_everything\": true,", SCHEMA,
                    "allow_everything: unknown field (the manifest has: version, name, "
                    "description, participants, runtime, components, inputs, channels, outputs, "
                    "entry)");
}

TEST(manifest_name_missing)
{
    manifest_expect("\"name\": \"icu-risk-study-2026\",", "", SCHEMA, "name: missing (required)");
}

TEST(manifest_name_not_an_id)
{
    manifest_expect("\"icu-risk-study-2026\"", "\"ICU Study\"", SCHEMA,
                    "name: \"ICU Study\" is not a valid id (1 to 64 characters of a-z, 0-9, '.', "
                    "'_', '-', starting with a letter or digit)");
}

TEST(manifest_name_empty)
{
    manifest_expect("\"icu-risk-study-2026\"", "\"\"", SCHEMA, "name: must not be empty");
}

TEST(manifest_description_control_character)
{
    manifest_expect("\"test agreement\"", "\"test\\u001b[2Jagreement\"", SCHEMA,
                    "description: contains control character 0x1b at byte 4");
}

TEST(manifest_description_not_string)
{
    manifest_expect("\"test agreement\"", "42", SCHEMA, "description: must be a string");
}

TEST(manifest_description_too_long)
{
    char *long_text = malloc(4100);
    memset(long_text, 'x', 4099);
    long_text[0] = '"';
    long_text[4098] = '"';
    long_text[4099] = '\0';
    manifest_expect("\"test agreement\"", long_text, SCHEMA, "description: longer than 4096 bytes");
    free(long_text);
}

/* ---- participants --------------------------------------------------------------------------- */

TEST(manifest_participants_not_array)
{
    manifest_expect_text("{\"version\": 1, \"name\": \"a\", \"participants\": {}}", SCHEMA,
                         "participants: must be an array");
}

TEST(manifest_participants_empty)
{
    manifest_expect_text("{\"version\": 1, \"name\": \"a\", \"participants\": []}", SCHEMA,
                         "participants: must list at least 1 participants");
}

TEST(manifest_participants_too_many)
{
    tcvm_buf_t b = {0};
    tcvm__buf_printf(&b, "{\"version\": 1, \"name\": \"a\", \"participants\": [");
    for (int i = 0; i < 65; i++)
        tcvm__buf_printf(&b, "%s{}", i ? "," : "");
    tcvm__buf_printf(&b, "]}");
    tcvm__buf_append(&b, "", 1);
    manifest_expect_text((const char *)b.data, SCHEMA,
                         "participants: lists 65 participants, more than the limit of 64");
    tcvm__buf_free(&b);
}

TEST(manifest_participant_not_object)
{
    manifest_expect_text("{\"version\": 1, \"name\": \"a\", \"participants\": [\"alice\"]}", SCHEMA,
                         "participants[0]: must be an object");
}

TEST(manifest_participant_unknown_field)
{
    manifest_expect("{\"id\": \"hospital-b\",", "{\"id\": \"hospital-b\", \"role\": \"admin\",",
                    SCHEMA,
                    "participants[1].role: unknown field (participants[1] has: id, name, "
                    "signing_key, recipient)");
}

TEST(manifest_participant_id_missing)
{
    manifest_expect("{\"id\": \"hospital-b\",", "{", SCHEMA,
                    "participants[1].id: missing (required)");
}

TEST(manifest_participant_name_control_character)
{
    manifest_expect("\"Hospital A\"", "\"Hospital\\nA\"", SCHEMA,
                    "participants[0].name: contains control character 0x0a at byte 8");
}

TEST(manifest_participant_signing_key_prefix)
{
    manifest_expect("\"" KEY_B "\"", "\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5\"", SCHEMA,
                    "participants[1].signing_key: signing key must start with \"ed25519:\"");
}

TEST(manifest_participant_signing_key_hex)
{
    manifest_expect("\"" KEY_B "\"", "\"ed25519:4721b5\"", SCHEMA,
                    "participants[1].signing_key: signing key must be \"ed25519:\" followed by "
                    "64 hex digits");
}

TEST(manifest_participant_signing_key_missing)
{
    manifest_expect("\"signing_key\": \"" KEY_B "\", ", "", SCHEMA,
                    "participants[1].signing_key: missing (required)");
}

TEST(manifest_participant_recipient_checksum)
{
    manifest_expect(REC_V, "age1kc7s24v0y859euh9wg2sjvqsw7jssuemqh0l8eh4rr4qftky93jsg42vzv", SCHEMA,
                    "participants[2].recipient: age recipient (age1...): bech32: checksum does not "
                    "match");
}

TEST(manifest_participant_recipient_not_recipient)
{
    manifest_expect(
        REC_V, "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX", SCHEMA,
        "participants[2].recipient: age recipient (age1...): has prefix "
        "\"age-secret-key-1\", expected \"age1\"");
}

TEST(manifest_participant_recipient_not_string)
{
    manifest_expect("\"" REC_V "\"", "null", SCHEMA, "participants[2].recipient: must be a string");
}

/* ---- runtime --------------------------------------------------------------------------------- */

TEST(manifest_runtime_missing)
{
    manifest_expect_text("{\"version\": 1, \"name\": \"a\", \"participants\": [{\"id\": \"a\", "
                         "\"signing_key\": \"" KEY_A "\", \"recipient\": \"" REC_A "\"}]}",
                         SCHEMA, "runtime: missing (required)");
}

TEST(manifest_runtime_not_object)
{
    manifest_expect_text("{\"version\": 1, \"name\": \"a\", \"participants\": [{\"id\": \"a\", "
                         "\"signing_key\": \"" KEY_A "\", \"recipient\": \"" REC_A "\"}], "
                         "\"runtime\": \"sev-snp\"}",
                         SCHEMA, "runtime: must be an object");
}

TEST(manifest_runtime_unknown_field)
{
    manifest_expect("\"allow_debug\": false,", "\"allow_debg\": true,", SCHEMA,
                    "runtime.allow_debg: unknown field (runtime has: tee, measurements, min_tcb, "
                    "allow_debug, allow_smt, allow_migration_agent, min_abi, chip_ids)");
}

TEST(manifest_runtime_tee_missing)
{
    manifest_expect("\"tee\": \"sev-snp\",", "", SCHEMA, "runtime.tee: missing (required)");
}

TEST(manifest_runtime_tee_unknown)
{
    manifest_expect("\"tee\": \"sev-snp\"", "\"tee\": \"tdx\"", SCHEMA,
                    "runtime.tee: \"tdx\" is not a TEE kind (\"sev-snp\" or \"sim\")");
}

TEST(manifest_runtime_measurements_missing)
{
    manifest_expect("\"measurements\": [\"" MEASUREMENT "\"],", "", SCHEMA,
                    "runtime.measurements: missing (required)");
}

TEST(manifest_runtime_measurements_empty)
{
    manifest_expect("[\"" MEASUREMENT "\"]", "[]", SCHEMA,
                    "runtime.measurements: must list at least 1 launch measurements");
}

TEST(manifest_runtime_measurement_not_hex)
{
    manifest_expect("[\"" MEASUREMENT "\"]", "[\"54f3\"]", SCHEMA,
                    "runtime.measurements[0]: must be 96 hex digits");
}

TEST(manifest_runtime_measurement_duplicate)
{
    manifest_expect("[\"" MEASUREMENT "\"]", "[\"" MEASUREMENT "\", \"" MEASUREMENT "\"]", SCHEMA,
                    "runtime.measurements[1]: same value as runtime.measurements[0]");
}

TEST(manifest_runtime_measurements_too_many)
{
    tcvm_buf_t b = {0};
    tcvm__buf_printf(&b, "[");
    for (int i = 0; i < 65; i++)
        tcvm__buf_printf(&b, "%s\"%096x\"", i ? "," : "", i);
    tcvm__buf_append(&b, "]", 2);
    manifest_expect("[\"" MEASUREMENT "\"]", (const char *)b.data, SCHEMA,
                    "runtime.measurements: lists 65 launch measurements, more than the limit of "
                    "64");
    tcvm__buf_free(&b);
}

TEST(manifest_runtime_min_tcb_missing)
{
    manifest_expect("\"min_tcb\": {\"bootloader\": 3, \"tee\": 0, \"snp\": 8, \"microcode\": 115},",
                    "", SCHEMA, "runtime.min_tcb: missing (required)");
}

TEST(manifest_runtime_min_tcb_field_missing)
{
    manifest_expect("\"snp\": 8, ", "", SCHEMA, "runtime.min_tcb.snp: missing (required)");
}

TEST(manifest_runtime_min_tcb_out_of_range)
{
    manifest_expect("\"microcode\": 115", "\"microcode\": 256", SCHEMA,
                    "runtime.min_tcb.microcode: 256 is larger than 255");
}

TEST(manifest_runtime_min_tcb_unknown_field)
{
    manifest_expect("\"microcode\": 115", "\"microcode\": 115, \"ucode\": 1", SCHEMA,
                    "runtime.min_tcb.ucode: unknown field (runtime.min_tcb has: bootloader, tee, "
                    "snp, microcode, fmc)");
}

TEST(manifest_runtime_flag_not_boolean)
{
    manifest_expect("\"allow_debug\": false", "\"allow_debug\": \"no\"", SCHEMA,
                    "runtime.allow_debug: must be true or false");
}

TEST(manifest_runtime_min_abi_format)
{
    static const char *bad[] = {"\"1\"",     "\"1.\"",   "\"01.5\"", "\"1.05\"", "\"256.0\"",
                                "\"1.51 \"", "\"+1.5\"", "\"1.-5\"", "\"a.b\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        manifest_expect("\"1.51\"", bad[i], SCHEMA,
                        "runtime.min_abi: must be \"MAJOR.MINOR\" with each part 0 to 255, like "
                        "\"1.51\"");
}

TEST(manifest_runtime_chip_ids_empty)
{
    manifest_expect("\"min_abi\": \"1.51\"", "\"min_abi\": \"1.51\", \"chip_ids\": []", SCHEMA,
                    "runtime.chip_ids: must list at least 1 chip ids (omit the field to accept "
                    "any chip)");
}

TEST(manifest_runtime_chip_id_not_hex)
{
    manifest_expect("\"min_abi\": \"1.51\"",
                    "\"min_abi\": \"1.51\", \"chip_ids\": [\"" MEASUREMENT "\"]", SCHEMA,
                    "runtime.chip_ids[0]: must be 128 hex digits");
}

/* ---- components --------------------------------------------------------------------------------
 */

TEST(manifest_components_empty)
{
    char *text = manifest_with("\"components\": [", "\"components\": [], \"x-components\": [");
    manifest_expect_text(text, SCHEMA, "x-components: unknown field");
    free(text);
    manifest_expect_text("{\"version\": 1, \"name\": \"a\", \"participants\": [{\"id\": \"a\", "
                         "\"signing_key\": \"" KEY_A "\", \"recipient\": \"" REC_A "\"}], "
                         "\"runtime\": {\"tee\": \"sim\", \"measurements\": [\"" MEASUREMENT "\"], "
                         "\"min_tcb\": {\"bootloader\": 0, \"tee\": 0, \"snp\": 0, \"microcode\": "
                         "0}}, \"components\": []}",
                         SCHEMA, "components: must list at least 1 components");
}

TEST(manifest_component_unknown_field)
{
    manifest_expect("\"description\": \"statistics\"", "\"network\": true", SCHEMA,
                    "components[3].network: unknown field (components[3] has: id, owner, digest, "
                    "limits, description)");
}

TEST(manifest_component_owner_missing)
{
    manifest_expect("\"owner\": \"vendor\", \"digest\"", "\"digest\"", SCHEMA,
                    "components[2].owner: missing (required)");
}

TEST(manifest_component_digest_format)
{
    manifest_expect("\"" DIGEST1 "\"",
                    "\"4ce44ba4a36f031969bb80015f79808a52d612acf6f98665c0345111"
                    "994aa396\"",
                    SCHEMA, "components[0].digest: must be \"sha256:\" followed by 64 hex digits");
}

TEST(manifest_component_limits_missing)
{
    manifest_expect(", \"limits\": {\"memory\": \"512MiB\", \"fuel\": 50000000000}", "", SCHEMA,
                    "components[2].limits: missing (required)");
}

TEST(manifest_component_limits_unknown_field)
{
    manifest_expect("{\"memory\": \"512MiB\", \"fuel\": 50000000000}",
                    "{\"memory\": \"512MiB\", \"fuel\": 50000000000, \"stack\": \"1MiB\"}", SCHEMA,
                    "components[2].limits.stack: unknown field (components[2].limits has: memory, "
                    "fuel, time)");
}

TEST(manifest_component_memory_missing)
{
    manifest_expect("{\"memory\": \"512MiB\", \"fuel\"", "{\"fuel\"", SCHEMA,
                    "components[2].limits.memory: missing (required)");
}

TEST(manifest_component_memory_not_string)
{
    manifest_expect("\"memory\": \"512MiB\"", "\"memory\": 536870912", SCHEMA,
                    "components[2].limits.memory: must be a string with a unit, like \"64MiB\"");
}

TEST(manifest_component_memory_bad_unit)
{
    manifest_expect("\"memory\": \"512MiB\"", "\"memory\": \"512KB\"", SCHEMA,
                    "components[2].limits.memory: unit \"KB\" is ambiguous: write \"kB\" (1000 "
                    "bytes) or \"KiB\" (1024 bytes)");
}

TEST(manifest_component_fuel_not_integer)
{
    manifest_expect("\"fuel\": 50000000000", "\"fuel\": \"lots\"", SCHEMA,
                    "components[2].limits.fuel: must be an integer");
}

TEST(manifest_component_fuel_zero)
{
    manifest_expect("\"fuel\": 50000000000", "\"fuel\": 0", SCHEMA,
                    "components[2].limits.fuel: must be at least 1 (omit it for no fuel limit)");
}

TEST(manifest_component_time_bad)
{
    manifest_expect("\"time\": \"15m\"", "\"time\": \"15 min\"", SCHEMA,
                    "components[3].limits.time: duration must not have a space between number "
                    "and unit (\"30s\")");
}

TEST(manifest_component_time_zero)
{
    manifest_expect("\"time\": \"15m\"", "\"time\": \"0s\"", SCHEMA,
                    "components[3].limits.time: must be at least 1ms (omit it for no time limit)");
}

TEST(manifest_component_time_not_string)
{
    manifest_expect("\"time\": \"15m\"", "\"time\": 900", SCHEMA,
                    "components[3].limits.time: must be a string with a unit, like \"30s\"");
}

TEST(manifest_component_needs_fuel_or_time)
{
    manifest_expect("{\"memory\": \"512MiB\", \"fuel\": 50000000000}", "{\"memory\": \"512MiB\"}",
                    SCHEMA,
                    "components[2].limits: needs \"fuel\" or \"time\" (or both) so that the "
                    "component cannot run forever");
}

/* ---- inputs, channels, outputs, entry -------------------------------------------------------- */

TEST(manifest_inputs_missing)
{
    char *text = manifest_with("\"inputs\": [", "\"inputs-removed\": [");
    manifest_expect_text(text, SCHEMA, "inputs-removed: unknown field");
    free(text);
    /* inputs may be empty but not absent */
    const char *start = strstr(manifest_base, "  \"inputs\"");
    const char *end = strstr(manifest_base, "  \"channels\"");
    size_t n = strlen(manifest_base);
    char *cut = malloc(n + 1);
    size_t head = (size_t)(start - manifest_base);
    memcpy(cut, manifest_base, head);
    memcpy(cut + head, end, n - (size_t)(end - manifest_base) + 1);
    manifest_expect_text(cut, SCHEMA, "inputs: missing (required)");
    free(cut);
}

TEST(manifest_input_readers_empty)
{
    manifest_expect("\"readers\": [\"prepare-b\"]", "\"readers\": []", SCHEMA,
                    "inputs[1].readers: must list at least 1 components");
}

TEST(manifest_input_readers_not_array)
{
    manifest_expect("\"readers\": [\"prepare-b\"]", "\"readers\": \"prepare-b\"", SCHEMA,
                    "inputs[1].readers: must be an array");
}

TEST(manifest_input_reader_not_id)
{
    manifest_expect("\"readers\": [\"prepare-b\"]", "\"readers\": [\"prepare-b\", 7]", SCHEMA,
                    "inputs[1].readers[1]: must be a string");
}

TEST(manifest_input_max_size_missing)
{
    manifest_expect("\"owner\": \"hospital-b\", \"max_size\": \"2GiB\",",
                    "\"owner\": \"hospital-b\",", SCHEMA, "inputs[1].max_size: missing (required)");
}

TEST(manifest_input_max_size_fraction)
{
    manifest_expect("\"max_size\": \"2GiB\"", "\"max_size\": \"1.5GiB\"", SCHEMA,
                    "inputs[0].max_size: size must be a whole number; use a smaller unit instead "
                    "of a fraction");
}

TEST(manifest_input_digest_bad)
{
    manifest_expect("\"digest\": \"" DIGEST1 "\", \"max_size\": \"256MiB\"",
                    "\"digest\": \"sha1:aa\", \"max_size\": \"256MiB\"", SCHEMA,
                    "inputs[2].digest: must be \"sha256:\" followed by 64 hex digits");
}

TEST(manifest_input_unknown_field)
{
    manifest_expect("\"readers\": [\"prepare-b\"]", "\"readers\": [\"prepare-b\"], \"public\": 1",
                    SCHEMA,
                    "inputs[1].public: unknown field (inputs[1] has: id, owner, digest, max_size, "
                    "readers, description)");
}

TEST(manifest_channel_interface_invalid)
{
    static const char *bad[] = {
        "\"demo/prepare\"",        "\"tcvm:Demo/prepare\"",        "\"tcvm:demo/\"",
        "\"tcvm:demo/prepare@1\"", "\"tcvm:demo/prepare@01.0.0\"", "\"tcvm:demo/pre--pare\"",
        "\"tcvm:demo/-prepare\"",  "\"tcvm:demo/prepare/x\""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        manifest_expect("\"tcvm:demo/prepare\"", bad[i], SCHEMA, "channels[0].interface: ");
    manifest_expect("\"tcvm:demo/prepare\"", "\"demo/prepare\"", SCHEMA,
                    "channels[0].interface: \"demo/prepare\" is not a WIT interface name "
                    "(namespace:package/interface, lowercase kebab-case, optional @version)");
}

TEST(manifest_channel_interface_valid_forms)
{
    static const char *good[] = {"\"tcvm:demo/prepare\"", "\"a:b/c\"", "\"wasi:io/streams@0.2.0\"",
                                 "\"my-org:pkg2/iface-v2@1.2.3-rc.1+build.5\""};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char *text = manifest_with("\"tcvm:demo/prepare\"", good[i]);
        tcvm_manifest_destroy(manifest_ok(text));
        free(text);
    }
}

TEST(manifest_channel_unknown_field)
{
    manifest_expect("\"to\": \"prepare-a\",", "\"to\": \"prepare-a\", \"bidirectional\": true,",
                    SCHEMA,
                    "channels[0].bidirectional: unknown field (channels[0] has: from, to, "
                    "interface)");
}

TEST(manifest_channel_from_missing)
{
    manifest_expect("{\"from\": \"aggregate\", \"to\": \"prepare-b\",", "{\"to\": \"prepare-b\",",
                    SCHEMA, "channels[1].from: missing (required)");
}

TEST(manifest_output_recipients_empty)
{
    manifest_expect("\"recipients\": [\"hospital-b\"]", "\"recipients\": []", SCHEMA,
                    "outputs[1].recipients: must list at least 1 participants");
}

TEST(manifest_output_writer_missing)
{
    manifest_expect("\"writer\": \"prepare-b\", ", "", SCHEMA,
                    "outputs[1].writer: missing (required)");
}

TEST(manifest_output_max_size_no_unit)
{
    manifest_expect("\"max_size\": \"1MiB\"", "\"max_size\": \"1048576\"", SCHEMA,
                    "outputs[2].max_size: size needs a unit, e.g. \"64MiB\"");
}

TEST(manifest_entry_missing)
{
    manifest_expect(",\n  \"entry\": {\"component\": \"aggregate\", \"export\": \"run\"}", "",
                    SCHEMA, "entry: missing (required)");
}

TEST(manifest_entry_export_invalid)
{
    manifest_expect("\"export\": \"run\"", "\"export\": \"Run()\"", SCHEMA,
                    "entry.export: \"Run()\" is not an export name (a kebab-case function name "
                    "like \"run\", or interface#name like \"tcvm:demo/job#run\")");
}

TEST(manifest_entry_export_interface_form)
{
    char *text =
        manifest_with("\"export\": \"run\"", "\"export\": \"tcvm:demo/job@0.1.0#run-all\"");
    tcvm_manifest_t *m = manifest_ok(text);
    CHECK_STREQ(m->entry.export_name, "tcvm:demo/job@0.1.0#run-all");
    tcvm_manifest_destroy(m);
    free(text);
    manifest_expect("\"export\": \"run\"", "\"export\": \"tcvm:demo/job#\"", SCHEMA,
                    "entry.export: \"tcvm:demo/job#\" is not an export name");
}

TEST(manifest_entry_unknown_field)
{
    manifest_expect("\"export\": \"run\"}", "\"export\": \"run\", \"args\": []}", SCHEMA,
                    "entry.args: unknown field (entry has: component, export)");
}
