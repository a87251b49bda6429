/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime that ahead-of-time compiled code runs on: 2cvm's own implementation of what
 * wabt's wasm-rt-impl.c provides, built for several tenants in one process.
 *
 *  - Entries and traps. Every call from the host into compiled code is an "entry" with its own
 *    jump buffer, kept on a per-thread chain, so host -> guest -> host -> guest nesting unwinds
 *    each trap to the right level. The outermost entry of a store sets the store's stack limit,
 *    which every compiled function compares its stack pointer with in its prologue, and clears
 *    it when it returns or unwinds.
 *  - The fault handler claims a SIGSEGV/SIGBUS only when this thread is inside an entry, the
 *    faulting instruction lies in compiled code of that entry's store, and the address lies in
 *    one of that store's linear-memory reservations (out of bounds) or just below this thread's
 *    stack (exhaustion). Anything else goes to the previous handler, so a host bug stays a crash.
 *  - Memories reserve 8 GiB plus a guard page each and are released in full with their store.
 *  - A store can be interrupted from another thread: the thread running its compiled code gets
 *    a signal whose handler unwinds when it lands in that store's code; host functions called by
 *    compiled code check the flag when they return.
 *  - No state is shared between threads except the function-type registry (locked, append-only)
 *    and the signal handlers themselves.
 */
#include "wasm/aot.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>

typedef struct aot_entry {
    struct aot_entry *prev;
    sigjmp_buf jb;
    tcvm_store_t *store;
    tcvm_status_t status;
} aot_entry_t;

static _Thread_local aot_entry_t *tls_entry;
static _Thread_local bool tls_ready;
static _Thread_local uintptr_t tls_stack_lo;

/* ---- function types ------------------------------------------------------------------- */

static pthread_mutex_t types_lock = PTHREAD_MUTEX_INITIALIZER;
static wtype_t *types;
static uint32_t type_count, type_cap;

static uint32_t register_valtypes(uint32_t np, uint32_t nr, const tcvm_valtype_t *vt)
{
    wtype_t key = {np, nr, (tcvm_valtype_t *)vt};
    pthread_mutex_lock(&types_lock);
    uint32_t id = UINT32_MAX;
    for (uint32_t i = 0; i < type_count; i++) {
        if (tcvm__functype_equal(&types[i], &key)) {
            id = i;
            break;
        }
    }
    if (id == UINT32_MAX) {
        if (type_count == type_cap) {
            uint32_t cap = type_cap ? type_cap * 2 : 64;
            wtype_t *p = tcvm__reallocarray(types, cap, sizeof *p);
            if (p != NULL) {
                types = p;
                type_cap = cap;
            }
        }
        tcvm_valtype_t *copy = tcvm__memdup(vt, ((size_t)np + nr) * sizeof *vt + 1);
        if (type_count < type_cap && copy != NULL) {
            types[type_count] = (wtype_t){np, nr, copy};
            id = type_count++;
        } else {
            tcvm__free(copy);
        }
    }
    pthread_mutex_unlock(&types_lock);
    return id; /* UINT32_MAX (never equal to a real id) when out of memory */
}

uint32_t tcvm__aot_type_id(const wtype_t *t)
{
    return register_valtypes(t->param_count, t->result_count, t->types);
}

static uint32_t api_register_type(uint32_t np, uint32_t nr, const int *rt)
{
    static const tcvm_valtype_t map[] = {TCVM_I32, TCVM_I64, TCVM_F32, TCVM_F64, TCVM_FUNCREF,
                                         TCVM_EXTERNREF};
    tcvm_valtype_t vt[2048];
    uint32_t n = np + nr < 2048 ? np + nr : 2048;
    for (uint32_t i = 0; i < n; i++)
        vt[i] = rt[i] >= 0 && rt[i] < 6 ? map[rt[i]] : TCVM_I32;
    return register_valtypes(np, nr, vt);
}

/* ---- traps ---------------------------------------------------------------------------- */

static tcvm_status_t trap_status(int code)
{
    switch (code) {
    case 1: return TCVM_TRAP_MEMORY_OOB;     /* WASM_RT_TRAP_OOB (memories and tables) */
    case 2: return TCVM_TRAP_INT_OVERFLOW;
    case 3: return TCVM_TRAP_DIV_ZERO;
    case 4: return TCVM_TRAP_BAD_CONVERSION;
    case 5: return TCVM_TRAP_UNREACHABLE;
    case 6: return TCVM_TRAP_INDIRECT_TYPE;   /* WASM_RT_TRAP_CALL_INDIRECT */
    case 8: return TCVM_TRAP_STACK_EXHAUSTED;
    case 10: return TCVM_TRAP_TABLE_OOB;      /* table traps and undefined elements (glue) */
    case 11: return TCVM_TRAP_INDIRECT_NULL;  /* call_indirect of a null element (glue) */
    default: return TCVM_TRAP_UNREACHABLE;
    }
}

static __attribute__((noreturn)) void unwind(aot_entry_t *e, tcvm_status_t st)
{
    e->status = st;
    siglongjmp(e->jb, 1);
}

static __attribute__((noreturn)) void api_trap(int code)
{
    aot_entry_t *e = tls_entry;
    if (e == NULL) {
        /* compiled code runs only inside entries: this is a bug, not a guest trap */
        fprintf(stderr, "2cvm: trap %d outside any entry into compiled code\n", code);
        abort();
    }
    tcvm_status_t st = trap_status(code);
    tcvm__trapf(e->store, st, "%s", tcvm_status_message(st));
    unwind(e, st);
}

/* Traps with the status and message already recorded in the store. */
static __attribute__((noreturn)) void trap_recorded(tcvm_status_t st)
{
    aot_entry_t *e = tls_entry;
    if (e == NULL)
        abort();
    unwind(e, st);
}

/* ---- growth --------------------------------------------------------------------------- */

static uint32_t api_grow_memory(void *rt, uint32_t delta)
{
    uint32_t old;
    return tcvm__memory_grow((tcvm_memory_t *)rt, delta, &old) == TCVM_OK ? old : UINT32_MAX;
}

static uint32_t grow_table(tcvm_table_t *t, uint32_t delta, const void *init, size_t elem_size)
{
    uint32_t old = t->rt.size;
    if (delta > t->rt.max_size || old > t->rt.max_size - delta)
        return UINT32_MAX;
    if (delta == 0)
        return old;
    size_t add = (size_t)delta * elem_size;
    if (!tcvm__budget_charge(&t->store->budget, add))
        return UINT32_MAX;
    uint8_t *p = tcvm__reallocarray(t->rt.data, (size_t)old + delta, elem_size);
    if (p == NULL) {
        tcvm__budget_release(&t->store->budget, add);
        return UINT32_MAX;
    }
    for (uint32_t i = old; i < old + delta; i++)
        memcpy(p + (size_t)i * elem_size, init, elem_size);
    t->rt.data = p;
    t->rt.size = old + delta;
    return old;
}

static uint32_t api_grow_funcref_table(void *t, uint32_t delta, tcvm_aot_funcref_t init)
{
    return grow_table(t, delta, &init, sizeof init);
}

static uint32_t api_grow_externref_table(void *t, uint32_t delta, void *init)
{
    return grow_table(t, delta, &init, sizeof init);
}

/* ---- funcrefs ------------------------------------------------------------------------- */

/* Function objects of an AOT store by the (code, instance) pair generated code holds. */
static tcvm_func_t *lookup_ref(tcvm_store_t *s, const tcvm__rt_funcref_t *ref)
{
    for (tcvm_instance_t *inst = s->instances; inst != NULL; inst = inst->next) {
        if (inst->aot_inst == NULL)
            continue;
        const tcvm_module_t *m = inst->module;
        if (ref->module_instance == inst->aot_inst) {
            for (uint32_t i = 0; i < m->func_count - m->func_import_count; i++)
                if ((void (*)(void))inst->own_funcs[i].aot_fn == ref->func)
                    return &inst->own_funcs[i];
        } else if (ref->module_instance == inst->aot_ctx ||
                   ((uintptr_t)ref->module_instance - (uintptr_t)inst->aot_inst <
                        m->aot->desc->instance_size &&
                    *(void **)ref->module_instance == inst->aot_ctx)) {
            /* the context itself, or (funcrefs wasm2c made from segments) the address of the
             * instance field that holds it */
            const tcvm__aot_layout_t *lay = &m->aot->layout;
            for (uint32_t k = 0; k < lay->import_count; k++)
                if (lay->imports[k].kind == TCVM_EXTERN_FUNC &&
                    m->aot->desc->imports[k].thunk == ref->func)
                    return inst->funcs[m->imports[k].index];
        }
    }
    return NULL;
}

uint64_t tcvm__aot_funcref_to_slot(tcvm_store_t *s, const tcvm__rt_funcref_t *ref)
{
    if (ref->func == NULL)
        return 0;
    return (uint64_t)(uintptr_t)lookup_ref(s, ref);
}

bool tcvm__aot_funcref_from_slot(uint64_t slot, tcvm__rt_funcref_t *out)
{
    tcvm_func_t *f = (tcvm_func_t *)(uintptr_t)slot;
    if (f == NULL) {
        memset(out, 0, sizeof *out);
        return true;
    }
    if (!f->has_aot_ref)
        return false;
    *out = f->aot_ref;
    return true;
}

static uint64_t api_funcref_to_slot(void *ctx, const tcvm_aot_funcref_t *ref)
{
    (void)ctx;
    aot_entry_t *e = tls_entry;
    tcvm__rt_funcref_t r;
    memcpy(&r, ref, sizeof r);
    return e != NULL ? tcvm__aot_funcref_to_slot(e->store, &r) : 0;
}

static void api_funcref_from_slot(void *ctx, uint64_t slot, tcvm_aot_funcref_t *out)
{
    (void)ctx;
    tcvm__rt_funcref_t r;
    if (!tcvm__aot_funcref_from_slot(slot, &r)) {
        aot_entry_t *e = tls_entry;
        if (e != NULL)
            tcvm__trapf(e->store, TCVM_TRAP_HOST, "a host function reference cannot enter "
                        "compiled code unless a compiled module imports it");
        trap_recorded(TCVM_TRAP_HOST);
    }
    memcpy(out, &r, sizeof r);
}

/* ---- imports -------------------------------------------------------------------------- */

static void api_call_import(void *ctx_, uint32_t k, uint64_t *slots)
{
    tcvm_aot_ctx_t *ctx = ctx_;
    tcvm_instance_t *inst = ctx->instance;
    tcvm_store_t *s = inst->store;
    tcvm_func_t *f = inst->funcs[inst->module->imports[k].index];
    tcvm_status_t st;
    if (f->kind == FUNC_HOST) {
        /* slots live on this thread's stack; nested entries from the host take their argument
         * slots above the store's current stack pointer, which the outer entry set */
        st = tcvm__host_call(s, f, inst, slots);
    } else {
        st = tcvm__aot_call(s, f, slots);
    }
    if (st != TCVM_OK)
        trap_recorded(st);
    if (atomic_load_explicit(&s->interrupt, memory_order_relaxed)) {
        tcvm__trapf(s, TCVM_TRAP_INTERRUPTED, "%s", tcvm_status_message(TCVM_TRAP_INTERRUPTED));
        trap_recorded(TCVM_TRAP_INTERRUPTED);
    }
}

static const tcvm_aot_api_t api = {
    api_trap,
    api_register_type,
    api_grow_memory,
    api_grow_funcref_table,
    api_grow_externref_table,
    api_call_import,
    api_funcref_to_slot,
    api_funcref_from_slot,
};

const tcvm_aot_api_t *tcvm__aot_api(void)
{
    return &api;
}

/* ---- signals -------------------------------------------------------------------------- */

static struct sigaction prev_segv, prev_bus;
static int interrupt_signal;
static pthread_once_t signals_once = PTHREAD_ONCE_INIT;
static bool signals_ok;

static uintptr_t fault_pc(void *uc)
{
    const ucontext_t *u = uc;
#if defined(__x86_64__)
    return (uintptr_t)u->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)u->uc_mcontext.pc;
#else
    (void)u;
    return 0;
#endif
}

static bool pc_in_store_code(const tcvm_store_t *s, uintptr_t pc)
{
    for (const tcvm_instance_t *inst = s->instances; inst != NULL; inst = inst->next) {
        const tcvm__aot_code_t *c = inst->module->aot;
        if (c != NULL && pc >= c->text_lo && pc < c->text_hi)
            return true;
    }
    return false;
}

static bool addr_in_store_memory(const tcvm_store_t *s, uintptr_t a)
{
    for (size_t i = 0; i < s->mem_count; i++) {
        const tcvm_memory_t *m = s->mems[i];
        uintptr_t lo = (uintptr_t)m->rt.data;
        if (a >= lo && a - lo < m->reserved)
            return true;
    }
    return false;
}

static void chain(int sig, siginfo_t *si, void *uc)
{
    struct sigaction *p = sig == SIGSEGV ? &prev_segv : &prev_bus;
    if ((p->sa_flags & SA_SIGINFO) && p->sa_sigaction != NULL) {
        p->sa_sigaction(sig, si, uc);
    } else if (p->sa_handler != SIG_DFL && p->sa_handler != SIG_IGN) {
        p->sa_handler(sig);
    } else {
        /* no one else wants it: the default action happens when the instruction faults again */
        signal(sig, SIG_DFL);
    }
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
    aot_entry_t *e = tls_entry;
    if (e != NULL && e->store != NULL && pc_in_store_code(e->store, fault_pc(uc))) {
        uintptr_t a = (uintptr_t)si->si_addr;
        if (addr_in_store_memory(e->store, a))
            unwind(e, TCVM_TRAP_MEMORY_OOB);
        if (tls_stack_lo != 0 && a < tls_stack_lo + 65536 && a + (1u << 20) > tls_stack_lo)
            unwind(e, TCVM_TRAP_STACK_EXHAUSTED);
    }
    chain(sig, si, uc);
}

static void on_interrupt(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)si;
    aot_entry_t *e = tls_entry;
    if (e != NULL && e->store != NULL &&
        atomic_load_explicit(&e->store->interrupt, memory_order_relaxed) &&
        pc_in_store_code(e->store, fault_pc(uc)))
        unwind(e, TCVM_TRAP_INTERRUPTED);
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    /* SA_NODEFER: a handler that unwinds leaves the signal unblocked, with no mask to restore */
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sa.sa_sigaction = on_fault;
    if (sigaction(SIGSEGV, &sa, &prev_segv) != 0 || sigaction(SIGBUS, &sa, &prev_bus) != 0)
        return;
    interrupt_signal = SIGRTMIN + 4;
    sa.sa_sigaction = on_interrupt;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESTART;
    if (sigaction(interrupt_signal, &sa, NULL) != 0)
        return;
    signals_ok = true;
}

tcvm_status_t tcvm__aot_signals_init(void)
{
    pthread_once(&signals_once, install_signals);
    return signals_ok ? TCVM_OK : TCVM_EINTERNAL;
}

/* Per thread, once: an alternate signal stack (so that a fault from stack exhaustion can be
 * handled) and the bounds of this thread's stack. */
static void thread_setup(void)
{
    if (tls_ready)
        return;
    tls_ready = true;
    stack_t ss;
    if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_DISABLE)) {
        size_t size = 1u << 16;
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED) {
            ss.ss_sp = p;
            ss.ss_size = size;
            ss.ss_flags = 0;
            if (sigaltstack(&ss, NULL) != 0)
                munmap(p, size);
        }
    }
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        void *addr;
        size_t size;
        if (pthread_attr_getstack(&attr, &addr, &size) == 0)
            tls_stack_lo = (uintptr_t)addr;
        pthread_attr_destroy(&attr);
    }
}

void tcvm__aot_interrupt(tcvm_store_t *s)
{
    for (int tries = 0; tries < 200; tries++) {
        pthread_t *t = atomic_load(&s->aot_thread);
        if (t == NULL || interrupt_signal == 0)
            return;
        pthread_kill(*t, interrupt_signal);
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* ---- entries -------------------------------------------------------------------------- */

/* Stack that compiled code may use, per nominal call of the engine's aot_max_depth, and what
 * stays free below it on the thread's stack for host functions called at the deepest point. */
#define AOT_FRAME_BYTES 256u
#define AOT_HOST_RESERVE ((uintptr_t)256 << 10)

/* The lowest stack address the store's compiled code may reach from here: aot_max_depth
 * nominal frames below the current stack pointer, but never within AOT_HOST_RESERVE of the
 * bottom of this thread's stack. Running out traps with TCVM_TRAP_STACK_EXHAUSTED in the
 * prologue of the function that would cross it; the guard page below the stack (see on_fault)
 * stays as a second line. */
static uint64_t stack_limit(const tcvm_store_t *s)
{
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    uintptr_t budget = (uintptr_t)s->engine->config.aot_max_depth * AOT_FRAME_BYTES;
    uintptr_t limit = sp > budget ? sp - budget : 1;
    if (tls_stack_lo != 0 && limit < tls_stack_lo + AOT_HOST_RESERVE)
        limit = tls_stack_lo + AOT_HOST_RESERVE;
    return limit;
}

tcvm_status_t tcvm__aot_call(tcvm_store_t *s, tcvm_func_t *f, uint64_t *slots)
{
    if (tcvm__aot_signals_init() != TCVM_OK)
        return tcvm__trapf(s, TCVM_EINTERNAL, "cannot install the signal handlers compiled code "
                           "needs");
    thread_setup();
    /* publish the running thread first, then look at the interrupt flag: tcvm_store_interrupt
     * sets the flag first, then looks for the thread (both sequentially consistent), so either
     * this entry sees the flag or the interrupter sees the thread and signals it */
    pthread_t self = pthread_self();
    pthread_t *prev_thread = atomic_load(&s->aot_thread);
    atomic_store(&s->aot_thread, &self);
    if (atomic_load(&s->interrupt)) {
        atomic_store(&s->aot_thread, prev_thread);
        return tcvm__trapf(s, TCVM_TRAP_INTERRUPTED, "%s",
                           tcvm_status_message(TCVM_TRAP_INTERRUPTED));
    }
    /* the outermost entry of the store sets its stack limit; nested entries (host -> guest ->
     * host -> guest) keep it, so all the store's compiled code shares one budget */
    uint64_t saved_limit = s->aot_stack_limit;
    if (saved_limit == 0)
        s->aot_stack_limit = stack_limit(s);
    aot_entry_t e;
    e.prev = tls_entry;
    e.store = s;
    e.status = TCVM_OK;
    tls_entry = &e;
    tcvm_status_t st = TCVM_OK;
    if (sigsetjmp(e.jb, 0) == 0) {
        f->aot_call(f->instance->aot_inst, slots);
    } else {
        st = e.status;
        if (s->error.status != st)
            tcvm__trapf(s, st, "%s", tcvm_status_message(st));
    }
    s->aot_stack_limit = saved_limit;
    tls_entry = e.prev;
    atomic_store(&s->aot_thread, prev_thread);
    return st;
}

/* ---- instances ------------------------------------------------------------------------ */

tcvm_status_t tcvm__aot_instance_prepare(tcvm_instance_t *inst, tcvm_error_t *err)
{
    const tcvm_module_t *m = inst->module;
    const tcvm__aot_code_t *code = m->aot;
    uint32_t n = code->layout.import_count;
    tcvm_aot_ctx_t *ctx = tcvm__calloc(1, sizeof *ctx);
    inst->aot_ctx = ctx;
    inst->aot_inst = tcvm__calloc(1, code->desc->instance_size ? code->desc->instance_size : 1);
    if (ctx == NULL || inst->aot_inst == NULL)
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    ctx->magic = TCVM_AOT_CTX_MAGIC;
    ctx->instance = inst;
    ctx->stack_limit = &inst->store->aot_stack_limit;
    ctx->objects = tcvm__calloc(n + 1, sizeof *ctx->objects);
    ctx->direct_fn = tcvm__calloc(n + 1, sizeof *ctx->direct_fn);
    ctx->direct_inst = tcvm__calloc(n + 1, sizeof *ctx->direct_inst);
    if (ctx->objects == NULL || ctx->direct_fn == NULL || ctx->direct_inst == NULL)
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    /* imported functions: compiled ones are called directly; a host function becomes
     * representable in compiled code through this instance's thunk for it */
    for (uint32_t k = 0; k < m->import_count; k++) {
        if (m->imports[k].kind != TCVM_EXTERN_FUNC)
            continue;
        tcvm_func_t *f = inst->funcs[m->imports[k].index];
        if (f->kind == FUNC_AOT) {
            ctx->direct_fn[k] = f->aot_fn;
            ctx->direct_inst[k] = f->instance->aot_inst;
        } else if (!f->has_aot_ref) {
            uint32_t id = tcvm__aot_type_id(f->type);
            if (id == UINT32_MAX)
                return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
            f->aot_ref = (tcvm__rt_funcref_t){id, code->desc->imports[k].thunk, ctx};
            f->has_aot_ref = true;
        }
    }
    return TCVM_OK;
}

void tcvm__aot_func_init(tcvm_instance_t *inst, tcvm_func_t *f, uint32_t j)
{
    const tcvm__aot_code_t *code = inst->module->aot;
    f->kind = FUNC_AOT;
    f->aot_fn = code->desc->funcs[j].fn;
    f->aot_call = code->desc->funcs[j].call;
    f->aot_ref = (tcvm__rt_funcref_t){code->func_type_ids[j], f->aot_fn, inst->aot_inst};
    f->has_aot_ref = true;
}

typedef struct inst_args {
    const tcvm_aot_module_t *desc;
    void *inst;
    tcvm_aot_ctx_t *ctx;
} inst_args_t;

tcvm_status_t tcvm__aot_instantiate(tcvm_store_t *s, tcvm_instance_t *inst, tcvm_error_t *err)
{
    const tcvm_module_t *m = inst->module;
    const tcvm__aot_layout_t *lay = &m->aot->layout;
    tcvm_aot_ctx_t *ctx = inst->aot_ctx;
    for (uint32_t k = 0; k < lay->import_count; k++) {
        const tcvm__aot_import_t *a = &lay->imports[k];
        if (a->prefix == 'd')
            continue;
        uint32_t idx = a->prefix == 'f' ? m->imports[k].index : a->number;
        switch (a->kind) {
        case TCVM_EXTERN_FUNC:
            break;
        case TCVM_EXTERN_MEMORY:
            ctx->objects[k] = &inst->memories[idx]->rt;
            break;
        case TCVM_EXTERN_TABLE:
            ctx->objects[k] = &inst->tables[idx]->rt;
            break;
        case TCVM_EXTERN_GLOBAL:
            ctx->objects[k] = &inst->global_objs[idx]->v;
            break;
        }
    }
    if (tcvm__aot_signals_init() != TCVM_OK)
        return tcvm__errorf(err, TCVM_EINTERNAL, "cannot install the signal handlers compiled "
                            "code needs");
    thread_setup();
    aot_entry_t e;
    e.prev = tls_entry;
    e.store = s;
    e.status = TCVM_OK;
    tls_entry = &e;
    tcvm_status_t st = TCVM_OK;
    if (sigsetjmp(e.jb, 0) == 0)
        m->aot->desc->instantiate(inst->aot_inst, ctx);
    else
        st = tcvm__errorf(err, e.status, "initialising compiled code trapped: %s",
                          tcvm_status_message(e.status));
    tls_entry = e.prev;
    return st;
}

void tcvm__aot_instance_free(tcvm_instance_t *inst)
{
    tcvm_aot_ctx_t *ctx = inst->aot_ctx;
    if (inst->aot_inst != NULL && inst->module->aot != NULL)
        inst->module->aot->desc->release(inst->aot_inst);
    tcvm__free(inst->aot_inst);
    inst->aot_inst = NULL;
    if (ctx != NULL) {
        tcvm__free(ctx->objects);
        tcvm__free(ctx->direct_fn);
        tcvm__free(ctx->direct_inst);
        tcvm__free(ctx);
    }
    inst->aot_ctx = NULL;
}
