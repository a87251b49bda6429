/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Decoding and module-level validation of WebAssembly binaries.
 *
 * The decoder walks the sections in the order the specification fixes, reads every count and
 * size through the bounded cursor, checks it against the caps in base/limits.h before
 * allocating, and validates each declaration as it is read (indices in range, limits, constant
 * expressions, unique export names). Function bodies are handed to compile.c, which validates and
 * translates them in one pass. Every error says what was wrong, the byte offset, the section and,
 * inside code, the function index. Proposals outside WebAssembly 2.0 (SIMD, threads, memory64,
 * exceptions, tail calls, GC, multi-memory) are refused with TCVM_WASM_FEATURE naming them.
 */
#include "wasm/aot.h"
#include "wasm/wasm_internal.h"

#include <stdarg.h>
#include <stdio.h>

enum {
    SEC_CUSTOM = 0,
    SEC_TYPE = 1,
    SEC_IMPORT = 2,
    SEC_FUNCTION = 3,
    SEC_TABLE = 4,
    SEC_MEMORY = 5,
    SEC_GLOBAL = 6,
    SEC_EXPORT = 7,
    SEC_START = 8,
    SEC_ELEMENT = 9,
    SEC_CODE = 10,
    SEC_DATA = 11,
    SEC_DATACOUNT = 12,
    SEC_TAG = 13,
};

typedef struct dec {
    tcvm_module_t *m;
    tcvm_cursor_t c;  /* over the whole binary; sections are read through it */
    size_t sec_end;   /* end of the current section */
    const char *sec;  /* name of the current section */
    tcvm_error_t *err;
    uint32_t declared_funcs; /* count from the function section */
    bool compile;
} dec_t;

static const char *section_name(unsigned id)
{
    static const char *const names[] = {"custom", "type",    "import", "function", "table",
                                        "memory", "global",  "export", "start",    "element",
                                        "code",   "data",    "data count", "tag"};
    return id < TCVM__ARRAY_COUNT(names) ? names[id] : "unknown";
}

static tcvm_status_t failv(dec_t *d, tcvm_status_t st, size_t off, const char *fmt, va_list ap)
    TCVM__PRINTF(4, 0);
static tcvm_status_t failv(dec_t *d, tcvm_status_t st, size_t off, const char *fmt, va_list ap)
{
    char what[TCVM_ERROR_MSG_SIZE];
    vsnprintf(what, sizeof what, fmt, ap);
    if (d->sec != NULL)
        return tcvm__errorf(d->err, st, "%s (%s section, offset %zu)", what, d->sec, off);
    return tcvm__errorf(d->err, st, "%s (offset %zu)", what, off);
}

static tcvm_status_t fail(dec_t *d, tcvm_status_t st, size_t off, const char *fmt, ...)
    TCVM__PRINTF(4, 5);
static tcvm_status_t fail(dec_t *d, tcvm_status_t st, size_t off, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    st = failv(d, st, off, fmt, ap);
    va_end(ap);
    return st;
}

#define MALFORMED(d, off, ...) fail((d), TCVM_WASM_MALFORMED, (off), __VA_ARGS__)
#define INVALID(d, off, ...) fail((d), TCVM_WASM_INVALID, (off), __VA_ARGS__)
#define FEATURE(d, off, ...) fail((d), TCVM_WASM_FEATURE, (off), __VA_ARGS__)

/* Maps a cursor error to the specification's wording. */
static tcvm_status_t read_error(dec_t *d, tcvm_status_t st, size_t off)
{
    switch (st) {
    case TCVM_ETRUNC:
        return MALFORMED(d, off, off >= d->c.size ? "unexpected end" :
                                 "unexpected end of section or function");
    case TCVM_EFORMAT:
        return MALFORMED(d, off, "integer representation too long");
    case TCVM_EOVERFLOW:
        return MALFORMED(d, off, "integer too large");
    default:
        return MALFORMED(d, off, "%s", tcvm_status_message(st));
    }
}

/* A cursor confined to the current section. */
static tcvm_cursor_t *cur(dec_t *d)
{
    return &d->c;
}

static tcvm_status_t u8(dec_t *d, uint8_t *out)
{
    size_t off = d->c.pos;
    if (off >= d->sec_end)
        return read_error(d, TCVM_ETRUNC, off);
    return tcvm__cur_u8(cur(d), out);
}

static tcvm_status_t u32(dec_t *d, uint32_t *out)
{
    size_t off = d->c.pos;
    tcvm_cursor_t c = tcvm__cursor(d->c.data, d->sec_end);
    c.pos = off;
    tcvm_status_t st = tcvm__cur_u32(&c, out);
    if (st != TCVM_OK)
        return read_error(d, st, off);
    d->c.pos = c.pos;
    return TCVM_OK;
}

static tcvm_status_t sleb(dec_t *d, unsigned bits, int64_t *out)
{
    size_t off = d->c.pos;
    tcvm_cursor_t c = tcvm__cursor(d->c.data, d->sec_end);
    c.pos = off;
    tcvm_status_t st = tcvm__cur_sleb(&c, bits, out);
    if (st != TCVM_OK)
        return read_error(d, st, off);
    d->c.pos = c.pos;
    return TCVM_OK;
}

static tcvm_status_t bytes(dec_t *d, size_t n, const uint8_t **out)
{
    size_t off = d->c.pos;
    if (d->sec_end - off < n)
        return MALFORMED(d, off, off + n > d->c.size ? "unexpected end" :
                                 "length out of bounds");
    *out = d->c.data + off;
    d->c.pos += n;
    return TCVM_OK;
}

/* Reads a vector count and checks it against a cap and against the bytes left (each element
 * takes at least min_size bytes), so a hostile count cannot make us allocate. */
static tcvm_status_t count(dec_t *d, uint32_t cap, size_t min_size, const char *what,
                           uint32_t *out)
{
    size_t off = d->c.pos;
    tcvm_status_t st = u32(d, out);
    if (st != TCVM_OK)
        return st;
    if (*out > cap)
        return MALFORMED(d, off, "too many %s: %u (limit %u)", what, *out, cap);
    if (min_size > 0 && (size_t)*out > (d->sec_end - d->c.pos) / min_size)
        return MALFORMED(d, off, "unexpected end: %u %s do not fit in the section", *out, what);
    return TCVM_OK;
}

static tcvm_status_t name(dec_t *d, char **out, uint32_t *out_size)
{
    size_t off = d->c.pos;
    uint32_t n = 0;
    const uint8_t *p = NULL;
    tcvm_status_t st = u32(d, &n);
    if (st != TCVM_OK)
        return st;
    if (n > TCVM_WASM_MAX_NAME_SIZE)
        return MALFORMED(d, off, "name too long: %u bytes", n);
    if ((st = bytes(d, n, &p)) != TCVM_OK)
        return st;
    if (!tcvm__utf8_valid(p, n))
        return MALFORMED(d, off, "malformed UTF-8 encoding");
    if (out != NULL) {
        *out = tcvm__strndup((const char *)p, n);
        if (*out == NULL)
            return fail(d, TCVM_ENOMEM, off, "out of memory");
        *out_size = n;
    }
    return TCVM_OK;
}

bool tcvm__valtype_is_ref(tcvm_valtype_t t)
{
    return t == TCVM_FUNCREF || t == TCVM_EXTERNREF;
}

tcvm_status_t tcvm__read_valtype(tcvm_cursor_t *c, tcvm_valtype_t *out, const char **feature)
{
    uint8_t b = 0;
    if (tcvm__cur_u8(c, &b) != TCVM_OK)
        return TCVM_ETRUNC;
    switch (b) {
    case TCVM_I32:
    case TCVM_I64:
    case TCVM_F32:
    case TCVM_F64:
    case TCVM_FUNCREF:
    case TCVM_EXTERNREF:
        *out = (tcvm_valtype_t)b;
        return TCVM_OK;
    case 0x7b:
        *feature = "SIMD (v128)";
        return TCVM_WASM_FEATURE;
    case 0x65: /* shared */
        *feature = "shared-everything threads (shared reference types)";
        return TCVM_WASM_FEATURE;
    case 0x69: /* exnref */
        *feature = "exception handling (exnref)";
        return TCVM_WASM_FEATURE;
    case 0x6e: /* anyref */
    case 0x6d: /* eqref */
    case 0x6c: /* i31ref */
    case 0x6b: /* structref */
    case 0x6a: /* arrayref */
    case 0x71: /* nullref */
    case 0x72: /* nullexternref */
    case 0x73: /* nullfuncref */
    case 0x64: /* (ref ht) */
    case 0x63: /* (ref null ht) */
        *feature = "GC / typed function references";
        return TCVM_WASM_FEATURE;
    default:
        c->pos--;
        return TCVM_WASM_MALFORMED;
    }
}

static tcvm_status_t valtype(dec_t *d, tcvm_valtype_t *out)
{
    size_t off = d->c.pos;
    if (off >= d->sec_end)
        return read_error(d, TCVM_ETRUNC, off);
    const char *feature = NULL;
    tcvm_status_t st = tcvm__read_valtype(cur(d), out, &feature);
    if (st == TCVM_WASM_FEATURE)
        return FEATURE(d, off, "unsupported feature: %s", feature);
    if (st != TCVM_OK)
        return MALFORMED(d, off, "malformed value type 0x%02x", d->c.data[off]);
    return TCVM_OK;
}

static tcvm_status_t reftype(dec_t *d, tcvm_valtype_t *out)
{
    size_t off = d->c.pos;
    tcvm_status_t st = valtype(d, out);
    if (st != TCVM_OK)
        return st;
    if (!tcvm__valtype_is_ref(*out))
        return MALFORMED(d, off, "malformed reference type");
    return TCVM_OK;
}

static tcvm_status_t limits(dec_t *d, bool memory, tcvm_limits_t *out)
{
    size_t off = d->c.pos;
    uint8_t flags = 0;
    tcvm_status_t st = u8(d, &flags);
    if (st != TCVM_OK)
        return st;
    if (memory && (flags == 0x02 || flags == 0x03))
        return FEATURE(d, off, "unsupported feature: threads (shared memory)");
    if (memory && flags >= 0x04 && flags <= 0x07)
        return FEATURE(d, off, "unsupported feature: memory64");
    if (memory && flags >= 0x08 && flags <= 0x0f)
        return FEATURE(d, off, "unsupported feature: custom-page-sizes (memory limits flags 0x%02x)",
                       flags);
    if (!memory && flags >= 0x04 && flags <= 0x07)
        return FEATURE(d, off, "unsupported feature: memory64 (64-bit table, limits flags 0x%02x)",
                       flags);
    if (flags > 1)
        return MALFORMED(d, off, "integer too large: malformed limits flags 0x%02x", flags);
    out->has_max = flags == 1;
    if ((st = u32(d, &out->min)) != TCVM_OK)
        return st;
    out->max = 0;
    if (out->has_max && (st = u32(d, &out->max)) != TCVM_OK)
        return st;
    if (memory) {
        if (out->min > TCVM_WASM_MAX_PAGES || (out->has_max && out->max > TCVM_WASM_MAX_PAGES))
            return INVALID(d, off, "memory size must be at most 65536 pages (4GiB)");
    }
    if (out->has_max && out->min > out->max)
        return INVALID(d, off, "size minimum must not be greater than maximum");
    return TCVM_OK;
}

static tcvm_status_t tabletype(dec_t *d, tcvm_tabletype_t *out)
{
    tcvm_status_t st = reftype(d, &out->elem);
    if (st != TCVM_OK)
        return st;
    return limits(d, false, &out->limits);
}

static tcvm_status_t globaltype(dec_t *d, tcvm_globaltype_t *out)
{
    tcvm_status_t st = valtype(d, &out->type);
    if (st != TCVM_OK)
        return st;
    size_t off = d->c.pos;
    uint8_t mut = 0;
    if ((st = u8(d, &mut)) != TCVM_OK)
        return st;
    if (mut > 1)
        return MALFORMED(d, off, "malformed mutability 0x%02x", mut);
    out->is_mutable = mut == 1;
    return TCVM_OK;
}

/* A constant expression of type want. globals_visible is how many globals it may read: in
 * WebAssembly 2.0 only imported ones, for initialisers and segment offsets alike. */
static tcvm_status_t const_expr(dec_t *d, tcvm_valtype_t want, uint32_t globals_visible,
                                wconst_t *out)
{
    tcvm_module_t *m = d->m;
    size_t off = d->c.pos;
    uint8_t op = 0;
    tcvm_status_t st;
    bool have = false;
    for (;;) {
        size_t op_off = d->c.pos;
        if ((st = u8(d, &op)) != TCVM_OK)
            return st;
        if (op == 0x0b)
            break;
        if (have)
            return INVALID(d, op_off, "type mismatch: constant expression leaves more than one value");
        have = true;
        switch (op) {
        case 0x41: {
            int64_t v = 0;
            if ((st = sleb(d, 32, &v)) != TCVM_OK)
                return st;
            *out = (wconst_t){WCONST_VALUE, TCVM_I32, 0, (uint32_t)v};
            break;
        }
        case 0x42: {
            int64_t v = 0;
            if ((st = sleb(d, 64, &v)) != TCVM_OK)
                return st;
            *out = (wconst_t){WCONST_VALUE, TCVM_I64, 0, (uint64_t)v};
            break;
        }
        case 0x43: {
            const uint8_t *p = NULL;
            if ((st = bytes(d, 4, &p)) != TCVM_OK)
                return st;
            *out = (wconst_t){WCONST_VALUE, TCVM_F32, 0, tcvm__le32(p)};
            break;
        }
        case 0x44: {
            const uint8_t *p = NULL;
            if ((st = bytes(d, 8, &p)) != TCVM_OK)
                return st;
            *out = (wconst_t){WCONST_VALUE, TCVM_F64, 0, tcvm__le64(p)};
            break;
        }
        case 0xd0: {
            tcvm_valtype_t t;
            if ((st = reftype(d, &t)) != TCVM_OK)
                return st;
            *out = (wconst_t){WCONST_VALUE, t, 0, 0};
            break;
        }
        case 0xd2: {
            uint32_t f = 0;
            size_t foff = d->c.pos;
            if ((st = u32(d, &f)) != TCVM_OK)
                return st;
            if (f >= m->func_count)
                return INVALID(d, foff, "unknown function %u", f);
            m->func_declared[f] = true;
            *out = (wconst_t){WCONST_FUNC, TCVM_FUNCREF, f, 0};
            break;
        }
        case 0x23: {
            uint32_t g = 0;
            size_t goff = d->c.pos;
            if ((st = u32(d, &g)) != TCVM_OK)
                return st;
            if (g >= globals_visible)
                return INVALID(d, goff, "unknown global %u", g);
            if (m->globals[g].type.is_mutable)
                return INVALID(d, goff, "constant expression required: global %u is mutable", g);
            *out = (wconst_t){WCONST_GLOBAL, m->globals[g].type.type, g, 0};
            break;
        }
        default:
            if (op == 0xfd)
                return FEATURE(d, op_off, "unsupported feature: SIMD");
            if (!tcvm__opcode_known(op))
                return MALFORMED(d, op_off, "illegal opcode 0x%02x", op);
            return INVALID(d, op_off, "constant expression required (opcode 0x%02x)", op);
        }
    }
    if (!have)
        return INVALID(d, off, "type mismatch: empty constant expression");
    if (out->type != want)
        return INVALID(d, off, "type mismatch: constant expression has type %s, expected %s",
                       tcvm_valtype_name(out->type), tcvm_valtype_name(want));
    return TCVM_OK;
}

/* ---- sections ------------------------------------------------------------------------- */

static tcvm_status_t sec_type(dec_t *d)
{
    tcvm_module_t *m = d->m;
    uint32_t n = 0;
    tcvm_status_t st = count(d, TCVM_WASM_MAX_TYPES, 3, "types", &n);
    if (st != TCVM_OK)
        return st;
    m->types = tcvm__calloc(n, sizeof *m->types);
    if (m->types == NULL && n > 0)
        return fail(d, TCVM_ENOMEM, d->c.pos, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        size_t off = d->c.pos;
        uint8_t form = 0;
        if ((st = u8(d, &form)) != TCVM_OK)
            return st;
        if (form == 0x5e || form == 0x5f || form == 0x4e || form == 0x50 || form == 0x4f)
            return FEATURE(d, off, "unsupported feature: GC types");
        if (form != 0x60)
            return MALFORMED(d, off, "malformed function type form 0x%02x in type %u", form, i);
        uint32_t np = 0, nr = 0;
        if ((st = count(d, TCVM_WASM_MAX_PARAMS, 1, "parameters", &np)) != TCVM_OK)
            return st;
        wtype_t *t = &m->types[i];
        t->types = tcvm__calloc(np, sizeof *t->types);
        if (t->types == NULL)
            return fail(d, TCVM_ENOMEM, off, "out of memory");
        m->type_count = i + 1;
        t->param_count = np;
        for (uint32_t k = 0; k < np; k++)
            if ((st = valtype(d, &t->types[k])) != TCVM_OK)
                return st;
        if ((st = count(d, TCVM_WASM_MAX_RESULTS, 1, "results", &nr)) != TCVM_OK)
            return st;
        tcvm_valtype_t *all = tcvm__reallocarray(t->types, (size_t)np + nr, sizeof *all);
        if (all == NULL)
            return fail(d, TCVM_ENOMEM, off, "out of memory");
        t->types = all;
        t->result_count = nr;
        for (uint32_t k = 0; k < nr; k++)
            if ((st = valtype(d, &t->types[np + k])) != TCVM_OK)
                return st;
    }
    m->type_count = n;
    return TCVM_OK;
}

static tcvm_status_t grow_array(dec_t *d, void **arr, uint32_t have, uint32_t add, size_t elem)
{
    size_t total;
    if (!tcvm__size_add(have, add, &total))
        return fail(d, TCVM_ENOMEM, d->c.pos, "out of memory");
    void *p = tcvm__reallocarray(*arr, total ? total : 1, elem);
    if (p == NULL)
        return fail(d, TCVM_ENOMEM, d->c.pos, "out of memory");
    memset((uint8_t *)p + (size_t)have * elem, 0, (size_t)add * elem);
    *arr = p;
    return TCVM_OK;
}

static tcvm_status_t sec_import(dec_t *d)
{
    tcvm_module_t *m = d->m;
    uint32_t n = 0;
    tcvm_status_t st = count(d, TCVM_WASM_MAX_IMPORTS, 4, "imports", &n);
    if (st != TCVM_OK)
        return st;
    m->imports = tcvm__calloc(n, sizeof *m->imports);
    if (m->imports == NULL && n > 0)
        return fail(d, TCVM_ENOMEM, d->c.pos, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        wimport_t *im = &m->imports[i];
        m->import_count = i + 1;
        if ((st = name(d, &im->module, &im->module_size)) != TCVM_OK)
            return st;
        if ((st = name(d, &im->name, &im->name_size)) != TCVM_OK)
            return st;
        size_t off = d->c.pos;
        uint8_t kind = 0;
        if ((st = u8(d, &kind)) != TCVM_OK)
            return st;
        switch (kind) {
        case 0x00: {
            uint32_t ti = 0;
            size_t toff = d->c.pos;
            if ((st = u32(d, &ti)) != TCVM_OK)
                return st;
            if (ti >= m->type_count)
                return INVALID(d, toff, "unknown type %u", ti);
            if (m->func_count >= TCVM_WASM_MAX_FUNCS)
                return MALFORMED(d, off, "too many functions");
            if ((st = grow_array(d, (void **)&m->func_types, m->func_count, 1,
                                 sizeof *m->func_types)) != TCVM_OK)
                return st;
            im->kind = TCVM_EXTERN_FUNC;
            im->index = m->func_count;
            im->type_index = ti;
            im->type.kind = TCVM_EXTERN_FUNC;
            im->type.of.func = (tcvm_functype_t){m->types[ti].param_count,
                                                 m->types[ti].result_count, m->types[ti].types,
                                                 m->types[ti].types + m->types[ti].param_count};
            m->func_types[m->func_count++] = ti;
            m->func_import_count++;
            break;
        }
        case 0x01: {
            tcvm_tabletype_t tt;
            if ((st = tabletype(d, &tt)) != TCVM_OK)
                return st;
            if (m->table_count >= TCVM_WASM_MAX_TABLES)
                return MALFORMED(d, off, "too many tables");
            if ((st = grow_array(d, (void **)&m->tables, m->table_count, 1,
                                 sizeof *m->tables)) != TCVM_OK)
                return st;
            im->kind = TCVM_EXTERN_TABLE;
            im->index = m->table_count;
            im->type.kind = TCVM_EXTERN_TABLE;
            im->type.of.table = tt;
            m->tables[m->table_count++] = tt;
            m->table_import_count++;
            break;
        }
        case 0x02: {
            tcvm_memtype_t mt;
            if ((st = limits(d, true, &mt.limits)) != TCVM_OK)
                return st;
            if (m->memory_count >= 1)
                return INVALID(d, off, "multiple memories (" TCVM_WASM_MULTI_MEMORY_REFUSAL ")");
            if ((st = grow_array(d, (void **)&m->memories, m->memory_count, 1,
                                 sizeof *m->memories)) != TCVM_OK)
                return st;
            im->kind = TCVM_EXTERN_MEMORY;
            im->index = m->memory_count;
            im->type.kind = TCVM_EXTERN_MEMORY;
            im->type.of.memory = mt;
            m->memories[m->memory_count++] = mt;
            m->memory_import_count++;
            break;
        }
        case 0x03: {
            tcvm_globaltype_t gt;
            if ((st = globaltype(d, &gt)) != TCVM_OK)
                return st;
            if (m->global_count >= TCVM_WASM_MAX_GLOBALS)
                return MALFORMED(d, off, "too many globals");
            if ((st = grow_array(d, (void **)&m->globals, m->global_count, 1,
                                 sizeof *m->globals)) != TCVM_OK)
                return st;
            im->kind = TCVM_EXTERN_GLOBAL;
            im->index = m->global_count;
            im->type.kind = TCVM_EXTERN_GLOBAL;
            im->type.of.global = gt;
            m->globals[m->global_count++].type = gt;
            m->global_import_count++;
            break;
        }
        case 0x04:
            return FEATURE(d, off, "unsupported feature: exception handling (tag import)");
        default:
            return MALFORMED(d, off, "malformed import kind 0x%02x", kind);
        }
    }
    return TCVM_OK;
}

static tcvm_status_t sec_function(dec_t *d)
{
    tcvm_module_t *m = d->m;
    uint32_t n = 0;
    tcvm_status_t st = count(d, TCVM_WASM_MAX_FUNCS, 1, "functions", &n);
    if (st != TCVM_OK)
        return st;
    if (n > TCVM_WASM_MAX_FUNCS - m->func_count)
        return MALFORMED(d, d->c.pos, "too many functions");
    if ((st = grow_array(d, (void **)&m->func_types, m->func_count, n, sizeof *m->func_types)) !=
        TCVM_OK)
        return st;
    for (uint32_t i = 0; i < n; i++) {
        size_t off = d->c.pos;
        uint32_t ti = 0;
        if ((st = u32(d, &ti)) != TCVM_OK)
            return st;
        if (ti >= m->type_count)
            return INVALID(d, off, "unknown type %u", ti);
        m->func_types[m->func_count++] = ti;
    }
    d->declared_funcs = n;
    return TCVM_OK;
}

static tcvm_status_t sec_table(dec_t *d)
{
    tcvm_module_t *m = d->m;
    uint32_t n = 0;
    tcvm_status_t st = count(d, TCVM_WASM_MAX_TABLES, 3, "tables", &n);
    if (st != TCVM_OK)
        return st;
    if (n > TCVM_WASM_MAX_TABLES - m->table_count)
        return MALFORMED(d, d->c.pos, "too many tables");
    if ((st = grow_array(d, (void **)&m->tables, m->table_count, n, sizeof *m->tables)) != TCVM_OK)
        return st;
    for (uint32_t i = 0; i < n; i++) {
        size_t off = d->c.pos;
        if (off < d->sec_end && d->c.data[off] == 0x40)
            return FEATURE(d, off, "unsupported feature: table initialiser expressions");
        if ((st = tabletype(d, &m->tables[m->table_count])) != TCVM_OK)
            return st;
        m->table_count++;
    }
    return TCVM_OK;
}

static tcvm_status_t sec_memory(dec_t *d)
{
    tcvm_module_t *m = d->m;
    uint32_t n = 0;
    tcvm_status_t st = count(d, 100, 2, "memories", &n);
    if (st != TCVM_OK)
        return st;
    if ((st = grow_array(d, (void **)&m->memories, m->memory_count, n, sizeof *m->memories)) !=
        TCVM_OK)
        return st;
    for (uint32_t i = 0; i < n; i++) {
        size_t off = d->c.pos;
        if ((st = limits(d, true, &m->memories[m->memory_count].limits)) != TCVM_OK)
            return st;
        if (m->memory_count >= 1)
            return INVALID(d, off, "multiple memories (" TCVM_WASM_MULTI_MEMORY_REFUSAL ")");
        m->memory_count++;
    }
    return TCVM_OK;
}

static tcvm_status_t sec_global(dec_t *d)
{
    tcvm_module_t *m = d->m;
    uint32_t n = 0;
    tcvm_status_t st = count(d, TCVM_WASM_MAX_GLOBALS, 3, "globals", &n);
    if (st != TCVM_OK)
        return st;
    if (n > TCVM_WASM_MAX_GLOBALS - m->global_count)
        return MALFORMED(d, d->c.pos, "too many globals");
    if ((st = grow_array(d, (void **)&m->globals, m->global_count, n, sizeof *m->globals)) !=
        TCVM_OK)
        return st;
    for (uint32_t i = 0; i < n; i++) {
        wglobal_t *g = &m->globals[m->global_count];
        if ((st = globaltype(d, &g->type)) != TCVM_OK)
            return st;
        /* initialisers may read imported globals only */
        if ((st = const_expr(d, g->type.type, m->global_import_count, &g->init)) != TCVM_OK)
            return st;
        m->global_count++;
    }
    return TCVM_OK;
}

/* An export name looked up among the earlier ones (exports[0..i)). */
typedef struct export_probe {
    const wexport_t *exports;
    const char *name;
    size_t size;
} export_probe_t;

static bool same_export_name(const void *ctx, uint32_t k)
{
    const export_probe_t *p = ctx;
    return p->exports[k].name_size == p->size && memcmp(p->exports[k].name, p->name, p->size) == 0;
}

static tcvm_status_t export_entry(dec_t *d, uint32_t i, tcvm__keyset_t *names)
{
    tcvm_module_t *m = d->m;
    wexport_t *ex = &m->exports[i];
    size_t noff = d->c.pos;
    m->export_count = i + 1;
    tcvm_status_t st = name(d, &ex->name, &ex->name_size);
    if (st != TCVM_OK)
        return st;
    size_t off = d->c.pos;
    uint8_t kind = 0;
    if ((st = u8(d, &kind)) != TCVM_OK)
        return st;
    if (kind == 0x04)
        return FEATURE(d, off, "unsupported feature: exception handling (tag export)");
    if (kind > 3)
        return MALFORMED(d, off, "malformed export kind 0x%02x", kind);
    ex->kind = (tcvm_externkind_t)kind;
    size_t ioff = d->c.pos;
    if ((st = u32(d, &ex->index)) != TCVM_OK)
        return st;
    static const char *const what[] = {"function", "table", "memory", "global"};
    uint32_t limit = kind == 0 ? m->func_count : kind == 1 ? m->table_count :
                     kind == 2 ? m->memory_count : m->global_count;
    if (ex->index >= limit)
        return INVALID(d, ioff, "unknown %s %u", what[kind], ex->index);
    if (kind == 0)
        m->func_declared[ex->index] = true;
    /* names are unique: a hash set keeps the check linear in the number of exports */
    export_probe_t p = {m->exports, ex->name, ex->name_size};
    uint32_t found;
    st = tcvm__keyset_add(names, tcvm__fnv1a(0xcbf29ce484222325ull, ex->name, ex->name_size), i,
                          same_export_name, &p, &found);
    if (st != TCVM_OK)
        return fail(d, st, noff, "out of memory");
    if (found != UINT32_MAX)
        return INVALID(d, noff, "duplicate export name \"%s\"", ex->name);
    return TCVM_OK;
}

static tcvm_status_t sec_export(dec_t *d)
{
    tcvm_module_t *m = d->m;
    uint32_t n = 0;
    tcvm_status_t st = count(d, TCVM_WASM_MAX_EXPORTS, 3, "exports", &n);
    if (st != TCVM_OK)
        return st;
    m->exports = tcvm__calloc(n, sizeof *m->exports);
    if (m->exports == NULL && n > 0)
        return fail(d, TCVM_ENOMEM, d->c.pos, "out of memory");
    tcvm__keyset_t names = {0};
    for (uint32_t i = 0; i < n && st == TCVM_OK; i++)
        st = export_entry(d, i, &names);
    tcvm__keyset_free(&names);
    return st;
}

static tcvm_status_t sec_start(dec_t *d)
{
    tcvm_module_t *m = d->m;
    size_t off = d->c.pos;
    tcvm_status_t st = u32(d, &m->start);
    if (st != TCVM_OK)
        return st;
    if (m->start >= m->func_count)
        return INVALID(d, off, "unknown function %u", m->start);
    const wtype_t *t = &m->types[m->func_types[m->start]];
    if (t->param_count != 0 || t->result_count != 0)
        return INVALID(d, off, "start function %u must take and return nothing", m->start);
    m->has_start = true;
    return TCVM_OK;
}

static tcvm_status_t elem_item_func(dec_t *d, wconst_t *out)
{
    tcvm_module_t *m = d->m;
    size_t off = d->c.pos;
    uint32_t f = 0;
    tcvm_status_t st = u32(d, &f);
    if (st != TCVM_OK)
        return st;
    if (f >= m->func_count)
        return INVALID(d, off, "unknown function %u", f);
    m->func_declared[f] = true;
    *out = (wconst_t){WCONST_FUNC, TCVM_FUNCREF, f, 0};
    return TCVM_OK;
}

static tcvm_status_t sec_element(dec_t *d)
{
    tcvm_module_t *m = d->m;
    uint32_t n = 0;
    tcvm_status_t st = count(d, TCVM_WASM_MAX_ELEM_SEGMENTS, 2, "element segments", &n);
    if (st != TCVM_OK)
        return st;
    m->elems = tcvm__calloc(n, sizeof *m->elems);
    if (m->elems == NULL && n > 0)
        return fail(d, TCVM_ENOMEM, d->c.pos, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        welem_t *e = &m->elems[i];
        m->elem_count = i + 1;
        size_t off = d->c.pos;
        uint32_t flags = 0;
        if ((st = u32(d, &flags)) != TCVM_OK)
            return st;
        if (flags > 7)
            return MALFORMED(d, off, "malformed elements segment kind %u", flags);
        bool passive_or_decl = flags & 1;
        bool explicit_table = flags & 2;
        bool exprs = flags & 4;
        e->mode = !passive_or_decl ? WSEG_ACTIVE : explicit_table ? WSEG_DECLARATIVE : WSEG_PASSIVE;
        e->type = TCVM_FUNCREF;
        e->table = 0;
        size_t toff = d->c.pos;
        if (e->mode == WSEG_ACTIVE && explicit_table && (st = u32(d, &e->table)) != TCVM_OK)
            return st;
        if (e->mode == WSEG_ACTIVE) {
            if (e->table >= m->table_count)
                return INVALID(d, toff, "unknown table %u", e->table);
            if ((st = const_expr(d, TCVM_I32, m->global_import_count, &e->offset)) != TCVM_OK)
                return st;
        }
        if (passive_or_decl || explicit_table) {
            size_t koff = d->c.pos;
            if (exprs) {
                if ((st = reftype(d, &e->type)) != TCVM_OK)
                    return st;
            } else {
                uint8_t kind = 0;
                if ((st = u8(d, &kind)) != TCVM_OK)
                    return st;
                if (kind != 0x00)
                    return MALFORMED(d, koff, "malformed element kind 0x%02x", kind);
            }
        }
        uint32_t items = 0;
        if ((st = count(d, TCVM_WASM_MAX_TABLE_SIZE, 1, "element items", &items)) != TCVM_OK)
            return st;
        e->items = tcvm__calloc(items, sizeof *e->items);
        if (e->items == NULL && items > 0)
            return fail(d, TCVM_ENOMEM, d->c.pos, "out of memory");
        for (uint32_t k = 0; k < items; k++) {
            st = exprs ? const_expr(d, e->type, m->global_import_count, &e->items[k])
                       : elem_item_func(d, &e->items[k]);
            if (st != TCVM_OK)
                return st;
            e->count = k + 1;
        }
        if (e->mode == WSEG_ACTIVE && m->tables[e->table].elem != e->type)
            return INVALID(d, off, "type mismatch: element segment %u of %s in a table of %s", i,
                           tcvm_valtype_name(e->type),
                           tcvm_valtype_name(m->tables[e->table].elem));
    }
    return TCVM_OK;
}

static tcvm_status_t sec_datacount(dec_t *d)
{
    tcvm_status_t st = u32(d, &d->m->data_count);
    if (st != TCVM_OK)
        return st;
    if (d->m->data_count > TCVM_WASM_MAX_DATA_SEGMENTS)
        return MALFORMED(d, d->c.pos, "too many data segments: %u", d->m->data_count);
    d->m->has_data_count = true;
    return TCVM_OK;
}

static tcvm_status_t sec_code(dec_t *d)
{
    tcvm_module_t *m = d->m;
    size_t off = d->c.pos;
    uint32_t n = 0;
    tcvm_status_t st = count(d, TCVM_WASM_MAX_FUNCS, 2, "function bodies", &n);
    if (st != TCVM_OK)
        return st;
    if (n != d->declared_funcs)
        return MALFORMED(d, off, "function and code section have inconsistent lengths (%u vs %u)",
                         d->declared_funcs, n);
    m->codes = tcvm__calloc(n, sizeof *m->codes);
    if (m->codes == NULL && n > 0)
        return fail(d, TCVM_ENOMEM, off, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        size_t boff = d->c.pos;
        uint32_t size = 0;
        const uint8_t *body = NULL;
        if ((st = u32(d, &size)) != TCVM_OK)
            return st;
        if (size > TCVM_WASM_MAX_FUNC_SIZE)
            return MALFORMED(d, boff, "function body too large: %u bytes", size);
        if ((st = bytes(d, size, &body)) != TCVM_OK)
            return st;
        uint32_t fi = m->func_import_count + i;
        st = tcvm__wasm_compile(m, fi, body, size, (size_t)(body - d->c.data), d->err);
        if (st != TCVM_OK)
            return st;
    }
    return TCVM_OK;
}

static tcvm_status_t sec_data(dec_t *d)
{
    tcvm_module_t *m = d->m;
    size_t off = d->c.pos;
    uint32_t n = 0;
    tcvm_status_t st = count(d, TCVM_WASM_MAX_DATA_SEGMENTS, 2, "data segments", &n);
    if (st != TCVM_OK)
        return st;
    if (m->has_data_count && n != m->data_count)
        return MALFORMED(d, off, "data count and data section have inconsistent lengths (%u vs %u)",
                         m->data_count, n);
    m->datas = tcvm__calloc(n, sizeof *m->datas);
    if (m->datas == NULL && n > 0)
        return fail(d, TCVM_ENOMEM, off, "out of memory");
    /* one copy of every segment's bytes: the section's size bounds it */
    m->data_bytes = tcvm__malloc(d->sec_end - d->c.pos);
    if (m->data_bytes == NULL)
        return fail(d, TCVM_ENOMEM, off, "out of memory");
    size_t used = 0;
    for (uint32_t i = 0; i < n; i++) {
        wdata_t *s = &m->datas[i];
        size_t soff = d->c.pos;
        uint32_t flags = 0;
        if ((st = u32(d, &flags)) != TCVM_OK)
            return st;
        if (flags > 2)
            return MALFORMED(d, soff, "malformed data segment kind %u", flags);
        s->mode = flags == 1 ? WSEG_PASSIVE : WSEG_ACTIVE;
        size_t moff = d->c.pos;
        if (flags == 2 && (st = u32(d, &s->memory)) != TCVM_OK)
            return st;
        if (s->mode == WSEG_ACTIVE) {
            if (s->memory >= m->memory_count)
                return INVALID(d, moff, "unknown memory %u", s->memory);
            if ((st = const_expr(d, TCVM_I32, m->global_import_count, &s->offset)) != TCVM_OK)
                return st;
        }
        const uint8_t *p = NULL;
        if ((st = u32(d, &s->size)) != TCVM_OK)
            return st;
        if ((st = bytes(d, s->size, &p)) != TCVM_OK)
            return st;
        memcpy(m->data_bytes + used, p, s->size);
        s->bytes = m->data_bytes + used;
        used += s->size;
        m->data_count = i + 1;
    }
    m->data_count = n;
    return TCVM_OK;
}

static tcvm_status_t sec_custom(dec_t *d)
{
    /* the name must be valid UTF-8; the contents are not interpreted */
    tcvm_status_t st = name(d, NULL, NULL);
    if (st != TCVM_OK)
        return st;
    d->c.pos = d->sec_end;
    return TCVM_OK;
}

/* The position of each non-custom section in the required order (0 = not allowed). */
static int section_rank(unsigned id)
{
    static const int rank[] = {
        [SEC_TYPE] = 1,    [SEC_IMPORT] = 2, [SEC_FUNCTION] = 3, [SEC_TABLE] = 4,
        [SEC_MEMORY] = 5,  [SEC_GLOBAL] = 7, [SEC_EXPORT] = 8,   [SEC_START] = 9,
        [SEC_ELEMENT] = 10, [SEC_DATACOUNT] = 11, [SEC_CODE] = 12, [SEC_DATA] = 13,
        [SEC_TAG] = 6,
    };
    return id < TCVM__ARRAY_COUNT(rank) ? rank[id] : 0;
}

static tcvm_status_t decode(dec_t *d)
{
    tcvm_module_t *m = d->m;
    const uint8_t *p = NULL;
    d->sec_end = d->c.size;
    if (tcvm__cur_bytes(&d->c, 4, &p) != TCVM_OK || memcmp(p, "\0asm", 4) != 0)
        return MALFORMED(d, 0, "magic header not detected");
    if (tcvm__cur_bytes(&d->c, 4, &p) != TCVM_OK)
        return MALFORMED(d, 4, "unexpected end: unknown binary version");
    if (tcvm__le32(p) != 1) {
        if (tcvm__le32(p) == 0x0001000d)
            return MALFORMED(d, 4, "this is a WebAssembly component, not a core module");
        return MALFORMED(d, 4, "unknown binary version 0x%08x", tcvm__le32(p));
    }
    int last_rank = 0;
    bool have_code = false;
    while (!tcvm__cur_eof(&d->c)) {
        size_t off = d->c.pos;
        d->sec = NULL;
        d->sec_end = d->c.size;
        uint8_t id = 0;
        uint32_t size = 0;
        tcvm_status_t st = u8(d, &id);
        if (st != TCVM_OK)
            return st;
        if (id > SEC_TAG)
            return MALFORMED(d, off, "malformed section id %u", id);
        d->sec = section_name(id);
        if ((st = u32(d, &size)) != TCVM_OK)
            return st;
        if (size > tcvm__cur_left(&d->c))
            return MALFORMED(d, off, "unexpected end: section size %u past the end of the module",
                             size);
        d->sec_end = d->c.pos + size;
        if (id != SEC_CUSTOM) {
            int rank = section_rank(id);
            if (rank <= last_rank)
                return MALFORMED(d, off, "unexpected content after last section: %s section out "
                                 "of order or repeated", d->sec);
            last_rank = rank;
        }
        if (section_rank(id) > section_rank(SEC_FUNCTION) && m->func_declared == NULL) {
            /* the function space is complete now; ref.func may name only the functions the
             * later sections declare (globals, exports, elements) */
            m->func_declared = tcvm__calloc((size_t)m->func_count + 1, sizeof(bool));
            if (m->func_declared == NULL)
                return fail(d, TCVM_ENOMEM, off, "out of memory");
        }
        switch (id) {
        case SEC_CUSTOM: st = sec_custom(d); break;
        case SEC_TYPE: st = sec_type(d); break;
        case SEC_IMPORT: st = sec_import(d); break;
        case SEC_FUNCTION: st = sec_function(d); break;
        case SEC_TABLE: st = sec_table(d); break;
        case SEC_MEMORY: st = sec_memory(d); break;
        case SEC_GLOBAL: st = sec_global(d); break;
        case SEC_EXPORT: st = sec_export(d); break;
        case SEC_START: st = sec_start(d); break;
        case SEC_ELEMENT: st = sec_element(d); break;
        case SEC_DATACOUNT: st = sec_datacount(d); break;
        case SEC_CODE: st = sec_code(d); have_code = true; break;
        case SEC_DATA: st = sec_data(d); break;
        case SEC_TAG:
            return FEATURE(d, off, "unsupported feature: exception handling (tag section)");
        }
        if (st != TCVM_OK)
            return st;
        if (d->c.pos != d->sec_end)
            return MALFORMED(d, d->c.pos, "section size mismatch: %zu bytes left unread",
                             d->sec_end - d->c.pos);
    }
    d->sec = NULL;
    if (!have_code && d->declared_funcs > 0)
        return MALFORMED(d, d->c.pos, "function and code section have inconsistent lengths "
                         "(%u functions, no code section)", d->declared_funcs);
    if (m->data_use.seen && !m->has_data_count) {
        /* with data segments present the binary needed a data count section; without any,
         * the index names a segment that does not exist */
        if (m->data_count > 0)
            return MALFORMED(d, m->data_use.offset, "data count section required (memory.init or "
                             "data.drop in function %u)", m->data_use.func);
        return INVALID(d, m->data_use.offset, "unknown data segment %u (function %u)",
                       m->data_use.index, m->data_use.func);
    }
    if (m->has_data_count && m->datas == NULL && m->data_count > 0)
        return MALFORMED(d, d->c.pos, "data count and data section have inconsistent lengths "
                         "(%u segments counted, no data section)", m->data_count);
    return TCVM_OK;
}

/* ---- public --------------------------------------------------------------------------- */

static void module_free(tcvm_module_t *m)
{
    for (uint32_t i = 0; i < m->type_count; i++)
        tcvm__free(m->types[i].types);
    tcvm__free(m->types);
    for (uint32_t i = 0; i < m->import_count; i++) {
        tcvm__free(m->imports[i].module);
        tcvm__free(m->imports[i].name);
    }
    tcvm__free(m->imports);
    tcvm__free(m->func_types);
    tcvm__free(m->tables);
    tcvm__free(m->memories);
    tcvm__free(m->globals);
    for (uint32_t i = 0; i < m->export_count; i++)
        tcvm__free(m->exports[i].name);
    tcvm__free(m->exports);
    for (uint32_t i = 0; i < m->elem_count; i++)
        tcvm__free(m->elems[i].items);
    tcvm__free(m->elems);
    tcvm__free(m->datas);
    tcvm__free(m->data_bytes);
    if (m->codes != NULL) {
        for (uint32_t i = 0; i < m->func_count - m->func_import_count; i++)
            tcvm__wasm_code_free(&m->codes[i]);
    }
    tcvm__free(m->codes);
    tcvm__free(m->func_declared);
    tcvm__aot_code_free(m->aot);
    tcvm__free(m);
}

void tcvm__module_release(tcvm_module_t *m)
{
    if (m != NULL && atomic_fetch_sub(&m->refs, 1) == 1)
        module_free(m);
}

static tcvm_status_t module_decode(tcvm_engine_t *engine, const uint8_t *bytes_in, size_t size,
                                   tcvm_module_t **out_module, tcvm_error_t *err)
{
    tcvm__error_clear(err);
    if (bytes_in == NULL && size > 0)
        return tcvm__errorf(err, TCVM_EINVAL, "no module bytes");
    tcvm_module_t *m = tcvm__calloc(1, sizeof *m);
    if (m == NULL)
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    atomic_init(&m->refs, 1);
    m->engine = engine;
    dec_t d = {.m = m, .c = tcvm__cursor(bytes_in, size), .err = err, .compile = true};
    tcvm_status_t st = decode(&d);
    if (st == TCVM_OK && engine->config.tier == TCVM_TIER_AOT)
        st = tcvm__aot_compile(m, bytes_in, size, err);
    if (st != TCVM_OK) {
        module_free(m);
        return st;
    }
    *out_module = m;
    return TCVM_OK;
}

tcvm_status_t tcvm_module_new(tcvm_engine_t *engine, const uint8_t *bytes_in, size_t size,
                              tcvm_module_t **out_module, tcvm_error_t *err)
{
    if (engine == NULL || out_module == NULL)
        return tcvm__errorf(err, TCVM_EINVAL, "engine and out_module are required");
    return module_decode(engine, bytes_in, size, out_module, err);
}

tcvm_status_t tcvm_module_validate(const uint8_t *bytes_in, size_t size, tcvm_error_t *err)
{
    tcvm_engine_t engine;
    memset(&engine, 0, sizeof engine); /* the interpreter's defaults: validation only */
    tcvm_module_t *m;
    tcvm_status_t st = module_decode(&engine, bytes_in, size, &m, err);
    if (st == TCVM_OK)
        module_free(m);
    return st;
}

void tcvm_module_free(tcvm_module_t *module)
{
    tcvm__module_release(module);
}

size_t tcvm_module_import_count(const tcvm_module_t *module)
{
    return module->import_count;
}

tcvm_status_t tcvm_module_import(const tcvm_module_t *module, size_t index,
                                 tcvm_import_desc_t *out_desc)
{
    if (index >= module->import_count)
        return TCVM_EINVAL;
    const wimport_t *im = &module->imports[index];
    out_desc->module = im->module;
    out_desc->module_size = im->module_size;
    out_desc->name = im->name;
    out_desc->name_size = im->name_size;
    out_desc->type = im->type;
    return TCVM_OK;
}

size_t tcvm_module_export_count(const tcvm_module_t *module)
{
    return module->export_count;
}

tcvm_status_t tcvm_module_export(const tcvm_module_t *module, size_t index,
                                 tcvm_export_desc_t *out_desc)
{
    if (index >= module->export_count)
        return TCVM_EINVAL;
    const wexport_t *ex = &module->exports[index];
    const tcvm_module_t *m = module;
    out_desc->name = ex->name;
    out_desc->name_size = ex->name_size;
    out_desc->type.kind = ex->kind;
    switch (ex->kind) {
    case TCVM_EXTERN_FUNC: {
        const wtype_t *t = &m->types[m->func_types[ex->index]];
        out_desc->type.of.func = (tcvm_functype_t){t->param_count, t->result_count, t->types,
                                                   t->types + t->param_count};
        break;
    }
    case TCVM_EXTERN_TABLE:
        out_desc->type.of.table = m->tables[ex->index];
        break;
    case TCVM_EXTERN_MEMORY:
        out_desc->type.of.memory = m->memories[ex->index];
        break;
    case TCVM_EXTERN_GLOBAL:
        out_desc->type.of.global = m->globals[ex->index].type;
        break;
    }
    return TCVM_OK;
}
