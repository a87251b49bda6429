#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end `2cvm attest` with the simulated TEE: usage errors exit 2; sim evidence is refused
# unless --allow-simulated; with it, each expected value (measurement, HOST_DATA, REPORT_DATA,
# minimum TCB, runtime section) is checked and a wrong one names its check; `attest show` of a
# fixed evidence file matches its golden rendering. Usage: bash attest_sim.sh 2CVM SHARED_DIR
set -uo pipefail
cli=$1
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

m=$(printf 'ab%.0s' $(seq 48)); h=$(printf 'cd%.0s' $(seq 32))
expect 2 "" -- "$cli" attest
expect 2 "" -- "$cli" attest verify
expect 2 "" -- "$cli" attest frobnicate
expect 2 "" -- "$cli" attest report --provider sim
expect 2 "" -- "$cli" attest report --provider sim --report-data 123 --out "$tmp/x"
expect 2 "" -- "$cli" attest verify "$tmp/x" --at yesterday
expect 2 "" -- "$cli" attest verify "$tmp/x" --measurement abcd
expect 2 "" -- "$cli" attest report --provider nonesuch --report-data 00 --out "$tmp/x"

expect 0 "" -- "$cli" attest report --provider sim --sim-dir "$tmp/keys" --report-data 0102 \
  --measurement "$m" --host-data "$h" --out "$tmp/ev"
[ "$(stat -c %a "$tmp/keys/vcek.key")" = 600 ] || { echo "FAILED: vcek.key mode"; fails=$((fails+1)); }
expect 1 "FAIL simulated: " -- "$cli" attest verify "$tmp/ev"
expect 0 "OK SIMULATED sim Genoa report v5 signed by the VCEK" -- \
  "$cli" attest verify "$tmp/ev" --allow-simulated --report-data 0102 --measurement "$m" --host-data "$h"
expect 1 "FAIL report_data: " -- "$cli" attest verify "$tmp/ev" --allow-simulated --report-data 0103
expect 1 "FAIL measurement: " -- "$cli" attest verify "$tmp/ev" --allow-simulated --measurement "${m%ab}ac"
expect 1 "FAIL host_data: " -- "$cli" attest verify "$tmp/ev" --allow-simulated --host-data "${h%cd}ce"
expect 1 "FAIL min_tcb: " -- "$cli" attest verify "$tmp/ev" --allow-simulated --min-tcb bl=10,tee=0,snp=23,ucode=85
expect 0 "OK SIMULATED" -- "$cli" attest verify "$tmp/ev" --allow-simulated --min-tcb bl=10,tee=0,snp=23,ucode=84
expect 1 "FAIL policy_smt: " -- "$cli" attest verify "$tmp/ev" --allow-simulated --disallow-smt
expect 1 "FAIL validity: " -- "$cli" attest verify "$tmp/ev" --allow-simulated --at 2020-01-01
expect 1 "FAIL chip_id: " -- "$cli" attest verify "$tmp/ev" --allow-simulated --chip-id "$(printf '00%.0s' $(seq 64))"

# a manifest's runtime section as the policy
printf '{"runtime": {"tee": "sim", "measurements": ["%s"], "allow_debug": false}}' "$m" > "$tmp/manifest.json"
expect 0 "OK SIMULATED" -- "$cli" attest verify "$tmp/ev" --runtime "$tmp/manifest.json" --host-data "$h"
printf '{"tee": "sev-snp", "measurements": ["%s"]}' "$m" > "$tmp/runtime.json"
expect 1 "FAIL simulated: " -- "$cli" attest verify "$tmp/ev" --runtime "$tmp/runtime.json"
printf '{"tee": "sim", "measurement": ["%s"]}' "$m" > "$tmp/typo.json"
expect 2 "" -- "$cli" attest verify "$tmp/ev" --runtime "$tmp/typo.json"

# a debug policy and a Turin layout
expect 0 "" -- "$cli" attest report --provider sim --sim-dir "$tmp/keys" --report-data ff \
  --guest-policy b0000 --product turin --tcb bl=1,tee=0,snp=2,ucode=71,fmc=0 --out "$tmp/dbg"
expect 1 "FAIL policy_debug: " -- "$cli" attest verify "$tmp/dbg" --allow-simulated
expect 0 "OK SIMULATED sim Turin report v5" -- "$cli" attest verify "$tmp/dbg" --allow-simulated --allow-debug \
  --min-tcb bl=1,tee=0,snp=2,ucode=71,fmc=0
expect 1 "FAIL min_tcb: " -- "$cli" attest verify "$tmp/dbg" --allow-simulated --allow-debug \
  --min-tcb bl=1,tee=0,snp=2,ucode=71,fmc=1

# garbage is a format failure, not a crash
head -c 999 /dev/urandom > "$tmp/junk"
expect 1 "FAIL format: " -- "$cli" attest verify "$tmp/junk"
expect 1 "" -- "$cli" attest show "$tmp/junk"

# golden rendering of a fixed evidence file (made once by the sim TEE)
seed=../fuzz/seeds/evidence/sim_genoa.ev
if ! diff -u golden/attest_show_sim.txt <("$cli" attest show "$seed"); then
  echo "FAILED: attest show $seed differs from golden/attest_show_sim.txt"; fails=$((fails+1))
fi
"$cli" attest show --json "$seed" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["version"]==5 and d["tee"]=="sim" and len(d["certificates"])==3' \
  || { echo "FAILED: attest show --json"; fails=$((fails+1)); }

[ "$fails" = 0 ] && echo "attest_sim: all passed"
exit $((fails > 0))
