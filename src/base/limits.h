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

/* manifest: document shape (see docs/manifest.md) */
#define TCVM_MANIFEST_MAX_SIZE ((size_t)1 << 20)   /* manifest file, 1 MiB */
#define TCVM_MANIFEST_MAX_PARTICIPANTS 64u
#define TCVM_MANIFEST_MAX_COMPONENTS 256u
#define TCVM_MANIFEST_MAX_INPUTS 1024u
#define TCVM_MANIFEST_MAX_OUTPUTS 1024u
#define TCVM_MANIFEST_MAX_CHANNELS 4096u
#define TCVM_MANIFEST_MAX_REFS 256u                /* readers / recipients of one item */
#define TCVM_MANIFEST_MAX_MEASUREMENTS 64u
#define TCVM_MANIFEST_MAX_CHIP_IDS 256u
#define TCVM_MANIFEST_MAX_ID_SIZE 64u              /* bytes of an id */
#define TCVM_MANIFEST_MAX_NAME_SIZE 256u           /* interface and export names */
#define TCVM_MANIFEST_MAX_TEXT_SIZE 4096u          /* free-text descriptions */
/* manifest: resource limits a manifest may grant */
#define TCVM_MANIFEST_MIN_MEMORY 65536ull          /* one WebAssembly page */
#define TCVM_MANIFEST_MAX_MEMORY (4ull << 30)      /* 4 GiB, all of wasm32 */
#define TCVM_MANIFEST_MAX_FUEL (1ull << 53)        /* exact in every JSON reader */
#define TCVM_MANIFEST_MAX_TIME_MS (24ull * 3600 * 1000)
#define TCVM_MANIFEST_MAX_INPUT_SIZE (64ull << 30)
#define TCVM_MANIFEST_MAX_OUTPUT_SIZE (16ull << 30)
#define TCVM_BUNDLE_MAX_SIZE ((size_t)4 << 20)     /* base64 manifest + signatures */

/* age: sealed outputs (see docs/seal.md) */
#define TCVM_AGE_MAX_HEADER_SIZE ((size_t)1 << 20)
#define TCVM_AGE_MAX_STANZAS 1024u
#define TCVM_AGE_MAX_STANZA_ARGS 64u
#define TCVM_AGE_MAX_RECIPIENTS 256u
#define TCVM_AGE_MAX_IDENTITIES 256u
#define TCVM_AGE_MAX_KEY_TEXT 1024u                /* one bech32 key string */
#define TCVM_AGE_MAX_ARMORED_SIZE ((size_t)64 << 20) /* armored files are decoded whole */
#define TCVM_SEAL_MAX_BUFFERED ((size_t)256 << 20) /* plaintext held back for stdout */

/* transcript (see docs/transcript.md) */
#define TCVM_TRANSCRIPT_MAX_SIZE ((size_t)256 << 20)
#define TCVM_TRANSCRIPT_MAX_RECORDS 1000000u
#define TCVM_TRANSCRIPT_MAX_RECORD_SIZE ((size_t)64 << 10)
#define TCVM_TRANSCRIPT_MAX_FIELDS 64u
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
