"""The JavaScript garbage a guest run makes in the JS host.

The page's memory in a long browser session is decided by it: at ~68 MiB of short-lived objects
per run of bench.elf 100 (three or four Pyodide proxies per guest-memory access) V8 kept growing
the worker's young generation, from 1 to 32 MiB semi-spaces, and the page's footprint with it.
The memory port (web/runtime/runtime.mjs) and line-sized code reads brought it to ~5 MiB.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import helpers
import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.node

LIMIT_MIB = 10  # measured: 68 before; 19 with line-sized code reads alone; ~5 with the port too


def test_a_run_makes_little_javascript_garbage(web_assets: Path) -> None:
    elf = helpers.GUEST_BIN_DIR / "bench.elf"
    r = subprocess.run(
        ["node", str(REPO / "tests" / "node" / "garbage.mjs"), str(elf), "100", "3"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    got = json.loads(r.stdout.strip().splitlines()[-1])
    ref = subprocess.run(
        ["qemu-riscv64", str(elf), "100"], capture_output=True, text=True, timeout=120
    )
    assert got["statuses"] == [0, 0, 0]
    assert got["out"] == ref.stdout * 4  # the warm-up run and the three measured ones
    mib = got["bytesPerRun"] / 2**20
    assert mib < LIMIT_MIB, f"{mib:.1f} MiB of JS garbage per run; top: {got['top']}"
