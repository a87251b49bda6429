/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Type matching for instantiation arguments, and resource substitution. When a component is
 * instantiated inside another, each argument must match the child's import: same sort, value
 * types structurally equal, function types equal parameter by parameter (names included),
 * instance types providing every export the import lists. The child's abstract imported
 * resources are bound to the argument's resources as the imports are checked in order, and that
 * binding is then applied to the child's exports, so the parent sees its own resource types in
 * them (and `own`/`borrow` of those resources compare equal to its own). Value types the child
 * imported are bound to the arguments' types the same way, so the parent sees its own types (by
 * identity) in the child's exports.
 *
 * And the external visibility rule (tcvm__named_add): what a component imports or exports may
 * only mention record, variant, enum, flags and resource types that the component itself
 * imported or exported under a name (for bindings generators, every such type needs one).
 */
#include "component/comp_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

/* ---- identity maps --------------------------------------------------------------------- */

static uint32_t idmap_slot(uint64_t key, uint32_t cap)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdull;
    key ^= key >> 33;
    return (uint32_t)key & (cap - 1);
}

tcvm_status_t tcvm__idmap_put(tcvm__idmap_t *m, uint64_t key, const void *val)
{
    if ((uint64_t)(m->count + 1) * 2 > m->cap) {
        uint32_t nc = m->cap ? m->cap * 2 : 64;
        if (nc <= m->cap) return TCVM_ELIMIT;
        uint64_t *nk = tcvm__calloc(nc, sizeof *nk);
        const void **nv = tcvm__calloc(nc, sizeof *nv);
        if (!nk || !nv) {
            tcvm__free(nk);
            tcvm__free((void *)nv);
            return TCVM_ENOMEM;
        }
        for (uint32_t i = 0; i < m->cap; i++) {
            if (!m->keys[i]) continue;
            uint32_t j = idmap_slot(m->keys[i], nc);
            while (nk[j])
                j = (j + 1) & (nc - 1);
            nk[j] = m->keys[i];
            nv[j] = m->vals[i];
        }
        tcvm__free(m->keys);
        tcvm__free((void *)m->vals);
        m->keys = nk;
        m->vals = nv;
        m->cap = nc;
    }
    uint32_t j = idmap_slot(key, m->cap);
    while (m->keys[j] && m->keys[j] != key)
        j = (j + 1) & (m->cap - 1);
    if (!m->keys[j]) m->count++;
    m->keys[j] = key;
    m->vals[j] = val;
    return TCVM_OK;
}

static int64_t idmap_find(const tcvm__idmap_t *m, uint64_t key)
{
    if (!m->cap || !key) return -1;
    for (uint32_t j = idmap_slot(key, m->cap); m->keys[j]; j = (j + 1) & (m->cap - 1))
        if (m->keys[j] == key) return j;
    return -1;
}

const void *tcvm__idmap_get(const tcvm__idmap_t *m, uint64_t key)
{
    int64_t j = idmap_find(m, key);
    return j < 0 ? NULL : m->vals[j];
}

bool tcvm__idmap_has(const tcvm__idmap_t *m, uint64_t key)
{
    return idmap_find(m, key) >= 0;
}

void tcvm__idmap_free(tcvm__idmap_t *m)
{
    tcvm__free(m->keys);
    tcvm__free((void *)m->vals);
    memset(m, 0, sizeof *m);
}

static uint64_t type_key(const tcvm_ctype_t *t)
{
    return (uint64_t)(uintptr_t)t; /* aligned: the low bit is 0 */
}

uint64_t tcvm__resource_key(uint32_t resource, uint32_t tag)
{
    return (uint64_t)tag << 33 | (uint64_t)resource << 1 | 1u; /* odd: never a type's key */
}

/* ---- resource substitution ------------------------------------------------------------- */

static const tcvm__tdef_t *subst_find(const tcvm__rsubst_t *m, uint32_t id)
{
    for (uint32_t i = 0; m && i < m->n; i++)
        if (m->from[i] == id) return &m->to[i];
    return NULL;
}

tcvm_status_t tcvm__rsubst_add(tcvm__rsubst_t *m, uint32_t from, const tcvm__tdef_t *to)
{
    if (m->n == m->cap) {
        uint32_t nc = m->cap ? m->cap * 2 : 8;
        uint32_t *nf = tcvm__reallocarray(m->from, nc, sizeof *nf);
        if (!nf) return TCVM_ENOMEM;
        m->from = nf;
        tcvm__tdef_t *nt = tcvm__reallocarray(m->to, nc, sizeof *nt);
        if (!nt) return TCVM_ENOMEM;
        m->to = nt;
        m->cap = nc;
    }
    m->from[m->n] = from;
    m->to[m->n] = *to;
    m->n++;
    return TCVM_OK;
}

void tcvm__rsubst_free(tcvm__rsubst_t *m)
{
    tcvm__free(m->from);
    tcvm__free(m->to);
    tcvm__idmap_free(&m->types);
    memset(m, 0, sizeof *m);
}

static bool subst_empty(const tcvm__rsubst_t *m)
{
    return m->n == 0 && m->types.count == 0;
}

static uint32_t mapped(const tcvm__rsubst_t *m, uint32_t id)
{
    const tcvm__tdef_t *t = subst_find(m, id);
    return t ? t->resource : id;
}

static bool why_false(char *why, size_t why_size, const char *fmt, ...) TCVM__PRINTF(3, 4);
static bool why_false(char *why, size_t why_size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_size, fmt, ap);
    va_end(ap);
    return false;
}
#define WHY(...) why_false(why, why_size, __VA_ARGS__)

/* Is the argument's value type `a` what the import expects (`b`, seen through m)? */
static bool val_match(const tcvm_ctype_t *a, const tcvm_ctype_t *b, const tcvm__rsubst_t *m,
                      char *why, size_t why_size)
{
    if (a == b) return true;
    if (!a || !b) return WHY("a type is missing where the other has one");
    if (a->kind != b->kind)
        return WHY("expected %s, found %s", tcvm_ctype_kind_name(b->kind),
                   tcvm_ctype_kind_name(a->kind));
    if (a->kind == TCVM_CT_OWN || a->kind == TCVM_CT_BORROW) {
        if (a->resource != mapped(m, b->resource)) return WHY("resource types are not the same");
        return true;
    }
    if (a->count != b->count)
        return WHY("%s: expected %" PRIu32 " members, found %" PRIu32,
                   tcvm_ctype_kind_name(a->kind), b->count, a->count);
    for (uint32_t i = 0; i < a->count; i++) {
        const tcvm__cmember_t *x = &a->members[i], *y = &b->members[i];
        if ((x->label == NULL) != (y->label == NULL) ||
            (x->label &&
             (x->label_size != y->label_size || memcmp(x->label, y->label, x->label_size) != 0)))
            return WHY("%s member %" PRIu32 ": names differ", tcvm_ctype_kind_name(a->kind), i);
        if ((x->type == NULL) != (y->type == NULL))
            return WHY("%s member %" PRIu32 ": payload presence differs",
                       tcvm_ctype_kind_name(a->kind), i);
        if (x->type && !val_match(x->type, y->type, m, why, why_size)) return false;
    }
    return true;
}

static bool func_match(const tcvm_cfunctype_t *a, const tcvm_cfunctype_t *b,
                       const tcvm__rsubst_t *m, char *why, size_t why_size)
{
    if (a->param_count != b->param_count)
        return WHY("expected %" PRIu32 " parameters, found %" PRIu32, b->param_count,
                   a->param_count);
    for (uint32_t i = 0; i < a->param_count; i++) {
        if (a->params[i].label_size != b->params[i].label_size ||
            memcmp(a->params[i].label, b->params[i].label, a->params[i].label_size) != 0)
            return WHY("expected parameter named `%s`, found `%s`", b->params[i].label,
                       a->params[i].label);
        if (!val_match(a->params[i].type, b->params[i].type, m, why, why_size)) return false;
    }
    if ((a->result == NULL) != (b->result == NULL))
        return WHY("%s", b->result ? "expected a result, found none" : "expected no result");
    return !a->result || val_match(a->result, b->result, m, why, why_size);
}

bool tcvm__core_functype_equal(const tcvm_functype_t *a, const tcvm_functype_t *b)
{
    if (a->param_count != b->param_count || a->result_count != b->result_count) return false;
    for (uint32_t i = 0; i < a->param_count; i++)
        if (a->params[i] != b->params[i]) return false;
    for (uint32_t i = 0; i < a->result_count; i++)
        if (a->results[i] != b->results[i]) return false;
    return true;
}

/* Does a core item of type have match one of type want (function types equal, limits within,
 * globals and table element types equal)? */
static bool core_match(const tcvm_externtype_t *have, const tcvm_externtype_t *want)
{
    if (have->kind != want->kind) return false;
    switch (have->kind) {
    case TCVM_EXTERN_FUNC:
        return tcvm__core_functype_equal(&have->of.func, &want->of.func);
    case TCVM_EXTERN_GLOBAL:
        return have->of.global.type == want->of.global.type &&
               have->of.global.is_mutable == want->of.global.is_mutable;
    case TCVM_EXTERN_MEMORY:
    case TCVM_EXTERN_TABLE: {
        const tcvm_limits_t *h =
            have->kind == TCVM_EXTERN_MEMORY ? &have->of.memory.limits : &have->of.table.limits;
        const tcvm_limits_t *w =
            have->kind == TCVM_EXTERN_MEMORY ? &want->of.memory.limits : &want->of.table.limits;
        if (have->kind == TCVM_EXTERN_TABLE && have->of.table.elem != want->of.table.elem)
            return false;
        return h->min >= w->min && (!w->has_max || (h->has_max && h->max <= w->max));
    }
    }
    return false;
}

static const tcvm__cext_t *find(const tcvm__cext_t *list, uint32_t n, const char *name, size_t size)
{
    for (uint32_t i = 0; i < n; i++)
        if (list[i].name_size == size && memcmp(list[i].name, name, size) == 0) return &list[i];
    return NULL;
}

tcvm_status_t tcvm__match(uint8_t sort, const tcvm__tdef_t *arg, const tcvm__tdef_t *imp,
                          tcvm__rsubst_t *m, char *why, size_t why_size)
{
    switch (sort) {
    case TCVM__S_TYPE:
        if (imp->kind == TCVM__TD_RESOURCE) {
            if (arg->kind != TCVM__TD_RESOURCE) {
                WHY("expected resource, found defined type");
                return TCVM_COMP_INVALID;
            }
            const tcvm__tdef_t *prev = subst_find(m, imp->resource);
            if (prev) {
                if (prev->resource != arg->resource) {
                    WHY("resource types are not the same");
                    return TCVM_COMP_INVALID;
                }
                return TCVM_OK;
            }
            return tcvm__rsubst_add(m, imp->resource, arg);
        }
        if (arg->kind == TCVM__TD_RESOURCE) {
            WHY("expected defined type, found resource");
            return TCVM_COMP_INVALID;
        }
        if (imp->kind == TCVM__TD_VAL && arg->kind == TCVM__TD_VAL) {
            if (!val_match(arg->val, imp->val, m, why, why_size)) return TCVM_COMP_INVALID;
            /* the import's type is the argument's from now on (by identity too) */
            if (imp->val != arg->val && imp->val->kind > TCVM_CT_STRING)
                return tcvm__idmap_put(&m->types, type_key(imp->val), arg->val);
        }
        return TCVM_OK;
    case TCVM__S_FUNC:
        return func_match(arg->func, imp->func, m, why, why_size) ? TCVM_OK : TCVM_COMP_INVALID;
    case TCVM__S_INSTANCE: {
        const tcvm_cinsttype_t *ai = arg->inst, *bi = imp->inst;
        for (uint32_t i = 0; i < bi->count; i++) {
            const tcvm__cext_t *want = &bi->exports[i];
            const tcvm__cext_t *have = find(ai->exports, ai->count, want->name, want->name_size);
            if (!have) {
                WHY("missing expected export `%s`", want->name);
                return TCVM_COMP_INVALID;
            }
            if (have->sort != want->sort) {
                WHY("instance export `%s` has the wrong sort", want->name);
                return TCVM_COMP_INVALID;
            }
            tcvm_status_t st = tcvm__match(want->sort, &have->td, &want->td, m, why, why_size);
            if (st != TCVM_OK) return st;
        }
        return TCVM_OK;
    }
    case TCVM__S_CORE_MODULE: {
        const tcvm__coremod_t *am = arg->coremod, *bm = imp->coremod;
        if (!am || !bm) return TCVM_OK;
        for (uint32_t i = 0; i < bm->export_count; i++) {
            const tcvm__core_ext_t *want = &bm->exports[i];
            const tcvm__core_ext_t *have = NULL;
            for (uint32_t j = 0; j < am->export_count && !have; j++)
                if (am->exports[j].name_size == want->name_size &&
                    memcmp(am->exports[j].name, want->name, want->name_size) == 0)
                    have = &am->exports[j];
            if (!have) {
                WHY("missing expected export `%.*s`", (int)want->name_size, want->name);
                return TCVM_COMP_INVALID;
            }
            if (!core_match(&have->type, &want->type)) {
                WHY("type mismatch in export `%.*s`", (int)want->name_size, want->name);
                return TCVM_COMP_INVALID;
            }
        }
        for (uint32_t i = 0; i < am->import_count; i++) {
            const tcvm__core_ext_t *need = &am->imports[i];
            const tcvm__core_ext_t *decl = NULL;
            for (uint32_t j = 0; j < bm->import_count && !decl; j++)
                if (bm->imports[j].module_size == need->module_size &&
                    bm->imports[j].name_size == need->name_size &&
                    memcmp(bm->imports[j].module, need->module, need->module_size) == 0 &&
                    memcmp(bm->imports[j].name, need->name, need->name_size) == 0)
                    decl = &bm->imports[j];
            if (!decl) {
                WHY("missing expected import `%.*s::%.*s`", (int)need->module_size, need->module,
                    (int)need->name_size, need->name);
                return TCVM_COMP_INVALID;
            }
            if (!core_match(&decl->type, &need->type)) {
                WHY("type mismatch in import `%.*s::%.*s`", (int)need->module_size, need->module,
                    (int)need->name_size, need->name);
                return TCVM_COMP_INVALID;
            }
        }
        return TCVM_OK;
    }
    default:
        return TCVM_OK;
    }
}

/* ---- substitution ---------------------------------------------------------------------- */

static tcvm_status_t subst_val(tcvm_ctypes_t *a, tcvm__rsubst_t *m, const tcvm_ctype_t *t,
                               const tcvm_ctype_t **out)
{
    *out = t;
    if (!t || t->kind <= TCVM_CT_STRING || subst_empty(m)) return TCVM_OK;
    const tcvm_ctype_t *seen = tcvm__idmap_get(&m->types, type_key(t));
    if (seen) {
        *out = seen;
        return TCVM_OK;
    }
    tcvm_status_t st = TCVM_OK;
    if (t->kind == TCVM_CT_OWN || t->kind == TCVM_CT_BORROW) {
        const tcvm__tdef_t *to = subst_find(m, t->resource);
        if (!to) return TCVM_OK;
        /* the handle keeps its tag (which naming it was made from), takes the new resource */
        st = tcvm__ctype_handle(a, t->kind, to->resource, t->tag, to->rname ? to->rname : t->rname,
                                to->rname ? to->rname_size : t->rname_size, out);
    } else {
        tcvm__cmember_t *mm = tcvm__calloc(t->count, sizeof *mm);
        if (!mm) return TCVM_ENOMEM;
        bool changed = false;
        for (uint32_t i = 0; i < t->count && st == TCVM_OK; i++) {
            mm[i] = t->members[i];
            st = subst_val(a, m, t->members[i].type, &mm[i].type);
            changed |= mm[i].type != t->members[i].type;
        }
        if (st == TCVM_OK && changed)
            st = tcvm__ctype_make(a, t->kind, mm, t->count, 0, NULL, 0, out);
        tcvm__free(mm);
    }
    /* a type reached again maps to the same new type */
    if (st == TCVM_OK && *out != t) st = tcvm__idmap_put(&m->types, type_key(t), *out);
    return st;
}

static tcvm_status_t subst_func(tcvm_ctypes_t *a, tcvm__rsubst_t *m, const tcvm_cfunctype_t *f,
                                const tcvm_cfunctype_t **out)
{
    *out = f;
    if (subst_empty(m)) return TCVM_OK;
    tcvm__cmember_t *pm = tcvm__calloc(f->param_count ? f->param_count : 1, sizeof *pm);
    if (!pm) return TCVM_ENOMEM;
    bool changed = false;
    tcvm_status_t st = TCVM_OK;
    for (uint32_t i = 0; i < f->param_count && st == TCVM_OK; i++) {
        pm[i] = f->params[i];
        st = subst_val(a, m, f->params[i].type, &pm[i].type);
        changed |= pm[i].type != f->params[i].type;
    }
    const tcvm_ctype_t *r = f->result;
    if (st == TCVM_OK) st = subst_val(a, m, f->result, &r);
    changed |= r != f->result;
    if (st == TCVM_OK && changed) st = tcvm__cfunctype_make(a, pm, f->param_count, r, out);
    tcvm__free(pm);
    return st;
}

uint64_t tcvm__tdef_size(const tcvm__tdef_t *td)
{
    uint64_t n = 1;
    switch (td->kind) {
    case TCVM__TD_VAL:
        return td->val ? td->val->nodes : 1;
    case TCVM__TD_FUNC:
        for (uint32_t i = 0; i < td->func->param_count; i++)
            n += 1 + td->func->params[i].type->nodes;
        return n + (td->func->result ? td->func->result->nodes : 0);
    case TCVM__TD_INST:
        return td->inst->size;
    case TCVM__TD_COMP:
        return td->comp->size;
    default:
        return 1;
    }
}

tcvm_status_t tcvm__subst_tdef(tcvm_ctypes_t *a, tcvm__rsubst_t *m,
                               void *(*alloc)(void *ctx, size_t size), void *ctx, tcvm__tdef_t *td)
{
    if (subst_empty(m)) return TCVM_OK; /* nothing to substitute: share the type */
    switch (td->kind) {
    case TCVM__TD_RESOURCE: {
        const tcvm__tdef_t *to = subst_find(m, td->resource);
        if (to) {
            const char *n = td->rname;
            size_t ns = td->rname_size;
            uint32_t tag = td->tag; /* the naming stays; the resource is the argument's */
            *td = *to;
            td->tag = tag;
            if (n) td->rname = n, td->rname_size = ns;
        } else {
            td->local = false;
        }
        return TCVM_OK;
    }
    case TCVM__TD_VAL:
        return subst_val(a, m, td->val, &td->val);
    case TCVM__TD_FUNC:
        return subst_func(a, m, td->func, &td->func);
    case TCVM__TD_INST: {
        const tcvm_cinsttype_t *it = td->inst;
        struct tcvm_cinsttype *ni = alloc(ctx, sizeof *ni);
        if (!ni) return TCVM_ENOMEM;
        ni->exports = alloc(ctx, (it->count ? it->count : 1) * sizeof *ni->exports);
        if (!ni->exports) return TCVM_ENOMEM;
        ni->count = it->count;
        ni->size = it->size;
        for (uint32_t i = 0; i < it->count; i++) {
            ni->exports[i] = it->exports[i];
            tcvm_status_t st = tcvm__subst_tdef(a, m, alloc, ctx, &ni->exports[i].td);
            if (st != TCVM_OK) return st;
        }
        td->inst = ni;
        return TCVM_OK;
    }
    default:
        return TCVM_OK;
    }
}

/* ---- resource ids a type mentions ------------------------------------------------------ */

static void add_id(uint32_t id, uint32_t *ids, uint32_t cap, uint32_t *n)
{
    for (uint32_t i = 0; i < *n && i < cap; i++)
        if (ids[i] == id) return;
    if (*n < cap) ids[*n] = id;
    (*n)++;
}

static void collect_val(const tcvm_ctype_t *t, uint32_t *ids, uint32_t cap, uint32_t *n)
{
    if (!t) return;
    if (t->kind == TCVM_CT_OWN || t->kind == TCVM_CT_BORROW) {
        add_id(t->resource, ids, cap, n);
        return;
    }
    for (uint32_t i = 0; i < t->count; i++)
        collect_val(t->members[i].type, ids, cap, n);
}

void tcvm__collect_resources(const tcvm__tdef_t *td, uint32_t *ids, uint32_t cap, uint32_t *n)
{
    tcvm__collect_resources_in(td, false, ids, cap, n);
}

void tcvm__collect_resources_in(const tcvm__tdef_t *td, bool comps, uint32_t *ids, uint32_t cap,
                                uint32_t *n)
{
    switch (td->kind) {
    case TCVM__TD_RESOURCE:
        add_id(td->resource, ids, cap, n);
        return;
    case TCVM__TD_VAL:
        collect_val(td->val, ids, cap, n);
        return;
    case TCVM__TD_FUNC:
        for (uint32_t i = 0; i < td->func->param_count; i++)
            collect_val(td->func->params[i].type, ids, cap, n);
        collect_val(td->func->result, ids, cap, n);
        return;
    case TCVM__TD_INST:
        for (uint32_t i = 0; i < td->inst->count; i++)
            tcvm__collect_resources_in(&td->inst->exports[i].td, comps, ids, cap, n);
        return;
    case TCVM__TD_COMP:
        for (uint32_t i = 0; comps && i < td->comp->import_count; i++)
            tcvm__collect_resources_in(&td->comp->imports[i].td, comps, ids, cap, n);
        for (uint32_t i = 0; comps && i < td->comp->export_count; i++)
            tcvm__collect_resources_in(&td->comp->exports[i].td, comps, ids, cap, n);
        return;
    default:
        return;
    }
}

/* ---- external visibility ----------------------------------------------------------------- */

/* Says which type t is, for messages: its kind and its first label, or its resource's name. */
static void type_desc(const tcvm_ctype_t *t, char *out, size_t size)
{
    if (t->kind == TCVM_CT_OWN || t->kind == TCVM_CT_BORROW) {
        if (t->rname)
            snprintf(out, size, "resource `%.*s` (in %s)", (int)t->rname_size, t->rname,
                     tcvm_ctype_kind_name(t->kind));
        else
            snprintf(out, size, "resource #%" PRIu32 " (in %s)", t->resource,
                     tcvm_ctype_kind_name(t->kind));
        return;
    }
    const char *what = t->kind == TCVM_CT_RECORD ? "field" : "case";
    if (t->kind == TCVM_CT_FLAGS) what = "flag";
    snprintf(out, size, "%s type (first %s `%s`)", tcvm_ctype_kind_name(t->kind), what,
             t->count && t->members[0].label ? t->members[0].label : "");
}

/* The first type t mentions that needs a name and has none in set (t itself included), or NULL.
 * Records, variants, enums and flags need one themselves; tuples, lists, options and results are
 * anonymous but their members must be named; handles need their resource named. */
static const tcvm_ctype_t *unnamed_in(const tcvm__idmap_t *set, const tcvm_ctype_t *t)
{
    if (!t || t->kind <= TCVM_CT_STRING) return NULL;
    if (tcvm__ctype_nominal(t)) return tcvm__idmap_has(set, type_key(t)) ? NULL : t;
    if (t->kind == TCVM_CT_OWN || t->kind == TCVM_CT_BORROW)
        return tcvm__idmap_has(set, tcvm__resource_key(t->resource, t->tag)) ? NULL : t;
    for (uint32_t i = 0; i < t->count; i++) {
        const tcvm_ctype_t *u = unnamed_in(set, t->members[i].type);
        if (u) return u;
    }
    return NULL;
}

/* The same, for what a type definition t refers to (its own name is being given now). */
static const tcvm_ctype_t *unnamed_under(const tcvm__idmap_t *set, const tcvm_ctype_t *t)
{
    if (!t || !tcvm__ctype_nominal(t)) return unnamed_in(set, t);
    for (uint32_t i = 0; i < t->count; i++) {
        const tcvm_ctype_t *u = unnamed_in(set, t->members[i].type);
        if (u) return u;
    }
    return NULL;
}

static bool func_named(const tcvm__idmap_t *set, const tcvm_cfunctype_t *f, char *why,
                       size_t why_size)
{
    char desc[160];
    for (uint32_t i = 0; i < f->param_count; i++) {
        const tcvm_ctype_t *u = unnamed_in(set, f->params[i].type);
        if (u) {
            type_desc(u, desc, sizeof desc);
            return WHY("parameter `%s` refers to %s", f->params[i].label, desc);
        }
    }
    const tcvm_ctype_t *u = unnamed_in(set, f->result);
    if (u) {
        type_desc(u, desc, sizeof desc);
        return WHY("the result refers to %s", desc);
    }
    return true;
}

/* Does the type definition td refer only to named types (without naming anything)? */
static bool typedef_named(const tcvm__idmap_t *set, const tcvm__tdef_t *td, char *why,
                          size_t why_size);

static bool inst_named(const tcvm__idmap_t *set, const tcvm_cinsttype_t *it, char *why,
                       size_t why_size)
{
    for (uint32_t i = 0; i < it->count; i++) {
        const tcvm__cext_t *e = &it->exports[i];
        bool ok = true;
        if (e->sort == TCVM__S_FUNC)
            ok = func_named(set, e->td.func, why, why_size);
        else if (e->sort == TCVM__S_TYPE)
            ok = typedef_named(set, &e->td, why, why_size);
        else if (e->sort == TCVM__S_INSTANCE)
            ok = inst_named(set, e->td.inst, why, why_size);
        if (!ok) {
            char inner[200];
            snprintf(inner, sizeof inner, "%s", why);
            return WHY("export `%s`: %s", e->name, inner);
        }
    }
    return true;
}

static bool typedef_named(const tcvm__idmap_t *set, const tcvm__tdef_t *td, char *why,
                          size_t why_size)
{
    switch (td->kind) {
    case TCVM__TD_VAL: {
        const tcvm_ctype_t *u = unnamed_under(set, td->val);
        if (!u) return true;
        char desc[160];
        type_desc(u, desc, sizeof desc);
        return WHY("it refers to %s", desc);
    }
    case TCVM__TD_FUNC:
        return func_named(set, td->func, why, why_size);
    case TCVM__TD_INST:
        return inst_named(set, td->inst, why, why_size);
    default: /* resources, component types (checked as they are made) */
        return true;
    }
}

/* Gives td (a type imported or exported) its name in n. */
static tcvm_status_t name_type(tcvm__named_t *n, bool import, const tcvm__tdef_t *td)
{
    uint64_t key = 0;
    if (td->kind == TCVM__TD_RESOURCE) key = tcvm__resource_key(td->resource, td->tag);
    if (td->kind == TCVM__TD_VAL && tcvm__ctype_nominal(td->val)) key = type_key(td->val);
    if (!key) return TCVM_OK; /* nothing refers to it by identity */
    tcvm_status_t st = tcvm__idmap_put(&n->exported, key, NULL);
    if (st == TCVM_OK && import) st = tcvm__idmap_put(&n->imported, key, NULL);
    return st;
}

tcvm_status_t tcvm__named_add(tcvm__named_t *n, bool import, uint8_t sort, const tcvm__tdef_t *td,
                              char *why, size_t why_size)
{
    const tcvm__idmap_t *set = import ? &n->imported : &n->exported;
    switch (sort) {
    case TCVM__S_TYPE:
        if (!typedef_named(set, td, why, why_size)) return TCVM_COMP_INVALID;
        return name_type(n, import, td);
    case TCVM__S_FUNC:
        return func_named(set, td->func, why, why_size) ? TCVM_OK : TCVM_COMP_INVALID;
    case TCVM__S_INSTANCE: {
        /* each export in turn: an instance's types are named as its exports are reached */
        const tcvm_cinsttype_t *it = td->inst;
        for (uint32_t i = 0; i < it->count; i++) {
            const tcvm__cext_t *e = &it->exports[i];
            tcvm_status_t st = tcvm__named_add(n, import, e->sort, &e->td, why, why_size);
            if (st == TCVM_COMP_INVALID) {
                char inner[200];
                snprintf(inner, sizeof inner, "%s", why);
                WHY("export `%s`: %s", e->name, inner);
            }
            if (st != TCVM_OK) return st;
        }
        return TCVM_OK;
    }
    default: /* components and core modules are closed */
        return TCVM_OK;
    }
}

void tcvm__named_free(tcvm__named_t *n)
{
    tcvm__idmap_free(&n->imported);
    tcvm__idmap_free(&n->exported);
}
