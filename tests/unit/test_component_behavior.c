/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Component behaviour: canonical ABI traps raised by guests, imports the embedder must satisfy
 * (and the error naming the one it did not), host interfaces and resources with destructors,
 * resources defined by components (own moves, borrows, resource.rep), re-entrance, nested
 * components and exported interfaces, post-return, and forwarding calls between two instances
 * memory to memory.
 */
#include "test.h"
#include "test_component_bins.h"

#include "tcvm/component.h"
#include "tcvm/wasm.h"

#include <stdlib.h>
#include <string.h>

static tcvm_engine_t *engine(void)
{
    tcvm_engine_t *e;
    CHECK_OK(tcvm_engine_new(NULL, &e));
    return e;
}

static tcvm_component_t *load(tcvm_engine_t *e, const uint8_t *b, size_t n)
{
    tcvm_component_t *c;
    tcvm_error_t err = {0};
    tcvm_status_t st = tcvm_component_new(e, b, n, &c, &err, NULL);
    if (st != TCVM_OK) tcvm_test_fail(__FILE__, __LINE__, "load: %s", err.message);
    return c;
}

static tcvm_cinstance_t *inst_of(tcvm_engine_t *e, tcvm_component_t *c, tcvm_clinker_t *l)
{
    tcvm_cinstance_t *i;
    tcvm_error_t err = {0};
    tcvm_status_t st = tcvm_cinstance_new(e, c, l, NULL, &i, &err);
    if (st != TCVM_OK) tcvm_test_fail(__FILE__, __LINE__, "instantiate: %s", err.message);
    return i;
}

static void expect_trap(const char *fn, const char *msg)
{
    tcvm_engine_t *e = engine();
    tcvm_component_t *c = load(e, comp_traps, sizeof comp_traps);
    tcvm_cinstance_t *i = inst_of(e, c, NULL);
    tcvm_cfunc_t *f = tcvm_cinstance_func(i, fn);
    CHECK(f != NULL);
    tcvm_cval_t r;
    tcvm_status_t st =
        tcvm_cfunc_call(i, f, NULL, 0, tcvm_cfunctype_result(tcvm_cfunc_type(f)) ? &r : NULL);
    CHECK(st == TCVM_COMP_TRAP || tcvm_status_is_trap(st));
    CHECK_CONTAINS(tcvm_cinstance_error(i)->message, msg);
    /* a trapped instance refuses later calls */
    CHECK(!tcvm_cinstance_usable(i));
    CHECK_STATUS(tcvm_cfunc_call(i, f, NULL, 0, &r), TCVM_ESTATE);
    tcvm_cinstance_free(i);
    tcvm_component_free(c);
    tcvm_engine_free(e);
}

TEST(component_trap_bad_utf8)
{
    expect_trap("bad-utf8", "not valid UTF-8");
}
TEST(component_trap_bad_utf16)
{
    expect_trap("bad-utf16", "not valid UTF-16");
}
TEST(component_trap_out_of_bounds)
{
    expect_trap("oob", "outside memory");
}
TEST(component_trap_misaligned)
{
    expect_trap("misaligned", "not 4-byte aligned");
}
TEST(component_trap_surrogate_char)
{
    expect_trap("bad-char", "not a valid char");
}
TEST(component_trap_char_past_unicode)
{
    expect_trap("big-char", "not a valid char");
}
TEST(component_trap_discriminant)
{
    expect_trap("bad-disc", "out of range");
}
TEST(component_trap_return_pointer)
{
    expect_trap("bad-retptr", "aligned");
}
TEST(component_trap_core_unreachable)
{
    expect_trap("unreachable", "unreachable");
}
TEST(component_trap_length_cap)
{
    expect_trap("len-too-big", "2^28-1");
}

/* ---- host interfaces and resources ---------------------------------------------------- */

typedef struct host {
    char logged[64];
    int dtors;
    uint32_t last_rep;
} host_t;

static tcvm_status_t host_log(void *env, tcvm_ccall_t *call, const tcvm_cval_t *args, size_t n,
                              tcvm_cval_t *result)
{
    (void)call, (void)n, (void)result;
    host_t *h = env;
    snprintf(h->logged, sizeof h->logged, "%.*s", (int)args[0].of.str.size, args[0].of.str.data);
    return TCVM_OK;
}

static tcvm_status_t host_make(void *env, tcvm_ccall_t *call, const tcvm_cval_t *args, size_t n,
                               tcvm_cval_t *result)
{
    (void)env, (void)n;
    uint32_t h;
    tcvm_status_t st = tcvm_cinstance_resource_new(tcvm_ccall_instance(call), "host", "r",
                                                   (uint32_t)args[0].of.u * 10, &h);
    if (st != TCVM_OK) return st;
    *result = tcvm_cval_handle(TCVM_CT_OWN, h);
    return TCVM_OK;
}

static void host_dtor(void *env, uint32_t rep)
{
    host_t *h = env;
    h->dtors++;
    h->last_rep = rep;
}

TEST(component_unsatisfied_import_is_named)
{
    tcvm_engine_t *e = engine();
    tcvm_component_t *c = load(e, comp_res, sizeof comp_res);
    tcvm_cinstance_t *i = NULL;
    tcvm_error_t err = {0};
    CHECK_STATUS(tcvm_cinstance_new(e, c, NULL, NULL, &i, &err), TCVM_COMP_UNLINKABLE);
    CHECK_CONTAINS(err.message, "\"host\"");
    CHECK_CONTAINS(err.message, "\"log\"");
    /* a linker with only some of the interface still fails, naming what is missing */
    tcvm_clinker_t *l;
    host_t h = {0};
    CHECK_OK(tcvm_clinker_new(&l));
    CHECK_OK(tcvm_clinker_define_func(l, "host", "log", host_log, &h, NULL));
    CHECK_STATUS(tcvm_cinstance_new(e, c, l, NULL, &i, &err), TCVM_COMP_UNLINKABLE);
    CHECK_CONTAINS(err.message, "\"r\"");
    CHECK_STATUS(tcvm_clinker_define_func(l, "host", "log", host_log, &h, NULL), TCVM_EEXIST);
    tcvm_clinker_free(l);
    tcvm_component_free(c);
    tcvm_engine_free(e);
}

static tcvm_clinker_t *res_linker(host_t *h)
{
    tcvm_clinker_t *l;
    CHECK_OK(tcvm_clinker_new(&l));
    CHECK_OK(tcvm_clinker_define_func(l, "host", "log", host_log, h, NULL));
    CHECK_OK(tcvm_clinker_define_func(l, "host", "make", host_make, h, NULL));
    CHECK_OK(tcvm_clinker_define_resource(l, "host", "r", host_dtor, h));
    return l;
}

TEST(component_host_interface_string)
{
    tcvm_engine_t *e = engine();
    tcvm_component_t *c = load(e, comp_res, sizeof comp_res);
    host_t h = {0};
    tcvm_clinker_t *l = res_linker(&h);
    tcvm_cinstance_t *i = inst_of(e, c, l);
    CHECK_OK(tcvm_cfunc_call(i, tcvm_cinstance_func(i, "hello"), NULL, 0, NULL));
    CHECK_STREQ(h.logged, "hello");
    tcvm_cinstance_free(i);
    tcvm_clinker_free(l);
    tcvm_component_free(c);
    tcvm_engine_free(e);
}

TEST(component_resources_own_borrow_rep)
{
    tcvm_engine_t *e = engine();
    tcvm_component_t *c = load(e, comp_res, sizeof comp_res);
    host_t h = {0};
    tcvm_clinker_t *l = res_linker(&h);
    tcvm_cinstance_t *i = inst_of(e, c, l);
    /* create(v) = resource.new(v): the embedder gets an own handle */
    tcvm_cval_t arg = tcvm_cval_u(TCVM_CT_U32, 77), r, r2;
    CHECK_OK(tcvm_cfunc_call(i, tcvm_cinstance_func(i, "create"), &arg, 1, &r));
    CHECK_EQ(r.kind, TCVM_CT_OWN);
    /* a component resource's rep is not the embedder's to read */
    uint32_t rep;
    CHECK_STATUS(tcvm_cinstance_resource_rep(i, r.of.handle, &rep), TCVM_EPERM);
    /* get(borrow<thing>) returns what its core function receives: a borrow lowered into the
     * resource's implementing instance arrives as the rep itself */
    tcvm_cval_t b = tcvm_cval_handle(TCVM_CT_BORROW, r.of.handle);
    if (tcvm_cfunc_call(i, tcvm_cinstance_func(i, "get"), &b, 1, &r2) != TCVM_OK)
        tcvm_test_fail(__FILE__, __LINE__, "get: %s", tcvm_cinstance_error(i)->message);
    CHECK_EQ(r2.of.u, 77);
    /* the handle is still the embedder's after the borrow */
    CHECK_OK(tcvm_cfunc_call(i, tcvm_cinstance_func(i, "get"), &b, 1, &r2));
    CHECK_EQ(r2.of.u, 77);
    CHECK_OK(tcvm_cinstance_resource_drop(i, r.of.handle));
    CHECK_STATUS(tcvm_cinstance_resource_drop(i, r.of.handle), TCVM_ENOENT);
    /* a dropped or forged handle traps */
    tcvm_status_t st = tcvm_cfunc_call(i, tcvm_cinstance_func(i, "get"), &b, 1, &r2);
    CHECK_STATUS(st, TCVM_COMP_TRAP);
    CHECK_CONTAINS(tcvm_cinstance_error(i)->message, "does not exist");
    tcvm_cinstance_free(i);
    tcvm_clinker_free(l);
    tcvm_component_free(c);
    tcvm_engine_free(e);
}

TEST(component_host_resource_destructor)
{
    tcvm_engine_t *e = engine();
    tcvm_component_t *c = load(e, comp_res, sizeof comp_res);
    host_t h = {0};
    tcvm_clinker_t *l = res_linker(&h);
    tcvm_cinstance_t *i = inst_of(e, c, l);
    /* host-make(n): the host makes an own<r> with rep n*10, the guest passes it back out */
    tcvm_cval_t arg = tcvm_cval_u(TCVM_CT_U32, 4), r;
    CHECK_OK(tcvm_cfunc_call(i, tcvm_cinstance_func(i, "host-make"), &arg, 1, &r));
    CHECK_EQ(r.kind, TCVM_CT_OWN);
    uint32_t rep = 0;
    CHECK_OK(tcvm_cinstance_resource_rep(i, r.of.handle, &rep));
    CHECK_EQ(rep, 40);
    CHECK_EQ(h.dtors, 0);
    CHECK_OK(tcvm_cinstance_resource_drop(i, r.of.handle));
    CHECK_EQ(h.dtors, 1);
    CHECK_EQ(h.last_rep, 40);
    /* one more left to the instance: freed with it */
    CHECK_OK(tcvm_cfunc_call(i, tcvm_cinstance_func(i, "host-make"), &arg, 1, &r));
    tcvm_cinstance_free(i);
    CHECK_EQ(h.dtors, 2);
    tcvm_clinker_free(l);
    tcvm_component_free(c);
    tcvm_engine_free(e);
}

/* ---- re-entrance ---------------------------------------------------------------------- */

typedef struct reent {
    tcvm_cinstance_t *inst;
    tcvm_status_t inner;
    int calls;
} reent_t;

static tcvm_status_t call_back(void *env, tcvm_ccall_t *call, const tcvm_cval_t *args, size_t n,
                               tcvm_cval_t *result)
{
    (void)call, (void)args, (void)n, (void)result;
    reent_t *r = env;
    r->calls++;
    tcvm_cval_t out;
    r->inner = tcvm_cfunc_call(r->inst, tcvm_cinstance_func(r->inst, "run"), NULL, 0, &out);
    return TCVM_OK;
}

TEST(component_reentrance_traps)
{
    tcvm_engine_t *e = engine();
    tcvm_component_t *c = load(e, comp_reent, sizeof comp_reent);
    tcvm_clinker_t *l;
    reent_t r = {0};
    CHECK_OK(tcvm_clinker_new(&l));
    CHECK_OK(tcvm_clinker_define_func(l, NULL, "cb", call_back, &r, NULL));
    r.inst = inst_of(e, c, l);
    tcvm_cval_t out;
    CHECK_OK(tcvm_cfunc_call(r.inst, tcvm_cinstance_func(r.inst, "run"), NULL, 0, &out));
    CHECK_EQ(r.calls, 1);
    CHECK_STATUS(r.inner, TCVM_COMP_TRAP);
    CHECK_EQ(out.of.u, 1); /* the inner call never ran */
    tcvm_cinstance_free(r.inst);
    tcvm_clinker_free(l);
    tcvm_component_free(c);
    tcvm_engine_free(e);
}

TEST(component_closure_over_imported_module)
{
    /* a nested component outer-aliases the module its parent imported: each instantiation of
     * the parent makes a component that keeps that parent's module */
    tcvm_engine_t *e = engine();
    tcvm_component_t *c = load(e, comp_closure, sizeof comp_closure);
    tcvm_cinstance_t *i = inst_of(e, c, NULL);
    tcvm_cval_t out;
    CHECK_OK(tcvm_cfunc_call(i, tcvm_cinstance_func(i, "get-1"), NULL, 0, &out));
    CHECK_EQ(out.of.u, 410);
    CHECK_OK(tcvm_cfunc_call(i, tcvm_cinstance_func(i, "get-2"), NULL, 0, &out));
    CHECK_EQ(out.of.u, 420);
    tcvm_cinstance_free(i);
    tcvm_component_free(c);
    tcvm_engine_free(e);
}

TEST(component_recursive_calls_trap)
{
    /* a parent calling into its child, and a child calling a function its parent lifted, might
     * be recursive and trap; siblings may call one another */
    tcvm_engine_t *e = engine();
    tcvm_component_t *c = load(e, comp_recursive_calls, sizeof comp_recursive_calls);
    tcvm_cval_t out;
    tcvm_cinstance_t *i = inst_of(e, c, NULL);
    CHECK_OK(tcvm_cfunc_call(i, tcvm_cinstance_func(i, "sibling"), NULL, 0, &out));
    CHECK_EQ(out.of.u, 7);
    CHECK_STATUS(tcvm_cfunc_call(i, tcvm_cinstance_func(i, "parent-to-child"), NULL, 0, &out),
                 TCVM_COMP_TRAP);
    CHECK_CONTAINS(tcvm_cinstance_error(i)->message, "cannot enter component instance");
    tcvm_cinstance_free(i);
    i = inst_of(e, c, NULL);
    CHECK_STATUS(tcvm_cfunc_call(i, tcvm_cinstance_func(i, "child-to-parent"), NULL, 0, &out),
                 TCVM_COMP_TRAP);
    tcvm_cinstance_free(i);
    tcvm_component_free(c);
    tcvm_engine_free(e);
}

/* ---- nesting -------------------------------------------------------------------------- */

TEST(component_nested_and_exported_interface)
{
    tcvm_engine_t *e = engine();
    tcvm_component_t *c = load(e, comp_nested, sizeof comp_nested);
    tcvm_cinstance_t *i = inst_of(e, c, NULL);
    tcvm_cval_t args[2] = {tcvm_cval_u(TCVM_CT_U32, 40), tcvm_cval_u(TCVM_CT_U32, 2)}, r;
    CHECK_OK(tcvm_cfunc_call(i, tcvm_cinstance_func(i, "add"), args, 2, &r));
    CHECK_EQ(r.of.u, 42);
    tcvm_cfunc_t *f = tcvm_cinstance_func(i, "ns:math/ops@1.0.0#add");
    CHECK(f != NULL);
    CHECK_OK(tcvm_cfunc_call(i, f, args, 2, &r));
    CHECK_EQ(r.of.u, 42);
    CHECK(tcvm_cinstance_func(i, "ns:math/ops@1.0.0#nope") == NULL);
    CHECK(tcvm_cinstance_func(i, "nope") == NULL);
    /* wrong argument counts and types are refused before anything runs */
    CHECK_STATUS(tcvm_cfunc_call(i, f, args, 1, &r), TCVM_WASM_TYPE);
    tcvm_cval_t bad[2] = {tcvm_cval_s(TCVM_CT_S32, 1), tcvm_cval_u(TCVM_CT_U32, 2)};
    CHECK_STATUS(tcvm_cfunc_call(i, f, bad, 2, &r), TCVM_WASM_TYPE);
    char *wit = tcvm_component_to_wit(c);
    CHECK_CONTAINS(wit, "export ns:math/ops@1.0.0: interface {");
    CHECK_CONTAINS(wit, "add: func(a: u32, b: u32) -> u32;");
    tcvm_ctext_free(wit);
    tcvm_cinstance_free(i);
    tcvm_component_free(c);
    tcvm_engine_free(e);
}

/* ---- post-return and forwarding ------------------------------------------------------- */

TEST(component_post_return_runs)
{
    tcvm_engine_t *e = engine();
    tcvm_component_t *c = load(e, comp_echo, sizeof comp_echo);
    tcvm_cinstance_t *i = inst_of(e, c, NULL);
    tcvm_cval_t s, r;
    CHECK_OK(tcvm_cval_string("grüße", strlen("grüße"), &s));
    for (int k = 0; k < 3; k++) {
        CHECK_OK(tcvm_cfunc_call(i, tcvm_cinstance_func(i, "echo-string"), &s, 1, &r));
        CHECK(tcvm_cval_equal(&s, &r));
        tcvm_cval_clear(&r);
    }
    CHECK_OK(tcvm_cfunc_call(i, tcvm_cinstance_func(i, "posts"), NULL, 0, &r));
    CHECK_EQ(r.of.u, 3);
    tcvm_cval_clear(&s);
    tcvm_cinstance_free(i);
    tcvm_component_free(c);
    tcvm_engine_free(e);
}

typedef struct fwd {
    int calls;
    uint64_t bytes;
    bool refuse;
} fwd_t;

static tcvm_status_t fwd_hook(void *env, const char *name, uint64_t bytes)
{
    fwd_t *f = env;
    (void)name;
    f->calls++;
    f->bytes += bytes;
    return f->refuse ? TCVM_HOST_POLICY : TCVM_OK;
}

/* The caller imports f: func(l: list<u8>) -> list<u8> and exports g, which calls it; the echo
 * component's echo-bytes is the callee. */
TEST(component_forward_between_instances)
{
    tcvm_engine_t *e = engine();
    tcvm_component_t *callee_c = load(e, comp_echo, sizeof comp_echo);
    tcvm_component_t *caller_c = load(e, comp_fwd_caller, sizeof comp_fwd_caller);
    tcvm_cinstance_t *callee = inst_of(e, callee_c, NULL);
    tcvm_clinker_t *l;
    fwd_t fw = {0};
    CHECK_OK(tcvm_clinker_new(&l));
    CHECK_OK(tcvm_clinker_forward(l, NULL, "f", callee, "echo-bytes", fwd_hook, &fw));
    tcvm_cinstance_t *caller = inst_of(e, caller_c, l);
    size_t n = 100000;
    tcvm_cval_t v, r;
    CHECK_OK(tcvm_cval_seq(TCVM_CT_LIST, n, &v));
    for (size_t k = 0; k < n; k++)
        v.of.seq.items[k] = tcvm_cval_u(TCVM_CT_U8, k % 251);
    CHECK_OK(tcvm_cfunc_call(caller, tcvm_cinstance_func(caller, "g"), &v, 1, &r));
    CHECK(tcvm_cval_equal(&v, &r));
    CHECK_EQ(fw.calls, 1);
    CHECK_EQ(fw.bytes, n); /* the argument bytes, counted before the call */
    tcvm_cval_clear(&r);
    /* the callee's post-return ran */
    CHECK_OK(tcvm_cfunc_call(callee, tcvm_cinstance_func(callee, "posts"), NULL, 0, &r));
    CHECK_EQ(r.of.u, 1);
    /* the hook can refuse: the caller traps, the callee never runs */
    fw.refuse = true;
    CHECK(tcvm_cfunc_call(caller, tcvm_cinstance_func(caller, "g"), &v, 1, &r) != TCVM_OK);
    CHECK_OK(tcvm_cfunc_call(callee, tcvm_cinstance_func(callee, "posts"), NULL, 0, &r));
    CHECK_EQ(r.of.u, 1);
    tcvm_cval_clear(&v);
    tcvm_cinstance_free(caller);
    tcvm_cinstance_free(callee);
    tcvm_clinker_free(l);
    tcvm_component_free(caller_c);
    tcvm_component_free(callee_c);
    tcvm_engine_free(e);
}

/* ---- borrow scopes and may_leave ------------------------------------------------------ */

static tcvm_status_t nothing(void *env, tcvm_ccall_t *call, const tcvm_cval_t *args, size_t n,
                             tcvm_cval_t *result)
{
    (void)call, (void)args, (void)n, (void)result;
    (*(int *)env)++;
    return TCVM_OK;
}

static tcvm_cinstance_t *scope_instance(tcvm_engine_t *e, tcvm_component_t *c, tcvm_clinker_t **l,
                                        host_t *h, int *cbs)
{
    CHECK_OK(tcvm_clinker_new(l));
    CHECK_OK(tcvm_clinker_define_func(*l, "host", "make", host_make, h, NULL));
    CHECK_OK(tcvm_clinker_define_func(*l, "host", "cb", nothing, cbs, NULL));
    CHECK_OK(tcvm_clinker_define_resource(*l, "host", "r", host_dtor, h));
    return inst_of(e, c, *l);
}

TEST(component_borrow_must_be_dropped)
{
    tcvm_engine_t *e = engine();
    tcvm_component_t *c = load(e, comp_scope, sizeof comp_scope);
    tcvm_clinker_t *l;
    host_t h = {0};
    int cbs = 0;
    tcvm_cinstance_t *i = scope_instance(e, c, &l, &h, &cbs);
    uint32_t own;
    CHECK_OK(tcvm_cinstance_resource_new(i, "host", "r", 5, &own));
    tcvm_cval_t b = tcvm_cval_handle(TCVM_CT_BORROW, own);
    /* a borrow of a host resource lowered into a component is a handle in its table: dropping
     * it before returning is fine */
    CHECK_OK(tcvm_cfunc_call(i, tcvm_cinstance_func(i, "release"), &b, 1, NULL));
    CHECK_EQ(h.dtors, 0); /* dropping a borrow does not destroy */
    /* keeping it past the return traps */
    CHECK_STATUS(tcvm_cfunc_call(i, tcvm_cinstance_func(i, "keep"), &b, 1, NULL), TCVM_COMP_TRAP);
    CHECK_CONTAINS(tcvm_cinstance_error(i)->message, "not dropped");
    /* the embedder's own handle was only lent: it can still drop it */
    CHECK_OK(tcvm_cinstance_resource_drop(i, own));
    CHECK_EQ(h.dtors, 1);
    tcvm_cinstance_free(i);
    tcvm_clinker_free(l);
    tcvm_component_free(c);
    tcvm_engine_free(e);
}

TEST(component_may_not_leave_during_realloc)
{
    tcvm_engine_t *e = engine();
    tcvm_component_t *c = load(e, comp_scope, sizeof comp_scope);
    tcvm_clinker_t *l;
    host_t h = {0};
    int cbs = 0;
    tcvm_cinstance_t *i = scope_instance(e, c, &l, &h, &cbs);
    /* lowering the string calls the guest's realloc, which calls an import: a trap */
    tcvm_cval_t s;
    CHECK_OK(tcvm_cval_string("x", 1, &s));
    tcvm_status_t st = tcvm_cfunc_call(i, tcvm_cinstance_func(i, "take"), &s, 1, NULL);
    CHECK(st == TCVM_COMP_TRAP || tcvm_status_is_trap(st));
    CHECK_CONTAINS(tcvm_cinstance_error(i)->message, "realloc");
    CHECK_EQ(cbs, 0);
    tcvm_cval_clear(&s);
    tcvm_cinstance_free(i);
    tcvm_clinker_free(l);
    tcvm_component_free(c);
    tcvm_engine_free(e);
}
