#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Component Model test scripts of SHARED_DIR/component-testsuite through `2cvm spec`, one
# run per folder (each folder's summary line is printed), then the total. The files that
# component-model/test/nyi.txt lists as ahead of every implementation are left out (named).
# The goal is 0 failed. Until the runtime gets there, tests/e2e/spec_component.baseline holds
# the floor of passes and the ceiling of failures reached so far: the test fails when fewer pass
# or more fail than that (a regression), and says how far from the goal the runtime is. Lower
# the ceiling (raise the floor) as the runtime improves; at 0 failures the baseline is 0.
# Skipped, loudly, when the suite, node or jco is absent.
# Usage: bash spec_component.sh PATH_TO_2cvm SHARED_DIR   (from tests/e2e)
set -uo pipefail
cli=${1:?usage: spec_component.sh PATH_TO_2cvm SHARED_DIR}
shared=${2:?usage: spec_component.sh PATH_TO_2cvm SHARED_DIR}
suite=$shared/component-testsuite
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ ! -d "$suite" ]; then
  echo "SKIPPED: the component test suite $suite is absent (shared test data, not in the repository)"
  exit 77
fi
if ! command -v node >/dev/null || [ ! -d "$root/tools/node_modules/@bytecodealliance/jco" ]; then
  echo "SKIPPED: component scripts need node and jco in tools/node_modules (run scripts/setup)"
  exit 77
fi
nyi=$suite/component-model/test/nyi.txt
passed=0 failed=0 skipped=0 rc_all=0 broken=0
while IFS= read -r dir; do
  files=()
  for f in "$dir"/*.wast; do
    rel=./${f#"$suite"/component-model/test/}
    if [ -f "$nyi" ] && [ "$rel" != "./$f" ] && grep -qxF "$rel" "$nyi"; then
      echo "not run (listed in nyi.txt as ahead of implementations): ${f#"$suite"/}"
      continue
    fi
    files+=("$f")
  done
  [ ${#files[@]} -eq 0 ] && continue
  out=$("$cli" spec --timeout 600 "${files[@]}"); rc=$?
  last=$(printf '%s\n' "$out" | tail -n 1)
  printf '%s\n' "$out" | grep -E '^(FAIL|  line)' | head -n 40
  echo "${dir#"$suite"/}: $last"
  if [[ "$last" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
    skipped=$((skipped + BASH_REMATCH[3]))
  else
    echo "FAILED: no summary line from 2cvm spec for $dir (exit $rc)"
    broken=1
  fi
  [ "$rc" -ne 0 ] && rc_all=1
done < <(find "$suite" -name '*.wast' -printf '%h\n' | sort -u)
echo "component test suite: $passed passed, $failed failed, $skipped skipped"
[ "$broken" -eq 0 ] || exit 1
baseline=$root/tests/e2e/spec_component.baseline
min_passed=$(sed -n 's/^min_passed \([0-9]*\)$/\1/p' "$baseline")
max_failed=$(sed -n 's/^max_failed \([0-9]*\)$/\1/p' "$baseline")
if [ -z "$min_passed" ] || [ -z "$max_failed" ]; then
  echo "FAILED: $baseline must hold 'min_passed N' and 'max_failed N'"
  exit 1
fi
if [ "$failed" -gt 0 ]; then
  echo "NOT AT THE GOAL: $failed commands failed (goal 0; the baseline allows at most $max_failed)"
fi
if [ "$failed" -gt "$max_failed" ] || [ "$passed" -lt "$min_passed" ]; then
  echo "FAILED: regression against the baseline (at least $min_passed passed, at most $max_failed failed)"
  exit 1
fi
if [ "$failed" -eq 0 ] && [ "$rc_all" -ne 0 ]; then
  echo "FAILED: 2cvm spec exited non-zero without failures"
  exit 1
fi
echo "within the baseline (at least $min_passed passed, at most $max_failed failed)"
