"""A CI-sized browser soak: bench/soak_browser.py for two minutes (bench.elf again and again in
one page, a Stop of an endless loop every 40 s, then hello.elf), checked end to end.

The 10-minute figures in the README come from the same script (`--minutes 10`).  Two minutes
cannot show slow growth; what catches the garbage that made V8 grow the worker's heap is
tests/node/test_js_garbage.py.  This test holds the soak's other promises: every run prints the
same checksum, every Stop ends the loop within 2 s with status 130 and the next program runs
right, the JS heaps stay flat, and the page's memory does not climb run after run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import helpers
import pytest

from py_backend.abi import HostStatus

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser


def test_two_minute_soak_with_stops() -> None:
    p = subprocess.run(
        [sys.executable, str(REPO / "bench" / "soak_browser.py"), "--minutes", "2",
         "--stop-every", "40", "--sample", "5", "--iters", "20", "--json",
         "--stop-limit", str(helpers.LIVENESS_S)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )  # fmt: skip
    assert p.stdout.strip(), p.stderr[-3000:]
    r = json.loads(p.stdout)
    assert r["problems"] == [], r["problems"]
    assert p.returncode == 0
    assert r["runs"] >= 40
    assert len(r["stops"]) == 2
    assert all(
        s["stopped"] and s["status"] == HostStatus.STOPPED and s["hello_ok"] for s in r["stops"]
    )
    assert all(s["stop_s"] < helpers.LIVENESS_S for s in r["stops"])
    g = r["growth_mib"]
    print(f"\n{r['runs']} runs; growth MiB {json.dumps(g)}; stops {r['stops']}")
    assert g["heap_worker_mib"] is not None and abs(g["heap_worker_mib"]) < 4
    assert g["pss_mib"] < 32 and g["renderer_rss_mib"] < 32, g
