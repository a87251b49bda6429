/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to the component decoder (decode.c, decode_core.c): the scopes of static index
 * spaces, the decoder state, the error macros, and the helpers both files use. The short names
 * are macros for tcvm__cd_-prefixed symbols.
 */
#ifndef TCVM_COMPONENT_DECODE_INTERNAL_H
#define TCVM_COMPONENT_DECODE_INTERNAL_H

#include "component/comp_internal.h"

#define palloc tcvm__cd_palloc
#define fail_at tcvm__cd_fail_at
#define grow tcvm__cd_grow
#define rd_u8 tcvm__cd_rd_u8
#define rd_u32 tcvm__cd_rd_u32
#define rd_count tcvm__cd_rd_count
#define rd_name tcvm__cd_rd_name
#define rd_core_sort tcvm__cd_rd_core_sort
#define check_idx tcvm__cd_check_idx
#define add_item tcvm__cd_add_item
#define add_def tcvm__cd_add_def
#define sort_name tcvm__cd_sort_name
#define space_size tcvm__cd_space_size
#define rd_core_type tcvm__cd_rd_core_type
#define rd_core_instance tcvm__cd_rd_core_instance
#define module_type tcvm__cd_module_type
#define rd_core_functype tcvm__cd_rd_core_functype

typedef struct core_ext {
    const char *name;
    size_t name_size;
    tcvm_externtype_t type;
} core_ext_t;

typedef struct core_inst {
    core_ext_t *exps;
    uint32_t count;
} core_inst_t;

typedef struct scope scope_t;
struct scope {
    scope_t *parent;
    tcvm_component_t *comp; /* NULL for a type declarator */
    tcvm__tdef_t *types;
    uint32_t ntypes, ctypes;
    tcvm__tdef_t *core_types;
    uint32_t ncore_types, ccore_types;
    const tcvm_cfunctype_t **funcs;
    uint32_t nfuncs, cfuncs;
    const tcvm_cinsttype_t **insts;
    uint32_t ninsts, cinsts;
    const tcvm__ccomptype_t **comps;
    const tcvm_component_t **comp_defs;
    uint32_t ncomps, ccomps, ccomp_defs;
    tcvm_functype_t *core_funcs;
    uint32_t ncore_funcs, ccore_funcs;
    uint32_t ncore_tables, ncore_memories, ncore_globals;
    tcvm_memtype_t *mems;
    uint32_t cmems;
    tcvm_tabletype_t *tables;
    uint32_t ctables;
    tcvm_globaltype_t *globals;
    uint32_t cglobals;
    core_inst_t *core_insts;
    uint32_t ncore_insts, ccore_insts;
    const tcvm__coremod_t **mods; /* module (NULL for imported ones) and its type */
    uint32_t nmods, cmods;
    /* names already imported / exported (uniqueness), with their sets for the checks */
    tcvm__cext_t *imports;
    uint32_t nimports, cimports;
    tcvm__cext_t *exports;
    uint32_t nexports, cexports;
    tcvm__keyset_t import_names, export_names;
    /* external visibility: the types this component (or component type) named so far; not
     * checked in instance types (checked where an instance of one is imported or exported) */
    bool check_names;
    tcvm__named_t named;
};

typedef struct dec {
    tcvm_component_t *root;
    tcvm_engine_t *engine;
    tcvm_error_t *err;
    tcvm_component_where_t *where;
    const uint8_t *base;
    int section;
    unsigned nesting;
    uint32_t tags; /* resource naming tags handed out (tcvm__tdef_t.tag) */
    bool failed;
} dec_t;

tcvm_status_t fail_at(dec_t *d, const tcvm_cursor_t *c, size_t at, tcvm_status_t st,
                      const char *fmt, ...) TCVM__PRINTF(5, 6);
void *palloc(tcvm_component_t *root, size_t size);
tcvm_status_t grow(dec_t *d, const tcvm_cursor_t *c, void **arr, uint32_t n, uint32_t *cap,
                   size_t elem);
tcvm_status_t rd_u8(dec_t *d, tcvm_cursor_t *c, uint8_t *out);
tcvm_status_t rd_u32(dec_t *d, tcvm_cursor_t *c, uint32_t *out);
tcvm_status_t rd_count(dec_t *d, tcvm_cursor_t *c, uint32_t *out);
tcvm_status_t rd_name(dec_t *d, tcvm_cursor_t *c, const char **out, size_t *out_size);
tcvm_status_t rd_core_sort(dec_t *d, tcvm_cursor_t *c, uint8_t *out);
const char *sort_name(uint8_t s);
uint32_t space_size(const scope_t *s, uint8_t sort);
tcvm_status_t check_idx(dec_t *d, tcvm_cursor_t *c, const scope_t *s, uint8_t sort, uint32_t idx);
tcvm_status_t add_def(dec_t *d, tcvm_cursor_t *c, scope_t *s, const tcvm__cdef_t *def);
tcvm_status_t add_item(dec_t *d, tcvm_cursor_t *c, scope_t *s, uint8_t sort, const tcvm__tdef_t *td,
                       const tcvm_externtype_t *core, const tcvm_component_t *comp_def,
                       const tcvm_module_t *mod);

/* decode_core.c */
tcvm_status_t rd_core_functype(dec_t *d, tcvm_cursor_t *c, tcvm__tdef_t *out);
tcvm_status_t rd_core_type(dec_t *d, tcvm_cursor_t *c, scope_t *s);
tcvm_status_t rd_core_instance(dec_t *d, tcvm_cursor_t *c, scope_t *s);
tcvm_status_t module_type(dec_t *d, tcvm_cursor_t *c, const tcvm_module_t *m,
                          const tcvm__coremod_t **out);

#define FAIL(st, ...) fail_at(d, c, c->pos, st, __VA_ARGS__)
#define MALFORMED(...) FAIL(TCVM_COMP_MALFORMED, __VA_ARGS__)
#define INVALID(...) FAIL(TCVM_COMP_INVALID, __VA_ARGS__)
#define FEATURE(...) FAIL(TCVM_COMP_FEATURE, __VA_ARGS__)
#define TRY(x)                                                                                     \
    do {                                                                                           \
        tcvm_status_t st_ = (x);                                                                   \
        if (st_ != TCVM_OK) return st_;                                                            \
    } while (0)

#define PUSH(arr, n, cap, item)                                                                    \
    do {                                                                                           \
        TRY(grow(d, c, (void **)&(arr), (n), &(cap), sizeof *(arr)));                              \
        (arr)[(n)++] = (item);                                                                     \
    } while (0)

#endif
