#!/usr/bin/env python3
"""Saved states in the page (Chromium): a python3 REPL of the root filesystem image is saved at
its first prompt (window.tbwasm.client.saveState), then a fresh page shows it in a
``<tbwasm-demo state=URL>`` placed below the fold.

Reports the state's size (compressed), the time from the emulator being ready to the restored
REPL waiting for input (fetch + restore + run to the prompt; the demo does this before it is
visible), and the time from the demo becoming visible to the answer of the first input typed
into it (``print(6*7)`` -> ``42``), best and median of --runs fresh pages.

    python bench/state_page.py [--runs 3]
"""

from __future__ import annotations

import argparse
import base64
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from browser import LOAD_TIMEOUT_MS, BrowserSession  # noqa: E402

SAVE = """async (REPL_ENV) => {
  await window.tbwasm.ready;
  const client = window.tbwasm.client;
  let out = "";
  const h = client.start({path: "/usr/bin/python3", argv0: "/usr/bin/python3", stdin: "terminal",
    terminal: {rows: 24, cols: 80},
    env: ["PATH=/usr/bin:/bin", "HOME=/root", "TERM=xterm", "LANG=C.UTF-8", ...REPL_ENV],
    onOutput: (fd, bytes, text) => { out += text; }});
  const t0 = performance.now();
  while (!out.includes(">>> ")) {
    if (performance.now() - t0 > 300000) throw new Error("no prompt: " + out);
    await new Promise((r) => setTimeout(r, 50));
  }
  const bytes = await client.saveState(h.id);
  h.stop();
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}"""

SHOW = """async (url) => {
  const spacer = document.createElement("div");
  spacer.style.height = "4000px";
  document.body.append(spacer);
  const demo = document.createElement("tbwasm-demo");
  demo.setAttribute("state", url);
  const waiting = new Promise((r) => demo.addEventListener("input-wait", r, {once: true}));
  document.body.append(demo);
  await window.tbwasm.ready;
  const ready = performance.now();
  await waiting;
  const restored = performance.now();
  let visible = 0;
  const seen = new Promise((r) => new IntersectionObserver((es, obs) => {
    if (es.some((e) => e.isIntersecting)) { visible = performance.now(); obs.disconnect(); r(); }
  }).observe(demo));
  demo.scrollIntoView();
  await seen;
  const before = demo.output.length;
  demo.handle.pushStdin("print(6*7)\\r");
  while (!demo.output.slice(before).includes("42\\r\\n")) {
    await new Promise((r) => setTimeout(r, 2));
  }
  return {restore_s: (restored - ready) / 1000, answer_ms: performance.now() - visible};
}"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument(
        "--pyrepl",
        action="store_true",
        help="python 3.13's new REPL (redraws the line at every key) instead of the basic one",
    )
    args = ap.parse_args()
    repl_env = [] if args.pyrepl else ["PYTHON_BASIC_REPL=1"]
    with BrowserSession("?shell=0") as s:
        data = base64.b64decode(s.page.evaluate(SAVE, repl_env))
        url = s.serve_bytes("python3.state", data)
        runs = []
        for _ in range(args.runs):
            page = s.open_page("?shell=0")
            page.wait_for_function("() => window.tbwasm", timeout=LOAD_TIMEOUT_MS)
            runs.append(page.evaluate(SHOW, url))
            page.close()
    answers = [r["answer_ms"] for r in runs]
    restores = [r["restore_s"] for r in runs]
    kind = "pyrepl" if args.pyrepl else "PYTHON_BASIC_REPL=1"
    print(f"python3 REPL ({kind}) state: {len(data) / 1e6:.2f} MB compressed ({len(data)} bytes)")
    print(
        f"ready -> restored REPL waiting for input: best {min(restores):.2f} s, "
        f"median {statistics.median(restores):.2f} s"
    )
    print(
        f"visible -> first input answered: best {min(answers):.0f} ms, "
        f"median {statistics.median(answers):.0f} ms ({args.runs} fresh pages)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
