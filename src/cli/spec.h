/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The spec-test runner behind `2cvm spec`: runs WebAssembly core test scripts (.wast) through
 * wabt's wast2json and the engine, and judges every command. It is a test tool that lives in
 * the command, not in the engine: it reaches the engine only through the public API
 * (tcvm/wasm.h). cmd_spec.c handles the arguments and runs each file in a child process;
 * spec_run.c runs one file.
 */
#ifndef TCVM_CLI_SPEC_H
#define TCVM_CLI_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kinds of script command, for the per-kind counts. */
typedef enum spec_kind {
    SPEC_MODULE,
    SPEC_REGISTER,
    SPEC_ACTION,
    SPEC_ASSERT_RETURN,
    SPEC_ASSERT_TRAP,
    SPEC_ASSERT_EXHAUSTION,
    SPEC_ASSERT_INVALID,
    SPEC_ASSERT_MALFORMED,
    SPEC_ASSERT_UNLINKABLE,
    SPEC_ASSERT_UNINSTANTIABLE,
    SPEC_OTHER,
    SPEC_KIND_COUNT
} spec_kind_t;

/* Name of a kind as it appears in the script ("assert_return", ...). */
const char *spec_kind_name(spec_kind_t kind);

/* Commands passed, failed and skipped, in all and per kind. */
typedef struct spec_counts {
    unsigned long passed, failed, skipped;
    unsigned long kind[SPEC_KIND_COUNT][3]; /* [kind][0 passed, 1 failed, 2 skipped] */
} spec_counts_t;

/* Adds src into dst. */
void spec_counts_add(spec_counts_t *dst, const spec_counts_t *src);

typedef struct spec_options {
    const char *wast2json; /* the tool to run (looked up in PATH); "wast2json" by default */
    uint64_t fuel;         /* fuel for each call and instantiation; 0: no fuel metering */
    int tier;              /* tcvm_tier_t: the engine tier the scripts run on */
    unsigned show;         /* failures described per file */
    bool verbose;          /* every failure, every skip reason, spectest prints */
    const char *wast_parse; /* tools/wast-parse.mjs for component scripts; NULL: found */
    const char *node;       /* node, to run it; NULL: "node" from PATH */
} spec_options_t;

/*
 * Runs one script: a .wast file (converted by wast2json into a temporary directory that is
 * removed afterwards) or a .json file that wast2json already wrote (its modules next to it).
 * Prints "PASS|FAIL|SKIP NAME: N passed, N failed, N skipped" and the first failures and the
 * skip reasons below it, and writes the counts. A script that cannot be converted or read at
 * all counts as one failure.
 */
void spec_run_file(const char *path, const spec_options_t *opt, spec_counts_t *out_counts);

/* True when path is a .wast script of the Component Model (it holds "(component"). */
bool spec_is_component_script(const char *path);

/*
 * Runs one component script (spec_component.c): tools/wast-parse.mjs converts it into commands
 * and component binaries, judged against the component runtime; same output and counts as
 * spec_run_file.
 */
void spec_component_run_file(const char *path, const spec_options_t *opt,
                             spec_counts_t *out_counts);

#endif
