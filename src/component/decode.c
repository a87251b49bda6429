/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The component binary decoder and validator. One pass over the sections (which may repeat and
 * interleave) builds, for each component and for each component or instance type declarator, a
 * scope of static index spaces (the types of every core and component item defined so far),
 * checks every index, sort, name and signature against them, compiles core modules with the
 * engine, and records an ordered list of definitions that instantiation replays. Every error
 * names the section and the byte offset (from the start of the outermost binary). Features
 * outside the synchronous component model (async, streams, futures, error-context, threads, GC,
 * memory64, fixed-length lists, values and start, name attributes) are refused by name.
 */
#include "component/decode_internal.h"
#include "wasm/wasm_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

/* ---- allocation pool ------------------------------------------------------------------- */

typedef struct pool_blk {
    struct pool_blk *next;
    max_align_t data[];
} pool_blk_t;

void *palloc(tcvm_component_t *root, size_t size)
{
    size_t total;
    if (!tcvm__size_add(sizeof(pool_blk_t), size, &total)) return NULL;
    pool_blk_t *b = tcvm__calloc(1, total);
    if (!b) return NULL;
    b->next = root->pool;
    root->pool = b;
    return b->data;
}

static void *pool_alloc_cb(void *root, size_t size)
{
    return palloc(root, size);
}

static void pool_free(void *pool)
{
    for (pool_blk_t *b = pool, *n; b; b = n) {
        n = b->next;
        tcvm__free(b);
    }
}

/* ---- scopes ---------------------------------------------------------------------------- */

static const char *const section_names[] = {
    "custom", "core module", "core instance", "core type", "component", "instance", "alias",
    "type",   "canon",       "start",         "import",    "export",    "value",
};

tcvm_status_t fail_at(dec_t *d, const tcvm_cursor_t *c, size_t at, tcvm_status_t st,
                      const char *fmt, ...) TCVM__PRINTF(5, 6);
tcvm_status_t fail_at(dec_t *d, const tcvm_cursor_t *c, size_t at, tcvm_status_t st,
                      const char *fmt, ...)
{
    if (d->failed) return st;
    d->failed = true;
    char msg[TCVM_ERROR_MSG_SIZE - 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    uint64_t off = (uint64_t)(c->data - d->base) + at;
    if (d->where) {
        d->where->offset = off;
        d->where->section = d->section;
    }
    if (d->section >= 0 && d->section < (int)TCVM__ARRAY_COUNT(section_names))
        return tcvm__errorf(d->err, st, "section %d (%s) at offset %" PRIu64 ": %s", d->section,
                            section_names[d->section], off, msg);
    if (d->section >= 0)
        return tcvm__errorf(d->err, st, "section %d at offset %" PRIu64 ": %s", d->section, off,
                            msg);
    return tcvm__errorf(d->err, st, "at offset %" PRIu64 ": %s", off, msg);
}

tcvm_status_t grow(dec_t *d, const tcvm_cursor_t *c, void **arr, uint32_t n, uint32_t *cap,
                   size_t elem)
{
    if (n < *cap) return TCVM_OK;
    if (n >= TCVM__C_MAX_ITEMS)
        return FAIL(TCVM_ELIMIT, "more than %u items in an index space", TCVM__C_MAX_ITEMS);
    uint32_t nc = *cap ? *cap * 2 : 8;
    void *na = tcvm__reallocarray(*arr, nc, elem);
    if (!na) return FAIL(TCVM_ENOMEM, "out of memory");
    memset((char *)na + (size_t)*cap * elem, 0, (size_t)(nc - *cap) * elem);
    *arr = na;
    *cap = nc;
    return TCVM_OK;
}
static void scope_free(scope_t *s)
{
    tcvm__keyset_free(&s->import_names);
    tcvm__keyset_free(&s->export_names);
    tcvm__free(s->types);
    tcvm__free(s->core_types);
    tcvm__free(s->funcs);
    tcvm__free(s->insts);
    tcvm__free(s->comps);
    tcvm__free((void *)s->comp_defs);
    tcvm__free(s->core_funcs);
    tcvm__free(s->mems);
    tcvm__free(s->tables);
    tcvm__free(s->globals);
    for (uint32_t i = 0; i < s->ncore_insts; i++)
        tcvm__free(s->core_insts[i].exps);
    tcvm__free(s->core_insts);
    tcvm__free((void *)s->mods);
    tcvm__free(s->imports);
    tcvm__free(s->exports);
    tcvm__named_free(&s->named);
}

/* ---- primitive readers ----------------------------------------------------------------- */

tcvm_status_t rd_u8(dec_t *d, tcvm_cursor_t *c, uint8_t *out)
{
    *out = 0;
    if (tcvm__cur_u8(c, out) != TCVM_OK) return MALFORMED("unexpected end");
    return TCVM_OK;
}

tcvm_status_t rd_u32(dec_t *d, tcvm_cursor_t *c, uint32_t *out)
{
    *out = 0;
    tcvm_status_t st = tcvm__cur_u32(c, out);
    if (st == TCVM_ETRUNC) return MALFORMED("unexpected end inside an integer");
    if (st != TCVM_OK) return MALFORMED("malformed LEB128 u32");
    return TCVM_OK;
}

tcvm_status_t rd_count(dec_t *d, tcvm_cursor_t *c, uint32_t *out)
{
    TRY(rd_u32(d, c, out));
    if (*out > tcvm__cur_left(c))
        return MALFORMED("count %" PRIu32 " exceeds the bytes left", *out);
    return TCVM_OK;
}

tcvm_status_t rd_name(dec_t *d, tcvm_cursor_t *c, const char **out, size_t *out_size)
{
    uint32_t n;
    TRY(rd_u32(d, c, &n));
    const uint8_t *p;
    if (tcvm__cur_bytes(c, n, &p) != TCVM_OK) return MALFORMED("name runs past the end");
    if (!tcvm__utf8_valid(p, n)) return MALFORMED("name is not valid UTF-8");
    char *s = palloc(d->root, (size_t)n + 1);
    if (!s) return FAIL(TCVM_ENOMEM, "out of memory");
    memcpy(s, p, n);
    *out = s;
    *out_size = n;
    return TCVM_OK;
}

/* importname' / exportname' */
static tcvm_status_t rd_extname(dec_t *d, tcvm_cursor_t *c, const char **out, size_t *out_size)
{
    uint8_t b;
    TRY(rd_u8(d, c, &b));
    if (b == 0x02)
        return FEATURE("import/export name attributes (implements, versions) are not "
                       "supported");
    if (b > 0x01) return MALFORMED("bad import/export name prefix 0x%02x", b);
    TRY(rd_name(d, c, out, out_size));
    if (*out_size == 0) return INVALID("empty import/export name");
    return TCVM_OK;
}

static tcvm_status_t rd_sort(dec_t *d, tcvm_cursor_t *c, uint8_t *out)
{
    uint8_t b = 0;
    *out = 0;
    TRY(rd_u8(d, c, &b));
    switch (b) {
    case 0x00:
        return rd_core_sort(d, c, out);
    case 0x01:
        *out = TCVM__S_FUNC;
        return TCVM_OK;
    case 0x02:
        *out = TCVM__S_VALUE;
        return TCVM_OK;
    case 0x03:
        *out = TCVM__S_TYPE;
        return TCVM_OK;
    case 0x04:
        *out = TCVM__S_COMPONENT;
        return TCVM_OK;
    case 0x05:
        *out = TCVM__S_INSTANCE;
        return TCVM_OK;
    default:
        return MALFORMED("bad sort 0x%02x", b);
    }
}

/* core:sort, a single byte (core instance exports) */
tcvm_status_t rd_core_sort(dec_t *d, tcvm_cursor_t *c, uint8_t *out)
{
    uint8_t cs;
    *out = 0;
    TRY(rd_u8(d, c, &cs));
    switch (cs) {
    case 0x00:
        *out = TCVM__S_CORE_FUNC;
        return TCVM_OK;
    case 0x01:
        *out = TCVM__S_CORE_TABLE;
        return TCVM_OK;
    case 0x02:
        *out = TCVM__S_CORE_MEMORY;
        return TCVM_OK;
    case 0x03:
        *out = TCVM__S_CORE_GLOBAL;
        return TCVM_OK;
    case 0x04:
        return FEATURE("core tags (exception handling) are not supported");
    case 0x10:
        *out = TCVM__S_CORE_TYPE;
        return TCVM_OK;
    case 0x11:
        *out = TCVM__S_CORE_MODULE;
        return TCVM_OK;
    case 0x12:
        *out = TCVM__S_CORE_INSTANCE;
        return TCVM_OK;
    default:
        return MALFORMED("bad core sort 0x%02x", cs);
    }
}

const char *sort_name(uint8_t s)
{
    static const char *const n[] = {"core func", "core table",  "core memory",   "core global",
                                    "core type", "core module", "core instance", "func",
                                    "value",     "type",        "component",     "instance"};
    return s < TCVM__S_COUNT ? n[s] : "?";
}

uint32_t space_size(const scope_t *s, uint8_t sort)
{
    switch (sort) {
    case TCVM__S_CORE_FUNC:
        return s->ncore_funcs;
    case TCVM__S_CORE_TABLE:
        return s->ncore_tables;
    case TCVM__S_CORE_MEMORY:
        return s->ncore_memories;
    case TCVM__S_CORE_GLOBAL:
        return s->ncore_globals;
    case TCVM__S_CORE_TYPE:
        return s->ncore_types;
    case TCVM__S_CORE_MODULE:
        return s->nmods;
    case TCVM__S_CORE_INSTANCE:
        return s->ncore_insts;
    case TCVM__S_FUNC:
        return s->nfuncs;
    case TCVM__S_TYPE:
        return s->ntypes;
    case TCVM__S_COMPONENT:
        return s->ncomps;
    case TCVM__S_INSTANCE:
        return s->ninsts;
    default:
        return 0;
    }
}

tcvm_status_t check_idx(dec_t *d, tcvm_cursor_t *c, const scope_t *s, uint8_t sort, uint32_t idx)
{
    if (idx >= space_size(s, sort))
        return INVALID("%s index %" PRIu32 " out of bounds (%" PRIu32 " defined)", sort_name(sort),
                       idx, space_size(s, sort));
    return TCVM_OK;
}

/* ---- definitions ------------------------------------------------------------------------ */

tcvm_status_t add_def(dec_t *d, tcvm_cursor_t *c, scope_t *s, const tcvm__cdef_t *def)
{
    tcvm_component_t *k = s->comp;
    if (!k) return TCVM_OK;
    PUSH(k->defs, k->def_count, k->def_cap, *def);
    return TCVM_OK;
}

/* Adds an item of sort with static description td to the scope. */
tcvm_status_t add_item(dec_t *d, tcvm_cursor_t *c, scope_t *s, uint8_t sort, const tcvm__tdef_t *td,
                       const tcvm_externtype_t *core, const tcvm_component_t *comp_def,
                       const tcvm_module_t *mod)
{
    switch (sort) {
    case TCVM__S_TYPE:
        PUSH(s->types, s->ntypes, s->ctypes, *td);
        break;
    case TCVM__S_CORE_TYPE:
        PUSH(s->core_types, s->ncore_types, s->ccore_types, *td);
        break;
    case TCVM__S_FUNC:
        PUSH(s->funcs, s->nfuncs, s->cfuncs, td->func);
        break;
    case TCVM__S_INSTANCE:
        PUSH(s->insts, s->ninsts, s->cinsts, td->inst);
        break;
    case TCVM__S_COMPONENT: {
        uint32_t n = s->ncomps, cap2 = s->ccomp_defs;
        PUSH(s->comps, s->ncomps, s->ccomps, td->comp);
        TRY(grow(d, c, (void **)&s->comp_defs, n, &cap2, sizeof *s->comp_defs));
        s->ccomp_defs = cap2;
        s->comp_defs[n] = comp_def;
        break;
    }
    case TCVM__S_CORE_MODULE: {
        const tcvm__coremod_t *cm = td ? td->coremod : NULL;
        if (!cm) return INVALID("core module without a type");
        (void)mod;
        PUSH(s->mods, s->nmods, s->cmods, cm);
        break;
    }
    case TCVM__S_CORE_FUNC:
        PUSH(s->core_funcs, s->ncore_funcs, s->ccore_funcs, core->of.func);
        break;
    case TCVM__S_CORE_TABLE: {
        uint32_t n = s->ncore_tables;
        TRY(grow(d, c, (void **)&s->tables, n, &s->ctables, sizeof *s->tables));
        s->tables[n] = core->of.table;
        s->ncore_tables++;
        break;
    }
    case TCVM__S_CORE_MEMORY: {
        uint32_t n = s->ncore_memories;
        TRY(grow(d, c, (void **)&s->mems, n, &s->cmems, sizeof *s->mems));
        s->mems[n] = core->of.memory;
        s->ncore_memories++;
        break;
    }
    case TCVM__S_CORE_GLOBAL: {
        uint32_t n = s->ncore_globals;
        TRY(grow(d, c, (void **)&s->globals, n, &s->cglobals, sizeof *s->globals));
        s->globals[n] = core->of.global;
        s->ncore_globals++;
        break;
    }
    case TCVM__S_VALUE:
        return FEATURE("component values are not supported");
    default:
        return INVALID("cannot add an item of sort %s here", sort_name(sort));
    }
    if (s->comp) s->comp->space_count[sort]++;
    return TCVM_OK;
}

/* The static description of item idx of sort in scope s (component sorts). */
static tcvm__tdef_t item_td(const scope_t *s, uint8_t sort, uint32_t idx)
{
    tcvm__tdef_t td = {0};
    switch (sort) {
    case TCVM__S_TYPE:
        return s->types[idx];
    case TCVM__S_FUNC:
        td.kind = TCVM__TD_FUNC, td.func = s->funcs[idx];
        break;
    case TCVM__S_INSTANCE:
        td.kind = TCVM__TD_INST, td.inst = s->insts[idx];
        break;
    case TCVM__S_COMPONENT:
        td.kind = TCVM__TD_COMP, td.comp = s->comps[idx];
        break;
    case TCVM__S_CORE_MODULE:
        td.kind = TCVM__TD_CORE_MODULE, td.coremod = s->mods[idx];
        break;
    default:
        break;
    }
    return td;
}

/* ---- value types ----------------------------------------------------------------------- */

static const tcvm_ctype_kind_t prim_by_code[] = {
    /* 0x73 */ TCVM_CT_STRING,
    TCVM_CT_CHAR,
    TCVM_CT_F64,
    TCVM_CT_F32,
    TCVM_CT_U64,
    TCVM_CT_S64,
    TCVM_CT_U32,
    TCVM_CT_S32,
    TCVM_CT_U16,
    TCVM_CT_S16,
    TCVM_CT_U8,
    TCVM_CT_S8,
    /* 0x7f */ TCVM_CT_BOOL,
};

static tcvm_status_t rd_valtype(dec_t *d, tcvm_cursor_t *c, scope_t *s, const tcvm_ctype_t **out)
{
    size_t at = c->pos;
    int64_t v;
    tcvm_status_t st = tcvm__cur_sleb(c, 33, &v);
    if (st != TCVM_OK) return MALFORMED("malformed value type");
    if (v < 0) {
        int code = (int)(v & 0x7f);
        if (code >= 0x73 && code <= 0x7f) {
            *out = tcvm_ctype_primitive(prim_by_code[code - 0x73]);
            return TCVM_OK;
        }
        c->pos = at;
        if (code == 0x64) return FEATURE("error-context is not supported");
        return MALFORMED("bad value type 0x%02x", code);
    }
    if ((uint64_t)v >= s->ntypes)
        return fail_at(d, c, at, TCVM_COMP_INVALID, "type index %" PRId64 " out of bounds", v);
    const tcvm__tdef_t *td = &s->types[v];
    if (td->kind != TCVM__TD_VAL)
        return fail_at(d, c, at, TCVM_COMP_INVALID, "type index %" PRId64 " is not a value type",
                       v);
    *out = td->val;
    return TCVM_OK;
}

static tcvm_status_t make_type(dec_t *d, tcvm_cursor_t *c, size_t at, tcvm_ctype_kind_t kind,
                               tcvm__cmember_t *m, size_t n, const tcvm__tdef_t *res,
                               const tcvm_ctype_t **out)
{
    tcvm_status_t st =
        res ? tcvm__ctype_handle(d->root->types, kind, res->resource, res->tag, res->rname,
                                 res->rname_size, out)
            : tcvm__ctype_make(d->root->types, kind, m, n, 0, NULL, 0, out);
    if (st == TCVM_EINVAL)
        return fail_at(d, c, at, TCVM_COMP_INVALID,
                       "invalid %s type (empty, too many flags, duplicate or non-kebab labels)",
                       tcvm_ctype_kind_name(kind));
    if (st == TCVM_ELIMIT)
        return fail_at(d, c, at, TCVM_COMP_INVALID, "%s type nested too deeply or too large",
                       tcvm_ctype_kind_name(kind));
    if (st != TCVM_OK) return fail_at(d, c, at, st, "out of memory");
    return TCVM_OK;
}

static tcvm_status_t rd_members(dec_t *d, tcvm_cursor_t *c, scope_t *s, int mode,
                                tcvm__cmember_t **out, uint32_t *out_n)
{
    /* mode 0: label valtype; 1: label valtype? 0x00 (variant case); 2: label; 3: valtype */
    uint32_t n;
    TRY(rd_count(d, c, &n));
    if (n > TCVM__C_MAX_MEMBERS) return FAIL(TCVM_ELIMIT, "too many members");
    tcvm__cmember_t *m = tcvm__calloc(n ? n : 1, sizeof *m);
    if (!m) return FAIL(TCVM_ENOMEM, "out of memory");
    tcvm_status_t st = TCVM_OK;
    for (uint32_t i = 0; i < n && st == TCVM_OK; i++) {
        if (mode != 3) st = rd_name(d, c, &m[i].label, &m[i].label_size);
        if (st != TCVM_OK) break;
        if (mode == 0 || mode == 3) {
            st = rd_valtype(d, c, s, &m[i].type);
        } else if (mode == 1) {
            uint8_t has, refines;
            if ((st = rd_u8(d, c, &has)) != TCVM_OK) break;
            if (has == 0x01)
                st = rd_valtype(d, c, s, &m[i].type);
            else if (has != 0x00)
                st = MALFORMED("bad optional value type byte 0x%02x", has);
            if (st != TCVM_OK) break;
            if ((st = rd_u8(d, c, &refines)) != TCVM_OK) break;
            if (refines != 0x00) st = MALFORMED("variant case 'refines' is not allowed");
        }
    }
    if (st != TCVM_OK) {
        tcvm__free(m);
        return st;
    }
    *out = m;
    *out_n = n;
    return TCVM_OK;
}

static tcvm_status_t rd_opt_valtype(dec_t *d, tcvm_cursor_t *c, scope_t *s,
                                    const tcvm_ctype_t **out)
{
    uint8_t b;
    TRY(rd_u8(d, c, &b));
    *out = NULL;
    if (b == 0x00) return TCVM_OK;
    if (b == 0x01) return rd_valtype(d, c, s, out);
    return MALFORMED("bad optional value type byte 0x%02x", b);
}

/* defvaltype after its opcode byte */
static tcvm_status_t rd_defvaltype(dec_t *d, tcvm_cursor_t *c, scope_t *s, uint8_t op,
                                   tcvm__tdef_t *out)
{
    size_t at = c->pos - 1;
    const tcvm_ctype_t *t = NULL, *u = NULL;
    tcvm__cmember_t *m = NULL;
    uint32_t n = 0;
    tcvm_status_t st;
    memset(out, 0, sizeof *out);
    out->kind = TCVM__TD_VAL;
    if (op >= 0x73 && op <= 0x7f) {
        out->val = tcvm_ctype_primitive(prim_by_code[op - 0x73]);
        return TCVM_OK;
    }
    switch (op) {
    case 0x72: /* record */
    case 0x71: /* variant */
    case 0x6f: /* tuple */
    case 0x6e: /* flags */
    case 0x6d: /* enum */ {
        int mode = op == 0x72 ? 0 : op == 0x71 ? 1 : op == 0x6f ? 3 : 2;
        tcvm_ctype_kind_t k = op == 0x72   ? TCVM_CT_RECORD
                              : op == 0x71 ? TCVM_CT_VARIANT
                              : op == 0x6f ? TCVM_CT_TUPLE
                              : op == 0x6e ? TCVM_CT_FLAGS
                                           : TCVM_CT_ENUM;
        TRY(rd_members(d, c, s, mode, &m, &n));
        if (k == TCVM_CT_TUPLE && n == 0) {
            tcvm__free(m);
            return fail_at(d, c, at, TCVM_COMP_INVALID,
                           "tuple type must have at least one "
                           "field");
        }
        st = make_type(d, c, at, k, m, n, NULL, &out->val);
        tcvm__free(m);
        return st;
    }
    case 0x70:
        TRY(rd_valtype(d, c, s, &t));
        {
            tcvm__cmember_t one = {NULL, 0, t};
            return make_type(d, c, at, TCVM_CT_LIST, &one, 1, NULL, &out->val);
        }
    case 0x6b: {
        TRY(rd_valtype(d, c, s, &t));
        tcvm__cmember_t two[2] = {{"none", 4, NULL}, {"some", 4, t}};
        return make_type(d, c, at, TCVM_CT_OPTION, two, 2, NULL, &out->val);
    }
    case 0x6a: {
        TRY(rd_opt_valtype(d, c, s, &t));
        TRY(rd_opt_valtype(d, c, s, &u));
        tcvm__cmember_t two[2] = {{"ok", 2, t}, {"error", 5, u}};
        return make_type(d, c, at, TCVM_CT_RESULT, two, 2, NULL, &out->val);
    }
    case 0x69:
    case 0x68: {
        uint32_t idx;
        TRY(rd_u32(d, c, &idx));
        TRY(check_idx(d, c, s, TCVM__S_TYPE, idx));
        if (s->types[idx].kind != TCVM__TD_RESOURCE)
            return INVALID("type index %" PRIu32 " is not a resource type", idx);
        return make_type(d, c, at, op == 0x69 ? TCVM_CT_OWN : TCVM_CT_BORROW, NULL, 0,
                         &s->types[idx], &out->val);
    }
    case 0x67:
        c->pos = at;
        return FEATURE("fixed-length lists are not supported");
    case 0x66:
        c->pos = at;
        return FEATURE("stream types (async) are not supported");
    case 0x65:
        c->pos = at;
        return FEATURE("future types (async) are not supported");
    case 0x64:
        c->pos = at;
        return FEATURE("error-context is not supported");
    case 0x63:
        c->pos = at;
        return FEATURE("map types are not supported");
    default:
        c->pos = at;
        return MALFORMED("bad type opcode 0x%02x", op);
    }
}

static bool contains_borrow(const tcvm_ctype_t *t);

static bool type_has_handles(const tcvm_ctype_t *t)
{
    if (!t) return false;
    if (t->kind == TCVM_CT_OWN || t->kind == TCVM_CT_BORROW) return true;
    for (uint32_t i = 0; i < t->count; i++)
        if (type_has_handles(t->members[i].type)) return true;
    return false;
}

/*
 * Does td mention a resource that scope s or an enclosing scope knows as a type (rather than
 * one the type itself declares, as a component type's `(sub resource)` import does)? Such a type
 * may not be aliased into another component: the resource would have no definition there.
 */
static bool refers_to_scope_resources(const scope_t *s, const tcvm__tdef_t *td)
{
    uint32_t ids[256], n = 0;
    tcvm__collect_resources_in(td, true, ids, 256, &n);
    if (n > 256) return true; /* more than can be checked: refuse rather than guess */
    for (const scope_t *p = s; p; p = p->parent)
        for (uint32_t j = 0; j < p->ntypes; j++)
            if (p->types[j].kind == TCVM__TD_RESOURCE)
                for (uint32_t i = 0; i < n; i++)
                    if (ids[i] == p->types[j].resource) return true;
    return false;
}

static tcvm_status_t rd_functype(dec_t *d, tcvm_cursor_t *c, scope_t *s, tcvm__tdef_t *out)
{
    tcvm__cmember_t *m;
    uint32_t n;
    size_t at = c->pos;
    TRY(rd_members(d, c, s, 0, &m, &n));
    for (uint32_t i = 0; i < n; i++) {
        bool bad = !tcvm__wit_ident(m[i].label, m[i].label_size);
        for (uint32_t j = 0; j < i && !bad; j++)
            bad = m[j].label_size == m[i].label_size &&
                  strncasecmp(m[j].label, m[i].label, m[i].label_size) == 0;
        if (bad) {
            tcvm_status_t st = fail_at(d, c, at, TCVM_COMP_INVALID,
                                       "function parameter name "
                                       "\"%s\" is duplicate or not kebab-case",
                                       m[i].label);
            tcvm__free(m);
            return st;
        }
    }
    uint8_t b;
    const tcvm_ctype_t *r = NULL;
    tcvm_status_t st = rd_u8(d, c, &b);
    if (st == TCVM_OK) {
        if (b == 0x00) {
            st = rd_valtype(d, c, s, &r);
        } else if (b == 0x01) {
            uint8_t z;
            st = rd_u8(d, c, &z);
            if (st == TCVM_OK && z != 0x00)
                st = FEATURE("named function results are no longer part of the component model");
        } else {
            st = MALFORMED("bad function result list 0x%02x", b);
        }
    }
    if (st == TCVM_OK && r && contains_borrow(r))
        st = INVALID("function result cannot contain a borrow handle");
    if (st == TCVM_OK) {
        memset(out, 0, sizeof *out);
        out->kind = TCVM__TD_FUNC;
        st = tcvm__cfunctype_make(d->root->types, m, n, r, &out->func);
        if (st != TCVM_OK) st = FAIL(st, "out of memory");
        else if (tcvm__tdef_size(out) > TCVM__C_MAX_TYPE_SIZE)
            st = fail_at(d, c, at, TCVM_COMP_INVALID,
                         "function type: effective type size exceeds the limit of %u",
                         TCVM__C_MAX_TYPE_SIZE);
    }
    tcvm__free(m);
    return st;
}

/* ---- component and instance types ------------------------------------------------------ */

static tcvm_status_t rd_type(dec_t *d, tcvm_cursor_t *c, scope_t *s, bool in_decl);
static tcvm_status_t rd_alias(dec_t *d, tcvm_cursor_t *c, scope_t *s, bool in_decl);

/* A new naming tag for a resource type index (see tcvm__tdef_t.tag). */
static tcvm_status_t new_tag(dec_t *d, tcvm_cursor_t *c, uint32_t *out)
{
    if (d->tags >= 0x7fffffffu) return FAIL(TCVM_ELIMIT, "too many resource type names");
    *out = ++d->tags;
    return TCVM_OK;
}

/*
 * A type index that an import or export introduces is a new name for the type: a resource gets a
 * new tag, a record, variant, enum or flags type a copy with its own identity. The external
 * visibility rule then tells the named index from the one it names.
 */
static tcvm_status_t new_name(dec_t *d, tcvm_cursor_t *c, tcvm__tdef_t *td)
{
    if (td->kind == TCVM__TD_RESOURCE) return new_tag(d, c, &td->tag);
    if (td->kind != TCVM__TD_VAL || !tcvm__ctype_nominal(td->val)) return TCVM_OK;
    tcvm_status_t st = tcvm__ctype_clone(d->root->types, td->val, &td->val);
    return st == TCVM_OK ? TCVM_OK : FAIL(st, "out of memory");
}

static tcvm_status_t new_resource(dec_t *d, tcvm_cursor_t *c, tcvm__tdef_t *td, const char *name,
                                  size_t name_size)
{
    if (d->root->resource_count >= TCVM__C_MAX_ITEMS)
        return FAIL(TCVM_ELIMIT, "too many resource types");
    memset(td, 0, sizeof *td);
    TRY(new_tag(d, c, &td->tag));
    td->kind = TCVM__TD_RESOURCE;
    td->resource = ++d->root->resource_count;
    td->rname = name;
    td->rname_size = name_size;
    return TCVM_OK;
}

/* externdesc; a fresh resource for (sub resource) takes the name given */
static tcvm_status_t rd_externdesc(dec_t *d, tcvm_cursor_t *c, scope_t *s, const char *name,
                                   size_t name_size, tcvm__cext_t *out)
{
    uint8_t k, b;
    uint32_t idx;
    memset(out, 0, sizeof *out);
    out->name = name;
    out->name_size = name_size;
    TRY(rd_u8(d, c, &k));
    switch (k) {
    case 0x00:
        TRY(rd_u8(d, c, &b));
        if (b != 0x11) return MALFORMED("bad core extern sort 0x%02x", b);
        TRY(rd_u32(d, c, &idx));
        TRY(check_idx(d, c, s, TCVM__S_CORE_TYPE, idx));
        if (s->core_types[idx].kind != TCVM__TD_CORE_MODULE)
            return INVALID("core type %" PRIu32 " is not a module type", idx);
        out->sort = TCVM__S_CORE_MODULE;
        out->td = s->core_types[idx];
        return TCVM_OK;
    case 0x01:
    case 0x04:
    case 0x05: {
        TRY(rd_u32(d, c, &idx));
        TRY(check_idx(d, c, s, TCVM__S_TYPE, idx));
        uint8_t want = k == 0x01 ? TCVM__TD_FUNC : k == 0x04 ? TCVM__TD_COMP : TCVM__TD_INST;
        if (s->types[idx].kind != want)
            return INVALID("type index %" PRIu32 " is not a %s type", idx,
                           k == 0x01   ? "function"
                           : k == 0x04 ? "component"
                                       : "instance");
        out->sort = k == 0x01 ? TCVM__S_FUNC : k == 0x04 ? TCVM__S_COMPONENT : TCVM__S_INSTANCE;
        out->td = s->types[idx];
        return TCVM_OK;
    }
    case 0x02:
        return FEATURE("component values are not supported");
    case 0x03:
        TRY(rd_u8(d, c, &b));
        out->sort = TCVM__S_TYPE;
        if (b == 0x00) {
            TRY(rd_u32(d, c, &idx));
            TRY(check_idx(d, c, s, TCVM__S_TYPE, idx));
            out->td = s->types[idx];
            if (out->td.kind == TCVM__TD_RESOURCE) {
                out->td.rname = name;
                out->td.rname_size = name_size;
            }
            return new_name(d, c, &out->td);
        }
        if (b == 0x01) return new_resource(d, c, &out->td, name, name_size);
        return MALFORMED("bad type bound 0x%02x", b);
    default:
        return MALFORMED("bad extern kind 0x%02x", k);
    }
}

/* The name forms this load accepts: imports may also be dependency, URL and integrity names;
 * nested names when the engine enables them. */
static unsigned name_flags(const dec_t *d, bool import)
{
    unsigned flags = import ? TCVM__NAME_IMPORT : 0;
    if (d->engine && d->engine->config.component_nested_names) flags |= TCVM__NAME_NESTED;
    return flags;
}

/* Checks an import or export name and that it is strongly unique among list[0..n), whose names
 * set holds; adds it to the set as list[n] (the caller appends it there next). */
static tcvm_status_t check_unique(dec_t *d, tcvm_cursor_t *c, tcvm__keyset_t *set,
                                  const tcvm__cext_t *list, uint32_t n, const char *name,
                                  size_t size, const char *what)
{
    char why[256];
    if (!tcvm__extern_name_check(name, size, name_flags(d, what[0] == 'i'), why, sizeof why))
        return INVALID("%s name \"%s\" is not a valid name: %s", what, name, why);
    uint32_t found;
    tcvm_status_t st = tcvm__names_add(set, list, sizeof *list, n, name, size, false, &found);
    if (st != TCVM_OK) return FAIL(st, "too many names");
    if (found != UINT32_MAX)
        return INVALID("%s name \"%s\" conflicts with the earlier name \"%s\" (names must "
                       "differ other than in case, and [method]/[static] R.R counts as R)",
                       what, name, list[found].name);
    return TCVM_OK;
}

static tcvm_status_t add_cext(dec_t *d, tcvm_cursor_t *c, scope_t *s, const tcvm__cext_t *e)
{
    tcvm__cdef_t def = {0};
    TRY(add_item(d, c, s, e->sort, &e->td, NULL, NULL, NULL));
    def.op = TCVM__D_IMPORT;
    def.sort = e->sort;
    def.ext = *e;
    return add_def(d, c, s, &def);
}

/* The effective size of a list of items; INVALID past the limit. */
static tcvm_status_t list_size(dec_t *d, tcvm_cursor_t *c, const tcvm__cext_t *list, uint32_t n,
                               uint64_t *out)
{
    uint64_t sz = 1;
    for (uint32_t i = 0; i < n; i++) {
        sz += tcvm__tdef_size(&list[i].td);
        if (sz > TCVM__C_MAX_TYPE_SIZE)
            return INVALID("effective type size exceeds the limit of %u", TCVM__C_MAX_TYPE_SIZE);
    }
    *out = sz;
    return TCVM_OK;
}

static tcvm_status_t finish_list(dec_t *d, tcvm_cursor_t *c, const tcvm__cext_t *src, uint32_t n,
                                 tcvm__cext_t **out)
{
    *out = palloc(d->root, (n ? n : 1) * sizeof **out);
    if (!*out) return FAIL(TCVM_ENOMEM, "out of memory");
    if (n) memcpy(*out, src, n * sizeof **out);
    return TCVM_OK;
}

/* The resource of an own/borrow type, or of an own in result<own<R>, E>. */
static const tcvm_ctype_t *handle_of(const tcvm_ctype_t *t, bool allow_result)
{
    if (!t) return NULL;
    if (t->kind == TCVM_CT_OWN || t->kind == TCVM_CT_BORROW) return t;
    if (allow_result && t->kind == TCVM_CT_RESULT) return handle_of(t->members[0].type, false);
    return NULL;
}

static bool known_resource(const tcvm__cext_t *list, uint32_t n, const char *r, size_t rn)
{
    for (uint32_t i = 0; i < n; i++)
        if (list[i].sort == TCVM__S_TYPE && list[i].td.kind == TCVM__TD_RESOURCE &&
            list[i].name_size == rn && memcmp(list[i].name, r, rn) == 0)
            return true;
    return false;
}

/*
 * The typing rules of annotated names: [constructor]R returns own<R> (or result<own<R>, E>),
 * [method]R.m takes `self: borrow<R>` first, [static]R.m names a resource R known here. The
 * resource of a constructor or method must have been imported (for an import) or exported (for
 * an export) by this component, type or instance under the name R, and the function must refer
 * to it through the type index that import or export made: a resource reached through an
 * instance, named only on the other side or referred to by its definition has no name in this
 * context.
 */
static tcvm_status_t check_annotated(dec_t *d, tcvm_cursor_t *c, const tcvm__cext_t *e,
                                     bool import, const tcvm__cext_t *imps, uint32_t ni,
                                     const tcvm__cext_t *exps, uint32_t ne)
{
    const char *n = e->name;
    size_t len = e->name_size;
    if (len == 0 || n[0] != '[') return TCVM_OK;
    if (e->sort != TCVM__S_FUNC) return INVALID("\"%s\" is not a func", n);
    const tcvm_cfunctype_t *ft = e->td.func;
    const char *close = memchr(n, ']', len);
    if (!close) return INVALID("bad annotated name \"%s\"", n);
    const char *r = close + 1;
    size_t rn = len - (size_t)(r - n);
    const char *dot = memchr(r, '.', rn);
    if (dot) rn = (size_t)(dot - r);
    const tcvm_ctype_t *h = NULL;
    if (strncmp(n, "[constructor]", 13) == 0) {
        if (!ft->result) return INVALID("function \"%s\" should return one value", n);
        h = handle_of(ft->result, true);
        if (!h || h->kind != TCVM_CT_OWN)
            return INVALID("function \"%s\" should return `(own $T)` or `(result (own $T))`", n);
    } else if (strncmp(n, "[method]", 8) == 0) {
        if (ft->param_count == 0)
            return INVALID("function \"%s\" should have at least one argument", n);
        if (ft->params[0].label_size != 4 || memcmp(ft->params[0].label, "self", 4) != 0)
            return INVALID("function \"%s\" should have a first argument called `self`", n);
        h = ft->params[0].type;
        if (h->kind != TCVM_CT_BORROW)
            return INVALID("function \"%s\" should take a first argument of `(borrow $T)`", n);
    } else if (strncmp(n, "[static]", 8) == 0) {
        if (!known_resource(imps, ni, r, rn) && !known_resource(exps, ne, r, rn))
            return INVALID("\"%s\": static resource name is not known in this context", n);
        return TCVM_OK;
    } else {
        return TCVM_OK;
    }
    const tcvm__cext_t *list = import ? imps : exps;
    uint32_t nl = import ? ni : ne;
    const tcvm__cext_t *named = NULL;
    for (uint32_t i = 0; i < nl; i++) {
        if (list[i].sort != TCVM__S_TYPE || list[i].td.kind != TCVM__TD_RESOURCE ||
            list[i].td.resource != h->resource || list[i].td.tag != h->tag)
            continue; /* not this resource, or not the type index that named it */
        if (list[i].name_size == rn && memcmp(list[i].name, r, rn) == 0) return TCVM_OK;
        named = &list[i];
    }
    if (!named)
        return INVALID("\"%s\": resource used in function does not have a name in this context "
                       "(it is not %s here as a type of its own)",
                       n, import ? "imported" : "exported");
    return INVALID("function \"%s\" does not match expected resource name `%.*s` (the resource "
                   "is %s as \"%s\")",
                   n, (int)rn, r, import ? "imported" : "exported", named->name);
}

/* The external visibility rule for item e that scope s imports (import) or exports. */
static tcvm_status_t check_named(dec_t *d, tcvm_cursor_t *c, scope_t *s, bool import,
                                 const tcvm__cext_t *e)
{
    if (!s->check_names) return TCVM_OK;
    char why[512] = "";
    tcvm_status_t st = tcvm__named_add(&s->named, import, e->sort, &e->td, why, sizeof why);
    if (st == TCVM_COMP_INVALID)
        return INVALID("%s \"%s\": %s not valid to be used as %s: %s, which is not %s under a name "
                       "here (%s it first and refer to the type index that names it)",
                       import ? "import" : "export", e->name, sort_name(e->sort),
                       import ? "import" : "export", why, import ? "imported" : "exported",
                       import ? "import" : "import or export");
    if (st != TCVM_OK) return FAIL(st, "out of memory");
    return TCVM_OK;
}

static tcvm_status_t freshen_instance(dec_t *d, tcvm_cursor_t *c, const scope_t *s,
                                      tcvm__cext_t *e);

static tcvm_status_t rd_decls(dec_t *d, tcvm_cursor_t *c, scope_t *parent, bool component,
                              tcvm__tdef_t *out)
{
    scope_t sc = {0};
    sc.parent = parent;
    sc.check_names = component;
    uint32_t n;
    tcvm_status_t st = rd_count(d, c, &n);
    if (++d->nesting > TCVM__C_MAX_NESTING) st = FAIL(TCVM_ELIMIT, "types nested too deeply");
    for (uint32_t i = 0; i < n && st == TCVM_OK; i++) {
        uint8_t k;
        if ((st = rd_u8(d, c, &k)) != TCVM_OK) break;
        switch (k) {
        case 0x00:
            st = rd_core_type(d, c, &sc);
            break;
        case 0x01:
            st = rd_type(d, c, &sc, true);
            break;
        case 0x02:
            st = rd_alias(d, c, &sc, true);
            break;
        case 0x03:
        case 0x04: {
            if (k == 0x03 && !component) {
                st = MALFORMED("invalid declaration 0x03 (import) in an instance type");
                break;
            }
            const char *nm;
            size_t nn;
            tcvm__cext_t e;
            if ((st = rd_extname(d, c, &nm, &nn)) != TCVM_OK) break;
            if ((st = rd_externdesc(d, c, &sc, nm, nn, &e)) != TCVM_OK) break;
            if ((st = freshen_instance(d, c, &sc, &e)) != TCVM_OK) break;
            if ((st = check_annotated(d, c, &e, k == 0x03, sc.imports, sc.nimports, sc.exports,
                                      sc.nexports)) != TCVM_OK)
                break;
            if ((st = check_named(d, c, &sc, k == 0x03, &e)) != TCVM_OK) break;
            if (k == 0x03) {
                if ((st = check_unique(d, c, &sc.import_names, sc.imports, sc.nimports, nm, nn,
                                        "import")) != TCVM_OK)
                    break;
                TRY(grow(d, c, (void **)&sc.imports, sc.nimports, &sc.cimports, sizeof e));
                sc.imports[sc.nimports++] = e;
            } else {
                if ((st = check_unique(d, c, &sc.export_names, sc.exports, sc.nexports, nm, nn,
                                        "export")) != TCVM_OK)
                    break;
                TRY(grow(d, c, (void **)&sc.exports, sc.nexports, &sc.cexports, sizeof e));
                sc.exports[sc.nexports++] = e;
            }
            st = add_item(d, c, &sc, e.sort, &e.td, NULL, NULL, NULL);
            break;
        }
        default:
            st = MALFORMED("bad %s declaration 0x%02x", component ? "component" : "instance", k);
        }
    }
    d->nesting--;
    if (st == TCVM_OK) {
        memset(out, 0, sizeof *out);
        if (component) {
            tcvm__ccomptype_t *ct = palloc(d->root, sizeof *ct);
            if (!ct) st = FAIL(TCVM_ENOMEM, "out of memory");
            if (st == TCVM_OK) st = finish_list(d, c, sc.imports, sc.nimports, &ct->imports);
            if (st == TCVM_OK) st = finish_list(d, c, sc.exports, sc.nexports, &ct->exports);
            uint64_t a = 0, b = 0;
            if (st == TCVM_OK) st = list_size(d, c, sc.imports, sc.nimports, &a);
            if (st == TCVM_OK) st = list_size(d, c, sc.exports, sc.nexports, &b);
            if (st == TCVM_OK && a + b > TCVM__C_MAX_TYPE_SIZE)
                st = INVALID("effective type size exceeds the limit of %u", TCVM__C_MAX_TYPE_SIZE);
            if (st == TCVM_OK) {
                ct->size = a + b;
                ct->import_count = sc.nimports;
                ct->export_count = sc.nexports;
                out->kind = TCVM__TD_COMP;
                out->comp = ct;
            }
        } else {
            struct tcvm_cinsttype *it = palloc(d->root, sizeof *it);
            if (!it) st = FAIL(TCVM_ENOMEM, "out of memory");
            if (st == TCVM_OK) st = finish_list(d, c, sc.exports, sc.nexports, &it->exports);
            if (st == TCVM_OK) st = list_size(d, c, sc.exports, sc.nexports, &it->size);
            if (st == TCVM_OK) {
                it->count = sc.nexports;
                out->kind = TCVM__TD_INST;
                out->inst = it;
            }
        }
    }
    scope_free(&sc);
    return st;
}

static tcvm_status_t rd_type(dec_t *d, tcvm_cursor_t *c, scope_t *s, bool in_decl)
{
    uint8_t op;
    tcvm__tdef_t td;
    size_t at = c->pos;
    TRY(rd_u8(d, c, &op));
    switch (op) {
    case 0x40:
        TRY(rd_functype(d, c, s, &td));
        break;
    case 0x43:
        c->pos = at;
        return FEATURE("async function types are not supported");
    case 0x41:
    case 0x42:
        TRY(rd_decls(d, c, s, op == 0x41, &td));
        break;
    case 0x3f: {
        uint8_t rep, has;
        uint32_t dtor = 0;
        if (in_decl) {
            c->pos = at;
            return INVALID("resource types can only be defined in a component, not a type");
        }
        TRY(rd_u8(d, c, &rep));
        if (rep == 0x7e) return FEATURE("64-bit resource representations are not supported");
        if (rep != 0x7f) return INVALID("resource representation must be i32");
        TRY(rd_u8(d, c, &has));
        if (has == 0x01) {
            TRY(rd_u32(d, c, &dtor));
            TRY(check_idx(d, c, s, TCVM__S_CORE_FUNC, dtor));
            const tcvm_functype_t *ft = &s->core_funcs[dtor];
            if (ft->param_count != 1 || ft->params[0] != TCVM_I32 || ft->result_count != 0)
                return INVALID("resource destructor must have type (func (param i32))");
            dtor++;
        } else if (has != 0x00) {
            return MALFORMED("bad destructor byte 0x%02x", has);
        }
        TRY(new_resource(d, c, &td, NULL, 0));
        td.local = true;
        tcvm__cdef_t def = {0};
        def.op = TCVM__D_RESOURCE;
        def.sort = TCVM__S_TYPE;
        def.res = td.resource;
        def.b = dtor;
        TRY(add_item(d, c, s, TCVM__S_TYPE, &td, NULL, NULL, NULL));
        return add_def(d, c, s, &def);
    }
    case 0x3e:
        c->pos = at;
        return FEATURE("async resource destructors are not supported");
    default:
        TRY(rd_defvaltype(d, c, s, op, &td));
        break;
    }
    tcvm__cdef_t def = {0};
    def.op = TCVM__D_TYPE;
    def.sort = TCVM__S_TYPE;
    TRY(add_item(d, c, s, TCVM__S_TYPE, &td, NULL, NULL, NULL));
    return add_def(d, c, s, &def);
}

/* ---- aliases --------------------------------------------------------------------------- */

static const tcvm__cext_t *find_ext(const tcvm__cext_t *list, uint32_t n, const char *name,
                                    size_t size)
{
    for (uint32_t i = 0; i < n; i++)
        if (list[i].name_size == size && memcmp(list[i].name, name, size) == 0) return &list[i];
    return NULL;
}

static tcvm_status_t rd_alias(dec_t *d, tcvm_cursor_t *c, scope_t *s, bool in_decl)
{
    uint8_t sort, tgt;
    TRY(rd_sort(d, c, &sort));
    TRY(rd_u8(d, c, &tgt));
    tcvm__cdef_t def = {0};
    def.sort = sort;
    if (tgt == 0x00 || tgt == 0x01) {
        uint32_t idx;
        const char *nm;
        size_t nn;
        TRY(rd_u32(d, c, &idx));
        TRY(rd_name(d, c, &nm, &nn));
        def.a = idx, def.name = nm, def.name_size = nn;
        if (tgt == 0x00) {
            if (in_decl && sort != TCVM__S_TYPE && sort != TCVM__S_INSTANCE)
                return INVALID("aliases in a component or instance type may only refer to types "
                               "or instances");
            TRY(check_idx(d, c, s, TCVM__S_INSTANCE, idx));
            const tcvm_cinsttype_t *it = s->insts[idx];
            const tcvm__cext_t *e = find_ext(it->exports, it->count, nm, nn);
            if (!e) return INVALID("instance %" PRIu32 " has no export \"%s\"", idx, nm);
            if (e->sort != sort)
                return INVALID("export \"%s\" of instance %" PRIu32 " is a %s, not a %s", nm, idx,
                               sort_name(e->sort), sort_name(sort));
            def.op = TCVM__D_ALIAS_EXPORT;
            if (e->td.kind == TCVM__TD_RESOURCE) def.res = e->td.resource;
            tcvm__tdef_t td = e->td;
            TRY(add_item(d, c, s, sort, &td, NULL, NULL, NULL));
            return add_def(d, c, s, &def);
        }
        if (in_decl) return INVALID("core export aliases are not allowed in type declarators");
        TRY(check_idx(d, c, s, TCVM__S_CORE_INSTANCE, idx));
        const core_inst_t *ci = &s->core_insts[idx];
        const core_ext_t *e = NULL;
        for (uint32_t i = 0; i < ci->count && !e; i++)
            if (ci->exps[i].name_size == nn && memcmp(ci->exps[i].name, nm, nn) == 0)
                e = &ci->exps[i];
        if (!e) return INVALID("core instance %" PRIu32 " has no export \"%s\"", idx, nm);
        if ((uint8_t)e->type.kind != sort)
            return INVALID("export \"%s\" of core instance %" PRIu32 " is a core %s, not a %s", nm,
                           idx, tcvm_externkind_name(e->type.kind), sort_name(sort));
        def.op = TCVM__D_ALIAS_CORE_EXPORT;
        TRY(add_item(d, c, s, sort, NULL, &e->type, NULL, NULL));
        return add_def(d, c, s, &def);
    }
    if (tgt != 0x02) return MALFORMED("bad alias target 0x%02x", tgt);
    uint32_t ct, idx;
    TRY(rd_u32(d, c, &ct));
    TRY(rd_u32(d, c, &idx));
    if (sort != TCVM__S_TYPE && sort != TCVM__S_CORE_TYPE && sort != TCVM__S_CORE_MODULE &&
        sort != TCVM__S_COMPONENT)
        return MALFORMED("invalid outer alias kind: outer aliases refer to types, modules and "
                         "components only");
    if (in_decl && sort != TCVM__S_TYPE && sort != TCVM__S_CORE_TYPE)
        return INVALID("aliases in a component or instance type may only refer to types or "
                       "instances");
    scope_t *o = s;
    bool crosses_component = false; /* leaves a component (not only a type declarator) */
    for (uint32_t i = 0; i < ct && o; i++) {
        if (o->comp) crosses_component = true;
        o = o->parent;
    }
    if (!o) return INVALID("outer alias count %" PRIu32 " exceeds the enclosing scopes", ct);
    TRY(check_idx(d, c, o, sort, idx));
    def.op = TCVM__D_ALIAS_OUTER;
    def.a = ct, def.b = idx;
    if (sort == TCVM__S_TYPE || sort == TCVM__S_CORE_TYPE) {
        tcvm__tdef_t td = sort == TCVM__S_TYPE ? o->types[idx] : o->core_types[idx];
        if (crosses_component && td.kind == TCVM__TD_RESOURCE)
            return INVALID("outer alias of a resource type across a component boundary");
        if (crosses_component && td.kind == TCVM__TD_VAL && type_has_handles(td.val))
            return INVALID("outer alias of a type that transitively refers to resources across "
                           "a component boundary");
        if (crosses_component && refers_to_scope_resources(o, &td))
            return INVALID("outer alias of type %" PRIu32 ": it refers to resources defined "
                           "outside the type, across a component boundary", idx);
        td.local = td.local && !crosses_component;
        if (td.kind == TCVM__TD_RESOURCE) def.res = td.resource;
        TRY(add_item(d, c, s, sort, &td, NULL, NULL, NULL));
        return add_def(d, c, s, &def);
    }
    /* defined or imported out there: read at run time from the defining instance (closures) */
    if (sort == TCVM__S_COMPONENT) {
        tcvm__tdef_t td = item_td(o, sort, idx);
        TRY(add_item(d, c, s, sort, &td, NULL, o->comp_defs[idx], NULL));
        return add_def(d, c, s, &def);
    }
    tcvm__tdef_t mtd = item_td(o, sort, idx);
    TRY(add_item(d, c, s, sort, &mtd, NULL, NULL, o->mods[idx]->module));
    return add_def(d, c, s, &def);
}

/* ---- component instances --------------------------------------------------------------- */

static tcvm_status_t freshen(dec_t *d, tcvm_cursor_t *c, const tcvm__tdef_t *td, const scope_t *s,
                             tcvm__rsubst_t *m);

/* Argument i of an instantiation (k 0x00) or export i of a bag of exports (k 0x01); its name
 * must differ from the earlier ones (exactly for arguments, strongly for exports). */
static tcvm_status_t rd_instance_arg(dec_t *d, tcvm_cursor_t *c, scope_t *s, uint8_t k,
                                     tcvm__carg_t *args, uint32_t i, tcvm__keyset_t *names)
{
    tcvm__carg_t *a = &args[i];
    if (k == 0x00)
        TRY(rd_name(d, c, &a->name, &a->name_size));
    else
        TRY(rd_extname(d, c, &a->name, &a->name_size));
    char why[256];
    if (k == 0x01 &&
        !tcvm__extern_name_check(a->name, a->name_size, name_flags(d, false), why, sizeof why))
        return INVALID("export name \"%s\" is not a valid name: %s", a->name, why);
    TRY(rd_sort(d, c, &a->sort));
    TRY(rd_u32(d, c, &a->index));
    if (a->sort == TCVM__S_VALUE) return FEATURE("component values are not supported");
    TRY(check_idx(d, c, s, a->sort, a->index));
    uint32_t found;
    tcvm_status_t st =
        tcvm__names_add(names, args, sizeof *args, i, a->name, a->name_size, k == 0x00, &found);
    if (st != TCVM_OK) return FAIL(st, "too many names");
    if (found != UINT32_MAX)
        return INVALID("%s \"%s\" conflicts with the earlier \"%s\"",
                       k == 0 ? "argument" : "export", a->name, args[found].name);
    return TCVM_OK;
}

static tcvm_status_t rd_instance(dec_t *d, tcvm_cursor_t *c, scope_t *s)
{
    uint8_t k;
    uint32_t n;
    tcvm__cdef_t def = {0};
    def.sort = TCVM__S_INSTANCE;
    TRY(rd_u8(d, c, &k));
    if (k != 0x00 && k != 0x01) return MALFORMED("bad instance form 0x%02x", k);
    if (k == 0x00) TRY(rd_u32(d, c, &def.a));
    if (k == 0x00) TRY(check_idx(d, c, s, TCVM__S_COMPONENT, def.a));
    TRY(rd_count(d, c, &n));
    def.op = k == 0x00 ? TCVM__D_INST : TCVM__D_INST_EXP;
    def.args = palloc(d->root, (n ? n : 1) * sizeof *def.args);
    if (!def.args) return FAIL(TCVM_ENOMEM, "out of memory");
    def.nargs = n;
    tcvm__keyset_t names = {0};
    tcvm_status_t ast = TCVM_OK;
    for (uint32_t i = 0; i < n && ast == TCVM_OK; i++)
        ast = rd_instance_arg(d, c, s, k, def.args, i, &names);
    tcvm__keyset_free(&names);
    if (ast != TCVM_OK) return ast;
    struct tcvm_cinsttype *it = palloc(d->root, sizeof *it);
    if (!it) return FAIL(TCVM_ENOMEM, "out of memory");
    if (k == 0x00) {
        const tcvm__ccomptype_t *ct = s->comps[def.a];
        tcvm__rsubst_t m = {0};
        tcvm_status_t st = TCVM_OK;
        char why[256] = "";
        for (uint32_t i = 0; i < ct->import_count && st == TCVM_OK; i++) {
            const tcvm__cext_t *im = &ct->imports[i];
            const tcvm__carg_t *a = NULL;
            for (uint32_t j = 0; j < n && !a; j++)
                if (def.args[j].name_size == im->name_size &&
                    memcmp(def.args[j].name, im->name, im->name_size) == 0)
                    a = &def.args[j];
            if (!a) {
                st = INVALID("missing instantiation argument for import \"%s\"", im->name);
            } else if (a->sort != im->sort) {
                st = INVALID("argument \"%s\" is a %s, the import is a %s", im->name,
                             sort_name(a->sort), sort_name(im->sort));
            } else {
                tcvm__tdef_t atd = item_td(s, a->sort, a->index);
                st = tcvm__match(a->sort, &atd, &im->td, &m, why, sizeof why);
                if (st == TCVM_COMP_INVALID)
                    st = INVALID("type mismatch in import \"%s\": %s", im->name, why);
                else if (st != TCVM_OK)
                    st = FAIL(st, "out of memory");
            }
        }
        /* the child's own resources get fresh identities for this instance */
        uint32_t nargmap = m.n;
        for (uint32_t i = 0; st == TCVM_OK && i < ct->export_count; i++)
            st = freshen(d, c, &ct->exports[i].td, s, &m);
        if (st == TCVM_OK && m.n > nargmap) {
            def.nfresh = m.n - nargmap;
            def.fresh_from = palloc(d->root, def.nfresh * sizeof *def.fresh_from);
            def.fresh_to = palloc(d->root, def.nfresh * sizeof *def.fresh_to);
            if (!def.fresh_from || !def.fresh_to) st = FAIL(TCVM_ENOMEM, "out of memory");
            for (uint32_t i = 0; st == TCVM_OK && i < def.nfresh; i++) {
                def.fresh_from[i] = m.from[nargmap + i];
                def.fresh_to[i] = m.to[nargmap + i].resource;
            }
        }
        /* the child's exports seen from here: its imported resources are the arguments' */
        it->exports =
            st == TCVM_OK
                ? palloc(d->root, (ct->export_count ? ct->export_count : 1) * sizeof *it->exports)
                : NULL;
        if (st == TCVM_OK && !it->exports) st = FAIL(TCVM_ENOMEM, "out of memory");
        for (uint32_t i = 0; st == TCVM_OK && i < ct->export_count; i++) {
            it->exports[i] = ct->exports[i];
            st = tcvm__subst_tdef(d->root->types, &m, pool_alloc_cb, d->root, &it->exports[i].td);
            if (st != TCVM_OK) st = FAIL(st, "out of memory");
        }
        it->count = ct->export_count;
        tcvm__rsubst_free(&m);
        if (st != TCVM_OK) return st;
        TRY(list_size(d, c, it->exports, it->count, &it->size));
    } else {
        it->exports = palloc(d->root, (n ? n : 1) * sizeof *it->exports);
        if (!it->exports) return FAIL(TCVM_ENOMEM, "out of memory");
        it->count = n;
        for (uint32_t i = 0; i < n; i++) {
            if (def.args[i].sort <= TCVM__S_CORE_GLOBAL || def.args[i].sort == TCVM__S_CORE_TYPE ||
                def.args[i].sort == TCVM__S_CORE_INSTANCE)
                return INVALID("instance exports cannot be core items other than modules");
            it->exports[i].name = def.args[i].name;
            it->exports[i].name_size = def.args[i].name_size;
            it->exports[i].sort = def.args[i].sort;
            it->exports[i].td = item_td(s, def.args[i].sort, def.args[i].index);
            if (it->exports[i].sort == TCVM__S_TYPE) TRY(new_name(d, c, &it->exports[i].td));
            TRY(check_annotated(d, c, &it->exports[i], false, NULL, 0, it->exports, i));
        }
        TRY(list_size(d, c, it->exports, it->count, &it->size));
    }
    tcvm__tdef_t td = {0};
    td.kind = TCVM__TD_INST;
    td.inst = it;
    TRY(add_item(d, c, s, TCVM__S_INSTANCE, &td, NULL, NULL, NULL));
    return add_def(d, c, s, &def);
}

/* ---- canonical functions --------------------------------------------------------------- */

static bool contains_strings_or_lists(const tcvm_ctype_t *t)
{
    if (!t) return false;
    if (t->kind == TCVM_CT_STRING || t->kind == TCVM_CT_LIST) return true;
    for (uint32_t i = 0; i < t->count; i++)
        if (contains_strings_or_lists(t->members[i].type)) return true;
    return false;
}

static bool contains_borrow(const tcvm_ctype_t *t)
{
    if (!t) return false;
    if (t->kind == TCVM_CT_BORROW) return true;
    for (uint32_t i = 0; i < t->count; i++)
        if (contains_borrow(t->members[i].type)) return true;
    return false;
}

static tcvm_status_t rd_opts(dec_t *d, tcvm_cursor_t *c, scope_t *s, tcvm__copts_t *o)
{
    uint32_t n;
    bool have_enc = false;
    o->encoding = TCVM_CSTR_UTF8;
    o->memory = o->realloc = o->post_return = -1;
    TRY(rd_count(d, c, &n));
    for (uint32_t i = 0; i < n; i++) {
        uint8_t k;
        uint32_t idx;
        TRY(rd_u8(d, c, &k));
        switch (k) {
        case 0x00:
        case 0x01:
        case 0x02:
            if (have_enc) return INVALID("canonical option string-encoding given twice");
            have_enc = true;
            o->encoding = (tcvm_cstring_encoding_t)k;
            break;
        case 0x03:
            TRY(rd_u32(d, c, &idx));
            if (o->memory >= 0) return INVALID("canonical option memory given twice");
            TRY(check_idx(d, c, s, TCVM__S_CORE_MEMORY, idx));
            o->memory = idx;
            break;
        case 0x04:
        case 0x05: {
            TRY(rd_u32(d, c, &idx));
            int64_t *slot = k == 0x04 ? &o->realloc : &o->post_return;
            if (*slot >= 0)
                return INVALID("canonical option %s given twice",
                               k == 0x04 ? "realloc" : "post-return");
            TRY(check_idx(d, c, s, TCVM__S_CORE_FUNC, idx));
            *slot = idx;
            break;
        }
        case 0x06:
            return FEATURE("async canonical functions are not supported");
        case 0x07:
            return FEATURE("async callbacks are not supported");
        case 0x08:
        case 0x09:
            return FEATURE("GC canonical options are not supported");
        default:
            return MALFORMED("bad canonical option 0x%02x", k);
        }
    }
    if (o->realloc >= 0) {
        const tcvm_functype_t *ft = &s->core_funcs[o->realloc];
        static const tcvm_valtype_t i4[4] = {TCVM_I32, TCVM_I32, TCVM_I32, TCVM_I32};
        tcvm_functype_t want = {4, 1, i4, i4};
        if (!tcvm__core_functype_equal(ft, &want))
            return INVALID("realloc must have type (func (param i32 i32 i32 i32) (result i32))");
        if (o->memory < 0) return INVALID("realloc requires the memory option");
    }
    return TCVM_OK;
}

/* Computes flatten_functype(opts, ft, lift|lower) into a pooled core function type. */
static tcvm_status_t flat_functype(dec_t *d, tcvm_cursor_t *c, const tcvm_cfunctype_t *ft,
                                   bool lift, tcvm_functype_t *out)
{
    size_t np = 0, nr = 0;
    const tcvm_ctype_t *ps[TCVM__C_MAX_FLAT_PARAMS + 1];
    (void)ps;
    for (uint32_t i = 0; i < ft->param_count; i++) {
        np += ft->params[i].type->flat_count;
        if (np > 1u << 20) np = 1u << 20;
    }
    nr = ft->result ? ft->result->flat_count : 0;
    tcvm_valtype_t *v = palloc(d->root, (TCVM__C_MAX_FLAT_PARAMS + 3) * sizeof *v);
    if (!v) return FAIL(TCVM_ENOMEM, "out of memory");
    size_t n = 0;
    if (np > TCVM__C_MAX_FLAT_PARAMS) {
        v[0] = TCVM_I32;
        n = 1;
    } else {
        for (uint32_t i = 0; i < ft->param_count; i++)
            tcvm__cabi_flatten(ft->params[i].type, v, TCVM__C_MAX_FLAT_PARAMS, &n);
    }
    size_t nparams = n;
    tcvm_valtype_t *res = v + nparams;
    size_t nres = 0;
    if (nr > TCVM__C_MAX_FLAT_RESULTS) {
        if (lift) {
            res[0] = TCVM_I32;
            nres = 1;
        } else {
            v[nparams++] = TCVM_I32;
            res = v + nparams;
        }
    } else if (nr) {
        tcvm__cabi_flatten(ft->result, res, 1, &nres);
    }
    out->param_count = (uint32_t)nparams;
    out->params = v;
    out->result_count = (uint32_t)nres;
    out->results = res;
    return TCVM_OK;
}

static tcvm_status_t rd_canon(dec_t *d, tcvm_cursor_t *c, scope_t *s)
{
    uint8_t k, z;
    size_t at = c->pos;
    tcvm__cdef_t def = {0};
    TRY(rd_u8(d, c, &k));
    switch (k) {
    case 0x00: {
        uint32_t fidx, tidx;
        TRY(rd_u8(d, c, &z));
        if (z != 0x00) return MALFORMED("canon lift must name a core function (0x00)");
        TRY(rd_u32(d, c, &fidx));
        TRY(check_idx(d, c, s, TCVM__S_CORE_FUNC, fidx));
        TRY(rd_opts(d, c, s, &def.opts));
        TRY(rd_u32(d, c, &tidx));
        TRY(check_idx(d, c, s, TCVM__S_TYPE, tidx));
        if (s->types[tidx].kind != TCVM__TD_FUNC)
            return INVALID("canon lift type %" PRIu32 " is not a function type", tidx);
        const tcvm_cfunctype_t *ft = s->types[tidx].func;
        if (ft->result && contains_borrow(ft->result))
            return INVALID("function results cannot contain borrow handles");
        tcvm_functype_t flat;
        TRY(flat_functype(d, c, ft, true, &flat));
        if (!tcvm__core_functype_equal(&flat, &s->core_funcs[fidx]))
            return INVALID("core function %" PRIu32 " does not have the flattened type of the "
                           "lifted function",
                           fidx);
        bool need_mem = (ft->result && contains_strings_or_lists(ft->result)) ||
                        (ft->result && ft->result->flat_count > TCVM__C_MAX_FLAT_RESULTS);
        bool need_realloc = false;
        size_t np = 0;
        for (uint32_t i = 0; i < ft->param_count; i++) {
            need_realloc |= contains_strings_or_lists(ft->params[i].type);
            np += ft->params[i].type->flat_count;
        }
        if (np > TCVM__C_MAX_FLAT_PARAMS) need_realloc = true;
        if (need_realloc && def.opts.realloc < 0)
            return INVALID("canon lift needs the realloc option for its parameters");
        if ((need_mem || need_realloc) && def.opts.memory < 0)
            return INVALID("canon lift needs the memory option");
        if (def.opts.post_return >= 0) {
            const tcvm_functype_t *pr = &s->core_funcs[def.opts.post_return];
            tcvm_functype_t want = {flat.result_count, 0, flat.results, NULL};
            if (!tcvm__core_functype_equal(pr, &want))
                return INVALID("post-return function must take the lifted function's results "
                               "and return nothing");
        }
        def.op = TCVM__D_LIFT;
        def.sort = TCVM__S_FUNC;
        def.a = fidx;
        def.func = ft;
        tcvm__tdef_t td = {0};
        td.kind = TCVM__TD_FUNC;
        td.func = ft;
        TRY(add_item(d, c, s, TCVM__S_FUNC, &td, NULL, NULL, NULL));
        return add_def(d, c, s, &def);
    }
    case 0x01: {
        uint32_t fidx;
        TRY(rd_u8(d, c, &z));
        if (z != 0x00) return MALFORMED("canon lower must name a function (0x00)");
        TRY(rd_u32(d, c, &fidx));
        TRY(check_idx(d, c, s, TCVM__S_FUNC, fidx));
        TRY(rd_opts(d, c, s, &def.opts));
        if (def.opts.post_return >= 0) return INVALID("post-return is not allowed on canon lower");
        const tcvm_cfunctype_t *ft = s->funcs[fidx];
        bool need_mem = false, need_realloc = false;
        size_t np = 0;
        for (uint32_t i = 0; i < ft->param_count; i++) {
            need_mem |= contains_strings_or_lists(ft->params[i].type);
            np += ft->params[i].type->flat_count;
        }
        if (np > TCVM__C_MAX_FLAT_PARAMS) need_mem = true;
        if (ft->result) {
            need_realloc |= contains_strings_or_lists(ft->result);
            if (ft->result->flat_count > TCVM__C_MAX_FLAT_RESULTS) need_mem = true;
        }
        if (need_realloc && def.opts.realloc < 0)
            return INVALID("canon lower needs the realloc option for its result");
        if ((need_mem || need_realloc) && def.opts.memory < 0)
            return INVALID("canon lower needs the memory option");
        tcvm_externtype_t et = {.kind = TCVM_EXTERN_FUNC};
        TRY(flat_functype(d, c, ft, false, &et.of.func));
        def.op = TCVM__D_LOWER;
        def.sort = TCVM__S_CORE_FUNC;
        def.a = fidx;
        def.func = ft;
        TRY(add_item(d, c, s, TCVM__S_CORE_FUNC, NULL, &et, NULL, NULL));
        return add_def(d, c, s, &def);
    }
    case 0x02:
    case 0x03:
    case 0x04: {
        uint32_t tidx;
        TRY(rd_u32(d, c, &tidx));
        TRY(check_idx(d, c, s, TCVM__S_TYPE, tidx));
        const tcvm__tdef_t *td = &s->types[tidx];
        if (td->kind != TCVM__TD_RESOURCE)
            return INVALID("type %" PRIu32 " is not a resource type", tidx);
        if (k != 0x03 && !td->local)
            return INVALID("resource.%s needs a resource type defined by this component",
                           k == 0x02 ? "new" : "rep");
        static const tcvm_valtype_t i1[1] = {TCVM_I32};
        tcvm_externtype_t et = {.kind = TCVM_EXTERN_FUNC};
        et.of.func.param_count = 1;
        et.of.func.params = i1;
        et.of.func.result_count = k == 0x03 ? 0 : 1;
        et.of.func.results = i1;
        def.op = k == 0x02 ? TCVM__D_RES_NEW : k == 0x03 ? TCVM__D_RES_DROP : TCVM__D_RES_REP;
        def.sort = TCVM__S_CORE_FUNC;
        def.res = td->resource;
        TRY(add_item(d, c, s, TCVM__S_CORE_FUNC, NULL, &et, NULL, NULL));
        return add_def(d, c, s, &def);
    }
    default:
        c->pos = at;
        return FEATURE("canonical built-in 0x%02x (async, streams, futures, error-context, "
                       "waitables or threads) is not supported",
                       k);
    }
}

/* ---- imports and exports --------------------------------------------------------------- */

/*
 * Resource types are generative: each import of an instance type and each instantiation of a
 * component gives the resources they declare new identities. Extends m with fresh ids for the
 * resource ids td mentions that m does not already map and that are not in keep (ids of
 * resources the scope already has: those stay shared).
 */
static tcvm_status_t freshen(dec_t *d, tcvm_cursor_t *c, const tcvm__tdef_t *td, const scope_t *s,
                             tcvm__rsubst_t *m)
{
    uint32_t ids[256], n = 0;
    tcvm__collect_resources(td, ids, 256, &n);
    if (n > 256) return FEATURE("more than 256 resource types in one import or instance");
    for (uint32_t i = 0; i < n; i++) {
        bool mapped = false;
        for (uint32_t j = 0; j < m->n && !mapped; j++)
            mapped = m->from[j] == ids[i];
        for (const scope_t *p = s; p && !mapped; p = p->comp ? NULL : p->parent)
            for (uint32_t j = 0; j < p->ntypes && !mapped; j++)
                mapped = p->types[j].kind == TCVM__TD_RESOURCE && p->types[j].resource == ids[i];
        if (mapped) continue;
        tcvm__tdef_t fresh;
        TRY(new_resource(d, c, &fresh, NULL, 0));
        if (tcvm__rsubst_add(m, ids[i], &fresh) != TCVM_OK)
            return FAIL(TCVM_ENOMEM, "out of memory");
    }
    return TCVM_OK;
}

/* An imported instance (or one a type declares) has fresh resources of its own. */
static tcvm_status_t freshen_instance(dec_t *d, tcvm_cursor_t *c, const scope_t *s,
                                      tcvm__cext_t *e)
{
    if (e->sort != TCVM__S_INSTANCE) return TCVM_OK;
    tcvm__rsubst_t m = {0};
    tcvm_status_t st = freshen(d, c, &e->td, s, &m);
    if (st == TCVM_OK &&
        tcvm__subst_tdef(d->root->types, &m, pool_alloc_cb, d->root, &e->td) != TCVM_OK)
        st = FAIL(TCVM_ENOMEM, "out of memory");
    tcvm__rsubst_free(&m);
    return st;
}

static tcvm_status_t rd_import(dec_t *d, tcvm_cursor_t *c, scope_t *s)
{
    const char *nm;
    size_t nn;
    tcvm__cext_t e;
    TRY(rd_extname(d, c, &nm, &nn));
    TRY(check_unique(d, c, &s->import_names, s->imports, s->nimports, nm, nn, "import"));
    TRY(rd_externdesc(d, c, s, nm, nn, &e));
    TRY(freshen_instance(d, c, s, &e));
    TRY(check_annotated(d, c, &e, true, s->imports, s->nimports, s->exports, s->nexports));
    TRY(check_named(d, c, s, true, &e));
    TRY(grow(d, c, (void **)&s->imports, s->nimports, &s->cimports, sizeof e));
    s->imports[s->nimports++] = e;
    return add_cext(d, c, s, &e);
}

static tcvm_status_t rd_export(dec_t *d, tcvm_cursor_t *c, scope_t *s)
{
    const char *nm;
    size_t nn;
    uint8_t sort, has;
    uint32_t idx;
    bool ascribed_fresh = false;
    TRY(rd_extname(d, c, &nm, &nn));
    TRY(check_unique(d, c, &s->export_names, s->exports, s->nexports, nm, nn, "export"));
    TRY(rd_sort(d, c, &sort));
    TRY(rd_u32(d, c, &idx));
    if (sort == TCVM__S_VALUE) return FEATURE("component values are not supported");
    if (sort <= TCVM__S_CORE_INSTANCE && sort != TCVM__S_CORE_MODULE)
        return INVALID("a component can export only modules among core items");
    TRY(check_idx(d, c, s, sort, idx));
    tcvm__cext_t e = {0};
    e.name = nm;
    e.name_size = nn;
    e.sort = sort;
    e.td = item_td(s, sort, idx);
    if (e.td.kind == TCVM__TD_RESOURCE) { /* the new type index is known by the export name */
        e.td.rname = nm;
        e.td.rname_size = nn;
    }
    TRY(rd_u8(d, c, &has));
    if (has == 0x01) {
        tcvm__cext_t asc;
        uint32_t resources_before = d->root->resource_count;
        TRY(rd_externdesc(d, c, s, nm, nn, &asc));
        if (asc.sort != sort) return INVALID("export \"%s\" ascribes a type of another sort", nm);
        if (sort == TCVM__S_FUNC && !tcvm__cfunctype_equal(asc.td.func, e.td.func))
            return INVALID("export \"%s\" ascribes a different function type", nm);
        if (sort == TCVM__S_TYPE && asc.td.kind == TCVM__TD_RESOURCE) {
            /* `(sub resource)` hides the resource behind a new abstract one (rd_externdesc
             * made it fresh): outside, it is distinct from every other export of the same
             * resource; at run time it is bound to the same resource type */
            if (e.td.kind != TCVM__TD_RESOURCE)
                return INVALID("export \"%s\" ascribes a resource type to a type that is not a "
                               "resource", nm);
            if (asc.td.resource > resources_before)
                e.td.resource = asc.td.resource, ascribed_fresh = true;
            else if (asc.td.resource != e.td.resource)
                return INVALID("export \"%s\" ascribes another resource type", nm);
            e.td.rname = nm, e.td.rname_size = nn;
        }
        if (sort == TCVM__S_FUNC)
            e.td.func = asc.td.func; /* the export's type is the ascribed one */
        if (sort == TCVM__S_INSTANCE) {
            /* the instance must provide what the ascription lists; what it does not list is
             * forgotten, and the ascription's resources and types are the instance's own */
            tcvm__rsubst_t m = {0};
            char why[256] = "";
            tcvm_status_t st = tcvm__match(sort, &e.td, &asc.td, &m, why, sizeof why);
            if (st == TCVM_OK)
                st = tcvm__subst_tdef(d->root->types, &m, pool_alloc_cb, d->root, &asc.td);
            tcvm__rsubst_free(&m);
            if (st == TCVM_COMP_INVALID)
                return INVALID("export \"%s\": ascribed type of export is not compatible: %s", nm,
                               why);
            if (st != TCVM_OK) return FAIL(st, "out of memory");
            e.td = asc.td;
        }
    } else if (has != 0x00) {
        return MALFORMED("bad export type ascription byte 0x%02x", has);
    }
    if (sort == TCVM__S_TYPE) TRY(new_name(d, c, &e.td)); /* the export names a new type index */
    TRY(check_annotated(d, c, &e, false, s->imports, s->nimports, s->exports, s->nexports));
    TRY(check_named(d, c, s, false, &e));
    TRY(grow(d, c, (void **)&s->exports, s->nexports, &s->cexports, sizeof e));
    s->exports[s->nexports++] = e;
    tcvm__cdef_t def = {0};
    def.op = TCVM__D_EXPORT;
    def.sort = sort;
    def.a = idx;
    def.name = nm;
    def.name_size = nn;
    def.ext = e;
    if (e.td.kind == TCVM__TD_RESOURCE) def.res = e.td.resource;
    tcvm__tdef_t td = e.td;
    td.local = false;
    if (sort == TCVM__S_TYPE) td.local = item_td(s, sort, idx).local && !ascribed_fresh;
    const tcvm_component_t *cd = sort == TCVM__S_COMPONENT ? s->comp_defs[idx] : NULL;
    const tcvm_module_t *md = sort == TCVM__S_CORE_MODULE ? s->mods[idx]->module : NULL;
    TRY(add_item(d, c, s, sort, &td, NULL, cd, md));
    return add_def(d, c, s, &def);
}

/* ---- sections -------------------------------------------------------------------------- */

static tcvm_status_t decode_component(dec_t *d, tcvm_cursor_t *c, scope_t *parent,
                                      tcvm_component_t *k);

static tcvm_status_t rd_core_module(dec_t *d, tcvm_cursor_t *c, scope_t *s)
{
    tcvm_module_t *m = NULL;
    tcvm_error_t merr = {0};
    tcvm_component_t *k = s->comp;
    tcvm_status_t st = tcvm_module_new(d->engine, c->data + c->pos, tcvm__cur_left(c), &m, &merr);
    if (st != TCVM_OK)
        return FAIL(st == TCVM_ENOMEM ? st : st, "core module %" PRIu32 ": %s",
                    space_size(s, TCVM__S_CORE_MODULE), merr.message);
    c->pos = c->size;
    uint32_t cap = k->module_count;
    if (grow(d, c, (void **)&k->modules, k->module_count, &cap, sizeof *k->modules) != TCVM_OK) {
        tcvm_module_free(m);
        return TCVM_ENOMEM;
    }
    /* modules[] grows one at a time; keep its capacity equal to the count plus spare */
    k->modules[k->module_count++] = m;
    tcvm__cdef_t def = {0};
    def.op = TCVM__D_CORE_MODULE;
    def.sort = TCVM__S_CORE_MODULE;
    def.a = k->module_count - 1;
    tcvm__tdef_t td = {0};
    td.kind = TCVM__TD_CORE_MODULE;
    TRY(module_type(d, c, m, &td.coremod));
    TRY(add_item(d, c, s, TCVM__S_CORE_MODULE, &td, NULL, NULL, m));
    return add_def(d, c, s, &def);
}

static tcvm_status_t rd_nested(dec_t *d, tcvm_cursor_t *c, scope_t *s)
{
    tcvm_component_t *k = s->comp;
    if (d->nesting + 1 > TCVM__C_MAX_NESTING)
        return FAIL(TCVM_ELIMIT, "components nested too "
                                 "deeply");
    tcvm_component_t *child = palloc(d->root, sizeof *child);
    if (!child) return FAIL(TCVM_ENOMEM, "out of memory");
    child->root = d->root;
    child->engine = d->engine;
    uint32_t cap = k->nested_count;
    TRY(grow(d, c, (void **)&k->nested, k->nested_count, &cap, sizeof *k->nested));
    k->nested[k->nested_count++] = child;
    tcvm_cursor_t sub = tcvm__cursor(c->data + c->pos, tcvm__cur_left(c));
    int section = d->section;
    d->nesting++;
    tcvm_status_t st = decode_component(d, &sub, s, child);
    d->nesting--;
    d->section = section;
    if (st != TCVM_OK) return st;
    c->pos = c->size;
    tcvm__cdef_t def = {0};
    def.op = TCVM__D_COMPONENT;
    def.sort = TCVM__S_COMPONENT;
    def.a = k->nested_count - 1;
    tcvm__tdef_t td = {0};
    td.kind = TCVM__TD_COMP;
    td.comp = &child->self_type;
    TRY(add_item(d, c, s, TCVM__S_COMPONENT, &td, NULL, child, NULL));
    return add_def(d, c, s, &def);
}

typedef tcvm_status_t (*item_fn)(dec_t *, tcvm_cursor_t *, scope_t *);

static tcvm_status_t rd_vec(dec_t *d, tcvm_cursor_t *c, scope_t *s, item_fn fn)
{
    uint32_t n;
    TRY(rd_count(d, c, &n));
    for (uint32_t i = 0; i < n; i++)
        TRY(fn(d, c, s));
    return TCVM_OK;
}

static tcvm_status_t rd_type_item(dec_t *d, tcvm_cursor_t *c, scope_t *s)
{
    return rd_type(d, c, s, false);
}
static tcvm_status_t rd_alias_item(dec_t *d, tcvm_cursor_t *c, scope_t *s)
{
    return rd_alias(d, c, s, false);
}

static tcvm_status_t decode_component(dec_t *d, tcvm_cursor_t *c, scope_t *parent,
                                      tcvm_component_t *k)
{
    scope_t s = {0};
    s.parent = parent;
    s.comp = k;
    s.check_names = true;
    tcvm_status_t st = TCVM_OK;
    d->section = -1;
    const uint8_t *pre;
    if (tcvm__cur_bytes(c, 8, &pre) != TCVM_OK)
        return MALFORMED("binary shorter than the preamble");
    if (memcmp(pre, "\0asm", 4) != 0) return fail_at(d, c, 0, TCVM_COMP_MALFORMED, "bad magic");
    uint16_t version = tcvm__le16(pre + 4), layer = tcvm__le16(pre + 6);
    if (layer == 0)
        return fail_at(d, c, 4, TCVM_COMP_MALFORMED,
                       "this is a core module (layer 0), not a component");
    if (layer != 1) return fail_at(d, c, 6, TCVM_COMP_MALFORMED, "unknown layer %u", layer);
    if (version != 0x0d)
        return fail_at(d, c, 4, TCVM_COMP_MALFORMED,
                       "unsupported component binary version 0x%x (0xd expected)", version);
    while (!tcvm__cur_eof(c) && st == TCVM_OK) {
        uint8_t id;
        uint32_t size;
        size_t start = c->pos;
        d->section = -1;
        if ((st = rd_u8(d, c, &id)) != TCVM_OK) break;
        d->section = id;
        if ((st = rd_u32(d, c, &size)) != TCVM_OK) break;
        if (size > tcvm__cur_left(c)) {
            st = fail_at(d, c, start, TCVM_COMP_MALFORMED,
                         "section size %" PRIu32 " runs past the end", size);
            break;
        }
        tcvm_cursor_t sc = tcvm__cursor(c->data + c->pos, size);
        c->pos += size;
        switch (id) {
        case 0: {
            const char *nm;
            size_t nn;
            st = rd_name(d, &sc, &nm, &nn);
            sc.pos = sc.size;
            break;
        }
        case 1:
            st = rd_core_module(d, &sc, &s);
            break;
        case 2:
            st = rd_vec(d, &sc, &s, rd_core_instance);
            break;
        case 3:
            st = rd_vec(d, &sc, &s, rd_core_type);
            break;
        case 4:
            st = rd_nested(d, &sc, &s);
            break;
        case 5:
            st = rd_vec(d, &sc, &s, rd_instance);
            break;
        case 6:
            st = rd_vec(d, &sc, &s, rd_alias_item);
            break;
        case 7:
            st = rd_vec(d, &sc, &s, rd_type_item);
            break;
        case 8:
            st = rd_vec(d, &sc, &s, rd_canon);
            break;
        case 9:
            st = fail_at(d, &sc, 0, TCVM_COMP_FEATURE,
                         "the start section (component values) "
                         "is not supported");
            break;
        case 10:
            st = rd_vec(d, &sc, &s, rd_import);
            break;
        case 11:
            st = rd_vec(d, &sc, &s, rd_export);
            break;
        case 12:
            st = fail_at(d, &sc, 0, TCVM_COMP_FEATURE,
                         "the value section is not "
                         "supported");
            break;
        default:
            st = fail_at(d, c, start, TCVM_COMP_MALFORMED, "unknown section id %u", id);
        }
        if (st == TCVM_OK && !tcvm__cur_eof(&sc))
            st = fail_at(d, &sc, sc.pos, TCVM_COMP_MALFORMED,
                         "section size mismatch: %zu bytes "
                         "left over",
                         tcvm__cur_left(&sc));
    }
    if (st == TCVM_OK) {
        d->section = -1;
        st = finish_list(d, c, s.imports, s.nimports, &k->imports);
        if (st == TCVM_OK) st = finish_list(d, c, s.exports, s.nexports, &k->exports);
        k->import_count = s.nimports;
        k->export_count = s.nexports;
        k->self_type.imports = k->imports;
        k->self_type.import_count = k->import_count;
        k->self_type.exports = k->exports;
        k->self_type.export_count = k->export_count;
        uint64_t a = 0, b = 0;
        if (st == TCVM_OK) st = list_size(d, c, k->imports, k->import_count, &a);
        if (st == TCVM_OK) st = list_size(d, c, k->exports, k->export_count, &b);
        if (st == TCVM_OK && a + b > TCVM__C_MAX_TYPE_SIZE)
            st = INVALID("effective type size exceeds the limit of %u", TCVM__C_MAX_TYPE_SIZE);
        k->self_type.size = a + b;
    }
    scope_free(&s);
    return st;
}

static void component_release(tcvm_component_t *k)
{
    for (uint32_t i = 0; i < k->module_count; i++)
        tcvm_module_free(k->modules[i]);
    tcvm__free(k->modules);
    for (uint32_t i = 0; i < k->nested_count; i++)
        component_release(k->nested[i]);
    tcvm__free(k->nested);
    tcvm__free(k->defs);
}

void tcvm_component_free(tcvm_component_t *k)
{
    if (!k) return;
    component_release(k);
    tcvm_ctypes_free(k->types);
    pool_free(k->pool);
    tcvm__free(k);
}

tcvm_status_t tcvm__component_decode(tcvm_engine_t *engine, const uint8_t *bytes, size_t size,
                                     tcvm_component_t **out, tcvm_error_t *err,
                                     tcvm_component_where_t *where)
{
    tcvm__error_clear(err);
    tcvm_component_t *k = tcvm__calloc(1, sizeof *k);
    if (!k) return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    k->root = k;
    k->engine = engine;
    tcvm_status_t st = tcvm_ctypes_new(&k->types);
    if (st != TCVM_OK) {
        tcvm__free(k);
        return tcvm__errorf(err, st, "out of memory");
    }
    dec_t d = {k, engine, err, where, bytes, -1, 0, 0, false};
    tcvm_cursor_t c = tcvm__cursor(bytes, size);
    st = decode_component(&d, &c, NULL, k);
    if (st != TCVM_OK) {
        if (!d.failed) tcvm__errorf(err, st, "%s", tcvm_status_message(st));
        tcvm_component_free(k);
        return st;
    }
    *out = k;
    return TCVM_OK;
}

tcvm_status_t tcvm_component_new(tcvm_engine_t *engine, const uint8_t *bytes, size_t size,
                                 tcvm_component_t **out_component, tcvm_error_t *err,
                                 tcvm_component_where_t *where)
{
    if (!engine || (!bytes && size)) return tcvm__errorf(err, TCVM_EINVAL, "invalid argument");
    return tcvm__component_decode(engine, bytes, size, out_component, err, where);
}

tcvm_status_t tcvm_component_validate(const uint8_t *bytes, size_t size, tcvm_error_t *err,
                                      tcvm_component_where_t *where)
{
    tcvm_engine_t *e;
    tcvm_component_t *k;
    if (!bytes && size) return tcvm__errorf(err, TCVM_EINVAL, "invalid argument");
    tcvm_status_t st = tcvm_engine_new(NULL, &e);
    if (st != TCVM_OK) return tcvm__errorf(err, st, "cannot make an engine");
    st = tcvm__component_decode(e, bytes, size, &k, err, where);
    if (st == TCVM_OK) tcvm_component_free(k);
    tcvm_engine_free(e);
    return st;
}
