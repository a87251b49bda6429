/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manifest's semantic checks, one test per check, each asserting the message: unique ids,
 * references that resolve, distinct and usable keys, limits within the caps; and the policy
 * queries that the runtime enforces with the resolved references.
 */
#include "manifest_fixture.h"

#include <unistd.h>

#define SEMANTIC TCVM_MANIFEST_SEMANTIC

TEST(manifest_duplicate_participant_id)
{
    manifest_expect("{\"id\": \"vendor\",", "{\"id\": \"hospital-a\",", SEMANTIC,
                    "participants[2].id: \"hospital-a\" is already the id of participants[0]");
}

TEST(manifest_duplicate_signing_key)
{
    manifest_expect("\"signing_key\": \"" KEY_V "\"", "\"signing_key\": \"" KEY_B "\"", SEMANTIC,
                    "participants[2].signing_key: same key as participants[1] (\"hospital-b\"); "
                    "each participant needs its own identity");
}

TEST(manifest_duplicate_recipient)
{
    manifest_expect("\"recipient\": \"" REC_V "\"", "\"recipient\": \"" REC_A "\"", SEMANTIC,
                    "participants[2].recipient: same key as participants[0] (\"hospital-a\")");
}

TEST(manifest_low_order_recipient)
{
    /* Bech32 of 32 zero bytes: a valid encoding of a point of small order */
    manifest_expect(REC_B, "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq5cu47z",
                    SEMANTIC,
                    "participants[1].recipient: a low-order point, not a usable X25519 key");
}

TEST(manifest_duplicate_component_id)
{
    manifest_expect("{\"id\": \"risk-model\",", "{\"id\": \"prepare-a\",", SEMANTIC,
                    "components[2].id: \"prepare-a\" is already the id of components[0]");
}

TEST(manifest_duplicate_input_id)
{
    manifest_expect("{\"id\": \"records-b\",", "{\"id\": \"records-a\",", SEMANTIC,
                    "inputs[1].id: \"records-a\" is already the id of inputs[0]");
}

TEST(manifest_duplicate_output_id)
{
    manifest_expect("{\"id\": \"aggregate-stats\",", "{\"id\": \"scores-b\",", SEMANTIC,
                    "outputs[2].id: \"scores-b\" is already the id of outputs[1]");
}

TEST(manifest_ids_may_repeat_across_sections)
{
    char *text = manifest_with("{\"id\": \"records-a\",", "{\"id\": \"prepare-a\",");
    tcvm_manifest_destroy(manifest_ok(text));
    free(text);
}

TEST(manifest_component_owner_not_participant)
{
    manifest_expect("\"owner\": \"vendor\", \"digest\"", "\"owner\": \"hospital-c\", \"digest\"",
                    SEMANTIC,
                    "components[2].owner: \"hospital-c\" is not a participant (participants: "
                    "hospital-a, hospital-b, vendor)");
}

TEST(manifest_component_memory_below_minimum)
{
    manifest_expect("\"memory\": \"512MiB\"", "\"memory\": \"1000B\"", SEMANTIC,
                    "components[2].limits.memory: 1kB is below the minimum of 64KiB");
}

TEST(manifest_component_memory_above_cap)
{
    manifest_expect("\"memory\": \"512MiB\"", "\"memory\": \"8GiB\"", SEMANTIC,
                    "components[2].limits.memory: 8GiB is above the cap of 4GiB");
}

TEST(manifest_component_fuel_above_cap)
{
    manifest_expect("\"fuel\": 50000000000", "\"fuel\": 9007199254740993", SEMANTIC,
                    "components[2].limits.fuel: 9007199254740993 is above the cap of "
                    "9007199254740992");
}

TEST(manifest_component_time_above_cap)
{
    manifest_expect("\"time\": \"15m\"", "\"time\": \"25h\"", SEMANTIC,
                    "components[3].limits.time: 25h is above the cap of 24h");
}

TEST(manifest_input_owner_not_participant)
{
    manifest_expect("\"owner\": \"hospital-b\", \"max_size\"",
                    "\"owner\": \"hospital\", "
                    "\"max_size\"",
                    SEMANTIC,
                    "inputs[1].owner: \"hospital\" is not a participant (participants: "
                    "hospital-a, hospital-b, vendor)");
}

TEST(manifest_input_reader_not_component)
{
    manifest_expect("\"readers\": [\"risk-model\"]", "\"readers\": [\"risk-model\", \"vendor\"]",
                    SEMANTIC,
                    "inputs[2].readers[1]: \"vendor\" is not a component (components: prepare-a, "
                    "prepare-b, risk-model, aggregate)");
}

TEST(manifest_input_reader_twice)
{
    manifest_expect("\"readers\": [\"prepare-b\"]", "\"readers\": [\"prepare-b\", \"prepare-b\"]",
                    SEMANTIC,
                    "inputs[1].readers[1]: \"prepare-b\" is listed twice (also "
                    "inputs[1].readers[0])");
}

TEST(manifest_input_max_size_above_cap)
{
    manifest_expect("\"max_size\": \"2GiB\"", "\"max_size\": \"65GiB\"", SEMANTIC,
                    "inputs[0].max_size: 65GiB is above the cap of 64GiB");
}

TEST(manifest_input_max_size_zero)
{
    manifest_expect("\"max_size\": \"2GiB\"", "\"max_size\": \"0B\"", SEMANTIC,
                    "inputs[0].max_size: 0B is below the minimum of 1B");
}

TEST(manifest_channel_from_not_component)
{
    manifest_expect("{\"from\": \"prepare-b\", \"to\": \"risk-model\"",
                    "{\"from\": \"hospital-b\", \"to\": \"risk-model\"", SEMANTIC,
                    "channels[3].from: \"hospital-b\" is not a component (components: prepare-a, "
                    "prepare-b, risk-model, aggregate)");
}

TEST(manifest_channel_to_not_component)
{
    manifest_expect("\"to\": \"prepare-b\"", "\"to\": \"prepare-c\"", SEMANTIC,
                    "channels[1].to: \"prepare-c\" is not a component");
}

TEST(manifest_channel_to_itself)
{
    manifest_expect("\"to\": \"prepare-b\"", "\"to\": \"aggregate\"", SEMANTIC,
                    "channels[1]: \"aggregate\" cannot have a channel to itself");
}

TEST(manifest_channel_duplicate)
{
    manifest_expect("{\"from\": \"aggregate\", \"to\": \"prepare-b\"",
                    "{\"from\": \"aggregate\", \"to\": \"prepare-a\"", SEMANTIC,
                    "channels[1]: the same channel as channels[0]");
}

TEST(manifest_output_writer_not_component)
{
    manifest_expect("\"writer\": \"aggregate\"", "\"writer\": \"aggregator\"", SEMANTIC,
                    "outputs[2].writer: \"aggregator\" is not a component");
}

TEST(manifest_output_recipient_not_participant)
{
    manifest_expect("[\"hospital-a\", \"hospital-b\", \"vendor\"]",
                    "[\"hospital-a\", \"hospital-b\", \"regulator\"]", SEMANTIC,
                    "outputs[2].recipients[2]: \"regulator\" is not a participant (participants: "
                    "hospital-a, hospital-b, vendor)");
}

TEST(manifest_output_recipient_twice)
{
    manifest_expect("[\"hospital-a\", \"hospital-b\", \"vendor\"]",
                    "[\"hospital-a\", \"vendor\", \"hospital-a\"]", SEMANTIC,
                    "outputs[2].recipients[2]: \"hospital-a\" is listed twice (also "
                    "outputs[2].recipients[0])");
}

TEST(manifest_output_max_size_above_cap)
{
    manifest_expect("\"max_size\": \"1MiB\"", "\"max_size\": \"17GiB\"", SEMANTIC,
                    "outputs[2].max_size: 17GiB is above the cap of 16GiB");
}

TEST(manifest_entry_not_component)
{
    manifest_expect("{\"component\": \"aggregate\"", "{\"component\": \"vendor\"", SEMANTIC,
                    "entry.component: \"vendor\" is not a component");
}

/* An input is readable only by the components its readers list routes it to. */
TEST(manifest_policy_read_routing)
{
    tcvm_manifest_t *m = manifest_ok(manifest_base);
    size_t pa, pb, model, agg, ra, rb, weights;
    CHECK(tcvm_manifest_find_component(m, "prepare-a", &pa));
    CHECK(tcvm_manifest_find_component(m, "prepare-b", &pb));
    CHECK(tcvm_manifest_find_component(m, "risk-model", &model));
    CHECK(tcvm_manifest_find_component(m, "aggregate", &agg));
    CHECK(tcvm_manifest_find_input(m, "records-a", &ra));
    CHECK(tcvm_manifest_find_input(m, "records-b", &rb));
    CHECK(tcvm_manifest_find_input(m, "model-weights", &weights));
    CHECK(!tcvm_manifest_find_input(m, "records-c", NULL));
    CHECK(tcvm_manifest_may_read(m, pa, ra));
    CHECK(!tcvm_manifest_may_read(m, pa, rb)); /* the other hospital's records */
    CHECK(!tcvm_manifest_may_read(m, pa, weights));
    CHECK(!tcvm_manifest_may_read(m, agg, ra)); /* the coordinator reads no records */
    CHECK(!tcvm_manifest_may_read(m, model, ra));
    CHECK(tcvm_manifest_may_read(m, model, weights));
    CHECK(!tcvm_manifest_may_read(m, 99, ra));
    CHECK(!tcvm_manifest_may_read(m, pa, 99));
    tcvm_manifest_destroy(m);
}

TEST(manifest_policy_write_call_receive)
{
    tcvm_manifest_t *m = manifest_ok(manifest_base);
    size_t pa, pb, model, agg, sa, stats, ha, hb, vendor;
    CHECK(tcvm_manifest_find_component(m, "prepare-a", &pa));
    CHECK(tcvm_manifest_find_component(m, "prepare-b", &pb));
    CHECK(tcvm_manifest_find_component(m, "risk-model", &model));
    CHECK(tcvm_manifest_find_component(m, "aggregate", &agg));
    CHECK(tcvm_manifest_find_output(m, "scores-a", &sa));
    CHECK(tcvm_manifest_find_output(m, "aggregate-stats", &stats));
    CHECK(tcvm_manifest_find_participant(m, "hospital-a", &ha));
    CHECK(tcvm_manifest_find_participant(m, "hospital-b", &hb));
    CHECK(tcvm_manifest_find_participant(m, "vendor", &vendor));
    CHECK(tcvm_manifest_may_write(m, pa, sa));
    CHECK(!tcvm_manifest_may_write(m, pb, sa));
    CHECK(!tcvm_manifest_may_write(m, agg, sa));
    CHECK(tcvm_manifest_may_write(m, agg, stats));
    CHECK(tcvm_manifest_may_call(m, pa, model, "tcvm:demo/risk-model@1.0.0"));
    CHECK(!tcvm_manifest_may_call(m, model, pa, "tcvm:demo/risk-model@1.0.0")); /* one way */
    CHECK(!tcvm_manifest_may_call(m, pa, model, "tcvm:demo/risk-model"));       /* exact name */
    CHECK(!tcvm_manifest_may_call(m, pa, pb, "tcvm:demo/prepare"));
    CHECK(tcvm_manifest_may_call(m, agg, pb, "tcvm:demo/prepare"));
    CHECK(!tcvm_manifest_may_call(m, agg, pb, NULL));
    CHECK(tcvm_manifest_receives(m, ha, sa));
    CHECK(!tcvm_manifest_receives(m, hb, sa));
    CHECK(!tcvm_manifest_receives(m, vendor, sa));
    CHECK(tcvm_manifest_receives(m, vendor, stats));
    CHECK(!tcvm_manifest_receives(m, ha, 99));
    uint8_t key[32];
    CHECK_OK(tcvm_sign_public_parse(KEY_B, strlen(KEY_B), key, NULL));
    size_t who;
    CHECK(tcvm_manifest_find_signer(m, key, &who));
    CHECK_EQ(who, hb);
    tcvm_manifest_destroy(m);
}

TEST(manifest_docs_example_checks)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/docs/manifest.md", TCVM_SOURCE_DIR);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    char *doc = calloc(1, 1 << 20);
    size_t n = fread(doc, 1, (1 << 20) - 1, f);
    fclose(f);
    CHECK(n > 0);
    char *start = strstr(doc, "```json\n");
    CHECK(start != NULL);
    start += 8;
    char *end = strstr(start, "\n```");
    CHECK(end != NULL);
    end[1] = '\0';
    tcvm_manifest_t *m = manifest_ok(start);
    CHECK_EQ(m->participant_count, 3);
    CHECK_EQ(m->component_count, 4);
    CHECK_EQ(m->input_count, 3);
    CHECK_EQ(m->channel_count, 4);
    CHECK_EQ(m->output_count, 3);
    /* the documented seeds make the documented keys */
    for (int i = 0; i < 3; i++) {
        tcvm_sign_key_t *key = example_sign_key(i);
        uint8_t sig[64];
        size_t who;
        CHECK_OK(tcvm_manifest_consent_sign(m, key, &who, sig, NULL));
        CHECK_EQ(who, i);
        tcvm_sign_key_destroy(key);
        uint8_t secret[32];
        memset(secret, 0xa2 + 0x10 * i, 32);
        tcvm_age_identity_t id;
        CHECK_OK(tcvm_age_identity_from_secret(secret, &id));
        CHECK_MEM(id.public_key, m->participants[i].recipient.public_key, 32);
    }
    tcvm_manifest_destroy(m);
    free(doc);
}

TEST(manifest_load_names_the_file)
{
    tcvm_manifest_t *m;
    tcvm_error_t err = {0};
    CHECK_STATUS(tcvm_manifest_load("/nonexistent/agreement.json", &m, &err), TCVM_ENOENT);
    CHECK_CONTAINS(err.message, "/nonexistent/agreement.json");
    char path[] = "/tmp/tcvm-manifest-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "{\"version\": 3}", 14), 14);
    close(fd);
    CHECK_STATUS(tcvm_manifest_load(path, &m, &err), TCVM_MANIFEST_SCHEMA);
    CHECK(strncmp(err.message, path, strlen(path)) == 0);
    CHECK_CONTAINS(err.message, ": version: 3 is not supported");
    unlink(path);
}
