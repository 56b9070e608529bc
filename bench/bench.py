#!/usr/bin/env python3
"""Benchmark guests/bin/bench.elf under tbwasm, qemu-riscv64 and natively.

Wall time of the whole command, best of N runs, for:
  tbwasm  `python -m py_backend.cli run --no-code-cache guests/bin/bench.elf ITER` (cold)
  tbwasm-cached  the same with wasmtime's code cache (the CLI default; best of N is warm)
  qemu    `qemu-riscv64 guests/bin/bench.elf ITER`
  native  guests/src/bench.c built with the host's `gcc -O2` into bench/out/ on the fly

Prints a table of times and the ratios tbwasm/native, tbwasm/qemu and qemu/native, and checks
that all three print the same checksum. `--json` prints one JSON object instead.

    python bench/bench.py [--iters 500] [--repeat 3] [--only tbwasm,qemu,native] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUEST = ROOT / "guests" / "bin" / "bench.elf"
SOURCE = ROOT / "guests" / "src" / "bench.c"
OUT = ROOT / "bench" / "out"
# tbwasm: cold, every TB compiled by Cranelift in this run (--no-code-cache).
# tbwasm-cached: wasmtime's on-disk code cache on (the CLI default); best of N is a warm run.
RUNNERS = ("tbwasm", "tbwasm-cached", "qemu", "native")


@dataclass
class Result:
    runner: str
    best_s: float | None = None
    times_s: list[float] | None = None
    output: str = ""
    error: str = ""


def build_native() -> Path:
    """Compile bench.c with host gcc -O2 into bench/out/ (rebuilt when the source is newer)."""
    OUT.mkdir(parents=True, exist_ok=True)
    exe = OUT / "bench-native"
    if not exe.exists() or exe.stat().st_mtime < SOURCE.stat().st_mtime:
        cc = os.environ.get("CC", "gcc")
        subprocess.run([cc, "-O2", "-o", str(exe), str(SOURCE)], check=True)
    return exe


def command(runner: str, iters: int) -> list[str]:
    if runner in ("tbwasm", "tbwasm-cached"):
        cache = "--code-cache" if runner == "tbwasm-cached" else "--no-code-cache"
        return [sys.executable, "-m", "py_backend.cli", "run", cache, str(GUEST), str(iters)]
    if runner == "qemu":
        return ["qemu-riscv64", str(GUEST), str(iters)]
    if runner == "native":
        return [str(build_native()), str(iters)]
    raise ValueError(runner)


def measure(runner: str, iters: int, repeat: int, timeout: float) -> Result:
    res = Result(runner)
    try:
        cmd = command(runner, iters)
    except (subprocess.CalledProcessError, OSError) as e:
        res.error = f"build failed: {e}"
        return res
    if shutil.which(cmd[0]) is None and not Path(cmd[0]).exists():
        res.error = f"{cmd[0]} not found"
        return res
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    times: list[float] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        try:
            p = subprocess.run(
                cmd, capture_output=True, timeout=timeout, cwd=ROOT, env=env, check=False
            )
        except subprocess.TimeoutExpired:
            res.error = f"timeout after {timeout:g} s"
            break
        dt = time.perf_counter() - t0
        if p.returncode != 0:
            tail = p.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
            res.error = f"exit status {p.returncode}: {tail[0][:200]}"
            break
        res.output = p.stdout.decode(errors="replace").strip()
        times.append(dt)
    if times:
        res.times_s = times
        res.best_s = min(times)
    return res


def ratio(a: Result, b: Result) -> float | None:
    if a.best_s is None or b.best_s is None or b.best_s == 0:
        return None
    return a.best_s / b.best_s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--iters", type=int, default=500, help="bench iteration count (default 500)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per runner, best is kept")
    ap.add_argument("--only", default=",".join(RUNNERS), help="comma-separated runners")
    ap.add_argument("--timeout", type=float, default=600.0, help="per-run timeout in seconds")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    a = ap.parse_args(argv)

    wanted = [r for r in a.only.split(",") if r]
    for r in wanted:
        if r not in RUNNERS:
            ap.error(f"unknown runner {r!r}")
    results = {r: measure(r, a.iters, a.repeat, a.timeout) for r in wanted}
    outputs = {r.output for r in results.values() if r.best_s is not None}
    consistent = len(outputs) <= 1
    empty = Result("")
    ratios = {
        "tbwasm/native": ratio(results.get("tbwasm", empty), results.get("native", empty)),
        "tbwasm/qemu": ratio(results.get("tbwasm", empty), results.get("qemu", empty)),
        "tbwasm-cached/qemu": ratio(
            results.get("tbwasm-cached", empty), results.get("qemu", empty)
        ),
        "qemu/native": ratio(results.get("qemu", empty), results.get("native", empty)),
    }

    if a.json:
        doc = {
            "iters": a.iters,
            "repeat": a.repeat,
            "results": {k: asdict(v) for k, v in results.items()},
            "ratios": ratios,
            "outputs_match": consistent,
        }
        print(json.dumps(doc, indent=2))
    else:
        print(f"bench.elf {a.iters} iterations, best of {a.repeat} (wall time)")
        print(f"{'runner':<8} {'best s':>9}  output / error")
        for r in results.values():
            t = f"{r.best_s:9.3f}" if r.best_s is not None else f"{'-':>9}"
            print(f"{r.runner:<8} {t}  {r.error or r.output}")
        for k, v in ratios.items():
            print(f"{k:<14} {v:8.2f}x" if v is not None else f"{k:<14} {'-':>8}")
        if not consistent:
            print("WARNING: runners printed different output")
    ok = consistent and all(r.best_s is not None for r in results.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
