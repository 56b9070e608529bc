#!/usr/bin/env python3
"""Stop latency: from a Stop to the end of the run, in the page (Chromium) and in Node.

The tests only check that Stop stops (within tests/helpers.py's LIVENESS_S, which a loaded
machine must meet); how fast it stops is this figure.

- page, loop: loop.elf from the page's example menu, Stop clicked after it printed and spun
  0.5 s, then hello.elf must run (the Stop check of bench/soak_browser.py);
- page, sleep: `busybox sleep 100` through window.tbwasm.run, stopped after 1 s (Stop wakes the
  worker's sleep);
- Node: a shell whose processes all sleep (tests/node/processes.mjs, the harness of
  tests/node/test_node_processes.py), stopped 0.5 s after its first output.

The peer, measured in the same run: one round trip page -> Python (`page.evaluate`), which bounds
how precisely the page figures can be taken. Median and worst of --repeat, in ms.

    python3 bench/latency.py [--repeat 5] [--no-page] [--no-node]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# the page tests' Stop of a busybox run (tests/browser/browser_support.py)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "browser"))

from browser import LOAD_TIMEOUT_MS, ROOT, BrowserSession
from browser_support import stop_busybox_after  # type: ignore[import-not-found]
from soak_browser import hello_reference, stop_check


def report(name: str, ms: list[float]) -> None:
    med, worst = statistics.median(ms), max(ms)
    print(f"{name:<24} median {med:7.1f} ms   worst {worst:7.1f} ms   (n={len(ms)})")


def page_figures(repeat: int) -> int:
    """Prints the page's figures; returns the number of failed Stops."""
    failed = 0
    with BrowserSession() as s:
        page = s.page
        page.wait_for_function(
            "() => window.tbwasmApp && window.tbwasmApp.lastResult", timeout=LOAD_TIMEOUT_MS
        )
        hello = hello_reference() or page.evaluate("window.tbwasmApp.lastResult.stdout")
        loop, sleep, trip = [], [], []
        for _ in range(repeat):
            c = stop_check(s, 0.0, hello)
            failed += not (c.stopped and c.status == 130 and c.hello_ok)
            loop.append(c.stop_s * 1000)
            r = stop_busybox_after(page, ["sleep", "100"], 1000)
            failed += not (r["stopped"] and r["status"] == 130)
            sleep.append(r["stopMs"])
            t0 = time.perf_counter()
            page.evaluate("1")
            trip.append((time.perf_counter() - t0) * 1000)
        report("page: Stop a loop", loop)
        report("page: Stop a sleep", sleep)
        report("peer: page round trip", trip)
    return failed


def node_figures(repeat: int) -> int:
    """Prints Node's figure; returns the number of failed Stops."""
    script = "sleep 30 & sleep 30 & echo started; wait; echo never"
    p = subprocess.run(
        ["node", str(ROOT / "tests" / "node" / "processes.mjs"), str(repeat), script, "500"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    runs = [json.loads(ln) for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or len(runs) != repeat:
        print(f"node: failed ({p.returncode}): {p.stderr[-500:]}")
        return 1
    report("node: Stop sleepers", [float(r["stop_ms"]) for r in runs])
    return sum(not (r["stopped"] and r["status"] == 130) for r in runs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-page", action="store_true", help="skip the page (Chromium)")
    ap.add_argument("--no-node", action="store_true", help="skip Node")
    a = ap.parse_args()
    failed = 0
    if not a.no_page:
        failed += page_figures(a.repeat)
    if not a.no_node:
        failed += node_figures(a.repeat)
    if failed:
        print(f"{failed} Stop(s) did not end the run as they should")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
