"""The translator's unit tests (tests/unit), run once INSIDE Pyodide on Node.

This checks that py_backend works on Pyodide's Python (3.14, Emscripten libc), which is what the
browser host runs. `tests/node/pyodide_pytest.mjs` mounts the checkout with NODEFS and runs pytest
from the wheels in static/wheels/test/.

What is selected out, and why (nothing is skipped inside the run: every selected test must pass):

- files that import wasmtime or the native host, directly or through a local harness
  (`cpu_harness.py`, `fp_harness.py`): wasmtime has no Pyodide build. Found by a scan, so new
  files follow the same rule;
- `test_wasm_node.py`: starts `node` with subprocess, which Pyodide does not have;
- `test_netstack.py`: serves and resolves through the host's sockets, threads and resolver
  (`host/netsock.py`, the native backend); the page's network is `web/runtime/net.mjs`, tested by
  `tests/node/test_net_*.py` and `tests/browser/test_page_net.py`;
- `test_linux_elf.py`, `test_linux_syscalls.py`: build guests with riscv64-linux-gnu-gcc, and each
  test maps a 1 GiB `anonymous_memory()`, which exhausts Pyodide's wasm32 heap (OSError ENOMEM);
- `test_isa_disasm.py::test_against_gnu_objdump`, `::test_disassemble_elf`,
  `::test_static_binary_against_gnu_objdump`, `::test_tbwasm_disas_prints_the_extensions`:
  compare with GNU binutils or assemble with it (a host toolchain).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.node

REPO = Path(__file__).resolve().parents[2]
UNIT = REPO / "tests" / "unit"
RUNNER = REPO / "tests" / "node" / "pyodide_pytest.mjs"

EXCLUDED_FILES = {
    "test_wasm_node.py": "runs node through subprocess",
    "test_linux_elf.py": "riscv64 gcc; 1 GiB anonymous_memory per test",
    "test_linux_syscalls.py": "riscv64 gcc; 1 GiB anonymous_memory per test",
    "test_linux_dynamic.py": "the host's riscv64 sysroot and the CLI through subprocess",
    "test_serve.py": "starts serve.py through subprocess",
    "test_netstack.py": "host sockets, threads and the host's resolver (the native backend); "
    "the page's network is web/runtime/net.mjs (tests/node/test_net_*.py)",
}
DESELECTED = [
    "tests/unit/test_isa_disasm.py::test_against_gnu_objdump",
    "tests/unit/test_isa_disasm.py::test_disassemble_elf",
    "tests/unit/test_isa_disasm.py::test_static_binary_against_gnu_objdump",
    "tests/unit/test_isa_disasm.py::test_tbwasm_disas_prints_the_extensions",
]
NATIVE = re.compile(r"\bwasmtime\b|host\.native|NativeHost")


def needs_native(path: Path, seen: set[Path] | None = None) -> bool:
    """True if the file, or a local module it imports, uses wasmtime or the native host."""
    seen = seen if seen is not None else set()
    if path in seen or not path.exists():
        return False
    seen.add(path)
    src = path.read_text()
    if NATIVE.search(src):
        return True
    local = re.findall(r"^\s*(?:from|import)\s+(\w+)", src, re.M)
    return any(needs_native(UNIT / f"{m}.py", seen) for m in local)


def selection() -> tuple[list[str], dict[str, str]]:
    chosen, excluded = [], {}
    for f in sorted(UNIT.glob("test_*.py")):
        if f.name in EXCLUDED_FILES:
            excluded[f.name] = EXCLUDED_FILES[f.name]
        elif needs_native(f):
            excluded[f.name] = "needs wasmtime (native host)"
        else:
            chosen.append(f"tests/unit/{f.name}")
    return chosen, excluded


def test_unit_tests_pass_inside_pyodide(web_assets) -> None:
    chosen, excluded = selection()
    assert chosen, "no unit test files selected"
    deselect = [
        a for d in DESELECTED if Path(REPO / d.split("::")[0]).exists() for a in ("--deselect", d)
    ]
    cmd = ["node", str(RUNNER), "-q", "-rfEs", *chosen, *deselect]
    r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900, check=False)
    out = r.stdout + r.stderr
    sys.stdout.write(f"selected: {chosen}\nexcluded: {excluded}\n{out[-3000:]}")
    assert r.returncode == 0, out[-6000:]
    assert " passed" in out
    assert " skipped" not in out, "a selected test skipped inside Pyodide: select it out explicitly"
