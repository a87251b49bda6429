/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs one WebAssembly spec-test script. wabt's wast2json turns the .wast text into a JSON list
 * of commands plus one binary per module; this file reads that JSON (jansson), keeps the
 * script's modules, names and registrations, provides the "spectest" host module, and judges
 * every command against the engine through the public API only. A command that the engine
 * cannot judge (a text-format module, a feature it refuses such as SIMD) is skipped with its
 * reason; a wrong kind of error counts as a failure (the spec's message strings are mapped to
 * status codes; the engine's own message text need not match). Everything is freed on every
 * path, whatever the engine returns.
 */
#include "cli/spec.h"

#include "base/base.h"
#include "tcvm/wasm.h"
#include "tcvm/wasm_text.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPEC_MAX_MODULE_SIZE ((size_t)256 << 20) /* one module binary */
#define SPEC_MAX_JSON_SIZE ((size_t)1 << 30)     /* one converted script */
#define SPEC_MAX_VALUES 10000u                   /* arguments or results of one action */

static const char *const kind_names[SPEC_KIND_COUNT] = {
    "module",
    "register",
    "action",
    "assert_return",
    "assert_trap",
    "assert_exhaustion",
    "assert_invalid",
    "assert_malformed",
    "assert_unlinkable",
    "assert_uninstantiable",
    "other",
};

const char *spec_kind_name(spec_kind_t kind)
{
    return (unsigned)kind < SPEC_KIND_COUNT ? kind_names[kind] : "other";
}

void spec_counts_add(spec_counts_t *dst, const spec_counts_t *src)
{
    dst->passed += src->passed;
    dst->failed += src->failed;
    dst->skipped += src->skipped;
    for (int k = 0; k < SPEC_KIND_COUNT; k++)
        for (int i = 0; i < 3; i++)
            dst->kind[k][i] += src->kind[k][i];
}

/* snprintf for messages, where cutting a long text short is intended. */
static void textf(char *out, size_t size, const char *fmt, ...) TCVM__PRINTF(3, 4);

static void textf(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, size, fmt, ap);
    va_end(ap);
}

/* ---- state of one script ------------------------------------------------------------- */

/* A module command of the script and what became of it. */
typedef struct spec_slot {
    tcvm_instance_t *instance; /* NULL when the module is unavailable */
    unsigned line;
    bool skipped;                  /* unavailable because the engine refused a feature */
    char reason[SPEC_REASON_SIZE]; /* why it is unavailable */
} spec_slot_t;

/* A name bound to a slot: "$M" names of modules and "as" names of registrations. */
typedef struct spec_name {
    char *name;
    size_t size;
    size_t slot;
} spec_name_t;

typedef struct spec_names {
    spec_name_t *items;
    size_t count, cap;
} spec_names_t;

/* The spectest host functions: name and parameter types. */
static const struct {
    const char *name;
    tcvm_valtype_t params[2];
    uint32_t param_count;
} spectest_funcs[] = {
    {"print", {TCVM_I32, TCVM_I32}, 0},         {"print_i32", {TCVM_I32, TCVM_I32}, 1},
    {"print_i64", {TCVM_I64, TCVM_I64}, 1},     {"print_f32", {TCVM_F32, TCVM_F32}, 1},
    {"print_f64", {TCVM_F64, TCVM_F64}, 1},     {"print_i32_f32", {TCVM_I32, TCVM_F32}, 2},
    {"print_f64_f64", {TCVM_F64, TCVM_F64}, 2},
};
#define SPECTEST_FUNC_COUNT (sizeof spectest_funcs / sizeof spectest_funcs[0])

typedef struct spec_file spec_file_t;

typedef struct spectest_env {
    spec_file_t *file;
    size_t index;
} spectest_env_t;

typedef struct spectest_item {
    const char *name;
    tcvm_extern_t ext;
} spectest_item_t;

struct spec_file {
    const spec_options_t *opt;
    const char *display; /* the script's file name, for messages */
    tcvm_engine_t *engine;
    tcvm_store_t *store;
    spec_slot_t *slots;
    size_t slot_count, slot_cap;
    size_t current; /* slot of the last module command; SIZE_MAX before the first */
    spec_names_t names;
    spec_names_t registry;
    spectest_env_t spectest_env[SPECTEST_FUNC_COUNT];
    spectest_item_t spectest[SPECTEST_FUNC_COUNT + 6];
    size_t spectest_count;

    spec_tally_t t;
    unsigned long modules_seen, modules_refused; /* module commands, and those refused for a
                                                    feature */
    char refused_reason[SPEC_REASON_SIZE];
};

/* ---- verdicts ------------------------------------------------------------------------ */

static void pass(spec_file_t *f, spec_kind_t kind)
{
    spec_tally_pass(&f->t, kind);
}

static void failf(spec_file_t *f, spec_kind_t kind, unsigned line, const char *fmt, ...)
    TCVM__PRINTF(4, 5);

static void failf(spec_file_t *f, spec_kind_t kind, unsigned line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    spec_tally_vfail(&f->t, kind, line, fmt, ap);
    va_end(ap);
}

static void skip(spec_file_t *f, spec_kind_t kind, unsigned line, const char *reason)
{
    /* Group by cause: leave out where in the module it was ("(code section, ..., offset N)"),
     * which differs from module to module. */
    char key[SPEC_REASON_SIZE];
    textf(key, sizeof key, "%s", reason);
    char *place = strrchr(key, '(');
    if (place != NULL && place > key && place[-1] == ' ' && strstr(place, "offset") != NULL &&
        key[strlen(key) - 1] == ')')
        place[-1] = '\0';
    spec_tally_skip(&f->t, kind, line, reason, key);
}

/* ---- text helpers -------------------------------------------------------------------- */

/* Writes a name from the script quoted, with control and non-ASCII bytes as \xx. */
static void quote(char *out, size_t out_size, const char *s, size_t n)
{
    size_t o = 0;
    if (out_size < 8) return;
    out[o++] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (o + 8 >= out_size) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            o += (size_t)snprintf(out + o, out_size - o, "\\%02x", c);
        else
            out[o++] = (char)c;
    }
    out[o++] = '"';
    out[o] = '\0';
}

/* A value as text; externref N of the script shows as "externref:N". */
static void val_text(const tcvm_val_t *v, char *out, size_t out_size)
{
    if (v->type == TCVM_EXTERNREF && v->of.externref != NULL) {
        textf(out, out_size, "externref:%" PRIuPTR, (uintptr_t)v->of.externref - 1);
        return;
    }
    tcvm_val_format(v, out, out_size);
}

static void vals_text(const tcvm_val_t *vals, size_t count, char *out, size_t out_size)
{
    size_t o = 0;
    out[0] = '\0';
    o += (size_t)snprintf(out, out_size, "(");
    for (size_t i = 0; i < count && o < out_size; i++) {
        char one[TCVM_VAL_TEXT_MAX];
        val_text(&vals[i], one, sizeof one);
        o += (size_t)snprintf(out + o, out_size - o, "%s%s", i ? " " : "", one);
    }
    if (o < out_size) textf(out + o, out_size - o, ")");
}

/* ---- values from the JSON ------------------------------------------------------------ */

typedef enum expect_kind {
    EXPECT_VALUE,
    EXPECT_NAN_CANONICAL,
    EXPECT_NAN_ARITHMETIC
} expect_kind_t;

typedef struct spec_expect {
    expect_kind_t kind;
    tcvm_val_t val; /* the value, or for the NaN patterns just the type */
} spec_expect_t;

typedef enum value_result { VALUE_OK, VALUE_BAD, VALUE_UNSUPPORTED } value_result_t;

static bool decimal_u64(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (*s == '\0') return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return false;
        if (__builtin_mul_overflow(v, 10u, &v) ||
            __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
            return false;
    }
    if (v > max) return false;
    *out = v;
    return true;
}

/*
 * Reads {"type": T, "value": V}: numbers are the decimal bit patterns, references "null" or a
 * number N (externref N becomes the host value N+1, so that 0 stays distinct from null).
 * allow_patterns admits "nan:canonical" and "nan:arithmetic" (expected results only).
 */
static value_result_t json_value(json_t *j, bool allow_patterns, spec_expect_t *out, char *why,
                                 size_t why_size)
{
    const char *type = json_string_value(json_object_get(j, "type"));
    const char *value = json_string_value(json_object_get(j, "value"));
    if (type == NULL) {
        textf(why, why_size, "a value without a type");
        return VALUE_BAD;
    }
    tcvm_valtype_t t;
    if (!tcvm_valtype_from_name(type, strlen(type), &t)) {
        textf(why, why_size, "%s values (%s)", type,
              strcmp(type, "v128") == 0 ? "SIMD is not supported" : "unknown type");
        return VALUE_UNSUPPORTED;
    }
    if (value == NULL) {
        textf(why, why_size, "a %s value without a value", type);
        return VALUE_BAD;
    }
    out->kind = EXPECT_VALUE;
    out->val.type = t;
    if ((t == TCVM_F32 || t == TCVM_F64) && allow_patterns &&
        (strcmp(value, "nan:canonical") == 0 || strcmp(value, "nan:arithmetic") == 0)) {
        out->kind = value[4] == 'c' ? EXPECT_NAN_CANONICAL : EXPECT_NAN_ARITHMETIC;
        out->val.of.f64_bits = 0;
        return VALUE_OK;
    }
    uint64_t bits;
    switch (t) {
    case TCVM_I32:
    case TCVM_F32:
        if (!decimal_u64(value, UINT32_MAX, &bits)) break;
        if (t == TCVM_I32)
            out->val.of.i32 = (int32_t)(uint32_t)bits;
        else
            out->val.of.f32_bits = (uint32_t)bits;
        return VALUE_OK;
    case TCVM_I64:
    case TCVM_F64:
        if (!decimal_u64(value, UINT64_MAX, &bits)) break;
        if (t == TCVM_I64)
            out->val.of.i64 = (int64_t)bits;
        else
            out->val.of.f64_bits = bits;
        return VALUE_OK;
    case TCVM_FUNCREF:
        if (strcmp(value, "null") != 0) break;
        out->val.of.funcref = NULL;
        return VALUE_OK;
    case TCVM_EXTERNREF:
        if (strcmp(value, "null") == 0) {
            out->val.of.externref = NULL;
            return VALUE_OK;
        }
        if (!decimal_u64(value, UINTPTR_MAX - 1, &bits)) break;
        out->val.of.externref = (void *)(uintptr_t)(bits + 1);
        return VALUE_OK;
    }
    textf(why, why_size, "unreadable %s value \"%.40s\"", type, value);
    return VALUE_BAD;
}

static bool expect_matches(const spec_expect_t *e, const tcvm_val_t *got)
{
    if (got->type != e->val.type) return false;
    if (e->kind != EXPECT_VALUE) {
        bool is32 = got->type == TCVM_F32;
        uint64_t bits = is32 ? got->of.f32_bits : got->of.f64_bits;
        uint64_t quiet_nan = is32 ? 0x7fc00000u : 0x7ff8000000000000u;
        uint64_t magnitude = bits & (is32 ? 0x7fffffffu : 0x7fffffffffffffffu);
        if (e->kind == EXPECT_NAN_CANONICAL) return magnitude == quiet_nan;
        return (bits & quiet_nan) == quiet_nan; /* arithmetic: any quiet NaN */
    }
    switch (got->type) {
    case TCVM_I32:
        return got->of.i32 == e->val.of.i32;
    case TCVM_I64:
        return got->of.i64 == e->val.of.i64;
    case TCVM_F32:
        return got->of.f32_bits == e->val.of.f32_bits;
    case TCVM_F64:
        return got->of.f64_bits == e->val.of.f64_bits;
    case TCVM_FUNCREF:
        return got->of.funcref == e->val.of.funcref;
    case TCVM_EXTERNREF:
        return got->of.externref == e->val.of.externref;
    }
    return false;
}

static void expect_text(const spec_expect_t *e, char *out, size_t out_size)
{
    if (e->kind == EXPECT_VALUE)
        val_text(&e->val, out, out_size);
    else
        textf(out, out_size, "%s:nan:%s", e->val.type == TCVM_F32 ? "f32" : "f64",
              e->kind == EXPECT_NAN_CANONICAL ? "canonical" : "arithmetic");
}

/* ---- names --------------------------------------------------------------------------- */

static bool names_set(spec_names_t *names, const char *name, size_t size, size_t slot)
{
    for (size_t i = 0; i < names->count; i++) {
        if (names->items[i].size == size && memcmp(names->items[i].name, name, size) == 0) {
            names->items[i].slot = slot;
            return true;
        }
    }
    if (names->count == names->cap) {
        size_t cap = names->cap ? names->cap * 2 : 8;
        spec_name_t *items = tcvm__reallocarray(names->items, cap, sizeof *items);
        if (items == NULL) return false;
        names->items = items;
        names->cap = cap;
    }
    char *copy = tcvm__memdup(name, size ? size : 1);
    if (copy == NULL) return false;
    names->items[names->count++] = (spec_name_t){copy, size, slot};
    return true;
}

static bool names_get(const spec_names_t *names, const char *name, size_t size, size_t *slot)
{
    for (size_t i = names->count; i-- > 0;) {
        if (names->items[i].size == size && memcmp(names->items[i].name, name, size) == 0) {
            *slot = names->items[i].slot;
            return true;
        }
    }
    return false;
}

static void names_free(spec_names_t *names)
{
    for (size_t i = 0; i < names->count; i++)
        tcvm__free(names->items[i].name);
    tcvm__free(names->items);
    memset(names, 0, sizeof *names);
}

/* ---- the spectest host module -------------------------------------------------------- */

static tcvm_status_t spectest_print(void *env, tcvm_caller_t *caller, const tcvm_val_t *args,
                                    tcvm_val_t *results)
{
    (void)caller;
    (void)results;
    const spectest_env_t *e = env;
    if (!e->file->opt->verbose) return TCVM_OK;
    char text[3 * TCVM_VAL_TEXT_MAX];
    vals_text(args, spectest_funcs[e->index].param_count, text, sizeof text);
    printf("  spectest.%s%s\n", spectest_funcs[e->index].name, text);
    return TCVM_OK;
}

/* Creates the spectest functions, globals, table and memory in the store. */
static tcvm_status_t spectest_init(spec_file_t *f, char *why, size_t why_size)
{
    tcvm_status_t st;
    for (size_t i = 0; i < SPECTEST_FUNC_COUNT; i++) {
        f->spectest_env[i] = (spectest_env_t){f, i};
        tcvm_functype_t type = {spectest_funcs[i].param_count, 0, spectest_funcs[i].params, NULL};
        tcvm_func_t *fn;
        st = tcvm_func_new_host(f->store, &type, spectest_print, &f->spectest_env[i], NULL, &fn);
        if (st != TCVM_OK) {
            textf(why, why_size, "tcvm_func_new_host(spectest.%s): %s", spectest_funcs[i].name,
                  tcvm_status_name(st));
            return st;
        }
        f->spectest[f->spectest_count].name = spectest_funcs[i].name;
        f->spectest[f->spectest_count].ext.kind = TCVM_EXTERN_FUNC;
        f->spectest[f->spectest_count++].ext.of.func = fn;
    }
    static const struct {
        const char *name;
        tcvm_valtype_t type;
        uint64_t bits;
    } globals[] = {
        {"global_i32", TCVM_I32, 666},
        {"global_i64", TCVM_I64, 666},
        {"global_f32", TCVM_F32, 0x4426a666u},         /* 666.6f */
        {"global_f64", TCVM_F64, 0x4084d4cccccccccdu}, /* 666.6 */
    };
    for (size_t i = 0; i < sizeof globals / sizeof globals[0]; i++) {
        tcvm_globaltype_t gt = {globals[i].type, false};
        tcvm_val_t v = {.type = globals[i].type};
        if (gt.type == TCVM_I32)
            v.of.i32 = (int32_t)globals[i].bits;
        else if (gt.type == TCVM_F32)
            v.of.f32_bits = (uint32_t)globals[i].bits;
        else
            v.of.i64 = (int64_t)globals[i].bits; /* same bits as f64_bits */
        tcvm_global_t *g;
        st = tcvm_global_new(f->store, &gt, v, &g);
        if (st != TCVM_OK) {
            textf(why, why_size, "tcvm_global_new(spectest.%s): %s", globals[i].name,
                  tcvm_status_name(st));
            return st;
        }
        f->spectest[f->spectest_count].name = globals[i].name;
        f->spectest[f->spectest_count].ext.kind = TCVM_EXTERN_GLOBAL;
        f->spectest[f->spectest_count++].ext.of.global = g;
    }
    tcvm_tabletype_t tt = {TCVM_FUNCREF, {10, 20, true}};
    tcvm_val_t null_func = {.type = TCVM_FUNCREF, .of.funcref = NULL};
    tcvm_table_t *table;
    if ((st = tcvm_table_new(f->store, &tt, null_func, &table)) != TCVM_OK) {
        textf(why, why_size, "tcvm_table_new(spectest.table): %s", tcvm_status_name(st));
        return st;
    }
    f->spectest[f->spectest_count].name = "table";
    f->spectest[f->spectest_count].ext.kind = TCVM_EXTERN_TABLE;
    f->spectest[f->spectest_count++].ext.of.table = table;
    tcvm_memtype_t mt = {{1, 2, true}};
    tcvm_memory_t *memory;
    if ((st = tcvm_memory_new(f->store, &mt, &memory)) != TCVM_OK) {
        textf(why, why_size, "tcvm_memory_new(spectest.memory): %s", tcvm_status_name(st));
        return st;
    }
    f->spectest[f->spectest_count].name = "memory";
    f->spectest[f->spectest_count].ext.kind = TCVM_EXTERN_MEMORY;
    f->spectest[f->spectest_count++].ext.of.memory = memory;
    return TCVM_OK;
}

/* ---- modules ------------------------------------------------------------------------- */

typedef enum load_result {
    LOAD_OK,      /* *out_module set */
    LOAD_REFUSED, /* the engine refused the module: status and message in err */
    LOAD_ERROR,   /* the runner could not read it, or the two entry points disagree: why */
} load_result_t;

/*
 * Reads a module binary of the script and compiles it. Every module also goes through
 * tcvm_module_validate, which must agree with tcvm_module_new.
 */
static load_result_t load_module(spec_file_t *f, const char *dir, const char *filename,
                                 tcvm_module_t **out_module, tcvm_error_t *err, char *why,
                                 size_t why_size)
{
    if (filename == NULL || filename[0] == '\0' || strchr(filename, '/') != NULL ||
        strcmp(filename, "..") == 0) {
        textf(why, why_size, "bad module file name in the script");
        return LOAD_ERROR;
    }
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, filename) >= sizeof path) {
        textf(why, why_size, "module path too long");
        return LOAD_ERROR;
    }
    uint8_t *bytes = NULL;
    size_t size = 0;
    tcvm_error_t read_err = {0};
    if (tcvm__read_file(path, SPEC_MAX_MODULE_SIZE, &bytes, &size, &read_err) != TCVM_OK) {
        textf(why, why_size, "cannot read %s: %s", filename, read_err.message);
        return LOAD_ERROR;
    }
    tcvm_error_t verr = {0};
    tcvm_status_t vst = tcvm_module_validate(bytes, size, &verr);
    tcvm__error_clear(err);
    tcvm_status_t st = tcvm_module_new(f->engine, bytes, size, out_module, err);
    tcvm__free(bytes);
    if (vst != st && !(vst == TCVM_OK && (st == TCVM_ENOMEM || st == TCVM_ELIMIT))) {
        textf(why, why_size, "tcvm_module_validate gives %s but tcvm_module_new gives %s (%s)",
              tcvm_status_name(vst), tcvm_status_name(st),
              st != TCVM_OK ? err->message : verr.message);
        if (st == TCVM_OK) {
            tcvm_module_free(*out_module);
            *out_module = NULL;
        }
        return LOAD_ERROR;
    }
    if (st != TCVM_OK) {
        err->status = st;
        return LOAD_REFUSED;
    }
    return LOAD_OK;
}

typedef enum resolve_result {
    RESOLVE_OK,
    RESOLVE_UNKNOWN, /* an import names nothing that exists: why */
    RESOLVE_SKIP,    /* an import comes from a module that was skipped: why */
    RESOLVE_ERROR,   /* out of memory or an engine error: why */
} resolve_result_t;

/* Finds an extern for every import of the module, as a linker would. */
static resolve_result_t resolve_imports(spec_file_t *f, const tcvm_module_t *module,
                                        tcvm_extern_t **out_imports, size_t *out_count, char *why,
                                        size_t why_size)
{
    size_t n = tcvm_module_import_count(module);
    *out_imports = NULL;
    *out_count = 0;
    if (n == 0) return RESOLVE_OK;
    tcvm_extern_t *imports = tcvm__calloc(n, sizeof *imports);
    if (imports == NULL) {
        textf(why, why_size, "out of memory for %zu imports", n);
        return RESOLVE_ERROR;
    }
    for (size_t i = 0; i < n; i++) {
        tcvm_import_desc_t d;
        tcvm_status_t st = tcvm_module_import(module, i, &d);
        if (st != TCVM_OK) {
            textf(why, why_size, "tcvm_module_import(%zu): %s", i, tcvm_status_name(st));
            tcvm__free(imports);
            return RESOLVE_ERROR;
        }
        char mq[128], nq[128];
        quote(mq, sizeof mq, d.module, d.module_size);
        quote(nq, sizeof nq, d.name, d.name_size);
        bool found = false;
        if (d.module_size == 8 && memcmp(d.module, "spectest", 8) == 0) {
            for (size_t k = 0; k < f->spectest_count && !found; k++) {
                const char *name = f->spectest[k].name;
                if (strlen(name) == d.name_size && memcmp(name, d.name, d.name_size) == 0) {
                    imports[i] = f->spectest[k].ext;
                    found = true;
                }
            }
        } else {
            size_t slot;
            if (names_get(&f->registry, d.module, d.module_size, &slot)) {
                const spec_slot_t *s = &f->slots[slot];
                if (s->instance == NULL) {
                    textf(why, why_size, "import %s %s: module of line %u %s: %s", mq, nq, s->line,
                          s->skipped ? "skipped" : "unavailable", s->reason);
                    tcvm__free(imports);
                    return s->skipped ? RESOLVE_SKIP : RESOLVE_UNKNOWN;
                }
                found =
                    tcvm_instance_export(s->instance, d.name, d.name_size, &imports[i]) == TCVM_OK;
            }
        }
        if (!found) {
            textf(why, why_size, "unknown import %s %s (%s)", mq, nq,
                  tcvm_externkind_name(d.type.kind));
            tcvm__free(imports);
            return RESOLVE_UNKNOWN;
        }
    }
    *out_imports = imports;
    *out_count = n;
    return RESOLVE_OK;
}

static void set_fuel(spec_file_t *f)
{
    if (f->opt->fuel != 0) tcvm_store_set_fuel(f->store, f->opt->fuel);
}

/* Adds a slot for a module command; false when out of memory. */
static bool add_slot(spec_file_t *f, unsigned line, size_t *out_slot)
{
    if (f->slot_count == f->slot_cap) {
        size_t cap = f->slot_cap ? f->slot_cap * 2 : 16;
        spec_slot_t *slots = tcvm__reallocarray(f->slots, cap, sizeof *slots);
        if (slots == NULL) return false;
        f->slots = slots;
        f->slot_cap = cap;
    }
    memset(&f->slots[f->slot_count], 0, sizeof f->slots[0]);
    f->slots[f->slot_count].line = line;
    *out_slot = f->slot_count++;
    return true;
}

/* ---- actions ------------------------------------------------------------------------- */

typedef enum action_result {
    ACTION_DONE,   /* the engine ran it: status (OK with results, or the failure and message) */
    ACTION_SKIP,   /* the engine cannot judge it: why */
    ACTION_FAILED, /* the runner could not even try it (unknown module, bad JSON): why */
} action_result_t;

typedef struct spec_action {
    char desc[512]; /* e.g. invoke "f" (i32:1 i32:2) */
    tcvm_val_t *args;
    tcvm_status_t status;
    char message[TCVM_ERROR_MSG_SIZE];
    tcvm_val_t *results;
    size_t result_count;
    char why[SPEC_REASON_SIZE + 128];
} spec_action_t;

/* The instance an action or register names: "module" given, or the current one. */
static action_result_t action_instance(spec_file_t *f, json_t *module_name, tcvm_instance_t **out,
                                       char *why, size_t why_size)
{
    size_t slot = f->current;
    if (json_is_string(module_name)) {
        const char *name = json_string_value(module_name);
        size_t size = json_string_length(module_name);
        if (!names_get(&f->names, name, size, &slot)) {
            char q[128];
            quote(q, sizeof q, name, size);
            textf(why, why_size, "no module named %s", q);
            return ACTION_FAILED;
        }
    } else if (slot == SIZE_MAX) {
        textf(why, why_size, "no module defined yet");
        return ACTION_FAILED;
    }
    const spec_slot_t *s = &f->slots[slot];
    if (s->instance == NULL) {
        /* a skip reason leaves out the line, so that the skips of one cause count together */
        if (s->skipped)
            textf(why, why_size, "its module was skipped: %s", s->reason);
        else
            textf(why, why_size, "the module of line %u is unavailable: %s", s->line, s->reason);
        return s->skipped ? ACTION_SKIP : ACTION_FAILED;
    }
    *out = s->instance;
    return ACTION_DONE;
}

static action_result_t run_action(spec_file_t *f, json_t *action, spec_action_t *a)
{
    const char *type = json_string_value(json_object_get(action, "type"));
    json_t *field_j = json_object_get(action, "field");
    memset(a, 0, sizeof *a);
    if (type == NULL || !json_is_string(field_j)) {
        textf(a->why, sizeof a->why, "action without type or field");
        return ACTION_FAILED;
    }
    const char *field = json_string_value(field_j);
    size_t field_size = json_string_length(field_j);
    char fq[160];
    quote(fq, sizeof fq, field, field_size);
    json_t *args_j = json_object_get(action, "args");
    size_t argc = json_is_array(args_j) ? json_array_size(args_j) : 0;
    if (argc > SPEC_MAX_VALUES) {
        textf(a->why, sizeof a->why, "%zu arguments (at most %u)", argc, SPEC_MAX_VALUES);
        return ACTION_FAILED;
    }
    tcvm_val_t *args = a->args = tcvm__calloc(argc ? argc : 1, sizeof *args);
    if (args == NULL) {
        textf(a->why, sizeof a->why, "out of memory");
        return ACTION_FAILED;
    }
    for (size_t i = 0; i < argc; i++) {
        spec_expect_t e;
        value_result_t vr = json_value(json_array_get(args_j, i), false, &e, a->why, sizeof a->why);
        if (vr != VALUE_OK) return vr == VALUE_UNSUPPORTED ? ACTION_SKIP : ACTION_FAILED;
        args[i] = e.val;
    }
    char args_text[384];
    vals_text(args, argc, args_text, sizeof args_text);
    json_t *module_j = json_object_get(action, "module");
    const char *mod = json_string_value(module_j);
    textf(a->desc, sizeof a->desc, "%s%s%s %s%s%s", type, mod ? " " : "", mod ? mod : "", fq,
          strcmp(type, "invoke") == 0 ? " " : "", strcmp(type, "invoke") == 0 ? args_text : "");

    tcvm_instance_t *inst = NULL;
    action_result_t ar = action_instance(f, module_j, &inst, a->why, sizeof a->why);
    if (ar != ACTION_DONE) return ar;
    tcvm_extern_t ext;
    tcvm_status_t st = tcvm_instance_export(inst, field, field_size, &ext);
    if (st != TCVM_OK) {
        textf(a->why, sizeof a->why, "export %s: %s", fq, tcvm_status_name(st));
        return ACTION_FAILED;
    }
    if (strcmp(type, "get") == 0) {
        if (ext.kind != TCVM_EXTERN_GLOBAL) {
            textf(a->why, sizeof a->why, "export %s is a %s, not a global", fq,
                  tcvm_externkind_name(ext.kind));
            return ACTION_FAILED;
        }
        a->results = tcvm__calloc(1, sizeof *a->results);
        if (a->results == NULL) {
            textf(a->why, sizeof a->why, "out of memory");
            return ACTION_FAILED;
        }
        a->results[0] = tcvm_global_get(ext.of.global);
        a->result_count = 1;
        a->status = TCVM_OK;
        return ACTION_DONE;
    }
    if (strcmp(type, "invoke") != 0) {
        textf(a->why, sizeof a->why, "unknown action type \"%.40s\"", type);
        return ACTION_FAILED;
    }
    if (ext.kind != TCVM_EXTERN_FUNC) {
        textf(a->why, sizeof a->why, "export %s is a %s, not a function", fq,
              tcvm_externkind_name(ext.kind));
        return ACTION_FAILED;
    }
    tcvm_functype_t ft = tcvm_func_type(ext.of.func);
    if (ft.result_count > SPEC_MAX_VALUES) {
        textf(a->why, sizeof a->why, "%u results (at most %u)", ft.result_count, SPEC_MAX_VALUES);
        return ACTION_FAILED;
    }
    a->results = tcvm__calloc(ft.result_count ? ft.result_count : 1, sizeof *a->results);
    if (a->results == NULL) {
        textf(a->why, sizeof a->why, "out of memory");
        return ACTION_FAILED;
    }
    set_fuel(f);
    a->status = tcvm_func_call(f->store, ext.of.func, args, argc, a->results, ft.result_count);
    if (a->status == TCVM_OK) {
        a->result_count = ft.result_count;
    } else {
        const tcvm_error_t *e = tcvm_store_error(f->store);
        textf(a->message, sizeof a->message, "%s", e ? e->message : "");
    }
    return ACTION_DONE;
}

/* ---- spec messages to status codes --------------------------------------------------- */

static const struct {
    const char *prefix;
    tcvm_status_t status;
} trap_kinds[] = {
    {"unreachable", TCVM_TRAP_UNREACHABLE},
    {"out of bounds memory access", TCVM_TRAP_MEMORY_OOB},
    {"out of bounds table access", TCVM_TRAP_TABLE_OOB},
    {"undefined element", TCVM_TRAP_TABLE_OOB}, /* call_indirect past the table's end */
    {"uninitialized element", TCVM_TRAP_INDIRECT_NULL},
    {"indirect call type mismatch", TCVM_TRAP_INDIRECT_TYPE},
    {"integer divide by zero", TCVM_TRAP_DIV_ZERO},
    {"integer overflow", TCVM_TRAP_INT_OVERFLOW},
    {"invalid conversion to integer", TCVM_TRAP_BAD_CONVERSION},
    {"call stack exhausted", TCVM_TRAP_STACK_EXHAUSTED},
    {"null function reference", TCVM_TRAP_NULL_REF},
    {"null reference", TCVM_TRAP_NULL_REF},
};

static bool trap_status_for(const char *text, tcvm_status_t *out)
{
    for (size_t i = 0; i < sizeof trap_kinds / sizeof trap_kinds[0]; i++) {
        if (strncmp(text, trap_kinds[i].prefix, strlen(trap_kinds[i].prefix)) == 0) {
            *out = trap_kinds[i].status;
            return true;
        }
    }
    return false;
}

/* ---- commands ------------------------------------------------------------------------ */

static unsigned json_line(json_t *cmd)
{
    json_int_t line = json_integer_value(json_object_get(cmd, "line"));
    return line > 0 && line < UINT_MAX ? (unsigned)line : 0;
}

/* "module" (and the module half of assert_unlinkable/assert_uninstantiable). */
static void cmd_module(spec_file_t *f, const char *dir, json_t *cmd, unsigned line)
{
    f->modules_seen++;
    size_t slot;
    if (!add_slot(f, line, &slot)) {
        failf(f, SPEC_MODULE, line, "out of memory");
        return;
    }
    spec_slot_t *s = &f->slots[slot];
    f->current = slot;
    json_t *name_j = json_object_get(cmd, "name");
    if (json_is_string(name_j) &&
        !names_set(&f->names, json_string_value(name_j), json_string_length(name_j), slot)) {
        textf(s->reason, sizeof s->reason, "out of memory");
        failf(f, SPEC_MODULE, line, "out of memory");
        return;
    }
    const char *filename = json_string_value(json_object_get(cmd, "filename"));
    const char *mtype = json_string_value(json_object_get(cmd, "module_type"));
    if (mtype != NULL && strcmp(mtype, "binary") != 0) {
        s->skipped = true;
        textf(s->reason, sizeof s->reason, "a %s-format module (2cvm reads binaries only)", mtype);
        skip(f, SPEC_MODULE, line, s->reason);
        return;
    }
    tcvm_module_t *module = NULL;
    tcvm_error_t err = {0};
    char why[SPEC_REASON_SIZE + 128];
    load_result_t lr = load_module(f, dir, filename, &module, &err, why, sizeof why);
    if (lr == LOAD_ERROR) {
        textf(s->reason, sizeof s->reason, "%s", why);
        failf(f, SPEC_MODULE, line, "%s", why);
        return;
    }
    if (lr == LOAD_REFUSED) {
        textf(s->reason, sizeof s->reason, "%s: %s", tcvm_status_name(err.status), err.message);
        if (err.status == TCVM_WASM_FEATURE) {
            s->skipped = true;
            f->modules_refused++;
            if (f->refused_reason[0] == '\0')
                textf(f->refused_reason, sizeof f->refused_reason, "%s", err.message);
            textf(s->reason, sizeof s->reason, "refused feature: %s", err.message);
            skip(f, SPEC_MODULE, line, s->reason);
        } else {
            failf(f, SPEC_MODULE, line, "%s %s: %s", filename, tcvm_status_name(err.status),
                  err.message);
        }
        return;
    }
    tcvm_extern_t *imports = NULL;
    size_t import_count = 0;
    resolve_result_t rr = resolve_imports(f, module, &imports, &import_count, why, sizeof why);
    if (rr != RESOLVE_OK) {
        textf(s->reason, sizeof s->reason, "%s", why);
        if (rr == RESOLVE_SKIP) {
            s->skipped = true;
            skip(f, SPEC_MODULE, line, why);
        } else {
            failf(f, SPEC_MODULE, line, "%s", why);
        }
        tcvm_module_free(module);
        return;
    }
    set_fuel(f);
    tcvm_instance_t *inst = NULL;
    tcvm_status_t st = tcvm_instance_new(f->store, module, imports, import_count, &inst, &err);
    tcvm__free(imports);
    tcvm_module_free(module); /* the instance keeps what it needs */
    if (st != TCVM_OK) {
        textf(s->reason, sizeof s->reason, "instantiation: %s: %s", tcvm_status_name(st),
              err.message);
        failf(f, SPEC_MODULE, line, "%s", s->reason);
        return;
    }
    s->instance = inst;
    pass(f, SPEC_MODULE);
}

static void cmd_register(spec_file_t *f, json_t *cmd, unsigned line)
{
    json_t *as = json_object_get(cmd, "as");
    if (!json_is_string(as)) {
        failf(f, SPEC_REGISTER, line, "register without \"as\"");
        return;
    }
    size_t slot = f->current;
    json_t *name_j = json_object_get(cmd, "name");
    if (json_is_string(name_j)) {
        if (!names_get(&f->names, json_string_value(name_j), json_string_length(name_j), &slot)) {
            failf(f, SPEC_REGISTER, line, "no module named %s", json_string_value(name_j));
            return;
        }
    } else if (slot == SIZE_MAX) {
        failf(f, SPEC_REGISTER, line, "no module defined yet");
        return;
    }
    if (!names_set(&f->registry, json_string_value(as), json_string_length(as), slot)) {
        failf(f, SPEC_REGISTER, line, "out of memory");
        return;
    }
    const spec_slot_t *s = &f->slots[slot];
    if (s->instance != NULL)
        pass(f, SPEC_REGISTER);
    else if (s->skipped)
        skip(f, SPEC_REGISTER, line, s->reason);
    else
        failf(f, SPEC_REGISTER, line, "the module of line %u is unavailable: %s", s->line,
              s->reason);
}

/* action, assert_return, assert_trap, assert_exhaustion */
static void cmd_action(spec_file_t *f, spec_kind_t kind, json_t *cmd, unsigned line)
{
    spec_action_t a;
    spec_expect_t *expect = NULL;
    action_result_t ar = run_action(f, json_object_get(cmd, "action"), &a);
    if (ar == ACTION_SKIP) {
        skip(f, kind, line, a.why);
        goto out;
    }
    if (ar == ACTION_FAILED) {
        failf(f, kind, line, "%s%s%s", a.desc, a.desc[0] ? ": " : "", a.why);
        goto out;
    }
    char got[1024];
    if (a.status == TCVM_OK)
        vals_text(a.results, a.result_count, got, sizeof got);
    else
        textf(got, sizeof got, "%s: %s", tcvm_status_name(a.status), a.message);

    if (kind == SPEC_ACTION) {
        if (a.status == TCVM_OK)
            pass(f, kind);
        else
            failf(f, kind, line, "%s: got %s", a.desc, got);
        goto out;
    }
    if (kind == SPEC_ASSERT_RETURN) {
        json_t *exp_j = json_object_get(cmd, "expected");
        size_t n = json_is_array(exp_j) ? json_array_size(exp_j) : 0;
        if (n > SPEC_MAX_VALUES) {
            failf(f, kind, line, "%s: %zu expected values", a.desc, n);
            goto out;
        }
        expect = tcvm__calloc(n ? n : 1, sizeof *expect);
        if (expect == NULL) {
            failf(f, kind, line, "%s: out of memory", a.desc);
            goto out;
        }
        char want[1024];
        size_t o = (size_t)snprintf(want, sizeof want, "(");
        for (size_t i = 0; i < n; i++) {
            char why[SPEC_REASON_SIZE];
            value_result_t vr =
                json_value(json_array_get(exp_j, i), true, &expect[i], why, sizeof why);
            if (vr == VALUE_UNSUPPORTED) {
                skip(f, kind, line, why);
                goto out;
            }
            if (vr == VALUE_BAD) {
                failf(f, kind, line, "%s: %s", a.desc, why);
                goto out;
            }
            char one[TCVM_VAL_TEXT_MAX];
            expect_text(&expect[i], one, sizeof one);
            if (o < sizeof want)
                o += (size_t)snprintf(want + o, sizeof want - o, "%s%s", i ? " " : "", one);
        }
        if (o < sizeof want) textf(want + o, sizeof want - o, ")");
        bool ok = a.status == TCVM_OK && a.result_count == n;
        for (size_t i = 0; ok && i < n; i++)
            ok = expect_matches(&expect[i], &a.results[i]);
        if (ok)
            pass(f, kind);
        else
            failf(f, kind, line, "%s: expected %s, got %s", a.desc, want, got);
        goto out;
    }
    /* assert_trap, assert_exhaustion */
    const char *text = json_string_value(json_object_get(cmd, "text"));
    tcvm_status_t want_st;
    if (text == NULL || !trap_status_for(text, &want_st)) {
        failf(f, kind, line, "%s: the runner does not know the trap \"%.80s\"", a.desc,
              text ? text : "(none)");
        goto out;
    }
    if (kind == SPEC_ASSERT_EXHAUSTION) want_st = TCVM_TRAP_STACK_EXHAUSTED;
    if (a.status == want_st)
        pass(f, kind);
    else
        failf(f, kind, line, "%s: expected %s (\"%s\"), got %s", a.desc, tcvm_status_name(want_st),
              text, got);
out:
    tcvm__free(expect);
    tcvm__free(a.args);
    tcvm__free(a.results);
}

/* assert_invalid, assert_malformed */
static void cmd_assert_module_error(spec_file_t *f, spec_kind_t kind, const char *dir, json_t *cmd,
                                    unsigned line)
{
    const char *filename = json_string_value(json_object_get(cmd, "filename"));
    const char *mtype = json_string_value(json_object_get(cmd, "module_type"));
    const char *text = json_string_value(json_object_get(cmd, "text"));
    if (mtype != NULL && strcmp(mtype, "binary") != 0) {
        char reason[SPEC_REASON_SIZE];
        textf(reason, sizeof reason,
              "%s-format module: judged by a text parser, and 2cvm reads binaries only", mtype);
        skip(f, kind, line, reason);
        return;
    }
    tcvm_status_t want = kind == SPEC_ASSERT_INVALID ? TCVM_WASM_INVALID : TCVM_WASM_MALFORMED;
    tcvm_module_t *module = NULL;
    tcvm_error_t err = {0};
    char why[SPEC_REASON_SIZE + 128];
    load_result_t lr = load_module(f, dir, filename, &module, &err, why, sizeof why);
    if (lr == LOAD_OK) {
        tcvm_module_free(module);
        failf(f, kind, line, "%s: expected %s (\"%s\"), got OK", filename ? filename : "?",
              tcvm_status_name(want), text ? text : "");
    } else if (lr == LOAD_ERROR) {
        failf(f, kind, line, "%s", why);
    } else if (err.status == want) {
        pass(f, kind);
    } else if (err.status == TCVM_WASM_FEATURE) {
        textf(why, sizeof why, "refused feature: %s", err.message);
        skip(f, kind, line, why);
    } else {
        failf(f, kind, line, "%s: expected %s (\"%s\"), got %s: %s", filename,
              tcvm_status_name(want), text ? text : "", tcvm_status_name(err.status), err.message);
    }
}

/* assert_unlinkable, assert_uninstantiable */
static void cmd_assert_instantiate(spec_file_t *f, spec_kind_t kind, const char *dir, json_t *cmd,
                                   unsigned line)
{
    const char *filename = json_string_value(json_object_get(cmd, "filename"));
    const char *text = json_string_value(json_object_get(cmd, "text"));
    if (text == NULL) text = "";
    tcvm_status_t want = TCVM_WASM_UNLINKABLE;
    if (kind == SPEC_ASSERT_UNINSTANTIABLE && !trap_status_for(text, &want)) {
        failf(f, kind, line, "the runner does not know the trap \"%.80s\"", text);
        return;
    }
    tcvm_module_t *module = NULL;
    tcvm_error_t err = {0};
    char why[SPEC_REASON_SIZE + 128];
    load_result_t lr = load_module(f, dir, filename, &module, &err, why, sizeof why);
    if (lr == LOAD_ERROR) {
        failf(f, kind, line, "%s", why);
        return;
    }
    if (lr == LOAD_REFUSED) {
        if (err.status == TCVM_WASM_FEATURE) {
            textf(why, sizeof why, "refused feature: %s", err.message);
            skip(f, kind, line, why);
        } else {
            failf(f, kind, line, "%s: the module must load but got %s: %s", filename,
                  tcvm_status_name(err.status), err.message);
        }
        return;
    }
    tcvm_extern_t *imports = NULL;
    size_t import_count = 0;
    resolve_result_t rr = resolve_imports(f, module, &imports, &import_count, why, sizeof why);
    if (rr != RESOLVE_OK) {
        if (rr == RESOLVE_SKIP)
            skip(f, kind, line, why);
        else if (rr == RESOLVE_UNKNOWN && kind == SPEC_ASSERT_UNLINKABLE)
            pass(f, kind); /* a missing import is unlinkable, found by the runner as linker */
        else
            failf(f, kind, line, "%s: %s", filename, why);
        tcvm_module_free(module);
        return;
    }
    set_fuel(f);
    tcvm_instance_t *inst = NULL;
    tcvm_status_t st = tcvm_instance_new(f->store, module, imports, import_count, &inst, &err);
    tcvm__free(imports);
    tcvm_module_free(module);
    if (st == want)
        pass(f, kind);
    else if (st == TCVM_OK)
        failf(f, kind, line, "%s: expected %s (\"%s\"), but it instantiated", filename,
              tcvm_status_name(want), text);
    else
        failf(f, kind, line, "%s: expected %s (\"%s\"), got %s: %s", filename,
              tcvm_status_name(want), text, tcvm_status_name(st), err.message);
}

static void run_command(spec_file_t *f, const char *dir, json_t *cmd)
{
    const char *type = json_string_value(json_object_get(cmd, "type"));
    unsigned line = json_line(cmd);
    if (type == NULL) {
        failf(f, SPEC_OTHER, line, "a command without a type");
        return;
    }
    if (strcmp(type, "module") == 0)
        cmd_module(f, dir, cmd, line);
    else if (strcmp(type, "register") == 0)
        cmd_register(f, cmd, line);
    else if (strcmp(type, "action") == 0)
        cmd_action(f, SPEC_ACTION, cmd, line);
    else if (strcmp(type, "assert_return") == 0)
        cmd_action(f, SPEC_ASSERT_RETURN, cmd, line);
    else if (strcmp(type, "assert_trap") == 0)
        cmd_action(f, SPEC_ASSERT_TRAP, cmd, line);
    else if (strcmp(type, "assert_exhaustion") == 0)
        cmd_action(f, SPEC_ASSERT_EXHAUSTION, cmd, line);
    else if (strcmp(type, "assert_invalid") == 0)
        cmd_assert_module_error(f, SPEC_ASSERT_INVALID, dir, cmd, line);
    else if (strcmp(type, "assert_malformed") == 0)
        cmd_assert_module_error(f, SPEC_ASSERT_MALFORMED, dir, cmd, line);
    else if (strcmp(type, "assert_unlinkable") == 0)
        cmd_assert_instantiate(f, SPEC_ASSERT_UNLINKABLE, dir, cmd, line);
    else if (strcmp(type, "assert_uninstantiable") == 0)
        cmd_assert_instantiate(f, SPEC_ASSERT_UNINSTANTIABLE, dir, cmd, line);
    else {
        char reason[SPEC_REASON_SIZE];
        textf(reason, sizeof reason, "unknown command \"%.60s\"", type);
        skip(f, SPEC_OTHER, line, reason);
    }
}

/* ---- wast2json and the temporary directory ------------------------------------------- */

/* Removes the files in dir (wast2json writes no subdirectories) and dir itself. */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        int fd = dirfd(d);
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                unlinkat(fd, e->d_name, 0);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* Runs wast2json on path, writing the JSON to out (modules beside it); on failure why says
 * what went wrong. */
static bool run_wast2json(const char *tool, const char *path, const char *dir, const char *out,
                          char *why, size_t why_size)
{
    char log[PATH_MAX];
    if ((size_t)snprintf(log, sizeof log, "%s/wast2json.log", dir) >= sizeof log) {
        textf(why, why_size, "temporary path too long");
        return false;
    }
    char *argv[] = {(char *)tool, (char *)path, (char *)"-o", (char *)out, NULL};
    return spec_run_converter(argv, tool, log, " (install wabt)", why, why_size);
}

/* ---- one file ------------------------------------------------------------------------ */

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void print_result(spec_file_t *f)
{
    spec_tally_print(&f->t, f->display);
}

/*
 * A file whose every module the engine refuses for a feature (the SIMD files) is skipped as a
 * whole, unless something in it failed: its few judged commands (text-format skips, invalid
 * modules) say nothing about the engine when none of its modules can run.
 */
static void whole_file_skip(spec_file_t *f)
{
    if (f->modules_seen == 0 || f->modules_refused != f->modules_seen || f->t.counts.failed != 0 ||
        f->t.counts.passed == 0)
        return;
    char reason[SPEC_REASON_SIZE + 64];
    textf(reason, sizeof reason, "every module uses a refused feature (%s)", f->refused_reason);
    spec_tally_skip_all(&f->t, reason);
}

void spec_run_file(const char *path, const spec_options_t *opt, spec_counts_t *out_counts)
{
    if (spec_is_component_script(path)) {
        spec_component_run_file(path, opt, out_counts);
        return;
    }
    spec_file_t f;
    memset(&f, 0, sizeof f);
    f.opt = opt;
    f.t.opt = opt;
    f.display = base_name(path);
    f.current = SIZE_MAX;
    char tmp[PATH_MAX] = "";
    char dir[PATH_MAX];
    char json_path[PATH_MAX];
    char why[SPEC_REASON_SIZE + 128] = "";
    json_t *root = NULL;

    if (ends_with(path, ".json")) {
        const char *slash = strrchr(path, '/');
        if (slash == NULL)
            textf(dir, sizeof dir, ".");
        else
            textf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
        textf(json_path, sizeof json_path, "%s", path);
    } else {
        const char *t = getenv("TMPDIR");
        if (t == NULL || t[0] == '\0') t = "/tmp";
        textf(tmp, sizeof tmp, "%s/2cvm-spec-XXXXXX", t);
        if (mkdtemp(tmp) == NULL) {
            textf(why, sizeof why, "cannot make a temporary directory in %s: %s", t,
                  strerror(errno));
            tmp[0] = '\0';
            goto fail_file;
        }
        textf(dir, sizeof dir, "%s", tmp);
        /* named after the script, so that its modules are NAME.N.wasm in messages */
        const char *stem = f.display;
        size_t stem_len = ends_with(stem, ".wast") ? strlen(stem) - 5 : strlen(stem);
        if ((size_t)snprintf(json_path, sizeof json_path, "%s/%.*s.json", tmp, (int)stem_len,
                             stem) >= sizeof json_path) {
            textf(why, sizeof why, "temporary path too long");
            goto fail_file;
        }
        if (!run_wast2json(opt->wast2json, path, tmp, json_path, why, sizeof why)) goto fail_file;
    }

    json_error_t jerr;
    root = json_load_file(json_path, JSON_ALLOW_NUL, &jerr);
    if (root == NULL) {
        textf(why, sizeof why, "cannot read %s: %s (line %d)", json_path, jerr.text, jerr.line);
        goto fail_file;
    }
    json_t *commands = json_object_get(root, "commands");
    if (!json_is_array(commands)) {
        textf(why, sizeof why, "%s has no \"commands\" list", json_path);
        goto fail_file;
    }
    tcvm_engine_config_t config = {.fuel = opt->fuel != 0, .tier = (tcvm_tier_t)opt->tier};
    tcvm_status_t st = tcvm_engine_new(&config, &f.engine);
    if (st == TCVM_OK) st = tcvm_store_new(f.engine, NULL, &f.store);
    if (st != TCVM_OK) {
        textf(why, sizeof why, "cannot create the engine and store: %s", tcvm_status_name(st));
        goto fail_file;
    }
    if (spectest_init(&f, why, sizeof why) != TCVM_OK) goto fail_file;
    size_t i;
    json_t *cmd;
    json_array_foreach(commands, i, cmd)
    {
        run_command(&f, dir, cmd);
    }
    whole_file_skip(&f);
    print_result(&f);
    goto done;

fail_file:
    f.t.counts.failed++;
    f.t.counts.kind[SPEC_OTHER][1]++;
    printf("FAIL %s: %s\n", f.display, why);
done:
    fflush(stdout);
    *out_counts = f.t.counts;
    tcvm_store_free(f.store);
    tcvm_engine_free(f.engine);
    json_decref(root);
    names_free(&f.names);
    names_free(&f.registry);
    tcvm__free(f.slots);
    spec_tally_free(&f.t);
    if (tmp[0] != '\0') remove_dir(tmp);
}
