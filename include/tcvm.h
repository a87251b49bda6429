/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The public API of 2cvm, one header per subsystem. Only declarations under include/ are API;
 * everything under src/ is internal.
 */
#ifndef TCVM_H
#define TCVM_H

#include "tcvm/common.h"
#include "tcvm/wasm.h"

#endif
