/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the manifest subsystem shared by its files: the arena that owns a parsed
 * manifest, the name grammars, and the two stages of reading a manifest, schema (parse.c: JSON
 * shape, types and formats, in document order) and semantics (check.c: ids, references and
 * limits, once the whole document has been read).
 */
#ifndef TCVM_MANIFEST_INTERNAL_H
#define TCVM_MANIFEST_INTERNAL_H

#include "base/base.h"
#include "tcvm/manifest.h"

#include <jansson.h>
#include <stdio.h>

/* ---- arena: every allocation of a manifest, freed at once ------------------------------- */

void *tcvm__arena_alloc(tcvm_manifest_arena_t *a, size_t size); /* zeroed */
void *tcvm__arena_array(tcvm_manifest_arena_t *a, size_t count, size_t size);
char *tcvm__arena_strndup(tcvm_manifest_arena_t *a, const char *s, size_t len);
tcvm_manifest_arena_t *tcvm__arena_new(void);
void tcvm__arena_free(tcvm_manifest_arena_t *a);

/* ---- names -------------------------------------------------------------------------------- */

/* An id: 1..64 bytes of a-z 0-9 . _ -, starting with a letter or digit. */
bool tcvm__manifest_id_valid(const char *s, size_t len);
/* A WIT interface name: namespace:package/interface with an optional @semver. */
bool tcvm__manifest_interface_valid(const char *s, size_t len);
/* An export: a kebab-case name, or interface#kebab-name. */
bool tcvm__manifest_export_valid(const char *s, size_t len);

/* ---- reading stages ----------------------------------------------------------------------- */

/*
 * References as written, resolved to indexes by the semantic stage. Arrays are parallel to the
 * manifest's arrays and live in the arena.
 */
typedef struct tcvm_manifest_refs {
    const char **component_owner;
    const char **input_owner;
    const char ***input_readers; /* input_reader_count[i] names each */
    const char **channel_from;
    const char **channel_to;
    const char **output_writer;
    const char ***output_recipients;
    const char *entry_component;
} tcvm_manifest_refs_t;

/* Schema stage: fills m (names, values, counts) and refs from the JSON document. */
tcvm_status_t tcvm__manifest_read(json_t *root, tcvm_manifest_t *m, tcvm_manifest_refs_t *refs,
                                  tcvm_error_t *err);

/* Semantic stage: unique ids, references resolved into m, keys and limits sane. */
tcvm_status_t tcvm__manifest_check(tcvm_manifest_t *m, const tcvm_manifest_refs_t *refs,
                                   tcvm_error_t *err);

/* Loads JSON with the settings every 2cvm document uses (duplicate keys refused); on a syntax
 * error err says "line L, column C: ..." with what (e.g. "manifest") in front. */
json_t *tcvm__json_load(const uint8_t *data, size_t size, const char *what, tcvm_status_t status,
                        tcvm_error_t *err);

#endif
