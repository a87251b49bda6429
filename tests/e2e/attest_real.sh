#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end `2cvm attest` on real reports and certificates from AMD hardware (the shared test
# data): every case of testdata/snp/expected.json verifies (OK line with its product, version
# and signer) and `attest show --json` gives the recorded fields; the expired VLEK verifies only
# before its expiry; the invalid VCEKs, a changed report and wrong pairings fail with the check
# named. Skipped (exit 77) when the shared data is absent. Usage: bash attest_real.sh 2CVM SHARED
set -uo pipefail
cli=$1
snp=$2/testdata/snp
if [ ! -f "$snp/expected.json" ]; then
  echo "SKIPPED: shared SEV-SNP test data absent ($snp)"; exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
expect() { # expect EXIT_CODE OUTPUT_PREFIX -- command...
  local want_rc=$1 want_out=$2; shift 3
  local out rc
  out=$("$@" 2>"$tmp/stderr"); rc=$?
  if [ "$rc" != "$want_rc" ] || [[ "$out" != "$want_out"* ]]; then
    echo "FAILED: $*"; echo "  exit $rc (want $want_rc): $out"; sed 's/^/  stderr: /' "$tmp/stderr"
    fails=$((fails + 1))
  fi
}
at=(--at 2025-06-01)

# every recorded case: verify, then compare the rendering with the recorded fields
python3 - "$snp/expected.json" > "$tmp/cases" <<'PY'
import json, sys
for c in json.load(open(sys.argv[1]))["cases"]:
    print(c["id"], c["report"], c["vek"], c["chain"].split()[0], c["product"], c["version"], c["signer"])
PY
ncases=0
while read -r id report vek chain product version signer; do
  ncases=$((ncases + 1))
  expect 0 "OK sev-snp $product report v$version signed by the $signer" -- \
    "$cli" attest verify "$snp/$report" --vcek "$snp/$vek" --chain "$snp/$chain" "${at[@]}" --allow-debug
  "$cli" attest show --json "$snp/$report" --vcek "$snp/$vek" > "$tmp/show.json" || { echo "FAILED: show $id"; fails=$((fails+1)); continue; }
  python3 - "$snp/expected.json" "$id" "$tmp/show.json" <<'PY' || { echo "FAILED: show fields of $id"; fails=$((fails+1)); }
import json, sys
case = next(c for c in json.load(open(sys.argv[1]))["cases"] if c["id"] == sys.argv[2])
got = json.load(open(sys.argv[3]))
def sub(want, have, path):
    if isinstance(want, dict):
        for k, v in want.items():
            sub(v, (have or {}).get(k), path + "." + k)
    elif want != have:
        sys.exit(f"{sys.argv[2]}: {path}: want {want!r}, got {have!r}")
for k, v in case.items():
    if k not in ("id", "report", "fmt", "vek", "vek_fmt", "chain", "expected"):
        sub(v, got.get(k), k)
PY
done < "$tmp/cases"
[ "$ncases" -ge 7 ] || { echo "FAILED: only $ncases cases in expected.json"; fails=$((fails+1)); }

# the expired VLEK: valid 2024-12-10 22:14:21 .. 2025-12-10 22:14:21 UTC
vlek=(--vcek "$snp/trustee/test-vlek.der" --chain "$snp/trustee/milan_ask_ark_asvk.pem")
expect 0 "OK sev-snp Milan report v3 signed by the VLEK" -- "$cli" attest verify "$snp/trustee/test-vlek-report.bin" "${vlek[@]}" --at 2025-12-10T22:14:20Z
expect 1 "FAIL validity: the VLEK" -- "$cli" attest verify "$snp/trustee/test-vlek-report.bin" "${vlek[@]}" --at 2025-12-10T22:14:22Z
expect 1 "FAIL validity: " -- "$cli" attest verify "$snp/trustee/test-vlek-report.bin" "${vlek[@]}"
expect 1 "FAIL validity: " -- "$cli" attest verify "$snp/trustee/test-vlek-report.bin" "${vlek[@]}" --at @1733800000

# the two invalid VCEKs parse but do not chain
for f in test-vcek-invalid-legacy.der test-vcek-invalid-new.der; do
  expect 1 "FAIL chain: " -- "$cli" attest verify "$snp/trustee/test-report.bin" --vcek "$snp/trustee/$f" \
    --chain "$snp/trustee/milan_ask_ark_asvk.pem" "${at[@]}"
done

# a changed report, wrong pairings, missing pieces
cp "$snp/go-sev-guest/attestation.bin" "$tmp/flipped.bin"
printf '\x01' | dd of="$tmp/flipped.bin" bs=1 seek=$((0x90)) conv=notrunc 2>/dev/null
gsg=(--vcek "$snp/go-sev-guest/vcek.testcer" --chain "$snp/go-sev-guest/ask_ark_milan.pem" "${at[@]}" --allow-debug)
expect 1 "FAIL signature: " -- "$cli" attest verify "$tmp/flipped.bin" "${gsg[@]}"
expect 1 "FAIL policy_debug: " -- "$cli" attest verify "$snp/go-sev-guest/attestation.bin" --vcek "$snp/go-sev-guest/vcek.testcer" --chain "$snp/go-sev-guest/ask_ark_milan.pem" "${at[@]}"
expect 1 "FAIL hwid: " -- "$cli" attest verify "$snp/virtee-sev/report_milan.hex" "${gsg[@]}"
expect 1 "FAIL product: " -- "$cli" attest verify "$snp/trustee/derived/e2e-evidence-report.bin" "${gsg[@]}"
expect 1 "FAIL chain: " -- "$cli" attest verify "$snp/virtee-sev/report_milan.hex" --vcek "$snp/virtee-sev/vcek_milan.der" \
  --chain "$snp/go-sev-guest/ask_ark_milan_vlek.pem" "${at[@]}"
expect 1 "FAIL vek: " -- "$cli" attest verify "$snp/virtee-sev/report_milan.hex" "${at[@]}"
expect 0 "OK sev-snp Milan" -- "$cli" attest verify "$snp/virtee-sev/report_milan.hex" --vcek "$snp/virtee-sev/vcek_milan.der" \
  --certs "$snp/virtee-sev/builtin/milan" "${at[@]}" \
  --measurement 7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f \
  --min-tcb bl=3,tee=0,snp=8,ucode=115 --min-abi 0.0
expect 1 "FAIL min_tcb: " -- "$cli" attest verify "$snp/virtee-sev/report_milan.hex" --vcek "$snp/virtee-sev/vcek_milan.der" \
  --certs "$snp/virtee-sev/builtin/milan" "${at[@]}" --min-tcb bl=3,tee=0,snp=9,ucode=115

[ "$fails" = 0 ] && echo "attest_real: all $ncases recorded cases and the negative cases passed"
exit $((fails > 0))
