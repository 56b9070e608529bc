#!/usr/bin/env python3
"""Memory of a page with N live <tbwasm-demo> elements (one shared worker and Pyodide; a machine
per demo), in Debian's chromium.

    python bench/demos_memory.py [--demos 1,5] [--kind shell|hello]

For each N it opens the docs page (serve.py), adds N demos and waits until each one is live:
`--kind shell` (default) an interactive `command="sh"` demo waiting at its prompt, so every
machine stays alive (a busybox shell: its process memory, terminal, code), `--kind hello` a
demo that ran hello.elf to its end. Then it reads the PSS of every chromium process
(/proc/PID/smaps_rollup, the fair share of shared pages) and, where the page is cross-origin
isolated, performance.measureUserAgentSpecificMemory's JS heap. It prints one row per N and
the cost of each demo past the first ((PSS(N) - PSS(1)) / (N - 1)): the figure
docs/embedding.md promises to keep under 50 MiB.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import BrowserSession, chromium_processes, process_memory_kib

ADD_JS = """
([n, kind]) => {
  for (let i = 0; i < n; i++) {
    const d = document.createElement("tbwasm-demo");
    if (kind === "shell") { d.setAttribute("command", "sh"); d.setAttribute("interactive", ""); }
    else d.setAttribute("src", "../guests/hello.elf");
    d.setAttribute("autorun", "");
    d.className = "bench-demo";
    document.body.append(d);
  }
}
"""

LIVE_JS = """
(kind) => [...document.querySelectorAll("tbwasm-demo.bench-demo")].every((d) =>
  kind === "shell" ? (d.output || "").includes("# ") : d.getAttribute("status") === "0")
"""


def pss_mib() -> tuple[float, int]:
    procs = chromium_processes()
    total = sum(process_memory_kib(pid)[1] for pid in procs)
    return total / 1024, len(procs)


def measure(n: int, kind: str) -> dict[str, float]:
    with BrowserSession(path="docs/", setup=False) as s:
        page = s.page
        page.evaluate("window.tbwasm.ready")
        # the page's own demos start when visible: scroll past nothing, stop them
        page.evaluate("document.querySelectorAll('tbwasm-demo').forEach((d) => d.remove())")
        time.sleep(2)
        base, _ = pss_mib()
        page.evaluate(ADD_JS, [n, kind])
        page.wait_for_function(LIVE_JS, arg=kind, timeout=300_000)
        time.sleep(3)
        page.evaluate("() => new Promise((r) => setTimeout(r, 500))")
        total, procs = pss_mib()
        heap = page.evaluate(
            "async () => crossOriginIsolated && performance.measureUserAgentSpecificMemory ?"
            " (await performance.measureUserAgentSpecificMemory()).bytes / 1048576 : null"
        )
        return {"n": n, "base": base, "pss": total, "procs": procs, "heap": heap or 0.0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--demos", default="1,5", help="comma-separated demo counts")
    ap.add_argument("--kind", choices=["shell", "hello"], default="shell")
    a = ap.parse_args(argv)
    counts = [int(x) for x in a.demos.split(",")]
    rows = [measure(n, a.kind) for n in counts]
    print(f"kind={a.kind}  (all chromium processes; page with Pyodide loaded before the demos)")
    print(f"{'demos':>5} {'PSS before':>11} {'PSS after':>10} {'per demo':>9} {'JS heap':>8}")
    for r in rows:
        per = (r["pss"] - r["base"]) / r["n"]
        print(
            f"{r['n']:>5} {r['base']:>9.1f} M {r['pss']:>8.1f} M {per:>7.1f} M {r['heap']:>6.1f} M"
        )
    if len(rows) >= 2 and rows[-1]["n"] > rows[0]["n"]:
        a0, b0 = rows[0], rows[-1]
        extra = ((b0["pss"] - b0["base"]) - (a0["pss"] - a0["base"])) / (b0["n"] - a0["n"])
        print(f"each demo past the first {a0['n']}: {extra:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
