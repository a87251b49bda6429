/* SPDX-License-Identifier: Apache-2.0 */
/* The embedding API: imports of every kind, host functions and nested host/wasm calls,
 * exports, memory/table/global access, store limits, feature refusal and decode/validation
 * messages that name the offset, section and function, and allocation-failure injection. */
#include "test.h"
#include "wat.h"

#include "base/base.h"
#include "tcvm/wasm.h"

#include <stdlib.h>

static tcvm_module_t *compile(tcvm_engine_t *e, const char *wat)
{
    size_t size;
    uint8_t *bin = tcvm_test_wat(wat, &size);
    tcvm_module_t *m = NULL;
    tcvm_error_t err;
    if (tcvm_module_new(e, bin, size, &m, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "module_new: %s", err.message);
    free(bin);
    return m;
}

static tcvm_status_t compile_status(const uint8_t *bin, size_t size, tcvm_error_t *err)
{
    tcvm_engine_t *e;
    CHECK_OK(tcvm_engine_new(NULL, &e));
    tcvm_module_t *m = NULL;
    tcvm_status_t st = tcvm_module_new(e, bin, size, &m, err);
    tcvm_module_free(m);
    tcvm_engine_free(e);
    return st;
}

/* host: add(a, b) = a + b, and trap when a is negative */
static tcvm_status_t host_add(void *env, tcvm_caller_t *caller, const tcvm_val_t *args,
                              tcvm_val_t *results)
{
    int *calls = env;
    (*calls)++;
    if (args[0].of.i32 < 0)
        return tcvm_caller_trapf(caller, "negative input %d", args[0].of.i32);
    results[0] = tcvm_val_i32(args[0].of.i32 + args[1].of.i32);
    return TCVM_OK;
}

/* host: calls back into the instance's export "inner" (nested host -> wasm) */
static tcvm_status_t host_reenter(void *env, tcvm_caller_t *caller, const tcvm_val_t *args,
                                  tcvm_val_t *results)
{
    (void)env;
    tcvm_instance_t *inst = tcvm_caller_instance(caller);
    tcvm_func_t *inner = tcvm_instance_func(inst, "inner");
    tcvm_val_t r;
    tcvm_status_t st = tcvm_func_call(tcvm_caller_store(caller), inner, args, 1, &r, 1);
    if (st != TCVM_OK)
        return st;
    results[0] = tcvm_val_i32(r.of.i32 * 2);
    return TCVM_OK;
}

static const char *linked_wat =
    "(module"
    "  (import \"env\" \"add\" (func $add (param i32 i32) (result i32)))"
    "  (import \"env\" \"reenter\" (func $reenter (param i32) (result i32)))"
    "  (import \"env\" \"mem\" (memory 1))"
    "  (import \"env\" \"tab\" (table 2 funcref))"
    "  (import \"env\" \"g\" (global $g (mut i32)))"
    "  (func (export \"outer\") (param i32) (result i32)"
    "    (call $reenter (local.get 0)))"
    "  (func (export \"inner\") (param i32) (result i32)"
    "    (i32.div_u (call $add (local.get 0) (global.get $g)) (i32.const 1)))"
    "  (func (export \"bump\") (global.set $g (i32.add (global.get $g) (i32.const 1))))"
    "  (func (export \"store\") (param i32 i32) (i32.store (local.get 0) (local.get 1)))"
    "  (func (export \"callt\") (param i32 i32 i32) (result i32)"
    "    (call_indirect (param i32 i32) (result i32) (local.get 1) (local.get 2) (local.get 0)))"
    "  (elem (i32.const 1) $add)"
    ")";

TEST(wasm_api_imports_and_host)
{
    tcvm_engine_t *e;
    tcvm_store_t *s;
    CHECK_OK(tcvm_engine_new(NULL, &e));
    tcvm_module_t *m = compile(e, linked_wat);
    CHECK_OK(tcvm_store_new(e, NULL, &s));
    CHECK_EQ(tcvm_module_import_count(m), 5);
    tcvm_import_desc_t d;
    CHECK_OK(tcvm_module_import(m, 0, &d));
    CHECK_EQ(d.type.kind, TCVM_EXTERN_FUNC);
    CHECK_EQ(d.type.of.func.param_count, 2);
    CHECK(d.name_size == 3 && memcmp(d.name, "add", 3) == 0);

    static int calls;
    tcvm_valtype_t ii[2] = {TCVM_I32, TCVM_I32}, i[1] = {TCVM_I32};
    tcvm_functype_t t_add = {2, 1, ii, i}, t_re = {1, 1, i, i};
    tcvm_extern_t imports[5];
    imports[0].kind = TCVM_EXTERN_FUNC;
    CHECK_OK(tcvm_func_new_host(s, &t_add, host_add, &calls, NULL, &imports[0].of.func));
    imports[1].kind = TCVM_EXTERN_FUNC;
    CHECK_OK(tcvm_func_new_host(s, &t_re, host_reenter, NULL, NULL, &imports[1].of.func));
    tcvm_memtype_t mt = {{1, 3, true}};
    imports[2].kind = TCVM_EXTERN_MEMORY;
    CHECK_OK(tcvm_memory_new(s, &mt, &imports[2].of.memory));
    tcvm_tabletype_t tt = {TCVM_FUNCREF, {2, 10, true}};
    imports[3].kind = TCVM_EXTERN_TABLE;
    CHECK_OK(tcvm_table_new(s, &tt, tcvm_val_funcref(NULL), &imports[3].of.table));
    tcvm_globaltype_t gt = {TCVM_I32, true};
    imports[4].kind = TCVM_EXTERN_GLOBAL;
    CHECK_OK(tcvm_global_new(s, &gt, tcvm_val_i32(100), &imports[4].of.global));

    /* wrong kind, wrong type: refused with the import named */
    tcvm_instance_t *inst;
    tcvm_error_t err;
    tcvm_extern_t bad[5];
    memcpy(bad, imports, sizeof bad);
    bad[0] = imports[1];
    CHECK_STATUS(tcvm_instance_new(s, m, bad, 5, &inst, &err), TCVM_WASM_UNLINKABLE);
    CHECK_CONTAINS(err.message, "\"env\" \"add\"");
    CHECK_STATUS(tcvm_instance_new(s, m, imports, 4, &inst, &err), TCVM_WASM_UNLINKABLE);

    CHECK_OK(tcvm_instance_new(s, m, imports, 5, &inst, &err));
    tcvm_val_t a = tcvm_val_i32(5), r;
    /* wasm -> host -> wasm -> host */
    CHECK_OK(tcvm_func_call(s, tcvm_instance_func(inst, "outer"), &a, 1, &r, 1));
    CHECK_EQ(r.of.i32, 210);
    CHECK_EQ(calls, 1);
    CHECK_OK(tcvm_func_call(s, tcvm_instance_func(inst, "bump"), NULL, 0, NULL, 0));
    CHECK_EQ(tcvm_global_get(imports[4].of.global).of.i32, 101);
    CHECK_STATUS(tcvm_global_set(imports[4].of.global, tcvm_val_i64(1)), TCVM_WASM_TYPE);
    /* a trap raised by the host in a nested call reaches the outermost caller */
    a = tcvm_val_i32(-200);
    CHECK_STATUS(tcvm_func_call(s, tcvm_instance_func(inst, "outer"), &a, 1, &r, 1),
                 TCVM_TRAP_HOST);
    CHECK_CONTAINS(tcvm_store_error(s)->message, "negative input -200");
    /* memory written by wasm is visible to the host and the other way round */
    tcvm_val_t sa[2] = {tcvm_val_i32(8), tcvm_val_i32(0x01020304)};
    CHECK_OK(tcvm_func_call(s, tcvm_instance_func(inst, "store"), sa, 2, NULL, 0));
    uint8_t buf[4];
    CHECK_OK(tcvm_memory_read(imports[2].of.memory, 8, buf, 4));
    CHECK_EQ(buf[0], 4);
    CHECK_STATUS(tcvm_memory_read(imports[2].of.memory, 65533, buf, 4), TCVM_TRAP_MEMORY_OOB);
    CHECK_STATUS(tcvm_memory_write(imports[2].of.memory, UINT64_MAX, buf, 4),
                 TCVM_TRAP_MEMORY_OOB);
    uint32_t old;
    CHECK_OK(tcvm_memory_grow(imports[2].of.memory, 2, &old));
    CHECK_EQ(old, 1);
    CHECK_STATUS(tcvm_memory_grow(imports[2].of.memory, 1, &old), TCVM_ELIMIT);
    /* the element segment wrote the imported host function into the imported table */
    tcvm_val_t ca[3] = {tcvm_val_i32(1), tcvm_val_i32(2), tcvm_val_i32(3)};
    CHECK_OK(tcvm_func_call(s, tcvm_instance_func(inst, "callt"), ca, 3, &r, 1));
    CHECK_EQ(r.of.i32, 5);
    ca[0] = tcvm_val_i32(0);
    CHECK_STATUS(tcvm_func_call(s, tcvm_instance_func(inst, "callt"), ca, 3, &r, 1),
                 TCVM_TRAP_INDIRECT_NULL);
    ca[0] = tcvm_val_i32(2);
    CHECK_STATUS(tcvm_func_call(s, tcvm_instance_func(inst, "callt"), ca, 3, &r, 1),
                 TCVM_TRAP_TABLE_OOB);
    /* typed calls are checked */
    CHECK_STATUS(tcvm_func_call(s, tcvm_instance_func(inst, "callt"), ca, 2, &r, 1),
                 TCVM_WASM_TYPE);
    tcvm_store_free(s);
    tcvm_module_free(m);
    tcvm_engine_free(e);
}

TEST(wasm_api_store_limits)
{
    tcvm_engine_t *e;
    tcvm_store_t *s;
    CHECK_OK(tcvm_engine_new(NULL, &e));
    tcvm_module_t *m = compile(e, "(module (memory (export \"m\") 4)"
                                  " (func (export \"g\") (param i32) (result i32)"
                                  "   (memory.grow (local.get 0))))");
    tcvm_store_limits_t lim = {.max_memory_pages = 3};
    CHECK_OK(tcvm_store_new(e, &lim, &s));
    tcvm_instance_t *inst;
    tcvm_error_t err;
    CHECK_STATUS(tcvm_instance_new(s, m, NULL, 0, &inst, &err), TCVM_ELIMIT);
    CHECK_CONTAINS(err.message, "limit of 3 pages");
    tcvm_store_free(s);
    lim.max_memory_pages = 6;
    CHECK_OK(tcvm_store_new(e, &lim, &s));
    CHECK_OK(tcvm_instance_new(s, m, NULL, 0, &inst, &err));
    tcvm_val_t a = tcvm_val_i32(2), r;
    CHECK_OK(tcvm_func_call(s, tcvm_instance_func(inst, "g"), &a, 1, &r, 1));
    CHECK_EQ(r.of.i32, 4);
    CHECK_OK(tcvm_func_call(s, tcvm_instance_func(inst, "g"), &a, 1, &r, 1));
    CHECK_EQ(r.of.i32, -1);
    CHECK_EQ(tcvm_memory_pages(tcvm_instance_memory(inst, "m")), 6);
    tcvm_store_free(s);
    tcvm_module_free(m);
    tcvm_engine_free(e);
}

TEST(wasm_api_errors_name_place)
{
    tcvm_error_t err;
    /* bad magic */
    const uint8_t junk[] = {0, 'a', 's', 'x', 1, 0, 0, 0};
    CHECK_STATUS(compile_status(junk, sizeof junk, &err), TCVM_WASM_MALFORMED);
    CHECK_CONTAINS(err.message, "magic header not detected");
    /* type section that ends early: offset and section named */
    const uint8_t trunc[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 5, 1, 0x60, 1, 0x7f};
    CHECK_STATUS(compile_status(trunc, sizeof trunc, &err), TCVM_WASM_MALFORMED);
    CHECK_CONTAINS(err.message, "type section");
    CHECK_CONTAINS(err.message, "offset");
    /* a type error inside function 1: code section, function index, offset */
    size_t size;
    uint8_t *bin = tcvm_test_wat("(module (func) (func (result i32) (i64.const 1)))", &size);
    CHECK_STATUS(compile_status(bin, size, &err), TCVM_WASM_INVALID);
    CHECK_CONTAINS(err.message, "type mismatch");
    CHECK_CONTAINS(err.message, "function 1");
    CHECK_CONTAINS(err.message, "code section");
    free(bin);
    /* SIMD is refused by name */
    bin = tcvm_test_wat("(module (func (result i32) (i32x4.extract_lane 0 (v128.const i32x4 1 2 3 4))))",
                        &size);
    CHECK_STATUS(compile_status(bin, size, &err), TCVM_WASM_FEATURE);
    CHECK_CONTAINS(err.message, "SIMD");
    free(bin);
    bin = tcvm_test_wat("(module (memory 1 1 shared))", &size);
    CHECK_STATUS(compile_status(bin, size, &err), TCVM_WASM_FEATURE);
    CHECK_CONTAINS(err.message, "threads");
    free(bin);
    bin = tcvm_test_wat("(module (memory i64 1))", &size);
    CHECK_STATUS(compile_status(bin, size, &err), TCVM_WASM_FEATURE);
    CHECK_CONTAINS(err.message, "memory64");
    free(bin);
    {
        /* custom page sizes (memory limits flag 0x08) and 64-bit tables (0x04) */
        const uint8_t cps[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 5, 4, 1, 0x08, 1, 0};
        CHECK_STATUS(compile_status(cps, sizeof cps, &err), TCVM_WASM_FEATURE);
        CHECK_CONTAINS(err.message, "custom-page-sizes");
        const uint8_t t64[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 4, 4, 1, 0x70, 0x04, 1};
        CHECK_STATUS(compile_status(t64, sizeof t64, &err), TCVM_WASM_FEATURE);
        CHECK_CONTAINS(err.message, "64-bit table");
        const uint8_t shr[] = {0, 'a', 's', 'm', 1, 0, 0, 0, 4, 5, 1, 0x65, 0x70, 0x00, 1};
        CHECK_STATUS(compile_status(shr, sizeof shr, &err), TCVM_WASM_FEATURE);
        CHECK_CONTAINS(err.message, "shared");
    }
    bin = tcvm_test_wat("(module (func $f (return_call $f)))", &size);
    CHECK_STATUS(compile_status(bin, size, &err), TCVM_WASM_FEATURE);
    CHECK_CONTAINS(err.message, "tail calls");
    free(bin);
    bin = tcvm_test_wat("(module (tag $t) (func (throw $t)))", &size);
    CHECK_STATUS(compile_status(bin, size, &err), TCVM_WASM_FEATURE);
    CHECK_CONTAINS(err.message, "exception");
    free(bin);
    bin = tcvm_test_wat("(module (memory 1) (memory 1))", &size);
    CHECK_STATUS(compile_status(bin, size, &err), TCVM_WASM_INVALID);
    CHECK_CONTAINS(err.message, "multi");
    free(bin);
    /* a component is recognised and refused as a core module */
    const uint8_t comp[] = {0, 'a', 's', 'm', 0x0d, 0, 1, 0};
    CHECK_STATUS(compile_status(comp, sizeof comp, &err), TCVM_WASM_MALFORMED);
    CHECK_CONTAINS(err.message, "component");
}

TEST(wasm_api_alloc_failures)
{
    if (!tcvm__fault_inject_after(0))
        SKIP("library built without TCVM_FAULT_INJECTION");
    size_t size;
    uint8_t *bin = tcvm_test_wat(
        "(module (type (func (param i32) (result i32))) (memory 1) (table 4 funcref)"
        " (global (mut i32) (i32.const 1)) (data (i32.const 0) \"hello\")"
        " (elem (i32.const 0) $f) (export \"f\" (func $f))"
        " (func $f (type 0) (block (loop (br_if 1 (local.get 0))"
        "   (local.set 0 (i32.sub (local.get 0) (i32.const 1))) (br 0))) (local.get 0)))",
        &size);
    /* every allocation of compile, instantiate and call fails once in turn: each must report
     * ENOMEM (or succeed) and leak nothing (ASan checks the latter) */
    int failures = 0;
    for (unsigned long n = 1; n < 400; n++) {
        tcvm_engine_t *e = NULL;
        tcvm_store_t *s = NULL;
        tcvm_module_t *m = NULL;
        tcvm_instance_t *inst = NULL;
        tcvm_error_t err;
        tcvm__fault_inject_after(n);
        tcvm_status_t st = tcvm_engine_new(NULL, &e);
        if (st == TCVM_OK)
            st = tcvm_module_new(e, bin, size, &m, &err);
        if (st == TCVM_OK)
            st = tcvm_store_new(e, NULL, &s);
        if (st == TCVM_OK)
            st = tcvm_instance_new(s, m, NULL, 0, &inst, &err);
        tcvm_val_t a = tcvm_val_i32(3), r;
        if (st == TCVM_OK)
            st = tcvm_func_call(s, tcvm_instance_func(inst, "f"), &a, 1, &r, 1);
        tcvm__fault_inject_after(0);
        if (st != TCVM_OK) {
            failures++;
            CHECK_EQ(st, TCVM_ENOMEM);
        }
        tcvm_store_free(s);
        tcvm_module_free(m);
        tcvm_engine_free(e);
        if (st == TCVM_OK)
            break;
    }
    CHECK(failures > 10);
    free(bin);
}
