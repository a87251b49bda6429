/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tiny component binary builder for the component tests: byte buffers with LEB128 and name
 * writers, sections, and encoders of WIT value types and function types into a type section
 * (compound types get their own type definitions, in dependency order).
 */
#ifndef TCVM_TEST_COMPONENT_UTIL_H
#define TCVM_TEST_COMPONENT_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "tcvm/component.h"

typedef struct cb {
    uint8_t *d;
    size_t n, cap;
} cb_t;

void cb_u8(cb_t *b, uint8_t v);
void cb_u32(cb_t *b, uint32_t v);
void cb_s33(cb_t *b, int64_t v);
void cb_bytes(cb_t *b, const void *p, size_t n);
void cb_name(cb_t *b, const char *s);
void cb_free(cb_t *b);
/* Appends section id with content (size prefixed). */
void cb_section(cb_t *out, uint8_t id, const cb_t *content);
/* The component preamble. */
void cb_preamble(cb_t *out);

/*
 * Type sections under construction: entries are counted so that value types and function
 * types can refer to earlier ones. cb_type_val returns the encoding of a valtype (a primitive
 * code, or the index of a new defined type) and writes any definitions it needs. Records,
 * variants, enums and flags are imported under a name right after their definition (`(import
 * "tN" (type (eq idx)))`, which needs nothing from the host) and referred to by the imported
 * index, as the external visibility rule requires of types an import or export mentions.
 */
typedef struct cb_types {
    cb_t body;
    uint32_t count;   /* type index space size so far (including earlier sections) */
    uint32_t entries; /* entries in the type section being written */
    uint32_t names;   /* type imports made so far */
    cb_t done;        /* sections finished so far (types and type imports) */
} cb_types_t;

/* Encodes t as a valtype into out, defining compound types in ts as needed. */
void cb_type_val(cb_types_t *ts, cb_t *out, const tcvm_ctype_t *t);
/* Defines a function type `func(p0: t0, ...) -> result` (result may be NULL); returns its index. */
uint32_t cb_type_func(cb_types_t *ts, size_t n, const char *const *names,
                      const tcvm_ctype_t *const *params, const tcvm_ctype_t *result);
/* Writes the type sections (and the imports naming types) into out. */
void cb_types_emit(cb_types_t *ts, cb_t *out);

/* Loads, instantiates with linker (may be NULL) on engine; fails the test on error. */
tcvm_component_t *ct_load(tcvm_engine_t *engine, const cb_t *bin);

#endif
