#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The runtime's job with components that import: one that reads its input and writes an output
# through tcvm:host (DONE; the recipients fetch and decrypt it, the third party is refused), one
# that imports an interface no channel grants (FAILED at instantiation, naming the import), one
# that reads an input not routed to it, one that writes past its output's limit, one that writes
# an output it is not the writer of (FAILED: refused call; nothing released). Skipped, saying why, while the
# component layer cannot load components that import functions.
# Usage: bash runtime_job_host.sh 2CVM SHARED_DIR
cli=$(realpath "$1")
guests=$(dirname "$cli")/components/runtime-tests
source "$(dirname "$0")/runtime-lib.bash"
[ -f "$guests/job_ok.wasm" ] || { echo "SKIPPED: no job components in $guests (clang/wasm32 or jco missing)"; exit 77; }
for g in job_ok job_undeclared job_forbidden job_bigout job_wrongout; do
  if ! out=$("$cli" component validate "$guests/$g.wasm" 2>&1); then
    echo "SKIPPED: the component layer cannot load $g.wasm (valid for jco/wasm-tools): $out"
    exit 77
  fi
done
seq 1 100 > data.csv; echo "vendor's" > not-mine.txt
up() {
  expect 0 "uploaded component job" -- c hospital-a upload --component job "$1"
  expect 0 "uploaded input data" -- c hospital-b upload --input data data.csv
  expect 0 "uploaded input not-mine" -- c vendor upload --input not-mine not-mine.txt
}

one_component ok "$guests/job_ok.wasm" '{"memory": "1MiB", "fuel": 100000000}'; start ok; up "$guests/job_ok.wasm"
s=$(wait_end); grep -q '"state":"DONE"' <<<"$s" || fail "ok: status $s"
expect 0 "fetched result" -- c hospital-b fetch --identity keys/hospital-b.age --out-dir . result
grep -qx "bytes in: 292" result || fail "ok: output content: $(cat result)"
expect 1 "REFUSED result: HTTP 403: vendor is not a recipient of output result" -- c vendor fetch --identity keys/vendor.age result
expect 0 "transcript verified" -- c hospital-a transcript --out ok.t.jsonl
grep -q '"type":"output.sealed".*"output":"result"' ok.t.jsonl || fail "ok: no output.sealed"
grep -q '"type":"log.sealed".*"component":"job","owner":"hospital-a"' ok.t.jsonl || fail "ok: no log.sealed"
expect 0 "fetched job" -- c hospital-a log --identity keys/hospital-a.age --out-dir . job
grep -qx "job-ok: done" job.log || fail "ok: log content: $(cat job.log)"
expect 1 "REFUSED job: HTTP 403: the log of job goes to its owner hospital-a only" -- c hospital-b log --identity keys/hospital-b.age job

one_component undeclared "$guests/job_undeclared.wasm" '{"memory": "1MiB", "fuel": 100000000}'; start undeclared; up "$guests/job_undeclared.wasm"
s=$(wait_end)
grep -q '"failure":"component job imports interface tcvm:jobtest/exfiltrate@0.1.0, which no channel of the manifest grants it' <<<"$s" || fail "undeclared: status $s"

one_component forbidden "$guests/job_forbidden.wasm" '{"memory": "1MiB", "fuel": 100000000}'
start forbidden; up "$guests/job_forbidden.wasm"
s=$(wait_end)
grep -q '"failure":"refused call: component job may not read input \\"secret\\"' <<<"$s" || fail "forbidden: status $s"

one_component bigout "$guests/job_bigout.wasm" '{"memory": "1MiB", "fuel": 100000000}'; start bigout; up "$guests/job_bigout.wasm"
s=$(wait_end)
grep -q '"failure":"refused call: component job would make output result larger than its limit of 65536 bytes' <<<"$s" || fail "bigout: status $s"
expect 1 "REFUSED result: HTTP 409: output result is not available: the runtime is FAILED" -- c hospital-b fetch --identity keys/hospital-b.age result

one_component wrongout "$guests/job_wrongout.wasm" '{"memory": "1MiB", "fuel": 100000000}'; start wrongout; up "$guests/job_wrongout.wasm"
s=$(wait_end)
grep -q '"failure":"refused call: component job may not write output \\"elsewhere\\"' <<<"$s" || fail "wrongout: status $s"

[ "$fails" = 0 ] && echo "runtime_job_host: all passed"
exit $((fails > 0))
