/* SPDX-License-Identifier: Apache-2.0
 * A job that grows its memory past the manifest's limit, touching each new page; it traps when
 * the runtime refuses to grow. */
#include "guest.h"

EXPORT("run") void *run(void)
{
    for (;;) {
        size_t old = __builtin_wasm_memory_grow(0, 16);
        if (old == (size_t)-1)
            __builtin_trap();
        ((volatile uint8_t *)(old * 65536u))[0] = 1;
    }
}
