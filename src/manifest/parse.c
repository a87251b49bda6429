/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Schema stage of reading a manifest: walks the JSON document (parsed by jansson with duplicate
 * keys refused) in document order and turns it into the plain structs of tcvm/manifest.h. Every
 * object refuses fields it does not know; every value is checked for type and format; every
 * error names the field path ("components[2].limits.memory") and says what is expected.
 * References between sections are kept as strings here and resolved by check.c.
 */
#include "manifest/internal.h"

#include "crypto/codec.h"

#include <stdarg.h>

#define SCHEMA TCVM_MANIFEST_SCHEMA
#define PATH_SIZE 192

typedef struct reader {
    tcvm_manifest_t *m;
    tcvm_manifest_arena_t *arena;
    tcvm_error_t *err;
} reader_t;

json_t *tcvm__json_load(const uint8_t *data, size_t size, const char *what, tcvm_status_t status,
                        tcvm_error_t *err)
{
    json_error_t jerr;
    /* REJECT_DUPLICATES: a signed document must mean one thing to every reader */
    json_t *root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        tcvm__errorf(err, status, "%s%sline %d, column %d: %s", what ? what : "", what ? ": " : "",
                     jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        tcvm__errorf(err, status, "%s%sthe document must be a JSON object", what ? what : "",
                     what ? ": " : "");
        return NULL;
    }
    return root;
}

static tcvm_status_t fail(reader_t *r, const char *path, const char *fmt, ...) TCVM__PRINTF(3, 4);

static tcvm_status_t fail(reader_t *r, const char *path, const char *fmt, ...)
{
    char msg[TCVM_ERROR_MSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tcvm__errorf(r->err, SCHEMA, "%s: %s", path[0] ? path : "manifest", msg);
}

/* A path that does not fit is cut and marked, never lost. */
static void fit_path(char out[PATH_SIZE], int n)
{
    if (n < 0)
        out[0] = '\0';
    else if (n >= PATH_SIZE)
        memcpy(out + PATH_SIZE - 4, "...", 4);
}

static void join(char out[PATH_SIZE], const char *parent, const char *key)
{
    fit_path(out, snprintf(out, PATH_SIZE, "%s%s%s", parent, parent[0] ? "." : "", key));
}

static void join_index(char out[PATH_SIZE], const char *parent, size_t index)
{
    fit_path(out, snprintf(out, PATH_SIZE, "%s[%zu]", parent, index));
}

/* Refuses members of obj whose names are not in known (NULL-terminated). */
static tcvm_status_t known_fields(reader_t *r, json_t *obj, const char *path,
                                  const char *const known[])
{
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value)
    {
        bool found = false;
        for (size_t i = 0; known[i] != NULL && !found; i++)
            found = strcmp(known[i], key) == 0;
        if (found) continue;
        char list[256] = "";
        size_t used = 0;
        for (size_t i = 0; known[i] != NULL && used < sizeof list; i++)
            used +=
                (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", known[i]);
        char p[PATH_SIZE];
        char shown[48];
        snprintf(shown, sizeof shown, "%s", key);
        join(p, path, shown);
        return fail(r, p, "unknown field (%s has: %s)", path[0] ? path : "the manifest", list);
    }
    return TCVM_OK;
}

/* The member key of obj, or an error when it is missing and required (*out NULL if absent). */
static tcvm_status_t member(reader_t *r, json_t *obj, const char *path, const char *key,
                            bool required, json_t **out)
{
    *out = json_object_get(obj, key);
    if (*out == NULL && required) {
        char p[PATH_SIZE];
        join(p, path, key);
        return fail(r, p, "missing (required)");
    }
    return TCVM_OK;
}

/* A string value: UTF-8 (jansson checked), no NUL, at most max bytes, not empty. */
static tcvm_status_t string_value(reader_t *r, json_t *v, const char *path, size_t max,
                                  const char **out, size_t *out_len)
{
    if (!json_is_string(v)) return fail(r, path, "must be a string");
    size_t len = json_string_length(v);
    if (len == 0) return fail(r, path, "must not be empty");
    if (len > max) return fail(r, path, "longer than %zu bytes", max);
    *out = json_string_value(v);
    *out_len = len;
    return TCVM_OK;
}

/* Free text shown to people: no control characters (they could rewrite a terminal). */
static tcvm_status_t text_field(reader_t *r, json_t *obj, const char *path, const char *key,
                                size_t max, const char **out)
{
    json_t *v;
    char p[PATH_SIZE];
    join(p, path, key);
    tcvm_status_t st = member(r, obj, path, key, false, &v);
    *out = NULL;
    if (st != TCVM_OK || v == NULL) return st;
    const char *s = NULL;
    size_t len = 0;
    st = string_value(r, v, p, max, &s, &len);
    if (st != TCVM_OK) return st;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c < 0x20 || c == 0x7f)
            return fail(r, p, "contains control character 0x%02x at byte %zu", c, i);
    }
    *out = tcvm__arena_strndup(r->arena, s, len);
    return *out ? TCVM_OK : tcvm__errorf(r->err, TCVM_ENOMEM, "out of memory");
}

static tcvm_status_t id_value(reader_t *r, json_t *v, const char *path, const char **out)
{
    const char *s = NULL;
    size_t len = 0;
    tcvm_status_t st = string_value(r, v, path, 1024, &s, &len);
    if (st != TCVM_OK) return st;
    if (!tcvm__manifest_id_valid(s, len))
        return fail(r, path,
                    "\"%.64s\" is not a valid id (1 to %u characters of a-z, 0-9, '.', '_', "
                    "'-', starting with a letter or digit)",
                    s, TCVM_MANIFEST_MAX_ID_SIZE);
    *out = tcvm__arena_strndup(r->arena, s, len);
    return *out ? TCVM_OK : tcvm__errorf(r->err, TCVM_ENOMEM, "out of memory");
}

static tcvm_status_t id_field(reader_t *r, json_t *obj, const char *path, const char *key,
                              const char **out)
{
    json_t *v;
    tcvm_status_t st = member(r, obj, path, key, true, &v);
    if (st != TCVM_OK) return st;
    char p[PATH_SIZE];
    join(p, path, key);
    return id_value(r, v, p, out);
}

static tcvm_status_t bool_field(reader_t *r, json_t *obj, const char *path, const char *key,
                                bool dflt, bool *out)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL) {
        *out = dflt;
        return TCVM_OK;
    }
    if (!json_is_boolean(v)) {
        char p[PATH_SIZE];
        join(p, path, key);
        return fail(r, p, "must be true or false");
    }
    *out = json_is_true(v);
    return TCVM_OK;
}

/* An integer in [0, max]. */
static tcvm_status_t uint_value(reader_t *r, json_t *v, const char *path, uint64_t max,
                                uint64_t *out)
{
    if (!json_is_integer(v))
        return fail(r, path, json_is_real(v) ? "must be a whole number" : "must be an integer");
    json_int_t n = json_integer_value(v);
    if (n < 0) return fail(r, path, "must not be negative");
    if ((uint64_t)n > max)
        return fail(r, path, "%lld is larger than %llu", (long long)n, (unsigned long long)max);
    *out = (uint64_t)n;
    return TCVM_OK;
}

static tcvm_status_t u8_field(reader_t *r, json_t *obj, const char *path, const char *key,
                              bool required, bool *present, uint8_t *out)
{
    json_t *v;
    tcvm_status_t st = member(r, obj, path, key, required, &v);
    if (st != TCVM_OK) return st;
    if (present != NULL) *present = v != NULL;
    if (v == NULL) return TCVM_OK;
    char p[PATH_SIZE];
    join(p, path, key);
    uint64_t n;
    st = uint_value(r, v, p, 255, &n);
    if (st == TCVM_OK) *out = (uint8_t)n;
    return st;
}

static tcvm_status_t typed_field(reader_t *r, json_t *obj, const char *path, const char *key,
                                 bool required, json_type type, json_t **out)
{
    tcvm_status_t st = member(r, obj, path, key, required, out);
    if (st != TCVM_OK || *out == NULL) return st;
    if (json_typeof(*out) != type) {
        char p[PATH_SIZE];
        join(p, path, key);
        return fail(r, p, type == JSON_OBJECT ? "must be an object" : "must be an array");
    }
    return TCVM_OK;
}

/* An array with min..max elements. */
static tcvm_status_t array_field(reader_t *r, json_t *obj, const char *path, const char *key,
                                 size_t min, size_t max, const char *what, json_t **out)
{
    tcvm_status_t st = typed_field(r, obj, path, key, true, JSON_ARRAY, out);
    if (st != TCVM_OK) return st;
    char p[PATH_SIZE];
    join(p, path, key);
    size_t n = json_array_size(*out);
    if (n < min) return fail(r, p, "must list at least %zu %s", min, what);
    if (n > max) return fail(r, p, "lists %zu %s, more than the limit of %zu", n, what, max);
    return TCVM_OK;
}

static tcvm_status_t hex_value(reader_t *r, json_t *v, const char *path, uint8_t *out, size_t size)
{
    const char *s = NULL;
    size_t len = 0;
    tcvm_status_t st = string_value(r, v, path, 1024, &s, &len);
    if (st != TCVM_OK) return st;
    if (len != 2 * size || !tcvm__hex_decode(s, len, out, size))
        return fail(r, path, "must be %zu hex digits", 2 * size);
    return TCVM_OK;
}

static tcvm_status_t digest_value(reader_t *r, json_t *v, const char *path, uint8_t out[32])
{
    const char *s = NULL;
    size_t len = 0;
    tcvm_status_t st = string_value(r, v, path, 1024, &s, &len);
    if (st != TCVM_OK) return st;
    if (len != 7 + 64 || memcmp(s, "sha256:", 7) != 0 || !tcvm__hex_decode(s + 7, 64, out, 32))
        return fail(r, path, "must be \"sha256:\" followed by 64 hex digits");
    return TCVM_OK;
}

static tcvm_status_t size_field(reader_t *r, json_t *obj, const char *path, const char *key,
                                bool required, uint64_t *out)
{
    json_t *v;
    tcvm_status_t st = member(r, obj, path, key, required, &v);
    if (st != TCVM_OK || v == NULL) return st;
    char p[PATH_SIZE];
    join(p, path, key);
    if (!json_is_string(v)) return fail(r, p, "must be a string with a unit, like \"64MiB\"");
    tcvm_error_t e;
    if (tcvm_manifest_parse_size(json_string_value(v), json_string_length(v), out, &e) != TCVM_OK)
        return fail(r, p, "%s", e.message);
    return TCVM_OK;
}

static tcvm_status_t duration_field(reader_t *r, json_t *obj, const char *path, const char *key,
                                    uint64_t *out)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL) return TCVM_OK;
    char p[PATH_SIZE];
    join(p, path, key);
    if (!json_is_string(v)) return fail(r, p, "must be a string with a unit, like \"30s\"");
    tcvm_error_t e;
    if (tcvm_manifest_parse_duration(json_string_value(v), json_string_length(v), out, &e) !=
        TCVM_OK)
        return fail(r, p, "%s", e.message);
    if (*out == 0) /* 0 would read as "no limit" */
        return fail(r, p, "must be at least 1ms (omit it for no time limit)");
    return TCVM_OK;
}

/* An array of ids (references), at least one. */
static tcvm_status_t id_list(reader_t *r, json_t *obj, const char *path, const char *key,
                             const char *what, const char ***out, size_t *out_count)
{
    json_t *arr;
    tcvm_status_t st = array_field(r, obj, path, key, 1, TCVM_MANIFEST_MAX_REFS, what, &arr);
    if (st != TCVM_OK) return st;
    size_t n = json_array_size(arr);
    const char **ids = tcvm__arena_array(r->arena, n, sizeof *ids);
    if (ids == NULL) return tcvm__errorf(r->err, TCVM_ENOMEM, "out of memory");
    char p[PATH_SIZE], pi[PATH_SIZE];
    join(p, path, key);
    for (size_t i = 0; i < n; i++) {
        join_index(pi, p, i);
        st = id_value(r, json_array_get(arr, i), pi, &ids[i]);
        if (st != TCVM_OK) return st;
    }
    *out = ids;
    *out_count = n;
    return TCVM_OK;
}

/* ---- sections ------------------------------------------------------------------------------ */

static tcvm_status_t read_participants(reader_t *r, json_t *root)
{
    static const char *const known[] = {"id", "name", "signing_key", "recipient", NULL};
    json_t *arr;
    tcvm_status_t st = array_field(r, root, "", "participants", 1, TCVM_MANIFEST_MAX_PARTICIPANTS,
                                   "participants", &arr);
    if (st != TCVM_OK) return st;
    size_t n = json_array_size(arr);
    tcvm_manifest_participant_t *ps = tcvm__arena_array(r->arena, n, sizeof *ps);
    if (ps == NULL) return tcvm__errorf(r->err, TCVM_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char p[PATH_SIZE], pk[PATH_SIZE];
        join_index(p, "participants", i);
        json_t *o = json_array_get(arr, i), *v;
        if (!json_is_object(o)) return fail(r, p, "must be an object");
        if ((st = known_fields(r, o, p, known)) != TCVM_OK ||
            (st = id_field(r, o, p, "id", &ps[i].id)) != TCVM_OK ||
            (st = text_field(r, o, p, "name", TCVM_MANIFEST_MAX_NAME_SIZE, &ps[i].name)) != TCVM_OK)
            return st;
        const char *s = NULL;
        size_t len = 0;
        tcvm_error_t e;
        if ((st = member(r, o, p, "signing_key", true, &v)) != TCVM_OK) return st;
        join(pk, p, "signing_key");
        if ((st = string_value(r, v, pk, 1024, &s, &len)) != TCVM_OK) return st;
        if (tcvm_sign_public_parse(s, len, ps[i].signing_key, &e) != TCVM_OK)
            return fail(r, pk, "%s", e.message);
        if ((st = member(r, o, p, "recipient", true, &v)) != TCVM_OK) return st;
        join(pk, p, "recipient");
        if ((st = string_value(r, v, pk, 1024, &s, &len)) != TCVM_OK) return st;
        if (tcvm_age_recipient_parse(s, len, &ps[i].recipient, &e) != TCVM_OK)
            return fail(r, pk, "%s", e.message);
    }
    r->m->participants = ps;
    r->m->participant_count = n;
    return TCVM_OK;
}

static tcvm_status_t read_hex_list(reader_t *r, json_t *obj, const char *path, const char *key,
                                   size_t max, size_t item_size, const char *what, bool required,
                                   uint8_t **out, size_t *out_count)
{
    json_t *arr;
    tcvm_status_t st = typed_field(r, obj, path, key, required, JSON_ARRAY, &arr);
    if (st != TCVM_OK || arr == NULL) return st;
    if ((st = array_field(r, obj, path, key, 1, max, what, &arr)) != TCVM_OK) return st;
    size_t n = json_array_size(arr);
    uint8_t *items = tcvm__arena_array(r->arena, n, item_size);
    if (items == NULL) return tcvm__errorf(r->err, TCVM_ENOMEM, "out of memory");
    char p[PATH_SIZE], pi[PATH_SIZE];
    join(p, path, key);
    for (size_t i = 0; i < n; i++) {
        join_index(pi, p, i);
        if ((st = hex_value(r, json_array_get(arr, i), pi, items + i * item_size, item_size)) !=
            TCVM_OK)
            return st;
        for (size_t k = 0; k < i; k++) {
            if (memcmp(items + k * item_size, items + i * item_size, item_size) == 0)
                return fail(r, pi, "same value as %s[%zu]", p, k);
        }
    }
    *out = items;
    *out_count = n;
    return TCVM_OK;
}

static tcvm_status_t read_runtime(reader_t *r, json_t *root)
{
    static const char *const known[] = {"tee",         "measurements", "min_tcb",
                                        "allow_debug", "allow_smt",    "allow_migration_agent",
                                        "min_abi",     "chip_ids",     NULL};
    static const char *const tcb_known[] = {"bootloader", "tee", "snp", "microcode", "fmc", NULL};
    const char *path = "runtime";
    tcvm_manifest_runtime_t *rt = &r->m->runtime;
    json_t *o, *v;
    tcvm_status_t st = typed_field(r, root, "", "runtime", true, JSON_OBJECT, &o);
    if (st != TCVM_OK || (st = known_fields(r, o, path, known)) != TCVM_OK) return st;
    const char *s = NULL;
    size_t len = 0;
    if ((st = member(r, o, path, "tee", true, &v)) != TCVM_OK ||
        (st = string_value(r, v, "runtime.tee", 64, &s, &len)) != TCVM_OK)
        return st;
    if (strcmp(s, "sev-snp") == 0)
        rt->tee = TCVM_TEE_SEV_SNP;
    else if (strcmp(s, "sim") == 0)
        rt->tee = TCVM_TEE_SIM;
    else
        return fail(r, "runtime.tee", "\"%s\" is not a TEE kind (\"sev-snp\" or \"sim\")", s);
    uint8_t *items;
    size_t count;
    if ((st = read_hex_list(r, o, path, "measurements", TCVM_MANIFEST_MAX_MEASUREMENTS,
                            TCVM_SNP_MEASUREMENT_SIZE, "launch measurements", true, &items,
                            &count)) != TCVM_OK)
        return st;
    rt->measurements = (const uint8_t(*)[TCVM_SNP_MEASUREMENT_SIZE])items;
    rt->measurement_count = count;
    json_t *tcb;
    if ((st = typed_field(r, o, path, "min_tcb", true, JSON_OBJECT, &tcb)) != TCVM_OK ||
        (st = known_fields(r, tcb, "runtime.min_tcb", tcb_known)) != TCVM_OK ||
        (st = u8_field(r, tcb, "runtime.min_tcb", "bootloader", true, NULL,
                       &rt->min_tcb.bootloader)) != TCVM_OK ||
        (st = u8_field(r, tcb, "runtime.min_tcb", "tee", true, NULL, &rt->min_tcb.tee)) !=
            TCVM_OK ||
        (st = u8_field(r, tcb, "runtime.min_tcb", "snp", true, NULL, &rt->min_tcb.snp)) !=
            TCVM_OK ||
        (st = u8_field(r, tcb, "runtime.min_tcb", "microcode", true, NULL,
                       &rt->min_tcb.microcode)) != TCVM_OK ||
        (st = u8_field(r, tcb, "runtime.min_tcb", "fmc", false, &rt->min_tcb.has_fmc,
                       &rt->min_tcb.fmc)) != TCVM_OK)
        return st;
    if ((st = bool_field(r, o, path, "allow_debug", false, &rt->allow_debug)) != TCVM_OK ||
        (st = bool_field(r, o, path, "allow_smt", true, &rt->allow_smt)) != TCVM_OK ||
        (st = bool_field(r, o, path, "allow_migration_agent", false, &rt->allow_migration_agent)) !=
            TCVM_OK)
        return st;
    if ((v = json_object_get(o, "min_abi")) != NULL) {
        if ((st = string_value(r, v, "runtime.min_abi", 16, &s, &len)) != TCVM_OK) return st;
        unsigned major = 0, minor = 0;
        int used = 0;
        bool ok = sscanf(s, "%3u.%3u%n", &major, &minor, &used) == 2 && (size_t)used == len &&
                  major <= 255 && minor <= 255 && s[0] >= '0' && s[0] <= '9';
        const char *dot = strchr(s, '.');
        ok = ok && dot != NULL && dot[1] >= '0' && dot[1] <= '9' && !(s[0] == '0' && s[1] != '.') &&
             !(dot[1] == '0' && dot[2] != '\0');
        if (!ok)
            return fail(r, "runtime.min_abi",
                        "must be \"MAJOR.MINOR\" with each part 0 to 255, like \"1.51\"");
        rt->has_min_abi = true;
        rt->min_abi_major = (uint8_t)major;
        rt->min_abi_minor = (uint8_t)minor;
    }
    if ((st = read_hex_list(r, o, path, "chip_ids", TCVM_MANIFEST_MAX_CHIP_IDS,
                            TCVM_SNP_CHIP_ID_SIZE, "chip ids (omit the field to accept any chip)",
                            false, &items, &count)) != TCVM_OK)
        return st;
    if (json_object_get(o, "chip_ids") != NULL) {
        rt->chip_ids = (const uint8_t(*)[TCVM_SNP_CHIP_ID_SIZE])items;
        rt->chip_id_count = count;
    }
    return TCVM_OK;
}

static tcvm_status_t read_components(reader_t *r, json_t *root, tcvm_manifest_refs_t *refs)
{
    static const char *const known[] = {"id", "owner", "digest", "limits", "description", NULL};
    static const char *const limit_known[] = {"memory", "fuel", "time", NULL};
    json_t *arr;
    tcvm_status_t st =
        array_field(r, root, "", "components", 1, TCVM_MANIFEST_MAX_COMPONENTS, "components", &arr);
    if (st != TCVM_OK) return st;
    size_t n = json_array_size(arr);
    tcvm_manifest_component_t *cs = tcvm__arena_array(r->arena, n, sizeof *cs);
    refs->component_owner = tcvm__arena_array(r->arena, n, sizeof *refs->component_owner);
    if (cs == NULL || refs->component_owner == NULL)
        return tcvm__errorf(r->err, TCVM_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char p[PATH_SIZE], pl[PATH_SIZE];
        join_index(p, "components", i);
        json_t *o = json_array_get(arr, i), *v, *limits;
        if (!json_is_object(o)) return fail(r, p, "must be an object");
        if ((st = known_fields(r, o, p, known)) != TCVM_OK ||
            (st = id_field(r, o, p, "id", &cs[i].id)) != TCVM_OK ||
            (st = id_field(r, o, p, "owner", &refs->component_owner[i])) != TCVM_OK ||
            (st = member(r, o, p, "digest", true, &v)) != TCVM_OK)
            return st;
        join(pl, p, "digest");
        if ((st = digest_value(r, v, pl, cs[i].digest)) != TCVM_OK) return st;
        join(pl, p, "limits");
        if ((st = typed_field(r, o, p, "limits", true, JSON_OBJECT, &limits)) != TCVM_OK ||
            (st = known_fields(r, limits, pl, limit_known)) != TCVM_OK ||
            (st = size_field(r, limits, pl, "memory", true, &cs[i].memory_limit)) != TCVM_OK)
            return st;
        if ((v = json_object_get(limits, "fuel")) != NULL) {
            char pf[PATH_SIZE];
            join(pf, pl, "fuel");
            if ((st = uint_value(r, v, pf, UINT64_MAX, &cs[i].fuel_limit)) != TCVM_OK) return st;
            if (cs[i].fuel_limit == 0)
                return fail(r, pf, "must be at least 1 (omit it for no fuel limit)");
        }
        if ((st = duration_field(r, limits, pl, "time", &cs[i].time_limit_ms)) != TCVM_OK)
            return st;
        if (json_object_get(limits, "fuel") == NULL && json_object_get(limits, "time") == NULL)
            return fail(r, pl,
                        "needs \"fuel\" or \"time\" (or both) so that the component "
                        "cannot run forever");
        if ((st = text_field(r, o, p, "description", TCVM_MANIFEST_MAX_TEXT_SIZE,
                             &cs[i].description)) != TCVM_OK)
            return st;
    }
    r->m->components = cs;
    r->m->component_count = n;
    return TCVM_OK;
}

static tcvm_status_t read_inputs(reader_t *r, json_t *root, tcvm_manifest_refs_t *refs)
{
    static const char *const known[] = {"id",      "owner",       "digest", "max_size",
                                        "readers", "description", NULL};
    json_t *arr;
    tcvm_status_t st =
        array_field(r, root, "", "inputs", 0, TCVM_MANIFEST_MAX_INPUTS, "inputs", &arr);
    if (st != TCVM_OK) return st;
    size_t n = json_array_size(arr);
    tcvm_manifest_input_t *in = tcvm__arena_array(r->arena, n, sizeof *in);
    refs->input_owner = tcvm__arena_array(r->arena, n, sizeof *refs->input_owner);
    refs->input_readers = tcvm__arena_array(r->arena, n, sizeof *refs->input_readers);
    if (n > 0 && (in == NULL || refs->input_owner == NULL || refs->input_readers == NULL))
        return tcvm__errorf(r->err, TCVM_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char p[PATH_SIZE], pk[PATH_SIZE];
        join_index(p, "inputs", i);
        json_t *o = json_array_get(arr, i), *v;
        if (!json_is_object(o)) return fail(r, p, "must be an object");
        if ((st = known_fields(r, o, p, known)) != TCVM_OK ||
            (st = id_field(r, o, p, "id", &in[i].id)) != TCVM_OK ||
            (st = id_field(r, o, p, "owner", &refs->input_owner[i])) != TCVM_OK)
            return st;
        if ((v = json_object_get(o, "digest")) != NULL) {
            join(pk, p, "digest");
            if ((st = digest_value(r, v, pk, in[i].digest)) != TCVM_OK) return st;
            in[i].has_digest = true;
        }
        if ((st = size_field(r, o, p, "max_size", true, &in[i].max_size)) != TCVM_OK ||
            (st = id_list(r, o, p, "readers", "components", &refs->input_readers[i],
                          &in[i].reader_count)) != TCVM_OK ||
            (st = text_field(r, o, p, "description", TCVM_MANIFEST_MAX_TEXT_SIZE,
                             &in[i].description)) != TCVM_OK)
            return st;
    }
    r->m->inputs = in;
    r->m->input_count = n;
    return TCVM_OK;
}

static tcvm_status_t read_channels(reader_t *r, json_t *root, tcvm_manifest_refs_t *refs)
{
    static const char *const known[] = {"from", "to", "interface", NULL};
    json_t *arr;
    tcvm_status_t st =
        array_field(r, root, "", "channels", 0, TCVM_MANIFEST_MAX_CHANNELS, "channels", &arr);
    if (st != TCVM_OK) return st;
    size_t n = json_array_size(arr);
    tcvm_manifest_channel_t *ch = tcvm__arena_array(r->arena, n, sizeof *ch);
    refs->channel_from = tcvm__arena_array(r->arena, n, sizeof *refs->channel_from);
    refs->channel_to = tcvm__arena_array(r->arena, n, sizeof *refs->channel_to);
    if (n > 0 && (ch == NULL || refs->channel_from == NULL || refs->channel_to == NULL))
        return tcvm__errorf(r->err, TCVM_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char p[PATH_SIZE], pk[PATH_SIZE];
        join_index(p, "channels", i);
        json_t *o = json_array_get(arr, i), *v;
        if (!json_is_object(o)) return fail(r, p, "must be an object");
        if ((st = known_fields(r, o, p, known)) != TCVM_OK ||
            (st = id_field(r, o, p, "from", &refs->channel_from[i])) != TCVM_OK ||
            (st = id_field(r, o, p, "to", &refs->channel_to[i])) != TCVM_OK ||
            (st = member(r, o, p, "interface", true, &v)) != TCVM_OK)
            return st;
        join(pk, p, "interface");
        const char *s = NULL;
        size_t len = 0;
        if ((st = string_value(r, v, pk, TCVM_MANIFEST_MAX_NAME_SIZE, &s, &len)) != TCVM_OK)
            return st;
        if (!tcvm__manifest_interface_valid(s, len))
            return fail(r, pk,
                        "\"%.64s\" is not a WIT interface name (namespace:package/interface, "
                        "lowercase kebab-case, optional @version)",
                        s);
        if ((ch[i].interface = tcvm__arena_strndup(r->arena, s, len)) == NULL)
            return tcvm__errorf(r->err, TCVM_ENOMEM, "out of memory");
    }
    r->m->channels = ch;
    r->m->channel_count = n;
    return TCVM_OK;
}

static tcvm_status_t read_outputs(reader_t *r, json_t *root, tcvm_manifest_refs_t *refs)
{
    static const char *const known[] = {"id",       "writer",      "recipients",
                                        "max_size", "description", NULL};
    json_t *arr;
    tcvm_status_t st =
        array_field(r, root, "", "outputs", 0, TCVM_MANIFEST_MAX_OUTPUTS, "outputs", &arr);
    if (st != TCVM_OK) return st;
    size_t n = json_array_size(arr);
    tcvm_manifest_output_t *out = tcvm__arena_array(r->arena, n, sizeof *out);
    refs->output_writer = tcvm__arena_array(r->arena, n, sizeof *refs->output_writer);
    refs->output_recipients = tcvm__arena_array(r->arena, n, sizeof *refs->output_recipients);
    if (n > 0 && (out == NULL || refs->output_writer == NULL || refs->output_recipients == NULL))
        return tcvm__errorf(r->err, TCVM_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char p[PATH_SIZE];
        join_index(p, "outputs", i);
        json_t *o = json_array_get(arr, i);
        if (!json_is_object(o)) return fail(r, p, "must be an object");
        if ((st = known_fields(r, o, p, known)) != TCVM_OK ||
            (st = id_field(r, o, p, "id", &out[i].id)) != TCVM_OK ||
            (st = id_field(r, o, p, "writer", &refs->output_writer[i])) != TCVM_OK ||
            (st = id_list(r, o, p, "recipients", "participants", &refs->output_recipients[i],
                          &out[i].recipient_count)) != TCVM_OK ||
            (st = size_field(r, o, p, "max_size", true, &out[i].max_size)) != TCVM_OK ||
            (st = text_field(r, o, p, "description", TCVM_MANIFEST_MAX_TEXT_SIZE,
                             &out[i].description)) != TCVM_OK)
            return st;
    }
    r->m->outputs = out;
    r->m->output_count = n;
    return TCVM_OK;
}

static tcvm_status_t read_entry(reader_t *r, json_t *root, tcvm_manifest_refs_t *refs)
{
    static const char *const known[] = {"component", "export", NULL};
    json_t *o, *v;
    tcvm_status_t st = typed_field(r, root, "", "entry", true, JSON_OBJECT, &o);
    if (st != TCVM_OK || (st = known_fields(r, o, "entry", known)) != TCVM_OK ||
        (st = id_field(r, o, "entry", "component", &refs->entry_component)) != TCVM_OK ||
        (st = member(r, o, "entry", "export", true, &v)) != TCVM_OK)
        return st;
    const char *s = NULL;
    size_t len = 0;
    if ((st = string_value(r, v, "entry.export", TCVM_MANIFEST_MAX_NAME_SIZE, &s, &len)) != TCVM_OK)
        return st;
    if (!tcvm__manifest_export_valid(s, len))
        return fail(r, "entry.export",
                    "\"%.64s\" is not an export name (a kebab-case function name like \"run\", "
                    "or interface#name like \"tcvm:demo/job#run\")",
                    s);
    r->m->entry.export_name = tcvm__arena_strndup(r->arena, s, len);
    return r->m->entry.export_name ? TCVM_OK : tcvm__errorf(r->err, TCVM_ENOMEM, "out of memory");
}

tcvm_status_t tcvm__manifest_read(json_t *root, tcvm_manifest_t *m, tcvm_manifest_refs_t *refs,
                                  tcvm_error_t *err)
{
    static const char *const known[] = {"version", "name",       "description", "participants",
                                        "runtime", "components", "inputs",      "channels",
                                        "outputs", "entry",      NULL};
    reader_t r = {m, m->arena, err};
    json_t *v;
    uint64_t version;
    /* the version first: a newer document is "unsupported", not "unknown fields" */
    tcvm_status_t st = member(&r, root, "", "version", true, &v);
    if (st != TCVM_OK || (st = uint_value(&r, v, "version", UINT32_MAX, &version)) != TCVM_OK)
        return st;
    if (version != TCVM_MANIFEST_VERSION)
        return fail(&r, "version", "%llu is not supported (this 2cvm reads version %d)",
                    (unsigned long long)version, TCVM_MANIFEST_VERSION);
    m->version = (uint32_t)version;
    if ((st = known_fields(&r, root, "", known)) != TCVM_OK ||
        (st = id_field(&r, root, "", "name", &m->name)) != TCVM_OK ||
        (st = text_field(&r, root, "", "description", TCVM_MANIFEST_MAX_TEXT_SIZE,
                         &m->description)) != TCVM_OK ||
        (st = read_participants(&r, root)) != TCVM_OK || (st = read_runtime(&r, root)) != TCVM_OK ||
        (st = read_components(&r, root, refs)) != TCVM_OK ||
        (st = read_inputs(&r, root, refs)) != TCVM_OK ||
        (st = read_channels(&r, root, refs)) != TCVM_OK ||
        (st = read_outputs(&r, root, refs)) != TCVM_OK ||
        (st = read_entry(&r, root, refs)) != TCVM_OK)
        return st;
    return TCVM_OK;
}
