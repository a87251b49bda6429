/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal interface of the ahead-of-time tier: rewriting a module for wasm2c, generating the
 * glue, building and caching the shared object, and the runtime that compiled code calls back
 * into (traps, growth, imports, funcref conversion, the fault handler).
 */
#ifndef TCVM_WASM_AOT_H
#define TCVM_WASM_AOT_H

#include "wasm/aot_abi.h"
#include "wasm/wasm_internal.h"

/* One import of the rewritten module: the original imports first ("f<k>"), then one per
 * defined memory ("m<n>"), table ("t<n>") and global ("g<n>"), which the library owns. */
typedef struct tcvm__aot_import {
    tcvm_externkind_t kind;
    char prefix;          /* 'f', 'm', 't' or 'g' */
    uint32_t number;      /* k for 'f', else the memory/table/global index */
    uint32_t type_index;  /* functions */
    tcvm_valtype_t elem;  /* tables */
    tcvm_valtype_t global; /* globals */
} tcvm__aot_import_t;

typedef struct tcvm__aot_layout {
    uint32_t import_count;
    tcvm__aot_import_t *imports;
} tcvm__aot_layout_t;

/* A loaded shared object for one module. */
typedef struct tcvm__aot_code {
    void *handle;
    const tcvm_aot_module_t *desc;
    tcvm__aot_layout_t layout;
    uintptr_t text_lo, text_hi; /* executable range, for the fault handler */
    uint32_t *func_type_ids;    /* process-wide type id of each defined function */
} tcvm__aot_code_t;

/* aot_build.c: builds (or finds in the cache) and loads the shared object of module m, whose
 * original binary is bytes. */
tcvm_status_t tcvm__aot_compile(tcvm_module_t *m, const uint8_t *bytes, size_t size,
                                tcvm_error_t *err);
void tcvm__aot_code_free(tcvm__aot_code_t *code);

/* aot_glue.c: the C translation unit for module m (see the file's comment). */
tcvm_status_t tcvm__aot_glue(const tcvm_module_t *m, const tcvm__aot_layout_t *lay, tcvm_buf_t *b);

/* aot_rt.c */
const tcvm_aot_api_t *tcvm__aot_api(void);
uint32_t tcvm__aot_type_id(const wtype_t *t);
/* Runs a compiled function with arguments and results in slots; traps come back as status. */
tcvm_status_t tcvm__aot_call(tcvm_store_t *s, tcvm_func_t *f, uint64_t *slots);
/* Instantiation: allocate the generated instance and its import context (before functions
 * are created), fill a defined function's compiled entry points, then connect the imports and
 * run wasm2c's own initialisation (after the library's objects exist). */
tcvm_status_t tcvm__aot_instance_prepare(tcvm_instance_t *inst, tcvm_error_t *err);
void tcvm__aot_func_init(tcvm_instance_t *inst, tcvm_func_t *f, uint32_t defined_index);
tcvm_status_t tcvm__aot_instantiate(tcvm_store_t *s, tcvm_instance_t *inst, tcvm_error_t *err);
void tcvm__aot_instance_free(tcvm_instance_t *inst);
/* Funcref conversions for tables and globals of AOT stores. */
uint64_t tcvm__aot_funcref_to_slot(tcvm_store_t *s, const tcvm__rt_funcref_t *ref);
bool tcvm__aot_funcref_from_slot(uint64_t slot, tcvm__rt_funcref_t *out);
/* Installs the process's fault and interrupt handlers once. */
tcvm_status_t tcvm__aot_signals_init(void);
/* Sends the interrupt signal to the thread running the store's compiled code, if any. */
void tcvm__aot_interrupt(tcvm_store_t *s);

#endif
