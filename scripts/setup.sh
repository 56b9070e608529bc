#!/usr/bin/env bash
# Set up a fresh machine for everything: the guest toolchain and reference (Debian), clang-16, Python
# packages (PyPI), Debian's chromium and firefox-esr for the browser tests (firefox is driven by
# npm puppeteer-core, installed with the web assets; no browser is downloaded), busybox (Debian riscv64 port),
# trixie's qemu 10 (the reference for the newer extensions, scripts/fetch-qemu.sh), and the web
# assets (npm + wheels).  Idempotent; each step is skipped when already done.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
log() { echo "setup: $*"; }

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

need_apt=()
command -v riscv64-linux-gnu-gcc >/dev/null || need_apt+=(gcc-riscv64-linux-gnu libc6-dev-riscv64-cross)
command -v qemu-riscv64 >/dev/null || need_apt+=(qemu-user)
# autovectorized C (-march=rv64gcv) for the vector tests: gcc 12 cannot, clang 16 can
{ command -v clang-16 && command -v ld.lld-16 && command -v llvm-objdump-16; } >/dev/null \
    || need_apt+=(clang-16 lld-16 llvm-16)
if [ "${TBWASM_NO_BROWSER:-}" != 1 ]; then
    command -v chromium >/dev/null || need_apt+=(chromium)
    command -v firefox-esr >/dev/null || need_apt+=(firefox-esr)
fi
{ command -v node && command -v npm; } >/dev/null || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
    log "apt-get install ${need_apt[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! "$PY" -c "import wasmtime, elftools, pytest, xdist, hypothesis, playwright, mypy" 2>/dev/null \
    || ! "$PY" -c "import py_backend" 2>/dev/null; then
    log "pip install -e .[test]"
    "$PY" -m pip install -q -e ".[test]"
fi

bash scripts/fetch-busybox.sh
bash scripts/fetch-qemu.sh
bash scripts/fetch-real-programs.sh  # Debian riscv64 programs for tests/guests/test_real_programs.py
PUPPETEER_SKIP_DOWNLOAD=1 bash scripts/setup-web.sh  # npm ci: puppeteer-core, never a browser
log "done"
