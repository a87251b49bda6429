#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The runtime's job with components that need nothing from outside: one that traps, one that
# loops forever (stopped by fuel, and by wall-clock time when it has no fuel), one that grows its
# memory past the manifest's limit. Each ends FAILED with the reason in the status and the
# signed transcript, and no output leaves. Usage: bash runtime_job.sh 2CVM SHARED_DIR
cli=$(realpath "$1")
guests=$(dirname "$cli")/components/runtime-tests
source "$(dirname "$0")/runtime-lib.bash"
[ -f "$guests/job_trap.wasm" ] || { echo "SKIPPED: no job components in $guests (clang/wasm32 or jco missing)"; exit 77; }
seq 1 100 > data.csv; echo "vendor's" > not-mine.txt

# the tier the runtime chooses by itself: AOT when no component has a fuel limit and this
# machine can build AOT code, else the interpreter (which meters fuel)
aot_here=interp
command -v wasm2c >/dev/null && command -v cc >/dev/null && aot_here=aot

run_case() { # run_case NAME COMPONENT LIMITS STATUS_PATTERN [TIER]
  local name=$1 comp=$guests/$2.wasm
  one_component "$name" "$comp" "$3" || { fail "$name: signing"; return; }
  start "$name"
  expect 0 "uploaded component job" -- c hospital-a upload --component job "$comp"
  expect 0 "uploaded input data" -- c hospital-b upload --input data data.csv
  expect 0 "uploaded input not-mine" -- c vendor upload --input not-mine not-mine.txt
  local s
  s=$(wait_end)
  grep -Eq -- "\"state\":\"FAILED\",\"failure\":\"$4" <<<"$s" || { fail "$name: status $s"; }
  expect 1 "REFUSED result: HTTP 409: output result is not available: the runtime is FAILED" -- \
    c hospital-b fetch --identity keys/hospital-b.age result
  expect 0 "transcript verified: .* final" -- c hospital-b transcript --out "$name.t.jsonl"
  grep -Eq "\"type\":\"job.failed\".*\"reason\":\"$4" "$name.t.jsonl" || fail "$name: transcript lacks the failure"
  grep -q '"type":"output.sealed"' "$name.t.jsonl" && fail "$name: an output was sealed"
  if [ -n "${5:-}" ]; then
    grep -Eq "\"type\":\"job.started\".*\"tier\":\"$5\"" "$name.t.jsonl" ||
      fail "$name: the transcript does not say the job ran on the $5 tier"
    grep -q "^job tier: $5" "$name.serve.out" || fail "$name: serve did not say tier $5"
  fi
}

serve_extra=(--exit-when-finished --linger 4)
run_case trap job_trap '{"memory": "1MiB", "fuel": 100000000}' "component job trapped: trap: unreachable executed"
# --exit-when-finished: the runtime stops serving 4 s after the job ended
for _ in $(seq 150); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$server_pid" 2>/dev/null; then fail "serve --exit-when-finished still running"; else
  wait "$server_pid"; rc=$?; [ "$rc" = 0 ] || fail "serve --exit-when-finished exited $rc"
  grep -q "^stopped; state FAILED" trap.serve.out || fail "serve did not say it stopped: $(cat trap.serve.out)"
fi
serve_extra=()
run_case fuel job_loop '{"memory": "1MiB", "fuel": 5000000}' "component job ran out of fuel .limit 5000000." interp
run_case time job_loop '{"memory": "1MiB", "time": "1s"}' "component job ran past its time limit" "$aot_here"
# the same endless loop forced onto each tier: stopped by its deadline on both
serve_extra=(--tier interp)
run_case time-interp job_loop '{"memory": "1MiB", "time": "1s"}' "component job ran past its time limit" interp
if [ "$aot_here" = aot ]; then
  serve_extra=(--tier aot)
  run_case time-aot job_loop '{"memory": "1MiB", "time": "1s"}' "component job ran past its time limit" aot
  run_case memory-aot job_memory '{"memory": "4MiB", "time": "10s"}' "component job trapped: trap: unreachable executed" aot
  # AOT cannot meter fuel: a manifest with a fuel limit is refused on that tier before serving
  one_component aot-fuel "$guests/job_loop.wasm" '{"memory": "1MiB", "fuel": 5000}' || fail "aot-fuel: signing"
  d=$("$cli" manifest digest aot-fuel.json | grep -oE '[0-9a-f]{64}' | head -1)
  if "$cli" serve aot-fuel.bundle.json --provider sim --sim-dir simkeys --measurement "$meas" \
       --host-data "$d" --listen 127.0.0.1:0 --tier aot >aot-fuel.out 2>aot-fuel.err; then
    fail "aot-fuel: serve --tier aot started with a fuel limit"
  else
    grep -q "the AOT tier cannot meter fuel, and component job has a fuel limit" aot-fuel.err ||
      fail "aot-fuel: wrong refusal: $(cat aot-fuel.err)"
  fi
fi
serve_extra=()
run_case memory job_memory '{"memory": "4MiB", "fuel": 100000000}' "component job trapped: trap: unreachable executed"

[ "$fails" = 0 ] && echo "runtime_job: all passed"
exit $((fails > 0))
