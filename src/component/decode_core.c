/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The core parts of the component decoder: core value, function and module types (with the
 * imports and exports a module type declares), the types of compiled core modules, and core
 * instances (instantiation with its linking checks, and inline exports).
 */
#include "component/decode_internal.h"

#include <inttypes.h>
#include <stdlib.h>

/* ---- core types ------------------------------------------------------------------------ */

static tcvm_status_t rd_core_valtype(dec_t *d, tcvm_cursor_t *c, tcvm_valtype_t *out)
{
    uint8_t b;
    TRY(rd_u8(d, c, &b));
    switch (b) {
    case 0x7f:
    case 0x7e:
    case 0x7d:
    case 0x7c:
    case 0x70:
    case 0x6f:
        *out = (tcvm_valtype_t)b;
        return TCVM_OK;
    case 0x7b:
        return FEATURE("v128 (SIMD) is not supported");
    default:
        return FEATURE("core value type 0x%02x (GC or another proposal) is not supported", b);
    }
}

tcvm_status_t rd_core_functype(dec_t *d, tcvm_cursor_t *c, tcvm__tdef_t *out)
{
    uint32_t np, nr;
    TRY(rd_count(d, c, &np));
    if (np > 1000) return FAIL(TCVM_ELIMIT, "too many core parameters");
    tcvm_valtype_t *v = palloc(d->root, 2002 * sizeof *v);
    if (!v) return FAIL(TCVM_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < np; i++)
        TRY(rd_core_valtype(d, c, &v[i]));
    TRY(rd_count(d, c, &nr));
    if (nr > 1000 - np) return FAIL(TCVM_ELIMIT, "too many core results");
    for (uint32_t i = 0; i < nr; i++)
        TRY(rd_core_valtype(d, c, &v[np + i]));
    tcvm_functype_t *ft = palloc(d->root, sizeof *ft);
    if (!ft) return FAIL(TCVM_ENOMEM, "out of memory");
    ft->param_count = np;
    ft->result_count = nr;
    ft->params = v;
    ft->results = v + np;
    memset(out, 0, sizeof *out);
    out->kind = TCVM__TD_CORE_FUNC;
    out->corefunc = ft;
    return TCVM_OK;
}

static tcvm_status_t rd_limits(dec_t *d, tcvm_cursor_t *c, bool memory, tcvm_limits_t *out)
{
    uint8_t f;
    TRY(rd_u8(d, c, &f));
    if (memory && (f & 0x04)) return FEATURE("memory64 is not supported");
    if (memory && (f & 0x02)) return FEATURE("shared memories (threads) are not supported");
    if (f > 0x01) return MALFORMED("bad limits flags 0x%02x", f);
    TRY(rd_u32(d, c, &out->min));
    out->has_max = f & 1;
    out->max = UINT32_MAX;
    if (f & 1) TRY(rd_u32(d, c, &out->max));
    if (memory && (out->min > 65536 || (out->has_max && out->max > 65536)))
        return INVALID("memory size must be at most 65536 pages (4 GiB)");
    if (out->has_max && out->max < out->min) return INVALID("size minimum must not exceed maximum");
    return TCVM_OK;
}

static tcvm_status_t rd_core_importdesc(dec_t *d, tcvm_cursor_t *c, const tcvm_functype_t **types,
                                        uint32_t ntypes, tcvm_externtype_t *out)
{
    uint8_t k, b;
    uint32_t idx;
    memset(out, 0, sizeof *out);
    TRY(rd_u8(d, c, &k));
    switch (k) {
    case 0x00:
        TRY(rd_u32(d, c, &idx));
        if (idx >= ntypes) return INVALID("core type index %" PRIu32 " out of bounds", idx);
        out->kind = TCVM_EXTERN_FUNC;
        out->of.func = *types[idx];
        return TCVM_OK;
    case 0x01:
        TRY(rd_u8(d, c, &b));
        if (b != 0x70 && b != 0x6f) return FEATURE("table element type 0x%02x", b);
        out->kind = TCVM_EXTERN_TABLE;
        out->of.table.elem = (tcvm_valtype_t)b;
        return rd_limits(d, c, false, &out->of.table.limits);
    case 0x02:
        out->kind = TCVM_EXTERN_MEMORY;
        return rd_limits(d, c, true, &out->of.memory.limits);
    case 0x03: {
        tcvm_valtype_t vt;
        TRY(rd_core_valtype(d, c, &vt));
        TRY(rd_u8(d, c, &b));
        if (b > 1) return MALFORMED("bad global mutability 0x%02x", b);
        out->kind = TCVM_EXTERN_GLOBAL;
        out->of.global.type = vt;
        out->of.global.is_mutable = b;
        return TCVM_OK;
    }
    case 0x04:
        return FEATURE("core tags (exception handling) are not supported");
    default:
        return MALFORMED("bad core import kind 0x%02x", k);
    }
}

static tcvm_status_t rd_moduletype(dec_t *d, tcvm_cursor_t *c, scope_t *s,
                                   const tcvm__coremod_t **out)
{
    uint32_t n, ntypes = 0;
    TRY(rd_count(d, c, &n));
    tcvm__coremod_t *cm = palloc(d->root, sizeof *cm);
    const tcvm_functype_t **types = palloc(d->root, (n ? n : 1) * sizeof *types);
    tcvm__core_ext_t *imps = palloc(d->root, (n ? n : 1) * sizeof *imps);
    tcvm__core_ext_t *exps = palloc(d->root, (n ? n : 1) * sizeof *exps);
    if (!cm || !types || !imps || !exps) return FAIL(TCVM_ENOMEM, "out of memory");
    cm->imports = imps;
    cm->exports = exps;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t k;
        TRY(rd_u8(d, c, &k));
        switch (k) {
        case 0x00: {
            tcvm__core_ext_t *e = &imps[cm->import_count];
            TRY(rd_name(d, c, &e->module, &e->module_size));
            TRY(rd_name(d, c, &e->name, &e->name_size));
            TRY(rd_core_importdesc(d, c, types, ntypes, &e->type));
            for (uint32_t j = 0; j < cm->import_count; j++)
                if (imps[j].module_size == e->module_size && imps[j].name_size == e->name_size &&
                    memcmp(imps[j].module, e->module, e->module_size) == 0 &&
                    memcmp(imps[j].name, e->name, e->name_size) == 0)
                    return INVALID("duplicate import name \"%s\" \"%s\"", e->module, e->name);
            cm->import_count++;
            break;
        }
        case 0x01: {
            uint8_t f;
            tcvm__tdef_t td;
            TRY(rd_u8(d, c, &f));
            if (f == 0x50 || f == 0x4f) {
                /* GC's `sub` (a module type has no encoding for a nested one): supertypes,
                 * then a composite type, or the form is invalid whatever the features */
                uint32_t nsup, sup;
                uint8_t ct;
                TRY(rd_u32(d, c, &nsup));
                for (uint32_t q = 0; q < nsup && q < 2; q++)
                    TRY(rd_u32(d, c, &sup));
                TRY(rd_u8(d, c, &ct));
                if (nsup < 2 && ct != 0x60 && ct != 0x5f && ct != 0x5e)
                    return INVALID("invalid leading byte 0x%02x of a composite type in a "
                                   "subtype of a module type",
                                   ct);
            }
            if (f != 0x60) return FEATURE("core type 0x%02x (GC) is not supported", f);
            TRY(rd_core_functype(d, c, &td));
            types[ntypes++] = td.corefunc;
            break;
        }
        case 0x02: {
            uint8_t sort, tgt;
            uint32_t ct, idx;
            TRY(rd_u8(d, c, &sort));
            if (sort != 0x10)
                return MALFORMED("invalid outer alias kind 0x%02x in a module type", sort);
            TRY(rd_u8(d, c, &tgt));
            if (tgt != 0x01) return MALFORMED("invalid alias target 0x%02x in a module type", tgt);
            TRY(rd_u32(d, c, &ct));
            TRY(rd_u32(d, c, &idx));
            if (ct == 0) return INVALID("module type outer alias count must be at least 1");
            const scope_t *o = s;
            for (uint32_t q = 1; q < ct && o; q++)
                o = o->parent;
            if (!o)
                return INVALID("outer alias count %" PRIu32 " exceeds the enclosing scopes", ct);
            if (idx >= o->ncore_types)
                return INVALID("outer core type %" PRIu32 " out of bounds", idx);
            if (o->core_types[idx].kind != TCVM__TD_CORE_FUNC)
                return INVALID("outer alias of a module type into a module type");
            types[ntypes++] = o->core_types[idx].corefunc;
            break;
        }
        case 0x03: {
            tcvm__core_ext_t *e = &exps[cm->export_count];
            TRY(rd_name(d, c, &e->name, &e->name_size));
            TRY(rd_core_importdesc(d, c, types, ntypes, &e->type));
            for (uint32_t j = 0; j < cm->export_count; j++)
                if (exps[j].name_size == e->name_size &&
                    memcmp(exps[j].name, e->name, e->name_size) == 0)
                    return INVALID("export name \"%s\" already defined", e->name);
            cm->export_count++;
            break;
        }
        default:
            return MALFORMED("bad module type declaration 0x%02x", k);
        }
    }
    *out = cm;
    return TCVM_OK;
}

tcvm_status_t rd_core_type(dec_t *d, tcvm_cursor_t *c, scope_t *s)
{
    uint8_t f;
    tcvm__tdef_t td = {0};
    TRY(rd_u8(d, c, &f));
    if (f == 0x60) {
        TRY(rd_core_functype(d, c, &td));
    } else if (f == 0x50) {
        TRY(rd_moduletype(d, c, s, &td.coremod));
        td.kind = TCVM__TD_CORE_MODULE;
    } else if (f == 0x4e || f == 0x4f || f == 0x50 || f == 0x5f || f == 0x5e || f == 0x00) {
        return FEATURE("GC core types (rec, sub, struct, array) are not supported");
    } else {
        return MALFORMED("bad core type form 0x%02x", f);
    }
    return add_item(d, c, s, TCVM__S_CORE_TYPE, &td, NULL, NULL, NULL);
}

/* ---- core modules and instances -------------------------------------------------------- */

static tcvm_status_t module_exports(dec_t *d, tcvm_cursor_t *c, const tcvm__coremod_t *m,
                                    core_inst_t *out)
{
    uint32_t n = m->export_count;
    out->exps = tcvm__calloc(n ? n : 1, sizeof *out->exps);
    if (!out->exps) return FAIL(TCVM_ENOMEM, "out of memory");
    out->count = n;
    for (uint32_t i = 0; i < n; i++) {
        out->exps[i].name = m->exports[i].name;
        out->exps[i].name_size = m->exports[i].name_size;
        out->exps[i].type = m->exports[i].type;
    }
    return TCVM_OK;
}

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
    int r = memcmp(a, b, an < bn ? an : bn);
    if (r) return r;
    return an < bn ? -1 : an > bn;
}

static int cmp_import(const void *x, const void *y)
{
    const tcvm__core_ext_t *a = x, *b = y;
    int r = cmp_bytes(a->module, a->module_size, b->module, b->module_size);
    return r ? r : cmp_bytes(a->name, a->name_size, b->name, b->name_size);
}

/* The type of a compiled module, for validation. */
tcvm_status_t module_type(dec_t *d, tcvm_cursor_t *c, const tcvm_module_t *m,
                          const tcvm__coremod_t **out)
{
    tcvm__coremod_t *cm = palloc(d->root, sizeof *cm);
    size_t ni = tcvm_module_import_count(m), ne = tcvm_module_export_count(m);
    if (!cm) return FAIL(TCVM_ENOMEM, "out of memory");
    cm->module = m;
    cm->imports = palloc(d->root, (ni ? ni : 1) * sizeof *cm->imports);
    cm->exports = palloc(d->root, (ne ? ne : 1) * sizeof *cm->exports);
    if (!cm->imports || !cm->exports) return FAIL(TCVM_ENOMEM, "out of memory");
    for (size_t i = 0; i < ni; i++) {
        tcvm_import_desc_t im;
        if (tcvm_module_import(m, i, &im) != TCVM_OK) return FAIL(TCVM_EINTERNAL, "import");
        cm->imports[i].module = im.module;
        cm->imports[i].module_size = im.module_size;
        cm->imports[i].name = im.name;
        cm->imports[i].name_size = im.name_size;
        cm->imports[i].type = im.type;
    }
    for (size_t i = 0; i < ne; i++) {
        tcvm_export_desc_t e;
        if (tcvm_module_export(m, i, &e) != TCVM_OK) return FAIL(TCVM_EINTERNAL, "export");
        cm->exports[i].name = e.name;
        cm->exports[i].name_size = e.name_size;
        cm->exports[i].type = e.type;
    }
    cm->import_count = (uint32_t)ni;
    cm->export_count = (uint32_t)ne;
    /* duplicate two-level import names would mangle to the same name: refused */
    tcvm__core_ext_t *sorted = tcvm__calloc(ni ? ni : 1, sizeof *sorted);
    if (!sorted) return FAIL(TCVM_ENOMEM, "out of memory");
    if (ni) memcpy(sorted, cm->imports, ni * sizeof *sorted);
    qsort(sorted, ni, sizeof *sorted, cmp_import);
    for (size_t i = 1; i < ni; i++) {
        if (cmp_import(&sorted[i - 1], &sorted[i]) == 0) {
            tcvm_status_t st = INVALID("core module: duplicate import name \"%.*s\" \"%.*s\"",
                                       (int)sorted[i].module_size, sorted[i].module,
                                       (int)sorted[i].name_size, sorted[i].name);
            tcvm__free(sorted);
            return st;
        }
    }
    tcvm__free(sorted);
    *out = cm;
    return TCVM_OK;
}

tcvm_status_t rd_core_instance(dec_t *d, tcvm_cursor_t *c, scope_t *s)
{
    uint8_t k;
    uint32_t n;
    tcvm__cdef_t def = {0};
    core_inst_t ci = {0};
    TRY(rd_u8(d, c, &k));
    def.sort = TCVM__S_CORE_INSTANCE;
    if (k == 0x00) {
        uint32_t midx;
        TRY(rd_u32(d, c, &midx));
        TRY(check_idx(d, c, s, TCVM__S_CORE_MODULE, midx));
        TRY(rd_count(d, c, &n));
        def.op = TCVM__D_CORE_INST;
        def.a = midx;
        def.args = palloc(d->root, (n ? n : 1) * sizeof *def.args);
        if (!def.args) return FAIL(TCVM_ENOMEM, "out of memory");
        def.nargs = n;
        for (uint32_t i = 0; i < n; i++) {
            uint8_t b;
            tcvm__carg_t *a = &def.args[i];
            TRY(rd_name(d, c, &a->name, &a->name_size));
            TRY(rd_u8(d, c, &b));
            if (b != 0x12)
                return MALFORMED("invalid leading byte 0x%02x for a core instantiation argument "
                                 "(0x12, an instance, expected)",
                                 b);
            TRY(rd_u32(d, c, &a->index));
            TRY(check_idx(d, c, s, TCVM__S_CORE_INSTANCE, a->index));
            a->sort = TCVM__S_CORE_INSTANCE;
            for (uint32_t j = 0; j < i; j++)
                if (def.args[j].name_size == a->name_size &&
                    memcmp(def.args[j].name, a->name, a->name_size) == 0)
                    return INVALID("duplicate instantiation argument \"%s\"", a->name);
        }
        /* every import of the module must be satisfied with the right kind and type */
        const tcvm__coremod_t *m = s->mods[midx];
        for (uint32_t i = 0; i < m->import_count; i++) {
            tcvm__core_ext_t im = m->imports[i];
            const tcvm__carg_t *a = NULL;
            for (uint32_t j = 0; j < n && !a; j++)
                if (def.args[j].name_size == im.module_size &&
                    memcmp(def.args[j].name, im.module, im.module_size) == 0)
                    a = &def.args[j];
            if (!a)
                return INVALID("core module %" PRIu32 " import \"%.*s\" is not satisfied "
                               "(no argument of that name)",
                               midx, (int)im.module_size, im.module);
            const core_inst_t *src = &s->core_insts[a->index];
            const core_ext_t *e = NULL;
            for (uint32_t j = 0; j < src->count && !e; j++)
                if (src->exps[j].name_size == im.name_size &&
                    memcmp(src->exps[j].name, im.name, im.name_size) == 0)
                    e = &src->exps[j];
            if (!e)
                return INVALID("core module %" PRIu32 " import \"%.*s\" \"%.*s\": the argument "
                               "instance has no such export",
                               midx, (int)im.module_size, im.module, (int)im.name_size, im.name);
            bool ok = e->type.kind == im.type.kind;
            if (ok && e->type.kind == TCVM_EXTERN_FUNC)
                ok = tcvm__core_functype_equal(&e->type.of.func, &im.type.of.func);
            if (ok && e->type.kind == TCVM_EXTERN_GLOBAL)
                ok = e->type.of.global.type == im.type.of.global.type &&
                     e->type.of.global.is_mutable == im.type.of.global.is_mutable;
            if (ok && (e->type.kind == TCVM_EXTERN_MEMORY || e->type.kind == TCVM_EXTERN_TABLE)) {
                const tcvm_limits_t *have = e->type.kind == TCVM_EXTERN_MEMORY
                                                ? &e->type.of.memory.limits
                                                : &e->type.of.table.limits;
                const tcvm_limits_t *want = e->type.kind == TCVM_EXTERN_MEMORY
                                                ? &im.type.of.memory.limits
                                                : &im.type.of.table.limits;
                ok = have->min >= want->min &&
                     (!want->has_max || (have->has_max && have->max <= want->max));
                if (e->type.kind == TCVM_EXTERN_TABLE)
                    ok = ok && e->type.of.table.elem == im.type.of.table.elem;
            }
            if (!ok)
                return INVALID("core module %" PRIu32 " import \"%.*s\" \"%.*s\": type mismatch",
                               midx, (int)im.module_size, im.module, (int)im.name_size, im.name);
        }
        TRY(module_exports(d, c, m, &ci));
    } else if (k == 0x01) {
        TRY(rd_count(d, c, &n));
        def.op = TCVM__D_CORE_INST_EXP;
        def.args = palloc(d->root, (n ? n : 1) * sizeof *def.args);
        ci.exps = tcvm__calloc(n ? n : 1, sizeof *ci.exps);
        if (!def.args || !ci.exps) {
            tcvm__free(ci.exps);
            return FAIL(TCVM_ENOMEM, "out of memory");
        }
        def.nargs = n;
        tcvm_status_t st = TCVM_OK;
        for (uint32_t i = 0; i < n && st == TCVM_OK; i++) {
            tcvm__carg_t *a = &def.args[i];
            if ((st = rd_name(d, c, &a->name, &a->name_size)) != TCVM_OK) break;
            if ((st = rd_core_sort(d, c, &a->sort)) != TCVM_OK) break;
            if (a->sort > TCVM__S_CORE_GLOBAL) {
                st = INVALID("core instance exports must be functions, tables, memories or "
                             "globals");
                break;
            }
            if ((st = rd_u32(d, c, &a->index)) != TCVM_OK) break;
            if ((st = check_idx(d, c, s, a->sort, a->index)) != TCVM_OK) break;
            for (uint32_t j = 0; j < i && st == TCVM_OK; j++)
                if (def.args[j].name_size == a->name_size &&
                    memcmp(def.args[j].name, a->name, a->name_size) == 0)
                    st = INVALID("duplicate core export \"%s\"", a->name);
            ci.exps[i].name = a->name;
            ci.exps[i].name_size = a->name_size;
            ci.exps[i].type.kind = (tcvm_externkind_t)a->sort;
            if (a->sort == TCVM__S_CORE_FUNC) ci.exps[i].type.of.func = s->core_funcs[a->index];
            if (a->sort == TCVM__S_CORE_MEMORY) ci.exps[i].type.of.memory = s->mems[a->index];
            if (a->sort == TCVM__S_CORE_TABLE) ci.exps[i].type.of.table = s->tables[a->index];
            if (a->sort == TCVM__S_CORE_GLOBAL) ci.exps[i].type.of.global = s->globals[a->index];
        }
        ci.count = n;
        if (st != TCVM_OK) {
            tcvm__free(ci.exps);
            return st;
        }
    } else {
        return MALFORMED("bad core instance form 0x%02x", k);
    }
    if (s->ncore_insts >= s->ccore_insts) {
        tcvm_status_t st = grow(d, c, (void **)&s->core_insts, s->ncore_insts, &s->ccore_insts,
                                sizeof *s->core_insts);
        if (st != TCVM_OK) {
            tcvm__free(ci.exps);
            return st;
        }
    }
    s->core_insts[s->ncore_insts++] = ci;
    s->comp->space_count[TCVM__S_CORE_INSTANCE]++;
    return add_def(d, c, s, &def);
}
