/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Semantic stage of reading a manifest, once its shape is known to be right: ids are unique in
 * their section, every reference names something that exists (owners and recipients are
 * participants; readers, writers, channel ends and the entry are components), keys are distinct
 * and usable, resource limits are within the caps of base/limits.h. References are resolved to
 * indexes here, which is what makes the policy queries of tcvm/manifest.h exact: an input can be
 * read only by the components its "readers" list names, and nothing else grants access to it.
 */
#include "manifest/internal.h"

#include "crypto/prim.h"

#include <stdarg.h>

#define SEMANTIC TCVM_MANIFEST_SEMANTIC

static tcvm_status_t fail(tcvm_error_t *err, const char *fmt, ...) TCVM__PRINTF(2, 3);

static tcvm_status_t fail(tcvm_error_t *err, const char *fmt, ...)
{
    char msg[TCVM_ERROR_MSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tcvm__errorf(err, SEMANTIC, "%s", msg);
}

/* The id of element i of a section array (every element struct starts with its id). */
static const char *id_at(const void *arr, size_t stride, size_t i)
{
    return *(const char *const *)((const char *)arr + i * stride);
}

/* Lists the ids of a section for "is not a participant (participants: a, b, c)". */
static void id_names(const void *arr, size_t stride, size_t count, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < count && used + 1 < size; i++) {
        int n = snprintf(out + used, size - used, "%s%s", i ? ", " : "", id_at(arr, stride, i));
        if (n < 0) break;
        used += (size_t)n;
    }
    if (used >= size && size > 4) memcpy(out + size - 4, "...", 4);
}

/* The first element before i with the same id as element i, or i when there is none. */
static size_t first_same_id(const void *arr, size_t stride, size_t i)
{
    size_t k = 0;
    while (k < i && strcmp(id_at(arr, stride, k), id_at(arr, stride, i)) != 0)
        k++;
    return k;
}

static tcvm_status_t unique_ids(const tcvm_manifest_t *m, tcvm_error_t *err)
{
    for (size_t i = 0; i < m->participant_count; i++) {
        const tcvm_manifest_participant_t *p = m->participants;
        size_t k = first_same_id(p, sizeof *p, i);
        if (k < i)
            return fail(err, "participants[%zu].id: \"%s\" is already the id of participants[%zu]",
                        i, p[i].id, k);
        for (k = 0; k < i; k++) {
            if (memcmp(p[k].signing_key, p[i].signing_key, 32) == 0)
                return fail(err,
                            "participants[%zu].signing_key: same key as participants[%zu] "
                            "(\"%s\"); each participant needs its own identity",
                            i, k, p[k].id);
            if (memcmp(p[k].recipient.public_key, p[i].recipient.public_key, 32) == 0)
                return fail(err,
                            "participants[%zu].recipient: same key as participants[%zu] (\"%s\")",
                            i, k, p[k].id);
        }
    }
    for (size_t i = 0; i < m->component_count; i++) {
        size_t k = first_same_id(m->components, sizeof *m->components, i);
        if (k < i)
            return fail(err, "components[%zu].id: \"%s\" is already the id of components[%zu]", i,
                        m->components[i].id, k);
    }
    for (size_t i = 0; i < m->input_count; i++) {
        size_t k = first_same_id(m->inputs, sizeof *m->inputs, i);
        if (k < i)
            return fail(err, "inputs[%zu].id: \"%s\" is already the id of inputs[%zu]", i,
                        m->inputs[i].id, k);
    }
    for (size_t i = 0; i < m->output_count; i++) {
        size_t k = first_same_id(m->outputs, sizeof *m->outputs, i);
        if (k < i)
            return fail(err, "outputs[%zu].id: \"%s\" is already the id of outputs[%zu]", i,
                        m->outputs[i].id, k);
    }
    return TCVM_OK;
}

/* A recipient that is a low-order point would make every sealed output unreadable (X25519
 * with any clamped scalar gives zero). */
static tcvm_status_t usable_recipients(const tcvm_manifest_t *m, tcvm_error_t *err)
{
    static const uint8_t probe[32] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
                                      9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
    for (size_t i = 0; i < m->participant_count; i++) {
        uint8_t shared[32];
        tcvm_status_t st = tcvm__x25519(probe, m->participants[i].recipient.public_key, shared);
        tcvm__wipe(shared, sizeof shared);
        if (st == TCVM_CRYPTO_BAD_KEY)
            return fail(err,
                        "participants[%zu].recipient: a low-order point, not a usable X25519 "
                        "key (outputs sealed to it could be opened by anyone)",
                        i);
        if (st != TCVM_OK)
            return tcvm__errorf(err, st, "participants[%zu].recipient: X25519 failed", i);
    }
    return TCVM_OK;
}

static tcvm_status_t resolve_participant(const tcvm_manifest_t *m, const char *ref,
                                         const char *path, size_t *out, tcvm_error_t *err)
{
    if (tcvm_manifest_find_participant(m, ref, out)) return TCVM_OK;
    char names[256];
    id_names(m->participants, sizeof *m->participants, m->participant_count, names, sizeof names);
    return fail(err, "%s: \"%s\" is not a participant (participants: %s)", path, ref, names);
}

static tcvm_status_t resolve_component(const tcvm_manifest_t *m, const char *ref, const char *path,
                                       size_t *out, tcvm_error_t *err)
{
    if (tcvm_manifest_find_component(m, ref, out)) return TCVM_OK;
    char names[256];
    id_names(m->components, sizeof *m->components, m->component_count, names, sizeof names);
    return fail(err, "%s: \"%s\" is not a component (components: %s)", path, ref, names);
}

/* Resolves a list of references; a name listed twice is refused. */
static tcvm_status_t resolve_list(tcvm_manifest_t *m, const char *const *refs, size_t count,
                                  bool participants, const char *path, size_t **out,
                                  tcvm_error_t *err)
{
    size_t *idx = tcvm__arena_array(m->arena, count, sizeof *idx);
    if (idx == NULL) return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    for (size_t i = 0; i < count; i++) {
        char p[200];
        snprintf(p, sizeof p, "%s[%zu]", path, i);
        tcvm_status_t st = participants ? resolve_participant(m, refs[i], p, &idx[i], err)
                                        : resolve_component(m, refs[i], p, &idx[i], err);
        if (st != TCVM_OK) return st;
        for (size_t k = 0; k < i; k++) {
            if (idx[k] == idx[i])
                return fail(err, "%s: \"%s\" is listed twice (also %s[%zu])", p, refs[i], path, k);
        }
    }
    *out = idx;
    return TCVM_OK;
}

static tcvm_status_t check_cap(const char *path, uint64_t value, uint64_t min, uint64_t max,
                               bool duration, tcvm_error_t *err)
{
    char v[32], bound[32];
    if (duration)
        tcvm_manifest_format_duration(value, v);
    else
        tcvm_manifest_format_size(value, v);
    if (value < min) {
        if (duration)
            tcvm_manifest_format_duration(min, bound);
        else
            tcvm_manifest_format_size(min, bound);
        return fail(err, "%s: %s is below the minimum of %s", path, v, bound);
    }
    if (value > max) {
        if (duration)
            tcvm_manifest_format_duration(max, bound);
        else
            tcvm_manifest_format_size(max, bound);
        return fail(err, "%s: %s is above the cap of %s", path, v, bound);
    }
    return TCVM_OK;
}

tcvm_status_t tcvm__manifest_check(tcvm_manifest_t *m, const tcvm_manifest_refs_t *refs,
                                   tcvm_error_t *err)
{
    tcvm_status_t st = unique_ids(m, err);
    if (st != TCVM_OK || (st = usable_recipients(m, err)) != TCVM_OK) return st;
    char p[200];
    tcvm_manifest_component_t *cs = (tcvm_manifest_component_t *)m->components;
    for (size_t i = 0; i < m->component_count; i++) {
        snprintf(p, sizeof p, "components[%zu].owner", i);
        if ((st = resolve_participant(m, refs->component_owner[i], p, &cs[i].owner, err)) !=
            TCVM_OK)
            return st;
        snprintf(p, sizeof p, "components[%zu].limits.memory", i);
        if ((st = check_cap(p, cs[i].memory_limit, TCVM_MANIFEST_MIN_MEMORY,
                            TCVM_MANIFEST_MAX_MEMORY, false, err)) != TCVM_OK)
            return st;
        if (cs[i].fuel_limit > TCVM_MANIFEST_MAX_FUEL)
            return fail(err, "components[%zu].limits.fuel: %llu is above the cap of %llu", i,
                        (unsigned long long)cs[i].fuel_limit,
                        (unsigned long long)TCVM_MANIFEST_MAX_FUEL);
        snprintf(p, sizeof p, "components[%zu].limits.time", i);
        if (cs[i].time_limit_ms != 0 &&
            (st = check_cap(p, cs[i].time_limit_ms, 1, TCVM_MANIFEST_MAX_TIME_MS, true, err)) !=
                TCVM_OK)
            return st;
    }
    tcvm_manifest_input_t *in = (tcvm_manifest_input_t *)m->inputs;
    for (size_t i = 0; i < m->input_count; i++) {
        snprintf(p, sizeof p, "inputs[%zu].owner", i);
        if ((st = resolve_participant(m, refs->input_owner[i], p, &in[i].owner, err)) != TCVM_OK)
            return st;
        snprintf(p, sizeof p, "inputs[%zu].readers", i);
        size_t *readers;
        if ((st = resolve_list(m, refs->input_readers[i], in[i].reader_count, false, p, &readers,
                               err)) != TCVM_OK)
            return st;
        in[i].readers = readers;
        snprintf(p, sizeof p, "inputs[%zu].max_size", i);
        if ((st = check_cap(p, in[i].max_size, 1, TCVM_MANIFEST_MAX_INPUT_SIZE, false, err)) !=
            TCVM_OK)
            return st;
    }
    tcvm_manifest_channel_t *ch = (tcvm_manifest_channel_t *)m->channels;
    for (size_t i = 0; i < m->channel_count; i++) {
        snprintf(p, sizeof p, "channels[%zu].from", i);
        if ((st = resolve_component(m, refs->channel_from[i], p, &ch[i].from, err)) != TCVM_OK)
            return st;
        snprintf(p, sizeof p, "channels[%zu].to", i);
        if ((st = resolve_component(m, refs->channel_to[i], p, &ch[i].to, err)) != TCVM_OK)
            return st;
        if (ch[i].from == ch[i].to)
            return fail(err,
                        "channels[%zu]: \"%s\" cannot have a channel to itself (a component "
                        "calls its own functions directly)",
                        i, refs->channel_from[i]);
        for (size_t k = 0; k < i; k++) {
            if (ch[k].from == ch[i].from && ch[k].to == ch[i].to &&
                strcmp(ch[k].interface, ch[i].interface) == 0)
                return fail(err, "channels[%zu]: the same channel as channels[%zu]", i, k);
        }
    }
    tcvm_manifest_output_t *out = (tcvm_manifest_output_t *)m->outputs;
    for (size_t i = 0; i < m->output_count; i++) {
        snprintf(p, sizeof p, "outputs[%zu].writer", i);
        if ((st = resolve_component(m, refs->output_writer[i], p, &out[i].writer, err)) != TCVM_OK)
            return st;
        snprintf(p, sizeof p, "outputs[%zu].recipients", i);
        size_t *recipients;
        if ((st = resolve_list(m, refs->output_recipients[i], out[i].recipient_count, true, p,
                               &recipients, err)) != TCVM_OK)
            return st;
        out[i].recipients = recipients;
        snprintf(p, sizeof p, "outputs[%zu].max_size", i);
        if ((st = check_cap(p, out[i].max_size, 1, TCVM_MANIFEST_MAX_OUTPUT_SIZE, false, err)) !=
            TCVM_OK)
            return st;
    }
    return resolve_component(m, refs->entry_component, "entry.component", &m->entry.component, err);
}
