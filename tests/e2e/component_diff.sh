#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Differential test of the Component Model runtime: every case of tests/component/cases.txt
# (a C guest component and an invocation in WAVE) runs through `2cvm component run --invoke`
# and through tools/jco-run.mjs (jco transpile + node, the reference); both must print the same
# WAVE text, or both must fail. The components are built by the build (cmake/guests.cmake) into
# BUILD/components. Skipped, loudly, when they were not built (no clang wasm32 target or no jco)
# or when this 2cvm has no `component run` command.
# Usage: bash component_diff.sh PATH_TO_2cvm [SHARED_DIR]   (from tests/e2e)
set -uo pipefail
cli=${1:?usage: component_diff.sh PATH_TO_2cvm [SHARED_DIR]}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
components=$(cd "$(dirname "$cli")" && pwd)/components
cases=$root/tests/component/cases.txt
jco_run=$root/tools/jco-run.mjs

if [ ! -d "$root/tools/node_modules/@bytecodealliance/jco" ] || ! command -v node >/dev/null; then
  echo "SKIPPED: jco is not installed in tools/node_modules (run scripts/setup) or node is missing"
  exit 77
fi
if [ ! -f "$components/scalars.wasm" ]; then
  echo "SKIPPED: the guest components were not built in $components (see the configure message"
  echo "         'C guest components' of cmake/guests.cmake: clang --target=wasm32 and jco are needed)"
  exit 77
fi
if ! "$cli" component run --help >/dev/null 2>&1; then
  echo "SKIPPED: this 2cvm has no 'component run' command yet; the differential test needs it"
  exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
while read -r guest invocation; do
  case $guest in ''|'#'*) continue ;; esac
  wasm=$components/$guest.wasm
  wit=$root/tests/component/guests/$guest.wit
  "$cli" component run "$wasm" --invoke "$invocation" >"$tmp/ours" 2>"$tmp/ours.err"; ours_rc=$?
  node "$jco_run" "$wasm" --invoke "$invocation" --wit "$wit" >"$tmp/ref" 2>"$tmp/ref.err"; ref_rc=$?
  label="$guest $invocation"
  [ ${#label} -gt 110 ] && label="${label:0:107}..."
  if [ "$ref_rc" -eq 2 ]; then
    echo "FAIL $label: the reference runner cannot run this case: $(head -c 300 "$tmp/ref.err")"
    failed=$((failed + 1))
  elif [ "$ours_rc" -eq 0 ] && [ "$ref_rc" -eq 0 ]; then
    if cmp -s "$tmp/ours" "$tmp/ref"; then
      passed=$((passed + 1))
    else
      echo "FAIL $label: the outputs differ ($(wc -c <"$tmp/ours") vs $(wc -c <"$tmp/ref") bytes)"
      echo "  2cvm: $(head -c 300 "$tmp/ours")"
      echo "  jco:  $(head -c 300 "$tmp/ref")"
      failed=$((failed + 1))
    fi
  elif [ "$ours_rc" -ne 0 ] && [ "$ref_rc" -ne 0 ]; then
    passed=$((passed + 1)) # both trapped or both refused
  else
    echo "FAIL $label: 2cvm exit $ours_rc, jco exit $ref_rc"
    echo "  2cvm: $(head -c 300 "$tmp/ours") $(head -c 300 "$tmp/ours.err")"
    echo "  jco:  $(head -c 300 "$tmp/ref") $(head -c 300 "$tmp/ref.err")"
    failed=$((failed + 1))
  fi
done <"$cases"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
