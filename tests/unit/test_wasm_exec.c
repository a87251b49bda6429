/* SPDX-License-Identifier: Apache-2.0 */
/* Execution tests of the interpreter through the public embedding API: calls, control flow,
 * memory, traps with their status, fuel, limits, host functions and nested calls. */
#include "test.h"
#include "wat.h"

#include "tcvm/wasm.h"

#include <stdlib.h>

typedef struct fixture {
    tcvm_engine_t *engine;
    tcvm_store_t *store;
    tcvm_module_t *module;
    tcvm_instance_t *instance;
} fixture_t;

static void setup(fixture_t *fx, const char *wat, bool fuel, const tcvm_store_limits_t *limits)
{
    size_t size;
    uint8_t *bin = tcvm_test_wat(wat, &size);
    tcvm_engine_config_t cfg = {fuel};
    tcvm_error_t err;
    CHECK_OK(tcvm_engine_new(&cfg, &fx->engine));
    tcvm_status_t st = tcvm_module_new(fx->engine, bin, size, &fx->module, &err);
    if (st != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "module_new: %s", err.message);
    free(bin);
    CHECK_OK(tcvm_store_new(fx->engine, limits, &fx->store));
    if (tcvm_module_import_count(fx->module) == 0) {
        st = tcvm_instance_new(fx->store, fx->module, NULL, 0, &fx->instance, &err);
        if (st != TCVM_OK)
            tcvm_test_fail(__FILE__, __LINE__, "instance_new: %s", err.message);
    }
}

static void teardown(fixture_t *fx)
{
    tcvm_store_free(fx->store);
    tcvm_module_free(fx->module);
    tcvm_engine_free(fx->engine);
}

static tcvm_status_t call1(fixture_t *fx, const char *name, tcvm_val_t *args, size_t nargs,
                           tcvm_val_t *result)
{
    tcvm_func_t *f = tcvm_instance_func(fx->instance, name);
    if (f == NULL)
        tcvm_test_fail(__FILE__, __LINE__, "no export %s", name);
    return tcvm_func_call(fx->store, f, args, nargs, result, result ? 1 : 0);
}

static const char *fib_wat =
    "(module"
    "  (func $fib (export \"fib\") (param i32) (result i32)"
    "    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))"
    "      (then (local.get 0))"
    "      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))"
    "                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))"
    "  (func (export \"loop\") (param i32) (result i64) (local i64)"
    "    (block (loop"
    "      (br_if 1 (i32.eqz (local.get 0)))"
    "      (local.set 1 (i64.add (local.get 1) (i64.extend_i32_u (local.get 0))))"
    "      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))"
    "      (br 0)))"
    "    (local.get 1))"
    "  (func (export \"spin\") (loop (br 0)))"
    "  (func $rec (export \"rec\") (param i32) (result i32)"
    "    (call $rec (i32.add (local.get 0) (i32.const 1))))"
    "  (func (export \"div\") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))"
    "  (func (export \"unreach\") unreachable)"
    "  (memory (export \"mem\") 1 2)"
    "  (func (export \"load\") (param i32) (result i32) (i32.load (local.get 0)))"
    "  (func (export \"grow\") (param i32) (result i32) (memory.grow (local.get 0)))"
    "  (func (export \"swap\") (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))"
    "  (func (export \"sel\") (param i32) (result i32)"
    "    (block $b2 (block $b1 (block $b0 (br_table $b0 $b1 $b2 (local.get 0)))"
    "      (return (i32.const 10))) (return (i32.const 11))) (i32.const 12))"
    ")";

TEST(wasm_exec_basic)
{
    fixture_t fx;
    setup(&fx, fib_wat, false, NULL);
    tcvm_val_t arg = tcvm_val_i32(20), r;
    CHECK_OK(call1(&fx, "fib", &arg, 1, &r));
    CHECK_EQ(r.type, TCVM_I32);
    CHECK_EQ(r.of.i32, 6765);
    arg = tcvm_val_i32(100000);
    CHECK_OK(call1(&fx, "loop", &arg, 1, &r));
    CHECK_EQ(r.of.i64, 5000050000LL);
    for (int i = 0; i < 4; i++) {
        arg = tcvm_val_i32(i);
        CHECK_OK(call1(&fx, "sel", &arg, 1, &r));
        CHECK_EQ(r.of.i32, 10 + (i > 2 ? 2 : i));
    }
    tcvm_val_t args[2] = {tcvm_val_i32(3), tcvm_val_i32(4)}, res[2];
    CHECK_OK(tcvm_func_call(fx.store, tcvm_instance_func(fx.instance, "swap"), args, 2, res, 2));
    CHECK_EQ(res[0].of.i32, 4);
    CHECK_EQ(res[1].of.i32, 3);
    teardown(&fx);
}

TEST(wasm_exec_traps)
{
    fixture_t fx;
    setup(&fx, fib_wat, false, NULL);
    tcvm_val_t args[2] = {tcvm_val_i32(1), tcvm_val_i32(0)}, r;
    CHECK_STATUS(call1(&fx, "div", args, 2, &r), TCVM_TRAP_DIV_ZERO);
    CHECK_CONTAINS(tcvm_store_error(fx.store)->message, "divide by zero");
    args[0] = tcvm_val_i32(INT32_MIN);
    args[1] = tcvm_val_i32(-1);
    CHECK_STATUS(call1(&fx, "div", args, 2, &r), TCVM_TRAP_INT_OVERFLOW);
    CHECK_STATUS(call1(&fx, "unreach", NULL, 0, NULL), TCVM_TRAP_UNREACHABLE);
    tcvm_val_t a = tcvm_val_i32(65533);
    CHECK_STATUS(call1(&fx, "load", &a, 1, &r), TCVM_TRAP_MEMORY_OOB);
    a = tcvm_val_i32(65532);
    CHECK_OK(call1(&fx, "load", &a, 1, &r));
    a = tcvm_val_i32(0);
    CHECK_STATUS(call1(&fx, "rec", &a, 1, &r), TCVM_TRAP_STACK_EXHAUSTED);
    /* the store is still usable after every trap */
    a = tcvm_val_i32(10);
    CHECK_OK(call1(&fx, "fib", &a, 1, &r));
    CHECK_EQ(r.of.i32, 55);
    /* memory grows to its maximum and no further */
    a = tcvm_val_i32(1);
    CHECK_OK(call1(&fx, "grow", &a, 1, &r));
    CHECK_EQ(r.of.i32, 1);
    CHECK_OK(call1(&fx, "grow", &a, 1, &r));
    CHECK_EQ(r.of.i32, -1);
    a = tcvm_val_i32(65536 + 100);
    CHECK_OK(call1(&fx, "load", &a, 1, &r));
    teardown(&fx);
}

TEST(wasm_exec_fuel)
{
    fixture_t fx;
    setup(&fx, fib_wat, true, NULL);
    CHECK_OK(tcvm_store_set_fuel(fx.store, 1000000));
    CHECK_STATUS(call1(&fx, "spin", NULL, 0, NULL), TCVM_TRAP_OUT_OF_FUEL);
    CHECK_EQ(tcvm_store_fuel(fx.store), 0);
    CHECK_OK(tcvm_store_set_fuel(fx.store, 1000000));
    tcvm_val_t a = tcvm_val_i32(15), r;
    CHECK_OK(call1(&fx, "fib", &a, 1, &r));
    CHECK_EQ(r.of.i32, 610);
    uint64_t left = tcvm_store_fuel(fx.store);
    CHECK(left < 1000000 && left > 900000);
    teardown(&fx);
}

TEST(wasm_exec_call_depth_limit)
{
    fixture_t fx;
    tcvm_store_limits_t lim = {.max_call_depth = 100};
    setup(&fx, fib_wat, false, &lim);
    tcvm_val_t a = tcvm_val_i32(0), r;
    CHECK_STATUS(call1(&fx, "rec", &a, 1, &r), TCVM_TRAP_STACK_EXHAUSTED);
    a = tcvm_val_i32(20);
    CHECK_OK(call1(&fx, "fib", &a, 1, &r));
    teardown(&fx);
}

#include <pthread.h>
#include <time.h>

static void *interrupter(void *arg)
{
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    tcvm_store_interrupt(arg);
    return NULL;
}

TEST(wasm_exec_interrupt)
{
    fixture_t fx;
    setup(&fx, fib_wat, true, NULL);
    CHECK_OK(tcvm_store_set_fuel(fx.store, UINT64_MAX));
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, interrupter, fx.store), 0);
    /* an endless loop stopped from another thread */
    CHECK_STATUS(call1(&fx, "spin", NULL, 0, NULL), TCVM_TRAP_INTERRUPTED);
    pthread_join(t, NULL);
    CHECK_STATUS(call1(&fx, "spin", NULL, 0, NULL), TCVM_TRAP_INTERRUPTED);
    tcvm_store_clear_interrupt(fx.store);
    tcvm_val_t a = tcvm_val_i32(10), r;
    CHECK_OK(call1(&fx, "fib", &a, 1, &r));
    CHECK_EQ(r.of.i32, 55);
    teardown(&fx);
    /* without fuel metering there is nowhere to look, and the call says so */
    setup(&fx, fib_wat, false, NULL);
    CHECK_STATUS(tcvm_store_interrupt(fx.store), TCVM_ESTATE);
    teardown(&fx);
}
