#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The WebAssembly core spec suite: runs the non-SIMD .wast files at the top of
# SHARED_DIR/wasm-testsuite (90 files at the pinned commit) through `2cvm spec`. Fails if any
# command failed, or if fewer than 25,000 assertions passed (a runner that skipped its way
# through would not count). Skipped, loudly, when the shared suite or wast2json is absent.
# Usage: bash spec_core.sh PATH_TO_2cvm SHARED_DIR [interp|aot]   (from tests/e2e)
set -uo pipefail
cli=${1:?usage: spec_core.sh PATH_TO_2cvm SHARED_DIR}
shared=${2:?usage: spec_core.sh PATH_TO_2cvm SHARED_DIR}
tier=${3:-interp}
suite=$shared/wasm-testsuite
min_assertions=25000
if [ ! -d "$suite" ]; then
  echo "SKIPPED: the core spec suite $suite is absent (shared test data, not in the repository)"
  exit 77
fi
if ! command -v wast2json >/dev/null; then
  echo "SKIPPED: wast2json is not installed (Debian package wabt)"
  exit 77
fi
files=()
for f in "$suite"/*.wast; do
  case $(basename "$f") in simd_*) ;; *) files+=("$f") ;; esac
done
echo "running ${#files[@]} non-SIMD core spec files from $suite on the $tier tier"
out=$("$cli" spec --tier "$tier" --timeout 1200 "${files[@]}"); rc=$?
# every file that did not pass cleanly, then the totals
printf '%s\n' "$out" | grep -v '^PASS .*: [0-9]* passed, 0 failed, 0 skipped$'
last=$(printf '%s\n' "$out" | tail -n 1)
asserts=$(printf '%s\n' "$out" | sed -n 's/^files: [0-9]*; assertions: \([0-9]*\) passed.*/\1/p')
if ! [[ "$last" =~ ^[0-9]+\ passed,\ 0\ failed,\ [0-9]+\ skipped$ ]] || [ "$rc" -ne 0 ]; then
  echo "FAILED: the core spec suite has failures (exit $rc)"
  exit 1
fi
if [ -z "$asserts" ] || [ "$asserts" -lt "$min_assertions" ]; then
  echo "FAILED: only ${asserts:-0} assertions passed (at least $min_assertions expected)"
  exit 1
fi
echo "core spec suite ($tier): $asserts assertions passed"
