/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manifest object: reading (JSON via jansson, then the schema and semantic stages), the
 * arena that owns it, the id and name grammars, lookups, the policy queries the runtime
 * enforces, and consent signatures over the digest of the exact file bytes.
 */
#include "manifest/internal.h"

#include "crypto/crypto.h"
#include "crypto/io.h"

/* ---- arena ----------------------------------------------------------------------------------- */

typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    _Alignas(max_align_t) unsigned char data[];
} arena_block_t;

struct tcvm_manifest_arena {
    arena_block_t *head;
};

tcvm_manifest_arena_t *tcvm__arena_new(void)
{
    return tcvm__calloc(1, sizeof(tcvm_manifest_arena_t));
}

void *tcvm__arena_alloc(tcvm_manifest_arena_t *a, size_t size)
{
    const size_t align = _Alignof(max_align_t);
    size_t need;
    if (!tcvm__size_add(size, align - 1, &need)) return NULL;
    need &= ~(align - 1);
    if (need == 0) need = align;
    arena_block_t *b = a->head;
    if (b == NULL || b->cap - b->used < need) {
        size_t cap = need > 16384 ? need : 16384, total;
        if (!tcvm__size_add(sizeof *b, cap, &total)) return NULL;
        b = tcvm__malloc(total);
        if (b == NULL) return NULL;
        b->used = 0;
        b->cap = cap;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += need;
    memset(p, 0, size);
    return p;
}

void *tcvm__arena_array(tcvm_manifest_arena_t *a, size_t count, size_t size)
{
    size_t total;
    if (!tcvm__size_mul(count, size, &total)) return NULL;
    return tcvm__arena_alloc(a, total);
}

char *tcvm__arena_strndup(tcvm_manifest_arena_t *a, const char *s, size_t len)
{
    size_t total;
    if (!tcvm__size_add(len, 1, &total)) return NULL;
    char *p = tcvm__arena_alloc(a, total);
    if (p != NULL) memcpy(p, s, len);
    return p;
}

void tcvm__arena_free(tcvm_manifest_arena_t *a)
{
    if (a == NULL) return;
    arena_block_t *b = a->head;
    while (b != NULL) {
        arena_block_t *next = b->next;
        tcvm__free(b);
        b = next;
    }
    tcvm__free(a);
}

/* ---- names ----------------------------------------------------------------------------------- */

bool tcvm__manifest_id_valid(const char *s, size_t len)
{
    if (len == 0 || len > TCVM_MANIFEST_MAX_ID_SIZE) return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return false;
    }
    return true;
}

/* A kebab-case label: words of [a-z][a-z0-9]* joined by single '-'. Returns its length. */
static size_t label_len(const char *s, size_t len)
{
    size_t i = 0;
    for (;;) {
        if (i >= len || s[i] < 'a' || s[i] > 'z') return 0;
        while (i < len && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
            i++;
        if (i + 1 < len && s[i] == '-' && s[i + 1] >= 'a' && s[i + 1] <= 'z') {
            i++;
            continue;
        }
        return i;
    }
}

/* A semver version: MAJOR.MINOR.PATCH with optional -prerelease and +build. */
static bool semver_valid(const char *s, size_t len)
{
    size_t i = 0;
    for (int part = 0; part < 3; part++) {
        size_t start = i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == start || (i - start > 1 && s[start] == '0')) return false;
        if (part < 2) {
            if (i >= len || s[i] != '.') return false;
            i++;
        }
    }
    if (i == len) return true;
    if (s[i] != '-' && s[i] != '+') return false;
    if (++i == len) return false;
    for (; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '+'))
            return false;
    }
    return true;
}

bool tcvm__manifest_interface_valid(const char *s, size_t len)
{
    size_t n = label_len(s, len);
    if (n == 0 || n >= len || s[n] != ':') return false;
    s += n + 1;
    len -= n + 1;
    n = label_len(s, len);
    if (n == 0 || n >= len || s[n] != '/') return false;
    s += n + 1;
    len -= n + 1;
    n = label_len(s, len);
    if (n == 0) return false;
    if (n == len) return true;
    return s[n] == '@' && semver_valid(s + n + 1, len - n - 1);
}

bool tcvm__manifest_export_valid(const char *s, size_t len)
{
    const char *hash = memchr(s, '#', len);
    if (hash == NULL) return len > 0 && label_len(s, len) == len;
    size_t iface = (size_t)(hash - s), name = len - iface - 1;
    return tcvm__manifest_interface_valid(s, iface) && name > 0 &&
           label_len(hash + 1, name) == name;
}

/* ---- reading --------------------------------------------------------------------------------- */

tcvm_status_t tcvm_manifest_parse(const uint8_t *data, size_t size, tcvm_manifest_t **out,
                                  tcvm_error_t *err)
{
    if (size > TCVM_MANIFEST_MAX_SIZE)
        return tcvm__errorf(err, TCVM_MANIFEST_SYNTAX, "manifest larger than %zu bytes",
                            TCVM_MANIFEST_MAX_SIZE);
    if (size == 0) data = (const uint8_t *)""; /* never hand NULL to memchr or jansson */
    if (memchr(data, '\0', size) != NULL)
        return tcvm__errorf(err, TCVM_MANIFEST_SYNTAX,
                            "manifest contains a NUL byte (it must be UTF-8 JSON text)");
    tcvm_manifest_arena_t *arena = tcvm__arena_new();
    if (arena == NULL) return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    tcvm_status_t st = TCVM_ENOMEM;
    tcvm_manifest_t *m = tcvm__arena_alloc(arena, sizeof *m);
    uint8_t *bytes = tcvm__arena_alloc(arena, size);
    if (m == NULL || bytes == NULL) {
        tcvm__errorf(err, st, "out of memory");
        goto free_arena;
    }
    m->arena = arena;
    memcpy(bytes, data, size);
    m->bytes = bytes;
    m->size = size;
    st = tcvm__sha256(data, size, m->digest);
    if (st != TCVM_OK) {
        tcvm__errorf(err, st, "manifest: SHA-256 failed");
        goto free_arena;
    }
    json_t *root = tcvm__json_load(data, size, NULL, TCVM_MANIFEST_SYNTAX, err);
    if (root == NULL) {
        st = TCVM_MANIFEST_SYNTAX;
        goto free_arena;
    }
    tcvm_manifest_refs_t refs = {0};
    st = tcvm__manifest_read(root, m, &refs, err);
    json_decref(root);
    if (st == TCVM_OK) st = tcvm__manifest_check(m, &refs, err);
    if (st != TCVM_OK) goto free_arena;
    *out = m;
    return TCVM_OK;
free_arena:
    tcvm__arena_free(arena);
    return st;
}

tcvm_status_t tcvm_manifest_load(const char *path, tcvm_manifest_t **out, tcvm_error_t *err)
{
    uint8_t *data;
    size_t size;
    tcvm_status_t st = tcvm__read_file(path, TCVM_MANIFEST_MAX_SIZE, &data, &size, err);
    if (st != TCVM_OK) return st;
    st = tcvm_manifest_parse(data, size, out, err);
    tcvm__free(data);
    if (st != TCVM_OK) return tcvm__error_prefix(err, st, "%s", path);
    return TCVM_OK;
}

void tcvm_manifest_destroy(tcvm_manifest_t *m)
{
    if (m != NULL) tcvm__arena_free(m->arena);
}

/* ---- lookups and policy ------------------------------------------------------------------------
 */

static bool find_id(const void *arr, size_t stride, size_t count, const char *id, size_t *out)
{
    if (id == NULL) return false;
    for (size_t i = 0; i < count; i++) {
        /* every section's element struct starts with its id */
        const char *have = *(const char *const *)((const char *)arr + i * stride);
        if (strcmp(have, id) == 0) {
            if (out != NULL) *out = i;
            return true;
        }
    }
    return false;
}

bool tcvm_manifest_find_participant(const tcvm_manifest_t *m, const char *id, size_t *out_index)
{
    return find_id(m->participants, sizeof *m->participants, m->participant_count, id, out_index);
}

bool tcvm_manifest_find_component(const tcvm_manifest_t *m, const char *id, size_t *out_index)
{
    return find_id(m->components, sizeof *m->components, m->component_count, id, out_index);
}

bool tcvm_manifest_find_input(const tcvm_manifest_t *m, const char *id, size_t *out_index)
{
    return find_id(m->inputs, sizeof *m->inputs, m->input_count, id, out_index);
}

bool tcvm_manifest_find_output(const tcvm_manifest_t *m, const char *id, size_t *out_index)
{
    return find_id(m->outputs, sizeof *m->outputs, m->output_count, id, out_index);
}

bool tcvm_manifest_find_signer(const tcvm_manifest_t *m, const uint8_t public_key[32],
                               size_t *out_index)
{
    for (size_t i = 0; i < m->participant_count; i++) {
        if (memcmp(m->participants[i].signing_key, public_key, 32) == 0) {
            *out_index = i;
            return true;
        }
    }
    return false;
}

bool tcvm_manifest_may_read(const tcvm_manifest_t *m, size_t component, size_t input)
{
    if (input >= m->input_count || component >= m->component_count) return false;
    const tcvm_manifest_input_t *in = &m->inputs[input];
    for (size_t i = 0; i < in->reader_count; i++) {
        if (in->readers[i] == component) return true;
    }
    return false;
}

bool tcvm_manifest_may_write(const tcvm_manifest_t *m, size_t component, size_t output)
{
    return output < m->output_count && component < m->component_count &&
           m->outputs[output].writer == component;
}

bool tcvm_manifest_may_call(const tcvm_manifest_t *m, size_t from, size_t to, const char *interface)
{
    if (interface == NULL) return false;
    for (size_t i = 0; i < m->channel_count; i++) {
        const tcvm_manifest_channel_t *c = &m->channels[i];
        if (c->from == from && c->to == to && strcmp(c->interface, interface) == 0) return true;
    }
    return false;
}

bool tcvm_manifest_receives(const tcvm_manifest_t *m, size_t participant, size_t output)
{
    if (output >= m->output_count) return false;
    const tcvm_manifest_output_t *o = &m->outputs[output];
    for (size_t i = 0; i < o->recipient_count; i++) {
        if (o->recipients[i] == participant) return true;
    }
    return false;
}

/* ---- consent ------------------------------------------------------------------------------------
 */

void tcvm_manifest_consent_message(const uint8_t digest[32], uint8_t out[57])
{
    static const char tag[] = TCVM_CONSENT_TAG;
    _Static_assert(sizeof tag - 1 + 1 + 32 == TCVM_CONSENT_MESSAGE_SIZE, "consent layout");
    memcpy(out, tag, sizeof tag - 1);
    out[sizeof tag - 1] = 0;
    memcpy(out + sizeof tag, digest, 32);
}

tcvm_status_t tcvm_manifest_consent_sign(const tcvm_manifest_t *m, const tcvm_sign_key_t *key,
                                         size_t *out_participant, uint8_t out_sig[64],
                                         tcvm_error_t *err)
{
    uint8_t pub[32];
    tcvm_sign_key_public(key, pub);
    size_t who;
    if (!tcvm_manifest_find_signer(m, pub, &who)) {
        char text[TCVM_SIGN_PUBLIC_TEXT_SIZE];
        tcvm_sign_public_format(pub, text);
        return tcvm__errorf(err, TCVM_MANIFEST_CONSENT,
                            "the key %s is not the signing key of any participant of this "
                            "manifest",
                            text);
    }
    uint8_t msg[TCVM_CONSENT_MESSAGE_SIZE];
    tcvm_manifest_consent_message(m->digest, msg);
    tcvm_status_t st = tcvm_sign_key_sign(key, msg, sizeof msg, out_sig);
    if (st != TCVM_OK) return tcvm__errorf(err, st, "consent: Ed25519 signing failed");
    *out_participant = who;
    return TCVM_OK;
}

tcvm_status_t tcvm_manifest_consent_verify(const tcvm_manifest_t *m, size_t participant,
                                           const uint8_t sig[64])
{
    if (participant >= m->participant_count) return TCVM_MANIFEST_CONSENT;
    uint8_t msg[TCVM_CONSENT_MESSAGE_SIZE];
    tcvm_manifest_consent_message(m->digest, msg);
    if (tcvm_sign_verify(m->participants[participant].signing_key, msg, sizeof msg, sig) != TCVM_OK)
        return TCVM_MANIFEST_CONSENT;
    return TCVM_OK;
}
