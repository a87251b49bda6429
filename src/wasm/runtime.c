/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runtime objects of the engine: engines, stores (the sandbox and its limits), values,
 * functions (calls in both directions between host and wasm), linear memories, tables and
 * globals.
 *
 * Linear memories reserve their whole maximum (bounded by the store's limit) as inaccessible
 * address space up front and make pages accessible as they grow, so a memory's address never
 * moves; the interpreter bounds-checks every access anyway, so the reservation is about
 * stability, not safety. Everything a store creates is freed with the store.
 */
#include "wasm/aot.h"
#include "wasm/wasm_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/mman.h>

/* ---- names and values ----------------------------------------------------------------- */

const char *tcvm_valtype_name(tcvm_valtype_t type)
{
    switch (type) {
    case TCVM_I32: return "i32";
    case TCVM_I64: return "i64";
    case TCVM_F32: return "f32";
    case TCVM_F64: return "f64";
    case TCVM_FUNCREF: return "funcref";
    case TCVM_EXTERNREF: return "externref";
    }
    return "unknown";
}

const char *tcvm_externkind_name(tcvm_externkind_t kind)
{
    switch (kind) {
    case TCVM_EXTERN_FUNC: return "func";
    case TCVM_EXTERN_TABLE: return "table";
    case TCVM_EXTERN_MEMORY: return "memory";
    case TCVM_EXTERN_GLOBAL: return "global";
    }
    return "unknown";
}

tcvm_val_t tcvm_val_i32(int32_t v)
{
    tcvm_val_t r = {.type = TCVM_I32};
    r.of.i32 = v;
    return r;
}

tcvm_val_t tcvm_val_i64(int64_t v)
{
    tcvm_val_t r = {.type = TCVM_I64};
    r.of.i64 = v;
    return r;
}

tcvm_val_t tcvm_val_f32(float v)
{
    tcvm_val_t r = {.type = TCVM_F32};
    memcpy(&r.of.f32_bits, &v, 4);
    return r;
}

tcvm_val_t tcvm_val_f64(double v)
{
    tcvm_val_t r = {.type = TCVM_F64};
    memcpy(&r.of.f64_bits, &v, 8);
    return r;
}

tcvm_val_t tcvm_val_funcref(tcvm_func_t *f)
{
    tcvm_val_t r = {.type = TCVM_FUNCREF};
    r.of.funcref = f;
    return r;
}

tcvm_val_t tcvm_val_externref(void *ref)
{
    tcvm_val_t r = {.type = TCVM_EXTERNREF};
    r.of.externref = ref;
    return r;
}

float tcvm_val_as_f32(const tcvm_val_t *v)
{
    float f;
    memcpy(&f, &v->of.f32_bits, 4);
    return f;
}

double tcvm_val_as_f64(const tcvm_val_t *v)
{
    double d;
    memcpy(&d, &v->of.f64_bits, 8);
    return d;
}

uint64_t tcvm__val_to_slot(const tcvm_val_t *v)
{
    switch (v->type) {
    case TCVM_I32: return (uint32_t)v->of.i32;
    case TCVM_I64: return (uint64_t)v->of.i64;
    case TCVM_F32: return v->of.f32_bits;
    case TCVM_F64: return v->of.f64_bits;
    case TCVM_FUNCREF: return (uint64_t)(uintptr_t)v->of.funcref;
    case TCVM_EXTERNREF: return (uint64_t)(uintptr_t)v->of.externref;
    }
    return 0;
}

tcvm_val_t tcvm__slot_to_val(tcvm_valtype_t t, uint64_t slot)
{
    tcvm_val_t v;
    memset(&v, 0, sizeof v);
    v.type = t;
    switch (t) {
    case TCVM_I32: v.of.i32 = (int32_t)(uint32_t)slot; break;
    case TCVM_I64: v.of.i64 = (int64_t)slot; break;
    case TCVM_F32: v.of.f32_bits = (uint32_t)slot; break;
    case TCVM_F64: v.of.f64_bits = slot; break;
    case TCVM_FUNCREF: v.of.funcref = (tcvm_func_t *)(uintptr_t)slot; break;
    case TCVM_EXTERNREF: v.of.externref = (void *)(uintptr_t)slot; break;
    }
    return v;
}

bool tcvm__functype_equal(const wtype_t *a, const wtype_t *b)
{
    if (a == b)
        return true;
    return a->param_count == b->param_count && a->result_count == b->result_count &&
           memcmp(a->types, b->types,
                  ((size_t)a->param_count + a->result_count) * sizeof *a->types) == 0;
}

/* ---- engine --------------------------------------------------------------------------- */

tcvm_status_t tcvm_engine_new(const tcvm_engine_config_t *config, tcvm_engine_t **out_engine)
{
    if (out_engine == NULL)
        return TCVM_EINVAL;
    tcvm_engine_config_t cfg = {0};
    if (config != NULL)
        cfg = *config;
    if (cfg.tier != TCVM_TIER_INTERP && cfg.tier != TCVM_TIER_AOT)
        return TCVM_EINVAL;
    if (cfg.tier == TCVM_TIER_AOT && cfg.fuel)
        return TCVM_EUNSUPPORTED; /* compiled code is stopped by interrupts, not fuel */
    tcvm_engine_t *e = tcvm__calloc(1, sizeof *e);
    if (e == NULL)
        return TCVM_ENOMEM;
    e->config = cfg;
    e->aot_cc = tcvm__strdup(cfg.aot_cc != NULL ? cfg.aot_cc : "cc");
    if (cfg.aot_cache_dir != NULL)
        e->aot_cache_dir = tcvm__strdup(cfg.aot_cache_dir);
    if (e->aot_cc == NULL || (cfg.aot_cache_dir != NULL && e->aot_cache_dir == NULL) ||
        pthread_mutex_init(&e->aot_lock, NULL) != 0) {
        tcvm__free(e->aot_cc);
        tcvm__free(e->aot_cache_dir);
        tcvm__free(e);
        return TCVM_ENOMEM;
    }
    e->config.aot_cc = e->aot_cc;
    e->config.aot_cache_dir = e->aot_cache_dir;
    if (e->config.aot_max_depth == 0)
        e->config.aot_max_depth = 10000;
    *out_engine = e;
    return TCVM_OK;
}

void tcvm_engine_free(tcvm_engine_t *engine)
{
    if (engine == NULL)
        return;
    pthread_mutex_destroy(&engine->aot_lock);
    tcvm__free(engine->aot_cc);
    tcvm__free(engine->aot_cache_dir);
    tcvm__free(engine->aot_tools);
    tcvm__free(engine);
}

/* ---- store ---------------------------------------------------------------------------- */

tcvm_status_t tcvm__trapf(tcvm_store_t *s, tcvm_status_t st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s->error.status = st;
    vsnprintf(s->error.message, sizeof s->error.message, fmt, ap);
    va_end(ap);
    return st;
}

tcvm_status_t tcvm_store_new(tcvm_engine_t *engine, const tcvm_store_limits_t *limits,
                             tcvm_store_t **out_store)
{
    if (engine == NULL || out_store == NULL)
        return TCVM_EINVAL;
    tcvm_store_t *s = tcvm__calloc(1, sizeof *s);
    if (s == NULL)
        return TCVM_ENOMEM;
    s->engine = engine;
    if (limits != NULL)
        s->limits = *limits;
    tcvm_store_limits_t *l = &s->limits;
    if (l->max_memory_pages == 0 || l->max_memory_pages > TCVM_WASM_MAX_PAGES)
        l->max_memory_pages = TCVM_WASM_MAX_PAGES;
    if (l->max_table_elems == 0 || l->max_table_elems > TCVM_WASM_MAX_TABLE_SIZE)
        l->max_table_elems = TCVM_WASM_MAX_TABLE_SIZE;
    if (l->max_call_depth == 0)
        l->max_call_depth = TCVM_WASM_DEFAULT_MAX_CALL_DEPTH;
    if (l->stack_slots == 0)
        l->stack_slots = TCVM_WASM_DEFAULT_STACK_SLOTS;
    if (l->stack_slots > TCVM_WASM_MAX_STACK_SLOTS)
        l->stack_slots = TCVM_WASM_MAX_STACK_SLOTS;
    s->budget.cap = l->max_total_bytes;
    atomic_init(&s->interrupt, 0);
    *out_store = s;
    return TCVM_OK;
}

tcvm_status_t tcvm__store_own(tcvm_store_t *s, void *ptr, void (*free_fn)(void *))
{
    if (s->obj_count == s->obj_cap) {
        size_t cap = s->obj_cap ? s->obj_cap * 2 : 16;
        store_obj_t *p = tcvm__reallocarray(s->objs, cap, sizeof *p);
        if (p == NULL)
            return TCVM_ENOMEM;
        s->objs = p;
        s->obj_cap = cap;
    }
    s->objs[s->obj_count++] = (store_obj_t){ptr, free_fn};
    return TCVM_OK;
}

static void memory_release(tcvm_memory_t *m)
{
    if (m == NULL)
        return;
    tcvm_store_t *s = m->store;
    for (size_t i = 0; i < s->mem_count; i++) {
        if (s->mems[i] == m) {
            s->mems[i] = s->mems[--s->mem_count];
            break;
        }
    }
    if (m->rt.data != NULL)
        munmap(m->rt.data, m->reserved);
    tcvm__budget_release(&s->budget, m->size);
    tcvm__free(m);
}

static void memory_free_fn(void *p)
{
    memory_release(p);
}

/* Tables of funcrefs in AOT stores hold the records compiled code reads; all others hold one
 * 8-byte slot per element. */
static bool table_aot_refs(const tcvm_store_t *s, tcvm_valtype_t elem)
{
    return s->engine->config.tier == TCVM_TIER_AOT && elem == TCVM_FUNCREF;
}

static size_t table_elem_size(const tcvm_table_t *t)
{
    return t->aot_refs ? sizeof(tcvm__rt_funcref_t) : sizeof(uint64_t);
}

static void table_release(tcvm_table_t *t)
{
    if (t == NULL)
        return;
    tcvm__budget_release(&t->store->budget, (size_t)t->rt.size * table_elem_size(t));
    tcvm__free(TCVM__TABLE_ELEMS(t));
    tcvm__free(t);
}

static void table_free_fn(void *p)
{
    table_release(p);
}

static void host_func_free_fn(void *p)
{
    tcvm_func_t *f = p;
    if (f->env_free != NULL)
        f->env_free(f->env);
    tcvm__free(f->own_type.types);
    tcvm__free(f);
}

static void instance_free(tcvm_instance_t *inst)
{
    const tcvm_module_t *m = inst->module;
    if (inst->tables != NULL) {
        for (uint32_t i = m->table_import_count; i < m->table_count; i++)
            table_release(inst->tables[i]);
    }
    if (inst->memories != NULL) {
        for (uint32_t i = m->memory_import_count; i < m->memory_count; i++)
            memory_release(inst->memories[i]);
    }
    if (inst->aot_inst != NULL || inst->aot_ctx != NULL)
        tcvm__aot_instance_free(inst);
    if (inst->elems != NULL) {
        for (uint32_t i = 0; i < m->elem_count; i++)
            tcvm__free(inst->elems[i].refs);
    }
    tcvm__free(inst->elems);
    tcvm__free(inst->datas);
    tcvm__free(inst->funcs);
    tcvm__free(inst->own_funcs);
    tcvm__free(inst->tables);
    tcvm__free(inst->memories);
    tcvm__free(inst->global_objs);
    tcvm__free(inst->own_globals);
    tcvm__free(inst->globals);
    tcvm__free(inst->type_ids);
    tcvm__module_release(inst->module);
    tcvm__free(inst);
}

void tcvm_store_free(tcvm_store_t *store)
{
    if (store == NULL)
        return;
    tcvm_instance_t *inst = store->instances;
    while (inst != NULL) {
        tcvm_instance_t *next = inst->next;
        instance_free(inst);
        inst = next;
    }
    for (size_t i = store->obj_count; i-- > 0;)
        store->objs[i].free_fn(store->objs[i].ptr);
    tcvm__free(store->objs);
    tcvm__free(store->mems);
    for (uint32_t i = 0; i < store->type_count; i++)
        tcvm__free(store->types[i].types);
    tcvm__free(store->types);
    tcvm__free(store->type_hash);
    tcvm__free(store->stack);
    tcvm__free(store->frames);
    tcvm__free(store);
}

tcvm_status_t tcvm_store_set_fuel(tcvm_store_t *store, uint64_t fuel)
{
    if (!store->engine->config.fuel)
        return TCVM_ESTATE;
    store->fuel = fuel > INT64_MAX ? INT64_MAX : (int64_t)fuel;
    return TCVM_OK;
}

uint64_t tcvm_store_fuel(const tcvm_store_t *store)
{
    if (!store->engine->config.fuel || store->fuel < 0)
        return 0;
    return (uint64_t)store->fuel;
}

tcvm_status_t tcvm_store_interrupt(tcvm_store_t *store)
{
    bool aot = store->engine->config.tier == TCVM_TIER_AOT;
    if (!store->engine->config.fuel && !aot)
        return TCVM_ESTATE;
    atomic_store(&store->interrupt, 1);
    if (aot)
        tcvm__aot_interrupt(store);
    return TCVM_OK;
}

void tcvm_store_clear_interrupt(tcvm_store_t *store)
{
    atomic_store(&store->interrupt, 0);
}

const tcvm_error_t *tcvm_store_error(const tcvm_store_t *store)
{
    return &store->error;
}

tcvm_status_t tcvm__store_stacks(tcvm_store_t *s)
{
    if (s->stack != NULL)
        return TCVM_OK;
    s->stack = tcvm__calloc(s->limits.stack_slots, sizeof *s->stack);
    s->frames = tcvm__calloc((size_t)s->limits.max_call_depth + 1, sizeof *s->frames);
    if (s->stack == NULL || s->frames == NULL) {
        tcvm__free(s->stack);
        tcvm__free(s->frames);
        s->stack = NULL;
        s->frames = NULL;
        return TCVM_ENOMEM;
    }
    s->stack_end = s->stack + s->limits.stack_slots;
    s->sp = s->stack;
    s->frame_depth = 0;
    return TCVM_OK;
}

static uint64_t type_hash(const wtype_t *t)
{
    uint64_t h = 1469598103934665603ull;
    h = (h ^ t->param_count) * 1099511628211ull;
    h = (h ^ t->result_count) * 1099511628211ull;
    for (uint32_t i = 0; i < t->param_count + t->result_count; i++)
        h = (h ^ (uint64_t)t->types[i]) * 1099511628211ull;
    return h;
}

static bool type_hash_insert(tcvm_store_t *s, uint32_t id)
{
    uint32_t mask = s->type_hash_cap - 1;
    for (uint32_t i = (uint32_t)type_hash(&s->types[id]) & mask;; i = (i + 1) & mask) {
        if (s->type_hash[i] == 0) {
            s->type_hash[i] = id + 1;
            return true;
        }
    }
}

tcvm_status_t tcvm__store_type_id(tcvm_store_t *s, const wtype_t *t, uint32_t *out_id)
{
    if (s->type_hash_cap != 0) {
        uint32_t mask = s->type_hash_cap - 1;
        for (uint32_t i = (uint32_t)type_hash(t) & mask; s->type_hash[i] != 0; i = (i + 1) & mask) {
            if (tcvm__functype_equal(&s->types[s->type_hash[i] - 1], t)) {
                *out_id = s->type_hash[i] - 1;
                return TCVM_OK;
            }
        }
    }
    if (s->type_count == s->type_cap) {
        uint32_t cap = s->type_cap ? s->type_cap * 2 : 16;
        wtype_t *p = tcvm__reallocarray(s->types, cap, sizeof *p);
        if (p == NULL)
            return TCVM_ENOMEM;
        s->types = p;
        s->type_cap = cap;
    }
    wtype_t *nt = &s->types[s->type_count];
    size_t n = (size_t)t->param_count + t->result_count;
    nt->types = tcvm__memdup(t->types, n * sizeof *t->types);
    if (nt->types == NULL)
        return TCVM_ENOMEM;
    nt->param_count = t->param_count;
    nt->result_count = t->result_count;
    uint32_t id = s->type_count++;
    if ((size_t)s->type_count * 2 > s->type_hash_cap) {
        uint32_t cap = s->type_hash_cap ? s->type_hash_cap * 2 : 64;
        uint32_t *h = tcvm__calloc(cap, sizeof *h);
        if (h == NULL) {
            s->type_count--;
            tcvm__free(nt->types);
            return TCVM_ENOMEM;
        }
        tcvm__free(s->type_hash);
        s->type_hash = h;
        s->type_hash_cap = cap;
        for (uint32_t i = 0; i < s->type_count; i++)
            type_hash_insert(s, i);
    } else {
        type_hash_insert(s, id);
    }
    *out_id = id;
    return TCVM_OK;
}

/* ---- functions ------------------------------------------------------------------------ */

tcvm_status_t tcvm_func_new_host(tcvm_store_t *store, const tcvm_functype_t *type,
                                 tcvm_host_fn_t fn, void *env, void (*env_free)(void *),
                                 tcvm_func_t **out_func)
{
    if (store == NULL || type == NULL || fn == NULL || out_func == NULL)
        return TCVM_EINVAL;
    if (type->param_count > TCVM_WASM_MAX_PARAMS || type->result_count > TCVM_WASM_MAX_RESULTS)
        return TCVM_ELIMIT;
    tcvm_func_t *f = tcvm__calloc(1, sizeof *f);
    if (f == NULL)
        return TCVM_ENOMEM;
    size_t n = (size_t)type->param_count + type->result_count;
    f->own_type.types = tcvm__calloc(n ? n : 1, sizeof *f->own_type.types);
    if (f->own_type.types == NULL) {
        tcvm__free(f);
        return TCVM_ENOMEM;
    }
    for (uint32_t i = 0; i < type->param_count; i++)
        f->own_type.types[i] = type->params[i];
    for (uint32_t i = 0; i < type->result_count; i++)
        f->own_type.types[type->param_count + i] = type->results[i];
    f->own_type.param_count = type->param_count;
    f->own_type.result_count = type->result_count;
    f->kind = FUNC_HOST;
    f->store = store;
    f->type = &f->own_type;
    f->host = fn;
    f->env = env;
    tcvm_status_t st = tcvm__store_type_id(store, f->type, &f->type_id);
    if (st == TCVM_OK)
        st = tcvm__store_own(store, f, host_func_free_fn);
    if (st != TCVM_OK) {
        tcvm__free(f->own_type.types);
        tcvm__free(f);
        return st;
    }
    /* the store owns env from here on, even if creation had failed after this point */
    f->env_free = env_free;
    *out_func = f;
    return TCVM_OK;
}

tcvm_functype_t tcvm_func_type(const tcvm_func_t *func)
{
    const wtype_t *t = func->type;
    tcvm_functype_t r = {t->param_count, t->result_count, t->types, t->types + t->param_count};
    return r;
}

tcvm_instance_t *tcvm_caller_instance(tcvm_caller_t *caller)
{
    return caller->instance;
}

tcvm_store_t *tcvm_caller_store(tcvm_caller_t *caller)
{
    return caller->store;
}

tcvm_status_t tcvm_caller_trapf(tcvm_caller_t *caller, const char *fmt, ...)
{
    va_list ap;
    char msg[TCVM_ERROR_MSG_SIZE];
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tcvm__trapf(caller->store, TCVM_TRAP_HOST, "trap in host function: %s", msg);
}

tcvm_status_t tcvm__host_call(tcvm_store_t *s, tcvm_func_t *f, tcvm_instance_t *caller_inst,
                              uint64_t *slots)
{
    const wtype_t *t = f->type;
    tcvm_val_t argbuf[16], resbuf[16];
    tcvm_val_t *args = argbuf, *res = resbuf;
    if (t->param_count > 16 && (args = tcvm__calloc(t->param_count, sizeof *args)) == NULL)
        return tcvm__trapf(s, TCVM_ENOMEM, "out of memory calling a host function");
    if (t->result_count > 16 && (res = tcvm__calloc(t->result_count, sizeof *res)) == NULL) {
        if (args != argbuf)
            tcvm__free(args);
        return tcvm__trapf(s, TCVM_ENOMEM, "out of memory calling a host function");
    }
    for (uint32_t i = 0; i < t->param_count; i++)
        args[i] = tcvm__slot_to_val(t->types[i], slots[i]);
    for (uint32_t i = 0; i < t->result_count; i++)
        res[i] = tcvm__slot_to_val(t->types[t->param_count + i], 0);
    tcvm_caller_t caller = {s, caller_inst};
    tcvm__error_clear(&s->error);
    tcvm_status_t st = f->host(f->env, &caller, args, res);
    if (st == TCVM_OK) {
        for (uint32_t i = 0; i < t->result_count; i++) {
            if (res[i].type != t->types[t->param_count + i]) {
                st = tcvm__trapf(s, TCVM_TRAP_HOST, "host function returned %s for result %u of "
                                 "type %s", tcvm_valtype_name(res[i].type), i,
                                 tcvm_valtype_name(t->types[t->param_count + i]));
                break;
            }
            slots[i] = tcvm__val_to_slot(&res[i]);
        }
    } else if (s->error.status == TCVM_OK) {
        tcvm__trapf(s, st, "host function failed: %s", tcvm_status_message(st));
    }
    if (args != argbuf)
        tcvm__free(args);
    if (res != resbuf)
        tcvm__free(res);
    return st;
}

tcvm_status_t tcvm_func_call(tcvm_store_t *store, tcvm_func_t *func, const tcvm_val_t *args,
                             size_t arg_count, tcvm_val_t *results, size_t result_count)
{
    if (store == NULL || func == NULL)
        return TCVM_EINVAL;
    tcvm__error_clear(&store->error);
    if (func->store != store)
        return tcvm__trapf(store, TCVM_EINVAL, "function belongs to another store");
    const wtype_t *t = func->type;
    if (arg_count != t->param_count || result_count != t->result_count)
        return tcvm__trapf(store, TCVM_WASM_TYPE, "function takes %u argument(s) and returns %u "
                           "result(s); called with %zu and %zu", t->param_count, t->result_count,
                           arg_count, result_count);
    for (uint32_t i = 0; i < t->param_count; i++) {
        if (args[i].type != t->types[i])
            return tcvm__trapf(store, TCVM_WASM_TYPE, "argument %u is %s, expected %s", i,
                               tcvm_valtype_name(args[i].type), tcvm_valtype_name(t->types[i]));
    }
    tcvm_status_t st = tcvm__store_stacks(store);
    if (st != TCVM_OK)
        return tcvm__trapf(store, st, "out of memory allocating the value stack");
    uint64_t *fp = store->sp;
    uint32_t need = t->param_count > t->result_count ? t->param_count : t->result_count;
    if (fp + need + 1 > store->stack_end || store->frame_depth >= store->limits.max_call_depth)
        return tcvm__trapf(store, TCVM_TRAP_STACK_EXHAUSTED, "%s",
                           tcvm_status_message(TCVM_TRAP_STACK_EXHAUSTED));
    for (uint32_t i = 0; i < t->param_count; i++)
        fp[i] = tcvm__val_to_slot(&args[i]);
    uint64_t *saved_sp = store->sp;
    uint32_t saved_depth = store->frame_depth;
    if (func->kind == FUNC_HOST) {
        store->sp = fp + need;
        store->frame_depth++;
        st = tcvm__host_call(store, func, NULL, fp);
    } else if (func->kind == FUNC_AOT) {
        /* every entry counts towards the call-depth limit, so host/guest recursion is bounded */
        store->sp = fp + need;
        store->frame_depth++;
        st = tcvm__aot_call(store, func, fp);
    } else {
        st = tcvm__interp_call(store, func, fp);
    }
    store->sp = saved_sp;
    store->frame_depth = saved_depth;
    if (st != TCVM_OK)
        return st;
    for (uint32_t i = 0; i < t->result_count; i++)
        results[i] = tcvm__slot_to_val(t->types[t->param_count + i], fp[i]);
    return TCVM_OK;
}

/* ---- memories ------------------------------------------------------------------------- */

tcvm_status_t tcvm__memory_create(tcvm_store_t *s, const tcvm_memtype_t *type,
                                  tcvm_memory_t **out, tcvm_error_t *err)
{
    bool aot = s->engine->config.tier == TCVM_TIER_AOT;
    uint32_t max = type->limits.has_max ? type->limits.max : TCVM_WASM_MAX_PAGES;
    if (max > s->limits.max_memory_pages)
        max = s->limits.max_memory_pages;
    if (aot && max > TCVM_WASM_MAX_PAGES - 1)
        max = TCVM_WASM_MAX_PAGES - 1; /* compiled code keeps the size in 32 bits */
    if (type->limits.min > max)
        return tcvm__errorf(err, TCVM_ELIMIT, "memory of %u pages exceeds the limit of %u pages",
                            type->limits.min, max);
    if (s->mem_count == s->mem_cap) {
        size_t cap = s->mem_cap ? s->mem_cap * 2 : 8;
        tcvm_memory_t **p = tcvm__reallocarray(s->mems, cap, sizeof *p);
        if (p == NULL)
            return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
        s->mems = p;
        s->mem_cap = cap;
    }
    size_t initial = (size_t)type->limits.min * TCVM__PAGE_SIZE;
    if (!tcvm__budget_charge(&s->budget, initial))
        return tcvm__errorf(err, TCVM_ELIMIT, "memory of %u pages exceeds the store's memory "
                            "budget", type->limits.min);
    tcvm_memory_t *m = tcvm__calloc(1, sizeof *m);
    if (m == NULL) {
        tcvm__budget_release(&s->budget, initial);
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    }
    m->store = s;
    m->type = *type;
    m->rt.max_pages = max;
    /* compiled code indexes with a 32-bit address plus a 32-bit offset and no check: its
     * memories reserve all of that plus a guard page, so every stray access faults */
    m->reserved = aot ? ((size_t)8 << 30) + TCVM__PAGE_SIZE
                      : (size_t)(max ? max : 1) * TCVM__PAGE_SIZE;
    void *p = mmap(NULL, m->reserved, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
                   0);
    if (p == MAP_FAILED) {
        tcvm__free(m);
        tcvm__budget_release(&s->budget, initial);
        return tcvm__errorf(err, TCVM_ENOMEM, "cannot reserve %zu bytes of address space for a "
                            "memory", m->reserved);
    }
    m->rt.data = p;
    if (initial > 0 && mprotect(p, initial, PROT_READ | PROT_WRITE) != 0) {
        munmap(p, m->reserved);
        tcvm__free(m);
        tcvm__budget_release(&s->budget, initial);
        return tcvm__errorf(err, TCVM_ENOMEM, "cannot commit %zu bytes for a memory", initial);
    }
    m->rt.pages = type->limits.min;
    m->size = initial;
    m->rt.size = (uint32_t)(initial > UINT32_MAX ? UINT32_MAX : initial);
    s->mems[s->mem_count++] = m; /* room was made above */
    *out = m;
    return TCVM_OK;
}

tcvm_status_t tcvm__memory_grow(tcvm_memory_t *m, uint32_t delta, uint32_t *out_old)
{
    uint32_t old = m->rt.pages;
    if (delta == 0) {
        *out_old = old;
        return TCVM_OK;
    }
    if (delta > m->rt.max_pages || old > m->rt.max_pages - delta)
        return TCVM_ELIMIT;
    size_t add = (size_t)delta * TCVM__PAGE_SIZE;
    if (!tcvm__budget_charge(&m->store->budget, add))
        return TCVM_ELIMIT;
    if (mprotect(m->rt.data + m->size, add, PROT_READ | PROT_WRITE) != 0) {
        tcvm__budget_release(&m->store->budget, add);
        return TCVM_ENOMEM;
    }
    m->rt.pages = old + delta;
    m->size += add;
    m->rt.size = (uint32_t)(m->size > UINT32_MAX ? UINT32_MAX : m->size);
    *out_old = old;
    return TCVM_OK;
}

tcvm_status_t tcvm_memory_new(tcvm_store_t *store, const tcvm_memtype_t *type,
                              tcvm_memory_t **out_memory)
{
    if (store == NULL || type == NULL || out_memory == NULL)
        return TCVM_EINVAL;
    if (type->limits.min > TCVM_WASM_MAX_PAGES ||
        (type->limits.has_max && (type->limits.max > TCVM_WASM_MAX_PAGES ||
                                  type->limits.max < type->limits.min)))
        return TCVM_EINVAL;
    tcvm_memory_t *m;
    tcvm_status_t st = tcvm__memory_create(store, type, &m, &store->error);
    if (st != TCVM_OK)
        return st;
    if ((st = tcvm__store_own(store, m, memory_free_fn)) != TCVM_OK) {
        memory_release(m);
        return st;
    }
    *out_memory = m;
    return TCVM_OK;
}

tcvm_memtype_t tcvm_memory_type(const tcvm_memory_t *memory)
{
    tcvm_memtype_t t = memory->type;
    t.limits.min = memory->rt.pages;
    return t;
}

size_t tcvm_memory_size(const tcvm_memory_t *memory)
{
    return (size_t)memory->size;
}

uint32_t tcvm_memory_pages(const tcvm_memory_t *memory)
{
    return memory->rt.pages;
}

uint8_t *tcvm_memory_data(tcvm_memory_t *memory)
{
    return memory->rt.data;
}

tcvm_status_t tcvm_memory_read(const tcvm_memory_t *memory, uint64_t offset, void *dst,
                               size_t size)
{
    if (offset > memory->size || size > memory->size - offset)
        return TCVM_TRAP_MEMORY_OOB;
    if (size > 0)
        memcpy(dst, memory->rt.data + offset, size);
    return TCVM_OK;
}

tcvm_status_t tcvm_memory_write(tcvm_memory_t *memory, uint64_t offset, const void *src,
                                size_t size)
{
    if (offset > memory->size || size > memory->size - offset)
        return TCVM_TRAP_MEMORY_OOB;
    if (size > 0)
        memcpy(memory->rt.data + offset, src, size);
    return TCVM_OK;
}

tcvm_status_t tcvm_memory_grow(tcvm_memory_t *memory, uint32_t delta, uint32_t *out_old_pages)
{
    uint32_t old = 0;
    tcvm_status_t st = tcvm__memory_grow(memory, delta, &old);
    if (st == TCVM_OK && out_old_pages != NULL)
        *out_old_pages = old;
    return st;
}

/* ---- tables --------------------------------------------------------------------------- */

uint64_t tcvm__table_get_slot(const tcvm_table_t *t, uint32_t i)
{
    if (!t->aot_refs)
        return TCVM__TABLE_ELEMS(t)[i];
    return tcvm__aot_funcref_to_slot(t->store, &((tcvm__rt_funcref_t *)t->rt.data)[i]);
}

bool tcvm__table_set_slot(tcvm_table_t *t, uint32_t i, uint64_t slot)
{
    if (!t->aot_refs) {
        TCVM__TABLE_ELEMS(t)[i] = slot;
        return true;
    }
    return tcvm__aot_funcref_from_slot(slot, &((tcvm__rt_funcref_t *)t->rt.data)[i]);
}

uint64_t tcvm__global_get_slot(const tcvm_global_t *g)
{
    if (g->store->engine->config.tier == TCVM_TIER_AOT && g->type.type == TCVM_FUNCREF)
        return tcvm__aot_funcref_to_slot(g->store, &g->v.aot);
    return g->v.u64;
}

bool tcvm__global_set_slot(tcvm_global_t *g, uint64_t slot)
{
    if (g->store->engine->config.tier == TCVM_TIER_AOT && g->type.type == TCVM_FUNCREF)
        return tcvm__aot_funcref_from_slot(slot, &g->v.aot);
    g->v.u64 = slot;
    return true;
}

tcvm_status_t tcvm__table_create(tcvm_store_t *s, const tcvm_tabletype_t *type, uint64_t init,
                                 tcvm_table_t **out, tcvm_error_t *err)
{
    uint32_t max = type->limits.has_max ? type->limits.max : UINT32_MAX;
    if (max > s->limits.max_table_elems)
        max = s->limits.max_table_elems;
    if (type->limits.min > max)
        return tcvm__errorf(err, TCVM_ELIMIT, "table of %u elements exceeds the limit of %u",
                            type->limits.min, max);
    bool aot_refs = table_aot_refs(s, type->elem);
    size_t esize = aot_refs ? sizeof(tcvm__rt_funcref_t) : sizeof(uint64_t);
    size_t bytes = (size_t)type->limits.min * esize;
    if (!tcvm__budget_charge(&s->budget, bytes))
        return tcvm__errorf(err, TCVM_ELIMIT, "table of %u elements exceeds the store's memory "
                            "budget", type->limits.min);
    tcvm_table_t *t = tcvm__calloc(1, sizeof *t);
    void *elems = tcvm__calloc(type->limits.min ? type->limits.min : 1, esize);
    if (t == NULL || elems == NULL) {
        tcvm__free(t);
        tcvm__free(elems);
        tcvm__budget_release(&s->budget, bytes);
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    }
    t->rt.data = elems;
    t->rt.size = type->limits.min;
    t->rt.max_size = max;
    t->type = *type;
    t->store = s;
    t->aot_refs = aot_refs;
    for (uint32_t i = 0; i < type->limits.min; i++) {
        if (!tcvm__table_set_slot(t, i, init)) {
            tcvm__free(elems);
            tcvm__free(t);
            tcvm__budget_release(&s->budget, bytes);
            return tcvm__errorf(err, TCVM_WASM_TYPE, "this function cannot be stored in a table "
                                "of compiled code");
        }
    }
    *out = t;
    return TCVM_OK;
}

tcvm_status_t tcvm__table_grow(tcvm_table_t *t, uint32_t delta, uint64_t init, uint32_t *out_old)
{
    uint32_t old = t->rt.size;
    if (delta > t->rt.max_size || old > t->rt.max_size - delta)
        return TCVM_ELIMIT;
    if (delta == 0) {
        *out_old = old;
        return TCVM_OK;
    }
    size_t esize = table_elem_size(t);
    size_t add = (size_t)delta * esize;
    if (!tcvm__budget_charge(&t->store->budget, add))
        return TCVM_ELIMIT;
    void *p = tcvm__reallocarray(t->rt.data, (size_t)old + delta, esize);
    if (p == NULL) {
        tcvm__budget_release(&t->store->budget, add);
        return TCVM_ENOMEM;
    }
    t->rt.data = p;
    for (uint32_t i = old; i < old + delta; i++) {
        if (!tcvm__table_set_slot(t, i, init)) {
            memset((uint8_t *)p + (size_t)old * esize, 0, add);
            tcvm__budget_release(&t->store->budget, add);
            return TCVM_WASM_TYPE;
        }
    }
    t->rt.size = old + delta;
    *out_old = old;
    return TCVM_OK;
}

static bool ref_ok(const tcvm_store_t *s, tcvm_valtype_t elem, const tcvm_val_t *v)
{
    if (v->type != elem)
        return false;
    return v->type != TCVM_FUNCREF || v->of.funcref == NULL || v->of.funcref->store == s;
}

tcvm_status_t tcvm_table_new(tcvm_store_t *store, const tcvm_tabletype_t *type, tcvm_val_t init,
                             tcvm_table_t **out_table)
{
    if (store == NULL || type == NULL || out_table == NULL || !tcvm__valtype_is_ref(type->elem) ||
        (type->limits.has_max && type->limits.max < type->limits.min))
        return TCVM_EINVAL;
    if (!ref_ok(store, type->elem, &init))
        return TCVM_WASM_TYPE;
    tcvm_table_t *t;
    tcvm_status_t st = tcvm__table_create(store, type, tcvm__val_to_slot(&init), &t, &store->error);
    if (st != TCVM_OK)
        return st;
    if ((st = tcvm__store_own(store, t, table_free_fn)) != TCVM_OK) {
        table_release(t);
        return st;
    }
    *out_table = t;
    return TCVM_OK;
}

tcvm_tabletype_t tcvm_table_type(const tcvm_table_t *table)
{
    tcvm_tabletype_t t = table->type;
    t.limits.min = table->rt.size;
    return t;
}

uint32_t tcvm_table_size(const tcvm_table_t *table)
{
    return table->rt.size;
}

tcvm_status_t tcvm_table_get(const tcvm_table_t *table, uint32_t index, tcvm_val_t *out_val)
{
    if (index >= table->rt.size)
        return TCVM_TRAP_TABLE_OOB;
    *out_val = tcvm__slot_to_val(table->type.elem, tcvm__table_get_slot(table, index));
    return TCVM_OK;
}

tcvm_status_t tcvm_table_set(tcvm_table_t *table, uint32_t index, tcvm_val_t val)
{
    if (index >= table->rt.size)
        return TCVM_TRAP_TABLE_OOB;
    if (!ref_ok(table->store, table->type.elem, &val))
        return TCVM_WASM_TYPE;
    if (!tcvm__table_set_slot(table, index, tcvm__val_to_slot(&val)))
        return TCVM_WASM_TYPE;
    return TCVM_OK;
}

tcvm_status_t tcvm_table_grow(tcvm_table_t *table, uint32_t delta, tcvm_val_t init,
                              uint32_t *out_old_size)
{
    if (!ref_ok(table->store, table->type.elem, &init))
        return TCVM_WASM_TYPE;
    uint32_t old = 0;
    tcvm_status_t st = tcvm__table_grow(table, delta, tcvm__val_to_slot(&init), &old);
    if (st == TCVM_OK && out_old_size != NULL)
        *out_old_size = old;
    return st;
}

/* ---- globals -------------------------------------------------------------------------- */

tcvm_status_t tcvm_global_new(tcvm_store_t *store, const tcvm_globaltype_t *type,
                              tcvm_val_t init, tcvm_global_t **out_global)
{
    if (store == NULL || type == NULL || out_global == NULL)
        return TCVM_EINVAL;
    if (init.type != type->type ||
        (init.type == TCVM_FUNCREF && init.of.funcref != NULL && init.of.funcref->store != store))
        return TCVM_WASM_TYPE;
    tcvm_global_t *g = tcvm__calloc(1, sizeof *g);
    if (g == NULL)
        return TCVM_ENOMEM;
    g->type = *type;
    g->store = store;
    if (!tcvm__global_set_slot(g, tcvm__val_to_slot(&init))) {
        tcvm__free(g);
        return TCVM_WASM_TYPE;
    }
    tcvm_status_t st = tcvm__store_own(store, g, tcvm__free);
    if (st != TCVM_OK) {
        tcvm__free(g);
        return st;
    }
    *out_global = g;
    return TCVM_OK;
}

tcvm_globaltype_t tcvm_global_type(const tcvm_global_t *global)
{
    return global->type;
}

tcvm_val_t tcvm_global_get(const tcvm_global_t *global)
{
    return tcvm__slot_to_val(global->type.type, tcvm__global_get_slot(global));
}

tcvm_status_t tcvm_global_set(tcvm_global_t *global, tcvm_val_t val)
{
    if (!global->type.is_mutable)
        return TCVM_EPERM;
    if (val.type != global->type.type ||
        (val.type == TCVM_FUNCREF && val.of.funcref != NULL &&
         val.of.funcref->store != global->store))
        return TCVM_WASM_TYPE;
    if (!tcvm__global_set_slot(global, tcvm__val_to_slot(&val)))
        return TCVM_WASM_TYPE;
    return TCVM_OK;
}
