#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `2cvm wasm validate` and `2cvm wasm run` with golden expectations: results printed in the
# spec-test value syntax, arguments typed or bare, traps, refused imports, start functions,
# fuel, the memory cap and usage errors, each with its exit code. The modules are assembled
# from tests/e2e/wasm/*.wat with wabt's wat2wasm into a temporary directory.
# Usage: bash wasm_cli.sh PATH_TO_2cvm SHARED_DIR   (from tests/e2e)
set -uo pipefail
cli=${1:?usage: wasm_cli.sh PATH_TO_2cvm SHARED_DIR}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v wat2wasm >/dev/null; then
  echo "SKIPPED: wat2wasm is not installed (Debian package wabt)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for w in "$here"/wasm/*.wat; do
  name=$(basename "$w" .wat)
  flags=()
  [ "$name" = invalid ] && flags=(--no-check)
  wat2wasm "${flags[@]}" "$w" -o "$tmp/$name.wasm" || { echo "wat2wasm failed on $w"; exit 1; }
done
printf 'not wasm' > "$tmp/junk.wasm"

failures=0
# check EXIT_CODE EXPECTED_STDOUT STDERR_SUBSTRING -- ARGS...
check() {
  local want_rc=$1 want_out=$2 want_err=$3
  shift 4
  local out err rc
  out=$("$cli" "$@" 2>"$tmp/stderr"); rc=$?
  err=$(cat "$tmp/stderr")
  if [ "$rc" != "$want_rc" ] || [ "$out" != "$want_out" ] || [[ "$err" != *"$want_err"* ]]; then
    echo "FAIL: 2cvm $*"
    echo "  exit $rc (want $want_rc)"
    echo "  stdout: $(printf '%q' "$out") (want $(printf '%q' "$want_out"))"
    echo "  stderr: $err (want it to contain: $want_err)"
    failures=$((failures + 1))
  fi
}
v=$tmp/values.wasm

# results and arguments
check 0 "i32:42" "" -- wasm run "$v" --invoke add i32:2 i32:40
check 0 "i32:-1" "" -- wasm run "$v" --invoke add 0xffffffff 0
check 0 "i32:-2147483648" "" -- wasm run "$v" --invoke=add 2147483647 1
check 0 "i64:-9223372036854775808" "" -- wasm run "$v" --invoke neg64 i64:0x8000000000000000
check 0 "f64:1.5" "" -- wasm run "$v" --invoke half f64:3
check 0 "f64:0.125" "" -- wasm run "$v" --invoke half -- f64:0x1p-2
check 0 "f64:-0" "" -- wasm run "$v" --invoke half -- -0
check 0 "f64:inf" "" -- wasm run "$v" --invoke half inf
check 0 "f32:0.33333334" "" -- wasm run "$v" --invoke third
check 0 "f32:-nan:0x200000" "" -- wasm run "$v" --invoke nan
check 0 "i64:4609434218613702656" "" -- wasm run "$v" --invoke bits f64:1.5
check 0 "i64:9221120237041090561" "" -- wasm run "$v" --invoke bits f64:nan:0x8000000000001
check 0 "i64:-4503599627370495" "" -- wasm run "$v" --invoke bits f64:bits:0xfff0000000000001
check 0 $'i32:-7\ni64:-7' "" -- wasm run "$v" --invoke pair -- -7
check 0 "externref:null" "" -- wasm run "$v" --invoke null
check 0 "" "" -- wasm run "$v" --invoke none

# argument errors are usage errors
check 2 "" "is a i64 but a i32 is expected" -- wasm run "$v" --invoke add i64:1 2
check 2 "" "\"x\" is not a i32 literal" -- wasm run "$v" --invoke add x 2
check 2 "" "out of range for i32" -- wasm run "$v" --invoke add 4294967296 2
check 2 "" "add takes 2 arguments (i32 i32), but 1 was given" -- wasm run "$v" --invoke add 1
check 2 "" "unknown option '--bogus'" -- wasm run "$v" --bogus
check 2 "" "--fuel needs a number" -- wasm run "$v" --fuel lots
check 2 "" "--max-memory needs a number of 64 KiB pages" -- wasm run "$v" --max-memory 0
check 2 "" "usage: 2cvm wasm" -- wasm
check 2 "" "unknown wasm command 'frobnicate'" -- wasm frobnicate

# what runs without --invoke
check 1 "" "has no exported function named 'nope'" -- wasm run "$v" --invoke nope
check 2 "" "nothing to run" -- wasm run "$tmp/nothing.wasm"
check 2 "" "one: func () -> (i32)" -- wasm run "$tmp/nothing.wasm"
check 0 "" "" -- wasm run "$tmp/start_ok.wasm"
check 1 "" "instantiation failed: TRAP_UNREACHABLE" -- wasm run "$tmp/start_trap.wasm"
check 1 "" "_start: TRAP_UNREACHABLE" -- wasm run "$tmp/wasi_start.wasm"

# traps, fuel, limits, imports
check 1 "" "div: TRAP_DIV_ZERO" -- wasm run "$v" --invoke div 1 0
check 1 "" "div: TRAP_INT_OVERFLOW" -- wasm run "$v" --invoke div i32:-2147483648 i32:-1
check 1 "" "spin: TRAP_OUT_OF_FUEL" -- wasm run "$v" --fuel 10000 --invoke spin
check 0 "i32:5" "" -- wasm run "$v" --fuel 100 --invoke add 2 3
check 0 "i32:4" "" -- wasm run "$tmp/bigmem.wasm" --invoke pages --max-memory 4
check 1 "" "instantiation failed" -- wasm run "$tmp/bigmem.wasm" --invoke pages --max-memory 2
check 1 "" "imports 3 items and \`2cvm wasm run\` provides none" -- wasm run "$tmp/imports.wasm"
check 1 "" "wasi_snapshot_preview1.fd_write: func (i32 i32 i32 i32) -> (i32)" -- \
  wasm run "$tmp/imports.wasm" --invoke f
check 1 "" "env.mem: memory 1..2 pages" -- wasm run "$tmp/imports.wasm"
check 1 "" "env.g: global mut i64" -- wasm run "$tmp/imports.wasm"

# validate
check 0 "$v: valid" "" -- wasm validate "$v"
check 1 "" "WASM_INVALID" -- wasm validate "$tmp/invalid.wasm"
check 1 "" "WASM_MALFORMED" -- wasm validate "$tmp/junk.wasm"
check 1 "" "WASM_INVALID" -- wasm run "$tmp/invalid.wasm" --invoke bad
check 1 "" "$tmp/missing.wasm" -- wasm validate "$tmp/missing.wasm"
check 2 "" "usage: 2cvm wasm" -- wasm validate

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all wasm CLI checks passed"
