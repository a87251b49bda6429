/* SPDX-License-Identifier: Apache-2.0 */
/* Test helper: turns WebAssembly text into a binary with Debian's wat2wasm (skips the test
 * loudly when wat2wasm is missing). */
#ifndef TCVM_TEST_WAT_H
#define TCVM_TEST_WAT_H

#include <stddef.h>
#include <stdint.h>

/* Returns a malloc'd binary of the module text; the test fails if wat2wasm rejects it. */
uint8_t *tcvm_test_wat(const char *wat, size_t *out_size);

#endif
