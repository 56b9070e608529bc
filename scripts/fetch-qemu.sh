#!/usr/bin/env bash
# Fetch Debian trixie's qemu-user (qemu 10, static binaries) and extract qemu-riscv64 into
# guests/bin/qemu10/qemu-riscv64, without installing anything.
#
# The newer reference for the extensions bookworm's qemu 7.2 lacks (Zba/Zbb/Zbs/Zbc, Zicond,
# Zcb, Zfa, Zawrs, Zimop/Zcmop, Zfh, ...). Same private, throw-away apt configuration as
# scripts/fetch-busybox.sh (scripts/debian-apt.sh), with APT::Architecture amd64 (the host's).
# Idempotent: does nothing if the binary exists (--force to redo). Tests find it with
# tests/helpers.py:qemu10().
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/guests/bin/qemu10/qemu-riscv64"

# shellcheck source=scripts/debian-apt.sh
source "$ROOT/scripts/debian-apt.sh"
fetch_binary fetch-qemu qemu-user "$(dpkg --print-architecture)" "$OUT" usr/bin/qemu-riscv64 -- "$@"
"$OUT" --version | head -n1
