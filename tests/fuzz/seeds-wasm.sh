#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Seeds for fuzz_wasm: the module binaries of the core spec suite. Runs wast2json over every
# .wast file at the top of ../shared/wasm-testsuite and puts the .wasm files it writes into
# OUTDIR (nothing is committed). Without the shared suite or wast2json it says so and adds none.
# Usage: tests/fuzz/seeds-wasm.sh OUTDIR
set -uo pipefail
out=${1:?usage: seeds-wasm.sh OUTDIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
suite=${TCVM_SHARED_DIR:-$root/../shared}/wasm-testsuite
if [ ! -d "$suite" ]; then echo "seeds-wasm: $suite is absent: no seeds" >&2; exit 0; fi
if ! command -v wast2json >/dev/null; then echo "seeds-wasm: wast2json missing: no seeds" >&2; exit 0; fi
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
for f in "$suite"/*.wast; do
  name=$(basename "$f" .wast)
  if wast2json "$f" -o "$tmp/$name.json" >/dev/null 2>&1; then
    for w in "$tmp/$name".*.wasm; do
      [ -e "$w" ] || continue
      mv "$w" "$out/$(basename "$w")"
      n=$((n + 1))
    done
  fi
  rm -f "$tmp/$name".*
done
echo "seeds-wasm: $n module binaries from $suite" >&2
