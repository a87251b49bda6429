/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The interface between 2cvm and the shared objects its ahead-of-time tier builds.
 *
 * This header is compiled twice: into the library, and (embedded as text by the build) into
 * every generated shared object, ahead of wasm2c's output and the generated glue. The shared
 * object exports one symbol, TCVM_AOT_MODULE_SYMBOL, a descriptor of the module; the library
 * hands it one table of runtime functions (tcvm_aot_api) when it loads it. Nothing else crosses:
 * the shared object has no other undefined symbols than libc's and libm's.
 *
 * Bump TCVM_AOT_ABI whenever anything here changes: it is part of the compilation cache key.
 */
#ifndef TCVM_AOT_ABI_H
#define TCVM_AOT_ABI_H

#include <stdint.h>

#define TCVM_AOT_ABI 4u
#define TCVM_AOT_MODULE_SYMBOL "tcvm_aot_module_v1"

/* A function reference as generated code stores it (wabt 1.0.32 wasm_rt_funcref_t). */
typedef struct tcvm_aot_funcref {
    uint32_t func_type;
    void (*func)(void);
    void *module_instance;
} tcvm_aot_funcref_t;

/* Runtime services the library provides to generated code. ctx is the instance's import
 * context (struct Z_i_instance_t in generated code); its first member is the library's
 * instance pointer. */
typedef struct tcvm_aot_api {
    /* Unwinds to the innermost entry with a trap (code: wasm_rt_trap_t). Never returns. */
    void (*trap)(int code) __attribute__((noreturn));
    /* Canonical process-wide id of a function type (types: params then results, as
     * wasm_rt_type_t values). */
    uint32_t (*register_type)(uint32_t params, uint32_t results, const int *types);
    /* memory.grow / table.grow: old size, or UINT32_MAX when refused. */
    uint32_t (*grow_memory)(void *memory, uint32_t delta);
    uint32_t (*grow_funcref_table)(void *table, uint32_t delta, tcvm_aot_funcref_t init);
    uint32_t (*grow_externref_table)(void *table, uint32_t delta, void *init);
    /* Calls function import `index` of the instance whose context is ctx, with arguments and
     * results in 8-byte slots (as the interpreter lays them out). Traps (unwinds) on failure. */
    void (*call_import)(void *ctx, uint32_t index, uint64_t *slots);
    /* Conversions between generated-code funcrefs and the library's function objects, for
     * slots that carry a funcref. */
    uint64_t (*funcref_to_slot)(void *ctx, const tcvm_aot_funcref_t *ref);
    void (*funcref_from_slot)(void *ctx, uint64_t slot, tcvm_aot_funcref_t *out);
} tcvm_aot_api_t;

/* One defined function of the module. */
typedef struct tcvm_aot_func {
    void (*fn)(void);                         /* the compiled function itself */
    void (*call)(void *instance, uint64_t *slots); /* the same, with arguments/results in slots */
} tcvm_aot_func_t;

/* One import of the module, in import order. For a function: the thunk that generated code
 * calls; ctx->targets[i] selects a direct call when the import is itself compiled code. */
typedef struct tcvm_aot_import {
    void (*thunk)(void);
} tcvm_aot_import_t;

/*
 * The import context the library fills for each instance before instantiating it. It starts
 * with a magic number that is never a user-space address: wasm2c 1.0.32 passes to an import
 * called through a funcref made from an element segment not the context but the address of the
 * instance-struct field that holds it, and the thunks tell the two apart by this first word.
 */
#define TCVM_AOT_CTX_MAGIC 0xc7a0c7a0c7a0c7a1ull
typedef struct tcvm_aot_ctx {
    uint64_t magic;          /* TCVM_AOT_CTX_MAGIC */
    void *instance;          /* the library's tcvm_instance_t */
    void **objects;          /* per import: memory/table/global storage (see the glue) */
    void (**direct_fn)(void); /* per import: compiled callee, or NULL for the generic path */
    void **direct_inst;      /* per import: the callee's generated instance */
    uint64_t *stack_limit;   /* the store's stack limit (see the prelude in aot_glue.c) */
} tcvm_aot_ctx_t;

typedef struct tcvm_aot_module {
    uint32_t abi;
    uint32_t instance_size;  /* sizeof the generated instance struct */
    uint32_t import_count;   /* imports of the rewritten module, in order */
    uint32_t func_count;     /* defined functions */
    void (*init)(const tcvm_aot_api_t *api);
    void (*instantiate)(void *instance, tcvm_aot_ctx_t *ctx);
    void (*release)(void *instance);
    const tcvm_aot_func_t *funcs;
    const tcvm_aot_import_t *imports;
} tcvm_aot_module_t;

#endif
