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

run_case() { # run_case NAME COMPONENT LIMITS STATUS_PATTERN
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
run_case fuel job_loop '{"memory": "1MiB", "fuel": 5000000}' "component job ran out of fuel .limit 5000000."
run_case time job_loop '{"memory": "1MiB", "time": "1s"}' "component job ran past its time limit"
run_case memory job_memory '{"memory": "4MiB", "fuel": 100000000}' "component job trapped: trap: unreachable executed"

[ "$fails" = 0 ] && echo "runtime_job: all passed"
exit $((fails > 0))
