/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Status codes shared by every 2cvm subsystem.
 *
 * One X-macro list yields the enum, the symbolic names and the default messages. 0 is success;
 * failures are negative and grouped by subsystem in blocks of 100 so that a code alone tells
 * where it came from. The detail of a failure (offset, section, field path, ...) is not in the
 * code: it lives on the object that failed (see tcvm_error_t in tcvm/common.h).
 *
 * Blocks: base -1..-99, wasm -100..-199, component -200..-299, manifest -300..-399,
 * crypto -400..-499, attest -500..-599, net -600..-699, host -700..-799.
 * A subsystem adds codes only inside its own block.
 */
#ifndef TCVM_STATUS_H
#define TCVM_STATUS_H

#define TCVM_STATUS_MAP(X)                                                                         \
    X(OK, 0, "success")                                                                            \
    /* base */                                                                                     \
    X(ENOMEM, -1, "out of memory")                                                                 \
    X(ELIMIT, -2, "a configured limit was exceeded")                                               \
    X(EINVAL, -3, "invalid argument")                                                              \
    X(ETRUNC, -4, "unexpected end of input")                                                       \
    X(EIO, -5, "input/output error")                                                               \
    X(ENOENT, -6, "not found")                                                                     \
    X(EEXIST, -7, "already exists")                                                                \
    X(EOVERFLOW, -8, "arithmetic overflow in a size or count")                                     \
    X(EFORMAT, -9, "malformed input")                                                              \
    X(ESTATE, -10, "object is in the wrong state for this call")                                   \
    X(EUNSUPPORTED, -11, "not supported")                                                          \
    X(EPERM, -12, "not permitted")                                                                 \
    X(ETIMEOUT, -13, "timed out")                                                                  \
    X(EINTERNAL, -99, "internal error")                                                            \
    /* wasm: decode, validate, link, execute */                                                    \
    X(WASM_MALFORMED, -100, "malformed WebAssembly binary")                                        \
    X(WASM_INVALID, -101, "invalid WebAssembly module")                                            \
    X(WASM_FEATURE, -102, "WebAssembly feature not supported")                                     \
    X(WASM_UNLINKABLE, -103, "module cannot be linked")                                            \
    X(WASM_UNINSTANTIABLE, -104, "module instantiation failed")                                    \
    X(WASM_NOT_FOUND, -105, "export not found")                                                    \
    X(WASM_TYPE, -106, "value or signature type mismatch")                                         \
    X(TRAP_UNREACHABLE, -110, "trap: unreachable executed")                                        \
    X(TRAP_MEMORY_OOB, -111, "trap: out of bounds memory access")                                  \
    X(TRAP_TABLE_OOB, -112, "trap: out of bounds table access")                                    \
    X(TRAP_DIV_ZERO, -113, "trap: integer divide by zero")                                         \
    X(TRAP_INT_OVERFLOW, -114, "trap: integer overflow")                                           \
    X(TRAP_BAD_CONVERSION, -115, "trap: invalid conversion to integer")                            \
    X(TRAP_INDIRECT_NULL, -116, "trap: uninitialized element in indirect call")                    \
    X(TRAP_INDIRECT_TYPE, -117, "trap: indirect call type mismatch")                               \
    X(TRAP_STACK_EXHAUSTED, -118, "trap: call stack exhausted")                                    \
    X(TRAP_OUT_OF_FUEL, -119, "trap: out of fuel")                                                 \
    X(TRAP_HOST, -120, "trap: raised by a host function")                                          \
    X(TRAP_NULL_REF, -121, "trap: null reference")                                                 \
    X(TRAP_INTERRUPTED, -122, "trap: interrupted by the host")                                     \
    /* component */                                                                                \
    X(COMP_MALFORMED, -200, "malformed component binary")                                          \
    X(COMP_INVALID, -201, "invalid component")                                                     \
    X(COMP_FEATURE, -202, "component feature not supported")                                       \
    X(COMP_UNLINKABLE, -203, "component import not satisfied")                                     \
    X(COMP_TRAP, -204, "trap in the canonical ABI")                                                \
    X(COMP_VALUE, -205, "malformed component value text")                                          \
    /* manifest */                                                                                 \
    X(MANIFEST_SYNTAX, -300, "manifest is not valid JSON")                                         \
    X(MANIFEST_SCHEMA, -301, "manifest does not follow the schema")                                \
    X(MANIFEST_SEMANTIC, -302, "manifest is inconsistent")                                         \
    X(MANIFEST_CONSENT, -303, "consent signature missing or invalid")                              \
    X(MANIFEST_VALUE, -304, "malformed size, duration or identifier")                              \
    X(MANIFEST_BUNDLE, -305, "malformed consent bundle")                                           \
    /* crypto */                                                                                   \
    X(CRYPTO_FAILED, -400, "cryptographic operation failed")                                       \
    X(CRYPTO_BAD_KEY, -401, "malformed or unusable key")                                           \
    X(CRYPTO_BAD_SIGNATURE, -402, "signature does not verify")                                     \
    X(CRYPTO_DECRYPT, -403, "decryption failed")                                                   \
    X(CRYPTO_NO_IDENTITY, -404, "no identity matches any recipient")                               \
    X(CRYPTO_AGE_MALFORMED, -450, "malformed age file, armor or key encoding")                     \
    X(CRYPTO_AGE_MAC, -451, "age header MAC does not verify")                                      \
    X(CRYPTO_AGE_TRUNCATED, -452, "age payload is truncated")                                      \
    /* attest */                                                                                   \
    X(ATTEST_MALFORMED, -500, "malformed attestation evidence")                                    \
    X(ATTEST_VERIFY, -501, "attestation verification failed")                                      \
    X(ATTEST_PROVIDER, -502, "attestation provider unavailable")                                   \
    X(ATTEST_SIMULATED, -503, "evidence is simulated and simulated evidence is not allowed")       \
    /* net */                                                                                      \
    X(NET_FAILED, -600, "network operation failed")                                                \
    X(NET_PROTOCOL, -601, "protocol error")                                                        \
    X(NET_REFUSED, -602, "request refused by the server")                                          \
    /* host runtime */                                                                             \
    X(HOST_POLICY, -700, "refused by the manifest policy")                                         \
    X(HOST_STATE, -701, "runtime is in the wrong lifecycle state")                                 \
    X(HOST_JOB_FAILED, -702, "the job failed")                                                     \
    X(TRANSCRIPT_MALFORMED, -790, "malformed transcript")                                          \
    X(TRANSCRIPT_BROKEN, -791, "transcript chain or head signature does not verify")

#endif
