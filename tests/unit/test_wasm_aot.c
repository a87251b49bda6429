/* SPDX-License-Identifier: Apache-2.0 */
/* The ahead-of-time tier against hostile guests: out-of-bounds accesses at every edge, stack
 * exhaustion, an endless loop stopped by an interrupt, a memory bomb stopped at its limit, traps
 * at every depth of nested host/guest calls; in every case the host survives, the right error
 * comes back and another store's memory is untouched. Also: the same results as the
 * interpreter, the cache, and the interface between tiers (funcrefs through tables). */
#include "test.h"
#include "wat.h"

#include "base/base.h"
#include "tcvm/wasm.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

typedef struct aot_fx {
    tcvm_engine_t *engine;
    tcvm_store_t *store;
    tcvm_module_t *module;
    tcvm_instance_t *instance;
} aot_fx_t;

static void need_aot(void)
{
    if (!tcvm_aot_available(NULL))
        SKIP("the AOT tier needs wasm2c (Debian package wabt) and a C compiler");
}

static tcvm_engine_t *aot_engine(void)
{
    tcvm_engine_config_t cfg = {.tier = TCVM_TIER_AOT,
                                .aot_cache_dir = TCVM_BINARY_DIR "/aot-cache-tests"};
    tcvm_engine_t *e;
    CHECK_OK(tcvm_engine_new(&cfg, &e));
    return e;
}

static void aot_setup(aot_fx_t *fx, const char *wat, const tcvm_store_limits_t *lim)
{
    need_aot();
    size_t size;
    uint8_t *bin = tcvm_test_wat(wat, &size);
    tcvm_error_t err;
    fx->engine = aot_engine();
    if (tcvm_module_new(fx->engine, bin, size, &fx->module, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "module_new: %s", err.message);
    free(bin);
    CHECK_OK(tcvm_store_new(fx->engine, lim, &fx->store));
    fx->instance = NULL;
    if (tcvm_module_import_count(fx->module) == 0 &&
        tcvm_instance_new(fx->store, fx->module, NULL, 0, &fx->instance, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "instance_new: %s", err.message);
}

static void aot_teardown(aot_fx_t *fx)
{
    tcvm_store_free(fx->store);
    tcvm_module_free(fx->module);
    tcvm_engine_free(fx->engine);
}

static tcvm_status_t call(aot_fx_t *fx, const char *name, tcvm_val_t *args, size_t n,
                          tcvm_val_t *res, size_t nres)
{
    tcvm_func_t *f = tcvm_instance_func(fx->instance, name);
    if (f == NULL)
        tcvm_test_fail(__FILE__, __LINE__, "no export %s", name);
    return tcvm_func_call(fx->store, f, args, n, res, nres);
}

static const char *hostile_wat =
    "(module"
    "  (memory (export \"mem\") 1 4)"
    "  (func (export \"load\") (param i32) (result i32) (i32.load (local.get 0)))"
    "  (func (export \"load_off\") (param i32) (result i32) (i32.load offset=0xffffffff (local.get 0)))"
    "  (func (export \"store8\") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))"
    "  (func (export \"load64\") (param i32) (result i64) (i64.load (local.get 0)))"
    "  (func (export \"fill\") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))"
    "  (func $rec (export \"rec\") (param i32) (result i32)"
    "    (i32.add (call $rec (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))"
    "  (func (export \"spin\") (loop (br 0)))"
    "  (func (export \"bomb\") (result i32) (local i32)"
    "    (block (loop (br_if 1 (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))"
    "      (local.set 0 (i32.add (local.get 0) (i32.const 1))) (br 0))) (local.get 0))"
    "  (func (export \"div\") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))"
    "  (table 2 funcref) (elem (i32.const 0) $rec)"
    "  (func (export \"ind\") (param i32) (result i32)"
    "    (call_indirect (param i32) (result i32) (i32.const 0) (local.get 0)))"
    "  (func (export \"ind_bad\") (result i32) (call_indirect (result i32) (i32.const 0)))"
    ")";

TEST(wasm_aot_oob_edges)
{
    aot_fx_t fx;
    aot_setup(&fx, hostile_wat, NULL);
    tcvm_val_t a, r;
    /* every edge of a 1-page memory, for 4- and 8-byte loads */
    static const struct {
        uint32_t addr;
        bool ok;
    } cases32[] = {{0, true}, {65532, true}, {65533, false}, {65535, false}, {65536, false},
                   {0x7fffffff, false}, {0xfffffffc, false}, {0xffffffff, false}};
    for (size_t i = 0; i < TCVM__ARRAY_COUNT(cases32); i++) {
        a = tcvm_val_i32((int32_t)cases32[i].addr);
        tcvm_status_t st = call(&fx, "load", &a, 1, &r, 1);
        if ((st == TCVM_OK) != cases32[i].ok)
            tcvm_test_fail(__FILE__, __LINE__, "load at %u: %s", cases32[i].addr,
                           tcvm_status_name(st));
        if (!cases32[i].ok)
            CHECK_STATUS(st, TCVM_TRAP_MEMORY_OOB);
    }
    a = tcvm_val_i32(65528);
    CHECK_OK(call(&fx, "load64", &a, 1, &r, 1));
    a = tcvm_val_i32(65529);
    CHECK_STATUS(call(&fx, "load64", &a, 1, &r, 1), TCVM_TRAP_MEMORY_OOB);
    /* the largest address plus the largest offset stays inside the reservation's guard */
    a = tcvm_val_i32(-1);
    CHECK_STATUS(call(&fx, "load_off", &a, 1, &r, 1), TCVM_TRAP_MEMORY_OOB);
    a = tcvm_val_i32(0);
    CHECK_STATUS(call(&fx, "load_off", &a, 1, &r, 1), TCVM_TRAP_MEMORY_OOB);
    tcvm_val_t s2[2] = {tcvm_val_i32(65536), tcvm_val_i32(1)};
    CHECK_STATUS(call(&fx, "store8", s2, 2, NULL, 0), TCVM_TRAP_MEMORY_OOB);
    tcvm_val_t f3[3] = {tcvm_val_i32(65000), tcvm_val_i32(7), tcvm_val_i32(537)};
    CHECK_STATUS(call(&fx, "fill", f3, 3, NULL, 0), TCVM_TRAP_MEMORY_OOB);
    f3[2] = tcvm_val_i32(536);
    CHECK_OK(call(&fx, "fill", f3, 3, NULL, 0));
    /* the store still works after all of that */
    a = tcvm_val_i32(65532);
    CHECK_OK(call(&fx, "load", &a, 1, &r, 1));
    CHECK_EQ(r.of.i32, 0x07070707);
    aot_teardown(&fx);
}

TEST(wasm_aot_traps_and_limits)
{
    aot_fx_t fx;
    tcvm_store_limits_t lim = {.max_memory_pages = 3};
    aot_setup(&fx, hostile_wat, &lim);
    tcvm_val_t a = tcvm_val_i32(0), r;
    CHECK_STATUS(call(&fx, "rec", &a, 1, &r, 1), TCVM_TRAP_STACK_EXHAUSTED);
    CHECK_STATUS(call(&fx, "rec", &a, 1, &r, 1), TCVM_TRAP_STACK_EXHAUSTED);
    tcvm_val_t d[2] = {tcvm_val_i32(1), tcvm_val_i32(0)};
    CHECK_STATUS(call(&fx, "div", d, 2, &r, 1), TCVM_TRAP_DIV_ZERO);
    d[0] = tcvm_val_i32(INT32_MIN);
    d[1] = tcvm_val_i32(-1);
    CHECK_STATUS(call(&fx, "div", d, 2, &r, 1), TCVM_TRAP_INT_OVERFLOW);
    CHECK_STATUS(call(&fx, "ind_bad", NULL, 0, &r, 1), TCVM_TRAP_INDIRECT_TYPE);
    a = tcvm_val_i32(1);
    CHECK_STATUS(call(&fx, "ind", &a, 1, &r, 1), TCVM_TRAP_INDIRECT_NULL);
    a = tcvm_val_i32(2);
    CHECK_STATUS(call(&fx, "ind", &a, 1, &r, 1), TCVM_TRAP_TABLE_OOB);
    /* the memory bomb stops at the store's limit of 3 pages (2 more than the initial one) */
    CHECK_OK(call(&fx, "bomb", NULL, 0, &r, 1));
    CHECK_EQ(r.of.i32, 2);
    CHECK_EQ(tcvm_memory_pages(tcvm_instance_memory(fx.instance, "mem")), 3);
    d[0] = tcvm_val_i32(84);
    d[1] = tcvm_val_i32(2);
    CHECK_OK(call(&fx, "div", d, 2, &r, 1));
    CHECK_EQ(r.of.i32, 42);
    aot_teardown(&fx);
}

typedef struct interrupt_arg {
    tcvm_store_t *store;
    unsigned ms;
} interrupt_arg_t;

static void *interrupter(void *p)
{
    interrupt_arg_t *arg = p;
    struct timespec ts = {0, (long)arg->ms * 1000000L};
    nanosleep(&ts, NULL);
    tcvm_store_interrupt(arg->store);
    return NULL;
}

TEST(wasm_aot_interrupt_endless_loop)
{
    aot_fx_t fx;
    aot_setup(&fx, hostile_wat, NULL);
    interrupt_arg_t arg = {fx.store, 100};
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, interrupter, &arg), 0);
    CHECK_STATUS(call(&fx, "spin", NULL, 0, NULL, 0), TCVM_TRAP_INTERRUPTED);
    pthread_join(t, NULL);
    tcvm_store_clear_interrupt(fx.store);
    tcvm_val_t d[2] = {tcvm_val_i32(9), tcvm_val_i32(3)}, r;
    CHECK_OK(call(&fx, "div", d, 2, &r, 1));
    CHECK_EQ(r.of.i32, 3);
    aot_teardown(&fx);
}

/* host function that calls back into the guest's "inner" export with depth-1, and makes the
 * innermost level trap when asked */
typedef struct nest_env {
    tcvm_instance_t *inst;
    int calls;
} nest_env_t;

static tcvm_status_t host_nest(void *env, tcvm_caller_t *caller, const tcvm_val_t *args,
                               tcvm_val_t *results)
{
    nest_env_t *ne = env;
    ne->calls++;
    tcvm_val_t a[2] = {tcvm_val_i32(args[0].of.i32 - 1), args[1]}, r;
    tcvm_status_t st = tcvm_func_call(tcvm_caller_store(caller),
                                      tcvm_instance_func(ne->inst, "inner"), a, 2, &r, 1);
    if (st != TCVM_OK)
        return st;
    results[0] = tcvm_val_i32(r.of.i32 + 1);
    return TCVM_OK;
}

TEST(wasm_aot_nested_traps_at_every_depth)
{
    need_aot();
    const char *wat =
        "(module (import \"env\" \"nest\" (func $nest (param i32 i32) (result i32)))"
        "  (memory (export \"mem\") 1)"
        "  (func (export \"inner\") (param $d i32) (param $trap_at i32) (result i32)"
        "    (i32.store (i32.const 0) (local.get $d))"
        "    (if (i32.eq (local.get $d) (local.get $trap_at)) (then unreachable))"
        "    (if (result i32) (i32.eqz (local.get $d)) (then (i32.const 0))"
        "      (else (call $nest (local.get $d) (local.get $trap_at))))))";
    size_t size;
    uint8_t *bin = tcvm_test_wat(wat, &size);
    tcvm_engine_t *e = aot_engine();
    tcvm_module_t *m;
    tcvm_error_t err;
    if (tcvm_module_new(e, bin, size, &m, &err) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "%s", err.message);
    free(bin);
    /* a second store whose memory must stay untouched by everything in the first */
    tcvm_store_t *other;
    CHECK_OK(tcvm_store_new(e, NULL, &other));
    tcvm_store_t *s;
    CHECK_OK(tcvm_store_new(e, NULL, &s));
    static nest_env_t ne, ne2;
    tcvm_valtype_t p2[2] = {TCVM_I32, TCVM_I32}, r1[1] = {TCVM_I32};
    tcvm_functype_t ft = {2, 1, p2, r1};
    tcvm_extern_t imp = {.kind = TCVM_EXTERN_FUNC};
    CHECK_OK(tcvm_func_new_host(s, &ft, host_nest, &ne, NULL, &imp.of.func));
    tcvm_instance_t *inst;
    CHECK_OK(tcvm_instance_new(s, m, &imp, 1, &inst, &err));
    ne.inst = inst;
    tcvm_extern_t imp2 = {.kind = TCVM_EXTERN_FUNC};
    CHECK_OK(tcvm_func_new_host(other, &ft, host_nest, &ne2, NULL, &imp2.of.func));
    tcvm_instance_t *inst2;
    CHECK_OK(tcvm_instance_new(other, m, &imp2, 1, &inst2, &err));
    ne2.inst = inst2;
    CHECK_OK(tcvm_memory_write(tcvm_instance_memory(inst2, "mem"), 100, "untouched", 9));
    tcvm_func_t *inner = tcvm_instance_func(inst, "inner");
    const int depth = 20;
    tcvm_val_t a[2], r;
    /* no trap: the full depth comes back */
    a[0] = tcvm_val_i32(depth);
    a[1] = tcvm_val_i32(-1);
    CHECK_OK(tcvm_func_call(s, inner, a, 2, &r, 1));
    CHECK_EQ(r.of.i32, depth);
    /* a trap at every depth unwinds through every host frame above it */
    for (int t = 0; t <= depth; t++) {
        a[0] = tcvm_val_i32(depth);
        a[1] = tcvm_val_i32(t);
        CHECK_STATUS(tcvm_func_call(s, inner, a, 2, &r, 1), TCVM_TRAP_UNREACHABLE);
        /* and the instance is fine afterwards */
        a[1] = tcvm_val_i32(-1);
        CHECK_OK(tcvm_func_call(s, inner, a, 2, &r, 1));
        CHECK_EQ(r.of.i32, depth);
    }
    char buf[10] = {0};
    CHECK_OK(tcvm_memory_read(tcvm_instance_memory(inst2, "mem"), 100, buf, 9));
    CHECK_STREQ(buf, "untouched");
    tcvm_store_free(s);
    tcvm_store_free(other);
    tcvm_module_free(m);
    tcvm_engine_free(e);
}

TEST(wasm_aot_many_instances_released)
{
    need_aot();
    size_t size;
    uint8_t *bin = tcvm_test_wat("(module (memory 1) (func (export \"f\") (result i32) "
                                 "(i32.store (i32.const 8) (i32.const 5)) (i32.load (i32.const 8))))",
                                 &size);
    tcvm_engine_t *e = aot_engine();
    tcvm_module_t *m;
    tcvm_error_t err;
    CHECK_OK(tcvm_module_new(e, bin, size, &m, &err));
    free(bin);
    /* each memory reserves 8 GiB of address space; without releasing it in full this would
     * exhaust the address space long before the end */
    for (int i = 0; i < 20000; i++) {
        tcvm_store_t *s;
        tcvm_instance_t *inst;
        CHECK_OK(tcvm_store_new(e, NULL, &s));
        CHECK_OK(tcvm_instance_new(s, m, NULL, 0, &inst, &err));
        if (i % 1000 == 0) {
            tcvm_val_t r;
            CHECK_OK(tcvm_func_call(s, tcvm_instance_func(inst, "f"), NULL, 0, &r, 1));
            CHECK_EQ(r.of.i32, 5);
        }
        tcvm_store_free(s);
    }
    tcvm_module_free(m);
    tcvm_engine_free(e);
}

static tcvm_status_t host_add(void *env, tcvm_caller_t *caller, const tcvm_val_t *args,
                              tcvm_val_t *results)
{
    (void)env;
    (void)caller;
    results[0] = tcvm_val_i32(args[0].of.i32 + args[1].of.i32);
    return TCVM_OK;
}

TEST(wasm_aot_linking_and_funcrefs)
{
    need_aot();
    /* module A exports a table holding its own function and an imported host function;
     * module B imports the table and A's function and calls through both */
    const char *wat_a =
        "(module (import \"env\" \"add\" (func $add (param i32 i32) (result i32)))"
        "  (table (export \"t\") 4 funcref)"
        "  (func $mul (export \"mul\") (param i32 i32) (result i32) (i32.mul (local.get 0) (local.get 1)))"
        "  (elem (i32.const 0) $mul $add)"
        "  (func (export \"get\") (param i32) (result funcref) (table.get 0 (local.get 0))))";
    const char *wat_b =
        "(module (import \"a\" \"t\" (table 4 funcref))"
        "  (import \"a\" \"mul\" (func $mul (param i32 i32) (result i32)))"
        "  (type $bin (func (param i32 i32) (result i32)))"
        "  (func (export \"via\") (param i32 i32 i32) (result i32)"
        "    (call_indirect (type $bin) (local.get 1) (local.get 2) (local.get 0)))"
        "  (func (export \"direct\") (param i32 i32) (result i32) (call $mul (local.get 0) (local.get 1))))";
    size_t sa, sb;
    uint8_t *ba = tcvm_test_wat(wat_a, &sa), *bb = tcvm_test_wat(wat_b, &sb);
    tcvm_engine_t *e = aot_engine();
    tcvm_module_t *ma, *mb;
    tcvm_error_t err;
    CHECK_OK(tcvm_module_new(e, ba, sa, &ma, &err));
    CHECK_OK(tcvm_module_new(e, bb, sb, &mb, &err));
    free(ba);
    free(bb);
    tcvm_store_t *s;
    CHECK_OK(tcvm_store_new(e, NULL, &s));
    tcvm_valtype_t p2[2] = {TCVM_I32, TCVM_I32}, r1[1] = {TCVM_I32};
    tcvm_functype_t ft = {2, 1, p2, r1};
    tcvm_extern_t imp = {.kind = TCVM_EXTERN_FUNC};
    CHECK_OK(tcvm_func_new_host(s, &ft, host_add, NULL, NULL, &imp.of.func));
    tcvm_instance_t *ia, *ib;
    CHECK_OK(tcvm_instance_new(s, ma, &imp, 1, &ia, &err));
    tcvm_extern_t bimp[2];
    CHECK_OK(tcvm_instance_export(ia, "t", 1, &bimp[0]));
    CHECK_OK(tcvm_instance_export(ia, "mul", 3, &bimp[1]));
    CHECK_OK(tcvm_instance_new(s, mb, bimp, 2, &ib, &err));
    tcvm_val_t a3[3] = {tcvm_val_i32(0), tcvm_val_i32(6), tcvm_val_i32(7)}, r;
    CHECK_OK(tcvm_func_call(s, tcvm_instance_func(ib, "via"), a3, 3, &r, 1));
    CHECK_EQ(r.of.i32, 42);
    a3[0] = tcvm_val_i32(1);
    CHECK_OK(tcvm_func_call(s, tcvm_instance_func(ib, "via"), a3, 3, &r, 1));
    CHECK_EQ(r.of.i32, 13);
    CHECK_OK(tcvm_func_call(s, tcvm_instance_func(ib, "direct"), a3 + 1, 2, &r, 1));
    CHECK_EQ(r.of.i32, 42);
    /* a funcref out of compiled code is a function object the host can call */
    tcvm_val_t i0 = tcvm_val_i32(0);
    CHECK_OK(tcvm_func_call(s, tcvm_instance_func(ia, "get"), &i0, 1, &r, 1));
    CHECK(r.of.funcref == tcvm_instance_func(ia, "mul"));
    tcvm_val_t r2;
    CHECK_OK(tcvm_func_call(s, r.of.funcref, a3 + 1, 2, &r2, 1));
    CHECK_EQ(r2.of.i32, 42);
    /* and the host can read and write the compiled table */
    tcvm_val_t el;
    CHECK_OK(tcvm_table_get(bimp[0].of.table, 1, &el));
    CHECK(el.of.funcref == imp.of.func);
    CHECK_OK(tcvm_table_set(bimp[0].of.table, 2, tcvm_val_funcref(imp.of.func)));
    a3[0] = tcvm_val_i32(2);
    CHECK_OK(tcvm_func_call(s, tcvm_instance_func(ib, "via"), a3, 3, &r, 1));
    CHECK_EQ(r.of.i32, 13);
    tcvm_store_free(s);
    tcvm_module_free(ma);
    tcvm_module_free(mb);
    tcvm_engine_free(e);
}

TEST(wasm_aot_refuses_fuel_and_reports_tools)
{
    tcvm_engine_config_t cfg = {.tier = TCVM_TIER_AOT, .fuel = true};
    tcvm_engine_t *e;
    CHECK_STATUS(tcvm_engine_new(&cfg, &e), TCVM_EUNSUPPORTED);
    /* a compiler that does not exist is named in the error */
    cfg.fuel = false;
    cfg.aot_cc = "no-such-compiler-2cvm";
    cfg.aot_cache_dir = TCVM_BINARY_DIR "/aot-cache-tests";
    CHECK_OK(tcvm_engine_new(&cfg, &e));
    size_t size;
    uint8_t *bin = tcvm_test_wat("(module (func (export \"f\")))", &size);
    tcvm_module_t *m;
    tcvm_error_t err;
    CHECK_STATUS(tcvm_module_new(e, bin, size, &m, &err), TCVM_EUNSUPPORTED);
    CHECK_CONTAINS(err.message, "no-such-compiler-2cvm");
    free(bin);
    tcvm_engine_free(e);
}

typedef struct thread_job {
    tcvm_engine_t *engine;
    tcvm_module_t *module;
    int result;
    tcvm_status_t trap;
} thread_job_t;

static void *thread_run(void *p)
{
    thread_job_t *j = p;
    tcvm_store_t *s;
    tcvm_instance_t *inst;
    tcvm_error_t err;
    j->result = -1;
    if (tcvm_store_new(j->engine, NULL, &s) != TCVM_OK)
        return NULL;
    if (tcvm_instance_new(s, j->module, NULL, 0, &inst, &err) == TCVM_OK) {
        tcvm_val_t a = tcvm_val_i32(0), r;
        int sum = 0;
        for (int i = 0; i < 200; i++) {
            /* traps and normal returns interleave on both threads */
            j->trap = tcvm_func_call(s, tcvm_instance_func(inst, "rec"), &a, 1, &r, 1);
            tcvm_val_t d[2] = {tcvm_val_i32(i * 2), tcvm_val_i32(2)};
            if (tcvm_func_call(s, tcvm_instance_func(inst, "div"), d, 2, &r, 1) == TCVM_OK)
                sum += r.of.i32;
            tcvm_val_t o = tcvm_val_i32(70000);
            if (tcvm_func_call(s, tcvm_instance_func(inst, "load"), &o, 1, &r, 1) !=
                TCVM_TRAP_MEMORY_OOB)
                sum = -1000000;
        }
        j->result = sum;
    }
    tcvm_store_free(s);
    return NULL;
}

TEST(wasm_aot_two_threads)
{
    need_aot();
    size_t size;
    uint8_t *bin = tcvm_test_wat(hostile_wat, &size);
    for (int tier = 0; tier < 2; tier++) {
        tcvm_engine_t *e;
        if (tier == 0) {
            CHECK_OK(tcvm_engine_new(NULL, &e));
        } else {
            e = aot_engine();
        }
        tcvm_module_t *m;
        tcvm_error_t err;
        CHECK_OK(tcvm_module_new(e, bin, size, &m, &err));
        thread_job_t jobs[2] = {{e, m, 0, TCVM_OK}, {e, m, 0, TCVM_OK}};
        pthread_t t[2];
        for (int i = 0; i < 2; i++)
            CHECK_EQ(pthread_create(&t[i], NULL, thread_run, &jobs[i]), 0);
        for (int i = 0; i < 2; i++) {
            pthread_join(t[i], NULL);
            CHECK_EQ(jobs[i].result, 199 * 200 / 2);
            CHECK_STATUS(jobs[i].trap, TCVM_TRAP_STACK_EXHAUSTED);
        }
        tcvm_module_free(m);
        tcvm_engine_free(e);
    }
    free(bin);
}

/* ---- the stack limit ------------------------------------------------------------------ */

static const char *stack_wat =
    "(module"
    "  (func $down (export \"down\") (param i32) (result i32)"
    "    (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))"
    "      (else (i32.add (call $down (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))"
    /* recursion in tail position: with sibling calls it would loop forever, not trap */
    "  (func $spin (export \"spin\") (call $spin)))";

/* Runs down(n) on a new store of e; returns the status (and the result in *out). */
static tcvm_status_t run_down(tcvm_engine_t *e, tcvm_module_t *m, int n, int *out)
{
    tcvm_store_t *s;
    tcvm_instance_t *inst;
    tcvm_error_t err;
    if (tcvm_store_new(e, NULL, &s) != TCVM_OK)
        return TCVM_ENOMEM;
    tcvm_status_t st = tcvm_instance_new(s, m, NULL, 0, &inst, &err);
    if (st == TCVM_OK) {
        tcvm_val_t a = tcvm_val_i32(n), r;
        st = tcvm_func_call(s, tcvm_instance_func(inst, "down"), &a, 1, &r, 1);
        if (st == TCVM_OK)
            *out = r.of.i32;
    }
    tcvm_store_free(s);
    return st;
}

TEST(wasm_aot_stack_limit)
{
    aot_fx_t fx;
    aot_setup(&fx, stack_wat, NULL);
    tcvm_val_t a = tcvm_val_i32(2000), r;
    /* legitimate deep recursion fits the default budget */
    CHECK_OK(call(&fx, "down", &a, 1, &r, 1));
    CHECK_EQ(r.of.i32, 2000);
    CHECK_STATUS(call(&fx, "spin", NULL, 0, NULL, 0), TCVM_TRAP_STACK_EXHAUSTED);
    /* the limit is cleared with the entry that set it: the store works as before */
    CHECK_OK(call(&fx, "down", &a, 1, &r, 1));
    CHECK_EQ(r.of.i32, 2000);
    aot_teardown(&fx);

    /* a small budget: 100 nominal frames of 256 bytes */
    size_t size;
    uint8_t *bin = tcvm_test_wat(stack_wat, &size);
    tcvm_engine_config_t cfg = {.tier = TCVM_TIER_AOT,
                                .aot_cache_dir = TCVM_BINARY_DIR "/aot-cache-tests",
                                .aot_max_depth = 100};
    tcvm_engine_t *e;
    tcvm_module_t *m;
    tcvm_error_t err;
    CHECK_OK(tcvm_engine_new(&cfg, &e));
    CHECK_OK(tcvm_module_new(e, bin, size, &m, &err));
    int out = -1;
    CHECK_OK(run_down(e, m, 10, &out));
    CHECK_EQ(out, 10);
    CHECK_STATUS(run_down(e, m, 100000, &out), TCVM_TRAP_STACK_EXHAUSTED);
    tcvm_module_free(m);
    tcvm_engine_free(e);
    free(bin);
}

typedef struct small_stack_job {
    tcvm_engine_t *engine;
    tcvm_module_t *module;
    tcvm_status_t deep, shallow;
    int shallow_result;
} small_stack_job_t;

static void *small_stack_run(void *arg)
{
    small_stack_job_t *j = arg;
    int out = -1;
    j->deep = run_down(j->engine, j->module, 10000000, &out);
    j->shallow = run_down(j->engine, j->module, 100, &j->shallow_result);
    return NULL;
}

/* A host thread whose stack is smaller than the default budget: compiled code stops 256 KiB
 * above the bottom of that stack, so the trap is clean and the thread keeps working. */
TEST(wasm_aot_stack_limit_small_thread)
{
    need_aot();
    size_t size;
    uint8_t *bin = tcvm_test_wat(stack_wat, &size);
    tcvm_engine_t *e = aot_engine();
    tcvm_module_t *m;
    tcvm_error_t err;
    CHECK_OK(tcvm_module_new(e, bin, size, &m, &err));
    small_stack_job_t job = {e, m, TCVM_OK, TCVM_OK, -1};
    pthread_attr_t attr;
    CHECK_EQ(pthread_attr_init(&attr), 0);
    CHECK_EQ(pthread_attr_setstacksize(&attr, 512u << 10), 0);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, &attr, small_stack_run, &job), 0);
    pthread_join(t, NULL);
    pthread_attr_destroy(&attr);
    CHECK_STATUS(job.deep, TCVM_TRAP_STACK_EXHAUSTED);
    CHECK_OK(job.shallow);
    CHECK_EQ(job.shallow_result, 100);
    tcvm_module_free(m);
    tcvm_engine_free(e);
    free(bin);
}
