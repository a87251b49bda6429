/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verification policy: its defaults, and how a Commitment Manifest's `runtime` section maps
 * onto it. The section is parsed with jansson and checked strictly (unknown keys, wrong types,
 * bad hex and out-of-range numbers are refused with the key named), because a typo that turned
 * a requirement into a no-op would weaken every participant's check without anyone noticing.
 */
#include "attest/attest_internal.h"

#include <jansson.h>
#include <stdio.h>

void tcvm_attest_policy_init(tcvm_attest_policy_t *policy, int64_t verify_time)
{
    memset(policy, 0, sizeof *policy);
    policy->verify_time = verify_time;
    policy->allow_smt = true;
}

static tcvm_status_t bad(tcvm_error_t *err, const char *key, const char *what)
{
    return tcvm__errorf(err, TCVM_MANIFEST_SCHEMA, "runtime.%s: %s", key, what);
}

static tcvm_status_t hex_field(json_t *v, const char *key, uint8_t *out, size_t size,
                               tcvm_error_t *err)
{
    if (!json_is_string(v))
        return bad(err, key, "must be a hex string");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (!tcvm__hex_decode(s, n, out, size))
        return tcvm__errorf(err, TCVM_MANIFEST_SCHEMA,
                            "runtime.%s: want %zu hex digits, got \"%.40s%s\"", key, size * 2, s,
                            n > 40 ? "..." : "");
    return TCVM_OK;
}

static tcvm_status_t bool_field(json_t *v, const char *key, bool *out, tcvm_error_t *err)
{
    if (!json_is_boolean(v))
        return bad(err, key, "must be true or false");
    *out = json_is_true(v);
    return TCVM_OK;
}

static tcvm_status_t spl_field(json_t *v, const char *key, uint8_t *out, tcvm_error_t *err)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 255)
        return bad(err, key, "must be an integer 0..255");
    *out = (uint8_t)json_integer_value(v);
    return TCVM_OK;
}

static tcvm_status_t min_tcb_field(json_t *obj, tcvm_attest_policy_t *p, tcvm_error_t *err)
{
    if (!json_is_object(obj))
        return bad(err, "min_tcb", "must be an object");
    tcvm_snp_tcb_t t;
    memset(&t, 0, sizeof t);
    bool seen[4] = {false, false, false, false};
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        char path[64];
        snprintf(path, sizeof path, "min_tcb.%s", key);
        tcvm_status_t st;
        static const char *const names[5] = {"bootloader", "tee", "snp", "microcode", "fmc"};
        uint8_t *slots[5] = {&t.bootloader, &t.tee, &t.snp, &t.microcode, &t.fmc};
        int which = -1;
        for (int i = 0; i < 5; i++) {
            if (strcmp(key, names[i]) == 0)
                which = i;
        }
        if (which < 0) {
            st = tcvm__errorf(err, TCVM_MANIFEST_SCHEMA, "runtime.min_tcb: unknown key \"%.64s\"",
                              key);
        } else {
            st = spl_field(v, path, slots[which], err);
            if (which < 4)
                seen[which] = true;
            else
                t.has_fmc = true;
        }
        if (st != TCVM_OK)
            return st;
    }
    static const char *const need[4] = {"bootloader", "tee", "snp", "microcode"};
    for (int i = 0; i < 4; i++) {
        if (!seen[i])
            return tcvm__errorf(err, TCVM_MANIFEST_SCHEMA, "runtime.min_tcb: \"%s\" is missing",
                                need[i]);
    }
    p->has_min_tcb = true;
    p->min_tcb = t;
    return TCVM_OK;
}

static tcvm_status_t min_abi_field(json_t *v, tcvm_attest_policy_t *p, tcvm_error_t *err)
{
    if (!json_is_string(v))
        return bad(err, "min_abi", "must be a string \"MAJOR.MINOR\"");
    const char *s = json_string_value(v);
    unsigned major = 0, minor = 0;
    int used = 0;
    if (sscanf(s, "%3u.%3u%n", &major, &minor, &used) != 2 || (size_t)used != strlen(s) ||
        s[0] < '0' || s[0] > '9' || major > 255 || minor > 255)
        return bad(err, "min_abi", "must be \"MAJOR.MINOR\" with numbers 0..255");
    p->has_min_abi = true;
    p->min_abi_major = (uint8_t)major;
    p->min_abi_minor = (uint8_t)minor;
    return TCVM_OK;
}

tcvm_status_t tcvm_attest_policy_apply_runtime_json(tcvm_attest_policy_t *policy,
                                                    const char *json, size_t size,
                                                    tcvm_error_t *err)
{
    if (size > TCVM_ATTEST_MAX_RUNTIME_JSON_SIZE)
        return tcvm__errorf(err, TCVM_ELIMIT, "runtime section: %zu bytes, over the limit", size);
    json_error_t jerr;
    json_t *root = json_loadb(json, size, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return tcvm__errorf(err, TCVM_MANIFEST_SYNTAX, "runtime section: line %d column %d: %s",
                            jerr.line, jerr.column, jerr.text);
    tcvm_attest_policy_t *p = tcvm__malloc(sizeof *p);
    if (p == NULL) {
        json_decref(root);
        return tcvm__errorf(err, TCVM_ENOMEM, "runtime section: out of memory");
    }
    *p = *policy;
    tcvm_status_t st = TCVM_OK;
    bool have_tee = false, have_meas = false;
    if (!json_is_object(root)) {
        st = tcvm__errorf(err, TCVM_MANIFEST_SCHEMA, "runtime section: must be a JSON object");
        goto out;
    }
    /* a whole manifest: its other sections are the manifest subsystem's business */
    json_t *section = json_object_get(root, "runtime");
    if (section == NULL)
        section = root;
    else if (!json_is_object(section)) {
        st = tcvm__errorf(err, TCVM_MANIFEST_SCHEMA, "runtime: must be a JSON object");
        goto out;
    }
    const char *key;
    json_t *v;
    json_object_foreach(section, key, v)
    {
        if (strcmp(key, "tee") == 0) {
            const char *t = json_string_value(v);
            if (t != NULL && strcmp(t, "sev-snp") == 0)
                p->allow_simulated = false;
            else if (t != NULL && strcmp(t, "sim") == 0)
                p->allow_simulated = true;
            else
                st = bad(err, key, "must be \"sev-snp\" or \"sim\"");
            have_tee = true;
        } else if (strcmp(key, "measurements") == 0) {
            size_t n = json_array_size(v);
            if (!json_is_array(v) || n == 0)
                st = bad(err, key, "must be a non-empty array of 96-hex-digit strings");
            else if (n > TCVM_ATTEST_MAX_MEASUREMENTS)
                st = bad(err, key, "too many entries");
            for (size_t i = 0; st == TCVM_OK && i < n; i++) {
                char path[48];
                snprintf(path, sizeof path, "measurements[%zu]", i);
                st = hex_field(json_array_get(v, i), path, p->measurements[i],
                               TCVM_SNP_MEASUREMENT_SIZE, err);
            }
            p->measurement_count = n;
            have_meas = true;
        } else if (strcmp(key, "chip_ids") == 0) {
            size_t n = json_array_size(v);
            if (!json_is_array(v))
                st = bad(err, key, "must be an array of 128-hex-digit strings");
            else if (n > TCVM_ATTEST_MAX_CHIP_IDS)
                st = bad(err, key, "too many entries");
            for (size_t i = 0; st == TCVM_OK && i < n; i++) {
                char path[48];
                snprintf(path, sizeof path, "chip_ids[%zu]", i);
                st = hex_field(json_array_get(v, i), path, p->chip_ids[i], TCVM_SNP_CHIP_ID_SIZE,
                               err);
            }
            p->chip_id_count = n;
        } else if (strcmp(key, "min_tcb") == 0) {
            st = min_tcb_field(v, p, err);
        } else if (strcmp(key, "allow_debug") == 0) {
            st = bool_field(v, key, &p->allow_debug, err);
        } else if (strcmp(key, "allow_smt") == 0) {
            st = bool_field(v, key, &p->allow_smt, err);
        } else if (strcmp(key, "allow_migration_agent") == 0) {
            st = bool_field(v, key, &p->allow_migration_agent, err);
        } else if (strcmp(key, "min_abi") == 0) {
            st = min_abi_field(v, p, err);
        } else {
            st = tcvm__errorf(err, TCVM_MANIFEST_SCHEMA, "runtime: unknown key \"%.64s\"", key);
        }
        if (st != TCVM_OK)
            goto out;
    }
    if (!have_tee)
        st = tcvm__errorf(err, TCVM_MANIFEST_SCHEMA, "runtime: \"tee\" is missing");
    else if (!have_meas)
        st = tcvm__errorf(err, TCVM_MANIFEST_SCHEMA, "runtime: \"measurements\" is missing");
    if (st == TCVM_OK)
        *policy = *p;
out:
    tcvm__free(p);
    json_decref(root);
    return st;
}
