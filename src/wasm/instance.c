/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Instantiation: checks each import against the module's declared type, creates the module's
 * own functions, globals, tables and memories in the store, evaluates constant expressions,
 * applies the active element and data segments in order and runs the start function, as the
 * specification's instantiation algorithm does. An instance is linked into its store before any
 * segment is applied, so functions that a failed instantiation already wrote into an imported
 * table stay valid for as long as the store lives.
 */
#include "wasm/wasm_internal.h"

static const char *kind_name(tcvm_externkind_t k)
{
    return tcvm_externkind_name(k);
}

/* limits {min, max} of an object match the import's {min', max'}: min >= min' and, when the
 * import has a maximum, the object has one no larger */
static bool limits_match(uint32_t min, bool has_max, uint32_t max, const tcvm_limits_t *want)
{
    if (min < want->min)
        return false;
    if (want->has_max && (!has_max || max > want->max))
        return false;
    return true;
}

static uint64_t const_value(const tcvm_instance_t *inst, const wconst_t *k)
{
    switch (k->kind) {
    case WCONST_VALUE:
        return k->value;
    case WCONST_GLOBAL:
        return *inst->globals[k->index];
    case WCONST_FUNC:
        return (uint64_t)(uintptr_t)inst->funcs[k->index];
    }
    return 0;
}

static tcvm_status_t link_import(tcvm_store_t *s, tcvm_instance_t *inst, uint32_t i,
                                 const tcvm_extern_t *ext, tcvm_error_t *err)
{
    const tcvm_module_t *m = inst->module;
    const wimport_t *im = &m->imports[i];
    if (ext->kind != im->kind)
        return tcvm__errorf(err, TCVM_WASM_UNLINKABLE, "incompatible import type: import %u "
                            "\"%s\" \"%s\" is a %s, got a %s", i, im->module, im->name,
                            kind_name(im->kind), kind_name(ext->kind));
    switch (im->kind) {
    case TCVM_EXTERN_FUNC: {
        tcvm_func_t *f = ext->of.func;
        if (f == NULL || f->store != s)
            return tcvm__errorf(err, TCVM_WASM_UNLINKABLE, "import %u \"%s\" \"%s\": function "
                                "missing or from another store", i, im->module, im->name);
        if (!tcvm__functype_equal(f->type, &m->types[im->type_index]))
            return tcvm__errorf(err, TCVM_WASM_UNLINKABLE, "incompatible import type: function "
                                "import %u \"%s\" \"%s\" has a different signature", i,
                                im->module, im->name);
        inst->funcs[im->index] = f;
        return TCVM_OK;
    }
    case TCVM_EXTERN_TABLE: {
        tcvm_table_t *t = ext->of.table;
        const tcvm_tabletype_t *want = &im->type.of.table;
        if (t == NULL || t->store != s)
            return tcvm__errorf(err, TCVM_WASM_UNLINKABLE, "import %u \"%s\" \"%s\": table "
                                "missing or from another store", i, im->module, im->name);
        if (t->type.elem != want->elem ||
            !limits_match(t->rt.size, t->type.limits.has_max, t->type.limits.max, &want->limits))
            return tcvm__errorf(err, TCVM_WASM_UNLINKABLE, "incompatible import type: table "
                                "import %u \"%s\" \"%s\" (size %u) does not match its declared "
                                "type", i, im->module, im->name, t->rt.size);
        inst->tables[im->index] = t;
        return TCVM_OK;
    }
    case TCVM_EXTERN_MEMORY: {
        tcvm_memory_t *mem = ext->of.memory;
        const tcvm_memtype_t *want = &im->type.of.memory;
        if (mem == NULL || mem->store != s)
            return tcvm__errorf(err, TCVM_WASM_UNLINKABLE, "import %u \"%s\" \"%s\": memory "
                                "missing or from another store", i, im->module, im->name);
        if (!limits_match(mem->rt.pages, mem->type.limits.has_max, mem->type.limits.max,
                          &want->limits))
            return tcvm__errorf(err, TCVM_WASM_UNLINKABLE, "incompatible import type: memory "
                                "import %u \"%s\" \"%s\" (%u pages) does not match its declared "
                                "type", i, im->module, im->name, mem->rt.pages);
        inst->memories[im->index] = mem;
        return TCVM_OK;
    }
    case TCVM_EXTERN_GLOBAL: {
        tcvm_global_t *g = ext->of.global;
        const tcvm_globaltype_t *want = &im->type.of.global;
        if (g == NULL || g->store != s)
            return tcvm__errorf(err, TCVM_WASM_UNLINKABLE, "import %u \"%s\" \"%s\": global "
                                "missing or from another store", i, im->module, im->name);
        if (g->type.type != want->type || g->type.is_mutable != want->is_mutable)
            return tcvm__errorf(err, TCVM_WASM_UNLINKABLE, "incompatible import type: global "
                                "import %u \"%s\" \"%s\" is %s%s, declared %s%s", i, im->module,
                                im->name, g->type.is_mutable ? "mut " : "",
                                tcvm_valtype_name(g->type.type), want->is_mutable ? "mut " : "",
                                tcvm_valtype_name(want->type));
        inst->global_objs[im->index] = g;
        inst->globals[im->index] = &g->v.u64;
        return TCVM_OK;
    }
    }
    return TCVM_EINTERNAL;
}

static tcvm_status_t alloc_arrays(tcvm_instance_t *inst)
{
    const tcvm_module_t *m = inst->module;
    uint32_t nf = m->func_count - m->func_import_count;
    uint32_t ng = m->global_count - m->global_import_count;
    inst->funcs = tcvm__calloc(m->func_count + 1, sizeof *inst->funcs);
    inst->own_funcs = tcvm__calloc(nf + 1, sizeof *inst->own_funcs);
    inst->tables = tcvm__calloc(m->table_count + 1, sizeof *inst->tables);
    inst->memories = tcvm__calloc(m->memory_count + 1, sizeof *inst->memories);
    inst->global_objs = tcvm__calloc(m->global_count + 1, sizeof *inst->global_objs);
    inst->own_globals = tcvm__calloc(ng + 1, sizeof *inst->own_globals);
    inst->globals = tcvm__calloc(m->global_count + 1, sizeof *inst->globals);
    inst->type_ids = tcvm__calloc(m->type_count + 1, sizeof *inst->type_ids);
    inst->elems = tcvm__calloc(m->elem_count + 1, sizeof *inst->elems);
    inst->datas = tcvm__calloc(m->data_count + 1, sizeof *inst->datas);
    if (inst->funcs == NULL || inst->own_funcs == NULL || inst->tables == NULL ||
        inst->memories == NULL || inst->global_objs == NULL || inst->own_globals == NULL ||
        inst->globals == NULL || inst->type_ids == NULL || inst->elems == NULL ||
        inst->datas == NULL)
        return TCVM_ENOMEM;
    return TCVM_OK;
}

/* Writes the active segments and runs start; traps leave earlier writes in place. */
static tcvm_status_t initialise(tcvm_store_t *s, tcvm_instance_t *inst, tcvm_error_t *err)
{
    const tcvm_module_t *m = inst->module;
    for (uint32_t i = 0; i < m->elem_count; i++) {
        const welem_t *e = &m->elems[i];
        welem_rt_t *rt = &inst->elems[i];
        if (e->mode != WSEG_ACTIVE) {
            if (e->mode == WSEG_DECLARATIVE)
                rt->count = 0;
            continue;
        }
        tcvm_table_t *t = inst->tables[e->table];
        uint64_t off = (uint32_t)const_value(inst, &e->offset);
        if (off + rt->count > t->rt.size)
            return tcvm__errorf(err, TCVM_TRAP_TABLE_OOB, "out of bounds table access: element "
                                "segment %u (%u items at %llu) does not fit table %u of %u", i,
                                rt->count, (unsigned long long)off, e->table, t->rt.size);
        if (rt->count > 0)
            memcpy(TCVM__TABLE_ELEMS(t) + off, rt->refs, (size_t)rt->count * sizeof *rt->refs);
        rt->count = 0; /* an applied active segment is dropped */
    }
    for (uint32_t i = 0; i < m->data_count; i++) {
        const wdata_t *d = &m->datas[i];
        wdata_rt_t *rt = &inst->datas[i];
        if (d->mode != WSEG_ACTIVE)
            continue;
        tcvm_memory_t *mem = inst->memories[d->memory];
        uint64_t off = (uint32_t)const_value(inst, &d->offset);
        if (off + d->size > mem->size)
            return tcvm__errorf(err, TCVM_TRAP_MEMORY_OOB, "out of bounds memory access: data "
                                "segment %u (%u bytes at %llu) does not fit memory of %llu bytes",
                                i, d->size, (unsigned long long)off,
                                (unsigned long long)mem->size);
        if (d->size > 0)
            memcpy(mem->rt.data + off, d->bytes, d->size);
        rt->size = 0;
    }
    if (m->has_start) {
        tcvm_status_t st = tcvm_func_call(s, inst->funcs[m->start], NULL, 0, NULL, 0);
        if (st != TCVM_OK) {
            tcvm__errorf(err, st, "start function %u: %s", m->start, s->error.message);
            return st;
        }
    }
    return TCVM_OK;
}

tcvm_status_t tcvm_instance_new(tcvm_store_t *store, const tcvm_module_t *module,
                                const tcvm_extern_t *imports, size_t import_count,
                                tcvm_instance_t **out_instance, tcvm_error_t *err)
{
    tcvm__error_clear(err);
    if (store == NULL || module == NULL || out_instance == NULL ||
        (imports == NULL && import_count > 0))
        return tcvm__errorf(err, TCVM_EINVAL, "store, module and out_instance are required");
    if (module->engine != store->engine)
        return tcvm__errorf(err, TCVM_EINVAL, "module and store belong to different engines");
    const tcvm_module_t *m = module;
    if (import_count != m->import_count)
        return tcvm__errorf(err, TCVM_WASM_UNLINKABLE, "module has %u imports, %zu given",
                            m->import_count, import_count);
    tcvm_instance_t *inst = tcvm__calloc(1, sizeof *inst);
    if (inst == NULL)
        return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
    inst->store = store;
    inst->module = (tcvm_module_t *)module;
    atomic_fetch_add(&inst->module->refs, 1);
    /* owned by the store from here on, whatever happens next */
    inst->next = store->instances;
    store->instances = inst;

    tcvm_status_t st = alloc_arrays(inst);
    if (st != TCVM_OK)
        return tcvm__errorf(err, st, "out of memory");
    for (uint32_t i = 0; i < m->type_count; i++)
        if ((st = tcvm__store_type_id(store, &m->types[i], &inst->type_ids[i])) != TCVM_OK)
            return tcvm__errorf(err, st, "out of memory");
    for (uint32_t i = 0; i < m->import_count; i++)
        if ((st = link_import(store, inst, i, &imports[i], err)) != TCVM_OK)
            return st;
    for (uint32_t i = m->func_import_count; i < m->func_count; i++) {
        tcvm_func_t *f = &inst->own_funcs[i - m->func_import_count];
        f->kind = FUNC_WASM;
        f->store = store;
        f->type = &m->types[m->func_types[i]];
        f->type_id = inst->type_ids[m->func_types[i]];
        f->instance = inst;
        f->code = &m->codes[i - m->func_import_count];
        inst->funcs[i] = f;
    }
    for (uint32_t i = m->global_import_count; i < m->global_count; i++) {
        tcvm_global_t *g = &inst->own_globals[i - m->global_import_count];
        g->type = m->globals[i].type;
        g->store = store;
        g->v.u64 = const_value(inst, &m->globals[i].init);
        inst->global_objs[i] = g;
        inst->globals[i] = &g->v.u64;
    }
    for (uint32_t i = m->table_import_count; i < m->table_count; i++)
        if ((st = tcvm__table_create(store, &m->tables[i], 0, &inst->tables[i], err)) != TCVM_OK)
            return st;
    for (uint32_t i = m->memory_import_count; i < m->memory_count; i++)
        if ((st = tcvm__memory_create(store, &m->memories[i], &inst->memories[i], err)) !=
            TCVM_OK)
            return st;
    inst->memory0 = m->memory_count > 0 ? inst->memories[0] : NULL;
    for (uint32_t i = 0; i < m->elem_count; i++) {
        const welem_t *e = &m->elems[i];
        welem_rt_t *rt = &inst->elems[i];
        rt->refs = tcvm__calloc(e->count ? e->count : 1, sizeof *rt->refs);
        if (rt->refs == NULL)
            return tcvm__errorf(err, TCVM_ENOMEM, "out of memory");
        for (uint32_t k = 0; k < e->count; k++)
            rt->refs[k] = const_value(inst, &e->items[k]);
        rt->count = e->count;
    }
    for (uint32_t i = 0; i < m->data_count; i++) {
        inst->datas[i].bytes = m->datas[i].bytes;
        inst->datas[i].size = m->datas[i].size;
    }
    if ((st = initialise(store, inst, err)) != TCVM_OK)
        return st;
    *out_instance = inst;
    return TCVM_OK;
}

tcvm_status_t tcvm_instance_export(const tcvm_instance_t *instance, const char *name,
                                   size_t name_size, tcvm_extern_t *out_extern)
{
    const tcvm_module_t *m = instance->module;
    for (uint32_t i = 0; i < m->export_count; i++) {
        const wexport_t *ex = &m->exports[i];
        if (ex->name_size != name_size || memcmp(ex->name, name, name_size) != 0)
            continue;
        out_extern->kind = ex->kind;
        switch (ex->kind) {
        case TCVM_EXTERN_FUNC:
            out_extern->of.func = instance->funcs[ex->index];
            break;
        case TCVM_EXTERN_TABLE:
            out_extern->of.table = instance->tables[ex->index];
            break;
        case TCVM_EXTERN_MEMORY:
            out_extern->of.memory = instance->memories[ex->index];
            break;
        case TCVM_EXTERN_GLOBAL:
            out_extern->of.global = instance->global_objs[ex->index];
            break;
        }
        return TCVM_OK;
    }
    return TCVM_WASM_NOT_FOUND;
}

tcvm_func_t *tcvm_instance_func(const tcvm_instance_t *instance, const char *name)
{
    tcvm_extern_t e;
    if (tcvm_instance_export(instance, name, strlen(name), &e) != TCVM_OK ||
        e.kind != TCVM_EXTERN_FUNC)
        return NULL;
    return e.of.func;
}

tcvm_memory_t *tcvm_instance_memory(const tcvm_instance_t *instance, const char *name)
{
    tcvm_extern_t e;
    if (tcvm_instance_export(instance, name, strlen(name), &e) != TCVM_OK ||
        e.kind != TCVM_EXTERN_MEMORY)
        return NULL;
    return e.of.memory;
}

const tcvm_module_t *tcvm_instance_module(const tcvm_instance_t *instance)
{
    return instance->module;
}
