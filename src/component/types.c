/* SPDX-License-Identifier: Apache-2.0 */
/*
 * WIT value types and typed values: the type arena and its builders, the canonical ABI layout
 * of each type (size, alignment, flat count; computed once when the type is made, since types
 * are immutable), WIT text of types and function types, a reader for anonymous WIT type syntax,
 * and the value tree helpers (constructors, copy, equality, well-formedness against a type).
 */
#include "component/comp_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

/* ---- primitives ------------------------------------------------------------------------ */

#define PRIM(k, sz, al)                                                                            \
    {                                                                                              \
        .kind = k, .size = sz, .align = al, .flat_count = 1, .depth = 1, .nodes = 1                \
    }
static const struct tcvm_ctype prim_types[] = {
    PRIM(TCVM_CT_BOOL, 1, 1),
    PRIM(TCVM_CT_S8, 1, 1),
    PRIM(TCVM_CT_U8, 1, 1),
    PRIM(TCVM_CT_S16, 2, 2),
    PRIM(TCVM_CT_U16, 2, 2),
    PRIM(TCVM_CT_S32, 4, 4),
    PRIM(TCVM_CT_U32, 4, 4),
    PRIM(TCVM_CT_S64, 8, 8),
    PRIM(TCVM_CT_U64, 8, 8),
    PRIM(TCVM_CT_F32, 4, 4),
    PRIM(TCVM_CT_F64, 8, 8),
    PRIM(TCVM_CT_CHAR, 4, 4),
    {.kind = TCVM_CT_STRING, .size = 8, .align = 4, .flat_count = 2, .depth = 1, .nodes = 1},
};

static const char *const kind_names[] = {
    "bool",    "s8",   "u8",     "s16",    "u16",    "s32",  "u32",    "s64",
    "u64",     "f32",  "f64",    "char",   "string", "list", "record", "tuple",
    "variant", "enum", "option", "result", "flags",  "own",  "borrow",
};

const char *tcvm_ctype_kind_name(tcvm_ctype_kind_t kind)
{
    if ((unsigned)kind < TCVM__ARRAY_COUNT(kind_names)) return kind_names[kind];
    return "?";
}

const tcvm_ctype_t *tcvm_ctype_primitive(tcvm_ctype_kind_t kind)
{
    if ((unsigned)kind <= TCVM_CT_STRING) return &prim_types[kind];
    return NULL;
}

tcvm_ctype_kind_t tcvm_ctype_kind(const tcvm_ctype_t *type)
{
    return type->kind;
}

size_t tcvm_ctype_count(const tcvm_ctype_t *type)
{
    return type->count;
}

const char *tcvm_ctype_label(const tcvm_ctype_t *type, size_t index, size_t *out_size)
{
    if (index >= type->count || !type->members[index].label) return NULL;
    if (out_size) *out_size = type->members[index].label_size;
    return type->members[index].label;
}

const tcvm_ctype_t *tcvm_ctype_member(const tcvm_ctype_t *type, size_t index)
{
    if (index >= type->count) return NULL;
    return type->members[index].type;
}

uint32_t tcvm_ctype_resource(const tcvm_ctype_t *type)
{
    return (type->kind == TCVM_CT_OWN || type->kind == TCVM_CT_BORROW) ? type->resource : 0;
}

const char *tcvm_ctype_resource_name(const tcvm_ctype_t *type, size_t *out_size)
{
    if (tcvm_ctype_resource(type) == 0 || !type->rname) return NULL;
    if (out_size) *out_size = type->rname_size;
    return type->rname;
}

bool tcvm_ctype_equal(const tcvm_ctype_t *a, const tcvm_ctype_t *b)
{
    if (a == b) return true;
    if (!a || !b || a->kind != b->kind || a->count != b->count) return false;
    if (a->kind == TCVM_CT_OWN || a->kind == TCVM_CT_BORROW) return a->resource == b->resource;
    for (uint32_t i = 0; i < a->count; i++) {
        const tcvm__cmember_t *ma = &a->members[i], *mb = &b->members[i];
        if ((ma->label == NULL) != (mb->label == NULL)) return false;
        if (ma->label &&
            (ma->label_size != mb->label_size || memcmp(ma->label, mb->label, ma->label_size)))
            return false;
        if (!tcvm_ctype_equal(ma->type, mb->type)) return false;
    }
    return true;
}

/* ---- the arena ------------------------------------------------------------------------- */

tcvm_status_t tcvm_ctypes_new(tcvm_ctypes_t **out_types)
{
    tcvm_ctypes_t *a = tcvm__calloc(1, sizeof *a);
    if (!a) return TCVM_ENOMEM;
    *out_types = a;
    return TCVM_OK;
}

static void free_members(tcvm__cmember_t *m, uint32_t count)
{
    if (!m) return;
    for (uint32_t i = 0; i < count; i++)
        tcvm__free((void *)m[i].label);
    tcvm__free(m);
}

void tcvm_ctypes_free(tcvm_ctypes_t *a)
{
    if (!a) return;
    for (struct tcvm_ctype *t = a->head, *n; t; t = n) {
        n = t->next;
        free_members(t->members, t->count);
        tcvm__free((void *)t->rname);
        tcvm__free(t);
    }
    for (struct tcvm_cfunctype *f = a->funcs, *n; f; f = n) {
        n = f->next;
        free_members(f->params, f->param_count);
        tcvm__free(f);
    }
    tcvm__free(a);
}

static uint32_t align_to(uint64_t v, uint32_t a, bool *over)
{
    uint64_t r = (v + a - 1) / a * a;
    if (r > UINT32_MAX) {
        *over = true;
        return 0;
    }
    return (uint32_t)r;
}

static uint32_t disc_size(uint32_t cases)
{
    return cases <= 256 ? 1 : cases <= 65536 ? 2 : 4;
}

static bool is_case_kind(tcvm_ctype_kind_t k)
{
    return k == TCVM_CT_VARIANT || k == TCVM_CT_ENUM || k == TCVM_CT_OPTION || k == TCVM_CT_RESULT;
}

/* Computes size, alignment, flat count and depth of t from its members. */
static tcvm_status_t layout(struct tcvm_ctype *t)
{
    bool over = false;
    uint32_t depth = 0;
    uint64_t nodes = 1;
    for (uint32_t i = 0; i < t->count; i++) {
        if (t->members[i].type && t->members[i].type->depth > depth)
            depth = t->members[i].type->depth;
        nodes += 1 + (t->members[i].type ? t->members[i].type->nodes : 0);
    }
    t->depth = depth + 1;
    if (t->depth > TCVM__C_MAX_TYPE_DEPTH) return TCVM_ELIMIT;
    if (nodes > TCVM__C_MAX_TYPE_SIZE) return TCVM_ELIMIT;
    t->nodes = (uint32_t)nodes;
    switch (t->kind) {
    case TCVM_CT_LIST:
        t->size = 8, t->align = 4, t->flat_count = 2;
        break;
    case TCVM_CT_OWN:
    case TCVM_CT_BORROW:
        t->size = 4, t->align = 4, t->flat_count = 1;
        break;
    case TCVM_CT_FLAGS:
        t->size = t->count <= 8 ? 1 : t->count <= 16 ? 2 : 4;
        t->align = t->size, t->flat_count = 1;
        break;
    case TCVM_CT_RECORD:
    case TCVM_CT_TUPLE: {
        uint64_t s = 0, flat = 0;
        uint32_t al = 1;
        for (uint32_t i = 0; i < t->count; i++)
            if (t->members[i].type->align > al) al = t->members[i].type->align;
        for (uint32_t i = 0; i < t->count; i++) {
            const tcvm_ctype_t *f = t->members[i].type;
            s = align_to(s, f->align, &over);
            s += f->size;
            flat += f->flat_count;
        }
        t->align = al;
        t->size = align_to(s, al, &over);
        t->flat_count = flat > UINT32_MAX / 2 ? UINT32_MAX / 2 : (uint32_t)flat;
        break;
    }
    default: { /* the case kinds */
        uint32_t ds = disc_size(t->count), cal = 1, csize = 0, cflat = 0;
        for (uint32_t i = 0; i < t->count; i++) {
            const tcvm_ctype_t *p = t->members[i].type;
            if (!p) continue;
            if (p->align > cal) cal = p->align;
            if (p->size > csize) csize = p->size;
            if (p->flat_count > cflat) cflat = p->flat_count;
        }
        uint64_t s = align_to(ds, cal, &over) + (uint64_t)csize;
        t->align = ds > cal ? ds : cal;
        t->size = align_to(s, t->align, &over);
        t->flat_count = cflat >= UINT32_MAX / 2 ? UINT32_MAX / 2 : cflat + 1;
        break;
    }
    }
    return over ? TCVM_ELIMIT : TCVM_OK;
}

static bool label_dup(const tcvm__cmember_t *m, size_t count, size_t upto)
{
    (void)count;
    for (size_t j = 0; j < upto; j++) {
        if (m[j].label_size != m[upto].label_size) continue;
        /* labels compare case-insensitively in the component model */
        bool same = true;
        for (size_t k = 0; k < m[j].label_size && same; k++) {
            char x = m[j].label[k], y = m[upto].label[k];
            if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
            if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
            same = x == y;
        }
        if (same) return true;
    }
    return false;
}

tcvm_status_t tcvm__ctype_make(tcvm_ctypes_t *a, tcvm_ctype_kind_t kind,
                               const tcvm__cmember_t *members, size_t count, uint32_t resource,
                               const char *rname, size_t rname_size, const tcvm_ctype_t **out_type)
{
    if (kind <= TCVM_CT_STRING) {
        *out_type = &prim_types[kind];
        return TCVM_OK;
    }
    if (count > TCVM__C_MAX_MEMBERS) return TCVM_ELIMIT;
    bool labelled = kind == TCVM_CT_RECORD || kind == TCVM_CT_VARIANT || kind == TCVM_CT_ENUM ||
                    kind == TCVM_CT_FLAGS;
    if ((kind == TCVM_CT_RECORD || kind == TCVM_CT_TUPLE || kind == TCVM_CT_VARIANT ||
         kind == TCVM_CT_ENUM || kind == TCVM_CT_FLAGS) &&
        count == 0)
        return TCVM_EINVAL;
    if (kind == TCVM_CT_FLAGS && count > TCVM__C_MAX_FLAGS) return TCVM_EINVAL;
    if ((kind == TCVM_CT_OWN || kind == TCVM_CT_BORROW) && resource == 0) return TCVM_EINVAL;
    for (size_t i = 0; i < count; i++) {
        if (labelled) {
            if (!members[i].label || !tcvm__wit_ident(members[i].label, members[i].label_size))
                return TCVM_EINVAL;
            if (label_dup(members, count, i)) return TCVM_EINVAL;
        }
        bool needs_type = kind == TCVM_CT_RECORD || kind == TCVM_CT_TUPLE || kind == TCVM_CT_LIST;
        if (needs_type && !members[i].type) return TCVM_EINVAL;
        if ((kind == TCVM_CT_ENUM || kind == TCVM_CT_FLAGS) && members[i].type) return TCVM_EINVAL;
    }
    struct tcvm_ctype *t = tcvm__calloc(1, sizeof *t);
    if (!t) return TCVM_ENOMEM;
    t->kind = kind;
    t->resource = resource;
    if (count) {
        t->members = tcvm__calloc(count, sizeof *t->members);
        if (!t->members) goto fail_alloc;
        t->count = (uint32_t)count;
        for (size_t i = 0; i < count; i++) {
            t->members[i].type = members[i].type;
            if (members[i].label) {
                t->members[i].label = tcvm__strndup(members[i].label, members[i].label_size);
                if (!t->members[i].label) goto fail_alloc;
                t->members[i].label_size = members[i].label_size;
            }
        }
    }
    if (rname) {
        t->rname = tcvm__strndup(rname, rname_size);
        if (!t->rname) goto fail_alloc;
        t->rname_size = rname_size;
    }
    tcvm_status_t st = layout(t);
    if (st != TCVM_OK) {
        free_members(t->members, t->count);
        tcvm__free((void *)t->rname);
        tcvm__free(t);
        return st;
    }
    t->next = a->head;
    a->head = t;
    *out_type = t;
    return TCVM_OK;
fail_alloc:
    free_members(t->members, t->count);
    tcvm__free((void *)t->rname);
    tcvm__free(t);
    return TCVM_ENOMEM;
}

bool tcvm__ctype_nominal(const tcvm_ctype_t *t)
{
    return t && (t->kind == TCVM_CT_RECORD || t->kind == TCVM_CT_VARIANT ||
                 t->kind == TCVM_CT_ENUM || t->kind == TCVM_CT_FLAGS);
}

tcvm_status_t tcvm__ctype_clone(tcvm_ctypes_t *a, const tcvm_ctype_t *t, const tcvm_ctype_t **out)
{
    return tcvm__ctype_make(a, t->kind, t->members, t->count, t->resource, t->rname,
                            t->rname_size, out);
}

tcvm_status_t tcvm__ctype_handle(tcvm_ctypes_t *a, tcvm_ctype_kind_t kind, uint32_t resource,
                                 uint32_t tag, const char *rname, size_t rname_size,
                                 const tcvm_ctype_t **out)
{
    if (kind != TCVM_CT_OWN && kind != TCVM_CT_BORROW) return TCVM_EINVAL;
    const tcvm_ctype_t *t;
    tcvm_status_t st = tcvm__ctype_make(a, kind, NULL, 0, resource, rname, rname_size, &t);
    if (st != TCVM_OK) return st;
    a->head->tag = tag; /* the record just made heads the arena list */
    *out = t;
    return TCVM_OK;
}

tcvm_status_t tcvm__cfunctype_make(tcvm_ctypes_t *a, const tcvm__cmember_t *params, size_t count,
                                   const tcvm_ctype_t *result, const tcvm_cfunctype_t **out)
{
    if (count > TCVM__C_MAX_MEMBERS) return TCVM_ELIMIT;
    struct tcvm_cfunctype *f = tcvm__calloc(1, sizeof *f);
    if (!f) return TCVM_ENOMEM;
    if (count) {
        f->params = tcvm__calloc(count, sizeof *f->params);
        if (!f->params) {
            tcvm__free(f);
            return TCVM_ENOMEM;
        }
        f->param_count = (uint32_t)count;
        for (size_t i = 0; i < count; i++) {
            f->params[i].type = params[i].type;
            f->params[i].label = tcvm__strndup(params[i].label ? params[i].label : "",
                                               params[i].label ? params[i].label_size : 0);
            f->params[i].label_size = params[i].label ? params[i].label_size : 0;
            if (!f->params[i].label) {
                free_members(f->params, f->param_count);
                tcvm__free(f);
                return TCVM_ENOMEM;
            }
        }
    }
    f->result = result;
    f->next = a->funcs;
    a->funcs = f;
    *out = f;
    return TCVM_OK;
}

bool tcvm__cfunctype_equal(const tcvm_cfunctype_t *a, const tcvm_cfunctype_t *b)
{
    if (a->param_count != b->param_count) return false;
    for (uint32_t i = 0; i < a->param_count; i++) {
        if (a->params[i].label_size != b->params[i].label_size ||
            memcmp(a->params[i].label, b->params[i].label, a->params[i].label_size))
            return false;
        if (!tcvm_ctype_equal(a->params[i].type, b->params[i].type)) return false;
    }
    if ((a->result == NULL) != (b->result == NULL)) return false;
    return !a->result || tcvm_ctype_equal(a->result, b->result);
}

/* ---- public builders ------------------------------------------------------------------- */

static tcvm_status_t build(tcvm_ctypes_t *a, tcvm_ctype_kind_t kind, size_t count,
                           const char *const *labels, const tcvm_ctype_t *const *types,
                           uint32_t resource, const tcvm_ctype_t **out)
{
    if (count > TCVM__C_MAX_MEMBERS) return TCVM_ELIMIT;
    tcvm__cmember_t *m = count ? tcvm__calloc(count, sizeof *m) : NULL;
    if (count && !m) return TCVM_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        if (labels) {
            if (!labels[i]) {
                tcvm__free(m);
                return TCVM_EINVAL;
            }
            m[i].label = labels[i];
            m[i].label_size = strlen(labels[i]);
        }
        m[i].type = types ? types[i] : NULL;
    }
    tcvm_status_t st = tcvm__ctype_make(a, kind, m, count, resource, NULL, 0, out);
    tcvm__free(m);
    return st;
}

tcvm_status_t tcvm_ctypes_list(tcvm_ctypes_t *a, const tcvm_ctype_t *elem,
                               const tcvm_ctype_t **out_type)
{
    return build(a, TCVM_CT_LIST, 1, NULL, &elem, 0, out_type);
}
tcvm_status_t tcvm_ctypes_record(tcvm_ctypes_t *a, size_t count, const char *const *labels,
                                 const tcvm_ctype_t *const *types, const tcvm_ctype_t **out_type)
{
    if (!labels || !types) return TCVM_EINVAL;
    return build(a, TCVM_CT_RECORD, count, labels, types, 0, out_type);
}
tcvm_status_t tcvm_ctypes_tuple(tcvm_ctypes_t *a, size_t count, const tcvm_ctype_t *const *types,
                                const tcvm_ctype_t **out_type)
{
    if (!types) return TCVM_EINVAL;
    return build(a, TCVM_CT_TUPLE, count, NULL, types, 0, out_type);
}
tcvm_status_t tcvm_ctypes_variant(tcvm_ctypes_t *a, size_t count, const char *const *labels,
                                  const tcvm_ctype_t *const *payloads,
                                  const tcvm_ctype_t **out_type)
{
    if (!labels) return TCVM_EINVAL;
    return build(a, TCVM_CT_VARIANT, count, labels, payloads, 0, out_type);
}
tcvm_status_t tcvm_ctypes_enum(tcvm_ctypes_t *a, size_t count, const char *const *labels,
                               const tcvm_ctype_t **out_type)
{
    if (!labels) return TCVM_EINVAL;
    return build(a, TCVM_CT_ENUM, count, labels, NULL, 0, out_type);
}
tcvm_status_t tcvm_ctypes_option(tcvm_ctypes_t *a, const tcvm_ctype_t *payload,
                                 const tcvm_ctype_t **out_type)
{
    if (!payload) return TCVM_EINVAL;
    const char *labels[] = {"none", "some"};
    const tcvm_ctype_t *types[] = {NULL, payload};
    return build(a, TCVM_CT_OPTION, 2, labels, types, 0, out_type);
}
tcvm_status_t tcvm_ctypes_result(tcvm_ctypes_t *a, const tcvm_ctype_t *ok, const tcvm_ctype_t *err,
                                 const tcvm_ctype_t **out_type)
{
    const char *labels[] = {"ok", "error"};
    const tcvm_ctype_t *types[] = {ok, err};
    return build(a, TCVM_CT_RESULT, 2, labels, types, 0, out_type);
}
tcvm_status_t tcvm_ctypes_flags(tcvm_ctypes_t *a, size_t count, const char *const *labels,
                                const tcvm_ctype_t **out_type)
{
    if (!labels) return TCVM_EINVAL;
    return build(a, TCVM_CT_FLAGS, count, labels, NULL, 0, out_type);
}
tcvm_status_t tcvm_ctypes_own(tcvm_ctypes_t *a, uint32_t resource, const tcvm_ctype_t **out_type)
{
    return build(a, TCVM_CT_OWN, 0, NULL, NULL, resource, out_type);
}
tcvm_status_t tcvm_ctypes_borrow(tcvm_ctypes_t *a, uint32_t resource, const tcvm_ctype_t **out_type)
{
    return build(a, TCVM_CT_BORROW, 0, NULL, NULL, resource, out_type);
}

/* ---- WIT text -------------------------------------------------------------------------- */

static const char *const wit_keywords[] = {
    "use",    "type",    "func",          "u8",      "u16",         "u32",
    "u64",    "s8",      "s16",           "s32",     "s64",         "f32",
    "f64",    "float32", "float64",       "char",    "resource",    "own",
    "borrow", "record",  "flags",         "variant", "enum",        "bool",
    "string", "option",  "result",        "future",  "stream",      "list",
    "_",      "as",      "from",          "static",  "interface",   "tuple",
    "import", "export",  "world",         "package", "constructor", "include",
    "with",   "async",   "error-context",
};

tcvm_status_t tcvm__wit_label(tcvm_buf_t *b, const char *s, size_t size)
{
    for (size_t i = 0; i < TCVM__ARRAY_COUNT(wit_keywords); i++) {
        if (strlen(wit_keywords[i]) == size && memcmp(wit_keywords[i], s, size) == 0) {
            tcvm_status_t st = tcvm__buf_append(b, "%", 1);
            if (st != TCVM_OK) return st;
            break;
        }
    }
    return tcvm__buf_append(b, s, size);
}

char *tcvm__buf_cstr(tcvm_buf_t *b)
{
    if (tcvm__buf_append(b, "", 1) != TCVM_OK) {
        tcvm__buf_free(b);
        return NULL;
    }
    return (char *)b->data;
}

#define TRY(x)                                                                                     \
    do {                                                                                           \
        tcvm_status_t st_ = (x);                                                                   \
        if (st_ != TCVM_OK) return st_;                                                            \
    } while (0)

static tcvm_status_t wit_opt(tcvm_buf_t *b, const tcvm_ctype_t *t)
{
    if (t) return tcvm__ctype_wit(b, t);
    return tcvm__buf_append(b, "_", 1);
}

tcvm_status_t tcvm__ctype_wit(tcvm_buf_t *b, const tcvm_ctype_t *t)
{
    switch (t->kind) {
    case TCVM_CT_LIST:
        TRY(tcvm__buf_append(b, "list<", 5));
        TRY(tcvm__ctype_wit(b, t->members[0].type));
        return tcvm__buf_append(b, ">", 1);
    case TCVM_CT_OPTION:
        TRY(tcvm__buf_append(b, "option<", 7));
        TRY(tcvm__ctype_wit(b, t->members[1].type));
        return tcvm__buf_append(b, ">", 1);
    case TCVM_CT_RESULT:
        if (!t->members[0].type && !t->members[1].type) return tcvm__buf_append(b, "result", 6);
        TRY(tcvm__buf_append(b, "result<", 7));
        if (!t->members[1].type) {
            TRY(tcvm__ctype_wit(b, t->members[0].type));
        } else {
            TRY(wit_opt(b, t->members[0].type));
            TRY(tcvm__buf_append(b, ", ", 2));
            TRY(tcvm__ctype_wit(b, t->members[1].type));
        }
        return tcvm__buf_append(b, ">", 1);
    case TCVM_CT_TUPLE:
        TRY(tcvm__buf_append(b, "tuple<", 6));
        for (uint32_t i = 0; i < t->count; i++) {
            if (i) TRY(tcvm__buf_append(b, ", ", 2));
            TRY(tcvm__ctype_wit(b, t->members[i].type));
        }
        return tcvm__buf_append(b, ">", 1);
    case TCVM_CT_RECORD:
    case TCVM_CT_VARIANT:
    case TCVM_CT_ENUM:
    case TCVM_CT_FLAGS:
        TRY(tcvm__buf_printf(b, "%s { ", tcvm_ctype_kind_name(t->kind)));
        for (uint32_t i = 0; i < t->count; i++) {
            if (i) TRY(tcvm__buf_append(b, ", ", 2));
            TRY(tcvm__wit_label(b, t->members[i].label, t->members[i].label_size));
            if (t->kind == TCVM_CT_RECORD) {
                TRY(tcvm__buf_append(b, ": ", 2));
                TRY(tcvm__ctype_wit(b, t->members[i].type));
            } else if (t->kind == TCVM_CT_VARIANT && t->members[i].type) {
                TRY(tcvm__buf_append(b, "(", 1));
                TRY(tcvm__ctype_wit(b, t->members[i].type));
                TRY(tcvm__buf_append(b, ")", 1));
            }
        }
        return tcvm__buf_append(b, " }", 2);
    case TCVM_CT_OWN:
    case TCVM_CT_BORROW:
        if (t->rname) {
            if (t->kind == TCVM_CT_BORROW) TRY(tcvm__buf_append(b, "borrow<", 7));
            TRY(tcvm__wit_label(b, t->rname, t->rname_size));
            return t->kind == TCVM_CT_BORROW ? tcvm__buf_append(b, ">", 1) : TCVM_OK;
        }
        return tcvm__buf_printf(b, "%s<%" PRIu32 ">", tcvm_ctype_kind_name(t->kind), t->resource);
    default:
        return tcvm__buf_printf(b, "%s", tcvm_ctype_kind_name(t->kind));
    }
}

tcvm_status_t tcvm__cfunctype_wit(tcvm_buf_t *b, const tcvm_cfunctype_t *ft)
{
    TRY(tcvm__buf_append(b, "func(", 5));
    for (uint32_t i = 0; i < ft->param_count; i++) {
        if (i) TRY(tcvm__buf_append(b, ", ", 2));
        TRY(tcvm__wit_label(b, ft->params[i].label, ft->params[i].label_size));
        TRY(tcvm__buf_append(b, ": ", 2));
        TRY(tcvm__ctype_wit(b, ft->params[i].type));
    }
    TRY(tcvm__buf_append(b, ")", 1));
    if (ft->result) {
        TRY(tcvm__buf_append(b, " -> ", 4));
        TRY(tcvm__ctype_wit(b, ft->result));
    }
    return TCVM_OK;
}

char *tcvm_ctype_to_wit(const tcvm_ctype_t *type)
{
    tcvm_buf_t b = {0};
    if (tcvm__ctype_wit(&b, type) != TCVM_OK) {
        tcvm__buf_free(&b);
        return NULL;
    }
    return tcvm__buf_cstr(&b);
}

char *tcvm_cfunctype_to_wit(const tcvm_cfunctype_t *ft)
{
    tcvm_buf_t b = {0};
    if (tcvm__cfunctype_wit(&b, ft) != TCVM_OK) {
        tcvm__buf_free(&b);
        return NULL;
    }
    return tcvm__buf_cstr(&b);
}

void tcvm_ctext_free(char *text)
{
    tcvm__free(text);
}

size_t tcvm_cfunctype_param_count(const tcvm_cfunctype_t *ft)
{
    return ft->param_count;
}
const char *tcvm_cfunctype_param_name(const tcvm_cfunctype_t *ft, size_t index, size_t *out_size)
{
    if (index >= ft->param_count) return NULL;
    if (out_size) *out_size = ft->params[index].label_size;
    return ft->params[index].label;
}
const tcvm_ctype_t *tcvm_cfunctype_param(const tcvm_cfunctype_t *ft, size_t index)
{
    return index < ft->param_count ? ft->params[index].type : NULL;
}
const tcvm_ctype_t *tcvm_cfunctype_result(const tcvm_cfunctype_t *ft)
{
    return ft->result;
}

/* ---- reading WIT type syntax ----------------------------------------------------------- */

typedef struct tparse {
    tcvm_ctypes_t *a;
    const char *s;
    size_t n, pos;
    tcvm_error_t *err;
    unsigned depth;
} tparse_t;

static void tp_ws(tparse_t *p)
{
    while (p->pos < p->n && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
                             p->s[p->pos] == '\r'))
        p->pos++;
}

static tcvm_status_t tp_fail(tparse_t *p, const char *what)
{
    return tcvm__errorf(p->err, TCVM_COMP_VALUE, "type text at offset %zu: expected %s", p->pos,
                        what);
}

static bool tp_eat(tparse_t *p, char c)
{
    tp_ws(p);
    if (p->pos < p->n && p->s[p->pos] == c) {
        p->pos++;
        return true;
    }
    return false;
}

/* Reads an identifier (optionally %-escaped) or "_"; returns its span. */
static bool tp_word(tparse_t *p, const char **w, size_t *wn)
{
    tp_ws(p);
    size_t st = p->pos;
    if (st < p->n && p->s[st] == '%') st++, p->pos++;
    while (p->pos < p->n) {
        char c = p->s[p->pos];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_')
            p->pos++;
        else
            break;
    }
    *w = p->s + st;
    *wn = p->pos - st;
    return *wn > 0;
}

static tcvm_status_t tp_type(tparse_t *p, const tcvm_ctype_t **out);

static tcvm_status_t tp_members(tparse_t *p, tcvm_ctype_kind_t kind, const tcvm_ctype_t **out)
{
    tcvm__cmember_t *m = NULL;
    size_t count = 0, cap = 0;
    tcvm_status_t st;
    if (!tp_eat(p, '{')) return tp_fail(p, "'{'");
    for (;;) {
        if (tp_eat(p, '}')) break;
        if (count == cap) {
            size_t nc = cap ? cap * 2 : 4;
            tcvm__cmember_t *nm = tcvm__reallocarray(m, nc, sizeof *m);
            if (!nm) {
                st = TCVM_ENOMEM;
                goto out;
            }
            m = nm, cap = nc;
        }
        tcvm__cmember_t *cur = &m[count];
        memset(cur, 0, sizeof *cur);
        if (!tp_word(p, &cur->label, &cur->label_size)) {
            st = tp_fail(p, "a label");
            goto out;
        }
        count++;
        if (kind == TCVM_CT_RECORD) {
            if (!tp_eat(p, ':')) {
                st = tp_fail(p, "':'");
                goto out;
            }
            if ((st = tp_type(p, &cur->type)) != TCVM_OK) goto out;
        } else if (kind == TCVM_CT_VARIANT && tp_eat(p, '(')) {
            if ((st = tp_type(p, &cur->type)) != TCVM_OK) goto out;
            if (!tp_eat(p, ')')) {
                st = tp_fail(p, "')'");
                goto out;
            }
        }
        if (tp_eat(p, ',')) continue;
        if (tp_eat(p, '}')) break;
        st = tp_fail(p, "',' or '}'");
        goto out;
    }
    st = tcvm__ctype_make(p->a, kind, m, count, 0, NULL, 0, out);
    if (st == TCVM_EINVAL || st == TCVM_ELIMIT)
        st = tcvm__errorf(p->err, TCVM_COMP_VALUE,
                          "type text before offset %zu: bad %s (empty, duplicate or bad labels, "
                          "too many flags, or too deep)",
                          p->pos, tcvm_ctype_kind_name(kind));
out:
    tcvm__free(m);
    return st;
}

static tcvm_status_t tp_type(tparse_t *p, const tcvm_ctype_t **out)
{
    const char *w;
    size_t wn;
    tcvm_status_t st;
    if (++p->depth > TCVM__C_MAX_TYPE_DEPTH) return tp_fail(p, "less nesting");
    size_t at = p->pos;
    if (!tp_word(p, &w, &wn)) return tp_fail(p, "a type");
#define IS(lit) (wn == sizeof(lit) - 1 && memcmp(w, lit, wn) == 0)
    for (unsigned k = 0; k <= TCVM_CT_STRING; k++) {
        if (strlen(kind_names[k]) == wn && memcmp(kind_names[k], w, wn) == 0) {
            *out = &prim_types[k];
            p->depth--;
            return TCVM_OK;
        }
    }
    if (IS("record") || IS("variant") || IS("enum") || IS("flags")) {
        tcvm_ctype_kind_t k = IS("record")    ? TCVM_CT_RECORD
                              : IS("variant") ? TCVM_CT_VARIANT
                              : IS("enum")    ? TCVM_CT_ENUM
                                              : TCVM_CT_FLAGS;
        st = tp_members(p, k, out);
        p->depth--;
        return st;
    }
    if (IS("result") && !tp_eat(p, '<')) {
        p->depth--;
        return tcvm_ctypes_result(p->a, NULL, NULL, out);
    } else if (IS("result")) {
        const tcvm_ctype_t *ok = NULL, *er = NULL;
        tp_ws(p);
        if (p->pos < p->n && p->s[p->pos] == '_') {
            p->pos++;
        } else if ((st = tp_type(p, &ok)) != TCVM_OK) {
            return st;
        }
        if (tp_eat(p, ',')) {
            if ((st = tp_type(p, &er)) != TCVM_OK) return st;
        }
        if (!tp_eat(p, '>')) return tp_fail(p, "'>'");
        p->depth--;
        return tcvm_ctypes_result(p->a, ok, er, out);
    }
    if (IS("list") || IS("option") || IS("tuple") || IS("own") || IS("borrow")) {
        bool tuple = IS("tuple"), handle = IS("own") || IS("borrow"), list = IS("list");
        bool own = IS("own");
        if (!tp_eat(p, '<')) return tp_fail(p, "'<'");
        if (handle) {
            tp_ws(p);
            uint64_t id = 0;
            size_t st0 = p->pos;
            while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9' && id < 1u << 31)
                id = id * 10 + (uint64_t)(p->s[p->pos++] - '0');
            if (p->pos == st0 || id == 0 || id > UINT32_MAX) return tp_fail(p, "a resource id");
            if (!tp_eat(p, '>')) return tp_fail(p, "'>'");
            p->depth--;
            return own ? tcvm_ctypes_own(p->a, (uint32_t)id, out)
                       : tcvm_ctypes_borrow(p->a, (uint32_t)id, out);
        }
        const tcvm_ctype_t *elems[64];
        size_t ne = 0;
        do {
            if (ne == TCVM__ARRAY_COUNT(elems) || (!tuple && ne == 1)) return tp_fail(p, "'>'");
            if ((st = tp_type(p, &elems[ne])) != TCVM_OK) return st;
            ne++;
        } while (tp_eat(p, ','));
        if (!tp_eat(p, '>')) return tp_fail(p, "'>'");
        p->depth--;
        if (tuple) return tcvm_ctypes_tuple(p->a, ne, elems, out);
        if (list) return tcvm_ctypes_list(p->a, elems[0], out);
        return tcvm_ctypes_option(p->a, elems[0], out);
    }
#undef IS
    p->pos = at;
    return tp_fail(p, "a WIT type");
}

tcvm_status_t tcvm_ctypes_parse(tcvm_ctypes_t *a, const char *text, size_t text_size,
                                const tcvm_ctype_t **out_type, tcvm_error_t *err)
{
    tparse_t p = {a, text, text_size, 0, err, 0};
    const tcvm_ctype_t *t;
    tcvm_status_t st = tp_type(&p, &t);
    if (st != TCVM_OK) {
        if (st == TCVM_EINVAL || st == TCVM_ELIMIT)
            st = tcvm__errorf(err, TCVM_COMP_VALUE, "type text: invalid type before offset %zu",
                              p.pos);
        return st;
    }
    tp_ws(&p);
    if (p.pos != p.n) return tp_fail(&p, "end of text");
    *out_type = t;
    return TCVM_OK;
}

/* ---- values ---------------------------------------------------------------------------- */

float tcvm__canon_f32(float f)
{
    return isnan(f) ? NAN : f;
}
double tcvm__canon_f64(double f)
{
    return isnan(f) ? (double)NAN : f;
}

tcvm_cval_t tcvm_cval_bool(bool v)
{
    tcvm_cval_t r = {.kind = TCVM_CT_BOOL};
    r.of.b = v;
    return r;
}
tcvm_cval_t tcvm_cval_s(tcvm_ctype_kind_t kind, int64_t v)
{
    tcvm_cval_t r = {.kind = kind};
    r.of.s = v;
    return r;
}
tcvm_cval_t tcvm_cval_u(tcvm_ctype_kind_t kind, uint64_t v)
{
    tcvm_cval_t r = {.kind = kind};
    r.of.u = v;
    return r;
}
tcvm_cval_t tcvm_cval_f32(float v)
{
    tcvm_cval_t r = {.kind = TCVM_CT_F32};
    r.of.f32 = v;
    return r;
}
tcvm_cval_t tcvm_cval_f64(double v)
{
    tcvm_cval_t r = {.kind = TCVM_CT_F64};
    r.of.f64 = v;
    return r;
}
tcvm_cval_t tcvm_cval_char(uint32_t scalar)
{
    tcvm_cval_t r = {.kind = TCVM_CT_CHAR};
    r.of.ch = scalar;
    return r;
}
tcvm_cval_t tcvm_cval_flags(uint32_t bits)
{
    tcvm_cval_t r = {.kind = TCVM_CT_FLAGS};
    r.of.flags = bits;
    return r;
}
tcvm_cval_t tcvm_cval_handle(tcvm_ctype_kind_t kind, uint32_t handle)
{
    tcvm_cval_t r = {.kind = kind};
    r.of.handle = handle;
    return r;
}

tcvm_status_t tcvm_cval_string(const char *utf8, size_t size, tcvm_cval_t *out_val)
{
    if (!tcvm__utf8_valid((const uint8_t *)utf8, size)) return TCVM_EINVAL;
    char *d = tcvm__malloc(size ? size : 1);
    if (!d) return TCVM_ENOMEM;
    if (size) memcpy(d, utf8, size);
    memset(out_val, 0, sizeof *out_val);
    out_val->kind = TCVM_CT_STRING;
    out_val->of.str.data = d;
    out_val->of.str.size = size;
    return TCVM_OK;
}

tcvm_status_t tcvm_cval_seq(tcvm_ctype_kind_t kind, size_t count, tcvm_cval_t *out_val)
{
    if (kind != TCVM_CT_LIST && kind != TCVM_CT_RECORD && kind != TCVM_CT_TUPLE) return TCVM_EINVAL;
    tcvm_cval_t *items = tcvm__calloc(count ? count : 1, sizeof *items);
    if (!items) return TCVM_ENOMEM;
    memset(out_val, 0, sizeof *out_val);
    out_val->kind = kind;
    out_val->of.seq.items = items;
    out_val->of.seq.count = count;
    return TCVM_OK;
}

tcvm_status_t tcvm_cval_case(tcvm_ctype_kind_t kind, uint32_t index, const tcvm_cval_t *payload,
                             tcvm_cval_t *out_val)
{
    if (!is_case_kind(kind)) return TCVM_EINVAL;
    tcvm_cval_t *p = NULL;
    if (payload) {
        p = tcvm__malloc(sizeof *p);
        if (!p) return TCVM_ENOMEM;
        *p = *payload;
    }
    memset(out_val, 0, sizeof *out_val);
    out_val->kind = kind;
    out_val->of.var.index = index;
    out_val->of.var.payload = p;
    return TCVM_OK;
}

void tcvm_cval_clear(tcvm_cval_t *v)
{
    if (!v) return;
    switch (v->kind) {
    case TCVM_CT_STRING:
        tcvm__free(v->of.str.data);
        break;
    case TCVM_CT_LIST:
    case TCVM_CT_RECORD:
    case TCVM_CT_TUPLE:
        if (v->of.seq.items) {
            tcvm_cval_clear_array(v->of.seq.items, v->of.seq.count);
            tcvm__free(v->of.seq.items);
        }
        break;
    case TCVM_CT_VARIANT:
    case TCVM_CT_ENUM:
    case TCVM_CT_OPTION:
    case TCVM_CT_RESULT:
        if (v->of.var.payload) {
            tcvm_cval_clear(v->of.var.payload);
            tcvm__free(v->of.var.payload);
        }
        break;
    default:
        break;
    }
    memset(v, 0, sizeof *v);
}

void tcvm_cval_clear_array(tcvm_cval_t *vals, size_t count)
{
    for (size_t i = 0; vals && i < count; i++)
        tcvm_cval_clear(&vals[i]);
}

tcvm_status_t tcvm_cval_copy(const tcvm_cval_t *src, tcvm_cval_t *out)
{
    tcvm_status_t st;
    switch (src->kind) {
    case TCVM_CT_STRING: {
        char *d = tcvm__memdup(src->of.str.data ? src->of.str.data : "", src->of.str.size);
        if (!d) return TCVM_ENOMEM;
        *out = *src;
        out->of.str.data = d;
        return TCVM_OK;
    }
    case TCVM_CT_LIST:
    case TCVM_CT_RECORD:
    case TCVM_CT_TUPLE: {
        tcvm_cval_t r;
        if ((st = tcvm_cval_seq(src->kind, src->of.seq.count, &r)) != TCVM_OK) return st;
        for (size_t i = 0; i < src->of.seq.count; i++) {
            if ((st = tcvm_cval_copy(&src->of.seq.items[i], &r.of.seq.items[i])) != TCVM_OK) {
                tcvm_cval_clear(&r);
                return st;
            }
        }
        *out = r;
        return TCVM_OK;
    }
    case TCVM_CT_VARIANT:
    case TCVM_CT_ENUM:
    case TCVM_CT_OPTION:
    case TCVM_CT_RESULT: {
        tcvm_cval_t pc, *pp = NULL;
        if (src->of.var.payload) {
            if ((st = tcvm_cval_copy(src->of.var.payload, &pc)) != TCVM_OK) return st;
            pp = &pc;
        }
        st = tcvm_cval_case(src->kind, src->of.var.index, pp, out);
        if (st != TCVM_OK && pp) tcvm_cval_clear(pp);
        return st;
    }
    default:
        *out = *src;
        return TCVM_OK;
    }
}

bool tcvm_cval_equal(const tcvm_cval_t *a, const tcvm_cval_t *b)
{
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case TCVM_CT_BOOL:
        return a->of.b == b->of.b;
    case TCVM_CT_S8:
    case TCVM_CT_S16:
    case TCVM_CT_S32:
    case TCVM_CT_S64:
        return a->of.s == b->of.s;
    case TCVM_CT_U8:
    case TCVM_CT_U16:
    case TCVM_CT_U32:
    case TCVM_CT_U64:
        return a->of.u == b->of.u;
    case TCVM_CT_F32: {
        float x = tcvm__canon_f32(a->of.f32), y = tcvm__canon_f32(b->of.f32);
        return memcmp(&x, &y, sizeof x) == 0;
    }
    case TCVM_CT_F64: {
        double x = tcvm__canon_f64(a->of.f64), y = tcvm__canon_f64(b->of.f64);
        return memcmp(&x, &y, sizeof x) == 0;
    }
    case TCVM_CT_CHAR:
        return a->of.ch == b->of.ch;
    case TCVM_CT_STRING:
        return a->of.str.size == b->of.str.size &&
               (a->of.str.size == 0 || memcmp(a->of.str.data, b->of.str.data, a->of.str.size) == 0);
    case TCVM_CT_LIST:
    case TCVM_CT_RECORD:
    case TCVM_CT_TUPLE:
        if (a->of.seq.count != b->of.seq.count) return false;
        for (size_t i = 0; i < a->of.seq.count; i++)
            if (!tcvm_cval_equal(&a->of.seq.items[i], &b->of.seq.items[i])) return false;
        return true;
    case TCVM_CT_FLAGS:
        return a->of.flags == b->of.flags;
    case TCVM_CT_OWN:
    case TCVM_CT_BORROW:
        return a->of.handle == b->of.handle;
    default:
        if (a->of.var.index != b->of.var.index) return false;
        if ((a->of.var.payload == NULL) != (b->of.var.payload == NULL)) return false;
        return !a->of.var.payload || tcvm_cval_equal(a->of.var.payload, b->of.var.payload);
    }
}

static tcvm_status_t check(const tcvm_ctype_t *t, const tcvm_cval_t *v, tcvm_error_t *err,
                           unsigned depth)
{
    if (depth > TCVM__C_MAX_TYPE_DEPTH + 1)
        return tcvm__errorf(err, TCVM_WASM_TYPE, "value nested too deeply");
    if (v->kind != t->kind)
        return tcvm__errorf(err, TCVM_WASM_TYPE, "value of kind %s where %s is expected",
                            tcvm_ctype_kind_name(v->kind), tcvm_ctype_kind_name(t->kind));
    switch (t->kind) {
    case TCVM_CT_S8:
        if (v->of.s < INT8_MIN || v->of.s > INT8_MAX) goto range;
        return TCVM_OK;
    case TCVM_CT_S16:
        if (v->of.s < INT16_MIN || v->of.s > INT16_MAX) goto range;
        return TCVM_OK;
    case TCVM_CT_S32:
        if (v->of.s < INT32_MIN || v->of.s > INT32_MAX) goto range;
        return TCVM_OK;
    case TCVM_CT_U8:
        if (v->of.u > UINT8_MAX) goto range;
        return TCVM_OK;
    case TCVM_CT_U16:
        if (v->of.u > UINT16_MAX) goto range;
        return TCVM_OK;
    case TCVM_CT_U32:
        if (v->of.u > UINT32_MAX) goto range;
        return TCVM_OK;
    case TCVM_CT_CHAR:
        if (v->of.ch >= 0x110000 || (v->of.ch >= 0xD800 && v->of.ch < 0xE000))
            return tcvm__errorf(err, TCVM_WASM_TYPE, "char U+%04" PRIX32 " is not a scalar value",
                                v->of.ch);
        return TCVM_OK;
    case TCVM_CT_STRING:
        if (v->of.str.size && !v->of.str.data) goto bad;
        if (!tcvm__utf8_valid((const uint8_t *)v->of.str.data, v->of.str.size))
            return tcvm__errorf(err, TCVM_WASM_TYPE, "string is not valid UTF-8");
        return TCVM_OK;
    case TCVM_CT_LIST:
        if (v->of.seq.count && !v->of.seq.items) goto bad;
        for (size_t i = 0; i < v->of.seq.count; i++)
            TRY(check(t->members[0].type, &v->of.seq.items[i], err, depth + 1));
        return TCVM_OK;
    case TCVM_CT_RECORD:
    case TCVM_CT_TUPLE:
        if (v->of.seq.count != t->count || !v->of.seq.items)
            return tcvm__errorf(err, TCVM_WASM_TYPE,
                                "%s of %zu fields where %" PRIu32 " are expected",
                                tcvm_ctype_kind_name(t->kind), v->of.seq.count, t->count);
        for (size_t i = 0; i < t->count; i++)
            TRY(check(t->members[i].type, &v->of.seq.items[i], err, depth + 1));
        return TCVM_OK;
    case TCVM_CT_FLAGS:
        if (t->count < 32 && (v->of.flags >> t->count) != 0)
            return tcvm__errorf(err, TCVM_WASM_TYPE, "flags bit beyond the %" PRIu32 " labels",
                                t->count);
        return TCVM_OK;
    case TCVM_CT_VARIANT:
    case TCVM_CT_ENUM:
    case TCVM_CT_OPTION:
    case TCVM_CT_RESULT: {
        if (v->of.var.index >= t->count)
            return tcvm__errorf(err, TCVM_WASM_TYPE,
                                "case %" PRIu32 " of a %s with %" PRIu32 " cases", v->of.var.index,
                                tcvm_ctype_kind_name(t->kind), t->count);
        const tcvm_ctype_t *pt = t->members[v->of.var.index].type;
        if ((pt == NULL) != (v->of.var.payload == NULL))
            return tcvm__errorf(err, TCVM_WASM_TYPE, "case %" PRIu32 " %s a payload",
                                v->of.var.index, pt ? "needs" : "has no");
        return pt ? check(pt, v->of.var.payload, err, depth + 1) : TCVM_OK;
    }
    default:
        return TCVM_OK;
    }
range:
    return tcvm__errorf(err, TCVM_WASM_TYPE, "value out of range for %s",
                        tcvm_ctype_kind_name(t->kind));
bad:
    return tcvm__errorf(err, TCVM_WASM_TYPE, "malformed %s value", tcvm_ctype_kind_name(t->kind));
}

tcvm_status_t tcvm_cval_check(const tcvm_ctype_t *type, const tcvm_cval_t *val, tcvm_error_t *err)
{
    return check(type, val, err, 0);
}
