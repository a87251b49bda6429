# SPDX-License-Identifier: Apache-2.0
# Helpers for the runtime's e2e tests (sourced, not a test): keys for three parties, a one-
# component agreement, a runtime on a free loopback port, and the client as one of the parties.
# Expects $cli (the 2cvm binary) and runs in a fresh temporary directory it cleans up.
set -uo pipefail
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
cd "$tmp" || exit 1
fails=0
fail() { echo "FAILED: $*"; fails=$((fails + 1)); }
# expect RC PATTERN -- command...: exit status RC and PATTERN (grep -E) in stdout+stderr
expect() {
  local want_rc=$1 pat=$2; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" != "$want_rc" ] || ! grep -Eq -- "$pat" <<<"$out"; then
    fail "$* (exit $rc, want $want_rc; want /$pat/)"; sed 's/^/  | /' <<<"$out" | head -8
  fi
}
for p in hospital-a hospital-b vendor; do "$cli" keygen "$p" --dir keys >/dev/null || exit 1; done
key() { sed -n "s/.*\"$2\": \"\([^\"]*\)\".*/\1/p" "keys/$1.pub.json"; }
meas=$(printf 'ab%.0s' $(seq 48))

# one_component NAME COMPONENT_FILE LIMITS_JSON -> NAME.json, NAME.bundle.json
one_component() {
  cat > "$1.json" <<EOF2
{
  "version": 1,
  "name": "$1",
  "participants": [
    {"id": "hospital-a", "signing_key": "$(key hospital-a signing_key)", "recipient": "$(key hospital-a recipient)"},
    {"id": "hospital-b", "signing_key": "$(key hospital-b signing_key)", "recipient": "$(key hospital-b recipient)"},
    {"id": "vendor", "signing_key": "$(key vendor signing_key)", "recipient": "$(key vendor recipient)"}
  ],
  "runtime": {"tee": "sim", "measurements": ["$meas"], "min_tcb": {"bootloader": 3, "tee": 0, "snp": 8, "microcode": 84}},
  "components": [
    {"id": "job", "owner": "hospital-a", "digest": "sha256:$(sha256sum "$2" | cut -c1-64)", "limits": $3}
  ],
  "inputs": [
    {"id": "data", "owner": "hospital-b", "max_size": "1MiB", "readers": ["job"]},
    {"id": "not-mine", "owner": "vendor", "max_size": "1MiB", "readers": ["job"]}
  ],
  "channels": [],
  "outputs": [{"id": "result", "writer": "job", "recipients": ["hospital-a", "hospital-b"], "max_size": "64KiB"}],
  "entry": {"component": "job", "export": "run"}
}
EOF2
  "$cli" manifest sign "$1.json" --key keys/hospital-a.sign.pem -o "$1.bundle.json" >/dev/null &&
  "$cli" manifest sign "$1.bundle.json" --key keys/hospital-b.sign.pem >/dev/null &&
  "$cli" manifest sign "$1.bundle.json" --key keys/vendor.sign.pem >/dev/null
}

# start NAME: a runtime for NAME.bundle.json (extra `2cvm serve` options in serve_extra); sets
# url and server_pid
start() {
  local d
  d=$("$cli" manifest digest "$1.json" | grep -oE '[0-9a-f]{64}' | head -1)
  rm -f "$1.port"
  "$cli" serve "$1.bundle.json" --provider sim --sim-dir simkeys --measurement "$meas" --host-data "$d" \
    --listen 127.0.0.1:0 --port-file "$1.port" --quiet ${serve_extra[@]+"${serve_extra[@]}"} \
    >"$1.serve.out" 2>"$1.serve.err" &
  server_pid=$!
  pids+=($server_pid)
  for _ in $(seq 100); do [ -s "$1.port" ] && break; sleep 0.05; done
  [ -s "$1.port" ] || { echo "FAILED: runtime $1 did not start"; cat "$1.serve.err"; exit 1; }
  url=https://127.0.0.1:$(cat "$1.port")
  manifest=$1.bundle.json
}
c() { local who=$1; shift; "$cli" client "$@" --url "$url" --manifest "$manifest" --key "keys/$who.sign.pem" --allow-simulated; }
# wait_end: until the job is DONE or FAILED (at most 60 s); prints the status
wait_end() {
  local s
  for _ in $(seq 600); do
    s=$(c hospital-a status 2>&1)
    grep -q '"state":"\(DONE\|FAILED\)"' <<<"$s" && break
    sleep 0.1
  done
  echo "$s"
}
