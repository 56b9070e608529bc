"""One JS Runtime running guests one after another: the shared memory starts clean for every
guest, and the second run of a program reuses every compiled module and every instance."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import helpers
import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.node


def test_second_run_reuses_modules_and_sees_clean_memory(web_assets: Path) -> None:
    path = helpers.GUEST_BIN_DIR / "malloc.elf"
    r = subprocess.run(
        ["node", str(REPO / "tests" / "node" / "rerun.mjs"), str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    first, second = json.loads(r.stdout.strip().splitlines()[-1])
    ref = subprocess.run(["qemu-riscv64", str(path)], capture_output=True, text=True, timeout=60)
    assert first["status"] == second["status"] == 0
    assert first["out"] == second["out"] == ref.stdout  # .bss/heap of run 2 start at zero
    assert first["misses"] > 0
    assert second["misses"] == first["misses"]  # nothing compiled again
    assert second["hits"] >= first["misses"]
    assert first["reused"] == 0 and second["reused"] == first["misses"]  # no new instances
