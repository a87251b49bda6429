#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The spec runner itself (`2cvm spec`) on small scripts made for it (tests/spec/): a script
# using every command kind that must pass, a script of wrong expectations that must fail one
# command each with a description of what was expected and what came back, a SIMD-only script
# that must be skipped as a whole, the summary line, exit codes and usage errors.
# Usage: bash spec_runner.sh PATH_TO_2cvm SHARED_DIR   (from tests/e2e)
set -uo pipefail
cli=${1:?usage: spec_runner.sh PATH_TO_2cvm SHARED_DIR}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v wast2json >/dev/null; then
  echo "SKIPPED: wast2json is not installed (Debian package wabt)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# has FILE TEXT: the output contains TEXT as a whole line
has_line() { grep -qxF -- "$2" "$1" || fail "no line '$2' in: $(cat "$1")"; }
has() { grep -qF -- "$2" "$1" || fail "no '$2' in: $(cat "$1")"; }

# 1. everything passes; the text-format assert_malformed is skipped with its reason
"$cli" spec "$here/../spec/good.wast" >"$tmp/good" 2>&1; rc=$?
[ $rc -eq 0 ] || fail "good.wast: exit $rc, want 0: $(cat "$tmp/good")"
has_line "$tmp/good" "PASS good.wast: 27 passed, 0 failed, 1 skipped"
has "$tmp/good" "skipped 1: text-format module"
has_line "$tmp/good" "files: 1; assertions: 22 passed, 0 failed, 1 skipped"
has_line "$tmp/good" "27 passed, 0 failed, 1 skipped"
[ "$(tail -n 1 "$tmp/good")" = "27 passed, 0 failed, 1 skipped" ] || fail "good: last line"

# the spectest print functions print only with --verbose
"$cli" spec --verbose "$here/../spec/good.wast" >"$tmp/goodv" 2>&1
has_line "$tmp/goodv" "  spectest.print_i32(i32:666)"
has_line "$tmp/goodv" "assert_return: 13 passed, 0 failed, 0 skipped"
if grep -q spectest "$tmp/good"; then fail "spectest output without --verbose"; fi

# 2. every wrong expectation is one failure, described with its line
"$cli" spec --verbose "$here/../spec/bad.wast" >"$tmp/bad" 2>&1; rc=$?
[ $rc -eq 1 ] || fail "bad.wast: exit $rc, want 1"
has_line "$tmp/bad" "FAIL bad.wast: 1 passed, 9 failed, 0 skipped"
has "$tmp/bad" '  line 8: assert_return: invoke "one" (): expected (i32:2), got (i32:1)'
has "$tmp/bad" '  line 9: assert_trap: invoke "div" (i32:1 i32:0): expected TRAP_INT_OVERFLOW ("integer overflow"), got TRAP_DIV_ZERO'
has "$tmp/bad" '  line 10: assert_trap: invoke "one" (): expected TRAP_UNREACHABLE ("unreachable"), got (i32:1)'
has "$tmp/bad" '  line 11: assert_return: invoke "snan" (): expected (f32:nan:arithmetic), got (f32:nan:0x1)'
has "$tmp/bad" '  line 12: assert_invalid: bad.1.wasm: expected WASM_INVALID ("type mismatch"), got OK'
has "$tmp/bad" '  line 13: assert_malformed: bad.2.wasm: expected WASM_MALFORMED ("unexpected end"), got OK'
has "$tmp/bad" '  line 14: assert_unlinkable: bad.3.wasm: expected WASM_UNLINKABLE ("unknown import"), but it instantiated'
has "$tmp/bad" '  line 15: module: unknown import "nowhere" "f" (func)'
has "$tmp/bad" '  line 16: assert_return: invoke $X "g" (): the module of line 15 is unavailable'
has_line "$tmp/bad" "1 passed, 9 failed, 0 skipped"

# without --verbose: the first five, then how many more
"$cli" spec "$here/../spec/bad.wast" >"$tmp/bad5" 2>&1
[ "$(grep -c '^  line ' "$tmp/bad5")" -eq 5 ] || fail "bad.wast: not 5 failures shown"
has_line "$tmp/bad5" "  ... and 4 more failures (--verbose shows all)"
"$cli" spec --show 0 "$here/../spec/bad.wast" >"$tmp/bad0" 2>&1
[ "$(grep -c '^  line ' "$tmp/bad0")" -eq 0 ] || fail "--show 0 still shows failures"

# 3. a file whose every module needs a refused feature is skipped as a whole
"$cli" spec "$here/../spec/simd.wast" >"$tmp/simd" 2>&1; rc=$?
[ $rc -eq 0 ] || fail "simd.wast: exit $rc, want 0: $(cat "$tmp/simd")"
has_line "$tmp/simd" "SKIP simd.wast: 0 passed, 0 failed, 4 skipped"
has "$tmp/simd" "refused feature"

# 4. several files and a directory: one line each and the totals
mkdir "$tmp/dir"
cp "$here/../spec/good.wast" "$here/../spec/simd.wast" "$tmp/dir/"
"$cli" spec "$tmp/dir" "$here/../spec/bad.wast" >"$tmp/all" 2>&1; rc=$?
[ $rc -eq 1 ] || fail "dir + bad: exit $rc, want 1"
[ "$(grep -cE '^(PASS|FAIL|SKIP) ' "$tmp/all")" -eq 3 ] || fail "not one line per file: $(cat "$tmp/all")"
[ "$(tail -n 1 "$tmp/all")" = "28 passed, 9 failed, 5 skipped" ] || fail "totals: $(tail -n 1 "$tmp/all")"

# 5. a script converted beforehand (.json) runs the same
wast2json "$here/../spec/good.wast" -o "$tmp/good.json" >/dev/null 2>&1
"$cli" spec "$tmp/good.json" >"$tmp/json" 2>&1 || fail "good.json: $(cat "$tmp/json")"
has_line "$tmp/json" "PASS good.json: 27 passed, 0 failed, 1 skipped"

# 6. what cannot run at all is a failure of that file; usage errors exit 2
printf '(module (func (result i32) i32.const))\n(bogus)\n' >"$tmp/broken.wast"
"$cli" spec "$tmp/broken.wast" >"$tmp/broken" 2>&1; rc=$?
[ $rc -eq 1 ] || fail "broken.wast: exit $rc, want 1"
has "$tmp/broken" "FAIL broken.wast: wast2json failed"
has_line "$tmp/broken" "0 passed, 1 failed, 0 skipped"
"$cli" spec --wast2json /nonexistent/wast2json "$here/../spec/good.wast" >"$tmp/notool" 2>&1; rc=$?
[ $rc -eq 1 ] || fail "missing wast2json: exit $rc, want 1"
has "$tmp/notool" "/nonexistent/wast2json not found"
"$cli" spec >"$tmp/usage" 2>&1; rc=$?
[ $rc -eq 2 ] || fail "no arguments: exit $rc, want 2"
"$cli" spec --bogus x >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "unknown option: exit $rc, want 2"
"$cli" spec "$tmp/absent.wast" >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] || fail "absent file: exit $rc, want 1"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all spec runner checks passed"
