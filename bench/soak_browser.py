#!/usr/bin/env python3
"""Soak the browser host: bench.elf again and again in one Chromium page for N minutes, with
memory sampled every --sample seconds and a Stop of an endless loop every --stop-every seconds.

    python bench/soak_browser.py [--minutes 10] [--iters 100] [--sample 15] [--stop-every 120]
                                 [--max-growth-mib 32] [--gc] [--json]

Memory, per sample:
  heap     performance.measureUserAgentSpecificMemory() in the page (the page is cross-origin
           isolated, so it exists; Chromium is started with --enable-blink-features=
           ForceEagerMeasureMemory so it answers at once instead of at the next GC): total bytes
           and the part attributed to the worker (DedicatedWorkerGlobalScope), i.e. the worker's
           JS heap, which holds Pyodide's and every run's WebAssembly memories
  rss/pss  of every chromium process under this script, from /proc/PID/smaps_rollup: the sum,
           and the renderer processes alone (the page's, which also runs its worker, and
           Chromium's spare/internal ones). PSS is the column to add up across processes
           (shared pages are split); RSS counts them in each process

Growth = median of the last quarter's samples - median of the first quarter's (medians: a
sample taken mid-run sees that run's own ~1 GiB-reserved, partly touched guest memory, the
next one may not). The check fails (exit 1) if the PSS sum and the RSS sum of the chromium
processes both grow by more than --max-growth-mib: a leak raises both, while another program's
Chromium exiting meanwhile (a busy machine) raises this one's PSS alone, as the pages they
shared are split among fewer processes.
Why 32 MiB: the first Stop check compiles and caches two more
programs (loop.elf, hello.elf: ~9 MiB, once); a leak of one run's machine (its guest pages, jump
cache and page table are tens of MiB) or of its JS garbage (V8 growing the worker's young
generation, as it did before the memory port: +60 MiB in steps) is well above it. Every run must
also print the same checksum and every Stop must end the loop with status 130 within
--stop-limit seconds (2), after which hello.elf must run and print what qemu prints.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import (
    LOAD_TIMEOUT_MS,
    ROOT,
    BrowserSession,
    chromium_processes,
    process_memory_kib,
)

MEASURE_JS = """
async () => {
  if (!crossOriginIsolated || !performance.measureUserAgentSpecificMemory) return null;
  const t0 = performance.now();
  const m = await performance.measureUserAgentSpecificMemory();
  let worker = 0;
  for (const b of m.breakdown)
    if (b.attribution.some((a) => a.scope === "DedicatedWorkerGlobalScope")) worker += b.bytes;
  return {total: m.bytes, worker, ms: performance.now() - t0};
}
"""

START_JS = """
(args) => {
  window.__soak = {done: false};
  window.tbwasm.run({program: "/guests/bench.elf", args}).then(
    (r) => (window.__soak = {done: true, status: r.status, stdout: r.stdout, stderr: r.stderr,
                             insns: r.stats.guest_insns, elapsed: r.stats.elapsed}),
    (e) => (window.__soak = {done: true, status: -1, stdout: "", stderr: String(e)}));
}
"""


@dataclass
class Sample:
    t: float
    runs: int
    heap_total_mib: float | None
    heap_worker_mib: float | None
    rss_mib: float
    pss_mib: float
    renderer_rss_mib: float
    renderer_pss_mib: float
    processes: int


@dataclass
class StopCheck:
    t: float
    stop_s: float
    status: int
    stopped: bool
    hello_ok: bool


@dataclass
class Soak:
    samples: list[Sample] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    stops: list[StopCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def sample(s: BrowserSession, t: float, runs: int, gc: bool = False) -> Sample:
    if gc:  # a full GC in the page's and the worker's isolates first (--expose-gc)
        s.page.evaluate("gc()")
        for w in s.page.workers:
            w.evaluate("gc()")
    heap = s.page.evaluate(MEASURE_JS)
    procs = chromium_processes()
    mem = {pid: process_memory_kib(pid) for pid in procs}
    ren = [pid for pid, kind in procs.items() if kind == "renderer"]
    mib = 1 / 1024
    return Sample(
        t=t,
        runs=runs,
        heap_total_mib=heap["total"] / 2**20 if heap else None,
        heap_worker_mib=heap["worker"] / 2**20 if heap else None,
        rss_mib=sum(r for r, _ in mem.values()) * mib,
        pss_mib=sum(p for _, p in mem.values()) * mib,
        renderer_rss_mib=sum(mem[p][0] for p in ren) * mib,
        renderer_pss_mib=sum(mem[p][1] for p in ren) * mib,
        processes=len(procs),
    )


def stop_check(s: BrowserSession, t: float, hello_ref: str) -> StopCheck:
    """loop.elf from the page's example menu, Stop pressed after it printed and spun 0.5 s, then
    hello.elf must run."""
    page = s.page
    ms = LOAD_TIMEOUT_MS
    page.wait_for_function("() => !window.tbwasmApp.running", timeout=ms)
    runs = page.evaluate("window.tbwasmApp.runs")
    page.select_option("#examples", "loop.elf")
    page.fill("#args", "")
    page.click("#run")
    page.wait_for_function("n => window.tbwasmApp.runs > n", arg=runs, timeout=ms)
    page.wait_for_function("() => window.tbwasmApp.output.includes('looping')", timeout=ms)
    page.wait_for_timeout(500)
    t0 = time.perf_counter()
    page.click("#stop")
    page.wait_for_function("() => window.tbwasmApp.lastResult", timeout=ms)
    stop_s = time.perf_counter() - t0
    r = page.evaluate("window.tbwasmApp.lastResult")
    hello = s.run_from_page("hello.elf", "")
    return StopCheck(
        t,
        stop_s,
        int(r["status"]),
        bool(r["stopped"]),
        hello.get("status") == 0 and hello.get("stdout") == hello_ref,
    )


def quarter_growth(samples: list[Sample], key: str, total: float) -> float | None:
    vals = [(x.t, getattr(x, key)) for x in samples if getattr(x, key) is not None]
    first = [v for t, v in vals if t <= total / 4]
    last = [v for t, v in vals if t >= total * 3 / 4]
    if not first or not last:
        return None
    return float(statistics.median(last) - statistics.median(first))


def slope_per_min(samples: list[Sample], key: str) -> float | None:
    pts = [(x.t / 60, getattr(x, key)) for x in samples if getattr(x, key) is not None]
    if len(pts) < 3:
        return None
    mx = statistics.fmean(p[0] for p in pts)
    my = statistics.fmean(p[1] for p in pts)
    den = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / den if den else None


def hello_reference() -> str | None:
    """What qemu-riscv64 prints for hello.elf run by that name from guests/bin (as the page)."""
    try:
        p = subprocess.run(
            ["qemu-riscv64", "hello.elf"],
            cwd=ROOT / "guests" / "bin",
            capture_output=True,
            timeout=60,
            check=False,
        )
    except OSError:
        return None
    return p.stdout.decode(errors="replace")


def soak(a: argparse.Namespace, log: Any) -> Soak:
    out = Soak()
    args = [str(a.iters)]
    flags = ["--enable-blink-features=ForceEagerMeasureMemory"]
    if a.gc:
        flags.append("--js-flags=--expose-gc")
    with BrowserSession(launch_args=flags) as s:
        page = s.page
        page.wait_for_function(
            "() => window.tbwasmApp && window.tbwasmApp.lastResult", timeout=LOAD_TIMEOUT_MS
        )
        hello_ref = hello_reference() or page.evaluate("window.tbwasmApp.lastResult.stdout")
        t_start = time.perf_counter()
        duration = a.minutes * 60
        next_sample = 0.0
        next_stop = a.stop_every if a.stop_every > 0 else float("inf")
        checksum: str | None = None
        while True:
            now = time.perf_counter() - t_start
            if now >= duration:
                break
            if now >= next_stop:
                c = stop_check(s, now, hello_ref)
                out.stops.append(c)
                log(
                    f"[{now:6.0f} s] Stop: loop ended in {c.stop_s * 1000:.0f} ms, status "
                    f"{c.status}, next program {'ok' if c.hello_ok else 'WRONG'}"
                )
                if not (c.stopped and c.status == 130 and c.stop_s < a.stop_limit and c.hello_ok):
                    out.problems.append(f"Stop check at {now:.0f} s failed: {asdict(c)}")
                next_stop += a.stop_every
            page.evaluate(START_JS, args)
            t_run = time.perf_counter()
            while True:
                now = time.perf_counter() - t_start
                if now >= next_sample:
                    x = sample(s, now, len(out.runs), a.gc)
                    out.samples.append(x)
                    heap = (
                        f"{x.heap_worker_mib:7.1f}" if x.heap_worker_mib is not None else "      -"
                    )
                    log(
                        f"[{now:6.0f} s] runs {x.runs:4d}  worker heap {heap} MiB  chromium "
                        f"PSS {x.pss_mib:7.1f} MiB (renderer {x.renderer_pss_mib:7.1f})"
                    )
                    next_sample += a.sample
                r = page.evaluate("window.__soak")
                if r["done"]:
                    break
                if time.perf_counter() - t_run > a.run_timeout:
                    out.problems.append(f"run {len(out.runs)} did not finish in {a.run_timeout} s")
                    page.evaluate("window.tbwasm.stop()")
                    page.wait_for_function("() => window.__soak.done", timeout=10_000)
                    r = page.evaluate("window.__soak")
                    break
                time.sleep(0.25)
            r["t"] = time.perf_counter() - t_start
            out.runs.append({k: r.get(k) for k in ("t", "status", "insns", "elapsed")})
            checksum = checksum if checksum is not None else r["stdout"]
            if r["status"] != 0 or r["stdout"] != checksum:
                out.problems.append(
                    f"run {len(out.runs)}: status {r['status']}, stdout "
                    f"{r['stdout'][:80]!r}, stderr {r['stderr'][-200:]!r}"
                )
                if len(out.problems) > 20:
                    break
        out.samples.append(sample(s, time.perf_counter() - t_start, len(out.runs), a.gc))
        out.problems += [f"page error: {e}" for e in s.errors]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--iters", type=int, default=100, help="bench.elf iterations per run")
    ap.add_argument("--sample", type=float, default=15.0, help="seconds between memory samples")
    ap.add_argument("--stop-every", type=float, default=120.0, help="seconds; 0: no Stop checks")
    ap.add_argument(
        "--max-growth-mib",
        type=float,
        default=32.0,
        help="allowed growth of the chromium PSS and RSS sums, first to last quarter",
    )
    ap.add_argument(
        "--stop-limit",
        type=float,
        default=2.0,
        help="seconds a Stop may take (tests/browser/test_soak.py: a liveness bound)",
    )
    ap.add_argument("--run-timeout", type=float, default=300.0, help="seconds per bench run")
    ap.add_argument("--gc", action="store_true", help="force a GC in the worker before sampling")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    a = ap.parse_args(argv)
    log = (lambda *x: print(*x, file=sys.stderr, flush=True)) if a.json else print

    out = soak(a, log)
    total = out.samples[-1].t if out.samples else 0.0
    keys = [
        "heap_total_mib",
        "heap_worker_mib",
        "rss_mib",
        "pss_mib",
        "renderer_rss_mib",
        "renderer_pss_mib",
    ]
    growth = {k: quarter_growth(out.samples, k, total) for k in keys}
    peak = {
        k: max((v for x in out.samples if (v := getattr(x, k)) is not None), default=None)
        for k in keys
    }
    slope = {k: slope_per_min(out.samples, k) for k in keys}
    tail = [x for x in out.samples if x.t >= total * 3 / 4]
    tail_slope = {k: slope_per_min(tail, k) for k in keys}  # still growing at the end?
    problems = list(out.problems)
    g, g_rss = growth["pss_mib"], growth["rss_mib"]
    if g is None or g_rss is None:
        problems.append("too few samples to compare the first and last quarter")
    elif min(g, g_rss) > a.max_growth_mib:
        problems.append(
            f"chromium PSS grew by {g:.1f} MiB and RSS by {g_rss:.1f} MiB"
            f" > {a.max_growth_mib:g} MiB"
        )
    ok_runs = [r for r in out.runs if r["status"] == 0 and r["elapsed"]]
    mips = [r["insns"] / r["elapsed"] / 1e6 for r in ok_runs]

    if a.json:
        print(
            json.dumps(
                {
                    "minutes": a.minutes,
                    "iters": a.iters,
                    "runs": len(out.runs),
                    "mips": {
                        "first": mips[:1],
                        "median": statistics.median(mips) if mips else None,
                        "last": mips[-1:],
                    },
                    "samples": [asdict(x) for x in out.samples],
                    "stops": [asdict(c) for c in out.stops],
                    "growth_mib": growth,
                    "peak_mib": peak,
                    "slope_mib_per_min": slope,
                    "last_quarter_slope_mib_per_min": tail_slope,
                    "problems": problems,
                },
                indent=2,
            )
        )
        return 1 if problems else 0

    print(
        f"\n{len(out.runs)} runs of bench.elf {a.iters} in {total / 60:.1f} min; guest MIPS "
        + (
            f"first {mips[0]:.1f}, median {statistics.median(mips):.1f}, last {mips[-1]:.1f}"
            if mips
            else "-"
        )
    )
    print(
        f"\n{'t s':>6} {'runs':>5} {'heap MiB':>9} {'worker':>8} {'RSS sum':>9} {'PSS sum':>9} "
        f"{'rend RSS':>9} {'rend PSS':>9} {'procs':>5}"
    )
    f = lambda v: f"{v:9.1f}" if v is not None else f"{'-':>9}"  # noqa: E731
    for x in out.samples:
        print(
            f"{x.t:6.0f} {x.runs:5d} {f(x.heap_total_mib)} {f(x.heap_worker_mib)[1:]} "
            f"{f(x.rss_mib)} {f(x.pss_mib)} {f(x.renderer_rss_mib)} {f(x.renderer_pss_mib)} "
            f"{x.processes:5d}"
        )
    print("\ngrowth, median of last quarter - median of first quarter (least-squares slope over")
    print("the whole soak; over the last quarter alone, which is ~0 once memory has levelled off):")
    for k in keys:
        gv, sv, tv = growth[k], slope[k], tail_slope[k]
        print(
            f"  {k:<18} {gv:+8.1f} MiB  ({sv:+.2f} MiB/min; last quarter "
            + (f"{tv:+.2f} MiB/min)" if tv is not None else "-)")
            if gv is not None and sv is not None
            else f"  {k:<18}        -"
        )
    print("peak: " + ", ".join(f"{k} {v:.1f} MiB" for k, v in peak.items() if v is not None))
    print(
        f"\nStop checks: {len(out.stops)}; "
        + ", ".join(
            f"{c.stop_s * 1000:.0f} ms/{c.status}/{'ok' if c.hello_ok else 'BAD'}"
            for c in out.stops
        )
    )
    print(f"threshold: chromium PSS or RSS growth <= {a.max_growth_mib:g} MiB")
    if problems:
        print("FAIL:", *problems[:30], sep="\n  ")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
