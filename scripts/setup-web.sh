#!/usr/bin/env bash
# Fetch and build everything the browser and Node hosts serve, offline except for npm and PyPI.
#
#   node_modules/            npm ci (pyodide, @xterm/xterm, @xterm/addon-fit, the Wisp relay: @mercuryworkshop/wisp-js, ws, ipaddr.js; pinned in package-lock.json)
#   static/wheels/           tbwasm (our pure-Python wheel), pyelftools, micropip (for Pyodide's Python)
#   static/wheels/test/      pytest and its dependencies, for the unit tests run inside Pyodide
#   static/wheels/manifest.json   the exact file names, read by web/runtime/runtime.mjs
#   static/wheels/snapshot.bin    Pyodide's heap with py_backend imported (web/build/snapshot.mjs): the
#                                 hosts restore it instead of starting Python (listed in the manifest)
#   static/pyodide, static/vendor/xterm*  copies of / links into node_modules, for static hosting of static/
#   static/rootfs/           the guest's root filesystem image (scripts/fetch-rootfs.sh: Debian riscv64
#                            packages, from Debian's archive; TBWASM_NO_ROOTFS=1 skips it); without
#                            qemu-riscv64 it needs wasmtime + pyelftools: pip-installed into
#                            .cache/pydeps when the Python lacks them (rootfs_tools)
#
# Idempotent: downloads are skipped when present; our own wheel is rebuilt only when a file under
# py_backend/ (or pyproject.toml) is newer than it.  `--wheel` rebuilds only our wheel.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
WHEELS="$ROOT/static/wheels"
PY="${PYTHON:-python3}"
PYODIDE_PY="3.14"   # Python inside the pinned Pyodide (314.0.7)
log() { echo "setup-web: $*"; }

build_own_wheel() {
    local current
    current=$(ls "$WHEELS"/tbwasm-*.whl 2>/dev/null | head -n1 || true)
    if [[ -n "$current" && "${FORCE:-}" != 1 ]] \
        && [[ -z "$(find py_backend pyproject.toml -newer "$current" -type f \( -name '*.py' -o -name '*.toml' -o -name '*.typed' \) -print -quit)" ]]; then
        log "tbwasm wheel up to date ($(basename "$current"))"
        return
    fi
    log "building the tbwasm wheel"
    local tmp built
    tmp=$(mktemp -d)
    # tier 0's module, cached by the digest of its sources, ships in the wheel (Pyodide then
    # loads it instead of building it at the page's startup)
    "$PY" -c "from py_backend.translate.tier0 import interpreter_module as m; m()"
    "$PY" -m pip wheel . --no-deps --quiet -w "$tmp"
    built=$(basename "$tmp"/tbwasm-*.whl)
    # Replace by rename, so a host installing the wheel meanwhile never sees half a file.
    find "$WHEELS" -maxdepth 1 -name 'tbwasm-*.whl' ! -name "$built" -delete
    mv -f "$tmp/$built" "$WHEELS/$built"
    rm -rf "$tmp" build tbwasm.egg-info
}

write_manifest() {
    "$PY" - "$WHEELS" <<'PYEOF'
import json, sys
from pathlib import Path
d = Path(sys.argv[1])
def one(prefix):
    found = sorted(p.name for p in d.glob(prefix + "-*.whl"))
    if len(found) != 1:
        sys.exit(f"setup-web: expected one {prefix} wheel in {d}, found {found}")
    return found[0]
manifest = {
    "tbwasm": one("tbwasm"),
    "pyelftools": one("pyelftools"),
    "micropip": one("micropip"),
    "test": sorted(p.name for p in (d / "test").glob("*.whl")),
}
(d / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
print("setup-web: wrote", d / "manifest.json")
PYEOF
}

rootfs_tools() {
    # scripts/fetch-rootfs.sh runs busybox (for its applet list) under qemu-riscv64, or without
    # it under tbwasm's own native host, which needs the wasmtime and pyelftools pip packages:
    # on a fresh machine (`python3 serve.py` alone) they go to .cache/pydeps (pip --target, so
    # an externally managed Python is left alone).  Nothing to do when either is there.
    command -v qemu-riscv64 >/dev/null && return
    "$PY" -c "import wasmtime, elftools" 2>/dev/null && return
    local deps="$ROOT/.cache/pydeps"
    export PYTHONPATH="$deps${PYTHONPATH:+:$PYTHONPATH}"
    "$PY" -c "import wasmtime, elftools" 2>/dev/null && return
    log "no qemu-riscv64: pip install wasmtime pyelftools into .cache/pydeps (for fetch-rootfs.sh)"
    "$PY" -m pip install -q --target "$deps" "wasmtime>=30" "pyelftools>=0.31" \
        || log "warning: pip install wasmtime pyelftools failed"
}

make_snapshot() {
    # Not fatal: without it (manifest.json then lists none) the hosts start Python as before.
    node web/build/snapshot.mjs "$WHEELS" || log "warning: no Pyodide snapshot (web/build/snapshot.mjs failed)"
}

mkdir -p "$WHEELS/test"

if [[ "${1:-}" == "--wheel" ]]; then
    build_own_wheel
    write_manifest
    make_snapshot
    exit 0
fi

if [[ ! -f node_modules/pyodide/pyodide.mjs || package-lock.json -nt node_modules/.package-lock.json ]]; then
    if ! command -v npm >/dev/null; then  # `python3 serve.py` on a fresh machine comes here first
        log "apt-get install nodejs npm"
        SUDO=""
        [ "$(id -u)" = 0 ] || SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
    fi
    log "npm ci"
    npm ci --no-audit --no-fund
else
    log "node_modules up to date"
fi

build_own_wheel

if ! ls "$WHEELS"/pyelftools-*.whl >/dev/null 2>&1; then
    log "downloading pyelftools"
    "$PY" -m pip download pyelftools --no-deps --only-binary=:all: --quiet -d "$WHEELS"
fi
if ! ls "$WHEELS"/micropip-*.whl >/dev/null 2>&1; then
    log "downloading micropip for Python $PYODIDE_PY"
    "$PY" -m pip download micropip --no-deps --python-version "$PYODIDE_PY" --only-binary=:all: --quiet -d "$WHEELS"
fi
for pkg in pytest pluggy iniconfig packaging pygments; do
    if ! ls "$WHEELS/test/$pkg"-*.whl >/dev/null 2>&1; then
        log "downloading $pkg (in-Pyodide unit tests)"
        "$PY" -m pip download "$pkg" --no-deps --python-version "$PYODIDE_PY" --only-binary=:all: --quiet -d "$WHEELS/test"
    fi
done

write_manifest
make_snapshot

# Links so that static/ alone can be hosted by any server (serve.py maps these paths itself).
# (static/pyodide is a copy, not a link: .gitignore ignores it only as a directory.)
if [[ ! -f static/pyodide/pyodide.mjs || node_modules/pyodide/package.json -nt static/pyodide/pyodide.mjs ]]; then
    rm -rf static/pyodide && cp -r node_modules/pyodide static/pyodide && touch static/pyodide/pyodide.mjs
fi
mkdir -p static/vendor
ln -sfn ../../node_modules/@xterm/xterm static/vendor/xterm
ln -sfn ../../node_modules/@xterm/addon-fit static/vendor/xterm-addon-fit
if [[ "${TBWASM_NO_ROOTFS:-}" != 1 ]]; then
    # Not fatal: without it the page runs its example programs on an empty root filesystem.
    rootfs_tools
    bash scripts/fetch-rootfs.sh || log "warning: no root filesystem image (scripts/fetch-rootfs.sh failed)"
fi
log "done"
