/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the component layer: decodes and validates the input as a component
 * (tcvm_component_validate and tcvm_component_new must agree), describes it as WIT,
 * instantiates it with every import satisfied by the embedder (host functions returning default
 * values of their result types, host resources), and calls every exported function, at the top
 * level and inside exported interfaces, with default-valued arguments; results are printed as
 * WAVE and parsed back. Fuel, a small call depth and small memory caps make every input end
 * quickly. Seeds: tests/fuzz/seeds/component/.
 */
#include "tcvm/component.h"
#include "tcvm/wasm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_FUEL 50000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static tcvm_engine_t *engine;

/* A default value of a type (zeros, first cases, empty lists and strings). */
static bool default_val(const tcvm_ctype_t *t, tcvm_cval_t *out, unsigned depth)
{
    tcvm_ctype_kind_t k = tcvm_ctype_kind(t);
    memset(out, 0, sizeof *out);
    if (depth > 200) return false;
    switch (k) {
    case TCVM_CT_STRING:
        return tcvm_cval_string("", 0, out) == TCVM_OK;
    case TCVM_CT_LIST:
        return tcvm_cval_seq(k, 0, out) == TCVM_OK;
    case TCVM_CT_RECORD:
    case TCVM_CT_TUPLE: {
        size_t n = tcvm_ctype_count(t);
        if (tcvm_cval_seq(k, n, out) != TCVM_OK) return false;
        for (size_t i = 0; i < n; i++) {
            if (!default_val(tcvm_ctype_member(t, i), &out->of.seq.items[i], depth + 1)) {
                tcvm_cval_clear(out);
                return false;
            }
        }
        return true;
    }
    case TCVM_CT_VARIANT:
    case TCVM_CT_ENUM:
    case TCVM_CT_OPTION:
    case TCVM_CT_RESULT: {
        const tcvm_ctype_t *p = tcvm_ctype_member(t, 0);
        tcvm_cval_t pv;
        if (p && !default_val(p, &pv, depth + 1)) return false;
        if (tcvm_cval_case(k, 0, p ? &pv : NULL, out) != TCVM_OK) {
            if (p) tcvm_cval_clear(&pv);
            return false;
        }
        return true;
    }
    case TCVM_CT_CHAR:
        *out = tcvm_cval_char('a');
        return true;
    case TCVM_CT_OWN:
    case TCVM_CT_BORROW:
        return false; /* no handle to give */
    default:
        out->kind = k;
        return true;
    }
}

static tcvm_status_t host_default(void *env, tcvm_ccall_t *call, const tcvm_cval_t *args, size_t n,
                                  tcvm_cval_t *result)
{
    (void)call;
    (void)args;
    (void)n;
    const tcvm_cfunctype_t *ft = env;
    const tcvm_ctype_t *rt = tcvm_cfunctype_result(ft);
    if (!rt) return TCVM_OK;
    return default_val(rt, result, 0) ? TCVM_OK : TCVM_TRAP_HOST;
}

static void define_imports(tcvm_clinker_t *l, const tcvm_component_t *c)
{
    char iface[512], name[512];
    for (size_t i = 0; i < tcvm_component_import_count(c); i++) {
        tcvm_cextern_desc_t d;
        if (tcvm_component_import(c, i, &d) != TCVM_OK) abort();
        snprintf(name, sizeof name, "%.*s", (int)d.name_size, d.name);
        if (d.kind == TCVM_CEXTERN_FUNC) {
            tcvm_clinker_define_func(l, NULL, name, host_default, (void *)d.func, NULL);
        } else if (d.kind == TCVM_CEXTERN_TYPE && d.resource) {
            tcvm_clinker_define_resource(l, NULL, name, NULL, NULL);
        } else if (d.kind == TCVM_CEXTERN_INSTANCE) {
            snprintf(iface, sizeof iface, "%s", name);
            for (size_t j = 0; j < tcvm_cinsttype_export_count(d.instance); j++) {
                tcvm_cextern_desc_t e;
                if (tcvm_cinsttype_export(d.instance, j, &e) != TCVM_OK) abort();
                snprintf(name, sizeof name, "%.*s", (int)e.name_size, e.name);
                if (e.kind == TCVM_CEXTERN_FUNC)
                    tcvm_clinker_define_func(l, iface, name, host_default, (void *)e.func, NULL);
                else if (e.kind == TCVM_CEXTERN_TYPE && e.resource)
                    tcvm_clinker_define_resource(l, iface, name, NULL, NULL);
            }
        }
    }
}

static void call(tcvm_cinstance_t *inst, const char *name)
{
    tcvm_cfunc_t *f = tcvm_cinstance_func(inst, name);
    if (!f) abort(); /* listed as an export */
    const tcvm_cfunctype_t *ft = tcvm_cfunc_type(f);
    size_t n = tcvm_cfunctype_param_count(ft);
    tcvm_cval_t args[16];
    if (n > 16) return;
    size_t made = 0;
    for (; made < n; made++)
        if (!default_val(tcvm_cfunctype_param(ft, made), &args[made], 0)) break;
    if (made == n) {
        tcvm_cval_t r;
        const tcvm_ctype_t *rt = tcvm_cfunctype_result(ft);
        if (tcvm_cfunc_call(inst, f, args, n, rt ? &r : NULL) == TCVM_OK && rt) {
            char *text = tcvm_wave_print(rt, &r);
            if (text) {
                tcvm_cval_t back;
                tcvm_error_t err;
                bool handles = false;
                for (const char *p = text; *p && !handles; p++)
                    handles = strncmp(p, "own<", 4) == 0 || strncmp(p, "borrow<", 7) == 0;
                if (!handles) {
                    if (tcvm_wave_parse(rt, text, strlen(text), &back, &err) != TCVM_OK) abort();
                    if (!tcvm_cval_equal(&r, &back)) abort();
                    tcvm_cval_clear(&back);
                }
                tcvm_ctext_free(text);
            }
            tcvm_cval_clear(&r);
        }
    }
    tcvm_cval_clear_array(args, made);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!engine) {
        tcvm_engine_config_t cfg = {0};
        cfg.fuel = true;
        if (tcvm_engine_new(&cfg, &engine) != TCVM_OK) abort();
    }
    tcvm_error_t err;
    tcvm_component_where_t where;
    tcvm_status_t vst = tcvm_component_validate(data, size, &err, &where);
    tcvm_component_t *c = NULL;
    tcvm_status_t st = tcvm_component_new(engine, data, size, &c, &err, &where);
    if ((vst == TCVM_OK) != (st == TCVM_OK)) abort();
    if (st != TCVM_OK) {
        if (err.message[0] == '\0') abort(); /* every failure says why */
        return 0;
    }
    char *wit = tcvm_component_to_wit(c);
    tcvm_ctext_free(wit);
    tcvm_clinker_t *l;
    if (tcvm_clinker_new(&l) != TCVM_OK) abort();
    define_imports(l, c);
    tcvm_cinstance_config_t icfg;
    memset(&icfg, 0, sizeof icfg);
    icfg.fuel = FUZZ_FUEL;
    icfg.limits.max_memory_pages = 64;
    icfg.limits.max_call_depth = 200;
    icfg.limits.stack_slots = 1 << 14;
    icfg.limits.max_table_elems = 10000;
    tcvm_cinstance_t *inst = NULL;
    if (tcvm_cinstance_new(engine, c, l, &icfg, &inst, &err) == TCVM_OK) {
        char name[1024];
        for (size_t i = 0; i < tcvm_component_export_count(c); i++) {
            tcvm_cextern_desc_t d;
            if (tcvm_component_export(c, i, &d) != TCVM_OK) abort();
            if (d.kind == TCVM_CEXTERN_FUNC) {
                snprintf(name, sizeof name, "%.*s", (int)d.name_size, d.name);
                if (strlen(name) == d.name_size && !strchr(name, '#')) call(inst, name);
            } else if (d.kind == TCVM_CEXTERN_INSTANCE) {
                for (size_t j = 0; j < tcvm_cinsttype_export_count(d.instance); j++) {
                    tcvm_cextern_desc_t e;
                    if (tcvm_cinsttype_export(d.instance, j, &e) != TCVM_OK) abort();
                    if (e.kind != TCVM_CEXTERN_FUNC) continue;
                    snprintf(name, sizeof name, "%.*s#%.*s", (int)d.name_size, d.name,
                             (int)e.name_size, e.name);
                    if (strlen(name) == d.name_size + 1 + e.name_size) call(inst, name);
                }
            }
        }
        tcvm_cinstance_free(inst);
    }
    tcvm_clinker_free(l);
    tcvm_component_free(c);
    return 0;
}
