/* SPDX-License-Identifier: Apache-2.0
 * A job whose entry traps (unreachable). */
#include "guest.h"

EXPORT("run") void *run(void)
{
    __builtin_trap();
}
