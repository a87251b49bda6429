#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Interop with the stock age tool (Debian's `age` package), both ways: what `2cvm seal` makes,
# `age -d -i` opens; what `age -e -r` makes (binary and armored), `2cvm open` opens. Also:
# several recipients, recipient files, key files from each tool, and refusal of tampered,
# truncated and wrongly keyed files with no plaintext left behind.
# Usage: bash age_interop.sh PATH_TO_2cvm SHARED_DIR   (exit 0 pass, 1 fail, 77 skip)
set -u
cli=$1
if ! command -v age >/dev/null || ! command -v age-keygen >/dev/null; then
  echo "SKIPPED: the age interop test needs Debian's age package (age, age-keygen); scripts/setup installs it" >&2
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

"$cli" keygen ours >/dev/null || { echo "FAIL: keygen" >&2; exit 1; }
ours=$(sed -n 's/.*"recipient": "\(age1[a-z0-9]*\)".*/\1/p' ours.pub.json)
age-keygen -o theirs.key 2>/dev/null
theirs=$(age-keygen -y theirs.key)
[ -n "$ours" ] && [ -n "$theirs" ] || { echo "FAIL: no recipients" >&2; exit 1; }

for size in 0 1 100 65535 65536 65537 131072 200001; do
  head -c "$size" /dev/urandom > "p$size"
  # 2cvm -> age (age -o creates no file for an empty plaintext, so use stdout)
  "$cli" seal --to "$ours" -o "s$size.age" "p$size" || fail "2cvm seal $size"
  age -d -i ours.age "s$size.age" > "d$size" || fail "age -d of 2cvm's $size-byte file"
  cmp -s "p$size" "d$size" || fail "age opened 2cvm's $size-byte file to different bytes"
  "$cli" seal --armor --to "$ours" -o "sa$size.age" "p$size" || fail "2cvm seal --armor $size"
  age -d -i ours.age "sa$size.age" > "da$size" || fail "age -d of 2cvm's armored $size-byte file"
  cmp -s "p$size" "da$size" || fail "armored $size differs"
  # age -> 2cvm
  age -e -r "$theirs" -o "e$size.age" "p$size" || fail "age -e $size"
  "$cli" open --identity theirs.key -o "o$size" "e$size.age" || fail "2cvm open of age's $size-byte file"
  cmp -s "p$size" "o$size" || fail "2cvm opened age's $size-byte file to different bytes"
  age -e -a -r "$theirs" -o "ea$size.age" "p$size" || fail "age -e -a $size"
  "$cli" open -i theirs.key -o "oa$size" "ea$size.age" || fail "2cvm open of age's armored $size"
  cmp -s "p$size" "oa$size" || fail "armored age $size differs"
done

# streams through pipes: standard input and output on both sides
printf 'through pipes\n' | "$cli" seal --to "$ours" | age -d -i ours.age > piped || fail "pipe 2cvm -> age"
[ "$(cat piped)" = "through pipes" ] || fail "pipe 2cvm -> age content"
printf 'back again\n' | age -e -r "$theirs" | "$cli" open --identity theirs.key > piped2 || fail "pipe age -> 2cvm"
[ "$(cat piped2)" = "back again" ] || fail "pipe age -> 2cvm content"

# several recipients, each can open; recipient files
"$cli" seal --to "$theirs" --to "$ours" -o multi.age p100 || fail "seal to two recipients"
age -d -i theirs.key -o m1 multi.age && cmp -s p100 m1 || fail "age, first of two recipients"
"$cli" open --identity ours.age -o m2 multi.age && cmp -s p100 m2 || fail "2cvm, second of two recipients"
printf '# team\n%s\n%s\n' "$ours" "$theirs" > recipients.txt
"$cli" seal --to-file recipients.txt -o rf.age p100 || fail "seal --to-file"
age -d -i theirs.key rf.age | cmp -s p100 - || fail "age opens a file sealed to a recipients file"
age -e -r "$ours" -r "$theirs" -o both.age p100
"$cli" open --identity ours.age -o b1 both.age && cmp -s p100 b1 || fail "2cvm, age file to two recipients"
age -e -R recipients.txt -o rfa.age p100
"$cli" open --identity theirs.key --identity ours.age -o b2 rfa.age && cmp -s p100 b2 || fail "two identity files"

# refusals: wrong key, altered header, altered payload, truncation; nothing written
expect_refused() { # what file message
  rm -f out.bin
  if "$cli" open --identity "$2" -o out.bin "$3" 2> err.txt; then
    fail "$1: opened"
  elif ! grep -q -- "$4" err.txt; then
    fail "$1: message was: $(cat err.txt)"
  fi
  [ ! -e out.bin ] || fail "$1: left plaintext behind"
  if ls out.bin.tmp-* >/dev/null 2>&1; then fail "$1: left a temporary file"; fi
}
expect_refused "wrong identity" ours.age e100.age "no identity matches"
line2=$(sed -n 2p e65537.age)
r=A; [ "${line2:10:1}" = A ] && r=B
sed "2s/^-> X25519 ./-> X25519 $r/" e65537.age > hdr.age
cmp -s e65537.age hdr.age && fail "the stanza was not altered"
expect_refused "altered stanza" theirs.key hdr.age "no identity matches"
# change the MAC line's first base64 character
hdr_size=$(grep -a -b -m1 '^--- ' e100.age | cut -d: -f1)
cp e100.age mac.age
c=$(dd if=e100.age bs=1 skip=$((hdr_size + 4)) count=1 2>/dev/null)
r=A; [ "$c" = A ] && r=B
printf '%s' "$r" | dd of=mac.age bs=1 seek=$((hdr_size + 4)) conv=notrunc 2>/dev/null
cmp -s e100.age mac.age && fail "the MAC was not altered"
expect_refused "altered MAC" theirs.key mac.age "header MAC does not verify"
size=$(stat -c %s e131072.age)
head -c $((size - 1)) e131072.age > cut.age
expect_refused "truncated by one byte" theirs.key cut.age "truncated or was altered"
head -c $((size - 65552 - 16)) e131072.age > cut2.age
expect_refused "cut at a chunk boundary" theirs.key cut2.age "truncated"
cp e131072.age flip.age
printf '\x01' | dd of=flip.age bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
expect_refused "altered payload" theirs.key flip.age "does not authenticate"
# standard output gets nothing at all from a file that fails late
"$cli" open --identity theirs.key cut.age > stdout.bin 2>/dev/null && fail "stdout: opened a truncated file"
[ ! -s stdout.bin ] || fail "stdout: partial plaintext was released"
# and age refuses what 2cvm refuses
age -d -i theirs.key cut.age >/dev/null 2>&1 && fail "age opened the truncated file"

# identity files in age-keygen format are read by both tools
grep -q '^# public key: age1' ours.age || fail "ours.age lacks the public key comment"
[ "$(stat -c %a ours.age)" = 600 ] || fail "ours.age is not mode 0600"

if [ "$fails" -gt 0 ]; then echo "age interop: $fails failure(s)" >&2; exit 1; fi
echo "age interop: ok (age $(age --version))"
