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
#include <stdarg.h>

#include "base/base.h"

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

#define SPEC_MAX_SKIP_REASONS 8 /* distinct skip reasons listed per file */
#define SPEC_REASON_SIZE 256

/* The verdicts of one script: counts, the first failures described, skips grouped by reason.
 * Zero-initialised with opt set; spec_tally_free releases it. */
typedef struct spec_tally {
    const spec_options_t *opt;
    spec_counts_t counts;
    tcvm_buf_t report; /* the described failures (and, verbose, skips), one line each */
    unsigned long described;
    struct {
        char text[SPEC_REASON_SIZE];
        unsigned long count;
    } skips[SPEC_MAX_SKIP_REASONS];
    size_t skip_kinds;
    unsigned long other_skips; /* skips beyond the listed reasons */
} spec_tally_t;

/* Counts a passed command. */
void spec_tally_pass(spec_tally_t *t, spec_kind_t kind);
/* Counts a failed command and describes it (the first opt->show, or all with opt->verbose). */
void spec_tally_vfail(spec_tally_t *t, spec_kind_t kind, unsigned line, const char *fmt,
                      va_list ap) TCVM__PRINTF(4, 0);
/* Counts a skipped command; `reason` is shown (verbose), `key` groups it with like skips. */
void spec_tally_skip(spec_tally_t *t, spec_kind_t kind, unsigned line, const char *reason,
                     const char *key);
/* Adds `count` skips under the reason `key`. */
void spec_tally_group(spec_tally_t *t, const char *key, unsigned long count);
/* Turns every passed command into a skip under `reason` (a file judged as a whole). */
void spec_tally_skip_all(spec_tally_t *t, const char *reason);
/* Prints "PASS|FAIL|SKIP DISPLAY: counts", then the described failures and skip groups. */
void spec_tally_print(const spec_tally_t *t, const char *display);
void spec_tally_free(spec_tally_t *t);

/*
 * Runs a converter (argv[0], looked up in PATH; stdin /dev/null, stdout and stderr into the file
 * log) and waits for it. On failure writes into why what went wrong, naming the tool `name` and
 * the first line of its log, with `hint` added when argv[0] cannot be found.
 */
bool spec_run_converter(char *const argv[], const char *name, const char *log, const char *hint,
                        char *why, size_t why_size);

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
