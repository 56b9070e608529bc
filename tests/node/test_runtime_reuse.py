"""One JS Runtime running guests one after another: the shared memory starts clean for every
guest, and the second run of a program reuses every compiled module and every instance."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import helpers
import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.node


def rerun(path: Path, env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    r = subprocess.run(
        ["node", str(REPO / "tests" / "node" / "rerun.mjs"), str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )
    assert r.returncode == 0, r.stderr[-2000:]
    runs: list[dict[str, Any]] = json.loads(r.stdout.strip().splitlines()[-1])
    return runs


def test_second_run_reuses_modules_and_sees_clean_memory(web_assets: Path) -> None:
    path = helpers.GUEST_BIN_DIR / "malloc.elf"
    first, second = rerun(path)
    ref = subprocess.run(["qemu-riscv64", str(path)], capture_output=True, text=True, timeout=60)
    assert first["status"] == second["status"] == 0
    assert first["out"] == second["out"] == ref.stdout  # .bss/heap of run 2 start at zero
    assert first["misses"] > 0
    assert second["misses"] == first["misses"]  # nothing compiled again
    assert second["hits"] >= first["misses"]
    assert first["reused"] == 0 and second["reused"] == first["misses"]  # no new instances


def test_memory_port_follows_a_growing_pyodide_heap(web_assets: Path) -> None:
    """The port copies through a view of a Python bytearray in the Pyodide heap; when that heap
    grows its ArrayBuffer is replaced and the old view reads as empty."""
    path = helpers.GUEST_BIN_DIR / "fileio.elf"
    first, second = rerun(path, {"TBWASM_GROW_MIB": "96"})
    heaps = first["heaps"]
    # the heap did grow between the runs (by less than the 96 MiB when it had room to spare)
    assert heaps[2] > heaps[1] + (32 << 20), heaps
    ref = subprocess.run(["qemu-riscv64", str(path)], capture_output=True, text=True, timeout=60)
    assert first["status"] == second["status"] == ref.returncode == 0
    assert first["out"] == second["out"] == ref.stdout
