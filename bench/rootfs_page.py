#!/usr/bin/env python3
"""python3 from the root filesystem image in the page (Chromium): time to its first output.

    python bench/rootfs_page.py [--runs 3] [--json]

Starts `serve.py --port 0` and Debian's chromium (bench/browser.py's BrowserSession) and opens
``/?program=/usr/bin/python3&args=-c "print(6*7)"``; prints the page's first guest output
(window.tbwasmApp.firstOutputMs: from navigation, Pyodide's start included), then runs the same
program --runs more times in that page through window.tbwasm.run (files already fetched: the
page keeps its filesystem), each as run start -> first output, and the image's fetch counters
(files fetched, bytes, seconds inside the synchronous XHRs) of the first run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from browser import LOAD_TIMEOUT_MS, BrowserSession  # noqa: E402

PROGRAM = "?program=/usr/bin/python3&args=-c+%22print(6*7)%22"
RUN = """async () => {
  const t0 = performance.now();
  let first = null;
  const r = await window.tbwasm.run({path: "/usr/bin/python3", args: ["-c", "print(6*7)"],
    onOutput: () => { first ??= performance.now(); }});
  return {first_output_s: (first - t0) / 1000, total_s: (performance.now() - t0) / 1000,
          stdout: r.stdout, status: r.status, fetches: r.stats.rootfs_fetches};
}"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with BrowserSession(PROGRAM) as s:
        page = s.page
        page.wait_for_function("() => window.tbwasmApp.lastResult", timeout=LOAD_TIMEOUT_MS)
        r = page.evaluate("window.tbwasmApp.lastResult")
        if r["stdout"] != "42\n":
            sys.exit(f"rootfs_page: python3 said {r['stdout']!r} {r.get('error')!r}")
        st = r["stats"]
        out = {
            "page_open_to_first_output_s": page.evaluate("window.tbwasmApp.firstOutputMs") / 1000,
            "first_run_elapsed_s": st["elapsed"],
            "first_run_fetches": st.get("rootfs_fetches"),
            "first_run_fetched_mb": st.get("rootfs_fetched_bytes", 0) / 1e6,
            "first_run_fetch_s": st.get("rootfs_fetch_seconds"),
            "first_run_guest_insns": st.get("guest_insns"),
            "timings": page.evaluate("window.tbwasm.timings"),
            "later_runs": [page.evaluate(RUN) for _ in range(args.runs)],
        }
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    t = out["timings"]
    print(f"page open -> python3 first output   {out['page_open_to_first_output_s']:.2f} s")
    print(
        f"  Pyodide {t['pyodide_load']:.2f} s, rootfs index {t.get('rootfs_open', 0) * 1e3:.0f} ms "
        f"({t.get('rootfs_entries')} entries)"
    )
    print(
        f"  first run {out['first_run_elapsed_s']:.2f} s, {out['first_run_guest_insns']:,} insns; "
        f"fetched {out['first_run_fetches']} files, {out['first_run_fetched_mb']:.1f} MB "
        f"in {out['first_run_fetch_s']:.2f} s"
    )
    for i, r in enumerate(out["later_runs"], 1):
        print(
            f"run {i + 1} in the same page: first output {r['first_output_s']:.2f} s, "
            f"total {r['total_s']:.2f} s, {r['fetches']} fetches"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
