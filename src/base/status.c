/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Names and messages of the status codes, generated from the one list in tcvm/status.h, and the
 * error-detail helpers every subsystem uses to record what failed and where.
 */
#include "base/base.h"

#include <stdarg.h>
#include <stdio.h>

const char *tcvm_status_name(tcvm_status_t status)
{
    switch (status) {
#define TCVM__STATUS_NAME(name, value, msg)                                                        \
    case TCVM_##name:                                                                              \
        return #name;
        TCVM_STATUS_MAP(TCVM__STATUS_NAME)
#undef TCVM__STATUS_NAME
    }
    return "UNKNOWN";
}

const char *tcvm_status_message(tcvm_status_t status)
{
    switch (status) {
#define TCVM__STATUS_MSG(name, value, msg)                                                         \
    case TCVM_##name:                                                                              \
        return msg;
        TCVM_STATUS_MAP(TCVM__STATUS_MSG)
#undef TCVM__STATUS_MSG
    }
    return "unknown status";
}

bool tcvm_status_is_trap(tcvm_status_t status)
{
    return status <= TCVM_TRAP_UNREACHABLE && status >= TCVM_TRAP_INTERRUPTED;
}

const char *tcvm_version(void)
{
    return TCVM_VERSION_STRING;
}

tcvm_status_t tcvm__errorf(tcvm_error_t *err, tcvm_status_t status, const char *fmt, ...)
{
    if (err == NULL)
        return status;
    err->status = status;
    if (fmt == NULL) {
        snprintf(err->message, sizeof err->message, "%s", tcvm_status_message(status));
        return status;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    if (n < 0)
        snprintf(err->message, sizeof err->message, "%s", tcvm_status_message(status));
    return status;
}

void tcvm__error_clear(tcvm_error_t *err)
{
    if (err == NULL)
        return;
    err->status = TCVM_OK;
    err->message[0] = '\0';
}

void tcvm__error_copy(tcvm_error_t *dst, const tcvm_error_t *src)
{
    if (dst == NULL || src == NULL || dst == src)
        return;
    *dst = *src;
}
