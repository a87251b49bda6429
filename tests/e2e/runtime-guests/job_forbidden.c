/* SPDX-License-Identifier: Apache-2.0
 * A job that reads an input the manifest does not route to it (one it does not even name): the host call is refused. */
#include "guest.h"

IMPORT("tcvm:host/inputs@0.1.0", "size") uint64_t input_size(const char *id, uint32_t n);

EXPORT("run") void *run(void)
{
    input_size("secret", 6);
    return ok();
}
