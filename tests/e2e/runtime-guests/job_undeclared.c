/* SPDX-License-Identifier: Apache-2.0
 * A job that imports an interface no channel of the manifest grants. */
#include "guest.h"

IMPORT("tcvm:jobtest/exfiltrate@0.1.0", "send") void send(const void *data, uint32_t n);

EXPORT("run") void *run(void)
{
    send("secret", 6);
    return ok();
}
