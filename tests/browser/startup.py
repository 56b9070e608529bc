#!/usr/bin/env python3
"""Page start-up: page open -> first guest output of the default program (hello.elf), in Chromium.

    python tests/browser/startup.py [--loads 5] [--query snapshot=0] [--json]

Starts `serve.py --port 0` and Debian's chromium (bench/browser.py's Server and BrowserSession),
opens the terminal page --loads times, each in a new page of one browser context (so the first
load has an empty HTTP cache and Chromium's compiled-code cache, later ones reuse them, as a
returning visitor would), and prints for each: the first guest output as the page measures it
(window.tbwasmApp.firstOutputMs, performance.now() from navigation start), the worker's Pyodide
load and wheel install times and whether the memory snapshot was used.  --query adds URL
parameters (snapshot=0: start Python without the snapshot; tier=interp, ...).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.browser import BrowserSession, default_program_ran  # noqa: E402


def one_load(s: BrowserSession, path: str) -> dict:
    t0 = time.perf_counter()
    page = s.open_page(path)
    try:
        seen, r, t = default_program_ran(page, t0)
        nav = page.evaluate(
            "(() => { const n = performance.getEntriesByType('navigation')[0];"
            " return {dcl: n.domContentLoadedEventEnd, origin: performance.timeOrigin}; })()"
        )

        def at(key: str) -> float | None:  # an epoch-ms timing of the worker, from navigation
            return (t[key] - nav["origin"]) / 1000 if t.get(key) else None

        return {
            "first_output_s": page.evaluate("window.tbwasmApp.firstOutputMs") / 1000,
            "first_output_seen_s": seen,
            "snapshot": bool(t.get("snapshot")),
            "pyodide_load_s": t["pyodide_load"],
            "wheel_install_s": t["wheel_install"],
            "ready_total_s": t["total"],
            "dom_content_loaded_s": nav["dcl"] / 1000,
            "worker_started_s": at("worker_started_at"),
            "runtime_started_s": at("started_at"),
            "ready_s": at("ready_at"),
            "hello_run_s": (r.get("stats") or {}).get("elapsed"),
            "hello_status": r["status"],
            "hello_stdout": r["stdout"],
        }
    finally:
        page.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--loads", type=int, default=5, help="page opens (default 5)")
    ap.add_argument("--query", default="", help="URL parameters, e.g. snapshot=0 or tier=jit")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument(
        "--root",
        help="serve this checkout instead (its serve.py --no-setup; e.g. a git worktree of an "
        "older commit, with node_modules and static/wheels in place): a before/after comparison",
    )
    a = ap.parse_args(argv)
    if a.root:
        import bench.browser

        bench.browser.ROOT = Path(a.root).resolve()
    # the single-program page (hello.elf); the default page opens on the shell instead
    path = "?shell=0" + ("&" + a.query if a.query else "")
    loads = []
    with BrowserSession(path=path, setup=not a.root) as s:
        s.page.close()  # the session's own page: every load below is timed the same way
        for _ in range(a.loads):
            loads.append(one_load(s, path))
        errors = list(s.errors)
    firsts = [ld["first_output_s"] for ld in loads]
    summary = {
        "query": a.query,
        "loads": loads,
        "first_load_s": firsts[0],
        "later_median_s": statistics.median(firsts[1:]) if len(firsts) > 1 else None,
        "page_errors": errors,
    }
    ok = all(ld["hello_status"] == 0 for ld in loads)
    if a.json:
        print(json.dumps(summary, indent=2))
        return 0 if ok else 1
    query = f" ?{a.query}" if a.query else ""
    print(f"page open -> first output of hello.elf, Chromium, {a.loads} loads{query}:")
    for i, ld in enumerate(loads):
        print(
            f"  load {i + 1}: first output {ld['first_output_s']:.2f} s "
            f"(seen {ld['first_output_seen_s']:.2f} s); "
            f"snapshot {'yes' if ld['snapshot'] else 'no'}, "
            f"Pyodide {ld['pyodide_load_s']:.2f} s, wheels {ld['wheel_install_s']:.2f} s, "
            f"ready {ld['ready_total_s']:.2f} s, "
            f"from navigation: DOMContentLoaded {ld['dom_content_loaded_s']:.2f} s, "
            f"worker {ld['worker_started_s'] or 0:.2f} s, "
            f"runtime {ld['runtime_started_s'] or 0:.2f} s, "
            f"ready {ld['ready_s'] or 0:.2f} s; "
            f"hello run {ld['hello_run_s']:.3f} s, status {ld['hello_status']}"
        )
    later = summary["later_median_s"]
    print(f"first load {firsts[0]:.2f} s; later loads: median {later:.2f} s" if later else "")
    if errors:
        print("page errors:", *errors[:5], sep="\n  ")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
