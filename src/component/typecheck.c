/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Type matching for instantiation arguments, and resource substitution. When a component is
 * instantiated inside another, each argument must match the child's import: same sort, value
 * types structurally equal, function types equal parameter by parameter (names included),
 * instance types providing every export the import lists. The child's abstract imported
 * resources are bound to the argument's resources as the imports are checked in order, and that
 * binding is then applied to the child's exports, so the parent sees its own resource types in
 * them (and `own`/`borrow` of those resources compare equal to its own).
 */
#include "component/comp_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

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
    memset(m, 0, sizeof *m);
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

/* Does a core item of type have match one of type want (function types equal, limits within,
 * globals and table element types equal)? */
static bool core_match(const tcvm_externtype_t *have, const tcvm_externtype_t *want)
{
    if (have->kind != want->kind) return false;
    switch (have->kind) {
    case TCVM_EXTERN_FUNC: {
        const tcvm_functype_t *a = &have->of.func, *b = &want->of.func;
        if (a->param_count != b->param_count || a->result_count != b->result_count) return false;
        for (uint32_t i = 0; i < a->param_count; i++)
            if (a->params[i] != b->params[i]) return false;
        for (uint32_t i = 0; i < a->result_count; i++)
            if (a->results[i] != b->results[i]) return false;
        return true;
    }
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
        if (imp->kind == TCVM__TD_VAL && arg->kind == TCVM__TD_VAL &&
            !val_match(arg->val, imp->val, m, why, why_size))
            return TCVM_COMP_INVALID;
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

static tcvm_status_t subst_val(tcvm_ctypes_t *a, const tcvm__rsubst_t *m, const tcvm_ctype_t *t,
                               const tcvm_ctype_t **out)
{
    *out = t;
    if (!t || t->kind <= TCVM_CT_STRING || m->n == 0) return TCVM_OK;
    if (t->kind == TCVM_CT_OWN || t->kind == TCVM_CT_BORROW) {
        const tcvm__tdef_t *to = subst_find(m, t->resource);
        if (!to) return TCVM_OK;
        return tcvm__ctype_make(a, t->kind, NULL, 0, to->resource, to->rname ? to->rname : t->rname,
                                to->rname ? to->rname_size : t->rname_size, out);
    }
    tcvm__cmember_t *mm = tcvm__calloc(t->count, sizeof *mm);
    if (!mm) return TCVM_ENOMEM;
    bool changed = false;
    tcvm_status_t st = TCVM_OK;
    for (uint32_t i = 0; i < t->count && st == TCVM_OK; i++) {
        mm[i] = t->members[i];
        st = subst_val(a, m, t->members[i].type, &mm[i].type);
        changed |= mm[i].type != t->members[i].type;
    }
    if (st == TCVM_OK && changed) st = tcvm__ctype_make(a, t->kind, mm, t->count, 0, NULL, 0, out);
    tcvm__free(mm);
    return st;
}

static tcvm_status_t subst_func(tcvm_ctypes_t *a, const tcvm__rsubst_t *m,
                                const tcvm_cfunctype_t *f, const tcvm_cfunctype_t **out)
{
    *out = f;
    if (m->n == 0) return TCVM_OK;
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

tcvm_status_t tcvm__subst_tdef(tcvm_ctypes_t *a, const tcvm__rsubst_t *m,
                               void *(*alloc)(void *ctx, size_t size), void *ctx, tcvm__tdef_t *td)
{
    if (m->n == 0) return TCVM_OK; /* nothing to substitute: share the type */
    switch (td->kind) {
    case TCVM__TD_RESOURCE: {
        const tcvm__tdef_t *to = subst_find(m, td->resource);
        if (to) {
            const char *n = td->rname;
            size_t ns = td->rname_size;
            *td = *to;
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
