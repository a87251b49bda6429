/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal structures of the WebAssembly engine, shared by the decoder (decode.c), the function
 * compiler (compile.c), the interpreter (exec.c) and the runtime objects (runtime.c,
 * instance.c).
 *
 * Execution model. Every function body is validated and translated in one pass into "cells":
 * an array of 8-byte words where each instruction is a handler address (direct threading)
 * followed by operand cells. Operands name value slots of the current frame (8 bytes each,
 * relative to the frame pointer) instead of an implicit operand stack: locals occupy the first
 * slots, then one slot per operand-stack height. local.get costs nothing (the consumer reads the
 * local's slot), constants are folded into immediate forms where one exists, and results are
 * written straight into the local that a following local.set names. Branch targets are resolved
 * to relative cell offsets, so nothing is decoded at run time. A call's arguments already sit
 * in consecutive slots at the top of the caller's frame; the callee's frame starts there, so
 * arguments and results are never copied.
 */
#ifndef TCVM_WASM_INTERNAL_H
#define TCVM_WASM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "base/base.h"
#include "tcvm/wasm.h"

#define TCVM__PAGE_SIZE 65536u
/* Implementation limit: a frame (locals + operand stack) addresses at most this many slots,
 * because operands are 16-bit slot numbers. */
#define TCVM__MAX_FRAME_SLOTS 65535u

/* ---- code cells ------------------------------------------------------------------------ */

typedef union tcvm_cell {
    const void *op;
    uint64_t u64;
    int64_t i64;
    struct {
        uint16_t a, b, c, d;
    } s;
    struct {
        uint16_t a, b;
        uint32_t x;
    } sx;
    struct {
        uint32_t lo, hi;
    } w;
} tcvm_cell_t;

_Static_assert(sizeof(tcvm_cell_t) == 8, "a code cell is 8 bytes");

/* ---- module ---------------------------------------------------------------------------- */

typedef struct wtype {
    uint32_t param_count;
    uint32_t result_count;
    tcvm_valtype_t *types; /* params then results */
} wtype_t;

/* A constant expression (global initialisers, segment offsets, element items). */
typedef enum wconst_kind {
    WCONST_VALUE,  /* value holds the constant (numbers, ref.null) */
    WCONST_GLOBAL, /* global.get index */
    WCONST_FUNC,   /* ref.func index */
} wconst_kind_t;

typedef struct wconst {
    wconst_kind_t kind;
    tcvm_valtype_t type;
    uint32_t index;
    uint64_t value;
} wconst_t;

typedef struct wimport {
    char *module;
    uint32_t module_size;
    char *name;
    uint32_t name_size;
    tcvm_externkind_t kind;
    uint32_t index;        /* index in its own space (function, table, memory or global) */
    uint32_t type_index;   /* functions: the type index */
    tcvm_externtype_t type; /* func: params/results point into the module's types */
} wimport_t;

typedef struct wexport {
    char *name;
    uint32_t name_size;
    tcvm_externkind_t kind;
    uint32_t index;
} wexport_t;

typedef struct wglobal {
    tcvm_globaltype_t type;
    wconst_t init; /* defined globals only */
} wglobal_t;

typedef enum wseg_mode {
    WSEG_ACTIVE,
    WSEG_PASSIVE,
    WSEG_DECLARATIVE,
} wseg_mode_t;

typedef struct welem {
    wseg_mode_t mode;
    tcvm_valtype_t type;
    uint32_t table;
    wconst_t offset;
    uint32_t count;
    wconst_t *items;
} welem_t;

typedef struct wdata {
    wseg_mode_t mode;
    uint32_t memory;
    wconst_t offset;
    uint32_t size;
    const uint8_t *bytes; /* points into the module's own copy of the data */
} wdata_t;

/* A compiled function body. */
typedef struct wcode {
    uint32_t type_index;
    uint32_t param_slots;  /* = param count */
    uint32_t local_slots;  /* params + declared locals */
    uint32_t frame_slots;  /* locals + the deepest operand stack + scratch */
    uint32_t result_count;
    tcvm_cell_t *cells;
    size_t cell_count;
} wcode_t;

struct tcvm_engine {
    tcvm_engine_config_t config; /* strings point at the copies below */
    char *aot_cache_dir;
    char *aot_cc;
    pthread_mutex_t aot_lock; /* guards aot_tools */
    char *aot_tools;          /* identities of wasm2c and the compiler: part of the cache key */
    bool aot_is_clang;
};

struct tcvm__aot_code;

struct tcvm_module {
    tcvm_engine_t *engine;
    _Atomic uint32_t refs; /* the owner's reference plus one per live instance */
    uint32_t type_count;
    wtype_t *types;
    uint32_t import_count;
    wimport_t *imports;
    uint32_t func_count; /* imported + defined */
    uint32_t func_import_count;
    uint32_t *func_types; /* type index per function */
    uint32_t table_count;
    uint32_t table_import_count;
    tcvm_tabletype_t *tables;
    uint32_t memory_count;
    uint32_t memory_import_count;
    tcvm_memtype_t *memories;
    uint32_t global_count;
    uint32_t global_import_count;
    wglobal_t *globals;
    uint32_t export_count;
    wexport_t *exports;
    bool has_start;
    uint32_t start;
    uint32_t elem_count;
    welem_t *elems;
    bool has_data_count;
    uint32_t data_count;
    wdata_t *datas;
    uint8_t *data_bytes; /* one copy of all data segment bytes */
    wcode_t *codes;      /* func_count - func_import_count entries */
    bool *func_declared; /* functions that ref.func may name (exported, in elements, ...) */
    struct tcvm__aot_code *aot; /* AOT engines: the loaded compiled code */
    struct {
        bool seen; /* memory.init or data.drop used before any data count was known */
        uint32_t index, func;
        size_t offset;
    } data_use;
};

/* ---- store and runtime objects --------------------------------------------------------- */

/*
 * The parts of memories and tables that code compiled ahead of time reads directly: the layouts
 * of wabt 1.0.32's wasm_rt_memory_t and wasm_rt_*_table_t, kept as the first member so that a
 * pointer to the object is a pointer to them.
 */
typedef struct tcvm__rt_memory {
    uint8_t *data;
    uint32_t pages;
    uint32_t max_pages; /* effective: declared maximum and store limit */
    uint32_t size;      /* bytes, saturated at UINT32_MAX (the AOT tier caps pages below 65536) */
} tcvm__rt_memory_t;

typedef struct tcvm__rt_table {
    void *data; /* uint64_t per element (tcvm_func_t* or externref), or AOT funcref records */
    uint32_t max_size; /* effective maximum */
    uint32_t size;
} tcvm__rt_table_t;

/* A function reference as AOT-compiled code holds it (wasm_rt_funcref_t). */
typedef struct tcvm__rt_funcref {
    uint32_t func_type;
    void (*func)(void);
    void *module_instance;
} tcvm__rt_funcref_t;

typedef enum func_kind {
    FUNC_WASM,
    FUNC_HOST,
    FUNC_AOT,
} func_kind_t;

struct tcvm_func {
    func_kind_t kind;
    tcvm_store_t *store;
    uint32_t type_id;      /* canonical within the store: equal ids = equal types */
    const wtype_t *type;
    tcvm_instance_t *instance; /* FUNC_WASM */
    const wcode_t *code;       /* FUNC_WASM */
    tcvm_host_fn_t host;       /* FUNC_HOST */
    void *env;
    void (*env_free)(void *);
    wtype_t own_type; /* FUNC_HOST: the copied type */
    /* AOT stores: how compiled code refers to this function, once it can */
    bool has_aot_ref;
    tcvm__rt_funcref_t aot_ref;
    void (*aot_fn)(void);                   /* FUNC_AOT: the compiled function */
    void (*aot_call)(void *, uint64_t *);   /* FUNC_AOT: the same, with slots */
};

struct tcvm_memory {
    tcvm__rt_memory_t rt; /* first */
    uint64_t size;        /* bytes */
    size_t reserved;      /* bytes of address space reserved */
    tcvm_memtype_t type;
    tcvm_store_t *store;
};

struct tcvm_table {
    tcvm__rt_table_t rt; /* first */
    tcvm_tabletype_t type;
    tcvm_store_t *store;
    bool aot_refs; /* elements are tcvm__rt_funcref_t (funcref tables of AOT stores) */
};

#define TCVM__TABLE_ELEMS(t) ((uint64_t *)(t)->rt.data)

struct tcvm_global {
    union {
        uint64_t u64;            /* numbers (low bytes for 32-bit types), references */
        tcvm__rt_funcref_t aot;  /* funcref globals of the AOT tier */
    } v;
    tcvm_globaltype_t type;
    tcvm_store_t *store;
};

typedef struct welem_rt {
    uint64_t *refs;
    uint32_t count; /* 0 once dropped */
} welem_rt_t;

typedef struct wdata_rt {
    const uint8_t *bytes;
    uint32_t size; /* 0 once dropped */
} wdata_rt_t;

struct tcvm_instance {
    tcvm_store_t *store;
    tcvm_module_t *module; /* a reference keeps the module's code alive */
    tcvm_func_t **funcs;
    tcvm_func_t *own_funcs;
    tcvm_table_t **tables;
    tcvm_memory_t **memories;
    tcvm_memory_t *memory0; /* memories[0] or NULL */
    tcvm_global_t **global_objs;
    tcvm_global_t *own_globals;
    uint64_t **globals;     /* the value cell of each global */
    uint32_t *type_ids;     /* store-canonical id of each module type */
    welem_rt_t *elems;
    wdata_rt_t *datas;
    tcvm_instance_t *next; /* store's list */
    void *aot_inst;        /* AOT: the generated instance struct */
    void *aot_ctx;         /* AOT: its import context (tcvm_aot_ctx_t) */
};

/* One call frame of the interpreter. */
typedef struct tcvm_frame {
    const tcvm_cell_t *ip; /* where to resume in the caller */
    uint64_t *fp;
    tcvm_instance_t *instance;
} tcvm_frame_t;

/* An object the store frees with itself. */
typedef struct store_obj {
    void *ptr;
    void (*free_fn)(void *);
} store_obj_t;

struct tcvm_store {
    tcvm_engine_t *engine;
    tcvm_store_limits_t limits;
    tcvm_budget_t budget;
    tcvm_error_t error;
    int64_t fuel; /* remaining, when the engine meters fuel */
    _Atomic uint32_t interrupt; /* set from any thread by tcvm_store_interrupt */
    /* execution stacks, allocated on first call */
    uint64_t *stack;
    uint64_t *stack_end;
    uint64_t *sp; /* first free slot: nested entries start here */
    tcvm_frame_t *frames;
    uint32_t frame_depth;
    /* canonical function types: ids index types[]; a hash table maps a type to its id */
    wtype_t *types;
    uint32_t type_count;
    uint32_t type_cap;
    uint32_t *type_hash; /* ids + 1, 0 = empty */
    uint32_t type_hash_cap;
    /* AOT: every memory of the store, for the fault handler, and the thread running
     * compiled code of the store (for interrupts) */
    tcvm_memory_t **mems;
    size_t mem_count, mem_cap;
    pthread_t *_Atomic aot_thread;
    /* AOT: the lowest stack address compiled code of the store may use, set by the outermost
     * entry (0 outside any entry); every compiled function compares its stack pointer with it */
    uint64_t aot_stack_limit;
    /* owned objects */
    tcvm_instance_t *instances;
    store_obj_t *objs;
    size_t obj_count;
    size_t obj_cap;
};

struct tcvm_caller {
    tcvm_store_t *store;
    tcvm_instance_t *instance;
};

/* ---- functions shared across the engine's files ---------------------------------------- */

/* compile.c: validates and compiles body `index` (a defined function) of module m. bytes is
 * the body (after its size); offset is its position in the binary (for messages). */
tcvm_status_t tcvm__wasm_compile(tcvm_module_t *m, uint32_t func_index, const uint8_t *bytes,
                                 size_t size, size_t offset, tcvm_error_t *err);
void tcvm__wasm_code_free(wcode_t *code);

/* exec.c: the handler addresses, indexed by opcode number (see ops.h). */
const void *const *tcvm__interp_labels(void);
/* Runs func with its arguments already in fp[0..param_count); results come back in
 * fp[0..result_count). */
tcvm_status_t tcvm__interp_call(tcvm_store_t *s, tcvm_func_t *func, uint64_t *fp);

/* runtime.c */
tcvm_status_t tcvm__store_type_id(tcvm_store_t *s, const wtype_t *t, uint32_t *out_id);
tcvm_status_t tcvm__store_own(tcvm_store_t *s, void *ptr, void (*free_fn)(void *));
tcvm_status_t tcvm__store_stacks(tcvm_store_t *s);
tcvm_status_t tcvm__memory_create(tcvm_store_t *s, const tcvm_memtype_t *type,
                                  tcvm_memory_t **out, tcvm_error_t *err);
tcvm_status_t tcvm__table_create(tcvm_store_t *s, const tcvm_tabletype_t *type, uint64_t init,
                                 tcvm_table_t **out, tcvm_error_t *err);
tcvm_status_t tcvm__memory_grow(tcvm_memory_t *m, uint32_t delta, uint32_t *out_old);
tcvm_status_t tcvm__table_grow(tcvm_table_t *t, uint32_t delta, uint64_t init, uint32_t *out_old);
tcvm_status_t tcvm__host_call(tcvm_store_t *s, tcvm_func_t *f, tcvm_instance_t *caller,
                              uint64_t *slots);
tcvm_status_t tcvm__trapf(tcvm_store_t *s, tcvm_status_t st, const char *fmt, ...)
    TCVM__PRINTF(3, 4);
uint64_t tcvm__val_to_slot(const tcvm_val_t *v);
/* Elements and global values as slots (tcvm_func_t* for funcrefs) in either representation;
 * the setters fail for a function compiled code cannot refer to. */
uint64_t tcvm__table_get_slot(const tcvm_table_t *t, uint32_t i);
bool tcvm__table_set_slot(tcvm_table_t *t, uint32_t i, uint64_t slot);
uint64_t tcvm__global_get_slot(const tcvm_global_t *g);
bool tcvm__global_set_slot(tcvm_global_t *g, uint64_t slot);
tcvm_val_t tcvm__slot_to_val(tcvm_valtype_t t, uint64_t slot);
bool tcvm__functype_equal(const wtype_t *a, const wtype_t *b);

/* scan.c: true for a byte that starts a WebAssembly 2.0 instruction (without SIMD). */
bool tcvm__opcode_known(uint8_t op);
/* scan.c: the proposal an opcode belongs to ("SIMD", "tail calls", ...), or NULL. */
const char *tcvm__opcode_feature(uint8_t op);
/* scan.c: decodes a body from pos without validating; TCVM_OK or the malformed/feature error. */
tcvm_status_t tcvm__wasm_syntax_scan(const uint8_t *body, size_t size, size_t pos,
                                     size_t base_off, uint32_t func_index, tcvm_error_t *err);

/* decode.c */
bool tcvm__valtype_is_ref(tcvm_valtype_t t);
void tcvm__module_release(tcvm_module_t *m);
/* Reads a value type at the cursor: TCVM_WASM_MALFORMED for an unknown byte, TCVM_WASM_FEATURE
 * (with *feature set) for the type of an unsupported proposal. */
tcvm_status_t tcvm__read_valtype(tcvm_cursor_t *c, tcvm_valtype_t *out, const char **feature);

#endif
