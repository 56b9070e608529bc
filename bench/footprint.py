#!/usr/bin/env python3
"""First-execution cost: a generated program that executes N distinct basic blocks exactly once.

Generates bench/out/footprint-N.S (riscv64 assembly, `-nostdlib -static`), builds it with
riscv64-linux-gnu-gcc and times, in one run, the same ELF under:

  qemu          `qemu-riscv64 ELF`
  tiered        `python -m py_backend.cli run --tier tiered --no-code-cache --stats ELF`
  tiered-cached the same with `--code-cache` (the CLI's default): tier 0's interpreter module
                comes from wasmtime's code cache instead of a Cranelift compile in every run
                (~0.3 s); a warm run (the best of --repeat >= 2, or any run after the first)
  interp        the same as tiered with `--tier interp`
  jit           the same with `--tier jit` (every block compiled: slow; own N, --jit-blocks)
  node:T        `node web/node/cli.mjs --stats [--tier T] ELF` (with --node; T from --node-tiers,
                default tiered, when web/node/cli.mjs knows --tier; else `node`, its default)

Each block is three instructions, `addi a1,a1,K; xor a2,a2,a1; bnez a1,NEXT`, the branch always
taken to the next block, so every block is a real block and runs once; the program exits with
a2 & 255, which the script computes too and checks for every runner. The table shows wall time
of the whole command, µs per distinct guest instruction executed (wall / instructions), the
ratio to qemu, CPU time (user + system, all threads), peak RSS, and from `--stats`: the run's own
time (the CLI's "wall", which starts after Python's imports; Node's run, after Pyodide is
loaded) per instruction, instructions interpreted vs compiled, TBs translated, modules compiled
and Python translation time. With --repeat N each line is the best (least wall) of N runs.

    python bench/footprint.py [--blocks 100000] [--jit-blocks 20000] [--skip jit,node]
                              [--node] [--node-tiers tiered,interp] [--repeat 1]
                              [--timeout 600] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchlib import ROOT, Outcome, fmt, node_knows_tier, parse_stats, run_one, stat_cells

OUT = ROOT / "bench" / "out"
CC = os.environ.get("RISCV_CC", "riscv64-linux-gnu-gcc")
RUNNERS = ("qemu", "tiered", "tiered-cached", "interp", "jit", "node")
# Instructions outside the blocks: the prologue (2 li) and the exit (andi, li, ecall).
EXTRA_INSNS = 5


@dataclass
class Result:
    runner: str
    blocks: int
    insns: int
    wall_s: float | None = None
    us_per_insn: float | None = None
    cpu_s: float | None = None
    rss_mib: float | None = None
    run_us_per_insn: float | None = None  # from --stats: the run without process start-up
    ratio_qemu: float | None = None
    stats: dict[str, float] = field(default_factory=dict)
    error: str = ""


def generate(blocks: int) -> tuple[Path, int]:
    """Write and build the program; return (ELF path, expected exit status)."""
    OUT.mkdir(parents=True, exist_ok=True)
    src = OUT / f"footprint-{blocks}.S"
    elf = OUT / f"footprint-{blocks}.elf"
    a1 = a2 = 0
    lines = [
        "    .text",
        "    .globl _start",
        "_start:",
        "    li a1, 0",
        "    li a2, 0",
    ]
    for i in range(blocks):
        k = i % 2000 + 1
        a1 += k
        a2 ^= a1
        lines += [
            f".Lb{i}:",
            f"    addi a1, a1, {k}",
            "    xor a2, a2, a1",
            f"    bnez a1, .Lb{i + 1}",
        ]
    lines += [
        f".Lb{blocks}:",
        "    andi a0, a2, 255",
        "    li a7, 93",
        "    ecall",
        "",
    ]
    text = "\n".join(lines)
    if not elf.exists() or not src.exists() or src.read_text() != text:
        src.write_text(text)
        subprocess.run([CC, "-nostdlib", "-static", "-o", str(elf), str(src)], check=True)
    return elf, a2 & 255


def command(runner: str, elf: Path) -> list[str]:
    if runner == "qemu":
        return ["qemu-riscv64", str(elf)]
    if runner.startswith("node"):
        tier = runner.partition(":")[2]
        opts = ["--tier", tier] if tier else []
        return ["node", str(ROOT / "web" / "node" / "cli.mjs"), "--stats", *opts, str(elf)]
    tier, _, cached = runner.partition("-")
    cache = "--code-cache" if cached else "--no-code-cache"
    cli = [sys.executable, "-m", "py_backend.cli", "run", cache, "--stats"]
    return [*cli, "--tier", tier, str(elf)]


def measure(runner: str, blocks: int, timeout: float, repeat: int) -> Result:
    """Best (least wall) of `repeat` runs."""
    insns = 3 * blocks + EXTRA_INSNS
    res = Result(runner, blocks, insns)
    try:
        elf, want = generate(blocks)
    except (subprocess.CalledProcessError, OSError) as e:
        res.error = f"build failed: {e}"
        return res
    cmd = command(runner, elf)
    if shutil.which(cmd[0]) is None and not Path(cmd[0]).exists():
        res.error = f"{cmd[0]} not found"
        return res
    best: Outcome | None = None
    for _ in range(repeat):
        o = run_one(cmd, timeout)
        if o.status is None:
            res.error = f"timeout ({timeout:.0f} s)"
            return res
        if o.status != want:
            tail = [ln for ln in o.stderr.splitlines() if not ln.startswith("tbwasm")][-1:]
            res.error = f"exit {o.status}, expected {want}" + (f": {tail[0][:200]}" if tail else "")
            best = o
            break
        if best is None or o.wall_s < best.wall_s:
            best = o
    assert best is not None
    res.wall_s, res.cpu_s, res.rss_mib = best.wall_s, best.cpu_s, best.rss_mib
    res.us_per_insn = best.wall_s * 1e6 / insns
    res.stats = parse_stats(best.stderr)
    if "run_ms" in res.stats:
        res.run_us_per_insn = res.stats["run_ms"] * 1e3 / insns
    return res


# window.tbwasm.run in an already loaded page: the run alone (Pyodide is up).
_PAGE_RUN_JS = """
async ({program, tier}) => {
  const t0 = performance.now();
  const r = await window.tbwasm.run({program, tier});
  return {status: r.status, wall_ms: performance.now() - t0, stats: r.stats};
}
"""


def chromium(blocks: int, tiers: list[str], qemu_us: float | None) -> list[Result]:
    """The program through window.tbwasm.run in Chromium (bench/browser.py's session), once per
    tier, in one page that has loaded Pyodide: wall = the run itself."""
    sys.path.insert(0, str(ROOT / "bench"))
    import browser  # Playwright only when asked for

    elf, want = generate(blocks)
    insns = 3 * blocks + EXTRA_INSNS
    out: list[Result] = []
    with browser.BrowserSession() as session:
        session.wait_ready()
        path = session.serve_bytes(elf.name, elf.read_bytes())
        for tier in tiers:
            res = Result(f"chromium:{tier}", blocks, insns)
            r = session.page.evaluate(_PAGE_RUN_JS, {"program": path, "tier": tier})
            st = r.get("stats") or {}
            res.wall_s = r["wall_ms"] / 1000
            res.us_per_insn = res.run_us_per_insn = res.wall_s * 1e6 / insns
            if qemu_us:
                res.ratio_qemu = res.us_per_insn / qemu_us
            res.stats = {
                "interpreted": float(st.get("interp_insns") or 0),
                "compiled": float((st.get("guest_insns") or 0) - (st.get("interp_insns") or 0)),
                "tbs": float(st.get("tbs_translated") or 0),
                "modules": float(st.get("modules_compiled") or 0),
                "translate_ms": float(st.get("translate_seconds") or 0) * 1e3,
            }
            if r["status"] != want:
                res.error = f"exit {r['status']}, expected {want}"
            out.append(res)
    return out


def print_table(results: list[Result]) -> None:
    print(
        "| runner | blocks | distinct insns | wall s | µs/insn | vs qemu | CPU s | RSS MiB | "
        "run µs/insn | interpreted | compiled | TBs | modules | translation ms | note |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")
    for r in results:
        s = r.stats
        print(
            f"| {r.runner} | {r.blocks} | {r.insns} | {fmt(r.wall_s, '.2f')} | "
            f"{fmt(r.us_per_insn, '.2f')} | "
            f"{fmt(r.ratio_qemu, '.1f') + 'x' if r.ratio_qemu is not None else '-'} | "
            f"{fmt(r.cpu_s, '.2f')} | {fmt(r.rss_mib, '.0f')} | {fmt(r.run_us_per_insn, '.2f')} | "
            f"{stat_cells(s, 'interpreted', 'compiled', 'tbs', 'modules', 'translate_ms')} | "
            f"{r.error} |"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--blocks", type=int, default=100_000, help="distinct blocks (default 100000)")
    ap.add_argument(
        "--jit-blocks", type=int, default=20_000, help="blocks for --tier jit (default 20000)"
    )
    ap.add_argument("--skip", default="", help="comma-separated runners to leave out")
    ap.add_argument("--node", action="store_true", help="also time node web/node/cli.mjs")
    ap.add_argument("--repeat", type=int, default=1, help="best of N runs (default 1)")
    ap.add_argument("--node-tiers", default="tiered", help="tiers for Node (default tiered)")
    ap.add_argument(
        "--chromium",
        default="",
        metavar="TIERS",
        help="also run in Chromium (window.tbwasm.run in a loaded page) in these tiers",
    )
    ap.add_argument("--timeout", type=float, default=600.0, help="per run, seconds")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--from-json", type=Path, help="print the table of a saved --json output")
    args = ap.parse_args(argv)
    if args.from_json:
        print_table([Result(**d) for d in json.loads(args.from_json.read_text())])
        return 0
    skip = {s for s in args.skip.split(",") if s}
    runners = [r for r in RUNNERS if r not in skip and r != "node"]
    if args.node and "node" not in skip:
        nts = [t for t in args.node_tiers.split(",") if t] if node_knows_tier() else [""]
        runners += [f"node:{t}" if t else "node" for t in nts]

    results: list[Result] = []
    qemu_us: dict[int, float] = {}
    for runner in runners:
        sizes = [args.blocks]
        if runner.endswith("jit") and args.jit_blocks != args.blocks:
            sizes = [args.jit_blocks]
        for blocks in sizes:
            if runner != "qemu" and blocks not in qemu_us and "qemu" in runners:
                q = measure("qemu", blocks, args.timeout, args.repeat)
                results.append(q)
                if q.us_per_insn is not None:
                    qemu_us[blocks] = q.us_per_insn
            r = measure(runner, blocks, args.timeout, args.repeat)
            if runner == "qemu" and r.us_per_insn is not None:
                qemu_us[blocks] = r.us_per_insn
            if r.wall_s is not None and blocks in qemu_us and runner != "qemu":
                r.ratio_qemu = r.us_per_insn / qemu_us[blocks] if r.us_per_insn else None
            results.append(r)
            print(
                f"  {runner} N={blocks}: {fmt(r.wall_s, '.2f')} s {r.error}",
                file=sys.stderr,
                flush=True,
            )

    if args.chromium:
        tiers = [t for t in args.chromium.split(",") if t]
        results += chromium(args.blocks, tiers, qemu_us.get(args.blocks))

    if args.json:
        print(json.dumps([asdict(r) for r in results], indent=2))
    else:
        print_table(results)
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
