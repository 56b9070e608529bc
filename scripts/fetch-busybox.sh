#!/usr/bin/env bash
# Fetch Debian trixie's riscv64 busybox-static into guests/bin/busybox.
#
# Uses a private, throw-away apt configuration (own sources.list, lists, status, cache,
# APT::Architecture riscv64), so the machine's apt setup is never changed. The archive host is
# taken from the machine's own apt sources. Idempotent: does nothing if the binary exists.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/guests/bin/busybox"

# shellcheck source=scripts/debian-apt.sh
source "$ROOT/scripts/debian-apt.sh"
fetch_binary fetch-busybox busybox-static riscv64 "$OUT" bin/busybox usr/bin/busybox -- "$@"

if command -v qemu-riscv64 >/dev/null; then
    got="$(qemu-riscv64 "$OUT" echo hi)"
    [[ "$got" == "hi" ]] || { echo "fetch-busybox: verification failed: '$got'" >&2; exit 1; }
    echo "fetch-busybox: verified (qemu-riscv64 busybox echo hi -> hi)"
fi
