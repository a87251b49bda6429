#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The component half of the spec runner (`2cvm spec` on Component Model scripts) on small
# scripts made for it (tests/spec/component/): one using every command kind that must pass (with
# a form jco's parser cannot read and a text-only malformation skipped with their reasons), one
# of wrong expectations that must fail each judged command with what was expected and what came
# back, and the two as a directory. Skipped, loudly, when node or jco is absent.
# Usage: bash spec_component_runner.sh PATH_TO_2cvm [SHARED_DIR]   (from tests/e2e)
set -uo pipefail
cli=${1:?usage: spec_component_runner.sh PATH_TO_2cvm [SHARED_DIR]}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if ! command -v node >/dev/null || [ ! -d "$root/tools/node_modules/@bytecodealliance/jco" ]; then
  echo "SKIPPED: component scripts need node and jco in tools/node_modules (run scripts/setup)"
  exit 77
fi
dir=$root/tests/spec/component
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
has_line() { grep -qxF -- "$2" "$1" || fail "no line '$2' in: $(cat "$1")"; }
has() { grep -qF -- "$2" "$1" || fail "no '$2' in: $(cat "$1")"; }

"$cli" spec "$dir/good.wast" >"$tmp/good" 2>&1; rc=$?
[ $rc -eq 0 ] || fail "good.wast: exit $rc, want 0"
has_line "$tmp/good" "PASS good.wast: 16 passed, 0 failed, 3 skipped"
has "$tmp/good" "skipped 1: malformed text, rejected by the text parser (jco), not by the runtime"
has "$tmp/good" "skipped 2: jco's parser cannot read this component"
has_line "$tmp/good" "files: 1; assertions: 11 passed, 0 failed, 2 skipped"
[ "$(tail -n 1 "$tmp/good")" = "16 passed, 0 failed, 3 skipped" ] || fail "good.wast: last line"

"$cli" spec --show 10 "$dir/bad.wast" >"$tmp/bad" 2>&1; rc=$?
[ $rc -eq 1 ] || fail "bad.wast: exit $rc, want 1"
has_line "$tmp/bad" "FAIL bad.wast: 1 passed, 5 failed, 0 skipped"
has_line "$tmp/bad" '  line 7: assert_return: "one" returned 1, expected 2'
has_line "$tmp/bad" '  line 8: assert_trap: "one": expected a trap ("unreachable"), it returned'
has "$tmp/bad" '  line 9: assert_invalid: bad.1.wasm: expected COMP_INVALID ("this component is valid"), got OK'
has "$tmp/bad" '  line 12: assert_malformed: bad.2.wasm: expected COMP_MALFORMED ("this component is well-formed"), got OK'
has_line "$tmp/bad" '  line 15: assert_return: the instance exports no function "missing"'

"$cli" spec "$dir" >"$tmp/both" 2>&1; rc=$?
[ $rc -eq 1 ] || fail "the directory: exit $rc, want 1"
[ "$(tail -n 1 "$tmp/both")" = "17 passed, 5 failed, 3 skipped" ] || fail "the directory: last line: $(tail -n 1 "$tmp/both")"

if [ "$failures" -ne 0 ]; then
  echo "$failures checks failed"
  exit 1
fi
echo "component spec runner: all checks passed"
