/* SPDX-License-Identifier: Apache-2.0
 * A job that finishes: reads its input, writes its length and first line to its output, logs. */
#include "guest.h"

IMPORT("tcvm:host/inputs@0.1.0", "size") uint64_t input_size(const char *id, uint32_t n);
IMPORT("tcvm:host/inputs@0.1.0", "read")
void input_read(const char *id, uint32_t n, uint64_t off, uint32_t len, list_t *ret);
IMPORT("tcvm:host/outputs@0.1.0", "write")
void output_write(const char *id, uint32_t n, const void *data, uint32_t len);
IMPORT("tcvm:host/log@0.1.0", "log") void host_log(const char *msg, uint32_t n);

EXPORT("run") void *run(void)
{
    uint64_t size = input_size("data", 4);
    list_t got;
    input_read("data", 4, 0, (uint32_t)size, &got);
    static char out[256];
    uint32_t n = 0;
    static const char head[] = "bytes in: ";
    memcpy(out, head, sizeof head - 1);
    n = sizeof head - 1;
    char digits[24];
    int k = 0;
    do {
        digits[k++] = (char)('0' + size % 10);
        size /= 10;
    } while (size);
    while (k)
        out[n++] = digits[--k];
    out[n++] = '\n';
    for (uint32_t i = 0; i < got.len && got.len && ((char *)got.ptr)[i] != '\n' && n < 250; i++)
        out[n++] = ((char *)got.ptr)[i];
    out[n++] = '\n';
    output_write("result", 6, out, n);
    host_log("job-ok: done", 12);
    return ok();
}
