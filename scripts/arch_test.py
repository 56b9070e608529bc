#!/usr/bin/env python3
"""Run the RISC-V architecture tests (riscv-arch-test) under tbwasm, with qemu 10 as the reference.

riscv-arch-test's tests are bare assembly programs that store their results into a *signature*
region. Each ``rv64i_m/<SUITE>/src/*.S`` is built here as a static riscv64 Linux user-mode
program with our target description, ``tests/arch_test_env/model_test.h``: it starts at
``rvtest_entry_point`` with no trap handler and, at the end, prints the signature as 32-bit hex
words (one a line) and exits with 0. The snapshot of the suite has no reference signatures (they
come from the Sail model), so the reference is qemu 10 (``guests/bin/qemu10/qemu-riscv64``, with
the extensions the suite needs); tbwasm's signature in each tier must equal it word for word.

    python3 scripts/arch_test.py --suite-dir /tmp/arch-test/riscv-test-suite --suite K \\
        --tiers interp,jit,tiered --jobs 2

prints one line per test (PASS, SKIP, or FAIL with the first differing word), one summary line
per tier (``K: 53/53 pass (tier jit)``), and exits with 1 if any test failed (or ran wrong under
the reference) in any tier, or if no test ran at all. A test that binutils 2.40
cannot assemble, or that traps on purpose (c.ebreak), is skipped and counted apart.
A reference signature that is empty, a single repeated word, or only the fill and canary words
is an error too, so a harness that runs nothing cannot pass.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ENV_DIR = REPO / "tests" / "arch_test_env"
QEMU10 = os.environ.get("TBWASM_QEMU10") or str(REPO / "guests" / "bin" / "qemu10" / "qemu-riscv64")
TIERS = ("interp", "jit", "tiered")

GCC = "riscv64-linux-gnu-gcc"
# Everything binutils 2.40 assembles of what tbwasm implements.
GCC_MARCH = "rv64gc_zba_zbb_zbc_zbs_zbkb_zbkc_zbkx_zknd_zkne_zknh_zksed_zksh_zfh"
# Zicond, Zfa and Zcb are beyond binutils 2.40: tests/arch_test_env/insn_compat.h gives it them
# as .insn macros. A test of an instruction it still lacks is skipped, not failed.
# qemu 10 with the extensions of the suites (its plain rv64 is RV64GC).
QEMU_CPU = (
    "rv64,zba=true,zbb=true,zbc=true,zbs=true,zbkb=true,zbkc=true,zbkx=true,zknd=true,zkne=true,"
    "zknh=true,zksed=true,zksh=true,zkt=true,zicond=true,zfa=true,zcb=true,zfh=true,zfhmin=true"
)
# What a signature holds before the test runs: the .fill of its areas and the canaries.
FILLERS = frozenset({"deadbeef", "6f5ca309", "e7d4b281"})
# A test that executes these traps on purpose needs the machine-mode trap handler it records the
# trap with: not run (Linux user mode delivers a signal instead).
TRAPPING = re.compile(r"^\s*(c\.)?(ebreak|ecall)\b", re.MULTILINE)


@dataclass
class Outcome:
    """One test: its reference signature and how each tier did."""

    name: str
    skip: str = ""  # needs a trap handler, or an extension binutils 2.40 lacks: not run
    error: str = ""  # the reference run failed: a FAIL in every tier
    ref_words: int = 0
    tiers: dict[str, str] = field(default_factory=dict)  # tier -> "" (pass) or why it failed


def suite_root(path: Path) -> Path:
    """The ``riscv-test-suite`` directory, given it or the root of a riscv-arch-test checkout."""
    for cand in (path, path / "riscv-test-suite"):
        if (cand / "env" / "arch_test.h").is_file() and (cand / "rv64i_m").is_dir():
            return cand
    raise SystemExit(f"{path}: neither riscv-test-suite nor a riscv-arch-test checkout")


def build(src: Path, suite_env: Path, out: Path) -> str:
    """Build ``src`` into the static ELF ``out``; an error message, or "" on success."""
    cmd = [
        GCC,
        f"-march={GCC_MARCH}",
        "-mabi=lp64d",
        "-static",
        "-nostdlib",
        "-fno-pie",  # `la` is auipc+addi, not a GOT load (some have addends)
        "-mno-relax",  # nor gp-relative: the tests overwrite gp (and count on fixed sizes)
        "-no-pie",
        "-Wl,-e,rvtest_entry_point",
        "-DXLEN=64",
        "-DFLEN=64",
        "-DTEST_CASE_1=True",
        f"-I{ENV_DIR}",  # ours first: model_test.h
        f"-I{suite_env}",
        "-o",
        str(out),
        str(src),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        lines = [ln for ln in res.stderr.splitlines() if "rror" in ln] or [res.stderr]
        return f"build failed: {lines[0].strip()[:200]}"
    return ""


def run(
    cmd: Sequence[str], timeout: float, env: dict[str, str] | None = None
) -> tuple[list[str] | None, str]:
    """Run a test program: its signature (hex words), or None and why not."""
    try:
        res = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return None, f"timeout after {timeout:g} s"
    if res.returncode != 0:
        err = res.stderr.decode(errors="replace").strip().splitlines()
        return None, f"exit status {res.returncode}" + (f": {err[-1][:200]}" if err else "")
    return res.stdout.decode(errors="replace").split(), ""


def trivial(words: list[str]) -> str:
    """Why a reference signature cannot be a real one ("" if it can)."""
    if not words:
        return "empty signature"
    if len(set(words)) == 1:
        return f"signature is {len(words)} times the word {words[0]}"
    if set(words) <= FILLERS:
        return "signature holds only the fill and canary words: no test stored a result"
    return ""


def first_difference(ref: list[str], got: list[str]) -> str:
    """The first word where ``got`` differs from ``ref`` ("" if they are equal)."""
    for i, (a, b) in enumerate(zip(ref, got, strict=False)):
        if a != b:
            return f"word {i} (begin_signature+0x{4 * i:x}): qemu {a} tbwasm {b}"
    if len(ref) != len(got):
        return f"{len(got)} words, qemu {len(ref)}"
    return ""


def check(
    src: Path, suite: str, suite_env: Path, tiers: Sequence[str], work: Path, timeout: float
) -> Outcome:
    """Build one test, run it under qemu 10 and under tbwasm in each tier, compare."""
    out = Outcome(src.stem)
    elf = work / f"{suite}-{src.stem}.elf"
    if TRAPPING.search(src.read_text(errors="replace")):
        out.skip = "traps on purpose: needs a machine-mode trap handler"
        return out
    why = build(src, suite_env, elf)
    if why:
        # an instruction unknown to the assembler: skipped; anything else: a FAIL
        if "unrecognized opcode" in why or "unknown CSR" in why:
            out.skip = why
        else:
            out.error = why
        return out
    ref, why = run([QEMU10, "-cpu", QEMU_CPU, str(elf)], timeout)
    if ref is None:
        out.error = f"qemu: {why}"
        return out
    out.ref_words = len(ref)
    out.error = trivial(ref)
    if out.error:
        out.error = f"qemu: {out.error}"
        return out
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # this checkout's tbwasm
    for tier in tiers:
        cmd = [sys.executable, "-m", "py_backend.cli", "run", "--tier", tier, str(elf)]
        got, why = run(cmd, timeout, env)
        out.tiers[tier] = why if got is None else first_difference(ref, got)
    return out


def report(outcome: Outcome, suite: str, tiers: Sequence[str]) -> str:
    """The line of one test."""
    name = f"{suite}/{outcome.name}"
    if outcome.skip:
        return f"SKIP {name}: {outcome.skip}"
    if outcome.error:
        return f"FAIL {name}: {outcome.error}"
    bad = [f"{t}: {outcome.tiers[t]}" for t in tiers if outcome.tiers[t]]
    if bad:
        return f"FAIL {name}: " + "; ".join(bad)
    return f"PASS {name} ({outcome.ref_words} words; {' '.join(tiers)})"


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--suite-dir",
        type=Path,
        required=True,
        help="riscv-arch-test's riscv-test-suite directory (or the checkout's root)",
    )
    ap.add_argument(
        "--suite",
        required=True,
        help="a directory of rv64i_m (K, I, M, C, B, Zicond, F, D, A, F_Zfa, D_Zfa, ...); "
        "several separated by commas",
    )
    ap.add_argument("--tiers", default="interp,jit,tiered", help="tbwasm tiers (comma-separated)")
    ap.add_argument("--jobs", type=int, default=1, help="tests at a time (default 1)")
    ap.add_argument("--only", default="", help="only the tests whose names contain this")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per run (default 600)")
    ap.add_argument("--keep", type=Path, help="build into this directory and keep the ELFs")
    args = ap.parse_args(argv)

    tiers = [t for t in args.tiers.split(",") if t]
    for t in tiers:
        if t not in TIERS:
            ap.error(f"unknown tier {t!r} (one of {', '.join(TIERS)})")
    if not Path(QEMU10).is_file():
        ap.error(f"{QEMU10} missing (scripts/fetch-qemu.sh), or set $TBWASM_QEMU10")
    root = suite_root(args.suite_dir)
    suites = [s for s in args.suite.split(",") if s]
    for s in suites:
        if not (root / "rv64i_m" / s / "src").is_dir():
            ap.error(f"no suite {root / 'rv64i_m' / s / 'src'}")

    work = args.keep or Path(tempfile.mkdtemp(prefix="arch_test."))
    work.mkdir(parents=True, exist_ok=True)
    failed = False
    ran_any = False
    summary: list[str] = []
    try:
        for suite in suites:
            srcs = sorted((root / "rv64i_m" / suite / "src").glob("*.S"))
            srcs = [s for s in srcs if args.only in s.stem]
            if not srcs:
                summary.append(f"{suite}: no test named like {args.only!r}")
                continue
            passed = dict.fromkeys(tiers, 0)
            skipped = 0
            with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
                jobs = [
                    pool.submit(check, s, suite, root / "env", tiers, work, args.timeout)
                    for s in srcs
                ]
                for job in jobs:
                    outcome = job.result()
                    print(report(outcome, suite, tiers), flush=True)
                    skipped += bool(outcome.skip)
                    for t in tiers:
                        if not (outcome.skip or outcome.error or outcome.tiers[t]):
                            passed[t] += 1
            ran = len(srcs) - skipped
            ran_any |= ran > 0
            note = f", {skipped} skipped" if skipped else ""
            for t in tiers:
                summary.append(f"{suite}: {passed[t]}/{ran} pass (tier {t}){note}")
                failed |= passed[t] != ran
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print("\n".join(summary))
    return 1 if failed or not ran_any else 0


if __name__ == "__main__":
    sys.exit(main())
