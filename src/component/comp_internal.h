/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal shapes of the component layer, shared by its files: the type records (with the
 * canonical ABI layout computed once when a type is made), the decoded component (an ordered
 * list of definitions that instantiation replays, plus the index spaces validation filled), and
 * the helpers each stage offers the others. Nothing here is public API.
 */
#ifndef TCVM_COMP_INTERNAL_H
#define TCVM_COMP_INTERNAL_H

#include "tcvm/component.h"
#include "base/base.h"

#include <inttypes.h>

/* Limits on what a component may declare (hostile input). */
#define TCVM__C_MAX_TYPE_DEPTH 100           /* nesting of value types */
#define TCVM__C_MAX_TYPE_SIZE 1000000u       /* effective size (nodes) of one type */
#define TCVM__C_MAX_MEMBERS 100000           /* fields/cases/params of one type */
#define TCVM__C_MAX_ITEMS 1000000            /* entries of one index space */
#define TCVM__C_MAX_NESTING 50               /* nested components */
#define TCVM__C_MAX_FLAGS 32                 /* labels of a flags type */
#define TCVM__C_MAX_STRING_BYTES 0x0fffffffu /* 2^28 - 1, the canonical ABI's string/list cap */
#define TCVM__C_MAX_HANDLES 0x0fffffffu
#define TCVM__C_MAX_TREE_ITEMS (1u << 25) /* list elements one lift may build (~1 GiB of tree) */
#define TCVM__C_MAX_FLAT_PARAMS 16
#define TCVM__C_MAX_FLAT_RESULTS 1

typedef struct tcvm__cmember {
    const char *label; /* NUL-terminated copy, or NULL */
    size_t label_size;
    const tcvm_ctype_t *type; /* NULL: no payload */
} tcvm__cmember_t;

struct tcvm_ctype {
    tcvm_ctype_kind_t kind;
    uint32_t count;
    tcvm__cmember_t *members;
    uint32_t resource; /* own/borrow */
    uint32_t tag;      /* own/borrow: which naming of the resource (see tcvm__tdef_t.tag) */
    const char *rname;
    size_t rname_size;
    /* canonical ABI layout, computed at construction */
    uint32_t size, align;
    uint32_t flat_count; /* saturates at UINT32_MAX/2 */
    uint32_t depth;
    uint32_t nodes;          /* effective type size, capped by TCVM__C_MAX_TYPE_SIZE */
    struct tcvm_ctype *next; /* arena list */
};

struct tcvm_ctypes {
    struct tcvm_ctype *head;
    struct tcvm_cfunctype *funcs;
};

struct tcvm_cfunctype {
    uint32_t param_count;
    tcvm__cmember_t *params;
    const tcvm_ctype_t *result;
    struct tcvm_cfunctype *next;
};

/* Makes a type record in arena a (members copied, labels duplicated). */
tcvm_status_t tcvm__ctype_make(tcvm_ctypes_t *a, tcvm_ctype_kind_t kind,
                               const tcvm__cmember_t *members, size_t count, uint32_t resource,
                               const char *rname, size_t rname_size, const tcvm_ctype_t **out_type);
tcvm_status_t tcvm__cfunctype_make(tcvm_ctypes_t *a, const tcvm__cmember_t *params, size_t count,
                                   const tcvm_ctype_t *result, const tcvm_cfunctype_t **out);
bool tcvm__cfunctype_equal(const tcvm_cfunctype_t *a, const tcvm_cfunctype_t *b);
/* Appends the WIT text of t / ft to b. */
tcvm_status_t tcvm__ctype_wit(tcvm_buf_t *b, const tcvm_ctype_t *t);
tcvm_status_t tcvm__cfunctype_wit(tcvm_buf_t *b, const tcvm_cfunctype_t *ft);
/* Writes a label in WIT form (with a % when it is a keyword). */
tcvm_status_t tcvm__wit_label(tcvm_buf_t *b, const char *s, size_t size);
/* Is s a WIT identifier (kebab-case words)? */
bool tcvm__wit_ident(const char *s, size_t size);
char *tcvm__buf_cstr(tcvm_buf_t *b);

/* Flattens t appending to out[*n] (up to cap; *n counts them all). */
void tcvm__cabi_flatten(const tcvm_ctype_t *t, tcvm_valtype_t *out, size_t cap, size_t *n);

/* Float canonicalization of the canonical ABI. */
float tcvm__canon_f32(float f);
double tcvm__canon_f64(double f);

/* ---- handles ---------------------------------------------------------------------------- */

/* A resource type at run time: one per defining instance (or per host definition). */
typedef struct tcvm__rtype {
    uint32_t id;             /* the component's resource id it was made for */
    struct tcvm__cctx *impl; /* defining component instance, NULL for the host */
    tcvm_func_t *dtor;       /* core dtor (i32) -> (), or NULL */
    void (*host_dtor)(void *env, uint32_t rep);
    void *host_env;
    const char *name;
} tcvm__rtype_t;

typedef struct tcvm__handle {
    tcvm__rtype_t *rt; /* NULL: free slot */
    uint32_t rep;
    bool own;
    uint32_t lends;
    struct tcvm__callctx *scope; /* borrow: the call that lent it */
    uint32_t next_free;
} tcvm__handle_t;

typedef struct tcvm__htable {
    tcvm__handle_t *slots; /* slot 0 reserved */
    uint32_t count, cap;
    uint32_t free_head; /* 0: none */
} tcvm__htable_t;

tcvm_status_t tcvm__htable_add(tcvm__htable_t *t, tcvm__handle_t h, uint32_t *out_index);
tcvm__handle_t *tcvm__htable_get(tcvm__htable_t *t, uint32_t index);
void tcvm__htable_remove(tcvm__htable_t *t, uint32_t index);
void tcvm__htable_free(tcvm__htable_t *t);

/* ---- lift/lower context ---------------------------------------------------------------- */

/*
 * What lifting and lowering need besides the memory: the handle hooks (NULL at the raw
 * canonical ABI level: handles pass as bare i32) and a counter of bytes moved.
 */
typedef struct tcvm__cx tcvm__cx_t;
struct tcvm__cx {
    tcvm_cabi_memory_t *mem; /* NULL: no memory option */
    tcvm_error_t *err;
    tcvm_status_t (*lift_handle)(tcvm__cx_t *cx, const tcvm_ctype_t *t, uint32_t index,
                                 uint32_t *out_host);
    tcvm_status_t (*lower_handle)(tcvm__cx_t *cx, const tcvm_ctype_t *t, uint32_t host,
                                  uint32_t *out_index);
    void *hctx;
    uint64_t bytes;
    uint64_t items; /* list elements lifted into trees so far */
};

tcvm_status_t tcvm__cabi_load(tcvm__cx_t *cx, const tcvm_ctype_t *t, uint32_t ptr,
                              tcvm_cval_t *out);
tcvm_status_t tcvm__cabi_store(tcvm__cx_t *cx, const tcvm_ctype_t *t, const tcvm_cval_t *v,
                               uint32_t ptr);
tcvm_status_t tcvm__cabi_lift_values(tcvm__cx_t *cx, const tcvm_ctype_t *const *types, size_t count,
                                     const tcvm_val_t *flat, size_t flat_count, size_t max_flat,
                                     tcvm_cval_t *out_vals);
tcvm_status_t tcvm__cabi_lower_values(tcvm__cx_t *cx, const tcvm_ctype_t *const *types,
                                      size_t count, const tcvm_cval_t *vals, size_t max_flat,
                                      const uint32_t *spill_ptr, tcvm_val_t *out_flat,
                                      size_t flat_cap, size_t *out_flat_count);
/* Flat count of a sequence of types (saturating). */
size_t tcvm__cabi_flat_count(const tcvm_ctype_t *const *types, size_t count);
/* Traps with TCVM_COMP_TRAP and a message. */
tcvm_status_t tcvm__ctrap(tcvm_error_t *err, const char *fmt, ...) TCVM__PRINTF(2, 3);

/* ---- decoded components ---------------------------------------------------------------- */

/* Index spaces. */
enum {
    TCVM__S_CORE_FUNC,
    TCVM__S_CORE_TABLE,
    TCVM__S_CORE_MEMORY,
    TCVM__S_CORE_GLOBAL,
    TCVM__S_CORE_TYPE,
    TCVM__S_CORE_MODULE,
    TCVM__S_CORE_INSTANCE,
    TCVM__S_FUNC,
    TCVM__S_VALUE,
    TCVM__S_TYPE,
    TCVM__S_COMPONENT,
    TCVM__S_INSTANCE,
    TCVM__S_COUNT
};

/* What a type index (or an import/export) describes. */
enum {
    TCVM__TD_NONE,
    TCVM__TD_VAL,      /* val */
    TCVM__TD_FUNC,     /* func */
    TCVM__TD_INST,     /* inst */
    TCVM__TD_COMP,     /* comp */
    TCVM__TD_RESOURCE, /* resource (id), name */
    TCVM__TD_CORE_FUNC,
    TCVM__TD_CORE_MODULE,
};

typedef struct tcvm__ccomptype tcvm__ccomptype_t;

/* A core module's imports and exports, from the module itself or from a module type. */
typedef struct tcvm__core_ext {
    const char *module; /* imports only */
    size_t module_size;
    const char *name;
    size_t name_size;
    tcvm_externtype_t type;
} tcvm__core_ext_t;

typedef struct tcvm__coremod {
    const tcvm_module_t *module; /* NULL: only a type (an imported module) */
    tcvm__core_ext_t *imports;
    uint32_t import_count;
    tcvm__core_ext_t *exports;
    uint32_t export_count;
} tcvm__coremod_t;

typedef struct tcvm__tdef {
    uint8_t kind;
    const tcvm_ctype_t *val;
    const tcvm_cfunctype_t *func;
    const tcvm_cinsttype_t *inst;
    const tcvm__ccomptype_t *comp;
    uint32_t resource;
    /* resource: which naming of it this type index is. The definition, each import and each
     * export of a resource get their own tag, so `own` of the definition and `own` of the
     * exported type index are told apart by the visibility rule (typecheck.c). */
    uint32_t tag;
    const char *rname; /* resource: the name it was imported or exported under */
    size_t rname_size;
    bool local; /* resource defined by this component (resource.new/rep allowed) */
    const tcvm_functype_t *corefunc;
    const tcvm__coremod_t *coremod; /* core module types and core modules */
} tcvm__tdef_t;

/* A named item of an instance type, component type, import or export list. */
typedef struct tcvm__cext {
    const char *name;
    size_t name_size;
    uint8_t sort; /* TCVM__S_* */
    tcvm__tdef_t td;
} tcvm__cext_t;

struct tcvm_cinsttype {
    tcvm__cext_t *exports;
    uint32_t count;
    uint64_t size; /* effective type size (nodes), capped by TCVM__C_MAX_TYPE_SIZE */
};

struct tcvm__ccomptype {
    tcvm__cext_t *imports;
    uint32_t import_count;
    tcvm__cext_t *exports;
    uint32_t export_count;
    uint64_t size;
};

/* Canonical options. */
typedef struct tcvm__copts {
    tcvm_cstring_encoding_t encoding;
    int64_t memory;      /* core memory index or -1 */
    int64_t realloc;     /* core func index or -1 */
    int64_t post_return; /* core func index or -1 */
} tcvm__copts_t;

/* An argument of an instantiation or an inline export: name -> (sort, index). */
typedef struct tcvm__carg {
    const char *name;
    size_t name_size;
    uint8_t sort;
    uint32_t index;
} tcvm__carg_t;

/* Definitions, replayed in order at instantiation. Each adds at most one item to the index
 * space `sort`. */
enum {
    TCVM__D_CORE_MODULE,       /* a: index into modules[] */
    TCVM__D_CORE_INST,         /* a: module index; args (instance sort) */
    TCVM__D_CORE_INST_EXP,     /* args (core sorts) */
    TCVM__D_COMPONENT,         /* a: index into nested[] */
    TCVM__D_INST,              /* a: component index; args */
    TCVM__D_INST_EXP,          /* args */
    TCVM__D_ALIAS_CORE_EXPORT, /* sort; a: core instance; name */
    TCVM__D_ALIAS_EXPORT,      /* sort; a: instance; name */
    TCVM__D_ALIAS_OUTER,       /* sort; a: count; b: index; component/module resolved in target */
    TCVM__D_LIFT,              /* a: core func; opts; func */
    TCVM__D_LOWER,             /* a: func; opts */
    TCVM__D_RES_NEW,           /* resource id in res */
    TCVM__D_RES_DROP,
    TCVM__D_RES_REP,
    TCVM__D_RESOURCE, /* defines resource res; b: dtor core func index + 1 (0: none) */
    TCVM__D_TYPE,     /* a type that is not a resource (no run-time effect) */
    TCVM__D_IMPORT,   /* ext */
    TCVM__D_EXPORT,   /* name; sort; a: index */
};

typedef struct tcvm__cdef {
    uint8_t op;
    uint8_t sort;
    uint32_t a, b;
    const char *name;
    size_t name_size;
    tcvm__carg_t *args;
    uint32_t nargs;
    tcvm__copts_t opts;
    const tcvm_cfunctype_t *func;
    uint32_t res;
    tcvm__cext_t ext;
    /* nested instantiation: the child's resource ids (fresh_from) that the parent sees under
     * fresh ids (fresh_to), one pair per resource the child's exports mention */
    uint32_t *fresh_from, *fresh_to;
    uint32_t nfresh;
} tcvm__cdef_t;

struct tcvm_component {
    struct tcvm_component *root; /* the outermost component (owner of the arenas) */
    tcvm_engine_t *engine;       /* NULL when only validated */
    tcvm_ctypes_t *types;        /* root only */
    void *pool;                  /* root only: every other allocation */
    tcvm__cdef_t *defs;
    uint32_t def_count, def_cap;
    tcvm_module_t **modules;
    uint32_t module_count;
    struct tcvm_component **nested;
    uint32_t nested_count;
    tcvm__cext_t *imports;
    uint32_t import_count;
    tcvm__cext_t *exports;
    uint32_t export_count;
    uint32_t resource_count; /* root only: resource ids handed out */
    uint32_t space_count[TCVM__S_COUNT];
    tcvm__ccomptype_t self_type; /* imports and exports, for nested instantiation */
};

tcvm_status_t tcvm__component_decode(tcvm_engine_t *engine, const uint8_t *bytes, size_t size,
                                     tcvm_component_t **out, tcvm_error_t *err,
                                     tcvm_component_where_t *where);
void tcvm__cext_desc(const tcvm__cext_t *e, tcvm_cextern_desc_t *out);

/* ---- type matching (typecheck.c) -------------------------------------------------------- */

/* A hash map from non-zero 64-bit keys (type identities) to pointers. */
typedef struct tcvm__idmap {
    uint64_t *keys;
    const void **vals;
    uint32_t count, cap; /* cap: 0 or a power of two */
} tcvm__idmap_t;

tcvm_status_t tcvm__idmap_put(tcvm__idmap_t *m, uint64_t key, const void *val);
/* The value stored under key, or NULL (also when absent). */
const void *tcvm__idmap_get(const tcvm__idmap_t *m, uint64_t key);
bool tcvm__idmap_has(const tcvm__idmap_t *m, uint64_t key);
void tcvm__idmap_free(tcvm__idmap_t *m);

/* A substitution of abstract (imported) resource ids by the types given for them, and of the
 * value types a component imported (by identity) by the types given for them; `types` also
 * remembers each type rebuilt under the substitution, so a type reached twice maps to one new
 * type (the identity the visibility rule follows). */
typedef struct tcvm__rsubst {
    uint32_t *from;
    tcvm__tdef_t *to;
    uint32_t n, cap;
    tcvm__idmap_t types;
} tcvm__rsubst_t;

tcvm_status_t tcvm__rsubst_add(tcvm__rsubst_t *m, uint32_t from, const tcvm__tdef_t *to);
void tcvm__rsubst_free(tcvm__rsubst_t *m);
/* Does an item of `sort` described by arg match the import described by imp? Records resource
 * bindings in m. TCVM_COMP_INVALID with the reason in why otherwise. */
tcvm_status_t tcvm__match(uint8_t sort, const tcvm__tdef_t *arg, const tcvm__tdef_t *imp,
                          tcvm__rsubst_t *m, char *why, size_t why_size);
/* Applies m to td (new types are made in a; instance types allocated with alloc). */
tcvm_status_t tcvm__subst_tdef(tcvm_ctypes_t *a, tcvm__rsubst_t *m,
                               void *(*alloc)(void *ctx, size_t size), void *ctx, tcvm__tdef_t *td);

/* Collects the resource ids an item's type mentions (declared or referred to) into ids
 * (deduplicated; at most cap, *n counts them). */
void tcvm__collect_resources(const tcvm__tdef_t *td, uint32_t *ids, uint32_t cap, uint32_t *n);
/* The same, descending into component types (their imports and exports) when comps is set. */
void tcvm__collect_resources_in(const tcvm__tdef_t *td, bool comps, uint32_t *ids, uint32_t cap,
                                uint32_t *n);

/*
 * External visibility. A component (and a component type) keeps the set of types it gave a name
 * to by importing or exporting them: the record, variant, enum and flags types (by identity) and
 * the resources (by resource and tag). An item imported or exported must mention only types
 * named on the same side (imports also count for exports). tcvm__named_add checks item (of
 * sort, imported if import) and adds the types it names; TCVM_COMP_INVALID with the reason in
 * why otherwise.
 */
typedef struct tcvm__named {
    tcvm__idmap_t imported, exported;
} tcvm__named_t;

tcvm_status_t tcvm__named_add(tcvm__named_t *n, bool import, uint8_t sort, const tcvm__tdef_t *td,
                              char *why, size_t why_size);
void tcvm__named_free(tcvm__named_t *n);
/* The identity key of a resource naming. */
uint64_t tcvm__resource_key(uint32_t resource, uint32_t tag);
/* Is t a type that is only valid across an import or export under a name (record, variant, enum,
 * flags)? */
bool tcvm__ctype_nominal(const tcvm_ctype_t *t);
/* A copy of the nominal type t with an identity of its own. */
tcvm_status_t tcvm__ctype_clone(tcvm_ctypes_t *a, const tcvm_ctype_t *t, const tcvm_ctype_t **out);
/* Makes an own/borrow type of resource with tag (and the resource's name, if any). */
tcvm_status_t tcvm__ctype_handle(tcvm_ctypes_t *a, tcvm_ctype_kind_t kind, uint32_t resource,
                                 uint32_t tag, const char *rname, size_t rname_size,
                                 const tcvm_ctype_t **out);

/* Effective size of an item's type (value, function, instance or component type). */
uint64_t tcvm__tdef_size(const tcvm__tdef_t *td);
/* Are two core function types equal (parameters and results, in order)? */
bool tcvm__core_functype_equal(const tcvm_functype_t *a, const tcvm_functype_t *b);

/* ---- names (names.c) -------------------------------------------------------------------- */

/* What tcvm__extern_name_check accepts besides plain, annotated and interface names. */
enum {
    TCVM__NAME_IMPORT = 1u << 0, /* dependency, URL and integrity names (imports only) */
    TCVM__NAME_NESTED = 1u << 1, /* nested namespaces and interfaces (a:b:c/d/e; gated) */
};
/* Is name (size bytes, untrusted) a valid import or export name? On failure, why (why_size
 * bytes, NUL-terminated) says which part of the name is wrong and at which byte. */
bool tcvm__extern_name_check(const char *name, size_t size, unsigned flags, char *why,
                             size_t why_size);
/* Do two import or export names conflict, i.e. are they not strongly unique (the Explainer's
 * rule as the test suites apply it: ASCII case ignored, "[method]l.l" and "[static]l.l"
 * compared as l, other [method]/[static] prefixes dropped)? Dependency, URL and integrity names
 * compare exactly. */
bool tcvm__extern_name_eq(const char *a, size_t an, const char *b, size_t bn);
/* A hash of what tcvm__extern_name_eq compares: names that conflict have equal keys. With
 * exact set, of the bytes themselves (for names compared exactly). */
uint64_t tcvm__extern_name_key(const char *s, size_t n, bool exact);
/* Adds name, the name of items[n], to set unless it conflicts with the name of an earlier item
 * (tcvm__extern_name_eq, or byte for byte when exact): *found is that item's index, UINT32_MAX
 * when there is none. items is an array of item_size-byte items that begin with a name and its
 * size, as tcvm__cext_t and tcvm__carg_t do; items[n] need not exist yet. */
tcvm_status_t tcvm__names_add(tcvm__keyset_t *set, const void *items, size_t item_size,
                              uint32_t n, const char *name, size_t size, bool exact,
                              uint32_t *found);


#endif
