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

/* attest: evidence, certificate tables, certificates, guest interfaces */
#define TCVM_ATTEST_MAX_EVIDENCE_SIZE ((size_t)1 << 20)   /* one evidence file or report file */
#define TCVM_ATTEST_MAX_CERT_TABLE_SIZE ((size_t)1 << 18) /* a GHCB certificate table */
#define TCVM_ATTEST_MAX_CERT_ENTRIES 64u                  /* entries in one table */
#define TCVM_ATTEST_MAX_CERT_SIZE ((size_t)1 << 16)       /* one certificate, DER or PEM */
#define TCVM_ATTEST_MAX_CERTS 64u                         /* certificates a verifier holds */
#define TCVM_ATTEST_MAX_CERT_DIR_FILES 256u               /* files read from a certs dir */
#define TCVM_ATTEST_MAX_CERT_FILE_SIZE ((size_t)1 << 18)  /* one file of certificates */
#define TCVM_ATTEST_MAX_TSM_BLOB_SIZE ((size_t)1 << 15)   /* configfs-tsm outblob (kernel max) */
#define TCVM_ATTEST_MAX_TSM_AUXBLOB_SIZE ((size_t)1 << 18) /* configfs-tsm auxblob */
#define TCVM_ATTEST_MAX_EXT_CERTS_SIZE ((size_t)1 << 16)  /* sev-guest extended-report buffer */
#define TCVM_ATTEST_MAX_RUNTIME_JSON_SIZE ((size_t)1 << 20) /* a manifest runtime section */

#endif
