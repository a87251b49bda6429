/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The WebAssembly Component Model layer: decode and validate component binaries, describe their
 * imports and exports with WIT types, instantiate them over the core engine (tcvm/wasm.h) with
 * imports supplied by the embedder, call exports with typed values, move values from one
 * instance's memory straight into another's, read and print values as WAVE text, and reach the
 * canonical ABI directly (lift and lower a value of a type from and to a linear memory).
 *
 * Only the synchronous part of the specification is supported. Async functions, streams,
 * futures, error-context, threads, GC types, memory64, fixed-length lists and the gated
 * start/value sections are refused with TCVM_COMP_FEATURE and a message naming the feature.
 *
 * Objects and lifetimes:
 *   ctypes     an arena of WIT value types; every tcvm_ctype_t lives as long as its arena.
 *              A component owns one; a caller can make its own to build types by hand.
 *   component  a decoded, validated component whose core modules are compiled with one engine
 *              (and so for one tier). Immutable; instantiable many times, from any thread.
 *   clinker    the embedder's side of the imports: host functions, host resource types and
 *              forwards to other instances' exports, by import name.
 *   cinstance  an instantiated component. It owns its own core store (its sandbox: memory
 *              pages, fuel, call depth), and its handle tables. One thread at a time.
 *   cval       a typed value tree; plain struct, owned by whoever holds it, cleared with
 *              tcvm_cval_clear.
 *
 * Conventions as everywhere in the API (tcvm/common.h): "size" is bytes and "count" elements,
 * out_ parameters are written only on success, destroy functions accept NULL, inputs are
 * borrowed for the call only unless said otherwise. Names are UTF-8 with an explicit size.
 */
#ifndef TCVM_COMPONENT_H
#define TCVM_COMPONENT_H

#include "tcvm/common.h"
#include "tcvm/wasm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- WIT value types ------------------------------------------------------------------- */

/* Kinds of WIT value types. */
typedef enum tcvm_ctype_kind {
    TCVM_CT_BOOL = 0,
    TCVM_CT_S8,
    TCVM_CT_U8,
    TCVM_CT_S16,
    TCVM_CT_U16,
    TCVM_CT_S32,
    TCVM_CT_U32,
    TCVM_CT_S64,
    TCVM_CT_U64,
    TCVM_CT_F32,
    TCVM_CT_F64,
    TCVM_CT_CHAR,
    TCVM_CT_STRING,
    TCVM_CT_LIST,    /* one element type */
    TCVM_CT_RECORD,  /* labelled fields, at least one */
    TCVM_CT_TUPLE,   /* unlabelled fields, at least one */
    TCVM_CT_VARIANT, /* labelled cases, each with an optional payload type; at least one */
    TCVM_CT_ENUM,    /* labelled cases without payload; at least one */
    TCVM_CT_OPTION,  /* case 0 "none", case 1 "some" with the payload type */
    TCVM_CT_RESULT,  /* case 0 "ok", case 1 "error", each with an optional payload type */
    TCVM_CT_FLAGS,   /* 1..32 labels */
    TCVM_CT_OWN,     /* an owning handle to a resource type */
    TCVM_CT_BORROW,  /* a borrowed handle to a resource type */
} tcvm_ctype_kind_t;

/* A WIT value type. Immutable; owned by its arena (a component's, or a tcvm_ctypes_t). */
typedef struct tcvm_ctype tcvm_ctype_t;

/* Name of a kind as in WIT ("u32", "list", "record", "own", ...). */
TCVM_API const char *tcvm_ctype_kind_name(tcvm_ctype_kind_t kind);

/* The type of a primitive kind (bool..string); static, never freed. NULL for other kinds. */
TCVM_API const tcvm_ctype_t *tcvm_ctype_primitive(tcvm_ctype_kind_t kind);

TCVM_API tcvm_ctype_kind_t tcvm_ctype_kind(const tcvm_ctype_t *type);

/*
 * Number of members: fields of a record or tuple, cases of a variant, enum, option (2) or
 * result (2), labels of flags, 1 for a list; 0 for the rest.
 */
TCVM_API size_t tcvm_ctype_count(const tcvm_ctype_t *type);

/*
 * The label of member index (record field, variant/enum case, flag; "none"/"some" for option,
 * "ok"/"error" for result); NULL for tuples, lists and out of range. *out_size (may be NULL)
 * gets its size. Owned by the type.
 */
TCVM_API const char *tcvm_ctype_label(const tcvm_ctype_t *type, size_t index, size_t *out_size);

/*
 * The type of member index: record or tuple field, variant case payload, option payload
 * (index 1), result ok (0) or error (1) payload, list element (0). NULL when that member has
 * no payload (enum cases, flags, payload-less variant cases, option "none", result without that
 * side) or index is out of range. Owned by the arena.
 */
TCVM_API const tcvm_ctype_t *tcvm_ctype_member(const tcvm_ctype_t *type, size_t index);

/*
 * Resource of an own/borrow type: an id unique within the arena's owner (the component, or the
 * tcvm_ctypes_t), and the resource's name when it has one (NULL otherwise). 0 for other kinds.
 */
TCVM_API uint32_t tcvm_ctype_resource(const tcvm_ctype_t *type);
TCVM_API const char *tcvm_ctype_resource_name(const tcvm_ctype_t *type, size_t *out_size);

/* Structural equality of two types (resources compared by id). */
TCVM_API bool tcvm_ctype_equal(const tcvm_ctype_t *a, const tcvm_ctype_t *b);

/*
 * Writes the WIT text of a type ("list<tuple<u8, string>>", "record { a: u32, b: string }").
 * Returns a NUL-terminated string the caller frees with tcvm_ctext_free, or NULL when out of
 * memory.
 */
TCVM_API char *tcvm_ctype_to_wit(const tcvm_ctype_t *type);

/* Frees a string returned by this API. Accepts NULL. */
TCVM_API void tcvm_ctext_free(char *text);

/* An arena of types built by the caller (for tests, hosts, and the canonical ABI entry points). */
typedef struct tcvm_ctypes tcvm_ctypes_t;

TCVM_API tcvm_status_t tcvm_ctypes_new(tcvm_ctypes_t **out_types);
/* Frees the arena and every type in it. Accepts NULL. */
TCVM_API void tcvm_ctypes_free(tcvm_ctypes_t *types);

/*
 * Builders. Member types may come from any arena that outlives this one, or be primitives.
 * Labels are copied. Errors: TCVM_EINVAL (empty member list, more than 32 flags, a label that is
 * not a WIT identifier, duplicate labels), TCVM_ENOMEM.
 */
TCVM_API tcvm_status_t tcvm_ctypes_list(tcvm_ctypes_t *a, const tcvm_ctype_t *elem,
                                        const tcvm_ctype_t **out_type);
TCVM_API tcvm_status_t tcvm_ctypes_record(tcvm_ctypes_t *a, size_t count, const char *const *labels,
                                          const tcvm_ctype_t *const *types,
                                          const tcvm_ctype_t **out_type);
TCVM_API tcvm_status_t tcvm_ctypes_tuple(tcvm_ctypes_t *a, size_t count,
                                         const tcvm_ctype_t *const *types,
                                         const tcvm_ctype_t **out_type);
/* payloads may be NULL (no case has a payload) or hold NULL entries. */
TCVM_API tcvm_status_t tcvm_ctypes_variant(tcvm_ctypes_t *a, size_t count,
                                           const char *const *labels,
                                           const tcvm_ctype_t *const *payloads,
                                           const tcvm_ctype_t **out_type);
TCVM_API tcvm_status_t tcvm_ctypes_enum(tcvm_ctypes_t *a, size_t count, const char *const *labels,
                                        const tcvm_ctype_t **out_type);
TCVM_API tcvm_status_t tcvm_ctypes_option(tcvm_ctypes_t *a, const tcvm_ctype_t *payload,
                                          const tcvm_ctype_t **out_type);
/* ok and err may each be NULL (no payload). */
TCVM_API tcvm_status_t tcvm_ctypes_result(tcvm_ctypes_t *a, const tcvm_ctype_t *ok,
                                          const tcvm_ctype_t *err, const tcvm_ctype_t **out_type);
TCVM_API tcvm_status_t tcvm_ctypes_flags(tcvm_ctypes_t *a, size_t count, const char *const *labels,
                                         const tcvm_ctype_t **out_type);
/* A handle type to resource id (nonzero; the caller's numbering within this arena). */
TCVM_API tcvm_status_t tcvm_ctypes_own(tcvm_ctypes_t *a, uint32_t resource,
                                       const tcvm_ctype_t **out_type);
TCVM_API tcvm_status_t tcvm_ctypes_borrow(tcvm_ctypes_t *a, uint32_t resource,
                                          const tcvm_ctype_t **out_type);

/*
 * Parses a type written in WIT syntax (anonymous forms only: "u8", "list<string>",
 * "option<tuple<u32, char>>", "result<_, string>", "record { a: u8 }", "variant { a(u8), b }",
 * "enum { a, b }", "flags { x, y }", "own<1>", "borrow<1>" with a numeric resource id).
 * Errors: TCVM_COMP_VALUE with the offset of the problem in err.
 */
TCVM_API tcvm_status_t tcvm_ctypes_parse(tcvm_ctypes_t *a, const char *text, size_t text_size,
                                         const tcvm_ctype_t **out_type, tcvm_error_t *err);

/* ---- typed values ---------------------------------------------------------------------- */

/*
 * A value of a WIT type, as a tree. kind mirrors the type's kind; the union member used is:
 *   bool: b; s8..s64: s; u8..u64: u; f32: f32; f64: f64; char: ch (a Unicode scalar value);
 *   string: str (UTF-8, owned, not NUL-terminated);
 *   list, record, tuple: seq (items owned, count elements; record fields in type order);
 *   variant, enum, option, result: var (case index in type order, payload owned or NULL);
 *     option: case 0 none, 1 some; result: case 0 ok, 1 error;
 *   flags: flags (bit i = label i);
 *   own, borrow: handle (an index in the embedder's handle table of the instance the value
 *     came from or goes to; see tcvm_cinstance_resource_*).
 */
/*
 * The encoding a string had where it was lifted. The canonical ABI's allocation sequence when the
 * string is lowered again depends on it (e.g. a UTF-16 source into UTF-8 first asks for one byte
 * per code unit); the text itself is always held as UTF-8. Strings the embedder makes are
 * TCVM_CSTR_FROM_UTF8 (0, what zero-initialization gives).
 */
typedef enum tcvm_cstring_origin {
    TCVM_CSTR_FROM_UTF8 = 0,
    TCVM_CSTR_FROM_UTF16 = 1,
    TCVM_CSTR_FROM_LATIN1 = 2,       /* latin1+utf16, stored as Latin-1 */
    TCVM_CSTR_FROM_LATIN1_UTF16 = 3, /* latin1+utf16, stored as UTF-16 */
} tcvm_cstring_origin_t;

typedef struct tcvm_cval tcvm_cval_t;
struct tcvm_cval {
    tcvm_ctype_kind_t kind;
    union {
        bool b;
        int64_t s;
        uint64_t u;
        float f32;
        double f64;
        uint32_t ch;
        struct {
            char *data;  /* UTF-8 */
            size_t size; /* bytes */
            tcvm_cstring_origin_t origin;
        } str;
        struct {
            tcvm_cval_t *items;
            size_t count;
        } seq;
        struct {
            uint32_t index;
            tcvm_cval_t *payload;
        } var;
        uint32_t flags;
        uint32_t handle;
    } of;
};

/* Scalar constructors (nothing to free). */
TCVM_API tcvm_cval_t tcvm_cval_bool(bool v);
TCVM_API tcvm_cval_t tcvm_cval_s(tcvm_ctype_kind_t kind, int64_t v);  /* S8..S64 */
TCVM_API tcvm_cval_t tcvm_cval_u(tcvm_ctype_kind_t kind, uint64_t v); /* U8..U64 */
TCVM_API tcvm_cval_t tcvm_cval_f32(float v);
TCVM_API tcvm_cval_t tcvm_cval_f64(double v);
TCVM_API tcvm_cval_t tcvm_cval_char(uint32_t scalar);
TCVM_API tcvm_cval_t tcvm_cval_flags(uint32_t bits);
TCVM_API tcvm_cval_t tcvm_cval_handle(tcvm_ctype_kind_t kind, uint32_t handle); /* OWN/BORROW */

/* A string value holding a copy of size bytes of UTF-8 (TCVM_EINVAL when not valid UTF-8). */
TCVM_API tcvm_status_t tcvm_cval_string(const char *utf8, size_t size, tcvm_cval_t *out_val);
/* A list, record or tuple value with count zeroed items for the caller to fill. */
TCVM_API tcvm_status_t tcvm_cval_seq(tcvm_ctype_kind_t kind, size_t count, tcvm_cval_t *out_val);
/* A variant, enum, option or result value; payload (may be NULL) is moved into it: the new value
 * owns what payload owned and *payload must not be cleared by the caller afterwards. */
TCVM_API tcvm_status_t tcvm_cval_case(tcvm_ctype_kind_t kind, uint32_t index,
                                      const tcvm_cval_t *payload, tcvm_cval_t *out_val);
/* Deep copy. */
TCVM_API tcvm_status_t tcvm_cval_copy(const tcvm_cval_t *src, tcvm_cval_t *out_val);
/* Deep equality (floats by bits, after NaN canonicalization). */
TCVM_API bool tcvm_cval_equal(const tcvm_cval_t *a, const tcvm_cval_t *b);
/* Checks that val is a well-formed value of type (kinds, counts, case indexes, payload
 * presence, flag bits, char scalars, UTF-8); TCVM_WASM_TYPE with the path in err otherwise. */
TCVM_API tcvm_status_t tcvm_cval_check(const tcvm_ctype_t *type, const tcvm_cval_t *val,
                                       tcvm_error_t *err);
/* Frees what val owns and zeroes it (val itself is the caller's). Accepts NULL. */
TCVM_API void tcvm_cval_clear(tcvm_cval_t *val);
/* Clears count values of an array (not the array itself). */
TCVM_API void tcvm_cval_clear_array(tcvm_cval_t *vals, size_t count);

/* ---- WAVE text ------------------------------------------------------------------------- */

/*
 * WAVE, the WebAssembly Value Encoding: `true`, `-7`, `1.5`, `nan`, `inf`, `'x'`, `"a\u{1F600}"`,
 * `[1, 2]`, `{a: 1, b: "x"}`, `(1, "x")`, `case(payload)`, `case`, `some(x)`, `none`, `ok(x)`,
 * `err(x)`, `ok`, `{read, write}`; labels may be written %escaped. Parsing reads exactly one
 * value of the given type (whitespace and trailing commas allowed); record fields of option
 * type may be left out (they are none). Handles are not expressible.
 * Errors: TCVM_COMP_VALUE with the byte offset and what was expected in err.
 */
TCVM_API tcvm_status_t tcvm_wave_parse(const tcvm_ctype_t *type, const char *text, size_t text_size,
                                       tcvm_cval_t *out_val, tcvm_error_t *err);

/*
 * Parses a comma-separated argument list (no surrounding parentheses) for the given parameter
 * types: count values written into out_vals (caller's array of count), which the caller clears.
 */
TCVM_API tcvm_status_t tcvm_wave_parse_args(const tcvm_ctype_t *const *types, size_t count,
                                            const char *text, size_t text_size,
                                            tcvm_cval_t *out_vals, tcvm_error_t *err);

/*
 * Prints val (of type) as WAVE. Returns a NUL-terminated string freed with tcvm_ctext_free, or
 * NULL when out of memory or val does not fit type. Floats print the shortest text that reads
 * back to the same value; strings and chars escape what WAVE requires.
 */
TCVM_API char *tcvm_wave_print(const tcvm_ctype_t *type, const tcvm_cval_t *val);

/* ---- function and instance types ------------------------------------------------------- */

/* A component function type: named parameters and at most one result. Owned by its component. */
typedef struct tcvm_cfunctype tcvm_cfunctype_t;

TCVM_API size_t tcvm_cfunctype_param_count(const tcvm_cfunctype_t *ft);
TCVM_API const char *tcvm_cfunctype_param_name(const tcvm_cfunctype_t *ft, size_t index,
                                               size_t *out_size);
TCVM_API const tcvm_ctype_t *tcvm_cfunctype_param(const tcvm_cfunctype_t *ft, size_t index);
/* The result type, or NULL when the function returns nothing. */
TCVM_API const tcvm_ctype_t *tcvm_cfunctype_result(const tcvm_cfunctype_t *ft);
/* WIT text "func(a: u32, b: string) -> list<u8>"; free with tcvm_ctext_free. */
TCVM_API char *tcvm_cfunctype_to_wit(const tcvm_cfunctype_t *ft);

/* Kinds of component imports and exports (and of an instance type's exports). */
typedef enum tcvm_cextern_kind {
    TCVM_CEXTERN_FUNC = 0,
    TCVM_CEXTERN_INSTANCE, /* an interface: an instance type with its own exports */
    TCVM_CEXTERN_TYPE,     /* a named type (a resource type or a value type) */
    TCVM_CEXTERN_COMPONENT,
    TCVM_CEXTERN_MODULE, /* a core module */
} tcvm_cextern_kind_t;

/* The type of an instance (an interface). Owned by its component. */
typedef struct tcvm_cinsttype tcvm_cinsttype_t;

/* An import, an export, or an instance type's export. Pointers live as long as the component. */
typedef struct tcvm_cextern_desc {
    const char *name;
    size_t name_size;
    tcvm_cextern_kind_t kind;
    const tcvm_cfunctype_t *func;     /* TCVM_CEXTERN_FUNC */
    const tcvm_cinsttype_t *instance; /* TCVM_CEXTERN_INSTANCE */
    /* TCVM_CEXTERN_TYPE: the value type, or NULL for a resource type (then resource is its id) */
    const tcvm_ctype_t *type;
    uint32_t resource;
} tcvm_cextern_desc_t;

TCVM_API size_t tcvm_cinsttype_export_count(const tcvm_cinsttype_t *it);
TCVM_API tcvm_status_t tcvm_cinsttype_export(const tcvm_cinsttype_t *it, size_t index,
                                             tcvm_cextern_desc_t *out_desc);

/* ---- components ------------------------------------------------------------------------ */

typedef struct tcvm_component tcvm_component_t;

/* Where a load failed: byte offset in the binary (of the outermost component) and section id
 * (0..12; -1 when not inside a section, e.g. the preamble). */
typedef struct tcvm_component_where {
    uint64_t offset;
    int section;
} tcvm_component_where_t;

/*
 * Decodes and validates a component binary and compiles its core modules with engine (so for
 * the engine's tier and fuel setting). bytes are borrowed for the call only. Errors:
 * TCVM_COMP_MALFORMED (bad encoding), TCVM_COMP_INVALID (fails validation), TCVM_COMP_FEATURE
 * (async, stream, future, error-context, threads, GC, memory64, fixed lists, start/value
 * sections: the message names it), a core module's TCVM_WASM_* error, TCVM_ENOMEM, TCVM_ELIMIT.
 * err (may be NULL) says what and where ("section 7 (type) at offset 123: ..."); where (may be
 * NULL) gets the offset and section. A core module binary (layer 0) is refused as
 * TCVM_COMP_MALFORMED saying so. Caller owns *out_component.
 */
TCVM_API tcvm_status_t tcvm_component_new(tcvm_engine_t *engine, const uint8_t *bytes, size_t size,
                                          tcvm_component_t **out_component, tcvm_error_t *err,
                                          tcvm_component_where_t *where);
/* Decodes and validates only (no engine, nothing compiled); same errors. */
TCVM_API tcvm_status_t tcvm_component_validate(const uint8_t *bytes, size_t size, tcvm_error_t *err,
                                               tcvm_component_where_t *where);
/* Frees a component. Instances made from it keep what they need. Accepts NULL. */
TCVM_API void tcvm_component_free(tcvm_component_t *component);

TCVM_API size_t tcvm_component_import_count(const tcvm_component_t *component);
TCVM_API tcvm_status_t tcvm_component_import(const tcvm_component_t *component, size_t index,
                                             tcvm_cextern_desc_t *out_desc);
TCVM_API size_t tcvm_component_export_count(const tcvm_component_t *component);
TCVM_API tcvm_status_t tcvm_component_export(const tcvm_component_t *component, size_t index,
                                             tcvm_cextern_desc_t *out_desc);

/*
 * Describes the component's imports and exports as WIT text (a `world` block: `import name:
 * func(...)`, `import iface: interface { ... }`, `export ...`). Caller frees the result with
 * tcvm_ctext_free; NULL when out of memory.
 */
TCVM_API char *tcvm_component_to_wit(const tcvm_component_t *component);

/* ---- the embedder's imports ------------------------------------------------------------ */

typedef struct tcvm_clinker tcvm_clinker_t;
typedef struct tcvm_cinstance tcvm_cinstance_t;

/* A call in progress into a host function; valid only during the call. */
typedef struct tcvm_ccall tcvm_ccall_t;

/*
 * A host function for an imported component function. args are the lifted arguments (owned by
 * the runtime, valid during the call; the host may move out of them by copying and zeroing an
 * item). When the function has a result the host writes it into *result (then owned by the
 * runtime, which lowers it into the caller's memory and clears it); result is NULL otherwise.
 * Returning TCVM_OK continues; any other status traps the calling component with that status
 * (tcvm_ccall_trapf attaches a message). The host may call exports of other instances, but not
 * of the calling instance (the canonical ABI forbids re-entering it: that traps).
 */
typedef tcvm_status_t (*tcvm_chost_fn_t)(void *env, tcvm_ccall_t *call, const tcvm_cval_t *args,
                                         size_t arg_count, tcvm_cval_t *result);

/* The instance whose import is being called. */
TCVM_API tcvm_cinstance_t *tcvm_ccall_instance(tcvm_ccall_t *call);
/* Records a trap message; returns TCVM_TRAP_HOST for the host function to return. */
TCVM_API tcvm_status_t tcvm_ccall_trapf(tcvm_ccall_t *call, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/*
 * A policy hook of a forward (see tcvm_clinker_forward): called before each forwarded call with
 * the number of argument bytes lifted from the caller's memory (string and list contents plus
 * flat values). Returning a status other than TCVM_OK refuses the call: the caller traps with it.
 */
typedef tcvm_status_t (*tcvm_cforward_hook_t)(void *env, const char *import_name,
                                              uint64_t arg_bytes);

/* Creates an empty linker. Caller owns it; it may be used for many instantiations. */
TCVM_API tcvm_status_t tcvm_clinker_new(tcvm_clinker_t **out_linker);
/* Frees a linker (calling env_free of its functions). Accepts NULL. */
TCVM_API void tcvm_clinker_free(tcvm_clinker_t *linker);

/*
 * Supplies a host function. interface (NUL-terminated; may be NULL) names an imported
 * instance ("example:proc/host@0.1.0"), and name the function inside it; with interface NULL,
 * name is a function imported at the top level of the component. The function's type is
 * checked at instantiation against the import's type. env is passed to fn; env_free (may be
 * NULL) is called with env when the linker is freed. TCVM_EEXIST when already defined.
 */
TCVM_API tcvm_status_t tcvm_clinker_define_func(tcvm_clinker_t *linker, const char *interface,
                                                const char *name, tcvm_chost_fn_t fn, void *env,
                                                void (*env_free)(void *));

/*
 * Supplies a host resource type for an imported resource (interface NULL: top level). Handles
 * to it that a component receives carry reps chosen by the host (tcvm_cinstance_resource_new);
 * when a component drops the last own handle, dtor (may be NULL) is called with env and the rep.
 */
TCVM_API tcvm_status_t tcvm_clinker_define_resource(tcvm_clinker_t *linker, const char *interface,
                                                    const char *name,
                                                    void (*dtor)(void *env, uint32_t rep),
                                                    void *env);

/*
 * Satisfies an imported function with an export of another instance (callee, which must outlive
 * every instance made with this linker): a call lifts the arguments from the caller's memory and
 * lowers them into the callee's memory, then carries the result back the same way. Strings
 * (same encoding), lists of scalars and flat values are copied memory to memory without building
 * a value tree; other types go through a tree. export_name is the callee's export ("f", or
 * "ns:pkg/iface@1.0.0#f" for a function of an exported interface). The two function types
 * must be equal (checked at instantiation). hook (may be NULL) is called before each call.
 */
TCVM_API tcvm_status_t tcvm_clinker_forward(tcvm_clinker_t *linker, const char *interface,
                                            const char *name, tcvm_cinstance_t *callee,
                                            const char *export_name, tcvm_cforward_hook_t hook,
                                            void *env);

/* ---- instances ------------------------------------------------------------------------- */

/* Per-instance limits. The tier is the engine's (tcvm_engine_config_t). */
typedef struct tcvm_cinstance_config {
    tcvm_store_limits_t limits; /* for the instance's core store; zero fields mean defaults */
    /* Fuel given to the instance (engines with fuel only); 0 means unlimited (not metered). */
    uint64_t fuel;
} tcvm_cinstance_config_t;

/*
 * Instantiates component with the imports found in linker (may be NULL when the component
 * imports nothing): core modules and instances in order, aliases, lowered imports, lifted
 * exports, nested components, start functions. config NULL means defaults. An import the linker
 * does not satisfy fails with TCVM_COMP_UNLINKABLE naming it; a type mismatch likewise. A trap
 * in a start function returns its status. Caller owns *out_instance; err (may be NULL) has the
 * detail.
 */
TCVM_API tcvm_status_t tcvm_cinstance_new(tcvm_engine_t *engine, const tcvm_component_t *component,
                                          const tcvm_clinker_t *linker,
                                          const tcvm_cinstance_config_t *config,
                                          tcvm_cinstance_t **out_instance, tcvm_error_t *err);
/* Frees an instance, its store and its handle tables (calling host dtors of resources it still
 * owns). Accepts NULL. */
TCVM_API void tcvm_cinstance_free(tcvm_cinstance_t *instance);

/* The detail of the last failed call or trap on this instance. */
TCVM_API const tcvm_error_t *tcvm_cinstance_error(const tcvm_cinstance_t *instance);
/* The instance's core store (for fuel, interrupts). Owned by the instance. */
TCVM_API tcvm_store_t *tcvm_cinstance_store(tcvm_cinstance_t *instance);
/* False after a trap poisoned the instance (the canonical ABI leaves it unusable): every later
 * call fails with TCVM_ESTATE. */
TCVM_API bool tcvm_cinstance_usable(const tcvm_cinstance_t *instance);

/* An exported function of an instance. Owned by the instance. */
typedef struct tcvm_cfunc tcvm_cfunc_t;

/* Finds an exported function: "f" at the top level, or "ns:pkg/iface@1.0.0#f" inside an
 * exported instance (name NUL-terminated). NULL when there is none. */
TCVM_API tcvm_cfunc_t *tcvm_cinstance_func(tcvm_cinstance_t *instance, const char *name);
TCVM_API const tcvm_cfunctype_t *tcvm_cfunc_type(const tcvm_cfunc_t *func);

/*
 * Calls an exported function with arg_count args (checked against its type: TCVM_WASM_TYPE).
 * Lowers the arguments into the instance's memory, calls the core function, lifts the result
 * into *out_result (caller clears it; may be NULL only when the function has no result), then
 * runs post-return. Traps return TCVM_COMP_TRAP (canonical ABI) or a TCVM_TRAP_* status, with
 * the detail in tcvm_cinstance_error. A call that might be recursive traps, as the canonical
 * ABI's call_might_be_recursive says: from the embedder, into an instance tree that already has
 * an instance on the call stack; inside a tree, from an instance into its ancestor or
 * descendant. args are borrowed; own handles in them are moved into the instance.
 */
TCVM_API tcvm_status_t tcvm_cfunc_call(tcvm_cinstance_t *instance, tcvm_cfunc_t *func,
                                       const tcvm_cval_t *args, size_t arg_count,
                                       tcvm_cval_t *out_result);

/*
 * The embedder's handle table of an instance: own/borrow values the embedder receives from or
 * passes to the instance are indexes in it. resource_new makes an own handle to a host resource
 * (defined with tcvm_clinker_define_resource; interface NULL for the top level) with the host's
 * rep; resource_rep reads the rep of a handle to a host resource; resource_drop drops a handle
 * the embedder holds (running the destructor of an own handle in the defining instance or host).
 * Errors: TCVM_ENOENT (no such resource or handle), TCVM_EPERM (lent borrows outstanding).
 */
TCVM_API tcvm_status_t tcvm_cinstance_resource_new(tcvm_cinstance_t *instance,
                                                   const char *interface, const char *name,
                                                   uint32_t rep, uint32_t *out_handle);
TCVM_API tcvm_status_t tcvm_cinstance_resource_rep(tcvm_cinstance_t *instance, uint32_t handle,
                                                   uint32_t *out_rep);
TCVM_API tcvm_status_t tcvm_cinstance_resource_drop(tcvm_cinstance_t *instance, uint32_t handle);

/* ---- the canonical ABI, directly ------------------------------------------------------- */

/* String encodings of canonical options. */
typedef enum tcvm_cstring_encoding {
    TCVM_CSTR_UTF8 = 0,
    TCVM_CSTR_UTF16 = 1,
    TCVM_CSTR_LATIN1_UTF16 = 2,
} tcvm_cstring_encoding_t;

/*
 * A linear memory as the canonical ABI sees it. data/size describe the memory and are updated
 * by the realloc callback when it grows it. realloc (may be NULL: lowering anything that needs
 * allocation then traps) implements the guest's realloc(old, old_size, align, new_size) and
 * writes the new pointer; returning non-OK traps. Own and borrow handles are lifted and lowered
 * as their bare i32 values (no handle table at this level).
 */
typedef struct tcvm_cabi_memory tcvm_cabi_memory_t;
struct tcvm_cabi_memory {
    uint8_t *data;
    size_t size;
    tcvm_cstring_encoding_t encoding;
    tcvm_status_t (*realloc)(tcvm_cabi_memory_t *mem, uint32_t old_ptr, uint32_t old_size,
                             uint32_t align, uint32_t new_size, uint32_t *out_ptr);
    void *env; /* the callback's */
};

/* Size and alignment of a type in linear memory (elem_size, alignment). */
TCVM_API uint32_t tcvm_cabi_size(const tcvm_ctype_t *type);
TCVM_API uint32_t tcvm_cabi_align(const tcvm_ctype_t *type);
/*
 * Flattens a type into core value types: writes up to cap of them into out (may be NULL) and
 * returns how many the type flattens to (which may exceed cap).
 */
TCVM_API size_t tcvm_cabi_flatten(const tcvm_ctype_t *type, tcvm_valtype_t *out, size_t cap);

/*
 * load: lifts a value of type stored at ptr. Traps (TCVM_COMP_TRAP, message in err): misaligned
 * or out-of-bounds pointers, bad UTF-8/UTF-16/Latin-1 tagging, bad chars, discriminants out of
 * range, flags bits past the labels are ignored as the spec says. Caller clears *out_val.
 */
TCVM_API tcvm_status_t tcvm_cabi_load(tcvm_cabi_memory_t *mem, const tcvm_ctype_t *type,
                                      uint32_t ptr, tcvm_cval_t *out_val, tcvm_error_t *err);
/* store: lowers val (of type) to ptr, allocating strings and lists with mem->realloc. */
TCVM_API tcvm_status_t tcvm_cabi_store(tcvm_cabi_memory_t *mem, const tcvm_ctype_t *type,
                                       const tcvm_cval_t *val, uint32_t ptr, tcvm_error_t *err);

/*
 * Lifts count values of types from flat core values (lift_flat_values): when the types flatten
 * to more than max_flat values (16 for parameters, 1 for results), flat holds one i32 pointer to
 * a tuple of them in memory. flat_count must match exactly. Caller clears out_vals[0..count).
 */
TCVM_API tcvm_status_t tcvm_cabi_lift_values(tcvm_cabi_memory_t *mem,
                                             const tcvm_ctype_t *const *types, size_t count,
                                             const tcvm_val_t *flat, size_t flat_count,
                                             size_t max_flat, tcvm_cval_t *out_vals,
                                             tcvm_error_t *err);
/*
 * Lowers count values to flat core values (lower_flat_values) into out_flat (cap flat_cap;
 * TCVM_EINVAL when too small) and sets *out_flat_count. When the types flatten to more than
 * max_flat values the tuple is stored in memory: at *spill_ptr when spill_ptr is not NULL (the
 * caller-provided out-pointer of a lowered import's results; nothing is written to out_flat),
 * otherwise at a fresh realloc(0, 0, align, size) whose pointer is the single flat value.
 */
TCVM_API tcvm_status_t tcvm_cabi_lower_values(tcvm_cabi_memory_t *mem,
                                              const tcvm_ctype_t *const *types, size_t count,
                                              const tcvm_cval_t *vals, size_t max_flat,
                                              const uint32_t *spill_ptr, tcvm_val_t *out_flat,
                                              size_t flat_cap, size_t *out_flat_count,
                                              tcvm_error_t *err);

#ifdef __cplusplus
}
#endif

#endif
