#!/usr/bin/env bash
# Build the riscv64 guest programs: guests/src/*.c and *.S -> guests/bin/NAME.elf (static, stripped).
# Usage: guests/build.sh [NAME...]   (default: all)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CC="${CC:-riscv64-linux-gnu-gcc}"
STRIP="${STRIP:-riscv64-linux-gnu-strip}"
CFLAGS=(-static -O2 -march=rv64gc -mabi=lp64d -Wall -Wno-unused-result)
mkdir -p "$HERE/bin"

names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
    for f in "$HERE"/src/*.c "$HERE"/src/*.S; do
        b="$(basename "$f")"; names+=("${b%.*}")
    done
fi

for n in "${names[@]}"; do
    out="$HERE/bin/$n.elf"
    if [[ -f "$HERE/src/$n.c" ]]; then
        libs=()
        [[ "$n" == fpops ]] && libs=(-lm -ffp-contract=off)
        [[ "$n" == atomics ]] && libs=(-latomic)  # gcc 12: subword atomics live in libatomic
        [[ "$n" == threads ]] && libs=(-pthread)
        "$CC" "${CFLAGS[@]}" -o "$out" "$HERE/src/$n.c" "${libs[@]}"
    elif [[ -f "$HERE/src/$n.S" ]]; then
        "$CC" -static -nostdlib -march=rv64gc -mabi=lp64d -o "$out" "$HERE/src/$n.S"
    else
        echo "build.sh: no source for $n" >&2; exit 1
    fi
    "$STRIP" "$out"
    echo "built $out ($(stat -c %s "$out") bytes)"
done
