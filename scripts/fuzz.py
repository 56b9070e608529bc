#!/usr/bin/env python3
"""Differential fuzzer: random RV64GC programs under tbwasm vs qemu-riscv64 (the reference).

    python scripts/fuzz.py --seed 1 --count 50            # 50 programs: seeds "1:0".."1:49"
    python scripts/fuzz.py --seed 7 --seconds 600 --jobs 2
    python scripts/fuzz.py --replay "7:123"               # one program, verbose
    python scripts/fuzz.py --seed 1 --count 50 --host node  # web/node/cli.mjs instead of wasmtime
    python scripts/fuzz.py --seed 1 --count 20 --host browser  # one Chromium page (Playwright)
    python scripts/fuzz.py --ext --seed 1 --count 50      # also Zba, Zbb, ...: against qemu 10
    python scripts/fuzz.py --vector --tier jit --seed 1 --seconds 900  # also V (rvvgen.py)

Each program has several independent chunks (see tests/differential/rvgen.py).  On a mismatch
the program is shrunk and saved as tests/differential/regressions/fuzz_<seed>.{S,elf,expected}
(unless --no-save).  Guest instructions are counted by tbwasm itself (Machine.stats()); the
node host does not report them, so its count is 0.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "differential"))

import rvgen  # noqa: E402
import rvrun  # noqa: E402


def _runner(host: str) -> rvrun.Runner:
    if host == "browser":
        import browser_host  # tests/differential/browser_host.py: one Chromium session

        return browser_host.browser_runner
    return rvrun.node_runner if host == "node" else rvrun.native_runner


def one(args: tuple[str, str, int, int, bool, bool]) -> tuple[str, int, list[str], float, str]:
    seed, host, chunks, size, ext, vector = args
    t0 = time.perf_counter()
    prog = rvgen.generate(seed, chunks=chunks, size=size, ext=ext, vector=vector)
    with rvrun.tempdir() as d:
        try:
            o = rvrun.check_program(prog, Path(d), "p", _runner(host))
        except rvrun.BuildError as e:
            return seed, 0, [f"generator error: {e}"], time.perf_counter() - t0, ""
    msg = o.tbwasm.message if o.tbwasm else ""
    return seed, o.insns, o.mismatch, time.perf_counter() - t0, msg


def report_mismatch(
    seed: str, diffs: list[str], host: str, save: bool, a: argparse.Namespace
) -> None:
    print(f"MISMATCH seed {seed!r}:", *diffs, sep="\n  ", flush=True)
    if a.no_shrink:
        return
    prog = rvgen.generate(seed, chunks=a.chunks, size=a.size, ext=a.ext, vector=a.vector)
    with rvrun.tempdir() as d:
        small, last = rvrun.shrink(prog, Path(d), _runner(host), log=print)
        lines = sum(len(list(it.lines())) for c in small.chunks for it in c.body)
        print(f"  shrunk to {lines} body lines:", *last, sep="\n  ")
        rvrun.build(small.source(), Path(d) / "min", small.march)
        print(rvrun.body_disassembly(Path(d) / "min"))
        if save:
            kind = "fuzz_vec_" if a.vector else "fuzz_ext_" if a.ext else "fuzz_"
            name = kind + seed.replace(":", "_")
            path = rvrun.write_regression(small, name, last, Path(d))
            print(f"  regression test written: {path.relative_to(REPO)}", flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", default="0", help="campaign seed; program i uses seed 'SEED:i'")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--count", type=int, help="number of programs")
    g.add_argument("--seconds", type=float, help="run for this long")
    g.add_argument("--replay", help="run exactly one program seed, e.g. '7:123'")
    p.add_argument("--start", type=int, default=0, help="first program index")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--host", choices=["native", "node", "browser"], default="native")
    p.add_argument("--chunks", type=int, default=6, help="independent chunks per program")
    p.add_argument("--size", type=int, default=60, help="mean top-level items per chunk")
    p.add_argument(
        "--ext",
        action="store_true",
        help="also the extensions beyond RV64GC (Zba, Zbb, ...), against qemu 10 (fetch-qemu.sh)",
    )
    p.add_argument(
        "--vector",
        action="store_true",
        help="also V, from the instruction table (rvvgen.py), against qemu 10 with "
        "rvrun.QEMU10_FUZZ_VECTOR_CPU (V and Zvbb); the dumps include v0..v31 and the vector CSRs",
    )
    p.add_argument(
        "--tier",
        choices=["interp", "jit", "tiered"],
        help="tbwasm's tier for the native host (default: TBWASM_TIER, else tiered)",
    )
    p.add_argument("--no-shrink", action="store_true")
    p.add_argument("--no-save", action="store_true", help="do not write regression tests")
    p.add_argument("--stop-after", type=int, default=5, help="stop after this many mismatches")
    a = p.parse_args(argv)
    if not rvrun.have_toolchain():
        print("needs riscv64-linux-gnu-gcc and qemu-riscv64", file=sys.stderr)
        return 2
    if a.tier:
        os.environ["TBWASM_TIER"] = a.tier  # read by every Machine, in the workers too
    if (a.ext or a.vector) and not rvrun.have_qemu10():
        print(f"--ext/--vector needs {rvrun.QEMU10} (scripts/fetch-qemu.sh)", file=sys.stderr)
        return 2
    if a.host == "node" and not (REPO / "web" / "node" / "cli.mjs").exists():
        print("web/node/cli.mjs not found", file=sys.stderr)
        return 2
    if a.host == "browser" and a.jobs > 1:
        print("--host browser runs one Chromium page: --jobs ignored", file=sys.stderr)
        a.jobs = 1
    if a.replay:
        seed, insns, diffs, secs, msg = one((a.replay, a.host, a.chunks, a.size, a.ext, a.vector))
        print(f"{seed}: {insns} instructions, {secs:.2f} s {msg}")
        if diffs:
            report_mismatch(seed, diffs, a.host, not a.no_save, a)
        return 1 if diffs else 0
    if a.count is None and a.seconds is None:
        a.count = 20

    def seeds():  # type: ignore[no-untyped-def]
        i = a.start
        while a.count is None or i < a.start + a.count:
            yield (f"{a.seed}:{i}", a.host, a.chunks, a.size, a.ext, a.vector)
            i += 1

    t0 = time.perf_counter()
    deadline = t0 + a.seconds if a.seconds else None
    programs = insns = 0
    bad: list[tuple[str, list[str]]] = []
    gen_errors = 0
    pool = multiprocessing.Pool(a.jobs) if a.jobs > 1 else None
    results = pool.imap(one, seeds()) if pool else map(one, seeds())
    try:
        for seed, n, diffs, _secs, _msg in results:
            programs += 1
            insns += n
            if diffs and diffs[0].startswith("generator error"):
                gen_errors += 1
                print(f"GENERATOR ERROR {seed}: {diffs[0][:2000]}", flush=True)
            elif diffs:
                bad.append((seed, diffs))
                print(f"MISMATCH {seed}: {diffs[0]}", flush=True)
            if programs % 10 == 0:
                el = time.perf_counter() - t0
                print(f"[{el:7.1f} s] programs {programs} instructions {insns} "
                      f"mismatches {len(bad)} ({insns / el:,.0f} insn/s)", flush=True)  # fmt: skip
            if deadline is not None and time.perf_counter() > deadline:
                break
            if len(bad) >= a.stop_after:
                break
    except KeyboardInterrupt:
        pass
    finally:
        if pool:
            pool.terminate()
    el = time.perf_counter() - t0
    rate = insns / max(el, 1e-9)
    print(f"seed {a.seed!r}: programs {programs}, guest instructions {insns}, mismatches "
          f"{len(bad)}, generator errors {gen_errors}, {el:.1f} s, {rate:,.0f} insn/s, "
          f"{programs / max(el, 1e-9):.2f} programs/s")  # fmt: skip
    for seed, diffs in bad:
        report_mismatch(seed, diffs, a.host, not a.no_save, a)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
