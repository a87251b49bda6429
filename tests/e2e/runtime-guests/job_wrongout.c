/* SPDX-License-Identifier: Apache-2.0
 * A job that writes to an output it is not the writer of (one the manifest does not name). */
#include "guest.h"

IMPORT("tcvm:host/outputs@0.1.0", "write")
void output_write(const char *id, uint32_t n, const void *data, uint32_t len);

EXPORT("run") void *run(void)
{
    output_write("elsewhere", 9, "x", 1);
    return ok();
}
