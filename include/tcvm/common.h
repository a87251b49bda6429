/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Things every 2cvm subsystem's public header needs: the export macro, the status enum and the
 * error detail record that failed objects carry.
 *
 * Conventions of the whole API: "size" is bytes and "count" is elements; binary data is always
 * (pointer, size); out_ parameters are written only on success; every destroy function accepts
 * NULL; input buffers are borrowed for the duration of the call unless a comment says otherwise.
 */
#ifndef TCVM_COMMON_H
#define TCVM_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "tcvm/status.h"

#if defined(TCVM_BUILDING) && defined(__GNUC__)
#define TCVM_API __attribute__((visibility("default")))
#else
#define TCVM_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tcvm_status {
#define TCVM__STATUS_ENUM(name, value, msg) TCVM_##name = (value),
    TCVM_STATUS_MAP(TCVM__STATUS_ENUM)
#undef TCVM__STATUS_ENUM
} tcvm_status_t;

/* Symbolic name of a status ("WASM_MALFORMED"); "UNKNOWN" for a value not in the list. */
TCVM_API const char *tcvm_status_name(tcvm_status_t status);

/* Default one-line message of a status; never NULL. */
TCVM_API const char *tcvm_status_message(tcvm_status_t status);

/* True when the status is one of the wasm trap codes (TRAP_*). */
TCVM_API bool tcvm_status_is_trap(tcvm_status_t status);

#define TCVM_ERROR_MSG_SIZE 512

/*
 * The detail of the last failure of an object: its status and a message that says what was wrong
 * and where. Objects embed one and expose it through their own *_error() accessor; the message is
 * always NUL-terminated, empty when status is TCVM_OK.
 */
typedef struct tcvm_error {
    tcvm_status_t status;
    char message[TCVM_ERROR_MSG_SIZE];
} tcvm_error_t;

/* Version string of the library, e.g. "0.1.0". */
TCVM_API const char *tcvm_version(void);

#ifdef __cplusplus
}
#endif

#endif
