#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `2cvm component validate|inspect|run` with golden expectations: WIT descriptions, WAVE
# arguments and results (strings, lists), unsatisfied imports named, canonical ABI traps,
# usage errors, each with its exit code. The components in tests/e2e/component/ were made from
# the .wat text next to them with jco's parse.
# Usage: bash component_cli.sh PATH_TO_2cvm SHARED_DIR   (from tests/e2e)
set -uo pipefail
cli=${1:?usage: component_cli.sh PATH_TO_2cvm SHARED_DIR}
here=$(cd "$(dirname "$0")" && pwd)
c=$here/component
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
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

check 0 "valid" "" -- component validate "$c/add.wasm"
check 1 "" "at offset 0" -- component validate "$tmp/junk.wasm"
check 0 'world root {
  export add: func(a: u32, b: u32) -> u32;
  export echo: func(s: string) -> string;
  export echo-list: func(s: list<u16>) -> list<u16>;
}' "" -- component inspect "$c/add.wasm"
check 0 'world root {
  import host: interface {
    log: func(msg: string);
    r: resource;
    make: func(n: u32) -> r;
  }
  export thing: resource;
  export create: func(v: u32) -> thing;
  export get: func(t: borrow<thing>) -> u32;
  export hello: func();
  export host-make: func(n: u32) -> r;
}' "" -- component inspect "$c/res.wasm"

check 0 "7" "" -- component run "$c/add.wasm" --invoke 'add(3, 4)'
check 0 "4294967295" "" -- component run "$c/add.wasm" --invoke 'add(4294967294, 1)'
check 0 '"héllo 😀 \"q\""' "" -- component run "$c/add.wasm" --invoke 'echo("héllo 😀 \"q\"")'
check 0 "[1, 2, 65535]" "" -- component run "$c/add.wasm" --invoke='echo-list([1, 2, 65535,])'
check 0 "[]" "" -- component run "$c/add.wasm" --invoke 'echo-list([])' --max-memory 4
check 0 "7" "" -- component run "$c/add.wasm" --invoke 'add(3, 4)' --fuel 100000

check 2 "" "out of range" -- component run "$c/add.wasm" --invoke 'add(3, -4)'
check 2 "" "expected" -- component run "$c/add.wasm" --invoke 'add(3)'
check 2 "" "NAME(ARGS)" -- component run "$c/add.wasm" --invoke add
check 1 "" 'no function "sub"' -- component run "$c/add.wasm" --invoke 'sub(1, 2)'
check 2 "" "usage" -- component run "$c/add.wasm"
check 2 "" "unknown component command" -- component frobnicate

check 1 "" 'import "host": function "log" is not satisfied' -- component run "$c/res.wasm" --invoke 'hello()'
check 1 "" "not valid UTF-8" -- component run "$c/traps.wasm" --invoke 'bad-utf8()'
check 1 "" "discriminant 3 is out of range" -- component run "$c/traps.wasm" --invoke 'bad-disc()'
check 1 "" "unreachable" -- component run "$c/traps.wasm" --invoke 'unreachable()'

if "$cli" component run "$c/add.wasm" --invoke 'add(1, 2)' --tier aot >/dev/null 2>&1; then
  check 0 "3" "" -- component run "$c/add.wasm" --invoke 'add(1, 2)' --tier aot
  check 0 '"ü"' "" -- component run "$c/add.wasm" --invoke 'echo("ü")' --tier aot
else
  echo "note: the AOT tier is not available here; its checks were skipped"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all component CLI checks passed"
