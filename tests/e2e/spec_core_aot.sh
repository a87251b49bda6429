#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The WebAssembly core spec suite on the ahead-of-time tier: every module of the suite is
# translated by wasm2c and compiled by the C compiler (cached by digest), then judged exactly as
# on the interpreter (spec_core.sh). Skipped, loudly, when wasm2c or a C compiler is missing.
# Usage: bash spec_core_aot.sh PATH_TO_2cvm SHARED_DIR   (from tests/e2e)
set -uo pipefail
if ! command -v wasm2c >/dev/null || ! command -v cc >/dev/null; then
  echo "SKIPPED: the AOT tier needs wasm2c (Debian package wabt) and a C compiler (cc)"
  exit 77
fi
exec bash "$(dirname "$0")/spec_core.sh" "${1:?usage: spec_core_aot.sh PATH_TO_2cvm SHARED_DIR}" \
     "${2:?usage: spec_core_aot.sh PATH_TO_2cvm SHARED_DIR}" aot
