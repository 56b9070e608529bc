#!/usr/bin/env python3
"""Run chipsalliance/riscv-vector-tests against tbwasm, with qemu 10 as reference.

riscv-vector-tests (https://github.com/chipsalliance/riscv-vector-tests) is a Go
generator that turns ``configs/**/*.toml`` into "stage-1" assembly tests: each
test case loads data, runs one vector instruction, stores the destination
register group into a result-data area and executes a "magic" custom-0
instruction (opcode 0x0b; rs1 = group, rs2[0] = check vxsat, rs2[4:1] = EMUL)
at which Spike normally records the expected values.  Spike is not used here:

1. the generator is built from ``--checkout`` (Go, GOPATH mode, with Debian's
   packaged ``go-toml/v2`` and ``float16`` sources) and run for VLEN=128, XLEN=64;
2. every magic word is rewritten into ``RVT_MAGIC <word>``, an assembler macro of
   our own environment (``tests/rvv_tests_env/riscv_test.h``) that writes a
   record (magic word, vxsat, fflags, case counter, the stored group) to
   stdout, and RVTEST_PASS/FAIL a last one (TESTNUM); the tests are linked
   as static riscv64 Linux user-mode programs;
3. each program runs under qemu 10 (the reference) and under tbwasm in the
   asked tiers; stdout bytes and exit status must be identical.

Usage::

    python3 scripts/rvv_tests.py --checkout /tmp/rvv-tests [--pattern RE]
        [--tiers jit,interp] [--jobs 2] [--splits 1] [--every interp=4]

A mismatch prints one line: test, tier, first differing byte offset, and the
test case (number, VL/LMUL/SEW/mask line, instruction) the offset belongs to.
The exit status is 1 on any mismatch, on a failed reference run, or when a run
produced no result data; 3 when ``--budget`` stopped the run before all tests.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_DIR = ROOT / "tests" / "rvv_tests_env"
QEMU = ROOT / "guests" / "bin" / "qemu10" / "qemu-riscv64"
GOCODE = Path("/usr/share/gocode")
VLEN = 128
VLENB = VLEN // 8
HEADER = 16  # u32 magic word, u32 vxsat, u32 fflags, u32 case counter
MAGIC_RE = re.compile(r"^\.word (0x[0-9a-fA-F]+)\s*$", re.M)
SPLIT_RE = re.compile(r"^(?P<insn>.+)-(?P<split>\d+)$")
GCC = "riscv64-linux-gnu-gcc"
# binutils 2.40 knows V 1.0 but neither Zvbb nor Zvfhmin: only configs/v.
DEFAULT_MARCH = "rv64gcv"


def qemu_cpu() -> str:
    """The qemu 10 cpu string the differential tests use for vector code."""
    sys.path.insert(0, str(ROOT / "tests" / "differential"))
    import rvrun

    return str(rvrun.QEMU10_VECTOR_CPU)


@dataclass
class Case:
    """One magic instruction of a test: where its record is, what it tests."""

    number: int
    word: int
    desc: str
    insn: str

    @property
    def size(self) -> int:
        return HEADER + VLENB * ((self.word >> 21) & 0xF)


@dataclass
class Result:
    """Outcome of one test: reference status and per-tier mismatch lines."""

    name: str
    cases: int = 0
    problems: list[str] = field(default_factory=list)
    passed: dict[str, bool] = field(default_factory=dict)
    skipped: bool = False


def build_generator(checkout: Path, work: Path) -> Path:
    """Build the Go generator from the checkout (GOPATH mode, no network)."""
    gopath = work / "gopath"
    link = gopath / "src" / "github.com" / "ksco" / "riscv-vector-tests"
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(checkout.resolve())
    out = work / "generator"
    env = dict(os.environ)
    env.update(
        GO111MODULE="off",
        GOPATH=f"{gopath}:{GOCODE}",
        GOFLAGS="",
        GOPROXY="off",
        GOCACHE=str(work / "gocache"),
    )
    subprocess.run(["go", "build", "-o", str(out), "."], cwd=link, env=env, check=True)
    return out


def generate(gen: Path, checkout: Path, out: Path, pattern: str, march: str) -> None:
    """Run the generator into ``out`` (emptied first)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    cmd = [
        str(gen),
        "-VLEN",
        str(VLEN),
        "-XLEN",
        "64",
        f"-pattern={pattern}",
        "-stage1output",
        str(out) + "/",
        "-configs",
        str(checkout / "configs") + "/",
        "-march",
        march,
    ]
    subprocess.run(cmd, cwd=checkout, check=True, stdout=subprocess.DEVNULL)


def rewrite(src: str) -> tuple[str, list[Case]]:
    """Replace magic words by RVT_MAGIC; return the new source and its cases."""
    cases: list[Case] = []
    out: list[str] = []
    desc = insn = ""
    in_test = False
    for line in src.splitlines():
        s = line.strip()
        if s.startswith("# Generating tests for"):
            desc = s[len("# Generating tests for ") :]
        elif "TEST BEGIN" in s:
            in_test = True
        elif "TEST END" in s:
            in_test = False
        elif in_test and s and not s.startswith(("li ", "vsetvli t1, t0", "#")):
            insn = s
        m = MAGIC_RE.match(line)
        if m and int(m.group(1), 16) & 0x7F == 0x0B:
            word = int(m.group(1), 16)
            cases.append(Case(len(cases) + 1, word, desc, insn))
            out.append(f"RVT_MAGIC {m.group(1)}")
        else:
            out.append(line)
    out += [
        ".if resultdata - rvt_record != 16",
        '.error "rvt_record must directly precede resultdata"',
        ".endif",
        "",
    ]
    return "\n".join(out), cases


def locate(cases: list[Case], offset: int) -> str:
    """Name the case (and field) the stdout byte ``offset`` belongs to."""
    pos = 0
    for c in cases:
        if offset < pos + c.size:
            rel = offset - pos
            what = (
                ("magic word", "vxsat", "fflags", "case counter")[rel // 4]
                if rel < HEADER
                else f"vreg byte {rel - HEADER}"
            )
            return f"case {c.number} ({what}) [{c.desc}] {c.insn}"
        pos += c.size
    if offset < pos + HEADER:
        return "the last record (RVTEST_PASS/FAIL: TESTNUM, fflags, case count)"
    return "past the last record"


@dataclass
class Run:
    """Exit status and stdout of one program run."""

    rc: int
    out: bytes
    err: str


def run(cmd: list[str], timeout: float) -> Run:
    try:
        p = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False, cwd=ROOT)
    except subprocess.TimeoutExpired as e:
        return Run(-999, e.stdout or b"", "timeout")
    return Run(p.returncode, p.stdout, p.stderr.decode(errors="replace")[-300:])


def compare(name: str, tier: str, ref: Run, got: Run, cases: list[Case]) -> str | None:
    """One mismatch line, or None when ``got`` equals the reference."""
    if not got.out:
        return f"{name} {tier}: no result data (rc {got.rc}) {got.err.strip()[-200:]}"
    if got.out == ref.out and got.rc == ref.rc:
        return None
    n = min(len(ref.out), len(got.out))
    off = next((i for i in range(n) if ref.out[i] != got.out[i]), n)
    if off == n and len(ref.out) == len(got.out):
        return f"{name} {tier}: exit status {got.rc}, qemu {ref.rc} (stdout identical)"
    where = locate(cases, off)
    return (
        f"{name} {tier}: first difference at byte {off} "
        f"({len(got.out)} vs qemu {len(ref.out)} bytes, "
        f"rc {got.rc} vs {ref.rc}): {where} {got.err.strip()[-160:]}"
    )


def one_test(
    src: Path,
    work: Path,
    checkout: Path,
    march: str,
    tiers: list[str],
    cpu: str,
    timeout: float,
    deadline: float,
) -> Result:
    """Compile one stage-1 test, run it under qemu and tbwasm, compare."""
    name = src.stem
    res = Result(name)
    if time.monotonic() > deadline:
        res.skipped = True
        return res
    text, cases = rewrite(src.read_text())
    # tests without magic words (vsetvl*) check themselves with TEST_CASE
    # (TESTNUM reported in the last record and the exit status); case 2 is the
    # final empty TEST_CASE of every test
    checks = len(re.findall(r"^\s*TEST_CASE\((?!2,)", text, re.M))
    res.cases = len(cases) + checks
    asm = work / "asm" / src.name
    asm.write_text(text)
    elf = work / "bin" / name
    cc = subprocess.run(
        [
            GCC,
            f"-march={march}",
            "-mabi=lp64d",
            "-static",
            "-nostdlib",
            "-nostartfiles",
            f"-DRVT_VLENB={VLENB}",
            f"-I{ENV_DIR}",
            f"-I{checkout / 'macros' / 'general'}",
            str(asm),
            "-o",
            str(elf),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if cc.returncode:
        res.problems.append(f"{name}: does not assemble: {cc.stderr.strip().splitlines()[-1:]}")
        return res
    ref = run([str(QEMU), "-cpu", cpu, str(elf)], timeout)
    expected = sum(c.size for c in cases) + HEADER
    if ref.rc != 0 or len(ref.out) != expected or not res.cases:
        res.problems.append(
            f"{name} qemu: reference run unusable "
            f"(rc {ref.rc}, {len(ref.out)} of {expected} bytes) "
            f"{ref.err.strip()[-200:]}"
        )
        return res
    for tier in tiers:
        got = run(
            [
                sys.executable,
                "-m",
                "py_backend.cli",
                "run",
                "--tier",
                tier,
                "--timeout",
                str(int(timeout)),
                str(elf),
            ],
            timeout + 30,
        )
        line = compare(name, tier, ref, got, cases)
        res.passed[tier] = line is None
        if line:
            res.problems.append(line)
    return res


def select(files: list[Path], splits: int) -> list[Path]:
    """Keep the first ``splits`` split files of every instruction (0 = all)."""
    if splits <= 0:
        return files
    keep = []
    for f in files:
        m = SPLIT_RE.match(f.stem)
        if m is None or int(m.group("split")) < splits:
            keep.append(f)
    return keep


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkout", type=Path, required=True, help="riscv-vector-tests checkout")
    ap.add_argument(
        "--pattern", default=".*", help="generator -pattern regex over config names (e.g. '^vadd')"
    )
    ap.add_argument("--tiers", default="jit,interp", help="comma-separated tbwasm tiers")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--march", default=DEFAULT_MARCH, help="-march for gcc and the generator's extension list"
    )
    ap.add_argument("--work", type=Path, default=None, help="work dir (default: a temporary one)")
    ap.add_argument("--reuse", action="store_true", help="reuse the work dir's generated tests")
    ap.add_argument(
        "--splits",
        type=int,
        default=0,
        help="only the first N split files per instruction (0 = all)",
    )
    ap.add_argument(
        "--every",
        action="append",
        default=[],
        metavar="TIER=N",
        help="run TIER only on every Nth selected test (a subset), e.g. interp=4",
    )
    ap.add_argument(
        "--budget",
        type=float,
        default=0.0,
        help="minutes; start no test after that (tests in a fixed shuffled order; 0 = no limit)",
    )
    ap.add_argument("--verbose", action="store_true", help="also print a line per passing test")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per run")
    args = ap.parse_args()

    tiers = [t for t in args.tiers.split(",") if t]
    every = {k: int(v) for k, v in (e.split("=", 1) for e in args.every)}
    work = args.work or Path(tempfile.mkdtemp(prefix="rvv_tests."))
    work.mkdir(parents=True, exist_ok=True)
    for d in ("asm", "bin"):
        (work / d).mkdir(exist_ok=True)
    stage1 = work / "stage1"
    checkout = args.checkout.resolve()
    if not (args.reuse and stage1.is_dir()):
        gen = build_generator(checkout, work)
        generate(gen, checkout, stage1, args.pattern, args.march)
    files = select(sorted(stage1.glob("*.S")), args.splits)
    if args.reuse:
        pat = re.compile(args.pattern)
        files = [
            f for f in files if pat.search(SPLIT_RE.sub(r"\g<insn>", f.stem).replace("_", "."))
        ]
    if not files:
        print("no tests generated", file=sys.stderr)
        return 2
    cpu = qemu_cpu()
    print(f"{len(files)} tests in {work}", flush=True)

    if args.budget > 0:
        # a partial run should sample every kind of instruction: fixed shuffle
        random.Random(0).shuffle(files)
    deadline = time.monotonic() + args.budget * 60 if args.budget > 0 else float("inf")
    results: list[Result] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futs = [
            pool.submit(
                one_test,
                f,
                work,
                checkout,
                args.march,
                [t for t in tiers if idx % every.get(t, 1) == 0],
                cpu,
                args.timeout,
                deadline,
            )
            for idx, f in enumerate(files)
        ]
        for fut in concurrent.futures.as_completed(futs):
            r = fut.result()
            if r.skipped:
                continue
            results.append(r)
            for p in r.problems:
                print(p, flush=True)
            if args.verbose and not r.problems:
                print(f"{r.name}: ok ({r.cases} cases, {','.join(r.passed)})", flush=True)

    if len(results) < len(files):
        print(f"time budget used up: {len(results)} of {len(files)} selected tests run")
    ncases = sum(r.cases for r in results)
    parts = []
    for t in tiers:
        ran = [r for r in results if t in r.passed]
        ok = sum(r.passed[t] for r in ran)
        parts.append(f"{ok} pass in {t} (of {len(ran)} run)")
    broken = sum(1 for r in results if not r.passed and r.problems)
    print(
        f"{len(results)} tests ({ncases} cases): "
        + ", ".join(parts)
        + f"; {broken} not run (reference/assembly)"
    )
    bad = any(r.problems for r in results) or any(not r.passed for r in results if tiers)
    if bad:
        return 1
    return 3 if len(results) < len(files) else 0


if __name__ == "__main__":
    sys.exit(main())
