#!/usr/bin/env bash
# Build the riscv64 guest programs: guests/src/*.c and *.S -> guests/bin/NAME.elf (static, stripped).
# Dynamically linked variants: NAME dyn/X builds src/X.c without -static into bin/dyn/X.elf (a PIE,
# gcc's default), dyn/X_nopie the same with -no-pie; they run with
# `tbwasm run -L /usr/riscv64-linux-gnu` (bin/dyn/ keeps them out of the bin/*.elf lists that the
# page, Node and browser tests run without a sysroot).
# Usage: guests/build.sh [NAME...]   (default: all, including the DYNAMIC list below)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CC="${CC:-riscv64-linux-gnu-gcc}"
STRIP="${STRIP:-riscv64-linux-gnu-strip}"
CFLAGS=(-static -O2 -march=rv64gc -mabi=lp64d -Wall -Wno-unused-result)
DYNAMIC=(dyn/hello dyn/hello_nopie dyn/fpops dyn/malloc dyn/fileio dyn/signals dyn/threads)
mkdir -p "$HERE/bin/dyn"

names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
    for f in "$HERE"/src/*.c "$HERE"/src/*.S; do
        b="$(basename "$f")"; names+=("${b%.*}")
    done
    names+=("${DYNAMIC[@]}")
fi

for n in "${names[@]}"; do
    out="$HERE/bin/$n.elf"
    src="$n"
    flags=("${CFLAGS[@]}")
    if [[ "$n" == dyn/* ]]; then
        src="${n#dyn/}"
        flags=("${flags[@]:1}")  # drop -static
        if [[ "$src" == *_nopie ]]; then
            src="${src%_nopie}"; flags+=(-no-pie)
        fi
    fi
    if [[ -f "$HERE/src/$src.c" ]]; then
        libs=()
        [[ "$src" == fpops ]] && libs=(-lm -ffp-contract=off)
        [[ "$src" == atomics ]] && libs=(-latomic)  # gcc 12: subword atomics live in libatomic
        [[ "$src" == threads ]] && libs=(-pthread)
        "$CC" "${flags[@]}" -o "$out" "$HERE/src/$src.c" "${libs[@]}"
    elif [[ -f "$HERE/src/$n.S" ]]; then
        "$CC" -static -nostdlib -march=rv64gc -mabi=lp64d -o "$out" "$HERE/src/$n.S"
    else
        echo "build.sh: no source for $n" >&2; exit 1
    fi
    "$STRIP" "$out"
    echo "built $out ($(stat -c %s "$out") bytes)"
done
