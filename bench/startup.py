#!/usr/bin/env python3
"""Start-up: the fixed cost of running a tiny static program (guests/bin/hello.elf), against
peers measured in the same run.

  qemu          `qemu-riscv64 hello.elf`: the peer
  python        `python -c pass`: the interpreter's own start, a floor for the CLI
  python -S     `python -S -c pass`: the same without the site module (site-packages, .pth
                files), which the CLI needs (wasmtime): what of the floor is this machine's site
  cli           `python -m py_backend.cli run hello.elf` (default options: the code cache on)
  node          `node web/node/cli.mjs hello.elf` (with --node; Pyodide and V8)

Each command runs once unmeasured (it writes Python's bytecode caches, tier 0's module and the
code caches, as any run after the first finds them), then --repeat times; the best wall time
counts, with its CPU time (user + system, all threads) and peak RSS from os.wait4.  The table
shows the ratio of each to qemu.  Below it: the CLI's imports beyond the interpreter's own
(`python -X importtime`: the top-level imports of the hello run minus those of `python -c
pass`), the modules that cost most by themselves, and the phases `--stats` reports (the CLI's
set-up and run after its imports; Node's Pyodide start and its set-up and run).

Exits 1 when a run fails or prints other than qemu does; it has no time bounds.

    python bench/startup.py [--repeat 5] [--node] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from dataclasses import asdict, dataclass

from benchlib import ROOT, Outcome, parse_stats, run_one

HELLO = ROOT / "guests" / "bin" / "hello.elf"
# Python's bytecode caches are what every installed run uses; a shell that turns them off
# would measure compiling our sources on each start instead.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


@dataclass
class Row:
    name: str
    command: str
    wall_ms: float
    cpu_ms: float
    rss_mib: float
    ratio: float | None = None  # wall / qemu's wall


def best(name: str, cmd: list[str], repeat: int, expect: bytes | None) -> tuple[Row, bytes]:
    """The least-wall run of `repeat` (after one unmeasured); SystemExit(1) when one fails or
    its output is not `expect`."""
    runs: list[Outcome] = []
    for i in range(repeat + 1):
        r = run_one(cmd, timeout=120)
        if r.status != 0:
            print(f"{name}: failed ({r.status}): {' '.join(cmd)}\n{r.stderr[-2000:]}")
            raise SystemExit(1)
        if expect is not None and r.stdout != expect:
            print(f"{name}: output differs from qemu's: {r.stdout!r} vs {expect!r}")
            raise SystemExit(1)
        if i:
            runs.append(r)
    b = min(runs, key=lambda o: o.wall_s)
    row = Row(name, " ".join(cmd), b.wall_s * 1e3, b.cpu_s * 1e3, b.rss_mib)
    return row, b.stdout


def phases(cmd: list[str], repeat: int) -> dict[str, float]:
    """The least of each `--stats` time of `repeat` runs of cmd (with --stats before PROG)."""
    got: dict[str, float] = {}
    for _ in range(repeat):
        r = run_one([*cmd[:-1], "--stats", cmd[-1]], timeout=120)
        if r.status != 0:
            print(f"failed ({r.status}): {' '.join(cmd)} --stats\n{r.stderr[-2000:]}")
            raise SystemExit(1)
        for k, v in parse_stats(r.stderr).items():
            got[k] = min(v, got.get(k, v))
    return got


_IMPORT = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def import_times(args: list[str]) -> tuple[float, dict[str, float]]:
    """`python -X importtime ARGS`: the top-level imports' total (ms) and each module's own."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    total, own = 0.0, {}
    for m in _IMPORT.finditer(p.stderr):
        own[m[4]] = int(m[1]) / 1e3
        if len(m[3]) == 1:  # one space after the bar: a top-level import
            total += int(m[2]) / 1e3
    return total, own


def best_imports(args: list[str], repeat: int) -> tuple[float, dict[str, float]]:
    return min((import_times(args) for _ in range(repeat + 1)), key=lambda t: t[0])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--node", action="store_true", help="also the Node host (web/node/cli.mjs)")
    ap.add_argument("--top", type=int, default=8, help="the costliest modules listed")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    hello = str(HELLO.relative_to(ROOT))
    qemu, expect = best("qemu", ["qemu-riscv64", hello], args.repeat, None)
    rows = [qemu]
    rows.append(best("python", [sys.executable, "-c", "pass"], args.repeat, b"")[0])
    rows.append(best("python -S", [sys.executable, "-S", "-c", "pass"], args.repeat, b"")[0])
    cli = [sys.executable, "-m", "py_backend.cli", "run", hello]
    rows.append(best("cli", cli, args.repeat, expect)[0])
    stats = {"cli_run_ms": phases(cli, args.repeat).get("run_ms")}
    if args.node:
        node = ["node", str((ROOT / "web" / "node" / "cli.mjs").relative_to(ROOT)), hello]
        rows.append(best("node", node, args.repeat, expect)[0])
        got = phases(node, args.repeat)
        stats["node_pyodide_ms"] = got["pyodide_s"] * 1e3 if "pyodide_s" in got else None
        stats["node_run_ms"] = got.get("run_ms")
    for r in rows:
        r.ratio = r.wall_ms / qemu.wall_ms if qemu.wall_ms > 0 else None
    floor, _ = best_imports(["-c", "pass"], args.repeat)
    run_total, own = best_imports(["-m", "py_backend.cli", "run", hello], args.repeat)
    cli_total, _ = best_imports(["-c", "import py_backend.cli"], args.repeat)
    imports = {"run_ms": run_total - floor, "import_cli_ms": cli_total - floor}
    top = sorted(own.items(), key=lambda kv: -kv[1])[: args.top]
    if args.json:
        out = {
            "rows": [asdict(r) for r in rows],
            "imports": imports,
            "top": dict(top),
            "stats": stats,
        }
        print(json.dumps(out, indent=2))
        return 0
    print("| run | wall ms | CPU ms | peak RSS MiB | x qemu | command |")
    print("|---|---:|---:|---:|---:|---|")
    for r in rows:
        ratio = "-" if r.ratio is None else f"{r.ratio:.1f}"
        print(
            f"| {r.name} | {r.wall_ms:.0f} | {r.cpu_ms:.0f} | {r.rss_mib:.0f} | {ratio} "
            f"| `{r.command.replace(sys.executable, 'python')}` |"
        )
    print()
    print(
        f"imports beyond `python -c pass` (-X importtime): the hello run "
        f"{imports['run_ms']:.0f} ms, `import py_backend.cli` {imports['import_cli_ms']:.0f} ms"
    )
    print("costliest modules (own time): " + ", ".join(f"{k} {v:.1f} ms" for k, v in top))
    line = (
        f"--stats (the least of {args.repeat}): the CLI's set-up and run {_ms(stats['cli_run_ms'])}"
    )
    if args.node:
        line += (
            f"; Node: Pyodide (from the snapshot) {_ms(stats['node_pyodide_ms'])}, "
            f"set-up and run {_ms(stats['node_run_ms'])}"
        )
    print(line)
    return 0


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f} ms"


if __name__ == "__main__":
    raise SystemExit(main())
