/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one table of sanity caps applied to counts and sizes read from untrusted input. Every
 * parser checks what it reads against these before it allocates; a value over a cap is refused
 * with TCVM_ELIMIT or the subsystem's malformed/invalid code, never allocated.
 * Subsystems add their own caps here, in their own block.
 */
#ifndef TCVM_BASE_LIMITS_H
#define TCVM_BASE_LIMITS_H

/* base */
#define TCVM_MAX_ALLOC ((size_t)1 << 33)          /* largest single allocation, 8 GiB */
#define TCVM_MAX_FILE_SIZE ((size_t)1 << 31)      /* largest file read whole, 2 GiB */

/* wasm: module structure (the common limits of web engines, see the JS API spec) */
#define TCVM_WASM_MAX_TYPES 1000000u
#define TCVM_WASM_MAX_FUNCS 1000000u
#define TCVM_WASM_MAX_IMPORTS 100000u
#define TCVM_WASM_MAX_EXPORTS 100000u
#define TCVM_WASM_MAX_GLOBALS 1000000u
#define TCVM_WASM_MAX_DATA_SEGMENTS 100000u
#define TCVM_WASM_MAX_ELEM_SEGMENTS 10000000u
#define TCVM_WASM_MAX_TABLES 100000u
#define TCVM_WASM_MAX_PARAMS 1000u
#define TCVM_WASM_MAX_RESULTS 1000u
#define TCVM_WASM_MAX_LOCALS 50000u
#define TCVM_WASM_MAX_FUNC_SIZE (7654321u)
#define TCVM_WASM_MAX_NAME_SIZE 100000u
#define TCVM_WASM_MAX_BR_TABLE 1000000u
#define TCVM_WASM_MAX_CONTROL_DEPTH 10000u
#define TCVM_WASM_MAX_OPERAND_DEPTH 100000u
#define TCVM_WASM_MAX_TABLE_SIZE 10000000u
#define TCVM_WASM_MAX_PAGES 65536u                /* 4 GiB of 64 KiB pages */

/* wasm: execution defaults (overridable per store, within the caps) */
#define TCVM_WASM_DEFAULT_MAX_CALL_DEPTH 10000u
#define TCVM_WASM_DEFAULT_STACK_SLOTS (1u << 20)  /* 8 MiB of 8-byte value slots */
#define TCVM_WASM_MAX_STACK_SLOTS (1u << 26)

#endif
