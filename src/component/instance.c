/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Instantiation and calls. A component instance replays its component's definitions over one
 * core store (its sandbox): core modules are instantiated with the `with` arguments, aliases
 * pick items out of instances, `canon lift` makes component functions from core functions,
 * `canon lower` makes core host functions (trampolines) that lift their arguments from the
 * caller's memory, call the component function and lower the result back, and nested
 * components get their own instance context (own handle table, own re-entrance flag) inside the
 * same store. Imports of the outermost component come from the embedder's linker.
 *
 * Security invariants enforced here: a call into an instance context that is already on the
 * stack traps (no re-entrance); an instance cannot call out while its realloc or post-return runs
 * (may_leave); handles are only valid in the table of the instance that holds them, own handles
 * move, borrows are counted and must be dropped before the call that lent them returns; after a
 * trap the instance is poisoned and refuses every later call. Inside, handle values travel as
 * the resource's rep; at the embedder boundary they become indexes in the instance's embedder
 * table, so the embedder never sees or forges a component's table index.
 */
#include "component/comp_internal.h"
#include "wasm/wasm_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

/* ---- handle tables --------------------------------------------------------------------- */

tcvm_status_t tcvm__htable_add(tcvm__htable_t *t, tcvm__handle_t h, uint32_t *out_index)
{
    uint32_t i;
    if (t->free_head) {
        i = t->free_head;
        t->free_head = t->slots[i].next_free;
    } else {
        if (t->count == 0) t->count = 1; /* index 0 is reserved */
        if (t->count >= TCVM__C_MAX_HANDLES) return TCVM_ELIMIT;
        if (t->count >= t->cap) {
            uint32_t nc = t->cap ? t->cap * 2 : 16;
            tcvm__handle_t *ns = tcvm__reallocarray(t->slots, nc, sizeof *ns);
            if (!ns) return TCVM_ENOMEM;
            memset(ns + t->cap, 0, (size_t)(nc - t->cap) * sizeof *ns);
            t->slots = ns;
            t->cap = nc;
        }
        i = t->count++;
    }
    h.next_free = 0;
    t->slots[i] = h;
    *out_index = i;
    return TCVM_OK;
}

tcvm__handle_t *tcvm__htable_get(tcvm__htable_t *t, uint32_t index)
{
    if (index == 0 || index >= t->count || !t->slots[index].rt) return NULL;
    return &t->slots[index];
}

void tcvm__htable_remove(tcvm__htable_t *t, uint32_t index)
{
    memset(&t->slots[index], 0, sizeof t->slots[index]);
    t->slots[index].next_free = t->free_head;
    t->free_head = index;
}

void tcvm__htable_free(tcvm__htable_t *t)
{
    tcvm__free(t->slots);
    memset(t, 0, sizeof *t);
}

/* ---- run-time shapes ------------------------------------------------------------------- */

typedef struct tcvm__cctx cctx_t;
typedef struct rinst rinst_t;
typedef struct tcvm__callctx callctx_t;

enum { RF_LIFTED, RF_HOST, RF_FORWARD };

typedef struct lent {
    tcvm__htable_t *table;
    uint32_t index;
} lent_t;

/* A call in progress (the spec's task / subtask borrow scope). */
struct tcvm__callctx {
    uint32_t num_borrows;
    lent_t *lent;
    uint32_t nlent, clent;
};

typedef struct linker_entry {
    int kind; /* RF_HOST, RF_FORWARD, or -1 for a resource */
    char *iface, *name;
    tcvm_chost_fn_t fn;
    void *env;
    void (*env_free)(void *);
    tcvm__rtype_t rt; /* resources */
    tcvm_cinstance_t *callee;
    char *export_name;
    tcvm_cforward_hook_t hook;
    struct linker_entry *next;
} linker_entry_t;

struct tcvm_clinker {
    linker_entry_t *head;
};

/* Resolved canonical options. */
typedef struct ropts {
    tcvm_cstring_encoding_t encoding;
    tcvm_memory_t *memory;
    tcvm_func_t *realloc;
    tcvm_func_t *post_return;
} ropts_t;

struct tcvm_cfunc {
    int kind;
    const tcvm_cfunctype_t *type;
    cctx_t *inst; /* lifted: the instance that defined it */
    tcvm_func_t *core;
    ropts_t opts;
    linker_entry_t *host; /* host or forward */
    tcvm_cfunc_t *target; /* forward: the callee's export */
    const char *import_name;
    struct tcvm_cfunc *next;
};
typedef struct tcvm_cfunc rfunc_t;

typedef struct rcore rcore_t;

typedef struct ritem {
    uint8_t sort;
    union {
        rcore_t *rc;
        rfunc_t *func;
        rinst_t *inst;
        tcvm__rtype_t *rt;
        const tcvm_component_t *comp;
        const tcvm_module_t *mod;
        tcvm_extern_t core;
    } u;
    cctx_t *env; /* a component: the instance it was defined in (what its outer aliases see) */
} ritem_t;

struct rinst {
    uint32_t count;
    const char **names;
    size_t *name_sizes;
    ritem_t *items;
    rinst_t *next;
};

struct rcore {
    tcvm_instance_t *inst; /* or inline exports: */
    uint32_t count;
    const char **names;
    size_t *name_sizes;
    tcvm_extern_t *items;
    struct rcore *next;
};

typedef struct res_bind {
    uint32_t id;
    tcvm__rtype_t *rt;
} res_bind_t;

struct tcvm__cctx {
    tcvm_cinstance_t *top;
    cctx_t *parent; /* the instance that instantiated this one */
    cctx_t *env;    /* the instance this one's component was defined in (outer aliases) */
    const tcvm_component_t *comp;
    tcvm__htable_t handles;
    bool entered;
    bool may_leave;
    res_bind_t *binds;
    uint32_t nbinds, cbinds;
    /* index spaces */
    ritem_t *sp[TCVM__S_COUNT];
    uint32_t nsp[TCVM__S_COUNT];
    rinst_t *exports; /* what the instance exports */
    cctx_t *next_all;
};

typedef struct trampoline {
    cctx_t *cx;
    rfunc_t *f;
    const tcvm_cfunctype_t *ft; /* the function's type as the lowering component sees it */
    ropts_t opts;
    int op; /* TCVM__D_LOWER, RES_NEW, RES_DROP, RES_REP */
    uint32_t res;
} trampoline_t;

struct tcvm_cinstance {
    tcvm_store_t *store;
    const tcvm_component_t *comp;
    cctx_t *root;
    tcvm__htable_t host; /* the embedder's handles */
    tcvm_error_t error;
    bool poisoned;
    bool busy;         /* an embedder call is running */
    uint32_t nentered; /* instances of this tree on the call stack */
    /* everything allocated, for freeing */
    cctx_t *all_cctx;
    rfunc_t *all_funcs;
    rinst_t *all_insts;
    rcore_t *all_cores;
    tcvm__rtype_t **rtypes;
    uint32_t nrtypes, crtypes;
};

struct tcvm_ccall {
    tcvm_cinstance_t *inst;
    tcvm_caller_t *caller;
};

/* ---- the linker ------------------------------------------------------------------------ */

tcvm_status_t tcvm_clinker_new(tcvm_clinker_t **out_linker)
{
    tcvm_clinker_t *l = tcvm__calloc(1, sizeof *l);
    if (!l) return TCVM_ENOMEM;
    *out_linker = l;
    return TCVM_OK;
}

void tcvm_clinker_free(tcvm_clinker_t *l)
{
    if (!l) return;
    for (linker_entry_t *e = l->head, *n; e; e = n) {
        n = e->next;
        if (e->env_free) e->env_free(e->env);
        tcvm__free(e->iface);
        tcvm__free(e->name);
        tcvm__free(e->export_name);
        tcvm__free(e);
    }
    tcvm__free(l);
}

static bool streq_opt(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    return strcmp(a, b) == 0;
}

static linker_entry_t *linker_find(const tcvm_clinker_t *l, const char *iface, size_t iface_size,
                                   const char *name, size_t name_size)
{
    for (linker_entry_t *e = l ? l->head : NULL; e; e = e->next) {
        if ((e->iface == NULL) != (iface == NULL)) continue;
        if (iface && (strlen(e->iface) != iface_size || memcmp(e->iface, iface, iface_size)))
            continue;
        if (strlen(e->name) == name_size && memcmp(e->name, name, name_size) == 0) return e;
    }
    return NULL;
}

static tcvm_status_t linker_add(tcvm_clinker_t *l, const char *iface, const char *name,
                                linker_entry_t **out)
{
    if (!l || !name) return TCVM_EINVAL;
    for (linker_entry_t *e = l->head; e; e = e->next)
        if (streq_opt(e->iface, iface) && strcmp(e->name, name) == 0) return TCVM_EEXIST;
    linker_entry_t *e = tcvm__calloc(1, sizeof *e);
    if (!e) return TCVM_ENOMEM;
    e->name = tcvm__strdup(name);
    e->iface = iface ? tcvm__strdup(iface) : NULL;
    if (!e->name || (iface && !e->iface)) {
        tcvm__free(e->name);
        tcvm__free(e->iface);
        tcvm__free(e);
        return TCVM_ENOMEM;
    }
    e->next = l->head;
    l->head = e;
    *out = e;
    return TCVM_OK;
}

tcvm_status_t tcvm_clinker_define_func(tcvm_clinker_t *l, const char *iface, const char *name,
                                       tcvm_chost_fn_t fn, void *env, void (*env_free)(void *))
{
    if (!fn) return TCVM_EINVAL;
    linker_entry_t *e;
    tcvm_status_t st = linker_add(l, iface, name, &e);
    if (st != TCVM_OK) return st;
    e->kind = RF_HOST;
    e->fn = fn;
    e->env = env;
    e->env_free = env_free;
    return TCVM_OK;
}

tcvm_status_t tcvm_clinker_define_resource(tcvm_clinker_t *l, const char *iface, const char *name,
                                           void (*dtor)(void *env, uint32_t rep), void *env)
{
    linker_entry_t *e;
    tcvm_status_t st = linker_add(l, iface, name, &e);
    if (st != TCVM_OK) return st;
    e->kind = -1;
    e->rt.host_dtor = dtor;
    e->rt.host_env = env;
    e->rt.name = e->name;
    return TCVM_OK;
}

tcvm_status_t tcvm_clinker_forward(tcvm_clinker_t *l, const char *iface, const char *name,
                                   tcvm_cinstance_t *callee, const char *export_name,
                                   tcvm_cforward_hook_t hook, void *env)
{
    if (!callee || !export_name) return TCVM_EINVAL;
    linker_entry_t *e;
    tcvm_status_t st = linker_add(l, iface, name, &e);
    if (st != TCVM_OK) return st;
    e->kind = RF_FORWARD;
    e->callee = callee;
    e->export_name = tcvm__strdup(export_name);
    e->hook = hook;
    e->env = env;
    if (!e->export_name) return TCVM_ENOMEM;
    return TCVM_OK;
}

/* ---- small helpers --------------------------------------------------------------------- */

static tcvm_status_t ierr(tcvm_cinstance_t *ci, tcvm_status_t st, const char *fmt, ...)
    TCVM__PRINTF(3, 4);
static tcvm_status_t ierr(tcvm_cinstance_t *ci, tcvm_status_t st, const char *fmt, ...)
{
    char msg[TCVM_ERROR_MSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tcvm__errorf(&ci->error, st, "%s", msg);
}

static tcvm_status_t sp_push(cctx_t *x, uint8_t sort, ritem_t item)
{
    uint32_t n = x->nsp[sort];
    if ((n & (n - 1)) == 0) { /* grow at powers of two */
        uint32_t nc = n ? n * 2 : 4;
        ritem_t *na = tcvm__reallocarray(x->sp[sort], nc, sizeof *na);
        if (!na) return TCVM_ENOMEM;
        x->sp[sort] = na;
    }
    item.sort = sort;
    x->sp[sort][x->nsp[sort]++] = item;
    return TCVM_OK;
}

static tcvm_status_t bind_res(cctx_t *x, uint32_t id, tcvm__rtype_t *rt)
{
    if (!id || !rt) return TCVM_OK;
    for (uint32_t i = 0; i < x->nbinds; i++)
        if (x->binds[i].id == id) {
            x->binds[i].rt = rt;
            return TCVM_OK;
        }
    if (x->nbinds == x->cbinds) {
        uint32_t nc = x->cbinds ? x->cbinds * 2 : 8;
        res_bind_t *nb = tcvm__reallocarray(x->binds, nc, sizeof *nb);
        if (!nb) return TCVM_ENOMEM;
        x->binds = nb;
        x->cbinds = nc;
    }
    x->binds[x->nbinds].id = id;
    x->binds[x->nbinds].rt = rt;
    x->nbinds++;
    return TCVM_OK;
}

static tcvm__rtype_t *lookup_res(const cctx_t *x, uint32_t id)
{
    for (; x; x = x->parent)
        for (uint32_t i = 0; i < x->nbinds; i++)
            if (x->binds[i].id == id) return x->binds[i].rt;
    return NULL;
}

static const ritem_t *rinst_find(const rinst_t *ri, const char *name, size_t size)
{
    for (uint32_t i = 0; ri && i < ri->count; i++)
        if (ri->name_sizes[i] == size && memcmp(ri->names[i], name, size) == 0)
            return &ri->items[i];
    return NULL;
}

static rinst_t *rinst_new(tcvm_cinstance_t *ci, uint32_t n)
{
    rinst_t *r = tcvm__calloc(1, sizeof *r);
    if (!r) return NULL;
    r->names = tcvm__calloc(n ? n : 1, sizeof *r->names);
    r->name_sizes = tcvm__calloc(n ? n : 1, sizeof *r->name_sizes);
    r->items = tcvm__calloc(n ? n : 1, sizeof *r->items);
    r->next = ci->all_insts;
    ci->all_insts = r;
    if (!r->names || !r->name_sizes || !r->items) return NULL;
    r->count = n;
    return r;
}

static rfunc_t *rfunc_new(tcvm_cinstance_t *ci)
{
    rfunc_t *f = tcvm__calloc(1, sizeof *f);
    if (!f) return NULL;
    f->next = ci->all_funcs;
    ci->all_funcs = f;
    return f;
}

static bool type_has_handles(const tcvm_ctype_t *t)
{
    if (!t) return false;
    if (t->kind == TCVM_CT_OWN || t->kind == TCVM_CT_BORROW) return true;
    for (uint32_t i = 0; i < t->count; i++)
        if (type_has_handles(t->members[i].type)) return true;
    return false;
}

static bool functype_has_handles(const tcvm_cfunctype_t *ft)
{
    for (uint32_t i = 0; i < ft->param_count; i++)
        if (type_has_handles(ft->params[i].type)) return true;
    return type_has_handles(ft->result);
}

/* ---- memories seen by the canonical ABI ------------------------------------------------ */

typedef struct memenv {
    tcvm_cinstance_t *ci;
    cctx_t *x;
    tcvm_memory_t *mem;
    tcvm_func_t *realloc;
} memenv_t;

static void mem_refresh(tcvm_cabi_memory_t *m)
{
    memenv_t *e = m->env;
    if (e->mem) {
        m->data = tcvm_memory_data(e->mem);
        m->size = tcvm_memory_size(e->mem);
    }
}

static tcvm_status_t mem_realloc(tcvm_cabi_memory_t *m, uint32_t old, uint32_t old_size,
                                 uint32_t align, uint32_t new_size, uint32_t *out)
{
    memenv_t *e = m->env;
    if (!e->realloc) return TCVM_COMP_TRAP;
    tcvm_val_t args[4] = {tcvm_val_i32((int32_t)old), tcvm_val_i32((int32_t)old_size),
                          tcvm_val_i32((int32_t)align), tcvm_val_i32((int32_t)new_size)};
    tcvm_val_t r;
    bool leave = e->x->may_leave;
    e->x->may_leave = false;
    tcvm_status_t st = tcvm_func_call(e->ci->store, e->realloc, args, 4, &r, 1);
    e->x->may_leave = leave;
    mem_refresh(m);
    if (st != TCVM_OK) return st;
    *out = (uint32_t)r.of.i32;
    return TCVM_OK;
}

static void make_mem(tcvm_cabi_memory_t *m, memenv_t *e, tcvm_cinstance_t *ci, cctx_t *x,
                     const ropts_t *o)
{
    memset(m, 0, sizeof *m);
    e->ci = ci;
    e->x = x;
    e->mem = o->memory;
    e->realloc = o->realloc;
    m->env = e;
    m->encoding = o->encoding;
    m->realloc = o->realloc ? mem_realloc : NULL;
    mem_refresh(m);
}

/* ---- handle hooks ---------------------------------------------------------------------- */

typedef struct hooks {
    cctx_t *x;         /* whose table */
    tcvm__htable_t *t; /* that table (or the embedder's) */
    callctx_t *scope;
    bool embedder; /* the table is the embedder's: no implementing instance */
} hooks_t;

static tcvm_status_t scope_lend(callctx_t *s, tcvm__htable_t *t, uint32_t index)
{
    if (s->nlent == s->clent) {
        uint32_t nc = s->clent ? s->clent * 2 : 4;
        lent_t *nl = tcvm__reallocarray(s->lent, nc, sizeof *nl);
        if (!nl) return TCVM_ENOMEM;
        s->lent = nl;
        s->clent = nc;
    }
    s->lent[s->nlent].table = t;
    s->lent[s->nlent].index = index;
    s->nlent++;
    t->slots[index].lends++;
    return TCVM_OK;
}

static void scope_end(callctx_t *s)
{
    for (uint32_t i = 0; i < s->nlent; i++) {
        tcvm__handle_t *h = tcvm__htable_get(s->lent[i].table, s->lent[i].index);
        if (h && h->lends) h->lends--;
    }
    tcvm__free(s->lent);
    s->lent = NULL;
    s->nlent = s->clent = 0;
}

static tcvm_status_t hk_lift(tcvm__cx_t *cx, const tcvm_ctype_t *t, uint32_t i, uint32_t *out)
{
    hooks_t *hk = cx->hctx;
    tcvm__rtype_t *rt = lookup_res(hk->x, t->resource);
    tcvm__handle_t *h = tcvm__htable_get(hk->t, i);
    if (!h) return tcvm__ctrap(cx->err, "handle %" PRIu32 " is not in the handle table", i);
    if (h->rt != rt)
        return tcvm__ctrap(cx->err, "handle %" PRIu32 " is of another resource type", i);
    if (t->kind == TCVM_CT_OWN) {
        if (!h->own) return tcvm__ctrap(cx->err, "handle %" PRIu32 " is a borrow, not an own", i);
        if (h->lends) return tcvm__ctrap(cx->err, "own handle %" PRIu32 " is lent out", i);
        *out = h->rep;
        tcvm__htable_remove(hk->t, i);
        return TCVM_OK;
    }
    *out = h->rep;
    if (!hk->scope) return TCVM_OK;
    return scope_lend(hk->scope, hk->t, i);
}

static tcvm_status_t hk_lower(tcvm__cx_t *cx, const tcvm_ctype_t *t, uint32_t rep, uint32_t *out)
{
    hooks_t *hk = cx->hctx;
    tcvm__rtype_t *rt = lookup_res(hk->x, t->resource);
    if (!rt) return tcvm__ctrap(cx->err, "resource type %" PRIu32 " is not bound", t->resource);
    tcvm__handle_t h = {0};
    h.rt = rt;
    h.rep = rep;
    if (t->kind == TCVM_CT_OWN) {
        h.own = true;
    } else {
        if (!hk->embedder && rt->impl == hk->x) {
            *out = rep;
            return TCVM_OK;
        }
        h.scope = hk->scope;
        if (hk->scope) hk->scope->num_borrows++;
    }
    tcvm_status_t st = tcvm__htable_add(hk->t, h, out);
    if (st == TCVM_ELIMIT) return tcvm__ctrap(cx->err, "handle table is full");
    return st;
}

static void set_hooks(tcvm__cx_t *cx, hooks_t *hk)
{
    cx->hctx = hk;
    cx->lift_handle = hk_lift;
    cx->lower_handle = hk_lower;
}

/* ---- calls ----------------------------------------------------------------------------- */

static tcvm_status_t call_func(tcvm_cinstance_t *ci, rfunc_t *f, cctx_t *caller, tcvm_cval_t *args,
                               tcvm_cval_t *result);

static const tcvm_ctype_t **param_types(const tcvm_cfunctype_t *ft, const tcvm_ctype_t **buf,
                                        size_t bufn)
{
    const tcvm_ctype_t **ts =
        ft->param_count <= bufn ? buf : tcvm__calloc(ft->param_count, sizeof *ts);
    if (!ts) return NULL;
    for (uint32_t i = 0; i < ft->param_count; i++)
        ts[i] = ft->params[i].type;
    return ts;
}

static void poison(tcvm_cinstance_t *ci, tcvm_status_t st)
{
    if (st == TCVM_COMP_TRAP || tcvm_status_is_trap(st)) ci->poisoned = true;
}

static tcvm_status_t copy_store_error(tcvm_cinstance_t *ci, tcvm_status_t st)
{
    const tcvm_error_t *se = tcvm_store_error(ci->store);
    if (se->status != TCVM_OK && ci->error.status == TCVM_OK)
        tcvm__error_copy(&ci->error, se);
    else if (ci->error.status == TCVM_OK)
        tcvm__errorf(&ci->error, st, "%s", tcvm_status_message(st));
    return st;
}

/* canon_lift: args (reps for handles) are lowered into the callee, the core function runs, the
 * result is lifted out, post-return runs. */
static bool is_reflexive_ancestor(const cctx_t *a, const cctx_t *b)
{
    for (; b; b = b->parent)
        if (a == b) return true;
    return false;
}

/*
 * The canonical ABI's call_might_be_recursive. A call from the core code of instance `caller`
 * may not enter an ancestor or a descendant of it (nor itself); a call from the host (caller
 * NULL: the embedder, or another instance tree through the host) may not enter a tree that has
 * an instance on the call stack already.
 */
static bool might_be_recursive(const cctx_t *caller, const cctx_t *callee)
{
    if (callee->entered) return true;
    if (!caller) return callee->top->nentered > 0;
    return is_reflexive_ancestor(caller, callee) || is_reflexive_ancestor(callee, caller);
}

static void enter(cctx_t *x, bool on)
{
    x->entered = on;
    if (on)
        x->top->nentered++;
    else
        x->top->nentered--;
}

static tcvm_status_t call_lifted(tcvm_cinstance_t *ci, rfunc_t *f, const cctx_t *caller,
                                 tcvm_cval_t *args, tcvm_cval_t *result)
{
    cctx_t *x = f->inst;
    tcvm_cinstance_t *top = x->top;
    const tcvm_cfunctype_t *ft = f->type;
    tcvm_status_t st;
    if (top->poisoned)
        return ierr(ci, TCVM_ESTATE, "the instance trapped earlier and cannot be called again");
    if (might_be_recursive(caller, x))
        return ierr(ci, TCVM_COMP_TRAP,
                    "canonical ABI trap: cannot enter component instance: the call might be "
                    "recursive (%s)",
                    x->entered  ? "the instance is already on the call stack"
                    : !caller   ? "its component tree is already on the call stack"
                                : "caller and callee are one another's ancestor or descendant");
    const tcvm_ctype_t *buf[16], **ts = param_types(ft, buf, 16);
    if (!ts) return ierr(ci, TCVM_ENOMEM, "out of memory");
    callctx_t scope = {0};
    hooks_t hk = {x, &x->handles, &scope, false};
    memenv_t me;
    tcvm_cabi_memory_t mem;
    make_mem(&mem, &me, top, x, &f->opts);
    tcvm__cx_t cx = {&mem, &top->error, NULL, NULL, NULL, 0, 0};
    set_hooks(&cx, &hk);
    tcvm__error_clear(&top->error);
    tcvm_val_t flat[TCVM__C_MAX_FLAT_PARAMS], res[1];
    size_t nflat = 0;
    enter(x, true);
    x->may_leave = false;
    st = tcvm__cabi_lower_values(&cx, ts, ft->param_count, args, TCVM__C_MAX_FLAT_PARAMS, NULL,
                                 flat, TCVM__C_MAX_FLAT_PARAMS, &nflat);
    x->may_leave = true;
    size_t nres = ft->result ? 1 : 0;
    if (st == TCVM_OK) {
        st = tcvm_func_call(top->store, f->core, flat, nflat, res, nres);
        if (st != TCVM_OK) copy_store_error(top, st);
    }
    mem_refresh(&mem);
    if (st == TCVM_OK && ft->result) {
        hk.scope = NULL; /* results cannot hold borrows */
        st = tcvm__cabi_lift_values(&cx, &ft->result, 1, res, 1, TCVM__C_MAX_FLAT_RESULTS, result);
    }
    if (st == TCVM_OK && f->opts.post_return) {
        x->may_leave = false;
        st = tcvm_func_call(top->store, f->opts.post_return, res, nres, NULL, 0);
        x->may_leave = true;
        if (st != TCVM_OK) {
            copy_store_error(top, st);
            if (ft->result) tcvm_cval_clear(result);
        }
    }
    if (st == TCVM_OK && scope.num_borrows > 0) {
        st = ierr(top, TCVM_COMP_TRAP,
                  "canonical ABI trap: %" PRIu32 " borrowed handle(s) not "
                  "dropped before returning",
                  scope.num_borrows);
        if (ft->result) tcvm_cval_clear(result);
    }
    scope_end(&scope);
    enter(x, false);
    if (ts != buf) tcvm__free(ts);
    if (st != TCVM_OK) {
        poison(top, st);
        if (ci != top) tcvm__error_copy(&ci->error, &top->error);
    }
    return st;
}

/* Converts handles in a value tree between reps (inside) and embedder-table indexes (outside).
 * to_host: rep -> new embedder handle (own) or a borrow for the call's duration. */
static tcvm_status_t convert_handles(tcvm_cinstance_t *ci, cctx_t *x, const tcvm_ctype_t *t,
                                     tcvm_cval_t *v, bool to_host, callctx_t *scope)
{
    tcvm_status_t st;
    if (!type_has_handles(t)) return TCVM_OK;
    switch (t->kind) {
    case TCVM_CT_OWN:
    case TCVM_CT_BORROW: {
        tcvm__rtype_t *rt = lookup_res(x, t->resource);
        if (to_host) {
            tcvm__handle_t h = {0};
            h.rt = rt;
            h.rep = v->of.handle;
            h.own = t->kind == TCVM_CT_OWN;
            if (!rt) return ierr(ci, TCVM_COMP_TRAP, "resource type is not bound");
            uint32_t idx;
            if ((st = tcvm__htable_add(&ci->host, h, &idx)) != TCVM_OK) return st;
            if (!h.own && scope) {
                /* remember to drop the temporary borrow when the host call ends */
                if ((st = scope_lend(scope, &ci->host, idx)) != TCVM_OK) return st;
                ci->host.slots[idx].lends = 0;
            }
            v->of.handle = idx;
            return TCVM_OK;
        }
        tcvm__handle_t *h = tcvm__htable_get(&ci->host, v->of.handle);
        if (!h)
            return ierr(ci, TCVM_COMP_TRAP,
                        "canonical ABI trap: embedder handle %" PRIu32 " does not exist",
                        v->of.handle);
        if (h->rt != rt)
            return ierr(ci, TCVM_COMP_TRAP,
                        "canonical ABI trap: embedder handle %" PRIu32
                        " is of another resource type",
                        v->of.handle);
        if (t->kind == TCVM_CT_OWN) {
            if (!h->own || h->lends)
                return ierr(ci, TCVM_COMP_TRAP,
                            "canonical ABI trap: embedder handle %" PRIu32
                            " is not an own handle free to move",
                            v->of.handle);
            uint32_t rep = h->rep;
            tcvm__htable_remove(&ci->host, v->of.handle);
            v->of.handle = rep;
        } else {
            if (scope && (st = scope_lend(scope, &ci->host, v->of.handle)) != TCVM_OK) return st;
            v->of.handle = h->rep;
        }
        return TCVM_OK;
    }
    case TCVM_CT_LIST:
        for (size_t i = 0; i < v->of.seq.count; i++)
            if ((st = convert_handles(ci, x, t->members[0].type, &v->of.seq.items[i], to_host,
                                      scope)) != TCVM_OK)
                return st;
        return TCVM_OK;
    case TCVM_CT_RECORD:
    case TCVM_CT_TUPLE:
        for (size_t i = 0; i < t->count && i < v->of.seq.count; i++)
            if ((st = convert_handles(ci, x, t->members[i].type, &v->of.seq.items[i], to_host,
                                      scope)) != TCVM_OK)
                return st;
        return TCVM_OK;
    default:
        if (v->of.var.payload && v->of.var.index < t->count && t->members[v->of.var.index].type)
            return convert_handles(ci, x, t->members[v->of.var.index].type, v->of.var.payload,
                                   to_host, scope);
        return TCVM_OK;
    }
}

/* Temporary embedder borrows made for a host call are removed when it ends. */
static void drop_host_borrows(tcvm_cinstance_t *ci, callctx_t *scope)
{
    for (uint32_t i = 0; i < scope->nlent; i++) {
        if (scope->lent[i].table != &ci->host) continue;
        tcvm__handle_t *h = tcvm__htable_get(&ci->host, scope->lent[i].index);
        if (h && !h->own) tcvm__htable_remove(&ci->host, scope->lent[i].index);
    }
    tcvm__free(scope->lent);
    memset(scope, 0, sizeof *scope);
}

static tcvm_status_t call_host(tcvm_cinstance_t *ci, rfunc_t *f, cctx_t *caller, tcvm_cval_t *args,
                               tcvm_cval_t *result)
{
    const tcvm_cfunctype_t *ft = f->type;
    callctx_t scope = {0};
    tcvm_status_t st = TCVM_OK;
    for (uint32_t i = 0; i < ft->param_count && st == TCVM_OK; i++)
        st = convert_handles(ci, caller, ft->params[i].type, &args[i], true, &scope);
    tcvm_ccall_t call = {ci, NULL};
    if (st == TCVM_OK) {
        tcvm_cval_t r = {0};
        tcvm__error_clear(&ci->error);
        st = f->host->fn(f->host->env, &call, args, ft->param_count, ft->result ? &r : NULL);
        if (st != TCVM_OK) {
            if (ci->error.status == TCVM_OK)
                ierr(ci, st, "host function \"%s\" failed: %s", f->import_name,
                     tcvm_status_message(st));
            tcvm_cval_clear(&r);
        } else if (ft->result) {
            tcvm_error_t e;
            st = tcvm_cval_check(ft->result, &r, &e);
            if (st != TCVM_OK) {
                ierr(ci, TCVM_TRAP_HOST, "host function \"%s\" returned a bad value: %s",
                     f->import_name, e.message);
                st = TCVM_TRAP_HOST;
                tcvm_cval_clear(&r);
            } else {
                st = convert_handles(ci, caller, ft->result, &r, false, NULL);
                if (st != TCVM_OK)
                    tcvm_cval_clear(&r);
                else
                    *result = r;
            }
        }
    }
    drop_host_borrows(ci, &scope);
    return st;
}

static tcvm_status_t call_func(tcvm_cinstance_t *ci, rfunc_t *f, cctx_t *caller, tcvm_cval_t *args,
                               tcvm_cval_t *result)
{
    switch (f->kind) {
    case RF_LIFTED:
        return call_lifted(ci, f, caller, args, result);
    case RF_HOST:
        return call_host(ci, f, caller, args, result);
    default: {
        /* forward through trees (the memory-to-memory path is in the trampoline) */
        tcvm_cinstance_t *callee = f->host->callee;
        uint64_t bytes = 0;
        for (uint32_t i = 0; i < f->type->param_count; i++)
            if (args[i].kind == TCVM_CT_STRING) bytes += args[i].of.str.size;
        if (f->host->hook) {
            tcvm_status_t st = f->host->hook(f->host->env, f->import_name, bytes);
            if (st != TCVM_OK)
                return ierr(ci, st, "forwarded call \"%s\" refused by the host", f->import_name);
        }
        tcvm_status_t st = call_lifted(callee, f->target, NULL, args, result);
        if (st != TCVM_OK) tcvm__error_copy(&ci->error, &callee->error);
        return st;
    }
    }
}

/* The memory-to-memory forward: caller flat args -> callee, callee result -> caller memory. */
static bool fast_type(const tcvm_ctype_t *t)
{
    if (t->kind == TCVM_CT_STRING) return true;
    if (t->kind == TCVM_CT_LIST) {
        tcvm_ctype_kind_t k = t->members[0].type->kind;
        return k == TCVM_CT_U8 || k == TCVM_CT_S8 || k == TCVM_CT_U16 || k == TCVM_CT_S16 ||
               k == TCVM_CT_U32 || k == TCVM_CT_S32 || k == TCVM_CT_U64 || k == TCVM_CT_S64 ||
               k == TCVM_CT_F32 || k == TCVM_CT_F64;
    }
    return t->kind <= TCVM_CT_F64 && t->kind != TCVM_CT_BOOL;
}

static bool forward_fast_ok(const tcvm_cfunctype_t *ft, const ropts_t *a, const ropts_t *b)
{
    size_t n = 0;
    for (uint32_t i = 0; i < ft->param_count; i++) {
        if (!fast_type(ft->params[i].type)) return false;
        n += ft->params[i].type->flat_count;
    }
    if (n > TCVM__C_MAX_FLAT_PARAMS) return false;
    if (ft->result && !fast_type(ft->result)) return false;
    if (a->encoding != TCVM_CSTR_UTF8 || b->encoding != TCVM_CSTR_UTF8) return false;
    return true;
}

/* Copies a string or list body from one memory to another with the receiver's realloc. */
static tcvm_status_t move_bytes(tcvm__cx_t *src, tcvm__cx_t *dst, const tcvm_ctype_t *t,
                                uint32_t ptr, uint32_t len, uint32_t *out_ptr, uint64_t *bytes)
{
    uint32_t esize = t->kind == TCVM_CT_STRING ? 1 : t->members[0].type->size;
    uint32_t align = t->kind == TCVM_CT_STRING ? 1 : t->members[0].type->align;
    uint64_t blen = (uint64_t)len * esize;
    if (blen > TCVM__C_MAX_STRING_BYTES)
        return tcvm__ctrap(src->err, "%s of %" PRIu64 " bytes exceeds 2^28-1",
                           tcvm_ctype_kind_name(t->kind), blen);
    if (!src->mem || !src->mem->data || !dst->mem || !dst->mem->data)
        return tcvm__ctrap(src->err, "a string or list needs the memory option");
    if ((ptr % align) || (uint64_t)ptr + blen > src->mem->size)
        return tcvm__ctrap(src->err,
                           "%s at 0x%" PRIx32 "+%" PRIu64 " is misaligned or outside "
                           "memory",
                           tcvm_ctype_kind_name(t->kind), ptr, blen);
    if (t->kind == TCVM_CT_STRING && !tcvm__utf8_valid(src->mem->data + ptr, (size_t)blen))
        return tcvm__ctrap(src->err, "string at 0x%" PRIx32 " is not valid UTF-8", ptr);
    uint32_t np;
    tcvm_status_t st = dst->mem->realloc
                           ? dst->mem->realloc(dst->mem, 0, 0, align, (uint32_t)blen, &np)
                           : tcvm__ctrap(dst->err, "lowering needs the realloc option");
    if (st != TCVM_OK) return st;
    mem_refresh(src->mem);
    if ((np % align) || (uint64_t)np + blen > dst->mem->size)
        return tcvm__ctrap(dst->err,
                           "realloc returned 0x%" PRIx32 ", misaligned or outside "
                           "memory",
                           np);
    memcpy(dst->mem->data + np, src->mem->data + ptr, (size_t)blen);
    *out_ptr = np;
    *bytes += blen;
    return TCVM_OK;
}

static tcvm_status_t forward_fast(tcvm_cinstance_t *ci, trampoline_t *tp, const tcvm_val_t *args,
                                  size_t nargs, tcvm_val_t *results, tcvm__cx_t *ccx)
{
    rfunc_t *f = tp->f, *g = f->target;
    tcvm_cinstance_t *callee = f->host->callee;
    cctx_t *y = g->inst;
    const tcvm_cfunctype_t *ft = g->type;
    if (callee->poisoned) return ierr(ci, TCVM_ESTATE, "the forwarded-to instance trapped earlier");
    if (might_be_recursive(NULL, y))
        return ierr(ci, TCVM_COMP_TRAP,
                    "canonical ABI trap: cannot enter component instance: its component tree "
                    "is already on the call stack");
    memenv_t me;
    tcvm_cabi_memory_t mem;
    make_mem(&mem, &me, callee, y, &g->opts);
    tcvm__cx_t dcx = {&mem, &callee->error, NULL, NULL, NULL, 0, 0};
    tcvm_val_t flat[TCVM__C_MAX_FLAT_PARAMS], res[1];
    size_t k = 0;
    uint64_t bytes = 0;
    tcvm_status_t st = TCVM_OK;
    /* arguments: copy flat values, move string/list bodies (checked against the caller's
     * memory first, as lifting would) */
    enter(y, true);
    y->may_leave = false;
    for (uint32_t i = 0; i < ft->param_count && st == TCVM_OK; i++) {
        const tcvm_ctype_t *t = ft->params[i].type;
        if (t->kind == TCVM_CT_STRING || t->kind == TCVM_CT_LIST) {
            uint32_t p = (uint32_t)args[k].of.i32, n = (uint32_t)args[k + 1].of.i32, np;
            if (f->host->hook && i == 0) { /* counted below */
            }
            st = move_bytes(ccx, &dcx, t, p, n, &np, &bytes);
            if (st == TCVM_OK) {
                flat[k] = tcvm_val_i32((int32_t)np);
                flat[k + 1] = args[k + 1];
            }
            k += 2;
        } else {
            tcvm_val_t v = args[k];
            if (t->kind == TCVM_CT_CHAR) {
                uint32_t ch = (uint32_t)v.of.i32;
                if (ch >= 0x110000 || (ch >= 0xD800 && ch <= 0xDFFF))
                    st = tcvm__ctrap(ccx->err, "0x%" PRIx32 " is not a valid char", ch);
            } else if (t->kind == TCVM_CT_U8 || t->kind == TCVM_CT_S8) {
                v.of.i32 = t->kind == TCVM_CT_U8 ? (int32_t)(uint8_t)v.of.i32 : (int8_t)v.of.i32;
            } else if (t->kind == TCVM_CT_U16 || t->kind == TCVM_CT_S16) {
                v.of.i32 = t->kind == TCVM_CT_U16 ? (int32_t)(uint16_t)v.of.i32 : (int16_t)v.of.i32;
            }
            flat[k++] = v;
        }
    }
    y->may_leave = true;
    if (st == TCVM_OK && f->host->hook) {
        st = f->host->hook(f->host->env, f->import_name, bytes);
        if (st != TCVM_OK)
            ierr(ci, st, "forwarded call \"%s\" refused by the host", f->import_name);
    }
    (void)nargs;
    size_t nres = ft->result ? 1 : 0;
    if (st == TCVM_OK) {
        st = tcvm_func_call(callee->store, g->core, flat, k, res, nres);
        if (st != TCVM_OK) {
            copy_store_error(callee, st);
            tcvm__error_copy(&ci->error, &callee->error);
        }
    }
    mem_refresh(&mem);
    mem_refresh(ccx->mem);
    if (st == TCVM_OK && ft->result) {
        const tcvm_ctype_t *t = ft->result;
        if (t->kind == TCVM_CT_STRING || t->kind == TCVM_CT_LIST) {
            /* callee returned a pointer to (ptr, len) in its memory; caller passed an out-ptr */
            uint32_t rp = (uint32_t)res[0].of.i32, outp = (uint32_t)args[nargs - 1].of.i32, np;
            if ((rp & 3) || (uint64_t)rp + 8 > mem.size) {
                st = tcvm__ctrap(&callee->error,
                                 "return area 0x%" PRIx32 " is misaligned or "
                                 "outside memory",
                                 rp);
            } else {
                uint32_t p = tcvm__le32(mem.data + rp), n = tcvm__le32(mem.data + rp + 4);
                st = move_bytes(&dcx, ccx, t, p, n, &np, &bytes);
                if (st == TCVM_OK) {
                    if ((outp & 3) || (uint64_t)outp + 8 > ccx->mem->size) {
                        st = tcvm__ctrap(ccx->err,
                                         "result pointer 0x%" PRIx32 " is misaligned "
                                         "or outside memory",
                                         outp);
                    } else {
                        tcvm__put_le32(ccx->mem->data + outp, np);
                        tcvm__put_le32(ccx->mem->data + outp + 4, n);
                    }
                }
            }
        } else {
            results[0] = res[0];
        }
        if (st != TCVM_OK && callee->error.status != TCVM_OK)
            tcvm__error_copy(&ci->error, &callee->error);
    }
    if (st == TCVM_OK && g->opts.post_return) {
        y->may_leave = false;
        st = tcvm_func_call(callee->store, g->opts.post_return, res, nres, NULL, 0);
        y->may_leave = true;
        if (st != TCVM_OK) {
            copy_store_error(callee, st);
            tcvm__error_copy(&ci->error, &callee->error);
        }
    }
    enter(y, false);
    if (st != TCVM_OK) poison(callee, st);
    return st;
}

/* The core host function made by canon lower. */
static tcvm_status_t lower_trampoline(void *env, tcvm_caller_t *caller, const tcvm_val_t *args,
                                      tcvm_val_t *results)
{
    trampoline_t *tp = env;
    cctx_t *x = tp->cx;
    tcvm_cinstance_t *ci = x->top;
    tcvm_store_t *store = tcvm_caller_store(caller);
    const tcvm_cfunctype_t *ft = tp->ft;
    tcvm_status_t st;
    if (!x->may_leave)
        return tcvm__trapf(store, TCVM_COMP_TRAP,
                           "canonical ABI trap: cannot call an import "
                           "while realloc or post-return runs");
    memenv_t me;
    tcvm_cabi_memory_t mem;
    make_mem(&mem, &me, ci, x, &tp->opts);
    tcvm__cx_t cx = {&mem, &ci->error, NULL, NULL, NULL, 0, 0};
    callctx_t scope = {0};
    hooks_t hk = {x, &x->handles, &scope, false};
    set_hooks(&cx, &hk);
    tcvm__error_clear(&ci->error);
    size_t nflat = 0;
    {
        size_t n = 0;
        for (uint32_t i = 0; i < ft->param_count; i++)
            n += ft->params[i].type->flat_count;
        nflat = n > TCVM__C_MAX_FLAT_PARAMS ? 1 : n;
    }
    bool spill = ft->result && ft->result->flat_count > TCVM__C_MAX_FLAT_RESULTS;
    if (tp->f->kind == RF_FORWARD && forward_fast_ok(ft, &tp->opts, &tp->f->target->opts)) {
        st = forward_fast(ci, tp, args, nflat + (spill ? 1 : 0), results, &cx);
        goto out;
    }
    const tcvm_ctype_t *buf[16], **ts = param_types(ft, buf, 16);
    if (!ts) return TCVM_ENOMEM;
    tcvm_cval_t vbuf[16],
        *vals = ft->param_count <= 16 ? vbuf : tcvm__calloc(ft->param_count, sizeof *vals);
    if (!vals) {
        if (ts != buf) tcvm__free(ts);
        return TCVM_ENOMEM;
    }
    st = tcvm__cabi_lift_values(&cx, ts, ft->param_count, args, nflat, TCVM__C_MAX_FLAT_PARAMS,
                                vals);
    if (st == TCVM_OK) {
        tcvm_cval_t r = {0};
        st = call_func(ci, tp->f, x, vals, &r);
        tcvm_cval_clear_array(vals, ft->param_count);
        if (st == TCVM_OK && ft->result) {
            mem_refresh(&mem);
            hk.scope = NULL;
            uint32_t outp = spill ? (uint32_t)args[nflat].of.i32 : 0;
            size_t nout = 0;
            x->may_leave = false;
            st = tcvm__cabi_lower_values(&cx, &ft->result, 1, &r, TCVM__C_MAX_FLAT_RESULTS,
                                         spill ? &outp : NULL, results, 1, &nout);
            x->may_leave = true;
            tcvm_cval_clear(&r);
        }
    }
    if (vals != vbuf) tcvm__free(vals);
    if (ts != buf) tcvm__free(ts);
out:
    scope_end(&scope);
    if (st != TCVM_OK) {
        const char *msg = ci->error.status != TCVM_OK ? ci->error.message : tcvm_status_message(st);
        tcvm_status_t code =
            (st == TCVM_COMP_TRAP || tcvm_status_is_trap(st)) ? st : TCVM_TRAP_HOST;
        return tcvm__trapf(store, code, "%s", msg);
    }
    return TCVM_OK;
}

static tcvm_status_t resource_trampoline(void *env, tcvm_caller_t *caller, const tcvm_val_t *args,
                                         tcvm_val_t *results)
{
    trampoline_t *tp = env;
    cctx_t *x = tp->cx;
    tcvm_store_t *store = tcvm_caller_store(caller);
    tcvm__rtype_t *rt = lookup_res(x, tp->res);
    uint32_t a = (uint32_t)args[0].of.i32;
    if (!rt) return tcvm__trapf(store, TCVM_COMP_TRAP, "canonical ABI trap: unbound resource");
    if (tp->op == TCVM__D_RES_NEW) {
        tcvm__handle_t h = {0};
        h.rt = rt, h.rep = a, h.own = true;
        uint32_t idx;
        tcvm_status_t st = tcvm__htable_add(&x->handles, h, &idx);
        if (st != TCVM_OK)
            return tcvm__trapf(store, TCVM_COMP_TRAP, "canonical ABI trap: handle table full");
        results[0] = tcvm_val_i32((int32_t)idx);
        return TCVM_OK;
    }
    tcvm__handle_t *h = tcvm__htable_get(&x->handles, a);
    if (!h)
        return tcvm__trapf(store, TCVM_COMP_TRAP,
                           "canonical ABI trap: handle %" PRIu32 " is not in the handle table", a);
    if (h->rt != rt)
        return tcvm__trapf(store, TCVM_COMP_TRAP,
                           "canonical ABI trap: handle %" PRIu32 " is of another resource type", a);
    if (tp->op == TCVM__D_RES_REP) {
        results[0] = tcvm_val_i32((int32_t)h->rep);
        return TCVM_OK;
    }
    /* resource.drop */
    tcvm__handle_t copy = *h;
    if (copy.own && copy.lends)
        return tcvm__trapf(
            store, TCVM_COMP_TRAP,
            "canonical ABI trap: dropping own handle %" PRIu32 " while it is lent out", a);
    tcvm__htable_remove(&x->handles, a);
    if (!copy.own) {
        if (copy.scope && copy.scope->num_borrows) copy.scope->num_borrows--;
        return TCVM_OK;
    }
    if (rt->impl && rt->dtor) {
        if (rt->impl != x && rt->impl->entered)
            return tcvm__trapf(store, TCVM_COMP_TRAP,
                               "canonical ABI trap: re-entering the "
                               "resource's instance to run its destructor");
        tcvm_val_t rep = tcvm_val_i32((int32_t)copy.rep);
        return tcvm_func_call(store, rt->dtor, &rep, 1, NULL, 0);
    }
    if (!rt->impl && rt->host_dtor) rt->host_dtor(rt->host_env, copy.rep);
    return TCVM_OK;
}

/* ---- instantiation --------------------------------------------------------------------- */

typedef struct provider {
    const tcvm_clinker_t *linker; /* top level */
    const rinst_t *args;          /* nested: the instantiation arguments */
} provider_t;

static tcvm_status_t instantiate(tcvm_cinstance_t *ci, cctx_t *x, const tcvm_component_t *k,
                                 const provider_t *pv, tcvm_error_t *err);

static tcvm_status_t resolve_host_func(tcvm_cinstance_t *ci, const tcvm_clinker_t *l,
                                       const char *iface, size_t iface_size, const char *name,
                                       size_t name_size, const tcvm_cfunctype_t *ft, rfunc_t **out,
                                       tcvm_error_t *err)
{
    linker_entry_t *e = linker_find(l, iface, iface_size, name, name_size);
    if (!e || e->kind == -1) {
        if (iface)
            return tcvm__errorf(err, TCVM_COMP_UNLINKABLE,
                                "import \"%.*s\": function \"%.*s\" "
                                "is not satisfied by the host",
                                (int)iface_size, iface, (int)name_size, name);
        return tcvm__errorf(err, TCVM_COMP_UNLINKABLE,
                            "import \"%.*s\" (a function) is not "
                            "satisfied by the host",
                            (int)name_size, name);
    }
    rfunc_t *f = rfunc_new(ci);
    if (!f) return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    f->kind = e->kind;
    f->type = ft;
    f->host = e;
    f->import_name = e->name;
    if (e->kind == RF_FORWARD) {
        rfunc_t *g = tcvm_cinstance_func(e->callee, e->export_name);
        if (!g || g->kind != RF_LIFTED)
            return tcvm__errorf(err, TCVM_COMP_UNLINKABLE,
                                "import \"%s\": the forward target "
                                "has no exported function \"%s\"",
                                e->name, e->export_name);
        if (!tcvm__cfunctype_equal(g->type, ft))
            return tcvm__errorf(err, TCVM_COMP_UNLINKABLE,
                                "import \"%s\": the forward target "
                                "\"%s\" has another function type",
                                e->name, e->export_name);
        if (functype_has_handles(ft))
            return tcvm__errorf(err, TCVM_COMP_UNLINKABLE,
                                "import \"%s\": resource handles "
                                "cannot be forwarded between instances",
                                e->name);
        if (e->callee == ci)
            return tcvm__errorf(err, TCVM_COMP_UNLINKABLE,
                                "import \"%s\": an instance cannot "
                                "forward to itself",
                                e->name);
        f->target = g;
    }
    *out = f;
    return TCVM_OK;
}

/* Satisfies an import from the linker (top level) or the arguments (nested). */
static tcvm_status_t resolve_import(tcvm_cinstance_t *ci, cctx_t *x, const provider_t *pv,
                                    const tcvm__cext_t *e, ritem_t *out, tcvm_error_t *err)
{
    (void)x;
    memset(out, 0, sizeof *out);
    out->sort = e->sort;
    if (pv->args) {
        const ritem_t *it = rinst_find(pv->args, e->name, e->name_size);
        if (!it || it->sort != e->sort)
            return tcvm__errorf(err, TCVM_COMP_UNLINKABLE,
                                "nested import \"%.*s\" is not "
                                "satisfied",
                                (int)e->name_size, e->name);
        *out = *it;
        return TCVM_OK;
    }
    const tcvm_clinker_t *l = pv->linker;
    switch (e->sort) {
    case TCVM__S_FUNC:
        return resolve_host_func(ci, l, NULL, 0, e->name, e->name_size, e->td.func, &out->u.func,
                                 err);
    case TCVM__S_TYPE: {
        if (e->td.kind != TCVM__TD_RESOURCE) return TCVM_OK;
        linker_entry_t *le = linker_find(l, NULL, 0, e->name, e->name_size);
        if (!le || le->kind != -1)
            return tcvm__errorf(err, TCVM_COMP_UNLINKABLE,
                                "import \"%.*s\" (a resource type) "
                                "is not satisfied by the host",
                                (int)e->name_size, e->name);
        out->u.rt = &le->rt;
        return TCVM_OK;
    }
    case TCVM__S_INSTANCE: {
        const tcvm_cinsttype_t *it = e->td.inst;
        rinst_t *ri = rinst_new(ci, it->count);
        if (!ri) return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
        for (uint32_t i = 0; i < it->count; i++) {
            const tcvm__cext_t *m = &it->exports[i];
            ri->names[i] = m->name;
            ri->name_sizes[i] = m->name_size;
            ri->items[i].sort = m->sort;
            if (m->sort == TCVM__S_FUNC) {
                tcvm_status_t st =
                    resolve_host_func(ci, l, e->name, e->name_size, m->name, m->name_size,
                                      m->td.func, &ri->items[i].u.func, err);
                if (st != TCVM_OK) return st;
            } else if (m->sort == TCVM__S_TYPE && m->td.kind == TCVM__TD_RESOURCE) {
                linker_entry_t *le = linker_find(l, e->name, e->name_size, m->name, m->name_size);
                if (!le || le->kind != -1)
                    return tcvm__errorf(err, TCVM_COMP_UNLINKABLE,
                                        "import \"%.*s\": resource "
                                        "type \"%.*s\" is not satisfied by the host",
                                        (int)e->name_size, e->name, (int)m->name_size, m->name);
                ri->items[i].u.rt = &le->rt;
            } else if (m->sort != TCVM__S_TYPE) {
                return tcvm__errorf(err, TCVM_COMP_UNLINKABLE,
                                    "import \"%.*s\": the host cannot "
                                    "supply the %s \"%.*s\"",
                                    (int)e->name_size, e->name,
                                    m->sort == TCVM__S_INSTANCE ? "instance" : "item",
                                    (int)m->name_size, m->name);
            }
        }
        out->u.inst = ri;
        return TCVM_OK;
    }
    default:
        return tcvm__errorf(err, TCVM_COMP_UNLINKABLE,
                            "import \"%.*s\": the host cannot supply "
                            "components or core modules",
                            (int)e->name_size, e->name);
    }
}

/* Binds the resource types of an instance's type to the run-time types it carries. */
static tcvm_status_t bind_inst_resources(cctx_t *x, const tcvm_cinsttype_t *it, const rinst_t *ri)
{
    for (uint32_t i = 0; it && i < it->count; i++) {
        const tcvm__cext_t *m = &it->exports[i];
        if (m->sort != TCVM__S_TYPE || m->td.kind != TCVM__TD_RESOURCE) continue;
        const ritem_t *item = rinst_find(ri, m->name, m->name_size);
        if (item && item->sort == TCVM__S_TYPE && item->u.rt) {
            tcvm_status_t st = bind_res(x, m->td.resource, item->u.rt);
            if (st != TCVM_OK) return st;
        }
    }
    return TCVM_OK;
}

static tcvm_status_t resolve_opts(cctx_t *x, const tcvm__copts_t *o, ropts_t *out)
{
    memset(out, 0, sizeof *out);
    out->encoding = o->encoding;
    if (o->memory >= 0) out->memory = x->sp[TCVM__S_CORE_MEMORY][o->memory].u.core.of.memory;
    if (o->realloc >= 0) out->realloc = x->sp[TCVM__S_CORE_FUNC][o->realloc].u.core.of.func;
    if (o->post_return >= 0)
        out->post_return = x->sp[TCVM__S_CORE_FUNC][o->post_return].u.core.of.func;
    return TCVM_OK;
}

static tcvm_status_t push_core(cctx_t *x, tcvm_extern_t e)
{
    ritem_t it = {0};
    it.u.core = e;
    return sp_push(x, (uint8_t)e.kind, it);
}

static void trampoline_free(void *p)
{
    tcvm__free(p);
}

static tcvm_status_t make_trampoline(tcvm_cinstance_t *ci, cctx_t *x, const tcvm__cdef_t *def,
                                     tcvm_error_t *err)
{
    trampoline_t *tp = tcvm__calloc(1, sizeof *tp);
    if (!tp) return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    tp->cx = x;
    tp->op = def->op;
    tp->res = def->res;
    tcvm_functype_t ft;
    tcvm_valtype_t v[TCVM__C_MAX_FLAT_PARAMS + 3];
    static const tcvm_valtype_t i1[1] = {TCVM_I32};
    tcvm_host_fn_t fn;
    if (def->op == TCVM__D_LOWER) {
        tp->f = x->sp[TCVM__S_FUNC][def->a].u.func;
        tp->ft = def->func;
        resolve_opts(x, &def->opts, &tp->opts);
        const tcvm_cfunctype_t *cft = tp->ft;
        size_t np = 0, n = 0;
        for (uint32_t i = 0; i < cft->param_count; i++)
            np += cft->params[i].type->flat_count;
        if (np > TCVM__C_MAX_FLAT_PARAMS) {
            v[n++] = TCVM_I32;
        } else {
            for (uint32_t i = 0; i < cft->param_count; i++)
                tcvm__cabi_flatten(cft->params[i].type, v, TCVM__C_MAX_FLAT_PARAMS, &n);
        }
        size_t nr = 0;
        tcvm_valtype_t r[1];
        if (cft->result && cft->result->flat_count > TCVM__C_MAX_FLAT_RESULTS)
            v[n++] = TCVM_I32;
        else if (cft->result)
            tcvm__cabi_flatten(cft->result, r, 1, &nr);
        ft.param_count = (uint32_t)n;
        ft.params = v;
        ft.result_count = (uint32_t)nr;
        ft.results = r;
        fn = lower_trampoline;
        tcvm_func_t *hf;
        tcvm_status_t st = tcvm_func_new_host(ci->store, &ft, fn, tp, trampoline_free, &hf);
        if (st != TCVM_OK) {
            tcvm__free(tp);
            return tcvm__errorf(err, st, "cannot make a lowered function");
        }
        return push_core(x, (tcvm_extern_t){.kind = TCVM_EXTERN_FUNC, .of.func = hf});
    }
    ft.param_count = 1;
    ft.params = i1;
    ft.result_count = def->op == TCVM__D_RES_DROP ? 0 : 1;
    ft.results = i1;
    tcvm_func_t *hf;
    tcvm_status_t st =
        tcvm_func_new_host(ci->store, &ft, resource_trampoline, tp, trampoline_free, &hf);
    if (st != TCVM_OK) {
        tcvm__free(tp);
        return tcvm__errorf(err, st, "cannot make a resource built-in");
    }
    return push_core(x, (tcvm_extern_t){.kind = TCVM_EXTERN_FUNC, .of.func = hf});
}

static tcvm_status_t core_export(const ritem_t *ci_item, const char *name, size_t size,
                                 tcvm_extern_t *out)
{
    const rcore_t *rc = ci_item->u.rc;
    if (rc->inst) return tcvm_instance_export(rc->inst, name, size, out);
    for (uint32_t i = 0; i < rc->count; i++)
        if (rc->name_sizes[i] == size && memcmp(rc->names[i], name, size) == 0) {
            *out = rc->items[i];
            return TCVM_OK;
        }
    return TCVM_WASM_NOT_FOUND;
}

static rcore_t *rcore_new(tcvm_cinstance_t *ci, uint32_t n)
{
    rcore_t *r = tcvm__calloc(1, sizeof *r);
    if (!r) return NULL;
    r->next = ci->all_cores;
    ci->all_cores = r;
    if (n) {
        r->names = tcvm__calloc(n, sizeof *r->names);
        r->name_sizes = tcvm__calloc(n, sizeof *r->name_sizes);
        r->items = tcvm__calloc(n, sizeof *r->items);
        if (!r->names || !r->name_sizes || !r->items) return NULL;
        r->count = n;
    }
    return r;
}

static cctx_t *cctx_new(tcvm_cinstance_t *ci, cctx_t *parent, const tcvm_component_t *k)
{
    cctx_t *x = tcvm__calloc(1, sizeof *x);
    if (!x) return NULL;
    x->top = ci;
    x->parent = parent;
    x->comp = k;
    x->may_leave = true;
    x->next_all = ci->all_cctx;
    ci->all_cctx = x;
    return x;
}

static tcvm_status_t item_of(cctx_t *x, uint8_t sort, uint32_t idx, ritem_t *out)
{
    if (idx >= x->nsp[sort]) return TCVM_EINTERNAL;
    *out = x->sp[sort][idx];
    return TCVM_OK;
}

static tcvm_status_t instantiate(tcvm_cinstance_t *ci, cctx_t *x, const tcvm_component_t *k,
                                 const provider_t *pv, tcvm_error_t *err)
{
    tcvm_status_t st = TCVM_OK;
    ritem_t it;
    for (uint32_t di = 0; di < k->def_count && st == TCVM_OK; di++) {
        const tcvm__cdef_t *d = &k->defs[di];
        memset(&it, 0, sizeof it);
        switch (d->op) {
        case TCVM__D_CORE_MODULE:
            it.u.mod = k->modules[d->a];
            st = sp_push(x, TCVM__S_CORE_MODULE, it);
            break;
        case TCVM__D_CORE_INST: {
            const tcvm_module_t *m = x->sp[TCVM__S_CORE_MODULE][d->a].u.mod;
            size_t n = tcvm_module_import_count(m);
            tcvm_extern_t *imps = tcvm__calloc(n ? n : 1, sizeof *imps);
            if (!imps) return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
            for (size_t i = 0; i < n && st == TCVM_OK; i++) {
                tcvm_import_desc_t im;
                tcvm_module_import(m, i, &im);
                const tcvm__carg_t *a = NULL;
                for (uint32_t j = 0; j < d->nargs && !a; j++)
                    if (d->args[j].name_size == im.module_size &&
                        memcmp(d->args[j].name, im.module, im.module_size) == 0)
                        a = &d->args[j];
                if (!a || core_export(&x->sp[TCVM__S_CORE_INSTANCE][a->index], im.name,
                                      im.name_size, &imps[i]) != TCVM_OK)
                    st = tcvm__errorf(err, TCVM_EINTERNAL, "core import \"%.*s\" \"%.*s\" vanished",
                                      (int)im.module_size, im.module, (int)im.name_size, im.name);
            }
            tcvm_instance_t *inst = NULL;
            if (st == TCVM_OK) {
                tcvm_error_t ie = {0};
                st = tcvm_instance_new(ci->store, m, imps, n, &inst, &ie);
                if (st != TCVM_OK)
                    tcvm__errorf(err, st, "instantiating core module %" PRIu32 ": %s", d->a,
                                 ie.message);
            }
            tcvm__free(imps);
            if (st != TCVM_OK) break;
            rcore_t *rc = rcore_new(ci, 0);
            if (!rc) return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
            rc->inst = inst;
            it.u.rc = rc;
            st = sp_push(x, TCVM__S_CORE_INSTANCE, it);
            break;
        }
        case TCVM__D_CORE_INST_EXP: {
            rcore_t *rc = rcore_new(ci, d->nargs);
            if (!rc) return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
            for (uint32_t i = 0; i < d->nargs; i++) {
                rc->names[i] = d->args[i].name;
                rc->name_sizes[i] = d->args[i].name_size;
                rc->items[i] = x->sp[d->args[i].sort][d->args[i].index].u.core;
            }
            it.u.rc = rc;
            st = sp_push(x, TCVM__S_CORE_INSTANCE, it);
            break;
        }
        case TCVM__D_COMPONENT:
            it.u.comp = k->nested[d->a];
            it.env = x;
            st = sp_push(x, TCVM__S_COMPONENT, it);
            break;
        case TCVM__D_INST:
        case TCVM__D_INST_EXP: {
            rinst_t *args = rinst_new(ci, d->nargs);
            if (!args) return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
            for (uint32_t i = 0; i < d->nargs; i++) {
                args->names[i] = d->args[i].name;
                args->name_sizes[i] = d->args[i].name_size;
                item_of(x, d->args[i].sort, d->args[i].index, &args->items[i]);
                args->items[i].sort = d->args[i].sort;
            }
            if (d->op == TCVM__D_INST_EXP) {
                it.u.inst = args;
            } else {
                const ritem_t *ch = &x->sp[TCVM__S_COMPONENT][d->a];
                const tcvm_component_t *child = ch->u.comp;
                cctx_t *y = cctx_new(ci, x, child);
                if (!y) return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
                y->env = ch->env;
                provider_t npv = {NULL, args};
                st = instantiate(ci, y, child, &npv, err);
                if (st != TCVM_OK) break;
                it.u.inst = y->exports;
                /* the child's resources, under the ids this component knows them by */
                for (uint32_t q = 0; st == TCVM_OK && q < d->nfresh; q++)
                    st = bind_res(x, d->fresh_to[q], lookup_res(y, d->fresh_from[q]));
            }
            st = sp_push(x, TCVM__S_INSTANCE, it);
            break;
        }
        case TCVM__D_ALIAS_CORE_EXPORT: {
            tcvm_extern_t e;
            if (core_export(&x->sp[TCVM__S_CORE_INSTANCE][d->a], d->name, d->name_size, &e) !=
                TCVM_OK)
                return tcvm__errorf(err, TCVM_EINTERNAL, "core export \"%s\" vanished", d->name);
            st = push_core(x, e);
            break;
        }
        case TCVM__D_ALIAS_EXPORT: {
            const ritem_t *src =
                rinst_find(x->sp[TCVM__S_INSTANCE][d->a].u.inst, d->name, d->name_size);
            if (!src) {
                /* value types exported by host interfaces carry nothing at run time */
                if (d->sort != TCVM__S_TYPE)
                    return tcvm__errorf(err, TCVM_COMP_UNLINKABLE,
                                        "instance export \"%s\" is "
                                        "missing",
                                        d->name);
            } else {
                it = *src;
            }
            if (d->sort == TCVM__S_TYPE && d->res) st = bind_res(x, d->res, it.u.rt);
            if (st == TCVM_OK) st = sp_push(x, d->sort, it);
            break;
        }
        case TCVM__D_ALIAS_OUTER:
            if (d->sort == TCVM__S_COMPONENT || d->sort == TCVM__S_CORE_MODULE) {
                /* d->a enclosing components out: where this component was defined, and so on */
                const cctx_t *o = x;
                for (uint32_t q = 0; q < d->a && o; q++)
                    o = o->env;
                if (!o || d->b >= o->nsp[d->sort])
                    return tcvm__errorf(err, TCVM_EINTERNAL, "outer alias %" PRIu32 " %" PRIu32
                                        " has no enclosing instance", d->a, d->b);
                it = o->sp[d->sort][d->b];
            } else if (d->sort == TCVM__S_TYPE && d->res)
                it.u.rt = lookup_res(x->parent, d->res);
            if (d->sort == TCVM__S_TYPE && d->res) st = bind_res(x, d->res, it.u.rt);
            if (st == TCVM_OK) st = sp_push(x, d->sort, it);
            break;
        case TCVM__D_LIFT: {
            rfunc_t *f = rfunc_new(ci);
            if (!f) return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
            f->kind = RF_LIFTED;
            f->type = d->func;
            f->inst = x;
            f->core = x->sp[TCVM__S_CORE_FUNC][d->a].u.core.of.func;
            resolve_opts(x, &d->opts, &f->opts);
            it.u.func = f;
            st = sp_push(x, TCVM__S_FUNC, it);
            break;
        }
        case TCVM__D_LOWER:
        case TCVM__D_RES_NEW:
        case TCVM__D_RES_DROP:
        case TCVM__D_RES_REP:
            st = make_trampoline(ci, x, d, err);
            break;
        case TCVM__D_RESOURCE: {
            tcvm__rtype_t *rt = tcvm__calloc(1, sizeof *rt);
            if (!rt) return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
            if (ci->nrtypes == ci->crtypes) {
                uint32_t nc = ci->crtypes ? ci->crtypes * 2 : 8;
                tcvm__rtype_t **nr = tcvm__reallocarray(ci->rtypes, nc, sizeof *nr);
                if (!nr) {
                    tcvm__free(rt);
                    return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
                }
                ci->rtypes = nr;
                ci->crtypes = nc;
            }
            ci->rtypes[ci->nrtypes++] = rt;
            rt->id = d->res;
            rt->impl = x;
            if (d->b) rt->dtor = x->sp[TCVM__S_CORE_FUNC][d->b - 1].u.core.of.func;
            st = bind_res(x, d->res, rt);
            it.u.rt = rt;
            if (st == TCVM_OK) st = sp_push(x, TCVM__S_TYPE, it);
            break;
        }
        case TCVM__D_TYPE:
            st = sp_push(x, TCVM__S_TYPE, it);
            break;
        case TCVM__D_IMPORT:
            st = resolve_import(ci, x, pv, &d->ext, &it, err);
            if (st != TCVM_OK) break;
            if (d->sort == TCVM__S_TYPE && d->ext.td.kind == TCVM__TD_RESOURCE)
                st = bind_res(x, d->ext.td.resource, it.u.rt);
            if (st == TCVM_OK && d->sort == TCVM__S_INSTANCE)
                st = bind_inst_resources(x, d->ext.td.inst, it.u.inst);
            if (st == TCVM_OK) st = sp_push(x, d->sort, it);
            break;
        case TCVM__D_EXPORT: {
            item_of(x, d->sort, d->a, &it);
            rinst_t *ex = x->exports;
            uint32_t n = ex ? ex->count : 0;
            rinst_t *nx = rinst_new(ci, n + 1);
            if (!nx) return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
            for (uint32_t i = 0; i < n; i++) {
                nx->names[i] = ex->names[i];
                nx->name_sizes[i] = ex->name_sizes[i];
                nx->items[i] = ex->items[i];
            }
            nx->names[n] = d->name;
            nx->name_sizes[n] = d->name_size;
            nx->items[n] = it;
            nx->items[n].sort = d->sort;
            x->exports = nx;
            if (d->sort == TCVM__S_TYPE && d->res) st = bind_res(x, d->res, it.u.rt);
            if (st == TCVM_OK) st = sp_push(x, d->sort, it);
            break;
        }
        default:
            return tcvm__errorf(err, TCVM_EINTERNAL, "unknown definition");
        }
        if (st == TCVM_ENOMEM && (!err || err->status == TCVM_OK))
            tcvm__errorf(err, st, "out of memory");
    }
    if (st == TCVM_OK && !x->exports) {
        x->exports = rinst_new(ci, 0);
        if (!x->exports) return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    }
    return st;
}

tcvm_status_t tcvm_cinstance_new(tcvm_engine_t *engine, const tcvm_component_t *component,
                                 const tcvm_clinker_t *linker,
                                 const tcvm_cinstance_config_t *config,
                                 tcvm_cinstance_t **out_instance, tcvm_error_t *err)
{
    tcvm__error_clear(err);
    if (!engine || !component || !out_instance)
        return tcvm__errorf(err, TCVM_EINVAL, "invalid argument");
    if (component->engine != engine)
        return tcvm__errorf(err, TCVM_EINVAL, "the component was compiled with another engine");
    tcvm_cinstance_t *ci = tcvm__calloc(1, sizeof *ci);
    if (!ci) return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    ci->comp = component;
    tcvm_status_t st = tcvm_store_new(engine, config ? &config->limits : NULL, &ci->store);
    if (st != TCVM_OK) {
        tcvm__free(ci);
        return tcvm__errorf(err, st, "cannot make a store");
    }
    uint64_t fuel = config && config->fuel ? config->fuel : UINT64_MAX;
    (void)tcvm_store_set_fuel(ci->store, fuel); /* fails harmlessly without fuel metering */
    ci->root = cctx_new(ci, NULL, component);
    if (!ci->root) {
        tcvm_cinstance_free(ci);
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    }
    provider_t pv = {linker, NULL};
    st = instantiate(ci, ci->root, component, &pv, err);
    if (st != TCVM_OK) {
        if (err && err->status == TCVM_OK) {
            const tcvm_error_t *se = tcvm_store_error(ci->store);
            if (se->status != TCVM_OK)
                tcvm__error_copy(err, se);
            else
                tcvm__errorf(err, st, "%s", tcvm_status_message(st));
        }
        tcvm_cinstance_free(ci);
        return st;
    }
    *out_instance = ci;
    return TCVM_OK;
}

static void drop_all_handles(tcvm_cinstance_t *ci, tcvm__htable_t *t)
{
    for (uint32_t i = 1; i < t->count; i++) {
        tcvm__handle_t *h = &t->slots[i];
        if (h->rt && h->own && !h->rt->impl && h->rt->host_dtor)
            h->rt->host_dtor(h->rt->host_env, h->rep);
    }
    (void)ci;
    tcvm__htable_free(t);
}

void tcvm_cinstance_free(tcvm_cinstance_t *ci)
{
    if (!ci) return;
    for (cctx_t *x = ci->all_cctx, *n; x; x = n) {
        n = x->next_all;
        drop_all_handles(ci, &x->handles);
        for (int s = 0; s < TCVM__S_COUNT; s++)
            tcvm__free(x->sp[s]);
        tcvm__free(x->binds);
        tcvm__free(x);
    }
    drop_all_handles(ci, &ci->host);
    for (rfunc_t *f = ci->all_funcs, *n; f; f = n) {
        n = f->next;
        tcvm__free(f);
    }
    for (rinst_t *r = ci->all_insts, *n; r; r = n) {
        n = r->next;
        tcvm__free(r->names);
        tcvm__free(r->name_sizes);
        tcvm__free(r->items);
        tcvm__free(r);
    }
    for (rcore_t *r = ci->all_cores, *n; r; r = n) {
        n = r->next;
        tcvm__free(r->names);
        tcvm__free(r->name_sizes);
        tcvm__free(r->items);
        tcvm__free(r);
    }
    for (uint32_t i = 0; i < ci->nrtypes; i++)
        tcvm__free(ci->rtypes[i]);
    tcvm__free(ci->rtypes);
    tcvm_store_free(ci->store);
    tcvm__free(ci);
}

const tcvm_error_t *tcvm_cinstance_error(const tcvm_cinstance_t *ci)
{
    return &ci->error;
}
tcvm_store_t *tcvm_cinstance_store(tcvm_cinstance_t *ci)
{
    return ci->store;
}
bool tcvm_cinstance_usable(const tcvm_cinstance_t *ci)
{
    return !ci->poisoned;
}

tcvm_cfunc_t *tcvm_cinstance_func(tcvm_cinstance_t *ci, const char *name)
{
    if (!ci || !name) return NULL;
    const char *hash = strchr(name, '#');
    const rinst_t *ex = ci->root->exports;
    const ritem_t *it;
    if (hash) {
        it = rinst_find(ex, name, (size_t)(hash - name));
        if (!it || it->sort != TCVM__S_INSTANCE) return NULL;
        it = rinst_find(it->u.inst, hash + 1, strlen(hash + 1));
    } else {
        it = rinst_find(ex, name, strlen(name));
    }
    if (!it || it->sort != TCVM__S_FUNC) return NULL;
    return it->u.func;
}

const tcvm_cfunctype_t *tcvm_cfunc_type(const tcvm_cfunc_t *f)
{
    return f->type;
}

tcvm_status_t tcvm_cfunc_call(tcvm_cinstance_t *ci, tcvm_cfunc_t *f, const tcvm_cval_t *args,
                              size_t arg_count, tcvm_cval_t *out_result)
{
    tcvm_status_t st;
    if (!ci || !f) return TCVM_EINVAL;
    tcvm__error_clear(&ci->error);
    const tcvm_cfunctype_t *ft = f->type;
    if (arg_count != ft->param_count)
        return ierr(ci, TCVM_WASM_TYPE, "expected %" PRIu32 " arguments, got %zu", ft->param_count,
                    arg_count);
    if (ft->result && !out_result)
        return ierr(ci, TCVM_EINVAL, "the function has a result: out_result is needed");
    if (ci->poisoned)
        return ierr(ci, TCVM_ESTATE, "the instance trapped earlier and cannot be called again");
    for (size_t i = 0; i < arg_count; i++) {
        tcvm_error_t e;
        if ((st = tcvm_cval_check(ft->params[i].type, &args[i], &e)) != TCVM_OK)
            return ierr(ci, st, "argument %zu (%s): %s", i, ft->params[i].label, e.message);
    }
    /* own handles given by the embedder move in; borrows are lent for the call */
    tcvm_cval_t vbuf[16], *vals = arg_count <= 16 ? vbuf : tcvm__calloc(arg_count, sizeof *vals);
    if (!vals) return ierr(ci, TCVM_ENOMEM, "out of memory");
    size_t copied = 0;
    st = TCVM_OK;
    callctx_t scope = {0};
    cctx_t *x = f->kind == RF_LIFTED ? f->inst : ci->root;
    for (; copied < arg_count && st == TCVM_OK; copied++) {
        st = tcvm_cval_copy(&args[copied], &vals[copied]);
        if (st == TCVM_OK)
            st = convert_handles(ci, x, ft->params[copied].type, &vals[copied], false, &scope);
        if (st != TCVM_OK) copied++;
    }
    tcvm_cval_t r = {0};
    if (st == TCVM_OK) st = call_func(ci, f, NULL, vals, &r);
    scope_end(&scope);
    tcvm_cval_clear_array(vals, copied);
    if (vals != vbuf) tcvm__free(vals);
    if (st == TCVM_OK && ft->result) {
        st = convert_handles(ci, x, ft->result, &r, true, NULL);
        if (st != TCVM_OK)
            tcvm_cval_clear(&r);
        else
            *out_result = r;
    }
    return st;
}

/* ---- the embedder's handles ------------------------------------------------------------ */

tcvm_status_t tcvm_cinstance_resource_new(tcvm_cinstance_t *ci, const char *iface, const char *name,
                                          uint32_t rep, uint32_t *out_handle)
{
    /* find the host resource type bound in the root context under that import */
    if (!ci || !name) return TCVM_EINVAL;
    const tcvm_component_t *k = ci->comp;
    for (uint32_t i = 0; i < k->import_count; i++) {
        const tcvm__cext_t *e = &k->imports[i];
        uint32_t id = 0;
        if (!iface && e->sort == TCVM__S_TYPE && e->td.kind == TCVM__TD_RESOURCE &&
            strlen(name) == e->name_size && memcmp(name, e->name, e->name_size) == 0)
            id = e->td.resource;
        if (iface && e->sort == TCVM__S_INSTANCE && strlen(iface) == e->name_size &&
            memcmp(iface, e->name, e->name_size) == 0) {
            for (uint32_t j = 0; j < e->td.inst->count; j++) {
                const tcvm__cext_t *m = &e->td.inst->exports[j];
                if (m->sort == TCVM__S_TYPE && m->td.kind == TCVM__TD_RESOURCE &&
                    strlen(name) == m->name_size && memcmp(name, m->name, m->name_size) == 0)
                    id = m->td.resource;
            }
        }
        if (!id) continue;
        tcvm__rtype_t *rt = lookup_res(ci->root, id);
        if (!rt) return TCVM_ENOENT;
        tcvm__handle_t h = {0};
        h.rt = rt, h.rep = rep, h.own = true;
        return tcvm__htable_add(&ci->host, h, out_handle);
    }
    return TCVM_ENOENT;
}

tcvm_status_t tcvm_cinstance_resource_rep(tcvm_cinstance_t *ci, uint32_t handle, uint32_t *out_rep)
{
    tcvm__handle_t *h = tcvm__htable_get(&ci->host, handle);
    if (!h) return TCVM_ENOENT;
    if (h->rt->impl) return TCVM_EPERM; /* a component's resource: its rep is not the host's */
    *out_rep = h->rep;
    return TCVM_OK;
}

tcvm_status_t tcvm_cinstance_resource_drop(tcvm_cinstance_t *ci, uint32_t handle)
{
    tcvm__handle_t *h = tcvm__htable_get(&ci->host, handle);
    if (!h) return TCVM_ENOENT;
    if (h->lends) return TCVM_EPERM;
    tcvm__handle_t copy = *h;
    tcvm__htable_remove(&ci->host, handle);
    if (!copy.own) return TCVM_OK;
    if (copy.rt->impl && copy.rt->dtor) {
        if (copy.rt->impl->entered) return TCVM_ESTATE;
        tcvm_val_t rep = tcvm_val_i32((int32_t)copy.rep);
        tcvm_status_t st = tcvm_func_call(ci->store, copy.rt->dtor, &rep, 1, NULL, 0);
        if (st != TCVM_OK) {
            copy_store_error(ci, st);
            poison(ci, st);
        }
        return st;
    }
    if (!copy.rt->impl && copy.rt->host_dtor) copy.rt->host_dtor(copy.rt->host_env, copy.rep);
    return TCVM_OK;
}

/* ---- host calls ------------------------------------------------------------------------ */

tcvm_cinstance_t *tcvm_ccall_instance(tcvm_ccall_t *call)
{
    return call->inst;
}

tcvm_status_t tcvm_ccall_trapf(tcvm_ccall_t *call, const char *fmt, ...)
{
    char msg[TCVM_ERROR_MSG_SIZE - 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tcvm__errorf(&call->inst->error, TCVM_TRAP_HOST, "trap in host function: %s", msg);
}
