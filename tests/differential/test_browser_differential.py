"""A sample of the differential programs through the browser host (Chromium, Pyodide, V8).

It runs `scripts/fuzz.py --host browser` in a subprocess: Playwright's sync API allows one
instance per process, and the browser suite (tests/browser) holds its own for the session."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.browser


def test_browser_host_matches_qemu_on_generated_programs() -> None:
    r = subprocess.run(
        [
            *(sys.executable, "scripts/fuzz.py", "--seed", "3", "--count", "4"),
            *("--host", "browser", "--no-save", "--no-shrink"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    out = r.stdout + r.stderr
    m = re.search(r"programs (\d+), guest instructions (\d+), mismatches (\d+)", out)
    assert m, out[-2000:]
    programs, insns, mismatches = (int(g) for g in m.groups())
    assert programs == 4 and insns > 100_000, out[-2000:]
    assert mismatches == 0 and r.returncode == 0, out[-2000:]
