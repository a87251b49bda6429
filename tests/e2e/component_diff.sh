#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Differential test of the Component Model runtime: every case of tests/component/cases.txt
# (a C guest component and an invocation in WAVE) runs through `2cvm component run --invoke`
# and through tools/jco-run.mjs (jco transpile + node, the reference); both must succeed and
# print the same WAVE text, except the cases marked "trap", which both must fail. A case written
# "GUEST INVOCATION => OUTPUT" (an encoding jco cannot run) is checked against OUTPUT instead.
# The components are built by the build (cmake/guests.cmake) into BUILD/components. Skipped, loudly, when they were not built (no clang wasm32 target or no jco)
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
usage=$("$cli" component 2>&1)
if ! grep -q 'component run' <<<"$usage"; then
  echo "SKIPPED: this 2cvm has no 'component run' command yet; the differential test needs it"
  exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the cases, one per line: MUST_TRAP GUEST INVOCATION; the reference runs each guest's cases in
# one node process (transpiled once, a fresh instance per case)
guests=()
declare -A count
while read -r guest invocation; do
  case $guest in ''|'#'*) continue ;; esac
  must_trap=0
  if [ "$guest" = trap ]; then
    must_trap=1
    read -r guest invocation <<<"$invocation"
  fi
  if [[ "$invocation" == *" => "* ]]; then
    # a written expectation: 2cvm only
    printf '%s %s %s %s\n' "$must_trap" "$guest" "-" "$invocation" >>"$tmp/all"
    continue
  fi
  if [ -z "${count[$guest]:-}" ]; then
    count[$guest]=0
    guests+=("$guest")
  fi
  printf '%s\n' "$invocation" >>"$tmp/$guest.cases"
  printf '%s %s %s %s\n' "$must_trap" "$guest" "${count[$guest]}" "$invocation" >>"$tmp/all"
  count[$guest]=$((count[$guest] + 1))
done <"$cases"
for guest in "${guests[@]}"; do
  if ! node "$jco_run" "$components/$guest.wasm" --wit "$root/tests/component/guests/$guest.wit" \
      --cases "$tmp/$guest.cases" --out "$tmp/ref-$guest" 2>"$tmp/ref-$guest.err"; then
    echo "FAILED: the reference runner could not run the cases of $guest: $(head -c 500 "$tmp/ref-$guest.err")"
    exit 1
  fi
done

passed=0 failed=0
while read -r must_trap guest k invocation; do
  wasm=$components/$guest.wasm
  if [ "$k" = - ]; then
    want=${invocation##* => }
    invocation=${invocation% => *}
    ref=$tmp/written
    printf '%s\n' "$want" >"$ref.out"
    : >"$ref.err"
    echo 0 >"$ref.rc"
  else
    ref=$tmp/ref-$guest/$k
  fi
  "$cli" component run "$wasm" --invoke "$invocation" >"$tmp/ours" 2>"$tmp/ours.err"; ours_rc=$?
  ref_rc=$(cat "$ref.rc")
  label="$guest $invocation"
  [ ${#label} -gt 110 ] && label="${label:0:107}..."
  if [ "$ref_rc" -eq 2 ]; then
    echo "FAIL $label: the reference runner cannot run this case: $(head -c 300 "$ref.err")"
    failed=$((failed + 1))
  elif [ "$must_trap" -eq 1 ] && { [ "$ours_rc" -eq 0 ] || [ "$ref_rc" -eq 0 ]; }; then
    echo "FAIL $label: must trap; 2cvm exit $ours_rc, jco exit $ref_rc"
    failed=$((failed + 1))
  elif [ "$must_trap" -eq 0 ] && { [ "$ours_rc" -ne 0 ] || [ "$ref_rc" -ne 0 ]; }; then
    echo "FAIL $label: 2cvm exit $ours_rc, jco exit $ref_rc"
    echo "  2cvm: $(head -c 300 "$tmp/ours") $(head -c 300 "$tmp/ours.err")"
    echo "  jco:  $(head -c 300 "$ref.out") $(head -c 300 "$ref.err")"
    failed=$((failed + 1))
  elif [ "$ours_rc" -eq 0 ] && [ "$ref_rc" -eq 0 ]; then
    if cmp -s "$tmp/ours" "$ref.out"; then
      passed=$((passed + 1))
    else
      echo "FAIL $label: the outputs differ ($(wc -c <"$tmp/ours") vs $(wc -c <"$ref.out") bytes)"
      echo "  2cvm: $(head -c 300 "$tmp/ours")"
      echo "  jco:  $(head -c 300 "$ref.out")"
      failed=$((failed + 1))
    fi
  else
    passed=$((passed + 1)) # a case that must trap, and both trapped
  fi
done <"$tmp/all"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
