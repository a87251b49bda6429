#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end refusals of `2cvm serve` and `2cvm client` over loopback with the sim TEE. Each
# case asserts the refusal (exit status and message), that it is in the transcript where the
# runtime can record it, and that nothing else was lost (assets already in stay in, a refused
# party can still do what it may). Cases: the runtime refusing to start (missing consent,
# HOST_DATA not the manifest digest, measurement not accepted); a stranger's TLS certificate;
# simulated evidence without --allow-simulated; evidence for another manifest; a stale nonce;
# uploads of another's asset, with a wrong digest, over the limit, twice, cut off mid-body, after
# the job started; fetching an output one does not receive; a tampered transcript.
# Usage: bash runtime_refusals.sh 2CVM SHARED_DIR
set -uo pipefail
cli=$(realpath "$1")
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

for p in hospital-a hospital-b vendor stranger; do "$cli" keygen "$p" --dir keys >/dev/null || exit 1; done
key() { sed -n "s/.*\"$2\": \"\([^\"]*\)\".*/\1/p" "keys/$1.pub.json"; }
printf 'prepare-a component bytes\n' > prepare-a.wasm
printf 'risk model component bytes\n' > risk-model.wasm
seq 1 2000 > records-a.csv
m=$(printf 'ab%.0s' $(seq 48))
manifest() { # manifest NAME FILE
  cat > "$2" <<EOF
{
  "version": 1,
  "name": "$1",
  "participants": [
    {"id": "hospital-a", "signing_key": "$(key hospital-a signing_key)", "recipient": "$(key hospital-a recipient)"},
    {"id": "hospital-b", "signing_key": "$(key hospital-b signing_key)", "recipient": "$(key hospital-b recipient)"},
    {"id": "vendor", "signing_key": "$(key vendor signing_key)", "recipient": "$(key vendor recipient)"}
  ],
  "runtime": {"tee": "sim", "measurements": ["$m"], "min_tcb": {"bootloader": 3, "tee": 0, "snp": 8, "microcode": 84}},
  "components": [
    {"id": "prepare-a", "owner": "hospital-a", "digest": "sha256:$(sha256sum prepare-a.wasm | cut -c1-64)", "limits": {"memory": "64MiB", "fuel": 1000000}},
    {"id": "risk-model", "owner": "vendor", "digest": "sha256:$(sha256sum risk-model.wasm | cut -c1-64)", "limits": {"memory": "64MiB", "fuel": 1000000}}
  ],
  "inputs": [
    {"id": "records-a", "owner": "hospital-a", "max_size": "64KiB", "readers": ["prepare-a"]}
  ],
  "channels": [{"from": "prepare-a", "to": "risk-model", "interface": "tcvm:demo/risk-model"}],
  "outputs": [
    {"id": "scores-a", "writer": "prepare-a", "recipients": ["hospital-a"], "max_size": "1MiB"},
    {"id": "stats", "writer": "prepare-a", "recipients": ["hospital-a", "hospital-b", "vendor"], "max_size": "1MiB"}
  ],
  "entry": {"component": "prepare-a", "export": "run"}
}
EOF
}
manifest refusals agreement.json
manifest another-agreement other.json
sign_all() { # sign_all MANIFEST BUNDLE [participants...]
  local man=$1 out=$2; shift 2
  rm -f "$out"
  local src=$man
  for p in "$@"; do "$cli" manifest sign "$src" --key "keys/$p.sign.pem" -o "$out" >/dev/null || exit 1; src=$out; done
}
sign_all agreement.json bundle.json hospital-a hospital-b vendor
sign_all agreement.json partial.json hospital-a vendor
sign_all other.json other.bundle.json hospital-a hospital-b vendor
digest() { "$cli" manifest digest "$1" | grep -oE '[0-9a-f]{64}' | head -1; }
d=$(digest agreement.json); d_other=$(digest other.json)

# ---- the runtime refuses to start ----
serve_args=(--provider sim --sim-dir simkeys --listen 127.0.0.1:0 --quiet)
expect 1 "lacks the consent of hospital-b" -- "$cli" serve partial.json "${serve_args[@]}" --measurement "$m" --host-data "$d"
expect 1 "HOST_DATA of this VM is $d_other, not the manifest digest $d" -- \
  "$cli" serve bundle.json "${serve_args[@]}" --measurement "$m" --host-data "$d_other"
expect 1 "launch measurement ${m%ab}ac is not one the manifest accepts" -- \
  "$cli" serve bundle.json "${serve_args[@]}" --measurement "${m%ab}ac" --host-data "$d"
expect 2 "needs --sim-dir" -- "$cli" serve bundle.json --provider sim --measurement "$m" --host-data "$d"

# ---- a runtime for the agreement, and one for another agreement ----
start() { # start BUNDLE HOSTDATA NAME -> sets port_NAME
  rm -f "port.$3"
  "$cli" serve "$1" "${serve_args[@]}" --measurement "$m" --host-data "$2" --port-file "port.$3" \
    >"serve.$3.out" 2>"serve.$3.err" &
  pids+=($!)
  for _ in $(seq 100); do [ -s "port.$3" ] && break; sleep 0.05; done
  [ -s "port.$3" ] || { echo "FAILED: runtime $3 did not start"; cat "serve.$3.err"; exit 1; }
  eval "port_$3=$(cat "port.$3")"
}
start bundle.json "$d" main
start other.bundle.json "$d_other" other
url=https://127.0.0.1:$port_main
c() { local who=$1; shift; "$cli" client "$@" --url "$url" --manifest bundle.json --key "keys/$who.sign.pem" --allow-simulated; }
status_has() { # status_has WHO PATTERN
  c "$1" status | grep -Eq -- "$2" || fail "status as $1 lacks /$2/"
}
transcript_has() { # transcript_has PATTERN
  c hospital-a transcript --out t.jsonl >/dev/null || fail "transcript download"
  grep -Eq -- "$1" t.jsonl || fail "transcript lacks /$1/"
}

# a stranger's certificate does not get past the handshake
expect 1 "TLS session failed" -- "$cli" client status --url "$url" --manifest bundle.json \
  --key keys/stranger.sign.pem --allow-simulated
transcript_has '"type":"request.refused".*"participant":"\(not a participant\)","request":"tls handshake","reason":"TLS client key ed25519:'"$(key stranger signing_key | cut -d: -f2)"
expect 0 '"state":"PROVISIONING"' -- c hospital-b status

# attestation: simulated without --allow-simulated; another manifest; a stale nonce
expect 1 "NOT VERIFIED: attestation refused \(simulated\)" -- \
  "$cli" client verify --url "$url" --manifest bundle.json --key keys/vendor.sign.pem
expect 1 "nothing but the evidence request was sent to the runtime" -- \
  "$cli" client upload --component risk-model risk-model.wasm --url "$url" --manifest bundle.json --key keys/vendor.sign.pem
status_has vendor '"id":"risk-model","owner":"vendor","present":false'
expect 1 "NOT VERIFIED: attestation refused \(host_data\)" -- \
  "$cli" client upload --component risk-model risk-model.wasm --url "https://127.0.0.1:$port_other" \
  --manifest bundle.json --key keys/vendor.sign.pem --allow-simulated
expect 0 "verified \(SIMULATED TEE\)" -- c hospital-a verify --save-evidence ev
expect 0 "^OK SIMULATED" -- "$cli" client check-evidence ev --manifest bundle.json --allow-simulated
expect 1 "^FAIL report_data: " -- "$cli" client check-evidence ev --manifest bundle.json --allow-simulated \
  --nonce "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
expect 1 "^FAIL host_data: " -- "$cli" client check-evidence ev --manifest other.bundle.json --allow-simulated

# uploads
expect 0 "uploaded component prepare-a" -- c hospital-a upload --component prepare-a prepare-a.wasm
expect 1 "REFUSED upload: HTTP 403: component risk-model belongs to vendor, not to hospital-a" -- \
  c hospital-a upload --component risk-model risk-model.wasm
transcript_has '"type":"upload.refused".*"reason":"component risk-model belongs to vendor'
expect 1 "REFUSED upload: HTTP 403: input records-a belongs to hospital-a, not to hospital-b" -- \
  c hospital-b upload --input records-a records-a.csv
expect 1 "REFUSED upload: HTTP 403: component risk-model has SHA-256 .* not the digest the manifest names" -- \
  c vendor upload --component risk-model prepare-a.wasm
head -c 70000 /dev/zero > big.csv
expect 1 "REFUSED upload: HTTP 413: input records-a is 70000 bytes, over its limit of 65536 bytes" -- \
  c hospital-a upload --input records-a big.csv
expect 1 "REFUSED upload: HTTP 403: component prepare-a is already in" -- \
  c hospital-a upload --component prepare-a prepare-a.wasm
expect 1 "HTTP 403: the manifest names no component \"nonesuch\"" -- c hospital-a upload --component nonesuch prepare-a.wasm
status_has hospital-a '"id":"prepare-a","owner":"hospital-a","present":true,"size":26'
status_has hospital-a '"id":"risk-model","owner":"vendor","present":false'
status_has hospital-a '"id":"records-a","owner":"hospital-a","present":false'

# a connection cut in the middle of an upload body leaves nothing behind
openssl req -x509 -key keys/hospital-a.sign.pem -subj /CN=hospital-a -days 1 -out a.crt 2>/dev/null \
  || fail "openssl req"
python3 - "$port_main" <<'EOF' || fail "partial upload script"
import hashlib, socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.minimum_version = ssl.TLSVersion.TLSv1_3
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.load_cert_chain("a.crt", "keys/hospital-a.sign.pem")
body = open("records-a.csv", "rb").read()
with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as raw:
    with ctx.wrap_socket(raw) as s:
        head = ("PUT /v1/inputs/records-a HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n"
                "X-2cvm-SHA256: %s\r\n\r\n" % (len(body), hashlib.sha256(body).hexdigest()))
        s.sendall(head.encode() + body[: len(body) // 2])
EOF
sleep 0.3
status_has hospital-a '"id":"records-a","owner":"hospital-a","present":false'
expect 0 "uploaded input records-a: 8893 bytes" -- c hospital-a upload --input records-a records-a.csv

# recipients only: the vendor does not receive scores-a (refused whatever the state)
expect 1 "REFUSED scores-a: HTTP 403: vendor is not a recipient of output scores-a" -- \
  c vendor fetch --identity keys/vendor.age scores-a
transcript_has '"type":"fetch.refused".*"reason":"vendor is not a recipient of output scores-a"'
expect 1 "REFUSED stats: HTTP 409: output stats is not available: the runtime is PROVISIONING" -- \
  c vendor fetch --identity keys/vendor.age stats

# the last asset starts the job; uploads are closed from then on
expect 0 "uploaded component risk-model" -- c vendor upload --component risk-model risk-model.wasm
"$cli" client status --url "$url" --manifest bundle.json --key keys/vendor.sign.pem --allow-simulated >/dev/null
for _ in $(seq 50); do c vendor status | grep -q '"state":"\(DONE\|FAILED\)"' && break; sleep 0.1; done
expect 1 "REFUSED upload: HTTP 409: uploads are closed: the runtime is (RUNNING|DONE|FAILED)" -- \
  c hospital-a upload --input records-a records-a.csv
status_has hospital-a '"id":"records-a","owner":"hospital-a","present":true,"size":8893'
expect 1 "REFUSED scores-a: HTTP 403: vendor is not a recipient of output scores-a" -- \
  c vendor fetch --identity keys/vendor.age scores-a

# the transcript verifies; any change to it is caught
expect 0 "transcript verified: [0-9]+ records, head signed .* by the attested runtime key, final" -- \
  c hospital-b transcript --out t.jsonl
grep -q '"type":"upload.accepted".*"asset":"records-a","size":8893' t.jsonl || fail "transcript lacks the records-a upload"
grep -q '"type":"upload.refused".*"reason":"uploads are closed' t.jsonl && fail "a refusal after the transcript closed cannot be in it"
rk=$(cat ev/runtime-key.txt)
expect 0 "ok: [0-9]+ records, chain intact" -- "$cli" transcript verify t.jsonl --key "$rk"
sed '4s/"to":"PROVISIONING"/"to":"RUNNING"/' t.jsonl > tampered.jsonl
cmp -s t.jsonl tampered.jsonl && fail "tampering did not change the transcript"
expect 1 "record 3" -- "$cli" transcript verify tampered.jsonl --key "$rk"
head -n -2 t.jsonl > cut.jsonl; tail -1 t.jsonl >> cut.jsonl
expect 1 "" -- "$cli" transcript verify cut.jsonl --key "$rk"
expect 1 "" -- "$cli" transcript verify t.jsonl --key "$(key vendor signing_key)"

[ "$fails" = 0 ] && echo "runtime_refusals: all passed"
exit $((fails > 0))
