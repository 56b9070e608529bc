"""What the CLI's start-up does not do (bench/startup.py measures how long it takes): each check
runs a fresh interpreter and looks at what it imported and built."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HELLO = ROOT / "guests" / "bin" / "hello.elf"

# Subsystems a static program that opens no socket, terminal or saved state never needs.
NOT_FOR_HELLO = (
    "py_backend.state",
    "py_backend.linux.homestore",
    "py_backend.host.netsock",
    "py_backend.host.pyodide_bridge",
    "py_backend.testing",
    "elftools",
)


def _fresh(code: str) -> dict:
    """Run `code` in a new interpreter (cwd ROOT); the JSON it prints on its last line.  The
    machine's defaults hold there: `make tiers` sets TBWASM_TIER (the jit tier decodes every
    block in Python) and TBWASM_HOT_THRESHOLD for its other runs, and they are left out."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for var in ("TBWASM_TIER", "TBWASM_HOT_THRESHOLD"):
        env.pop(var, None)
    p = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    return dict(json.loads(p.stdout.splitlines()[-1]))


def test_importing_the_cli_loads_no_subsystem() -> None:
    """`tbwasm --help` and a bad command line pay for the parser only."""
    got = _fresh("import sys, json, py_backend.cli; print(json.dumps({'m': sorted(sys.modules)}))")
    loaded = [m for m in got["m"] if m.startswith(("py_backend.", "wasmtime", "elftools"))]
    assert loaded == ["py_backend.abi", "py_backend.cli", "py_backend.cli_options"]


def test_hello_builds_no_decode_tree_and_imports_no_extra_subsystem() -> None:
    """Tier 0 runs hello to its end in Wasm: Python decodes nothing, so the decode trees are
    not built; nor are the subsystems in NOT_FOR_HELLO imported."""
    code = (
        "import sys, json\n"
        "from py_backend import cli\n"
        f"status = cli.main(['run', {str(HELLO)!r}])\n"
        "d = sys.modules['py_backend.isa.decode']  # (py_backend.isa.decode: the function)\n"
        "print()\n"
        "print(json.dumps({'status': status, 'trees': len(d._TREES), 'm': sorted(sys.modules)}))"
    )
    got = _fresh(code)
    assert got["status"] == 0
    assert "py_backend.host.native" in got["m"]  # (it did run)
    assert got["trees"] == 0
    extra = [m for m in got["m"] if m.startswith(NOT_FOR_HELLO)]
    assert extra == []


def test_decoding_builds_the_trees_once() -> None:
    got = _fresh(
        "import json, sys\n"
        "import py_backend.isa.decode\n"
        "d = sys.modules['py_backend.isa.decode']\n"
        "first = d._TREES[:]\n"
        "insn = d.decode(0x00000513)\n"  # addi a0, zero, 0
        "trees = d._TREES[:]\n"
        "d.decode_uncached(0x4501)\n"  # c.li a0, 0
        "print(json.dumps({'first': len(first), 'name': insn.name,\n"
        "                  'same': all(a is b for a, b in zip(trees, d._TREES))}))"
    )
    assert got == {"first": 0, "name": got["name"], "same": True}
    assert got["name"]
