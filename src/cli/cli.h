/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `2cvm` command: argument handling only; all logic goes through the library. Each command
 * group lives in its own cmd_*.c file and is listed once in the table in main.c.
 * Exit codes: 0 success, 1 the operation failed (verification, trap, refusal), 2 usage error.
 */
#ifndef TCVM_CLI_H
#define TCVM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcvm/common.h"

#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

typedef int (*cli_cmd_fn)(int argc, char **argv);

/* Prints "2cvm: " and the message to stderr. */
void cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parses an unsigned decimal number; false on junk or overflow. */
bool cli_parse_u64(const char *s, uint64_t *out);
/* The value of the option at argv[*i] (either "--opt=value" or "--opt value"); NULL when it
 * does not match name. Advances *i past a separate value. Reports a missing value. */
const char *cli_option(int argc, char **argv, int *i, const char *name, bool *missing);

/* Parses "interp" or "aot"; reports anything else. */
bool cli_parse_tier(const char *s, int *out_tier);

/* Command groups, one per cmd_*.c file. */
int cli_cmd_wasm(int argc, char **argv);
int cli_cmd_spec(int argc, char **argv);
int cli_cmd_keygen(int argc, char **argv);
int cli_cmd_manifest(int argc, char **argv);
int cli_cmd_seal(int argc, char **argv);
int cli_cmd_open(int argc, char **argv);
int cli_cmd_transcript(int argc, char **argv);
int cli_cmd_attest(int argc, char **argv);
int cli_cmd_serve(int argc, char **argv);
int cli_cmd_client(int argc, char **argv);
int cli_cmd_demo(int argc, char **argv);
int cli_cmd_component(int argc, char **argv);

#endif
