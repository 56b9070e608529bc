#!/usr/bin/env bash
# Fetch Debian trixie's riscv64 busybox-static into guests/bin/busybox.
#
# Uses a private, throw-away apt configuration (own sources.list, lists, status, cache,
# APT::Architecture riscv64), so the machine's apt setup is never changed. The archive host is
# taken from the machine's own apt sources. Idempotent: does nothing if the binary exists.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/guests/bin/busybox"
SUITE="${SUITE:-trixie}"

if [[ -x "$OUT" && "${1:-}" != "--force" ]]; then
    echo "fetch-busybox: $OUT already present"
    exit 0
fi

# shellcheck source=scripts/debian-apt.sh
source "$ROOT/scripts/debian-apt.sh"
private_apt fetch-busybox "$SUITE"
unpack_one busybox-static riscv64
mkdir -p "$(dirname "$OUT")"
install -m 0755 "$TMP/x/bin/busybox" "$OUT" 2>/dev/null || install -m 0755 "$TMP/x/usr/bin/busybox" "$OUT"
echo "fetch-busybox: installed $(basename "$DEB") -> $OUT"

if command -v qemu-riscv64 >/dev/null; then
    got="$(qemu-riscv64 "$OUT" echo hi)"
    [[ "$got" == "hi" ]] || { echo "fetch-busybox: verification failed: '$got'" >&2; exit 1; }
    echo "fetch-busybox: verified (qemu-riscv64 busybox echo hi -> hi)"
fi
