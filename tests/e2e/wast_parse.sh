#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tools/wast-parse.mjs on hostile and unusual scripts: a script it cannot split (unbalanced
# parentheses, an unterminated string or comment, a bad escape) exits 1 with the line; a form
# or value it cannot convert becomes a `skip` command with the reason, never a crash; WAVE
# values come out as written. Skipped, loudly, when node or jco is absent.
# Usage: bash wast_parse.sh PATH_TO_2cvm [SHARED_DIR]   (from tests/e2e)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tool=$root/tools/wast-parse.mjs
if ! command -v node >/dev/null || [ ! -d "$root/tools/node_modules/@bytecodealliance/jco" ]; then
  echo "SKIPPED: wast-parse.mjs needs node and jco in tools/node_modules (run scripts/setup)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# SCRIPT-TEXT WANT-EXIT WANT-STDERR-TEXT
refuse() {
  printf '%s' "$1" >"$tmp/in.wast"
  node "$tool" "$tmp/in.wast" -o "$tmp/out/in.json" >"$tmp/err" 2>&1; rc=$?
  [ "$rc" -eq 1 ] || fail "$(printf '%q' "$1"): exit $rc, want 1: $(cat "$tmp/err")"
  grep -qF -- "$2" "$tmp/err" || fail "$(printf '%q' "$1"): no '$2' in: $(cat "$tmp/err")"
  grep -q 'at .*\.js:\|Error: ' "$tmp/err" && fail "$(printf '%q' "$1"): a stack trace: $(cat "$tmp/err")"
}
refuse $'(component\n  (core module)' "line 1: unbalanced '('"
refuse $'\n\n(component))' "line 3: unbalanced ')'"
refuse $'(assert_return (invoke "f" (str.const "abc)))' "line 1: unterminated string"
refuse $'(; never closed' "line 1: unterminated block comment"
refuse $'(invoke "\\q")' "bad string escape"
refuse $'(invoke "\\u{110000}")' "bad \\u{...} escape"

# conversions: PYTHON-EXPRESSION over the commands must be true
convert() {
  printf '%s' "$1" >"$tmp/in.wast"
  rm -rf "$tmp/out"
  if ! node "$tool" "$tmp/in.wast" -o "$tmp/out/in.json" >"$tmp/err" 2>&1; then
    fail "$(printf '%q' "$1"): exit non-zero: $(cat "$tmp/err")"
    return
  fi
  python3 - "$tmp/out/in.json" "$2" <<'PY' || fail "$(printf '%q' "$1"): $2: $(cat "$tmp/out/in.json")"
import json, sys
c = json.load(open(sys.argv[1]))["commands"]
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}
convert '(frobnicate 1 2)' 'c[0]["type"] == "skip" and "frobnicate" in c[0]["reason"]'
convert '(assert_return (invoke "f" (u8.const 300)) (u8.const 1))' \
  'c[0]["type"] == "skip" and "out of range" in c[0]["reason"]'
convert '(assert_return (invoke "f" (mystery.const 1)))' \
  'c[0]["type"] == "skip" and "mystery.const" in c[0]["reason"]'
convert '(component (core module $m (func (export "f") (result i32) (i32.const 1))))' \
  'c[0]["type"] == "component" and c[0]["filename"] == "in.0.wasm"'
convert '(component definition $d) (component instance $i $d)' \
  'c[0]["type"] == "component_definition" and c[0]["name"] == "$d" and c[1] == {"type": "component_instance", "line": 1, "instance": "$i", "definition": "$d"}'
convert '(component (core module (memory 1)) (canon frobnicate))' \
  'c[0]["type"] == "skip" and "jco" in c[0]["reason"]'
convert '(assert_malformed (component binary "\00asm" "\0d\00\01\00" "\ff") "x")' \
  'c[0]["type"] == "assert_malformed" and c[0]["module_type"] == "binary"'
convert '(assert_return (invoke "f" (record.const (field "a-b" u32.const 7) (field "true" (bool.const false))) (variant.const "some" (str.const "x\n\"")) (list.const (char.const "\u{1F600}")) (tuple.const (s64.const -9223372036854775808) (f32.const nan:0x200000) (f64.const -0x1p-2))) (option.some (option.none)) (result.err) (flags.const "read" "exec") (enum.const "ok"))' \
  'c[0]["action"]["args"] == ["{a-b: 7, %true: false}", "%some(\"x\\n\\\"\")", "[\u0027\U0001F600\u0027]", "(-9223372036854775808, nan, -0.25)"] and c[0]["expected"] == ["some(none)", "err", "{read, exec}", "%ok"]'

if [ "$failures" -ne 0 ]; then
  echo "$failures checks failed"
  exit 1
fi
echo "wast-parse.mjs: all checks passed"
