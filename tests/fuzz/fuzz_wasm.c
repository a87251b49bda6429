/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the whole engine: decodes, validates and compiles the input as a module
 * (tcvm_module_validate and tcvm_module_new must agree), instantiates it with every import
 * satisfied by a host object of the right type made on the fly (functions that return zeros,
 * memories, tables and globals), and calls every exported function with zero-valued arguments.
 * Fuel, a small call depth, a small value stack and small memory caps make every input end
 * quickly. Seeds: tests/fuzz/seeds-wasm.sh (the spec suite's module binaries).
 */
#include "tcvm/wasm.h"

#include <stdlib.h>
#include <string.h>

#define FUZZ_FUEL 20000u
#define FUZZ_MAX_VALUES 64u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The results a host function must produce: zeros of these types. */
typedef struct host_env {
    uint32_t result_count;
    tcvm_valtype_t types[];
} host_env_t;

static tcvm_val_t zero_of(tcvm_valtype_t type)
{
    tcvm_val_t v;
    memset(&v, 0, sizeof v);
    v.type = type;
    return v;
}

static tcvm_status_t host_zeros(void *env, tcvm_caller_t *caller, const tcvm_val_t *args,
                                tcvm_val_t *results)
{
    (void)caller;
    (void)args;
    const host_env_t *e = env;
    for (uint32_t i = 0; i < e->result_count; i++)
        results[i] = zero_of(e->types[i]);
    return TCVM_OK;
}

/* Makes a host object matching one import; false when the store refuses it (limits). */
static bool make_import(tcvm_store_t *store, const tcvm_externtype_t *t, tcvm_extern_t *out)
{
    out->kind = t->kind;
    switch (t->kind) {
    case TCVM_EXTERN_FUNC: {
        const tcvm_functype_t *ft = &t->of.func;
        host_env_t *env = malloc(sizeof *env + ft->result_count * sizeof env->types[0]);
        if (env == NULL) return false;
        env->result_count = ft->result_count;
        memcpy(env->types, ft->results, ft->result_count * sizeof env->types[0]);
        if (tcvm_func_new_host(store, ft, host_zeros, env, free, &out->of.func) != TCVM_OK) {
            free(env);
            return false;
        }
        return true;
    }
    case TCVM_EXTERN_TABLE:
        return tcvm_table_new(store, &t->of.table, zero_of(t->of.table.elem), &out->of.table) ==
               TCVM_OK;
    case TCVM_EXTERN_MEMORY:
        return tcvm_memory_new(store, &t->of.memory, &out->of.memory) == TCVM_OK;
    case TCVM_EXTERN_GLOBAL:
        return tcvm_global_new(store, &t->of.global, zero_of(t->of.global.type), &out->of.global) ==
               TCVM_OK;
    }
    return false;
}

static void call_exports(tcvm_store_t *store, tcvm_instance_t *instance,
                         const tcvm_module_t *module)
{
    size_t n = tcvm_module_export_count(module);
    for (size_t i = 0; i < n; i++) {
        tcvm_export_desc_t d;
        if (tcvm_module_export(module, i, &d) != TCVM_OK) abort(); /* the index is in range */
        tcvm_extern_t ext;
        if (tcvm_instance_export(instance, d.name, d.name_size, &ext) != TCVM_OK ||
            ext.kind != d.type.kind)
            abort(); /* every export of the module exists in the instance, with its kind */
        if (ext.kind == TCVM_EXTERN_MEMORY) {
            size_t bytes = tcvm_memory_size(ext.of.memory);
            uint8_t probe;
            if (bytes > 0 && tcvm_memory_read(ext.of.memory, bytes - 1, &probe, 1) != TCVM_OK)
                abort();
            if (tcvm_memory_read(ext.of.memory, bytes, &probe, 1) != TCVM_TRAP_MEMORY_OOB) abort();
            continue;
        }
        if (ext.kind != TCVM_EXTERN_FUNC) continue;
        tcvm_functype_t ft = tcvm_func_type(ext.of.func);
        if (ft.param_count > FUZZ_MAX_VALUES || ft.result_count > FUZZ_MAX_VALUES) continue;
        tcvm_val_t args[FUZZ_MAX_VALUES], results[FUZZ_MAX_VALUES];
        for (uint32_t k = 0; k < ft.param_count; k++)
            args[k] = zero_of(ft.params[k]);
        tcvm_store_set_fuel(store, FUZZ_FUEL);
        tcvm_status_t st =
            tcvm_func_call(store, ext.of.func, args, ft.param_count, results, ft.result_count);
        if (st == TCVM_OK) {
            for (uint32_t k = 0; k < ft.result_count; k++)
                if (results[k].type != ft.results[k]) abort(); /* results have the declared types */
        } else if (!tcvm_status_is_trap(st) && st != TCVM_ENOMEM && st != TCVM_ELIMIT) {
            abort(); /* a validated function either returns, traps or runs out of a resource */
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tcvm_engine_config_t config = {.fuel = true};
    tcvm_engine_t *engine = NULL;
    if (tcvm_engine_new(&config, &engine) != TCVM_OK) return 0;
    tcvm_module_t *module = NULL;
    tcvm_error_t err, verr;
    tcvm_status_t st = tcvm_module_new(engine, data, size, &module, &err);
    tcvm_status_t vst = tcvm_module_validate(data, size, &verr);
    if (st != vst && !(vst == TCVM_OK && (st == TCVM_ENOMEM || st == TCVM_ELIMIT)))
        abort(); /* the two entry points must judge a module alike */
    if (st != TCVM_OK) {
        if (err.message[0] == '\0') abort(); /* every refusal says what and where */
        tcvm_engine_free(engine);
        return 0;
    }

    tcvm_store_limits_t limits = {
        .max_memory_pages = 32,
        .max_table_elems = 10000,
        .max_call_depth = 200,
        .stack_slots = 1u << 16,
        .max_total_bytes = 8u << 20,
    };
    tcvm_store_t *store = NULL;
    tcvm_extern_t *imports = NULL;
    size_t count = tcvm_module_import_count(module);
    if (tcvm_store_new(engine, &limits, &store) != TCVM_OK) goto out;
    imports = calloc(count ? count : 1, sizeof *imports);
    if (imports == NULL) goto out;
    for (size_t i = 0; i < count; i++) {
        tcvm_import_desc_t d;
        if (tcvm_module_import(module, i, &d) != TCVM_OK) abort();
        if (!make_import(store, &d.type, &imports[i])) goto out;
    }
    tcvm_store_set_fuel(store, FUZZ_FUEL);
    tcvm_instance_t *instance = NULL;
    st = tcvm_instance_new(store, module, imports, count, &instance, &err);
    if (st == TCVM_OK)
        call_exports(store, instance, module);
    else if (st == TCVM_WASM_UNLINKABLE)
        abort(); /* every import was made to match its type */
out:
    free(imports);
    tcvm_store_free(store);
    tcvm_module_free(module);
    tcvm_engine_free(engine);
    return 0;
}
