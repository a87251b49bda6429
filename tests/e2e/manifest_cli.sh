#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The participant's workflow from the command line: keygen for three parties, a manifest built
# from their public entries, check / digest / show, consent signatures gathered in a bundle
# (in sequence and apart, then merged), verify until complete, and the errors and exit codes of
# bad input (1: refused, 2: usage).
# Usage: bash manifest_cli.sh PATH_TO_2cvm SHARED_DIR   (exit 0 pass, 1 fail)
set -u
cli=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
# expect CODE "what" command...: runs the command, checks its exit code, keeps its output in out.txt
expect() {
  local want=$1 what=$2
  shift 2
  "$@" > out.txt 2>&1
  local got=$?
  [ "$got" = "$want" ] || fail "$what: exit $got, want $want: $(cat out.txt)"
}
contains() { grep -qF -- "$2" out.txt || fail "$1: output lacks \"$2\": $(cat out.txt)"; }

for p in hospital-a hospital-b vendor; do
  expect 0 "keygen $p" "$cli" keygen "$p" --dir keys
done
expect 1 "keygen refuses to overwrite" "$cli" keygen vendor --dir keys
contains "keygen refuses to overwrite" "already exists; use --force"
expect 2 "keygen without a name" "$cli" keygen
expect 1 "keygen with a bad name" "$cli" keygen "Vendor Inc"
contains "keygen with a bad name" "is not a valid participant id"
for f in keys/hospital-a.sign.pem keys/hospital-a.age; do
  [ "$(stat -c %a "$f")" = 600 ] || fail "$f is not mode 0600"
done

key() { sed -n "s/.*\"$2\": \"\([^\"]*\)\".*/\1/p" "keys/$1.pub.json"; }
cat > agreement.json <<EOF
{
  "version": 1,
  "name": "e2e-study",
  "participants": [
    {"id": "hospital-a", "signing_key": "$(key hospital-a signing_key)", "recipient": "$(key hospital-a recipient)"},
    {"id": "hospital-b", "signing_key": "$(key hospital-b signing_key)", "recipient": "$(key hospital-b recipient)"},
    {"id": "vendor", "signing_key": "$(key vendor signing_key)", "recipient": "$(key vendor recipient)"}
  ],
  "runtime": {
    "tee": "sim",
    "measurements": ["000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"],
    "min_tcb": {"bootloader": 3, "tee": 0, "snp": 8, "microcode": 115}
  },
  "components": [
    {"id": "prepare-a", "owner": "hospital-a", "digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111", "limits": {"memory": "256MiB", "fuel": 1000000}},
    {"id": "risk-model", "owner": "vendor", "digest": "sha256:2222222222222222222222222222222222222222222222222222222222222222", "limits": {"memory": "512MiB", "time": "30s"}}
  ],
  "inputs": [
    {"id": "records-a", "owner": "hospital-a", "max_size": "64MiB", "readers": ["prepare-a"]}
  ],
  "channels": [
    {"from": "prepare-a", "to": "risk-model", "interface": "tcvm:demo/risk-model"}
  ],
  "outputs": [
    {"id": "scores-a", "writer": "prepare-a", "recipients": ["hospital-a", "hospital-b", "vendor"], "max_size": "1MiB"}
  ],
  "entry": {"component": "prepare-a", "export": "run"}
}
EOF

expect 0 "check" "$cli" manifest check agreement.json
contains "check" "ok: manifest \"e2e-study\" (version 1): 3 participants, 2 components, 1 inputs, 1 channels, 1 outputs"
expect 0 "digest" "$cli" manifest digest agreement.json
[ "$(cat out.txt)" = "$(sha256sum agreement.json | cut -d' ' -f1)" ] || fail "digest is not SHA-256 of the file bytes"
expect 0 "show" "$cli" manifest show agreement.json
contains "show" "tee sim (simulated, not a real TEE)"
contains "show" "prepare-a -> risk-model  tcvm:demo/risk-model"
contains "show" "records-a  owner hospital-a  max 64MiB  read by prepare-a"

# consent in sequence
expect 2 "sign a manifest without -o" "$cli" manifest sign agreement.json --key keys/vendor.sign.pem
contains "sign a manifest without -o" "give -o BUNDLE"
expect 0 "sign (hospital-a)" "$cli" manifest sign agreement.json --key keys/hospital-a.sign.pem -o bundle.json
contains "sign (hospital-a)" "hospital-a signed; 1 of 3 participants have signed"
expect 1 "verify incomplete" "$cli" manifest verify bundle.json
contains "verify incomplete" "incomplete: 1 of 3 participants have signed"
contains "verify incomplete" "vendor                   NOT signed"
expect 0 "sign (vendor)" "$cli" manifest sign bundle.json --key keys/vendor.sign.pem
expect 1 "sign with an age identity" "$cli" manifest sign bundle.json --key keys/vendor.age
contains "sign with an age identity" "no PEM \"PRIVATE KEY\""
"$cli" keygen stranger --dir keys > /dev/null
expect 1 "sign with a stranger's key" "$cli" manifest sign bundle.json --key keys/stranger.sign.pem
contains "sign with a stranger's key" "is not the signing key of any participant of this manifest"
expect 0 "sign (hospital-b)" "$cli" manifest sign bundle.json --key keys/hospital-b.sign.pem
expect 0 "verify complete" "$cli" manifest verify bundle.json --manifest agreement.json
contains "verify complete" "complete: all 3 participants have signed"
expect 0 "check a bundle" "$cli" manifest check bundle.json
contains "check a bundle" "consent: 3 of 3 participants have signed"
expect 0 "digest of a bundle" "$cli" manifest digest bundle.json
[ "$(cat out.txt)" = "$(sha256sum agreement.json | cut -d' ' -f1)" ] || fail "bundle digest differs"

# consent apart, then merged
"$cli" manifest sign agreement.json --key keys/hospital-a.sign.pem -o a.json > /dev/null
"$cli" manifest sign agreement.json --key keys/hospital-b.sign.pem -o b.json > /dev/null
"$cli" manifest sign agreement.json --key keys/vendor.sign.pem -o v.json > /dev/null
expect 0 "merge" "$cli" manifest merge -o merged.json a.json b.json v.json
contains "merge" "complete: all 3 participants have signed"
expect 0 "verify merged" "$cli" manifest verify merged.json

# another manifest's bundle does not pass for this one
sed 's/"e2e-study"/"e2e-study-2"/' agreement.json > other.json
"$cli" manifest sign other.json --key keys/vendor.sign.pem -o other.bundle.json > /dev/null
expect 1 "merge across manifests" "$cli" manifest merge -o x.json a.json other.bundle.json
contains "merge across manifests" "different manifests"
expect 1 "verify against other bytes" "$cli" manifest verify bundle.json --manifest other.json
contains "verify against other bytes" "is about other manifest bytes"

# a forged signature in a bundle is refused, naming the signer
sig=$(sed -n 's/.*"signature": "\([^"]*\)".*/\1/p' bundle.json | head -n 1)
r=A; [ "${sig:10:1}" = A ] && r=B
forged_sig="${sig:0:10}$r${sig:11}"
sed "s|$sig|$forged_sig|" bundle.json > forged.json
cmp -s bundle.json forged.json && fail "the signature was not altered"
expect 1 "forged signature" "$cli" manifest verify forged.json
contains "forged signature" "bundle: signatures[0]: the signature of \"hospital-a\" does not verify"

# bad manifests: exit 1 with the place and the problem
sed 's/"owner": "vendor"/"owner": "vendor-inc"/' agreement.json > bad1.json
expect 1 "owner not a participant" "$cli" manifest check bad1.json
contains "owner not a participant" "bad1.json: components[1].owner: \"vendor-inc\" is not a participant (participants: hospital-a, hospital-b, vendor)"
sed 's/"memory": "256MiB"/"memory": "256 MB"/' agreement.json > bad2.json
expect 1 "size with a space" "$cli" manifest check bad2.json
contains "size with a space" "components[0].limits.memory: size must not have a space between number and unit"
sed 's/"max_size": "64MiB",/"max_size": "64MiB",,/' agreement.json > bad3.json
expect 1 "syntax" "$cli" manifest check bad3.json
contains "syntax" "bad3.json: line 19, column 68: string or '}' expected near ','"
expect 1 "missing file" "$cli" manifest check nonexistent.json
contains "missing file" "nonexistent.json: No such file or directory"
expect 2 "unknown subcommand" "$cli" manifest frobnicate agreement.json
expect 2 "check without a file" "$cli" manifest check

if [ "$fails" -gt 0 ]; then echo "manifest cli: $fails failure(s)" >&2; exit 1; fi
echo "manifest cli: ok"
