/* SPDX-License-Identifier: Apache-2.0
 * A job that never ends: only its fuel (or time) limit stops it. */
#include "guest.h"

EXPORT("run") void *run(void)
{
    volatile uint32_t x = 0;
    for (;;)
        x++;
}
