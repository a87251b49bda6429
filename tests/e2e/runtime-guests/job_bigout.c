/* SPDX-License-Identifier: Apache-2.0
 * A job that writes more to its output than the manifest's max_size allows, then tries an output
 * it is not the writer of: the first write over the limit is refused (the job fails there). */
#include "guest.h"

IMPORT("tcvm:host/outputs@0.1.0", "write")
void output_write(const char *id, uint32_t n, const void *data, uint32_t len);

static uint8_t chunk[16384];

EXPORT("run") void *run(void)
{
    for (int i = 0; i < 8; i++) /* 128 KiB into a 64 KiB output */
        output_write("result", 6, chunk, sizeof chunk);
    output_write("elsewhere", 9, chunk, 1);
    return ok();
}
