/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The core WebAssembly engine: decode, validate and compile modules, instantiate them with
 * imports, call exports, and reach memories, tables and globals, all with typed values.
 *
 * Objects and lifetimes:
 *   engine   configuration shared by modules (immutable after creation; any thread).
 *   module   a decoded, validated, compiled module (immutable; instantiable in any store,
 *            from any thread).
 *   store    the sandbox: it owns every instance, function, memory, table and global created in
 *            it, and its limits (memory pages, table elements, call depth, value stack, fuel).
 *            A store and everything in it is used by one thread at a time. Freeing the store
 *            frees everything in it. Stores share nothing, so one store's trap, exhaustion or
 *            corruption cannot reach another's.
 *   instance an instantiated module inside a store.
 *
 * Supported: WebAssembly 2.0 without SIMD (MVP, mutable-global import/export, sign extension,
 * non-trapping float-to-int, multi-value, bulk memory, reference types). Anything else (SIMD,
 * threads, tail calls, memory64, exceptions, GC, multi-memory, ...) is refused with
 * TCVM_WASM_FEATURE and a message naming the feature.
 */
#ifndef TCVM_WASM_H
#define TCVM_WASM_H

#include "tcvm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The engine implements WebAssembly 2.0, where a module has at most one memory: a second one is
 * invalid (TCVM_WASM_INVALID), as the 2.0 test suite expects, and the message holds this text.
 * Embedders that follow WebAssembly 3.0 (which has multi-memory) may treat such a refusal as a
 * feature the engine lacks.
 */
#define TCVM_WASM_MULTI_MEMORY_REFUSAL "multi-memory is not supported"

/* ---- types ----------------------------------------------------------------------------- */

/* Value types, with their binary encodings. */
typedef enum tcvm_valtype {
    TCVM_I32 = 0x7f,
    TCVM_I64 = 0x7e,
    TCVM_F32 = 0x7d,
    TCVM_F64 = 0x7c,
    TCVM_FUNCREF = 0x70,
    TCVM_EXTERNREF = 0x6f,
} tcvm_valtype_t;

/* Name of a value type ("i32", "funcref", ...). */
TCVM_API const char *tcvm_valtype_name(tcvm_valtype_t type);

typedef struct tcvm_func tcvm_func_t;
typedef struct tcvm_memory tcvm_memory_t;
typedef struct tcvm_table tcvm_table_t;
typedef struct tcvm_global tcvm_global_t;

/*
 * A typed value. Floats are carried as their bit patterns so that NaN payloads survive.
 * A null funcref is NULL; an externref is an opaque pointer-sized value chosen by the host, NULL
 * being the null reference.
 */
typedef struct tcvm_val {
    tcvm_valtype_t type;
    union {
        int32_t i32;
        int64_t i64;
        uint32_t f32_bits;
        uint64_t f64_bits;
        tcvm_func_t *funcref;
        void *externref;
    } of;
} tcvm_val_t;

TCVM_API tcvm_val_t tcvm_val_i32(int32_t v);
TCVM_API tcvm_val_t tcvm_val_i64(int64_t v);
TCVM_API tcvm_val_t tcvm_val_f32(float v);
TCVM_API tcvm_val_t tcvm_val_f64(double v);
TCVM_API tcvm_val_t tcvm_val_funcref(tcvm_func_t *f);
TCVM_API tcvm_val_t tcvm_val_externref(void *ref);
TCVM_API float tcvm_val_as_f32(const tcvm_val_t *v);
TCVM_API double tcvm_val_as_f64(const tcvm_val_t *v);

/* A function type. types[0..param_count) are the parameters, then result_count results. */
typedef struct tcvm_functype {
    uint32_t param_count;
    uint32_t result_count;
    const tcvm_valtype_t *params;
    const tcvm_valtype_t *results;
} tcvm_functype_t;

typedef struct tcvm_limits {
    uint32_t min;
    uint32_t max;
    bool has_max;
} tcvm_limits_t;

typedef struct tcvm_tabletype {
    tcvm_valtype_t elem; /* TCVM_FUNCREF or TCVM_EXTERNREF */
    tcvm_limits_t limits;
} tcvm_tabletype_t;

typedef struct tcvm_memtype {
    tcvm_limits_t limits; /* in 64 KiB pages */
} tcvm_memtype_t;

typedef struct tcvm_globaltype {
    tcvm_valtype_t type;
    bool is_mutable;
} tcvm_globaltype_t;

typedef enum tcvm_externkind {
    TCVM_EXTERN_FUNC = 0,
    TCVM_EXTERN_TABLE = 1,
    TCVM_EXTERN_MEMORY = 2,
    TCVM_EXTERN_GLOBAL = 3,
} tcvm_externkind_t;

/* Name of an extern kind ("func", "table", "memory", "global"). */
TCVM_API const char *tcvm_externkind_name(tcvm_externkind_t kind);

/* The type of an import or export. The functype pointer is owned by the module. */
typedef struct tcvm_externtype {
    tcvm_externkind_t kind;
    union {
        tcvm_functype_t func;
        tcvm_tabletype_t table;
        tcvm_memtype_t memory;
        tcvm_globaltype_t global;
    } of;
} tcvm_externtype_t;

/* A reference to a store-owned object, used to pass imports and read exports. */
typedef struct tcvm_extern {
    tcvm_externkind_t kind;
    union {
        tcvm_func_t *func;
        tcvm_table_t *table;
        tcvm_memory_t *memory;
        tcvm_global_t *global;
    } of;
} tcvm_extern_t;

/* ---- engine ---------------------------------------------------------------------------- */

typedef struct tcvm_engine tcvm_engine_t;

/* Execution tiers. */
typedef enum tcvm_tier {
    /* The interpreter: always available, fuel-metered when asked, deterministic. */
    TCVM_TIER_INTERP = 0,
    /* Ahead-of-time: each module is translated by Debian's wasm2c and compiled by the system C
     * compiler into a shared object (cached), then run natively with guard-page bounds checks.
     * Needs wasm2c and a C compiler at module creation. No fuel: running code is stopped with
     * tcvm_store_interrupt. Memories are limited to 65535 pages. */
    TCVM_TIER_AOT = 1,
} tcvm_tier_t;

typedef struct tcvm_engine_config {
    /* Compile fuel metering into modules: every executed instruction costs one unit of the
     * store's fuel, and running out traps with TCVM_TRAP_OUT_OF_FUEL. Without it, fuel is not
     * counted and tcvm_store_set_fuel fails with TCVM_ESTATE. Interpreter only. */
    bool fuel;
    tcvm_tier_t tier;
    /* AOT: where compiled modules are cached (created 0700; must be owned by the user and not
     * writable by others). NULL: $XDG_CACHE_HOME/2cvm/aot or ~/.cache/2cvm/aot. Copied. */
    const char *aot_cache_dir;
    /* AOT: the C compiler to run; NULL means "cc". Copied. */
    const char *aot_cc;
    /* AOT: bounds the native stack compiled code of a store may use, as this many nominal
     * calls of 256 bytes (and never closer than 256 KiB to the bottom of the thread's stack);
     * beyond it a call traps with TCVM_TRAP_STACK_EXHAUSTED. 0 means 10,000 (2.5 MiB). */
    uint32_t aot_max_depth;
    /* Components: accept nested namespaces and interfaces in import and export names
     * ("a:b:c:pkg/iface/sub"), a feature the component model gates (its 🪺) and leaves off by
     * default; off, such names are invalid. */
    bool component_nested_names;
} tcvm_engine_config_t;

/* True when this machine can build AOT code (wasm2c and a C compiler run). */
TCVM_API bool tcvm_aot_available(const char *cc);

/* Creates an engine; config NULL means defaults (no fuel). Caller owns the result. */
TCVM_API tcvm_status_t tcvm_engine_new(const tcvm_engine_config_t *config,
                                       tcvm_engine_t **out_engine);
/* Frees an engine; every module compiled with it must be freed first. Accepts NULL. */
TCVM_API void tcvm_engine_free(tcvm_engine_t *engine);

/* ---- modules --------------------------------------------------------------------------- */

typedef struct tcvm_module tcvm_module_t;

/*
 * Decodes, validates and compiles a module. bytes are borrowed for the call only. On failure err
 * (may be NULL) says what was wrong and where: the byte offset, the section and, inside code,
 * the function index. Caller owns *out_module.
 */
TCVM_API tcvm_status_t tcvm_module_new(tcvm_engine_t *engine, const uint8_t *bytes, size_t size,
                                       tcvm_module_t **out_module, tcvm_error_t *err);
/* Decodes and validates only; same errors as tcvm_module_new. */
TCVM_API tcvm_status_t tcvm_module_validate(const uint8_t *bytes, size_t size, tcvm_error_t *err);
/* Frees a module. Instances made from it keep what they need. Accepts NULL. */
TCVM_API void tcvm_module_free(tcvm_module_t *module);

/* An import or export of a module. Names are UTF-8, not NUL-terminated inside (they may hold
 * U+0000), and live as long as the module. */
typedef struct tcvm_import_desc {
    const char *module;
    size_t module_size;
    const char *name;
    size_t name_size;
    tcvm_externtype_t type;
} tcvm_import_desc_t;

typedef struct tcvm_export_desc {
    const char *name;
    size_t name_size;
    tcvm_externtype_t type;
} tcvm_export_desc_t;

TCVM_API size_t tcvm_module_import_count(const tcvm_module_t *module);
TCVM_API tcvm_status_t tcvm_module_import(const tcvm_module_t *module, size_t index,
                                          tcvm_import_desc_t *out_desc);
TCVM_API size_t tcvm_module_export_count(const tcvm_module_t *module);
TCVM_API tcvm_status_t tcvm_module_export(const tcvm_module_t *module, size_t index,
                                          tcvm_export_desc_t *out_desc);

/* ---- stores ---------------------------------------------------------------------------- */

typedef struct tcvm_store tcvm_store_t;

/* Limits of a store; a zero field means the default. */
typedef struct tcvm_store_limits {
    uint32_t max_memory_pages; /* per memory, in 64 KiB pages; default and cap 65536 */
    uint32_t max_table_elems;  /* per table; default 10,000,000 */
    uint32_t max_call_depth;   /* nested wasm calls; default 10,000 */
    uint32_t stack_slots;      /* 8-byte value-stack slots; default 1 Mi (8 MiB) */
    size_t max_total_bytes;    /* all memories and tables together; default no cap */
} tcvm_store_limits_t;

/* Creates a store; limits NULL means defaults. Caller owns the result. */
TCVM_API tcvm_status_t tcvm_store_new(tcvm_engine_t *engine, const tcvm_store_limits_t *limits,
                                      tcvm_store_t **out_store);
/* Frees the store and everything in it (instances, functions, memories, tables, globals, and the
 * host environments through their finalizers). Accepts NULL. */
TCVM_API void tcvm_store_free(tcvm_store_t *store);

/* Sets the remaining fuel. TCVM_ESTATE when the engine was made without fuel. */
TCVM_API tcvm_status_t tcvm_store_set_fuel(tcvm_store_t *store, uint64_t fuel);
/* Remaining fuel (0 when exhausted or when fuel is off). */
TCVM_API uint64_t tcvm_store_fuel(const tcvm_store_t *store);

/*
 * Asks running wasm code in the store to stop: the next fuel check traps with
 * TCVM_TRAP_INTERRUPTED, and so does every later call until tcvm_store_clear_interrupt. Safe to
 * call from any thread (a watchdog enforcing a deadline, for instance). Needs an engine made with
 * fuel metering, since fuel checks are where running code looks, or an AOT engine, where the
 * running thread is signalled and unwinds when it is in compiled code (host functions it called
 * finish first); TCVM_ESTATE otherwise.
 */
TCVM_API tcvm_status_t tcvm_store_interrupt(tcvm_store_t *store);
/* Lets code run again after tcvm_store_interrupt. */
TCVM_API void tcvm_store_clear_interrupt(tcvm_store_t *store);

/* The detail of the last failed call, trap or instantiation in this store. */
TCVM_API const tcvm_error_t *tcvm_store_error(const tcvm_store_t *store);

/* ---- instances ------------------------------------------------------------------------- */

typedef struct tcvm_instance tcvm_instance_t;

/*
 * Instantiates module in store. imports[i] satisfies the module's i-th import (see
 * tcvm_module_import) and must match its kind and type (TCVM_WASM_UNLINKABLE otherwise).
 * Runs the data and element segments and the start function; a trap there returns the trap
 * status (TCVM_TRAP_*) and no instance, but what was written to imported memories and tables
 * stays, as the specification requires. The instance is owned by the store.
 */
TCVM_API tcvm_status_t tcvm_instance_new(tcvm_store_t *store, const tcvm_module_t *module,
                                         const tcvm_extern_t *imports, size_t import_count,
                                         tcvm_instance_t **out_instance, tcvm_error_t *err);

/* Looks up an export by name (name_size bytes). TCVM_WASM_NOT_FOUND when absent. */
TCVM_API tcvm_status_t tcvm_instance_export(const tcvm_instance_t *instance, const char *name,
                                            size_t name_size, tcvm_extern_t *out_extern);
/* Convenience wrappers: NULL when there is no export of that name and kind. */
TCVM_API tcvm_func_t *tcvm_instance_func(const tcvm_instance_t *instance, const char *name);
TCVM_API tcvm_memory_t *tcvm_instance_memory(const tcvm_instance_t *instance, const char *name);

/* The module an instance was made from. */
TCVM_API const tcvm_module_t *tcvm_instance_module(const tcvm_instance_t *instance);

/* ---- functions ------------------------------------------------------------------------- */

/* The caller of a host function: gives access to the calling instance and lets the host raise a
 * trap with a message. Valid only during the host call. */
typedef struct tcvm_caller tcvm_caller_t;

/*
 * A host function. args has the function type's params; the host writes every result into
 * results. Returning TCVM_OK continues; any other status traps the calling wasm code with that
 * status (use tcvm_caller_trapf to attach a message). The host may call back into wasm in the
 * same store (nested calls are allowed up to the call-depth limit).
 */
typedef tcvm_status_t (*tcvm_host_fn_t)(void *env, tcvm_caller_t *caller, const tcvm_val_t *args,
                                        tcvm_val_t *results);

/*
 * Creates a host function in store. type is copied. env is passed to fn; env_free (may be NULL)
 * is called with env when the store is freed. The function is owned by the store.
 */
TCVM_API tcvm_status_t tcvm_func_new_host(tcvm_store_t *store, const tcvm_functype_t *type,
                                          tcvm_host_fn_t fn, void *env, void (*env_free)(void *),
                                          tcvm_func_t **out_func);

/* The function's type; owned by the function. */
TCVM_API tcvm_functype_t tcvm_func_type(const tcvm_func_t *func);

/*
 * Calls func with arg_count args (checked against its type) and writes result_count results.
 * Traps return a TCVM_TRAP_* status with the detail in tcvm_store_error(store); the store stays
 * usable afterwards.
 */
TCVM_API tcvm_status_t tcvm_func_call(tcvm_store_t *store, tcvm_func_t *func,
                                      const tcvm_val_t *args, size_t arg_count,
                                      tcvm_val_t *results, size_t result_count);

/* The instance the caller runs in (NULL when the host function was called by the embedder). */
TCVM_API tcvm_instance_t *tcvm_caller_instance(tcvm_caller_t *caller);
/* The store the caller runs in. */
TCVM_API tcvm_store_t *tcvm_caller_store(tcvm_caller_t *caller);
/* Records a trap message for the caller; returns TCVM_TRAP_HOST for the host to return. */
TCVM_API tcvm_status_t tcvm_caller_trapf(tcvm_caller_t *caller, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- memories -------------------------------------------------------------------------- */

/* Creates a memory owned by store (for imports). */
TCVM_API tcvm_status_t tcvm_memory_new(tcvm_store_t *store, const tcvm_memtype_t *type,
                                       tcvm_memory_t **out_memory);
TCVM_API tcvm_memtype_t tcvm_memory_type(const tcvm_memory_t *memory);
/* Current size in bytes and in pages. */
TCVM_API size_t tcvm_memory_size(const tcvm_memory_t *memory);
TCVM_API uint32_t tcvm_memory_pages(const tcvm_memory_t *memory);
/*
 * Direct access to the bytes: valid until the memory grows or the store is freed. The address
 * never moves in this engine, but callers should re-read it after any call into wasm.
 */
TCVM_API uint8_t *tcvm_memory_data(tcvm_memory_t *memory);
/* Bounds-checked copies; TCVM_TRAP_MEMORY_OOB when [offset, offset+size) is outside. */
TCVM_API tcvm_status_t tcvm_memory_read(const tcvm_memory_t *memory, uint64_t offset, void *dst,
                                        size_t size);
TCVM_API tcvm_status_t tcvm_memory_write(tcvm_memory_t *memory, uint64_t offset, const void *src,
                                         size_t size);
/* Grows by delta pages; writes the old size in pages. TCVM_ELIMIT past the maximum or limit. */
TCVM_API tcvm_status_t tcvm_memory_grow(tcvm_memory_t *memory, uint32_t delta,
                                        uint32_t *out_old_pages);

/* ---- tables ---------------------------------------------------------------------------- */

/* Creates a table owned by store, every element set to init (for imports). */
TCVM_API tcvm_status_t tcvm_table_new(tcvm_store_t *store, const tcvm_tabletype_t *type,
                                      tcvm_val_t init, tcvm_table_t **out_table);
TCVM_API tcvm_tabletype_t tcvm_table_type(const tcvm_table_t *table);
TCVM_API uint32_t tcvm_table_size(const tcvm_table_t *table);
TCVM_API tcvm_status_t tcvm_table_get(const tcvm_table_t *table, uint32_t index,
                                      tcvm_val_t *out_val);
TCVM_API tcvm_status_t tcvm_table_set(tcvm_table_t *table, uint32_t index, tcvm_val_t val);
TCVM_API tcvm_status_t tcvm_table_grow(tcvm_table_t *table, uint32_t delta, tcvm_val_t init,
                                       uint32_t *out_old_size);

/* ---- globals --------------------------------------------------------------------------- */

/* Creates a global owned by store with an initial value of type->type (for imports). */
TCVM_API tcvm_status_t tcvm_global_new(tcvm_store_t *store, const tcvm_globaltype_t *type,
                                       tcvm_val_t init, tcvm_global_t **out_global);
TCVM_API tcvm_globaltype_t tcvm_global_type(const tcvm_global_t *global);
TCVM_API tcvm_val_t tcvm_global_get(const tcvm_global_t *global);
/* TCVM_EPERM on an immutable global, TCVM_WASM_TYPE on a value of the wrong type. */
TCVM_API tcvm_status_t tcvm_global_set(tcvm_global_t *global, tcvm_val_t val);

#ifdef __cplusplus
}
#endif

#endif
