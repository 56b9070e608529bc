#!/usr/bin/env python3
"""Autovectorized kernels: the vector build against the scalar build and against qemu.

guests/src/ext/vec_kernels.c is built by clang-16 -O3 twice, for rv64gcv (autovectorized: RVV
1.0) and for rv64gc, into bench/out/. Each kernel (saxpy, dot, widening multiply, reductions, a
masked loop, a strided loop, a gather, a byte histogram, a byte copy) runs under:

  tbwasm-v    `python -m py_backend.cli run vec_kernels_v.elf KERNEL ITERS`
  tbwasm-gc   the same, the rv64gc build
  qemu-v      qemu 10 (guests/bin/qemu10, with the vector CPU tbwasm has) on the rv64gcv build
  qemu-gc     qemu 10 on the rv64gc build

With --browser, also in Chromium (Debian's, through Playwright; `serve.py` serves the page):

  chrome-v    `window.tbwasm.run` of the rv64gcv build in the page (its default tier)
  chrome-gc   the same, the rv64gc build

Every run must print the same checksum line. The figure is the least CPU time (user + system of
that child, os.wait4) of --repeat runs, the runners taking turns so that a changing load
affects each alike; for the page, whose CPU is not its own process's, the page's wall time of
the run call. Prints one line per kernel with the times and the ratios tbwasm-v / tbwasm-gc
(under 1: the vector build is faster) and tbwasm-v / qemu-v, and with --browser chrome-v /
chrome-gc and chrome-v / qemu-v.

    python bench/vector.py [--kernels saxpy,dot] [--scale 1.0] [--repeat 3] [--browser] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
from pathlib import Path

from benchlib import ROOT, run_one

SOURCE = ROOT / "guests" / "src" / "ext" / "vec_kernels.c"
OUT = ROOT / "bench" / "out"
QEMU10 = ROOT / "guests" / "bin" / "qemu10" / "qemu-riscv64"
sys.path.insert(0, str(ROOT / "tests" / "differential"))
from rvrun import QEMU10_VECTOR_CPU  # noqa: E402

# kernel: iterations at --scale 1 (each kernel works on 4096 elements per iteration)
KERNELS = {
    "saxpy": 20000, "dot": 30000, "widen": 20000, "reduce": 40000, "masked": 20000,
    "strided": 20000, "gather": 20000, "histogram": 20000, "memcpy": 200000,
}  # fmt: skip
RUNNERS = ("tbwasm-v", "tbwasm-gc", "qemu-v", "qemu-gc")
BROWSER_RUNNERS = ("chrome-v", "chrome-gc")
CLANG = [
    "clang-16", "--target=riscv64-linux-gnu", "-O3", "--sysroot=/usr/riscv64-linux-gnu",
    "-fuse-ld=lld", "-static",
]  # fmt: skip


def build() -> dict[str, Path]:
    """The two builds (rebuilt when the source is newer)."""
    OUT.mkdir(parents=True, exist_ok=True)
    out = {}
    for tag, march in (("v", "rv64gcv"), ("gc", "rv64gc")):
        elf = OUT / f"vec_kernels_{tag}.elf"
        if not elf.exists() or elf.stat().st_mtime < SOURCE.stat().st_mtime:
            subprocess.run([*CLANG, f"-march={march}", str(SOURCE), "-o", str(elf)], check=True)
        out[tag] = elf
    return out


def command(runner: str, elfs: dict[str, Path], kernel: str, iters: int) -> list[str]:
    elf = elfs["v" if runner.endswith("-v") else "gc"]
    if runner.startswith("qemu"):
        return [str(QEMU10), "-cpu", QEMU10_VECTOR_CPU, str(elf), kernel, str(iters)]
    return [sys.executable, "-m", "py_backend.cli", "run", str(elf), kernel, str(iters)]


class Page:
    """The kernels run by `window.tbwasm.run` in Chromium (bench/browser.py's session)."""

    def __init__(self, elfs: dict[str, Path], stack: contextlib.ExitStack) -> None:
        from browser import BrowserSession

        self.session = stack.enter_context(BrowserSession())
        self.session.wait_ready()
        self.paths = {
            tag: self.session.serve_bytes(elf.name, elf.read_bytes()) for tag, elf in elfs.items()
        }

    def run(self, runner: str, kernel: str, iters: int, timeout: float) -> tuple[int, bytes, float]:
        """(status, stdout, seconds) of one run in the page."""
        path = self.paths["v" if runner.endswith("-v") else "gc"]
        r = self.session.run(path, [kernel, str(iters)], timeout_s=timeout)
        return r.status, r.stdout + r.stderr if r.status else r.stdout, r.wall_s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--kernels", default=",".join(KERNELS), help="comma-separated kernels")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every iteration count")
    ap.add_argument("--repeat", type=int, default=3, help="runs per runner, least CPU is kept")
    ap.add_argument("--timeout", type=float, default=600.0, help="per-run timeout in seconds")
    ap.add_argument("--browser", action="store_true", help="also in Chromium (chrome-v, -gc)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args(argv)
    kernels = args.kernels.split(",")
    for k in kernels:
        if k not in KERNELS:
            ap.error(f"unknown kernel {k!r} ({', '.join(KERNELS)})")
    if not QEMU10.exists():
        ap.error(f"{QEMU10} missing (scripts/fetch-qemu.sh)")
    elfs = build()
    with contextlib.ExitStack() as stack:
        page = Page(elfs, stack) if args.browser else None
        return measure(args, kernels, elfs, page)


def ratio(best: dict[str, float], a: str, b: str) -> float | None:
    return best[a] / best[b] if a in best and b in best else None


def measure(
    args: argparse.Namespace, kernels: list[str], elfs: dict[str, Path], page: Page | None
) -> int:
    runners = RUNNERS + (BROWSER_RUNNERS if page else ())
    pairs = [("tbwasm-v", "tbwasm-gc"), ("tbwasm-v", "qemu-v")]
    if page:
        pairs += [("chrome-v", "chrome-gc"), ("chrome-v", "qemu-v")]
    rows = []
    failed = False
    if not args.json:
        heads = ["v/gc", "v/qemu-v", "chrome v/gc", "chrome v/qemu-v"][: len(pairs)]
        print(f"{'kernel':10} " + " ".join(f"{r:>10}" for r in runners + tuple(heads)))
    for k in kernels:
        iters = max(1, int(KERNELS[k] * args.scale))
        best: dict[str, float] = {}
        outputs: dict[str, bytes] = {}
        for _ in range(args.repeat):
            for r in runners:
                if r.startswith("chrome"):
                    assert page is not None
                    status, out, secs = page.run(r, k, iters, args.timeout)
                    err = out.decode(errors="replace")
                else:
                    o = run_one(command(r, elfs, k, iters), args.timeout)
                    status = -1 if o.status is None else o.status
                    out, secs, err = o.stdout, o.cpu_s, o.stderr
                if status != 0:
                    print(f"{k} {r}: status {status}: {err.strip()[-300:]!r}", file=sys.stderr)
                    failed = True
                    continue
                outputs.setdefault(r, out)
                if out != outputs["tbwasm-v" if "tbwasm-v" in outputs else r]:
                    print(f"{k} {r}: output {out!r} differs", file=sys.stderr)
                    failed = True
                best[r] = min(best.get(r, secs), secs)
        ratios = [ratio(best, a, b) for a, b in pairs]
        named = {f"{a}/{b}": q for (a, b), q in zip(pairs, ratios, strict=True)}
        rows.append({"kernel": k, "iters": iters, "seconds": best, "ratios": named})
        if not args.json:
            cells = [f"{best[r]:10.2f}" if r in best else f"{'-':>10}" for r in runners]
            cells += [f"{q:10.2f}" if q is not None else f"{'-':>10}" for q in ratios]
            print(f"{k:10} " + " ".join(cells), flush=True)
    if args.json:
        print(json.dumps(rows, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
